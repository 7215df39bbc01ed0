/*
 * tap.h: the Test Anything Protocol for the C test programs in t/helper:
 * "ok N - what" or "not ok N - what", diagnostics as "#" lines.  A
 * program prints "1..t_count" at the end and exits 1 when t_failed.
 */
#ifndef KRING_TAP_H
#define KRING_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <glib.h>

extern int t_count, t_failed;

/* Diagnostics: each line of the text as a "#" line. */
void diag(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
bool okv(bool cond, const char *fmt, va_list ap) G_GNUC_PRINTF(2, 0);
bool ok(bool cond, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Equal strings (NULL equals only NULL); shows both, escaped, if not. */
bool is_str(const char *got, const char *want, const char *fmt, ...)
	G_GNUC_PRINTF(3, 4);
bool is_long(long long got, long long want, const char *fmt, ...)
	G_GNUC_PRINTF(3, 4);

#endif
