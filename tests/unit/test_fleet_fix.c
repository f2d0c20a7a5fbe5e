/*
 * test_fleet_fix.c - the fixes for failed pre-checks: kind names, which
 * failure each fix repairs (and the words for those it cannot), and the
 * PATCHDECK_FIX line the fix document prints, read as untrusted output:
 * wrong keys, types, kinds and statuses, two lines, every cut and byte
 * flip are errors that name the problem, never a crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/fix.h"
#include "fleet/precheck.h"
#include "fleet/result.h"
#include "util/util.h"

#define LINE(json) "PATCHDECK_FIX " json "\n"
#define DISK_OK "{\"v\":1,\"kind\":\"disk\",\"status\":\"ok\"," \
	"\"freed_mb\":812,\"changed\":[\"apt-get clean\"," \
	"\"journalctl --vacuum-size=200M\"],\"error\":\"\"}"
#define LOCK_SKIPPED "{\"v\":1,\"kind\":\"pkg_lock\",\"status\":\"skipped\"," \
	"\"freed_mb\":0,\"changed\":[],\"error\":\"package manager running: " \
	"pid 42 (apt-get); not stopped (Force=true stops it)\"}"

static void
test_kinds(void **state)
{
	enum fleet_fix_kind k;
	char *err = NULL;

	(void)state;
	assert_string_equal(fleet_fix_kind_name(FLEET_FIX_DISK), "disk");
	assert_string_equal(fleet_fix_kind_name(FLEET_FIX_REPO), "repo");
	assert_string_equal(fleet_fix_kind_name(FLEET_FIX_PKG_LOCK),
	    "pkg_lock");
	assert_int_equal(fleet_fix_kind_parse("pkg_lock", &k, &err), 0);
	assert_int_equal(k, FLEET_FIX_PKG_LOCK);
	/* The failure names of the repository fix stand for it. */
	assert_int_equal(fleet_fix_kind_parse("repo_url", &k, &err), 0);
	assert_int_equal(k, FLEET_FIX_REPO);
	assert_int_equal(fleet_fix_kind_parse("repo_unreachable", &k, &err),
	    0);
	assert_int_equal(k, FLEET_FIX_REPO);
	assert_int_equal(fleet_fix_kind_parse("reboot_pending", &k, &err), -1);
	assert_non_null(strstr(err, "reboot_pending has no fix"));
	free(err);
	err = NULL;
	assert_int_equal(fleet_fix_kind_parse("Disk", &k, &err), -1);
	assert_non_null(strstr(err, "'Disk' is not a fix kind"));
	free(err);
}

