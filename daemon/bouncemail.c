/*
 * bouncemail.c: mail to a return path (community+bounce-...@), in the
 * writer: each is counted against the member it names (bounce.h) in the
 * transaction that keeps the bounce itself (in STORE_BOUNCE_COMMUNITY).
 */
#include "daemon.h"
#include "kring/bounce.h"
#include "kring/log.h"

int
bounces_apply(struct store *st, MDB_txn *txn, struct commit_job *job,
    const unsigned char *key)
{
	struct bounce_ctx bx = { st, txn, job->conf, key, job->time, NULL };
	const char *raw;
	size_t len;

	if (job->bounces == NULL)
		return 0;
	raw = (const char *)job->raw->data + job->header_len;
	len = job->raw->len - job->header_len;
	for (guint i = 0; i < job->bounces->len; i++) {
		struct bounce_job *bj = &g_array_index(job->bounces,
		    struct bounce_job, i);
		const struct community_conf *c = config_community(job->conf,
		    bj->community);
		int rc;

		if (c == NULL) {
			g_strlcpy(bj->outcome, "community gone (reload)",
			    sizeof bj->outcome);
			continue;
		}
		if ((rc = bounce_handle(&bx, c, bj->detail, raw, len,
		    bj->outcome, sizeof bj->outcome)) != 0)
			return rc;
	}
	return 0;
}

void
bounces_log(const struct commit_job *job)
{
	if (job->bounces == NULL)
		return;
	for (guint i = 0; i < job->bounces->len; i++) {
		const struct bounce_job *bj = &g_array_index(job->bounces,
		    struct bounce_job, i);
		const struct community_conf *c = config_community(job->conf,
		    bj->community);

		/* The return path as it was: the local part, not the name. */
		log_info("%s: bounce to %s+bounce-%s@%s community=%s: %s",
		    job->queue_id, c ? c->local : bj->community, bj->detail,
		    c ? c->domain : "?", bj->community, bj->outcome);
	}
}
