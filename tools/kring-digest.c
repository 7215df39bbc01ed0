/*
 * kring-digest: the member digests of a period.  Each active member in
 * digest mode whose mail bounces have not suspended gets one message:
 * a table of contents that says who wrote what, with a private-reply
 * address where that is allowed, then the posts themselves as a
 * multipart/digest, each the list copy every-post members get.
 *
 * Daily members get the posts of the period (a day, when kringd runs it
 * on a daily schedule); weekly members (weekly_digest) get the seven
 * days before the period's end, when that end falls on the community's
 * digest_weekday.  Topics staff put to the community come first, then
 * the other posts.  A member of a local community (parent in kring.conf)
 * gets the local posts and the central ones, each under its heading.
 * A member with nothing to read gets nothing.  Like the staff tools:
 * a preview unless --send, and never twice for the same period.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <glib.h>

#include "kring/activity.h"
#include "kring/announce.h"
#include "kring/author.h"
#include "kring/listcopy.h"
#include "kring/log.h"
#include "kring/member.h"
#include "kring/msginfo.h"
#include "kring/outbox.h"
#include "kring/relay.h"
#include "kring/staffauth.h"
#include "kring/stafftool.h"
#include "kring/topic.h"
#include "kring/util.h"
#include "kring/verp.h"

/* Shared bodies of digests: ids apart from the fan-out's (post << 16). */
#define DIGEST_BODY_BIT (UINT64_C(1) << 63)

static void
usage(FILE *out, int status)
{
	fprintf(out,
	    "usage: kring digest [-c FILE] [-s DIR] [--community C]\n"
	    "                    [--since DATE] [--until DATE] [--send [--once]]\n\n"
	    "The member digests of the period (by default since the last run\n"
	    "with --send; a day on the first): daily members get the period,\n"
	    "weekly ones the week before its end when that is the\n"
	    "community's digest_weekday.  Without --send the digests are\n"
	    "printed as an mbox and nothing is sent.\n");
	exit(status);
}

/* The posts of one community for one span, as the digest shows them. */
struct section {
	const struct community_conf *c;
	uint32_t comm;
	struct activity act;
	GPtrArray *topics, *others;	/* struct post *, not owned */
	GArray *copies;		/* struct compose_part, in TOC order */
	GPtrArray *bytes;	/* the list copies (GByteArray *), owned */
	const unsigned char *key;	/* the store's secret (relay.h) */
};

/* The list copy of P, kept in S for the digest's parts. */
static void
add_copy(struct staff_run *r, struct section *s, const struct post *p)
{
	struct compose_part part;
	GByteArray *copy;
	char *relay;
	bool relayed;
	MDB_val raw;
	int rc;

	if ((rc = store_raw_get(&r->cli.st, r->txn, p->msg, &raw)) != 0)
		staff_run_fail(r, EX_SOFTWARE, "message %llu: %s",
		    (unsigned long long)p->msg, mdb_strerror(rc));
	relay = relay_reply_address(&r->cli.st, r->txn, &r->cli.conf, s->c,
	    s->key, p->from, &relayed);
	copy = listcopy_make(s->c, raw.mv_data, raw.mv_size, NULL,
	    relayed ? relay : NULL);
	g_free(relay);
	g_ptr_array_add(s->bytes, copy);
	part.data = (const char *)copy->data;
	part.len = copy->len;
	g_array_append_val(s->copies, part);
}

/* Read C's posts of [SINCE, UNTIL) into S, topics first; KEY is the
 * store's secret. */
static void
section_load(struct staff_run *r, const struct community_conf *c,
    int64_t since, int64_t until, const unsigned char *key,
    struct section *s)
{
	char name[256];
	int rc;

	memset(s, 0, sizeof *s);
	s->c = c;
	s->key = key;
	s->topics = g_ptr_array_new();
	s->others = g_ptr_array_new();
	s->copies = g_array_new(FALSE, FALSE, sizeof(struct compose_part));
	s->bytes = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)g_byte_array_unref);
	g_strlcpy(name, c->name, sizeof name);
	if ((rc = store_community_id(&r->cli.st, r->txn, name, false,
	    &s->comm)) == MDB_NOTFOUND) {
		s->act.posts = g_ptr_array_new();
		return;	/* no mail yet: nothing to read */
	}
	if (rc != 0 || (rc = activity_scan(&r->cli.st, r->txn, s->comm, c,
	    since, until, &s->act)) != 0)
		staff_run_fail(r, EX_SOFTWARE, "%s: %s", c->name,
		    mdb_strerror(rc));
	for (guint i = 0; i < s->act.posts->len; i++) {
		struct post *p = s->act.posts->pdata[i];
		uint64_t topic;

		if (announce_is(&r->cli.st, r->txn, s->comm, p->msg))
			continue;	/* everyone had it (announce.h) */
		if (topic_find_by_msg(&r->cli.st, r->txn, s->comm, p->msg,
		    &topic) == 0)
			g_ptr_array_add(s->topics, p);
		else
			g_ptr_array_add(s->others, p);
	}
	/* The parts in the order of the contents. */
	for (guint i = 0; i < s->topics->len; i++)
		add_copy(r, s, s->topics->pdata[i]);
	for (guint i = 0; i < s->others->len; i++)
		add_copy(r, s, s->others->pdata[i]);
}

