/*
 * kring-member: the members of a community, for admins.
 *
 *   add ADDR [--name N] [--mode M] [--role R]   a member at once, no mail
 *   remove ADDR                                 no longer a member
 *   list [--all]                                the members (--all: every
 *                                               record, who left too)
 *   show ADDR                                   one member
 *   set ADDR NAME=VALUE...                      change settings
 *   approve ADDR / reject ADDR [--send]         decide on an applicant
 *   invite ADDR... [--csv FILE] [--send]        mail invitations
 *   import FILE                                 members from CSV
 *   export                                      members as CSV
 *   resume ADDR                                 mail again after bounces
 *                                               suspended it (bounce.h)
 *
 * What mails someone (approve, reject, invite) previews the mail as an
 * mbox on stdout and changes nothing unless --send is given.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <glib.h>

#include "kring/bounce.h"
#include "kring/cli.h"
#include "kring/csv.h"
#include "kring/json.h"
#include "kring/member.h"
#include "kring/membership.h"
#include "kring/msginfo.h"
#include "kring/staffauth.h"
#include "kring/util.h"

#define CSV_LINE_MAX 1024

/* The options after the command. */
struct opts {
	const char *name, *mode, *role, *csv;
	bool all, send;
};

/* The yes/no settings, each a flag of struct member_rec. */
static const struct setting {
	const char *name;
	uint32_t flag;
	bool set_means_no;	/* the flag says "no" (MEMBER_NO_THANKS) */
} flags[] = {
	{ "thanks", MEMBER_NO_THANKS, true },	/* thank-you notes */
	{ "own_posts", MEMBER_OWN_POSTS, false },	/* a copy of their posts */
	{ "weekly_digest", MEMBER_DIGEST_WEEKLY, false },	/* not daily */
	/* digests may show their address for private replies */
	{ "address_public", MEMBER_ADDRESS_PUBLIC, false },
};

static void
usage(FILE *out, int status)
{
	fprintf(out,
	    "usage: kring member [-c FILE] [-s DIR] [--community C] [--json] "
	    "COMMAND\n\n"
	    "  add ADDR [--name N] [--mode M] [--role R]  make a member, no mail\n"
	    "  remove ADDR                  end a membership (no mail)\n"
	    "  list [--all]                 the members (--all: every record)\n"
	    "  show ADDR                    one member\n"
	    "  set ADDR NAME=VALUE...       thanks, own_posts, weekly_digest,\n"
	    "                               address_public (yes|no), mode,\n"
	    "                               role, name, lang\n"
	    "  approve ADDR [--send]        admit an applicant (closed community)\n"
	    "  reject ADDR [--send]         turn an applicant down\n"
	    "  invite ADDR... [--csv FILE] [--send]  mail invitations\n"
	    "  import FILE                  members from CSV: address,name,mode,\n"
	    "                               role,state,joined (as export writes)\n"
	    "  export                       the members as CSV\n"
	    "  resume ADDR                  mail again after bounces stopped "
	    "it\n\n"
	    "Modes: each, digest, nomail.  Roles: member, moderator, owner.\n"
	    "approve, reject and invite print the mail they would send (an\n"
	    "mbox) and change nothing, unless --send is given.\n");
	exit(status);
}

/* Why ADDR is not local@domain, or NULL when it is.  The check is loose
 * on purpose: any address kringd took from a member must be usable. */
static const char *
address_problem(const char *addr)
{
	const char *at = strrchr(addr, '@');
	size_t len = strlen(addr);

	if (len == 0 || len > MEMBER_ADDR_MAX || at == NULL || at == addr ||
	    at[1] == '\0' || strchr(addr, '@') != at || at - addr > 64)
		return "not an address (local@domain)";
	for (const unsigned char *p = (const unsigned char *)addr; *p; p++)
		if (*p <= ' ' || *p == 0x7f || strchr("<>()[],;:\"\\", *p))
			return "not an address (local@domain)";
	if (!g_utf8_validate(addr, -1, NULL))
		return "not an address (not UTF-8)";
	return NULL;
}

/* ADDR in lower case (g_free); exits with STATUS when it is not one. */
static char *
check_address(const char *addr, int status)
{
	const char *why = address_problem(addr);

	if (why != NULL)
		errx(status, "%s: %s", addr, why);
	return g_ascii_strdown(addr, -1);
}

