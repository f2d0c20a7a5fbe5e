/*
 * test_fleet_tz.c - time zones from real TZif files (Debian's tzdata under
 * /usr/share/zoneinfo) and from POSIX TZ strings: offsets across the 2026
 * and 2027 DST changes, the footer rule past the last transition, local
 * wall-clock times in gaps and repeats, malformed and truncated data.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleet/date.h"
#include "fleet/tz.h"
#include "util/util.h"

#define ZONEINFO "/usr/share/zoneinfo/"

/* The I/O src/fleet does not do: read the zone file. */
static void
read_zone(const char *name, struct buf *b)
{
	char *path = xasprintf(ZONEINFO "%s", name);

	buf_init(b);
	if (util_read_file(path, 1 << 20, b) != 0)
		fail_msg("cannot read %s (is tzdata installed?)", path);
	free(path);
}

static void
load_zone(const char *name, struct fleet_tz *tz)
{
	struct buf b;
	char *err = NULL;

	read_zone(name, &b);
	if (fleet_tz_parse(name, b.data, b.len, tz, &err) != 0)
		fail_msg("%s: %s", name, err);
	buf_free(&b);
}

static void
posix_zone(const char *rule, struct fleet_tz *tz)
{
	char *err = NULL;

	if (fleet_tz_from_posix(rule, tz, &err) != 0)
		fail_msg("%s: %s", rule, err);
}

static long long
utc(int y, int m, int d, int h, int mi, int s)
{
	return fleet_date_days_from_civil(y, m, d) * 86400 + h * 3600 +
	    mi * 60 + s;
}

/* ---- offsets at instants -------------------------------------------- */

struct offset_case {
	const char *zone;	/* file name, or "posix:RULE" */
	long long at;
	long off;
	int isdst;
};

#define H 3600L

static void
open_case_zone(const char *zone, struct fleet_tz *tz)
{
	if (strncmp(zone, "posix:", 6) == 0)
		posix_zone(zone + 6, tz);
	else
		load_zone(zone, tz);
}

