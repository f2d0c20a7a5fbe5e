/*
 * setupresults.c - see setupresults.h.
 */
#include "ops/setupresults.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aws/athena.h"
#include "aws/awserr.h"
#include "aws/jsonutil.h"
#include "aws/net.h"
#include "aws/s3.h"
#include "util/util.h"

char *
setupresults_statement(const char *sql, const char *table, const char *bucket,
    const char *prefix, char **err)
{
	static const struct {
		const char *name;
		int keep;
	} known[] = {
		{ "${table}", 0 }, { "${bucket}", 0 }, { "${prefix}", 0 },
		{ "${dt}", 1 },
	};
	const char *values[] = { table, bucket, prefix, NULL };
	struct buf b;
	const char *p = sql;
	size_t k;

	/* The leading comment block: the statement is sent bare. */
	while (strncmp(p, "--", 2) == 0) {
		const char *nl = strchr(p, '\n');

		p = nl != NULL ? nl + 1 : p + strlen(p);
	}
	buf_init(&b);
	while (*p != '\0') {
		if (p[0] != '$' || p[1] != '{') {
			buf_putc(&b, *p++);
			continue;
		}
		for (k = 0; k < sizeof known / sizeof known[0]; k++)
			if (strncmp(p, known[k].name, strlen(known[k].name))
			    == 0)
				break;
		if (k == sizeof known / sizeof known[0]) {
			const char *end = strchr(p, '}');
			int len = end != NULL && end - p < 40 ?
			    (int)(end - p + 1) : 12;

			util_seterr(err, "statement holds an unknown "
			    "placeholder %.*s", len, p);
			buf_free(&b);
			return NULL;
		}
		buf_puts(&b, known[k].keep ? known[k].name : values[k]);
		p += strlen(known[k].name);
	}
	/* No trailing blank lines or ';' (Athena takes one statement). */
	while (b.len > 0 && (isspace((unsigned char)b.data[b.len - 1]) ||
	    b.data[b.len - 1] == ';'))
		b.data[--b.len] = '\0';
	return buf_steal(&b);
}

/* Appends "name type" of one column definition [s, e) to out. */
static void
put_column(struct buf *out, const char *s, const char *e)
{
	int in_name = 1;

	while (s < e && isspace((unsigned char)*s))
		s++;
	if (out->len > 0 && out->data[out->len - 1] != '|')
		buf_putc(out, ',');
	for (; s < e; s++) {
		if (*s == '`')
			continue;
		if (isspace((unsigned char)*s)) {
			if (in_name) {
				buf_putc(out, ' ');
				in_name = 0;
			}
			continue;
		}
		buf_putc(out, (char)tolower((unsigned char)*s));
	}
}

/* The column list inside the parentheses at *p ('('); *p moves past the
 * closing one.  -1 when they do not close. */
static int
put_columns(struct buf *out, const char **pp)
{
	const char *p = *pp + 1, *start = p;
	int depth = 0;

	for (; *p != '\0'; p++) {
		if (*p == '(' || *p == '<') {
			depth++;
		} else if ((*p == ')' || *p == '>') && depth > 0) {
			depth--;
		} else if (*p == ')' || (*p == ',' && depth == 0)) {
			put_column(out, start, p);
			start = p + 1;
			if (*p == ')') {
				*pp = p + 1;
				return 0;
			}
		}
	}
	return -1;
}

static const char *
find_word(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (; *s != '\0'; s++)
		if (strncasecmp(s, w, n) == 0)
			return s;
	return NULL;
}

