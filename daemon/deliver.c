/*
 * deliver.c: the delivery workers.  Once a second the event loop scans
 * the outbox for entries due (written by kringd or by any tool) and hands
 * them, a batch per connection, to worker threads.  libesmtp blocks, so
 * each worker sends its batch to the relay on one connection, then
 * records the outcome per recipient in one short write transaction:
 * accepted recipients are done, 5xx ones failed for good, the rest tried
 * again with exponential backoff until the configured lifetime is over.
 * A crash between sending and recording sends again: at least once.
 *
 * Trusts: the relay's replies only as status codes; the outbox contents
 * were checked when they were enqueued.
 */
#include <stddef.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <dirent.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <openssl/ssl.h>	/* before libesmtp.h: smtp_starttls_set_ctx */
#include <auth-client.h>
#include <libesmtp.h>

#include "daemon.h"
#include "kring/log.h"
#include "kring/outbox.h"
#include "kring/util.h"

#define SCAN_MAX 1024		/* entries taken per scan */

struct deliverer {
	struct server *srv;
	struct delivery_conf conf;	/* a copy: SIGHUP swaps srv->conf */
	GThread **threads;
	int nthreads;
	GAsyncQueue *work;	/* GArray of uint64_t ids, or &stop_batch */
	GMutex lock;
	GHashTable *in_flight;	/* ids being delivered (guarded by lock) */
	struct event *tick;
	SSL_CTX *tls;		/* shared by the sessions; NULL: no STARTTLS */
	char *password;		/* for AUTH, read once at start */
};

static GArray stop_batch;	/* marker: a worker stops when it sees it */

/* One message of a batch, as handed to libesmtp. */
struct outgoing {
	struct outbox_entry e;
	GBytes *raw;
	bool given;		/* the message callback has handed it over */
	smtp_message_t msg;
	smtp_recipient_t *rcpt;	/* per recipient, NULL when not sent now */
	char *error;		/* the relay's last words, trimmed */
};

/* libesmtp asks for the message: all of it at once, then NULL. */
static const char *
message_cb(void **ctx, int *len, void *arg)
{
	struct outgoing *o = arg;
	gsize size;
	const char *data = g_bytes_get_data(o->raw, &size);

	if (len == NULL) {	/* rewind */
		o->given = false;
		return NULL;
	}
	if (o->given) {
		*len = 0;
		return NULL;
	}
	o->given = true;
	*len = (int)size;
	return data;
}

/* Load entry ID and its bytes; false when it is gone. */
static bool
outgoing_load(struct store *st, uint64_t id, struct outgoing *o)
{
	MDB_txn *txn;
	bool ok = false;

	memset(o, 0, sizeof *o);
	if (store_begin(st, false, &txn) != 0)
		return false;
	if (outbox_get(st, txn, id, &o->e) == 0 &&
	    (o->raw = outbox_message_bytes(st, txn, &o->e)) != NULL) {
		ok = true;	/* the bytes are a copy: they outlive txn */
	} else
		outbox_entry_release(&o->e);
	mdb_txn_abort(txn);
	return ok;
}

static void
outgoing_add(smtp_session_t session, struct outgoing *o)
{
	o->msg = smtp_add_message(session);
	o->rcpt = g_new0(smtp_recipient_t, o->e.rec.nrcpt);
	if (o->msg == NULL)
		return;
	smtp_set_reverse_path(o->msg, o->e.return_path);
	smtp_set_messagecb(o->msg, message_cb, o);
	for (uint32_t i = 0; i < o->e.rec.nrcpt; i++)
		if (o->e.status[i] == RCPT_PENDING)
			o->rcpt[i] = smtp_add_recipient(o->msg, o->e.rcpts[i]);
}

/* Backoff after ATTEMPTS tries: MIN doubling up to MAX seconds. */
static int64_t
backoff(const struct delivery_conf *d, uint32_t attempts)
{
	int64_t wait = d->retry_min;

	for (uint32_t i = 1; i < attempts && wait < d->retry_max; i++)
		wait *= 2;
	return wait < d->retry_max ? wait : d->retry_max;
}

