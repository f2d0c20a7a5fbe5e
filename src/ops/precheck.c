/*
 * precheck.c - the pre-check of a window's members; see precheck.h.
 *
 * The run is a chain of phases on one loop, each a set of calls counted
 * by `pending`; the last callback of a phase starts the next:
 *   status (DescribeInstanceInformation + DescribeInstanceStatus, every
 *   slot at once) -> tag (tagging_start) -> send (one ssmrun per slot,
 *   audited) -> untag (tagging_start) -> judge -> done.
 * Rows are looked up by instance id through a sorted index (idx).
 */
#include "ops/precheck.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/awserr.h"
#include "aws/ec2.h"
#include "aws/net.h"
#include "aws/ssm.h"
#include "ops/audit.h"
#include "ops/config.h"
#include "ops/fanout.h"
#include "ops/ssmrun.h"
#include "ops/tagging.h"
#include "util/util.h"

/* ---- rows and the report ---- */

static void
row_done(struct precheck_row *w)
{
	free(w->instance_id);
	free(w->name);
	free(w->account);
	free(w->region);
	free(w->target);
	free(w->platform);
	free(w->state);
	free(w->ping);
	free(w->instance_status);
	free(w->system_status);
	free(w->status);
	free(w->status_details);
	free(w->output);
	fleet_precheck_verdict_done(&w->v);
}

void
precheck_report_done(struct precheck_report *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		row_done(&r->rows[i]);
	free(r->rows);
	free(r->run_id);
	free(r->window);
	for (i = 0; i < r->nwarnings; i++)
		free(r->warnings[i]);
	free(r->warnings);
	memset(r, 0, sizeof *r);
}

void
precheck_report_warn(struct precheck_report *r, char *msg)
{
	r->warnings = xreallocarray(r->warnings, r->nwarnings + 1,
	    sizeof *r->warnings);
	r->warnings[r->nwarnings++] = msg;
}

static void
set(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v != NULL ? v : "");
}

/* ---- the run ---- */

struct pslot {
	struct precheck *p;
	struct fanout_slot *slot;
	size_t *rows;		/* indexes into r->rows */
	size_t n;
	const char **ids;	/* their ids */
	const char **send;	/* the ids tagged and sent to */
	size_t nsend;
	struct ssmrun *run;
	int dii_failed;		/* DescribeInstanceInformation failed */
};

struct precheck {
	struct net *net;
	const struct config *cfg;
	char *profile;
	struct precheck_report *r;
	precheck_progress_fn progress;
	void *parg;
	precheck_done_fn done;
	void *arg;
	long poll_ms;

	struct fanout *fan;
	struct pslot *slots;
	size_t nslots;
	size_t *byid;		/* rows sorted by instance id */
	unsigned char *fresh;	/* rows SSM listed just now */
	struct scall **calls;	/* the status calls made */
	size_t ncalls;
	size_t pending;
	size_t total_calls, done_calls;

	struct tagging_plan tag_plan, untag_plan;
	struct tagging_items items;
	struct tagging *tagging;
	struct audit *audit;
	char *action_id;
	struct net_timer *timer;
	char *err;
	int finished;
};

static void
progress(struct precheck *p, const char *phase, size_t done, size_t total)
{
	if (p->progress != NULL)
		p->progress(p->parg, phase, done, total);
}

static const struct precheck_row *sort_rows;

static int
cmp_byid(const void *a, const void *b)
{
	return strcmp(sort_rows[*(const size_t *)a].instance_id,
	    sort_rows[*(const size_t *)b].instance_id);
}

