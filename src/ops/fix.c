/*
 * fix.c - see fix.h.
 */
#include "ops/fix.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/net.h"
#include "fleet/precheck.h"
#include "ops/audit.h"
#include "ops/config.h"
#include "ops/fanout.h"
#include "ops/ssmrun.h"
#include "util/util.h"

/* ---- the selection (pure) ---- */

void
fix_selection_done(struct fix_selection *s)
{
	size_t i;

	for (i = 0; i < s->nskipped; i++)
		free(s->skipped[i].why);
	free(s->skipped);
	free(s->chosen);
	memset(s, 0, sizeof *s);
}

/* "disk, pkg_lock" for the kinds in bits. */
static char *
kind_list(unsigned bits)
{
	struct buf b;
	unsigned k;

	buf_init(&b);
	for (k = 0; k < FLEET_PK_COUNT; k++)
		if (bits & 1u << k)
			buf_printf(&b, "%s%s", b.len ? ", " : "",
			    fleet_precheck_kind_name((enum fleet_precheck_kind)k));
	return buf_steal(&b);
}

/* Why m is not acted on by k, or NULL when it is. */
static char *
why_not(enum fleet_fix_kind k, const struct fix_member *m)
{
	unsigned want = fleet_fix_repairs_mask(k);
	char *kinds, *why;

	if (!m->checked)
		return xstrdup("no pre-check result yet: run the pre-check "
		    "first");
	if (m->failures == 0)
		return xstrdup("passed its pre-check");
	if (m->failures & 1u << FLEET_PK_AGENT_OFFLINE)
		return xstrdup("agent offline: SSM cannot reach it to fix "
		    "anything");
	if ((m->failures & want) == 0) {
		kinds = kind_list(m->failures);
		why = xasprintf("fails with %s, which the %s fix does not "
		    "repair", kinds, fleet_fix_kind_name(k));
		free(kinds);
		return why;
	}
	if (m->platform != NULL && strcasecmp(m->platform, "windows") == 0)
		return xstrdup("Windows: the fix document runs on Linux only");
	return NULL;
}

static void
add_skip(struct fix_selection *s, const char *id, char *why)
{
	s->skipped = xreallocarray(s->skipped, s->nskipped + 1,
	    sizeof *s->skipped);
	s->skipped[s->nskipped].instance_id = id;
	s->skipped[s->nskipped].why = why;
	s->nskipped++;
}

/* qsort has no context argument in C11: the members sorted go through
 * this file-local pointer, set only for the sort's duration. */
static const struct fix_member *sort_members;

static int
cmp_sorted(const void *a, const void *b)
{
	return strcmp(sort_members[*(const size_t *)a].instance_id,
	    sort_members[*(const size_t *)b].instance_id);
}

static int
cmp_key_member(const void *key, const void *elem)
{
	return strcmp(key, sort_members[*(const size_t *)elem].instance_id);
}

/* The index of the member with id, by binary search over byid (sorted
 * by cmp_sorted); SIZE_MAX if none. */
static size_t
find_member(const struct fix_member *m, const size_t *byid, size_t n,
    const char *id)
{
	const size_t *p;

	sort_members = m;
	p = bsearch(id, byid, n, sizeof *byid, cmp_key_member);
	sort_members = NULL;
	return p != NULL ? *p : SIZE_MAX;
}

int
fix_select(enum fleet_fix_kind k, const struct fix_member *m, size_t n,
    const char *const *ids, size_t nids, struct fix_selection *out,
    char **err)
{
	unsigned want = fleet_fix_repairs_mask(k);
	unsigned char *named = NULL;
	size_t *byid = NULL, i, j;
	char *why;

	memset(out, 0, sizeof *out);
	out->chosen = xcalloc(n + 1, sizeof *out->chosen);
	if (nids > 0) {
		struct buf unknown;
		size_t nunknown = 0;

		byid = xcalloc(n + 1, sizeof *byid);
		named = xcalloc(n + 1, 1);
		for (i = 0; i < n; i++)
			byid[i] = i;
		sort_members = m;
		qsort(byid, n, sizeof *byid, cmp_sorted);
		sort_members = NULL;
		buf_init(&unknown);
		for (j = 0; j < nids; j++) {
			i = find_member(m, byid, n, ids[j]);
			if (i == SIZE_MAX) {
				buf_printf(&unknown, "%s%s", nunknown++ ? ", " :
				    "", ids[j]);
				continue;
			}
			named[i] = 1;
		}
		free(byid);
		if (nunknown > 0) {
			util_seterr(err, "%zu instance(s) not members of the "
			    "window on that date: %s", nunknown, unknown.data);
			buf_free(&unknown);
			free(named);
			fix_selection_done(out);
			return -1;
		}
		buf_free(&unknown);
	}
	for (i = 0; i < n; i++) {
		if (named != NULL && !named[i])
			continue;
		why = why_not(k, &m[i]);
		if (why == NULL) {
			out->chosen[out->nchosen++] = i;
			continue;
		}
		/* Unnamed members are only mentioned when they fail the kind
		 * and cannot be fixed. */
		if (named != NULL || (m[i].failures & want) != 0)
			add_skip(out, m[i].instance_id, why);
		else
			free(why);
	}
	free(named);
	return 0;
}

