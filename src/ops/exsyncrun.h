/*
 * exsyncrun.h - running an exceptions sync (exsync.h plans it): the plan
 * made from cached instances and the records, and the audited SNS alert,
 * shared by `patchdeck exceptions sync` and the console's `S`.
 *
 * The tag calls go through ops/tagging.h (tagging_apply for the CLI,
 * tagging_start on the console's loop), audited as "exceptions.sync";
 * the alert is audited as "exceptions.alert" with the topic, the subject
 * and the instance ids, before and after the Publish.
 */
#ifndef PATCHDECK_EXSYNCRUN_H
#define PATCHDECK_EXSYNCRUN_H

#include <stddef.h>

#include "fleet/date.h"
#include "fleet/exception.h"
#include "fleet/instance.h"
#include "ops/exsync.h"
#include "ops/tagging.h"

struct aws_client;
struct cache;
struct cache_target;
struct config;
struct net;

/* A plan and what it borrows from (owned, but for the instances). */
struct exsync_run {
	struct fleet_exception *recs;	/* taken at prepare */
	size_t nrecs;
	struct tagging_items items;
	const struct fleet_instance **rows, **insts;
	const char **targets;
	struct exsync_plan plan;
	char *subject, *body;		/* the alert; NULL: nothing to say */
	/* Set by exsync_run_load: the instances and targets it read. */
	struct fleet_instance *v;
	size_t n;
	struct cache_target *ts;
	size_t nts;
};

/*
 * Plans for the cached instances v[0..n) (borrowed: they must outlive r)
 * of the targets ts (as cache_targets gives them) against recs[0..nrecs)
 * (taken) at today.  Free with exsync_run_done.
 */
void exsync_run_prepare(struct exsync_run *r, const struct config *cfg,
    const struct cache_target *ts, size_t nts,
    const struct fleet_instance *v, size_t n, struct fleet_exception *recs,
    size_t nrecs, struct fleet_date today);
/*
 * The same for every cached instance: reads them and the targets from c
 * (r owns them).  recs are taken either way.  -1 with *err when the cache
 * cannot be read; r is then empty.
 */
int exsync_run_load(struct exsync_run *r, struct cache *c,
    const struct config *cfg, struct fleet_exception *recs, size_t nrecs,
    struct fleet_date today, char **err);
void exsync_run_done(struct exsync_run *r);

/* The alert's outcome: published (message_id) or not (err: one line
 * without a command prefix); audit_err when the result entry could not be
 * written.  Valid during the callback. */
struct exsync_alert_result {
	int published;
	const char *message_id;
	const char *err;
	const char *audit_err;
};
typedef void (*exsync_alert_fn)(void *arg,
    const struct exsync_alert_result *res);

struct exsync_alert;

/*
 * Publishes r's alert to topic with sns (on net), audited.  NULL with
 * *err (caller frees) when refused before anything was sent: the audit
 * log cannot be opened or written.  done runs once from a timer of its
 * own; free the handle after.  r must outlive the handle.
 */
struct exsync_alert *exsync_alert_start(struct net *net,
    struct aws_client *sns, const char *topic, const struct exsync_run *r,
    exsync_alert_fn done, void *arg, char **err);
void exsync_alert_free(struct exsync_alert *a);

#endif
