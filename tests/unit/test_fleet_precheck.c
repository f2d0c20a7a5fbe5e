/*
 * test_fleet_precheck.c - judging a pre-check: every failure kind from
 * the line, from SSM's statuses and from EC2's status checks; the kind
 * names of the JSON contract; a passing instance has no failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/precheck.h"

#define LINE(disk, repo, urls, lock, load, pending) \
	"checking disk space\nPATCHDECK_PRECHECK {\"v\":1,\"disk\":[" disk \
	"],\"repo\":\"" repo "\",\"repo_urls\":[" urls "],\"pkg_lock\":" \
	lock ",\"uptime_s\":86400,\"load1\":" load ",\"reboot_pending\":" \
	pending "}\n"
#define ROOT_OK "{\"mount\":\"/\",\"free_mb\":5000,\"free_pct\":50}"
#define URL_OK "\"https://mirror.example.com/al2023\""
#define GOOD LINE(ROOT_OK, "ok", URL_OK, "false", "0.5", "false")

static const char *const mounts[] = { "/", "/var" };
static const char *const prefixes[] = { "https://mirror.example.com/" };

static const struct fleet_precheck_limits lim = {
	.min_free_mb = 1024, .min_free_pct = 10,
	.mounts = mounts, .nmounts = 2,
	.repo_url_prefixes = prefixes, .nrepo_url_prefixes = 1,
	.max_load1 = 8,
};

static struct fleet_precheck_input
sent(const char *out)
{
	struct fleet_precheck_input in = {
		.state = "running", .ping = "Online", .sent = 1, .final = 1,
		.status = "Success", .status_details = "Success",
		.response_code = 0, .output = out,
		.output_len = out != NULL ? strlen(out) : 0,
		.instance_status = "ok", .system_status = "ok",
	};
	return in;
}

/* Judges in and expects exactly the kinds in want, the first detail
 * containing what (if not NULL). */
static void
expect(const struct fleet_precheck_input *in, unsigned want,
    const char *what)
{
	struct fleet_precheck_verdict v;

	fleet_precheck_judge(&lim, in, &v);
	if (v.kinds != want)
		fail_msg("kinds %#x, want %#x (%s)", v.kinds, want, v.reason);
	if (want == 0) {
		assert_int_equal(v.nfailures, 0);
		assert_string_equal(v.reason, "");
	}
	if (what != NULL && (v.nfailures == 0 ||
	    strstr(v.failures[0].detail, what) == NULL))
		fail_msg("first detail '%s' does not say '%s'",
		    v.nfailures ? v.failures[0].detail : "", what);
	fleet_precheck_verdict_done(&v);
}

#define BIT(k) (1u << (k))

static void
test_names(void **state)
{
	static const char *const want[] = {
		"disk", "repo_unreachable", "repo_url", "pkg_lock",
		"reboot_pending", "agent_offline", "status_check", "no_result"
	};
	enum fleet_precheck_kind k;
	int i;

	(void)state;
	for (i = 0; i < FLEET_PK_COUNT; i++) {
		assert_string_equal(fleet_precheck_kind_name(
		    (enum fleet_precheck_kind)i), want[i]);
		assert_int_equal(fleet_precheck_kind_parse(want[i], &k), 0);
		assert_int_equal(k, i);
		assert_non_null(fleet_precheck_kind_label(
		    (enum fleet_precheck_kind)i));
	}
	assert_null(fleet_precheck_kind_name(FLEET_PK_COUNT));
	assert_int_equal(fleet_precheck_kind_parse("Disk", &k), -1);
	assert_int_equal(fleet_precheck_kind_parse("", &k), -1);
	assert_int_equal(fleet_precheck_kind_parse(NULL, &k), -1);
}