static void
test_failures(void **state)
{
	static const struct {
		const char *failure;
		int fix;
		const char *why;
	} cases[] = {
		{ "disk", FLEET_FIX_DISK, NULL },
		{ "repo_unreachable", FLEET_FIX_REPO, NULL },
		{ "repo_url", FLEET_FIX_REPO, NULL },
		{ "pkg_lock", FLEET_FIX_PKG_LOCK, NULL },
		{ "reboot_pending", -1, "reboot the instance" },
		{ "agent_offline", -1, "cannot reach it" },
		{ "status_check", -1, "status checks" },
		{ "no_result", -1, "run the pre-check again" },
		{ "repo", -1, "not a pre-check failure kind" },
		{ "", -1, "not a pre-check failure kind" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		enum fleet_fix_kind k = FLEET_FIX_NKINDS;
		char *why = NULL;
		int rc = fleet_fix_for_failure(cases[i].failure, &k, &why);

		if (cases[i].fix >= 0) {
			assert_int_equal(rc, 0);
			assert_int_equal(k, cases[i].fix);
			assert_null(why);
			assert_true(fleet_fix_repairs(k, cases[i].failure));
		} else {
			assert_int_equal(rc, -1);
			if (strstr(why, cases[i].why) == NULL)
				fail_msg("%s: '%s' does not say '%s'",
				    cases[i].failure, why, cases[i].why);
			free(why);
			assert_false(fleet_fix_repairs(FLEET_FIX_DISK,
			    cases[i].failure));
		}
	}
	assert_int_equal(fleet_fix_repairs_mask(FLEET_FIX_DISK),
	    1u << FLEET_PK_DISK);
	assert_int_equal(fleet_fix_repairs_mask(FLEET_FIX_REPO),
	    1u << FLEET_PK_REPO_UNREACHABLE | 1u << FLEET_PK_REPO_URL);
	assert_int_equal(fleet_fix_repairs_mask(FLEET_FIX_PKG_LOCK),
	    1u << FLEET_PK_PKG_LOCK);
	/* Every failure named in fix.c is a pre-check kind. */
	for (i = 0; i < FLEET_PK_COUNT; i++) {
		enum fleet_fix_kind k;
		char *why = NULL;

		if (fleet_fix_for_failure(fleet_precheck_kind_name(
		    (enum fleet_precheck_kind)i), &k, &why) == 0)
			assert_true(fleet_fix_repairs_mask(k) & 1u << i);
		else
			assert_null(strstr(why, "not a pre-check"));
		free(why);
	}
	assert_false(fleet_fix_repairs(FLEET_FIX_DISK, "pkg_lock"));
	assert_false(fleet_fix_repairs(FLEET_FIX_REPO, "disk"));
}

static void
test_parse(void **state)
{
	struct fleet_fix_result f;
	const char *out = "some noise\n" LINE(DISK_OK) "more\r\n";
	char *err = NULL;

	(void)state;
	assert_int_equal(fleet_fix_parse(out, strlen(out), &f, &err), 0);
	assert_int_equal(f.kind, FLEET_FIX_DISK);
	assert_int_equal(f.status, FLEET_FIX_OK);
	assert_int_equal(f.freed_mb, 812);
	assert_int_equal(f.nchanged, 2);
	assert_string_equal(f.changed[1], "journalctl --vacuum-size=200M");
	assert_string_equal(f.error, "");
	assert_string_equal(fleet_fix_status_name(f.status), "ok");
	fleet_fix_result_done(&f);

	out = "PATCHDECK_FIX " LOCK_SKIPPED "\r\n";
	assert_int_equal(fleet_fix_parse(out, strlen(out), &f, &err), 0);
	assert_int_equal(f.kind, FLEET_FIX_PKG_LOCK);
	assert_int_equal(f.status, FLEET_FIX_SKIPPED);
	assert_int_equal(f.nchanged, 0);
	assert_non_null(strstr(f.error, "Force=true"));
	assert_string_equal(fleet_fix_status_name(f.status), "skipped");
	fleet_fix_result_done(&f);
}

static void
fix_fails(const char *out, const char *want)
{
	struct fleet_fix_result f;
	char *err = NULL;

	if (fleet_fix_parse(out, strlen(out), &f, &err) == 0)
		fail_msg("parsed, expected an error with '%s': %s", want, out);
	if (strstr(err, want) == NULL)
		fail_msg("error '%s' does not say '%s'", err, want);
	assert_null(f.changed);
	assert_null(f.error);
	free(err);
}

static void
test_bad(void **state)
{
	(void)state;
	fix_fails("", "no PATCHDECK_FIX line");
	fix_fails("PATCHDECK_FIXED " DISK_OK "\n", "no PATCHDECK_FIX line");
	fix_fails(LINE(DISK_OK) LINE(DISK_OK), "more than one");
	fix_fails(LINE("[1]"), "not a JSON object");
	fix_fails(LINE(DISK_OK " x"), "text after");
	fix_fails(LINE("{\"v\":2,\"kind\":\"disk\",\"status\":\"ok\","
	    "\"freed_mb\":0,\"changed\":[],\"error\":\"\"}"), "\"v\" is not 1");
	fix_fails(LINE("{\"v\":1,\"kind\":\"repo_url\",\"status\":\"ok\","
	    "\"freed_mb\":0,\"changed\":[],\"error\":\"\"}"),
	    "\"kind\" is not disk, repo or pkg_lock");
	fix_fails(LINE("{\"v\":1,\"kind\":\"disk\",\"status\":\"done\","
	    "\"freed_mb\":0,\"changed\":[],\"error\":\"\"}"),
	    "\"status\" is not ok, failed or skipped");
	fix_fails(LINE("{\"v\":1,\"kind\":\"disk\",\"status\":\"ok\","
	    "\"freed_mb\":-1,\"changed\":[],\"error\":\"\"}"), "freed_mb");
	fix_fails(LINE("{\"v\":1,\"kind\":\"disk\",\"status\":\"ok\","
	    "\"freed_mb\":1,\"changed\":[\"a\",2],\"error\":\"\"}"),
	    "changed[1] is not a string");
	fix_fails(LINE("{\"v\":1,\"kind\":\"disk\",\"status\":\"ok\","
	    "\"freed_mb\":1,\"changed\":\"a\",\"error\":\"\"}"),
	    "\"changed\" is not a list");
	fix_fails(LINE("{\"v\":1,\"kind\":\"disk\",\"status\":\"ok\","
	    "\"freed_mb\":1,\"changed\":[],\"error\":\"\",\"kind\":\"repo\"}"),
	    "\"kind\" is given twice");
	fix_fails(LINE("{\"v\":1,\"kind\":\"disk\",\"status\":\"ok\","
	    "\"changed\":[],\"error\":\"\"}"), "\"freed_mb\" is missing");
}

/* Every cut and hostile byte: parses whole, or fails with a message. */
static void
test_every_cut_and_flip(void **state)
{
	static const char bytes[] = { '\0', '"', '\\', ']', '\n', '9', '\x80',
	    '\x1b' };
	const char *base = "cleaning\n" LINE(DISK_OK);
	size_t n = strlen(base), i, k, parsed = 0;
	char *copy = xmalloc(n);

	(void)state;
	for (i = 0; i <= n; i++) {
		struct fleet_fix_result f;
		char *err = NULL;

		memcpy(copy, base, i);
		if (fleet_fix_parse(copy, i, &f, &err) == 0) {
			assert_non_null(f.error);
			parsed++;
			fleet_fix_result_done(&f);
		} else {
			assert_non_null(err);
			free(err);
		}
	}
	/* The whole, and the whole without its newline. */
	assert_int_equal(parsed, 2);
	for (i = 0; i < n; i++) {
		for (k = 0; k < sizeof bytes; k++) {
			struct fleet_fix_result f;
			char *err = NULL;

			memcpy(copy, base, n);
			copy[i] = bytes[k];
			if (fleet_fix_parse(copy, n, &f, &err) == 0) {
				assert_non_null(f.error);
				fleet_fix_result_done(&f);
			} else {
				assert_non_null(err);
				free(err);
			}
		}
	}
	free(copy);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_failures),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_every_cut_and_flip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
