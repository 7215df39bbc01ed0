/*
 * compose.c: build the messages kring sends, with gmime (contract in
 * compose.h), and write them as mbox entries for previews.
 * Untrusted input: display names and subjects come from members, bodies
 * and field values from staff and templates.  Every value is made one
 * line of valid UTF-8 before gmime sees it, and addresses, the
 * Message-ID domain and field names are checked, so nothing passed in
 * can become a field of its own.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>
#include <gmime/gmime.h>

#include "kring/compose.h"
#include "kring/util.h"

#define LOCAL_MAX 64		/* RFC 5321 4.5.3.1.1 */
#define DOMAIN_MAX 253
#define LABEL_MAX 63

static void G_GNUC_PRINTF(3, 4)
set_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * TEXT as one line of valid UTF-8 for a header field (g_free).  Each run
 * of control characters (CR, LF, TAB, the rest of C0, DEL; a C string
 * holds no NUL) becomes one space, and the ends are trimmed.  Replaced, not
 * removed: a line break in a name or subject stands between two words
 * (a pasted title, a form field), and "Anna\r\nBcc: x@evil" becomes the
 * display name "Anna Bcc: x@evil", which gmime quotes, so it stays a
 * name.  Replaced, not refused: a thank-you note should not fail because
 * a member's name had a stray newline in it.
 */
static char *
header_text(const char *text)
{
	char *valid = g_utf8_make_valid(text != NULL ? text : "", -1);
	GString *out = g_string_sized_new(strlen(valid));
	bool space = false;

	for (const char *p = valid; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20 || c == 0x7f) {
			space = true;
			continue;
		}
		if (space && out->len > 0)
			g_string_append_c(out, ' ');
		space = false;
		g_string_append_c(out, *p);
	}
	g_free(valid);
	return g_strstrip(g_string_free(out, FALSE));
}

/* True when TEXT has a control character (TAB too: decoded words are
 * never folded, so a TAB there is the sender's). */
