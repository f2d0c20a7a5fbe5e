/*
 * test_retry.c - the standard retry mode, table-driven in the manner of
 * botocore's tests/unit/retries/test_standard.py: one row per
 * (transport failure, status, code) with the class it must get.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <math.h>
#include <stdio.h>

#include "aws/retry.h"

struct classify_row {
	int transport_failed;
	long status;
	const char *code;
	enum retry_class want;
};

static const struct classify_row rows[] = {
	/* Success. */
	{ 0, 200, NULL, RETRY_NO },
	{ 0, 204, NULL, RETRY_NO },
	{ 0, 206, NULL, RETRY_NO },

	/* No reply at all: connect error, reset, timeout. */
	{ 1, 0, NULL, RETRY_TIMEOUT },
	{ 1, 0, "NetworkError", RETRY_TIMEOUT },
	{ 1, 0, "Timeout", RETRY_TIMEOUT },

	/* Every throttling code, on the 400 they usually come with
	 * (botocore: "the status codes technically don't matter here"). */
	{ 0, 400, "Throttling", RETRY_THROTTLE },
	{ 0, 400, "ThrottlingException", RETRY_THROTTLE },
	{ 0, 400, "ThrottledException", RETRY_THROTTLE },
	{ 0, 400, "RequestThrottledException", RETRY_THROTTLE },
	{ 0, 400, "TooManyRequestsException", RETRY_THROTTLE },
	{ 0, 400, "ProvisionedThroughputExceededException", RETRY_THROTTLE },
	{ 0, 400, "TransactionInProgressException", RETRY_THROTTLE },
	{ 0, 400, "RequestLimitExceeded", RETRY_THROTTLE },
	{ 0, 400, "BandwidthLimitExceeded", RETRY_THROTTLE },
	{ 0, 400, "LimitExceededException", RETRY_THROTTLE },
	{ 0, 400, "RequestThrottled", RETRY_THROTTLE },
	{ 0, 400, "SlowDown", RETRY_THROTTLE },
	{ 0, 400, "EC2ThrottledException", RETRY_THROTTLE },
	/* ... and on other statuses: the code decides. */
	{ 0, 503, "SlowDown", RETRY_THROTTLE },
	{ 0, 429, "TooManyRequestsException", RETRY_THROTTLE },
	{ 0, 500, "ThrottlingException", RETRY_THROTTLE },
	{ 0, 503, "RequestLimitExceeded", RETRY_THROTTLE },

	/* Transient codes. */
	{ 0, 400, "RequestTimeout", RETRY_TRANSIENT },
	{ 0, 408, "RequestTimeoutException", RETRY_TRANSIENT },
	{ 0, 400, "PriorRequestNotComplete", RETRY_TRANSIENT },

	/* Transient statuses, with or without a code. */
	{ 0, 500, NULL, RETRY_TRANSIENT },
	{ 0, 502, NULL, RETRY_TRANSIENT },
	{ 0, 503, NULL, RETRY_TRANSIENT },
	{ 0, 504, NULL, RETRY_TRANSIENT },
	{ 0, 500, "InternalError", RETRY_TRANSIENT },
	{ 0, 500, "InternalFailure", RETRY_TRANSIENT },
	{ 0, 503, "ServiceUnavailable", RETRY_TRANSIENT },
	{ 0, 503, "Unavailable", RETRY_TRANSIENT },
	{ 0, 502, "HttpError", RETRY_TRANSIENT },
	{ 0, 500, "AccessDenied", RETRY_TRANSIENT },

	/* Other 5xx are not in the list. */
	{ 0, 501, NULL, RETRY_NO },
	{ 0, 501, "NotImplemented", RETRY_NO },
	{ 0, 505, NULL, RETRY_NO },
	{ 0, 599, NULL, RETRY_NO },

	/* Final client errors. */
	{ 0, 400, "ValidationException", RETRY_NO },
	{ 0, 400, "ConditionalCheckFailedException", RETRY_NO },
	{ 0, 403, "AccessDenied", RETRY_NO },
	{ 0, 403, "AccessDeniedException", RETRY_NO },
	{ 0, 403, "SignatureDoesNotMatch", RETRY_NO },
	{ 0, 400, "InvalidInstanceID.NotFound", RETRY_NO },
	{ 0, 400, "ExpiredToken", RETRY_NO },
	{ 0, 400, "UnrecognizedClientException", RETRY_NO },
	{ 0, 404, "NoSuchKey", RETRY_NO },
	{ 0, 404, NULL, RETRY_NO },
	{ 0, 409, "ConflictException", RETRY_NO },
	/* A bare 429 names no code: botocore does not retry it either. */
	{ 0, 429, NULL, RETRY_NO },
	{ 0, 301, "PermanentRedirect", RETRY_NO },
	/* Near misses are different codes. */
	{ 0, 400, "throttling", RETRY_NO },
	{ 0, 400, "Throttling ", RETRY_NO },
	{ 0, 400, "", RETRY_NO },
	{ 0, 400, "RequestTimeoutExceptions", RETRY_NO },
	{ 0, 0, NULL, RETRY_NO },
};

