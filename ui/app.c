/*
 * app.c - see app.h.  The console's entry point: the configuration, the
 * cache, the inventory drawn at once from it, and a refresh from AWS in
 * the background at start and every `refresh` interval.
 */
#include "app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "console.h"
#include "ops/exaction.h"
#include "ops/excache.h"
#include "ops/sync.h"
#include "ops/timefmt.h"
#include "util/util.h"
#include "views.h"

/* The rows the first frame loads: a screen of the tallest terminals. */
#define APP_HEAD_ROWS 200

static void
on_sync_progress(void *arg, enum sync_event ev, const char *target,
    size_t count, const char *code, const char *message)
{
	struct app *a = arg;

	(void)target;
	if (ev == SYNC_PROGRESS || ev == SYNC_DONE)
		a->sync_fetched += ev == SYNC_PROGRESS ? 0 : count;
	if (ev == SYNC_FAILED) {
		free(a->last_error);
		a->last_error = xasprintf("%s: %s: %s", target, code, message);
	}
}

static void
on_sync_done(void *arg, size_t ok, size_t failed, size_t instances)
{
	struct app *a = arg;

	(void)instances;
	if (failed == 0) {
		free(a->last_error);
		a->last_error = NULL;
	}
	if (a->ui != NULL) {
		app_reload(a, a->ui);
		if (failed > 0)
			ui_message(a->ui, 1, "refresh: %zu target(s) failed, "
			    "%zu synced; their previous data is kept", failed,
			    ok);
		else
			ui_message(a->ui, 0, "refreshed: %zu instances",
			    a->inv.total);
	}
}

int
app_exceptions(struct app *a, struct exceptions_ctx **x, char **err)
{
	if (!a->exc_open) {
		if (exceptions_open_on(&a->exc, a->net, a->desk.profile,
		    a->desk.region, a->cfg.exceptions_table, err) != 0) {
			exceptions_close(&a->exc);
			return -1;
		}
		a->exc_open = 1;
	}
	*x = &a->exc;
	return 0;
}

/* New records, the same instances: only the tag states are computed
 * again (a whole reload reads every instance back from the cache). */
static void
reload_exceptions(struct app *a)
{
	struct excache x;
	char *err = NULL;
	const char *cur = view_instances_current(a->base_self);
	char *keep = cur != NULL ? xstrdup(cur) : NULL;

	if (excache_load(a->cache, a->cfg.exceptions_table, &x, &err) != 0) {
		free(a->exc_error);
		a->exc_error = xasprintf("cache: %s", err);
		free(err);
		free(keep);
		return;
	}
	inventory_set_exceptions(&a->inv, &x);
	excache_done(&x);
	view_instances_select(a->base_self, keep);
	free(keep);
	a->generation++;
}

static void
on_exceptions_read(void *arg, struct fleet_exception *v, size_t n,
    const char *err)
{
	struct app *a = arg;
	struct exaction_scan *done = a->exscan;
	char *cerr = NULL;

	/* err belongs to the handle: it goes at the end (done runs from a
	 * timer of its own, so it may go at all). */
	a->exscan = NULL;
	free(a->exc_error);
	a->exc_error = NULL;
	if (err != NULL) {
		a->exc_error = xstrdup(err);
	} else if (excache_store(a->cache, a->cfg.exceptions_table, v, n,
	    (long long)time(NULL), &cerr) != 0) {
		a->exc_error = xasprintf("cache: %s", cerr);
		free(cerr);
	}
	exceptions_free(v, n);
	if (err == NULL)
		reload_exceptions(a);
	exaction_scan_free(done);
	if (a->ui != NULL) {
		ui_dirty(a->ui);
		/* A change made while this Scan ran may be missing from it. */
		if (a->exc_again) {
			a->exc_again = 0;
			app_refresh_exceptions(a, a->ui);
		}
	}
}

void
app_refresh_exceptions(struct app *a, struct ui *ui)
{
	struct exceptions_ctx *x;
	char *err = NULL;

	if (a->exscan != NULL) {
		a->exc_again = 1;
		return;
	}
	a->ui = ui;
	if (app_exceptions(a, &x, &err) != 0) {
		free(a->exc_error);
		a->exc_error = err;
		return;
	}
	a->exscan = exaction_scan_start(x, on_exceptions_read, a);
}

