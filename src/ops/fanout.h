/*
 * fanout.h - for each target account and region, with its client.
 *
 * Every operation that acts across the fleet (sync, tagging, documents,
 * pre-checks, prepare, the run) goes over the same slots: one per
 * configured target and region, named "target/region" as the cache's
 * target column names them.  The regions of one target share its
 * target_access (session.h: the target's profile, its role when it names
 * one), so a target means the same account and credentials everywhere;
 * a slot's clients are made when first asked for, which needs no network.
 */
#ifndef PATCHDECK_FANOUT_H
#define PATCHDECK_FANOUT_H

#include <stddef.h>

struct net;
struct config;
struct config_target;
struct aws_client;
struct fanout_access;

struct fanout_slot {
	const struct config_target *target;	/* borrowed from the config */
	const char *name;	/* "target/region", as the cache's target column */
	const char *region;
	/* private: the target's shared access, the clients made so far */
	struct fanout_access *access;
	struct aws_client **clients;
};

struct fanout;

/*
 * Every configured target x region (region_opt overrides the list; a target
 * without regions uses its profile's region, else an error naming it).
 * profile_opt as --profile.  NULL with *err (caller frees) when a target
 * cannot be set up.  net outlives it.  Slots are in the configuration's
 * order, each target's regions in its order.  The fanout reads cfg only
 * here; slot->target points into it (valid while cfg is).
 */
struct fanout *fanout_open(struct net *net, const struct config *cfg,
    const char *profile_opt, const char *region_opt, char **err);
/*
 * Only the slots named (cache target names "target/region", e.g. from the
 * instances one acts on), in the order first named; a name given twice is
 * one slot.  The region is the name's, whether or not the configuration
 * lists it (a sync with --region names it so).  An unknown name (its
 * target is not configured, or it is not "target/region") is an error
 * naming it.  A target's access is opened for the region of its first
 * slot.  n 0 gives an empty fanout.
 */
struct fanout *fanout_open_named(struct net *net, const struct config *cfg,
    const char *profile_opt, const char *const *names, size_t n, char **err);
size_t fanout_count(const struct fanout *f);
/* i < fanout_count(f); owned by f. */
struct fanout_slot *fanout_slot(struct fanout *f, size_t i);
/* The slot named "target/region"; NULL if none. */
struct fanout_slot *fanout_find(struct fanout *f, const char *name);
/* The same by configured target name and region; NULL if none. */
struct fanout_slot *fanout_find_target(struct fanout *f, const char *target,
    const char *region);
/*
 * The slot's client for a service id ("EC2","SSM","STS","S3","ATHENA","SNS",
 * "DYNAMODB"), made on first use and owned by the slot.  NULL with *err
 * (caller frees) naming the slot.
 */
struct aws_client *fanout_client(struct fanout_slot *s, const char *service,
    char **err);
/* After the loop that used it is freed (transfers point at it). */
void fanout_free(struct fanout *f);

#endif
