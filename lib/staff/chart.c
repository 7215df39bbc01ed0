/*
 * chart.c: the pictures of figures for mail, drawn with cairo and pango
 * into PNG (chart.h).  Everything is drawn in CSS pixels on a surface
 * CHART_SCALE times as large; bars are placed on whole device pixels,
 * so that their edges are sharp and their lengths exact.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>

#include "kring/chart.h"

#define FONT "DejaVu Sans"
#define TEXT_COLOUR 0x333333
#define MUTED_COLOUR 0x666666
#define GRID_COLOUR 0xdddddd
#define LEFT 40.0		/* room for the numbers of the axis */
#define RIGHT 12.0

enum align { ALIGN_LEFT, ALIGN_CENTRE, ALIGN_RIGHT };

/* A plot area in CSS px and the figure at its top. */
struct plot {
	double x, y, w, h;
	long max;
};

static int
chart_fail(char *err, size_t errlen, const char *why)
{
	snprintf(err, errlen, "chart: %s", why);
	return -1;
}

void
chart_png_free(struct chart_png *c)
{
	if (c->png != NULL)
		g_byte_array_unref(c->png);
	memset(c, 0, sizeof *c);
}

void
chart_global_release(void)
{
	pango_cairo_font_map_set_default(NULL);
	cairo_debug_reset_static_data();
	FcFini();
}

static void
set_colour(cairo_t *cr, unsigned rgb)
{
	cairo_set_source_rgb(cr, ((rgb >> 16) & 0xff) / 255.0,
	    ((rgb >> 8) & 0xff) / 255.0, (rgb & 0xff) / 255.0);
}

/* TEXT as one line of valid UTF-8: control characters become spaces
 * (g_free). */
