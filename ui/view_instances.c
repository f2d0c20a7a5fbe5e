/*
 * view_instances.c - the first screen: windows on the left with their
 * counts per tag state, the instances table on the right.
 */
#include "views.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include "app.h"
#include "fleet/tagstate.h"
#include "ops/plan.h"
#include "util/util.h"

/* Columns in the order they are dropped from last to first when the
 * terminal is narrow: what patch night is about (the window, the tag
 * state, whether SSM answers, when it was last patched) stays longer
 * than what EC2 says (state, id); Right/Left scroll to the others. */
static const enum inv_col priority[COL_COUNT] = {
	COL_NAME, COL_TAGSTATE, COL_WINDOW, COL_PING, COL_LAST_PATCHED,
	COL_STATE, COL_ID, COL_EXCEPTION, COL_OWNER, COL_PLATFORM,
	COL_ACCOUNT, COL_REGION,
};

#define NAME_MIN 16	/* the name's width before the others get room */

#define SIDE_WIDTH 26
#define SIDE_LINES 4	/* lines per window in the windows pane */
#define SIDE_MIN_COLS 110	/* below this the windows column hides */

/* The moves are ui_list's, so that they pass to it as they are. */
enum {
	A_DOWN = UI_LIST_DOWN, A_UP = UI_LIST_UP, A_PGDN = UI_LIST_PGDN,
	A_PGUP = UI_LIST_PGUP, A_HOME = UI_LIST_HOME, A_END = UI_LIST_END,
	A_MARK, A_MARK_ALL,
	A_CLEAR_MARKS, A_FILTER, A_COMMAND, A_OPEN, A_SORT_NEXT, A_SORT_PREV,
	A_SORT_REVERSE, A_ASSIGN, A_UNASSIGN, A_OWNER, A_UNOWNER, A_ESCAPE,
	A_EXCEPTIONS, A_REQUEST, A_SCROLL_RIGHT, A_SCROLL_LEFT, A_PRECHECK,
	A_FOCUS_SWAP, A_FOCUS_WINDOWS, A_FOCUS_TABLE,
};

