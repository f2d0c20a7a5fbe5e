/*
 * cli_exsync.c - `patchdeck exceptions sync [--refresh]`: the PatchException
 * tags made to follow the approved records (ops/exsync.h), and one SNS
 * alert for tags no approval backs.  The job a scheduled Lambda did.
 *
 * The records are read from the exceptions table in the default session's
 * account and region (--profile/--region, as `doctor`); the instances come
 * from the cache (--refresh syncs first).  Tag calls go through
 * ops/tagging.c (audited per target, refused in read-only mode); the SNS
 * publish is audited too ("exceptions.alert": the topic and the ids).
 *
 * cli_exceptions.c dispatches `patchdeck exceptions sync` here.
 */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "aws/awserr.h"
#include "aws/ddb.h"
#include "aws/net.h"
#include "aws/sns.h"
#include "cache/cache.h"
#include "fleet/exception.h"
#include "ops/audit.h"
#include "ops/config.h"
#include "ops/excache.h"
#include "ops/exsync.h"
#include "ops/exsyncrun.h"
#include "ops/session.h"
#include "ops/sync.h"
#include "ops/tagging.h"
#include "util/util.h"

static const char sync_usage[] =
    "usage: patchdeck [global options] exceptions sync [--refresh]\n"
    "\n"
    "Makes the exception tag (PatchException, or [tags] exception) follow\n"
    "the approved records of the exceptions table (exceptions_table, in the\n"
    "account and region of --profile/--region):\n"
    "  - an instance with a live approved record (starts <= today <= ends,\n"
    "    UTC) gets STARTS..ENDS of that record (of several, the one ending\n"
    "    last);\n"
    "  - a tag on an instance with no live approved record is removed;\n"
    "  - a tag that no approved record of the instance covers is\n"
    "    \"unapproved\": it is removed (or set to the approved range) too, and\n"
    "    one SNS message to sns_topic lists those instances with their\n"
    "    owner.  A tag left by a revoked record goes without an alert.\n"
    "  - a record is trusted only when it is whole: an APPROVED one\n"
    "    decided by someone other than its requester (the same person:\n"
    "    README, \"Four-eyes\"), dates YYYY-MM-DD within\n"
    "    exception_max_days.  Any other is \"invalid\": printed with why,\n"
    "    never tagged, and listed in the SNS message.\n"
    "Instances come from the local cache; --refresh runs `patchdeck sync`\n"
    "first.  Tag calls are grouped by target, region and value (up to 1000\n"
    "ids each).\n"
    "\n"
    "  --refresh     sync the inventory first\n"
    "  --dry-run     print the differences and every call that would be\n"
    "                made; make none (the table is still read)\n"
    "  --read-only   (or read_only = true) refuse, exit 1\n"
    "\n"
    "Every change is audited (intent and result) before and after it is\n"
    "made, the SNS alert included.\n"
    "\n"
    "Exit status: 0 in step (or brought in step), 1 a call failed (named)\n"
    "or the change was refused, 2 bad arguments, 3 configuration, cache or\n"
    "credentials unusable.\n";

/* --- records ------------------------------------------------------------ */

struct scan {
	struct fleet_exception *v;
	size_t n, cap;
	int ended;
	struct aws_error err;
	int failed;
};

static char *
dup_attr(const cJSON *item, const char *name)
{
	const char *s = ddb_item_s(item, name);

	return s != NULL ? xstrdup(s) : NULL;
}

