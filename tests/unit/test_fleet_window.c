/*
 * test_fleet_window.c - schedules and durations (parsing, errors, canonical
 * text) and window occurrences: DST gaps and repeats in both hemispheres,
 * half- and quarter-hour zones, Patch Tuesday offsets across month ends,
 * 5th weekdays, leap days, windows in progress.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/date.h"
#include "fleet/tz.h"
#include "fleet/window.h"
#include "fleetfix.h"
#include "util/util.h"

static long long
utc(int y, int m, int d, int h, int mi)
{
	return fleet_date_days_from_civil(y, m, d) * 86400 + h * 3600 +
	    mi * 60;
}

/* "2026-03-29T01:30Z" for messages. */
static const char *
show(long long t, char *buf)
{
	struct fleet_date d = fleet_date_of_utc(t);
	long long s = ((t % 86400) + 86400) % 86400;

	sprintf(buf, "%04d-%02d-%02dT%02lld:%02lldZ", d.year, d.month, d.day,
	    s / 3600, s / 60 % 60);
	return buf;
}

static void
make_window(struct fleet_window *w, const char *sched, const char *dur)
{
	char *err = NULL;

	fleet_window_init(w);
	w->id = xstrdup("w");
	if (fleet_schedule_parse(sched, &w->sched, &err) != 0)
		fail_msg("%s", err);
	if (fleet_duration_parse(dur, &w->duration_min, &err) != 0)
		fail_msg("%s", err);
}

/* ---- parsing --------------------------------------------------------- */

#define D(x) (1u << (x))