static const struct ui_key keys[] = {
	{ 'j', A_DOWN, "j, Down", "next instance", "move", 0 },
	{ KEY_DOWN, A_DOWN, NULL, NULL, NULL, 0 },
	{ 'k', A_UP, "k, Up", "previous instance", NULL, 0 },
	{ KEY_UP, A_UP, NULL, NULL, NULL, 0 },
	{ KEY_NPAGE, A_PGDN, "PgDn, Ctrl-F", "page down", NULL, 0 },
	{ 6, A_PGDN, NULL, NULL, NULL, 0 },
	{ KEY_PPAGE, A_PGUP, "PgUp, Ctrl-B", "page up", NULL, 0 },
	{ 2, A_PGUP, NULL, NULL, NULL, 0 },
	{ KEY_HOME, A_HOME, "Home, g", "first instance", NULL, 0 },
	{ 'g', A_HOME, NULL, NULL, NULL, 0 },
	{ KEY_END, A_END, "End, G", "last instance", NULL, 0 },
	{ 'G', A_END, NULL, NULL, NULL, 0 },
	{ ' ', A_MARK, "Space", "mark or unmark this instance", "mark", 0 },
	{ 'a', A_MARK_ALL, "a", "mark every instance shown", NULL, 0 },
	{ 'u', A_CLEAR_MARKS, "u", "clear every mark", NULL, 0 },
	{ '/', A_FILTER, "/", "filter as you type (any column)", "filter", 0 },
	{ ':', A_COMMAND, ":", "command: window ID, state S, ping P, owner O, "
	    "account A, region R, tag STATE, sort COL, clear, q", "command", 0 },
	{ '\r', A_OPEN, "Enter", "open the instance: tags, SSM, windows; "
	    "in the windows pane, the window's plan", "open", 0 },
	{ KEY_ENTER, A_OPEN, NULL, NULL, NULL, 0 },
	{ '\n', A_OPEN, NULL, NULL, NULL, 0 },
	{ '>', A_SORT_NEXT, ">, <", "sort by the next / previous column "
	    "shown", "sort", 0 },
	{ '<', A_SORT_PREV, NULL, NULL, NULL, 0 },
	{ 's', A_SORT_REVERSE, "s", "reverse the sort", NULL, 0 },
	{ KEY_RIGHT, A_SCROLL_RIGHT, "Right, Left", "scroll the columns: "
	    "those a narrow screen leaves out come into sight", "columns", 0 },
	{ KEY_LEFT, A_SCROLL_LEFT, NULL, NULL, NULL, 0 },
	{ 'w', A_ASSIGN, "w", "set the patch window of the marked instances "
	    "(none marked: of this one)", "window", UI_KEY_CHANGES_AWS },
	{ 'W', A_UNASSIGN, "W", "clear the patch window of the marked "
	    "instances (none marked: of this one)", NULL,
	    UI_KEY_CHANGES_AWS },
	{ 'o', A_OWNER, "o", "set the owner tag of the marked instances "
	    "(none marked: of this one)", "owner", UI_KEY_CHANGES_AWS },
	{ 'O', A_UNOWNER, "O", "clear the owner tag of the marked instances "
	    "(none marked: of this one)", NULL, UI_KEY_CHANGES_AWS },
	{ 27, A_ESCAPE, "Esc", "clear the filter", NULL, 0 },
	{ 'e', A_EXCEPTIONS, "e", "the exceptions: live, upcoming, expiring, "
	    "pending, ...; q comes back", "exceptions", 0 },
	{ 'E', A_REQUEST, "E", "request an exception for this instance", NULL,
	    UI_KEY_CHANGES_AWS },
	{ 'P', A_PRECHECK, "P", "pre-check the marked instances, or the "
	    "members of this instance's window", "pre-check",
	    UI_KEY_CHANGES_AWS | UI_KEY_DRY_RUN_READS },
	{ '\t', A_FOCUS_SWAP, "Tab, h, l", "move between the windows pane "
	    "(h) and the table (l); j, k move in the one in focus", "windows",
	    0 },
	{ 'h', A_FOCUS_WINDOWS, NULL, NULL, NULL, 0 },
	{ 'l', A_FOCUS_TABLE, NULL, NULL, NULL, 0 },
};

struct vinst {
	struct app *app;
	struct ui_list list;	/* over inv.vis */
	int window_w;		/* the window column's width */
	int hoff;		/* columns scrolled off (after the name) */
	int shown[COL_COUNT];	/* the columns drawn last, left to right */
	int nshown;
	int more;		/* columns left out on the right */
	int focus_windows;	/* keys move in the windows pane */
	struct ui_list wl;	/* over ov */
	/* Tonight's overview, made again when the inventory changes and
	 * every 30 s (the states count down).  In the same block as the
	 * view (room for every configured window), since app.c frees the
	 * base view with free(). */
	size_t nov;
	unsigned long ov_gen;
	long long ov_at;
	struct plan_window_row ov[];
};

static void
clamp(struct vinst *v)
{
	ui_list_clamp(&v->list, v->app->inv.nvis);
}

static enum ui_color
state_color(const struct inv_row *r)
{
	switch (r->st.state) {
	case TS_IN_RUN:
		return C_PROMPT;
	case TS_EXCEPTED_LIVE:
	case TS_EXCEPTED_UPCOMING:
		return C_EXCEPTED;
	case TS_EXCEPTED_UNAPPROVED:
	case TS_UNKNOWN_WINDOW:
		return C_FAILED;
	case TS_STALE:
	case TS_NO_WINDOW:
	case TS_EXCEPTED_EXPIRED:
		return C_STALE;
	case TS_PATCHED_RECENTLY:
		return C_OK;
	case TS_SCHEDULED:
		break;
	}
	return C_NORMAL;
}

