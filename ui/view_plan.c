/*
 * view_plan.c - the plan pane: what patch night will do to each member of
 * one window on its current or next occurrence (ops/plan.h, the same plan
 * as `patchdeck plan`), trouble first, with the counts and the age of the
 * data.  The plan borrows the app's inventory, so it is made again when
 * the inventory is (app->generation), never drawn from a stale one.
 */
#include "views.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "ops/plan.h"
#include "ops/timefmt.h"
#include "util/util.h"

enum {
	P_DOWN = UI_LIST_DOWN, P_UP = UI_LIST_UP, P_PGDN = UI_LIST_PGDN,
	P_PGUP = UI_LIST_PGUP, P_HOME = UI_LIST_HOME, P_END = UI_LIST_END,
	P_OPEN, P_CLOSE, P_PREPARE, P_UNDO, P_PRECHECK, P_STOP_WAIT
};

static const struct ui_key keys[] = {
	{ 'j', P_DOWN, "j, Down", "next member", "move", 0 },
	{ KEY_DOWN, P_DOWN, NULL, NULL, NULL, 0 },
	{ 'k', P_UP, "k, Up", "previous member", NULL, 0 },
	{ KEY_UP, P_UP, NULL, NULL, NULL, 0 },
	{ KEY_NPAGE, P_PGDN, "PgDn, PgUp", "page down / up", NULL, 0 },
	{ KEY_PPAGE, P_PGUP, NULL, NULL, NULL, 0 },
	{ KEY_HOME, P_HOME, "Home, g", "first member", NULL, 0 },
	{ 'g', P_HOME, NULL, NULL, NULL, 0 },
	{ KEY_END, P_END, "End, G", "last member", NULL, 0 },
	{ 'G', P_END, NULL, NULL, NULL, 0 },
	{ '\r', P_OPEN, "Enter", "open the instance", "open", 0 },
	{ KEY_ENTER, P_OPEN, NULL, NULL, NULL, 0 },
	{ '\n', P_OPEN, NULL, NULL, NULL, 0 },
	{ 'p', P_PREPARE, "p", "prepare: tag and start the stopped members "
	    "before the window (confirmed; audited)", "prepare",
	    UI_KEY_CHANGES_AWS | UI_KEY_DRY_RUN_READS },
	{ 'U', P_UNDO, "U", "undo prepare: stop the instances started for "
	    "this night and remove their tag (confirmed; audited)", "undo",
	    UI_KEY_CHANGES_AWS | UI_KEY_DRY_RUN_READS },
	{ 'c', P_STOP_WAIT, "c", "stop waiting for SSM after p (the "
	    "instances started stay started; those not Online are named)",
	    NULL, 0 },
	{ 'P', P_PRECHECK, "P", "pre-check the members on this date (the "
	    "pre-check pane; q comes back)", "pre-check",
	    UI_KEY_CHANGES_AWS | UI_KEY_DRY_RUN_READS },
	{ 27, P_CLOSE, "Esc, h, Left", "back to the windows", "back", 0 },
	{ 'h', P_CLOSE, NULL, NULL, NULL, 0 },
	{ KEY_LEFT, P_CLOSE, NULL, NULL, NULL, 0 },
};

struct vplan {
	struct app *app;
	size_t window;		/* index in the config */
	struct plan plan;
	struct plan_prechecks pc;	/* the members' latest verdicts */
	int have_pc;
	long long made_at;	/* pre-checks change without a reload */
	int ok;			/* plan made */
	char *error;		/* why not */
	unsigned long gen;	/* app->generation the plan was made at */
	struct ui_list list;
	/* The id under the cursor, a copy: a reload frees the inventory
	 * the plan points into before the plan is made again. */
	char *cursor_id;
};

/* Notes the id under the cursor (after every rebuild and move). */
static void
remember(struct vplan *v)
{
	free(v->cursor_id);
	v->cursor_id = v->ok && v->plan.p.n > 0 ?
	    xstrdup(v->plan.p.v[v->list.cursor].in->id) : NULL;
}

