/*
 * cli_plan.c - `patchdeck plan WINDOW [--date D]`: what patch night will
 * do to each member of a window (ops/plan.h), from the cache, as a table
 * for people or JSON / CSV for scripts.
 */
#include "cli/cli.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache/cache.h"
#include "fleet/plan.h"
#include "ops/config.h"
#include "ops/inventory.h"
#include "ops/plan.h"
#include "ops/timefmt.h"
#include "util/escape.h"
#include "util/util.h"

static const char usage[] =
    "usage: patchdeck [global options] plan WINDOW [--date YYYY-MM-DD]\n"
    "           [--refresh] [--format table|json|csv]\n"
    "\n"
    "What patch night will do to each member of WINDOW (the instances whose\n"
    "window tag is WINDOW, byte for byte) on the window's occurrence that\n"
    "starts on --date, a date in the window's own time zone; without\n"
    "--date, the occurrence in progress or else the next one.  Each member\n"
    "gets one action:\n"
    "  patch        running, SSM Online\n"
    "  wake         stopped: started lead_min before the window, then patched\n"
    "  excluded     terminated; a live exception on that date (an APPROVED\n"
    "               record that passes the four-eyes checks; an exception tag\n"
    "               alone never excludes: an unapproved one is flagged and\n"
    "               the instance patched); or not managed by SSM\n"
    "  unreachable  SSM ping not Online (the last ping time is shown)\n"
    "Trouble is listed first.  The platform is SSM's PlatformType where SSM\n"
    "manages the instance, EC2's Platform otherwise; the summary counts\n"
    "Linux and Windows members.\n"
    "\n"
    "Read from the cache, whose age is shown.  --refresh runs `patchdeck\n"
    "sync` first and reads the exceptions table again (saying so on\n"
    "stderr when stdout is not a terminal).\n"
    "\n"
    "--format table (default): members with action, reason, name, id,\n"
    "platform, account, region, outside text escaped, then the summary and\n"
    "the data's age.  json: one object with window, date, start and end,\n"
    "summary (counts by action, linux, windows, to_patch) and members, each\n"
    "an object with instance_id, action (patch, wake, excluded,\n"
    "unreachable), reason (\"\", terminated, exception, not_managed, stopped,\n"
    "ssm_offline), detail, name, platform, account, region, state, ping,\n"
    "last_ping, exception_id, unapproved_exception_tag, precheck (pass,\n"
    "fail or null: the latest cached result), precheck_reason.  csv: one\n"
    "row per member, RFC 4180 with a header row.\n"
    "\n"
    "Exit status: 0 listed, 1 a --refresh target failed (the plan is then\n"
    "made of partly older data), 2 bad arguments: an unknown window, a\n"
    "date that is not one or on which the window has no occurrence,\n"
    "3 configuration or cache unusable.\n";

#define CELL_MAX_WIDTH 40

static void
add_str(cJSON *o, const char *k, const char *v)
{
	/* Raw values, except bytes that are not UTF-8: JSON text must be. */
	char *val = esc_utf8_repair(v != NULL ? v : "");

	if (cJSON_AddStringToObject(o, k, val) == NULL)
		util_fatal("out of memory (JSON)");
	free(val);
}

static void
add_time(cJSON *o, const char *k, long long t)
{
	char tmp[32];

	if (t <= 0) {
		cJSON_AddNullToObject(o, k);
		return;
	}
	cli_iso_utc(t, tmp, sizeof tmp);
	add_str(o, k, tmp);
}

static void
add_counts(cJSON *o, const size_t *c)
{
	size_t k;

	for (k = 0; k < FLEET_PLAT_COUNT; k++)
		cJSON_AddNumberToObject(o, fleet_plan_platform_name(
		    (enum fleet_plan_platform)k), (double)c[k]);
}

/* The member's latest pre-check: "pass", "fail" or null, its time and
 * what failed. */
static void
add_precheck(cJSON *o, const struct plan_precheck *r)
{
	if (r == NULL) {
		cJSON_AddNullToObject(o, "precheck");
		cJSON_AddNullToObject(o, "precheck_checked_at");
		cJSON_AddNullToObject(o, "precheck_reason");
		return;
	}
	add_str(o, "precheck", r->failed ? "fail" : "pass");
	add_time(o, "precheck_checked_at", r->checked_at);
	add_str(o, "precheck_reason", r->reason);
}

