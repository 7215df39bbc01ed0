/*
 * thread.h: JWZ-style threading kept in the store, per community.
 *
 * Every Message-ID seen, as a message or only in References/In-Reply-To,
 * is a node; a node that is only referenced is a placeholder.  A message's
 * own header decides its parent; a placeholder's parent comes from the
 * References of the messages that name it.  A link that would make a loop
 * is not made.  When a link joins two threads they merge, so the outcome
 * does not depend on the order in which messages arrive.  A message with
 * neither header whose subject has a reply prefix joins the thread of the
 * same base subject; nothing else merges by subject.
 */
#ifndef KRING_THREAD_H
#define KRING_THREAD_H

#include <stdint.h>
#include "kring/msginfo.h"
#include "kring/store.h"

/*
 * Thread message MSG_ID (already in DB_MSG? no: the caller stores it after)
 * of community COMM described by MI.  Sets *THREAD to its thread id.
 * TIME is the message's arrival time.  Returns 0 or an LMDB code.
 */
int thread_add(struct store *st, MDB_txn *txn, uint32_t comm,
    uint64_t msg_id, const struct msginfo *mi, int64_t time,
    uint64_t *thread);

/* Read thread ID; *SUBJECT (may be NULL) lives as long as TXN. */
int thread_get(struct store *st, MDB_txn *txn, uint64_t id,
    struct thread_rec *rec, const char **subject, size_t *subject_len);

/* The parent idkey of node IDKEY (KEYLEN bytes) into PARENT (size
 * KRING_IDKEY_MAX+65); *PLEN 0 at a top node. */
int thread_node_get(struct store *st, MDB_txn *txn, uint32_t comm,
    const char *idkey, size_t keylen, struct node_rec *node,
    char *parent, size_t *plen);

#endif
