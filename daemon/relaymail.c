/*
 * relaymail.c: private replies through relay addresses (relay.h), in
 * kringd.
 *
 * At RCPT a community's "+to-" address is checked (a forged one is
 * refused, 550 5.1.1) and kept apart: a private reply is never stored as
 * a post.  At the end of DATA the sender must be an active member of
 * the community (or of its central or local communities), the member
 * written to must still be one, and the sender within
 * limits.relays_per_sender a day; otherwise the mail is refused.  The
 * writer then puts the copy (relay_copy_make) in the outbox, in the
 * transaction that acknowledges the mail, so nothing acknowledged is
 * lost.  Mail from the null sender or a robot is taken and dropped: a
 * vacation notice does not go round between two relay addresses.
 */
#include <string.h>

#include "daemon.h"
#include "kring/author.h"
#include "kring/log.h"
#include "kring/member.h"
#include "kring/outbox.h"
#include "kring/relay.h"
#include "kring/util.h"
#include "session.h"

#define DAY 86400

/* The address of member ID (ADDR, MEMBER_ADDR_MAX + 1 bytes) when they
 * are still an active member in C's family. */
static bool
author_active(struct store *st, MDB_txn *txn, const struct kring_config *conf,
    const struct community_conf *c, uint64_t id, char *addr)
{
	struct member m;
	uint32_t comm;

	return member_by_id(st, txn, id, &comm, addr) == 0 &&
	    member_family_has(st, txn, conf, c, comm) &&
	    member_get(st, txn, comm, addr, &m) == 0 &&
	    m.rec.state == MEMBER_ACTIVE;
}

int
relay_rcpt(struct session *s, const struct community_conf *c, const char *addr)
{
	const char *plus = strchr(addr, '+'), *at = strrchr(addr, '@');
	size_t plen = strlen(RELAY_PREFIX);
	struct relay_job rj = { 0 };
	char detail[64];

	if (plus == NULL || at == NULL || plus > at ||
	    (size_t)(at - plus - 1) < plen ||
	    g_ascii_strncasecmp(plus + 1, RELAY_PREFIX, plen) != 0)
		return 0;
	g_strlcpy(detail, plus + 1 + plen, MIN(sizeof detail,
	    (size_t)(at - plus - plen)));
	if (!s->srv->have_staff_key || relay_parse(s->srv->staff_key, c->name,
	    detail, &rj.author) != RELAY_OK)
		return -1;
	g_strlcpy(rj.community, c->name, sizeof rj.community);
	g_array_append_val(s->relays, rj);
	g_ptr_array_add(s->rcpts, g_strdup(addr));
	g_ptr_array_add(s->rcpt_comms, NULL);	/* never stored */
	g_ptr_array_add(s->rcpt_cmds, NULL);
	g_ptr_array_add(s->rcpt_cmd_comms, NULL);
	return 1;
}

/* Check S's relay recipients in TXN, with the sender FROM (the From
 * address, else the envelope's): 0, or -1 with REASON. */
static int
relays_check(struct session *s, MDB_txn *txn, const char *from,
    char *reason, size_t rlen)
{
	struct server *srv = s->srv;

	for (guint i = 0; i < s->relays->len; i++) {
		struct relay_job *rj = &g_array_index(s->relays,
		    struct relay_job, i);
		const struct community_conf *c = config_community(srv->conf,
		    rj->community);
		char addr[MEMBER_ADDR_MAX + 1];
		struct member m;

		if (c == NULL) {
			snprintf(reason, rlen, "4.3.0 configuration changed, "
			    "try again");
			return -1;
		}
		if (member_in_family(&srv->store, txn, srv->conf, c, from,
		    &m) == 0) {
			snprintf(reason, rlen, "5.7.1 <%s>: private replies "
			    "through %s are for its members", from, c->address);
			return -1;
		}
		if (!author_active(&srv->store, txn, srv->conf, c, rj->author,
		    addr)) {
			snprintf(reason, rlen, "5.1.1 the member you wrote to "
			    "is not, or no longer, a member of %s", c->address);
			return -1;
		}
		g_strlcpy(rj->sender, from, sizeof rj->sender);
	}
	return 0;
}

