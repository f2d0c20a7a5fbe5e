/*
 * test_setup.c - the pure parts of `patchdeck setup`: the documents built
 * into the binary (they are byte for byte data/ssm/NAME.json, named by file),
 * the content hash SSM reports and its comparison, the action for each
 * DescribeDocument answer, the DDL as sent (placeholders, comments), its
 * columns against a catalog's, and the S3 bucket replies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/s3.h"
#include "ops/embedded.h"
#include "ops/setupdocs.h"
#include "ops/setupresults.h"
#include "util/util.h"

/* Every data/ssm document is built in, unchanged, under its file's name;
 * the Athena statements too. */
static void
embedded_match_files(void **state)
{
	glob_t g;
	size_t i;

	(void)state;
	assert_int_equal(glob("data/ssm/*.json", 0, NULL, &g), 0);
	assert_int_equal(g.gl_pathc, embedded_ssm_n);
	globfree(&g);
	assert_non_null(embedded_find(embedded_ssm, embedded_ssm_n,
	    "patchdeck-linux-patch"));
	assert_non_null(embedded_find(embedded_ssm, embedded_ssm_n,
	    "patchdeck-precheck"));
	for (i = 0; i < embedded_ssm_n; i++) {
		const struct embed_file *f = &embedded_ssm[i];
		char *path = xasprintf("data/ssm/%s.json", f->name);
		struct buf b;
		cJSON *j;

		buf_init(&b);
		assert_int_equal(util_read_file(path, 1 << 22, &b), 0);
		assert_int_equal(f->len, b.len);
		assert_memory_equal(f->data, b.data, b.len);
		assert_int_equal(f->data[f->len], '\0');
		/* A document SSM accepts: JSON, schema 2.2. */
		j = cJSON_Parse(f->data);
		assert_non_null(j);
		assert_string_equal(cJSON_GetObjectItem(j,
		    "schemaVersion")->valuestring, "2.2");
		cJSON_Delete(j);
		buf_free(&b);
		free(path);
	}
	assert_int_equal(glob("data/athena/*.sql", 0, NULL, &g), 0);
	assert_int_equal(g.gl_pathc, embedded_athena_n);
	globfree(&g);
	assert_non_null(embedded_find(embedded_athena, embedded_athena_n,
	    "results"));
	assert_non_null(embedded_find(embedded_athena, embedded_athena_n,
	    "prechecks"));
	assert_non_null(embedded_find(embedded_athena, embedded_athena_n,
	    "q_run_summary"));
	assert_null(embedded_find(embedded_ssm, embedded_ssm_n, "results"));
	assert_null(embedded_find(embedded_ssm, embedded_ssm_n, ""));
}

