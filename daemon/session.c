/*
 * session.c: the SMTP (RFC 5321) and LMTP (RFC 2033) protocol of a session;
 * session_io.c does its socket.
 *
 * Trusts nothing from the client.  Every line is bounded (commands by
 * CMD_LINE_MAX, data lines by limits.line_length), the message by
 * limits.message_size, recipients by limits.recipients; what is over a
 * limit is read and dropped, never stored in memory.  Commands are looked
 * up in a table that pairs each verb with its handler.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "session.h"
#include "kring/log.h"
#include "kring/smtp.h"
#include "kring/util.h"

#define CMD_LINE_MAX 2048	/* RFC 5321 512, plus room for extensions */

static void
transaction_reset(struct session *s)
{
	s->in_mail = false;
	memset(&s->from, 0, sizeof s->from);
	g_ptr_array_set_size(s->rcpts, 0);
	g_ptr_array_set_size(s->rcpt_comms, 0);
	g_ptr_array_set_size(s->rcpt_cmds, 0);
	g_ptr_array_set_size(s->rcpt_cmd_comms, 0);
	g_array_set_size(s->bounces, 0);
	g_array_set_size(s->relays, 0);
	if (s->data != NULL) {
		g_byte_array_unref(s->data);
		s->data = NULL;
	}
	s->data_too_big = s->data_line_too_long = false;
}

/* Count a bad command; past the limit, hang up. Returns true if closed. */
static bool
bad_command(struct session *s)
{
	if (++s->bad_commands < s->srv->conf->limits.bad_commands)
		return false;
	session_reply(s, "421 4.7.0 %s Error: too many errors", s->srv->conf->hostname);
	log_info("disconnect from %s: too many errors", s->client);
	session_close(s);
	return true;
}

/* ---- the commands ---- */

static bool
need_greeting(struct session *s)
{
	if (s->greeted)
		return false;
	session_reply(s, "503 5.5.1 Error: send %s first",
	    s->proto == PROTO_LMTP ? "LHLO" : "HELO/EHLO");
	return true;
}

static bool starttls_offered(const struct session *s);

static void
cmd_hello(struct session *s, const struct smtp_cmd *cmd, bool esmtp)
{
	const struct limits_conf *l = &s->srv->conf->limits;

	if ((s->proto == PROTO_LMTP) != (cmd->verb == SMTP_LHLO)) {
		session_reply(s, "500 5.5.1 Error: %s is not a command here",
		    s->proto == PROTO_LMTP ? "HELO/EHLO" : "LHLO");
		bad_command(s);
		return;
	}
	if (cmd->arg[0] == '\0') {
		session_reply(s, "501 5.5.4 Syntax: %s hostname",
		    cmd->verb == SMTP_HELO ? "HELO" : "EHLO");
		bad_command(s);
		return;
	}
	transaction_reset(s);
	g_strlcpy(s->helo, cmd->arg, sizeof s->helo);
	s->greeted = true;
	s->esmtp = esmtp;
	if (!esmtp) {
		session_reply(s, "250 %s", s->srv->conf->hostname);
		return;
	}
	session_reply(s, "250-%s", s->srv->conf->hostname);
	session_reply(s, "250-PIPELINING");
	session_reply(s, "250-SIZE %ld", l->message_size);
	session_reply(s, "250-8BITMIME");
	session_reply(s, "250-ENHANCEDSTATUSCODES");
	if (starttls_offered(s))
		session_reply(s, "250-STARTTLS");
	session_reply(s, "250 SMTPUTF8");
}

/* STARTTLS is offered on SMTP listeners when a certificate is set. */
static bool
starttls_offered(const struct session *s)
{
	return s->proto == PROTO_SMTP && s->srv->tls != NULL && s->ssl == NULL;
}

/* RFC 3207: after the 220 the client starts the handshake, and all it
 * told before (its EHLO name) is forgotten; it greets again. */
