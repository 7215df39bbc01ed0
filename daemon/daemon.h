/*
 * daemon.h: the parts of kringd and what they share.
 *
 *   kringd.c    options, config, signals, privilege drop, main loop
 *   listener.c  bound sockets, accepting, connection limits
 *   session.c   the SMTP/LMTP state machine of one connection
 *   commit.c    the writer thread: group commit of finished messages
 *   deliver.c   the delivery threads: the outbox to the relay
 *   scheduler.c the schedules: staff tools run as child processes
 *   staffmail.c staff acting by mail (community+topic@ and the like)
 *   membermail.c members by mail: commands, who may post
 *   bouncemail.c bounces to the return paths, counted (bounce.h)
 *   expander.c  the fan-out thread: posts into the outbox per member
 *   sweep.c     the held posts' reminders and expiry (fan-out thread)
 *   web.c       the one-click unsubscribe over HTTP (libmicrohttpd)
 *
 * One event loop thread runs every session; one writer thread owns the
 * LMDB write transactions.  They meet in two queues (commit.c).
 */
#ifndef KRINGD_H
#define KRINGD_H

#include <stdbool.h>
#include <stdint.h>
#include <event2/event.h>
#include <event2/bufferevent.h>
#include <glib.h>

#include "kring/config.h"
#include "kring/ingest.h"
#include "kring/membercmd.h"
#include "kring/staffaction.h"
#include "kring/staffauth.h"
#include "kring/store.h"

struct listener {
	struct listen_spec spec;
	struct evconnlistener *evl;
	char bound[300];	/* host:port as bound, for logs */
	struct server *srv;
};

struct committer;
struct deliverer;
struct web;
struct expander;
struct scheduler;

struct server {
	struct event_base *base;
	/* Shared with the writer and delivery threads, which take a
	 * reference (server_conf_acquire); SIGHUP swaps it under the lock. */
	struct kring_config *conf;
	GMutex conf_lock;
	char *config_path;	/* NULL when run without a file */
	struct store store;
	struct listener listeners[KRING_MAX_LISTENERS];
	size_t nlisteners;
	GHashTable *sessions;	/* session id -> struct session * */
	GHashTable *per_client;	/* client address -> count (GINT_TO_POINTER) */
	uint64_t next_session;
	unsigned next_queue;	/* for queue ids */
	struct committer *committer;
	struct deliverer *deliverer;	/* NULL without a relay */
	struct scheduler *scheduler;	/* the schedules of kring.conf */
	struct expander *expander;	/* fan-outs into the outbox */
	struct web *web;		/* one-click HTTP; NULL without */
	struct ssl_ctx_st *tls;		/* STARTTLS (SSL_CTX); NULL without */
	unsigned char staff_key[STAFF_KEY_LEN];	/* for staff tokens */
	bool have_staff_key;
	GHashTable *member_clients;	/* client address -> struct client_rate */
	GHashTable *relay_senders;	/* member address -> struct client_rate */
	bool stopping;		/* SIGTERM: no new sessions or transactions */
	struct event *grace_timer;
};

/* tls.c: load the STARTTLS certificate and key of CONF into *OUT (NULL
 * without them).  Returns -1 with "file:line: why" in ERR. */
int tls_server_load(const struct kring_config *conf, struct ssl_ctx_st **out,
    char *err, size_t errlen);

/* Member commands taken from one client in the current hour. */
struct client_rate {
	int64_t start;
	long count;
};

/* membermail.c: N more of WHO's within LIMIT per WINDOW seconds from
 * the window's start, counted in COUNTS (who -> struct client_rate)?
 * Counted only when true.  In the loop only. */
bool rate_window_take(GHashTable *counts, const char *who, long limit,
    int64_t window, int64_t now, long n);

/* One member command of a message, and what came of it. */
struct member_job {
	char community[256];
	struct member_request r;
	char outcome[128];
};

/* One bounce of a message (to a return path), and what came of it. */
struct bounce_job {
	char community[256];
	char detail[80];	/* after "bounce-", lower case */
	char outcome[200];
};

/* A private reply to member AUTHOR through a relay address (relay.h). */
struct relay_job {
	char community[256];
	uint64_t author;
	char sender[256];	/* who writes: a member, checked at DATA */
	char outcome[200];
};

/* One message handed to the writer thread, and its outcome. */
struct commit_job {
	uint64_t session;	/* to find the session again; it may be gone */
	char queue_id[24];
	GByteArray *raw;	/* Received line + data, owned */
	size_t header_len;	/* length of our Received line */
	char *sender;
	int64_t time;
	char **communities;	/* distinct, NULL-terminated, owned */
	size_t ncommunities;
	int *rc;		/* per community: 0 or an LMDB/errno code */
	struct ingest_result *res;	/* per community */
	GArray *actions;	/* struct staff_action, checked; may be NULL */
	struct kring_config *conf;	/* a reference: the config it came under */
	GArray *requests;	/* struct member_job; NULL: none to answer */
	char *req_from, *req_name, *req_subject;	/* of the commands */
	char *req_text;	/* its own text, for a moderator's verdict */
	GArray *bounces;	/* struct bounce_job; NULL: none */
	GArray *relays;		/* struct relay_job; NULL: none */
	bool distribute;	/* a post for the members (no robot, no loop) */
	bool fanned_out;	/* the writer recorded a fan-out */
};

/* kringd.c: a reference to the config in force (another thread's view
 * stays whole while SIGHUP swaps it); release when done. */
