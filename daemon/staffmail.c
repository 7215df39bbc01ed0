/*
 * staffmail.c: staff acting by mail, in kringd.  At the end of DATA the
 * session asks here whether its recipients ask for actions and whether
 * the message may do them (staffaction.h); the writer applies them in
 * the transaction that stores the message.  A refusal refuses the whole
 * message, with the reason in the reply, so the sender's MTA returns it
 * to them with that explanation.
 */
#include <string.h>

#include "daemon.h"
#include "kring/log.h"
#include "kring/util.h"
#include "session.h"

int
staff_actions_for(struct session *s, const GByteArray *data, GArray **out,
    char *reason, size_t rlen)
{
	struct server *srv = s->srv;
	GArray *actions = NULL;

	*out = NULL;

	for (guint i = 0; i < s->rcpts->len; i++) {
		const struct community_conf *c =
		    config_community(srv->conf, s->rcpt_comms->pdata[i]);
		struct staff_action a;

		if (c == NULL || staff_action_parse(s->rcpts->pdata[i], c->name,
		    &a) != 0)
			continue;
		if (staff_action_check(&srv->store, srv->conf, c,
		    srv->have_staff_key ? srv->staff_key : NULL, &a,
		    (const char *)data->data, data->len, kring_now(), reason,
		    rlen) != 0) {
			log_info("%s: refused %s to %s: %s", s->queue_id,
			    a.action, c->name, reason);
			if (actions != NULL)
				g_array_unref(actions);
			return -1;
		}
		if (actions == NULL)
			actions = g_array_new(FALSE, FALSE, sizeof a);
		g_array_append_val(actions, a);
	}
	*out = actions;
	return 0;
}

int
staff_actions_apply(struct store *st, MDB_txn *txn, struct commit_job *job,
    size_t i)
{
	if (job->actions == NULL)
		return 0;
	for (guint k = 0; k < job->actions->len; k++) {
		const struct staff_action *a = &g_array_index(job->actions,
		    struct staff_action, k);
		int rc;

		if (strcmp(a->community, job->communities[i]) != 0)
			continue;
		rc = staff_action_apply(st, txn, a, &job->res[i],
		    (const char *)job->raw->data, job->raw->len, job->time);
		if (rc == 0 && (rc = staff_action_confirm(st, txn, job->conf,
		    config_community(job->conf, a->community), a, &job->res[i],
		    (const char *)job->raw->data + job->header_len,
		    job->raw->len - job->header_len, job->time)) == -1) {
			/* The action stands; only its confirmation is lost. */
			log_warnx("%s: no confirmation of %s to the staff "
			    "member: a template is broken", job->queue_id,
			    a->action);
			rc = 0;
		}
		if (rc != 0)
			return rc;
	}
	return 0;
}

bool
staff_actions_announce(const struct commit_job *job, const char *name)
{
	if (job->actions == NULL)
		return false;
	for (guint k = 0; k < job->actions->len; k++) {
		const struct staff_action *a = &g_array_index(job->actions,
		    struct staff_action, k);

		if (a->kind == ACT_ANNOUNCE && strcmp(a->community, name) == 0)
			return true;
	}
	return false;
}
