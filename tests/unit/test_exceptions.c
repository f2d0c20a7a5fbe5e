/*
 * test_exceptions.c - the pure parts of ops/exceptions.c: validation
 * messages, the DynamoDB item mapping both ways, the requests the actions
 * send, the category of a record at a date, and the refusal after a lost
 * race.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "aws/ddb.h"
#include "fleet/date.h"
#include "fleet/exception.h"
#include "ops/exceptions.h"

static struct fleet_date
d(const char *s)
{
	struct fleet_date x;

	assert_int_equal(fleet_date_parse(s, &x), 0);
	return x;
}

/* The message of validating r at 2026-06-10, max 90 days; NULL if ok. */
static char *
why(const char *id, const char *from, const char *to, const char *reason,
    int known, int force)
{
	struct exceptions_request r = { id, from, to, reason, NULL };
	char *err = NULL;

	if (exceptions_validate(&r, d("2026-06-10"), 90, known, force,
	    &err) == 0) {
		assert_null(err);
		return NULL;
	}
	assert_non_null(err);
	return err;
}

static void
expect_why(char *msg, const char *part)
{
	assert_non_null(msg);
	if (strstr(msg, part) == NULL)
		fail_msg("'%s' does not say '%s'", msg, part);
	free(msg);
}

static void
test_validate(void **state)
{
	const char *id = "i-0123456789abcdef0";

	(void)state;
	assert_null(why(id, "2026-06-10", "2026-06-10", "audit", 1, 0));
	assert_null(why(id, "2026-06-11", "2026-09-08", "audit", 1, 0));
	expect_why(why(id, "2026-06-11", "2026-09-09", "audit", 1, 0),
	    "91 days long; at most 90");
	expect_why(why(id, "2026-6-11", "2026-06-12", "audit", 1, 0),
	    "--from '2026-6-11' is not a date");
	expect_why(why(id, "2026-06-11", "2026-02-30", "audit", 1, 0),
	    "--to '2026-02-30' is not a date");
	expect_why(why(id, "2026-06-12", "2026-06-11", "audit", 1, 0),
	    "ends (2026-06-11) before it starts (2026-06-12)");
	expect_why(why(id, "2026-06-09", "2026-06-11", "audit", 1, 0),
	    "starts in the past (2026-06-09; today is 2026-06-10 UTC)");
	expect_why(why(id, "2026-06-11", "2026-06-12", " ", 1, 0),
	    "a reason is required");
	expect_why(why(id, "2026-06-11", "2026-06-12", NULL, 1, 0),
	    "a reason is required");
	expect_why(why(id, "2026-06-11", "2026-06-12", "x", 0, 0),
	    "not in the cache; run `patchdeck sync`, or pass --force");
	assert_null(why(id, "2026-06-11", "2026-06-12", "x", 0, 1));
	expect_why(why("i-xyz", "2026-06-11", "2026-06-12", "x", 0, 1),
	    "'i-xyz' is not an instance id");
	assert_null(why("i-0123abcd", "2026-06-11", "2026-06-12", "x", 1, 0));
}

static void
test_make_id(void **state)
{
	char a[EXCEPTIONS_ID_LEN + 1], b[EXCEPTIONS_ID_LEN + 1];

	(void)state;
	exceptions_make_id(1780000000LL, "a1b2c3d4", a, sizeof a);
	assert_string_equal(a, "ex-20260528202640-a1b2c3");
	assert_int_equal(strlen(a), EXCEPTIONS_ID_LEN);
	exceptions_make_id(1780000001LL, "000000", b, sizeof b);
	assert_true(strcmp(a, b) < 0);
}

