/*
 * ssm.c - see ssm.h.
 */
#include "aws/ssm.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awserr.h"
#include "aws/jsonutil.h"
#include "util/util.h"

#define JSON11 "1.1"

void
ssm_instance_done(struct ssm_instance *i)
{
	free(i->id);
	free(i->ping_status);
	free(i->agent_version);
	free(i->platform_type);
	free(i->platform_name);
	free(i->platform_version);
	free(i->ip_address);
	free(i->computer_name);
	memset(i, 0, sizeof *i);
}

void
ssm_instances_free(struct ssm_instance *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		ssm_instance_done(&v[i]);
	free(v);
}

size_t
ssm_parse_instances(const cJSON *page, struct ssm_instance **out)
{
	const cJSON *list = json_array(page, "InstanceInformationList"), *it;
	struct ssm_instance *v;
	size_t n = 0, cap = (size_t)cJSON_GetArraySize(list);

	*out = NULL;
	if (cap == 0)
		return 0;
	v = xcalloc(cap, sizeof *v);
	cJSON_ArrayForEach(it, list) {
		if (json_peek(it, "InstanceId") == NULL)
			continue;
		v[n].id = json_str(it, "InstanceId");
		v[n].ping_status = json_str(it, "PingStatus");
		if (json_time(it, "LastPingDateTime", &v[n].last_ping,
		    NULL) != 0)
			v[n].last_ping = 0;
		v[n].agent_version = json_str(it, "AgentVersion");
		v[n].platform_type = json_str(it, "PlatformType");
		v[n].platform_name = json_str(it, "PlatformName");
		v[n].platform_version = json_str(it, "PlatformVersion");
		v[n].ip_address = json_str(it, "IPAddress");
		v[n].computer_name = json_str(it, "ComputerName");
		n++;
	}
	if (n == 0) {
		free(v);
		return 0;
	}
	*out = v;
	return n;
}

/* What a paging call carries from the caller to its page and end. */
struct pagew {
	union {
		ssm_instances_fn instances;
		ssm_commands_fn commands;
		ssm_invocations_fn invocations;
	} page;
	aws_end_fn end;
	void *arg;
};

static struct pagew *
pagew_new(aws_end_fn end, void *arg)
{
	struct pagew *w = xcalloc(1, sizeof *w);

	w->end = end;
	w->arg = arg;
	return w;
}

static int
dii_page(void *arg, const cJSON *page)
{
	struct pagew *w = arg;
	struct ssm_instance *v;
	size_t n = ssm_parse_instances(page, &v);

	return w->page.instances(w->arg, v, n);
}

static void
pagew_end(void *arg, const struct aws_error *err)
{
	struct pagew *w = arg;

	w->end(w->arg, err);
	free(w);
}

void
ssm_describe_instance_information(struct aws_client *c,
    const char *const *ids, size_t nids, ssm_instances_fn page,
    aws_end_fn end, void *arg)
{
	struct pagew *w = pagew_new(end, arg);
	cJSON *body = cJSON_CreateObject(), *filters, *f;

	w->page.instances = page;
	cJSON_AddNumberToObject(body, "MaxResults", 50);
	if (nids > 0) {
		filters = cJSON_AddArrayToObject(body, "Filters");
		f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "Key", "InstanceIds");
		json_add_strings(f, "Values", ids, nids);
		cJSON_AddItemToArray(filters, f);
	}
	aws_json_pages_owned(c, SSM_PREFIX, JSON11, "DescribeInstanceInformation",
	    body, "NextToken", "NextToken", dii_page, pagew_end, free, w);
}

void
ssm_command_done(struct ssm_command *c)
{
	free(c->id);
	free(c->document);
	free(c->status);
	free(c->status_details);
	free(c->comment);
	free(c->requested);
	memset(c, 0, sizeof *c);
}

static void
parse_command(const cJSON *o, struct ssm_command *c)
{
	memset(c, 0, sizeof *c);
	c->id = json_str(o, "CommandId");
	c->document = json_str(o, "DocumentName");
	c->status = json_str(o, "Status");
	c->status_details = json_str(o, "StatusDetails");
	c->comment = json_str(o, "Comment");
	c->requested = json_str(o, "RequestedDateTime");
	c->target_count = json_long(o, "TargetCount", 0);
	c->completed_count = json_long(o, "CompletedCount", 0);
	c->error_count = json_long(o, "ErrorCount", 0);
	c->delivery_timed_out = json_long(o, "DeliveryTimedOutCount", 0);
}

struct sendc {
	ssm_command_fn fn;
	void *arg;
};