/* What the document's RepoMap allowedPattern takes (data/ssm/build.py):
 * no quote, backslash, backquote, brace or line break can leave the
 * single quotes the value is put in. */
static int
repo_map_char_ok(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || strchr("_.:/~%+=@?&$!*;#,[] >-", c) !=
	    NULL;
}

#define REPO_MAP_MAX 4000

int
fix_repo_map_param(const struct config_precheck *pc, char **out, char **err)
{
	struct buf b;
	size_t i;
	const char *p;

	*out = NULL;
	if (pc->nrepo_map == 0) {
		util_seterr(err, "the repository fix needs [precheck] repo_map "
		    "(FROM -> TO, ...) in the configuration: without it there "
		    "is nothing to restore");
		return -1;
	}
	buf_init(&b);
	for (i = 0; i < pc->nrepo_map; i++) {
		const char *u[2] = { pc->repo_map[i].from, pc->repo_map[i].to };
		int k;

		for (k = 0; k < 2; k++) {
			for (p = u[k]; *p != '\0'; p++) {
				if (!repo_map_char_ok((unsigned char)*p) ||
				    *p == ' ' || *p == ',') {
					util_seterr(err, "[precheck] repo_map: "
					    "'%s' holds '%c', which the fix "
					    "document does not accept", u[k],
					    *p);
					buf_free(&b);
					return -1;
				}
			}
		}
		buf_printf(&b, "%s%s -> %s", i ? ", " : "", u[0], u[1]);
	}
	if (b.len > REPO_MAP_MAX) {
		util_seterr(err, "[precheck] repo_map is %zu characters; the fix "
		    "document takes at most %d", b.len, REPO_MAP_MAX);
		buf_free(&b);
		return -1;
	}
	*out = buf_steal(&b);
	return 0;
}

static void
add_param(cJSON *o, const char *name, const char *value)
{
	cJSON *a = cJSON_AddArrayToObject(o, name);

	if (a == NULL)
		util_fatal("out of memory (JSON)");
	cJSON_AddItemToArray(a, cJSON_CreateString(value));
}

cJSON *
fix_parameters(enum fleet_fix_kind k, int force, const char *repo_map)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		util_fatal("out of memory (JSON)");
	add_param(o, "Kind", fleet_fix_kind_name(k));
	add_param(o, "Force", force ? "true" : "false");
	add_param(o, "RepoMap", k == FLEET_FIX_REPO && repo_map != NULL ?
	    repo_map : "");
	return o;
}

/* ---- the run ---- */

struct slot_run {
	struct fix_run *r;
	struct ssmrun *sr;
	char *slot;
	size_t *idx;		/* outcomes of this slot, by instance id */
	size_t n;
	size_t final;
	int ended;
};

struct fix_run {
	struct net *net;
	struct fanout *fan;
	struct audit *log;
	char *id;
	int result_written;
	enum fleet_fix_kind kind;
	int force;
	char *window, *date;
	cJSON *params;
	struct fix_outcome *out;
	size_t nout;
	struct slot_run *runs;
	size_t nruns;
	size_t pending;
	struct net_timer *timer;
	fix_progress_fn progress;
	fix_done_fn done;
	void *arg;
	struct buf err;
	int finished;
};

static cJSON *
entry_new(const struct fix_run *r, const char *phase)
{
	cJSON *e = cJSON_CreateObject();

	if (e == NULL)
		util_fatal("out of memory (JSON)");
	cJSON_AddStringToObject(e, "action_id", r->id);
	cJSON_AddStringToObject(e, "phase", phase);
	cJSON_AddStringToObject(e, "action", "precheck.fix");
	cJSON_AddStringToObject(e, "kind", fleet_fix_kind_name(r->kind));
	cJSON_AddBoolToObject(e, "force", r->force);
	cJSON_AddStringToObject(e, "window", r->window);
	cJSON_AddStringToObject(e, "date", r->date);
	cJSON_AddStringToObject(e, "document", FIX_DOCUMENT);
	cJSON_AddFalseToObject(e, "dry_run");
	audit_add_local_user(e);
	cJSON_AddNumberToObject(e, "instances", (double)r->nout);
	return e;
}

