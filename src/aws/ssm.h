/*
 * ssm.h - the Systems Manager calls patchdeck makes (JSON 1.1,
 * X-Amz-Target AmazonSSM.<Op>).
 */
#ifndef PATCHDECK_SSM_H
#define PATCHDECK_SSM_H

#include <stddef.h>

#include "aws/pager.h"

struct aws_client;
struct cJSON;

#define SSM_PREFIX "AmazonSSM"
#define SSM_MAX_IDS_PER_COMMAND 50	/* SendCommand InstanceIds */
/* GetCommandInvocation cuts StandardOutputContent here; the whole output
 * is in S3 when OutputS3BucketName was set. */
#define SSM_OUTPUT_LIMIT 24000

struct ssm_instance {
	char *id;
	char *ping_status;	/* Online, ConnectionLost, Inactive */
	/* Epoch seconds; 0 when not sent or not a time from 1970 to 9999
	 * (json_time): one bad field does not drop the instance. */
	long long last_ping;
	char *agent_version;
	char *platform_type;	/* Linux, Windows, MacOS */
	char *platform_name;
	char *platform_version;
	char *ip_address;
	char *computer_name;
};

void ssm_instance_done(struct ssm_instance *i);
void ssm_instances_free(struct ssm_instance *v, size_t n);

/* One page; the callback owns v (ssm_instances_free).  0 to go on. */
typedef int (*ssm_instances_fn)(void *arg, struct ssm_instance *v, size_t n);

/* DescribeInstanceInformation, every page of 50; ids optional. */
void ssm_describe_instance_information(struct aws_client *c,
    const char *const *ids, size_t nids, ssm_instances_fn page,
    aws_end_fn end, void *arg);
size_t ssm_parse_instances(const struct cJSON *page,
    struct ssm_instance **out);

struct ssm_send {
	const char *document;		/* DocumentName */
	const char *document_version;	/* NULL: $DEFAULT */
	const char *const *ids;		/* InstanceIds, or: */
	size_t nids;
	const char *target_key;		/* Targets: "tag:ssm-patch-now" */
	const char *const *target_values;
	size_t ntarget_values;
	/* Parameters: an object of string arrays; borrowed. */
	const struct cJSON *parameters;
	const char *max_concurrency;	/* "10", "25%"; NULL: default */
	const char *max_errors;
	int timeout_seconds;		/* 0: default */
	const char *comment;
	const char *output_bucket;	/* OutputS3BucketName */
	const char *output_prefix;	/* OutputS3KeyPrefix */
};

struct ssm_command {
	char *id;
	char *document;
	char *status;		/* Pending, InProgress, Success, ... */
	char *status_details;
	char *comment;
	char *requested;	/* RequestedDateTime, as sent */
	long target_count, completed_count, error_count, delivery_timed_out;
};

void ssm_command_done(struct ssm_command *c);

/* SendCommand; fn gets the new command (NULL with err on failure). */
typedef void (*ssm_command_fn)(void *arg, const struct ssm_command *cmd,
    const struct aws_error *err);
void ssm_send_command(struct aws_client *c, const struct ssm_send *s,
    ssm_command_fn fn, void *arg);

/* ListCommands (one command id, or all when NULL), every page. */
typedef int (*ssm_commands_fn)(void *arg, const struct ssm_command *v,
    size_t n);
void ssm_list_commands(struct aws_client *c, const char *command_id,
    ssm_commands_fn page, aws_end_fn end, void *arg);

struct ssm_invocation {
	char *command_id;
	char *instance_id;
	char *instance_name;
	char *status;
	char *status_details;
	long response_code;	/* -1 when unknown */
	char *output;		/* stdout (possibly cut at SSM_OUTPUT_LIMIT) */
	char *error_output;
	char *output_url;	/* S3 URL of the whole stdout, or "" */
	char *started;
	char *ended;
};

void ssm_invocation_done(struct ssm_invocation *v);

/* ListCommandInvocations (Details=true), every page of 50. */
typedef int (*ssm_invocations_fn)(void *arg, const struct ssm_invocation *v,
    size_t n);
void ssm_list_command_invocations(struct aws_client *c,
    const char *command_id, const char *instance_id, int details,
    ssm_invocations_fn page, aws_end_fn end, void *arg);

/* GetCommandInvocation for one instance (plugin optional). */
typedef void (*ssm_invocation_fn)(void *arg, const struct ssm_invocation *v,
    const struct aws_error *err);
void ssm_get_command_invocation(struct aws_client *c, const char *command_id,
    const char *instance_id, const char *plugin, ssm_invocation_fn fn,
    void *arg);

/* CancelCommand (all instances when nids is 0). */
void ssm_cancel_command(struct aws_client *c, const char *command_id,
    const char *const *ids, size_t nids, aws_end_fn end, void *arg);

/* Documents.  content is the JSON or YAML text; format "JSON"/"YAML". */
struct ssm_document {
	char *name;
	char *status;		/* Creating, Active, Updating, Failed */
	char *document_version;
	char *latest_version;
	char *default_version;
	char *hash;		/* SHA-256 of the content */
	char *document_type;
	char *schema_version;
};

void ssm_document_done(struct ssm_document *d);
typedef void (*ssm_document_fn)(void *arg, const struct ssm_document *d,
    const struct aws_error *err);
void ssm_create_document(struct aws_client *c, const char *name,
    const char *content, const char *format, ssm_document_fn fn, void *arg);
/* UpdateDocument against $LATEST. */
void ssm_update_document(struct aws_client *c, const char *name,
    const char *content, const char *format, ssm_document_fn fn, void *arg);
void ssm_describe_document(struct aws_client *c, const char *name,
    ssm_document_fn fn, void *arg);
/* DescribeDocument of one version ("3", "$LATEST"); NULL: the default. */
void ssm_describe_document_version(struct aws_client *c, const char *name,
    const char *version, ssm_document_fn fn, void *arg);
/* UpdateDocumentDefaultVersion: version becomes what SendCommand runs
 * when it names no DocumentVersion. */
void ssm_update_document_default_version(struct aws_client *c,
    const char *name, const char *version, aws_end_fn end, void *arg);

#endif
