/*
 * dsn.c: reading a bounce (dsn.h).  The delivery-status part is read
 * field by field (RFC 3464 2.1: blocks of header-like fields, the first
 * about the message, one per recipient after it).  A bounce in words is
 * read up to where the returned message starts, for a failed address,
 * an enhanced status code (RFC 3463) or else a bare SMTP reply code,
 * and whether it is a warning only.
 */
#include <string.h>
#include <gmime/gmime.h>

#include "kring/dsn.h"

#define TEXT_MAX (64 * 1024)	/* of a part, read */

/* Copy VALUE into OUT (SIZE bytes): one line, white space runs as one
 * space, cut at a character. */
static void
set_line(char *out, size_t size, const char *value)
{
	GString *s = g_string_new(NULL);
	char *valid;
	const char *end;

	for (const char *p = value; *p; p++) {
		bool space = *p == ' ' || *p == '\t' || *p == '\r' ||
		    *p == '\n';

		if (space && (s->len == 0 || s->str[s->len - 1] == ' '))
			continue;
		g_string_append_c(s, space ? ' ' : *p);
	}
	while (s->len > 0 && s->str[s->len - 1] == ' ')
		g_string_truncate(s, s->len - 1);
	valid = g_utf8_make_valid(s->str, (gssize)s->len);
	g_strlcpy(out, valid, size);
	/* g_strlcpy may cut inside a character: cut before it. */
	if (!g_utf8_validate(out, -1, &end))
		out[end - out] = '\0';
	g_free(valid);
	g_string_free(s, TRUE);
}

/* An address from VALUE ("rfc822; <a@b>", "a@b"), lower case. */
static void
set_address(char *out, size_t size, const char *value)
{
	const char *semi = strchr(value, ';');
	char *a = g_strstrip(g_strdup(semi ? semi + 1 : value));
	size_t n = strlen(a);

	if (n >= 2 && a[0] == '<' && a[n - 1] == '>') {
		a[n - 1] = '\0';
		memmove(a, a + 1, n - 1);
	}
	set_line(out, size, a);
	for (char *p = out; *p; p++)
		*p = g_ascii_tolower(*p);
	g_free(a);
}

/* The first word of VALUE, lower case (Action, Status). */
static void
set_word(char *out, size_t size, const char *value)
{
	size_t i = 0;

	while (*value == ' ' || *value == '\t')
		value++;
	for (; value[i] && !g_ascii_isspace(value[i]) && value[i] != '(' &&
	    i + 1 < size; i++)
		out[i] = g_ascii_tolower(value[i]);
	out[i] = '\0';
}

/* A multi-line SMTP reply in one line ("550-5.1.1 The account ...
 * 550-5.1.1 does not exist ... 550 5.1.1 https://..."): its code and
 * status once, at the start. */
static void
unrepeat_reply_code(char *diag)
{
	static GRegex *lead;
	static gsize once;
	GMatchInfo *mi;
	char *code, *status, *esc, *pattern, *clean = NULL;
	GRegex *again;

	if (g_once_init_enter(&once)) {
		lead = g_regex_new("^([245][0-9][0-9])[- ]([245]\\.[0-9]{1,3}"
		    "\\.[0-9]{1,3}) ", 0, 0, NULL);
		g_once_init_leave(&once, 1);
	}
	if (!g_regex_match(lead, diag, 0, &mi)) {
		g_match_info_free(mi);
		return;
	}
	code = g_match_info_fetch(mi, 1);
	status = g_match_info_fetch(mi, 2);
	g_match_info_free(mi);
	diag[3] = ' ';
	esc = g_regex_escape_string(status, -1);
	pattern = g_strdup_printf("(?<=.) %s[- ]%s(?= )", code, esc);
	g_free(esc);
	if ((again = g_regex_new(pattern, G_REGEX_RAW, 0, NULL)) != NULL) {
		clean = g_regex_replace_literal(again, diag, -1, 4, "", 0, NULL);
		g_regex_unref(again);
	}
	if (clean != NULL) {
		strcpy(diag, clean);	/* shorter: it fits */
		g_free(clean);
	}
	g_free(pattern);
	g_free(code);
	g_free(status);
}