static char *
member_address(const char *addr)
{
	return check_address(addr, EX_USAGE);
}

/* The configured community (or NULL with only a store) and its store
 * id; a write makes it in the store.  false: configured, not stored. */
static bool
member_community(struct cli *cli, MDB_txn *txn, bool create, uint32_t *comm,
    char *name, size_t namelen, const struct community_conf **cc)
{
	const struct community_conf *c = NULL;
	int rc;

	if (cli->have_conf)
		c = config_community(&cli->conf, cli->community);
	if (cli->have_conf && cli->community != NULL && c == NULL)
		errx(EX_USAGE, "%s: no community \"%s\" in the config",
		    cli->conf.path, cli->community);
	if (cc != NULL)
		*cc = c;
	if (c == NULL) {
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

static bool
flag_value(const struct member *m, const struct setting *s)
{
	return ((m->rec.flags & s->flag) != 0) != s->set_means_no;
}

static void
json_field(GString *out, const char *name, const char *value)
{
	g_string_append_printf(out, ",\"%s\":", name);
	if (value == NULL)
		g_string_append(out, "null");
	else
		json_string(out, value, strlen(value));
}

/* What bounced of ADDR's mail in COMM (bounce.h): B, and its score
 * now under C (NULL: the defaults); false when nothing did. */
static bool
member_bounces(struct cli *cli, MDB_txn *txn, uint32_t comm,
    const struct community_conf *c, const char *addr, struct bounce_info *b,
    double *score)
{
	int rc = bounce_get(&cli->st, txn, comm, addr, b);

	if (rc == MDB_NOTFOUND)
		return false;
	if (rc != 0)
		errx(EX_DATAERR, "%s: %s: bounces: %s", cli->st.path, addr,
		    mdb_strerror(rc));
	*score = bounce_score_at(b, c, kring_now()) / 1000.0;
	return true;
}

/* B as text, or as the JSON field "bounces" (NULL: none). */
static void
append_bounces(struct cli *cli, GString *out, const struct bounce_info *b,
    double score)
{
	char last[32] = "";

	if (b != NULL && b->rec.last_seen != 0)
		time_iso(b->rec.last_seen, last, sizeof last);
	if (cli->json && b == NULL) {
		g_string_append(out, ",\"bounces\":null");
	} else if (cli->json) {
		g_string_append_printf(out, ",\"bounces\":{\"score\":%.1f,"
		    "\"counted\":%u,\"policy\":%u,\"delayed\":%u", score,
		    b->rec.counted, b->rec.policy, b->rec.delayed);
		json_field(out, "last", last[0] ? last : NULL);
		json_field(out, "class", bounce_class_name(b->rec.last_class));
		json_field(out, "status", b->rec.last_status);
		json_field(out, "diagnostic", b->diagnostic);
		g_string_append_c(out, '}');
	} else if (b != NULL) {
		g_string_append_printf(out, "  bounces: score %.1f, %u counted, "
		    "%u policy, %u delayed", score, b->rec.counted,
		    b->rec.policy, b->rec.delayed);
		if (last[0] != '\0')
			g_string_append_printf(out, "; last %s %s %s \"%s\"", last,
			    bounce_class_name(b->rec.last_class),
			    b->rec.last_status[0] ? b->rec.last_status : "-",
			    b->diagnostic);
	}
}

/* One member as a line of text or JSON; M NULL: no record; B NULL: no
 * bounces. */
static void
print_member(struct cli *cli, const char *community, const char *addr,
    const struct member *m, uint64_t posts, const struct bounce_info *b,
    double score)
{
	struct member none = { 0 };
	GString *out = g_string_new(NULL);
	char changed[32] = "never", joined[32] = "never";

	if (m == NULL)
		m = &none;
	if (m->rec.changed != 0)
		time_iso(m->rec.changed, changed, sizeof changed);
	if (m->rec.joined != 0)
		time_iso(m->rec.joined, joined, sizeof joined);
	if (cli->json) {
		g_string_append(out, "{\"address\":");
		json_string(out, addr, strlen(addr));
		json_field(out, "community", community);
		json_field(out, "state", member_state_name(m->rec.state));
		json_field(out, "mode", member_mode_name(m->rec.mode));
		json_field(out, "role", member_role_name(m->rec.role));
		json_field(out, "how", member_how_name(m->rec.how));
		json_field(out, "name", m->name);
		json_field(out, "lang", m->rec.lang[0] ? m->rec.lang : NULL);
		json_field(out, "joined", m->rec.joined ? joined : NULL);
		json_field(out, "changed", m->rec.changed ? changed : NULL);
		for (size_t i = 0; i < G_N_ELEMENTS(flags); i++)
			g_string_append_printf(out, ",\"%s\":%s", flags[i].name,
			    flag_value(m, &flags[i]) ? "true" : "false");
		g_string_append_printf(out, ",\"suspended\":%s",
		    m->rec.flags & MEMBER_SUSPENDED ? "true" : "false");
		append_bounces(cli, out, b, score);
		g_string_append_printf(out, ",\"posts\":%llu,\"record\":%s}\n",
		    (unsigned long long)posts, m == &none ? "false" : "true");
	} else {
		g_string_append_printf(out, "%s  %s  mode=%s  role=%s", addr,
		    member_state_name(m->rec.state),
		    member_mode_name(m->rec.mode),
		    member_role_name(m->rec.role));
		for (size_t i = 0; i < G_N_ELEMENTS(flags); i++)
			g_string_append_printf(out, "  %s=%s", flags[i].name,
			    flag_value(m, &flags[i]) ? "yes" : "no");
		g_string_append_printf(out, "  posts=%llu  joined %s (%s)  "
		    "changed %s", (unsigned long long)posts, joined,
		    member_how_name(m->rec.how), changed);
		if (m->name[0] != '\0')
			g_string_append_printf(out, "  name \"%s\"", m->name);
		if (m->rec.flags & MEMBER_SUSPENDED)
			g_string_append(out, "  SUSPENDED (bounces)");
		append_bounces(cli, out, b, score);
		g_string_append_c(out, '\n');
	}
	cli_emit(out);
}

/* Apply "NAME=VALUE" to *M; false with ERR when it is not a setting. */
static bool
apply_setting(const char *arg, struct member *m, char *err, size_t errlen)
{
	const char *eq = strchr(arg, '=');
	char *name = eq ? g_strndup(arg, (size_t)(eq - arg)) : NULL;
	const char *v = eq ? eq + 1 : NULL;
	bool ok = false;
	int n;

	if (name == NULL) {
		snprintf(err, errlen, "%s: not NAME=VALUE", arg);
		return false;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(flags); i++) {
		if (strcmp(flags[i].name, name) != 0)
			continue;
		if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
			break;
		if ((strcmp(v, "no") == 0) == flags[i].set_means_no)
			m->rec.flags |= flags[i].flag;
		else
			m->rec.flags &= ~flags[i].flag;
		ok = true;
	}
	if (strcmp(name, "mode") == 0 && (n = member_mode_parse(v)) >= 0) {
		m->rec.mode = (uint32_t)n;
		ok = true;
	} else if (strcmp(name, "role") == 0 && (n = member_role_parse(v)) >= 0) {
		m->rec.role = (uint32_t)n;
		ok = true;
	} else if (strcmp(name, "name") == 0) {
		ok = v[0] == '\0' ? (m->name[0] = '\0', true) :
		    member_name_clean(v, m->name) == 0;
	} else if (strcmp(name, "lang") == 0 && (strcmp(v, "en") == 0 ||
	    strcmp(v, "nl") == 0 || v[0] == '\0')) {
		g_strlcpy(m->rec.lang, v, sizeof m->rec.lang);
		ok = true;
	}
	if (!ok)
		snprintf(err, errlen, "%s: not a setting (thanks, own_posts, "
		    "weekly_digest, address_public: yes|no; mode: each|digest|nomail; role: member|moderator|"
		    "owner; name: 1 to %d bytes; lang: en|nl)", arg,
		    MEMBER_NAME_MAX);
	g_free(name);
	return ok;
}

/* Read and write a member in one transaction. */
struct edit {
	struct cli *cli;
	MDB_txn *txn;
	uint32_t comm;
	char community[256];
	char *addr;
	struct member m;
	bool existed;
};

static void
edit_begin(struct cli *cli, struct edit *e, const char *addr)
{
	int rc;

	memset(e, 0, sizeof *e);
	e->cli = cli;
	e->addr = member_address(addr);
	cli_open_store(cli, true);
	e->txn = cli_begin(cli, true);
	member_community(cli, e->txn, true, &e->comm, e->community,
	    sizeof e->community, NULL);
	rc = member_get(&cli->st, e->txn, e->comm, e->addr, &e->m);
	if (rc != 0 && rc != MDB_NOTFOUND)
		errx(EX_DATAERR, "%s: %s: %s", cli->st.path, e->addr,
		    mdb_strerror(rc));
	e->existed = rc == 0;
}

/* Write, commit, print. */
static void
edit_commit(struct edit *e)
{
	struct cli *cli = e->cli;
	uint64_t posts = member_posts(cli, e->txn, e->comm, e->addr);
	int rc;

	e->m.rec.changed = kring_now();
	if ((rc = member_put(&cli->st, e->txn, e->comm, e->addr, &e->m)) != 0 ||
	    (rc = mdb_txn_commit(e->txn)) != 0)
		errx(EX_CANTCREAT, "%s: %s: %s", cli->st.path, e->addr,
		    mdb_strerror(rc));
	print_member(cli, e->community, e->addr, &e->m, posts, NULL, 0);
	g_free(e->addr);
	cli_finish(cli, NULL);
}

/* Make *M an active member, added by HOW at NOW. */
static void
make_member(struct member *m, uint32_t how, int64_t now)
{
	if (m->rec.state != MEMBER_ACTIVE) {
		m->rec.state = MEMBER_ACTIVE;
		m->rec.how = how;
		m->rec.joined = now;
	}
}

static void
cmd_add(struct cli *cli, int nargs, char **args, const struct opts *o)
{
	struct edit e;
	char err[256];
	char *set;

	if (nargs != 1)
		usage(stderr, EX_USAGE);
	edit_begin(cli, &e, args[0]);
	make_member(&e.m, HOW_ADMIN, kring_now());
	const char *pairs[][2] = { { "name", o->name }, { "mode", o->mode },
	    { "role", o->role } };
	for (size_t i = 0; i < G_N_ELEMENTS(pairs); i++) {
		if (pairs[i][1] == NULL)
			continue;
		set = g_strdup_printf("%s=%s", pairs[i][0], pairs[i][1]);
		if (!apply_setting(set, &e.m, err, sizeof err))
			errx(EX_USAGE, "%s", err);
		g_free(set);
	}
	edit_commit(&e);
}

static void
cmd_remove(struct cli *cli, int nargs, char **args, const struct opts *o)
{
	struct edit e;

	if (nargs != 1)
		usage(stderr, EX_USAGE);
	edit_begin(cli, &e, args[0]);
	if (!e.existed || e.m.rec.state == MEMBER_NONE ||
	    e.m.rec.state == MEMBER_LEFT)
		errx(EX_DATAERR, "%s: not a member of %s", e.addr, e.community);
	e.m.rec.state = MEMBER_LEFT;
	edit_commit(&e);
}

static void
cmd_set(struct cli *cli, int nargs, char **args, const struct opts *o)
{
	struct member probe = { 0 };
	struct edit e;
	char err[256];

	if (nargs < 2)
		usage(stderr, EX_USAGE);
	/* Check every setting before the store is touched. */
	for (int i = 1; i < nargs; i++)
		if (!apply_setting(args[i], &probe, err, sizeof err))
			errx(EX_USAGE, "%s", err);
	edit_begin(cli, &e, args[0]);
	for (int i = 1; i < nargs; i++)
		apply_setting(args[i], &e.m, err, sizeof err);
	edit_commit(&e);
}

static void
cmd_show(struct cli *cli, int nargs, char **args, const struct opts *o)
{
	const struct community_conf *c;
	struct member m;
	struct bounce_info b;
	char name[256], *addr;
	MDB_txn *txn;
	uint32_t comm;
	int rc = MDB_NOTFOUND;
	uint64_t posts = 0;
	bool bounced = false;
	double score = 0;

	if (nargs != 1)
		usage(stderr, EX_USAGE);
	addr = member_address(args[0]);
	cli_open_store(cli, false);
	txn = cli_begin(cli, false);
	if (member_community(cli, txn, false, &comm, name, sizeof name, &c)) {
		rc = member_get(&cli->st, txn, comm, addr, &m);
		posts = member_posts(cli, txn, comm, addr);
		bounced = member_bounces(cli, txn, comm, c, addr, &b, &score);
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		errx(EX_DATAERR, "%s: %s: %s", cli->st.path, addr,
		    mdb_strerror(rc));
	print_member(cli, name, addr, rc == 0 ? &m : NULL, posts,
	    bounced ? &b : NULL, score);
	g_free(addr);
	cli_finish(cli, txn);
}

/* What list and export walk with. */
struct listing {
	struct cli *cli;
	MDB_txn *txn;
	uint32_t comm;
	const char *community;
	const struct community_conf *c;
	bool all, csv;
};

static int
list_one(const char *addr, const struct member *m, void *arg)
{
	struct listing *l = arg;
	char joined[32] = "";
	GString *out;

	if (!l->all && m->rec.state != MEMBER_ACTIVE &&
	    m->rec.state != MEMBER_APPLIED && m->rec.state != MEMBER_INVITED)
		return 0;
	if (!l->csv) {
		struct bounce_info b;
		double score = 0;
		bool bounced = member_bounces(l->cli, l->txn, l->comm, l->c,
		    addr, &b, &score);

		print_member(l->cli, l->community, addr, m,
		    member_posts(l->cli, l->txn, l->comm, addr),
		    bounced ? &b : NULL, score);
		return 0;
	}
	if (m->rec.joined != 0)
		time_iso(m->rec.joined, joined, sizeof joined);
	out = g_string_new(NULL);
	csv_field(out, addr);
	g_string_append_c(out, ',');
	csv_field(out, m->name);
	g_string_append_printf(out, ",%s,%s,%s,%s,%s\n",
	    member_mode_name(m->rec.mode), member_role_name(m->rec.role),
	    member_state_name(m->rec.state), joined,
	    member_how_name(m->rec.how));
	cli_emit(out);
	return 0;
}

static void
walk_members(struct cli *cli, bool all, bool csv)
{
	struct listing l = { .cli = cli, .all = all, .csv = csv };
	char name[256];
	int rc;

	cli_open_store(cli, false);
	l.txn = cli_begin(cli, false);
	l.community = name;
	if (csv)
		cli_emit(g_string_new("address,name,mode,role,state,joined,how\n"));
	if (member_community(cli, l.txn, false, &l.comm, name, sizeof name,
	    &l.c) && (rc = member_walk(&cli->st, l.txn, l.comm, NULL, list_one,
	    &l)) != 0)
		errx(EX_DATAERR, "%s: members: %s", cli->st.path,
		    mdb_strerror(rc));
	cli_finish(cli, l.txn);
}

static void
cmd_list(struct cli *cli, int nargs, char **args, const struct opts *o)
{
	if (nargs != 0)
		usage(stderr, EX_USAGE);
	walk_members(cli, o->all, false);
}

static void
cmd_export(struct cli *cli, int nargs, char **args, const struct opts *o)
{
	if (nargs != 0)
		usage(stderr, EX_USAGE);
	walk_members(cli, o->all, true);
}

/* Split CSV LINE into at most MAX fields (quotes as csv_field writes
 * them) into F (g_free each); returns how many, or -1 when malformed. */
static int
csv_split(const char *line, char **f, int max)
{
	int n = 0;
	const char *p = line;

	while (n < max) {
		GString *v = g_string_new(NULL);

		if (*p == '"') {
			for (p++; *p && !(*p == '"' && p[1] != '"'); p++) {
				if (*p == '"')
					p++;
				g_string_append_c(v, *p);
			}
			if (*p != '"') {
				g_string_free(v, TRUE);
				while (n > 0)
					g_free(f[--n]);
				return -1;
			}
			p++;
		} else
			while (*p && *p != ',')
				g_string_append_c(v, *p++);
		f[n++] = g_strstrip(g_string_free(v, FALSE));
		if (*p != ',')
			break;
		p++;
	}
	return n;
}

/* One member of an import: the columns of an export, of which only the
 * address is needed (address,name,mode,role,state,joined,how). */
struct csv_row {
	char *addr;		/* lower case */
	char name[MEMBER_NAME_MAX + 1];
	int mode, role;		/* -1: not given */
	int64_t joined;		/* 0: not given (now) */
	bool member;		/* state empty or "member": else skipped */
};

#define CSV_FIELDS 7

/* Check fields F (N of them) of line LINENO of PATH into *ROW; exits on
 * the first bad one. */
static void
csv_row_read(const char *path, long lineno, char **f, int n,
    struct csv_row *row)
{
	const char *why;

	memset(row, 0, sizeof *row);
	row->mode = row->role = -1;
	if (n >= 2 && f[1][0] != '\0' && member_name_clean(f[1], row->name) != 0)
		errx(EX_DATAERR, "%s:%ld: name longer than %d bytes or "
		    "not UTF-8", path, lineno, MEMBER_NAME_MAX);
	if (n >= 3 && f[2][0] != '\0' && (row->mode = member_mode_parse(f[2])) < 0)
		errx(EX_DATAERR, "%s:%ld: mode \"%s\" is not each, digest "
		    "or nomail", path, lineno, f[2]);
	if (n >= 4 && f[3][0] != '\0' && (row->role = member_role_parse(f[3])) < 0)
		errx(EX_DATAERR, "%s:%ld: role \"%s\" is not member, "
		    "moderator or owner", path, lineno, f[3]);
	row->member = n < 5 || f[4][0] == '\0' ||
	    strcmp(f[4], member_state_name(MEMBER_ACTIVE)) == 0;
	if (n >= 6 && f[5][0] != '\0' && time_parse(f[5], &row->joined) != 0)
		errx(EX_DATAERR, "%s:%ld: joined \"%s\" is not a date", path,
		    lineno, f[5]);
	if ((why = address_problem(f[0])) != NULL)
		errx(EX_DATAERR, "%s:%ld: %s: %s", path, lineno, f[0], why);
	row->addr = g_ascii_strdown(f[0], -1);
}

/* The CSV file PATH (as kring member export writes it, or fewer
 * columns) into ROWS, every line checked; exits with its line on the
 * first bad one. */
static void
csv_read(const char *path, GArray *rows)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char line[CSV_LINE_MAX + 2];
	long lineno = 0;
	bool first = true;	/* no line with fields yet: a header may come */

	if (fp == NULL)
		err(EX_NOINPUT, "%s", path);
	while (fgets(line, sizeof line, fp) != NULL) {
		char *f[CSV_FIELDS] = { NULL };
		struct csv_row row;
		int n;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(fp))
			errx(EX_DATAERR, "%s:%ld: line longer than %d bytes", path,
			    lineno, CSV_LINE_MAX);
		g_strchomp(line);
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if ((n = csv_split(line, f, CSV_FIELDS)) <= 0 || f[0][0] == '\0')
			errx(EX_DATAERR, "%s:%ld: not address[,name[,mode[,role"
			    "[,state[,joined[,how]]]]]]", path, lineno);
		if (!first || g_ascii_strcasecmp(f[0], "address") != 0) {
			csv_row_read(path, lineno, f, n, &row);
			g_array_append_val(rows, row);
		}
		first = false;	/* past the header, if there was one */
		for (int i = 0; i < n; i++)
			g_free(f[i]);
	}
	if (ferror(fp))
		err(EX_IOERR, "%s", path);
	if (fp != stdin)
		fclose(fp);
}

/* ROW into *M, a new member (or one again). */
static void
import_row(const struct csv_row *row, struct member *m, int64_t now)
{
	make_member(m, HOW_IMPORT, row->joined ? row->joined : now);
	if (row->mode >= 0)
		m->rec.mode = (uint32_t)row->mode;
	if (row->role >= 0)
		m->rec.role = (uint32_t)row->role;
	if (row->name[0] != '\0')
		g_strlcpy(m->name, row->name, sizeof m->name);
	m->rec.changed = now;
}

static void
cmd_import(struct cli *cli, int nargs, char **args, const struct opts *o)
{
	GArray *rows = g_array_new(FALSE, FALSE, sizeof(struct csv_row));
	int64_t now = kring_now();
	size_t added = 0, kept = 0, skipped = 0;
	char name[256];
	uint32_t comm;
	MDB_txn *txn;
	int rc = 0;

	if (nargs != 1)
		usage(stderr, EX_USAGE);
	csv_read(args[0], rows);
	cli_open_store(cli, true);
	txn = cli_begin(cli, true);
	member_community(cli, txn, true, &comm, name, sizeof name, NULL);
	for (guint i = 0; i < rows->len && rc == 0; i++) {
		const struct csv_row *row = &g_array_index(rows,
		    struct csv_row, i);
		struct member m;

		rc = member_get(&cli->st, txn, comm, row->addr, &m);
		if (rc != 0 && rc != MDB_NOTFOUND)
			break;
		rc = 0;
		if (!row->member)
			skipped++;	/* an export's applicants and leavers */
		else if (m.rec.state == MEMBER_ACTIVE)
			kept++;
		else {
			import_row(row, &m, now);
			rc = member_put(&cli->st, txn, comm, row->addr, &m);
			added++;
		}
	}
	if (rc != 0 || (rc = mdb_txn_commit(txn)) != 0)
		errx(EX_CANTCREAT, "%s: %s", cli->st.path, mdb_strerror(rc));
	printf("%s: %zu added, %zu already members", name, added, kept);
	if (skipped > 0)
		printf(", %zu not members in the file (left out)", skipped);
	printf("\n");
	for (guint i = 0; i < rows->len; i++)
		g_free(g_array_index(rows, struct csv_row, i).addr);
	g_array_unref(rows);
	cli_finish(cli, NULL);
}

/* Set up MS for an admin's mail in community C (the config's). */
static void
admin_membership(struct cli *cli, MDB_txn *txn, const struct community_conf *c,
    const struct opts *o, struct membership *ms, unsigned char *key)
{
	char errbuf[512];

	if (c == NULL)
		errx(EX_USAGE, "mail to members needs the config (-c)");
	if (staff_key_load(cli->st.path, true, key, errbuf, sizeof errbuf) != 0)
		errx(EX_CANTCREAT, "%s", errbuf);
	msginfo_global_init();
	memset(ms, 0, sizeof *ms);
	ms->st = &cli->st;
	ms->txn = txn;
	ms->conf = &cli->conf;
	ms->c = c;
	ms->key = key;
	ms->now = kring_now();
	ms->admin = true;
	ms->preview = o->send ? NULL : g_byte_array_new();
}

/* Commit (--send) or show the preview and change nothing. */
static void
admin_finish(struct cli *cli, MDB_txn *txn, struct membership *ms)
{
	int rc;

	if (ms->preview != NULL) {
		mdb_txn_abort(txn);
		if (fwrite(ms->preview->data, 1, ms->preview->len, stdout) !=
		    ms->preview->len)
			err(EX_IOERR, "stdout");
		g_byte_array_unref(ms->preview);
	} else if ((rc = mdb_txn_commit(txn)) != 0)
		errx(EX_CANTCREAT, "%s: %s", cli->st.path, mdb_strerror(rc));
	cli_finish(cli, NULL);
}

static void
decide(struct cli *cli, int nargs, char **args, const struct opts *o,
    bool approve)
{
	const struct community_conf *c;
	unsigned char key[STAFF_KEY_LEN];
	struct membership ms;
	char name[256], outcome[128], *addr;
	uint32_t comm;
	MDB_txn *txn;
	int rc;

	if (nargs != 1)
		usage(stderr, EX_USAGE);
	addr = member_address(args[0]);
	cli->need_config = true;
	cli_open_store(cli, true);
	txn = cli_begin(cli, true);
	member_community(cli, txn, true, &comm, name, sizeof name, &c);
	admin_membership(cli, txn, c, o, &ms, key);
	rc = membership_decide(&ms, addr, approve, outcome, sizeof outcome);
	if (rc == -2)
		errx(EX_DATAERR, "%s: has not applied to %s", addr, name);
	if (rc != 0)
		errx(EX_SOFTWARE, "%s: %s", addr, rc == -1 ? outcome :
		    mdb_strerror(rc));
	fprintf(stderr, "%s: %s%s\n", addr, outcome, o->send ? "" :
	    " (preview: nothing changed; --send to act)");
	g_free(addr);
	admin_finish(cli, txn, &ms);
}

static void
cmd_approve(struct cli *cli, int nargs, char **args, const struct opts *o)
{
	decide(cli, nargs, args, o, true);
}

static void
cmd_reject(struct cli *cli, int nargs, char **args, const struct opts *o)
{
	decide(cli, nargs, args, o, false);
}

static void
cmd_invite(struct cli *cli, int nargs, char **args, const struct opts *o)
{
	GArray *rows = g_array_new(FALSE, TRUE, sizeof(struct csv_row));
	const struct community_conf *c;
	unsigned char key[STAFF_KEY_LEN];
	struct membership ms;
	char name[256], outcome[128];
	size_t sent = 0, members = 0;
	uint32_t comm;
	MDB_txn *txn;

	for (int i = 0; i < nargs; i++) {
		struct csv_row row = { .addr = member_address(args[i]) };

		g_array_append_val(rows, row);
	}
	if (o->csv != NULL)
		csv_read(o->csv, rows);
	if (rows->len == 0)
		usage(stderr, EX_USAGE);
	cli->need_config = true;
	cli_open_store(cli, true);
	txn = cli_begin(cli, true);
	member_community(cli, txn, true, &comm, name, sizeof name, &c);
	admin_membership(cli, txn, c, o, &ms, key);
	for (guint i = 0; i < rows->len; i++) {
		struct csv_row *row = &g_array_index(rows, struct csv_row, i);
		int rc = membership_invite(&ms, row->addr, row->name, outcome,
		    sizeof outcome);

		if (rc == -2) {
			members++;
			continue;
		}
		if (rc != 0)
			errx(EX_SOFTWARE, "%s: %s", row->addr,
			    rc == -1 ? outcome : mdb_strerror(rc));
		sent++;
	}
	fprintf(stderr, "%s: %zu invited, %zu already members%s\n", name, sent,
	    members, o->send ? "" : " (preview: nothing sent; --send to act)");
	for (guint i = 0; i < rows->len; i++)
		g_free(g_array_index(rows, struct csv_row, i).addr);
	g_array_unref(rows);
	admin_finish(cli, txn, &ms);
}

/* Mail to a member again after bounces stopped it, the score gone. */
static void
cmd_resume(struct cli *cli, int nargs, char **args, const struct opts *o)
{
	char name[256], *addr;
	struct member m;
	uint32_t comm;
	MDB_txn *txn;
	bool lifted = false;
	int rc;

	if (nargs != 1)
		usage(stderr, EX_USAGE);
	addr = member_address(args[0]);
	cli_open_store(cli, true);
	txn = cli_begin(cli, true);
	member_community(cli, txn, true, &comm, name, sizeof name, NULL);
	rc = member_get(&cli->st, txn, comm, addr, &m);
	if (rc == MDB_NOTFOUND || (rc == 0 && m.rec.state != MEMBER_ACTIVE))
		errx(EX_DATAERR, "%s: not a member of %s", addr, name);
	if (rc != 0 || (rc = bounce_lift(&cli->st, txn, comm, addr,
	    kring_now(), &lifted)) != 0 || (rc = mdb_txn_commit(txn)) != 0)
		errx(EX_CANTCREAT, "%s: %s: %s", cli->st.path, addr,
		    mdb_strerror(rc));
	printf("%s: %s\n", addr, lifted ? "delivery resumed, bounce score 0" :
	    "was not suspended; bounce score 0");
	g_free(addr);
	cli_finish(cli, NULL);
}

static const struct command {
	const char *name;
	void (*run)(struct cli *, int, char **, const struct opts *);
} commands[] = {
	{ "add", cmd_add }, { "remove", cmd_remove }, { "set", cmd_set },
	{ "show", cmd_show }, { "list", cmd_list }, { "export", cmd_export },
	{ "import", cmd_import }, { "approve", cmd_approve },
	{ "reject", cmd_reject }, { "invite", cmd_invite },
	{ "resume", cmd_resume },
};

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_LONGOPTS,
		{ "name", required_argument, NULL, 'N' },
		{ "mode", required_argument, NULL, 'M' },
		{ "role", required_argument, NULL, 'R' },
		{ "csv", required_argument, NULL, 'V' },
		{ "all", no_argument, NULL, 'A' },
		{ "send", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli cli = { 0 };
	struct opts o = { 0 };
	int ch;

	while ((ch = getopt_long(argc, argv, CLI_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'h': usage(stdout, 0); break;
		case 'N': o.name = optarg; break;
		case 'M': o.mode = optarg; break;
		case 'R': o.role = optarg; break;
		case 'V': o.csv = optarg; break;
		case 'A': o.all = true; break;
		case 'S': o.send = true; break;
		default:
			if (!cli_option(&cli, ch, optarg))
				usage(stderr, EX_USAGE);
		}
	}
	if (optind == argc)
		usage(stderr, EX_USAGE);
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		if (strcmp(commands[i].name, argv[optind]) == 0) {
			commands[i].run(&cli, argc - optind - 1,
			    argv + optind + 1, &o);
			return 0;
		}
	warnx("%s: no such command", argv[optind]);
	usage(stderr, EX_USAGE);
	return EX_USAGE;
}