static void
test_offsets(void **state)
{
	const struct offset_case cases[] = {
		/* Europe/Berlin: last Sunday of March / October, 01:00Z. */
		{ "Europe/Berlin", utc(2026, 3, 29, 0, 59, 59), H, 0 },
		{ "Europe/Berlin", utc(2026, 3, 29, 1, 0, 0), 2 * H, 1 },
		{ "Europe/Berlin", utc(2026, 10, 25, 0, 59, 59), 2 * H, 1 },
		{ "Europe/Berlin", utc(2026, 10, 25, 1, 0, 0), H, 0 },
		{ "Europe/Berlin", utc(2027, 3, 28, 0, 59, 59), H, 0 },
		{ "Europe/Berlin", utc(2027, 3, 28, 1, 0, 0), 2 * H, 1 },
		{ "Europe/Berlin", utc(2027, 10, 31, 0, 59, 59), 2 * H, 1 },
		{ "Europe/Berlin", utc(2027, 10, 31, 1, 0, 0), H, 0 },
		/* Far past the last transition: the footer decides. */
		{ "Europe/Berlin", utc(2100, 7, 1, 0, 0, 0), 2 * H, 1 },
		{ "Europe/Berlin", utc(2100, 12, 1, 0, 0, 0), H, 0 },
		/* America/New_York: 2nd Sunday of March, 1st of November. */
		{ "America/New_York", utc(2026, 3, 8, 6, 59, 59), -5 * H, 0 },
		{ "America/New_York", utc(2026, 3, 8, 7, 0, 0), -4 * H, 1 },
		{ "America/New_York", utc(2026, 11, 1, 5, 59, 59), -4 * H, 1 },
		{ "America/New_York", utc(2026, 11, 1, 6, 0, 0), -5 * H, 0 },
		{ "America/New_York", utc(2027, 3, 14, 7, 0, 0), -4 * H, 1 },
		{ "America/New_York", utc(2027, 11, 7, 6, 0, 0), -5 * H, 0 },
		/* Australia/Sydney: summer spans the new year. */
		{ "Australia/Sydney", utc(2026, 1, 15, 0, 0, 0), 11 * H, 1 },
		{ "Australia/Sydney", utc(2026, 4, 4, 15, 59, 59), 11 * H, 1 },
		{ "Australia/Sydney", utc(2026, 4, 4, 16, 0, 0), 10 * H, 0 },
		{ "Australia/Sydney", utc(2026, 10, 3, 15, 59, 59), 10 * H, 0 },
		{ "Australia/Sydney", utc(2026, 10, 3, 16, 0, 0), 11 * H, 1 },
		{ "Australia/Sydney", utc(2027, 4, 3, 16, 0, 0), 10 * H, 0 },
		{ "Australia/Sydney", utc(2027, 10, 2, 16, 0, 0), 11 * H, 1 },
		{ "Australia/Sydney", utc(2099, 12, 31, 23, 0, 0), 11 * H, 1 },
		{ "Asia/Kolkata", utc(2026, 6, 1, 0, 0, 0), 19800, 0 },
		{ "Asia/Kathmandu", utc(2026, 6, 1, 0, 0, 0), 20700, 0 },
		{ "Asia/Kathmandu", utc(1985, 1, 1, 0, 0, 0), 19800, 0 },
		{ "UTC", utc(2026, 6, 1, 0, 0, 0), 0, 0 },
		/* POSIX strings alone. */
		{ "posix:CET-1CEST,M3.5.0,M10.5.0/3",
		    utc(2026, 3, 29, 1, 0, 0), 2 * H, 1 },
		{ "posix:CET-1CEST,M3.5.0,M10.5.0/3",
		    utc(2026, 10, 25, 1, 0, 0), H, 0 },
		{ "posix:EST5EDT,M3.2.0,M11.1.0",
		    utc(2026, 3, 8, 7, 0, 0), -4 * H, 1 },
		{ "posix:EST5EDT,M3.2.0,M11.1.0",
		    utc(2026, 11, 1, 6, 0, 0), -5 * H, 0 },
		/* A dst name without rules takes the US rules. */
		{ "posix:EST5EDT", utc(2026, 3, 8, 7, 0, 0), -4 * H, 1 },
		{ "posix:<+0545>-5:45", utc(2026, 1, 1, 0, 0, 0), 20700, 0 },
		{ "posix:IST-5:30", utc(2026, 1, 1, 0, 0, 0), 19800, 0 },
		{ "posix:<-03>3<-02>,M3.5.0/-2,M10.5.0/-1",
		    utc(2026, 7, 1, 0, 0, 0), -2 * H, 1 },
		{ "posix:AEST-10AEDT,M10.1.0,M4.1.0/3",
		    utc(2026, 4, 4, 16, 0, 0), 10 * H, 0 },
		{ "posix:AEST-10AEDT,M10.1.0,M4.1.0/3",
		    utc(2026, 10, 3, 16, 0, 0), 11 * H, 1 },
		/* Jn never counts Feb 29: J60 is March 1, leap year or not. */
		{ "posix:AAA3BBB,J60,J300", utc(2028, 2, 29, 12, 0, 0), -3 * H,
		    0 },
		{ "posix:AAA3BBB,J60,J300", utc(2028, 3, 1, 5, 0, 0), -2 * H,
		    1 },
		{ "posix:AAA3BBB,J60,J300", utc(2026, 3, 1, 5, 0, 0), -2 * H,
		    1 },
		/* Zero-based n counts it: 59 is Feb 29 in 2028, Mar 1 in 2026. */
		{ "posix:AAA3BBB,59,300", utc(2028, 2, 29, 5, 0, 0), -2 * H,
		    1 },
		{ "posix:AAA3BBB,59,300", utc(2028, 2, 29, 4, 59, 59), -3 * H,
		    0 },
		{ "posix:AAA3BBB,59,300", utc(2026, 2, 28, 12, 0, 0), -3 * H,
		    0 },
		/* All-year summer time, as tzdata writes it. */
		{ "posix:EST5EDT,0/0,J365/25", utc(2026, 1, 1, 12, 0, 0),
		    -4 * H, 1 },
		{ "posix:EST5EDT,0/0,J365/25", utc(2026, 12, 31, 12, 0, 0),
		    -4 * H, 1 },
	};
	size_t k;

	(void)state;
	for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct fleet_tz tz;
		int isdst = -1;
		long off;

		open_case_zone(cases[k].zone, &tz);
		off = fleet_tz_offset(&tz, cases[k].at, &isdst);
		if (off != cases[k].off || isdst != cases[k].isdst)
			fail_msg("case %zu %s at %lld: got %ld/%d, want %ld/%d",
			    k, cases[k].zone, cases[k].at, off, isdst,
			    cases[k].off, cases[k].isdst);
		fleet_tz_done(&tz);
	}
}

