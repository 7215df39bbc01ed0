/*
 * cli.c: what every tool shares: finding the store and the community.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "kring/cli.h"
#include "kring/markdown.h"

static const char *
default_config(void)
{
	const char *env = getenv("KRING_CONFIG");

	if (env != NULL && *env != '\0')
		return env;
	if (access("conf/kring.conf", R_OK) == 0)
		return "conf/kring.conf";
	return KRING_SYSCONFDIR "/kring.conf";
}

/* Read the config for PROG, exiting on error.  A missing file is an error
 * only when it was named (-c or KRING_CONFIG). */
static void
cli_load_config(struct cli *cli)
{
	char errbuf[1024];
	const char *path = cli->config_path;
	bool named = path != NULL || getenv("KRING_CONFIG") != NULL;

	if (path == NULL)
		path = default_config();
	if (!named && access(path, R_OK) != 0) {
		config_defaults(&cli->conf);
		cli->have_conf = false;
		return;
	}
	if (config_load(path, &cli->conf, errbuf, sizeof errbuf) != 0)
		errx(EX_CONFIG, "%s", errbuf);
	cli->have_conf = true;
}

void
cli_open_store(struct cli *cli, bool write)
{
	char errbuf[1024];
	const char *dir = cli->store_dir;

	if (dir == NULL)
		dir = getenv("KRING_STORE");
	/* Given a store, a tool needs no config unless one is named (-c
	 * or KRING_CONFIG). */
	if (dir == NULL || *dir == '\0' || cli->config_path != NULL ||
	    (getenv("KRING_CONFIG") != NULL && *getenv("KRING_CONFIG") != '\0') ||
	    cli->need_config)
		cli_load_config(cli);
	else
		config_defaults(&cli->conf);
	if (dir == NULL || *dir == '\0')
		dir = cli->conf.store;
	if (store_open(&cli->st, dir, cli->conf.map_size_mb, !write, errbuf,
	    sizeof errbuf) != 0)
		errx(EX_NOINPUT, "%s", errbuf);
}

void
cli_close(struct cli *cli)
{
	store_close(&cli->st);
	config_free(&cli->conf);
}

/* The first community in the store, by id. */
static int
first_stored_community(struct cli *cli, MDB_txn *txn, uint32_t *id)
{
	MDB_cursor *cur;
	MDB_val k, v;
	uint32_t best = 0;
	int rc;

	if ((rc = mdb_cursor_open(txn, cli->st.dbi[DB_COMMUNITY], &cur)) != 0)
		return rc;
	rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		if (v.mv_size == 4 && (best == 0 || be32_get(v.mv_data) < best))
			best = be32_get(v.mv_data);
	mdb_cursor_close(cur);
	*id = best;
	return best ? 0 : MDB_NOTFOUND;
}

uint32_t
cli_community(struct cli *cli, MDB_txn *txn, char *name,
    size_t namelen)
{
	const struct community_conf *c;
	const char *want = cli->community;
	uint32_t id;
	int rc;

	if (want == NULL && cli->have_conf &&
	    (c = config_community(&cli->conf, NULL)) != NULL)
		want = c->name;
	if (want != NULL) {
		rc = store_community_id(&cli->st, txn, want, false, &id);
		if (rc == MDB_NOTFOUND)
			errx(EX_DATAERR, "no community \"%s\" in %s", want,
			    cli->st.path);
		if (rc != 0)
			errx(EX_SOFTWARE, "%s: %s", cli->st.path, mdb_strerror(rc));
		snprintf(name, namelen, "%s", want);
		return id;
	}
	if ((rc = first_stored_community(cli, txn, &id)) != 0)
		errx(EX_DATAERR, "%s: no community stored yet", cli->st.path);
	if ((rc = store_community_name(&cli->st, txn, id, name, namelen)) != 0)
		errx(EX_SOFTWARE, "%s: %s", cli->st.path, mdb_strerror(rc));
	return id;
}

bool
cli_option(struct cli *cli, int ch, const char *arg)
{
	switch (ch) {
	case 'c': cli->config_path = arg; return true;
	case 's': cli->store_dir = arg; return true;
	case 'C': cli->community = arg; return true;
	case 'J': cli->json = true; return true;
	case CLI_OPT_SINCE: cli->since = arg; return true;
	case CLI_OPT_UNTIL: cli->until = arg; return true;
	default: return false;
	}
}

int
cli_parse_common(struct cli *cli, int argc, char **argv, int nargs,
    void (*usage)(FILE *, int))
{
	static const struct option longopts[] = {
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, CLI_SHORTOPTS, longopts, NULL)) != -1) {
		if (ch == 'h')
			usage(stdout, 0);
		if (!cli_option(cli, ch, optarg))
			usage(stderr, EX_USAGE);
	}
	if (nargs >= 0 && argc - optind != nargs)
		usage(stderr, EX_USAGE);
	return optind;
}

MDB_txn *
cli_begin(struct cli *cli, bool write)
{
	MDB_txn *txn;
	int rc;

	if ((rc = store_begin(&cli->st, write, &txn)) != 0)
		errx(EX_SOFTWARE, "%s: %s", cli->st.path, mdb_strerror(rc));
	return txn;
}

void
cli_emit(GString *out)
{
	if (fwrite(out->str, 1, out->len, stdout) != out->len)
		err(EX_IOERR, "stdout");
	g_string_free(out, TRUE);
}

void
cli_finish(struct cli *cli, MDB_txn *txn)
{
	if (fflush(stdout) != 0)
		err(EX_IOERR, "stdout");
	if (txn != NULL)
		mdb_txn_abort(txn);
	cli_close(cli);
}

/*
 * The Markdown of PATH ("-": stdin) as valid UTF-8 with LF line ends
 * (g_free).  Exits when it cannot be read, is empty or longer than MAX
 * bytes.
 */
char *
cli_read_markdown(const char *path, size_t max)
{
	bool use_stdin = strcmp(path, "-") == 0;
	FILE *f = use_stdin ? stdin : fopen(path, "rb");
	GString *raw;
	char buf[8192], *text;
	size_t n;

	if (f == NULL)
		err(EX_NOINPUT, "%s", path);
	raw = g_string_new(NULL);
	while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
		if (raw->len + n > max)
			errx(EX_DATAERR, "%s: longer than %zu bytes", path,
			    max);
		g_string_append_len(raw, buf, (gssize)n);
	}
	if (ferror(f))
		err(EX_IOERR, "%s", path);
	if (!use_stdin)
		fclose(f);
	text = markdown_to_text(raw->str, raw->len);
	g_string_free(raw, TRUE);
	if (strspn(text, " \t\n") == strlen(text))
		errx(EX_DATAERR, "%s: empty", path);
	/* Bad bytes became U+FFFD, which is longer. */
	if (strlen(text) > max)
		errx(EX_DATAERR, "%s: longer than %zu bytes as UTF-8", path,
		    max);
	return text;
}

/*
 * The title as one line: valid UTF-8, each run of white space and
 * control characters (line ends among them) one space, trimmed.  What is
 * stored is then exactly the Subject line.  g_free.
 */
char *
cli_one_line(const char *title)
{
	char *valid = g_utf8_make_valid(title, -1);
	GString *out = g_string_new(NULL);
	bool gap = false;

	for (const char *p = valid; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (g_unichar_iscntrl(c) || g_unichar_isspace(c)) {
			gap = true;
			continue;
		}
		if (gap && out->len > 0)
			g_string_append_c(out, ' ');
		gap = false;
		g_string_append_unichar(out, c);
	}
	g_free(valid);
	return g_string_free(out, FALSE);
}
