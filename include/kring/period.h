/*
 * period.h: the period a staff tool reports on.  Given --since and
 * --until (ISO dates or times in the community's time zone, unless they
 * say their own offset; a bare date is its local midnight, so "--since
 * 2026-11-01 --until 2026-11-15" is the first two weeks of November),
 * that; otherwise from the end of the tool's last run with --send
 * (recorded in the ledger) until now; on a first run, the tool's
 * default number of days back from now, calendar days in the zone (a
 * day across a daylight-saving switch is 23 or 25 hours).  Dates are
 * local dates of the zone (GLib's GTimeZone, from kring.conf).
 */
#ifndef KRING_PERIOD_H
#define KRING_PERIOD_H

#include <stddef.h>
#include <stdint.h>
#include <glib.h>
#include "kring/store.h"

struct period {
	int64_t since, until;
	/* "YYYY-MM-DD": the first and the last day in the period, local */
	char since_text[11], until_text[11];
	GTimeZone *tz;	/* the community's zone, borrowed from the config */
};

/*
 * Fill P for TOOL in COMMUNITY, whose zone is TZ.  SINCE and UNTIL are
 * the options or NULL; NOW is kring_now(); DEFAULT_DAYS the first
 * run's length.  Returns 0, or -1 with ERR ("--since: not a date", an
 * empty period).
 */
int period_resolve(struct store *st, MDB_txn *txn, uint32_t community,
    const char *tool, const char *since, const char *until, int64_t now,
    long default_days, GTimeZone *tz, struct period *p, char *err,
    size_t errlen);

/* The end of TOOL's last recorded run for COMMUNITY into *WHEN: 0,
 * MDB_NOTFOUND when it never ran, or another LMDB code. */
int period_last_run(struct store *st, MDB_txn *txn, uint32_t community,
    const char *tool, int64_t *when);

/* Record that TOOL covered COMMUNITY up to P->until (in TXN, a write
 * transaction, with the mail it sent).  0 or an LMDB code. */
int period_record(struct store *st, MDB_txn *txn, uint32_t community,
    const char *tool, const struct period *p);

/* "YYYY-MM-DD" of T in zone TZ (NULL: UTC) into BUF of at least 11
 * bytes. */
void period_date(GTimeZone *tz, int64_t t, char *buf, size_t len);

/* "YYYY-MM-DD HH:MM" of T in zone TZ (NULL: UTC) into BUF of at least
 * 17 bytes. */
void period_time(GTimeZone *tz, int64_t t, char *buf, size_t len);

/* ISO 8601 of T with the offset of zone TZ (NULL: UTC) into BUF of at
 * least 26 bytes: "2026-03-29T00:01:00+01:00", "...Z" at offset 0. */
void period_iso(GTimeZone *tz, int64_t t, char *buf, size_t len);

/* T moved by DAYS calendar days in zone TZ: the same time of day (a
 * time the switch skips moves on to the switch), 23 to 25 hours a day
 * around a daylight-saving switch. */
int64_t period_add_days(GTimeZone *tz, int64_t t, long days);

/* T's local day in zone TZ as a day number (days since 1970-01-01),
 * for counting days and sorting posts into them. */
long period_day_number(GTimeZone *tz, int64_t t);

#endif
