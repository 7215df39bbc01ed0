/*
 * kring-thanks: a personal thank-you note to each member who
 * contributed in the period, naming their posts, the topics they took
 * part in and what those topics led to.  A post is thanked for once
 * (the ledger records it with --send, in the commit that queues the
 * note), and members who said thanks=no get none.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "kring/activity.h"
#include "kring/author.h"
#include "kring/ledger.h"
#include "kring/member.h"
#include "kring/msginfo.h"
#include "kring/stafftool.h"
#include "kring/topic.h"

static void
usage(FILE *out, int status)
{
	fprintf(out, "usage: kring thanks [-s DIR] [-c FILE] [--community C]\n"
	    "                    [--since DATE] [--until DATE] [--send [--once]]\n\n"
	    "A thank-you note to each member who posted in the period (by\n"
	    "default since the last notes sent, or the last 14 days), for\n"
	    "the posts not thanked for before; none to members who chose\n"
	    "thanks=no.  Previewed as an mbox on stdout; --send queues them.\n");
	exit(status);
}

/* A topic as the notes name it, found by the thread of its question. */
struct topic_info {
	uint64_t id;
	char *title, *outcome;
	uint32_t status, outcome_rev;
};

static void
topic_info_free(struct topic_info *ti)
{
	g_free(ti->title);
	g_free(ti->outcome);
	g_free(ti);
}

struct thanks {
	struct staff_run run;
	struct activity act;
	GHashTable *topics;	/* u64 thread -> struct topic_info */
	GByteArray *key;	/* a ledger key, reused */
	long opted_out, nothing_new;
};

static int
index_topic(struct topic *t, void *arg)
{
	struct thanks *th = arg;
	struct msg_view v;
	struct topic_info *ti;
	uint64_t *thread;

	if (store_msg_get(&th->run.cli.st, th->run.txn, t->rec.msg, &v) != 0)
		return 0;	/* the question is gone: nothing to name */
	ti = g_new0(struct topic_info, 1);
	ti->id = t->id;
	ti->title = g_strdup(t->title);
	ti->outcome = g_strdup(t->outcome);
	ti->status = t->rec.status;
	ti->outcome_rev = t->rec.outcome_rev;
	thread = g_new(uint64_t, 1);
	*thread = v.rec.thread;
	g_hash_table_insert(th->topics, thread, ti);
	return 0;
}

/* True when ADDR's post MSGID was thanked for before. */
static bool
thanked(struct thanks *th, const char *kind, const char *addr,
    const char *what)
{
	const char *parts[] = { addr, what };
	int rc;

	ledger_key(th->key, kind, th->run.comm_id, parts, 2);
	rc = ledger_get(&th->run.cli.st, th->run.txn, th->key, NULL);
	if (rc != 0 && rc != MDB_NOTFOUND)
		staff_run_fail(&th->run, EX_SOFTWARE, "ledger: %s",
		    mdb_strerror(rc));
	return rc == 0;
}

static void
record(struct thanks *th, const char *kind, const char *addr,
    const char *what)
{
	const char *parts[] = { addr, what };
	int rc;

	ledger_key(th->key, kind, th->run.comm_id, parts, 2);
	if ((rc = ledger_put(&th->run.cli.st, th->run.txn, th->key,
	    th->run.now)) != 0)
		staff_run_fail(&th->run, EX_CANTCREAT, "ledger: %s",
		    mdb_strerror(rc));
}

static bool
opted_out(struct thanks *th, const char *addr)
{
	struct member m;

	/* Someone who left asked for no more mail from the community. */
	return member_get(&th->run.cli.st, th->run.txn, th->run.comm_id, addr,
	    &m) == 0 && ((m.rec.flags & MEMBER_NO_THANKS) ||
	    m.rec.state == MEMBER_LEFT);
}

/* Topics and outcomes of the member's new posts, each once. */
static void
fill_topics(struct thanks *th, const char *addr, GPtrArray *posts,
    struct tmpl_ctx *ctx, GPtrArray *outcomes_named)
{
	GHashTable *named = g_hash_table_new(g_direct_hash, g_direct_equal);

	for (guint i = 0; i < posts->len; i++) {
		const struct post *p = posts->pdata[i];
		struct topic_info *ti = g_hash_table_lookup(th->topics,
		    &p->thread);
		struct tmpl_ctx *topic, *item;
		char rev[32];

		if (ti == NULL || g_hash_table_contains(named, ti))
			continue;
		g_hash_table_add(named, ti);
		topic = tmpl_ctx_add_item(ctx, "topics");
		tmpl_ctx_set(topic, "title", ti->title);
		mail_set_topic_status(topic, ti->status);
		snprintf(rev, sizeof rev, "%llu.%u",
		    (unsigned long long)ti->id, ti->outcome_rev);
		if (ti->outcome_rev == 0 ||
		    thanked(th, "thanks-outcome", addr, rev)) {
			continue;
		}
		/* An outcome they were not told of: with its topic, once. */
		mail_set_markdown(topic, "outcome_text", "outcome_html",
		    ti->outcome);
		item = tmpl_ctx_add_item(ctx, "outcomes");

		tmpl_ctx_set(item, "title", ti->title);
		mail_set_markdown(item, "text", "html", ti->outcome);
		mail_set_topic_status(item, ti->status);
		g_ptr_array_add(outcomes_named, g_strdup(rev));
	}
	g_hash_table_unref(named);
}

/* The greeting name: the name the member set for themselves, else the
 * From display name of their first post. */