/*
 * The C library is an independent reader of the same files: every 5 hours
 * (plus a minute, to fall on different wall-clock times) from 1970 to 2045,
 * our offset must be its tm_gmtoff.
 */
static void
test_agrees_with_libc(void **state)
{
	static const char *const zones[] = {
		"Europe/Berlin", "America/New_York", "Australia/Sydney",
		"Asia/Kolkata", "Asia/Kathmandu", "UTC", "Europe/London",
		"America/Sao_Paulo", "Pacific/Chatham", "Australia/Lord_Howe",
		"Africa/Casablanca", "America/Godthab",
	};
	char *saved = getenv("TZ") != NULL ? xstrdup(getenv("TZ")) : NULL;
	size_t z;
	long long t;

	(void)state;
	for (z = 0; z < sizeof zones / sizeof zones[0]; z++) {
		struct fleet_tz tz;
		char *path = xasprintf(ZONEINFO "%s", zones[z]);
		FILE *f = fopen(path, "r");

		if (f == NULL) {	/* not every tzdata has every zone */
			free(path);
			continue;
		}
		fclose(f);
		load_zone(zones[z], &tz);
		setenv("TZ", path, 1);
		tzset();
		for (t = 0; t < utc(2045, 1, 1, 0, 0, 0); t += 5 * 3600 + 60) {
			time_t tt = (time_t)t;
			struct tm tm;

			localtime_r(&tt, &tm);
			if (fleet_tz_offset(&tz, t, NULL) != tm.tm_gmtoff)
				fail_msg("%s at %lld: %ld, libc %ld", zones[z],
				    t, fleet_tz_offset(&tz, t, NULL),
				    (long)tm.tm_gmtoff);
		}
		fleet_tz_done(&tz);
		free(path);
	}
	if (saved != NULL) {
		setenv("TZ", saved, 1);
		free(saved);
	} else {
		unsetenv("TZ");
	}
	tzset();
}

/* ---- local wall clock to UTC ---------------------------------------- */

struct local_case {
	const char *zone;
	int y, m, d, h, mi;
	long long want;		/* -1: refused */
};

