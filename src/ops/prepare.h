/*
 * prepare.h - wake a window's stopped members before it opens, and undo
 * that (issue #9 point 6; DESIGN.md sections 1.3 and 4).
 *
 * prepare WINDOW [DATE]: the members of the window (PatchWindow = WINDOW
 * in EC2, read now, in every target and region) that are stopped are
 * tagged `patchdeck:started-for` = "WINDOW@DATE" (fleet/wake.h), started
 * (StartInstances), and waited for until SSM's DescribeInstanceInformation
 * reports them Online, polling with backoff up to the configured
 * prepare_timeout.  Members running before are never touched, nor are
 * stopped ones an approved exception keeps out of the night.
 *
 * undo: the instances whose started-for tag is exactly "WINDOW@DATE", read
 * from EC2 tags now (never from the cache), are stopped when running and
 * lose the tag; a second undo finds none and changes nothing.
 *
 * In two steps, so a caller can show and confirm what will happen:
 *
 *   prepare_list()  reads EC2 and decides each instance's action (no
 *                   change); the members are then in prepare_members().
 *   prepare_run()   audited execution: intent entry, the calls, the wait,
 *                   result entry.  Refuses without an audit log.
 *
 * Both run on the caller's loop (the console's) and report through
 * callbacks: progress lines as work advances, and done exactly once per
 * step, from a timer of its own (never inside an AWS callback), so done
 * may start the next step or free the handle.
 *
 * From the console (keys `p` and `U` of the plan pane), on its loop:
 *
 *   o = { cfg, profile, region, window, date, undo, .exceptions and
 *         .nexceptions from the inventory's cached records };
 *   p = prepare_new(&o, &err);           refuse read-only before this
 *   prepare_list(p, app_net, on_line, on_listed, self, &err);
 *   on_listed(rc 0): ids = prepare_change_ids(p, &n); confirm naming n
 *                    and the first ids; then prepare_run(p, on_ran, ...)
 *   on_line:   show the progress line; redraw from prepare_members()
 *   a key:     prepare_cancel(p) stops the wait
 *   on_ran:    rc 0 / PREPARE_NOT_READY / -1 with err; prepare_free(p)
 *   quitting:  free the loop first, then prepare_free(p) (audits
 *              "abandoned" if a run was under way)
 *
 * Batches: one CreateTags / StartInstances / StopInstances / DeleteTags
 * per target, region and up to EC2_MAX_IDS_PER_CALL ids.  EC2 fails a
 * whole call for one bad id (an instance terminated since it was listed),
 * so a failed batch is sent again one instance per call: every instance
 * gets its own outcome, and one bad id stops no other.  Tags go on before
 * the start: an instance started but never tagged would never be stopped
 * by undo; a tagged one whose start failed loses the tag again.
 */
#ifndef PATCHDECK_OPS_PREPARE_H
#define PATCHDECK_OPS_PREPARE_H

#include <stddef.h>

#include "fleet/date.h"
#include "fleet/wake.h"

struct config;
struct fleet_exception;
struct net;
struct prepare;

struct prepare_opts {
	const struct config *cfg;	/* borrowed; outlives the handle */
	const char *profile;		/* --profile */
	const char *region;		/* --region: only that region */
	const char *window;		/* a window id */
	const char *date;		/* "YYYY-MM-DD"; NULL: see below */
	int undo;
	long long now;			/* Unix seconds; 0: time(NULL) */
	int timeout_s;			/* 0: cfg->prepare_timeout_s */
	/* The exception records as the cache holds them (excache.h),
	 * sorted by instance_id, borrowed for the handle's life; NULL:
	 * none known, nothing is excepted (fleet/wake.h). */
	const struct fleet_exception *exceptions;
	size_t nexceptions;
};