static void
cmd_starttls(struct session *s, const struct smtp_cmd *cmd)
{
	if (s->ssl != NULL) {
		session_reply(s, "503 5.5.1 Error: TLS already active");
	} else if (!starttls_offered(s)) {
		session_reply(s, "502 5.5.1 Error: command not implemented");
	} else if (need_greeting(s)) {
		return;
	} else if (cmd->arg[0] != '\0') {
		session_reply(s, "501 5.5.4 Syntax: STARTTLS");
	} else if (s->in_mail) {
		session_reply(s, "503 5.5.1 Error: MAIL transaction in progress");
	} else {
		session_reply(s, "220 2.0.0 Ready to start TLS");
		transaction_reset(s);
		s->greeted = s->esmtp = false;
		s->helo[0] = '\0';
		session_starttls(s);
		return;
	}
	bad_command(s);
}

static void
cmd_mail(struct session *s, const struct smtp_cmd *cmd)
{
	enum smtp_path_err e;

	if (need_greeting(s))
		return;
	if (s->srv->stopping) {
		session_reply(s, "421 4.3.2 %s shutting down", s->srv->conf->hostname);
		session_close(s);
		return;
	}
	if (s->in_mail) {
		session_reply(s, "503 5.5.1 Error: nested MAIL command");
		return;
	}
	e = smtp_path_parse(cmd->arg, "FROM", false, &s->from);
	if (e == PATH_TOO_LONG) {
		session_reply(s, "501 5.1.7 Bad sender address: too long");
	} else if (e == PATH_BAD_PARAM) {
		session_reply(s, "555 5.5.4 Unsupported MAIL parameter");
	} else if (e != PATH_OK) {
		session_reply(s, "501 5.5.4 Syntax: MAIL FROM:<address>");
	} else if (s->from.size > s->srv->conf->limits.message_size) {
		session_reply(s, "552 5.3.4 Message size exceeds fixed limit");
	} else {
		s->in_mail = true;
		session_reply(s, "250 2.1.0 Ok");
		return;
	}
	bad_command(s);
}

/* True when ADDR is postmaster@ or abuse@ a domain of our communities. */
static bool
admin_address(const struct kring_config *conf, const char *addr)
{
	const char *at = strrchr(addr, '@');
	size_t local;

	if (at == NULL)
		return false;
	local = (size_t)(at - addr);
	if (!((local == 10 && g_ascii_strncasecmp(addr, "postmaster", 10) == 0) ||
	    (local == 5 && g_ascii_strncasecmp(addr, "abuse", 5) == 0)))
		return false;
	for (size_t i = 0; i < conf->ncommunities; i++)
		if (g_ascii_strcasecmp(conf->communities[i].domain, at + 1) == 0)
			return true;
	return false;
}

/* True when ADDR is a return path of ours: local+bounce-...@domain. */
static bool
is_bounce_address(const char *addr)
{
	const char *at = strrchr(addr, '@');
	const char *plus = strchr(addr, '+');

	return at != NULL && plus != NULL && plus < at &&
	    (size_t)(at - plus) > 7 &&
	    g_ascii_strncasecmp(plus + 1, "bounce-", 7) == 0;
}

/* What RCPT ADDR of community C is: a bounce (kept apart), a member
 * command (carried out, never stored) or a post. */
static void
add_rcpt_kind(struct session *s, const struct community_conf *c,
    const char *addr)
{
	struct member_request r;
	const char *comm = c->name;

	if (is_bounce_address(addr)) {
		struct bounce_job bj = { 0 };
		const char *d = strchr(addr, '+') + 8;

		/* Kept apart, and counted (bouncemail.c). */
		comm = STORE_BOUNCE_COMMUNITY;
		g_strlcpy(bj.community, c->name, sizeof bj.community);
		g_strlcpy(bj.detail, d, MIN(sizeof bj.detail,
		    (size_t)(strrchr(addr, '@') - d) + 1));
		for (char *p = bj.detail; *p; p++)
			*p = g_ascii_tolower(*p);
		g_array_append_val(s->bounces, bj);
	} else if (member_command_rcpt(c, addr, &r)) {
		g_ptr_array_add(s->rcpt_comms, NULL);
		g_ptr_array_add(s->rcpt_cmds, g_memdup2(&r, sizeof r));
		g_ptr_array_add(s->rcpt_cmd_comms, g_strdup(c->name));
		return;
	}
	g_ptr_array_add(s->rcpt_comms, g_strdup(comm));
	g_ptr_array_add(s->rcpt_cmds, NULL);
	g_ptr_array_add(s->rcpt_cmd_comms, NULL);
}

