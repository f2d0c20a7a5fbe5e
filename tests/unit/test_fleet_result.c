/*
 * test_fleet_result.c - reading what the SSM documents print (DESIGN.md
 * section 6): one result line, two around a reboot and every wrong
 * arrangement of them; the pre-check line; the Windows update count.
 * Output is untrusted: wrong types, ranges, versions, duplicate keys, NUL
 * bytes, CRLF, text after the object, and every cut and every byte flip
 * of a real output are errors that name the problem, never a crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/result.h"
#include "util/util.h"

#define LINE(json) "PATCHDECK_RESULT " json "\n"

#define OK_NONE "{\"v\":1,\"os\":\"Amazon Linux 2023\"," \
	"\"kernel_before\":\"6.1.0-1\",\"kernel_after\":\"6.1.0-1\"," \
	"\"pkgs_before\":612,\"pkgs_updated\":14,\"pkgs_available_after\":0," \
	"\"reboot\":\"none\",\"status\":\"ok\",\"error\":\"\"}"
#define REQUIRED "{\"v\":1,\"os\":\"Ubuntu 22.04\"," \
	"\"kernel_before\":\"5.15.0-91\",\"kernel_after\":\"5.15.0-91\"," \
	"\"pkgs_before\":700,\"pkgs_updated\":9,\"pkgs_available_after\":0," \
	"\"reboot\":\"required\",\"status\":\"ok\",\"error\":\"\"}"
#define DONE "{\"v\":1,\"os\":\"Ubuntu 22.04\"," \
	"\"kernel_before\":\"5.15.0-91\",\"kernel_after\":\"5.15.0-94\"," \
	"\"pkgs_before\":700,\"pkgs_updated\":9,\"pkgs_available_after\":0," \
	"\"reboot\":\"done\",\"status\":\"ok\",\"error\":\"\"}"
#define FAILED "{\"v\":1,\"os\":\"RHEL 9\"," \
	"\"kernel_before\":\"5.14.0\",\"kernel_after\":\"5.14.0\"," \
	"\"pkgs_before\":500,\"pkgs_updated\":0,\"pkgs_available_after\":31," \
	"\"reboot\":\"none\",\"status\":\"failed\"," \
	"\"error\":\"disk full: no space left on /\"}"

#define PRE "{\"v\":1,\"disk\":[{\"mount\":\"/\",\"free_mb\":5120," \
	"\"free_pct\":62},{\"mount\":\"/var\",\"free_mb\":900,\"free_pct\":9}]," \
	"\"repo\":\"ok\",\"repo_urls\":[\"http://archive.ubuntu.com/ubuntu\"," \
	"\"http://security.ubuntu.com/ubuntu\"],\"pkg_lock\":false," \
	"\"uptime_s\":864000,\"load1\":0.42,\"reboot_pending\":true}"

/* Parses out as a result, expecting an error that contains want. */
static void
result_fails(const char *out, const char *want)
{
	struct fleet_result r;
	char *err = NULL;

	if (fleet_result_parse(out, strlen(out), &r, &err) == 0)
		fail_msg("parsed, expected an error with '%s': %s", want, out);
	assert_non_null(err);
	if (strstr(err, want) == NULL)
		fail_msg("error '%s' does not say '%s'", err, want);
	assert_null(r.os);
	free(err);
}

static void
precheck_fails(const char *out, const char *want)
{
	struct fleet_precheck p;
	char *err = NULL;

	if (fleet_precheck_parse(out, strlen(out), &p, &err) == 0)
		fail_msg("parsed, expected an error with '%s': %s", want, out);
	assert_non_null(err);
	if (strstr(err, want) == NULL)
		fail_msg("error '%s' does not say '%s'", err, want);
	assert_null(p.disk);
	free(err);
}

