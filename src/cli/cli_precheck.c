/*
 * cli_precheck.c - `patchdeck precheck WINDOW [--date D] [--instances
 * ID...]`: the pre-check of ops/precheck.c, its verdicts as a table, JSON
 * or CSV, failed first.
 */
#include "cli/cli.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache/cache.h"
#include "cache/prechecks.h"
#include "cli/cli_fix.h"
#include "ops/config.h"
#include "ops/inventory.h"
#include "ops/precheck.h"
#include "ops/timefmt.h"
#include "util/util.h"

/* Some member failed its pre-check (README "Exit codes"). */
#define EXIT_PRECHECK_FAILED 4

static const char usage[] =
    "usage: patchdeck [global options] precheck WINDOW [--date YYYY-MM-DD]\n"
    "                 [--instances ID...] [--cached]\n"
    "       patchdeck [global options] precheck --instances ID... [--cached]\n"
    "       patchdeck [global options] precheck WINDOW --fix KIND [--force]\n"
    "                 [--date YYYY-MM-DD] [--instances ID...]\n"
    "\n"
    "Pre-patch checks of a window's members: the instances of the local\n"
    "cache whose window tag names WINDOW, minus terminated ones and those\n"
    "with a live approved exception on the date (run `patchdeck sync`\n"
    "first).  With --instances, only those of them; without WINDOW,\n"
    "exactly the instances named.\n"
    "\n"
    "Asks SSM and EC2 for each member's agent ping and status checks, tags\n"
    "the running, Online Linux members patchdeck:precheck=RUN_ID, sends the\n"
    "SSM document patchdeck-precheck ONCE per account and region by that\n"
    "tag, waits for every result, removes the tag, and judges each member\n"
    "against [precheck] of the configuration.  Failure kinds: disk,\n"
    "repo_unreachable, repo_url, pkg_lock, reboot_pending, agent_offline,\n"
    "status_check, no_result (with the reason: timed out, undeliverable,\n"
    "parse error, ...).  Windows members get the agent and status checks\n"
    "only (the document is Linux-only).  Results go to the cache and, when\n"
    "[results] bucket is set, to\n"
    "s3://BUCKET/PREFIX/prechecks/dt=DATE/run=RUN_ID/INSTANCE_ID.json.\n"
    "\n"
    "  --date D        the window's occurrence starting on local date D\n"
    "                  (default: the one in progress, or the next)\n"
    "  --instances ID...  only these instances (ids up to the next option)\n"
    "  --format FMT    table (default), json (each instance an object with\n"
    "                  instance_id, result pass|fail, failures, the parsed\n"
    "                  checks, reason, output_tail), csv\n"
    "  --cached        send nothing: the latest verdict the cache holds for\n"
    "                  each member and its age (allowed read-only); a member\n"
    "                  never checked is \"unknown\" and counts as not passed\n"
    "  --fix KIND      fix what the latest pre-check found instead (disk,\n"
    "                  repo, pkg_lock: the members failing with it), then\n"
    "                  pre-check them again and print before -> after;\n"
    "                  asks first (--yes for scripts), audited, refused\n"
    "                  read-only; see the README\n"
    "  --force         with --fix pkg_lock: stop a running package manager\n"
    "  --dry-run       print the calls that would be made; send nothing\n"
    "  --read-only     refuse (a pre-check sends a command and writes a\n"
    "                  tag: changes to AWS state, though not to instances)\n"
    "\n"
    "Progress goes to stderr (a line per step when stdout is not a\n"
    "terminal).  The command and both tag changes are written to the audit\n"
    "log.  Failed instances are listed first.\n"
    "\n"
    "Exit status: 0 every member passed, 4 some failed, 1 the pre-check\n"
    "could not run (or refused: read-only), 2 bad arguments, 3 configuration\n"
    "or cache unusable.\n";

struct progress {
	int lines;		/* a line per change, else \r on a tty */
	int tty;
	char last[32];
	size_t lastdone;
	long long last_ms;
};