/* The posts S shows (announcements are not among them). */
static guint
section_size(const struct section *s)
{
	return s->topics->len + s->others->len;
}

static void
section_free(struct section *s)
{
	if (s->act.conf != NULL || s->act.posts != NULL)
		activity_free(&s->act);
	g_ptr_array_unref(s->topics);
	g_ptr_array_unref(s->others);
	g_array_unref(s->copies);
	g_ptr_array_unref(s->bytes);
}

/* The name to show for P's author, never their address (unless they
 * allow it, it is not for every reader): staff's configured name, the
 * member's own, the From's display name, or "" (the template says "a
 * member"). */
static char *
author_name(struct staff_run *r, const struct section *s,
    const struct post *p)
{
	const struct staff_conf *sc = config_staff(s->c, p->from);
	struct member m;
	MDB_val raw;
	char *name;

	if (sc != NULL && sc->name != NULL && sc->name[0] != '\0')
		return g_strdup(sc->name);
	if (member_get(&r->cli.st, r->txn, s->comm, p->from, &m) == 0 &&
	    m.name[0] != '\0')
		return g_strdup(m.name);
	if (store_raw_get(&r->cli.st, r->txn, p->msg, &raw) != 0)
		return g_strdup("");
	name = msg_author_name(raw.mv_data, raw.mv_size);
	if (strchr(name, '@') != NULL)	/* an address as a name */
		name[0] = '\0';
	return name;
}

/* One TOC line of P, item number N, under LIST of CTX. */
static void
add_item(struct staff_run *r, struct section *s, struct tmpl_ctx *ctx,
    const char *list, const struct post *p, long n)
{
	struct tmpl_ctx *item = tmpl_ctx_add_item(ctx, list);
	char *label = author_name(r, s, p), *reply;
	char when[32];

	period_time(r->period.tz, p->time, when, sizeof when);
	tmpl_ctx_set_int(item, "number", n);
	tmpl_ctx_set(item, "subject", p->subject[0] ? p->subject :
	    "(no subject)");
	if (label[0] != '\0')
		tmpl_ctx_set(item, "author", label);
	tmpl_ctx_set(item, "when", when);
	tmpl_ctx_set_bool(item, "staff", p->staff);
	/* Their address where they allow it, else their relay address:
	 * a reply reaches them without either side learning the other's
	 * (relay.h). */
	reply = relay_reply_address(&r->cli.st, r->txn, &r->cli.conf, s->c,
	    s->key, p->from, NULL);
	if (reply != NULL)
		tmpl_ctx_set(item, "private_reply", reply);
	g_free(reply);
	g_free(label);
}

/* S's table of contents into CTX (lists PREFIX_topics and
 * PREFIX_posts), numbering from *N. */
static void
fill_section(struct staff_run *r, struct section *s, struct tmpl_ctx *ctx,
    const char *prefix, long *n)
{
	char *topics = g_strconcat(prefix, "topics", NULL);
	char *posts = g_strconcat(prefix, "posts", NULL);

	char *has_topics = g_strconcat(prefix, "has_topics", NULL);
	char *has_posts = g_strconcat(prefix, "has_posts", NULL);

	for (guint i = 0; i < s->topics->len; i++)
		add_item(r, s, ctx, topics, s->topics->pdata[i], ++*n);
	for (guint i = 0; i < s->others->len; i++)
		add_item(r, s, ctx, posts, s->others->pdata[i], ++*n);
	tmpl_ctx_set_bool(ctx, has_topics, s->topics->len > 0);
	tmpl_ctx_set_bool(ctx, has_posts, s->others->len > 0);
	g_free(has_topics);
	g_free(has_posts);
	g_free(topics);
	g_free(posts);
}

/* One digest, made once and sent to every member it is for: daily or
 * weekly, in one language. */
struct digest {
	bool weekly;
	char lang[8];
	struct section local, central;	/* central: for a local community */
	bool have_central;
	GByteArray *msg;	/* the message without To; empty: no posts */
	char *message_id;
	uint64_t body;		/* its shared outbox body; 0: not yet */
	const unsigned char *key;	/* the store's secret */
};

