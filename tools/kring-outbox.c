/*
 * kring-outbox: what is waiting to go out.  `kring outbox` lists queued,
 * deferred and failed messages; `retry ID` makes one due now; `drop ID`
 * removes it.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "kring/cli.h"
#include "kring/json.h"
#include "kring/outbox.h"
#include "kring/util.h"

static void
usage(FILE *out, int status)
{
	fprintf(out, "usage: kring outbox [-s DIR] [-c FILE] [--json]\n"
	    "       kring outbox [-s DIR] [-c FILE] retry|drop ID\n\n"
	    "List the messages waiting to go out (queued, deferred, failed)\n"
	    "with their recipients and last error; --json prints one object a\n"
	    "line (id, state, message_id, return_path, created, next_attempt,\n"
	    "attempts, size, last_error, recipients: [{address, status}]).\n"
	    "retry ID makes a message due now (a failed one too); drop ID\n"
	    "removes it.\n");
	exit(status);
}

static const char *
rcpt_status_name(uint8_t s)
{
	return s == RCPT_SENT ? "sent" : s == RCPT_FAILED ? "failed" : "pending";
}

static void
json_field(GString *out, const char *key, const char *value)
{
	g_string_append_printf(out, ",\"%s\":", key);
	json_string(out, value, strlen(value));
}

static void
print_entry(struct cli *cli, const struct outbox_entry *e)
{
	GString *out = g_string_new(NULL);
	char created[32], next[32];

	time_iso(e->rec.created, created, sizeof created);
	time_iso(e->rec.next_attempt, next, sizeof next);
	if (cli->json) {
		g_string_append_printf(out, "{\"id\":%llu,\"state\":\"%s\"",
		    (unsigned long long)e->id, outbox_state_name(e->rec.state));
		json_field(out, "message_id", e->message_id);
		json_field(out, "return_path", e->return_path);
		json_field(out, "created", created);
		json_field(out, "next_attempt", next);
		g_string_append_printf(out, ",\"attempts\":%u,\"size\":%u",
		    e->rec.attempts, e->rec.size);
		json_field(out, "last_error", e->last_error);
		g_string_append(out, ",\"recipients\":[");
		for (uint32_t i = 0; i < e->rec.nrcpt; i++) {
			g_string_append(out, i ? ",{\"address\":" : "{\"address\":");
			json_string(out, e->rcpts[i], strlen(e->rcpts[i]));
			g_string_append_printf(out, ",\"status\":\"%s\"}",
			    rcpt_status_name(e->status[i]));
		}
		g_string_append(out, "]}\n");
	} else {
		g_string_append_printf(out, "%-6llu %-8s %2u tries  next %s  "
		    "<%s>\n", (unsigned long long)e->id,
		    outbox_state_name(e->rec.state), e->rec.attempts, next,
		    e->message_id);
		for (uint32_t i = 0; i < e->rec.nrcpt; i++)
			g_string_append_printf(out, "       %-7s %s\n",
			    rcpt_status_name(e->status[i]), e->rcpts[i]);
		if (e->last_error[0] != '\0')
			g_string_append_printf(out, "       last error: %s\n",
			    e->last_error);
	}
	cli_emit(out);
}

static void
list(struct cli *cli)
{
	MDB_txn *txn = cli_begin(cli, false);
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	if ((rc = mdb_cursor_open(txn, cli->st.dbi[DB_OUTBOX], &cur)) != 0)
		errx(EX_SOFTWARE, "%s", mdb_strerror(rc));
	rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct outbox_entry e;
		int grc;

		if (k.mv_size != 8)
			errx(EX_DATAERR, "%s: corrupt outbox key", cli->st.path);
		if ((grc = outbox_get(&cli->st, txn, be64_get(k.mv_data), &e)))
			errx(EX_DATAERR, "%s: %s", cli->st.path, mdb_strerror(grc));
		print_entry(cli, &e);
		outbox_entry_release(&e);
	}
	if (rc != MDB_NOTFOUND)
		errx(EX_SOFTWARE, "%s", mdb_strerror(rc));
	mdb_cursor_close(cur);
	cli_finish(cli, txn);
}

/* retry or drop entry ID. */
static void
change(struct cli *cli, const char *verb, const char *arg)
{
	MDB_txn *txn = cli_begin(cli, true);
	struct outbox_entry e;
	long id;
	int rc;

	if (parse_long(arg, 1, 0x7fffffffffffffffL, &id) != 0)
		errx(EX_USAGE, "%s: not an outbox id", arg);
	if (strcmp(verb, "drop") == 0)
		rc = outbox_drop(&cli->st, txn, (uint64_t)id);
	else if ((rc = outbox_get(&cli->st, txn, (uint64_t)id, &e)) == 0) {
		e.rec.state = OUT_QUEUED;
		e.rec.next_attempt = kring_now();
		for (uint32_t i = 0; i < e.rec.nrcpt; i++)
			if (e.status[i] == RCPT_FAILED)
				e.status[i] = RCPT_PENDING;
		rc = outbox_put(&cli->st, txn, &e);
		outbox_entry_release(&e);
	}
	if (rc == MDB_NOTFOUND)
		errx(EX_DATAERR, "%ld: no such message in the outbox", id);
	if (rc != 0 || (rc = mdb_txn_commit(txn)) != 0)
		errx(EX_CANTCREAT, "%s: %s", cli->st.path, mdb_strerror(rc));
	printf("%s %ld\n", strcmp(verb, "drop") == 0 ? "dropped" : "due now:", id);
	cli_finish(cli, NULL);
}

int
main(int argc, char **argv)
{
	struct cli cli = { 0 };
	int arg = cli_parse_common(&cli, argc, argv, -1, usage);

	if (argc - arg == 0) {
		cli_open_store(&cli, false);
		list(&cli);
	} else if (argc - arg == 2 && (strcmp(argv[arg], "retry") == 0 ||
	    strcmp(argv[arg], "drop") == 0)) {
		cli_open_store(&cli, true);
		change(&cli, argv[arg], argv[arg + 1]);
	} else
		usage(stderr, EX_USAGE);
	return 0;
}
