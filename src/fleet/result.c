/*
 * result.c - see result.h.
 */
#include "fleet/result.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

#define QUOTE 40		/* bytes of the output an error quotes */
#define MAX_COUNT 1000000000000LL

/* One line of the output: [p, p + n), without its "\n" or "\r\n". */
struct line {
	const char *p;
	size_t n;
};

/* The next line at or after *pos; 0 at the end of out. */
static int
next_line(const char *out, size_t len, size_t *pos, struct line *l)
{
	const char *nl;
	size_t n;

	if (*pos >= len)
		return 0;
	l->p = out + *pos;
	nl = memchr(l->p, '\n', len - *pos);
	n = nl != NULL ? (size_t)(nl - l->p) : len - *pos;
	*pos += n + (nl != NULL);
	if (n > 0 && l->p[n - 1] == '\r')
		n--;
	l->n = n;
	return 1;
}

/*
 * Whether l is tagged: tag, then a space or the end of the line.  A longer
 * word that begins with tag (PATCHDECK_RESULTS) is not the tag.
 */
static int
tagged(const struct line *l, const char *tag)
{
	size_t n = strlen(tag);

	return l->n >= n && memcmp(l->p, tag, n) == 0 &&
	    (l->n == n || l->p[n] == ' ');
}

/*
 * The lines of out tagged tag ("PATCHDECK_X"), at most max of them, into
 * lines: how many, or -1 with *err when there are none or more than max.
 */
static int
tagged_lines(const char *out, size_t len, const char *tag,
    struct line *lines, int max, char **err)
{
	struct line l;
	size_t pos = 0;
	int n = 0;

	if (out == NULL)
		len = 0;
	while (next_line(out, len, &pos, &l)) {
		if (!tagged(&l, tag))
			continue;
		if (n == max) {
			util_seterr(err, "more than %s %s line%s",
			    max == 1 ? "one" : "two", tag, max == 1 ? "" : "s");
			return -1;
		}
		lines[n++] = l;
	}
	if (n == 0) {
		util_seterr(err, "no %s line in the output (cut short, or "
		    "the document did not finish)", tag);
		return -1;
	}
	return n;
}