void
app_refresh(struct app *a, struct ui *ui)
{
	struct sync_opts o;
	char *err = NULL;

	app_refresh_exceptions(a, ui);
	if (a->sync != NULL && !sync_finished(a->sync)) {
		ui_message(ui, 0, "a refresh is already running");
		return;
	}
	sync_free(a->sync);
	a->sync = NULL;
	memset(&o, 0, sizeof o);
	o.cfg = &a->cfg;
	o.profile = a->desk.profile;
	o.region = a->desk.region;
	o.cache = a->cache;
	o.progress = on_sync_progress;
	o.done = on_sync_done;
	o.arg = a;
	a->sync_fetched = 0;
	a->ui = ui;
	a->sync = sync_start(a->net, &o, &err);
	if (a->sync == NULL) {
		free(a->last_error);
		a->last_error = err;
		ui_message(ui, 1, "refresh: %s", err);
		return;
	}
	if (a->cfg.refresh_s > 0)
		a->next_refresh_ms = util_now_ms() + a->cfg.refresh_s * 1000LL;
	ui_dirty(ui);
}

/* Puts fresh (taken) in the place of the inventory, keeping the
 * operator's place: sort, filter, conditions, marks and the instance
 * under the cursor. */
static void
adopt(struct app *a, struct ui *ui, struct inventory *fresh_in)
{
	struct inventory fresh = *fresh_in;
	struct inv_where where = a->inv.where;
	char *filter = a->inv.filter != NULL ? xstrdup(a->inv.filter) : NULL;
	char *cur = NULL;
	const char *c = view_instances_current(a->base_self);
	char **marked = NULL;
	size_t nmarked = 0, i, k;

	if (c != NULL)
		cur = xstrdup(c);
	for (i = 0; i < a->inv.n; i++) {
		if (!a->inv.rows[i].marked)
			continue;
		marked = xreallocarray(marked, nmarked + 1, sizeof *marked);
		marked[nmarked++] = xasprintf("%s/%s", a->inv.rows[i].in->id,
		    a->inv.rows[i].in->region);
	}
	memset(fresh_in, 0, sizeof *fresh_in);
	/* Records read again while the fresh one loaded are the newer. */
	if (a->inv.exc.fetched_at > fresh.exc.fetched_at)
		inventory_set_exceptions(&fresh, &a->inv.exc);
	memset(&a->inv.where, 0, sizeof a->inv.where);
	fresh.where = where;
	/* A load comes sorted by name: at a million rows another sort
	 * would hold the keys for a while. */
	if (a->inv.sort != fresh.sort || a->inv.desc != fresh.desc)
		inventory_sort(&fresh, a->inv.sort, a->inv.desc);
	inventory_free(&a->inv);
	a->inv = fresh;
	inventory_set_filter(&a->inv, filter);
	for (i = 0; i < a->inv.n && nmarked > 0; i++) {
		char key[160];

		snprintf(key, sizeof key, "%s/%s", a->inv.rows[i].in->id,
		    a->inv.rows[i].in->region);
		for (k = 0; k < nmarked; k++) {
			if (strcmp(marked[k], key) == 0) {
				a->inv.rows[i].marked = 1;
				a->inv.nmarked++;
				break;
			}
		}
	}
	view_instances_select(a->base_self, cur);
	a->loaded_ms = util_now_ms();
	a->generation++;
	{
		char *notice = desk_take_notice(&a->desk);

		if (notice != NULL) {
			ui_message(ui, 1, "%s", notice);
			free(notice);
		}
	}
	free(filter);
	free(cur);
	for (i = 0; i < nmarked; i++)
		free(marked[i]);
	free(marked);
	ui_dirty(ui);
}

/* The whole inventory loaded on this thread. */
static void
reload_here(struct app *a, struct ui *ui)
{
	struct inventory fresh;
	char *err = NULL;

	if (inventory_load(&fresh, a->cache, &a->cfg, (long long)time(NULL),
	    &err) != 0) {
		ui_message(ui, 1, "cache: %s", err);
		free(err);
		/* Not again at every tick: the next reload tries. */
		a->load_failed = a->inv.partial;
		return;
	}
	adopt(a, ui, &fresh);
}

static void start_loading(struct app *a, struct ui *ui);

