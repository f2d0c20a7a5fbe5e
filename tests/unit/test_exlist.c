/*
 * test_exlist.c - the console's exceptions table: which records each tab
 * shows at a date, the filter over every column (hostile bytes matched
 * as bytes), sorting both ways with the id breaking ties, the counts per
 * tab, and the checks the console's forms make: a decision's reason, and
 * which field of a request is wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "fleet/date.h"
#include "ops/exceptions.h"
#include "ops/exlist.h"
#include "util/util.h"

/* today: 2026-03-10 */
static struct fleet_date today;

enum { R_LIVE, R_EXPIRING, R_UPCOMING, R_PENDING, R_EXPIRED, R_REJECTED,
	R_REVOKED, R_OLD_PENDING, R_SELF, NREC };

static struct fleet_exception v[NREC];

static void
rec(struct fleet_exception *e, const char *xid, const char *iid,
    const char *from, const char *to, const char *status, const char *reason)
{
	memset(e, 0, sizeof *e);
	e->exception_id = xstrdup(xid);
	e->instance_id = xstrdup(iid);
	e->starts = xstrdup(from);
	e->ends = xstrdup(to);
	e->status = xstrdup(status);
	e->reason = xstrdup(reason);
	e->requested_by = xstrdup("arn:aws:iam::123456789012:user/alice");
	if (strcmp(status, "PENDING") != 0)
		e->decided_by = xstrdup("arn:aws:iam::123456789012:user/bob");
}

static int
setup(void **state)
{
	(void)state;
	fleet_date_parse("2026-03-10", &today);
	rec(&v[R_LIVE], "ex-08", "i-0000000a", "2026-03-01", "2026-03-31",
	    "APPROVED", "quarter close");
	rec(&v[R_EXPIRING], "ex-07", "i-0000000b", "2026-03-01",
	    "2026-03-17", "APPROVED", "audit");
	rec(&v[R_UPCOMING], "ex-06", "i-0000000c", "2026-03-11",
	    "2026-03-20", "APPROVED", "release");
	rec(&v[R_PENDING], "ex-05", "i-0000000d", "2026-03-12", "2026-03-14",
	    "PENDING", "bid \x1b[31mred\x1b[0m");
	rec(&v[R_EXPIRED], "ex-04", "i-0000000e", "2026-02-01", "2026-03-09",
	    "APPROVED", "old");
	rec(&v[R_REJECTED], "ex-03", "i-0000000f", "2026-03-12",
	    "2026-03-13", "REJECTED", "no");
	rec(&v[R_REVOKED], "ex-02", "i-0000000a", "2026-03-01", "2026-03-31",
	    "REVOKED", "taken back");
	rec(&v[R_OLD_PENDING], "ex-01", "i-0000000b", "2026-02-01",
	    "2026-02-02", "PENDING", "forgotten");
	/* Live by its dates, but approved by its requester's own role in
	 * another session: invalid, on no tab but its own and "all". */
	rec(&v[R_SELF], "ex-09", "i-00000010", "2026-03-01", "2026-03-30",
	    "APPROVED", "self-approved");
	free(v[R_SELF].requested_by);
	free(v[R_SELF].decided_by);
	v[R_SELF].requested_by = xstrdup("arn:aws:sts::123456789012:"
	    "assumed-role/ops/patchdeck-1");
	v[R_SELF].decided_by = xstrdup("arn:aws:sts::123456789012:"
	    "assumed-role/ops/patchdeck-2");
	v[R_PENDING].ticket = xstrdup("CHG-4711");
	return 0;
}

static int
teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NREC; i++)
		fleet_exception_done(&v[i]);
	return 0;
}

static size_t
sel(enum exlist_tab tab, const char *filter, enum exlist_col sort, int desc,
    size_t *out)
{
	struct exlist_query q;

	memset(&q, 0, sizeof q);
	q.tab = tab;
	q.filter = filter;
	q.sort = sort;
	q.desc = desc;
	q.today = today;
	q.days = 7;
	q.max_days = 90;
	return exlist_select(v, NREC, &q, out);
}

