/*
 * membermail.c: members by mail, in kringd.
 *
 * At RCPT, a sub-address of a community that is neither a return path
 * nor a staff action is a member command (membercmd.h), and so is the
 * request address (community-request@, the command in the Subject): it
 * is taken and never stored as a post.  At the end of DATA the session asks here
 * whether the message may be posted where it goes (posting_decide), and
 * reads its commands into the job; the writer carries them out
 * (membership.h) in the transaction that takes the message.
 *
 * Trusts: nothing of the message.  A command from the null sender or
 * from a robot (Auto-Submitted and the like) or that carries our own
 * List-Id is taken and not answered, so two robots never talk forever.
 */
#include <string.h>

#include "daemon.h"
#include "kring/author.h"
#include "kring/excerpt.h"
#include "kring/moderation.h"
#include "kring/log.h"
#include "kring/member.h"
#include "kring/membership.h"
#include "kring/msginfo.h"
#include "kring/util.h"
#include "session.h"

#define REQ_TEXT_MAX 2000	/* bytes of a verdict's text (its reason) */
#define CLIENT_WINDOW 3600	/* seconds of limits.member_requests_per_client */

bool
member_command_rcpt(const struct community_conf *c, const char *address,
    struct member_request *r)
{
	const char *plus = strchr(address, '+'), *at = strrchr(address, '@');
	struct staff_action a;

	if (plus == NULL || at == NULL || plus > at)
		return false;
	if (staff_action_parse(address, c->name, &a) == 0)
		return false;
	member_request_parse(plus + 1, (size_t)(at - plus - 1), r);
	return true;
}

/* True when RAW (LEN bytes) is from a robot or has come round to us:
 * RFC 3834 Auto-Submitted other than "no", the older vacation fields,
 * Precedence bulk/junk/list/auto_reply, or one of our List-Ids. */
bool
mail_is_robot_or_loop(const struct kring_config *conf, const char *raw,
    size_t len)
{
	static const char *const robot_fields[] = {
		"X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress",
	};
	char *v = msg_header_get(raw, len, "Auto-Submitted");
	bool robot = v != NULL && g_ascii_strncasecmp(v, "no", 2) != 0;

	g_free(v);
	for (size_t i = 0; !robot && i < G_N_ELEMENTS(robot_fields); i++) {
		v = msg_header_get(raw, len, robot_fields[i]);
		robot = v != NULL;
		g_free(v);
	}
	if (!robot && (v = msg_header_get(raw, len, "Precedence")) != NULL) {
		robot = g_ascii_strcasecmp(v, "bulk") == 0 ||
		    g_ascii_strcasecmp(v, "junk") == 0 ||
		    g_ascii_strcasecmp(v, "list") == 0 ||
		    g_ascii_strcasecmp(v, "auto_reply") == 0;
		g_free(v);
	}
	if (!robot && (v = msg_header_get(raw, len, "List-Id")) != NULL) {
		for (size_t i = 0; !robot && i < conf->ncommunities; i++) {
			const struct community_conf *c = &conf->communities[i];
			char *id = g_strdup_printf("<%s.%s>", c->local, c->domain);

			robot = g_strrstr(v, id) != NULL ||
			    g_ascii_strcasecmp(v, id) == 0;
			g_free(id);
		}
		g_free(v);
	}
	return robot;
}

/* True when ADDR is an active member of community NAME, or of one of
 * its local communities (their members take part in the central one). */
static bool
member_here(struct server *srv, MDB_txn *txn, const char *name,
    const char *addr)
{
	const struct kring_config *conf = srv->conf;
	uint32_t id;

	if (addr[0] == '\0')
		return false;
	for (size_t i = 0; i < conf->ncommunities; i++) {
		const struct community_conf *c = &conf->communities[i];

		if (strcmp(c->name, name) != 0 &&
		    (c->parent == NULL || strcmp(c->parent, name) != 0))
			continue;
		if (store_community_id(&srv->store, txn, c->name, false,
		    &id) == 0 && member_is_active(&srv->store, txn, id, addr,
		    NULL))
			return true;
	}
	return false;
}

int
posting_decide(struct session *s, const GByteArray *data, char *reason,
    size_t rlen)
{
	struct server *srv = s->srv;
	char *from = msg_author_address((const char *)data->data, data->len);
	const char *env = s->from.addr;
	MDB_txn *txn = NULL;
	int decision = POST_ACCEPT;

	for (guint i = 0; i < s->rcpt_comms->len && decision == POST_ACCEPT;
	    i++) {
		const char *name = s->rcpt_comms->pdata[i];
		const struct community_conf *c = name ?
		    config_community(srv->conf, name) : NULL;

		/* Held (moderation.h) rather than refused: the writer
		 * decides, beside the post. */
		if (c == NULL || c->outside_posts || c->hold.outside ||
		    config_staff(c, from) != NULL || config_staff(c, env) != NULL)
			continue;
		if (txn == NULL && store_begin(&srv->store, false, &txn) != 0) {
			snprintf(reason, rlen, "4.3.0 store not readable, "
			    "try again later");
			decision = POST_TEMPFAIL;
			break;
		}
		if (member_here(srv, txn, c->name, from) ||
		    member_here(srv, txn, c->name, env))
			continue;
		snprintf(reason, rlen, "5.7.1 <%s>: only members of %s may post; "
		    "to join, write to %s+subscribe@%s", from[0] ? from : env,
		    c->address, c->local, c->domain);
		decision = POST_REFUSE;
	}
	if (txn != NULL)
		mdb_txn_abort(txn);
	g_free(from);
	return decision;
}

