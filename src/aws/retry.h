/*
 * retry.h - the AWS "standard" retry mode, as pure functions of the reply
 * and a random source, so the policy is tested without a network.
 *
 *   attempts:  AWS_MAX_ATTEMPTS / max_attempts, default 3 in all.
 *   delay:     before retry n (n = 1 for the first retry) the delay is
 *              rand[0,1) * min(2^(n-1), 20) seconds.
 *   quota:     500 tokens per client; a retry costs 5 (10 after a timeout
 *              or connection error); a success without retry refunds 1,
 *              a success after retries refunds what its retries cost.
 *   retried:   HTTP 500/502/503/504, connection errors and timeouts,
 *              RequestTimeout(Exception), PriorRequestNotComplete and the
 *              throttling codes listed in retry.c.
 */
#ifndef PATCHDECK_RETRY_H
#define PATCHDECK_RETRY_H

#define RETRY_QUOTA_INITIAL 500
#define RETRY_COST 5
#define RETRY_TIMEOUT_COST 10
#define RETRY_NO_RETRY_INCREMENT 1
#define RETRY_MAX_BACKOFF_S 20
#define RETRY_DEFAULT_ATTEMPTS 3

enum retry_class {
	RETRY_NO = 0,		/* success or a final error */
	RETRY_TRANSIENT,	/* 5xx, RequestTimeout, PriorRequestNotComplete */
	RETRY_THROTTLE,		/* one of the throttling codes */
	RETRY_TIMEOUT		/* connection error or timeout: costs more */
};

/*
 * Classifies one attempt.  transport_failed is non-zero when no HTTP reply
 * arrived (connect error, reset, timeout).  code is the AWS error code from
 * the body, or NULL.
 */
enum retry_class retry_classify(int transport_failed, long http_status,
    const char *code);

/* Non-zero if code is one of the throttling codes. */
int retry_is_throttle_code(const char *code);

/*
 * Delay in milliseconds before retry n (n >= 1), given r in [0,1).
 */
long retry_delay_ms(int n, double r);

struct retry_quota {
	int tokens;
};

void retry_quota_init(struct retry_quota *q);
/* Takes the cost of a retry of class c.  Returns the cost taken (> 0), or
 * 0 if the quota cannot pay: then the call must not be retried. */
int retry_quota_acquire(struct retry_quota *q, enum retry_class c);
/* After a success: cost_paid is what the call's retries took (0 if none). */
void retry_quota_release(struct retry_quota *q, int cost_paid);

/* Parses AWS_MAX_ATTEMPTS-style text: a whole number >= 1.  Returns it, or
 * -1 if s is not one. */
int retry_parse_max_attempts(const char *s);

#endif
