/*
 * listcopy.c: the members' copy of a post (listcopy.h).  The header is
 * taken apart field by field (a field with its folded lines); the body is
 * kept byte for byte, but for the footer.
 */
#include <string.h>
#include <gmime/gmime.h>

#include "kring/author.h"
#include "kring/compose.h"
#include "kring/hfield.h"
#include "kring/listcopy.h"
#include "kring/membertoken.h"
#include "kring/msginfo.h"

#define UNSUBSCRIBE_TOKEN_DAYS 365	/* a one-click link works this long */

/* Fields dropped from the post: the sender side's and other lists'. */
static const char *const dropped[] = {
	"Return-Path", "Delivered-To", "X-Original-To", "Precedence",
	"Errors-To", "X-Original-From",
};

static bool
field_dropped(const struct hfield *f)
{
	if (hfield_has_prefix(f, "List-"))
		return true;
	for (size_t i = 0; i < G_N_ELEMENTS(dropped); i++)
		if (hfield_is(f, dropped[i]))
			return true;
	return false;
}

/* The author's display name as compose_header_text() makes it
 * (g_free). */
static char *
safe_author_name(const char *raw, size_t len)
{
	char *once = msg_author_name(raw, len);
	char *name = compose_header_text(once);

	g_free(once);
	return name;
}

/* The post's From field value (g_free; NULL when none), written anew
 * from its address and safe_author_name() when its phrase would decode
 * to a line break: it goes into X-Original-From, Reply-To and Cc. */
static char *
safe_from(const char *raw, size_t len)
{
	char *from = msg_header_get(raw, len, "From");
	char *again, *name, *addr;
	InternetAddress *ia;

	if (from == NULL || (again = compose_header_reencode(from)) == NULL)
		return from;
	g_free(again);
	name = safe_author_name(raw, len);
	addr = msg_author_address(raw, len);
	if (addr[0] != '\0') {
		ia = internet_address_mailbox_new(name[0] ? name : NULL, addr);
		internet_address_set_charset(ia, "utf-8");
		g_free(from);
		from = internet_address_to_string(ia, NULL, TRUE);
		g_object_unref(ia);
	}
	g_free(name);
	g_free(addr);
	return from;
}

/* The Subject field F of a post as the copy shows it, into OUT: with
 * the community's tag, and written anew as one line when it decodes to
 * a line break (an encoded "\r\nBcc: ..."); else byte for byte. */
static void
copy_subject(GByteArray *out, const struct community_conf *c,
    const struct hfield *f)
{
	char *v = hfield_value(f);
	char *again = compose_header_reencode(v);

	if (again != NULL) {
		g_free(v);
		v = again;
	}
	if (c->subject_tag != NULL && strstr(v, c->subject_tag) == NULL) {
		char *t = g_strdup_printf("%s %s", c->subject_tag, v);

		g_free(v);
		v = t;
	} else if (again == NULL) {
		g_byte_array_append(out, (const guint8 *)f->start,
		    (guint)f->len);
		g_free(v);
		return;
	}
	hfield_add(out, "Subject", v);
	g_free(v);
}

/* "Ann via Kring" <the community address, or RELAY: the author's relay
 * address>, encoded where not ASCII.  Behind a relay address the
 * author's own address is never the name. */
static char *
rewritten_from(const struct community_conf *c, const char *raw, size_t len,
    const char *relay)
{
	/* Decoded to the end: a From phrase encoded twice would still hold
	 * an encoded word of a line break once gmime decoded it. */
	char *author = safe_author_name(raw, len);
	char *addr = msg_author_address(raw, len);
	bool hide = relay != NULL;
	const char *at = relay ? relay : c->address;
	const char *who = author[0] && !(hide && strchr(author, '@')) ?
	    author : hide ? "A member" : addr;
	char *name = g_strdup_printf("%s via %s", who,
	    c->description[0] ? c->description : c->name);
	InternetAddress *ia = internet_address_mailbox_new(name, at);
	char *out = internet_address_to_string(ia, NULL, TRUE);

	g_object_unref(ia);
	g_free(name);
	g_free(author);
	g_free(addr);
	return out;
}

