/*
 * test-tool: unit tests of libkring, printing TAP (git's t/helper style).
 *
 *   test-tool [all]            every group below as one TAP stream
 *   test-tool GROUP...         only these groups: smtp subject body mbox
 *                              idkey msginfo config thread order
 *   test-tool check-store DIR  check the invariants of the store at DIR
 *                              (threads, nodes, children, counts); prints
 *                              each problem, exits 1 when there is one
 *   test-tool hold-store DIR   take the store's write lock, print "held",
 *                              and keep it until stdin ends: a writer
 *                              other processes must wait for
 *
 * Scratch stores are made with mkdtemp under $TMPDIR (the test script's
 * trash folder) and removed again.  Exit status 1 when any test failed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include <lmdb.h>

#include "kring/config.h"
#include "kring/ingest.h"
#include "kring/mbox.h"
#include "kring/msginfo.h"
#include "kring/smtp.h"
#include "kring/store.h"
#include "kring/thread.h"
#include "kring/util.h"
#include "tap.h"

#define IDKEY_BUF (KRING_IDKEY_MAX + 65)
#define COMMUNITY "kring"



/* Show two multi-line texts one after the other when they differ. */
static void
diag_texts(const char *label1, const char *t1, const char *label2,
    const char *t2)
{
	diag("%s:\n%s", label1, t1);
	diag("%s:\n%s", label2, t2);
}

/* --------------------------------------------------------------- SMTP */

static const char *
verb_name(enum smtp_verb v)
{
	static const char *const names[] = {
		"UNKNOWN", "HELO", "EHLO", "LHLO", "MAIL", "RCPT", "DATA",
		"RSET", "NOOP", "QUIT", "HELP", "VRFY", "EXPN", "STARTTLS",
		"AUTH", "BDAT",
	};

	return (size_t)v < G_N_ELEMENTS(names) ? names[v] : "?";
}

static const char *
path_err_name(enum smtp_path_err e)
{
	switch (e) {
	case PATH_OK: return "OK";
	case PATH_SYNTAX: return "SYNTAX";
	case PATH_TOO_LONG: return "TOO_LONG";
	case PATH_BAD_PARAM: return "BAD_PARAM";
	}
	return "?";
}

