/*
 * thread.c: JWZ-style threading kept in the store (see thread.h for the
 * rules).  Nodes are read and written one at a time, so a thread of any
 * size costs only the nodes a message touches, plus a relabel of the
 * smaller thread when two merge.
 */
#include <string.h>
#include <glib.h>

#include "kring/thread.h"

#define NODE_F_OWN_PARENT 1u	/* parent set by the node's own message */
#define WALK_MAX 10000		/* deeper than this counts as a loop */
#define CLOCK_SKEW (12 * 3600)	/* seconds a parent may seem younger */
#define NODE_KEY_MAX (4 + KRING_IDKEY_MAX + 65)

struct node {
	unsigned char key[NODE_KEY_MAX];	/* community, idkey */
	size_t keylen;
	struct node_rec rec;
	char parent[KRING_IDKEY_MAX + 65];
	size_t plen;
	bool exists;
};

static int
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

static int
node_save(struct store *st, MDB_txn *txn, struct node *n)
{
	unsigned char buf[sizeof n->rec + sizeof n->parent];
	MDB_val k = { n->keylen, n->key }, v = { sizeof n->rec + n->plen, buf };

	memcpy(buf, &n->rec, sizeof n->rec);
	memcpy(buf + sizeof n->rec, n->parent, n->plen);
	n->exists = true;
	return mdb_put(txn, st->dbi[DB_NODE], &k, &v, 0);
}

static const char *
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

static int
child_link(struct store *st, MDB_txn *txn, const struct node *parent_key_of,
    const struct node *child, bool add)
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
	(void)parent_key_of;
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
static int
node_unlink(struct store *st, MDB_txn *txn, struct node *n)
{
	int rc;

	if (n->plen == 0)
		return 0;
	if ((rc = child_link(st, txn, NULL, n, false)) != 0)
		return rc;
	n->plen = 0;
	return node_save(st, txn, n);
}

/*
 * Make PARENT the parent of CHILD.  OWN: the child's own message says so,
 * which overrides a parent guessed from other messages' References.
 * Both nodes are saved.
 */
static int
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
	if (child->plen > 0 && (rc = child_link(st, txn, NULL, child, false)))
		return rc;
	memcpy(child->parent, pkey, plen);
	child->plen = plen;
	if ((rc = child_link(st, txn, NULL, child, true)) != 0)
		return rc;
mark:
	if (own)
		child->rec.pad |= NODE_F_OWN_PARENT;
	return node_save(st, txn, child);
}

int
thread_get(struct store *st, MDB_txn *txn, uint64_t id,
    struct thread_rec *rec, const char **subject, size_t *subject_len)
{
	unsigned char kb[8];
	MDB_val k = { 8, kb }, v;
	int rc;

	be64_put(kb, id);
	if ((rc = mdb_get(txn, st->dbi[DB_THREAD], &k, &v)) != 0)
		return rc;
	if (v.mv_size < sizeof *rec)
		return MDB_CORRUPTED;
	memcpy(rec, v.mv_data, sizeof *rec);
	if (subject != NULL) {
		*subject = (const char *)v.mv_data + sizeof *rec;
		*subject_len = v.mv_size - sizeof *rec;
	}
	return 0;
}

