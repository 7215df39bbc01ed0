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
#include "kring/store.h"

#define OUTBOX_REC_VERSION 1
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