static void
test_tabs(void **state)
{
	size_t out[NREC];

	(void)state;
	assert_int_equal(sel(EXT_LIVE, NULL, EXL_ID, 0, out), 2);
	assert_int_equal(out[0], R_EXPIRING);	/* ex-07 before ex-08 */
	assert_int_equal(out[1], R_LIVE);
	/* 2026-03-17 is 7 days away: expiring; 03-31 is not. */
	assert_int_equal(sel(EXT_EXPIRING, NULL, EXL_ID, 0, out), 1);
	assert_int_equal(out[0], R_EXPIRING);
	assert_int_equal(sel(EXT_UPCOMING, NULL, EXL_ID, 0, out), 1);
	assert_int_equal(out[0], R_UPCOMING);
	assert_int_equal(sel(EXT_PENDING, NULL, EXL_ID, 0, out), 1);
	assert_int_equal(out[0], R_PENDING);
	/* A pending request whose range has passed is expired. */
	assert_int_equal(sel(EXT_EXPIRED, NULL, EXL_ID, 0, out), 2);
	assert_int_equal(out[0], R_OLD_PENDING);
	assert_int_equal(out[1], R_EXPIRED);
	assert_int_equal(sel(EXT_REJECTED, NULL, EXL_ID, 0, out), 1);
	assert_int_equal(out[0], R_REJECTED);
	assert_int_equal(sel(EXT_REVOKED, NULL, EXL_ID, 0, out), 1);
	assert_int_equal(out[0], R_REVOKED);
	assert_int_equal(sel(EXT_ALL, NULL, EXL_ID, 0, out), NREC);
	assert_string_equal(exlist_tab_name(EXT_EXPIRING), "expiring");
}

static void
test_expiring_days_is_configurable(void **state)
{
	struct exlist_query q;
	size_t out[NREC];

	(void)state;
	memset(&q, 0, sizeof q);
	q.tab = EXT_EXPIRING;
	q.today = today;
	q.days = 6;
	assert_int_equal(exlist_select(v, NREC, &q, out), 0);
	q.days = 21;
	assert_int_equal(exlist_select(v, NREC, &q, out), 2);
}

static void
test_filter(void **state)
{
	size_t out[NREC];

	(void)state;
	assert_int_equal(sel(EXT_ALL, "chg-47", EXL_ID, 0, out), 1);
	assert_int_equal(out[0], R_PENDING);
	assert_int_equal(sel(EXT_ALL, "I-0000000A", EXL_ID, 0, out), 2);
	/* The escape byte is matched as it is, never interpreted. */
	assert_int_equal(sel(EXT_ALL, "\x1b[31m", EXL_ID, 0, out), 1);
	assert_int_equal(out[0], R_PENDING);
	/* The category is a column too. */
	assert_int_equal(sel(EXT_ALL, "expiring", EXL_ID, 0, out), 1);
	/* A filter applies within the tab. */
	assert_int_equal(sel(EXT_LIVE, "audit", EXL_ID, 0, out), 1);
	assert_int_equal(sel(EXT_REJECTED, "audit", EXL_ID, 0, out), 0);
}

static void
test_sort(void **state)
{
	size_t out[NREC];

	(void)state;
	assert_int_equal(sel(EXT_ALL, NULL, EXL_TO, 0, out), NREC);
	assert_int_equal(out[0], R_OLD_PENDING);	/* 2026-02-02 */
	/* Both end 03-31: the id breaks the tie, ex-02 before ex-08. */
	assert_int_equal(out[NREC - 2], R_REVOKED);
	assert_int_equal(out[NREC - 1], R_LIVE);
	assert_int_equal(sel(EXT_ALL, NULL, EXL_TO, 1, out), NREC);
	assert_int_equal(out[0], R_LIVE);
	assert_int_equal(sel(EXT_ALL, NULL, EXL_STATUS, 0, out), NREC);
	assert_string_equal(v[out[0]].status, "APPROVED");
	assert_string_equal(v[out[NREC - 1]].status, "REVOKED");
}

static void
test_counts(void **state)
{
	size_t c[EXT_COUNT];

	(void)state;
	exlist_count(v, NREC, today, 7, 90, c);
	assert_int_equal(c[EXT_LIVE], 2);
	assert_int_equal(c[EXT_EXPIRING], 1);
	assert_int_equal(c[EXT_UPCOMING], 1);
	assert_int_equal(c[EXT_PENDING], 1);
	assert_int_equal(c[EXT_EXPIRED], 2);
	assert_int_equal(c[EXT_REJECTED], 1);
	assert_int_equal(c[EXT_REVOKED], 1);
	assert_int_equal(c[EXT_ALL], NREC);
	assert_int_equal(c[EXT_INVALID], 1);
}

static void
test_cells(void **state)
{
	(void)state;
	assert_string_equal(exlist_cell(&v[R_EXPIRING], NULL, EXL_CATEGORY,
	    today, 7, 90), "expiring");
	assert_string_equal(exlist_cell(&v[R_LIVE], NULL, EXL_CATEGORY, today,
	    7, 90), "live");
	assert_string_equal(exlist_cell(&v[R_LIVE], NULL, EXL_TICKET, today, 7,
	    90),
	    "");
	assert_string_equal(exlist_cell(&v[R_PENDING], NULL, EXL_TICKET, today,
	    7, 90), "CHG-4711");
	assert_string_equal(exlist_cell(&v[R_LIVE], "web-01", EXL_NAME, today,
	    7, 90), "web-01");
	assert_string_equal(exlist_cell(&v[R_LIVE], NULL, EXL_NAME, today, 7,
	    90), "");
	assert_string_equal(exlist_cell(&v[R_SELF], NULL, EXL_CATEGORY, today,
	    7, 90), "invalid");
	/* Longer than exception_max_days: invalid too. */
	assert_string_equal(exlist_cell(&v[R_LIVE], NULL, EXL_CATEGORY, today,
	    7, 30), "invalid");
}

