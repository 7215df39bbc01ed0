/*
 * fanout.h: a post on its way to the members.  The transaction that
 * stores a post records one fan-out job (fanout_add), whatever the
 * number of members; kringd's delivery side then expands it a batch of
 * members per transaction (fanout_step), each batch recording its cursor
 * beside the outbox entries it made, so a crash in the middle sends
 * nobody twice and misses nobody.
 *
 * DB_FANOUT: u64 post msg id -> struct fanout_rec, then NCOMM u32
 * community ids (the post's community first, then its local ones: their
 * members get the central posts too), then the cursor: the last member
 * address done in community INDEX (no NUL; empty: none yet).
 *
 * Each member in each-post mode (every member, for FANOUT_EVERYONE) gets
 * one copy, but the author (unless
 * they want their own posts), and a member of several of the
 * communities only once.  A copy is the shared list copy (listcopy.h)
 * after the member's own fields: List-Unsubscribe (mailto and, with
 * web_url, the one-click URL of RFC 8058) and List-Unsubscribe-Post.
 * Its return path names the member, signed (verp.h).  A member whose
 * mail bounces is suspended (bounce.h) and gets no copies.
 */
#ifndef KRING_FANOUT_H
#define KRING_FANOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kring/config.h"
#include "kring/store.h"

#define FANOUT_REC_VERSION 1
#define FANOUT_MAX_COMMUNITIES (KRING_MAX_COMMUNITIES + 1)

/* An announcement (announce.h): every active member gets it, whatever
 * their delivery mode (each, digest, nomail). */
#define FANOUT_EVERYONE 1u

struct fanout_rec {
	uint32_t version;
	uint32_t ncomm;
	uint32_t index;		/* the community being expanded */
	uint32_t flags;		/* FANOUT_*; 0 in records of before */
	int64_t created;
	uint64_t enqueued;	/* copies made so far */
};

/* Record the fan-out of post MSG of community COMMUNITY (a name of
 * CONF) in TXN, with FLAGS (FANOUT_*). */
int fanout_add(struct store *st, MDB_txn *txn, const struct kring_config *conf,
    const char *community, uint64_t msg, int64_t now, unsigned flags);

/* What fanout_step needs besides the store. */
struct fanout_ctx {
	const struct kring_config *conf;
	const unsigned char *key;	/* for one-click tokens; NULL: none */
	int64_t now;
};

/*
 * Expand the oldest fan-out by up to MAX copies in TXN.  *DID gets the
 * copies made, *POST the post (0 when no fan-out was waiting), *DONE
 * whether that fan-out is finished.  Returns 0 or an LMDB code.
 */
int fanout_step(struct store *st, MDB_txn *txn, const struct fanout_ctx *fx,
    size_t max, size_t *did, uint64_t *post, bool *done);

/* True when a fan-out is waiting. */
bool fanout_pending(struct store *st, MDB_txn *txn);

#endif
