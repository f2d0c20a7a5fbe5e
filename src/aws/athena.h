/*
 * athena.h - the Athena calls patchdeck makes (JSON 1.1,
 * X-Amz-Target AmazonAthena.<Op>).
 */
#ifndef PATCHDECK_ATHENA_H
#define PATCHDECK_ATHENA_H

#include <stddef.h>

#include "aws/pager.h"

struct aws_client;
struct aws_error;

#define ATHENA_PREFIX "AmazonAthena"
#define ATHENA_MAX_RESULTS 1000

struct athena_start {
	const char *query;
	const char *database;		/* NULL: none */
	const char *workgroup;		/* NULL: primary */
	const char *output_location;	/* s3://bucket/prefix/, or NULL */
};

typedef void (*athena_id_fn)(void *arg, const char *execution_id,
    const struct aws_error *err);
void athena_start_query(struct aws_client *c, const struct athena_start *s,
    athena_id_fn fn, void *arg);

struct athena_execution {
	const char *id;
	const char *state;	/* QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED */
	const char *reason;	/* StateChangeReason, or "" */
	const char *output_location;
	long long data_scanned;	/* bytes, -1 when unknown */
};

typedef void (*athena_execution_fn)(void *arg,
    const struct athena_execution *x, const struct aws_error *err);
void athena_get_query_execution(struct aws_client *c, const char *id,
    athena_execution_fn fn, void *arg);

/*
 * One page of rows.  cells[r * ncols + c] is the text of column c of row r
 * (NULL for a null); header is non-zero on the first page, whose first row
 * Athena makes the column names, and that row is passed as-is.  names holds
 * the column names from the metadata.  All borrowed.  0 to go on.
 */
typedef int (*athena_rows_fn)(void *arg, const char *const *names,
    size_t ncols, const char *const *cells, size_t nrows, int header);
void athena_get_query_results(struct aws_client *c, const char *id,
    athena_rows_fn page, aws_end_fn end, void *arg);

/*
 * GetDatabase and GetTableMetadata in the AwsDataCatalog catalog: fn gets
 * the parsed reply ({"Database": ...}, {"TableMetadata": {"Columns": ...,
 * "PartitionKeys": ..., "Parameters": ...}}; borrowed) or err.  A missing
 * database or table is err code MetadataException.
 */
void athena_get_database(struct aws_client *c, const char *database,
    aws_json_fn fn, void *arg);
void athena_get_table_metadata(struct aws_client *c, const char *database,
    const char *table, aws_json_fn fn, void *arg);

#endif
