/*
 * membertoken.c: member action tokens (membertoken.h).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "kring/membertoken.h"
#include "kring/staffauth.h"
#include "kring/util.h"

#define MAC_HEX 16		/* hex digits of the HMAC kept: 64 bits */
#define EXPIRY_HEX_MAX 8	/* days: far past any real date */

static bool
action_known(int c)
{
	return c == MACT_SUBSCRIBE || c == MACT_UNSUBSCRIBE ||
	    c == MACT_INVITE || c == MACT_APPROVE || c == MACT_REJECT ||
	    c == MACT_MODERATE || c == MACT_WITHDRAW;
}

/* The MAC of ACTION by ADDRESS in COMMUNITY until day EXPIRY (hex). */
static char *
token_mac(const unsigned char *key, enum member_action action,
    const char *community, const char *address, const char *expiry)
{
	char *lower = g_ascii_strdown(address, -1);
	char *msg = g_strdup_printf("kring-member-v1\n%c\n%s\n%s\n%s",
	    (char)action, community, lower, expiry);
	char *mac = staff_key_mac(key, msg, MAC_HEX);

	g_free(msg);
	g_free(lower);
	return mac;
}

char *
member_token_make(const unsigned char *key, enum member_action action,
    const char *community, const char *address, int64_t expires)
{
	char expiry[24], *mac, *token;

	snprintf(expiry, sizeof expiry, "%llx",
	    (unsigned long long)((expires + 86399) / 86400));
	mac = token_mac(key, action, community, address, expiry);
	token = g_strdup_printf("%c%s.%s", (char)action, expiry, mac);
	g_free(mac);
	return token;
}

/* True when the LEN bytes at P are all lower-case hex digits. */
static bool
all_hex(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!g_ascii_isxdigit(p[i]) || g_ascii_isupper(p[i]))
			return false;
	return true;
}

enum member_token_status
member_token_check(const unsigned char *key, const char *token,
    enum member_action want, const char *community, const char *address,
    int64_t now, enum member_action *action)
{
	char *lower, *dot, *mac;
	size_t explen;
	unsigned long long day;
	unsigned char diff = 0;
	enum member_token_status st;

	if (strlen(token) >= MEMBER_TOKEN_MAX)
		return MTOKEN_MALFORMED;
	lower = g_ascii_strdown(token, -1);
	dot = strchr(lower, '.');
	explen = dot ? (size_t)(dot - lower) - 1 : 0;
	if (dot == NULL || !action_known(lower[0]) || explen == 0 ||
	    explen > EXPIRY_HEX_MAX || !all_hex(lower + 1, explen) ||
	    strlen(dot + 1) != MAC_HEX || !all_hex(dot + 1, MAC_HEX)) {
		g_free(lower);
		return MTOKEN_MALFORMED;
	}
	*dot = '\0';
	mac = token_mac(key, (enum member_action)lower[0], community, address,
	    lower + 1);
	for (size_t i = 0; i < MAC_HEX; i++)
		diff |= (unsigned char)(mac[i] ^ dot[1 + i]);
	day = g_ascii_strtoull(lower + 1, NULL, 16);
	if (diff != 0)
		st = MTOKEN_FORGED;
	else if (want != 0 && lower[0] != (char)want)
		st = MTOKEN_OTHER_ACTION;
	else if (day_start(day) < now)
		st = MTOKEN_EXPIRED;
	else
		st = MTOKEN_OK;
	if (diff == 0 && action != NULL)
		*action = (enum member_action)lower[0];
	g_free(mac);
	g_free(lower);
	return st;
}

const char *
member_token_status_name(enum member_token_status status)
{
	switch (status) {
	case MTOKEN_OK: return "valid";
	case MTOKEN_MALFORMED: return "malformed";
	case MTOKEN_FORGED: return "forged";
	case MTOKEN_EXPIRED: return "expired";
	case MTOKEN_OTHER_ACTION: return "for another action";
	}
	return "unknown";
}
