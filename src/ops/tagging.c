/*
 * tagging.c - see tagging.h.
 *
 * Credentials are set up per target exactly as sync.c does (awsconf_load
 * with the target's profile, creds_new, creds_new_role for a role), so a
 * change goes to the account the instance was synced from.  One EC2
 * client per (target, region); one STS client per target, whose
 * GetCallerIdentity names the caller in the audit entries.
 */
#include "ops/tagging.h"

#include <cjson/cJSON.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/awsconf.h"
#include "aws/client.h"
#include "aws/creds.h"
#include "aws/ec2.h"
#include "aws/net.h"
#include "aws/sts.h"
#include "cache/cache.h"
#include "ops/audit.h"
#include "ops/config.h"
#include "util/util.h"

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

/* --- execution ------------------------------------------------------ */

struct acct {
	const struct config_target *t;
	struct aws_config cfg;
	int cfg_loaded;
	struct creds_provider *creds;
	struct aws_client *sts;
	char *arn;		/* the caller, once known */
	struct aws_error err;	/* why it is not */
};

struct region_client {
	struct acct *a;
	char *region;
	struct aws_client *ec2;
};

struct run {
	struct net *net;
	struct acct *accts;
	size_t naccts;
	struct region_client *rcs;
	size_t nrcs;
};

static void
run_free(struct run *r)
{
	size_t i;

	for (i = 0; i < r->nrcs; i++) {
		aws_client_free(r->rcs[i].ec2);
		free(r->rcs[i].region);
	}
	for (i = 0; i < r->naccts; i++)
		aws_client_free(r->accts[i].sts);
	/* Transfers may still point at the providers: the loop goes first. */
	net_free(r->net);
	for (i = 0; i < r->naccts; i++) {
		creds_free(r->accts[i].creds);
		if (r->accts[i].cfg_loaded)
			awsconf_free(&r->accts[i].cfg);
		free(r->accts[i].arn);
		awserr_free(&r->accts[i].err);
	}
	free(r->accts);
	free(r->rcs);
}

static const struct config_target *
find_target(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->ntargets; i++)
		if (strcmp(cfg->targets[i].name, name) == 0)
			return &cfg->targets[i];
	return NULL;
}

static struct acct *
acct_for(struct run *r, const char *target)
{
	size_t i;

	for (i = 0; i < r->naccts; i++)
		if (strcmp(r->accts[i].t->name, target) == 0)
			return &r->accts[i];
	return NULL;
}

static struct region_client *
rc_for(struct run *r, const char *target, const char *region)
{
	size_t i;

	for (i = 0; i < r->nrcs; i++)
		if (strcmp(r->rcs[i].a->t->name, target) == 0 &&
		    strcmp(r->rcs[i].region, region) == 0)
			return &r->rcs[i];
	return NULL;
}

/* As sync.c's setup_account. */
static int
acct_setup(struct run *r, struct acct *a, const char *profile_opt,
    const char *region, char **err)
{
	const struct config_target *t = a->t;
	const char *profile = t->profile != NULL ? t->profile : profile_opt;
	struct creds_provider *base;
	char *e = NULL;

	awserr_init(&a->err);
	if (awsconf_load(&a->cfg, profile, region, &e) != 0)
		goto fail;
	a->cfg_loaded = 1;
	base = creds_new(r->net, &a->cfg, NULL, &e);
	if (base == NULL)
		goto fail;
	if (t->role_arn == NULL) {
		a->creds = base;
	} else {
		a->creds = creds_new_role(r->net, &a->cfg, base, t->role_arn,
		    t->external_id, &e);
		if (a->creds == NULL)
			goto fail;
	}
	a->sts = aws_client_new(r->net, &a->cfg, a->creds, "STS", region, &e);
	if (a->sts == NULL)
		goto fail;
	return 0;
fail:
	*err = xasprintf("target %s: %s", t->name, e);
	free(e);
	return -1;
}

static int
run_setup(struct run *r, const struct tagging_opts *o,
    const struct tagging_plan *p, char **err)
{
	size_t i;
	char *e = NULL;

	memset(r, 0, sizeof *r);
	r->net = net_new();
	r->accts = xcalloc(p->ncalls ? p->ncalls : 1, sizeof *r->accts);
	r->rcs = xcalloc(p->ncalls ? p->ncalls : 1, sizeof *r->rcs);
	for (i = 0; i < p->ncalls; i++) {
		const struct tagging_call *c = &p->calls[i];
		struct acct *a = acct_for(r, c->target);
		struct region_client *rc;

		if (a == NULL) {
			const struct config_target *t =
			    find_target(o->cfg, c->target);

			if (t == NULL) {
				*err = xasprintf("target %s is not in the "
				    "configuration (any more): run patchdeck "
				    "sync", c->target);
				return -1;
			}
			a = &r->accts[r->naccts++];
			a->t = t;
			if (acct_setup(r, a, o->profile, c->region, err) != 0)
				return -1;
		}
		if (rc_for(r, c->target, c->region) != NULL)
			continue;
		rc = &r->rcs[r->nrcs++];
		rc->a = a;
		rc->region = xstrdup(c->region);
		rc->ec2 = aws_client_new(r->net, &a->cfg, a->creds, "EC2",
		    c->region, &e);
		if (rc->ec2 == NULL) {
			*err = xasprintf("target %s/%s: %s", c->target,
			    c->region, e);
			free(e);
			return -1;
		}
	}
	return 0;
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
}

