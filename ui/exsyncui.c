/*
 * exsyncui.c - `S` in the exceptions view: `patchdeck exceptions sync`
 * from the console, with a confirmation showing the differences.
 *
 *   read-only?  refused by dispatch (S is UI_KEY_CHANGES_AWS); a dry run
 *   may still look (UI_KEY_DRY_RUN_READS)
 *   the table is read (Scan, on the console's loop) and stored in the
 *   cache; the plan is made from it and the cached instances
 *   (ops/exsyncrun.h, the same as the CLI's)
 *   nothing to do: said, nothing asked
 *   confirm: the counts, the first changes (UNAPPROVED marked), the alert
 *   and its topic, the number of calls; DRY RUN when --dry-run
 *   y: the tag calls (tagging_start, audited "exceptions.sync"), the cache
 *   rows updated, then the SNS alert (audited "exceptions.alert"); the
 *   outcome on the message line, and the views reloaded
 *
 * The run owns its copy of the instances (exsync_run_load reads them from
 * the cache), so a refresh that reloads the inventory meanwhile pulls
 * nothing away.
 */
#include "views.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "ops/exaction.h"
#include "ops/excache.h"
#include "ops/exsyncrun.h"
#include "util/util.h"

/* Changes named in the confirmation (which scrolls) before "and N more":
 * enough for any night a person reads through. */
#define SHOW_CHANGES 500

struct exsyncui_job {
	struct ui *ui;
	struct app *a;
	struct exsync_run run;
	struct exaction_scan *scan;
	struct tagging *t;
	struct exsync_alert *alert;
	struct buf outcome;	/* the message line at the end */
	int failed;
};


static void
sjob_free(struct exsyncui_job *j)
{
	if (j == NULL)
		return;
	exaction_scan_free(j->scan);
	tagging_free(j->t);
	exsync_alert_free(j->alert);
	exsync_run_done(&j->run);
	buf_free(&j->outcome);
	free(j);
}

/* The sync (one at a time) is a->exsync; it goes here when it ends, is
 * answered no, or the console quits (views.h). */
void
exsyncui_job_free(struct app *a)
{
	sjob_free(a->exsync);
	a->exsync = NULL;
}

/* The end: the outcome said, the views reloaded from the cache. */
static void
finish(struct exsyncui_job *j)
{
	ui_message(j->ui, j->failed, "exceptions sync: %s", j->outcome.data);
	app_reload(j->a, j->ui);
	app_refresh_exceptions(j->a, j->ui);
	if (j->a->exsync == j)
		j->a->exsync = NULL;
	sjob_free(j);
}

static void
on_alerted(void *arg, const struct exsync_alert_result *res)
{
	struct exsyncui_job *j = arg;

	if (res->published) {
		buf_printf(&j->outcome, "; alert published (message %s)",
		    res->message_id);
	} else {
		buf_printf(&j->outcome, "; %s", res->err);
		j->failed = 1;
	}
	if (res->audit_err != NULL) {
		buf_printf(&j->outcome, "; %s", res->audit_err);
		j->failed = 1;
	}
	finish(j);
}

static void
alert(struct exsyncui_job *j)
{
	const char *topic = j->a->cfg.sns_topic;
	struct aws_client *sns;
	char *err = NULL;

	if (j->run.subject == NULL) {
		finish(j);
		return;
	}
	if (topic == NULL || *topic == '\0') {
		buf_printf(&j->outcome, "; FAILED: %zu unapproved exception "
		    "tag(s) and %zu invalid record(s), but no sns_topic is "
		    "configured; no alert was sent", j->run.plan.nunapproved,
		    j->run.plan.ninvalid);
		j->failed = 1;
		finish(j);
		return;
	}
	sns = session_client(&j->a->exc.s, "SNS", &err);
	if (sns != NULL)
		j->alert = exsync_alert_start(j->a->net, sns, topic, &j->run,
		    on_alerted, j, &err);
	if (j->alert == NULL) {
		buf_printf(&j->outcome, "; alert: %s", err);
		free(err);
		j->failed = 1;
		finish(j);
	}
}

