/*
 * sweep.c: kringd's minute chores on the held posts (moderation.h): the
 * moderators' reminders and the expiry, one write transaction per
 * community.  Run from the fan-out thread, never from the event loop.
 */
#include "daemon.h"
#include "kring/log.h"
#include "kring/moderation.h"
#include "kring/util.h"

/* Sweep community C; true when it queued mail. */
static bool
sweep_community(struct server *srv, const struct kring_config *conf,
    const struct community_conf *c)
{
	struct moderation m = { &srv->store, NULL, conf, c,
	    srv->have_staff_key ? srv->staff_key : NULL, kring_now(), NULL };
	struct mod_sweep done;
	int rc;

	if ((rc = store_begin(&srv->store, true, &m.txn)) != 0) {
		log_warnx("held posts of %s: %s", c->name, mdb_strerror(rc));
		return false;
	}
	if ((rc = moderation_sweep(&m, &done)) != 0 ||
	    (done.reminded + done.expired + done.pruned == 0)) {
		mdb_txn_abort(m.txn);
		if (rc != 0)
			log_warnx("held posts of %s: %s", c->name,
			    mdb_strerror(rc));
		return false;
	}
	if ((rc = mdb_txn_commit(m.txn)) != 0) {
		log_warnx("held posts of %s: %s", c->name, mdb_strerror(rc));
		return false;
	}
	if (done.reminded > 0 || done.expired > 0)
		log_info("held posts of %s: %zu reminded, %zu expired",
		    c->name, done.reminded, done.expired);
	if (done.pruned > 0)
		log_info("held posts: %zu records of old decisions dropped",
		    done.pruned);
	return done.reminded + done.expired > 0;
}

void
held_sweep(struct server *srv, const struct kring_config *conf)
{
	bool mailed = false;

	for (size_t i = 0; i < conf->ncommunities; i++)
		if (sweep_community(srv, conf, &conf->communities[i]))
			mailed = true;
	if (mailed)
		deliverer_kick(srv->deliverer);
}
