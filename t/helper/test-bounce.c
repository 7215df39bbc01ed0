/*
 * test-bounce: signed return paths (lib/bounces/verp.c), the classes of
 * bounces (classify.c), and the bounces of t/data/bounces read and
 * classified as their MANIFEST says (dsn.c), in TAP.
 *
 * usage: test-bounce DIR   (DIR: t/data/bounces)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "kring/bounce.h"
#include "kring/msginfo.h"
#include "kring/staffauth.h"
#include "kring/verp.h"
#include "tap.h"

#define MEMBER "ann@example.net"
#define VERP_OF_TEST "kring+bounce-m7-42-0123456789@example.org"

static unsigned char key[STAFF_KEY_LEN], other_key[STAFF_KEY_LEN];

/* The detail after "bounce-" of ADDR. */
static char *
detail_of(const char *addr)
{
	const char *d = strstr(addr, "+bounce-") + 8;

	return g_strndup(d, strcspn(d, "@"));
}

static void
test_verp(void)
{
	struct community_conf c = { .name = "kring", .local = "kring",
	    .domain = "example.org" };
	char *addr = verp_member_address(key, &c, 7, 42);
	char *d = detail_of(addr), *upper = g_ascii_strup(d, -1), *bad;
	uint64_t m, p;

	ok(strlen(addr) - strlen("@example.org") <= 64,
	    "%s: the local part fits in 64 bytes", addr);
	is_long(verp_parse(key, "kring", d, &m, &p), VERP_MEMBER,
	    "a member's copy is ours");
	ok(m == 7 && p == 42, "member and post read back");
	is_long(verp_parse(key, "kring", upper, &m, &p), VERP_MEMBER,
	    "in upper case too (a folded local part)");
	is_long(verp_parse(key, "bank", d, &m, &p), VERP_FORGED,
	    "another community's copy is not this one's");
	is_long(verp_parse(other_key, "kring", d, &m, &p), VERP_FORGED,
	    "another key: forged");
	bad = g_strdup(d);
	bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == '0' ? '1' : '0';
	is_long(verp_parse(key, "kring", bad, &m, &p), VERP_FORGED,
	    "a changed MAC: forged");
	g_free(bad);
	bad = g_strdup_printf("m8-42-%s", strrchr(d, '-') + 1);
	is_long(verp_parse(key, "kring", bad, &m, &p), VERP_FORGED,
	    "another member with this MAC: forged");
	g_free(bad);
	is_long(verp_parse(key, "kring", "m7-42", &m, &p), VERP_FORGED,
	    "unsigned (an old copy): never counted");
	is_long(verp_parse(key, "kring", "17", &m, &p), VERP_OUTBOX,
	    "an outbox id");
	ok(m == 17, "its id read back");
	is_long(verp_parse(key, "kring", "m7-42-01234", &m, &p),
	    VERP_MALFORMED, "a short MAC: malformed");
	is_long(verp_parse(key, "kring", "x7", &m, &p), VERP_MALFORMED,
	    "letters: malformed");
	is_long(verp_parse(key, "kring", "", &m, &p), VERP_MALFORMED,
	    "empty: malformed");
	is_long(verp_parse(key, "kring", "m-42-0123456789", &m, &p),
	    VERP_MALFORMED, "no member: malformed");
	g_free(addr);
	g_free(d);
	g_free(upper);
}

static enum bounce_class
classify(const char *action, const char *status, const char *diag)
{
	struct dsn_rcpt r = { 0 };

	g_strlcpy(r.action, action, sizeof r.action);
	g_strlcpy(r.status, status, sizeof r.status);
	g_strlcpy(r.diagnostic, diag, sizeof r.diagnostic);
	return bounce_classify(&r);
}

