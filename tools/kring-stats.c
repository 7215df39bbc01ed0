/*
 * kring-stats: the figures of each community, as text, JSON or CSV.
 * Without a period, the messages, threads and senders stored (kept as
 * mail is stored, so quick on any store).  With --since or --until, the
 * figures of that period for staff dashboards and spreadsheets, worked
 * out as the newsletter works them out (activity.h, sla.h, topic.h,
 * member.h); kring-stats(1) defines each one.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "kring/activity.h"
#include "kring/cli.h"
#include "kring/csv.h"
#include "kring/json.h"
#include "kring/member.h"
#include "kring/period.h"
#include "kring/sla.h"
#include "kring/topic.h"
#include "kring/util.h"

#define DEFAULT_DAYS 14	/* the period when only --until is given */

struct opts {
	struct cli cli;		/* cli.since, cli.until: the period */
	bool csv;
	int64_t now;
};

/* One figure: its JSON key and CSV column, its line in the text. */
struct field {
	char *key;
	char *label;		/* NULL: not a line of the text */
	char *value;		/* NULL: a figure of nothing (JSON null) */
	const char *none;	/* the text's word for a NULL value */
	bool string;		/* a JSON string, else a number */
};

/* The figures of one community: the text's heading, then the fields. */
struct row {
	char *heading;
	GArray *fields;		/* struct field */
};

static void
usage(FILE *out, int status)
{
	fprintf(out, "usage: kring stats [-s DIR] [-c FILE] [--community C]\n"
	    "                   [--since DATE] [--until DATE] [--json | --csv]\n\n"
	    "Count the messages, threads and senders stored of each community\n"
	    "(or of the one named).  With --since or --until: the figures of\n"
	    "that period of each configured community (posts, members,\n"
	    "answers against the promise, topics by state), the dates in the\n"
	    "community's time zone.  Text by default; --json one object a\n"
	    "line, --csv a header row and one row a community.\n");
	exit(status);
}

static void
parse_options(struct opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_LONGOPTS,
		CLI_PERIOD_LONGOPTS,
		{ "csv", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, CLI_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (ch == 'h')
			usage(stdout, 0);
		else if (ch == 'V')
			o->csv = true;
		else if (!cli_option(&o->cli, ch, optarg))
			usage(stderr, EX_USAGE);
	}
	if (optind != argc)
		usage(stderr, EX_USAGE);
	if (o->csv && o->cli.json)
		errx(EX_USAGE, "--json and --csv: choose one");
}

/* ------------------------------------------------------------- rows */

static struct row *
row_new(char *heading)
{
	struct row *r = g_new0(struct row, 1);

	r->heading = heading;
	r->fields = g_array_new(FALSE, TRUE, sizeof(struct field));
	return r;
}

static void
row_free(struct row *r)
{
	for (guint i = 0; i < r->fields->len; i++) {
		struct field *f = &g_array_index(r->fields, struct field, i);

		g_free(f->key);
		g_free(f->label);
		g_free(f->value);
	}
	g_array_unref(r->fields);
	g_free(r->heading);
	g_free(r);
}

/* Add a field; KEY, LABEL (NULL: no line) and VALUE become the row's. */
static void
row_add(struct row *r, char *key, char *label, char *value, bool string,
    const char *none)
{
	struct field f = { key, label, value, none, string };

	g_array_append_val(r->fields, f);
}

static void
row_string(struct row *r, const char *key, const char *value)
{
	row_add(r, g_strdup(key), NULL, g_strdup(value), true, NULL);
}

/* N when HAS, else null (the text says NONE). */
static void
row_maybe(struct row *r, const char *key, const char *label, bool has,
    long n, const char *none)
{
	row_add(r, g_strdup(key), g_strdup(label),
	    has ? g_strdup_printf("%ld", n) : NULL, false, none);
}

/* LABEL NULL: no line in the text. */
static void
row_count(struct row *r, const char *key, const char *label, long n)
{
	row_maybe(r, key, label, true, n, NULL);
}

