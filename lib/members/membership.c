/*
 * membership.c: members' commands carried out (membership.h).  Each
 * command reads the member's record, maybe changes it, and answers with
 * one mail from the templates: confirm, welcome, goodbye, help, settings
 * or member-note (one flag says which note).  In a closed community an
 * application goes to the staff as an "application" mail with approve
 * and reject addresses (community+approve-ID-TOKEN@domain); using one
 * decides, and the staff member gets a "decision" mail saying what came
 * of it.
 */
#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "kring/bounce.h"
#include "kring/ledger.h"
#include "kring/mail.h"
#include "kring/member.h"
#include "kring/membership.h"
#include "kring/ratelimit.h"

#define DAY (24 * 3600)
#define DECIDE_DAYS 14		/* the staff's approve/reject addresses work */

/* One command being answered. */
struct answer {
	const struct membership *ms;
	const struct member_mail *in;
	uint32_t comm;
	struct member m;	/* the record, or a cleared one */
	const char *lang;	/* of the answer: into m.rec.lang or hint */
	char hint[8];		/* the language the command was in */
	struct tmpl_ctx *ctx;
	char *outcome;
	size_t olen;
};

/* The command sub-addresses, for the templates to show. */
static void
set_command_addresses(struct tmpl_ctx *ctx, const struct community_conf *c)
{
	static const char *const cmds[][2] = {
		{ "cmd_subscribe", "subscribe" },
		{ "cmd_unsubscribe", "unsubscribe" },
		{ "cmd_help", "help" }, { "cmd_settings", "settings" },
		{ "cmd_each", "each" }, { "cmd_digest", "digest" },
		{ "cmd_digest_weekly", "digest-weekly" },
		{ "cmd_nomail", "nomail" }, { "cmd_name", "name" },
		{ "cmd_lang_en", "lang-en" }, { "cmd_lang_nl", "lang-nl" },
		{ "cmd_resume", "resume" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cmds); i++) {
		char *a = g_strdup_printf("%s+%s@%s", c->local, cmds[i][1],
		    c->domain);

		tmpl_ctx_set(ctx, cmds[i][0], a);
		g_free(a);
	}
	tmpl_ctx_set(ctx, "list_address", c->address);
	tmpl_ctx_set_bool(ctx, "closed", c->closed);
}

static void
set_mode_flags(struct tmpl_ctx *ctx, uint32_t mode)
{
	tmpl_ctx_set_bool(ctx, "mode_each", mode == MODE_EACH);
	tmpl_ctx_set_bool(ctx, "mode_digest", mode == MODE_DIGEST);
	tmpl_ctx_set_bool(ctx, "mode_nomail", mode == MODE_NOMAIL);
}

static bool
is_member(const struct answer *a)
{
	return a->m.rec.state == MEMBER_ACTIVE;
}

/* The name to greet by: the one they set, else their From's. */
static void
greet(struct answer *a)
{
	const char *name = a->m.name[0] ? a->m.name : a->in->name;

	if (name != NULL && name[0] != '\0')
		tmpl_ctx_set(a->ctx, "greeting_name", name);
}

/* Where MS's mail goes. */
static struct mail_one
membership_mail(const struct membership *ms)
{
	struct mail_one one = { ms->conf, ms->c, ms->st, ms->txn, ms->now,
	    ms->preview, NULL, NULL, NULL };

	return one;
}

/* Send the answer KIND to the sender, with REPLY_TO (an address) or
 * none, unless the address has had its answers for the day. */
static int
send_answer(struct answer *a, const char *kind, const char *reply_to)
{
	const struct membership *ms = a->ms;
	struct compose_addr to = { a->in->name, a->in->address };
	struct compose_addr rt = { NULL, reply_to };
	struct mail_one one = membership_mail(ms);
	bool allowed;
	char err[256];
	int rc;

	allowed = true;
	if (!ms->admin && (rc = rate_take(ms->st, ms->txn, "answer", a->comm,
	    a->in->address, ms->conf->limits.member_requests_per_address, DAY,
	    ms->now, &allowed)) != 0)
		return rc;
	if (!allowed) {
		g_strlcat(a->outcome, ", no answer: over the daily limit",
		    a->olen);
		return 0;
	}
	greet(a);
	tmpl_ctx_set_bool(a->ctx, "is_member", is_member(a));
	tmpl_ctx_set_bool(a->ctx, "not_member", !is_member(a));
	one.lang = a->lang;
	one.reply_to = reply_to ? &rt : NULL;
	one.auto_submitted = ms->admin ? "auto-generated" : "auto-replied";
	rc = mail_send_one(&one, kind, a->ctx, &to, err, sizeof err);
	if (rc == -1)
		snprintf(a->outcome, a->olen, "%s: %s", kind, err);
	return rc;
}

