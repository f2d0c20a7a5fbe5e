/*
 * plan.c - see plan.h.
 */
#include "ops/plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include "cache/prechecks.h"
#include "ops/config.h"
#include "ops/excache.h"
#include "ops/exceptions.h"
#include "ops/inventory.h"
#include "util/util.h"

/* Whether the records are in instance_id order (the cache's), checked
 * rather than trusted: a wrong "sorted" would hide an exception. */
static int
sorted(const struct fleet_exception *v, size_t n)
{
	size_t k;

	for (k = 1; k < n; k++)
		if (strcmp(v[k - 1].instance_id != NULL ?
		    v[k - 1].instance_id : "", v[k].instance_id != NULL ?
		    v[k].instance_id : "") > 0)
			return 0;
	return 1;
}

/* What fleet/plan needs for window w of cfg on date / occ, from inv;
 * sorted: whether inv's records are in instance_id order. */
static void
input_for(struct fleet_plan_input *in, const struct inventory *inv,
    const struct config *cfg, size_t w, struct fleet_date date,
    struct fleet_occurrence occ, int is_sorted)
{
	memset(in, 0, sizeof *in);
	in->window = &cfg->windows[w];
	in->tz = &cfg->zones[w];
	in->date = date;
	in->occ = occ;
	in->instances = inv->v;
	in->ninstances = inv->n;
	in->exceptions_known = inv->exc.fetched_at > 0;
	in->exceptions = in->exceptions_known ? inv->exc.v : NULL;
	in->nexceptions = in->exceptions_known ? inv->exc.n : 0;
	in->exceptions_sorted = is_sorted;
	in->exception_max_days = cfg->exception_max_days;
	in->window_tag = cfg->tags.window;
	in->exception_tag = cfg->tags.exception;
}

static void
build(struct plan *out, const struct inventory *inv,
    const struct config *cfg, size_t w, long long now)
{
	struct fleet_plan_input in;
	size_t k;

	out->window = w;
	out->w = &cfg->windows[w];
	out->in_progress = out->occ.start <= now && now < out->occ.end;
	out->exceptions_fetched_at = inv->exc.fetched_at;
	input_for(&in, inv, cfg, w, out->date, out->occ, sorted(inv->exc.v,
	    inv->exc.fetched_at > 0 ? inv->exc.n : 0));
	fleet_plan_build(&in, &out->p);
	out->oldest = 0;
	for (k = 0; k < out->p.n; k++) {
		long long f = out->p.v[k].in->fetched_at;

		if (f > 0 && (out->oldest == 0 || f < out->oldest))
			out->oldest = f;
	}
}

static char *
unknown_window(const struct config *cfg, const char *id)
{
	struct buf b;
	size_t k;

	buf_init(&b);
	buf_printf(&b, "unknown window '%s'; ", id);
	if (cfg->nwindows == 0)
		buf_puts(&b, "no windows are configured");
	else
		buf_puts(&b, "configured:");
	for (k = 0; k < cfg->nwindows; k++)
		buf_printf(&b, "%s %s", k ? "," : "", cfg->windows[k].id);
	return buf_steal(&b);
}

int
plan_make(struct plan *out, const struct inventory *inv,
    const struct config *cfg, const char *window_id, const char *date,
    long long now, char **err)
{
	long w = fleet_window_find(cfg->windows, cfg->nwindows, window_id);

	memset(out, 0, sizeof *out);
	if (w < 0) {
		*err = unknown_window(cfg, window_id);
		return PLAN_ERR_UNKNOWN_WINDOW;
	}
	if (date == NULL)
		return plan_make_index(out, inv, cfg, (size_t)w, now, err);
	if (fleet_date_parse(date, &out->date) != 0) {
		*err = xasprintf("--date '%s' is not a date (YYYY-MM-DD)",
		    date);
		return PLAN_ERR_DATE;
	}
	if (fleet_window_occurrence_on(&cfg->windows[w], &cfg->zones[w],
	    out->date, &out->occ.start, &out->occ.end, err) != 0)
		return PLAN_ERR_DATE;
	build(out, inv, cfg, (size_t)w, now);
	return 0;
}

