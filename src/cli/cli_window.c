/*
 * cli_window.c - `patchdeck window assign|clear` and `patchdeck owner
 * set|clear`: the self-service tag changes of ops/tagging.c for instances
 * named by id, found in the cache (which says their account and region).
 */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

#include "cache/cache.h"
#include "fleet/instance.h"
#include "ops/config.h"
#include "ops/tagging.h"
#include "util/util.h"

/* Also declared in main.c (cli.h is not this file's to change). */

static const char window_usage[] =
    "usage: patchdeck [global options] window assign WINDOW ID...\n"
    "       patchdeck [global options] window clear ID...\n"
    "\n"
    "Sets the window tag (PatchWindow, or [tags] window in the configuration)\n"
    "of the instances named by id to WINDOW, which must be a window of the\n"
    "configuration, or removes it.  The instances must be in the local cache\n"
    "(run `patchdeck sync` first); the cache says their account and region.\n"
    "Instances are grouped by target, region and value into the fewest\n"
    "CreateTags/DeleteTags calls (up to 1000 ids each).\n"
    "\n"
    "  --dry-run     print every call that would be made; make none (no AWS\n"
    "                request at all, nothing written to the audit log)\n"
    "  --read-only   (or read_only = true) refuse, exit 1\n"
    "\n"
    "Every change is written to the audit log\n"
    "($XDG_STATE_HOME/patchdeck/audit.log) before and after it is made; when\n"
    "the log cannot be written, nothing is changed.  Afterwards the cached\n"
    "rows carry the new tags.\n"
    "\n"
    "Exit status: 0 if every call succeeded, 1 if any failed or the change\n"
    "was refused (read-only, unknown window, ids not in the cache, audit log\n"
    "unwritable), 2 bad arguments, 3 configuration or cache unusable.\n";

static const char owner_usage[] =
    "usage: patchdeck [global options] owner set OWNER ID...\n"
    "       patchdeck [global options] owner clear ID...\n"
    "\n"
    "Sets the owner tag (Owner, or [tags] owner in the configuration) of the\n"
    "instances named by id to OWNER (an e-mail address or a team; at most\n"
    "256 characters, no control characters), or removes it.  Otherwise as\n"
    "`patchdeck window --help` describes: ids from the cache, --dry-run,\n"
    "--read-only, the audit log, the exit status.\n";

/* Instances by id, then account and region. */
static int
cmp_inst_id(const void *a, const void *b)
{
	const struct fleet_instance *x = *(const struct fleet_instance *const *)a;
	const struct fleet_instance *y = *(const struct fleet_instance *const *)b;
	int c;

	if ((c = strcmp(x->id, y->id)) == 0 &&
	    (c = strcmp(x->account, y->account)) == 0)
		c = strcmp(x->region, y->region);
	return c;
}