/* A member-note with FLAG. */
static int
note(struct answer *a, const char *flag, const char *outcome)
{
	g_strlcpy(a->outcome, outcome, a->olen);
	tmpl_ctx_set_bool(a->ctx, flag, true);
	if (a->in->subject[0] != '\0')
		tmpl_ctx_set(a->ctx, "original_subject", a->in->subject);
	return send_answer(a, "member-note", NULL);
}

static int
save(struct answer *a)
{
	a->m.rec.changed = a->ms->now;
	return member_put(a->ms->st, a->ms->txn, a->comm, a->in->address,
	    &a->m);
}

int64_t
membership_confirm_seconds(const struct kring_config *conf)
{
	return (int64_t)conf->limits.confirm_hours * 3600;
}

/* The confirmation of ACTION: Reply-To its confirm address, which
 * carries the answer's language when it is not the community's (a
 * "+aanmelden" is welcomed in Dutch). */
static int
send_confirmation(struct answer *a, enum member_action action,
    const char *outcome)
{
	const struct membership *ms = a->ms;
	const struct community_conf *c = ms->c;
	char *token = member_token_make(ms->key, action, c->name,
	    a->in->address, ms->now + membership_confirm_seconds(ms->conf));
	bool own_lang = strcmp(a->lang, c->language) != 0;
	char *confirm = g_strdup_printf("%s+confirm-%s%s%s@%s", c->local,
	    token, own_lang ? "-" : "", own_lang ? a->lang : "", c->domain);
	int rc;

	g_strlcpy(a->outcome, outcome, a->olen);
	tmpl_ctx_set_bool(a->ctx, action == MACT_SUBSCRIBE ? "action_join" :
	    action == MACT_INVITE ? "action_invite" : "action_leave", true);
	tmpl_ctx_set(a->ctx, "confirm_address", confirm);
	tmpl_ctx_set_int(a->ctx, "expires_hours", ms->conf->limits.confirm_hours);
	rc = send_answer(a, action == MACT_INVITE ? "invite" : "confirm",
	    confirm);
	g_free(confirm);
	g_free(token);
	return rc;
}

static int
do_subscribe(struct answer *a)
{
	if (is_member(a))
		return note(a, "note_already_member", "already a member");
	if (a->m.rec.state == MEMBER_APPLIED)
		return note(a, "note_applied", "already applied");
	return send_confirmation(a, MACT_SUBSCRIBE, "join confirmation sent");
}

static int
do_unsubscribe(struct answer *a)
{
	if (!is_member(a))
		return note(a, "note_not_member", "not a member");
	return send_confirmation(a, MACT_UNSUBSCRIBE,
	    "leave confirmation sent");
}

static int
do_help(struct answer *a, const struct member_request *r)
{
	g_strlcpy(a->outcome, r->unknown[0] ? "not understood: help sent" :
	    "help sent", a->olen);
	if (is_member(a))
		set_mode_flags(a->ctx, a->m.rec.mode);
	if (r->unknown[0] != '\0')
		tmpl_ctx_set(a->ctx, "unknown_command", r->unknown);
	if (a->in->subject[0] != '\0')
		tmpl_ctx_set(a->ctx, "original_subject", a->in->subject);
	return send_answer(a, "help", NULL);
}