struct kring_config *server_conf_acquire(struct server *srv);
void server_conf_release(struct kring_config *conf);

/* kringd.c: lower the calling thread's priority (fan-out, delivery). */
#define BACKGROUND_NICE 10
void thread_background(const char *what);

/* commit.c */
struct committer *committer_start(struct server *srv);
void committer_submit(struct committer *c, struct commit_job *job);
/* Commit what is queued, stop the thread, free.  Blocks. */
void committer_stop(struct committer *c);
void commit_job_free(struct commit_job *job);

/* deliver.c: workers for the outbox; NULL when no relay is set. */
struct deliverer *deliverer_start(struct server *srv);
/* Finish the batches being sent, leave the rest queued, free. */
void deliverer_stop(struct deliverer *dl);
/* Look at the outbox now (any thread; DL may be NULL). */
void deliverer_kick(struct deliverer *dl);

/* expander.c: the fan-out thread (fanout.h). */
struct expander *expander_start(struct server *srv);
/* New fan-outs are waiting (any thread). */
void expander_kick(struct expander *ex);
/* Finish the batch in hand, stop, free. */
void expander_stop(struct expander *ex);

/* sweep.c: remind and expire the held posts of every community. */
void held_sweep(struct server *srv, const struct kring_config *conf);

/* staffmail.c: staff actions by mail.  Into *ACTIONS the actions S's
 * recipients ask for (NULL: none, the usual case), each allowed: 0; or
 * -1 with REASON (an SMTP reply text) when one is refused. */
struct session;
int staff_actions_for(struct session *s, const GByteArray *data,
    GArray **actions, char *reason, size_t rlen);
/* True when JOB announces to community NAME (announce.h). */
bool staff_actions_announce(const struct commit_job *job, const char *name);
/* Apply JOB's actions for its community I, in TXN (the writer). */
int staff_actions_apply(struct store *st, MDB_txn *txn, struct commit_job *job,
    size_t i);

/* membermail.c: members by mail. */
/* True when ADDRESS (of community C) is a member command, parsed into *R. */
bool member_command_rcpt(const struct community_conf *c, const char *address,
    struct member_request *r);
/* True when the message is from a robot or came round to us. */
bool mail_is_robot_or_loop(const struct kring_config *conf, const char *raw,
    size_t len);
/* Who may post: POST_ACCEPT, or POST_REFUSE / POST_TEMPFAIL with REASON
 * (an SMTP reply text).  Moderation will add a "hold". */
enum { POST_ACCEPT, POST_REFUSE, POST_TEMPFAIL };
int posting_decide(struct session *s, const GByteArray *data, char *reason,
    size_t rlen);
/* Read S's member commands into JOB; -1 with REASON when the client is
 * over its limit. */
int member_requests_for(struct session *s, const GByteArray *data,
    struct commit_job *job, char *reason, size_t rlen);
/* In the writer: carry out JOB's commands; KEY is the store's secret. */
int member_requests_apply(struct store *st, MDB_txn *txn,
    struct commit_job *job, const unsigned char *key);
/* In the loop: log what came of them. */
void member_requests_log(const struct commit_job *job);

/* relaymail.c: private replies (relay.h).  At RCPT: 0 when ADDRESS of
 * C is no relay address, 1 when taken, -1 when forged (refuse it). */
int relay_rcpt(struct session *s, const struct community_conf *c,
    const char *address);
/* At DATA: S's relay recipients into JOB; -1 with REASON (an SMTP reply
 * text, 4.x.x or 5.x.x) when refused. */
int relays_for(struct session *s, const GByteArray *data,
    struct commit_job *job, char *reason, size_t rlen);
/* In the writer: queue JOB's copies; in the loop: log them. */
int relays_apply(struct store *st, MDB_txn *txn, struct commit_job *job,
    const unsigned char *key);
void relays_log(const struct commit_job *job);

/* bouncemail.c: in the writer, count JOB's bounces (bounce.h); in the
 * loop, log what came of them. */
int bounces_apply(struct store *st, MDB_txn *txn, struct commit_job *job,
    const unsigned char *key);
void bounces_log(const struct commit_job *job);

/* web.c: the one-click unsubscribe.  Bind SPEC ("host:port", before
 * privileges are dropped): NULL with a log line on failure. */
struct web *web_bind(struct server *srv, const char *spec);
/* The host:port it is bound to (a port 0 picked a free one). */
const char *web_address(const struct web *w);
/* Serve, once the store is open: 0 or -1. */
int web_start(struct web *w);
/* Finish the requests in flight, close, free.  NULL is fine. */
void web_stop(struct web *w);

/* scheduler.c: runs the staff tools of kring.conf's schedules. */
struct scheduler *scheduler_start(struct server *srv);
/* Wait for runs in flight, free. */
void scheduler_stop(struct scheduler *sc);

/* listener.c */
int listeners_open(struct server *srv);
void listeners_close(struct server *srv);

/* session.c */
void session_accept(struct server *srv, struct listener *l, int fd,
    const struct sockaddr *sa, int salen);
/* The writer committed (or failed) JOB: reply to its session, if any. */
void session_commit_done(struct server *srv, struct commit_job *job);
/* SIGTERM: say goodbye to sessions that are between transactions. */
void sessions_shutdown(struct server *srv);
/* Free every session left (those the grace period cut off). */
void sessions_destroy(struct server *srv);

#endif
