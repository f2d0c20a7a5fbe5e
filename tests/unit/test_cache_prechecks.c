/*
 * test_cache_prechecks.c - pre-check verdicts in the cache: put and read
 * back byte for byte (escape sequences and invalid UTF-8 too), the latest
 * per target and instance, an older verdict never hides a newer one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cache/prechecks.h"

static struct cache_precheck
pc(const char *target, const char *id, long long at, int failed,
    unsigned kinds, const char *reason)
{
	struct cache_precheck v;

	v.target = (char *)target;
	v.instance_id = (char *)id;
	v.checked_at = at;
	v.failed = failed;
	v.kinds = kinds;
	v.reason = (char *)reason;
	v.detail_json = (char *)"{\"disk\":[]}";
	v.output_tail = (char *)"out\x1b[2J\xff\n";
	return v;
}

static void
test_put_latest(void **state)
{
	struct cache *c;
	struct cache_precheck in[3], *out;
	size_t n;
	char *err = NULL;

	(void)state;
	assert_int_equal(cache_open_memory(&c, &err), 0);
	assert_int_equal(cache_prechecks_latest(c, &out, &n, &err), 0);
	assert_int_equal(n, 0);
	in[0] = pc("prod/us-east-1", "i-2", 100, 1, 1u << 0, "disk: /: 1 MB");
	in[1] = pc("prod/us-east-1", "i-1", 100, 0, 0, "");
	in[2] = pc("dev/eu-west-1", "i-1", 90, 1, (1u << 7) | (1u << 5),
	    "no_result: \x1b]0;x\x07");
	assert_int_equal(cache_prechecks_put(c, in, 3, &err), 0);
	/* Newer replaces, older does not. */
	in[0] = pc("prod/us-east-1", "i-2", 200, 0, 0, "");
	in[1] = pc("prod/us-east-1", "i-1", 50, 1, 1u << 3, "old");
	assert_int_equal(cache_prechecks_put(c, in, 2, &err), 0);
	assert_int_equal(cache_prechecks_latest(c, &out, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(out[0].target, "dev/eu-west-1");
	assert_string_equal(out[0].reason, "no_result: \x1b]0;x\x07");
	assert_int_equal(out[0].kinds, (1u << 7) | (1u << 5));
	assert_int_equal(out[0].checked_at, 90);
	assert_string_equal(out[1].instance_id, "i-1");
	assert_int_equal(out[1].checked_at, 100);
	assert_int_equal(out[1].failed, 0);
	assert_string_equal(out[1].reason, "");
	assert_string_equal(out[2].instance_id, "i-2");
	assert_int_equal(out[2].checked_at, 200);
	assert_int_equal(out[2].failed, 0);
	assert_string_equal(out[2].output_tail, "out\x1b[2J\xff\n");
	assert_string_equal(out[2].detail_json, "{\"disk\":[]}");
	cache_prechecks_free(out, n);
	cache_close(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_latest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
