/*
 * tagstate.c - see tagstate.h.
 */
#include "fleet/tagstate.h"

#include <string.h>
#include <strings.h>

#include "util/util.h"

const struct fleet_tag_names fleet_tag_names_default = {
	.window = "PatchWindow",
	.exception = "PatchException",
	.patch_now = "ssm-patch-now",
	.last_patched = "LastPatched",
	.owner = "Owner",
	.started_for = "patchdeck:started-for",
};

static const char *
name_or(const char *configured, const char *def)
{
	return configured != NULL ? configured : def;
}

static const char *
id_of(const struct fleet_exception *e)
{
	return e->instance_id != NULL ? e->instance_id : "";
}

static void
eval_window(const struct fleet_tag_ctx *ctx, const char *id,
    struct fleet_tag_status *st)
{
	const struct fleet_tz *zone = NULL;
	struct fleet_tz utc;

	st->window_id = id;
	st->window = -1;
	if (id == NULL || *id == '\0')
		return;
	st->window = fleet_window_find(ctx->windows, ctx->nwindows, id);
	if (st->window < 0)
		return;
	if (ctx->next != NULL && ctx->has_next != NULL) {
		st->has_next = ctx->has_next[st->window];
		st->next_start = ctx->next[st->window].start;
		st->next_end = ctx->next[st->window].end;
		return;
	}
	if (ctx->zones != NULL)
		zone = ctx->zones[st->window];
	if (zone == NULL) {
		/* UTC without fleet_tz_utc(): no allocation per instance. */
		memset(&utc, 0, sizeof utc);
		utc.has_rule = 1;
		zone = &utc;
	}
	st->has_next = fleet_window_current_or_next(&ctx->windows[st->window],
	    zone, ctx->now, &st->next_start, &st->next_end, NULL) == 0;
}

void
fleet_tag_ctx_prepare(struct fleet_tag_ctx *ctx, struct fleet_occurrence *next,
    unsigned char *has_next)
{
	struct fleet_tag_ctx plain = *ctx;
	struct fleet_tag_status st;
	size_t i;

	plain.next = NULL;
	plain.has_next = NULL;
	for (i = 0; i < ctx->nwindows; i++) {
		memset(&st, 0, sizeof st);
		eval_window(&plain, ctx->windows[i].id, &st);
		has_next[i] = st.has_next ? 1 : 0;
		next[i].start = st.next_start;
		next[i].end = st.next_end;
	}
	ctx->next = next;
	ctx->has_next = has_next;
	ctx->sorted = NULL;
	for (i = 1; i < ctx->nexceptions; i++) {
		if (strcmp(id_of(&ctx->exceptions[i - 1]),
		    id_of(&ctx->exceptions[i])) > 0)
			return;
	}
	ctx->sorted = ctx->exceptions;
	ctx->nsorted = ctx->nexceptions;
}

/*
 * The records that may be inst's: [*begin, *end) of ctx->exceptions.
 * Sorted records (the cache gives them so): a binary search, as 50,000
 * instances against 20,000 records one by one is a billion compares.
 * Otherwise all of them; callers check the id either way.
 */
static void
exceptions_of(const struct fleet_tag_ctx *ctx, const char *id,
    size_t *begin, size_t *end)
{
	size_t n;

	*begin = 0;
	*end = ctx->nexceptions;
	/* Checked by fleet_tag_ctx_prepare(), and not changed since. */
	if (ctx->sorted == NULL || ctx->sorted != ctx->exceptions ||
	    ctx->nsorted != ctx->nexceptions || id == NULL)
		return;
	n = fleet_exceptions_of(ctx->exceptions, ctx->nexceptions, id,
	    begin);
	*end = *begin + n;
}

static void
eval_exception(const struct fleet_tag_ctx *ctx,
    const struct fleet_instance *inst, const char *value,
    struct fleet_date today, struct fleet_tag_status *st)
{
	const struct fleet_exception *e, *live = NULL, *soon = NULL;
	struct fleet_date s, t;
	size_t k, begin, end;