/* The settings, answering a change CHANGED (a flag name) or none. */
static int
send_settings(struct answer *a, const char *changed, const char *outcome)
{
	char joined[32];

	g_strlcpy(a->outcome, outcome, a->olen);
	tmpl_ctx_set(a->ctx, "address", a->in->address);
	if (a->m.name[0] != '\0')
		tmpl_ctx_set(a->ctx, "display_name", a->m.name);
	set_mode_flags(a->ctx, a->m.rec.mode);
	tmpl_ctx_set_bool(a->ctx, "lang_nl", strcmp(a->lang, "nl") == 0);
	tmpl_ctx_set_bool(a->ctx, "lang_en", strcmp(a->lang, "nl") != 0);
	tmpl_ctx_set_bool(a->ctx, "thanks",
	    !(a->m.rec.flags & MEMBER_NO_THANKS));
	tmpl_ctx_set_bool(a->ctx, "digest_weekly",
	    (a->m.rec.flags & MEMBER_DIGEST_WEEKLY) != 0);
	tmpl_ctx_set_bool(a->ctx, "suspended",
	    (a->m.rec.flags & MEMBER_SUSPENDED) != 0);
	if (a->m.rec.joined != 0) {
		time_t t = (time_t)a->m.rec.joined;
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(joined, sizeof joined, "%Y-%m-%d", &tm);
		tmpl_ctx_set(a->ctx, "joined", joined);
	}
	if (changed != NULL) {
		tmpl_ctx_set_bool(a->ctx, "changed", true);
		tmpl_ctx_set_bool(a->ctx, changed, true);
	}
	return send_answer(a, "settings", NULL);
}

/* Mail to A's member again, after bounces stopped it (bounce.h);
 * *WAS: it had been stopped.  The caller saves A's record. */
static int
resume_delivery(struct answer *a, bool *was)
{
	bool lifted;

	*was = (a->m.rec.flags & MEMBER_SUSPENDED) != 0;
	a->m.rec.flags &= ~MEMBER_SUSPENDED;
	return bounce_lift(a->ms->st, a->ms->txn, a->comm, a->in->address,
	    a->ms->now, &lifted);
}

static int
do_resume(struct answer *a)
{
	bool was;
	int rc;

	if (!is_member(a))
		return note(a, "note_not_member", "not a member");
	if ((rc = resume_delivery(a, &was)) != 0 || (rc = save(a)) != 0)
		return rc;
	return send_settings(a, was ? "changed_resumed" : NULL, was ?
	    "delivery resumed" : "resume: was not suspended");
}

static int
do_mode(struct answer *a, int mode, bool weekly)
{
	bool was;
	int rc;

	if (!is_member(a))
		return note(a, "note_not_member", "not a member");
	a->m.rec.mode = (uint32_t)mode;
	if (mode == MODE_DIGEST && weekly)
		a->m.rec.flags |= MEMBER_DIGEST_WEEKLY;
	else if (mode == MODE_DIGEST)
		a->m.rec.flags &= ~MEMBER_DIGEST_WEEKLY;
	/* Asking for the posts is asking for them again. */
	if ((rc = resume_delivery(a, &was)) != 0 || (rc = save(a)) != 0)
		return rc;
	return send_settings(a, "changed_mode", mode == MODE_EACH ?
	    "mode each" : mode == MODE_DIGEST ? "mode digest" : "mode nomail");
}

static int
do_name(struct answer *a)
{
	char name[MEMBER_NAME_MAX + 1];
	int rc;

	if (!is_member(a))
		return note(a, "note_not_member", "not a member");
	if (member_name_clean(a->in->subject, name) != 0)
		return note(a, "note_name_bad", "name refused");
	g_strlcpy(a->m.name, name, sizeof a->m.name);
	if ((rc = save(a)) != 0)
		return rc;
	return send_settings(a, "changed_name", "name set");
}

static int
do_lang(struct answer *a, const char *lang)
{
	int rc;

	if (!is_member(a))
		return note(a, "note_not_member", "not a member");
	g_strlcpy(a->m.rec.lang, lang, sizeof a->m.rec.lang);
	a->lang = a->m.rec.lang;
	if ((rc = save(a)) != 0)
		return rc;
	return send_settings(a, "changed_lang", "language set");
}

/* Welcome A's member, who has just joined. */
static int
welcome(struct answer *a)
{
	tmpl_ctx_set(a->ctx, "address", a->in->address);
	if (a->m.name[0] != '\0')
		tmpl_ctx_set(a->ctx, "display_name", a->m.name);
	set_mode_flags(a->ctx, a->m.rec.mode);
	return send_answer(a, "welcome", NULL);
}

/* Mail KIND to staff member TO with CTX, in the community's language. */
static int
send_staff(const struct membership *ms, const struct staff_conf *to,
    const char *kind, struct tmpl_ctx *ctx, char *outcome, size_t olen)
{
	struct compose_addr rcpt = { to->name, to->address };
	struct mail_one one = membership_mail(ms);
	char err[256];
	int rc;

	one.auto_submitted = "auto-generated";
	rc = mail_send_one(&one, kind, ctx, &rcpt, err, sizeof err);
	if (rc == -1)
		snprintf(outcome, olen, "%s: %s", kind, err);
	return rc;
}

