/*
 * fix.c - see fix.h.
 */
#include "fleet/fix.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/precheck.h"
#include "util/util.h"

static const char *const kind_names[FLEET_FIX_NKINDS] = {
	[FLEET_FIX_DISK] = "disk",
	[FLEET_FIX_REPO] = "repo",
	[FLEET_FIX_PKG_LOCK] = "pkg_lock",
};

/* Each pre-check failure kind: its fix, or -1 and what to do instead. */
static const struct {
	const char *failure;
	int fix;
	const char *instead;
} failures[] = {
	{ "disk", FLEET_FIX_DISK, NULL },
	{ "repo_unreachable", FLEET_FIX_REPO, NULL },
	{ "repo_url", FLEET_FIX_REPO, NULL },
	{ "pkg_lock", FLEET_FIX_PKG_LOCK, NULL },
	{ "reboot_pending", -1, "reboot the instance (the run reboots it "
	    "when its patch needs one)" },
	{ "agent_offline", -1, "a fix travels over SSM, which cannot reach "
	    "it: start the instance (patchdeck prepare) or repair its SSM "
	    "agent" },
	{ "status_check", -1, "EC2 reports the instance or its host "
	    "impaired: look at its status checks in EC2" },
	{ "no_result", -1, "the pre-check gave no result to act on: look "
	    "at its reason and run the pre-check again" },
};

const char *
fleet_fix_kind_name(enum fleet_fix_kind k)
{
	if ((unsigned)k < FLEET_FIX_NKINDS)
		return kind_names[k];
	return "?";
}

int
fleet_fix_kind_parse(const char *name, enum fleet_fix_kind *k, char **err)
{
	size_t i;

	for (i = 0; i < FLEET_FIX_NKINDS; i++) {
		if (strcmp(name, kind_names[i]) == 0) {
			*k = (enum fleet_fix_kind)i;
			return 0;
		}
	}
	for (i = 0; i < sizeof failures / sizeof failures[0]; i++) {
		if (strcmp(name, failures[i].failure) == 0) {
			if (failures[i].fix >= 0) {
				*k = (enum fleet_fix_kind)failures[i].fix;
				return 0;
			}
			util_seterr(err, "%s has no fix: %s", name,
			    failures[i].instead);
			return -1;
		}
	}
	util_seterr(err, "'%.40s' is not a fix kind (disk, repo, pkg_lock; "
	    "or the failure repo_unreachable, repo_url)", name);
	return -1;
}

int
fleet_fix_for_failure(const char *failure, enum fleet_fix_kind *k,
    char **why)
{
	size_t i;

	for (i = 0; i < sizeof failures / sizeof failures[0]; i++) {
		if (strcmp(failure, failures[i].failure) != 0)
			continue;
		if (failures[i].fix < 0) {
			util_seterr(why, "%s has no fix: %s", failure,
			    failures[i].instead);
			return -1;
		}
		*k = (enum fleet_fix_kind)failures[i].fix;
		return 0;
	}
	util_seterr(why, "'%.40s' is not a pre-check failure kind", failure);
	return -1;
}

int
fleet_fix_repairs(enum fleet_fix_kind k, const char *failure)
{
	size_t i;

	for (i = 0; i < sizeof failures / sizeof failures[0]; i++)
		if (strcmp(failure, failures[i].failure) == 0)
			return failures[i].fix == (int)k;
	return 0;
}

unsigned
fleet_fix_repairs_mask(enum fleet_fix_kind k)
{
	enum fleet_precheck_kind pk;
	unsigned m = 0;
	size_t i;

	for (i = 0; i < sizeof failures / sizeof failures[0]; i++)
		if (failures[i].fix == (int)k &&
		    fleet_precheck_kind_parse(failures[i].failure, &pk) == 0)
			m |= 1u << pk;
	return m;
}
