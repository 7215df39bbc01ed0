/*
 * schedule.h: the time slots of a schedule in kring.conf (config.h,
 * struct schedule_conf): slot k begins at anchor + k * every, UTC.
 */
#ifndef KRING_SCHEDULE_H
#define KRING_SCHEDULE_H

#include <stdint.h>
#include "kring/config.h"

/* The latest slot at or before T. */
int64_t schedule_slot_at(const struct schedule_conf *s, int64_t t);

/* The first slot after T. */
int64_t schedule_slot_after(const struct schedule_conf *s, int64_t t);

#endif
