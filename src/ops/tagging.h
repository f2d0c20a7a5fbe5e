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
 *   tagging_start()       the audited execution on the caller's loop: audit
 *                         intent, the calls (all at once), audit result;
 *                         the console uses it.  Refuses to act when the
 *                         audit log cannot be written.
 *   tagging_apply()       the same on a loop of its own, waited for (the
 *                         CLI).
 *
 * tagging_items_from_rows() turns cached instances into items: which
 * configured target each one was synced under (the CLI and the console
 * both pick instances from the cache).
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
struct cache_target;
struct fleet_instance;
struct net;

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

/*
 * Whether v can be an owner tag's value: typed by a person (the shell's
 * `owner set`, the console's `o`); AWS takes 256 Unicode characters, and
 * nothing patchdeck writes should carry control bytes.  1, or 0 with
 * *why (caller frees) saying what is wrong.
 */
int tagging_owner_ok(const char *v, char **why);

/* "CreateTags" / "DeleteTags". */
const char *tagging_op_name(enum tagging_op op);

struct tagging_opts {
	const struct config *cfg;
	const char *profile;	/* --profile: the default target's profile */
	const char *action;	/* "window.assign", "owner.clear", ... */
	const char *requested;	/* the value asked for (audit), or NULL */
};

/*
 * Items for rows (cached instances), value for each (NULL: remove).  The
 * target of a row is the configured target that synced its account and
 * region: the first of ts ("NAME/REGION", as sync names cache targets)
 * with the row's account and region whose NAME is still in cfg.  Rows
 * without one (their target left the configuration) get no item.  items
 * come in row order; a row repeated (the same instance synced under two
 * targets) gives the same target, and tagging_plan_build keeps it once.
 *
 * out->v[k].id and .region borrow from rows[out->row[k]], .value is value
 * (borrowed); the target names are owned by out.  rows, ts and value
 * must outlive out; free it with tagging_items_free.
 */
struct tagging_items {
	struct tagging_item *v;
	size_t n;
	size_t *row;		/* v[k] is of rows[row[k]] */
	char **targets;		/* owned: v[k].target */
};
void tagging_items_from_rows(const struct config *cfg,
    const struct cache_target *ts, size_t nts,
    const struct fleet_instance *const *rows, size_t nrows,
    const char *value, struct tagging_items *out);
void tagging_items_free(struct tagging_items *items);

/*
 * done runs once, from net_poll(), when the work has ended: rc 0 when
 * every call succeeded and both audit entries were written, else -1 with
 * err saying why (borrowed: valid until tagging_free); acted says whether
 * any call was sent (0: refused, nothing changed).  Each call's outcome is
 * in the plan by then.  done runs from a timer of its own, after every
 * AWS callback has returned, so it may call tagging_free() on the handle.
 */
typedef void (*tagging_done_fn)(void *arg, int rc, int acted,
    const char *err);

struct tagging;

/*
 * Starts every call of plan on net, audited: opens the audit log; sets up
 * each target's credentials and asks STS GetCallerIdentity who they are;
 * writes the intent entry; sends the calls (a target whose identity is
 * unknown gets none: its calls fail with the STS error); writes the
 * result entry; fills each call's outcome; calls done.  Never writes a
 * secret.
 *
 * Returns NULL with *err (caller frees) when refused before anything was
 * sent or written: audit log unwritable, a target not configured or that
 * cannot be set up; done is not called then.
 *
 * o is used only during the call (what the audit needs is copied); plan
 * must outlive the handle.  Free the handle with tagging_free() once done
 * ran.  To abandon the work (the console quits), free the net first,
 * which cancels every call without callbacks, then the handle: the
 * audit log then gets a result entry with the outcome "abandoned" for an
 * intent already written (the calls sent may or may not have been made).
 */
struct tagging *tagging_start(struct net *net, const struct tagging_opts *o,
    struct tagging_plan *plan, tagging_done_fn done, void *arg, char **err);
void tagging_free(struct tagging *t);
/* Non-zero once done has run. */
int tagging_finished(const struct tagging *t);

/*
 * tagging_start on a loop of its own, waited for: returns 0 when every
 * call succeeded and both entries were written, else -1 with *err
 * (caller frees) and *acted as done would have had them.
 */
int tagging_apply(const struct tagging_opts *o, struct tagging_plan *plan,
    int *acted, char **err);

/*
 * After tagging_apply or tagging_start's done: writes the tag values that succeeded into the
 * cache rows of those instances (each changed target replaced in one
 * transaction, the rows' fetch times and the target's age kept), so the
 * console and `patchdeck instances` show them without a sync.  Only the
 * tag changes; everything else stays as the last sync saw it.
 */
int tagging_update_cache(struct cache *c, const struct config *cfg,
    const struct tagging_plan *plan, char **err);

#endif
