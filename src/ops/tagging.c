/*
 * tagging.c - see tagging.h.
 *
 * The calls go over the fanout (fanout.h) of the (target, region) pairs
 * they name, as sync's do: the target's profile, and its role when it
 * names one, so a change goes to the account the instance was synced
 * from.  The EC2 client of each pair; the STS client of each target's
 * first pair, whose GetCallerIdentity names the caller in the audit
 * entries.
 */
#include "ops/tagging.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/ec2.h"
#include "aws/net.h"
#include "aws/sts.h"
#include "cache/cache.h"
#include "ops/audit.h"
#include "ops/config.h"
#include "ops/fanout.h"
#include "util/util.h"

int
tagging_owner_ok(const char *v, char **why)
{
	size_t i, chars = 0;

	if (*v == '\0') {
		*why = xstrdup("the owner is empty (use `owner clear` to "
		    "remove it)");
		return 0;
	}
	for (i = 0; v[i] != '\0'; i++) {
		unsigned char ch = (unsigned char)v[i];

		if (ch < 0x20 || ch == 0x7f) {
			*why = xstrdup("the owner holds a control character");
			return 0;
		}
		if ((ch & 0xc0) != 0x80)
			chars++;
	}
	if (chars > 256) {
		*why = xasprintf("the owner is %zu characters; AWS takes at "
		    "most 256", chars);
		return 0;
	}
	return 1;
}

const char *
tagging_op_name(enum tagging_op op)
{
	return op == TAGGING_CREATE ? "CreateTags" : "DeleteTags";
}

static int
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static struct tagging_call *
plan_add_call(struct tagging_plan *p, size_t *cap, const struct tagging_item *it,
    const char *key)
{
	struct tagging_call *c;

	if (p->ncalls == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		p->calls = xreallocarray(p->calls, *cap, sizeof *p->calls);
	}
	c = &p->calls[p->ncalls++];
	memset(c, 0, sizeof *c);
	c->op = it->value != NULL ? TAGGING_CREATE : TAGGING_DELETE;
	c->target = xstrdup(it->target);
	c->region = xstrdup(it->region);
	c->key = xstrdup(key);
	c->value = it->value != NULL ? xstrdup(it->value) : NULL;
	awserr_init(&c->err);
	return c;
}

/* qsort has no context argument; one plan is built at a time. */
static const struct tagging_item *sort_items;

static int
cmp_item(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	const struct tagging_item *p = &sort_items[x], *q = &sort_items[y];
	int c;

	if ((c = strcmp(p->target, q->target)) != 0 ||
	    (c = strcmp(p->region, q->region)) != 0 ||
	    (c = strcmp(p->id, q->id)) != 0)
		return c;
	return x < y ? -1 : x > y;
}