static void
write_result(struct fix_run *r, const char *outcome)
{
	size_t counts[4] = { 0, 0, 0, 0 }, i;
	static const char *const names[4] = {
		"ok", "failed", "skipped", "no_result"
	};
	cJSON *e, *list, *o, *c;
	char *err = NULL;

	if (r->id == NULL || r->result_written)
		return;
	e = entry_new(r, "result");
	for (i = 0; i < r->nout; i++) {
		size_t k;

		for (k = 0; k < 4; k++)
			if (strcmp(r->out[i].status, names[k]) == 0)
				counts[k]++;
	}
	if (outcome == NULL)
		outcome = counts[0] + counts[2] == r->nout ? "ok" :
		    counts[0] + counts[2] > 0 ? "partial" : "failed";
	cJSON_AddStringToObject(e, "outcome", outcome);
	c = cJSON_AddObjectToObject(e, "counts");
	for (i = 0; i < 4; i++)
		cJSON_AddNumberToObject(c, names[i], (double)counts[i]);
	list = cJSON_AddArrayToObject(e, "results");
	for (i = 0; i < r->nout; i++) {
		const struct fix_outcome *f = &r->out[i];

		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "instance_id", f->instance_id);
		cJSON_AddStringToObject(o, "target", f->target);
		cJSON_AddStringToObject(o, "status", f->status);
		cJSON_AddStringToObject(o, "command_id", f->command_id);
		if (f->parsed)
			cJSON_AddNumberToObject(o, "freed_mb",
			    (double)f->r.freed_mb);
		cJSON_AddStringToObject(o, "error", f->why);
		cJSON_AddItemToArray(list, o);
	}
	if (r->err.len > 0)
		cJSON_AddStringToObject(e, "error", r->err.data);
	if (audit_write(r->log, e, &err) != 0) {
		buf_printf(&r->err, "%saudit result could not be written "
		    "(action id %s): %s", r->err.len ? "; " : "", r->id, err);
		free(err);
	}
	r->result_written = 1;
	cJSON_Delete(e);
}

static void
set_why(struct fix_outcome *f, char *why)
{
	free(f->why);
	f->why = why;
}

/* One instance's invocation, read into its outcome. */
static void
read_result(struct fix_outcome *f, const struct ssmrun_result *s)
{
	char *err = NULL;
	const char *st = *s->status_details ? s->status_details : s->status;

	free(f->command_id);
	f->command_id = xstrdup(s->command_id);
	if (f->parsed)
		fleet_fix_result_done(&f->r);
	f->parsed = 0;
	f->status = "no_result";
	if (fleet_fix_parse(s->output, strlen(s->output), &f->r, &err) == 0) {
		f->parsed = 1;
		f->status = fleet_fix_status_name(f->r.status);
		set_why(f, xstrdup(f->r.error));
		return;
	}
	if (!s->final)
		set_why(f, xasprintf("no final status (%s)", *st ? st :
		    "not listed by SSM"));
	else if (strcmp(s->status, "Success") != 0 &&
	    strcmp(s->status_details, "Success") != 0 && !*s->output)
		set_why(f, xasprintf("%s", st));
	else
		set_why(f, xasprintf("parse error: %s", err));
	free(err);
}

/* As sort_members, for the outcomes of one slot. */
static const struct fix_outcome *sort_outcomes;

static int
cmp_outcomes(const void *a, const void *b)
{
	return strcmp(sort_outcomes[*(const size_t *)a].instance_id,
	    sort_outcomes[*(const size_t *)b].instance_id);
}

static int
cmp_key_outcome(const void *key, const void *elem)
{
	return strcmp(key, sort_outcomes[*(const size_t *)elem].instance_id);
}

static struct fix_outcome *
slot_outcome(struct slot_run *s, const char *id)
{
	const size_t *p;

	sort_outcomes = s->r->out;
	p = bsearch(id, s->idx, s->n, sizeof *s->idx, cmp_key_outcome);
	sort_outcomes = NULL;
	return p != NULL ? &s->r->out[*p] : NULL;
}

