/*
 * cli_fix.c - `patchdeck precheck WINDOW --fix KIND`: fix what the latest
 * pre-check found (ops/fix.h), then pre-check the same instances again
 * and print what changed.  cli_precheck.c parses the command line and
 * hands over here when --fix is given.
 */
#include "cli/cli.h"
#include "cli/cli_fix.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws/net.h"
#include "cache/cache.h"
#include "cache/prechecks.h"
#include "fleet/fix.h"
#include "fleet/precheck.h"
#include "ops/config.h"
#include "ops/fix.h"
#include "ops/fixjob.h"
#include "ops/inventory.h"
#include "ops/precheck.h"
#include "util/util.h"

#define CMD "precheck --fix"
/* Some instance still fails its pre-check after the fix: the code of
 * `precheck` when some member failed (README "Exit codes"). */
#define EXIT_STILL_FAILING 4

/* Everything one fix holds, freed at one place. */
struct fixcli {
	struct cli *g;
	const struct cli_fix_args *a;
	struct config cfg;
	int cfg_loaded;
	struct cache *cache;
	struct inventory inv;
	int inv_loaded;
	struct precheck_report members;	/* the window's members */
	struct precheck_report fresh;	/* members never pre-checked */
	struct cache_precheck *latest;
	size_t nlatest;
	struct fix_member *m;		/* one per member */
	unsigned *before;		/* failures before, per member */
	struct fix_selection sel;
	enum fleet_fix_kind kind;
	struct net *net;
	struct fixjob *job;
	const struct precheck_report *after;	/* the job's, once ended */
	int over, rc_run;
	char *err_run;
	int progress;			/* progress lines on stderr */
};

/* ---- the latest pre-check of each member ---- */

static int
cmp_latest(const void *key, const void *elem)
{
	const struct cache_precheck *k = key, *e = elem;
	int c = strcmp(k->target, e->target);

	return c != 0 ? c : strcmp(k->instance_id, e->instance_id);
}

/* cache_prechecks_latest returns rows by target, then id. */
static const struct cache_precheck *
latest_of(const struct fixcli *f, const char *target, const char *id)
{
	struct cache_precheck key;

	memset(&key, 0, sizeof key);
	key.target = (char *)target;
	key.instance_id = (char *)id;
	return f->nlatest == 0 ? NULL : bsearch(&key, f->latest, f->nlatest,
	    sizeof *f->latest, cmp_latest);
}

static void
fill_members(struct fixcli *f)
{
	size_t i;

	f->m = xcalloc(f->members.n + 1, sizeof *f->m);
	f->before = xcalloc(f->members.n + 1, sizeof *f->before);
	for (i = 0; i < f->members.n; i++) {
		const struct precheck_row *r = &f->members.rows[i];
		const struct cache_precheck *l = latest_of(f, r->target,
		    r->instance_id);

		f->m[i].instance_id = r->instance_id;
		f->m[i].target = r->target;
		f->m[i].platform = r->platform;
		if (l != NULL) {
			f->m[i].checked = 1;
			f->m[i].failures = l->failed ? l->kinds : 0;
		}
		f->before[i] = f->m[i].failures;
	}
}

/* The verdicts of the fresh pre-check into the members never checked. */
static void
take_fresh(struct fixcli *f)
{
	size_t i, k;

	for (k = 0; k < f->fresh.n; k++) {
		const struct precheck_row *r = &f->fresh.rows[k];

		for (i = 0; i < f->members.n; i++) {
			if (f->m[i].checked ||
			    strcmp(f->m[i].instance_id, r->instance_id) != 0 ||
			    strcmp(f->m[i].target, r->target) != 0)
				continue;
			f->m[i].checked = 1;
			f->m[i].failures = r->v.kinds;
			f->before[i] = r->v.kinds;
		}
	}
}

