/*
 * schedule.c: parsing a schedule's "every" and "at", and its slots
 * (schedule.h, config.h).
 */
#include <stdio.h>
#include <string.h>
#include <glib.h>

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

int64_t
schedule_slot_at(const struct schedule_conf *s, int64_t t)
{
	return s->anchor + floor_div(t - s->anchor, s->every) * s->every;
}

int64_t
schedule_slot_after(const struct schedule_conf *s, int64_t t)
{
	return schedule_slot_at(s, t) + s->every;
}