/* Fold the session's outcome for O into its entry. */
static void
outgoing_result(struct outgoing *o, bool session_ok, const char *session_err,
    const struct delivery_conf *d, int64_t now)
{
	const smtp_status_t *ms = session_ok && o->msg ?
	    smtp_message_transfer_status(o->msg) : NULL;
	int data_code = ms ? ms->code : 0;
	bool pending = false;

	for (uint32_t i = 0; i < o->e.rec.nrcpt; i++) {
		const smtp_status_t *rs = session_ok && o->rcpt[i] ?
		    smtp_recipient_status(o->rcpt[i]) : NULL;
		int code = rs ? rs->code : 0;

		if (o->e.status[i] != RCPT_PENDING)
			continue;
		if (code / 100 == 2 && data_code / 100 == 2)
			o->e.status[i] = RCPT_SENT;
		else if (code / 100 == 5 || (code / 100 == 2 && data_code / 100 == 5))
			o->e.status[i] = RCPT_FAILED;
		else
			pending = true;
	}
	o->e.rec.attempts++;
	o->e.rec.last_attempt = now;
	o->error = g_strstrip(g_strdup(session_ok && data_code != 0 ?
	    (ms && ms->text ? ms->text : "") : session_err));
	o->e.last_error = o->error;
	if (pending && now - o->e.rec.created >= d->lifetime) {
		for (uint32_t i = 0; i < o->e.rec.nrcpt; i++)
			if (o->e.status[i] == RCPT_PENDING)
				o->e.status[i] = RCPT_FAILED;
		pending = false;
	}
	o->e.rec.state = pending ? OUT_DEFERRED : OUT_FAILED;
	o->e.rec.next_attempt = now + backoff(d, o->e.rec.attempts);
}

/* Record the outcomes of OUT[0..N-1] in one transaction. */
static void
batch_record(struct store *st, struct outgoing *out, size_t n)
{
	MDB_txn *txn;
	int rc;

	if ((rc = store_begin(st, true, &txn)) != 0) {
		log_warnx("outbox: cannot record delivery: %s", mdb_strerror(rc));
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct outbox_entry now;

		/* Dropped meanwhile (kring outbox drop)? Then leave it. */
		if (outbox_get(st, txn, out[i].e.id, &now) != 0)
			continue;
		outbox_entry_release(&now);
		if ((rc = outbox_put(st, txn, &out[i].e)) != 0)
			break;
	}
	if (rc == 0)
		rc = mdb_txn_commit(txn);
	else
		mdb_txn_abort(txn);
	if (rc != 0)
		log_warnx("outbox: cannot record delivery (will send again): %s",
		    mdb_strerror(rc));
}

static void
log_outcome(const struct outgoing *o, const char *relay)
{
	unsigned sent = 0, failed = 0, pending = 0;

	for (uint32_t i = 0; i < o->e.rec.nrcpt; i++) {
		sent += o->e.status[i] == RCPT_SENT;
		failed += o->e.status[i] == RCPT_FAILED;
		pending += o->e.status[i] == RCPT_PENDING;
	}
	log_info("outbox %llu: <%s> to %s: %u sent, %u failed, %u deferred%s%s",
	    (unsigned long long)o->e.id, o->e.message_id, relay, sent, failed,
	    pending, o->e.last_error[0] ? ": " : "", o->e.last_error);
}

/*
 * TCP_NODELAY on this process's connections to the relay.  libesmtp ends
 * each message with a short write after unacknowledged data; with Nagle's
 * algorithm that write waits for the relay's delayed ACK, some 40 ms a
 * message (measured: 22 messages/s on one connection, 1,086 with this).
 * libesmtp does not give out its socket, so at each connect we set the
 * option on every connected TCP socket of the process.  That includes
 * the SMTP sessions of kringd's listeners, where it is harmless: their
 * replies already go out in one write per batch.
 */
static void
relay_nodelay(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int one = 1;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		struct sockaddr_storage peer;
		socklen_t len = sizeof peer;
		int fd = atoi(de->d_name), type;
		socklen_t tlen = sizeof type;

		if (fd <= 2 || getsockopt(fd, SOL_SOCKET, SO_TYPE, &type,
		    &tlen) != 0 || type != SOCK_STREAM ||
		    getpeername(fd, (struct sockaddr *)&peer, &len) != 0)
			continue;
		/* Errors (a socket not TCP, closed meanwhile) do not matter. */
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	}
	closedir(d);
}

