/*
 * json.c: JSON string escaping.  Mail headers may hold anything: invalid
 * UTF-8 is replaced, control characters escaped.
 */
#include <string.h>

#include "kring/json.h"

void
json_string(GString *out, const char *s, size_t len)
{
	gchar *valid = g_utf8_make_valid(s, (gssize)len);

	g_string_append_c(out, '"');
	for (const unsigned char *p = (const unsigned char *)valid; *p; p++) {
		switch (*p) {
		case '"': g_string_append(out, "\\\""); break;
		case '\\': g_string_append(out, "\\\\"); break;
		case '\n': g_string_append(out, "\\n"); break;
		case '\r': g_string_append(out, "\\r"); break;
		case '\t': g_string_append(out, "\\t"); break;
		default:
			if (*p < 0x20)
				g_string_append_printf(out, "\\u%04x", *p);
			else
				g_string_append_c(out, (char)*p);
		}
	}
	g_string_append_c(out, '"');
	g_free(valid);
}
