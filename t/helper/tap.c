/*
 * tap.c: TAP output for the C test programs (see tap.h).
 */
#include <stdio.h>
#include <string.h>

#include "tap.h"

int t_count, t_failed;

void
diag(const char *fmt, ...)
{
	va_list ap;
	char *text, *line, *save = NULL;

	va_start(ap, fmt);
	text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		printf("#   %s\n", line);
	g_free(text);
	fflush(stdout);
}

bool
okv(bool cond, const char *fmt, va_list ap)
{
	t_count++;
	if (!cond)
		t_failed++;
	printf("%s %d - ", cond ? "ok" : "not ok", t_count);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
	return cond;
}

bool
ok(bool cond, const char *fmt, ...)
{
	va_list ap;
	bool r;

	va_start(ap, fmt);
	r = okv(cond, fmt, ap);
	va_end(ap);
	return r;
}

bool
is_str(const char *got, const char *want, const char *fmt, ...)
{
	va_list ap;
	bool r = (got == NULL || want == NULL) ? got == want :
	    strcmp(got, want) == 0;
	char *g, *w;

	va_start(ap, fmt);
	okv(r, fmt, ap);
	va_end(ap);
	if (!r) {
		g = got ? g_strescape(got, NULL) : g_strdup("(null)");
		w = want ? g_strescape(want, NULL) : g_strdup("(null)");
		diag("got:      \"%.600s\"\nexpected: \"%.600s\"", g, w);
		g_free(g);
		g_free(w);
	}
	return r;
}

bool
is_long(long long got, long long want, const char *fmt, ...)
{
	va_list ap;
	bool r = got == want;

	va_start(ap, fmt);
	okv(r, fmt, ap);
	va_end(ap);
	if (!r)
		diag("got:      %lld\nexpected: %lld", got, want);
	return r;
}
