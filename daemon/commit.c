/*
 * commit.c: the writer thread.  It owns every LMDB write transaction of
 * kringd.  Messages whose DATA finished while the previous commit was on
 * its way to disk are stored together in the next transaction: one fsync
 * for the lot (group commit).  A session hears "250" only after the
 * transaction holding its message has committed.
 *
 * Trusts: the jobs (built by session.c); the message bytes are untrusted
 * and go through ingest_message() only.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <event2/event.h>
#include <glib.h>

#include "daemon.h"
#include "kring/announce.h"
#include "kring/author.h"
#include "kring/bounce.h"
#include "kring/fanout.h"
#include "kring/log.h"
#include "kring/member.h"
#include "kring/moderation.h"
#include "kring/msginfo.h"

struct committer {
	struct server *srv;
	GAsyncQueue *todo;	/* struct commit_job *, from the loop */
	GAsyncQueue *done;	/* struct commit_job *, back to the loop */
	struct event *done_ev;	/* wakes the loop when done has jobs */
	GThread *thread;
	long batch_max;
};

/* Zeros kept written ahead of the store's last page (see
 * store_preallocate): 4 MiB at least, 8 MiB at a time. */
#define PREALLOC_AHEAD (4u << 20)
#define PREALLOC_CHUNK (8u << 20)

/* The stop marker: a job pointer no one else uses. */
static struct commit_job stop_marker;

void
commit_job_free(struct commit_job *job)
{
	if (job == NULL)
		return;
	if (job->raw != NULL)
		g_byte_array_unref(job->raw);
	g_free(job->sender);
	g_strfreev(job->communities);
	g_free(job->rc);
	g_free(job->res);
	if (job->actions != NULL)
		g_array_unref(job->actions);
	if (job->requests != NULL)
		g_array_unref(job->requests);
	g_free(job->req_from);
	g_free(job->req_name);
	g_free(job->req_subject);
	g_free(job->req_text);
	if (job->bounces != NULL)
		g_array_unref(job->bounces);
	if (job->relays != NULL)
		g_array_unref(job->relays);
	server_conf_release(job->conf);
	g_free(job);
}

/* A suspended member who writes to community NAME gets mail again
 * (bounce.h); AUTHOR is the post's, as ingest read it. */