static void
test_item_round_trip(void **state)
{
	struct fleet_exception e, back;
	cJSON *item;
	char *err = NULL;

	(void)state;
	memset(&e, 0, sizeof e);
	e.instance_id = "i-0123456789abcdef0";
	e.exception_id = "ex-20260528202640-a1b2c3";
	e.starts = "2026-06-11";
	e.ends = "2026-06-12";
	e.reason = "release \x1b[31m\"bid\"";
	e.ticket = "";		/* empty: not written */
	e.requested_by = "arn:aws:iam::1:user/a";
	e.requested_at = "2026-06-10T10:00:00Z";
	e.status = "APPROVED";
	e.decided_by = "arn:aws:iam::1:user/b";
	e.decided_at = "2026-06-10T11:00:00Z";
	e.decision_reason = "ok";
	item = exceptions_to_item(&e);
	assert_string_equal(ddb_item_s(item, "reason"), e.reason);
	assert_null(cJSON_GetObjectItemCaseSensitive(item, "ticket"));
	assert_int_equal(exceptions_from_item(item, &back, &err), 0);
	assert_string_equal(back.instance_id, e.instance_id);
	assert_string_equal(back.exception_id, e.exception_id);
	assert_string_equal(back.starts, e.starts);
	assert_string_equal(back.ends, e.ends);
	assert_string_equal(back.reason, e.reason);
	assert_null(back.ticket);
	assert_string_equal(back.requested_by, e.requested_by);
	assert_string_equal(back.requested_at, e.requested_at);
	assert_string_equal(back.status, e.status);
	assert_string_equal(back.decided_by, e.decided_by);
	assert_string_equal(back.decided_at, e.decided_at);
	assert_string_equal(back.decision_reason, e.decision_reason);
	fleet_exception_done(&back);
	cJSON_Delete(item);

	/* No key: refused, nothing kept. */
	item = cJSON_Parse("{\"instance_id\":{\"S\":\"i-1\"},"
	    "\"reason\":{\"N\":\"1\"}}");
	assert_int_equal(exceptions_from_item(item, &back, &err), -1);
	assert_non_null(err);
	assert_null(back.instance_id);
	free(err);
	cJSON_Delete(item);
}

static void
test_requests(void **state)
{
	struct fleet_exception e;
	cJSON *b;
	char *text;

	(void)state;
	memset(&e, 0, sizeof e);
	e.instance_id = "i-0123abcd";
	e.exception_id = "ex-1";
	e.status = "PENDING";
	b = exceptions_put_request("tbl", &e);
	text = cJSON_PrintUnformatted(b);
	assert_non_null(strstr(text, "\"ConditionExpression\":"
	    "\"attribute_not_exists(exception_id)\""));
	free(text);
	cJSON_Delete(b);

	e.requested_by = "arn:aws:sts::123456789012:assumed-role/ops/s1";
	e.starts = "2026-06-11";
	e.ends = "2026-06-12";
	b = exceptions_update_request("tbl", &e, EXC_APPROVE, "arn:me",
	    "2026-06-10T00:00:00Z", "fine");
	text = cJSON_PrintUnformatted(b);
	/* What was checked is what is decided: the requester and the
	 * dates are pinned. */
	assert_non_null(strstr(text, "\"#s = :from AND requested_by = :req "
	    "AND requested_by <> :me AND starts = :starts AND ends = :ends\""));
	assert_non_null(strstr(text, "\":req\":{\"S\":\"arn:aws:sts::"
	    "123456789012:assumed-role/ops/s1\"}"));
	assert_non_null(strstr(text, "\":starts\":{\"S\":\"2026-06-11\"}"));
	assert_non_null(strstr(text, "\":ends\":{\"S\":\"2026-06-12\"}"));
	assert_non_null(strstr(text, "\":from\":{\"S\":\"PENDING\"}"));
	assert_non_null(strstr(text, "\":to\":{\"S\":\"APPROVED\"}"));
	assert_non_null(strstr(text, "decision_reason = :why"));
	free(text);
	cJSON_Delete(b);

	b = exceptions_update_request("tbl", &e, EXC_REVOKE, "arn:me",
	    "2026-06-10T00:00:00Z", NULL);
	text = cJSON_PrintUnformatted(b);
	assert_non_null(strstr(text, "\"ConditionExpression\":\"#s = :from\""));
	assert_non_null(strstr(text, "\":from\":{\"S\":\"APPROVED\"}"));
	assert_non_null(strstr(text, "\":to\":{\"S\":\"REVOKED\"}"));
	assert_null(strstr(text, ":why"));
	free(text);
	cJSON_Delete(b);
}

static enum exceptions_category
cat(const char *status, const char *from, const char *to, const char *today)
{
	struct fleet_exception e;

	memset(&e, 0, sizeof e);
	e.status = (char *)status;
	e.starts = (char *)from;
	e.ends = (char *)to;
	e.requested_by = "arn:aws:iam::123456789012:user/alice";
	e.decided_by = "arn:aws:iam::123456789012:user/bob";
	return exceptions_category(&e, d(today), 90);
}

