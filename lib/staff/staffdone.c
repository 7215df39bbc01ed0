/*
 * staffdone.c: the mail that confirms a staff action by mail
 * (staffaction.h), so the staff member knows more than the SMTP 250:
 * which topic it opened or changed, or how many members an
 * announcement goes to.
 */
#include <string.h>

#include "kring/announce.h"
#include "kring/mail.h"
#include "kring/msginfo.h"
#include "kring/staffaction.h"
#include "kring/template.h"
#include "kring/topic.h"

/* The topic A is about into CTX (topic_id, topic_title, the status). */
static int
set_topic(struct store *st, MDB_txn *txn, const struct community_conf *c,
    const struct staff_action *a, const struct ingest_result *res,
    struct tmpl_ctx *ctx)
{
	uint64_t id = a->topic;
	struct topic t;
	uint32_t comm;
	int rc;

	if (a->kind == ACT_TOPIC && ((rc = store_community_id(st, txn,
	    c->name, false, &comm)) != 0 ||
	    (rc = topic_find_by_msg(st, txn, comm, res->msg_id, &id)) != 0))
		return rc;
	if ((rc = topic_get(st, txn, id, &t)) != 0)
		return rc;
	tmpl_ctx_set_int(ctx, "topic_id", (long)id);
	tmpl_ctx_set(ctx, "topic_title", t.title);
	mail_set_topic_status(ctx, t.rec.status);
	topic_clear(&t);
	return 0;
}

/* How many members announcement A by FROM goes to, into CTX. */
static int
set_reach(struct store *st, MDB_txn *txn, const struct kring_config *conf,
    const struct community_conf *c, const char *from, struct tmpl_ctx *ctx)
{
	struct announce_audience au;
	int rc = announce_audience(st, txn, conf, c, from, &au);
	size_t n = au.each + au.digest + au.nomail;

	tmpl_ctx_set_int(ctx, "reach", (long)n);
	tmpl_ctx_set_bool(ctx, "reach_one", n == 1);
	return rc;
}

int
staff_action_confirm(struct store *st, MDB_txn *txn,
    const struct kring_config *conf, const struct community_conf *c,
    const struct staff_action *a, const struct ingest_result *res,
    const char *raw, size_t len, int64_t now)
{
	static const char *const flags[] = {
		[ACT_TOPIC] = "done_topic", [ACT_SUMMARY] = "done_summary",
		[ACT_OUTCOME] = "done_outcome", [ACT_ANNOUNCE] = "done_announce",
	};
	struct mail_one one = { conf, c, st, txn, now, NULL, NULL, NULL,
	    "auto-replied" };
	const struct staff_conf *sc;
	struct tmpl_ctx *ctx;
	struct compose_addr to;
	struct msginfo mi;
	char err[256];
	int rc;

	if (c == NULL || res->duplicate || msginfo_parse(raw, len, &mi) != 0)
		return 0;	/* told at the first delivery */
	if ((sc = config_staff(c, mi.from)) == NULL) {
		msginfo_release(&mi);
		return 0;	/* checked before: cannot happen */
	}
	ctx = tmpl_ctx_new();
	tmpl_ctx_set_bool(ctx, flags[a->kind], true);
	tmpl_ctx_set_bool(ctx, "to_staff", true);
	tmpl_ctx_set(ctx, "message_subject", mi.subject);
	if (sc->name[0] != '\0')
		tmpl_ctx_set(ctx, "greeting_name", sc->name);
	rc = a->kind == ACT_ANNOUNCE ? set_reach(st, txn, conf, c, mi.from,
	    ctx) : set_topic(st, txn, c, a, res, ctx);
	to.name = sc->name;
	to.addr = sc->address;
	if (rc == 0 && mail_send_one(&one, "staff-done", ctx, &to, err,
	    sizeof err) != 0)
		rc = -1;
	tmpl_ctx_free(ctx);
	msginfo_release(&mi);
	return rc;
}
