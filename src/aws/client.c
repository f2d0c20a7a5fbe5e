/*
 * client.c - see client.h.  One call is one struct call that lives from
 * aws_send() to its callback, across attempts: credentials are asked for
 * and the request is signed again before every attempt, since both the
 * time and the credentials may have moved on during a backoff.
 */
#include "aws/client.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws/awsconf.h"
#include "aws/creds.h"
#include "aws/net.h"
#include "aws/sigv4.h"
#include "util/escape.h"

#define MIB ((size_t)1 << 20)

/*
 * max_body: the largest reply each service may send before the transfer
 * is cut off, with room to spare over the largest page patchdeck asks for
 * (a DescribeInstances page of 1,000 instances with 50 tags each is about
 * 5 MiB; DynamoDB and Athena pages stop at 1 MiB of data).  S3 is larger
 * for object GETs (command output kept in a bucket).  A hostile or broken
 * endpoint cannot make patchdeck hold more than this per call.
 */
static const struct {
	const char *id;
	const char *signing_name;
	size_t max_body;
} services[] = {
	{ "EC2", "ec2", 16 * MIB },
	{ "SSM", "ssm", 16 * MIB },
	{ "DYNAMODB", "dynamodb", 16 * MIB },
	{ "S3", "s3", 64 * MIB },
	{ "ATHENA", "athena", 16 * MIB },
	{ "SNS", "sns", 1 * MIB },
	{ "STS", "sts", 1 * MIB },
	{ "IAM", "iam", 4 * MIB },
};

static int debug_fd = -1;

void
aws_set_debug(int fd)
{
	debug_fd = fd;
}

static double
default_rand01(void)
{
	static int seeded;

	if (!seeded) {
		srand48((long)time(NULL) ^ (long)getpid());
		seeded = 1;
	}
	return drand48();
}

struct aws_client *
aws_client_new(struct net *net, const struct aws_config *cfg,
    struct creds_provider *creds, const char *service_id, const char *region,
    char **err)
{
	struct aws_client *c;
	const char *signing = NULL;
	size_t i, max_body = 0;
	int custom = 0;

	for (i = 0; i < sizeof services / sizeof services[0]; i++) {
		if (strcmp(services[i].id, service_id) == 0) {
			signing = services[i].signing_name;
			max_body = services[i].max_body;
		}
	}
	if (signing == NULL) {
		*err = xasprintf("unknown AWS service %s", service_id);
		return NULL;
	}
	if (region == NULL)
		region = cfg->region;
	if (region == NULL || *region == '\0') {
		*err = xstrdup("no AWS region: use --region, AWS_REGION, or "
		    "region in the profile");
		return NULL;
	}
	c = xcalloc(1, sizeof *c);
	c->net = net;
	c->creds = creds;
	c->service_id = xstrdup(service_id);
	c->signing_name = xstrdup(signing);
	c->region = xstrdup(region);
	c->endpoint = awsconf_endpoint_region(cfg, service_id, region, &custom,
	    &c->endpoint_source);
	if (c->endpoint == NULL) {
		*err = xasprintf("no endpoint for %s in region %s", service_id,
		    region);
		aws_client_free(c);
		return NULL;
	}
	c->path_style = custom;
	c->max_body = max_body;
	c->ca_bundle = cfg->ca_bundle != NULL ? xstrdup(cfg->ca_bundle) : NULL;
	c->max_attempts = cfg->max_attempts > 0 ? cfg->max_attempts :
	    RETRY_DEFAULT_ATTEMPTS;
	c->connect_timeout_ms = 10000;
	c->timeout_ms = 60000;
	c->rand01 = default_rand01;
	retry_quota_init(&c->quota);
	return c;
}

void
aws_client_free(struct aws_client *c)
{
	if (c == NULL)
		return;
	free(c->service_id);
	free(c->signing_name);
	free(c->region);
	free(c->endpoint);
	free(c->ca_bundle);
	free(c);
}

void
aws_request_init(struct aws_request *r, const char *method, const char *op)
{
	memset(r, 0, sizeof *r);
	r->method = method;
	r->path = xstrdup("/");
	r->op = xstrdup(op);
	buf_init(&r->body);
}

void
aws_request_done(struct aws_request *r)
{
	size_t i;

	free(r->path);
	free(r->query);
	free(r->content_type);
	free(r->target);
	free(r->host_prefix);
	free(r->op);
	buf_free(&r->body);
	for (i = 0; i < r->nheaders; i++)
		free(r->headers[i]);
	free(r->headers);
	memset(r, 0, sizeof *r);
}

