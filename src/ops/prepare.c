/*
 * prepare.c - see prepare.h: the handle and the listing (prepare_run.c
 * has the run).
 */
#include "ops/prepare.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/awserr.h"
#include "aws/ec2.h"
#include "aws/net.h"
#include "fleet/tz.h"
#include "fleet/window.h"
#include "ops/audit.h"
#include "ops/config.h"
#include "ops/fanout.h"
#include "ops/prepare_int.h"
#include "util/util.h"

/* --- small things ------------------------------------------------- */

void
prepare_say(struct prepare *p, const char *fmt, ...)
{
	va_list ap;
	char *line;

	if (p->progress == NULL)
		return;
	va_start(ap, fmt);
	line = xvasprintf(fmt, ap);
	va_end(ap);
	p->progress(p->arg, line);
	free(line);
}

const char *
prepare_cmd(const struct prepare *p)
{
	return p->undo ? "prepare --undo" : "prepare";
}

static void
deliver(void *arg)
{
	struct prepare *p = arg;

	p->timer = NULL;
	p->done(p->arg, p->rc, p->err);
}

void
prepare_finish_step(struct prepare *p, int rc, char *err)
{
	p->rc = rc;
	free(p->err);
	p->err = err;
	p->timer = net_timer_add(p->net, 0, deliver, p);
}

static void
member_done(struct prepare_member *m)
{
	free(m->id);
	free(m->slot);
	free(m->state);
	free(m->ping);
	free(m->error);
}

/* --- new, free, getters ------------------------------------------- */

struct prepare *
prepare_new(const struct prepare_opts *o, char **err)
{
	struct prepare *p;
	struct fleet_date d;
	long wi;
	long long start = 0, end = 0;

	if (o->window == NULL || o->window[0] == '\0') {
		util_seterr(err, "no window named");
		return NULL;
	}
	wi = fleet_window_find(o->cfg->windows, o->cfg->nwindows, o->window);
	if (wi < 0 && !o->undo) {
		util_seterr(err, "window '%s' is not in the configuration",
		    o->window);
		return NULL;
	}
	if (o->date != NULL && fleet_date_parse(o->date, &d) != 0) {
		util_seterr(err, "date '%s' is not YYYY-MM-DD", o->date);
		return NULL;
	}
	p = xcalloc(1, sizeof *p);
	p->cfg = o->cfg;
	p->profile = o->profile != NULL ? xstrdup(o->profile) : NULL;
	p->region = o->region != NULL ? xstrdup(o->region) : NULL;
	p->window = xstrdup(o->window);
	p->undo = o->undo;
	p->now = o->now != 0 ? o->now : (long long)time(NULL);
	p->exc = o->exceptions;
	p->nexc = o->nexceptions;
	p->timeout_s = o->timeout_s > 0 ? o->timeout_s :
	    o->cfg->prepare_timeout_s > 0 ? o->cfg->prepare_timeout_s : 600;
	if (o->date == NULL && !o->undo) {
		const struct fleet_window *w = &o->cfg->windows[wi];
		const struct fleet_tz *tz = &o->cfg->zones[wi];

		if (fleet_window_current_or_next(w, tz, p->now, &start, &end,
		    err) != 0) {
			prepare_free(p);
			return NULL;
		}
		d = fleet_window_local_date(tz, start);
	} else if (o->date != NULL && wi >= 0 && !o->undo &&
	    fleet_window_occurrence_on(&o->cfg->windows[wi], &o->cfg->zones[wi],
	    d, &start, &end, err) != 0) {
		prepare_free(p);
		return NULL;
	}
	if (!o->undo) {
		p->occ_start = start;
		p->occ_end = end;
	}
	if (o->date != NULL || !o->undo) {
		p->d = d;
		fleet_date_format(d, p->date, sizeof p->date);
		p->tag = fleet_wake_tag_format(p->window, d);
		if (p->tag == NULL) {
			util_seterr(err, "window id '%s' is too long for a tag "
			    "value", p->window);
			prepare_free(p);
			return NULL;
		}
	}
	return p;
}

void
prepare_free(struct prepare *p)
{
	size_t i;

	if (p == NULL)
		return;
	if (p->action_id != NULL && !p->result_written)
		prepare_write_result(p, "abandoned");
	for (i = 0; i < p->n; i++)
		member_done(&p->m[i]);
	free(p->m);
	free(p->change_ids);
	for (i = 0; i < p->ndates; i++)
		free(p->dates[i]);
	free(p->dates);
	if (p->callers != NULL)
		for (i = 0; i < fanout_count(p->fan); i++)
			free(p->callers[i]);
	free(p->callers);
	fanout_free(p->fan);
	audit_close(p->log);
	free(p->action_id);
	free(p->list_err);
	free(p->err);
	free(p->tag);
	free(p->window);
	free(p->profile);
	free(p->region);
	free(p);
}

const struct prepare_member *
prepare_members(const struct prepare *p, size_t *n)
{
	*n = p->n;
	return p->m;
}

