/*
 * kring-member: a member's settings.  `set ADDR NAME=VALUE...` changes
 * them (a record is made then), `show ADDR` prints them with the
 * member's post count, `list` the members that have a record.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <glib.h>

#include "kring/cli.h"
#include "kring/json.h"
#include "kring/member.h"
#include "kring/util.h"


/* The settings, each a yes/no flag of struct member_rec. */
static const struct setting {
	const char *name;
	uint32_t no_flag;	/* MEMBER_* set when the value is "no" */
} settings[] = {
	{ "thanks", MEMBER_NO_THANKS },	/* thank-you notes for posts */
};

static void
usage(FILE *out, int status)
{
	fprintf(out,
	    "usage: kring member [-c FILE] [-s DIR] [--community C] COMMAND\n\n"
	    "  set ADDR NAME=yes|no...  change a member's settings\n"
	    "  show ADDR [--json]       the settings and the member's posts\n"
	    "  list [--json]            the members with settings recorded\n\n"
	    "Settings: thanks (thank-you notes for their posts; default yes).\n"
	    "--json prints one object a member with the keys address,\n"
	    "community, thanks, changed (null: never), posts, record.\n");
	exit(status);
}

/* ADDR in lower case if it looks like local@domain (g_free); exits
 * otherwise.  The check is loose on purpose: any address kringd took
 * from a member must be usable here. */
static char *
member_address(const char *addr)
{
	const char *at = strrchr(addr, '@');
	size_t len = strlen(addr);

	if (len == 0 || len > MEMBER_ADDR_MAX || at == NULL || at == addr ||
	    at[1] == '\0' || strchr(addr, '@') != at || at - addr > 64)
		errx(EX_USAGE, "%s: not an address (local@domain)", addr);
	for (const unsigned char *p = (const unsigned char *)addr; *p; p++)
		if (*p <= ' ' || *p == 0x7f || strchr("<>()[],;:\"\\", *p))
			errx(EX_USAGE, "%s: not an address (local@domain)", addr);
	if (!g_utf8_validate(addr, -1, NULL))
		errx(EX_USAGE, "%s: not an address (not UTF-8)", addr);
	return g_ascii_strdown(addr, -1);
}

/*
 * The community's id into *COMM, its name into NAME.  A write may make
 * the community in the store when the config has it; otherwise false
 * when it is configured but nothing of it is stored yet.
 */
static bool
member_community(struct cli *cli, MDB_txn *txn, bool create, uint32_t *comm,
    char *name, size_t namelen)
{
	const struct community_conf *c = NULL;
	int rc;

	if (cli->have_conf)
		c = config_community(&cli->conf, cli->community);
	if (cli->have_conf && cli->community != NULL && c == NULL)
		errx(EX_USAGE, "%s: no community \"%s\" in the config",
		    cli->conf.path, cli->community);
	if (c == NULL) {
		/* Only a store: it must know the community already. */
		*comm = cli_community(cli, txn, name, namelen);
		return true;
	}
	snprintf(name, namelen, "%s", c->name);
	rc = store_community_id(&cli->st, txn, c->name, create, comm);
	if (rc == MDB_NOTFOUND)
		return false;
	if (rc != 0)
		errx(EX_SOFTWARE, "%s: %s", cli->st.path, mdb_strerror(rc));
	return true;
}

/* The posts of ADDR (lower case) in COMM, as ingest counts them. */
static uint64_t
member_posts(struct cli *cli, MDB_txn *txn, uint32_t comm, const char *addr)
{
	uint64_t n;
	int rc = store_sender_get(&cli->st, txn, comm, addr, &n);

	if (rc == MDB_CORRUPTED)
		errx(EX_DATAERR, "%s: corrupt sender record", cli->st.path);
	if (rc != 0)
		errx(EX_SOFTWARE, "%s: %s", cli->st.path, mdb_strerror(rc));
	return n;
}

/* One member as a line of text or JSON.  REC NULL: no record. */
static void
print_member(struct cli *cli, const char *community, const char *addr,
    const struct member *rec, uint64_t posts)
{
	struct member none = { 0 };
	GString *out = g_string_new(NULL);
	char changed[32] = "never";

	if (rec != NULL && rec->rec.changed != 0)
		time_iso(rec->rec.changed, changed, sizeof changed);
	if (rec == NULL)
		rec = &none;
	if (cli->json) {
		g_string_append(out, "{\"address\":");
		json_string(out, addr, strlen(addr));
		g_string_append(out, ",\"community\":");
		json_string(out, community, strlen(community));
		for (size_t i = 0; i < G_N_ELEMENTS(settings); i++)
			g_string_append_printf(out, ",\"%s\":%s",
			    settings[i].name, rec->rec.flags & settings[i].no_flag ?
			    "false" : "true");
		if (rec->rec.changed != 0) {
			g_string_append(out, ",\"changed\":");
			json_string(out, changed, strlen(changed));
		} else
			g_string_append(out, ",\"changed\":null");
		g_string_append_printf(out, ",\"posts\":%llu,\"record\":%s}\n",
		    (unsigned long long)posts, rec == &none ? "false" : "true");
	} else {
		g_string_append(out, addr);
		for (size_t i = 0; i < G_N_ELEMENTS(settings); i++)
			g_string_append_printf(out, "  %s=%s", settings[i].name,
			    rec->rec.flags & settings[i].no_flag ? "no" : "yes");
		g_string_append_printf(out, "  posts=%llu  changed %s\n",
		    (unsigned long long)posts, changed);
	}
	cli_emit(out);
}