static void
test_smtp_cmd(void)
{
	static const struct {
		const char *line;
		enum smtp_verb verb;
		const char *arg;
	} cases[] = {
		{ "MAIL FROM:<anna@example.net>", SMTP_MAIL, "FROM:<anna@example.net>" },
		{ "mail FROM:<anna@example.net>", SMTP_MAIL, "FROM:<anna@example.net>" },
		{ "Rcpt TO:<kring@example.org>", SMTP_RCPT, "TO:<kring@example.org>" },
		{ "EHLO client.example", SMTP_EHLO, "client.example" },
		{ "HELO client.example", SMTP_HELO, "client.example" },
		{ "LHLO mx.example", SMTP_LHLO, "mx.example" },
		{ "DATA", SMTP_DATA, "" },
		{ "RSET", SMTP_RSET, "" },
		{ "NOOP hello   ", SMTP_NOOP, "hello" },
		{ "QUIT \t", SMTP_QUIT, "" },
		{ "HELP", SMTP_HELP, "" },
		{ "VRFY anna", SMTP_VRFY, "anna" },
		{ "EXPN list", SMTP_EXPN, "list" },
		{ "STARTTLS", SMTP_STARTTLS, "" },
		{ "AUTH PLAIN", SMTP_AUTH, "PLAIN" },
		{ "BDAT 100 LAST", SMTP_BDAT, "100 LAST" },
		{ "QUITX", SMTP_UNKNOWN, "" },
		{ "HEL x", SMTP_UNKNOWN, "x" },
		{ "", SMTP_UNKNOWN, "" },
		{ "MAILFROM:<a@b.example>", SMTP_UNKNOWN, "" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *line = g_strdup(cases[i].line);
		struct smtp_cmd cmd;

		smtp_cmd_parse(line, &cmd);
		if (is_str(verb_name(cmd.verb), verb_name(cases[i].verb),
		    "smtp_cmd_parse \"%s\": verb", cases[i].line))
			is_str(cmd.arg, cases[i].arg,
			    "smtp_cmd_parse \"%s\": argument", cases[i].line);
		g_free(line);
	}
}

static void
test_smtp_path(void)
{
	static const struct {
		const char *arg, *keyword;
		bool utf8_ok;
		enum smtp_path_err err;
		const char *addr;	/* checked when err is PATH_OK */
		long size;
		bool body_8bit, smtputf8;
	} cases[] = {
		/* good */
		{ "FROM:<anna@example.net>", "FROM", false, PATH_OK, "anna@example.net", -1, false, false },
		{ "FROM:<>", "FROM", false, PATH_OK, "", -1, false, false },
		{ "from:<anna@example.net>", "FROM", false, PATH_OK, "anna@example.net", -1, false, false },
		{ "FROM: <anna@example.net>", "FROM", false, PATH_OK, "anna@example.net", -1, false, false },
		{ "FROM:<anna@example.net> SIZE=12345", "FROM", false, PATH_OK, "anna@example.net", 12345, false, false },
		{ "FROM:<anna@example.net> SIZE=0", "FROM", false, PATH_OK, "anna@example.net", 0, false, false },
		{ "FROM:<anna@example.net> size=2147483647", "FROM", false, PATH_OK, "anna@example.net", 2147483647L, false, false },
		{ "FROM:<anna@example.net> BODY=8BITMIME", "FROM", false, PATH_OK, "anna@example.net", -1, true, false },
		{ "FROM:<anna@example.net> body=8bitmime", "FROM", false, PATH_OK, "anna@example.net", -1, true, false },
		{ "FROM:<anna@example.net> BODY=7BIT", "FROM", false, PATH_OK, "anna@example.net", -1, false, false },
		{ "FROM:<anna@example.net> SMTPUTF8", "FROM", false, PATH_OK, "anna@example.net", -1, false, true },
		{ "FROM:<anna@example.net> SIZE=100  BODY=8BITMIME SMTPUTF8", "FROM", false, PATH_OK, "anna@example.net", 100, true, true },
		{ "FROM:<j\xc3\xb6rg@example.de> SMTPUTF8", "FROM", false, PATH_OK, "j\xc3\xb6rg@example.de", -1, false, true },
		{ "TO:<kring@example.org>", "TO", false, PATH_OK, "kring@example.org", -1, false, false },
		{ "to:<Kring+Help@Example.org>", "TO", false, PATH_OK, "Kring+Help@Example.org", -1, false, false },
		{ "TO:<kring@example.org>   ", "TO", false, PATH_OK, "kring@example.org", -1, false, false },
		{ "TO:<j\xc3\xb6rg@example.de>", "TO", true, PATH_OK, "j\xc3\xb6rg@example.de", -1, false, false },
		/* source routes are dropped */
		{ "TO:<@relay.example:kring@example.org>", "TO", false, PATH_OK, "kring@example.org", -1, false, false },
		{ "FROM:<@a.example,@b.example:anna@example.net>", "FROM", false, PATH_OK, "anna@example.net", -1, false, false },
		/* bad paths */
		{ "FROM:anna@example.net", "FROM", false, PATH_SYNTAX, NULL, 0, false, false },
		{ "FROM:<anna@example.net", "FROM", false, PATH_SYNTAX, NULL, 0, false, false },
		{ "FROM<anna@example.net>", "FROM", false, PATH_SYNTAX, NULL, 0, false, false },
		{ "FROM:<anna@example.net>x", "FROM", false, PATH_SYNTAX, NULL, 0, false, false },
		{ "FROM:<annaexample.net>", "FROM", false, PATH_SYNTAX, NULL, 0, false, false },
		{ "FROM:<anna@>", "FROM", false, PATH_SYNTAX, NULL, 0, false, false },
		{ "FROM:<an na@example.net>", "FROM", false, PATH_SYNTAX, NULL, 0, false, false },
		{ "FROM:<anna@exa,mple.net>", "FROM", false, PATH_SYNTAX, NULL, 0, false, false },
		{ "FROM:<@relay.example anna@example.net>", "FROM", false, PATH_SYNTAX, NULL, 0, false, false },
		{ "TO:<kring@example.org>", "FROM", false, PATH_SYNTAX, NULL, 0, false, false },
		{ "FROM:<anna@example.net>", "TO", false, PATH_SYNTAX, NULL, 0, false, false },
		{ "", "FROM", false, PATH_SYNTAX, NULL, 0, false, false },
		{ "FROM:", "FROM", false, PATH_SYNTAX, NULL, 0, false, false },
		{ "FROM:<j\xc3\xb6rg@example.de>", "FROM", false, PATH_SYNTAX, NULL, 0, false, false },
		{ "TO:<j\xc3\xb6rg@example.de>", "TO", false, PATH_SYNTAX, NULL, 0, false, false },
		/* bad parameters */
		{ "FROM:<anna@example.net> SIZE=abc", "FROM", false, PATH_BAD_PARAM, NULL, 0, false, false },
		{ "FROM:<anna@example.net> SIZE", "FROM", false, PATH_BAD_PARAM, NULL, 0, false, false },
		{ "FROM:<anna@example.net> SIZE=-5", "FROM", false, PATH_BAD_PARAM, NULL, 0, false, false },
		{ "FROM:<anna@example.net> SIZE=99999999999", "FROM", false, PATH_BAD_PARAM, NULL, 0, false, false },
		{ "FROM:<anna@example.net> BODY=BINARYMIME", "FROM", false, PATH_BAD_PARAM, NULL, 0, false, false },
		{ "FROM:<anna@example.net> BODY", "FROM", false, PATH_BAD_PARAM, NULL, 0, false, false },
		{ "FROM:<anna@example.net> SMTPUTF8=yes", "FROM", false, PATH_BAD_PARAM, NULL, 0, false, false },
		{ "FROM:<anna@example.net> AUTH=<>", "FROM", false, PATH_BAD_PARAM, NULL, 0, false, false },
		/* RCPT takes no parameters */
		{ "TO:<kring@example.org> NOTIFY=NEVER", "TO", false, PATH_BAD_PARAM, NULL, 0, false, false },
		{ "TO:<kring@example.org> SIZE=10", "TO", false, PATH_BAD_PARAM, NULL, 0, false, false },
		{ "TO:<kring@example.org> ORCPT=rfc822;kring@example.org", "TO", false, PATH_BAD_PARAM, NULL, 0, false, false },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct smtp_path p;
		enum smtp_path_err e = smtp_path_parse(cases[i].arg,
		    cases[i].keyword, cases[i].utf8_ok, &p);

		if (!is_str(path_err_name(e), path_err_name(cases[i].err),
		    "smtp_path_parse %s \"%s\"%s", cases[i].keyword,
		    cases[i].arg, cases[i].utf8_ok ? " (utf8 ok)" : ""))
			continue;
		if (e != PATH_OK)
			continue;
		ok(strcmp(p.addr, cases[i].addr) == 0 &&
		    p.size == cases[i].size &&
		    p.body_8bit == cases[i].body_8bit &&
		    p.smtputf8 == cases[i].smtputf8,
		    "smtp_path_parse \"%s\": address and parameters",
		    cases[i].arg);
		if (strcmp(p.addr, cases[i].addr) != 0 || p.size != cases[i].size)
			diag("addr \"%s\" size %ld body8 %d utf8 %d", p.addr,
			    p.size, p.body_8bit, p.smtputf8);
	}
}

/* Paths at and over SMTP_PATH_MAX, and a parameter string too long. */
static void
test_smtp_limits(void)
{
	GString *addr = g_string_new(NULL), *arg = g_string_new(NULL);
	struct smtp_path p;
	enum smtp_path_err e;

	/* local part so that local@example.org is exactly SMTP_PATH_MAX */
	g_string_append_c(addr, 'a');
	while (addr->len + strlen("@example.org") < SMTP_PATH_MAX)
		g_string_append_c(addr, 'a');
	g_string_append(addr, "@example.org");
	g_string_printf(arg, "FROM:<%s>", addr->str);
	e = smtp_path_parse(arg->str, "FROM", false, &p);
	if (is_str(path_err_name(e), "OK", "smtp_path_parse: a path of "
	    "exactly %d octets is accepted", SMTP_PATH_MAX))
		is_long((long long)strlen(p.addr), SMTP_PATH_MAX,
		    "smtp_path_parse: ... and kept whole");
	g_string_printf(arg, "FROM:<a%s>", addr->str);
	e = smtp_path_parse(arg->str, "FROM", false, &p);
	is_str(path_err_name(e), "TOO_LONG", "smtp_path_parse: %d octets "
	    "is too long", SMTP_PATH_MAX + 1);
	g_string_printf(arg, "TO:<@relay.example:a%s>", addr->str);
	e = smtp_path_parse(arg->str, "TO", false, &p);
	is_str(path_err_name(e), "TOO_LONG", "smtp_path_parse: too long "
	    "after a source route too");
	g_string_printf(arg, "TO:<@relay.example:%s>", addr->str);
	e = smtp_path_parse(arg->str, "TO", false, &p);
	is_str(path_err_name(e), "OK", "smtp_path_parse: a route does not "
	    "count towards the limit");
	g_string_printf(arg, "FROM:<anna@example.net>");
	for (int i = 0; i < 100; i++)
		g_string_append(arg, " SIZE=1");
	e = smtp_path_parse(arg->str, "FROM", false, &p);
	is_str(path_err_name(e), "BAD_PARAM", "smtp_path_parse: %zu octets "
	    "of parameters are refused", arg->len - 23);
	g_string_free(addr, TRUE);
	g_string_free(arg, TRUE);

	ok(smtp_addr_valid("anna@example.net") && !smtp_addr_valid("anna") &&
	    !smtp_addr_valid("@example.net") && !smtp_addr_valid("anna@") &&
	    !smtp_addr_valid("an na@example.net") &&
	    !smtp_addr_valid("anna@example.net>"),
	    "smtp_addr_valid: local@domain only");
}

/* ------------------------------------------------------------ subjects */

static void
test_subject(void)
{
	static const char *const replies[] = {
		"Re: x", "RE: x", "re:x", "Re:  x", "Re[2]: x", "Re : x",
		"AW: x", "Aw: x", "Antw: x", "SV: x", "Sv: x", "Fwd: x",
		"FWD: x", "Fw: x", "[kring] Re: x", "  Re: x", "Re: Re: x",
		"[kring] AW: x", "Fwd: [kring] x",
	};
	static const char *const not_replies[] = {
		"Hello", "", "Re", "Re x", "Reply: x", "Regarding: x",
		"Ad: x", "[kring] Hello", "Fwd x", "Aware: x", "Svar x",
		"Hello Re: x", "[Re: x]",
	};
	static const struct {
		const char *subject, *base;
	} bases[] = {
		{ "Hello World", "hello world" },
		{ "Re: Hello World", "hello world" },
		{ "RE: Re: AW:  Hello   World  ", "hello world" },
		{ "Re:Re:Hello", "hello" },
		{ "[kring] Re: Hello", "hello" },
		{ "Re: [kring] Hello", "hello" },
		{ "[kring] Hello", "hello" },
		{ "Re[3]: Hello", "hello" },
		{ "Antw: SV: Fwd: Hello", "hello" },
		{ "Fwd: Hello (fwd)", "hello" },
		{ "Hello (fwd)", "hello" },
		{ "\tHello\t\tthere\t", "hello there" },
		{ "", "" },
		{ "   ", "" },
		{ "Re:", "" },
		{ "Re: Re: ", "" },
		{ "[kring] Re:", "" },
	};
	/* A reply's base subject is the original's, however the prefix and
	 * the list tag are put together (Mailman moves its tag in front of
	 * the "Re:"). */
	static const struct {
		const char *original, *reply;
	} pairs[] = {
		{ "Hello", "Re: Hello" },
		{ "Hello", "AW: Re: Hello" },
		{ "[kring] Hello", "Re: [kring] Hello" },
		{ "[kring] Hello", "[kring] Re: Hello" },
		{ "[PATCH] fix the build", "Re: [PATCH] fix the build" },
		{ "[kring] [PATCH] fix the build", "Re: [kring] [PATCH] fix the build" },
		{ "[kring] [PATCH] fix the build", "[kring] Re: [PATCH] fix the build" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(replies); i++)
		ok(subject_is_reply(replies[i]), "subject_is_reply \"%s\"",
		    replies[i]);
	for (size_t i = 0; i < G_N_ELEMENTS(not_replies); i++)
		ok(!subject_is_reply(not_replies[i]),
		    "!subject_is_reply \"%s\"", not_replies[i]);
	for (size_t i = 0; i < G_N_ELEMENTS(bases); i++) {
		char *b = subject_base(bases[i].subject);

		is_str(b, bases[i].base, "subject_base \"%s\"",
		    bases[i].subject);
		g_free(b);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(pairs); i++) {
		char *a = subject_base(pairs[i].original);
		char *b = subject_base(pairs[i].reply);

		is_str(b, a, "subject_base: \"%s\" has the base of \"%s\"",
		    pairs[i].reply, pairs[i].original);
		g_free(a);
		g_free(b);
	}
}

/* --------------------------------------------------------- body offset */

static void
test_body_offset(void)
{
	static const struct {
		const char *raw;
		size_t want;
		const char *what;
	} cases[] = {
		{ "Subject: x\n\nbody\n", 12, "LF header" },
		{ "Subject: x\r\n\r\nbody\r\n", 14, "CRLF header" },
		{ "A: 1\nB: 2\n\n", 11, "empty body" },
		{ "Subject: x\n", 11, "no empty line: all header" },
		{ "Subject: x", 10, "no newline at all" },
		{ "\nbody\n", 1, "starts with an empty line: no header" },
		{ "\r\nbody\r\n", 2, "starts with CRLF: no header" },
		{ "", 0, "empty message" },
		{ "A: 1\n\r\nbody", 7, "LF then CRLF empty line" },
		{ "A: 1\n \nB: 2\n\nbody", 13, "a line of one space is not empty" },
		{ "A: 1\n\n\nbody", 6, "first empty line only" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
		is_long((long long)msg_body_offset(cases[i].raw,
		    strlen(cases[i].raw)), (long long)cases[i].want,
		    "msg_body_offset: %s", cases[i].what);
	/* Only LEN bytes are looked at. */
	is_long((long long)msg_body_offset("A: 1\n\nbody", 4), 4,
	    "msg_body_offset: stops at LEN");
}

/* ---------------------------------------------------------------- mbox */

struct mbox_want {
	const char *msg;
	int64_t time;
};

static void
check_mbox(const char *what, const char *data, size_t len,
    const struct mbox_want *want, size_t nwant)
{
	struct mbox_reader r;
	GByteArray *buf = g_byte_array_new();
	size_t n = 0;
	int64_t t;
	bool good = true;

	mbox_reader_init(&r, data, len);
	while (mbox_next(&r, buf, &t) == 1) {
		char *got = g_strndup((const char *)buf->data, buf->len);

		if (n >= nwant) {
			diag("extra message %zu: \"%s\"", n + 1, got);
			good = false;
		} else if (strcmp(got, want[n].msg) != 0 ||
		    buf->len != strlen(want[n].msg) || t != want[n].time) {
			char *g = g_strescape(got, NULL);
			char *w = g_strescape(want[n].msg, NULL);

			diag("message %zu:\ngot      \"%s\" time %lld\n"
			    "expected \"%s\" time %lld", n + 1, g,
			    (long long)t, w, (long long)want[n].time);
			g_free(g);
			g_free(w);
			good = false;
		}
		g_free(got);
		n++;
		if (n > nwant + 5)
			break;	/* not making progress */
	}
	if (n != nwant)
		diag("%zu messages, expected %zu", n, nwant);
	ok(good && n == nwant, "mbox: %s", what);
	g_byte_array_unref(buf);
}

static void
test_mbox(void)
{
	static const char two[] =
	    "From anna@example.net  Fri Feb 22 17:06:23 2008\n"
	    "Subject: one\n\nbody one\n>From the start\n>>From quoted\n"
	    ">Fromage is not escaped\n\n"
	    "From bert@example.net Sat Feb 23 00:00:00 2008\n"
	    "Subject: two\n\nbody two\n";
	static const struct mbox_want two_want[] = {
		{ "Subject: one\n\nbody one\nFrom the start\n>From quoted\n"
		  ">Fromage is not escaped\n", 1203699983 },
		{ "Subject: two\n\nbody two\n", 1203724800 },
	};
	static const char crlf[] =
	    "From anna@example.net  Fri Feb 22 17:06:23 2008\r\n"
	    "Subject: one\r\n\r\nbody one\r\n>From the start\r\n\r\n"
	    "From bert@example.net Fri Feb  1 09:05:00 2008\r\n"
	    "Subject: two\r\n\r\nbody two\r\n";
	static const struct mbox_want crlf_want[] = {
		{ "Subject: one\r\n\r\nbody one\r\nFrom the start\r\n",
		  1203699983 },
		{ "Subject: two\r\n\r\nbody two\r\n", 1201856700 },
	};
	static const char inner[] =
	    "From anna@example.net Fri Feb 22 17:06:23 2008\n"
	    "Subject: one\n\nbody\nFrom here on, not a separator\n";
	static const struct mbox_want inner_want[] = {
		{ "Subject: one\n\nbody\nFrom here on, not a separator\n",
		  1203699983 },
	};
	static const char nodate[] =
	    "From MAILER-DAEMON\nSubject: a\n\nx\n\n"
	    "From someone not a date at all\nSubject: b\n\ny\n";
	static const struct mbox_want nodate_want[] = {
		{ "Subject: a\n\nx\n", 0 },
		{ "Subject: b\n\ny\n", 0 },
	};
	static const char plain[] = "Subject: not an mbox\n\nbody\n";
	static const struct mbox_want plain_want[] = {
		{ "Subject: not an mbox\n\nbody\n", 0 },
	};
	static const char noeol[] =
	    "From a@b Fri Feb 22 17:06:23 2008\nSubject: x\n\nlast line";
	static const struct mbox_want noeol_want[] = {
		{ "Subject: x\n\nlast line", 1203699983 },
	};

	check_mbox("two messages, From_ dates, >From un-escaped (mboxrd)",
	    two, sizeof two - 1, two_want, G_N_ELEMENTS(two_want));
	check_mbox("CRLF file", crlf, sizeof crlf - 1, crlf_want,
	    G_N_ELEMENTS(crlf_want));
	check_mbox("\"From \" not after an empty line is body", inner,
	    sizeof inner - 1, inner_want, G_N_ELEMENTS(inner_want));
	check_mbox("From_ lines without a date give time 0", nodate,
	    sizeof nodate - 1, nodate_want, G_N_ELEMENTS(nodate_want));
	check_mbox("data without a From_ line is one message", plain,
	    sizeof plain - 1, plain_want, G_N_ELEMENTS(plain_want));
	check_mbox("last line without a newline", noeol, sizeof noeol - 1,
	    noeol_want, G_N_ELEMENTS(noeol_want));
	check_mbox("empty file: no message", "", 0, NULL, 0);
	ok(mbox_looks_like(two, sizeof two - 1) &&
	    !mbox_looks_like(plain, sizeof plain - 1) &&
	    !mbox_looks_like("From", 4) && !mbox_looks_like("", 0),
	    "mbox_looks_like: \"From \" at the start only");
}

/* --------------------------------------------------------------- idkey */

static void
test_idkey(void)
{
	char key[IDKEY_BUF], key2[IDKEY_BUF];
	GString *id = g_string_new(NULL);
	gchar *sum;
	size_t n;

	n = store_idkey("anna.1@example.net", key);
	ok(n == 18 && strcmp(key, "anna.1@example.net") == 0,
	    "store_idkey: a short id is its own key");
	while (id->len < KRING_IDKEY_MAX - 12)
		g_string_append_c(id, 'x');
	g_string_append(id, "@example.net");
	n = store_idkey(id->str, key);
	ok(n == KRING_IDKEY_MAX && strcmp(key, id->str) == 0,
	    "store_idkey: %d octets are kept as they are", KRING_IDKEY_MAX);
	g_string_prepend_c(id, 'y');
	n = store_idkey(id->str, key);
	sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, id->str, -1);
	ok(n == 65 && key[0] == '#' && strcmp(key + 1, sum) == 0,
	    "store_idkey: %d octets become '#' and the SHA-256 in hex",
	    KRING_IDKEY_MAX + 1);
	g_free(sum);
	g_string_prepend_c(id, 'z');
	store_idkey(id->str, key2);
	ok(strcmp(key, key2) != 0 && store_idkey(id->str, key) == 65 &&
	    strcmp(key, key2) == 0,
	    "store_idkey: hashed keys differ by id and are stable");
	n = store_idkey("#abc@example.net", key);
	ok(n == 65 && key[0] == '#' && strcmp(key, "#abc@example.net") != 0,
	    "store_idkey: an id starting with '#' is hashed (no clash "
	    "with a hashed key)");
	n = store_idkey("", key);
	ok(n == 65 && key[0] == '#', "store_idkey: the empty id is hashed");
	g_string_free(id, TRUE);
}

/* ------------------------------------------------------------ msginfo */

static void
test_msginfo(void)
{
	struct msginfo mi;
	GString *raw = g_string_new(NULL);
	const char *m;

	m = "From: Anna Example <Anna@Example.NET>\n"
	    "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= aus Berlin\n"
	    "Date: Sun, 22 Nov 2026 10:00:00 +0100\n"
	    "Message-ID: <first@example.net>\n\nbody\n";
	msginfo_parse(m, strlen(m), &mi);
	ok(strcmp(mi.message_id, "first@example.net") == 0 && !mi.derived_id &&
	    mi.nrefs == 0, "msginfo: Message-ID without <>");
	is_str(mi.subject, "Gr\xc3\xbc\xc3\x9f" "e aus Berlin",
	    "msginfo: subject decoded to UTF-8");
	is_str(mi.from, "anna@example.net", "msginfo: From address in "
	    "lower case");
	ok(mi.has_date && mi.date == 1795338000, "msginfo: Date in UTC "
	    "(got %lld)", (long long)mi.date);
	msginfo_release(&mi);

	m = "Message-ID: <c@t>\nReferences: <a@t>\n <b@t>\n"
	    "In-Reply-To: <b@t>\n\n";
	msginfo_parse(m, strlen(m), &mi);
	ok(mi.nrefs == 2 && strcmp(mi.refs[0], "a@t") == 0 &&
	    strcmp(mi.refs[1], "b@t") == 0,
	    "msginfo: folded References, In-Reply-To last");
	msginfo_release(&mi);

	m = "Message-ID: <c@t>\nReferences: <b@t> <a@t>\n"
	    "In-Reply-To: <b@t>\n\n";
	msginfo_parse(m, strlen(m), &mi);
	ok(mi.nrefs == 2 && strcmp(mi.refs[1], "b@t") == 0,
	    "msginfo: In-Reply-To decides the parent over References");
	msginfo_release(&mi);

	m = "Message-ID: <c@t>\nIn-Reply-To: <a@t>; from Anna on Mon\n\n";
	msginfo_parse(m, strlen(m), &mi);
	ok(mi.nrefs == 1 && strcmp(mi.refs[0], "a@t") == 0,
	    "msginfo: In-Reply-To \"<id>; from x on date\"");
	msginfo_release(&mi);

	m = "Message-ID: <c@t>\nIn-Reply-To: <a@t> <b@t>\n\n";
	msginfo_parse(m, strlen(m), &mi);
	ok(mi.nrefs == 1 && strcmp(mi.refs[0], "a@t") == 0,
	    "msginfo: only the first id of In-Reply-To");
	msginfo_release(&mi);

	m = "Message-ID: <c@t>\nIn-Reply-To: <yes>\nReferences: <yes>\n\n";
	msginfo_parse(m, strlen(m), &mi);
	ok(mi.nrefs == 0, "msginfo: ids without '@' are ignored (<yes>)");
	msginfo_release(&mi);

	m = "Message-ID: <c@t>\nIn-Reply-To: <c@t>\nReferences: <a@t> <c@t>\n\n";
	msginfo_parse(m, strlen(m), &mi);
	ok(mi.nrefs == 1 && strcmp(mi.refs[0], "a@t") == 0,
	    "msginfo: a message does not refer to itself");
	msginfo_release(&mi);

	g_string_assign(raw, "Message-ID: <m@t>\nReferences:");
	for (int i = 1; i <= 200; i++)
		g_string_append_printf(raw, " <r%03d@t>", i);
	g_string_append(raw, "\n\nbody\n");
	msginfo_parse(raw->str, raw->len, &mi);
	ok(mi.nrefs == MSGINFO_MAX_REFS && strcmp(mi.refs[0], "r073@t") == 0 &&
	    strcmp(mi.refs[MSGINFO_MAX_REFS - 1], "r200@t") == 0,
	    "msginfo: of 200 References the newest %d are kept",
	    MSGINFO_MAX_REFS);
	msginfo_release(&mi);

	m = "From: a@example.net\nSubject: no id\n\nbody\n";
	msginfo_parse(m, strlen(m), &mi);
	ok(mi.derived_id && g_str_has_suffix(mi.message_id,
	    "@derived.kring.invalid") && strlen(mi.message_id) == 32 + 22,
	    "msginfo: a missing Message-ID is derived (%s)", mi.message_id);
	msginfo_release(&mi);

	m = "\x01\x02 garbage\n:::\nSubject\n\n";
	msginfo_parse(m, strlen(m), &mi);
	ok(mi.derived_id && mi.subject != NULL && mi.from != NULL,
	    "msginfo: garbage header does not fail");
	msginfo_release(&mi);

	msginfo_parse("", 0, &mi);
	ok(mi.derived_id && mi.subject[0] == '\0',
	    "msginfo: the empty message has a derived id");
	msginfo_release(&mi);
	g_string_free(raw, TRUE);
}

/* -------------------------------------------------------------- config */

static char *scratch_base;	/* $TMPDIR or /tmp */

static char *
write_file(const char *dir, const char *name, const char *text)
{
	char *path = g_build_filename(dir, name, NULL);
	GError *error = NULL;

	if (!g_file_set_contents(path, text, -1, &error)) {
		diag("%s: %s", path, error->message);
		g_error_free(error);
	}
	return path;
}

/* True when ERR is "PATH:N: ..." (with N the line when LINE > 0). */
static bool
err_names_line(const char *err, const char *path, int line)
{
	size_t plen = strlen(path);
	const char *p = err + plen + 1;
	char *end;
	long n;

	if (strncmp(err, path, plen) != 0 || err[plen] != ':' ||
	    !g_ascii_isdigit(*p))
		return false;
	n = strtol(p, &end, 10);
	return *end == ':' && (line <= 0 || n == line);
}

static void
test_config(void)
{
	static const struct {
		const char *what, *text;
		int line;	/* expected in the message, 0: any */
	} bad[] = {
		{ "a syntax error", "hostname = \"x\"\n\nstore = = \"y\"\n", 3 },
		{ "an unknown option", "hostname = \"x\"\nbogus = 1\n", 2 },
		{ "a bad listen address",
		  "hostname = \"x\"\nlisten = { \"nohostport\" }\n", 2 },
		{ "a bad listen protocol",
		  "listen = {\n \"127.0.0.1:25/pop3\"\n}\n", 0 },
		{ "a negative limit",
		  "limits {\n message_size = 1000\n recipients = -1\n}\n", 3 },
		{ "map_size_mb 0", "\n\nmap_size_mb = 0\n", 3 },
		{ "a community without address",
		  "\ncommunity \"k\" {\n description = \"x\"\n}\n", 0 },
		{ "a community address with '+'",
		  "community \"k\" { address = \"k+x@example.org\" }\n", 0 },
		{ "a community address without '@'",
		  "community \"k\" { address = \"nowhere\" }\n", 0 },
		{ "a community named twice",
		  "community \"k\" { address = \"k@example.org\" }\n"
		  "community \"k\" { address = \"l@example.org\" }\n", 0 },
		{ "an unterminated string", "hostname = \"x\n", 0 },
		{ "line_length under 80",
		  "hostname = \"x\"\nlimits {\n line_length = 50\n}\n", 0 },
		{ "more than 16 listen addresses",
		  "listen = { \"h:1\", \"h:2\", \"h:3\", \"h:4\", \"h:5\", "
		  "\"h:6\", \"h:7\", \"h:8\", \"h:9\", \"h:10\", \"h:11\", "
		  "\"h:12\", \"h:13\", \"h:14\", \"h:15\", \"h:16\", "
		  "\"h:17\" }\n", 0 },
	};
	static const char good[] =
	    "# a comment\n"
	    "hostname = \"kring.test\"\n"
	    "store = \"s\"\n"
	    "listen = { \"127.0.0.1:2525\", \"[::1]:24/lmtp\" }\n"
	    "limits {\n message_size = 1000\n line_length = 100\n}\n"
	    "community \"kring\" { address = \"Kring@Example.ORG\" "
	    "description = \"d\" }\n"
	    "community \"bank\" { address = \"leden@bank.example\" }\n";
	struct kring_config conf;
	char err[1024];
	char *dir = g_build_filename(scratch_base, "config-XXXXXX", NULL);
	char *path;

	if (mkdtemp(dir) == NULL) {
		ok(false, "config: mkdtemp %s: %s", dir, strerror(errno));
		g_free(dir);
		return;
	}
	path = write_file(dir, "good.conf", good);
	if (is_long(config_load(path, &conf, err, sizeof err), 0,
	    "config_load: a good file loads")) {
		ok(strcmp(conf.hostname, "kring.test") == 0 &&
		    strcmp(conf.store, "s") == 0, "config: hostname, store");
		ok(conf.nlisteners == 2 &&
		    strcmp(conf.listeners[0].host, "127.0.0.1") == 0 &&
		    strcmp(conf.listeners[0].port, "2525") == 0 &&
		    conf.listeners[0].proto == PROTO_SMTP &&
		    strcmp(conf.listeners[1].host, "::1") == 0 &&
		    strcmp(conf.listeners[1].port, "24") == 0 &&
		    conf.listeners[1].proto == PROTO_LMTP,
		    "config: listen addresses");
		ok(conf.limits.message_size == 1000 &&
		    conf.limits.line_length == 100 &&
		    conf.limits.recipients == 100,
		    "config: limits, with defaults for the rest");
		ok(conf.ncommunities == 2 &&
		    strcmp(conf.communities[0].name, "kring") == 0 &&
		    strcmp(conf.communities[0].local, "kring") == 0 &&
		    strcmp(conf.communities[0].domain, "example.org") == 0 &&
		    strcmp(conf.communities[0].description, "d") == 0,
		    "config: communities, address in lower case");
		ok(config_match_rcpt(&conf, "KRING+help@example.ORG") ==
		    &conf.communities[0] &&
		    config_match_rcpt(&conf, "leden@bank.example") ==
		    &conf.communities[1] &&
		    config_match_rcpt(&conf, "other@example.org") == NULL &&
		    config_match_rcpt(&conf, "kring") == NULL,
		    "config_match_rcpt: sub-addresses, case");
		ok(config_community(&conf, NULL) == &conf.communities[0] &&
		    config_community(&conf, "bank") == &conf.communities[1] &&
		    config_community(&conf, "nope") == NULL,
		    "config_community");
		config_free(&conf);
	} else
		diag("%s", err);
	unlink(path);
	g_free(path);

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		char *name = g_strdup_printf("bad%zu.conf", i);
		int rc;

		path = write_file(dir, name, bad[i].text);
		rc = config_load(path, &conf, err, sizeof err);
		if (is_long(rc, -1, "config_load refuses %s", bad[i].what)) {
			char at[32] = "";

			if (bad[i].line > 0)
				snprintf(at, sizeof at, " %d", bad[i].line);
			if (!ok(err_names_line(err, path, bad[i].line),
			    "config_load: the error for %s names the file "
			    "and line%s", bad[i].what, at))
				diag("message: %s", err);
		} else
			config_free(&conf);
		unlink(path);
		g_free(path);
		g_free(name);
	}
	path = g_build_filename(dir, "missing.conf", NULL);
	if (is_long(config_load(path, &conf, err, sizeof err), -1,
	    "config_load refuses a missing file"))
		ok(g_str_has_prefix(err, path), "config_load: ... naming it "
		    "(%s)", err);
	g_free(path);
	rmdir(dir);
	g_free(dir);

	config_defaults(&conf);
	ok(conf.nlisteners == 1 && strcmp(conf.listeners[0].port, "2525") == 0 &&
	    conf.ncommunities == 0 && conf.limits.line_length == 8192,
	    "config_defaults");
	config_free(&conf);
}

static void
test_listen_spec(void)
{
	static const struct {
		const char *text;
		int rc;
		const char *host, *port;
		enum listen_proto proto;
	} cases[] = {
		{ "127.0.0.1:2525", 0, "127.0.0.1", "2525", PROTO_SMTP },
		{ "localhost:25/smtp", 0, "localhost", "25", PROTO_SMTP },
		{ "mx.example:24/lmtp", 0, "mx.example", "24", PROTO_LMTP },
		{ "mx.example:24/LMTP", 0, "mx.example", "24", PROTO_LMTP },
		{ "[::1]:2525", 0, "::1", "2525", PROTO_SMTP },
		{ "[2001:db8::1]:24/lmtp", 0, "2001:db8::1", "24", PROTO_LMTP },
		{ "127.0.0.1:0", 0, "127.0.0.1", "0", PROTO_SMTP },
		{ "127.0.0.1:65535", 0, "127.0.0.1", "65535", PROTO_SMTP },
		{ "nohostport", -1, NULL, NULL, 0 },
		{ ":25", -1, NULL, NULL, 0 },
		{ "host:", -1, NULL, NULL, 0 },
		{ "host:65536", -1, NULL, NULL, 0 },
		{ "host:-1", -1, NULL, NULL, 0 },
		{ "host:abc", -1, NULL, NULL, 0 },
		{ "host:25/pop3", -1, NULL, NULL, 0 },
		{ "host:25/", -1, NULL, NULL, 0 },
		{ "[::1:25", -1, NULL, NULL, 0 },
		{ "[::1]25", -1, NULL, NULL, 0 },
		{ "[]:25", -1, NULL, NULL, 0 },
		{ "", -1, NULL, NULL, 0 },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct listen_spec spec;
		int rc = listen_spec_parse(cases[i].text, &spec);

		if (cases[i].rc != 0) {
			ok(rc == -1, "listen_spec_parse refuses \"%s\"",
			    cases[i].text);
			continue;
		}
		ok(rc == 0 && strcmp(spec.host, cases[i].host) == 0 &&
		    strcmp(spec.port, cases[i].port) == 0 &&
		    spec.proto == cases[i].proto,
		    "listen_spec_parse \"%s\"", cases[i].text);
	}
}

/* ------------------------------------------------------ scratch stores */

struct scratch {
	char *dir;
	struct store st;
	bool open;
};

static bool
scratch_open(struct scratch *s)
{
	char err[512];
	int rc;

	memset(s, 0, sizeof *s);
	s->dir = g_build_filename(scratch_base, "store-XXXXXX", NULL);
	if (mkdtemp(s->dir) == NULL) {
		diag("mkdtemp %s: %s", s->dir, strerror(errno));
		return false;
	}
	if ((rc = store_open(&s->st, s->dir, 64, false, err, sizeof err))) {
		diag("store_open: %s", err);
		return false;
	}
	/* Scratch stores need no fsync; the tests make hundreds. */
	mdb_env_set_flags(s->st.env, MDB_NOSYNC, 1);
	s->open = true;
	return true;
}

static void
scratch_close(struct scratch *s)
{
	static const char *const files[] = { "data.mdb", "lock.mdb" };

	if (s->open)
		store_close(&s->st);
	if (s->dir != NULL) {
		for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
			char *p = g_build_filename(s->dir, files[i], NULL);

			unlink(p);
			g_free(p);
		}
		rmdir(s->dir);
		g_free(s->dir);
	}
	memset(s, 0, sizeof *s);
}

static int
ingest_raw(struct scratch *s, const char *raw, size_t len, size_t header_len,
    struct ingest_result *res)
{
	MDB_txn *txn;
	int rc;

	if ((rc = store_begin(&s->st, true, &txn)) != 0)
		return rc;
	rc = ingest_message(&s->st, txn, COMMUNITY, raw, len, header_len,
	    INGEST_TIME_FROM_DATE, "", res);
	if (rc != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	return mdb_txn_commit(txn);
}

/* ---------------------------------------------------- store invariants */

#define PROBLEM(...) do { \
	if (bad++ < 30) diag(__VA_ARGS__); \
} while (0)

struct cs_thread {
	struct thread_rec rec;
	uint64_t nodes, msgs, parts;
};

static GBytes *
node_key(uint32_t comm, const void *idkey, size_t len)
{
	unsigned char *b = g_malloc(4 + len);

	be32_put(b, comm);
	memcpy(b + 4, idkey, len);
	return g_bytes_new_take(b, 4 + len);
}

static char *
printable(const void *p, size_t len)
{
	return g_strndup(p, len);
}

/*
 * Check what store.h and thread.h promise of the threading records:
 * every node in exactly the thread that lists it, parents in the same
 * thread and without loops, child entries matching parents, messages
 * and their nodes pointing at each other, per-thread and per-community
 * counts right.  Returns the number of problems (each shown with diag).
 */
static int
check_store(struct store *st)
{
	GHashTable *threads = g_hash_table_new_full(g_int64_hash,
	    g_int64_equal, g_free, g_free);
	GHashTable *members = g_hash_table_new_full(g_bytes_hash,
	    g_bytes_equal, (GDestroyNotify)g_bytes_unref, g_free);
	GHashTable *comm_msgs = g_hash_table_new_full(g_int_hash, g_int_equal,
	    g_free, g_free);
	GHashTableIter it;
	gpointer key, val;
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k, v;
	uint64_t nnodes = 0;
	int bad = 0, rc;

	if ((rc = store_begin(st, false, &txn)) != 0) {
		diag("store_begin: %s", mdb_strerror(rc));
		return 1;
	}

	/* Threads. */
	mdb_cursor_open(txn, st->dbi[DB_THREAD], &cur);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct cs_thread *t = g_new0(struct cs_thread, 1);
		gint64 *id = g_new(gint64, 1);

		if (k.mv_size != 8 || v.mv_size < sizeof t->rec) {
			PROBLEM("thread record of size %zu/%zu", k.mv_size,
			    v.mv_size);
			g_free(t);
			g_free(id);
			continue;
		}
		memcpy(&t->rec, v.mv_data, sizeof t->rec);
		*id = (gint64)be64_get(k.mv_data);
		g_hash_table_insert(threads, id, t);
	}
	mdb_cursor_close(cur);

	/* Thread membership. */
	mdb_cursor_open(txn, st->dbi[DB_THREAD_NODE], &cur);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		gint64 tid = (gint64)be64_get(k.mv_data);
		struct cs_thread *t = g_hash_table_lookup(threads, &tid);
		char *name = printable(v.mv_data, v.mv_size);
		struct node_rec node;
		char parent[IDKEY_BUF];
		size_t plen;
		GBytes *nk;

		if (t == NULL) {
			PROBLEM("thread_node: node <%s> in missing thread %lld",
			    name, (long long)tid);
			g_free(name);
			continue;
		}
		t->nodes++;
		if (thread_node_get(st, txn, t->rec.community, v.mv_data,
		    v.mv_size, &node, parent, &plen) != 0) {
			PROBLEM("thread %lld lists node <%s>, which does not "
			    "exist", (long long)tid, name);
			g_free(name);
			continue;
		}
		if ((gint64)node.thread != tid)
			PROBLEM("node <%s> is listed in thread %lld but says "
			    "thread %llu", name, (long long)tid,
			    (unsigned long long)node.thread);
		if (node.msg != 0)
			t->msgs++;
		nk = node_key(t->rec.community, v.mv_data, v.mv_size);
		if (g_hash_table_contains(members, nk)) {
			PROBLEM("node <%s> is listed in two threads", name);
			g_bytes_unref(nk);
		} else {
			gint64 *p = g_new(gint64, 1);

			*p = tid;
			g_hash_table_insert(members, nk, p);
		}
		g_free(name);
	}
	mdb_cursor_close(cur);

	/* Participants. */
	mdb_cursor_open(txn, st->dbi[DB_THREAD_PART], &cur);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		gint64 tid = (gint64)be64_get(k.mv_data);
		struct cs_thread *t = g_hash_table_lookup(threads, &tid);

		if (t == NULL)
			PROBLEM("participant of missing thread %lld",
			    (long long)tid);
		else
			t->parts++;
	}
	mdb_cursor_close(cur);

	/* Nodes: parents, children, messages. */
	mdb_cursor_open(txn, st->dbi[DB_NODE], &cur);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		uint32_t comm;
		struct node_rec node;
		const char *idkey = (const char *)k.mv_data + 4;
		size_t idlen = k.mv_size - 4, plen;
		char *name;
		GBytes *nk;
		gint64 *tid;

		if (k.mv_size < 5 || v.mv_size < sizeof node) {
			PROBLEM("node record of size %zu/%zu", k.mv_size,
			    v.mv_size);
			continue;
		}
		nnodes++;
		comm = be32_get(k.mv_data);
		memcpy(&node, v.mv_data, sizeof node);
		plen = v.mv_size - sizeof node;
		name = printable(idkey, idlen);
		nk = node_key(comm, idkey, idlen);
		tid = g_hash_table_lookup(members, nk);
		g_bytes_unref(nk);
		if (tid == NULL)
			PROBLEM("node <%s> (thread %llu) is in no thread's "
			    "node list", name, (unsigned long long)node.thread);
		else if (*tid != (gint64)node.thread)
			PROBLEM("node <%s> says thread %llu, listed in %lld",
			    name, (unsigned long long)node.thread,
			    (long long)*tid);
		if (plen > 0) {
			const char *pkey = (const char *)v.mv_data + sizeof node;
			struct node_rec pn, cn = node;
			char pp[IDKEY_BUF], cur_key[IDKEY_BUF];
			size_t pplen, cur_len;
			unsigned char ck[4 + IDKEY_BUF];
			MDB_val ckv = { 4 + plen, ck }, cv = { idlen, (void *)idkey };
			MDB_cursor *cc;
			int steps = 0;

			if (plen >= IDKEY_BUF) {
				PROBLEM("node <%s>: parent key too long", name);
				g_free(name);
				continue;
			}
			if (thread_node_get(st, txn, comm, pkey, plen, &pn, pp,
			    &pplen) != 0) {
				char *pname = printable(pkey, plen);

				PROBLEM("node <%s>: parent <%s> does not exist",
				    name, pname);
				g_free(pname);
			} else if (pn.thread != node.thread) {
				char *pname = printable(pkey, plen);

				PROBLEM("node <%s> (thread %llu): parent <%s> "
				    "is in thread %llu", name,
				    (unsigned long long)node.thread, pname,
				    (unsigned long long)pn.thread);
				g_free(pname);
			}
			be32_put(ck, comm);
			memcpy(ck + 4, pkey, plen);
			mdb_cursor_open(txn, st->dbi[DB_CHILD], &cc);
			if (mdb_cursor_get(cc, &ckv, &cv, MDB_GET_BOTH) != 0)
				PROBLEM("node <%s>: no child entry under its "
				    "parent", name);
			mdb_cursor_close(cc);
			/* Walk up: a loop never ends. */
			memcpy(cur_key, pkey, plen);
			cur_len = plen;
			while (steps++ < 100000) {
				if (thread_node_get(st, txn, comm, cur_key,
				    cur_len, &cn, pp, &pplen) != 0 || pplen == 0)
					break;
				if (pplen == idlen && memcmp(pp, idkey, idlen) == 0) {
					PROBLEM("node <%s> is its own ancestor "
					    "(a loop)", name);
					break;
				}
				memcpy(cur_key, pp, pplen);
				cur_len = pplen;
			}
			if (steps >= 100000)
				PROBLEM("node <%s>: parents do not end", name);
		}
		if (node.msg != 0) {
			struct msg_view mv;
			char mk[IDKEY_BUF];
			size_t mlen;

			if (store_msg_get(st, txn, node.msg, &mv) != 0) {
				PROBLEM("node <%s>: message %llu missing", name,
				    (unsigned long long)node.msg);
			} else {
				mlen = store_idkey(mv.message_id, mk);
				if (mlen != idlen || memcmp(mk, idkey, idlen))
					PROBLEM("node <%s>: message %llu has "
					    "id <%s>", name,
					    (unsigned long long)node.msg, mk);
				if (mv.rec.thread != node.thread)
					PROBLEM("node <%s> in thread %llu, its "
					    "message %llu in %llu", name,
					    (unsigned long long)node.thread,
					    (unsigned long long)node.msg,
					    (unsigned long long)mv.rec.thread);
				if (mv.rec.community != comm)
					PROBLEM("node <%s>: community differs",
					    name);
			}
		}
		g_free(name);
	}
	mdb_cursor_close(cur);

	/* Child entries match the parents. */
	mdb_cursor_open(txn, st->dbi[DB_CHILD], &cur);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct node_rec cn;
		char pp[IDKEY_BUF];
		size_t pplen;
		char *pname = printable((char *)k.mv_data + 4, k.mv_size - 4);
		char *cname = printable(v.mv_data, v.mv_size);

		if (thread_node_get(st, txn, be32_get(k.mv_data), v.mv_data,
		    v.mv_size, &cn, pp, &pplen) != 0)
			PROBLEM("child <%s> of <%s> does not exist", cname,
			    pname);
		else if (pplen != k.mv_size - 4 ||
		    memcmp(pp, (char *)k.mv_data + 4, pplen) != 0)
			PROBLEM("child entry <%s> under <%s>, but its parent "
			    "is <%.*s>", cname, pname, (int)pplen, pp);
		g_free(pname);
		g_free(cname);
	}
	mdb_cursor_close(cur);

	/* Messages. */
	mdb_cursor_open(txn, st->dbi[DB_MSG], &cur);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		uint64_t id = be64_get(k.mv_data);
		struct msg_view mv;
		struct node_rec node;
		char mkey[IDKEY_BUF], pp[IDKEY_BUF];
		size_t len, pplen;
		int *n;

		if (store_msg_get(st, txn, id, &mv) != 0) {
			PROBLEM("message %llu unreadable",
			    (unsigned long long)id);
			continue;
		}
		len = store_idkey(mv.message_id, mkey);
		if (thread_node_get(st, txn, mv.rec.community, mkey, len, &node,
		    pp, &pplen) != 0 || node.msg != id)
			PROBLEM("message %llu <%s> has no node of its own",
			    (unsigned long long)id, mv.message_id);
		if ((n = g_hash_table_lookup(comm_msgs,
		    &mv.rec.community)) == NULL) {
			int *c = g_new(int, 1);

			*c = (int)mv.rec.community;
			n = g_new0(int, 1);
			g_hash_table_insert(comm_msgs, c, n);
		}
		(*n)++;
	}
	mdb_cursor_close(cur);

	/* Per-thread counts and roots; threads per community. */
	GHashTable *comm_threads = g_hash_table_new_full(g_int_hash,
	    g_int_equal, g_free, g_free);
	g_hash_table_iter_init(&it, threads);
	while (g_hash_table_iter_next(&it, &key, &val)) {
		struct cs_thread *t = val;
		long long tid = *(gint64 *)key;
		struct msg_view mv;
		int *n;

		if (t->rec.nodes != t->nodes)
			PROBLEM("thread %lld: record says %llu nodes, %llu "
			    "listed", tid, (unsigned long long)t->rec.nodes,
			    (unsigned long long)t->nodes);
		if (t->rec.messages != t->msgs)
			PROBLEM("thread %lld: record says %llu messages, %llu "
			    "real nodes", tid,
			    (unsigned long long)t->rec.messages,
			    (unsigned long long)t->msgs);
		if (t->rec.participants != t->parts)
			PROBLEM("thread %lld: record says %llu participants, "
			    "%llu listed", tid,
			    (unsigned long long)t->rec.participants,
			    (unsigned long long)t->parts);
		if (t->rec.messages == 0)
			PROBLEM("thread %lld has no message", tid);
		if (t->rec.root == 0)
			PROBLEM("thread %lld has no root", tid);
		else if (store_msg_get(st, txn, t->rec.root, &mv) != 0)
			PROBLEM("thread %lld: root %llu missing", tid,
			    (unsigned long long)t->rec.root);
		else if ((long long)mv.rec.thread != tid)
			PROBLEM("thread %lld: root %llu <%s> is in thread %llu",
			    tid, (unsigned long long)t->rec.root,
			    mv.message_id, (unsigned long long)mv.rec.thread);
		if ((n = g_hash_table_lookup(comm_threads,
		    &t->rec.community)) == NULL) {
			int *c = g_new(int, 1);

			*c = (int)t->rec.community;
			n = g_new0(int, 1);
			g_hash_table_insert(comm_threads, c, n);
		}
		(*n)++;
	}
	mdb_cursor_open(txn, st->dbi[DB_COUNTS], &cur);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct count_rec c;
		int comm = (int)be32_get(k.mv_data);
		int *nt = g_hash_table_lookup(comm_threads, &comm);
		int *nm = g_hash_table_lookup(comm_msgs, &comm);

		if (v.mv_size != sizeof c) {
			PROBLEM("counts record of size %zu", v.mv_size);
			continue;
		}
		memcpy(&c, v.mv_data, sizeof c);
		if (c.threads != (uint64_t)(nt ? *nt : 0))
			PROBLEM("community %d: counts say %llu threads, there "
			    "are %d", comm, (unsigned long long)c.threads,
			    nt ? *nt : 0);
		if (c.messages != (uint64_t)(nm ? *nm : 0))
			PROBLEM("community %d: counts say %llu messages, there "
			    "are %d", comm, (unsigned long long)c.messages,
			    nm ? *nm : 0);
	}
	mdb_cursor_close(cur);

	/* Subject entries point at stored messages. */
	mdb_cursor_open(txn, st->dbi[DB_SUBJECT], &cur);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct msg_view mv;

		if (v.mv_size != 9)
			PROBLEM("subject record of size %zu", v.mv_size);
		else if (store_msg_get(st, txn, be64_get(v.mv_data), &mv) != 0)
			PROBLEM("subject entry for missing message %llu",
			    (unsigned long long)be64_get(v.mv_data));
	}
	mdb_cursor_close(cur);

	mdb_txn_abort(txn);
	if (bad > 30)
		diag("... %d problems in all", bad);
	(void)nnodes;
	g_hash_table_destroy(comm_threads);
	g_hash_table_destroy(comm_msgs);
	g_hash_table_destroy(members);
	g_hash_table_destroy(threads);
	return bad;
}