static void
overview(struct vinst *v)
{
	struct app *a = v->app;
	long long now = (long long)time(NULL);
	struct plan_window_row *rows;
	struct plan_prechecks pc;
	char *err = NULL;
	size_t sel, k;
	int have;

	if (v->ov_at != 0 && v->ov_gen == a->generation &&
	    now / 30 == v->ov_at / 30)
		return;
	/* A cache that cannot say leaves the pre-checks unknown ("?"). */
	have = a->cache != NULL && plan_prechecks_load(&pc, a->cache,
	    &err) == 0;
	free(err);
	/* The cursor stays on its window when the order changes (one
	 * opens, another closes). */
	sel = v->nov > 0 ? v->ov[v->wl.cursor].window : (size_t)-1;
	v->nov = plan_overview(&a->inv, &a->cfg, have ? &pc : NULL, now,
	    &rows);
	if (have)
		plan_prechecks_done(&pc);
	if (v->nov > 0)
		memcpy(v->ov, rows, v->nov * sizeof *rows);
	free(rows);
	for (k = 0; k < v->nov; k++)
		if (v->ov[k].window == sel)
			v->wl.cursor = k;
	v->ov_gen = a->generation;
	v->ov_at = now;
	ui_list_clamp(&v->wl, v->nov);
}

static enum ui_color
when_color(enum fleet_window_when w)
{
	switch (w) {
	case FLEET_WHEN_RUNNING:
		return C_PROMPT;
	case FLEET_WHEN_SOON:
		return C_OK;
	case FLEET_WHEN_NONE:
		return C_FAILED;
	case FLEET_WHEN_LATER:
		break;
	}
	return C_DIM;
}

/* The windows pane: tonight's overview (ops/plan.h), one window in
 * SIDE_LINES lines: id and members; its state; its members at risk. */
static void
draw_side(struct vinst *v, int y, int x, int h, int width)
{
	const struct inventory *inv = &v->app->inv;
	const struct config *cfg = inv->cfg;
	char line[128], pre[16];
	size_t i, total;
	int row;

	overview(v);
	ui_text(stdscr, y, x, width - 1, v->focus_windows ?
	    "WINDOWS (Enter: plan)" : "WINDOWS", (size_t)-1,
	    ui_attr(C_HEADER), 1);
	v->wl.rows = (h - 2) / SIDE_LINES;
	if (v->wl.rows < 1)
		v->wl.rows = 1;
	ui_list_clamp(&v->wl, v->nov);
	row = 1;
	for (i = v->wl.top; i < v->nov && row + SIDE_LINES <= h; i++) {
		const struct plan_window_row *r = &v->ov[i];
		const char *name = cfg->windows[r->window].id;
		int cur = v->focus_windows && i == v->wl.cursor;
		int cond = inv->where.window != NULL &&
		    strcmp(inv->where.window, name) == 0;
		attr_t base = cur ? ui_attr(C_CURSOR) : cond ?
		    ui_attr(C_MARKED) : ui_attr(C_NORMAL);

		/* Still loading: the cache's count per window; who is at
		 * risk is known for the rows loaded only. */
		total = inv->partial ? inv->wtotals[r->window] : r->members;
		snprintf(line, sizeof line, "%zu", total);
		ui_text(stdscr, y + row, x, width - 1, "", 0, base, 1);
		ui_text(stdscr, y + row, x, width - 9, name, (size_t)-1, base,
		    0);
		ui_text(stdscr, y + row, x + width - 8, 7, line, (size_t)-1,
		    base | A_BOLD, 0);
		ui_text(stdscr, y + row + 1, x, width - 1, r->when_text,
		    (size_t)-1, ui_attr(when_color(r->when)), 0);
		if (inv->partial) {
			snprintf(line, sizeof line, " counting...");
		} else {
			if (r->precheck_failing == PLAN_PRECHECK_UNKNOWN)
				snprintf(pre, sizeof pre, "?");
			else
				snprintf(pre, sizeof pre, "%ld",
				    r->precheck_failing);
			snprintf(line, sizeof line, " off %zu stop %zu pre %s",
			    r->offline, r->stopped, pre);
		}
		ui_text(stdscr, y + row + 2, x, width - 1, line, (size_t)-1,
		    ui_attr(!inv->partial && r->offline > 0 ? C_FAILED :
		    C_DIM), 0);
		if (!inv->partial) {
			snprintf(line, sizeof line, " tag %zu exc %zu",
			    r->unapproved, r->excepted);
			ui_text(stdscr, y + row + 3, x, width - 1, line,
			    (size_t)-1, ui_attr(r->unapproved > 0 ? C_FAILED :
			    C_DIM), 0);
		}
		row += SIDE_LINES;
	}
	if (v->nov == 0)
		ui_text(stdscr, y + 1, x, width - 1, "no windows configured",
		    (size_t)-1, ui_attr(C_DIM), 0);
	/* The instances no window will patch, below the windows. */
	{
		size_t (*counts)[TS_STALE + 1] = inventory_window_counts(inv);
		size_t s;

		total = 0;
		for (s = 0; s <= TS_STALE; s++)
			total += counts[cfg->nwindows][s];
		if (inv->partial)
			total = inv->wtotals[cfg->nwindows];
		free(counts);
		if (total > 0 && i >= v->nov && row < h) {
			snprintf(line, sizeof line, "(none/unknown) %zu",
			    total);
			ui_text(stdscr, y + row, x, width - 1, line,
			    (size_t)-1, ui_attr(C_DIM), 0);
		}
	}
	ui_vline(stdscr, y, x + width - 1, h, ui_attr(C_DIM));
}

