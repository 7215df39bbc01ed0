/*
 * activity.h: what happened in a community in a period, read from the
 * store for the staff tools: every post, whether its author is staff,
 * and when staff first answered it.
 *
 * What the staff tools count, the same in every one of them (and in
 * templates/README.md):
 *
 *   a member post    a message of the community not written by staff
 *                    and not a staff action;
 *   a staff post     a message written by staff that is not a staff
 *                    action;
 *   a staff action   a topic's question, and anything staff sent to a
 *                    command address (community+topic@, +summary-N@,
 *                    +outcome-N-STATUS@, +announce@; staffaction.h):
 *                    neither a member post nor a staff post, and never
 *                    an answer;
 *   an answer        to a member post: the first direct reply (a child
 *                    in the thread graph, by In-Reply-To or References)
 *                    that is a staff post; the response time is the
 *                    reply's arrival time less the post's.
 *
 * Times are arrival times (Unix, UTC); a period holds what arrived in
 * it, its days those of the community's zone (period.h).
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
	bool action;		/* a staff action: counts as no post */
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

/* P is a member post, a staff post (as defined above). */
static inline bool
post_is_member(const struct post *p)
{
	return !p->staff && !p->action;
}

static inline bool
post_is_staff(const struct post *p)
{
	return p->staff && !p->action;
}

/* The counts of a period, for every tool that shows them. */
struct activity_counts {
	long member_posts;	/* member posts */
	long members;		/* distinct authors of member posts */
	long staff_posts;	/* staff posts */
};

void activity_count(const struct activity *a, struct activity_counts *c);

/*
 * The first-time posters of A into *N: authors of its member posts who
 * had sent nothing to the community before the period (what they sent
 * after it does not matter).  0 or an LMDB code.
 */
int activity_first_posters(struct store *st, MDB_txn *txn,
    const struct activity *a, long *n);

/* Read message MSG into a new post P (answered not looked up; action
 * from the message's MSG_F_STAFF_ACTION only, not from the topics). */
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

/* The responses to topic T among its POSTS that arrived before UNTIL:
 * member posts other than the question. */
long activity_topic_responses(const struct topic *t, const GPtrArray *posts,
    int64_t until);

/* The first answer to message ID MSGID of community COMM: its time into
 * *WHEN (0: none). */
int activity_answer(struct store *st, MDB_txn *txn, uint32_t comm,
    const struct community_conf *conf, const char *msgid, int64_t *when);

#endif