static void
test_one_pass(void **state)
{
	const char *out = "patchdeck patch: Amazon Linux 2023 (dnf)\n"
	    "running kernel: 6.1.0-1\nComplete!\n" LINE(OK_NONE);
	struct fleet_result r;
	char *err = NULL;

	(void)state;
	assert_int_equal(fleet_result_parse(out, strlen(out), &r, &err), 0);
	assert_string_equal(r.os, "Amazon Linux 2023");
	assert_string_equal(r.kernel_before, "6.1.0-1");
	assert_string_equal(r.kernel_after, "6.1.0-1");
	assert_int_equal(r.pkgs_before, 612);
	assert_int_equal(r.pkgs_updated, 14);
	assert_int_equal(r.pkgs_available_after, 0);
	assert_int_equal(r.reboot, FLEET_REBOOT_NONE);
	assert_int_equal(r.ok, 1);
	assert_string_equal(r.error, "");
	assert_int_equal(r.passes, 1);
	fleet_result_done(&r);
	assert_null(r.os);

	out = "E: You don't have enough free space\r\n" LINE(FAILED);
	assert_int_equal(fleet_result_parse(out, strlen(out), &r, &err), 0);
	assert_int_equal(r.ok, 0);
	assert_string_equal(r.error, "disk full: no space left on /");
	assert_int_equal(r.pkgs_available_after, 31);
	fleet_result_done(&r);

	/* CRLF, no final newline, and spaces after the object. */
	out = "x\r\nPATCHDECK_RESULT " OK_NONE "  \r\n";
	assert_int_equal(fleet_result_parse(out, strlen(out), &r, &err), 0);
	fleet_result_done(&r);
	out = "PATCHDECK_RESULT " OK_NONE;
	assert_int_equal(fleet_result_parse(out, strlen(out), &r, &err), 0);
	fleet_result_done(&r);
}

static void
test_reboot_passes(void **state)
{
	const char *out = "patchdeck patch: Ubuntu\n" LINE(REQUIRED)
	    "newest kernel 5.15.0-94 is not running: exit 194 to reboot\n"
	    "patchdeck patch: Ubuntu after reboot\n" LINE(DONE);
	struct fleet_result r;
	char *err = NULL;

	(void)state;
	assert_int_equal(fleet_result_parse(out, strlen(out), &r, &err), 0);
	assert_int_equal(r.passes, 2);
	assert_int_equal(r.reboot, FLEET_REBOOT_DONE);
	assert_string_equal(r.kernel_before, "5.15.0-91");
	assert_string_equal(r.kernel_after, "5.15.0-94");
	fleet_result_done(&r);

	/* Not rebooted (not allowed): one line, "required". */
	out = LINE(REQUIRED);
	assert_int_equal(fleet_result_parse(out, strlen(out), &r, &err), 0);
	assert_int_equal(r.reboot, FLEET_REBOOT_REQUIRED);
	assert_int_equal(r.passes, 1);
	fleet_result_done(&r);
	assert_string_equal(fleet_reboot_name(FLEET_REBOOT_REQUIRED),
	    "required");
}

static void
test_wrong_arrangements(void **state)
{
	(void)state;
	result_fails("", "no PATCHDECK_RESULT line");
	result_fails("Complete!\nRESULT " OK_NONE "\n",
	    "no PATCHDECK_RESULT line");
	/* The tag must start the line. */
	result_fails(" PATCHDECK_RESULT " OK_NONE "\n",
	    "no PATCHDECK_RESULT line");
	result_fails(LINE(OK_NONE) LINE(DONE), "did not ask for a reboot");
	result_fails(LINE(DONE) LINE(DONE), "did not ask for a reboot");
	result_fails(LINE(REQUIRED) LINE(REQUIRED), "not done");
	result_fails(LINE(REQUIRED) LINE(DONE) LINE(DONE),
	    "more than two");
	result_fails(LINE(REQUIRED) "PATCHDECK_RESULT {\"v\":1,\n",
	    "the second PATCHDECK_RESULT line");
	result_fails("PATCHDECK_RESULT {\"v\":1,\n" LINE(DONE),
	    "the first PATCHDECK_RESULT line");
	result_fails("PATCHDECK_RESULT {\"v\":1,\n", "the PATCHDECK_RESULT "
	    "line: ");
}

