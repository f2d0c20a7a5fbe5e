/*
 * s3.c - see s3.h.
 */
#include "aws/s3.h"

#include <stdlib.h>
#include <string.h>

#include "aws/awserr.h"
#include "aws/awsxml.h"
#include "aws/client.h"
#include "util/util.h"

/* Sets the request's path (and host prefix) for bucket and key. */
static void
s3_target(struct aws_client *c, struct aws_request *r, const char *bucket,
    const char *key)
{
	struct buf p;

	buf_init(&p);
	if (c->path_style) {
		buf_putc(&p, '/');
		util_uri_encode(&p, bucket, strlen(bucket), 0);
	} else {
		r->host_prefix = xasprintf("%s.", bucket);
	}
	buf_putc(&p, '/');
	if (key != NULL)
		util_uri_encode(&p, key, strlen(key), 1);
	free(r->path);
	r->path = buf_steal(&p);
}

struct lo {
	struct aws_client *c;
	char *bucket, *prefix, *token;
	unsigned long pages;
	s3_objects_fn page;
	aws_end_fn end;
	void *arg;
};

static void lo_send(struct lo *l);

static void
lo_free(struct lo *l)
{
	free(l->bucket);
	free(l->prefix);
	free(l->token);
	free(l);
}

static void
lo_finish(struct lo *l, const struct aws_error *err)
{
	l->end(l->arg, err);
	lo_free(l);
}

/* The loop went away mid-listing (net_free). */
static void
lo_drop(void *arg)
{
	lo_free(arg);
}

static void
lo_fail(struct lo *l, const char *msg)
{
	struct aws_error e;

	awserr_init(&e);
	awserr_set(&e, 200, "MalformedReply", msg, NULL);
	lo_finish(l, &e);
	awserr_free(&e);
}

static void
lo_reply(void *arg, const struct aws_result *res)
{
	struct lo *l = arg;
	xmlDoc *doc;
	xmlNode *root, *it;
	struct s3_object *v = NULL;
	char **texts = NULL;
	size_t n = 0, i;
	char *trunc, *next, *why, *msg;
	int stop;

	if (!res->ok) {
		lo_finish(l, &res->err);
		return;
	}
	if ((doc = awsxml_parse(res->body, res->len, &why)) == NULL) {
		msg = xasprintf("ListObjectsV2: %s", why);
		lo_fail(l, msg);
		free(msg);
		free(why);
		return;
	}
	root = xmlDocGetRootElement(doc);
	for (it = awsxml_child(root, "Contents"); it != NULL;
	    it = awsxml_next(it, "Contents")) {
		char *size;

		v = xreallocarray(v, n + 1, sizeof *v);
		texts = xreallocarray(texts, 3 * (n + 1), sizeof *texts);
		texts[3 * n] = awsxml_text(it, "Key");
		texts[3 * n + 1] = awsxml_text(it, "LastModified");
		texts[3 * n + 2] = awsxml_text(it, "ETag");
		size = awsxml_text(it, "Size");
		v[n].key = texts[3 * n] ? texts[3 * n] : "";
		v[n].last_modified = texts[3 * n + 1] ? texts[3 * n + 1] : "";
		v[n].etag = texts[3 * n + 2] ? texts[3 * n + 2] : "";
		v[n].size = size != NULL ? strtoll(size, NULL, 10) : 0;
		free(size);
		n++;
	}
	trunc = awsxml_text(root, "IsTruncated");
	next = awsxml_text(root, "NextContinuationToken");
	xmlFreeDoc(doc);
	l->pages++;
	stop = l->page(l->arg, v, n);
	for (i = 0; i < 3 * n; i++)
		free(texts[i]);
	free(texts);
	free(v);
	if (stop || trunc == NULL || strcmp(trunc, "true") != 0) {
		free(trunc);
		free(next);
		lo_finish(l, NULL);
		return;
	}
	free(trunc);
	if (next == NULL || *next == '\0' ||
	    (l->token != NULL && strcmp(next, l->token) == 0) ||
	    l->pages >= AWS_PAGER_MAX_PAGES) {
		free(next);
		lo_fail(l, "ListObjectsV2 is truncated but gives no new "
		    "continuation token");
		return;
	}
	free(l->token);
	l->token = next;
	lo_send(l);
}