static int
thread_put(struct store *st, MDB_txn *txn, uint64_t id,
    const struct thread_rec *rec, const char *subject, size_t subject_len)
{
	unsigned char kb[8];
	MDB_val k = { 8, kb }, v;
	int rc;

	be64_put(kb, id);
	v.mv_size = sizeof *rec + subject_len;
	if ((rc = mdb_put(txn, st->dbi[DB_THREAD], &k, &v, MDB_RESERVE)) != 0)
		return rc;
	memcpy(v.mv_data, rec, sizeof *rec);
	memcpy((char *)v.mv_data + sizeof *rec, subject, subject_len);
	return 0;
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

/* Point msg record MSG at THREAD (after a merge). */
static int
msg_set_thread(struct store *st, MDB_txn *txn, uint64_t msg, uint64_t thread)
{
	unsigned char kb[8];
	MDB_val k = { 8, kb }, v;
	struct msg_rec rec;
	void *copy;
	int rc;

	be64_put(kb, msg);
	if ((rc = mdb_get(txn, st->dbi[DB_MSG], &k, &v)) != 0)
		return rc == MDB_NOTFOUND ? 0 : rc;	/* not written yet */
	if (v.mv_size < sizeof rec)
		return MDB_CORRUPTED;
	/* Values from mdb_get are read-only: change a copy. */
	copy = g_memdup2(v.mv_data, v.mv_size);
	memcpy(&rec, copy, sizeof rec);
	rec.thread = thread;
	memcpy(copy, &rec, sizeof rec);
	v.mv_data = copy;
	rc = mdb_put(txn, st->dbi[DB_MSG], &k, &v, 0);
	g_free(copy);
	return rc;
}

/*
 * The values under KEY (8 bytes) in dupsort database DBI, copied: values
 * from LMDB point into pages that the next write may change, and a merge
 * writes to the same database it reads.  Free with g_ptr_array_unref().
 */
static int
dups_copy(struct store *st, MDB_txn *txn, MDB_dbi dbi, uint64_t key,
    GPtrArray **out)
{
	unsigned char kb[8];
	MDB_val k = { 8, kb }, v;
	MDB_cursor *cur;
	int rc;

	be64_put(kb, key);
	*out = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	if ((rc = mdb_cursor_open(txn, dbi, &cur)) != 0)
		return rc;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP))
		g_ptr_array_add(*out, g_bytes_new(v.mv_data, v.mv_size));
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Delete every value under KEY in DBI. */
static int
dups_delete(struct store *st, MDB_txn *txn, MDB_dbi dbi, uint64_t key)
{
	unsigned char kb[8];
	MDB_val k = { 8, kb };
	int rc;

	be64_put(kb, key);
	rc = mdb_del(txn, dbi, &k, NULL);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Add VALUE under KEY in dupsort DBI; *ADDED is set when it was new. */
static int
dup_add(MDB_txn *txn, MDB_dbi dbi, uint64_t key, const void *value,
    size_t len, bool *added)
{
	unsigned char kb[8];
	MDB_val k = { 8, kb }, v = { len, (void *)value };
	int rc;

	be64_put(kb, key);
	rc = mdb_put(txn, dbi, &k, &v, MDB_NODUPDATA);
	*added = rc == 0;
	return rc == MDB_KEYEXIST ? 0 : rc;
}

/* Add every participant of thread FROM to thread TO; count the new ones. */
static int
participants_move(struct store *st, MDB_txn *txn, uint64_t from, uint64_t to,
    uint64_t *added)
{
	MDB_dbi dbi = st->dbi[DB_THREAD_PART];
	GPtrArray *parts;
	bool is_new;
	int rc;

	if ((rc = dups_copy(st, txn, dbi, from, &parts)) != 0)
		goto out;
	for (guint i = 0; i < parts->len; i++) {
		gsize len;
		const void *p = g_bytes_get_data(parts->pdata[i], &len);

		if ((rc = dup_add(txn, dbi, to, p, len, &is_new)) != 0)
			goto out;
		if (is_new)
			(*added)++;
	}
	rc = dups_delete(st, txn, dbi, from);
out:
	g_ptr_array_unref(parts);
	return rc;
}

/* Relabel node IDKEY (of community COMM) into thread TO. */
static int
node_move(struct store *st, MDB_txn *txn, uint32_t comm, GBytes *idkey,
    uint64_t to)
{
	gsize len;
	const char *key = g_bytes_get_data(idkey, &len);
	struct node n;
	bool is_new;
	int rc;

	if ((rc = node_load(st, txn, comm, key, len, &n)) != 0)
		return rc;
	n.rec.thread = to;
	if ((rc = node_save(st, txn, &n)) != 0 ||
	    (n.rec.msg && (rc = msg_set_thread(st, txn, n.rec.msg, to))))
		return rc;
	return dup_add(txn, st->dbi[DB_THREAD_NODE], to, key, len, &is_new);
}

/*
 * Move every node of thread FROM into thread TO (in community COMM) and
 * delete FROM.  TO's record in *TREC is updated, not saved.
 */
static int
thread_merge(struct store *st, MDB_txn *txn, uint32_t comm, uint64_t from,
    uint64_t to, struct thread_rec *trec)
{
	struct thread_rec frec;
	GPtrArray *nodes;
	int rc;

	if ((rc = thread_get(st, txn, from, &frec, NULL, NULL)) != 0)
		return rc;
	if ((rc = dups_copy(st, txn, st->dbi[DB_THREAD_NODE], from, &nodes)))
		goto out;
	for (guint i = 0; i < nodes->len; i++)
		if ((rc = node_move(st, txn, comm, nodes->pdata[i], to)) != 0)
			goto out;
	if ((rc = dups_delete(st, txn, st->dbi[DB_THREAD_NODE], from)) != 0 ||
	    (rc = participants_move(st, txn, from, to,
	    &trec->participants)) != 0 ||
	    (rc = dups_delete(st, txn, st->dbi[DB_THREAD], from)) != 0)
		goto out;
	trec->messages += frec.messages;
	trec->nodes += frec.nodes;
	if (frec.messages > 0 && (trec->first == 0 || frec.first < trec->first))
		trec->first = frec.first;
	if (frec.last > trec->last)
		trec->last = frec.last;
out:
	g_ptr_array_unref(nodes);
	return rc;
}

/* Walk up from N to the top of its tree. */
static int
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

/* Earlier of two candidate roots: by date, then by store id. */
static bool
root_better(const struct node_rec *a, const struct node_rec *b)
{
	return b->msg == 0 || a->date < b->date ||
	    (a->date == b->date && a->msg < b->msg);
}

/*
 * The root message below placeholder TOP: the earliest real child; where
 * no child is real, the same search one level down (bounded).
 */
static int
root_below(struct store *st, MDB_txn *txn, const struct node *top,
    struct node_rec *best, int depth)
{
	MDB_cursor *cur;
	MDB_val k = { top->keylen, (void *)top->key }, v;
	struct node c, first_child;
	bool have_child = false;
	int rc;

	if ((rc = mdb_cursor_open(txn, st->dbi[DB_CHILD], &cur)) != 0)
		return rc;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
	while (rc == 0) {
		if ((rc = node_load(st, txn, be32_get(top->key), v.mv_data,
		    v.mv_size, &c)) != 0)
			break;
		if (c.rec.msg != 0 && root_better(&c.rec, best))
			*best = c.rec;
		if (!have_child && c.exists) {
			first_child = c;
			have_child = true;
		}
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP);
	}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND)
		return rc;
	if (best->msg == 0 && have_child && depth < 8)
		return root_below(st, txn, &first_child, best, depth + 1);
	return 0;
}

