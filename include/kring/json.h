/*
 * json.h: append JSON values to a GString (for the tools' --json).
 */
#ifndef KRING_JSON_H
#define KRING_JSON_H

#include <stddef.h>
#include <glib.h>

/* Append S (LEN bytes, UTF-8; invalid bytes become U+FFFD) as a quoted
 * JSON string. */
void json_string(GString *out, const char *s, size_t len);

#endif
