/*
 * markdown.h: staff-written text (summaries, outcomes, newsletter
 * introductions) is CommonMark, rendered with libcmark for the HTML part
 * of a message and kept as it was written for the text part.
 */
#ifndef KRING_MARKDOWN_H
#define KRING_MARKDOWN_H

#include <stddef.h>

/*
 * MD (LEN bytes, any bytes: bad UTF-8 and NULs become U+FFFD) as an HTML
 * fragment.  Safe: raw HTML in MD is left out (cmark writes "<!-- raw
 * HTML omitted -->"), and javascript:, vbscript:, file: and most data:
 * links lose their target.  Returns a new string (g_free).
 */
char *markdown_to_html(const char *md, size_t len);

/*
 * MD (LEN bytes) for a text/plain part: the Markdown source itself,
 * which was made to read well as text, as valid UTF-8 with LF line
 * ends (this libcmark has no plain-text renderer).  Returns a new
 * string (g_free).
 */
char *markdown_to_text(const char *md, size_t len);

#endif