/* Recompute the root of the thread that node N is in. */
static int
thread_root(struct store *st, MDB_txn *txn, const struct node *n,
    uint64_t *root)
{
	struct node top = *n;
	struct node_rec best = { 0 };
	int rc;

	if ((rc = node_top(st, txn, be32_get(n->key), &top)) != 0)
		return rc;
	if (top.rec.msg != 0) {
		*root = top.rec.msg;
		return 0;
	}
	if ((rc = root_below(st, txn, &top, &best, 0)) != 0)
		return rc;
	*root = best.msg != 0 ? best.msg : n->rec.msg;
	return 0;
}

/* Load the top node of thread T (via its root message). */
static int
thread_top_node(struct store *st, MDB_txn *txn, uint32_t comm, uint64_t t,
    struct node *top)
{
	struct thread_rec rec;
	struct msg_view mv;
	char key[KRING_IDKEY_MAX + 65];
	size_t len;
	int rc;

	if ((rc = thread_get(st, txn, t, &rec, NULL, NULL)) != 0)
		return rc;
	if (rec.root == 0)
		return MDB_NOTFOUND;
	if ((rc = store_msg_get(st, txn, rec.root, &mv)) != 0)
		return rc;
	len = store_idkey(mv.message_id, key);
	if ((rc = node_load(st, txn, comm, key, len, top)) != 0)
		return rc;
	if (!top->exists)
		return MDB_NOTFOUND;
	return node_top(st, txn, comm, top);
}

