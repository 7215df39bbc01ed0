/*
 * kring-show: print one stored message, byte for byte as stored.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <glib.h>

#include "kring/cli.h"
#include "kring/util.h"

static void
usage(FILE *out, int status)
{
	fprintf(out, "usage: kring show [-s DIR] [-c FILE] [--community C] "
	    "ID|MESSAGE-ID\n\n"
	    "Print a stored message exactly as kring stored it: the store id\n"
	    "(a number) or its Message-ID, with or without <>.\n");
	exit(status);
}

int
main(int argc, char **argv)
{
	struct cli cli = { 0 };
	MDB_txn *txn;
	MDB_val raw;
	uint32_t comm = 0;
	uint64_t id = 0;
	long num;
	int rc;
	char name[256], *want;

	want = argv[cli_parse_common(&cli, argc, argv, 1, usage)];
	cli_open_store(&cli, false);
	txn = cli_begin(&cli, false);
	if (cli.community != NULL)
		comm = cli_community(&cli, txn, name, sizeof name);
	if (parse_long(want, 1, 0x7fffffffffffffffL, &num) == 0) {
		id = (uint64_t)num;
	} else {
		size_t len = strlen(want);
		char *bare = g_strndup(want + (want[0] == '<'),
		    len - (want[0] == '<') - (len > 1 && want[len - 1] == '>'));

		rc = store_msg_find(&cli.st, txn, comm, bare, &id);
		g_free(bare);
		if (rc != 0)
			errx(EX_DATAERR, "%s: no such message", want);
	}
	if ((rc = store_raw_get(&cli.st, txn, id, &raw)) != 0)
		errx(EX_DATAERR, "%s: %s", want, rc == MDB_NOTFOUND ?
		    "no such message" : mdb_strerror(rc));
	if (fwrite(raw.mv_data, 1, raw.mv_size, stdout) != raw.mv_size)
		err(EX_IOERR, "stdout");
	cli_finish(&cli, txn);
	return 0;
}