static int
on_scan_page(void *arg, const cJSON *items)
{
	struct scan *s = arg;
	const cJSON *it;

	cJSON_ArrayForEach(it, items) {
		struct fleet_exception *e;

		if (s->n == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 256;
			s->v = xreallocarray(s->v, s->cap, sizeof *s->v);
		}
		e = &s->v[s->n++];
		memset(e, 0, sizeof *e);
		e->instance_id = dup_attr(it, "instance_id");
		e->exception_id = dup_attr(it, "exception_id");
		e->starts = dup_attr(it, "starts");
		e->ends = dup_attr(it, "ends");
		e->reason = dup_attr(it, "reason");
		e->ticket = dup_attr(it, "ticket");
		e->requested_by = dup_attr(it, "requested_by");
		e->requested_at = dup_attr(it, "requested_at");
		e->status = dup_attr(it, "status");
		e->decided_by = dup_attr(it, "decided_by");
		e->decided_at = dup_attr(it, "decided_at");
		/* A record without an instance matches none. */
		if (e->instance_id == NULL) {
			fleet_exception_done(e);
			s->n--;
		}
	}
	return 0;
}

static void
on_scan_end(void *arg, const struct aws_error *err)
{
	struct scan *s = arg;

	s->ended = 1;
	if (err != NULL) {
		s->failed = 1;
		awserr_copy(&s->err, err);
	}
}

static void
records_free(struct fleet_exception *v, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		fleet_exception_done(&v[k]);
	free(v);
}

/* Every record of the table, every page.  -1 after saying why. */
static int
load_records(struct session *ss, const char *table,
    struct fleet_exception **out, size_t *n)
{
	struct aws_client *c;
	struct scan s;
	cJSON *req;
	char *err = NULL;

	c = session_client(ss, "DYNAMODB", &err);
	if (c == NULL) {
		cli_err("exceptions sync: DynamoDB: %s", err);
		free(err);
		return -1;
	}
	memset(&s, 0, sizeof s);
	awserr_init(&s.err);
	req = cJSON_CreateObject();
	if (req == NULL)
		util_fatal("out of memory (JSON)");
	cJSON_AddStringToObject(req, "TableName", table);
	cJSON_AddTrueToObject(req, "ConsistentRead");
	ddb_scan(c, req, on_scan_page, on_scan_end, &s);
	net_run(ss->net, NULL);
	if (!s.ended || s.failed) {
		cli_err("exceptions sync: FAILED: DynamoDB Scan %s: %s: %s", table,
		    s.ended ? s.err.code : "ended", s.ended ? s.err.message :
		    "without an outcome");
		awserr_free(&s.err);
		records_free(s.v, s.n);
		return -1;
	}
	awserr_free(&s.err);
	*out = s.v;
	*n = s.n;
	return 0;
}

/* --- output ------------------------------------------------------------- */

static void
print_change(const struct exsync_change *c, const char *key)
{
	cli_printf("%-6s ", exsync_kind_name(c->kind));
	cli_put(stdout, c->inst->id);
	cli_printf(" (");
	cli_put(stdout, c->inst->name);
	cli_printf(") ");
	cli_put(stdout, c->target);
	putchar('/');
	cli_put(stdout, c->inst->region);
	cli_printf(" %s: ", key);
	if (c->old_value != NULL) {
		putchar('\'');
		cli_put(stdout, c->old_value);
		putchar('\'');
	} else {
		cli_printf("(none)");
	}
	if (c->kind == EXSYNC_REMOVE) {
		cli_printf(" -> (removed)");
	} else {
		cli_printf(" -> %s (record ", c->value);
		cli_put(stdout, c->record->exception_id != NULL ?
		    c->record->exception_id : "?");
		putchar(')');
	}
	if (c->unapproved)
		cli_printf("  UNAPPROVED");
	putchar('\n');
}

static void
print_invalid(const struct exsync_invalid *v)
{
	cli_printf("invalid ");
	cli_put(stdout, v->record->exception_id);
	cli_printf(" (");
	cli_put(stdout, v->record->instance_id);
	cli_printf("): %s\n", v->why);
}

/* --- the SNS alert ------------------------------------------------------ */

/* The topic, for the outcome line (the callback has no room for it). */
static const char *cfg_topic;

struct alerted {
	int ended;
	int rc;
};

