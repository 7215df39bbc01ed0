/*
 * member.c: member records in DB_MEMBER (member.h).
 */
#include <string.h>
#include <glib.h>

#include "kring/author.h"
#include "kring/config.h"
#include "kring/member.h"

#define MEMBER_REC_V1_SIZE 16

/* The key: community, then the address in lower case. */
static GByteArray *
member_key(uint32_t community, const char *address)
{
	GByteArray *key = g_byte_array_sized_new(4 + (guint)strlen(address));
	unsigned char comm[4];
	char *lower = g_ascii_strdown(address, -1);

	be32_put(comm, community);
	g_byte_array_append(key, comm, 4);
	g_byte_array_append(key, (const guint8 *)lower, strlen(lower));
	g_free(lower);
	return key;
}

/* Record V into *M: version 2, or version 1 (flags and changed only). */
static int
member_decode(const MDB_val *v, struct member *m)
{
	const unsigned char *p = v->mv_data;
	uint32_t version;
	size_t namelen;

	memset(m, 0, sizeof *m);
	if (v->mv_size < 4)
		return MDB_CORRUPTED;
	memcpy(&version, p, 4);
	if (version == 1 && v->mv_size == MEMBER_REC_V1_SIZE) {
		memcpy(&m->rec.flags, p + 4, 4);
		memcpy(&m->rec.changed, p + 8, 8);
		m->rec.version = MEMBER_REC_VERSION;
		return 0;
	}
	if (version != MEMBER_REC_VERSION || v->mv_size < sizeof m->rec)
		return MDB_CORRUPTED;
	memcpy(&m->rec, p, sizeof m->rec);
	namelen = v->mv_size - sizeof m->rec;
	if (namelen > MEMBER_NAME_MAX || m->rec.state >= MEMBER__NSTATE ||
	    m->rec.mode >= MODE__N || m->rec.role >= MROLE__N ||
	    memchr(m->rec.lang, '\0', sizeof m->rec.lang) == NULL)
		return MDB_CORRUPTED;
	memcpy(m->name, p + sizeof m->rec, namelen);
	m->name[namelen] = '\0';
	return 0;
}

int
member_get(struct store *st, MDB_txn *txn, uint32_t community,
    const char *address, struct member *m)
{
	GByteArray *key = member_key(community, address);
	MDB_val k = { key->len, key->data }, v;
	int rc = mdb_get(txn, st->dbi[DB_MEMBER], &k, &v);

	g_byte_array_unref(key);
	if (rc != 0) {
		memset(m, 0, sizeof *m);
		return rc;
	}
	return member_decode(&v, m);
}

/* Give M an id, and the id its DB_MEMBER_ID entry (KEY: the member key). */
static int
member_new_id(struct store *st, MDB_txn *txn, const GByteArray *key,
    struct member *m)
{
	unsigned char kb[8];
	MDB_val k = { 8, kb }, v = { key->len, key->data };
	int rc = store_next_id(st, txn, "next_member", &m->rec.id);

	if (rc != 0)
		return rc;
	be64_put(kb, m->rec.id);
	return mdb_put(txn, st->dbi[DB_MEMBER_ID], &k, &v, 0);
}

int
member_by_id(struct store *st, MDB_txn *txn, uint64_t id, uint32_t *community,
    char *addr)
{
	unsigned char kb[8];
	MDB_val k = { 8, kb }, v;
	int rc;

	be64_put(kb, id);
	if ((rc = mdb_get(txn, st->dbi[DB_MEMBER_ID], &k, &v)) != 0)
		return rc;
	if (v.mv_size <= 4 || v.mv_size - 4 > MEMBER_ADDR_MAX)
		return MDB_CORRUPTED;
	*community = be32_get(v.mv_data);
	memcpy(addr, (const char *)v.mv_data + 4, v.mv_size - 4);
	addr[v.mv_size - 4] = '\0';
	return 0;
}

int
member_put(struct store *st, MDB_txn *txn, uint32_t community,
    const char *address, struct member *m)
{
	GByteArray *key = member_key(community, address);
	size_t namelen = strnlen(m->name, MEMBER_NAME_MAX);
	unsigned char buf[sizeof m->rec + MEMBER_NAME_MAX];
	struct member_rec r;
	MDB_val k = { key->len, key->data }, v = { sizeof r + namelen, buf };
	int rc;

	if (key->len > 511) {
		g_byte_array_unref(key);
		return MDB_BAD_VALSIZE;
	}
	if (m->rec.id == 0 && (rc = member_new_id(st, txn, key, m)) != 0) {
		g_byte_array_unref(key);
		return rc;
	}
	r = m->rec;

	r.version = MEMBER_REC_VERSION;
	r.lang[sizeof r.lang - 1] = '\0';
	memcpy(buf, &r, sizeof r);
	memcpy(buf + sizeof r, m->name, namelen);
	rc = mdb_put(txn, st->dbi[DB_MEMBER], &k, &v, 0);
	g_byte_array_unref(key);
	return rc;
}

bool
member_is_active(struct store *st, MDB_txn *txn, uint32_t community,
    const char *address, int *rcp)
{
	struct member m;
	int rc = member_get(st, txn, community, address, &m);

	if (rcp != NULL)
		*rcp = rc == MDB_NOTFOUND ? 0 : rc;
	return rc == 0 && m.rec.state == MEMBER_ACTIVE;
}

