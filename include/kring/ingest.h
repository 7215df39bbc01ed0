/*
 * ingest.h: the one path by which a message enters the store, shared by
 * kringd and `kring import`: parse, de-duplicate by Message-ID, store the
 * raw bytes, thread, count.
 */
#ifndef KRING_INGEST_H
#define KRING_INGEST_H

#include <stdbool.h>
#include <stdint.h>
#include "kring/store.h"

#define INGEST_TIME_FROM_DATE 0

struct ingest_result {
	uint64_t msg_id;
	uint64_t thread;
	bool duplicate;		/* already stored: acknowledged, not stored again */
	uint64_t held;		/* kringd: held for a moderator (held.h) as
				 * this id, not stored as a post */
	char message_id[KRING_IDKEY_MAX + 65];	/* as indexed (idkey) */
	char author[256];	/* its From address, else the envelope
				 * sender, as the sender counts have it;
				 * "" for a duplicate */
};

/*
 * Store RAW (LEN bytes) in community COMMUNITY inside write transaction
 * TXN.  HEADER_LEN bytes at the start of RAW (a Received line kring added)
 * are kept but not parsed.  TIME is the arrival time (INGEST_TIME_FROM_DATE:
 * the Date header's, else now), SENDER the envelope
 * sender ("" for the null sender).  Returns 0 or an LMDB code; nothing is
 * committed here.
 */
int ingest_message(struct store *st, MDB_txn *txn, const char *community,
    const char *raw, size_t len, size_t header_len, int64_t time,
    const char *sender, struct ingest_result *res);

#endif
