/*
 * kring-threads: list the threads of a community, one a line, or one JSON
 * object a line with --json.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "kring/cli.h"
#include "kring/json.h"
#include "kring/thread.h"
#include "kring/util.h"

static void
usage(FILE *out, int status)
{
	fprintf(out, "usage: kring threads [-s DIR] [-c FILE] [--community C] "
	    "[--since DATE] [--json]\n\n"
	    "List the threads of a community, oldest first: id, messages,\n"
	    "participants, first and last activity (UTC), subject.  --since\n"
	    "keeps threads active since DATE (YYYY-MM-DD or ISO 8601).\n"
	    "--json prints one object a line with the keys id, community,\n"
	    "subject, root, messages, participants, first, last.\n");
	exit(status);
}

static void
print_thread(struct cli *cli, MDB_txn *txn, const char *community,
    uint64_t id, const struct thread_rec *t, const char *subj, size_t slen)
{
	struct msg_view root = { .message_id = "" };
	char first[32], last[32];
	GString *out = g_string_new(NULL);

	time_iso(t->first, first, sizeof first);
	time_iso(t->last, last, sizeof last);
	if (t->root != 0 && store_msg_get(&cli->st, txn, t->root, &root) != 0)
		root.message_id = "";
	if (cli->json) {
		g_string_append_printf(out, "{\"id\":%llu,\"community\":",
		    (unsigned long long)id);
		json_string(out, community, strlen(community));
		g_string_append(out, ",\"subject\":");
		json_string(out, subj, slen);
		g_string_append(out, ",\"root\":");
		char *bracketed = g_strdup_printf("<%s>", root.message_id);
		json_string(out, bracketed, strlen(bracketed));
		g_free(bracketed);
		g_string_append_printf(out, ",\"messages\":%llu,"
		    "\"participants\":%llu,\"first\":\"%s\",\"last\":\"%s\"}\n",
		    (unsigned long long)t->messages,
		    (unsigned long long)t->participants, first, last);
	} else {
		gchar *s = g_utf8_make_valid(subj, (gssize)slen);

		g_string_append_printf(out, "%-6llu %4llu msg %3llu ppl  %s  %s  %s\n",
		    (unsigned long long)id, (unsigned long long)t->messages,
		    (unsigned long long)t->participants, first, last, s);
		g_free(s);
	}
	cli_emit(out);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_LONGOPTS,
		{ "since", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli cli = { 0 };
	int64_t since = INT64_MIN;
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k, v;
	char name[256];
	uint32_t comm;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, CLI_SHORTOPTS, longopts, NULL)) != -1) {
		if (ch == 'h')
			usage(stdout, 0);
		if (ch == 'S') {
			if (time_parse(optarg, &since) != 0)
				errx(EX_USAGE, "--since %s: not a date", optarg);
		} else if (!cli_option(&cli, ch, optarg))
			usage(stderr, EX_USAGE);
	}
	if (optind != argc)
		usage(stderr, EX_USAGE);
	cli_open_store(&cli, false);
	txn = cli_begin(&cli, false);
	if ((rc = mdb_cursor_open(txn, cli.st.dbi[DB_THREAD], &cur)) != 0)
		errx(EX_SOFTWARE, "%s", mdb_strerror(rc));
	comm = cli_community(&cli, txn, name, sizeof name);
	rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct thread_rec t;

		if (k.mv_size != 8 || v.mv_size < sizeof t)
			errx(EX_DATAERR, "%s: corrupt thread record", cli.st.path);
		memcpy(&t, v.mv_data, sizeof t);
		if (t.community != comm || t.messages == 0 || t.last < since)
			continue;
		print_thread(&cli, txn, name, be64_get(k.mv_data), &t,
		    (const char *)v.mv_data + sizeof t, v.mv_size - sizeof t);
	}
	if (rc != MDB_NOTFOUND)
		errx(EX_SOFTWARE, "%s", mdb_strerror(rc));
	mdb_cursor_close(cur);
	cli_finish(&cli, txn);
	return 0;
}
