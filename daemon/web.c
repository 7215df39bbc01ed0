/*
 * web.c: the one-click unsubscribe (RFC 8058) over HTTP, served by
 * libmicrohttpd on a thread of its own, meant to sit behind a TLS proxy.
 *
 *   GET  /u/COMMUNITY/ADDRESS/TOKEN   a page with a button, nothing more:
 *                                     link scanners and previews open
 *                                     links, so a GET changes nothing
 *   POST the same, with the form field List-Unsubscribe=One-Click
 *                                     the member leaves at once
 *
 * TOKEN is a member token for leaving (membertoken.h) over COMMUNITY and
 * ADDRESS, made per copy by fanout.c.  A POST writes in a short LMDB
 * transaction of its own (LMDB lets one writer in at a time), then the
 * goodbye mail waits in the outbox.
 *
 * Trusts nothing of the request: the path is checked against the token
 * before any lookup that writes, bodies are bounded (BODY_MAX), and so
 * are connections, their memory and their time.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include <glib.h>

#include "daemon.h"
#include "kring/log.h"
#include "kring/mail.h"
#include "kring/member.h"
#include "kring/membership.h"
#include "kring/membertoken.h"
#include "kring/util.h"

#define BODY_MAX 4096		/* a one-click body is 26 bytes */
#define PATH_MAX_LEN 1024
#define CONNECTIONS_MAX 128
#define CONNECTION_TIMEOUT 15	/* seconds */
#define CONNECTION_MEMORY (32 * 1024)

struct web {
	struct server *srv;
	int fd;			/* bound, not yet served: ours to close */
	char bound[300];
	struct MHD_Daemon *mhd;
};

/* One request, across the calls that bring its body. */
struct request {
	struct MHD_PostProcessor *pp;	/* NULL: not a form */
	size_t body;
	bool one_click;		/* List-Unsubscribe=One-Click seen */
};

/* What a /u/ path names. */
struct leave_link {
	const struct community_conf *c;
	char *address;
	const char *token;
};

static int
bind_socket(const char *spec, char *bound, size_t blen)
{
	struct listen_spec ls;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
	    .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *ai;
	int fd, on = 1, rc;

	if (listen_spec_parse(spec, &ls) != 0 || ls.proto != PROTO_SMTP) {
		log_warnx("web listen %s: not HOST:PORT", spec);
		return -1;
	}
	if ((rc = getaddrinfo(ls.host, ls.port, &hints, &ai)) != 0) {
		log_warnx("web listen %s: %s", spec, gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
	if (fd == -1 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on,
	    sizeof on) != 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
	    listen(fd, 64) != 0) {
		log_warn("web listen %s", spec);
		if (fd != -1)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	socket_name(fd, bound, blen);
	return fd;
}

struct web *
web_bind(struct server *srv, const char *spec)
{
	struct web *w = g_new0(struct web, 1);

	w->srv = srv;
	if ((w->fd = bind_socket(spec, w->bound, sizeof w->bound)) == -1) {
		g_free(w);
		return NULL;
	}
	log_info("listening on %s (http)", w->bound);
	return w;
}

const char *
web_address(const struct web *w)
{
	return w->bound;
}

static void
link_free(struct leave_link *l)
{
	g_free(l->address);
}

/* Split URL (unescaped by libmicrohttpd) into L: /u/COMMUNITY/ADDRESS/
 * TOKEN, ADDRESS being everything between.  -1 when it is not one. */
static int
link_parse(const struct kring_config *conf, const char *url,
    struct leave_link *l)
{
	const char *comm, *addr, *tok;
	char *name;

	memset(l, 0, sizeof *l);
	if (strncmp(url, "/u/", 3) != 0 || strlen(url) > PATH_MAX_LEN)
		return -1;
	comm = url + 3;
	if ((addr = strchr(comm, '/')) == NULL ||
	    (tok = strrchr(url, '/')) <= addr + 1 || tok[1] == '\0')
		return -1;
	name = g_strndup(comm, (size_t)(addr - comm));
	l->c = config_community(conf, name);
	g_free(name);
	if (l->c == NULL)
		return -1;
	l->address = g_strndup(addr + 1, (size_t)(tok - addr - 1));
	l->token = tok + 1;
	return 0;
}

static enum MHD_Result
send_response(struct MHD_Connection *conn, unsigned status,
    const char *type, char *body)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body),
	    body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ok;

	if (r == NULL) {
		g_free(body);
		return MHD_NO;
	}
	/* The path holds a token: keep it out of caches and referrers. */
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type) ==
	    MHD_NO || MHD_add_response_header(r, "Cache-Control", "no-store") ==
	    MHD_NO || MHD_add_response_header(r, "Referrer-Policy",
	    "no-referrer") == MHD_NO || MHD_add_response_header(r,
	    "X-Content-Type-Options", "nosniff") == MHD_NO ||
	    MHD_add_response_header(r, "Content-Security-Policy",
	    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
	    == MHD_NO || (status == MHD_HTTP_METHOD_NOT_ALLOWED &&
	    MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW,
	    "GET, HEAD, POST") == MHD_NO)) {
		MHD_destroy_response(r);
		return MHD_NO;
	}
	ok = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result
