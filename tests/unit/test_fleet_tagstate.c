/*
 * test_fleet_tagstate.c - dates, timestamps, exception ranges and records,
 * and the tag state of an instance: every state, the precedence between
 * them, configurable tag names, and hostile tag values.
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

#include "fleet/date.h"
#include "fleet/exception.h"
#include "fleet/instance.h"
#include "fleet/tagstate.h"
#include "fleet/tz.h"
#include "fleet/window.h"
#include "util/util.h"

static long long
utc(int y, int m, int d, int h, int mi, int s)
{
	return fleet_date_days_from_civil(y, m, d) * 86400 + h * 3600 +
	    mi * 60 + s;
}

static struct fleet_date
date(const char *s)
{
	struct fleet_date d;

	if (fleet_date_parse(s, &d) != 0)
		fail_msg("bad test date %s", s);
	return d;
}

/* ---- dates ------------------------------------------------------------ */

static void
test_dates(void **state)
{
	static const char *const bad[] = {
		"", "2026-02-30", "2026-02-29", "2026-13-01", "2026-00-10",
		"2026-01-00", "2026-04-31", "0000-01-01", "2026-1-01",
		" 2026-01-01", "2026-01-01 ", "2026-01-01x", "2026/01/01",
		"20260101", "2026-01-0a", "+026-01-01", "2026-01--1",
		"2026-01-01T00:00:00Z", "\x1b[2J",
	};
	struct fleet_date d;
	long long day;
	size_t k;
	char buf[16];

	(void)state;
	/* Fixed points, known independently. */
	assert_int_equal(fleet_date_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(fleet_date_days_from_civil(2026, 1, 1), 20454);
	assert_int_equal(fleet_date_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(fleet_date_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(fleet_date_days_from_civil(2026, 13, 1),
	    fleet_date_days_from_civil(2027, 1, 1));
	assert_int_equal(fleet_date_days_from_civil(2026, 0, 1),
	    fleet_date_days_from_civil(2025, 12, 1));
	assert_int_equal(fleet_date_weekday(date("2026-11-25")), 3);
	assert_int_equal(fleet_date_weekday(date("1970-01-01")), 4);
	assert_int_equal(fleet_date_weekday(date("2028-02-29")), 2);
	assert_int_equal(fleet_date_weekday(date("1969-12-28")), 0);
	/* Round trip over +-2000 years. */
	for (day = -800000; day < 800000; day += 37) {
		d = fleet_date_from_days(day);
		assert_true(fleet_date_valid(d.year, d.month, d.day));
		assert_int_equal(fleet_date_to_days(d), day);
	}
	assert_true(fleet_date_is_leap(2000));
	assert_false(fleet_date_is_leap(2100));
	assert_true(fleet_date_is_leap(2028));
	assert_int_equal(fleet_date_days_in_month(2028, 2), 29);
	assert_int_equal(fleet_date_days_in_month(2026, 2), 28);
	assert_int_equal(fleet_date_days_in_month(2026, 13), 0);

	d = date("2028-02-28");
	fleet_date_format(fleet_date_add_days(d, 1), buf, sizeof buf);
	assert_string_equal(buf, "2028-02-29");
	fleet_date_format(fleet_date_add_days(d, 2), buf, sizeof buf);
	assert_string_equal(buf, "2028-03-01");
	fleet_date_format(fleet_date_add_days(date("2026-01-01"), -1), buf,
	    sizeof buf);
	assert_string_equal(buf, "2025-12-31");
	assert_int_equal(fleet_days_between(date("2026-01-01"),
	    date("2027-01-01")), 365);
	assert_int_equal(fleet_days_between(date("2028-01-01"),
	    date("2029-01-01")), 366);
	assert_int_equal(fleet_days_between(date("2026-11-25"),
	    date("2026-11-20")), -5);
	assert_int_equal(fleet_date_cmp(date("2026-11-25"),
	    date("2026-11-26")), -1);
	assert_int_equal(fleet_date_cmp(date("2026-11-25"),
	    date("2026-11-25")), 0);
	d = fleet_date_of_utc(-1);
	assert_int_equal(d.year, 1969);
	assert_int_equal(d.day, 31);

	assert_int_equal(fleet_date_parse("9999-12-31", &d), 0);
	assert_int_equal(fleet_date_parse("0001-01-01", &d), 0);
	d = date("2026-11-25");
	for (k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		if (fleet_date_parse(bad[k], &d) != -1)
			fail_msg("accepted '%s'", bad[k]);
	}
	/* A refused parse leaves out untouched. */
	assert_int_equal(d.day, 25);
	assert_int_equal(fleet_date_parse(NULL, &d), -1);
}

static void
test_iso8601(void **state)
{
	static const char *const same[] = {
		"2026-11-20T03:14:00Z", "2026-11-20T03:14:00.123456Z",
		"2026-11-20T03:14:00,5Z", "2026-11-20T03:14:00+00:00",
		"2026-11-20T03:14:00-00:00", "2026-11-20T05:14:00+02:00",
		"2026-11-19T22:14:00-05:00", "2026-11-20T08:59:00+05:45",
		"2026-11-20t03:14:00z", "2026-11-20 03:14:00Z",
		"2026-11-20T03:14Z", "2026-11-20T03:14:00+0000",
		"2026-11-20T03:14:00.000+00:00",
	};
	static const char *const bad[] = {
		"", "2026-11-20", "2026-11-20T03:14:00", "2026-02-30T00:00:00Z",
		"2026-11-20T24:00:00Z", "2026-11-20T03:60:00Z",
		"2026-11-20T03:14:61Z", "2026-11-20T03:14:00.Z",
		"2026-11-20T03:14:00Zjunk", "2026-11-20T03:14:00+25:00",
		"2026-11-20T03:14:00+02", "2026-11-20T03:14:00+02:0",
		"2026-11-20T03:14:00+02:00x", "garbage", "2026-11-20T03:1",
		"2026-11-20T3:14:00Z", "2026-11-20X03:14:00Z", "\x1b[31m",
		"2026-11-20T03:14:00 Z", "unknown", "2026-11-20T",
	};
	long long t;
	size_t k;

	(void)state;
	for (k = 0; k < sizeof same / sizeof same[0]; k++) {
		t = 0;
		if (fleet_date_parse_iso8601(same[k], &t) != 0)
			fail_msg("refused '%s'", same[k]);
		if (t != utc(2026, 11, 20, 3, 14, 0))
			fail_msg("'%s': %lld", same[k], t);
	}
	assert_int_equal(fleet_date_parse_iso8601("2026-11-20T03:14:59Z", &t),
	    0);
	assert_int_equal(t, utc(2026, 11, 20, 3, 14, 59));
	/* A leap second counts as :59. */
	assert_int_equal(fleet_date_parse_iso8601("2016-12-31T23:59:60Z", &t),
	    0);
	assert_int_equal(t, utc(2016, 12, 31, 23, 59, 59));
	for (k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		if (fleet_date_parse_iso8601(bad[k], &t) != -1)
			fail_msg("accepted '%s'", bad[k]);
	}
	assert_int_equal(fleet_date_parse_iso8601(NULL, &t), -1);
}

/* ---- exceptions ------------------------------------------------------- */

static void
test_exception_range(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} bad[] = {
		{ "", "exception range '': expected YYYY-MM-DD..YYYY-MM-DD" },
		{ "2026-12-01", "exception range '2026-12-01': expected "
		    "YYYY-MM-DD..YYYY-MM-DD" },
		{ "2026-12-01..2026-12-24 ", "exception range '2026-12-01.."
		    "2026-12-24 ': expected YYYY-MM-DD..YYYY-MM-DD" },
		{ "2026-12-01...2026-12-4", "exception range '2026-12-01..."
		    "2026-12-4': the end is not a real YYYY-MM-DD date" },
		{ "2026-12-01/2026-12-24", "exception range '2026-12-01/"
		    "2026-12-24': expected YYYY-MM-DD..YYYY-MM-DD" },
		{ "2026-02-30..2026-03-01", "exception range '2026-02-30.."
		    "2026-03-01': the start is not a real YYYY-MM-DD date" },
		{ "2026-02-01..2026-02-29", "exception range '2026-02-01.."
		    "2026-02-29': the end is not a real YYYY-MM-DD date" },
		{ "2026-12-24..2026-12-01", "exception range '2026-12-24.."
		    "2026-12-01': ends before it starts" },
		{ "2026-12-01..2026-12-24\n", "exception range '2026-12-01.."
		    "2026-12-24\n': expected YYYY-MM-DD..YYYY-MM-DD" },
	};
	struct fleet_date s, e;
	char buf[32], *err = NULL, *big;
	size_t k;

	(void)state;
	assert_int_equal(fleet_exception_range_parse("2026-12-01..2026-12-24",
	    &s, &e, &err), 0);
	fleet_exception_range_format(s, e, buf, sizeof buf);
	assert_string_equal(buf, "2026-12-01..2026-12-24");
	assert_int_equal(fleet_exception_range_parse("2028-02-29..2028-02-29",
	    &s, &e, NULL), 0);
	for (k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		err = NULL;
		if (fleet_exception_range_parse(bad[k].text, &s, &e, &err) !=
		    -1)
			fail_msg("accepted '%s'", bad[k].text);
		if (strcmp(err, bad[k].msg) != 0)
			fail_msg("'%s': %s", bad[k].text, err);
		free(err);
	}
	/* Long hostile text: the message quotes a bounded prefix. */
	big = xmalloc(10241);
	memset(big, '\x1b', 10240);
	big[10240] = '\0';
	assert_int_equal(fleet_exception_range_parse(big, &s, &e, &err), -1);
	assert_true(strlen(err) < 120);
	free(err);
	free(big);
	assert_int_equal(fleet_exception_range_parse(NULL, &s, &e, NULL), -1);
}

static void
test_exception_live(void **state)
{
	struct fleet_exception e = {
		.instance_id = "i-1", .exception_id = "x1",
		.starts = "2026-12-01", .ends = "2026-12-24",
		.status = "APPROVED",
		.requested_by = "arn:aws:iam::123456789012:user/alice",
		.decided_by = "arn:aws:iam::123456789012:user/bob",
	};
	struct fleet_exception empty;

	(void)state;
	assert_false(fleet_exception_is_live(&e, date("2026-11-30"), 90));
	assert_true(fleet_exception_is_live(&e, date("2026-12-01"), 90));
	assert_true(fleet_exception_is_live(&e, date("2026-12-24"), 90));
	assert_false(fleet_exception_is_live(&e, date("2026-12-25"), 90));
	assert_true(fleet_exception_covers(&e, "i-1", date("2026-12-01"),
	    date("2026-12-24"), 90));
	assert_true(fleet_exception_covers(&e, "i-1", date("2026-12-05"),
	    date("2026-12-06"), 90));
	assert_false(fleet_exception_covers(&e, "i-1", date("2026-11-30"),
	    date("2026-12-06"), 90));
	assert_false(fleet_exception_covers(&e, "i-2", date("2026-12-05"),
	    date("2026-12-06"), 90));
	e.status = "approved";	/* DynamoDB values are exact */
	assert_false(fleet_exception_is_live(&e, date("2026-12-05"), 90));
	e.status = "PENDING";
	assert_false(fleet_exception_is_live(&e, date("2026-12-05"), 90));
	e.status = "REVOKED";
	assert_false(fleet_exception_is_live(&e, date("2026-12-05"), 90));
	e.status = "APPROVED";
	/* Approved by the requester's own role in another session. */
	e.requested_by = "arn:aws:sts::123456789012:assumed-role/ops/s1";
	e.decided_by = "arn:aws:sts::123456789012:assumed-role/ops/s2";
	assert_false(fleet_exception_is_live(&e, date("2026-12-05"), 90));
	assert_false(fleet_exception_covers(&e, "i-1", date("2026-12-05"),
	    date("2026-12-06"), 90));
	e.decided_by = "arn:aws:iam::123456789012:user/bob";
	/* Longer than exception_max_days. */
	assert_false(fleet_exception_is_live(&e, date("2026-12-05"), 20));
	e.ends = "2026-11-30";	/* ends before it starts */
	assert_false(fleet_exception_is_live(&e, date("2026-12-01"), 90));
	e.ends = "2026-12-32";
	assert_false(fleet_exception_is_live(&e, date("2026-12-01"), 90));
	memset(&empty, 0, sizeof empty);
	assert_false(fleet_exception_is_live(&empty, date("2026-12-01"), 90));
	assert_false(fleet_exception_covers(&empty, "i-1",
	    date("2026-12-01"), date("2026-12-01"), 90));
	fleet_exception_done(&empty);

	/* Owned strings are freed by done. */
	e.instance_id = xstrdup("i-1");
	e.exception_id = xstrdup("x");
	e.starts = xstrdup("2026-12-01");
	e.ends = xstrdup("2026-12-02");
	e.status = xstrdup("APPROVED");
	e.reason = xstrdup("audit");
	e.requested_by = xstrdup("arn:aws:iam::123456789012:user/alice");
	e.decided_by = NULL;
	fleet_exception_done(&e);
	assert_null(e.status);
}

/* ---- tag state -------------------------------------------------------- */

/* 2026-11-25 is a Wednesday; sun-0200 next runs Sunday 2026-11-29. */
#define NOW utc(2026, 11, 25, 12, 0, 0)

#define BY .requested_by = "arn:aws:iam::123456789012:user/alice", \
	.decided_by = "arn:aws:iam::123456789012:user/bob"
#define SELF .requested_by = "arn:aws:sts::123456789012:assumed-role/ops/a", \
	.decided_by = "arn:aws:sts::123456789012:assumed-role/ops/b"

static const struct fleet_exception records[] = {
	{ .instance_id = "i-1", .exception_id = "a", .starts = "2026-11-01",
	    .ends = "2026-11-30", .status = "APPROVED", BY },
	{ .instance_id = "i-1", .exception_id = "b", .starts = "2026-12-01",
	    .ends = "2026-12-24", .status = "APPROVED", BY },
	{ .instance_id = "i-1", .exception_id = "c", .starts = "2026-10-01",
	    .ends = "2026-10-31", .status = "APPROVED", BY },
	{ .instance_id = "i-1", .exception_id = "d", .starts = "2027-01-10",
	    .ends = "2027-01-20", .status = "PENDING", BY },
	{ .instance_id = "i-2", .exception_id = "e", .starts = "2027-02-01",
	    .ends = "2027-02-02", .status = "APPROVED", BY },
	{ .instance_id = "i-live", .exception_id = "f",
	    .starts = "2026-11-25", .ends = "2026-11-25",
	    .status = "APPROVED", BY },
	/* Live by its dates, but approved by its requester's own role
	 * (instance order: the binary search needs it). */
	{ .instance_id = "i-self", .exception_id = "i",
	    .starts = "2026-11-01", .ends = "2026-11-30",
	    .status = "APPROVED", SELF },
	{ .instance_id = "i-soon", .exception_id = "g",
	    .starts = "2026-12-10", .ends = "2026-12-11",
	    .status = "APPROVED", BY },
	{ .instance_id = "i-soon", .exception_id = "h",
	    .starts = "2026-12-02", .ends = "2026-12-03",
	    .status = "APPROVED", BY },
};

struct windows {
	struct fleet_window w[2];
	struct fleet_tz berlin;
	const struct fleet_tz *zones[2];
};

static void
windows_init(struct windows *ws)
{
	struct buf b;

	fleet_window_init(&ws->w[0]);
	ws->w[0].id = xstrdup("sun-0200");
	assert_int_equal(fleet_schedule_parse("sun 02:00", &ws->w[0].sched,
	    NULL), 0);
	ws->w[0].duration_min = 180;
	fleet_window_init(&ws->w[1]);
	ws->w[1].id = xstrdup("berlin");
	ws->w[1].tz_name = xstrdup("Europe/Berlin");
	assert_int_equal(fleet_schedule_parse("sun 02:00", &ws->w[1].sched,
	    NULL), 0);
	ws->w[1].duration_min = 180;
	buf_init(&b);
	if (util_read_file("/usr/share/zoneinfo/Europe/Berlin", 1 << 20,
	    &b) != 0)
		fail_msg("cannot read Europe/Berlin (is tzdata installed?)");
	assert_int_equal(fleet_tz_parse("Europe/Berlin", b.data, b.len,
	    &ws->berlin, NULL), 0);
	buf_free(&b);
	ws->zones[0] = NULL;	/* UTC */
	ws->zones[1] = &ws->berlin;
}

static void
windows_done(struct windows *ws)
{
	fleet_window_done(&ws->w[0]);
	fleet_window_done(&ws->w[1]);
	fleet_tz_done(&ws->berlin);
}

static void
ctx_init(struct fleet_tag_ctx *ctx, struct windows *ws, int known)
{
	memset(ctx, 0, sizeof *ctx);
	ctx->windows = ws->w;
	ctx->zones = ws->zones;
	ctx->nwindows = 2;
	ctx->now = NOW;
	ctx->stale_days = 35;
	ctx->exceptions = records;
	ctx->nexceptions = sizeof records / sizeof records[0];
	ctx->exceptions_known = known;
	ctx->exception_max_days = 90;
}

/* An instance with tags given as key, value, key, value, ..., NULL. */
static void
make_instance(struct fleet_instance *inst, const char *id,
    const char *launch, const char *const *kv)
{
	struct fleet_instance tmp;
	struct fleet_tag tags[8];
	size_t n = 0;

	memset(&tmp, 0, sizeof tmp);
	tmp.id = (char *)id;
	tmp.launch_time = (char *)launch;
	for (; kv != NULL && kv[0] != NULL; kv += 2, n++) {
		tags[n].key = (char *)kv[0];
		tags[n].value = (char *)kv[1];
	}
	tmp.tags = tags;
	tmp.ntags = n;
	fleet_instance_copy(inst, &tmp);
}

#define MAXKV 12

struct state_case {
	const char *what;
	const char *id;
	const char *launch;
	int known;		/* exception records loaded */
	const char *kv[MAXKV + 1];
	enum fleet_tag_state want;
};

#define W "PatchWindow"
#define X "PatchException"
#define R "ssm-patch-now"
#define L "LastPatched"

static const struct state_case state_cases[] = {
	{ "no tags", "i-1", "", 0, { NULL }, TS_NO_WINDOW },
	{ "empty window", "i-1", "", 0, { W, "", NULL }, TS_NO_WINDOW },
	{ "unknown window", "i-1", "", 0, { W, "sun-0300", NULL },
	    TS_UNKNOWN_WINDOW },
	{ "window by exact bytes", "i-1", "", 0, { W, "SUN-0200", NULL },
	    TS_UNKNOWN_WINDOW },
	{ "scheduled", "i-1", "", 0, { W, "sun-0200", NULL }, TS_SCHEDULED },
	{ "patched 9h ago", "i-1", "", 0,
	    { W, "sun-0200", L, "2026-11-25T03:14:00Z", NULL },
	    TS_PATCHED_RECENTLY },
	{ "patched 5 days ago", "i-1", "", 0,
	    { W, "sun-0200", L, "2026-11-20T03:14:00Z", NULL }, TS_SCHEDULED },
	{ "patched 35 days ago is not yet stale", "i-1", "", 0,
	    { W, "sun-0200", L, "2026-10-21T00:00:00Z", NULL }, TS_SCHEDULED },
	{ "patched 36 days ago is stale", "i-1", "", 0,
	    { W, "sun-0200", L, "2026-10-20T23:59:59Z", NULL }, TS_STALE },
	{ "patch time in the future", "i-1", "", 0,
	    { W, "sun-0200", L, "2026-11-26T00:00:00Z", NULL }, TS_SCHEDULED },
	{ "garbage LastPatched, new instance", "i-1",
	    "2026-11-01T00:00:00.000Z", 0,
	    { W, "sun-0200", L, "yesterday", NULL }, TS_SCHEDULED },
	{ "never patched, launched long ago", "i-1",
	    "2025-01-01T00:00:00.000Z", 0, { W, "sun-0200", NULL }, TS_STALE },
	{ "never patched, launched recently", "i-1",
	    "2026-11-24T00:00:00.000Z", 0, { W, "sun-0200", NULL },
	    TS_SCHEDULED },
	{ "in run beats everything", "i-1", "2025-01-01T00:00:00Z", 1,
	    { W, "nope", X, "2026-02-30..2026-03-01", R, "run-1", NULL },
	    TS_IN_RUN },
	{ "in run with empty run id", "i-1", "", 0,
	    { W, "sun-0200", R, "", NULL }, TS_IN_RUN },
	{ "live tag, records not loaded", "i-1", "", 0,
	    { W, "sun-0200", X, "2026-11-01..2026-11-30", NULL },
	    TS_EXCEPTED_LIVE },
	{ "live tag backed by a record", "i-1", "", 1,
	    { W, "sun-0200", X, "2026-11-01..2026-11-30", NULL },
	    TS_EXCEPTED_LIVE },
	{ "live tag inside a record", "i-1", "", 1,
	    { W, "sun-0200", X, "2026-11-20..2026-11-28", NULL },
	    TS_EXCEPTED_LIVE },
	{ "tag wider than any record", "i-1", "", 1,
	    { W, "sun-0200", X, "2026-11-01..2026-12-24", NULL },
	    TS_EXCEPTED_UNAPPROVED },
	{ "tag backed only by a PENDING record", "i-1", "", 1,
	    { W, "sun-0200", X, "2027-01-10..2027-01-20", NULL },
	    TS_EXCEPTED_UNAPPROVED },
	{ "tag backed only by a self-approved record", "i-self", "", 1,
	    { W, "sun-0200", X, "2026-11-01..2026-11-30", NULL },
	    TS_EXCEPTED_UNAPPROVED },
	{ "no tag, a self-approved live record: not excepted", "i-self",
	    "", 1, { W, "sun-0200", NULL }, TS_SCHEDULED },
	{ "tag backed by another instance's record", "i-1", "", 1,
	    { W, "sun-0200", X, "2027-02-01..2027-02-02", NULL },
	    TS_EXCEPTED_UNAPPROVED },
	{ "malformed tag, records not loaded", "i-1", "", 0,
	    { W, "sun-0200", X, "2026-02-30..2026-03-01", NULL },
	    TS_EXCEPTED_UNAPPROVED },
	{ "unapproved beats live dates and staleness", "i-9",
	    "2020-01-01T00:00:00Z", 1,
	    { X, "2026-11-01..2026-11-30", NULL }, TS_EXCEPTED_UNAPPROVED },
	{ "live beats no window", "i-1", "", 1,
	    { X, "2026-11-01..2026-11-30", NULL }, TS_EXCEPTED_LIVE },
	{ "live beats stale", "i-1", "", 0,
	    { W, "sun-0200", X, "2026-11-25..2026-11-25", L,
	    "2020-01-01T00:00:00Z", NULL }, TS_EXCEPTED_LIVE },
	{ "upcoming tag", "i-1", "", 1,
	    { W, "sun-0200", X, "2026-12-01..2026-12-24", NULL },
	    TS_EXCEPTED_UPCOMING },
	{ "expired tag", "i-1", "", 1,
	    { W, "sun-0200", X, "2026-10-01..2026-10-31", NULL },
	    TS_EXCEPTED_EXPIRED },
	{ "expired tag ended yesterday", "i-1", "", 0,
	    { W, "sun-0200", X, "2026-11-01..2026-11-24", NULL },
	    TS_EXCEPTED_EXPIRED },
	{ "no window beats upcoming", "i-1", "", 0,
	    { X, "2026-12-01..2026-12-24", NULL }, TS_NO_WINDOW },
	{ "unknown window beats expired", "i-1", "", 0,
	    { W, "x", X, "2026-10-01..2026-10-31", NULL }, TS_UNKNOWN_WINDOW },
	{ "stale beats upcoming", "i-1", "", 0,
	    { W, "sun-0200", X, "2026-12-01..2026-12-24", L,
	    "2026-01-01T00:00:00Z", NULL }, TS_STALE },
	{ "upcoming beats recently patched", "i-1", "", 0,
	    { W, "sun-0200", X, "2026-12-01..2026-12-24", L,
	    "2026-11-25T11:00:00Z", NULL }, TS_EXCEPTED_UPCOMING },
	{ "live record, tag not synced yet", "i-live", "", 1,
	    { W, "sun-0200", NULL }, TS_EXCEPTED_LIVE },
	{ "live record unknown while records are not loaded", "i-live", "",
	    0, { W, "sun-0200", NULL }, TS_SCHEDULED },
	{ "upcoming record, no tag", "i-soon", "", 1,
	    { W, "sun-0200", NULL }, TS_EXCEPTED_UPCOMING },
	{ "only a PENDING record", "i-1x", "", 1, { W, "sun-0200", NULL },
	    TS_SCHEDULED },
	{ "other tags are ignored", "i-1", "", 0,
	    { "patchwindow", "sun-0200", "Owner", "ops@example.com", NULL },
	    TS_NO_WINDOW },
};

/*
 * Every case three ways: records looked at one by one (no prepare), by
 * binary search (prepared, records in instance order), and one by one
 * again (prepared, records reversed: not in order).  Same state each way.
 */
static void
test_state_table(void **state)
{
	enum { PLAIN, SORTED, REVERSED };
	static const char *const how[] = { "plain", "sorted", "reversed" };
	struct fleet_exception reversed[sizeof records / sizeof records[0]];
	size_t nrec = sizeof records / sizeof records[0], k, mode;
	struct fleet_occurrence next[2];
	unsigned char has_next[2];
	struct windows ws;
	struct fleet_tag_ctx ctx;

	(void)state;
	for (k = 0; k < nrec; k++)
		reversed[k] = records[nrec - 1 - k];
	windows_init(&ws);
	for (k = 0; k < sizeof state_cases / sizeof state_cases[0]; k++) {
		const struct state_case *c = &state_cases[k];
		struct fleet_instance inst;
		struct fleet_tag_status st;

		make_instance(&inst, c->id, c->launch, c->kv);
		for (mode = PLAIN; mode <= REVERSED; mode++) {
			ctx_init(&ctx, &ws, c->known);
			if (mode == REVERSED)
				ctx.exceptions = reversed;
			if (mode != PLAIN)
				fleet_tag_ctx_prepare(&ctx, next, has_next);
			if (mode == SORTED)
				assert_ptr_equal(ctx.sorted, records);
			else
				assert_null(ctx.sorted);
			fleet_tag_state_eval(&ctx, &inst, &st);
			if (st.state != c->want)
				fail_msg("case %zu (%s, %s): got '%s', want "
				    "'%s'", k, c->what, how[mode],
				    fleet_tag_state_name(st.state),
				    fleet_tag_state_name(c->want));
		}
		fleet_instance_done(&inst);
	}
	windows_done(&ws);
}

static void
test_state_details(void **state)
{
	static const char *const sched[] = {
		W, "sun-0200", L, "2026-11-20T03:14:00Z", "Owner", "ops@x",
		NULL
	};
	static const char *const berlin[] = { W, "berlin", NULL };
	static const char *const exc[] = {
		W, "sun-0200", X, "2026-11-20..2026-11-28", R, "run-7",
		"patchdeck:started-for", "run-7", NULL
	};
	static const char *const untagged[] = { W, "sun-0200", NULL };
	static const char *const garbage[] = {
		W, "sun-0200", L, "2026-11-20T03:14:00", NULL
	};
	struct windows ws;
	struct fleet_tag_ctx ctx;
	struct fleet_instance inst;
	struct fleet_tag_status st;
	char buf[32];

	(void)state;
	windows_init(&ws);
	ctx_init(&ctx, &ws, 1);

	make_instance(&inst, "i-none", "", sched);
	fleet_tag_state_eval(&ctx, &inst, &st);
	assert_int_equal(st.state, TS_SCHEDULED);
	assert_string_equal(st.window_id, "sun-0200");
	assert_int_equal(st.window, 0);
	assert_true(st.has_next);
	assert_int_equal(st.next_start, utc(2026, 11, 29, 2, 0, 0));
	assert_int_equal(st.next_end, utc(2026, 11, 29, 5, 0, 0));
	assert_true(st.last_patched_known);
	assert_int_equal(st.last_patched, utc(2026, 11, 20, 3, 14, 0));
	assert_int_equal(st.days_since_patch, 5);
	assert_false(st.stale);
	assert_int_equal(st.exception, 0);
	assert_string_equal(st.owner, "ops@x");
	assert_null(st.run_id);
	fleet_instance_done(&inst);

	/* The window's own zone: 02:00 CET is 01:00Z. */
	make_instance(&inst, "i-none", "", berlin);
	fleet_tag_state_eval(&ctx, &inst, &st);
	assert_int_equal(st.window, 1);
	assert_int_equal(st.next_start, utc(2026, 11, 29, 1, 0, 0));
	assert_int_equal(st.days_since_patch, -1);
	fleet_instance_done(&inst);

	/* In run, with the exception facts still reported. */
	make_instance(&inst, "i-1", "", exc);
	fleet_tag_state_eval(&ctx, &inst, &st);
	assert_int_equal(st.state, TS_IN_RUN);
	assert_string_equal(st.run_id, "run-7");
	assert_string_equal(st.started_for, "run-7");
	assert_int_equal(st.exception, TS_EXCEPTED_LIVE);
	assert_true(st.exception_tagged);
	assert_true(st.has_exception_range);
	fleet_exception_range_format(st.exception_starts, st.exception_ends,
	    buf, sizeof buf);
	assert_string_equal(buf, "2026-11-20..2026-11-28");
	assert_non_null(st.exception_record);
	assert_string_equal(st.exception_record->exception_id, "a");
	fleet_instance_done(&inst);

	/* Untagged: the earliest upcoming approved record. */
	make_instance(&inst, "i-soon", "", untagged);
	fleet_tag_state_eval(&ctx, &inst, &st);
	assert_int_equal(st.state, TS_EXCEPTED_UPCOMING);
	assert_false(st.exception_tagged);
	assert_string_equal(st.exception_record->exception_id, "h");
	fleet_instance_done(&inst);

	/* A LastPatched without a zone is unreadable, never guessed. */
	make_instance(&inst, "i-none", "", garbage);
	fleet_tag_state_eval(&ctx, &inst, &st);
	assert_int_equal(st.state, TS_SCHEDULED);
	assert_false(st.last_patched_known);
	assert_true(st.last_patched_malformed);
	assert_int_equal(st.days_since_patch, -1);
	fleet_instance_done(&inst);

	/* Defaults: stale age 35 days, recent 24 hours. */
	ctx.stale_days = 0;
	ctx.recent_hours = 0;
	make_instance(&inst, "i-none", "", sched);
	fleet_tag_state_eval(&ctx, &inst, &st);
	assert_int_equal(st.state, TS_SCHEDULED);
	ctx.stale_days = 4;
	fleet_tag_state_eval(&ctx, &inst, &st);
	assert_int_equal(st.state, TS_STALE);
	ctx.stale_days = 5;
	fleet_tag_state_eval(&ctx, &inst, &st);
	assert_int_equal(st.state, TS_SCHEDULED);
	ctx.recent_hours = 24 * 6;
	fleet_tag_state_eval(&ctx, &inst, &st);
	assert_int_equal(st.state, TS_PATCHED_RECENTLY);
	fleet_instance_done(&inst);

	/* No zones array at all: windows are read in UTC. */
	ctx.zones = NULL;
	make_instance(&inst, "i-none", "", berlin);
	fleet_tag_state_eval(&ctx, &inst, &st);
	assert_int_equal(st.next_start, utc(2026, 11, 29, 2, 0, 0));
	fleet_instance_done(&inst);
	windows_done(&ws);
}

static void
test_custom_names(void **state)
{
	static const char *const custom[] = {
		"pw", "sun-0200", "pn", "r1", NULL
	};
	static const char *const defaults[] = { W, "sun-0200", R, "r1", NULL };
	const struct fleet_tag_names names = {
		.window = "pw", .patch_now = "pn",
	};
	struct windows ws;
	struct fleet_tag_ctx ctx;
	struct fleet_instance inst;
	struct fleet_tag_status st;

	(void)state;
	windows_init(&ws);
	ctx_init(&ctx, &ws, 0);
	ctx.names = &names;
	make_instance(&inst, "i-1", "", custom);
	fleet_tag_state_eval(&ctx, &inst, &st);
	assert_int_equal(st.state, TS_IN_RUN);
	assert_int_equal(st.window, 0);
	fleet_instance_done(&inst);
	/* The default keys mean nothing once renamed... */
	make_instance(&inst, "i-1", "", defaults);
	fleet_tag_state_eval(&ctx, &inst, &st);
	assert_int_equal(st.state, TS_NO_WINDOW);
	fleet_instance_done(&inst);
	/* ...while the members left NULL keep their defaults. */
	assert_string_equal(fleet_tag_names_default.exception,
	    "PatchException");
	assert_string_equal(fleet_tag_names_default.started_for,
	    "patchdeck:started-for");
	windows_done(&ws);
}

/* Control bytes, 10 KB values, impossible dates in every tag: always some
 * state, the right one, and no crash (ASan and UBSan watch). */
static void
test_hostile_values(void **state)
{
	char *big = xmalloc(10 * 1024 + 1), *digits = xmalloc(10 * 1024 + 1);
	const char *values[8];
	struct windows ws;
	struct fleet_tag_ctx ctx;
	size_t v, known;

	(void)state;
	memset(big, 'A', 10 * 1024);
	big[10 * 1024] = '\0';
	memset(digits, '9', 10 * 1024);
	digits[10 * 1024] = '\0';
	values[0] = "\x1b[31msun-0200\x1b[0m";
	values[1] = "sun-0200\n";
	values[2] = "\x7f\x01\x02\t";
	values[3] = big;
	values[4] = digits;
	values[5] = "2026-02-30";
	values[6] = "2026-02-30..2026-03-01";
	values[7] = "\xff\xfe\xe2\x80\xae";
	windows_init(&ws);
	for (known = 0; known < 2; known++) {
		ctx_init(&ctx, &ws, (int)known);
		for (v = 0; v < sizeof values / sizeof values[0]; v++) {
			struct fleet_instance inst;
			struct fleet_tag_status st;
			const char *kv[9];

			/* As the window. */
			kv[0] = W;
			kv[1] = values[v];
			kv[2] = NULL;
			make_instance(&inst, "i-none", values[v], kv);
			fleet_tag_state_eval(&ctx, &inst, &st);
			assert_int_equal(st.state, TS_UNKNOWN_WINDOW);
			fleet_instance_done(&inst);
			/* As the exception, LastPatched, launch time. */
			kv[1] = "sun-0200";
			kv[2] = X;
			kv[3] = values[v];
			kv[4] = L;
			kv[5] = values[v];
			kv[6] = NULL;
			make_instance(&inst, values[v], values[v], kv);
			fleet_tag_state_eval(&ctx, &inst, &st);
			assert_int_equal(st.state, TS_EXCEPTED_UNAPPROVED);
			assert_true(st.exception_malformed);
			assert_true(st.last_patched_malformed);
			fleet_instance_done(&inst);
			/* LastPatched alone. */
			kv[2] = L;
			kv[3] = values[v];
			kv[4] = NULL;
			make_instance(&inst, "i-none", "", kv);
			fleet_tag_state_eval(&ctx, &inst, &st);
			assert_int_equal(st.state, TS_SCHEDULED);
			assert_int_equal(st.days_since_patch, -1);
			fleet_instance_done(&inst);
			/* As the run id: still in run. */
			kv[2] = R;
			make_instance(&inst, "i-none", "", kv);
			fleet_tag_state_eval(&ctx, &inst, &st);
			assert_int_equal(st.state, TS_IN_RUN);
			assert_string_equal(st.run_id, values[v]);
			fleet_instance_done(&inst);
		}
	}
	/* A hand-built row with NULL keys and values. */
	{
		struct fleet_tag tags[2] = { { NULL, NULL }, { W, NULL } };
		struct fleet_instance inst;
		struct fleet_tag_status st;

		memset(&inst, 0, sizeof inst);
		inst.tags = tags;
		inst.ntags = 2;
		fleet_tag_state_eval(&ctx, &inst, &st);
		assert_int_equal(st.state, TS_NO_WINDOW);
	}
	windows_done(&ws);
	free(big);
	free(digits);
}

static void
test_state_names(void **state)
{
	static const struct {
		enum fleet_tag_state s;
		const char *name;
	} names[] = {
		{ TS_NO_WINDOW, "no window" },
		{ TS_UNKNOWN_WINDOW, "unknown window" },
		{ TS_SCHEDULED, "scheduled" },
		{ TS_EXCEPTED_LIVE, "excepted" },
		{ TS_EXCEPTED_UPCOMING, "exception upcoming" },
		{ TS_EXCEPTED_EXPIRED, "exception expired" },
		{ TS_EXCEPTED_UNAPPROVED, "unapproved exception" },
		{ TS_IN_RUN, "in run" },
		{ TS_PATCHED_RECENTLY, "patched" },
		{ TS_STALE, "stale" },
	};
	size_t k;

	(void)state;
	for (k = 0; k < sizeof names / sizeof names[0]; k++)
		assert_string_equal(fleet_tag_state_name(names[k].s),
		    names[k].name);
	assert_string_equal(fleet_tag_state_name((enum fleet_tag_state)99),
	    "unknown");
}

/* Labels as typed: whole in any case, or a unique beginning; anything
 * else an error naming what to type. */
static void
test_state_from_prefix(void **state)
{
	enum fleet_tag_state ts = TS_STALE;
	char *err = NULL;

	(void)state;
	assert_int_equal(fleet_tag_state_from_prefix("sched", &ts, &err), 0);
	assert_int_equal(ts, TS_SCHEDULED);
	assert_int_equal(fleet_tag_state_from_prefix("STALE", &ts, &err), 0);
	assert_int_equal(ts, TS_STALE);
	/* "excepted" is whole, though "exception ..." begin alike. */
	assert_int_equal(fleet_tag_state_from_prefix("excepted", &ts, &err),
	    0);
	assert_int_equal(ts, TS_EXCEPTED_LIVE);
	assert_int_equal(fleet_tag_state_from_prefix("exception up", &ts,
	    &err), 0);
	assert_int_equal(ts, TS_EXCEPTED_UPCOMING);
	assert_int_equal(fleet_tag_state_from_prefix("unk", &ts, &err), 0);
	assert_int_equal(ts, TS_UNKNOWN_WINDOW);

	ts = TS_IN_RUN;
	assert_int_equal(fleet_tag_state_from_prefix("exc", &ts, &err), -1);
	assert_string_equal(err, "tag state 'exc' is ambiguous: excepted, "
	    "exception upcoming, exception expired");
	free(err);
	assert_int_equal(ts, TS_IN_RUN);
	assert_int_equal(fleet_tag_state_from_prefix("bogus", &ts, &err), -1);
	assert_non_null(strstr(err, "unknown tag state 'bogus'; one of: no "
	    "window, unknown window, scheduled"));
	free(err);
	assert_int_equal(fleet_tag_state_from_prefix("", &ts, &err), -1);
	free(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_iso8601),
		cmocka_unit_test(test_exception_range),
		cmocka_unit_test(test_exception_live),
		cmocka_unit_test(test_state_table),
		cmocka_unit_test(test_state_details),
		cmocka_unit_test(test_custom_names),
		cmocka_unit_test(test_hostile_values),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_state_from_prefix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
