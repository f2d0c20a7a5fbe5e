/*
 * exsync.c - the exception sync plan (exsync.h): pure, no I/O.
 *
 * 20,000 records over 50,000 instances: the records are sorted by
 * instance id once and each instance finds its own by binary search, so
 * the plan is O((n + m) log m), not n x m.
 */
#include "ops/exsync.h"

#include <stdlib.h>
#include <string.h>

#include "util/escape.h"
#include "util/util.h"

const char *
exsync_kind_name(enum exsync_kind kind)
{
	switch (kind) {
	case EXSYNC_SET:
		return "set";
	case EXSYNC_CHANGE:
		return "change";
	case EXSYNC_REMOVE:
		return "remove";
	}
	return "?";
}

static const char *
nz(const char *s)
{
	return s != NULL ? s : "";
}

/* Index of the first record of id in sorted v[0..n), or n. */
static size_t
first_rec(const struct fleet_exception *const *v, size_t n, const char *id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(nz(v[mid]->instance_id), id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Instances given twice (id, account, region) count once: sorted indices
 * mark the later ones. */
static const struct fleet_instance *const *dup_insts;

static int
cmp_inst(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	const struct fleet_instance *p = dup_insts[x], *q = dup_insts[y];
	int c;

	if ((c = strcmp(p->id, q->id)) != 0)
		return c;
	if ((c = strcmp(p->account, q->account)) != 0)
		return c;
	if ((c = strcmp(p->region, q->region)) != 0)
		return c;
	return x < y ? -1 : x > y;
}

static unsigned char *
mark_duplicates(const struct fleet_instance *const *insts, size_t n)
{
	unsigned char *dup = xcalloc(n + 1, 1);
	size_t *ix = xcalloc(n + 1, sizeof *ix);
	size_t k;

	for (k = 0; k < n; k++)
		ix[k] = k;
	dup_insts = insts;
	qsort(ix, n, sizeof *ix, cmp_inst);
	dup_insts = NULL;
	for (k = 1; k < n; k++) {
		const struct fleet_instance *p = insts[ix[k - 1]];
		const struct fleet_instance *q = insts[ix[k]];

		if (strcmp(p->id, q->id) == 0 &&
		    strcmp(p->account, q->account) == 0 &&
		    strcmp(p->region, q->region) == 0)
			dup[ix[k]] = 1;
	}
	free(ix);
	return dup;
}

/* Of two live records, the one that wins (exsync.h). */
static int
better(const struct fleet_exception *e, struct fleet_date es,
    struct fleet_date ee, const struct fleet_exception *best,
    struct fleet_date bs, struct fleet_date be)
{
	int c;

	if (best == NULL)
		return 1;
	if ((c = fleet_date_cmp(ee, be)) != 0)
		return c > 0;
	if ((c = fleet_date_cmp(es, bs)) != 0)
		return c < 0;
	return strcmp(nz(e->exception_id), nz(best->exception_id)) < 0;
}

/* A revoked record excuses the removal of its tag only when it was a real
 * approval: a REVOKED record written by hand must not silence the alert. */
static int
revoked_covers(const struct fleet_exception *e, struct fleet_date s,
    struct fleet_date t, int max_days)
{
	struct fleet_date a, b;

	if (e->status == NULL || strcmp(e->status, "REVOKED") != 0 ||
	    fleet_exception_check(e, max_days, NULL, 0) != 0 ||
	    fleet_exception_dates(e, &a, &b) != 0)
		return 0;
	return fleet_date_cmp(a, s) <= 0 && fleet_date_cmp(t, b) <= 0;
}

static const struct exsync_change *sort_changes;

/* By target, region, then CreateTags by value before DeleteTags, then
 * instance order. */
static int
cmp_group(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	const struct exsync_change *p = &sort_changes[x], *q = &sort_changes[y];
	int c, pr = p->kind == EXSYNC_REMOVE, qr = q->kind == EXSYNC_REMOVE;

	if ((c = strcmp(p->target, q->target)) != 0 ||
	    (c = strcmp(p->inst->region, q->inst->region)) != 0)
		return c;
	if (pr != qr)
		return pr - qr;
	if ((c = strcmp(p->value, q->value)) != 0)
		return c;
	return x < y ? -1 : x > y;
}

/* By instance id, then exception id: the invalid records' order. */
static int
cmp_rec_id(const void *a, const void *b)
{
	const struct fleet_exception *x =
	    *(const struct fleet_exception *const *)a;
	const struct fleet_exception *y =
	    *(const struct fleet_exception *const *)b;
	int c = strcmp(nz(x->instance_id), nz(y->instance_id));

	return c != 0 ? c : strcmp(nz(x->exception_id), nz(y->exception_id));
}

/* Lists the records that fail the check, in v's order (v sorted). */
static void
list_invalid(const struct fleet_exception *const *v, size_t nrecs,
    int max_days, struct exsync_plan *plan)
{
	char why[FLEET_EXCEPTION_WHY_LEN];
	size_t i, cap = 0;

	for (i = 0; i < nrecs; i++) {
		if (fleet_exception_check(v[i], max_days, why, sizeof why) == 0)
			continue;
		if (plan->ninvalid == cap) {
			cap = cap ? cap * 2 : 16;
			plan->invalid = xreallocarray(plan->invalid, cap,
			    sizeof *plan->invalid);
		}
		plan->invalid[plan->ninvalid].record = v[i];
		memcpy(plan->invalid[plan->ninvalid].why, why, sizeof why);
		plan->ninvalid++;
	}
}

void
exsync_plan_build(const struct fleet_exception *recs, size_t nrecs,
    const struct fleet_instance *const *insts, const char *const *targets,
    size_t n, struct fleet_date today, int max_days, const char *key,
    size_t max_ids, struct exsync_plan *plan)
{
	const struct fleet_exception **v;
	unsigned char *dup, *used;
	struct tagging_item *items;
	size_t k, i, cap = 0, *order;

	memset(plan, 0, sizeof *plan);
	v = xcalloc(nrecs + 1, sizeof *v);
	for (k = 0; k < nrecs; k++)
		v[k] = &recs[k];
	/* By instance, then id: lookups need the first, the list of
	 * invalid records reads better with the second. */
	qsort(v, nrecs, sizeof *v, cmp_rec_id);
	list_invalid(v, nrecs, max_days, plan);
	used = xcalloc(nrecs + 1, 1);
	dup = mark_duplicates(insts, n);

	for (k = 0; k < n; k++) {
		const struct fleet_instance *in = insts[k];
		const struct fleet_exception *best = NULL;
		struct fleet_date bs = { 0, 0, 0 }, be = { 0, 0, 0 };
		struct fleet_date ts, te;
		const char *old;
		int tag_ok, covered = 0, revoked = 0;
		struct exsync_change *c;
		char want[FLEET_EXCEPTION_RANGE_LEN + 1];

		if (dup[k] || strcmp(in->state, "terminated") == 0)
			continue;
		old = fleet_instance_tag(in, key);
		tag_ok = old != NULL &&
		    fleet_exception_range_parse(old, &ts, &te, NULL) == 0;
		for (i = first_rec(v, nrecs, in->id);
		    i < nrecs && strcmp(nz(v[i]->instance_id), in->id) == 0;
		    i++) {
			const struct fleet_exception *e = v[i];
			struct fleet_date es, ee;

			used[i] = 1;
			if (tag_ok && !covered)
				covered = fleet_exception_covers(e, in->id,
				    ts, te, max_days);
			if (tag_ok && !revoked)
				revoked = revoked_covers(e, ts, te, max_days);
			if (!fleet_exception_is_live(e, today, max_days) ||
			    fleet_exception_dates(e, &es, &ee) != 0)
				continue;
			if (better(e, es, ee, best, bs, be)) {
				best = e;
				bs = es;
				be = ee;
			}
		}
		if (best != NULL) {
			plan->nlive++;
			fleet_exception_range_format(bs, be, want, sizeof want);
			if (old != NULL && strcmp(old, want) == 0)
				continue;
		} else if (old == NULL) {
			continue;
		}
		if (plan->nchanges == cap) {
			cap = cap ? cap * 2 : 64;
			plan->changes = xreallocarray(plan->changes, cap,
			    sizeof *plan->changes);
		}
		c = &plan->changes[plan->nchanges++];
		memset(c, 0, sizeof *c);
		c->inst = in;
		c->target = targets[k];
		c->old_value = old;
		c->record = best;
		if (best == NULL) {
			c->kind = EXSYNC_REMOVE;
			plan->nremove++;
		} else {
			memcpy(c->value, want, sizeof want);
			c->kind = old == NULL ? EXSYNC_SET : EXSYNC_CHANGE;
			if (old == NULL)
				plan->nset++;
			else
				plan->nchange++;
		}
		if (old != NULL && !covered && !revoked) {
			c->unapproved = 1;
			plan->nunapproved++;
		}
	}
	for (i = 0; i < nrecs; i++)
		if (!used[i])
			plan->norphan_records++;

	/* Items in group order (target, region, values, then removals): the
	 * calls come out in that order, and tagging_plan_build, which looks
	 * for an item's call from the last one backwards, finds it at once
	 * instead of walking a thousand calls per item. */
	order = xcalloc(plan->nchanges + 1, sizeof *order);
	for (k = 0; k < plan->nchanges; k++)
		order[k] = k;
	sort_changes = plan->changes;
	qsort(order, plan->nchanges, sizeof *order, cmp_group);
	sort_changes = NULL;
	items = xcalloc(plan->nchanges + 1, sizeof *items);
	for (k = 0; k < plan->nchanges; k++) {
		const struct exsync_change *c = &plan->changes[order[k]];

		items[k].id = c->inst->id;
		items[k].target = c->target;
		items[k].region = c->inst->region;
		items[k].value = c->kind == EXSYNC_REMOVE ? NULL : c->value;
	}
	tagging_plan_build(items, plan->nchanges, key, max_ids, &plan->calls);
	free(items);
	free(order);
	free(dup);
	free(used);
	free(v);
}

void
exsync_plan_free(struct exsync_plan *plan)
{
	free(plan->changes);
	free(plan->invalid);
	tagging_plan_free(&plan->calls);
	memset(plan, 0, sizeof *plan);
}

static void
put_esc(struct buf *b, const char *s)
{
	s = nz(s);
	esc_append(b, s, strlen(s), 1, 0);
}

int
exsync_alert_text(const struct exsync_plan *plan, const char *key,
    const char *owner_key, char **subject, char **body)
{
	struct buf b;
	size_t k;

	if (plan->nunapproved == 0 && plan->ninvalid == 0)
		return -1;
	if (plan->ninvalid == 0)
		*subject = xasprintf("patchdeck: %zu %s an unapproved patch "
		    "exception", plan->nunapproved, plan->nunapproved == 1 ?
		    "instance carries" : "instances carry");
	else if (plan->nunapproved == 0)
		*subject = xasprintf("patchdeck: %zu invalid exception "
		    "record%s", plan->ninvalid, plan->ninvalid == 1 ? "" :
		    "s");
	else
		*subject = xasprintf("patchdeck: %zu unapproved patch "
		    "exception tag%s, %zu invalid record%s", plan->nunapproved,
		    plan->nunapproved == 1 ? "" : "s", plan->ninvalid,
		    plan->ninvalid == 1 ? "" : "s");
	buf_init(&b);
	if (plan->nunapproved > 0)
		buf_printf(&b, "%zu instance(s) carry a %s tag that no "
		    "approved exception record covers.\nThe tag follows the "
		    "approvals, so patchdeck exceptions sync took it off\n(or "
		    "set it to the approved range); these instances will be "
		    "patched in their\nwindow unless an exception is requested "
		    "and approved.\n\n", plan->nunapproved, key);
	for (k = 0; k < plan->nchanges; k++) {
		const struct exsync_change *c = &plan->changes[k];
		const char *owner;

		if (!c->unapproved)
			continue;
		owner = fleet_instance_tag(c->inst, owner_key);
		put_esc(&b, c->inst->id);
		buf_puts(&b, "  name=");
		put_esc(&b, c->inst->name);
		buf_puts(&b, "  account=");
		put_esc(&b, c->inst->account);
		buf_puts(&b, "  region=");
		put_esc(&b, c->inst->region);
		buf_printf(&b, "  %s=", key);
		put_esc(&b, c->old_value);
		buf_printf(&b, "  %s=", owner_key);
		put_esc(&b, owner != NULL ? owner : "(none)");
		if (c->kind == EXSYNC_REMOVE)
			buf_puts(&b, "  -> removed\n");
		else
			buf_printf(&b, "  -> changed to %s\n", c->value);
	}
	if (plan->ninvalid > 0)
		buf_printf(&b, "%s%zu exception record(s) in the table are "
		    "invalid: none of them keeps an\ninstance out of the run "
		    "or backs a %s tag.  Someone may have written\nthe table "
		    "by hand; see who in CloudTrail.\n\n", plan->nunapproved ?
		    "\n" : "", plan->ninvalid, key);
	for (k = 0; k < plan->ninvalid; k++) {
		const struct fleet_exception *e = plan->invalid[k].record;

		put_esc(&b, e->exception_id);
		buf_puts(&b, "  instance=");
		put_esc(&b, e->instance_id);
		buf_puts(&b, "  status=");
		put_esc(&b, e->status);
		buf_puts(&b, "  requested_by=");
		put_esc(&b, e->requested_by);
		buf_puts(&b, "  decided_by=");
		put_esc(&b, e->decided_by);
		buf_printf(&b, "  -> invalid: %s\n", plan->invalid[k].why);
	}
	*body = buf_steal(&b);
	return 0;
}