static void
say_progress(void *arg, const char *phase, size_t done, size_t total)
{
	struct fixcli *f = arg;

	if (!f->progress)
		return;
	if (total > 0)
		cli_fprintf(stderr, "%s: pre-check: %s %zu/%zu\n", CMD, phase,
		    done, total);
	else
		cli_fprintf(stderr, "%s: pre-check: %s\n", CMD, phase);
}

/* A pre-check of ids (the window's members among them). */
static int
precheck_ids(struct fixcli *f, const char *const *ids, size_t n,
    struct precheck_report *out)
{
	struct precheck_opts o;
	char *err = NULL;
	size_t failed;

	memset(&o, 0, sizeof o);
	o.cfg = &f->cfg;
	o.profile = f->g->profile;
	o.window = f->a->window;
	o.date = f->members.date;
	o.ids = ids;
	o.nids = n;
	o.now = (long long)time(NULL);
	o.progress = say_progress;
	o.arg = f;
	if (precheck_members(&o, &f->inv, f->cache, out, &err) != 0 ||
	    precheck_run(&o, out, &err) != 0) {
		cli_err("%s: pre-check: %s", CMD, err);
		free(err);
		return -1;
	}
	failed = precheck_save(out, &f->cfg, f->g->profile, f->cache);
	if (failed > 0)
		cli_err("%s: %zu pre-check result(s) could not be stored; "
		    "see the warnings", CMD, failed);
	return 0;
}

/* ---- output ---- */

static void
kinds_json(cJSON *o, const char *name, unsigned bits, int checked)
{
	cJSON *x = cJSON_AddObjectToObject(o, name), *a;
	unsigned k;

	cJSON_AddStringToObject(x, "result", !checked ? "unknown" :
	    bits ? "fail" : "pass");
	a = cJSON_AddArrayToObject(x, "failures");
	for (k = 0; k < FLEET_PK_COUNT; k++)
		if (bits & 1u << k)
			cJSON_AddItemToArray(a, cJSON_CreateString(
			    fleet_precheck_kind_name((enum fleet_precheck_kind)k)));
}

static void
kinds_text(struct buf *b, unsigned bits, int checked)
{
	unsigned k;
	int first = 1;

	if (!checked) {
		buf_puts(b, "unknown");
		return;
	}
	if (bits == 0) {
		buf_puts(b, "pass");
		return;
	}
	buf_puts(b, "fail: ");
	for (k = 0; k < FLEET_PK_COUNT; k++) {
		if (bits & 1u << k) {
			buf_printf(b, "%s%s", first ? "" : ",",
			    fleet_precheck_kind_name((enum fleet_precheck_kind)k));
			first = 0;
		}
	}
}

/* The row of the after-check for id, or NULL. */
static const struct precheck_row *
after_row(const struct fixcli *f, const char *target, const char *id)
{
	size_t i;

	for (i = 0; f->after != NULL && i < f->after->n; i++)
		if (strcmp(f->after->rows[i].instance_id, id) == 0 &&
		    strcmp(f->after->rows[i].target, target) == 0)
			return &f->after->rows[i];
	return NULL;
}

/* Member index of an outcome. */
static size_t
member_of(const struct fixcli *f, const struct fix_outcome *o)
{
	size_t i;

	for (i = 0; i < f->sel.nchosen; i++) {
		size_t k = f->sel.chosen[i];

		if (strcmp(f->m[k].instance_id, o->instance_id) == 0 &&
		    strcmp(f->m[k].target, o->target) == 0)
			return k;
	}
	return 0;
}

static void
fix_text(struct buf *b, const struct fix_outcome *o)
{
	buf_puts(b, o->status);
	if (o->parsed && o->r.freed_mb > 0)
		buf_printf(b, " (freed %lld MB)", o->r.freed_mb);
}

