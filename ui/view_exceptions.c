/*
 * view_exceptions.c - the exception records (DESIGN.md sections 1 and 5):
 * tabs by category (live, upcoming, expiring within expiring_days,
 * pending, expired, rejected, revoked, all, invalid), sorted by any column, `/`
 * filter as you type, the selected record in full below the table, and
 * the actions: request, approve, reject, revoke, sync (exactions.c).
 *
 * The records are the ones loaded with the inventory (app->inv.exc: the
 * last Scan stored in the cache); every refresh reads the table again in
 * the background, and the rows are rebuilt when the app reloads.  The
 * cursor stays on the same exception id across a rebuild.
 */
#include "views.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "ops/exlist.h"
#include "ops/timefmt.h"
#include "util/util.h"

/* Columns from the most to the least needed; the last ones go first on a
 * narrow terminal. */
static const enum exlist_col priority[EXL_COUNT] = {
	EXL_INSTANCE, EXL_FROM, EXL_TO, EXL_CATEGORY, EXL_NAME, EXL_REASON,
	EXL_STATUS, EXL_ID, EXL_REQUESTED_BY, EXL_TICKET, EXL_DECIDED_BY,
};

#define DETAIL_LINES 4		/* the selected record, below the table */
#define DETAIL_MIN_ROWS 16	/* below this there is no detail pane */

/* The moves are ui_list's, so that they pass to it as they are. */
enum {
	X_DOWN = UI_LIST_DOWN, X_UP = UI_LIST_UP, X_PGDN = UI_LIST_PGDN,
	X_PGUP = UI_LIST_PGUP, X_HOME = UI_LIST_HOME, X_END = UI_LIST_END,
	X_TAB_NEXT, X_TAB_PREV,
	X_TAB_PICK, X_FILTER, X_ESCAPE, X_SORT_NEXT, X_SORT_PREV,
	X_SORT_REVERSE, X_OPEN, X_REQUEST, X_APPROVE, X_REJECT, X_REVOKE,
	X_SYNC,
};

static const struct ui_key keys[] = {
	{ 'j', X_DOWN, "j, Down", "next exception", "move", 0 },
	{ KEY_DOWN, X_DOWN, NULL, NULL, NULL, 0 },
	{ 'k', X_UP, "k, Up", "previous exception", NULL, 0 },
	{ KEY_UP, X_UP, NULL, NULL, NULL, 0 },
	{ KEY_NPAGE, X_PGDN, "PgDn, Ctrl-F", "page down", NULL, 0 },
	{ 6, X_PGDN, NULL, NULL, NULL, 0 },
	{ KEY_PPAGE, X_PGUP, "PgUp, Ctrl-B", "page up", NULL, 0 },
	{ 2, X_PGUP, NULL, NULL, NULL, 0 },
	{ KEY_HOME, X_HOME, "Home, g", "first exception", NULL, 0 },
	{ 'g', X_HOME, NULL, NULL, NULL, 0 },
	{ KEY_END, X_END, "End, G", "last exception", NULL, 0 },
	{ 'G', X_END, NULL, NULL, NULL, 0 },
	{ '\t', X_TAB_NEXT, "Tab, Shift-Tab", "next / previous tab: live, "
	    "upcoming, expiring, pending, expired, rejected, revoked, all, "
	    "invalid", "tab", 0 },
	{ KEY_BTAB, X_TAB_PREV, NULL, NULL, NULL, 0 },
	{ '1', X_TAB_PICK, "1 .. 9", "that tab", NULL, 0 },
	{ '2', X_TAB_PICK, NULL, NULL, NULL, 0 },
	{ '3', X_TAB_PICK, NULL, NULL, NULL, 0 },
	{ '4', X_TAB_PICK, NULL, NULL, NULL, 0 },
	{ '5', X_TAB_PICK, NULL, NULL, NULL, 0 },
	{ '6', X_TAB_PICK, NULL, NULL, NULL, 0 },
	{ '7', X_TAB_PICK, NULL, NULL, NULL, 0 },
	{ '8', X_TAB_PICK, NULL, NULL, NULL, 0 },
	{ '9', X_TAB_PICK, NULL, NULL, NULL, 0 },
	{ '/', X_FILTER, "/", "filter as you type (any column)", "filter", 0 },
	{ 27, X_ESCAPE, "Esc", "clear the filter; with none, back to the "
	    "instances", "back", 0 },
	{ '>', X_SORT_NEXT, ">, <", "sort by the next / previous column", NULL, 0 },
	{ '<', X_SORT_PREV, NULL, NULL, NULL, 0 },
	{ 's', X_SORT_REVERSE, "s", "reverse the sort", NULL, 0 },
	{ '\r', X_OPEN, "Enter", "open the instance of this exception", NULL, 0 },
	{ KEY_ENTER, X_OPEN, NULL, NULL, NULL, 0 },
	{ '\n', X_OPEN, NULL, NULL, NULL, 0 },
	{ 'n', X_REQUEST, "n", "request an exception (a form)", "request",
	    UI_KEY_CHANGES_AWS },
	{ 'A', X_APPROVE, "A", "approve this pending exception (not your "
	    "own)", "approve", UI_KEY_CHANGES_AWS },
	{ 'X', X_REJECT, "X", "reject this pending exception, with a reason",
	    "reject", UI_KEY_CHANGES_AWS },
	{ 'V', X_REVOKE, "V", "revoke this approved exception", NULL,
	    UI_KEY_CHANGES_AWS },
	{ 'S', X_SYNC, "S", "exceptions sync: tags follow the approvals "
	    "(shows the differences first)", NULL,
	    UI_KEY_CHANGES_AWS | UI_KEY_DRY_RUN_READS },
};

