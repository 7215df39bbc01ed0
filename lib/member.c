/*
 * member.c: member records in DB_MEMBER (member.h).
 */
#include <string.h>
#include <glib.h>

#include "kring/member.h"

/* The key: community, then the address in lower case. */
static GByteArray *
member_key(uint32_t community, const char *address)
{
	GByteArray *key = g_byte_array_sized_new(4 + (guint)strlen(address));
	unsigned char comm[4];
	char *lower = g_ascii_strdown(address, -1);

	be32_put(comm, community);
	g_byte_array_append(key, comm, 4);
	g_byte_array_append(key, (const guint8 *)lower, strlen(lower));
	g_free(lower);
	return key;
}

int
member_get(struct store *st, MDB_txn *txn, uint32_t community,
    const char *address, struct member_rec *rec)
{
	GByteArray *key = member_key(community, address);
	MDB_val k = { key->len, key->data }, v;
	int rc = mdb_get(txn, st->dbi[DB_MEMBER], &k, &v);

	g_byte_array_unref(key);
	if (rc != 0)
		return rc;
	if (v.mv_size < sizeof *rec)
		return MDB_CORRUPTED;
	memcpy(rec, v.mv_data, sizeof *rec);
	return rec->version == MEMBER_REC_VERSION ? 0 : MDB_CORRUPTED;
}

int
member_put(struct store *st, MDB_txn *txn, uint32_t community,
    const char *address, const struct member_rec *rec)
{
	GByteArray *key = member_key(community, address);
	struct member_rec r = *rec;
	MDB_val k = { key->len, key->data }, v = { sizeof r, &r };
	int rc;

	r.version = MEMBER_REC_VERSION;
	rc = key->len > 511 ? MDB_BAD_VALSIZE :
	    mdb_put(txn, st->dbi[DB_MEMBER], &k, &v, 0);
	g_byte_array_unref(key);
	return rc;
}