	if (value != NULL) {
		st->exception_tagged = 1;
		if (fleet_exception_range_parse(value, &s, &t, NULL) != 0) {
			st->exception_malformed = 1;
			st->exception = TS_EXCEPTED_UNAPPROVED;
			return;
		}
		st->has_exception_range = 1;
		st->exception_starts = s;
		st->exception_ends = t;
		if (ctx->exceptions_known) {
			exceptions_of(ctx, inst->id, &begin, &end);
			for (k = begin; k < end; k++) {
				e = &ctx->exceptions[k];
				if (fleet_exception_covers(e, inst->id, s, t,
				    ctx->exception_max_days)) {
					st->exception_record = e;
					break;
				}
			}
			if (st->exception_record == NULL) {
				st->exception = TS_EXCEPTED_UNAPPROVED;
				return;
			}
		}
		if (fleet_date_cmp(today, s) < 0)
			st->exception = TS_EXCEPTED_UPCOMING;
		else if (fleet_date_cmp(today, t) > 0)
			st->exception = TS_EXCEPTED_EXPIRED;
		else
			st->exception = TS_EXCEPTED_LIVE;
		return;
	}
	if (!ctx->exceptions_known || inst->id == NULL)
		return;
	/* No tag yet (sync has not run): the records still decide the run,
	 * which checks them right before sending, so they decide the state. */
	exceptions_of(ctx, inst->id, &begin, &end);
	for (k = begin; k < end; k++) {
		e = &ctx->exceptions[k];
		if (e->instance_id == NULL || strcmp(e->instance_id, inst->id) ||
		    !fleet_exception_is_approved(e,
		    ctx->exception_max_days) ||
		    fleet_exception_dates(e, &s, &t) != 0)
			continue;
		if (fleet_exception_is_live(e, today,
		    ctx->exception_max_days)) {
			live = e;
			break;
		}
		if (fleet_date_cmp(today, s) < 0 && (soon == NULL ||
		    strcmp(e->starts, soon->starts) < 0))
			soon = e;
	}
	e = live != NULL ? live : soon;
	if (e == NULL)
		return;
	fleet_exception_dates(e, &st->exception_starts, &st->exception_ends);
	st->has_exception_range = 1;
	st->exception_record = e;
	st->exception = live != NULL ? TS_EXCEPTED_LIVE : TS_EXCEPTED_UPCOMING;
}

static void
eval_patch_age(const struct fleet_tag_ctx *ctx,
    const struct fleet_instance *inst, const char *value,
    struct fleet_date today, struct fleet_tag_status *st)
{
	int stale_days = ctx->stale_days > 0 ? ctx->stale_days :
	    FLEET_STALE_DAYS_DEFAULT;
	long long t;
	long age;

	st->days_since_patch = -1;
	if (value != NULL && fleet_date_parse_iso8601(value, &t) == 0) {
		st->last_patched_known = 1;
		st->last_patched = t;
		age = fleet_days_between(fleet_date_of_utc(t), today);
		/* A patch time in the future is clock skew, not news. */
		st->days_since_patch = age < 0 ? 0 : age;
		st->stale = age > stale_days;
		return;
	}
	st->last_patched_malformed = value != NULL;
	/* Never patched (or unreadable): an instance launched longer ago
	 * than the stale age has gone that long unpatched as far as we can
	 * tell; a new one has not. */
	if (inst->launch_time != NULL &&
	    fleet_date_parse_iso8601(inst->launch_time, &t) == 0)
		st->stale = fleet_days_between(fleet_date_of_utc(t), today) >
		    stale_days;
}

