/*
 * kring-import: bulk import of mbox files, Maildir folders and single
 * message files through the same parse/thread/store path as kringd, for
 * moving an existing list's archive in.  Each message keeps its original
 * time: the mbox From_ line's date, else its Date header.
 */
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "kring/cli.h"
#include "kring/ingest.h"
#include "kring/mbox.h"
#include "kring/msginfo.h"
#include "kring/util.h"

struct import {
	struct cli cli;
	char community[256];
	MDB_txn *txn;
	long batch, in_txn;
	long max_size;
	unsigned long imported, duplicates, skipped;
	bool quiet;
};

static void
usage(FILE *out, int status)
{
	fprintf(out, "usage: kring import [-s DIR] [-c FILE] [--community C] "
	    "[--batch N] [--max-size BYTES] [-q] PATH...\n\n"
	    "Import mbox files, Maildir folders and folders of message files\n"
	    "(searched recursively) into a community.  A message already in\n"
	    "the store (same Message-ID) is counted, not stored again.  What\n"
	    "is skipped is reported with the reason on stderr.\n");
	exit(status);
}

static void
import_commit(struct import *im)
{
	int rc;

	if (im->txn == NULL)
		return;
	if ((rc = mdb_txn_commit(im->txn)) != 0)
		errx(EX_CANTCREAT, "%s: commit: %s", im->cli.st.path,
		    mdb_strerror(rc));
	im->txn = NULL;
	im->in_txn = 0;
}

static void
skip(struct import *im, const char *where, long n, const char *why)
{
	im->skipped++;
	fprintf(stderr, "kring import: %s: message %ld skipped: %s\n", where,
	    n, why);
}

/* Store one message; DATA is untrusted. */
static void
import_one(struct import *im, const char *where, long n, const char *data,
    size_t len, int64_t time)
{
	struct ingest_result res;
	size_t body;
	int rc;

	body = msg_body_offset(data, len);
	if (len == 0 || strspn(data, " \t\r\n") == len) {
		skip(im, where, n, "empty");
		return;
	}
	if (body <= 2 && (data[0] == '\n' || data[0] == '\r')) {
		skip(im, where, n, "no header (starts with an empty line)");
		return;
	}
	if ((long)len > im->max_size) {
		skip(im, where, n, "larger than --max-size");
		return;
	}
	if (im->txn == NULL &&
	    (rc = store_begin(&im->cli.st, true, &im->txn)) != 0)
		errx(EX_CANTCREAT, "%s: %s", im->cli.st.path, mdb_strerror(rc));
	rc = ingest_message(&im->cli.st, im->txn, im->community, data, len, 0,
	    time, "", &res);
	if (rc != 0) {
		mdb_txn_abort(im->txn);
		errx(EX_CANTCREAT, "%s: message %ld: %s (the %ld messages "
		    "before it in this batch are not stored)", where, n,
		    mdb_strerror(rc), im->in_txn);
	}
	if (res.duplicate)
		im->duplicates++;
	else
		im->imported++;
	if (++im->in_txn >= im->batch)
		import_commit(im);
}

static void
import_mbox(struct import *im, const char *path, const char *data, size_t len)
{
	struct mbox_reader r;
	GByteArray *buf = g_byte_array_new();
	int64_t from_time;
	long n = 0;

	mbox_reader_init(&r, data, len);
	while (mbox_next(&r, buf, &from_time) == 1)
		import_one(im, path, ++n, (const char *)buf->data, buf->len,
		    from_time > 0 ? from_time : INGEST_TIME_FROM_DATE);
	g_byte_array_unref(buf);
}

