/*
 * kring-newsletter: the biweekly staff newsletter of a community: what
 * members said in the period, in numbers, charts, topics, threads,
 * response times, summaries, outcomes and quotes.  Previews an mbox on
 * stdout; --send enqueues it to the community's staff.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "kring/activity.h"
#include "kring/author.h"
#include "kring/chart.h"
#include "kring/bounce.h"
#include "kring/excerpt.h"
#include "kring/member.h"
#include "kring/msginfo.h"
#include "kring/sla.h"
#include "kring/stafftool.h"
#include "kring/thread.h"
#include "kring/topic.h"
#include "kring/util.h"

#define BAR_WIDTH 30		/* characters of the longest text bar */
#define MAX_DAYS 62		/* rows of the posts-per-day chart */
#define TOP_THREADS 5
#define TOP_MEMBERS 5
#define MAX_QUOTES 3
#define QUOTE_BYTES 280
#define QUIET_RESPONSES 2	/* an open topic with at most this many */
#define MAX_OPEN_LISTED 10	/* unanswered posts named */
#define ANSWER_BINS 13		/* 6 bins to the promise, 6 more, the rest */
#define BINS_IN_PROMISE 6

_Static_assert(MAX_DAYS <= CHART_MAX_DAYS && TOP_THREADS <= CHART_MAX_ROWS &&
    ANSWER_BINS <= CHART_MAX_BINS, "the pictures hold what is counted");

static void
usage(FILE *out, int status)
{
	fprintf(out, "usage: kring newsletter [-s DIR] [-c FILE] [--community C]\n"
	    "                        [--since DATE] [--until DATE] [--send [--once]]\n\n"
	    "The staff newsletter for the period (by default since the last\n"
	    "one sent, or the last 14 days): previewed as an mbox on stdout,\n"
	    "or with --send queued to the community's staff.\n");
	exit(status);
}

/* A run of '#' for N of MAX; percent into *PCT. */
static char *
bar(long n, long max, long *pct)
{
	long w = max > 0 ? (n * BAR_WIDTH + max - 1) / max : 0;

	*pct = max > 0 ? n * 100 / max : 0;
	return g_strnfill((gsize)w, '#');
}

static void
set_bar(struct tmpl_ctx *item, long n, long max)
{
	long pct;
	char *b = bar(n, max, &pct);

	tmpl_ctx_set_int(item, "bar", pct);
	tmpl_ctx_set(item, "bar_text", b);
	g_free(b);
}

/* ---------------------------------------------------------- counting */

/* ---------------------------------------------------------- pictures */

/* The words in the pictures, per language; the first is the default. */
struct chart_words {
	const char *lang;
	const char *posts, *members;	/* the legends of the days */
	const char *within, *late;	/* of the answer times */
	const char *hours;		/* their axis */
	const char *months[12];
};

static const struct chart_words chart_words[] = {
	{ "en", "Member posts", "Members who posted", "Within the promise",
	  "Later", "Hours to the first staff answer",
	  { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
	    "Oct", "Nov", "Dec" } },
	{ "nl", "Berichten van leden", "Leden die schreven", "Op tijd",
	  "Later", "Uren tot het eerste antwoord van een medewerker",
	  { "jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep",
	    "okt", "nov", "dec" } },
};

#define NCHARTS 3

/* The pictures of the mail, as the HTML's inline parts. */
struct charts {
	struct chart_png png[NCHARTS];
	char *cid[NCHARTS], *file[NCHARTS];
	struct compose_inline part[NCHARTS];
	size_t n;
};

static const struct chart_words *
words_of(const char *lang)
{
	for (size_t i = 0; i < G_N_ELEMENTS(chart_words); i++)
		if (lang != NULL && strcmp(lang, chart_words[i].lang) == 0)
			return &chart_words[i];
	return &chart_words[0];
}

/* Picture PNG (drawn; RC its chart_draw_* result, ERR its error) as
 * inline part NAME.png, and the list NAME of one item (cid, width,
 * height) for the template.  A picture that cannot be drawn ends the
 * run. */