/* ------------------------------------------------- threading scenarios */

/* One test message.  Values of In-Reply-To and References are written as
 * they are, so that junk can be written too. */
struct tmsg {
	const char *id;		/* Message-ID without <>, NULL for none */
	const char *irt;	/* In-Reply-To value, or NULL */
	const char *refs;	/* References value, or NULL */
	const char *subject;	/* NULL: no Subject header */
	int minute;		/* Date: minutes after 2026-06-01 00:00 UTC */
	const char *name;	/* name in snapshots; default the id */
};

static char *
tmsg_raw(const struct tmsg *m, size_t *len)
{
	GString *s = g_string_new(NULL);
	int d = m->minute;

	g_string_append_printf(s, "From: Tester %d <tester%d@example.org>\n",
	    d % 7, d % 7);
	g_string_append(s, "To: kring@example.org\n");
	if (m->subject != NULL)
		g_string_append_printf(s, "Subject: %s\n", m->subject);
	g_string_append_printf(s, "Date: %d Jun 2026 %02d:%02d:00 +0000\n",
	    1 + d / 1440, d / 60 % 24, d % 60);
	if (m->id != NULL)
		g_string_append_printf(s, "Message-ID: <%s>\n", m->id);
	if (m->irt != NULL)
		g_string_append_printf(s, "In-Reply-To: %s\n", m->irt);
	if (m->refs != NULL)
		g_string_append_printf(s, "References: %s\n", m->refs);
	g_string_append_printf(s, "\nBody of %s at minute %d.\n",
	    m->id ? m->id : "a message without id", d);
	*len = s->len;
	return g_string_free(s, FALSE);
}