void
aws_request_header(struct aws_request *r, const char *name, const char *value)
{
	r->headers = xreallocarray(r->headers, r->nheaders + 2,
	    sizeof *r->headers);
	r->headers[r->nheaders++] = xasprintf("%s: %s", name, value);
	r->headers[r->nheaders] = NULL;
}

void
aws_form_init(struct aws_request *r, const char *action, const char *version)
{
	aws_request_init(r, "POST", action);
	r->content_type = xstrdup("application/x-www-form-urlencoded; "
	    "charset=utf-8");
	buf_puts(&r->body, "Action=");
	util_uri_encode(&r->body, action, strlen(action), 0);
	buf_puts(&r->body, "&Version=");
	util_uri_encode(&r->body, version, strlen(version), 0);
}

void
aws_form_add(struct aws_request *r, const char *key, const char *value)
{
	buf_putc(&r->body, '&');
	util_uri_encode(&r->body, key, strlen(key), 0);
	buf_putc(&r->body, '=');
	util_uri_encode(&r->body, value, strlen(value), 0);
}

void
aws_form_addf(struct aws_request *r, const char *value, const char *keyfmt,
    ...)
{
	va_list ap;
	char *key;

	va_start(ap, keyfmt);
	key = xvasprintf(keyfmt, ap);
	va_end(ap);
	aws_form_add(r, key, value);
	free(key);
}

void
aws_json_request(struct aws_request *r, const char *prefix, const char *op,
    const char *json_version, cJSON *body)
{
	char *text;

	aws_request_init(r, "POST", op);
	r->content_type = xasprintf("application/x-amz-json-%s", json_version);
	r->target = xasprintf("%s.%s", prefix, op);
	if (body != NULL) {
		text = cJSON_PrintUnformatted(body);
		if (text == NULL)
			util_fatal("out of memory (JSON)");
		buf_puts(&r->body, text);
		free(text);
		cJSON_Delete(body);
	} else {
		buf_puts(&r->body, "{}");
	}
}

/* One call across its attempts. */
struct call {
	struct aws_client *client;
	struct aws_request req;
	aws_done_fn done;
	aws_drop_fn drop;	/* NULL: arg needs no letting go of */
	void *arg;
	int attempt;		/* attempts made so far */
	int cost_paid;		/* retry tokens taken */
	long delay_ms;		/* backoff waited in all */
	long long started_ms;
	struct aws_error last;	/* error of the last failed attempt */
};

static void attempt(struct call *k);

static void
debugf(const char *fmt, ...) UTIL_PRINTF(1, 2);

/* The --debug log goes to a terminal as often as not, and its %s values
 * (an error code, an operation) come from replies: written through
 * esc_vprintf() like every other line (cli.h, "the output rule"). */
static void
debugf(const char *fmt, ...)
{
	struct buf b;
	va_list ap;
	size_t off;
	ssize_t w;

	if (debug_fd < 0)
		return;
	buf_init(&b);
	va_start(ap, fmt);
	esc_vprintf(&b, esc_locale_utf8(), fmt, ap);
	va_end(ap);
	for (off = 0; off < b.len; off += (size_t)w)
		if ((w = write(debug_fd, b.data + off, b.len - off)) <= 0)
			break;
	buf_free(&b);
}

static void
call_finish(struct call *k, const struct net_reply *reply)
{
	struct aws_result res;

	memset(&res, 0, sizeof res);
	awserr_init(&res.err);
	res.attempts = k->attempt;
	res.delay_ms = k->delay_ms;
	if (reply != NULL && !reply->failed && reply->status >= 200 &&
	    reply->status < 300) {
		res.ok = 1;
		res.status = reply->status;
		res.body = reply->body.data;
		res.len = reply->body.len;
		res.request_id = reply->request_id;
		retry_quota_release(&k->client->quota, k->cost_paid);
	} else {
		if (reply != NULL) {
			res.status = reply->status;
			res.body = reply->body.data;
			res.len = reply->body.len;
			res.request_id = reply->request_id;
		} else {
			res.body = "";
		}
		awserr_copy(&res.err, &k->last);
	}
	k->done(k->arg, &res);
	awserr_free(&res.err);
	awserr_free(&k->last);
	aws_request_done(&k->req);
	free(k);
}

static void
on_backoff(void *arg)
{
	attempt(arg);
}

/* The loop went away with the call in flight: free it, and let the
 * caller free what it gave as arg. */
static void
call_drop(void *arg)
{
	struct call *k = arg;

	if (k->drop != NULL)
		k->drop(k->arg);
	awserr_free(&k->last);
	aws_request_done(&k->req);
	free(k);
}