static void
test_categories(void **state)
{
	struct fleet_exception e;

	(void)state;
	assert_int_equal(cat("APPROVED", "2026-06-01", "2026-06-30",
	    "2026-06-01"), EXC_LIVE);
	assert_int_equal(cat("APPROVED", "2026-06-01", "2026-06-30",
	    "2026-06-30"), EXC_LIVE);
	assert_int_equal(cat("APPROVED", "2026-06-01", "2026-06-30",
	    "2026-05-31"), EXC_UPCOMING);
	assert_int_equal(cat("APPROVED", "2026-06-01", "2026-06-30",
	    "2026-07-01"), EXC_EXPIRED);
	assert_int_equal(cat("PENDING", "2026-06-01", "2026-06-30",
	    "2026-06-15"), EXC_PENDING);
	assert_int_equal(cat("PENDING", "2026-06-01", "2026-06-30",
	    "2026-07-01"), EXC_EXPIRED);
	assert_int_equal(cat("REJECTED", "2026-06-01", "2026-06-30",
	    "2026-06-15"), EXC_REJECTED);
	assert_int_equal(cat("REVOKED", "2026-06-01", "2026-06-30",
	    "2026-06-15"), EXC_REVOKED);
	assert_int_equal(cat("APPROVED", "2026-06-30", "2026-06-01",
	    "2026-06-15"), EXC_INVALID);
	assert_int_equal(cat("approved", "2026-06-01", "2026-06-30",
	    "2026-06-15"), EXC_INVALID);
	/* Longer than exception_max_days (90): invalid, whatever the
	 * status; so is a rejected record with bad dates. */
	assert_int_equal(cat("APPROVED", "2026-06-01", "2026-08-29",
	    "2026-06-15"), EXC_LIVE);
	assert_int_equal(cat("APPROVED", "2026-06-01", "2026-08-30",
	    "2026-06-15"), EXC_INVALID);
	assert_int_equal(cat("REJECTED", "2026-06-01", "2026-02-30",
	    "2026-06-15"), EXC_INVALID);
	assert_string_equal(exceptions_category_name(EXC_UPCOMING),
	    "upcoming");

	memset(&e, 0, sizeof e);
	e.status = "APPROVED";
	e.starts = "2026-06-01";
	e.ends = "2026-06-17";
	e.requested_by = "arn:aws:iam::123456789012:user/alice";
	e.decided_by = "arn:aws:iam::123456789012:user/bob";
	assert_true(exceptions_is_expiring(&e, d("2026-06-10"), 7, 90));
	assert_false(exceptions_is_expiring(&e, d("2026-06-09"), 7, 90));
	assert_false(exceptions_is_expiring(&e, d("2026-06-18"), 7, 90));
	/* Approved by the requester's own role in another session. */
	e.requested_by = "arn:aws:sts::123456789012:assumed-role/Ops/a-1";
	e.decided_by = "arn:aws:sts::123456789012:assumed-role/Ops/a-2";
	assert_int_equal(exceptions_category(&e, d("2026-06-10"), 90),
	    EXC_INVALID);
	assert_false(exceptions_is_expiring(&e, d("2026-06-10"), 7, 90));
	e.decided_by = NULL;
	assert_int_equal(exceptions_category(&e, d("2026-06-10"), 90),
	    EXC_INVALID);
	e.status = "PENDING";
	assert_int_equal(exceptions_category(&e, d("2026-06-10"), 90),
	    EXC_PENDING);
	assert_false(exceptions_is_expiring(&e, d("2026-06-10"), 7, 90));
}

#define A "arn:aws:iam::123456789012:user/alice"
#define B "arn:aws:iam::123456789012:user/bob"
#define C "arn:aws:iam::123456789012:user/carol"

