/*
 * log.h: logging in one place.  Lines go to syslog (facility mail), or to
 * stderr when running in the foreground.  One line per event.
 */
#ifndef KRING_LOG_H
#define KRING_LOG_H

#include <stdbool.h>

/* Start logging as IDENT; to stderr when FOREGROUND, else to syslog. */
void log_init(const char *ident, bool foreground);

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* As log_warnx, with ": strerror(errno)" appended. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
