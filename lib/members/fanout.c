/*
 * fanout.c: a post expanded into one outbox entry per member, a batch at
 * a time (fanout.h).
 */
#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "kring/author.h"
#include "kring/fanout.h"
#include "kring/listcopy.h"
#include "kring/log.h"
#include "kring/mail.h"
#include "kring/member.h"
#include "kring/outbox.h"
#include "kring/relay.h"
#include "kring/verp.h"


/* A fan-out record as read. */
struct fanout {
	uint64_t post;
	struct fanout_rec rec;
	uint32_t comm[FANOUT_MAX_COMMUNITIES];
	char cursor[MEMBER_ADDR_MAX + 1];
};

static int
fanout_write(struct store *st, MDB_txn *txn, const struct fanout *f)
{
	GByteArray *b = g_byte_array_new();
	unsigned char kb[8];
	MDB_val k = { 8, kb }, v;
	int rc;

	g_byte_array_append(b, (const guint8 *)&f->rec, sizeof f->rec);
	for (uint32_t i = 0; i < f->rec.ncomm; i++) {
		unsigned char cb[4];

		be32_put(cb, f->comm[i]);
		g_byte_array_append(b, cb, 4);
	}
	g_byte_array_append(b, (const guint8 *)f->cursor, strlen(f->cursor));
	be64_put(kb, f->post);
	v.mv_size = b->len;
	v.mv_data = b->data;
	rc = mdb_put(txn, st->dbi[DB_FANOUT], &k, &v, 0);
	g_byte_array_unref(b);
	return rc;
}

static int
fanout_decode(const MDB_val *k, const MDB_val *v, struct fanout *f)
{
	const unsigned char *p = v->mv_data;
	size_t ids, rest;

	memset(f, 0, sizeof *f);
	if (k->mv_size != 8 || v->mv_size < sizeof f->rec)
		return MDB_CORRUPTED;
	f->post = be64_get(k->mv_data);
	memcpy(&f->rec, p, sizeof f->rec);
	ids = (size_t)f->rec.ncomm * 4;
	if (f->rec.version != FANOUT_REC_VERSION || f->rec.ncomm == 0 ||
	    f->rec.ncomm > FANOUT_MAX_COMMUNITIES ||
	    v->mv_size < sizeof f->rec + ids)
		return MDB_CORRUPTED;
	for (uint32_t i = 0; i < f->rec.ncomm; i++)
		f->comm[i] = be32_get(p + sizeof f->rec + 4 * i);
	rest = v->mv_size - sizeof f->rec - ids;
	if (rest > MEMBER_ADDR_MAX)
		return MDB_CORRUPTED;
	memcpy(f->cursor, p + sizeof f->rec + ids, rest);
	f->cursor[rest] = '\0';
	return 0;
}

int
fanout_add(struct store *st, MDB_txn *txn, const struct kring_config *conf,
    const char *community, uint64_t msg, int64_t now, unsigned flags)
{
	struct fanout f = { .post = msg, .rec = { .version = FANOUT_REC_VERSION,
	    .flags = flags, .created = now } };
	int rc;

	if ((rc = store_community_id(st, txn, community, true, &f.comm[0])) != 0)
		return rc;
	f.rec.ncomm = 1;
	for (size_t i = 0; i < conf->ncommunities; i++) {
		const struct community_conf *c = &conf->communities[i];

		if (c->parent == NULL || strcmp(c->parent, community) != 0)
			continue;
		rc = store_community_id(st, txn, c->name, true,
		    &f.comm[f.rec.ncomm]);
		if (rc != 0)
			return rc;
		f.rec.ncomm++;
	}
	return fanout_write(st, txn, &f);
}

bool
fanout_pending(struct store *st, MDB_txn *txn)
{
	MDB_cursor *cur;
	MDB_val k, v;
	bool any;

	if (mdb_cursor_open(txn, st->dbi[DB_FANOUT], &cur) != 0)
		return false;
	any = mdb_cursor_get(cur, &k, &v, MDB_FIRST) == 0;
	mdb_cursor_close(cur);
	return any;
}

/* The configured community of store id ID, or NULL. */
static const struct community_conf *
community_of(struct store *st, MDB_txn *txn, const struct kring_config *conf,
    uint32_t id)
{
	char name[256];

	if (store_community_name(st, txn, id, name, sizeof name) != 0)
		return NULL;
	return config_community(conf, name);
}

/*
 * The shared body of a post as the members of its fan-out's INDEXth
 * community get it: each community has its own footer, so a local
 * member of a central post is told how to leave the local community.
 * Post ids stay far below 2^48.
 */