static struct precheck_row *
row_of(struct precheck *p, const char *id)
{
	size_t lo = 0, hi = p->r->n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(p->r->rows[p->byid[mid]].instance_id, id);
		if (c == 0)
			return &p->r->rows[p->byid[mid]];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void finish(struct precheck *p, const char *err);
static void tag_phase(struct precheck *p);
static void untag_phase(struct precheck *p);

/* -- status -- */

/* One DescribeInstanceInformation or DescribeInstanceStatus call over
 * ids[0..n) of a slot; owned by the precheck (freed with it). */
struct scall {
	struct pslot *s;
	struct aws_client *c;
	const char **ids;
	size_t n;
	int dis;		/* DescribeInstanceStatus, else DII */
};

static void status_done(struct precheck *p);

static int
dii_page(void *arg, struct ssm_instance *v, size_t n)
{
	struct pslot *s = ((struct scall *)arg)->s;
	struct precheck_row *w;
	size_t i;

	s->p->r->stats.dii_pages++;
	for (i = 0; i < n; i++)
		if ((w = row_of(s->p, v[i].id)) != NULL) {
			set(&w->ping, v[i].ping_status);
			s->p->fresh[w - s->p->r->rows] = 1;
		}
	ssm_instances_free(v, n);
	return 0;
}

static int
dis_page(void *arg, struct ec2_instance_status *v, size_t n)
{
	struct pslot *s = ((struct scall *)arg)->s;
	struct precheck_row *w;
	size_t i;

	s->p->r->stats.dis_pages++;
	for (i = 0; i < n; i++)
		if ((w = row_of(s->p, v[i].id)) != NULL) {
			set(&w->state, v[i].state);
			set(&w->instance_status, v[i].instance_status);
			set(&w->system_status, v[i].system_status);
		}
	ec2_instance_statuses_free(v, n);
	return 0;
}

static void status_call(struct pslot *s, struct aws_client *c,
    const char **ids, size_t n, int dis);

static void
status_end(void *arg, const struct aws_error *err)
{
	struct scall *k = arg;
	struct pslot *s = k->s;
	struct precheck *p = s->p;
	struct precheck_row *w;

	if (err != NULL && k->dis && err->code != NULL &&
	    strcmp(err->code, "InvalidInstanceID.NotFound") == 0) {
		/* An instance gone since the sync fails the whole call:
		 * halve until it stands alone, and say so for it. */
		if (k->n > 1) {
			status_call(s, k->c, k->ids, k->n / 2, 1);
			status_call(s, k->c, k->ids + k->n / 2,
			    k->n - k->n / 2, 1);
		} else if ((w = row_of(p, k->ids[0])) != NULL)
			set(&w->state, "not found");
	} else if (err != NULL) {
		char *m = awserr_format(err);

		precheck_report_warn(p->r, xasprintf("%s: %s", s->slot->name,
		    m));
		free(m);
		if (!k->dis)
			s->dii_failed = 1;
	}
	p->done_calls++;
	progress(p, "status", p->done_calls, p->total_calls);
	if (--p->pending == 0)
		status_done(p);
}

static void
status_call(struct pslot *s, struct aws_client *c, const char **ids,
    size_t n, int dis)
{
	struct precheck *p = s->p;
	struct scall *k = xcalloc(1, sizeof *k);

	k->s = s;
	k->c = c;
	k->ids = ids;
	k->n = n;
	k->dis = dis;
	p->calls = xreallocarray(p->calls, p->ncalls + 1, sizeof *p->calls);
	p->calls[p->ncalls++] = k;
	p->pending++;
	p->total_calls++;
	if (dis)
		ec2_describe_instance_status(c, ids, n, dis_page, status_end,
		    k);
	else
		ssm_describe_instance_information(c, ids, n, dii_page,
		    status_end, k);
}

/* What SSM did not list is not registered with it; where its answer is
 * missing (an error), the ping of the last sync stands. */
static void
status_done(struct precheck *p)
{
	size_t i, k;

	for (i = 0; i < p->nslots; i++) {
		struct pslot *s = &p->slots[i];

		if (s->dii_failed)
			continue;
		for (k = 0; k < s->n; k++)
			if (!p->fresh[s->rows[k]])
				set(&p->r->rows[s->rows[k]].ping, "");
	}
	tag_phase(p);
}

static void
status_phase(struct precheck *p)
{
	size_t i, k, n;
	char *err = NULL;

	p->fresh = xcalloc(p->r->n ? p->r->n : 1, 1);
	for (i = 0; i < p->nslots; i++) {
		struct pslot *s = &p->slots[i];
		struct aws_client *ssm, *ec2;

		if ((ssm = fanout_client(s->slot, "SSM", &err)) == NULL ||
		    (ec2 = fanout_client(s->slot, "EC2", &err)) == NULL) {
			precheck_report_warn(p->r, err);
			err = NULL;
			continue;
		}
		for (k = 0; k < s->n; k += n) {
			n = s->n - k < SSM_MAX_IDS_PER_COMMAND ? s->n - k :
			    SSM_MAX_IDS_PER_COMMAND;
			status_call(s, ssm, s->ids + k, n, 0);
		}
		for (k = 0; k < s->n; k += n) {
			n = s->n - k < EC2_STATUS_MAX_IDS ? s->n - k :
			    EC2_STATUS_MAX_IDS;
			status_call(s, ec2, s->ids + k, n, 1);
		}
	}
	if (p->pending == 0)
		status_done(p);
}

/* -- tag -- */

static int
can_run(const struct precheck_row *w)
{
	return strcmp(w->state, "running") == 0 &&
	    strcmp(w->ping, "Online") == 0 &&
	    strcmp(w->platform, "windows") != 0 && *w->target != '\0';
}

static void send_phase(struct precheck *p);

static void
send_timer(void *arg)
{
	send_phase(arg);
}

static void
tagged(void *arg, int rc, int acted, const char *err)
{
	struct precheck *p = arg;
	size_t i;

	(void)acted;
	p->r->stats.tag_calls += p->tag_plan.ncalls;
	if (rc != 0)
		precheck_report_warn(p->r, xasprintf("tagging: %s", err));
	/* Send only to instances whose CreateTags succeeded. */
	for (i = 0; i < p->tag_plan.ncalls; i++) {
		const struct tagging_call *c = &p->tag_plan.calls[i];
		size_t k, j;

		if (c->ok)
			continue;
		for (k = 0; k < c->nids; k++)
			for (j = 0; j < p->nslots; j++) {
				struct pslot *s = &p->slots[j];
				size_t m;

				for (m = 0; m < s->nsend; m++)
					if (s->send[m] != NULL &&
					    strcmp(s->send[m], c->ids[k]) == 0)
						s->send[m] = NULL;
			}
	}
	p->timer = net_timer_add(p->net, 0, send_timer, p);
}

static void
tag_phase(struct precheck *p)
{
	struct tagging_opts to;
	struct tagging_item *items;
	size_t i, k, n = 0;
	char *err = NULL;

	progress(p, "tag", 0, 0);
	for (i = 0; i < p->nslots; i++) {
		struct pslot *s = &p->slots[i];

		s->send = xcalloc(s->n ? s->n : 1, sizeof *s->send);
		for (k = 0; k < s->n; k++)
			if (can_run(&p->r->rows[s->rows[k]]))
				s->send[s->nsend++] = s->ids[k];
		n += s->nsend;
	}
	if (n == 0) {
		finish(p, NULL);
		return;
	}
	items = xcalloc(n, sizeof *items);
	n = 0;
	for (i = 0; i < p->nslots; i++)
		for (k = 0; k < p->slots[i].nsend; k++) {
			const struct precheck_row *w =
			    row_of(p, p->slots[i].send[k]);

			items[n].id = w->instance_id;
			items[n].target = p->slots[i].slot->target->name;
			items[n].region = p->slots[i].slot->region;
			items[n].value = p->r->run_id;
			n++;
		}
	tagging_plan_build(items, n, PRECHECK_TAG, 0, &p->tag_plan);
	for (i = 0; i < n; i++)
		items[i].value = NULL;
	tagging_plan_build(items, n, PRECHECK_TAG, 0, &p->untag_plan);
	free(items);
	memset(&to, 0, sizeof to);
	to.cfg = p->cfg;
	to.profile = p->profile;
	to.action = "precheck.tag";
	to.requested = p->r->run_id;
	p->tagging = tagging_start(p->net, &to, &p->tag_plan, tagged, p,
	    &err);
	if (p->tagging == NULL) {
		finish(p, err);
		free(err);
	}
}

/* -- send -- */

static cJSON *
audit_entry(struct precheck *p, const char *phase)
{
	cJSON *e = cJSON_CreateObject(), *ids;
	size_t i, k;

	cJSON_AddStringToObject(e, "action_id", p->action_id);
	cJSON_AddStringToObject(e, "phase", phase);
	cJSON_AddStringToObject(e, "action", "precheck.send");
	cJSON_AddStringToObject(e, "requested", p->r->run_id);
	cJSON_AddStringToObject(e, "window", p->r->window);
	cJSON_AddStringToObject(e, "date", p->r->date);
	cJSON_AddStringToObject(e, "document", PRECHECK_DOCUMENT);
	cJSON_AddFalseToObject(e, "dry_run");
	ids = cJSON_AddArrayToObject(e, "ids");
	for (i = 0; i < p->nslots; i++)
		for (k = 0; k < p->slots[i].nsend; k++)
			if (p->slots[i].send[k] != NULL)
				cJSON_AddItemToArray(ids, cJSON_CreateString(
				    p->slots[i].send[k]));
	cJSON_AddNumberToObject(e, "instances", cJSON_GetArraySize(ids));
	return e;
}

static void
run_progress(void *arg, const struct ssmrun_progress *sp)
{
	struct pslot *s = arg;
	struct precheck *p = s->p;
	size_t i, fin = 0, tot = 0;

	(void)sp;
	for (i = 0; i < p->nslots; i++)
		if (p->slots[i].run != NULL) {
			const struct ssmrun_progress *q =
			    ssmrun_progress(p->slots[i].run);

			fin += q->final;
			tot += q->expected;
		}
	progress(p, "wait", fin, tot);
}

static void
run_done(void *arg, int rc, const char *err)
{
	struct pslot *s = arg;
	struct precheck *p = s->p;
	const struct ssmrun_result *v;
	const struct ssmrun_progress *q = ssmrun_progress(s->run);
	struct precheck_row *w;
	size_t i, n;
	long long now = (long long)time(NULL);

	if (rc != 0)
		precheck_report_warn(p->r, xasprintf("%s: %s", s->slot->name,
		    err));
	p->r->stats.send_calls += q->send_calls;
	p->r->stats.list_pages += q->list_pages;
	p->r->stats.get_calls += q->get_calls;
	p->r->stats.status_calls += q->status_calls;
	v = ssmrun_results(s->run, &n);
	for (i = 0; i < n; i++) {
		if ((w = row_of(p, v[i].instance_id)) == NULL)
			continue;	/* not a member: ignore */
		w->sent = strcmp(v[i].status_details, "NotSent") != 0;
		w->final = v[i].final;
		set(&w->status, v[i].status);
		set(&w->status_details, v[i].status_details);
		set(&w->output, v[i].output);
		w->response_code = v[i].response_code;
		w->ended_at = v[i].final ? now - (util_now_ms() -
		    v[i].seen_ms) / 1000 : 0;
		if (v[i].final && v[i].seen_ms > p->r->stats.last_result_ms)
			p->r->stats.last_result_ms = v[i].seen_ms;
	}
	if (--p->pending == 0)
		untag_phase(p);
}

static void
send_phase(struct precheck *p)
{
	struct ssmrun_opts so;
	cJSON *e;
	size_t i, k, n;
	char *err = NULL, *comment;
	long long now = (long long)time(NULL);

	p->timer = NULL;
	/* Nothing is sent unless its intent is in the audit log; the tag
	 * goes either way. */
	if (audit_open(&p->audit, &err) != 0) {
		p->err = err;
		untag_phase(p);
		return;
	}
	p->action_id = audit_new_id();
	e = audit_entry(p, "intent");
	if (audit_write(p->audit, e, &err) != 0) {
		cJSON_Delete(e);
		p->err = err;
		audit_close(p->audit);
		p->audit = NULL;
		untag_phase(p);
		return;
	}
	cJSON_Delete(e);
	progress(p, "send", 0, 0);
	comment = xasprintf("patchdeck precheck %s %s", p->r->window,
	    p->r->date);
	for (i = 0; i < p->nslots; i++) {
		struct pslot *s = &p->slots[i];
		struct aws_client *ssm;
		char key[sizeof PRECHECK_TAG + 8];

		/* Compact the ids whose tagging failed away. */
		for (k = n = 0; k < s->nsend; k++)
			if (s->send[k] != NULL)
				s->send[n++] = s->send[k];
		s->nsend = n;
		if (n == 0)
			continue;
		for (k = 0; k < n; k++)
			row_of(p, s->send[k])->started_at = now;
		if ((ssm = fanout_client(s->slot, "SSM", &err)) == NULL) {
			precheck_report_warn(p->r, err);
			err = NULL;
			continue;
		}
		snprintf(key, sizeof key, "tag:%s", PRECHECK_TAG);
		memset(&so, 0, sizeof so);
		so.document = PRECHECK_DOCUMENT;
		so.target_key = key;
		so.target_value = p->r->run_id;
		so.ids = s->send;
		so.nids = n;
		so.comment = comment;
		so.timeout_seconds = 600;
		so.poll_ms = p->poll_ms;
		so.first_poll_ms = p->poll_ms / 2;
		so.deadline_ms = PRECHECK_DEADLINE_S * 1000L;
		s->run = ssmrun_start(p->net, ssm, &so, run_progress, run_done,
		    s, &err);
		if (s->run == NULL) {
			precheck_report_warn(p->r, err);
			err = NULL;
			continue;
		}
		p->pending++;
	}
	free(comment);
	p->r->stats.sent_ms = util_now_ms();
	if (p->pending == 0)
		untag_phase(p);
}

/* -- untag -- */

static void
untagged(void *arg, int rc, int acted, const char *err)
{
	struct precheck *p = arg;

	(void)acted;
	p->r->stats.tag_calls += p->untag_plan.ncalls;
	if (rc != 0)
		precheck_report_warn(p->r, xasprintf("removing the %s tag: %s",
		    PRECHECK_TAG, err));
	finish(p, NULL);
}

static void
untag_phase(struct precheck *p)
{
	struct tagging_opts to;
	cJSON *e;
	char *err = NULL;

	if (p->audit != NULL) {
		size_t i, ok = 0;

		for (i = 0; i < p->r->n; i++)
			ok += p->r->rows[i].final;
		e = audit_entry(p, "result");
		cJSON_AddStringToObject(e, "outcome", "ok");
		cJSON_AddNumberToObject(e, "results", (double)ok);
		if (audit_write(p->audit, e, &err) != 0) {
			precheck_report_warn(p->r, err);
			err = NULL;
		}
		cJSON_Delete(e);
	}
	progress(p, "untag", 0, 0);
	if (p->tagging != NULL) {
		tagging_free(p->tagging);
		p->tagging = NULL;
	}
	memset(&to, 0, sizeof to);
	to.cfg = p->cfg;
	to.profile = p->profile;
	to.action = "precheck.untag";
	to.requested = p->r->run_id;
	p->tagging = tagging_start(p->net, &to, &p->untag_plan, untagged, p,
	    &err);
	if (p->tagging == NULL) {
		precheck_report_warn(p->r, xasprintf("removing the %s tag: %s",
		    PRECHECK_TAG, err));
		free(err);
		finish(p, NULL);
	}
}

/* -- judge and end -- */

static int
cmp_rows(const void *a, const void *b)
{
	const struct precheck_row *x = a, *y = b;
	int c;

	if (x->v.nfailures != 0 && y->v.nfailures == 0)
		return -1;
	if (x->v.nfailures == 0 && y->v.nfailures != 0)
		return 1;
	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return strcmp(x->instance_id, y->instance_id);
}

static void
judge(struct precheck *p)
{
	const struct config_precheck *pc = &p->cfg->precheck;
	struct fleet_precheck_limits lim;
	size_t i;

	memset(&lim, 0, sizeof lim);
	lim.min_free_mb = pc->min_free_mb;
	lim.min_free_pct = pc->min_free_pct;
	lim.mounts = (const char *const *)pc->mounts;
	lim.nmounts = pc->nmounts;
	lim.repo_url_prefixes = (const char *const *)pc->repo_url_prefixes;
	lim.nrepo_url_prefixes = pc->nrepo_url_prefixes;
	lim.max_load1 = pc->max_load1;
	p->r->nfailed = 0;
	for (i = 0; i < p->r->n; i++) {
		struct precheck_row *w = &p->r->rows[i];
		struct fleet_precheck_input in;

		memset(&in, 0, sizeof in);
		in.state = w->state;
		in.ping = w->ping;
		in.windows = strcmp(w->platform, "windows") == 0;
		in.sent = w->sent;
		in.final = w->final;
		in.status = w->status;
		in.status_details = w->status_details;
		in.response_code = w->response_code;
		in.output = w->output;
		in.output_len = strlen(w->output);
		in.instance_status = *w->instance_status ?
		    w->instance_status : NULL;
		in.system_status = *w->system_status ? w->system_status :
		    NULL;
		if (*w->target == '\0') {
			in.sent = 0;
			in.not_sent_why = "its target is not in the "
			    "configuration";
		}
		fleet_precheck_verdict_done(&w->v);
		fleet_precheck_judge(&lim, &in, &w->v);
		if (w->v.nfailures > 0)
			p->r->nfailed++;
	}
	qsort(p->r->rows, p->r->n, sizeof *p->r->rows, cmp_rows);
}

static void
deliver(void *arg)
{
	struct precheck *p = arg;

	p->timer = NULL;
	p->finished = 1;
	p->done(p->arg, p->err != NULL ? -1 : 0, p->err);
}

static void
finish(struct precheck *p, const char *err)
{
	if (err != NULL && p->err == NULL)
		p->err = xstrdup(err);
	progress(p, "judge", 0, 0);
	judge(p);
	p->r->stats.end_ms = util_now_ms();
	p->timer = net_timer_add(p->net, 0, deliver, p);
}

struct precheck *
precheck_start(struct net *net, const struct precheck_opts *o,
    struct precheck_report *r, precheck_done_fn done, void *arg, char **err)
{
	struct precheck *p;
	size_t i, k;
	const char **names;

	p = xcalloc(1, sizeof *p);
	p->net = net;
	p->cfg = o->cfg;
	p->profile = o->profile != NULL ? xstrdup(o->profile) : NULL;
	p->r = r;
	p->progress = o->progress;
	p->parg = o->arg;
	p->done = done;
	p->arg = arg;
	p->poll_ms = o->poll_ms > 0 ? o->poll_ms : 2000;
	r->stats.start_ms = util_now_ms();

	p->byid = xcalloc(r->n ? r->n : 1, sizeof *p->byid);
	for (i = 0; i < r->n; i++)
		p->byid[i] = i;
	sort_rows = r->rows;
	qsort(p->byid, r->n, sizeof *p->byid, cmp_byid);

	/* Slots: the rows' targets as the cache names them. */
	names = xcalloc(r->n ? r->n : 1, sizeof *names);
	k = 0;
	for (i = 0; i < r->n; i++)
		if (*r->rows[i].target != '\0')
			names[k++] = r->rows[i].target;
	p->fan = fanout_open_named(net, o->cfg, o->profile, names, k, err);
	free(names);
	if (p->fan == NULL) {
		precheck_free(p);
		return NULL;
	}
	p->nslots = fanout_count(p->fan);
	p->slots = xcalloc(p->nslots ? p->nslots : 1, sizeof *p->slots);
	for (i = 0; i < p->nslots; i++) {
		p->slots[i].p = p;
		p->slots[i].slot = fanout_slot(p->fan, i);
		p->slots[i].rows = xcalloc(r->n ? r->n : 1, sizeof(size_t));
		p->slots[i].ids = xcalloc(r->n ? r->n : 1, sizeof(char *));
	}
	for (i = 0; i < r->n; i++) {
		struct fanout_slot *sl = *r->rows[i].target ?
		    fanout_find(p->fan, r->rows[i].target) : NULL;

		for (k = 0; sl != NULL && k < p->nslots; k++)
			if (p->slots[k].slot == sl) {
				struct pslot *s = &p->slots[k];

				s->ids[s->n] = r->rows[i].instance_id;
				s->rows[s->n++] = i;
			}
	}
	progress(p, "status", 0, 0);
	status_phase(p);
	return p;
}

void
precheck_free(struct precheck *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nslots; i++) {
		ssmrun_free(p->slots[i].run);
		free(p->slots[i].rows);
		free(p->slots[i].ids);
		free(p->slots[i].send);
	}
	free(p->slots);
	if (p->tagging != NULL)
		tagging_free(p->tagging);
	tagging_plan_free(&p->tag_plan);
	tagging_plan_free(&p->untag_plan);
	if (p->audit != NULL)
		audit_close(p->audit);
	free(p->action_id);
	fanout_free(p->fan);
	for (i = 0; i < p->ncalls; i++)
		free(p->calls[i]);
	free(p->calls);
	free(p->fresh);
	free(p->byid);
	free(p->profile);
	free(p->err);
	free(p);
}

/* ---- waited for ---- */

struct wait {
	int over;
	int rc;
	char *err;
};

static void
waited(void *arg, int rc, const char *err)
{
	struct wait *w = arg;

	w->over = 1;
	w->rc = rc;
	if (err != NULL)
		w->err = xstrdup(err);
}

int
precheck_run(const struct precheck_opts *o, struct precheck_report *r,
    char **err)
{
	struct net *net = net_new();
	struct wait w = { 0, 0, NULL };
	struct precheck *p;

	p = precheck_start(net, o, r, waited, &w, err);
	if (p == NULL) {
		net_free(net);
		return -1;
	}
	while (!w.over && net_pending(net) > 0)
		net_poll(net, -1, 1000);
	net_free(net);
	precheck_free(p);
	if (w.rc != 0) {
		util_seterr(err, "%s", w.err != NULL ? w.err : "failed");
		free(w.err);
		return -1;
	}
	free(w.err);
	return 0;
}