static void
cmd_rcpt(struct session *s, const struct smtp_cmd *cmd)
{
	const struct community_conf *c;
	struct smtp_path to;
	enum smtp_path_err e;

	if (need_greeting(s))
		return;
	if (!s->in_mail) {
		session_reply(s, "503 5.5.1 Error: need MAIL command");
		return;
	}
	e = smtp_path_parse(cmd->arg, "TO", s->from.smtputf8, &to);
	if (e == PATH_BAD_PARAM) {
		session_reply(s, "555 5.5.4 Unsupported RCPT parameter");
		bad_command(s);
		return;
	}
	if (e != PATH_OK || to.addr[0] == '\0') {
		session_reply(s, "501 5.1.3 Bad recipient address syntax");
		bad_command(s);
		return;
	}
	if (s->rcpts->len >= (guint)s->srv->conf->limits.recipients) {
		session_reply(s, "452 4.5.3 Error: too many recipients");
		return;
	}
	c = config_match_rcpt(s->srv->conf, to.addr);
	if (c == NULL && admin_address(s->srv->conf, to.addr)) {
		/* RFC 5321 4.5.1: postmaster must be accepted; abuse@ too
		 * (RFC 2142).  Kept for the admin, apart from every post. */
		g_ptr_array_add(s->rcpts, g_strdup(to.addr));
		g_ptr_array_add(s->rcpt_comms, g_strdup(STORE_ADMIN_COMMUNITY));
		g_ptr_array_add(s->rcpt_cmds, NULL);
		g_ptr_array_add(s->rcpt_cmd_comms, NULL);
		session_reply(s, "250 2.1.5 Ok");
		return;
	}
	if (c == NULL &&
	    (c = config_match_request(s->srv->conf, to.addr)) != NULL) {
		struct member_request r = { .by_subject = true };

		g_ptr_array_add(s->rcpts, g_strdup(to.addr));
		g_ptr_array_add(s->rcpt_comms, NULL);
		g_ptr_array_add(s->rcpt_cmds, g_memdup2(&r, sizeof r));
		g_ptr_array_add(s->rcpt_cmd_comms, g_strdup(c->name));
		session_reply(s, "250 2.1.5 Ok");
		return;
	}
	if (c == NULL) {
		/* Never a relay: only our own communities' addresses. */
		session_reply(s, "550 5.1.1 <%s>: Recipient address rejected: "
		    "not a community address here", to.addr);
		return;
	}
	switch (relay_rcpt(s, c, to.addr)) {
	case -1:
		session_reply(s, "550 5.1.1 <%s>: Recipient address rejected: "
		    "not a private-reply address of %s", to.addr, c->address);
		return;
	case 1:
		session_reply(s, "250 2.1.5 Ok");
		return;
	}
	g_ptr_array_add(s->rcpts, g_strdup(to.addr));
	add_rcpt_kind(s, c, to.addr);
	session_reply(s, "250 2.1.5 Ok");
}

static void
cmd_data(struct session *s, const struct smtp_cmd *cmd)
{
	if (need_greeting(s))
		return;
	if (cmd->arg[0] != '\0') {
		session_reply(s, "501 5.5.4 Syntax: DATA");
		return;
	}
	if (!s->in_mail) {
		session_reply(s, "503 5.5.1 Error: need MAIL command");
		return;
	}
	if (s->rcpts->len == 0) {
		session_reply(s, "554 5.5.1 Error: no valid recipients");
		return;
	}
	snprintf(s->queue_id, sizeof s->queue_id, "%08llX%04X",
	    (unsigned long long)time(NULL), s->srv->next_queue++ & 0xffff);
	s->data = g_byte_array_sized_new(4096);
	s->prev_crlf = true;
	s->state = ST_DATA;
	session_set_timeout(s, s->srv->conf->limits.timeout_data_block);
	session_reply(s, "354 End data with <CR><LF>.<CR><LF>");
}

