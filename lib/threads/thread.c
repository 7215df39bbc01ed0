/*
 * thread.c: JWZ-style threading kept in the store (see thread.h for the
 * rules): which thread a message joins, merges of threads (the smaller
 * one is relabelled), the subject fallback, and each thread's record
 * (root, counts, participants).  The parent links themselves are
 * thread_node.c's.
 */
#include <string.h>
#include <glib.h>

#include "kring/thread.h"
#include "thread_node.h"

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

static void
set_thread(struct msg_rec *rec, void *thread)
{
	rec->thread = *(uint64_t *)thread;
}

/* Point msg record MSG at THREAD (after a merge). */
static int
msg_set_thread(struct store *st, MDB_txn *txn, uint64_t msg, uint64_t thread)
{
	int rc = store_msg_update(st, txn, msg, set_thread, &thread);

	return rc == MDB_NOTFOUND ? 0 : rc;	/* not written yet */
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

/* The community's thread count changes by DELTA (new: +1, merged: -k). */
static int
threads_count(struct store *st, MDB_txn *txn, uint32_t comm, int64_t delta)
{
	struct count_rec c;
	int rc;

	if ((rc = store_counts_get(st, txn, comm, &c)) != 0)
		return rc;
	c.threads = (uint64_t)((int64_t)c.threads + delta);
	return store_counts_put(st, txn, comm, &c);
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
	if (self->exists && (rc = node_recheck_guesses(st, txn, self)) != 0)
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
	if (rc == 0 && (created || ts.n > 1))
		rc = threads_count(st, txn, comm, created ? 1 : 1 - (int64_t)ts.n);
	*thread = target;
out:
	g_free(nodes);
	return rc;
}
