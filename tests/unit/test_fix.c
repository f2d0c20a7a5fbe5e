/*
 * test_fix.c - ops/fix's pure half: which members a fix acts on (and the
 * words for those it leaves alone), the RepoMap parameter from
 * [precheck] repo_map (refusing what the document's allowedPattern would),
 * and the SendCommand parameters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/precheck.h"
#include "ops/config.h"
#include "ops/fix.h"

#define BIT(k) (1u << (k))

static const struct fix_member members[] = {
	{ "i-01", "prod/eu-west-1", "Linux", 1, BIT(FLEET_PK_DISK) },
	{ "i-02", "prod/eu-west-1", "Linux", 1, 0 },
	{ "i-03", "prod/us-east-1", "Linux", 1,
	    BIT(FLEET_PK_DISK) | BIT(FLEET_PK_PKG_LOCK) },
	{ "i-04", "prod/eu-west-1", "Windows", 1, BIT(FLEET_PK_DISK) },
	{ "i-05", "prod/eu-west-1", NULL, 1, BIT(FLEET_PK_AGENT_OFFLINE) },
	{ "i-06", "prod/eu-west-1", "Linux", 0, 0 },
	{ "i-07", "prod/eu-west-1", "Linux", 1, BIT(FLEET_PK_REPO_URL) },
	{ "i-08", "prod/eu-west-1", "Linux", 1,
	    BIT(FLEET_PK_REBOOT_PENDING) | BIT(FLEET_PK_STATUS_CHECK) },
	{ "i-09", "prod/eu-west-1", "Linux", 1,
	    BIT(FLEET_PK_REPO_UNREACHABLE) },
};
#define NMEMBERS (sizeof members / sizeof members[0])

static const char *
skip_why(const struct fix_selection *s, const char *id)
{
	size_t i;

	for (i = 0; i < s->nskipped; i++)
		if (strcmp(s->skipped[i].instance_id, id) == 0)
			return s->skipped[i].why;
	return NULL;
}

static void
test_select_all(void **state)
{
	struct fix_selection s;
	char *err = NULL;

	(void)state;
	assert_int_equal(fix_select(FLEET_FIX_DISK, members, NMEMBERS, NULL, 0,
	    &s, &err), 0);
	assert_int_equal(s.nchosen, 2);
	assert_int_equal(s.chosen[0], 0);
	assert_int_equal(s.chosen[1], 2);
	/* Only the failing member the fix cannot reach is mentioned. */
	assert_int_equal(s.nskipped, 1);
	assert_non_null(strstr(skip_why(&s, "i-04"), "Linux only"));
	fix_selection_done(&s);

	assert_int_equal(fix_select(FLEET_FIX_REPO, members, NMEMBERS, NULL, 0,
	    &s, &err), 0);
	assert_int_equal(s.nchosen, 2);
	assert_int_equal(s.chosen[0], 6);
	assert_int_equal(s.chosen[1], 8);
	assert_int_equal(s.nskipped, 0);
	fix_selection_done(&s);

	assert_int_equal(fix_select(FLEET_FIX_PKG_LOCK, members, NMEMBERS, NULL,
	    0, &s, &err), 0);
	assert_int_equal(s.nchosen, 1);
	assert_int_equal(s.chosen[0], 2);
	fix_selection_done(&s);
}

static void
test_select_named(void **state)
{
	static const char *const ids[] = {
		"i-03", "i-02", "i-06", "i-08", "i-05", "i-03"
	};
	static const char *const bad[] = { "i-01", "i-99", "i-98" };
	struct fix_selection s;
	char *err = NULL;

	(void)state;
	assert_int_equal(fix_select(FLEET_FIX_DISK, members, NMEMBERS, ids, 6,
	    &s, &err), 0);
	assert_int_equal(s.nchosen, 1);
	assert_int_equal(s.chosen[0], 2);
	assert_int_equal(s.nskipped, 4);
	assert_string_equal(skip_why(&s, "i-02"), "passed its pre-check");
	assert_non_null(strstr(skip_why(&s, "i-06"), "no pre-check result"));
	assert_string_equal(skip_why(&s, "i-08"), "fails with reboot_pending, "
	    "status_check, which the disk fix does not repair");
	assert_non_null(strstr(skip_why(&s, "i-05"), "agent offline"));
	fix_selection_done(&s);

	assert_int_equal(fix_select(FLEET_FIX_DISK, members, NMEMBERS, bad, 3,
	    &s, &err), -1);
	assert_string_equal(err, "2 instance(s) not members of the window on "
	    "that date: i-99, i-98");
	assert_null(s.chosen);
	free(err);
}

static void
test_repo_map(void **state)
{
	struct config_repo_map map[2] = {
		{ "http://old.example/el/$basearch/", "https://new.example/el/" },
		{ "http://a/", "https://b/" },
	};
	struct config_precheck pc;
	char *out = NULL, *err = NULL;

	(void)state;
	memset(&pc, 0, sizeof pc);
	assert_int_equal(fix_repo_map_param(&pc, &out, &err), -1);
	assert_non_null(strstr(err, "repo_map"));
	free(err);
	err = NULL;
	pc.repo_map = map;
	pc.nrepo_map = 2;
	assert_int_equal(fix_repo_map_param(&pc, &out, &err), 0);
	assert_string_equal(out, "http://old.example/el/$basearch/ -> "
	    "https://new.example/el/, http://a/ -> https://b/");
	free(out);
	map[1].to = "https://b/'$(reboot)'";
	assert_int_equal(fix_repo_map_param(&pc, &out, &err), -1);
	assert_null(out);
	assert_non_null(strstr(err, "holds '''"));
	free(err);
	err = NULL;
	map[1].to = "https://b/{x}";
	assert_int_equal(fix_repo_map_param(&pc, &out, &err), -1);
	free(err);
}

static void
test_parameters(void **state)
{
	cJSON *p;
	char *s;

	(void)state;
	p = fix_parameters(FLEET_FIX_PKG_LOCK, 1, "ignored");
	s = cJSON_PrintUnformatted(p);
	assert_string_equal(s, "{\"Kind\":[\"pkg_lock\"],\"Force\":[\"true\"],"
	    "\"RepoMap\":[\"\"]}");
	free(s);
	cJSON_Delete(p);
	p = fix_parameters(FLEET_FIX_REPO, 0, "http://a/ -> https://b/");
	s = cJSON_PrintUnformatted(p);
	assert_string_equal(s, "{\"Kind\":[\"repo\"],\"Force\":[\"false\"],"
	    "\"RepoMap\":[\"http://a/ -> https://b/\"]}");
	free(s);
	cJSON_Delete(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_select_all),
		cmocka_unit_test(test_select_named),
		cmocka_unit_test(test_repo_map),
		cmocka_unit_test(test_parameters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
