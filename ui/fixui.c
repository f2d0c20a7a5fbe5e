/*
 * fixui.c - F on the pre-check pane (issue #9 point 5): fix the failed
 * rows the operator chose, then pre-check them again, as `patchdeck
 * precheck WINDOW --fix KIND` does (ops/fixjob.h).
 *
 *   F   read-only?  refused by dispatch (the key is UI_KEY_CHANGES_AWS)
 *       the rows fail in no fixable kind?  say so and why (a kind with no
 *       fix names what to do instead)
 *       several fixable kinds?  prompt "fix which? disk (3), repo (2): "
 *       pkg_lock?  prompt whether a running package manager may be
 *       stopped (--force); the default is no: its fix is then "skipped"
 *       confirm: the kind, the count and the first instances, what runs,
 *       one command per 50 instances then a pre-check; DRY RUN under
 *       --dry-run, where 'y' only says what would be sent
 *       y: the fix and the pre-check after it run on the console's loop;
 *       the pane shows their progress, then the re-checked rows
 *
 * The fix is audited by ops/fix.c; with --dry-run nothing is sent and
 * nothing is audited.
 */
#include "views.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "fleet/fix.h"
#include "fleet/precheck.h"
#include "ops/fixjob.h"
#include "ops/precheck.h"
#include "util/util.h"

/* Instances named in the confirmation before "and N more". */
#define SHOW_IDS 4

enum fixui_state { FX_IDLE, FX_ASKING, FX_RUNNING, FX_DONE };

struct fixui {
	struct ui *ui;
	struct app *a;
	enum fixui_state state;
	struct fix_member *m;	/* copies of the rows, strings owned */
	size_t n;
	char *window, *date;
	enum fleet_fix_kind kind;
	int force;
	struct fix_selection sel;
	struct fixjob *job;
	char phase[32];
	size_t done, total;
	fixui_done_fn on_end;
	void *arg;
};

/* What each kind runs, for the confirmation. */
static const char *const does[FLEET_FIX_NKINDS] = {
	[FLEET_FIX_DISK] = "cleans the package caches and vacuums the "
	    "journal to 200M",
	[FLEET_FIX_REPO] = "rewrites repository URLs by [precheck] "
	    "repo_map (each changed file saved first)",
	[FLEET_FIX_PKG_LOCK] = "finishes or clears an interrupted package "
	    "transaction (stale locks, dpkg --configure -a, ...)",
};

static void
members_free(struct fixui *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		free((char *)f->m[i].instance_id);
		free((char *)f->m[i].target);
		free((char *)f->m[i].platform);
	}
	free(f->m);
	f->m = NULL;
	f->n = 0;
}

void
fixui_free(struct fixui *f)
{
	if (f == NULL)
		return;
	fixjob_free(f->job);
	fix_selection_done(&f->sel);
	members_free(f);
	free(f->window);
	free(f->date);
	free(f);
}

int
fixui_busy(const struct fixui *f)
{
	/* Asking is not busy: the prompt and the confirmation are modal,
	 * and a confirmation answered "no" says nothing back. */
	return f != NULL && f->state == FX_RUNNING;
}

int
fixui_progress(const struct fixui *f, const char **phase, size_t *done,
    size_t *total)
{
	if (f == NULL || f->state != FX_RUNNING)
		return 0;
	*phase = f->phase;
	*done = f->done;
	*total = f->total;
	return 1;
}

/* ---- the run ---- */

static void
on_progress(void *arg, const char *phase, size_t done, size_t total)
{
	struct fixui *f = arg;

	snprintf(f->phase, sizeof f->phase, "%s%s", strcmp(phase, "fix") ?
	    "re-check: " : "", phase);
	f->done = done;
	f->total = total;
	ui_dirty(f->ui);
}

static void
on_done(void *arg, int rc, const char *err)
{
	struct fixui *f = arg;
	const struct fix_outcome *o = fixjob_outcomes(f->job, &f->total);
	const struct precheck_report *after = fixjob_after(f->job);
	size_t counts[4] = { 0, 0, 0, 0 }, i;

	f->state = FX_DONE;
	for (i = 0; i < f->total; i++) {
		if (strcmp(o[i].status, "ok") == 0)
			counts[0]++;
		else if (strcmp(o[i].status, "skipped") == 0)
			counts[1]++;
		else if (strcmp(o[i].status, "failed") == 0)
			counts[2]++;
		else
			counts[3]++;
	}
	ui_message(f->ui, rc != 0 || counts[0] < f->total, "fix %s: %zu ok, "
	    "%zu skipped, %zu failed, %zu no result; re-checked: %zu "
	    "still fail%s%s", fleet_fix_kind_name(f->kind), counts[0],
	    counts[1], counts[2], counts[3], after != NULL ? after->nfailed :
	    f->total, err != NULL ? "; " : "", err != NULL ? err : "");
	if (f->on_end != NULL)
		f->on_end(f->ui, f->arg, f->job);
	ui_dirty(f->ui);
}

