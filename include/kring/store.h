/*
 * store.h: the LMDB store.  One environment, named databases.  Every
 * record format is here, versioned, with the byte layout it has on disk.
 * All integers in keys are big-endian so that keys sort numerically.
 *
 *   meta         "schema" -> u32; "next_msg", "next_thread" -> u64
 *   community    name -> u32 community id
 *   raw          u64 msg id -> the message bytes exactly as stored
 *   msg          u64 msg id -> struct msg_rec, then strings (see below)
 *   node         u32 community, idkey -> struct node_rec, then parent idkey
 *   child        (dupsort) u32 community, idkey -> child idkey
 *   thread       u64 thread id -> struct thread_rec, then subject
 *   thread_node  (dupsort) u64 thread id -> idkey of each node
 *   thread_part  (dupsort) u64 thread id -> participant address
 *   subject      u32 community, base subject -> u64 thread id
 *   sender       u32 community, address -> u64 messages
 *   counts       u32 community -> struct count_rec
 *   by_time      u32 community, i64 time, u64 msg id -> (empty)
 *   outbox       u64 outbox id -> struct outbox_rec, then strings (outbox.h)
 *   outbox_raw   u64 outbox id -> the message to send, CRLF line ends
 *   outbox_due   i64 next attempt, u64 outbox id -> (empty); only
 *                entries still to be tried are in it
 *   topic        u64 topic id -> struct topic_rec, then strings (topic.h)
 *   member       u32 community, address -> struct member_rec, then name
 *   member_id    u64 member id -> u32 community, address (member.h)
 *   fanout       u64 post msg id -> struct fanout_rec, then community
 *                ids and the cursor (fanout.h)
 *   outbox_body  u64 body id -> the list copy of a post, CRLF (outbox.h)
 *   outbox_bref  u64 body id -> u64 outbox entries (and fan-out) using it
 *   ledger       what was done once: a key of NUL-joined parts
 *                (ledger.h) -> i64 when
 *   held         u64 held id -> struct held_rec, then strings (held.h)
 *   held_raw     u64 held id -> a held post's bytes, while it waits
 *
 * An "idkey" is a Message-ID without its angle brackets, or, when longer
 * than KRING_IDKEY_MAX, "#" and the SHA-256 of it in hex (LMDB keys stop
 * at 511 bytes).
 */
#ifndef KRING_STORE_H
#define KRING_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <lmdb.h>

#define KRING_SCHEMA_VERSION 1

/*
 * Where kringd keeps mail that is not a post of any community, as if
 * they were communities of their own (names no configured community may
 * have: config.c refuses a leading '.'): mail to postmaster@ and abuse@
 * of a community's domain, for the admin; and mail to a return path
 * (community+bounce-...@), bounces and delay notices, for the bounce
 * processing; and what robots (auto-replies, vacation notices) and loops
 * (our own copies come back) send to a community, so that no staff
 * figure counts an out-of-office notice as a member's post.  The staff
 * tools never see them.
 */
#define STORE_ADMIN_COMMUNITY ".postmaster"
#define STORE_BOUNCE_COMMUNITY ".bounces"
#define STORE_ROBOT_COMMUNITY ".robots"
#define KRING_IDKEY_MAX 400

enum store_db {
	DB_META, DB_COMMUNITY, DB_RAW, DB_MSG, DB_NODE, DB_CHILD, DB_THREAD,
	DB_THREAD_NODE, DB_THREAD_PART, DB_SUBJECT, DB_SENDER, DB_COUNTS,
	DB_BY_TIME, DB_OUTBOX, DB_OUTBOX_RAW, DB_OUTBOX_DUE, DB_TOPIC,
	DB_MEMBER, DB_LEDGER, DB_MEMBER_ID, DB_FANOUT, DB_OUTBOX_BODY,
	DB_OUTBOX_BREF, DB_HELD, DB_HELD_RAW, DB_BOUNCE, DB__COUNT
};

struct store {
	MDB_env *env;
	MDB_dbi dbi[DB__COUNT];
	char *path;
};

#define MSG_REC_VERSION 1
/* Followed by four NUL-terminated strings: Message-ID (no <>), envelope
 * sender, From address, subject (UTF-8). */
struct msg_rec {
	uint32_t version;
	uint32_t community;
	uint64_t thread;
	int64_t time;		/* arrival (import: original) time, Unix UTC */
	int64_t date;		/* Date header, or time when absent */
	uint32_t size;		/* bytes in raw */
	uint32_t flags;		/* MSG_F_* */
};
#define MSG_F_DERIVED_ID 1u	/* Message-ID derived by kring */
#define MSG_F_STAFF_ACTION 2u	/* a staff action by mail (staffaction.h):
				 * not a post the staff figures count */

#define NODE_REC_VERSION 1
/* Followed by the parent's idkey (no NUL), or nothing at a top node. */
struct node_rec {
	uint32_t version;
	uint32_t pad;
	uint64_t msg;		/* 0 for a placeholder */
	uint64_t thread;
	int64_t date;		/* of the message, 0 for a placeholder */
};