int
relays_for(struct session *s, const GByteArray *data, struct commit_job *job,
    char *reason, size_t rlen)
{
	const char *raw = (const char *)data->data;
	MDB_txn *txn;
	char *from;
	int rc;

	if (s->relays->len == 0)
		return 0;
	if (s->from.addr[0] == '\0' ||
	    mail_is_robot_or_loop(s->srv->conf, raw, data->len)) {
		log_info("%s: private reply from a robot or a loop: dropped",
		    s->queue_id);
		return 0;
	}
	if (store_begin(&s->srv->store, false, &txn) != 0) {
		snprintf(reason, rlen, "4.3.0 store not readable, try again "
		    "later");
		return -1;
	}
	from = msg_author_address(raw, data->len);
	if (from[0] == '\0') {
		g_free(from);
		from = g_ascii_strdown(s->from.addr, -1);
	}
	rc = relays_check(s, txn, from, reason, rlen);
	mdb_txn_abort(txn);
	/* Each copy counts: one mail to five relay addresses is five. */
	if (rc == 0 && !rate_window_take(s->srv->relay_senders, from,
	    s->srv->conf->limits.relays_per_sender, DAY, kring_now(),
	    s->relays->len)) {
		snprintf(reason, rlen, "4.7.1 <%s>: too many private replies "
		    "today; try again tomorrow", from);
		rc = -1;
	}
	g_free(from);
	if (rc != 0)
		return -1;
	job->relays = s->relays;
	s->relays = g_array_new(FALSE, TRUE, sizeof(struct relay_job));
	return 0;
}

/* The name to show for the sender ADDR (member M): their own, else the
 * From's display name, never an address. */
static char *
sender_name(const struct member *m, const char *raw, size_t len)
{
	char *name;

	if (m->name[0] != '\0')
		return g_strdup(m->name);
	name = msg_author_name(raw, len);
	if (strchr(name, '@') != NULL)
		name[0] = '\0';
	return name;
}

/* Send JOB's message on to RJ's member, in TXN. */
static int
relay_one(struct store *st, MDB_txn *txn, struct commit_job *job,
    const unsigned char *key, struct relay_job *rj)
{
	const struct community_conf *c = config_community(job->conf,
	    rj->community);
	const char *raw = (const char *)job->raw->data + job->header_len;
	size_t len = job->raw->len - job->header_len;
	char addr[MEMBER_ADDR_MAX + 1], *name, *back;
	const char *rcpt = addr;
	struct member m;
	uint64_t sender, id;
	GByteArray *copy;
	int rc;

	if (c == NULL || (sender = member_in_family(st, txn, job->conf, c,
	    rj->sender, &m)) == 0 ||
	    !author_active(st, txn, job->conf, c, rj->author, addr)) {
		g_strlcpy(rj->outcome, "membership changed: not sent",
		    sizeof rj->outcome);
		return 0;
	}
	name = sender_name(&m, raw, len);
	back = relay_address(key, c, sender);
	copy = relay_copy_make(c, raw, len, name, back, addr);
	rc = outbox_enqueue(st, txn, c->address, job->conf->hostname, &rcpt,
	    1, (const char *)copy->data, copy->len, job->time, &id);
	if (rc == 0)
		snprintf(rj->outcome, sizeof rj->outcome, "from member %"
		    G_GUINT64_FORMAT " to member %" G_GUINT64_FORMAT
		    ": outbox %" G_GUINT64_FORMAT, sender, rj->author, id);
	g_byte_array_unref(copy);
	g_free(back);
	g_free(name);
	return rc;
}

int
relays_apply(struct store *st, MDB_txn *txn, struct commit_job *job,
    const unsigned char *key)
{
	if (job->relays == NULL || key == NULL)
		return 0;
	for (guint i = 0; i < job->relays->len; i++) {
		int rc = relay_one(st, txn, job, key, &g_array_index(
		    job->relays, struct relay_job, i));

		if (rc != 0)
			return rc;
	}
	return 0;
}

void
relays_log(const struct commit_job *job)
{
	if (job->relays == NULL)
		return;
	for (guint i = 0; i < job->relays->len; i++) {
		const struct relay_job *rj = &g_array_index(job->relays,
		    struct relay_job, i);

		log_info("%s: private reply community=%s: %s", job->queue_id,
		    rj->community, rj->outcome);
	}
}
