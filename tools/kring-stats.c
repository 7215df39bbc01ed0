/*
 * kring-stats: counts of messages, threads and senders per community.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "kring/cli.h"
#include "kring/json.h"

static void
usage(FILE *out, int status)
{
	fprintf(out, "usage: kring stats [-s DIR] [-c FILE] [--community C] "
	    "[--json]\n\n"
	    "Count the messages, threads and senders of each community (or\n"
	    "of the one named).\n");
	exit(status);
}

static void
print_counts(struct cli *cli, const char *name, size_t len,
    const struct count_rec *c)
{
	GString *out = g_string_new(NULL);

	if (cli->json) {
		g_string_append(out, "{\"community\":");
		json_string(out, name, len);
		g_string_append_printf(out, ",\"messages\":%llu,\"threads\":%llu,"
		    "\"senders\":%llu}\n", (unsigned long long)c->messages,
		    (unsigned long long)c->threads,
		    (unsigned long long)c->senders);
	} else {
		g_string_append_printf(out, "%.*s: %llu messages, %llu threads, "
		    "%llu senders\n", (int)len, name,
		    (unsigned long long)c->messages,
		    (unsigned long long)c->threads,
		    (unsigned long long)c->senders);
	}
	cli_emit(out);
}

int
main(int argc, char **argv)
{
	struct cli cli = { 0 };
	struct count_rec c;
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k, v;
	int rc;

	cli_parse_common(&cli, argc, argv, 0, usage);
	cli_open_store(&cli, false);
	txn = cli_begin(&cli, false);
	if ((rc = mdb_cursor_open(txn, cli.st.dbi[DB_COMMUNITY], &cur)) != 0)
		errx(EX_SOFTWARE, "%s", mdb_strerror(rc));
	rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (v.mv_size != 4)
			errx(EX_DATAERR, "%s: corrupt community record", cli.st.path);
		if (cli.community != NULL && (k.mv_size != strlen(cli.community) ||
		    memcmp(k.mv_data, cli.community, k.mv_size) != 0))
			continue;
		if ((rc = store_counts_get(&cli.st, txn, be32_get(v.mv_data), &c)))
			errx(EX_SOFTWARE, "%s", mdb_strerror(rc));
		print_counts(&cli, k.mv_data, k.mv_size, &c);
	}
	if (rc != MDB_NOTFOUND)
		errx(EX_SOFTWARE, "%s", mdb_strerror(rc));
	mdb_cursor_close(cur);
	cli_finish(&cli, txn);
	return 0;
}
