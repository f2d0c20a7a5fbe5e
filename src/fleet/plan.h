/*
 * plan.h - what patch night will do to each member of a window on one
 * date (DESIGN.md section 1, step 4), and what a window looks like from
 * "now" (running, opening soon, next).  Pure: instances, exception records,
 * the window and its zone, and the clock are passed in.
 *
 * Members are the instances whose window tag is the window's id, byte for
 * byte (as the run matches them).  Each gets one action, decided in this
 * order (the first that applies):
 *
 *   excluded  terminated     EC2 state terminated or shutting-down
 *   excluded  exception      an APPROVED record that passes
 *                            fleet_exception_check() covers the window's
 *                            date or a UTC date the occurrence touches
 *                            (decided from the records: a PatchException
 *                            tag alone never excludes; an unapproved tag
 *                            is flagged at risk and the instance patched)
 *   excluded  not_managed    SSM does not know the instance (no ping)
 *   wake      stopped        stopped or stopping: started lead_min before
 *                            the window, then patched
 *   unreachable ssm_offline  SSM ping is not Online (ConnectionLost,
 *                            Inactive): its last ping time is kept
 *   patch                    the rest
 *
 * Why the exception looks at every date the occurrence touches: "Sun
 * 00:30 Berlin" is Saturday in UTC; an owner who excepted Sunday expects
 * the Sunday window to leave the server alone (and one who excepted
 * Saturday, UTC, the dates of the tag, expects the same).  Being left
 * out wrongly costs a month of patches; being patched against an
 * approved exception breaks a promise.
 */
#ifndef PATCHDECK_FLEET_PLAN_H
#define PATCHDECK_FLEET_PLAN_H

#include <stddef.h>

#include "fleet/date.h"
#include "fleet/exception.h"
#include "fleet/instance.h"
#include "fleet/tz.h"
#include "fleet/window.h"

enum fleet_plan_action {
	/* In the order of the plan: trouble first. */
	FLEET_PLAN_UNREACHABLE,
	FLEET_PLAN_WAKE,
	FLEET_PLAN_EXCLUDED,
	FLEET_PLAN_PATCH,
	FLEET_PLAN_NACTIONS
};

enum fleet_plan_reason {
	FLEET_PLAN_R_NONE,
	FLEET_PLAN_R_TERMINATED,
	FLEET_PLAN_R_EXCEPTION,
	FLEET_PLAN_R_NOT_MANAGED,
	FLEET_PLAN_R_STOPPED,
	FLEET_PLAN_R_SSM_OFFLINE
};

enum fleet_plan_platform {
	FLEET_PLAT_LINUX,
	FLEET_PLAT_WINDOWS,
	FLEET_PLAT_OTHER,	/* macOS, or a value nobody expected */
	FLEET_PLAT_COUNT
};

/* One member.  Pointers borrow from the input (valid while it is). */
struct fleet_plan_member {
	const struct fleet_instance *in;
	enum fleet_plan_action action;
	enum fleet_plan_reason reason;
	enum fleet_plan_platform platform;
	/* FLEET_PLAN_R_EXCEPTION: the record that covers the date. */
	const struct fleet_exception *exception;
	/* At risk although the action stands: an exception tag no
	 * approved record covers (or not a valid range); the run ignores
	 * it and patches. */
	unsigned unapproved_tag : 1;
	/* Set by the caller (pre-check results are not the plan's input):
	 * the member's latest pre-check failed.  At risk too. */
	unsigned precheck_failed : 1;
};

struct fleet_plan_input {
	const struct fleet_window *window;
	const struct fleet_tz *tz;	/* the window's zone; NULL: UTC */
	struct fleet_date date;		/* the occurrence's local date */
	struct fleet_occurrence occ;	/* fleet_window_occurrence_on() */
	const struct fleet_instance *instances;
	size_t ninstances;
	/* The exception records (any order); known 0 when the table was
	 * never read: then only a malformed tag counts as unapproved. */
	const struct fleet_exception *exceptions;
	size_t nexceptions;
	int exceptions_known;
	/* Non-zero: exceptions are in instance_id order (strcmp), and
	 * each member's are found by bisection (100,000 members). */
	int exceptions_sorted;
	int exception_max_days;		/* <= 0: the default */
	const char *window_tag;		/* NULL: PatchWindow */
	const char *exception_tag;	/* NULL: PatchException */
};

