/*
 * member.h: what kring keeps about a member of a community beyond their
 * posts: their settings.  Members come and go by email in a later part;
 * for now a record is made when a setting is changed.
 *
 * DB_MEMBER: u32 community, lower-case address -> struct member_rec.
 */
#ifndef KRING_MEMBER_H
#define KRING_MEMBER_H

#include <stdint.h>
#include "kring/store.h"

#define MEMBER_REC_VERSION 1
#define MEMBER_NO_THANKS 1u	/* wants no thank-you notes */

struct member_rec {
	uint32_t version;
	uint32_t flags;		/* MEMBER_* */
	int64_t changed;	/* when a setting last changed */
};

/* Member ADDRESS of COMMUNITY into *REC; MDB_NOTFOUND when there is no
 * record (every setting at its default). */
int member_get(struct store *st, MDB_txn *txn, uint32_t community,
    const char *address, struct member_rec *rec);

int member_put(struct store *st, MDB_txn *txn, uint32_t community,
    const char *address, const struct member_rec *rec);

#endif
