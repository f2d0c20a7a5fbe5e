/*
 * test_jsonutil.c - numbers from JSON replies are range-checked before
 * they are converted: 1e300 as a time, a count or a printed field is an
 * error or "absent" as the helper promises, never undefined behaviour
 * (UBSan in make unit-san) or a time in the year 10^292.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "aws/jsonutil.h"
#include "aws/ssm.h"
#include "util/util.h"

static cJSON *
parse(const char *s)
{
	cJSON *j = cJSON_Parse(s);

	assert_non_null(j);
	return j;
}

static void
test_str_of_huge_numbers(void **state)
{
	cJSON *j = parse("{\"a\":1e300,\"b\":-1e300,\"c\":12,\"d\":1.5,"
	    "\"e\":9223372036854775808}");
	char *s;

	(void)state;
	s = json_str(j, "a");
	assert_string_equal(s, "1e+300");
	free(s);
	s = json_str(j, "b");
	assert_string_equal(s, "-1e+300");
	free(s);
	s = json_str(j, "c");
	assert_string_equal(s, "12");
	free(s);
	s = json_str(j, "d");
	assert_string_equal(s, "1.500");
	free(s);
	/* 2^63: one past long long. */
	s = json_str(j, "e");
	assert_string_equal(s, "9.22337e+18");
	free(s);
	cJSON_Delete(j);
}

static void
test_integer_range(void **state)
{
	cJSON *j = parse("{\"big\":1e300,\"neg\":-1e300,\"frac\":2.5,"
	    "\"ok\":42,\"s\":\"42\",\"n\":null,\"max\":100,\"edge\":"
	    "9223372036854775807}");
	long long v = -1;
	char *err = NULL;

	(void)state;
	assert_int_equal(json_integer(j, "ok", 0, 100, 0, &v, &err), 0);
	assert_int_equal(v, 42);
	assert_int_equal(json_integer(j, "max", 0, 100, 0, &v, &err), 0);
	assert_int_equal(v, 100);
	v = -1;
	assert_int_equal(json_integer(j, "missing", 0, 100, 0, &v, &err), 1);
	assert_int_equal(json_integer(j, "n", 0, 100, 0, &v, &err), 1);
	assert_int_equal(v, -1);
	assert_null(err);

	assert_int_equal(json_integer(j, "big", 0, 100, 1, &v, &err), -1);
	assert_non_null(strstr(err, "big"));
	assert_non_null(strstr(err, "1e+300"));
	free(err);
	err = NULL;
	assert_int_equal(json_integer(j, "neg", LLONG_MIN, LLONG_MAX, 1, &v,
	    &err), -1);
	free(err);
	err = NULL;
	/* 2^63 - 1 is 2^63 as a double: past long long. */
	assert_int_equal(json_integer(j, "edge", LLONG_MIN, LLONG_MAX, 0, &v,
	    &err), -1);
	free(err);
	err = NULL;
	assert_int_equal(json_integer(j, "frac", 0, 100, 0, &v, &err), -1);
	assert_non_null(strstr(err, "whole"));
	free(err);
	err = NULL;
	assert_int_equal(json_integer(j, "frac", 0, 100, 1, &v, &err), 0);
	assert_int_equal(v, 2);
	assert_int_equal(json_integer(j, "s", 0, 100, 0, &v, &err), -1);
	assert_non_null(strstr(err, "s is not a number"));
	free(err);
	/* err may be NULL. */
	assert_int_equal(json_integer(j, "big", 0, 100, 0, &v, NULL), -1);

	assert_int_equal(json_long(j, "big", -7), -7);
	assert_int_equal(json_long(j, "neg", -7), -7);
	assert_int_equal(json_long(j, "frac", -7), 2);
	cJSON_Delete(j);
}

static void
test_time(void **state)
{
	cJSON *j = parse("{\"t\":1700000000.789,\"far\":1e300,\"before\":-1,"
	    "\"y10k\":253402300800,\"s\":\"x\"}");
	long long t = 0;
	char *err = NULL;

	(void)state;
	assert_int_equal(json_time(j, "t", &t, &err), 0);
	assert_int_equal(t, 1700000000);
	assert_int_equal(json_time(j, "far", &t, &err), -1);
	assert_string_equal(err, "far 1e+300 is not a time from 1970 to 9999 "
	    "(epoch seconds)");
	free(err);
	err = NULL;
	assert_int_equal(json_time(j, "before", &t, &err), -1);
	free(err);
	err = NULL;
	assert_int_equal(json_time(j, "y10k", &t, &err), -1);
	free(err);
	err = NULL;
	assert_int_equal(json_time(j, "s", &t, &err), -1);
	assert_string_equal(err, "s is not a time (epoch seconds)");
	free(err);
	cJSON_Delete(j);
}

/* SSM's LastPingDateTime: a time when it is one, 0 (unknown) when not;
 * the instance is kept either way. */
static void
test_ssm_last_ping(void **state)
{
	cJSON *j = parse("{\"InstanceInformationList\":["
	    "{\"InstanceId\":\"i-1\",\"LastPingDateTime\":1700000000.5},"
	    "{\"InstanceId\":\"i-2\",\"LastPingDateTime\":1e300},"
	    "{\"InstanceId\":\"i-3\",\"LastPingDateTime\":-1e300},"
	    "{\"InstanceId\":\"i-4\"}]}");
	struct ssm_instance *v;
	size_t n;

	(void)state;
	n = ssm_parse_instances(j, &v);
	assert_int_equal(n, 4);
	assert_int_equal(v[0].last_ping, 1700000000);
	assert_int_equal(v[1].last_ping, 0);
	assert_int_equal(v[2].last_ping, 0);
	assert_int_equal(v[3].last_ping, 0);
	assert_string_equal(v[1].id, "i-2");
	ssm_instances_free(v, n);
	cJSON_Delete(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_str_of_huge_numbers),
		cmocka_unit_test(test_integer_range),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_ssm_last_ping),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