static void
rebuild(struct vplan *v)
{
	struct app *a = v->app;
	long long now = (long long)time(NULL);
	char *err = NULL;
	size_t k;

	if (v->ok && v->made_at != 0 && v->gen == a->generation &&
	    now / 30 == v->made_at / 30)
		return;
	if (v->ok)
		plan_done(&v->plan);
	if (v->have_pc)
		plan_prechecks_done(&v->pc);
	free(v->error);
	v->error = NULL;
	v->ok = plan_make_index(&v->plan, &a->inv, &a->cfg, v->window, now,
	    &v->error) == 0;
	v->have_pc = a->cache != NULL && plan_prechecks_load(&v->pc,
	    a->cache, &err) == 0;
	free(err);
	if (v->ok)
		plan_mark_prechecks(&v->plan, v->have_pc ? &v->pc : NULL);
	/* The cursor stays on its instance, wherever the new plan puts
	 * it. */
	for (k = 0; v->ok && v->cursor_id != NULL && k < v->plan.p.n; k++)
		if (strcmp(v->plan.p.v[k].in->id, v->cursor_id) == 0)
			v->list.cursor = k;
	v->gen = a->generation;
	v->made_at = now;
	ui_list_clamp(&v->list, v->ok ? v->plan.p.n : 0);
	remember(v);
}

static enum ui_color
action_color(const struct fleet_plan_member *m)
{
	switch (m->action) {
	case FLEET_PLAN_UNREACHABLE:
		return C_FAILED;
	case FLEET_PLAN_WAKE:
		return C_STALE;
	case FLEET_PLAN_EXCLUDED:
		return m->reason == FLEET_PLAN_R_EXCEPTION ? C_EXCEPTED : C_DIM;
	case FLEET_PLAN_PATCH:
	case FLEET_PLAN_NACTIONS:
		break;
	}
	return m->unapproved_tag ? C_FAILED : C_OK;
}

/* The member's latest pre-check: "fail", "ok", or "-" when none. */
static const char *
pre_text(const struct vplan *v, const struct fleet_plan_member *m)
{
	const struct plan_precheck *r = plan_precheck_of(v->have_pc ?
	    &v->pc : NULL, m->in->id);

	return r == NULL ? "-" : r->failed ? "fail" : "ok";
}