send_text(struct MHD_Connection *conn, unsigned status, const char *text)
{
	return send_response(conn, status, "text/plain; charset=utf-8",
	    g_strdup_printf("%s\n", text));
}

/* The page of link L in LANG with the one flag WHAT set. */
static enum MHD_Result
send_page(struct MHD_Connection *conn, unsigned status,
    const struct kring_config *conf, const struct leave_link *l,
    const char *lang, const char *what)
{
	struct tmpl_ctx *ctx = tmpl_ctx_new();
	char *cmd = g_strdup_printf("%s+unsubscribe@%s", l->c->local,
	    l->c->domain);
	char err[256], *page;

	tmpl_ctx_set(ctx, "address", l->address);
	tmpl_ctx_set(ctx, "cmd_unsubscribe", cmd);
	tmpl_ctx_set_bool(ctx, what, true);
	page = mail_render_one(conf, l->c, lang, "web-leave.html", ctx, err,
	    sizeof err);
	tmpl_ctx_free(ctx);
	g_free(cmd);
	if (page == NULL) {
		log_warnx("web: %s", err);
		return send_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "Internal error: the page's template failed.");
	}
	return send_response(conn, status, "text/html; charset=utf-8", page);
}

/* Whether L's address is a member now, and the language to answer in. */
static int
member_now(struct store *st, const struct leave_link *l, bool *active,
    char lang[8])
{
	struct member m;
	uint32_t comm;
	MDB_txn *txn;
	int rc;

	*active = false;
	g_strlcpy(lang, l->c->language, 8);
	if ((rc = store_begin(st, false, &txn)) != 0)
		return rc;
	rc = store_community_id(st, txn, l->c->name, false, &comm);
	if (rc == 0)
		rc = member_get(st, txn, comm, l->address, &m);
	if (rc == 0) {
		*active = m.rec.state == MEMBER_ACTIVE;
		if (m.rec.lang[0] != '\0')
			g_strlcpy(lang, m.rec.lang, 8);
	}
	mdb_txn_abort(txn);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The member of L leaves: 0, -2 (not a member) or an error. */
static int
leave_now(struct web *w, const struct kring_config *conf,
    const struct leave_link *l)
{
	struct store *st = &w->srv->store;
	char outcome[128];
	MDB_txn *txn;
	int rc;

	if ((rc = store_begin(st, true, &txn)) != 0)
		return rc;
	{
		struct membership ms = { .st = st, .txn = txn, .conf = conf,
		    .c = l->c, .key = w->srv->staff_key, .now = kring_now() };

		rc = membership_leave(&ms, l->address, outcome, sizeof outcome);
	}
	if (rc != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		return rc;
	log_info("web: %s left %s by one click: %s", l->address, l->c->name,
	    outcome);
	deliverer_kick(w->srv->deliverer);
	return 0;
}

static enum MHD_Result
answer_link(struct web *w, struct MHD_Connection *conn,
    const struct kring_config *conf, const struct leave_link *l, bool post,
    const struct request *rq)
{
	enum member_action action;
	enum member_token_status ts;
	bool active;
	char lang[8];
	int rc;

	ts = member_token_check(w->srv->staff_key, l->token, MACT_UNSUBSCRIBE,
	    l->c->name, l->address, kring_now(), &action);
	if (ts == MTOKEN_EXPIRED)
		return send_page(conn, MHD_HTTP_GONE, conf, l, l->c->language,
		    "link_expired");
	if (ts != MTOKEN_OK) {
		log_info("web: refused link for %s in %s: token %s", l->address,
		    l->c->name, member_token_status_name(ts));
		return send_page(conn, MHD_HTTP_FORBIDDEN, conf, l,
		    l->c->language, "link_bad");
	}
	if ((rc = member_now(&w->srv->store, l, &active, lang)) != 0) {
		log_warnx("web: %s", mdb_strerror(rc));
		return send_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "The store is not available; please try again later.");
	}
	if (!active)
		return send_page(conn, MHD_HTTP_OK, conf, l, lang, "not_member");
	if (!post)
		return send_page(conn, MHD_HTTP_OK, conf, l, lang, "ask");
	if (!rq->one_click)
		return send_text(conn, MHD_HTTP_BAD_REQUEST, "A one-click "
		    "unsubscribe POST carries List-Unsubscribe=One-Click "
		    "(RFC 8058).");
	rc = leave_now(w, conf, l);
	if (rc == -2)	/* left in the meantime */
		return send_page(conn, MHD_HTTP_OK, conf, l, lang, "not_member");
	if (rc != 0) {
		log_warnx("web: %s leaving %s: %s", l->address, l->c->name,
		    rc == -1 ? "the goodbye mail failed" : mdb_strerror(rc));
		return send_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "Not done: please try again later.");
	}
	return send_page(conn, MHD_HTTP_OK, conf, l, lang, "done");
}

