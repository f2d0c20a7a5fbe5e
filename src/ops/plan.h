/*
 * plan.h - the plan of a window on a date (fleet/plan.h) from what the
 * cache holds, and tonight's overview: every window with its state and
 * its members at risk.  `patchdeck plan`, the console's windows pane and
 * its plan pane all read these, so they agree.
 *
 * Both borrow the inventory (instances and the cached exception records,
 * ops/inventory.h) and the configuration: they must outlive the result.
 */
#ifndef PATCHDECK_OPS_PLAN_H
#define PATCHDECK_OPS_PLAN_H

#include <stddef.h>

#include "fleet/plan.h"

struct config;
struct inventory;

struct plan {
	size_t window;			/* index in cfg->windows */
	const struct fleet_window *w;	/* borrowed from the config */
	struct fleet_date date;		/* the occurrence's local date */
	struct fleet_occurrence occ;
	int in_progress;		/* occ.start <= now < occ.end */
	struct fleet_plan p;
	/* The age of what the plan is made of: the oldest fetched_at of
	 * its members (0: no member), and of the exception records (0:
	 * never read, so no tag can be called unapproved). */
	long long oldest;
	long long exceptions_fetched_at;
};

/* What plan_make() can fail with; each also sets *err. */
enum plan_error {
	PLAN_ERR_UNKNOWN_WINDOW = -2,	/* no such window in the config */
	PLAN_ERR_DATE = -3,		/* not a date, or no occurrence */
	PLAN_ERR_NONE_AHEAD = -4	/* the window never occurs */
};

/*
 * The plan of the window named window_id (exact bytes) on date
 * ("YYYY-MM-DD", the occurrence's date in the window's zone; NULL: the
 * occurrence in progress at now, or the next one).  Returns 0 with *out
 * (free with plan_done), or one of enum plan_error with *err (caller
 * frees): "unknown window 'x'; configured: sun-0200, tue-2200".
 */
int plan_make(struct plan *out, const struct inventory *inv,
    const struct config *cfg, const char *window_id, const char *date,
    long long now, char **err);
/* The same for window index w of cfg at its current or next occurrence. */
int plan_make_index(struct plan *out, const struct inventory *inv,
    const struct config *cfg, size_t w, long long now, char **err);
void plan_done(struct plan *p);

struct cache;
/*
 * Reads the exceptions table (cfg->exceptions_table, a Scan with the
 * default session of profile and region) into the cache, as `exceptions
 * list` does: what --refresh adds to a sync, since the plan decides
 * exclusions from the records.  0, or -1 with *err (caller frees).
 */
int plan_refresh_exceptions(const struct config *cfg, struct cache *c,
    const char *profile, const char *region, char **err);

/* The latest pre-check verdict of one instance (cache/prechecks.h). */
struct plan_precheck {
	char *instance_id;
	long long checked_at;
	int failed;
	char *reason;		/* the failures in words; "" when passed */
};

/* Every instance's latest verdict, sorted by instance_id (the newest
 * when several targets hold the id). */
struct plan_prechecks {
	struct plan_precheck *v;
	size_t n;
};

/* Reads the verdicts from the cache into *pc (free with
 * plan_prechecks_done).  0, or -1 with *err (caller frees), *pc empty. */
int plan_prechecks_load(struct plan_prechecks *pc, struct cache *c,
    char **err);
void plan_prechecks_done(struct plan_prechecks *pc);
/* The verdict of id, or NULL (pc may be NULL). */
const struct plan_precheck *plan_precheck_of(const struct plan_prechecks *pc,
    const char *id);

/* Unknown: no member has a pre-check result. */
#define PLAN_PRECHECK_UNKNOWN (-1L)
/*
 * How many members failed their latest pre-check, or
 * PLAN_PRECHECK_UNKNOWN when none of them has a result (pc NULL: none
 * read): shown as "?", never as 0, which would say "checked and fine".
 */
long plan_precheck_failing(const struct plan *p,
    const struct plan_prechecks *pc);
/* The member's reason (fleet_plan_reason_text), then what its failed
 * pre-check found: "...; pre-check failed: disk". Returns buf. */
char *plan_member_reason(const struct plan *p,
    const struct fleet_plan_member *m, const struct plan_prechecks *pc,
    char *buf, size_t size);
/* Marks the members whose latest pre-check in pc failed
 * (precheck_failed) and sorts them to the front of their action. */
void plan_mark_prechecks(struct plan *p, const struct plan_prechecks *pc);

/* One line of the overview. */
struct plan_window_row {
	size_t window;			/* index in cfg->windows */
	enum fleet_window_when when;
	struct fleet_occurrence occ;
	char when_text[64];		/* fleet_window_when_text() */
	size_t members;
	size_t offline;			/* unreachable: SSM not Online */
	size_t stopped;			/* to wake */
	size_t not_managed;
	size_t unapproved;		/* exception tag without approval */
	size_t excepted;		/* excluded by a live exception */
	long precheck_failing;		/* or PLAN_PRECHECK_UNKNOWN */
};

/*
 * Every configured window at now (failing pre-checks from pc; NULL:
 * unknown), into *out (caller frees; NULL when
 * none) and returns how many.  Order: windows running now or opening
 * within 24 hours first, by start (running ones first); then the rest by
 * their next start; windows that never occur last; ties by config order.
 */
size_t plan_overview(const struct inventory *inv, const struct config *cfg,
    const struct plan_prechecks *pc, long long now,
    struct plan_window_row **out);

#endif