static void
test_schedule_parse(void **state)
{
	static const struct {
		const char *text;
		enum fleet_sched_kind kind;
		unsigned days;
		int nth, wd, off, h, m;
		const char *canon;
	} cases[] = {
		{ "sun 02:00", FLEET_SCHED_WEEKLY, D(0), 0, 0, 0, 2, 0,
		    "sun 02:00" },
		{ "SUNDAY 2:00", FLEET_SCHED_WEEKLY, D(0), 0, 0, 0, 2, 0,
		    "sun 02:00" },
		{ "mon,thu 22:30", FLEET_SCHED_WEEKLY, D(1) | D(4), 0, 0, 0,
		    22, 30, "mon,thu 22:30" },
		{ "  Mon, Thursday\t22:30 ", FLEET_SCHED_WEEKLY, D(1) | D(4),
		    0, 0, 0, 22, 30, "mon,thu 22:30" },
		{ "mon thu 22:30", FLEET_SCHED_WEEKLY, D(1) | D(4), 0, 0, 0,
		    22, 30, "mon,thu 22:30" },
		{ "mon-fri 23:00", FLEET_SCHED_WEEKLY, 0x3e, 0, 0, 0, 23, 0,
		    "mon,tue,wed,thu,fri 23:00" },
		{ "fri-mon 23:00", FLEET_SCHED_WEEKLY, D(5) | D(6) | D(0) |
		    D(1), 0, 0, 0, 23, 0, "sun,mon,fri,sat 23:00" },
		{ "sat-sun,wed 00:00", FLEET_SCHED_WEEKLY, D(6) | D(0) | D(3),
		    0, 0, 0, 0, 0, "sun,wed,sat 00:00" },
		{ "daily 01:00", FLEET_SCHED_WEEKLY, 0x7f, 0, 0, 0, 1, 0,
		    "daily 01:00" },
		{ "sun-sat 01:00", FLEET_SCHED_WEEKLY, 0x7f, 0, 0, 0, 1, 0,
		    "daily 01:00" },
		{ "tues,thurs 23:59", FLEET_SCHED_WEEKLY, D(2) | D(4), 0, 0, 0,
		    23, 59, "tue,thu 23:59" },
		{ "2nd tue 01:00", FLEET_SCHED_MONTHLY, 0, 2, 2, 0, 1, 0,
		    "2nd tue 01:00" },
		{ "2nd tue +3d 01:00", FLEET_SCHED_MONTHLY, 0, 2, 2, 3, 1, 0,
		    "2nd tue +3d 01:00" },
		{ "Second Tuesday +3d 01:00", FLEET_SCHED_MONTHLY, 0, 2, 2, 3,
		    1, 0, "2nd tue +3d 01:00" },
		{ "last sun 03:00", FLEET_SCHED_MONTHLY, 0, FLEET_SCHED_LAST,
		    0, 0, 3, 0, "last sun 03:00" },
		{ "1st sat -1d 22:00", FLEET_SCHED_MONTHLY, 0, 1, 6, -1, 22, 0,
		    "1st sat -1d 22:00" },
		{ "5th FRI 01:00", FLEET_SCHED_MONTHLY, 0, 5, 5, 0, 1, 0,
		    "5th fri 01:00" },
		{ "last fri +28d 00:00", FLEET_SCHED_MONTHLY, 0,
		    FLEET_SCHED_LAST, 5, 28, 0, 0, "last fri +28d 00:00" },
		{ "3rd wed -28d 00:00", FLEET_SCHED_MONTHLY, 0, 3, 3, -28, 0,
		    0, "3rd wed -28d 00:00" },
	};
	size_t k;

	(void)state;
	for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct fleet_schedule s, again;
		char *err = NULL, canon[64];

		if (fleet_schedule_parse(cases[k].text, &s, &err) != 0)
			fail_msg("'%s': %s", cases[k].text, err);
		assert_int_equal(s.kind, cases[k].kind);
		if (s.kind == FLEET_SCHED_WEEKLY)
			assert_int_equal(s.weekdays, cases[k].days);
		else {
			assert_int_equal(s.nth, cases[k].nth);
			assert_int_equal(s.weekday, cases[k].wd);
			assert_int_equal(s.offset_days, cases[k].off);
		}
		assert_int_equal(s.hour, cases[k].h);
		assert_int_equal(s.minute, cases[k].m);
		fleet_schedule_format(&s, canon, sizeof canon);
		assert_string_equal(canon, cases[k].canon);
		/* The canonical text parses back to the same schedule. */
		assert_int_equal(fleet_schedule_parse(canon, &again, &err), 0);
		assert_memory_equal(&s, &again, sizeof s);
	}
}