static void
send_reply(void *arg, const cJSON *reply, const struct aws_error *err)
{
	struct sendc *s = arg;
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(reply, "Command");
	struct ssm_command cmd;
	struct aws_error e;

	if (reply == NULL) {
		s->fn(s->arg, NULL, err);
	} else if (!cJSON_IsObject(o) || json_peek(o, "CommandId") == NULL) {
		awserr_init(&e);
		awserr_set(&e, 200, "MalformedReply",
		    "SendCommand returned no Command.CommandId", NULL);
		s->fn(s->arg, NULL, &e);
		awserr_free(&e);
	} else {
		parse_command(o, &cmd);
		s->fn(s->arg, &cmd, NULL);
		ssm_command_done(&cmd);
	}
	free(s);
}

void
ssm_send_command(struct aws_client *c, const struct ssm_send *s,
    ssm_command_fn fn, void *arg)
{
	struct sendc *k = xcalloc(1, sizeof *k);
	cJSON *body = cJSON_CreateObject(), *targets, *t;

	k->fn = fn;
	k->arg = arg;
	cJSON_AddStringToObject(body, "DocumentName", s->document);
	if (s->document_version != NULL)
		cJSON_AddStringToObject(body, "DocumentVersion",
		    s->document_version);
	if (s->nids > 0)
		json_add_strings(body, "InstanceIds", s->ids, s->nids);
	if (s->target_key != NULL) {
		targets = cJSON_AddArrayToObject(body, "Targets");
		t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "Key", s->target_key);
		json_add_strings(t, "Values", s->target_values,
		    s->ntarget_values);
		cJSON_AddItemToArray(targets, t);
	}
	if (s->parameters != NULL)
		cJSON_AddItemToObject(body, "Parameters",
		    cJSON_Duplicate(s->parameters, 1));
	if (s->max_concurrency != NULL)
		cJSON_AddStringToObject(body, "MaxConcurrency",
		    s->max_concurrency);
	if (s->max_errors != NULL)
		cJSON_AddStringToObject(body, "MaxErrors", s->max_errors);
	if (s->timeout_seconds > 0)
		cJSON_AddNumberToObject(body, "TimeoutSeconds",
		    s->timeout_seconds);
	if (s->comment != NULL)
		cJSON_AddStringToObject(body, "Comment", s->comment);
	if (s->output_bucket != NULL)
		cJSON_AddStringToObject(body, "OutputS3BucketName",
		    s->output_bucket);
	if (s->output_prefix != NULL)
		cJSON_AddStringToObject(body, "OutputS3KeyPrefix",
		    s->output_prefix);
	aws_json_call_owned(c, SSM_PREFIX, JSON11, "SendCommand", body,
	    send_reply, free, k);
}

static int
lc_page(void *arg, const cJSON *page)
{
	struct pagew *l = arg;
	const cJSON *list = json_array(page, "Commands"), *it;
	struct ssm_command *v;
	size_t n = 0, cap = (size_t)cJSON_GetArraySize(list), i;
	int rc;

	v = xcalloc(cap ? cap : 1, sizeof *v);
	cJSON_ArrayForEach(it, list) {
		if (json_peek(it, "CommandId") != NULL)
			parse_command(it, &v[n++]);
	}
	rc = l->page.commands(l->arg, v, n);
	for (i = 0; i < n; i++)
		ssm_command_done(&v[i]);
	free(v);
	return rc;
}

void
ssm_list_commands(struct aws_client *c, const char *command_id,
    ssm_commands_fn page, aws_end_fn end, void *arg)
{
	struct pagew *l = pagew_new(end, arg);
	cJSON *body = cJSON_CreateObject();

	l->page.commands = page;
	if (command_id != NULL)
		cJSON_AddStringToObject(body, "CommandId", command_id);
	cJSON_AddNumberToObject(body, "MaxResults", 50);
	aws_json_pages_owned(c, SSM_PREFIX, JSON11, "ListCommands", body,
	    "NextToken", "NextToken", lc_page, pagew_end, free, l);
}

void
ssm_invocation_done(struct ssm_invocation *v)
{
	free(v->command_id);
	free(v->instance_id);
	free(v->instance_name);
	free(v->status);
	free(v->status_details);
	free(v->output);
	free(v->error_output);
	free(v->output_url);
	free(v->started);
	free(v->ended);
	memset(v, 0, sizeof *v);
}

/* ListCommandInvocations nests output under CommandPlugins; the first
 * plugin with output is the one our documents have. */
