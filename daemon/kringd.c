/*
 * kringd.c: the daemon's main: options, config, binding, privilege drop,
 * signals and the event loop.
 *
 * Runs as root only until the listeners are bound; with `user` set it
 * then drops to that user before the store is opened.  Signal handlers
 * are libevent signal events: they run in the loop, not in a handler.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <sys/resource.h>
#include <unistd.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <openssl/ssl.h>
#include <systemd/sd-daemon.h>

#include "daemon.h"
#include "kring/log.h"
#include "kring/msginfo.h"

struct options {
	bool foreground, check_only;
	const char *config_path, *store, *pidfile, *relay, *web;
	const char *listen[KRING_MAX_LISTENERS];
	size_t nlisten;
};

static void
usage(FILE *out, int status)
{
	fprintf(out,
	    "usage: kringd [-fn] [-c FILE] [-l HOST:PORT[/lmtp]]... [-s DIR] [-r HOST:PORT]\n"
	    "              [-w HOST:PORT] [-p PIDFILE]\n"
	    "\n"
	    "Take community mail in over SMTP and LMTP and keep it in the store.\n"
	    "\n"
	    "  -c FILE   configuration file (default %s/kring.conf)\n"
	    "  -f        stay in the foreground and log to stderr\n"
	    "  -l SPEC   listen on HOST:PORT, /lmtp for LMTP; repeatable,\n"
	    "            replaces the config's listen list; port 0 picks one\n"
	    "  -n        check the configuration and exit\n"
	    "  -p FILE   write the process id to FILE\n"
	    "  -r HOST:PORT  deliver the outbox through this relay, replacing\n"
	    "            the config's delivery relay\n"
	    "  -s DIR    the store (LMDB directory), replacing the config's\n"
	    "  -w HOST:PORT  serve the one-click unsubscribe over HTTP here,\n"
	    "            replacing the config's web_listen; port 0 picks one\n"
	    "  -h        this help\n"
	    "\n"
	    "Signals: SIGHUP reloads the configuration, SIGTERM finishes what\n"
	    "is in flight and exits.  See kringd(8).\n", KRING_SYSCONFDIR);
	exit(status);
}

static void
parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof *o);
	while ((ch = getopt_long(argc, argv, "c:fhl:np:r:s:w:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->config_path = optarg; break;
		case 'f': o->foreground = true; break;
		case 'n': o->check_only = true; break;
		case 'p': o->pidfile = optarg; break;
		case 's': o->store = optarg; break;
		case 'r': o->relay = optarg; break;
		case 'w': o->web = optarg; break;
		case 'l':
			if (o->nlisten == KRING_MAX_LISTENERS)
				errx(EX_USAGE, "too many -l options");
			o->listen[o->nlisten++] = optarg;
			break;
		case 'h': usage(stdout, 0); break;
		default: usage(stderr, EX_USAGE);
		}
	}
	if (optind != argc)
		usage(stderr, EX_USAGE);
	if (o->config_path == NULL)
		o->config_path = KRING_SYSCONFDIR "/kring.conf";
}

/* Load the config and apply the command line over it. */
static int
load_config(const struct options *o, struct kring_config *conf, char *err,
    size_t errlen)
{
	if (config_load(o->config_path, conf, err, errlen) != 0)
		return -1;
	if (o->nlisten > 0) {
		conf->nlisteners = 0;
		for (size_t i = 0; i < o->nlisten; i++) {
			if (listen_spec_parse(o->listen[i],
			    &conf->listeners[conf->nlisteners++]) != 0) {
				snprintf(err, errlen, "-l %s: not HOST:PORT "
				    "or HOST:PORT/lmtp", o->listen[i]);
				config_free(conf);
				return -1;
			}
		}
	}
	if (o->store != NULL) {
		g_free(conf->store);
		conf->store = g_strdup(o->store);
	}
	if (o->relay != NULL) {
		g_free(conf->delivery.relay);
		conf->delivery.relay = g_strdup(o->relay);
	}
	if (o->web != NULL) {
		struct listen_spec ls;

		if (listen_spec_parse(o->web, &ls) != 0 ||
		    ls.proto != PROTO_SMTP) {
			snprintf(err, errlen, "-w %s: not HOST:PORT", o->web);
			config_free(conf);
			return -1;
		}
		g_free(conf->web_listen);
		conf->web_listen = g_strdup(o->web);
	}
	if (conf->ncommunities == 0)
		log_warnx("%s: no community configured: every RCPT is refused",
		    conf->path);
	return 0;
}

static void
drop_privileges(const char *user)
{
	struct passwd *pw = getpwnam(user);

	if (pw == NULL)
		errx(EX_NOUSER, "user %s: no such user", user);
	if (setgroups(1, &pw->pw_gid) != 0 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0)
		err(EX_OSERR, "cannot drop privileges to %s", user);
	log_info("running as %s", user);
}