size_t
prepare_count(const struct prepare *p, enum fleet_wake_action a)
{
	size_t i, k = 0;

	for (i = 0; i < p->n; i++)
		if (p->m[i].action == a)
			k++;
	return k;
}

const char *const *
prepare_change_ids(const struct prepare *p, size_t *n)
{
	*n = p->nchange;
	return p->change_ids;
}

const char *
prepare_window(const struct prepare *p)
{
	return p->window;
}

const char *
prepare_date(const struct prepare *p)
{
	return p->date;
}

const char *
prepare_tag(const struct prepare *p)
{
	return p->tag != NULL ? p->tag : "";
}

int
prepare_timeout(const struct prepare *p)
{
	return p->timeout_s;
}

int
prepare_is_undo(const struct prepare *p)
{
	return p->undo;
}

long
prepare_waited_s(const struct prepare *p)
{
	return p->waited_s;
}

/* --- listing ------------------------------------------------------ */

struct list_slot {
	struct prepare *p;
	struct fanout_slot *slot;
	size_t found;
};

static void
add_date(struct prepare *p, const char *date)
{
	size_t i;

	for (i = 0; i < p->ndates; i++)
		if (strcmp(p->dates[i], date) == 0)
			return;
	p->dates = xreallocarray(p->dates, p->ndates + 1, sizeof *p->dates);
	p->dates[p->ndates++] = xstrdup(date);
}

static int
on_list_page(void *arg, struct ec2_instance *v, size_t n)
{
	struct list_slot *ls = arg;
	struct prepare *p = ls->p;
	const struct fleet_tag_names *tn = &p->cfg->tags;
	size_t i;

	for (i = 0; i < n; i++) {
		struct fleet_wake_in in;
		enum fleet_wake_action a;
		const char *why = "";
		struct prepare_member *m;

		in.id = v[i].id;
		in.state = v[i].state;
		in.window_tag = ec2_instance_tag(&v[i], tn->window);
		in.started_for = ec2_instance_tag(&v[i], tn->started_for);
		if (!p->undo) {
			struct fleet_wake_when w;

			memset(&w, 0, sizeof w);
			w.window = p->window;
			w.tag = p->tag;
			w.date = p->d;
			w.start = p->occ_start;
			w.end = p->occ_end;
			w.exc = p->exc;
			w.nexc = p->nexc;
			w.max_days = p->cfg->exception_max_days;
			a = fleet_wake_decide(&in, &w, &why);
		} else if (p->tag != NULL) {
			a = fleet_wake_decide_undo(&in, p->tag);
			why = a == FLEET_WAKE_STOP ? "started by prepare" :
			    "stopped already; the tag is removed";
		} else {
			/* undo, date unknown: any date of this window */
			char *w = NULL;
			struct fleet_date d;
			char ds[16];

			if (in.started_for == NULL ||
			    fleet_wake_tag_parse(in.started_for, &w, &d) != 0)
				continue;
			if (strcmp(w, p->window) != 0) {
				free(w);
				continue;
			}
			free(w);
			fleet_date_format(d, ds, sizeof ds);
			add_date(p, ds);
			a = fleet_wake_decide_undo(&in, in.started_for);
			why = a == FLEET_WAKE_STOP ? "started by prepare" :
			    "stopped already; the tag is removed";
		}
		if (a == FLEET_WAKE_NONE)
			continue;
		if (p->n == p->cap) {
			p->cap = p->cap ? p->cap * 2 : 64;
			p->m = xreallocarray(p->m, p->cap, sizeof *p->m);
		}
		m = &p->m[p->n++];
		memset(m, 0, sizeof *m);
		m->id = xstrdup(v[i].id);
		m->slot = xstrdup(ls->slot->name);
		m->state = xstrdup(v[i].state != NULL ? v[i].state : "");
		m->action = a;
		m->why = why;
		ls->found++;
	}
	ec2_instances_free(v, n);
	return 0;
}

