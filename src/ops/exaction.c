/*
 * exaction.c - see exaction.h.  Each step's callback starts the next; a
 * step that ends the action sets the outcome and calls finish().
 */
#include "ops/exaction.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "aws/ddb.h"
#include "aws/net.h"
#include "aws/sts.h"
#include "fleet/principal.h"
#include "ops/audit.h"
#include "util/util.h"

/* The handle is &pub: the caller sees the results, not the steps. */
struct exaction_job {
	struct exaction pub;		/* first */
	struct exceptions_ctx *x;
	struct exaction_opts o;
	char *id, *reason, *aid;
	char now_iso[32];
	struct fleet_exception *found;	/* what the Scan for id found */
	size_t nfound, capfound;
	struct net_timer *timer;
	exaction_done_fn done;
	void *arg;
	int finished;
};

static void
on_finished(void *arg)
{
	struct exaction_job *a = arg;

	a->timer = NULL;
	a->finished = 1;
	if (a->done != NULL)
		a->done(a->arg, &a->pub);
}

/* Ends the action: done runs from a timer, after the AWS callback that
 * got here has returned. */
static void
finish(struct exaction_job *a, enum exaction_outcome outcome)
{
	a->pub.outcome = outcome;
	a->timer = net_timer_add(a->x->s.net, 0, on_finished, a);
}

static void
fail(struct exaction_job *a, enum exaction_outcome outcome, char *message)
{
	a->pub.message = message;
	finish(a, outcome);
}

static cJSON *
details(const struct exaction_job *a)
{
	cJSON *d = cJSON_CreateObject();

	if (d == NULL)
		util_fatal("out of memory (JSON)");
	cJSON_AddStringToObject(d, "table", a->x->table);
	cJSON_AddStringToObject(d, "exception_id", a->pub.rec.exception_id);
	cJSON_AddStringToObject(d, "instance_id", a->pub.rec.instance_id);
	return d;
}

static const char *
action_name(const struct exaction_job *a, char *buf, size_t size)
{
	snprintf(buf, size, "exceptions.%s", a->o.request ? "request" :
	    exceptions_action_name(a->o.action));
	return buf;
}

/* The intent entry; -1 (and the action ended) when it cannot be
 * written: nothing is changed without it. */
static int
audit_intent(struct exaction_job *a)
{
	cJSON *d = details(a);
	char name[40], *err = NULL;

	if (a->o.request) {
		cJSON_AddItemToObject(d, "item", exceptions_to_item(&a->pub.rec));
	} else {
		cJSON_AddStringToObject(d, "from",
		    exceptions_action_from(a->o.action));
		cJSON_AddStringToObject(d, "to",
		    exceptions_action_to(a->o.action));
		if (a->reason != NULL)
			cJSON_AddStringToObject(d, "reason", a->reason);
	}
	a->aid = audit_new_id();
	if (exceptions_audit(a->o.log, a->aid, "intent", action_name(a, name,
	    sizeof name), a->pub.caller, d, &err) != 0) {
		fail(a, EXA_ERROR, xasprintf("refused: audit log: %s; no change "
		    "is made without an audit record", err));
		free(err);
		return -1;
	}
	return 0;
}

static void
audit_result(struct exaction_job *a, const char *outcome, const char *why)
{
	cJSON *d = details(a);
	char name[40], *err = NULL;

	cJSON_AddStringToObject(d, "outcome", outcome);
	if (why == NULL && a->pub.ae.code != NULL) {
		cJSON_AddStringToObject(d, "code", a->pub.ae.code);
		cJSON_AddStringToObject(d, "message",
		    a->pub.ae.message ? a->pub.ae.message : "");
	}
	if (why != NULL)
		cJSON_AddStringToObject(d, "why", why);
	if (exceptions_audit(a->o.log, a->aid, "result", action_name(a, name,
	    sizeof name), a->pub.caller, d, &err) != 0) {
		a->pub.audit_err = xasprintf("the audit result could not be written "
		    "(action id %s): %s", a->aid, err);
		free(err);
	}
}

