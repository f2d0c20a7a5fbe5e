/*
 * test_plan.c - ops/plan: a plan from an inventory (members, the default
 * date, --date, an unknown window, no occurrence, not a date, exception
 * records in the cache's order) and the overview (states, counts at
 * risk, pre-checks unknown, the order: running, opening within 24 h,
 * the rest).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/cache.h"
#include "cache/prechecks.h"
#include "fleet/date.h"
#include "fleetfix.h"
#include "ops/config.h"
#include "ops/inventory.h"
#include "ops/plan.h"
#include "util/util.h"

static struct config cfg;

static long long
utc(int y, int m, int d, int h, int mi)
{
	return fleet_date_days_from_civil(y, m, d) * 86400 + h * 3600 +
	    mi * 60;
}

static int
setup_cfg(void **state)
{
	(void)state;
	/* Listed in the order the overview must NOT keep. */
	return fleetfix_config("[window tue-2200]\nschedule = tue 22:00\n"
	    "duration = 1h\ntimezone = Europe/Berlin\n"
	    "[window sun-0200]\nschedule = sun 02:00\nduration = 3h\n"
	    "timezone = Europe/Berlin\n"
	    "[window sat-2200]\nschedule = sat 22:00\nduration = 2h\n", &cfg);
}

static int
teardown_cfg(void **state)
{
	(void)state;
	config_free(&cfg);
	return 0;
}

static void
inst(struct fleet_instance *i, const char *id, const char *state,
    const char *ping, const char *window, const char *exc)
{
	fleetfix_instance(i, id, id, state, ping, "linux", window, exc);
	i->fetched_at = utc(2026, 10, 24, 20, 0);
}

static void
record(struct fleet_exception *e, const char *iid, const char *eid)
{
	fleetfix_exception(e, iid, eid, "2026-10-20", "2026-10-30",
	    "APPROVED");
	free(e->reason);
	e->reason = xstrdup("close");
}

/* Seven instances: five of sun-0200 (patch, offline, stopped, excepted,
 * unapproved tag), one of sat-2200, one of tue-2200.  Records in the
 * cache's order (instance_id). */
static void
load(struct inventory *inv, long long now)
{
	struct fleet_instance *v = xcalloc(7, sizeof *v);
	struct excache x;

	inst(&v[0], "i-a", "running", "Online", "sun-0200", NULL);
	inst(&v[1], "i-b", "running", "ConnectionLost", "sun-0200", NULL);
	inst(&v[2], "i-c", "stopped", "ConnectionLost", "sun-0200", NULL);
	inst(&v[3], "i-d", "running", "Online", "sun-0200",
	    "2026-10-20..2026-10-30");
	inst(&v[4], "i-e", "running", "Online", "sun-0200",
	    "2026-10-20..2026-10-30");
	inst(&v[5], "i-f", "running", "Online", "sat-2200", NULL);
	inst(&v[6], "i-g", "running", "", "tue-2200", NULL);
	inventory_take(inv, v, 7, &cfg, now);
	memset(&x, 0, sizeof x);
	x.v = xcalloc(2, sizeof *x.v);
	x.n = 2;
	record(&x.v[0], "i-0", "other");
	record(&x.v[1], "i-d", "exc-d");
	x.fetched_at = utc(2026, 10, 24, 21, 0);
	inventory_set_exceptions(inv, &x);
	excache_done(&x);
}

