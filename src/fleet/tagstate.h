/*
 * tagstate.h - the tag state of an instance as the console shows it
 * (DESIGN.md section 4), computed from the instance's tags, the configured
 * windows, the exception records and "now", all passed in.
 *
 * The result is one headline state plus every fact behind it, so a view
 * can show "scheduled" and still say when the exception ends or how old
 * the last patch is.  When several states apply, the first in this list
 * wins; the order is "what happens at patch night, then what needs a human":
 *
 *   1. TS_IN_RUN               the patch-now tag is present (any value):
 *                              patching is happening now, nothing else is
 *                              as current.
 *   2. TS_EXCEPTED_UNAPPROVED  an exception tag that no approved record for
 *                              this instance covers (approved: APPROVED and
 *                              valid, fleet_exception_check()), or that is
 *                              not a valid range.  A compliance problem,
 *                              so it outranks the exception it pretends to
 *                              be (the run ignores it and patches anyway).
 *   3. TS_EXCEPTED_LIVE        an approved exception covers today: the
 *                              instance is left out of the run.
 *   4. TS_NO_WINDOW            no (or an empty) window tag: never patched.
 *   5. TS_UNKNOWN_WINDOW       the tag names no configured window: never
 *                              patched.
 *   6. TS_STALE                has a window, but the last patch (or, with no
 *                              readable LastPatched, the launch) is more
 *                              than stale_days ago.
 *   7. TS_EXCEPTED_UPCOMING    an approved exception starts after today.
 *   8. TS_EXCEPTED_EXPIRED     the exception tag's range has ended (sync
 *                              will remove it); the instance is patched.
 *   9. TS_PATCHED_RECENTLY     patched within recent_hours (24): the
 *                              morning after, done and not-done tell apart.
 *  10. TS_SCHEDULED            the normal case: next occurrence in details.
 *
 * Tags are matched by exact key and the window id by exact bytes, as the
 * run plan does.  Hostile values (control bytes, huge strings, 2026-02-30)
 * only ever lead to a state; raw values are never interpreted further.
 */
#ifndef PATCHDECK_FLEET_TAGSTATE_H
#define PATCHDECK_FLEET_TAGSTATE_H

#include <stddef.h>

#include "fleet/date.h"
#include "fleet/exception.h"
#include "fleet/instance.h"
#include "fleet/tz.h"
#include "fleet/window.h"

enum fleet_tag_state {
	TS_NO_WINDOW,
	TS_UNKNOWN_WINDOW,
	TS_SCHEDULED,
	TS_EXCEPTED_LIVE,
	TS_EXCEPTED_UPCOMING,
	TS_EXCEPTED_EXPIRED,
	TS_EXCEPTED_UNAPPROVED,
	TS_IN_RUN,
	TS_PATCHED_RECENTLY,
	TS_STALE
};

/* Tag keys; every one configurable.  NULL members read as the default. */
struct fleet_tag_names {
	const char *window;		/* PatchWindow */
	const char *exception;		/* PatchException */
	const char *patch_now;		/* ssm-patch-now */
	const char *last_patched;	/* LastPatched */
	const char *owner;		/* Owner */
	const char *started_for;	/* patchdeck:started-for */
};

extern const struct fleet_tag_names fleet_tag_names_default;

#define FLEET_STALE_DAYS_DEFAULT 35
#define FLEET_RECENT_HOURS_DEFAULT 24

/* Everything the state depends on besides the instance.  Borrowed. */
struct fleet_tag_ctx {
	const struct fleet_tag_names *names;	/* NULL: defaults */
	const struct fleet_window *windows;
	/* zones[i] is the loaded zone of windows[i]; NULL array or entry:
	 * UTC. */
	const struct fleet_tz *const *zones;
	size_t nwindows;
	long long now;			/* Unix seconds */
	int stale_days;			/* <= 0: FLEET_STALE_DAYS_DEFAULT */
	int recent_hours;		/* <= 0: FLEET_RECENT_HOURS_DEFAULT */
	/* The approved-exception table, when loaded.  With exceptions_known
	 * 0 nothing can be called unapproved (only malformed tags are). */
	/* Optional: next[i] is windows[i]'s current or next occurrence at
	 * now (has_next[i] non-zero when it has one), computed once by the
	 * caller with fleet_tag_ctx_prepare(): 100,000 instances share six
	 * windows, and the occurrence search is the costly part of a row. */
	const struct fleet_occurrence *next;
	const unsigned char *has_next;
	const struct fleet_exception *exceptions;
	size_t nexceptions;
	int exceptions_known;
	/* exception_max_days of the configuration (<= 0: the default): a
	 * record that fails fleet_exception_check() backs nothing. */
	int exception_max_days;
	/* Set by fleet_tag_ctx_prepare() when exceptions are in instance_id
	 * order (strcmp): each instance then looks up only its own.  Records
	 * set or changed after it are searched one by one (still right). */
	const struct fleet_exception *sorted;
	size_t nsorted;
};

/*
 * The state and its details.  Pointers borrow from the instance or the
 * ctx (valid while they are); NULL when absent.
 */
struct fleet_tag_status {
	enum fleet_tag_state state;

	const char *run_id;		/* patch-now tag value */
	const char *started_for;	/* started-for tag value */
	const char *owner;		/* Owner tag value */

	const char *window_id;		/* window tag value */
	long window;			/* index in ctx->windows, or -1 */
	int has_next;			/* window found and occurs */
	long long next_start;		/* current or next occurrence */
	long long next_end;

	/* The exception side alone: 0 (none) or one of TS_EXCEPTED_*. */
	int exception;
	int exception_tagged;		/* the tag is present */
	int exception_malformed;	/* ... but is not a valid range */
	int has_exception_range;
	struct fleet_date exception_starts;
	struct fleet_date exception_ends;
	const struct fleet_exception *exception_record; /* backing record */

	int last_patched_known;		/* LastPatched parsed */
	int last_patched_malformed;	/* present but unreadable */
	long long last_patched;		/* Unix seconds when known */
	long days_since_patch;		/* UTC calendar days; -1 unknown */
	int stale;			/* past the stale age */
};

/* Fills *st for inst.  Never fails: every input leads to some state. */
/*
 * Fills next[0..nwindows) and has_next[] for ctx (arrays of nwindows
 * each, owned by the caller) and points ctx at them; notes whether the
 * exceptions (set before) are in instance_id order, so lookups can use
 * a binary search.
 */
void fleet_tag_ctx_prepare(struct fleet_tag_ctx *ctx,
    struct fleet_occurrence *next, unsigned char *has_next);

void fleet_tag_state_eval(const struct fleet_tag_ctx *ctx,
    const struct fleet_instance *inst, struct fleet_tag_status *st);

/* Short lower-case label for the console: "no window", "unknown window",
 * "scheduled", "excepted", "exception upcoming", "exception expired",
 * "unapproved exception", "in run", "patched", "stale".  Static. */
const char *fleet_tag_state_name(enum fleet_tag_state state);

/*
 * The state a label names, as typed by a person (`:tag sched`, `instances
 * --tag-state stale`): a label of fleet_tag_state_name() in any case, or
 * a unique beginning of one.  Returns 0, or -1 with *err (caller frees):
 * "tag state 'e' is ambiguous: excepted, exception upcoming, exception
 * expired" or "unknown tag state 'x'; one of: ...".
 */
int fleet_tag_state_from_prefix(const char *s, enum fleet_tag_state *out,
    char **err);

#endif