static int
print_results(struct fixcli *f, size_t *still_failing)
{
	const struct fix_outcome *out = NULL;
	size_t n = 0, i, k;
	cJSON *root = NULL, *list = NULL, *skipped;
	struct buf line;

	*still_failing = 0;
	if (f->job != NULL)
		out = fixjob_outcomes(f->job, &n);
	buf_init(&line);
	if (f->g->format == FORMAT_JSON) {
		root = cJSON_CreateObject();
		cJSON_AddStringToObject(root, "kind",
		    fleet_fix_kind_name(f->kind));
		cJSON_AddBoolToObject(root, "force", f->a->force);
		cJSON_AddStringToObject(root, "window", f->a->window != NULL ?
		    f->a->window : "");
		cJSON_AddStringToObject(root, "date", f->members.date);
		cJSON_AddBoolToObject(root, "dry_run", f->g->dry_run);
		list = cJSON_AddArrayToObject(root, "instances");
	} else if (f->g->format == FORMAT_CSV) {
		fputs("instance_id,target,fix_status,freed_mb,changed,error,"
		    "before,after,after_reason\n", stdout);
	}
	for (i = 0; i < n; i++) {
		const struct fix_outcome *o = &out[i];
		const struct precheck_row *a = after_row(f, o->target,
		    o->instance_id);
		size_t mi = member_of(f, o);
		unsigned after = a != NULL ? a->v.kinds : 0;

		if (a == NULL || after != 0)
			(*still_failing)++;
		if (f->g->format == FORMAT_JSON) {
			cJSON *x = cJSON_CreateObject(), *fx, *ch;

			cJSON_AddStringToObject(x, "instance_id", o->instance_id);
			cJSON_AddStringToObject(x, "target", o->target);
			fx = cJSON_AddObjectToObject(x, "fix");
			cJSON_AddStringToObject(fx, "status", o->status);
			cJSON_AddNumberToObject(fx, "freed_mb", o->parsed ?
			    (double)o->r.freed_mb : 0);
			ch = cJSON_AddArrayToObject(fx, "changed");
			for (k = 0; o->parsed && k < o->r.nchanged; k++)
				cJSON_AddItemToArray(ch,
				    cJSON_CreateString(o->r.changed[k]));
			cJSON_AddStringToObject(fx, "error", o->why);
			cJSON_AddStringToObject(fx, "command_id", o->command_id);
			kinds_json(x, "before", f->before[mi], 1);
			kinds_json(x, "after", after, a != NULL);
			if (a != NULL)
				cJSON_AddStringToObject(x, "after_reason",
				    a->v.reason);
			cJSON_AddItemToArray(list, x);
			continue;
		}
		buf_reset(&line);
		if (f->g->format == FORMAT_CSV) {
			struct buf t;

			buf_init(&t);
			cli_csv_field(&line, o->instance_id);
			buf_puts(&line, ",");
			cli_csv_field(&line, o->target);
			buf_puts(&line, ",");
			cli_csv_field(&line, o->status);
			buf_printf(&line, ",%lld,", o->parsed ? o->r.freed_mb :
			    0);
			for (k = 0; o->parsed && k < o->r.nchanged; k++)
				buf_printf(&t, "%s%s", k ? "; " : "",
				    o->r.changed[k]);
			cli_csv_field(&line, t.len ? t.data : "");
			buf_puts(&line, ",");
			cli_csv_field(&line, o->why);
			buf_puts(&line, ",");
			buf_reset(&t);
			kinds_text(&t, f->before[mi], 1);
			cli_csv_field(&line, t.data);
			buf_puts(&line, ",");
			buf_reset(&t);
			kinds_text(&t, after, a != NULL);
			cli_csv_field(&line, t.data);
			buf_puts(&line, ",");
			cli_csv_field(&line, a != NULL ? a->v.reason : "");
			buf_puts(&line, "\n");
			fputs(line.data, stdout);
			buf_free(&t);
			continue;
		}
		{
			struct buf fx, bf, af;

			buf_init(&fx);
			buf_init(&bf);
			buf_init(&af);
			fix_text(&fx, o);
			kinds_text(&bf, f->before[mi], 1);
			kinds_text(&af, after, a != NULL);
			cli_printf("%-19s  %-8s  %-22s  %s -> %s%s%s\n",
			    o->instance_id, fleet_fix_kind_name(f->kind),
			    fx.data, bf.data, af.data, *o->why ? "  " : "",
			    o->why);
			if (a != NULL && after != 0)
				cli_printf("%-19s  still: %s\n", "", a->v.reason);
			buf_free(&fx);
			buf_free(&bf);
			buf_free(&af);
		}
	}
	if (f->g->format == FORMAT_JSON) {
		skipped = cJSON_AddArrayToObject(root, "skipped");
		for (i = 0; i < f->sel.nskipped; i++) {
			cJSON *x = cJSON_CreateObject();

			cJSON_AddStringToObject(x, "instance_id",
			    f->sel.skipped[i].instance_id);
			cJSON_AddStringToObject(x, "reason",
			    f->sel.skipped[i].why);
			cJSON_AddItemToArray(skipped, x);
		}
		cJSON_AddNumberToObject(root, "still_failing",
		    (double)*still_failing);
		cli_json_put(stdout, root, 1);
		fputc('\n', stdout);
		cJSON_Delete(root);
	} else if (f->g->format == FORMAT_TABLE) {
		for (i = 0; i < f->sel.nskipped; i++)
			cli_printf("%-19s  not fixed: %s\n",
			    f->sel.skipped[i].instance_id,
			    f->sel.skipped[i].why);
		cli_printf("%s: %zu instance(s) fixed with %s; %zu pass their "
		    "pre-check now, %zu still fail\n", CMD, n,
		    fleet_fix_kind_name(f->kind), n - *still_failing,
		    *still_failing);
	}
	buf_free(&line);
	fflush(stdout);
	return ferror(stdout) ? -1 : 0;
}