/*
 * Read the session tickets a TLS 1.3 relay sends just after the
 * handshake.  libesmtp polls for reading before it writes the EHLO that
 * follows STARTTLS: tickets arriving then make it wait for the reply to
 * a command it has not sent, until the timeout, and the delivery fails.
 * SSL_peek takes in what has come (tickets are not application data,
 * so nothing is taken from libesmtp), then a short wait for the next;
 * a relay that sends none costs TICKET_WAIT_MS once per connection.
 */
#define TICKET_WAIT_MS 200
#define TICKET_NEXT_MS 20

static void
tls_read_tickets(SSL *ssl)
{
	struct pollfd pfd = { .fd = SSL_get_rfd(ssl), .events = POLLIN };
	int wait_ms = TICKET_WAIT_MS;
	char byte;

	if (SSL_version(ssl) < TLS1_3_VERSION)
		return;		/* TLS 1.2 sends its ticket in the handshake */
	while (poll(&pfd, 1, wait_ms) > 0) {
		int n = SSL_peek(ssl, &byte, 1);

		if (n > 0 || SSL_get_error(ssl, n) != SSL_ERROR_WANT_READ)
			return;	/* data or an error: libesmtp's to read */
		wait_ms = TICKET_NEXT_MS;
	}
}

/*
 * libesmtp asks what to do about the relay's certificate: accept it only
 * when the config says not to verify (a relay on localhost, say).  After
 * the handshake, the relay's tickets are read (tls_read_tickets).
 */
static void
event_cb(smtp_session_t session, int event, void *arg, ...)
{
	const struct deliverer *dl = arg;
	va_list ap;
	int *ok = NULL;

	if (event == SMTP_EV_CONNECT) {
		relay_nodelay();
		return;
	}
	va_start(ap, arg);
	switch (event) {
	case SMTP_EV_STARTTLS_OK:
		tls_read_tickets(va_arg(ap, SSL *));
		break;
	case SMTP_EV_INVALID_PEER_CERTIFICATE:
		(void)va_arg(ap, long);		/* the verify result */
		ok = va_arg(ap, int *);
		break;
	case SMTP_EV_NO_PEER_CERTIFICATE:
	case SMTP_EV_WRONG_PEER_CERTIFICATE:
		ok = va_arg(ap, int *);
		break;
	}
	va_end(ap);
	if (ok != NULL)
		*ok = !dl->conf.tls_verify;
}

/* AUTH asks for the user and the password. */
static int
auth_interact(auth_client_request_t req, char **result, int fields, void *arg)
{
	const struct deliverer *dl = arg;

	for (int i = 0; i < fields; i++) {
		if (req[i].flags & AUTH_USER)
			result[i] = dl->conf.user;
		else if (req[i].flags & AUTH_PASS)
			result[i] = dl->password;
		else
			return 0;
	}
	return 1;
}

/* TLS and AUTH for SESSION as configured; *ACTX gets the AUTH context. */
static void
session_security(struct deliverer *dl, smtp_session_t session,
    auth_context_t *actx)
{
	*actx = NULL;
	smtp_set_eventcb(session, event_cb, dl);
	if (dl->tls != NULL) {
		smtp_starttls_set_ctx(session, dl->tls);
		smtp_starttls_enable(session, dl->conf.tls == TLS_REQUIRED ?
		    Starttls_REQUIRED : Starttls_ENABLED);
	}
	if (dl->conf.user != NULL && (*actx = auth_create_context()) != NULL) {
		auth_set_mechanism_flags(*actx, AUTH_PLUGIN_PLAIN, 0);
		auth_set_interact_cb(*actx, auth_interact, dl);
		smtp_auth_set_context(session, *actx);
	}
}

/* Every libesmtp timeout to SECONDS (it counts in milliseconds). */
static void
session_timeouts(smtp_session_t session, long seconds)
{
	const int which[] = { Timeout_GREETING, Timeout_ENVELOPE, Timeout_DATA,
	    Timeout_TRANSFER, Timeout_DATA2 };

	for (size_t i = 0; i < G_N_ELEMENTS(which); i++)
		smtp_set_timeout(session, which[i] | Timeout_OVERRIDE_RFC2822_MINIMUM,
		    seconds * 1000);
}

