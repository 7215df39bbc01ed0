/*
 * verp.h: the return paths kring's mail goes out with, so that a bounce
 * says whose address failed (VERP).
 *
 *   local+bounce-mMEMBER-POST-MAC@domain   a member's copy of post POST
 *   local+bounce-OUTBOX@domain             mail to one person (outbox.h)
 *
 * MAC is the first VERP_MAC_LEN hex digits of HMAC-SHA256, keyed by the
 * store's secret, over the community, MEMBER and POST: only a bounce of
 * a copy we sent can count against a member, so nobody can forge
 * bounces to have members suspended.  The other kind is not signed; its
 * bounces are kept but never counted.
 */
#ifndef KRING_VERP_H
#define KRING_VERP_H

#include <stdint.h>
#include "kring/config.h"

#define VERP_MAC_LEN 10

enum verp_kind {
	VERP_MALFORMED = 0,	/* not one of ours */
	VERP_MEMBER,		/* a member's copy, the MAC right */
	VERP_FORGED,		/* a member's copy, the MAC wrong */
	VERP_OUTBOX,		/* mail to one person */
};

/* The return path of member MEMBER's copy of POST in community C (KEY
 * NULL: unsigned, its bounces never count).  g_free it. */
char *verp_member_address(const unsigned char *key,
    const struct community_conf *c, uint64_t member, uint64_t post);

/*
 * What DETAIL (the sub-address after "bounce-", any case) of community
 * COMMUNITY is.  *MEMBER and *POST get the member and the post of a
 * member's copy, *MEMBER the outbox id for VERP_OUTBOX.
 */
enum verp_kind verp_parse(const unsigned char *key, const char *community,
    const char *detail, uint64_t *member, uint64_t *post);

const char *verp_kind_name(enum verp_kind kind);

#endif