/* The window column: wide enough for the longest window id of the
 * config ("2nd-tue+3d-0100"), within reason. */
static int
window_width(const struct config *cfg)
{
	int w = inv_columns[COL_WINDOW].width;
	size_t i;

	for (i = 0; i < cfg->nwindows; i++) {
		int n = ui_text_width(cfg->windows[i].id,
		    strlen(cfg->windows[i].id));

		if (n > w)
			w = n < 24 ? n : 24;
	}
	return w;
}

/* Which columns fit in width, at what widths; returns how many, and in
 * *more how many were left out.  Columns are taken in priority order,
 * the first hoff after the name skipped (scrolled off), until one does
 * not fit: a smaller one after it does not jump the order.  Spare room
 * widens the name, then the owner, then the name again. */
static int
layout(int width, int window_w, int hoff, enum inv_col *cols, int *widths,
    int *more)
{
	int used = 2, i, k, grow, skip = hoff, full = 0;
	int take[COL_COUNT] = { 0 };

	*more = 0;
	for (i = 0; i < COL_COUNT; i++) {
		int w = priority[i] == COL_WINDOW ? window_w :
		    priority[i] == COL_NAME ? NAME_MIN :
		    inv_columns[priority[i]].width;

		if (priority[i] != COL_NAME && skip > 0) {
			skip--;
			continue;
		}
		if (full || used + w + 1 > width) {
			/* The name always shows, cut to what there is. */
			if (priority[i] == COL_NAME && width - used - 1 > 0) {
				take[COL_NAME] = width - used - 1;
				used = width;
			} else
				(*more)++;
			full = 1;
			continue;
		}
		take[priority[i]] = w;
		used += w + 1;
	}
	if (used < width && take[COL_NAME] > 0) {
		grow = width - used;
		if (grow > inv_columns[COL_NAME].width - NAME_MIN + 24)
			grow = inv_columns[COL_NAME].width - NAME_MIN + 24;
		take[COL_NAME] += grow;
		used += grow;
	}
	if (used < width && take[COL_OWNER] > 0) {
		grow = width - used;
		if (grow > 24)
			grow = 24;
		take[COL_OWNER] += grow;
		used += grow;
	}
	/* A very wide terminal: the rest to the name, which is what long
	 * values most often are. */
	if (used < width && take[COL_NAME] > 0)
		take[COL_NAME] += width - used;
	k = 0;
	for (i = 0; i < COL_COUNT; i++) {
		if (take[i] > 0) {
			cols[k] = (enum inv_col)i;
			widths[k++] = take[i];
		}
	}
	return k;
}