static void
on_reply(void *arg, const struct net_reply *reply)
{
	struct call *k = arg;
	struct aws_client *c = k->client;
	enum retry_class cls;
	long delay;
	int cost;

	if (!reply->failed && reply->status >= 200 && reply->status < 300) {
		debugf("aws: %s %s attempt %d/%d: HTTP %ld (%.0f ms)\n",
		    c->service_id, k->req.op, k->attempt, c->max_attempts,
		    reply->status, reply->elapsed_s * 1000);
		call_finish(k, reply);
		return;
	}
	awserr_free(&k->last);
	if (reply->too_big) {
		/* Not retried: the same call would send the same reply. */
		char *msg = xasprintf("the reply to %s %s is larger than "
		    "the %zu MiB patchdeck accepts from %s; not read",
		    c->service_id, k->req.op, c->max_body >> 20,
		    c->service_id);

		awserr_set(&k->last, 0, "ReplyTooLarge", msg, NULL);
		free(msg);
		debugf("aws: %s %s attempt %d/%d: reply too large\n",
		    c->service_id, k->req.op, k->attempt, c->max_attempts);
		call_finish(k, reply);
		return;
	}
	if (reply->failed)
		awserr_set(&k->last, 0, reply->timed_out ? "Timeout" :
		    "NetworkError", reply->curl_error, NULL);
	else
		awserr_from_reply_typed(&k->last, reply->status,
		    reply->body.data, reply->body.len, reply->request_id,
		    reply->error_type);
	debugf("aws: %s %s attempt %d/%d: HTTP %ld %s (%.0f ms)\n",
	    c->service_id, k->req.op, k->attempt, c->max_attempts,
	    reply->status, k->last.code, reply->elapsed_s * 1000);
	if (k->last.code != NULL && (strcmp(k->last.code, "ExpiredToken") == 0 ||
	    strcmp(k->last.code, "ExpiredTokenException") == 0))
		creds_invalidate(c->creds);

	cls = retry_classify(reply->failed, reply->status, k->last.code);
	if (cls == RETRY_NO || k->attempt >= c->max_attempts) {
		call_finish(k, reply);
		return;
	}
	cost = retry_quota_acquire(&c->quota, cls);
	if (cost == 0) {
		debugf("aws: %s %s: retry quota exhausted\n", c->service_id,
		    k->req.op);
		call_finish(k, reply);
		return;
	}
	k->cost_paid += cost;
	c->retries++;
	delay = retry_delay_ms(k->attempt, c->rand01());
	k->delay_ms += delay;
	debugf("aws: %s %s retry %d in %ld ms\n", c->service_id, k->req.op,
	    k->attempt, delay);
	net_timer_add_drop(c->net, delay, on_backoff, call_drop, k);
}

/* Splits "scheme://host[:port]/base" into the origin and the base path. */
static void
split_endpoint(const char *endpoint, struct buf *origin, const char **base,
    const char **host)
{
	const char *p = strstr(endpoint, "://");
	const char *slash;

	p = p != NULL ? p + 3 : endpoint;
	slash = strchr(p, '/');
	buf_reset(origin);
	buf_append(origin, endpoint, slash ? (size_t)(slash - endpoint) :
	    strlen(endpoint));
	*base = slash != NULL ? slash : "";
	*host = p;
}