int
member_walk(struct store *st, MDB_txn *txn, uint32_t community,
    const char *after, member_fn fn, void *arg)
{
	GByteArray *key = member_key(community, after ? after : "");
	MDB_val k = { key->len, key->data }, v;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, st->dbi[DB_MEMBER], &cur);

	if (rc != 0) {
		g_byte_array_unref(key);
		return rc;
	}
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc == 0 && after != NULL && after[0] != '\0' &&
	    k.mv_size == key->len && memcmp(k.mv_data, key->data, key->len) == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		char addr[MEMBER_ADDR_MAX + 1];
		struct member m;

		if (k.mv_size <= 4 || memcmp(k.mv_data, key->data, 4) != 0)
			break;
		if (k.mv_size - 4 > MEMBER_ADDR_MAX ||
		    member_decode(&v, &m) != 0) {
			rc = MDB_CORRUPTED;
			break;
		}
		memcpy(addr, (const char *)k.mv_data + 4, k.mv_size - 4);
		addr[k.mv_size - 4] = '\0';
		if ((rc = fn(addr, &m, arg)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	g_byte_array_unref(key);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

char *
member_greeting_name(struct store *st, MDB_txn *txn, uint32_t community,
    const char *address, const char *raw, size_t len)
{
	struct member m;

	if (member_get(st, txn, community, address, &m) == 0 &&
	    m.name[0] != '\0')
		return g_strdup(m.name);
	return raw != NULL ? msg_author_name(raw, len) : g_strdup("");
}

static const char *const state_names[MEMBER__NSTATE] = {
	"none", "member", "applied", "invited", "left",
};
static const char *const mode_names[MODE__N] = { "each", "digest", "nomail" };
static const char *const role_names[MROLE__N] = {
	"member", "moderator", "owner",
};
static const char *const how_names[HOW__N] = {
	"unknown", "mail", "admin", "invitation", "import", "approval",
};

#define NAME_OF(table, i) ((i) < G_N_ELEMENTS(table) ? (table)[i] : "?")

const char *member_state_name(uint32_t s) { return NAME_OF(state_names, s); }
const char *member_mode_name(uint32_t m) { return NAME_OF(mode_names, m); }
const char *member_role_name(uint32_t r) { return NAME_OF(role_names, r); }
const char *member_how_name(uint32_t h) { return NAME_OF(how_names, h); }

static int
name_index(const char *const *table, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (g_ascii_strcasecmp(table[i], name) == 0)
			return (int)i;
	return -1;
}

int
member_mode_parse(const char *name)
{
	return name_index(mode_names, G_N_ELEMENTS(mode_names), name);
}

int
member_role_parse(const char *name)
{
	return name_index(role_names, G_N_ELEMENTS(role_names), name);
}

int
member_name_clean(const char *name, char out[MEMBER_NAME_MAX + 1])
{
	GString *s = g_string_new(NULL);
	bool space = false;
	int rc = -1;

	if (g_utf8_validate(name, -1, NULL)) {
		for (const char *p = name; *p; p = g_utf8_next_char(p)) {
			gunichar c = g_utf8_get_char(p);

			if (g_unichar_type(c) == G_UNICODE_FORMAT)
				continue;	/* bidi overrides and the like */
			if (g_unichar_isspace(c) || g_unichar_iscntrl(c)) {
				space = s->len > 0;
				continue;
			}
			if (space)
				g_string_append_c(s, ' ');
			space = false;
			g_string_append_unichar(s, c);
		}
		if (s->len > 0 && s->len <= MEMBER_NAME_MAX) {
			memcpy(out, s->str, s->len + 1);
			rc = 0;
		}
	}
	g_string_free(s, TRUE);
	return rc;
}

/* True when O is in the family whose central community is ROOT. */
static bool
family_of(const struct community_conf *o, const char *root)
{
	return strcmp(o->name, root) == 0 ||
	    (o->parent != NULL && strcmp(o->parent, root) == 0);
}

bool
member_family_has(struct store *st, MDB_txn *txn,
    const struct kring_config *conf, const struct community_conf *c,
    uint32_t community)
{
	const char *root = c->parent ? c->parent : c->name;

	for (size_t i = 0; i < conf->ncommunities; i++) {
		uint32_t id;

		if (family_of(&conf->communities[i], root) &&
		    store_community_id(st, txn, conf->communities[i].name,
		    false, &id) == 0 && id == community)
			return true;
	}
	return false;
}

uint64_t
member_in_family(struct store *st, MDB_txn *txn,
    const struct kring_config *conf, const struct community_conf *c,
    const char *address, struct member *m)
{
	const char *root = c->parent ? c->parent : c->name;

	if (address == NULL || address[0] == '\0')
		return 0;
	for (size_t i = 0; i < conf->ncommunities; i++) {
		uint32_t id;

		if (family_of(&conf->communities[i], root) &&
		    store_community_id(st, txn, conf->communities[i].name,
		    false, &id) == 0 &&
		    member_get(st, txn, id, address, m) == 0 &&
		    m->rec.state == MEMBER_ACTIVE && m->rec.id != 0)
			return m->rec.id;
	}
	return 0;
}

struct period_counts {
	int64_t since, until;
	long joined, at_end;
};

static int
period_count_one(const char *address, const struct member *m, void *arg)
{
	struct period_counts *c = arg;
	int64_t joined = m->rec.joined;

	if (joined == 0 || (m->rec.state != MEMBER_ACTIVE &&
	    m->rec.state != MEMBER_LEFT))
		return 0;
	c->joined += joined >= c->since && joined < c->until;
	c->at_end += joined < c->until && (m->rec.state == MEMBER_ACTIVE ||
	    m->rec.changed >= c->until);
	return 0;
}

int
member_period_counts(struct store *st, MDB_txn *txn, uint32_t community,
    int64_t since, int64_t until, long *joined, long *at_end)
{
	struct period_counts c = { since, until, 0, 0 };
	int rc = member_walk(st, txn, community, NULL, period_count_one, &c);

	*joined = c.joined;
	*at_end = c.at_end;
	return rc;
}