static void
charts_add(struct staff_run *r, struct charts *c, struct tmpl_ctx *ctx,
    const char *name, struct chart_png *png, int rc, const char *err)
{
	char ebuf[256];
	struct tmpl_ctx *item;
	char *cid;

	if (rc != 0 || c->n >= NCHARTS)
		staff_run_fail(r, EX_SOFTWARE, "%s chart: %s", name, rc != 0 ?
		    err : "too many");
	cid = compose_content_id(name, r->community->domain, ebuf, sizeof ebuf);
	if (cid == NULL)
		staff_run_fail(r, EX_SOFTWARE, "%s chart: %s", name, ebuf);
	c->png[c->n] = *png;
	c->cid[c->n] = cid;
	c->file[c->n] = g_strconcat(name, ".png", NULL);
	c->part[c->n] = (struct compose_inline){ "image/png", cid, c->file[c->n],
	    png->png->data, png->png->len };
	item = tmpl_ctx_add_item(ctx, name);
	tmpl_ctx_set(item, "cid", cid);
	tmpl_ctx_set_int(item, "width", png->width);
	tmpl_ctx_set_int(item, "height", png->height);
	c->n++;
}

static void
charts_free(struct charts *c)
{
	for (size_t i = 0; i < c->n; i++) {
		chart_png_free(&c->png[i]);
		g_free(c->cid[i]);
		g_free(c->file[i]);
	}
	c->n = 0;
}

/* ---------------------------------------------------------- counting */

struct figures {
	struct staff_run *run;
	const struct chart_words *words;
	struct charts charts;
	struct activity act;
	struct activity_counts counts;
	GHashTable *member_posts;	/* address -> member posts in the period */
	GHashTable *member_msg;		/* address -> a post (struct post *) */
	long new_members;
};

/* Members and their posts, and the first-time posters (activity.h). */
static void
count_members(struct figures *f)
{
	gpointer n;
	int rc;

	activity_count(&f->act, &f->counts);
	f->member_posts = g_hash_table_new(g_str_hash, g_str_equal);
	f->member_msg = g_hash_table_new(g_str_hash, g_str_equal);
	for (guint i = 0; i < f->act.posts->len; i++) {
		struct post *p = f->act.posts->pdata[i];

		if (!post_is_member(p))
			continue;
		n = g_hash_table_lookup(f->member_posts, p->from);
		g_hash_table_insert(f->member_msg, p->from, p);
		g_hash_table_insert(f->member_posts, p->from,
		    GINT_TO_POINTER(GPOINTER_TO_INT(n) + 1));
	}
	if ((rc = activity_first_posters(&f->run->cli.st, f->run->txn, &f->act,
	    &f->new_members)) != 0)
		staff_run_fail(f->run, EX_SOFTWARE, "first-time posters: %s",
		    mdb_strerror(rc));
}

static void
fill_counts(struct figures *f, struct tmpl_ctx *ctx)
{
	const struct period *p = &f->run->period;

	count_members(f);
	tmpl_ctx_set(ctx, "period_from", p->since_text);
	tmpl_ctx_set(ctx, "period_until", p->until_text);
	tmpl_ctx_set_int(ctx, "posts", f->counts.member_posts);
	tmpl_ctx_set_int(ctx, "members", f->counts.members);
	tmpl_ctx_set_int(ctx, "staff_posts", f->counts.staff_posts);
	tmpl_ctx_set_int(ctx, "new_members", f->new_members);
	/* The reader is staff (the footer says so). */
	tmpl_ctx_set_bool(ctx, "to_staff", true);
}

struct days {
	long first, n;		/* local day numbers (period.h) */
	long posts[MAX_DAYS];	/* member posts that day */
	long members[MAX_DAYS];	/* their distinct authors */
};

/* Member posts and their authors per day of the period (its last
 * MAX_DAYS days), in the community's zone (23 or 25 hours across a
 * switch). */
