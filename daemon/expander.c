/*
 * expander.c: the fan-out thread.  A post's transaction records one
 * fan-out job (fanout.h); this thread turns the jobs into outbox entries,
 * a batch of members per write transaction with the cursor beside them,
 * and wakes the delivery workers after each batch so the first copies
 * leave while the rest are still being made.  SIGTERM ends it after the
 * batch in hand; the rest waits in the store for the next start.
 *
 * Kicked by the writer; besides, it looks once a second for fan-outs a
 * tool recorded (kring mod approve), and once a minute it does the
 * chores on held posts (sweep.c).
 */
#include "daemon.h"
#include "kring/fanout.h"
#include "kring/log.h"
#include "kring/util.h"

#define EXPAND_BATCH 1000	/* copies per transaction */
#define LOOK_SECONDS 1		/* for fan-outs another process recorded */
#define SWEEP_SECONDS 60	/* between the chores on held posts */

struct expander {
	struct server *srv;
	GThread *thread;
	GMutex lock;
	GCond cond;
	bool kicked;
	gint stop;	/* read by the thread between batches */
};

/* One batch in one transaction; false when there was nothing to do or
 * it failed (logged). */
static bool
expand_batch(struct expander *ex, const struct kring_config *conf)
{
	struct store *st = &ex->srv->store;
	struct fanout_ctx fx = { conf, ex->srv->have_staff_key ?
	    ex->srv->staff_key : NULL, kring_now() };
	size_t did;
	uint64_t post;
	bool done;
	MDB_txn *txn;
	int rc;

	if ((rc = store_begin(st, true, &txn)) != 0) {
		log_warnx("fan-out: %s", mdb_strerror(rc));
		return false;
	}
	rc = fanout_step(st, txn, &fx, EXPAND_BATCH, &did, &post, &done);
	if (rc != 0 || post == 0) {
		mdb_txn_abort(txn);
		if (rc != 0)
			log_warnx("fan-out of message %llu: %s",
			    (unsigned long long)post, mdb_strerror(rc));
		return false;
	}
	if ((rc = mdb_txn_commit(txn)) != 0) {
		log_warnx("fan-out of message %llu: %s",
		    (unsigned long long)post, mdb_strerror(rc));
		return false;
	}
	if (done)
		log_info("fan-out of message %llu: done",
		    (unsigned long long)post);
	if (did > 0)
		deliverer_kick(ex->srv->deliverer);
	return true;
}

/* True when a fan-out waits in the store (a cheap read). */
static bool
fanout_waiting(struct expander *ex)
{
	MDB_txn *txn;
	bool waiting;

	if (store_begin(&ex->srv->store, false, &txn) != 0)
		return false;
	waiting = fanout_pending(&ex->srv->store, txn);
	mdb_txn_abort(txn);
	return waiting;
}

/* Wait for a kick, the stop or LOOK_SECONDS; true when kicked. */
static bool
expander_wait(struct expander *ex)
{
	gint64 until = g_get_monotonic_time() + LOOK_SECONDS *
	    G_TIME_SPAN_SECOND;
	bool kicked;

	g_mutex_lock(&ex->lock);
	while (!ex->kicked && !g_atomic_int_get(&ex->stop))
		if (!g_cond_wait_until(&ex->cond, &ex->lock, until))
			break;
	kicked = ex->kicked;
	ex->kicked = false;
	g_mutex_unlock(&ex->lock);
	return kicked;
}

static gpointer
expander_main(gpointer arg)
{
	struct expander *ex = arg;
	gint64 next_sweep = 0;	/* at once: what expired while stopped */

	thread_background("fanout");
	for (;;) {
		struct kring_config *conf;
		bool kicked = expander_wait(ex);

		if (g_atomic_int_get(&ex->stop))
			break;
		conf = server_conf_acquire(ex->srv);
		if (g_get_monotonic_time() >= next_sweep) {
			held_sweep(ex->srv, conf);
			next_sweep = g_get_monotonic_time() + SWEEP_SECONDS *
			    G_TIME_SPAN_SECOND;
		}
		if (kicked || fanout_waiting(ex))
			while (!g_atomic_int_get(&ex->stop) &&
			    expand_batch(ex, conf))
				;
		server_conf_release(conf);
	}
	return NULL;
}

struct expander *
expander_start(struct server *srv)
{
	struct expander *ex = g_new0(struct expander, 1);

	ex->srv = srv;
	g_mutex_init(&ex->lock);
	g_cond_init(&ex->cond);
	ex->kicked = true;	/* fan-outs a crash or a stop left */
	ex->thread = g_thread_new("fanout", expander_main, ex);
	return ex;
}

void
expander_kick(struct expander *ex)
{
	g_mutex_lock(&ex->lock);
	ex->kicked = true;
	g_cond_signal(&ex->cond);
	g_mutex_unlock(&ex->lock);
}

void
expander_stop(struct expander *ex)
{
	g_mutex_lock(&ex->lock);
	g_atomic_int_set(&ex->stop, 1);
	g_cond_signal(&ex->cond);
	g_mutex_unlock(&ex->lock);
	g_thread_join(ex->thread);
	g_mutex_clear(&ex->lock);
	g_cond_clear(&ex->cond);
	g_free(ex);
}
