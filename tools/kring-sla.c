/*
 * kring-sla: the watch on staff response time.  Lists the member posts
 * that staff have not answered within the community's promise
 * (response_hours), with the period's figures; with --send, alerts the
 * community's staff, once per overdue post (the ledger records each).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "kring/activity.h"
#include "kring/author.h"
#include "kring/ledger.h"
#include "kring/msginfo.h"
#include "kring/sla.h"
#include "kring/stafftool.h"
#include "kring/util.h"

static void
usage(FILE *out, int status)
{
	fprintf(out, "usage: kring sla [-s DIR] [-c FILE] [--community C]\n"
	    "                 [--since DATE] [--until DATE] [--send [--once]]\n\n"
	    "Member posts without a staff answer after the community's\n"
	    "promise (response_hours, default 24): the figures on stderr and\n"
	    "an alert to the staff, previewed as an mbox on stdout or with\n"
	    "--send queued, naming each overdue post once.  By default the\n"
	    "posts since the last run, or of the last 7 days, and the promise\n"
	    "before that (so that none is missed).\n");
	exit(status);
}

/* True when the alert for post P was sent before. */
static bool
alerted(struct staff_run *r, GByteArray *key, const struct post *p)
{
	int rc;

	ledger_key(key, "sla", r->comm_id, (const char *const *)&p->message_id,
	    1);
	rc = ledger_get(&r->cli.st, r->txn, key, NULL);
	if (rc != 0 && rc != MDB_NOTFOUND)
		staff_run_fail(r, EX_SOFTWARE, "ledger: %s", mdb_strerror(rc));
	return rc == 0;
}

/* The overdue posts not alerted before, as template items; recorded in
 * the ledger with --send.  Returns how many. */
static long
fill_overdue(struct staff_run *r, const struct sla_figures *s,
    struct tmpl_ctx *ctx)
{
	GByteArray *key = g_byte_array_new();
	long n = 0;
	int rc;

	for (guint i = 0; i < s->overdue->len; i++) {
		const struct post *p = s->overdue->pdata[i];
		struct tmpl_ctx *item;
		char date[32], *label;

		if (alerted(r, key, p))
			continue;
		item = tmpl_ctx_add_item(ctx, "posts");
		period_iso(r->period.tz, p->time, date, sizeof date);
		tmpl_ctx_set(item, "subject", p->subject);
		label = author_label(&r->cli.st, r->txn, p->msg, p->from);
		tmpl_ctx_set(item, "author", label);
		g_free(label);
		tmpl_ctx_set(item, "date", date);
		tmpl_ctx_set_int(item, "age_hours", (long)((r->now - p->time) /
		    3600));
		if (r->send && (rc = ledger_put(&r->cli.st, r->txn, key,
		    r->now)) != 0)
			staff_run_fail(r, EX_CANTCREAT, "ledger: %s",
			    mdb_strerror(rc));
		n++;
	}
	g_byte_array_unref(key);
	return n;
}

static void
report(const struct staff_run *r, const struct sla_figures *s, long fresh)
{
	char median[32];

	char within[64];

	sla_median_text(s, NULL, median, sizeof median);
	/* A share of nothing is no figure: say that none was due. */
	if (s->due > 0)
		snprintf(within, sizeof within, "%ld%% of %ld due",
		    sla_within_pct(s), s->due);
	else
		snprintf(within, sizeof within, "none due");
	fprintf(stderr, "kring sla: %s to %s: %ld member post(s), %ld "
	    "answered (median %s), %s within %ld h; %ld overdue, %ld not "
	    "alerted before\n", r->period.since_text, r->period.until_text,
	    s->member_posts, s->answered, median, within, s->promise_hours,
	    (long)s->overdue->len, fresh);
}

int
main(int argc, char **argv)
{
	struct staff_run r;
	struct activity act;
	struct sla_figures s;
	struct tmpl_ctx *ctx = tmpl_ctx_new();
	struct compose_addr *staff;
	size_t nstaff;
	long fresh;
	int rc;

	msginfo_global_init();
	staff_run_start(&r, "sla", argc, argv, 7, usage);
	if (r.cli.since == NULL) {	/* posts not yet due at the last run */
		r.period.since -= r.community->response_hours * 3600;
		period_date(r.period.tz, r.period.since, r.period.since_text,
		    sizeof r.period.since_text);
	}
	staff = staff_run_staff(&r, &nstaff);
	if ((rc = activity_scan(&r.cli.st, r.txn, r.comm_id, r.community,
	    r.period.since, r.period.until, &act)) != 0)
		staff_run_fail(&r, EX_SOFTWARE, "%s", mdb_strerror(rc));
	sla_compute(&act, r.now, r.community->response_hours, &s);
	fresh = fill_overdue(&r, &s, ctx);
	report(&r, &s, fresh);
	if (fresh > 0 && nstaff == 0)
		staff_run_fail(&r, EX_CONFIG, "%s: community \"%s\" has no "
		    "staff to alert", r.cli.conf.path, r.community->name);
	tmpl_ctx_set_int(ctx, "promise_hours", s.promise_hours);
	tmpl_ctx_set_bool(ctx, "to_staff", true);	/* for the footer */
	tmpl_ctx_set_int(ctx, "count", fresh);
	if (fresh > 0)
		staff_run_mail(&r, "sla", ctx, staff, nstaff);
	sla_free(&s);
	activity_free(&act);
	tmpl_ctx_free(ctx);
	g_free(staff);
	staff_run_finish(&r);
	return 0;
}