static const struct options *opts;

/* The fan-out and the delivery run niced: a core is the sessions'
 * first, so a 250 does not wait behind a big fan-out's batches.  Linux
 * sets the nice value per thread (setpriority(2), NOTES).  A failure
 * only costs latency. */
void
thread_background(const char *what)
{
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), BACKGROUND_NICE) != 0)
		log_debug("%s: nice %d: %s", what, BACKGROUND_NICE,
		    strerror(errno));
}

static void
config_clear(gpointer conf)
{
	config_free(conf);
}

struct kring_config *
server_conf_acquire(struct server *srv)
{
	struct kring_config *conf;

	g_mutex_lock(&srv->conf_lock);
	conf = g_atomic_rc_box_acquire(srv->conf);
	g_mutex_unlock(&srv->conf_lock);
	return conf;
}

void
server_conf_release(struct kring_config *conf)
{
	if (conf != NULL)
		g_atomic_rc_box_release_full(conf, config_clear);
}

/* Tell systemd STATE (Type=notify); nothing without NOTIFY_SOCKET. */
static void
notify_systemd(const char *state)
{
	int rc = sd_notify(0, state);

	if (rc < 0)
		log_warnx("sd_notify: %s", g_strerror(-rc));
}

/* A renewed certificate takes effect on SIGHUP; one kringd can no
 * longer read (it dropped privileges) leaves the old one in use. */
static void
reload_tls(struct server *srv, const struct kring_config *fresh)
{
	SSL_CTX *tls;
	char errbuf[1024];

	if (tls_server_load(fresh, &tls, errbuf, sizeof errbuf) != 0) {
		log_warnx("reload: %s; STARTTLS keeps the old certificate",
		    errbuf);
		return;
	}
	SSL_CTX_free(srv->tls);	/* sessions under TLS hold their own */
	srv->tls = tls;
}

static void
on_sighup(evutil_socket_t sig, short what, void *arg)
{
	struct server *srv = arg;
	struct kring_config *fresh = g_atomic_rc_box_new0(struct kring_config);
	struct kring_config *old;
	char errbuf[1024];

	notify_systemd("RELOADING=1");
	if (load_config(opts, fresh, errbuf, sizeof errbuf) != 0) {
		log_warnx("reload failed, keeping the old configuration: %s",
		    errbuf);
		g_atomic_rc_box_release(fresh);
		notify_systemd("READY=1\nSTATUS=reload failed: the old "
		    "configuration stays");
		return;
	}
	reload_tls(srv, fresh);
	if (strcmp(fresh->store, srv->conf->store) != 0 ||
	    fresh->nlisteners != srv->conf->nlisteners ||
	    g_strcmp0(fresh->web_listen, srv->conf->web_listen) != 0)
		log_warnx("reload: store, listen and web_listen changes take "
		    "effect on restart");
	/* The running listeners keep their own copies of their specs; the
	 * writer and delivery threads keep the old config while they use
	 * it (server_conf_acquire). */
	g_mutex_lock(&srv->conf_lock);
	old = srv->conf;
	srv->conf = fresh;
	g_mutex_unlock(&srv->conf_lock);
	server_conf_release(old);
	log_info("configuration reloaded from %s", srv->conf->path);
	notify_systemd("READY=1\nSTATUS=configuration reloaded");
}

static void
on_grace_over(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;

	log_warnx("shutdown grace period over, %u session(s) cut off",
	    g_hash_table_size(srv->sessions));
	event_base_loopbreak(srv->base);
}

static void
on_sigterm(evutil_socket_t sig, short what, void *arg)
{
	struct server *srv = arg;
	struct timeval tv = { srv->conf->limits.shutdown_grace, 0 };

	if (srv->stopping)
		return;
	log_info("signal %d: stopping; %u session(s) in flight", (int)sig,
	    g_hash_table_size(srv->sessions));
	srv->stopping = true;
	notify_systemd("STOPPING=1");
	listeners_close(srv);
	sessions_shutdown(srv);
	if (g_hash_table_size(srv->sessions) == 0) {
		event_base_loopbreak(srv->base);
		return;
	}
	srv->grace_timer = evtimer_new(srv->base, on_grace_over, srv);
	if (srv->grace_timer == NULL || evtimer_add(srv->grace_timer, &tv) != 0)
		event_base_loopbreak(srv->base);
}

static void
write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fprintf(f, "%ld\n", (long)getpid()) < 0 ||
	    fclose(f) != 0)
		err(EX_CANTCREAT, "%s", path);
}