static void
on_call_end(void *arg, const struct aws_error *err)
{
	struct tagging_call *c = arg;

	if (err == NULL)
		c->ok = 1;
	else
		awserr_copy(&c->err, err);
}

/* The local account running patchdeck, beside the AWS caller. */
static void
add_local_user(cJSON *o)
{
	struct passwd *pw = getpwuid(getuid());
	char host[256];

	cJSON_AddStringToObject(o, "local_user",
	    pw != NULL && pw->pw_name != NULL ? pw->pw_name : "");
	if (gethostname(host, sizeof host) != 0)
		host[0] = '\0';
	host[sizeof host - 1] = '\0';
	cJSON_AddStringToObject(o, "host", host);
}

static cJSON *
entry_new(const struct tagging_opts *o, const char *action_id,
    const char *phase, const struct tagging_plan *p)
{
	cJSON *e = cJSON_CreateObject();

	if (e == NULL)
		util_fatal("out of memory (JSON)");
	cJSON_AddStringToObject(e, "action_id", action_id);
	cJSON_AddStringToObject(e, "phase", phase);
	cJSON_AddStringToObject(e, "action", o->action);
	if (o->requested != NULL)
		cJSON_AddStringToObject(e, "requested", o->requested);
	else
		cJSON_AddNullToObject(e, "requested");
	/* Dry runs are not audited (they change nothing); kept so every
	 * entry reads the same. */
	cJSON_AddFalseToObject(e, "dry_run");
	add_local_user(e);
	cJSON_AddNumberToObject(e, "instances", (double)p->ninstances);
	return e;
}

static cJSON *
call_json(struct run *r, const struct tagging_call *c, int with_outcome)
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
	if (with_outcome) {
		cJSON_AddStringToObject(o, "outcome", c->ok ? "ok" : "failed");
		cJSON_AddBoolToObject(o, "sent", c->sent);
		if (!c->ok && c->err.code != NULL) {
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
	}
	return o;
}

int
tagging_apply(const struct tagging_opts *o, struct tagging_plan *p,
    int *acted, char **err)
{
	struct audit *log = NULL;
	struct run r;
	cJSON *entry, *calls;
	char *id = NULL, *e = NULL;
	size_t i, nfailed = 0, nsent = 0;
	int rc = -1;

	*acted = 0;
	memset(&r, 0, sizeof r);
	if (audit_open(&log, &e) != 0) {
		*err = xasprintf("refused: %s; no change is made without an "
		    "audit record", e);
		free(e);
		return -1;
	}
	if (run_setup(&r, o, p, &e) != 0) {
		*err = xasprintf("refused before any change: %s", e);
		free(e);
		goto out;
	}
	/* Who we are, in each account: for the audit entries. */
	for (i = 0; i < r.naccts; i++)
		sts_get_caller_identity(r.accts[i].sts, on_identity,
		    &r.accts[i]);
	net_run(r.net, NULL);
	for (i = 0; i < p->ncalls; i++) {
		struct acct *a = acct_for(&r, p->calls[i].target);
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

	id = audit_new_id();
	entry = entry_new(o, id, "intent", p);
	calls = cJSON_AddArrayToObject(entry, "calls");
	for (i = 0; i < p->ncalls; i++)
		if (p->calls[i].err.code == NULL)
			cJSON_AddItemToArray(calls, call_json(&r, &p->calls[i],
			    0));
	if (audit_write(log, entry, &e) != 0) {
		*err = xasprintf("refused: %s; no change is made without an "
		    "audit record", e);
		free(e);
		cJSON_Delete(entry);
		goto out;
	}
	cJSON_Delete(entry);

	for (i = 0; i < p->ncalls; i++) {
		struct tagging_call *c = &p->calls[i];
		struct region_client *rcl = rc_for(&r, c->target, c->region);
		struct ec2_tag tag;

		if (c->err.code != NULL)
			continue;
		tag.key = c->key;
		tag.value = c->value;
		c->sent = 1;
		nsent++;
		if (c->op == TAGGING_CREATE)
			ec2_create_tags(rcl->ec2, (const char *const *)c->ids,
			    c->nids, &tag, 1, on_call_end, c);
		else
			ec2_delete_tags(rcl->ec2, (const char *const *)c->ids,
			    c->nids, &tag, 1, on_call_end, c);
	}
	*acted = nsent > 0;
	net_run(r.net, NULL);
	for (i = 0; i < p->ncalls; i++)
		if (!p->calls[i].ok)
			nfailed++;

	entry = entry_new(o, id, "result", p);
	cJSON_AddStringToObject(entry, "outcome", nfailed == 0 ? "ok" :
	    nfailed == p->ncalls ? "failed" : "partial");
	calls = cJSON_AddArrayToObject(entry, "calls");
	for (i = 0; i < p->ncalls; i++)
		cJSON_AddItemToArray(calls, call_json(&r, &p->calls[i], 1));
	if (audit_write(log, entry, &e) != 0) {
		*err = xasprintf("%zu of %zu call(s) were made but the audit "
		    "result could not be written (action id %s): %s", nsent,
		    p->ncalls, id, e);
		free(e);
		cJSON_Delete(entry);
		goto out;
	}
	cJSON_Delete(entry);
	if (nfailed > 0) {
		*err = xasprintf("%zu of %zu call(s) failed", nfailed,
		    p->ncalls);
		goto out;
	}
	rc = 0;
out:
	free(id);
	run_free(&r);
	audit_close(log);
	return rc;
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
