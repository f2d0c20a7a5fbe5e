/*
 * config.c - see config.h.
 */
#include "ops/config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/ini.h"
#include "util/util.h"

#define ZONE_MAX_BYTES (1 << 20)

static const char *const general_keys[] = {
	"read_only", "refresh", "stale_days", "exception_max_days",
	"expiring_days", "confirm_count_above", "sns_topic", "exceptions_table", "runs_table", NULL
};
static const char *const target_keys[] = {
	"profile", "role_arn", "external_id", "regions", "region", NULL
};
static const char *const window_keys[] = {
	"schedule", "duration", "timezone", "lead", NULL
};
static const char *const tag_keys[] = {
	"window", "exception", "patch_now", "last_patched", "owner",
	"started_for", NULL
};

char *
config_default_path(void)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

	if (x != NULL && *x == '/')
		return xasprintf("%s/patchdeck/config", x);
	return xasprintf("%s/.config/patchdeck/config",
	    home != NULL ? home : "");
}

int
config_load_zone(const char *name, struct fleet_tz *tz, char **err)
{
	const char *dir = getenv("TZDIR");
	struct buf data;
	const char *p;
	char *path;
	int rc;

	if (strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0) {
		fleet_tz_utc(tz);
		return 0;
	}
	for (p = name; *p != '\0'; p++) {
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("/_+-", *p) != NULL))
			break;
	}
	if (*name == '\0' || *p != '\0' || *name == '/' ||
	    strstr(name, "..") != NULL || strlen(name) > 64) {
		*err = xasprintf("'%s' is not a time zone name (use IANA names "
		    "such as Europe/Berlin)", name);
		return -1;
	}
	path = xasprintf("%s/%s", dir != NULL && *dir != '\0' ? dir :
	    "/usr/share/zoneinfo", name);
	buf_init(&data);
	if (util_read_file(path, ZONE_MAX_BYTES, &data) != 0) {
		*err = xasprintf("time zone '%s': cannot read %s: %s", name,
		    path, strerror(errno));
		free(path);
		buf_free(&data);
		return -1;
	}
	rc = fleet_tz_parse(name, data.data, data.len, tz, err);
	free(path);
	buf_free(&data);
	return rc;
}

static int
known(const char *const *keys, const char *k)
{
	for (; *keys != NULL; keys++) {
		if (strcmp(*keys, k) == 0)
			return 1;
	}
	return 0;
}

static int
parse_bool(const struct ini_key *k, int *out, char **err)
{
	if (strcasecmp(k->value, "true") == 0 ||
	    strcasecmp(k->value, "yes") == 0 || strcmp(k->value, "1") == 0) {
		*out = 1;
		return 0;
	}
	if (strcasecmp(k->value, "false") == 0 ||
	    strcasecmp(k->value, "no") == 0 || strcmp(k->value, "0") == 0) {
		*out = 0;
		return 0;
	}
	*err = xasprintf("%s: %s must be true or false", k->where, k->name);
	return -1;
}

static int
parse_int(const struct ini_key *k, int lo, int hi, int *out, char **err)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(k->value, &end, 10);
	if (errno != 0 || end == k->value || *end != '\0' || v < lo ||
	    v > hi) {
		*err = xasprintf("%s: %s must be a whole number from %d to %d",
		    k->where, k->name, lo, hi);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* "0" or a duration ("5m", "90s" is not offered: minutes are the unit). */
static int
parse_minutes(const struct ini_key *k, int *out, char **err)
{
	char *e = NULL;

	if (strcmp(k->value, "0") == 0) {
		*out = 0;
		return 0;
	}
	if (fleet_duration_parse(k->value, out, &e) != 0) {
		*err = xasprintf("%s: %s: %s", k->where, k->name, e);
		free(e);
		return -1;
	}
	return 0;
}

static int
split_regions(const struct ini_key *k, struct config_target *t, char **err)
{
	const char *p = k->value, *q;
	size_t len, i;

	while (*p != '\0') {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		q = p;
		while (*q != '\0' && *q != ',' && *q != ' ' && *q != '\t')
			q++;
		len = (size_t)(q - p);
		for (i = 0; i < len; i++) {
			char ch = p[i];

			if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' &&
			    ch <= '9') || ch == '-'))
				break;
		}
		if (i < len || len == 0 || len > 32) {
			*err = xasprintf("%s: regions: '%.*s' is not a region "
			    "name", k->where, (int)(len > 40 ? 40 : len), p);
			return -1;
		}
		t->regions = xreallocarray(t->regions, t->nregions + 1,
		    sizeof *t->regions);
		t->regions[t->nregions++] = xstrndup(p, len);
		p = q;
	}
	if (t->nregions == 0) {
		*err = xasprintf("%s: regions is empty", k->where);
		return -1;
	}
	return 0;
}

