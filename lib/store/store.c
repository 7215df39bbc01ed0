/*
 * store.c: the LMDB environment and the records every part shares.
 * Layouts are documented in include/kring/store.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <glib.h>

#include "kring/store.h"

static const struct {
	const char *name;
	unsigned flags;
} db_defs[DB__COUNT] = {
	[DB_META] = { "meta", 0 },
	[DB_COMMUNITY] = { "community", 0 },
	[DB_RAW] = { "raw", 0 },
	[DB_MSG] = { "msg", 0 },
	[DB_NODE] = { "node", 0 },
	[DB_CHILD] = { "child", MDB_DUPSORT },
	[DB_THREAD] = { "thread", 0 },
	[DB_THREAD_NODE] = { "thread_node", MDB_DUPSORT },
	[DB_THREAD_PART] = { "thread_part", MDB_DUPSORT },
	[DB_SUBJECT] = { "subject", 0 },
	[DB_SENDER] = { "sender", 0 },
	[DB_COUNTS] = { "counts", 0 },
	[DB_BY_TIME] = { "by_time", 0 },
	[DB_OUTBOX] = { "outbox", 0 },
	[DB_OUTBOX_RAW] = { "outbox_raw", 0 },
	[DB_OUTBOX_DUE] = { "outbox_due", 0 },
	[DB_TOPIC] = { "topic", 0 },
	[DB_MEMBER] = { "member", 0 },
	[DB_LEDGER] = { "ledger", 0 },
	[DB_MEMBER_ID] = { "member_id", 0 },
	[DB_FANOUT] = { "fanout", 0 },
	[DB_OUTBOX_BODY] = { "outbox_body", 0 },
	[DB_OUTBOX_BREF] = { "outbox_bref", 0 },
	[DB_HELD] = { "held", 0 },
	[DB_HELD_RAW] = { "held_raw", 0 },
	[DB_BOUNCE] = { "bounce", 0 },
};

void
be64_put(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

uint64_t
be64_get(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

void
be32_put(unsigned char *p, uint32_t v)
{
	for (int i = 3; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

uint32_t
be32_get(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Check or write the schema version, in its own transaction. */
static int
store_check_schema(struct store *st, bool readonly, char *err, size_t errlen)
{
	MDB_txn *txn;
	MDB_val k = { 6, "schema" }, v;
	unsigned char buf[4];
	int rc;

	if ((rc = mdb_txn_begin(st->env, NULL, readonly ? MDB_RDONLY : 0, &txn)))
		return rc;
	rc = mdb_get(txn, st->dbi[DB_META], &k, &v);
	if (rc == MDB_NOTFOUND && !readonly) {
		be32_put(buf, KRING_SCHEMA_VERSION);
		v.mv_data = buf;
		v.mv_size = 4;
		if ((rc = mdb_put(txn, st->dbi[DB_META], &k, &v, 0)) == 0)
			return mdb_txn_commit(txn);
	} else if (rc == 0 && (v.mv_size != 4 ||
	    be32_get(v.mv_data) != KRING_SCHEMA_VERSION)) {
		snprintf(err, errlen, "%s: store schema %u, this kring reads %d",
		    st->path, v.mv_size == 4 ? be32_get(v.mv_data) : 0,
		    KRING_SCHEMA_VERSION);
		rc = EINVAL;
	}
	mdb_txn_abort(txn);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int
store_open_dbs(struct store *st, bool readonly)
{
	MDB_txn *txn;
	int rc;

	if ((rc = mdb_txn_begin(st->env, NULL, readonly ? MDB_RDONLY : 0, &txn)))
		return rc;
	for (int i = 0; i < DB__COUNT; i++) {
		rc = mdb_dbi_open(txn, db_defs[i].name,
		    db_defs[i].flags | (readonly ? 0 : MDB_CREATE), &st->dbi[i]);
		if (rc != 0) {
			mdb_txn_abort(txn);
			return rc;
		}
	}
	return mdb_txn_commit(txn);
}

int
store_open(struct store *st, const char *path, long map_size_mb,
    bool readonly, char *err, size_t errlen)
{
	int rc;
	size_t mapsize = (size_t)(map_size_mb > 0 ? map_size_mb : 4096) << 20;

	memset(st, 0, sizeof *st);
	st->path = g_strdup(path);
	if (!readonly && mkdir(path, 0750) != 0 && errno != EEXIST) {
		rc = errno;
		snprintf(err, errlen, "%s: cannot create: %s", path, strerror(rc));
		goto fail;
	}
	if ((rc = mdb_env_create(&st->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(st->env, DB__COUNT)) != 0 ||
	    (rc = mdb_env_set_maxreaders(st->env, 254)) != 0 ||
	    (rc = mdb_env_set_mapsize(st->env, mapsize)) != 0) {
		snprintf(err, errlen, "%s: %s", path, mdb_strerror(rc));
		goto fail;
	}
	/* No MDB_NOSYNC: a commit is on disk when it returns. */
	rc = mdb_env_open(st->env, path, readonly ? MDB_RDONLY : 0, 0640);
	if (rc != 0) {
		snprintf(err, errlen, "%s: cannot open store: %s", path,
		    mdb_strerror(rc));
		goto fail;
	}
	if ((rc = store_open_dbs(st, readonly)) != 0) {
		snprintf(err, errlen, "%s: %s", path, rc == MDB_NOTFOUND ?
		    "not a kring store (or empty)" : mdb_strerror(rc));
		goto fail;
	}
	err[0] = '\0';
	if ((rc = store_check_schema(st, readonly, err, errlen)) != 0) {
		if (err[0] == '\0')
			snprintf(err, errlen, "%s: %s", path, mdb_strerror(rc));
		goto fail;
	}
	return 0;
fail:
	store_close(st);
	return rc;
}

void
store_close(struct store *st)
{
	if (st->env != NULL)
		mdb_env_close(st->env);
	g_free(st->path);
	memset(st, 0, sizeof *st);
}

int
store_begin(struct store *st, bool write, MDB_txn **txn)
{
	return mdb_txn_begin(st->env, NULL, write ? 0 : MDB_RDONLY, txn);
}

int
store_commit(struct store *st, MDB_txn *txn)
{
	int rc = mdb_txn_commit(txn);
	struct statvfs vfs;
	unsigned long long room;

	/* LMDB's mdb_page_flush turns a short pwrite into EIO ("short
	 * write, filesystem full?"); the client must hear 452 4.3.1 then,
	 * as for ENOSPC, not 451.  A real I/O error on a nearly full disk
	 * becomes 452 too: both are temporary, the client keeps the mail. */
	if (rc != EIO || statvfs(st->path, &vfs) != 0)
		return rc;
	room = (unsigned long long)(geteuid() == 0 ? vfs.f_bfree :
	    vfs.f_bavail) * vfs.f_frsize;
	return room < STORE_ROOM_MIN ? ENOSPC : rc;
}

int
store_reclaim(struct store *st)
{
	MDB_txn *txn;
	MDB_val k = { 6, "schema" }, v;
	unsigned char buf[4];
	int dead, rc;

	if ((rc = mdb_reader_check(st->env, &dead)) != 0 ||
	    (rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0)
		return rc;
	if ((rc = mdb_get(txn, st->dbi[DB_META], &k, &v)) == 0 &&
	    v.mv_size == sizeof buf) {
		memcpy(buf, v.mv_data, sizeof buf);	/* dies with the put */
		v.mv_data = buf;
		rc = mdb_put(txn, st->dbi[DB_META], &k, &v, 0);
	} else if (rc == 0)
		rc = EINVAL;
	if (rc != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	return store_commit(st, txn);
}

/* Where store_preallocate would write zeros: from *FROM (the file's
 * end) to *TO; *TO == *FROM when AHEAD bytes are there already. */
static int
prealloc_plan(struct store *st, size_t ahead, size_t chunk, int *fd,
    off_t *from, off_t *to)
{
	MDB_envinfo info;
	MDB_stat stat;
	struct stat sb;
	off_t used;

	if (mdb_env_info(st->env, &info) != 0 ||
	    mdb_env_stat(st->env, &stat) != 0 ||
	    mdb_env_get_fd(st->env, fd) != 0 || fstat(*fd, &sb) != 0)
		return EIO;
	used = (off_t)(info.me_last_pgno + 1) * stat.ms_psize;
	*from = *to = sb.st_size;
	if (sb.st_size - used < (off_t)ahead)
		*to = sb.st_size + (off_t)chunk;
	if (*to > (off_t)info.me_mapsize)
		*to = (off_t)info.me_mapsize;
	if (*to < *from)
		*to = *from;
	return 0;
}

int
store_preallocate(struct store *st, size_t ahead, size_t chunk)
{
	static const char zeros[1 << 16];
	MDB_txn *lock;
	off_t end, target;
	int fd, rc;

	if ((rc = prealloc_plan(st, ahead, chunk, &fd, &end, &target)) != 0 ||
	    end == target)
		return rc;
	/* Again under LMDB's writer lock (a write transaction, aborted):
	 * kringd has more threads that write (fan-out, delivery) and tools
	 * are processes that write; a commit of theirs between our fstat and
	 * pwrite would put pages past the end we read, and the zeros would
	 * overwrite them. */
	if ((rc = mdb_txn_begin(st->env, NULL, 0, &lock)) != 0)
		return rc;
	if ((rc = prealloc_plan(st, ahead, chunk, &fd, &end, &target)) != 0)
		goto out;
	/* Only past the end of the file: LMDB has written nothing there. */
	while (end < target) {
		size_t n = (size_t)(target - end) < sizeof zeros ?
		    (size_t)(target - end) : sizeof zeros;
		ssize_t w = pwrite(fd, zeros, n, end);

		if (w < 0) {
			rc = errno;
			goto out;
		}
		end += w;
	}
	if (fdatasync(fd) != 0)
		rc = errno;
out:
	mdb_txn_abort(lock);
	return rc;
}

size_t
store_idkey(const char *msgid, char *key)
{
	size_t len = strlen(msgid);
	gchar *hex;

	if (len <= KRING_IDKEY_MAX && len > 0 && msgid[0] != '#') {
		memcpy(key, msgid, len + 1);
		return len;
	}
	hex = g_compute_checksum_for_string(G_CHECKSUM_SHA256, msgid, (gssize)len);
	key[0] = '#';
	memcpy(key + 1, hex, 65);
	g_free(hex);
	return 65;
}

int
store_next_id(struct store *st, MDB_txn *txn, const char *counter,
    uint64_t *id)
{
	MDB_val k = { strlen(counter), (void *)counter }, v;
	unsigned char buf[8];
	uint64_t next = 1;
	int rc;

	rc = mdb_get(txn, st->dbi[DB_META], &k, &v);
	if (rc == 0 && v.mv_size == 8)
		next = be64_get(v.mv_data);
	else if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	*id = next;
	be64_put(buf, next + 1);
	v.mv_data = buf;
	v.mv_size = 8;
	return mdb_put(txn, st->dbi[DB_META], &k, &v, 0);
}

int
store_community_id(struct store *st, MDB_txn *txn, const char *name,
    bool create, uint32_t *id)
{
	MDB_val k = { strlen(name), (void *)name }, v;
	unsigned char buf[4];
	uint64_t next;
	int rc;

	rc = mdb_get(txn, st->dbi[DB_COMMUNITY], &k, &v);
	if (rc == 0 && v.mv_size == 4) {
		*id = be32_get(v.mv_data);
		return 0;
	}
	if (rc != MDB_NOTFOUND || !create)
		return rc == 0 ? MDB_CORRUPTED : rc;
	if ((rc = store_next_id(st, txn, "next_community", &next)) != 0)
		return rc;
	*id = (uint32_t)next;
	be32_put(buf, *id);
	v.mv_data = buf;
	v.mv_size = 4;
	return mdb_put(txn, st->dbi[DB_COMMUNITY], &k, &v, 0);
}

int
store_community_name(struct store *st, MDB_txn *txn, uint32_t id,
    char *buf, size_t buflen)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	if ((rc = mdb_cursor_open(txn, st->dbi[DB_COMMUNITY], &cur)) != 0)
		return rc;
	rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (v.mv_size == 4 && be32_get(v.mv_data) == id) {
			snprintf(buf, buflen, "%.*s", (int)k.mv_size,
			    (const char *)k.mv_data);
			break;
		}
	}
	mdb_cursor_close(cur);
	return rc;
}

/* Point *OUT at the NUL-terminated string at *P within END; advance. */
static int
next_string(const char **p, const char *end, const char **out)
{
	const char *nul = memchr(*p, '\0', (size_t)(end - *p));

	if (nul == NULL)
		return MDB_CORRUPTED;
	*out = *p;
	*p = nul + 1;
	return 0;
}

int
store_msg_get(struct store *st, MDB_txn *txn, uint64_t id, struct msg_view *mv)
{
	unsigned char kb[8];
	MDB_val k = { 8, kb }, v;
	const char *p, *end;
	int rc;

	be64_put(kb, id);
	if ((rc = mdb_get(txn, st->dbi[DB_MSG], &k, &v)) != 0)
		return rc;
	if (v.mv_size < sizeof mv->rec)
		return MDB_CORRUPTED;
	memcpy(&mv->rec, v.mv_data, sizeof mv->rec);
	if (mv->rec.version != MSG_REC_VERSION)
		return MDB_VERSION_MISMATCH;
	p = (const char *)v.mv_data + sizeof mv->rec;
	end = (const char *)v.mv_data + v.mv_size;
	if ((rc = next_string(&p, end, &mv->message_id)) ||
	    (rc = next_string(&p, end, &mv->sender)) ||
	    (rc = next_string(&p, end, &mv->from)) ||
	    (rc = next_string(&p, end, &mv->subject)))
		return rc;
	return 0;
}

int
store_msg_update(struct store *st, MDB_txn *txn, uint64_t id,
    void (*change)(struct msg_rec *rec, void *arg), void *arg)
{
	unsigned char kb[8];
	MDB_val k = { 8, kb }, v;
	struct msg_rec rec;
	void *copy;
	int rc;

	be64_put(kb, id);
	if ((rc = mdb_get(txn, st->dbi[DB_MSG], &k, &v)) != 0)
		return rc;
	if (v.mv_size < sizeof rec)
		return MDB_CORRUPTED;
	/* Values from mdb_get are read-only: change a copy. */
	copy = g_memdup2(v.mv_data, v.mv_size);
	memcpy(&rec, copy, sizeof rec);
	change(&rec, arg);
	memcpy(copy, &rec, sizeof rec);
	v.mv_data = copy;
	rc = mdb_put(txn, st->dbi[DB_MSG], &k, &v, 0);
	g_free(copy);
	return rc;
}

int
store_raw_get(struct store *st, MDB_txn *txn, uint64_t id, MDB_val *raw)
{
	unsigned char kb[8];
	MDB_val k = { 8, kb };

	be64_put(kb, id);
	return mdb_get(txn, st->dbi[DB_RAW], &k, raw);
}

/* The real message at node (COMM, MSGID), if any. */
static int
store_msg_find_in(struct store *st, MDB_txn *txn, uint32_t comm,
    const char *msgid, uint64_t *id)
{
	unsigned char kb[4 + KRING_IDKEY_MAX + 65];
	struct node_rec node;
	MDB_val k, v;
	size_t len;
	int rc;

	be32_put(kb, comm);
	len = store_idkey(msgid, (char *)kb + 4);
	k.mv_data = kb;
	k.mv_size = 4 + len;
	if ((rc = mdb_get(txn, st->dbi[DB_NODE], &k, &v)) != 0)
		return rc;
	if (v.mv_size < sizeof node)
		return MDB_CORRUPTED;
	memcpy(&node, v.mv_data, sizeof node);
	if (node.msg == 0)
		return MDB_NOTFOUND;
	*id = node.msg;
	return 0;
}

int
store_msg_find(struct store *st, MDB_txn *txn, uint32_t comm,
    const char *msgid, uint64_t *id)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	if (comm != 0)
		return store_msg_find_in(st, txn, comm, msgid, id);
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_COMMUNITY], &cur)) != 0)
		return rc;
	rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (v.mv_size == 4 && store_msg_find_in(st, txn,
		    be32_get(v.mv_data), msgid, id) == 0)
			break;
	}
	mdb_cursor_close(cur);
	return rc;
}