/* Build D for R's community: the sections, the contents, the message. */
static void
digest_make(struct staff_run *r, struct digest *d, int64_t since)
{
	const struct community_conf *c = r->community;
	const struct community_conf *parent = c->parent != NULL ?
	    config_community(&r->cli.conf, c->parent) : NULL;
	struct tmpl_ctx *ctx = tmpl_ctx_new();
	GArray *parts = g_array_new(FALSE, FALSE, sizeof(struct compose_part));
	char from[32], err[256];
	long n = 0;

	section_load(r, c, since, r->period.until, d->key, &d->local);
	if (parent != NULL) {
		section_load(r, parent, since, r->period.until, d->key,
		    &d->central);
		d->have_central = true;
	}
	d->msg = g_byte_array_new();
	if (section_size(&d->local) + (d->have_central ?
	    section_size(&d->central) : 0) == 0)
		goto out;
	period_date(r->period.tz, since, from, sizeof from);
	tmpl_ctx_set(ctx, "period_from", from);
	tmpl_ctx_set(ctx, "period_until", r->period.until_text);
	tmpl_ctx_set_bool(ctx, "weekly", d->weekly);
	/* A daily digest catching up after downtime spans several days. */
	tmpl_ctx_set_bool(ctx, "last_day", !d->weekly &&
	    period_add_days(r->period.tz, r->period.until, -1) <= since);
	tmpl_ctx_set(ctx, "list_address", c->address);
	fill_section(r, &d->local, ctx, "", &n);
	g_array_append_vals(parts, d->local.copies->data, d->local.copies->len);
	if (d->have_central && section_size(&d->central) > 0) {
		tmpl_ctx_set(ctx, "central_name", d->central.c->description[0] ?
		    d->central.c->description : d->central.c->name);
		tmpl_ctx_set(ctx, "central_address", d->central.c->address);
		tmpl_ctx_set_bool(ctx, "has_central", true);
		fill_section(r, &d->central, ctx, "central_", &n);
		g_array_append_vals(parts, d->central.copies->data,
		    d->central.copies->len);
	}
	tmpl_ctx_set_bool(ctx, "has_local", section_size(&d->local) > 0);
	tmpl_ctx_set_int(ctx, "count", n);
	tmpl_ctx_set_bool(ctx, "count_one", n == 1);
	r->mo.lang = d->lang;
	r->mo.digest = (const struct compose_part *)parts->data;
	r->mo.ndigest = parts->len;
	if (mail_kind_build(&r->mo, "digest", ctx, NULL, 0, "auto-generated",
	    d->msg, &d->message_id, err, sizeof err) != 0)
		staff_run_fail(r, EX_SOFTWARE, "digest: %s", err);
	r->mo.digest = NULL;
	r->mo.ndigest = 0;
	r->mo.lang = NULL;
out:
	g_array_unref(parts);
	tmpl_ctx_free(ctx);
}

static void
digest_free(struct digest *d)
{
	section_free(&d->local);
	if (d->have_central)
		section_free(&d->central);
	g_byte_array_unref(d->msg);
	g_free(d->message_id);
	g_free(d);
}

/* A member to send to. */
struct reader {
	char *address;
	uint64_t id;
	bool weekly;
	char lang[8];
};

static int
collect_reader(const char *address, const struct member *m, void *arg)
{
	GArray *readers = arg;
	struct reader rd = { 0 };

	if (m->rec.state != MEMBER_ACTIVE || m->rec.mode != MODE_DIGEST ||
	    (m->rec.flags & MEMBER_SUSPENDED))
		return 0;
	rd.address = g_strdup(address);
	rd.id = m->rec.id;
	rd.weekly = (m->rec.flags & MEMBER_DIGEST_WEEKLY) != 0;
	g_strlcpy(rd.lang, m->rec.lang, sizeof rd.lang);
	g_array_append_val(readers, rd);
	return 0;
}

/* Everything a run sends with. */
struct run {
	struct staff_run *r;
	GHashTable *digests;	/* "d:nl" / "w:en" -> struct digest * */
	bool weekly_day;	/* the period ends on digest_weekday */
	unsigned char key[STAFF_KEY_LEN];
	bool have_key;
	size_t sent;
};

/* The digest RD reads, made on first use; NULL when none is due. */
static struct digest *
digest_for(struct run *run, const struct reader *rd)
{
	struct staff_run *r = run->r;
	const char *lang = rd->lang[0] ? rd->lang : r->community->language;
	char *name = g_strdup_printf("%c:%s", rd->weekly ? 'w' : 'd', lang);
	struct digest *d;

	if (rd->weekly && !run->weekly_day) {
		g_free(name);
		return NULL;
	}
	if ((d = g_hash_table_lookup(run->digests, name)) != NULL) {
		g_free(name);
		return d;
	}
	d = g_new0(struct digest, 1);
	d->weekly = rd->weekly;
	g_strlcpy(d->lang, lang, sizeof d->lang);
	d->key = run->have_key ? run->key : NULL;
	digest_make(r, d, rd->weekly ? period_add_days(r->period.tz,
	    r->period.until, -7) : r->period.since);
	g_hash_table_insert(run->digests, name, d);
	return d;
}