static const char *
tmsg_name(const struct tmsg *m)
{
	return m->name ? m->name : m->id;
}

/* What a scenario's messages became: keys as indexed, by message. */
struct run {
	struct scratch s;
	const struct tmsg *msgs;
	size_t n;
	char **keys;		/* idkey of each message, after ingest */
	int failures;		/* ingest errors */
};

static bool
run_ingest(struct run *r, const struct tmsg *msgs, size_t n,
    const size_t *order, bool one_txn)
{
	MDB_txn *txn = NULL;
	int rc;

	memset(r, 0, sizeof *r);
	r->msgs = msgs;
	r->n = n;
	r->keys = g_new0(char *, n + 1);
	if (!scratch_open(&r->s))
		return false;
	for (size_t j = 0; j < n; j++) {
		size_t i = order ? order[j] : j, len;
		char *raw = tmsg_raw(&msgs[i], &len);
		struct ingest_result res;

		if (txn == NULL && (rc = store_begin(&r->s.st, true, &txn))) {
			diag("store_begin: %s", mdb_strerror(rc));
			g_free(raw);
			return false;
		}
		rc = ingest_message(&r->s.st, txn, COMMUNITY, raw, len, 0,
		    INGEST_TIME_FROM_DATE, "", &res);
		g_free(raw);
		if (rc != 0) {
			diag("ingest_message %s: %s", tmsg_name(&msgs[i]),
			    mdb_strerror(rc));
			r->failures++;
			mdb_txn_abort(txn);
			return false;
		}
		g_free(r->keys[i]);
		r->keys[i] = g_strdup(res.message_id);
		if (!one_txn || j == n - 1) {
			if ((rc = mdb_txn_commit(txn)) != 0) {
				diag("commit: %s", mdb_strerror(rc));
				return false;
			}
			txn = NULL;
		}
	}
	return true;
}