static void
count_days(struct figures *f, struct days *d)
{
	int64_t since = f->run->period.since, until = f->run->period.until;
	GTimeZone *tz = f->run->period.tz;
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, NULL);

	memset(d, 0, sizeof *d);
	if (period_day_number(tz, until - 1) - period_day_number(tz, since) >=
	    MAX_DAYS)
		since = period_add_days(tz, until, -MAX_DAYS);
	d->first = period_day_number(tz, since);
	d->n = MIN(period_day_number(tz, until - 1) - d->first + 1, MAX_DAYS);
	for (guint i = 0; i < f->act.posts->len; i++) {
		const struct post *p = f->act.posts->pdata[i];
		long day = period_day_number(tz, p->time) - d->first;

		if (!post_is_member(p) || p->time < since || day < 0 ||
		    day >= d->n)
			continue;
		d->posts[day]++;
		if (g_hash_table_add(seen, g_strdup_printf("%ld %s", day,
		    p->from)))
			d->members[day]++;
	}
	g_hash_table_unref(seen);
}

/* The picture of D: member posts and members who posted per day. */
static void
chart_days(struct figures *f, const struct days *d, struct tmpl_ctx *ctx)
{
	char labels[MAX_DAYS][16], err[256];
	const char *lp[MAX_DAYS];
	struct chart_days in = { (size_t)d->n, lp, d->posts, d->members,
	    f->words->posts, f->words->members };
	struct chart_png png;
	int rc;

	for (long i = 0; i < d->n; i++) {
		GDateTime *t = g_date_time_new_from_unix_utc(
		    (int64_t)(d->first + i) * 86400);

		/* A day number is its date read as UTC. */
		snprintf(labels[i], sizeof labels[i], "%d %s", t != NULL ?
		    g_date_time_get_day_of_month(t) : 0, t != NULL ?
		    f->words->months[g_date_time_get_month(t) - 1] : "");
		if (t != NULL)
			g_date_time_unref(t);
		lp[i] = labels[i];
	}
	rc = chart_draw_days(&in, &png, err, sizeof err);
	charts_add(f->run, &f->charts, ctx, "days_chart", &png, rc, err);
}

/* Member posts and members who posted per day, one row a day (the last
 * MAX_DAYS days of a long period), and their picture; no rows when
 * there are no member posts. */
static void
fill_days(struct figures *f, struct tmpl_ctx *ctx)
{
	struct days d;
	long max = 0;

	if (f->counts.member_posts == 0)
		return;	/* a chart of nothing but zeros says nothing */
	count_days(f, &d);
	for (long i = 0; i < d.n; i++)
		max = d.posts[i] > max ? d.posts[i] : max;
	for (long i = 0; i < d.n; i++) {
		struct tmpl_ctx *item = tmpl_ctx_add_item(ctx, "days");
		char date[11];

		period_date(NULL, (int64_t)(d.first + i) * 86400, date,
		    sizeof date);
		tmpl_ctx_set(item, "date", date);
		tmpl_ctx_set_int(item, "posts", d.posts[i]);
		tmpl_ctx_set_int(item, "members", d.members[i]);
		set_bar(item, d.posts[i], max);
	}
	chart_days(f, &d, ctx);
}

/* ------------------------------------------------------------ topics */

struct topic_walk {
	struct staff_run *run;
	struct tmpl_ctx *ctx;
	GPtrArray *fresh;	/* struct topic_row *: started in the period */
};

struct topic_row {
	char *title, *owner;
	uint32_t status;
	long responses;
};

static void
topic_row_free(struct topic_row *row)
{
	g_free(row->title);
	g_free(row->owner);
	g_free(row);
}

/* Member posts in topic T's thread by the end of the period, the
 * question not counted. */
static long
topic_responses(struct staff_run *r, const struct topic *t)
{
	GPtrArray *posts = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)post_free);
	long n = 0;

	if (activity_topic_posts(&r->cli.st, r->txn, r->community, t,
	    posts) == 0)
		n = activity_topic_responses(t, posts, r->period.until);
	g_ptr_array_unref(posts);
	return n;
}

static bool
in_period(const struct period *p, int64_t t)
{
	return t >= p->since && t < p->until;
}

/* A summary or outcome item: title, text, html and the status. */
static void
add_recorded(struct tmpl_ctx *ctx, const char *list, const struct topic *t,
    const char *md)
{
	struct tmpl_ctx *item = tmpl_ctx_add_item(ctx, list);

	tmpl_ctx_set(item, "title", t->title);
	mail_set_markdown(item, "text", "html", md);
	mail_set_topic_status(item, t->rec.status);
}