static void
print_json(const struct plan *pl, const struct config *cfg,
    const struct plan_prechecks *pc)
{
	long failing = plan_precheck_failing(pl, pc);
	const struct fleet_plan *p = &pl->p;
	cJSON *root = cJSON_CreateObject(), *s, *arr;
	char tmp[256], day[16];
	size_t k;

	if (root == NULL)
		util_fatal("out of memory (JSON)");
	add_str(root, "window", pl->w->id);
	fleet_date_format(pl->date, day, sizeof day);
	add_str(root, "date", day);
	add_str(root, "timezone", pl->w->tz_name != NULL ? pl->w->tz_name :
	    "UTC");
	add_time(root, "start_utc", pl->occ.start);
	add_time(root, "end_utc", pl->occ.end);
	timefmt_local(&cfg->zones[pl->window], pl->occ.start, tmp, sizeof tmp);
	add_str(root, "start_local", tmp);
	cJSON_AddBoolToObject(root, "in_progress", pl->in_progress);
	cJSON_AddNumberToObject(root, "lead_min", pl->w->lead_min);
	add_time(root, "data_fetched_at", pl->oldest);
	add_time(root, "exceptions_fetched_at", pl->exceptions_fetched_at);
	s = cJSON_AddObjectToObject(root, "summary");
	cJSON_AddNumberToObject(s, "members", (double)p->n);
	for (k = 0; k < FLEET_PLAN_NACTIONS; k++)
		cJSON_AddNumberToObject(s, fleet_plan_action_name(
		    (enum fleet_plan_action)k), (double)p->actions[k]);
	add_counts(s, p->platforms);
	add_counts(cJSON_AddObjectToObject(s, "to_patch"), p->to_patch);
	cJSON_AddNumberToObject(s, "unapproved_exception_tag",
	    (double)p->unapproved);
	if (failing == PLAN_PRECHECK_UNKNOWN)
		cJSON_AddNullToObject(s, "precheck_failing");
	else
		cJSON_AddNumberToObject(s, "precheck_failing",
		    (double)failing);
	arr = cJSON_AddArrayToObject(root, "members");
	for (k = 0; k < p->n; k++) {
		const struct fleet_plan_member *m = &p->v[k];
		cJSON *o = cJSON_CreateObject();

		if (o == NULL)
			util_fatal("out of memory (JSON)");
		add_str(o, "instance_id", m->in->id);
		add_str(o, "action", fleet_plan_action_name(m->action));
		add_str(o, "reason", fleet_plan_reason_name(m->reason));
		add_str(o, "detail", fleet_plan_reason_text(m, pl->w->lead_min,
		    tmp, sizeof tmp));
		add_str(o, "name", m->in->name);
		add_str(o, "platform", fleet_plan_platform_name(m->platform));
		add_str(o, "account", m->in->account);
		add_str(o, "region", m->in->region);
		add_str(o, "state", m->in->state);
		add_str(o, "ping", m->in->ping);
		add_time(o, "last_ping", m->in->last_ping);
		if (m->exception != NULL)
			add_str(o, "exception_id", m->exception->exception_id);
		else
			cJSON_AddNullToObject(o, "exception_id");
		cJSON_AddBoolToObject(o, "unapproved_exception_tag",
		    m->unapproved_tag);
		add_precheck(o, plan_precheck_of(pc, m->in->id));
		cJSON_AddItemToArray(arr, o);
	}
	cli_json_put(stdout, root, 1);
	putchar('\n');
	cJSON_Delete(root);
}

static void
print_csv(const struct plan *pl, const struct plan_prechecks *pc)
{
	const struct fleet_plan *p = &pl->p;
	struct buf line;
	char detail[256], ping[32];
	size_t k, f;

	buf_init(&line);
	fputs("instance_id,action,reason,detail,name,platform,account,region,"
	    "state,ping,last_ping,exception_id,unapproved_exception_tag,"
	    "precheck,precheck_reason\r\n", stdout);
	for (k = 0; k < p->n; k++) {
		const struct fleet_plan_member *m = &p->v[k];
		const struct plan_precheck *r = plan_precheck_of(pc,
		    m->in->id);
		const char *v[15];

		if (m->in->last_ping > 0)
			cli_iso_utc(m->in->last_ping, ping, sizeof ping);
		else
			ping[0] = '\0';
		v[0] = m->in->id;
		v[1] = fleet_plan_action_name(m->action);
		v[2] = fleet_plan_reason_name(m->reason);
		v[3] = fleet_plan_reason_text(m, pl->w->lead_min, detail,
		    sizeof detail);
		v[4] = m->in->name;
		v[5] = fleet_plan_platform_name(m->platform);
		v[6] = m->in->account;
		v[7] = m->in->region;
		v[8] = m->in->state;
		v[9] = m->in->ping;
		v[10] = ping;
		v[11] = m->exception != NULL && m->exception->exception_id !=
		    NULL ? m->exception->exception_id : "";
		v[12] = m->unapproved_tag ? "yes" : "no";
		v[13] = r == NULL ? "" : r->failed ? "fail" : "pass";
		v[14] = r == NULL ? "" : r->reason;
		buf_reset(&line);
		for (f = 0; f < 15; f++) {
			if (f)
				buf_putc(&line, ',');
			cli_csv_field(&line, v[f]);
		}
		buf_puts(&line, "\r\n");
		fwrite(line.data, 1, line.len, stdout);
	}
	buf_free(&line);
}