void
fleet_tag_state_eval(const struct fleet_tag_ctx *ctx,
    const struct fleet_instance *inst, struct fleet_tag_status *st)
{
	const struct fleet_tag_names *n = ctx->names != NULL ? ctx->names :
	    &fleet_tag_names_default;
	const struct fleet_tag_names *d = &fleet_tag_names_default;
	struct fleet_date today = fleet_date_of_utc(ctx->now);
	long recent = (ctx->recent_hours > 0 ? ctx->recent_hours :
	    FLEET_RECENT_HOURS_DEFAULT) * 3600L;

	const char *want[6], *got[6] = { NULL };
	size_t k, w;

	memset(st, 0, sizeof *st);
	/* One pass over the tags for the six names, not six: at 100,000
	 * instances of ten tags each, the lookups were most of the cost. */
	want[0] = name_or(n->patch_now, d->patch_now);
	want[1] = name_or(n->started_for, d->started_for);
	want[2] = name_or(n->owner, d->owner);
	want[3] = name_or(n->window, d->window);
	want[4] = name_or(n->exception, d->exception);
	want[5] = name_or(n->last_patched, d->last_patched);
	for (k = 0; k < inst->ntags; k++) {
		const char *key = inst->tags[k].key;

		/* A row built by hand may carry NULLs, and a state must come
		 * out whatever the row holds: a NULL value reads as "". */
		if (key == NULL)
			continue;
		for (w = 0; w < 6; w++) {
			if (got[w] == NULL && key[0] == want[w][0] &&
			    strcmp(key, want[w]) == 0) {
				got[w] = inst->tags[k].value != NULL ?
				    inst->tags[k].value : "";
			}
		}
	}
	st->run_id = got[0];
	st->started_for = got[1];
	st->owner = got[2];
	eval_window(ctx, got[3], st);
	eval_exception(ctx, inst, got[4], today, st);
	eval_patch_age(ctx, inst, got[5], today, st);

	if (st->run_id != NULL)
		st->state = TS_IN_RUN;
	else if (st->exception == TS_EXCEPTED_UNAPPROVED ||
	    st->exception == TS_EXCEPTED_LIVE)
		st->state = (enum fleet_tag_state)st->exception;
	else if (st->window_id == NULL || *st->window_id == '\0')
		st->state = TS_NO_WINDOW;
	else if (st->window < 0)
		st->state = TS_UNKNOWN_WINDOW;
	else if (st->stale)
		st->state = TS_STALE;
	else if (st->exception != 0)
		st->state = (enum fleet_tag_state)st->exception;
	else if (st->last_patched_known && ctx->now - st->last_patched >= 0 &&
	    ctx->now - st->last_patched < recent)
		st->state = TS_PATCHED_RECENTLY;
	else
		st->state = TS_SCHEDULED;
}

const char *
fleet_tag_state_name(enum fleet_tag_state state)
{
	switch (state) {
	case TS_NO_WINDOW:
		return "no window";
	case TS_UNKNOWN_WINDOW:
		return "unknown window";
	case TS_SCHEDULED:
		return "scheduled";
	case TS_EXCEPTED_LIVE:
		return "excepted";
	case TS_EXCEPTED_UPCOMING:
		return "exception upcoming";
	case TS_EXCEPTED_EXPIRED:
		return "exception expired";
	case TS_EXCEPTED_UNAPPROVED:
		return "unapproved exception";
	case TS_IN_RUN:
		return "in run";
	case TS_PATCHED_RECENTLY:
		return "patched";
	case TS_STALE:
		return "stale";
	}
	return "unknown";
}

int
fleet_tag_state_from_prefix(const char *s, enum fleet_tag_state *out,
    char **err)
{
	const char *names[TS_STALE + 1];
	struct buf b;
	size_t i, hit = 0, n;
	int ambiguous;

	for (i = 0; i <= TS_STALE; i++)
		names[i] = fleet_tag_state_name((enum fleet_tag_state)i);
	n = util_prefix_pick(names, TS_STALE + 1, s, strlen(s), &hit);
	if (n == 1) {
		*out = (enum fleet_tag_state)hit;
		return 0;
	}
	/* The candidates, or every label: what to type instead. */
	ambiguous = n > 1;
	buf_init(&b);
	for (i = 0; i <= TS_STALE; i++) {
		if (ambiguous && strncasecmp(names[i], s, strlen(s)) != 0)
			continue;
		buf_printf(&b, "%s%s", b.len > 0 ? ", " : "", names[i]);
	}
	if (ambiguous)
		*err = xasprintf("tag state '%s' is ambiguous: %s", s, b.data);
	else
		*err = xasprintf("unknown tag state '%s'; one of: %s", s,
		    b.data);
	buf_free(&b);
	return -1;
}
