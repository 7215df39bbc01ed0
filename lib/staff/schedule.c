/*
 * schedule.c: parsing a schedule's "every" and "at", and its slots
 * (schedule.h, config.h).
 */
#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "kring/period.h"
#include "kring/schedule.h"

static const struct {
	const char *name;
	int64_t seconds;
} units[] = {
	{ "minute", 60 }, { "hour", 3600 }, { "day", 86400 },
	{ "week", 7 * 86400 },
};

int
schedule_every_parse(const char *text, int64_t *seconds)
{
	char unit[16];
	long n;
	int used = 0;

	if (sscanf(text, " %ld %15[a-z]%n", &n, unit, &used) != 2 ||
	    text[used] != '\0' || n < 1 || n > 10000)
		return -1;
	for (size_t i = 0; i < G_N_ELEMENTS(units); i++) {
		size_t len = strlen(units[i].name);

		if (strncmp(unit, units[i].name, len) == 0 &&
		    (unit[len] == '\0' || strcmp(unit + len, "s") == 0)) {
			*seconds = n * units[i].seconds;
			return 0;
		}
	}
	return -1;
}

int
schedule_at_parse(const char *text, int64_t *anchor)
{
	static const char *const days[] = {
		"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed",
	};	/* from 1970-01-01, a Thursday */
	char day[4] = "";
	int h, m, used = 0, offset = 0;

	if (sscanf(text, " %3[A-Za-z] %d:%d%n", day, &h, &m, &used) != 3) {
		day[0] = '\0';	/* no day: a time of every day */
		used = 0;
		if (sscanf(text, " %d:%d%n", &h, &m, &used) != 2)
			return -1;
	}
	if (text[used] != '\0' || h < 0 || h > 23 || m < 0 || m > 59)
		return -1;
	if (day[0] != '\0') {
		while (offset < 7 && g_ascii_strcasecmp(days[offset], day) != 0)
			offset++;
		if (offset == 7)
			return -1;
	}
	*anchor = (int64_t)offset * 86400 + h * 3600 + m * 60;
	return 0;
}

/* Floor division, for times before the anchor too. */
static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* The local time of day of "at" (seconds) on day number DAY (days
 * since 1970-01-01) in TZ, as Unix time; GLib resolves the times a
 * switch skips or repeats (schedule.h). */
static int64_t
local_slot(GTimeZone *tz, int64_t day, int64_t tod)
{
	GDateTime *date = g_date_time_new_from_unix_utc(day * 86400), *dt;
	int64_t r = day * 86400 + tod;	/* out of GLib's range: UTC */
	int y, m, d;

	if (date == NULL)
		return r;
	g_date_time_get_ymd(date, &y, &m, &d);
	g_date_time_unref(date);
	dt = g_date_time_new(tz, y, m, d, (gint)(tod / 3600),
	    (gint)(tod / 60 % 60), 0);
	if (dt != NULL) {
		r = g_date_time_to_unix(dt);
		g_date_time_unref(dt);
	}
	return r;
}

/* Slot number K of S in TZ. */
static int64_t
slot_time(const struct schedule_conf *s, GTimeZone *tz, int64_t k)
{
	int64_t anchor_day = floor_div(s->anchor, 86400);
	int64_t tod = s->anchor - anchor_day * 86400;

	if (s->every % 86400 == 0)
		return local_slot(tz, anchor_day + k * (s->every / 86400), tod);
	return local_slot(tz, anchor_day, tod) + k * s->every;
}

/* The number of the latest slot of S at or before T in TZ. */
static int64_t
slot_number(const struct schedule_conf *s, GTimeZone *tz, int64_t t)
{
	int64_t anchor_day = floor_div(s->anchor, 86400), k;

	if (s->every % 86400 != 0)
		return floor_div(t - slot_time(s, tz, 0), s->every);
	/* T's day, or the slot before when T is before its time. */
	k = floor_div(period_day_number(tz, t) - anchor_day, s->every / 86400);
	while (slot_time(s, tz, k) > t)
		k--;
	return k;
}

int64_t
schedule_slot_at(const struct schedule_conf *s, GTimeZone *tz, int64_t t)
{
	GTimeZone *utc = tz == NULL ? g_time_zone_new_utc() : NULL;
	int64_t r;

	if (utc != NULL)
		tz = utc;
	r = slot_time(s, tz, slot_number(s, tz, t));
	if (utc != NULL)
		g_time_zone_unref(utc);
	return r;
}

int64_t
schedule_slot_after(const struct schedule_conf *s, GTimeZone *tz, int64_t t)
{
	GTimeZone *utc = tz == NULL ? g_time_zone_new_utc() : NULL;
	int64_t r;

	if (utc != NULL)
		tz = utc;
	r = slot_time(s, tz, slot_number(s, tz, t) + 1);
	if (utc != NULL)
		g_time_zone_unref(utc);
	return r;
}