/* Instance names, when given: found by the filter, sorted on; a record
 * without one sorts as "". */
static void
test_names(void **state)
{
	const char *names[NREC] = { NULL };
	struct exlist_query q;
	size_t out[NREC], n;

	(void)state;
	names[R_LIVE] = "zz-billing-db";
	names[R_PENDING] = "aa-web";
	memset(&q, 0, sizeof q);
	q.tab = EXT_ALL;
	q.today = today;
	q.days = 7;
	q.max_days = 90;
	q.filter = "BILLING";
	assert_int_equal(exlist_select(v, NREC, &q, out), 0);
	q.names = names;
	assert_int_equal(exlist_select(v, NREC, &q, out), 1);
	assert_int_equal(out[0], R_LIVE);
	q.filter = NULL;
	q.sort = EXL_NAME;
	q.desc = 1;
	n = exlist_select(v, NREC, &q, out);
	assert_int_equal(n, NREC);
	assert_int_equal(out[0], R_LIVE);
	assert_int_equal(out[1], R_PENDING);
}

static void
test_decision_reason(void **state)
{
	char *err = NULL, *big;

	(void)state;
	assert_int_equal(exceptions_check_reason(EXC_REJECT, NULL, &err), -1);
	assert_string_equal(err, "a reason is required");
	free(err);
	err = NULL;
	assert_int_equal(exceptions_check_reason(EXC_REJECT, " \t ", &err),
	    -1);
	free(err);
	err = NULL;
	assert_int_equal(exceptions_check_reason(EXC_REJECT, "no", &err), 0);
	assert_int_equal(exceptions_check_reason(EXC_APPROVE, NULL, &err), 0);
	assert_int_equal(exceptions_check_reason(EXC_REVOKE, "", &err), 0);
	big = xcalloc(EXCEPTIONS_MAX_TEXT + 2, 1);
	memset(big, 'x', EXCEPTIONS_MAX_TEXT + 1);
	assert_int_equal(exceptions_check_reason(EXC_APPROVE, big, &err), -1);
	assert_non_null(strstr(err, "longer than"));
	free(err);
	big[EXCEPTIONS_MAX_TEXT] = '\0';
	assert_int_equal(exceptions_check_reason(EXC_APPROVE, big, &err), 0);
	free(big);
}

/* The form puts the cursor on the field a problem is about. */
static void
test_validate_field(void **state)
{
	struct exceptions_request r;
	char *err = NULL;
	int field = -1;

	(void)state;
	memset(&r, 0, sizeof r);
	r.instance_id = "i-0000000a";
	r.starts = "2026-03-12";
	r.ends = "2026-03-14";
	r.reason = "release";
	assert_int_equal(exceptions_validate_field(&r, today, 90, 1, 0, &field,
	    &err), 0);
	r.instance_id = "web-1";
	assert_int_equal(exceptions_validate_field(&r, today, 90, 1, 0, &field,
	    &err), -1);
	assert_int_equal(field, EXF_INSTANCE);
	free(err);
	r.instance_id = "i-0000000a";
	r.starts = "2026-03-09";	/* yesterday */
	assert_int_equal(exceptions_validate_field(&r, today, 90, 1, 0, &field,
	    &err), -1);
	assert_int_equal(field, EXF_FROM);
	assert_non_null(strstr(err, "in the past"));
	free(err);
	r.starts = "2026-03-15";	/* after the end */
	assert_int_equal(exceptions_validate_field(&r, today, 90, 1, 0, &field,
	    &err), -1);
	assert_int_equal(field, EXF_TO);
	free(err);
	r.starts = "2026-03-12";
	r.reason = "  ";
	assert_int_equal(exceptions_validate_field(&r, today, 90, 1, 0, &field,
	    &err), -1);
	assert_int_equal(field, EXF_REASON);
	free(err);
	r.reason = "release";
	/* Not in the cache, and the console offers no --force. */
	assert_int_equal(exceptions_validate_field(&r, today, 90, 0, 0, &field,
	    &err), -1);
	assert_int_equal(field, EXF_INSTANCE);
	free(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tabs),
		cmocka_unit_test(test_expiring_days_is_configurable),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_cells),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_decision_reason),
		cmocka_unit_test(test_validate_field),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
