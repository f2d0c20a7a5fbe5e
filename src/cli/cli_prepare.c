/*
 * cli_prepare.c - `patchdeck prepare WINDOW [--date D] [--undo]`: wake a
 * window's stopped members before it opens, or stop them again
 * (ops/prepare.c does the work; this file asks, prints and exits).
 */
#include "cli/cli.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "aws/net.h"
#include "cache/cache.h"
#include "ops/config.h"
#include "ops/excache.h"
#include "ops/prepare.h"
#include "util/util.h"

/* Some instance did not come Online before the timeout (README "Exit
 * codes"); the pre-check uses 4 for its failures the same way. */
#define EXIT_NOT_READY 4

static const char usage[] =
    "usage: patchdeck [global options] prepare WINDOW [--date YYYY-MM-DD]\n"
    "       patchdeck [global options] prepare --undo WINDOW\n"
    "           [--date YYYY-MM-DD]\n"
    "\n"
    "Wakes the stopped members of a window before it opens: in every target\n"
    "and region, the instances whose window tag (PatchWindow) is WINDOW are\n"
    "read from EC2; the stopped ones are tagged patchdeck:started-for =\n"
    "WINDOW@DATE, started (StartInstances, up to 1000 ids a call; a failed\n"
    "call is sent again one instance at a time so each gets its own\n"
    "outcome), and waited for until SSM reports their agent Online, up to\n"
    "prepare_timeout ([general], default 10m).  Members that were running\n"
    "are never touched; a stopped member that an approved exception record\n"
    "in the cache (`patchdeck exceptions list`) keeps out of the night is\n"
    "left stopped.  DATE is the window's start date in its own\n"
    "time zone: by default the occurrence in progress or the next one;\n"
    "--date must be a day the window starts on.\n"
    "\n"
    "--undo stops exactly the instances tagged WINDOW@DATE (read from EC2\n"
    "now, not from the cache) and removes the tag; an instance running\n"
    "before prepare has no tag and is never stopped.  A second --undo finds\n"
    "nothing.  Without --date, the date the instances are tagged for (when\n"
    "they are tagged for several, name one).\n"
    "\n"
    "  --dry-run     list what would be done; no change, no audit entry\n"
    "  --yes         do not ask (needed without a terminal: else exit 2)\n"
    "  --read-only   (or read_only = true) refuse, exit 1\n"
    "  --format      table (default) or json: each instance with\n"
    "                instance_id, target, state, action (start, wait,\n"
    "                running, busy, excepted, stop, untag), reason, and\n"
    "                after a change acted, tagged, untagged, was_running,\n"
    "                came_online, ping, error\n"
    "\n"
    "Progress lines go to stderr.  Ctrl-C while waiting stops the wait (the\n"
    "instances not Online yet are named, exit 4); a second one ends at once.\n"
    "Every change is written to the audit log\n"
    "($XDG_STATE_HOME/patchdeck/audit.log) before and after, with the\n"
    "instance ids; when the log cannot be written, nothing is changed.\n"
    "\n"
    "Exit status: 0 done (every started instance Online), 1 a call failed\n"
    "or the change was refused, 2 bad arguments or a change without a\n"
    "terminal and without --yes, 3 configuration unusable, 4 some started\n"
    "instance did not come Online in time (named).\n";

/* Ctrl-C while waiting for SSM: stop waiting, keep the outcomes and write
 * the audit result (a second Ctrl-C ends the program at once).  An int:
 * net_run() takes its stop flag as one. */
static volatile int interrupted;

static void
on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

struct waited {
	int ended;
	int rc;
	char *err;
};

static void
on_progress(void *arg, const char *line)
{
	(void)arg;
	cli_fprintf(stderr, "%s\n", line);
}

static void
on_done(void *arg, int rc, const char *err)
{
	struct waited *w = arg;

	w->ended = 1;
	w->rc = rc;
	free(w->err);
	w->err = err != NULL ? xstrdup(err) : NULL;
}