struct vexc {
	struct app *app;
	enum exlist_tab tab;
	enum exlist_col sort;
	int desc;
	char *filter;
	size_t *rows;		/* indices into app->inv.exc.v */
	size_t nrows;
	/* names[i]: the name of record i's instance in app->inv (borrowed
	 * from it), or NULL; made again with the rows at each reload. */
	const char **names;
	unsigned long gen;	/* app->generation the rows were made at */
	char *cur_id;		/* the exception under the cursor */
	int built;
	struct ui_list list;	/* over rows */
	int shown[EXL_COUNT];	/* the columns drawn last, left to right */
	int nshown;
};

static struct fleet_date
today(void)
{
	return fleet_date_of_utc((long long)time(NULL));
}

static const struct fleet_exception *
current(const struct vexc *v)
{
	if (v->nrows == 0 || v->list.cursor >= v->nrows)
		return NULL;
	return &v->app->inv.exc.v[v->rows[v->list.cursor]];
}

/* The exception under the cursor, by id: indices do not survive a
 * reload of the records. */
static void
remember(struct vexc *v)
{
	const struct fleet_exception *e = current(v);

	free(v->cur_id);
	v->cur_id = e != NULL && e->exception_id != NULL ?
	    xstrdup(e->exception_id) : NULL;
}

static int
cmp_inst_id(const void *a, const void *b)
{
	return strcmp((*(const struct fleet_instance *const *)a)->id,
	    (*(const struct fleet_instance *const *)b)->id);
}

/* Each record's instance name, from the inventory: the instances sorted
 * by id once, then a binary search per record. */
static void
find_names(struct vexc *v)
{
	const struct inventory *inv = &v->app->inv;
	const struct excache *x = &inv->exc;
	const struct fleet_instance **byid, *key, **hit;
	struct fleet_instance k;
	size_t i;

	free(v->names);
	v->names = xcalloc(x->n ? x->n : 1, sizeof *v->names);
	byid = xcalloc(inv->n ? inv->n : 1, sizeof *byid);
	for (i = 0; i < inv->n; i++)
		byid[i] = &inv->v[i];
	qsort(byid, inv->n, sizeof *byid, cmp_inst_id);
	key = &k;
	for (i = 0; i < x->n; i++) {
		if (x->v[i].instance_id == NULL)
			continue;
		k.id = x->v[i].instance_id;
		hit = bsearch(&key, byid, inv->n, sizeof *byid, cmp_inst_id);
		if (hit != NULL && (*hit)->name[0] != '\0')
			v->names[i] = (*hit)->name;
	}
	free(byid);
}

/* The rows again when the records were reloaded (or !built), the cursor
 * kept on the exception it was on while that one is still shown. */
static void
rebuild(struct vexc *v)
{
	const struct excache *x = &v->app->inv.exc;
	struct exlist_query q;
	size_t i;

	if (v->built && v->gen == v->app->generation)
		return;
	if (!v->built || v->gen != v->app->generation)
		find_names(v);
	memset(&q, 0, sizeof q);
	q.tab = v->tab;
	q.filter = v->filter;
	q.sort = v->sort;
	q.desc = v->desc;
	q.today = today();
	q.days = v->app->cfg.expiring_days;
	q.max_days = v->app->cfg.exception_max_days;
	q.names = v->names;
	free(v->rows);
	v->rows = xcalloc(x->n ? x->n : 1, sizeof *v->rows);
	v->nrows = exlist_select(x->v, x->n, &q, v->rows);
	v->gen = v->app->generation;
	v->built = 1;
	for (i = 0; v->cur_id != NULL && i < v->nrows; i++) {
		const char *id = x->v[v->rows[i]].exception_id;

		if (id != NULL && strcmp(id, v->cur_id) == 0) {
			v->list.cursor = i;
			break;
		}
	}
}

