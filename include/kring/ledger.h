/*
 * ledger.h: what kring did once and must not do twice (a thank-you for
 * a post, a feedback digest for an outcome), and where each tool's last
 * period ended.  Written in the same transaction as the mail it records
 * (outbox_enqueue), so a crash loses or repeats neither.
 *
 * DB_LEDGER: the key is KIND, NUL, the community as u32 big-endian, then
 * each part after a NUL; a key longer than LMDB takes is "#" and its
 * SHA-256.  The value is an i64 (big-endian): when it was done, or for
 * "run" keys the end of the last period.
 */
#ifndef KRING_LEDGER_H
#define KRING_LEDGER_H

#include <stddef.h>
#include <stdint.h>
#include <glib.h>
#include "kring/store.h"

/* Fill KEY (cleared first) from KIND, COMMUNITY and the N PARTS. */
void ledger_key(GByteArray *key, const char *kind, uint32_t community,
    const char *const *parts, size_t n);

/* 0 and *VALUE (if VALUE is not NULL) when KEY is there; MDB_NOTFOUND
 * when not; another LMDB code on error. */
int ledger_get(struct store *st, MDB_txn *txn, const GByteArray *key,
    int64_t *value);

/* Record KEY with VALUE (replacing what it had). */
int ledger_put(struct store *st, MDB_txn *txn, const GByteArray *key,
    int64_t value);

#endif
