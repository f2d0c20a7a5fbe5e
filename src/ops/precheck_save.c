/*
 * precheck_save.c - what a pre-check leaves behind (precheck.h): the JSON
 * of a member (--format json and the S3 object), the dry run's lines, the
 * cache rows and the S3 objects.
 */
#include "ops/precheck.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/awserr.h"
#include "aws/net.h"
#include "aws/s3.h"
#include "cache/prechecks.h"
#include "ops/config.h"
#include "ops/fanout.h"
#include "util/util.h"

static void
iso(long long t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0) {
		snprintf(buf, size, "%s", "");
		return;
	}
	gmtime_r(&tt, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The verdict's reason when there is no result, else "". */
static const char *
no_result_reason(const struct precheck_row *w)
{
	size_t i;

	for (i = 0; i < w->v.nfailures; i++)
		if (w->v.failures[i].kind == FLEET_PK_NO_RESULT)
			return w->v.failures[i].detail;
	return "";
}

cJSON *
precheck_row_json(const struct precheck_report *r,
    const struct precheck_row *w)
{
	cJSON *o = cJSON_CreateObject(), *a, *d;
	char t[32];
	size_t i;

	cJSON_AddStringToObject(o, "run_id", r->run_id);
	cJSON_AddStringToObject(o, "window", r->window);
	cJSON_AddStringToObject(o, "account", w->account);
	cJSON_AddStringToObject(o, "region", w->region);
	cJSON_AddStringToObject(o, "instance_id", w->instance_id);
	cJSON_AddStringToObject(o, "name", w->name);
	cJSON_AddStringToObject(o, "platform", w->platform);
	cJSON_AddStringToObject(o, "status", w->status);
	iso(w->started_at, t, sizeof t);
	cJSON_AddStringToObject(o, "started_at", t);
	iso(w->ended_at, t, sizeof t);
	cJSON_AddStringToObject(o, "ended_at", t);
	if (w->v.parsed) {
		a = cJSON_AddArrayToObject(o, "disk");
		for (i = 0; i < w->v.p.ndisk; i++) {
			d = cJSON_CreateObject();
			cJSON_AddStringToObject(d, "mount",
			    w->v.p.disk[i].mount);
			cJSON_AddNumberToObject(d, "free_mb",
			    (double)w->v.p.disk[i].free_mb);
			cJSON_AddNumberToObject(d, "free_pct",
			    w->v.p.disk[i].free_pct);
			cJSON_AddItemToArray(a, d);
		}
		cJSON_AddStringToObject(o, "repo", w->v.p.repo);
		a = cJSON_AddArrayToObject(o, "repo_urls");
		for (i = 0; i < w->v.p.nrepo_urls; i++)
			cJSON_AddItemToArray(a,
			    cJSON_CreateString(w->v.p.repo_urls[i]));
		cJSON_AddBoolToObject(o, "pkg_lock", w->v.p.pkg_lock);
		cJSON_AddNumberToObject(o, "uptime_s",
		    (double)w->v.p.uptime_s);
		cJSON_AddNumberToObject(o, "load1", w->v.p.load1);
		cJSON_AddBoolToObject(o, "reboot_pending",
		    w->v.p.reboot_pending);
	} else {
		cJSON_AddNullToObject(o, "disk");
		cJSON_AddNullToObject(o, "repo");
		cJSON_AddNullToObject(o, "repo_urls");
		cJSON_AddNullToObject(o, "pkg_lock");
		cJSON_AddNullToObject(o, "uptime_s");
		cJSON_AddNullToObject(o, "load1");
		cJSON_AddNullToObject(o, "reboot_pending");
	}
	cJSON_AddStringToObject(o, "result", w->v.nfailures ? "fail" :
	    "pass");
	a = cJSON_AddArrayToObject(o, "failures");
	for (i = 0; i < w->v.nfailures; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(
		    fleet_precheck_kind_name(w->v.failures[i].kind)));
	cJSON_AddStringToObject(o, "error", no_result_reason(w));
	return o;
}

/* What the cache keeps of the checks: the row JSON without the run
 * fields, plus each failure's detail and what SSM and EC2 said. */
static char *
detail_json(const struct precheck_report *r, const struct precheck_row *w)
{
	cJSON *o = precheck_row_json(r, w), *a, *f;
	char *s;
	size_t i;

	a = cJSON_AddArrayToObject(o, "details");
	for (i = 0; i < w->v.nfailures; i++) {
		f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "kind",
		    fleet_precheck_kind_name(w->v.failures[i].kind));
		cJSON_AddStringToObject(f, "detail", w->v.failures[i].detail);
		cJSON_AddItemToArray(a, f);
	}
	cJSON_AddStringToObject(o, "state", w->state);
	cJSON_AddStringToObject(o, "ping", w->ping);
	cJSON_AddStringToObject(o, "status_details", w->status_details);
	cJSON_AddNumberToObject(o, "response_code", w->response_code);
	cJSON_AddStringToObject(o, "instance_status", w->instance_status);
	cJSON_AddStringToObject(o, "system_status", w->system_status);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s != NULL ? s : xstrdup("{}");
}

