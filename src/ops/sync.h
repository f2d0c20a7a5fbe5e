/*
 * sync.h - the fleet inventory: for every target (account) and region of
 * the configuration, EC2 DescribeInstances and SSM
 * DescribeInstanceInformation, all fetched at once, merged per instance
 * and written to the cache, one transaction per target and region.  A
 * target that fails keeps its previous rows and is reported by name; the
 * others still sync.
 */
#ifndef PATCHDECK_SYNC_H
#define PATCHDECK_SYNC_H

#include <stddef.h>

struct net;
struct cache;
struct config;

enum sync_event {
	SYNC_STARTED,	/* a target began */
	SYNC_PROGRESS,	/* instances fetched so far (count) */
	SYNC_DONE,	/* written to the cache (count) */
	SYNC_FAILED	/* code and message say why; rows kept */
};

/* target is "NAME/REGION"; code/message only for SYNC_FAILED. */
typedef void (*sync_progress_fn)(void *arg, enum sync_event ev,
    const char *target, size_t count, const char *code,
    const char *message);
typedef void (*sync_done_fn)(void *arg, size_t ok, size_t failed,
    size_t instances);

struct sync_opts {
	const struct config *cfg;
	const char *profile;	/* --profile: the default target's profile */
	const char *region;	/* --region: overrides every target's */
	struct cache *cache;
	sync_progress_fn progress;
	sync_done_fn done;
	void *arg;
};

struct sync;

/*
 * Starts a sync in the background on net; progress and done run from
 * net_poll().  Returns NULL with *err when no target can even be set up
 * (a configuration error); a target that fails later is reported through
 * progress.  The returned handle is freed by sync_free() after done ran;
 * to abandon a sync, free the net first (that cancels its calls without
 * callbacks), then the sync.
 */
struct sync *sync_start(struct net *net, const struct sync_opts *o,
    char **err);
void sync_free(struct sync *s);
/* Non-zero once done has run. */
int sync_finished(const struct sync *s);
/* Targets that failed so far (all of them, when not finished: a sync cut
 * short did not succeed). */
size_t sync_failed_count(const struct sync *s);

#endif
