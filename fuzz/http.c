/*
 * Fuzz target: HTTP requests as they arrive at the one-click unsubscribe
 * (daemon/web.c), from anyone who can reach web_listen.  The input is
 * the bytes of one connection.  They go over a real loopback socket to
 * web.c's real libmicrohttpd daemon, whose answers read a real store:
 * community "kring" with one member, ann@example.org.
 *
 * The checks: kringd answers with an HTTP status line or closes; and
 * Ann leaves only through a POST that carries her own, genuine token (in
 * any case)
 * (the store secret is fixed here, so the seed corpus holds working
 * links and the fuzzer reaches the leaving code).  When she has left,
 * she is made a member again for the next input.
 */
#include <err.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "../daemon/daemon.h"
#include "kring/member.h"
#include "kring/membertoken.h"
#include "kring/msginfo.h"
#include "kring/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)
#define ANN "ann@example.org"
#define ANSWER_MAX 65536

static struct server srv;
static struct web *web;
static struct sockaddr_in web_addr;
static char *ann_token;	/* her genuine leave token */

/* What web.c takes from kringd.c and deliver.c: the config (one that is
 * never reloaded here), and a delivery thread there is none of. */
struct kring_config *
server_conf_acquire(struct server *s)
{
	return s->conf;
}

void
server_conf_release(struct kring_config *conf)
{
}

void
deliverer_kick(struct deliverer *dl)
{
}

/* Make Ann an active member (again). */
static void
ann_join(void)
{
	struct member m;
	uint32_t comm;
	MDB_txn *txn;
	int rc;

	if (store_begin(&srv.store, true, &txn) != 0)
		errx(1, "store_begin");
	if (store_community_id(&srv.store, txn, "kring", true, &comm) != 0 ||
	    ((rc = member_get(&srv.store, txn, comm, ANN, &m)) != 0 &&
	    rc != MDB_NOTFOUND))
		errx(1, "cannot read %s", ANN);
	m.rec.state = MEMBER_ACTIVE;
	m.rec.how = HOW_ADMIN;
	m.rec.joined = m.rec.changed = kring_now();
	if (member_put(&srv.store, txn, comm, ANN, &m) != 0 ||
	    store_commit(&srv.store, txn) != 0)
		errx(1, "cannot make %s a member", ANN);
}

static bool
ann_active(void)
{
	uint32_t comm;
	MDB_txn *txn;
	bool active;

	if (store_begin(&srv.store, false, &txn) != 0)
		errx(1, "store_begin");
	active = store_community_id(&srv.store, txn, "kring", false,
	    &comm) == 0 && member_is_active(&srv.store, txn, comm, ANN, NULL);
	mdb_txn_abort(txn);
	return active;
}

static void
setup(void)
{
	static const char conf_text[] =
	    "hostname = \"kring.test\"\n"
	    "community \"kring\" { address = \"kring@example.org\" }\n";
	char *dir = g_dir_make_tmp("fuzz-http-XXXXXX", NULL), *path, err[512];

	if (dir == NULL)
		errx(1, "no scratch folder");
	msginfo_global_init();	/* GMime, for the goodbye mail */
	path = g_build_filename(dir, "kring.conf", NULL);
	srv.conf = g_new0(struct kring_config, 1);
	if (!g_file_set_contents(path, conf_text, -1, NULL) ||
	    config_load(path, srv.conf, err, sizeof err) != 0)
		errx(1, "config: %s", err);
	g_free(path);
	path = g_build_filename(dir, "store", NULL);
	if (store_open(&srv.store, path, 64, false, err, sizeof err) != 0)
		errx(1, "%s", err);
	g_free(path);
	memset(srv.staff_key, 'k', sizeof srv.staff_key);
	srv.have_staff_key = true;
	ann_token = member_token_make(srv.staff_key, MACT_UNSUBSCRIBE, "kring",
	    ANN, 4102444800);	/* 2100-01-01: the seeds keep working */
	ann_join();
	if ((web = web_bind(&srv, "127.0.0.1:0")) == NULL || web_start(web) != 0)
		errx(1, "the web listener did not start");
	web_addr.sin_family = AF_INET;
	web_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	web_addr.sin_port = htons((uint16_t)atoi(strrchr(web_address(web),
	    ':') + 1));
	g_free(dir);	/* the folder stays for the run */
}

