/*
 * session.h: one client connection, shared by session.c (the SMTP/LMTP
 * protocol) and session_io.c (the socket: reading, writing, timeouts).
 */
#ifndef KRINGD_SESSION_H
#define KRINGD_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <openssl/ssl.h>

#include "daemon.h"
#include "kring/smtp.h"

enum state {
	ST_CMD,			/* reading commands */
	ST_DATA,		/* reading message lines */
	ST_COMMIT,		/* waiting for the writer; input kept, not read */
	ST_CLOSING,		/* flushing the last reply */
};

struct session {
	uint64_t id;
	struct server *srv;
	int fd;
	struct event *ev_read;	/* persistent */
	struct event *ev_timer;	/* the current timeout, from the last line */
	struct event *ev_write;	/* added only while output is left over */
	struct evbuffer *in, *out;
	long timeout;		/* seconds, for the state we are in */
	bool reading;		/* ev_read is added */
	enum listen_proto proto;
	enum state state;
	char client[INET6_ADDRSTRLEN];
	char helo[256];
	bool greeted, esmtp;
	int bad_commands;
	bool skip_to_eol;	/* dropping the rest of an over-long line */
	bool dropped_cr;	/* the last byte dropped was CR */
	bool dropped_crlf;	/* the dropped line ended in CRLF */
	/* STARTTLS (tls.c): the 220 is on its way, then the handshake. */
	bool tls_pending;
	SSL *ssl;		/* NULL until STARTTLS */
	bool tls_want_read, tls_want_write;	/* what OpenSSL waits for */
	size_t tls_retry_len;	/* a write to repeat with this length */
	bool tls_read_waits;	/* a read waits for the socket to take output */
	bool tls_write_waits;	/* a write waits for input from the client */
	/* The transaction. */
	bool in_mail;
	struct smtp_path from;
	GPtrArray *rcpts;	/* char *, addresses as given */
	GPtrArray *rcpt_comms;	/* char *, community of each rcpt; NULL for
				 * a member command */
	GPtrArray *rcpt_cmds;	/* struct member_request *, or NULL */
	GPtrArray *rcpt_cmd_comms;	/* char *: the command's community */
	GArray *bounces;	/* struct bounce_job: rcpts that are return
				 * paths */
	GArray *relays;		/* struct relay_job: private replies */
	GByteArray *data;
	bool data_too_big, data_line_too_long, prev_crlf;
	char queue_id[24];
};

/* session_io.c */
void session_reply(struct session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Send what is queued, then close and free. */
void session_close(struct session *s);
/* Wait at most SECONDS for the client from now on. */
void session_set_timeout(struct session *s, long seconds);
/* A whole line came: the client has the full timeout again. */
void session_progress(struct session *s);
/* Write what is queued now; more later if the socket is full.  Returns
 * false when S is gone (closed, or the client went away). */
bool session_flush(struct session *s);
/* Read again after a commit (reading stops while input is over its bound). */
void session_resume(struct session *s);

/* Past this much unsent output, input is left unread (a client that
 * pipelines and never reads cannot make kringd buffer its replies). */
#define SESSION_OUTPUT_MAX 65536

/* Answered STARTTLS: drop what the client sent after it (RFC 3207 5:
 * plaintext commands must not be taken as if sent over TLS), read no
 * more until the reply is out, then start the handshake. */
void session_starttls(struct session *s);

/* tls.c */
bool tls_session_start(struct session *s, SSL_CTX *ctx);
/* Like read(2) and evbuffer_write: -1 with EAGAIN to wait, and then
 * s->tls_want_read or s->tls_want_write says for what. */
ssize_t tls_recv(struct session *s, void *buf, size_t len);
int tls_send(struct session *s, struct evbuffer *out);
/* STARTTLS was answered but the handshake is not done yet. */
bool tls_in_handshake(const struct session *s);
/* Decrypted input held by OpenSSL, which no socket event announces. */
bool tls_has_pending(const struct session *s);
void tls_session_free(struct session *s);
/* For the Received field: "" or a comment with protocol and cipher. */
void tls_describe(const struct session *s, char *buf, size_t len);

/* session.c: handle every complete line of input. */
void session_process(struct session *s);
/* session.c: the connection is gone. */
void session_release(struct session *s);

#endif