static cJSON *
member_json(const struct prepare_member *m, int ran)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		util_fatal("out of memory (JSON)");
	cJSON_AddStringToObject(o, "instance_id", m->id);
	cJSON_AddStringToObject(o, "target", m->slot);
	cJSON_AddStringToObject(o, "state", m->state);
	cJSON_AddStringToObject(o, "action", fleet_wake_action_name(m->action));
	cJSON_AddStringToObject(o, "reason", m->why);
	if (!ran)
		return o;
	cJSON_AddBoolToObject(o, "acted", m->acted);
	cJSON_AddBoolToObject(o, "tagged", m->tagged);
	cJSON_AddBoolToObject(o, "untagged", m->untagged);
	cJSON_AddBoolToObject(o, "was_running", m->was_running);
	if ((m->action == FLEET_WAKE_START && m->acted) ||
	    m->action == FLEET_WAKE_WAIT)
		cJSON_AddBoolToObject(o, "came_online", m->online);
	else
		cJSON_AddNullToObject(o, "came_online");
	if (m->ping != NULL)
		cJSON_AddStringToObject(o, "ping", m->ping);
	else
		cJSON_AddNullToObject(o, "ping");
	if (m->error != NULL)
		cJSON_AddStringToObject(o, "error", m->error);
	else
		cJSON_AddNullToObject(o, "error");
	return o;
}

/* What happened to m, in a word, after the run. */
static const char *
outcome(const struct prepare_member *m)
{
	if (m->error != NULL)
		return "failed";
	switch (m->action) {
	case FLEET_WAKE_START:
	case FLEET_WAKE_WAIT:
		if (m->action == FLEET_WAKE_START && m->was_running)
			return "running already (started by someone else)";
		if (m->action == FLEET_WAKE_START && !m->acted)
			return "not started";
		return m->online ? "online" : "not online";
	case FLEET_WAKE_STOP:
		return m->acted && m->untagged ? "stopped, untagged" :
		    m->acted ? "stopped" : "not stopped";
	case FLEET_WAKE_UNTAG:
		return m->untagged ? "untagged" : "not untagged";
	default:
		return "left alone";
	}
}

static void
print(const struct cli *g, const struct prepare *p, int ran, int dry)
{
	const struct prepare_member *m;
	size_t n, i;

	m = prepare_members(p, &n);
	if (g->format == FORMAT_JSON) {
		cJSON *root = cJSON_CreateObject(), *arr;

		if (root == NULL)
			util_fatal("out of memory (JSON)");
		cJSON_AddStringToObject(root, "window", prepare_window(p));
		cJSON_AddStringToObject(root, "date", prepare_date(p));
		cJSON_AddStringToObject(root, "tag", prepare_tag(p));
		cJSON_AddBoolToObject(root, "undo", prepare_is_undo(p));
		cJSON_AddBoolToObject(root, "dry_run", dry);
		if (ran && !prepare_is_undo(p))
			cJSON_AddNumberToObject(root, "waited_s",
			    (double)prepare_waited_s(p));
		arr = cJSON_AddArrayToObject(root, "instances");
		for (i = 0; i < n; i++)
			cJSON_AddItemToArray(arr, member_json(&m[i], ran));
		cli_json_put(stdout, root, 1);
		fputc('\n', stdout);
		cJSON_Delete(root);
		return;
	}
	cli_printf("%-21s %-24s %-9s %-9s %s\n", "INSTANCE", "TARGET", "STATE",
	    "ACTION", ran ? "OUTCOME" : "REASON");
	for (i = 0; i < n; i++) {
		cli_printf("%-21s %-24s %-9s %-9s %s", m[i].id, m[i].slot,
		    m[i].state, fleet_wake_action_name(m[i].action),
		    ran ? outcome(&m[i]) : m[i].why);
		if (ran && m[i].error != NULL)
			cli_printf(": %s", m[i].error);
		else if (ran && m[i].ping != NULL && !m[i].online)
			cli_printf(" (ping %s)", m[i].ping);
		cli_printf("\n");
	}
}

