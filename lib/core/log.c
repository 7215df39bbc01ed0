/*
 * log.c: one place for logging: syslog (facility mail) or stderr.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "kring/log.h"

static bool to_stderr = true;
static const char *log_ident = "kring";

void
log_init(const char *ident, bool foreground)
{
	log_ident = ident;
	to_stderr = foreground;
	if (!foreground)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

static void log_vemit(int prio, const char *fmt, va_list ap,
    const char *suffix) __attribute__((format(printf, 2, 0)));

static void
log_vemit(int prio, const char *fmt, va_list ap, const char *suffix)
{
	char line[2048];

	vsnprintf(line, sizeof line, fmt, ap);
	if (to_stderr) {
		/* One write per line so concurrent writers do not interleave. */
		fprintf(stderr, "%s: %s%s%s\n", log_ident, line,
		    suffix ? ": " : "", suffix ? suffix : "");
		fflush(stderr);
	} else {
		syslog(prio, "%s%s%s", line, suffix ? ": " : "",
		    suffix ? suffix : "");
	}
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_INFO, fmt, ap, NULL);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_WARNING, fmt, ap, NULL);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	/* g_strerror: thread-safe, and the same whichever strerror_r
	 * (XSI or GNU) the headers declare; GNU's returns its text rather
	 * than filling a buffer. */
	const char *reason = g_strerror(errno);

	va_start(ap, fmt);
	log_vemit(LOG_WARNING, fmt, ap, reason);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (getenv("KRING_DEBUG") == NULL)
		return;
	va_start(ap, fmt);
	log_vemit(LOG_DEBUG, fmt, ap, NULL);
	va_end(ap);
}
