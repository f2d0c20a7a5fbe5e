/*
 * athena.c - see athena.h.
 */
#include "aws/athena.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

#include "aws/awserr.h"
#include "aws/client.h"
#include "aws/jsonutil.h"
#include "util/util.h"

#define JSON11 "1.1"

struct idw {
	athena_id_fn fn;
	void *arg;
};

static void
start_reply(void *arg, const cJSON *reply, const struct aws_error *err)
{
	struct idw *w = arg;
	const char *id = json_peek(reply, "QueryExecutionId");
	struct aws_error e;

	if (reply == NULL) {
		w->fn(w->arg, NULL, err);
	} else if (id == NULL || *id == '\0') {
		awserr_init(&e);
		awserr_set(&e, 200, "MalformedReply",
		    "StartQueryExecution returned no QueryExecutionId", NULL);
		w->fn(w->arg, NULL, &e);
		awserr_free(&e);
	} else {
		w->fn(w->arg, id, NULL);
	}
	free(w);
}

void
athena_start_query(struct aws_client *c, const struct athena_start *s,
    athena_id_fn fn, void *arg)
{
	struct idw *w = xcalloc(1, sizeof *w);
	cJSON *body = cJSON_CreateObject(), *o;

	w->fn = fn;
	w->arg = arg;
	cJSON_AddStringToObject(body, "QueryString", s->query);
	if (s->database != NULL) {
		o = cJSON_AddObjectToObject(body, "QueryExecutionContext");
		cJSON_AddStringToObject(o, "Database", s->database);
	}
	if (s->output_location != NULL) {
		o = cJSON_AddObjectToObject(body, "ResultConfiguration");
		cJSON_AddStringToObject(o, "OutputLocation",
		    s->output_location);
	}
	if (s->workgroup != NULL)
		cJSON_AddStringToObject(body, "WorkGroup", s->workgroup);
	aws_json_call_owned(c, ATHENA_PREFIX, JSON11, "StartQueryExecution", body,
	    start_reply, free, w);
}

struct xw {
	athena_execution_fn fn;
	void *arg;
};

static void
exec_reply(void *arg, const cJSON *reply, const struct aws_error *err)
{
	struct xw *w = arg;
	const cJSON *q = cJSON_GetObjectItemCaseSensitive(reply,
	    "QueryExecution");
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(q, "Status");
	const cJSON *rc = cJSON_GetObjectItemCaseSensitive(q,
	    "ResultConfiguration");
	const cJSON *stats = cJSON_GetObjectItemCaseSensitive(q, "Statistics");
	struct athena_execution x;
	struct aws_error e;
	const char *reason, *loc;

	if (reply == NULL) {
		w->fn(w->arg, NULL, err);
	} else if (json_peek(st, "State") == NULL) {
		awserr_init(&e);
		awserr_set(&e, 200, "MalformedReply",
		    "GetQueryExecution returned no Status.State", NULL);
		w->fn(w->arg, NULL, &e);
		awserr_free(&e);
	} else {
		reason = json_peek(st, "StateChangeReason");
		loc = json_peek(rc, "OutputLocation");
		x.id = json_peek(q, "QueryExecutionId");
		if (x.id == NULL)
			x.id = "";
		x.state = json_peek(st, "State");
		x.reason = reason != NULL ? reason : "";
		x.output_location = loc != NULL ? loc : "";
		x.data_scanned = json_long(stats, "DataScannedInBytes", -1);
		w->fn(w->arg, &x, NULL);
	}
	free(w);
}

void
athena_get_query_execution(struct aws_client *c, const char *id,
    athena_execution_fn fn, void *arg)
{
	struct xw *w = xcalloc(1, sizeof *w);
	cJSON *body = cJSON_CreateObject();

	w->fn = fn;
	w->arg = arg;
	cJSON_AddStringToObject(body, "QueryExecutionId", id);
	aws_json_call_owned(c, ATHENA_PREFIX, JSON11, "GetQueryExecution", body,
	    exec_reply, free, w);
}

struct rw {
	athena_rows_fn page;
	aws_end_fn end;
	void *arg;
	int pages;
};

static int
rows_page(void *arg, const cJSON *page)
{
	struct rw *w = arg;
	const cJSON *rs = cJSON_GetObjectItemCaseSensitive(page, "ResultSet");
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(rs,
	    "ResultSetMetadata");
	const cJSON *cols = json_array(meta, "ColumnInfo");
	const cJSON *rows = json_array(rs, "Rows"), *row, *cell;
	const char **names, **cells;
	size_t ncols = (size_t)cJSON_GetArraySize(cols);
	size_t nrows = (size_t)cJSON_GetArraySize(rows), r = 0, k;
	int rc;

	names = xcalloc(ncols ? ncols : 1, sizeof *names);
	k = 0;
	cJSON_ArrayForEach(cell, cols) {
		const char *n = json_peek(cell, "Name");

		names[k++] = n != NULL ? n : "";
	}
	cells = xcalloc((nrows ? nrows : 1) * (ncols ? ncols : 1),
	    sizeof *cells);
	cJSON_ArrayForEach(row, rows) {
		k = 0;
		/* A row with more cells than the metadata has columns is cut
		 * to the metadata: the columns are what we can name. */
		cJSON_ArrayForEach(cell, json_array(row, "Data")) {
			if (k >= ncols)
				break;
			cells[r * ncols + k++] = json_peek(cell,
			    "VarCharValue");
		}
		r++;
	}
	rc = w->page(w->arg, names, ncols, cells, nrows, w->pages++ == 0);
	free(names);
	free(cells);
	return rc;
}

static void
rows_end(void *arg, const struct aws_error *err)
{
	struct rw *w = arg;

	w->end(w->arg, err);
	free(w);
}

void
athena_get_query_results(struct aws_client *c, const char *id,
    athena_rows_fn page, aws_end_fn end, void *arg)
{
	struct rw *w = xcalloc(1, sizeof *w);
	cJSON *body = cJSON_CreateObject();

	w->page = page;
	w->end = end;
	w->arg = arg;
	cJSON_AddStringToObject(body, "QueryExecutionId", id);
	cJSON_AddNumberToObject(body, "MaxResults", ATHENA_MAX_RESULTS);
	aws_json_pages_owned(c, ATHENA_PREFIX, JSON11, "GetQueryResults", body,
	    "NextToken", "NextToken", rows_page, rows_end, free, w);
}

/* The Glue Data Catalog every Athena account has. */
#define ATHENA_CATALOG "AwsDataCatalog"

void
athena_get_database(struct aws_client *c, const char *database,
    aws_json_fn fn, void *arg)
{
	cJSON *body = cJSON_CreateObject();

	cJSON_AddStringToObject(body, "CatalogName", ATHENA_CATALOG);
	cJSON_AddStringToObject(body, "DatabaseName", database);
	aws_json_call(c, ATHENA_PREFIX, JSON11, "GetDatabase", body, fn, arg);
}

void
athena_get_table_metadata(struct aws_client *c, const char *database,
    const char *table, aws_json_fn fn, void *arg)
{
	cJSON *body = cJSON_CreateObject();

	cJSON_AddStringToObject(body, "CatalogName", ATHENA_CATALOG);
	cJSON_AddStringToObject(body, "DatabaseName", database);
	cJSON_AddStringToObject(body, "TableName", table);
	aws_json_call(c, ATHENA_PREFIX, JSON11, "GetTableMetadata", body, fn,
	    arg);
}