/* One instance listed, and what happened to it.  Owned by the handle. */
struct prepare_member {
	char *id;
	char *slot;		/* "target/region" */
	char *state;		/* EC2 state when listed */
	enum fleet_wake_action action;
	const char *why;	/* static text */
	/* Outcome, after prepare_run. */
	int tagged;		/* started-for set (START) */
	int acted;		/* StartInstances/StopInstances accepted;
				 * start: the instance was stopped */
	int was_running;	/* start: running already when the call
				 * came (someone else started it): left
				 * alone, tag removed */
	int untagged;		/* the tag removed (undo; a failed START) */
	int online;		/* SSM reported Online (START, WAIT) */
	char *ping;		/* the last PingStatus seen; NULL: none */
	char *error;		/* "Op: Code: message" when a call failed */
};

/*
 * Checks the options and resolves the date, without network: NULL with
 * *err (caller frees) for an unknown window (prepare; undo takes any id,
 * so a window removed from the configuration can still be undone), a
 * malformed date, or a date on which the window does not start (prepare).
 * The date, when not given: prepare takes the occurrence in progress or
 * the next one; undo takes the date the instances are tagged for, found
 * by prepare_list (several dates: prepare_list fails naming them).
 */
struct prepare *prepare_new(const struct prepare_opts *o, char **err);
/*
 * Frees everything.  To abandon work under way, free the net first (which
 * drops every call and timer without callbacks), then the handle: an
 * audit intent already written then gets a result entry "abandoned".
 */
void prepare_free(struct prepare *p);

/* A line of progress ("prepare: started 3 instance(s) in prod/eu-west-1"),
 * valid during the call. */
typedef void (*prepare_progress_fn)(void *arg, const char *line);
/* The step ended: rc 0, PREPARE_NOT_READY (run: some did not come
 * Online in time), or -1 with err (valid until the next step or free). */
typedef void (*prepare_done_fn)(void *arg, int rc, const char *err);

#define PREPARE_NOT_READY 4

/*
 * Lists and decides, on net (which outlives the handle's work).  Returns
 * 0, or -1 with *err when it cannot start (a target cannot be set up);
 * done is then not called.  A slot whose listing fails fails the step:
 * nothing is decided on half a fleet.  progress may be NULL.
 */
int prepare_list(struct prepare *p, struct net *net,
    prepare_progress_fn progress, prepare_done_fn done, void *arg,
    char **err);
/*
 * After prepare_list's done with rc 0: the changes, audited, then (not
 * undo) the wait.  -1 with *err when refused before any change (audit
 * log unwritable, listing not done).  rc of done: 0 when every change
 * was made (and every started instance came Online), PREPARE_NOT_READY
 * when every call went through but some instance did not come Online
 * before the timeout, -1 when a call failed for some instance.
 */
int prepare_run(struct prepare *p, prepare_done_fn done, void *arg,
    char **err);

/*
 * Stops waiting (the console's "stop waiting" key; no effect outside a
 * run): calls already sent finish and their outcomes are kept (an
 * instance whose start failed still loses its tag), no SSM poll follows,
 * and done comes as after a timeout: PREPARE_NOT_READY when an instance
 * is not known to be Online.  Undo's calls are not cut short.
 */
void prepare_cancel(struct prepare *p);
/* Non-zero once prepare_cancel took effect. */
int prepare_cancelled(const struct prepare *p);

/* The members listed (borrowed; the set is fixed once prepare_list is
 * done, sorted by slot then id; during prepare_run each member's outcome
 * fields change as replies arrive, so a console may draw them between
 * callbacks). */
const struct prepare_member *prepare_members(const struct prepare *p,
    size_t *n);
/* How many members have action a. */
size_t prepare_count(const struct prepare *p, enum fleet_wake_action a);
/* Ids of the members whose action changes something (start, stop, untag),
 * for the confirmation; borrowed, valid while p is. */
const char *const *prepare_change_ids(const struct prepare *p, size_t *n);
/* The window, the date ("" until known: undo before listing), the tag
 * value ("" likewise), the timeout in seconds, undo or not. */
const char *prepare_window(const struct prepare *p);
const char *prepare_date(const struct prepare *p);
const char *prepare_tag(const struct prepare *p);
int prepare_timeout(const struct prepare *p);
int prepare_is_undo(const struct prepare *p);
/* Seconds spent waiting for SSM, after prepare_run. */
long prepare_waited_s(const struct prepare *p);

#endif
