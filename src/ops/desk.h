/*
 * desk.h - what the console works on, opened and closed in one place: the
 * configuration, the cache, the network loop and, from the AWS
 * configuration, the target/region pairs it syncs.  ui/ reaches them
 * through this header and the ops functions that take them (DESIGN.md
 * section 2): it never includes aws/ or cache/.
 *
 *   desk_open()     loads the configuration, opens the cache (tag keys
 *                   set from the configuration), makes the loop, and
 *                   names the target/region pairs
 *   d->net          the one loop: ops *_start() functions run on it;
 *                   desk_poll() is the console's one wait
 *   d->cache        handed to ops functions (inventory_load, excache_*,
 *                   sync_start, exsync_run_load, ...) as it is
 *   desk_close()    in the order the loop asks: transfers dropped first
 *
 * A view with background work: start it with an ops *_start(d->net, ...)
 * (or ui_net(ui), the same loop), keep the handle in struct app, and free
 * it after the loop (app.c).
 */
#ifndef PATCHDECK_DESK_H
#define PATCHDECK_DESK_H

#include <stddef.h>

#include "ops/config.h"

struct cache;
struct cache_target;
struct net;

/* The global options the desk follows (strings borrowed: they must
 * outlive the desk). */
struct desk_opts {
	const char *config;	/* --config; NULL: the default file */
	const char *cache;	/* --cache; NULL: $XDG_CACHE_HOME/... */
	const char *profile;	/* --profile; NULL: AWS_PROFILE, default */
	const char *region;	/* --region; NULL: each target's */
	int read_only;		/* --read-only */
	int dry_run;		/* --dry-run */
};

struct desk {
	/* Loaded by desk_open, freed by desk_close.  The storage is the
	 * caller's (struct app keeps it by value, where the views read it
	 * as a->cfg); the desk owns what is in it. */
	struct config *cfg;
	struct cache *cache;	/* owned */
	struct net *net;	/* owned */
	const char *profile;	/* borrowed from the options: --profile */
	const char *region;	/* --region */
	int dry_run;		/* --dry-run: changes only show their calls */
	/* NULL when changes to AWS state are allowed, else where read-only
	 * mode comes from (config_read_only_why()): the console's refusal
	 * names it. */
	const char *read_only_why;
	/* "prod/us-east-1, prod/eu-west-1" (a target without regions: its
	 * profile's region, "?" when it has none), the first and how many
	 * more ("prod/us-east-1 +5 more"), and the count of pairs.  Owned,
	 * never NULL after desk_open. */
	char *targets;
	char *targets_short;
	size_t ntargets;
};

/*
 * Opens everything, into *d and *cfg (both overwritten).  Returns 0, or
 * -1 with *err (caller frees; it names the file) and nothing left open.
 * *notice is set (caller frees) when opening the cache had something to
 * say (a damaged file moved aside), else NULL; what the first loads
 * notice comes later from desk_take_notice().
 */
int desk_open(struct desk *d, struct config *cfg, const struct desk_opts *o,
    char **notice, char **err);

/* Frees what desk_open made, the loop first (so no callback runs into
 * what goes after it), then the cache and the configuration.  Jobs on
 * the loop must be freed by their owners between net's end and the
 * cache's: use desk_close_net() first when there are such.  Safe on a
 * zeroed desk and twice. */
void desk_close(struct desk *d);
/* Only the loop: every transfer and timer is dropped (their drop
 * functions run, not their callbacks).  desk_close() does it too. */
void desk_close_net(struct desk *d);

/* The console's one wait: the network, plus fds[0..nfds) (nfds <= 8),
 * at most timeout_ms.  Returns bit i set when fds[i] is readable. */
unsigned desk_poll(struct desk *d, const int *fds, size_t nfds,
    long timeout_ms);

/* What the cache noticed while loading (rows skipped, ...) since the
 * last call: a message (caller frees) or NULL. */
char *desk_take_notice(struct desk *d);

/* The targets as the cache last synced them (account and region each),
 * for tagging_items_from_rows().  0 with *ts (free with
 * desk_targets_free) and *n, or -1 with *err (caller frees). */
int desk_targets(struct desk *d, struct cache_target **ts, size_t *n,
    char **err);
void desk_targets_free(struct cache_target *ts, size_t n);

#endif
