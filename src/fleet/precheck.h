/*
 * precheck.h - judging one instance's pre-check (issue #9 point 4): what
 * the PATCHDECK_PRECHECK line said (fleet/result.h parses it), what SSM
 * said about the command and the agent, and EC2's status checks, against
 * the thresholds of the configuration's [precheck] section.
 *
 * Pure: plain values in, a verdict out; no I/O, no clock.  Every failure
 * has a kind from a fixed set (the names are the JSON, CSV and cache
 * contract, also what `precheck --fix KIND` takes) and a detail saying
 * what was found, raw (it may quote the instance's output: escape it to
 * show it).
 *
 * Rules, in the order a verdict lists its failures:
 *   agent_offline   the SSM agent is not Online (ping status), or the
 *                   instance is not running: nothing was sent to it, so
 *                   no other check applies (a stopped instance is woken
 *                   by prepare; its pre-check comes after that).
 *   (Windows)       the pre-check document is Linux-only: an Online
 *                   running Windows instance is judged on its status
 *                   checks alone.
 *   no_result       not sent (the reason given), or sent, but no readable PATCHDECK_PRECHECK line came
 *                   back; the detail says why: "timed out",
 *                   "undeliverable", "cancelled", "failed (exit N)",
 *                   "no final status", and for output that does not parse
 *                   "parse error: " and what the parser found.  A line that
 *                   parses is judged whatever the command's status.
 *   disk            a checked mount (limits.mounts; none configured:
 *                   every mount reported) has less than min_free_mb free
 *                   or less than min_free_pct of its size.  A configured
 *                   mount the instance does not report is not a failure
 *                   (it is then no mount of its own, part of "/").
 *   repo_unreachable  "repo" is not "ok" (except "not checked: ..." while
 *                   the package lock is held: that is pkg_lock).
 *   repo_url        a repository URL starts with none of
 *                   limits.repo_url_prefixes (none configured: any URL).
 *   pkg_lock        a package manager holds its lock.
 *   reboot_pending  a newer kernel is installed or the system asks for a
 *                   reboot: patch night would reboot into an untested one.
 *   status_check    EC2's instance or system status check is "impaired",
 *                   or load1 is above limits.max_load1 (when > 0).
 *                   "initializing", "insufficient-data", "not-applicable"
 *                   and unknown (NULL) are not failures.
 */
#ifndef PATCHDECK_FLEET_PRECHECK_H
#define PATCHDECK_FLEET_PRECHECK_H

#include <stddef.h>

#include "fleet/result.h"

enum fleet_precheck_kind {
	FLEET_PK_DISK,
	FLEET_PK_REPO_UNREACHABLE,
	FLEET_PK_REPO_URL,
	FLEET_PK_PKG_LOCK,
	FLEET_PK_REBOOT_PENDING,
	FLEET_PK_AGENT_OFFLINE,
	FLEET_PK_STATUS_CHECK,
	FLEET_PK_NO_RESULT,
	FLEET_PK_COUNT
};

/* "disk", "repo_unreachable", "repo_url", "pkg_lock", "reboot_pending",
 * "agent_offline", "status_check", "no_result"; NULL out of range. */
const char *fleet_precheck_kind_name(enum fleet_precheck_kind k);
/* The kind named exactly so; 0, or -1 for any other text. */
int fleet_precheck_kind_parse(const char *name, enum fleet_precheck_kind *k);
/* "disk space", "repository unreachable", ...: for people. */
const char *fleet_precheck_kind_label(enum fleet_precheck_kind k);

/* The [precheck] thresholds.  Borrowed for the call. */
struct fleet_precheck_limits {
	long long min_free_mb;
	int min_free_pct;
	const char *const *mounts;	/* none: every reported mount */
	size_t nmounts;
	const char *const *repo_url_prefixes;	/* none: any URL */
	size_t nrepo_url_prefixes;
	double max_load1;		/* <= 0: not checked */
};

/* One instance's facts.  Strings borrowed; NULL where unknown. */
struct fleet_precheck_input {
	const char *state;	/* EC2 state: running, stopped, ... */
	const char *ping;	/* SSM PingStatus: Online, ConnectionLost... */
	int windows;		/* a Windows instance: the pre-check document is
				 * Linux-only, so only the agent and the status
				 * checks are judged */
	int sent;		/* the command went to it */
	const char *not_sent_why;	/* NULL: "not sent" */
	int final;		/* its invocation reached a final status */
	const char *status;	/* invocation Status / StatusDetails */
	const char *status_details;
	long response_code;	/* -1 unknown */
	const char *output;	/* stdout; may hold NUL bytes */
	size_t output_len;
	const char *instance_status;	/* DescribeInstanceStatus, or NULL */
	const char *system_status;
};

struct fleet_precheck_failure {
	enum fleet_precheck_kind kind;
	char *detail;		/* owned, raw, one line or more */
};

struct fleet_precheck_verdict {
	int parsed;		/* p holds the parsed line */
	struct fleet_precheck p;
	unsigned kinds;		/* bit (1u << kind) for each failure */
	struct fleet_precheck_failure *failures;	/* in rule order */
	size_t nfailures;
	/* The failures' details joined by "; ", "" when passed.  Owned. */
	char *reason;
};

/* Judges in against lim into v (overwritten; free with
 * fleet_precheck_verdict_done). */
void fleet_precheck_judge(const struct fleet_precheck_limits *lim,
    const struct fleet_precheck_input *in,
    struct fleet_precheck_verdict *v);
void fleet_precheck_verdict_done(struct fleet_precheck_verdict *v);

#endif
