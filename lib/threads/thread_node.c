/*
 * thread_node.c: the thread graph's nodes and their parent links: loops
 * refused, own headers before guesses, guesses checked by date.  Nodes are
 * read and written one at a time, so a thread of any size costs only the
 * nodes a message touches.
 */
#include <string.h>
#include <glib.h>

#include "thread_node.h"
#include "kring/thread.h"

#define WALK_MAX 10000		/* deeper than this counts as a loop */
#define CLOCK_SKEW (12 * 3600)	/* seconds a parent may seem younger */

int
node_load(struct store *st, MDB_txn *txn, uint32_t comm, const char *idkey,
    size_t idlen, struct node *n)
{
	MDB_val k, v;
	int rc;

	memset(n, 0, sizeof *n);
	be32_put(n->key, comm);
	memcpy(n->key + 4, idkey, idlen);
	n->keylen = 4 + idlen;
	k.mv_data = n->key;
	k.mv_size = n->keylen;
	rc = mdb_get(txn, st->dbi[DB_NODE], &k, &v);
	if (rc == MDB_NOTFOUND) {
		n->rec.version = NODE_REC_VERSION;
		return 0;
	}
	if (rc != 0)
		return rc;
	if (v.mv_size < sizeof n->rec ||
	    v.mv_size - sizeof n->rec > sizeof n->parent - 1)
		return MDB_CORRUPTED;
	memcpy(&n->rec, v.mv_data, sizeof n->rec);
	n->plen = v.mv_size - sizeof n->rec;
	memcpy(n->parent, (char *)v.mv_data + sizeof n->rec, n->plen);
	n->parent[n->plen] = '\0';
	n->exists = true;
	return 0;
}

int
node_save(struct store *st, MDB_txn *txn, struct node *n)
{
	unsigned char buf[sizeof n->rec + sizeof n->parent];
	MDB_val k = { n->keylen, n->key }, v = { sizeof n->rec + n->plen, buf };

	memcpy(buf, &n->rec, sizeof n->rec);
	memcpy(buf + sizeof n->rec, n->parent, n->plen);
	n->exists = true;
	return mdb_put(txn, st->dbi[DB_NODE], &k, &v, 0);
}

const char *
node_idkey(const struct node *n, size_t *len)
{
	*len = n->keylen - 4;
	return (const char *)n->key + 4;
}

/*
 * Would making PARENT the parent of CHILD close a loop (CHILD is PARENT
 * or one of its ancestors)?  When it would, *GUESSED is the first node on
 * the way up whose parent was guessed from other messages' References
 * (not set by its own message), if any: cutting that link breaks the
 * loop without going against any message's own header.
 */
static int
would_loop(struct store *st, MDB_txn *txn, const struct node *child,
    const struct node *parent, bool *loop, struct node *guessed)
{
	char key[sizeof parent->parent];
	struct node cur = *parent;
	size_t len;
	int rc;

	*loop = true;
	guessed->exists = false;
	for (int depth = 0; depth < WALK_MAX; depth++) {
		if (cur.keylen == child->keylen &&
		    memcmp(cur.key, child->key, cur.keylen) == 0)
			return 0;
		if (cur.plen == 0) {
			*loop = false;
			return 0;
		}
		if (!guessed->exists && !(cur.rec.pad & NODE_F_OWN_PARENT))
			*guessed = cur;
		len = cur.plen;
		memcpy(key, cur.parent, len);
		if ((rc = node_load(st, txn, be32_get(child->key), key, len,
		    &cur)) != 0)
			return rc;
		if (!cur.exists) {
			*loop = false;
			return 0;
		}
	}
	return 0;	/* too deep: treated as a loop */
}

/* Add CHILD to (or, without ADD, remove it from) the children index of
 * the parent its record names. */
