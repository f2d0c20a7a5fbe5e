/*
 * pager.c - see pager.h.
 */
#include "aws/pager.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awserr.h"
#include "aws/awsxml.h"
#include "aws/client.h"
#include "util/util.h"

struct jpager {
	struct aws_client *c;
	char *prefix, *version, *op, *token_in, *token_out;
	cJSON *body;		/* the request, token_in replaced per page */
	char *last_token;	/* printed form of the token just sent */
	unsigned long pages;
	aws_json_page_fn page;
	aws_end_fn end;
	void *arg;
	void (*drop_arg)(void *arg);	/* arg is ours to free if dropped */
};

static void jpager_send(struct jpager *p);
static void jpager_fail(struct jpager *p, const char *code, const char *fmt,
    ...) UTIL_PRINTF(3, 4);

static void
jpager_free(struct jpager *p)
{
	free(p->prefix);
	free(p->version);
	free(p->op);
	free(p->token_in);
	free(p->token_out);
	free(p->last_token);
	cJSON_Delete(p->body);
	free(p);
}

static void
jpager_fail(struct jpager *p, const char *code, const char *fmt, ...)
{
	struct aws_error e;
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	awserr_init(&e);
	awserr_set(&e, 200, code, msg, NULL);
	p->end(p->arg, &e);
	awserr_free(&e);
	free(msg);
	jpager_free(p);
}

static void
jpager_reply(void *arg, const struct aws_result *res)
{
	struct jpager *p = arg;
	cJSON *doc, *next;
	char *printed;

	if (!res->ok) {
		p->end(p->arg, &res->err);
		jpager_free(p);
		return;
	}
	doc = cJSON_ParseWithLength(res->body, res->len);
	if (doc == NULL || !cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		jpager_fail(p, "MalformedReply", "%s returned a reply that is "
		    "not a JSON object", p->op);
		return;
	}
	p->pages++;
	if (p->page(p->arg, doc) != 0 || p->token_out == NULL) {
		cJSON_Delete(doc);
		p->end(p->arg, NULL);
		jpager_free(p);
		return;
	}
	next = cJSON_GetObjectItemCaseSensitive(doc, p->token_out);
	if (next == NULL || cJSON_IsNull(next) ||
	    (cJSON_IsString(next) && next->valuestring[0] == '\0')) {
		cJSON_Delete(doc);
		p->end(p->arg, NULL);
		jpager_free(p);
		return;
	}
	printed = cJSON_PrintUnformatted(next);
	if (p->last_token != NULL && printed != NULL &&
	    strcmp(printed, p->last_token) == 0) {
		free(printed);
		cJSON_Delete(doc);
		jpager_fail(p, "PagingLoop", "%s returned the same %s twice",
		    p->op, p->token_out);
		return;
	}
	if (p->pages >= AWS_PAGER_MAX_PAGES) {
		free(printed);
		cJSON_Delete(doc);
		jpager_fail(p, "PagingLoop", "%s: more than %d pages",
		    p->op, AWS_PAGER_MAX_PAGES);
		return;
	}
	free(p->last_token);
	p->last_token = printed;
	cJSON_DeleteItemFromObjectCaseSensitive(p->body, p->token_in);
	cJSON_AddItemToObject(p->body, p->token_in, cJSON_Duplicate(next, 1));
	cJSON_Delete(doc);
	jpager_send(p);
}

/* The loop went away mid-call (net_free): nothing more will come. */
static void
jpager_drop(void *arg)
{
	struct jpager *p = arg;

	if (p->drop_arg != NULL)
		p->drop_arg(p->arg);
	jpager_free(p);
}

static void
jpager_send(struct jpager *p)
{
	struct aws_request r;

	aws_json_request(&r, p->prefix, p->op, p->version,
	    cJSON_Duplicate(p->body, 1));
	aws_send_owned(p->c, &r, jpager_reply, jpager_drop, p);
}