/* The first of byid[0..n) (sorted by cmp_inst_id) with id, or n. */
static size_t
first_with_id(const struct fleet_instance *const *byid, size_t n,
    const char *id)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(byid[mid]->id, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Whether ids[k] is also one of ids[0..k).  Ids come from a command line:
 * a quadratic look is fine, the fleet is not scanned per id. */
static int
id_given_before(char *const *ids, size_t k)
{
	size_t i;

	for (i = 0; i < k; i++)
		if (strcmp(ids[i], ids[k]) == 0)
			return 1;
	return 0;
}

static int
run_change(struct cli *g, const char *cmd, const char *action, int is_window,
    const char *value, char **ids, size_t nids)
{
	struct config cfg;
	struct cache *cache = NULL;
	struct fleet_instance *v = NULL;
	struct cache_target *ts = NULL;
	const struct fleet_instance **sel = NULL, **byid = NULL;
	struct { size_t first; } *span = NULL;
	unsigned char *hit = NULL;
	struct tagging_items items;
	struct tagging_plan plan;
	struct tagging_opts o;
	struct buf unknown;
	size_t n = 0, nts = 0, nsel = 0, nunknown = 0, i, j, k;
	char *err = NULL;
	const char *key;
	int rc = EXIT_FAIL, acted = 0;

	memset(&plan, 0, sizeof plan);
	memset(&items, 0, sizeof items);
	buf_init(&unknown);
	if (cli_load_config(g, &cfg) != 0)
		return EXIT_CONFIG;
	if (cli_refuse_read_only(g, &cfg, cmd)) {
		config_free(&cfg);
		return EXIT_FAIL;
	}
	key = is_window ? cfg.tags.window : cfg.tags.owner;
	if (is_window && value != NULL &&
	    fleet_window_find(cfg.windows, cfg.nwindows, value) < 0) {
		struct buf b;

		buf_init(&b);
		for (i = 0; i < cfg.nwindows; i++)
			buf_printf(&b, "%s%s", i ? ", " : "",
			    cfg.windows[i].id);
		cli_err("%s: refused: window '%s' is not defined in the "
		    "configuration; defined: %s", cmd, value,
		    cfg.nwindows ? b.data : "none");
		buf_free(&b);
		config_free(&cfg);
		return EXIT_FAIL;
	}
	if (cli_open_cache(g, &cache) != 0) {
		config_free(&cfg);
		return EXIT_CONFIG;
	}
	if (cache_load_instances(cache, &v, &n, &err) != 0 ||
	    cache_targets(cache, 0, &ts, &nts, &err) != 0) {
		cli_err("%s: %s", cmd, err);
		free(err);
		rc = EXIT_CONFIG;
		goto out;
	}

	/* Every cached row of each id (an id lives in one account and
	 * region; the same pair synced under two targets counts once), found
	 * by sorting: thousands of ids against 100,000 rows. */
	sel = xcalloc(n + 1, sizeof *sel);
	span = xcalloc(nids + 1, sizeof *span);
	byid = xcalloc(n + 1, sizeof *byid);
	for (i = 0; i < n; i++)
		byid[i] = &v[i];
	qsort(byid, n, sizeof *byid, cmp_inst_id);
	for (k = 0; k < nids; k++) {
		span[k].first = nsel;
		if (id_given_before(ids, k))
			continue;
		for (i = first_with_id(byid, n, ids[k]); i < n &&
		    strcmp(byid[i]->id, ids[k]) == 0; i++) {
			if (nsel > span[k].first &&
			    cmp_inst_id(&byid[i], &sel[nsel - 1]) == 0)
				continue;
			sel[nsel++] = byid[i];
		}
	}
	span[nids].first = nsel;
	tagging_items_from_rows(&cfg, ts, nts, sel, nsel, value, &items);
	/* An id none of whose rows has a configured target is unknown. */
	hit = xcalloc(nsel + 1, 1);
	for (i = 0; i < items.n; i++)
		hit[items.row[i]] = 1;
	for (k = 0; k < nids; k++) {
		int found = 0;

		if (id_given_before(ids, k))
			continue;	/* named once */
		for (j = span[k].first; j < span[k + 1].first && !found; j++)
			found = hit[j];
		if (!found) {
			buf_printf(&unknown, "%s%s", nunknown ? ", " : "",
			    ids[k]);
			nunknown++;
		}
	}
	if (nunknown > 0) {
		cli_err("%s: refused: %zu id(s) not in the cache of a configured "
		    "target: %s; run `patchdeck sync` if they are new", cmd,
		    nunknown, unknown.data);
		goto out;
	}

	tagging_plan_build(items.v, items.n, key, 0, &plan);

	if (g->dry_run) {
		for (i = 0; i < plan.ncalls; i++)
			cli_print_tagging_call(&plan.calls[i], "would call: ");
		cli_printf("%s: dry run: %zu instance(s), %zu call(s) would be "
		    "made; none was\n", cmd, plan.ninstances, plan.ncalls);
		rc = EXIT_OK;
		goto out;
	}

	memset(&o, 0, sizeof o);
	o.cfg = &cfg;
	o.profile = g->profile;
	o.action = action;
	o.requested = value;
	tagging_apply(&o, &plan, &acted, &err);
	for (i = 0; i < plan.ncalls; i++) {
		const struct tagging_call *c = &plan.calls[i];

		/* A refusal leaves every call unsent and without an error. */
		if (!c->sent && c->err.code == NULL)
			continue;
		cli_print_tagging_call(c, "");
		cli_print_tagging_outcome(c);
	}
	if (err != NULL) {
		cli_err("%s: %s", cmd, err);
		free(err);
		err = NULL;
	} else {
		rc = EXIT_OK;
	}
	if (!acted)
		goto out;
	{
		char *e = NULL;

		if (tagging_update_cache(cache, &cfg, &plan, &e) != 0) {
			cli_err("%s: the change was made, but the cache could "
			    "not be updated (%s); run `patchdeck sync`", cmd, e);
			free(e);
		}
	}
	{
		size_t nok = 0, idsok = 0;

		for (i = 0; i < plan.ncalls; i++) {
			if (plan.calls[i].ok) {
				nok++;
				idsok += plan.calls[i].nids;
			}
		}
		cli_printf("%s: %zu of %zu instance(s) changed in %zu of %zu "
		    "call(s)%s\n", cmd, idsok, plan.ninstances, nok,
		    plan.ncalls, rc == EXIT_OK ? "" : "; see the errors above");
	}
out:
	tagging_plan_free(&plan);
	tagging_items_free(&items);
	free(hit);
	free(sel);
	free(span);
	free(byid);
	buf_free(&unknown);
	cache_targets_free(ts, nts);
	cache_instances_free(v, n);
	cache_close(cache);
	config_free(&cfg);
	return rc;
}

/* Options after the subcommand are refused: an id never starts with
 * '-', and a stray "--dryrun" must not turn into a real change. */
static int
check_args(const char *cmd, int argc, char **argv, int from, const char *use)
{
	int i;

	for (i = from; i < argc; i++) {
		if (argv[i][0] == '-') {
			cli_err("%s: unknown option '%s' (global options such "
			    "as --dry-run go before or after, spelt exactly)",
			    cmd, argv[i]);
			fputs(use, stderr);
			return -1;
		}
	}
	return 0;
}

int
cli_window(struct cli *g, int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		fputs(window_usage, stdout);
		return EXIT_OK;
	}
	if (argc >= 4 && strcmp(argv[1], "assign") == 0) {
		if (check_args("window assign", argc, argv, 2,
		    window_usage) != 0)
			return EXIT_USAGE;
		return run_change(g, "window assign", "window.assign", 1,
		    argv[2], argv + 3, (size_t)(argc - 3));
	}
	if (argc >= 3 && strcmp(argv[1], "clear") == 0) {
		if (check_args("window clear", argc, argv, 2,
		    window_usage) != 0)
			return EXIT_USAGE;
		return run_change(g, "window clear", "window.clear", 1, NULL,
		    argv + 2, (size_t)(argc - 2));
	}
	cli_err("window: expected `assign WINDOW ID...` or `clear ID...`");
	fputs(window_usage, stderr);
	return EXIT_USAGE;
}

int
cli_owner(struct cli *g, int argc, char **argv)
{
	char *why = NULL;

	if (cli_wants_help(argc, argv)) {
		fputs(owner_usage, stdout);
		return EXIT_OK;
	}
	if (argc >= 4 && strcmp(argv[1], "set") == 0) {
		if (check_args("owner set", argc, argv, 3, owner_usage) != 0)
			return EXIT_USAGE;
		if (!tagging_owner_ok(argv[2], &why)) {
			cli_err("owner set: %s", why);
			free(why);
			return EXIT_USAGE;
		}
		return run_change(g, "owner set", "owner.set", 0, argv[2],
		    argv + 3, (size_t)(argc - 3));
	}
	if (argc >= 3 && strcmp(argv[1], "clear") == 0) {
		if (check_args("owner clear", argc, argv, 2, owner_usage) != 0)
			return EXIT_USAGE;
		return run_change(g, "owner clear", "owner.clear", 0, NULL,
		    argv + 2, (size_t)(argc - 2));
	}
	cli_err("owner: expected `set OWNER ID...` or `clear ID...`");
	fputs(owner_usage, stderr);
	return EXIT_USAGE;
}
