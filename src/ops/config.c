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
	"expiring_days", "confirm_count_above", "sns_topic", "exceptions_table", "runs_table",
	"prepare_timeout", NULL
};
static const char *const results_keys[] = {
	"bucket", "prefix", "athena_database", "athena_workgroup",
	"athena_output", NULL
};
static const char *const precheck_keys[] = {
	"min_free_mb", "min_free_pct", "mounts", "repo_url_prefixes",
	"max_load1", "repo_map", NULL
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


/* Splits a list at commas and blanks into a fresh array; each item must
 * pass ok(). */
static int
split_list(const struct ini_key *k, int (*ok)(const char *, size_t),
    const char *what, char ***out, size_t *n, char **err)
{
	const char *p = k->value, *q;
	size_t len;

	while (*p != '\0') {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		q = p;
		while (*q != '\0' && *q != ',' && *q != ' ' && *q != '\t')
			q++;
		len = (size_t)(q - p);
		if (!ok(p, len)) {
			*err = xasprintf("%s: %s: '%.*s' is not %s", k->where,
			    k->name, (int)(len > 60 ? 60 : len), p, what);
			return -1;
		}
		*out = xreallocarray(*out, *n + 1, sizeof **out);
		(*out)[(*n)++] = xstrndup(p, len);
		p = q;
	}
	return 0;
}

static int
printable(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if ((unsigned char)p[i] < 0x21 || (unsigned char)p[i] >= 0x7f ||
		    p[i] == '\'' || p[i] == '"' || p[i] == '\\')
			return 0;
	}
	return len > 0 && len <= 1024;
}

static int
mount_ok(const char *p, size_t len)
{
	return p[0] == '/' && printable(p, len);
}

static int
url_ok(const char *p, size_t len)
{
	return printable(p, len) && ((len > 7 && strncmp(p, "http://", 7) ==
	    0) || (len > 8 && strncmp(p, "https://", 8) == 0) || (len > 6 &&
	    strncmp(p, "ftp://", 6) == 0) || (len > 7 &&
	    strncmp(p, "file://", 7) == 0));
}

static void
free_list(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int
region_ok(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char ch = p[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    ch == '-'))
			return 0;
	}
	return len > 0 && len <= 32;
}

static int
split_regions(const struct ini_key *k, struct config_target *t, char **err)
{
	if (split_list(k, region_ok, "a region name", &t->regions,
	    &t->nregions, err) != 0)
		return -1;
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
		} else if (strcmp(k->name, "prepare_timeout") == 0) {
			int m = 0;

			if ((rc = parse_minutes(k, &m, err)) == 0 && m == 0) {
				*err = xasprintf("%s: prepare_timeout must be "
				    "at least 1m", k->where);
				rc = -1;
			}
			c->prepare_timeout_s = m * 60;
		} else {
			free(c->runs_table);
			c->runs_table = xstrdup(k->value);
		}
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* repo_map = FROM -> TO, FROM -> TO */
static int
parse_repo_map(const struct ini_key *k, struct config_precheck *pc, char **err)
{
	char **words = NULL;
	size_t n = 0, i;
	int rc = -1;

	if (split_list(k, printable, "a URL or ->", &words, &n, err) != 0)
		goto out;
	if (n == 0 || n % 3 != 0)
		goto bad;
	for (i = 0; i < n; i += 3) {
		if (!url_ok(words[i], strlen(words[i])) ||
		    strcmp(words[i + 1], "->") != 0 ||
		    !url_ok(words[i + 2], strlen(words[i + 2])))
			goto bad;
		pc->repo_map = xreallocarray(pc->repo_map, pc->nrepo_map + 1,
		    sizeof *pc->repo_map);
		pc->repo_map[pc->nrepo_map].from = words[i];
		pc->repo_map[pc->nrepo_map].to = words[i + 2];
		pc->nrepo_map++;
		free(words[i + 1]);
		words[i] = words[i + 1] = words[i + 2] = NULL;
	}
	rc = 0;
	goto out;
bad:
	*err = xasprintf("%s: repo_map: expected pairs of URLs, "
	    "FROM -> TO, separated by commas (for example: repo_map = "
	    "http://old.example/repo/ -> https://mirror.example.com/repo/)",
	    k->where);
out:
	free_list(words, n);
	return rc;
}