static void
test_schedule_errors(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
		{ "xyz 25:00", "schedule 'xyz 25:00': hour must be 00-23" },
		{ "xyz 01:00", "schedule 'xyz 01:00': unknown day 'xyz' "
		    "(expected sun..sat, mon-fri, daily, or e.g. '2nd tue')" },
		{ "sun 02:60", "schedule 'sun 02:60': minute must be 00-59" },
		{ "sun 2am", "schedule 'sun 2am': time must be HH:MM as the "
		    "last word" },
		{ "sun", "schedule 'sun': time must be HH:MM as the last "
		    "word" },
		{ "sun 02:00:00", "schedule 'sun 02:00:00': time must be "
		    "HH:MM as the last word" },
		{ "sun 002:00", "schedule 'sun 002:00': time must be HH:MM as "
		    "the last word" },
		{ "sun -2:00", "schedule 'sun -2:00': time must be HH:MM as "
		    "the last word" },
		{ "02:00", "schedule '02:00': missing day (e.g. 'sun 02:00', "
		    "'daily 01:00', '2nd tue 01:00')" },
		{ "", "schedule '': empty schedule (e.g. 'sun 02:00', "
		    "'2nd tue 01:00')" },
		{ " \t ", "schedule ' \t ': empty schedule (e.g. 'sun 02:00', "
		    "'2nd tue 01:00')" },
		{ ", 02:00", "schedule ', 02:00': missing day (e.g. "
		    "'sun 02:00', 'daily 01:00', '2nd tue 01:00')" },
		{ "mon-xyz 02:00", "schedule 'mon-xyz 02:00': unknown day "
		    "'mon-xyz' (expected sun..sat, mon-fri, daily, or e.g. "
		    "'2nd tue')" },
		{ "mo 02:00", "schedule 'mo 02:00': unknown day 'mo' "
		    "(expected sun..sat, mon-fri, daily, or e.g. '2nd tue')" },
		{ "2nd 01:00", "schedule '2nd 01:00': expected a day name "
		    "after the ordinal" },
		{ "2nd xyz 01:00", "schedule '2nd xyz 01:00': expected a day "
		    "name after the ordinal, not 'xyz'" },
		{ "6th tue 01:00", "schedule '6th tue 01:00': unknown day "
		    "'6th' (expected sun..sat, mon-fri, daily, or e.g. "
		    "'2nd tue')" },
		{ "2nd tue 3d 01:00", "schedule '2nd tue 3d 01:00': day "
		    "offset must look like +3d or -1d, not '3d'" },
		{ "2nd tue +29d 01:00", "schedule '2nd tue +29d 01:00': day "
		    "offset must be within -28d..+28d, not '+29d'" },
		{ "2nd tue +3x 01:00", "schedule '2nd tue +3x 01:00': day "
		    "offset must look like +3d or -1d, not '+3x'" },
		{ "2nd tue +3d x 01:00", "schedule '2nd tue +3d x 01:00': too "
		    "many words (expected e.g. '2nd tue +3d 01:00')" },
		{ "a b c d e f g h i 01:00", "schedule 'a b c d e f g h i "
		    "01:00': too many words" },
		{ "2nd tue,thu 01:00", "schedule '2nd tue,thu 01:00': expected "
		    "a day name after the ordinal, not 'tue,thu'" },
	};
	size_t k;

	(void)state;
	for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct fleet_schedule s;
		char *err = NULL;

		if (fleet_schedule_parse(cases[k].text, &s, &err) != -1)
			fail_msg("accepted '%s'", cases[k].text);
		if (err == NULL || strcmp(err, cases[k].msg) != 0)
			fail_msg("'%s': got \"%s\"", cases[k].text, err);
		free(err);
	}
}

static void
test_schedule_hostile(void **state)
{
	char *big = xmalloc(10001), *err = NULL;
	struct fleet_schedule s;

	(void)state;
	memset(big, 'a', 10000);
	big[10000] = '\0';
	assert_int_equal(fleet_schedule_parse(big, &s, &err), -1);
	/* The message quotes a bounded part of the text. */
	assert_true(strlen(err) < 300);
	free(err);
	memcpy(big + 9994, " 01:00", 6);
	assert_int_equal(fleet_schedule_parse(big, &s, &err), -1);
	assert_true(strlen(err) < 400);
	free(err);
	assert_int_equal(fleet_schedule_parse("sun\x1b[2J 01:00", &s, &err),
	    -1);
	free(err);
	assert_int_equal(fleet_schedule_parse(NULL, &s, &err), -1);
	free(err);
	assert_int_equal(fleet_schedule_parse("sun 01:00", &s, NULL), 0);
	assert_int_equal(fleet_schedule_parse("sun 99:00", &s, NULL), -1);
	free(big);
}