/* The address that decides on A's application: approve or reject. */
static char *
decide_address(const struct answer *a, bool approve)
{
	const struct community_conf *c = a->ms->c;
	char *token = member_token_make(a->ms->key, approve ? MACT_APPROVE :
	    MACT_REJECT, c->name, a->in->address,
	    a->ms->now + (int64_t)DECIDE_DAYS * DAY);
	char *addr = g_strdup_printf("%s+%s-%" G_GUINT64_FORMAT "-%s@%s",
	    c->local, approve ? "approve" : "reject", a->m.rec.id, token,
	    c->domain);

	g_free(token);
	return addr;
}

/* Tell every staff member of A's community about A's application. */
static int
tell_staff(struct answer *a)
{
	const struct community_conf *c = a->ms->c;
	char *approve = decide_address(a, true);
	char *reject = decide_address(a, false);
	int rc = 0;

	for (size_t i = 0; i < c->nstaff && rc == 0; i++) {
		struct tmpl_ctx *ctx = tmpl_ctx_new();

		tmpl_ctx_set_bool(ctx, "to_staff", true);
		tmpl_ctx_set(ctx, "greeting_name", c->staff[i].name);
		tmpl_ctx_set(ctx, "applicant_address", a->in->address);
		tmpl_ctx_set(ctx, "applicant_name", a->m.name);
		tmpl_ctx_set(ctx, "approve_address", approve);
		tmpl_ctx_set(ctx, "reject_address", reject);
		tmpl_ctx_set_int(ctx, "expires_days", DECIDE_DAYS);
		tmpl_ctx_set(ctx, "community", c->name);
		rc = send_staff(a->ms, &c->staff[i], "application", ctx,
		    a->outcome, a->olen);
		tmpl_ctx_free(ctx);
	}
	if (rc == 0 && c->nstaff == 0)
		g_strlcat(a->outcome, "; no staff to tell: use kring member "
		    "approve", a->olen);
	g_free(approve);
	g_free(reject);
	return rc;
}

/* Join: at once in an open community; in a closed one the staff
 * decide (kring member approve|reject).  An invitation (INVITED)
 * admits in a closed community too. */
static int
confirmed_join(struct answer *a, const struct member_request *r,
    bool invited)
{
	int rc;

	if (is_member(a))
		return note(a, "note_already_member", "already a member");
	if (a->m.name[0] == '\0' && a->in->name[0] != '\0')
		(void)member_name_clean(a->in->name, a->m.name);
	if (r->lang[0] != '\0' && a->m.rec.lang[0] == '\0')
		g_strlcpy(a->m.rec.lang, r->lang, sizeof a->m.rec.lang);
	a->m.rec.how = invited ? HOW_INVITE : HOW_MAIL;
	a->m.rec.mode = MODE_EACH;
	if (a->ms->c->closed && !invited) {
		a->m.rec.state = MEMBER_APPLIED;
		if ((rc = save(a)) != 0 ||
		    (rc = note(a, "note_applied", "applied: for the staff")) != 0)
			return rc;
		return tell_staff(a);
	}
	a->m.rec.state = MEMBER_ACTIVE;
	a->m.rec.joined = a->ms->now;
	if ((rc = save(a)) != 0)
		return rc;
	g_strlcpy(a->outcome, invited ? "joined: invitation accepted" :
	    "joined", a->olen);
	return welcome(a);
}

static int
confirmed_leave(struct answer *a)
{
	int rc;

	if (!is_member(a))
		return note(a, "note_not_member", "not a member");
	a->m.rec.state = MEMBER_LEFT;
	if ((rc = save(a)) != 0)
		return rc;
	g_strlcpy(a->outcome, "left", a->olen);
	tmpl_ctx_set(a->ctx, "address", a->in->address);
	return send_answer(a, "goodbye", NULL);
}