/* ----------------------------------------------------------- output */

static void
emit_json(const struct row *r)
{
	GString *out = g_string_new("{");

	for (guint i = 0; i < r->fields->len; i++) {
		const struct field *f = &g_array_index(r->fields, struct field,
		    i);

		g_string_append_printf(out, "%s\"%s\":", i ? "," : "", f->key);
		if (f->value == NULL)
			g_string_append(out, "null");
		else if (f->string)
			json_string(out, f->value, strlen(f->value));
		else
			g_string_append(out, f->value);
	}
	g_string_append(out, "}\n");
	cli_emit(out);
}

/* One CSV record, of the keys (HEADER) or the values; RFC 4180 ends it
 * with CRLF, and a null is an empty field. */
static void
emit_csv(const struct row *r, bool header)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; i < r->fields->len; i++) {
		const struct field *f = &g_array_index(r->fields, struct field,
		    i);

		if (i > 0)
			g_string_append_c(out, ',');
		csv_field(out, header ? f->key : f->value ? f->value : "");
	}
	g_string_append(out, "\r\n");
	cli_emit(out);
}

/* The heading, then a line for each labelled field; a blank line
 * before a row that has such lines, unless it is the FIRST. */
static void
emit_text(const struct row *r, bool first)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; i < r->fields->len; i++) {
		const struct field *f = &g_array_index(r->fields, struct field,
		    i);

		if (f->label != NULL)
			g_string_append_printf(out, "  %-26s %s\n", f->label,
			    f->value ? f->value : f->none);
	}
	g_string_prepend_c(out, '\n');
	g_string_prepend(out, r->heading);
	if (out->len > strlen(r->heading) + 1 && !first)
		g_string_prepend_c(out, '\n');
	cli_emit(out);
}

static void
emit_rows(const struct opts *o, const GPtrArray *rows)
{
	for (guint i = 0; i < rows->len; i++) {
		if (o->cli.json)
			emit_json(rows->pdata[i]);
		else if (o->csv) {
			if (i == 0)
				emit_csv(rows->pdata[i], true);
			emit_csv(rows->pdata[i], false);
		} else
			emit_text(rows->pdata[i], i == 0);
	}
}

/* ------------------------------------------------- what is stored */

static struct row *
count_row(const char *name, size_t len, const struct count_rec *c)
{
	struct row *r = row_new(g_strdup_printf("%.*s: %llu messages, %llu "
	    "threads, %llu senders", (int)len, name,
	    (unsigned long long)c->messages, (unsigned long long)c->threads,
	    (unsigned long long)c->senders));
	char *community = g_strndup(name, len);

	row_string(r, "community", community);
	g_free(community);
	row_count(r, "messages", NULL, (long)c->messages);
	row_count(r, "threads", NULL, (long)c->threads);
	row_count(r, "senders", NULL, (long)c->senders);
	return r;
}

static bool
is_name(const MDB_val *k, const char *name)
{
	return k->mv_size == strlen(name) &&
	    memcmp(k->mv_data, name, k->mv_size) == 0;
}

/* The counts of each stored community, or of --community: nothing
 * stored yet counts 0 for a configured one, and is an error else. */
static void
stored_rows(struct opts *o, MDB_txn *txn, GPtrArray *rows)
{
	struct count_rec c = { 0 };
	const char *want = o->cli.community;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	if ((rc = mdb_cursor_open(txn, o->cli.st.dbi[DB_COMMUNITY], &cur)))
		errx(EX_SOFTWARE, "%s", mdb_strerror(rc));
	rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (v.mv_size != 4)
			errx(EX_DATAERR, "%s: corrupt community record",
			    o->cli.st.path);
		if (want != NULL && !is_name(&k, want))
			continue;
		if ((rc = store_counts_get(&o->cli.st, txn,
		    be32_get(v.mv_data), &c)))
			errx(EX_SOFTWARE, "%s", mdb_strerror(rc));
		g_ptr_array_add(rows, count_row(k.mv_data, k.mv_size, &c));
	}
	if (rc != MDB_NOTFOUND)
		errx(EX_SOFTWARE, "%s", mdb_strerror(rc));
	mdb_cursor_close(cur);
	if (want == NULL || rows->len > 0)
		return;
	if (!o->cli.have_conf || config_community(&o->cli.conf, want) == NULL)
		errx(EX_USAGE, "no community \"%s\" in %s", want,
		    o->cli.st.path);
	memset(&c, 0, sizeof c);
	g_ptr_array_add(rows, count_row(want, strlen(want), &c));
}