/* What changed is ours (tab, filter, sort): the same records, shown
 * otherwise; the cursor stays on its exception only for a new sort. */
static void
changed(struct vexc *v, int keep_cursor)
{
	if (!keep_cursor) {
		free(v->cur_id);
		v->cur_id = NULL;
		v->list.cursor = v->list.top = 0;
	}
	v->built = 0;
	rebuild(v);
	remember(v);
}

static void
clamp(struct vexc *v)
{
	ui_list_clamp(&v->list, v->nrows);
}

static enum ui_color
category_color(const struct fleet_exception *e, const struct vexc *v)
{
	const char *c = exlist_cell(e, NULL, EXL_CATEGORY, today(),
	    v->app->cfg.expiring_days, v->app->cfg.exception_max_days);

	if (strcmp(c, "live") == 0 || strcmp(c, "upcoming") == 0)
		return C_EXCEPTED;
	if (strcmp(c, "expiring") == 0 || strcmp(c, "pending") == 0)
		return C_PROMPT;
	if (strcmp(c, "rejected") == 0 || strcmp(c, "invalid") == 0)
		return C_FAILED;
	return C_DIM;
}

/* The tabs with their counts; the current one reversed.  When they do
 * not all fit, the first ones give way so the current one shows. */
static void
draw_tabs(struct vexc *v, int y, int x, int w)
{
	const struct excache *ex = &v->app->inv.exc;
	size_t counts[EXT_COUNT];
	char label[EXT_COUNT][48];
	int t, first = 0, cx, width = 0;

	exlist_count(ex->v, ex->n, today(), v->app->cfg.expiring_days,
	    v->app->cfg.exception_max_days, counts);
	for (t = 0; t < EXT_COUNT; t++) {
		if (t == EXT_EXPIRING)
			snprintf(label[t], sizeof label[t], " %d %s %dd: %zu ",
			    t + 1, exlist_tab_name((enum exlist_tab)t),
			    v->app->cfg.expiring_days, counts[t]);
		else
			snprintf(label[t], sizeof label[t], " %d %s: %zu ",
			    t + 1, exlist_tab_name((enum exlist_tab)t),
			    counts[t]);
	}
	for (t = 0; t <= (int)v->tab; t++)
		width += (int)strlen(label[t]) + 1;
	while (first < (int)v->tab && width + 3 > w)
		width -= (int)strlen(label[first++]) + 1;
	ui_text(stdscr, y, x, w, "", 0, ui_attr(C_NORMAL), 1);
	cx = x + 1;
	if (first > 0) {
		ui_text(stdscr, y, x, 2, "<", 1, ui_attr(C_DIM), 0);
		cx = x + 2;
	}
	for (t = first; t < EXT_COUNT && cx < x + w; t++) {
		ui_text(stdscr, y, cx, x + w - cx, label[t], (size_t)-1,
		    (enum exlist_tab)t == v->tab ? ui_attr(C_CURSOR) | A_BOLD :
		    ui_attr(C_HEADER), 0);
		cx += (int)strlen(label[t]) + 1;
	}
}

/* Where the records come from and how old they are. */
static void
draw_info(struct vexc *v, int y, int x, int w)
{
	const struct app *a = v->app;
	struct buf b;
	char age[32];
	int used;

	buf_init(&b);
	buf_printf(&b, "exceptions table %s: ", a->cfg.exceptions_table);
	if (a->inv.exc.fetched_at > 0) {
		timefmt_age((long long)time(NULL), a->inv.exc.fetched_at, age,
		    sizeof age);
		buf_printf(&b, "%zu records, data %s", a->inv.exc.n, age);
	} else {
		buf_puts(&b, "never read (r reads it)");
	}
	if (a->exscan != NULL)
		buf_puts(&b, " | reading...");
	if (v->filter != NULL)
		buf_printf(&b, " | /%s", v->filter);
	buf_printf(&b, " | sorted by %s%s", exlist_columns[v->sort].name,
	    v->desc ? " (reversed)" : "");
	used = ui_text(stdscr, y, x + 1, w - 1, b.data, b.len, ui_attr(C_DIM),
	    0);
	/* A table that cannot be read says so where its records show. */
	if (a->exc_error != NULL && used + 4 < w) {
		buf_reset(&b);
		buf_printf(&b, " | ERROR %s", a->exc_error);
		ui_text(stdscr, y, x + 1 + used, w - 1 - used, b.data, b.len,
		    ui_attr(C_FAILED), 0);
	}
	buf_free(&b);
}