static int
walk_topic(struct topic *t, void *arg)
{
	struct topic_walk *w = arg;
	const struct period *p = &w->run->period;
	long responses = topic_responses(w->run, t);

	if (in_period(p, t->rec.created)) {
		struct topic_row *row = g_new0(struct topic_row, 1);

		row->title = g_strdup(t->title);
		row->owner = g_strdup(t->owner);
		row->status = t->rec.status;
		row->responses = responses;
		g_ptr_array_add(w->fresh, row);
	}
	if (t->rec.status == TOPIC_OPEN && responses <= QUIET_RESPONSES &&
	    t->rec.created < p->until - 2 * 86400) {
		struct tmpl_ctx *item = tmpl_ctx_add_item(w->ctx,
		    "quiet_topics");

		tmpl_ctx_set(item, "title", t->title);
		tmpl_ctx_set_int(item, "responses", responses);
		tmpl_ctx_set_int(item, "age_days",
		    (long)((p->until - t->rec.created) / 86400));
	}
	if (t->rec.summary_time && in_period(p, t->rec.summary_time))
		add_recorded(w->ctx, "summaries", t, t->summary);
	if (t->rec.outcome_time && in_period(p, t->rec.outcome_time))
		add_recorded(w->ctx, "outcomes", t, t->outcome);
	return 0;
}

static void
fill_topics(struct staff_run *r, struct tmpl_ctx *ctx)
{
	struct topic_walk w = { r, ctx, g_ptr_array_new_with_free_func(
	    (GDestroyNotify)topic_row_free) };
	long max = 0;
	int rc;

	if ((rc = topic_each(&r->cli.st, r->txn, r->comm_id, walk_topic, &w)))
		staff_run_fail(r, EX_SOFTWARE, "topics: %s", mdb_strerror(rc));
	for (guint i = 0; i < w.fresh->len; i++) {
		const struct topic_row *row = w.fresh->pdata[i];

		max = row->responses > max ? row->responses : max;
	}
	for (guint i = 0; i < w.fresh->len; i++) {
		const struct topic_row *row = w.fresh->pdata[i];
		struct tmpl_ctx *item = tmpl_ctx_add_item(ctx, "topics");

		tmpl_ctx_set(item, "title", row->title);
		tmpl_ctx_set(item, "owner", row->owner);
		tmpl_ctx_set_int(item, "responses", row->responses);
		set_bar(item, row->responses, max);
		mail_set_topic_status(item, row->status);
	}
	g_ptr_array_unref(w.fresh);
}

/* ----------------------------------------------------------- threads */

struct thread_row {
	uint64_t thread;
	long posts;
	int64_t last;
	GHashTable *people;	/* addresses, borrowed from the posts */
};

static void
thread_row_free(struct thread_row *row)
{
	g_hash_table_unref(row->people);
	g_free(row);
}

static gint
thread_row_cmp(gconstpointer a, gconstpointer b)
{
	const struct thread_row *x = *(struct thread_row *const *)a;
	const struct thread_row *y = *(struct thread_row *const *)b;

	if (x->posts != y->posts)
		return x->posts > y->posts ? -1 : 1;
	return x->last > y->last ? -1 : x->last < y->last;
}

/* The threads of the period's member posts, busiest first; PEOPLE are
 * the members who posted in it. */
static GPtrArray *
thread_rows(const struct activity *a)
{
	GHashTable *by_id = g_hash_table_new(g_int64_hash, g_int64_equal);
	GPtrArray *rows = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)thread_row_free);

	for (guint i = 0; i < a->posts->len; i++) {
		struct post *p = a->posts->pdata[i];
		struct thread_row *row;

		if (!post_is_member(p))
			continue;
		row = g_hash_table_lookup(by_id, &p->thread);
		if (row == NULL) {
			row = g_new0(struct thread_row, 1);
			row->thread = p->thread;
			row->people = g_hash_table_new(g_str_hash, g_str_equal);
			g_hash_table_insert(by_id, &row->thread, row);
			g_ptr_array_add(rows, row);
		}
		row->posts++;
		row->last = p->time;
		g_hash_table_add(row->people, p->from);
	}
	g_hash_table_unref(by_id);
	g_ptr_array_sort(rows, thread_row_cmp);
	return rows;
}