/* The object after tag on line l, or NULL with *err. */
static cJSON *
parse_object(const struct line *l, const char *tag, char **err)
{
	size_t skip = strlen(tag);
	const char *json = l->p + skip, *end = NULL;
	size_t n = l->n - skip;
	cJSON *o;

	if (memchr(json, '\0', n) != NULL) {
		util_seterr(err, "the %s line holds a NUL byte", tag);
		return NULL;
	}
	o = cJSON_ParseWithLengthOpts(json, n, &end, 0);
	if (o == NULL || !cJSON_IsObject(o)) {
		/* The quote starts after the space that follows the tag. */
		if (n > 0) {
			json++;
			n--;
		}
		util_seterr(err, "the %s line is not a JSON object: %.*s%s",
		    tag, (int)(n < QUOTE ? n : QUOTE), json,
		    n > QUOTE ? "..." : "");
		cJSON_Delete(o);
		return NULL;
	}
	/* Only spaces may follow the object. */
	while (end != NULL && end < json + n && (*end == ' ' || *end == '\t'))
		end++;
	if (end == NULL || end != json + n) {
		util_seterr(err, "the %s line has text after its JSON object",
		    tag);
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* A key given twice makes the line ambiguous: which one counts? */
static int
check_keys(const cJSON *o, const char *const *keys, char **err)
{
	const cJSON *a;
	size_t i;

	for (i = 0; keys[i] != NULL; i++) {
		int seen = 0;

		for (a = o->child; a != NULL; a = a->next)
			if (a->string != NULL && strcmp(a->string, keys[i]) == 0)
				seen++;
		if (seen == 0) {
			util_seterr(err, "\"%s\" is missing", keys[i]);
			return -1;
		}
		if (seen > 1) {
			util_seterr(err, "\"%s\" is given twice", keys[i]);
			return -1;
		}
	}
	return 0;
}

static const cJSON *
item(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

static int
get_str(const cJSON *o, const char *key, char **out, char **err)
{
	const cJSON *i = item(o, key);

	if (!cJSON_IsString(i) || i->valuestring == NULL) {
		util_seterr(err, "\"%s\" is not a string", key);
		return -1;
	}
	*out = xstrdup(i->valuestring);
	return 0;
}

/* A whole number from 0 to max. */
static int
get_count(const cJSON *o, const char *key, long long max, long long *out,
    char **err)
{
	const cJSON *i = item(o, key);
	double d;

	if (!cJSON_IsNumber(i)) {
		util_seterr(err, "\"%s\" is not a number", key);
		return -1;
	}
	d = i->valuedouble;
	if (!(d >= 0 && d <= (double)max) || d != (double)(long long)d) {
		util_seterr(err, "\"%s\" is not a whole number from 0 to %lld",
		    key, max);
		return -1;
	}
	*out = (long long)d;
	return 0;
}

static int
get_bool(const cJSON *o, const char *key, int *out, char **err)
{
	const cJSON *i = item(o, key);

	if (!cJSON_IsBool(i)) {
		util_seterr(err, "\"%s\" is not true or false", key);
		return -1;
	}
	*out = cJSON_IsTrue(i);
	return 0;
}

/* "v" must be 1: a later version may mean other things by the same keys. */
static int
check_version(const cJSON *o, char **err)
{
	const cJSON *v = item(o, "v");

	if (!cJSON_IsNumber(v) || v->valuedouble != 1) {
		util_seterr(err, "\"v\" is not 1 (a document newer than this "
		    "patchdeck?)");
		return -1;
	}
	return 0;
}

/* ---- PATCHDECK_RESULT ---- */

const char *
fleet_reboot_name(enum fleet_reboot b)
{
	switch (b) {
	case FLEET_REBOOT_REQUIRED:
		return "required";
	case FLEET_REBOOT_DONE:
		return "done";
	case FLEET_REBOOT_NONE:
		break;
	}
	return "none";
}

void
fleet_result_done(struct fleet_result *r)
{
	free(r->os);
	free(r->kernel_before);
	free(r->kernel_after);
	free(r->error);
	memset(r, 0, sizeof *r);
}

static int
result_line(const struct line *l, struct fleet_result *r, char **err)
{
	static const char *const keys[] = {
		"v", "os", "kernel_before", "kernel_after", "pkgs_before",
		"pkgs_updated", "pkgs_available_after", "reboot", "status",
		"error", NULL
	};
	char *reboot = NULL, *status = NULL;
	cJSON *o = parse_object(l, FLEET_RESULT_TAG, err);
	int rc = -1;

	if (o == NULL)
		return -1;
	if (check_keys(o, keys, err) == -1 || check_version(o, err) == -1 ||
	    get_str(o, "os", &r->os, err) == -1 ||
	    get_str(o, "kernel_before", &r->kernel_before, err) == -1 ||
	    get_str(o, "kernel_after", &r->kernel_after, err) == -1 ||
	    get_count(o, "pkgs_before", MAX_COUNT, &r->pkgs_before,
	    err) == -1 ||
	    get_count(o, "pkgs_updated", MAX_COUNT, &r->pkgs_updated,
	    err) == -1 ||
	    get_count(o, "pkgs_available_after", MAX_COUNT,
	    &r->pkgs_available_after, err) == -1 ||
	    get_str(o, "reboot", &reboot, err) == -1 ||
	    get_str(o, "status", &status, err) == -1 ||
	    get_str(o, "error", &r->error, err) == -1)
		goto out;
	if (strcmp(reboot, "none") == 0) {
		r->reboot = FLEET_REBOOT_NONE;
	} else if (strcmp(reboot, "required") == 0) {
		r->reboot = FLEET_REBOOT_REQUIRED;
	} else if (strcmp(reboot, "done") == 0) {
		r->reboot = FLEET_REBOOT_DONE;
	} else {
		util_seterr(err, "\"reboot\" is not none, required or done: "
		    "%.*s", QUOTE, reboot);
		goto out;
	}
	if (strcmp(status, "ok") == 0) {
		r->ok = 1;
	} else if (strcmp(status, "failed") == 0) {
		r->ok = 0;
	} else {
		util_seterr(err, "\"status\" is not ok or failed: %.*s", QUOTE,
		    status);
		goto out;
	}
	rc = 0;
out:
	free(reboot);
	free(status);
	cJSON_Delete(o);
	return rc;
}

int
fleet_result_parse(const char *out, size_t len, struct fleet_result *r,
    char **err)
{
	struct line lines[2];
	struct fleet_result first;
	char *why = NULL;
	int n, bad;

	memset(r, 0, sizeof *r);
	if ((n = tagged_lines(out, len, FLEET_RESULT_TAG, lines, 2, err)) < 0)
		return -1;
	if (result_line(&lines[0], r, &why) == -1) {
		bad = 0;
		goto bad;
	}
	if (n == 1) {
		r->passes = 1;
		return 0;
	}
	/* Two passes: the first asked for the reboot, the second ran after
	 * it and is the result. */
	if (r->reboot != FLEET_REBOOT_REQUIRED) {
		util_seterr(err, "a second PATCHDECK_RESULT line, but the first "
		    "did not ask for a reboot (\"reboot\":\"%s\")",
		    fleet_reboot_name(r->reboot));
		fleet_result_done(r);
		return -1;
	}
	first = *r;
	memset(r, 0, sizeof *r);
	if (result_line(&lines[1], r, &why) == -1) {
		fleet_result_done(&first);
		bad = 1;
		goto bad;
	}
	fleet_result_done(&first);
	if (r->reboot != FLEET_REBOOT_DONE) {
		util_seterr(err, "the PATCHDECK_RESULT line after the reboot "
		    "says \"reboot\":\"%s\", not done",
		    fleet_reboot_name(r->reboot));
		fleet_result_done(r);
		return -1;
	}
	r->passes = 2;
	return 0;

bad:
	util_seterr(err, "%s PATCHDECK_RESULT line: %s", n == 1 ? "the" :
	    bad == 0 ? "the first" : "the second", why);
	free(why);
	fleet_result_done(r);
	return -1;
}

/* ---- PATCHDECK_PRECHECK ---- */

void
fleet_precheck_done(struct fleet_precheck *p)
{
	size_t i;

	for (i = 0; i < p->ndisk; i++)
		free(p->disk[i].mount);
	free(p->disk);
	free(p->repo);
	for (i = 0; i < p->nrepo_urls; i++)
		free(p->repo_urls[i]);
	free(p->repo_urls);
	memset(p, 0, sizeof *p);
}

static int
disk_entry(const cJSON *d, size_t i, struct fleet_disk *out, char **err)
{
	static const char *const keys[] = {
		"mount", "free_mb", "free_pct", NULL
	};
	long long pct;
	char *why = NULL;

	if (!cJSON_IsObject(d)) {
		util_seterr(err, "disk[%zu] is not an object", i);
		return -1;
	}
	if (check_keys(d, keys, &why) == -1 ||
	    get_str(d, "mount", &out->mount, &why) == -1 ||
	    get_count(d, "free_mb", MAX_COUNT, &out->free_mb, &why) == -1 ||
	    get_count(d, "free_pct", 100, &pct, &why) == -1) {
		util_seterr(err, "disk[%zu]: %s", i, why);
		free(why);
		return -1;
	}
	out->free_pct = (int)pct;
	return 0;
}

static int
precheck_line(const struct line *l, struct fleet_precheck *p, char **err)
{
	static const char *const keys[] = {
		"v", "disk", "repo", "repo_urls", "pkg_lock", "uptime_s", "load1",
		"reboot_pending", NULL
	};
	const cJSON *disk, *urls, *e, *load;
	cJSON *o = parse_object(l, FLEET_PRECHECK_TAG, err);
	size_t n;
	int rc = -1;

	if (o == NULL)
		return -1;
	if (check_keys(o, keys, err) == -1 || check_version(o, err) == -1)
		goto out;
	disk = item(o, "disk");
	n = cJSON_IsArray(disk) ? (size_t)cJSON_GetArraySize(disk) : 0;
	if (n == 0) {
		util_seterr(err, "\"disk\" is not a list of mounts");
		goto out;
	}
	p->disk = xcalloc(n, sizeof *p->disk);
	cJSON_ArrayForEach(e, disk) {
		if (disk_entry(e, p->ndisk, &p->disk[p->ndisk], err) == -1) {
			p->ndisk++;	/* its mount, if read, is freed */
			goto out;
		}
		p->ndisk++;
	}
	if (strcmp(p->disk[0].mount, "/") != 0) {
		util_seterr(err, "disk[0] is not \"/\"");
		goto out;
	}
	if (get_str(o, "repo", &p->repo, err) == -1)
		goto out;
	urls = item(o, "repo_urls");
	if (!cJSON_IsArray(urls)) {
		util_seterr(err, "\"repo_urls\" is not a list");
		goto out;
	}
	n = (size_t)cJSON_GetArraySize(urls);
	p->repo_urls = xcalloc(n > 0 ? n : 1, sizeof *p->repo_urls);
	cJSON_ArrayForEach(e, urls) {
		if (!cJSON_IsString(e) || e->valuestring == NULL) {
			util_seterr(err, "repo_urls[%zu] is not a string",
			    p->nrepo_urls);
			goto out;
		}
		p->repo_urls[p->nrepo_urls++] = xstrdup(e->valuestring);
	}
	load = item(o, "load1");
	if (!cJSON_IsNumber(load) || !(load->valuedouble >= 0 &&
	    load->valuedouble < 1e9)) {
		util_seterr(err, "\"load1\" is not a number from 0 up");
		goto out;
	}
	p->load1 = load->valuedouble;
	if (get_bool(o, "pkg_lock", &p->pkg_lock, err) == -1 ||
	    get_count(o, "uptime_s", MAX_COUNT, &p->uptime_s, err) == -1 ||
	    get_bool(o, "reboot_pending", &p->reboot_pending, err) == -1)
		goto out;
	rc = 0;
out:
	cJSON_Delete(o);
	return rc;
}

int
fleet_precheck_parse(const char *out, size_t len, struct fleet_precheck *p,
    char **err)
{
	struct line l;
	char *why = NULL;

	memset(p, 0, sizeof *p);
	if (tagged_lines(out, len, FLEET_PRECHECK_TAG, &l, 1, err) < 0)
		return -1;
	if (precheck_line(&l, p, &why) == -1) {
		util_seterr(err, "the PATCHDECK_PRECHECK line: %s", why);
		free(why);
		fleet_precheck_done(p);
		return -1;
	}
	return 0;
}

/* ---- PATCHDECK_FIX ---- */

const char *
fleet_fix_status_name(enum fleet_fix_status st)
{
	switch (st) {
	case FLEET_FIX_FAILED:
		return "failed";
	case FLEET_FIX_SKIPPED:
		return "skipped";
	case FLEET_FIX_OK:
		break;
	}
	return "ok";
}

void
fleet_fix_result_done(struct fleet_fix_result *f)
{
	size_t i;

	for (i = 0; i < f->nchanged; i++)
		free(f->changed[i]);
	free(f->changed);
	free(f->error);
	memset(f, 0, sizeof *f);
}

static int
fix_line(const struct line *l, struct fleet_fix_result *f, char **err)
{
	static const char *const keys[] = {
		"v", "kind", "status", "freed_mb", "changed", "error", NULL
	};
	const cJSON *changed, *e;
	char *kind = NULL, *status = NULL, *why = NULL;
	cJSON *o = parse_object(l, FLEET_FIX_TAG, err);
	size_t n;
	int rc = -1;

	if (o == NULL)
		return -1;
	if (check_keys(o, keys, err) == -1 || check_version(o, err) == -1 ||
	    get_str(o, "kind", &kind, err) == -1 ||
	    get_str(o, "status", &status, err) == -1 ||
	    get_count(o, "freed_mb", MAX_COUNT, &f->freed_mb, err) == -1 ||
	    get_str(o, "error", &f->error, err) == -1)
		goto out;
	/* Only the document's own kinds: a failure name is not one here. */
	if (fleet_fix_kind_parse(kind, &f->kind, &why) == -1 ||
	    strcmp(fleet_fix_kind_name(f->kind), kind) != 0) {
		util_seterr(err, "\"kind\" is not disk, repo or pkg_lock: "
		    "%.*s", QUOTE, kind);
		goto out;
	}
	if (strcmp(status, "ok") == 0) {
		f->status = FLEET_FIX_OK;
	} else if (strcmp(status, "failed") == 0) {
		f->status = FLEET_FIX_FAILED;
	} else if (strcmp(status, "skipped") == 0) {
		f->status = FLEET_FIX_SKIPPED;
	} else {
		util_seterr(err, "\"status\" is not ok, failed or skipped: "
		    "%.*s", QUOTE, status);
		goto out;
	}
	changed = item(o, "changed");
	if (!cJSON_IsArray(changed)) {
		util_seterr(err, "\"changed\" is not a list");
		goto out;
	}
	n = (size_t)cJSON_GetArraySize(changed);
	f->changed = xcalloc(n > 0 ? n : 1, sizeof *f->changed);
	cJSON_ArrayForEach(e, changed) {
		if (!cJSON_IsString(e) || e->valuestring == NULL) {
			util_seterr(err, "changed[%zu] is not a string",
			    f->nchanged);
			goto out;
		}
		f->changed[f->nchanged++] = xstrdup(e->valuestring);
	}
	rc = 0;
out:
	free(why);
	free(kind);
	free(status);
	cJSON_Delete(o);
	return rc;
}

int
fleet_fix_parse(const char *out, size_t len, struct fleet_fix_result *f,
    char **err)
{
	struct line l;
	char *why = NULL;

	memset(f, 0, sizeof *f);
	if (tagged_lines(out, len, FLEET_FIX_TAG, &l, 1, err) < 0)
		return -1;
	if (fix_line(&l, f, &why) == -1) {
		util_seterr(err, "the PATCHDECK_FIX line: %s", why);
		free(why);
		fleet_fix_result_done(f);
		return -1;
	}
	return 0;
}

/* ---- AWS-InstallWindowsUpdates ---- */

int
fleet_windows_updates(const char *out, size_t len, long long *n, char **err)
{
	static const char none[] = "No updates to install.";
	struct line l;
	size_t pos = 0;
	int found = 0;

	*n = 0;
	if (out == NULL)
		len = 0;
	/* The last such line counts: the document says it once, at the end. */
	while (next_line(out, len, &pos, &l)) {
		const char *t = l.p, *tail;
		size_t tn = l.n, k = 0;
		long long v = 0;

		while (tn > 0 && (*t == ' ' || *t == '\t')) {
			t++;
			tn--;
		}
		while (tn > 0 && (t[tn - 1] == ' ' || t[tn - 1] == '\t'))
			tn--;
		if (tn == sizeof none - 1 && memcmp(t, none, tn) == 0) {
			*n = 0;
			found = 1;
			continue;
		}
		if (tn < 10 || memcmp(t, "Installed ", 10) != 0)
			continue;
		for (k = 10; k < tn && k < 19 && t[k] >= '0' && t[k] <= '9'; k++)
			v = v * 10 + (t[k] - '0');
		tail = t + k;
		tn -= k;
		if (k == 10 || (tn == 9 && memcmp(tail, " updates.", 9) != 0) ||
		    (tn == 8 && memcmp(tail, " update.", 8) != 0) ||
		    (tn != 9 && tn != 8))
			continue;
		*n = v;
		found = 1;
	}
	if (!found) {
		util_seterr(err, "no \"Installed N updates.\" or \"No updates "
		    "to install.\" line in the output");
		return -1;
	}
	return 0;
}
