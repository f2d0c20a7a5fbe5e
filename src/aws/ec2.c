/*
 * ec2.c - see ec2.h.
 */
#include "aws/ec2.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awsxml.h"
#include "aws/client.h"
#include "util/util.h"

void
ec2_instance_done(struct ec2_instance *i)
{
	size_t k;

	free(i->id);
	free(i->state);
	free(i->type);
	free(i->platform);
	free(i->platform_details);
	free(i->private_ip);
	free(i->public_ip);
	free(i->private_dns);
	free(i->launch_time);
	free(i->az);
	free(i->image_id);
	free(i->architecture);
	free(i->owner_id);
	for (k = 0; k < i->ntags; k++) {
		free(i->tags[k].key);
		free(i->tags[k].value);
	}
	free(i->tags);
	memset(i, 0, sizeof *i);
}

void
ec2_instances_free(struct ec2_instance *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		ec2_instance_done(&v[i]);
	free(v);
}

const char *
ec2_instance_tag(const struct ec2_instance *i, const char *key)
{
	size_t k;

	for (k = 0; k < i->ntags; k++) {
		if (strcmp(i->tags[k].key, key) == 0)
			return i->tags[k].value;
	}
	return NULL;
}

static char *
text_or_empty(const xmlNode *n, const char *path)
{
	char *t = awsxml_text(n, path);

	return t != NULL ? t : xstrdup("");
}

static void
parse_instance(const xmlNode *item, struct ec2_instance *i)
{
	xmlNode *tags, *t;

	memset(i, 0, sizeof *i);
	i->id = text_or_empty(item, "instanceId");
	i->state = text_or_empty(item, "instanceState/name");
	i->type = text_or_empty(item, "instanceType");
	i->platform = text_or_empty(item, "platform");
	i->platform_details = text_or_empty(item, "platformDetails");
	i->private_ip = text_or_empty(item, "privateIpAddress");
	i->public_ip = text_or_empty(item, "ipAddress");
	i->private_dns = text_or_empty(item, "privateDnsName");
	i->launch_time = text_or_empty(item, "launchTime");
	i->az = text_or_empty(item, "placement/availabilityZone");
	i->image_id = text_or_empty(item, "imageId");
	i->architecture = text_or_empty(item, "architecture");
	tags = awsxml_child(item, "tagSet");
	for (t = awsxml_child(tags, "item"); t != NULL;
	    t = awsxml_next(t, "item")) {
		i->tags = xreallocarray(i->tags, i->ntags + 1,
		    sizeof *i->tags);
		i->tags[i->ntags].key = text_or_empty(t, "key");
		i->tags[i->ntags].value = text_or_empty(t, "value");
		i->ntags++;
	}
}

size_t
ec2_parse_instances(const void *root_node, struct ec2_instance **out)
{
	const xmlNode *root = root_node;
	xmlNode *res, *inst;
	struct ec2_instance *v = NULL;
	size_t n = 0, cap = 0;

	for (res = awsxml_child(awsxml_child(root, "reservationSet"), "item");
	    res != NULL; res = awsxml_next(res, "item")) {
		char *owner = text_or_empty(res, "ownerId");

		for (inst = awsxml_child(awsxml_child(res, "instancesSet"),
		    "item"); inst != NULL; inst = awsxml_next(inst, "item")) {
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				v = xreallocarray(v, cap, sizeof *v);
			}
			parse_instance(inst, &v[n]);
			v[n].owner_id = xstrdup(owner);
			/* An item without an id is not an instance we can act
			 * on; skipping it beats a row keyed on "". */
			if (v[n].id[0] == '\0')
				ec2_instance_done(&v[n]);
			else
				n++;
		}
		free(owner);
	}
	*out = v;
	if (n == 0) {
		free(v);
		*out = NULL;
	}
	return n;
}

struct di {
	ec2_instances_fn page;
	aws_end_fn end;
	void *arg;
};

