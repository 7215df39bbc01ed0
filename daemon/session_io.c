/*
 * session_io.c: the socket side of a session.  One persistent read event
 * per connection, and a timer for the RFC 5321 timeouts that restarts
 * only when a whole line has come (as Postfix's per-record deadline): a
 * client sending a byte now and then cannot hold its slot for ever.
 * Replies are collected and written once per batch of input, so a
 * pipelined burst costs one write.
 * A write event exists only while the socket cannot take all output.
 *
 * Trusts nothing from the client: input is buffered up to one line limit
 * plus one read (INPUT_SLACK); past that, reading pauses until the
 * protocol has consumed it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "session.h"
#include "kring/log.h"

#define READ_CHUNK 16384
#define INPUT_SLACK 65536

static void session_free(struct session *s);
static void on_read(evutil_socket_t fd, short what, void *arg);

void
session_reply(struct session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	evbuffer_add_vprintf(s->out, fmt, ap);
	va_end(ap);
	evbuffer_add(s->out, "\r\n", 2);
}

static size_t
input_bound(const struct session *s)
{
	return (size_t)s->srv->conf->limits.line_length + INPUT_SLACK;
}

static void
reading_set(struct session *s, bool on)
{
	if (on == s->reading || (on && s->state == ST_CLOSING))
		return;
	s->reading = on;
	if (on)
		event_add(s->ev_read, NULL);
	else
		event_del(s->ev_read);
	if (on && tls_has_pending(s))
		event_active(s->ev_read, EV_READ, 0);
}

void
session_set_timeout(struct session *s, long seconds)
{
	s->timeout = seconds;
	session_progress(s);
}

void
session_progress(struct session *s)
{
	struct timeval tv = { s->timeout, 0 };

	if (s->state != ST_CLOSING)
		evtimer_add(s->ev_timer, &tv);	/* restarts the timer */
}

/* Write some of the output; like evbuffer_write. */
static int
output_write(struct session *s)
{
	if (s->ssl == NULL)
		return evbuffer_write(s->out, s->fd);
	int n;

	s->tls_want_read = s->tls_want_write = false;
	n = tls_send(s, s->out);
	s->tls_write_waits = n < 0 && errno == EAGAIN && s->tls_want_read;
	return n;
}

/* The 220 to STARTTLS is out: from here on the socket speaks TLS. */
static bool
tls_begin(struct session *s)
{
	s->tls_pending = false;
	if (!tls_session_start(s, s->srv->tls)) {
		session_free(s);
		return false;
	}
	evbuffer_drain(s->in, evbuffer_get_length(s->in));
	reading_set(s, true);
	return true;
}

bool
session_flush(struct session *s)
{
	while (evbuffer_get_length(s->out) > 0) {
		int n = output_write(s);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			session_free(s);	/* the client is gone */
			return false;
		}
		if (n <= 0 && s->tls_write_waits && s->state == ST_CLOSING) {
			session_free(s);	/* no input is read now */
			return false;
		}
		if (n <= 0) {
			/* A TLS write that waits for input is retried by
			 * on_read; any other waits for the socket. */
			if (!s->tls_write_waits)
				event_add(s->ev_write, NULL);
			return true;
		}
	}
	if (s->state == ST_CLOSING) {
		session_free(s);
		return false;
	}
	if (s->tls_pending)
		return tls_begin(s);
	return true;
}

void
session_starttls(struct session *s)
{
	s->tls_pending = true;
	evbuffer_drain(s->in, evbuffer_get_length(s->in));
	reading_set(s, false);
}

void
session_close(struct session *s)
{
	s->state = ST_CLOSING;
	reading_set(s, false);
	/* session_flush frees the session once the output is out. */
}

void
session_resume(struct session *s)
{
	if (s->state != ST_CLOSING && !s->tls_pending &&
	    evbuffer_get_length(s->in) < input_bound(s))
		reading_set(s, true);
}