static void
test_classes(void)
{
	is_long(classify("failed", "5.1.1", ""), BOUNCE_HARD, "5.1.1 hard");
	is_long(classify("failed", "5.1.10", ""), BOUNCE_HARD, "5.1.10 hard");
	is_long(classify("failed", "5.2.1", ""), BOUNCE_HARD,
	    "5.2.1 disabled: hard");
	is_long(classify("failed", "5.2.2", "mailbox full"), BOUNCE_SOFT,
	    "5.2.2 full: soft");
	is_long(classify("failed", "5.7.1", "rejected as spam"), BOUNCE_POLICY,
	    "5.7.1 policy");
	is_long(classify("failed", "5.0.0", "550 no such user here"),
	    BOUNCE_HARD, "5.0.0 saying no such user: hard");
	is_long(classify("failed", "5.0.0", "554 message refused"),
	    BOUNCE_SOFT, "5.0.0 otherwise: soft");
	is_long(classify("failed", "4.4.7", "timed out"), BOUNCE_SOFT,
	    "4.4.7 given up on: soft");
	is_long(classify("delayed", "4.4.1", ""), BOUNCE_DELAYED,
	    "delayed: not counted");
	is_long(classify("delayed", "5.1.1", ""), BOUNCE_DELAYED,
	    "delayed whatever its status");
	is_long(classify("delivered", "2.0.0", ""), BOUNCE_SUCCESS,
	    "delivered: success");
	is_long(classify("relayed", "", ""), BOUNCE_SUCCESS,
	    "relayed: success");
	is_long(classify("", "", ""), BOUNCE_NOT, "nothing: none");
	is_long(classify("frobbed", "5.1.1", ""), BOUNCE_NOT,
	    "an unknown action: none");
}

/* FILE's text with the placeholders filled in. */
static char *
sample(const char *dir, const char *file, size_t *len)
{
	char *path = g_build_filename(dir, file, NULL), *text = NULL;
	GString *out;

	if (!g_file_get_contents(path, &text, len, NULL)) {
		g_free(path);
		return NULL;
	}
	out = g_string_new(text);
	g_string_replace(out, "@@VERP@@", VERP_OF_TEST, 0);
	g_string_replace(out, "@@RCPT@@", MEMBER, 0);
	g_string_replace(out, "@@MSGID@@", "post-42@example.org", 0);
	g_free(text);
	g_free(path);
	*len = out->len;
	return g_string_free(out, FALSE);
}

/* One MANIFEST line: FILE CLASS STATUS. */
static void
test_sample(const char *dir, const char *file, const char *want_class,
    const char *want_status)
{
	struct dsn_report rep;
	const struct dsn_rcpt *r;
	size_t len;
	char *raw = sample(dir, file, &len);

	if (!ok(raw != NULL, "%s: readable", file))
		return;
	dsn_parse(raw, len, &rep);
	r = bounce_pick(&rep, MEMBER);
	is_str(bounce_class_name(r ? bounce_classify(r) : BOUNCE_NOT),
	    want_class, "%s: class (%s)", file, dsn_format_name(rep.format));
	if (strcmp(want_status, "-") != 0) {
		is_str(r ? r->status : NULL, want_status, "%s: status", file);
		ok(r != NULL && r->diagnostic[0] != '\0' ? true :
		    strcmp(want_class, "success") == 0 ||
		    strcmp(want_class, "delayed") == 0,
		    "%s: a diagnostic for the staff (%s)", file,
		    r ? r->diagnostic : "");
	}
	if (r != NULL && r->recipient[0] != '\0' &&
	    strcmp(want_class, "none") != 0)
		is_str(r->recipient, MEMBER, "%s: the member's block", file);
	g_free(raw);
}