static void
fill_threads(struct figures *f, struct tmpl_ctx *ctx)
{
	struct staff_run *r = f->run;
	GPtrArray *rows = thread_rows(&f->act);
	char *subjects[TOP_THREADS] = { NULL }, err[256];
	long posts[TOP_THREADS];
	guint n = MIN(rows->len, TOP_THREADS);

	for (guint i = 0; i < n; i++) {
		const struct thread_row *row = rows->pdata[i];
		struct tmpl_ctx *item = tmpl_ctx_add_item(ctx, "threads");
		struct thread_rec rec;
		const char *subject = NULL;
		size_t slen = 0;
		char date[11];

		if (thread_get(&r->cli.st, r->txn, row->thread, &rec, &subject,
		    &slen) != 0)
			slen = 0;
		subjects[i] = g_strndup(subject ? subject : "", slen);
		posts[i] = row->posts;
		tmpl_ctx_set(item, "subject", subjects[i]);
		tmpl_ctx_set_int(item, "posts", row->posts);
		tmpl_ctx_set_int(item, "participants",
		    (long)g_hash_table_size(row->people));
		period_date(r->period.tz, row->last, date, sizeof date);
		tmpl_ctx_set(item, "last", date);
	}
	if (n > 0) {
		struct chart_rows in = { n, (const char *const *)subjects, posts };
		struct chart_png png;
		int rc = chart_draw_rows(&in, &png, err, sizeof err);

		charts_add(r, &f->charts, ctx, "threads_chart", &png, rc, err);
	}
	for (guint i = 0; i < n; i++)
		g_free(subjects[i]);
	g_ptr_array_unref(rows);
}

/* ----------------------------------------------- response time, people */

/* M minutes as hours: "4", or "1:40" when not whole. */
static void
hours_text(long m, char *buf, size_t len)
{
	if (m % 60 == 0)
		snprintf(buf, len, "%ld", m / 60);
	else
		snprintf(buf, len, "%ld:%02ld", m / 60, m % 60);
}

/* Bin I of the answer times as an item of "sla_times": from, to (hours
 * as text), posts, within, and over for the last (everything above
 * FROM); its left edge into EDGE (empty when not a whole hour). */
static void
add_answer_bin(struct tmpl_ctx *ctx, long promise, size_t i, long posts,
    char *edge, size_t len)
{
	struct tmpl_ctx *item = tmpl_ctx_add_item(ctx, "sla_times");
	long from = promise * 60 / BINS_IN_PROMISE * (long)i;
	char text[32];

	hours_text(from, text, sizeof text);
	tmpl_ctx_set(item, "from", text);
	snprintf(edge, len, "%s", from % 60 == 0 ? text : "");
	hours_text(from + promise * 60 / BINS_IN_PROMISE, text, sizeof text);
	tmpl_ctx_set(item, "to", text);
	tmpl_ctx_set_int(item, "posts", posts);
	tmpl_ctx_set_bool(item, "within", i < BINS_IN_PROMISE);
	tmpl_ctx_set_bool(item, "over", i == ANSWER_BINS - 1);
}

/* The answer times of S's answered posts in bins of a sixth of the
 * promise up to twice it, as "sla_times" and their picture. */
static void
fill_answer_times(struct figures *f, const struct sla_figures *s,
    struct tmpl_ctx *ctx)
{
	bool nl = strcmp(f->words->lang, "nl") == 0;
	long bins[ANSWER_BINS], p = s->promise_hours;
	char edges[ANSWER_BINS][32], err[256];
	const char *ep[ANSWER_BINS];
	char *note, *mark, *last;
	struct chart_png png;
	int rc;