struct fleet_plan {
	struct fleet_plan_member *v;	/* owned; sorted */
	size_t n;
	size_t actions[FLEET_PLAN_NACTIONS];
	size_t platforms[FLEET_PLAT_COUNT];	/* every member */
	size_t to_patch[FLEET_PLAT_COUNT];	/* patch and wake only */
	size_t unapproved;			/* members so flagged */
};

/*
 * Builds the plan of in into *out (overwritten; free with fleet_plan_done).
 * Members sorted: unreachable, wake, excluded, then patch; within each
 * the members at risk (an unapproved tag, a failed pre-check) first; then
 * by name, then id, then region.
 */
void fleet_plan_build(const struct fleet_plan_input *in,
    struct fleet_plan *out);
/* The action of one instance, taken as a member of in->window (its
 * window tag is not looked at; in->instances is not used), into *m:
 * what fleet_plan_build() does for each member, for a caller that only
 * counts (the overview, one pass over the fleet for every window). */
void fleet_plan_classify(const struct fleet_plan_input *in,
    const struct fleet_instance *inst, struct fleet_plan_member *m);
/* Sorts p's members again, as fleet_plan_build() does, with the members
 * at risk (unapproved tag or a failed pre-check) first in each action. */
void fleet_plan_sort(struct fleet_plan *p);
void fleet_plan_done(struct fleet_plan *p);

/* "patch", "wake", "excluded", "unreachable" (the JSON words). */
const char *fleet_plan_action_name(enum fleet_plan_action a);
/* "", "terminated", "exception", "not_managed", "stopped",
 * "ssm_offline" (the JSON words). */
const char *fleet_plan_reason_name(enum fleet_plan_reason r);
/* "linux", "windows", "other". */
const char *fleet_plan_platform_name(enum fleet_plan_platform p);
/* From the instance's platform field (SSM's PlatformType when managed,
 * else EC2's Platform), any case. */
enum fleet_plan_platform fleet_plan_platform_of(const char *platform);

/*
 * The reason in words, raw (outside text: the record's ids and reason):
 * "terminated", "exception EXC-1 approved 2026-12-01..2026-12-08: audit",
 * "not managed by SSM", "stopped: started 15 min before the window",
 * "SSM ConnectionLost, last ping 2026-12-05 10:00 UTC" ("last ping
 * never" when unknown); "" for a plain patch, "exception tag not approved: patched
 * anyway" for a flagged one.  Written into buf (size bytes); returns buf.
 */
char *fleet_plan_reason_text(const struct fleet_plan_member *m, int lead_min,
    char *buf, size_t size);

/* Where a window stands at now, for the overview. */
enum fleet_window_when {
	FLEET_WHEN_NONE,	/* no occurrence found */
	FLEET_WHEN_RUNNING,	/* start <= now < end */
	FLEET_WHEN_SOON,	/* opens within 24 hours */
	FLEET_WHEN_LATER
};

#define FLEET_SOON_SECONDS (24 * 3600)

/* The state of w at now, with its current or next occurrence in *occ. */
enum fleet_window_when fleet_window_when(const struct fleet_window *w,
    const struct fleet_tz *tz, long long now, struct fleet_occurrence *occ);
/*
 * The state in words, short enough for the console's windows pane (25
 * columns): "running, 1 h 20 min left", "opens in 1 h 40 min", "next Sun
 * 02:00 Berlin" within six days, else "Sun 13 Dec 02:00 Berlin" (the
 * zone's last part of its name, '_' as a blank; "UTC" when none), "no
 * occurrence".  Returns buf.
 */
char *fleet_window_when_text(const struct fleet_window *w,
    const struct fleet_tz *tz, enum fleet_window_when when,
    const struct fleet_occurrence *occ, long long now, char *buf,
    size_t size);

#endif