static int
di_page(void *arg, const xmlNode *root)
{
	struct di *d = arg;
	struct ec2_instance *v;
	size_t n = ec2_parse_instances(root, &v);

	return d->page(d->arg, v, n);
}

static void
di_end(void *arg, const struct aws_error *err)
{
	struct di *d = arg;

	d->end(d->arg, err);
	free(d);
}

void
ec2_describe_instances(struct aws_client *c, const struct ec2_filter *filters,
    size_t nfilters, const char *const *ids, size_t nids,
    ec2_instances_fn page, aws_end_fn end, void *arg)
{
	struct di *d = xcalloc(1, sizeof *d);
	struct aws_params p;
	size_t i, k;
	char num[32];

	d->page = page;
	d->end = end;
	d->arg = arg;
	aws_params_init(&p);
	for (i = 0; i < nids; i++)
		aws_params_addf(&p, ids[i], "InstanceId.%zu", i + 1);
	for (i = 0; i < nfilters; i++) {
		aws_params_addf(&p, filters[i].name, "Filter.%zu.Name", i + 1);
		for (k = 0; k < filters[i].nvalues; k++)
			aws_params_addf(&p, filters[i].values[k],
			    "Filter.%zu.Value.%zu", i + 1, k + 1);
	}
	if (nids == 0) {
		snprintf(num, sizeof num, "%d", EC2_MAX_RESULTS);
		aws_params_add(&p, "MaxResults", num);
	}
	aws_query_pages_owned(c, "DescribeInstances", EC2_API_VERSION, &p,
	    "NextToken", "nextToken", di_page, di_end, free, d);
}

static int
ignore_page(void *arg, const xmlNode *root)
{
	(void)arg;
	(void)root;
	return 0;
}

static void
tags_call(struct aws_client *c, const char *action, const char *const *ids,
    size_t nids, const struct ec2_tag *tags, size_t ntags, aws_end_fn end,
    void *arg)
{
	struct aws_params p;
	size_t i;

	aws_params_init(&p);
	for (i = 0; i < nids; i++)
		aws_params_addf(&p, ids[i], "ResourceId.%zu", i + 1);
	for (i = 0; i < ntags; i++) {
		aws_params_addf(&p, tags[i].key, "Tag.%zu.Key", i + 1);
		if (tags[i].value != NULL)
			aws_params_addf(&p, tags[i].value, "Tag.%zu.Value",
			    i + 1);
	}
	aws_query_pages(c, action, EC2_API_VERSION, &p, NULL, NULL,
	    ignore_page, end, arg);
}

void
ec2_create_tags(struct aws_client *c, const char *const *ids, size_t nids,
    const struct ec2_tag *tags, size_t ntags, aws_end_fn end, void *arg)
{
	tags_call(c, "CreateTags", ids, nids, tags, ntags, end, arg);
}

void
ec2_delete_tags(struct aws_client *c, const char *const *ids, size_t nids,
    const struct ec2_tag *tags, size_t ntags, aws_end_fn end, void *arg)
{
	tags_call(c, "DeleteTags", ids, nids, tags, ntags, end, arg);
}

struct sc {
	ec2_state_fn fn;
	aws_end_fn end;
	void *arg;
};

static int
sc_page(void *arg, const xmlNode *root)
{
	struct sc *s = arg;
	xmlNode *set = awsxml_child(root, "instancesSet"), *it;
	char id[64], prev[32], cur[32];

	for (it = awsxml_child(set, "item"); it != NULL;
	    it = awsxml_next(it, "item")) {
		awsxml_text_buf(it, "instanceId", id, sizeof id);
		awsxml_text_buf(it, "previousState/name", prev, sizeof prev);
		awsxml_text_buf(it, "currentState/name", cur, sizeof cur);
		if (s->fn != NULL)
			s->fn(s->arg, id, prev, cur);
	}
	return 0;
}

