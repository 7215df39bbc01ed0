/*
 * ingest.c: the one path by which a message enters the store, for kringd
 * and `kring import` alike.  Runs inside the caller's write transaction;
 * the caller commits (kringd: many messages per commit).
 */
#include <errno.h>
#include <string.h>
#include <glib.h>

#include "kring/ingest.h"
#include "kring/msginfo.h"
#include "kring/thread.h"
#include "kring/util.h"

static int
msg_put(struct store *st, MDB_txn *txn, uint64_t id, const struct msg_rec *rec,
    const struct msginfo *mi, const char *sender)
{
	const char *strs[4] = { mi->message_id, sender, mi->from, mi->subject };
	size_t lens[4], total = sizeof *rec;
	unsigned char kb[8];
	MDB_val k = { 8, kb }, v;
	char *p;
	int rc;

	for (int i = 0; i < 4; i++) {
		/* Bound each string: a record never grows with hostile input. */
		lens[i] = strnlen(strs[i], 4000);
		total += lens[i] + 1;
	}
	be64_put(kb, id);
	v.mv_size = total;
	if ((rc = mdb_put(txn, st->dbi[DB_MSG], &k, &v, MDB_RESERVE)) != 0)
		return rc;
	p = v.mv_data;
	memcpy(p, rec, sizeof *rec);
	p += sizeof *rec;
	for (int i = 0; i < 4; i++) {
		memcpy(p, strs[i], lens[i]);
		p[lens[i]] = '\0';
		p += lens[i] + 1;
	}
	return 0;
}

static int
raw_put(struct store *st, MDB_txn *txn, uint64_t id, const char *raw,
    size_t len)
{
	unsigned char kb[8];
	MDB_val k = { 8, kb }, v = { len, (void *)raw };

	be64_put(kb, id);
	return mdb_put(txn, st->dbi[DB_RAW], &k, &v, MDB_APPEND);
}

static int
by_time_put(struct store *st, MDB_txn *txn, uint32_t comm, int64_t time,
    uint64_t id)
{
	unsigned char kb[STORE_BY_TIME_KEY];
	MDB_val k = { sizeof kb, kb }, v = { 0, NULL };

	store_by_time_key(kb, comm, time, id);
	return mdb_put(txn, st->dbi[DB_BY_TIME], &k, &v, 0);
}

/* Count one more message by ADDR; *IS_NEW when it is their first. */
static int
sender_count(struct store *st, MDB_txn *txn, uint32_t comm, const char *addr,
    bool *is_new)
{
	uint64_t n;
	int rc = store_sender_get(st, txn, comm, addr, &n);

	/* A bad record is counted afresh rather than failing the message. */
	if (rc != 0 && rc != MDB_CORRUPTED)
		return rc;
	if (rc != 0)
		n = 0;
	*is_new = n == 0;
	return store_sender_put(st, txn, comm, addr, n + 1);
}

static int
counts_add(struct store *st, MDB_txn *txn, uint32_t comm, bool new_sender)
{
	struct count_rec c;
	int rc;

	if ((rc = store_counts_get(st, txn, comm, &c)) != 0)
		return rc;
	c.messages++;
	if (new_sender)
		c.senders++;
	return store_counts_put(st, txn, comm, &c);
}

/* Record a message not seen before. */
static int
ingest_new(struct store *st, MDB_txn *txn, uint32_t comm,
    const struct msginfo *mi, const char *raw, size_t len, int64_t time,
    const char *sender, struct ingest_result *res)
{
	struct msg_rec rec = { .version = MSG_REC_VERSION, .community = comm };
	const char *author = mi->from[0] ? mi->from : sender;
	bool new_sender = false;
	int rc;

	if ((rc = store_next_id(st, txn, "next_msg", &res->msg_id)) != 0 ||
	    (rc = thread_add(st, txn, comm, res->msg_id, mi, time,
	    &res->thread)) != 0)
		return rc;
	rec.thread = res->thread;
	rec.time = time;
	rec.date = mi->has_date ? mi->date : time;
	rec.size = (uint32_t)len;
	rec.flags = mi->derived_id ? MSG_F_DERIVED_ID : 0;
	if ((rc = raw_put(st, txn, res->msg_id, raw, len)) != 0 ||
	    (rc = msg_put(st, txn, res->msg_id, &rec, mi, sender)) != 0 ||
	    (rc = by_time_put(st, txn, comm, time, res->msg_id)) != 0)
		return rc;
	g_strlcpy(res->author, author, sizeof res->author);
	if (author[0] != '\0' &&
	    (rc = sender_count(st, txn, comm, author, &new_sender)) != 0)
		return rc;
	return counts_add(st, txn, comm, new_sender);
}

int
ingest_message(struct store *st, MDB_txn *txn, const char *community,
    const char *raw, size_t len, size_t header_len, int64_t time,
    const char *sender, struct ingest_result *res)
{
	struct msginfo mi;
	struct msg_view mv;
	uint32_t comm;
	int rc;

	memset(res, 0, sizeof *res);
	if (msginfo_parse(raw + header_len, len - header_len, &mi) != 0)
		return ENOMEM;
	store_idkey(mi.message_id, res->message_id);
	if (time == INGEST_TIME_FROM_DATE)
		time = mi.has_date ? mi.date : kring_now();
	if ((rc = store_community_id(st, txn, community, true, &comm)) != 0)
		goto out;
	rc = store_msg_find(st, txn, comm, mi.message_id, &res->msg_id);
	if (rc == 0) {
		/* A retried delivery: acknowledge, store nothing. */
		res->duplicate = true;
		if ((rc = store_msg_get(st, txn, res->msg_id, &mv)) == 0)
			res->thread = mv.rec.thread;
		goto out;
	}
	if (rc != MDB_NOTFOUND)
		goto out;
	rc = ingest_new(st, txn, comm, &mi, raw, len, time, sender, res);
out:
	msginfo_release(&mi);
	return rc;
}
