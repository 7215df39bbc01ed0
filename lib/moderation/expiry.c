/*
 * expiry.c: what time does to held posts (moderation.h): the moderators'
 * one reminder, the expiry with its note to the sender, and, long after,
 * the end of the small record a decision leaves.
 */
#include <string.h>
#include <glib.h>

#include "kring/moderation.h"
#include "held_mail.h"

#define DAY (24 * 3600)
#define KEEP_DECIDED_DAYS 30	/* a late second decision is still told */

struct due {
	uint32_t comm;
	int64_t now;
	GArray *remind, *expire;	/* held ids */
};

/* How long before expiry the reminder goes: a day, or half the hold
 * time when that is shorter. */
static int64_t
remind_lead(const struct held *h)
{
	int64_t half = (h->rec.expires - h->rec.time) / 2;

	return half < DAY ? half : DAY;
}

static int
due_one(const struct held *h, void *arg)
{
	struct due *d = arg;

	if (h->rec.community != d->comm || h->rec.state != HELD_WAITING)
		return 0;
	if (h->rec.expires <= d->now)
		g_array_append_val(d->expire, h->id);
	else if (!(h->rec.flags & HELD_REMINDED) &&
	    h->rec.expires - remind_lead(h) <= d->now)
		g_array_append_val(d->remind, h->id);
	return 0;
}

static int
remind(const struct moderation *m, uint64_t id)
{
	struct held h;
	int rc;

	if ((rc = held_get(m->st, m->txn, id, &h)) != 0)
		return rc;
	h.rec.flags |= HELD_REMINDED;
	if ((rc = held_put(m->st, m->txn, &h, NULL, 0)) != 0)
		return rc;
	return held_tell_moderators(m, &h, true);
}

static int
expire(const struct moderation *m, uint64_t id)
{
	struct held h = { .id = id };
	int rc = held_decide(m->st, m->txn, &h, HELD_EXPIRED, "", m->now);

	if (rc != 0)
		return rc;
	return held_tell_sender(m, &h, "note_expired", NULL);
}

int
moderation_sweep(const struct moderation *m, struct mod_sweep *done)
{
	struct due d = { 0, m->now, g_array_new(FALSE, FALSE,
	    sizeof(uint64_t)), g_array_new(FALSE, FALSE, sizeof(uint64_t)) };
	int rc;

	memset(done, 0, sizeof *done);
	rc = store_community_id(m->st, m->txn, m->c->name, false, &d.comm);
	if (rc == 0)
		rc = held_walk(m->st, m->txn, due_one, &d);
	/* Without the secret there are no addresses to decide with. */
	for (guint i = 0; rc == 0 && m->key != NULL && i < d.remind->len; i++)
		if ((rc = remind(m, g_array_index(d.remind, uint64_t, i))) == 0)
			done->reminded++;
	for (guint i = 0; rc == 0 && i < d.expire->len; i++)
		if ((rc = expire(m, g_array_index(d.expire, uint64_t, i))) == 0)
			done->expired++;
	if (rc == 0)
		rc = held_prune(m->st, m->txn, m->now -
		    (int64_t)KEEP_DECIDED_DAYS * DAY, &done->pruned);
	g_array_unref(d.remind);
	g_array_unref(d.expire);
	return rc == MDB_NOTFOUND ? 0 : rc;
}
