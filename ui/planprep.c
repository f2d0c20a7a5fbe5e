/*
 * planprep.c - `p` and `U` in the plan pane: prepare (start the window's
 * stopped members before it opens) and its undo, through ops/prepare.h on
 * the console's loop, as `patchdeck prepare [--undo]` does:
 *
 *   read-only?  refused by the console's dispatch (UI_KEY_CHANGES_AWS;
 *               under --dry-run the keys only read, so they pass)
 *   list: EC2 read now (never the cache), each instance's action
 *   nothing to change: said so, nothing asked
 *   --dry-run: what would be started / stopped, nothing changed
 *   confirm: the count and the first ids, marked as a change to AWS
 *   y: tag and start (or stop and untag), audited by ops/prepare, then
 *      wait for SSM Online (a key of the plan pane stops the wait); the
 *      outcome on the pane and the message line, and a refresh so the
 *      plan shows the new states
 *
 * One job at a time, owned by struct app (a->planprep) and freed after
 * the loop by planprep_job_free(a); one waiting for a confirmation the
 * operator declined is replaced by the next p or U.
 */
#include "views.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cli/cli.h"
#include "ops/excache.h"
#include "ops/prepare.h"
#include "util/util.h"

/* Ids the confirmation names before "... (+N more)". */
#define SHOWN_IDS 5

struct planprep {
	struct app *a;
	struct ui *ui;
	struct prepare *p;
	/* The exception records the handle borrows: the job's own copy
	 * from the cache, since a reload frees the inventory's. */
	struct excache exc;
	int undo;
	int running;		/* listing or changing: not replaced */
	char *what;		/* "sun-0200@2026-12-06" or the window */
	/* The outcome of the change, kept (with the job) until the next p
	 * or U: the refresh that follows takes the message line, the plan
	 * pane shows this. */
	char *outcome;
	int failed;
};

static void
job_free(struct planprep *j)
{
	if (j == NULL)
		return;
	prepare_free(j->p);
	excache_done(&j->exc);
	free(j->what);
	free(j->outcome);
	free(j);
}

static void
finish(struct planprep *j)
{
	if (j->a->planprep == j)
		j->a->planprep = NULL;
	job_free(j);
}

void
planprep_job_free(struct app *a)
{
	job_free(a->planprep);
	a->planprep = NULL;
}

static void
on_progress(void *arg, const char *line)
{
	struct planprep *j = arg;

	ui_message(j->ui, 0, "%s", line);
	ui_dirty(j->ui);
}

static void
on_run_done(void *arg, int rc, const char *err)
{
	struct planprep *j = arg;
	struct ui *ui = j->ui;
	struct app *a = j->a;
	size_t n, k, acted = 0, online = 0, failed = 0;
	const struct prepare_member *m = prepare_members(j->p, &n);

	for (k = 0; k < n; k++) {
		acted += m[k].acted;
		online += m[k].online;
		failed += m[k].error != NULL;
	}
	if (rc == 0 && j->undo)
		j->outcome = xasprintf("undo %s: %zu stopped, tags removed "
		    "(audited)", prepare_tag(j->p), acted);
	else if (rc == 0)
		j->outcome = xasprintf("prepare %s: %zu started, %zu Online "
		    "(audited)", prepare_tag(j->p), acted, online);
	else if (rc == PREPARE_NOT_READY && prepare_cancelled(j->p))
		j->outcome = xasprintf("prepare %s: %zu started, %zu Online; "
		    "stopped waiting (audited)", prepare_tag(j->p), acted,
		    online);
	else if (rc == PREPARE_NOT_READY)
		j->outcome = xasprintf("prepare %s: %zu started, only %zu "
		    "Online after %d s (audited)", prepare_tag(j->p), acted,
		    online, prepare_timeout(j->p));
	else
		j->outcome = xasprintf("%s %s: %zu failed: %s", j->undo ?
		    "undo" : "prepare", prepare_tag(j->p), failed, err != NULL ?
		    err : "failed");
	j->failed = rc != 0;
	j->running = 0;
	ui_message(ui, j->failed, "%s", j->outcome);
	/* The new states come with a refresh (EC2 and SSM read again). */
	app_refresh(a, ui);
}

static void
on_yes(struct ui *ui, void *arg)
{
	struct planprep *j = arg;
	char *err = NULL;

	if (j->a->planprep != j)
		return;
	if (prepare_run(j->p, on_run_done, j, &err) != 0) {
		ui_message(ui, 1, "%s: %s; nothing was changed", j->undo ?
		    "undo" : "prepare", err);
		free(err);
		finish(j);
		return;
	}
	j->running = 1;
	ui_message(ui, 0, "%s %s: %s...", j->undo ? "undo" : "prepare",
	    prepare_tag(j->p), j->undo ? "stopping" : "starting");
}