static bool
has_control(const char *text)
{
	for (const char *p = text; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return true;
	return false;
}

#define DECODE_ROUNDS 8

/*
 * Readers decode encoded words (RFC 2047) in names and subjects, and some
 * decode what that gives once more.  So a name or subject is decoded here
 * as they would, again while that changes it, and cleaned (header_text)
 * after each round: "=?utf-8?q?Ann=0D=0ABcc=3A_x=40evil?=" (or the same
 * encoded twice, which a post's From or Subject gives once kring has
 * decoded it) becomes "Ann Bcc: x@evil", which gmime encodes again where
 * needed and which decodes back to itself, one line.  Written as it was,
 * it would decode to a line break and a Bcc.  After DECODE_ROUNDS rounds
 * any "=?" left is broken up, so nothing decodes further.
 */
char *
compose_header_text(const char *text)
{
	char *cur = header_text(text);

	for (int i = 0; i < DECODE_ROUNDS && strstr(cur, "=?") != NULL; i++) {
		char *dec = g_mime_utils_header_decode_text(NULL, cur);
		char *next = header_text(dec);

		g_free(dec);
		if (strcmp(next, cur) == 0) {
			g_free(next);
			return cur;
		}
		g_free(cur);
		cur = next;
	}
	if (strstr(cur, "=?") != NULL) {
		char *dec = g_mime_utils_header_decode_text(NULL, cur);
		bool same = strcmp(dec, cur) == 0;

		g_free(dec);
		if (!same) {
			gchar **parts = g_strsplit(cur, "=?", -1);

			g_free(cur);
			cur = g_strjoinv("= ?", parts);
			g_strfreev(parts);
		}
	}
	return cur;
}

char *
compose_header_reencode(const char *raw)
{
	char *cur = g_strdup(raw != NULL ? raw : "");
	bool unsafe = false;
	char *clean;

	/* Unfolded first: folding is not a line break in the value. */
	for (char *p = cur; *p != '\0'; p++)
		if (*p == '\r' || *p == '\n' || *p == '\t')
			*p = ' ';
	for (int i = 0; i < DECODE_ROUNDS && !unsafe &&
	    strstr(cur, "=?") != NULL; i++) {
		char *dec = g_mime_utils_header_decode_text(NULL, cur);
		bool same = strcmp(dec, cur) == 0;

		unsafe = has_control(dec);
		g_free(cur);
		cur = dec;
		if (same)
			break;
	}
	g_free(cur);
	if (!unsafe)
		return NULL;
	clean = compose_header_text(raw);
	cur = g_mime_utils_header_encode_text(NULL, clean, "utf-8");
	g_free(clean);
	return cur;
}

/* TEXT as a body: valid UTF-8 with LF line ends (gmime writes CRLF),
 * ending in a newline unless empty.  *LEN gets its length (g_free). */
static char *
body_text(const char *text, size_t *len)
{
	char *valid = g_utf8_make_valid(text != NULL ? text : "", -1);
	GString *out = g_string_sized_new(strlen(valid) + 1);

	for (const char *p = valid; *p != '\0'; p++) {
		/* A lone CR is a line end too: old Mac text, or a form. */
		if (*p == '\r') {
			g_string_append_c(out, '\n');
			if (p[1] == '\n')
				p++;
			continue;
		}
		g_string_append_c(out, *p);
	}
	if (out->len > 0 && out->str[out->len - 1] != '\n')
		g_string_append_c(out, '\n');
	g_free(valid);
	*len = out->len;
	return g_string_free(out, FALSE);
}

static bool
is_atext(char c)
{
	return g_ascii_isalnum(c) ||
	    (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* A dot-atom of LEN bytes at S (RFC 5322 3.2.3). */
static bool
dot_atom_valid(const char *s, size_t len)
{
	if (len == 0 || s[0] == '.' || s[len - 1] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.' ? s[i - 1] == '.' : !is_atext(s[i]))
			return false;
	}
	return true;
}

/* A host name: LDH labels of 1 to 63 octets, no hyphen at either end. */
static bool
domain_valid(const char *d)
{
	size_t label = 0;

	if (strlen(d) > DOMAIN_MAX)
		return false;
	for (const char *p = d;; p++) {
		if (*p == '.' || *p == '\0') {
			if (label == 0 || label > LABEL_MAX ||
			    p[-1] == '-' || p[-(ptrdiff_t)label] == '-')
				return false;
			if (*p == '\0')
				return true;
			label = 0;
		} else if (g_ascii_isalnum(*p) || *p == '-') {
			label++;
		} else {
			return false;
		}
	}
}

/* gmime reads "xn--" labels as IDNA and writes them encoded again; a
 * label that is not valid punycode would come out as 8-bit junk. */
static bool
gmime_keeps(const char *addr)
{
	InternetAddress *ia = internet_address_mailbox_new(NULL, addr);
	const char *idn = internet_address_mailbox_get_idn_addr(
	    INTERNET_ADDRESS_MAILBOX(ia));
	bool same = idn != NULL && strcmp(idn, addr) == 0;

	g_object_unref(ia);
	return same;
}

bool
compose_addr_valid(const char *addr)
{
	const char *at;

	if (addr == NULL || strlen(addr) > COMPOSE_ADDR_MAX ||
	    (at = strrchr(addr, '@')) == NULL || at - addr > LOCAL_MAX)
		return false;
	return dot_atom_valid(addr, (size_t)(at - addr)) &&
	    domain_valid(at + 1) && gmime_keeps(addr);
}

/* A field name (RFC 5322 3.6.8: printable ASCII but ':'), short enough
 * to start a line with its colon and a space. */
static bool
field_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > COMPOSE_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] < 33 ||
		    (unsigned char)name[i] > 126 || name[i] == ':')
			return false;
	return true;
}

/* Fields the caller may not add: compose writes them (a second one
 * would contradict it), or they name recipients and the envelope, which
 * are the outbox's business (a Bcc field would show who got a copy). */
static bool
field_name_reserved(const char *name)
{
	static const char *const reserved[] = {
		"From", "Sender", "Reply-To", "To", "Cc", "Bcc", "Subject",
		"Date", "Message-ID", "MIME-Version", "Auto-Submitted",
		"Return-Path",
	};

	if (g_ascii_strncasecmp(name, "Content-", 8) == 0)
		return true;
	for (size_t i = 0; i < G_N_ELEMENTS(reserved); i++)
		if (g_ascii_strcasecmp(name, reserved[i]) == 0)
			return true;
	return false;
}