static void
import_file(struct import *im, const char *path)
{
	struct stat sb;
	void *map;
	int fd;

	if ((fd = open(path, O_RDONLY)) < 0 || fstat(fd, &sb) != 0) {
		warn("%s", path);
		im->skipped++;
		if (fd >= 0)
			close(fd);
		return;
	}
	if (sb.st_size == 0) {
		skip(im, path, 1, "empty file");
		close(fd);
		return;
	}
	map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		warn("%s", path);
		im->skipped++;
		return;
	}
	if (mbox_looks_like(map, (size_t)sb.st_size))
		import_mbox(im, path, map, (size_t)sb.st_size);
	else
		import_one(im, path, 1, map, (size_t)sb.st_size,
		    INGEST_TIME_FROM_DATE);
	munmap(map, (size_t)sb.st_size);
}

static int
name_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every file below PATH, in name order; Maildir tmp/ and dot files are
 * left out. */
static void
import_dir(struct import *im, const char *path)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	DIR *d = opendir(path);
	struct dirent *de;

	if (d == NULL) {
		warn("%s", path);
		im->skipped++;
		g_ptr_array_free(names, TRUE);
		return;
	}
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' && strcmp(de->d_name, "tmp") != 0)
			g_ptr_array_add(names, g_strdup(de->d_name));
	closedir(d);
	g_ptr_array_sort(names, name_cmp);
	for (guint i = 0; i < names->len; i++) {
		char *full = g_build_filename(path, names->pdata[i], NULL);
		struct stat sb;

		if (lstat(full, &sb) != 0)
			warn("%s", full);	/* gone since the listing */
		else if (S_ISDIR(sb.st_mode))
			import_dir(im, full);
		else if (S_ISREG(sb.st_mode))
			import_file(im, full);
		g_free(full);
	}
	g_ptr_array_free(names, TRUE);
}

static void
import_path(struct import *im, const char *path)
{
	struct stat sb;

	if (stat(path, &sb) != 0)
		err(EX_NOINPUT, "%s", path);
	if (S_ISDIR(sb.st_mode))
		import_dir(im, path);
	else
		import_file(im, path);
}

/* The community: --community, the config's first, the store's first. */
static void
import_community(struct import *im)
{
	const struct community_conf *c;
	MDB_txn *txn;
	int rc;

	if (im->cli.community != NULL) {
		g_strlcpy(im->community, im->cli.community, sizeof im->community);
		return;
	}
	if (im->cli.have_conf && (c = config_community(&im->cli.conf, NULL))) {
		g_strlcpy(im->community, c->name, sizeof im->community);
		return;
	}
	if ((rc = store_begin(&im->cli.st, false, &txn)) != 0)
		errx(EX_SOFTWARE, "%s", mdb_strerror(rc));
	cli_community(&im->cli, txn, im->community,
	    sizeof im->community);
	mdb_txn_abort(txn);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_LONGOPTS,
		{ "batch", required_argument, NULL, 'B' },
		{ "max-size", required_argument, NULL, 'M' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	struct import im = { .batch = 1000, .max_size = 64L << 20 };
	int ch;

	while ((ch = getopt_long(argc, argv, CLI_SHORTOPTS "q", longopts,
	    NULL)) != -1) {
		if (ch == 'h')
			usage(stdout, 0);
		else if (ch == 'q')
			im.quiet = true;
		else if (ch == 'B') {
			if (parse_long(optarg, 1, 1000000, &im.batch) != 0)
				errx(EX_USAGE, "--batch %s: not 1 to 1000000", optarg);
		} else if (ch == 'M') {
			if (parse_long(optarg, 1, 1L << 40, &im.max_size) != 0)
				errx(EX_USAGE, "--max-size %s: not a size", optarg);
		} else if (!cli_option(&im.cli, ch, optarg))
			usage(stderr, EX_USAGE);
	}
	if (optind == argc)
		usage(stderr, EX_USAGE);
	cli_open_store(&im.cli, true);
	import_community(&im);
	msginfo_global_init();
	for (int i = optind; i < argc; i++)
		import_path(&im, argv[i]);
	import_commit(&im);
	if (!im.quiet)
		printf("%s: %lu imported, %lu already there, %lu skipped\n",
		    im.community, im.imported, im.duplicates, im.skipped);
	cli_close(&im.cli);
	return 0;
}