static void
test_local_to_utc(void **state)
{
	const struct local_case cases[] = {
		/* Ordinary times. */
		{ "Europe/Berlin", 2026, 7, 1, 12, 0, utc(2026, 7, 1, 10, 0, 0) },
		{ "Europe/Berlin", 2026, 1, 1, 0, 0,
		    utc(2025, 12, 31, 23, 0, 0) },
		/* Spring gap: 02:30 does not exist, moves to 03:30 CEST. */
		{ "Europe/Berlin", 2026, 3, 29, 2, 30,
		    utc(2026, 3, 29, 1, 30, 0) },
		{ "Europe/Berlin", 2026, 3, 29, 2, 0, utc(2026, 3, 29, 1, 0, 0) },
		{ "Europe/Berlin", 2026, 3, 29, 3, 0, utc(2026, 3, 29, 1, 0, 0) },
		{ "Europe/Berlin", 2026, 3, 29, 1, 59,
		    utc(2026, 3, 29, 0, 59, 0) },
		{ "Europe/Berlin", 2027, 3, 28, 2, 30,
		    utc(2027, 3, 28, 1, 30, 0) },
		/* Fall repeat: 02:30 happens twice; the first (CEST) wins. */
		{ "Europe/Berlin", 2026, 10, 25, 2, 30,
		    utc(2026, 10, 25, 0, 30, 0) },
		{ "Europe/Berlin", 2026, 10, 25, 2, 0,
		    utc(2026, 10, 25, 0, 0, 0) },
		{ "Europe/Berlin", 2026, 10, 25, 3, 0,
		    utc(2026, 10, 25, 2, 0, 0) },
		{ "Europe/Berlin", 2027, 10, 31, 2, 59,
		    utc(2027, 10, 31, 0, 59, 0) },
		{ "America/New_York", 2026, 3, 8, 2, 30,
		    utc(2026, 3, 8, 7, 30, 0) },
		{ "America/New_York", 2026, 11, 1, 1, 30,
		    utc(2026, 11, 1, 5, 30, 0) },
		{ "America/New_York", 2027, 3, 14, 2, 0,
		    utc(2027, 3, 14, 7, 0, 0) },
		{ "America/New_York", 2027, 11, 7, 1, 0,
		    utc(2027, 11, 7, 5, 0, 0) },
		/* Sydney: the gap is in October, the repeat in April. */
		{ "Australia/Sydney", 2026, 10, 4, 2, 30,
		    utc(2026, 10, 3, 16, 30, 0) },
		{ "Australia/Sydney", 2026, 4, 5, 2, 30,
		    utc(2026, 4, 4, 15, 30, 0) },
		{ "Australia/Sydney", 2027, 10, 3, 2, 0,
		    utc(2027, 10, 2, 16, 0, 0) },
		{ "Australia/Sydney", 2027, 4, 4, 2, 0,
		    utc(2027, 4, 3, 15, 0, 0) },
		{ "Asia/Kolkata", 2026, 1, 1, 1, 0, utc(2025, 12, 31, 19, 30, 0) },
		{ "Asia/Kathmandu", 2026, 1, 1, 0, 0,
		    utc(2025, 12, 31, 18, 15, 0) },
		{ "UTC", 2028, 2, 29, 23, 59, utc(2028, 2, 29, 23, 59, 0) },
		{ "posix:<+0545>-5:45", 2026, 5, 5, 5, 45,
		    utc(2026, 5, 5, 0, 0, 0) },
		/* Not a real date or time. */
		{ "UTC", 2026, 2, 29, 0, 0, -1 },
		{ "UTC", 2026, 2, 30, 0, 0, -1 },
		{ "UTC", 2026, 13, 1, 0, 0, -1 },
		{ "UTC", 2026, 0, 1, 0, 0, -1 },
		{ "UTC", 2026, 1, 1, 24, 0, -1 },
		{ "UTC", 2026, 1, 1, 0, 60, -1 },
		{ "UTC", 2026, 1, 1, -1, 0, -1 },
		{ "UTC", 0, 1, 1, 0, 0, -1 },
		{ "UTC", INT_MAX, 1, 1, 0, 0, -1 },
	};
	size_t k;

	(void)state;
	for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		const struct local_case *c = &cases[k];
		struct fleet_tz tz;
		long long got = 0;
		int rc;

		open_case_zone(c->zone, &tz);
		rc = fleet_tz_local_to_utc(&tz, c->y, c->m, c->d, c->h, c->mi,
		    &got);
		if (c->want == -1) {
			if (rc != -1)
				fail_msg("case %zu: accepted", k);
		} else if (rc != 0 || got != c->want) {
			fail_msg("case %zu %s %d-%02d-%02d %02d:%02d: rc %d "
			    "got %lld want %lld", k, c->zone, c->y, c->m, c->d,
			    c->h, c->mi, rc, got, c->want);
		}
		fleet_tz_done(&tz);
	}
}

/* Round trip: every local minute-of-hour that exists maps back to itself. */
static void
test_local_round_trip(void **state)
{
	static const char *const zones[] = {
		"Europe/Berlin", "America/New_York", "Australia/Sydney",
		"Asia/Kathmandu", "Australia/Lord_Howe",
	};
	size_t z;
	long long day;

	(void)state;
	for (z = 0; z < sizeof zones / sizeof zones[0]; z++) {
		struct fleet_tz tz;

		load_zone(zones[z], &tz);
		for (day = fleet_date_days_from_civil(2026, 1, 1);
		    day < fleet_date_days_from_civil(2028, 1, 1); day++) {
			struct fleet_date d = fleet_date_from_days(day);
			int h, y, m, dd;
			long sod;
			long long t;

			for (h = 0; h < 24; h++) {
				assert_int_equal(fleet_tz_local_to_utc(&tz,
				    d.year, d.month, d.day, h, 30, &t), 0);
				fleet_tz_to_local(&tz, t, &y, &m, &dd, &sod);
				/* Either the same wall clock, or (in a gap)
				 * later the same day by under 2 hours. */
				assert_int_equal(y, d.year);
				assert_int_equal(m, d.month);
				assert_int_equal(dd, d.day);
				assert_true(sod >= h * 3600L + 1800);
				assert_true(sod < h * 3600L + 1800 + 7200);
				if (sod != h * 3600L + 1800)
					assert_int_not_equal(
					    fleet_tz_offset(&tz, t - 7200, NULL),
					    fleet_tz_offset(&tz, t, NULL));
			}
		}
		fleet_tz_done(&tz);
	}
}

