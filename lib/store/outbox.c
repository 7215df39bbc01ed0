/*
 * outbox.c: the outbox records (layout in outbox.h).  Enqueueing runs in
 * the caller's write transaction; so do the workers' status updates.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "kring/msginfo.h"
#include "kring/outbox.h"

static void
due_key(unsigned char *kb, int64_t when, uint64_t id)
{
	be64_put_time(kb, when);
	be64_put(kb + 8, id);
}

static int
due_set(struct store *st, MDB_txn *txn, int64_t when, uint64_t id, bool add)
{
	unsigned char kb[16];
	MDB_val k = { 16, kb }, v = { 0, NULL };
	int rc;

	due_key(kb, when, id);
	if (add)
		return mdb_put(txn, st->dbi[DB_OUTBOX_DUE], &k, &v, 0);
	rc = mdb_del(txn, st->dbi[DB_OUTBOX_DUE], &k, NULL);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* RAW with every line ending in CRLF (libesmtp and RFC 5321 want it). */
static GByteArray *
crlf_normalize(const char *raw, size_t len)
{
	GByteArray *out = g_byte_array_sized_new((guint)len + len / 32 + 2);

	for (size_t i = 0; i < len; i++) {
		if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r'))
			g_byte_array_append(out, (const guint8 *)"\r", 1);
		g_byte_array_append(out, (const guint8 *)raw + i, 1);
	}
	if (out->len > 0 && out->data[out->len - 1] != '\n')
		g_byte_array_append(out, (const guint8 *)"\r\n", 2);
	return out;
}

/* "local+bounce-ID@domain" of ADDRESS, or NULL when too long. */
static char *
verp_address(const char *address, uint64_t id)
{
	const char *at = strrchr(address, '@');
	char *verp;

	if (at == NULL)
		return NULL;
	verp = g_strdup_printf("%.*s+bounce-%llu%s", (int)(at - address),
	    address, (unsigned long long)id, at);
	if (strchr(verp, '@') - verp >= 64) {	/* RFC 5321 4.5.3.1.1 */
		g_free(verp);
		return NULL;
	}
	return verp;
}

static int
entry_write(struct store *st, MDB_txn *txn, uint64_t id,
    const struct outbox_rec *rec, const char *return_path,
    const char *message_id, const char *error, const char *const *rcpts,
    const uint8_t *status)
{
	GByteArray *b = g_byte_array_new();
	unsigned char kb[8];
	MDB_val k = { 8, kb }, v;
	int rc;

	g_byte_array_append(b, (const guint8 *)rec, sizeof *rec);
	g_byte_array_append(b, (const guint8 *)return_path, strlen(return_path) + 1);
	g_byte_array_append(b, (const guint8 *)message_id, strlen(message_id) + 1);
	g_byte_array_append(b, (const guint8 *)error, strlen(error) + 1);
	for (uint32_t i = 0; i < rec->nrcpt; i++) {
		g_byte_array_append(b, &status[i], 1);
		g_byte_array_append(b, (const guint8 *)rcpts[i], strlen(rcpts[i]) + 1);
	}
	be64_put(kb, id);
	v.mv_data = b->data;
	v.mv_size = b->len;
	rc = mdb_put(txn, st->dbi[DB_OUTBOX], &k, &v, 0);
	g_byte_array_unref(b);
	return rc;
}

/* The message to store: CRLF, with a Message-ID (added when missing). */
static GByteArray *
outbox_message(const char *raw, size_t len, const char *hostname,
    uint64_t id, char **message_id)
{
	GByteArray *msg = crlf_normalize(raw, len);
	struct msginfo mi;

	msginfo_parse((const char *)msg->data, msg->len, &mi);
	if (mi.derived_id) {
		char *line;

		g_free(mi.message_id);
		mi.message_id = g_strdup_printf("kring.%llu.%08x@%s",
		    (unsigned long long)id, g_random_int(), hostname);
		line = g_strdup_printf("Message-ID: <%s>\r\n", mi.message_id);
		g_byte_array_prepend(msg, (const guint8 *)line, (guint)strlen(line));
		g_free(line);
	}
	*message_id = g_strdup(mi.message_id);
	msginfo_release(&mi);
	return msg;
}

