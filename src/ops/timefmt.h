/*
 * timefmt.h - times as the operator reads them: in a window's zone and in
 * UTC, and ages ("3 min ago").  Plain functions over fleet/tz.
 */
#ifndef PATCHDECK_TIMEFMT_H
#define PATCHDECK_TIMEFMT_H

#include <stddef.h>

struct fleet_tz;

/* "2026-11-29 02:00 CET" in tz (UTC when tz is NULL). */
void timefmt_local(const struct fleet_tz *tz, long long utc, char *buf,
    size_t size);
/* "2026-11-29 01:00Z". */
void timefmt_utc(long long utc, char *buf, size_t size);
/* "just now", "42 s", "3 min", "5 h", "2 d" (then - earlier), or "never"
 * when earlier is 0. */
void timefmt_age(long long now, long long earlier, char *buf, size_t size);
/* "in 3 d 4 h", "in 25 min", "now" for a future time. */
void timefmt_until(long long now, long long later, char *buf, size_t size);

#endif