static char *
one_line(const char *text)
{
	char *s = g_utf8_make_valid(text != NULL ? text : "", -1);

	for (char *p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return s;
}

/*
 * Write TEXT in SIZE px at X (its left end, centre or right end as
 * ALIGN says), its top at Y; ellipsized at the end to MAXW px when
 * MAXW > 0.  Returns the width drawn.
 */
static double
draw_text(cairo_t *cr, const char *text, double x, double y, double size,
    bool bold, unsigned colour, enum align align, double maxw)
{
	PangoLayout *layout = pango_cairo_create_layout(cr);
	PangoFontDescription *fd = pango_font_description_from_string(FONT);
	char *line = one_line(text);
	int w, h;

	pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
	if (bold)
		pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
	pango_layout_set_font_description(layout, fd);
	pango_layout_set_single_paragraph_mode(layout, TRUE);
	if (maxw > 0) {
		pango_layout_set_width(layout, (int)(maxw * PANGO_SCALE));
		pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
	}
	pango_layout_set_text(layout, line, -1);
	pango_layout_get_pixel_size(layout, &w, &h);
	if (align == ALIGN_CENTRE)
		x -= w / 2.0;
	else if (align == ALIGN_RIGHT)
		x -= w;
	set_colour(cr, colour);
	cairo_move_to(cr, x, y);
	pango_cairo_show_layout(cr, layout);
	g_free(line);
	pango_font_description_free(fd);
	g_object_unref(layout);
	return w;
}

/* Fill the rectangle from CSS (X0, Y0) to (X1, Y1), its edges on whole
 * device pixels. */
static void
fill_box(cairo_t *cr, double x0, double y0, double x1, double y1,
    unsigned colour)
{
	double s = CHART_SCALE;

	cairo_rectangle(cr, round(x0 * s) / s, round(y0 * s) / s,
	    (round(x1 * s) - round(x0 * s)) / s,
	    (round(y1 * s) - round(y0 * s)) / s);
	set_colour(cr, colour);
	cairo_fill(cr);
}

/* The length in device pixels of a bar of V in a plot LEN CSS px long
 * whose end stands for MAX. */
static double
bar_length(long v, long max, double len)
{
	double dev = round(len * CHART_SCALE);

	return round((double)v * dev / (double)max) / CHART_SCALE;
}

/* A step of 1, 2 or 5 times a power of ten that gives at most 5 lines
 * up to MAX. */
static long
axis_step(long max)
{
	for (long p = 1; p <= G_MAXLONG / 10; p *= 10) {
		static const long m[] = { 1, 2, 5 };

		for (size_t i = 0; i < G_N_ELEMENTS(m); i++)
			if (m[i] * p * 5 >= max)
				return m[i] * p;
	}
	return G_MAXLONG / 10;
}

/* The figure at the top of the axis for the largest figure MAX: a whole
 * number of steps, at least 1. */
static long
axis_top(long max)
{
	long step = axis_step(max > 0 ? max : 1);
	long top = (max + step - 1) / step * step;

	return top > 0 ? top : step;
}

/* Lines across P at each step, with their numbers on the left. */
static void
draw_grid(cairo_t *cr, const struct plot *p)
{
	long step = axis_step(p->max);
	char num[32];

	for (long v = 0; v <= p->max; v += step) {
		double y = p->y + p->h - bar_length(v, p->max, p->h);

		fill_box(cr, p->x, y - 0.5, p->x + p->w, y, v == 0 ?
		    MUTED_COLOUR : GRID_COLOUR);
		snprintf(num, sizeof num, "%ld", v);
		draw_text(cr, num, p->x - 6, y - 8, 12, false, MUTED_COLOUR,
		    ALIGN_RIGHT, 0);
	}
}

/* A legend entry at X, Y: a square of COLOUR and TEXT; returns the X
 * after it. */
static double
draw_key(cairo_t *cr, double x, double y, unsigned colour, const char *text)
{
	fill_box(cr, x, y + 3, x + 12, y + 15, colour);
	return x + 18 + draw_text(cr, text, x + 18, y, 13, false, TEXT_COLOUR,
	    ALIGN_LEFT, 0) + 18;
}

/* A white surface of W x H CSS px and its context, scaled. */
static int
canvas_open(cairo_surface_t **s, cairo_t **cr, int w, int h, char *err,
    size_t errlen)
{
	*s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w * CHART_SCALE,
	    h * CHART_SCALE);
	*cr = cairo_create(*s);
	if (cairo_status(*cr) != CAIRO_STATUS_SUCCESS) {
		chart_fail(err, errlen, cairo_status_to_string(
		    cairo_status(*cr)));
		cairo_destroy(*cr);
		cairo_surface_destroy(*s);
		return -1;
	}
	cairo_scale(*cr, CHART_SCALE, CHART_SCALE);
	set_colour(*cr, 0xffffff);
	cairo_paint(*cr);
	return 0;
}

static cairo_status_t
png_append(void *closure, const unsigned char *data, unsigned int len)
{
	g_byte_array_append(closure, data, len);
	return CAIRO_STATUS_SUCCESS;
}

/* The end of a chart: its PNG into OUT, S and CR destroyed. */
static int
canvas_finish(cairo_surface_t *s, cairo_t *cr, int w, int h,
    struct chart_png *out, char *err, size_t errlen)
{
	cairo_status_t st = cairo_status(cr);

	cairo_destroy(cr);
	cairo_surface_flush(s);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_status(s);
	out->png = g_byte_array_new();
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_write_to_png_stream(s, png_append, out->png);
	cairo_surface_destroy(s);
	if (st != CAIRO_STATUS_SUCCESS) {
		chart_png_free(out);
		return chart_fail(err, errlen, cairo_status_to_string(st));
	}
	out->width = w;
	out->height = h;
	return 0;
}

/* N figures V (1 to MAX of them, none negative): their largest into
 * *VMAX, or -1 with ERR set. */
static int
check_figures(const long *v, size_t n, size_t max, long *vmax, char *err,
    size_t errlen)
{
	*vmax = 0;
	if (n < 1 || n > max) {
		snprintf(err, errlen, "chart: %zu bars (1 to %zu)", n, max);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (v[i] < 0)
			return chart_fail(err, errlen, "a negative figure");
		*vmax = MAX(*vmax, v[i]);
	}
	return 0;
}

/* ------------------------------------------------------------ days */

#define DAYS_HEIGHT 250
#define LABEL_ROOM 58.0		/* CSS px a day's label needs */