/* The list fields of C: RFC 2369 and RFC 2919. */
static void
add_list_fields(GByteArray *out, const struct community_conf *c)
{
	char *name = g_strdup(c->description[0] ? c->description : c->name);
	char *v;

	/* The phrase stays a plain quoted ASCII one. */
	for (char *p = name; *p; p++)
		if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20 ||
		    (unsigned char)*p >= 0x7f)
			*p = ' ';
	v = g_strdup_printf("\"%s\" <%s.%s>", name, c->local, c->domain);
	g_free(name);
	hfield_add(out, "List-Id", v);
	g_free(v);
	v = g_strdup_printf("<mailto:%s>", c->address);
	hfield_add(out, "List-Post", v);
	g_free(v);
	v = g_strdup_printf("<mailto:%s+help@%s>", c->local, c->domain);
	hfield_add(out, "List-Help", v);
	g_free(v);
	v = g_strdup_printf("<mailto:%s+subscribe@%s>", c->local, c->domain);
	hfield_add(out, "List-Subscribe", v);
	g_free(v);
	if (c->archive_url != NULL) {
		v = g_strdup_printf("<%s>", c->archive_url);
		hfield_add(out, "List-Archive", v);
		g_free(v);
	}
	hfield_add(out, "Precedence", "list");
}

/* The header of the copy into OUT; the post's From, Reply-To, Cc and
 * Subject are rewritten as listcopy.h says. */
static void
copy_header(GByteArray *out, const struct community_conf *c, const char *raw,
    size_t len, size_t body, const char *relay)
{
	const char *p = raw, *end = raw + body;
	/* FROM: how to reach the author, as the copy may tell it. */
	char *from = relay ? rewritten_from(c, raw, len, relay) :
	    safe_from(raw, len);
	char *reply_to = relay ? NULL : msg_header_get(raw, len, "Reply-To");
	bool rewrite = c->dmarc_rewrite || relay != NULL;
	bool cc_done = false;
	struct hfield f;

	while (hfield_next(&p, end, &f)) {
		if (f.namelen == 0 || field_dropped(&f) ||
		    (relay != NULL && hfield_is(&f, "Sender")))
			continue;
		if (hfield_is(&f, "Subject")) {
			copy_subject(out, c, &f);
			continue;
		}
		if (hfield_is(&f, "From") && relay != NULL) {
			hfield_add(out, "From", from);
			continue;
		}
		if (hfield_is(&f, "From") && rewrite && from != NULL) {
			char *v = rewritten_from(c, raw, len, NULL);

			hfield_add(out, "From", v);
			hfield_add(out, "X-Original-From", from);
			g_free(v);
			continue;
		}
		if (hfield_is(&f, "Reply-To") && (c->reply_to_list || rewrite))
			continue;	/* written below */
		if (hfield_is(&f, "Cc") && rewrite && c->reply_to_list &&
		    from != NULL && !cc_done) {
			char *v = hfield_value(&f), *t = g_strdup_printf("%s, %s",
			    v, from);

			hfield_add(out, "Cc", t);
			cc_done = true;
			g_free(t);
			g_free(v);
			continue;
		}
		g_byte_array_append(out, (const guint8 *)f.start, (guint)f.len);
	}
	if (c->reply_to_list)
		hfield_add(out, "Reply-To", c->address);
	else if (rewrite && (reply_to != NULL || from != NULL))
		hfield_add(out, "Reply-To", reply_to ? reply_to : from);
	if (rewrite && c->reply_to_list && from != NULL && !cc_done)
		hfield_add(out, "Cc", from);
	add_list_fields(out, c);
	g_free(from);
	g_free(reply_to);
}

/* How the footer fits the body: not at all, appended, or as a part
 * before the closing BOUNDARY (g_free). */
enum footer_fit { FIT_NONE, FIT_APPEND, FIT_PART };

static enum footer_fit
footer_fit(const char *raw, size_t len, const char *footer, char **boundary)
{
	char *type = msg_header_get(raw, len, "Content-Type");
	char *cte = msg_header_get(raw, len, "Content-Transfer-Encoding");
	enum footer_fit fit = FIT_NONE;
	GMimeContentType *ct = g_mime_content_type_parse(NULL,
	    type ? type : "text/plain");
	bool ascii = g_str_is_ascii(footer);
	const char *charset = g_mime_content_type_get_parameter(ct, "charset");
	bool utf8 = charset == NULL || g_ascii_strcasecmp(charset, "utf-8") == 0 ||
	    g_ascii_strcasecmp(charset, "us-ascii") == 0;

	*boundary = NULL;
	if (g_mime_content_type_is_type(ct, "text", "plain") &&
	    (cte == NULL || g_ascii_strcasecmp(cte, "7bit") == 0 ||
	    g_ascii_strcasecmp(cte, "8bit") == 0) && (ascii || utf8))
		fit = FIT_APPEND;
	else if (g_mime_content_type_is_type(ct, "multipart", "mixed") &&
	    g_mime_content_type_get_parameter(ct, "boundary") != NULL) {
		*boundary = g_strdup(g_mime_content_type_get_parameter(ct,
		    "boundary"));
		fit = FIT_PART;
	}
	g_object_unref(ct);
	g_free(type);
	g_free(cte);
	return fit;
}

