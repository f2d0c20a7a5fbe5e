/*
 * fuzz_window.c - schedules ("sun 02:00", "2nd tue+3 22:00") and
 * durations ("3h30m") as the windows file and the PatchWindow tools take
 * them.
 * Invariants: a parsed schedule is in range, prints, and the printed
 * form parses back to the same schedule; a duration is 1 minute to
 * FLEET_DURATION_MAX; the next start of a window in UTC is after the
 * time asked and ends duration later.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/tz.h"
#include "fleet/window.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
same(const struct fleet_schedule *a, const struct fleet_schedule *b)
{
	return a->kind == b->kind && a->hour == b->hour &&
	    a->minute == b->minute && (a->kind == FLEET_SCHED_WEEKLY ?
	    a->weekdays == b->weekdays : a->nth == b->nth &&
	    a->weekday == b->weekday && a->offset_days == b->offset_days);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fleet_schedule s, back;
	struct fleet_window w;
	struct fleet_tz tz;
	char *text, *err = NULL, out[128];
	long long start, end;
	int min;

	if (size > 4096)
		return 0;
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';

	memset(&s, 0, sizeof s);
	if (fleet_schedule_parse(text, &s, &err) == 0) {
		if (s.hour < 0 || s.hour > 23 || s.minute < 0 ||
		    s.minute > 59 || (s.kind != FLEET_SCHED_WEEKLY &&
		    s.kind != FLEET_SCHED_MONTHLY))
			abort();
		fleet_schedule_format(&s, out, sizeof out);
		memset(&back, 0, sizeof back);
		if (fleet_schedule_parse(out, &back, &err) != 0 ||
		    !same(&s, &back))
			abort();
		fleet_window_init(&w);
		w.sched = s;
		w.duration_min = 90;
		fleet_tz_utc(&tz);
		if (fleet_window_next_start(&w, &tz, 1700000000LL, &start,
		    &end, &err) == 0) {
			if (start < 1700000000LL || end != start + 90 * 60)
				abort();
		} else {
			free(err);
			err = NULL;
		}
		fleet_tz_done(&tz);
		fleet_window_done(&w);
	} else {
		free(err);
		err = NULL;
	}
	if (fleet_duration_parse(text, &min, &err) == 0) {
		if (min < 1 || min > FLEET_DURATION_MAX)
			abort();
	} else {
		free(err);
	}
	free(text);
	return 0;
}
