/*
 * topic.c: topic records in DB_TOPIC (format in topic.h).
 */
#include <errno.h>
#include <string.h>
#include <glib.h>

#include "kring/topic.h"

static const char *const status_names[TOPIC__NSTATUS] = {
	[TOPIC_OPEN] = "open",
	[TOPIC_SUMMARISED] = "summarised",
	[TOPIC_IN_PROGRESS] = "in-progress",
	[TOPIC_IMPLEMENTED] = "implemented",
	[TOPIC_DECLINED] = "declined",
};

const char *
topic_status_name(uint32_t status)
{
	return status < TOPIC__NSTATUS ? status_names[status] : "unknown";
}

int
topic_status_parse(const char *name)
{
	for (int i = 0; i < TOPIC__NSTATUS; i++)
		if (strcmp(status_names[i], name) == 0)
			return i;
	return -1;
}

/* Split the strings after the record into T; false when they are not
 * five NUL-terminated strings. */
static bool
topic_strings(const char *p, size_t len, struct topic *t)
{
	char **fields[] = { &t->title, &t->owner, &t->question, &t->summary,
	    &t->outcome };
	const char *end = p + len;

	for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));

		if (nul == NULL)
			return false;
		*fields[i] = g_strdup(p);
		p = nul + 1;
	}
	return true;
}

static int
topic_decode(uint64_t id, const MDB_val *v, struct topic *t)
{
	memset(t, 0, sizeof *t);
	t->id = id;
	if (v->mv_size < sizeof t->rec)
		return MDB_CORRUPTED;
	memcpy(&t->rec, v->mv_data, sizeof t->rec);
	if (t->rec.version != TOPIC_REC_VERSION ||
	    !topic_strings((const char *)v->mv_data + sizeof t->rec,
	    v->mv_size - sizeof t->rec, t)) {
		topic_clear(t);
		return MDB_CORRUPTED;
	}
	return 0;
}

int
topic_get(struct store *st, MDB_txn *txn, uint64_t id, struct topic *t)
{
	unsigned char kb[8];
	MDB_val k = { 8, kb }, v;
	int rc;

	memset(t, 0, sizeof *t);
	be64_put(kb, id);
	if ((rc = mdb_get(txn, st->dbi[DB_TOPIC], &k, &v)) != 0)
		return rc;
	return topic_decode(id, &v, t);
}

int
topic_put(struct store *st, MDB_txn *txn, struct topic *t)
{
	const char *fields[] = { t->title, t->owner, t->question, t->summary,
	    t->outcome };
	unsigned char kb[8];
	MDB_val k = { 8, kb }, v;
	GByteArray *buf;
	int rc;

	if (t->title == NULL || strlen(t->title) > TOPIC_TITLE_MAX)
		return EINVAL;
	for (size_t i = 2; i < G_N_ELEMENTS(fields); i++)
		if (fields[i] != NULL && strlen(fields[i]) > TOPIC_TEXT_MAX)
			return EINVAL;
	if (t->id == 0 && (rc = store_next_id(st, txn, "next_topic", &t->id)))
		return rc;
	t->rec.version = TOPIC_REC_VERSION;
	buf = g_byte_array_new();
	g_byte_array_append(buf, (const guint8 *)&t->rec, sizeof t->rec);
	for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
		const char *f = fields[i] ? fields[i] : "";

		g_byte_array_append(buf, (const guint8 *)f, strlen(f) + 1);
	}
	be64_put(kb, t->id);
	v.mv_size = buf->len;
	v.mv_data = buf->data;
	rc = mdb_put(txn, st->dbi[DB_TOPIC], &k, &v, 0);
	g_byte_array_unref(buf);
	return rc;
}

void
topic_clear(struct topic *t)
{
	g_free(t->title);
	g_free(t->owner);
	g_free(t->question);
	g_free(t->summary);
	g_free(t->outcome);
	t->title = t->owner = t->question = t->summary = t->outcome = NULL;
}

int
topic_each(struct store *st, MDB_txn *txn, uint32_t community,
    int (*fn)(struct topic *t, void *arg), void *arg)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	if ((rc = mdb_cursor_open(txn, st->dbi[DB_TOPIC], &cur)) != 0)
		return rc;
	rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct topic t;

		if (k.mv_size != 8) {
			rc = MDB_CORRUPTED;
			break;
		}
		if ((rc = topic_decode(be64_get(k.mv_data), &v, &t)) != 0)
			break;
		if (t.rec.community == community)
			rc = fn(&t, arg);
		topic_clear(&t);
		if (rc != 0)
			break;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

struct find_arg {
	uint64_t msg, id;
};

static int
find_msg(struct topic *t, void *arg)
{
	struct find_arg *fa = arg;

	if (t->rec.msg != fa->msg)
		return 0;
	fa->id = t->id;
	return 1;
}

int
topic_find_by_msg(struct store *st, MDB_txn *txn, uint32_t community,
    uint64_t msg, uint64_t *id)
{
	struct find_arg fa = { msg, 0 };
	int rc = topic_each(st, txn, community, find_msg, &fa);

	if (rc == 1) {
		*id = fa.id;
		return 0;
	}
	return rc != 0 ? rc : MDB_NOTFOUND;
}
