/*
 * staffaction.c: staff acting by mail (staffaction.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "kring/excerpt.h"
#include "kring/msginfo.h"
#include "kring/staffaction.h"
#include "kring/staffauth.h"
#include "kring/topic.h"

/* What a topic, summary or outcome sent by mail may hold. */
#define ACTION_TEXT_MAX TOPIC_TEXT_MAX

/* "summary-12" / "outcome-12-implemented" into A. */
static int
parse_topic_action(const char *act, struct staff_action *a)
{
	const char *p = strchr(act, '-');
	char *end;

	if (p == NULL)
		return -1;
	a->topic = g_ascii_strtoull(p + 1, &end, 10);
	if (end == p + 1 || a->topic == 0)
		return -1;
	if (a->kind == ACT_SUMMARY)
		return *end == '\0' ? 0 : -1;
	if (*end != '-')
		return -1;
	a->status = topic_status_parse(end + 1);
	return a->status == TOPIC_IN_PROGRESS || a->status == TOPIC_IMPLEMENTED ||
	    a->status == TOPIC_DECLINED ? 0 : -1;
}

int
staff_action_parse(const char *address, const char *name,
    struct staff_action *a)
{
	const char *plus = strchr(address, '+'), *at = strrchr(address, '@');
	const char *dot;
	size_t len;

	memset(a, 0, sizeof *a);
	if (plus == NULL || at == NULL || at < plus ||
	    (len = (size_t)(at - plus - 1)) >= sizeof a->action)
		return -1;
	memcpy(a->action, plus + 1, len);
	a->action[len] = '\0';
	/* A token follows the first dot. */
	if ((dot = strchr(a->action, '.')) != NULL) {
		g_strlcpy(a->token, dot + 1, sizeof a->token);
		a->action[dot - a->action] = '\0';
	}
	for (char *p = a->action; *p; p++)
		*p = g_ascii_tolower(*p);
	g_strlcpy(a->community, name, sizeof a->community);
	if (strcmp(a->action, "topic") == 0) {
		a->kind = ACT_TOPIC;
		return 0;
	}
	if (strcmp(a->action, "announce") == 0) {
		a->kind = ACT_ANNOUNCE;
		return 0;
	}
	if (g_str_has_prefix(a->action, "summary-"))
		a->kind = ACT_SUMMARY;
	else if (g_str_has_prefix(a->action, "outcome-"))
		a->kind = ACT_OUTCOME;
	else
		return -1;
	return parse_topic_action(a->action, a);
}

/* The roles of which the staff member needs one for A. */
static unsigned
role_needed(const struct staff_action *a)
{
	if (a->kind == ACT_ANNOUNCE)
		return ROLE_MANAGER | ROLE_OWNER;
	return a->kind == ACT_SUMMARY ? ROLE_MANAGER : ROLE_OWNER;
}

static const char *
role_name(const struct staff_action *a)
{
	if (a->kind == ACT_ANNOUNCE)
		return "manager or owner";
	return a->kind == ACT_SUMMARY ? "manager" : "owner";
}

/* The topic A names must exist in community C, and an outcome needs a
 * summary first (as kring topic outcome does). */
static int
check_topic(struct store *st, const struct staff_action *a, char *reason,
    size_t rlen)
{
	struct topic t;
	MDB_txn *txn;
	uint32_t comm;
	int rc;

	if ((rc = store_begin(st, false, &txn)) != 0) {
		snprintf(reason, rlen, "4.3.0 store busy, try again later");
		return -1;
	}
	rc = store_community_id(st, txn, a->community, false, &comm);
	if (rc == 0)
		rc = topic_get(st, txn, a->topic, &t);
	mdb_txn_abort(txn);
	if (rc != 0 || t.rec.community != comm) {
		if (rc == 0)
			topic_clear(&t);
		snprintf(reason, rlen, "5.1.1 no topic %llu in %s",
		    (unsigned long long)a->topic, a->community);
		return -1;
	}
	rc = a->kind == ACT_OUTCOME && t.summary[0] == '\0';
	topic_clear(&t);
	if (rc)
		snprintf(reason, rlen, "5.7.1 topic %llu has no summary yet: "
		    "the community manager records one first",
		    (unsigned long long)a->topic);
	return rc ? -1 : 0;
}