static void
sc_end(void *arg, const struct aws_error *err)
{
	struct sc *s = arg;

	s->end(s->arg, err);
	free(s);
}

static void
state_call(struct aws_client *c, const char *action, const char *const *ids,
    size_t nids, ec2_state_fn fn, aws_end_fn end, void *arg)
{
	struct sc *s = xcalloc(1, sizeof *s);
	struct aws_params p;
	size_t i;

	s->fn = fn;
	s->end = end;
	s->arg = arg;
	aws_params_init(&p);
	for (i = 0; i < nids; i++)
		aws_params_addf(&p, ids[i], "InstanceId.%zu", i + 1);
	aws_query_pages_owned(c, action, EC2_API_VERSION, &p, NULL, NULL, sc_page,
	    sc_end, free, s);
}

void
ec2_start_instances(struct aws_client *c, const char *const *ids, size_t nids,
    ec2_state_fn fn, aws_end_fn end, void *arg)
{
	state_call(c, "StartInstances", ids, nids, fn, end, arg);
}

void
ec2_stop_instances(struct aws_client *c, const char *const *ids, size_t nids,
    ec2_state_fn fn, aws_end_fn end, void *arg)
{
	state_call(c, "StopInstances", ids, nids, fn, end, arg);
}

/* ---- DescribeInstanceStatus ---- */

void
ec2_instance_statuses_free(struct ec2_instance_status *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].state);
		free(v[i].instance_status);
		free(v[i].system_status);
	}
	free(v);
}

size_t
ec2_parse_instance_statuses(const void *root_node,
    struct ec2_instance_status **out)
{
	const xmlNode *root = root_node;
	xmlNode *it;
	struct ec2_instance_status *v = NULL;
	size_t n = 0, cap = 0;

	for (it = awsxml_child(awsxml_child(root, "instanceStatusSet"),
	    "item"); it != NULL; it = awsxml_next(it, "item")) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = xreallocarray(v, cap, sizeof *v);
		}
		v[n].id = text_or_empty(it, "instanceId");
		v[n].state = text_or_empty(it, "instanceState/name");
		v[n].instance_status = text_or_empty(it,
		    "instanceStatus/status");
		v[n].system_status = text_or_empty(it, "systemStatus/status");
		if (v[n].id[0] != '\0') {
			n++;
			continue;
		}
		free(v[n].id);
		free(v[n].state);
		free(v[n].instance_status);
		free(v[n].system_status);
	}
	*out = v;
	if (n == 0) {
		free(v);
		*out = NULL;
	}
	return n;
}

struct dis {
	ec2_statuses_fn page;
	aws_end_fn end;
	void *arg;
};

static int
dis_page(void *arg, const xmlNode *root)
{
	struct dis *d = arg;
	struct ec2_instance_status *v;
	size_t n = ec2_parse_instance_statuses(root, &v);

	return d->page(d->arg, v, n);
}

static void
dis_end(void *arg, const struct aws_error *err)
{
	struct dis *d = arg;

	d->end(d->arg, err);
	free(d);
}

void
ec2_describe_instance_status(struct aws_client *c, const char *const *ids,
    size_t nids, ec2_statuses_fn page, aws_end_fn end, void *arg)
{
	struct dis *d = xcalloc(1, sizeof *d);
	struct aws_params p;
	size_t i;
	char num[32];

	d->page = page;
	d->end = end;
	d->arg = arg;
	aws_params_init(&p);
	aws_params_add(&p, "IncludeAllInstances", "true");
	for (i = 0; i < nids; i++)
		aws_params_addf(&p, ids[i], "InstanceId.%zu", i + 1);
	if (nids == 0) {
		snprintf(num, sizeof num, "%d", EC2_MAX_RESULTS);
		aws_params_add(&p, "MaxResults", num);
	}
	aws_query_pages_owned(c, "DescribeInstanceStatus", EC2_API_VERSION,
	    &p, "NextToken", "nextToken", dis_page, dis_end, free, d);
}
