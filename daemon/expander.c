/*
 * expander.c: the fan-out thread.  A post's transaction records one
 * fan-out job (fanout.h); this thread turns the jobs into outbox entries,
 * a batch of members per write transaction with the cursor beside them,
 * and wakes the delivery workers after each batch so the first copies
 * leave while the rest are still being made.  SIGTERM ends it after the
 * batch in hand; the rest waits in the store for the next start.
 */
#include "daemon.h"
#include "kring/fanout.h"
#include "kring/log.h"
#include "kring/util.h"

#define EXPAND_BATCH 1000	/* copies per transaction */

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

static gpointer
expander_main(gpointer arg)
{
	struct expander *ex = arg;

	thread_background("fanout");
	for (;;) {
		struct kring_config *conf;

		g_mutex_lock(&ex->lock);
		while (!ex->kicked && !g_atomic_int_get(&ex->stop))
			g_cond_wait(&ex->cond, &ex->lock);
		ex->kicked = false;
		if (g_atomic_int_get(&ex->stop)) {
			g_mutex_unlock(&ex->lock);
			break;
		}
		g_mutex_unlock(&ex->lock);
		conf = server_conf_acquire(ex->srv);
		while (!g_atomic_int_get(&ex->stop) && expand_batch(ex, conf))
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
