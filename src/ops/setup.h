/*
 * setup.h - what `patchdeck setup` creates in the operator's home account
 * (the default session's account and region, where the exceptions table
 * lives; see ops/exceptions.h): the DynamoDB tables of DESIGN.md section
 * 5, on-demand (PAY_PER_REQUEST).  Existing tables are left alone, so a
 * second run changes nothing.  The rest of setup: setupresults.h (Athena,
 * the results bucket) and setupdocs.h (the SSM documents).
 */
#ifndef PATCHDECK_OPS_SETUP_H
#define PATCHDECK_OPS_SETUP_H

#include "aws/awserr.h"

struct cJSON;
struct exceptions_ctx;

enum setup_kind { SETUP_EXCEPTIONS, SETUP_RUNS };

/* The CreateTable body for a table of kind named name.  Caller deletes. */
struct cJSON *setup_table_request(enum setup_kind kind, const char *name);

/* DescribeTable: 0 with *exists and *status (caller frees; NULL when
 * missing), or -1 with *err.  ResourceNotFoundException means missing. */
int setup_describe(struct exceptions_ctx *x, const char *name, int *exists,
    char **status, char **err);
/* CreateTable of body (consumed): 0, or -1 with *ae. */
int setup_create(struct exceptions_ctx *x, struct cJSON *body,
    struct aws_error *ae);
/* Polls DescribeTable every interval_ms (a timer on the loop) until the
 * table is ACTIVE: 0, or -1 with *err after timeout_s seconds. */
int setup_wait_active(struct exceptions_ctx *x, const char *name,
    long interval_ms, int timeout_s, char **err);

#endif
