/*
 * listcopy.c: the members' copy of a post (listcopy.h).  The header is
 * taken apart field by field (a field with its folded lines); the body is
 * kept byte for byte, but for the footer.
 */
#include <string.h>
#include <gmime/gmime.h>

#include "kring/author.h"
#include "kring/listcopy.h"
#include "kring/msginfo.h"

/* Fields dropped from the post: the sender side's and other lists'. */
static const char *const dropped[] = {
	"Return-Path", "Delivered-To", "X-Original-To", "Precedence",
	"Errors-To", "X-Original-From",
};

struct field {
	const char *start;	/* the name */
	size_t len;		/* the whole field, its line ends included */
	size_t namelen;
};

/* The next field of the header at *P (before END), or false at its end. */
static bool
next_field(const char **p, const char *end, struct field *f)
{
	const char *q = *p, *colon;

	if (q >= end || *q == '\r' || *q == '\n')
		return false;
	f->start = q;
	do {
		const char *nl = memchr(q, '\n', (size_t)(end - q));

		q = nl ? nl + 1 : end;
	} while (q < end && (*q == ' ' || *q == '\t'));
	f->len = (size_t)(q - f->start);
	colon = memchr(f->start, ':', f->len);
	f->namelen = colon ? (size_t)(colon - f->start) : 0;
	*p = q;
	return true;
}

static bool
field_is(const struct field *f, const char *name)
{
	return f->namelen == strlen(name) &&
	    g_ascii_strncasecmp(f->start, name, f->namelen) == 0;
}

static bool
field_dropped(const struct field *f)
{
	if (f->namelen >= 5 && g_ascii_strncasecmp(f->start, "List-", 5) == 0)
		return true;
	for (size_t i = 0; i < G_N_ELEMENTS(dropped); i++)
		if (field_is(f, dropped[i]))
			return true;
	return false;
}

static void
add_line(GByteArray *out, const char *name, const char *value)
{
	g_byte_array_append(out, (const guint8 *)name, (guint)strlen(name));
	g_byte_array_append(out, (const guint8 *)": ", 2);
	g_byte_array_append(out, (const guint8 *)value, (guint)strlen(value));
	g_byte_array_append(out, (const guint8 *)"\r\n", 2);
}

/* "Ann via Kring" <community address>, encoded where not ASCII. */
static char *
rewritten_from(const struct community_conf *c, const char *raw, size_t len)
{
	char *author = msg_author_name(raw, len);
	char *addr = msg_author_address(raw, len);
	const char *who = author[0] ? author : addr;
	char *name = g_strdup_printf("%s via %s", who,
	    c->description[0] ? c->description : c->name);
	InternetAddress *ia = internet_address_mailbox_new(name, c->address);
	char *out = internet_address_to_string(ia, NULL, TRUE);

	g_object_unref(ia);
	g_free(name);
	g_free(author);
	g_free(addr);
	return out;
}

/* The value of field F without its name, unfolded lines kept. */
static char *
field_value(const struct field *f)
{
	const char *v = f->start + f->namelen + 1;
	char *s = g_strndup(v, f->len - f->namelen - 1);

	return g_strstrip(s);
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
	add_line(out, "List-Id", v);
	g_free(v);
	v = g_strdup_printf("<mailto:%s>", c->address);
	add_line(out, "List-Post", v);
	g_free(v);
	v = g_strdup_printf("<mailto:%s+help@%s>", c->local, c->domain);
	add_line(out, "List-Help", v);
	g_free(v);
	v = g_strdup_printf("<mailto:%s+subscribe@%s>", c->local, c->domain);
	add_line(out, "List-Subscribe", v);
	g_free(v);
	if (c->archive_url != NULL) {
		v = g_strdup_printf("<%s>", c->archive_url);
		add_line(out, "List-Archive", v);
		g_free(v);
	}
	add_line(out, "Precedence", "list");
}

/* The header of the copy into OUT; the post's From, Reply-To, Cc and
 * Subject are rewritten as listcopy.h says. */
static void
copy_header(GByteArray *out, const struct community_conf *c, const char *raw,
    size_t len, size_t body)
{
	const char *p = raw, *end = raw + body;
	char *from = msg_header_get(raw, len, "From");
	char *reply_to = msg_header_get(raw, len, "Reply-To");
	bool cc_done = false;
	struct field f;

	while (next_field(&p, end, &f)) {
		if (f.namelen == 0 || field_dropped(&f))
			continue;
		if (field_is(&f, "Subject") && c->subject_tag != NULL) {
			char *v = field_value(&f);

			if (strstr(v, c->subject_tag) == NULL) {
				char *t = g_strdup_printf("%s %s", c->subject_tag, v);

				add_line(out, "Subject", t);
				g_free(t);
			} else
				add_line(out, "Subject", v);
			g_free(v);
			continue;
		}
		if (field_is(&f, "From") && c->dmarc_rewrite && from != NULL) {
			char *v = rewritten_from(c, raw, len);

			add_line(out, "From", v);
			add_line(out, "X-Original-From", from);
			g_free(v);
			continue;
		}
		if (field_is(&f, "Reply-To") && (c->reply_to_list ||
		    c->dmarc_rewrite))
			continue;	/* written below */
		if (field_is(&f, "Cc") && c->dmarc_rewrite && c->reply_to_list &&
		    from != NULL && !cc_done) {
			char *v = field_value(&f), *t = g_strdup_printf("%s, %s",
			    v, from);

			add_line(out, "Cc", t);
			cc_done = true;
			g_free(t);
			g_free(v);
			continue;
		}
		g_byte_array_append(out, (const guint8 *)f.start, (guint)f.len);
	}
	if (c->reply_to_list)
		add_line(out, "Reply-To", c->address);
	else if (c->dmarc_rewrite && (reply_to != NULL || from != NULL))
		add_line(out, "Reply-To", reply_to ? reply_to : from);
	if (c->dmarc_rewrite && c->reply_to_list && from != NULL && !cc_done)
		add_line(out, "Cc", from);
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
    const char *footer)
{
	GByteArray *out = g_byte_array_sized_new((guint)len + 1024);
	size_t body = msg_body_offset(raw, len);

	copy_header(out, c, raw, len, body);
	g_byte_array_append(out, (const guint8 *)"\r\n", 2);
	/* msg_body_offset points past the empty line. */
	copy_body(out, raw, len, body, footer);
	return out;
}
