/*
 * test_principal.c - fleet/principal.c: the person behind every shape of
 * caller ARN (users, roles and their sessions, Identity Center, federated
 * users, root), and hostile or malformed ARNs refused, never mapped.  Then
 * fleet_exception_check(): who decided, the dates, exception_max_days.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "fleet/exception.h"
#include "fleet/principal.h"

#define ACCT "123456789012"

/* The person of arn, or NULL when it has none (then *why is set). */
static const char *
person(const char *arn, const char **why)
{
	static char buf[FLEET_PRINCIPAL_MAX + 1];

	*why = NULL;
	if (fleet_principal(arn, buf, sizeof buf, why) != 0) {
		assert_non_null(*why);
		assert_string_equal(buf, "");
		return NULL;
	}
	return buf;
}

static void
maps(const char *arn, const char *want)
{
	const char *why, *got = person(arn, &why);

	if (got == NULL)
		fail_msg("'%s' refused: %s", arn, why);
	assert_string_equal(got, want);
}

static void
refused(const char *arn, const char *want_why)
{
	const char *why, *got = person(arn, &why);

	if (got != NULL)
		fail_msg("'%s' mapped to '%s'", arn, got);
	if (want_why != NULL)
		assert_string_equal(why, want_why);
}

static void
test_shapes(void **state)
{
	(void)state;
	/* Root and users: themselves; a user's path is not part of it. */
	maps("arn:aws:iam::" ACCT ":root", "arn:aws:iam::" ACCT ":root");
	maps("arn:aws:iam::" ACCT ":user/alice",
	    "arn:aws:iam::" ACCT ":user/alice");
	maps("arn:aws:iam::" ACCT ":user/division/team/Alice",
	    "arn:aws:iam::" ACCT ":user/alice");
	maps("arn:aws:iam::" ACCT ":user/j.o_neil+ops=1,2@example.com",
	    "arn:aws:iam::" ACCT ":user/j.o_neil+ops=1,2@example.com");
	refused("arn:aws:iam::" ACCT ":user/j.o'neil",
	    "not an IAM user or role name");
}

static void
test_roles(void **state)
{
	(void)state;
	/* Any session of a role is the role: patchdeck's own session names
	 * carry the time. */
	maps("arn:aws:sts::" ACCT ":assumed-role/PatchOps/patchdeck-1780000000",
	    "arn:aws:iam::" ACCT ":role/patchops");
	maps("arn:aws:sts::" ACCT ":assumed-role/PatchOps/alice@example.com",
	    "arn:aws:iam::" ACCT ":role/patchops");
	assert_int_equal(fleet_principal_same(
	    "arn:aws:sts::" ACCT ":assumed-role/PatchOps/patchdeck-1780000000",
	    "arn:aws:sts::" ACCT ":assumed-role/PatchOps/patchdeck-1780000002"),
	    1);
	/* The role itself (a record may say so) is the same person. */
	assert_int_equal(fleet_principal_same(
	    "arn:aws:iam::" ACCT ":role/ops/PatchOps",
	    "arn:aws:sts::" ACCT ":assumed-role/patchops/s1"), 1);
	/* Two roles, or a role and a user, are two people. */
	assert_int_equal(fleet_principal_same(
	    "arn:aws:sts::" ACCT ":assumed-role/PatchOps/s1",
	    "arn:aws:sts::" ACCT ":assumed-role/PatchApprovers/s1"), 0);
	assert_int_equal(fleet_principal_same(
	    "arn:aws:sts::" ACCT ":assumed-role/alice/s1",
	    "arn:aws:iam::" ACCT ":user/alice"), 0);
	/* Another account, another partition: other people. */
	assert_int_equal(fleet_principal_same(
	    "arn:aws:sts::" ACCT ":assumed-role/PatchOps/s1",
	    "arn:aws:sts::210987654321:assumed-role/PatchOps/s1"), 0);
	maps("arn:aws-us-gov:sts::" ACCT ":assumed-role/r/s1",
	    "arn:aws-us-gov:iam::" ACCT ":role/r");
	maps("arn:aws-cn:iam::" ACCT ":user/u", "arn:aws-cn:iam::" ACCT
	    ":user/u");
}