static int
child_link(struct store *st, MDB_txn *txn, const struct node *child, bool add)
{
	unsigned char kb[NODE_KEY_MAX];
	MDB_val k, v;
	size_t len;
	int rc;

	/* The key is the child's community plus its parent's idkey. */
	memcpy(kb, child->key, 4);
	memcpy(kb + 4, child->parent, child->plen);
	k.mv_data = kb;
	k.mv_size = 4 + child->plen;
	v.mv_data = (void *)node_idkey(child, &len);
	v.mv_size = len;
	if (add) {
		rc = mdb_put(txn, st->dbi[DB_CHILD], &k, &v, MDB_NODUPDATA);
		return rc == MDB_KEYEXIST ? 0 : rc;
	}
	rc = mdb_del(txn, st->dbi[DB_CHILD], &k, &v);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Could PARENT be what CHILD answers?  Not when both are here and the
 * parent was written well after the child: References listed out of
 * order by some mailers would otherwise turn threads upside down. */
static bool
guess_plausible(const struct node *child, const struct node *parent)
{
	return child->rec.msg == 0 || parent->rec.msg == 0 ||
	    child->rec.date == 0 || parent->rec.date == 0 ||
	    parent->rec.date <= child->rec.date + CLOCK_SKEW;
}

/* Make N a top node: drop its (guessed) parent. */
int
node_unlink(struct store *st, MDB_txn *txn, struct node *n)
{
	int rc;

	if (n->plen == 0)
		return 0;
	if ((rc = child_link(st, txn, n, false)) != 0)
		return rc;
	n->plen = 0;
	return node_save(st, txn, n);
}

/*
 * Make PARENT the parent of CHILD.  OWN: the child's own message says so,
 * which overrides a parent guessed from other messages' References.
 * Both nodes are saved.
 */
int
node_link(struct store *st, MDB_txn *txn, struct node *child,
    struct node *parent, bool own)
{
	size_t plen;
	const char *pkey = node_idkey(parent, &plen);
	struct node guessed;
	bool loop;
	int rc;

	if (!parent->exists && (rc = node_save(st, txn, parent)) != 0)
		return rc;
	if (child->plen == plen && memcmp(child->parent, pkey, plen) == 0)
		goto mark;
	/* Keep the parent it has, or refuse a link that closes a loop; the
	 * child is saved either way (the caller may have filled it in). */
	if (child->plen > 0 && (!own || (child->rec.pad & NODE_F_OWN_PARENT)))
		return node_save(st, txn, child);
	if (!own && !guess_plausible(child, parent))
		return node_save(st, txn, child);
	for (int tries = 0; tries < 8; tries++) {
		if ((rc = would_loop(st, txn, child, parent, &loop, &guessed)))
			return rc;
		if (!loop)
			break;
		/* A message's own header beats a guess: cut the guess. */
		if (!own || !guessed.exists)
			return node_save(st, txn, child);
		if ((rc = node_unlink(st, txn, &guessed)) != 0)
			return rc;
		if (guessed.keylen == parent->keylen &&
		    memcmp(guessed.key, parent->key, guessed.keylen) == 0)
			parent->plen = 0;
	}
	if (loop)
		return node_save(st, txn, child);
	if (child->plen > 0 && (rc = child_link(st, txn, child, false)))
		return rc;
	memcpy(child->parent, pkey, plen);
	child->plen = plen;
	if ((rc = child_link(st, txn, child, true)) != 0)
		return rc;
mark:
	if (own)
		child->rec.pad |= NODE_F_OWN_PARENT;
	return node_save(st, txn, child);
}

int
thread_node_get(struct store *st, MDB_txn *txn, uint32_t comm,
    const char *idkey, size_t keylen, struct node_rec *rec, char *parent,
    size_t *plen)
{
	struct node n;
	int rc;

	if ((rc = node_load(st, txn, comm, idkey, keylen, &n)) != 0)
		return rc;
	if (!n.exists)
		return MDB_NOTFOUND;
	*rec = n.rec;
	memcpy(parent, n.parent, n.plen + 1);
	*plen = n.plen;
	return 0;
}

/* Walk up from N to the top of its tree. */
int
node_top(struct store *st, MDB_txn *txn, uint32_t comm, struct node *n)
{
	char key[sizeof n->parent];
	size_t len;
	int rc;

	for (int depth = 0; depth < WALK_MAX && n->plen > 0; depth++) {
		struct node up;

		len = n->plen;
		memcpy(key, n->parent, len);
		if ((rc = node_load(st, txn, comm, key, len, &up)) != 0)
			return rc;
		if (!up.exists)
			break;
		*n = up;
	}
	return 0;
}

/*
 * SELF has just become a real message: drop guessed links around it that
 * its date shows to be wrong (its guessed parent, its guessed children).
 */
int
node_recheck_guesses(struct store *st, MDB_txn *txn, struct node *self)
{
	char key[KRING_IDKEY_MAX + 65];
	GPtrArray *kids = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)g_bytes_unref);
	MDB_val k = { self->keylen, self->key }, v;
	struct node up, kid;
	MDB_cursor *cur;
	int rc;

	if (self->plen > 0 && !(self->rec.pad & NODE_F_OWN_PARENT)) {
		memcpy(key, self->parent, self->plen);
		if ((rc = node_load(st, txn, be32_get(self->key), key,
		    self->plen, &up)) != 0)
			goto out;
		if (up.exists && !guess_plausible(self, &up) &&
		    (rc = node_unlink(st, txn, self)) != 0)
			goto out;
	}
	/* Copy the children first: unlinking writes to DB_CHILD. */
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_CHILD], &cur)) != 0)
		goto out;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP))
		g_ptr_array_add(kids, g_bytes_new(v.mv_data, v.mv_size));
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND)
		goto out;
	rc = 0;
	for (guint i = 0; i < kids->len && rc == 0; i++) {
		gsize len;
		const char *kk = g_bytes_get_data(kids->pdata[i], &len);

		if ((rc = node_load(st, txn, be32_get(self->key), kk, len,
		    &kid)) != 0)
			break;
		if (kid.exists && !(kid.rec.pad & NODE_F_OWN_PARENT) &&
		    !guess_plausible(&kid, self))
			rc = node_unlink(st, txn, &kid);
	}
out:
	g_ptr_array_unref(kids);
	return rc;
}