static void
finish(struct fix_run *r)
{
	r->finished = 1;
	write_result(r, NULL);
	if (r->done != NULL)
		r->done(r->arg, r->err.len ? -1 : 0, r->err.len ? r->err.data :
		    NULL);
}

static void
on_slot_progress(void *arg, const struct ssmrun_progress *p)
{
	struct slot_run *s = arg;
	struct fix_run *r = s->r;
	size_t i, total = 0;

	s->final = p->final;
	if (r->progress == NULL)
		return;
	for (i = 0; i < r->nruns; i++)
		total += r->runs[i].final;
	r->progress(r->arg, total, r->nout);
}

static void
on_slot_done(void *arg, int rc, const char *err)
{
	struct slot_run *s = arg;
	struct fix_run *r = s->r;
	const struct ssmrun_result *v;
	size_t n, i;

	v = ssmrun_results(s->sr, &n);
	for (i = 0; i < n; i++) {
		struct fix_outcome *f = slot_outcome(s, v[i].instance_id);

		if (f != NULL)
			read_result(f, &v[i]);
	}
	if (rc != 0) {
		buf_printf(&r->err, "%s%s: %s", r->err.len ? "; " : "",
		    s->slot, err != NULL ? err : "failed");
		for (i = 0; i < s->n; i++) {
			struct fix_outcome *f = &r->out[s->idx[i]];

			if (strcmp(f->status, "no_result") == 0 &&
			    !*f->command_id)
				set_why(f, xasprintf("not sent: %s", err != NULL ?
				    err : "failed"));
		}
	}
	s->ended = 1;
	if (--r->pending == 0)
		finish(r);
}

static void
on_nothing_sent(void *arg)
{
	struct fix_run *r = arg;

	r->timer = NULL;
	finish(r);
}

static int
write_intent(struct fix_run *r, char **err)
{
	cJSON *e, *list, *o;
	char *werr = NULL;
	size_t i;

	r->id = audit_new_id();
	e = entry_new(r, "intent");
	list = cJSON_AddArrayToObject(e, "targets");
	for (i = 0; i < r->nout; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "instance_id", r->out[i].instance_id);
		cJSON_AddStringToObject(o, "target", r->out[i].target);
		cJSON_AddItemToArray(list, o);
	}
	if (audit_write(r->log, e, &werr) != 0) {
		cJSON_Delete(e);
		free(r->id);
		r->id = NULL;
		util_seterr(err, "refused: %s; no change is made without an "
		    "audit record", werr);
		free(werr);
		return -1;
	}
	cJSON_Delete(e);
	return 0;
}