/* One field of a recipient's block. */
static void
set_field(struct dsn_rcpt *r, const char *name, const char *value,
    bool *have_final)
{
	if (g_ascii_strcasecmp(name, "Final-Recipient") == 0) {
		set_address(r->recipient, sizeof r->recipient, value);
		*have_final = true;
	} else if (g_ascii_strcasecmp(name, "Original-Recipient") == 0) {
		if (!*have_final)
			set_address(r->recipient, sizeof r->recipient, value);
	} else if (g_ascii_strcasecmp(name, "Action") == 0) {
		set_word(r->action, sizeof r->action, value);
	} else if (g_ascii_strcasecmp(name, "Status") == 0) {
		set_word(r->status, sizeof r->status, value);
	} else if (g_ascii_strcasecmp(name, "Diagnostic-Code") == 0) {
		const char *semi = strchr(value, ';');

		set_line(r->diagnostic, sizeof r->diagnostic,
		    semi ? semi + 1 : value);
		unrepeat_reply_code(r->diagnostic);
	}
}

struct status_reader {
	struct dsn_report *out;
	struct dsn_rcpt cur;
	bool have_final, any;	/* the block so far */
	GString *name, *value;	/* the field being read */
};

static void
flush_field(struct status_reader *sr)
{
	if (sr->name->len > 0) {
		set_field(&sr->cur, sr->name->str, sr->value->str,
		    &sr->have_final);
		sr->any = sr->any || sr->cur.action[0] || sr->cur.status[0] ||
		    sr->cur.recipient[0];
	}
	g_string_truncate(sr->name, 0);
	g_string_truncate(sr->value, 0);
}

/* The end of a block: a recipient's, when it has their fields. */
static void
flush_block(struct status_reader *sr)
{
	flush_field(sr);
	if (sr->any && sr->out->n < DSN_MAX_RCPT)
		sr->out->rcpt[sr->out->n++] = sr->cur;
	memset(&sr->cur, 0, sizeof sr->cur);
	sr->have_final = sr->any = false;
}

static void
read_status(const char *text, struct dsn_report *out)
{
	struct status_reader sr = { .out = out, .name = g_string_new(NULL),
	    .value = g_string_new(NULL) };
	char **lines = g_strsplit(text, "\n", -1);

	for (char **l = lines; *l != NULL; l++) {
		char *line = *l, *colon;

		g_strchomp(line);	/* the CR, trailing blanks */
		if (line[0] == '\0') {
			flush_block(&sr);
		} else if (line[0] == ' ' || line[0] == '\t') {
			g_string_append_c(sr.value, ' ');
			g_string_append(sr.value, line);
		} else if ((colon = strchr(line, ':')) != NULL) {
			flush_field(&sr);
			g_string_append_len(sr.name, line, colon - line);
			g_string_append(sr.value, colon + 1);
		}
	}
	flush_block(&sr);
	g_strfreev(lines);
	g_string_free(sr.name, TRUE);
	g_string_free(sr.value, TRUE);
}

/* The decoded bytes of part P, at most TEXT_MAX, as UTF-8 (text parts
 * in their charset). */
static char *
part_text(GMimePart *p)
{
	GMimeDataWrapper *w;
	GMimeStream *mem;
	GByteArray *b;
	char *text;

	if (GMIME_IS_TEXT_PART(p)) {
		text = g_mime_text_part_get_text(GMIME_TEXT_PART(p));
		if (text != NULL && strlen(text) > TEXT_MAX)
			text[TEXT_MAX] = '\0';
		if (text != NULL && !g_utf8_validate(text, -1, NULL)) {
			char *valid = g_utf8_make_valid(text, -1);

			g_free(text);
			text = valid;
		}
		return text != NULL ? text : g_strdup("");
	}
	if ((w = g_mime_part_get_content(p)) == NULL)
		return g_strdup("");
	mem = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(w, mem);
	b = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	text = g_utf8_make_valid((const char *)b->data,
	    (gssize)MIN(b->len, TEXT_MAX));
	g_object_unref(mem);
	return text;
}

/* Written out, the message inside a message/ part (some gmime versions
 * take message/delivery-status for one). */
static char *
message_part_text(GMimeMessagePart *mp)
{
	GMimeMessage *m = g_mime_message_part_get_message(mp);
	GMimeStream *mem;
	GByteArray *b;
	char *text;

	if (m == NULL)
		return g_strdup("");
	mem = g_mime_stream_mem_new();
	g_mime_object_write_to_stream(GMIME_OBJECT(m), NULL, mem);
	b = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	text = g_utf8_make_valid((const char *)b->data,
	    (gssize)MIN(b->len, TEXT_MAX));
	g_object_unref(mem);
	return text;
}

