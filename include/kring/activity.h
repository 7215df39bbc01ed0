/*
 * activity.h: what happened in a community in a period, read from the
 * store for the staff tools: every post, whether its author is staff,
 * and when staff first answered it.
 *
 * A post is answered by the first direct reply (a child in the thread
 * graph, by In-Reply-To or References) written by a staff member; the
 * response time is the reply's arrival time less the post's.
 */
#ifndef KRING_ACTIVITY_H
#define KRING_ACTIVITY_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include "kring/config.h"
#include "kring/store.h"
#include "kring/topic.h"

struct post {
	uint64_t msg;
	uint64_t thread;
	int64_t time;		/* arrival, Unix UTC */
	char *from;		/* lower-case address */
	char *subject;
	char *message_id;
	bool staff;		/* written by the community's staff */
	int64_t answered;	/* a staff reply's arrival; 0: none yet */
};

struct activity {
	uint32_t community;
	const struct community_conf *conf;
	int64_t since, until;	/* the period: since <= time < until */
	GPtrArray *posts;	/* struct post *, in time order */
};

/*
 * The posts of community COMM (configured as CONF) that arrived in
 * [SINCE, UNTIL), each with its staff answer (which may have come
 * later).  Returns 0 or an LMDB code; free A with activity_free.
 */
int activity_scan(struct store *st, MDB_txn *txn, uint32_t comm,
    const struct community_conf *conf, int64_t since, int64_t until,
    struct activity *a);

void activity_free(struct activity *a);

/* Read message MSG into a new post P (answered not looked up). */
int post_load(struct store *st, MDB_txn *txn, const struct community_conf *conf,
    uint64_t msg, struct post **p);

void post_free(struct post *p);

/*
 * Append the posts of thread THREAD of community COMM to OUT (struct
 * post *, owned by OUT's free function), in time order.
 */
int activity_thread_posts(struct store *st, MDB_txn *txn, uint32_t comm,
    const struct community_conf *conf, uint64_t thread, GPtrArray *out);

/* Append the posts of topic T's thread (its question's) to OUT, as
 * activity_thread_posts does. */
int activity_topic_posts(struct store *st, MDB_txn *txn,
    const struct community_conf *conf, const struct topic *t,
    GPtrArray *out);

/* The responses to topic T among its POSTS: member posts other than the
 * question. */
long activity_topic_responses(const struct topic *t, const GPtrArray *posts);

/* The first staff answer to message ID MSGID of community COMM: its time
 * into *WHEN (0: none). */
int activity_answer(struct store *st, MDB_txn *txn, uint32_t comm,
    const struct community_conf *conf, const char *msgid, int64_t *when);

#endif