static void
on_write(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	bool pending_input = s->state == ST_CMD || s->state == ST_DATA;

	event_del(s->ev_write);
	if (s->tls_read_waits) {
		/* A TLS read needed to write first (a handshake message). */
		s->tls_read_waits = false;
		on_read(fd, EV_READ, s);
		return;
	}
	if (!session_flush(s))
		return;
	/* Input left unread while output was backed up: take it now. */
	if (pending_input && evbuffer_get_length(s->out) == 0)
		session_process(s);
}

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;

	if (s->state == ST_COMMIT) {
		session_progress(s);	/* the store answers soon */
		return;
	}
	if (s->state == ST_CLOSING) {
		/* The last reply did not go out in time: the client does
		 * not read. */
		session_free(s);
		return;
	}
	if (tls_in_handshake(s)) {
		/* No reply can be sent before the handshake is done. */
		log_info("timeout in the TLS handshake with %s", s->client);
		session_free(s);
		return;
	}
	if (s->srv->stopping)
		session_reply(s, "421 4.3.2 %s shutting down",
		    s->srv->conf->hostname);
	else
		session_reply(s, "421 4.4.2 %s Error: timeout exceeded",
		    s->srv->conf->hostname);
	log_info("timeout after %s from %s",
	    s->state == ST_DATA ? "DATA" : "command", s->client);
	session_close(s);
	session_flush(s);
}

/* Read from the socket, or through TLS; like read(2). */
static ssize_t
input_read(struct session *s, void *buf, size_t len)
{
	ssize_t n;

	if (s->ssl == NULL)
		return read(s->fd, buf, len);
	s->tls_want_read = s->tls_want_write = false;
	n = tls_recv(s, buf, len);
	if (n < 0 && errno == EAGAIN && s->tls_want_write) {
		s->tls_read_waits = true;
		event_add(s->ev_write, NULL);
	}
	return n;
}

/* Read what the socket has, up to the input bound.  Returns false when
 * the session is gone. */
static bool
read_input(struct session *s)
{
	size_t room = input_bound(s) - evbuffer_get_length(s->in);
	struct evbuffer_iovec vec;
	ssize_t n;

	if (room > READ_CHUNK)
		room = READ_CHUNK;
	if (evbuffer_reserve_space(s->in, (ev_ssize_t)room, &vec, 1) < 1) {
		session_free(s);
		return false;
	}
	n = input_read(s, vec.iov_base, room < vec.iov_len ? room : vec.iov_len);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return true;
	if (n <= 0) {
		if (s->state == ST_COMMIT)
			log_info("%s: client %s gone before the reply",
			    s->queue_id, s->client);
		session_free(s);
		return false;
	}
	vec.iov_len = (size_t)n;
	evbuffer_commit_space(s->in, &vec, 1);
	return true;
}

static void
on_read(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;

	if (s->tls_write_waits && !session_flush(s))
		return;		/* a TLS write waited for this input */
	if (!read_input(s))
		return;
	if (evbuffer_get_length(s->in) >= input_bound(s))
		reading_set(s, false);
	else if (s->reading && tls_has_pending(s))
		event_active(s->ev_read, EV_READ, 0);
	if (s->state == ST_COMMIT)
		return;		/* kept for after the reply */
	session_process(s);
}

/* Free S; with SIGTERM pending, the last session ends the loop. */
static void
session_free(struct session *s)
{
	struct server *srv = s->srv;
	gpointer n = g_hash_table_lookup(srv->per_client, s->client);

	if (GPOINTER_TO_INT(n) <= 1)
		g_hash_table_remove(srv->per_client, s->client);
	else
		g_hash_table_insert(srv->per_client, g_strdup(s->client),
		    GINT_TO_POINTER(GPOINTER_TO_INT(n) - 1));
	g_hash_table_remove(srv->sessions, &s->id);
	event_free(s->ev_read);
	if (s->ev_timer != NULL)
		event_free(s->ev_timer);
	event_free(s->ev_write);
	evbuffer_free(s->in);
	evbuffer_free(s->out);
	tls_session_free(s);
	close(s->fd);
	session_release(s);
	g_free(s);
	if (srv->stopping && g_hash_table_size(srv->sessions) == 0)
		event_base_loopbreak(srv->base);
}

