/*
 * ddb.c - see ddb.h.
 */
#include "aws/ddb.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

#include "aws/awserr.h"
#include "aws/client.h"
#include "aws/jsonutil.h"
#include "util/util.h"

#define JSON10 "1.0"

/* CreateTable and DescribeTable wrap the table in one member
 * ("TableDescription", "Table"); ddb.h promises the caller the table
 * itself, so a reply without it is malformed rather than an empty table. */
struct unwrap {
	aws_json_fn fn;
	void *arg;
	const char *member;
	const char *op;
};

static void
unwrap_reply(void *arg, const cJSON *reply, const struct aws_error *err)
{
	struct unwrap *u = arg;
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(reply, u->member);
	struct aws_error e;
	char *msg;

	if (reply == NULL) {
		u->fn(u->arg, NULL, err);
	} else if (!cJSON_IsObject(t)) {
		msg = xasprintf("%s returned no %s", u->op, u->member);
		awserr_init(&e);
		awserr_set(&e, 200, "MalformedReply", msg, NULL);
		u->fn(u->arg, NULL, &e);
		awserr_free(&e);
		free(msg);
	} else {
		u->fn(u->arg, t, NULL);
	}
	free(u);
}

static void
table_call(struct aws_client *c, const char *op, const char *member,
    cJSON *body, aws_json_fn fn, void *arg)
{
	struct unwrap *u = xcalloc(1, sizeof *u);

	u->fn = fn;
	u->arg = arg;
	u->member = member;
	u->op = op;
	aws_json_call_owned(c, DDB_PREFIX, JSON10, op, body, unwrap_reply, free, u);
}

void
ddb_create_table(struct aws_client *c, cJSON *request, aws_json_fn fn,
    void *arg)
{
	table_call(c, "CreateTable", "TableDescription", request, fn, arg);
}

void
ddb_describe_table(struct aws_client *c, const char *table, aws_json_fn fn,
    void *arg)
{
	cJSON *body = cJSON_CreateObject();

	cJSON_AddStringToObject(body, "TableName", table);
	table_call(c, "DescribeTable", "Table", body, fn, arg);
}

struct items {
	ddb_items_fn page;
	aws_end_fn end;
	void *arg;
};

static int
items_page(void *arg, const cJSON *page)
{
	struct items *w = arg;
	const cJSON *items = json_array(page, "Items");
	cJSON *empty = NULL;
	int rc;

	/* A page with no Items array (a filtered-out page) is an empty page,
	 * not an error: the pager still follows LastEvaluatedKey. */
	if (items == NULL)
		items = empty = cJSON_CreateArray();
	rc = w->page(w->arg, items);
	cJSON_Delete(empty);
	return rc;
}

static void
items_end(void *arg, const struct aws_error *err)
{
	struct items *w = arg;

	w->end(w->arg, err);
	free(w);
}

static void
paged(struct aws_client *c, const char *op, cJSON *request, ddb_items_fn page,
    aws_end_fn end, void *arg)
{
	struct items *w = xcalloc(1, sizeof *w);

	w->page = page;
	w->end = end;
	w->arg = arg;
	aws_json_pages_owned(c, DDB_PREFIX, JSON10, op, request,
	    "ExclusiveStartKey", "LastEvaluatedKey", items_page, items_end, free, w);
}

void
ddb_query(struct aws_client *c, cJSON *request, ddb_items_fn page,
    aws_end_fn end, void *arg)
{
	paged(c, "Query", request, page, end, arg);
}

void
ddb_scan(struct aws_client *c, cJSON *request, ddb_items_fn page,
    aws_end_fn end, void *arg)
{
	paged(c, "Scan", request, page, end, arg);
}

void
ddb_put_item(struct aws_client *c, cJSON *request, aws_json_fn fn, void *arg)
{
	aws_json_call(c, DDB_PREFIX, JSON10, "PutItem", request, fn, arg);
}

void
ddb_update_item(struct aws_client *c, cJSON *request, aws_json_fn fn,
    void *arg)
{
	aws_json_call(c, DDB_PREFIX, JSON10, "UpdateItem", request, fn, arg);
}

void
ddb_get_item(struct aws_client *c, cJSON *request, aws_json_fn fn, void *arg)
{
	aws_json_call(c, DDB_PREFIX, JSON10, "GetItem", request, fn, arg);
}

cJSON *
ddb_s(const char *s)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "S", s);
	return o;
}

const char *
ddb_item_s(const cJSON *item, const char *name)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(item, name);

	return json_peek(a, "S");
}
