/*
 * util.h: small helpers that neither GLib nor libc have in this form.
 */
#ifndef KRING_UTIL_H
#define KRING_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Now, as Unix seconds: KRING_NOW (seconds or ISO 8601) when set, else the clock. */
int64_t kring_now(void);

/* Format T as ISO 8601 UTC "YYYY-MM-DDTHH:MM:SSZ" into BUF (>= 21). */
void time_iso(int64_t t, char *buf, size_t len);

/* Parse "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS][Z|+hh:mm]" or Unix seconds.
 * Returns 0 and sets *T, or -1. */
int time_parse(const char *text, int64_t *t);

/* The start of day number DAY (days since 1970) in Unix seconds; a day
 * too far for int64_t gives INT64_MAX (never an overflow: a token's
 * expiry is a number its sender chooses). */
int64_t day_start(uint64_t day);

/* strtol with every check: whole string, range.  Returns 0 or -1. */
int parse_long(const char *text, long min, long max, long *out);

/* The folder of the running program (from /proc/self/exe), or NULL;
 * g_free.  Tools, kringd and the dispatcher find what ships beside
 * them from it: a build tree, or an install, also a relocated one. */
char *program_dir(void);

/* Into BUF the address FD is bound to, "host:port" ("[v6]:port"): port
 * 0 picks a free one, and logs and tests need the one picked. */
void socket_name(int fd, char *buf, size_t buflen);

/* Lower-case ASCII in place; returns S. */
char *ascii_lower(char *s);

/*
 * Read the regular file PATH whole into *DATA (NUL-terminated, g_free)
 * and its length into *LEN.  Returns 0; 1 when there is no such file; or
 * -1 with ERR ("PATH: ..."): not readable, not a regular file, larger
 * than MAX bytes (MAX a whole number of MiB, as the message says), or
 * changed while read.
 */
int read_file_max(const char *path, size_t max, char **data, size_t *len,
    char *err, size_t errlen);

#endif
