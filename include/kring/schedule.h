/*
 * schedule.h: the time slots of a schedule in kring.conf (config.h,
 * struct schedule_conf), in the time zone of the community it runs for.
 *
 * An "every" of whole days or weeks counts calendar days in the zone:
 * slot k is on the local day (anchor's day + k * every) at the local
 * time of "at", so "at 09:00" stays 09:00 across daylight saving.  A
 * time that a switch skips (02:30 on the March night in Europe) is
 * taken at the switch (03:00); a time that comes twice (02:30 on the
 * October night) is taken once, the second time (standard time), as
 * GLib's g_date_time_new() does.  An "every" of minutes or hours counts
 * elapsed time from "at" on 1970-01-01 in the zone: it runs every N
 * real hours, and after a switch the clock shows them an hour moved.
 */
#ifndef KRING_SCHEDULE_H
#define KRING_SCHEDULE_H

#include <stdint.h>
#include "kring/config.h"

/* The latest slot at or before T, in zone TZ (NULL: UTC). */
int64_t schedule_slot_at(const struct schedule_conf *s, GTimeZone *tz,
    int64_t t);

/* The first slot after T, in zone TZ (NULL: UTC). */
int64_t schedule_slot_after(const struct schedule_conf *s, GTimeZone *tz,
    int64_t t);

#endif