/* Add DELTA to the references of BODY; at none, remove it. */
static int
body_ref(struct store *st, MDB_txn *txn, uint64_t body, int delta)
{
	unsigned char kb[8], vb[8];
	MDB_val k = { 8, kb }, v;
	uint64_t refs = 0;
	int rc;

	be64_put(kb, body);
	rc = mdb_get(txn, st->dbi[DB_OUTBOX_BREF], &k, &v);
	if (rc == 0 && v.mv_size == 8)
		refs = be64_get(v.mv_data);
	else if (rc != MDB_NOTFOUND)
		return rc == 0 ? MDB_CORRUPTED : rc;
	if (delta < 0 && refs <= (uint64_t)-delta) {
		if ((rc = mdb_del(txn, st->dbi[DB_OUTBOX_BREF], &k, NULL)) != 0 &&
		    rc != MDB_NOTFOUND)
			return rc;
		rc = mdb_del(txn, st->dbi[DB_OUTBOX_BODY], &k, NULL);
		return rc == MDB_NOTFOUND ? 0 : rc;
	}
	be64_put(vb, refs + (uint64_t)(int64_t)delta);
	v.mv_size = 8;
	v.mv_data = vb;
	return mdb_put(txn, st->dbi[DB_OUTBOX_BREF], &k, &v, 0);
}

int
outbox_body_add(struct store *st, MDB_txn *txn, uint64_t body,
    const char *raw, size_t len)
{
	GByteArray *msg = crlf_normalize(raw, len);
	unsigned char kb[8];
	MDB_val k = { 8, kb }, v = { msg->len, msg->data };
	int rc;

	be64_put(kb, body);
	rc = mdb_put(txn, st->dbi[DB_OUTBOX_BODY], &k, &v, 0);
	g_byte_array_unref(msg);
	return rc != 0 ? rc : body_ref(st, txn, body, 1);
}

int
outbox_body_unref(struct store *st, MDB_txn *txn, uint64_t body)
{
	return body_ref(st, txn, body, -1);
}

bool
outbox_body_exists(struct store *st, MDB_txn *txn, uint64_t body)
{
	unsigned char kb[8];
	MDB_val k = { 8, kb }, v;

	be64_put(kb, body);
	return mdb_get(txn, st->dbi[DB_OUTBOX_BODY], &k, &v) == 0;
}

GBytes *
outbox_message_bytes(struct store *st, MDB_txn *txn,
    const struct outbox_entry *e)
{
	unsigned char kb[8];
	MDB_val k = { 8, kb }, own, body = { 0, NULL };
	GByteArray *out;

	be64_put(kb, e->id);
	if (mdb_get(txn, st->dbi[DB_OUTBOX_RAW], &k, &own) != 0)
		return NULL;
	if (e->rec.body == 0)
		return g_bytes_new(own.mv_data, own.mv_size);
	be64_put(kb, e->rec.body);
	if (mdb_get(txn, st->dbi[DB_OUTBOX_BODY], &k, &body) != 0)
		return NULL;
	out = g_byte_array_sized_new((guint)(own.mv_size + body.mv_size));
	g_byte_array_append(out, own.mv_data, (guint)own.mv_size);
	g_byte_array_append(out, body.mv_data, (guint)body.mv_size);
	return g_byte_array_free_to_bytes(out);
}