/* ---- dry run ---- */

/* One SendCommand a dry run would make; empties ids. */
static void
dry_call(const struct fixcli *f, const char *target, const char *map,
    struct buf *ids, size_t *n)
{
	cli_printf("would call: SendCommand %s %s Kind=%s Force=%s%s%s on %zu "
	    "instance(s): %s\n", target, FIX_DOCUMENT,
	    fleet_fix_kind_name(f->kind), f->a->force ? "true" : "false",
	    map != NULL ? " RepoMap=" : "", map != NULL ? map : "", *n,
	    ids->data);
	buf_reset(ids);
	*n = 0;
}

static void
print_dry_run(struct fixcli *f)
{
	char *map = NULL, *e = NULL;
	size_t i, j, calls = 0;
	unsigned char *done = xcalloc(f->sel.nchosen + 1, 1);
	struct buf ids;

	if (f->kind == FLEET_FIX_REPO &&
	    fix_repo_map_param(&f->cfg.precheck, &map, &e) != 0)
		free(e);
	buf_init(&ids);
	/* As fix_start sends: per target and region, 50 ids a call. */
	for (i = 0; i < f->sel.nchosen; i++) {
		const char *target = f->m[f->sel.chosen[i]].target;
		size_t batch = 0;

		for (j = i; j < f->sel.nchosen; j++) {
			const struct fix_member *m = &f->m[f->sel.chosen[j]];

			if (done[j] || strcmp(m->target, target) != 0)
				continue;
			done[j] = 1;
			buf_printf(&ids, "%s%s", batch ? " " : "",
			    m->instance_id);
			if (++batch == 50) {
				dry_call(f, target, map, &ids, &batch);
				calls++;
			}
		}
		if (batch > 0) {
			dry_call(f, target, map, &ids, &batch);
			calls++;
		}
	}
	for (i = 0; i < f->sel.nskipped; i++)
		cli_printf("%-19s  not fixed: %s\n",
		    f->sel.skipped[i].instance_id, f->sel.skipped[i].why);
	cli_printf("%s: dry run: %zu instance(s), %zu call(s) would be made, "
	    "then a pre-check of them; none was\n", CMD, f->sel.nchosen,
	    calls);
	buf_free(&ids);
	free(done);
	free(map);
}

/* ---- the run ---- */

