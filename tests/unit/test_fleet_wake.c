/*
 * test_fleet_wake.c - prepare's pure parts (fleet/wake.h): the
 * patchdeck:started-for value (format, parse back, hostile values), the
 * window's date (an occurrence on a local date, across midnight in the
 * window's zone), and which instance prepare and its undo act on (an
 * approved exception record on the local or a UTC date of the night).
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
#include "fleet/exception.h"
#include "fleet/tz.h"
#include "fleet/wake.h"
#include "fleet/window.h"
#include "ops/config.h"
#include "util/util.h"

static struct fleet_date
date(int y, int m, int d)
{
	struct fleet_date x;

	x.year = y;
	x.month = m;
	x.day = d;
	return x;
}

static void
test_tag_roundtrip(void **state)
{
	static const char *const windows[] = {
		"sun-0200", "2nd-tue+3d-0100", "a@b", "x@2026-01-01", "@@", "w",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof windows / sizeof windows[0]; i++) {
		struct fleet_date d = date(2026, 12, 13), back;
		char *v = fleet_wake_tag_format(windows[i], d), *w = NULL;

		assert_non_null(v);
		assert_int_equal(fleet_wake_tag_parse(v, &w, &back), 0);
		assert_string_equal(w, windows[i]);
		assert_int_equal(fleet_date_cmp(back, d), 0);
		free(w);
		free(v);
	}
	{
		char *v = fleet_wake_tag_format("sun-0200", date(2027, 1, 3));

		assert_string_equal(v, "sun-0200@2027-01-03");
		free(v);
	}
}

static void
test_tag_bad(void **state)
{
	static const char *const bad[] = {
		"", "sun-0200", "sun-0200@", "@2026-12-13",
		"sun-0200@2026-13-01", "sun-0200@2026-02-30",
		"sun-0200@2026-12-13 ", "sun-0200@26-12-13",
		"sun-0200@2026-12-13@", "sun-0200/2026-12-13",
	};
	size_t i;
	char big[300];

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *w = (char *)"untouched";
		struct fleet_date d = date(1, 1, 1);

		assert_int_equal(fleet_wake_tag_parse(bad[i], &w, &d), -1);
		assert_string_equal(w, "untouched");
		assert_int_equal(d.year, 1);
	}
	assert_int_equal(fleet_wake_tag_parse(NULL, NULL, NULL), -1);
	/* too long for a tag value, or empty: no value */
	memset(big, 'w', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_null(fleet_wake_tag_format(big, date(2026, 1, 1)));
	assert_null(fleet_wake_tag_format("", date(2026, 1, 1)));
	big[FLEET_WAKE_TAG_MAX - 11] = '\0';	/* exactly 256 with "@date" */
	{
		char *v = fleet_wake_tag_format(big, date(2026, 1, 1));

		assert_non_null(v);
		assert_int_equal(strlen(v), FLEET_WAKE_TAG_MAX);
		free(v);
	}
}

/* A window "w" of schedule sched lasting minutes, in zone tz_name. */
static void
window_at(struct fleet_window *w, const char *sched, int minutes,
    struct fleet_tz *tz, const char *tz_name)
{
	char *err = NULL;

	fleet_window_init(w);
	w->id = xstrdup("w");
	w->duration_min = minutes;
	if (fleet_schedule_parse(sched, &w->sched, &err) != 0 ||
	    config_load_zone(tz_name, tz, &err) != 0)
		fail_msg("%s", err);
}

static void
test_occurrence_on(void **state)
{
	struct fleet_window w;
	struct fleet_tz tz;
	long long s, e;
	char *err = NULL;
	struct fleet_date d;

	(void)state;
	/* Sunday 00:30 Berlin is Saturday 23:30 UTC: the date is the
	 * window's own, Sunday. */
	window_at(&w, "sun 00:30", 120, &tz, "Europe/Berlin");
	assert_int_equal(fleet_window_occurrence_on(&w, &tz, date(2026, 12, 13),
	    &s, &e, &err), 0);
	assert_int_equal(s, fleet_date_days_from_civil(2026, 12, 12) * 86400 +
	    23 * 3600 + 30 * 60);
	assert_int_equal(e - s, 2 * 3600);
	d = fleet_window_local_date(&tz, s);
	assert_int_equal(fleet_date_cmp(d, date(2026, 12, 13)), 0);
	/* Saturday (the UTC date of the start) is not a window date. */
	assert_int_equal(fleet_window_occurrence_on(&w, &tz, date(2026, 12, 12),
	    &s, &e, &err), -1);
	assert_non_null(strstr(err, "no occurrence on 2026-12-12"));
	assert_non_null(strstr(err, "next: 2026-12-13"));
	free(err);
	err = NULL;
	/* The day of the spring-forward gap. */
	fleet_window_done(&w);
	fleet_tz_done(&tz);
	window_at(&w, "sun 02:30", 60, &tz, "Europe/Berlin");
	assert_int_equal(fleet_window_occurrence_on(&w, &tz, date(2026, 3, 29),
	    &s, &e, &err), 0);
	d = fleet_window_local_date(&tz, s);
	assert_int_equal(fleet_date_cmp(d, date(2026, 3, 29)), 0);
	fleet_window_done(&w);
	fleet_tz_done(&tz);
}

