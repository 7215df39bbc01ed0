/*
 * held.h: posts held for a moderator.  A held post is kept whole until a
 * moderator decides, its sender withdraws it or it expires; then its
 * bytes go and a small record stays, so that a second decision can be
 * told what the first one was.
 *
 *   held      u64 held id -> struct held_rec, then three NUL-terminated
 *             strings: envelope sender, author (From address), subject
 *             (UTF-8), then the address that decided ("" for none)
 *   held_raw  u64 held id -> the message as kringd took it (our Received
 *             line first, rec.header_len bytes of it); only while waiting
 *
 * Ids come from the meta counter "next_held".
 */
#ifndef KRING_HELD_H
#define KRING_HELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kring/member.h"
#include "kring/store.h"

#define HELD_REC_VERSION 1
#define HELD_SUBJECT_MAX 200	/* bytes of the subject kept */

enum held_state {
	HELD_WAITING = 0, HELD_APPROVED, HELD_REJECTED, HELD_DISCARDED,
	HELD_WITHDRAWN, HELD_EXPIRED, HELD__NSTATE
};

/* Why a post is held (moderation.h). */
enum held_why {
	HOLD_NONE = 0, HOLD_OUTSIDER, HOLD_NEW_MEMBER, HOLD_SIZE,
	HOLD_ATTACHMENT, HOLD__N
};

#define HELD_REMINDED 1u	/* the moderators had their reminder */

struct held_rec {
	uint32_t version;
	uint32_t community;
	int64_t time;		/* when it came */
	int64_t expires;	/* when it expires undecided */
	int64_t decided;	/* when it was decided; 0 while waiting */
	uint32_t state;		/* enum held_state */
	uint32_t why;		/* enum held_why */
	uint32_t flags;		/* HELD_* */
	uint32_t size;		/* bytes of the message */
	uint32_t header_len;	/* of our Received line */
	uint32_t pad;
};

struct held {
	uint64_t id;
	struct held_rec rec;
	char sender[MEMBER_ADDR_MAX + 1];	/* envelope, lower case */
	char author[MEMBER_ADDR_MAX + 1];	/* From address, lower case */
	char subject[HELD_SUBJECT_MAX + 1];
	char decided_by[MEMBER_ADDR_MAX + 1];	/* "" for the server or none */
};

/* Store H (H->id 0: a new id, set) and, for a new one, RAW (LEN bytes). */
int held_put(struct store *st, MDB_txn *txn, struct held *h, const char *raw,
    size_t len);
/* Held post ID into *H; MDB_NOTFOUND when there is none. */
int held_get(struct store *st, MDB_txn *txn, uint64_t id, struct held *h);
/* Its bytes, while it waits (MDB_NOTFOUND after). */
int held_raw(struct store *st, MDB_txn *txn, uint64_t id, MDB_val *raw);
/*
 * Mark H decided (STATE, by BY or "" at NOW) and drop its bytes.  -2 when
 * it was decided already (*H then holds the first decision).
 */
int held_decide(struct store *st, MDB_txn *txn, struct held *h,
    enum held_state state, const char *by, int64_t now);
/* Call FN for each held post in id order until it returns non-zero
 * (that value is returned). */
typedef int (*held_fn)(const struct held *h, void *arg);
int held_walk(struct store *st, MDB_txn *txn, held_fn fn, void *arg);
/* Drop the records of posts decided before BEFORE. */
int held_prune(struct store *st, MDB_txn *txn, int64_t before, size_t *n);

const char *held_state_name(uint32_t state);
const char *held_why_name(uint32_t why);

#endif