int
plan_make_index(struct plan *out, const struct inventory *inv,
    const struct config *cfg, size_t w, long long now, char **err)
{
	memset(out, 0, sizeof *out);
	if (fleet_window_current_or_next(&cfg->windows[w], &cfg->zones[w], now,
	    &out->occ.start, &out->occ.end, err) != 0)
		return PLAN_ERR_NONE_AHEAD;
	out->date = fleet_window_local_date(&cfg->zones[w], out->occ.start);
	build(out, inv, cfg, w, now);
	return 0;
}

void
plan_done(struct plan *p)
{
	fleet_plan_done(&p->p);
	memset(p, 0, sizeof *p);
}

int
plan_refresh_exceptions(const struct config *cfg, struct cache *c,
    const char *profile, const char *region, char **err)
{
	struct exceptions_ctx x;
	struct fleet_exception *v = NULL;
	size_t n = 0;
	int rc = -1;

	if (exceptions_open(&x, profile, region, cfg->exceptions_table,
	    err) == 0 && exceptions_scan(&x, NULL, &v, &n, err) == 0 &&
	    excache_store(c, x.table, v, n, (long long)time(NULL), err) == 0)
		rc = 0;
	exceptions_free(v, n);
	exceptions_close(&x);
	return rc;
}

static int
pre_cmp(const void *a, const void *b)
{
	const struct plan_precheck *x = a, *y = b;
	int c = strcmp(x->instance_id, y->instance_id);

	/* Newest first within an id, so the first of a run is the one. */
	if (c == 0)
		c = x->checked_at > y->checked_at ? -1 :
		    x->checked_at < y->checked_at;
	return c;
}

int
plan_prechecks_load(struct plan_prechecks *pc, struct cache *c, char **err)
{
	struct cache_precheck *v = NULL;
	size_t n = 0, k, out = 0;

	memset(pc, 0, sizeof *pc);
	if (cache_prechecks_latest(c, &v, &n, err) != 0)
		return -1;
	if (n > 0)
		pc->v = xcalloc(n, sizeof *pc->v);
	for (k = 0; k < n; k++) {
		pc->v[k].instance_id = v[k].instance_id;
		v[k].instance_id = NULL;
		pc->v[k].reason = v[k].reason;
		v[k].reason = NULL;
		pc->v[k].checked_at = v[k].checked_at;
		pc->v[k].failed = v[k].failed;
	}
	cache_prechecks_free(v, n);
	if (n > 1)
		qsort(pc->v, n, sizeof *pc->v, pre_cmp);
	/* One per id: the newest. */
	for (k = 0; k < n; k++) {
		if (out > 0 && strcmp(pc->v[out - 1].instance_id,
		    pc->v[k].instance_id) == 0) {
			free(pc->v[k].instance_id);
			free(pc->v[k].reason);
			continue;
		}
		pc->v[out++] = pc->v[k];
	}
	pc->n = out;
	return 0;
}

void
plan_prechecks_done(struct plan_prechecks *pc)
{
	size_t k;

	for (k = 0; k < pc->n; k++) {
		free(pc->v[k].instance_id);
		free(pc->v[k].reason);
	}
	free(pc->v);
	memset(pc, 0, sizeof *pc);
}