#define SUBJ_F_ORPHAN_REPLY 1	/* registered by a reply with no headers */

struct subject_entry {
	unsigned char key[4 + KRING_IDKEY_MAX + 65];
	size_t keylen;
	uint64_t msg;		/* the message that registered the subject */
	uint64_t thread;	/* its thread now (threads merge) */
	int flags;
	bool found;
};

static int
subject_lookup(struct store *st, MDB_txn *txn, uint32_t comm,
    const char *base, struct subject_entry *e)
{
	struct msg_view mv;
	MDB_val k, v;
	int rc;

	be32_put(e->key, comm);
	e->keylen = 4 + store_idkey(base, (char *)e->key + 4);
	k.mv_data = e->key;
	k.mv_size = e->keylen;
	e->found = false;
	rc = mdb_get(txn, st->dbi[DB_SUBJECT], &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (v.mv_size != 9)
		return MDB_CORRUPTED;
	e->msg = be64_get(v.mv_data);
	e->flags = ((unsigned char *)v.mv_data)[8];
	if ((rc = store_msg_get(st, txn, e->msg, &mv)) != 0)
		return rc == MDB_NOTFOUND ? 0 : rc;
	e->thread = mv.rec.thread;
	e->found = true;
	return 0;
}

static int
subject_store(struct store *st, MDB_txn *txn, struct subject_entry *e,
    uint64_t msg, int flags)
{
	unsigned char buf[9];
	MDB_val k = { e->keylen, e->key }, v = { 9, buf };

	be64_put(buf, msg);
	buf[8] = (unsigned char)flags;
	return mdb_put(txn, st->dbi[DB_SUBJECT], &k, &v, 0);
}

/* The set of threads a new message touches, and the one that wins. */
struct thread_set {
	uint64_t ids[MSGINFO_MAX_REFS + 3];
	size_t n;
};

static void
thread_set_add(struct thread_set *ts, uint64_t id)
{
	if (id == 0)
		return;
	for (size_t i = 0; i < ts->n; i++)
		if (ts->ids[i] == id)
			return;
	ts->ids[ts->n++] = id;
}

/* The original of replies that came first: every top of thread T goes
 * under SELF. */
static int
adopt_tops(struct store *st, MDB_txn *txn, uint32_t comm, uint64_t t,
    struct node *self)
{
	GPtrArray *keys;
	struct node n;
	int rc;

	if ((rc = dups_copy(st, txn, st->dbi[DB_THREAD_NODE], t, &keys)) != 0)
		goto out;
	for (guint i = 0; i < keys->len; i++) {
		gsize len;
		const char *key = g_bytes_get_data(keys->pdata[i], &len);

		if ((rc = node_load(st, txn, comm, key, len, &n)) != 0)
			goto out;
		bool is_self = n.keylen == self->keylen &&
		    memcmp(n.key, self->key, n.keylen) == 0;

		if (n.exists && n.plen == 0 && !is_self &&
		    (rc = node_link(st, txn, &n, self, false)) != 0)
			goto out;
	}
out:
	g_ptr_array_unref(keys);
	return rc;
}

/*
 * Subject fallback, for a message with neither In-Reply-To nor
 * References.  A reply-prefixed one joins the thread of its base subject;
 * a non-reply adopts an earlier orphan reply to it.  Adds the thread found
 * to TS.
 */
static int
thread_by_subject(struct store *st, MDB_txn *txn, uint32_t comm,
    const struct msginfo *mi, struct node *self, struct thread_set *ts,
    struct subject_entry *se)
{
	char *base = subject_base(mi->subject);
	bool reply = subject_is_reply(mi->subject);
	struct node top;
	int rc = 0;

	se->keylen = 0;
	if (base[0] == '\0')
		goto out;
	if ((rc = subject_lookup(st, txn, comm, base, se)) != 0 || !se->found)
		goto out;
	if (reply) {
		/* Under the original; beside other replies while it is
		 * not here yet. */
		if (!(se->flags & SUBJ_F_ORPHAN_REPLY)) {
			if ((rc = thread_top_node(st, txn, comm, se->thread,
			    &top)) != 0)
				goto out;
			if (self->plen == 0 &&
			    (rc = node_link(st, txn, self, &top, false)) != 0)
				goto out;
		}
		thread_set_add(ts, se->thread);
	} else if (se->flags & SUBJ_F_ORPHAN_REPLY) {
		if ((rc = node_save(st, txn, self)) != 0 ||
		    (rc = adopt_tops(st, txn, comm, se->thread, self)) != 0)
			goto out;
		thread_set_add(ts, se->thread);
	}
out:
	g_free(base);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Pick the thread with most nodes in TS, or make a new one. */
static int
thread_choose(struct store *st, MDB_txn *txn, uint32_t comm,
    const struct thread_set *ts, uint64_t *target, struct thread_rec *trec,
    bool *created)
{
	struct thread_rec rec;
	int rc;

	*target = 0;
	*created = false;
	for (size_t i = 0; i < ts->n; i++) {
		if ((rc = thread_get(st, txn, ts->ids[i], &rec, NULL, NULL)))
			return rc;
		if (*target == 0 || rec.nodes > trec->nodes) {
			*target = ts->ids[i];
			*trec = rec;
		}
	}
	if (*target != 0)
		return 0;
	memset(trec, 0, sizeof *trec);
	trec->version = THREAD_REC_VERSION;
	trec->community = comm;
	*created = true;
	return store_next_id(st, txn, "next_thread", target);
}

/* Put node N into thread T (new nodes only). */
static int
node_join(struct store *st, MDB_txn *txn, struct node *n, uint64_t t,
    struct thread_rec *trec)
{
	unsigned char tk[8];
	MDB_val k = { 8, tk }, v = { n->keylen - 4, n->key + 4 };
	int rc;

	if (n->exists) {
		/* Links made since it was loaded may have changed it. */
		char key[KRING_IDKEY_MAX + 65];
		size_t len = n->keylen - 4;

		memcpy(key, n->key + 4, len);
		if ((rc = node_load(st, txn, be32_get(n->key), key, len, n)))
			return rc;
		if (n->rec.thread == t)
			return 0;
	}
	n->rec.thread = t;
	be64_put(tk, t);
	if ((rc = node_save(st, txn, n)) != 0)
		return rc;
	rc = mdb_put(txn, st->dbi[DB_THREAD_NODE], &k, &v, MDB_NODUPDATA);
	if (rc == MDB_KEYEXIST)
		return 0;
	if (rc == 0)
		trec->nodes++;
	return rc;
}

static int
participant_add(struct store *st, MDB_txn *txn, uint64_t t, const char *addr,
    struct thread_rec *trec)
{
	unsigned char tk[8];
	MDB_val k = { 8, tk }, v;
	int rc;

	if (addr[0] == '\0')
		return 0;
	be64_put(tk, t);
	v.mv_data = (void *)addr;
	v.mv_size = strnlen(addr, 400);
	rc = mdb_put(txn, st->dbi[DB_THREAD_PART], &k, &v, MDB_NODUPDATA);
	if (rc == 0)
		trec->participants++;
	return rc == MDB_KEYEXIST ? 0 : rc;
}

/*
 * SELF has just become a real message: drop guessed links around it that
 * its date shows to be wrong (its guessed parent, its guessed children).
 */
static int
recheck_guesses(struct store *st, MDB_txn *txn, struct node *self)
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

/* Link SELF and its references NODES[0..N-1] as the headers say; the
 * References chain only when its order can be trusted. */
static int
thread_link_refs(struct store *st, MDB_txn *txn, struct node *nodes, size_t n,
    struct node *self, bool chain)
{
	int rc;

	for (size_t i = 1; chain && i < n; i++)
		if ((rc = node_link(st, txn, &nodes[i], &nodes[i - 1], false)))
			return rc;
	if (n > 0)
		return node_link(st, txn, self, &nodes[n - 1], true);
	return node_save(st, txn, self);
}

/* Subject and root of thread T after N (a real message) joined it. */
static int
thread_finish(struct store *st, MDB_txn *txn, uint64_t t,
    struct thread_rec *trec, const struct node *self, const char *subject)
{
	struct msg_view mv;
	uint64_t root;
	int rc;

	if ((rc = thread_root(st, txn, self, &root)) != 0)
		return rc;
	trec->root = root;
	if (root != self->rec.msg) {
		if ((rc = store_msg_get(st, txn, root, &mv)) == 0)
			subject = mv.subject;
		else if (rc != MDB_NOTFOUND)
			return rc;
	}
	return thread_put(st, txn, t, trec, subject, strlen(subject));
}

int
thread_add(struct store *st, MDB_txn *txn, uint32_t comm, uint64_t msg_id,
    const struct msginfo *mi, int64_t time, uint64_t *thread)
{
	struct node *nodes = g_new0(struct node, mi->nrefs + 1);
	struct node *self = &nodes[mi->nrefs];
	struct thread_set ts = { .n = 0 };
	struct subject_entry se = { .keylen = 0 };
	struct thread_rec trec;
	char key[KRING_IDKEY_MAX + 65];
	uint64_t target;
	bool created;
	size_t len;
	int rc;

	for (size_t i = 0; i <= mi->nrefs; i++) {
		len = store_idkey(i < mi->nrefs ? mi->refs[i] : mi->message_id,
		    key);
		if ((rc = node_load(st, txn, comm, key, len, &nodes[i])) != 0)
			goto out;
	}
	self->rec.msg = msg_id;
	self->rec.date = mi->has_date ? mi->date : time;
	if (self->exists && (rc = recheck_guesses(st, txn, self)) != 0)
		goto out;
	if ((rc = thread_link_refs(st, txn, nodes, mi->nrefs, self,
	    !mi->refs_unordered)) != 0)
		goto out;
	if (mi->nrefs == 0 && (rc = thread_by_subject(st, txn, comm, mi, self,
	    &ts, &se)) != 0)
		goto out;
	for (size_t i = 0; i <= mi->nrefs; i++)
		thread_set_add(&ts, nodes[i].rec.thread);
	if ((rc = thread_choose(st, txn, comm, &ts, &target, &trec, &created)))
		goto out;
	for (size_t i = 0; i < ts.n; i++)
		if (ts.ids[i] != target &&
		    (rc = thread_merge(st, txn, comm, ts.ids[i], target, &trec)))
			goto out;
	for (size_t i = 0; i <= mi->nrefs; i++)
		if ((rc = node_join(st, txn, &nodes[i], target, &trec)) != 0)
			goto out;
	trec.messages++;
	if (trec.first == 0 || time < trec.first)
		trec.first = time;
	if (time > trec.last)
		trec.last = time;
	if ((rc = participant_add(st, txn, target, mi->from, &trec)) != 0 ||
	    (rc = thread_finish(st, txn, target, &trec, self, mi->subject)) != 0)
		goto out;
	if (mi->nrefs == 0 && se.keylen > 0 && (!se.found ||
	    (se.flags & SUBJ_F_ORPHAN_REPLY && !subject_is_reply(mi->subject))))
		rc = subject_store(st, txn, &se, msg_id,
		    subject_is_reply(mi->subject) ? SUBJ_F_ORPHAN_REPLY : 0);
	if (rc == 0 && created) {
		struct count_rec c;

		if ((rc = store_counts_get(st, txn, comm, &c)) == 0) {
			c.threads++;
			rc = store_counts_put(st, txn, comm, &c);
		}
	}
	if (rc == 0 && ts.n > 1) {
		struct count_rec c;

		if ((rc = store_counts_get(st, txn, comm, &c)) == 0) {
			c.threads -= ts.n - 1;
			rc = store_counts_put(st, txn, comm, &c);
		}
	}
	*thread = target;
out:
	g_free(nodes);
	return rc;
}