static void
draw_table(struct vinst *v, int y, int x, int h, int w)
{
	struct inventory *inv = &v->app->inv;
	enum inv_col cols[COL_COUNT];
	int widths[COL_COUNT], ncols, i, cx;
	char buf[128], head[64];
	size_t r;

	ncols = layout(w, v->window_w, v->hoff, cols, widths, &v->more);
	for (i = 0; i < ncols; i++)
		v->shown[i] = (int)cols[i];
	v->nshown = ncols;
	ui_text(stdscr, y, x, w, "", 0, ui_attr(C_HEADER), 1);
	cx = x + 2;
	for (i = 0; i < ncols; i++) {
		snprintf(head, sizeof head, "%s%s", inv_columns[cols[i]].name,
		    inv->sort == cols[i] ? (inv->desc ? " v" : " ^") : "");
		ui_text(stdscr, y, cx, widths[i], head, (size_t)-1,
		    ui_attr(C_HEADER), 0);
		cx += widths[i] + 1;
	}
	v->list.rows = h - 1;
	clamp(v);
	if (inv->nvis == 0) {
		ui_text(stdscr, y + 2, x + 2, w - 2, inv->partial ?
		    "loading the fleet from the cache..." : inv->n == 0 ?
		    "no instances in the cache yet: r refreshes from AWS" :
		    "no instance matches: Esc clears the filter, :clear the "
		    "conditions", (size_t)-1, ui_attr(C_DIM), 0);
		return;
	}
	for (r = v->list.top; r < inv->nvis &&
	    (int)(r - v->list.top) < v->list.rows; r++) {
		const struct inv_row *row = &inv->rows[inv->vis[r]];
		int ry = y + 1 + (int)(r - v->list.top);
		attr_t base = r == v->list.cursor ? ui_attr(C_CURSOR) :
		    ui_attr(C_NORMAL);

		ui_text(stdscr, ry, x, w, "", 0, base, 1);
		ui_text(stdscr, ry, x, 2, row->marked ? "*" : " ", 1,
		    r == v->list.cursor ? base : ui_attr(C_MARKED), 0);
		cx = x + 2;
		for (i = 0; i < ncols; i++) {
			attr_t a = base;
			const char *t = inventory_cell(inv, row, cols[i], buf,
			    sizeof buf);

			if (r != v->list.cursor && cols[i] == COL_TAGSTATE)
				a = ui_attr(state_color(row));
			else if (r != v->list.cursor && cols[i] == COL_PING &&
			    strcmp(row->in->ping, "Online") != 0)
				a = ui_attr(C_STALE);
			ui_text(stdscr, ry, cx, widths[i], t, (size_t)-1, a, 0);
			cx += widths[i] + 1;
		}
	}
}

static void
inst_draw(struct ui *ui, void *self, int y, int x, int h, int w)
{
	struct vinst *v = self;

	(void)ui;
	/* Too narrow for both: the one in focus takes the screen. */
	if (w < SIDE_MIN_COLS && v->focus_windows) {
		draw_side(v, y, x, h, w);
		return;
	}
	if (w >= SIDE_MIN_COLS) {
		draw_side(v, y, x, h, SIDE_WIDTH);
		x += SIDE_WIDTH + 1;
		w -= SIDE_WIDTH + 1;
	}
	draw_table(v, y, x, h, w);
}

static void
on_filter_change(struct ui *ui, void *arg, const char *text)
{
	struct vinst *v = arg;

	inventory_set_filter(&v->app->inv, text);
	v->list.cursor = 0;
	v->list.top = 0;
	ui_dirty(ui);
}

static void
on_filter_done(struct ui *ui, void *arg, const char *text)
{
	struct vinst *v = arg;

	if (text == NULL)
		inventory_set_filter(&v->app->inv, NULL);
	ui_dirty(ui);
}

static void
on_command(struct ui *ui, void *arg, const char *text)
{
	struct vinst *v = arg;
	char *msg = NULL;
	int rc;

	if (text == NULL || *text == '\0')
		return;
	rc = inventory_command(&v->app->inv, text, &msg);
	if (rc == 1) {
		ui_quit(ui);
		return;
	}
	v->list.cursor = v->list.top = 0;
	if (msg != NULL)
		ui_message(ui, rc < 0, "%s", msg);
	free(msg);
}

