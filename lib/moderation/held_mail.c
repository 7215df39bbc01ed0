/*
 * held_mail.c: the mail about a held post (held_mail.h): the "held"
 * notice to each moderator and the "held-note" to its sender.
 */
#include <string.h>

#include "kring/excerpt.h"
#include "kring/mail.h"
#include "kring/member.h"
#include "kring/membertoken.h"
#include "kring/ratelimit.h"
#include "held_mail.h"

#define DAY (24 * 3600)
#define EXCERPT_MAX 400

/* The token "address" of held post ID: tokens are per post. */
char *
held_token_key(uint64_t id)
{
	return g_strdup_printf("held:%" G_GUINT64_FORMAT, id);
}

/* community+VERB-ID-TOKEN@domain (VERB "" for mod-ID-TOKEN). */
static char *
held_address(const struct moderation *m, const struct held *h,
    enum member_action action, const char *verb)
{
	const struct community_conf *c = m->c;
	char *who = held_token_key(h->id);
	char *token = member_token_make(m->key, action, c->name, who,
	    h->rec.expires);
	char *addr = g_strdup_printf("%s+%s-%" G_GUINT64_FORMAT "-%s@%s",
	    c->local, verb, h->id, token, c->domain);

	g_free(who);
	g_free(token);
	return addr;
}

struct tmpl_ctx *
held_mail_ctx(const struct moderation *m, const struct held *h)
{
	static const char *const why_flags[HOLD__N] = {
		NULL, "why_outsider", "why_new_member", "why_size",
		"why_attachment",
	};
	struct tmpl_ctx *ctx = tmpl_ctx_new();
	int64_t days;

	tmpl_ctx_set(ctx, "community", m->c->name);
	tmpl_ctx_set(ctx, "list_address", m->c->address);
	tmpl_ctx_set_int(ctx, "held_id", (long)h->id);
	tmpl_ctx_set(ctx, "sender_address", h->author[0] ? h->author :
	    h->sender);
	if (h->subject[0] != '\0')
		tmpl_ctx_set(ctx, "original_subject", h->subject);
	tmpl_ctx_set_int(ctx, "size_kb", (long)((h->rec.size + 1023) / 1024));
	tmpl_ctx_set_int(ctx, "limit_kb", m->c->hold.size_kb);
	days = (h->rec.expires - m->now + DAY - 1) / DAY;
	tmpl_ctx_set_int(ctx, "expires_days", (long)days);
	tmpl_ctx_set_bool(ctx, "expires_one_day", days <= 1);
	if (h->rec.why > 0 && h->rec.why < HOLD__N)
		tmpl_ctx_set_bool(ctx, why_flags[h->rec.why], true);
	return ctx;
}

int
held_mail_send(const struct moderation *m, const char *kind,
    struct tmpl_ctx *ctx, const char *name, const char *to,
    const char *reply_to)
{
	struct compose_addr rcpt = { name, to };
	struct compose_addr rt = { NULL, reply_to };
	struct mail_one one = { m->conf, m->c, m->st, m->txn, m->now,
	    m->preview, NULL, reply_to != NULL ? &rt : NULL,
	    "auto-generated" };
	char err[256];
	int rc = mail_send_one(&one, kind, ctx, &rcpt, err, sizeof err);

	if (rc == -1) {
		g_warning("%s: %s", kind, err);
		return 0;	/* a template error loses no post */
	}
	return rc;
}

