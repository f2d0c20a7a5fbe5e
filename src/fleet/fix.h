/*
 * fix.h - the fixes patchdeck offers for a failed pre-check (issue #9
 * point 5) and which failure each one repairs.  Pure names and mappings;
 * the PATCHDECK_FIX line the fix document prints is read in result.h.
 *
 * Fix kinds, as the CLI, the console and the document's Kind parameter
 * spell them:
 *
 *   disk      clean package caches, vacuum the journal     <- disk
 *   repo      rewrite repository URLs by [precheck] repo_map
 *                                       <- repo_unreachable, repo_url
 *   pkg_lock  finish or clear an interrupted transaction   <- pkg_lock
 *
 * The other pre-check failures (reboot_pending, agent_offline,
 * status_check, no_result) have no fix here: fleet_fix_for_failure says
 * why, so the operator is told what to do instead.
 */
#ifndef PATCHDECK_FLEET_FIX_H
#define PATCHDECK_FLEET_FIX_H

enum fleet_fix_kind {
	FLEET_FIX_DISK,
	FLEET_FIX_REPO,
	FLEET_FIX_PKG_LOCK,
	FLEET_FIX_NKINDS
};

/* "disk", "repo", "pkg_lock". */
const char *fleet_fix_kind_name(enum fleet_fix_kind k);

/*
 * The kind named name (exactly as above).  Returns 0 with *k, or -1 with
 * *err (caller frees) quoting name and listing the kinds.
 */
int fleet_fix_kind_parse(const char *name, enum fleet_fix_kind *k,
    char **err);

/*
 * The fix for a pre-check failure kind, by its name in the fixed set of
 * issue #9 point 4 ("disk", "repo_unreachable", "repo_url", "pkg_lock",
 * "reboot_pending", "agent_offline", "status_check", "no_result").
 * Returns 0 with *k when one exists; -1 with *why (caller frees) when the
 * failure has no fix (saying what to do instead) or is not a kind.
 */
int fleet_fix_for_failure(const char *failure, enum fleet_fix_kind *k,
    char **why);

/*
 * Whether a pre-check that failed with failure is repaired by kind k:
 * fleet_fix_for_failure gives k.
 */
int fleet_fix_repairs(enum fleet_fix_kind k, const char *failure);
/* The same as bits 1u << enum fleet_precheck_kind (fleet/precheck.h). */
unsigned fleet_fix_repairs_mask(enum fleet_fix_kind k);

#endif