/* "i-1, i-2, i-3 ... (+N more)". */
static char *
id_list(const char *const *ids, size_t n)
{
	struct buf b;
	size_t k;

	buf_init(&b);
	for (k = 0; k < n && k < SHOWN_IDS; k++)
		buf_printf(&b, "%s%s", k ? ", " : "", ids[k]);
	if (n > SHOWN_IDS)
		buf_printf(&b, " ... (+%zu more)", n - SHOWN_IDS);
	return buf_steal(&b);
}

static void
on_listed(void *arg, int rc, const char *err)
{
	struct planprep *j = arg;
	struct ui *ui = j->ui;
	const char *const *ids;
	const char *verb = j->undo ? "undo" : "prepare";
	char *list, *what, *title;
	size_t n, waits;

	j->running = 0;
	if (rc != 0) {
		ui_message(ui, 1, "%s %s: %s; nothing was changed", verb,
		    j->what, err != NULL ? err : "listing failed");
		finish(j);
		return;
	}
	ids = prepare_change_ids(j->p, &n);
	waits = prepare_count(j->p, FLEET_WAKE_WAIT);
	if (n == 0 && waits == 0) {
		ui_message(ui, 0, "%s %s: nothing to do (%s)", verb,
		    prepare_tag(j->p)[0] != '\0' ? prepare_tag(j->p) :
		    j->what, j->undo ? "no instance carries the tag" :
		    "no member is stopped");
		finish(j);
		return;
	}
	list = id_list(ids, n);
	if (j->a->g->dry_run) {
		ui_message(ui, 0, "DRY RUN, nothing was changed: %s would %s "
		    "%zu instance(s): %s", verb, j->undo ? "stop and untag" :
		    "tag and start", n, list);
		free(list);
		finish(j);
		return;
	}
	if (j->undo)
		what = xasprintf("Stop the %zu instance(s) tagged %s "
		    "(started for that night; those running before were "
		    "never tagged) and remove the tag: %s", n,
		    prepare_tag(j->p), list);
	else
		what = xasprintf("Tag %s and start the %zu stopped member(s), "
		    "then wait up to %d s for SSM Online%s: %s",
		    prepare_tag(j->p), n, prepare_timeout(j->p), waits > 0 ?
		    " (and for those started earlier)" : "", list);
	title = xasprintf("%s %zu instance(s)?", j->undo ? "Stop and untag" :
	    "Start", n);
	{
		const char *texts[] = { what, "This changes AWS state "
		    "(StartInstances / StopInstances, tags); audited. y to go "
		    "on, any other key cancels." };

		ui_confirm_texts(ui, title, texts, 2, n, on_yes, j);
	}
	free(title);
	free(what);
	free(list);
}

const char *
planprep_outcome(const struct app *a, int *failed)
{
	if (a->planprep == NULL || a->planprep->outcome == NULL)
		return NULL;
	*failed = a->planprep->failed;
	return a->planprep->outcome;
}

int
planprep_cancel(struct app *a)
{
	struct planprep *j = a->planprep;

	if (j == NULL || !j->running || j->outcome != NULL)
		return 0;
	prepare_cancel(j->p);
	return 1;
}

void
planprep_start(struct ui *ui, struct app *a, const char *window,
    const char *date, int undo)
{
	struct prepare_opts o;
	struct planprep *j;
	char *err = NULL;

	if (a->planprep != NULL) {
		if (a->planprep->running) {
			ui_message(ui, 1, "a prepare or undo is still running; "
			    "wait for its outcome");
			return;
		}
		/* Done, or its confirmation was declined. */
		finish(a->planprep);
	}
	memset(&o, 0, sizeof o);
	o.cfg = &a->cfg;
	o.profile = a->g->profile;
	o.region = a->g->region;
	o.window = window;
	o.date = date;
	o.undo = undo;
	j = xcalloc(1, sizeof *j);
	j->a = a;
	j->ui = ui;
	j->undo = undo;
	j->what = xasprintf("%s@%s", window, date);
	/* A stopped member that an approved exception keeps out of the
	 * night is not started (as the plan says).  Records that cannot be
	 * read leave none known: nothing excepted, as the plan without
	 * them. */
	if (a->cache == NULL || excache_load(a->cache, a->cfg.exceptions_table,
	    &j->exc, &err) != 0) {
		free(err);
		err = NULL;
	}
	o.exceptions = j->exc.fetched_at > 0 ? j->exc.v : NULL;
	o.nexceptions = j->exc.fetched_at > 0 ? j->exc.n : 0;
	if ((j->p = prepare_new(&o, &err)) == NULL) {
		ui_message(ui, 1, "%s: %s", undo ? "undo" : "prepare", err);
		free(err);
		job_free(j);
		return;
	}
	a->planprep = j;
	if (prepare_list(j->p, ui_net(ui), on_progress, on_listed, j,
	    &err) != 0) {
		ui_message(ui, 1, "%s: %s", undo ? "undo" : "prepare", err);
		free(err);
		finish(j);
		return;
	}
	j->running = 1;
	ui_message(ui, 0, "%s %s: reading the instances from EC2...",
	    undo ? "undo" : "prepare", j->what);
}
