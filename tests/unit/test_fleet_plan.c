/*
 * test_fleet_plan.c - the plan of a window on a date: every action and
 * every exclusion reason, exceptions decided from the records (an
 * unapproved tag never excludes), platforms and counts, the order; the
 * occurrence of a date; a window's state from "now" across a DST change.
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
#include "fleet/plan.h"
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

static void
make_window(struct fleet_window *w, const char *id, const char *sched,
    const char *dur, const char *tz)
{
	char *err = NULL;

	fleet_window_init(w);
	w->id = xstrdup(id);
	w->tz_name = tz != NULL ? xstrdup(tz) : NULL;
	if (fleet_schedule_parse(sched, &w->sched, &err) != 0)
		fail_msg("%s", err);
	if (fleet_duration_parse(dur, &w->duration_min, &err) != 0)
		fail_msg("%s", err);
}

static const struct fleet_plan_member *
find(const struct fleet_plan *p, const char *id)
{
	size_t k;

	for (k = 0; k < p->n; k++)
		if (strcmp(p->v[k].in->id, id) == 0)
			return &p->v[k];
	fail_msg("%s is not a member", id);
	return NULL;
}

/* Sun 2026-12-06 00:30 Berlin = Sat 2026-12-05 23:30 UTC. */
static void
test_every_reason(void **state)
{
	struct fleet_tz berlin;
	struct fleet_window w;
	struct fleet_instance in[11];
	struct fleet_exception ex[4];
	struct fleet_plan_input pi;
	struct fleet_plan p;
	const struct fleet_plan_member *m;
	char buf[160], *err = NULL;
	size_t k;

	(void)state;
	fleetfix_zone("Europe/Berlin", &berlin);
	make_window(&w, "sun-0200", "sun 00:30", "20m", "Europe/Berlin");
	fleetfix_instance(&in[0], "i-patch", "web-1", "running", "Online", "linux",
	    "sun-0200", NULL);
	fleetfix_instance(&in[1], "i-win", "app-1", "running", "Online", "Windows",
	    "sun-0200", NULL);
	fleetfix_instance(&in[2], "i-stopped", "db-1", "stopped", "ConnectionLost",
	    "linux", "sun-0200", NULL);
	fleetfix_instance(&in[3], "i-term", "old-1", "terminated", "", "linux",
	    "sun-0200", NULL);
	fleetfix_instance(&in[4], "i-nossm", "raw-1", "running", "", "linux",
	    "sun-0200", NULL);
	fleetfix_instance(&in[5], "i-offline", "lost-1", "running", "ConnectionLost",
	    "linux", "sun-0200", NULL);
	in[5].last_ping = utc(2026, 12, 4, 9, 30);
	/* Approved exception on the local Sunday only: still excluded
	 * although the window starts on Saturday in UTC. */
	fleetfix_instance(&in[6], "i-exc", "bid-1", "running", "Online", "linux",
	    "sun-0200", "2026-12-06..2026-12-06");
	/* A tag without any record: flagged, patched. */
	fleetfix_instance(&in[7], "i-unappr", "sneaky-1", "running", "Online",
	    "linux", "sun-0200", "2026-12-01..2026-12-31");
	/* A pending record and no tag: patched, nothing flagged. */
	fleetfix_instance(&in[8], "i-pending", "wait-1", "running", "Online",
	    "linux", "sun-0200", NULL);
	/* Another window, and a near miss of the id. */
	fleetfix_instance(&in[9], "i-other", "x", "running", "Online", "linux",
	    "mon-0200", NULL);
	fleetfix_instance(&in[10], "i-case", "y", "running", "Online", "linux",
	    "SUN-0200", NULL);
	fleetfix_exception(&ex[0], "i-exc", "EXC-1", "2026-12-06", "2026-12-06",
	    "APPROVED");
	fleetfix_exception(&ex[1], "i-pending", "EXC-2", "2026-12-01", "2026-12-31",
	    "PENDING");
	/* Approved but self-approved: fails the four-eyes check. */
	fleetfix_exception(&ex[2], "i-patch", "EXC-3", "2026-12-01", "2026-12-31",
	    "APPROVED");
	free(ex[2].decided_by);
	ex[2].decided_by = xstrdup(ex[2].requested_by);
	/* Approved for another month: no cover. */
	fleetfix_exception(&ex[3], "i-win", "EXC-4", "2027-01-01", "2027-01-05",
	    "APPROVED");

	memset(&pi, 0, sizeof pi);
	pi.window = &w;
	pi.tz = &berlin;
	assert_int_equal(fleet_date_parse("2026-12-06", &pi.date), 0);
	assert_int_equal(fleet_window_occurrence_on(&w, &berlin, pi.date,
	    &pi.occ.start, &pi.occ.end, &err), 0);
	/* Sun 00:30 CET for 20 min: Sat 23:30-23:50 in UTC. */
	assert_true(pi.occ.start == utc(2026, 12, 5, 23, 30));
	assert_true(pi.occ.end == utc(2026, 12, 5, 23, 50));
	pi.instances = in;
	pi.ninstances = 11;
	pi.exceptions = ex;
	pi.nexceptions = 4;
	pi.exceptions_known = 1;
	fleet_plan_build(&pi, &p);

	assert_int_equal(p.n, 9);
	assert_int_equal(p.actions[FLEET_PLAN_PATCH], 4);
	assert_int_equal(p.actions[FLEET_PLAN_WAKE], 1);
	assert_int_equal(p.actions[FLEET_PLAN_EXCLUDED], 3);
	assert_int_equal(p.actions[FLEET_PLAN_UNREACHABLE], 1);
	assert_int_equal(p.platforms[FLEET_PLAT_WINDOWS], 1);
	assert_int_equal(p.platforms[FLEET_PLAT_LINUX], 8);
	assert_int_equal(p.to_patch[FLEET_PLAT_WINDOWS], 1);
	assert_int_equal(p.to_patch[FLEET_PLAT_LINUX], 4);
	assert_int_equal(p.unapproved, 1);

	m = find(&p, "i-patch");
	assert_int_equal(m->action, FLEET_PLAN_PATCH);
	assert_int_equal(m->reason, FLEET_PLAN_R_NONE);
	assert_string_equal(fleet_plan_reason_text(m, 15, buf, sizeof buf),
	    "");
	m = find(&p, "i-win");
	assert_int_equal(m->action, FLEET_PLAN_PATCH);
	assert_int_equal(m->platform, FLEET_PLAT_WINDOWS);
	m = find(&p, "i-stopped");
	assert_int_equal(m->action, FLEET_PLAN_WAKE);
	assert_string_equal(fleet_plan_reason_name(m->reason), "stopped");
	assert_string_equal(fleet_plan_reason_text(m, 15, buf, sizeof buf),
	    "stopped: started 15 min before the window");
	m = find(&p, "i-term");
	assert_int_equal(m->action, FLEET_PLAN_EXCLUDED);
	assert_string_equal(fleet_plan_reason_name(m->reason), "terminated");
	m = find(&p, "i-nossm");
	assert_int_equal(m->action, FLEET_PLAN_EXCLUDED);
	assert_string_equal(fleet_plan_reason_name(m->reason), "not_managed");
	assert_string_equal(fleet_plan_reason_text(m, 15, buf, sizeof buf),
	    "not managed by SSM");
	m = find(&p, "i-offline");
	assert_int_equal(m->action, FLEET_PLAN_UNREACHABLE);
	assert_string_equal(fleet_plan_reason_name(m->reason), "ssm_offline");
	assert_string_equal(fleet_plan_reason_text(m, 15, buf, sizeof buf),
	    "SSM ConnectionLost, last ping 2026-12-04 09:30 UTC");
	m = find(&p, "i-exc");
	assert_int_equal(m->action, FLEET_PLAN_EXCLUDED);
	assert_string_equal(fleet_plan_reason_name(m->reason), "exception");
	assert_ptr_equal(m->exception, &ex[0]);
	assert_string_equal(fleet_plan_reason_text(m, 15, buf, sizeof buf),
	    "exception EXC-1 approved 2026-12-06..2026-12-06: audit");
	m = find(&p, "i-unappr");
	assert_int_equal(m->action, FLEET_PLAN_PATCH);
	assert_true(m->unapproved_tag);
	assert_string_equal(fleet_plan_reason_text(m, 15, buf, sizeof buf),
	    "exception tag not approved: patched anyway");
	m = find(&p, "i-pending");
	assert_int_equal(m->action, FLEET_PLAN_PATCH);
	assert_false(m->unapproved_tag);

	/* The order: unreachable, wake, excluded, flagged patch, patch. */
	assert_string_equal(p.v[0].in->id, "i-offline");
	assert_string_equal(p.v[1].in->id, "i-stopped");
	assert_int_equal(p.v[2].action, FLEET_PLAN_EXCLUDED);
	assert_int_equal(p.v[4].action, FLEET_PLAN_EXCLUDED);
	assert_string_equal(p.v[5].in->id, "i-unappr");
	assert_string_equal(p.v[6].in->name, "app-1");
	fleet_plan_done(&p);

	/* A week later the exception is over. */
	assert_int_equal(fleet_date_parse("2026-12-13", &pi.date), 0);
	assert_int_equal(fleet_window_occurrence_on(&w, &berlin, pi.date,
	    &pi.occ.start, &pi.occ.end, NULL), 0);
	fleet_plan_build(&pi, &p);
	assert_int_equal(find(&p, "i-exc")->action, FLEET_PLAN_PATCH);
	fleet_plan_done(&p);

	/* Records never read: a valid tag cannot be called unapproved. */
	pi.exceptions_known = 0;
	pi.nexceptions = 0;
	fleet_plan_build(&pi, &p);
	assert_int_equal(p.unapproved, 0);
	fleet_plan_done(&p);

	for (k = 0; k < 11; k++)
		fleet_instance_done(&in[k]);
	for (k = 0; k < 4; k++)
		fleet_exception_done(&ex[k]);
	fleet_window_done(&w);
	fleet_tz_done(&berlin);
}

