/*
 * view_precheck.c - the pre-check pane: runs ops/precheck on the
 * console's loop for a window on a date (or for instances named), shows
 * its progress, then the members failed first; Enter opens one member's
 * parsed checks and the tail of its output.  Every value is outside text
 * and goes through ui_text(), which draws control bytes as visible
 * escapes (DESIGN.md section 9); the output is split at LF here so no
 * byte of it moves the cursor.
 */
#include "views.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "ops/fix.h"
#include "ops/fixjob.h"
#include "ops/precheck.h"
#include "util/util.h"

struct vprecheck {
	struct ui *ui;
	struct app *app;
	struct precheck_report r;
	struct precheck *job;
	int running;
	char *err;
	char title[160];
	char phase[32];
	size_t done, total;
	struct ui_list list;
	/* The member open (Enter): its lines, scrolled; NULL: the list. */
	char **lines;
	enum ui_color *colors;
	size_t nlines, top;
	int rows;
	/* F (fixui.c): rows marked for it, the fix running or last run, and
	 * per row what the last fix did ("fix disk: ok"; NULL: none). */
	unsigned char *marked;
	size_t nmarked;
	struct fixui *fix;
	char **fixnote;
};

enum {
	P_DOWN = UI_LIST_DOWN, P_UP = UI_LIST_UP, P_PGDN = UI_LIST_PGDN,
	P_PGUP = UI_LIST_PGUP, P_HOME = UI_LIST_HOME, P_END = UI_LIST_END,
	P_OPEN, P_CLOSE, P_MARK, P_FIX
};

static const struct ui_key keys[] = {
	{ 'j', P_DOWN, "j, Down", "next member", "move", 0 },
	{ KEY_DOWN, P_DOWN, NULL, NULL, NULL, 0 },
	{ 'k', P_UP, "k, Up", "previous member", NULL, 0 },
	{ KEY_UP, P_UP, NULL, NULL, NULL, 0 },
	{ KEY_NPAGE, P_PGDN, "PgDn", "page down", NULL, 0 },
	{ KEY_PPAGE, P_PGUP, "PgUp", "page up", NULL, 0 },
	{ KEY_HOME, P_HOME, "Home, g", "first", NULL, 0 },
	{ 'g', P_HOME, NULL, NULL, NULL, 0 },
	{ KEY_END, P_END, "End, G", "last", NULL, 0 },
	{ 'G', P_END, NULL, NULL, NULL, 0 },
	{ '\r', P_OPEN, "Enter", "the member's checks and output", "open", 0 },
	{ '\n', P_OPEN, NULL, NULL, NULL, 0 },
	{ KEY_ENTER, P_OPEN, NULL, NULL, NULL, 0 },
	{ 27, P_CLOSE, "Esc, q", "back (once the pre-check has ended)",
	    "back", 0 },
	{ 'q', P_CLOSE, NULL, NULL, NULL, 0 },
	{ ' ', P_MARK, "Space", "mark or unmark this member (for F)", "mark",
	    0 },
	{ 'F', P_FIX, "F", "fix the marked failed members (none marked: this "
	    "one): disk, repo, pkg_lock; then pre-check them again", "fix",
	    UI_KEY_CHANGES_AWS },
};

/* ---- one member's lines ---- */