static void
test_duration(void **state)
{
	static const struct {
		const char *text;
		int minutes;
		const char *msg;	/* NULL: accepted */
	} cases[] = {
		{ "3h", 180, NULL },
		{ "90m", 90, NULL },
		{ "1h30m", 90, NULL },
		{ "2h 30m", 150, NULL },
		{ " 2H30M ", 150, NULL },
		{ "1d", 1440, NULL },
		{ "1d 2h", 1560, NULL },
		{ "7d", 10080, NULL },
		{ "1m", 1, NULL },
		{ "0h 5m", 5, NULL },
		{ "", 0, "duration '': empty (e.g. 3h, 90m, 1h30m)" },
		{ "90", 0, "duration '90': missing unit after 90 (h or m)" },
		{ "1h 30", 0, "duration '1h 30': missing unit after 30 "
		    "(h or m)" },
		{ "3x", 0, "duration '3x': unit must be d, h or m, each once, "
		    "in that order" },
		{ "30m1h", 0, "duration '30m1h': unit must be d, h or m, each "
		    "once, in that order" },
		{ "1h1h", 0, "duration '1h1h': unit must be d, h or m, each "
		    "once, in that order" },
		{ "h", 0, "duration 'h': expected a number then h or m, as in "
		    "3h, 90m or 1h30m" },
		{ "-3h", 0, "duration '-3h': expected a number then h or m, as "
		    "in 3h, 90m or 1h30m" },
		{ "0m", 0, "duration '0m': must be at least 1 minute" },
		{ "7d1m", 0, "duration '7d1m': longer than 7 days" },
		{ "99999999999999999999h", 0, "duration "
		    "'99999999999999999999h': longer than 7 days" },
		{ "1.5h", 0, "duration '1.5h': unit must be d, h or m, each "
		    "once, in that order" },
	};
	size_t k;

	(void)state;
	for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		char *err = NULL;
		int m = -1, rc;

		rc = fleet_duration_parse(cases[k].text, &m, &err);
		if (cases[k].msg == NULL) {
			if (rc != 0)
				fail_msg("'%s': %s", cases[k].text, err);
			assert_int_equal(m, cases[k].minutes);
		} else {
			if (rc != -1 || err == NULL ||
			    strcmp(err, cases[k].msg) != 0)
				fail_msg("'%s': rc %d \"%s\"", cases[k].text,
				    rc, err);
			free(err);
		}
	}
}

/* ---- occurrences ----------------------------------------------------- */

struct occ_case {
	const char *zone;
	const char *sched;
	int fy, fm, fd, fh, fmi;	/* search from (UTC) */
	/* Expected successive starts, UTC: y, m, d, h, mi. */
	int want[6][5];
	int nwant;
};

static void
check_occurrences(const struct occ_case *c, size_t idx)
{
	struct fleet_window w;
	struct fleet_tz tz;
	struct fleet_occurrence occ[6];
	size_t n, k;
	char a[32], b[32];

	if (strcmp(c->zone, "UTC") == 0)
		fleet_tz_utc(&tz);
	else
		fleetfix_zone(c->zone, &tz);
	make_window(&w, c->sched, "3h");
	n = fleet_window_occurrences(&w, &tz,
	    utc(c->fy, c->fm, c->fd, c->fh, c->fmi), (size_t)c->nwant, occ);
	assert_int_equal(n, (size_t)c->nwant);
	for (k = 0; k < n; k++) {
		long long want = utc(c->want[k][0], c->want[k][1],
		    c->want[k][2], c->want[k][3], c->want[k][4]);

		if (occ[k].start != want)
			fail_msg("case %zu (%s '%s') #%zu: %s, want %s", idx,
			    c->zone, c->sched, k, show(occ[k].start, a),
			    show(want, b));
		/* Elapsed duration, whatever the clocks do. */
		assert_int_equal(occ[k].end - occ[k].start, 3 * 3600);
	}
	fleet_window_done(&w);
	fleet_tz_done(&tz);
}