static int
load_target(const struct ini_section *s, const char *name, struct config *c,
    const char *file, char **err)
{
	struct config_target *t;
	size_t i;

	if (s->repeat_line != 0) {
		*err = xasprintf("%s:%d: target '%s' is given twice (first at "
		    "line %d)", file, s->repeat_line, name, s->line);
		return -1;
	}
	c->targets = xreallocarray(c->targets, c->ntargets + 1,
	    sizeof *c->targets);
	t = &c->targets[c->ntargets++];
	memset(t, 0, sizeof *t);
	t->name = xstrdup(name);
	for (i = 0; i < s->nkeys; i++) {
		const struct ini_key *k = &s->keys[i];

		if (!known(target_keys, k->name)) {
			*err = xasprintf("%s: unknown key '%s' in [target %s] "
			    "(known: profile, role_arn, external_id, regions)",
			    k->where, k->name, name);
			return -1;
		}
		if (strcmp(k->name, "profile") == 0)
			t->profile = xstrdup(k->value);
		else if (strcmp(k->name, "role_arn") == 0) {
			if (strncmp(k->value, "arn:", 4) != 0) {
				*err = xasprintf("%s: role_arn must be an ARN "
				    "(arn:aws:iam::ACCOUNT:role/NAME)",
				    k->where);
				return -1;
			}
			t->role_arn = xstrdup(k->value);
		} else if (strcmp(k->name, "external_id") == 0)
			t->external_id = xstrdup(k->value);
		else if (split_regions(k, t, err) != 0)
			return -1;
	}
	return 0;
}

static int
load_window(const struct ini_section *s, const char *id, struct config *c,
    const char *file, char **err)
{
	struct fleet_window *w;
	const struct ini_key *k;
	char *e = NULL;
	size_t i;

	if (s->repeat_line != 0) {
		*err = xasprintf("%s:%d: window '%s' is given twice (first at "
		    "line %d)", file, s->repeat_line, id, s->line);
		return -1;
	}
	c->windows = xreallocarray(c->windows, c->nwindows + 1,
	    sizeof *c->windows);
	c->zones = xreallocarray(c->zones, c->nwindows + 1,
	    sizeof *c->zones);
	w = &c->windows[c->nwindows];
	fleet_window_init(w);
	memset(&c->zones[c->nwindows], 0, sizeof c->zones[c->nwindows]);
	fleet_tz_utc(&c->zones[c->nwindows]);
	c->nwindows++;
	w->id = xstrdup(id);
	w->tz_name = xstrdup("UTC");

	for (i = 0; i < s->nkeys; i++) {
		k = &s->keys[i];
		if (!known(window_keys, k->name)) {
			*err = xasprintf("%s: unknown key '%s' in [window %s] "
			    "(known: schedule, duration, timezone, lead)",
			    k->where, k->name, id);
			return -1;
		}
	}
	if ((k = ini_key(s, "schedule")) == NULL) {
		*err = xasprintf("%s:%d: [window %s] needs a schedule "
		    "(for example: schedule = sun 02:00)", file, s->line, id);
		return -1;
	}
	if (fleet_schedule_parse(k->value, &w->sched, &e) != 0)
		goto bad;
	if ((k = ini_key(s, "duration")) == NULL) {
		*err = xasprintf("%s:%d: [window %s] needs a duration "
		    "(for example: duration = 3h)", file, s->line, id);
		return -1;
	}
	if (fleet_duration_parse(k->value, &w->duration_min, &e) != 0)
		goto bad;
	if ((k = ini_key(s, "lead")) != NULL && parse_minutes(k,
	    &w->lead_min, err) != 0)
		return -1;
	if ((k = ini_key(s, "timezone")) != NULL) {
		fleet_tz_done(&c->zones[c->nwindows - 1]);
		if (config_load_zone(k->value, &c->zones[c->nwindows - 1],
		    &e) != 0) {
			fleet_tz_utc(&c->zones[c->nwindows - 1]);
			goto bad;
		}
		free(w->tz_name);
		w->tz_name = xstrdup(k->value);
	}
	return 0;
bad:
	*err = xasprintf("%s: %s: %s", k->where, k->name, e);
	free(e);
	return -1;
}

