/*
 * kring-feedback: "what we did with your input".  For each topic whose
 * outcome was recorded in the period, a digest to every member who took
 * part: the question, the summary, the outcome and their own posts in
 * it; for a topic whose summary was recorded in the period and that has
 * no outcome yet, the same with "what we heard" (a decision follows).
 * Once per participant per outcome or summary: the ledger records each
 * with --send, in the commit that queues it.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "kring/activity.h"
#include "kring/author.h"
#include "kring/excerpt.h"
#include "kring/ledger.h"
#include "kring/member.h"
#include "kring/msginfo.h"
#include "kring/stafftool.h"
#include "kring/topic.h"

#define EXCERPT_BYTES 240

static void
usage(FILE *out, int status)
{
	fprintf(out, "usage: kring feedback [-s DIR] [-c FILE] [--community C]\n"
	    "                      [--since DATE] [--until DATE] [--send [--once]]\n\n"
	    "For each topic whose outcome was recorded in the period (by\n"
	    "default since the last run with --send, or the last 14 days), a\n"
	    "digest to each member who took part, once per outcome; for a\n"
	    "topic without an outcome whose summary was recorded, what was\n"
	    "heard, once per summary.\n"
	    "Previewed as an mbox on stdout; --send queues them.\n");
	exit(status);
}

struct feedback {
	struct staff_run run;
	GByteArray *key;
	long sent_before;
	bool summary_only;	/* the topic in hand: its summary, no outcome */
};

/* The ledger key of ADDR's digest for T's current outcome, or for its
 * summary as recorded (a summary recorded again is news again). */
static void
feedback_key(struct feedback *fb, const struct topic *t, const char *addr)
{
	char rev[48];
	const char *parts[] = { rev, addr };

	if (fb->summary_only)
		snprintf(rev, sizeof rev, "%llu.s%lld",
		    (unsigned long long)t->id, (long long)t->rec.summary_time);
	else
		snprintf(rev, sizeof rev, "%llu.%u",
		    (unsigned long long)t->id, t->rec.outcome_rev);
	ledger_key(fb->key, "feedback", fb->run.comm_id, parts, 2);
}

/* ADDR's posts among POSTS as template items, with excerpts; the
 * greeting name from the first. */
static char *
fill_own_posts(struct feedback *fb, GPtrArray *posts, const char *addr,
    struct tmpl_ctx *ctx)
{
	char *name = NULL;

	for (guint i = 0; i < posts->len; i++) {
		const struct post *p = posts->pdata[i];
		struct tmpl_ctx *item;
		MDB_val raw;
		char date[11], *text;

		if (!post_is_member(p) || strcmp(p->from, addr) != 0 ||
		    store_raw_get(&fb->run.cli.st,
		    fb->run.txn, p->msg, &raw) != 0)
			continue;
		if (name == NULL)
			name = member_greeting_name(&fb->run.cli.st,
			    fb->run.txn, fb->run.comm_id, addr, raw.mv_data,
			    raw.mv_size);
		item = tmpl_ctx_add_item(ctx, "posts");
		period_date(fb->run.period.tz, p->time, date, sizeof date);
		tmpl_ctx_set(item, "subject", p->subject);
		tmpl_ctx_set(item, "date", date);
		text = msg_excerpt(raw.mv_data, raw.mv_size, EXCERPT_BYTES);
		tmpl_ctx_set(item, "excerpt", text);
		g_free(text);
	}
	return name ? name : g_strdup("");
}

/* The digest of topic T to participant ADDR. */
static void
send_digest(struct feedback *fb, const struct topic *t, GPtrArray *posts,
    const char *addr)
{
	struct tmpl_ctx *ctx = tmpl_ctx_new();
	struct compose_addr to;
	char *name;
	int rc;

	tmpl_ctx_set(ctx, "topic_title", t->title);
	tmpl_ctx_set_bool(ctx, "summary_only", fb->summary_only);
	mail_set_topic_status(ctx, t->rec.status);
	mail_set_markdown(ctx, "question_text", "question_html", t->question);
	mail_set_markdown(ctx, "summary_text", "summary_html", t->summary);
	mail_set_markdown(ctx, "outcome_text", "outcome_html", t->outcome);
	name = fill_own_posts(fb, posts, addr, ctx);
	tmpl_ctx_set(ctx, "greeting_name", name);
	to.name = name;
	to.addr = addr;
	staff_run_mail(&fb->run, "feedback", ctx, &to, 1);
	if (fb->run.send && (rc = ledger_put(&fb->run.cli.st, fb->run.txn,
	    fb->key, fb->run.now)) != 0)
		staff_run_fail(&fb->run, EX_CANTCREAT, "ledger: %s",
		    mdb_strerror(rc));
	g_free(name);
	tmpl_ctx_free(ctx);
}

/* The members who posted in topic T (member posts, activity.h), each
 * once, in order of their first post. */
static GPtrArray *
participants(const struct topic *t, GPtrArray *posts)
{
	GPtrArray *who = g_ptr_array_new();
	GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);

	for (guint i = 0; i < posts->len; i++) {
		struct post *p = posts->pdata[i];

		if (p->msg != t->rec.msg && post_is_member(p) &&
		    g_hash_table_add(seen, p->from))
			g_ptr_array_add(who, p->from);
	}
	g_hash_table_unref(seen);
	return who;
}

static int
topic_feedback(struct topic *t, void *arg)
{
	struct feedback *fb = arg;
	const struct period *p = &fb->run.period;
	GPtrArray *posts, *who;
	int rc;

	bool outcome = t->rec.outcome_rev != 0 &&
	    t->rec.outcome_time >= p->since && t->rec.outcome_time < p->until;
	bool summary = t->rec.outcome_rev == 0 && t->summary[0] != '\0' &&
	    t->rec.summary_time >= p->since && t->rec.summary_time < p->until;

	if (!outcome && !summary)
		return 0;
	fb->summary_only = summary;
	posts = g_ptr_array_new_with_free_func((GDestroyNotify)post_free);
	rc = activity_topic_posts(&fb->run.cli.st, fb->run.txn,
	    fb->run.community, t, posts);
	who = participants(t, posts);
	for (guint i = 0; rc == 0 && i < who->len; i++) {
		if (!compose_addr_valid(who->pdata[i])) {
			warnx("%s: not an address kring can send to; no digest",
			    (char *)who->pdata[i]);
			continue;
		}
		feedback_key(fb, t, who->pdata[i]);
		rc = ledger_get(&fb->run.cli.st, fb->run.txn, fb->key, NULL);
		if (rc == 0)
			fb->sent_before++;
		else if (rc == MDB_NOTFOUND) {
			send_digest(fb, t, posts, who->pdata[i]);
			rc = 0;
		}
	}
	g_ptr_array_unref(who);
	g_ptr_array_unref(posts);
	return rc;
}

int
main(int argc, char **argv)
{
	struct feedback fb = { 0 };
	int rc;

	msginfo_global_init();
	staff_run_start(&fb.run, "feedback", argc, argv, 14, usage);
	fb.key = g_byte_array_new();
	if ((rc = topic_each(&fb.run.cli.st, fb.run.txn, fb.run.comm_id,
	    topic_feedback, &fb)) != 0)
		staff_run_fail(&fb.run, EX_SOFTWARE, "%s", mdb_strerror(rc));
	if (fb.sent_before > 0)
		fprintf(stderr, "kring feedback: %ld digest(s) sent before, "
		    "not again\n", fb.sent_before);
	g_byte_array_unref(fb.key);
	staff_run_finish(&fb.run);
	return 0;
}
