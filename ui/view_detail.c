/*
 * view_detail.c - one instance, everything patchdeck knows of it: EC2 and
 * SSM fields, tag state, the window's next occurrences, the exception, and
 * every tag.  The lines are made once when the view opens (a copy: a
 * refresh underneath does not pull them away) and scrolled.
 */
#include "views.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "fleet/date.h"
#include "fleet/window.h"
#include "ops/exlist.h"
#include "ops/timefmt.h"
#include "util/util.h"

struct line {
	char *label;		/* NULL: a section heading in text */
	char *text;
	enum ui_color color;
};

struct vdetail {
	struct line *lines;
	size_t n;
	size_t top;
	int rows;
	char *title;
};

enum { D_DOWN, D_UP, D_PGDN, D_PGUP, D_HOME, D_END, D_CLOSE };

static const struct ui_key keys[] = {
	{ 'j', D_DOWN, "j, Down", "scroll down", "scroll", 0 },
	{ KEY_DOWN, D_DOWN, NULL, NULL, NULL, 0 },
	{ 'k', D_UP, "k, Up", "scroll up", NULL, 0 },
	{ KEY_UP, D_UP, NULL, NULL, NULL, 0 },
	{ KEY_NPAGE, D_PGDN, "PgDn, Space", "page down", NULL, 0 },
	{ ' ', D_PGDN, NULL, NULL, NULL, 0 },
	{ KEY_PPAGE, D_PGUP, "PgUp", "page up", NULL, 0 },
	{ KEY_HOME, D_HOME, "Home, g", "top", NULL, 0 },
	{ 'g', D_HOME, NULL, NULL, NULL, 0 },
	{ KEY_END, D_END, "End, G", "bottom", NULL, 0 },
	{ 'G', D_END, NULL, NULL, NULL, 0 },
	{ 27, D_CLOSE, "Esc, q, Left", "back to the instances", "back", 0 },
	{ KEY_LEFT, D_CLOSE, NULL, NULL, NULL, 0 },
	{ 'h', D_CLOSE, NULL, NULL, NULL, 0 },
};

static void
add(struct vdetail *d, const char *label, const char *text,
    enum ui_color color)
{
	d->lines = xreallocarray(d->lines, d->n + 1, sizeof *d->lines);
	d->lines[d->n].label = label != NULL ? xstrdup(label) : NULL;
	d->lines[d->n].text = xstrdup(text != NULL ? text : "");
	d->lines[d->n].color = color;
	d->n++;
}

static void
heading(struct vdetail *d, const char *text)
{
	if (d->n > 0)
		add(d, "", "", C_NORMAL);
	add(d, NULL, text, C_HEADER);
}

/* Every cached record of the instance, whatever its status: what was
 * asked, decided, taken back (the exceptions view has them all).  Last,
 * so the sections above keep their places; none before the table was
 * ever read. */
static void
records(struct vdetail *d, const struct app *a, const char *id)
{
	const struct excache *x = &a->inv.exc;
	struct fleet_date today = fleet_date_of_utc((long long)time(NULL));
	size_t first = 0, n, k;
	char head[64], *line;

	if (x->fetched_at <= 0)
		return;
	n = excache_of(x, id, &first);
	snprintf(head, sizeof head, "Exception records (%zu)", n);
	heading(d, head);
	for (k = first; k < first + n; k++) {
		const struct fleet_exception *e = &x->v[k];
		char why[FLEET_EXCEPTION_WHY_LEN];
		int bad = fleet_exception_check(e, a->cfg.exception_max_days,
		    why, sizeof why) != 0;

		line = xasprintf("%s %s..%s %s (%s%s%s)  %s", e->exception_id ?
		    e->exception_id : "?", e->starts ? e->starts : "?",
		    e->ends ? e->ends : "?", e->status ? e->status : "?",
		    exlist_cell(e, NULL, EXL_CATEGORY, today,
		    a->cfg.expiring_days, a->cfg.exception_max_days),
		    bad ? ": " : "", bad ? why : "",
		    e->reason ? e->reason : "");
		add(d, "", line, bad ? C_FAILED : C_NORMAL);
		free(line);
	}
}

