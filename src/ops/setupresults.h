/*
 * setupresults.h - the Athena side of `patchdeck setup`: the database and
 * the tables of data/athena (every statement there whose name does not
 * start with "q_": results, prechecks), and the check that the results
 * bucket ([results] bucket) exists and is not public.
 *
 * These live in the home account and region only (the default session,
 * where the DynamoDB tables are): results are stored centrally, in the one
 * bucket the configuration names, and read by one Athena catalog; a copy
 * per target account would split one night's results over many places.
 *
 * A table is created only when missing.  One that exists is compared with
 * the statement (its columns and partition keys, names and types, and its
 * SerDe when the catalog reports one); a different one is reported, never
 * dropped: its data in S3 stays either way, and dropping is the
 * operator's call.  The calls wait on the loop (net_run).
 */
#ifndef PATCHDECK_SETUPRESULTS_H
#define PATCHDECK_SETUPRESULTS_H

#include <stddef.h>

struct net;
struct aws_client;
struct cJSON;

/* The SerDe the statements name (DESIGN.md section 7). */
#define SETUPRESULTS_SERDE "org.apache.hive.hcatalog.data.JsonSerDe"

/*
 * The statement of an embedded data/athena file as sent: its leading
 * comment lines left out, ${table}, ${bucket} and ${prefix} replaced,
 * ${dt} (Athena's own projection placeholder) kept.  Caller frees.  NULL
 * with *err for another placeholder.  Pure.
 */
char *setupresults_statement(const char *sql, const char *table,
    const char *bucket, const char *prefix, char **err);

/*
 * The columns a CREATE EXTERNAL TABLE statement declares, as one string:
 * "name type,name type,...|partition type,...", names without backquotes
 * and in lower case, types in lower case without blanks.  Caller frees;
 * NULL when ddl declares no column list.  Pure.
 */
char *setupresults_ddl_columns(const char *ddl);
/* How the column string have differs from want, for people: "it lacks
 * disk array<...>, result string; it has instead disk string".  Caller
 * frees.  Pure. */
char *setupresults_columns_diff(const char *have, const char *want);
/* The same from a GetTableMetadata reply's TableMetadata.  Pure. */
char *setupresults_meta_columns(const struct cJSON *table_metadata);
/* The SerDe a TableMetadata names (Parameters "serde.serialization.lib",
 * or the simulator's "serde"), or NULL when it names none; borrowed. */
const char *setupresults_meta_serde(const struct cJSON *table_metadata);

enum setupresults_table { SETUPRESULTS_MISSING, SETUPRESULTS_SAME,
	SETUPRESULTS_DIFFERENT };

/* GetDatabase: 0 with *exists, or -1 with *err. */
int setupresults_database(struct net *net, struct aws_client *athena,
    const char *database, int *exists, char **err);
/* GetTableMetadata, compared with want (setupresults_ddl_columns): 0 with
 * *state (and, when DIFFERENT, *why saying how; caller frees), or -1 with
 * *err.  A missing database means a missing table. */
int setupresults_table(struct net *net, struct aws_client *athena,
    const char *database, const char *table, const char *want,
    enum setupresults_table *state, char **why, char **err);

/*
 * StartQueryExecution of statement (database may be NULL, workgroup and
 * output as the configuration says; NULL output: the workgroup's own),
 * then GetQueryExecution every 500 ms until it ends or timeout_s passed.
 * 0 when it SUCCEEDED, else -1 with *err naming the state and reason.
 */
int setupresults_run(struct net *net, struct aws_client *athena,
    const char *statement, const char *database, const char *workgroup,
    const char *output, int timeout_s, char **err);

/* What the bucket check found. */
struct setupresults_bucket {
	int exists;		/* HeadBucket answered 200 */
	int is_public;		/* GetBucketPolicyStatus IsPublic, not
				 * restricted by RestrictPublicBuckets */
	int has_policy;		/* a bucket policy is set */
	int block_all;		/* all four public access block settings */
	int has_block;		/* a public access block is set */
	char *problem;		/* why it cannot be used, or NULL */
};

/* HeadBucket, GetPublicAccessBlock, GetBucketPolicyStatus.  0 with *b
 * (free with setupresults_bucket_done), or -1 with *err when a call
 * failed other than as "not set". */
int setupresults_check_bucket(struct net *net, struct aws_client *s3,
    const char *bucket, struct setupresults_bucket *b, char **err);
void setupresults_bucket_done(struct setupresults_bucket *b);

#endif