/* The instance under the cursor (borrowed), or NULL. */
static const struct fleet_instance *
under(const struct vinst *v)
{
	const struct inventory *inv = &v->app->inv;

	return inv->nvis > 0 ? inv->rows[inv->vis[v->list.cursor]].in : NULL;
}

/* P: the marked instances, else the members of the window of the
 * instance under the cursor. */
static void
precheck_key(struct ui *ui, struct vinst *v)
{
	const struct inventory *inv = &v->app->inv;
	const struct fleet_instance *in = under(v);
	const char **ids;
	const char *w;
	size_t i, n = 0;

	if (inv->nmarked > 0) {
		ids = xcalloc(inv->nmarked, sizeof *ids);
		for (i = 0; i < inv->n && n < inv->nmarked; i++)
			if (inv->rows[i].marked)
				ids[n++] = inv->rows[i].in->id;
		view_precheck_push_ids(ui, v->app, ids, n);
		free(ids);
		return;
	}
	w = in != NULL ? fleet_instance_tag(in, v->app->cfg.tags.window != NULL ?
	    v->app->cfg.tags.window : "PatchWindow") : NULL;
	if (w == NULL || *w == '\0') {
		ui_message(ui, 1, "pre-check: this instance has no window; "
		    "mark instances to pre-check them");
		return;
	}
	view_precheck_push(ui, v->app, w, NULL);
}

static int
inst_key(struct ui *ui, void *self, int action, int ch)
{
	struct vinst *v = self;
	struct inventory *inv = &v->app->inv;
	int col;

	(void)ch;
	if (v->focus_windows) {
		switch (action) {
		case A_DOWN:
		case A_UP:
		case A_PGDN:
		case A_PGUP:
		case A_HOME:
		case A_END:
			overview(v);
			ui_list_move(&v->wl, v->nov, (enum ui_list_move)action);
			return UI_REDRAW;
		case A_OPEN:
			overview(v);
			if (v->nov > 0)
				view_plan_push(ui, v->app,
				    v->ov[v->wl.cursor].window);
			return UI_REDRAW;
		case A_PRECHECK:
			/* The window under the cursor, not the table's. */
			overview(v);
			if (v->nov > 0)
				view_precheck_push(ui, v->app,
				    v->app->cfg.windows[v->ov[v->wl.cursor].
				    window].id, NULL);
			return UI_REDRAW;
		}
	}
	switch (action) {
	case A_FOCUS_SWAP:
		v->focus_windows = !v->focus_windows;
		return UI_REDRAW;
	case A_FOCUS_WINDOWS:
		v->focus_windows = 1;
		return UI_REDRAW;
	case A_FOCUS_TABLE:
		v->focus_windows = 0;
		return UI_REDRAW;
	case UI_ACTION_REFRESH:
		app_refresh(v->app, ui);
		return UI_REDRAW;
	case A_DOWN:
	case A_UP:
	case A_PGDN:
	case A_PGUP:
	case A_HOME:
	case A_END:
		ui_list_move(&v->list, inv->nvis, (enum ui_list_move)action);
		break;
	case A_MARK:
		inventory_toggle_mark(inv, v->list.cursor);
		if (v->list.cursor + 1 < inv->nvis)
			v->list.cursor++;
		break;
	case A_MARK_ALL:
		/* "Every instance shown" means the fleet's, not the part
		 * loaded so far. */
		if (inv->partial) {
			ui_message(ui, 1, "still loading the fleet (%zu of "
			    "%zu): a marks all once it is in", inv->n,
			    inv->total);
			break;
		}
		inventory_mark_visible(inv);
		ui_message(ui, 0, "%zu marked", inv->nmarked);
		break;
	case A_CLEAR_MARKS:
		inventory_clear_marks(inv);
		ui_message(ui, 0, "marks cleared");
		break;
	case A_FILTER:
		ui_prompt(ui, "/", inv->filter, on_filter_change,
		    on_filter_done, v);
		break;
	case A_COMMAND:
		ui_prompt(ui, ":", NULL, NULL, on_command, v);
		break;
	case A_ESCAPE:
		if (inv->filter != NULL) {
			inventory_set_filter(inv, NULL);
			ui_message(ui, 0, "filter cleared");
		}
		break;
	case A_OPEN:
		if (inv->nvis > 0)
			view_detail_push(ui, v->app,
			    inv->rows[inv->vis[v->list.cursor]].in->id,
			    inv->rows[inv->vis[v->list.cursor]].in->region);
		break;
	case A_SORT_NEXT:
	case A_SORT_PREV:
		/* Among the columns in sight: sorting by one not shown
		 * looked like a random order. */
		col = ui_sort_step(v->shown, v->nshown, (int)inv->sort,
		    action == A_SORT_NEXT ? 1 : -1);
		if (col < 0)
			break;
		inventory_sort(inv, (enum inv_col)col, 0);
		ui_message(ui, 0, "sorted by %s", inv_columns[col].name);
		break;
	case A_SORT_REVERSE:
		inventory_sort(inv, inv->sort, !inv->desc);
		break;
	case A_ASSIGN:
	case A_OWNER:
		selfservice_set(ui, v->app, action == A_OWNER ? SS_OWNER :
		    SS_WINDOW, under(v));
		break;
	case A_UNASSIGN:
	case A_UNOWNER:
		selfservice_clear(ui, v->app, action == A_UNOWNER ? SS_OWNER :
		    SS_WINDOW, under(v));
		break;
	case A_EXCEPTIONS:
		view_exceptions_push(ui, v->app);
		break;
	case A_SCROLL_RIGHT:
		if (v->more > 0)
			v->hoff++;
		break;
	case A_SCROLL_LEFT:
		if (v->hoff > 0)
			v->hoff--;
		break;
	case A_REQUEST:
		exactions_request(ui, v->app, view_instances_current(v));
		break;
	case A_PRECHECK:
		precheck_key(ui, v);
		break;
	default:
		return UI_IGNORED;
	}
	clamp(v);
	return UI_REDRAW;
}