static void
on_job_progress(void *arg, const char *phase, size_t done, size_t total)
{
	struct fixcli *f = arg;

	if (strcmp(phase, "fix") != 0) {
		say_progress(f, phase, done, total);
		return;
	}
	if (f->progress)
		cli_fprintf(stderr, "%s: fix: %zu/%zu instance(s) done\n", CMD,
		    done, total);
}

static void
on_job_done(void *arg, int rc, const char *err)
{
	struct fixcli *f = arg;

	f->over = 1;
	f->rc_run = rc;
	if (err != NULL)
		f->err_run = xstrdup(err);
}

/* The fix, then the pre-check of the same instances (ops/fixjob.h). */
static int
run_fix(struct fixcli *f)
{
	struct fixjob_opts o;
	char *err = NULL;
	size_t k;

	memset(&o, 0, sizeof o);
	o.cfg = &f->cfg;
	o.profile = f->g->profile;
	o.kind = f->kind;
	o.force = f->a->force;
	o.window = f->a->window;
	o.date = f->members.date;
	o.members = f->m;
	o.chosen = f->sel.chosen;
	o.nchosen = f->sel.nchosen;
	o.inv = &f->inv;
	o.cache = f->cache;
	f->net = net_new();
	f->job = fixjob_start(f->net, &o, on_job_progress, on_job_done, f,
	    &err);
	if (f->job == NULL) {
		cli_err("%s: %s", CMD, err);
		free(err);
		return -1;
	}
	while (!f->over && net_pending(f->net) > 0)
		net_poll(f->net, -1, 1000);
	if (f->err_run != NULL)
		cli_err("%s: %s", CMD, f->err_run);
	f->after = fixjob_after(f->job);
	if (f->after != NULL)
		for (k = 0; k < f->after->nwarnings; k++)
			cli_err("%s: warning: %s", CMD, f->after->warnings[k]);
	return 0;
}

static void
fixcli_done(struct fixcli *f)
{
	/* The loop first: the run's transfers point into it. */
	if (f->net != NULL)
		net_free(f->net);
	fixjob_free(f->job);
	free(f->err_run);
	fix_selection_done(&f->sel);
	free(f->m);
	free(f->before);
	cache_prechecks_free(f->latest, f->nlatest);
	precheck_report_done(&f->members);
	precheck_report_done(&f->fresh);
	if (f->inv_loaded)
		inventory_free(&f->inv);
	cache_close(f->cache);
	if (f->cfg_loaded)
		config_free(&f->cfg);
}

