/*
 * chart.h: small pictures of figures for mail, as PNG: bars per day,
 * a histogram with a mark (answer times against the promise), and
 * labelled horizontal bars (the busiest threads).  Drawn with cairo,
 * text with pango (any UTF-8: "Zoë", Dutch subjects; long labels end in
 * "…"), in colours told apart by colour-blind readers (Okabe and Ito's
 * blue, orange and vermillion), on white.
 *
 * Each function takes plain arrays of figures and words already in the
 * mail's language, and draws a picture CHART_WIDTH CSS pixels wide (its
 * height depends on the chart) at CHART_SCALE device pixels per CSS
 * pixel, so that it is sharp on a phone's screen when the mail shows it
 * at width 100%, at most CHART_WIDTH px.  The figures are the caller's:
 * a chart draws what it is given, and refuses more bars than its
 * maximum (-1, nothing allocated).  Bars start on one base line and
 * their lengths are the figure times one scale, rounded to a device
 * pixel, so a picture can be measured against its figures.
 */
#ifndef KRING_CHART_H
#define KRING_CHART_H

#include <stddef.h>
#include <glib.h>

#define CHART_WIDTH 600		/* CSS px */
#define CHART_SCALE 2		/* device pixels per CSS px in the PNG */
#define CHART_MAX_DAYS 62
#define CHART_MAX_BINS 24
#define CHART_MAX_ROWS 10

/* The colours, as 0xRRGGBB, for tests and templates to refer to. */
#define CHART_BLUE 0x0072b2	/* the first series; within the promise */
#define CHART_ORANGE 0xe69f00	/* the second series */
#define CHART_VERMILLION 0xd55e00	/* past the promise */

/* A picture: the PNG file, and its size in CSS px (the PNG has
 * CHART_SCALE times as many pixels each way). */
struct chart_png {
	GByteArray *png;	/* owned: chart_png_free */
	int width, height;
};

void chart_png_free(struct chart_png *c);

/* Two figures a day, as grouped bars: FIRST (blue) and SECOND (orange)
 * of N days (1..CHART_MAX_DAYS), LABELS[i] naming day i (as few drawn
 * as fit), the legends naming the two. */
struct chart_days {
	size_t n;
	const char *const *labels;
	const long *first, *second;
	const char *first_legend, *second_legend;
};

/* Counts of N bins (1..CHART_MAX_BINS) side by side, EDGES[i] (or
 * NULL) written at bin i's left edge and LAST (or NULL) under the last
 * bin; a dashed line at bin MARK's left edge (the promise: bins before
 * it blue, from it on vermillion), MARK_LABEL beside it.  NOTE is
 * written above the bars (the share within the promise), AXIS_LABEL
 * under the edges, the legends beside their colours. */
struct chart_hist {
	size_t n;
	const long *counts;
	const char *const *edges;
	const char *last;
	size_t mark;
	const char *note, *mark_label, *axis_label;
	const char *within_legend, *late_legend;
};

/* N rows (1..CHART_MAX_ROWS): LABELS[i] above a blue bar of VALUES[i],
 * the number at its end. */
struct chart_rows {
	size_t n;
	const char *const *labels;
	const long *values;
};

/*
 * Draw the chart into OUT.  Returns 0, or -1 with ERR set and OUT
 * empty: figures out of range (no bars, too many, a negative figure)
 * or a cairo error.
 */
int chart_draw_days(const struct chart_days *d, struct chart_png *out,
    char *err, size_t errlen);
int chart_draw_hist(const struct chart_hist *h, struct chart_png *out,
    char *err, size_t errlen);
int chart_draw_rows(const struct chart_rows *r, struct chart_png *out,
    char *err, size_t errlen);

/* Release what pango and fontconfig keep for the process (fonts, caches),
 * at its end, so that leak checkers see only real leaks.  No chart may
 * be drawn after it. */
void chart_global_release(void);

#endif