static void
client_address(const struct sockaddr *sa, char *buf, size_t len)
{
	const void *addr = sa->sa_family == AF_INET6 ?
	    (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr :
	    (const void *)&((const struct sockaddr_in *)sa)->sin_addr;

	if (inet_ntop(sa->sa_family, addr, buf, (socklen_t)len) == NULL)
		g_strlcpy(buf, "unknown", len);
}

/* The greeting, or a 421 when a limit says no. */
static void
session_greet(struct session *s, int from_client)
{
	struct server *srv = s->srv;
	const struct limits_conf *lim = &srv->conf->limits;

	if (srv->stopping) {
		session_reply(s, "421 4.3.2 %s shutting down", srv->conf->hostname);
	} else if (g_hash_table_size(srv->sessions) > (guint)lim->connections) {
		session_reply(s, "421 4.7.0 %s Error: too many connections",
		    srv->conf->hostname);
	} else if (from_client >= lim->connections_per_client) {
		session_reply(s, "421 4.7.0 %s Error: too many connections "
		    "from %s", srv->conf->hostname, s->client);
	} else {
		session_reply(s, "220 %s %s kringd", srv->conf->hostname,
		    s->proto == PROTO_LMTP ? "LMTP" : "ESMTP");
		session_flush(s);
		return;
	}
	session_close(s);
	session_flush(s);
}

void
session_accept(struct server *srv, struct listener *l, int fd,
    const struct sockaddr *sa, int salen)
{
	struct session *s = g_new0(struct session, 1);
	int count;

	s->srv = srv;
	s->fd = fd;
	s->proto = l->spec.proto;
	s->id = ++srv->next_session;
	s->timeout = srv->conf->limits.timeout_command;
	s->rcpts = g_ptr_array_new_with_free_func(g_free);
	s->rcpt_comms = g_ptr_array_new_with_free_func(g_free);
	s->rcpt_cmds = g_ptr_array_new_with_free_func(g_free);
	s->rcpt_cmd_comms = g_ptr_array_new_with_free_func(g_free);
	s->bounces = g_array_new(FALSE, TRUE, sizeof(struct bounce_job));
	s->relays = g_array_new(FALSE, TRUE, sizeof(struct relay_job));
	s->in = evbuffer_new();
	s->out = evbuffer_new();
	s->ev_read = event_new(srv->base, fd, EV_READ | EV_PERSIST, on_read, s);
	s->ev_timer = evtimer_new(srv->base, on_timeout, s);
	s->ev_write = event_new(srv->base, fd, EV_WRITE, on_write, s);
	client_address(sa, s->client, sizeof s->client);
	count = GPOINTER_TO_INT(g_hash_table_lookup(srv->per_client, s->client));
	g_hash_table_insert(srv->per_client, g_strdup(s->client),
	    GINT_TO_POINTER(count + 1));
	g_hash_table_insert(srv->sessions, &s->id, s);
	if (s->in == NULL || s->out == NULL || s->ev_read == NULL ||
	    s->ev_timer == NULL ||
	    s->ev_write == NULL) {
		log_warnx("cannot set up a session for %s", s->client);
		session_free(s);
		return;
	}
	reading_set(s, true);
	session_progress(s);
	session_greet(s, count);
}

void
sessions_shutdown(struct server *srv)
{
	GList *all = g_hash_table_get_values(srv->sessions);

	for (GList *l = all; l != NULL; l = l->next) {
		struct session *s = l->data;

		if (s->state == ST_CMD && !s->in_mail) {
			session_reply(s, "421 4.3.2 %s shutting down",
			    srv->conf->hostname);
			session_close(s);
			session_flush(s);
		}
	}
	g_list_free(all);
}

void
sessions_destroy(struct server *srv)
{
	GList *all = g_hash_table_get_values(srv->sessions);

	srv->stopping = false;	/* no loopbreak from session_free now */
	for (GList *l = all; l != NULL; l = l->next)
		session_free(l->data);
	g_list_free(all);
}
