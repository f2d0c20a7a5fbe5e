/*
 * exception.c - see exception.h.
 */
#include "fleet/exception.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/principal.h"
#include "util/util.h"

void
fleet_exception_done(struct fleet_exception *e)
{
	free(e->instance_id);
	free(e->exception_id);
	free(e->starts);
	free(e->ends);
	free(e->reason);
	free(e->ticket);
	free(e->requested_by);
	free(e->requested_at);
	free(e->status);
	free(e->decided_by);
	free(e->decided_at);
	free(e->decision_reason);
	memset(e, 0, sizeof *e);
}

int
fleet_exception_range_parse(const char *text, struct fleet_date *starts,
    struct fleet_date *ends, char **err)
{
	char a[11], b[11];
	struct fleet_date s, e;
	const char *why;

	if (text == NULL)
		text = "";
	if (strnlen(text, FLEET_EXCEPTION_RANGE_LEN + 1) !=
	    FLEET_EXCEPTION_RANGE_LEN || memcmp(text + 10, "..", 2) != 0) {
		why = "expected YYYY-MM-DD..YYYY-MM-DD";
		goto fail;
	}
	memcpy(a, text, 10);
	a[10] = '\0';
	memcpy(b, text + 12, 10);
	b[10] = '\0';
	if (fleet_date_parse(a, &s) != 0) {
		why = "the start is not a real YYYY-MM-DD date";
		goto fail;
	}
	if (fleet_date_parse(b, &e) != 0) {
		why = "the end is not a real YYYY-MM-DD date";
		goto fail;
	}
	if (fleet_date_cmp(e, s) < 0) {
		why = "ends before it starts";
		goto fail;
	}
	*starts = s;
	*ends = e;
	return 0;
fail:
	if (err != NULL)
		*err = xasprintf("exception range '%.40s': %s", text, why);
	return -1;
}

void
fleet_exception_range_format(struct fleet_date starts, struct fleet_date ends,
    char *buf, size_t size)
{
	snprintf(buf, size, "%04d-%02d-%02d..%04d-%02d-%02d", starts.year,
	    starts.month, starts.day, ends.year, ends.month, ends.day);
}

int
fleet_exception_dates(const struct fleet_exception *e,
    struct fleet_date *starts, struct fleet_date *ends)
{
	struct fleet_date s, t;

	if (fleet_date_parse(e->starts, &s) != 0 ||
	    fleet_date_parse(e->ends, &t) != 0 || fleet_date_cmp(t, s) < 0)
		return -1;
	*starts = s;
	*ends = t;
	return 0;
}

static int
status_is(const struct fleet_exception *e, const char *s)
{
	return e->status != NULL && strcmp(e->status, s) == 0;
}

static int bad(char *why, size_t size, const char *fmt, ...)
    UTIL_PRINTF(3, 4);

/* -1, with why (when given) formatted. */
static int
bad(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && size > 0) {
		va_start(ap, fmt);
		vsnprintf(why, size, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int
fleet_exception_check(const struct fleet_exception *e, int max_days,
    char *why, size_t size)
{
	struct fleet_date s, t;
	const char *w;
	char who[FLEET_PRINCIPAL_MAX + 1], dec[FLEET_PRINCIPAL_MAX + 1];
	long days;
	int decided;

	if (max_days <= 0)
		max_days = FLEET_EXCEPTION_MAX_DAYS_DEFAULT;
	decided = status_is(e, "APPROVED") || status_is(e, "REJECTED") ||
	    status_is(e, "REVOKED");
	if (!decided && !status_is(e, "PENDING"))
		return bad(why, size, "status is not PENDING, APPROVED, "
		    "REJECTED or REVOKED");
	if (fleet_date_parse(e->starts, &s) != 0)
		return bad(why, size, "starts is not a YYYY-MM-DD date");
	if (fleet_date_parse(e->ends, &t) != 0)
		return bad(why, size, "ends is not a YYYY-MM-DD date");
	if (fleet_date_cmp(t, s) < 0)
		return bad(why, size, "ends before it starts");
	days = fleet_days_between(s, t) + 1;
	if (days > max_days)
		return bad(why, size, "%ld days long; exception_max_days is "
		    "%d", days, max_days);
	if (e->requested_by == NULL || *e->requested_by == '\0')
		return bad(why, size, "no requested_by");
	if (fleet_principal(e->requested_by, who, sizeof who, &w) != 0)
		return bad(why, size, "requested_by is not a person's ARN "
		    "(%s)", w);
	if (!decided)
		return 0;
	if (e->decided_by == NULL || *e->decided_by == '\0')
		return bad(why, size, "%s without decided_by", e->status);
	if (fleet_principal(e->decided_by, dec, sizeof dec, &w) != 0)
		return bad(why, size, "decided_by is not a person's ARN (%s)",
		    w);
	if (strcmp(who, dec) == 0)
		return bad(why, size, "decided by the requester (the same "
		    "person)");
	return 0;
}

int
fleet_exception_is_approved(const struct fleet_exception *e, int max_days)
{
	return status_is(e, "APPROVED") &&
	    fleet_exception_check(e, max_days, NULL, 0) == 0;
}

int
fleet_exception_is_live(const struct fleet_exception *e,
    struct fleet_date today, int max_days)
{
	struct fleet_date s, t;

	if (!fleet_exception_is_approved(e, max_days) ||
	    fleet_exception_dates(e, &s, &t) != 0)
		return 0;
	return fleet_date_cmp(s, today) <= 0 && fleet_date_cmp(today, t) <= 0;
}

int
fleet_exception_covers(const struct fleet_exception *e,
    const char *instance_id, struct fleet_date starts, struct fleet_date ends,
    int max_days)
{
	struct fleet_date s, t;

	if (e->instance_id == NULL || instance_id == NULL ||
	    strcmp(e->instance_id, instance_id) != 0 ||
	    !fleet_exception_is_approved(e, max_days) ||
	    fleet_exception_dates(e, &s, &t) != 0)
		return 0;
	return fleet_date_cmp(s, starts) <= 0 && fleet_date_cmp(ends, t) <= 0;
}

static const char *
instance_of(const struct fleet_exception *e)
{
	return e->instance_id != NULL ? e->instance_id : "";
}

size_t
fleet_exceptions_of(const struct fleet_exception *v, size_t n,
    const char *instance_id, size_t *first)
{
	size_t lo = 0, hi = n, mid, end;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(instance_of(&v[mid]), instance_id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < n &&
	    strcmp(instance_of(&v[end]), instance_id) == 0; end++)
		;
	*first = lo;
	return end - lo;
}