static void
plan_draw(struct ui *ui, void *self, int y, int x, int h, int w)
{
	struct vplan *v = self;
	const struct app *a = v->app;
	const struct plan *pl = &v->plan;
	const struct fleet_plan *p = &pl->p;
	char line[512], s[64], e[64], age[32], eage[32], pre[16], reason[256];
	long long now = (long long)time(NULL);
	long failing;
	const char *outcome;
	size_t r;
	int bad = 0, top, cx, wname = 24, wid = 20, wplat = 8, wact = 12;
	int wpre = 4;

	(void)ui;
	rebuild(v);
	ui_text(stdscr, y, x, w, "", 0, ui_attr(C_HEADER), 1);
	if (!v->ok) {
		snprintf(line, sizeof line, "plan %s",
		    a->cfg.windows[v->window].id);
		ui_text(stdscr, y, x + 1, w - 2, line, (size_t)-1,
		    ui_attr(C_HEADER) | A_BOLD, 0);
		ui_text(stdscr, y + 2, x + 2, w - 4, v->error != NULL ?
		    v->error : "no plan", (size_t)-1, ui_attr(C_FAILED), 0);
		return;
	}
	timefmt_local(&a->cfg.zones[v->window], pl->occ.start, s, sizeof s);
	timefmt_local(&a->cfg.zones[v->window], pl->occ.end, e, sizeof e);
	snprintf(line, sizeof line, "plan %s  %s .. %s%s", pl->w->id, s, e,
	    pl->in_progress ? "  (running now)" : "");
	ui_text(stdscr, y, x + 1, w - 2, line, (size_t)-1,
	    ui_attr(C_HEADER) | A_BOLD, 0);
	failing = plan_precheck_failing(pl, v->have_pc ? &v->pc : NULL);
	if (failing == PLAN_PRECHECK_UNKNOWN)
		snprintf(pre, sizeof pre, "?");
	else
		snprintf(pre, sizeof pre, "%ld", failing);
	timefmt_age(now, pl->oldest, age, sizeof age);
	timefmt_age(now, pl->exceptions_fetched_at, eage, sizeof eage);
	snprintf(line, sizeof line, "%zu members: %zu unreachable, %zu wake, "
	    "%zu excluded, %zu patch | linux %zu, windows %zu | unapproved "
	    "tag %zu | pre-checks failing %s | data %s, exceptions %s%s",
	    p->n, p->actions[FLEET_PLAN_UNREACHABLE],
	    p->actions[FLEET_PLAN_WAKE], p->actions[FLEET_PLAN_EXCLUDED],
	    p->actions[FLEET_PLAN_PATCH], p->platforms[FLEET_PLAT_LINUX],
	    p->platforms[FLEET_PLAT_WINDOWS], p->unapproved, pre, age, eage,
	    a->inv.partial ? " | still loading the fleet" : "");
	ui_text(stdscr, y + 1, x + 1, w - 2, line, (size_t)-1,
	    ui_attr(C_NORMAL), 1);
	/* The last p / U stays in sight: a refresh follows it and takes
	 * the message line. */
	top = 2;
	if ((outcome = planprep_outcome(a, &bad)) != NULL) {
		ui_text(stdscr, y + 2, x + 1, w - 2, outcome, (size_t)-1,
		    ui_attr(bad ? C_FAILED : C_OK), 1);
		top = 3;
	}
	if (w < 100) {
		wname = 16;
		wid = 19;
		wplat = 0;
	}
	cx = x + 1;
	ui_text(stdscr, y + top, cx, w - 1, "", 0, ui_attr(C_HEADER), 1);
	ui_text(stdscr, y + top, cx, wact, "action", (size_t)-1,
	    ui_attr(C_HEADER), 0);
	cx += wact + 1;
	ui_text(stdscr, y + top, cx, wname, "name", (size_t)-1,
	    ui_attr(C_HEADER), 0);
	cx += wname + 1;
	ui_text(stdscr, y + top, cx, wid, "id", (size_t)-1, ui_attr(C_HEADER),
	    0);
	cx += wid + 1;
	if (wplat > 0) {
		ui_text(stdscr, y + top, cx, wplat, "platform", (size_t)-1,
		    ui_attr(C_HEADER), 0);
		cx += wplat + 1;
	}
	ui_text(stdscr, y + top, cx, wpre, "pre", (size_t)-1, ui_attr(C_HEADER),
	    0);
	cx += wpre + 1;
	ui_text(stdscr, y + top, cx, x + w - cx, "reason", (size_t)-1,
	    ui_attr(C_HEADER), 0);
	v->list.rows = h - top - 1;
	ui_list_clamp(&v->list, p->n);
	if (p->n == 0) {
		ui_text(stdscr, y + top + 2, x + 2, w - 4, a->inv.partial ?
		    "loading the fleet from the cache..." :
		    "no instance names this window in its window tag",
		    (size_t)-1, ui_attr(C_DIM), 0);
		return;
	}
	for (r = v->list.top; r < p->n && (int)(r - v->list.top) <
	    v->list.rows; r++) {
		const struct fleet_plan_member *m = &p->v[r];
		int ry = y + top + 1 + (int)(r - v->list.top), cur = r ==
		    v->list.cursor;
		attr_t base = cur ? ui_attr(C_CURSOR) : ui_attr(C_NORMAL);

		ui_text(stdscr, ry, x, w, "", 0, base, 1);
		cx = x + 1;
		ui_text(stdscr, ry, cx, wact, fleet_plan_action_name(m->action),
		    (size_t)-1, cur ? base : ui_attr(action_color(m)), 0);
		cx += wact + 1;
		ui_text(stdscr, ry, cx, wname, m->in->name, (size_t)-1, base,
		    0);
		cx += wname + 1;
		ui_text(stdscr, ry, cx, wid, m->in->id, (size_t)-1, base, 0);
		cx += wid + 1;
		if (wplat > 0) {
			ui_text(stdscr, ry, cx, wplat, fleet_plan_platform_name(
			    m->platform), (size_t)-1, base, 0);
			cx += wplat + 1;
		}
		ui_text(stdscr, ry, cx, wpre, pre_text(v, m), (size_t)-1,
		    cur ? base : ui_attr(m->precheck_failed ? C_FAILED :
		    C_DIM), 0);
		cx += wpre + 1;
		plan_member_reason(pl, m, v->have_pc ? &v->pc : NULL, reason,
		    sizeof reason);
		ui_text(stdscr, ry, cx, x + w - cx, reason, (size_t)-1, base,
		    0);
	}
}