void
app_reload(struct app *a, struct ui *ui)
{
	/* A load still running read the cache before this change: it is
	 * told to stop, and on_loaded() starts a new one once it has.
	 * Waiting for it here would hold the keys for as long as its step
	 * takes (a busy cache file, a million instances). */
	if (a->loader != NULL) {
		inventory_loader_stop(a->loader);
		a->reload_after_load = 1;
		return;
	}
	a->load_failed = 0;
	if (a->inv.partial)
		start_loading(a, ui);
	else
		reload_here(a, ui);
}

/*
 * The first frame comes from inventory_load_head() (what the screen
 * shows); the whole fleet then loads on a thread of its own, started
 * once that frame is on the terminal so the two do not share the CPUs,
 * and replaces the partial inventory as a reload does.  Keys work on
 * the rows loaded meanwhile; the filter, conditions, sort and marks
 * carry over.
 */
static void
start_loading(struct app *a, struct ui *ui)
{
	char *err = NULL;

	if (!a->inv.partial || a->loader != NULL || a->load_failed)
		return;
	a->loader = inventory_loader_start(a->cache, &a->cfg,
	    (long long)time(NULL), &err);
	if (a->loader == NULL) {
		free(err);
		reload_here(a, ui);
	}
}

static void
on_drawn(struct ui *ui, void *arg)
{
	struct app *a = arg;

	a->ui = ui;
	start_loading(a, ui);
}

static int
loader_fd(void *arg)
{
	struct app *a = arg;

	return a->loader != NULL ? inventory_loader_fd(a->loader) : -1;
}

static void
on_loaded(struct ui *ui, void *arg)
{
	struct app *a = arg;
	struct inventory fresh;
	char *err = NULL;
	struct inventory_loader *l = a->loader;

	a->loader = NULL;
	if (a->reload_after_load) {
		a->reload_after_load = 0;
		inventory_loader_free(l);
		app_reload(a, ui);
		return;
	}
	if (inventory_loader_finish(l, a->cache, &fresh, &err) != 0) {
		/* Damage, a busy file: the load on this thread handles and
		 * reports it as at any reload. */
		free(err);
		reload_here(a, ui);
		return;
	}
	adopt(a, ui, &fresh);
}

static int
loading(void *arg)
{
	struct app *a = arg;

	return a->loader != NULL || (a->inv.partial && !a->load_failed);
}

static void
status(struct ui *ui, void *arg, struct buf *left, struct buf *right)
{
	struct app *a = arg;
	char age[32];
	size_t room;

	if (a->inv.partial) {
		size_t got = a->loader != NULL ?
		    inventory_loader_progress(a->loader) : 0;

		buf_printf(left, "loading %zu of %zu instances",
		    got > a->inv.n ? got : a->inv.n, a->inv.total);
	} else
		buf_printf(left, "%zu instances", a->inv.n);
	if (a->inv.nvis != a->inv.n)
		buf_printf(left, ", %zu shown", a->inv.nvis);
	if (a->inv.nmarked > 0)
		buf_printf(left, ", %zu marked", a->inv.nmarked);
	if (a->inv.filter != NULL)
		buf_printf(left, "  /%s", a->inv.filter);
	if (a->inv.where.window != NULL)
		buf_printf(left, "  :window %s", a->inv.where.window);
	if (a->inv.where.state != NULL)
		buf_printf(left, "  :state %s", a->inv.where.state);
	if (a->inv.where.ping != NULL)
		buf_printf(left, "  :ping %s", a->inv.where.ping);
	if (a->inv.where.owner != NULL)
		buf_printf(left, "  :owner %s", a->inv.where.owner);
	if (a->inv.where.account != NULL)
		buf_printf(left, "  :account %s", a->inv.where.account);
	if (a->inv.where.region != NULL)
		buf_printf(left, "  :region %s", a->inv.where.region);
	if (a->inv.where.tagstate != NULL)
		buf_printf(left, "  :tag %s", a->inv.where.tagstate);

	/* Most needed first: the console cuts the right end when the line
	 * is short, so READ-ONLY and the data's age always stay. */
	if (a->read_only)
		buf_puts(right, "READ-ONLY | ");
	timefmt_age((long long)time(NULL), a->inv.oldest, age, sizeof age);
	buf_printf(right, "data %s | ", a->inv.n > 0 ? age : "none");
	if (a->sync != NULL && !sync_finished(a->sync))
		buf_puts(right, "refreshing... | ");
	else if (a->last_error != NULL)
		buf_printf(right, "ERROR %s | ", a->last_error);
	room = (size_t)ui_cols(ui) / 2;
	if (right->len + strlen(a->desk.targets) <= room)
		buf_puts(right, a->desk.targets);
	else if (right->len + strlen(a->desk.targets_short) <= room ||
	    a->desk.ntargets < 2)
		buf_puts(right, a->desk.targets_short);
	else
		buf_printf(right, "%zu targets", a->desk.ntargets);
}

