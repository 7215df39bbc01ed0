/*
 * period.h: the period a staff tool reports on.  Given --since and
 * --until (ISO dates or times, UTC; a bare date is its midnight, so
 * "--since 2026-11-01 --until 2026-11-15" is the first two weeks of
 * November), that; otherwise from the end of the tool's last run with
 * --send (recorded in the ledger) until now; on a first run, the
 * tool's default length back from now.
 */
#ifndef KRING_PERIOD_H
#define KRING_PERIOD_H

#include <stddef.h>
#include <stdint.h>
#include "kring/store.h"

struct period {
	int64_t since, until;
	/* "YYYY-MM-DD": the first and the last day in the period */
	char since_text[11], until_text[11];
};

/*
 * Fill P for TOOL in COMMUNITY.  SINCE and UNTIL are the options or
 * NULL; NOW is kring_now(); DEFAULT_DAYS the first run's length.
 * Returns 0, or -1 with ERR ("--since: not a date", an empty period).
 */
int period_resolve(struct store *st, MDB_txn *txn, uint32_t community,
    const char *tool, const char *since, const char *until, int64_t now,
    long default_days, struct period *p, char *err, size_t errlen);

/* Record that TOOL covered COMMUNITY up to P->until (in TXN, a write
 * transaction, with the mail it sent).  0 or an LMDB code. */
int period_record(struct store *st, MDB_txn *txn, uint32_t community,
    const char *tool, const struct period *p);

/* "YYYY-MM-DD" of T (UTC) into BUF of at least 11 bytes. */
void period_date(int64_t t, char *buf, size_t len);

#endif