/* The tag is a word: followed by a space or the end of the line, never
 * by more of a longer word. */
static void
test_tag_word(void **state)
{
	const char *out = "PATCHDECK_RESULTS " OK_NONE "\n"
	    "PATCHDECK_RESULT_V2 " DONE "\n" LINE(FAILED);
	const char *pre = "PATCHDECK_PRECHECKS " PRE "\n"
	    "PATCHDECK_PRECHECK " PRE "\n";
	struct fleet_result r;
	struct fleet_precheck p;
	char *err = NULL;

	(void)state;
	assert_int_equal(fleet_result_parse(out, strlen(out), &r, &err), 0);
	assert_int_equal(r.passes, 1);
	assert_int_equal(r.ok, 0);
	assert_string_equal(r.os, "RHEL 9");
	fleet_result_done(&r);
	result_fails("PATCHDECK_RESULTS " OK_NONE "\n",
	    "no PATCHDECK_RESULT line");
	result_fails("PATCHDECK_RESULT\t" OK_NONE "\n",
	    "no PATCHDECK_RESULT line");
	/* The tag alone is a result line with nothing in it. */
	result_fails("PATCHDECK_RESULT\n", "the PATCHDECK_RESULT line is not a "
	    "JSON object");
	result_fails("PATCHDECK_RESULT", "the PATCHDECK_RESULT line is not a "
	    "JSON object");

	assert_int_equal(fleet_precheck_parse(pre, strlen(pre), &p, &err), 0);
	assert_int_equal(p.ndisk, 2);
	fleet_precheck_done(&p);
	precheck_fails("PATCHDECK_PRECHECKS " PRE "\n",
	    "no PATCHDECK_PRECHECK line");
	precheck_fails("PATCHDECK_PRECHECK\n", "the PATCHDECK_PRECHECK line is "
	    "not a JSON object");
}

static void
test_bad_values(void **state)
{
	(void)state;
	/* Cut mid-JSON, as a malformed output is. */
	result_fails("PATCHDECK_RESULT {\"v\":1,\"os\":\"Amazon Li\n",
	    "not a JSON object");
	result_fails(LINE("[1,2]"), "not a JSON object");
	result_fails(LINE("\"text\""), "not a JSON object");
	result_fails("PATCHDECK_RESULT " OK_NONE " trailing\n",
	    "text after its JSON object");
	result_fails(LINE("{\"v\":2,\"os\":\"x\",\"kernel_before\":\"a\","
	    "\"kernel_after\":\"a\",\"pkgs_before\":1,\"pkgs_updated\":0,"
	    "\"pkgs_available_after\":0,\"reboot\":\"none\",\"status\":\"ok\","
	    "\"error\":\"\"}"), "\"v\" is not 1");
	result_fails(LINE("{\"v\":1,\"os\":\"x\"}"), "\"kernel_before\" is "
	    "missing");
	result_fails(LINE("{\"v\":1,\"os\":1,\"kernel_before\":\"a\","
	    "\"kernel_after\":\"a\",\"pkgs_before\":1,\"pkgs_updated\":0,"
	    "\"pkgs_available_after\":0,\"reboot\":\"none\",\"status\":\"ok\","
	    "\"error\":\"\"}"), "\"os\" is not a string");
	result_fails(LINE("{\"v\":1,\"os\":\"x\",\"kernel_before\":\"a\","
	    "\"kernel_after\":\"a\",\"pkgs_before\":-1,\"pkgs_updated\":0,"
	    "\"pkgs_available_after\":0,\"reboot\":\"none\",\"status\":\"ok\","
	    "\"error\":\"\"}"), "\"pkgs_before\" is not a whole number");
	result_fails(LINE("{\"v\":1,\"os\":\"x\",\"kernel_before\":\"a\","
	    "\"kernel_after\":\"a\",\"pkgs_before\":1,\"pkgs_updated\":2.5,"
	    "\"pkgs_available_after\":0,\"reboot\":\"none\",\"status\":\"ok\","
	    "\"error\":\"\"}"), "\"pkgs_updated\" is not a whole number");
	result_fails(LINE("{\"v\":1,\"os\":\"x\",\"kernel_before\":\"a\","
	    "\"kernel_after\":\"a\",\"pkgs_before\":1,\"pkgs_updated\":0,"
	    "\"pkgs_available_after\":1e300,\"reboot\":\"none\","
	    "\"status\":\"ok\",\"error\":\"\"}"),
	    "\"pkgs_available_after\" is not a whole number");
	result_fails(LINE("{\"v\":1,\"os\":\"x\",\"kernel_before\":\"a\","
	    "\"kernel_after\":\"a\",\"pkgs_before\":1,\"pkgs_updated\":0,"
	    "\"pkgs_available_after\":0,\"reboot\":\"maybe\",\"status\":\"ok\","
	    "\"error\":\"\"}"), "\"reboot\" is not none, required or done");
	result_fails(LINE("{\"v\":1,\"os\":\"x\",\"kernel_before\":\"a\","
	    "\"kernel_after\":\"a\",\"pkgs_before\":1,\"pkgs_updated\":0,"
	    "\"pkgs_available_after\":0,\"reboot\":\"none\",\"status\":\"OK\","
	    "\"error\":\"\"}"), "\"status\" is not ok or failed");
	/* A key twice: which one would count? */
	result_fails(LINE("{\"v\":1,\"os\":\"x\",\"kernel_before\":\"a\","
	    "\"kernel_after\":\"a\",\"pkgs_before\":1,\"pkgs_updated\":0,"
	    "\"pkgs_available_after\":0,\"reboot\":\"none\",\"status\":\"ok\","
	    "\"status\":\"failed\",\"error\":\"\"}"),
	    "\"status\" is given twice");
}

