/*
 * moderation.h: posts that wait for a moderator (held.h), from the
 * hold to the decision.
 *
 * Held, per community (kring.conf): a non-member's post where
 * hold_outside_posts is set, a new member's first hold_first_posts
 * posts, a post over hold_size_kb, or one with an attachment where
 * hold_attachments is set.  Staff and members with the role moderator
 * or owner are never held; neither is mail from a robot or a loop (it is
 * kept, not distributed, as before).
 *
 * Each moderator (the community's staff, and its members with the role
 * moderator or owner) gets a "held" mail with three addresses, all
 * community+mod-VERB-ID-TOKEN@domain (VERB approve, reject, discard),
 * and Reply-To community+mod-ID-TOKEN@domain, where the first word of
 * the reply says (approve, reject, discard; goedkeuren, afwijzen,
 * weggooien); the rest of a rejection's text goes to the sender as the
 * reason.  The sender gets a "held-note" with community+withdraw-ID-
 * TOKEN@domain.  Tokens (membertoken.h, MACT_MODERATE and MACT_WITHDRAW)
 * are made for "held:ID" and live as long as the post waits; a verdict
 * by mail also needs its From to be a moderator.  The first decision
 * wins: a later one changes nothing and is told what the first was.
 *
 * Undecided, a post expires after hold_days (its addresses stop
 * working then) and its sender is told; the moderators get one reminder
 * a day before (half the hold time before, when that is shorter).
 * kringd sweeps for both every minute (moderation_sweep).
 */
#ifndef KRING_MODERATION_H
#define KRING_MODERATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>
#include "kring/config.h"
#include "kring/held.h"
#include "kring/membership.h"
#include "kring/store.h"

struct moderation {
	struct store *st;
	MDB_txn *txn;			/* a write transaction */
	const struct kring_config *conf;
	const struct community_conf *c;
	const unsigned char *key;	/* the store's secret; NULL: none */
	int64_t now;
	/* PREVIEW not NULL: the mail is appended to it as an mbox, not
	 * enqueued (the caller aborts the transaction). */
	GByteArray *preview;
};

enum mod_verdict {
	MOD_APPROVE = 'a', MOD_REJECT = 'r', MOD_DISCARD = 'd',
	MOD_WITHDRAW = 'w',
};

/*
 * Why the post RAW (LEN bytes, without our Received line) from envelope
 * SENDER and author AUTHOR should wait in M->c, or HOLD_NONE.  *RC gets
 * an LMDB code on a store error (the post is then not held).
 */
enum held_why moderation_why(const struct moderation *m, const char *sender,
    const char *author, const char *raw, size_t len, int *rc);

/*
 * Hold RAW (LEN bytes, our Received line the first HEADER_LEN) from
 * SENDER for WHY: store it, mail the moderators and the sender.  *ID gets
 * the held id.  Returns 0 or an LMDB code.
 */
int moderation_hold(const struct moderation *m, const char *raw, size_t len,
    size_t header_len, const char *sender, enum held_why why, uint64_t *id);

/*
 * VERDICT on held post ID, by BY (an address; "" on the server), with
 * REASON for a rejection (NULL or "": none).  An approved post is stored
 * as a post of M->c and fanned out (*FANNED true).  *H gets the record
 * (after a -2: the first decision).  Returns 0, -2 when it was decided
 * already, MDB_NOTFOUND when there is no such post, or an LMDB code.
 */
int moderation_decide(const struct moderation *m, uint64_t id,
    enum mod_verdict verdict, const char *by, const char *reason,
    struct held *h, bool *fanned);

/*
 * R (MCMD_MODERATE) from the mail IN whose own text (quotes and
 * signature left out) is TEXT: check the token and the moderator,
 * decide, and answer by mail.  OUTCOME (OLEN bytes) gets a few words for
 * the log.  Returns 0 or an LMDB code.
 */
int moderation_by_mail(const struct moderation *m,
    const struct member_request *r, const struct member_mail *in,
    const char *text, bool *fanned, char *outcome, size_t olen);

/* What moderation_sweep did. */
struct mod_sweep {
	size_t reminded;	/* posts the moderators were reminded of */
	size_t expired;		/* posts that expired */
	size_t pruned;		/* records of old decisions dropped */
};

/*
 * The held posts of M->c at M->now: remind the moderators of those near
 * their expiry, expire those past it (telling the sender), and drop the
 * records of decisions older than 30 days (of every community).
 * Returns 0 or an LMDB code.
 */
int moderation_sweep(const struct moderation *m, struct mod_sweep *done);

/* True when ADDRESS moderates M->c: staff, or a member with the role
 * moderator or owner. */
bool moderation_is_moderator(const struct moderation *m, const char *address);

#endif