static char *
body_text(cJSON *body)
{
	char *text = cJSON_PrintUnformatted(body);

	if (text == NULL)
		util_fatal("out of memory (JSON)");
	cJSON_Delete(body);
	return text;
}

/* --- the write and its outcome ---------------------------------------- */

static void
on_reread(void *arg, const cJSON *reply, const struct aws_error *err)
{
	struct exaction_job *a = arg;
	struct fleet_exception now;
	const cJSON *item = reply != NULL ?
	    cJSON_GetObjectItemCaseSensitive(reply, "Item") : NULL;
	char *why, *m;
	int found = 0;

	memset(&now, 0, sizeof now);
	if (reply == NULL) {
		m = awserr_format(err);
		why = xasprintf("someone changed it meanwhile (and it cannot "
		    "be read again: GetItem %s: %s)", a->x->table, m);
		free(m);
	} else {
		found = cJSON_IsObject(item) &&
		    exceptions_from_item(item, &now, NULL) == 0;
		why = exceptions_refusal(found ? &now : NULL, a->o.action,
		    a->pub.caller, a->o.max_days);
	}
	fleet_exception_done(&now);
	audit_result(a, "refused", why);
	fail(a, EXA_REFUSED, xasprintf("refused: %s", why));
	free(why);
}

static void
reread(struct exaction_job *a)
{
	cJSON *b = cJSON_CreateObject(), *key;

	if (b == NULL)
		util_fatal("out of memory (JSON)");
	cJSON_AddStringToObject(b, "TableName", a->x->table);
	key = cJSON_AddObjectToObject(b, "Key");
	cJSON_AddItemToObject(key, "instance_id", ddb_s(a->pub.rec.instance_id));
	cJSON_AddItemToObject(key, "exception_id",
	    ddb_s(a->pub.rec.exception_id));
	cJSON_AddTrueToObject(b, "ConsistentRead");
	ddb_get_item(a->x->ddb, b, on_reread, a);
}

static void
on_written(void *arg, const cJSON *reply, const struct aws_error *err)
{
	struct exaction_job *a = arg;
	char *m;

	if (reply != NULL) {
		audit_result(a, "ok", NULL);
		finish(a, EXA_DONE);
		return;
	}
	if (err != NULL)
		awserr_copy(&a->pub.ae, err);
	else
		awserr_set(&a->pub.ae, 0, "NoReply", "no reply", NULL);
	/* Two deciding at once: the loser is told who won. */
	if (!a->o.request && a->pub.ae.code != NULL &&
	    strcmp(a->pub.ae.code, "ConditionalCheckFailedException") == 0) {
		reread(a);
		return;
	}
	audit_result(a, "failed", NULL);
	m = awserr_format(&a->pub.ae);
	fail(a, EXA_FAILED, xasprintf("%s %s: %s", a->o.request ? "PutItem" :
	    "UpdateItem", a->x->table, m));
	free(m);
}

static void
write_record(struct exaction_job *a)
{
	if (audit_intent(a) != 0)
		return;
	if (a->o.request)
		ddb_put_item(a->x->ddb, exceptions_put_request(a->x->table,
		    &a->pub.rec), on_written, a);
	else
		ddb_update_item(a->x->ddb, exceptions_update_request(
		    a->x->table, &a->pub.rec, a->o.action, a->pub.caller, a->now_iso,
		    a->reason), on_written, a);
}

/* --- a decision: the record first ------------------------------------- */

static int
on_found_page(void *arg, const cJSON *items)
{
	struct exaction_job *a = arg;

	exceptions_append_items(items, &a->found, &a->nfound, &a->capfound);
	return 0;
}

static void
copy_record(struct fleet_exception *dst, const struct fleet_exception *src)
{
#define C(f) dst->f = src->f != NULL ? xstrdup(src->f) : NULL;
	C(instance_id) C(exception_id) C(starts) C(ends) C(reason) C(ticket)
	C(requested_by) C(requested_at) C(status) C(decided_by)
	C(decided_at) C(decision_reason)
#undef C
}