static void
hash_and_compare(void **state)
{
	char h[65], e[65];

	(void)state;
	setupdocs_hash("", 0, e);
	assert_string_equal(e, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	setupdocs_hash("abc", 3, h);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	assert_true(setupdocs_hash_equal(h, h));
	assert_true(setupdocs_hash_equal(h, "BA7816BF8F01CFEA414140DE5DAE2223"
	    "B00361A396177A9CB410FF61F20015AD"));
	assert_false(setupdocs_hash_equal(h, e));
	assert_false(setupdocs_hash_equal(h, NULL));
	assert_false(setupdocs_hash_equal(NULL, NULL));
	assert_false(setupdocs_hash_equal("", ""));
	/* Not a hash: equal strings are still not a match. */
	assert_false(setupdocs_hash_equal("zz", "zz"));
	assert_false(setupdocs_hash_equal(h, "ba7816bf"));
	{
		char longer[70];

		snprintf(longer, sizeof longer, "%s00", h);
		assert_false(setupdocs_hash_equal(longer, longer));
	}
}

static void
decide(void **state)
{
	char ours[65], other[65];
	struct setupdocs_remote r;

	(void)state;
	setupdocs_hash("ours", 4, ours);
	setupdocs_hash("other", 5, other);
	memset(&r, 0, sizeof r);
	assert_int_equal(setupdocs_decide(ours, &r), SETUPDOCS_CREATE);
	r.exists = 1;
	r.default_version = "1";
	r.latest_version = "1";
	r.default_hash = ours;
	assert_int_equal(setupdocs_decide(ours, &r), SETUPDOCS_CURRENT);
	r.default_hash = other;
	assert_int_equal(setupdocs_decide(ours, &r), SETUPDOCS_UPDATE);
	/* The latest version holds ours but is not the default (a setup
	 * stopped between UpdateDocument and the default): only the latter. */
	r.latest_version = "2";
	r.latest_hash = ours;
	assert_int_equal(setupdocs_decide(ours, &r), SETUPDOCS_SET_DEFAULT);
	r.latest_hash = other;
	assert_int_equal(setupdocs_decide(ours, &r), SETUPDOCS_UPDATE);
	/* A reply without a Hash is not current. */
	r.default_hash = NULL;
	r.latest_hash = NULL;
	assert_int_equal(setupdocs_decide(ours, &r), SETUPDOCS_UPDATE);
	assert_string_equal(setupdocs_action_calls(SETUPDOCS_CURRENT), "");
	assert_string_equal(setupdocs_action_calls(SETUPDOCS_SET_DEFAULT),
	    "UpdateDocumentDefaultVersion");
}

static void
statement(void **state)
{
	char *err = NULL, *s;

	(void)state;
	s = setupresults_statement("-- a\n-- ${table} documented\n"
	    "CREATE X ${table} 's3://${bucket}/${prefix}/r/dt=${dt}/'\n\n",
	    "db.t", "bkt", "pre", &err);
	assert_non_null(s);
	assert_string_equal(s, "CREATE X db.t 's3://bkt/pre/r/dt=${dt}/'");
	free(s);
	assert_null(setupresults_statement("SELECT ${nope}", "t", "b", "p",
	    &err));
	assert_non_null(strstr(err, "${nope}"));
	free(err);
	err = NULL;
	/* The built-in statements hold only the placeholders it knows. */
	{
		const struct embed_file *f = embedded_find(embedded_athena,
		    embedded_athena_n, "prechecks");

		s = setupresults_statement(f->data, "patchdeck.prechecks",
		    "bkt", "patchdeck", &err);
		assert_non_null(s);
		assert_int_equal(strncmp(s, "CREATE EXTERNAL TABLE IF NOT "
		    "EXISTS patchdeck.prechecks (", 50), 0);
		assert_non_null(strstr(s, SETUPRESULTS_SERDE));
		assert_null(strstr(s, "--"));
		free(s);
	}
}

static const char *const precheck_cols =
    "run_id string,window string,account string,region string,"
    "instance_id string,name string,platform string,status string,"
    "started_at string,ended_at string,"
    "disk array<struct<mount:string,free_mb:bigint,free_pct:int>>,"
    "repo string,repo_urls array<string>,pkg_lock boolean,uptime_s bigint,"
    "load1 double,reboot_pending boolean,result string,"
    "failures array<string>,error string|dt string";

static void
ddl_columns(void **state)
{
	const struct embed_file *f = embedded_find(embedded_athena,
	    embedded_athena_n, "prechecks");
	char *err = NULL, *s, *c;

	(void)state;
	s = setupresults_statement(f->data, "d.p", "b", "p", &err);
	c = setupresults_ddl_columns(s);
	assert_non_null(c);
	assert_string_equal(c, precheck_cols);
	free(c);
	free(s);
	c = setupresults_ddl_columns("CREATE TABLE t ( `A` INT , b "
	    "map < string , int > ) PARTITIONED BY (x string, y int)");
	assert_string_equal(c, "a int,b map<string,int>|x string,y int");
	free(c);
	c = setupresults_ddl_columns("CREATE TABLE t (a int)");
	assert_string_equal(c, "a int|");
	free(c);
	assert_null(setupresults_ddl_columns("DROP TABLE t"));
	assert_null(setupresults_ddl_columns("CREATE TABLE t (a int"));
}

static void
meta_columns_and_diff(void **state)
{
	cJSON *tm = cJSON_Parse("{\"Columns\":[{\"Name\":\"A\",\"Type\":"
	    "\"int\"},{\"Name\":\"disk\",\"Type\":\"string\"}],"
	    "\"PartitionKeys\":[{\"Name\":\"dt\",\"Type\":\"string\"}],"
	    "\"Parameters\":{\"serde.serialization.lib\":"
	    "\"org.openx.data.jsonserde.JsonSerDe\"}}");
	char *c, *d;

	(void)state;
	c = setupresults_meta_columns(tm);
	assert_string_equal(c, "a int,disk string|dt string");
	assert_string_equal(setupresults_meta_serde(tm),
	    "org.openx.data.jsonserde.JsonSerDe");
	d = setupresults_columns_diff(c, "a int,disk array<struct<m:string,"
	    "f:int>>,extra string|dt string");
	assert_string_equal(d, "it lacks disk array<struct<m:string,f:int>>, "
	    "extra string; it has instead disk string");
	free(d);
	d = setupresults_columns_diff(c, "a int|dt string");
	assert_string_equal(d, "it has besides disk string");
	free(d);
	d = setupresults_columns_diff(c, "disk string,a int|dt string");
	assert_string_equal(d, "its columns are in another order");
	free(d);
	d = setupresults_columns_diff(c, "a int,disk string|dt int");
	assert_string_equal(d, "it lacks dt int (partition); it has instead "
	    "dt string (partition)");
	free(d);
	free(c);
	cJSON_Delete(tm);
	assert_null(setupresults_meta_serde(NULL));
}

static void
bucket_replies(void **state)
{
	struct s3_public_block b;
	int pub = -1;
	const char *ps = "<?xml version=\"1.0\"?><PolicyStatus xmlns=\"http://"
	    "s3.amazonaws.com/doc/2006-03-01/\"><IsPublic>true</IsPublic>"
	    "</PolicyStatus>";
	const char *pab = "<PublicAccessBlockConfiguration><BlockPublicAcls>"
	    "true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls>"
	    "<BlockPublicPolicy>false</BlockPublicPolicy>"
	    "<RestrictPublicBuckets>true</RestrictPublicBuckets>"
	    "</PublicAccessBlockConfiguration>";

	(void)state;
	assert_int_equal(s3_parse_policy_status(ps, strlen(ps), &pub), 0);
	assert_int_equal(pub, 1);
	assert_int_equal(s3_parse_policy_status("<PolicyStatus><IsPublic>"
	    "false</IsPublic></PolicyStatus>", 55, &pub), 0);
	assert_int_equal(pub, 0);
	/* Not such a reply: a ListObjects answer, no IsPublic, garbage. */
	assert_int_equal(s3_parse_policy_status("<ListBucketResult/>", 19,
	    &pub), -1);
	assert_int_equal(s3_parse_policy_status("<PolicyStatus/>", 15, &pub),
	    -1);
	assert_int_equal(s3_parse_policy_status("<x", 2, &pub), -1);
	assert_int_equal(s3_parse_public_block(pab, strlen(pab), &b), 0);
	assert_true(b.block_public_acls && b.ignore_public_acls &&
	    !b.block_public_policy && b.restrict_public_buckets);
	assert_int_equal(s3_parse_public_block("<Error/>", 8, &b), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(embedded_match_files),
		cmocka_unit_test(hash_and_compare),
		cmocka_unit_test(decide),
		cmocka_unit_test(statement),
		cmocka_unit_test(ddl_columns),
		cmocka_unit_test(meta_columns_and_diff),
		cmocka_unit_test(bucket_replies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