/* D to RD: previewed, or queued as a shared body with RD's own To and a
 * return path that names them (bounce.h). */
static void
send_digest(struct run *run, struct digest *d, const struct reader *rd)
{
	struct staff_run *r = run->r;
	GString *own = listcopy_member_fields(&r->cli.conf, r->community,
	    run->have_key ? run->key : NULL, rd->address, r->now);
	char *prefix = g_strdup_printf("To: <%s>\r\n%s", rd->address,
	    own->str);
	char *rp;
	uint64_t id;
	int rc = 0;

	if (!r->send) {
		GByteArray *one = g_byte_array_new();

		g_byte_array_append(one, (const guint8 *)prefix,
		    (guint)strlen(prefix));
		g_byte_array_append(one, d->msg->data, d->msg->len);
		compose_mbox_append(r->mo.preview, one, r->now);
		g_byte_array_unref(one);
		g_free(prefix);
		g_string_free(own, TRUE);
		run->sent++;
		return;
	}
	if (d->body == 0 && ((rc = store_next_id(&r->cli.st, r->txn,
	    "next_digest_body", &d->body)) != 0 ||
	    (rc = outbox_body_add(&r->cli.st, r->txn,
	    (d->body |= DIGEST_BODY_BIT), (const char *)d->msg->data,
	    d->msg->len)) != 0))
		staff_run_fail(r, EX_CANTCREAT, "outbox: %s", mdb_strerror(rc));
	rp = verp_member_address(run->key, r->community, rd->id, 0);
	rc = outbox_enqueue_shared(&r->cli.st, r->txn, rp, rd->address,
	    prefix, strlen(prefix), d->body, d->message_id, r->now, &id);
	g_free(rp);
	g_free(prefix);
	g_string_free(own, TRUE);
	if (rc != 0)
		staff_run_fail(r, EX_CANTCREAT, "outbox: %s", mdb_strerror(rc));
	run->sent++;
}

/* The run's hold on each shared body goes; the entries keep theirs. */
static void
drop_bodies(struct run *run)
{
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, run->digests);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		struct digest *d = v;
		int rc;

		if (d->body != 0 && (rc = outbox_body_unref(&run->r->cli.st,
		    run->r->txn, d->body)) != 0)
			staff_run_fail(run->r, EX_CANTCREAT, "outbox: %s",
			    mdb_strerror(rc));
	}
}

int
main(int argc, char **argv)
{
	struct staff_run r;
	struct run run = { .r = &r, .have_key = true };
	GArray *readers = g_array_new(FALSE, TRUE, sizeof(struct reader));
	char errbuf[512];
	GDateTime *utc, *until;
	int rc;

	msginfo_global_init();
	staff_run_start(&r, "digest", argc, argv, 1, usage);
	/* The weekday of the period's end in the community's zone (GLib:
	 * 1 Monday .. 7 Sunday; digest_weekday: 0 Sunday). */
	if ((utc = g_date_time_new_from_unix_utc(r.period.until)) == NULL ||
	    (until = g_date_time_to_timezone(utc, r.period.tz)) == NULL)
		staff_run_fail(&r, EX_USAGE, "--until: out of range");
	g_date_time_unref(utc);
	run.weekly_day = g_date_time_get_day_of_week(until) % 7 ==
	    r.community->digest_weekday;
	g_date_time_unref(until);
	/* Made on first use even in a preview: the relay addresses it
	 * shows are then the ones that work. */
	if (staff_key_load(r.cli.st.path, true, run.key, errbuf,
	    sizeof errbuf) != 0) {
		if (r.send)
			staff_run_fail(&r, EX_CANTCREAT, "%s", errbuf);
		run.have_key = false;
		log_warnx("%s: no relay addresses in this preview", errbuf);
	}
	run.digests = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    (GDestroyNotify)digest_free);
	if ((rc = member_walk(&r.cli.st, r.txn, r.comm_id, NULL,
	    collect_reader, readers)) != 0)
		staff_run_fail(&r, EX_SOFTWARE, "members: %s", mdb_strerror(rc));
	for (guint i = 0; i < readers->len; i++) {
		struct reader *rd = &g_array_index(readers, struct reader, i);
		struct digest *d = digest_for(&run, rd);

		if (d != NULL && d->msg->len > 0)
			send_digest(&run, d, rd);
		g_free(rd->address);
	}
	if (r.send)
		drop_bodies(&run);
	r.mo.count = run.sent;
	g_hash_table_unref(run.digests);
	g_array_unref(readers);
	staff_run_finish(&r);
	return 0;
}