static void
test_plan_make(void **state)
{
	long long now = utc(2026, 10, 24, 22, 20);
	struct inventory inv;
	struct plan p;
	char *err = NULL, day[16];

	(void)state;
	load(&inv, now);
	assert_int_equal(plan_make(&p, &inv, &cfg, "sun-0200", NULL, now,
	    &err), 0);
	fleet_date_format(p.date, day, sizeof day);
	assert_string_equal(day, "2026-10-25");
	assert_true(p.occ.start == utc(2026, 10, 25, 0, 0));
	assert_false(p.in_progress);
	assert_int_equal(p.p.n, 5);
	assert_int_equal(p.p.actions[FLEET_PLAN_PATCH], 2);
	assert_int_equal(p.p.actions[FLEET_PLAN_UNREACHABLE], 1);
	assert_int_equal(p.p.actions[FLEET_PLAN_WAKE], 1);
	assert_int_equal(p.p.actions[FLEET_PLAN_EXCLUDED], 1);
	assert_int_equal(p.p.unapproved, 1);
	assert_true(p.oldest == utc(2026, 10, 24, 20, 0));
	assert_true(p.exceptions_fetched_at == utc(2026, 10, 24, 21, 0));
	assert_int_equal(plan_precheck_failing(&p, NULL),
	    PLAN_PRECHECK_UNKNOWN);
	plan_done(&p);

	/* In progress (sat-2200 runs 22:00-00:00 UTC). */
	assert_int_equal(plan_make(&p, &inv, &cfg, "sat-2200", NULL, now,
	    &err), 0);
	assert_true(p.in_progress);
	assert_int_equal(p.p.n, 1);
	plan_done(&p);

	/* A date a week on: the exception is over. */
	assert_int_equal(plan_make(&p, &inv, &cfg, "sun-0200", "2026-11-01",
	    now, &err), 0);
	assert_true(p.occ.start == utc(2026, 11, 1, 1, 0));
	assert_int_equal(p.p.actions[FLEET_PLAN_EXCLUDED], 0);
	plan_done(&p);

	assert_int_equal(plan_make(&p, &inv, &cfg, "SUN-0200", NULL, now,
	    &err), PLAN_ERR_UNKNOWN_WINDOW);
	assert_string_equal(err, "unknown window 'SUN-0200'; configured: "
	    "tue-2200, sun-0200, sat-2200");
	free(err);
	assert_int_equal(plan_make(&p, &inv, &cfg, "sun-0200", "2026-10-26",
	    now, &err), PLAN_ERR_DATE);
	assert_string_equal(err, "window sun-0200 has no occurrence on "
	    "2026-10-26 (a Monday; next: 2026-11-01)");
	free(err);
	assert_int_equal(plan_make(&p, &inv, &cfg, "sun-0200", "26-10-2026",
	    now, &err), PLAN_ERR_DATE);
	free(err);
	inventory_free(&inv);
}

static void
test_overview(void **state)
{
	long long now = utc(2026, 10, 24, 22, 20);
	struct plan_window_row *rows;
	struct inventory inv;
	size_t n;

	(void)state;
	load(&inv, now);
	n = plan_overview(&inv, &cfg, NULL, now, &rows);
	assert_int_equal(n, 3);
	assert_string_equal(cfg.windows[rows[0].window].id, "sat-2200");
	assert_int_equal(rows[0].when, FLEET_WHEN_RUNNING);
	assert_string_equal(rows[0].when_text, "running, 1 h 40 min left");
	assert_string_equal(cfg.windows[rows[1].window].id, "sun-0200");
	assert_int_equal(rows[1].when, FLEET_WHEN_SOON);
	assert_string_equal(rows[1].when_text, "opens in 1 h 40 min");
	assert_int_equal(rows[1].members, 5);
	assert_int_equal(rows[1].offline, 1);
	assert_int_equal(rows[1].stopped, 1);
	assert_int_equal(rows[1].excepted, 1);
	assert_int_equal(rows[1].unapproved, 1);
	assert_int_equal(rows[1].precheck_failing, PLAN_PRECHECK_UNKNOWN);
	assert_string_equal(cfg.windows[rows[2].window].id, "tue-2200");
	assert_int_equal(rows[2].when, FLEET_WHEN_LATER);
	assert_string_equal(rows[2].when_text, "next Tue 22:00 Berlin");
	assert_int_equal(rows[2].not_managed, 1);
	free(rows);

	/* Monday noon: nothing within 24 h; by next start. */
	now = utc(2026, 10, 26, 12, 0);
	n = plan_overview(&inv, &cfg, NULL, now, &rows);
	assert_int_equal(n, 3);
	assert_int_equal(rows[0].when, FLEET_WHEN_LATER);
	assert_string_equal(cfg.windows[rows[0].window].id, "tue-2200");
	assert_string_equal(cfg.windows[rows[1].window].id, "sat-2200");
	assert_string_equal(cfg.windows[rows[2].window].id, "sun-0200");
	free(rows);
	inventory_free(&inv);
}

