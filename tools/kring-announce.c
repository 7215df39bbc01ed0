/*
 * kring-announce: an announcement to every member (announce.h), what
 * everyone must know whatever their delivery settings.  The Markdown
 * FILE becomes a post of the community, From the staff member given (or
 * the community itself); kringd sends it to each member once.  Without
 * --send it is printed as an mbox, with who it would reach, and nothing
 * is stored.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <glib.h>

#include "kring/announce.h"
#include "kring/cli.h"
#include "kring/compose.h"
#include "kring/ingest.h"
#include "kring/mail.h"
#include "kring/markdown.h"
#include "kring/msginfo.h"
#include "kring/template.h"
#include "kring/util.h"

#define ANNOUNCE_TEXT_MAX (64 * 1024)
#define SUBJECT_MAX 200		/* bytes of a Subject */

static void
usage(FILE *out, int status)
{
	fprintf(out,
	    "usage: kring announce [-c FILE] [-s DIR] [--community C]\n"
	    "                      --subject S [--from ADDR] [--send] FILE\n\n"
	    "An announcement to every member of the community and of its\n"
	    "local communities, whatever their delivery mode (each, digest,\n"
	    "nomail), once each; members whose mail bounces are left out.\n"
	    "FILE (- for stdin) is Markdown; --from is a staff member with\n"
	    "the manager or owner role (default: the community itself).\n"
	    "Without --send the mail is printed as an mbox with who it would\n"
	    "reach, and nothing is stored or sent.\n");
	exit(status);
}

struct announce {
	struct cli cli;
	const struct community_conf *c;
	const char *subject, *from, *file;
	bool send;
	int64_t now;
};

/* The sender: staff FROM with a role that may announce, or the
 * community. */
static void
sender(const struct announce *an, const char **name, const char **addr)
{
	const struct community_conf *c = an->c;
	const struct staff_conf *sc;

	*name = c->description[0] ? c->description : c->name;
	*addr = c->address;
	if (an->from == NULL)
		return;
	sc = config_staff(c, an->from);
	if (sc == NULL)
		errx(EX_DATAERR, "%s is not staff of %s; nothing sent",
		    an->from, c->name);
	if ((sc->roles & (ROLE_MANAGER | ROLE_OWNER)) == 0)
		errx(EX_DATAERR, "%s has neither the manager nor the owner "
		    "role, which announcing needs; nothing sent", an->from);
	*name = sc->name[0] ? sc->name : *name;
	*addr = sc->address;
}

/* TEXT with the note that says it goes to every member
 * (announce-note.txt) under it (g_free). */
static char *
with_note(const struct announce *an, const char *text)
{
	struct tmpl_ctx *ctx = tmpl_ctx_new();
	char err[256], *note, *out;

	tmpl_ctx_set(ctx, "community_name", an->c->description[0] ?
	    an->c->description : an->c->name);
	note = mail_render_one(&an->cli.conf, an->c, NULL, "announce-note.txt",
	    ctx, err, sizeof err);
	tmpl_ctx_free(ctx);
	if (note == NULL)
		errx(EX_CONFIG, "%s; nothing sent", err);
	out = g_strdup_printf("%s\n\n%s", text, g_strstrip(note));
	g_free(note);
	return out;
}

/* The announcement as a message To and Reply-To the community. */
static GByteArray *
announce_build(const struct announce *an, const char *subject,
    const char *md, char **message_id)
{
	const struct community_conf *c = an->c;
	char *text = with_note(an, md);
	char *html = markdown_to_html(text, strlen(text));
	char *list = g_strdup_printf("<%s.%s>", c->local, c->domain);
	struct compose_addr to = {
		c->description[0] ? c->description : c->name, c->address };
	struct compose_header list_id = { "List-Id", list };
	struct compose_msg m = {
		.to = &to, .nto = 1, .reply_to = &to, .subject = subject,
		.text = text, .html = html, .message_id_domain = c->domain,
		.headers = &list_id, .nheaders = 1, .date = an->now,
	};
	GByteArray *msg = g_byte_array_new();
	char errbuf[256];

	sender(an, &m.from_name, &m.from_addr);
	if (compose_build(&m, msg, message_id, errbuf, sizeof errbuf) != 0)
		errx(EX_DATAERR, "the announcement: %s", errbuf);
	g_free(text);
	g_free(html);
	g_free(list);
	return msg;
}

