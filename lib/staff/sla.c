/*
 * sla.c: staff response figures (sla.h).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kring/sla.h"

static int
cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

void
sla_compute(const struct activity *a, int64_t now, long promise_hours,
    struct sla_figures *s)
{
	int64_t promise = (int64_t)promise_hours * 3600;
	GArray *minutes = g_array_new(FALSE, FALSE, sizeof(long));

	memset(s, 0, sizeof *s);
	s->promise_hours = promise_hours;
	s->overdue = g_ptr_array_new();
	for (guint i = 0; i < a->posts->len; i++) {
		struct post *p = a->posts->pdata[i];

		if (!post_is_member(p))
			continue;
		s->member_posts++;
		/* An answer after NOW (a report on a past period) is not
		 * known yet at NOW. */
		if (p->answered != 0 && p->answered <= now) {
			long m = (long)((p->answered - p->time) / 60);

			g_array_append_val(minutes, m);
			s->answered++;
			s->due++;
			s->within += p->answered - p->time <= promise;
		} else {
			s->unanswered++;
			if (now - p->time > promise) {
				s->due++;
				g_ptr_array_add(s->overdue, p);
			}
		}
	}
	g_array_sort(minutes, (GCompareFunc)cmp_long);
	s->median_minutes = minutes->len == 0 ? -1 :
	    minutes->len % 2 ? g_array_index(minutes, long, minutes->len / 2) :
	    (g_array_index(minutes, long, minutes->len / 2 - 1) +
	    g_array_index(minutes, long, minutes->len / 2)) / 2;
	g_array_unref(minutes);
}

void
sla_free(struct sla_figures *s)
{
	if (s->overdue != NULL)
		g_ptr_array_unref(s->overdue);
	s->overdue = NULL;
}

void
sla_median_text(const struct sla_figures *s, const char *lang, char *buf,
    size_t len)
{
	bool nl = lang != NULL && strcmp(lang, "nl") == 0;
	long tenths = (s->median_minutes * 10 + 30) / 60;

	if (s->median_minutes < 0)
		snprintf(buf, len, "-");
	else if (s->median_minutes < 60)
		snprintf(buf, len, "%ld min", s->median_minutes);
	else	/* Dutch writes a decimal comma and "uur" */
		snprintf(buf, len, "%ld%s%ld %s", tenths / 10, nl ? "," : ".",
		    tenths % 10, nl ? "uur" : "h");
}

long
sla_within_pct(const struct sla_figures *s)
{
	return s->due > 0 ? s->within * 100 / s->due : 100;
}

long
sla_answer_bins(const struct activity *a, int64_t now, int64_t width,
    long *bins, size_t n)
{
	long answered = 0;

	memset(bins, 0, n * sizeof *bins);
	if (n == 0 || width <= 0)
		return 0;
	for (guint i = 0; i < a->posts->len; i++) {
		const struct post *p = a->posts->pdata[i];
		int64_t t = p->answered - p->time;
		uint64_t bin;

		if (!post_is_member(p) || p->answered == 0 || p->answered > now)
			continue;
		bin = t <= 0 ? 0 : (uint64_t)((t - 1) / width);
		bins[bin < n ? bin : n - 1]++;
		answered++;
	}
	return answered;
}
