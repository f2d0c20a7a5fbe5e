/*
 * plan.c - see plan.h.
 */
#include "fleet/plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/util.h"

static const char *const action_names[FLEET_PLAN_NACTIONS] = {
	[FLEET_PLAN_UNREACHABLE] = "unreachable",
	[FLEET_PLAN_WAKE] = "wake",
	[FLEET_PLAN_EXCLUDED] = "excluded",
	[FLEET_PLAN_PATCH] = "patch",
};

const char *
fleet_plan_action_name(enum fleet_plan_action a)
{
	return a < FLEET_PLAN_NACTIONS ? action_names[a] : "?";
}

const char *
fleet_plan_reason_name(enum fleet_plan_reason r)
{
	switch (r) {
	case FLEET_PLAN_R_TERMINATED:
		return "terminated";
	case FLEET_PLAN_R_EXCEPTION:
		return "exception";
	case FLEET_PLAN_R_NOT_MANAGED:
		return "not_managed";
	case FLEET_PLAN_R_STOPPED:
		return "stopped";
	case FLEET_PLAN_R_SSM_OFFLINE:
		return "ssm_offline";
	case FLEET_PLAN_R_NONE:
		break;
	}
	return "";
}

const char *
fleet_plan_platform_name(enum fleet_plan_platform p)
{
	return p == FLEET_PLAT_WINDOWS ? "windows" : p == FLEET_PLAT_LINUX ?
	    "linux" : "other";
}

enum fleet_plan_platform
fleet_plan_platform_of(const char *platform)
{
	if (platform == NULL || *platform == '\0' ||
	    strcasecmp(platform, "linux") == 0)
		return FLEET_PLAT_LINUX;
	if (strcasecmp(platform, "windows") == 0)
		return FLEET_PLAT_WINDOWS;
	return FLEET_PLAT_OTHER;
}

/* The records that may be id's: [*first, *first + return). */
static size_t
records_of(const struct fleet_plan_input *in, const char *id, size_t *first)
{
	if (in->exceptions_sorted)
		return fleet_exceptions_of(in->exceptions, in->nexceptions, id,
		    first);
	*first = 0;
	return in->nexceptions;
}

/* The approved record of id that covers any date of [from, to], or
 * NULL. */
static const struct fleet_exception *
covering(const struct fleet_plan_input *in, const char *id,
    struct fleet_date from, struct fleet_date to)
{
	const struct fleet_exception *e;
	struct fleet_date s, t;
	size_t k, first, n = records_of(in, id, &first);

	for (k = first; k < first + n; k++) {
		e = &in->exceptions[k];
		if (e->instance_id == NULL || strcmp(e->instance_id, id) != 0)
			continue;
		if (!fleet_exception_is_approved(e, in->exception_max_days) ||
		    fleet_exception_dates(e, &s, &t) != 0)
			continue;
		if (fleet_date_cmp(s, to) <= 0 && fleet_date_cmp(t, from) >= 0)
			return e;
	}
	return NULL;
}

/* An exception tag that no approved record backs (or not a range). */
static int
unapproved_tag(const struct fleet_plan_input *in,
    const struct fleet_instance *i)
{
	const char *tag = fleet_instance_tag(i, in->exception_tag != NULL ?
	    in->exception_tag : "PatchException");
	struct fleet_date s, t;
	size_t k, first, n;

	if (tag == NULL)
		return 0;
	if (fleet_exception_range_parse(tag, &s, &t, NULL) != 0)
		return 1;
	if (!in->exceptions_known)
		return 0;
	n = records_of(in, i->id, &first);
	for (k = first; k < first + n; k++)
		if (fleet_exception_covers(&in->exceptions[k], i->id, s, t,
		    in->exception_max_days))
			return 0;
	return 1;
}

static int
member_cmp(const void *a, const void *b)
{
	const struct fleet_plan_member *x = a, *y = b;
	int c, rx, ry;

	if (x->action != y->action)
		return (int)x->action - (int)y->action;
	rx = x->unapproved_tag || x->precheck_failed;
	ry = y->unapproved_tag || y->precheck_failed;
	if (rx != ry)
		return rx ? -1 : 1;
	if ((c = strcmp(x->in->name, y->in->name)) != 0)
		return c;
	if ((c = strcmp(x->in->id, y->in->id)) != 0)
		return c;
	return strcmp(x->in->region, y->in->region);
}