static void
run_free(struct run *r)
{
	scratch_close(&r->s);
	if (r->keys != NULL)
		for (size_t i = 0; i < r->n; i++)
			g_free(r->keys[i]);
	g_free(r->keys);
	memset(r, 0, sizeof *r);
}

/* The name of the message whose idkey is KEY, or NULL. */
static const char *
run_name_of(const struct run *r, const char *key, size_t len)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->keys[i] && strlen(r->keys[i]) == len &&
		    memcmp(r->keys[i], key, len) == 0)
			return tmsg_name(&r->msgs[i]);
	return NULL;
}

struct msg_state {
	char *parent;		/* name, "~id" for a placeholder, "-" at top */
	uint64_t thread;
	uint64_t msg;
};

static bool
run_state(struct run *r, MDB_txn *txn, uint32_t comm, size_t i,
    struct msg_state *ms)
{
	struct node_rec node;
	char parent[IDKEY_BUF];
	size_t plen;
	const char *pname;

	memset(ms, 0, sizeof *ms);
	if (r->keys[i] == NULL || thread_node_get(&r->s.st, txn, comm,
	    r->keys[i], strlen(r->keys[i]), &node, parent, &plen) != 0) {
		ms->parent = g_strdup("?");
		return false;
	}
	ms->thread = node.thread;
	ms->msg = node.msg;
	if (plen == 0)
		ms->parent = g_strdup("-");
	else if ((pname = run_name_of(r, parent, plen)) != NULL)
		ms->parent = g_strdup(pname);
	else
		ms->parent = g_strdup_printf("~%.*s", (int)plen, parent);
	return true;
}

enum snap_flags {
	SNAP_PARENTS = 1,	/* each message's parent */
	SNAP_THREADS = 2,	/* root, messages and nodes of each thread */
};

/*
 * The state of the store as text, independent of store and thread ids:
 * a line per message (name, parent, thread named by its first message in
 * spec order), then a line per thread.
 */
static char *
snapshot(struct run *r, int flags)
{
	GString *out = g_string_new(NULL);
	struct msg_state *ms = g_new0(struct msg_state, r->n);
	MDB_txn *txn;
	uint32_t comm;
	int rc;

	if ((rc = store_begin(&r->s.st, false, &txn)) != 0 ||
	    (rc = store_community_id(&r->s.st, txn, COMMUNITY, false, &comm))) {
		g_free(ms);
		g_string_free(out, TRUE);
		return g_strdup_printf("(no store: %s)", mdb_strerror(rc));
	}
	for (size_t i = 0; i < r->n; i++)
		run_state(r, txn, comm, i, &ms[i]);
	for (size_t i = 0; i < r->n; i++) {
		const char *label = "?";

		/* A message can be in a scenario twice (duplicates). */
		bool again = false;
		for (size_t j = 0; j < i; j++)
			if (r->keys[j] && r->keys[i] &&
			    strcmp(r->keys[j], r->keys[i]) == 0)
				again = true;
		if (again)
			continue;
		for (size_t j = 0; j < r->n; j++)
			if (ms[j].thread == ms[i].thread) {
				label = tmsg_name(&r->msgs[j]);
				break;
			}
		g_string_append_printf(out, "%s:", tmsg_name(&r->msgs[i]));
		if (flags & SNAP_PARENTS)
			g_string_append_printf(out, " parent=%s", ms[i].parent);
		g_string_append_printf(out, " thread=%s\n", label);
	}
	if (flags & SNAP_THREADS) {
		for (size_t i = 0; i < r->n; i++) {
			struct thread_rec tr;
			bool first = true;
			const char *root = "?";
			struct msg_view mv;
			char rk[IDKEY_BUF];

			for (size_t j = 0; j < i; j++)
				if (ms[j].thread == ms[i].thread)
					first = false;
			if (!first || ms[i].thread == 0)
				continue;
			if (thread_get(&r->s.st, txn, ms[i].thread, &tr, NULL,
			    NULL) != 0) {
				g_string_append_printf(out, "thread %s: "
				    "missing\n", tmsg_name(&r->msgs[i]));
				continue;
			}
			if (tr.root != 0 && store_msg_get(&r->s.st, txn,
			    tr.root, &mv) == 0) {
				size_t rl = store_idkey(mv.message_id, rk);

				root = run_name_of(r, rk, rl);
				if (root == NULL)
					root = "?";
			}
			g_string_append_printf(out, "thread %s: root=%s "
			    "messages=%llu nodes=%llu\n",
			    tmsg_name(&r->msgs[i]), root,
			    (unsigned long long)tr.messages,
			    (unsigned long long)tr.nodes);
		}
	}
	mdb_txn_abort(txn);
	for (size_t i = 0; i < r->n; i++)
		g_free(ms[i].parent);
	g_free(ms);
	return g_string_free(out, FALSE);
}

/* Orders to try: every permutation up to 5 messages, else the given
 * order, its reverse and shuffles from a fixed seed. */
static GPtrArray *
orders_for(size_t n, int shuffles, guint32 seed)
{
	GPtrArray *orders = g_ptr_array_new_with_free_func(g_free);
	size_t *p = g_new(size_t, n);

	for (size_t i = 0; i < n; i++)
		p[i] = i;
	if (n <= 5) {
		/* Heap's algorithm, iterative. */
		size_t c[8] = { 0 }, i = 1;

		g_ptr_array_add(orders, g_memdup2(p, n * sizeof *p));
		while (i < n) {
			if (c[i] < i) {
				size_t j = i % 2 ? c[i] : 0, t = p[j];

				p[j] = p[i];
				p[i] = t;
				g_ptr_array_add(orders,
				    g_memdup2(p, n * sizeof *p));
				c[i]++;
				i = 1;
			} else {
				c[i] = 0;
				i++;
			}
		}
	} else {
		GRand *rand = g_rand_new_with_seed(seed);

		g_ptr_array_add(orders, g_memdup2(p, n * sizeof *p));
		for (size_t i = 0; i < n; i++)
			p[i] = n - 1 - i;
		g_ptr_array_add(orders, g_memdup2(p, n * sizeof *p));
		for (int s = 0; s < shuffles; s++) {
			for (size_t i = n - 1; i > 0; i--) {
				size_t j = (size_t)g_rand_int_range(rand, 0,
				    (gint32)i + 1), t = p[j];

				p[j] = p[i];
				p[i] = t;
			}
			g_ptr_array_add(orders, g_memdup2(p, n * sizeof *p));
		}
		g_rand_free(rand);
	}
	g_free(p);
	return orders;
}

static char *
order_text(const struct tmsg *msgs, const size_t *order, size_t n)
{
	GString *s = g_string_new(NULL);

	for (size_t i = 0; i < n; i++)
		g_string_append_printf(s, "%s%s", i ? " " : "",
		    tmsg_name(&msgs[order[i]]));
	return g_string_free(s, FALSE);
}

/*
 * Ingest MSGS in every order of orders_for() into fresh stores; the
 * snapshot (FLAGS) must be EXPECT every time, or, with EXPECT NULL, the
 * same every time.  Store invariants are checked after each run.  Two
 * TAP lines: the snapshot and the invariants.
 */
static bool
scenario(const char *what, const struct tmsg *msgs, size_t n, int flags,
    const char *expect)
{
	GPtrArray *orders = orders_for(n, 6, 20260601);
	char *first = NULL;
	int mismatches = 0, problems = 0;
	bool ingest_ok = true;

	for (guint o = 0; o < orders->len; o++) {
		const size_t *order = orders->pdata[o];
		struct run r;
		char *snap;

		if (!run_ingest(&r, msgs, n, order, o % 2 == 1)) {
			ingest_ok = false;
			run_free(&r);
			break;
		}
		snap = snapshot(&r, flags);
		if (check_store(&r.s.st) != 0) {
			char *ot = order_text(msgs, order, n);

			problems++;
			diag("(store problems above: order %s)", ot);
			g_free(ot);
		}
		if (first == NULL)
			first = g_strdup(snap);
		if (strcmp(snap, expect ? expect : first) != 0) {
			if (mismatches++ == 0) {
				char *ot = order_text(msgs, order, n);
				char *label = g_strdup_printf("order %s gives",
				    ot);

				diag_texts(label, snap, expect ? "expected" :
				    "the first order gave", expect ? expect :
				    first);
				g_free(label);
				g_free(ot);
			}
		}
		g_free(snap);
		run_free(&r);
	}
	if (mismatches > 1)
		diag("%d of %u orders differ", mismatches, orders->len);
	ok(ingest_ok && mismatches == 0, "%s (%u orders)", what, orders->len);
	ok(ingest_ok && problems == 0, "%s: store consistent after each",
	    what);
	g_free(first);
	g_ptr_array_free(orders, TRUE);
	return ingest_ok && mismatches == 0 && problems == 0;
}

/* Ingest MSGS in the given order into a fresh store, for fixed-order
 * checks.  The caller frees with run_free(). */
static bool
run_fixed(struct run *r, const struct tmsg *msgs, size_t n)
{
	if (!run_ingest(r, msgs, n, NULL, false)) {
		ok(false, "ingest");
		return false;
	}
	return true;
}

/* Is the message named NAME the parent recorded for message I? */
static char *
parent_of(struct run *r, size_t i)
{
	MDB_txn *txn;
	uint32_t comm;
	struct msg_state ms;

	if (store_begin(&r->s.st, false, &txn) != 0)
		return g_strdup("?");
	if (store_community_id(&r->s.st, txn, COMMUNITY, false, &comm) != 0) {
		mdb_txn_abort(txn);
		return g_strdup("?");
	}
	run_state(r, txn, comm, i, &ms);
	mdb_txn_abort(txn);
	return ms.parent;
}

static bool
node_exists(struct store *st, const char *msgid)
{
	MDB_txn *txn;
	uint32_t comm;
	struct node_rec node;
	char key[IDKEY_BUF], parent[IDKEY_BUF];
	size_t len = store_idkey(msgid, key), plen;
	bool found = false;

	if (store_begin(st, false, &txn) != 0)
		return false;
	if (store_community_id(st, txn, COMMUNITY, false, &comm) == 0)
		found = thread_node_get(st, txn, comm, key, len, &node,
		    parent, &plen) == 0;
	mdb_txn_abort(txn);
	return found;
}

static struct count_rec
counts_of(struct store *st)
{
	struct count_rec c = { 0 };
	MDB_txn *txn;
	uint32_t comm;

	if (store_begin(st, false, &txn) != 0)
		return c;
	if (store_community_id(st, txn, COMMUNITY, false, &comm) == 0)
		store_counts_get(st, txn, comm, &c);
	mdb_txn_abort(txn);
	return c;
}