static void
on_tagged(void *arg, int rc, int acted, const char *err)
{
	struct exsyncui_job *j = arg;
	const struct tagging_plan *p = &j->run.plan.calls;
	char *cerr = NULL;
	size_t i, nfailed = 0;

	for (i = 0; i < p->ncalls; i++)
		nfailed += !p->calls[i].ok;
	buf_printf(&j->outcome, "%zu set, %zu changed, %zu removed",
	    j->run.plan.nset, j->run.plan.nchange, j->run.plan.nremove);
	if (rc == 0) {
		buf_printf(&j->outcome, " (%zu call%s, audited)", p->ncalls,
		    p->ncalls == 1 ? "" : "s");
	} else {
		buf_printf(&j->outcome, ": FAILED (%zu of %zu calls): %s",
		    nfailed, p->ncalls, err != NULL ? err : "?");
		j->failed = 1;
	}
	if (acted && tagging_update_cache(j->a->cache, &j->a->cfg, p,
	    &cerr) != 0) {
		buf_printf(&j->outcome, "; the cache was not updated: %s",
		    cerr);
		free(cerr);
	}
	alert(j);
}

/* --dry-run: the calls and the alert, on the message line. */
static void
show_dry_run(struct ui *ui, struct exsyncui_job *j)
{
	const struct tagging_plan *p = &j->run.plan.calls;
	struct buf b;
	size_t i, k;

	buf_init(&b);
	buf_puts(&b, "DRY RUN, nothing was changed; would call:");
	for (i = 0; i < p->ncalls; i++) {
		const struct tagging_call *c = &p->calls[i];

		buf_printf(&b, "%s %s %s/%s %s%s%s on", i ? ";" : "",
		    tagging_op_name(c->op), c->target, c->region, c->key,
		    c->value != NULL ? "=" : "", c->value != NULL ? c->value :
		    "");
		for (k = 0; k < c->nids; k++)
			buf_printf(&b, " %s", c->ids[k]);
	}
	if (j->run.subject != NULL)
		buf_printf(&b, "; would publish to %s: %s",
		    j->a->cfg.sns_topic != NULL ? j->a->cfg.sns_topic :
		    "(no sns_topic configured)", j->run.subject);
	ui_message(ui, 0, "%s", b.data);
	buf_free(&b);
}

static void
on_yes(struct ui *ui, void *arg)
{
	struct exsyncui_job *j = arg;
	struct tagging_opts o;
	char *err = NULL;

	if (j != j->a->exsync)
		return;
	if (j->a->desk.dry_run) {
		show_dry_run(ui, j);
		exsyncui_job_free(j->a);
		return;
	}
	if (j->run.plan.calls.ncalls == 0) {
		buf_puts(&j->outcome, "no tag to change");
		alert(j);
		return;
	}
	memset(&o, 0, sizeof o);
	o.cfg = &j->a->cfg;
	o.profile = j->a->desk.profile;
	o.action = "exceptions.sync";
	j->t = tagging_start(ui_net(ui), &o, &j->run.plan.calls, on_tagged, j,
	    &err);
	if (j->t == NULL) {
		ui_message(ui, 1, "exceptions sync: %s; nothing was changed",
		    err);
		free(err);
		exsyncui_job_free(j->a);
		return;
	}
	ui_message(ui, 0, "exceptions sync: applying %zu call%s...",
	    j->run.plan.calls.ncalls, j->run.plan.calls.ncalls == 1 ? "" :
	    "s");
}

/* "set i-0abc (web-1): (none) -> 2026-03-01..2026-03-09"; an
 * unapproved one says so first, where a cut line cannot hide it. */
static void
describe_change(struct buf *b, const struct exsync_change *c)
{
	buf_printf(b, "%s %s%s (%s): %s%s%s -> %s", exsync_kind_name(c->kind),
	    c->unapproved ? "UNAPPROVED " : "", c->inst->id, c->inst->name,
	    c->old_value != NULL ? "'" : "", c->old_value != NULL ?
	    c->old_value : "(none)", c->old_value != NULL ? "'" : "",
	    c->kind == EXSYNC_REMOVE ? "(none)" : c->value);
}