static void
on_creds(void *arg, const struct aws_creds *cr, const struct aws_error *err)
{
	struct call *k = arg;
	struct aws_client *c = k->client;
	struct sigv4_header hs[8];
	struct sigv4_input in;
	struct sigv4_output out;
	struct buf origin, url, path, host;
	const char *base, *hostp;
	const char *hdrs[24];
	char *lines[24];
	char amz_date[17], payload[65];
	size_t nh = 0, nhdr = 0, i;
	struct net_opts o;
	int s3 = strcmp(c->signing_name, "s3") == 0;

	if (cr == NULL) {
		awserr_free(&k->last);
		awserr_copy(&k->last, err);
		call_finish(k, NULL);
		return;
	}
	buf_init(&origin);
	buf_init(&url);
	buf_init(&path);
	buf_init(&host);
	split_endpoint(c->endpoint, &origin, &base, &hostp);
	if (k->req.host_prefix != NULL)
		buf_puts(&host, k->req.host_prefix);
	buf_append(&host, hostp, strcspn(hostp, "/"));
	buf_puts(&path, base);
	buf_puts(&path, k->req.path);
	if (k->req.host_prefix != NULL)
		buf_printf(&url, "%.*s%s%s", (int)(hostp - c->endpoint),
		    c->endpoint, host.data, path.data);
	else
		buf_printf(&url, "%s%s", origin.data, path.data);
	if (k->req.query != NULL && *k->req.query != '\0')
		buf_printf(&url, "?%s", k->req.query);

	hs[nh].name = "host";
	hs[nh++].value = host.data;
	if (k->req.content_type != NULL) {
		hs[nh].name = "content-type";
		hs[nh++].value = k->req.content_type;
	}
	if (k->req.target != NULL) {
		hs[nh].name = "x-amz-target";
		hs[nh++].value = k->req.target;
	}
	sigv4_amz_date((long long)time(NULL), amz_date);
	sigv4_sha256_hex(k->req.body.data ? k->req.body.data : "",
	    k->req.body.len, payload);

	memset(&in, 0, sizeof in);
	in.method = k->req.method;
	in.path = path.data;
	in.query = k->req.query;
	in.headers = hs;
	in.nheaders = nh;
	in.body = k->req.body.data;
	in.body_len = k->req.body.len;
	in.payload_hash = payload;
	in.access_key = cr->access_key;
	in.secret_key = cr->secret_key;
	in.session_token = cr->session_token;
	in.region = c->region;
	in.service = c->signing_name;
	in.amz_date = amz_date;
	in.normalize_path = !s3;
	in.sign_content_sha256 = s3;
	if (sigv4_sign(&in, &out) != 0) {
		awserr_free(&k->last);
		awserr_set(&k->last, 0, "SigningError",
		    "the request could not be signed (incomplete credentials)",
		    NULL);
		call_finish(k, NULL);
		goto out_bufs;
	}

	/* Header lines for curl; the signed ones exactly as signed.  An empty
	 * "Content-Type:" stops curl from adding one of its own. */
	{
		nhdr = 0;
		lines[nhdr++] = xasprintf("Host: %s", host.data);
		if (k->req.content_type != NULL)
			lines[nhdr++] = xasprintf("Content-Type: %s",
			    k->req.content_type);
		else
			lines[nhdr++] = xstrdup("Content-Type:");
		if (k->req.target != NULL)
			lines[nhdr++] = xasprintf("X-Amz-Target: %s",
			    k->req.target);
		for (i = 0; i < out.nadded; i++)
			lines[nhdr++] = xasprintf("%s: %s", out.added[i].name,
			    out.added[i].value);
		lines[nhdr++] = xasprintf("Authorization: %s",
		    out.authorization);
		for (i = 0; i < k->req.nheaders && nhdr < 23; i++)
			lines[nhdr++] = xstrdup(k->req.headers[i]);
		for (i = 0; i < nhdr; i++)
			hdrs[i] = lines[i];
		hdrs[nhdr] = NULL;

		memset(&o, 0, sizeof o);
		o.method = k->req.method;
		o.url = url.data;
		o.headers = hdrs;
		o.body = k->req.body.data;
		o.body_len = k->req.body.len;
		o.connect_timeout_ms = c->connect_timeout_ms;
		o.timeout_ms = c->timeout_ms;
		o.ca_bundle = c->ca_bundle;
		o.max_body = c->max_body;
		o.drop = call_drop;
		k->attempt++;
		c->attempts++;
		net_submit(c->net, &o, on_reply, k);
		/* net_submit copied what it needs; the secrets inside the
		 * Authorization line are wiped before the memory goes back. */
		for (i = 0; i < nhdr; i++) {
			explicit_bzero(lines[i], strlen(lines[i]));
			free(lines[i]);
		}
	}
	sigv4_output_free(&out);
out_bufs:
	buf_free(&origin);
	buf_free(&url);
	buf_free(&path);
	buf_free(&host);
}

static void
attempt(struct call *k)
{
	creds_get_owned(k->client->creds, on_creds, call_drop, k);
}

void
aws_send(struct aws_client *c, struct aws_request *req, aws_done_fn done,
    void *arg)
{
	aws_send_owned(c, req, done, NULL, arg);
}

void
aws_send_owned(struct aws_client *c, struct aws_request *req,
    aws_done_fn done, aws_drop_fn drop, void *arg)
{
	struct call *k = xcalloc(1, sizeof *k);

	k->client = c;
	k->req = *req;
	memset(req, 0, sizeof *req);
	k->done = done;
	k->drop = drop;
	k->arg = arg;
	k->started_ms = util_now_ms();
	awserr_init(&k->last);
	c->calls++;
	/* Even the first attempt starts from the loop, so done never runs
	 * inside aws_send(), whatever the credentials do. */
	net_timer_add_drop(c->net, 0, on_backoff, call_drop, k);
}