static uint64_t
body_id(uint64_t post, uint32_t index)
{
	return post << 16 | index;
}

/* The list footer for members of C under a post of POST_C (EVERYONE: an
 * announcement), or NULL (a missing or broken template: logged, and the
 * posts go without). */
static char *
list_footer(const struct kring_config *conf, const struct community_conf *c,
    const struct community_conf *post_c, bool everyone)
{
	struct tmpl_ctx *ctx = tmpl_ctx_new();
	char err[256], *cmd, *text;

	tmpl_ctx_set_bool(ctx, "announcement", everyone);
	if (post_c != c)
		tmpl_ctx_set(ctx, "post_community", post_c->description[0] ?
		    post_c->description : post_c->name);
	tmpl_ctx_set(ctx, "list_address", c->address);
	cmd = g_strdup_printf("%s+unsubscribe@%s", c->local, c->domain);
	tmpl_ctx_set(ctx, "cmd_unsubscribe", cmd);
	g_free(cmd);
	cmd = g_strdup_printf("%s+help@%s", c->local, c->domain);
	tmpl_ctx_set(ctx, "cmd_help", cmd);
	g_free(cmd);
	cmd = g_strdup_printf("%s+settings@%s", c->local, c->domain);
	tmpl_ctx_set(ctx, "cmd_settings", cmd);
	g_free(cmd);
	if (c->archive_url != NULL)
		tmpl_ctx_set(ctx, "archive_url", c->archive_url);
	text = mail_render_one(conf, c, NULL, "list-footer.txt", ctx, err, sizeof err);
	if (text == NULL)
		log_warnx("community %s: no list footer: %s", c->name, err);
	tmpl_ctx_free(ctx);
	return text;
}

/* The relay address of RAW's author when the members of C may not see
 * their own (relay.h), else NULL. */
static char *
author_relay(struct store *st, MDB_txn *txn, const struct fanout_ctx *fx,
    const struct community_conf *c, const char *raw, size_t len)
{
	char *author = msg_author_address(raw, len);
	bool relayed;
	char *reply = relay_reply_address(st, txn, fx->conf, c, fx->key,
	    author, &relayed);

	g_free(author);
	if (!relayed) {
		g_free(reply);
		return NULL;
	}
	return reply;
}

/* The list copy of POST_C's post for the members of C, stored as the
 * shared body BODY.  The headers are the post's community's; the footer
 * is the members'. */
static int
make_body(struct store *st, MDB_txn *txn, const struct fanout_ctx *fx,
    const struct community_conf *post_c, const struct community_conf *c,
    const struct fanout *f, uint64_t body)
{
	uint64_t post = f->post;
	char *footer = c->footer ? list_footer(fx->conf, c, post_c,
	    (f->rec.flags & FANOUT_EVERYONE) != 0) : NULL;
	char *relay = NULL;
	GByteArray *copy;
	MDB_val raw;
	int rc;

	if ((rc = store_raw_get(st, txn, post, &raw)) != 0) {
		g_free(footer);
		return rc;
	}
	if (fx->key != NULL)
		relay = author_relay(st, txn, fx, post_c, raw.mv_data,
		    raw.mv_size);
	copy = listcopy_make(post_c, raw.mv_data, raw.mv_size, footer, relay);
	g_free(relay);
	rc = outbox_body_add(st, txn, body, (const char *)copy->data, copy->len);
	g_byte_array_unref(copy);
	g_free(footer);
	return rc;
}

/* One walk through one community's members. */
struct walk {
	struct store *st;
	MDB_txn *txn;
	const struct fanout_ctx *fx;
	struct fanout *f;
	const struct community_conf *post_c;	/* the post's community */
	const struct community_conf *c;		/* the members' */
	const char *author;
	const char *message_id;
	uint64_t body;				/* the members' shared body */
	size_t max, did;
	int rc;
};

/* True when ADDRESS had the post from an earlier community of the walk. */
static bool
had_it(const struct walk *w, const char *address)
{
	for (uint32_t i = 0; i < w->f->rec.index; i++)
		if (member_is_active(w->st, w->txn, w->f->comm[i], address, NULL))
			return true;
	return false;
}