static int
cmp_id(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
tagging_plan_build(const struct tagging_item *items, size_t n,
    const char *key, size_t max_ids, struct tagging_plan *p)
{
	size_t cap = 0, i, m, *order;
	unsigned char *dup;

	if (max_ids == 0 || max_ids > EC2_MAX_IDS_PER_CALL)
		max_ids = EC2_MAX_IDS_PER_CALL;
	memset(p, 0, sizeof *p);
	/* Repeats within one target and region, found by sorting (a console
	 * may hand over every one of 100,000 rows): the first one wins. */
	order = xcalloc(n ? n : 1, sizeof *order);
	dup = xcalloc(n ? n : 1, 1);
	for (i = 0; i < n; i++)
		order[i] = i;
	sort_items = items;
	qsort(order, n, sizeof *order, cmp_item);
	sort_items = NULL;
	for (i = 1; i < n; i++) {
		const struct tagging_item *a = &items[order[i - 1]];
		const struct tagging_item *b = &items[order[i]];

		if (strcmp(a->id, b->id) == 0 &&
		    strcmp(a->target, b->target) == 0 &&
		    strcmp(a->region, b->region) == 0)
			dup[order[i]] = 1;
	}
	for (i = 0; i < n; i++) {
		const struct tagging_item *it = &items[i];
		struct tagging_call *c = NULL;

		if (dup[i])
			continue;
		p->ninstances++;
		/* The last call of this group: it has room, or a new one. */
		for (m = p->ncalls; m-- > 0;) {
			struct tagging_call *x = &p->calls[m];

			if (strcmp(x->target, it->target) == 0 &&
			    strcmp(x->region, it->region) == 0 &&
			    (x->op == TAGGING_CREATE) == (it->value != NULL) &&
			    str_eq(x->value, it->value)) {
				if (x->nids < max_ids)
					c = x;
				break;
			}
		}
		if (c == NULL) {
			c = plan_add_call(p, &cap, it, key);
			c->ids = xcalloc(max_ids, sizeof *c->ids);
		}
		c->ids[c->nids++] = xstrdup(it->id);
	}
	/* The ids of a call in order, whatever order the rows came in: a dry
	 * run reads the same twice, and the audit log diffs cleanly. */
	for (m = 0; m < p->ncalls; m++)
		qsort(p->calls[m].ids, p->calls[m].nids,
		    sizeof *p->calls[m].ids, cmp_id);
	free(order);
	free(dup);
}

void
tagging_plan_free(struct tagging_plan *p)
{
	size_t i, k;

	for (i = 0; i < p->ncalls; i++) {
		struct tagging_call *c = &p->calls[i];

		for (k = 0; k < c->nids; k++)
			free(c->ids[k]);
		free(c->ids);
		free(c->target);
		free(c->region);
		free(c->key);
		free(c->value);
		awserr_free(&c->err);
	}
	free(p->calls);
	memset(p, 0, sizeof *p);
}

/* --- items from cached rows ------------------------------------ */

/* The configured target name of cache target "NAME/REGION", or NULL. */
static char *
config_target_of(const struct config *cfg, const char *cache_name,
    const char *region)
{
	const char *slash = strrchr(cache_name, '/');
	size_t i, len;

	if (slash == NULL || strcmp(slash + 1, region) != 0)
		return NULL;
	len = (size_t)(slash - cache_name);
	for (i = 0; i < cfg->ntargets; i++)
		if (strlen(cfg->targets[i].name) == len &&
		    strncmp(cfg->targets[i].name, cache_name, len) == 0)
			return xstrndup(cache_name, len);
	return NULL;
}

void
tagging_items_from_rows(const struct config *cfg,
    const struct cache_target *ts, size_t nts,
    const struct fleet_instance *const *rows, size_t nrows,
    const char *value, struct tagging_items *out)
{
	size_t i, t;

	memset(out, 0, sizeof *out);
	out->v = xcalloc(nrows ? nrows : 1, sizeof *out->v);
	out->row = xcalloc(nrows ? nrows : 1, sizeof *out->row);
	out->targets = xcalloc(nrows ? nrows : 1, sizeof *out->targets);
	for (i = 0; i < nrows; i++) {
		const struct fleet_instance *in = rows[i];
		char *target = NULL;

		/* Targets are few; rows may be 100,000: the inner loop stays
		 * short. */
		for (t = 0; t < nts && target == NULL; t++)
			if (strcmp(ts[t].account, in->account) == 0 &&
			    strcmp(ts[t].region, in->region) == 0)
				target = config_target_of(cfg, ts[t].name,
				    in->region);
		if (target == NULL)
			continue;	/* from a target no longer configured */
		out->targets[out->n] = target;
		out->row[out->n] = i;
		out->v[out->n].id = in->id;
		out->v[out->n].target = target;
		out->v[out->n].region = in->region;
		out->v[out->n].value = value;
		out->n++;
	}
}

void
tagging_items_free(struct tagging_items *it)
{
	size_t k;

	for (k = 0; k < it->n; k++)
		free(it->targets[k]);
	free(it->targets);
	free(it->row);
	free(it->v);
	memset(it, 0, sizeof *it);
}

/* --- execution ------------------------------------------------------ */

struct tagging;

struct acct {
	struct tagging *tg;
	char *name;		/* the target's name (the config may go) */
	struct aws_client *sts;	/* the fanout's */
	char *arn;		/* the caller, once known */
	struct aws_error err;	/* why it is not */
};

/* The argument of one call's callback. */
struct sent {
	struct tagging *tg;
	struct tagging_call *c;
	struct aws_client *ec2;	/* the fanout's, for its target and region */
};

struct tagging {
	struct net *net;
	struct tagging_plan *plan;	/* borrowed */
	tagging_done_fn done;
	void *arg;
	struct audit *log;
	char *action;
	char *requested;
	char *id;		/* the audit action id, once intent is written */
	struct fanout *fo;	/* the (target, region) pairs of the calls */
	struct acct *accts;
	size_t naccts;
	struct sent *sent;	/* one per call */
	size_t pending;		/* STS or EC2 replies still awaited */
	size_t nsent;
	int result_written;
	int finished;		/* done has run */
	int rc;
	char *err;
	struct net_timer *timer;	/* done, about to be called */
};

static struct acct *
acct_for(struct tagging *r, const char *target)
{
	size_t i;

	for (i = 0; i < r->naccts; i++)
		if (strcmp(r->accts[i].name, target) == 0)
			return &r->accts[i];
	return NULL;
}

/*
 * The fanout of every (target, region) the plan's calls name, and their
 * clients, before anything is sent: a target not configured (any more)
 * or that cannot be set up refuses the whole plan.
 */
static int
setup(struct tagging *r, const struct tagging_opts *o, char **err)
{
	const struct tagging_plan *p = r->plan;
	struct fanout_slot *sl;
	char **names;
	size_t i;

	names = xcalloc(p->ncalls ? p->ncalls : 1, sizeof *names);
	for (i = 0; i < p->ncalls; i++)
		names[i] = xasprintf("%s/%s", p->calls[i].target,
		    p->calls[i].region);
	r->fo = fanout_open_named(r->net, o->cfg, o->profile,
	    (const char *const *)names, p->ncalls, err);
	for (i = 0; i < p->ncalls; i++)
		free(names[i]);
	free(names);
	if (r->fo == NULL)
		return -1;
	r->accts = xcalloc(p->ncalls ? p->ncalls : 1, sizeof *r->accts);
	for (i = 0; i < p->ncalls; i++) {
		const struct tagging_call *c = &p->calls[i];
		struct acct *a = acct_for(r, c->target);

		sl = fanout_find_target(r->fo, c->target, c->region);
		if (sl == NULL) {
			/* fanout_open_named made one for every name. */
			*err = xasprintf("target %s/%s: not set up", c->target,
			    c->region);
			return -1;
		}
		if (a == NULL) {
			a = &r->accts[r->naccts++];
			a->tg = r;
			a->name = xstrdup(c->target);
			awserr_init(&a->err);
			if ((a->sts = fanout_client(sl, "STS", err)) == NULL)
				return -1;
		}
		if ((r->sent[i].ec2 = fanout_client(sl, "EC2", err)) == NULL)
			return -1;
	}
	return 0;
}

static cJSON *
entry_new(const struct tagging *r, const char *phase)
{
	cJSON *e = cJSON_CreateObject();

	if (e == NULL)
		util_fatal("out of memory (JSON)");
	cJSON_AddStringToObject(e, "action_id", r->id);
	cJSON_AddStringToObject(e, "phase", phase);
	cJSON_AddStringToObject(e, "action", r->action);
	if (r->requested != NULL)
		cJSON_AddStringToObject(e, "requested", r->requested);
	else
		cJSON_AddNullToObject(e, "requested");
	/* Dry runs are not audited (they change nothing); kept so every
	 * entry reads the same. */
	cJSON_AddFalseToObject(e, "dry_run");
	audit_add_local_user(e);
	cJSON_AddNumberToObject(e, "instances", (double)r->plan->ninstances);
	return e;
}

enum outcome_form { CALL_INTENT, CALL_RESULT, CALL_ABANDONED };

static cJSON *
call_json(struct tagging *r, const struct tagging_call *c,
    enum outcome_form form)
{
	cJSON *o = cJSON_CreateObject(), *ids, *tags;
	struct acct *a = acct_for(r, c->target);
	size_t k;

	if (o == NULL)
		util_fatal("out of memory (JSON)");
	cJSON_AddStringToObject(o, "target", c->target);
	cJSON_AddStringToObject(o, "region", c->region);
	if (a != NULL && a->arn != NULL)
		cJSON_AddStringToObject(o, "caller", a->arn);
	else
		cJSON_AddNullToObject(o, "caller");
	cJSON_AddStringToObject(o, "op", tagging_op_name(c->op));
	ids = cJSON_AddArrayToObject(o, "ids");
	for (k = 0; k < c->nids; k++)
		cJSON_AddItemToArray(ids, cJSON_CreateString(c->ids[k]));
	if (c->op == TAGGING_CREATE) {
		tags = cJSON_AddObjectToObject(o, "set");
		cJSON_AddStringToObject(tags, c->key, c->value);
	} else {
		tags = cJSON_AddArrayToObject(o, "removed");
		cJSON_AddItemToArray(tags, cJSON_CreateString(c->key));
	}
	if (form == CALL_ABANDONED) {
		/* A call sent without a reply seen may have been made. */
		cJSON_AddStringToObject(o, "outcome", c->ok ? "ok" :
		    c->sent && c->err.code == NULL ? "unknown" : "failed");
		cJSON_AddBoolToObject(o, "sent", c->sent);
	}
	if (form == CALL_RESULT) {
		cJSON_AddStringToObject(o, "outcome", c->ok ? "ok" : "failed");
		cJSON_AddBoolToObject(o, "sent", c->sent);
	}
	if (form != CALL_INTENT && !c->ok && c->err.code != NULL) {
		cJSON_AddStringToObject(o, "code", c->err.code);
		cJSON_AddStringToObject(o, "message",
		    c->err.message != NULL ? c->err.message : "");
		if (c->err.http_status != 0)
			cJSON_AddNumberToObject(o, "http_status",
			    (double)c->err.http_status);
		if (c->err.request_id != NULL)
			cJSON_AddStringToObject(o, "request_id",
			    c->err.request_id);
	}
	return o;
}

/* From a timer, so that done never runs inside an AWS callback: done may
 * free the handle, and with it the clients those callbacks belong to. */
static void
deliver(void *arg)
{
	struct tagging *r = arg;

	r->timer = NULL;
	r->finished = 1;
	r->done(r->arg, r->rc, r->nsent > 0, r->err);
}

/* err is taken. */
static void
finish(struct tagging *r, int rc, char *err)
{
	r->rc = rc;
	r->err = err;
	r->timer = net_timer_add(r->net, 0, deliver, r);
}

static void
calls_ended(struct tagging *r)
{
	struct tagging_plan *p = r->plan;
	cJSON *entry, *calls;
	char *e = NULL;
	size_t i, nfailed = 0;

	for (i = 0; i < p->ncalls; i++)
		if (!p->calls[i].ok)
			nfailed++;
	entry = entry_new(r, "result");
	cJSON_AddStringToObject(entry, "outcome", nfailed == 0 ? "ok" :
	    nfailed == p->ncalls ? "failed" : "partial");
	calls = cJSON_AddArrayToObject(entry, "calls");
	for (i = 0; i < p->ncalls; i++)
		cJSON_AddItemToArray(calls, call_json(r, &p->calls[i],
		    CALL_RESULT));
	if (audit_write(r->log, entry, &e) != 0) {
		cJSON_Delete(entry);
		/* Not written, but no second try from tagging_free. */
		r->result_written = 1;
		finish(r, -1, xasprintf("%zu of %zu call(s) were made but the "
		    "audit result could not be written (action id %s): %s",
		    r->nsent, p->ncalls, r->id, e));
		free(e);
		return;
	}
	cJSON_Delete(entry);
	r->result_written = 1;
	if (nfailed > 0)
		finish(r, -1, xasprintf("%zu of %zu call(s) failed", nfailed,
		    p->ncalls));
	else
		finish(r, 0, NULL);
}

static void
on_call_end(void *arg, const struct aws_error *err)
{
	struct sent *s = arg;

	if (err == NULL)
		s->c->ok = 1;
	else
		awserr_copy(&s->c->err, err);
	if (--s->tg->pending == 0)
		calls_ended(s->tg);
}

static void
identities_known(struct tagging *r)
{
	struct tagging_plan *p = r->plan;
	cJSON *entry, *calls;
	char *e = NULL;
	size_t i;

	for (i = 0; i < p->ncalls; i++) {
		struct acct *a = acct_for(r, p->calls[i].target);
		char *m;

		if (a->arn != NULL)
			continue;
		m = xasprintf("not sent: the caller identity (STS "
		    "GetCallerIdentity) is unknown: %s: %s",
		    a->err.code != NULL ? a->err.code : "Error",
		    a->err.message != NULL ? a->err.message : "");
		awserr_set(&p->calls[i].err, a->err.http_status,
		    a->err.code != NULL ? a->err.code : "Error", m,
		    a->err.request_id);
		free(m);
	}

	r->id = audit_new_id();
	entry = entry_new(r, "intent");
	calls = cJSON_AddArrayToObject(entry, "calls");
	for (i = 0; i < p->ncalls; i++)
		if (p->calls[i].err.code == NULL)
			cJSON_AddItemToArray(calls, call_json(r, &p->calls[i],
			    CALL_INTENT));
	if (audit_write(r->log, entry, &e) != 0) {
		cJSON_Delete(entry);
		/* No intent: nothing for tagging_free to close either. */
		free(r->id);
		r->id = NULL;
		finish(r, -1, xasprintf("refused: %s; no change is made "
		    "without an audit record", e));
		free(e);
		return;
	}
	cJSON_Delete(entry);

	for (i = 0; i < p->ncalls; i++) {
		struct tagging_call *c = &p->calls[i];
		struct ec2_tag tag;

		if (c->err.code != NULL)
			continue;
		tag.key = c->key;
		tag.value = c->value;
		c->sent = 1;
		r->nsent++;
		r->pending++;
		r->sent[i].tg = r;
		r->sent[i].c = c;
		if (c->op == TAGGING_CREATE)
			ec2_create_tags(r->sent[i].ec2,
			    (const char *const *)c->ids, c->nids, &tag, 1,
			    on_call_end, &r->sent[i]);
		else
			ec2_delete_tags(r->sent[i].ec2,
			    (const char *const *)c->ids, c->nids, &tag, 1,
			    on_call_end, &r->sent[i]);
	}
	if (r->pending == 0)
		calls_ended(r);
}

static void
on_identity(void *arg, const struct sts_identity *id,
    const struct aws_error *err)
{
	struct acct *a = arg;

	if (id != NULL)
		a->arn = xstrdup(id->arn);
	else
		awserr_copy(&a->err, err);
	if (--a->tg->pending == 0)
		identities_known(a->tg);
}

/* An intent without a result would leave the audit log saying nothing of
 * what happened: say that the outcome is not known. */
static void
write_abandoned(struct tagging *r)
{
	struct tagging_plan *p = r->plan;
	cJSON *entry, *calls;
	char *e = NULL;
	size_t i;

	entry = entry_new(r, "result");
	cJSON_AddStringToObject(entry, "outcome", "abandoned");
	calls = cJSON_AddArrayToObject(entry, "calls");
	for (i = 0; i < p->ncalls; i++)
		cJSON_AddItemToArray(calls, call_json(r, &p->calls[i],
		    CALL_ABANDONED));
	if (audit_write(r->log, entry, &e) != 0)
		free(e);	/* nobody left to tell */
	cJSON_Delete(entry);
}

void
tagging_free(struct tagging *r)
{
	size_t i;

	if (r == NULL)
		return;
	if (r->id != NULL && !r->result_written)
		write_abandoned(r);
	for (i = 0; i < r->naccts; i++) {
		free(r->accts[i].arn);
		free(r->accts[i].name);
		awserr_free(&r->accts[i].err);
	}
	free(r->accts);
	free(r->sent);
	/* The clients and providers last: after the loop (tagging.h),
	 * whose transfers may point at them. */
	fanout_free(r->fo);
	audit_close(r->log);
	free(r->id);
	free(r->action);
	free(r->requested);
	free(r->err);
	free(r);
}

int
tagging_finished(const struct tagging *r)
{
	return r->finished;
}

struct tagging *
tagging_start(struct net *net, const struct tagging_opts *o,
    struct tagging_plan *p, tagging_done_fn done, void *arg, char **err)
{
	struct tagging *r;
	struct audit *log = NULL;
	char *e = NULL;
	size_t i;

	if (audit_open(&log, &e) != 0) {
		*err = xasprintf("refused: %s; no change is made without an "
		    "audit record", e);
		free(e);
		return NULL;
	}
	r = xcalloc(1, sizeof *r);
	r->net = net;
	r->plan = p;
	r->done = done;
	r->arg = arg;
	r->log = log;
	r->action = xstrdup(o->action);
	r->requested = o->requested != NULL ? xstrdup(o->requested) : NULL;
	r->sent = xcalloc(p->ncalls ? p->ncalls : 1, sizeof *r->sent);
	if (setup(r, o, &e) != 0) {
		*err = xasprintf("refused before any change: %s", e);
		free(e);
		/* Nothing was submitted: the providers have nothing in the
		 * loop yet, so they may go before it. */
		tagging_free(r);
		return NULL;
	}
	/* Who we are, in each account: for the audit entries. */
	r->pending = r->naccts;
	for (i = 0; i < r->naccts; i++)
		sts_get_caller_identity(r->accts[i].sts, on_identity,
		    &r->accts[i]);
	if (r->naccts == 0)
		identities_known(r);	/* an empty plan: both entries */
	return r;
}

/* tagging_apply's view of done. */
struct waited {
	int ended;
	int rc;
	int acted;
	char *err;
};

static void
on_applied(void *arg, int rc, int acted, const char *err)
{
	struct waited *w = arg;

	w->ended = 1;
	w->rc = rc;
	w->acted = acted;
	w->err = err != NULL ? xstrdup(err) : NULL;
}

int
tagging_apply(const struct tagging_opts *o, struct tagging_plan *p,
    int *acted, char **err)
{
	struct net *net = net_new();
	struct tagging *t;
	struct waited w;

	memset(&w, 0, sizeof w);
	*acted = 0;
	t = tagging_start(net, o, p, on_applied, &w, err);
	if (t == NULL) {
		net_free(net);
		return -1;
	}
	net_run(net, NULL);
	net_free(net);
	tagging_free(t);
	*acted = w.acted;
	if (!w.ended) {
		free(w.err);
		*err = xstrdup("the change ended without an outcome");
		return -1;
	}
	if (w.rc != 0) {
		*err = w.err != NULL ? w.err : xstrdup("the change failed");
		return -1;
	}
	free(w.err);
	return 0;
}

/* --- the cache ------------------------------------------------------ */

static void
set_tag(struct fleet_instance *in, const char *key, const char *value)
{
	size_t k;

	for (k = 0; k < in->ntags; k++) {
		if (strcmp(in->tags[k].key, key) != 0)
			continue;
		if (value != NULL) {
			free(in->tags[k].value);
			in->tags[k].value = xstrdup(value);
			return;
		}
		free(in->tags[k].key);
		free(in->tags[k].value);
		memmove(&in->tags[k], &in->tags[k + 1],
		    (in->ntags - k - 1) * sizeof *in->tags);
		in->ntags--;
		return;
	}
	if (value == NULL)
		return;
	in->tags = xreallocarray(in->tags, in->ntags + 1, sizeof *in->tags);
	in->tags[in->ntags].key = xstrdup(key);
	in->tags[in->ntags].value = xstrdup(value);
	in->ntags++;
}

struct change {
	const char *id;
	const struct tagging_call *call;
};

static int
cmp_change(const void *a, const void *b)
{
	return strcmp(((const struct change *)a)->id,
	    ((const struct change *)b)->id);
}

static int
cmp_row_id(const void *a, const void *b)
{
	const struct fleet_instance *x = *(struct fleet_instance *const *)a;
	const struct fleet_instance *y = *(struct fleet_instance *const *)b;

	return strcmp(x->id, y->id);
}

/* Is call one for cache target name ("TARGET/REGION", as sync names it)? */
static int
call_is_for(const struct tagging_call *call, const char *name)
{
	size_t tl = strlen(call->target);

	return strncmp(name, call->target, tl) == 0 && name[tl] == '/' &&
	    strcmp(name + tl + 1, call->region) == 0;
}

int
tagging_update_cache(struct cache *c, const struct config *cfg,
    const struct tagging_plan *p, char **err)
{
	struct fleet_instance *v = NULL, **rows = NULL, *copy;
	struct cache_target *ts = NULL;
	struct change *ch = NULL;
	unsigned char *owned;
	size_t n = 0, nts = 0, i, j, t, k, nrows, nch, total = 0;
	int rc = 0;

	for (i = 0; i < p->ncalls; i++)
		if (p->calls[i].ok)
			total += p->calls[i].nids;
	if (total == 0)
		return 0;
	cache_set_tag_keys(c, cfg->tags.window, cfg->tags.owner);
	if (cache_load_instances(c, &v, &n, err) != 0)
		return -1;
	if (cache_targets(c, 0, &ts, &nts, err) != 0) {
		cache_instances_free(v, n);
		return -1;
	}
	rows = xcalloc(n ? n : 1, sizeof *rows);
	copy = xcalloc(n ? n : 1, sizeof *copy);
	owned = xcalloc(n ? n : 1, 1);
	ch = xcalloc(total, sizeof *ch);
	for (t = 0; t < nts && rc == 0; t++) {
		const struct cache_target *ct = &ts[t];
		struct change key, *hit;

		/* What succeeded for this target, by id. */
		nch = 0;
		for (i = 0; i < p->ncalls; i++) {
			const struct tagging_call *call = &p->calls[i];

			if (!call->ok || !call_is_for(call, ct->name))
				continue;
			for (j = 0; j < call->nids; j++) {
				ch[nch].id = call->ids[j];
				ch[nch++].call = call;
			}
		}
		if (nch == 0)
			continue;
		qsort(ch, nch, sizeof *ch, cmp_change);
		/* Its rows: same account and region, each id once. */
		nrows = 0;
		for (i = 0; i < n; i++)
			if (strcmp(v[i].account, ct->account) == 0 &&
			    strcmp(v[i].region, ct->region) == 0)
				rows[nrows++] = &v[i];
		qsort(rows, nrows, sizeof *rows, cmp_row_id);
		for (i = 0, k = 0; i < nrows; i++) {
			if (k > 0 && strcmp(copy[k - 1].id, rows[i]->id) == 0)
				continue;
			key.id = rows[i]->id;
			hit = bsearch(&key, ch, nch, sizeof *ch, cmp_change);
			owned[k] = hit != NULL;
			if (hit != NULL) {
				/* A loaded row is one block: change a copy. */
				fleet_instance_copy(&copy[k], rows[i]);
				set_tag(&copy[k], hit->call->key,
				    hit->call->value);
			} else {
				copy[k] = *rows[i];	/* shallow: v owns it */
			}
			k++;
		}
		/* The target's age stays that of its last sync; a failure
		 * recorded since is put back, so it is not hidden. */
		if (cache_replace_target(c, ct->name, ct->account, ct->region,
		    copy, k, ct->last_ok, err) != 0)
			rc = -1;
		else if (ct->error_code[0] != '\0' &&
		    cache_target_failed(c, ct->name, ct->error_code,
		    ct->error_message, ct->last_attempt, err) != 0)
			rc = -1;
		for (i = 0; i < k; i++)
			if (owned[i])
				fleet_instance_done(&copy[i]);
	}
	free(owned);
	free(ch);
	free(copy);
	free(rows);
	cache_targets_free(ts, nts);
	cache_instances_free(v, n);
	return rc;
}