/*
 * Who, as a column has room for: an ARN shortened to the user or role
 * name, the person of the four-eyes rule (src/fleet/principal.h):
 * "arn:aws:iam::1111:user/ops/alice" is "alice",
 * "arn:aws:sts::1111:assumed-role/admin/s-1765" is "admin" (whoever
 * assumes a role names the session), an Identity Center session
 * ".../assumed-role/AWSReservedSSO_Ops_0a1b/alice" is "alice" (there the
 * session is the signed-in user); anything else as it is.  Returns who
 * or buf (size bytes).  The detail pane below shows the ARN whole.
 */
static const char *
arn_short(const char *who, char *buf, size_t size)
{
	const char *res, *p, *slash;
	int colons = 0;

	if (strncmp(who, "arn:", 4) != 0)
		return who;
	/* The resource: after the fifth colon. */
	for (p = who; *p != '\0' && colons < 5; p++)
		if (*p == ':')
			colons++;
	if (colons < 5)
		return who;
	res = p;
	if (strncmp(res, "assumed-role/", 13) == 0) {
		res += 13;
		slash = strchr(res, '/');
		if (slash == NULL || slash == res || slash[1] == '\0')
			return who;
		if (strncmp(res, "AWSReservedSSO_", 15) == 0)
			return slash + 1;
		if ((size_t)(slash - res) >= size)
			return who;
		memcpy(buf, res, (size_t)(slash - res));
		buf[slash - res] = '\0';
		return buf;
	}
	/* user/PATH/NAME, role/PATH/NAME: the name, the path dropped. */
	if (strncmp(res, "user/", 5) == 0 || strncmp(res, "role/", 5) == 0 ||
	    strncmp(res, "federated-user/", 15) == 0) {
		p = strrchr(res, '/');
		return p[1] != '\0' ? p + 1 : who;
	}
	return *res != '\0' ? res : who;
}

static int
layout(int width, enum exlist_col *cols, int *widths)
{
	int take[EXL_COUNT] = { 0 }, used = 1, i, k = 0;

	for (i = 0; i < EXL_COUNT; i++) {
		int w = exlist_columns[priority[i]].width;

		if (used + w + 1 > width)
			continue;
		take[priority[i]] = w;
		used += w + 1;
	}
	/* The reason is the free text: it gets the room left. */
	if (take[EXL_REASON] > 0 && used < width)
		take[EXL_REASON] += width - used;
	for (i = 0; i < EXL_COUNT; i++) {
		if (take[i] > 0) {
			cols[k] = (enum exlist_col)i;
			widths[k++] = take[i];
		}
	}
	return k;
}

static void
draw_table(struct vexc *v, int y, int x, int h, int w)
{
	const struct excache *ex = &v->app->inv.exc;
	enum exlist_col cols[EXL_COUNT];
	int widths[EXL_COUNT], ncols, i, cx;
	struct fleet_date t = today();
	char head[48];
	size_t r;

	ncols = layout(w, cols, widths);
	for (i = 0; i < ncols; i++)
		v->shown[i] = (int)cols[i];
	v->nshown = ncols;
	ui_text(stdscr, y, x, w, "", 0, ui_attr(C_HEADER), 1);
	for (i = 0, cx = x + 1; i < ncols; i++) {
		snprintf(head, sizeof head, "%s%s", exlist_columns[cols[i]].name,
		    v->sort == cols[i] ? (v->desc ? " v" : " ^") : "");
		ui_text(stdscr, y, cx, widths[i], head, (size_t)-1,
		    ui_attr(C_HEADER), 0);
		cx += widths[i] + 1;
	}
	v->list.rows = h - 1;
	clamp(v);
	if (v->nrows == 0) {
		ui_text(stdscr, y + 2, x + 1, w - 2, ex->n == 0 ?
		    "no exception records: n requests one, r reads the table" :
		    "none in this tab: Tab shows the next, Esc clears the filter",
		    (size_t)-1, ui_attr(C_DIM), 0);
		return;
	}
	for (r = v->list.top; r < v->nrows &&
	    (int)(r - v->list.top) < h - 1; r++) {
		const struct fleet_exception *e = &ex->v[v->rows[r]];
		int ry = y + 1 + (int)(r - v->list.top);
		char who[128];	/* a role name: IAM allows 64 */
		attr_t base = r == v->list.cursor ? ui_attr(C_CURSOR) :
		    ui_attr(C_NORMAL);

		ui_text(stdscr, ry, x, w, "", 0, base, 1);
		for (i = 0, cx = x + 1; i < ncols; i++) {
			attr_t a = base;
			const char *c = exlist_cell(e, v->names[v->rows[r]],
			    cols[i], t, v->app->cfg.expiring_days,
			    v->app->cfg.exception_max_days);

			if (r != v->list.cursor && cols[i] == EXL_CATEGORY)
				a = ui_attr(category_color(e, v));
			if (cols[i] == EXL_REQUESTED_BY ||
			    cols[i] == EXL_DECIDED_BY)
				c = arn_short(c, who, sizeof who);
			ui_text(stdscr, ry, cx, widths[i], c, (size_t)-1, a, 0);
			cx += widths[i] + 1;
		}
	}
}