static void
test_dst_occurrences(void **state)
{
	static const struct occ_case cases[] = {
		/* Berlin, spring 2026: 02:30 on Mar 29 does not exist and
		 * runs at 03:30 CEST; fall: the first 02:30 (CEST). */
		{ "Europe/Berlin", "sun 02:30", 2026, 3, 22, 12, 0,
		    { { 2026, 3, 29, 1, 30 }, { 2026, 4, 5, 0, 30 } }, 2 },
		{ "Europe/Berlin", "sun 02:30", 2026, 10, 18, 12, 0,
		    { { 2026, 10, 25, 0, 30 }, { 2026, 11, 1, 1, 30 } }, 2 },
		{ "Europe/Berlin", "last sun 02:30", 2027, 1, 1, 0, 0,
		    { { 2027, 1, 31, 1, 30 }, { 2027, 2, 28, 1, 30 },
		    { 2027, 3, 28, 1, 30 }, { 2027, 4, 25, 0, 30 } }, 4 },
		{ "Europe/Berlin", "sun 02:30", 2027, 10, 30, 0, 0,
		    { { 2027, 10, 31, 0, 30 }, { 2027, 11, 7, 1, 30 } }, 2 },
		{ "Europe/Berlin", "daily 03:00", 2026, 3, 28, 12, 0,
		    { { 2026, 3, 29, 1, 0 }, { 2026, 3, 30, 1, 0 } }, 2 },
		/* New York. */
		{ "America/New_York", "sun 02:30", 2026, 3, 1, 12, 0,
		    { { 2026, 3, 8, 7, 30 }, { 2026, 3, 15, 6, 30 } }, 2 },
		{ "America/New_York", "sun 01:30", 2026, 10, 25, 12, 0,
		    { { 2026, 11, 1, 5, 30 }, { 2026, 11, 8, 6, 30 } }, 2 },
		{ "America/New_York", "2nd sun 02:00", 2027, 2, 1, 0, 0,
		    { { 2027, 2, 14, 7, 0 }, { 2027, 3, 14, 7, 0 },
		    { 2027, 4, 11, 6, 0 } }, 3 },
		{ "America/New_York", "1st sun 01:59", 2027, 10, 15, 0, 0,
		    { { 2027, 11, 7, 5, 59 }, { 2027, 12, 5, 6, 59 } }, 2 },
		/* Sydney: the gap in October, the repeat in April. */
		{ "Australia/Sydney", "sun 02:30", 2026, 9, 30, 0, 0,
		    { { 2026, 10, 3, 16, 30 }, { 2026, 10, 10, 15, 30 } }, 2 },
		{ "Australia/Sydney", "sun 02:30", 2026, 4, 1, 0, 0,
		    { { 2026, 4, 4, 15, 30 }, { 2026, 4, 11, 16, 30 } }, 2 },
		{ "Australia/Sydney", "1st sun 02:00", 2027, 3, 15, 0, 0,
		    { { 2027, 4, 3, 15, 0 }, { 2027, 5, 1, 16, 0 },
		    { 2027, 6, 5, 16, 0 }, { 2027, 7, 3, 16, 0 },
		    { 2027, 7, 31, 16, 0 }, { 2027, 9, 4, 16, 0 } }, 6 },
		{ "Australia/Sydney", "1st sun 02:00", 2027, 9, 10, 0, 0,
		    { { 2027, 10, 2, 16, 0 }, { 2027, 11, 6, 15, 0 } }, 2 },
		/* Half and quarter hours; no DST. */
		{ "Asia/Kolkata", "daily 01:00", 2026, 3, 28, 0, 0,
		    { { 2026, 3, 28, 19, 30 }, { 2026, 3, 29, 19, 30 } }, 2 },
		{ "Asia/Kathmandu", "mon 00:00", 2026, 1, 1, 0, 0,
		    { { 2026, 1, 4, 18, 15 }, { 2026, 1, 11, 18, 15 } }, 2 },
		{ "UTC", "mon,thu 22:30", 2026, 12, 30, 0, 0,
		    { { 2026, 12, 31, 22, 30 }, { 2027, 1, 4, 22, 30 },
		    { 2027, 1, 7, 22, 30 } }, 3 },
	};
	size_t k;

	(void)state;
	for (k = 0; k < sizeof cases / sizeof cases[0]; k++)
		check_occurrences(&cases[k], k);
}

