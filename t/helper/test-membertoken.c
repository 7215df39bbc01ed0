/*
 * test-membertoken: member action tokens (lib/members/membertoken.c), in TAP.
 * Each case makes a token with one key and checks it as an attacker or a
 * careless mail system would present it.
 */
#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "kring/membertoken.h"
#include "kring/staffauth.h"
#include "tap.h"

#define DAY 86400
#define NOW ((int64_t)1796515200)	/* 2026-12-06 00:00 UTC */

static unsigned char key[STAFF_KEY_LEN], other_key[STAFF_KEY_LEN];

static enum member_token_status
check(const char *token, enum member_action want, const char *address,
    int64_t now)
{
	return member_token_check(key, token, want, "kring", address, now, NULL);
}

static void
test_roundtrip(void)
{
	char *t = member_token_make(key, MACT_SUBSCRIBE, "kring",
	    "Anna@Example.NET", NOW + 3 * DAY);
	enum member_action got = 0;
	char *upper = g_ascii_strup(t, -1);

	ok(strlen(t) < MEMBER_TOKEN_MAX, "token %s is shorter than %d", t,
	    MEMBER_TOKEN_MAX);
	ok(t[0] == 's', "a subscribe token starts with its letter");
	is_long(member_token_check(key, t, MACT_SUBSCRIBE, "kring",
	    "anna@example.net", NOW, &got), MTOKEN_OK,
	    "valid for the address in any case");
	is_long(got, MACT_SUBSCRIBE, "the action is given back");
	is_long(check(t, 0, "anna@example.net", NOW), MTOKEN_OK,
	    "valid when any action is wanted");
	is_long(check(upper, MACT_SUBSCRIBE, "anna@example.net", NOW),
	    MTOKEN_OK, "valid in upper case (a folded local part)");
	is_long(check(t, MACT_SUBSCRIBE, "anna@example.net", NOW + 3 * DAY),
	    MTOKEN_OK, "valid on its last day");
	is_long(check(t, MACT_SUBSCRIBE, "anna@example.net", NOW + 4 * DAY),
	    MTOKEN_EXPIRED, "expired the day after");
	g_free(upper);
	g_free(t);
}

static void
test_refused(void)
{
	char *t = member_token_make(key, MACT_UNSUBSCRIBE, "kring",
	    "anna@example.net", NOW + DAY);
	char *k = member_token_make(other_key, MACT_UNSUBSCRIBE, "kring",
	    "anna@example.net", NOW + DAY);
	char *flipped = g_strdup(t), *later, *dot = strchr(t, '.');
	char *last = flipped + strlen(flipped) - 1;

	*last = *last == '0' ? '1' : '0';
	/* The same MAC under a later day: a lengthened expiry. */
	later = g_strdup_printf("u%llx%s", (unsigned long long)(NOW / DAY + 30),
	    dot);
	is_long(check(t, MACT_SUBSCRIBE, "anna@example.net", NOW),
	    MTOKEN_OTHER_ACTION, "an unsubscribe token does not subscribe");
	is_long(check(t, MACT_UNSUBSCRIBE, "bram@example.net", NOW),
	    MTOKEN_FORGED, "another address: forged");
	is_long(member_token_check(key, t, MACT_UNSUBSCRIBE, "bank",
	    "anna@example.net", NOW, NULL), MTOKEN_FORGED,
	    "another community: forged");
	is_long(check(k, MACT_UNSUBSCRIBE, "anna@example.net", NOW),
	    MTOKEN_FORGED, "another key: forged");
	is_long(check(flipped, MACT_UNSUBSCRIBE, "anna@example.net", NOW),
	    MTOKEN_FORGED, "one MAC digit changed: forged");
	is_long(check(later, MACT_UNSUBSCRIBE, "anna@example.net", NOW),
	    MTOKEN_FORGED, "a later expiry with the old MAC: forged");
	g_free(later);
	g_free(flipped);
	g_free(k);
	g_free(t);
}

static void
test_malformed(void)
{
	static const char *const bad[] = {
		"", "s", "s.", "s1.", ".0123456789abcdef", "x4e2a.0123456789abcdef",
		"s4e2a0123456789abcdef", "s4e2a.0123456789abcde",
		"s4e2a.0123456789abcdef0", "s4e2a.0123456789abcdeg",
		"s4e2g.0123456789abcdef", "s4e2a.01234567\xc3\xa9" "abcdef",
		"s4e2a..0123456789abcdef", "s123456789.0123456789abcdef",
		"s-1.0123456789abcdef", "s 4e2a.0123456789abcdef",
		"s4e2a.0123456789abcdef\n",
		"sffffffffffffffffffffffffffffffff.0123456789abcdef",
	};

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		char *shown = g_strescape(bad[i], NULL);

		is_long(check(bad[i], 0, "anna@example.net", NOW),
		    MTOKEN_MALFORMED, "\"%s\" is malformed", shown);
		g_free(shown);
	}
	is_str(member_token_status_name(MTOKEN_EXPIRED), "expired",
	    "status names for logs");
}

int
main(void)
{
	for (size_t i = 0; i < sizeof key; i++) {
		key[i] = (unsigned char)(i * 7 + 1);
		other_key[i] = (unsigned char)(i * 7 + 2);
	}
	test_roundtrip();
	test_refused();
	test_malformed();
	printf("1..%d\n", t_count);
	return t_failed ? 1 : 0;
}
