/*
 * prepare_int.h - inside the prepare module: struct prepare and what its
 * two files share.  Only src/ops/prepare*.c include it.
 *
 *   prepare.c      the handle (new, free, getters) and the listing
 *   prepare_run.c  the audited run: the calls, the wait for SSM, the
 *                  audit entries, cancel
 */
#ifndef PATCHDECK_OPS_PREPARE_INT_H
#define PATCHDECK_OPS_PREPARE_INT_H

#include "ops/prepare.h"
#include "util/util.h"

struct audit;
struct fanout;
struct net_timer;

enum stage { ST_NONE, ST_LIST, ST_WHO, ST_TAG, ST_START, ST_RETAG, ST_WAIT,
    ST_STOP, ST_UNTAG, ST_DONE };

struct prepare {
	const struct config *cfg;
	char *profile, *region;
	char *window;
	char date[16];		/* "" until known */
	struct fleet_date d;	/* the date, once known */
	long long occ_start, occ_end;	/* prepare: the occurrence */
	const struct fleet_exception *exc;
	size_t nexc;
	char *tag;		/* NULL until known */
	int undo;
	int timeout_s;
	long long now;

	struct net *net;
	struct fanout *fan;
	prepare_progress_fn progress;
	prepare_done_fn done;
	void *arg;

	struct prepare_member *m;
	size_t n, cap;
	const char **change_ids;
	size_t nchange;
	/* undo without a date: every date found for the window */
	char **dates;
	size_t ndates;

	enum stage stage;
	size_t pending;		/* calls of the stage in flight */
	int failed;		/* a call of the step failed for some member */
	char *list_err;		/* the first slot that could not be listed */
	int rc;
	char *err;
	struct net_timer *timer;
	long long wait_start_ms, deadline_ms;
	long poll_ms;
	long waited_s;

	struct audit *log;
	char **callers;		/* per fanout slot: STS caller ARN, or NULL */
	char *action_id;
	int result_written;
	int cancelled;		/* prepare_cancel: wait no more */
};

/* A progress line, if anyone listens. */
void prepare_say(struct prepare *p, const char *fmt, ...) UTIL_PRINTF(2, 3);
/* "prepare" or "prepare --undo", for messages. */
const char *prepare_cmd(const struct prepare *p);
/* Ends the step: done runs from a timer of its own.  err is taken. */
void prepare_finish_step(struct prepare *p, int rc, char *err);
/* The audit result entry, once (nothing when no intent was written). */
void prepare_write_result(struct prepare *p, const char *outcome);

#endif