/* Dates of successive occurrences from Jan 1 (UTC, 01:00). */
static void
check_dates(const char *sched, int y, const char *const *dates, size_t n)
{
	struct fleet_window w;
	struct fleet_tz tz;
	struct fleet_occurrence *occ = xcalloc(n, sizeof *occ);
	size_t k, got;
	char buf[16];

	fleet_tz_utc(&tz);
	make_window(&w, sched, "2h");
	got = fleet_window_occurrences(&w, &tz, utc(y, 1, 1, 0, 0), n, occ);
	assert_int_equal(got, n);
	for (k = 0; k < n; k++) {
		fleet_date_format(fleet_date_of_utc(occ[k].start), buf,
		    sizeof buf);
		if (strcmp(buf, dates[k]) != 0)
			fail_msg("'%s' #%zu: %s, want %s", sched, k, buf,
			    dates[k]);
		assert_int_equal(((occ[k].start % 86400) + 86400) % 86400,
		    3600);
	}
	free(occ);
	fleet_window_done(&w);
	fleet_tz_done(&tz);
}

static void
test_patch_tuesday_2026(void **state)
{
	/* Microsoft's Patch Tuesdays of 2026. */
	static const char *const pt[] = {
		"2026-01-13", "2026-02-10", "2026-03-10", "2026-04-14",
		"2026-05-12", "2026-06-09", "2026-07-14", "2026-08-11",
		"2026-09-08", "2026-10-13", "2026-11-10", "2026-12-08",
	};
	char *plus3[12];
	size_t k;

	(void)state;
	check_dates("2nd tue 01:00", 2026, pt, 12);
	/* +3d computed here from the known dates, independently. */
	for (k = 0; k < 12; k++) {
		struct fleet_date d;

		assert_int_equal(fleet_date_parse(pt[k], &d), 0);
		assert_int_equal(fleet_date_weekday(d), 2);
		plus3[k] = xmalloc(11);
		fleet_date_format(fleet_date_add_days(d, 3), plus3[k], 11);
		assert_int_equal(fleet_date_weekday(fleet_date_add_days(d, 3)),
		    5);
	}
	check_dates("2nd tue +3d 01:00", 2026, (const char *const *)plus3, 12);
	for (k = 0; k < 12; k++)
		free(plus3[k]);
}

static void
test_month_edges(void **state)
{
	/* Months without a 5th Friday are skipped. */
	static const char *const fifth_fri[] = {
		"2026-01-30", "2026-05-29", "2026-07-31", "2026-10-30",
		"2027-01-29", "2027-04-30", "2027-07-30", "2027-10-29",
		"2027-12-31",
	};
	/* The last Friday + 3 days is always in the next month but one
	 * case (March 2026: 27 + 3 = 30). */
	static const char *const last_fri_3[] = {
		"2026-02-02", "2026-03-02", "2026-03-30", "2026-04-27",
		"2026-06-01", "2026-06-29", "2026-08-03", "2026-08-31",
		"2026-09-28", "2026-11-02", "2026-11-30", "2026-12-28",
	};
	/* First Saturday - 1 day: August's is Jul 31, so July has two and
	 * August none. */
	static const char *const first_sat_m1[] = {
		"2026-01-02", "2026-02-06", "2026-03-06", "2026-04-03",
		"2026-05-01", "2026-06-05", "2026-07-03", "2026-07-31",
		"2026-09-04", "2026-10-02", "2026-11-06", "2026-12-04",
	};
	/* 2028 is a leap year and Feb 29 is a Tuesday. */
	static const char *const fifth_tue_2028[] = {
		"2028-02-29", "2028-05-30", "2028-08-29", "2028-10-31",
	};
	static const char *const last_tue_2028[] = {
		"2028-01-25", "2028-02-29", "2028-03-28",
	};
	static const char *const daily_feb_2028[] = {
		"2028-01-01", "2028-01-02",
	};

	(void)state;
	check_dates("5th fri 01:00", 2026, fifth_fri, 9);
	check_dates("last fri +3d 01:00", 2026, last_fri_3, 12);
	check_dates("1st sat -1d 01:00", 2026, first_sat_m1, 12);
	check_dates("5th tue 01:00", 2028, fifth_tue_2028, 4);
	check_dates("last tue 01:00", 2028, last_tue_2028, 3);
	check_dates("daily 01:00", 2028, daily_feb_2028, 2);
	{
		struct fleet_window w;
		struct fleet_tz tz;
		long long s, e;
		char buf[16];

		fleet_tz_utc(&tz);
		make_window(&w, "daily 01:00", "1h");
		assert_int_equal(fleet_window_next_start(&w, &tz,
		    utc(2028, 2, 28, 12, 0), &s, &e, NULL), 0);
		fleet_date_format(fleet_date_of_utc(s), buf, sizeof buf);
		assert_string_equal(buf, "2028-02-29");
		fleet_window_done(&w);
		fleet_tz_done(&tz);
	}
}