static void
test_utc_and_extremes(void **state)
{
	struct fleet_tz tz, berlin;
	int y, m, d;
	long sod;
	long long t;

	(void)state;
	fleet_tz_utc(&tz);
	assert_string_equal(tz.name, "UTC");
	assert_int_equal(fleet_tz_offset(&tz, 0, NULL), 0);
	assert_string_equal(fleet_tz_type_at(&tz, 0)->abbr, "UTC");
	assert_int_equal(fleet_tz_local_to_utc(&tz, 1970, 1, 1, 0, 0, &t), 0);
	assert_int_equal(t, 0);
	fleet_tz_done(&tz);
	fleet_tz_done(&tz);	/* done twice is harmless */

	load_zone("Europe/Berlin", &berlin);
	assert_string_equal(berlin.name, "Europe/Berlin");
	assert_string_equal(fleet_tz_type_at(&berlin,
	    utc(2026, 7, 1, 0, 0, 0))->abbr, "CEST");
	assert_string_equal(fleet_tz_type_at(&berlin,
	    utc(2126, 1, 1, 0, 0, 0))->abbr, "CET");
	/* Before the first transition: local mean time, type 0. */
	assert_int_equal(fleet_tz_offset(&berlin, utc(1800, 1, 1, 0, 0, 0),
	    NULL), 3208);
	/* Absurd instants are answered, not crashed on. */
	(void)fleet_tz_offset(&berlin, LLONG_MAX, NULL);
	(void)fleet_tz_offset(&berlin, LLONG_MIN, NULL);
	fleet_tz_to_local(&berlin, LLONG_MAX, &y, &m, &d, &sod);
	assert_true(y >= 9999);
	fleet_tz_to_local(&berlin, LLONG_MIN, &y, &m, &d, &sod);
	fleet_tz_to_local(&berlin, utc(2026, 3, 29, 1, 0, 0), &y, &m, &d,
	    &sod);
	assert_int_equal(sod, 3 * 3600);
	fleet_tz_done(&berlin);
}

static void
test_posix_errors(void **state)
{
	static const char *const bad[] = {
		"", "X1", "CE-1", "CET", "CET-", "CET-1CEST,M13.1.0,M10.5.0",
		"CET-1CEST,M3.5.0", "CET-1CEST,M3.6.0,M10.5.0",
		"CET-1CEST,M3.5.7,M10.5.0", "CET-1CEST,M3.5.0,M10.5.0/200",
		"CET-1CEST,M3.5.0,M10.5.0x", "CET-25", "<+05", "<>5",
		"CET-1CEST,J0,J100", "CET-1CEST,366,10", "CET-1:60",
		"CET-1CEST,M3.5.0,M10.5.0/3:", "CET-1 ", "CET-1\nx",
		"CET-1CEST,M03.5.0.1,M10.5.0", "CET-00000001",
	};
	size_t k;

	(void)state;
	for (k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		struct fleet_tz tz;
		char *err = NULL;

		if (fleet_tz_from_posix(bad[k], &tz, &err) != -1)
			fail_msg("accepted '%s'", bad[k]);
		assert_non_null(err);
		assert_non_null(strstr(err, "time zone rule '"));
		assert_null(tz.name);
		free(err);
	}
	{
		struct fleet_tz tz;
		char *err = NULL;

		assert_int_equal(fleet_tz_from_posix("CET-1CEST,M3.5.0", &tz,
		    &err), -1);
		assert_string_equal(err, "time zone rule 'CET-1CEST,M3.5.0': "
		    "bad summer time end rule");
		free(err);
		assert_int_equal(fleet_tz_from_posix(NULL, &tz, NULL), -1);
	}
}

/* ---- TZif structure -------------------------------------------------- */

/* Builds TZif bytes: one or two headers + blocks + optional footer. */
struct tzif_spec {
	char version;		/* 0 or '2' */
	uint32_t counts[6];	/* isut, isstd, leap, time, type, char */
	const long long *times;
	const unsigned char *idx;
	const long *offs;
	const unsigned char *dst;
	const char *chars;	/* charcnt bytes */
	const char *footer;	/* without the newlines; NULL for v1 */
};