static void
on_alerted(void *arg, const struct exsync_alert_result *res)
{
	struct alerted *w = arg;

	w->ended = 1;
	if (res->published) {
		cli_printf("alert: published to ");
		cli_put(stdout, cfg_topic);
		cli_printf(" (message ");
		cli_put(stdout, res->message_id);
		cli_printf(")\n");
	} else {
		cli_err("exceptions sync: %s", res->err);
		w->rc = -1;
	}
	if (res->audit_err != NULL) {
		cli_err("exceptions sync: %s", res->audit_err);
		w->rc = -1;
	}
}

/* The audited publish (ops/exsyncrun.h), waited for; 0 or -1 after
 * saying why. */
static int
send_alert(struct session *ss, const char *topic, const struct exsync_run *r)
{
	struct exsync_alert *a;
	struct aws_client *c;
	struct alerted w;
	char *err = NULL;

	c = session_client(ss, "SNS", &err);
	if (c == NULL) {
		cli_err("exceptions sync: alert: SNS: %s", err);
		free(err);
		return -1;
	}
	memset(&w, 0, sizeof w);
	cfg_topic = topic;
	a = exsync_alert_start(ss->net, c, topic, r, on_alerted, &w, &err);
	if (a == NULL) {
		cli_err("exceptions sync: %s", err);
		free(err);
		return -1;
	}
	net_run(ss->net, &w.ended);
	exsync_alert_free(a);
	return w.ended ? w.rc : -1;
}

/* --- the command -------------------------------------------------------- */

