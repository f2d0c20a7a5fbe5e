/*
 * test_tagging.c - the grouping of tag changes into calls
 * (tagging_plan_build): by target, region and value, duplicates once,
 * chunked at the per-call limit, in first-seen order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/ec2.h"
#include "ops/tagging.h"
#include "util/util.h"

static void
three_ids_one_call(void **state)
{
	struct tagging_item it[] = {
		{ "i-1", "prod", "us-east-1", "sun-0200" },
		{ "i-2", "prod", "us-east-1", "sun-0200" },
		{ "i-3", "prod", "us-east-1", "sun-0200" },
	};
	struct tagging_plan p;

	(void)state;
	tagging_plan_build(it, 3, "PatchWindow", 0, &p);
	assert_int_equal(p.ncalls, 1);
	assert_int_equal(p.ninstances, 3);
	assert_int_equal(p.calls[0].op, TAGGING_CREATE);
	assert_string_equal(p.calls[0].key, "PatchWindow");
	assert_string_equal(p.calls[0].value, "sun-0200");
	assert_int_equal(p.calls[0].nids, 3);
	assert_string_equal(p.calls[0].ids[0], "i-1");
	assert_string_equal(p.calls[0].ids[2], "i-3");
	assert_int_equal(p.calls[0].sent, 0);
	tagging_plan_free(&p);
}

static void
grouped_by_target_region_value(void **state)
{
	struct tagging_item it[] = {
		{ "i-1", "prod", "us-east-1", "a" },
		{ "i-2", "prod", "eu-west-1", "a" },
		{ "i-3", "dev", "us-east-1", "a" },
		{ "i-4", "prod", "us-east-1", "b" },
		{ "i-5", "prod", "us-east-1", "a" },
		{ "i-6", "prod", "us-east-1", NULL },
		{ "i-7", "prod", "us-east-1", NULL },
	};
	struct tagging_plan p;

	(void)state;
	tagging_plan_build(it, 7, "PatchWindow", 0, &p);
	assert_int_equal(p.ncalls, 5);
	assert_int_equal(p.ninstances, 7);
	/* First-seen order of groups. */
	assert_string_equal(p.calls[0].region, "us-east-1");
	assert_string_equal(p.calls[0].target, "prod");
	assert_int_equal(p.calls[0].nids, 2);
	assert_string_equal(p.calls[0].ids[1], "i-5");
	assert_string_equal(p.calls[1].region, "eu-west-1");
	assert_string_equal(p.calls[2].target, "dev");
	assert_string_equal(p.calls[3].value, "b");
	assert_int_equal(p.calls[4].op, TAGGING_DELETE);
	assert_null(p.calls[4].value);
	assert_int_equal(p.calls[4].nids, 2);
	assert_string_equal(tagging_op_name(p.calls[4].op), "DeleteTags");
	tagging_plan_free(&p);
}

static void
duplicates_once(void **state)
{
	struct tagging_item it[] = {
		{ "i-1", "prod", "us-east-1", "a" },
		{ "i-1", "prod", "us-east-1", "b" },	/* first wins */
		{ "i-1", "prod", "eu-west-1", "a" },	/* another region */
	};
	struct tagging_plan p;

	(void)state;
	tagging_plan_build(it, 3, "Owner", 0, &p);
	assert_int_equal(p.ninstances, 2);
	assert_int_equal(p.ncalls, 2);
	assert_string_equal(p.calls[0].value, "a");
	assert_int_equal(p.calls[0].nids, 1);
	tagging_plan_free(&p);
}

static void
chunked(void **state)
{
	size_t n = 2 * EC2_MAX_IDS_PER_CALL + 5, i;
	struct tagging_item *it = xcalloc(n, sizeof *it);
	char **ids = xcalloc(n, sizeof *ids);
	struct tagging_plan p;

	(void)state;
	for (i = 0; i < n; i++) {
		ids[i] = xasprintf("i-%06zu", i);
		it[i].id = ids[i];
		it[i].target = "prod";
		it[i].region = "us-east-1";
		it[i].value = "sun-0200";
	}
	tagging_plan_build(it, n, "PatchWindow", 0, &p);
	assert_int_equal(p.ncalls, 3);
	assert_int_equal(p.calls[0].nids, EC2_MAX_IDS_PER_CALL);
	assert_int_equal(p.calls[1].nids, EC2_MAX_IDS_PER_CALL);
	assert_int_equal(p.calls[2].nids, 5);
	assert_string_equal(p.calls[2].ids[4], ids[n - 1]);
	tagging_plan_free(&p);

	/* A smaller limit, and one above the API's is capped. */
	tagging_plan_build(it, 10, "PatchWindow", 4, &p);
	assert_int_equal(p.ncalls, 3);
	assert_int_equal(p.calls[2].nids, 2);
	tagging_plan_free(&p);
	tagging_plan_build(it, n, "PatchWindow", 5000, &p);
	assert_int_equal(p.ncalls, 3);
	tagging_plan_free(&p);

	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	free(it);
}

static void
empty(void **state)
{
	struct tagging_plan p;

	(void)state;
	tagging_plan_build(NULL, 0, "PatchWindow", 0, &p);
	assert_int_equal(p.ncalls, 0);
	assert_int_equal(p.ninstances, 0);
	tagging_plan_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(three_ids_one_call),
		cmocka_unit_test(grouped_by_target_region_value),
		cmocka_unit_test(duplicates_once),
		cmocka_unit_test(chunked),
		cmocka_unit_test(empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