static void
put32(struct buf *b, uint32_t v)
{
	unsigned char c[4] = {
		(unsigned char)(v >> 24), (unsigned char)(v >> 16),
		(unsigned char)(v >> 8), (unsigned char)v
	};

	buf_append(b, c, 4);
}

static void
put_block(struct buf *b, const struct tzif_spec *s, int wide)
{
	uint32_t k;
	static const char zero[16];

	buf_append(b, "TZif", 4);
	buf_putc(b, s->version);
	buf_append(b, zero, 15);
	for (k = 0; k < 6; k++)
		put32(b, s->counts[k]);
	if (s->counts[3] > 1000 || s->counts[4] > 1000 || s->counts[5] > 1000)
		return;	/* hostile counts: no data follows */
	for (k = 0; k < s->counts[3]; k++) {
		if (wide)
			put32(b, (uint32_t)((unsigned long long)s->times[k] >> 32));
		put32(b, (uint32_t)s->times[k]);
	}
	for (k = 0; k < s->counts[3]; k++)
		buf_putc(b, (char)s->idx[k]);
	for (k = 0; k < s->counts[4]; k++) {
		put32(b, (uint32_t)s->offs[k]);
		buf_putc(b, (char)s->dst[k]);
		buf_putc(b, (char)(k * 4));
	}
	buf_append(b, s->chars, s->counts[5]);
	for (k = 0; k < s->counts[2] * (wide ? 12u : 8u) + s->counts[1] +
	    s->counts[0]; k++)
		buf_putc(b, 0);
}

static void
build(struct buf *b, const struct tzif_spec *s)
{
	buf_init(b);
	put_block(b, s, 0);
	if (s->version != 0) {
		put_block(b, s, 1);
		buf_putc(b, '\n');
		buf_puts(b, s->footer);
		buf_putc(b, '\n');
	}
}

static const long long good_times[2] = { 1000000000LL, 1100000000LL };
static const unsigned char good_idx[2] = { 1, 0 };
static const long good_offs[2] = { 3600, 7200 };
static const unsigned char good_dst[2] = { 0, 1 };
/* Types take abbreviations at 0 and 4. */
static const char good_chars[8] = "CET\0EST";

static struct tzif_spec
good_spec(char version)
{
	struct tzif_spec s = {
		version, { 2, 2, 0, 2, 2, 8 }, good_times, good_idx,
		good_offs, good_dst, good_chars, "CET-1CEST,M3.5.0,M10.5.0/3"
	};

	return s;
}

static char *
parse_err(const struct tzif_spec *s)
{
	struct buf b;
	struct fleet_tz tz;
	char *err = NULL;

	build(&b, s);
	if (fleet_tz_parse("Test/Zone", b.data, b.len, &tz, &err) != -1)
		fail_msg("accepted (counts %u %u %u %u %u %u)", s->counts[0],
		    s->counts[1], s->counts[2], s->counts[3], s->counts[4],
		    s->counts[5]);
	assert_non_null(err);
	assert_null(tz.trans);
	buf_free(&b);
	return err;
}

