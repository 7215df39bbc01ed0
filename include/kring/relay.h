/*
 * relay.h: private replies between members who keep their address to
 * themselves.  A digest names each author; a reader who wants to answer
 * one privately mails the author's relay address
 *
 *   local+to-MEMBER-MAC@domain
 *
 * and kringd sends the mail on to member MEMBER (member.h: rec.id), from
 * the sender's own relay address, so neither learns the other's
 * address unless they write it.  MAC is the first RELAY_MAC_LEN hex
 * digits of HMAC-SHA256 under the store's secret over the community and
 * MEMBER: nobody can guess a member's relay address from their id, nor
 * walk the member ids.  The address does not expire: it is the member's
 * pen name in that community, and only members may write to it.
 */
#ifndef KRING_RELAY_H
#define KRING_RELAY_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include "kring/config.h"
#include "kring/store.h"

#define RELAY_PREFIX "to-"
#define RELAY_MAC_LEN 12

enum relay_status {
	RELAY_OK,
	RELAY_MALFORMED,	/* not "MEMBER-MAC" */
	RELAY_FORGED,		/* the MAC does not match */
};

/* The relay address of member MEMBER in community C (g_free). */
char *relay_address(const unsigned char *key, const struct community_conf *c,
    uint64_t member);

/*
 * How readers of community C may answer ADDR alone: ADDR itself for
 * staff and for members who made it public (MEMBER_ADDRESS_PUBLIC),
 * their relay address for the other members of C's family, NULL for
 * anyone else (not a member: nothing to offer; KEY NULL: no relay
 * address can be made).  *RELAYED (when not
 * NULL) says which.
 * g_free.
 */
char *relay_reply_address(struct store *st, MDB_txn *txn,
    const struct kring_config *conf, const struct community_conf *c,
    const unsigned char *key, const char *addr, bool *relayed);

/* What DETAIL (after "to-", any case) of community COMMUNITY is; the
 * member into *MEMBER when RELAY_OK.  The MAC is compared in full. */
enum relay_status relay_parse(const unsigned char *key, const char *community,
    const char *detail, uint64_t *member);

/*
 * The copy of RAW (LEN bytes) that goes to the author, TO: of the header
 * only Subject, Date, Message-ID, In-Reply-To, References, MIME-Version
 * and Content-* stay (nothing that tells the sender's address, host or
 * route); From and Reply-To become "NAME via COMMUNITY" <SENDER_RELAY>.
 * The body is kept byte for byte.  CRLF line ends.
 */
GByteArray *relay_copy_make(const struct community_conf *c, const char *raw,
    size_t len, const char *name, const char *sender_relay, const char *to);

#endif
