/*
 * prechecks.h - pre-check results in the cache (issue #9 point 4): the
 * latest of each instance per target, with the time it was checked, so
 * the console and the plan show a member's last verdict and its age
 * without running a pre-check.
 *
 * Table prechecks(target, instance_id, checked_at INTEGER, failed INTEGER,
 * kinds INTEGER, reason, detail_json, output_tail, PRIMARY KEY(target,
 * instance_id)): a put replaces the instance's row only when the new one
 * is not older (checked_at), so a late writer of an old run cannot hide a
 * newer result.  Strings raw, as everywhere in the cache.
 */
#ifndef PATCHDECK_CACHE_PRECHECKS_H
#define PATCHDECK_CACHE_PRECHECKS_H

#include <stddef.h>

#include "cache/cache.h"

struct cache_precheck {
	char *target;		/* the cache target name, "target/region" */
	char *instance_id;
	long long checked_at;	/* Unix seconds the verdict was made */
	int failed;		/* 0 passed, 1 failed */
	unsigned kinds;		/* bit (1u << enum fleet_precheck_kind) */
	char *reason;		/* the failures' details ("" when passed) */
	char *detail_json;	/* the parsed checks and facts, a JSON object */
	char *output_tail;	/* the end of the command's output, raw */
};

/* Writes v[0..n) in one transaction (borrowed).  0, or -1 with *err. */
int cache_prechecks_put(struct cache *c, const struct cache_precheck *v,
    size_t n, char **err);
/* Every stored row (the latest per target and instance), by target and
 * instance id.  0 with *out (free with cache_prechecks_free; NULL when
 * *n is 0), or -1 with *err.  Strings owned, never NULL. */
int cache_prechecks_latest(struct cache *c, struct cache_precheck **out,
    size_t *n, char **err);
void cache_prechecks_free(struct cache_precheck *v, size_t n);

#endif
