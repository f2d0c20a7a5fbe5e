/*
 * ddb.h - the DynamoDB calls patchdeck makes (JSON 1.0,
 * X-Amz-Target DynamoDB_20120810.<Op>).  Requests and items are cJSON in
 * DynamoDB's own attribute-value form ({"S": "..."}); the ops layer builds
 * them, this layer sends, pages and checks the reply's shape.
 */
#ifndef PATCHDECK_DDB_H
#define PATCHDECK_DDB_H

#include "aws/pager.h"

struct aws_client;
struct cJSON;

#define DDB_PREFIX "DynamoDB_20120810"

/* CreateTable; request is the whole CreateTable body (consumed).  fn gets
 * the TableDescription. */
void ddb_create_table(struct aws_client *c, struct cJSON *request,
    aws_json_fn fn, void *arg);
/* DescribeTable; fn gets the Table object (TableStatus, KeySchema...). */
void ddb_describe_table(struct aws_client *c, const char *table,
    aws_json_fn fn, void *arg);

/* One page of items: the Items array of the reply (borrowed). */
typedef int (*ddb_items_fn)(void *arg, const struct cJSON *items);

/* Query and Scan, every page (LastEvaluatedKey); request consumed. */
void ddb_query(struct aws_client *c, struct cJSON *request,
    ddb_items_fn page, aws_end_fn end, void *arg);
void ddb_scan(struct aws_client *c, struct cJSON *request,
    ddb_items_fn page, aws_end_fn end, void *arg);

/* PutItem and UpdateItem; request consumed.  A failed condition arrives as
 * err->code "ConditionalCheckFailedException" (with the item when the
 * request asked for ReturnValuesOnConditionCheckFailure=ALL_OLD: then
 * the reply JSON of the error is not available here; read it again).
 * fn gets the reply (Attributes when ReturnValues asked for them). */
void ddb_put_item(struct aws_client *c, struct cJSON *request,
    aws_json_fn fn, void *arg);
void ddb_update_item(struct aws_client *c, struct cJSON *request,
    aws_json_fn fn, void *arg);
/* GetItem: fn gets the reply; its Item is absent when there is none. */
void ddb_get_item(struct aws_client *c, struct cJSON *request,
    aws_json_fn fn, void *arg);

/* {"S": s} */
struct cJSON *ddb_s(const char *s);
/* The string of attribute name in item ({"name": {"S": ...}}), or NULL. */
const char *ddb_item_s(const struct cJSON *item, const char *name);

#endif
