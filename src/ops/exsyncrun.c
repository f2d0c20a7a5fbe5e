/*
 * exsyncrun.c - see exsyncrun.h.
 */
#include "ops/exsyncrun.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awserr.h"
#include "aws/net.h"
#include "aws/sns.h"
#include "cache/cache.h"
#include "ops/audit.h"
#include "ops/config.h"
#include "ops/exceptions.h"
#include "util/util.h"

void
exsync_run_prepare(struct exsync_run *r, const struct config *cfg,
    const struct cache_target *ts, size_t nts,
    const struct fleet_instance *v, size_t n, struct fleet_exception *recs,
    size_t nrecs, struct fleet_date today)
{
	size_t i;

	memset(r, 0, sizeof *r);
	r->recs = recs;
	r->nrecs = nrecs;
	r->rows = xcalloc(n + 1, sizeof *r->rows);
	for (i = 0; i < n; i++)
		r->rows[i] = &v[i];
	/* The target each instance was synced under: the tag calls need
	 * its credentials. */
	tagging_items_from_rows(cfg, ts, nts, r->rows, n, NULL, &r->items);
	r->insts = xcalloc(r->items.n + 1, sizeof *r->insts);
	r->targets = xcalloc(r->items.n + 1, sizeof *r->targets);
	for (i = 0; i < r->items.n; i++) {
		r->insts[i] = r->rows[r->items.row[i]];
		r->targets[i] = r->items.v[i].target;
	}
	exsync_plan_build(recs, nrecs, r->insts, r->targets, r->items.n, today,
	    cfg->exception_max_days, cfg->tags.exception, 0, &r->plan);
	exsync_alert_text(&r->plan, cfg->tags.exception, cfg->tags.owner,
	    &r->subject, &r->body);
}

int
exsync_run_load(struct exsync_run *r, struct cache *c,
    const struct config *cfg, struct fleet_exception *recs, size_t nrecs,
    struct fleet_date today, char **err)
{
	struct fleet_instance *v = NULL;
	struct cache_target *ts = NULL;
	size_t n = 0, nts = 0;

	memset(r, 0, sizeof *r);
	if (cache_load_instances(c, &v, &n, err) != 0 ||
	    cache_targets(c, 0, &ts, &nts, err) != 0) {
		cache_instances_free(v, n);
		exceptions_free(recs, nrecs);
		return -1;
	}
	exsync_run_prepare(r, cfg, ts, nts, v, n, recs, nrecs, today);
	r->v = v;
	r->n = n;
	r->ts = ts;
	r->nts = nts;
	return 0;
}

void
exsync_run_done(struct exsync_run *r)
{
	free(r->subject);
	free(r->body);
	exsync_plan_free(&r->plan);
	tagging_items_free(&r->items);
	free(r->insts);
	free(r->targets);
	free(r->rows);
	exceptions_free(r->recs, r->nrecs);
	cache_targets_free(r->ts, r->nts);
	cache_instances_free(r->v, r->n);
	memset(r, 0, sizeof *r);
}

/* --- the alert ------------------------------------------------------- */

struct exsync_alert {
	struct net *net;
	const struct exsync_run *r;
	struct audit *log;
	char *id, *topic;
	char *message_id, *err, *audit_err;
	int published;
	struct net_timer *timer;
	exsync_alert_fn done;
	void *arg;
};

static cJSON *
alert_entry(const struct exsync_alert *a, const char *phase)
{
	cJSON *e = cJSON_CreateObject(), *ids;
	size_t k;

	if (e == NULL || (ids = cJSON_CreateArray()) == NULL)
		util_fatal("out of memory (JSON)");
	cJSON_AddStringToObject(e, "action_id", a->id);
	cJSON_AddStringToObject(e, "phase", phase);
	cJSON_AddStringToObject(e, "action", "exceptions.alert");
	cJSON_AddFalseToObject(e, "dry_run");
	cJSON_AddStringToObject(e, "op", "Publish");
	cJSON_AddStringToObject(e, "topic", a->topic);
	cJSON_AddStringToObject(e, "subject", a->r->subject);
	for (k = 0; k < a->r->plan.nchanges; k++)
		if (a->r->plan.changes[k].unapproved)
			cJSON_AddItemToArray(ids, cJSON_CreateString(
			    a->r->plan.changes[k].inst->id));
	cJSON_AddItemToObject(e, "instances", ids);
	if ((ids = cJSON_AddArrayToObject(e, "invalid_records")) == NULL)
		util_fatal("out of memory (JSON)");
	for (k = 0; k < a->r->plan.ninvalid; k++)
		cJSON_AddItemToArray(ids, cJSON_CreateString(
		    a->r->plan.invalid[k].record->exception_id));
	return e;
}

static void
on_alert_done(void *arg)
{
	struct exsync_alert *a = arg;
	struct exsync_alert_result res;

	a->timer = NULL;
	memset(&res, 0, sizeof res);
	res.published = a->published;
	res.message_id = a->message_id;
	res.err = a->err;
	res.audit_err = a->audit_err;
	a->done(a->arg, &res);
}

static void
on_published(void *arg, const char *message_id, const struct aws_error *err)
{
	struct exsync_alert *a = arg;
	cJSON *e = alert_entry(a, "result");
	char *aerr = NULL;

	if (err == NULL) {
		a->published = 1;
		a->message_id = xstrdup(message_id != NULL ? message_id : "");
		cJSON_AddStringToObject(e, "outcome", "ok");
		cJSON_AddStringToObject(e, "message_id", a->message_id);
	} else {
		cJSON_AddStringToObject(e, "outcome", "failed");
		cJSON_AddStringToObject(e, "error_code", err->code ? err->code :
		    "");
		cJSON_AddStringToObject(e, "error_message", err->message ?
		    err->message : "");
		a->err = xasprintf("FAILED: SNS Publish to %s: %s: %s",
		    a->topic, err->code ? err->code : "",
		    err->message ? err->message : "");
	}
	if (audit_write(a->log, e, &aerr) != 0) {
		a->audit_err = xasprintf("alert: the result could not be "
		    "audited: %s", aerr);
		free(aerr);
	}
	cJSON_Delete(e);
	a->timer = net_timer_add(a->net, 0, on_alert_done, a);
}

struct exsync_alert *
exsync_alert_start(struct net *net, struct aws_client *sns,
    const char *topic, const struct exsync_run *r, exsync_alert_fn done,
    void *arg, char **err)
{
	struct exsync_alert *a = xcalloc(1, sizeof *a);
	char *aerr = NULL;
	cJSON *e;

	a->net = net;
	a->r = r;
	a->done = done;
	a->arg = arg;
	a->topic = xstrdup(topic);
	a->id = audit_new_id();
	if (audit_open(&a->log, &aerr) != 0)
		goto refused;
	e = alert_entry(a, "intent");
	if (audit_write(a->log, e, &aerr) != 0) {
		cJSON_Delete(e);
		goto refused;
	}
	cJSON_Delete(e);
	sns_publish(sns, topic, r->subject, r->body, on_published, a);
	return a;
refused:
	*err = xasprintf("alert refused: %s; no message is sent without an "
	    "audit record", aerr);
	free(aerr);
	exsync_alert_free(a);
	return NULL;
}

void
exsync_alert_free(struct exsync_alert *a)
{
	if (a == NULL)
		return;
	if (a->timer != NULL)
		net_timer_cancel(a->net, a->timer);
	if (a->log != NULL)
		audit_close(a->log);
	free(a->id);
	free(a->topic);
	free(a->message_id);
	free(a->err);
	free(a->audit_err);
	free(a);
}
