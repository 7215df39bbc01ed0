/*
 * activity.c: the posts of a period and their staff answers (activity.h).
 */
#include <string.h>
#include <glib.h>

#include "kring/activity.h"
#include "kring/thread.h"

void
post_free(struct post *p)
{
	if (p == NULL)
		return;
	g_free(p->from);
	g_free(p->subject);
	g_free(p->message_id);
	g_free(p);
}

int
post_load(struct store *st, MDB_txn *txn, const struct community_conf *conf,
    uint64_t msg, struct post **out)
{
	struct msg_view v;
	struct post *p;
	int rc;

	*out = NULL;
	if ((rc = store_msg_get(st, txn, msg, &v)) != 0)
		return rc;
	p = g_new0(struct post, 1);
	p->msg = msg;
	p->thread = v.rec.thread;
	p->time = v.rec.time;
	p->from = g_ascii_strdown(v.from[0] ? v.from : v.sender, -1);
	p->subject = g_strdup(v.subject);
	p->message_id = g_strdup(v.message_id);
	p->staff = config_staff(conf, p->from) != NULL;
	p->action = (v.rec.flags & MSG_F_STAFF_ACTION) != 0;
	*out = p;
	return 0;
}

/* Time of the message at node key K (community + idkey) if it is a staff
 * post; 0 otherwise. */
static int
staff_time_of_node(struct store *st, MDB_txn *txn,
    const struct community_conf *conf, MDB_val *k, int64_t *when)
{
	struct node_rec rec;
	struct msg_view v;
	MDB_val nv;
	int rc;

	*when = 0;
	if ((rc = mdb_get(txn, st->dbi[DB_NODE], k, &nv)) != 0)
		return rc == MDB_NOTFOUND ? 0 : rc;
	if (nv.mv_size < sizeof rec)
		return MDB_CORRUPTED;
	memcpy(&rec, nv.mv_data, sizeof rec);
	if (rec.msg == 0)
		return 0;	/* a placeholder */
	if ((rc = store_msg_get(st, txn, rec.msg, &v)) != 0)
		return rc;
	if (!(v.rec.flags & MSG_F_STAFF_ACTION) &&
	    config_staff(conf, v.from[0] ? v.from : v.sender) != NULL)
		*when = v.rec.time;
	return 0;
}

int
activity_answer(struct store *st, MDB_txn *txn, uint32_t comm,
    const struct community_conf *conf, const char *msgid, int64_t *when)
{
	unsigned char key[4 + KRING_IDKEY_MAX + 65], ckey[sizeof key];
	MDB_val k, v;
	MDB_cursor *cur;
	int rc;

	*when = 0;
	be32_put(key, comm);
	k.mv_size = 4 + store_idkey(msgid, (char *)key + 4);
	k.mv_data = key;
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_CHILD], &cur)) != 0)
		return rc;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) {
		MDB_val ck = { 4 + v.mv_size, ckey };
		int64_t t;

		if (v.mv_size > sizeof ckey - 4) {
			rc = MDB_CORRUPTED;
			break;
		}
		memcpy(ckey, key, 4);
		memcpy(ckey + 4, v.mv_data, v.mv_size);
		if ((rc = staff_time_of_node(st, txn, conf, &ck, &t)) != 0)
			break;
		if (t != 0 && (*when == 0 || t < *when))
			*when = t;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Load message MSG as a post of A, with its answer; QUESTIONS holds the
 * message ids of the topics' questions. */
static int
activity_add(struct store *st, MDB_txn *txn, struct activity *a, uint64_t msg,
    GHashTable *questions)
{
	struct post *p;
	int rc;

	if ((rc = post_load(st, txn, a->conf, msg, &p)) != 0)
		return rc;
	g_ptr_array_add(a->posts, p);
	/* A question put by kring topic new carries no flag of its own. */
	if (g_hash_table_contains(questions, &p->msg))
		p->action = true;
	if (!post_is_member(p))
		return 0;
	return activity_answer(st, txn, a->community, a->conf, p->message_id,
	    &p->answered);
}

static int
add_question(struct topic *t, void *arg)
{
	uint64_t *msg = g_new(uint64_t, 1);

	*msg = t->rec.msg;
	g_hash_table_add(arg, msg);
	return 0;
}

int
activity_scan(struct store *st, MDB_txn *txn, uint32_t comm,
    const struct community_conf *conf, int64_t since, int64_t until,
    struct activity *a)
{
	unsigned char kb[STORE_BY_TIME_KEY], end[STORE_BY_TIME_KEY];
	MDB_val k = { sizeof kb, kb }, v;
	MDB_cursor *cur;
	GHashTable *questions;
	int rc;

	memset(a, 0, sizeof *a);
	a->community = comm;
	a->conf = conf;
	a->since = since;
	a->until = until;
	a->posts = g_ptr_array_new_with_free_func((GDestroyNotify)post_free);
	store_by_time_key(kb, comm, since, 0);
	store_by_time_key(end, comm, until, 0);
	questions = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
	    NULL);
	if ((rc = topic_each(st, txn, comm, add_question, questions)) != 0) {
		g_hash_table_unref(questions);
		return rc;
	}
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_BY_TIME], &cur)) != 0) {
		g_hash_table_unref(questions);
		return rc;
	}
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != sizeof end ||
		    memcmp(k.mv_data, end, sizeof end) >= 0)
			break;
		if ((rc = activity_add(st, txn, a,
		    be64_get((unsigned char *)k.mv_data + 12), questions)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	g_hash_table_unref(questions);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

void
activity_count(const struct activity *a, struct activity_counts *c)
{
	GHashTable *members = g_hash_table_new(g_str_hash, g_str_equal);

	memset(c, 0, sizeof *c);
	for (guint i = 0; i < a->posts->len; i++) {
		const struct post *p = a->posts->pdata[i];

		if (post_is_staff(p))
			c->staff_posts++;
		else if (post_is_member(p)) {
			c->member_posts++;
			g_hash_table_add(members, p->from);
		}
	}
	c->members = g_hash_table_size(members);
	g_hash_table_unref(members);
}

/* Count into LATER (address -> count) the messages of A's community
 * from each of its addresses that arrived at or after A's start. */
static int
count_from_start(struct store *st, MDB_txn *txn, const struct activity *a,
    GHashTable *later)
{
	unsigned char kb[STORE_BY_TIME_KEY];
	MDB_val k = { sizeof kb, kb }, v;
	MDB_cursor *cur;
	int rc;

	store_by_time_key(kb, a->community, a->since, 0);
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_BY_TIME], &cur)) != 0)
		return rc;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct msg_view mv;
		gpointer n;
		char *from;

		if (k.mv_size != sizeof kb ||
		    be32_get(k.mv_data) != a->community)
			break;
		if ((rc = store_msg_get(st, txn,
		    be64_get((unsigned char *)k.mv_data + 12), &mv)) != 0)
			break;
		from = g_ascii_strdown(mv.from[0] ? mv.from : mv.sender, -1);
		if (g_hash_table_lookup_extended(later, from, NULL, &n))
			g_hash_table_insert(later, from,	/* keeps its key */
			    GSIZE_TO_POINTER(GPOINTER_TO_SIZE(n) + 1));
		g_free(from);
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int
activity_first_posters(struct store *st, MDB_txn *txn,
    const struct activity *a, long *n)
{
	GHashTable *later = g_hash_table_new(g_str_hash, g_str_equal);
	GHashTableIter it;
	gpointer addr, count;
	uint64_t total;
	int rc;

	*n = 0;
	for (guint i = 0; i < a->posts->len; i++) {
		const struct post *p = a->posts->pdata[i];

		if (post_is_member(p))
			g_hash_table_insert(later, p->from, GSIZE_TO_POINTER(0));
	}
	rc = g_hash_table_size(later) > 0 ?
	    count_from_start(st, txn, a, later) : 0;
	g_hash_table_iter_init(&it, later);
	while (rc == 0 && g_hash_table_iter_next(&it, &addr, &count)) {
		/* DB_SENDER counts every message ever: none before the
		 * period when they all came at or after its start. */
		rc = store_sender_get(st, txn, a->community, addr, &total);
		if (rc == 0 && total <= GPOINTER_TO_SIZE(count))
			(*n)++;
	}
	g_hash_table_unref(later);
	return rc;
}