int
store_counts_get(struct store *st, MDB_txn *txn, uint32_t comm,
    struct count_rec *c)
{
	unsigned char kb[4];
	MDB_val k = { 4, kb }, v;
	int rc;

	be32_put(kb, comm);
	memset(c, 0, sizeof *c);
	rc = mdb_get(txn, st->dbi[DB_COUNTS], &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc == 0 && v.mv_size != sizeof *c)
		return MDB_CORRUPTED;
	if (rc == 0)
		memcpy(c, v.mv_data, sizeof *c);
	return rc;
}

int
store_counts_put(struct store *st, MDB_txn *txn, uint32_t comm,
    const struct count_rec *c)
{
	unsigned char kb[4];
	MDB_val k = { 4, kb }, v = { sizeof *c, (void *)c };

	be32_put(kb, comm);
	return mdb_put(txn, st->dbi[DB_COUNTS], &k, &v, 0);
}

void
be64_put_time(unsigned char *p, int64_t t)
{
	be64_put(p, (uint64_t)t ^ (UINT64_C(1) << 63));
}

void
store_by_time_key(unsigned char *kb, uint32_t comm, int64_t time,
    uint64_t msg)
{
	be32_put(kb, comm);
	be64_put_time(kb + 4, time);
	be64_put(kb + 12, msg);
}

