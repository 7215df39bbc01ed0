/*
 * util.c: time and number helpers, and reading a small file whole.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <glib.h>

#include "kring/util.h"

/*
 * KRING_NOW=TIME: the clock stands at TIME (tests, previews of a date).
 * KRING_NOW=TIME+ : the clock reads TIME at the first call and runs on
 * from there (kringd in tests, to let a schedule fall due).
 */
int64_t
kring_now(void)
{
	static int64_t offset;
	static gsize have_offset;	/* g_once: threads may ask at once */
	const char *env = getenv("KRING_NOW");
	char buf[64];
	size_t len;
	int64_t t;

	if (env == NULL || *env == '\0' || (len = strlen(env)) >= sizeof buf)
		return (int64_t)time(NULL);
	memcpy(buf, env, len + 1);
	if (buf[len - 1] != '+')
		return time_parse(buf, &t) == 0 ? t : (int64_t)time(NULL);
	buf[len - 1] = '\0';
	if (g_once_init_enter(&have_offset)) {
		if (time_parse(buf, &t) == 0)
			offset = t - (int64_t)time(NULL);
		g_once_init_leave(&have_offset, 1);
	}
	return (int64_t)time(NULL) + offset;
}

void
time_iso(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "%lld", (long long)t);
}

int
time_parse(const char *text, int64_t *t)
{
	long secs;
	GDateTime *dt;
	GTimeZone *utc;
	char buf[64];

	if (parse_long(text, 0, 0x7fffffffffffL, &secs) == 0) {
		*t = secs;
		return 0;
	}
	/* A bare date means its midnight, UTC. */
	if (strlen(text) == 10) {
		snprintf(buf, sizeof buf, "%sT00:00:00Z", text);
		text = buf;
	}
	utc = g_time_zone_new_utc();
	dt = g_date_time_new_from_iso8601(text, utc);
	g_time_zone_unref(utc);
	if (dt == NULL)
		return -1;
	*t = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return 0;
}

int
parse_long(const char *text, long min, long max, long *out)
{
	char *end;
	long v;

	if (text == NULL || *text == '\0' || isspace((unsigned char)*text))
		return -1;
	errno = 0;
	v = strtol(text, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

char *
ascii_lower(char *s)
{
	for (char *p = s; *p; p++)
		*p = (char)g_ascii_tolower(*p);
	return s;
}

char *
program_dir(void)
{
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);

	if (len <= 0)
		return NULL;
	exe[len] = '\0';
	return g_path_get_dirname(exe);
}

int64_t
day_start(uint64_t day)
{
	return day > (uint64_t)(INT64_MAX / 86400) ? INT64_MAX :
	    (int64_t)day * 86400;
}

void
socket_name(int fd, char *buf, size_t buflen)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char host[INET6_ADDRSTRLEN] = "?";
	int port = 0;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

			inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host);
			port = ntohs(s6->sin6_port);
		} else {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

			inet_ntop(AF_INET, &s4->sin_addr, host, sizeof host);
			port = ntohs(s4->sin_port);
		}
	}
	snprintf(buf, buflen, ss.ss_family == AF_INET6 ? "[%s]:%d" : "%s:%d",
	    host, port);
}

static int G_GNUC_PRINTF(3, 4)
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen == 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int
read_file_max(const char *path, size_t max, char **data, size_t *len,
    char *err, size_t errlen)
{
	struct stat sb;
	char *buf = NULL;
	size_t cap, n = 0;
	ssize_t r;
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 1;
		return fail(err, errlen, "%s: %s", path, g_strerror(errno));
	}
	if (fstat(fd, &sb) == -1) {
		fail(err, errlen, "%s: %s", path, g_strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode) || (uintmax_t)sb.st_size > max) {
		if (S_ISREG(sb.st_mode))
			fail(err, errlen, "%s: larger than %zu MiB", path,
			    max / (1024 * 1024));
		else
			fail(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	/* One byte more than its size, to see it grow while we read. */
	cap = (size_t)sb.st_size + 1;
	buf = g_malloc(cap + 1);
	while (n < cap) {
		if ((r = read(fd, buf + n, cap - n)) == -1) {
			if (errno == EINTR)
				continue;
			fail(err, errlen, "%s: %s", path, g_strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n == cap) {
		fail(err, errlen, "%s: changed while read", path);
		goto out;
	}
	buf[n] = '\0';
	*data = buf;
	*len = n;
	buf = NULL;
	rc = 0;
out:
	g_free(buf);
	close(fd);
	return rc;
}
