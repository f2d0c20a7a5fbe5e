/*
 * tz.h - a time zone as plain data, built from the bytes of a TZif file
 * (RFC 8536, versions 1 to 4) or from a POSIX TZ string.  Nothing here reads
 * files, the clock or the environment: the ops layer reads
 * /usr/share/zoneinfo/NAME and hands the bytes in, so windows are computed
 * in the zone the config names, never in the zone of the machine.
 *
 * An instant is Unix seconds (UTC, no leap seconds).  Offsets are seconds
 * east of UTC (Berlin in winter: +3600).
 */
#ifndef PATCHDECK_FLEET_TZ_H
#define PATCHDECK_FLEET_TZ_H

#include <stddef.h>

#define FLEET_TZ_ABBR_MAX 16

/* One local time type: an offset, whether it is summer time, its name. */
struct fleet_tz_type {
	long off;
	int isdst;
	char abbr[FLEET_TZ_ABBR_MAX];
};

/* A date rule of a POSIX TZ string: Jn, n or Mm.w.d, then a local time. */
struct fleet_tz_when {
	char kind;	/* 'J' (1..365, no Feb 29), 'D' (0..365), 'M' */
	int day;	/* J/D: the day; M: weekday 0 = Sunday */
	int week;	/* M: 1..5, 5 = last */
	int month;	/* M: 1..12 */
	long time;	/* seconds after local midnight, -167h..167h */
};

/* The POSIX TZ rule: std only, or std + dst with the two switch dates. */
struct fleet_tz_rule {
	struct fleet_tz_type std;
	struct fleet_tz_type dst;
	int has_dst;
	struct fleet_tz_when start;	/* std -> dst, in standard time */
	struct fleet_tz_when end;	/* dst -> std, in summer time */
};

/*
 * The zone.  Transitions come from the file; instants from the last
 * transition on (or all of them, for a zone with no transitions) follow the
 * rule when there is one.  Own it with fleet_tz_done().
 */
struct fleet_tz {
	char *name;
	long long *trans;		/* ascending */
	unsigned char *trans_type;	/* index into types */
	size_t ntrans;
	struct fleet_tz_type *types;
	size_t ntypes;
	int has_rule;
	struct fleet_tz_rule rule;
};

/*
 * Builds tz from TZif bytes.  name is kept for messages and display
 * ("Europe/Berlin").  For version 2 and later the 64-bit section and the
 * footer are used; the 32-bit one is only checked for size.  Zones with
 * leap-second records ("right/...") are refused, since their instants are
 * not Unix time.  Returns 0, or -1 with *err set to a message naming the
 * zone (the caller frees it) and tz left empty; never reads outside
 * data[0..len), whatever the bytes.
 */
int fleet_tz_parse(const char *name, const void *data, size_t len,
    struct fleet_tz *tz, char **err);
/*
 * Builds tz from a POSIX TZ string, as in a TZif footer:
 * "CET-1CEST,M3.5.0,M10.5.0/3", "EST5EDT,M3.2.0,M11.1.0", "<+0545>-5:45",
 * "IST-5:30", Julian "J60"/"59" dates, RFC 8536 extensions (hours up to 167,
 * negative times).  A dst name without rules gets the US rules
 * (M3.2.0,M11.1.0) as tzcode and glibc do.  Returns 0 or -1 with *err.
 */
int fleet_tz_from_posix(const char *posix, struct fleet_tz *tz,
    char **err);
/* tz becomes UTC (named "UTC"); cannot fail. */
void fleet_tz_utc(struct fleet_tz *tz);
/* Frees what tz owns and leaves it zeroed (reusable, or done again). */
void fleet_tz_done(struct fleet_tz *tz);

/* The local time type in effect at utc. Never NULL for a built zone. */
const struct fleet_tz_type *fleet_tz_type_at(const struct fleet_tz *tz,
    long long utc);
/* Seconds east of UTC at utc; *isdst (may be NULL) says summer time. */
long fleet_tz_offset(const struct fleet_tz *tz, long long utc, int *isdst);

/*
 * The instant at which local wall-clock y-mon-d h:min happens in tz.
 * Returns 0, or -1 if the fields are not a real date and time.
 *
 * A wall-clock time that does not exist (the spring-forward gap) is moved
 * forward by the length of the gap: 02:30 on the last Sunday of March in
 * Europe/Berlin becomes 03:30 CEST (01:30 UTC).  This is what cron and
 * systemd timers do, so a window at 02:30 still runs that night, late
 * rather than never.
 *
 * A time that happens twice (the fall-back hour) resolves to the first
 * occurrence, the earlier instant: a window must start once, and the first
 * time the clock shows the start is when an operator expects it.
 */
int fleet_tz_local_to_utc(const struct fleet_tz *tz, int y, int mon, int d,
    int h, int min, long long *utc);

/* Local civil time of utc in tz (wall clock), for display and window maths.
 * sec_of_day is 0..86399. */
void fleet_tz_to_local(const struct fleet_tz *tz, long long utc, int *y,
    int *mon, int *d, long *sec_of_day);

#endif