static void
test_nul_byte(void **state)
{
	static const char out[] = "PATCHDECK_RESULT {\"v\":1,\"os\":\"a\0b\"}\n";
	struct fleet_result r;
	char *err = NULL;

	(void)state;
	assert_int_equal(fleet_result_parse(out, sizeof out - 1, &r, &err),
	    -1);
	assert_non_null(strstr(err, "NUL byte"));
	free(err);
	/* A NUL elsewhere in the output does not hide the line after it. */
	{
		static const char two[] = "bin\0ary\n" LINE(OK_NONE);

		assert_int_equal(fleet_result_parse(two, sizeof two - 1, &r,
		    &err), 0);
		fleet_result_done(&r);
	}
	assert_int_equal(fleet_result_parse(NULL, 10, &r, &err), -1);
	free(err);
}

/*
 * Every cut of a two-pass output, and every byte of it replaced by each of
 * a few hostile bytes: each parses or fails with a message, and a success
 * has whole values (run under the sanitizers, this finds any overread).
 */
static void
test_every_cut_and_flip(void **state)
{
	static const char bytes[] = { '\0', '"', '\\', '}', '\n', '9', '\x80',
	    '\x1b' };
	const char *base = "patchdeck patch: Ubuntu\n" LINE(REQUIRED)
	    "reboot\n" LINE(DONE);
	size_t n = strlen(base), i, k, parsed = 0, failed = 0;
	char *copy = xmalloc(n);

	(void)state;
	for (i = 0; i <= n; i++) {
		struct fleet_result r;
		char *err = NULL;

		memcpy(copy, base, i);
		if (fleet_result_parse(copy, i, &r, &err) == 0) {
			/* Cut before the second pass, the first reads as
			 * not rebooted; only the whole reads as two. */
			assert_non_null(r.os);
			if (r.passes == 2)
				parsed++;
			else
				assert_int_equal(r.reboot,
				    FLEET_REBOOT_REQUIRED);
			fleet_result_done(&r);
		} else {
			assert_non_null(err);
			failed++;
			free(err);
		}
	}
	/* Two passes: the whole, and the whole less its last newline. */
	assert_int_equal(parsed, 2);
	for (i = 0; i < n; i++) {
		for (k = 0; k < sizeof bytes; k++) {
			struct fleet_result r;
			char *err = NULL;

			memcpy(copy, base, n);
			copy[i] = bytes[k];
			if (fleet_result_parse(copy, n, &r, &err) == 0) {
				assert_non_null(r.kernel_after);
				fleet_result_done(&r);
			} else {
				assert_non_null(err);
				free(err);
			}
		}
	}
	free(copy);
	assert_true(failed > 0);
}