/* ------------------------------------------------- a period's figures */

/* The store id of community NAME; UINT32_MAX when nothing is stored for
 * it yet (its scans then find nothing). */
static uint32_t
store_id(struct opts *o, MDB_txn *txn, const char *name)
{
	uint32_t id;
	int rc = store_community_id(&o->cli.st, txn, name, false, &id);

	if (rc == MDB_NOTFOUND)
		return UINT32_MAX;
	if (rc != 0)
		errx(EX_SOFTWARE, "%s: %s", o->cli.st.path, mdb_strerror(rc));
	return id;
}

static void
add_period(struct row *r, const struct community_conf *c,
    const struct period *p)
{
	char since[32], until[32];

	period_iso(p->tz, p->since, since, sizeof since);
	period_iso(p->tz, p->until, until, sizeof until);
	row_string(r, "community", c->name);
	row_string(r, "timezone", c->timezone);
	row_string(r, "since", since);
	row_string(r, "until", until);
	row_string(r, "first_day", p->since_text);
	row_string(r, "last_day", p->until_text);
}

/* Posts and members: activity.h's definitions, member.h's counts. */
static void
add_people(struct opts *o, MDB_txn *txn, struct row *r,
    const struct activity *a)
{
	struct activity_counts n;
	long first, joined, at_end;
	int rc;

	activity_count(a, &n);
	if ((rc = activity_first_posters(&o->cli.st, txn, a, &first)) != 0 ||
	    (rc = member_period_counts(&o->cli.st, txn, a->community,
	    a->since, a->until, &joined, &at_end)) != 0)
		errx(EX_SOFTWARE, "%s: %s: %s", o->cli.st.path, a->conf->name,
		    mdb_strerror(rc));
	row_count(r, "member_posts", "Member posts", n.member_posts);
	row_count(r, "staff_posts", "Staff posts", n.staff_posts);
	row_count(r, "active_members", "Members who posted", n.members);
	row_count(r, "first_time_posters", "First-time posters", first);
	row_count(r, "new_members", "New members", joined);
	row_count(r, "members", "Members at the end", at_end);
}

/* Answers against the promise (sla.h), as known now. */
static void
add_answers(struct opts *o, struct row *r, const struct activity *a)
{
	struct sla_figures s;
	bool due = false;

	sla_compute(a, o->now, a->conf->response_hours, &s);
	due = s.due > 0;
	row_count(r, "promise_hours", "Promise, hours", s.promise_hours);
	row_count(r, "answered", "Posts answered", s.answered);
	row_add(r, g_strdup("median_answer_hours"),
	    g_strdup("Median answer, hours"), s.median_minutes < 0 ? NULL :
	    g_strdup_printf("%.2f", s.median_minutes / 60.0), false,
	    "none answered");
	row_count(r, "due", "Due", s.due);
	row_maybe(r, "within", "Within the promise", due, s.within,
	    "none due yet");
	row_maybe(r, "within_pct", "Within the promise, %", due,
	    due ? sla_within_pct(&s) : 0, "none due yet");
	row_count(r, "unanswered", "Still unanswered", s.unanswered);
	row_count(r, "overdue", "Past the promise", (long)s.overdue->len);
	sla_free(&s);
}

struct topic_counts {
	int64_t since, until;
	long started;
	long by_status[TOPIC__NSTATUS];
};