#define N(a) G_N_ELEMENTS(a)

static void
thread_chain(void)
{
	static const struct tmsg m[] = {
		{ "a@t", NULL, NULL, "Chain", 0, NULL },
		{ "b@t", "<a@t>", "<a@t>", "Re: Chain", 1, NULL },
		{ "c@t", "<b@t>", "<a@t> <b@t>", "Re: Chain", 2, NULL },
		{ "d@t", NULL, "<a@t> <b@t> <c@t>", "Re: Chain", 3, NULL },
	};

	scenario("thread: a chain arriving in any order", m, N(m),
	    SNAP_PARENTS | SNAP_THREADS,
	    "a@t: parent=- thread=a@t\n"
	    "b@t: parent=a@t thread=a@t\n"
	    "c@t: parent=b@t thread=a@t\n"
	    "d@t: parent=c@t thread=a@t\n"
	    "thread a@t: root=a@t messages=4 nodes=4\n");
}

static void
thread_late_parent(void)
{
	static const struct tmsg m[] = {
		{ "p@t", NULL, NULL, "Plan", 0, NULL },
		{ "b@t", "<p@t>", NULL, "Re: Plan", 5, NULL },
		{ "c@t", NULL, "<p@t>", "Re: Plan", 2, NULL },
	};
	struct run r;
	char *snap;

	scenario("thread: a late parent takes its placeholder's place", m,
	    N(m), SNAP_PARENTS | SNAP_THREADS,
	    "p@t: parent=- thread=p@t\n"
	    "b@t: parent=p@t thread=p@t\n"
	    "c@t: parent=p@t thread=p@t\n"
	    "thread p@t: root=p@t messages=3 nodes=3\n");

	/* Before the parent comes: a placeholder on top, and the root is
	 * the earliest real child by Date (c), not the first to arrive. */
	if (!run_fixed(&r, m + 1, 2)) {
		run_free(&r);
		return;
	}
	snap = snapshot(&r, SNAP_PARENTS | SNAP_THREADS);
	is_str(snap,
	    "b@t: parent=~p@t thread=b@t\n"
	    "c@t: parent=~p@t thread=b@t\n"
	    "thread b@t: root=c@t messages=2 nodes=3\n",
	    "thread: placeholder on top; root is the earliest real child");
	g_free(snap);
	ok(check_store(&r.s.st) == 0, "thread: store consistent with a "
	    "placeholder on top");
	run_free(&r);
}

static void
thread_merge(void)
{
	static const struct tmsg m[] = {
		{ "a@t", NULL, NULL, "Apples", 0, NULL },
		{ "b@t", "<a@t>", NULL, "Re: Apples", 1, NULL },
		{ "c@t", NULL, NULL, "Pears", 2, NULL },
		{ "d@t", "<c@t>", NULL, "Re: Pears", 3, NULL },
		{ "x@t", NULL, "<a@t> <c@t>", "Fruit salad", 4, NULL },
	};
	static const struct tmsg p[] = {
		{ "m1@t", "<p@t>", NULL, "One", 0, NULL },
		{ "m2@t", "<q@t>", NULL, "Two", 1, NULL },
		{ "m3@t", NULL, "<p@t> <q@t>", "Three", 2, NULL },
	};

	scenario("thread: a later message merges two threads", m, N(m),
	    SNAP_PARENTS | SNAP_THREADS,
	    "a@t: parent=- thread=a@t\n"
	    "b@t: parent=a@t thread=a@t\n"
	    "c@t: parent=a@t thread=a@t\n"
	    "d@t: parent=c@t thread=a@t\n"
	    "x@t: parent=c@t thread=a@t\n"
	    "thread a@t: root=a@t messages=5 nodes=5\n");
	scenario("thread: threads under two placeholders merge", p, N(p),
	    SNAP_PARENTS | SNAP_THREADS,
	    "m1@t: parent=~p@t thread=m1@t\n"
	    "m2@t: parent=~q@t thread=m1@t\n"
	    "m3@t: parent=~q@t thread=m1@t\n"
	    "thread m1@t: root=m1@t messages=3 nodes=5\n");
}

/* Count the messages of MSGS whose recorded parent is the one their own
 * header names (the last id of In-Reply-To/References). */
static int
own_parents_kept(struct run *r, const char *const *own)
{
	int kept = 0;

	for (size_t i = 0; i < r->n; i++) {
		char *p = parent_of(r, i);

		if (own[i] != NULL && strcmp(p, own[i]) == 0)
			kept++;
		g_free(p);
	}
	return kept;
}

static void
thread_loops(void)
{
	static const struct tmsg two[] = {
		{ "a@t", "<b@t>", NULL, "Loop", 0, NULL },
		{ "b@t", "<a@t>", NULL, "Re: Loop", 1, NULL },
	};
	static const char *const two_own[] = { "b@t", "a@t" };
	static const struct tmsg three[] = {
		{ "a@t", "<c@t>", NULL, "Ring", 0, NULL },
		{ "b@t", "<a@t>", NULL, "Ring", 1, NULL },
		{ "c@t", "<b@t>", NULL, "Ring", 2, NULL },
	};
	static const char *const three_own[] = { "c@t", "a@t", "b@t" };
	/* imaptest's "thread": b says c is a's child; c says it is b's. */
	static const struct tmsg imap[] = {
		{ "a@t", NULL, NULL, NULL, 120, NULL },
		{ "b@t", NULL, "<a@t> <c@t>", NULL, 0, NULL },
		{ "c@t", NULL, "<b@t>", NULL, 60, NULL },
	};
	static const struct tmsg self[] = {
		{ "s@t", "<s@t>", "<r@t> <s@t>", "Me", 0, NULL },
	};
	GPtrArray *orders;
	bool good = true;

	scenario("thread: a->b->a loop: one thread, no loop", two, N(two),
	    0, "a@t: thread=a@t\nb@t: thread=a@t\n");
	scenario("thread: a->c->b->a loop: one thread, no loop", three,
	    N(three), 0, "a@t: thread=a@t\nb@t: thread=a@t\nc@t: thread=a@t\n");
	scenario("thread: References loop (imaptest): one thread", imap,
	    N(imap), 0, "a@t: thread=a@t\nb@t: thread=a@t\nc@t: thread=a@t\n");

	/* Of a loop of N own links, exactly one is refused. */
	orders = orders_for(N(two), 0, 1);
	for (guint o = 0; o < orders->len; o++) {
		struct run r;

		if (run_ingest(&r, two, N(two), orders->pdata[o], false) &&
		    own_parents_kept(&r, two_own) != 1)
			good = false;
		run_free(&r);
	}
	g_ptr_array_free(orders, TRUE);
	orders = orders_for(N(three), 0, 1);
	for (guint o = 0; o < orders->len; o++) {
		struct run r;

		if (run_ingest(&r, three, N(three), orders->pdata[o], false) &&
		    own_parents_kept(&r, three_own) != 2)
			good = false;
		run_free(&r);
	}
	g_ptr_array_free(orders, TRUE);
	ok(good, "thread: in a loop only the link closing it is refused");

	scenario("thread: a message referring to itself", self, N(self),
	    SNAP_PARENTS | SNAP_THREADS,
	    "s@t: parent=~r@t thread=s@t\n"
	    "thread s@t: root=s@t messages=1 nodes=2\n");
}

/*
 * A message's own In-Reply-To against a parent guessed from another
 * message's References: "x's parent is y" (x's own header) and "y's
 * parent is x" (z's References <x> <y>).  Only the guess may give way;
 * the outcome may not depend on which came first.
 */
static void
thread_own_beats_guess(void)
{
	static const struct tmsg m[] = {
		{ "x@t", "<y@t>", NULL, "Question", 0, NULL },
		{ "z@t", NULL, "<x@t> <y@t>", "Re: Question", 1, NULL },
	};
	static const struct tmsg moved[] = {
		{ "a@t", "<y@t>", "<p@t> <y@t>", "Re: Topic", 1, NULL },
		{ "y@t", "<q@t>", NULL, "Topic", 0, NULL },
	};

	scenario("thread: own In-Reply-To wins over another message's "
	    "References", m, N(m), SNAP_PARENTS | SNAP_THREADS,
	    "x@t: parent=~y@t thread=x@t\n"
	    "z@t: parent=~y@t thread=x@t\n"
	    "thread x@t: root=x@t messages=2 nodes=3\n");
	scenario("thread: a message's own parent replaces a guessed one",
	    moved, N(moved), SNAP_PARENTS,
	    "a@t: parent=y@t thread=a@t\n"
	    "y@t: parent=~q@t thread=a@t\n");
}

static void
thread_subject(void)
{
	static const struct tmsg simple[] = {
		{ "h@t", NULL, NULL, "Hello", 0, NULL },
		{ "r@t", NULL, NULL, "Re: Hello", 1, NULL },
	};
	static const struct tmsg prefixes[] = {
		{ "h@t", NULL, NULL, "Weekly meeting", 0, NULL },
		{ "r1@t", NULL, NULL, "AW: Weekly meeting", 1, NULL },
		{ "r2@t", NULL, NULL, "Antw: weekly  MEETING", 2, NULL },
		{ "r3@t", NULL, NULL, "SV: Weekly meeting", 3, NULL },
		{ "r4@t", NULL, NULL, "Fwd: Weekly meeting", 4, NULL },
		{ "r5@t", NULL, NULL, "[kring] Re: Weekly meeting", 5, NULL },
		{ "r6@t", NULL, NULL, "Re: [kring] Weekly meeting", 6, NULL },
		{ "n1@t", NULL, NULL, "Weekly meeting", 7, NULL },
		{ "n2@t", NULL, NULL, "Weekly meeting notes", 8, NULL },
	};
	static const struct tmsg two_replies[] = {
		{ "h@t", NULL, NULL, "Hello", 0, NULL },
		{ "r1@t", NULL, NULL, "Re: Hello", 1, NULL },
		{ "r2@t", NULL, NULL, "Re: Hello", 2, NULL },
	};
	static const struct tmsg non_replies[] = {
		{ "s1@t", NULL, NULL, "Status", 0, NULL },
		{ "s2@t", NULL, NULL, "Status", 1, NULL },
		{ "s3@t", NULL, NULL, "status", 2, NULL },
		{ "s4@t", NULL, NULL, "[kring] Status", 3, NULL },
	};
	static const struct tmsg empty[] = {
		{ "e1@t", NULL, NULL, "", 0, NULL },
		{ "e2@t", NULL, NULL, NULL, 1, NULL },
		{ "e3@t", NULL, NULL, "Re:", 2, NULL },
		{ "e4@t", NULL, NULL, "Re: ", 3, NULL },
		{ "e5@t", NULL, NULL, "AW: Re:", 4, NULL },
	};
	static const struct tmsg with_refs[] = {
		{ "f@t", NULL, NULL, "foo", 0, NULL },
		{ "g@t", NULL, "<zz@t>", "Re: foo", 1, NULL },
		{ "k@t", "<zz2@t>", NULL, "Re: foo", 2, NULL },
	};
	static const struct tmsg tags[] = {
		{ "h@t", NULL, NULL, "[kring] [PATCH] fix the build", 0, NULL },
		{ "r@t", NULL, NULL, "[kring] Re: [PATCH] fix the build", 1, NULL },
	};
	static const struct tmsg two_originals[] = {
		{ "a@t", NULL, NULL, "Hello", 0, NULL },
		{ "b@t", NULL, NULL, "Hello", 1, NULL },
		{ "r@t", NULL, NULL, "Re: Hello", 2, NULL },
	};
	struct run r;
	char *snap;
	GPtrArray *orders;
	bool apart = true, joined = true;

	scenario("subject: a reply without headers joins the original", simple,
	    N(simple), SNAP_PARENTS | SNAP_THREADS,
	    "h@t: parent=- thread=h@t\n"
	    "r@t: parent=h@t thread=h@t\n"
	    "thread h@t: root=h@t messages=2 nodes=2\n");

	if (run_fixed(&r, prefixes, N(prefixes))) {
		snap = snapshot(&r, SNAP_PARENTS);
		is_str(snap,
		    "h@t: parent=- thread=h@t\n"
		    "r1@t: parent=h@t thread=h@t\n"
		    "r2@t: parent=h@t thread=h@t\n"
		    "r3@t: parent=h@t thread=h@t\n"
		    "r4@t: parent=h@t thread=h@t\n"
		    "r5@t: parent=h@t thread=h@t\n"
		    "r6@t: parent=h@t thread=h@t\n"
		    "n1@t: parent=- thread=n1@t\n"
		    "n2@t: parent=- thread=n2@t\n",
		    "subject: AW: Antw: SV: Fwd: [tag] Re: join; a second "
		    "original does not");
		g_free(snap);
	}
	run_free(&r);

	scenario("subject: replies join one thread whatever the order",
	    two_replies, N(two_replies), 0,
	    "h@t: thread=h@t\nr1@t: thread=h@t\nr2@t: thread=h@t\n");
	scenario("subject: each reply's parent is the original, whatever "
	    "the order", two_replies, N(two_replies), SNAP_PARENTS,
	    "h@t: parent=- thread=h@t\n"
	    "r1@t: parent=h@t thread=h@t\n"
	    "r2@t: parent=h@t thread=h@t\n");
	scenario("subject: non-replies never merge by subject", non_replies,
	    N(non_replies), SNAP_PARENTS,
	    "s1@t: parent=- thread=s1@t\n"
	    "s2@t: parent=- thread=s2@t\n"
	    "s3@t: parent=- thread=s3@t\n"
	    "s4@t: parent=- thread=s4@t\n");
	scenario("subject: empty subjects never merge", empty, N(empty),
	    SNAP_PARENTS,
	    "e1@t: parent=- thread=e1@t\n"
	    "e2@t: parent=- thread=e2@t\n"
	    "e3@t: parent=- thread=e3@t\n"
	    "e4@t: parent=- thread=e4@t\n"
	    "e5@t: parent=- thread=e5@t\n");
	scenario("subject: a reply with References or In-Reply-To does not "
	    "use its subject", with_refs, N(with_refs), SNAP_PARENTS,
	    "f@t: parent=- thread=f@t\n"
	    "g@t: parent=~zz@t thread=g@t\n"
	    "k@t: parent=~zz2@t thread=k@t\n");
	scenario("subject: list tag in front of Re: and a [PATCH] tag", tags,
	    N(tags), SNAP_PARENTS,
	    "h@t: parent=- thread=h@t\n"
	    "r@t: parent=h@t thread=h@t\n");

	/* Two originals of one subject: they stay apart, and the reply
	 * joins one of them (which one is not said by the rules). */
	orders = orders_for(N(two_originals), 0, 1);
	for (guint o = 0; o < orders->len; o++) {
		if (!run_ingest(&r, two_originals, N(two_originals),
		    orders->pdata[o], false)) {
			apart = joined = false;
			run_free(&r);
			break;
		}
		snap = snapshot(&r, 0);
		if (strstr(snap, "b@t: thread=a@t") != NULL)
			apart = false;
		if (strstr(snap, "r@t: thread=r@t") != NULL)
			joined = false;
		g_free(snap);
		run_free(&r);
	}
	g_ptr_array_free(orders, TRUE);
	ok(apart, "subject: two originals of one subject stay apart, in "
	    "every order");
	ok(joined, "subject: a reply to them joins one, in every order");
}

