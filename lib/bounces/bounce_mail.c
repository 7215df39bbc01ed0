/*
 * bounce_mail.c: a bounce from its return path to the member's record,
 * and the suspension with its notice (bounce.h).
 */
#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "kring/bounce.h"
#include "kring/mail.h"
#include "kring/member.h"
#include "kring/verp.h"

#define DAY (24 * 3600)

/* Who a bounce is about. */
struct bounced {
	uint32_t comm;
	char address[MEMBER_ADDR_MAX + 1];
	const struct community_conf *c;	/* the member's community */
	struct member m;
	struct bounce_info b;
};

/* Tell B's member that their mail is suspended and how to resume. */
static int
tell_suspended(const struct bounce_ctx *bx, const struct bounced *who)
{
	const struct community_conf *c = who->c;
	char *resume = g_strdup_printf("%s+resume@%s", c->local, c->domain);
	struct compose_addr to = { who->m.name[0] ? who->m.name : NULL,
	    who->address };
	struct compose_addr rt = { NULL, resume };
	struct mail_one one = { bx->conf, c, bx->st, bx->txn, bx->now,
	    bx->preview, who->m.rec.lang[0] ? who->m.rec.lang : NULL, &rt,
	    "auto-generated" };
	struct tmpl_ctx *ctx = tmpl_ctx_new();
	char err[256];
	int rc;

	if (who->m.name[0] != '\0')
		tmpl_ctx_set(ctx, "greeting_name", who->m.name);
	tmpl_ctx_set(ctx, "address", who->address);
	tmpl_ctx_set(ctx, "resume_address", resume);
	if (who->b.rec.last_status[0] != '\0')
		tmpl_ctx_set(ctx, "status", who->b.rec.last_status);
	if (who->b.diagnostic[0] != '\0')
		tmpl_ctx_set(ctx, "diagnostic", who->b.diagnostic);
	tmpl_ctx_set_bool(ctx, "is_member", true);
	rc = mail_send_one(&one, "bounce-notice", ctx, &to, err, sizeof err);
	if (rc == -1) {
		g_warning("bounce-notice: %s", err);
		rc = 0;	/* the suspension stands without its notice */
	}
	tmpl_ctx_free(ctx);
	g_free(resume);
	return rc;
}

/* Count a bounce of class CLS in WHO's record; true when it counted. */
static bool
count(const struct bounce_ctx *bx, struct bounced *who, enum bounce_class cls)
{
	struct bounce_rec *r = &who->b.rec;

	switch (cls) {
	case BOUNCE_DELAYED:
		r->delayed++;
		return false;
	case BOUNCE_POLICY:
		r->policy++;
		return false;
	case BOUNCE_SUCCESS:
		r->score = 0;
		return false;
	case BOUNCE_SOFT:
	case BOUNCE_HARD:
		/* One a day: one full mailbox on a busy day is not dead. */
		if (r->last_counted != 0 && bx->now - r->last_counted < DAY)
			return false;
		r->score += cls == BOUNCE_HARD ? 1000 : 500;
		r->counted++;
		r->last_counted = bx->now;
		return true;
	default:
		return false;
	}
}

/* Suspend WHO's delivery: flag, record, notice. */
static int
suspend(const struct bounce_ctx *bx, struct bounced *who)
{
	int rc;

	who->m.rec.flags |= MEMBER_SUSPENDED;
	who->m.rec.changed = bx->now;
	who->b.rec.suspended = bx->now;
	if ((rc = member_put(bx->st, bx->txn, who->comm, who->address,
	    &who->m)) != 0)
		return rc;
	return tell_suspended(bx, who);
}

/* Find the member of return path DETAIL into *WHO; false (OUTCOME
 * says why) when the bounce is not theirs to count. */
static bool
attribute(const struct bounce_ctx *bx, const struct community_conf *c,
    const char *detail, struct bounced *who, int *rc, char *outcome,
    size_t olen)
{
	uint64_t member, post;
	enum verp_kind kind = verp_parse(bx->key, c->name, detail, &member,
	    &post);
	char name[256];

	*rc = 0;
	if (kind != VERP_MEMBER) {
		snprintf(outcome, olen, "return path %s: not counted",
		    verp_kind_name(kind));
		return false;
	}
	*rc = member_by_id(bx->st, bx->txn, member, &who->comm, who->address);
	if (*rc == 0 && (*rc = member_get(bx->st, bx->txn, who->comm,
	    who->address, &who->m)) == MDB_NOTFOUND)
		*rc = 0;	/* the record went: nobody to count */
	if (*rc != 0 || who->m.rec.id != member) {
		snprintf(outcome, olen, "member %" G_GUINT64_FORMAT " is gone",
		    member);
		return false;
	}
	who->c = store_community_name(bx->st, bx->txn, who->comm, name,
	    sizeof name) == 0 ? config_community(bx->conf, name) : NULL;
	if (who->c == NULL)
		who->c = c;
	if ((*rc = bounce_get(bx->st, bx->txn, who->comm, who->address,
	    &who->b)) == MDB_NOTFOUND)
		*rc = 0;
	return *rc == 0;
}

