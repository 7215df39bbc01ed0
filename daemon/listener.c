/*
 * listener.c: the bound sockets.  Binding happens before privileges are
 * dropped; accepting hands each connection to session.c.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <event2/listener.h>

#include "daemon.h"
#include "kring/log.h"
#include "kring/util.h"

static void
accept_cb(struct evconnlistener *evl, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct listener *l = arg;

	session_accept(l->srv, l, fd, sa, salen);
}

static void
accept_error_cb(struct evconnlistener *evl, void *arg)
{
	struct listener *l = arg;

	/* EMFILE and the like: log, keep listening. */
	log_warn("accept on %s", l->bound);
}

static int
listener_open(struct server *srv, struct listener *l)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
	    .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *ai;
	int rc;

	rc = getaddrinfo(l->spec.host, l->spec.port, &hints, &ai);
	if (rc != 0) {
		log_warnx("listen %s:%s: %s", l->spec.host, l->spec.port,
		    gai_strerror(rc));
		return -1;
	}
	l->srv = srv;
	l->evl = evconnlistener_new_bind(srv->base, accept_cb, l,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
	    511, ai->ai_addr, (int)ai->ai_addrlen);
	freeaddrinfo(ai);
	if (l->evl == NULL) {
		log_warn("listen %s:%s", l->spec.host, l->spec.port);
		return -1;
	}
	evconnlistener_set_error_cb(l->evl, accept_error_cb);
	socket_name(evconnlistener_get_fd(l->evl), l->bound, sizeof l->bound);
	log_info("listening on %s (%s)", l->bound,
	    l->spec.proto == PROTO_LMTP ? "lmtp" : "smtp");
	return 0;
}

int
listeners_open(struct server *srv)
{
	for (size_t i = 0; i < srv->conf->nlisteners; i++) {
		struct listener *l = &srv->listeners[srv->nlisteners];

		l->spec = srv->conf->listeners[i];
		if (listener_open(srv, l) != 0)
			return -1;
		srv->nlisteners++;
	}
	return 0;
}

void
listeners_close(struct server *srv)
{
	for (size_t i = 0; i < srv->nlisteners; i++) {
		if (srv->listeners[i].evl != NULL)
			evconnlistener_free(srv->listeners[i].evl);
		srv->listeners[i].evl = NULL;
	}
	srv->nlisteners = 0;
}