static void
test_refusal(void **state)
{
	struct fleet_exception e;
	char *m;

	(void)state;
	memset(&e, 0, sizeof e);
	e.status = "APPROVED";
	e.starts = "2026-06-11";
	e.ends = "2026-06-12";
	e.requested_by = A;
	e.decided_by = B;
	e.decided_at = "2026-06-10T11:00:00Z";
	m = exceptions_refusal(&e, EXC_APPROVE, C, 90);
	assert_string_equal(m, "already APPROVED by " B " at "
	    "2026-06-10T11:00:00Z");
	free(m);
	e.status = "REJECTED";
	m = exceptions_refusal(&e, EXC_APPROVE, C, 90);
	assert_string_equal(m, "already REJECTED by " B " at "
	    "2026-06-10T11:00:00Z");
	free(m);
	e.status = "PENDING";
	e.decided_by = NULL;
	m = exceptions_refusal(&e, EXC_REJECT, A, 90);
	assert_string_equal(m, "you (" A ") requested it; someone else must "
	    "reject it");
	free(m);
	m = exceptions_refusal(&e, EXC_REVOKE, A, 90);
	assert_string_equal(m, "its status is PENDING, not APPROVED");
	free(m);
	m = exceptions_refusal(NULL, EXC_REVOKE, A, 90);
	assert_string_equal(m, "the exception no longer exists");
	free(m);
	/* Nothing refuses: the record changed between read and write. */
	m = exceptions_refusal(&e, EXC_APPROVE, C, 90);
	assert_string_equal(m, "the record changed meanwhile; try again");
	free(m);
}

/* The check before a decision: the person, not the session; a record
 * that is not whole is not decided. */
static void
test_check_action(void **state)
{
	struct fleet_exception e;
	char *m;

	(void)state;
	memset(&e, 0, sizeof e);
	e.status = "PENDING";
	e.starts = "2026-06-11";
	e.ends = "2026-06-12";
	e.requested_by = "arn:aws:sts::123456789012:assumed-role/ops/"
	    "patchdeck-1780000000";
	assert_null(exceptions_check_action(&e, EXC_APPROVE, B, 90));
	/* The same role two seconds later: the same person. */
	m = exceptions_check_action(&e, EXC_APPROVE, "arn:aws:sts::"
	    "123456789012:assumed-role/ops/patchdeck-1780000002", 90);
	assert_non_null(m);
	assert_non_null(strstr(m, "requested it as arn:aws:sts::123456789012:"
	    "assumed-role/ops/patchdeck-1780000000: the same person "
	    "(arn:aws:iam::123456789012:role/ops); someone else must approve "
	    "it"));
	free(m);
	m = exceptions_check_action(&e, EXC_REJECT, "arn:aws:sts::"
	    "123456789012:assumed-role/OPS/other", 90);
	assert_non_null(m);
	free(m);
	/* Revoke is anyone's, the requester's too. */
	e.status = "APPROVED";
	e.decided_by = B;
	assert_null(exceptions_check_action(&e, EXC_REVOKE, "arn:aws:sts::"
	    "123456789012:assumed-role/ops/x9", 90));
	e.status = "PENDING";
	e.decided_by = NULL;
	/* Malformed records and callers. */
	e.ends = "2026-13-01";
	m = exceptions_check_action(&e, EXC_APPROVE, B, 90);
	assert_string_equal(m, "the record is invalid (ends is not a "
	    "YYYY-MM-DD date); it cannot be approved");
	free(m);
	e.ends = "2026-12-31";
	m = exceptions_check_action(&e, EXC_APPROVE, B, 90);
	assert_string_equal(m, "the record is invalid (204 days long; "
	    "exception_max_days is 90); it cannot be approved");
	free(m);
	assert_null(exceptions_check_action(&e, EXC_APPROVE, B, 365));
	e.ends = "2026-06-12";
	e.requested_by = "alice@example.com";
	m = exceptions_check_action(&e, EXC_APPROVE, B, 90);
	assert_string_equal(m, "the record is invalid (requested_by is not "
	    "a person's ARN (not an ARN)); it cannot be approved");
	free(m);
	e.requested_by = NULL;
	m = exceptions_check_action(&e, EXC_APPROVE, B, 90);
	assert_string_equal(m, "the record is invalid (no requested_by); it "
	    "cannot be approved");
	free(m);
	e.requested_by = A;
	m = exceptions_check_action(&e, EXC_APPROVE, "arn:aws:sts::"
	    "123456789012:user/moto", 90);
	assert_string_equal(m, "who you are (arn:aws:sts::123456789012:"
	    "user/moto) is not a person's ARN (not a user, role, role "
	    "session, federated user or root ARN)");
	free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_make_id),
		cmocka_unit_test(test_item_round_trip),
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_categories),
		cmocka_unit_test(test_refusal),
		cmocka_unit_test(test_check_action),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