const struct plan_precheck *
plan_precheck_of(const struct plan_prechecks *pc, const char *id)
{
	size_t lo = 0, hi, mid;
	int c;

	if (pc == NULL)
		return NULL;
	hi = pc->n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(pc->v[mid].instance_id, id);
		if (c == 0)
			return &pc->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

long
plan_precheck_failing(const struct plan *p, const struct plan_prechecks *pc)
{
	const struct plan_precheck *r;
	long failing = 0;
	int known = 0;
	size_t k;

	for (k = 0; k < p->p.n; k++) {
		if ((r = plan_precheck_of(pc, p->p.v[k].in->id)) == NULL)
			continue;
		known = 1;
		failing += r->failed != 0;
	}
	return known ? failing : PLAN_PRECHECK_UNKNOWN;
}

static int
row_cmp(const void *a, const void *b)
{
	const struct plan_window_row *x = a, *y = b;
	int gx = x->when == FLEET_WHEN_NONE ? 2 :
	    x->when == FLEET_WHEN_LATER ? 1 : 0;
	int gy = y->when == FLEET_WHEN_NONE ? 2 :
	    y->when == FLEET_WHEN_LATER ? 1 : 0;

	if (gx != gy)
		return gx - gy;
	if (gx < 2 && x->occ.start != y->occ.start)
		return x->occ.start < y->occ.start ? -1 : 1;
	return x->window < y->window ? -1 : x->window > y->window;
}

char *
plan_member_reason(const struct plan *p, const struct fleet_plan_member *m,
    const struct plan_prechecks *pc, char *buf, size_t size)
{
	const struct plan_precheck *r = plan_precheck_of(pc, m->in->id);
	size_t len;

	fleet_plan_reason_text(m, p->w->lead_min, buf, size);
	if (r == NULL || !r->failed)
		return buf;
	len = strlen(buf);
	snprintf(buf + len, size - len, "%spre-check failed: %s",
	    len > 0 ? "; " : "", r->reason);
	return buf;
}

void
plan_mark_prechecks(struct plan *p, const struct plan_prechecks *pc)
{
	const struct plan_precheck *r;
	size_t k;

	for (k = 0; k < p->p.n; k++) {
		r = plan_precheck_of(pc, p->p.v[k].in->id);
		p->p.v[k].precheck_failed = r != NULL && r->failed;
	}
	fleet_plan_sort(&p->p);
}

size_t
plan_overview(const struct inventory *inv, const struct config *cfg,
    const struct plan_prechecks *pc, long long now,
    struct plan_window_row **out)
{
	const char *wkey = cfg->tags.window != NULL ? cfg->tags.window :
	    "PatchWindow";
	struct fleet_plan_input *in;
	struct plan_window_row *rows;
	unsigned char *checked;
	struct fleet_plan_member m;
	const struct plan_precheck *r;
	const char *tag;
	int is_sorted;
	long w;
	size_t i;

	*out = NULL;
	if (cfg->nwindows == 0)
		return 0;
	rows = xcalloc(cfg->nwindows, sizeof *rows);
	in = xcalloc(cfg->nwindows, sizeof *in);
	checked = xcalloc(cfg->nwindows, 1);
	is_sorted = sorted(inv->exc.v, inv->exc.fetched_at > 0 ?
	    inv->exc.n : 0);
	for (i = 0; i < cfg->nwindows; i++) {
		rows[i].window = i;
		rows[i].when = fleet_window_when(&cfg->windows[i],
		    &cfg->zones[i], now, &rows[i].occ);
		fleet_window_when_text(&cfg->windows[i], &cfg->zones[i],
		    rows[i].when, &rows[i].occ, now, rows[i].when_text,
		    sizeof rows[i].when_text);
		if (rows[i].when != FLEET_WHEN_NONE)
			input_for(&in[i], inv, cfg, i, fleet_window_local_date(
			    &cfg->zones[i], rows[i].occ.start), rows[i].occ,
			    is_sorted);
	}
	/* One pass over the fleet for every window (a plan per window
	 * would read it once per window and sort every member). */
	for (i = 0; i < inv->n; i++) {
		const struct fleet_instance *inst = &inv->v[i];

		if ((tag = fleet_instance_tag(inst, wkey)) == NULL ||
		    (w = fleet_window_find(cfg->windows, cfg->nwindows,
		    tag)) < 0 || in[w].window == NULL)
			continue;
		fleet_plan_classify(&in[w], inst, &m);
		rows[w].members++;
		rows[w].offline += m.action == FLEET_PLAN_UNREACHABLE;
		rows[w].stopped += m.action == FLEET_PLAN_WAKE;
		rows[w].unapproved += m.unapproved_tag;
		rows[w].excepted += m.reason == FLEET_PLAN_R_EXCEPTION;
		rows[w].not_managed += m.reason == FLEET_PLAN_R_NOT_MANAGED;
		if ((r = plan_precheck_of(pc, inst->id)) != NULL) {
			checked[w] = 1;
			rows[w].precheck_failing += r->failed != 0;
		}
	}
	for (i = 0; i < cfg->nwindows; i++)
		if (!checked[i])
			rows[i].precheck_failing = PLAN_PRECHECK_UNKNOWN;
	free(checked);
	free(in);
	qsort(rows, cfg->nwindows, sizeof *rows, row_cmp);
	*out = rows;
	return cfg->nwindows;
}
