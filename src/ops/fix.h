/*
 * fix.h - fixing what a pre-check found (issue #9 point 5): one SSM
 * command of the patchdeck-fix document (data/ssm/fix.sh) over the members
 * whose latest pre-check failed with a kind the fix repairs, its
 * PATCHDECK_FIX lines read back per instance, audited before and after.
 *
 * A fix is always followed by a pre-check of the same instances, so the
 * operator sees what it changed; that pre-check is the caller's (the CLI
 * and the console run ops/precheck over fix_outcomes' instances), this
 * module only sends the fix.
 *
 * Two halves, as tagging.h: a pure selection (fix_select, fix_parameters)
 * that a dry run prints, and a loop-driven run (fix_start) that writes the
 * audit intent before anything is sent.
 */
#ifndef PATCHDECK_OPS_FIX_H
#define PATCHDECK_OPS_FIX_H

#include <stddef.h>

#include "fleet/fix.h"
#include "fleet/result.h"

struct net;
struct config;
struct config_precheck;
struct cJSON;

/* The SSM document a fix sends (data/ssm/patchdeck-fix.json). */
#define FIX_DOCUMENT "patchdeck-fix"
/* SendCommand TimeoutSeconds: how long an instance may take to start it. */
#define FIX_SEND_TIMEOUT_S 600

/*
 * One window member as its latest pre-check left it.  Strings borrowed
 * from the caller for as long as the selection (and a run) use them.
 */
struct fix_member {
	const char *instance_id;
	const char *target;	/* the cache's "target/region" */
	const char *platform;	/* "Linux", "Windows", NULL unknown */
	int checked;		/* it has a pre-check result at all */
	unsigned failures;	/* bits 1u << enum fleet_precheck_kind */
};

/* A member (or a named id) the fix leaves alone, and why. */
struct fix_skip {
	const char *instance_id;	/* borrowed: the member's, or ids[] */
	char *why;			/* owned, for people */
};

struct fix_selection {
	size_t *chosen;		/* indexes into the members, in their order */
	size_t nchosen;
	struct fix_skip *skipped;	/* only ids named with --instances, and
					 * failing members the fix cannot reach
					 * (Windows, agent offline) */
	size_t nskipped;
};

/*
 * The members kind k would act on: those whose failures include a kind
 * k repairs (fleet_fix_repairs_mask).  A Windows member is skipped (the
 * fix document is Linux only), one whose agent is offline too (SSM cannot
 * reach it).  With ids (nids > 0) only those members are considered and
 * every named id not chosen is in skipped with the reason (passed, no
 * pre-check yet, fails only with kinds k does not repair); an id that is
 * no member is an error naming it.  Returns 0 with *out (free with
 * fix_selection_done), or -1 with *err (caller frees).
 */
int fix_select(enum fleet_fix_kind k, const struct fix_member *m, size_t n,
    const char *const *ids, size_t nids, struct fix_selection *out,
    char **err);
void fix_selection_done(struct fix_selection *s);

/*
 * The RepoMap parameter of the document from [precheck] repo_map:
 * "FROM -> TO, FROM -> TO".  -1 with *err (caller frees) when the map is
 * empty (the repository fix has nothing to restore) or a URL holds a
 * character the document's allowedPattern refuses (quotes, backslash,
 * braces, ...), naming it.  Else 0 with *out (caller frees).
 */
int fix_repo_map_param(const struct config_precheck *pc, char **out,
    char **err);

/*
 * The SendCommand Parameters for kind k: {"Kind":[..],"Force":[..],
 * "RepoMap":[..]}.  repo_map may be NULL (kinds other than repo).  Caller
 * frees with cJSON_Delete.
 */
struct cJSON *fix_parameters(enum fleet_fix_kind k, int force,
    const char *repo_map);

/* What the fix did on one instance. */
struct fix_outcome {
	char *instance_id;
	char *target;
	/* "ok", "failed", "skipped" (from its PATCHDECK_FIX line), or
	 * "no_result" (not delivered, timed out, no readable line: why says
	 * which) */
	const char *status;
	int parsed;			/* r holds its line */
	struct fleet_fix_result r;
	char *why;			/* no_result: why; else r.error */
	char *command_id;		/* "" when none was sent to it */
};

struct fix_opts {
	const struct config *cfg;	/* borrowed for fix_start's call */
	const char *profile;		/* --profile, or NULL */
	enum fleet_fix_kind kind;
	int force;
	const char *window;		/* for the audit entries */
	const char *date;
	const struct fix_member *members;	/* borrowed for the call */
	const size_t *chosen;		/* fix_selection.chosen */
	size_t nchosen;
	long poll_ms;			/* 0: 2000 */
	long deadline_ms;		/* 0: one hour */
};

/* How far the run is: instances with a final status of those sent. */
typedef void (*fix_progress_fn)(void *arg, size_t final, size_t total);
/* rc 0 when every command could be sent and followed (each instance's
 * outcome says how its fix went), else -1 with err (borrowed: valid until
 * fix_free). */
typedef void (*fix_done_fn)(void *arg, int rc, const char *err);

struct fix_run;

/*
 * Opens the audit log and writes the intent (action "precheck.fix":
 * kind, force, window, date, the instances), then sends one SendCommand
 * of FIX_DOCUMENT per target and region (InstanceIds, 50 per call) on
 * net and follows it; when every instance is final (or the deadline
 * passed), writes the result entry (outcome per instance, command ids)
 * and calls done once, from the loop.  NULL with *err (caller frees) when
 * nothing could be sent (audit log unwritable: no change is made without
 * a record; a target that cannot be set up; repo without a map); done is
 * then not called.  progress may be NULL.  The net outlives the run;
 * free an unfinished run only after freeing the net.
 */
struct fix_run *fix_start(struct net *net, const struct fix_opts *o,
    fix_progress_fn progress, fix_done_fn done, void *arg, char **err);
/* One per chosen member, in the order chosen; valid until fix_free. */
const struct fix_outcome *fix_outcomes(const struct fix_run *r, size_t *n);
int fix_finished(const struct fix_run *r);
/* The action id of the audit entries (borrowed). */
const char *fix_audit_id(const struct fix_run *r);
void fix_free(struct fix_run *r);

#endif