/* A delivery that worked lifts a suspension. */
static int
lift_after_success(const struct bounce_ctx *bx, const struct bounced *who,
    char *outcome, size_t olen)
{
	bool lifted;
	int rc = bounce_lift(bx->st, bx->txn, who->comm, who->address, bx->now,
	    &lifted);

	if (rc == 0 && lifted)
		g_strlcat(outcome, "; delivery resumed", olen);
	return rc;
}

int
bounce_handle(const struct bounce_ctx *bx, const struct community_conf *c,
    const char *detail, const char *raw, size_t len, char *outcome,
    size_t olen)
{
	struct bounced who;
	struct dsn_report report;
	const struct dsn_rcpt *r;
	enum bounce_class cls;
	struct bounce_rec *rec = &who.b.rec;
	bool counted;
	int rc;

	memset(&who, 0, sizeof who);
	if (!attribute(bx, c, detail, &who, &rc, outcome, olen))
		return rc;
	dsn_parse(raw, len, &report);
	r = bounce_pick(&report, who.address);
	cls = r != NULL ? bounce_classify(r) : BOUNCE_NOT;
	rec->score = bounce_score_at(&who.b, who.c, bx->now);
	rec->updated = bx->now;
	if (cls != BOUNCE_NOT) {
		rec->last_seen = bx->now;
		rec->last_class = cls;
		g_strlcpy(rec->last_status, r->status, sizeof rec->last_status);
		g_strlcpy(who.b.diagnostic, r->diagnostic,
		    sizeof who.b.diagnostic);
	}
	counted = count(bx, &who, cls);
	snprintf(outcome, olen, "%s: %s%s%s (%s), score %.1f of %ld%s",
	    who.address, bounce_class_name(cls), r && r->status[0] ? " " : "",
	    r ? r->status : "", dsn_format_name(report.format),
	    rec->score / 1000.0, who.c->bounce.score_limit,
	    counted || cls == BOUNCE_NOT ? "" : ", not counted");
	if (cls == BOUNCE_NOT)
		return 0;
	if (counted && !(who.m.rec.flags & MEMBER_SUSPENDED) &&
	    who.m.rec.state == MEMBER_ACTIVE &&
	    rec->score >= (uint32_t)who.c->bounce.score_limit * 1000) {
		g_strlcat(outcome, "; delivery suspended", olen);
		if ((rc = suspend(bx, &who)) != 0)
			return rc;
	}
	if ((rc = bounce_put(bx->st, bx->txn, who.comm, who.address,
	    &who.b)) != 0 || cls != BOUNCE_SUCCESS)
		return rc;
	return lift_after_success(bx, &who, outcome, olen);
}

int
bounce_lift(struct store *st, MDB_txn *txn, uint32_t community,
    const char *address, int64_t now, bool *lifted)
{
	struct member m;
	struct bounce_info b;
	int rc;

	*lifted = false;
	if ((rc = member_get(st, txn, community, address, &m)) != 0)
		return rc == MDB_NOTFOUND ? 0 : rc;
	if (m.rec.flags & MEMBER_SUSPENDED) {
		m.rec.flags &= ~MEMBER_SUSPENDED;
		m.rec.changed = now;
		if ((rc = member_put(st, txn, community, address, &m)) != 0)
			return rc;
		*lifted = true;
	}
	if ((rc = bounce_get(st, txn, community, address, &b)) != 0)
		return rc == MDB_NOTFOUND ? 0 : rc;
	if (b.rec.score == 0 && b.rec.suspended == 0 &&
	    b.rec.last_counted == 0)
		return 0;
	/* A fresh start: the next bounce counts, even on the same day. */
	b.rec.score = 0;
	b.rec.updated = now;
	b.rec.suspended = 0;
	b.rec.last_counted = 0;
	return bounce_put(st, txn, community, address, &b);
}