	if (s->answered == 0 || p <= 0 || sla_answer_bins(&f->act,
	    f->run->now, (int64_t)p * 3600 / BINS_IN_PROMISE, bins,
	    ANSWER_BINS) == 0)
		return;	/* nothing answered: no picture of nothing */
	for (size_t i = 0; i < ANSWER_BINS; i++) {
		add_answer_bin(ctx, p, i, bins[i], edges[i], sizeof edges[i]);
		ep[i] = edges[i][0] != '\0' && i < ANSWER_BINS - 1 ? edges[i] :
		    NULL;
	}
	note = nl ? g_strdup_printf("Op tijd beantwoord: %ld%% (%ld van de "
	    "%ld)", sla_within_pct(s), s->within, s->due) :
	    g_strdup_printf("Within the promise: %ld%% (%ld of %ld due)",
	    sla_within_pct(s), s->within, s->due);
	mark = g_strdup_printf(nl ? "belofte: %ld uur" : "promise: %ld h", p);
	last = g_strdup_printf("> %ld", 2 * p);
	rc = chart_draw_hist(&(struct chart_hist){ ANSWER_BINS, bins, ep, last,
	    BINS_IN_PROMISE, note, mark, f->words->hours, f->words->within,
	    f->words->late }, &png, err, sizeof err);
	g_free(note);
	g_free(mark);
	g_free(last);
	charts_add(f->run, &f->charts, ctx, "sla_chart", &png, rc, err);
}

static void
fill_sla(struct figures *f, struct tmpl_ctx *ctx)
{
	struct staff_run *r = f->run;
	struct sla_figures s;
	char median[32];

	sla_compute(&f->act, r->now, r->community->response_hours, &s);
	fill_answer_times(f, &s, ctx);
	sla_median_text(&s, r->community->language, median, sizeof median);
	tmpl_ctx_set_int(ctx, "sla_promise_hours", s.promise_hours);
	tmpl_ctx_set_int(ctx, "sla_answered", s.answered);
	tmpl_ctx_set(ctx, "sla_median", median);
	tmpl_ctx_set_int(ctx, "sla_within_pct", sla_within_pct(&s));
	tmpl_ctx_set_int(ctx, "sla_due", s.due);
	tmpl_ctx_set_int(ctx, "sla_within", s.within);
	tmpl_ctx_set_int(ctx, "sla_member_posts", s.member_posts);
	tmpl_ctx_set_int(ctx, "sla_unanswered", s.unanswered);
	tmpl_ctx_set_int(ctx, "sla_overdue", (long)s.overdue->len);
	if (s.overdue->len > MAX_OPEN_LISTED)
		tmpl_ctx_set_int(ctx, "sla_overdue_unlisted",
		    (long)s.overdue->len - MAX_OPEN_LISTED);
	for (guint i = 0; i < s.overdue->len && i < MAX_OPEN_LISTED; i++) {
		const struct post *p = s.overdue->pdata[i];
		struct tmpl_ctx *item = tmpl_ctx_add_item(ctx, "sla_open");
		char *label = author_label(&r->cli.st, r->txn, p->msg, p->from);

		tmpl_ctx_set(item, "subject", p->subject);
		tmpl_ctx_set(item, "author", label);
		g_free(label);
		tmpl_ctx_set_int(item, "age_hours", (long)((r->now - p->time) /
		    3600));
	}
	sla_free(&s);
}

/* The figures of local community C (whose parent is ours), as an item
 * of "locals".  A local community with no store yet has none. */
static int
fill_local(struct staff_run *r, const struct community_conf *c,
    struct tmpl_ctx *ctx)
{
	struct tmpl_ctx *item = tmpl_ctx_add_item(ctx, "locals");
	struct activity a;
	struct activity_counts n;
	struct sla_figures s;
	uint32_t comm;
	int rc;

