/*
 * pager.h - calls that page to the end, for the JSON and query (XML)
 * protocols.  Each page's parsed reply is handed to a page callback as it
 * arrives (so sync can show progress and memory stays per page); the end
 * callback runs once, with NULL on success or the error that stopped it.
 *
 * Guards against a backend that never stops: a next token equal to the one
 * just sent, or more than AWS_PAGER_MAX_PAGES pages, ends with an error.
 */
#ifndef PATCHDECK_PAGER_H
#define PATCHDECK_PAGER_H

#include <libxml/tree.h>

struct aws_client;
struct aws_error;
struct cJSON;

#define AWS_PAGER_MAX_PAGES 100000

/* Returns 0 to go on, non-zero to stop after this page (end gets NULL). */
typedef int (*aws_json_page_fn)(void *arg, const struct cJSON *page);
typedef int (*aws_xml_page_fn)(void *arg, const xmlNode *root);
typedef void (*aws_end_fn)(void *arg, const struct aws_error *err);

/*
 * JSON protocol.  body (consumed; NULL for {}) is sent with target
 * "<prefix>.<op>"; while the reply has token_out (a string or, for
 * DynamoDB, an object), it is sent again with that value as token_in.
 * token_out NULL: a single call.
 */
void aws_json_pages(struct aws_client *c, const char *prefix,
    const char *json_version, const char *op, struct cJSON *body,
    const char *token_in, const char *token_out,
    aws_json_page_fn page, aws_end_fn end, void *arg);

/* A single JSON call: fn gets the parsed reply (NULL on error) or err. */
typedef void (*aws_json_fn)(void *arg, const struct cJSON *reply,
    const struct aws_error *err);
void aws_json_call(struct aws_client *c, const char *prefix,
    const char *json_version, const char *op, struct cJSON *body,
    aws_json_fn fn, void *arg);

/*
 * The _owned forms take drop(arg), called instead of end (or fn) when the
 * loop is freed with the call in flight (aws_send_owned): for wrappers
 * whose arg is their own allocation.
 */
void aws_json_pages_owned(struct aws_client *c, const char *prefix,
    const char *json_version, const char *op, struct cJSON *body,
    const char *token_in, const char *token_out,
    aws_json_page_fn page, aws_end_fn end, void (*drop)(void *arg),
    void *arg);
void aws_json_call_owned(struct aws_client *c, const char *prefix,
    const char *json_version, const char *op, struct cJSON *body,
    aws_json_fn fn, void (*drop)(void *arg), void *arg);

/* Query protocol parameters, kept so each page can be sent again. */
struct aws_params {
	char **kv;		/* key, value, key, value, ... */
	size_t n;		/* number of pairs */
};

void aws_params_init(struct aws_params *p);
void aws_params_free(struct aws_params *p);
void aws_params_add(struct aws_params *p, const char *key, const char *value);
void aws_params_addf(struct aws_params *p, const char *value,
    const char *keyfmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/*
 * Query protocol (EC2, SNS, STS).  params are taken over.  While the reply
 * root has a non-empty element token_out ("nextToken"), the call is sent
 * again with token_in ("NextToken") set to it.  token_out NULL: one call.
 */
void aws_query_pages(struct aws_client *c, const char *action,
    const char *version, struct aws_params *params, const char *token_in,
    const char *token_out, aws_xml_page_fn page, aws_end_fn end, void *arg);
void aws_query_pages_owned(struct aws_client *c, const char *action,
    const char *version, struct aws_params *params, const char *token_in,
    const char *token_out, aws_xml_page_fn page, aws_end_fn end,
    void (*drop)(void *arg), void *arg);

#endif
