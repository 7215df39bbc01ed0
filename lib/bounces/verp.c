/*
 * verp.c: signed return paths (verp.h).
 */
#include <string.h>
#include <glib.h>

#include "kring/staffauth.h"
#include "kring/verp.h"

/* The MAC of MEMBER's copy of POST in COMMUNITY, VERP_MAC_LEN hex
 * digits (g_free). */
static char *
verp_mac(const unsigned char *key, const char *community, uint64_t member,
    uint64_t post)
{
	GHmac *h = g_hmac_new(G_CHECKSUM_SHA256, key, STAFF_KEY_LEN);
	GString *text = g_string_new("bounce");
	char *mac;

	/* NULs between the fields: no two inputs make one text. */
	g_string_append_c(text, '\0');
	g_string_append(text, community);
	g_string_append_c(text, '\0');
	g_string_append_printf(text, "%" G_GUINT64_FORMAT, member);
	g_string_append_c(text, '\0');
	g_string_append_printf(text, "%" G_GUINT64_FORMAT, post);
	g_hmac_update(h, (const guchar *)text->str, (gssize)text->len);
	mac = g_strndup(g_hmac_get_string(h), VERP_MAC_LEN);
	g_hmac_unref(h);
	g_string_free(text, TRUE);
	return mac;
}

char *
verp_member_address(const unsigned char *key, const struct community_conf *c,
    uint64_t member, uint64_t post)
{
	char *mac, *addr;

	if (key == NULL)
		return g_strdup_printf("%s+bounce-m%" G_GUINT64_FORMAT "-%"
		    G_GUINT64_FORMAT "@%s", c->local, member, post, c->domain);
	mac = verp_mac(key, c->name, member, post);
	addr = g_strdup_printf("%s+bounce-m%" G_GUINT64_FORMAT "-%"
	    G_GUINT64_FORMAT "-%s@%s", c->local, member, post, mac, c->domain);
	g_free(mac);
	return addr;
}

/* The decimal number at *P (moved past it) into *V; false when none. */
static bool
take_number(const char **p, uint64_t *v)
{
	char *end;

	if (!g_ascii_isdigit(**p))
		return false;
	*v = g_ascii_strtoull(*p, &end, 10);
	*p = end;
	return true;
}

enum verp_kind
verp_parse(const unsigned char *key, const char *community,
    const char *detail, uint64_t *member, uint64_t *post)
{
	const char *p = detail;
	char *mac;
	bool ok;

	*member = *post = 0;
	if (take_number(&p, member))
		return *p == '\0' ? VERP_OUTBOX : VERP_MALFORMED;
	if (*p != 'm' && *p != 'M')
		return VERP_MALFORMED;
	p++;
	if (!take_number(&p, member) || *p++ != '-' || !take_number(&p, post))
		return VERP_MALFORMED;
	if (*p == '\0' || key == NULL)
		return VERP_FORGED;	/* unsigned: it cannot count */
	if (*p++ != '-' || strlen(p) != VERP_MAC_LEN)
		return VERP_MALFORMED;
	mac = verp_mac(key, community, *member, *post);
	ok = g_ascii_strcasecmp(mac, p) == 0;
	g_free(mac);
	return ok ? VERP_MEMBER : VERP_FORGED;
}

const char *
verp_kind_name(enum verp_kind kind)
{
	static const char *const names[] = {
		"malformed", "member copy", "forged", "outbox",
	};

	return (unsigned)kind < G_N_ELEMENTS(names) ? names[kind] : "?";
}
