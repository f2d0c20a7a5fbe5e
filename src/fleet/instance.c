/*
 * instance.c - see instance.h.
 */
#include "fleet/instance.h"

#include <stdlib.h>
#include <string.h>

#include "util/util.h"

void
fleet_instance_done(struct fleet_instance *i)
{
	size_t k;

	if (i->block != NULL) {
		if (--i->block->refs == 0) {
			free(i->block->tags);
			free(i->block);
		}
		memset(i, 0, sizeof *i);
		return;
	}
	free(i->id);
	free(i->account);
	free(i->region);
	free(i->name);
	free(i->state);
	free(i->type);
	free(i->platform);
	free(i->platform_name);
	free(i->platform_version);
	free(i->private_ip);
	free(i->public_ip);
	free(i->az);
	free(i->launch_time);
	free(i->ping);
	free(i->agent_version);
	for (k = 0; k < i->ntags; k++) {
		free(i->tags[k].key);
		free(i->tags[k].value);
	}
	free(i->tags);
	memset(i, 0, sizeof *i);
}

static char *
dup0(const char *s)
{
	return xstrdup(s != NULL ? s : "");
}

void
fleet_instance_copy(struct fleet_instance *d, const struct fleet_instance *s)
{
	size_t k;

	memset(d, 0, sizeof *d);
	d->id = dup0(s->id);
	d->account = dup0(s->account);
	d->region = dup0(s->region);
	d->name = dup0(s->name);
	d->state = dup0(s->state);
	d->type = dup0(s->type);
	d->platform = dup0(s->platform);
	d->platform_name = dup0(s->platform_name);
	d->platform_version = dup0(s->platform_version);
	d->private_ip = dup0(s->private_ip);
	d->public_ip = dup0(s->public_ip);
	d->az = dup0(s->az);
	d->launch_time = dup0(s->launch_time);
	d->ping = dup0(s->ping);
	d->agent_version = dup0(s->agent_version);
	d->block = NULL;
	d->last_ping = s->last_ping;
	d->fetched_at = s->fetched_at;
	d->ntags = s->ntags;
	d->tags = s->ntags ? xcalloc(s->ntags, sizeof *d->tags) : NULL;
	for (k = 0; k < s->ntags; k++) {
		d->tags[k].key = dup0(s->tags[k].key);
		d->tags[k].value = dup0(s->tags[k].value);
	}
}

int
fleet_instance_cmp_name(const struct fleet_instance *a,
    const struct fleet_instance *b)
{
	int c;

	c = strcmp(a->name, b->name);
	if (c == 0)
		c = strcmp(a->id, b->id);
	if (c == 0)
		c = strcmp(a->region, b->region);
	return c;
}

const char *
fleet_instance_tag(const struct fleet_instance *i, const char *key)
{
	size_t k;

	for (k = 0; k < i->ntags; k++) {
		if (strcmp(i->tags[k].key, key) == 0)
			return i->tags[k].value;
	}
	return NULL;
}