static int
walk_member(const char *address, const struct member *m, void *arg)
{
	struct walk *w = arg;
	GString *own;
	char *rp;
	uint64_t id;

	if (w->did >= w->max)
		return 1;	/* the batch is full: stop before this one */
	g_strlcpy(w->f->cursor, address, sizeof w->f->cursor);
	if (m->rec.state != MEMBER_ACTIVE || (m->rec.mode != MODE_EACH &&
	    !(w->f->rec.flags & FANOUT_EVERYONE)) ||
	    (m->rec.flags & MEMBER_SUSPENDED) ||
	    (strcmp(address, w->author) == 0 &&
	    !(m->rec.flags & MEMBER_OWN_POSTS)) || had_it(w, address))
		return 0;
	own = listcopy_member_fields(w->fx->conf, w->c, w->fx->key, address,
	    w->fx->now);
	rp = verp_member_address(w->fx->key, w->post_c, m->rec.id, w->f->post);
	w->rc = outbox_enqueue_shared(w->st, w->txn, rp, address, own->str,
	    own->len, w->body, w->message_id, w->fx->now, &id);
	g_free(rp);
	g_string_free(own, TRUE);
	if (w->rc != 0)
		return 2;
	w->did++;
	w->f->rec.enqueued++;
	return 0;
}

/* The fan-out's hold on the body of its current community goes; the
 * entries enqueued keep theirs. */
static int
drop_body(struct store *st, MDB_txn *txn, const struct fanout *f)
{
	uint64_t body = body_id(f->post, f->rec.index);

	return outbox_body_exists(st, txn, body) ?
	    outbox_body_unref(st, txn, body) : 0;
}

/* The fan-out F is over: its record and its hold on a body go. */
static int
fanout_finish(struct store *st, MDB_txn *txn, const struct fanout *f)
{
	unsigned char kb[8];
	MDB_val k = { 8, kb };
	int rc;

	be64_put(kb, f->post);
	if ((rc = mdb_del(txn, st->dbi[DB_FANOUT], &k, NULL)) != 0)
		return rc;
	return drop_body(st, txn, f);
}

/* Ready the walk for the members of community W->c: their body made
 * once, on the first batch that reaches them. */
static int
walk_enter(struct walk *w)
{
	const struct fanout *f = w->f;

	w->body = body_id(f->post, f->rec.index);
	if (outbox_body_exists(w->st, w->txn, w->body))
		return 0;
	return make_body(w->st, w->txn, w->fx, w->post_c, w->c, f, w->body);
}

/* Walk F's communities from its cursor until the batch is full. */
static int
fanout_walk(struct walk *w, bool *done)
{
	struct fanout *f = w->f;

	while (f->rec.index < f->rec.ncomm) {
		int rc;

		w->c = community_of(w->st, w->txn, w->fx->conf,
		    f->comm[f->rec.index]);
		if (w->c != NULL && (rc = walk_enter(w)) != 0)
			return rc;
		rc = w->c == NULL ? 0 : member_walk(w->st, w->txn,
		    f->comm[f->rec.index], f->cursor, walk_member, w);
		if (rc == 2)
			return w->rc;
		if (rc == 1)
			break;	/* batch full; the cursor says where we are */
		if (rc != 0 || (rc = drop_body(w->st, w->txn, f)) != 0)
			return rc;
		f->rec.index++;
		f->cursor[0] = '\0';
	}
	*done = f->rec.index >= f->rec.ncomm;
	return *done ? fanout_finish(w->st, w->txn, f) :
	    fanout_write(w->st, w->txn, f);
}

int
fanout_step(struct store *st, MDB_txn *txn, const struct fanout_ctx *fx,
    size_t max, size_t *did, uint64_t *post, bool *done)
{
	struct walk w = { .st = st, .txn = txn, .fx = fx, .max = max };
	struct fanout f;
	struct msg_view mv;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	*did = 0;
	*post = 0;
	*done = false;
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_FANOUT], &cur)) != 0)
		return rc;
	rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	if (rc == 0)
		rc = fanout_decode(&k, &v, &f);
	mdb_cursor_close(cur);
	if (rc != 0)
		return rc == MDB_NOTFOUND ? 0 : rc;
	*post = f.post;
	w.f = &f;
	rc = store_msg_get(st, txn, f.post, &mv);
	w.post_c = rc == 0 ? community_of(st, txn, fx->conf, mv.rec.community) :
	    NULL;
	if (w.post_c == NULL) {
		/* The post or its community is gone: nothing to send. */
		*done = true;
		return rc == 0 || rc == MDB_NOTFOUND ? fanout_finish(st, txn, &f) :
		    rc;
	}
	w.author = mv.from;
	w.message_id = mv.message_id;
	rc = fanout_walk(&w, done);
	*did = w.did;
	return rc;
}