static void
test_sso_and_federated(void **state)
{
	(void)state;
	/* Identity Center: the session is the user, whatever permission
	 * set it came through. */
	maps("arn:aws:sts::" ACCT ":assumed-role/"
	    "AWSReservedSSO_AdministratorAccess_0123456789abcdef/"
	    "Alice@Example.com",
	    "arn:aws:sts::" ACCT ":assumed-role/AWSReservedSSO_*/"
	    "alice@example.com");
	assert_int_equal(fleet_principal_same(
	    "arn:aws:sts::" ACCT ":assumed-role/AWSReservedSSO_Dev_1a2b/alice",
	    "arn:aws:sts::" ACCT ":assumed-role/AWSReservedSSO_Ops_3c4d/ALICE"),
	    1);
	assert_int_equal(fleet_principal_same(
	    "arn:aws:sts::" ACCT ":assumed-role/AWSReservedSSO_Ops_3c4d/alice",
	    "arn:aws:sts::" ACCT ":assumed-role/AWSReservedSSO_Ops_3c4d/bob"),
	    0);
	/* The prefix alone is no permission set: an ordinary role. */
	maps("arn:aws:sts::" ACCT ":assumed-role/AWSReservedSSO_/alice",
	    "arn:aws:iam::" ACCT ":role/awsreservedsso_");
	/* Federated users name themselves: one person per account. */
	maps("arn:aws:sts::" ACCT ":federated-user/bob",
	    "arn:aws:sts::" ACCT ":federated-user/*");
	assert_int_equal(fleet_principal_same(
	    "arn:aws:sts::" ACCT ":federated-user/bob",
	    "arn:aws:sts::" ACCT ":federated-user/carol"), 1);
}

static void
test_hostile(void **state)
{
	char big[FLEET_PRINCIPAL_MAX + 64], small[16];
	const char *why;

	(void)state;
	refused(NULL, "empty");
	refused("", "empty");
	refused("alice@example.com", "not an ARN");
	refused("arn:", "not an ARN");
	refused("ARN:aws:iam::" ACCT ":user/a", "not an ARN");
	refused("arn:azure:iam::" ACCT ":user/a", "not an AWS partition");
	refused("arn:AWS:iam::" ACCT ":user/a", "not an AWS partition");
	refused("arn:aws:s3:::bucket", "not an IAM or STS ARN");
	refused("arn:aws:iam:us-east-1:" ACCT ":user/a",
	    "not an IAM or STS ARN");
	refused("arn:aws:iam::12345678901:user/a",
	    "the account is not 12 digits");
	refused("arn:aws:iam::1234567890123:user/a",
	    "the account is not 12 digits");
	refused("arn:aws:iam::12345678901a:user/a",
	    "the account is not 12 digits");
	refused("arn:aws:iam::" ACCT ":user/a:b",
	    "more parts than an ARN has");
	/* moto's default caller is no AWS shape. */
	refused("arn:aws:sts::" ACCT ":user/moto", NULL);
	refused("arn:aws:iam::" ACCT ":group/admins", NULL);
	refused("arn:aws:iam::" ACCT ":user/", NULL);
	refused("arn:aws:iam::" ACCT ":user//a", "a bad IAM path");
	refused("arn:aws:iam::" ACCT ":user/a b", NULL);
	refused("arn:aws:iam::" ACCT ":user/a\x1b[31m", NULL);
	refused("arn:aws:iam::" ACCT ":user/p\x1b/a", "a bad IAM path");
	refused("arn:aws:iam::" ACCT ":user/\xc3\xa9", NULL);
	refused("arn:aws:iam::" ACCT ":rootx", NULL);
	refused("arn:aws:sts::" ACCT ":root", NULL);
	refused("arn:aws:iam::" ACCT ":assumed-role/r/s", NULL);
	refused("arn:aws:sts::" ACCT ":assumed-role/r",
	    "an assumed role without a session");
	refused("arn:aws:sts::" ACCT ":assumed-role//s1",
	    "not an IAM role name");
	refused("arn:aws:sts::" ACCT ":assumed-role/r/",
	    "not a role session name");
	/* A session with a slash would hide a third part. */
	refused("arn:aws:sts::" ACCT ":assumed-role/r/s1/x",
	    "not a role session name");
	refused("arn:aws:sts::" ACCT ":assumed-role/r/s\n1",
	    "not a role session name");
	refused("arn:aws:sts::" ACCT ":federated-user/", NULL);
	refused("arn:aws:sts::" ACCT ":federated-user/a/b", NULL);
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	memcpy(big, "arn:aws:iam::" ACCT ":user/", 26);
	refused(big, "longer than an ARN can be");
	/* 65 characters: longer than IAM's names. */
	refused("arn:aws:iam::" ACCT ":user/"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "not an IAM user or role name");
	/* Too small a buffer: refused, the buffer "" and never overrun. */
	memset(small, 'x', sizeof small);
	assert_int_equal(fleet_principal("arn:aws:iam::" ACCT ":user/alice",
	    small, sizeof small, &why), -1);
	assert_string_equal(small, "");
	assert_string_equal(why, "no room");
	assert_int_equal(fleet_principal_same("arn:aws:iam::" ACCT
	    ":user/a", "nonsense"), -1);
}

/* --- fleet_exception_check ------------------------------------------ */

static const char *
check(const char *status, const char *starts, const char *ends,
    const char *by, const char *decided, int max_days)
{
	static char why[FLEET_EXCEPTION_WHY_LEN];
	struct fleet_exception e;

	memset(&e, 0, sizeof e);
	e.instance_id = "i-0123abcd";
	e.exception_id = "ex-1";
	e.status = (char *)status;
	e.starts = (char *)starts;
	e.ends = (char *)ends;
	e.requested_by = (char *)by;
	e.decided_by = (char *)decided;
	if (fleet_exception_check(&e, max_days, why, sizeof why) == 0)
		return NULL;
	return why;
}