static int
run_sync(struct cli *g, int do_refresh)
{
	struct config cfg;
	struct cache *cache = NULL;
	struct session ss;
	struct fleet_exception *recs = NULL;
	struct exsync_run run;
	const struct exsync_plan *plan = &run.plan;
	size_t nrecs = 0, i;
	char *err = NULL;
	int rc = EXIT_FAIL, session_ok = 0, failed = 0;

	memset(&run, 0, sizeof run);
	memset(&ss, 0, sizeof ss);
	if (cli_load_config(g, &cfg) != 0)
		return EXIT_CONFIG;
	/* A dry run only looks: read-only mode lets it. */
	if (!g->dry_run && cli_refuse_read_only(g, &cfg, "exceptions sync")) {
		cli_err("exceptions sync: --dry-run shows the differences");
		config_free(&cfg);
		return EXIT_FAIL;
	}
	if (cli_open_cache(g, &cache) != 0) {
		config_free(&cfg);
		return EXIT_CONFIG;
	}
	if (do_refresh && cli_refresh(g, &cfg, cache, "exceptions sync") != 0)
		failed = 1;

	if (session_open(&ss, g->profile, g->region, &err) != 0) {
		cli_err("exceptions sync: %s", err);
		free(err);
		rc = EXIT_CONFIG;
		goto out;
	}
	session_ok = 1;
	if (load_records(&ss, cfg.exceptions_table, &recs, &nrecs) != 0)
		goto out;
	/* What the Scan saw is the freshest copy there is: the console and
	 * `exceptions list` read it from the cache.  A cache that cannot
	 * take it is said, and the sync goes on. */
	if (excache_store(cache, cfg.exceptions_table, recs, nrecs,
	    (long long)time(NULL), &err) != 0) {
		cli_err("exceptions sync: %s", err);
		free(err);
		err = NULL;
		cli_cache_notice(cache);
	}
	/* The run takes the records. */
	rc = exsync_run_load(&run, cache, &cfg, recs, nrecs,
	    fleet_date_of_utc((long long)time(NULL)), &err);
	recs = NULL;
	nrecs = 0;
	if (rc != 0) {
		cli_err("exceptions sync: %s", err);
		free(err);
		rc = EXIT_CONFIG;
		goto out;
	}
	rc = EXIT_FAIL;

	for (i = 0; i < plan->nchanges; i++)
		print_change(&plan->changes[i], cfg.tags.exception);
	for (i = 0; i < plan->ninvalid; i++)
		print_invalid(&plan->invalid[i]);
	cli_printf("exceptions sync: %zu record(s), %zu instance(s) with a "
	    "live exception; %zu to set, %zu to change, %zu to remove, %zu "
	    "unapproved", run.nrecs, plan->nlive, plan->nset, plan->nchange,
	    plan->nremove, plan->nunapproved);
	if (plan->ninvalid > 0)
		cli_printf("; %zu invalid record(s)", plan->ninvalid);
	if (plan->norphan_records > 0)
		cli_printf("; %zu record(s) of instances not in the cache",
		    plan->norphan_records);
	putchar('\n');

	if (g->dry_run) {
		for (i = 0; i < plan->calls.ncalls; i++)
			cli_print_tagging_call(&plan->calls.calls[i], "would call: ");
		if (run.subject != NULL) {
			cli_printf("would publish to %s: ",
			    cfg.sns_topic != NULL ? cfg.sns_topic :
			    "(no sns_topic configured)");
			cli_put(stdout, run.subject);
			putchar('\n');
		}
		cli_printf("exceptions sync: dry run: %zu call(s)%s would be "
		    "made; none was\n", plan->calls.ncalls,
		    run.subject != NULL ? " and 1 alert" : "");
		rc = failed ? EXIT_FAIL : EXIT_OK;
		goto out;
	}

	if (plan->calls.ncalls > 0) {
		struct tagging_opts o;
		int acted = 0;

		memset(&o, 0, sizeof o);
		o.cfg = &cfg;
		o.profile = g->profile;
		o.action = "exceptions.sync";
		tagging_apply(&o, &run.plan.calls, &acted, &err);
		for (i = 0; i < plan->calls.ncalls; i++) {
			const struct tagging_call *c = &plan->calls.calls[i];

			if (!c->sent && c->err.code == NULL)
				continue;
			cli_print_tagging_call(c, "");
			cli_print_tagging_outcome(c);
		}
		if (err != NULL) {
			cli_err("exceptions sync: %s", err);
			free(err);
			err = NULL;
			failed = 1;
		}
		if (acted && tagging_update_cache(cache, &cfg, &run.plan.calls,
		    &err) != 0) {
			cli_err("exceptions sync: the tags were changed, but the "
			    "cache could not be updated (%s); run `patchdeck "
			    "sync`", err);
			free(err);
			err = NULL;
		}
	}
	if (run.subject != NULL) {
		if (cfg.sns_topic == NULL || *cfg.sns_topic == '\0') {
			cli_err("exceptions sync: FAILED: %zu unapproved "
			    "exception tag(s) and %zu invalid record(s), but "
			    "no sns_topic is configured; no alert was sent",
			    plan->nunapproved, plan->ninvalid);
			failed = 1;
		} else if (send_alert(&ss, cfg.sns_topic, &run) != 0) {
			failed = 1;
		}
	}
	if (!failed && plan->calls.ncalls == 0 && run.subject == NULL)
		cli_printf("exceptions sync: in step; nothing to change\n");
	rc = failed ? EXIT_FAIL : EXIT_OK;
out:
	exsync_run_done(&run);
	records_free(recs, nrecs);
	cache_close(cache);
	if (session_ok || ss.net != NULL)
		session_close(&ss);
	config_free(&cfg);
	return rc;
}

int
cli_exceptions_sync(struct cli *g, int argc, char **argv)
{
	int i, do_refresh = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			fputs(sync_usage, stdout);
			return EXIT_OK;
		}
		if (strcmp(argv[i], "--refresh") == 0) {
			do_refresh = 1;
			continue;
		}
		cli_err("exceptions sync: unknown argument '%s'", argv[i]);
		fputs(sync_usage, stderr);
		return EXIT_USAGE;
	}
	return run_sync(g, do_refresh);
}