static void
fill(struct vdetail *d, const struct app *a, const struct inv_row *r)
{
	const struct fleet_instance *in = r->in;
	const struct config *cfg = a->inv.cfg;
	long long now = (long long)time(NULL);
	struct fleet_occurrence occ[4];
	char buf[256], l[64], u[64], age[32];
	size_t k, n;

	heading(d, "Instance");
	add(d, "name", in->name, C_NORMAL);
	add(d, "id", in->id, C_NORMAL);
	add(d, "account", in->account, C_NORMAL);
	add(d, "region", in->region, C_NORMAL);
	add(d, "zone", in->az, C_NORMAL);
	add(d, "state", in->state, strcmp(in->state, "running") == 0 ?
	    C_OK : C_STALE);
	add(d, "type", in->type, C_NORMAL);
	add(d, "launched", in->launch_time, C_NORMAL);
	add(d, "private IP", in->private_ip, C_NORMAL);
	add(d, "public IP", in->public_ip, C_NORMAL);

	heading(d, "Operating system and SSM");
	add(d, "platform", in->platform, C_NORMAL);
	add(d, "OS", in->platform_name, C_NORMAL);
	add(d, "OS version", in->platform_version, C_NORMAL);
	add(d, "SSM ping", in->ping[0] != '\0' ? in->ping :
	    "not managed by SSM", strcmp(in->ping, "Online") == 0 ? C_OK :
	    C_STALE);
	add(d, "SSM agent", in->agent_version, C_NORMAL);
	timefmt_age(now, in->last_ping, age, sizeof age);
	add(d, "last ping", in->last_ping > 0 ? age : "unknown", C_NORMAL);
	timefmt_age(now, in->fetched_at, age, sizeof age);
	add(d, "data from", age, C_DIM);

	heading(d, "Patching");
	add(d, "tag state", fleet_tag_state_name(r->st.state), C_NORMAL);
	add(d, "owner", r->st.owner != NULL ? r->st.owner : "(no Owner tag)",
	    C_NORMAL);
	add(d, "window", r->st.window_id != NULL ? r->st.window_id :
	    "(no window tag)", r->st.window >= 0 ? C_NORMAL : C_STALE);
	if (r->st.window >= 0 && (size_t)r->st.window < cfg->nwindows) {
		const struct fleet_window *w = &cfg->windows[r->st.window];
		const struct fleet_tz *tz = &cfg->zones[r->st.window];

		fleet_schedule_format(&w->sched, buf, sizeof buf);
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf),
		    ", %d min, %s", w->duration_min, w->tz_name);
		add(d, "schedule", buf, C_NORMAL);
		n = fleet_window_occurrences(w, tz, now, 4, occ);
		for (k = 0; k < n; k++) {
			char until[32];

			timefmt_local(tz, occ[k].start, l, sizeof l);
			timefmt_utc(occ[k].start, u, sizeof u);
			timefmt_until(now, occ[k].start, until, sizeof until);
			snprintf(buf, sizeof buf, "%s  (%s, %s)", l, u, until);
			add(d, k == 0 ? "next windows" : "", buf, C_NORMAL);
		}
	} else if (r->st.window_id != NULL) {
		add(d, "", "this window id is not defined in the "
		    "configuration", C_FAILED);
	}
	if (r->st.exception_tagged || r->st.exception != 0) {
		add(d, "exception", inventory_cell(&a->inv, r, COL_EXCEPTION,
		    buf, sizeof buf), r->st.exception ==
		    TS_EXCEPTED_UNAPPROVED ? C_FAILED : C_EXCEPTED);
		if (r->st.exception_record != NULL) {
			add(d, "reason", r->st.exception_record->reason,
			    C_NORMAL);
			add(d, "approved by",
			    r->st.exception_record->decided_by, C_NORMAL);
		}
	} else {
		add(d, "exception", "none", C_NORMAL);
	}
	/* The cell is buf or a constant ("never"): use what it returns. */
	add(d, "last patched", inventory_cell(&a->inv, r, COL_LAST_PATCHED, buf,
	    sizeof buf), r->st.stale ? C_STALE : C_NORMAL);
	add(d, "results", "no patch results cached for this instance yet",
	    C_DIM);

	snprintf(buf, sizeof buf, "Tags (%zu)", in->ntags);
	heading(d, buf);
	for (k = 0; k < in->ntags; k++)
		add(d, in->tags[k].key, in->tags[k].value, C_NORMAL);
	records(d, a, in->id);
}