/* Window w1 on Sunday 2026-12-13, 00:30-02:30 Berlin (Saturday 23:30 -
 * Sunday 01:30 UTC), no exception records. */
static void
night(struct fleet_wake_when *w)
{
	memset(w, 0, sizeof *w);
	w->window = "w1";
	w->tag = "w1@2026-12-13";
	w->date = date(2026, 12, 13);
	w->start = fleet_date_days_from_civil(2026, 12, 12) * 86400 +
	    23 * 3600 + 30 * 60;
	w->end = w->start + 2 * 3600;
}

static void
test_decide(void **state)
{
	static const struct {
		const char *state, *window, *started;
		enum fleet_wake_action want;
	} cases[] = {
		{ "stopped", "w1", NULL, FLEET_WAKE_START },
		/* another date's leftover tag: started again, tag replaced */
		{ "stopped", "w1", "w1@2026-12-06", FLEET_WAKE_START },
		{ "stopped", "w1", "w1@2026-12-13", FLEET_WAKE_START },
		{ "running", "w1", NULL, FLEET_WAKE_RUNNING },
		{ "running", "w1", "w1@2026-12-06", FLEET_WAKE_RUNNING },
		{ "running", "w1", "w1@2026-12-13", FLEET_WAKE_WAIT },
		{ "pending", "w1", "w1@2026-12-13", FLEET_WAKE_WAIT },
		{ "pending", "w1", NULL, FLEET_WAKE_BUSY },
		{ "stopping", "w1", NULL, FLEET_WAKE_BUSY },
		{ "terminated", "w1", NULL, FLEET_WAKE_NONE },
		{ "shutting-down", "w1", NULL, FLEET_WAKE_NONE },
		{ "stopped", "w2", NULL, FLEET_WAKE_NONE },
		{ "stopped", "W1", NULL, FLEET_WAKE_NONE },
		{ "stopped", "w1\xe2\x80\x8b", NULL, FLEET_WAKE_NONE },
		{ "stopped", NULL, NULL, FLEET_WAKE_NONE },
		{ NULL, "w1", NULL, FLEET_WAKE_BUSY },
	};
	struct fleet_wake_when w;
	size_t i;

	(void)state;
	night(&w);
	w.start = w.end = 0;	/* the local date alone */
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct fleet_wake_in in;
		const char *why = NULL;
		enum fleet_wake_action a;

		in.id = "i-1";
		in.state = cases[i].state;
		in.window_tag = cases[i].window;
		in.started_for = cases[i].started;
		a = fleet_wake_decide(&in, &w, &why);
		if (a != cases[i].want)
			fail_msg("case %zu: %s, want %s", i,
			    fleet_wake_action_name(a),
			    fleet_wake_action_name(cases[i].want));
		assert_non_null(why);
	}
}

static void
rec(struct fleet_exception *e, const char *id, const char *starts,
    const char *ends, const char *status)
{
	memset(e, 0, sizeof *e);
	e->instance_id = xstrdup(id);
	e->exception_id = xstrdup("x1");
	e->starts = xstrdup(starts);
	e->ends = xstrdup(ends);
	e->status = xstrdup(status);
	e->requested_by = xstrdup("arn:aws:iam::123456789012:user/alice");
	e->decided_by = xstrdup("arn:aws:iam::123456789012:user/bob");
}

/* night(): its local date is the 13th, its UTC dates the 12th and the
 * 13th. */
