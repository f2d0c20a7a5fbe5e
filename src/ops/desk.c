/*
 * desk.c - see desk.h.
 */
#include "ops/desk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awsconf.h"
#include "aws/net.h"
#include "cache/cache.h"
#include "util/util.h"

/* The region a target without regions syncs: its profile's, as the AWS
 * precedence gives it; "?" when there is none (sync says why). */
static char *
profile_region(const struct config_target *t, const char *profile)
{
	struct aws_config ac;
	char *err = NULL, *r;

	if (awsconf_load(&ac, t->profile != NULL ? t->profile : profile, NULL,
	    &err) != 0) {
		free(err);
		awsconf_free(&ac);
		return xstrdup("?");
	}
	r = xstrdup(ac.region != NULL ? ac.region : "?");
	awsconf_free(&ac);
	return r;
}

/* d->targets, d->targets_short and d->ntargets from the configuration. */
static void
describe_targets(struct desk *d)
{
	const struct config *cfg = d->cfg;
	struct buf b;
	size_t i, k, first = 0;

	buf_init(&b);
	buf_puts(&b, "");
	for (i = 0; i < cfg->ntargets; i++) {
		const struct config_target *t = &cfg->targets[i];

		if (d->region != NULL || t->nregions == 0) {
			char *r = d->region != NULL ? xstrdup(d->region) :
			    profile_region(t, d->profile);

			buf_printf(&b, "%s%s/%s", b.len ? ", " : "", t->name,
			    r);
			free(r);
			if (d->ntargets++ == 0)
				first = b.len;
			continue;
		}
		for (k = 0; k < t->nregions; k++) {
			buf_printf(&b, "%s%s/%s", b.len ? ", " : "", t->name,
			    t->regions[k]);
			if (d->ntargets++ == 0)
				first = b.len;
		}
	}
	if (d->ntargets > 1)
		d->targets_short = xasprintf("%.*s +%zu more", (int)first,
		    b.data, d->ntargets - 1);
	else
		d->targets_short = xstrdup(b.data);
	d->targets = buf_steal(&b);
}

int
desk_open(struct desk *d, struct config *cfg, const struct desk_opts *o,
    char **notice, char **err)
{
	char *path = NULL;

	memset(d, 0, sizeof *d);
	memset(cfg, 0, sizeof *cfg);
	*notice = NULL;
	*err = NULL;
	if (config_load(o->config, o->region, cfg, err) != 0) {
		config_free(cfg);
		return -1;
	}
	d->cfg = cfg;
	if (o->cache == NULL && (path = cache_default_path(err)) == NULL) {
		char *e = *err;

		*err = xasprintf("cache: %s", e);
		free(e);
		config_free(cfg);
		d->cfg = NULL;
		return -1;
	}
	if (cache_open(o->cache != NULL ? o->cache : path, &d->cache, notice,
	    err) != 0) {
		free(path);
		config_free(cfg);
		d->cfg = NULL;
		return -1;
	}
	free(path);
	cache_set_tag_keys(d->cache, cfg->tags.window, cfg->tags.owner);
	d->profile = o->profile;
	d->region = o->region;
	d->dry_run = o->dry_run;
	d->read_only_why = config_read_only_why(cfg, o->read_only);
	describe_targets(d);
	d->net = net_new();
	return 0;
}

void
desk_close_net(struct desk *d)
{
	net_free(d->net);
	d->net = NULL;
}

void
desk_close(struct desk *d)
{
	desk_close_net(d);
	cache_close(d->cache);
	d->cache = NULL;
	if (d->cfg != NULL)
		config_free(d->cfg);
	d->cfg = NULL;
	free(d->targets);
	free(d->targets_short);
	d->targets = d->targets_short = NULL;
	d->ntargets = 0;
}

unsigned
desk_poll(struct desk *d, const int *fds, size_t nfds, long timeout_ms)
{
	return net_poll_fds(d->net, fds, nfds, timeout_ms);
}

char *
desk_take_notice(struct desk *d)
{
	return cache_take_notice(d->cache);
}

int
desk_targets(struct desk *d, struct cache_target **ts, size_t *n,
    char **err)
{
	return cache_targets(d->cache, 0, ts, n, err);
}

void
desk_targets_free(struct cache_target *ts, size_t n)
{
	cache_targets_free(ts, n);
}
