/*
 * precheck_members.c - who a pre-check is for (precheck.h, "Members"):
 * the window's occurrence on the date, the cached members, each one's
 * cache target, and the run id.
 */
#include "ops/precheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache/cache.h"
#include "fleet/date.h"
#include "fleet/exception.h"
#include "fleet/instance.h"
#include "fleet/window.h"
#include "ops/audit.h"
#include "ops/config.h"
#include "ops/inventory.h"
#include "ops/tagging.h"
#include "util/util.h"

static void
row_from(struct precheck_row *w, const struct fleet_instance *in)
{
	memset(w, 0, sizeof *w);
	w->instance_id = xstrdup(in->id);
	w->name = xstrdup(in->name);
	w->account = xstrdup(in->account);
	w->region = xstrdup(in->region);
	w->target = xstrdup("");
	w->platform = xstrdup(in->platform);
	w->state = xstrdup(in->state);
	w->ping = xstrdup(in->ping);
	w->instance_status = xstrdup("");
	w->system_status = xstrdup("");
	w->status = xstrdup("");
	w->status_details = xstrdup("");
	w->output = xstrdup("");
	w->response_code = -1;
}

static char *
new_run_id(long long now)
{
	char t[32], *hex = audit_new_id(), *id;
	time_t tt = (time_t)now;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(t, sizeof t, "%Y%m%dT%H%M%SZ", &tm);
	id = xasprintf("pc-%s-%.8s", t, hex);
	free(hex);
	return id;
}

/* The occurrence of window w starting on local date d (or the current or
 * next one when date is NULL); its UTC start in *start. */
static int
occurrence(const struct config *cfg, size_t w, const char *date,
    long long now, long long *start, char out_date[11], char **err)
{
	const struct fleet_window *win = &cfg->windows[w];
	const struct fleet_tz *tz = &cfg->zones[w];
	struct fleet_date d;
	long long e;

	if (date == NULL) {
		if (fleet_window_current_or_next(win, tz, now, start, &e,
		    err) != 0)
			return -1;
		fleet_date_format(fleet_window_local_date(tz, *start),
		    out_date, 11);
		return 0;
	}
	if (fleet_date_parse(date, &d) != 0) {
		util_seterr(err, "--date '%s': not a date (YYYY-MM-DD)", date);
		return -1;
	}
	if (fleet_window_occurrence_on(win, tz, d, start, &e, err) != 0)
		return -1;
	fleet_date_format(d, out_date, 11);
	return 0;
}

static int
excepted_on(const struct inventory *inv, const char *id,
    struct fleet_date day, int max_days)
{
	size_t i;

	for (i = 0; i < inv->exc.n; i++)
		if (inv->exc.v[i].instance_id != NULL &&
		    strcmp(inv->exc.v[i].instance_id, id) == 0 &&
		    fleet_exception_is_live(&inv->exc.v[i], day, max_days))
			return 1;
	return 0;
}

static int
in_ids(const struct precheck_opts *o, const char *id)
{
	size_t i;

	for (i = 0; i < o->nids; i++)
		if (strcmp(o->ids[i], id) == 0)
			return 1;
	return 0;
}

/* Each row's cache target name ("target/region"): the configured target
 * that synced its account and region (tagging_items_from_rows). */
static int
fill_targets(const struct precheck_opts *o, struct cache *c,
    const struct inventory *inv, const size_t *src,
    struct precheck_report *out, char **err)
{
	struct cache_target *ts = NULL;
	const struct fleet_instance **rows;
	struct tagging_items items;
	size_t nts = 0, k;

	if (cache_targets(c, o->now, &ts, &nts, err) != 0)
		return -1;
	rows = xcalloc(out->n ? out->n : 1, sizeof *rows);
	for (k = 0; k < out->n; k++)
		rows[k] = &inv->v[src[k]];
	tagging_items_from_rows(o->cfg, ts, nts, rows, out->n, NULL, &items);
	for (k = 0; k < items.n; k++) {
		free(out->rows[items.row[k]].target);
		out->rows[items.row[k]].target = xasprintf("%s/%s",
		    items.v[k].target, items.v[k].region);
	}
	tagging_items_free(&items);
	free(rows);
	cache_targets_free(ts, nts);
	return 0;
}

int
precheck_members(const struct precheck_opts *o, const struct inventory *inv,
    struct cache *c, struct precheck_report *out, char **err)
{
	size_t *src = NULL;
	const struct config *cfg = o->cfg;
	const char *wkey = cfg->tags.window != NULL ? cfg->tags.window :
	    "PatchWindow";
	long long start = o->now;
	struct fleet_date day;
	unsigned char *taken = NULL;
	long w = -1;
	size_t i, k, cap = 0;

	memset(out, 0, sizeof *out);
	if (o->window != NULL) {
		w = fleet_window_find(cfg->windows, cfg->nwindows, o->window);
		if (w < 0) {
			struct buf b;

			buf_init(&b);
			for (i = 0; i < cfg->nwindows; i++)
				buf_printf(&b, "%s%s", i ? ", " : "",
				    cfg->windows[i].id);
			util_seterr(err, "unknown window '%s'; configured: %s",
			    o->window, b.len ? b.data : "none");
			buf_free(&b);
			return -1;
		}
		if (occurrence(cfg, (size_t)w, o->date, o->now, &start,
		    out->date, err) != 0)
			return -1;
	} else {
		fleet_date_format(fleet_date_of_utc(o->now), out->date,
		    sizeof out->date);
	}
	day = fleet_date_of_utc(start);
	taken = xcalloc(o->nids ? o->nids : 1, 1);
	for (i = 0; i < inv->n; i++) {
		const struct fleet_instance *in = &inv->v[i];
		const char *tag;

		if (o->nids > 0 && !in_ids(o, in->id))
			continue;
		if (w >= 0) {
			tag = fleet_instance_tag(in, wkey);
			if (tag == NULL || strcmp(tag, o->window) != 0)
				continue;
			if (strcmp(in->state, "terminated") == 0 ||
			    strcmp(in->state, "shutting-down") == 0 ||
			    excepted_on(inv, in->id, day,
			    cfg->exception_max_days))
				continue;
		}
		for (k = 0; k < o->nids; k++)
			if (strcmp(o->ids[k], in->id) == 0)
				taken[k] = 1;
		if (out->n == cap) {
			cap = cap ? cap * 2 : 64;
			out->rows = xreallocarray(out->rows, cap,
			    sizeof *out->rows);
			src = xreallocarray(src, cap, sizeof *src);
		}
		src[out->n] = i;
		row_from(&out->rows[out->n++], in);
	}
	for (k = 0; k < o->nids; k++)
		if (!taken[k] && o->window == NULL) {
			util_seterr(err, "instance %s is not in the cache (run "
			    "patchdeck sync first)", o->ids[k]);
			free(taken);
			free(src);
			precheck_report_done(out);
			return -1;
		}
	free(taken);
	if (fill_targets(o, c, inv, src, out, err) != 0) {
		free(src);
		precheck_report_done(out);
		return -1;
	}
	free(src);
	out->window = xstrdup(o->window != NULL ? o->window : "");
	out->run_id = new_run_id(o->now);
	return 0;
}

