/*
 * cli_sync.c - `patchdeck sync`: the inventory into the cache, with
 * progress: one line per target and event when stderr is not a terminal
 * (cron, CI logs), one line rewritten in place when it is.
 */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/net.h"
#include "cache/cache.h"
#include "ops/config.h"
#include "ops/sync.h"
#include "util/util.h"

static const char usage[] =
    "usage: patchdeck [global options] sync\n"
    "\n"
    "Fetches every instance of every target (account) and region in the\n"
    "configuration: EC2 DescribeInstances and SSM DescribeInstanceInformation,\n"
    "all at once, merged per instance, and writes them to the local cache,\n"
    "one transaction per target and region.  A target that fails (access\n"
    "denied, unreachable) is named with the AWS error and keeps its previous\n"
    "rows; the others still sync.\n"
    "\n"
    "Exit status: 0 if every target synced, 1 if any failed, 3 if the\n"
    "configuration or the cache cannot be used.\n";

struct progress {
	int tty;
	size_t fetched;
};

static void
on_progress(void *arg, enum sync_event ev, const char *target, size_t count,
    const char *code, const char *message)
{
	struct progress *p = arg;

	switch (ev) {
	case SYNC_STARTED:
		if (!p->tty)
			cli_err("sync %s: started", target);
		break;
	case SYNC_PROGRESS:
		if (p->tty) {
			cli_fprintf(stderr, "\r\033[K");
			cli_put(stderr, target);
			cli_fprintf(stderr, ": %zu instances so far", count);
		}
		break;
	case SYNC_DONE:
		if (p->tty)
			cli_fprintf(stderr, "\r\033[K");
		cli_err("sync %s: %zu instances", target, count);
		break;
	case SYNC_FAILED:
		if (p->tty)
			cli_fprintf(stderr, "\r\033[K");
		cli_err("sync %s: FAILED: %s: %s (previous data kept)", target,
		    code, message);
		break;
	}
}

static void
on_done(void *arg, size_t ok, size_t failed, size_t instances)
{
	(void)arg;
	cli_err("sync: %zu target(s) synced, %zu failed, %zu instances", ok,
	    failed, instances);
}

int
cli_sync(struct cli *g, int argc, char **argv)
{
	struct config cfg;
	struct cache *cache = NULL;
	struct net *net;
	struct sync_opts o;
	struct sync *s;
	struct progress p;
	char *err = NULL;
	int rc;

	if ((rc = cli_no_args("sync", usage, argc, argv)) >= 0)
		return rc;
	if (cli_load_config(g, &cfg) != 0)
		return EXIT_CONFIG;
	if (cli_open_cache(g, &cache) != 0) {
		config_free(&cfg);
		return EXIT_CONFIG;
	}
	memset(&p, 0, sizeof p);
	p.tty = isatty(STDERR_FILENO);
	memset(&o, 0, sizeof o);
	o.cfg = &cfg;
	o.profile = g->profile;
	o.region = g->region;
	o.cache = cache;
	o.progress = on_progress;
	o.done = on_done;
	o.arg = &p;
	net = net_new();
	s = sync_start(net, &o, &err);
	if (s == NULL) {
		cli_err("sync: %s", err);
		free(err);
		rc = EXIT_CONFIG;
	} else {
		net_run(net, NULL);
		rc = EXIT_OK;
	}
	net_free(net);
	if (s != NULL) {
		rc = sync_failed_count(s) > 0 ? EXIT_FAIL : EXIT_OK;
		sync_free(s);
	}
	cache_close(cache);
	config_free(&cfg);
	return rc;
}
