/*
 * stafftool.c: the frame of the staff tools (stafftool.h).
 */
#include <err.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "kring/stafftool.h"
#include "kring/util.h"

static void
staff_run_options(struct staff_run *r, int argc, char **argv,
    void (*usage)(FILE *, int))
{
	static const struct option longopts[] = {
		CLI_LONGOPTS,
		CLI_PERIOD_LONGOPTS,
		{ "send", no_argument, NULL, 'S' },
		{ "once", no_argument, NULL, 'O' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, CLI_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (ch == 'h')
			usage(stdout, 0);
		else if (ch == 'S')
			r->send = true;
		else if (ch == 'O')
			r->once = true;
		else if (!cli_option(&r->cli, ch, optarg))
			usage(stderr, EX_USAGE);
	}
	/* Their output is mail: --json of the common options means nothing. */
	if (optind != argc || r->cli.json)
		usage(stderr, EX_USAGE);
}

/*
 * With --once, a period that a recorded run covered already ends the
 * run here.  kringd's scheduler asks for this: a run it started and
 * then lost (kringd killed, the child left running) may still commit,
 * and the run it starts again must not send the period twice.  Asked
 * in the write transaction, so it waits for the other run's commit.
 */
static void
skip_covered_period(struct staff_run *r)
{
	int64_t covered;
	int rc;

	if (!r->once)
		return;
	rc = period_last_run(&r->cli.st, r->txn, r->comm_id, r->tool, &covered);
	if (rc == MDB_NOTFOUND || (rc == 0 && covered < r->period.until))
		return;
	if (rc != 0)
		staff_run_fail(r, EX_SOFTWARE, "%s: %s", r->cli.st.path,
		    mdb_strerror(rc));
	fprintf(stderr, "kring %s: %s to %s was covered by an earlier run; "
	    "nothing to do\n", r->tool, r->period.since_text,
	    r->period.until_text);
	mdb_txn_abort(r->txn);
	cli_close(&r->cli);
	exit(0);
}

void
staff_run_start(struct staff_run *r, const char *tool, int argc,
    char **argv, long default_days, void (*usage)(FILE *, int))
{
	char name[256], errbuf[512];

	memset(r, 0, sizeof *r);
	r->tool = tool;
	r->cli.need_config = true;	/* staff and language live there */
	staff_run_options(r, argc, argv, usage);
	r->now = kring_now();
	cli_open_store(&r->cli, r->send);
	r->txn = cli_begin(&r->cli, r->send);
	r->comm_id = cli_community(&r->cli, r->txn, name, sizeof name);
	r->community = config_community(&r->cli.conf, name);
	if (r->community == NULL)
		staff_run_fail(r, EX_CONFIG, "%s: no community \"%s\" in the "
		    "config", r->cli.conf.path, name);
	if (period_resolve(&r->cli.st, r->txn, r->comm_id, tool,
	    r->cli.since, r->cli.until, r->now, default_days,
	    r->community->tz, &r->period, errbuf, sizeof errbuf) != 0)
		staff_run_fail(r, EX_USAGE, "%s", errbuf);
	skip_covered_period(r);
	mail_out_init(&r->mo, &r->cli.conf, r->community, &r->cli.st, r->txn,
	    r->send, r->now);
}

void
staff_run_fail(struct staff_run *r, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verrx(status, fmt, ap);
	/* not reached: the transaction dies with the process, uncommitted */
}

void
staff_run_finish(struct staff_run *r)
{
	int rc;

	if (!r->send) {
		if ((r->mo.preview->len > 0 && fwrite(r->mo.preview->data, 1,
		    r->mo.preview->len, stdout) != r->mo.preview->len) ||
		    fflush(stdout) != 0)
			err(EX_IOERR, "stdout");
		fprintf(stderr, "kring %s: %zu message(s) previewed for %s to "
		    "%s (nothing sent; --send sends)\n", r->tool, r->mo.count,
		    r->period.since_text, r->period.until_text);
		mdb_txn_abort(r->txn);
	} else {
		if ((rc = period_record(&r->cli.st, r->txn, r->comm_id,
		    r->tool, &r->period)) != 0 ||
		    (rc = mdb_txn_commit(r->txn)) != 0)
			errx(EX_CANTCREAT, "%s: %s; nothing queued",
			    r->cli.st.path, mdb_strerror(rc));
		fprintf(stderr, "kring %s: %zu message(s) queued for %s to "
		    "%s\n", r->tool, r->mo.count, r->period.since_text,
		    r->period.until_text);
	}
	mail_out_free(&r->mo);
	cli_close(&r->cli);
}

struct compose_addr *
staff_run_staff(const struct staff_run *r, size_t *n)
{
	const struct community_conf *c = r->community;
	struct compose_addr *to = g_new0(struct compose_addr, c->nstaff + 1);

	for (size_t i = 0; i < c->nstaff; i++) {
		to[i].name = c->staff[i].name;
		to[i].addr = c->staff[i].address;
	}
	*n = c->nstaff;
	return to;
}

void
staff_run_mail(struct staff_run *r, const char *kind, struct tmpl_ctx *ctx,
    const struct compose_addr *to, size_t nto)
{
	char errbuf[1024];
	int rc = mail_kind(&r->mo, kind, ctx, to, nto, "auto-generated", errbuf,
	    sizeof errbuf);

	if (rc != 0)	/* -1: a template or the message; else the outbox */
		staff_run_fail(r, rc < 0 ? EX_CONFIG : EX_CANTCREAT, "%s%s%s",
		    nto == 1 ? to[0].addr : "", nto == 1 ? ": " : "", errbuf);
}
