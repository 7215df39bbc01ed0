/*
 * moderation.c: holding a post, telling the moderators and the sender,
 * and carrying out the first decision (moderation.h).
 */
#include <stdio.h>
#include <string.h>
#include <gmime/gmime.h>

#include "kring/author.h"
#include "kring/fanout.h"
#include "kring/ingest.h"
#include "kring/member.h"
#include "kring/membertoken.h"
#include "kring/moderation.h"
#include "kring/msginfo.h"
#include "held_mail.h"

#define DAY (24 * 3600)

bool
moderation_is_moderator(const struct moderation *m, const char *address)
{
	struct member mem;
	uint32_t comm;

	if (config_staff(m->c, address) != NULL)
		return true;
	if (store_community_id(m->st, m->txn, m->c->name, false, &comm) != 0 ||
	    member_get(m->st, m->txn, comm, address, &mem) != 0)
		return false;
	return mem.rec.state == MEMBER_ACTIVE &&
	    (mem.rec.role == MROLE_MODERATOR || mem.rec.role == MROLE_OWNER);
}

/* True when RAW has a part that is an attachment. */
static bool
has_attachment(const char *raw, size_t len)
{
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(raw, len);
	GMimeParser *p = g_mime_parser_new_with_stream(s);
	GMimeMessage *msg = g_mime_parser_construct_message(p, NULL);
	bool found = false;
	GMimePartIter *it;

	if (msg != NULL && GMIME_IS_MULTIPART(msg->mime_part)) {
		it = g_mime_part_iter_new(msg->mime_part);
		do {
			GMimeObject *o = g_mime_part_iter_get_current(it);

			found = o != NULL && GMIME_IS_PART(o) &&
			    g_mime_part_is_attachment(GMIME_PART(o));
		} while (!found && g_mime_part_iter_next(it));
		g_mime_part_iter_free(it);
	}
	if (msg != NULL)
		g_object_unref(msg);
	g_object_unref(p);
	g_object_unref(s);
	return found;
}

enum held_why
moderation_why(const struct moderation *m, const char *sender,
    const char *author, const char *raw, size_t len, int *rc)
{
	const struct community_conf *c = m->c;
	uint32_t comm;
	uint64_t posts = 0;
	bool member;

	*rc = 0;
	/* Most communities hold nothing: no store reads per post then. */
	if (!c->hold.outside && c->hold.first_posts == 0 &&
	    c->hold.size_kb == 0 && !c->hold.attachments)
		return HOLD_NONE;
	if (moderation_is_moderator(m, author) ||
	    moderation_is_moderator(m, sender))
		return HOLD_NONE;
	if ((*rc = store_community_id(m->st, m->txn, c->name, true,
	    &comm)) != 0)
		return HOLD_NONE;
	member = member_is_active(m->st, m->txn, comm, author, NULL) ||
	    member_is_active(m->st, m->txn, comm, sender, NULL);
	if (!member && c->hold.outside && !c->outside_posts)
		return HOLD_OUTSIDER;
	if (member && c->hold.first_posts > 0) {
		*rc = store_sender_get(m->st, m->txn, comm, author, &posts);
		if (*rc != 0)
			return HOLD_NONE;
		if (posts < (uint64_t)c->hold.first_posts)
			return HOLD_NEW_MEMBER;
	}
	if (c->hold.size_kb > 0 && len > (size_t)c->hold.size_kb * 1024)
		return HOLD_SIZE;
	if (c->hold.attachments && has_attachment(raw, len))
		return HOLD_ATTACHMENT;
	return HOLD_NONE;
}

int
moderation_hold(const struct moderation *m, const char *raw, size_t len,
    size_t header_len, const char *sender, enum held_why why, uint64_t *id)
{
	const char *body = raw + header_len;
	size_t blen = len - header_len;
	char *author = msg_author_address(body, blen);
	char *subject = msg_header_get(body, blen, "Subject");
	struct held h;
	uint32_t comm;
	int rc;

	memset(&h, 0, sizeof h);
	if ((rc = store_community_id(m->st, m->txn, m->c->name, true,
	    &comm)) != 0)
		goto out;
	h.rec.community = comm;
	h.rec.time = m->now;
	h.rec.expires = m->now + (int64_t)m->c->hold.days * DAY;
	h.rec.why = why;
	h.rec.size = (uint32_t)blen;
	h.rec.header_len = (uint32_t)header_len;
	g_strlcpy(h.sender, sender, sizeof h.sender);
	g_strlcpy(h.author, author, sizeof h.author);
	if (subject != NULL) {
		char *decoded = g_mime_utils_header_decode_text(NULL, subject);

		g_strlcpy(h.subject, decoded, sizeof h.subject);
		g_free(decoded);
	}
	if ((rc = held_put(m->st, m->txn, &h, raw, len)) != 0)
		goto out;
	*id = h.id;
	if (m->key != NULL && (rc = held_tell_moderators(m, &h, false)) == 0)
		rc = held_tell_sender(m, &h, "note_held", NULL);
out:
	g_free(author);
	g_free(subject);
	return rc;
}