	tmpl_ctx_set(item, "name", c->description[0] ? c->description :
	    c->name);
	rc = store_community_id(&r->cli.st, r->txn, c->name, false, &comm);
	if (rc == MDB_NOTFOUND)
		comm = UINT32_MAX;	/* no mail yet: an empty scan */
	else if (rc != 0)
		return rc;
	if ((rc = activity_scan(&r->cli.st, r->txn, comm, c, r->period.since,
	    r->period.until, &a)) != 0)
		return rc;
	activity_count(&a, &n);
	sla_compute(&a, r->now, c->response_hours, &s);
	tmpl_ctx_set_int(item, "posts", n.member_posts);
	tmpl_ctx_set_int(item, "members", n.members);
	tmpl_ctx_set_int(item, "staff_posts", n.staff_posts);
	tmpl_ctx_set_int(item, "due", s.due);
	tmpl_ctx_set_int(item, "within_pct", sla_within_pct(&s));
	tmpl_ctx_set_bool(item, "has_due", s.due > 0);
	tmpl_ctx_set_int(item, "unanswered", s.unanswered);
	tmpl_ctx_set_bool(item, "active", n.member_posts + n.staff_posts > 0);
	sla_free(&s);
	activity_free(&a);
	return 0;
}

/* The central community's staff see each local one's figures. */
static void
fill_locals(struct staff_run *r, struct tmpl_ctx *ctx)
{
	const struct kring_config *conf = &r->cli.conf;
	bool any = false;
	int rc;

	for (size_t i = 0; i < conf->ncommunities; i++) {
		const struct community_conf *c = &conf->communities[i];

		if (c->parent == NULL || strcmp(c->parent,
		    r->community->name) != 0)
			continue;
		if ((rc = fill_local(r, c, ctx)) != 0)
			staff_run_fail(r, EX_SOFTWARE, "%s: %s", c->name,
			    mdb_strerror(rc));
		any = true;
	}
	tmpl_ctx_set_bool(ctx, "has_locals", any);
}

