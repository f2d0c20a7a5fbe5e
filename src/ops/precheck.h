/*
 * precheck.h - the pre-check of a window's members (issue #9 point 4):
 * `patchdeck precheck` and the console's pre-check pane.
 *
 * Members: the cached instances whose window tag names the window
 * (exact bytes), minus terminated ones and those with a live approved
 * exception at the occurrence's start (the same as the tag state the
 * console shows, computed for that time); or, with ids, exactly those
 * instances.
 *
 * How it runs, per target account and region (ops/fanout.h), all on one
 * loop:
 *   1. DescribeInstanceInformation (the ids, 50 per call) for each
 *      member's SSM ping now, and DescribeInstanceStatus (100 ids per
 *      call, stopped ones included) for its state and EC2's status checks.
 *   2. The members that are running, Online and Linux (the document is
 *      Linux-only: Windows members get the agent and status checks only)
 *      are tagged PRECHECK_TAG=RUN_ID (ops/tagging.c: CreateTags, 1,000
 *      ids per call, audited).
 *   3. One SendCommand of patchdeck-precheck per target and region,
 *      Targets tag:PRECHECK_TAG=RUN_ID, MaxConcurrency and MaxErrors
 *      100%, followed by ops/ssmrun.c to every final status.  Why our own
 *      tag and not the window tag all members carry: the window tag is
 *      also on members that are excepted, stopped or offline, and a
 *      command sent to an offline agent waits for its delivery timeout;
 *      our tag names exactly the instances that can answer, with one
 *      SendCommand whatever their number.  The SendCommands are audited
 *      (intent before, result after).
 *   4. The tag is removed (DeleteTags, audited), whatever happened.
 *   5. Each member is judged (fleet/precheck.h) against [precheck].
 * precheck_save() then stores the verdicts in the cache and, when
 * [results] bucket is set, one S3 object per instance.
 *
 * Refused in read-only mode by the callers: it sends a command and writes
 * a tag, both changes to AWS state (though not to the instances).
 */
#ifndef PATCHDECK_OPS_PRECHECK_H
#define PATCHDECK_OPS_PRECHECK_H

#include <stddef.h>

#include "fleet/precheck.h"

struct cache;
struct config;
struct net;
struct inventory;

#define PRECHECK_DOCUMENT "patchdeck-precheck"
#define PRECHECK_TAG "patchdeck:precheck"
/* How long the pre-check waits for its command, whatever SSM says. */
#define PRECHECK_DEADLINE_S 900

/* One member and, once done, its verdict.  Strings owned, never NULL. */
struct precheck_row {
	char *instance_id;
	char *name;
	char *account;
	char *region;
	char *target;		/* cache target name "target/region", or "" */
	char *platform;		/* "linux", "windows" */
	char *state;		/* EC2, fresh when DescribeInstanceStatus said */
	char *ping;		/* SSM PingStatus, fresh */
	char *instance_status;	/* EC2 status checks, "" unknown */
	char *system_status;
	int sent;		/* the command went to it */
	int final;
	char *status;		/* invocation status and details */
	char *status_details;
	long response_code;
	char *output;		/* raw */
	long long started_at;	/* Unix seconds */
	long long ended_at;
	struct fleet_precheck_verdict v;
};

/* API calls made, for progress and the benchmark. */
struct precheck_stats {
	size_t dii_pages;	/* DescribeInstanceInformation */
	size_t dis_pages;	/* DescribeInstanceStatus */
	size_t tag_calls;	/* CreateTags + DeleteTags */
	size_t send_calls;	/* SendCommand */
	size_t list_pages;	/* ListCommandInvocations */
	size_t get_calls;	/* GetCommandInvocation */
	size_t status_calls;	/* ListCommands */
	long long start_ms;	/* util_now_ms() at the start */
	long long sent_ms;	/* the last SendCommand answered */
	long long last_result_ms;	/* the last final result was seen */
	long long end_ms;
};

struct precheck_report {
	char *run_id;
	char *window;		/* "" with --instances alone */
	char date[11];		/* YYYY-MM-DD of the occurrence (UTC today
				 * with --instances alone) */
	struct precheck_row *rows;	/* failed first, then name, then id */
	size_t n;
	size_t nfailed;
	struct precheck_stats stats;
	char **warnings;	/* what went wrong besides verdicts (raw) */
	size_t nwarnings;
};

void precheck_report_done(struct precheck_report *r);
/* Adds msg (taken) to r's warnings. */
void precheck_report_warn(struct precheck_report *r, char *msg);

/* Progress: phase ("status", "tag", "send", "wait", "untag", "judge"),
 * done of total (total 0: unknown). */
typedef void (*precheck_progress_fn)(void *arg, const char *phase,
    size_t done, size_t total);

struct precheck_opts {
	const struct config *cfg;
	const char *profile;		/* --profile */
	const char *window;		/* NULL with ids alone */
	const char *date;		/* "YYYY-MM-DD"; NULL: current or next */
	const char *const *ids;		/* --instances; members must be among
					 * them when window is set too */
	size_t nids;
	long long now;
	long poll_ms;			/* 0: 2000 */
	precheck_progress_fn progress;	/* may be NULL */
	void *arg;
};

/*
 * The members (step "Members" above) from inv, as rows with no verdict,
 * into out (overwritten; free with precheck_report_done).  Also fixes the
 * date and a new run id.  -1 with *err: unknown window (naming the
 * configured ones), a date with no occurrence, an id not in the cache.
 */
int precheck_members(const struct precheck_opts *o,
    const struct inventory *inv, struct cache *c,
    struct precheck_report *out, char **err);

/* What a dry run prints: one line per call that would be made, then one
 * starting "dry run:" with the counts. */
void precheck_dry_run(const struct precheck_report *r,
    void (*line)(void *arg, const char *text), void *arg);

/*
 * Runs steps 1-5 on net for the members of r, filling the verdicts.
 * done runs once, from net_poll(), after the last step (rc 0; -1 with
 * err when the pre-check could not run at all, e.g. the audit log is
 * unwritable, and then nothing was sent); it may free the handle.  r and
 * o->cfg must outlive the handle.  NULL with *err when refused before
 * anything was sent.  Free the handle after done ran; to abandon it,
 * free the net first, then the handle.
 */
struct precheck;
typedef void (*precheck_done_fn)(void *arg, int rc, const char *err);
struct precheck *precheck_start(struct net *net,
    const struct precheck_opts *o, struct precheck_report *r,
    precheck_done_fn done, void *arg, char **err);
void precheck_free(struct precheck *p);

/* precheck_start on a loop of its own, waited for.  0, or -1 with *err. */
int precheck_run(const struct precheck_opts *o, struct precheck_report *r,
    char **err);

/*
 * Stores r's verdicts in the cache (prechecks, latest per instance) and,
 * when cfg's [results] bucket is set, writes
 * s3://BUCKET/PREFIX/prechecks/dt=DATE/run=RUN_ID/INSTANCE_ID.json for
 * each member (its own loop, waited for).  Failures become warnings in r
 * (the verdicts stand); returns how many writes failed.
 */
size_t precheck_save(struct precheck_report *r, const struct config *cfg,
    const char *profile, struct cache *c);

/* One member as the JSON object of --format json and of the S3 object
 * (DESIGN.md section 7; data/athena/prechecks.sql).  Caller frees. */
struct cJSON *precheck_row_json(const struct precheck_report *r,
    const struct precheck_row *row);

/* How much of an output the cache and the pane keep: its end. */
#define PRECHECK_OUTPUT_TAIL 4096

#endif