static void
test_in_progress(void **state)
{
	struct fleet_window w;
	struct fleet_tz tz;
	long long s, e, start = utc(2026, 11, 22, 2, 0);
	struct fleet_occurrence occ[4];

	(void)state;
	fleet_tz_utc(&tz);
	make_window(&w, "sun 02:00", "3h");
	assert_int_equal(w.lead_min, 15);
	/* Before: both give this Sunday. */
	assert_int_equal(fleet_window_current_or_next(&w, &tz, start - 1, &s,
	    &e, NULL), 0);
	assert_int_equal(s, start);
	assert_int_equal(e, start + 3 * 3600);
	assert_int_equal(fleet_window_next_start(&w, &tz, start - 1, &s, &e,
	    NULL), 0);
	assert_int_equal(s, start);
	/* At the start, "next start" is strictly after: next week. */
	assert_int_equal(fleet_window_next_start(&w, &tz, start, &s, &e,
	    NULL), 0);
	assert_int_equal(s, start + 7 * 86400);
	assert_int_equal(fleet_window_current_or_next(&w, &tz, start, &s, &e,
	    NULL), 0);
	assert_int_equal(s, start);
	/* In progress, to the last second. */
	assert_int_equal(fleet_window_current_or_next(&w, &tz,
	    start + 3 * 3600 - 1, &s, &e, NULL), 0);
	assert_int_equal(s, start);
	/* At the end it is over. */
	assert_int_equal(fleet_window_current_or_next(&w, &tz,
	    start + 3 * 3600, &s, &e, NULL), 0);
	assert_int_equal(s, start + 7 * 86400);
	/* Drill-down: the current one, then the next three. */
	assert_int_equal(fleet_window_occurrences(&w, &tz, start + 60, 4,
	    occ), 4);
	assert_int_equal(occ[0].start, start);
	assert_int_equal(occ[3].start, start + 21 * 86400);
	assert_int_equal(fleet_window_occurrences(&w, &tz, start, 0, occ), 0);
	fleet_window_done(&w);

	/* A 2-day window started two days minus a minute ago is current. */
	make_window(&w, "2nd tue 01:00", "2d");
	assert_int_equal(fleet_window_current_or_next(&w, &tz,
	    utc(2026, 11, 12, 0, 59), &s, &e, NULL), 0);
	assert_int_equal(s, utc(2026, 11, 10, 1, 0));
	fleet_window_done(&w);
	fleet_tz_done(&tz);
}