static void
lo_send(struct lo *l)
{
	struct aws_request r;
	struct buf q;

	aws_request_init(&r, "GET", "ListObjectsV2");
	s3_target(l->c, &r, l->bucket, NULL);
	buf_init(&q);
	if (l->token != NULL) {
		buf_puts(&q, "continuation-token=");
		util_uri_encode(&q, l->token, strlen(l->token), 0);
		buf_putc(&q, '&');
	}
	buf_puts(&q, "list-type=2&max-keys=1000");
	if (l->prefix != NULL && *l->prefix != '\0') {
		buf_puts(&q, "&prefix=");
		util_uri_encode(&q, l->prefix, strlen(l->prefix), 0);
	}
	r.query = buf_steal(&q);
	aws_send_owned(l->c, &r, lo_reply, lo_drop, l);
}

void
s3_list_objects(struct aws_client *c, const char *bucket, const char *prefix,
    s3_objects_fn page, aws_end_fn end, void *arg)
{
	struct lo *l = xcalloc(1, sizeof *l);

	l->c = c;
	l->bucket = xstrdup(bucket);
	l->prefix = prefix != NULL ? xstrdup(prefix) : NULL;
	l->page = page;
	l->end = end;
	l->arg = arg;
	lo_send(l);
}

struct go {
	s3_body_fn fn;
	void *arg;
};

static void
go_reply(void *arg, const struct aws_result *res)
{
	struct go *g = arg;

	if (res->ok)
		g->fn(g->arg, res->body, res->len, NULL);
	else
		g->fn(g->arg, NULL, 0, &res->err);
	free(g);
}

void
s3_get_object(struct aws_client *c, const char *bucket, const char *key,
    s3_body_fn fn, void *arg)
{
	struct go *g = xcalloc(1, sizeof *g);
	struct aws_request r;

	g->fn = fn;
	g->arg = arg;
	aws_request_init(&r, "GET", "GetObject");
	s3_target(c, &r, bucket, key);
	aws_send_owned(c, &r, go_reply, free, g);
}

struct po {
	aws_end_fn end;
	void *arg;
};

static void
po_reply(void *arg, const struct aws_result *res)
{
	struct po *p = arg;

	p->end(p->arg, res->ok ? NULL : &res->err);
	free(p);
}

void
s3_put_object(struct aws_client *c, const char *bucket, const char *key,
    const void *body, size_t len, const char *content_type, aws_end_fn end,
    void *arg)
{
	struct po *p = xcalloc(1, sizeof *p);
	struct aws_request r;

	p->end = end;
	p->arg = arg;
	aws_request_init(&r, "PUT", "PutObject");
	s3_target(c, &r, bucket, key);
	r.content_type = xstrdup(content_type != NULL ? content_type :
	    "application/octet-stream");
	buf_append(&r.body, body, len);
	aws_send_owned(c, &r, po_reply, free, p);
}

void
s3_head_bucket(struct aws_client *c, const char *bucket, aws_end_fn end,
    void *arg)
{
	struct po *p = xcalloc(1, sizeof *p);
	struct aws_request r;

	p->end = end;
	p->arg = arg;
	aws_request_init(&r, "HEAD", "HeadBucket");
	s3_target(c, &r, bucket, NULL);
	aws_send_owned(c, &r, po_reply, free, p);
}

/* GET of a bucket subresource ("policyStatus"); body to parse. */
struct sub {
	int kind;		/* 0 policy status, 1 public access block */
	s3_policy_status_fn ps;	/* the one of kind */
	s3_public_block_fn pb;
	void *arg;
};