/* Bad input reads as no bounce, or as what can be read, never more. */
static void
test_malformed(void)
{
	static const char *const cases[] = {
		"",
		"\x01\x02\xff\xfe binary junk \x7f",
		"Subject: hi\n\nno headers worth anything\n",
		"Content-Type: multipart/report; boundary=\"x\"\n\n--x\n"
		"Content-Type: message/delivery-status\n\n"
		"Action failed Status 5.1.1 no colons at all\n--x",
		"Content-Type: multipart/report; boundary=\"never-closed\"\n\n"
		"--never-closed\nContent-Type: message/delivery-status\n\n"
		"Final-Recipient: rfc822; <>\nAction:\nStatus: x.y.z\n",
	};
	GString *many = g_string_new("Content-Type: message/delivery-status"
	    "\n\nReporting-MTA: dns; x\n");
	GString *long_diag = g_string_new("Content-Type: message/delivery-"
	    "status\n\nFinal-Recipient: rfc822; a@b.example\nAction: failed"
	    "\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 ");
	struct dsn_report rep;

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		dsn_parse(cases[i], strlen(cases[i]), &rep);
		ok(rep.n <= 1 && (rep.n == 0 || bounce_classify(&rep.rcpt[0]) !=
		    BOUNCE_HARD), "malformed case %zu: nothing to count", i);
	}
	for (int i = 0; i < 1000; i++)
		g_string_append_printf(many, "\nFinal-Recipient: rfc822; u%d@x"
		    ".example\nAction: failed\nStatus: 5.1.1\n", i);
	dsn_parse(many->str, many->len, &rep);
	is_long((long)rep.n, DSN_MAX_RCPT, "1000 recipients: the first %d kept",
	    DSN_MAX_RCPT);
	for (int i = 0; i < 5000; i++)
		g_string_append(long_diag, "\xc3\xa9 ");
	g_string_append(long_diag, "\n");
	dsn_parse(long_diag->str, long_diag->len, &rep);
	ok(rep.n == 1 && strlen(rep.rcpt[0].diagnostic) <= DSN_DIAG_MAX &&
	    g_utf8_validate(rep.rcpt[0].diagnostic, -1, NULL),
	    "a 10 KB diagnostic: cut to %d bytes, still UTF-8", DSN_DIAG_MAX);
	g_string_free(many, TRUE);
	g_string_free(long_diag, TRUE);
}

/* A reply of several lines reads as one, its code said once. */
static void
test_multiline_reply(const char *dir)
{
	struct dsn_report rep;
	size_t len;
	char *raw = sample(dir, "gmail-hard.eml", &len);

	if (!ok(raw != NULL, "gmail-hard.eml: readable"))
		return;
	dsn_parse(raw, len, &rep);
	is_str(rep.n > 0 ? rep.rcpt[0].diagnostic : NULL, "550 5.1.1 The "
	    "email account that you tried to reach does not exist. Please "
	    "try double-checking the recipient's email address for typos or "
	    "unnecessary spaces. For more information, go to "
	    "https://support.google.com/mail/?p=NoSuchUser "
	    "do11-20020a170906c10b00b00a45f2e19b3cs",
	    "a multi-line reply in one line, its code once");
	g_free(raw);
}

static void
test_samples(const char *dir)
{
	char *path = g_build_filename(dir, "MANIFEST", NULL), *text;
	char **lines;
	int n = 0;

	if (!ok(g_file_get_contents(path, &text, NULL, NULL), "%s", path)) {
		g_free(path);
		return;
	}
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l != NULL; l++) {
		char **f;

		if ((*l)[0] == '#' || (*l)[0] == '\0')
			continue;
		f = g_strsplit_set(*l, " \t", -1);
		if (g_strv_length(f) >= 3) {
			test_sample(dir, f[0], f[1], f[2]);
			n++;
		}
		g_strfreev(f);
	}
	ok(n >= 10, "%d samples in the MANIFEST", n);
	g_strfreev(lines);
	g_free(text);
	g_free(path);
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test-bounce DIR\n");
		return 64;
	}
	msginfo_global_init();
	memset(key, 0x5a, sizeof key);
	memset(other_key, 0xa5, sizeof other_key);
	test_verp();
	test_classes();
	test_malformed();
	test_samples(argv[1]);
	test_multiline_reply(argv[1]);
	printf("1..%d\n", t_count);
	return t_failed ? 1 : 0;
}