/* Apply "NAME=VALUE" to *REC, or exit. */
static void
apply_setting(const char *arg, struct member *rec)
{
	const char *eq = strchr(arg, '=');
	size_t i = 0;

	if (eq == NULL)
		errx(EX_USAGE, "%s: not NAME=VALUE", arg);
	while (i < G_N_ELEMENTS(settings) &&
	    (strlen(settings[i].name) != (size_t)(eq - arg) ||
	    strncmp(settings[i].name, arg, (size_t)(eq - arg)) != 0))
		i++;
	if (i == G_N_ELEMENTS(settings))
		errx(EX_USAGE, "%.*s: no such setting (thanks)", (int)(eq - arg),
		    arg);
	if (strcmp(eq + 1, "no") == 0)
		rec->rec.flags |= settings[i].no_flag;
	else if (strcmp(eq + 1, "yes") == 0)
		rec->rec.flags &= ~settings[i].no_flag;
	else
		errx(EX_USAGE, "%s: %s is yes or no", arg, settings[i].name);
}

static void
cmd_set(struct cli *cli, int nargs, char **args)
{
	struct member rec = { 0 };
	char name[256], *addr;
	MDB_txn *txn;
	uint32_t comm;
	uint64_t posts;
	int rc;

	if (nargs < 2)
		usage(stderr, EX_USAGE);
	addr = member_address(args[0]);
	/* Check every setting before the store is touched. */
	for (int i = 1; i < nargs; i++)
		apply_setting(args[i], &rec);
	cli_open_store(cli, true);
	txn = cli_begin(cli, true);
	member_community(cli, txn, true, &comm, name, sizeof name);
	rc = member_get(&cli->st, txn, comm, addr, &rec);
	if (rc == MDB_NOTFOUND)
		memset(&rec, 0, sizeof rec);
	else if (rc != 0)
		errx(EX_SOFTWARE, "%s: %s: %s", cli->st.path, addr,
		    mdb_strerror(rc));
	for (int i = 1; i < nargs; i++)
		apply_setting(args[i], &rec);
	rec.rec.changed = kring_now();
	posts = member_posts(cli, txn, comm, addr);
	if ((rc = member_put(&cli->st, txn, comm, addr, &rec)) != 0 ||
	    (rc = mdb_txn_commit(txn)) != 0)
		errx(EX_CANTCREAT, "%s: %s: %s", cli->st.path, addr,
		    mdb_strerror(rc));
	print_member(cli, name, addr, &rec, posts);
	g_free(addr);
	cli_finish(cli, NULL);
}

static void
cmd_show(struct cli *cli, int nargs, char **args)
{
	struct member rec;
	char name[256], *addr;
	MDB_txn *txn;
	uint32_t comm;
	int rc = MDB_NOTFOUND;
	uint64_t posts = 0;

	if (nargs != 1)
		usage(stderr, EX_USAGE);
	addr = member_address(args[0]);
	cli_open_store(cli, false);
	txn = cli_begin(cli, false);
	if (member_community(cli, txn, false, &comm, name, sizeof name)) {
		rc = member_get(&cli->st, txn, comm, addr, &rec);
		posts = member_posts(cli, txn, comm, addr);
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		errx(EX_SOFTWARE, "%s: %s: %s", cli->st.path, addr,
		    mdb_strerror(rc));
	print_member(cli, name, addr, rc == 0 ? &rec : NULL, posts);
	g_free(addr);
	cli_finish(cli, txn);
}

static void
cmd_list(struct cli *cli, int nargs, char **args)
{
	unsigned char prefix[4];
	MDB_val k = { 4, prefix }, v;
	MDB_cursor *cur;
	MDB_txn *txn;
	uint32_t comm;
	char name[256];
	int rc;

	if (nargs != 0)
		usage(stderr, EX_USAGE);
	cli_open_store(cli, false);
	txn = cli_begin(cli, false);
	if (!member_community(cli, txn, false, &comm, name, sizeof name)) {
		cli_finish(cli, txn);
		return;
	}
	be32_put(prefix, comm);
	if ((rc = mdb_cursor_open(txn, cli->st.dbi[DB_MEMBER], &cur)) != 0)
		errx(EX_SOFTWARE, "%s", mdb_strerror(rc));
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct member rec;
		char *addr;
		int grc;

		if (k.mv_size <= 4 || memcmp(k.mv_data, prefix, 4) != 0)
			break;
		/* The key's bytes die with the transaction: copy them. */
		addr = g_strndup((const char *)k.mv_data + 4, k.mv_size - 4);
		if ((grc = member_get(&cli->st, txn, comm, addr, &rec)) != 0)
			errx(EX_DATAERR, "%s: member %s: %s", cli->st.path, addr,
			    mdb_strerror(grc));
		print_member(cli, name, addr, &rec,
		    member_posts(cli, txn, comm, addr));
		g_free(addr);
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		errx(EX_SOFTWARE, "%s", mdb_strerror(rc));
	mdb_cursor_close(cur);
	cli_finish(cli, txn);
}

static const struct command {
	const char *name;
	void (*run)(struct cli *, int, char **);
} commands[] = {
	{ "set", cmd_set },
	{ "show", cmd_show },
	{ "list", cmd_list },
};

int
main(int argc, char **argv)
{
	struct cli cli = { 0 };
	int arg = cli_parse_common(&cli, argc, argv, -1, usage);

	if (arg == argc)
		usage(stderr, EX_USAGE);
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		if (strcmp(commands[i].name, argv[arg]) == 0) {
			commands[i].run(&cli, argc - arg - 1, argv + arg + 1);
			return 0;
		}
	warnx("%s: no such command", argv[arg]);
	usage(stderr, EX_USAGE);
	return EX_USAGE;
}
