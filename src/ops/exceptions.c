/*
 * exceptions.c - see exceptions.h.
 */
#include "ops/exceptions.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws/client.h"
#include "aws/ddb.h"
#include "aws/net.h"
#include "aws/sts.h"
#include "fleet/principal.h"
#include "ops/audit.h"
#include "util/util.h"

/* --- validation ------------------------------------------------------ */

static int
hex_only(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

/* EC2 ids: "i-" and 8 or 17 lower-case hex digits. */
static int
instance_id_ok(const char *id)
{
	size_t len = strlen(id);

	return strncmp(id, "i-", 2) == 0 && (len == 10 || len == 19) &&
	    hex_only(id + 2);
}

int
exceptions_validate(const struct exceptions_request *r,
    struct fleet_date today, int max_days, int known, int force, char **err)
{
	int field;

	return exceptions_validate_field(r, today, max_days, known, force,
	    &field, err);
}

int
exceptions_validate_field(const struct exceptions_request *r,
    struct fleet_date today, int max_days, int known, int force,
    int *field, char **err)
{
	struct fleet_date s, e;
	char t[11];
	long days;

	if (r->instance_id == NULL || !instance_id_ok(r->instance_id)) {
		*field = EXF_INSTANCE;
		util_seterr(err, "'%.40s' is not an instance id (i- and 8 or "
		    "17 hex digits)", r->instance_id ? r->instance_id : "");
		return -1;
	}
	if (r->starts == NULL || fleet_date_parse(r->starts, &s) != 0) {
		*field = EXF_FROM;
		util_seterr(err, "--from '%.40s' is not a date: expected "
		    "YYYY-MM-DD (UTC)", r->starts ? r->starts : "");
		return -1;
	}
	if (r->ends == NULL || fleet_date_parse(r->ends, &e) != 0) {
		*field = EXF_TO;
		util_seterr(err, "--to '%.40s' is not a date: expected "
		    "YYYY-MM-DD (UTC)", r->ends ? r->ends : "");
		return -1;
	}
	if (fleet_date_cmp(e, s) < 0) {
		*field = EXF_TO;
		util_seterr(err, "the exception ends (%s) before it starts "
		    "(%s)", r->ends, r->starts);
		return -1;
	}
	fleet_date_format(today, t, sizeof t);
	if (fleet_date_cmp(s, today) < 0) {
		*field = EXF_FROM;
		util_seterr(err, "the exception starts in the past (%s; today "
		    "is %s UTC)", r->starts, t);
		return -1;
	}
	days = fleet_days_between(s, e) + 1;
	if (max_days > 0 && days > max_days) {
		*field = EXF_TO;
		util_seterr(err, "the exception is %ld days long; at most %d "
		    "are allowed (exception_max_days)", days, max_days);
		return -1;
	}
	if (r->reason == NULL || r->reason[strspn(r->reason, " \t")] == '\0') {
		*field = EXF_REASON;
		util_seterr(err, "a reason is required (--reason TEXT)");
		return -1;
	}
	if (strlen(r->reason) > EXCEPTIONS_MAX_TEXT ||
	    (r->ticket != NULL && strlen(r->ticket) > EXCEPTIONS_MAX_TEXT)) {
		*field = EXF_REASON;
		util_seterr(err, "the reason or ticket is longer than %d bytes",
		    EXCEPTIONS_MAX_TEXT);
		return -1;
	}
	if (!known && !force) {
		*field = EXF_INSTANCE;
		util_seterr(err, "instance %s is not in the cache; run "
		    "`patchdeck sync`, or pass --force for an instance not yet "
		    "synced", r->instance_id);
		return -1;
	}
	return 0;
}

int
exceptions_check_reason(enum exceptions_action a, const char *reason,
    char **err)
{
	if (a == EXC_REJECT && (reason == NULL ||
	    reason[strspn(reason, " \t")] == '\0')) {
		util_seterr(err, "a reason is required");
		return -1;
	}
	if (reason != NULL && strlen(reason) > EXCEPTIONS_MAX_TEXT) {
		util_seterr(err, "the reason is longer than %d bytes",
		    EXCEPTIONS_MAX_TEXT);
		return -1;
	}
	return 0;
}

void
exceptions_make_id(long long now, const char *rnd_hex, char *buf, size_t size)
{
	time_t tt = (time_t)now;
	struct tm tm;
	char ts[16];

	gmtime_r(&tt, &tm);
	strftime(ts, sizeof ts, "%Y%m%d%H%M%S", &tm);
	snprintf(buf, size, "ex-%s-%.6s", ts, rnd_hex);
}

void
exceptions_now_iso(long long now, char *buf, size_t size)
{
	time_t tt = (time_t)now;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* --- item mapping ---------------------------------------------------- */

/* The attributes, in one place so both directions agree. */
#define FIELDS(X) \
	X(instance_id) X(exception_id) X(starts) X(ends) X(reason) \
	X(ticket) X(requested_by) X(requested_at) X(status) \
	X(decided_by) X(decided_at) X(decision_reason)

cJSON *
exceptions_to_item(const struct fleet_exception *e)
{
	cJSON *item = cJSON_CreateObject();

	if (item == NULL)
		util_fatal("out of memory (JSON)");
	/* DynamoDB refuses empty key strings, and an empty attribute says
	 * nothing an absent one does not. */
#define PUT(f) \
	if (e->f != NULL && *e->f != '\0') \
		cJSON_AddItemToObject(item, #f, ddb_s(e->f));
	FIELDS(PUT)
#undef PUT
	return item;
}

int
exceptions_from_item(const cJSON *item, struct fleet_exception *e,
    char **err)
{
	const char *v;

	memset(e, 0, sizeof *e);
#define GET(f) \
	if ((v = ddb_item_s(item, #f)) != NULL) \
		e->f = xstrdup(v);
	FIELDS(GET)
#undef GET
	if (e->instance_id == NULL || e->exception_id == NULL) {
		fleet_exception_done(e);
		util_seterr(err, "an exception record without instance_id or "
		    "exception_id");
		return -1;
	}
	return 0;
}

/* --- categories ----------------------------------------------------- */

static int
status_is(const struct fleet_exception *e, const char *s)
{
	return e->status != NULL && strcmp(e->status, s) == 0;
}

enum exceptions_category
exceptions_category(const struct fleet_exception *e, struct fleet_date today,
    int max_days)
{
	struct fleet_date s, t;

	if (fleet_exception_check(e, max_days, NULL, 0) != 0 ||
	    fleet_exception_dates(e, &s, &t) != 0)
		return EXC_INVALID;
	if (status_is(e, "REJECTED"))
		return EXC_REJECTED;
	if (status_is(e, "REVOKED"))
		return EXC_REVOKED;
	if (status_is(e, "PENDING"))
		return fleet_date_cmp(t, today) < 0 ? EXC_EXPIRED :
		    EXC_PENDING;
	if (fleet_date_cmp(t, today) < 0)
		return EXC_EXPIRED;
	if (fleet_date_cmp(today, s) < 0)
		return EXC_UPCOMING;
	return EXC_LIVE;
}

const char *
exceptions_category_name(enum exceptions_category c)
{
	static const char *const names[] = { "live", "upcoming", "pending",
	    "expired", "rejected", "revoked", "invalid" };

	return (unsigned)c < sizeof names / sizeof names[0] ? names[c] :
	    "invalid";
}

int
exceptions_is_expiring(const struct fleet_exception *e,
    struct fleet_date today, int days, int max_days)
{
	struct fleet_date s, t;

	if (exceptions_category(e, today, max_days) != EXC_LIVE ||
	    fleet_exception_dates(e, &s, &t) != 0)
		return 0;
	return fleet_days_between(today, t) <= days;
}

/* --- requests -------------------------------------------------------- */

const char *
exceptions_action_name(enum exceptions_action a)
{
	return a == EXC_APPROVE ? "approve" : a == EXC_REJECT ? "reject" :
	    "revoke";
}

const char *
exceptions_action_from(enum exceptions_action a)
{
	return a == EXC_REVOKE ? "APPROVED" : "PENDING";
}

const char *
exceptions_action_to(enum exceptions_action a)
{
	return a == EXC_APPROVE ? "APPROVED" : a == EXC_REJECT ? "REJECTED" :
	    "REVOKED";
}

static cJSON *
obj(void)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		util_fatal("out of memory (JSON)");
	return o;
}

cJSON *
exceptions_put_request(const char *table, const struct fleet_exception *e)
{
	cJSON *b = obj();

	cJSON_AddStringToObject(b, "TableName", table);
	cJSON_AddItemToObject(b, "Item", exceptions_to_item(e));
	cJSON_AddStringToObject(b, "ConditionExpression",
	    "attribute_not_exists(exception_id)");
	return b;
}

cJSON *
exceptions_update_request(const char *table, const struct fleet_exception *cur,
    enum exceptions_action a, const char *caller, const char *now,
    const char *reason)
{
	cJSON *b = obj(), *key, *names, *vals;
	struct buf set;

	buf_init(&set);
	cJSON_AddStringToObject(b, "TableName", table);
	key = cJSON_AddObjectToObject(b, "Key");
	cJSON_AddItemToObject(key, "instance_id", ddb_s(cur->instance_id));
	cJSON_AddItemToObject(key, "exception_id", ddb_s(cur->exception_id));
	names = cJSON_AddObjectToObject(b, "ExpressionAttributeNames");
	/* status is a DynamoDB reserved word. */
	cJSON_AddStringToObject(names, "#s", "status");
	vals = cJSON_AddObjectToObject(b, "ExpressionAttributeValues");
	cJSON_AddItemToObject(vals, ":from",
	    ddb_s(exceptions_action_from(a)));
	cJSON_AddItemToObject(vals, ":to", ddb_s(exceptions_action_to(a)));
	cJSON_AddItemToObject(vals, ":me", ddb_s(caller));
	cJSON_AddItemToObject(vals, ":now", ddb_s(now));
	if (a == EXC_REVOKE) {
		buf_puts(&set, "SET #s = :to, revoked_by = :me, "
		    "revoked_at = :now");
		cJSON_AddStringToObject(b, "ConditionExpression",
		    "#s = :from");
	} else {
		/* The record decided is the one checked (requester, dates:
		 * exceptions_check_action), not one rewritten meanwhile; the
		 * exact ARN is refused here too, the same person in other
		 * sessions by the check, which DynamoDB cannot express. */
		cJSON_AddItemToObject(vals, ":req", ddb_s(cur->requested_by));
		cJSON_AddItemToObject(vals, ":starts", ddb_s(cur->starts));
		cJSON_AddItemToObject(vals, ":ends", ddb_s(cur->ends));
		buf_puts(&set, "SET #s = :to, decided_by = :me, "
		    "decided_at = :now");
		cJSON_AddStringToObject(b, "ConditionExpression",
		    "#s = :from AND requested_by = :req AND "
		    "requested_by <> :me AND starts = :starts AND "
		    "ends = :ends");
	}
	if (reason != NULL && *reason != '\0') {
		cJSON_AddItemToObject(vals, ":why", ddb_s(reason));
		buf_puts(&set, a == EXC_REVOKE ? ", revoke_reason = :why" :
		    ", decision_reason = :why");
	}
	cJSON_AddStringToObject(b, "UpdateExpression", set.data);
	buf_free(&set);
	return b;
}

static const char *
nz(const char *s, const char *dflt)
{
	return s != NULL && *s != '\0' ? s : dflt;
}

char *
exceptions_check_action(const struct fleet_exception *now,
    enum exceptions_action a, const char *caller, int max_days)
{
	const char *from = exceptions_action_from(a), *w;
	char why[FLEET_EXCEPTION_WHY_LEN], who[FLEET_PRINCIPAL_MAX + 1];
	char req[FLEET_PRINCIPAL_MAX + 1];

	if (now == NULL)
		return xstrdup("the exception no longer exists");
	if (!status_is(now, from)) {
		if (status_is(now, "APPROVED") || status_is(now, "REJECTED"))
			return xasprintf("already %s by %s at %s",
			    now->status, nz(now->decided_by, "(unknown)"),
			    nz(now->decided_at, "(unknown time)"));
		if (status_is(now, "REVOKED"))
			return xstrdup("already REVOKED");
		return xasprintf("its status is %s, not %s",
		    nz(now->status, "(none)"), from);
	}
	if (a == EXC_REVOKE)
		return NULL;
	/* Nobody decides a record that could not be trusted once decided. */
	if (fleet_exception_check(now, max_days, why, sizeof why) != 0)
		return xasprintf("the record is invalid (%s); it cannot be "
		    "%s", why, a == EXC_APPROVE ? "approved" : "rejected");
	if (fleet_principal(caller, who, sizeof who, &w) != 0)
		return xasprintf("who you are (%s) is not a person's ARN "
		    "(%s)", caller, w);
	fleet_principal(now->requested_by, req, sizeof req, NULL);
	if (strcmp(who, req) == 0) {
		if (strcmp(caller, now->requested_by) == 0)
			return xasprintf("you (%s) requested it; someone else "
			    "must %s it", caller, exceptions_action_name(a));
		return xasprintf("you (%s) requested it as %s: the same "
		    "person (%s); someone else must %s it", caller,
		    now->requested_by, who, exceptions_action_name(a));
	}
	return NULL;
}

char *
exceptions_refusal(const struct fleet_exception *now, enum exceptions_action a,
    const char *caller, int max_days)
{
	char *why = exceptions_check_action(now, a, caller, max_days);

	return why != NULL ? why :
	    xstrdup("the record changed meanwhile; try again");
}

/* --- I/O ------------------------------------------------------------- */

static int open_clients(struct exceptions_ctx *x, char **err);

int
exceptions_open(struct exceptions_ctx *x, const char *profile,
    const char *region, const char *table, char **err)
{
	memset(x, 0, sizeof *x);
	x->table = xstrdup(table);
	if (session_open(&x->s, profile, region, err) != 0)
		return -1;
	return open_clients(x, err);
}

int
exceptions_open_on(struct exceptions_ctx *x, struct net *net,
    const char *profile, const char *region, const char *table, char **err)
{
	memset(x, 0, sizeof *x);
	x->table = xstrdup(table);
	if (session_open_on(&x->s, net, profile, region, err) != 0)
		return -1;
	return open_clients(x, err);
}

static int
open_clients(struct exceptions_ctx *x, char **err)
{
	x->ddb = session_client(&x->s, "DYNAMODB", err);
	if (x->ddb == NULL)
		return -1;
	x->sts = session_client(&x->s, "STS", err);
	return x->sts == NULL ? -1 : 0;
}

void
exceptions_close(struct exceptions_ctx *x)
{
	session_close(&x->s);
	free(x->table);
	memset(x, 0, sizeof *x);
}

struct waiter {
	int done;
	int rc;
	char *arn;
	char *err;
	struct aws_error ae;
	cJSON *reply;
	struct fleet_exception *v;
	size_t n, cap;
};

static void
on_identity(void *arg, const struct sts_identity *id,
    const struct aws_error *err)
{
	struct waiter *w = arg;

	w->done = 1;
	if (id != NULL) {
		w->arn = xstrdup(id->arn);
	} else {
		w->rc = -1;
		w->err = awserr_format(err);
	}
}

int
exceptions_caller(struct exceptions_ctx *x, char **arn, char **err)
{
	struct waiter w;

	memset(&w, 0, sizeof w);
	sts_get_caller_identity(x->sts, on_identity, &w);
	net_run(x->s.net, NULL);
	if (w.rc != 0 || w.arn == NULL) {
		util_seterr(err, "who am I (STS GetCallerIdentity): %s",
		    w.err != NULL ? w.err : "no reply");
		free(w.err);
		free(w.arn);
		return -1;
	}
	*arn = w.arn;
	return 0;
}

void
exceptions_append_items(const cJSON *items, struct fleet_exception **v,
    size_t *n, size_t *cap)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, items) {
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			*v = xreallocarray(*v, *cap, sizeof **v);
		}
		/* A malformed item is skipped, not fatal: one bad record must
		 * not hide the others. */
		if (exceptions_from_item(it, &(*v)[*n], NULL) == 0)
			(*n)++;
	}
}

static int
on_items(void *arg, const cJSON *items)
{
	struct waiter *w = arg;

	exceptions_append_items(items, &w->v, &w->n, &w->cap);
	return 0;
}

static void
on_end(void *arg, const struct aws_error *err)
{
	struct waiter *w = arg;

	w->done = 1;
	if (err != NULL) {
		w->rc = -1;
		w->err = awserr_format(err);
	}
}

int
exceptions_scan(struct exceptions_ctx *x, const char *id,
    struct fleet_exception **v, size_t *n, char **err)
{
	struct waiter w;
	cJSON *b = obj();

	memset(&w, 0, sizeof w);
	cJSON_AddStringToObject(b, "TableName", x->table);
	if (id != NULL) {
		cJSON *vals;

		cJSON_AddStringToObject(b, "FilterExpression",
		    "exception_id = :id");
		vals = cJSON_AddObjectToObject(b, "ExpressionAttributeValues");
		cJSON_AddItemToObject(vals, ":id", ddb_s(id));
	}
	ddb_scan(x->ddb, b, on_items, on_end, &w);
	net_run(x->s.net, NULL);
	if (w.rc != 0 || !w.done) {
		util_seterr(err, "Scan %s: %s", x->table,
		    w.err != NULL ? w.err : "no reply");
		free(w.err);
		exceptions_free(w.v, w.n);
		return -1;
	}
	*v = w.v;
	*n = w.n;
	return 0;
}

void
exceptions_free(struct fleet_exception *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fleet_exception_done(&v[i]);
	free(v);
}

static void
on_reply(void *arg, const cJSON *reply, const struct aws_error *err)
{
	struct waiter *w = arg;

	w->done = 1;
	if (reply != NULL) {
		w->reply = cJSON_Duplicate(reply, 1);
	} else {
		w->rc = -1;
		awserr_copy(&w->ae, err);
	}
}

int
exceptions_get(struct exceptions_ctx *x, const char *instance_id,
    const char *exception_id, struct fleet_exception *e, int *found,
    char **err)
{
	struct waiter w;
	cJSON *b = obj(), *key;
	const cJSON *item;
	int rc = 0;

	memset(&w, 0, sizeof w);
	awserr_init(&w.ae);
	cJSON_AddStringToObject(b, "TableName", x->table);
	key = cJSON_AddObjectToObject(b, "Key");
	cJSON_AddItemToObject(key, "instance_id", ddb_s(instance_id));
	cJSON_AddItemToObject(key, "exception_id", ddb_s(exception_id));
	cJSON_AddTrueToObject(b, "ConsistentRead");
	ddb_get_item(x->ddb, b, on_reply, &w);
	net_run(x->s.net, NULL);
	*found = 0;
	if (w.rc != 0 || w.reply == NULL) {
		char *m = awserr_format(&w.ae);

		util_seterr(err, "GetItem %s: %s", x->table, m);
		free(m);
		rc = -1;
	} else {
		item = cJSON_GetObjectItemCaseSensitive(w.reply, "Item");
		if (cJSON_IsObject(item) &&
		    exceptions_from_item(item, e, err) == 0)
			*found = 1;
	}
	cJSON_Delete(w.reply);
	awserr_free(&w.ae);
	return rc;
}

static int
write_call(struct exceptions_ctx *x, int update, cJSON *body,
    struct aws_error *ae)
{
	struct waiter w;

	memset(&w, 0, sizeof w);
	awserr_init(&w.ae);
	if (update)
		ddb_update_item(x->ddb, body, on_reply, &w);
	else
		ddb_put_item(x->ddb, body, on_reply, &w);
	net_run(x->s.net, NULL);
	cJSON_Delete(w.reply);
	if (w.rc != 0 || !w.done) {
		if (w.ae.code == NULL)
			awserr_set(&w.ae, 0, "NoReply", "no reply", NULL);
		awserr_copy(ae, &w.ae);
		awserr_free(&w.ae);
		return -1;
	}
	awserr_free(&w.ae);
	return 0;
}

int
exceptions_put(struct exceptions_ctx *x, cJSON *body, struct aws_error *ae)
{
	return write_call(x, 0, body, ae);
}

int
exceptions_update(struct exceptions_ctx *x, cJSON *body, struct aws_error *ae)
{
	return write_call(x, 1, body, ae);
}

/* --- audit ----------------------------------------------------------- */

int
exceptions_audit(struct audit *log, const char *action_id, const char *phase,
    const char *action, const char *caller, cJSON *details, char **err)
{
	cJSON *e = obj(), *it;
	int rc;

	cJSON_AddStringToObject(e, "action_id", action_id);
	cJSON_AddStringToObject(e, "phase", phase);
	cJSON_AddStringToObject(e, "action", action);
	cJSON_AddFalseToObject(e, "dry_run");
	audit_add_local_user(e);
	if (caller != NULL)
		cJSON_AddStringToObject(e, "caller", caller);
	else
		cJSON_AddNullToObject(e, "caller");
	if (details != NULL) {
		while ((it = details->child) != NULL) {
			cJSON_DetachItemViaPointer(details, it);
			cJSON_AddItemToObject(e, it->string, it);
		}
		cJSON_Delete(details);
	}
	rc = audit_write(log, e, err);
	cJSON_Delete(e);
	return rc;
}