static void
draw_day_bars(cairo_t *cr, const struct chart_days *d, const struct plot *p)
{
	double slot = p->w / (double)d->n, bar = slot * 0.36;
	double base = p->y + p->h;

	for (size_t i = 0; i < d->n; i++) {
		double x = p->x + slot * (double)i + slot * 0.14;

		if (d->first[i] > 0)
			fill_box(cr, x, base - bar_length(d->first[i], p->max,
			    p->h), x + bar, base, CHART_BLUE);
		if (d->second[i] > 0)
			fill_box(cr, x + bar, base - bar_length(d->second[i],
			    p->max, p->h), x + 2 * bar, base, CHART_ORANGE);
	}
}

/* Every Kth day's label, K so that the labels do not touch. */
static void
draw_day_labels(cairo_t *cr, const struct chart_days *d, const struct plot *p)
{
	double slot = p->w / (double)d->n;
	size_t k = (size_t)ceil(LABEL_ROOM / slot);

	for (size_t i = 0; i < d->n; i += k) {
		double x = p->x + slot * ((double)i + 0.5);

		fill_box(cr, x - 0.5, p->y + p->h, x, p->y + p->h + 4,
		    MUTED_COLOUR);
		draw_text(cr, d->labels[i], x, p->y + p->h + 6, 12, false,
		    MUTED_COLOUR, ALIGN_CENTRE, LABEL_ROOM);
	}
}

int
chart_draw_days(const struct chart_days *d, struct chart_png *out, char *err,
    size_t errlen)
{
	struct plot p = { LEFT, 44, CHART_WIDTH - LEFT - RIGHT,
	    DAYS_HEIGHT - 44 - 30, 0 };
	long m1, m2;
	cairo_surface_t *s;
	cairo_t *cr;
	double x;

	memset(out, 0, sizeof *out);
	if (check_figures(d->first, d->n, CHART_MAX_DAYS, &m1, err,
	    errlen) != 0 || check_figures(d->second, d->n, CHART_MAX_DAYS,
	    &m2, err, errlen) != 0)
		return -1;
	p.max = axis_top(MAX(m1, m2));
	if (canvas_open(&s, &cr, CHART_WIDTH, DAYS_HEIGHT, err, errlen) != 0)
		return -1;
	x = draw_key(cr, LEFT, 10, CHART_BLUE, d->first_legend);
	draw_key(cr, x, 10, CHART_ORANGE, d->second_legend);
	draw_grid(cr, &p);
	draw_day_bars(cr, d, &p);
	draw_day_labels(cr, d, &p);
	return canvas_finish(s, cr, CHART_WIDTH, DAYS_HEIGHT, out, err, errlen);
}

/* ------------------------------------------------------- histogram */

#define HIST_HEIGHT 290

static void
draw_hist_bars(cairo_t *cr, const struct chart_hist *h, const struct plot *p)
{
	double slot = p->w / (double)h->n, base = p->y + p->h;

	for (size_t i = 0; i < h->n; i++) {
		double x = p->x + slot * (double)i;

		if (h->counts[i] > 0)
			fill_box(cr, x + 1, base - bar_length(h->counts[i],
			    p->max, p->h), x + slot - 1, base,
			    i < h->mark ? CHART_BLUE : CHART_VERMILLION);
	}
}

/* The edges' labels, the last bin's, and the axis label under them. */
static void
draw_hist_labels(cairo_t *cr, const struct chart_hist *h, const struct plot *p)
{
	double slot = p->w / (double)h->n, y = p->y + p->h;

	for (size_t i = 0; i < h->n; i++) {
		double x = p->x + slot * (double)i;

		if (h->edges[i] == NULL)
			continue;
		fill_box(cr, x - 0.5, y, x, y + 4, MUTED_COLOUR);
		draw_text(cr, h->edges[i], x, y + 6, 12, false, MUTED_COLOUR,
		    ALIGN_CENTRE, slot * 2);
	}
	if (h->last != NULL)
		draw_text(cr, h->last, p->x + slot * ((double)h->n - 0.5),
		    y + 6, 12, false, MUTED_COLOUR, ALIGN_CENTRE, slot * 2);
	draw_text(cr, h->axis_label, p->x + p->w / 2, y + 24, 13, false,
	    TEXT_COLOUR, ALIGN_CENTRE, p->w);
}