static int
plan_key(struct ui *ui, void *self, int action, int ch)
{
	struct vplan *v = self;
	size_t n;

	(void)ch;
	rebuild(v);
	n = v->ok ? v->plan.p.n : 0;
	switch (action) {
	case P_DOWN:
	case P_UP:
	case P_PGDN:
	case P_PGUP:
	case P_HOME:
	case P_END:
		ui_list_move(&v->list, n, (enum ui_list_move)action);
		remember(v);
		return UI_REDRAW;
	case P_OPEN:
		if (n > 0)
			view_detail_push(ui, v->app,
			    v->plan.p.v[v->list.cursor].in->id,
			    v->plan.p.v[v->list.cursor].in->region);
		return UI_REDRAW;
	case P_CLOSE:
		return UI_POP;
	case P_STOP_WAIT:
		if (planprep_cancel(v->app))
			ui_message(ui, 0, "stopping the wait for SSM Online...");
		else
			ui_message(ui, 1, "no prepare is waiting");
		return UI_REDRAW;
	case P_PREPARE:
	case P_UNDO:
	case P_PRECHECK:
		if (v->ok) {
			char day[16];

			fleet_date_format(v->plan.date, day, sizeof day);
			/* Back from the pre-check pane, the verdicts are
			 * read again. */
			if (action == P_PRECHECK) {
				v->made_at = 0;
				view_precheck_push(ui, v->app, v->plan.w->id,
				    day);
			}
			else
				planprep_start(ui, v->app, v->plan.w->id, day,
				    action == P_UNDO);
		}
		return UI_REDRAW;
	}
	return UI_IGNORED;
}

static int
plan_position(void *self, size_t *row, size_t *of)
{
	struct vplan *v = self;

	*of = v->ok ? v->plan.p.n : 0;
	*row = *of > 0 ? v->list.cursor + 1 : 0;
	return 0;
}

static void
plan_free(void *self)
{
	struct vplan *v = self;

	if (v->ok)
		plan_done(&v->plan);
	if (v->have_pc)
		plan_prechecks_done(&v->pc);
	free(v->error);
	free(v->cursor_id);
	free(v);
}

static const struct view view_plan = {
	.name = "plan",
	.position = plan_position,
	.draw = plan_draw,
	.key = plan_key,
	.free = plan_free,
	.keys = keys,
	.nkeys = sizeof keys / sizeof keys[0],
};

void
view_plan_push(struct ui *ui, struct app *a, size_t window)
{
	struct vplan *v;

	if (window >= a->cfg.nwindows)
		return;
	v = xcalloc(1, sizeof *v);
	v->app = a;
	v->window = window;
	rebuild(v);
	ui_push(ui, &view_plan, v);
}