bool
rate_window_take(GHashTable *counts, const char *who, long limit,
    int64_t window, int64_t now, long n)
{
	struct client_rate *cr = g_hash_table_lookup(counts, who);

	if (cr == NULL) {
		cr = g_new0(struct client_rate, 1);
		g_hash_table_insert(counts, g_strdup(who), cr);
	}
	if (now - cr->start >= window) {
		cr->start = now;
		cr->count = 0;
	}
	if (cr->count + n > limit)
		return false;
	cr->count += n;
	return true;
}

/* The command of a mail to the request address, from JOB's Subject; for
 * a name, the name is the rest of it. */
static void
request_by_subject(struct commit_job *job, struct member_request *r)
{
	const char *rest;

	member_request_from_subject(job->req_subject, r, &rest);
	if (r->cmd == MCMD_NAME) {
		char *name = g_strdup(rest);

		g_free(job->req_subject);
		job->req_subject = name;
	}
}

int
member_requests_for(struct session *s, const GByteArray *data,
    struct commit_job *job, char *reason, size_t rlen)
{
	const char *raw = (const char *)data->data;
	struct msginfo mi;
	guint n = 0;

	for (guint i = 0; i < s->rcpt_cmds->len; i++)
		n += s->rcpt_cmds->pdata[i] != NULL;
	if (n == 0)
		return 0;
	if (!rate_window_take(s->srv->member_clients, s->client,
	    s->srv->conf->limits.member_requests_per_client, CLIENT_WINDOW,
	    kring_now(), 1)) {
		snprintf(reason, rlen, "4.7.1 too many member requests from "
		    "[%s]; try again later", s->client);
		return -1;
	}
	if (s->from.addr[0] == '\0' ||
	    mail_is_robot_or_loop(s->srv->conf, raw, data->len)) {
		log_info("%s: %u member request(s) from a robot or a loop: "
		    "not answered", s->queue_id, n);
		return 0;
	}
	if (msginfo_parse(raw, data->len, &mi) != 0)
		return 0;
	job->req_from = g_strdup(mi.from[0] ? mi.from : s->from.addr);
	job->req_name = msg_author_name(raw, data->len);
	job->req_subject = g_strdup(mi.subject);
	msginfo_release(&mi);
	job->req_text = msg_own_text(raw, data->len, REQ_TEXT_MAX);
	job->requests = g_array_new(FALSE, TRUE, sizeof(struct member_job));
	for (guint i = 0; i < s->rcpt_cmds->len; i++) {
		const struct member_request *r = s->rcpt_cmds->pdata[i];
		struct member_job mj = { 0 };

		if (r == NULL)
			continue;
		g_strlcpy(mj.community, s->rcpt_cmd_comms->pdata[i],
		    sizeof mj.community);
		mj.r = *r;
		if (r->by_subject)
			request_by_subject(job, &mj.r);
		g_array_append_val(job->requests, mj);
	}
	return 0;
}

/* A moderator's verdict or a sender's withdrawal, by mail. */
static int
moderate(const struct membership *ms, struct commit_job *job,
    struct member_job *mj)
{
	struct member_mail in = { job->req_from, job->req_name,
	    job->req_subject };
	struct moderation m = { ms->st, ms->txn, ms->conf, ms->c, ms->key,
	    ms->now, NULL };
	bool fanned = false;
	int rc = moderation_by_mail(&m, &mj->r, &in, job->req_text ?
	    job->req_text : "", &fanned, mj->outcome, sizeof mj->outcome);

	job->fanned_out = job->fanned_out || fanned;
	return rc;
}

int
member_requests_apply(struct store *st, MDB_txn *txn, struct commit_job *job,
    const unsigned char *key)
{
	struct member_mail in = { job->req_from, job->req_name,
	    job->req_subject };

	if (job->requests == NULL)
		return 0;
	for (guint i = 0; i < job->requests->len; i++) {
		struct member_job *mj = &g_array_index(job->requests,
		    struct member_job, i);
		struct membership ms = { .st = st, .txn = txn,
		    .conf = job->conf,
		    .c = config_community(job->conf, mj->community),
		    .key = key, .now = job->time };
		int rc;

		if (ms.c == NULL) {
			g_strlcpy(mj->outcome, "community gone (reload)",
			    sizeof mj->outcome);
			continue;
		}
		if (mj->r.cmd == MCMD_MODERATE) {
			if ((rc = moderate(&ms, job, mj)) != 0)
				return rc;
			continue;
		}
		rc = membership_handle(&ms, &mj->r, &in, mj->outcome,
		    sizeof mj->outcome);
		if (rc != 0 && rc != -1)
			return rc;	/* the store: the job fails */
	}
	return 0;
}

void
member_requests_log(const struct commit_job *job)
{
	if (job->requests == NULL)
		return;
	for (guint i = 0; i < job->requests->len; i++) {
		const struct member_job *mj = &g_array_index(job->requests,
		    struct member_job, i);

		log_info("%s: member %s from=<%s> community=%s: %s",
		    job->queue_id, member_cmd_name(mj->r.cmd), job->req_from,
		    mj->community, mj->outcome);
	}
}