static void
test_precheck(void **state)
{
	const char *out = "patchdeck precheck on Ubuntu\nchecking disk space\n"
	    "PATCHDECK_PRECHECK " PRE "\n";
	struct fleet_precheck p;
	char *err = NULL;

	(void)state;
	assert_int_equal(fleet_precheck_parse(out, strlen(out), &p, &err), 0);
	assert_int_equal(p.ndisk, 2);
	assert_string_equal(p.disk[0].mount, "/");
	assert_int_equal(p.disk[0].free_mb, 5120);
	assert_int_equal(p.disk[0].free_pct, 62);
	assert_string_equal(p.disk[1].mount, "/var");
	assert_int_equal(p.disk[1].free_pct, 9);
	assert_string_equal(p.repo, "ok");
	assert_int_equal(p.nrepo_urls, 2);
	assert_string_equal(p.repo_urls[1], "http://security.ubuntu.com/ubuntu");
	assert_int_equal(p.pkg_lock, 0);
	assert_int_equal(p.uptime_s, 864000);
	assert_true(p.load1 > 0.41 && p.load1 < 0.43);
	assert_int_equal(p.reboot_pending, 1);
	fleet_precheck_done(&p);
	assert_null(p.disk);

	/* A repository error is a value, not a parse error. */
	out = "PATCHDECK_PRECHECK {\"v\":1,\"disk\":[{\"mount\":\"/\","
	    "\"free_mb\":0,\"free_pct\":0}],\"repo\":\"Curl error (28)\","
	    "\"repo_urls\":[],\"pkg_lock\":true,\"uptime_s\":0,\"load1\":0,"
	    "\"reboot_pending\":false}";
	assert_int_equal(fleet_precheck_parse(out, strlen(out), &p, &err), 0);
	assert_string_equal(p.repo, "Curl error (28)");
	assert_int_equal(p.nrepo_urls, 0);
	assert_int_equal(p.pkg_lock, 1);
	fleet_precheck_done(&p);
}

