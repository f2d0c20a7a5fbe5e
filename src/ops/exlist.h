/*
 * exlist.h - the console's exceptions table, pure: which records a tab
 * shows, the `/` filter, the columns and their sort.  Records in, row
 * indices out, so the view and the tests agree on what is shown.
 */
#ifndef PATCHDECK_EXLIST_H
#define PATCHDECK_EXLIST_H

#include <stddef.h>

#include "fleet/date.h"
#include "fleet/exception.h"

/* The tabs, in the order Tab cycles through them. */
enum exlist_tab {
	EXT_LIVE,	/* approved, starts <= today <= ends */
	EXT_UPCOMING,	/* approved, starts later */
	EXT_EXPIRING,	/* live and ending within `days` */
	EXT_PENDING,	/* waiting for an approver */
	EXT_EXPIRED,
	EXT_REJECTED,
	EXT_REVOKED,
	EXT_ALL,
	EXT_INVALID,	/* fails fleet_exception_check(): counts for nothing */
	EXT_COUNT
};

enum exlist_col {
	EXL_ID,
	EXL_INSTANCE,
	EXL_NAME,	/* the instance's Name tag, when the inventory knows it */
	EXL_FROM,
	EXL_TO,
	EXL_STATUS,
	EXL_CATEGORY,
	EXL_REQUESTED_BY,
	EXL_DECIDED_BY,
	EXL_TICKET,
	EXL_REASON,
	EXL_COUNT
};

struct exlist_column {
	const char *name;
	int width;		/* preferred width in the console */
};
extern const struct exlist_column exlist_columns[EXL_COUNT];

/* "live", "upcoming", "expiring", "pending", "expired", "rejected",
 * "revoked", "all", "invalid". */
const char *exlist_tab_name(enum exlist_tab t);

/* Whether e belongs on tab t at today (expiring: within days; max_days:
 * exception_max_days, for fleet_exception_check()). */
int exlist_in_tab(const struct fleet_exception *e, enum exlist_tab t,
    struct fleet_date today, int days, int max_days);

/* The raw text of a cell (never NULL; escaping is the drawer's job);
 * name is the instance's name for EXL_NAME (NULL: "").  The category of
 * a record that fails fleet_exception_check() is "invalid". */
const char *exlist_cell(const struct fleet_exception *e, const char *name,
    enum exlist_col c, struct fleet_date today, int days, int max_days);

struct exlist_query {
	enum exlist_tab tab;
	const char *filter;	/* case-insensitive substring; NULL: none */
	enum exlist_col sort;
	int desc;
	struct fleet_date today;
	int days;		/* expiring_days */
	int max_days;		/* exception_max_days */
	/* names[i]: the name of record i's instance, or NULL; the array
	 * itself NULL when no names are known. */
	const char *const *names;
};

/*
 * The rows of v[0..n) that q shows, in q's order (ties: exception id), as
 * indices into out (room for n).  Returns how many.  The filter looks at
 * every column.
 */
size_t exlist_select(const struct fleet_exception *v, size_t n,
    const struct exlist_query *q, size_t *out);

/* How many records each tab holds (counts[EXT_COUNT]). */
void exlist_count(const struct fleet_exception *v, size_t n,
    struct fleet_date today, int days, int max_days, size_t *counts);

#endif