enum { T_ACTION, T_NAME, T_ID, T_PLATFORM, T_ACCOUNT, T_REGION, T_REASON,
	T_COUNT };
static const char *const heads[T_COUNT] = { "ACTION", "NAME", "ID",
	"PLATFORM", "ACCOUNT", "REGION", "REASON" };

static void
cells(const struct plan *pl, const struct plan_prechecks *pc,
    const struct fleet_plan_member *m, const char **v, char *reason,
    size_t size)
{
	v[T_ACTION] = fleet_plan_action_name(m->action);
	v[T_NAME] = m->in->name;
	v[T_ID] = m->in->id;
	v[T_PLATFORM] = fleet_plan_platform_name(m->platform);
	v[T_ACCOUNT] = m->in->account;
	v[T_REGION] = m->in->region;
	v[T_REASON] = plan_member_reason(pl, m, pc, reason, size);
}

static void
print_table(const struct plan *pl, const struct config *cfg,
    const struct plan_prechecks *pc, long long now)
{
	long failing = plan_precheck_failing(pl, pc);
	const struct fleet_plan *p = &pl->p;
	int utf8 = esc_locale_utf8(), width[T_COUNT], w, c;
	struct buf line;
	char reason[256], a[64], b[64], day[16];
	const char *v[T_COUNT];
	size_t k;

	fleet_date_format(pl->date, day, sizeof day);
	timefmt_local(&cfg->zones[pl->window], pl->occ.start, a, sizeof a);
	timefmt_local(&cfg->zones[pl->window], pl->occ.end, b, sizeof b);
	cli_printf("plan %s on %s: %s .. %s%s\n", pl->w->id, day, a, b,
	    pl->in_progress ? " (in progress)" : "");
	buf_init(&line);
	for (c = 0; c < T_COUNT; c++)
		width[c] = (int)strlen(heads[c]);
	for (k = 0; k < p->n; k++) {
		cells(pl, pc, &p->v[k], v, reason, sizeof reason);
		for (c = 0; c < T_REASON; c++) {
			buf_reset(&line);
			w = cli_fit(&line, v[c], CELL_MAX_WIDTH, utf8);
			if (w > width[c])
				width[c] = w;
		}
	}
	buf_reset(&line);
	for (c = 0; c < T_COUNT; c++)
		buf_printf(&line, "%-*s%s", c + 1 < T_COUNT ? width[c] : 0,
		    heads[c], c + 1 < T_COUNT ? "  " : "\n");
	if (p->n > 0)
		fwrite(line.data, 1, line.len, stdout);
	for (k = 0; k < p->n; k++) {
		cells(pl, pc, &p->v[k], v, reason, sizeof reason);
		buf_reset(&line);
		for (c = 0; c < T_COUNT; c++) {
			/* The reason is last and kept whole: the point. */
			w = cli_fit(&line, v[c], c == T_REASON ? 400 :
			    CELL_MAX_WIDTH, utf8);
			if (c + 1 < T_COUNT)
				buf_printf(&line, "%*s", width[c] - w + 2, "");
		}
		while (line.len > 0 && line.data[line.len - 1] == ' ')
			line.data[--line.len] = '\0';
		buf_putc(&line, '\n');
		fwrite(line.data, 1, line.len, stdout);
	}
	buf_free(&line);
	if (p->n == 0)
		cli_printf("no instance names this window in its window tag\n");
	cli_printf("%zu member(s): %zu patch, %zu wake, %zu excluded, %zu "
	    "unreachable; linux %zu, windows %zu", p->n,
	    p->actions[FLEET_PLAN_PATCH], p->actions[FLEET_PLAN_WAKE],
	    p->actions[FLEET_PLAN_EXCLUDED], p->actions[FLEET_PLAN_UNREACHABLE],
	    p->platforms[FLEET_PLAT_LINUX], p->platforms[FLEET_PLAT_WINDOWS]);
	if (p->platforms[FLEET_PLAT_OTHER] > 0)
		cli_printf(", other %zu", p->platforms[FLEET_PLAT_OTHER]);
	cli_printf("\n");
	if (p->unapproved > 0)
		cli_printf("%zu member(s) carry an exception tag no approved "
		    "record covers: patched anyway\n", p->unapproved);
	if (failing == PLAN_PRECHECK_UNKNOWN)
		cli_printf("pre-checks: no result for any member yet\n");
	else
		cli_printf("pre-checks: %ld member(s) failed their latest\n",
		    failing);
	timefmt_age(now, pl->oldest, a, sizeof a);
	timefmt_age(now, pl->exceptions_fetched_at, b, sizeof b);
	cli_printf("data from %s; exception records from %s%s\n",
	    pl->oldest > 0 ? a : "(no member)", b,
	    pl->exceptions_fetched_at > 0 ? "" : " (an exception tag cannot "
	    "be checked: --refresh reads them)");
}