static int
check_addr(const char *what, const char *addr, char *err, size_t errlen)
{
	char *shown;

	if (compose_addr_valid(addr))
		return 0;
	/* Escaped: a bad address may hold anything, line breaks too. */
	shown = g_strescape(addr != NULL ? addr : "", NULL);
	set_error(err, errlen, "%s: \"%.80s\" is not a valid address", what,
	    shown);
	g_free(shown);
	return -1;
}

/* A token of RFC 2045 5.1: printable ASCII but tspecials. */
static bool
mime_token_valid(const char *s, size_t len)
{
	if (len == 0 || len > COMPOSE_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 32 || (unsigned char)s[i] >= 127 ||
		    strchr("()<>@,;:\\\"/[]?=", s[i]) != NULL)
			return false;
	return true;
}

/* TYPE is "type/subtype", two tokens. */
static bool
content_type_valid(const char *type)
{
	const char *slash = type != NULL ? strchr(type, '/') : NULL;

	return slash != NULL && mime_token_valid(type, (size_t)(slash - type)) &&
	    mime_token_valid(slash + 1, strlen(slash + 1));
}

/* ID is a dot-atom, '@' and a host name (RFC 5322 3.6.4, as kring makes
 * them). */
static bool
content_id_valid(const char *id)
{
	const char *at = id != NULL ? strrchr(id, '@') : NULL;

	return at != NULL && at - id <= COMPOSE_ADDR_MAX &&
	    dot_atom_valid(id, (size_t)(at - id)) && domain_valid(at + 1);
}

static int
check_inlines(const struct compose_msg *m, char *err, size_t errlen)
{
	if (m->ninline > 0 && m->html == NULL) {
		set_error(err, errlen, "inline parts without HTML to show them");
		return -1;
	}
	if (m->ninline > COMPOSE_INLINE_MAX) {
		set_error(err, errlen, "%zu inline parts (at most %d)",
		    m->ninline, COMPOSE_INLINE_MAX);
		return -1;
	}
	for (size_t i = 0; i < m->ninline; i++) {
		const struct compose_inline *in = &m->inlines[i];

		if (!content_type_valid(in->content_type) ||
		    !content_id_valid(in->content_id) ||
		    (in->data == NULL && in->len > 0)) {
			set_error(err, errlen, "inline part %zu: a bad "
			    "Content-Type, Content-ID or no data", i + 1);
			return -1;
		}
	}
	return 0;
}

/* Everything that can make compose_build refuse M, checked up front. */
static int
compose_check(const struct compose_msg *m, char *err, size_t errlen)
{
	if (check_inlines(m, err, errlen) != 0)
		return -1;
	if (check_addr("From", m->from_addr, err, errlen) != 0 ||
	    (m->reply_to != NULL &&
	    check_addr("Reply-To", m->reply_to->addr, err, errlen) != 0))
		return -1;
	for (size_t i = 0; i < m->nto; i++) {
		char what[48];

		snprintf(what, sizeof what, "To (recipient %zu)", i + 1);
		if (check_addr(what, m->to[i].addr, err, errlen) != 0)
			return -1;
	}
	if (m->message_id_domain != NULL &&
	    !domain_valid(m->message_id_domain)) {
		set_error(err, errlen, "Message-ID domain: not a host name");
		return -1;
	}
	for (size_t i = 0; i < m->nheaders; i++) {
		const char *name = m->headers[i].name;

		if (name == NULL || !field_name_valid(name)) {
			set_error(err, errlen, "extra field %zu: not a field "
			    "name (printable ASCII, no colon or space)", i + 1);
			return -1;
		}
		if (field_name_reserved(name)) {
			set_error(err, errlen, "extra field %zu: %s may not be "
			    "added", i + 1, name);
			return -1;
		}
	}
	return 0;
}

/* "<32 hex digits>@DOMAIN": 128 random bits, so ids never repeat. */
static char *
message_id_new(const char *domain, char *err, size_t errlen)
{
	unsigned char r[16];
	GString *id;

	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
		set_error(err, errlen, "Message-ID: no random bytes: %m");
		return NULL;
	}
	id = g_string_sized_new(2 * sizeof r + 1 + strlen(domain));
	for (size_t i = 0; i < sizeof r; i++)
		g_string_append_printf(id, "%02x", r[i]);
	g_string_append_printf(id, "@%s", domain);
	return g_string_free(id, FALSE);
}

