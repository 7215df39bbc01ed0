/*
 * sla.h: the staff response figures of a period: how fast staff answer
 * member posts, against the community's promise (response_hours).
 *
 * Of the member posts (activity.h) that arrived in the period, as known
 * at NOW: "answered" have an answer by NOW, "unanswered" have none;
 * a post is "due" once it was answered or the promise has run out for
 * it, and the share answered within the promise is of the due ones;
 * "overdue" are the unanswered past the promise.  The median is of the
 * answered ones' response times.
 */
#ifndef KRING_SLA_H
#define KRING_SLA_H

#include <stdint.h>
#include <glib.h>
#include "kring/activity.h"

struct sla_figures {
	long promise_hours;
	long member_posts;	/* in the period */
	long answered;		/* with a staff answer */
	long within;		/* answered within the promise */
	long due;		/* answered, or older than the promise */
	long unanswered;	/* no staff answer yet, whatever their age */
	long median_minutes;	/* of the answered; -1 when none */
	GPtrArray *overdue;	/* struct post * (borrowed from the activity):
				 * unanswered past the promise, oldest first */
};

/* The figures of A at NOW against PROMISE_HOURS.  Free with sla_free. */
void sla_compute(const struct activity *a, int64_t now, long promise_hours,
    struct sla_figures *s);
void sla_free(struct sla_figures *s);

/* The median as text in language LANG, "45 min" or "3.5 h" ("3,5 uur"
 * in "nl"), into BUF; "-" when none. */
void sla_median_text(const struct sla_figures *s, const char *lang,
    char *buf, size_t len);

/* 0..100: the share of due posts answered within the promise; 100 when
 * none was due (a figure that means nothing: show it only when s->due
 * is more than 0). */
long sla_within_pct(const struct sla_figures *s);

/*
 * The answered posts of A (as sla_compute counts them at NOW) by their
 * answer time into BINS[0..N-1] (cleared first): bin I holds the
 * answer times T with I * WIDTH < T <= (I + 1) * WIDTH seconds (bin 0
 * from 0 on), the last bin everything above.  So with a promise of
 * K * WIDTH, bins 0..K-1 hold exactly the answers within the promise.
 * Returns the number of answered posts.
 */
long sla_answer_bins(const struct activity *a, int64_t now, int64_t width,
    long *bins, size_t n);

#endif