/* The promise: a dashed line at bin MARK's left edge, its label above. */
static void
draw_mark(cairo_t *cr, const struct chart_hist *h, const struct plot *p)
{
	double x = round((p->x + p->w / (double)h->n * (double)h->mark) *
	    CHART_SCALE) / CHART_SCALE;
	double dash[] = { 4, 3 };

	cairo_save(cr);
	set_colour(cr, TEXT_COLOUR);
	cairo_set_line_width(cr, 1.5);
	cairo_set_dash(cr, dash, 2, 0);
	cairo_move_to(cr, x, p->y - 18);
	cairo_line_to(cr, x, p->y + p->h);
	cairo_stroke(cr);
	cairo_restore(cr);
	draw_text(cr, h->mark_label, x + 5, p->y - 22, 12, true, TEXT_COLOUR,
	    ALIGN_LEFT, CHART_WIDTH - x - 8);
}

int
chart_draw_hist(const struct chart_hist *h, struct chart_png *out, char *err,
    size_t errlen)
{
	struct plot p = { LEFT, 84, CHART_WIDTH - LEFT - RIGHT,
	    HIST_HEIGHT - 84 - 48, 0 };
	long max;
	cairo_surface_t *s;
	cairo_t *cr;
	double x;

	memset(out, 0, sizeof *out);
	if (check_figures(h->counts, h->n, CHART_MAX_BINS, &max, err,
	    errlen) != 0)
		return -1;
	if (h->mark > h->n)
		return chart_fail(err, errlen, "a mark past the bins");
	p.max = axis_top(max);
	if (canvas_open(&s, &cr, CHART_WIDTH, HIST_HEIGHT, err, errlen) != 0)
		return -1;
	draw_text(cr, h->note, LEFT, 8, 15, true, TEXT_COLOUR, ALIGN_LEFT,
	    CHART_WIDTH - LEFT - RIGHT);
	x = draw_key(cr, LEFT, 34, CHART_BLUE, h->within_legend);
	draw_key(cr, x, 34, CHART_VERMILLION, h->late_legend);
	draw_grid(cr, &p);
	draw_hist_bars(cr, h, &p);
	draw_mark(cr, h, &p);
	draw_hist_labels(cr, h, &p);
	return canvas_finish(s, cr, CHART_WIDTH, HIST_HEIGHT, out, err, errlen);
}

/* ------------------------------------------------------------ rows */

#define ROW_HEIGHT 46.0
#define ROWS_TOP 10.0
#define NUMBER_ROOM 48.0	/* CSS px right of the longest bar */

int
chart_draw_rows(const struct chart_rows *r, struct chart_png *out, char *err,
    size_t errlen)
{
	double len = CHART_WIDTH - 2 * RIGHT - NUMBER_ROOM;
	int height = (int)(ROWS_TOP + 4 + ROW_HEIGHT * (double)r->n);
	long max;
	cairo_surface_t *s;
	cairo_t *cr;

	memset(out, 0, sizeof *out);
	if (check_figures(r->values, r->n, CHART_MAX_ROWS, &max, err,
	    errlen) != 0)
		return -1;
	max = MAX(max, 1);
	if (canvas_open(&s, &cr, CHART_WIDTH, height, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < r->n; i++) {
		double y = ROWS_TOP + ROW_HEIGHT * (double)i;
		double w = bar_length(r->values[i], max, len);
		char num[32];

		draw_text(cr, r->labels[i], RIGHT, y, 14, false, TEXT_COLOUR,
		    ALIGN_LEFT, CHART_WIDTH - 2 * RIGHT);
		fill_box(cr, RIGHT, y + 21, RIGHT + w, y + 37, CHART_BLUE);
		snprintf(num, sizeof num, "%ld", r->values[i]);
		draw_text(cr, num, RIGHT + w + 6, y + 20, 14, true,
		    TEXT_COLOUR, ALIGN_LEFT, 0);
	}
	return canvas_finish(s, cr, CHART_WIDTH, height, out, err, errlen);
}
