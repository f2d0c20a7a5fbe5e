/*
 * exsync.h - exception sync (DESIGN.md sections 1, 4 and 5): make the
 * PatchException tags of the fleet follow the approved records of the
 * exceptions table.  The job a scheduled Lambda used to do.
 *
 * exsync_plan_build() is pure: records, cached instances (with their tags
 * and the configured target each was synced under), today and the tag key
 * in; the differences and the fewest tag calls out.  The rules:
 *
 *   - An instance with a live record (APPROVED, starts <= today <= ends)
 *     must carry the tag "STARTS..ENDS" of that record.  With several live
 *     records, the one ending last wins (it keeps the instance out of the
 *     run longest, which is what every one of them approved); on equal
 *     ends the one starting first, then the smallest exception_id, so the
 *     choice never depends on the order DynamoDB returns them in.  A
 *     missing tag is SET, a different one CHANGED.
 *   - An instance carrying the tag with no live record has it REMOVED
 *     (DeleteTags): expired and upcoming approvals, revoked ones, and tags
 *     nobody approved.
 *   - UNAPPROVED: the instance carries a tag that no APPROVED record for it
 *     covers (record range contains the tag's range), or a tag that is not
 *     a valid range at all.  Such tags are not kept: the tag follows the
 *     approvals, whoever put it there; the alert names the instance, its
 *     Owner tag and the value so the owner knows why it went and can ask
 *     for an exception.  A tag on an instance with a live record is still
 *     unapproved when the live record does not cover it (someone widened
 *     it by hand); it is changed to the approved range and alerted.
 *     Exception to the rule: a tag covered by a REVOKED record of the
 *     instance is removed without an alert, since an approver put it there
 *     (through sync) and another approver took it back: nothing to chase.
 *   - Terminated instances are left alone (their tags die with them).
 *
 * Records are trusted only as far as fleet_exception_check() allows
 * (decided by someone other than the requester, well-formed dates within
 * exception_max_days): an invalid record keeps nothing live, covers no
 * tag and excuses no removal; every invalid record is listed (invalid[])
 * with why, for the output and the alert.
 *
 * Records for instances not in the inventory change nothing (they may
 * belong to an account not configured here); they are counted.
 * Running the plan and planning again on the result gives an empty plan.
 */
#ifndef PATCHDECK_EXSYNC_H
#define PATCHDECK_EXSYNC_H

#include <stddef.h>

#include "fleet/date.h"
#include "fleet/exception.h"
#include "fleet/instance.h"
#include "ops/tagging.h"

enum exsync_kind { EXSYNC_SET, EXSYNC_CHANGE, EXSYNC_REMOVE };

/* One instance whose tag changes.  Pointers borrow from the inputs. */
struct exsync_change {
	enum exsync_kind kind;
	const struct fleet_instance *inst;
	const char *target;			/* configured target name */
	const char *old_value;			/* the tag now; NULL: absent */
	char value[FLEET_EXCEPTION_RANGE_LEN + 1]; /* new; "" for REMOVE */
	const struct fleet_exception *record;	/* the live record, or NULL */
	int unapproved;				/* old_value backed by nothing */
};

/* A record that fails fleet_exception_check(), and why. */
struct exsync_invalid {
	const struct fleet_exception *record;	/* borrowed */
	char why[FLEET_EXCEPTION_WHY_LEN];
};

struct exsync_plan {
	struct exsync_change *changes;	/* instance order */
	size_t nchanges;
	size_t nset, nchange, nremove, nunapproved;
	size_t nlive;			/* instances with a live record */
	size_t norphan_records;		/* records of no instance given */
	struct exsync_invalid *invalid;	/* instance, then exception id */
	size_t ninvalid;
	/* CreateTags/DeleteTags, grouped: by target and region, then the
	 * CreateTags by value, then the DeleteTags. */
	struct tagging_plan calls;
};

/*
 * Plans for insts[0..n) (targets[k] the configured target of insts[k];
 * the same id, account and region given twice counts once, the first
 * wins) against recs[0..nrecs).  max_days is exception_max_days; key is
 * the exception tag; max_ids as tagging_plan_build (0: EC2's limit).
 * plan is overwritten; inputs must outlive it; free with exsync_plan_free.
 */
void exsync_plan_build(const struct fleet_exception *recs, size_t nrecs,
    const struct fleet_instance *const *insts, const char *const *targets,
    size_t n, struct fleet_date today, int max_days, const char *key,
    size_t max_ids, struct exsync_plan *plan);
void exsync_plan_free(struct exsync_plan *plan);

/* "set", "change", "remove". */
const char *exsync_kind_name(enum exsync_kind kind);

/*
 * The alert for the unapproved changes and the invalid records of plan
 * (neither: returns -1 and sets nothing).  *subject (under SNS's 100
 * characters): "patchdeck: N instances carry an unapproved patch
 * exception", "patchdeck: N invalid exception records", or both counts;
 * *body: one line per instance, "ID  name=...  account=...  region=...
 * KEY=VALUE  OWNER_KEY=OWNER  -> removed|changed to ...", then one per
 * invalid record, "EXCEPTION_ID  instance=...  status=...
 * requested_by=...  decided_by=...  -> invalid: WHY"; every outside
 * value escaped (control and bidi characters shown as \x.. / \u....),
 * since the message lands in mail readers and terminals.  Both owned by
 * the caller.
 */
int exsync_alert_text(const struct exsync_plan *plan, const char *key,
    const char *owner_key, char **subject, char **body);

#endif