static void
parse_list_invocation(const cJSON *o, struct ssm_invocation *v)
{
	const cJSON *plugins = json_array(o, "CommandPlugins"), *p;

	memset(v, 0, sizeof *v);
	v->command_id = json_str(o, "CommandId");
	v->instance_id = json_str(o, "InstanceId");
	v->instance_name = json_str(o, "InstanceName");
	v->status = json_str(o, "Status");
	v->status_details = json_str(o, "StatusDetails");
	v->started = json_str(o, "RequestedDateTime");
	v->response_code = -1;
	cJSON_ArrayForEach(p, plugins) {
		v->output = json_str(p, "Output");
		v->output_url = json_str(p, "StandardOutputUrl");
		v->response_code = json_long(p, "ResponseCode", -1);
		v->ended = json_str(p, "ResponseFinishDateTime");
		break;
	}
	if (v->output == NULL)
		v->output = xstrdup("");
	if (v->output_url == NULL)
		v->output_url = xstrdup("");
	if (v->ended == NULL)
		v->ended = xstrdup("");
	v->error_output = xstrdup("");
}

static int
lci_page(void *arg, const cJSON *page)
{
	struct pagew *l = arg;
	const cJSON *list = json_array(page, "CommandInvocations"), *it;
	struct ssm_invocation *v;
	size_t n = 0, cap = (size_t)cJSON_GetArraySize(list), i;
	int rc;

	v = xcalloc(cap ? cap : 1, sizeof *v);
	cJSON_ArrayForEach(it, list) {
		if (json_peek(it, "InstanceId") != NULL)
			parse_list_invocation(it, &v[n++]);
	}
	rc = l->page.invocations(l->arg, v, n);
	for (i = 0; i < n; i++)
		ssm_invocation_done(&v[i]);
	free(v);
	return rc;
}

void
ssm_list_command_invocations(struct aws_client *c, const char *command_id,
    const char *instance_id, int details, ssm_invocations_fn page,
    aws_end_fn end, void *arg)
{
	struct pagew *l = pagew_new(end, arg);
	cJSON *body = cJSON_CreateObject();

	l->page.invocations = page;
	if (command_id != NULL)
		cJSON_AddStringToObject(body, "CommandId", command_id);
	if (instance_id != NULL)
		cJSON_AddStringToObject(body, "InstanceId", instance_id);
	cJSON_AddBoolToObject(body, "Details", details ? 1 : 0);
	cJSON_AddNumberToObject(body, "MaxResults", 50);
	aws_json_pages_owned(c, SSM_PREFIX, JSON11, "ListCommandInvocations", body,
	    "NextToken", "NextToken", lci_page, pagew_end, free, l);
}

struct gci {
	ssm_invocation_fn fn;
	void *arg;
};

static void
gci_reply(void *arg, const cJSON *o, const struct aws_error *err)
{
	struct gci *g = arg;
	struct ssm_invocation v;

	if (o == NULL) {
		g->fn(g->arg, NULL, err);
	} else {
		memset(&v, 0, sizeof v);
		v.command_id = json_str(o, "CommandId");
		v.instance_id = json_str(o, "InstanceId");
		v.instance_name = xstrdup("");
		v.status = json_str(o, "Status");
		v.status_details = json_str(o, "StatusDetails");
		v.response_code = json_long(o, "ResponseCode", -1);
		v.output = json_str(o, "StandardOutputContent");
		v.error_output = json_str(o, "StandardErrorContent");
		v.output_url = json_str(o, "StandardOutputUrl");
		v.started = json_str(o, "ExecutionStartDateTime");
		v.ended = json_str(o, "ExecutionEndDateTime");
		g->fn(g->arg, &v, NULL);
		ssm_invocation_done(&v);
	}
	free(g);
}

void
ssm_get_command_invocation(struct aws_client *c, const char *command_id,
    const char *instance_id, const char *plugin, ssm_invocation_fn fn,
    void *arg)
{
	struct gci *g = xcalloc(1, sizeof *g);
	cJSON *body = cJSON_CreateObject();

	g->fn = fn;
	g->arg = arg;
	cJSON_AddStringToObject(body, "CommandId", command_id);
	cJSON_AddStringToObject(body, "InstanceId", instance_id);
	if (plugin != NULL)
		cJSON_AddStringToObject(body, "PluginName", plugin);
	aws_json_call_owned(c, SSM_PREFIX, JSON11, "GetCommandInvocation", body,
	    gci_reply, free, g);
}

struct endw {
	aws_end_fn end;
	void *arg;
};

static void
endw_reply(void *arg, const cJSON *reply, const struct aws_error *err)
{
	struct endw *w = arg;

	w->end(w->arg, reply != NULL ? NULL : err);
	free(w);
}

void
ssm_cancel_command(struct aws_client *c, const char *command_id,
    const char *const *ids, size_t nids, aws_end_fn end, void *arg)
{
	struct endw *w = xcalloc(1, sizeof *w);
	cJSON *body = cJSON_CreateObject();

	w->end = end;
	w->arg = arg;
	cJSON_AddStringToObject(body, "CommandId", command_id);
	if (nids > 0)
		json_add_strings(body, "InstanceIds", ids, nids);
	aws_json_call_owned(c, SSM_PREFIX, JSON11, "CancelCommand", body,
	    endw_reply, free, w);
}

