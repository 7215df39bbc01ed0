/*
 * membership.h: carrying out a member's command (membercmd.h) inside the
 * write transaction that takes their mail: the member record changes and
 * the answer enters the outbox together, or neither does.
 *
 * Joining and leaving are confirmed (double opt-in): the answer to
 * +subscribe is a confirmation whose Reply-To is the confirm address
 * community+confirm-TOKEN@domain (membertoken.h); a reply to it, or any
 * mail to that address, completes the action.  A token works once (the
 * ledger, kind "token"), until it expires, and only for the address it
 * was made for.  Every answer counts against the address's limit
 * (ratelimit.h, limits.member_requests_per_address a day); past it kring
 * still does what a genuine command asks but sends no answer.
 */
#ifndef KRING_MEMBERSHIP_H
#define KRING_MEMBERSHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>
#include "kring/config.h"
#include "kring/membercmd.h"
#include "kring/store.h"

struct membership {
	struct store *st;
	MDB_txn *txn;			/* a write transaction */
	const struct kring_config *conf;
	const struct community_conf *c;
	const unsigned char *key;	/* the store's secret (staffauth.h) */
	int64_t now;
	/* An admin acts (kring member): no daily limit.  PREVIEW not NULL:
	 * the answers are appended to it as an mbox, not enqueued (the
	 * caller aborts the transaction). */
	bool admin;
	GByteArray *preview;
};

/* The mail that carries the command. */
struct member_mail {
	const char *address;	/* its From address, lower case */
	const char *name;	/* the From display name, "" for none */
	const char *subject;	/* decoded, "" for none */
};

/*
 * Do R, asked by the mail IN, in community MS->c.  OUTCOME (OLEN bytes)
 * gets a few words for the log ("confirmation sent", "joined"...).
 * Returns 0, or an LMDB code (the caller aborts the transaction), or -1
 * with OUTCOME saying why no answer could be made (a template error).
 */
int membership_handle(const struct membership *ms,
    const struct member_request *r, const struct member_mail *in,
    char *outcome, size_t olen);

/* Staff admit (APPROVE) or turn down the applicant ADDRESS of a closed
 * community, who is told either way.  -2 when ADDRESS has not applied. */
int membership_decide(const struct membership *ms, const char *address,
    bool approve, char *outcome, size_t olen);

/* Invite ADDRESS (NAME may be ""): a mail with an accept address
 * (community+confirm-TOKEN@domain, Reply-To too) whose use makes them a
 * member, in a closed community too.  -2 when they are a member. */
int membership_invite(const struct membership *ms, const char *address,
    const char *name, char *outcome, size_t olen);

/* ADDRESS leaves at once (one-click unsubscribe, whose token the caller
 * checked) and gets the goodbye.  -2 when they are not a member. */
int membership_leave(const struct membership *ms, const char *address,
    char *outcome, size_t olen);

/* Seconds a confirm address works: limits.confirm_hours. */
int64_t membership_confirm_seconds(const struct kring_config *conf);

#endif
