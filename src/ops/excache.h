/*
 * excache.h - the exception records as the cache keeps them (what the last
 * Scan of the exceptions table saw), for the instances' tag state and the
 * console's exceptions view.
 *
 * The cache stores one "source" per table (cache_replace_exceptions) and
 * the meta key "exceptions:SOURCE" with the time of that Scan, so a table
 * that was read and found empty is told apart from one never read: only
 * records that were actually fetched may call a tag "unapproved".
 */
#ifndef PATCHDECK_EXCACHE_H
#define PATCHDECK_EXCACHE_H

#include <stddef.h>

#include "fleet/exception.h"

struct cache;

/* The records of one table, owned, sorted by instance_id then
 * exception_id (the cache's order), so per-instance lookups can bisect. */
struct excache {
	struct fleet_exception *v;
	size_t n;
	long long fetched_at;	/* of the last Scan stored; 0: never */
};

/*
 * Loads the cached records of table into *x (overwritten; free with
 * excache_done).  Never fetched: 0 with x->fetched_at 0 and no records.
 * -1 with *err when the cache cannot be read; *x is then empty.
 */
int excache_load(struct cache *c, const char *table, struct excache *x,
    char **err);
void excache_done(struct excache *x);

/* Replaces the cached records of table with v[0..n) fetched at now. */
int excache_store(struct cache *c, const char *table,
    const struct fleet_exception *v, size_t n, long long now, char **err);

/* The records of instance_id: [*first, *first + count) of x->v. */
size_t excache_of(const struct excache *x, const char *instance_id,
    size_t *first);

#endif
