/*
 * session.c - see session.h.
 */
#include "ops/session.h"

#include <stdlib.h>
#include <string.h>

#include "aws/client.h"
#include "aws/creds.h"
#include "aws/net.h"
#include "ops/config.h"
#include "util/util.h"

static const char *const service_ids[SESSION_NSERVICES] = SESSION_SERVICES;

int
session_open(struct session *s, const char *profile, const char *region,
    char **err)
{
	int rc = session_open_on(s, net_new(), profile, region, err);

	s->net_borrowed = 0;
	return rc;
}

int
session_open_on(struct session *s, struct net *net, const char *profile,
    const char *region, char **err)
{
	memset(s, 0, sizeof *s);
	s->net = net;
	s->net_borrowed = 1;
	if (awsconf_load(&s->cfg, profile, region, err) != 0)
		return -1;
	s->cfg_loaded = 1;
	s->creds = creds_new(s->net, &s->cfg, NULL, err);
	if (s->creds == NULL)
		return -1;
	return 0;
}

void
session_close(struct session *s)
{
	size_t i;

	for (i = 0; i < SESSION_NSERVICES; i++)
		aws_client_free(s->clients[i]);
	/* Transfers may still point at the provider (a refresh in flight):
	 * the loop goes first. */
	if (!s->net_borrowed)
		net_free(s->net);
	creds_free(s->creds);
	if (s->cfg_loaded)
		awsconf_free(&s->cfg);
	memset(s, 0, sizeof *s);
}

struct aws_client *
session_client(struct session *s, const char *service_id, char **err)
{
	size_t i;

	for (i = 0; i < SESSION_NSERVICES; i++) {
		if (strcmp(service_ids[i], service_id) != 0)
			continue;
		if (s->clients[i] == NULL)
			s->clients[i] = aws_client_new(s->net, &s->cfg,
			    s->creds, service_id, NULL, err);
		return s->clients[i];
	}
	*err = xasprintf("unknown service %s", service_id);
	return NULL;
}

int
target_access_open(struct target_access *a, struct net *net,
    const struct config_target *t, const char *profile, const char *region,
    char **err)
{
	struct creds_provider *base;
	char *e = NULL;

	memset(a, 0, sizeof *a);
	if (t->profile != NULL)
		profile = t->profile;
	if (awsconf_load(&a->cfg, profile, region, &e) != 0)
		goto fail;
	a->cfg_loaded = 1;
	base = creds_new(net, &a->cfg, NULL, &e);
	if (base == NULL)
		goto fail;
	if (t->role_arn == NULL) {
		a->creds = base;
		return 0;
	}
	a->creds = creds_new_role(net, &a->cfg, base, t->role_arn,
	    t->external_id, &e);
	if (a->creds != NULL)
		return 0;
fail:
	*err = xasprintf("target %s: %s", t->name, e);
	free(e);
	return -1;
}

void
target_access_close(struct target_access *a)
{
	creds_free(a->creds);
	if (a->cfg_loaded)
		awsconf_free(&a->cfg);
	memset(a, 0, sizeof *a);
}