static void
thread_duplicates(void)
{
	static const struct tmsg one = {
		"d@t", NULL, NULL, "Once", 0, NULL
	};
	static const struct tmsg other = {
		"d@t", NULL, "<z@t>", "Other content, same id", 5, NULL
	};
	struct scratch s;
	struct ingest_result r1, r2, r3;
	struct count_rec c;
	char *raw, *raw2;
	size_t len, len2;

	if (!scratch_open(&s)) {
		ok(false, "duplicates: scratch store");
		scratch_close(&s);
		return;
	}
	raw = tmsg_raw(&one, &len);
	raw2 = tmsg_raw(&other, &len2);
	if (ingest_raw(&s, raw, len, 0, &r1) == 0 &&
	    ingest_raw(&s, raw, len, 0, &r2) == 0 &&
	    ingest_raw(&s, raw2, len2, 0, &r3) == 0) {
		ok(!r1.duplicate && r2.duplicate && r1.msg_id == r2.msg_id &&
		    r1.thread == r2.thread, "duplicates: the same message "
		    "twice is stored once");
		ok(r3.duplicate && r3.msg_id == r1.msg_id &&
		    r3.thread == r1.thread, "duplicates: another message with "
		    "the same Message-ID is not stored");
		c = counts_of(&s.st);
		ok(!node_exists(&s.st, "z@t"), "duplicates: the refused "
		    "copy's References leave no trace");
		ok(c.messages == 1 && c.threads == 1, "duplicates: counted "
		    "once (%llu messages, %llu threads)",
		    (unsigned long long)c.messages,
		    (unsigned long long)c.threads);
		ok(check_store(&s.st) == 0, "duplicates: store consistent");
	} else
		ok(false, "duplicates: ingest");
	g_free(raw);
	g_free(raw2);
	scratch_close(&s);
}

static void
thread_derived_ids(void)
{
	static const char m1[] =
	    "From: Anna <anna@example.net>\n"
	    "Date: Mon, 01 Jun 2026 10:00:00 +0000\n"
	    "Subject: no id here\n"
	    "\nthe body\n";
	static const char m1_other_to[] =
	    "From: Anna <anna@example.net>\n"
	    "To: someone@example.org\n"
	    "Date: Mon, 01 Jun 2026 10:00:00 +0000\n"
	    "Subject: no id here\n"
	    "\nthe body\n";
	static const char m2[] =
	    "From: Anna <anna@example.net>\n"
	    "Date: Mon, 01 Jun 2026 10:00:00 +0000\n"
	    "Subject: no id here\n"
	    "\nanother body\n";
	static const char received[] =
	    "Received: from x by kring.test; Mon, 01 Jun 2026 10:00:01 +0000\n";
	/* Two replies without Message-ID to one missing parent (imaptest
	 * thread6). */
	static const char c1[] =
	    "Date: Mon, 01 Jun 2026 10:00:00 +0000\n"
	    "References: <missing@t>\n\none\n";
	static const char c2[] =
	    "Date: Mon, 01 Jun 2026 10:00:01 +0000\n"
	    "References: <missing@t>\n\ntwo\n";
	struct scratch s, s2;
	struct ingest_result r1, r2, r3, r4, r5, r6, r7;
	GChecksum *sum;
	char *want, *with_received;
	MDB_txn *txn;
	struct msg_view mv;

	if (!scratch_open(&s) || !scratch_open(&s2)) {
		ok(false, "derived ids: scratch store");
		scratch_close(&s);
		scratch_close(&s2);
		return;
	}
	with_received = g_strconcat(received, m1, NULL);
	if (ingest_raw(&s, m1, strlen(m1), 0, &r1) != 0 ||
	    ingest_raw(&s, m1, strlen(m1), 0, &r2) != 0 ||
	    ingest_raw(&s, m2, strlen(m2), 0, &r3) != 0 ||
	    ingest_raw(&s2, with_received, strlen(with_received),
	    strlen(received), &r4) != 0 ||
	    ingest_raw(&s2, m1_other_to, strlen(m1_other_to), 0, &r5) != 0 ||
	    ingest_raw(&s, c1, strlen(c1), 0, &r6) != 0 ||
	    ingest_raw(&s, c2, strlen(c2), 0, &r7) != 0) {
		ok(false, "derived ids: ingest");
		goto out;
	}
	ok(g_str_has_suffix(r1.message_id, "@derived.kring.invalid") &&
	    strlen(r1.message_id) == 32 + strlen("@derived.kring.invalid"),
	    "derived ids: <32 hex>@derived.kring.invalid (%s)", r1.message_id);
	sum = g_checksum_new(G_CHECKSUM_SHA256);
	g_checksum_update(sum, (const guchar *)"Anna <anna@example.net>\n"
	    "Mon, 01 Jun 2026 10:00:00 +0000\nno id here\nthe body\n", -1);
	want = g_strdup_printf("%.32s@derived.kring.invalid",
	    g_checksum_get_string(sum));
	g_checksum_free(sum);
	is_str(r1.message_id, want, "derived ids: SHA-256 of From, Date, "
	    "Subject and the body");
	g_free(want);
	ok(r2.duplicate && r2.msg_id == r1.msg_id, "derived ids: the same "
	    "message again is a duplicate");
	ok(!r3.duplicate && strcmp(r3.message_id, r1.message_id) != 0,
	    "derived ids: another body, another id");
	is_str(r4.message_id, r1.message_id, "derived ids: stable across "
	    "stores, and a Received line kring added is not hashed");
	ok(r5.duplicate, "derived ids: a header not hashed (To) does not "
	    "change the id");
	store_begin(&s.st, false, &txn);
	ok(store_msg_get(&s.st, txn, r1.msg_id, &mv) == 0 &&
	    (mv.rec.flags & MSG_F_DERIVED_ID) &&
	    strcmp(mv.message_id, r1.message_id) == 0,
	    "derived ids: flagged as derived in the record");
	mdb_txn_abort(txn);
	ok(!r7.duplicate && r6.thread == r7.thread && r6.msg_id != r7.msg_id,
	    "derived ids: two id-less replies to one missing parent share "
	    "its thread");
	ok(check_store(&s.st) == 0 && check_store(&s2.st) == 0,
	    "derived ids: stores consistent");
out:
	g_free(with_received);
	scratch_close(&s);
	scratch_close(&s2);
}

static void
thread_junk(void)
{
	static const struct tmsg m[] = {
		{ "j1@t", "<yes>", "<yes>", "[PATCH 1/3] one", 0, NULL },
		{ "j2@t", "<yes>", "<yes>", "[PATCH 2/3] two", 1, NULL },
		{ "a@t", NULL, NULL, "Apples", 2, NULL },
		{ "b@t", "<a@t>; from Anna on Mon, 1 Jun 2026", NULL, "Re: Apples", 3, NULL },
		{ "c@t", "<a@t> <other@t>", NULL, "Re: Apples", 4, NULL },
		{ "d@t", NULL, "<a@t> junk words <c@t>", "Re: Apples", 5, NULL },
	};
	struct run r;

	scenario("junk: <yes>, trailing text, second In-Reply-To ids", m,
	    N(m), SNAP_PARENTS,
	    "j1@t: parent=- thread=j1@t\n"
	    "j2@t: parent=- thread=j2@t\n"
	    "a@t: parent=- thread=a@t\n"
	    "b@t: parent=a@t thread=a@t\n"
	    "c@t: parent=a@t thread=a@t\n"
	    "d@t: parent=c@t thread=a@t\n");
	if (run_fixed(&r, m, N(m))) {
		ok(!node_exists(&r.s.st, "yes"), "junk: no node for <yes>");
		ok(!node_exists(&r.s.st, "other@t"), "junk: the second id of "
		    "In-Reply-To makes no node");
	}
	run_free(&r);
}

static void
thread_many_refs(void)
{
	GString *refs = g_string_new(NULL);
	struct tmsg m[2] = {
		{ "m@t", NULL, NULL, "Long thread", 300, NULL },
		{ "n@t", "<r001@t>", NULL, "Re: the start", 301, NULL },
	};
	struct run r;
	MDB_txn *txn;
	uint32_t comm;
	int depth = 0;
	char key[IDKEY_BUF] = "m@t", parent[IDKEY_BUF], top[IDKEY_BUF] = "";
	struct node_rec node;
	size_t plen, klen = 3;
	char *p;

	for (int i = 1; i <= 200; i++)
		g_string_append_printf(refs, "%s<r%03d@t>", i > 1 ? " " : "", i);
	m[0].refs = refs->str;
	if (!run_fixed(&r, m, 1)) {
		run_free(&r);
		g_string_free(refs, TRUE);
		return;
	}
	p = parent_of(&r, 0);
	is_str(p, "~r200@t", "200 References: the parent is the last");
	g_free(p);
	store_begin(&r.s.st, false, &txn);
	store_community_id(&r.s.st, txn, COMMUNITY, false, &comm);
	while (thread_node_get(&r.s.st, txn, comm, key, klen, &node, parent,
	    &plen) == 0 && plen > 0 && depth < 1000) {
		memcpy(key, parent, plen + 1);
		klen = plen;
		depth++;
	}
	memcpy(top, key, klen + 1);
	mdb_txn_abort(txn);
	ok(depth == MSGINFO_MAX_REFS && strcmp(top, "r073@t") == 0,
	    "200 References: a chain of the newest %d (depth %d, top <%s>)",
	    MSGINFO_MAX_REFS, depth, top);
	ok(check_store(&r.s.st) == 0, "200 References: store consistent");
	run_free(&r);

	/* With a reply to the first reference, in both orders. */
	scenario("200 References and a reply to a dropped one", m, 2,
	    SNAP_PARENTS | SNAP_THREADS,
	    "m@t: parent=~r200@t thread=m@t\n"
	    "n@t: parent=~r001@t thread=n@t\n"
	    "thread m@t: root=m@t messages=1 nodes=129\n"
	    "thread n@t: root=n@t messages=1 nodes=2\n");
	g_string_free(refs, TRUE);
}

static void
thread_long_ids(void)
{
	GString *id = g_string_new(NULL), *irt = g_string_new(NULL);
	struct tmsg m[2] = {
		{ NULL, NULL, NULL, "Long id", 0, "long" },
		{ "short@t", NULL, NULL, "Re: Long id", 1, NULL },
	};
	for (int i = 0; i < 50; i++)
		g_string_append(id, "0123456789");
	g_string_append(id, "@t");
	g_string_printf(irt, "<%s>", id->str);
	m[0].id = id->str;
	m[1].irt = irt->str;
	scenario("long Message-ID (hashed key): reply and late parent", m, 2,
	    SNAP_PARENTS | SNAP_THREADS,
	    "long: parent=- thread=long\n"
	    "short@t: parent=long thread=long\n"
	    "thread long: root=long messages=2 nodes=2\n");
	g_string_free(id, TRUE);
	g_string_free(irt, TRUE);
}

/* ------------------------------------------- random consistent forests */

#define F_IDS 14

/*
 * A random forest of F_IDS messages; some are never sent (placeholders).
 * Each sent message names a suffix of its true ancestor chain, in one of
 * the header styles.  The headers never contradict each other, so the
 * result is fully decided: each message's parent is its true parent;
 * threads are the connected parts of the links named; the root is the
 * top, or its earliest real child.
 */