/* The summary line, and the names of those that did not come up. */
static void
summary(const struct prepare *p, int rc)
{
	const struct prepare_member *m;
	size_t n, i, started = 0, online = 0, stopped = 0, untagged = 0;
	struct buf late;

	m = prepare_members(p, &n);
	buf_init(&late);
	for (i = 0; i < n; i++) {
		if (m[i].action == FLEET_WAKE_START && m[i].acted)
			started++;
		if ((m[i].action == FLEET_WAKE_START && m[i].acted) ||
		    m[i].action == FLEET_WAKE_WAIT) {
			if (m[i].online)
				online++;
			else
				buf_printf(&late, "%s%s", late.len ? " " : "",
				    m[i].id);
		}
		if (m[i].action == FLEET_WAKE_STOP && m[i].acted)
			stopped++;
		if (m[i].untagged)
			untagged++;
	}
	if (prepare_is_undo(p)) {
		cli_fprintf(stderr, "prepare --undo: %s: %zu stopped, %zu "
		    "untagged\n", prepare_tag(p), stopped, untagged);
	} else {
		cli_fprintf(stderr, "prepare: %s: %zu started, %zu Online\n",
		    prepare_tag(p), started, online);
		if (rc == PREPARE_NOT_READY && prepare_cancelled(p))
			cli_fprintf(stderr, "prepare: not Online when the wait "
			    "was cancelled: %s\n",
			    late.data != NULL ? late.data : "");
		else if (rc == PREPARE_NOT_READY)
			cli_fprintf(stderr, "prepare: did not come Online "
			    "within %d s: %s\n", prepare_timeout(p),
			    late.data != NULL ? late.data : "");
	}
	buf_free(&late);
}

