/*
 * tagging.h - self-service tag changes (DESIGN.md sections 1 and 4): set
 * or clear the window tag (PatchWindow) or the owner tag (Owner) on
 * instances that may sit in several targets (accounts) and regions.
 *
 * In two steps, so the grouping can be tested with plain values:
 *
 *   tagging_plan_build()  pure: instances in, the fewest calls out.  One
 *                         CreateTags per (target, region, value), one
 *                         DeleteTags per (target, region), each with at
 *                         most max_ids ids (EC2_MAX_IDS_PER_CALL: the API
 *                         takes up to 1000 ResourceId.N per call).
 *   tagging_apply()       the audited execution: audit intent, the calls
 *                         (all at once), audit result.  Refuses to act when
 *                         the audit log cannot be written.
 *
 * DeleteTags removes the key whatever its value (no Value sent), so a
 * clear also removes a tag someone set by hand to a value we never saw.
 */
#ifndef PATCHDECK_TAGGING_H
#define PATCHDECK_TAGGING_H

#include <stddef.h>

#include "aws/awserr.h"

struct config;
struct cache;

/* One instance to change.  Borrowed by tagging_plan_build (copied). */
struct tagging_item {
	const char *id;
	const char *target;	/* configured target name ("prod") */
	const char *region;
	const char *value;	/* the new value; NULL: remove the tag */
};

enum tagging_op { TAGGING_CREATE, TAGGING_DELETE };

/* One planned call and, after tagging_apply, its outcome.  Owned. */
struct tagging_call {
	enum tagging_op op;
	char *target;
	char *region;
	char *key;
	char *value;		/* NULL for DELETE */
	char **ids;
	size_t nids;
	/* Outcome. */
	int sent;		/* the request went out */
	int ok;			/* AWS said yes */
	struct aws_error err;	/* set when sent or refused and !ok */
};

struct tagging_plan {
	struct tagging_call *calls;
	size_t ncalls;
	size_t ninstances;	/* distinct (target, region, id) */
};

/*
 * Groups items[0..n) into calls for tag key.  Calls come in the order their
 * group first appears in items, ids in item order; an id repeated within
 * one (target, region) is kept once (the first item wins).  max_ids 0
 * means EC2_MAX_IDS_PER_CALL.  plan is overwritten; free with
 * tagging_plan_free.
 */
void tagging_plan_build(const struct tagging_item *items, size_t n,
    const char *key, size_t max_ids, struct tagging_plan *plan);
void tagging_plan_free(struct tagging_plan *plan);

/* "CreateTags" / "DeleteTags". */
const char *tagging_op_name(enum tagging_op op);

struct tagging_opts {
	const struct config *cfg;
	const char *profile;	/* --profile: the default target's profile */
	const char *action;	/* "window.assign", "owner.clear", ... */
	const char *requested;	/* the value asked for (audit), or NULL */
};

/*
 * Runs every call of plan, audited: opens the audit log; sets up each
 * target's credentials and asks STS GetCallerIdentity who they are; writes
 * the intent entry; sends the calls (a target whose identity is unknown
 * gets none: its calls fail with the STS error); writes the result entry.
 * Fills each call's outcome.
 *
 * Returns 0 when every call succeeded and both entries were written.
 * Returns -1 with *err otherwise; *acted says whether any call was sent
 * (0: refused, nothing changed - audit log unwritable, a target that
 * cannot be set up).  Never writes a secret.
 */
int tagging_apply(const struct tagging_opts *o, struct tagging_plan *plan,
    int *acted, char **err);

/*
 * After tagging_apply: writes the tag values that succeeded into the
 * cache rows of those instances (each changed target replaced in one
 * transaction, the rows' fetch times and the target's age kept), so the
 * console and `patchdeck instances` show them without a sync.  Only the
 * tag changes; everything else stays as the last sync saw it.
 */
int tagging_update_cache(struct cache *c, const struct config *cfg,
    const struct tagging_plan *plan, char **err);

#endif