static int
count_topic(struct topic *t, void *arg)
{
	struct topic_counts *tc = arg;

	if (t->rec.created >= tc->until)
		return 0;
	tc->started += t->rec.created >= tc->since;
	if (t->rec.status < TOPIC__NSTATUS)
		tc->by_status[t->rec.status]++;
	return 0;
}

/* The topics started by the end of the period, by their state now. */
static void
add_topics(struct opts *o, MDB_txn *txn, struct row *r, uint32_t comm,
    const struct period *p)
{
	struct topic_counts tc = { .since = p->since, .until = p->until };
	int rc;

	if ((rc = topic_each(&o->cli.st, txn, comm, count_topic, &tc)) != 0)
		errx(EX_SOFTWARE, "%s: topics: %s", o->cli.st.path,
		    mdb_strerror(rc));
	row_count(r, "topics_started", "Topics started", tc.started);
	for (uint32_t s = 0; s < TOPIC__NSTATUS; s++) {
		const char *name = topic_status_name(s);
		char *key = g_strdup_printf("topics_%s", name);
		char *label = g_strdup_printf("Topics %s", name);

		g_strdelimit(key, "-", '_');
		g_strdelimit(label, "-", ' ');
		row_add(r, key, label, g_strdup_printf("%ld",
		    tc.by_status[s]), false, NULL);
	}
}

static struct row *
period_row(struct opts *o, MDB_txn *txn, const struct community_conf *c)
{
	uint32_t comm = store_id(o, txn, c->name);
	struct activity a;
	struct period p;
	struct row *r;
	char errbuf[512];
	int rc;

	if (period_resolve(&o->cli.st, txn, comm, "stats", o->cli.since,
	    o->cli.until, o->now, DEFAULT_DAYS, c->tz, &p, errbuf,
	    sizeof errbuf) != 0)
		errx(EX_USAGE, "%s", errbuf);
	if ((rc = activity_scan(&o->cli.st, txn, comm, c, p.since, p.until,
	    &a)) != 0)
		errx(EX_SOFTWARE, "%s: %s: %s", o->cli.st.path, c->name,
		    mdb_strerror(rc));
	r = row_new(g_strdup_printf("%s: %s to %s (%s)", c->name,
	    p.since_text, p.until_text, c->timezone));
	add_period(r, c, &p);
	add_people(o, txn, r, &a);
	add_answers(o, r, &a);
	add_topics(o, txn, r, comm, &p);
	activity_free(&a);
	return r;
}

/* The period's figures of each configured community, or of --community. */
static void
period_rows(struct opts *o, MDB_txn *txn, GPtrArray *rows)
{
	const struct kring_config *conf = &o->cli.conf;
	const char *want = o->cli.community;

	if (!o->cli.have_conf || conf->ncommunities == 0)
		errx(EX_CONFIG, "the figures of a period need the configured "
		    "communities (their staff, promise and time zone): no "
		    "configuration read (-c FILE)");
	if (want != NULL && config_community(conf, want) == NULL)
		errx(EX_USAGE, "no community \"%s\" in %s", want, conf->path);
	for (size_t i = 0; i < conf->ncommunities; i++)
		if (want == NULL || strcmp(conf->communities[i].name,
		    want) == 0)
			g_ptr_array_add(rows, period_row(o, txn,
			    &conf->communities[i]));
}

int
main(int argc, char **argv)
{
	struct opts o = { 0 };
	GPtrArray *rows = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)row_free);
	bool period;
	MDB_txn *txn;

	parse_options(&o, argc, argv);
	period = o.cli.since != NULL || o.cli.until != NULL;
	o.cli.need_config = period;	/* staff and zones live there */
	o.now = kring_now();
	cli_open_store(&o.cli, false);
	txn = cli_begin(&o.cli, false);
	/* Every row first: an error prints nothing. */
	if (period)
		period_rows(&o, txn, rows);
	else
		stored_rows(&o, txn, rows);
	emit_rows(&o, rows);
	g_ptr_array_unref(rows);
	cli_finish(&o.cli, txn);
	return 0;
}
