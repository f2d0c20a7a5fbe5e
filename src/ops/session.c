/*
 * session.c - see session.h.
 */
#include "ops/session.h"

#include <stdlib.h>
#include <string.h>

#include "aws/client.h"
#include "aws/creds.h"
#include "aws/net.h"
#include "util/util.h"

static const char *const service_ids[SESSION_NSERVICES] = SESSION_SERVICES;

int
session_open(struct session *s, const char *profile, const char *region,
    char **err)
{
	memset(s, 0, sizeof *s);
	s->net = net_new();
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