int
held_tell_sender(const struct moderation *m, const struct held *h,
    const char *flag, const char *reason)
{
	struct tmpl_ctx *ctx = held_mail_ctx(m, h);
	const char *to = h->author[0] ? h->author : h->sender;
	char *withdraw = NULL;
	bool allowed = true;
	uint32_t comm;
	int rc;

	if (to[0] == '\0') {
		tmpl_ctx_free(ctx);
		return 0;
	}
	/* Against backscatter: a forged sender gets a few notes a day. */
	if ((rc = store_community_id(m->st, m->txn, m->c->name, true,
	    &comm)) != 0 || (rc = rate_take(m->st, m->txn, "held", comm, to,
	    m->conf->limits.member_requests_per_address, DAY, m->now,
	    &allowed)) != 0 || !allowed) {
		tmpl_ctx_free(ctx);
		return rc;
	}
	tmpl_ctx_set_bool(ctx, flag, true);
	if (reason != NULL && reason[0] != '\0')
		tmpl_ctx_set(ctx, "reason", reason);
	if (strcmp(flag, "note_held") == 0) {
		withdraw = held_address(m, h, MACT_WITHDRAW, "withdraw");
		tmpl_ctx_set(ctx, "withdraw_address", withdraw);
	}
	/* No Reply-To: a "thank you" must not withdraw the post. */
	tmpl_ctx_set_bool(ctx, "not_member", h->rec.why == HOLD_OUTSIDER);
	rc = held_mail_send(m, "held-note", ctx, NULL, to, NULL);
	g_free(withdraw);
	tmpl_ctx_free(ctx);
	return rc;
}

struct notice {
	const struct moderation *m;
	const struct held *h;
	struct tmpl_ctx *ctx;
	const char *decide;
	int rc;
};

static int
notice_one(struct notice *n, const char *name, const char *address)
{
	if (name != NULL && name[0] != '\0')
		tmpl_ctx_set(n->ctx, "greeting_name", name);
	n->rc = held_mail_send(n->m, "held", n->ctx, name, address, n->decide);
	return n->rc;
}

static int
notice_member(const char *address, const struct member *mem, void *arg)
{
	struct notice *n = arg;

	if (mem->rec.state != MEMBER_ACTIVE ||
	    (mem->rec.role != MROLE_MODERATOR && mem->rec.role != MROLE_OWNER) ||
	    config_staff(n->m->c, address) != NULL)
		return 0;
	return notice_one(n, mem->name, address);
}

int
held_tell_moderators(const struct moderation *m, const struct held *h,
    bool reminder)
{
	static const char *const verbs[][2] = {
		{ "approve_address", "mod-approve" },
		{ "reject_address", "mod-reject" },
		{ "discard_address", "mod-discard" },
		{ "decide_address", "mod" },
	};
	struct notice n = { m, h, held_mail_ctx(m, h), NULL, 0 };
	char *addrs[G_N_ELEMENTS(verbs)];
	MDB_val raw;
	uint32_t comm;
	int rc = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(verbs); i++) {
		addrs[i] = held_address(m, h, MACT_MODERATE, verbs[i][1]);
		tmpl_ctx_set(n.ctx, verbs[i][0], addrs[i]);
	}
	n.decide = addrs[G_N_ELEMENTS(verbs) - 1];
	tmpl_ctx_set_bool(n.ctx, "reminder", reminder);
	tmpl_ctx_set_bool(n.ctx, "to_staff", true);
	if (held_raw(m->st, m->txn, h->id, &raw) == 0) {
		char *ex = msg_excerpt((const char *)raw.mv_data +
		    h->rec.header_len, raw.mv_size - h->rec.header_len,
		    EXCERPT_MAX);

		if (ex[0] != '\0')
			tmpl_ctx_set(n.ctx, "excerpt", ex);
		g_free(ex);
	}
	for (size_t i = 0; i < m->c->nstaff && rc == 0; i++)
		rc = notice_one(&n, m->c->staff[i].name,
		    m->c->staff[i].address);
	if (rc == 0 && store_community_id(m->st, m->txn, m->c->name, false,
	    &comm) == 0)
		rc = member_walk(m->st, m->txn, comm, NULL, notice_member, &n);
	for (size_t i = 0; i < G_N_ELEMENTS(verbs); i++)
		g_free(addrs[i]);
	tmpl_ctx_free(n.ctx);
	return rc;
}