char *
setupresults_ddl_columns(const char *ddl)
{
	const char *p = strchr(ddl, '('), *part;
	struct buf b;

	if (p == NULL)
		return NULL;
	buf_init(&b);
	if (put_columns(&b, &p) != 0) {
		buf_free(&b);
		return NULL;
	}
	buf_putc(&b, '|');
	part = find_word(p, "PARTITIONED BY");
	if (part != NULL && (part = strchr(part, '(')) != NULL &&
	    put_columns(&b, &part) != 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* The next column of a column string at *pp ("name type", up to a ','
 * or '|' outside <>), or NULL at the end; caller frees.  *part is set
 * once past the '|': the columns after it are partition keys. */
static char *
next_column(const char **pp, int *part)
{
	const char *p = *pp, *start = p;
	int depth = 0, was_part = *part;

	if (*p == '\0')
		return NULL;
	for (; *p != '\0'; p++) {
		if (*p == '<')
			depth++;
		else if (*p == '>' && depth > 0)
			depth--;
		else if (depth == 0 && (*p == ',' || *p == '|'))
			break;
	}
	if (*p == '|')
		*part = 1;
	*pp = *p != '\0' ? p + 1 : p;
	if (p == start)
		return xstrdup("");
	return xasprintf("%.*s%s", (int)(p - start), start,
	    was_part ? " (partition)" : "");
}

/* 1 if col is one of the columns of list. */
static int
has_column(const char *list, const char *col)
{
	const char *p = list;
	char *c;
	int found = 0, part = 0;

	while (!found && (c = next_column(&p, &part)) != NULL) {
		found = strcmp(c, col) == 0;
		free(c);
	}
	return found;
}

static void
diff_side(struct buf *b, const char *label, const char *from,
    const char *other)
{
	const char *p = from;
	char *c;
	int n = 0, part = 0;

	while ((c = next_column(&p, &part)) != NULL) {
		if (*c != '\0' && !has_column(other, c)) {
			buf_puts(b, n++ == 0 ? label : ", ");
			buf_puts(b, c);
		}
		free(c);
	}
}

char *
setupresults_columns_diff(const char *have, const char *want)
{
	struct buf b;

	buf_init(&b);
	diff_side(&b, "it lacks ", want, have);
	if (b.len > 0)
		diff_side(&b, "; it has instead ", have, want);
	else
		diff_side(&b, "it has besides ", have, want);
	if (b.len == 0)
		buf_puts(&b, "its columns are in another order");
	return buf_steal(&b);
}

static void
put_meta(struct buf *b, const cJSON *cols)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, cols) {
		const char *n = json_peek(c, "Name"), *t = json_peek(c, "Type");
		const char *q;

		if (b->len > 0 && b->data[b->len - 1] != '|')
			buf_putc(b, ',');
		for (q = n != NULL ? n : "?"; *q != '\0'; q++)
			buf_putc(b, (char)tolower((unsigned char)*q));
		buf_putc(b, ' ');
		for (q = t != NULL ? t : "?"; *q != '\0'; q++)
			if (!isspace((unsigned char)*q))
				buf_putc(b, (char)tolower((unsigned char)*q));
	}
}

char *
setupresults_meta_columns(const cJSON *tm)
{
	struct buf b;

	buf_init(&b);
	put_meta(&b, json_array(tm, "Columns"));
	buf_putc(&b, '|');
	put_meta(&b, json_array(tm, "PartitionKeys"));
	return buf_steal(&b);
}

const char *
setupresults_meta_serde(const cJSON *tm)
{
	const cJSON *params = cJSON_GetObjectItemCaseSensitive(tm,
	    "Parameters");
	const char *s = json_peek(params, "serde.serialization.lib");

	return s != NULL ? s : json_peek(params, "serde");
}

/* One JSON reply, kept past the callback. */
struct jr {
	int done;
	cJSON *reply;
	struct aws_error ae;
};

static void
on_json(void *arg, const cJSON *reply, const struct aws_error *err)
{
	struct jr *j = arg;

	j->done = 1;
	if (reply != NULL)
		j->reply = cJSON_Duplicate(reply, 1);
	else
		awserr_copy(&j->ae, err);
}

static void
jr_wait(struct net *net, struct jr *j)
{
	net_run(net, NULL);
	if (j->reply == NULL && j->ae.code == NULL)
		awserr_set(&j->ae, 0, "NoReply", "no reply", NULL);
}

static void
jr_done(struct jr *j)
{
	cJSON_Delete(j->reply);
	awserr_free(&j->ae);
}

static int
is_metadata_missing(const struct aws_error *e)
{
	/* Athena: MetadataException (or EntityNotFoundException from Glue
	 * behind it) with "not found" / "does not exist". */
	return e->code != NULL && (strcmp(e->code, "MetadataException") == 0 ||
	    strcmp(e->code, "EntityNotFoundException") == 0);
}

static void
set_aws_err(char **err, const char *what, const struct aws_error *e)
{
	char *m = awserr_format(e);

	util_seterr(err, "%s: %s", what, m);
	free(m);
}