static void
test_tzif_hand_made(void **state)
{
	struct tzif_spec s;
	struct buf b;
	struct fleet_tz tz;
	char *err = NULL;
	static const struct {
		int field;
		uint32_t value;
		const char *msg;
	} bad_counts[] = {
		{ 4, 0, "time zone 'Test/Zone': no local time types" },
		{ 5, 0, "time zone 'Test/Zone': no time zone abbreviations" },
		{ 0, 1, "time zone 'Test/Zone': UT indicator count does not "
		    "match the type count" },
		{ 1, 3, "time zone 'Test/Zone': standard indicator count "
		    "does not match the type count" },
		{ 3, 0xffffffffu, "time zone 'Test/Zone': truncated "
		    "(version 1 data)" },
		{ 4, 0xffffffffu, "time zone 'Test/Zone': truncated "
		    "(version 1 data)" },
		{ 5, 0x7fffffffu, "time zone 'Test/Zone': truncated "
		    "(version 1 data)" },
	};
	size_t k;

	(void)state;
	/* Both versions of the good spec parse and mean the same. */
	s = good_spec('2');
	build(&b, &s);
	assert_int_equal(fleet_tz_parse("Test/Zone", b.data, b.len, &tz,
	    &err), 0);
	assert_int_equal(tz.ntrans, 2);
	assert_int_equal(fleet_tz_offset(&tz, 999999999LL, NULL), 3600);
	assert_int_equal(fleet_tz_offset(&tz, 1000000000LL, NULL), 7200);
	assert_string_equal(fleet_tz_type_at(&tz, 1000000000LL)->abbr, "EST");
	assert_int_equal(fleet_tz_offset(&tz, 1100000000LL, NULL), 3600);
	/* After the last transition the footer rules. */
	assert_int_equal(fleet_tz_offset(&tz, utc(2026, 7, 1, 0, 0, 0), NULL),
	    7200);
	fleet_tz_done(&tz);
	buf_free(&b);

	s = good_spec(0);
	build(&b, &s);
	assert_int_equal(fleet_tz_parse("Test/Zone", b.data, b.len, &tz,
	    &err), 0);
	assert_int_equal(tz.has_rule, 0);
	assert_int_equal(fleet_tz_offset(&tz, utc(2026, 7, 1, 0, 0, 0), NULL),
	    3600);
	fleet_tz_done(&tz);
	buf_free(&b);

	/* An empty footer is allowed: no rule. */
	s = good_spec('2');
	s.footer = "";
	build(&b, &s);
	assert_int_equal(fleet_tz_parse("T", b.data, b.len, &tz, &err), 0);
	assert_int_equal(tz.has_rule, 0);
	fleet_tz_done(&tz);
	buf_free(&b);

	for (k = 0; k < sizeof bad_counts / sizeof bad_counts[0]; k++) {
		s = good_spec(0);
		s.counts[bad_counts[k].field] = bad_counts[k].value;
		err = parse_err(&s);
		if (strcmp(err, bad_counts[k].msg) != 0)
			fail_msg("case %zu: %s", k, err);
		free(err);
	}

	s = good_spec('2');
	s.counts[2] = 1;
	err = parse_err(&s);
	assert_string_equal(err, "time zone 'Test/Zone': leap-second zone "
	    "files (right/...) are not supported");
	free(err);

	{
		static const unsigned char bad_idx[2] = { 0, 2 };
		static const long long desc[2] = { 5, 4 };
		static const long big_off[2] = { 3600, 100000 };
		static const unsigned char bad_dst[2] = { 0, 2 };

		s = good_spec('2');
		s.idx = bad_idx;
		err = parse_err(&s);
		assert_string_equal(err, "time zone 'Test/Zone': transition "
		    "names a local time type that does not exist");
		free(err);
		s = good_spec('2');
		s.times = desc;
		err = parse_err(&s);
		assert_string_equal(err, "time zone 'Test/Zone': transition "
		    "times are not ascending");
		free(err);
		s = good_spec('2');
		s.offs = big_off;
		err = parse_err(&s);
		assert_string_equal(err, "time zone 'Test/Zone': UT offset "
		    "out of range");
		free(err);
		s = good_spec('2');
		s.dst = bad_dst;
		err = parse_err(&s);
		assert_string_equal(err, "time zone 'Test/Zone': bad summer "
		    "time flag");
		free(err);
	}

	/* Abbreviation index past the characters. */
	s = good_spec('2');
	s.counts[5] = 4;
	err = parse_err(&s);
	assert_string_equal(err, "time zone 'Test/Zone': abbreviation index "
	    "out of range");
	free(err);

	/* A bad footer names itself. */
	s = good_spec('2');
	s.footer = "CET-1CEST,M3.5.0";
	err = parse_err(&s);
	assert_string_equal(err, "time zone 'Test/Zone': bad footer TZ "
	    "string 'CET-1CEST,M3.5.0': bad summer time end rule");
	free(err);

	/* Not TZif at all, and nothing at all. */
	assert_int_equal(fleet_tz_parse("x", "hello", 5, &tz, &err), -1);
	assert_string_equal(err, "time zone 'x': truncated (header)");
	free(err);
	assert_int_equal(fleet_tz_parse("x", NULL, 0, &tz, &err), -1);
	free(err);
	{
		char junk[64];

		memset(junk, 'A', sizeof junk);
		assert_int_equal(fleet_tz_parse(NULL, junk, sizeof junk, &tz,
		    &err), -1);
		assert_string_equal(err, "time zone '': not TZif data (bad "
		    "magic)");
		free(err);
		memcpy(junk, "TZif9", 5);
		assert_int_equal(fleet_tz_parse("x", junk, sizeof junk, &tz,
		    &err), -1);
		assert_string_equal(err, "time zone 'x': unsupported TZif "
		    "version");
		free(err);
	}
}