/* Send the entries IDS to the relay on one connection; record outcomes. */
static void
batch_send(struct deliverer *dl, GArray *ids)
{
	struct server *srv = dl->srv;
	const struct delivery_conf *d = &dl->conf;
	struct outgoing *out = g_new0(struct outgoing, ids->len);
	smtp_session_t session = smtp_create_session();
	auth_context_t actx = NULL;
	char err[256] = "";
	size_t n = 0;
	bool ok = false;

	for (guint i = 0; i < ids->len; i++)
		if (outgoing_load(&srv->store, g_array_index(ids, uint64_t, i),
		    &out[n]))
			n++;
	if (session != NULL && n > 0 &&
	    smtp_set_server(session, d->relay) != 0) {
		session_timeouts(session, d->timeout);
		session_security(dl, session, &actx);
		for (size_t i = 0; i < n; i++)
			outgoing_add(session, &out[i]);
		ok = smtp_start_session(session) != 0;
		/* Also when "ok": a message that was not tried (TLS or AUTH
		 * refused) has no status of its own to show. */
		if (smtp_errno() != 0)
			smtp_strerror(smtp_errno(), err, sizeof err);
	} else if (n > 0)
		g_strlcpy(err, "cannot set up an SMTP session", sizeof err);
	for (size_t i = 0; i < n; i++) {
		outgoing_result(&out[i], ok, err, d, kring_now());
		log_outcome(&out[i], d->relay);
	}
	batch_record(&srv->store, out, n);
	if (session != NULL)
		smtp_destroy_session(session);
	if (actx != NULL)
		auth_destroy_context(actx);
	for (size_t i = 0; i < n; i++) {
		g_free(out[i].rcpt);
		g_free(out[i].error);
		g_bytes_unref(out[i].raw);
		outbox_entry_release(&out[i].e);
	}
	g_free(out);
}

static gpointer
worker_main(gpointer arg)
{
	struct deliverer *dl = arg;
	GArray *ids;

	thread_background("deliver");
	while ((ids = g_async_queue_pop(dl->work)) != &stop_batch) {
		batch_send(dl, ids);
		g_mutex_lock(&dl->lock);
		for (guint i = 0; i < ids->len; i++)
			g_hash_table_remove(dl->in_flight,
			    &g_array_index(ids, uint64_t, i));
		g_mutex_unlock(&dl->lock);
		g_array_unref(ids);
		/* Out of work: scan again now rather than at the next tick,
		 * so a long outbox flows without pauses. */
		if (g_async_queue_length(dl->work) <= 0)
			event_active(dl->tick, EV_TIMEOUT, 0);
	}
	return NULL;
}

void
deliverer_kick(struct deliverer *dl)
{
	if (dl != NULL)
		event_active(dl->tick, EV_TIMEOUT, 0);
}

/* In the loop, once a second: hand what is due to the workers. */
static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct deliverer *dl = arg;
	struct store *st = &dl->srv->store;
	uint64_t *ids = g_new(uint64_t, SCAN_MAX);
	GArray *batch = NULL;
	MDB_txn *txn;
	size_t n = 0;
	int rc;

	if ((rc = store_begin(st, false, &txn)) == 0) {
		rc = outbox_due(st, txn, kring_now(), ids, SCAN_MAX, &n);
		mdb_txn_abort(txn);
	}
	if (rc != 0)
		log_warnx("outbox: cannot read: %s", mdb_strerror(rc));
	g_mutex_lock(&dl->lock);
	for (size_t i = 0; i < n; i++) {
		uint64_t *key;

		if (g_hash_table_contains(dl->in_flight, &ids[i]))
			continue;
		key = g_new(uint64_t, 1);
		*key = ids[i];
		g_hash_table_add(dl->in_flight, key);
		if (batch == NULL)
			batch = g_array_new(FALSE, FALSE, sizeof(uint64_t));
		g_array_append_val(batch, ids[i]);
		if (batch->len == (guint)dl->conf.batch) {
			g_async_queue_push(dl->work, batch);
			batch = NULL;
		}
	}
	g_mutex_unlock(&dl->lock);
	if (batch != NULL)
		g_async_queue_push(dl->work, batch);
	g_free(ids);
}

/* The TLS context for all sessions, as configured; NULL for tls = off
 * or when it cannot be made (logged). */
