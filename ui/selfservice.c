/*
 * selfservice.c - the console's window and owner tags (DESIGN.md section
 * 1): `w` sets and `W` removes the window tag, `o` sets and `O` removes
 * the owner tag, of the marked instances, or of the one under the cursor
 * when nothing is marked (as k9s, htop and lazygit act on the selection,
 * else on the current row).  Marks hidden by the filter still count; the
 * confirmation names how many and which, and says which of the two it is.
 *
 *   w   read-only?  refused by dispatch (the keys are UI_KEY_CHANGES_AWS)
 *       nothing marked and no row?  refuse, saying how to mark
 *       prompt "window [ids]: "; an unknown id (or none) is refused with
 *       the list of defined ids; a unique prefix of one is taken
 *   o   the same with prompt "owner: " (the row's owner to edit); the
 *       value checked as `patchdeck owner set` checks it
 *       confirm: the action, the count and first names, the calls and the
 *       targets/regions, DRY RUN when --dry-run is set
 *       y: the calls run on the console's loop (tagging_start): "applying"
 *       and, when done, the outcome; the cache and the table are updated,
 *       the instances changed are unmarked (failed ones stay marked, so
 *       `w` again retries just those)
 *       with --dry-run: the calls that would have been made, none made
 *   W   the same without the prompt: removes the tag
 *
 * Every change is audited by ops/tagging.c; with --dry-run nothing is sent
 * and nothing is audited, as in `patchdeck window`.
 */
#include "views.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "fleet/window.h"
#include "ops/tagging.h"
#include "util/util.h"

/* Names in the confirmation before "and N more"; so it fits the box. */
#define SHOW_NAMES 3
#define SHOW_PLACES 4

/* What a key changes: the tag's name comes from the configuration. */
static const struct {
	const char *what;	/* in the confirmation */
	const char *set, *clear;	/* audit actions, as the shell's */
} kinds[] = {
	[SS_WINDOW] = { "patch window", "window.assign", "window.clear" },
	[SS_OWNER] = { "owner", "owner.set", "owner.clear" },
};

/* One change, from the confirmation until its outcome is shown. */
struct job {
	struct ui *ui;
	struct app *a;
	enum selfservice_tag kind;
	char *value;		/* the new value; NULL: remove the tag */
	struct tagging_plan plan;
	struct tagging *t;	/* running or ran; NULL before 'y' */
};

/*
 * a->selfservice, made on first use.  When the console quits mid-way,
 * the loop goes first (app.c frees the net), then app.c frees this with
 * selfservice_job_free(), as tagging.h asks (the audit log then records
 * the outcome as unknown).
 */
struct selfservice {
	/* The change being confirmed or applied: one at a time. */
	struct job *current;
	/* With nothing marked, the row under the cursor when the key was
	 * pressed (by key: the rows may be reloaded while a prompt is up). */
	char *id, *account, *region;
};

static struct selfservice *
ss_of(struct app *a)
{
	if (a->selfservice == NULL)
		a->selfservice = xcalloc(1, sizeof *a->selfservice);
	return a->selfservice;
}

static void
pick_set(struct app *a, const struct fleet_instance *in)
{
	struct selfservice *ss = ss_of(a);

	free(ss->id);
	free(ss->account);
	free(ss->region);
	ss->id = in != NULL ? xstrdup(in->id) : NULL;
	ss->account = in != NULL ? xstrdup(in->account) : NULL;
	ss->region = in != NULL ? xstrdup(in->region) : NULL;
}

static void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	tagging_free(j->t);
	tagging_plan_free(&j->plan);
	free(j->value);
	free(j);
}

static void
reap(struct app *a)
{
	job_free(ss_of(a)->current);
	ss_of(a)->current = NULL;
}

void
selfservice_job_free(struct app *a)
{
	if (a->selfservice == NULL)
		return;
	reap(a);
	pick_set(a, NULL);
	free(a->selfservice);
	a->selfservice = NULL;
}

static int
busy(struct app *a)
{
	const struct job *j = ss_of(a)->current;

	return j != NULL && j->t != NULL && !tagging_finished(j->t);
}