static void
test_excepted(void **state)
{
	static const struct {
		const char *starts, *ends, *status;
		int want;
	} cases[] = {
		{ "2026-12-13", "2026-12-13", "APPROVED", 1 },
		{ "2026-12-12", "2026-12-12", "APPROVED", 1 },	/* UTC date */
		{ "2026-12-01", "2026-12-31", "APPROVED", 1 },
		{ "2026-12-14", "2026-12-20", "APPROVED", 0 },
		{ "2026-12-01", "2026-12-11", "APPROVED", 0 },
		{ "2026-12-13", "2026-12-13", "PENDING", 0 },
		{ "2026-12-13", "2026-12-13", "REJECTED", 0 },
		{ "2026-12-13", "2026-12-13", "REVOKED", 0 },
		{ "2026-12-13", "2026-12-13", "approved", 0 },
		{ "2026-12-13", "2026-12-10", "APPROVED", 0 },	/* backwards */
		{ "2026-12-13", "garbage", "APPROVED", 0 },
	};
	struct fleet_wake_when w;
	struct fleet_wake_in in;
	struct fleet_exception e[2];
	const char *why;
	size_t i;

	(void)state;
	night(&w);
	in.id = "i-2";
	in.state = "stopped";
	in.window_tag = "w1";
	in.started_for = NULL;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		rec(&e[0], "i-1", "2026-12-01", "2026-12-31", "APPROVED");
		rec(&e[1], "i-2", cases[i].starts, cases[i].ends,
		    cases[i].status);
		w.exc = e;
		w.nexc = 2;
		if (fleet_wake_excepted(&w, "i-2") != cases[i].want)
			fail_msg("case %zu: want %d", i, cases[i].want);
		assert_int_equal(fleet_wake_decide(&in, &w, &why),
		    cases[i].want ? FLEET_WAKE_EXCEPTED : FLEET_WAKE_START);
		/* another instance's record never counts */
		assert_int_equal(fleet_wake_excepted(&w, "i-3"), 0);
		fleet_exception_done(&e[0]);
		fleet_exception_done(&e[1]);
	}
	/* No records known: nothing is excepted. */
	w.exc = NULL;
	w.nexc = 0;
	assert_int_equal(fleet_wake_decide(&in, &w, &why), FLEET_WAKE_START);
}

static void
test_decide_undo(void **state)
{
	static const struct {
		const char *state, *started;
		enum fleet_wake_action want;
	} cases[] = {
		{ "running", "w1@2026-12-13", FLEET_WAKE_STOP },
		{ "pending", "w1@2026-12-13", FLEET_WAKE_STOP },
		{ "stopped", "w1@2026-12-13", FLEET_WAKE_UNTAG },
		{ "stopping", "w1@2026-12-13", FLEET_WAKE_UNTAG },
		{ "terminated", "w1@2026-12-13", FLEET_WAKE_NONE },
		/* never stopped: running before (no tag), or another date */
		{ "running", NULL, FLEET_WAKE_NONE },
		{ "running", "w1@2026-12-06", FLEET_WAKE_NONE },
		{ "running", "w1@2026-12-13 ", FLEET_WAKE_NONE },
		{ "running", "W1@2026-12-13", FLEET_WAKE_NONE },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct fleet_wake_in in;

		memset(&in, 0, sizeof in);
		in.state = cases[i].state;
		in.window_tag = "anything";
		in.started_for = cases[i].started;
		assert_int_equal(fleet_wake_decide_undo(&in, "w1@2026-12-13"),
		    cases[i].want);
	}
	assert_true(fleet_wake_action_changes(FLEET_WAKE_START));
	assert_true(fleet_wake_action_changes(FLEET_WAKE_STOP));
	assert_true(fleet_wake_action_changes(FLEET_WAKE_UNTAG));
	assert_false(fleet_wake_action_changes(FLEET_WAKE_WAIT));
	assert_false(fleet_wake_action_changes(FLEET_WAKE_RUNNING));
	assert_false(fleet_wake_action_changes(FLEET_WAKE_EXCEPTED));
	assert_string_equal(fleet_wake_action_name(FLEET_WAKE_EXCEPTED),
	    "excepted");
	assert_string_equal(fleet_wake_action_name((enum fleet_wake_action)99),
	    "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tag_roundtrip),
		cmocka_unit_test(test_tag_bad),
		cmocka_unit_test(test_occurrence_on),
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_excepted),
		cmocka_unit_test(test_decide_undo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