/* The entry's bytes and its record, due now. */
static int
entry_add(struct store *st, MDB_txn *txn, uint64_t id, struct outbox_rec *rec,
    const char *return_path, const char *message_id, const char *const *rcpts,
    const guint8 *bytes, size_t len)
{
	uint8_t *status = g_new0(uint8_t, rec->nrcpt);
	unsigned char kb[8];
	MDB_val k = { 8, kb }, v = { len, (void *)bytes };
	int rc;

	rec->size = (uint32_t)len;
	be64_put(kb, id);
	if ((rc = mdb_put(txn, st->dbi[DB_OUTBOX_RAW], &k, &v, MDB_APPEND)) == 0 &&
	    (rc = entry_write(st, txn, id, rec, return_path, message_id, "",
	    rcpts, status)) == 0)
		rc = due_set(st, txn, rec->next_attempt, id, true);
	g_free(status);
	return rc;
}

int
outbox_enqueue_shared(struct store *st, MDB_txn *txn,
    const char *return_path, const char *rcpt, const char *prefix,
    size_t plen, uint64_t body, const char *message_id, int64_t now,
    uint64_t *id)
{
	struct outbox_rec rec = { .version = OUTBOX_REC_VERSION,
	    .state = OUT_QUEUED, .created = now, .next_attempt = now,
	    .nrcpt = 1, .body = body };
	int rc;

	if ((rc = store_next_id(st, txn, "next_outbox", id)) != 0 ||
	    (rc = body_ref(st, txn, body, 1)) != 0)
		return rc;
	return entry_add(st, txn, *id, &rec, return_path, message_id, &rcpt,
	    (const guint8 *)prefix, plen);
}

int
outbox_enqueue(struct store *st, MDB_txn *txn, const char *bounce_address,
    const char *hostname, const char *const *rcpts, size_t nrcpt,
    const char *raw, size_t len, int64_t now, uint64_t *id)
{
	struct outbox_rec rec = { .version = OUTBOX_REC_VERSION,
	    .state = OUT_QUEUED, .created = now, .next_attempt = now };
	char *verp = NULL, *msgid = NULL;
	GByteArray *msg = NULL;
	int rc;

	if (nrcpt == 0 || nrcpt > OUTBOX_MAX_RCPTS)
		return EINVAL;
	if ((rc = store_next_id(st, txn, "next_outbox", id)) != 0)
		return rc;
	if ((verp = verp_address(bounce_address, *id)) == NULL)
		return EINVAL;
	msg = outbox_message(raw, len, hostname, *id, &msgid);
	rec.nrcpt = (uint32_t)nrcpt;
	rc = entry_add(st, txn, *id, &rec, verp, msgid, rcpts, msg->data,
	    msg->len);
	g_free(verp);
	g_free(msgid);
	g_byte_array_unref(msg);
	return rc;
}

/* Point *OUT at the string at *P (within END) and step past it. */
static bool
take_string(char **p, const char *end, char **out)
{
	char *nul = memchr(*p, '\0', (size_t)(end - *p));

	if (nul == NULL)
		return false;
	*out = *p;
	*p = nul + 1;
	return true;
}

int
outbox_get(struct store *st, MDB_txn *txn, uint64_t id, struct outbox_entry *e)
{
	unsigned char kb[8];
	MDB_val k = { 8, kb }, v;
	char *p, *end;
	int rc;

	uint32_t version;
	size_t recsize;

	memset(e, 0, sizeof *e);
	be64_put(kb, id);
	if ((rc = mdb_get(txn, st->dbi[DB_OUTBOX], &k, &v)) != 0)
		return rc;
	if (v.mv_size < 4)
		return MDB_CORRUPTED;
	memcpy(&version, v.mv_data, 4);
	/* Version 1 is version 2 without its last field, body. */
	recsize = version == 1 ? offsetof(struct outbox_rec, body) :
	    sizeof e->rec;
	if (v.mv_size < recsize || (version != 1 &&
	    version != OUTBOX_REC_VERSION))
		return MDB_CORRUPTED;
	e->id = id;
	e->blob = g_memdup2(v.mv_data, v.mv_size);
	memcpy(&e->rec, e->blob, recsize);
	e->rec.version = OUTBOX_REC_VERSION;
	p = (char *)e->blob + recsize;
	end = (char *)e->blob + v.mv_size;
	if (e->rec.nrcpt > OUTBOX_MAX_RCPTS ||
	    !take_string(&p, end, &e->return_path) ||
	    !take_string(&p, end, &e->message_id) ||
	    !take_string(&p, end, &e->last_error))
		goto corrupt;
	e->rcpts = g_new0(char *, e->rec.nrcpt + 1);
	e->status = g_new0(uint8_t, e->rec.nrcpt);
	for (uint32_t i = 0; i < e->rec.nrcpt; i++) {
		if (p >= end)
			goto corrupt;
		e->status[i] = (uint8_t)*p++;
		if (!take_string(&p, end, &e->rcpts[i]))
			goto corrupt;
	}
	return 0;
corrupt:
	outbox_entry_release(e);
	return MDB_CORRUPTED;
}

