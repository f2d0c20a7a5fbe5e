/*
 * setup.c - see setup.h.
 */
#include "ops/setup.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/ddb.h"
#include "aws/jsonutil.h"
#include "aws/net.h"
#include "ops/exceptions.h"
#include "util/util.h"

static void
add_attr(cJSON *defs, cJSON *keys, const char *name, const char *type)
{
	cJSON *d = cJSON_CreateObject(), *k = cJSON_CreateObject();

	if (d == NULL || k == NULL)
		util_fatal("out of memory (JSON)");
	cJSON_AddStringToObject(d, "AttributeName", name);
	cJSON_AddStringToObject(d, "AttributeType", "S");
	cJSON_AddItemToArray(defs, d);
	cJSON_AddStringToObject(k, "AttributeName", name);
	cJSON_AddStringToObject(k, "KeyType", type);
	cJSON_AddItemToArray(keys, k);
}

cJSON *
setup_table_request(enum setup_kind kind, const char *name)
{
	cJSON *b = cJSON_CreateObject(), *defs, *keys;

	if (b == NULL)
		util_fatal("out of memory (JSON)");
	cJSON_AddStringToObject(b, "TableName", name);
	defs = cJSON_AddArrayToObject(b, "AttributeDefinitions");
	keys = cJSON_AddArrayToObject(b, "KeySchema");
	if (kind == SETUP_EXCEPTIONS) {
		add_attr(defs, keys, "instance_id", "HASH");
		add_attr(defs, keys, "exception_id", "RANGE");
	} else {
		add_attr(defs, keys, "run_id", "HASH");
	}
	cJSON_AddStringToObject(b, "BillingMode", "PAY_PER_REQUEST");
	return b;
}

struct describe {
	int done;
	int exists;
	char *status;
	char *err;
};

static void
on_describe(void *arg, const cJSON *table, const struct aws_error *err)
{
	struct describe *d = arg;

	d->done = 1;
	if (table != NULL) {
		d->exists = 1;
		d->status = json_str(table, "TableStatus");
	} else if (err != NULL && err->code != NULL &&
	    strcmp(err->code, "ResourceNotFoundException") == 0) {
		d->exists = 0;
	} else {
		d->err = awserr_format(err);
	}
}

int
setup_describe(struct exceptions_ctx *x, const char *name, int *exists,
    char **status, char **err)
{
	struct describe d;

	memset(&d, 0, sizeof d);
	ddb_describe_table(x->ddb, name, on_describe, &d);
	net_run(x->s.net, NULL);
	if (!d.done || d.err != NULL) {
		util_seterr(err, "DescribeTable %s: %s", name,
		    d.err != NULL ? d.err : "no reply");
		free(d.err);
		free(d.status);
		return -1;
	}
	*exists = d.exists;
	*status = d.status;
	return 0;
}

struct create {
	int done;
	int ok;
	struct aws_error ae;
};

static void
on_create(void *arg, const cJSON *t, const struct aws_error *err)
{
	struct create *c = arg;

	c->done = 1;
	if (t != NULL)
		c->ok = 1;
	else
		awserr_copy(&c->ae, err);
}

int
setup_create(struct exceptions_ctx *x, cJSON *body, struct aws_error *ae)
{
	struct create c;

	memset(&c, 0, sizeof c);
	awserr_init(&c.ae);
	ddb_create_table(x->ddb, body, on_create, &c);
	net_run(x->s.net, NULL);
	if (!c.ok) {
		if (c.ae.code == NULL)
			awserr_set(&c.ae, 0, "NoReply", "no reply", NULL);
		awserr_copy(ae, &c.ae);
	}
	awserr_free(&c.ae);
	return c.ok ? 0 : -1;
}

static void
tick(void *arg)
{
	(void)arg;
}

int
setup_wait_active(struct exceptions_ctx *x, const char *name,
    long interval_ms, int timeout_s, char **err)
{
	time_t start = time(NULL);

	for (;;) {
		char *status = NULL;
		int exists = 0, active;

		if (setup_describe(x, name, &exists, &status, err) != 0)
			return -1;
		active = exists && status != NULL &&
		    strcmp(status, "ACTIVE") == 0;
		if (active) {
			free(status);
			return 0;
		}
		if (time(NULL) - start >= timeout_s) {
			util_seterr(err, "table %s is still %s after %d s", name,
			    exists ? (status ? status : "?") : "missing",
			    timeout_s);
			free(status);
			return -1;
		}
		free(status);
		net_timer_add(x->s.net, interval_ms, tick, NULL);
		net_run(x->s.net, NULL);
	}
}