static void
test_window_errors(void **state)
{
	struct fleet_window w, ws[2];
	struct fleet_tz tz;
	long long s, e;
	char *err = NULL;

	(void)state;
	fleet_tz_utc(&tz);
	fleet_window_init(&w);
	w.id = xstrdup("sun-0200");
	/* A window never parsed, or with no duration, has no occurrence. */
	assert_int_equal(fleet_window_next_start(&w, &tz, 0, &s, &e, &err),
	    -1);
	assert_string_equal(err, "window 'sun-0200': invalid schedule or "
	    "duration");
	free(err);
	assert_int_equal(fleet_schedule_parse("sun 02:00", &w.sched, NULL), 0);
	assert_int_equal(fleet_window_current_or_next(&w, &tz, 0, &s, &e,
	    NULL), -1);
	w.duration_min = 60;
	assert_int_equal(fleet_window_current_or_next(&w, &tz, 0, &s, &e,
	    NULL), 0);
	/* Past year 9999 the search runs out and says so. */
	assert_int_equal(fleet_window_next_start(&w, &tz,
	    utc(9999, 12, 31, 0, 0), &s, &e, &err), -1);
	assert_string_equal(err, "window 'sun-0200' (sun 02:00): no "
	    "occurrence within 14 months");
	free(err);
	fleet_window_done(&w);
	assert_null(w.id);

	fleet_window_init(&ws[0]);
	fleet_window_init(&ws[1]);
	ws[0].id = xstrdup("sun-0200");
	ws[1].id = xstrdup("patch-tuesday");
	assert_int_equal(fleet_window_find(ws, 2, "patch-tuesday"), 1);
	assert_int_equal(fleet_window_find(ws, 2, "sun-0200"), 0);
	assert_int_equal(fleet_window_find(ws, 2, "SUN-0200"), -1);
	assert_int_equal(fleet_window_find(ws, 2, "sun-0200 "), -1);
	assert_int_equal(fleet_window_find(ws, 2, NULL), -1);
	assert_int_equal(fleet_window_find(NULL, 0, "x"), -1);
	fleet_window_done(&ws[0]);
	fleet_window_done(&ws[1]);
	fleet_tz_done(&tz);
}

/*
 * Every schedule in every zone: over two years of weekly searches the
 * next start is strictly later, shows the scheduled wall-clock time (or is
 * pushed forward by a gap), and nothing is skipped.
 */
static void
test_monotonic_sweep(void **state)
{
	static const char *const zones[] = {
		"Europe/Berlin", "America/New_York", "Australia/Sydney",
		"Asia/Kathmandu", "Australia/Lord_Howe",
	};
	static const char *const scheds[] = {
		"daily 02:30", "sun 02:00", "last sun 02:30", "2nd tue +3d 01:00",
	};
	size_t z, k;

	(void)state;
	for (z = 0; z < sizeof zones / sizeof zones[0]; z++) {
		struct fleet_tz tz;

		fleetfix_zone(zones[z], &tz);
		for (k = 0; k < sizeof scheds / sizeof scheds[0]; k++) {
			struct fleet_window w;
			long long t = utc(2026, 1, 1, 0, 0), s, e, prev = 0;
			int y, m, d, n = 0;
			long sod, want;

			make_window(&w, scheds[k], "1h");
			want = w.sched.hour * 3600L + w.sched.minute * 60L;
			while (t < utc(2028, 1, 1, 0, 0)) {
				assert_int_equal(fleet_window_next_start(&w,
				    &tz, t, &s, &e, NULL), 0);
				assert_true(s > t);
				assert_true(s > prev);
				fleet_tz_to_local(&tz, s, &y, &m, &d, &sod);
				assert_true(sod >= want && sod < want + 7200);
				prev = s;
				t = s;
				n++;
			}
			assert_true(n >= 20);
			fleet_window_done(&w);
		}
		fleet_tz_done(&tz);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schedule_parse),
		cmocka_unit_test(test_schedule_errors),
		cmocka_unit_test(test_schedule_hostile),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_dst_occurrences),
		cmocka_unit_test(test_patch_tuesday_2026),
		cmocka_unit_test(test_month_edges),
		cmocka_unit_test(test_in_progress),
		cmocka_unit_test(test_window_errors),
		cmocka_unit_test(test_monotonic_sweep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
