/*
 * announce.c: announcements to every member (announce.h).
 */
#include <string.h>
#include <glib.h>

#include "kring/announce.h"
#include "kring/fanout.h"
#include "kring/ledger.h"
#include "kring/member.h"

/* The ledger key of post MSG of COMMUNITY into KEY. */
static void
mark_key(GByteArray *key, uint32_t community, uint64_t msg)
{
	char id[24];
	const char *part = id;

	g_snprintf(id, sizeof id, "%" G_GUINT64_FORMAT, msg);
	ledger_key(key, "announce", community, &part, 1);
}

int
announce_post(struct store *st, MDB_txn *txn,
    const struct kring_config *conf, const struct community_conf *c,
    uint64_t msg, int64_t now)
{
	GByteArray *key = g_byte_array_new();
	uint32_t comm;
	int rc;

	if ((rc = store_community_id(st, txn, c->name, true, &comm)) == 0) {
		mark_key(key, comm, msg);
		rc = ledger_put(st, txn, key, now);
	}
	g_byte_array_unref(key);
	if (rc != 0)
		return rc;
	return fanout_add(st, txn, conf, c->name, msg, now, FANOUT_EVERYONE);
}

bool
announce_is(struct store *st, MDB_txn *txn, uint32_t community, uint64_t msg)
{
	GByteArray *key = g_byte_array_new();
	int rc;

	mark_key(key, community, msg);
	rc = ledger_get(st, txn, key, NULL);
	g_byte_array_unref(key);
	return rc == 0;
}

struct count {
	struct announce_audience *a;
	const char *author;
	GHashTable *seen;	/* addresses counted */
};

static int
count_member(const char *address, const struct member *m, void *arg)
{
	struct count *n = arg;

	if (m->rec.state != MEMBER_ACTIVE ||
	    g_hash_table_contains(n->seen, address))
		return 0;
	if (g_ascii_strcasecmp(address, n->author) == 0 &&
	    !(m->rec.flags & MEMBER_OWN_POSTS))
		return 0;	/* as the fan-out does */
	g_hash_table_add(n->seen, g_strdup(address));
	if (m->rec.flags & MEMBER_SUSPENDED)
		n->a->suspended++;
	else if (m->rec.mode == MODE_DIGEST)
		n->a->digest++;
	else if (m->rec.mode == MODE_NOMAIL)
		n->a->nomail++;
	else
		n->a->each++;
	return 0;
}

int
announce_audience(struct store *st, MDB_txn *txn,
    const struct kring_config *conf, const struct community_conf *c,
    const char *author, struct announce_audience *a)
{
	struct count n = { a, author, g_hash_table_new_full(g_str_hash,
	    g_str_equal, g_free, NULL) };
	int rc = 0;

	memset(a, 0, sizeof *a);
	/* The community first, then its local ones: the fan-out's order. */
	for (size_t i = 0; rc == 0 && i <= conf->ncommunities; i++) {
		const struct community_conf *o = i == 0 ? c :
		    &conf->communities[i - 1];
		uint32_t id;

		if (i > 0 && (o->parent == NULL || strcmp(o->parent, c->name)))
			continue;
		rc = store_community_id(st, txn, o->name, false, &id);
		if (rc == 0)
			rc = member_walk(st, txn, id, NULL, count_member, &n);
		else if (rc == MDB_NOTFOUND)
			rc = 0;	/* no members yet */
	}
	g_hash_table_unref(n.seen);
	return rc;
}