static void
on_progress(void *arg, const char *phase, size_t done, size_t total)
{
	struct progress *p = arg;
	long long now = util_now_ms();

	if (p->lines) {
		/* Every step, and the wait at most every 2 s. */
		if (strcmp(phase, p->last) == 0 && done != total &&
		    now - p->last_ms < 2000)
			return;
		if (strcmp(phase, p->last) == 0 && done == p->lastdone)
			return;
		if (total > 0)
			cli_fprintf(stderr, "precheck: %s %zu/%zu\n", phase,
			    done, total);
		else
			cli_fprintf(stderr, "precheck: %s\n", phase);
	} else if (p->tty) {
		if (total > 0)
			cli_fprintf(stderr, "\rprecheck: %s %zu/%zu   ", phase,
			    done, total);
		else
			cli_fprintf(stderr, "\rprecheck: %-20s   ", phase);
	}
	snprintf(p->last, sizeof p->last, "%s", phase);
	p->lastdone = done;
	p->last_ms = now;
}

static void
dry_line(void *arg, const char *text)
{
	(void)arg;
	if (strncmp(text, "dry run:", 8) == 0)
		cli_printf("%s\n", text);
	else
		cli_printf("would call: %s\n", text);
}

static void
failures_text(const struct precheck_row *w, struct buf *b)
{
	size_t i;

	for (i = 0; i < w->v.nfailures; i++)
		buf_printf(b, "%s%s", i ? "," : "",
		    fleet_precheck_kind_name(w->v.failures[i].kind));
}

static void
print_table(const struct precheck_report *r)
{
	struct buf b;
	size_t i;

	buf_init(&b);
	cli_printf("%-6s %-20s %-24s %-14s %-30s %s\n", "RESULT", "INSTANCE",
	    "NAME", "REGION", "FAILURES", "DETAIL");
	for (i = 0; i < r->n; i++) {
		const struct precheck_row *w = &r->rows[i];
		char name[25];

		buf_reset(&b);
		failures_text(w, &b);
		snprintf(name, sizeof name, "%s", w->name);
		cli_printf("%-6s %-20s %-24s %-14s %-30s %.200s\n",
		    w->v.nfailures ? "FAIL" : "pass", w->instance_id, name,
		    w->region, b.len ? b.data : "-", w->v.reason);
	}
	cli_printf("%zu member(s): %zu passed, %zu failed (run %s, window "
	    "%s, %s)\n", r->n, r->n - r->nfailed, r->nfailed, r->run_id,
	    *r->window ? r->window : "-", r->date);
	buf_free(&b);
}

static void
print_json(const struct precheck_report *r)
{
	cJSON *arr = cJSON_CreateArray(), *o, *a, *f;
	size_t i, k;

	for (i = 0; i < r->n; i++) {
		const struct precheck_row *w = &r->rows[i];

		o = precheck_row_json(r, w);
		cJSON_AddStringToObject(o, "reason", w->v.reason);
		a = cJSON_AddArrayToObject(o, "details");
		for (k = 0; k < w->v.nfailures; k++) {
			f = cJSON_CreateObject();
			cJSON_AddStringToObject(f, "kind",
			    fleet_precheck_kind_name(w->v.failures[k].kind));
			cJSON_AddStringToObject(f, "detail",
			    w->v.failures[k].detail);
			cJSON_AddItemToArray(a, f);
		}
		cJSON_AddStringToObject(o, "ping", w->ping);
		cJSON_AddStringToObject(o, "state", w->state);
		cJSON_AddStringToObject(o, "status_details",
		    w->status_details);
		k = strlen(w->output);
		cJSON_AddStringToObject(o, "output_tail", w->output + (k >
		    PRECHECK_OUTPUT_TAIL ? k - PRECHECK_OUTPUT_TAIL : 0));
		cJSON_AddItemToArray(arr, o);
	}
	cli_json_put(stdout, arr, 1);
	fputc('\n', stdout);
	cJSON_Delete(arr);
}

