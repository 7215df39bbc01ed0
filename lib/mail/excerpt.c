/*
 * excerpt.c: a member's own words from a message (excerpt.h).
 */
#include <stdbool.h>
#include <string.h>
#include <gmime/gmime.h>

#include "kring/excerpt.h"

/* The decoded text of the first text/plain part, else of the first
 * text/html part with its tags dropped; NULL when there is neither. */
static char *
first_text(GMimeObject *body)
{
	GMimePartIter *it;
	GMimeObject *plain = NULL, *html = NULL;
	char *text = NULL;

	if (GMIME_IS_PART(body))
		plain = body;
	it = g_mime_part_iter_new(body);
	do {
		GMimeObject *o = g_mime_part_iter_get_current(it);
		GMimeContentType *ct;

		if (o == NULL || !GMIME_IS_PART(o))
			continue;
		ct = g_mime_object_get_content_type(o);
		if (plain == NULL && g_mime_content_type_is_type(ct, "text", "plain"))
			plain = o;
		if (html == NULL && g_mime_content_type_is_type(ct, "text", "html"))
			html = o;
	} while (g_mime_part_iter_next(it));
	g_mime_part_iter_free(it);
	if (plain != NULL && GMIME_IS_TEXT_PART(plain))
		text = g_mime_text_part_get_text(GMIME_TEXT_PART(plain));
	else if (html != NULL && GMIME_IS_TEXT_PART(html)) {
		GRegex *tags = g_regex_new("<[^>]*>", 0, 0, NULL);
		char *h = g_mime_text_part_get_text(GMIME_TEXT_PART(html));

		text = h ? g_regex_replace_literal(tags, h, -1, 0, " ", 0, NULL)
		    : NULL;
		g_free(h);
		g_regex_unref(tags);
	}
	return text;
}

/* True for a line that is not the writer's own: quoted, or the line
 * introducing a quote. */
static bool
line_not_own(const char *line, const char *next)
{
	if (line[0] == '>')
		return true;
	if (next != NULL && next[0] == '>' && g_str_has_suffix(line, ":"))
		return true;
	return false;
}

/* The own lines of TEXT, up to the signature, joined by JOIN (blank
 * lines dropped). */
static GString *
own_words(const char *text, char join)
{
	char **lines = g_strsplit(text, "\n", -1);
	GString *out = g_string_new(NULL);

	for (size_t i = 0; lines[i] != NULL; i++) {
		char *l = g_strchomp(lines[i]);

		if (strcmp(l, "--") == 0)	/* "-- " with its space chomped */
			break;
		if (line_not_own(l, lines[i + 1]))
			continue;
		l = g_strstrip(l);
		if (l[0] == '\0')
			continue;
		if (out->len > 0)
			g_string_append_c(out, join);
		g_string_append(out, l);
	}
	g_strfreev(lines);
	return out;
}

/* Cut S to at most MAX bytes at a word boundary, adding "…". */
static void
cut_at_word(GString *s, size_t max)
{
	const char *end;
	size_t keep;

	if (s->len <= max)
		return;
	keep = max > 3 ? max - 3 : 0;
	end = g_utf8_find_prev_char(s->str, s->str + keep + 1);
	keep = end ? (size_t)(end - s->str) : 0;
	end = g_strrstr_len(s->str, (gssize)keep, " ");
	if (end != NULL && end > s->str)
		keep = (size_t)(end - s->str);	/* else one long word: cut it */
	g_string_truncate(s, keep);
	g_string_append(s, "\xe2\x80\xa6");
}

/* The own words of message RAW, lines joined by JOIN, cut at MAX. */
static char *
own_text(const char *raw, size_t len, size_t max, char join)
{
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(raw, len);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	GMimeMessage *msg = g_mime_parser_construct_message(parser, NULL);
	GMimeObject *body = msg ? g_mime_message_get_mime_part(msg) : NULL;
	char *text = body ? first_text(body) : NULL;
	GString *words;

	g_object_unref(parser);
	g_object_unref(stream);
	if (msg != NULL)
		g_object_unref(msg);
	if (text == NULL)
		return g_strdup("");
	words = own_words(text, join);
	g_free(text);
	cut_at_word(words, max);
	return g_string_free(words, FALSE);
}

char *
msg_excerpt(const char *raw, size_t len, size_t max)
{
	return own_text(raw, len, max, ' ');
}

char *
msg_own_text(const char *raw, size_t len, size_t max)
{
	return own_text(raw, len, max, '\n');
}