static const char *const fuzz_zones[] = {
	"Europe/Berlin", "America/New_York", "Australia/Sydney",
	"Asia/Kathmandu", "UTC",
};

/* Every proper prefix of a real (v2+) file is refused with a message. */
static void
test_tzif_truncated(void **state)
{
	size_t z, n;

	(void)state;
	for (z = 0; z < sizeof fuzz_zones / sizeof fuzz_zones[0]; z++) {
		struct buf b;
		struct fleet_tz tz;
		char *err = NULL;
		char *copy;

		read_zone(fuzz_zones[z], &b);
		assert_true(b.len > 44 && b.data[4] >= '2');
		for (n = 0; n < b.len; n++) {
			/* A private copy of exactly n bytes, so ASan sees any
			 * read past the end. */
			copy = xmalloc(n);
			memcpy(copy, b.data, n);
			if (fleet_tz_parse(fuzz_zones[z], copy, n, &tz,
			    &err) != -1)
				fail_msg("%s: prefix of %zu accepted",
				    fuzz_zones[z], n);
			assert_non_null(err);
			assert_non_null(strstr(err, fuzz_zones[z]));
			free(err);
			err = NULL;
			free(copy);
		}
		assert_int_equal(fleet_tz_parse(fuzz_zones[z], b.data, b.len,
		    &tz, &err), 0);
		fleet_tz_done(&tz);
		buf_free(&b);
	}
}

/* Random byte flips (fixed seed): parse either fails with a message or
 * yields a zone that answers every query. */
static void
test_tzif_byte_flips(void **state)
{
	unsigned long long rng = 0x9e3779b97f4a7c15ULL;
	size_t z;
	int round, flips, accepted = 0, refused = 0;

	(void)state;
	for (z = 0; z < sizeof fuzz_zones / sizeof fuzz_zones[0]; z++) {
		struct buf b;

		read_zone(fuzz_zones[z], &b);
		for (round = 0; round < 2000; round++) {
			unsigned char *copy = xmalloc(b.len);
			struct fleet_tz tz;
			char *err = NULL;
			long long t;

			memcpy(copy, b.data, b.len);
			for (flips = 0; flips < 1 + round % 4; flips++) {
				rng = rng * 6364136223846793005ULL +
				    1442695040888963407ULL;
				/* Favour the headers and counts, where a
				 * flip does the most damage. */
				copy[(rng >> 33) % (round % 2 ? b.len : 64)] ^=
				    (unsigned char)(1u << ((rng >> 20) % 8));
			}
			if (fleet_tz_parse("fuzz", copy, b.len, &tz, &err) ==
			    0) {
				accepted++;
				(void)fleet_tz_offset(&tz, 0, NULL);
				(void)fleet_tz_offset(&tz,
				    utc(2026, 3, 29, 1, 0, 0), NULL);
				(void)fleet_tz_offset(&tz, LLONG_MAX, NULL);
				(void)fleet_tz_local_to_utc(&tz, 2026, 3, 29,
				    2, 30, &t);
				(void)fleet_tz_local_to_utc(&tz, 2026, 10, 25,
				    2, 30, &t);
				fleet_tz_done(&tz);
			} else {
				refused++;
				assert_non_null(err);
				assert_true(strncmp(err, "time zone 'fuzz': ",
				    18) == 0);
				free(err);
			}
			free(copy);
		}
		buf_free(&b);
	}
	/* Both outcomes happen, or the test tests nothing. */
	assert_true(accepted > 0);
	assert_true(refused > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_agrees_with_libc),
		cmocka_unit_test(test_local_to_utc),
		cmocka_unit_test(test_local_round_trip),
		cmocka_unit_test(test_utc_and_extremes),
		cmocka_unit_test(test_posix_errors),
		cmocka_unit_test(test_tzif_hand_made),
		cmocka_unit_test(test_tzif_truncated),
		cmocka_unit_test(test_tzif_byte_flips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