static enum MHD_Result
answer(struct web *w, struct MHD_Connection *conn, const char *url, bool post,
    const struct request *rq)
{
	struct kring_config *conf;
	struct leave_link l;
	enum MHD_Result ok;

	if (rq->body > BODY_MAX)
		return send_text(conn, MHD_HTTP_CONTENT_TOO_LARGE,
		    "The request body is too large.");
	if (!w->srv->have_staff_key)
		return send_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "No store secret: links cannot be checked.");
	conf = server_conf_acquire(w->srv);
	if (link_parse(conf, url, &l) != 0)
		ok = send_text(conn, MHD_HTTP_NOT_FOUND, "Not found.");
	else
		ok = answer_link(w, conn, conf, &l, post, rq);
	link_free(&l);
	server_conf_release(conf);
	return ok;
}

static enum MHD_Result
post_field(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *filename, const char *content_type,
    const char *transfer_encoding, const char *data, uint64_t off,
    size_t size)
{
	struct request *rq = cls;

	/* A multipart part without a name comes with KEY NULL (found by
	 * fuzz-http); an empty value may come with DATA NULL. */
	if (key != NULL && data != NULL &&
	    strcmp(key, "List-Unsubscribe") == 0 && off == 0 &&
	    size == strlen("One-Click") && memcmp(data, "One-Click", size) == 0)
		rq->one_click = true;
	return MHD_YES;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **req_cls)
{
	struct request *rq = *req_cls;
	bool post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;

	if (rq == NULL) {	/* the headers are in: the body may follow */
		if (!post && strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
		    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
			return send_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
			    "Method not allowed.");
		rq = g_new0(struct request, 1);
		*req_cls = rq;
		if (post)	/* NULL unless a form: then no one-click */
			rq->pp = MHD_create_post_processor(conn, 1024,
			    post_field, rq);
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		rq->body += *upload_data_size;
		if (rq->body <= BODY_MAX && rq->pp != NULL &&
		    MHD_post_process(rq->pp, upload_data, *upload_data_size) ==
		    MHD_NO)
			rq->one_click = false;
		*upload_data_size = 0;
		return MHD_YES;
	}
	return answer(cls, conn, url, post, rq);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct request *rq = *req_cls;

	if (rq == NULL)
		return;
	if (rq->pp != NULL)
		(void)MHD_destroy_post_processor(rq->pp);
	g_free(rq);
	*req_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char *msg = g_strdup_vprintf(fmt, ap);

	g_strchomp(msg);
	log_warnx("web: %s", msg);
	g_free(msg);
}

int
web_start(struct web *w)
{
	w->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_POLL | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, w,
	    /* First, or libmicrohttpd logs the options before it itself. */
	    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)w->fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTIONS_MAX,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
	    MHD_OPTION_END);
	if (w->mhd == NULL) {
		log_warnx("web %s: libmicrohttpd did not start", w->bound);
		return -1;
	}
	w->fd = -1;	/* libmicrohttpd's now */
	return 0;
}

void
web_stop(struct web *w)
{
	if (w == NULL)
		return;
	if (w->mhd != NULL)
		MHD_stop_daemon(w->mhd);
	if (w->fd != -1)
		close(w->fd);
	g_free(w);
}