int
cli_prepare(struct cli *g, int argc, char **argv)
{
	struct prepare_opts o;
	struct prepare *p = NULL;
	struct config cfg;
	struct cache *cache = NULL;
	struct excache exc;
	struct net *net = NULL;
	struct waited w;
	const char *window = NULL, *date = NULL, *const *ids;
	const char *cmd;
	char *err = NULL;
	size_t nids;
	int i, r, undo = 0, rc = EXIT_FAIL;

	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return EXIT_OK;
	}
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--undo") == 0) {
			undo = 1;
		} else if ((r = cli_opt_value(argc, argv, &i, "--date",
		    &date)) != 0) {
			if (r < 0) {
				cli_err("prepare: --date needs YYYY-MM-DD");
				return EXIT_USAGE;
			}
		} else if (argv[i][0] == '-') {
			cli_err("prepare: unknown option '%s'", argv[i]);
			fputs(usage, stderr);
			return EXIT_USAGE;
		} else if (window == NULL) {
			window = argv[i];
		} else {
			cli_err("prepare: one window only ('%s' too)", argv[i]);
			return EXIT_USAGE;
		}
	}
	cmd = undo ? "prepare --undo" : "prepare";
	if (window == NULL) {
		cli_err("%s: which window?", cmd);
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	if (g->format == FORMAT_CSV) {
		cli_err("%s: --format csv is not offered; table or json", cmd);
		return EXIT_USAGE;
	}
	if (cli_load_config(g, &cfg) != 0)
		return EXIT_CONFIG;
	/* A dry run changes nothing: it may list in read-only mode. */
	if (!g->dry_run && cli_refuse_read_only(g, &cfg, cmd)) {
		config_free(&cfg);
		return EXIT_FAIL;
	}
	/* The exception records as `patchdeck plan` reads them, so a
	 * member the plan excludes is not woken. */
	memset(&exc, 0, sizeof exc);
	if (!undo) {
		if (cli_open_cache(g, &cache) != 0) {
			config_free(&cfg);
			return EXIT_CONFIG;
		}
		if (excache_load(cache, cfg.exceptions_table, &exc,
		    &err) != 0) {
			cli_err("%s: %s", cmd, err);
			free(err);
			cache_close(cache);
			config_free(&cfg);
			return EXIT_CONFIG;
		}
		if (exc.fetched_at == 0)
			cli_fprintf(stderr, "%s: no exception records in the "
			    "cache (run `patchdeck exceptions list`); no "
			    "member is left out for an exception\n", cmd);
	}
	memset(&o, 0, sizeof o);
	o.cfg = &cfg;
	o.profile = g->profile;
	o.region = g->region;
	o.window = window;
	o.date = date;
	o.undo = undo;
	o.exceptions = exc.fetched_at > 0 ? exc.v : NULL;
	o.nexceptions = exc.fetched_at > 0 ? exc.n : 0;
	p = prepare_new(&o, &err);
	if (p == NULL) {
		cli_err("%s: %s", cmd, err);
		free(err);
		excache_done(&exc);
		cache_close(cache);
		config_free(&cfg);
		return EXIT_USAGE;
	}

	memset(&w, 0, sizeof w);
	net = net_new();
	if (prepare_list(p, net, on_progress, on_done, &w, &err) != 0) {
		cli_err("%s", err);
		free(err);
		rc = EXIT_CONFIG;
		goto out;
	}
	net_run(net, NULL);
	if (!w.ended || w.rc != 0) {
		cli_err("%s", w.err != NULL ? w.err : "listing ended without "
		    "an outcome");
		goto out;
	}
	ids = prepare_change_ids(p, &nids);
	if (g->dry_run) {
		print(g, p, 0, 1);
		cli_fprintf(stderr, "%s: dry run: %zu instance(s) would be "
		    "%s; no change was made\n", cmd, nids, undo ?
		    "stopped or untagged" : "tagged and started");
		rc = EXIT_OK;
		goto out;
	}
	if (nids == 0 && prepare_count(p, FLEET_WAKE_WAIT) == 0) {
		print(g, p, 0, 0);
		cli_fprintf(stderr, "%s: %s: nothing to do\n", cmd,
		    undo && prepare_tag(p)[0] == '\0' ? window :
		    prepare_tag(p));
		rc = EXIT_OK;
		goto out;
	}
	if ((r = cli_confirm(g, cmd, undo ? "stop and untag" :
	    "tag and start", ids, nids)) != 0) {
		rc = r;
		goto out;
	}
	w.ended = 0;
	{
		struct sigaction sa, old;

		/* Before the run: its first progress line may come from
		 * inside prepare_run. */
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_sigint;
		sigemptyset(&sa.sa_mask);
		interrupted = 0;
		sigaction(SIGINT, &sa, &old);
		if (prepare_run(p, on_done, &w, &err) != 0) {
			sigaction(SIGINT, &old, NULL);
			cli_err("%s", err);
			free(err);
			goto out;
		}
		net_run(net, &interrupted);
		if (interrupted) {
			sigaction(SIGINT, &old, NULL);
			prepare_cancel(p);
			net_run(net, NULL);
		}
		sigaction(SIGINT, &old, NULL);
	}
	print(g, p, 1, 0);
	summary(p, w.rc);
	if (!w.ended) {
		cli_err("%s: the change ended without an outcome", cmd);
	} else if (w.rc == 0) {
		rc = EXIT_OK;
	} else if (w.rc == PREPARE_NOT_READY) {
		rc = EXIT_NOT_READY;
	} else {
		cli_err("%s", w.err != NULL ? w.err : "failed");
	}
out:
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_err("%s: cannot write the output", cmd);
		rc = EXIT_FAIL;
	}
	net_free(net);
	prepare_free(p);
	free(w.err);
	excache_done(&exc);
	cache_close(cache);
	config_free(&cfg);
	return rc;
}