/* One labelled line of the detail pane: label plain, value escaped. */
static void
detail_line(int y, int x, int w, const char *label, const char *value)
{
	int lw = (int)strlen(label);

	ui_text(stdscr, y, x + 1, lw, label, (size_t)-1, ui_attr(C_HEADER), 0);
	ui_text(stdscr, y, x + 1 + lw, w - lw - 2, value != NULL ? value : "",
	    (size_t)-1, ui_attr(C_NORMAL), 0);
}

static void
draw_detail(struct vexc *v, int y, int x, int w)
{
	const struct fleet_exception *e = current(v);
	char why[FLEET_EXCEPTION_WHY_LEN];
	struct buf b;

	ui_hline(stdscr, y, x, w, ui_attr(C_DIM));
	if (e == NULL)
		return;
	buf_init(&b);
	/* Said first: an invalid record counts for nothing, whatever the
	 * rest of the line claims. */
	if (fleet_exception_check(e, v->app->cfg.exception_max_days, why,
	    sizeof why) != 0)
		buf_printf(&b, "INVALID (%s): ", why);
	buf_printf(&b, "%s on %s, %s..%s, %s", e->exception_id ?
	    e->exception_id : "?", e->instance_id ? e->instance_id : "?",
	    e->starts ? e->starts : "?", e->ends ? e->ends : "?",
	    e->status ? e->status : "?");
	if (e->ticket != NULL)
		buf_printf(&b, ", ticket %s", e->ticket);
	detail_line(y + 1, x, w, "", b.data);
	buf_reset(&b);
	buf_printf(&b, "%s at %s", e->requested_by ? e->requested_by : "?",
	    e->requested_at ? e->requested_at : "?");
	detail_line(y + 2, x, w, "requested by ", b.data);
	buf_reset(&b);
	if (e->decided_by != NULL)
		buf_printf(&b, "%s at %s", e->decided_by, e->decided_at ?
		    e->decided_at : "?");
	else
		buf_puts(&b, "(not yet)");
	detail_line(y + 3, x, w, "decided by ", b.data);
	detail_line(y + 4, x, w, "reason: ", e->reason);
	buf_free(&b);
}

static void
exc_draw(struct ui *ui, void *self, int y, int x, int h, int w)
{
	struct vexc *v = self;
	int th;

	(void)ui;
	rebuild(v);
	draw_tabs(v, y, x, w);
	draw_info(v, y + 1, x, w);
	th = h - 2;
	if (h >= DETAIL_MIN_ROWS)
		th -= DETAIL_LINES + 1;
	draw_table(v, y + 2, x, th, w);
	if (h >= DETAIL_MIN_ROWS)
		draw_detail(v, y + 2 + th, x, w);
}

static void
on_filter_change(struct ui *ui, void *arg, const char *text)
{
	struct vexc *v = arg;

	free(v->filter);
	v->filter = text != NULL && *text != '\0' ? xstrdup(text) : NULL;
	changed(v, 0);
	ui_dirty(ui);
}

static void
on_filter_done(struct ui *ui, void *arg, const char *text)
{
	if (text == NULL)
		on_filter_change(ui, arg, NULL);
	ui_dirty(ui);
}

/* The instance of the record, by id in the inventory (its region is
 * what tells two instances apart in the detail view). */
