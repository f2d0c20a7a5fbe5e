/*
 * retry.c - see retry.h.
 *
 * Mirrors botocore's "standard" mode (botocore/retries/standard.py and
 * quota.py, STANDARD_RETRY_MODE_VERSION 2.0, the behaviour the other AWS
 * SDKs share):
 *   TransientRetryableChecker  codes RequestTimeout, RequestTimeoutException,
 *                              PriorRequestNotComplete; HTTP 500, 502, 503,
 *                              504; ConnectionError / HTTPClientError.
 *   ThrottledRetryableChecker  the fixed list in throttle_codes[] below.
 *   ExponentialBackoff         rand() * min(2 ** (attempt - 1), 20) seconds.
 *   RetryQuotaChecker          500 tokens, retry 5, timeout retry 10,
 *                              success without retry +1, success after
 *                              retries refunds the cost.
 * Where we differ, on purpose:
 *   - botocore lists PriorRequestNotComplete as both transient and
 *     throttling; it is RETRY_TRANSIENT here, as retry.h says.  The class
 *     changes nothing but the quota cost, which is the same for both.
 *   - botocore charges 10 only for ConnectTimeoutError/ReadTimeoutError;
 *     we charge 10 for every transport failure (DESIGN.md section 3), since
 *     curl does not tell a refused connection from a dead one cheaply and a
 *     failing network is when the quota should drain fastest.
 *   - botocore's ModeledRetryableChecker (per-operation "retryable" traits)
 *     and the IDPCommunicationError / DynamoDB CRC32 special cases are not
 *     mirrored: we carry no service models, and none of our calls use them.
 */
#include "aws/retry.h"

#include <limits.h>
#include <string.h>

/* botocore ThrottledRetryableChecker._THROTTLED_ERROR_CODES, less
 * PriorRequestNotComplete (see above). */
static const char *const throttle_codes[] = {
	"Throttling",
	"ThrottlingException",
	"ThrottledException",
	"RequestThrottledException",
	"TooManyRequestsException",
	"ProvisionedThroughputExceededException",
	"TransactionInProgressException",
	"RequestLimitExceeded",
	"BandwidthLimitExceeded",
	"LimitExceededException",
	"RequestThrottled",
	"SlowDown",
	"EC2ThrottledException",
};

/* botocore TransientRetryableChecker._TRANSIENT_ERROR_CODES. */
static const char *const transient_codes[] = {
	"RequestTimeout",
	"RequestTimeoutException",
	"PriorRequestNotComplete",
};

static int
in_list(const char *code, const char *const *list, size_t n)
{
	size_t i;

	if (code == NULL)
		return 0;
	/* Exact and case-sensitive, as botocore compares: AWS codes are
	 * fixed identifiers, and a near miss is not the same error. */
	for (i = 0; i < n; i++)
		if (strcmp(code, list[i]) == 0)
			return 1;
	return 0;
}

int
retry_is_throttle_code(const char *code)
{
	return in_list(code, throttle_codes,
	    sizeof throttle_codes / sizeof throttle_codes[0]);
}

enum retry_class
retry_classify(int transport_failed, long http_status, const char *code)
{
	if (transport_failed)
		return RETRY_TIMEOUT;
	/* Codes before statuses: a 503 SlowDown is throttling, and botocore
	 * reads the code whatever the status (a throttle arrives as 400). */
	if (retry_is_throttle_code(code))
		return RETRY_THROTTLE;
	if (in_list(code, transient_codes,
	    sizeof transient_codes / sizeof transient_codes[0]))
		return RETRY_TRANSIENT;
	/* Any code on these statuses is retried, as in botocore: a 500 is the
	 * service's fault, whatever it chose to call it. */
	switch (http_status) {
	case 500:
	case 502:
	case 503:
	case 504:
		return RETRY_TRANSIENT;
	default:
		return RETRY_NO;
	}
}

long
retry_delay_ms(int n, double r)
{
	long cap_s = 1;

	if (n < 1)
		n = 1;
	/* r outside [0,1) would be a broken random source (NaN included);
	 * clamp rather than sleep for a negative or unbounded time. */
	if (!(r >= 0.0))
		r = 0.0;
	if (r > 1.0)
		r = 1.0;
	/* min(2^(n-1), 20) without shifting past the width of long. */
	while (--n > 0 && cap_s < RETRY_MAX_BACKOFF_S)
		cap_s *= 2;
	if (cap_s > RETRY_MAX_BACKOFF_S)
		cap_s = RETRY_MAX_BACKOFF_S;
	return (long)(r * (double)cap_s * 1000.0);
}

void
retry_quota_init(struct retry_quota *q)
{
	q->tokens = RETRY_QUOTA_INITIAL;
}

int
retry_quota_acquire(struct retry_quota *q, enum retry_class c)
{
	int cost;

	if (c == RETRY_NO)
		return 0;
	cost = c == RETRY_TIMEOUT ? RETRY_TIMEOUT_COST : RETRY_COST;
	if (q->tokens < cost)
		return 0;
	q->tokens -= cost;
	return cost;
}

void
retry_quota_release(struct retry_quota *q, int cost_paid)
{
	int add = cost_paid > 0 ? cost_paid : RETRY_NO_RETRY_INCREMENT;

	/* Capped like botocore's RetryQuota.release(): a long run of
	 * successes must not bank an unbounded budget for a later storm. */
	if (add > RETRY_QUOTA_INITIAL - q->tokens)
		q->tokens = RETRY_QUOTA_INITIAL;
	else
		q->tokens += add;
}

int
retry_parse_max_attempts(const char *s)
{
	long long v = 0;

	/* Digits only: strtol would take " 3", "+3" and "3x" and atoi "1e3"
	 * as 1, and a config typo should be reported, not half-read. */
	if (s == NULL || *s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > INT_MAX)
			return -1;
	}
	return v >= 1 ? (int)v : -1;
}
