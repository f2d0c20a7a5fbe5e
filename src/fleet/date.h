/*
 * date.h - proleptic Gregorian calendar arithmetic on plain values: civil
 * dates, days since the Unix epoch, weekdays, strict parsing of the date and
 * time formats that patchdeck's tags carry.  No clock, no locale, no TZ: the
 * caller passes instants in, and every date here is a UTC (or, for window
 * code, local wall-clock) date as the caller says.
 *
 * Years are limited to 1..9999 where text is parsed; the arithmetic itself
 * works on any year that fits in an int.
 */
#ifndef PATCHDECK_FLEET_DATE_H
#define PATCHDECK_FLEET_DATE_H

#include <stddef.h>

struct fleet_date {
	int year;
	int month;	/* 1..12 */
	int day;	/* 1..31 */
};

/* Days since 1970-01-01 of the given civil date (which need not be valid:
 * day 0 is the last day of the previous month, and so on). */
long long fleet_date_days_from_civil(long long y, int m, int d);
/* The civil date of a day number (days since 1970-01-01). */
struct fleet_date fleet_date_from_days(long long days);
long long fleet_date_to_days(struct fleet_date d);
/* The UTC date of a Unix time (floor, so negative times work too). */
struct fleet_date fleet_date_of_utc(long long utc);

int fleet_date_is_leap(long long y);
/* 28..31; 0 for a month outside 1..12. */
int fleet_date_days_in_month(long long y, int m);
/* 1 if y-m-d names a real day. */
int fleet_date_valid(int y, int m, int d);
/* 0 = Sunday .. 6 = Saturday. */
int fleet_date_weekday(struct fleet_date d);
/* <0, 0, >0 like strcmp. */
int fleet_date_cmp(struct fleet_date a, struct fleet_date b);

struct fleet_date fleet_date_add_days(struct fleet_date d, long n);
/* to - from in days: 1 for consecutive days, negative when to is earlier. */
long fleet_days_between(struct fleet_date from, struct fleet_date to);

/*
 * Strict YYYY-MM-DD: exactly ten characters, four-digit year 0001..9999, a
 * day that exists (2026-02-30 is refused).  Returns 0, or -1 on anything
 * else (out is then untouched).
 */
int fleet_date_parse(const char *s, struct fleet_date *out);
/* Writes YYYY-MM-DD (buf holds at least 11 bytes). */
void fleet_date_format(struct fleet_date d, char *buf, size_t size);

/*
 * ISO 8601 / RFC 3339 timestamp to Unix seconds, as the LastPatched tag and
 * EC2's LaunchTime carry it: YYYY-MM-DD(T|t| )HH:MM[:SS[.fraction]] then Z,
 * z, or +hh:mm / -hh:mm / +hhmm (converted to UTC).  A time without a zone
 * is refused: guessing the zone of a patch time would be a lie.  Fractions
 * are truncated; a leap second (:60) counts as :59.  Returns 0, or -1 for
 * anything else, whatever the bytes (NULL included).
 */
int fleet_date_parse_iso8601(const char *s, long long *utc);

#endif
