/*
 * period.c: the period of a staff tool's run (period.h).
 */
#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "kring/ledger.h"
#include "kring/period.h"
#include "kring/util.h"

/* T in zone TZ (NULL: UTC); NULL when T is out of GLib's range. */
static GDateTime *
local_time(GTimeZone *tz, int64_t t)
{
	GDateTime *utc = g_date_time_new_from_unix_utc(t), *dt;

	if (utc == NULL || tz == NULL)
		return utc;
	dt = g_date_time_to_timezone(utc, tz);
	g_date_time_unref(utc);
	return dt;
}

/* T formatted with FMT in TZ into BUF; ISO UTC when GLib cannot. */
static void
local_format(GTimeZone *tz, int64_t t, const char *fmt, size_t width,
    char *buf, size_t len)
{
	GDateTime *dt = local_time(tz, t);
	char *text = dt != NULL ? g_date_time_format(dt, fmt) : NULL;

	if (text != NULL)
		snprintf(buf, len, "%s", text);
	else {
		char iso[32];

		time_iso(t, iso, sizeof iso);
		snprintf(buf, len, "%.*s", (int)width, iso);
	}
	g_free(text);
	if (dt != NULL)
		g_date_time_unref(dt);
}

void
period_date(GTimeZone *tz, int64_t t, char *buf, size_t len)
{
	local_format(tz, t, "%Y-%m-%d", 10, buf, len);
}

void
period_time(GTimeZone *tz, int64_t t, char *buf, size_t len)
{
	local_format(tz, t, "%Y-%m-%d %H:%M", 16, buf, len);
}

void
period_iso(GTimeZone *tz, int64_t t, char *buf, size_t len)
{
	GDateTime *dt = local_time(tz, t);
	char *text = dt == NULL ? NULL : g_date_time_format(dt,
	    g_date_time_get_utc_offset(dt) == 0 ? "%Y-%m-%dT%H:%M:%SZ" :
	    "%Y-%m-%dT%H:%M:%S%:z");

	if (text != NULL)
		snprintf(buf, len, "%s", text);
	else
		time_iso(t, buf, len);
	g_free(text);
	if (dt != NULL)
		g_date_time_unref(dt);
}

int64_t
period_add_days(GTimeZone *tz, int64_t t, long days)
{
	GDateTime *dt = local_time(tz, t), *moved;
	int64_t r = t + (int64_t)days * 86400;	/* out of GLib's range */

	if (dt == NULL)
		return r;
	/* GLib keeps the local time of day and finds it again in TZ. */
	if ((moved = g_date_time_add_days(dt, (gint)days)) != NULL) {
		r = g_date_time_to_unix(moved);
		g_date_time_unref(moved);
	}
	g_date_time_unref(dt);
	return r;
}

long
period_day_number(GTimeZone *tz, int64_t t)
{
	GDateTime *dt = local_time(tz, t), *day;
	long r = (long)((t - (((t % 86400) + 86400) % 86400)) / 86400);
	int y, m, d;

	if (dt == NULL)
		return r;
	g_date_time_get_ymd(dt, &y, &m, &d);
	if ((day = g_date_time_new_utc(y, m, d, 0, 0, 0)) != NULL) {
		r = (long)(g_date_time_to_unix(day) / 86400);
		g_date_time_unref(day);
	}
	g_date_time_unref(dt);
	return r;
}

/* Parse an option: Unix seconds, an ISO time (in TZ unless it has its
 * own offset) or a bare date (its midnight in TZ).  0 or -1. */
static int
period_parse(const char *text, GTimeZone *tz, int64_t *t)
{
	GTimeZone *utc = NULL;
	GDateTime *dt;
	char buf[64];
	long secs;

	if (parse_long(text, 0, 0x7fffffffffffL, &secs) == 0) {
		*t = secs;
		return 0;
	}
	if (strlen(text) == 10) {
		snprintf(buf, sizeof buf, "%sT00:00:00", text);
		text = buf;
	}
	if (tz == NULL)
		tz = utc = g_time_zone_new_utc();
	dt = g_date_time_new_from_iso8601(text, tz);
	if (utc != NULL)
		g_time_zone_unref(utc);
	if (dt == NULL)
		return -1;
	*t = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return 0;
}

int
period_last_run(struct store *st, MDB_txn *txn, uint32_t community,
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
    long default_days, GTimeZone *tz, struct period *p, char *err,
    size_t errlen)
{
	int rc;

	p->tz = tz;
	p->until = now;
	if (until != NULL && period_parse(until, tz, &p->until) != 0) {
		snprintf(err, errlen, "--until: \"%s\" is not a date", until);
		return -1;
	}
	if (since != NULL) {
		if (period_parse(since, tz, &p->since) != 0) {
			snprintf(err, errlen, "--since: \"%s\" is not a date",
			    since);
			return -1;
		}
	} else if ((rc = period_last_run(st, txn, community, tool,
	    &p->since)) != 0) {
		if (rc != MDB_NOTFOUND) {
			snprintf(err, errlen, "%s", mdb_strerror(rc));
			return -1;
		}
		p->since = period_add_days(tz, p->until, -default_days);
	}
	if (p->since >= p->until) {
		if (since != NULL)
			snprintf(err, errlen, "the period is empty: --since "
			    "\"%s\" is not before %s%s%s", since,
			    until ? "--until \"" : "now", until ? until : "",
			    until ? "\"" : "");
		else
			snprintf(err, errlen, "the period is empty: the last "
			    "run with --send covered it already");
		return -1;
	}
	period_date(tz, p->since, p->since_text, sizeof p->since_text);
	/* The last day in it: a period ending at midnight ends the day
	 * before. */
	period_date(tz, p->until - 1, p->until_text, sizeof p->until_text);
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