/* The DB_SENDER key: community, then the address (at most 400 bytes). */
#define SENDER_ADDR_MAX 400

static MDB_val
sender_key(unsigned char *kb, uint32_t comm, const char *addr)
{
	size_t len = strnlen(addr, SENDER_ADDR_MAX);
	MDB_val k = { 4 + len, kb };

	be32_put(kb, comm);
	memcpy(kb + 4, addr, len);
	return k;
}

int
store_sender_get(struct store *st, MDB_txn *txn, uint32_t comm,
    const char *addr, uint64_t *n)
{
	unsigned char kb[4 + SENDER_ADDR_MAX];
	MDB_val k = sender_key(kb, comm, addr), v;
	int rc = mdb_get(txn, st->dbi[DB_SENDER], &k, &v);

	*n = 0;
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (v.mv_size != 8)
		return MDB_CORRUPTED;
	*n = be64_get(v.mv_data);
	return 0;
}

int
store_sender_put(struct store *st, MDB_txn *txn, uint32_t comm,
    const char *addr, uint64_t n)
{
	unsigned char kb[4 + SENDER_ADDR_MAX], nb[8];
	MDB_val k = sender_key(kb, comm, addr), v = { 8, nb };

	be64_put(nb, n);
	return mdb_put(txn, st->dbi[DB_SENDER], &k, &v, 0);
}