static void
on_yes(struct ui *ui, void *arg)
{
	struct fixui *f = arg;
	struct fixjob_opts o;
	char *err = NULL;

	if (f->a->desk.dry_run) {
		f->state = FX_IDLE;
		ui_message(ui, 0, "dry run: patchdeck-fix Kind=%s Force=%s "
		    "would go to %zu instance(s) (%zu call(s) at most 50 "
		    "each), then a pre-check of them; none was sent",
		    fleet_fix_kind_name(f->kind), f->force ? "true" : "false",
		    f->sel.nchosen, (f->sel.nchosen + 49) / 50);
		return;
	}
	memset(&o, 0, sizeof o);
	o.cfg = &f->a->cfg;
	o.profile = f->a->desk.profile;
	o.kind = f->kind;
	o.force = f->force;
	o.window = f->window;
	o.date = f->date;
	o.members = f->m;
	o.chosen = f->sel.chosen;
	o.nchosen = f->sel.nchosen;
	o.inv = &f->a->inv;
	o.cache = f->a->cache;
	f->job = fixjob_start(ui_net(ui), &o, on_progress, on_done, f, &err);
	if (f->job == NULL) {
		f->state = FX_IDLE;
		ui_message(ui, 1, "fix: %s", err);
		free(err);
		return;
	}
	f->state = FX_RUNNING;
	snprintf(f->phase, sizeof f->phase, "fix");
	f->done = 0;
	f->total = f->sel.nchosen;
	ui_message(ui, 0, "fixing %s on %zu instance(s)...",
	    fleet_fix_kind_name(f->kind), f->sel.nchosen);
}

static void
confirm(struct fixui *f)
{
	struct buf ids, what, note;
	const char *texts[4];
	char title[80];
	size_t i;

	fix_selection_done(&f->sel);
	if (fix_select(f->kind, f->m, f->n, NULL, 0, &f->sel, NULL) != 0 ||
	    f->sel.nchosen == 0) {
		f->state = FX_IDLE;
		ui_message(f->ui, 1, "fix %s: none of these rows can be fixed "
		    "so%s%s", fleet_fix_kind_name(f->kind), f->sel.nskipped ?
		    ": " : "", f->sel.nskipped ? f->sel.skipped[0].why : "");
		return;
	}
	buf_init(&ids);
	buf_init(&what);
	buf_init(&note);
	buf_printf(&ids, "%s %s on %zu instance(s): ", f->a->desk.dry_run ?
	    "DRY RUN: would fix" : "Fix", fleet_fix_kind_name(f->kind),
	    f->sel.nchosen);
	for (i = 0; i < f->sel.nchosen && i < SHOW_IDS; i++)
		buf_printf(&ids, "%s%s", i ? ", " : "",
		    f->m[f->sel.chosen[i]].instance_id);
	if (f->sel.nchosen > SHOW_IDS)
		buf_printf(&ids, " and %zu more", f->sel.nchosen - SHOW_IDS);
	buf_puts(&ids, ".");
	buf_printf(&what, "The fix %s%s.  One SendCommand of patchdeck-fix "
	    "per 50 instances, audited; then a pre-check of them.",
	    does[f->kind], f->kind != FLEET_FIX_PKG_LOCK ? "" : f->force ?
	    "; a running package manager is STOPPED (force)" :
	    "; a running package manager is left alone (skipped)");
	if (f->sel.nskipped > 0)
		buf_printf(&note, "%zu row(s) left alone: %s (%s)%s",
		    f->sel.nskipped, f->sel.skipped[0].instance_id,
		    f->sel.skipped[0].why, f->sel.nskipped > 1 ? ", ..." : "");
	texts[0] = ids.data;
	texts[1] = what.data;
	texts[2] = note.len ? note.data : NULL;
	snprintf(title, sizeof title, "Fix %s?", fleet_fix_kind_name(f->kind));
	ui_confirm_texts(f->ui, title, texts, 3, f->sel.nchosen, on_yes, f);
	buf_free(&ids);
	buf_free(&what);
	buf_free(&note);
}

static void
on_force(struct ui *ui, void *arg, const char *text)
{
	struct fixui *f = arg;

	(void)ui;
	if (text == NULL) {
		f->state = FX_IDLE;
		ui_message(f->ui, 0, "cancelled; nothing was changed");
		return;
	}
	f->force = text[0] == 'y' || text[0] == 'Y';
	confirm(f);
}

