/*
 * bounce.c: the bounce records in DB_BOUNCE and the score (bounce.h).
 */
#include <math.h>
#include <string.h>
#include <glib.h>

#include "kring/bounce.h"

#define DAY (24 * 3600)

static GByteArray *
bounce_key(uint32_t community, const char *address)
{
	GByteArray *key = g_byte_array_new();
	unsigned char comm[4];
	char *lower = g_ascii_strdown(address, -1);

	be32_put(comm, community);
	g_byte_array_append(key, comm, 4);
	g_byte_array_append(key, (const guint8 *)lower, (guint)strlen(lower));
	g_free(lower);
	return key;
}

int
bounce_get(struct store *st, MDB_txn *txn, uint32_t community,
    const char *address, struct bounce_info *b)
{
	GByteArray *key = bounce_key(community, address);
	MDB_val k = { key->len, key->data }, v;
	size_t dlen;
	int rc;

	memset(b, 0, sizeof *b);
	rc = mdb_get(txn, st->dbi[DB_BOUNCE], &k, &v);
	g_byte_array_unref(key);
	if (rc != 0)
		return rc;
	if (v.mv_size < sizeof b->rec)
		return MDB_CORRUPTED;
	memcpy(&b->rec, v.mv_data, sizeof b->rec);
	if (b->rec.version != BOUNCE_REC_VERSION)
		return MDB_CORRUPTED;
	b->rec.last_status[sizeof b->rec.last_status - 1] = '\0';
	dlen = MIN(v.mv_size - sizeof b->rec, sizeof b->diagnostic - 1);
	memcpy(b->diagnostic, (const char *)v.mv_data + sizeof b->rec, dlen);
	b->diagnostic[dlen] = '\0';
	return 0;
}

int
bounce_put(struct store *st, MDB_txn *txn, uint32_t community,
    const char *address, const struct bounce_info *b)
{
	GByteArray *key = bounce_key(community, address);
	GByteArray *val = g_byte_array_new();
	struct bounce_rec rec = b->rec;
	MDB_val k = { key->len, key->data }, v;
	int rc;

	rec.version = BOUNCE_REC_VERSION;
	g_byte_array_append(val, (const guint8 *)&rec, sizeof rec);
	g_byte_array_append(val, (const guint8 *)b->diagnostic,
	    (guint)strlen(b->diagnostic));
	v.mv_size = val->len;
	v.mv_data = val->data;
	rc = mdb_put(txn, st->dbi[DB_BOUNCE], &k, &v, 0);
	g_byte_array_unref(key);
	g_byte_array_unref(val);
	return rc;
}

uint32_t
bounce_score_at(const struct bounce_info *b, const struct community_conf *c,
    int64_t now)
{
	double half = (double)(c != NULL && c->bounce.half_life_days > 0 ?
	    c->bounce.half_life_days : 7) * DAY;
	double age = now > b->rec.updated ? (double)(now - b->rec.updated) : 0;

	return (uint32_t)lround(b->rec.score * exp2(-age / half));
}