static int
do_confirm(struct answer *a, const struct member_request *r)
{
	const struct membership *ms = a->ms;
	const char *parts[1] = { r->token };
	GByteArray *used = g_byte_array_new();
	enum member_action action = 0;
	enum member_token_status st;
	int rc;

	st = r->token[0] == '\0' ? MTOKEN_MALFORMED :
	    member_token_check(ms->key, r->token, 0, ms->c->name,
	    a->in->address, ms->now, &action);
	if (st == MTOKEN_OK && action != MACT_SUBSCRIBE &&
	    action != MACT_UNSUBSCRIBE && action != MACT_INVITE)
		st = MTOKEN_OTHER_ACTION;	/* a staff token */
	ledger_key(used, "token", a->comm, parts, 1);
	if (st == MTOKEN_OK) {
		rc = ledger_get(ms->st, ms->txn, used, NULL);
		if (rc == 0) {
			g_byte_array_unref(used);
			return note(a, "note_token_used", "token used already");
		}
		if (rc != MDB_NOTFOUND || (rc = ledger_put(ms->st, ms->txn,
		    used, ms->now)) != 0) {
			g_byte_array_unref(used);
			return rc;
		}
	}
	g_byte_array_unref(used);
	switch (st) {
	case MTOKEN_OK:
		return action == MACT_UNSUBSCRIBE ? confirmed_leave(a) :
		    confirmed_join(a, r, action == MACT_INVITE);
	case MTOKEN_EXPIRED:
		return note(a, "note_token_expired", "token expired");
	case MTOKEN_FORGED:
		return note(a, "note_token_forged", "token forged or for "
		    "another address");
	case MTOKEN_OTHER_ACTION:
		return note(a, "note_token_other", "token for another action");
	default:
		return note(a, "note_token_malformed", "token malformed");
	}
}

/* The answer's language: the member's, else the one the command was
 * in, else the community's. */
static const char *
answer_lang(const struct answer *a, const struct member_request *r)
{
	if (a->m.rec.lang[0] != '\0')
		return a->m.rec.lang;
	if (r->lang[0] != '\0')
		return r->lang;
	return a->ms->c->language;
}

/* Set up A for the mail IN: the member's record, the values. */
static int
answer_open(struct answer *a, const struct membership *ms,
    const struct member_mail *in, const char *lang_hint, char *outcome,
    size_t olen)
{
	struct member_request none = { 0 };
	int rc;

	memset(a, 0, sizeof *a);
	a->ms = ms;
	a->in = in;
	a->outcome = outcome;
	a->olen = olen;
	outcome[0] = '\0';
	rc = store_community_id(ms->st, ms->txn, ms->c->name, true, &a->comm);
	if (rc != 0)
		return rc;
	rc = member_get(ms->st, ms->txn, a->comm, in->address, &a->m);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	g_strlcpy(a->hint, lang_hint, sizeof a->hint);
	g_strlcpy(none.lang, lang_hint, sizeof none.lang);
	a->lang = answer_lang(a, &none);
	if (a->lang == none.lang)	/* none dies here */
		a->lang = a->hint;
	a->ctx = tmpl_ctx_new();
	set_command_addresses(a->ctx, ms->c);
	return 0;
}

int
membership_decide(const struct membership *staff_ms, const char *address,
    bool approve, char *outcome, size_t olen)
{
	/* The applicant waits for this answer: no daily limit on it. */
	struct membership own = *staff_ms;
	const struct membership *ms = &own;
	struct member_mail in = { address, "", "" };
	struct answer a;
	int rc;

	own.admin = true;
	rc = answer_open(&a, ms, &in, "", outcome, olen);

	if (rc != 0)
		return rc;
	if (a.m.rec.state != MEMBER_APPLIED) {
		tmpl_ctx_free(a.ctx);
		return -2;
	}
	if (approve) {
		a.m.rec.state = MEMBER_ACTIVE;
		a.m.rec.how = HOW_APPROVED;
		a.m.rec.joined = ms->now;
		if ((rc = save(&a)) == 0) {
			g_strlcpy(outcome, "approved", olen);
			rc = welcome(&a);
		}
	} else {
		a.m.rec.state = MEMBER_NONE;
		if ((rc = save(&a)) == 0)
			rc = note(&a, "note_rejected", "turned down");
	}
	tmpl_ctx_free(a.ctx);
	return rc;
}

int
membership_invite(const struct membership *ms, const char *address,
    const char *name, char *outcome, size_t olen)
{
	struct member_mail in = { address, name, "" };
	struct answer a;
	int rc = answer_open(&a, ms, &in, "", outcome, olen);

	if (rc != 0)
		return rc;
	if (is_member(&a)) {
		tmpl_ctx_free(a.ctx);
		return -2;
	}
	if (a.m.rec.state != MEMBER_APPLIED)
		a.m.rec.state = MEMBER_INVITED;
	if (a.m.name[0] == '\0')
		(void)member_name_clean(name, a.m.name);
	if ((rc = save(&a)) == 0)
		rc = send_confirmation(&a, MACT_INVITE, "invited");
	tmpl_ctx_free(a.ctx);
	return rc;
}