char *
compose_content_id(const char *name, const char *domain, char *err,
    size_t errlen)
{
	char *id, *cid;

	if (name == NULL || !dot_atom_valid(name, strlen(name)) ||
	    strlen(name) > LOCAL_MAX || domain == NULL || !domain_valid(domain)) {
		set_error(err, errlen, "Content-ID: a bad name or domain");
		return NULL;
	}
	if ((id = message_id_new(domain, err, errlen)) == NULL)
		return NULL;
	cid = g_strconcat(name, ".", id, NULL);
	g_free(id);
	return cid;
}

/* Add NAME <ADDR> to MSG's list TYPE, the name encoded as UTF-8. */
static void
message_add_address(GMimeMessage *msg, GMimeAddressType type,
    const char *name, const char *addr)
{
	char *clean = compose_header_text(name);
	InternetAddress *ia = internet_address_mailbox_new(
	    *clean != '\0' ? clean : NULL, addr);

	internet_address_set_charset(ia, "utf-8");
	internet_address_list_add(g_mime_message_get_addresses(msg, type), ia);
	g_object_unref(ia);
	g_free(clean);
}

static bool
is_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/*
 * The raw value (" VALUE\n", as gmime keeps it) of field NAME with the
 * one-line ASCII VALUE, folded at its spaces before a line passes 78
 * octets.  NULL when a word leaves a line longer than 998 octets
 * (RFC 5322 2.1.1).
 */
static char *
fold_ascii(const char *name, const char *value)
{
	gchar **words = g_strsplit(value, " ", -1);
	GString *out = g_string_new(NULL);
	size_t col = strlen(name) + 1, longest = 0;

	for (size_t i = 0; words[i] != NULL; i++) {
		size_t len = strlen(words[i]);

		/* Fold before a word that passes the line, never before an
		 * empty one (a line of only white space is obsolete). */
		if (i > 0 && len > 0 && col + 1 + len > 78) {
			g_string_append_c(out, '\n');
			longest = MAX(longest, col);
			col = 0;
		}
		g_string_append_c(out, ' ');
		g_string_append(out, words[i]);
		col += 1 + len;
	}
	longest = MAX(longest, col);
	g_string_append_c(out, '\n');
	g_strfreev(words);
	if (longest > 998)
		return g_string_free(out, TRUE);
	return g_string_free(out, FALSE);
}

/* The raw value of field H (gmime's, folded and encoded) on one line,
 * without its leading space: what every reader makes of it. */
static char *
field_unfold(GMimeHeader *h)
{
	const char *raw = g_mime_header_get_raw_value(h);
	GString *line = g_string_new(NULL);

	for (const char *p = raw != NULL ? raw : ""; *p != '\0'; p++) {
		if (*p == '\r' || *p == '\n')
			continue;
		/* Only folding puts a TAB here: the values had none. */
		g_string_append_c(line, *p == '\t' ? ' ' : *p);
	}
	return g_strstrip(g_string_free(line, FALSE));
}

/*
 * Write field H again, folded at spaces only, before a line passes 78
 * octets: VALUE when not NULL (ASCII, written as it is), else gmime's
 * own encoding of it, unfolded.  gmime 3.2.13 stops folding at a "=?"
 * that starts no encoded word, so a subject with one could pass the
 * 998-octet limit; folding again at the same spaces changes nothing for
 * a reader.  Returns -1 when a word is too long for any line.
 */
static int
field_fold(GMimeHeader *h, const char *value, char *err, size_t errlen)
{
	const char *name = g_mime_header_get_name(h);
	char *line = value != NULL ? g_strdup(value) : field_unfold(h);
	char *raw = is_ascii(line) ? fold_ascii(name, line) : NULL;

	g_free(line);
	if (raw == NULL) {
		set_error(err, errlen, "%s: a word of the value is too long "
		    "for a line", name);
		return -1;
	}
	g_mime_header_set_raw_value(h, raw);
	g_free(raw);
	return 0;
}

/*
 * Append field NAME: VALUE.  An ASCII value is written as it is, folded
 * at its spaces only: gmime would turn long words into encoded words,
 * which breaks the URLs of List-Unsubscribe and List-Archive (RFC 2369
 * fields are not decoded).  A value with non-ASCII text gets gmime's
 * RFC 2047 encoding as unstructured text.
 */
