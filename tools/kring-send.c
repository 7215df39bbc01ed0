/*
 * kring-send: enqueue RFC 5322 messages read from stdin (one message, or
 * an mbox stream) into the outbox, for kringd to deliver.  The Unix way to
 * hand kring any mail, and what every tool's --send does.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <gmime/gmime.h>

#include "kring/cli.h"
#include "kring/mbox.h"
#include "kring/msginfo.h"
#include "kring/outbox.h"
#include "kring/util.h"

#define INPUT_MAX (256L << 20)	/* one stdin stream */

static void
usage(FILE *out, int status)
{
	fprintf(out, "usage: kring send [-c FILE] [-s DIR] [--community C] "
	    "[-t ADDR]... < MESSAGES\n\n"
	    "Queue the message on stdin (or each message of an mbox stream)\n"
	    "for delivery by kringd.  Recipients are the -t addresses, else\n"
	    "the To, Cc and Bcc of each message (Bcc is then removed).  The\n"
	    "return path is the community's bounce address.\n");
	exit(status);
}

/* Append the addresses of header NAME of RAW to RCPTS. */
static void
header_rcpts(const char *raw, size_t len, const char *name, GPtrArray *rcpts)
{
	char *value = msg_header_get(raw, len, name);
	InternetAddressList *list;

	if (value == NULL)
		return;
	list = internet_address_list_parse(NULL, value);
	g_free(value);
	for (int i = 0; list && i < internet_address_list_length(list); i++) {
		InternetAddress *a = internet_address_list_get_address(list, i);

		if (INTERNET_ADDRESS_IS_MAILBOX(a))
			g_ptr_array_add(rcpts, g_strdup(
			    internet_address_mailbox_get_addr(
			    INTERNET_ADDRESS_MAILBOX(a))));
		else if (INTERNET_ADDRESS_IS_GROUP(a)) {
			InternetAddressList *m = internet_address_group_get_members(
			    INTERNET_ADDRESS_GROUP(a));

			for (int j = 0; m && j < internet_address_list_length(m); j++) {
				InternetAddress *b = internet_address_list_get_address(m, j);

				if (INTERNET_ADDRESS_IS_MAILBOX(b))
					g_ptr_array_add(rcpts, g_strdup(
					    internet_address_mailbox_get_addr(
					    INTERNET_ADDRESS_MAILBOX(b))));
			}
		}
	}
	if (list != NULL)
		g_object_unref(list);
}

/* MSG without its Bcc field (and the field's continuation lines). */
static void
strip_bcc(GByteArray *msg)
{
	size_t end = msg_body_offset((const char *)msg->data, msg->len);
	size_t p = 0;

	while (p < end) {
		const char *line = (const char *)msg->data + p;
		const char *nl = memchr(line, '\n', end - p);
		size_t next = nl ? (size_t)(nl - (const char *)msg->data) + 1 : end;

		if (end - p > 4 && g_ascii_strncasecmp(line, "Bcc:", 4) == 0) {
			while (next < end && (msg->data[next] == ' ' ||
			    msg->data[next] == '\t')) {
				nl = memchr(msg->data + next, '\n', end - next);
				next = nl ? (size_t)(nl - (const char *)msg->data) + 1 : end;
			}
			g_byte_array_remove_range(msg, (guint)p, (guint)(next - p));
			end -= next - p;
			continue;
		}
		p = next;
	}
}

struct send {
	struct cli cli;
	const struct community_conf *community;
	GPtrArray *to;		/* -t addresses */
	MDB_txn *txn;
	unsigned long queued;
};

static void
send_one(struct send *sd, GByteArray *msg)
{
	GPtrArray *rcpts = g_ptr_array_new_with_free_func(g_free);
	uint64_t id;
	int rc;

	for (guint i = 0; i < sd->to->len; i++)
		g_ptr_array_add(rcpts, g_strdup(sd->to->pdata[i]));
	if (rcpts->len == 0) {
		const char *raw = (const char *)msg->data;

		header_rcpts(raw, msg->len, "To", rcpts);
		header_rcpts(raw, msg->len, "Cc", rcpts);
		header_rcpts(raw, msg->len, "Bcc", rcpts);
	}
	/* Never sent on, whoever the recipients are: Bcc is blind. */
	strip_bcc(msg);
	if (rcpts->len == 0)
		errx(EX_DATAERR, "message %lu: no recipients (no -t, no To, "
		    "Cc or Bcc); nothing queued", sd->queued + 1);
	rc = outbox_enqueue(&sd->cli.st, sd->txn, sd->community->address,
	    sd->cli.conf.hostname, (const char *const *)rcpts->pdata,
	    rcpts->len, (const char *)msg->data, msg->len, kring_now(), &id);
	if (rc != 0)
		errx(rc == EINVAL ? EX_DATAERR : EX_CANTCREAT,
		    "message %lu: %s; nothing queued", sd->queued + 1,
		    rc == EINVAL ? "too many recipients or bounce address "
		    "too long" : mdb_strerror(rc));
	sd->queued++;
	g_ptr_array_unref(rcpts);
}

static GByteArray *
read_stdin(void)
{
	GByteArray *in = g_byte_array_new();
	guint8 buf[65536];
	size_t n;

	while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
		if (in->len + n > INPUT_MAX)
			errx(EX_DATAERR, "stdin: more than %ld bytes", INPUT_MAX);
		g_byte_array_append(in, buf, (guint)n);
	}
	if (ferror(stdin))
		err(EX_IOERR, "stdin");
	return in;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_LONGOPTS,
		{ "to", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct send sd = { .to = g_ptr_array_new() };
	GByteArray *in, *msg = g_byte_array_new();
	struct mbox_reader r;
	int64_t when;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, CLI_SHORTOPTS "t:", longopts,
	    NULL)) != -1) {
		if (ch == 'h')
			usage(stdout, 0);
		else if (ch == 't')
			g_ptr_array_add(sd.to, optarg);
		else if (!cli_option(&sd.cli, ch, optarg))
			usage(stderr, EX_USAGE);
	}
	if (optind != argc)
		usage(stderr, EX_USAGE);
	sd.cli.need_config = true;
	cli_open_store(&sd.cli, true);
	sd.community = config_community(&sd.cli.conf, sd.cli.community);
	if (sd.community == NULL)
		errx(EX_CONFIG, "kring send needs a community from the config "
		    "(its address is the bounce address): -c FILE%s%s",
		    sd.cli.community ? ", --community " : "",
		    sd.cli.community ? sd.cli.community : "");
	msginfo_global_init();
	in = read_stdin();
	sd.txn = cli_begin(&sd.cli, true);
	/* All or nothing: one transaction for the whole stream. */
	if (mbox_looks_like((const char *)in->data, in->len)) {
		mbox_reader_init(&r, (const char *)in->data, in->len);
		while (mbox_next(&r, msg, &when) == 1)
			send_one(&sd, msg);
	} else if (in->len > 0) {
		g_byte_array_append(msg, in->data, in->len);
		send_one(&sd, msg);
	}
	if ((rc = mdb_txn_commit(sd.txn)) != 0)
		errx(EX_CANTCREAT, "%s: %s", sd.cli.st.path, mdb_strerror(rc));
	printf("queued %lu message%s\n", sd.queued, sd.queued == 1 ? "" : "s");
	g_byte_array_unref(msg);
	g_byte_array_unref(in);
	g_ptr_array_unref(sd.to);
	cli_finish(&sd.cli, NULL);
	return 0;
}