static void
print_csv(const struct precheck_report *r)
{
	static const char *const head[] = {
		"instance_id", "name", "account", "region", "platform",
		"result", "failures", "reason", "status", "run_id"
	};
	struct buf b, f;
	size_t i, k;

	buf_init(&b);
	buf_init(&f);
	for (k = 0; k < sizeof head / sizeof head[0]; k++)
		buf_printf(&b, "%s%s", k ? "," : "", head[k]);
	buf_putc(&b, '\n');
	for (i = 0; i < r->n; i++) {
		const struct precheck_row *w = &r->rows[i];
		const char *cells[10];

		buf_reset(&f);
		failures_text(w, &f);
		cells[0] = w->instance_id;
		cells[1] = w->name;
		cells[2] = w->account;
		cells[3] = w->region;
		cells[4] = w->platform;
		cells[5] = w->v.nfailures ? "fail" : "pass";
		cells[6] = f.len ? f.data : "";
		cells[7] = w->v.reason;
		cells[8] = w->status;
		cells[9] = r->run_id;
		for (k = 0; k < 10; k++) {
			if (k)
				buf_putc(&b, ',');
			cli_csv_field(&b, cells[k]);
		}
		buf_putc(&b, '\n');
	}
	fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
	buf_free(&f);
}

static int
cmp_cached(const void *a, const void *b)
{
	const struct cache_precheck *x = a, *y = b;
	int c = strcmp(x->target, y->target);

	return c != 0 ? c : strcmp(x->instance_id, y->instance_id);
}

/* --cached: the cache's latest verdict of each member, nothing sent. */
static int
print_cached(const struct cli *g, struct cache *cache,
    const struct precheck_report *r)
{
	struct cache_precheck *v = NULL, key, *hit;
	size_t n = 0, i, k, bad = 0;
	long long now = (long long)time(NULL);
	char *err = NULL, age[32], t[32];
	cJSON *arr = NULL, *o, *a;
	struct buf b, f;

	if (cache_prechecks_latest(cache, &v, &n, &err) != 0) {
		cli_err("precheck: %s", err);
		free(err);
		return EXIT_CONFIG;
	}
	buf_init(&b);
	buf_init(&f);
	if (g->format == FORMAT_JSON)
		arr = cJSON_CreateArray();
	else if (g->format == FORMAT_CSV)
		buf_puts(&b, "instance_id,name,region,result,failures,reason,"
		    "checked_at\n");
	else
		cli_printf("%-7s %-20s %-24s %-14s %-10s %-30s %s\n", "RESULT",
		    "INSTANCE", "NAME", "REGION", "CHECKED", "FAILURES",
		    "DETAIL");
	for (i = 0; i < r->n; i++) {
		const struct precheck_row *w = &r->rows[i];
		const char *res;

		key.target = w->target;
		key.instance_id = w->instance_id;
		hit = n > 0 ? bsearch(&key, v, n, sizeof *v, cmp_cached) :
		    NULL;
		res = hit == NULL ? "unknown" : hit->failed ? "fail" : "pass";
		if (hit == NULL || hit->failed)
			bad++;
		buf_reset(&f);
		for (k = 0; hit != NULL && k < FLEET_PK_COUNT; k++)
			if (hit->kinds & (1u << k))
				buf_printf(&f, "%s%s", f.len ? "," : "",
				    fleet_precheck_kind_name(
				    (enum fleet_precheck_kind)k));
		if (hit != NULL) {
			timefmt_age(now, hit->checked_at, age, sizeof age);
			cli_iso_utc(hit->checked_at, t, sizeof t);
		} else {
			snprintf(age, sizeof age, "never");
			t[0] = '\0';
		}
		if (arr != NULL) {
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "instance_id",
			    w->instance_id);
			cJSON_AddStringToObject(o, "name", w->name);
			cJSON_AddStringToObject(o, "region", w->region);
			cJSON_AddStringToObject(o, "result", res);
			a = cJSON_AddArrayToObject(o, "failures");
			for (k = 0; hit != NULL && k < FLEET_PK_COUNT; k++)
				if (hit->kinds & (1u << k))
					cJSON_AddItemToArray(a,
					    cJSON_CreateString(
					    fleet_precheck_kind_name(
					    (enum fleet_precheck_kind)k)));
			cJSON_AddStringToObject(o, "reason", hit != NULL ?
			    hit->reason : "");
			if (hit != NULL) {
				cJSON_AddStringToObject(o, "checked_at", t);
				cJSON_AddNumberToObject(o, "age_s",
				    (double)(now - hit->checked_at));
			} else {
				cJSON_AddNullToObject(o, "checked_at");
				cJSON_AddNullToObject(o, "age_s");
			}
			cJSON_AddItemToArray(arr, o);
		} else if (g->format == FORMAT_CSV) {
			const char *cells[7] = { w->instance_id, w->name,
			    w->region, res, f.len ? f.data : "", hit != NULL ?
			    hit->reason : "", t };

			for (k = 0; k < 7; k++) {
				if (k)
					buf_putc(&b, ',');
				cli_csv_field(&b, cells[k]);
			}
			buf_putc(&b, '\n');
		} else {
			char name[25];

			snprintf(name, sizeof name, "%s", w->name);
			cli_printf("%-7s %-20s %-24s %-14s %-10s %-30s "
			    "%.200s\n", res, w->instance_id, name, w->region,
			    age, f.len ? f.data : "-", hit != NULL ?
			    hit->reason : "");
		}
	}
	if (arr != NULL) {
		cli_json_put(stdout, arr, 1);
		fputc('\n', stdout);
		cJSON_Delete(arr);
	} else if (g->format == FORMAT_CSV)
		fwrite(b.data, 1, b.len, stdout);
	else
		cli_printf("%zu member(s): %zu passed, %zu failed or never "
		    "checked (from the cache; nothing was sent)\n", r->n,
		    r->n - bad, bad);
	buf_free(&b);
	buf_free(&f);
	cache_prechecks_free(v, n);
	return bad > 0 ? EXIT_PRECHECK_FAILED : EXIT_OK;
}

