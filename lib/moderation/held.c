/*
 * held.c: the held posts in DB_HELD and DB_HELD_RAW (held.h).
 */
#include <string.h>
#include <glib.h>

#include "kring/held.h"

static const char *const state_names[HELD__NSTATE] = {
	"waiting", "approved", "rejected", "discarded", "withdrawn",
	"expired",
};

static const char *const why_names[HOLD__N] = {
	"none", "outsider", "new-member", "size", "attachment",
};

const char *
held_state_name(uint32_t state)
{
	return state < HELD__NSTATE ? state_names[state] : "?";
}

const char *
held_why_name(uint32_t why)
{
	return why < HOLD__N ? why_names[why] : "?";
}

/* Append S and its NUL to B. */
static void
put_string(GByteArray *b, const char *s)
{
	g_byte_array_append(b, (const guint8 *)s, (guint)strlen(s) + 1);
}

/* The next NUL-terminated string of *P (before END) into OUT (SIZE
 * bytes, cut to fit); false when there is none. */
static bool
get_string(const char **p, const char *end, char *out, size_t size)
{
	const char *nul = memchr(*p, '\0', (size_t)(end - *p));

	if (nul == NULL)
		return false;
	g_strlcpy(out, *p, size);
	*p = nul + 1;
	return true;
}

static int
held_decode(const MDB_val *v, struct held *h)
{
	const char *p = (const char *)v->mv_data + sizeof h->rec;
	const char *end = (const char *)v->mv_data + v->mv_size;

	if (v->mv_size < sizeof h->rec)
		return MDB_CORRUPTED;
	memcpy(&h->rec, v->mv_data, sizeof h->rec);
	if (h->rec.version != HELD_REC_VERSION ||
	    h->rec.state >= HELD__NSTATE || h->rec.why >= HOLD__N)
		return MDB_CORRUPTED;
	if (!get_string(&p, end, h->sender, sizeof h->sender) ||
	    !get_string(&p, end, h->author, sizeof h->author) ||
	    !get_string(&p, end, h->subject, sizeof h->subject) ||
	    !get_string(&p, end, h->decided_by, sizeof h->decided_by))
		return MDB_CORRUPTED;
	return 0;
}

/* Write H's record (not its bytes). */
static int
held_put_rec(struct store *st, MDB_txn *txn, const struct held *h)
{
	GByteArray *b = g_byte_array_new();
	unsigned char kb[8];
	MDB_val k = { 8, kb }, v;
	int rc;

	g_byte_array_append(b, (const guint8 *)&h->rec, sizeof h->rec);
	put_string(b, h->sender);
	put_string(b, h->author);
	put_string(b, h->subject);
	put_string(b, h->decided_by);
	v.mv_size = b->len;
	v.mv_data = b->data;
	be64_put(kb, h->id);
	rc = mdb_put(txn, st->dbi[DB_HELD], &k, &v, 0);
	g_byte_array_unref(b);
	return rc;
}

int
held_put(struct store *st, MDB_txn *txn, struct held *h, const char *raw,
    size_t len)
{
	unsigned char kb[8];
	MDB_val k = { 8, kb }, v = { len, (void *)raw };
	bool fresh = h->id == 0;
	int rc;

	h->rec.version = HELD_REC_VERSION;
	if (fresh && (rc = store_next_id(st, txn, "next_held", &h->id)) != 0)
		return rc;
	if ((rc = held_put_rec(st, txn, h)) != 0 || !fresh)
		return rc;
	be64_put(kb, h->id);
	return mdb_put(txn, st->dbi[DB_HELD_RAW], &k, &v, 0);
}

int
held_get(struct store *st, MDB_txn *txn, uint64_t id, struct held *h)
{
	unsigned char kb[8];
	MDB_val k = { 8, kb }, v;
	int rc;

	memset(h, 0, sizeof *h);
	be64_put(kb, id);
	if ((rc = mdb_get(txn, st->dbi[DB_HELD], &k, &v)) != 0)
		return rc;
	h->id = id;
	return held_decode(&v, h);
}

int
held_raw(struct store *st, MDB_txn *txn, uint64_t id, MDB_val *raw)
{
	unsigned char kb[8];
	MDB_val k = { 8, kb };

	be64_put(kb, id);
	return mdb_get(txn, st->dbi[DB_HELD_RAW], &k, raw);
}

int
held_decide(struct store *st, MDB_txn *txn, struct held *h,
    enum held_state state, const char *by, int64_t now)
{
	unsigned char kb[8];
	MDB_val k = { 8, kb };
	int rc;

	/* Read again in this transaction: the first decision wins. */
	if ((rc = held_get(st, txn, h->id, h)) != 0)
		return rc;
	if (h->rec.state != HELD_WAITING)
		return -2;
	h->rec.state = state;
	h->rec.decided = now;
	g_strlcpy(h->decided_by, by, sizeof h->decided_by);
	if ((rc = held_put_rec(st, txn, h)) != 0)
		return rc;
	be64_put(kb, h->id);
	rc = mdb_del(txn, st->dbi[DB_HELD_RAW], &k, NULL);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int
held_walk(struct store *st, MDB_txn *txn, held_fn fn, void *arg)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, op = MDB_FIRST;

	if ((rc = mdb_cursor_open(txn, st->dbi[DB_HELD], &cur)) != 0)
		return rc;
	while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		struct held h;

		op = MDB_NEXT;
		if (k.mv_size != 8) {
			rc = MDB_CORRUPTED;
			break;
		}
		memset(&h, 0, sizeof h);
		h.id = be64_get(k.mv_data);
		if ((rc = held_decode(&v, &h)) != 0 || (rc = fn(&h, arg)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int
held_prune(struct store *st, MDB_txn *txn, int64_t before, size_t *n)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, op = MDB_FIRST;

	*n = 0;
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_HELD], &cur)) != 0)
		return rc;
	while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		struct held h;

		op = MDB_NEXT;
		if ((rc = held_decode(&v, &h)) != 0)
			break;
		if (h.rec.state == HELD_WAITING || h.rec.decided >= before)
			continue;
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
		(*n)++;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}
