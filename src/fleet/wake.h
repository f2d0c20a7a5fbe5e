/*
 * wake.h - waking a window's stopped members before it opens (DESIGN.md
 * sections 1.3 and 4): the `patchdeck:started-for` tag value, the window's
 * date, and what prepare (and its undo) does with each instance.  Pure
 * functions over plain values.
 *
 * The tag value is "WINDOW@YYYY-MM-DD" (DESIGN.md section 4): the window
 * id as the PatchWindow tag names it, then '@', then the date of the
 * occurrence, the calendar date in the window's own time zone on which it
 * starts.  A window id may itself hold '@' (config ids are free text), so
 * the value is split at the LAST '@': what follows must be a real date.
 */
#ifndef PATCHDECK_FLEET_WAKE_H
#define PATCHDECK_FLEET_WAKE_H

#include <stddef.h>

#include "fleet/date.h"

struct fleet_exception;
struct fleet_window;
struct fleet_tz;

/* Longest value written: AWS takes 256 characters per tag value. */
#define FLEET_WAKE_TAG_MAX 256

/*
 * "WINDOW@YYYY-MM-DD", newly allocated (caller frees); NULL when the
 * window id is empty or the value would pass FLEET_WAKE_TAG_MAX bytes.
 */
char *fleet_wake_tag_format(const char *window, struct fleet_date date);
/*
 * Splits a tag value back: 0 with *window (caller frees) and *date, or -1
 * when it is not "WINDOW@YYYY-MM-DD" with a non-empty WINDOW and a real
 * date (the outputs are then untouched).
 */
int fleet_wake_tag_parse(const char *value, char **window,
    struct fleet_date *date);

/* What prepare does with one instance; the names are the JSON "action". */
enum fleet_wake_action {
	FLEET_WAKE_NONE = 0,	/* not a member: left out of every list */
	FLEET_WAKE_START,	/* stopped: tag, start, wait for SSM Online */
	FLEET_WAKE_WAIT,	/* running, tagged for this date by an earlier
				 * prepare: wait for SSM Online only */
	FLEET_WAKE_RUNNING,	/* running before: never touched */
	FLEET_WAKE_BUSY,	/* pending/stopping, not ours: left alone */
	FLEET_WAKE_EXCEPTED,	/* stopped, an approved exception covers
				 * the night: left stopped */
	FLEET_WAKE_STOP,	/* undo: tagged and running: stop, untag */
	FLEET_WAKE_UNTAG	/* undo: tagged and stopped: untag only */
};

/* "start", "wait", "running", "busy", "excepted", "stop", "untag". */
const char *fleet_wake_action_name(enum fleet_wake_action a);
/* 1 when the action changes the instance (start, stop, untag). */
int fleet_wake_action_changes(enum fleet_wake_action a);

/* One instance as EC2 describes it (borrowed strings; NULL reads ""). */
struct fleet_wake_in {
	const char *id;
	const char *state;		/* EC2 state name */
	const char *window_tag;		/* PatchWindow value, or NULL */
	const char *started_for;	/* patchdeck:started-for, or NULL */
};

/* The window's night, as prepare sees it (borrowed). */
struct fleet_wake_when {
	const char *window;		/* the window id */
	const char *tag;		/* its started-for value (above) */
	struct fleet_date date;		/* the occurrence's local date */
	long long start, end;		/* the occurrence; end <= start: the
					 * local date alone */
	/* Exception records (what the cache holds, as `patchdeck plan`
	 * reads them), sorted by instance_id; NULL: none known. */
	const struct fleet_exception *exc;
	size_t nexc;
	int max_days;			/* exception_max_days */
};

/*
 * Whether an approved record of instance id (fleet_exception_is_approved)
 * covers the window's local date or a UTC date the occurrence touches:
 * "Sun 00:30 Berlin" is Saturday in UTC, and an owner who excepted either
 * day expects the window to leave the server alone (the plan decides the
 * same way).  A PatchException tag alone never excepts: the records do.
 */
int fleet_wake_excepted(const struct fleet_wake_when *w, const char *id);

/*
 * prepare: what to do with in on w's night.  Members are the instances
 * whose window tag is exactly w->window (bytes); terminated and
 * shutting-down ones are none.  A stopped member that
 * fleet_wake_excepted() keeps out of the run stays stopped (EXCEPTED).
 * *why gets a static reason.
 */
enum fleet_wake_action fleet_wake_decide(const struct fleet_wake_in *in,
    const struct fleet_wake_when *w, const char **why);
/*
 * undo: what to do with an instance whose started-for tag is exactly tag:
 * running or pending -> STOP; stopped or stopping -> UNTAG; terminated,
 * shutting-down, or a different tag -> NONE.  Never STOP for an instance
 * without the tag: that one was running before prepare.
 */
enum fleet_wake_action fleet_wake_decide_undo(const struct fleet_wake_in *in,
    const char *tag);

#endif
