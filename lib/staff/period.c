/*
 * period.c: the period of a staff tool's run (period.h).
 */
#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "kring/ledger.h"
#include "kring/period.h"
#include "kring/util.h"

void
period_date(int64_t t, char *buf, size_t len)
{
	char iso[32];

	time_iso(t, iso, sizeof iso);
	snprintf(buf, len, "%.10s", iso);
}

/* The end of TOOL's last recorded run into *WHEN; MDB_NOTFOUND if none. */
static int
last_run(struct store *st, MDB_txn *txn, uint32_t community,
    const char *tool, int64_t *when)
{
	GByteArray *key = g_byte_array_new();
	int rc;

	ledger_key(key, "run", community, &tool, 1);
	rc = ledger_get(st, txn, key, when);
	g_byte_array_unref(key);
	return rc;
}

int
period_resolve(struct store *st, MDB_txn *txn, uint32_t community,
    const char *tool, const char *since, const char *until, int64_t now,
    long default_days, struct period *p, char *err, size_t errlen)
{
	int rc;

	p->until = now;
	if (until != NULL && time_parse(until, &p->until) != 0) {
		snprintf(err, errlen, "--until: \"%s\" is not a date", until);
		return -1;
	}
	if (since != NULL) {
		if (time_parse(since, &p->since) != 0) {
			snprintf(err, errlen, "--since: \"%s\" is not a date",
			    since);
			return -1;
		}
	} else if ((rc = last_run(st, txn, community, tool, &p->since)) != 0) {
		if (rc != MDB_NOTFOUND) {
			snprintf(err, errlen, "%s", mdb_strerror(rc));
			return -1;
		}
		p->since = p->until - default_days * 86400;
	}
	if (p->since >= p->until) {
		snprintf(err, errlen, "the period is empty: it ends before it "
		    "starts (or the last run covered it already)");
		return -1;
	}
	period_date(p->since, p->since_text, sizeof p->since_text);
	/* The last day in it: a period ending at midnight ends the day
	 * before. */
	period_date(p->until - 1, p->until_text, sizeof p->until_text);
	return 0;
}

int
period_record(struct store *st, MDB_txn *txn, uint32_t community,
    const char *tool, const struct period *p)
{
	GByteArray *key = g_byte_array_new();
	int rc;

	ledger_key(key, "run", community, &tool, 1);
	rc = ledger_put(st, txn, key, p->until);
	g_byte_array_unref(key);
	return rc;
}