/* Store H's post as a post of M->c, and fan it out. */
static int
release(const struct moderation *m, const struct held *h, const MDB_val *raw,
    bool *fanned)
{
	struct ingest_result res;
	int rc = ingest_message(m->st, m->txn, m->c->name, raw->mv_data,
	    raw->mv_size, h->rec.header_len, m->now, h->sender, &res);

	if (rc != 0 || res.duplicate)
		return rc;
	if ((rc = fanout_add(m->st, m->txn, m->conf, m->c->name, res.msg_id,
	    m->now, 0)) == 0)
		*fanned = true;
	return rc;
}

int
moderation_decide(const struct moderation *m, uint64_t id,
    enum mod_verdict verdict, const char *by, const char *reason,
    struct held *h, bool *fanned)
{
	static const struct { enum mod_verdict v; enum held_state s; } map[] = {
		{ MOD_APPROVE, HELD_APPROVED }, { MOD_REJECT, HELD_REJECTED },
		{ MOD_DISCARD, HELD_DISCARDED }, { MOD_WITHDRAW, HELD_WITHDRAWN },
	};
	enum held_state state = HELD_WAITING;
	GByteArray *copy = NULL;
	MDB_val raw;
	int rc;

	*fanned = false;
	for (size_t i = 0; i < G_N_ELEMENTS(map); i++)
		if (map[i].v == verdict)
			state = map[i].s;
	if ((rc = held_get(m->st, m->txn, id, h)) != 0)
		return rc;
	if (h->rec.state != HELD_WAITING)
		return -2;
	if ((rc = held_raw(m->st, m->txn, id, &raw)) != 0)
		return rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
	/* The bytes go with the decision: keep a copy to release. */
	copy = g_byte_array_sized_new((guint)raw.mv_size);
	g_byte_array_append(copy, raw.mv_data, (guint)raw.mv_size);
	if ((rc = held_decide(m->st, m->txn, h, state, by, m->now)) != 0)
		goto out;
	raw.mv_data = copy->data;
	if (state == HELD_APPROVED)
		rc = release(m, h, &raw, fanned);
	else if (state == HELD_REJECTED)
		rc = held_tell_sender(m, h, "note_rejected", reason);
	else if (state == HELD_WITHDRAWN)
		rc = held_tell_sender(m, h, "note_withdrawn", NULL);
out:
	g_byte_array_unref(copy);
	return rc;
}

/* The verdict the first word of TEXT gives; 0 when none.  *REST gets
 * the text after it (a rejection's reason). */
static char
verdict_of_text(const char *text, const char **rest)
{
	static const struct { const char *word; char v; } words[] = {
		{ "approve", MOD_APPROVE }, { "approved", MOD_APPROVE },
		{ "ok", MOD_APPROVE }, { "goedkeuren", MOD_APPROVE },
		{ "reject", MOD_REJECT }, { "afwijzen", MOD_REJECT },
		{ "discard", MOD_DISCARD }, { "weggooien", MOD_DISCARD },
	};
	size_t n;

	while (*text == ' ' || *text == '\t' || *text == '\n')
		text++;
	for (n = 0; g_ascii_isalpha(text[n]); n++)
		;
	*rest = text + n;
	while (**rest == ' ' || **rest == ':' || **rest == '\n' ||
	    **rest == '.' || **rest == ',')
		(*rest)++;
	for (size_t i = 0; i < G_N_ELEMENTS(words); i++)
		if (strlen(words[i].word) == n &&
		    g_ascii_strncasecmp(text, words[i].word, n) == 0)
			return words[i].v;
	return 0;
}

/* The mod-decision mail to the moderator of IN, with FLAG. */
static int
tell_moderator(const struct moderation *m, const struct member_mail *in,
    const struct held *h, const char *flag, const char *reason)
{
	static const char *const earlier[HELD__NSTATE] = {
		NULL, "earlier_approved", "earlier_rejected",
		"earlier_discarded", "earlier_withdrawn", "earlier_expired",
	};
	struct tmpl_ctx *ctx = h != NULL ? held_mail_ctx(m, h) : tmpl_ctx_new();
	int rc;

	tmpl_ctx_set_bool(ctx, flag, true);
	tmpl_ctx_set_bool(ctx, "to_staff", strcmp(flag, "not_moderator") != 0);
	tmpl_ctx_set_bool(ctx, "not_member", strcmp(flag, "not_moderator") == 0);
	if (in->name != NULL && in->name[0] != '\0')
		tmpl_ctx_set(ctx, "greeting_name", in->name);
	if (reason != NULL && reason[0] != '\0')
		tmpl_ctx_set(ctx, "reason", reason);
	if (h != NULL && strcmp(flag, "already_decided") == 0) {
		if (h->rec.state < HELD__NSTATE && earlier[h->rec.state])
			tmpl_ctx_set_bool(ctx, earlier[h->rec.state], true);
		if (h->decided_by[0] != '\0')
			tmpl_ctx_set(ctx, "decided_by", h->decided_by);
	}
	rc = held_mail_send(m, "mod-decision", ctx, in->name, in->address, NULL);
	tmpl_ctx_free(ctx);
	return rc;
}

