/*
 * doctor.c - see doctor.h.
 */
#include "ops/doctor.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awserr.h"
#include "aws/client.h"
#include "aws/creds.h"
#include "aws/net.h"
#include "aws/pager.h"
#include "aws/sts.h"
#include "util/util.h"

struct run {
	struct doctor_report *r;
	struct doctor_check *check;
	long long started;
};

static void
check_done(struct run *k, const struct aws_error *err, int attempts)
{
	struct doctor_check *c = k->check;

	c->ms = (long)(util_now_ms() - k->started);
	c->attempts = attempts;
	if (err == NULL) {
		c->ok = 1;
		k->r->passed++;
	} else {
		c->code = xstrdup(err->code != NULL ? err->code : "Error");
		c->message = xstrdup(err->message != NULL ? err->message : "");
	}
	free(k);
}

/* Raw calls: doctor wants one small page and the attempt count, not the
 * service layer's paging to the end. */
static void
on_raw(void *arg, const struct aws_result *res)
{
	struct run *k = arg;

	check_done(k, res->ok ? NULL : &res->err, res->attempts);
}

static void
on_identity(void *arg, const struct sts_identity *id,
    const struct aws_error *err)
{
	struct run *k = arg;

	if (id != NULL) {
		k->r->arn = xstrdup(id->arn);
		k->r->account = xstrdup(id->account);
		k->r->user_id = xstrdup(id->user_id);
	}
	/* sts.c does not hand back the attempt count; the client's counter
	 * does, since STS sees only this one call. */
	check_done(k, err, 0);
}

static void
on_creds(void *arg, const struct aws_creds *cr, const struct aws_error *err)
{
	struct doctor_report *r = arg;

	if (cr != NULL)
		r->creds_source = xstrdup(cr->source != NULL ? cr->source :
		    "unknown");
	else
		r->creds_error = awserr_format(err);
}

static struct run *
start(struct doctor_report *r, struct session *s, const char *service,
    const char *op, struct aws_client **cp)
{
	struct doctor_check *c = &r->checks[r->nchecks++];
	struct run *k = xcalloc(1, sizeof *k);
	char *err = NULL;

	c->service = service;
	c->op = op;
	k->r = r;
	k->check = c;
	k->started = util_now_ms();
	*cp = session_client(s, service, &err);
	if (*cp == NULL) {
		c->code = xstrdup("ConfigError");
		c->message = err;
		free(k);
		return NULL;
	}
	c->endpoint = xstrdup((*cp)->endpoint);
	c->endpoint_source = (*cp)->endpoint_source;
	return k;
}

static void
json_read(struct doctor_report *r, struct session *s, const char *service,
    const char *prefix, const char *version, const char *op, cJSON *body)
{
	struct aws_client *c;
	struct aws_request req;
	struct run *k = start(r, s, service, op, &c);

	if (k == NULL) {
		cJSON_Delete(body);
		return;
	}
	aws_json_request(&req, prefix, op, version, body);
	aws_send(c, &req, on_raw, k);
}

int
doctor_run(struct session *s, struct doctor_report *r)
{
	struct aws_client *c;
	struct aws_request req;
	struct run *k;
	cJSON *b;
	size_t i;

	memset(r, 0, sizeof *r);
	r->region = s->cfg.region;
	r->region_source = s->cfg.region_source;
	creds_get(s->creds, on_creds, r);

	if ((k = start(r, s, "STS", "GetCallerIdentity", &c)) != NULL)
		sts_get_caller_identity(c, on_identity, k);

	if ((k = start(r, s, "EC2", "DescribeInstances", &c)) != NULL) {
		aws_form_init(&req, "DescribeInstances", "2016-11-15");
		aws_form_add(&req, "MaxResults", "5");
		aws_send(c, &req, on_raw, k);
	}

	b = cJSON_CreateObject();
	cJSON_AddNumberToObject(b, "MaxResults", 5);
	json_read(r, s, "SSM", "AmazonSSM", "1.1",
	    "DescribeInstanceInformation", b);

	b = cJSON_CreateObject();
	cJSON_AddNumberToObject(b, "Limit", 1);
	json_read(r, s, "DYNAMODB", "DynamoDB_20120810", "1.0", "ListTables",
	    b);

	if ((k = start(r, s, "S3", "ListBuckets", &c)) != NULL) {
		aws_request_init(&req, "GET", "ListBuckets");
		aws_send(c, &req, on_raw, k);
	}

	b = cJSON_CreateObject();
	cJSON_AddNumberToObject(b, "MaxResults", 1);
	json_read(r, s, "ATHENA", "AmazonAthena", "1.1", "ListWorkGroups", b);

	if ((k = start(r, s, "SNS", "ListTopics", &c)) != NULL) {
		aws_form_init(&req, "ListTopics", "2010-03-31");
		aws_send(c, &req, on_raw, k);
	}

	net_run(s->net, NULL);

	/* The identity check's attempts come from its client's counter. */
	for (i = 0; i < r->nchecks; i++) {
		char *err = NULL;

		if (strcmp(r->checks[i].service, "STS") != 0)
			continue;
		c = session_client(s, "STS", &err);
		free(err);
		if (c != NULL)
			r->checks[i].attempts = (int)c->attempts;
	}
	return r->passed == (int)r->nchecks && r->creds_error == NULL ? 0 : -1;
}

void
doctor_report_free(struct doctor_report *r)
{
	size_t i;

	free(r->arn);
	free(r->account);
	free(r->user_id);
	free(r->creds_source);
	free(r->creds_error);
	for (i = 0; i < r->nchecks; i++) {
		free(r->checks[i].endpoint);
		free(r->checks[i].code);
		free(r->checks[i].message);
	}
	memset(r, 0, sizeof *r);
}