static int
cmp_member(const void *a, const void *b)
{
	const struct prepare_member *x = a, *y = b;
	int c = strcmp(x->slot, y->slot);

	return c != 0 ? c : strcmp(x->id, y->id);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
cmp_member_id(const void *a, const void *b)
{
	const struct prepare_member *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	return c != 0 ? c : strcmp(x->slot, y->slot);
}

/* An instance listed twice (one account and region configured under two
 * targets) is one member, of the first slot by name: acting on it twice
 * would send every call twice. */
static void
drop_repeats(struct prepare *p)
{
	size_t i, k = 0;

	qsort(p->m, p->n, sizeof *p->m, cmp_member_id);
	for (i = 0; i < p->n; i++) {
		if (k > 0 && strcmp(p->m[k - 1].id, p->m[i].id) == 0) {
			member_done(&p->m[i]);
			continue;
		}
		p->m[k++] = p->m[i];
	}
	p->n = k;
}

static void
listed(struct prepare *p)
{
	size_t i;

	if (p->list_err != NULL) {
		prepare_finish_step(p, -1, xasprintf("%s: nothing was "
		    "changed: %s", prepare_cmd(p), p->list_err));
		return;
	}
	if (p->undo && p->tag == NULL) {
		struct buf b;

		if (p->ndates > 1) {
			qsort(p->dates, p->ndates, sizeof *p->dates, cmp_str);
			buf_init(&b);
			for (i = 0; i < p->ndates; i++)
				buf_printf(&b, "%s%s", i ? ", " : "",
				    p->dates[i]);
			prepare_finish_step(p, -1, xasprintf("%s: instances "
			    "are tagged for %s on several dates (%s); name "
			    "one with --date", prepare_cmd(p), p->window,
			    b.data));
			buf_free(&b);
			return;
		}
		if (p->ndates == 1) {
			struct fleet_date d;

			fleet_date_parse(p->dates[0], &d);
			p->d = d;
			fleet_date_format(d, p->date, sizeof p->date);
			p->tag = fleet_wake_tag_format(p->window, d);
		}
	}
	if (p->n > 1) {
		drop_repeats(p);
		qsort(p->m, p->n, sizeof *p->m, cmp_member);
	}
	p->change_ids = xcalloc(p->n ? p->n : 1, sizeof *p->change_ids);
	for (i = 0; i < p->n; i++)
		if (fleet_wake_action_changes(p->m[i].action))
			p->change_ids[p->nchange++] = p->m[i].id;
	p->stage = ST_NONE;
	prepare_finish_step(p, 0, NULL);
}

static void
on_list_end(void *arg, const struct aws_error *err)
{
	struct list_slot *ls = arg;
	struct prepare *p = ls->p;

	if (err != NULL) {
		char *f = awserr_format(err);

		if (p->list_err == NULL)
			p->list_err = xasprintf("DescribeInstances %s: %s",
			    ls->slot->name, f);
		free(f);
	} else {
		prepare_say(p, "%s: %s: %zu instance(s) %s", prepare_cmd(p),
		    ls->slot->name, ls->found, p->undo ? "tagged" :
		    "in the window");
	}
	free(ls);
	if (--p->pending == 0)
		listed(p);
}

/* EC2 filter values take * and ? as wildcards; \ escapes them. */
static char *
filter_escape(const char *s)
{
	struct buf b;

	buf_init(&b);
	for (; *s != '\0'; s++) {
		if (*s == '*' || *s == '?' || *s == '\\')
			buf_putc(&b, '\\');
		buf_putc(&b, *s);
	}
	if (b.data == NULL)
		buf_puts(&b, "");
	return buf_steal(&b);
}

int
prepare_list(struct prepare *p, struct net *net,
    prepare_progress_fn progress, prepare_done_fn done, void *arg,
    char **err)
{
	const struct fleet_tag_names *tn = &p->cfg->tags;
	char *fname, *value, *e = NULL;
	const char *values[1];
	struct ec2_filter f;
	size_t i, ns;

	if (p->stage != ST_NONE || p->fan != NULL) {
		util_seterr(err, "%s: already listed", prepare_cmd(p));
		return -1;
	}
	p->fan = fanout_open(net, p->cfg, p->profile, p->region, &e);
	if (p->fan == NULL) {
		util_seterr(err, "%s: %s", prepare_cmd(p), e);
		free(e);
		return -1;
	}
	ns = fanout_count(p->fan);
	/* every client first: a slot that cannot be set up stops all */
	for (i = 0; i < ns; i++) {
		if (fanout_client(fanout_slot(p->fan, i), "EC2", &e) == NULL ||
		    fanout_client(fanout_slot(p->fan, i), "SSM", &e) == NULL) {
			util_seterr(err, "%s: %s", prepare_cmd(p), e);
			free(e);
			return -1;
		}
	}
	p->net = net;
	p->progress = progress;
	p->done = done;
	p->arg = arg;
	p->stage = ST_LIST;
	if (!p->undo) {
		fname = xasprintf("tag:%s", tn->window);
		value = filter_escape(p->window);
	} else if (p->tag != NULL) {
		fname = xasprintf("tag:%s", tn->started_for);
		value = filter_escape(p->tag);
	} else {
		char *w = filter_escape(p->window);

		fname = xasprintf("tag:%s", tn->started_for);
		value = xasprintf("%s@*", w);
		free(w);
	}
	values[0] = value;
	f.name = fname;
	f.values = values;
	f.nvalues = 1;
	prepare_say(p, "%s: listing %s %s in %zu target/region(s)",
	    prepare_cmd(p), p->undo ? "instances tagged" : "the members of",
	    p->undo &&
	    p->tag != NULL ? p->tag : p->window, ns);
	p->pending = ns;
	for (i = 0; i < ns; i++) {
		struct list_slot *ls = xcalloc(1, sizeof *ls);

		ls->p = p;
		ls->slot = fanout_slot(p->fan, i);
		ec2_describe_instances(fanout_client(ls->slot, "EC2", NULL),
		    &f, 1, NULL, 0, on_list_page, on_list_end, ls);
	}
	free(fname);
	free(value);
	if (ns == 0)
		listed(p);
	return 0;
}
