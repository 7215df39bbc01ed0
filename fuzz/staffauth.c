/*
 * Fuzz target: the parsers of staff acting by mail, which read what
 * anyone can send: the recipient's sub-address (staff_action_parse) and
 * the Authentication-Results fields of a message (staff_auth_results),
 * and a token checked against a fixed key.  The input's first line is
 * the address, the rest the message.  The checks: a parsed action names
 * a kind with its topic, a "pass" names how, and a made token is valid
 * for what it was made for and for nothing else.  The first line is also
 * checked as a member token (membertoken.h): only a made one passes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "kring/membertoken.h"
#include "kring/msginfo.h"
#include "kring/staffaction.h"
#include "kring/staffauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static const unsigned char key[STAFF_KEY_LEN] = "kring fuzz key, thirty-two bytes";

static void
check_action(const char *address)
{
	struct staff_action a;
	char *token;

	if (staff_action_parse(address, "kring", &a) != 0)
		return;
	/* A new topic and an announcement name no topic; the rest do. */
	CHECK(a.kind == ACT_TOPIC || a.kind == ACT_ANNOUNCE || a.topic != 0);
	token = staff_token_make(key, "staff@example.org", "kring", a.action,
	    1700000000);
	CHECK(staff_token_valid(key, "staff@example.org", "kring", a.action,
	    token, 1700000000));
	CHECK(!staff_token_valid(key, "other@example.org", "kring", a.action,
	    token, 1700000000));
	CHECK(!staff_token_valid(key, "staff@example.org", "kring", a.action,
	    token, 1700000000 + 2 * 86400));
	if (a.token[0])		/* whatever came in: no crash, no pass by luck */
		(void)staff_token_valid(key, "staff@example.org", "kring",
		    a.action, a.token, 1700000000);
	g_free(token);
}

static void
check_member_token(const char *text)
{
	char *made = member_token_make(key, MACT_SUBSCRIBE, "kring",
	    "anna@example.net", 1700000000);
	enum member_token_status st = member_token_check(key, text, 0,
	    "kring", "anna@example.net", 1700000000, NULL);

	CHECK(member_token_check(key, made, MACT_SUBSCRIBE, "kring",
	    "anna@example.net", 1700000000, NULL) == MTOKEN_OK);
	CHECK(st != MTOKEN_OK || g_ascii_strcasecmp(text, made) == 0);
	g_free(made);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	const char *nl = memchr(data, '\n', size);
	size_t alen = nl ? (size_t)(nl - (const char *)data) : size;
	char *address = g_strndup((const char *)data, alen);
	const char *raw = nl ? nl + 1 : (const char *)data + size;
	size_t rlen = size - (size_t)(raw - (const char *)data);
	const char *how = NULL;

	if (!init) {
		msginfo_global_init();
		init = true;
	}
	check_action(address);
	check_member_token(address);
	if (staff_auth_results(raw, rlen, "mx.example.org", "staff@example.org",
	    &how))
		CHECK(how != NULL && (strcmp(how, "dkim") == 0 ||
		    strcmp(how, "spf") == 0));
	else
		CHECK(how == NULL);
	g_free(address);
	return 0;
}