void
aws_json_pages(struct aws_client *c, const char *prefix,
    const char *json_version, const char *op, cJSON *body,
    const char *token_in, const char *token_out,
    aws_json_page_fn page, aws_end_fn end, void *arg)
{
	aws_json_pages_owned(c, prefix, json_version, op, body, token_in,
	    token_out, page, end, NULL, arg);
}

void
aws_json_pages_owned(struct aws_client *c, const char *prefix,
    const char *json_version, const char *op, cJSON *body,
    const char *token_in, const char *token_out,
    aws_json_page_fn page, aws_end_fn end, void (*drop_arg)(void *arg),
    void *arg)
{
	struct jpager *p = xcalloc(1, sizeof *p);

	p->c = c;
	p->prefix = xstrdup(prefix);
	p->version = xstrdup(json_version);
	p->op = xstrdup(op);
	p->token_in = token_in != NULL ? xstrdup(token_in) : NULL;
	p->token_out = token_out != NULL ? xstrdup(token_out) : NULL;
	p->body = body != NULL ? body : cJSON_CreateObject();
	p->page = page;
	p->end = end;
	p->arg = arg;
	p->drop_arg = drop_arg;
	jpager_send(p);
}

void
aws_params_init(struct aws_params *p)
{
	p->kv = NULL;
	p->n = 0;
}

void
aws_params_free(struct aws_params *p)
{
	size_t i;

	for (i = 0; i < 2 * p->n; i++)
		free(p->kv[i]);
	free(p->kv);
	aws_params_init(p);
}

void
aws_params_add(struct aws_params *p, const char *key, const char *value)
{
	p->kv = xreallocarray(p->kv, 2 * (p->n + 1), sizeof *p->kv);
	p->kv[2 * p->n] = xstrdup(key);
	p->kv[2 * p->n + 1] = xstrdup(value);
	p->n++;
}

void
aws_params_addf(struct aws_params *p, const char *value, const char *keyfmt,
    ...)
{
	va_list ap;
	char *key;

	va_start(ap, keyfmt);
	key = xvasprintf(keyfmt, ap);
	va_end(ap);
	aws_params_add(p, key, value);
	free(key);
}

struct qpager {
	struct aws_client *c;
	char *action, *version, *token_in, *token_out;
	struct aws_params params;
	char *token;		/* the token to send, or NULL */
	unsigned long pages;
	aws_xml_page_fn page;
	aws_end_fn end;
	void *arg;
	void (*drop_arg)(void *arg);	/* arg is ours to free if dropped */
};

static void qpager_send(struct qpager *p);

static void
qpager_free(struct qpager *p)
{
	free(p->action);
	free(p->version);
	free(p->token_in);
	free(p->token_out);
	free(p->token);
	aws_params_free(&p->params);
	free(p);
}

static void
qpager_end(struct qpager *p, const char *code, const char *msg)
{
	struct aws_error e;

	if (code == NULL) {
		p->end(p->arg, NULL);
	} else {
		awserr_init(&e);
		awserr_set(&e, 200, code, msg, NULL);
		p->end(p->arg, &e);
		awserr_free(&e);
	}
	qpager_free(p);
}

static void
qpager_reply(void *arg, const struct aws_result *res)
{
	struct qpager *p = arg;
	xmlDoc *doc;
	xmlNode *root;
	char *next = NULL, *msg, *why;

	if (!res->ok) {
		p->end(p->arg, &res->err);
		qpager_free(p);
		return;
	}
	if ((doc = awsxml_parse(res->body, res->len, &why)) == NULL) {
		msg = xasprintf("%s: %s", p->action, why);
		free(why);
		qpager_end(p, "MalformedReply", msg);
		free(msg);
		return;
	}
	root = xmlDocGetRootElement(doc);
	p->pages++;
	if (p->page(p->arg, root) != 0 || p->token_out == NULL) {
		xmlFreeDoc(doc);
		qpager_end(p, NULL, NULL);
		return;
	}
	next = awsxml_text(root, p->token_out);
	xmlFreeDoc(doc);
	if (next == NULL || *next == '\0') {
		free(next);
		qpager_end(p, NULL, NULL);
		return;
	}
	if ((p->token != NULL && strcmp(next, p->token) == 0) ||
	    p->pages >= AWS_PAGER_MAX_PAGES) {
		free(next);
		msg = xasprintf("%s does not stop paging (%s repeated or "
		    "too many pages)", p->action, p->token_out);
		qpager_end(p, "PagingLoop", msg);
		free(msg);
		return;
	}
	free(p->token);
	p->token = next;
	qpager_send(p);
}

