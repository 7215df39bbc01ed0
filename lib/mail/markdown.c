/*
 * markdown.c: Markdown for the mail kring sends (contract in
 * markdown.h), with libcmark.
 * Untrusted input, in part: staff write the Markdown, but it may quote
 * members, so raw HTML never reaches the HTML part.
 */
#include <string.h>
#include <cmark.h>
#include <glib.h>

#include "kring/markdown.h"

/*
 * Safe rendering is libcmark's default since 0.29 (CMARK_OPT_SAFE is
 * kept only for old code): CMARK_OPT_UNSAFE must never be set here.
 * Asking for SAFE as well keeps older libcmarks safe.
 */
#define MARKDOWN_OPTS (CMARK_OPT_SAFE | CMARK_OPT_VALIDATE_UTF8)

char *
markdown_to_html(const char *md, size_t len)
{
	/* libcmark allocates with malloc() and aborts when out of memory;
	 * GLib's g_free() is free() (GLib >= 2.46), so the result is
	 * handed on as it is. */
	return cmark_markdown_to_html(md, len, MARKDOWN_OPTS);
}

char *
markdown_to_text(const char *md, size_t len)
{
	GString *out = g_string_sized_new(len + 1);
	char *valid;

	for (size_t i = 0; i < len; i++) {
		if (md[i] == '\r') {
			g_string_append_c(out, '\n');
			if (i + 1 < len && md[i + 1] == '\n')
				i++;
		} else if (md[i] == '\0') {
			g_string_append(out, "\xef\xbf\xbd");	/* U+FFFD */
		} else {
			g_string_append_c(out, md[i]);
		}
	}
	valid = g_utf8_make_valid(out->str, (gssize)out->len);
	g_string_free(out, TRUE);
	return valid;
}
