/*
 * ssmrun.h - one SSM Run Command, sent and followed to its end: the
 * pre-check, its fixes and the patch run all go through here.
 *
 * Sending (DESIGN.md sections 3 and 6):
 *   - by tag (target_key "tag:K", target_value V): ONE SendCommand with
 *     Targets [{Key: tag:K, Values: [V]}]; SSM resolves the instances.
 *     The caller puts the tag on the instances first and removes it once
 *     done has run (ops/precheck.c does, with ops/tagging.c);
 *   - by ids: one SendCommand per 50 InstanceIds (SSM's limit), all sent
 *     at once.
 *   MaxConcurrency and MaxErrors default to "100%": a check runs
 *   everywhere at once and one failure stops nothing.
 *
 * Following: after first_poll_ms, then every poll_ms, one round of
 * ListCommandInvocations (Details=true, pages of 50) over each command;
 * once fewer expected instances are left than a round has pages, one
 * ListCommandInvocations per instance left (CommandId and InstanceId)
 * instead.
 * Right after SendCommand SSM may not list an invocation yet (an empty
 * list, or InvalidCommandId / InvocationDoesNotExist while the command
 * propagates): that is "not yet", never an error.  An invocation whose
 * listed output is cut (ListCommandInvocations cuts each plugin's Output
 * at 2,500 characters) is read again with GetCommandInvocation once it is
 * final (24,000 characters).
 *
 * The run is over when every expected instance (ids; with a tag target
 * the caller may name them too, else the instances SSM lists) has a final
 * invocation; when every listed invocation is final and ListCommands says
 * the command has ended (an expected instance that SSM never listed then
 * stays not final, status_details "NotTargeted"); or when deadline_ms has
 * passed (what is not final stays so).  Five failed rounds in a row end
 * it with an error; results gathered so far stay readable.
 *
 * Single-threaded, on the caller's net loop, as tagging.h: done runs once,
 * from a timer of its own after every AWS callback has returned, so it
 * may free the handle.  To abandon the run, free the net first (cancels
 * every call), then the handle.
 */
#ifndef PATCHDECK_SSMRUN_H
#define PATCHDECK_SSMRUN_H

#include <stddef.h>

struct net;
struct aws_client;
struct cJSON;

/* ListCommandInvocations cuts each plugin's Output here. */
#define SSMRUN_LISTED_OUTPUT_LIMIT 2500

struct ssmrun_opts {
	const char *document;		/* DocumentName */
	const char *document_version;	/* NULL: $DEFAULT */
	const struct cJSON *parameters;	/* NULL: none; borrowed */
	const char *target_key;		/* "tag:patchdeck:precheck", or NULL */
	const char *target_value;
	/* Without a target: the InstanceIds (any number).  With one: the
	 * instances expected (optional; 0: whatever SSM lists). */
	const char *const *ids;
	size_t nids;
	const char *max_concurrency;	/* NULL: "100%" */
	const char *max_errors;		/* NULL: "100%" */
	int timeout_seconds;		/* SendCommand TimeoutSeconds; 0: SSM's */
	const char *comment;		/* NULL: none */
	const char *output_bucket;	/* OutputS3BucketName, or NULL */
	const char *output_prefix;
	long first_poll_ms;		/* 0: 1000 */
	long poll_ms;			/* 0: 2000 */
	long deadline_ms;		/* 0: no deadline */
};

/* One instance's invocation as last seen.  Strings owned, never NULL. */
struct ssmrun_result {
	char *instance_id;
	char *command_id;
	char *status;		/* Pending, InProgress, Success, Failed, ... */
	char *status_details;	/* Undeliverable, ExecutionTimedOut, ... */
	long response_code;	/* -1 unknown */
	char *output;		/* stdout (and stderr after SSM's separator) */
	int final;		/* the status is final */
	long long seen_ms;	/* util_now_ms() it was first seen final; 0 */
};

/* What happened so far; for progress lines and the benchmark. */
struct ssmrun_progress {
	size_t expected;	/* instances expected (0: not known yet) */
	size_t listed;		/* instances SSM has listed */
	size_t final;		/* of those, final */
	size_t rounds;		/* polling rounds finished */
	size_t send_calls;	/* SendCommand */
	size_t list_pages;	/* ListCommandInvocations pages */
	size_t get_calls;	/* GetCommandInvocation */
	size_t status_calls;	/* ListCommands */
};

/* After each page and each finished round; p valid during the call. */
typedef void (*ssmrun_progress_fn)(void *arg, const struct ssmrun_progress *p);
/* rc 0, or -1 with err (borrowed: valid until ssmrun_free). */
typedef void (*ssmrun_done_fn)(void *arg, int rc, const char *err);

/* 1 if an invocation status or status detail is final (Success, Failed,
 * TimedOut, Cancelled, Undeliverable, Terminated, DeliveryTimedOut,
 * ExecutionTimedOut, InvalidPlatform, AccessDenied), else 0. */
int ssmrun_status_final(const char *status);

struct ssmrun;

/*
 * Sends the command(s) with ssm (an SSM client on net) and follows them.
 * o is copied (parameters too).  NULL with *err (caller frees) for
 * options that cannot work (no document; neither ids nor a target); done
 * is then not called.  progress may be NULL.
 */
struct ssmrun *ssmrun_start(struct net *net, struct aws_client *ssm,
    const struct ssmrun_opts *o, ssmrun_progress_fn progress,
    ssmrun_done_fn done, void *arg, char **err);
/* The results so far, in the order instances were first expected or
 * listed; valid until the next net_poll() or ssmrun_free(). */
const struct ssmrun_result *ssmrun_results(const struct ssmrun *r,
    size_t *n);
const struct ssmrun_progress *ssmrun_progress(const struct ssmrun *r);
/* The command ids sent so far (borrowed). */
const char *const *ssmrun_command_ids(const struct ssmrun *r, size_t *n);
int ssmrun_finished(const struct ssmrun *r);
void ssmrun_free(struct ssmrun *r);

#endif
