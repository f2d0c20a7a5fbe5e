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