static void add(struct vprecheck *v, enum ui_color c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void
add(struct vprecheck *v, enum ui_color c, const char *fmt, ...)
{
	va_list ap;

	v->lines = xreallocarray(v->lines, v->nlines + 1, sizeof *v->lines);
	v->colors = xreallocarray(v->colors, v->nlines + 1,
	    sizeof *v->colors);
	va_start(ap, fmt);
	v->lines[v->nlines] = xvasprintf(fmt, ap);
	va_end(ap);
	v->colors[v->nlines++] = c;
}

static void
close_member(struct vprecheck *v)
{
	size_t i;

	for (i = 0; i < v->nlines; i++)
		free(v->lines[i]);
	free(v->lines);
	free(v->colors);
	v->lines = NULL;
	v->colors = NULL;
	v->nlines = v->top = 0;
}

static void
open_member(struct vprecheck *v, const struct precheck_row *w)
{
	const struct fleet_precheck *p = &w->v.p;
	const char *out, *nl;
	size_t i, len;

	close_member(v);
	add(v, C_HEADER, "%s  %s  (%s, %s)", w->instance_id, w->name,
	    w->region, w->platform);
	add(v, w->v.nfailures ? C_FAILED : C_OK, "result: %s",
	    w->v.nfailures ? "FAIL" : "pass");
	for (i = 0; i < w->v.nfailures; i++)
		add(v, C_FAILED, "  %s: %s",
		    fleet_precheck_kind_name(w->v.failures[i].kind),
		    w->v.failures[i].detail);
	add(v, C_NORMAL, "state %s, SSM ping %s, status checks: instance %s, "
	    "system %s", w->state, *w->ping ? w->ping : "unknown",
	    *w->instance_status ? w->instance_status : "unknown",
	    *w->system_status ? w->system_status : "unknown");
	add(v, C_NORMAL, "command: %s %s", *w->status ? w->status :
	    (w->sent ? "no status" : "not sent"), w->status_details);
	add(v, C_HEADER, "Checks");
	if (!w->v.parsed) {
		add(v, C_DIM, "  no PATCHDECK_PRECHECK line was read");
	} else {
		for (i = 0; i < p->ndisk; i++)
			add(v, C_NORMAL, "  disk %s: %lld MB free (%d%%)",
			    p->disk[i].mount, p->disk[i].free_mb,
			    p->disk[i].free_pct);
		add(v, strcmp(p->repo, "ok") ? C_FAILED : C_NORMAL,
		    "  repository: %s", p->repo);
		for (i = 0; i < p->nrepo_urls; i++)
			add(v, C_NORMAL, "  repository URL: %s",
			    p->repo_urls[i]);
		add(v, p->pkg_lock ? C_FAILED : C_NORMAL,
		    "  package lock held: %s", p->pkg_lock ? "yes" : "no");
		add(v, p->reboot_pending ? C_FAILED : C_NORMAL,
		    "  reboot pending: %s", p->reboot_pending ? "yes" : "no");
		add(v, C_NORMAL, "  uptime: %lld s, load1 %.2f", p->uptime_s,
		    p->load1);
	}
	add(v, C_HEADER, "Output (the last %d bytes)", PRECHECK_OUTPUT_TAIL);
	out = w->output;
	len = strlen(out);
	if (len > PRECHECK_OUTPUT_TAIL)
		out += len - PRECHECK_OUTPUT_TAIL;
	if (*out == '\0')
		add(v, C_DIM, "  (none)");
	/* One line per LF; what else is in it, CR and ESC too, is drawn as
	 * escapes by ui_text(). */
	while (*out != '\0') {
		nl = strchr(out, '\n');
		len = nl != NULL ? (size_t)(nl - out) : strlen(out);
		v->lines = xreallocarray(v->lines, v->nlines + 1,
		    sizeof *v->lines);
		v->colors = xreallocarray(v->colors, v->nlines + 1,
		    sizeof *v->colors);
		v->lines[v->nlines] = xstrndup(out, len);
		v->colors[v->nlines++] = C_NORMAL;
		out += len + (nl != NULL);
	}
}

/* ---- the run ---- */

static void
on_progress(void *arg, const char *phase, size_t done, size_t total)
{
	struct vprecheck *v = arg;

	snprintf(v->phase, sizeof v->phase, "%s", phase);
	v->done = done;
	v->total = total;
	ui_dirty(v->ui);
}

static void
on_done(void *arg, int rc, const char *err)
{
	struct vprecheck *v = arg;
	size_t i;

	v->running = 0;
	if (rc != 0)
		v->err = xstrdup(err != NULL ? err : "failed");
	else
		precheck_save(&v->r, &v->app->cfg, v->app->desk.profile,
		    v->app->cache);
	for (i = 0; i < v->r.nwarnings && v->err == NULL; i++)
		v->err = xstrdup(v->r.warnings[i]);
	ui_message(v->ui, v->err != NULL, "pre-check: %zu member(s), %zu "
	    "failed%s%s", v->r.n, v->r.nfailed, v->err != NULL ? "; " : "",
	    v->err != NULL ? v->err : "");
	ui_dirty(v->ui);
}

/* ---- F: fix the failed rows (fixui.c), then show them re-checked ---- */

/* While a fix runs: its progress into buf; 0 when none runs. */
static int
fix_line(const struct vprecheck *v, char *buf, size_t size)
{
	const char *phase;
	size_t done, total;

	if (!fixui_progress(v->fix, &phase, &done, &total))
		return 0;
	if (total > 0)
		snprintf(buf, size, "fixing: %s %zu/%zu", phase, done, total);
	else
		snprintf(buf, size, "fixing: %s", phase);
	return 1;
}

/* The fix and its re-check ended: each re-checked row takes the place
 * of the row it was, with a note of what the fix did; marks stay on the
 * rows that still fail. */
static void
on_fixed(struct ui *ui, void *arg, struct fixjob *job)
{
	struct vprecheck *v = arg;
	struct precheck_report *after = fixjob_after(job);
	const struct fix_outcome *o;
	size_t n, i, k;

	(void)ui;
	o = fixjob_outcomes(job, &n);
	if (v->fixnote == NULL)
		v->fixnote = xcalloc(v->r.n, sizeof *v->fixnote);
	for (i = 0; i < v->r.n; i++) {
		struct precheck_row *w = &v->r.rows[i];

		for (k = 0; k < n; k++) {
			if (strcmp(o[k].instance_id, w->instance_id) != 0 ||
			    strcmp(o[k].target, w->target) != 0)
				continue;
			free(v->fixnote[i]);
			if (o[k].parsed)
				v->fixnote[i] = xasprintf("fix %s: %s%s%s",
				    fleet_fix_kind_name(o[k].r.kind),
				    o[k].status, *o[k].why ? ": " : "",
				    o[k].why);
			else
				v->fixnote[i] = xasprintf("fix: %s: %s",
				    o[k].status, o[k].why);
		}
		for (k = 0; after != NULL && k < after->n; k++) {
			struct precheck_row t;

			if (strcmp(after->rows[k].instance_id,
			    w->instance_id) != 0 ||
			    strcmp(after->rows[k].target, w->target) != 0)
				continue;
			t = *w;
			*w = after->rows[k];
			after->rows[k] = t;
		}
		/* Those that pass now are done with; those still failing stay
		 * marked, so F again retries just them. */
		if (v->marked != NULL && v->marked[i] && w->v.nfailures == 0) {
			v->marked[i] = 0;
			v->nmarked--;
		}
	}
	v->r.nfailed = 0;
	for (i = 0; i < v->r.n; i++)
		v->r.nfailed += v->r.rows[i].v.nfailures > 0;
	close_member(v);
}

/* F: the marked failed rows, or the row under the cursor. */
static void
pc_fix(struct ui *ui, struct vprecheck *v)
{
	struct fix_member *m;
	size_t i, n = 0;

	if (v->running || fixui_busy(v->fix)) {
		ui_message(ui, 1, "fix: wait for the %s to end",
		    v->running ? "pre-check" : "fix running");
		return;
	}
	m = xcalloc(v->r.n + 1, sizeof *m);
	for (i = 0; i < v->r.n; i++) {
		const struct precheck_row *w = &v->r.rows[i];

		if (v->nmarked > 0 ? !v->marked[i] : i != v->list.cursor)
			continue;
		m[n].instance_id = w->instance_id;
		m[n].target = w->target;
		m[n].platform = w->platform;
		m[n].checked = 1;
		m[n].failures = w->v.kinds;
		n++;
	}
	if (n == 0) {
		ui_message(ui, 1, "fix: no member here; mark failed ones with "
		    "Space, or move to one");
		free(m);
		return;
	}
	fixui_free(v->fix);
	v->fix = fixui_start(ui, v->app, m, n, *v->r.window ? v->r.window :
	    NULL, v->r.date, on_fixed, v);
	free(m);
}

/* ---- drawing and keys ---- */

static void
pc_draw(struct ui *ui, void *self, int y, int x, int h, int w)
{
	struct vprecheck *v = self;
	char buf[256];
	size_t i;
	int row;

	(void)ui;
	ui_text(stdscr, y, x, w, "", 0, ui_attr(C_HEADER), 1);
	ui_text(stdscr, y, x + 1, w - 2, v->title, (size_t)-1,
	    ui_attr(C_HEADER) | A_BOLD, 0);
	if (v->lines != NULL) {
		v->rows = h - 1;
		for (i = v->top, row = 1; i < v->nlines && row < h;
		    i++, row++)
			ui_text(stdscr, y + row, x + 1, w - 2, v->lines[i],
			    (size_t)-1, ui_attr(v->colors[i]), 0);
		return;
	}
	if (v->running) {
		if (v->total > 0)
			snprintf(buf, sizeof buf, "running: %s %zu/%zu",
			    v->phase, v->done, v->total);
		else
			snprintf(buf, sizeof buf, "running: %s", v->phase);
	} else if (fix_line(v, buf, sizeof buf)) {
		/* fixing: the line says so */
	} else
		snprintf(buf, sizeof buf, "%zu member(s): %zu passed, %zu "
		    "failed  (run %s)", v->r.n, v->r.n - v->r.nfailed,
		    v->r.nfailed, v->r.run_id);
	ui_text(stdscr, y + 1, x + 1, w - 2, buf, (size_t)-1,
	    ui_attr(v->running || fixui_busy(v->fix) ? C_STALE :
	    (v->r.nfailed ? C_FAILED : C_OK)), 0);
	if (v->err != NULL)
		ui_text(stdscr, y + 2, x + 1, w - 2, v->err, (size_t)-1,
		    ui_attr(C_FAILED), 0);
	if (v->running)
		return;
	ui_text(stdscr, y + 3, x + 1, w - 2, "RESULT  INSTANCE             "
	    "NAME                      FAILURES", (size_t)-1, ui_attr(C_DIM),
	    0);
	v->list.rows = h - 4;
	ui_list_clamp(&v->list, v->r.n);
	for (i = v->list.top, row = 4; i < v->r.n && row < h; i++, row++) {
		const struct precheck_row *m = &v->r.rows[i];
		struct buf f;
		size_t k;
		attr_t at = ui_attr(m->v.nfailures ? C_FAILED : C_OK);

		if (i == v->list.cursor)
			at |= A_REVERSE;
		buf_init(&f);
		for (k = 0; k < m->v.nfailures; k++)
			buf_printf(&f, "%s%s", k ? "," : "",
			    fleet_precheck_kind_name(m->v.failures[k].kind));
		if (v->fixnote != NULL && v->fixnote[i] != NULL)
			buf_printf(&f, "%s[%s]", f.len ? "  " : "- ",
			    v->fixnote[i]);
		ui_text(stdscr, y + row, x, w, "", 0, at, 1);
		if (v->marked != NULL && v->marked[i])
			ui_text(stdscr, y + row, x, 1, "*", 1, at | A_BOLD, 0);
		ui_text(stdscr, y + row, x + 1, 6, m->v.nfailures ? "FAIL" :
		    "pass", (size_t)-1, at, 0);
		ui_text(stdscr, y + row, x + 9, 20, m->instance_id,
		    (size_t)-1, at, 0);
		ui_text(stdscr, y + row, x + 30, 25, m->name, (size_t)-1,
		    at, 0);
		if (w > 57)
			ui_text(stdscr, y + row, x + 56, w - 57, f.len ?
			    f.data : "-", (size_t)-1, at, 0);
		buf_free(&f);
	}
}

static int
pc_key(struct ui *ui, void *self, int action, int ch)
{
	struct vprecheck *v = self;
	size_t page;

	(void)ch;
	if (v->lines != NULL) {
		page = v->rows > 1 ? (size_t)v->rows - 1 : 1;
		switch (action) {
		case P_DOWN:
			if (v->top + 1 < v->nlines)
				v->top++;
			return UI_REDRAW;
		case P_UP:
			if (v->top > 0)
				v->top--;
			return UI_REDRAW;
		case P_PGDN:
			v->top = v->top + page < v->nlines ? v->top + page :
			    v->top;
			return UI_REDRAW;
		case P_PGUP:
			v->top = v->top > page ? v->top - page : 0;
			return UI_REDRAW;
		case P_HOME:
			v->top = 0;
			return UI_REDRAW;
		case P_END:
			v->top = v->nlines > 1 ? v->nlines - 1 : 0;
			return UI_REDRAW;
		case P_CLOSE:
			close_member(v);
			return UI_REDRAW;
		default:
			return UI_IGNORED;
		}
	}
	switch (action) {
	case P_DOWN: case P_UP: case P_PGDN: case P_PGUP: case P_HOME:
	case P_END:
		ui_list_move(&v->list, v->r.n, (enum ui_list_move)action);
		return UI_REDRAW;
	case P_OPEN:
		if (!v->running && v->list.cursor < v->r.n)
			open_member(v, &v->r.rows[v->list.cursor]);
		return UI_REDRAW;
	case P_CLOSE:
		if (v->running || fixui_busy(v->fix)) {
			ui_message(ui, 1, "the %s is running; it ends by itself "
			    "(at most %d min)", v->running ? "pre-check" :
			    "fix", PRECHECK_DEADLINE_S / 60);
			return UI_REDRAW;
		}
		return UI_POP;
	case P_MARK:
		if (v->running || v->list.cursor >= v->r.n)
			return UI_REDRAW;
		if (v->marked == NULL)
			v->marked = xcalloc(v->r.n, 1);
		v->marked[v->list.cursor] ^= 1;
		if (v->marked[v->list.cursor])
			v->nmarked++;
		else
			v->nmarked--;
		ui_list_move(&v->list, v->r.n, UI_LIST_DOWN);
		return UI_REDRAW;
	case P_FIX:
		pc_fix(ui, v);
		return UI_REDRAW;
	default:
		return UI_IGNORED;
	}
}

static int
pc_position(void *self, size_t *row, size_t *of)
{
	struct vprecheck *v = self;

	if (v->running || v->lines != NULL || v->r.n == 0)
		return -1;
	*row = v->list.cursor + 1;
	*of = v->r.n;
	return 0;
}

static void
job_free(struct vprecheck *v)
{
	size_t i;

	close_member(v);
	fixui_free(v->fix);
	for (i = 0; v->fixnote != NULL && i < v->r.n; i++)
		free(v->fixnote[i]);
	free(v->fixnote);
	free(v->marked);
	precheck_free(v->job);
	precheck_report_done(&v->r);
	free(v->err);
	free(v);
}

/* The pane closes (after the pre-check ended: closing is refused while
 * it runs) or the console quits.  A pre-check still running is the
 * app's job (a->precheck), freed by precheck_job_free() after the loop,
 * whose calls point into it. */
static void
pc_free(void *self)
{
	struct vprecheck *v = self;

	if (v->running || fixui_busy(v->fix))
		return;
	v->app->precheck = NULL;
	job_free(v);
}

void
precheck_job_free(struct app *a)
{
	if (a->precheck == NULL)
		return;
	job_free(a->precheck);
	a->precheck = NULL;
}

static const struct view view_precheck = {
	.name = "pre-check",
	.draw = pc_draw,
	.key = pc_key,
	.free = pc_free,
	.position = pc_position,
	.keys = keys,
	.nkeys = sizeof keys / sizeof keys[0],
};

/* --dry-run: the summary (the last line) on the status line. */
static void
dry_line(void *arg, const char *text)
{
	if (strncmp(text, "dry run:", 8) == 0)
		ui_message(arg, 0, "pre-check %s", text);
}

static void
start(struct ui *ui, struct app *a, struct precheck_opts *o)
{
	struct vprecheck *v;
	char *err = NULL;

	/* The key is marked UI_KEY_CHANGES_AWS, so the dispatcher refused
	 * it already in read-only mode; this is for other callers. */
	if (a->desk.read_only_why != NULL) {
		ui_message(ui, 1, "pre-check: refused: patchdeck is in "
		    "read-only mode (%s); no change was made",
		    a->desk.read_only_why);
		return;
	}
	if (a->precheck != NULL) {
		ui_message(ui, 1, "pre-check: one is open already");
		return;
	}
	if (a->inv.partial || a->loader != NULL) {
		ui_message(ui, 1, "pre-check: the fleet is still loading; "
		    "try again in a moment");
		return;
	}
	v = xcalloc(1, sizeof *v);
	v->ui = ui;
	v->app = a;
	o->cfg = &a->cfg;
	o->profile = a->desk.profile;
	o->now = (long long)time(NULL);
	o->progress = on_progress;
	o->arg = v;
	if (precheck_members(o, &a->inv, a->cache, &v->r, &err) != 0) {
		ui_message(ui, 1, "pre-check: %s", err);
		free(err);
		free(v);
		return;
	}
	if (v->r.n == 0) {
		ui_message(ui, 1, "pre-check: no members%s%s on %s",
		    *v->r.window ? " of " : "", v->r.window, v->r.date);
		precheck_report_done(&v->r);
		free(v);
		return;
	}
	if (a->desk.dry_run) {
		precheck_dry_run(&v->r, dry_line, ui);
		precheck_report_done(&v->r);
		free(v);
		return;
	}
	snprintf(v->title, sizeof v->title, "Pre-check %s %s (%zu member(s))",
	    *v->r.window ? v->r.window : "of the marked instances",
	    v->r.date, v->r.n);
	snprintf(v->phase, sizeof v->phase, "starting");
	v->running = 1;
	a->precheck = v;
	v->job = precheck_start(ui_net(ui), o, &v->r, on_done, v, &err);
	if (v->job == NULL) {
		v->running = 0;
		v->err = err;
	}
	ui_push(ui, &view_precheck, v);
}

void
view_precheck_push(struct ui *ui, struct app *a, const char *window,
    const char *date)
{
	struct precheck_opts o;

	memset(&o, 0, sizeof o);
	o.window = window;
	o.date = date;
	start(ui, a, &o);
}

void
view_precheck_push_ids(struct ui *ui, struct app *a,
    const char *const *ids, size_t n)
{
	struct precheck_opts o;

	memset(&o, 0, sizeof o);
	o.ids = ids;
	o.nids = n;
	start(ui, a, &o);
}