static int
xml_true(const xmlNode *root, const char *name)
{
	char buf[16];

	awsxml_text_buf(root, name, buf, sizeof buf);
	return strcmp(buf, "true") == 0 || strcmp(buf, "TRUE") == 0;
}

int
s3_parse_policy_status(const char *body, size_t len, int *is_public)
{
	xmlDoc *d = awsxml_parse(body, len, NULL);
	xmlNode *root = d != NULL ? xmlDocGetRootElement(d) : NULL;
	int rc = -1;

	if (root != NULL && strcmp((const char *)root->name, "PolicyStatus")
	    == 0 && awsxml_child(root, "IsPublic") != NULL) {
		*is_public = xml_true(root, "IsPublic");
		rc = 0;
	}
	if (d != NULL)
		xmlFreeDoc(d);
	return rc;
}

int
s3_parse_public_block(const char *body, size_t len, struct s3_public_block *b)
{
	xmlDoc *d = awsxml_parse(body, len, NULL);
	xmlNode *root = d != NULL ? xmlDocGetRootElement(d) : NULL;
	int rc = -1;

	memset(b, 0, sizeof *b);
	if (root != NULL && strcmp((const char *)root->name,
	    "PublicAccessBlockConfiguration") == 0) {
		b->block_public_acls = xml_true(root, "BlockPublicAcls");
		b->ignore_public_acls = xml_true(root, "IgnorePublicAcls");
		b->block_public_policy = xml_true(root, "BlockPublicPolicy");
		b->restrict_public_buckets = xml_true(root,
		    "RestrictPublicBuckets");
		rc = 0;
	}
	if (d != NULL)
		xmlFreeDoc(d);
	return rc;
}

static void
sub_reply(void *arg, const struct aws_result *res)
{
	struct sub *w = arg;
	struct aws_error e;
	struct s3_public_block b;
	int pub = 0, ok = 0;

	awserr_init(&e);
	if (res->ok) {
		ok = w->kind == 0 ?
		    s3_parse_policy_status(res->body, res->len, &pub) == 0 :
		    s3_parse_public_block(res->body, res->len, &b) == 0;
		if (!ok)
			awserr_set(&e, res->status, "MalformedReply",
			    w->kind == 0 ? "GetBucketPolicyStatus reply without "
			    "PolicyStatus/IsPublic" : "GetPublicAccessBlock "
			    "reply without PublicAccessBlockConfiguration",
			    res->request_id);
	}
	if (w->kind == 0)
		w->ps(w->arg, pub, ok ? NULL :
		    res->ok ? &e : &res->err);
	else
		w->pb(w->arg, ok ? &b : NULL, ok ? NULL :
		    res->ok ? &e : &res->err);
	awserr_free(&e);
	free(w);
}

static void
sub_get(struct aws_client *c, const char *bucket, struct sub *w)
{
	struct aws_request r;
	int kind = w->kind;

	aws_request_init(&r, "GET", kind == 0 ? "GetBucketPolicyStatus" :
	    "GetPublicAccessBlock");
	s3_target(c, &r, bucket, NULL);
	r.query = xstrdup(kind == 0 ? "policyStatus" : "publicAccessBlock");
	aws_send_owned(c, &r, sub_reply, free, w);
}

void
s3_get_bucket_policy_status(struct aws_client *c, const char *bucket,
    s3_policy_status_fn fn, void *arg)
{
	struct sub *w = xcalloc(1, sizeof *w);

	w->ps = fn;
	w->arg = arg;
	sub_get(c, bucket, w);
}

void
s3_get_public_access_block(struct aws_client *c, const char *bucket,
    s3_public_block_fn fn, void *arg)
{
	struct sub *w = xcalloc(1, sizeof *w);

	w->kind = 1;
	w->pb = fn;
	w->arg = arg;
	sub_get(c, bucket, w);
}