static void
cmd_rset(struct session *s, const struct smtp_cmd *cmd)
{
	transaction_reset(s);
	session_reply(s, "250 2.0.0 Ok");
}

static void
cmd_noop(struct session *s, const struct smtp_cmd *cmd)
{
	session_reply(s, "250 2.0.0 Ok");
}

static void
cmd_quit(struct session *s, const struct smtp_cmd *cmd)
{
	session_reply(s, "221 2.0.0 Bye");
	session_close(s);
}

static void
cmd_help(struct session *s, const struct smtp_cmd *cmd)
{
	session_reply(s, "214-2.0.0 kringd: commands %s MAIL RCPT DATA RSET NOOP",
	    s->proto == PROTO_LMTP ? "LHLO" : "HELO EHLO");
	session_reply(s, "214 2.0.0 QUIT HELP VRFY");
}

static void
cmd_vrfy(struct session *s, const struct smtp_cmd *cmd)
{
	session_reply(s, "252 2.5.0 Cannot VRFY user; try RCPT to attempt delivery");
}

static void
cmd_unsupported(struct session *s, const struct smtp_cmd *cmd)
{
	session_reply(s, "502 5.5.1 Error: command not implemented");
	bad_command(s);
}

static void
cmd_helo(struct session *s, const struct smtp_cmd *cmd)
{
	cmd_hello(s, cmd, cmd->verb != SMTP_HELO);
}

static const struct {
	enum smtp_verb verb;
	void (*handle)(struct session *, const struct smtp_cmd *);
} commands[] = {
	{ SMTP_HELO, cmd_helo }, { SMTP_EHLO, cmd_helo },
	{ SMTP_LHLO, cmd_helo }, { SMTP_MAIL, cmd_mail },
	{ SMTP_RCPT, cmd_rcpt }, { SMTP_DATA, cmd_data },
	{ SMTP_RSET, cmd_rset }, { SMTP_NOOP, cmd_noop },
	{ SMTP_QUIT, cmd_quit }, { SMTP_HELP, cmd_help },
	{ SMTP_VRFY, cmd_vrfy }, { SMTP_EXPN, cmd_unsupported },
	{ SMTP_STARTTLS, cmd_starttls }, { SMTP_AUTH, cmd_unsupported },
	{ SMTP_BDAT, cmd_unsupported },
};

static void
session_command(struct session *s, char *line)
{
	struct smtp_cmd cmd;

	smtp_cmd_parse(line, &cmd);
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
		if (commands[i].verb == cmd.verb) {
			commands[i].handle(s, &cmd);
			return;
		}
	}
	session_reply(s, "500 5.5.2 Error: command not recognized");
	bad_command(s);
}

/* ---- message data ---- */

