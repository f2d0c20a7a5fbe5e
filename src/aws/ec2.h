/*
 * ec2.h - the EC2 calls patchdeck makes (query protocol, XML replies).
 */
#ifndef PATCHDECK_EC2_H
#define PATCHDECK_EC2_H

#include <stddef.h>

#include "aws/pager.h"

struct aws_client;

#define EC2_API_VERSION "2016-11-15"
/* DescribeInstances pages at most this many; the API's own limit. */
#define EC2_MAX_RESULTS 1000
/* Resource ids per CreateTags/DeleteTags/Start/Stop call that we send:
 * the API documents no larger batch as safe for tagging. */
#define EC2_MAX_IDS_PER_CALL 1000

struct ec2_tag {
	char *key;
	char *value;	/* DeleteTags: NULL deletes whatever the value */
};

struct ec2_instance {
	char *id;
	char *state;		/* pending, running, stopping, stopped, ... */
	char *type;
	char *platform;		/* "windows" or "" */
	char *platform_details;	/* "Linux/UNIX", "Windows", ... */
	char *private_ip;
	char *public_ip;
	char *private_dns;
	char *launch_time;
	char *az;
	char *image_id;
	char *architecture;
	char *owner_id;		/* the reservation's account */
	struct ec2_tag *tags;
	size_t ntags;
};

/* Frees what the instance owns (not the struct itself). */
void ec2_instance_done(struct ec2_instance *i);
/* Frees an array of n instances and the array. */
void ec2_instances_free(struct ec2_instance *v, size_t n);
/* The value of tag key, or NULL. */
const char *ec2_instance_tag(const struct ec2_instance *i, const char *key);

struct ec2_filter {
	const char *name;	/* "instance-state-name", "tag:PatchWindow" */
	const char *const *values;
	size_t nvalues;
};

/*
 * One page of instances; the callback owns v and frees it with
 * ec2_instances_free().  Returns 0 to go on.
 */
typedef int (*ec2_instances_fn)(void *arg, struct ec2_instance *v, size_t n);

/* DescribeInstances, every page (MaxResults EC2_MAX_RESULTS), optionally
 * only ids (nids > 0; no MaxResults then, as the API requires). */
void ec2_describe_instances(struct aws_client *c,
    const struct ec2_filter *filters, size_t nfilters,
    const char *const *ids, size_t nids,
    ec2_instances_fn page, aws_end_fn end, void *arg);

/* Parses one DescribeInstances reply; for tests and the pager.  Returns the
 * count, with *out newly allocated (NULL when 0). */
size_t ec2_parse_instances(const void *root_node, struct ec2_instance **out);

/* CreateTags: every tag on every id (nids <= EC2_MAX_IDS_PER_CALL). */
void ec2_create_tags(struct aws_client *c, const char *const *ids,
    size_t nids, const struct ec2_tag *tags, size_t ntags, aws_end_fn end,
    void *arg);
/* DeleteTags: a tag with value NULL goes whatever its value. */
void ec2_delete_tags(struct aws_client *c, const char *const *ids,
    size_t nids, const struct ec2_tag *tags, size_t ntags, aws_end_fn end,
    void *arg);

/* Start/StopInstances: each instance's state change is reported to fn. */
typedef void (*ec2_state_fn)(void *arg, const char *id, const char *previous,
    const char *current);
void ec2_start_instances(struct aws_client *c, const char *const *ids,
    size_t nids, ec2_state_fn fn, aws_end_fn end, void *arg);
void ec2_stop_instances(struct aws_client *c, const char *const *ids,
    size_t nids, ec2_state_fn fn, aws_end_fn end, void *arg);

/* DescribeInstanceStatus: EC2's two status checks of one instance. */
struct ec2_instance_status {
	char *id;
	char *state;		/* running, stopped, ... */
	char *instance_status;	/* ok, impaired, initializing,
				 * insufficient-data, not-applicable */
	char *system_status;
};

#define EC2_STATUS_MAX_IDS 100	/* InstanceId.N per DescribeInstanceStatus */

void ec2_instance_statuses_free(struct ec2_instance_status *v, size_t n);
/* One page; the callback owns v (ec2_instance_statuses_free).  0 to go
 * on. */
typedef int (*ec2_statuses_fn)(void *arg, struct ec2_instance_status *v,
    size_t n);
/* Parses one DescribeInstanceStatus reply (for tests and the pager);
 * returns the count, *out newly allocated (NULL when 0). */
size_t ec2_parse_instance_statuses(const void *root_node,
    struct ec2_instance_status **out);
/*
 * DescribeInstanceStatus with IncludeAllInstances (stopped ones too),
 * every page: for ids (nids <= EC2_STATUS_MAX_IDS; the API takes no
 * MaxResults with ids), or the whole region (nids 0, pages of
 * EC2_MAX_RESULTS).
 */
void ec2_describe_instance_status(struct aws_client *c,
    const char *const *ids, size_t nids, ec2_statuses_fn page,
    aws_end_fn end, void *arg);

#endif
