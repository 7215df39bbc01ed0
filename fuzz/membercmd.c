/*
 * Fuzz target: the member commands, which anyone can send as the
 * sub-address of a community (member_request_parse).  The input is the
 * detail between '+' and '@'.  The checks: the parse always names a
 * command; a token is lower case and NUL-ended within its buffer; an
 * unknown command is kept as printable ASCII only, cut to its limit; a
 * decision has an id only with a token; and the parse is deterministic.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "kring/membercmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct member_request r, again;
	size_t tlen, ulen;

	member_request_parse((const char *)data, size, &r);
	CHECK(r.cmd >= MCMD_HELP && r.cmd <= MCMD_DECIDE);
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
	if (r.cmd == MCMD_DECIDE && r.id == 0)
		CHECK(tlen == 0);
	CHECK(r.lang[sizeof r.lang - 1] == '\0');
	member_request_parse((const char *)data, size, &again);
	CHECK(memcmp(&r, &again, sizeof r) == 0);
	return 0;
}