static const char *
tail_of(const char *s)
{
	size_t n = strlen(s);

	return n > PRECHECK_OUTPUT_TAIL ? s + n - PRECHECK_OUTPUT_TAIL : s;
}

void
precheck_dry_run(const struct precheck_report *r,
    void (*line)(void *arg, const char *text), void *arg)
{
	char **names = NULL, *t;
	size_t *counts = NULL, nn = 0, i, k, lin = 0;

	for (i = 0; i < r->n; i++) {
		const struct precheck_row *w = &r->rows[i];

		if (strcmp(w->platform, "windows") == 0 || !*w->target)
			continue;
		lin++;
		for (k = 0; k < nn; k++)
			if (strcmp(names[k], w->target) == 0)
				break;
		if (k == nn) {
			names = xreallocarray(names, nn + 1, sizeof *names);
			counts = xreallocarray(counts, nn + 1, sizeof *counts);
			names[nn] = w->target;
			counts[nn++] = 0;
		}
		counts[k]++;
	}
	for (k = 0; k < nn; k++) {
		t = xasprintf("%s: DescribeInstanceInformation and "
		    "DescribeInstanceStatus for its members", names[k]);
		line(arg, t);
		free(t);
		t = xasprintf("%s: CreateTags %s=%s on the running, Online "
		    "ones of %zu Linux member(s) (1000 per call)", names[k],
		    PRECHECK_TAG, r->run_id, counts[k]);
		line(arg, t);
		free(t);
		t = xasprintf("%s: SendCommand %s Targets tag:%s=%s, "
		    "MaxConcurrency 100%%, MaxErrors 100%% (one call)",
		    names[k], PRECHECK_DOCUMENT, PRECHECK_TAG, r->run_id);
		line(arg, t);
		free(t);
		t = xasprintf("%s: ListCommandInvocations (pages of 50) until "
		    "every invocation is final; DeleteTags %s", names[k],
		    PRECHECK_TAG);
		line(arg, t);
		free(t);
	}
	t = xasprintf("dry run: %zu member(s), %zu to be sent the pre-check, "
	    "in %zu target region(s); nothing was sent", r->n, lin, nn);
	line(arg, t);
	free(t);
	free(names);
	free(counts);
}

struct s3w {
	struct aws_client *s3;
	const char *bucket;
	char **keys;
	char **bodies;
	size_t n, next, inflight, failed;
	char *first_err;
};

static void s3_next(struct s3w *w);

static void
s3_put_end(void *arg, const struct aws_error *err)
{
	struct s3w *w = arg;

	w->inflight--;
	if (err != NULL) {
		w->failed++;
		if (w->first_err == NULL)
			w->first_err = awserr_format(err);
	}
	s3_next(w);
}