/* What refuses a change before anything is asked. */
static int
refused(struct ui *ui, struct app *a, const char *verb)
{
	if (busy(a)) {
		ui_message(ui, 1, "a tag change is still being applied; "
		    "wait for its outcome");
		return 1;
	}
	if (a->inv.nmarked == 0 && ss_of(a)->id == NULL) {
		ui_message(ui, 1, "no instance: move to one, or mark some with "
		    "Space (or a: all shown), then %s", verb);
		return 1;
	}
	return 0;
}

/* The rows a change is for: the marked ones, else the picked one. */
static size_t
chosen_rows(struct app *a, const struct fleet_instance **rows)
{
	const struct selfservice *pick = ss_of(a);
	size_t i, n = 0;

	for (i = 0; i < a->inv.n; i++) {
		const struct fleet_instance *in = a->inv.rows[i].in;

		if (a->inv.nmarked > 0 ? a->inv.rows[i].marked :
		    pick->id != NULL && strcmp(in->id, pick->id) == 0 &&
		    strcmp(in->account, pick->account) == 0 &&
		    strcmp(in->region, pick->region) == 0)
			rows[n++] = in;
	}
	return n;
}

static char *
defined_windows(const struct config *cfg)
{
	struct buf b;
	size_t i;

	buf_init(&b);
	for (i = 0; i < cfg->nwindows; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", cfg->windows[i].id);
	if (b.len == 0)
		buf_puts(&b, "none");
	return buf_steal(&b);
}

/* "web-1, web-2, db-3 and 9 more" of the marked rows that have an item. */
static void
describe_rows(struct buf *b, const struct fleet_instance *const *rows,
    const struct tagging_items *it)
{
	size_t k;

	for (k = 0; k < it->n && k < SHOW_NAMES; k++) {
		const struct fleet_instance *in = rows[it->row[k]];

		buf_printf(b, "%s%s", k ? ", " : "",
		    in->name[0] != '\0' ? in->name : in->id);
	}
	if (it->n > SHOW_NAMES)
		buf_printf(b, " and %zu more", it->n - SHOW_NAMES);
}

/* "1 CreateTags call in default/us-east-1" and the like. */
static void
describe_calls(struct buf *b, const struct tagging_plan *p)
{
	size_t i, k, nplaces = 0;

	buf_printf(b, "That is %zu %s call%s, in ", p->ncalls,
	    p->ncalls > 0 ? tagging_op_name(p->calls[0].op) : "",
	    p->ncalls == 1 ? "" : "s");
	for (i = 0; i < p->ncalls; i++) {
		int seen = 0;

		for (k = 0; k < i && !seen; k++)
			seen = strcmp(p->calls[k].target,
			    p->calls[i].target) == 0 &&
			    strcmp(p->calls[k].region,
			    p->calls[i].region) == 0;
		if (seen)
			continue;
		if (nplaces < SHOW_PLACES)
			buf_printf(b, "%s%s/%s", nplaces ? ", " : "",
			    p->calls[i].target, p->calls[i].region);
		nplaces++;
	}
	if (nplaces > SHOW_PLACES)
		buf_printf(b, " and %zu more", nplaces - SHOW_PLACES);
	buf_puts(b, " (target/region).");
}

/* The marked instances changed by a call that succeeded: unmarked, so
 * what stays marked is what failed. */
struct done_id {
	const char *id;
	const char *region;
};

static int
cmp_done_id(const void *x, const void *y)
{
	const struct done_id *a = x, *b = y;
	int c = strcmp(a->id, b->id);

	return c != 0 ? c : strcmp(a->region, b->region);
}

static void
unmark_changed(struct inventory *inv, const struct tagging_plan *p)
{
	struct done_id *v, key;
	size_t i, k, n = 0, total = 0;

	for (i = 0; i < p->ncalls; i++)
		if (p->calls[i].ok)
			total += p->calls[i].nids;
	if (total == 0)
		return;
	v = xcalloc(total, sizeof *v);
	for (i = 0; i < p->ncalls; i++) {
		if (!p->calls[i].ok)
			continue;
		for (k = 0; k < p->calls[i].nids; k++) {
			v[n].id = p->calls[i].ids[k];
			v[n++].region = p->calls[i].region;
		}
	}
	qsort(v, n, sizeof *v, cmp_done_id);
	for (i = 0; i < inv->n; i++) {
		struct inv_row *r = &inv->rows[i];

		if (!r->marked)
			continue;
		key.id = r->in->id;
		key.region = r->in->region;
		if (bsearch(&key, v, n, sizeof *v, cmp_done_id) != NULL) {
			r->marked = 0;
			inv->nmarked--;
		}
	}
	free(v);
}

static void
on_applied(void *arg, int rc, int acted, const char *err)
{
	struct job *j = arg;
	struct ui *ui = j->ui;
	struct app *a = j->a;
	const struct tagging_call *first = NULL;
	char *cerr = NULL;
	size_t i, nfailed = 0, nok = 0;

	for (i = 0; i < j->plan.ncalls; i++) {
		const struct tagging_call *c = &j->plan.calls[i];

		if (c->ok) {
			nok += c->nids;
		} else {
			nfailed++;
			if (first == NULL && c->err.code != NULL)
				first = c;
		}
	}
	if (acted) {
		/* A cache that cannot be written is said below; the tags in
		 * AWS are what counts, and the next refresh brings them. */
		if (tagging_update_cache(a->cache, &a->cfg, &j->plan,
		    &cerr) == 0)
			cerr = NULL;
		unmark_changed(&a->inv, &j->plan);
		app_reload(a, ui);
	}
	if (rc == 0)
		ui_message(ui, 0, "%s%s%s%s on %zu instance%s: ok (%zu call%s, "
		    "audited)%s%s", j->value != NULL ? "set " : "removed ",
		    j->plan.calls[0].key, j->value != NULL ? "=" : "",
		    j->value != NULL ? j->value : "",
		    nok, nok == 1 ? "" : "s", j->plan.ncalls,
		    j->plan.ncalls == 1 ? "" : "s",
		    cerr != NULL ? "; the cache was not updated: " : "",
		    cerr != NULL ? cerr : "");
	else if (!acted)
		ui_message(ui, 1, "%s; nothing was changed", err);
	else if (nfailed > 0)
		ui_message(ui, 1, "%zu of %zu call%s failed (first: %s: %s); "
		    "%zu of %zu instances changed; the others stay marked",
		    nfailed, j->plan.ncalls, j->plan.ncalls == 1 ? "" : "s",
		    first != NULL ? first->err.code : "unknown",
		    first != NULL && first->err.message != NULL ?
		    first->err.message : "", nok, j->plan.ninstances);
	else
		ui_message(ui, 1, "%s", err);
	free(cerr);
	/* done runs from a timer of its own: the handle may go now. */
	if (ss_of(j->a)->current == j)
		ss_of(j->a)->current = NULL;
	job_free(j);
}

/* --dry-run: the calls, one after the other, on the message line. */
static void
show_dry_run(struct ui *ui, const struct job *j)
{
	struct buf b;
	size_t i, k;

	buf_init(&b);
	buf_puts(&b, "DRY RUN, nothing was changed; would call:");
	for (i = 0; i < j->plan.ncalls; i++) {
		const struct tagging_call *c = &j->plan.calls[i];

		buf_printf(&b, "%s %s %s/%s %s%s%s on", i ? ";" : "",
		    tagging_op_name(c->op), c->target, c->region, c->key,
		    c->value != NULL ? "=" : "",
		    c->value != NULL ? c->value : "");
		for (k = 0; k < c->nids; k++)
			buf_printf(&b, " %s", c->ids[k]);
	}
	ui_message(ui, 0, "%s", b.data);
	buf_free(&b);
}

static void
on_yes(struct ui *ui, void *arg)
{
	struct job *j = arg;
	struct app *a = j->a;
	struct tagging_opts o;
	char *err = NULL;

	if (j != ss_of(a)->current)
		return;		/* cannot happen: one confirmation at a time */
	if (a->desk.dry_run) {
		show_dry_run(ui, j);
		reap(a);
		return;
	}
	memset(&o, 0, sizeof o);
	o.cfg = &a->cfg;
	o.profile = a->desk.profile;
	o.action = j->value != NULL ? kinds[j->kind].set :
	    kinds[j->kind].clear;
	o.requested = j->value;
	j->t = tagging_start(ui_net(ui), &o, &j->plan, on_applied, j, &err);
	if (j->t == NULL) {
		ui_message(ui, 1, "%s", err);
		free(err);
		reap(a);
		return;
	}
	ui_message(ui, 0, "applying: %s %s on %zu instance%s (%zu call%s)...",
	    j->value != NULL ? "setting" : "removing", j->plan.calls[0].key,
	    j->plan.ninstances, j->plan.ninstances == 1 ? "" : "s",
	    j->plan.ncalls, j->plan.ncalls == 1 ? "" : "s");
}

/* Builds the change for the marked rows and asks for it. */
static void
propose(struct ui *ui, struct app *a, enum selfservice_tag kind,
    const char *value)
{
	const struct fleet_instance **rows;
	struct cache_target *ts = NULL;
	struct tagging_items it;
	struct job *j;
	struct buf b;
	char **lines = NULL, *err = NULL;
	const char *key = kind == SS_OWNER ? a->cfg.tags.owner :
	    a->cfg.tags.window;
	size_t nts = 0, nrows = 0, nlines = 0, i;
	int marked = a->inv.nmarked > 0;

	if (desk_targets(&a->desk, &ts, &nts, &err) != 0) {
		ui_message(ui, 1, "cache: %s", err);
		free(err);
		return;
	}
	rows = xcalloc(a->inv.n + 1, sizeof *rows);
	nrows = chosen_rows(a, rows);
	memset(&it, 0, sizeof it);
	if (nrows == 0) {
		ui_message(ui, 1, "refused: the instance under the cursor is "
		    "gone (reloaded); nothing was changed");
		goto out;
	}
	tagging_items_from_rows(&a->cfg, ts, nts, rows, nrows, value, &it);
	if (it.n == 0) {
		ui_message(ui, 1, "refused: none of the %zu %s instances is "
		    "from a configured target any more; refresh (r) first",
		    nrows, marked ? "marked" : "chosen");
		goto out;
	}

	reap(a);	/* a confirmation that was answered no */
	j = xcalloc(1, sizeof *j);
	j->ui = ui;
	j->a = a;
	j->kind = kind;
	j->value = value != NULL ? xstrdup(value) : NULL;
	tagging_plan_build(it.v, it.n, key, 0, &j->plan);
	ss_of(a)->current = j;

	buf_init(&b);
	if (value != NULL)
		buf_printf(&b, "Set %s=%s on %zu instance%s: ", key, value,
		    j->plan.ninstances, j->plan.ninstances == 1 ? "" : "s");
	else
		buf_printf(&b, "Remove %s from %zu instance%s: ", key,
		    j->plan.ninstances, j->plan.ninstances == 1 ? "" : "s");
	describe_rows(&b, rows, &it);
	buf_puts(&b, "?");
	ui_wrap(&lines, &nlines, b.data);
	buf_reset(&b);
	if (marked)
		buf_printf(&b, "The %zu marked instance%s %s changed (marks "
		    "hidden by the filter count).", nrows, nrows == 1 ? "" :
		    "s", nrows == 1 ? "is" : "are");
	else
		buf_puts(&b, "Nothing is marked: the instance under the "
		    "cursor is changed, no other.");
	ui_wrap(&lines, &nlines, b.data);
	buf_reset(&b);
	describe_calls(&b, &j->plan);
	ui_wrap(&lines, &nlines, b.data);
	if (nrows > it.n) {
		buf_reset(&b);
		buf_printf(&b, "%zu chosen instance%s left out: %s target is no "
		    "longer configured.", nrows - it.n, nrows - it.n == 1 ?
		    " is" : "s are", nrows - it.n == 1 ? "its" : "their");
		ui_wrap(&lines, &nlines, b.data);
	}
	buf_reset(&b);
	if (a->desk.dry_run)
		buf_puts(&b, "DRY RUN (--dry-run): the calls are listed, none "
		    "is made, nothing is audited.");
	else
		buf_puts(&b, "Written to the audit log before and after.");
	ui_wrap(&lines, &nlines, b.data);

	buf_reset(&b);
	if (a->desk.dry_run)
		buf_printf(&b, "DRY RUN: %s, nothing will change",
		    kinds[kind].what);
	else
		buf_printf(&b, "%s the %s", value != NULL ? "Set" : "Remove",
		    kinds[kind].what);
	ui_confirm(ui, b.data, (const char *const *)lines, nlines,
	    j->plan.ninstances, on_yes, j);
	buf_free(&b);
	for (i = 0; i < nlines; i++)
		free(lines[i]);
	free(lines);
out:
	tagging_items_free(&it);
	free(rows);
	desk_targets_free(ts, nts);
}

static void
on_window(struct ui *ui, void *arg, const char *text)
{
	struct app *a = arg;
	const struct config *cfg = &a->cfg;
	const char **ids;
	char *list;
	size_t i, len, nhits, hit = 0;

	if (text == NULL) {
		ui_message(ui, 0, "cancelled; nothing was changed");
		return;
	}
	while (*text == ' ')
		text++;
	len = strlen(text);
	while (len > 0 && text[len - 1] == ' ')
		len--;
	/* An exact id, else the one id it begins (the confirmation shows
	 * the whole id before anything happens), as `:window` takes it. */
	ids = xcalloc(cfg->nwindows + 1, sizeof *ids);
	for (i = 0; i < cfg->nwindows; i++)
		ids[i] = cfg->windows[i].id;
	nhits = util_prefix_pick(ids, cfg->nwindows, text, len, &hit);
	free(ids);
	if (nhits != 1) {
		list = defined_windows(cfg);
		if (len == 0)
			ui_message(ui, 1, "no window given; defined: %s", list);
		else
			ui_message(ui, 1, "refused: window '%.*s' is %s in the "
			    "configuration; defined: %s", (int)len, text,
			    nhits > 1 ? "ambiguous" : "not defined", list);
		free(list);
		return;
	}
	/* The marks cannot change while the prompt is up; a refresh may
	 * have reloaded the rows, which keeps them. */
	if (refused(ui, a, "w"))
		return;
	propose(ui, a, SS_WINDOW, cfg->windows[hit].id);
}

static void
on_owner(struct ui *ui, void *arg, const char *text)
{
	struct app *a = arg;
	char *why = NULL, *v;
	size_t len;

	if (text == NULL) {
		ui_message(ui, 0, "cancelled; nothing was changed");
		return;
	}
	while (*text == ' ')
		text++;
	len = strlen(text);
	while (len > 0 && text[len - 1] == ' ')
		len--;
	if (len == 0) {
		ui_message(ui, 1, "no owner given; nothing was changed (O "
		    "removes the owner tag)");
		return;
	}
	v = xstrndup(text, len);
	if (!tagging_owner_ok(v, &why)) {
		ui_message(ui, 1, "refused: %s", why);
		free(why);
	} else if (!refused(ui, a, "o"))
		propose(ui, a, SS_OWNER, v);
	free(v);
}

/* The owner tag of the row under the cursor, to start the prompt from. */
static const char *
owner_of(const struct app *a, const struct fleet_instance *in)
{
	size_t k;

	if (in == NULL || a->inv.nmarked > 0)
		return NULL;
	for (k = 0; k < in->ntags; k++)
		if (strcmp(in->tags[k].key, a->cfg.tags.owner) == 0)
			return in->tags[k].value;
	return NULL;
}

void
selfservice_set(struct ui *ui, struct app *a, enum selfservice_tag kind,
    const struct fleet_instance *under)
{
	char label[32], *list;

	pick_set(a, a->inv.nmarked == 0 ? under : NULL);
	if (refused(ui, a, kind == SS_OWNER ? "o" : "w"))
		return;
	if (kind == SS_OWNER) {
		ui_prompt(ui, "owner: ", owner_of(a, under), NULL, on_owner, a);
		return;
	}
	if (a->cfg.nwindows == 0) {
		ui_message(ui, 1, "no window is defined in the configuration");
		return;
	}
	/* The prompt line is all that shows while typing: the ids go in
	 * its label when they fit, else an empty answer lists them. */
	list = defined_windows(&a->cfg);
	if (strlen(list) + sizeof "window []: " <= sizeof label)
		snprintf(label, sizeof label, "window [%s]: ", list);
	else
		snprintf(label, sizeof label, "window (Enter: list): ");
	free(list);
	ui_prompt(ui, label, NULL, NULL, on_window, a);
}

void
selfservice_clear(struct ui *ui, struct app *a, enum selfservice_tag kind,
    const struct fleet_instance *under)
{
	pick_set(a, a->inv.nmarked == 0 ? under : NULL);
	if (refused(ui, a, kind == SS_OWNER ? "O" : "W"))
		return;
	propose(ui, a, kind, NULL);
}