/* Our trace header (RFC 5321 4.4), the only bytes kringd adds. */
static void
received_header(struct session *s, GByteArray *out)
{
	char date[64], tls[160], *line;
	time_t now = time(NULL);
	struct tm tm;
	/* RFC 3848: an S for a session under TLS. */
	const char *with = s->proto == PROTO_LMTP ? "LMTP" :
	    s->from.smtputf8 ? "UTF8SMTP" : s->esmtp ? "ESMTP" : "SMTP";

	localtime_r(&now, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S %z", &tm);
	tls_describe(s, tls, sizeof tls);
	line = g_strdup_printf("Received: from %s ([%s])%s\r\n"
	    "\tby %s (kringd) with %s%s id %s%s%s%s;\r\n\t%s\r\n",
	    s->helo, s->client, tls, s->srv->conf->hostname, with,
	    s->ssl != NULL ? "S" : "", s->queue_id,
	    s->rcpts->len == 1 ? "\r\n\tfor <" : "",
	    s->rcpts->len == 1 ? (const char *)s->rcpts->pdata[0] : "",
	    s->rcpts->len == 1 ? ">" : "", date);
	g_byte_array_append(out, (const guint8 *)line, (guint)strlen(line));
	g_free(line);
}

/* The distinct communities of the recipients, NULL-terminated; a
 * ROBOT's mail to a community is kept apart (STORE_ROBOT_COMMUNITY). */
static char **
rcpt_communities(struct session *s, bool robot, size_t *n)
{
	char **out = g_new0(char *, s->rcpt_comms->len + 1);

	*n = 0;
	for (guint i = 0; i < s->rcpt_comms->len; i++) {
		const char *c = s->rcpt_comms->pdata[i];
		bool seen = c == NULL;	/* a member command: not stored */

		if (c != NULL && robot && c[0] != '.')
			c = STORE_ROBOT_COMMUNITY;
		for (size_t j = 0; j < *n; j++)
			seen = seen || strcmp(out[j], c) == 0;
		if (!seen)
			out[(*n)++] = g_strdup(c);
	}
	return out;
}

/* Reply once (SMTP) or once per recipient (LMTP), then reset. */
static void
reply_all(struct session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
reply_all(struct session *s, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	guint n = s->proto == PROTO_LMTP ? s->rcpts->len : 1;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	for (guint i = 0; i < n; i++)
		session_reply(s, "%s", line);
}

/* Hand the message to the writer, with its ACTIONS and member commands;
 * -1 with REASON when the commands are refused. */
static int
commit_message(struct session *s, GArray *actions, char *reason, size_t rlen)
{
	struct commit_job *job = g_new0(struct commit_job, 1);

	job->actions = actions;
	if (member_requests_for(s, s->data, job, reason, rlen) != 0 ||
	    relays_for(s, s->data, job, reason, rlen) != 0) {
		commit_job_free(job);
		return -1;
	}
	job->conf = server_conf_acquire(s->srv);
	job->session = s->id;
	g_strlcpy(job->queue_id, s->queue_id, sizeof job->queue_id);
	job->raw = g_byte_array_sized_new(s->data->len + 512);
	received_header(s, job->raw);
	job->header_len = job->raw->len;
	g_byte_array_append(job->raw, s->data->data, s->data->len);
	job->sender = g_strdup(s->from.addr);
	job->time = kring_now();
	/* Robots, loops and our own return paths are kept, not sent on. */
	job->distribute = !is_bounce_address(s->from.addr) &&
	    !mail_is_robot_or_loop(s->srv->conf, (const char *)s->data->data,
	    s->data->len);
	if (!job->distribute)
		log_info("%s: from a robot or a loop: kept apart in %s, not "
		    "distributed", s->queue_id, STORE_ROBOT_COMMUNITY);
	if (s->bounces->len > 0) {
		job->bounces = s->bounces;
		s->bounces = g_array_new(FALSE, TRUE, sizeof(struct bounce_job));
	}
	job->communities = rcpt_communities(s, !job->distribute,
	    &job->ncommunities);
	job->rc = g_new0(int, job->ncommunities);
	job->res = g_new0(struct ingest_result, job->ncommunities);
	g_byte_array_unref(s->data);
	s->data = NULL;
	s->state = ST_COMMIT;
	committer_submit(s->srv->committer, job);
	return 0;
}

static void
data_finished(struct session *s)
{
	const struct limits_conf *l = &s->srv->conf->limits;
	GArray *actions;
	char reason[400];
	int decision;

	session_set_timeout(s, l->timeout_command);
	s->state = ST_CMD;
	if (s->data_too_big) {
		reply_all(s, "552 5.3.4 Error: message larger than %ld octets",
		    l->message_size);
	} else if (s->data_line_too_long) {
		reply_all(s, "500 5.5.2 Error: line longer than %ld octets",
		    l->line_length);
	} else if (s->data->len == 0) {
		reply_all(s, "554 5.6.0 Error: empty message");
	} else if ((decision = posting_decide(s, s->data, reason,
	    sizeof reason)) != POST_ACCEPT) {
		log_info("%s: refused from=<%s>: %s", s->queue_id, s->from.addr,
		    reason);
		reply_all(s, "%s %s", decision == POST_TEMPFAIL ? "451" : "550",
		    reason);
	} else if (staff_actions_for(s, s->data, &actions, reason,
	    sizeof reason) != 0) {
		reply_all(s, "%s %s", reason[0] == '4' ? "451" : "550", reason);
	} else if (commit_message(s, actions, reason, sizeof reason) == 0) {
		return;
	} else {
		log_info("%s: refused from=<%s>: %s", s->queue_id, s->from.addr,
		    reason);
		reply_all(s, "%s %s", reason[0] == '5' ? "550" : "450", reason);
	}
	transaction_reset(s);
}

/* Take one data line (with its line ending) of LEN bytes. */
static void
data_line(struct session *s, const char *line, size_t len)
{
	bool crlf = len >= 2 && line[len - 2] == '\r';

	/* Only CRLF . CRLF ends the data: a bare LF around the dot does not
	 * (the SMTP smuggling defence of current Postfix and Exim). */
	if (s->prev_crlf && len == 3 && memcmp(line, ".\r\n", 3) == 0) {
		data_finished(s);
		return;
	}
	s->prev_crlf = crlf;
	if (len > (size_t)s->srv->conf->limits.line_length)
		s->data_line_too_long = true;
	if (line[0] == '.') {	/* dot-stuffing, RFC 5321 4.5.2 */
		line++;
		len--;
	}
	if (s->data_too_big || s->data_line_too_long)
		return;
	if (s->data->len + len > (size_t)s->srv->conf->limits.message_size) {
		s->data_too_big = true;
		return;
	}
	g_byte_array_append(s->data, (const guint8 *)line, (guint)len);
}

/* The byte at POS in IN, or NUL. */
static char
byte_at(struct evbuffer *in, size_t pos)
{
	struct evbuffer_ptr p;
	char c;

	if (evbuffer_ptr_set(in, &p, pos, EVBUFFER_PTR_SET) != 0 ||
	    evbuffer_copyout_from(in, &p, &c, 1) != 1)
		return '\0';
	return c;
}

/*
 * Take the next line from IN into LINE (without its LF) when it is at
 * most MAX bytes.  Returns 1 with a line, 0 when more input is needed,
 * -1 when the line is over MAX (it is dropped up to its LF).
 */
static int
next_line(struct session *s, struct evbuffer *in, size_t max, char **line,
    size_t *len)
{
	struct evbuffer_ptr eol = evbuffer_search_eol(in, NULL, NULL,
	    EVBUFFER_EOL_LF);

	if (eol.pos < 0) {
		size_t have = evbuffer_get_length(in);

		if (have <= max)
			return 0;
		/* Over-long and still no end: drop what there is, keeping
		 * whether it ended in CR (its LF may come next). */
		s->dropped_cr = byte_at(in, have - 1) == '\r';
		evbuffer_drain(in, have);
		s->skip_to_eol = true;
		return -1;
	}
	if (s->skip_to_eol || (size_t)eol.pos + 1 > max) {
		if (eol.pos > 0)
			s->dropped_cr = byte_at(in, (size_t)eol.pos - 1) == '\r';
		s->dropped_crlf = s->dropped_cr;
		evbuffer_drain(in, (size_t)eol.pos + 1);
		s->skip_to_eol = false;
		return -1;
	}
	*len = (size_t)eol.pos + 1;
	*line = (char *)evbuffer_pullup(in, (ev_ssize_t)*len);
	return 1;
}

static void
process_command_line(struct session *s, struct evbuffer *in)
{
	char *line, buf[CMD_LINE_MAX + 2];
	size_t len;
	int r = next_line(s, in, CMD_LINE_MAX, &line, &len);

	if (r == 0)
		return;
	if (r < 0) {
		if (!s->skip_to_eol) {
			session_reply(s, "500 5.5.2 Error: line too long");
			bad_command(s);
		}
		return;
	}
	memcpy(buf, line, len);
	evbuffer_drain(in, len);
	/* Accept CRLF and bare LF alike at the end of a command. */
	buf[--len] = '\0';
	if (len > 0 && buf[len - 1] == '\r')
		buf[--len] = '\0';
	if (memchr(buf, '\0', len) != NULL) {
		session_reply(s, "500 5.5.2 Error: NUL in command");
		bad_command(s);
		return;
	}
	session_command(s, buf);
}

static void
process_data_line(struct session *s, struct evbuffer *in)
{
	size_t max = (size_t)s->srv->conf->limits.line_length;
	char *line;
	size_t len;
	int r = next_line(s, in, max, &line, &len);

	if (r < 0) {
		/* The message is refused; a dot ends it only after CRLF. */
		s->data_line_too_long = true;
		s->prev_crlf = s->dropped_crlf;
		return;
	}
	if (r == 1) {
		data_line(s, line, len);
		evbuffer_drain(in, len);
	}
}

/* Handle every complete line in the input (PIPELINING), then send the
 * replies in one write. */
void
session_process(struct session *s)
{
	size_t had = evbuffer_get_length(s->in);

	for (;;) {
		size_t before = evbuffer_get_length(s->in);
		enum state was = s->state;

		if (s->state == ST_CMD)
			process_command_line(s, s->in);
		else if (s->state == ST_DATA)
			process_data_line(s, s->in);
		else
			break;
		if (s->state == ST_CLOSING)
			break;
		if (evbuffer_get_length(s->in) == before && s->state == was)
			break;	/* need more input */
		if (evbuffer_get_length(s->out) > SESSION_OUTPUT_MAX)
			break;	/* on_write comes back for the rest */
	}
	/* Lines taken (or an over-long one dropped): the timer starts again. */
	if (evbuffer_get_length(s->in) < had)
		session_progress(s);
	if (s->state != ST_CLOSING && s->state != ST_COMMIT &&
	    evbuffer_get_length(s->out) <= SESSION_OUTPUT_MAX)
		session_resume(s);
	session_flush(s);	/* may free S */
}

void
session_release(struct session *s)
{
	g_ptr_array_free(s->rcpts, TRUE);
	g_ptr_array_free(s->rcpt_comms, TRUE);
	g_ptr_array_free(s->rcpt_cmds, TRUE);
	g_ptr_array_free(s->rcpt_cmd_comms, TRUE);
	g_array_unref(s->bounces);
	g_array_unref(s->relays);
	if (s->data != NULL)
		g_byte_array_unref(s->data);
}

void
session_commit_done(struct server *srv, struct commit_job *job)
{
	struct session *s = g_hash_table_lookup(srv->sessions, &job->session);
	int failed = 0;

	for (size_t i = 0; i < job->ncommunities; i++) {
		struct ingest_result *r = &job->res[i];

		if (job->rc[i] != 0) {
			failed = job->rc[i];
			log_warnx("%s: not stored in %s: %s", job->queue_id,
			    job->communities[i], mdb_strerror(job->rc[i]));
			continue;
		}
		if (r->held != 0) {
			log_info("%s: held id=%llu for a moderator from=<%s> "
			    "size=%u community=%s", job->queue_id,
			    (unsigned long long)r->held, job->sender,
			    job->raw->len, job->communities[i]);
			continue;
		}
		log_info("%s: %s id=%llu message-id=<%s> size=%u thread=%llu "
		    "community=%s", job->queue_id, r->duplicate ? "duplicate" :
		    "stored", (unsigned long long)r->msg_id, r->message_id,
		    job->raw->len, (unsigned long long)r->thread,
		    job->communities[i]);
	}
	if (failed == 0) {
		member_requests_log(job);
		bounces_log(job);
		relays_log(job);
	}
	if (s == NULL)
		return;
	if (failed == MDB_MAP_FULL || failed == ENOSPC)
		reply_all(s, "452 4.3.1 Error: insufficient storage, try later");
	else if (failed != 0)
		reply_all(s, "451 4.3.0 Error: store failure, try later");
	else
		reply_all(s, "250 2.0.0 Ok: queued as %s", job->queue_id);
	transaction_reset(s);
	s->state = ST_CMD;
	if (srv->stopping) {
		/* SIGTERM came while this message was stored: give the
		 * client a moment for its QUIT, then say goodbye. */
		session_set_timeout(s, 1);
	}
	/* Commands pipelined after the dot may already be waiting. */
	session_process(s);
}