static void
s3_next(struct s3w *w)
{
	while (w->inflight < 16 && w->next < w->n) {
		size_t i = w->next++;

		w->inflight++;
		s3_put_object(w->s3, w->bucket, w->keys[i], w->bodies[i],
		    strlen(w->bodies[i]), "application/json", s3_put_end, w);
	}
}

static size_t
save_s3(struct precheck_report *r, const struct config *cfg,
    const char *profile)
{
	struct fanout *fan;
	struct net *net;
	struct s3w w;
	struct aws_client *s3;
	char *err = NULL;
	const char *prefix = cfg->results.prefix != NULL ?
	    cfg->results.prefix : "";
	size_t i, failed;

	memset(&w, 0, sizeof w);
	net = net_new();
	fan = fanout_open(net, cfg, profile, NULL, &err);
	if (fan == NULL || fanout_count(fan) == 0 ||
	    (s3 = fanout_client(fanout_slot(fan, 0), "S3", &err)) == NULL) {
		precheck_report_warn(r, xasprintf("results bucket %s: %s",
		    cfg->results.bucket, err != NULL ? err : "no target"));
		free(err);
		if (fan != NULL)
			fanout_free(fan);
		net_free(net);
		return r->n;
	}
	w.s3 = s3;
	w.bucket = cfg->results.bucket;
	w.n = r->n;
	w.keys = xcalloc(r->n ? r->n : 1, sizeof *w.keys);
	w.bodies = xcalloc(r->n ? r->n : 1, sizeof *w.bodies);
	for (i = 0; i < r->n; i++) {
		cJSON *o = precheck_row_json(r, &r->rows[i]);
		char *s = cJSON_PrintUnformatted(o);

		cJSON_Delete(o);
		w.bodies[i] = xasprintf("%s\n", s != NULL ? s : "{}");
		free(s);
		w.keys[i] = xasprintf("%s%sprechecks/dt=%s/run=%s/%s.json",
		    prefix, *prefix ? "/" : "", r->date, r->run_id,
		    r->rows[i].instance_id);
	}
	s3_next(&w);
	while (w.inflight > 0 && net_pending(net) > 0)
		net_poll(net, -1, 1000);
	net_free(net);
	fanout_free(fan);
	if (w.failed > 0)
		precheck_report_warn(r, xasprintf("%zu of %zu pre-check "
		    "objects not written to s3://%s/: %s", w.failed, w.n,
		    w.bucket, w.first_err));
	for (i = 0; i < w.n; i++) {
		free(w.keys[i]);
		free(w.bodies[i]);
	}
	free(w.keys);
	free(w.bodies);
	free(w.first_err);
	failed = w.failed;
	return failed;
}

size_t
precheck_save(struct precheck_report *r, const struct config *cfg,
    const char *profile, struct cache *c)
{
	struct cache_precheck *v;
	size_t i, n = 0, failed = 0;
	char *err = NULL;
	long long now = (long long)time(NULL);

	v = xcalloc(r->n ? r->n : 1, sizeof *v);
	for (i = 0; i < r->n; i++) {
		const struct precheck_row *w = &r->rows[i];

		if (!*w->target)
			continue;
		v[n].target = w->target;
		v[n].instance_id = w->instance_id;
		v[n].checked_at = w->ended_at > 0 ? w->ended_at : now;
		v[n].failed = w->v.nfailures > 0;
		v[n].kinds = w->v.kinds;
		v[n].reason = w->v.reason;
		v[n].detail_json = detail_json(r, w);
		v[n].output_tail = (char *)tail_of(w->output);
		n++;
	}
	if (c != NULL && cache_prechecks_put(c, v, n, &err) != 0) {
		precheck_report_warn(r, err);
		failed++;
	}
	for (i = 0; i < n; i++)
		free(v[i].detail_json);
	free(v);
	if (cfg->results.bucket != NULL && r->n > 0)
		failed += save_s3(r, cfg, profile);
	return failed;
}