int
setupresults_database(struct net *net, struct aws_client *athena,
    const char *database, int *exists, char **err)
{
	struct jr j;
	int rc = 0;

	memset(&j, 0, sizeof j);
	awserr_init(&j.ae);
	athena_get_database(athena, database, on_json, &j);
	jr_wait(net, &j);
	*exists = j.reply != NULL;
	if (j.reply == NULL && !is_metadata_missing(&j.ae)) {
		char *what = xasprintf("GetDatabase %s", database);

		set_aws_err(err, what, &j.ae);
		free(what);
		rc = -1;
	}
	jr_done(&j);
	return rc;
}

int
setupresults_table(struct net *net, struct aws_client *athena,
    const char *database, const char *table, const char *want,
    enum setupresults_table *state, char **why, char **err)
{
	struct jr j;
	const cJSON *tm;
	const char *serde;
	char *have;
	int rc = 0;

	*why = NULL;
	memset(&j, 0, sizeof j);
	awserr_init(&j.ae);
	athena_get_table_metadata(athena, database, table, on_json, &j);
	jr_wait(net, &j);
	if (j.reply == NULL) {
		*state = SETUPRESULTS_MISSING;
		if (!is_metadata_missing(&j.ae)) {
			char *what = xasprintf("GetTableMetadata %s.%s",
			    database, table);

			set_aws_err(err, what, &j.ae);
			free(what);
			rc = -1;
		}
		jr_done(&j);
		return rc;
	}
	tm = cJSON_GetObjectItemCaseSensitive(j.reply, "TableMetadata");
	have = setupresults_meta_columns(tm);
	serde = setupresults_meta_serde(tm);
	*state = SETUPRESULTS_SAME;
	if (strcmp(have, want) != 0) {
		*state = SETUPRESULTS_DIFFERENT;
		*why = setupresults_columns_diff(have, want);
	} else if (serde != NULL && strcmp(serde, SETUPRESULTS_SERDE) != 0) {
		*state = SETUPRESULTS_DIFFERENT;
		*why = xasprintf("its SerDe is %s, not %s", serde,
		    SETUPRESULTS_SERDE);
	}
	free(have);
	jr_done(&j);
	return 0;
}

/* The state of one query execution, kept past the callback. */
struct xr {
	int done;
	char *id;
	char *state, *reason;
	struct aws_error ae;
};

static void
on_id(void *arg, const char *id, const struct aws_error *err)
{
	struct xr *x = arg;

	x->done = 1;
	if (id != NULL)
		x->id = xstrdup(id);
	else
		awserr_copy(&x->ae, err);
}

static void
on_exec(void *arg, const struct athena_execution *e,
    const struct aws_error *err)
{
	struct xr *x = arg;

	x->done = 1;
	free(x->state);
	free(x->reason);
	x->state = x->reason = NULL;
	if (e != NULL) {
		x->state = xstrdup(e->state != NULL ? e->state : "?");
		x->reason = xstrdup(e->reason != NULL ? e->reason : "");
	} else {
		awserr_copy(&x->ae, err);
	}
}

static void
tick(void *arg)
{
	(void)arg;
}

int
setupresults_run(struct net *net, struct aws_client *athena,
    const char *statement, const char *database, const char *workgroup,
    const char *output, int timeout_s, char **err)
{
	struct athena_start s;
	struct xr x;
	time_t start = time(NULL);
	int rc = -1;

	memset(&s, 0, sizeof s);
	s.query = statement;
	s.database = database;
	s.workgroup = workgroup;
	s.output_location = output;
	memset(&x, 0, sizeof x);
	awserr_init(&x.ae);
	athena_start_query(athena, &s, on_id, &x);
	net_run(net, NULL);
	if (x.id == NULL) {
		if (x.ae.code == NULL)
			awserr_set(&x.ae, 0, "NoReply", "no reply", NULL);
		set_aws_err(err, "StartQueryExecution", &x.ae);
		goto out;
	}
	for (;;) {
		x.done = 0;
		athena_get_query_execution(athena, x.id, on_exec, &x);
		net_run(net, NULL);
		if (x.state == NULL) {
			if (x.ae.code == NULL)
				awserr_set(&x.ae, 0, "NoReply", "no reply",
				    NULL);
			set_aws_err(err, "GetQueryExecution", &x.ae);
			goto out;
		}
		if (strcmp(x.state, "SUCCEEDED") == 0) {
			rc = 0;
			goto out;
		}
		/* QUEUED and RUNNING go on (a query can go back from
		 * RUNNING to QUEUED when Athena retries it). */
		if (strcmp(x.state, "QUEUED") != 0 &&
		    strcmp(x.state, "RUNNING") != 0) {
			util_seterr(err, "query %s %s: %s", x.id, x.state,
			    x.reason);
			goto out;
		}
		if (time(NULL) - start >= timeout_s) {
			util_seterr(err, "query %s still %s after %d s", x.id,
			    x.state, timeout_s);
			goto out;
		}
		net_timer_add(net, 500, tick, NULL);
		net_run(net, NULL);
	}
out:
	free(x.id);
	free(x.state);
	free(x.reason);
	awserr_free(&x.ae);
	return rc;
}

