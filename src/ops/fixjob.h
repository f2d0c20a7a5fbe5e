/*
 * fixjob.h - a fix and the pre-check after it, as one job on the caller's
 * loop: what `precheck --fix` and the console's pre-check pane (F) run.
 * The fix is ops/fix.h's fix_start; when it has ended (whatever happened
 * on each instance), the same instances are pre-checked (ops/precheck.h)
 * and the verdicts stored (precheck_save), so the caller shows what the
 * fix changed.
 */
#ifndef PATCHDECK_OPS_FIXJOB_H
#define PATCHDECK_OPS_FIXJOB_H

#include <stddef.h>

#include "ops/fix.h"

struct net;
struct cache;
struct config;
struct inventory;
struct precheck_report;

struct fixjob_opts {
	const struct config *cfg;	/* outlives the job */
	const char *profile;
	enum fleet_fix_kind kind;
	int force;
	const char *window;		/* NULL: the ids alone */
	const char *date;		/* the occurrence's, "YYYY-MM-DD" */
	const struct fix_member *members;	/* borrowed for the call */
	const size_t *chosen;		/* fix_select's */
	size_t nchosen;
	const struct inventory *inv;	/* outlives the job: the pre-check
					 * finds its members there */
	struct cache *cache;		/* outlives the job: verdicts go here */
	long poll_ms;			/* 0: the defaults */
};

/* phase "fix" (done of total instances final), then the pre-check's
 * phases ("status", "tag", "send", "wait", "untag", "judge"). */
typedef void (*fixjob_progress_fn)(void *arg, const char *phase,
    size_t done, size_t total);
/* rc 0, or -1 with err (borrowed: valid until fixjob_free) when the fix
 * or the pre-check after it could not be sent everywhere; what was
 * gathered stays readable. */
typedef void (*fixjob_done_fn)(void *arg, int rc, const char *err);

struct fixjob;

/*
 * Starts the fix on net (audited: fix_start).  NULL with *err (caller
 * frees) when nothing was sent; done is then not called.  done runs once,
 * from the loop, after the pre-check's verdicts were stored.  The net
 * outlives the job; free an unfinished job only after freeing the net.
 */
struct fixjob *fixjob_start(struct net *net, const struct fixjob_opts *o,
    fixjob_progress_fn progress, fixjob_done_fn done, void *arg, char **err);
/* Each chosen instance's fix, in the order chosen (fix_outcomes). */
const struct fix_outcome *fixjob_outcomes(const struct fixjob *j,
    size_t *n);
/* The pre-check after the fix; NULL until it has ended.  The caller may
 * take rows out of it (swap them with its own) before fixjob_free. */
struct precheck_report *fixjob_after(struct fixjob *j);
int fixjob_finished(const struct fixjob *j);
void fixjob_free(struct fixjob *j);

#endif