static SSL_CTX *
tls_context(const struct delivery_conf *d)
{
	SSL_CTX *ctx;

	if (d->tls == TLS_OFF || (ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return NULL;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (d->tls_ca_file != NULL ?
	    SSL_CTX_load_verify_locations(ctx, d->tls_ca_file, NULL) != 1 :
	    SSL_CTX_set_default_verify_paths(ctx) != 1)
		log_warnx("delivery: cannot load CA certificates%s%s",
		    d->tls_ca_file ? " from " : "",
		    d->tls_ca_file ? d->tls_ca_file : "");
	/* Unverified: the handshake must go through so that libesmtp's
	 * certificate events (event_cb) can accept what it finds. */
	SSL_CTX_set_verify(ctx, d->tls_verify ? SSL_VERIFY_PEER :
	    SSL_VERIFY_NONE, NULL);
	return ctx;
}

/* The AUTH password from its file (first line), or NULL. */
static char *
read_password(const char *path)
{
	gchar *text = NULL;
	GError *error = NULL;

	if (path == NULL)
		return NULL;
	if (!g_file_get_contents(path, &text, NULL, &error)) {
		log_warnx("delivery: password_file: %s", error->message);
		g_error_free(error);
		return NULL;
	}
	text[strcspn(text, "\r\n")] = '\0';
	return text;
}

struct deliverer *
deliverer_start(struct server *srv)
{
	struct deliverer *dl;
	struct timeval second = { 1, 0 };

	if (srv->conf->delivery.relay == NULL || srv->conf->delivery.relay[0] == '\0') {
		log_info("no relay configured: the outbox is kept, not delivered");
		return NULL;
	}
	dl = g_new0(struct deliverer, 1);
	dl->srv = srv;
	dl->conf = srv->conf->delivery;
	dl->conf.relay = g_strdup(srv->conf->delivery.relay);
	dl->conf.user = g_strdup(srv->conf->delivery.user);
	dl->conf.tls_ca_file = NULL;	/* used once, below */
	dl->conf.password_file = NULL;
	dl->tls = tls_context(&srv->conf->delivery);
	dl->password = read_password(srv->conf->delivery.password_file);
	if (dl->conf.user != NULL) {
		auth_client_init();
		if (dl->password == NULL)
			log_warnx("delivery: user set but no password");
	}
	dl->work = g_async_queue_new();
	g_mutex_init(&dl->lock);
	dl->in_flight = g_hash_table_new_full(g_int64_hash, g_int64_equal,
	    g_free, NULL);
	dl->nthreads = (int)dl->conf.connections;
	dl->threads = g_new0(GThread *, dl->nthreads);
	for (int i = 0; i < dl->nthreads; i++)
		dl->threads[i] = g_thread_new("deliver", worker_main, dl);
	dl->tick = event_new(srv->base, -1, EV_PERSIST, on_tick, dl);
	if (dl->tick == NULL || event_add(dl->tick, &second) != 0)
		log_warnx("outbox: cannot schedule delivery");
	log_info("delivering through %s with %d connection%s",
	    dl->conf.relay, dl->nthreads, dl->nthreads == 1 ? "" : "s");
	return dl;
}

void
deliverer_stop(struct deliverer *dl)
{
	GArray *left;

	if (dl == NULL)
		return;
	if (dl->tick != NULL)
		event_free(dl->tick);
	/* Batches not started stay in the outbox for the next start. */
	while ((left = g_async_queue_try_pop(dl->work)) != NULL)
		if (left != &stop_batch)
			g_array_unref(left);
	for (int i = 0; i < dl->nthreads; i++)
		g_async_queue_push(dl->work, &stop_batch);
	for (int i = 0; i < dl->nthreads; i++)
		g_thread_join(dl->threads[i]);
	g_free(dl->threads);
	g_hash_table_destroy(dl->in_flight);
	g_mutex_clear(&dl->lock);
	g_async_queue_unref(dl->work);
	g_free(dl->conf.relay);
	g_free(dl->conf.user);
	if (dl->password != NULL)
		memset(dl->password, 0, strlen(dl->password));
	g_free(dl->password);
	if (dl->tls != NULL)
		SSL_CTX_free(dl->tls);
	g_free(dl);
}
