/*
 * hfield.c: header fields one by one (hfield.h).
 */
#include <string.h>

#include "kring/hfield.h"

bool
hfield_next(const char **p, const char *end, struct hfield *f)
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

bool
hfield_is(const struct hfield *f, const char *name)
{
	return f->namelen == strlen(name) &&
	    g_ascii_strncasecmp(f->start, name, f->namelen) == 0;
}

bool
hfield_has_prefix(const struct hfield *f, const char *prefix)
{
	size_t n = strlen(prefix);

	return f->namelen >= n && g_ascii_strncasecmp(f->start, prefix, n) == 0;
}

char *
hfield_value(const struct hfield *f)
{
	const char *v = f->start + f->namelen + 1;
	char *s = g_strndup(v, f->len - f->namelen - 1);

	return g_strstrip(s);
}

void
hfield_add(GByteArray *out, const char *name, const char *value)
{
	g_byte_array_append(out, (const guint8 *)name, (guint)strlen(name));
	g_byte_array_append(out, (const guint8 *)": ", 2);
	g_byte_array_append(out, (const guint8 *)value, (guint)strlen(value));
	g_byte_array_append(out, (const guint8 *)"\r\n", 2);
}