void
fleet_plan_classify(const struct fleet_plan_input *in,
    const struct fleet_instance *inst, struct fleet_plan_member *m)
{
	struct fleet_date first, last;

	/* Every date the occurrence touches: the local date asked for and
	 * each UTC date from start to the last second before the end. */
	first = fleet_date_of_utc(in->occ.start);
	last = fleet_date_of_utc(in->occ.end > in->occ.start ?
	    in->occ.end - 1 : in->occ.start);
	if (fleet_date_cmp(in->date, first) < 0)
		first = in->date;
	if (fleet_date_cmp(in->date, last) > 0)
		last = in->date;
	memset(m, 0, sizeof *m);
	m->in = inst;
	m->platform = fleet_plan_platform_of(inst->platform);
	m->unapproved_tag = unapproved_tag(in, inst) ? 1 : 0;
	if (strcmp(inst->state, "terminated") == 0 ||
	    strcmp(inst->state, "shutting-down") == 0) {
		m->action = FLEET_PLAN_EXCLUDED;
		m->reason = FLEET_PLAN_R_TERMINATED;
	} else if ((m->exception = covering(in, inst->id, first, last)) !=
	    NULL) {
		m->action = FLEET_PLAN_EXCLUDED;
		m->reason = FLEET_PLAN_R_EXCEPTION;
	} else if (inst->ping[0] == '\0') {
		m->action = FLEET_PLAN_EXCLUDED;
		m->reason = FLEET_PLAN_R_NOT_MANAGED;
	} else if (strcmp(inst->state, "stopped") == 0 ||
	    strcmp(inst->state, "stopping") == 0) {
		m->action = FLEET_PLAN_WAKE;
		m->reason = FLEET_PLAN_R_STOPPED;
	} else if (strcmp(inst->ping, "Online") != 0) {
		m->action = FLEET_PLAN_UNREACHABLE;
		m->reason = FLEET_PLAN_R_SSM_OFFLINE;
	} else {
		m->action = FLEET_PLAN_PATCH;
	}
}

void
fleet_plan_build(const struct fleet_plan_input *in, struct fleet_plan *out)
{
	const char *wkey = in->window_tag != NULL ? in->window_tag :
	    "PatchWindow";
	size_t i;

	memset(out, 0, sizeof *out);
	for (i = 0; i < in->ninstances; i++) {
		const struct fleet_instance *inst = &in->instances[i];
		const char *tag = fleet_instance_tag(inst, wkey);
		struct fleet_plan_member *m;

		if (tag == NULL || strcmp(tag, in->window->id) != 0)
			continue;
		if (out->n % 64 == 0)
			out->v = xreallocarray(out->v, out->n + 64,
			    sizeof *out->v);
		m = &out->v[out->n++];
		fleet_plan_classify(in, inst, m);
		out->actions[m->action]++;
		out->platforms[m->platform]++;
		if (m->action == FLEET_PLAN_PATCH ||
		    m->action == FLEET_PLAN_WAKE)
			out->to_patch[m->platform]++;
		if (m->unapproved_tag)
			out->unapproved++;
	}
	fleet_plan_sort(out);
}

void
fleet_plan_sort(struct fleet_plan *p)
{
	if (p->n > 1)
		qsort(p->v, p->n, sizeof *p->v, member_cmp);
}

void
fleet_plan_done(struct fleet_plan *p)
{
	free(p->v);
	memset(p, 0, sizeof *p);
}

