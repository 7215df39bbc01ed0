/*
 * outbox.h: mail on its way out.  Every message kring sends enters the
 * outbox inside the write transaction of the state it records, so a crash
 * neither loses it nor sends it twice in the normal path; kringd's
 * delivery workers take it from there (at least once).
 *
 * Record (DB_OUTBOX): struct outbox_rec, then the NUL-terminated strings
 * return path (VERP), Message-ID (no <>), last error text, then NRCPT
 * recipients, each one status byte (enum rcpt_status) and a
 * NUL-terminated address.  The message bytes are in DB_OUTBOX_RAW.
 */
#ifndef KRING_OUTBOX_H
#define KRING_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>
#include "kring/store.h"

#define OUTBOX_REC_VERSION 2	/* 1: the same without body */
#define OUTBOX_MAX_RCPTS 1000	/* per message; more: enqueue more copies */

enum outbox_state {
	OUT_QUEUED = 1,		/* not tried yet */
	OUT_DEFERRED,		/* tried, temporary failure; next_attempt set */
	OUT_FAILED,		/* given up: lifetime over, or every rcpt 5xx */
};

enum rcpt_status {
	RCPT_PENDING = 0,	/* still to be delivered */
	RCPT_SENT,		/* accepted by the relay */
	RCPT_FAILED,		/* refused for good (5xx) */
};

struct outbox_rec {
	uint32_t version;
	uint32_t state;		/* enum outbox_state */
	int64_t created;
	int64_t next_attempt;
	int64_t last_attempt;	/* 0: never */
	uint32_t attempts;
	uint32_t nrcpt;
	uint32_t size;		/* bytes in DB_OUTBOX_RAW */
	uint32_t pad;
	/* 0, or a shared body (DB_OUTBOX_BODY): the message is then the
	 * bytes of DB_OUTBOX_RAW (the recipient's own header fields), then
	 * the body's. */
	uint64_t body;
};

/* One entry as read: strings point into a copy owned by the entry. */
struct outbox_entry {
	uint64_t id;
	struct outbox_rec rec;
	char *return_path;
	char *message_id;
	char *last_error;
	char **rcpts;		/* NRCPT addresses */
	uint8_t *status;	/* NRCPT enum rcpt_status */
	void *blob;		/* owns the strings above */
};

/*
 * Enqueue the message RAW (LEN bytes; line ends become CRLF) to RCPTS
 * inside write transaction TXN.  BOUNCE_ADDRESS is the community address
 * whose VERP form (local+bounce-ID@domain) becomes the return path.  A
 * message without Message-ID gets one of HOSTNAME.  Returns 0 with *ID,
 * or an LMDB / errno code (EINVAL: no or too many recipients, or a
 * return path over 64 octets of local part).
 */
int outbox_enqueue(struct store *st, MDB_txn *txn, const char *bounce_address,
    const char *hostname, const char *const *rcpts, size_t nrcpt,
    const char *raw, size_t len, int64_t now, uint64_t *id);

/*
 * A list copy sent to many, stored once: the fan-out adds it as body
 * BODY (a post's message id) holding one reference itself, each entry
 * enqueued with outbox_enqueue_shared holds one more, and the bytes go
 * when the last reference is dropped (outbox_body_unref).
 */
int outbox_body_add(struct store *st, MDB_txn *txn, uint64_t body,
    const char *raw, size_t len);
int outbox_body_unref(struct store *st, MDB_txn *txn, uint64_t body);
/* True when BODY is stored. */
bool outbox_body_exists(struct store *st, MDB_txn *txn, uint64_t body);

/*
 * Enqueue shared BODY to RCPT, after the header fields PREFIX (PLEN
 * bytes, CRLF line ends) that are the recipient's own, with RETURN_PATH
 * as it is.  MESSAGE_ID is the body's (without <>).
 */
int outbox_enqueue_shared(struct store *st, MDB_txn *txn,
    const char *return_path, const char *rcpt, const char *prefix,
    size_t plen, uint64_t body, const char *message_id, int64_t now,
    uint64_t *id);

/* The bytes to send for entry E: its own, then its body's (g_bytes_unref),
 * or NULL when they are gone. */
GBytes *outbox_message_bytes(struct store *st, MDB_txn *txn,
    const struct outbox_entry *e);

/* Read entry ID into *E (free with outbox_entry_release). */
int outbox_get(struct store *st, MDB_txn *txn, uint64_t id,
    struct outbox_entry *e);
void outbox_entry_release(struct outbox_entry *e);

/* Write *E back (state, times, statuses, error); keeps DB_OUTBOX_DUE in
 * step.  An entry with no recipient pending and none failed is removed:
 * it has been delivered. */
int outbox_put(struct store *st, MDB_txn *txn, const struct outbox_entry *e);

/* Remove entry ID and its bytes. */
int outbox_drop(struct store *st, MDB_txn *txn, uint64_t id);

/* Ids of up to MAX entries due at NOW, earliest first, into IDS. */
int outbox_due(struct store *st, MDB_txn *txn, int64_t now, uint64_t *ids,
    size_t max, size_t *n);

const char *outbox_state_name(uint32_t state);

#endif