static int
author_back(struct store *st, MDB_txn *txn, struct commit_job *job,
    const char *name, const char *author)
{
	struct member m;
	uint32_t comm;
	bool lifted = false;
	int rc;

	if (author[0] == '\0')
		return 0;
	if ((rc = store_community_id(st, txn, name, false, &comm)) == 0 &&
	    (rc = member_get(st, txn, comm, author, &m)) == 0 &&
	    (m.rec.flags & MEMBER_SUSPENDED))
		rc = bounce_lift(st, txn, comm, author, job->time, &lifted);
	if (lifted)
		log_info("%s: %s wrote: delivery resumed community=%s",
		    job->queue_id, author, name);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* A new post of a configured community goes to its members. */
static int
fan_out(struct store *st, MDB_txn *txn, struct commit_job *job, size_t i)
{
	const char *name = job->communities[i];
	int rc;

	if (!job->distribute || job->res[i].duplicate || name[0] == '.' ||
	    config_community(job->conf, name) == NULL)
		return 0;
	/* An announcement by mail reaches every member (announce.h). */
	rc = staff_actions_announce(job, name) ? announce_post(st, txn,
	    job->conf, config_community(job->conf, name), job->res[i].msg_id,
	    job->time) : fanout_add(st, txn, job->conf, name,
	    job->res[i].msg_id, job->time, 0);
	if (rc == 0)
		job->fanned_out = true;
	return rc == 0 ? author_back(st, txn, job, name, job->res[i].author) :
	    rc;
}

/* Hold the post for community I when its moderation says so: *HELD. */
static int
maybe_hold(struct committer *c, MDB_txn *txn, struct commit_job *job,
    size_t i, bool *held)
{
	const char *name = job->communities[i];
	const size_t hl = job->header_len;
	struct moderation m = { &c->srv->store, txn, job->conf,
	    config_community(job->conf, name), c->srv->have_staff_key ?
	    c->srv->staff_key : NULL, job->time, NULL };
	const char *raw = (const char *)job->raw->data;
	char *author;
	enum held_why why;
	int rc;

	*held = false;
	job->res[i].held = 0;	/* a batch retried alone starts afresh */
	if (!job->distribute || m.c == NULL || name[0] == '.' ||
	    job->actions != NULL)
		return 0;
	author = msg_author_address(raw + hl, job->raw->len - hl);
	why = moderation_why(&m, job->sender, author, raw + hl,
	    job->raw->len - hl, &rc);
	g_free(author);
	if (rc != 0 || why == HOLD_NONE)
		return rc;
	*held = true;
	return moderation_hold(&m, raw, job->raw->len, hl, job->sender, why,
	    &job->res[i].held);
}

static int
job_ingest(struct committer *c, MDB_txn *txn, struct commit_job *job)
{
	struct store *st = &c->srv->store;
	const unsigned char *key = c->srv->have_staff_key ?
	    c->srv->staff_key : NULL;
	int rc;

	for (size_t i = 0; i < job->ncommunities; i++) {
		bool held;

		if ((job->rc[i] = maybe_hold(c, txn, job, i, &held)) != 0)
			return job->rc[i];
		if (held)
			continue;
		job->rc[i] = ingest_message(st, txn, job->communities[i],
		    (const char *)job->raw->data, job->raw->len,
		    job->header_len, job->time, job->sender, &job->res[i]);
		if (job->rc[i] == 0)
			job->rc[i] = staff_actions_apply(st, txn, job, i);
		if (job->rc[i] == 0)
			job->rc[i] = fan_out(st, txn, job, i);
		if (job->rc[i] != 0)
			return job->rc[i];
	}
	if ((rc = member_requests_apply(st, txn, job, key)) != 0 ||
	    (rc = relays_apply(st, txn, job, key)) != 0)
		return rc;
	return bounces_apply(st, txn, job, key);
}

static void
job_fail(struct commit_job *job, int rc)
{
	for (size_t i = 0; i < job->ncommunities; i++)
		job->rc[i] = rc;
}

/* Store JOBS[0..N-1] in one transaction.  Returns 0 or the error; on
 * error nothing of the batch is stored. */
static int
batch_commit(struct committer *c, struct commit_job **jobs, size_t n)
{
	MDB_txn *txn;
	int rc;

	if ((rc = store_begin(&c->srv->store, true, &txn)) != 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if ((rc = job_ingest(c, txn, jobs[i])) != 0) {
			mdb_txn_abort(txn);
			return rc;
		}
	}
	return store_commit(&c->srv->store, txn);
}

static void
batch_run(struct committer *c, struct commit_job **jobs, size_t n)
{
	int rc = batch_commit(c, jobs, n), dead;

	log_debug("group commit: %zu message(s)", n);
	/* Room freed in a full map (by a tool, a delivery) may be ours only
	 * after stale readers are gone and one more commit: store_reclaim. */
	if (rc == MDB_MAP_FULL && store_reclaim(&c->srv->store) == 0)
		rc = batch_commit(c, jobs, n);

	if (rc != 0 && n > 1) {
		/* One message should not fail its neighbours: each alone. */
		for (size_t i = 0; i < n; i++) {
			int one = batch_commit(c, &jobs[i], 1);

			if (one != 0)
				job_fail(jobs[i], one);
		}
	} else if (rc != 0)
		job_fail(jobs[0], rc);
	for (size_t i = 0; i < n; i++)
		g_async_queue_push(c->done, jobs[i]);
	event_active(c->done_ev, EV_READ, 0);
	/* Between transactions: room ahead for the next commits.  A failure
	 * (disk full) only costs speed; the next commit reports it. */
	if ((rc = store_preallocate(&c->srv->store, PREALLOC_AHEAD,
	    PREALLOC_CHUNK)) != 0)
		log_debug("preallocate: %s", strerror(rc));
	/* A process that ended inside a read transaction leaves its reader
	 * slot behind, pinning its snapshot: no page freed since would be
	 * reused (the store only grows), and 254 of them fill the table. */
	if ((rc = mdb_reader_check(c->srv->store.env, &dead)) != 0)
		log_warnx("reader check: %s", mdb_strerror(rc));
	else if (dead > 0)
		log_info("store: %d reader slot(s) of ended processes cleared",
		    dead);
}

static gpointer
committer_main(gpointer arg)
{
	struct committer *c = arg;
	struct commit_job **jobs = g_new(struct commit_job *, c->batch_max);
	bool stop = false;

	while (!stop) {
		size_t n = 0;
		struct commit_job *job = g_async_queue_pop(c->todo);

		/* Take everything that is waiting, up to the batch size. */
		while (job != NULL) {
			if (job == &stop_marker) {
				stop = true;
				break;
			}
			jobs[n++] = job;
			if (n == (size_t)c->batch_max)
				break;
			job = g_async_queue_try_pop(c->todo);
		}
		if (n > 0)
			batch_run(c, jobs, n);
	}
	g_free(jobs);
	return NULL;
}

/* In the loop thread: hand each finished job to its session. */
static void
committer_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct committer *c = arg;
	struct commit_job *job;
	bool fanned = false;

	while ((job = g_async_queue_try_pop(c->done)) != NULL) {
		session_commit_done(c->srv, job);
		/* A kick too many (a batch retried) costs one look. */
		fanned = fanned || job->fanned_out;
		commit_job_free(job);
	}
	/* Only now, with the 250s written: a big fan-out's first batches
	 * (and the relay's work they cause) would otherwise take the cores
	 * the poster's 250 waits for. */
	if (fanned)
		expander_kick(c->srv->expander);
}

struct committer *
committer_start(struct server *srv)
{
	struct committer *c = g_new0(struct committer, 1);

	c->srv = srv;
	c->batch_max = srv->conf->limits.batch_messages;
	c->todo = g_async_queue_new();
	c->done = g_async_queue_new();
	c->done_ev = event_new(srv->base, -1, 0, committer_done_cb, c);
	if (c->done_ev == NULL) {
		g_async_queue_unref(c->todo);
		g_async_queue_unref(c->done);
		g_free(c);
		return NULL;
	}
	c->thread = g_thread_new("commit", committer_main, c);
	return c;
}

void
committer_submit(struct committer *c, struct commit_job *job)
{
	g_async_queue_push(c->todo, job);
}

void
committer_stop(struct committer *c)
{
	struct commit_job *job;

	g_async_queue_push(c->todo, &stop_marker);
	g_thread_join(c->thread);
	/* Jobs committed but not yet answered: their sessions are gone. */
	while ((job = g_async_queue_try_pop(c->done)) != NULL)
		commit_job_free(job);
	event_free(c->done_ev);
	g_async_queue_unref(c->todo);
	g_async_queue_unref(c->done);
	g_free(c);
}