struct fix_run *
fix_start(struct net *net, const struct fix_opts *o,
    fix_progress_fn progress, fix_done_fn done, void *arg, char **err)
{
	struct fix_run *r;
	char *repo_map = NULL, *e = NULL;
	const char **names = NULL;
	size_t i, j, nnames = 0;

	if (o->kind == FLEET_FIX_REPO &&
	    fix_repo_map_param(&o->cfg->precheck, &repo_map, err) != 0)
		return NULL;
	r = xcalloc(1, sizeof *r);
	buf_init(&r->err);
	r->net = net;
	r->kind = o->kind;
	r->force = o->force;
	r->window = xstrdup(o->window != NULL ? o->window : "");
	r->date = xstrdup(o->date != NULL ? o->date : "");
	r->progress = progress;
	r->done = done;
	r->arg = arg;
	r->params = fix_parameters(o->kind, o->force, repo_map);
	free(repo_map);
	r->nout = o->nchosen;
	r->out = xcalloc(r->nout + 1, sizeof *r->out);
	names = xcalloc(r->nout + 1, sizeof *names);
	for (i = 0; i < r->nout; i++) {
		const struct fix_member *m = &o->members[o->chosen[i]];
		struct fix_outcome *f = &r->out[i];

		f->instance_id = xstrdup(m->instance_id);
		f->target = xstrdup(m->target);
		f->status = "no_result";
		f->why = xstrdup("not sent");
		f->command_id = xstrdup("");
		for (j = 0; j < nnames; j++)
			if (strcmp(names[j], m->target) == 0)
				break;
		if (j == nnames)
			names[nnames++] = m->target;
	}
	if (audit_open(&r->log, &e) != 0) {
		util_seterr(err, "refused: %s; no change is made without an "
		    "audit record", e);
		goto fail;
	}
	r->fan = fanout_open_named(net, o->cfg, o->profile, names, nnames, &e);
	if (r->fan == NULL) {
		util_seterr(err, "refused before any change: %s", e);
		goto fail;
	}
	if (write_intent(r, err) != 0)
		goto fail;

	/* One run per target and region, its instances by id. */
	r->runs = xcalloc(nnames + 1, sizeof *r->runs);
	for (j = 0; j < nnames; j++) {
		struct slot_run *s = &r->runs[r->nruns++];
		const char **ids = xcalloc(r->nout + 1, sizeof *ids);
		struct fanout_slot *slot = fanout_find(r->fan, names[j]);
		struct aws_client *ssm;
		struct ssmrun_opts so;
		char comment[100];

		s->r = r;
		s->slot = xstrdup(names[j]);
		s->idx = xcalloc(r->nout + 1, sizeof *s->idx);
		for (i = 0; i < r->nout; i++)
			if (strcmp(r->out[i].target, names[j]) == 0) {
				ids[s->n] = r->out[i].instance_id;
				s->idx[s->n++] = i;
			}
		sort_outcomes = r->out;
		qsort(s->idx, s->n, sizeof *s->idx, cmp_outcomes);
		sort_outcomes = NULL;
		ssm = slot != NULL ? fanout_client(slot, "SSM", &e) : NULL;
		if (ssm == NULL) {
			buf_printf(&r->err, "%s%s: %s", r->err.len ? "; " : "",
			    names[j], e != NULL ? e : "no such target");
			for (i = 0; i < s->n; i++)
				set_why(&r->out[s->idx[i]], xasprintf("not "
				    "sent: %s", e != NULL ? e : "no target"));
			free(e);
			e = NULL;
			free(ids);
			s->ended = 1;
			continue;
		}
		memset(&so, 0, sizeof so);
		snprintf(comment, sizeof comment, "patchdeck fix %s %.40s",
		    fleet_fix_kind_name(o->kind), r->window);
		so.document = FIX_DOCUMENT;
		so.parameters = r->params;
		so.ids = ids;
		so.nids = s->n;
		so.timeout_seconds = FIX_SEND_TIMEOUT_S;
		so.comment = comment;
		so.poll_ms = o->poll_ms;
		so.first_poll_ms = o->poll_ms > 0 && o->poll_ms < 1000 ?
		    o->poll_ms : 0;
		so.deadline_ms = o->deadline_ms > 0 ? o->deadline_ms :
		    3600L * 1000;
		r->pending++;
		s->sr = ssmrun_start(net, ssm, &so, on_slot_progress,
		    on_slot_done, s, &e);
		free(ids);
		if (s->sr == NULL) {
			r->pending--;
			buf_printf(&r->err, "%s%s: %s", r->err.len ? "; " : "",
			    names[j], e);
			for (i = 0; i < s->n; i++)
				set_why(&r->out[s->idx[i]], xasprintf("not "
				    "sent: %s", e));
			free(e);
			e = NULL;
			s->ended = 1;
		}
	}
	free(names);
	if (r->pending == 0)
		r->timer = net_timer_add(net, 0, on_nothing_sent, r);
	return r;
fail:
	free(e);
	free(names);
	fix_free(r);
	return NULL;
}

const struct fix_outcome *
fix_outcomes(const struct fix_run *r, size_t *n)
{
	*n = r->nout;
	return r->out;
}

int
fix_finished(const struct fix_run *r)
{
	return r->finished;
}

const char *
fix_audit_id(const struct fix_run *r)
{
	return r->id;
}

void
fix_free(struct fix_run *r)
{
	size_t i;

	if (r == NULL)
		return;
	if (r->timer != NULL)
		net_timer_cancel(r->net, r->timer);
	/* An intent without a result would leave the log saying nothing of
	 * what happened. */
	if (r->id != NULL && !r->result_written)
		write_result(r, "abandoned");
	for (i = 0; i < r->nruns; i++) {
		ssmrun_free(r->runs[i].sr);
		free(r->runs[i].slot);
		free(r->runs[i].idx);
	}
	free(r->runs);
	fanout_free(r->fan);
	for (i = 0; i < r->nout; i++) {
		free(r->out[i].instance_id);
		free(r->out[i].target);
		free(r->out[i].why);
		free(r->out[i].command_id);
		if (r->out[i].parsed)
			fleet_fix_result_done(&r->out[i].r);
	}
	free(r->out);
	cJSON_Delete(r->params);
	audit_close(r->log);
	buf_free(&r->err);
	free(r->id);
	free(r->window);
	free(r->date);
	free(r);
}