/* Wait until FD has EVENTS, up to DEADLINE (monotonic µs).  Signals do
 * not cut the wait short: libFuzzer's -timeout ticks with SIGALRM, and
 * a socket call it interrupts fails with EINTR (signal(7)). */
static bool
wait_for(int fd, short events, gint64 deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	gint64 left;
	int n;

	while ((left = deadline - g_get_monotonic_time()) > 0) {
		n = poll(&p, 1, (int)(left / 1000) + 1);
		if (n > 0)
			return true;
		if (n < 0 && errno != EINTR)
			err(1, "poll");
	}
	return false;
}

static void
connect_web(int fd, gint64 deadline)
{
	int soerr = 0;
	socklen_t len = sizeof soerr;

	if (connect(fd, (struct sockaddr *)&web_addr, sizeof web_addr) == 0)
		return;
	/* Interrupted, the connection goes on being made. */
	if (errno != EINTR || !wait_for(fd, POLLOUT, deadline) ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0 ||
	    soerr != 0)
		errx(1, "connect to the web listener: %s",
		    strerror(soerr ? soerr : errno));
}

/* Send DATA as one connection and read the answer into BUF.  No answer
 * within 20 s (neither bytes nor the end) is a hang. */
static size_t
exchange(const uint8_t *data, size_t size, char *buf, size_t max)
{
	gint64 deadline = g_get_monotonic_time() + 20 * G_TIME_SPAN_SECOND;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	size_t got = 0;
	ssize_t n;

	if (fd == -1)
		err(1, "socket");
	connect_web(fd, deadline);
	for (size_t off = 0; off < size; off += n > 0 ? (size_t)n : 0)
		if ((n = send(fd, data + off, size - off, MSG_NOSIGNAL)) == 0 ||
		    (n < 0 && errno != EINTR))
			break;		/* it may close early: fine */
	shutdown(fd, SHUT_WR);
	while (got < max) {
		CHECK(wait_for(fd, POLLIN, deadline));
		n = recv(fd, buf + got, max - got, 0);
		if (n > 0)
			got += (size_t)n;
		else if (n == 0 || errno != EINTR)
			break;	/* the end, or a reset: libmicrohttpd closes a
				 * bad request with bytes of it unread */
	}
	close(fd);
	return got;
}

/* Whether DATA, with %XX escapes undone (libmicrohttpd undoes them in
 * the path), holds Ann's token; in any case, as tokens ride in mail
 * addresses, whose case MTAs may change. */
static bool
has_ann_token(const uint8_t *data, size_t size)
{
	GByteArray *plain = g_byte_array_sized_new((guint)size);
	bool found;

	for (size_t i = 0; i < size; i++) {
		guint8 c = data[i];

		if (c == '%' && i + 2 < size && g_ascii_isxdigit(data[i + 1]) &&
		    g_ascii_isxdigit(data[i + 2])) {
			c = (guint8)(g_ascii_xdigit_value(data[i + 1]) * 16 +
			    g_ascii_xdigit_value(data[i + 2]));
			i += 2;
		}
		c = (guint8)g_ascii_tolower(c);
		g_byte_array_append(plain, &c, 1);
	}
	found = memmem(plain->data, plain->len, ann_token,
	    strlen(ann_token)) != NULL;
	g_byte_array_unref(plain);
	return found;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char answer[ANSWER_MAX];
	size_t n;

	if (web == NULL)
		setup();
	n = exchange(data, size, answer, sizeof answer);
	CHECK(n == 0 || (n >= 9 && memcmp(answer, "HTTP/1.", 7) == 0));
	if (!ann_active()) {
		CHECK(memmem(data, size, "POST", 4) != NULL);
		CHECK(has_ann_token(data, size));
		ann_join();
	}
	return 0;
}
