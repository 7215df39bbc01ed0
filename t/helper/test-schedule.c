/*
 * test-schedule: the slots of a schedule in kring.conf, for the tests of
 * time zones (t0735).
 *
 *   test-schedule CONF TOOL COMMUNITY FROM UNTIL
 *
 * prints, one a line as ISO 8601 UTC, every slot of schedule TOOL in
 * COMMUNITY's zone after FROM and at or before UNTIL (ISO times or Unix
 * seconds), each found with schedule_slot_after() from the one before;
 * it exits 1 when schedule_slot_at() of a slot, or of the second
 * before it, disagrees (the slots must be the ones the scheduler finds
 * due: kringd uses both).
 */
#include <stdio.h>
#include <string.h>

#include "kring/config.h"
#include "kring/schedule.h"
#include "kring/util.h"

int
main(int argc, char **argv)
{
	struct kring_config conf;
	const struct schedule_conf *s = NULL;
	const struct community_conf *c;
	char err[512], iso[32];
	int64_t from, until, slot, prev;
	int status = 0;

	if (argc != 6) {
		fprintf(stderr, "usage: test-schedule CONF TOOL COMMUNITY FROM "
		    "UNTIL\n");
		return 2;
	}
	if (config_load(argv[1], &conf, err, sizeof err) != 0) {
		fprintf(stderr, "test-schedule: %s\n", err);
		return 2;
	}
	for (size_t i = 0; i < conf.nschedules; i++)
		if (strcmp(conf.schedules[i].tool, argv[2]) == 0)
			s = &conf.schedules[i];
	c = config_community(&conf, argv[3]);
	if (s == NULL || c == NULL || time_parse(argv[4], &from) != 0 ||
	    time_parse(argv[5], &until) != 0) {
		fprintf(stderr, "test-schedule: no such schedule or community, "
		    "or not a time\n");
		config_free(&conf);
		return 2;
	}
	prev = from;
	while ((slot = schedule_slot_after(s, c->tz, prev)) <= until) {
		time_iso(slot, iso, sizeof iso);
		printf("%s\n", iso);
		/* No slot is skipped between the two, and a slot is due from
		 * its own second on. */
		if (slot <= prev || schedule_slot_at(s, c->tz, slot) != slot ||
		    schedule_slot_at(s, c->tz, slot - 1) > prev) {
			fprintf(stderr, "test-schedule: slot %s: slot_at "
			    "disagrees\n", iso);
			status = 1;
		}
		prev = slot;
	}
	config_free(&conf);
	return status;
}