static void
test_pass(void **state)
{
	struct fleet_precheck_input in = sent(GOOD);
	struct fleet_precheck_verdict v;

	(void)state;
	expect(&in, 0, NULL);
	fleet_precheck_judge(&lim, &in, &v);
	assert_true(v.parsed);
	assert_string_equal(v.p.repo, "ok");
	fleet_precheck_verdict_done(&v);
	/* A line that parses counts even when the status is not Success. */
	in.status = in.status_details = "Failed";
	in.response_code = 1;
	expect(&in, 0, NULL);
}

static void
test_disk(void **state)
{
	struct fleet_precheck_input in;

	(void)state;
	in = sent(LINE("{\"mount\":\"/\",\"free_mb\":80,\"free_pct\":1}",
	    "ok", URL_OK, "false", "0.1", "false"));
	expect(&in, BIT(FLEET_PK_DISK), "/: 80 MB free (1%)");
	/* Enough MB, too small a share. */
	in = sent(LINE(ROOT_OK ",{\"mount\":\"/var\",\"free_mb\":2000,"
	    "\"free_pct\":9}", "ok", URL_OK, "false", "0.1", "false"));
	expect(&in, BIT(FLEET_PK_DISK), "/var: 2000 MB free (9%)");
	/* A mount not configured is shown, not judged. */
	in = sent(LINE(ROOT_OK ",{\"mount\":\"/boot\",\"free_mb\":20,"
	    "\"free_pct\":5}", "ok", URL_OK, "false", "0.1", "false"));
	expect(&in, 0, NULL);
}

static void
test_repo(void **state)
{
	struct fleet_precheck_input in;

	(void)state;
	in = sent(LINE(ROOT_OK, "Curl error (28): Timeout", URL_OK, "false",
	    "0.1", "false"));
	expect(&in, BIT(FLEET_PK_REPO_UNREACHABLE), "Curl error (28)");
	in = sent(LINE(ROOT_OK, "ok", URL_OK ",\"http://old.example/x\"",
	    "false", "0.1", "false"));
	expect(&in, BIT(FLEET_PK_REPO_URL), "http://old.example/x");
	in = sent(LINE(ROOT_OK, "ok", "\"http://a/\",\"http://b/\"",
	    "false", "0.1", "false"));
	expect(&in, BIT(FLEET_PK_REPO_URL), "2 repositories");
}

static void
test_lock_and_reboot(void **state)
{
	struct fleet_precheck_input in;

	(void)state;
	/* The held lock is the failure, not the repository it kept from
	 * being checked. */
	in = sent(LINE(ROOT_OK, "not checked: package lock held by dnf "
	    "(pid 4242)", URL_OK, "true", "0.1", "false"));
	expect(&in, BIT(FLEET_PK_PKG_LOCK), "held by dnf (pid 4242)");
	in = sent(LINE(ROOT_OK, "ok", URL_OK, "false", "0.1", "true"));
	expect(&in, BIT(FLEET_PK_REBOOT_PENDING), "reboot");
	/* Several at once, in rule order. */
	in = sent(LINE("{\"mount\":\"/\",\"free_mb\":1,\"free_pct\":0}",
	    "ok", URL_OK, "true", "9.5", "true"));
	expect(&in, BIT(FLEET_PK_DISK) | BIT(FLEET_PK_PKG_LOCK) |
	    BIT(FLEET_PK_REBOOT_PENDING) | BIT(FLEET_PK_STATUS_CHECK), "/:");
}

static void
test_agent(void **state)
{
	struct fleet_precheck_input in = sent(NULL);

	(void)state;
	in.sent = 0;
	in.ping = "ConnectionLost";
	expect(&in, BIT(FLEET_PK_AGENT_OFFLINE), "ConnectionLost");
	in.ping = NULL;
	expect(&in, BIT(FLEET_PK_AGENT_OFFLINE), "not registered");
	in.ping = "Online";
	in.state = "stopped";
	expect(&in, BIT(FLEET_PK_AGENT_OFFLINE), "instance stopped");
}