/* Who it reaches, to stderr (a preview) or stdout. */
static void
print_audience(FILE *out, const struct announce_audience *a, bool sent)
{
	size_t n = a->each + a->digest + a->nomail;

	fprintf(out, "%s %zu member%s (%zu each post, %zu digest, "
	    "%zu no mail)", sent ? "kringd sends it to" : "it would reach",
	    n, n == 1 ? "" : "s", a->each, a->digest, a->nomail);
	if (a->suspended > 0)
		fprintf(out, "; %zu whose mail bounces left out", a->suspended);
	fprintf(out, "\n");
}

/* Store MSG as a post and its fan-out to everyone, in one transaction. */
static void
announce_store(struct announce *an, const GByteArray *msg,
    const char *message_id)
{
	MDB_txn *txn = cli_begin(&an->cli, true);
	struct ingest_result res;
	struct announce_audience a;
	const char *name, *addr;
	int rc;

	sender(an, &name, &addr);
	if ((rc = ingest_message(&an->cli.st, txn, an->c->name,
	    (const char *)msg->data, msg->len, 0, an->now, addr, &res)) != 0 ||
	    (rc = announce_post(&an->cli.st, txn, &an->cli.conf, an->c,
	    res.msg_id, an->now)) != 0 ||
	    (rc = announce_audience(&an->cli.st, txn, &an->cli.conf, an->c,
	    addr, &a)) != 0)
		errx(EX_CANTCREAT, "%s: %s; nothing sent", an->cli.st.path,
		    mdb_strerror(rc));
	if ((rc = mdb_txn_commit(txn)) != 0)
		errx(EX_CANTCREAT, "%s: %s; nothing sent", an->cli.st.path,
		    mdb_strerror(rc));
	printf("announcement <%s> stored as message %llu; ", message_id,
	    (unsigned long long)res.msg_id);
	print_audience(stdout, &a, true);
}

/* Print MSG as an mbox and who it would reach. */
static void
announce_preview(struct announce *an, const GByteArray *msg)
{
	MDB_txn *txn = cli_begin(&an->cli, false);
	GByteArray *mbox = g_byte_array_new();
	struct announce_audience a;
	const char *name, *addr;
	int rc;

	sender(an, &name, &addr);
	if ((rc = announce_audience(&an->cli.st, txn, &an->cli.conf, an->c,
	    addr, &a)) != 0)
		errx(EX_SOFTWARE, "members: %s", mdb_strerror(rc));
	compose_mbox_append(mbox, msg, an->now);
	if (fwrite(mbox->data, 1, mbox->len, stdout) != mbox->len)
		err(EX_IOERR, "stdout");
	print_audience(stderr, &a, false);
	fprintf(stderr, "nothing sent (--send to store and send it)\n");
	g_byte_array_unref(mbox);
	mdb_txn_abort(txn);
}

static void
parse_args(struct announce *an, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_LONGOPTS,
		{ "subject", required_argument, NULL, 'S' },
		{ "from", required_argument, NULL, 'F' },
		{ "send", no_argument, NULL, 'X' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, CLI_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (ch == 'h')
			usage(stdout, 0);
		else if (ch == 'S')
			an->subject = optarg;
		else if (ch == 'F')
			an->from = optarg;
		else if (ch == 'X')
			an->send = true;
		else if (!cli_option(&an->cli, ch, optarg))
			usage(stderr, EX_USAGE);
	}
	if (optind != argc - 1 || an->subject == NULL)
		usage(stderr, EX_USAGE);
	an->file = argv[optind];
}

int
main(int argc, char **argv)
{
	struct announce an = { 0 };
	char *subject, *text, *message_id = NULL;
	GByteArray *msg;

	parse_args(&an, argc, argv);
	subject = cli_one_line(an.subject);
	if (subject[0] == '\0' || strlen(subject) > SUBJECT_MAX)
		errx(EX_USAGE, "the subject is empty or longer than %d bytes",
		    SUBJECT_MAX);
	text = cli_read_markdown(an.file, ANNOUNCE_TEXT_MAX);
	an.cli.need_config = true;
	cli_open_store(&an.cli, an.send);
	an.c = config_community(&an.cli.conf, an.cli.community ?
	    an.cli.community : an.cli.conf.ncommunities > 0 ?
	    an.cli.conf.communities[0].name : "");
	if (an.c == NULL)
		errx(EX_CONFIG, "no such community in the config: %s",
		    an.cli.community ? an.cli.community : "(none configured)");
	an.now = kring_now();
	msginfo_global_init();
	msg = announce_build(&an, subject, text, &message_id);
	if (an.send)
		announce_store(&an, msg, message_id);
	else
		announce_preview(&an, msg);
	g_byte_array_unref(msg);
	g_free(message_id);
	g_free(text);
	g_free(subject);
	cli_finish(&an.cli, NULL);
	return 0;
}