static int
load_general(const struct ini_section *s, struct config *c, char **err)
{
	size_t i;

	for (i = 0; i < s->nkeys; i++) {
		const struct ini_key *k = &s->keys[i];
		int rc = 0;

		if (!known(general_keys, k->name)) {
			*err = xasprintf("%s: unknown key '%s' in [general]",
			    k->where, k->name);
			return -1;
		}
		if (strcmp(k->name, "read_only") == 0)
			rc = parse_bool(k, &c->read_only, err);
		else if (strcmp(k->name, "refresh") == 0) {
			int m = 0;

			rc = parse_minutes(k, &m, err);
			c->refresh_s = m * 60;
		} else if (strcmp(k->name, "stale_days") == 0)
			rc = parse_int(k, 1, 3650, &c->stale_days, err);
		else if (strcmp(k->name, "exception_max_days") == 0)
			rc = parse_int(k, 1, 3650, &c->exception_max_days, err);
		else if (strcmp(k->name, "expiring_days") == 0)
			rc = parse_int(k, 1, 365, &c->expiring_days, err);
		else if (strcmp(k->name, "confirm_count_above") == 0)
			rc = parse_int(k, 1, 1000000, &c->confirm_count_above,
			    err);
		else if (strcmp(k->name, "sns_topic") == 0) {
			free(c->sns_topic);
			c->sns_topic = xstrdup(k->value);
		} else if (strcmp(k->name, "exceptions_table") == 0) {
			free(c->exceptions_table);
			c->exceptions_table = xstrdup(k->value);
		} else {
			free(c->runs_table);
			c->runs_table = xstrdup(k->value);
		}
		if (rc != 0)
			return -1;
	}
	return 0;
}

static int
load_tags(const struct ini_section *s, struct config *c, char **err)
{
	size_t i, slot;

	for (i = 0; i < s->nkeys; i++) {
		const struct ini_key *k = &s->keys[i];

		if (!known(tag_keys, k->name)) {
			*err = xasprintf("%s: unknown key '%s' in [tags] "
			    "(known: window, exception, patch_now, "
			    "last_patched, owner, started_for)", k->where,
			    k->name);
			return -1;
		}
		/* EC2 tag keys: 1-128 characters, no "aws:" prefix. */
		if (k->value[0] == '\0' || strlen(k->value) > 128 ||
		    strncasecmp(k->value, "aws:", 4) == 0) {
			*err = xasprintf("%s: %s: a tag key must be 1-128 "
			    "characters and not start with aws:", k->where,
			    k->name);
			return -1;
		}
		for (slot = 0; tag_keys[slot] != NULL; slot++) {
			if (strcmp(tag_keys[slot], k->name) == 0)
				break;
		}
		free(c->tag_storage[slot]);
		c->tag_storage[slot] = xstrdup(k->value);
	}
	return 0;
}

static void
set_defaults(struct config *c)
{
	memset(c, 0, sizeof *c);
	c->refresh_s = 5 * 60;
	c->stale_days = FLEET_STALE_DAYS_DEFAULT;
	c->exception_max_days = 90;
	c->expiring_days = 7;
	c->confirm_count_above = 50;
	c->exceptions_table = xstrdup("patchdeck-exceptions");
	c->runs_table = xstrdup("patchdeck-runs");
}