struct br {
	int done;
	int is_public;
	int have_block;
	struct s3_public_block block;
	struct aws_error ae;
};

static void
on_head(void *arg, const struct aws_error *err)
{
	struct br *b = arg;

	b->done = 1;
	if (err != NULL)
		awserr_copy(&b->ae, err);
}

static void
on_status(void *arg, int is_public, const struct aws_error *err)
{
	struct br *b = arg;

	b->done = 1;
	b->is_public = is_public;
	if (err != NULL)
		awserr_copy(&b->ae, err);
}

static void
on_block(void *arg, const struct s3_public_block *blk,
    const struct aws_error *err)
{
	struct br *b = arg;

	b->done = 1;
	if (blk != NULL) {
		b->have_block = 1;
		b->block = *blk;
	} else {
		awserr_copy(&b->ae, err);
	}
}

static int
br_failed(struct net *net, struct br *b)
{
	net_run(net, NULL);
	if (!b->done && b->ae.code == NULL)
		awserr_set(&b->ae, 0, "NoReply", "no reply", NULL);
	return b->ae.code != NULL;
}

static int
code_is(const struct aws_error *e, const char *code)
{
	return e->code != NULL && strcmp(e->code, code) == 0;
}

int
setupresults_check_bucket(struct net *net, struct aws_client *s3,
    const char *bucket, struct setupresults_bucket *out, char **err)
{
	struct br b;
	int rc = 0, restricted;

	memset(out, 0, sizeof *out);
	memset(&b, 0, sizeof b);
	awserr_init(&b.ae);
	s3_head_bucket(s3, bucket, on_head, &b);
	if (br_failed(net, &b)) {
		/* HEAD has no body: the status says it. */
		if (b.ae.http_status == 404)
			out->problem = xstrdup("it does not exist");
		else if (b.ae.http_status == 403)
			out->problem = xstrdup("access denied (it may belong "
			    "to another account)");
		else {
			set_aws_err(err, "HeadBucket", &b.ae);
			rc = -1;
		}
		awserr_free(&b.ae);
		return rc;
	}
	out->exists = 1;

	memset(&b, 0, sizeof b);
	awserr_init(&b.ae);
	s3_get_public_access_block(s3, bucket, on_block, &b);
	if (br_failed(net, &b) && !code_is(&b.ae,
	    "NoSuchPublicAccessBlockConfiguration")) {
		set_aws_err(err, "GetPublicAccessBlock", &b.ae);
		awserr_free(&b.ae);
		return -1;
	}
	out->has_block = b.have_block;
	out->block_all = b.have_block && b.block.block_public_acls &&
	    b.block.ignore_public_acls && b.block.block_public_policy &&
	    b.block.restrict_public_buckets;
	restricted = b.have_block && b.block.restrict_public_buckets;
	awserr_free(&b.ae);

	memset(&b, 0, sizeof b);
	awserr_init(&b.ae);
	s3_get_bucket_policy_status(s3, bucket, on_status, &b);
	if (br_failed(net, &b)) {
		if (!code_is(&b.ae, "NoSuchBucketPolicy")) {
			set_aws_err(err, "GetBucketPolicyStatus", &b.ae);
			awserr_free(&b.ae);
			return -1;
		}
	} else {
		out->has_policy = 1;
		/* RestrictPublicBuckets keeps a public policy to the
		 * bucket owner's account and AWS services. */
		out->is_public = b.is_public && !restricted;
	}
	awserr_free(&b.ae);
	if (out->is_public)
		out->problem = xstrdup("it is PUBLIC: its bucket policy grants "
		    "public access");
	return 0;
}

void
setupresults_bucket_done(struct setupresults_bucket *b)
{
	free(b->problem);
	memset(b, 0, sizeof b[0]);
}