void
outbox_entry_release(struct outbox_entry *e)
{
	g_free(e->rcpts);
	g_free(e->status);
	g_free(e->blob);
	memset(e, 0, sizeof *e);
}

int
outbox_drop(struct store *st, MDB_txn *txn, uint64_t id)
{
	struct outbox_entry e;
	unsigned char kb[8];
	MDB_val k = { 8, kb };
	int rc;

	if ((rc = outbox_get(st, txn, id, &e)) != 0)
		return rc;
	be64_put(kb, id);
	if ((rc = due_set(st, txn, e.rec.next_attempt, id, false)) == 0 &&
	    (rc = mdb_del(txn, st->dbi[DB_OUTBOX], &k, NULL)) == 0)
		rc = mdb_del(txn, st->dbi[DB_OUTBOX_RAW], &k, NULL);
	if (rc == 0 && e.rec.body != 0)
		rc = body_ref(st, txn, e.rec.body, -1);
	outbox_entry_release(&e);
	return rc;
}

int
outbox_put(struct store *st, MDB_txn *txn, const struct outbox_entry *e)
{
	struct outbox_entry old;
	bool pending = false, failed = false;
	int rc;

	for (uint32_t i = 0; i < e->rec.nrcpt; i++) {
		pending = pending || e->status[i] == RCPT_PENDING;
		failed = failed || e->status[i] == RCPT_FAILED;
	}
	if (!pending && !failed)
		return outbox_drop(st, txn, e->id);	/* delivered */
	if ((rc = outbox_get(st, txn, e->id, &old)) != 0)
		return rc;
	rc = due_set(st, txn, old.rec.next_attempt, e->id, false);
	outbox_entry_release(&old);
	if (rc != 0 || (rc = entry_write(st, txn, e->id, &e->rec,
	    e->return_path, e->message_id, e->last_error,
	    (const char *const *)e->rcpts, e->status)) != 0)
		return rc;
	if (e->rec.state == OUT_FAILED)
		return 0;
	return due_set(st, txn, e->rec.next_attempt, e->id, true);
}

int
outbox_due(struct store *st, MDB_txn *txn, int64_t now, uint64_t *ids,
    size_t max, size_t *n)
{
	MDB_cursor *cur;
	MDB_val k, v;
	unsigned char limit[16];
	int rc;

	*n = 0;
	due_key(limit, now, UINT64_MAX);
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_OUTBOX_DUE], &cur)) != 0)
		return rc;
	rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	for (; rc == 0 && *n < max; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 16 || memcmp(k.mv_data, limit, 16) > 0)
			break;
		ids[(*n)++] = be64_get((unsigned char *)k.mv_data + 8);
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
}

const char *
outbox_state_name(uint32_t state)
{
	switch (state) {
	case OUT_QUEUED: return "queued";
	case OUT_DEFERRED: return "deferred";
	case OUT_FAILED: return "failed";
	default: return "unknown";
	}
}