/* A withdraw address that is not valid (or expired): said to IN. */
static int
withdraw_refused(const struct moderation *m, const struct member_mail *in)
{
	struct tmpl_ctx *ctx = tmpl_ctx_new();
	int rc;

	tmpl_ctx_set_bool(ctx, "note_token_bad", true);
	tmpl_ctx_set_bool(ctx, "not_member", true);
	rc = held_mail_send(m, "held-note", ctx, in->name, in->address, NULL);
	tmpl_ctx_free(ctx);
	return rc;
}

/* The sender's withdrawal by mail. */
static int
withdraw_by_mail(const struct moderation *m, const struct member_request *r,
    bool *fanned, char *outcome, size_t olen)
{
	struct held h;
	int rc = moderation_decide(m, r->id, MOD_WITHDRAW, "", NULL, &h,
	    fanned);

	if (rc == -2) {
		static const char *const was[HELD__NSTATE] = {
			NULL, "was_approved", "was_rejected", "was_discarded",
			NULL, "was_expired",
		};
		struct tmpl_ctx *ctx = held_mail_ctx(m, &h);
		const char *to = h.author[0] ? h.author : h.sender;

		g_strlcpy(outcome, "withdraw: too late", olen);
		tmpl_ctx_set_bool(ctx, "note_too_late", true);
		tmpl_ctx_set_bool(ctx, "not_member", h.rec.why == HOLD_OUTSIDER);
		if (h.rec.state < HELD__NSTATE && was[h.rec.state] != NULL)
			tmpl_ctx_set_bool(ctx, was[h.rec.state], true);
		rc = h.rec.state == HELD_WITHDRAWN ? 0 :
		    held_mail_send(m, "held-note", ctx, NULL, to, NULL);
		tmpl_ctx_free(ctx);
		return rc;
	}
	if (rc == 0)
		g_strlcpy(outcome, "withdrawn", olen);
	return rc;
}

int
moderation_by_mail(const struct moderation *m,
    const struct member_request *r, const struct member_mail *in,
    const char *text, bool *fanned, char *outcome, size_t olen)
{
	char *who = held_token_key(r->id);
	enum member_action want = r->verdict == MOD_WITHDRAW ? MACT_WITHDRAW :
	    MACT_MODERATE;
	enum member_token_status ts = r->id == 0 || m->key == NULL ?
	    MTOKEN_MALFORMED : member_token_check(m->key, r->token, want,
	    m->c->name, who, m->now, NULL);
	const char *rest = "";
	char verdict = r->verdict;
	struct held h;
	int rc;

	*fanned = false;
	g_free(who);
	if (ts != MTOKEN_OK) {
		snprintf(outcome, olen, "moderation: token %s",
		    member_token_status_name(ts));
		if (want == MACT_WITHDRAW)
			return withdraw_refused(m, in);
		return tell_moderator(m, in, NULL, ts == MTOKEN_EXPIRED ?
		    "token_expired" : "token_bad", NULL);
	}
	if (want == MACT_WITHDRAW)
		return withdraw_by_mail(m, r, fanned, outcome, olen);
	if (!moderation_is_moderator(m, in->address)) {
		g_strlcpy(outcome, "moderation refused: not a moderator", olen);
		return tell_moderator(m, in, NULL, "not_moderator", NULL);
	}
	if (verdict == 0 || verdict == MOD_REJECT) {
		char v = verdict_of_text(text, &rest);

		if (verdict == MOD_REJECT)	/* all its text is the reason */
			rest = v == MOD_REJECT ? rest : text;
		else
			verdict = v;
	}
	if (verdict == 0) {
		g_strlcpy(outcome, "moderation: reply not understood", olen);
		return tell_moderator(m, in, NULL, "not_understood", NULL);
	}
	rc = moderation_decide(m, r->id, verdict, in->address, rest, &h,
	    fanned);
	if (rc == -2) {
		g_strlcpy(outcome, "moderation: already decided", olen);
		return tell_moderator(m, in, &h, "already_decided", NULL);
	}
	if (rc == MDB_NOTFOUND) {
		g_strlcpy(outcome, "moderation: no such post", olen);
		return tell_moderator(m, in, NULL, "token_bad", NULL);
	}
	if (rc != 0)
		return rc;
	snprintf(outcome, olen, "held post %" G_GUINT64_FORMAT " %s",
	    r->id, held_state_name(h.rec.state));
	return tell_moderator(m, in, &h, verdict == MOD_APPROVE ? "approved" :
	    verdict == MOD_REJECT ? "rejected" : "discarded",
	    verdict == MOD_REJECT ? rest : NULL);
}