static void
det_draw(struct ui *ui, void *self, int y, int x, int h, int w)
{
	struct vdetail *d = self;
	size_t i;
	int row;

	(void)ui;
	ui_text(stdscr, y, x, w, "", 0, ui_attr(C_HEADER), 1);
	ui_text(stdscr, y, x + 1, w - 2, d->title, (size_t)-1,
	    ui_attr(C_HEADER) | A_BOLD, 0);
	d->rows = h - 1;
	for (i = d->top, row = 1; i < d->n && row < h; i++, row++) {
		const struct line *l = &d->lines[i];

		if (l->label == NULL) {
			ui_text(stdscr, y + row, x + 1, w - 2, l->text,
			    (size_t)-1, ui_attr(C_HEADER), 0);
			continue;
		}
		ui_text(stdscr, y + row, x + 2, 18, l->label, (size_t)-1,
		    ui_attr(C_DIM), 0);
		ui_text(stdscr, y + row, x + 21, w - 22, l->text, (size_t)-1,
		    ui_attr(l->color), 0);
	}
}

static int
det_key(struct ui *ui, void *self, int action, int ch)
{
	struct vdetail *d = self;
	size_t page = d->rows > 1 ? (size_t)d->rows - 1 : 1;
	size_t last = d->n > (size_t)d->rows ? d->n - (size_t)d->rows : 0;

	(void)ui;
	(void)ch;
	switch (action) {
	case D_DOWN:
		if (d->top < last)
			d->top++;
		return UI_REDRAW;
	case D_UP:
		if (d->top > 0)
			d->top--;
		return UI_REDRAW;
	case D_PGDN:
		d->top = d->top + page < last ? d->top + page : last;
		return UI_REDRAW;
	case D_PGUP:
		d->top = d->top > page ? d->top - page : 0;
		return UI_REDRAW;
	case D_HOME:
		d->top = 0;
		return UI_REDRAW;
	case D_END:
		d->top = last;
		return UI_REDRAW;
	case D_CLOSE:
		return UI_POP;
	}
	return UI_IGNORED;
}

static void
det_free(void *self)
{
	struct vdetail *d = self;
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->lines[i].label);
		free(d->lines[i].text);
	}
	free(d->lines);
	free(d->title);
	free(d);
}

static const struct view view_detail = {
	.name = "instance",
	.draw = det_draw,
	.key = det_key,
	.free = det_free,
	.keys = keys,
	.nkeys = sizeof keys / sizeof keys[0],
};

void
view_detail_push(struct ui *ui, struct app *a, const char *id,
    const char *region)
{
	struct vdetail *d;
	size_t i;

	for (i = 0; i < a->inv.n; i++) {
		const struct inv_row *r = &a->inv.rows[i];

		if (strcmp(r->in->id, id) != 0 ||
		    strcmp(r->in->region, region) != 0)
			continue;
		d = xcalloc(1, sizeof *d);
		d->title = xasprintf("%s  %s", r->in->id, r->in->name);
		fill(d, a, r);
		ui_push(ui, &view_detail, d);
		return;
	}
	ui_message(ui, 1, "that instance is no longer in the inventory");
}