static void
forest(GRand *rand, int round, bool *good)
{
	int parent[F_IDS];
	bool sent[F_IDS], linked[F_IDS];	/* linked: edge to parent named */
	char *ids[F_IDS], *irts[F_IDS], *refss[F_IDS], *subjects[F_IDS];
	struct tmsg msgs[F_IDS];
	size_t n = 0, idx[F_IDS];
	int uf[F_IDS];
	GString *expect = g_string_new(NULL);

	for (int i = 0; i < F_IDS; i++) {
		parent[i] = (i == 0 || g_rand_int_range(rand, 0, 4) == 0) ? -1 :
		    g_rand_int_range(rand, 0, i);
		/* Unsent, but never two unsent generations in a row, so a
		 * placeholder on top always has a real child. */
		sent[i] = !(g_rand_int_range(rand, 0, 4) == 0 &&
		    (parent[i] < 0 || sent[parent[i]]));
		linked[i] = false;
		uf[i] = i;
		ids[i] = g_strdup_printf("f%d.%02d@t", round, i);
		irts[i] = refss[i] = subjects[i] = NULL;
	}
	for (int i = 0; i < F_IDS; i++) {
		int chain[F_IDS], len = 0, k, style;
		GString *refs;

		if (!sent[i])
			continue;
		for (int a = parent[i]; a >= 0; a = parent[a])
			chain[len++] = a;	/* nearest first */
		subjects[i] = g_strdup_printf("Topic %d.%d", round, i);
		if (len > 0) {
			k = g_rand_int_range(rand, 1, len + 1);
			style = g_rand_int_range(rand, 0, 3);
			if (style == 0)	/* In-Reply-To only */
				k = 1;
			refs = g_string_new(NULL);
			for (int j = k - 1; j >= 0; j--)
				g_string_append_printf(refs, "<%s>%s",
				    ids[chain[j]], j ? " " : "");
			if (style != 1)
				irts[i] = g_strdup_printf("<%s>",
				    ids[parent[i]]);
			if (style != 0)
				refss[i] = g_string_free(refs, FALSE);
			else
				g_string_free(refs, TRUE);
			/* Links named: each id to the next, the last to i. */
			for (int j = 0; j < k; j++)
				linked[j == 0 ? i : chain[j - 1]] = true;
		}
		msgs[n] = (struct tmsg){ ids[i], irts[i], refss[i],
		    subjects[i], i, NULL };
		idx[n++] = (size_t)i;
	}
	/* Threads: union of the named links. */
	for (int i = 0; i < F_IDS; i++)
		if (linked[i]) {
			int a = i, b = parent[i];

			while (uf[a] != a)
				a = uf[a];
			while (uf[b] != b)
				b = uf[b];
			uf[a] = b;
		}
	for (size_t j = 0; j < n; j++) {
		int i = (int)idx[j], ri = i, label = -1;

		while (uf[ri] != ri)
			ri = uf[ri];
		for (size_t q = 0; q < n && label < 0; q++) {
			int c = (int)idx[q];

			while (uf[c] != c)
				c = uf[c];
			if (c == ri)
				label = (int)idx[q];
		}
		if (linked[i] && sent[parent[i]])
			g_string_append_printf(expect, "%s: parent=%s",
			    ids[i], ids[parent[i]]);
		else if (linked[i])
			g_string_append_printf(expect, "%s: parent=~%s",
			    ids[i], ids[parent[i]]);
		else
			g_string_append_printf(expect, "%s: parent=-", ids[i]);
		g_string_append_printf(expect, " thread=%s\n", ids[label]);
	}
	for (size_t j = 0; j < n; j++) {
		int i = (int)idx[j], ri = i, top = -1, root = -1, nodes = 0,
		    msgs_in = 0;
		bool first = true;

		while (uf[ri] != ri)
			ri = uf[ri];
		for (size_t q = 0; q < j; q++) {
			int c = (int)idx[q];

			while (uf[c] != c)
				c = uf[c];
			if (c == ri)
				first = false;
		}
		if (!first)
			continue;
		for (int c = 0; c < F_IDS; c++) {
			int rc = c;
			bool named = linked[c];

			while (uf[rc] != rc)
				rc = uf[rc];
			/* A node: a message sent, or an id some message
			 * names (linked to its parent, or a parent). */
			for (int d = 0; d < F_IDS; d++)
				if (linked[d] && parent[d] == c)
					named = true;
			if (rc != ri || !(sent[c] || named))
				continue;
			nodes++;
			if (sent[c])
				msgs_in++;
			if (!linked[c])
				top = c;
		}
		if (top >= 0 && sent[top])
			root = top;
		else if (top >= 0)
			for (int c = 0; c < F_IDS; c++)
				if (linked[c] && parent[c] == top && sent[c] &&
				    (root < 0 || c < root))
					root = c;
		g_string_append_printf(expect, "thread %s: root=%s messages=%d "
		    "nodes=%d\n", ids[i], root >= 0 ? ids[root] : "?", msgs_in,
		    nodes);
	}
	{
		char *what = g_strdup_printf("random forest %d (%zu messages)",
		    round, n);

		if (!scenario(what, msgs, n, SNAP_PARENTS | SNAP_THREADS,
		    expect->str))
			*good = false;
		g_free(what);
	}
	g_string_free(expect, TRUE);
	for (int i = 0; i < F_IDS; i++) {
		g_free(ids[i]);
		g_free(irts[i]);
		g_free(refss[i]);
		g_free(subjects[i]);
	}
}

/* Is node ANCESTOR above node KEY (both idkeys) in the store's tree? */
static bool
is_ancestor(struct store *st, MDB_txn *txn, uint32_t comm,
    const char *ancestor, const char *key)
{
	char cur[IDKEY_BUF], parent[IDKEY_BUF];
	struct node_rec node;
	size_t plen;

	g_strlcpy(cur, key, sizeof cur);
	for (int steps = 0; steps < 10000; steps++) {
		if (thread_node_get(st, txn, comm, cur, strlen(cur), &node,
		    parent, &plen) != 0 || plen == 0)
			return false;
		if (strcmp(parent, ancestor) == 0)
			return true;
		memcpy(cur, parent, plen + 1);
	}
	return false;
}

#define M_IDS 9

/*
 * Headers that contradict each other: random References (any order,
 * loops, self-contradicting chains) and In-Reply-To over a small pool of
 * ids.  Whatever is refused, threads are the groups of ids named
 * together, in every order; and a message whose parent is not the one
 * its header names has that one below it (the link would have looped).
 */
static void
messy(GRand *rand, int round, bool *good)
{
	char *ids[M_IDS], *irts[M_IDS], *refss[M_IDS], *subjects[M_IDS];
	int own[M_IDS], uf[M_IDS];
	struct tmsg msgs[M_IDS];
	size_t n = 0, idx[M_IDS];
	GString *expect = g_string_new(NULL);
	GPtrArray *orders;
	int bad_parent = 0;
	char *what;

	for (int i = 0; i < M_IDS; i++) {
		ids[i] = g_strdup_printf("x%d.%d@t", round, i);
		irts[i] = refss[i] = subjects[i] = NULL;
		own[i] = -1;
		uf[i] = i;
	}
	for (int i = 0; i < M_IDS; i++) {
		int nrefs = g_rand_int_range(rand, 0, 4), last = -1;
		GString *refs = g_string_new(NULL);

		if (g_rand_int_range(rand, 0, 5) == 0)
			continue;	/* never sent: a placeholder at most */
		for (int j = 0; j < nrefs; j++) {
			int r = g_rand_int_range(rand, 0, M_IDS);

			if (r == i)
				continue;
			g_string_append_printf(refs, "%s<%s>", refs->len ?
			    " " : "", ids[r]);
			last = r;
			for (int a = r, b = i; ; ) {	/* union */
				while (uf[a] != a)
					a = uf[a];
				while (uf[b] != b)
					b = uf[b];
				uf[a] = b;
				break;
			}
		}
		if (refs->len > 0)
			refss[i] = g_string_free(refs, FALSE);
		else
			g_string_free(refs, TRUE);
		if (g_rand_int_range(rand, 0, 2) == 0) {
			int r = g_rand_int_range(rand, 0, M_IDS);

			if (r != i) {
				irts[i] = g_strdup_printf("<%s>", ids[r]);
				last = r;
				for (int a = r, b = i; ; ) {
					while (uf[a] != a)
						a = uf[a];
					while (uf[b] != b)
						b = uf[b];
					uf[a] = b;
					break;
				}
			}
		}
		own[i] = last;
		subjects[i] = g_strdup_printf("Mess %d.%d", round, i);
		msgs[n] = (struct tmsg){ ids[i], irts[i], refss[i],
		    subjects[i], i, NULL };
		idx[n++] = (size_t)i;
	}
	for (size_t j = 0; j < n; j++) {
		int ri = (int)idx[j], label = -1;

		while (uf[ri] != ri)
			ri = uf[ri];
		for (size_t q = 0; q < n && label < 0; q++) {
			int c = (int)idx[q];

			while (uf[c] != c)
				c = uf[c];
			if (c == ri)
				label = (int)idx[q];
		}
		g_string_append_printf(expect, "%s: thread=%s\n",
		    ids[idx[j]], ids[label]);
	}
	what = g_strdup_printf("contradicting headers %d (%zu messages): "
	    "threads", round, n);
	if (!scenario(what, msgs, n, 0, expect->str))
		*good = false;
	g_free(what);

	orders = orders_for(n, 6, (guint32)round);
	for (guint o = 0; o < orders->len; o++) {
		struct run r;
		MDB_txn *txn;
		uint32_t comm;

		if (!run_ingest(&r, msgs, n, orders->pdata[o], false)) {
			bad_parent++;
			run_free(&r);
			continue;
		}
		store_begin(&r.s.st, false, &txn);
		store_community_id(&r.s.st, txn, COMMUNITY, false, &comm);
		for (size_t j = 0; j < n; j++) {
			int i = (int)idx[j];
			struct msg_state ms;
			char *p;

			run_state(&r, txn, comm, j, &ms);
			p = ms.parent;
			if (own[i] >= 0 && strcmp(p + (p[0] == '~'),
			    ids[own[i]]) != 0 &&
			    !is_ancestor(&r.s.st, txn, comm, ids[i],
			    ids[own[i]])) {
				if (bad_parent++ == 0) {
					char *ot = order_text(msgs,
					    orders->pdata[o], n);

					diag("order %s: <%s> has parent %s, "
					    "its header names <%s>, which is "
					    "not below it", ot, ids[i], p,
					    ids[own[i]]);
					for (size_t q = 0; q < n; q++)
						diag("  <%s> In-Reply-To: %s "
						    "References: %s",
						    msgs[q].id, msgs[q].irt ?
						    msgs[q].irt : "",
						    msgs[q].refs ?
						    msgs[q].refs : "");
					g_free(ot);
				}
			}
			g_free(p);
		}
		mdb_txn_abort(txn);
		run_free(&r);
	}
	ok(bad_parent == 0, "contradicting headers %d: a parent differs "
	    "from the header only where the link would loop", round);
	if (bad_parent)
		*good = false;
	g_ptr_array_free(orders, TRUE);
	g_string_free(expect, TRUE);
	for (int i = 0; i < M_IDS; i++) {
		g_free(ids[i]);
		g_free(irts[i]);
		g_free(refss[i]);
		g_free(subjects[i]);
	}
}

static void
test_thread(void)
{
	thread_chain();
	thread_late_parent();
	thread_merge();
	thread_loops();
	thread_own_beats_guess();
	thread_subject();
	thread_duplicates();
	thread_derived_ids();
	thread_junk();
	thread_many_refs();
	thread_long_ids();
}

static void
test_order(void)
{
	GRand *rand = g_rand_new_with_seed(5256);
	bool good = true;

	for (int round = 1; round <= 12; round++)
		forest(rand, round, &good);
	for (int round = 1; round <= 10; round++)
		messy(rand, round, &good);
	g_rand_free(rand);
}

/* --------------------------------------------------------------- main */

static const struct {
	const char *name;
	void (*fn)(void);
} groups[] = {
	{ "smtp", test_smtp_cmd },
	{ "smtp", test_smtp_path },
	{ "smtp", test_smtp_limits },
	{ "subject", test_subject },
	{ "body", test_body_offset },
	{ "mbox", test_mbox },
	{ "idkey", test_idkey },
	{ "msginfo", test_msginfo },
	{ "config", test_config },
	{ "config", test_listen_spec },
	{ "thread", test_thread },
	{ "order", test_order },
};

static int
cmd_check_store(const char *dir)
{
	struct store st;
	char err[512];
	int bad;

	if (store_open(&st, dir, 0, true, err, sizeof err) != 0) {
		fprintf(stderr, "test-tool check-store: %s\n", err);
		return 2;
	}
	bad = check_store(&st);
	store_close(&st);
	if (bad != 0) {
		printf("%s: %d problems\n", dir, bad);
		return 1;
	}
	printf("%s: consistent\n", dir);
	return 0;
}

static int
cmd_hold_store(const char *dir)
{
	struct store st;
	MDB_txn *txn;
	char err[512];
	int rc;

	if (store_open(&st, dir, 0, false, err, sizeof err) != 0) {
		fprintf(stderr, "test-tool hold-store: %s\n", err);
		return 2;
	}
	if ((rc = store_begin(&st, true, &txn)) != 0) {
		fprintf(stderr, "test-tool hold-store: %s\n", mdb_strerror(rc));
		store_close(&st);
		return 2;
	}
	printf("held\n");
	fflush(stdout);
	while (getchar() != EOF)
		;
	mdb_txn_abort(txn);
	store_close(&st);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR");
	bool all = argc < 2 || strcmp(argv[1], "all") == 0;

	if (argc == 3 && strcmp(argv[1], "check-store") == 0)
		return cmd_check_store(argv[2]);
	if (argc == 3 && strcmp(argv[1], "hold-store") == 0)
		return cmd_hold_store(argv[2]);
	scratch_base = g_strdup(tmp && *tmp ? tmp : "/tmp");
	setenv("TZ", "UTC", 1);
	msginfo_global_init();
	for (int a = all ? 0 : 1; a < (all ? 1 : argc); a++) {
		bool found = false;

		for (size_t i = 0; i < G_N_ELEMENTS(groups); i++)
			if (all || strcmp(argv[a], groups[i].name) == 0) {
				groups[i].fn();
				found = true;
			}
		if (!found) {
			fprintf(stderr, "test-tool: no group \"%s\"\n", argv[a]);
			g_free(scratch_base);
			return 2;
		}
	}
	printf("1..%d\n", t_count);
	if (t_failed)
		printf("# failed %d of %d\n", t_failed, t_count);
	/* A sanitizer report at exit must not lose the plan. */
	fflush(stdout);
	g_free(scratch_base);
	return t_failed ? 1 : 0;
}
