/*
 * csv.c: CSV fields (csv.h).
 */
#include <string.h>

#include "kring/csv.h"

void
csv_field(GString *out, const char *v)
{
	if (strpbrk(v, ",\"\r\n") == NULL) {
		g_string_append(out, v);
		return;
	}
	g_string_append_c(out, '"');
	for (const char *p = v; *p; p++) {
		if (*p == '"')
			g_string_append_c(out, '"');
		g_string_append_c(out, *p);
	}
	g_string_append_c(out, '"');
}
