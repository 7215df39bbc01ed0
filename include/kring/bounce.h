/*
 * bounce.h: bounces, from the return path to a member's suspension.
 *
 * A bounce comes to a signed return path (verp.h) that names the member
 * and the post; what it says (dsn.h) makes its class:
 *
 *   hard     5.1.x (no such address), 5.2.1 (mailbox disabled), or a
 *            5.0.0 that says there is no such user      counts 1
 *   soft     other permanent failures (5.2.2 mailbox full, 5.3.x,
 *            5.4.x ...), and 4.x.x given up on           counts 0.5
 *   policy   5.7.x: refused as spam or by policy: the address works;
 *            recorded, not counted
 *   delayed  Action: delayed, a warning only: not counted
 *   success  Action: delivered, relayed, expanded: the score goes back
 *            to 0 and a suspension is lifted
 *
 * At most one bounce a day counts, so that one full mailbox and a busy
 * day do not suspend anyone.  The score halves every
 * bounce_half_life_days; at bounce_score_limit the member's delivery is
 * suspended (MEMBER_SUSPENDED) and they are told, at that address in
 * case it recovers, that mail to community+resume@domain (or a reply)
 * starts it again; so does a post of theirs.
 *
 * DB_BOUNCE: u32 community, lower-case address -> struct bounce_rec,
 * then the last diagnostic (UTF-8, no NUL).
 */
#ifndef KRING_BOUNCE_H
#define KRING_BOUNCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>
#include "kring/config.h"
#include "kring/dsn.h"
#include "kring/store.h"

enum bounce_class {
	BOUNCE_NOT = 0, BOUNCE_DELAYED, BOUNCE_SUCCESS, BOUNCE_POLICY,
	BOUNCE_SOFT, BOUNCE_HARD, BOUNCE__N
};

#define BOUNCE_REC_VERSION 1

struct bounce_rec {
	uint32_t version;
	uint32_t score;		/* thousandths, as of UPDATED */
	int64_t updated;	/* when SCORE was last worked out */
	int64_t last_counted;	/* the last bounce that counted; 0 none */
	int64_t last_seen;	/* the last bounce of any class; 0 none */
	int64_t suspended;	/* when delivery stopped; 0: it did not */
	uint32_t counted;	/* bounces that counted, in all */
	uint32_t policy;	/* policy refusals, in all */
	uint32_t delayed;	/* delay notices, in all */
	uint32_t last_class;	/* enum bounce_class of the last one */
	char last_status[16];	/* its status code, "" unknown */
};

struct bounce_info {
	struct bounce_rec rec;
	char diagnostic[DSN_DIAG_MAX + 1];	/* the last one's */
};

/* The block of REPORT about ADDRESS, else its first failed one, else
 * its first; NULL when it has none. */
const struct dsn_rcpt *bounce_pick(const struct dsn_report *report,
    const char *address);
enum bounce_class bounce_classify(const struct dsn_rcpt *r);
const char *bounce_class_name(uint32_t c);

/* ADDRESS's record in COMMUNITY; MDB_NOTFOUND: none (*B cleared). */
int bounce_get(struct store *st, MDB_txn *txn, uint32_t community,
    const char *address, struct bounce_info *b);
int bounce_put(struct store *st, MDB_txn *txn, uint32_t community,
    const char *address, const struct bounce_info *b);

/* B's score at NOW under C's half-life (NULL: the default, 7 days), in
 * thousandths. */
uint32_t bounce_score_at(const struct bounce_info *b,
    const struct community_conf *c, int64_t now);

/* Where the bounce processing works; PREVIEW as in moderation.h. */
struct bounce_ctx {
	struct store *st;
	MDB_txn *txn;			/* a write transaction */
	const struct kring_config *conf;
	const unsigned char *key;	/* the store's secret; NULL: none */
	int64_t now;
	GByteArray *preview;
};

/*
 * The bounce RAW (LEN bytes) that came to return path DETAIL (after
 * "bounce-") of community C: attribute, classify, count, and suspend
 * past the limit.  OUTCOME (OLEN bytes) gets a few words for the log.
 * A bounce that cannot be attributed changes nothing.  Returns 0 or an
 * LMDB code.
 */
int bounce_handle(const struct bounce_ctx *bx, const struct community_conf *c,
    const char *detail, const char *raw, size_t len, char *outcome,
    size_t olen);

/* ADDRESS of COMMUNITY wrote or asked to resume at NOW: the score goes
 * and a suspension is lifted (*LIFTED).  Returns 0 or an LMDB code. */
int bounce_lift(struct store *st, MDB_txn *txn, uint32_t community,
    const char *address, int64_t now, bool *lifted);

#endif
