/*
 * ratelimit.h: at most LIMIT of a kind of thing per WHO in a sliding
 * window, counted in the store (DB_LEDGER, kind "rate:KIND"), so a
 * restart forgets nothing.  Used for the mail kring sends in answer to
 * member commands: nobody can make kring mail someone at will.
 */
#ifndef KRING_RATELIMIT_H
#define KRING_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>
#include "kring/store.h"

/*
 * Count one KIND for WHO in COMMUNITY at NOW when fewer than LIMIT were
 * counted in the WINDOW seconds before: *ALLOWED true.  Otherwise
 * nothing is counted and *ALLOWED is false.  Marks older than the
 * window are removed on the way.  Returns 0 or an LMDB code.
 */
int rate_take(struct store *st, MDB_txn *txn, const char *kind,
    uint32_t community, const char *who, long limit, int64_t window,
    int64_t now, bool *allowed);

#endif