static void
test_malformed_tag_flagged(void **state)
{
	struct fleet_window w;
	struct fleet_instance in;
	struct fleet_plan_input pi;
	struct fleet_plan p;

	(void)state;
	make_window(&w, "daily", "daily 01:00", "1h", NULL);
	fleetfix_instance(&in, "i-1", "a", "running", "Online", "linux", "daily",
	    "2026-02-30..2026-03-01");
	memset(&pi, 0, sizeof pi);
	pi.window = &w;
	assert_int_equal(fleet_date_parse("2026-12-06", &pi.date), 0);
	assert_int_equal(fleet_window_occurrence_on(&w, NULL, pi.date,
	    &pi.occ.start, &pi.occ.end, NULL), 0);
	assert_true(pi.occ.start == utc(2026, 12, 6, 1, 0));
	pi.instances = &in;
	pi.ninstances = 1;
	fleet_plan_build(&pi, &p);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.v[0].action, FLEET_PLAN_PATCH);
	assert_true(p.v[0].unapproved_tag);
	fleet_plan_done(&p);
	fleet_instance_done(&in);
	fleet_window_done(&w);
}

static void
test_occurrence_of_date(void **state)
{
	struct fleet_tz berlin;
	struct fleet_window w;
	struct fleet_occurrence o;
	struct fleet_date d;
	char *err = NULL;

	(void)state;
	fleetfix_zone("Europe/Berlin", &berlin);
	make_window(&w, "sun-0200", "sun 02:00", "3h", "Europe/Berlin");
	assert_int_equal(fleet_date_parse("2026-12-08", &d), 0);
	assert_int_equal(fleet_window_occurrence_on(&w, &berlin, d,
	    &o.start, &o.end, &err), -1);
	assert_string_equal(err, "window sun-0200 has no occurrence on "
	    "2026-12-08 (a Tuesday; next: 2026-12-13)");
	free(err);
	/* Summer time: 02:00 CEST = 00:00 UTC. */
	assert_int_equal(fleet_date_parse("2026-07-05", &d), 0);
	assert_int_equal(fleet_window_occurrence_on(&w, &berlin, d,
	    &o.start, &o.end, NULL), 0);
	assert_true(o.start == utc(2026, 7, 5, 0, 0));
	assert_true(o.end == utc(2026, 7, 5, 3, 0));
	/* The spring-forward night: 02:00 does not exist, 03:00 CEST. */
	assert_int_equal(fleet_date_parse("2026-03-29", &d), 0);
	assert_int_equal(fleet_window_occurrence_on(&w, &berlin, d,
	    &o.start, &o.end, NULL), 0);
	assert_true(o.start == utc(2026, 3, 29, 1, 0));
	fleet_window_done(&w);
	fleet_tz_done(&berlin);
}