static int
load_precheck(const struct ini_section *s, struct config *c, char **err)
{
	struct config_precheck *pc = &c->precheck;
	size_t i;

	for (i = 0; i < s->nkeys; i++) {
		const struct ini_key *k = &s->keys[i];
		int rc = 0;

		if (!known(precheck_keys, k->name)) {
			*err = xasprintf("%s: unknown key '%s' in [precheck] "
			    "(known: min_free_mb, min_free_pct, mounts, "
			    "repo_url_prefixes, max_load1, repo_map)",
			    k->where, k->name);
			return -1;
		}
		if (strcmp(k->name, "min_free_mb") == 0) {
			int v = 0;

			rc = parse_int(k, 0, 100000000, &v, err);
			pc->min_free_mb = v;
		} else if (strcmp(k->name, "min_free_pct") == 0)
			rc = parse_int(k, 0, 99, &pc->min_free_pct, err);
		else if (strcmp(k->name, "mounts") == 0) {
			free_list(pc->mounts, pc->nmounts);
			pc->mounts = NULL;
			pc->nmounts = 0;
			rc = split_list(k, mount_ok, "an absolute path",
			    &pc->mounts, &pc->nmounts, err);
			if (rc == 0 && pc->nmounts == 0) {
				*err = xasprintf("%s: mounts is empty",
				    k->where);
				rc = -1;
			}
		} else if (strcmp(k->name, "repo_url_prefixes") == 0) {
			free_list(pc->repo_url_prefixes,
			    pc->nrepo_url_prefixes);
			pc->repo_url_prefixes = NULL;
			pc->nrepo_url_prefixes = 0;
			rc = split_list(k, url_ok, "a URL (http://, https://, "
			    "ftp:// or file://)", &pc->repo_url_prefixes,
			    &pc->nrepo_url_prefixes, err);
		} else if (strcmp(k->name, "max_load1") == 0) {
			char *end;

			errno = 0;
			pc->max_load1 = strtod(k->value, &end);
			if (errno != 0 || end == k->value || *end != '\0' ||
			    !(pc->max_load1 >= 0 && pc->max_load1 <= 100000)) {
				*err = xasprintf("%s: max_load1 must be a "
				    "number from 0 to 100000", k->where);
				rc = -1;
			}
		} else
			rc = parse_repo_map(k, pc, err);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* An S3 bucket name: 3-63 of a-z 0-9 . -, starting and ending with a
 * letter or digit. */
static int
bucket_ok(const char *v)
{
	size_t i, n = strlen(v);

	if (n < 3 || n > 63)
		return 0;
	for (i = 0; i < n; i++) {
		char ch = v[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    ch == '.' || ch == '-'))
			return 0;
	}
	return v[0] != '.' && v[0] != '-' && v[n - 1] != '.' &&
	    v[n - 1] != '-';
}

/* An Athena database or workgroup name: 1-128 of A-Z a-z 0-9 _ . -. */
static int
athena_name_ok(const char *v)
{
	size_t i, n = strlen(v);

	for (i = 0; i < n; i++) {
		char ch = v[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' ||
		    ch == '-'))
			return 0;
	}
	return n >= 1 && n <= 128;
}

static int
load_results(const struct ini_section *s, struct config *c, char **err)
{
	struct config_results *r = &c->results;
	size_t i;

	for (i = 0; i < s->nkeys; i++) {
		const struct ini_key *k = &s->keys[i];
		const char *v = k->value;
		char **slot;
		int ok;

		if (!known(results_keys, k->name)) {
			*err = xasprintf("%s: unknown key '%s' in [results] "
			    "(known: bucket, prefix, athena_database, "
			    "athena_workgroup, athena_output)", k->where,
			    k->name);
			return -1;
		}
		if (strcmp(k->name, "bucket") == 0) {
			slot = &r->bucket;
			ok = bucket_ok(v);
		} else if (strcmp(k->name, "prefix") == 0) {
			slot = &r->prefix;
			ok = printable(v, strlen(v)) && v[0] != '/' &&
			    v[strlen(v) - 1] != '/';
		} else if (strcmp(k->name, "athena_database") == 0) {
			slot = &r->athena_database;
			/* Goes into DDL: letters, digits and _ only. */
			ok = athena_name_ok(v) && strchr(v, '.') == NULL &&
			    strchr(v, '-') == NULL;
		} else if (strcmp(k->name, "athena_workgroup") == 0) {
			slot = &r->athena_workgroup;
			ok = athena_name_ok(v);
		} else {
			slot = &r->athena_output;
			ok = strncmp(v, "s3://", 5) == 0 && v[5] != '\0' &&
			    printable(v, strlen(v));
		}
		if (!ok) {
			*err = xasprintf("%s: %s: '%.60s' is not a valid %s",
			    k->where, k->name, v, strcmp(k->name, "bucket") ==
			    0 ? "S3 bucket name" : strcmp(k->name,
			    "athena_output") == 0 ? "s3:// location" :
			    strcmp(k->name, "prefix") == 0 ? "key prefix "
			    "(no leading or trailing /)" : "Athena name "
			    "(letters, digits, _)");
			return -1;
		}
		free(*slot);
		*slot = xstrdup(v);
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
	c->prepare_timeout_s = 10 * 60;
	c->results.prefix = xstrdup("patchdeck");
	c->results.athena_database = xstrdup("patchdeck");
	c->results.athena_workgroup = xstrdup("primary");
	c->precheck.min_free_mb = 1024;
	c->precheck.min_free_pct = 10;
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
	if (c->precheck.nmounts == 0) {
		c->precheck.mounts = xcalloc(2, sizeof(char *));
		c->precheck.mounts[0] = xstrdup("/");
		c->precheck.mounts[1] = xstrdup("/var");
		c->precheck.nmounts = 2;
	}
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
		else if (strcmp(n, "results") == 0)
			r = load_results(s, c, err);
		else if (strcmp(n, "precheck") == 0)
			r = load_precheck(s, c, err);
		else if (strncmp(n, "target ", 7) == 0 && n[7] != '\0')
			r = load_target(s, n + 7, c, file, err);
		else if (strncmp(n, "window ", 7) == 0 && n[7] != '\0')
			r = load_window(s, n + 7, c, file, err);
		else {
			*err = xasprintf("%s:%d: unknown section [%s] (known: "
			    "general, tags, results, precheck, target NAME, "
			    "window ID)", file,
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
	free(c->results.bucket);
	free(c->results.prefix);
	free(c->results.athena_database);
	free(c->results.athena_workgroup);
	free(c->results.athena_output);
	free_list(c->precheck.mounts, c->precheck.nmounts);
	free_list(c->precheck.repo_url_prefixes,
	    c->precheck.nrepo_url_prefixes);
	for (i = 0; i < c->precheck.nrepo_map; i++) {
		free(c->precheck.repo_map[i].from);
		free(c->precheck.repo_map[i].to);
	}
	free(c->precheck.repo_map);
	memset(c, 0, sizeof *c);
}