int
cli_plan(struct cli *g, int argc, char **argv)
{
	const char *window = NULL, *date = NULL;
	struct config cfg;
	struct cache *cache = NULL;
	struct inventory inv;
	struct plan pl;
	struct plan_prechecks pc;
	long long now;
	char *err = NULL;
	int i, r, do_refresh = 0, rc = EXIT_OK;

	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return EXIT_OK;
	}
	for (i = 1; i < argc; i++) {
		if ((r = cli_opt_value(argc, argv, &i, "--date", &date)) != 0) {
			if (r < 0) {
				cli_err("plan: --date needs a value");
				return EXIT_USAGE;
			}
		} else if (strcmp(argv[i], "--refresh") == 0) {
			do_refresh = 1;
		} else if (argv[i][0] == '-' || window != NULL) {
			cli_err("plan: unknown argument '%s'", argv[i]);
			fputs(usage, stderr);
			return EXIT_USAGE;
		} else {
			window = argv[i];
		}
	}
	if (window == NULL) {
		cli_err("plan: which window? (patchdeck windows lists them)");
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	if (cli_load_config(g, &cfg) != 0)
		return EXIT_CONFIG;
	if (cli_open_cache(g, &cache) != 0) {
		config_free(&cfg);
		return EXIT_CONFIG;
	}
	/* An unknown window fails before any refresh is spent on it. */
	if (fleet_window_find(cfg.windows, cfg.nwindows, window) < 0) {
		memset(&inv, 0, sizeof inv);
		r = plan_make(&pl, &inv, &cfg, window, date, 0, &err);
		cli_err("plan: %s", err);
		free(err);
		cache_close(cache);
		config_free(&cfg);
		return EXIT_USAGE;
	}
	if (do_refresh) {
		/* A script sees why it waits; a person sees the table. */
		if (!isatty(STDOUT_FILENO))
			cli_fprintf(stderr, "plan: refreshing the inventory "
			    "and the exceptions table...\n");
		if ((r = cli_refresh(g, &cfg, cache, "plan")) != 0)
			rc = EXIT_FAIL;
		if (plan_refresh_exceptions(&cfg, cache, g->profile, g->region,
		    &err) != 0) {
			cli_err("plan: refresh exceptions %s: %s (previous "
			    "records kept)", cfg.exceptions_table, err);
			free(err);
			err = NULL;
			rc = EXIT_FAIL;
		}
	}
	now = (long long)time(NULL);
	if (inventory_load(&inv, cache, &cfg, now, &err) != 0) {
		cli_err("plan: %s", err);
		free(err);
		cache_close(cache);
		config_free(&cfg);
		return EXIT_CONFIG;
	}
	cli_cache_notice(cache);
	if ((r = plan_make(&pl, &inv, &cfg, window, date, now, &err)) != 0) {
		cli_err("plan: %s", err);
		free(err);
		rc = r == PLAN_ERR_NONE_AHEAD ? EXIT_FAIL : EXIT_USAGE;
		goto out;
	}
	/* Without the verdicts the plan still stands: they are unknown. */
	if (plan_prechecks_load(&pc, cache, &err) != 0) {
		cli_err("plan: pre-check results: %s", err);
		free(err);
		err = NULL;
	}
	plan_mark_prechecks(&pl, &pc);
	switch (g->format) {
	case FORMAT_JSON:
		print_json(&pl, &cfg, &pc);
		break;
	case FORMAT_CSV:
		print_csv(&pl, &pc);
		break;
	default:
		print_table(&pl, &cfg, &pc, now);
	}
	plan_prechecks_done(&pc);
	plan_done(&pl);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_err("plan: cannot write the output");
		rc = EXIT_FAIL;
	}
out:
	inventory_free(&inv);
	cache_close(cache);
	config_free(&cfg);
	return rc;
}