/* The overview's states across the autumn change in Berlin (2026-10-25,
 * 03:00 CEST -> 02:00 CET). */
static void
test_when_across_dst(void **state)
{
	struct fleet_tz berlin;
	struct fleet_window w, m;
	struct fleet_occurrence o;
	char buf[96];
	long long now;

	(void)state;
	fleetfix_zone("Europe/Berlin", &berlin);
	make_window(&w, "sun-0200", "sun 02:00", "3h", "Europe/Berlin");
	/* Sat 2026-10-24 22:20 UTC = 00:20 CEST: the window opens at 02:00
	 * CEST = 00:00 UTC, 1 h 40 min later. */
	now = utc(2026, 10, 24, 22, 20);
	assert_int_equal(fleet_window_when(&w, &berlin, now, &o),
	    FLEET_WHEN_SOON);
	assert_true(o.start == utc(2026, 10, 25, 0, 0));
	assert_string_equal(fleet_window_when_text(&w, &berlin,
	    FLEET_WHEN_SOON, &o, now, buf, sizeof buf), "opens in 1 h 40 min");
	/* In it, after the clocks went back: 3 h of real time, so it ends
	 * at 03:00 UTC = 04:00 CET. */
	now = utc(2026, 10, 25, 1, 30);
	assert_int_equal(fleet_window_when(&w, &berlin, now, &o),
	    FLEET_WHEN_RUNNING);
	assert_true(o.end == utc(2026, 10, 25, 3, 0));
	assert_string_equal(fleet_window_when_text(&w, &berlin,
	    FLEET_WHEN_RUNNING, &o, now, buf, sizeof buf),
	    "running, 1 h 30 min left");
	/* Just after it: next Sunday 02:00 CET = 01:00 UTC. */
	now = utc(2026, 10, 25, 3, 0);
	assert_int_equal(fleet_window_when(&w, &berlin, now, &o),
	    FLEET_WHEN_LATER);
	assert_true(o.start == utc(2026, 11, 1, 1, 0));
	assert_string_equal(fleet_window_when_text(&w, &berlin,
	    FLEET_WHEN_LATER, &o, now, buf, sizeof buf),
	    "Sun 1 Nov 02:00 Berlin");
	/* Within the week: the weekday alone. */
	now = utc(2026, 10, 27, 12, 0);
	assert_int_equal(fleet_window_when(&w, &berlin, now, &o),
	    FLEET_WHEN_LATER);
	assert_string_equal(fleet_window_when_text(&w, &berlin,
	    FLEET_WHEN_LATER, &o, now, buf, sizeof buf),
	    "next Sun 02:00 Berlin");
	/* Sat 23:30 UTC, after the change one week later: opens in 1 h 30
	 * min (01:00 UTC), where in summer time it would be 30 min. */
	now = utc(2026, 10, 31, 23, 30);
	assert_int_equal(fleet_window_when(&w, &berlin, now, &o),
	    FLEET_WHEN_SOON);
	assert_string_equal(fleet_window_when_text(&w, &berlin,
	    FLEET_WHEN_SOON, &o, now, buf, sizeof buf), "opens in 1 h 30 min");
	/* A zone with '_' and no zone at all. */
	make_window(&m, "m", "daily 05:00", "1h", "America/New_York");
	o.start = utc(2026, 11, 2, 10, 0);
	o.end = o.start + 3600;
	assert_string_equal(fleet_window_when_text(&m, NULL, FLEET_WHEN_LATER,
	    &o, o.start - 2 * 86400, buf, sizeof buf),
	    "next Mon 10:00 New York");
	fleet_window_done(&m);
	fleet_window_done(&w);
	fleet_tz_done(&berlin);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(fleet_plan_action_name(FLEET_PLAN_PATCH), "patch");
	assert_string_equal(fleet_plan_action_name(FLEET_PLAN_WAKE), "wake");
	assert_string_equal(fleet_plan_action_name(FLEET_PLAN_EXCLUDED),
	    "excluded");
	assert_string_equal(fleet_plan_action_name(FLEET_PLAN_UNREACHABLE),
	    "unreachable");
	assert_int_equal(fleet_plan_platform_of("WINDOWS"), FLEET_PLAT_WINDOWS);
	assert_int_equal(fleet_plan_platform_of("Linux"), FLEET_PLAT_LINUX);
	assert_int_equal(fleet_plan_platform_of(""), FLEET_PLAT_LINUX);
	assert_int_equal(fleet_plan_platform_of("MacOS"), FLEET_PLAT_OTHER);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_reason),
		cmocka_unit_test(test_malformed_tag_flagged),
		cmocka_unit_test(test_occurrence_of_date),
		cmocka_unit_test(test_when_across_dst),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
