/*
 * cachekill.c - driver for test_cache_kill.sh.
 *
 *   cachekill fill PATH N TARGETS   replaces each target with generation
 *       g + 1, g + 2, ... forever (g = what the cache holds), N instances
 *       each, every instance tagged gen=G; prints "committed G" (flushed)
 *       once every target holds G.
 *   cachekill check PATH N          opens the cache (a notice = the file
 *       was corrupt = failure) and checks that every target holds exactly
 *       N instances of one generation; prints "gens G1 G2 ..." per target.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/cache.h"
#include "fleet/instance.h"
#include "util/util.h"

static int
check(const char *path, size_t want, int print)
{
	struct cache *c = NULL;
	struct cache_target *t = NULL;
	struct fleet_instance *v = NULL;
	char *notice = NULL, *err = NULL;
	size_t nt = 0, n = 0, i, j, count;
	long gen, g;
	int bad = 0;

	if (cache_open(path, &c, &notice, &err) == -1) {
		fprintf(stderr, "cachekill: %s\n", err);
		return -1;
	}
	if (notice != NULL) {
		fprintf(stderr, "cachekill: corrupt after a kill: %s\n", notice);
		return -1;
	}
	if (cache_targets(c, 0, &t, &nt, &err) == -1 ||
	    cache_load_instances(c, &v, &n, &err) == -1) {
		fprintf(stderr, "cachekill: %s\n", err);
		return -1;
	}
	if (print)
		printf("gens");
	for (i = 0; i < nt; i++) {
		gen = -1;
		count = 0;
		for (j = 0; j < n; j++) {
			const char *tg = fleet_instance_tag(&v[j], "target");
			const char *gs = fleet_instance_tag(&v[j], "gen");

			if (tg == NULL || gs == NULL ||
			    strcmp(tg, t[i].name) != 0)
				continue;
			g = strtol(gs, NULL, 10);
			if (gen == -1)
				gen = g;
			if (g != gen || v[j].fetched_at != g) {
				fprintf(stderr, "cachekill: target %s mixes "
				    "generations %ld and %ld\n", t[i].name,
				    gen, g);
				bad = 1;
			}
			count++;
		}
		if (count != want || t[i].ninstances != want ||
		    t[i].last_ok != gen) {
			fprintf(stderr, "cachekill: target %s holds %zu rows "
			    "(want %zu), generation %ld, last_ok %lld\n",
			    t[i].name, count, want, gen, t[i].last_ok);
			bad = 1;
		}
		if (print)
			printf(" %ld", gen);
	}
	if (print)
		printf("\n");
	cache_targets_free(t, nt);
	cache_instances_free(v, n);
	cache_close(c);
	return bad ? -1 : 0;
}

static int
fill(const char *path, size_t n, int ntargets)
{
	struct cache *c = NULL;
	struct cache_target *t = NULL;
	struct fleet_instance *v;
	char *notice = NULL, *err = NULL;
	char name[32];
	size_t nt = 0, i;
	long long gen = 0;
	int k;

	if (cache_open(path, &c, &notice, &err) == -1 ||
	    cache_targets(c, 0, &t, &nt, &err) == -1) {
		fprintf(stderr, "cachekill: %s\n", err);
		return -1;
	}
	if (notice != NULL) {
		fprintf(stderr, "cachekill: %s\n", notice);
		return -1;
	}
	for (i = 0; i < nt; i++)
		gen = t[i].last_ok > gen ? t[i].last_ok : gen;
	cache_targets_free(t, nt);
	v = xcalloc(n, sizeof *v);
	for (i = 0; i < n; i++) {
		v[i].id = xasprintf("i-%017zx", i * 2654435761u % 1000000007u);
		v[i].account = xstrdup("111111111111");
		v[i].region = xstrdup("eu-west-1");
		v[i].name = xasprintf("web-%zu", i);
		v[i].state = xstrdup("running");
		v[i].ping = xstrdup("Online");
		v[i].ntags = 10;
		v[i].tags = xcalloc(10, sizeof *v[i].tags);
		for (k = 0; k < 10; k++) {
			v[i].tags[k].key = xasprintf("key-%d", k);
			v[i].tags[k].value = xasprintf("value-%zu-%d", i, k);
		}
		free(v[i].tags[0].key);
		v[i].tags[0].key = xstrdup("gen");
		free(v[i].tags[1].key);
		v[i].tags[1].key = xstrdup("target");
	}
	for (;;) {
		gen++;
		for (k = 0; k < ntargets; k++) {
			snprintf(name, sizeof name, "t%d", k);
			for (i = 0; i < n; i++) {
				free(v[i].tags[0].value);
				v[i].tags[0].value = xasprintf("%lld", gen);
				free(v[i].tags[1].value);
				v[i].tags[1].value = xstrdup(name);
				v[i].fetched_at = gen;
			}
			if (cache_replace_target(c, name, "111111111111",
			    "eu-west-1", v, n, gen, &err) == -1) {
				fprintf(stderr, "cachekill: %s\n", err);
				return -1;
			}
		}
		printf("committed %lld\n", gen);
		fflush(stdout);
	}
}

int
main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "fill") == 0)
		return fill(argv[2], (size_t)atol(argv[3]), atoi(argv[4])) ==
		    0 ? 0 : 1;
	if (argc == 4 && strcmp(argv[1], "check") == 0)
		return check(argv[2], (size_t)atol(argv[3]), 1) == 0 ? 0 : 1;
	fprintf(stderr, "usage: cachekill fill PATH N TARGETS | "
	    "check PATH N\n");
	return 2;
}
