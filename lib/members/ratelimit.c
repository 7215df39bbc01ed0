/*
 * ratelimit.c: sliding-window counts in DB_LEDGER (ratelimit.h).  Each
 * counted event is one key, "rate:KIND" NUL community NUL WHO NUL and a
 * unique suffix, whose value is its time; counting is a range scan over
 * the keys of KIND, COMMUNITY and WHO.
 */
#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "kring/ledger.h"
#include "kring/ratelimit.h"

/* WHO is cut here, so the key never reaches the ledger's hashed form. */
#define RATE_WHO_MAX 300

int
rate_take(struct store *st, MDB_txn *txn, const char *kind,
    uint32_t community, const char *who, long limit, int64_t window,
    int64_t now, bool *allowed)
{
	char *k = g_strconcat("rate:", kind, NULL);
	char *w = g_strndup(who, RATE_WHO_MAX);
	const char *parts[2] = { w, "" };
	GByteArray *prefix = g_byte_array_new();
	MDB_cursor *cur;
	MDB_val key, val;
	long count = 0;
	int rc;

	ledger_key(prefix, k, community, parts, 2);
	g_free(k);
	g_free(w);
	*allowed = false;
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_LEDGER], &cur)) != 0)
		goto out;
	key.mv_size = prefix->len;
	key.mv_data = prefix->data;
	rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE);
	for (; rc == 0; rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		if (key.mv_size < prefix->len ||
		    memcmp(key.mv_data, prefix->data, prefix->len) != 0)
			break;
		if (val.mv_size == 8 && (int64_t)be64_get(val.mv_data) >
		    now - window)
			count++;
		else if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		goto out;
	rc = 0;
	if (count < limit) {
		char suffix[32];

		/* Time first, so the marks sort by age; random against two
		 * in one second. */
		snprintf(suffix, sizeof suffix, "%016llx%08x",
		    (unsigned long long)now, (unsigned)g_random_int());
		g_byte_array_append(prefix, (const guint8 *)suffix,
		    strlen(suffix));
		rc = ledger_put(st, txn, prefix, now);
		*allowed = rc == 0;
	}
out:
	g_byte_array_unref(prefix);
	return rc;
}