/* Verdicts from the cache: the newest per id across targets, counted
 * for the members only; a failed one sorts first among the patched. */
static void
test_prechecks(void **state)
{
	long long now = utc(2026, 10, 24, 22, 20);
	struct cache_precheck rows[4];
	struct plan_prechecks pc;
	struct plan_window_row *ov;
	struct inventory inv;
	struct cache *c = NULL;
	struct plan p;
	char *err = NULL, buf[256];
	size_t k;

	(void)state;
	load(&inv, now);
	assert_int_equal(cache_open_memory(&c, &err), 0);
	/* Nothing stored: unknown, not 0. */
	assert_int_equal(plan_prechecks_load(&pc, c, &err), 0);
	assert_int_equal(pc.n, 0);
	assert_int_equal(plan_make(&p, &inv, &cfg, "sun-0200", NULL, now,
	    &err), 0);
	assert_int_equal(plan_precheck_failing(&p, &pc),
	    PLAN_PRECHECK_UNKNOWN);
	plan_prechecks_done(&pc);

	memset(rows, 0, sizeof rows);
	rows[0].target = "prod/eu-west-1";
	rows[0].instance_id = "i-e";
	rows[0].checked_at = now - 600;
	rows[0].failed = 1;
	rows[0].reason = "disk: / 2% free";
	rows[1].target = "old/eu-west-1";	/* older, passed: ignored */
	rows[1].instance_id = "i-a";
	rows[1].checked_at = now - 86400;
	rows[1].failed = 0;
	rows[1].reason = "";
	rows[2].target = "prod/eu-west-1";	/* newest of i-a: failed */
	rows[2].instance_id = "i-a";
	rows[2].checked_at = now - 60;
	rows[2].failed = 1;
	rows[2].reason = "repository unreachable";
	rows[3].target = "prod/eu-west-1";	/* not a member */
	rows[3].instance_id = "i-f";
	rows[3].checked_at = now - 60;
	rows[3].failed = 1;
	rows[3].reason = "pkg lock";
	for (k = 0; k < 4; k++) {
		rows[k].detail_json = "{}";
		rows[k].output_tail = "";
	}
	assert_int_equal(cache_prechecks_put(c, rows, 4, &err), 0);
	assert_int_equal(plan_prechecks_load(&pc, c, &err), 0);
	assert_int_equal(pc.n, 3);
	assert_true(plan_precheck_of(&pc, "i-a")->failed);
	assert_null(plan_precheck_of(&pc, "i-zz"));
	assert_int_equal(plan_precheck_failing(&p, &pc), 2);
	plan_mark_prechecks(&p, &pc);
	/* patch: i-a (failed pre-check) and i-e (unapproved tag and failed
	 * pre-check) before nothing else: both at risk, by name. */
	assert_string_equal(p.p.v[3].in->id, "i-a");
	assert_true(p.p.v[3].precheck_failed);
	assert_string_equal(plan_member_reason(&p, &p.p.v[3], &pc, buf,
	    sizeof buf), "pre-check failed: repository unreachable");
	assert_string_equal(plan_member_reason(&p, &p.p.v[4], &pc, buf,
	    sizeof buf), "exception tag not approved: patched anyway; "
	    "pre-check failed: disk: / 2% free");
	plan_done(&p);
	assert_int_equal(plan_overview(&inv, &cfg, &pc, now, &ov), 3);
	assert_int_equal(ov[1].precheck_failing, 2);
	assert_int_equal(ov[0].precheck_failing, 1);	/* sat-2200: i-f */
	assert_int_equal(ov[2].precheck_failing, PLAN_PRECHECK_UNKNOWN);
	free(ov);
	plan_prechecks_done(&pc);
	cache_close(c);
	inventory_free(&inv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_make),
		cmocka_unit_test(test_overview),
		cmocka_unit_test(test_prechecks),
	};

	return cmocka_run_group_tests(tests, setup_cfg, teardown_cfg);
}