static int
message_add_field(GMimeMessage *msg, const char *name, const char *value,
    char *err, size_t errlen)
{
	GMimeHeaderList *list = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	char *clean = header_text(value);
	int rc;

	g_mime_object_append_header(GMIME_OBJECT(msg), name, clean, "utf-8");
	rc = field_fold(g_mime_header_list_get_header_at(list,
	    g_mime_header_list_get_count(list) - 1),
	    is_ascii(clean) ? clean : NULL, err, errlen);
	g_free(clean);
	return rc;
}

static void
message_addresses(GMimeMessage *msg, const struct compose_msg *m)
{
	message_add_address(msg, GMIME_ADDRESS_TYPE_FROM, m->from_name,
	    m->from_addr);
	if (m->reply_to != NULL)
		message_add_address(msg, GMIME_ADDRESS_TYPE_REPLY_TO,
		    m->reply_to->name, m->reply_to->addr);
	for (size_t i = 0; i < m->nto; i++)
		message_add_address(msg, GMIME_ADDRESS_TYPE_TO, m->to[i].name,
		    m->to[i].addr);
}

static int
message_headers(GMimeMessage *msg, const struct compose_msg *m,
    const char *id, char *err, size_t errlen)
{
	int64_t when = m->date != 0 ? m->date : kring_now();
	GDateTime *date;
	char *subject = compose_header_text(m->subject);

	message_addresses(msg, m);
	g_mime_message_set_subject(msg, subject, "utf-8");
	g_free(subject);
	if (field_fold(g_mime_header_list_get_header(
	    g_mime_object_get_header_list(GMIME_OBJECT(msg)), "Subject"), NULL,
	    err, errlen) != 0)
		return -1;
	if ((date = g_date_time_new_from_unix_utc(when)) == NULL) {
		set_error(err, errlen, "Date: %lld is out of range",
		    (long long)when);
		return -1;
	}
	g_mime_message_set_date(msg, date);
	g_date_time_unref(date);
	g_mime_message_set_message_id(msg, id);
	if (m->auto_submitted != NULL && message_add_field(msg,
	    "Auto-Submitted", m->auto_submitted, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < m->nheaders; i++)
		if (message_add_field(msg, m->headers[i].name,
		    m->headers[i].value, err, errlen) != 0)
			return -1;
	return 0;
}

/* A text/SUBTYPE part of TEXT: charset utf-8, and the transfer encoding
 * gmime finds best for 7-bit transport (7bit for short ASCII lines,
 * else quoted-printable or base64, whichever is shorter). */
static GMimeObject *
text_part(const char *subtype, const char *text)
{
	GMimeTextPart *part = g_mime_text_part_new_with_subtype(subtype);
	GMimeStream *stream;
	GMimeDataWrapper *content;
	char *body;
	size_t len;

	body = body_text(text, &len);
	stream = g_mime_stream_mem_new_with_buffer(body, len);
	g_free(body);
	content = g_mime_data_wrapper_new_with_stream(stream,
	    GMIME_CONTENT_ENCODING_DEFAULT);
	g_object_unref(stream);
	g_mime_part_set_content(GMIME_PART(part), content);
	g_object_unref(content);
	g_mime_text_part_set_charset(part, "utf-8");
	g_mime_part_set_content_encoding(GMIME_PART(part),
	    g_mime_part_get_best_content_encoding(GMIME_PART(part),
	    GMIME_ENCODING_CONSTRAINT_7BIT));
	return GMIME_OBJECT(part);
}

/* M's digest: a multipart/digest, each message a message/rfc822 part
 * (the subtype's default, RFC 2046 5.1.5), parsed so that its header
 * is written back as it came. */
static GMimeObject *
digest_part(const struct compose_msg *m)
{
	GMimeMultipart *dig = g_mime_multipart_new_with_subtype("digest");

	for (size_t i = 0; i < m->ndigest; i++) {
		GMimeStream *s = g_mime_stream_mem_new_with_buffer(
		    m->digest[i].data, m->digest[i].len);
		GMimeParser *p = g_mime_parser_new_with_stream(s);
		GMimeMessage *one = g_mime_parser_construct_message(p, NULL);

		if (one != NULL) {
			GMimeMessagePart *mp =
			    g_mime_message_part_new_with_message("rfc822", one);

			g_mime_multipart_add(dig, GMIME_OBJECT(mp));
			g_object_unref(mp);
			g_object_unref(one);
		}
		g_object_unref(p);
		g_object_unref(s);
	}
	return GMIME_OBJECT(dig);
}

/* Inline part IN (checked by check_inlines): base64, its Content-ID,
 * shown inline, with its file name. */
static GMimeObject *
inline_part(const struct compose_inline *in)
{
	char *type = g_strdup(in->content_type), *sub = strchr(type, '/');
	char *name = compose_header_text(in->filename);
	GMimePart *part;
	GMimeStream *stream;
	GMimeDataWrapper *content;

	*sub++ = '\0';
	part = g_mime_part_new_with_type(type, sub);
	stream = g_mime_stream_mem_new_with_buffer(in->data, in->len);
	content = g_mime_data_wrapper_new_with_stream(stream,
	    GMIME_CONTENT_ENCODING_DEFAULT);
	g_object_unref(stream);
	g_mime_part_set_content(part, content);
	g_object_unref(content);
	g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
	g_mime_object_set_content_id(GMIME_OBJECT(part), in->content_id);
	g_mime_object_set_disposition(GMIME_OBJECT(part),
	    GMIME_DISPOSITION_INLINE);
	if (name[0] != '\0')
		g_mime_part_set_filename(part, name);
	g_free(name);
	g_free(type);
	return GMIME_OBJECT(part);
}

/* The HTML part, and with inline parts a multipart/related of it and
 * them (RFC 2387: its "type" is the root's, the HTML first). */
static GMimeObject *
html_part(const struct compose_msg *m)
{
	GMimeObject *html = text_part("html", m->html);
	GMimeMultipart *rel;

	if (m->ninline == 0)
		return html;
	rel = g_mime_multipart_new_with_subtype("related");
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(rel), "type",
	    "text/html");
	g_mime_multipart_add(rel, html);
	g_object_unref(html);
	for (size_t i = 0; i < m->ninline; i++) {
		GMimeObject *part = inline_part(&m->inlines[i]);

		g_mime_multipart_add(rel, part);
		g_object_unref(part);
	}
	return GMIME_OBJECT(rel);
}