static void
test_precheck_bad(void **state)
{
	(void)state;
	precheck_fails("checking disk space\n", "no PATCHDECK_PRECHECK line");
	precheck_fails("PATCHDECK_PRECHECK " PRE "\nPATCHDECK_PRECHECK " PRE
	    "\n", "more than one");
	precheck_fails("PATCHDECK_PRECHECK {\"v\":1,\"disk\":[{\"mou\n",
	    "not a JSON object");
	precheck_fails("PATCHDECK_PRECHECK {\"v\":1,\"disk\":[],\"repo\":\"ok\","
	    "\"repo_urls\":[],\"pkg_lock\":false,\"uptime_s\":1,\"load1\":0,"
	    "\"reboot_pending\":false}", "\"disk\" is not a list of mounts");
	precheck_fails("PATCHDECK_PRECHECK {\"v\":1,\"disk\":[{\"mount\":\"/var\","
	    "\"free_mb\":1,\"free_pct\":1}],\"repo\":\"ok\",\"repo_urls\":[],"
	    "\"pkg_lock\":false,\"uptime_s\":1,\"load1\":0,"
	    "\"reboot_pending\":false}", "disk[0] is not \"/\"");
	precheck_fails("PATCHDECK_PRECHECK {\"v\":1,\"disk\":[{\"mount\":\"/\","
	    "\"free_mb\":1,\"free_pct\":101}],\"repo\":\"ok\",\"repo_urls\":[],"
	    "\"pkg_lock\":false,\"uptime_s\":1,\"load1\":0,"
	    "\"reboot_pending\":false}", "disk[0]: \"free_pct\" is not a whole "
	    "number from 0 to 100");
	precheck_fails("PATCHDECK_PRECHECK {\"v\":1,\"disk\":[{\"mount\":\"/\","
	    "\"free_mb\":1,\"free_pct\":1},7],\"repo\":\"ok\",\"repo_urls\":[],"
	    "\"pkg_lock\":false,\"uptime_s\":1,\"load1\":0,"
	    "\"reboot_pending\":false}", "disk[1] is not an object");
	precheck_fails("PATCHDECK_PRECHECK {\"v\":1,\"disk\":[{\"mount\":\"/\","
	    "\"free_mb\":1,\"free_pct\":1}],\"repo\":\"ok\",\"repo_urls\":[1],"
	    "\"pkg_lock\":false,\"uptime_s\":1,\"load1\":0,"
	    "\"reboot_pending\":false}", "repo_urls[0] is not a string");
	precheck_fails("PATCHDECK_PRECHECK {\"v\":1,\"disk\":[{\"mount\":\"/\","
	    "\"free_mb\":1,\"free_pct\":1}],\"repo\":\"ok\",\"repo_urls\":[],"
	    "\"pkg_lock\":\"no\",\"uptime_s\":1,\"load1\":0,"
	    "\"reboot_pending\":false}", "\"pkg_lock\" is not true or false");
	precheck_fails("PATCHDECK_PRECHECK {\"v\":1,\"disk\":[{\"mount\":\"/\","
	    "\"free_mb\":1,\"free_pct\":1}],\"repo\":\"ok\",\"repo_urls\":[],"
	    "\"pkg_lock\":false,\"uptime_s\":1,\"load1\":-1,"
	    "\"reboot_pending\":false}", "\"load1\" is not a number from 0 up");
	precheck_fails("PATCHDECK_PRECHECK {\"v\":1,\"repo\":\"ok\"}",
	    "\"disk\" is missing");
}

static void
test_windows_updates(void **state)
{
	const char *out = "Searching for updates...\nFound 3 updates.\n"
	    "KB         Result     Title\n"
	    "KB5034439  Succeeded  2024-01 Cumulative Update\n"
	    "\nInstalled 3 updates.\nA reboot is required to complete the "
	    "installation. Rebooting...\n";
	long long n = -1;
	char *err = NULL;

	(void)state;
	assert_int_equal(fleet_windows_updates(out, strlen(out), &n, &err), 0);
	assert_int_equal(n, 3);
	out = "Searching for updates...\r\nNo updates to install.\r\n";
	assert_int_equal(fleet_windows_updates(out, strlen(out), &n, &err), 0);
	assert_int_equal(n, 0);
	out = "  Installed 1 update.  \n";
	assert_int_equal(fleet_windows_updates(out, strlen(out), &n, &err), 0);
	assert_int_equal(n, 1);
	/* Not the line: other words, no digits, too many digits, cut. */
	out = "Installed updates.\nInstalled 3 updates now.\n"
	    "Installed 12345678901 updates.\nInstalled 4 upd";
	assert_int_equal(fleet_windows_updates(out, strlen(out), &n, &err),
	    -1);
	assert_non_null(strstr(err, "Installed N updates."));
	free(err);
	/* Downloading failed: no count line. */
	out = "Searching for updates...\nFound 2 updates.\n"
	    "Downloading updates...\n";
	assert_int_equal(fleet_windows_updates(out, strlen(out), &n, &err),
	    -1);
	free(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_pass),
		cmocka_unit_test(test_reboot_passes),
		cmocka_unit_test(test_wrong_arrangements),
		cmocka_unit_test(test_tag_word),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_every_cut_and_flip),
		cmocka_unit_test(test_precheck),
		cmocka_unit_test(test_precheck_bad),
		cmocka_unit_test(test_windows_updates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
