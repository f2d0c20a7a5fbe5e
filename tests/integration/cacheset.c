/*
 * cacheset.c - driver for test_hostile.sh: sets fields of one cached
 * instance through the cache's API (the instances table keeps each one as
 * a record blob, which SQL cannot edit field by field).
 *
 *   cacheset PATH ID FIELD=VALUE...
 *
 * Loads every instance, replaces the named string fields (id, account,
 * region, name, state, type, platform, platform_name, platform_version,
 * private_ip, public_ip, az, launch_time, ping, agent_version) of the one
 * whose id is ID, and writes its whole target back with
 * cache_replace_target(), keeping the target's last_ok.  The target is
 * the one whose account and region are the instance's (it is an error if
 * there is not exactly one).  VALUE is taken byte for byte; the window
 * and owner tag columns follow the default tag names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/cache.h"
#include "fleet/instance.h"
#include "util/util.h"

static char **
field(struct fleet_instance *in, const char *name, size_t len)
{
	static const char *const names[] = {
		"id", "account", "region", "name", "state", "type",
		"platform", "platform_name", "platform_version", "private_ip",
		"public_ip", "az", "launch_time", "ping", "agent_version",
	};
	char **const fields[] = {
		&in->id, &in->account, &in->region, &in->name, &in->state,
		&in->type, &in->platform, &in->platform_name,
		&in->platform_version, &in->private_ip, &in->public_ip,
		&in->az, &in->launch_time, &in->ping, &in->agent_version,
	};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strlen(names[i]) == len && strncmp(names[i], name, len) == 0)
			return fields[i];
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	struct cache *c = NULL;
	struct cache_target *t = NULL, *target = NULL;
	struct fleet_instance *v = NULL, *mine, edited;
	char *notice = NULL, *err = NULL;
	const char *eq;
	char **f;
	size_t nt = 0, n = 0, i, k, found = 0, nmine = 0;
	int a;

	if (argc < 4) {
		fprintf(stderr, "usage: cacheset PATH ID FIELD=VALUE...\n");
		return 2;
	}
	if (cache_open(argv[1], &c, &notice, &err) == -1) {
		fprintf(stderr, "cacheset: %s\n", err);
		return 1;
	}
	if (notice != NULL) {
		fprintf(stderr, "cacheset: %s\n", notice);
		return 1;
	}
	if (cache_targets(c, 0, &t, &nt, &err) == -1 ||
	    cache_load_instances(c, &v, &n, &err) == -1) {
		fprintf(stderr, "cacheset: %s\n", err);
		return 1;
	}
	notice = cache_take_notice(c);
	if (notice != NULL) {
		fprintf(stderr, "cacheset: %s\n", notice);
		return 1;
	}
	for (i = 0; i < n && strcmp(v[i].id, argv[2]) != 0; i++)
		;
	if (i == n) {
		fprintf(stderr, "cacheset: no instance %s\n", argv[2]);
		return 1;
	}
	/* Loaded instances are one block each: edit a plain copy. */
	fleet_instance_copy(&edited, &v[i]);
	for (a = 3; a < argc; a++) {
		eq = strchr(argv[a], '=');
		f = eq != NULL ? field(&edited, argv[a],
		    (size_t)(eq - argv[a])) : NULL;
		if (f == NULL) {
			fprintf(stderr, "cacheset: not FIELD=VALUE: %s\n",
			    argv[a]);
			return 2;
		}
		free(*f);
		*f = xstrdup(eq + 1);
	}
	for (k = 0; k < nt; k++) {
		if (strcmp(t[k].account, v[i].account) == 0 &&
		    strcmp(t[k].region, v[i].region) == 0) {
			target = &t[k];
			found++;
		}
	}
	if (found != 1) {
		fprintf(stderr, "cacheset: %zu targets hold account %s region "
		    "%s\n", found, v[i].account, v[i].region);
		return 1;
	}
	/* The target's rows, in their order, the edited one replaced. */
	mine = xcalloc(n, sizeof *mine);
	for (k = 0; k < n; k++) {
		if (strcmp(v[k].account, target->account) != 0 ||
		    strcmp(v[k].region, target->region) != 0)
			continue;
		mine[nmine++] = k == i ? edited : v[k];
	}
	if (cache_replace_target(c, target->name, target->account,
	    target->region, mine, nmine, target->last_ok, &err) == -1) {
		fprintf(stderr, "cacheset: %s\n", err);
		return 1;
	}
	free(mine);
	fleet_instance_done(&edited);
	cache_instances_free(v, n);
	cache_targets_free(t, nt);
	cache_close(c);
	return 0;
}