int
staff_action_check(struct store *st, const struct kring_config *conf,
    const struct community_conf *c, const unsigned char *key,
    const struct staff_action *a, const char *raw, size_t len, int64_t now,
    char *reason, size_t rlen)
{
	struct msginfo mi;
	const struct staff_conf *staff;
	const char *how = NULL;
	int rc = -1;

	if (msginfo_parse(raw, len, &mi) != 0) {
		snprintf(reason, rlen, "5.6.0 the message cannot be read");
		return -1;
	}
	staff = config_staff(c, mi.from);
	if (staff == NULL)
		snprintf(reason, rlen, "5.7.1 %s is not staff of %s: only "
		    "staff can act by mail", mi.from[0] ? mi.from : "(no From)",
		    c->name);
	else if ((staff->roles & role_needed(a)) == 0)
		snprintf(reason, rlen, "5.7.1 %s does not have the %s role "
		    "needed for this", mi.from, role_name(a));
	else if (!(a->token[0] && key != NULL && staff_token_valid(key,
	    mi.from, c->name, a->action, a->token, now)) &&
	    !staff_auth_results(raw, len, conf->authserv_id, mi.from, &how))
		snprintf(reason, rlen, "5.7.1 not authenticated: kring acts "
		    "only on mail that passed DKIM or SPF for %s at %s, or on "
		    "an address with a valid token (kring token)", mi.from,
		    conf->authserv_id[0] ? conf->authserv_id : "our MTA");
	else if (a->kind == ACT_SUMMARY || a->kind == ACT_OUTCOME)
		rc = check_topic(st, a, reason, rlen);
	else
		rc = 0;
	msginfo_release(&mi);
	return rc;
}

/* A title from SUBJECT: control characters become spaces, trimmed, at
 * most TOPIC_TITLE_MAX bytes of whole characters. */
static char *
title_of(const char *subject)
{
	char *t = g_strdup(subject[0] ? subject : "(no subject)");
	const char *end;

	for (char *p = t; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	g_strstrip(t);
	if (strlen(t) > TOPIC_TITLE_MAX) {
		end = g_utf8_find_prev_char(t, t + TOPIC_TITLE_MAX + 1);
		t[end ? end - t : 0] = '\0';
	}
	return t;
}

static int
apply_topic(struct store *st, MDB_txn *txn, const struct ingest_result *res,
    const char *raw, size_t len, int64_t now)
{
	struct msg_view v;
	struct topic t = { 0 };
	uint64_t existing;
	int rc;

	if ((rc = store_msg_get(st, txn, res->msg_id, &v)) != 0)
		return rc;
	if (topic_find_by_msg(st, txn, v.rec.community, res->msg_id,
	    &existing) == 0)
		return 0;	/* delivered twice: one topic */
	t.rec.community = v.rec.community;
	t.rec.status = TOPIC_OPEN;
	t.rec.msg = res->msg_id;
	t.rec.created = now;
	t.title = title_of(v.subject);
	t.owner = g_strdup(v.from);
	t.question = msg_own_text(raw, len, ACTION_TEXT_MAX);
	rc = topic_put(st, txn, &t);
	topic_clear(&t);
	return rc;
}

static int
apply_record(struct store *st, MDB_txn *txn, const struct staff_action *a,
    const char *raw, size_t len, int64_t now)
{
	struct topic t;
	int rc;

	if ((rc = topic_get(st, txn, a->topic, &t)) != 0)
		return rc;
	if (a->kind == ACT_SUMMARY) {
		g_free(t.summary);
		t.summary = msg_own_text(raw, len, ACTION_TEXT_MAX);
		t.rec.summary_time = now;
		if (t.rec.status == TOPIC_OPEN)
			t.rec.status = TOPIC_SUMMARISED;
	} else {
		g_free(t.outcome);
		t.outcome = msg_own_text(raw, len, ACTION_TEXT_MAX);
		t.rec.outcome_time = now;
		t.rec.outcome_rev++;
		t.rec.status = (uint32_t)a->status;
	}
	rc = topic_put(st, txn, &t);
	topic_clear(&t);
	return rc;
}

static void
set_action(struct msg_rec *rec, void *unused)
{
	(void)unused;
	rec->flags |= MSG_F_STAFF_ACTION;
}

int
staff_action_apply(struct store *st, MDB_txn *txn,
    const struct staff_action *a, const struct ingest_result *res,
    const char *raw, size_t len, int64_t now)
{
	int rc;

	/* Marked, so that the staff figures count it neither as a staff
	 * post nor as an answer (activity.h). */
	if (res->msg_id != 0 && res->held == 0 && (rc = store_msg_update(st,
	    txn, res->msg_id, set_action, NULL)) != 0)
		return rc;
	if (a->kind == ACT_TOPIC)
		return apply_topic(st, txn, res, raw, len, now);
	if (a->kind == ACT_ANNOUNCE)
		return 0;	/* its fan-out is the action (announce.h) */
	if (res->duplicate)
		return 0;	/* recorded at the first delivery */
	return apply_record(st, txn, a, raw, len, now);
}