/* The decision mail to the staff member of A, with FLAG set. */
static int
decision(struct answer *a, const char *applicant, const char *flag,
    const char *outcome)
{
	g_strlcpy(a->outcome, outcome, a->olen);
	if (applicant != NULL)
		tmpl_ctx_set(a->ctx, "applicant_address", applicant);
	tmpl_ctx_set_bool(a->ctx, flag, true);
	tmpl_ctx_set_bool(a->ctx, "to_staff", strcmp(flag, "not_staff") != 0);
	return send_answer(a, "decision", NULL);
}

/* Staff decide by mail (approve-ID-TOKEN or reject-ID-TOKEN). */
static int
do_decide(struct answer *a, const struct member_request *r)
{
	const struct membership *ms = a->ms;
	char applicant[MEMBER_ADDR_MAX + 1], done[128];
	enum member_action action;
	enum member_token_status st;
	uint32_t comm;
	int rc;

	if (config_staff(ms->c, a->in->address) == NULL)
		return decision(a, NULL, "not_staff", "decision refused: not "
		    "staff");
	rc = r->id == 0 ? MDB_NOTFOUND :
	    member_by_id(ms->st, ms->txn, r->id, &comm, applicant);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	if (rc == MDB_NOTFOUND || comm != a->comm)
		return decision(a, NULL, "token_bad", "decision refused: no "
		    "such applicant");
	st = member_token_check(ms->key, r->token, r->approve ? MACT_APPROVE :
	    MACT_REJECT, ms->c->name, applicant, ms->now, &action);
	if (st == MTOKEN_EXPIRED)
		return decision(a, applicant, "token_expired",
		    "decision refused: token expired");
	if (st != MTOKEN_OK)
		return decision(a, applicant, "token_bad", "decision refused: "
		    "token bad");
	rc = membership_decide(ms, applicant, r->approve, done, sizeof done);
	if (rc == -2)	/* another staff member was first */
		return decision(a, applicant, "already_decided",
		    "already decided");
	if (rc != 0)
		return rc;
	g_strlcpy(a->outcome, done, a->olen);
	return decision(a, applicant, r->approve ? "approved" : "rejected",
	    done);
}

int
membership_leave(const struct membership *ms, const char *address,
    char *outcome, size_t olen)
{
	struct member_mail in = { address, "", "" };
	struct answer a;
	int rc = answer_open(&a, ms, &in, "", outcome, olen);

	if (rc != 0)
		return rc;
	rc = is_member(&a) ? confirmed_leave(&a) : -2;
	tmpl_ctx_free(a.ctx);
	return rc;
}

int
membership_handle(const struct membership *ms,
    const struct member_request *r, const struct member_mail *in,
    char *outcome, size_t olen)
{
	struct answer a;
	int rc;

	if (ms->key == NULL && (r->cmd == MCMD_SUBSCRIBE ||
	    r->cmd == MCMD_UNSUBSCRIBE || r->cmd == MCMD_CONFIRM ||
	    r->cmd == MCMD_DECIDE)) {
		g_strlcpy(outcome, "no store secret: no confirm addresses", olen);
		return -1;
	}
	if ((rc = answer_open(&a, ms, in, r->lang, outcome, olen)) != 0)
		return rc;
	switch (r->cmd) {
	case MCMD_SUBSCRIBE: rc = do_subscribe(&a); break;
	case MCMD_UNSUBSCRIBE: rc = do_unsubscribe(&a); break;
	case MCMD_SETTINGS:
		rc = is_member(&a) ? send_settings(&a, NULL, "settings sent") :
		    note(&a, "note_not_member", "not a member");
		break;
	case MCMD_MODE: rc = do_mode(&a, r->mode, r->weekly); break;
	case MCMD_NAME: rc = do_name(&a); break;
	case MCMD_LANG: rc = do_lang(&a, r->lang); break;
	case MCMD_CONFIRM: rc = do_confirm(&a, r); break;
	case MCMD_DECIDE: rc = do_decide(&a, r); break;
	case MCMD_RESUME: rc = do_resume(&a); break;
	default: rc = do_help(&a, r); break;
	}
	tmpl_ctx_free(a.ctx);
	return rc;
}
