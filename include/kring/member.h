/*
 * member.h: the members of a community: who they are (state, role, how
 * and when they joined, the name they want shown) and how they want the
 * posts (each one, a digest, none).  A record may also exist for someone
 * who is no member (state MEMBER_NONE): a poster whose settings staff
 * changed before members joined by mail.
 *
 * DB_MEMBER: u32 community, lower-case address -> struct member_rec,
 * then the display name (UTF-8, no NUL, at most MEMBER_NAME_MAX bytes).
 * Version 1 records (16 bytes: version, flags, changed) read as state
 * MEMBER_NONE with every other field at its default.
 */
#ifndef KRING_MEMBER_H
#define KRING_MEMBER_H

#include <stdbool.h>
#include <stdint.h>
#include "kring/store.h"

#define MEMBER_REC_VERSION 2
#define MEMBER_NAME_MAX 64	/* bytes of a display name */
#define MEMBER_ADDR_MAX 254	/* RFC 5321 4.5.3.1.3, less the <> */

#define MEMBER_NO_THANKS 1u	/* wants no thank-you notes */
#define MEMBER_OWN_POSTS 2u	/* wants a copy of their own posts */
#define MEMBER_SUSPENDED 4u	/* bounces stopped their mail (bounce.h) */
#define MEMBER_DIGEST_WEEKLY 8u	/* the digest once a week, not daily */
#define MEMBER_ADDRESS_PUBLIC 16u	/* digests may show their address */

enum member_state {
	MEMBER_NONE = 0,	/* settings only: not a member */
	MEMBER_ACTIVE,		/* a member */
	MEMBER_APPLIED,		/* closed community: waiting for staff */
	MEMBER_INVITED,		/* invited, not accepted yet */
	MEMBER_LEFT,		/* was a member */
	MEMBER__NSTATE
};

enum member_mode { MODE_EACH = 0, MODE_DIGEST, MODE_NOMAIL, MODE__N };

enum member_role { MROLE_MEMBER = 0, MROLE_MODERATOR, MROLE_OWNER,
	MROLE__N };

/* How they became a member. */
enum member_how { HOW_UNKNOWN = 0, HOW_MAIL, HOW_ADMIN, HOW_INVITE,
	HOW_IMPORT, HOW_APPROVED, HOW__N };

struct member_rec {
	uint32_t version;
	uint32_t flags;		/* MEMBER_* */
	int64_t changed;	/* when a setting or the state last changed */
	uint32_t state;		/* enum member_state */
	uint32_t mode;		/* enum member_mode */
	uint32_t role;		/* enum member_role */
	uint32_t how;		/* enum member_how */
	int64_t joined;		/* when they became a member; 0: never */
	char lang[8];		/* of their mail, NUL-ended; "": the community's */
	uint64_t id;		/* for return paths (DB_MEMBER_ID); 0: none yet */
};

struct member {
	struct member_rec rec;
	char name[MEMBER_NAME_MAX + 1];	/* display name, "" for none */
};

/* Member ADDRESS of COMMUNITY into *M; MDB_NOTFOUND when there is no
 * record (*M is then cleared: every setting at its default). */
int member_get(struct store *st, MDB_txn *txn, uint32_t community,
    const char *address, struct member *m);

/* Write *M; a record without an id gets one (in M->rec.id). */
int member_put(struct store *st, MDB_txn *txn, uint32_t community,
    const char *address, struct member *m);

/* The community and address (ADDR, MEMBER_ADDR_MAX + 1 bytes) of
 * member ID; MDB_NOTFOUND when there is none. */
int member_by_id(struct store *st, MDB_txn *txn, uint64_t id,
    uint32_t *community, char *addr);

/* True when ADDRESS is an active member of COMMUNITY.  Errors count as
 * not a member (*RC gets the code when RC is not NULL). */
bool member_is_active(struct store *st, MDB_txn *txn, uint32_t community,
    const char *address, int *rc);

/* The member id of ADDRESS when an active member of C's family (the
 * central community and its local ones), with the record in *M; else 0.
 * Errors count as not a member. */
struct kring_config;
struct community_conf;
uint64_t member_in_family(struct store *st, MDB_txn *txn,
    const struct kring_config *conf, const struct community_conf *c,
    const char *address, struct member *m);

/* True when COMMUNITY (a store id) is in C's family. */
bool member_family_has(struct store *st, MDB_txn *txn,
    const struct kring_config *conf, const struct community_conf *c,
    uint32_t community);

/*
 * Walk the members of COMMUNITY in address order, from just after
 * AFTER (NULL or "": from the first).  Calls FN for each record until it
 * returns non-zero (that value is returned) or the records end (0).  The
 * address and *M live only for the call.
 */
typedef int (*member_fn)(const char *address, const struct member *m,
    void *arg);
int member_walk(struct store *st, MDB_txn *txn, uint32_t community,
    const char *after, member_fn fn, void *arg);

/*
 * The members of COMMUNITY for the period [SINCE, UNTIL): *JOINED,
 * those whose joining (the latest, when they left and came back) is in
 * it; *AT_END, those who were members at UNTIL: joined before it, and a
 * member now or left at or after it (the last change of a member who
 * left is when they left).  0 or an LMDB code.
 */
int member_period_counts(struct store *st, MDB_txn *txn, uint32_t community,
    int64_t since, int64_t until, long *joined, long *at_end);

/* The name to greet ADDRESS by: the one they set, else the display name
 * of the From of their message RAW (LEN bytes; NULL: none), else "".
 * Returns a new string (g_free). */
char *member_greeting_name(struct store *st, MDB_txn *txn, uint32_t community,
    const char *address, const char *raw, size_t len);

/* Names for show and list, and their inverse (-1: no such name). */
const char *member_state_name(uint32_t state);
const char *member_mode_name(uint32_t mode);
const char *member_role_name(uint32_t role);
const char *member_how_name(uint32_t how);
int member_mode_parse(const char *name);
int member_role_parse(const char *name);

/* Clean NAME (from a member: a Subject, a From) into OUT: control
 * characters and surrounding white space dropped, runs of white space
 * one space.  Returns 0, or -1 when the result is empty, longer than
 * MEMBER_NAME_MAX bytes or not UTF-8. */
int member_name_clean(const char *name, char out[MEMBER_NAME_MAX + 1]);

#endif
