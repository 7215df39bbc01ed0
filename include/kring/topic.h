/*
 * topic.h: topics, the questions staff put to a community.  A topic is a
 * thread of the community (its first message, the question, is stored
 * like any post) plus what staff record about it: the community
 * manager's summary and the topic owner's outcome, with a status.
 *
 * DB_TOPIC: u64 topic id -> struct topic_rec, then five NUL-terminated
 * UTF-8 strings: title, owner address, question, summary, outcome (the
 * last three Markdown; "" when not recorded).
 */
#ifndef KRING_TOPIC_H
#define KRING_TOPIC_H

#include <stdint.h>
#include "kring/store.h"

#define TOPIC_REC_VERSION 1
#define TOPIC_TEXT_MAX (64 * 1024)	/* question, summary or outcome */
#define TOPIC_TITLE_MAX 200

enum topic_status {
	TOPIC_OPEN = 0,
	TOPIC_SUMMARISED,
	TOPIC_IN_PROGRESS,
	TOPIC_IMPLEMENTED,
	TOPIC_DECLINED,
	TOPIC__NSTATUS
};

struct topic_rec {
	uint32_t version;
	uint32_t community;
	uint32_t status;	/* enum topic_status */
	uint32_t outcome_rev;	/* 0: no outcome; +1 each time one is recorded */
	uint64_t msg;		/* the question's message id */
	int64_t created;
	int64_t summary_time;	/* 0: none */
	int64_t outcome_time;	/* 0: none */
};

struct topic {
	uint64_t id;
	struct topic_rec rec;
	char *title, *owner, *question, *summary, *outcome;	/* g_free */
};

/* "open", "summarised", "in-progress", "implemented", "declined". */
const char *topic_status_name(uint32_t status);

/* The status named NAME; -1 when there is none of that name. */
int topic_status_parse(const char *name);

/* Read topic ID into T (free with topic_clear).  0 or an LMDB code. */
int topic_get(struct store *st, MDB_txn *txn, uint64_t id, struct topic *t);

/*
 * Write T (a new one when T->id is 0: it gets the next id).  0, an LMDB
 * code, or EINVAL when a string is too long.
 */
int topic_put(struct store *st, MDB_txn *txn, struct topic *t);

/* Free T's strings. */
void topic_clear(struct topic *t);

/*
 * Call FN for each topic of COMMUNITY, in id order; FN returns 0 to go
 * on.  Returns 0, FN's value, or an LMDB code.
 */
int topic_each(struct store *st, MDB_txn *txn, uint32_t community,
    int (*fn)(struct topic *t, void *arg), void *arg);

/* The topic whose question is message MSG: 0 and *ID, or MDB_NOTFOUND. */
int topic_find_by_msg(struct store *st, MDB_txn *txn, uint32_t community,
    uint64_t msg, uint64_t *id);

#endif