static void
open_instance(struct ui *ui, struct vexc *v)
{
	const struct fleet_exception *e = current(v);
	const struct inventory *inv = &v->app->inv;
	size_t i;

	if (e == NULL || e->instance_id == NULL)
		return;
	for (i = 0; i < inv->n; i++) {
		if (strcmp(inv->rows[i].in->id, e->instance_id) == 0) {
			view_detail_push(ui, v->app, inv->rows[i].in->id,
			    inv->rows[i].in->region);
			return;
		}
	}
	ui_message(ui, 1, "%s is not in the inventory (another account, or not "
	    "synced yet)", e->instance_id);
}

static int
exc_key(struct ui *ui, void *self, int action, int ch)
{
	struct vexc *v = self;
	int col;

	rebuild(v);
	switch (action) {
	case UI_ACTION_REFRESH:
		app_refresh(v->app, ui);
		return UI_REDRAW;
	case X_DOWN:
	case X_UP:
	case X_PGDN:
	case X_PGUP:
	case X_HOME:
	case X_END:
		ui_list_move(&v->list, v->nrows, (enum ui_list_move)action);
		break;
	case X_TAB_NEXT:
	case X_TAB_PREV:
		v->tab = (enum exlist_tab)((v->tab + (action == X_TAB_NEXT ?
		    1 : EXT_COUNT - 1)) % EXT_COUNT);
		changed(v, 0);
		break;
	case X_TAB_PICK:
		v->tab = (enum exlist_tab)(ch - '1');
		changed(v, 0);
		break;
	case X_FILTER:
		ui_prompt(ui, "/", v->filter, on_filter_change,
		    on_filter_done, v);
		break;
	case X_ESCAPE:
		/* Esc undoes the last narrowing, then goes back, as in
		 * every view above the instances. */
		if (v->filter == NULL)
			return UI_POP;
		on_filter_change(ui, v, NULL);
		ui_message(ui, 0, "filter cleared");
		break;
	case X_SORT_NEXT:
	case X_SORT_PREV:
		/* Among the columns in sight, as in the instances view. */
		col = ui_sort_step(v->shown, v->nshown, (int)v->sort,
		    action == X_SORT_NEXT ? 1 : -1);
		if (col < 0)
			break;
		v->sort = (enum exlist_col)col;
		v->desc = 0;
		changed(v, 1);
		ui_message(ui, 0, "sorted by %s", exlist_columns[col].name);
		break;
	case X_SORT_REVERSE:
		v->desc = !v->desc;
		changed(v, 1);
		break;
	case X_OPEN:
		open_instance(ui, v);
		break;
	case X_REQUEST:
		exactions_request(ui, v->app, current(v) != NULL ?
		    current(v)->instance_id : NULL);
		break;
	case X_APPROVE:
		exactions_decide(ui, v->app, EXC_APPROVE, current(v));
		break;
	case X_REJECT:
		exactions_decide(ui, v->app, EXC_REJECT, current(v));
		break;
	case X_REVOKE:
		exactions_decide(ui, v->app, EXC_REVOKE, current(v));
		break;
	case X_SYNC:
		exactions_sync(ui, v->app);
		break;
	default:
		return UI_IGNORED;
	}
	clamp(v);
	remember(v);
	return UI_REDRAW;
}

static void
exc_resize(struct ui *ui, void *self, int h, int w)
{
	struct vexc *v = self;

	(void)ui;
	(void)w;
	v->list.rows = h - 3;
	clamp(v);
}

static void
exc_free(void *self)
{
	struct vexc *v = self;

	free(v->rows);
	free(v->names);
	free(v->filter);
	free(v->cur_id);
	free(v);
}

static int
exc_position(void *self, size_t *row, size_t *of)
{
	struct vexc *v = self;

	*row = v->nrows > 0 ? v->list.cursor + 1 : 0;
	*of = v->nrows;
	return 0;
}

static const struct view view_exceptions = {
	.name = "exceptions",
	.position = exc_position,
	.draw = exc_draw,
	.key = exc_key,
	.resize = exc_resize,
	.free = exc_free,
	.keys = keys,
	.nkeys = sizeof keys / sizeof keys[0],
};

void
view_exceptions_push(struct ui *ui, struct app *a)
{
	struct vexc *v = xcalloc(1, sizeof *v);

	v->app = a;
	v->tab = EXT_LIVE;
	v->sort = EXL_TO;
	ui_push(ui, &view_exceptions, v);
}