static bool
is_status_type(GMimeContentType *ct)
{
	return g_mime_content_type_is_type(ct, "message", "delivery-status") ||
	    g_mime_content_type_is_type(ct, "message",
	    "global-delivery-status");
}

/* Into *STATUS the delivery-status part, into *PLAIN the first text
 * part, of O; the returned message (message/rfc822) is not looked in. */
static void
find_parts(GMimeObject *o, char **status, char **plain)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);

	if (GMIME_IS_MULTIPART(o)) {
		GMimeMultipart *mp = GMIME_MULTIPART(o);

		for (int i = 0; i < g_mime_multipart_get_count(mp); i++)
			find_parts(g_mime_multipart_get_part(mp, i), status,
			    plain);
	} else if (ct != NULL && is_status_type(ct)) {
		if (*status == NULL)
			*status = GMIME_IS_MESSAGE_PART(o) ?
			    message_part_text(GMIME_MESSAGE_PART(o)) :
			    GMIME_IS_PART(o) ? part_text(GMIME_PART(o)) : NULL;
	} else if (GMIME_IS_PART(o) && ct != NULL &&
	    g_mime_content_type_is_type(ct, "text", "plain") &&
	    *plain == NULL) {
		*plain = part_text(GMIME_PART(o));
	}
}

const char *
dsn_format_name(enum dsn_format f)
{
	static const char *const names[] = { "none", "dsn", "text" };

	return (unsigned)f < G_N_ELEMENTS(names) ? names[f] : "?";
}

/* Where the returned message starts in a bounce in words. */
static const char *const copy_markers[] = {
	"copy of the message", "copy of your message", "original message",
	"below this line is a copy", "returned message", "message headers follow",
	"undelivered message attached",
};

/* Words of a bounce; and of a warning that it is not one yet. */
static const char *const bounce_words[] = {
	"could not be delivered", "couldn't be delivered", "not be delivered",
	"wasn't able to deliver", "was not able to deliver", "unable to deliver",
	"undeliverable", "undelivered", "delivery has failed",
	"delivery failed", "delivery to the following", "permanent error",
	"failed permanently", "address(es) failed", "addresses failed",
	"returned mail", "mail delivery failed", "delivery status notification",
	"non-delivery", "could not deliver", "was not delivered",
	"message not delivered", "user unknown", "no such user",
};
static const char *const warning_words[] = {
	"warning only", "warning message only", "not yet been delivered",
	"not been delivered yet", "will retry", "will keep trying",
	"still trying", "delivery delayed", "delayed", "temporarily deferred",
	"do not need to resend",
};

static bool
has_any(const char *lower, const char *const *words, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(lower, words[i]) != NULL)
			return true;
	return false;
}

/* The line of TEXT around P, into OUT. */
static void
line_at(const char *text, const char *p, char *out, size_t size)
{
	const char *start = p, *end = strchr(p, '\n');
	char *line;

	while (start > text && start[-1] != '\n')
		start--;
	line = g_strndup(start, end ? (size_t)(end - start) : strlen(start));
	set_line(out, size, line);
	g_free(line);
}

static GRegex *
regex(const char *pattern)
{
	GRegex *re = g_regex_new(pattern, G_REGEX_CASELESS | G_REGEX_MULTILINE,
	    0, NULL);

	g_assert(re != NULL);	/* the patterns are ours */
	return re;
}

/* The code in TEXT: an enhanced status code, else a reply code as
 * "5.0.0" or "4.0.0"; into R with the line it is on. */
static void
guess_status(const char *text, struct dsn_rcpt *r)
{
	static GRegex *enhanced, *reply;
	static gsize once;
	GMatchInfo *mi;
	int start, end;

	if (g_once_init_enter(&once)) {
		enhanced = regex("(?<![0-9.])([245])\\.([0-9]{1,3})\\.([0-9]{1,3})"
		    "(?![0-9.])");
		reply = regex("(?<![0-9.#-])([45])[0-9][0-9](?=[ -])");
		g_once_init_leave(&once, 1);
	}
	if (g_regex_match(enhanced, text, 0, &mi) &&
	    g_match_info_fetch_pos(mi, 0, &start, &end)) {
		g_strlcpy(r->status, text + start, MIN(sizeof r->status,
		    (size_t)(end - start) + 1));
		line_at(text, text + start, r->diagnostic, sizeof r->diagnostic);
	}
	g_match_info_free(mi);
	if (r->status[0] != '\0')
		return;
	if (g_regex_match(reply, text, 0, &mi) &&
	    g_match_info_fetch_pos(mi, 0, &start, &end)) {
		snprintf(r->status, sizeof r->status, "%c.0.0", text[start]);
		line_at(text, text + start, r->diagnostic, sizeof r->diagnostic);
	}
	g_match_info_free(mi);
}