/* Kind chosen: pkg_lock asks about force, then the confirmation. */
static void
kind_chosen(struct fixui *f)
{
	if (f->kind == FLEET_FIX_PKG_LOCK) {
		ui_prompt(f->ui, "pkg_lock: stop a running package manager "
		    "(force)? y/N: ", NULL, NULL, on_force, f);
		return;
	}
	confirm(f);
}

/* How many rows kind k would act on. */
static size_t
count_kind(const struct fixui *f, enum fleet_fix_kind k)
{
	struct fix_selection s;
	size_t n = 0;

	if (fix_select(k, f->m, f->n, NULL, 0, &s, NULL) == 0) {
		n = s.nchosen;
		fix_selection_done(&s);
	}
	return n;
}

static void
on_kind(struct ui *ui, void *arg, const char *text)
{
	struct fixui *f = arg;
	enum fleet_fix_kind k;
	char *err = NULL;

	(void)ui;
	if (text == NULL) {
		f->state = FX_IDLE;
		ui_message(f->ui, 0, "cancelled; nothing was changed");
		return;
	}
	if (fleet_fix_kind_parse(text, &k, &err) != 0) {
		f->state = FX_IDLE;
		ui_message(f->ui, 1, "fix: %s; nothing was changed", err);
		free(err);
		return;
	}
	if (count_kind(f, k) == 0) {
		f->state = FX_IDLE;
		ui_message(f->ui, 1, "fix: no row fails with what %s repairs; "
		    "nothing was changed", fleet_fix_kind_name(k));
		return;
	}
	f->kind = k;
	kind_chosen(f);
}

/* Why none of the rows can be fixed, from the first failing one. */
static void
say_nothing(struct fixui *f)
{
	size_t i;
	unsigned k;
	enum fleet_fix_kind fk;
	char *why = NULL;

	for (i = 0; i < f->n; i++) {
		for (k = 0; k < FLEET_PK_COUNT; k++) {
			if (!(f->m[i].failures & 1u << k))
				continue;
			if (fleet_fix_for_failure(fleet_precheck_kind_name(
			    (enum fleet_precheck_kind)k), &fk, &why) == 0)
				continue;
			ui_message(f->ui, 1, "nothing to fix here: %s", why);
			free(why);
			return;
		}
	}
	ui_message(f->ui, 1, "nothing to fix: no row failed with a kind a fix "
	    "repairs (disk, repo_unreachable, repo_url, pkg_lock) on a Linux "
	    "instance SSM can reach");
}

struct fixui *
fixui_start(struct ui *ui, struct app *a, const struct fix_member *rows,
    size_t n, const char *window, const char *date, fixui_done_fn done,
    void *arg)
{
	struct fixui *f = xcalloc(1, sizeof *f);
	struct buf label;
	size_t i, count[FLEET_FIX_NKINDS], nkinds = 0;
	enum fleet_fix_kind last = FLEET_FIX_DISK;

	f->ui = ui;
	f->a = a;
	f->on_end = done;
	f->arg = arg;
	f->window = window != NULL ? xstrdup(window) : NULL;
	f->date = date != NULL ? xstrdup(date) : NULL;
	f->m = xcalloc(n + 1, sizeof *f->m);
	f->n = n;
	for (i = 0; i < n; i++) {
		f->m[i] = rows[i];
		f->m[i].instance_id = xstrdup(rows[i].instance_id);
		f->m[i].target = xstrdup(rows[i].target);
		f->m[i].platform = xstrdup(rows[i].platform != NULL ?
		    rows[i].platform : "");
	}
	for (i = 0; i < FLEET_FIX_NKINDS; i++) {
		count[i] = count_kind(f, (enum fleet_fix_kind)i);
		if (count[i] > 0) {
			nkinds++;
			last = (enum fleet_fix_kind)i;
		}
	}
	if (nkinds == 0) {
		say_nothing(f);
		return f;
	}
	f->state = FX_ASKING;
	if (nkinds == 1) {
		f->kind = last;
		kind_chosen(f);
		return f;
	}
	buf_init(&label);
	buf_puts(&label, "fix which?");
	for (i = 0; i < FLEET_FIX_NKINDS; i++)
		if (count[i] > 0)
			buf_printf(&label, " %s (%zu)%s",
			    fleet_fix_kind_name((enum fleet_fix_kind)i),
			    count[i], --nkinds ? "," : ":");
	buf_puts(&label, " ");
	ui_prompt(ui, label.data, NULL, NULL, on_kind, f);
	buf_free(&label);
	return f;
}
