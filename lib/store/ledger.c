/*
 * ledger.c: the once-only records of DB_LEDGER (ledger.h).
 */
#include <string.h>
#include <glib.h>

#include "kring/ledger.h"

/* LMDB's default largest key. */
#define LEDGER_KEY_MAX 511

void
ledger_key(GByteArray *key, const char *kind, uint32_t community,
    const char *const *parts, size_t n)
{
	unsigned char comm[4];

	g_byte_array_set_size(key, 0);
	g_byte_array_append(key, (const guint8 *)kind, strlen(kind) + 1);
	be32_put(comm, community);
	g_byte_array_append(key, comm, sizeof comm);
	for (size_t i = 0; i < n; i++) {
		g_byte_array_append(key, (const guint8 *)"", 1);
		g_byte_array_append(key, (const guint8 *)parts[i],
		    strlen(parts[i]));
	}
	if (key->len > LEDGER_KEY_MAX) {
		char *hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256,
		    key->data, key->len);

		g_byte_array_set_size(key, 0);
		g_byte_array_append(key, (const guint8 *)"#", 1);
		g_byte_array_append(key, (const guint8 *)hex, strlen(hex));
		g_free(hex);
	}
}

int
ledger_get(struct store *st, MDB_txn *txn, const GByteArray *key,
    int64_t *value)
{
	MDB_val k = { key->len, key->data }, v;
	int rc = mdb_get(txn, st->dbi[DB_LEDGER], &k, &v);

	if (rc != 0)
		return rc;
	if (v.mv_size != 8)
		return MDB_CORRUPTED;
	if (value != NULL)
		*value = (int64_t)be64_get(v.mv_data);
	return 0;
}

int
ledger_put(struct store *st, MDB_txn *txn, const GByteArray *key,
    int64_t value)
{
	unsigned char vb[8];
	MDB_val k = { key->len, key->data }, v = { 8, vb };

	be64_put(vb, (uint64_t)value);
	return mdb_put(txn, st->dbi[DB_LEDGER], &k, &v, 0);
}