static gint
count_desc(gconstpointer a, gconstpointer b, gpointer counts)
{
	long x = GPOINTER_TO_INT(g_hash_table_lookup(counts,
	    *(const char *const *)a));
	long y = GPOINTER_TO_INT(g_hash_table_lookup(counts,
	    *(const char *const *)b));

	if (x != y)
		return x > y ? -1 : 1;
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
fill_members(struct figures *f, struct tmpl_ctx *ctx)
{
	GPtrArray *names = g_ptr_array_new();
	GHashTableIter it;
	gpointer addr;

	g_hash_table_iter_init(&it, f->member_posts);
	while (g_hash_table_iter_next(&it, &addr, NULL))
		g_ptr_array_add(names, addr);

	g_ptr_array_sort_with_data(names, count_desc, f->member_posts);
	for (guint i = 0; i < names->len && i < TOP_MEMBERS; i++) {
		struct tmpl_ctx *item = tmpl_ctx_add_item(ctx,
		    "active_members");
		const struct post *p = g_hash_table_lookup(f->member_msg,
		    names->pdata[i]);
		char *label = author_label(&f->run->cli.st, f->run->txn, p->msg, p->from);

		tmpl_ctx_set(item, "name", label);
		g_free(label);
		tmpl_ctx_set_int(item, "posts", GPOINTER_TO_INT(
		    g_hash_table_lookup(f->member_posts, names->pdata[i])));
	}
	g_ptr_array_unref(names);
}

/* ---------------------------------------------------------- delivery */

#define MAX_SUSPENDED 10	/* listed by address; the rest counted */

struct suspended {
	struct staff_run *run;
	struct tmpl_ctx *ctx;
	long n;
};

static int
suspended_one(const char *address, const struct member *m, void *arg)
{
	struct suspended *s = arg;
	struct bounce_info b;
	struct tmpl_ctx *item;
	char since[32];

	if (m->rec.state != MEMBER_ACTIVE || !(m->rec.flags & MEMBER_SUSPENDED))
		return 0;
	if (s->n++ >= MAX_SUSPENDED)
		return 0;
	item = tmpl_ctx_add_item(s->ctx, "suspended_list");
	tmpl_ctx_set(item, "address", address);
	if (bounce_get(&s->run->cli.st, s->run->txn, s->run->comm_id, address,
	    &b) == 0 && b.rec.suspended != 0) {
		period_date(s->run->period.tz, b.rec.suspended, since,
		    sizeof since);
		tmpl_ctx_set(item, "since", since);
		if (b.rec.last_status[0] != '\0')
			tmpl_ctx_set(item, "status", b.rec.last_status);
	}
	return 0;
}

/* The members whose mail is suspended because it bounced (bounce.h). */
static void
fill_delivery(struct staff_run *r, struct tmpl_ctx *ctx)
{
	struct suspended s = { r, ctx, 0 };
	int rc = member_walk(&r->cli.st, r->txn, r->comm_id, NULL,
	    suspended_one, &s);

	if (rc != 0)
		staff_run_fail(r, EX_SOFTWARE, "members: %s", mdb_strerror(rc));
	tmpl_ctx_set_bool(ctx, "suspended_members", s.n > 0);
	tmpl_ctx_set_int(ctx, "suspended_count", s.n);
	tmpl_ctx_set_bool(ctx, "suspended_one", s.n == 1);
	tmpl_ctx_set_bool(ctx, "suspended_more", s.n > MAX_SUSPENDED);
	if (s.n > MAX_SUSPENDED)
		tmpl_ctx_set_int(ctx, "suspended_unlisted", s.n - MAX_SUSPENDED);
}

/* ------------------------------------------------------------ quotes */

#define QUOTE_CANDIDATES 200	/* the latest member posts looked at */

/* The longest member excerpts of the period, one per member. */
static void
fill_quotes(struct staff_run *r, const struct activity *a,
    struct tmpl_ctx *ctx)
{
	GHashTable *quoted = g_hash_table_new(g_str_hash, g_str_equal);
	long seen = 0, added = 0;

	for (guint i = a->posts->len; i-- > 0 && seen < QUOTE_CANDIDATES &&
	    added < MAX_QUOTES;) {
		const struct post *p = a->posts->pdata[i];
		struct tmpl_ctx *item;
		MDB_val raw;
		char *text;

		if (!post_is_member(p) || g_hash_table_contains(quoted, p->from) ||
		    store_raw_get(&r->cli.st, r->txn, p->msg, &raw) != 0)
			continue;
		seen++;
		text = msg_excerpt(raw.mv_data, raw.mv_size, QUOTE_BYTES);
		if (g_utf8_strlen(text, -1) >= 40) {
			item = tmpl_ctx_add_item(ctx, "quotes");
			char *label = author_label(&r->cli.st, r->txn, p->msg, p->from);

			tmpl_ctx_set(item, "author", label);
			g_free(label);
			tmpl_ctx_set(item, "subject", p->subject);
			tmpl_ctx_set(item, "text", text);
			g_hash_table_add(quoted, p->from);
			added++;
		}
		g_free(text);
	}
	g_hash_table_unref(quoted);
}

int
main(int argc, char **argv)
{
	struct staff_run r;
	struct figures f = { .run = &r };
	struct tmpl_ctx *ctx = tmpl_ctx_new();
	struct compose_addr *staff;
	size_t nstaff;
	int rc;

	msginfo_global_init();
	staff_run_start(&r, "newsletter", argc, argv, 14, usage);
	staff = staff_run_staff(&r, &nstaff);
	if (nstaff == 0)
		staff_run_fail(&r, EX_CONFIG, "%s: community \"%s\" has no "
		    "staff to send the newsletter to", r.cli.conf.path,
		    r.community->name);
	if ((rc = activity_scan(&r.cli.st, r.txn, r.comm_id, r.community,
	    r.period.since, r.period.until, &f.act)) != 0)
		staff_run_fail(&r, EX_SOFTWARE, "%s", mdb_strerror(rc));
	f.words = words_of(r.community->language);
	fill_counts(&f, ctx);
	fill_days(&f, ctx);
	fill_topics(&r, ctx);
	fill_threads(&f, ctx);
	fill_sla(&f, ctx);
	fill_locals(&r, ctx);
	fill_members(&f, ctx);
	fill_delivery(&r, ctx);
	fill_quotes(&r, &f.act, ctx);
	r.mo.inlines = f.charts.part;
	r.mo.ninline = f.charts.n;
	staff_run_mail(&r, "newsletter", ctx, staff, nstaff);
	charts_free(&f.charts);
	chart_global_release();
	g_hash_table_unref(f.member_posts);
	g_hash_table_unref(f.member_msg);
	activity_free(&f.act);
	tmpl_ctx_free(ctx);
	g_free(staff);
	staff_run_finish(&r);
	return 0;
}
