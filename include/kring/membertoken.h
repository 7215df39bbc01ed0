/*
 * membertoken.h: the tokens that prove a member's action by mail
 * (community+confirm-TOKEN@domain) or in a one-click URL.  Nothing is
 * kept for a token: it proves itself.
 *
 *   TOKEN = CODE EXPIRY "." MAC
 *
 * CODE is the action's letter (enum member_action), EXPIRY the last day
 * the token is good for (days since 1970, hex), MAC the first 16 hex
 * digits of an HMAC-SHA256 (GHmac) over a version tag, the action, the
 * community, the member's address in lower case and EXPIRY, under the
 * store's secret (staffauth.h: STAFF_KEY_FILE).  The tag differs from the
 * staff tokens', so neither kind stands for the other.  Tokens are lower
 * case and read in any case: a mail system may fold a local part.  That a
 * token was used already is the caller's to record (ledger.h).
 */
#ifndef KRING_MEMBERTOKEN_H
#define KRING_MEMBERTOKEN_H

#include <stdint.h>

enum member_action {
	MACT_SUBSCRIBE = 's',	/* confirm joining */
	MACT_UNSUBSCRIBE = 'u',	/* confirm leaving; the one-click URL */
	MACT_INVITE = 'i',	/* accept an invitation */
	MACT_APPROVE = 'a',	/* staff: admit an applicant */
	MACT_REJECT = 'r',	/* staff: turn an applicant down */
	MACT_MODERATE = 'm',	/* a moderator: decide on a held post */
	MACT_WITHDRAW = 'w',	/* its sender: take it back */
};

enum member_token_status {
	MTOKEN_OK,
	MTOKEN_MALFORMED,	/* not of the form above */
	MTOKEN_FORGED,		/* the MAC does not match */
	MTOKEN_EXPIRED,		/* genuine, but past its day */
	MTOKEN_OTHER_ACTION,	/* genuine, for another action */
};

#define MEMBER_TOKEN_MAX 32	/* longest token, NUL included */

/*
 * The token for ACTION by ADDRESS in COMMUNITY, good until EXPIRES (Unix
 * time, rounded up to the end of its day), under KEY (STAFF_KEY_LEN
 * bytes).  g_free.
 */
char *member_token_make(const unsigned char *key, enum member_action action,
    const char *community, const char *address, int64_t expires);

/*
 * Check TOKEN for ADDRESS in COMMUNITY at NOW.  WANT is the action the
 * token must be for, or 0 for any; *ACTION (when not NULL) gets the
 * token's action when it is genuine.  Every MAC is compared in full
 * (no timing hint).
 */
enum member_token_status member_token_check(const unsigned char *key,
    const char *token, enum member_action want, const char *community,
    const char *address, int64_t now, enum member_action *action);

/* A short English text for STATUS, for logs. */
const char *member_token_status_name(enum member_token_status status);

#endif