static void
finish(struct config *c, const char *default_region)
{
	const struct fleet_tag_names *d = &fleet_tag_names_default;
	size_t i;

	c->tags.window = c->tag_storage[0] ? c->tag_storage[0] : d->window;
	c->tags.exception = c->tag_storage[1] ? c->tag_storage[1] :
	    d->exception;
	c->tags.patch_now = c->tag_storage[2] ? c->tag_storage[2] :
	    d->patch_now;
	c->tags.last_patched = c->tag_storage[3] ? c->tag_storage[3] :
	    d->last_patched;
	c->tags.owner = c->tag_storage[4] ? c->tag_storage[4] : d->owner;
	c->tags.started_for = c->tag_storage[5] ? c->tag_storage[5] :
	    d->started_for;
	c->zone_ptrs = xcalloc(c->nwindows ? c->nwindows : 1,
	    sizeof *c->zone_ptrs);
	for (i = 0; i < c->nwindows; i++)
		c->zone_ptrs[i] = &c->zones[i];
	if (c->ntargets == 0) {
		c->targets = xcalloc(1, sizeof *c->targets);
		c->targets[0].name = xstrdup("default");
		if (default_region != NULL) {
			c->targets[0].regions = xcalloc(1, sizeof(char *));
			c->targets[0].regions[0] = xstrdup(default_region);
			c->targets[0].nregions = 1;
		}
		c->ntargets = 1;
	}
	for (i = 0; i < c->ntargets; i++) {
		if (c->targets[i].nregions == 0 && default_region != NULL) {
			c->targets[i].regions = xcalloc(1, sizeof(char *));
			c->targets[i].regions[0] = xstrdup(default_region);
			c->targets[i].nregions = 1;
		}
	}
}

int
config_load(const char *path, const char *default_region, struct config *c,
    char **err)
{
	struct ini *ini = NULL;
	char *def = NULL;
	const char *file;
	size_t i;
	int rc = -1;

	set_defaults(c);
	if (path == NULL)
		path = def = config_default_path();
	if (ini_load(path, NULL, &ini, err) != 0)
		goto out;
	if (ini == NULL) {
		if (def == NULL) {
			*err = xasprintf("%s: no such file", path);
			goto out;
		}
		finish(c, default_region);
		rc = 0;
		goto out;
	}
	c->path = xstrdup(path);
	file = ini->name;
	for (i = 0; i < ini->nsections; i++) {
		const struct ini_section *s = &ini->sections[i];
		const char *n = s->name;
		int r;

		if (strcmp(n, "general") == 0)
			r = load_general(s, c, err);
		else if (strcmp(n, "tags") == 0)
			r = load_tags(s, c, err);
		else if (strncmp(n, "target ", 7) == 0 && n[7] != '\0')
			r = load_target(s, n + 7, c, file, err);
		else if (strncmp(n, "window ", 7) == 0 && n[7] != '\0')
			r = load_window(s, n + 7, c, file, err);
		else {
			*err = xasprintf("%s:%d: unknown section [%s] (known: "
			    "general, tags, target NAME, window ID)", file,
			    s->line, n);
			r = -1;
		}
		if (r != 0)
			goto out;
	}
	finish(c, default_region);
	rc = 0;
out:
	ini_free(ini);
	free(def);
	return rc;
}

const char *
config_read_only_why(const struct config *cfg, int flag_read_only)
{
	if (flag_read_only)
		return "--read-only";
	if (cfg->read_only)
		return "read_only = true in the configuration";
	return NULL;
}

void
config_free(struct config *c)
{
	size_t i, k;

	for (i = 0; i < c->ntargets; i++) {
		free(c->targets[i].name);
		free(c->targets[i].profile);
		free(c->targets[i].role_arn);
		free(c->targets[i].external_id);
		for (k = 0; k < c->targets[i].nregions; k++)
			free(c->targets[i].regions[k]);
		free(c->targets[i].regions);
	}
	free(c->targets);
	for (i = 0; i < c->nwindows; i++) {
		fleet_window_done(&c->windows[i]);
		fleet_tz_done(&c->zones[i]);
	}
	free(c->windows);
	free(c->zones);
	free(c->zone_ptrs);
	for (i = 0; i < 6; i++)
		free(c->tag_storage[i]);
	free(c->path);
	free(c->sns_topic);
	free(c->exceptions_table);
	free(c->runs_table);
	memset(c, 0, sizeof *c);
}