static const char *
class_name(enum retry_class c)
{
	switch (c) {
	case RETRY_NO:
		return "RETRY_NO";
	case RETRY_TRANSIENT:
		return "RETRY_TRANSIENT";
	case RETRY_THROTTLE:
		return "RETRY_THROTTLE";
	case RETRY_TIMEOUT:
		return "RETRY_TIMEOUT";
	}
	return "?";
}

static void
test_classify_table(void **state)
{
	size_t i, bad = 0;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct classify_row *r = &rows[i];
		enum retry_class got = retry_classify(r->transport_failed,
		    r->status, r->code);

		if (got != r->want) {
			print_error("row %zu: transport_failed=%d status=%ld "
			    "code=%s: want %s, got %s\n", i,
			    r->transport_failed, r->status,
			    r->code != NULL ? r->code : "(null)",
			    class_name(r->want), class_name(got));
			bad++;
		}
		/* The throttle predicate agrees with the classifier. */
		if (!r->transport_failed &&
		    retry_is_throttle_code(r->code) !=
		    (r->want == RETRY_THROTTLE)) {
			print_error("row %zu: retry_is_throttle_code(%s) "
			    "disagrees\n", i,
			    r->code != NULL ? r->code : "(null)");
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void
test_throttle_code_null(void **state)
{
	(void)state;
	assert_false(retry_is_throttle_code(NULL));
	assert_false(retry_is_throttle_code(""));
	assert_true(retry_is_throttle_code("SlowDown"));
}

static void
test_backoff_zero(void **state)
{
	int n;

	(void)state;
	for (n = 1; n <= 10; n++)
		assert_int_equal(retry_delay_ms(n, 0.0), 0);
}

static void
test_backoff_half(void **state)
{
	static const long want[10] = {
		500, 1000, 2000, 4000, 8000, 10000, 10000, 10000, 10000, 10000,
	};
	int n;

	(void)state;
	for (n = 1; n <= 10; n++)
		assert_int_equal(retry_delay_ms(n, 0.5), want[n - 1]);
}

static void
test_backoff_near_one(void **state)
{
	/* r -> 1 from below: just short of the cap, never at or over it. */
	static const long want[10] = {
		999, 1999, 3999, 7999, 15999, 19999, 19999, 19999, 19999,
		19999,
	};
	double r = nextafter(1.0, 0.0);
	int n;

	(void)state;
	for (n = 1; n <= 10; n++) {
		long d = retry_delay_ms(n, r);

		assert_int_equal(d, want[n - 1]);
		assert_true(d < RETRY_MAX_BACKOFF_S * 1000L);
	}
}

static void
test_backoff_bounds(void **state)
{
	static const double rs[] = { 0.0, 0.1, 0.25, 0.5, 0.75, 0.999 };
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < sizeof rs / sizeof rs[0]; i++) {
		for (n = 1; n <= 10; n++) {
			long d = retry_delay_ms(n, rs[i]);
			long cap = n >= 6 ? 20000L : 1000L << (n - 1);

			assert_in_range(d, 0, cap);
		}
	}
	/* Far-out attempts do not overflow the exponent. */
	assert_int_equal(retry_delay_ms(64, 0.5), 10000);
	assert_int_equal(retry_delay_ms(INT_MAX, 0.5), 10000);
	/* Bad inputs stay within [0, 20 s]. */
	assert_int_equal(retry_delay_ms(0, 0.5), 500);
	assert_int_equal(retry_delay_ms(-3, 0.5), 500);
	assert_int_equal(retry_delay_ms(3, -0.5), 0);
	assert_int_equal(retry_delay_ms(3, NAN), 0);
	assert_int_equal(retry_delay_ms(10, 7.0), 20000);
}

static void
test_quota_retries(void **state)
{
	struct retry_quota q;
	int i;

	(void)state;
	retry_quota_init(&q);
	assert_int_equal(q.tokens, RETRY_QUOTA_INITIAL);
	assert_int_equal(q.tokens, 500);
	for (i = 0; i < 100; i++)
		assert_int_equal(retry_quota_acquire(&q,
		    i % 2 ? RETRY_TRANSIENT : RETRY_THROTTLE), 5);
	assert_int_equal(q.tokens, 0);
	assert_int_equal(retry_quota_acquire(&q, RETRY_TRANSIENT), 0);
	assert_int_equal(retry_quota_acquire(&q, RETRY_THROTTLE), 0);
	assert_int_equal(retry_quota_acquire(&q, RETRY_TIMEOUT), 0);
	assert_int_equal(q.tokens, 0);
}

static void
test_quota_timeouts(void **state)
{
	struct retry_quota q;
	int i;

	(void)state;
	retry_quota_init(&q);
	for (i = 0; i < 50; i++)
		assert_int_equal(retry_quota_acquire(&q, RETRY_TIMEOUT), 10);
	assert_int_equal(q.tokens, 0);
	assert_int_equal(retry_quota_acquire(&q, RETRY_TIMEOUT), 0);

	/* 7 left: a timeout retry (10) is refused and takes nothing, a
	 * plain retry (5) still fits. */
	q.tokens = 7;
	assert_int_equal(retry_quota_acquire(&q, RETRY_TIMEOUT), 0);
	assert_int_equal(q.tokens, 7);
	assert_int_equal(retry_quota_acquire(&q, RETRY_TRANSIENT), 5);
	assert_int_equal(q.tokens, 2);
}

static void
test_quota_no_retry_class(void **state)
{
	struct retry_quota q;

	(void)state;
	retry_quota_init(&q);
	assert_int_equal(retry_quota_acquire(&q, RETRY_NO), 0);
	assert_int_equal(q.tokens, 500);
}

static void
test_quota_release(void **state)
{
	struct retry_quota q;
	int paid;

	(void)state;
	retry_quota_init(&q);
	/* A call that retried after a throttle and a timeout, then won:
	 * it gets back what it paid. */
	paid = retry_quota_acquire(&q, RETRY_THROTTLE);
	paid += retry_quota_acquire(&q, RETRY_TIMEOUT);
	assert_int_equal(paid, 15);
	assert_int_equal(q.tokens, 485);
	retry_quota_release(&q, paid);
	assert_int_equal(q.tokens, 500);

	/* A success without retry adds 1, never above 500. */
	retry_quota_release(&q, 0);
	assert_int_equal(q.tokens, 500);
	q.tokens = 495;
	retry_quota_release(&q, 0);
	assert_int_equal(q.tokens, 496);
	q.tokens = 498;
	retry_quota_release(&q, 10);
	assert_int_equal(q.tokens, 500);
	q.tokens = 0;
	retry_quota_release(&q, -5);	/* nonsense counts as no retry */
	assert_int_equal(q.tokens, 1);
}

/* A storm: every call fails with a 503 until the quota runs dry; then
 * successes without retries earn it back one token at a time. */
static void
test_quota_storm(void **state)
{
	struct retry_quota q;
	int retries = 0, refused = 0, i;

	(void)state;
	retry_quota_init(&q);
	for (i = 0; i < 200; i++) {
		enum retry_class c = retry_classify(0, 503, NULL);

		if (retry_quota_acquire(&q, c) > 0)
			retries++;
		else
			refused++;
	}
	assert_int_equal(retries, 100);
	assert_int_equal(refused, 100);
	for (i = 0; i < 5; i++)
		retry_quota_release(&q, 0);
	assert_int_equal(retry_quota_acquire(&q, RETRY_TRANSIENT), 5);
	assert_int_equal(q.tokens, 0);
}

static void
test_parse_max_attempts(void **state)
{
	(void)state;
	assert_int_equal(retry_parse_max_attempts("3"), 3);
	assert_int_equal(retry_parse_max_attempts("1"), 1);
	assert_int_equal(retry_parse_max_attempts("10"), 10);
	assert_int_equal(retry_parse_max_attempts("007"), 7);
	assert_int_equal(retry_parse_max_attempts("2147483647"), INT_MAX);
	assert_int_equal(retry_parse_max_attempts("0"), -1);
	assert_int_equal(retry_parse_max_attempts("00"), -1);
	assert_int_equal(retry_parse_max_attempts("x"), -1);
	assert_int_equal(retry_parse_max_attempts(""), -1);
	assert_int_equal(retry_parse_max_attempts("1e3"), -1);
	assert_int_equal(retry_parse_max_attempts("3x"), -1);
	assert_int_equal(retry_parse_max_attempts(" 3"), -1);
	assert_int_equal(retry_parse_max_attempts("3 "), -1);
	assert_int_equal(retry_parse_max_attempts("+3"), -1);
	assert_int_equal(retry_parse_max_attempts("-1"), -1);
	assert_int_equal(retry_parse_max_attempts("3.0"), -1);
	assert_int_equal(retry_parse_max_attempts("2147483648"), -1);
	assert_int_equal(retry_parse_max_attempts(
	    "99999999999999999999999999999999"), -1);
	assert_int_equal(retry_parse_max_attempts(NULL), -1);
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify_table),
		cmocka_unit_test(test_throttle_code_null),
		cmocka_unit_test(test_backoff_zero),
		cmocka_unit_test(test_backoff_half),
		cmocka_unit_test(test_backoff_near_one),
		cmocka_unit_test(test_backoff_bounds),
		cmocka_unit_test(test_quota_retries),
		cmocka_unit_test(test_quota_timeouts),
		cmocka_unit_test(test_quota_no_retry_class),
		cmocka_unit_test(test_quota_release),
		cmocka_unit_test(test_quota_storm),
		cmocka_unit_test(test_parse_max_attempts),
	};

	return cmocka_run_group_tests_name("retry", tests, NULL, NULL);
}