/* FOOTER with CRLF line ends, ending in one. */
static void
append_text(GByteArray *out, const char *footer)
{
	for (const char *p = footer; *p; p++) {
		if (*p == '\n' && (p == footer || p[-1] != '\r'))
			g_byte_array_append(out, (const guint8 *)"\r", 1);
		g_byte_array_append(out, (const guint8 *)p, 1);
	}
	if (out->len > 0 && out->data[out->len - 1] != '\n')
		g_byte_array_append(out, (const guint8 *)"\r\n", 2);
}

static const char footer_part_header[] = "\r\nContent-Type: text/plain; "
    "charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n"
    "Content-Disposition: inline\r\n\r\n";

/* The body from BODY with the footer, if it fits. */
static void
copy_body(GByteArray *out, const char *raw, size_t len, size_t body,
    const char *footer)
{
	char *boundary = NULL;
	enum footer_fit fit = footer ? footer_fit(raw, len, footer, &boundary) :
	    FIT_NONE;
	const char *b = raw + body, *end = raw + len;
	char *close = boundary ? g_strdup_printf("--%s--", boundary) : NULL;
	const char *at = close ? g_strrstr_len(b, end - b, close) : NULL;

	if (fit == FIT_APPEND) {
		const char *last = end;

		/* One empty line between the text and the footer. */
		while (last > b && (last[-1] == '\n' || last[-1] == '\r'))
			last--;
		g_byte_array_append(out, (const guint8 *)b, (guint)(last - b));
		g_byte_array_append(out, (const guint8 *)"\r\n\r\n", 4);
		append_text(out, footer);
	} else if (fit == FIT_PART && at != NULL) {
		g_byte_array_append(out, (const guint8 *)b, (guint)(at - b));
		g_byte_array_append(out, (const guint8 *)"--", 2);
		g_byte_array_append(out, (const guint8 *)boundary,
		    (guint)strlen(boundary));
		g_byte_array_append(out, (const guint8 *)footer_part_header,
		    (guint)strlen(footer_part_header));
		append_text(out, footer);
		g_byte_array_append(out, (const guint8 *)at, (guint)(end - at));
	} else
		g_byte_array_append(out, (const guint8 *)b, (guint)(end - b));
	g_free(close);
	g_free(boundary);
}

GByteArray *
listcopy_make(const struct community_conf *c, const char *raw, size_t len,
    const char *footer, const char *relay)
{
	GByteArray *out = g_byte_array_sized_new((guint)len + 1024);
	size_t body = msg_body_offset(raw, len);

	copy_header(out, c, raw, len, body, relay);
	g_byte_array_append(out, (const guint8 *)"\r\n", 2);
	/* msg_body_offset points past the empty line. */
	copy_body(out, raw, len, body, footer);
	return out;
}

GString *
listcopy_member_fields(const struct kring_config *conf,
    const struct community_conf *c, const unsigned char *key,
    const char *address, int64_t now)
{
	GString *s = g_string_new(NULL);

	g_string_append_printf(s, "List-Unsubscribe: <mailto:%s+unsubscribe@%s>",
	    c->local, c->domain);
	if (conf->web_url != NULL && key != NULL) {
		char *token = member_token_make(key, MACT_UNSUBSCRIBE, c->name,
		    address, now + (int64_t)UNSUBSCRIBE_TOKEN_DAYS * 86400);
		char *name = g_uri_escape_string(c->name, NULL, FALSE);
		char *who = g_uri_escape_string(address, NULL, FALSE);

		g_string_append_printf(s, ",\r\n <%s/u/%s/%s/%s>\r\n"
		    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
		    conf->web_url, name, who, token);
		g_free(token);
		g_free(name);
		g_free(who);
	} else
		g_string_append(s, "\r\n");
	return s;
}