static void
inst_resize(struct ui *ui, void *self, int h, int w)
{
	struct vinst *v = self;

	(void)ui;
	(void)w;
	v->list.rows = h - 1;
	clamp(v);
}

static int
inst_position(void *self, size_t *row, size_t *of)
{
	struct vinst *v = self;

	if (v->focus_windows) {
		*row = v->nov > 0 ? v->wl.cursor + 1 : 0;
		*of = v->nov;
		return 0;
	}
	*row = v->app->inv.nvis > 0 ? v->list.cursor + 1 : 0;
	*of = v->app->inv.nvis;
	return 0;
}

static const struct view view_instances = {
	.name = "instances",
	.position = inst_position,
	.draw = inst_draw,
	.key = inst_key,
	.resize = inst_resize,
	.free = free,
	.keys = keys,
	.nkeys = sizeof keys / sizeof keys[0],
};

const struct view *
view_instances_new(struct app *a, void **self)
{
	struct vinst *v = xcalloc(1, sizeof *v + a->cfg.nwindows *
	    sizeof v->ov[0]);

	v->app = a;
	v->window_w = window_width(&a->cfg);
	*self = v;
	return &view_instances;
}

const char *
view_instances_current(void *self)
{
	struct vinst *v = self;
	struct inventory *inv = &v->app->inv;

	if (inv->nvis == 0)
		return NULL;
	return inv->rows[inv->vis[v->list.cursor]].in->id;
}

void
view_instances_select(void *self, const char *id)
{
	struct vinst *v = self;
	struct inventory *inv = &v->app->inv;
	size_t i;

	if (id == NULL)
		return;
	for (i = 0; i < inv->nvis; i++) {
		if (strcmp(inv->rows[inv->vis[i]].in->id, id) == 0) {
			v->list.cursor = i;
			clamp(v);
			return;
		}
	}
}