void
ssm_document_done(struct ssm_document *d)
{
	free(d->name);
	free(d->status);
	free(d->document_version);
	free(d->latest_version);
	free(d->default_version);
	free(d->hash);
	free(d->document_type);
	free(d->schema_version);
	memset(d, 0, sizeof *d);
}

struct docw {
	ssm_document_fn fn;
	void *arg;
	const char *field;	/* "DocumentDescription" or "Document" */
};

static void
doc_reply(void *arg, const cJSON *reply, const struct aws_error *err)
{
	struct docw *w = arg;
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(reply, w->field);
	struct ssm_document d;
	struct aws_error e;

	if (reply == NULL) {
		w->fn(w->arg, NULL, err);
	} else if (!cJSON_IsObject(o)) {
		awserr_init(&e);
		awserr_set(&e, 200, "MalformedReply", "SSM document reply "
		    "without a document description", NULL);
		w->fn(w->arg, NULL, &e);
		awserr_free(&e);
	} else {
		memset(&d, 0, sizeof d);
		d.name = json_str(o, "Name");
		d.status = json_str(o, "Status");
		d.document_version = json_str(o, "DocumentVersion");
		d.latest_version = json_str(o, "LatestVersion");
		d.default_version = json_str(o, "DefaultVersion");
		d.hash = json_str(o, "Hash");
		d.document_type = json_str(o, "DocumentType");
		d.schema_version = json_str(o, "SchemaVersion");
		w->fn(w->arg, &d, NULL);
		ssm_document_done(&d);
	}
	free(w);
}

static void
doc_call(struct aws_client *c, const char *op, cJSON *body, ssm_document_fn fn,
    void *arg)
{
	struct docw *w = xcalloc(1, sizeof *w);

	w->fn = fn;
	w->arg = arg;
	w->field = strcmp(op, "DescribeDocument") == 0 ? "Document" :
	    "DocumentDescription";
	aws_json_call_owned(c, SSM_PREFIX, JSON11, op, body, doc_reply, free, w);
}

void
ssm_create_document(struct aws_client *c, const char *name,
    const char *content, const char *format, ssm_document_fn fn, void *arg)
{
	cJSON *body = cJSON_CreateObject();

	cJSON_AddStringToObject(body, "Name", name);
	cJSON_AddStringToObject(body, "Content", content);
	cJSON_AddStringToObject(body, "DocumentType", "Command");
	cJSON_AddStringToObject(body, "DocumentFormat", format);
	doc_call(c, "CreateDocument", body, fn, arg);
}

void
ssm_update_document(struct aws_client *c, const char *name,
    const char *content, const char *format, ssm_document_fn fn, void *arg)
{
	cJSON *body = cJSON_CreateObject();

	cJSON_AddStringToObject(body, "Name", name);
	cJSON_AddStringToObject(body, "Content", content);
	cJSON_AddStringToObject(body, "DocumentFormat", format);
	cJSON_AddStringToObject(body, "DocumentVersion", "$LATEST");
	doc_call(c, "UpdateDocument", body, fn, arg);
}

void
ssm_describe_document(struct aws_client *c, const char *name,
    ssm_document_fn fn, void *arg)
{
	ssm_describe_document_version(c, name, NULL, fn, arg);
}

void
ssm_describe_document_version(struct aws_client *c, const char *name,
    const char *version, ssm_document_fn fn, void *arg)
{
	cJSON *body = cJSON_CreateObject();

	cJSON_AddStringToObject(body, "Name", name);
	if (version != NULL)
		cJSON_AddStringToObject(body, "DocumentVersion", version);
	doc_call(c, "DescribeDocument", body, fn, arg);
}

struct defw {
	aws_end_fn end;
	void *arg;
};

static void
default_reply(void *arg, const cJSON *reply, const struct aws_error *err)
{
	struct defw *w = arg;

	w->end(w->arg, reply != NULL ? NULL : err);
	free(w);
}

void
ssm_update_document_default_version(struct aws_client *c, const char *name,
    const char *version, aws_end_fn end, void *arg)
{
	struct defw *w = xcalloc(1, sizeof *w);
	cJSON *body = cJSON_CreateObject();

	w->end = end;
	w->arg = arg;
	cJSON_AddStringToObject(body, "Name", name);
	cJSON_AddStringToObject(body, "DocumentVersion", version);
	aws_json_call_owned(c, SSM_PREFIX, JSON11,
	    "UpdateDocumentDefaultVersion", body, default_reply, free, w);
}