static void
tick(struct ui *ui, void *arg)
{
	struct app *a = arg;

	/* What the cache noticed at the first load (rows skipped, a corrupt
	 * file moved aside) comes onto the screen once. */
	if (a->notice != NULL) {
		ui_message(ui, 1, "%s", a->notice);
		free(a->notice);
		a->notice = NULL;
	}
	if (a->next_refresh_ms > 0 && util_now_ms() >= a->next_refresh_ms)
		app_refresh(a, ui);
	start_loading(a, ui);
}

int
app_run(struct cli *g, int max_frames)
{
	struct app a;
	struct console_opts o;
	struct desk_opts dopts;
	const struct view *base;
	char *err = NULL, *notice = NULL;
	int rc;

	memset(&a, 0, sizeof a);
	a.g = g;
	memset(&dopts, 0, sizeof dopts);
	dopts.config = g->config;
	dopts.cache = g->cache;
	dopts.profile = g->profile;
	dopts.region = g->region;
	dopts.read_only = g->read_only;
	dopts.dry_run = g->dry_run;
	rc = desk_open(&a.desk, &a.cfg, &dopts, &notice, &err);
	if (notice != NULL) {
		cli_err("%s", notice);
		free(notice);
	}
	if (rc != 0) {
		cli_err("%s", err);
		free(err);
		return EXIT_CONFIG;
	}
	rc = EXIT_OK;
	a.cache = a.desk.cache;
	a.net = a.desk.net;
	a.read_only = a.desk.read_only_why != NULL;
	if (inventory_load_head(&a.inv, a.cache, &a.cfg, (long long)time(NULL),
	    APP_HEAD_ROWS, &err) != 0) {
		cli_err("cache: %s", err);
		free(err);
		rc = EXIT_CONFIG;
		goto out;
	}
	a.loaded_ms = util_now_ms();
	a.notice = desk_take_notice(&a.desk);
	base = view_instances_new(&a, &a.base_self);

	memset(&o, 0, sizeof o);
	o.desk = &a.desk;
	o.title = "patchdeck";
	o.base = base;
	o.base_self = a.base_self;
	o.status = status;
	o.tick = tick;
	o.arg = &a;
	o.no_color = g->no_color;
	o.utf8 = g->utf8;
	o.max_frames = max_frames;
	o.confirm_count_above = (size_t)a.cfg.confirm_count_above;
	o.hints = 1;
	o.drawn = on_drawn;
	o.wait_fd = loader_fd;
	o.woken = on_loaded;
	o.busy = loading;
	/* Keys marked UI_KEY_CHANGES_AWS are refused there, in one place. */
	o.read_only_why = a.desk.read_only_why;
	o.dry_run = a.desk.dry_run;
	/* The first frame comes from the cache; the refresh follows in the
	 * background (not in frame-limited runs: those are for drawing). */
	if (max_frames == 0)
		a.next_refresh_ms = util_now_ms();
	if (console_run(&o, &err) != 0) {
		cli_err("%s", err);
		free(err);
		rc = EXIT_USAGE;
	}
	/* The screen is gone: nothing reports to it any more. */
	a.ui = NULL;
	/* Calls still in flight go with the loop, before what they use;
	 * so does a load under way. */
	inventory_loader_free(a.loader);
	a.loader = NULL;
	desk_close_net(&a.desk);
	a.net = NULL;
	sync_free(a.sync);
	/* The jobs next, while what they borrow (exceptions table, cache,
	 * configuration) is still there. */
	exactions_job_free(&a);
	exsyncui_job_free(&a);
	selfservice_job_free(&a);
	precheck_job_free(&a);
	planprep_job_free(&a);
	exaction_scan_free(a.exscan);
	if (a.exc_open)
		exceptions_close(&a.exc);
	free(a.base_self);
	a.base_self = NULL;
out:
	inventory_free(&a.inv);
	free(a.notice);
	free(a.last_error);
	free(a.exc_error);
	desk_close(&a.desk);
	return rc;
}
