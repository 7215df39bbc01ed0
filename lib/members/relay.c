/*
 * relay.c: members' relay addresses and the copies sent through them
 * (relay.h).
 */
#include <string.h>
#include <gmime/gmime.h>

#include "kring/compose.h"
#include "kring/hfield.h"
#include "kring/member.h"
#include "kring/msginfo.h"
#include "kring/relay.h"
#include "kring/staffauth.h"

/* Fields the author gets as the sender wrote them. */
static const char *const kept[] = {
	"Subject", "Date", "Message-ID", "In-Reply-To", "References",
	"MIME-Version",
};

static char *
relay_mac(const unsigned char *key, const char *community, uint64_t member)
{
	char *msg = g_strdup_printf("kring-relay-v1\n%s\n%" G_GUINT64_FORMAT,
	    community, member);
	char *mac = staff_key_mac(key, msg, RELAY_MAC_LEN);

	g_free(msg);
	return mac;
}

char *
relay_address(const unsigned char *key, const struct community_conf *c,
    uint64_t member)
{
	char *mac = relay_mac(key, c->name, member);
	char *addr = g_strdup_printf("%s+" RELAY_PREFIX "%" G_GUINT64_FORMAT
	    "-%s@%s", c->local, member, mac, c->domain);

	g_free(mac);
	return addr;
}

char *
relay_reply_address(struct store *st, MDB_txn *txn,
    const struct kring_config *conf, const struct community_conf *c,
    const unsigned char *key, const char *addr, bool *relayed)
{
	struct member m;
	bool dummy;
	uint64_t id;

	if (relayed == NULL)
		relayed = &dummy;
	*relayed = false;
	if (addr == NULL || addr[0] == '\0')
		return NULL;
	if (config_staff(c, addr) != NULL)
		return g_strdup(addr);
	if ((id = member_in_family(st, txn, conf, c, addr, &m)) == 0)
		return NULL;
	if (m.rec.flags & MEMBER_ADDRESS_PUBLIC)
		return g_strdup(addr);
	if (key == NULL)
		return NULL;	/* no secret: no relay address to offer */
	*relayed = true;
	return relay_address(key, c, id);
}

enum relay_status
relay_parse(const unsigned char *key, const char *community,
    const char *detail, uint64_t *member)
{
	const char *dash = strchr(detail, '-');
	unsigned char diff = 0;	/* all compared: no timing hint */
	char digits[21], *mac;

	*member = 0;
	if (dash == NULL || dash == detail || detail[0] == '0' ||
	    (size_t)(dash - detail) >= sizeof digits ||
	    strlen(dash + 1) != RELAY_MAC_LEN)
		return RELAY_MALFORMED;
	memcpy(digits, detail, (size_t)(dash - detail));
	digits[dash - detail] = '\0';
	if (!g_ascii_string_to_unsigned(digits, 10, 1, G_MAXUINT64, member,
	    NULL))
		return RELAY_MALFORMED;
	mac = relay_mac(key, community, *member);
	for (size_t i = 0; i < RELAY_MAC_LEN; i++)
		diff |= (unsigned char)(mac[i] ^ g_ascii_tolower(dash[1 + i]));
	g_free(mac);
	if (diff != 0)
		*member = 0;
	return diff == 0 ? RELAY_OK : RELAY_FORGED;
}

static bool
field_kept(const struct hfield *f)
{
	if (hfield_has_prefix(f, "Content-"))
		return true;
	for (size_t i = 0; i < G_N_ELEMENTS(kept); i++)
		if (hfield_is(f, kept[i]))
			return true;
	return false;
}

/* The Subject field F into OUT: byte for byte, unless it decodes to a
 * line break (an encoded "\r\nBcc: ..."), then written anew as one
 * line (compose.h). */
static void
copy_subject(GByteArray *out, const struct hfield *f)
{
	char *v = hfield_value(f);
	char *again = compose_header_reencode(v);

	if (again != NULL)
		hfield_add(out, "Subject", again);
	else
		g_byte_array_append(out, (const guint8 *)f->start,
		    (guint)f->len);
	g_free(again);
	g_free(v);
}

/* "NAME via COMMUNITY" <ADDR>, encoded where not ASCII (g_free). */
static char *
relay_from(const struct community_conf *c, const char *name, const char *addr)
{
	const char *cname = c->description[0] ? c->description : c->name;
	/* Decoded to the end: a From phrase encoded twice would still
	 * hold an encoded word of a line break (compose.h). */
	char *safe = compose_header_text(name != NULL ? name : "");
	char *phrase = safe[0] != '\0' ?
	    g_strdup_printf("%s via %s", safe, cname) :
	    g_strdup_printf("A member via %s", cname);
	InternetAddress *ia = internet_address_mailbox_new(phrase, addr);
	char *out = internet_address_to_string(ia, NULL, TRUE);

	g_object_unref(ia);
	g_free(phrase);
	g_free(safe);
	return out;
}

GByteArray *
relay_copy_make(const struct community_conf *c, const char *raw, size_t len,
    const char *name, const char *sender_relay, const char *to)
{
	GByteArray *out = g_byte_array_sized_new((guint)len + 512);
	size_t body = msg_body_offset(raw, len);
	const char *p = raw, *end = raw + body;
	char *from = relay_from(c, name, sender_relay);
	struct hfield f;

	hfield_add(out, "From", from);
	hfield_add(out, "Reply-To", from);
	hfield_add(out, "To", to);
	while (hfield_next(&p, end, &f)) {
		if (f.namelen == 0 || !field_kept(&f))
			continue;
		if (hfield_is(&f, "Subject"))
			copy_subject(out, &f);
		else
			g_byte_array_append(out, (const guint8 *)f.start,
			    (guint)f.len);
	}
	g_byte_array_append(out, (const guint8 *)"\r\n", 2);
	g_byte_array_append(out, (const guint8 *)raw + body,
	    (guint)(len - body));
	g_free(from);
	return out;
}