static void
propose(struct ui *ui, struct exsyncui_job *j)
{
	const struct exsync_plan *p = &j->run.plan;
	const char *topic = j->a->cfg.sns_topic;
	const char **texts;
	struct buf *bufs;
	size_t i, nt = 0, nshow = p->nchanges < SHOW_CHANGES ? p->nchanges :
	    SHOW_CHANGES;

	texts = xcalloc(nshow + 7, sizeof *texts);
	bufs = xcalloc(nshow + 7, sizeof *bufs);
	for (i = 0; i < nshow + 7; i++)
		buf_init(&bufs[i]);
	buf_printf(&bufs[nt++], "Make the %s tags follow the approved "
	    "records: %zu to set, %zu to change, %zu to remove (%zu records, "
	    "%zu instances with a live exception).", j->a->cfg.tags.exception,
	    p->nset, p->nchange, p->nremove, j->run.nrecs, p->nlive);
	/* The unapproved first: they are what the operator must not miss
	 * (and what the alert goes out for); the box scrolls to the rest. */
	for (i = 0; i < p->nchanges && nt < nshow + 1; i++)
		if (p->changes[i].unapproved)
			describe_change(&bufs[nt++], &p->changes[i]);
	for (i = 0; i < p->nchanges && nt < nshow + 1; i++)
		if (!p->changes[i].unapproved)
			describe_change(&bufs[nt++], &p->changes[i]);
	if (p->nchanges > nshow)
		buf_printf(&bufs[nt++], "and %zu more.", p->nchanges - nshow);
	if (p->nunapproved > 0)
		buf_printf(&bufs[nt++], "%zu unapproved tag%s: %s", p->nunapproved,
		    p->nunapproved == 1 ? "" : "s", topic != NULL && *topic ?
		    "one SNS message lists them with their owners, to " :
		    "no sns_topic is configured, so no alert can be sent.");
	if (p->nunapproved > 0 && topic != NULL && *topic)
		buf_puts(&bufs[nt - 1], topic);
	if (p->ninvalid > 0)
		buf_printf(&bufs[nt++], "%zu invalid record%s (see the invalid "
		    "tab): never applied, %s", p->ninvalid, p->ninvalid == 1 ?
		    "" : "s", topic != NULL && *topic ? "named in the SNS "
		    "message." : "and no sns_topic to name them in.");
	buf_printf(&bufs[nt++], "That is %zu CreateTags/DeleteTags call%s.",
	    p->calls.ncalls, p->calls.ncalls == 1 ? "" : "s");
	buf_puts(&bufs[nt++], j->a->desk.dry_run ? "DRY RUN (--dry-run): the "
	    "calls are listed, none is made, nothing is audited." :
	    "Written to the audit log before and after.");
	for (i = 0; i < nt; i++)
		texts[i] = bufs[i].data;
	ui_confirm_texts(ui, j->a->desk.dry_run ? "DRY RUN: Exceptions sync, "
	    "nothing will change" : "Exceptions sync", texts, nt,
	    p->nchanges, on_yes, j);
	for (i = 0; i < nshow + 7; i++)
		buf_free(&bufs[i]);
	free(bufs);
	free(texts);
}

static void
on_records(void *arg, struct fleet_exception *v, size_t n, const char *err)
{
	struct exsyncui_job *j = arg;
	struct ui *ui = j->ui;
	char *cerr = NULL;

	if (err != NULL) {
		/* err belongs to the scan handle, freed with the job. */
		ui_message(ui, 1, "exceptions sync: %s; nothing was changed",
		    err);
		exsyncui_job_free(j->a);
		return;
	}
	exaction_scan_free(j->scan);
	j->scan = NULL;
	/* What was read is the freshest view of the table: the cache and
	 * the exceptions view get it too. */
	if (excache_store(j->a->cache, j->a->cfg.exceptions_table, v, n,
	    (long long)time(NULL), &cerr) != 0)
		free(cerr);
	if (exsync_run_load(&j->run, j->a->cache, &j->a->cfg, v, n,
	    fleet_date_of_utc((long long)time(NULL)), &cerr) != 0) {
		ui_message(ui, 1, "exceptions sync: cache: %s", cerr);
		free(cerr);
		exsyncui_job_free(j->a);
		return;
	}
	app_reload(j->a, ui);
	if (j->run.plan.nchanges == 0 && j->run.subject == NULL) {
		ui_message(ui, 0, "exceptions sync: in step; nothing to change "
		    "(%zu records, %zu instances with a live exception)",
		    j->run.nrecs, j->run.plan.nlive);
		exsyncui_job_free(j->a);
		return;
	}
	propose(ui, j);
}

void
exactions_sync(struct ui *ui, struct app *a)
{
	struct exceptions_ctx *x;
	struct exsyncui_job *j;
	char *err = NULL;

	if (a->exsync != NULL && (a->exsync->scan != NULL ||
	    a->exsync->t != NULL || a->exsync->alert != NULL)) {
		ui_message(ui, 1, "an exceptions sync is still running; wait "
		    "for its outcome");
		return;
	}
	if (app_exceptions(a, &x, &err) != 0) {
		ui_message(ui, 1, "exceptions sync: %s", err);
		free(err);
		return;
	}
	exsyncui_job_free(a);	/* a confirmation that was answered no */
	j = xcalloc(1, sizeof *j);
	j->ui = ui;
	j->a = a;
	buf_init(&j->outcome);
	a->exsync = j;
	j->scan = exaction_scan_start(x, on_records, j);
	ui_message(ui, 0, "exceptions sync: reading %s...", x->table);
}
