/*
 * fanout.c - see fanout.h.
 */
#include "ops/fanout.h"

#include <stdlib.h>
#include <string.h>

#include "aws/client.h"
#include "ops/config.h"
#include "ops/session.h"
#include "util/util.h"

static const char *const service_ids[SESSION_NSERVICES] = SESSION_SERVICES;

/* One target: its access, shared by its slots. */
struct fanout_access {
	struct net *net;
	struct target_access x;
};

struct fanout {
	struct fanout_access *accs;
	size_t naccs;
	struct fanout_slot *slots;
	size_t nslots;
};

static struct fanout *
fanout_new(size_t naccs, size_t nslots)
{
	struct fanout *f = xcalloc(1, sizeof *f);

	f->accs = xcalloc(naccs ? naccs : 1, sizeof *f->accs);
	f->slots = xcalloc(nslots ? nslots : 1, sizeof *f->slots);
	return f;
}

void
fanout_free(struct fanout *f)
{
	size_t i, k;

	if (f == NULL)
		return;
	for (i = 0; i < f->nslots; i++) {
		struct fanout_slot *s = &f->slots[i];

		for (k = 0; k < SESSION_NSERVICES; k++)
			aws_client_free(s->clients[k]);
		free(s->clients);
		/* Owned by the slot; const only to its users. */
		free((char *)s->name);
		free((char *)s->region);
	}
	free(f->slots);
	/* The providers after the clients that hold them. */
	for (i = 0; i < f->naccs; i++)
		target_access_close(&f->accs[i].x);
	free(f->accs);
	free(f);
}

static struct fanout_access *
access_open(struct fanout *f, struct net *net, const struct config_target *t,
    const char *profile_opt, const char *region, char **err)
{
	struct fanout_access *a = &f->accs[f->naccs++];

	a->net = net;
	if (target_access_open(&a->x, net, t, profile_opt, region, err) != 0)
		return NULL;
	return a;
}

static void
slot_add(struct fanout *f, struct fanout_access *a,
    const struct config_target *t, const char *region)
{
	struct fanout_slot *s = &f->slots[f->nslots++];

	s->target = t;
	s->name = xasprintf("%s/%s", t->name, region);
	s->region = xstrdup(region);
	s->access = a;
	s->clients = xcalloc(SESSION_NSERVICES, sizeof *s->clients);
}

struct fanout *
fanout_open(struct net *net, const struct config *cfg,
    const char *profile_opt, const char *region_opt, char **err)
{
	struct fanout *f;
	size_t i, k, total = 0;

	for (i = 0; i < cfg->ntargets; i++)
		total += region_opt != NULL || cfg->targets[i].nregions == 0 ?
		    1 : cfg->targets[i].nregions;
	f = fanout_new(cfg->ntargets, total);
	for (i = 0; i < cfg->ntargets; i++) {
		const struct config_target *t = &cfg->targets[i];
		struct fanout_access *a;
		const char *r;

		a = access_open(f, net, t, profile_opt, region_opt != NULL ?
		    region_opt : (t->nregions > 0 ? t->regions[0] : NULL),
		    err);
		if (a == NULL)
			goto fail;
		if (region_opt == NULL && t->nregions > 0) {
			for (k = 0; k < t->nregions; k++)
				slot_add(f, a, t, t->regions[k]);
			continue;
		}
		r = region_opt != NULL ? region_opt : a->x.cfg.region;
		if (r == NULL) {
			*err = xasprintf("target %s: no region: give regions "
			    "in the configuration, --region or AWS_REGION",
			    t->name);
			goto fail;
		}
		slot_add(f, a, t, r);
	}
	return f;
fail:
	fanout_free(f);
	return NULL;
}

static const struct config_target *
find_config_target(const struct config *cfg, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < cfg->ntargets; i++)
		if (strlen(cfg->targets[i].name) == len &&
		    strncmp(cfg->targets[i].name, name, len) == 0)
			return &cfg->targets[i];
	return NULL;
}

struct fanout *
fanout_open_named(struct net *net, const struct config *cfg,
    const char *profile_opt, const char *const *names, size_t n, char **err)
{
	struct fanout *f = fanout_new(n, n);
	size_t i, k;

	for (i = 0; i < n; i++) {
		/* The region never holds a '/'; a target name may. */
		const char *slash = strrchr(names[i], '/');
		const struct config_target *t;
		struct fanout_access *a = NULL;

		if (fanout_find(f, names[i]) != NULL)
			continue;
		if (slash == NULL || slash == names[i] || slash[1] == '\0') {
			*err = xasprintf("'%s' is not a target name "
			    "(TARGET/REGION)", names[i]);
			goto fail;
		}
		t = find_config_target(cfg, names[i],
		    (size_t)(slash - names[i]));
		if (t == NULL) {
			*err = xasprintf("target %s is not in the "
			    "configuration (any more): run patchdeck sync",
			    names[i]);
			goto fail;
		}
		for (k = 0; k < f->nslots && a == NULL; k++)
			if (f->slots[k].target == t)
				a = f->slots[k].access;
		if (a == NULL && (a = access_open(f, net, t, profile_opt,
		    slash + 1, err)) == NULL)
			goto fail;
		slot_add(f, a, t, slash + 1);
	}
	return f;
fail:
	fanout_free(f);
	return NULL;
}

size_t
fanout_count(const struct fanout *f)
{
	return f->nslots;
}

struct fanout_slot *
fanout_slot(struct fanout *f, size_t i)
{
	return &f->slots[i];
}

struct fanout_slot *
fanout_find(struct fanout *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->nslots; i++)
		if (strcmp(f->slots[i].name, name) == 0)
			return &f->slots[i];
	return NULL;
}

struct fanout_slot *
fanout_find_target(struct fanout *f, const char *target, const char *region)
{
	size_t i, len = strlen(target);

	/* By the slot's own name: the configuration may be gone. */
	for (i = 0; i < f->nslots; i++) {
		const char *name = f->slots[i].name;

		if (strncmp(name, target, len) == 0 && name[len] == '/' &&
		    strcmp(name + len + 1, region) == 0)
			return &f->slots[i];
	}
	return NULL;
}

struct aws_client *
fanout_client(struct fanout_slot *s, const char *service, char **err)
{
	char *e = NULL;
	size_t i;

	for (i = 0; i < SESSION_NSERVICES; i++)
		if (strcmp(service_ids[i], service) == 0)
			break;
	if (i == SESSION_NSERVICES) {
		*err = xasprintf("target %s: unknown service %s", s->name,
		    service);
		return NULL;
	}
	if (s->clients[i] == NULL) {
		s->clients[i] = aws_client_new(s->access->net,
		    &s->access->x.cfg, s->access->x.creds, service, s->region,
		    &e);
		if (s->clients[i] == NULL) {
			*err = xasprintf("target %s: %s", s->name, e);
			free(e);
			return NULL;
		}
	}
	return s->clients[i];
}
