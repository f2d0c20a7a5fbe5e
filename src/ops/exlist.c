/*
 * exlist.c - see exlist.h.  Tables of thousands of records: every
 * selection filters and sorts from scratch, which takes well under a
 * millisecond at that size, so there is no incremental state to get wrong.
 */
#include "ops/exlist.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ops/exceptions.h"

const struct exlist_column exlist_columns[EXL_COUNT] = {
	[EXL_ID] = { "id", 24 },
	[EXL_INSTANCE] = { "instance", 19 },
	[EXL_NAME] = { "name", 20 },
	[EXL_FROM] = { "from", 10 },
	[EXL_TO] = { "to", 10 },
	[EXL_STATUS] = { "status", 8 },
	[EXL_CATEGORY] = { "category", 8 },
	[EXL_REQUESTED_BY] = { "requested by", 24 },
	[EXL_DECIDED_BY] = { "decided by", 24 },
	[EXL_TICKET] = { "ticket", 10 },
	[EXL_REASON] = { "reason", 12 },	/* then all the room left */
};

const char *
exlist_tab_name(enum exlist_tab t)
{
	static const char *const names[EXT_COUNT] = { "live", "upcoming",
	    "expiring", "pending", "expired", "rejected", "revoked", "all",
	    "invalid" };

	return (unsigned)t < EXT_COUNT ? names[t] : "?";
}

/* Whether a record of category c (expiring or not) belongs on tab t. */
static int
tab_has(enum exceptions_category c, int expiring, enum exlist_tab t)
{
	switch (t) {
	case EXT_LIVE:
		return c == EXC_LIVE;
	case EXT_UPCOMING:
		return c == EXC_UPCOMING;
	case EXT_EXPIRING:
		return expiring;
	case EXT_PENDING:
		return c == EXC_PENDING;
	case EXT_EXPIRED:
		return c == EXC_EXPIRED;
	case EXT_REJECTED:
		return c == EXC_REJECTED;
	case EXT_REVOKED:
		return c == EXC_REVOKED;
	case EXT_ALL:
		return 1;
	case EXT_INVALID:
		return c == EXC_INVALID;
	case EXT_COUNT:
		break;
	}
	return 0;
}

/* The category and whether it is expiring, with one check of the record
 * (the check parses two ARNs: the costly part at thousands of records). */
static enum exceptions_category
category_of(const struct fleet_exception *e, struct fleet_date today,
    int days, int max_days, int *expiring)
{
	enum exceptions_category c = exceptions_category(e, today, max_days);
	struct fleet_date s, t;

	*expiring = c == EXC_LIVE && fleet_exception_dates(e, &s, &t) == 0 &&
	    fleet_days_between(today, t) <= days;
	return c;
}

int
exlist_in_tab(const struct fleet_exception *e, enum exlist_tab t,
    struct fleet_date today, int days, int max_days)
{
	int expiring;
	enum exceptions_category c = category_of(e, today, days, max_days,
	    &expiring);

	return tab_has(c, expiring, t);
}

static const char *
s0(const char *s)
{
	return s != NULL ? s : "";
}

const char *
exlist_cell(const struct fleet_exception *e, const char *name,
    enum exlist_col c, struct fleet_date today, int days, int max_days)
{
	enum exceptions_category c2;
	int expiring;

	switch (c) {
	case EXL_ID:
		return s0(e->exception_id);
	case EXL_INSTANCE:
		return s0(e->instance_id);
	case EXL_NAME:
		return s0(name);
	case EXL_FROM:
		return s0(e->starts);
	case EXL_TO:
		return s0(e->ends);
	case EXL_STATUS:
		return s0(e->status);
	case EXL_CATEGORY:
		c2 = category_of(e, today, days, max_days, &expiring);
		return expiring ? "expiring" : exceptions_category_name(c2);
	case EXL_REQUESTED_BY:
		return s0(e->requested_by);
	case EXL_DECIDED_BY:
		return s0(e->decided_by);
	case EXL_TICKET:
		return s0(e->ticket);
	case EXL_REASON:
		return s0(e->reason);
	case EXL_COUNT:
		break;
	}
	return "";
}

/* Byte-wise, case-insensitive for ASCII: outside text is matched as the
 * bytes it is, never decoded. */
static int
contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return n == 0;
}

/* Record i's instance name, or NULL. */
static const char *
name_of(const struct exlist_query *q, size_t i)
{
	return q->names != NULL ? q->names[i] : NULL;
}

static int
matches(const struct fleet_exception *e, const char *name,
    const struct exlist_query *q)
{
	int c;

	if (q->filter == NULL || *q->filter == '\0')
		return 1;
	for (c = 0; c < EXL_COUNT; c++)
		if (contains(exlist_cell(e, name, (enum exlist_col)c,
		    q->today, q->days, q->max_days), q->filter))
			return 1;
	return contains(s0(e->decision_reason), q->filter);
}

/* qsort has no context argument in C11. */
static const struct fleet_exception *sorting_v;
static const struct exlist_query *sorting_q;

static int
cmp_rows(const void *x, const void *y)
{
	size_t i = *(const size_t *)x, j = *(const size_t *)y;
	const struct fleet_exception *a = &sorting_v[i], *b = &sorting_v[j];
	const struct exlist_query *q = sorting_q;
	int c = strcmp(exlist_cell(a, name_of(q, i), q->sort, q->today,
	    q->days, q->max_days), exlist_cell(b, name_of(q, j), q->sort,
	    q->today, q->days, q->max_days));

	if (c == 0)
		c = strcmp(s0(a->exception_id), s0(b->exception_id));
	return q->desc ? -c : c;
}

size_t
exlist_select(const struct fleet_exception *v, size_t n,
    const struct exlist_query *q, size_t *out)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (exlist_in_tab(&v[i], q->tab, q->today, q->days,
		    q->max_days) &&
		    matches(&v[i], name_of(q, i), q))
			out[k++] = i;
	sorting_v = v;
	sorting_q = q;
	qsort(out, k, sizeof *out, cmp_rows);
	sorting_v = NULL;
	sorting_q = NULL;
	return k;
}

void
exlist_count(const struct fleet_exception *v, size_t n,
    struct fleet_date today, int days, int max_days, size_t *counts)
{
	enum exceptions_category c;
	size_t i;
	int t, expiring;

	memset(counts, 0, EXT_COUNT * sizeof *counts);
	for (i = 0; i < n; i++) {
		c = category_of(&v[i], today, days, max_days, &expiring);
		for (t = 0; t < EXT_COUNT; t++)
			counts[t] += (size_t)tab_has(c, expiring,
			    (enum exlist_tab)t);
	}
}