#define ALICE "arn:aws:iam::" ACCT ":user/alice"
#define BOB "arn:aws:iam::" ACCT ":user/bob"
#define ROLE1 "arn:aws:sts::" ACCT ":assumed-role/Ops/patchdeck-1"
#define ROLE2 "arn:aws:sts::" ACCT ":assumed-role/Ops/patchdeck-2"

static void
test_check(void **state)
{
	(void)state;
	assert_null(check("APPROVED", "2026-06-01", "2026-06-02", ALICE, BOB,
	    90));
	assert_null(check("PENDING", "2026-06-01", "2026-06-02", ALICE, NULL,
	    90));
	assert_null(check("REVOKED", "2026-06-01", "2026-06-02", ROLE1, BOB,
	    90));
	assert_string_equal(check("APPROVED", "2026-06-01", "2026-06-02",
	    ROLE1, ROLE2, 90), "decided by the requester (the same person)");
	assert_string_equal(check("APPROVED", "2026-06-01", "2026-06-02",
	    ALICE, ALICE, 90), "decided by the requester (the same person)");
	assert_string_equal(check("APPROVED", "2026-06-01", "2026-06-02",
	    ALICE, NULL, 90), "APPROVED without decided_by");
	assert_string_equal(check("APPROVED", "2026-06-01", "2026-06-02",
	    ALICE, "", 90), "APPROVED without decided_by");
	assert_string_equal(check("REJECTED", "2026-06-01", "2026-06-02",
	    ALICE, "bob", 90), "decided_by is not a person's ARN (not an "
	    "ARN)");
	assert_string_equal(check("APPROVED", "2026-06-01", "2026-06-02",
	    NULL, BOB, 90), "no requested_by");
	assert_string_equal(check("APPROVED", "2026-06-01", "2026-06-02",
	    "alice", BOB, 90), "requested_by is not a person's ARN (not an "
	    "ARN)");
	assert_string_equal(check("approved", "2026-06-01", "2026-06-02",
	    ALICE, BOB, 90), "status is not PENDING, APPROVED, REJECTED or "
	    "REVOKED");
	assert_string_equal(check(NULL, "2026-06-01", "2026-06-02", ALICE, BOB,
	    90), "status is not PENDING, APPROVED, REJECTED or REVOKED");
	assert_string_equal(check("APPROVED", "2026-6-01", "2026-06-02", ALICE,
	    BOB, 90), "starts is not a YYYY-MM-DD date");
	assert_string_equal(check("APPROVED", "2026-06-01", NULL, ALICE, BOB,
	    90), "ends is not a YYYY-MM-DD date");
	assert_string_equal(check("APPROVED", "2026-06-01", "2026-02-30",
	    ALICE, BOB, 90), "ends is not a YYYY-MM-DD date");
	assert_string_equal(check("APPROVED", "2026-06-02", "2026-06-01",
	    ALICE, BOB, 90), "ends before it starts");
	/* Both ends counted: 90 days is the most at 90. */
	assert_null(check("APPROVED", "2026-06-01", "2026-08-29", ALICE, BOB,
	    90));
	assert_string_equal(check("APPROVED", "2026-06-01", "2026-08-30",
	    ALICE, BOB, 90), "91 days long; exception_max_days is 90");
	assert_string_equal(check("APPROVED", "0001-01-01", "9999-12-31",
	    ALICE, BOB, 3650), "3652059 days long; exception_max_days is "
	    "3650");
	/* Unset: the default, never "no limit". */
	assert_string_equal(check("APPROVED", "2026-06-01", "2026-08-30",
	    ALICE, BOB, 0), "91 days long; exception_max_days is 90");
}

/* Only a valid APPROVED record is approved, live, or covers a tag. */
static void
test_approved_needs_valid(void **state)
{
	struct fleet_exception e;
	struct fleet_date s, t, today;

	(void)state;
	memset(&e, 0, sizeof e);
	e.instance_id = "i-1";
	e.status = "APPROVED";
	e.starts = "2026-06-01";
	e.ends = "2026-06-10";
	e.requested_by = ROLE1;
	e.decided_by = BOB;
	assert_int_equal(fleet_date_parse("2026-06-05", &today), 0);
	assert_int_equal(fleet_exception_dates(&e, &s, &t), 0);
	assert_true(fleet_exception_is_approved(&e, 90));
	assert_true(fleet_exception_is_live(&e, today, 90));
	assert_true(fleet_exception_covers(&e, "i-1", s, t, 90));
	e.decided_by = ROLE2;
	assert_false(fleet_exception_is_approved(&e, 90));
	assert_false(fleet_exception_is_live(&e, today, 90));
	assert_false(fleet_exception_covers(&e, "i-1", s, t, 90));
	e.decided_by = BOB;
	assert_false(fleet_exception_is_live(&e, today, 5));
	assert_false(fleet_exception_covers(&e, "i-1", s, t, 5));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_sso_and_federated),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_approved_needs_valid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