#define THREAD_REC_VERSION 1
/* Followed by the subject (UTF-8, no NUL). */
struct thread_rec {
	uint32_t version;
	uint32_t community;
	uint64_t root;		/* msg id of the root message, 0 if none yet */
	uint64_t messages;	/* real messages */
	uint64_t participants;
	uint64_t nodes;		/* real and placeholder */
	int64_t first, last;
};

struct count_rec {
	uint64_t messages, threads, senders;
};

struct msg_view {
	struct msg_rec rec;
	const char *message_id, *sender, *from, *subject;
};

/* Open (creating when missing) the store at PATH.  MAP_SIZE_MB 0 means the
 * default.  Returns 0 or an LMDB / errno code; ERR gets a message. */
int store_open(struct store *st, const char *path, long map_size_mb,
    bool readonly, char *err, size_t errlen);
void store_close(struct store *st);

int store_begin(struct store *st, bool write, MDB_txn **txn);

/*
 * Commit TXN (mdb_txn_commit, which frees it either way).  Returns 0,
 * or the error, with a disk that filled up as ENOSPC: LMDB reports a
 * short write (the file system took part of a page write and then had
 * no room) as EIO, which is then reported as ENOSPC when the store's
 * file system has less than STORE_ROOM_MIN bytes left for us.
 */
int store_commit(struct store *st, MDB_txn *txn);
#define STORE_ROOM_MIN (1u << 20)

/*
 * Make room freed in a full map usable now.  LMDB gives the pages
 * transaction T freed to transactions from T + 2 on only, a commit that
 * failed does not count, and a reader slot left by a process that ended
 * inside a read transaction (a tool killed, or one that exited without
 * closing the store) pins its snapshot, so nothing freed after it is
 * reused.  This clears such slots (mdb_reader_check), then commits one
 * write transaction that changes nothing (the schema record put again as
 * it is).  Returns 0 or an LMDB / errno code (MDB_MAP_FULL when not even
 * that fits).  Only from the writing thread, no write transaction open.
 */
int store_reclaim(struct store *st);

/*
 * Keep at least AHEAD bytes of zeros written past the last page in use,
 * adding CHUNK at a time (never past the map size).  A commit that does
 * not grow the file makes the file system journal nothing, so fsync is
 * cheaper.  Takes LMDB's writer lock while it writes (a write
 * transaction it aborts), so call it with no write transaction open in
 * this thread.  Returns 0 or an errno / LMDB code.
 */
int store_preallocate(struct store *st, size_t ahead, size_t chunk);

/* Fill KEY (size KRING_IDKEY_MAX+65) with the idkey of MSGID; return len. */
size_t store_idkey(const char *msgid, char *key);

/* Community id for NAME; created when CREATE, else MDB_NOTFOUND. */
int store_community_id(struct store *st, MDB_txn *txn, const char *name,
    bool create, uint32_t *id);
/* Name of community ID, copied into BUF. */
int store_community_name(struct store *st, MDB_txn *txn, uint32_t id,
    char *buf, size_t buflen);

int store_next_id(struct store *st, MDB_txn *txn, const char *counter,
    uint64_t *id);

/* Read message ID.  Strings in *V live as long as TXN. */
int store_msg_get(struct store *st, MDB_txn *txn, uint64_t id,
    struct msg_view *v);
int store_raw_get(struct store *st, MDB_txn *txn, uint64_t id, MDB_val *raw);

/* Change message ID's record (struct msg_rec; its strings stay) by
 * CHANGE(REC, ARG), in write transaction TXN.  0, MDB_NOTFOUND, or an
 * LMDB code. */
int store_msg_update(struct store *st, MDB_txn *txn, uint64_t id,
    void (*change)(struct msg_rec *rec, void *arg), void *arg);

/* Find a real message by Message-ID in community COMM (any if 0). */
int store_msg_find(struct store *st, MDB_txn *txn, uint32_t comm,
    const char *msgid, uint64_t *id);

int store_counts_get(struct store *st, MDB_txn *txn, uint32_t comm,
    struct count_rec *c);
int store_counts_put(struct store *st, MDB_txn *txn, uint32_t comm,
    const struct count_rec *c);

/* Messages by ADDR in community COMM (DB_SENDER) into *N, 0 when none.
 * Returns 0 or an LMDB code (MDB_CORRUPTED for a bad record). */
int store_sender_get(struct store *st, MDB_txn *txn, uint32_t comm,
    const char *addr, uint64_t *n);
int store_sender_put(struct store *st, MDB_txn *txn, uint32_t comm,
    const char *addr, uint64_t n);

/* The DB_BY_TIME key of message MSG of community COMM at TIME. */
#define STORE_BY_TIME_KEY 20
void store_by_time_key(unsigned char *kb, uint32_t comm, int64_t time,
    uint64_t msg);

/* Big-endian helpers for keys. */
void be64_put(unsigned char *p, uint64_t v);
/* T big-endian with its sign bit flipped, so that signed times sort
 * (before 1970 too). */
void be64_put_time(unsigned char *p, int64_t t);
uint64_t be64_get(const unsigned char *p);
void be32_put(unsigned char *p, uint32_t v);
uint32_t be32_get(const unsigned char *p);

#endif