void
activity_free(struct activity *a)
{
	if (a->posts != NULL)
		g_ptr_array_unref(a->posts);
	a->posts = NULL;
}

static gint
post_cmp_time(gconstpointer a, gconstpointer b, gpointer unused)
{
	const struct post *pa = *(struct post *const *)a;
	const struct post *pb = *(struct post *const *)b;

	return pa->time < pb->time ? -1 : pa->time > pb->time ? 1 :
	    pa->msg < pb->msg ? -1 : pa->msg > pb->msg;
}

int
activity_thread_posts(struct store *st, MDB_txn *txn, uint32_t comm,
    const struct community_conf *conf, uint64_t thread, GPtrArray *out)
{
	unsigned char tk[8], nk[4 + KRING_IDKEY_MAX + 65];
	MDB_val k = { 8, tk }, v;
	MDB_cursor *cur;
	guint first = out->len;
	int rc;

	be64_put(tk, thread);
	be32_put(nk, comm);
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_THREAD_NODE], &cur)) != 0)
		return rc;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) {
		MDB_val key = { 4 + v.mv_size, nk }, nv;
		struct node_rec rec;
		struct post *p;

		if (v.mv_size > sizeof nk - 4) {
			rc = MDB_CORRUPTED;
			break;
		}
		memcpy(nk + 4, v.mv_data, v.mv_size);
		if ((rc = mdb_get(txn, st->dbi[DB_NODE], &key, &nv)) != 0 ||
		    nv.mv_size < sizeof rec)
			break;
		memcpy(&rec, nv.mv_data, sizeof rec);
		if (rec.msg == 0)
			continue;
		if ((rc = post_load(st, txn, conf, rec.msg, &p)) != 0)
			break;
		g_ptr_array_add(out, p);
	}
	mdb_cursor_close(cur);
	if (rc == 0 || rc == MDB_NOTFOUND) {
		/* Sort only what was added. */
		g_qsort_with_data(out->pdata + first, (gint)(out->len - first),
		    sizeof(gpointer), post_cmp_time, NULL);
		return 0;
	}
	return rc;
}

int
activity_topic_posts(struct store *st, MDB_txn *txn,
    const struct community_conf *conf, const struct topic *t,
    GPtrArray *out)
{
	struct msg_view v;
	int rc = store_msg_get(st, txn, t->rec.msg, &v);

	if (rc != 0)
		return rc;
	return activity_thread_posts(st, txn, t->rec.community, conf,
	    v.rec.thread, out);
}

long
activity_topic_responses(const struct topic *t, const GPtrArray *posts,
    int64_t until)
{
	long n = 0;

	for (guint i = 0; i < posts->len; i++) {
		const struct post *p = posts->pdata[i];

		n += p->msg != t->rec.msg && post_is_member(p) &&
		    p->time < until;
	}
	return n;
}