static void
test_status_check(void **state)
{
	struct fleet_precheck_input in = sent(GOOD);

	(void)state;
	in.instance_status = "impaired";
	expect(&in, BIT(FLEET_PK_STATUS_CHECK), "instance impaired");
	in.instance_status = "ok";
	in.system_status = "impaired";
	expect(&in, BIT(FLEET_PK_STATUS_CHECK), "system impaired");
	in.system_status = "initializing";
	in.instance_status = NULL;
	expect(&in, 0, NULL);
	/* Offline and impaired: both. */
	in.ping = "ConnectionLost";
	in.instance_status = "impaired";
	expect(&in, BIT(FLEET_PK_AGENT_OFFLINE) | BIT(FLEET_PK_STATUS_CHECK),
	    NULL);
	in = sent(LINE(ROOT_OK, "ok", URL_OK, "false", "12.25", "false"));
	expect(&in, BIT(FLEET_PK_STATUS_CHECK), "load 12.25 above 8.00");
}

static void
test_no_result(void **state)
{
	struct fleet_precheck_input in;

	(void)state;
	in = sent("PATCHDECK_PRECHECK {\"v\":1,\"disk\":[{\"mou\n");
	expect(&in, BIT(FLEET_PK_NO_RESULT), "parse error: ");
	in = sent("");
	expect(&in, BIT(FLEET_PK_NO_RESULT), "parse error: ");
	in = sent(NULL);
	in.status = "Failed";
	in.status_details = "Undeliverable";
	expect(&in, BIT(FLEET_PK_NO_RESULT), "undeliverable");
	in.status = "TimedOut";
	in.status_details = "ExecutionTimedOut";
	expect(&in, BIT(FLEET_PK_NO_RESULT), "timed out");
	in.status_details = "DeliveryTimedOut";
	expect(&in, BIT(FLEET_PK_NO_RESULT), "timed out");
	in.status = in.status_details = "Cancelled";
	expect(&in, BIT(FLEET_PK_NO_RESULT), "cancelled");
	in.status = in.status_details = "Failed";
	in.response_code = 127;
	expect(&in, BIT(FLEET_PK_NO_RESULT), "failed (exit 127)");
	/* Still running when the wait ended: even a line is no result. */
	in = sent(GOOD);
	in.final = 0;
	expect(&in, BIT(FLEET_PK_NO_RESULT), "no final status");
	in = sent(GOOD);
	in.sent = 0;
	expect(&in, BIT(FLEET_PK_NO_RESULT), "not sent");
	in.not_sent_why = "its target is not configured";
	expect(&in, BIT(FLEET_PK_NO_RESULT), "not sent: its target is not");
}

/* Windows: nothing is sent (the document is Linux-only); agent and status
 * checks still count. */
static void
test_windows(void **state)
{
	struct fleet_precheck_input in = sent(NULL);

	(void)state;
	in.windows = 1;
	in.sent = 0;
	expect(&in, 0, NULL);
	in.instance_status = "impaired";
	expect(&in, BIT(FLEET_PK_STATUS_CHECK), NULL);
	in.instance_status = "ok";
	in.ping = "ConnectionLost";
	expect(&in, BIT(FLEET_PK_AGENT_OFFLINE), NULL);
}

static void
test_reason(void **state)
{
	struct fleet_precheck_input in = sent(LINE(ROOT_OK, "down", URL_OK,
	    "false", "0.1", "true"));
	struct fleet_precheck_verdict v;

	(void)state;
	fleet_precheck_judge(&lim, &in, &v);
	assert_string_equal(v.reason, "repo_unreachable: down; "
	    "reboot_pending: a reboot is pending (newer kernel installed or "
	    "reboot requested)");
	fleet_precheck_verdict_done(&v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_pass),
		cmocka_unit_test(test_disk),
		cmocka_unit_test(test_repo),
		cmocka_unit_test(test_lock_and_reboot),
		cmocka_unit_test(test_agent),
		cmocka_unit_test(test_status_check),
		cmocka_unit_test(test_no_result),
		cmocka_unit_test(test_reason),
		cmocka_unit_test(test_windows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
