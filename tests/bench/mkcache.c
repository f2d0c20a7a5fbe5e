/*
 * mkcache.c - writes a cache of generated instances for the benches.
 *
 *   mkcache N CACHE CONFIG
 *
 * CACHE gets N instances (benchgen.h) split over the six account/region
 * targets a mid-size estate would have, each stored with
 * cache_replace_target() as a sync would; CONFIG gets the three windows
 * their PatchWindow tags name (and no [target], so nothing is fetched).
 * Above MKCACHE_BATCH_ABOVE instances (an estate of a million), targets
 * of MKCACHE_BATCH instances each (an account and region per target),
 * generated and stored one at a time: the whole fleet in memory at once
 * would take gigabytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchgen.h"
#include "cache/cache.h"

#define MKCACHE_BATCH_ABOVE 200000
#define MKCACHE_BATCH 50000

/* The large estate: targets of MKCACHE_BATCH instances.  Returns 0. */
static int
batches(struct cache *c, size_t n, long long now)
{
	static const char *const regions[] = { "us-east-1", "eu-west-1",
	    "ap-southeast-2", "us-west-2" };
	struct fleet_instance *v = xcalloc(MKCACHE_BATCH, sizeof *v);
	char *err = NULL, *target, account[24];
	size_t b, i, k, np;

	benchgen_state = 88172645463325252ULL ^ ((uint64_t)1 << 17);
	for (b = 0; b * MKCACHE_BATCH < n; b++) {
		np = n - b * MKCACHE_BATCH < MKCACHE_BATCH ?
		    n - b * MKCACHE_BATCH : MKCACHE_BATCH;
		snprintf(account, sizeof account, "%012zu",
		    100000000000 + b / 4);
		for (k = 0; k < np; k++) {
			i = b * MKCACHE_BATCH + k;
			benchgen_instance(&v[k], i, now);
			free(v[k].account);
			free(v[k].region);
			free(v[k].az);
			v[k].account = xstrdup(account);
			v[k].region = xstrdup(regions[b % 4]);
			v[k].az = xasprintf("%sa", v[k].region);
		}
		target = xasprintf("bench-%s-%s", account, regions[b % 4]);
		if (cache_replace_target(c, target, account, regions[b % 4], v,
		    np, now, &err) != 0) {
			fprintf(stderr, "mkcache: %s\n", err);
			return 1;
		}
		free(target);
		for (k = 0; k < np; k++)
			fleet_instance_done(&v[k]);
	}
	free(v);
	return 0;
}

int
main(int argc, char **argv)
{
	struct fleet_instance *v, *part;
	struct cache *c = NULL;
	char *err = NULL, *notice = NULL, *target;
	size_t n, i, k, np;
	long long now = (long long)time(NULL), t0;
	FILE *f;

	if (argc != 4) {
		fprintf(stderr, "usage: mkcache N CACHE CONFIG\n");
		return 2;
	}
	n = strtoul(argv[1], NULL, 10);
	f = fopen(argv[3], "w");
	if (f == NULL || fputs(BENCH_CONFIG, f) == EOF || fclose(f) != 0) {
		fprintf(stderr, "mkcache: cannot write %s\n", argv[3]);
		return 1;
	}
	if (cache_open(argv[2], &c, &notice, &err) != 0) {
		fprintf(stderr, "mkcache: %s\n", err);
		return 1;
	}
	free(notice);
	t0 = bench_now_ns();
	if (n > MKCACHE_BATCH_ABOVE) {
		if (batches(c, n, now) != 0)
			return 1;
		printf("mkcache: %zu instances in %s (%zu targets, %.1f s)\n",
		    n, argv[2], (n + MKCACHE_BATCH - 1) / MKCACHE_BATCH,
		    (double)(bench_now_ns() - t0) / 1e9);
		cache_close(c);
		return 0;
	}
	v = benchgen_fleet(n, 1, now);
	/* benchgen puts instance i in account i % 3, region (i / 3) % 2:
	 * group them by target as a sync of each would. */
	part = xcalloc(n ? n : 1, sizeof *part);
	for (k = 0; k < 6; k++) {
		np = 0;
		for (i = 0; i < n; i++) {
			if (i % 3 == k % 3 && (i / 3) % 2 == k / 3)
				part[np++] = v[i];
		}
		if (np == 0)
			continue;
		target = xasprintf("bench-%s-%s", part[0].account,
		    part[0].region);
		if (cache_replace_target(c, target, part[0].account,
		    part[0].region, part, np, now, &err) != 0) {
			fprintf(stderr, "mkcache: %s\n", err);
			return 1;
		}
		free(target);
	}
	printf("mkcache: %zu instances in %s (%.1f s)\n", n, argv[2],
	    (double)(bench_now_ns() - t0) / 1e9);
	free(part);
	for (i = 0; i < n; i++)
		fleet_instance_done(&v[i]);
	free(v);
	cache_close(c);
	return 0;
}