/* The body: text alone, or text then HTML (RFC 2046 5.1.4: the last
 * part is the one preferred); a digest's messages after it. */
static void
message_body(GMimeMessage *msg, const struct compose_msg *m)
{
	GMimeObject *body = text_part("plain", m->text);

	if (m->html != NULL) {
		GMimeMultipart *alt = g_mime_multipart_new_with_subtype(
		    "alternative");
		GMimeObject *html = html_part(m);

		g_mime_multipart_add(alt, body);
		g_mime_multipart_add(alt, html);
		g_object_unref(html);
		g_object_unref(body);
		body = GMIME_OBJECT(alt);
	}
	if (m->ndigest > 0) {
		GMimeMultipart *mixed = g_mime_multipart_new_with_subtype(
		    "mixed");
		GMimeObject *dig = digest_part(m);

		g_mime_multipart_add(mixed, body);
		g_mime_multipart_add(mixed, dig);
		g_object_unref(dig);
		g_object_unref(body);
		body = GMIME_OBJECT(mixed);
	}
	g_mime_message_set_mime_part(msg, body);
	g_object_unref(body);
}

/* The header block of MSG, up to its empty line, is lines of at most
 * 998 octets of ASCII, white space and CRLF. */
static bool
header_is_sound(const GByteArray *msg)
{
	size_t col = 0;

	for (guint i = 0; i < msg->len; i++) {
		guint8 c = msg->data[i];

		if (c == '\r' && i + 1 < msg->len && msg->data[i + 1] == '\n') {
			if (col == 0)
				return true;	/* the empty line */
			col = 0;
			i++;
			continue;
		}
		if (c >= 0x80 || (c < 0x20 && c != '\t') || ++col > 998)
			return false;
	}
	return false;
}