static void
server_init(struct server *srv, const struct options *o)
{
	char errbuf[1024];

	memset(srv, 0, sizeof *srv);
	g_mutex_init(&srv->conf_lock);
	srv->conf = g_atomic_rc_box_new0(struct kring_config);
	if (load_config(o, srv->conf, errbuf, sizeof errbuf) != 0)
		errx(EX_CONFIG, "%s", errbuf);
	/* Still privileged: a TLS key is often readable by root only. */
	if (tls_server_load(srv->conf, &srv->tls, errbuf, sizeof errbuf) != 0)
		errx(EX_CONFIG, "%s", errbuf);
	srv->config_path = g_strdup(o->config_path);	/* for scheduled runs */
	srv->sessions = g_hash_table_new(g_int64_hash, g_int64_equal);
	srv->per_client = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, NULL);
	srv->member_clients = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, g_free);
	srv->relay_senders = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, g_free);
}

static void
server_run(struct server *srv, const struct options *o)
{
	struct event *ev_term, *ev_int, *ev_hup;
	char errbuf[1024];

	if (evthread_use_pthreads() != 0 ||
	    (srv->base = event_base_new()) == NULL)
		errx(EX_OSERR, "cannot set up the event loop");
	if (listeners_open(srv) != 0)
		exit(EX_UNAVAILABLE);
	if (srv->conf->web_listen != NULL &&
	    (srv->web = web_bind(srv, srv->conf->web_listen)) == NULL)
		exit(EX_UNAVAILABLE);
	if (!o->foreground) {
		if (daemon(1, 0) != 0)
			err(EX_OSERR, "daemon");
		if (event_reinit(srv->base) != 0)
			errx(EX_OSERR, "event_reinit");
	}
	/* The pid file is written while still privileged, after the fork. */
	if (o->pidfile != NULL)
		write_pidfile(o->pidfile);
	if (srv->conf->user != NULL)
		drop_privileges(srv->conf->user);
	if (store_open(&srv->store, srv->conf->store, srv->conf->map_size_mb,
	    false, errbuf, sizeof errbuf) != 0) {
		log_warnx("%s", errbuf);
		exit(EX_CANTCREAT);
	}
	if (staff_key_load(srv->conf->store, true, srv->staff_key, errbuf,
	    sizeof errbuf) == 0)
		srv->have_staff_key = true;
	else
		log_warnx("%s: staff tokens will be refused", errbuf);
	if ((srv->committer = committer_start(srv)) == NULL)
		errx(EX_OSERR, "cannot start the writer");
	srv->deliverer = deliverer_start(srv);
	srv->expander = expander_start(srv);
	srv->scheduler = scheduler_start(srv);
	if (srv->web != NULL && web_start(srv->web) != 0)
		exit(EX_UNAVAILABLE);
	signal(SIGPIPE, SIG_IGN);
	ev_term = evsignal_new(srv->base, SIGTERM, on_sigterm, srv);
	ev_int = evsignal_new(srv->base, SIGINT, on_sigterm, srv);
	ev_hup = evsignal_new(srv->base, SIGHUP, on_sighup, srv);
	if (!ev_term || !ev_int || !ev_hup || evsignal_add(ev_term, NULL) ||
	    evsignal_add(ev_int, NULL) || evsignal_add(ev_hup, NULL))
		errx(EX_OSERR, "cannot set up signal handling");
	log_info("ready: store %s, %zu communit%s", srv->conf->store,
	    srv->conf->ncommunities, srv->conf->ncommunities == 1 ? "y" : "ies");
	/* systemd's Type=notify (a no-op without NOTIFY_SOCKET). */
	notify_systemd("READY=1\nSTATUS=taking mail");
	if (event_base_dispatch(srv->base) < 0)
		log_warnx("event loop failed");
	web_stop(srv->web);
	scheduler_stop(srv->scheduler);
	committer_stop(srv->committer);
	expander_stop(srv->expander);
	deliverer_stop(srv->deliverer);
	listeners_close(srv);
	event_free(ev_term);
	event_free(ev_int);
	event_free(ev_hup);
}

static void
server_free(struct server *srv)
{
	sessions_destroy(srv);
	if (srv->grace_timer != NULL)
		event_free(srv->grace_timer);
	store_close(&srv->store);
	g_hash_table_destroy(srv->sessions);
	g_hash_table_destroy(srv->per_client);
	g_hash_table_destroy(srv->member_clients);
	g_hash_table_destroy(srv->relay_senders);
	event_base_free(srv->base);
	SSL_CTX_free(srv->tls);
	server_conf_release(srv->conf);
	g_free(srv->config_path);
}

int
main(int argc, char **argv)
{
	struct options o;
	struct server srv;

	parse_options(argc, argv, &o);
	opts = &o;
	log_init("kringd", o.foreground || o.check_only);
	server_init(&srv, &o);
	if (o.check_only) {
		printf("%s: configuration OK\n", srv.conf->path);
		SSL_CTX_free(srv.tls);
		server_conf_release(srv.conf);
		g_free(srv.config_path);
		return 0;
	}
	msginfo_global_init();
	server_run(&srv, &o);
	log_info("stopped");
	server_free(&srv);
	return 0;
}