static char *
greeting_name(struct thanks *th, const char *addr, const struct post *p)
{
	MDB_val raw = { 0, NULL };

	if (store_raw_get(&th->run.cli.st, th->run.txn, p->msg, &raw) != 0)
		raw.mv_data = NULL;
	return member_greeting_name(&th->run.cli.st, th->run.txn,
	    th->run.comm_id, addr, raw.mv_data, raw.mv_size);
}

/* One note to ADDR for POSTS (theirs in the period). */
static void
thank_member(struct thanks *th, const char *addr, GPtrArray *posts)
{
	GPtrArray *fresh = g_ptr_array_new();
	GPtrArray *outcomes = g_ptr_array_new_with_free_func(g_free);
	struct tmpl_ctx *ctx;
	struct compose_addr to;
	char *name;

	for (guint i = 0; i < posts->len; i++) {
		struct post *p = posts->pdata[i];

		if (!thanked(th, "thanks", addr, p->message_id))
			g_ptr_array_add(fresh, p);
	}
	if (fresh->len == 0) {
		th->nothing_new++;
		g_ptr_array_unref(fresh);
		g_ptr_array_unref(outcomes);
		return;
	}
	ctx = tmpl_ctx_new();
	name = greeting_name(th, addr, fresh->pdata[0]);
	tmpl_ctx_set(ctx, "greeting_name", name);
	tmpl_ctx_set(ctx, "period_from", th->run.period.since_text);
	tmpl_ctx_set(ctx, "period_until", th->run.period.until_text);
	tmpl_ctx_set_int(ctx, "posts_count", (long)fresh->len);
	for (guint i = 0; i < fresh->len; i++) {
		const struct post *p = fresh->pdata[i];
		struct tmpl_ctx *item = tmpl_ctx_add_item(ctx, "posts");
		char date[11];

		period_date(th->run.period.tz, p->time, date, sizeof date);
		tmpl_ctx_set(item, "subject", p->subject);
		tmpl_ctx_set(item, "date", date);
	}
	fill_topics(th, addr, fresh, ctx, outcomes);
	to.name = name;
	to.addr = addr;
	staff_run_mail(&th->run, "thanks", ctx, &to, 1);
	if (th->run.send) {
		for (guint i = 0; i < fresh->len; i++)
			record(th, "thanks", addr,
			    ((struct post *)fresh->pdata[i])->message_id);
		for (guint i = 0; i < outcomes->len; i++)
			record(th, "thanks-outcome", addr, outcomes->pdata[i]);
	}
	tmpl_ctx_free(ctx);
	g_free(name);
	g_ptr_array_unref(fresh);
	g_ptr_array_unref(outcomes);
}

static gint
cmp_address(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Member posts of the period grouped by author, authors sorted. */
static GHashTable *
posts_by_member(const struct activity *a, GPtrArray *authors)
{
	GHashTable *by = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
	    (GDestroyNotify)g_ptr_array_unref);

	for (guint i = 0; i < a->posts->len; i++) {
		struct post *p = a->posts->pdata[i];
		GPtrArray *list;

		if (!post_is_member(p))
			continue;
		if ((list = g_hash_table_lookup(by, p->from)) == NULL) {
			list = g_ptr_array_new();
			g_hash_table_insert(by, p->from, list);
			g_ptr_array_add(authors, p->from);
		}
		g_ptr_array_add(list, p);
	}
	g_ptr_array_sort(authors, cmp_address);
	return by;
}

int
main(int argc, char **argv)
{
	struct thanks th = { 0 };
	struct staff_run *r = &th.run;
	GPtrArray *authors = g_ptr_array_new();
	GHashTable *by;
	int rc;

	msginfo_global_init();
	staff_run_start(r, "thanks", argc, argv, 14, usage);
	th.key = g_byte_array_new();
	th.topics = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
	    (GDestroyNotify)topic_info_free);
	if ((rc = topic_each(&r->cli.st, r->txn, r->comm_id, index_topic,
	    &th)) != 0 || (rc = activity_scan(&r->cli.st, r->txn, r->comm_id,
	    r->community, r->period.since, r->period.until, &th.act)) != 0)
		staff_run_fail(r, EX_SOFTWARE, "%s", mdb_strerror(rc));
	by = posts_by_member(&th.act, authors);
	for (guint i = 0; i < authors->len; i++) {
		if (!compose_addr_valid(authors->pdata[i]))
			warnx("%s: not an address kring can send to; no note",
			    (char *)authors->pdata[i]);
		else if (opted_out(&th, authors->pdata[i]))
			th.opted_out++;
		else
			thank_member(&th, authors->pdata[i],
			    g_hash_table_lookup(by, authors->pdata[i]));
	}
	/* Who gets no note, and why: a note is sent only with something in
	 * it to thank for. */
	if (authors->len == 0)
		fprintf(stderr, "kring thanks: no note: no member posted in "
		    "the period\n");
	else if (th.opted_out || th.nothing_new)
		fprintf(stderr, "kring thanks: no note to %ld member(s): %ld "
		    "chose no thanks, %ld thanked before for all their posts "
		    "(nothing new to thank for)\n", th.opted_out +
		    th.nothing_new, th.opted_out, th.nothing_new);
	g_hash_table_unref(by);
	g_ptr_array_unref(authors);
	g_hash_table_unref(th.topics);
	g_byte_array_unref(th.key);
	activity_free(&th.act);
	staff_run_finish(r);
	return 0;
}