/* The loop went away mid-call (net_free): nothing more will come. */
static void
qpager_drop(void *arg)
{
	struct qpager *p = arg;

	if (p->drop_arg != NULL)
		p->drop_arg(p->arg);
	qpager_free(p);
}

static void
qpager_send(struct qpager *p)
{
	struct aws_request r;
	size_t i;

	aws_form_init(&r, p->action, p->version);
	for (i = 0; i < p->params.n; i++)
		aws_form_add(&r, p->params.kv[2 * i], p->params.kv[2 * i + 1]);
	if (p->token != NULL)
		aws_form_add(&r, p->token_in, p->token);
	aws_send_owned(p->c, &r, qpager_reply, qpager_drop, p);
}

void
aws_query_pages(struct aws_client *c, const char *action, const char *version,
    struct aws_params *params, const char *token_in, const char *token_out,
    aws_xml_page_fn page, aws_end_fn end, void *arg)
{
	aws_query_pages_owned(c, action, version, params, token_in, token_out,
	    page, end, NULL, arg);
}

void
aws_query_pages_owned(struct aws_client *c, const char *action,
    const char *version, struct aws_params *params, const char *token_in,
    const char *token_out, aws_xml_page_fn page, aws_end_fn end,
    void (*drop_arg)(void *arg), void *arg)
{
	struct qpager *p = xcalloc(1, sizeof *p);

	p->c = c;
	p->action = xstrdup(action);
	p->version = xstrdup(version);
	p->token_in = token_in != NULL ? xstrdup(token_in) : NULL;
	p->token_out = token_out != NULL ? xstrdup(token_out) : NULL;
	if (params != NULL) {
		p->params = *params;
		aws_params_init(params);
	} else {
		aws_params_init(&p->params);
	}
	p->page = page;
	p->end = end;
	p->arg = arg;
	p->drop_arg = drop_arg;
	qpager_send(p);
}

struct jcall {
	aws_json_fn fn;
	void (*drop)(void *arg);
	void *arg;
	int got;
};

static int
jcall_page(void *arg, const cJSON *page)
{
	struct jcall *j = arg;

	j->got = 1;
	j->fn(j->arg, page, NULL);
	return 1;
}

static void
jcall_end(void *arg, const struct aws_error *err)
{
	struct jcall *j = arg;

	if (!j->got)
		j->fn(j->arg, NULL, err);
	free(j);
}

static void
jcall_drop(void *arg)
{
	struct jcall *j = arg;

	if (j->drop != NULL)
		j->drop(j->arg);
	free(j);
}

void
aws_json_call(struct aws_client *c, const char *prefix,
    const char *json_version, const char *op, cJSON *body, aws_json_fn fn,
    void *arg)
{
	aws_json_call_owned(c, prefix, json_version, op, body, fn, NULL, arg);
}

void
aws_json_call_owned(struct aws_client *c, const char *prefix,
    const char *json_version, const char *op, cJSON *body, aws_json_fn fn,
    void (*drop)(void *arg), void *arg)
{
	struct jcall *j = xcalloc(1, sizeof *j);

	j->fn = fn;
	j->drop = drop;
	j->arg = arg;
	aws_json_pages_owned(c, prefix, json_version, op, body, NULL, NULL,
	    jcall_page, jcall_end, jcall_drop, j);
}