/* The first <address> in TEXT, else the first address. */
static void
guess_recipient(const char *text, struct dsn_rcpt *r)
{
	static GRegex *bracketed, *bare;
	static gsize once;
	GMatchInfo *mi;
	char *a = NULL;

	if (g_once_init_enter(&once)) {
		bracketed = regex("<([^<>@\\s]+@[^<>@\\s]+\\.[^<>@\\s]+)>");
		bare = regex("(?<![^\\s:;,])([^<>@\\s:;,]+@[a-z0-9.-]+\\.[a-z]+)");
		g_once_init_leave(&once, 1);
	}
	if (g_regex_match(bracketed, text, 0, &mi))
		a = g_match_info_fetch(mi, 1);
	g_match_info_free(mi);
	if (a == NULL) {
		if (g_regex_match(bare, text, 0, &mi))
			a = g_match_info_fetch(mi, 1);
		g_match_info_free(mi);
	}
	if (a != NULL)
		set_address(r->recipient, sizeof r->recipient, a);
	g_free(a);
}

/* A bounce in words: TEXT the first text part, FAILED the
 * X-Failed-Recipients field (NULL: none), SUBJECT the Subject. */
static void
read_text(const char *text, const char *failed, const char *subject,
    struct dsn_report *out)
{
	char *lower = g_utf8_strdown(text, -1);
	char *lsubject = g_utf8_strdown(subject ? subject : "", -1);
	struct dsn_rcpt *r = &out->rcpt[0];
	size_t cut = strlen(lower);

	for (size_t i = 0; i < G_N_ELEMENTS(copy_markers); i++) {
		const char *m = strstr(lower, copy_markers[i]);

		if (m != NULL && (size_t)(m - lower) < cut)
			cut = (size_t)(m - lower);
	}
	/* Lower-casing keeps ASCII offsets only while the text is ASCII. */
	if (strlen(lower) != strlen(text))
		cut = strlen(text);
	lower[cut] = '\0';
	if (failed == NULL && !has_any(lower, bounce_words,
	    G_N_ELEMENTS(bounce_words)) && !has_any(lsubject, bounce_words,
	    G_N_ELEMENTS(bounce_words)))
		goto out;
	memset(r, 0, sizeof *r);
	{
		char *head = g_strndup(text, cut);

		guess_status(head, r);
		if (failed != NULL) {
			char *first = g_strndup(failed, strcspn(failed, ","));

			set_address(r->recipient, sizeof r->recipient, first);
			g_free(first);
		} else
			guess_recipient(head, r);
		g_free(head);
	}
	if (r->status[0] == '\0' && failed == NULL)
		goto out;	/* words alone, no code: not sure enough */
	g_strlcpy(r->action, (has_any(lower, warning_words,
	    G_N_ELEMENTS(warning_words)) || has_any(lsubject, warning_words,
	    G_N_ELEMENTS(warning_words))) && r->status[0] != '5' &&
	    strstr(lower, "permanent") == NULL ? "delayed" : "failed",
	    sizeof r->action);
	out->format = DSN_TEXT;
	out->n = 1;
out:
	g_free(lower);
	g_free(lsubject);
}

void
dsn_parse(const char *raw, size_t len, struct dsn_report *out)
{
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(raw, len);
	GMimeParser *p = g_mime_parser_new_with_stream(s);
	GMimeMessage *msg = g_mime_parser_construct_message(p, NULL);
	char *status = NULL, *plain = NULL;

	memset(out, 0, sizeof *out);
	if (msg != NULL && msg->mime_part != NULL)
		find_parts(msg->mime_part, &status, &plain);
	if (status != NULL) {
		read_status(status, out);
		out->format = DSN_RFC3464;
	} else if (plain != NULL) {
		GMimeObject *o = GMIME_OBJECT(msg);

		read_text(plain, g_mime_object_get_header(o,
		    "X-Failed-Recipients"), g_mime_message_get_subject(msg),
		    out);
	}
	g_free(status);
	g_free(plain);
	if (msg != NULL)
		g_object_unref(msg);
	g_object_unref(p);
	g_object_unref(s);
}