static void
on_found(void *arg, const struct aws_error *err)
{
	struct exaction_job *a = arg;
	const struct fleet_exception *e;
	char *m, *why;

	if (err != NULL) {
		m = awserr_format(err);
		fail(a, EXA_ERROR, xasprintf("Scan %s: %s", a->x->table, m));
		free(m);
		return;
	}
	if (a->nfound == 0) {
		fail(a, EXA_ERROR, xasprintf("no exception '%s' in %s", a->id,
		    a->x->table));
		return;
	}
	e = &a->found[0];
	copy_record(&a->pub.rec, e);
	/* Refused at once when it is already plain; the conditional update
	 * still decides a race. */
	why = exceptions_check_action(e, a->o.action, a->pub.caller,
	    a->o.max_days);
	if (why != NULL) {
		fail(a, EXA_REFUSED, xasprintf("refused: %s", why));
		free(why);
		return;
	}
	if (a->o.dry_run) {
		a->pub.dry_op = "UpdateItem";
		a->pub.dry_body = body_text(exceptions_update_request(a->x->table,
		    &a->pub.rec, a->o.action, a->pub.caller, a->now_iso, a->reason));
		finish(a, EXA_DRY_RUN);
		return;
	}
	write_record(a);
}

static void
find_record(struct exaction_job *a)
{
	cJSON *b = cJSON_CreateObject(), *vals;

	if (b == NULL)
		util_fatal("out of memory (JSON)");
	cJSON_AddStringToObject(b, "TableName", a->x->table);
	cJSON_AddStringToObject(b, "FilterExpression", "exception_id = :id");
	vals = cJSON_AddObjectToObject(b, "ExpressionAttributeValues");
	cJSON_AddItemToObject(vals, ":id", ddb_s(a->id));
	ddb_scan(a->x->ddb, b, on_found_page, on_found, a);
}

/* --- who is asking ---------------------------------------------------- */

static void
on_caller(void *arg, const struct sts_identity *id,
    const struct aws_error *err)
{
	struct exaction_job *a = arg;
	char who[FLEET_PRINCIPAL_MAX + 1], *m;
	const char *w;

	if (id == NULL || id->arn == NULL) {
		m = err != NULL ? awserr_format(err) : xstrdup("no reply");
		fail(a, EXA_ERROR, xasprintf("who am I (STS GetCallerIdentity): "
		    "%s", m));
		free(m);
		return;
	}
	a->pub.caller = xstrdup(id->arn);
	if (!a->o.request) {
		find_record(a);
		return;
	}
	/* A record no one could ever approve is not written. */
	if (fleet_principal(a->pub.caller, who, sizeof who, &w) != 0) {
		fail(a, EXA_REFUSED, xasprintf("refused: who you are (%s) is "
		    "not a person's ARN (%s), so no one could approve the "
		    "request", a->pub.caller, w));
		return;
	}
	a->pub.rec.requested_by = xstrdup(a->pub.caller);
	write_record(a);
}

void
exaction_new_request(const struct exceptions_request *r, long long now,
    const char *rnd_hex, struct fleet_exception *out)
{
	char id[EXCEPTIONS_ID_LEN + 8], iso[32];

	memset(out, 0, sizeof *out);
	exceptions_make_id(now, rnd_hex, id, sizeof id);
	exceptions_now_iso(now, iso, sizeof iso);
	out->instance_id = xstrdup(r->instance_id);
	out->exception_id = xstrdup(id);
	out->starts = xstrdup(r->starts);
	out->ends = xstrdup(r->ends);
	out->reason = xstrdup(r->reason);
	out->ticket = r->ticket != NULL ? xstrdup(r->ticket) : NULL;
	out->requested_at = xstrdup(iso);
	out->status = xstrdup("PENDING");
}