int
cli_precheck(struct cli *g, int argc, char **argv)
{
	struct config cfg;
	struct cache *cache = NULL;
	struct inventory inv;
	struct precheck_opts o;
	struct precheck_report r;
	struct progress prog;
	struct cli_fix_args fa;
	const char **ids;
	const char *v;
	char *err = NULL;
	int i, rc = EXIT_OK, have_inv = 0, have_r = 0, cached = 0;
	size_t k;

	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return EXIT_OK;
	}
	memset(&o, 0, sizeof o);
	memset(&fa, 0, sizeof fa);
	ids = xcalloc((size_t)argc, sizeof *ids);
	for (i = 1; i < argc; i++) {
		int t;

		if ((t = cli_opt_value(argc, argv, &i, "--fix", &v)) != 0) {
			if (t < 0)
				goto missing;
			fa.kind = v;
		} else if (strcmp(argv[i], "--force") == 0) {
			fa.force = 1;
		} else if ((t = cli_opt_value(argc, argv, &i, "--date", &v)) != 0) {
			if (t < 0)
				goto missing;
			o.date = v;
		} else if (strcmp(argv[i], "--cached") == 0) {
			cached = 1;
		} else if (strcmp(argv[i], "--instances") == 0) {
			while (i + 1 < argc && strncmp(argv[i + 1], "--", 2))
				ids[o.nids++] = argv[++i];
			if (o.nids == 0) {
				cli_err("precheck: --instances needs ids");
				free(ids);
				return EXIT_USAGE;
			}
		} else if (argv[i][0] == '-') {
			cli_err("precheck: unknown option '%s'; see patchdeck "
			    "precheck --help", argv[i]);
			free(ids);
			return EXIT_USAGE;
		} else if (o.window == NULL) {
			o.window = argv[i];
		} else {
			cli_err("precheck: one window only ('%s')", argv[i]);
			free(ids);
			return EXIT_USAGE;
		}
	}
	if (o.window == NULL && o.nids == 0) {
		fputs(usage, stderr);
		free(ids);
		return EXIT_USAGE;
	}
	if (o.window == NULL && o.date != NULL) {
		cli_err("precheck: --date needs a WINDOW");
		free(ids);
		return EXIT_USAGE;
	}
	o.ids = ids;
	if (fa.kind != NULL && cached) {
		cli_err("precheck: --fix sends a fix; --cached sends nothing: "
		    "one or the other");
		free(ids);
		return EXIT_USAGE;
	}
	if (fa.force && fa.kind == NULL) {
		cli_err("precheck: --force goes with --fix pkg_lock");
		free(ids);
		return EXIT_USAGE;
	}
	if (fa.kind != NULL) {
		fa.window = o.window;
		fa.date = o.date;
		fa.ids = ids;
		fa.nids = o.nids;
		rc = cli_precheck_fix(g, &fa);
		free(ids);
		return rc;
	}

	if (cli_load_config(g, &cfg) != 0) {
		free(ids);
		return EXIT_CONFIG;
	}
	if (cli_open_cache(g, &cache) != 0) {
		config_free(&cfg);
		free(ids);
		return EXIT_CONFIG;
	}
	o.cfg = &cfg;
	o.profile = g->profile;
	o.now = (long long)time(NULL);
	if (inventory_load(&inv, cache, &cfg, o.now, &err) != 0) {
		cli_err("precheck: %s", err);
		rc = EXIT_CONFIG;
		goto out;
	}
	have_inv = 1;
	cli_cache_notice(cache);
	if (precheck_members(&o, &inv, cache, &r, &err) != 0) {
		cli_err("precheck: %s", err);
		rc = EXIT_USAGE;
		goto out;
	}
	have_r = 1;
	if (r.n == 0) {
		cli_fprintf(stderr, "precheck: window %s has no members on %s "
		    "in the cache\n", r.window, r.date);
		goto out;
	}
	if (cached) {
		rc = print_cached(g, cache, &r);
		goto out;
	}
	if (g->dry_run) {
		precheck_dry_run(&r, dry_line, NULL);
		goto out;
	}
	if (cli_refuse_read_only(g, &cfg, "precheck")) {
		rc = EXIT_FAIL;
		goto out;
	}
	memset(&prog, 0, sizeof prog);
	prog.lines = !isatty(STDOUT_FILENO);
	prog.tty = isatty(STDERR_FILENO);
	o.progress = on_progress;
	o.arg = &prog;
	if (precheck_run(&o, &r, &err) != 0) {
		if (prog.tty && !prog.lines)
			fputc('\n', stderr);
		cli_err("precheck: %s", err);
		rc = EXIT_FAIL;
		goto out;
	}
	if (prog.tty && !prog.lines)
		fputc('\n', stderr);
	precheck_save(&r, &cfg, g->profile, cache);
	if (prog.lines) {
		const struct precheck_stats *st = &r.stats;

		cli_fprintf(stderr, "precheck: calls: "
		    "DescribeInstanceInformation %zu, DescribeInstanceStatus %zu, CreateTags+DeleteTags "
		    "%zu, SendCommand %zu, ListCommandInvocations %zu pages, "
		    "GetCommandInvocation %zu, ListCommands %zu\n",
		    st->dii_pages, st->dis_pages, st->tag_calls,
		    st->send_calls, st->list_pages, st->get_calls,
		    st->status_calls);
		cli_fprintf(stderr, "precheck: last result %.1f s after the "
		    "start (%.1f s after the command was sent); done in %.1f s\n",
		    st->last_result_ms > 0 ? (st->last_result_ms -
		    st->start_ms) / 1000.0 : 0.0, st->last_result_ms > 0 ?
		    (st->last_result_ms - st->sent_ms) / 1000.0 : 0.0,
		    (st->end_ms - st->start_ms) / 1000.0);
	}
	for (k = 0; k < r.nwarnings; k++)
		cli_err("precheck: warning: %s", r.warnings[k]);
	if (g->format == FORMAT_JSON)
		print_json(&r);
	else if (g->format == FORMAT_CSV)
		print_csv(&r);
	else
		print_table(&r);
	rc = r.nfailed > 0 ? EXIT_PRECHECK_FAILED : EXIT_OK;
	goto out;
missing:
	cli_err("precheck: %s needs a value", argv[i]);
	free(ids);
	return EXIT_USAGE;
out:
	free(err);
	if (have_r)
		precheck_report_done(&r);
	if (have_inv)
		inventory_free(&inv);
	cache_close(cache);
	config_free(&cfg);
	free(ids);
	return rc;
}
