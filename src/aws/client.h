/*
 * client.h - one AWS service endpoint: signing, retries, error values.
 *
 * A client is made per service and region.  aws_send() signs a request with
 * the provider's credentials, sends it through the net loop, retries in the
 * standard mode (retry.h) with this client's quota, and hands one result to
 * the callback.  Protocol helpers for the four shapes patchdeck uses (EC2
 * and query forms, JSON 1.0/1.1, REST-XML for S3) sit on top.
 */
#ifndef PATCHDECK_CLIENT_H
#define PATCHDECK_CLIENT_H

#include <stddef.h>

#include "aws/awserr.h"
#include "aws/retry.h"
#include "util/util.h"

struct net;
struct aws_config;
struct creds_provider;
struct cJSON;

struct aws_client {
	struct net *net;
	struct creds_provider *creds;
	char *service_id;	/* "EC2", "SSM", ... (AWS_ENDPOINT_URL_<ID>) */
	char *signing_name;	/* "ec2", "ssm", "dynamodb", "s3", ... */
	char *region;
	char *endpoint;		/* scheme://host[:port][/base], no trailing '/' */
	const char *endpoint_source;
	int path_style;		/* S3: bucket in the path (custom endpoints) */
	char *ca_bundle;
	int max_attempts;
	long connect_timeout_ms;
	long timeout_ms;
	/* Largest reply accepted (net_opts.max_body), per service; tests
	 * may lower it. */
	size_t max_body;
	struct retry_quota quota;
	/* Random source in [0,1) for backoff; tests may replace it. */
	double (*rand01)(void);
	/* Counters, for doctor and the tests. */
	unsigned long calls, attempts, retries;
};

/*
 * Makes a client for service_id in cfg's region (region overrides it when
 * not NULL).  Returns NULL with *err when no region is configured.  net,
 * cfg and creds must outlive the client.
 */
struct aws_client *aws_client_new(struct net *net,
    const struct aws_config *cfg, struct creds_provider *creds,
    const char *service_id, const char *region, char **err);
void aws_client_free(struct aws_client *c);

/* A request, built by the service code and handed to aws_send(). */
struct aws_request {
	const char *method;	/* static string */
	char *path;		/* percent-encoded, starts with '/' */
	char *query;		/* percent-encoded, without '?', or NULL */
	char *content_type;	/* or NULL */
	char *target;		/* X-Amz-Target, or NULL */
	/* S3 virtual-hosted style: "bucket." goes before the endpoint's host
	 * (NULL for path style and every other service). */
	char *host_prefix;
	char *op;		/* operation name, for logs and errors */
	struct buf body;
	/* Extra headers, "Name: value", NULL-terminated; owned. */
	char **headers;
	size_t nheaders;
};

/* Sets up an empty request; aws_request_done() frees what it owns. */
void aws_request_init(struct aws_request *r, const char *method,
    const char *op);
void aws_request_done(struct aws_request *r);
void aws_request_header(struct aws_request *r, const char *name,
    const char *value);

/* The outcome of a call, valid only during the callback. */
struct aws_result {
	int ok;			/* 2xx reply */
	long status;
	const char *body;	/* NUL-terminated */
	size_t len;
	const char *request_id;
	struct aws_error err;	/* set when !ok */
	int attempts;
	long delay_ms;		/* total backoff waited */
};

typedef void (*aws_done_fn)(void *arg, const struct aws_result *res);

/*
 * Sends req (its contents are taken over: do not call aws_request_done on
 * it).  done runs once, from a later net_poll().
 */
void aws_send(struct aws_client *c, struct aws_request *req,
    aws_done_fn done, void *arg);
/*
 * The same for a caller whose arg owns state: if the loop is freed with
 * the call in flight (net_free), done never runs and drop(arg) does, so
 * that state is not lost.
 */
typedef void (*aws_drop_fn)(void *arg);
void aws_send_owned(struct aws_client *c, struct aws_request *req,
    aws_done_fn done, aws_drop_fn drop, void *arg);

/*
 * Query protocol (EC2, SNS, STS): form parameters, URL-encoded, POST /.
 * aws_form_add() appends one parameter; values may be any bytes.
 */
void aws_form_init(struct aws_request *r, const char *action,
    const char *version);
void aws_form_add(struct aws_request *r, const char *key, const char *value);
void aws_form_addf(struct aws_request *r, const char *value,
    const char *keyfmt, ...) UTIL_PRINTF(3, 4);

/*
 * JSON protocol: POST / with X-Amz-Target "<prefix>.<op>" and body
 * (consumed, may be NULL for {}).  json_version is "1.0" or "1.1".
 */
void aws_json_request(struct aws_request *r, const char *prefix,
    const char *op, const char *json_version, struct cJSON *body);

/* Debug log: when set (patchdeck --debug / PATCHDECK_DEBUG=FILE), one
 * line per attempt, never a secret. */
void aws_set_debug(int fd);

#endif