int
cli_precheck_fix(struct cli *g, const struct cli_fix_args *a)
{
	struct fixcli f;
	struct precheck_opts po;
	const char **ids = NULL;
	char *err = NULL;
	size_t i, nfresh = 0, still = 0;
	int rc = EXIT_FAIL;

	memset(&f, 0, sizeof f);
	f.g = g;
	f.a = a;
	f.progress = !isatty(STDOUT_FILENO);
	if (fleet_fix_kind_parse(a->kind, &f.kind, &err) != 0) {
		cli_err("%s: %s", CMD, err);
		free(err);
		return EXIT_USAGE;
	}
	if (cli_load_config(g, &f.cfg) != 0)
		return EXIT_CONFIG;
	f.cfg_loaded = 1;
	if (cli_refuse_read_only(g, &f.cfg, CMD))
		goto out;
	if (f.kind == FLEET_FIX_REPO) {
		char *map = NULL;

		if (fix_repo_map_param(&f.cfg.precheck, &map, &err) != 0) {
			cli_err("%s: refused: %s", CMD, err);
			free(err);
			goto out;
		}
		free(map);
	}
	if (cli_open_cache(g, &f.cache) != 0) {
		rc = EXIT_CONFIG;
		goto out;
	}
	if (inventory_load(&f.inv, f.cache, &f.cfg, (long long)time(NULL),
	    &err) != 0) {
		cli_err("%s: %s", CMD, err);
		free(err);
		rc = EXIT_CONFIG;
		goto out;
	}
	f.inv_loaded = 1;
	memset(&po, 0, sizeof po);
	po.cfg = &f.cfg;
	po.profile = g->profile;
	po.window = a->window;
	po.date = a->date;
	po.ids = a->ids;
	po.nids = a->nids;
	po.now = (long long)time(NULL);
	/* As `precheck`: an unknown window or id is a usage error. */
	if (precheck_members(&po, &f.inv, f.cache, &f.members, &err) != 0) {
		cli_err("%s: %s", CMD, err);
		free(err);
		rc = EXIT_USAGE;
		goto out;
	}
	if (cache_prechecks_latest(f.cache, &f.latest, &f.nlatest, &err) != 0) {
		cli_err("%s: %s", CMD, err);
		free(err);
		rc = EXIT_CONFIG;
		goto out;
	}
	fill_members(&f);

	/* Members never pre-checked: a pre-check first, so the fix knows
	 * what they fail with (a dry run sends nothing, so it says so). */
	ids = xcalloc(f.members.n + 1, sizeof *ids);
	for (i = 0; i < f.members.n; i++)
		if (!f.m[i].checked)
			ids[nfresh++] = f.m[i].instance_id;
	if (nfresh > 0 && g->dry_run) {
		cli_printf("%s: dry run: %zu member(s) have no pre-check yet; "
		    "a real run pre-checks them first\n", CMD, nfresh);
	} else if (nfresh > 0) {
		/* The fix will need --yes without a terminal: refuse before
		 * this pre-check is sent, not after. */
		if (!g->yes && (!isatty(STDIN_FILENO) ||
		    !isatty(STDERR_FILENO))) {
			char action[80];

			snprintf(action, sizeof action, "pre-check, then fix "
			    "%s on", fleet_fix_kind_name(f.kind));
			rc = cli_confirm(g, CMD, action, ids, nfresh);
			goto out;
		}
		if (precheck_ids(&f, ids, nfresh, &f.fresh) != 0)
			goto out;
		take_fresh(&f);
	}

	if (fix_select(f.kind, f.m, f.members.n, a->ids,
	    a->nids, &f.sel, &err) != 0) {
		cli_err("%s: %s", CMD, err);
		free(err);
		rc = EXIT_USAGE;
		goto out;
	}
	if (g->dry_run) {
		print_dry_run(&f);
		rc = EXIT_OK;
		goto out;
	}
	if (f.sel.nchosen == 0) {
		/* Machine formats stay machine-readable: no instance. */
		if (g->format != FORMAT_TABLE) {
			rc = print_results(&f, &still) != 0 ? EXIT_FAIL :
			    EXIT_OK;
			goto out;
		}
		for (i = 0; i < f.sel.nskipped; i++)
			cli_printf("%-19s  not fixed: %s\n",
			    f.sel.skipped[i].instance_id, f.sel.skipped[i].why);
		cli_printf("%s: no member of %s on %s failed its pre-check "
		    "with a kind %s repairs; nothing to do\n", CMD,
		    a->window != NULL ? a->window : "-", f.members.date,
		    fleet_fix_kind_name(f.kind));
		rc = EXIT_OK;
		goto out;
	}
	for (i = 0; i < f.sel.nchosen; i++)
		ids[i] = f.m[f.sel.chosen[i]].instance_id;
	{
		char action[80];

		snprintf(action, sizeof action, "fix %s%s on",
		    fleet_fix_kind_name(f.kind), a->force ?
		    " (stopping running package managers)" : "");
		if ((rc = cli_confirm(g, CMD, action, ids, f.sel.nchosen)) != 0)
			goto out;
		rc = EXIT_FAIL;
	}
	if (run_fix(&f) != 0)
		goto out;
	if (print_results(&f, &still) != 0) {
		cli_err("%s: writing the output failed", CMD);
		goto out;
	}
	rc = f.rc_run != 0 ? EXIT_FAIL : still > 0 ? EXIT_STILL_FAILING :
	    EXIT_OK;
out:
	free(ids);
	fixcli_done(&f);
	return rc;
}