static int
message_write(GMimeMessage *msg, GByteArray *out, char *err, size_t errlen)
{
	GMimeFormatOptions *fo = g_mime_format_options_new();
	GMimeStream *stream = g_mime_stream_mem_new();
	GByteArray *bytes;
	int rc = -1;

	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	if (g_mime_object_write_to_stream(GMIME_OBJECT(msg), fo, stream) < 0 ||
	    g_mime_stream_flush(stream) != 0) {
		set_error(err, errlen, "cannot write the message");
		goto out;
	}
	bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream));
	/* Everything put in was checked, encoded or folded, so this holds;
	 * should gmime ever surprise, refuse rather than send a header that
	 * breaks on the way. */
	if (!header_is_sound(bytes)) {
		set_error(err, errlen, "gmime wrote a header with 8-bit text, "
		    "control characters or a line over 998 octets");
		goto out;
	}
	g_byte_array_append(out, bytes->data, bytes->len);
	if (out->len < 2 || memcmp(out->data + out->len - 2, "\r\n", 2) != 0)
		g_byte_array_append(out, (const guint8 *)"\r\n", 2);
	rc = 0;
out:
	g_object_unref(stream);
	g_mime_format_options_free(fo);
	return rc;
}

int
compose_build(const struct compose_msg *m, GByteArray *out,
    char **message_id, char *err, size_t errlen)
{
	GMimeMessage *msg = NULL;
	char *id;
	int rc = -1;

	g_byte_array_set_size(out, 0);
	if (message_id != NULL)
		*message_id = NULL;
	if (compose_check(m, err, errlen) != 0)
		return -1;
	id = message_id_new(m->message_id_domain != NULL ?
	    m->message_id_domain : strrchr(m->from_addr, '@') + 1, err, errlen);
	if (id == NULL)
		return -1;
	msg = g_mime_message_new(TRUE);
	if (message_headers(msg, m, id, err, errlen) != 0)
		goto out;
	message_body(msg, m);
	if (message_write(msg, out, err, errlen) != 0)
		goto out;
	if (message_id != NULL) {
		*message_id = id;
		id = NULL;
	}
	rc = 0;
out:
	if (rc != 0)
		g_byte_array_set_size(out, 0);
	g_object_unref(msg);
	g_free(id);
	return rc;
}

/* "From MAILER-DAEMON Thu Jan  1 00:00:00 1970\n": the asctime form
 * mbox readers expect, in English whatever the locale. */
static void
mbox_from_line(GByteArray *out, int64_t date)
{
	static const char days[7][4] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
	};
	static const char months[12][4] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
		"Sep", "Oct", "Nov", "Dec",
	};
	time_t t = (time_t)date;
	struct tm tm;
	char line[80];
	int n;

	if (gmtime_r(&t, &tm) == NULL) {
		t = 0;
		(void)gmtime_r(&t, &tm);	/* the epoch always converts */
	}
	n = snprintf(line, sizeof line, "From MAILER-DAEMON %s %s %2d "
	    "%02d:%02d:%02d %d\n", days[tm.tm_wday], months[tm.tm_mon],
	    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
	if (n < 0 || (size_t)n >= sizeof line)	/* never: 11-digit years fit */
		n = snprintf(line, sizeof line, "From MAILER-DAEMON Thu Jan  1 "
		    "00:00:00 1970\n");
	g_byte_array_append(out, (const guint8 *)line, (guint)n);
}

/*
 * mboxrd, not gmime's GMimeFilterFrom: that filter escapes only "From "
 * (mboxo), and kring's reader, being mboxrd, would take a body line
 * ">From " back as "From ".  Here every line that is '>'s and "From "
 * gets one more '>', which mbox_next() takes off again: exact round
 * trips.  CRLF becomes LF on the way, as mbox files are Unix text.
 */
void
compose_mbox_append(GByteArray *out, const GByteArray *msg, int64_t date)
{
	const char *p = (const char *)msg->data, *end = p + msg->len;

	mbox_from_line(out, date);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl != NULL ? nl : end;
		const char *q = p;

		while (q < eol && *q == '>')
			q++;
		if (eol - q >= 5 && memcmp(q, "From ", 5) == 0)
			g_byte_array_append(out, (const guint8 *)">", 1);
		if (nl != NULL && eol > p && eol[-1] == '\r')
			eol--;
		g_byte_array_append(out, (const guint8 *)p, (guint)(eol - p));
		g_byte_array_append(out, (const guint8 *)"\n", 1);
		p = nl != NULL ? nl + 1 : end;
	}
	g_byte_array_append(out, (const guint8 *)"\n", 1);
}
