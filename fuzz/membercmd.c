/*
 * Fuzz target: the member commands, which anyone can send as the
 * sub-address of a community (member_request_parse).  The input is the
 * detail between '+' and '@'.  The checks: the parse always names a
 * command; a token is lower case and NUL-ended within its buffer; an
 * unknown command is kept as printable ASCII only, cut to its limit; a
 * decision has an id only with a token; and the parse is deterministic.
 * The input is also read as the Subject sent to the request address
 * (member_request_from_subject), with the same checks, and its words
 * after a name command as a display name (member_name_clean): one line,
 * bounded.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "kring/member.h"
#include "kring/membercmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static void check_request(const struct member_request *r);

/* The input as a Subject to community-request@. */
static void
check_subject(const uint8_t *data, size_t size)
{
	char *subject = g_strndup((const char *)data, size);
	char name[MEMBER_NAME_MAX + 1];
	struct member_request r;
	const char *rest = NULL;

	member_request_from_subject(subject, &r, &rest);
	check_request(&r);
	CHECK(rest == NULL || (rest >= subject &&
	    rest <= subject + strlen(subject)));
	if (r.cmd == MCMD_NAME && rest != NULL &&
	    member_name_clean(rest, name) == 0) {
		CHECK(strlen(name) <= MEMBER_NAME_MAX);
		CHECK(strpbrk(name, "\r\n") == NULL);
		CHECK(g_utf8_validate(name, -1, NULL));
	}
	g_free(subject);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct member_request r, again;

	member_request_parse((const char *)data, size, &r);
	check_request(&r);
	member_request_parse((const char *)data, size, &again);
	CHECK(memcmp(&r, &again, sizeof r) == 0);
	check_subject(data, size);
	return 0;
}

static void
check_request(const struct member_request *rq)
{
	const struct member_request r = *rq;
	size_t tlen, ulen;

	CHECK(r.cmd >= MCMD_HELP && r.cmd <= MCMD_LAST);
	CHECK(strcmp(member_cmd_name(r.cmd), "?") != 0);
	tlen = strnlen(r.token, sizeof r.token);
	CHECK(tlen < sizeof r.token);
	for (size_t i = 0; i < tlen; i++)
		CHECK(!g_ascii_isupper(r.token[i]));
	ulen = strnlen(r.unknown, sizeof r.unknown);
	CHECK(ulen <= MEMBER_CMD_UNKNOWN_MAX);
	for (size_t i = 0; i < ulen; i++)
		CHECK(r.unknown[i] > ' ' && r.unknown[i] < 0x7f);
	CHECK(r.cmd == MCMD_HELP || ulen == 0);
	if ((r.cmd == MCMD_DECIDE || r.cmd == MCMD_MODERATE) && r.id == 0)
		CHECK(tlen == 0);
	CHECK(r.lang[sizeof r.lang - 1] == '\0');
}
