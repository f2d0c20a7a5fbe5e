/*
 * window.h - maintenance windows: when a window's schedule happens, in the
 * window's own time zone, across DST changes, month ends and leap years.
 * Pure functions over plain values: the caller passes "now" and the zone.
 *
 * Schedule text (case-insensitive; words separated by blanks):
 *
 *   sun 02:00            weekly on the named days; 3-letter or full names
 *   mon,thu 22:30        (tues/thur/thurs too), lists with ',', ranges with
 *   mon-fri 23:00        '-' (a range may wrap: fri-mon = fri,sat,sun,mon)
 *   daily 01:00          every day
 *   2nd tue 01:00        the n-th weekday of each month: 1st..5th (or
 *   2nd tue +3d 01:00    first..fifth) or last, then an optional day offset
 *   last sun 03:00       -28d..+28d that may cross into another month
 *   1st sat -1d 22:00    ("2nd tue +3d" = three days after Patch Tuesday)
 *
 * The time is the last word, HH:MM (H:MM accepted), local to the window's
 * zone.  A month without a 5th such weekday has no occurrence.
 */
#ifndef PATCHDECK_FLEET_WINDOW_H
#define PATCHDECK_FLEET_WINDOW_H

#include <stddef.h>

#include "fleet/date.h"
#include "fleet/tz.h"

enum fleet_sched_kind {
	FLEET_SCHED_NONE = 0,	/* zeroed: not parsed */
	FLEET_SCHED_WEEKLY,
	FLEET_SCHED_MONTHLY
};

#define FLEET_SCHED_LAST (-1)		/* nth: the last one of the month */
#define FLEET_SCHED_MAX_OFFSET 28	/* |offset_days| */

struct fleet_schedule {
	enum fleet_sched_kind kind;
	unsigned weekdays;	/* WEEKLY: bit 0 = Sunday .. bit 6 = Saturday */
	int nth;		/* MONTHLY: 1..5 or FLEET_SCHED_LAST */
	int weekday;		/* MONTHLY: 0 = Sunday .. 6 = Saturday */
	int offset_days;	/* MONTHLY: added to the n-th weekday's date */
	int hour;		/* 0..23, local */
	int minute;		/* 0..59 */
};

struct fleet_window {
	char *id;		/* what the PatchWindow tag names: "sun-0200" */
	struct fleet_schedule sched;
	int duration_min;	/* > 0 */
	char *tz_name;		/* "Europe/Berlin"; the caller loads the zone */
	int lead_min;		/* start stopped instances this early; 15 */
};

#define FLEET_WINDOW_LEAD_DEFAULT 15
#define FLEET_DURATION_MAX (7 * 24 * 60)

/* One occurrence: [start, end) in Unix seconds. */
struct fleet_occurrence {
	long long start;
	long long end;
};

/*
 * Parses schedule text (above) into *out.  Returns 0, or -1 with *err set
 * (caller frees) to a message that quotes the text and names the fault:
 * "schedule 'xyz 25:00': hour must be 00-23".  The time is checked first,
 * since it is the one word every schedule has.
 */
int fleet_schedule_parse(const char *text, struct fleet_schedule *out,
    char **err);
/* Canonical text of s ("mon,thu 22:30", "2nd tue +3d 01:00"), which parses
 * back to the same schedule.  Truncated to size; returns buf. */
char *fleet_schedule_format(const struct fleet_schedule *s, char *buf,
    size_t size);

/*
 * Parses a duration into minutes: "3h", "90m", "1h30m", "2h 30m", "1d"
 * (units d, h, m, each at most once, in that order, case-insensitive).
 * 1 minute to 7 days.  Returns 0, or -1 with *err set (caller frees).
 */
int fleet_duration_parse(const char *text, int *minutes, char **err);

/* Zeroes w and sets the defaults (lead 15 minutes). */
void fleet_window_init(struct fleet_window *w);
/* Frees id and tz_name and zeroes w. */
void fleet_window_done(struct fleet_window *w);
/* Index of the window whose id is exactly id (case and bytes), or -1: the
 * run plan matches tags byte for byte, so the console must too. */
long fleet_window_find(const struct fleet_window *w, size_t n,
    const char *id);

/*
 * The first occurrence that STARTS strictly after after_utc.  tz is the
 * zone of the window (w->tz_name, loaded by the caller).  The end is
 * start + duration in elapsed time: a 3h window is three real hours even
 * when the clocks change during it.  Occurrences are searched up to about
 * 14 months ahead; none there (an impossible schedule, or a bad window)
 * returns -1 with *err set (err may be NULL).
 */
int fleet_window_next_start(const struct fleet_window *w,
    const struct fleet_tz *tz, long long after_utc, long long *start_utc,
    long long *end_utc, char **err);
/*
 * The first occurrence whose END is after now_utc: the window in progress
 * if there is one (start <= now < end), else the next one.  This is what
 * "the window" means to an operator at patch night.  Same errors.
 */
int fleet_window_current_or_next(const struct fleet_window *w,
    const struct fleet_tz *tz, long long now_utc, long long *start_utc,
    long long *end_utc, char **err);
/*
 * Up to n consecutive occurrences from from_utc (the first is the current
 * or next one, as fleet_window_current_or_next), into out[0..n).  Returns
 * how many were found (fewer than n only when the search gives up).
 */
size_t fleet_window_occurrences(const struct fleet_window *w,
    const struct fleet_tz *tz, long long from_utc, size_t n,
    struct fleet_occurrence *out);

/* The local date (in tz; NULL: UTC) of an instant. */
struct fleet_date fleet_window_local_date(const struct fleet_tz *tz,
    long long utc);
/*
 * The occurrence of w whose start falls on local date d in tz (NULL: UTC):
 * what "WINDOW on DATE" means to plan, precheck and prepare.  0 with
 * *start_utc and *end_utc, or -1 with *err (caller frees; err may be NULL):
 * "window sun-0200 has no occurrence on 2026-12-08 (a Tuesday; next:
 * 2026-12-13)".
 */
int fleet_window_occurrence_on(const struct fleet_window *w,
    const struct fleet_tz *tz, struct fleet_date d, long long *start_utc,
    long long *end_utc, char **err);

#endif