struct exaction *
exaction_start(struct exceptions_ctx *x, const struct exaction_opts *o,
    exaction_done_fn done, void *arg)
{
	struct exaction_job *a = xcalloc(1, sizeof *a);

	a->x = x;
	a->o = *o;
	/* Copied below or used only here: o's strings need not outlive. */
	a->o.req = NULL;
	a->o.id = NULL;
	a->o.reason = NULL;
	a->o.rnd_hex = NULL;
	a->done = done;
	a->arg = arg;
	awserr_init(&a->pub.ae);
	exceptions_now_iso(o->now, a->now_iso, sizeof a->now_iso);
	if (o->request)
		exaction_new_request(o->req, o->now, o->rnd_hex, &a->pub.rec);
	a->id = o->id != NULL ? xstrdup(o->id) : NULL;
	a->reason = o->reason != NULL ? xstrdup(o->reason) : NULL;
	if (o->request && o->dry_run) {
		/* No AWS call at all: who the caller is is not asked. */
		a->pub.rec.requested_by = xstrdup("(caller ARN from STS)");
		a->pub.dry_op = "PutItem";
		a->pub.dry_body = body_text(exceptions_put_request(x->table,
		    &a->pub.rec));
		finish(a, EXA_DRY_RUN);
		return &a->pub;
	}
	sts_get_caller_identity(x->sts, on_caller, a);
	return &a->pub;
}

struct exaction *
exaction_run(struct exceptions_ctx *x, const struct exaction_opts *o)
{
	struct exaction *e = exaction_start(x, o, NULL, NULL);

	net_run(x->s.net, &((struct exaction_job *)e)->finished);
	return e;
}

void
exaction_free(struct exaction *e)
{
	/* pub is the first member: the handle is the job. */
	struct exaction_job *a = (struct exaction_job *)e;

	if (a == NULL)
		return;
	if (a->timer != NULL)
		net_timer_cancel(a->x->s.net, a->timer);
	free(a->pub.message);
	free(a->pub.audit_err);
	free(a->pub.dry_body);
	free(a->pub.caller);
	free(a->id);
	free(a->reason);
	free(a->aid);
	fleet_exception_done(&a->pub.rec);
	exceptions_free(a->found, a->nfound);
	awserr_free(&a->pub.ae);
	free(a);
}

/* --- the whole table -------------------------------------------------- */

struct exaction_scan {
	struct exceptions_ctx *x;
	struct fleet_exception *v;
	size_t n, cap;
	char *err;
	struct net_timer *timer;
	exaction_scan_fn done;
	void *arg;
};

static int
on_scan_page(void *arg, const cJSON *items)
{
	struct exaction_scan *s = arg;

	exceptions_append_items(items, &s->v, &s->n, &s->cap);
	return 0;
}

static void
on_scan_done(void *arg)
{
	struct exaction_scan *s = arg;
	struct fleet_exception *v = s->v;
	size_t n = s->n;

	s->timer = NULL;
	s->v = NULL;
	s->n = 0;
	if (s->err != NULL) {
		exceptions_free(v, n);
		s->done(s->arg, NULL, 0, s->err);
	} else {
		s->done(s->arg, v, n, NULL);
	}
}

static void
on_scan_end(void *arg, const struct aws_error *err)
{
	struct exaction_scan *s = arg;
	char *m;

	if (err != NULL) {
		m = awserr_format(err);
		s->err = xasprintf("Scan %s: %s", s->x->table, m);
		free(m);
	}
	s->timer = net_timer_add(s->x->s.net, 0, on_scan_done, s);
}

struct exaction_scan *
exaction_scan_start(struct exceptions_ctx *x, exaction_scan_fn done,
    void *arg)
{
	struct exaction_scan *s = xcalloc(1, sizeof *s);
	cJSON *b = cJSON_CreateObject();

	if (b == NULL)
		util_fatal("out of memory (JSON)");
	s->x = x;
	s->done = done;
	s->arg = arg;
	cJSON_AddStringToObject(b, "TableName", x->table);
	/* What was just approved must show. */
	cJSON_AddTrueToObject(b, "ConsistentRead");
	ddb_scan(x->ddb, b, on_scan_page, on_scan_end, s);
	return s;
}

void
exaction_scan_free(struct exaction_scan *s)
{
	if (s == NULL)
		return;
	if (s->timer != NULL)
		net_timer_cancel(s->x->s.net, s->timer);
	exceptions_free(s->v, s->n);
	free(s->err);
	free(s);
}