char *
fleet_plan_reason_text(const struct fleet_plan_member *m, int lead_min,
    char *buf, size_t size)
{
	const struct fleet_exception *e = m->exception;
	char when[64];

	switch (m->reason) {
	case FLEET_PLAN_R_TERMINATED:
		snprintf(buf, size, "%s", m->in->state);
		break;
	case FLEET_PLAN_R_EXCEPTION:
		snprintf(buf, size, "exception %s approved %s..%s: %s",
		    e->exception_id != NULL ? e->exception_id : "",
		    e->starts != NULL ? e->starts : "",
		    e->ends != NULL ? e->ends : "",
		    e->reason != NULL ? e->reason : "");
		break;
	case FLEET_PLAN_R_NOT_MANAGED:
		snprintf(buf, size, "not managed by SSM");
		break;
	case FLEET_PLAN_R_STOPPED:
		snprintf(buf, size, "%s: started %d min before the window",
		    m->in->state, lead_min);
		break;
	case FLEET_PLAN_R_SSM_OFFLINE:
		if (m->in->last_ping > 0) {
			struct fleet_date d = fleet_date_of_utc(
			    m->in->last_ping);
			long long sod = m->in->last_ping -
			    fleet_date_to_days(d) * 86400;

			snprintf(when, sizeof when, "%04d-%02d-%02d %02lld:"
			    "%02lld UTC", d.year, d.month, d.day, sod / 3600,
			    sod % 3600 / 60);
		} else {
			snprintf(when, sizeof when, "never");
		}
		snprintf(buf, size, "SSM %s, last ping %s", m->in->ping, when);
		break;
	case FLEET_PLAN_R_NONE:
		snprintf(buf, size, "%s", m->unapproved_tag ?
		    "exception tag not approved: patched anyway" : "");
		break;
	}
	return buf;
}

enum fleet_window_when
fleet_window_when(const struct fleet_window *w, const struct fleet_tz *tz,
    long long now, struct fleet_occurrence *occ)
{
	struct fleet_tz utc;
	int rc;

	fleet_tz_utc(&utc);
	rc = fleet_window_current_or_next(w, tz != NULL ? tz : &utc, now,
	    &occ->start, &occ->end, NULL);
	fleet_tz_done(&utc);
	if (rc != 0) {
		occ->start = occ->end = 0;
		return FLEET_WHEN_NONE;
	}
	if (occ->start <= now)
		return FLEET_WHEN_RUNNING;
	if (occ->start - now <= FLEET_SOON_SECONDS)
		return FLEET_WHEN_SOON;
	return FLEET_WHEN_LATER;
}

/* "1 h 40 min", "40 min", "less than a minute"; minutes rounded up, so
 * "opens in 1 min" until it opens. */
static void
span(long long s, char *buf, size_t size)
{
	long long m = (s + 59) / 60;

	if (s <= 0)
		snprintf(buf, size, "less than a minute");
	else if (m < 60)
		snprintf(buf, size, "%lld min", m);
	else if (m % 60 == 0)
		snprintf(buf, size, "%lld h", m / 60);
	else
		snprintf(buf, size, "%lld h %lld min", m / 60, m % 60);
}

char *
fleet_window_when_text(const struct fleet_window *w,
    const struct fleet_tz *tz, enum fleet_window_when when,
    const struct fleet_occurrence *occ, long long now, char *buf,
    size_t size)
{
	static const char *const wd[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	char s[48], place[64];
	const char *name = w->tz_name != NULL && *w->tz_name != '\0' ?
	    w->tz_name : "UTC", *slash;
	struct fleet_date d;
	long sod = 0;
	size_t k;

	switch (when) {
	case FLEET_WHEN_NONE:
		snprintf(buf, size, "no occurrence");
		break;
	case FLEET_WHEN_RUNNING:
		span(occ->end - now, s, sizeof s);
		snprintf(buf, size, "running, %s left", s);
		break;
	case FLEET_WHEN_SOON:
		span(occ->start - now, s, sizeof s);
		snprintf(buf, size, "opens in %s", s);
		break;
	case FLEET_WHEN_LATER:
		if ((slash = strrchr(name, '/')) != NULL)
			name = slash + 1;
		snprintf(place, sizeof place, "%s", name);
		for (k = 0; place[k] != '\0'; k++)
			if (place[k] == '_')
				place[k] = ' ';
		if (tz != NULL)
			fleet_tz_to_local(tz, occ->start, &d.year, &d.month,
			    &d.day, &sod);
		else {
			d = fleet_date_of_utc(occ->start);
			sod = (long)(occ->start - fleet_date_to_days(d) *
			    86400);
		}
		/* A weekday alone is right for the coming week only. */
		if (occ->start - now < 6 * 86400)
			snprintf(buf, size, "next %s %02ld:%02ld %s",
			    wd[fleet_date_weekday(d)], sod / 3600,
			    sod % 3600 / 60, place);
		else
			snprintf(buf, size, "%s %d %s %02ld:%02ld %s",
			    wd[fleet_date_weekday(d)], d.day,
			    mon[d.month - 1], sod / 3600, sod % 3600 / 60,
			    place);
		break;
	}
	return buf;
}
