/*
 * sync.c - see sync.h.
 *
 * One job per target and region.  Each job runs three calls at once:
 * DescribeInstances (paged, 1000 a page), DescribeInstanceInformation
 * (paged, 50 a page) and GetCallerIdentity (the account, for a region with
 * no instances).  When all three have ended, the job merges and writes.
 * EC2 pages are turned into cache rows as they arrive, moving the strings
 * rather than copying them, so a 100,000-instance fleet is held once.
 */
#include "ops/sync.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/awserr.h"
#include "aws/client.h"
#include "aws/ec2.h"
#include "aws/ssm.h"
#include "aws/sts.h"
#include "cache/cache.h"
#include "fleet/instance.h"
#include "ops/config.h"
#include "ops/fanout.h"
#include "util/util.h"

struct job {
	struct sync *s;
	const char *name;	/* "target/region", the slot's */
	const char *region;	/* the slot's */
	struct aws_client *ec2, *ssm, *sts;	/* the slot's */
	struct fleet_instance *v;
	size_t n, cap;
	struct ssm_instance *si;
	size_t nsi;
	char *account_id;
	int pending;		/* calls still running */
	struct aws_error err;	/* the first failure */
	const char *failed_op;
	int ended;
};

struct sync {
	struct net *net;
	struct sync_opts o;
	struct fanout *fo;	/* a job per slot, in its order */
	struct job *jobs;
	size_t njobs;
	size_t running;
	size_t ok, failed, instances;
	int finished;
	int freeing;
};

static void
job_free(struct job *j)
{
	size_t i;

	for (i = 0; i < j->n; i++)
		fleet_instance_done(&j->v[i]);
	free(j->v);
	ssm_instances_free(j->si, j->nsi);
	free(j->account_id);
	awserr_free(&j->err);
}

void
sync_free(struct sync *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->njobs; i++)
		job_free(&s->jobs[i]);
	free(s->jobs);
	/* The clients and credentials after the jobs that used them. */
	fanout_free(s->fo);
	free(s);
}

int
sync_finished(const struct sync *s)
{
	return s->finished;
}

size_t
sync_failed_count(const struct sync *s)
{
	return s->finished ? s->failed : s->njobs - s->ok;
}

static char *
take(char **p)
{
	char *s = *p;

	*p = NULL;
	return s != NULL ? s : xstrdup("");
}

/* Moves what EC2 said into a cache row. */
static void
from_ec2(struct fleet_instance *f, struct ec2_instance *e, const char *region)
{
	size_t k;

	memset(f, 0, sizeof *f);
	f->id = take(&e->id);
	f->account = take(&e->owner_id);
	f->region = xstrdup(region);
	f->state = take(&e->state);
	f->type = take(&e->type);
	f->platform = xstrdup(e->platform != NULL &&
	    strcmp(e->platform, "windows") == 0 ? "windows" : "linux");
	f->platform_name = take(&e->platform_details);
	f->platform_version = xstrdup("");
	f->private_ip = take(&e->private_ip);
	f->public_ip = take(&e->public_ip);
	f->az = take(&e->az);
	f->launch_time = take(&e->launch_time);
	f->ping = xstrdup("");
	f->agent_version = xstrdup("");
	/* The strings move; only the array of pointers is new. */
	f->ntags = e->ntags;
	f->tags = e->ntags ? xcalloc(e->ntags, sizeof *f->tags) : NULL;
	for (k = 0; k < e->ntags; k++) {
		f->tags[k].key = e->tags[k].key;
		f->tags[k].value = e->tags[k].value;
	}
	free(e->tags);
	e->tags = NULL;
	e->ntags = 0;
	f->name = NULL;
	for (k = 0; k < f->ntags; k++) {
		if (strcmp(f->tags[k].key, "Name") == 0) {
			f->name = xstrdup(f->tags[k].value);
			break;
		}
	}
	if (f->name == NULL)
		f->name = xstrdup("");
}

static void job_end(struct job *j);

static void
job_fail(struct job *j, const char *op, const struct aws_error *err)
{
	if (j->err.code == NULL) {
		awserr_copy(&j->err, err);
		j->failed_op = op;
	}
}

static void
call_ended(struct job *j)
{
	if (--j->pending == 0)
		job_end(j);
}

static int
on_ec2_page(void *arg, struct ec2_instance *v, size_t n)
{
	struct job *j = arg;
	size_t i;

	if (j->n + n > j->cap) {
		j->cap = (j->n + n) * 2;
		j->v = xreallocarray(j->v, j->cap, sizeof *j->v);
	}
	for (i = 0; i < n; i++)
		from_ec2(&j->v[j->n++], &v[i], j->region);
	ec2_instances_free(v, n);
	if (j->s->o.progress != NULL)
		j->s->o.progress(j->s->o.arg, SYNC_PROGRESS, j->name, j->n,
		    NULL, NULL);
	return 0;
}

static void
on_ec2_end(void *arg, const struct aws_error *err)
{
	struct job *j = arg;

	if (err != NULL)
		job_fail(j, "DescribeInstances", err);
	call_ended(j);
}

static int
on_ssm_page(void *arg, struct ssm_instance *v, size_t n)
{
	struct job *j = arg;
	size_t i;

	j->si = xreallocarray(j->si, j->nsi + n, sizeof *j->si);
	for (i = 0; i < n; i++)
		j->si[j->nsi++] = v[i];
	free(v);
	return 0;
}

static void
on_ssm_end(void *arg, const struct aws_error *err)
{
	struct job *j = arg;

	if (err != NULL)
		job_fail(j, "DescribeInstanceInformation", err);
	call_ended(j);
}

static void
on_identity(void *arg, const struct sts_identity *id,
    const struct aws_error *err)
{
	struct job *j = arg;

	if (id != NULL)
		j->account_id = xstrdup(id->account);
	else
		job_fail(j, "GetCallerIdentity", err);
	call_ended(j);
}

static int
cmp_id(const void *a, const void *b)
{
	const struct fleet_instance *x = a, *y = b;

	return strcmp(x->id, y->id);
}

static int
cmp_ssm(const void *a, const void *b)
{
	const struct ssm_instance *x = a, *y = b;

	return strcmp(x->id, y->id);
}

/*
 * The platform of a managed instance is SSM's PlatformType (what the
 * agent found: "Linux", "Windows", "MacOS"), in lower case like EC2's
 * Platform; EC2 only says "windows" or nothing, so without SSM a Linux
 * guess is all there is.  A value SSM should not send is kept as it came
 * (lower-cased), so the plan counts it as neither.
 */
static void
set_platform(struct fleet_instance *f, const char *type)
{
	size_t k;

	if (type == NULL || *type == '\0')
		return;
	free(f->platform);
	f->platform = xstrdup(type);
	for (k = 0; f->platform[k] != '\0'; k++)
		if (f->platform[k] >= 'A' && f->platform[k] <= 'Z')
			f->platform[k] = (char)(f->platform[k] - 'A' + 'a');
}

/* SSM's view joined onto EC2's, by id: both sorted, one pass. */
static void
merge(struct job *j)
{
	size_t a = 0, b = 0;
	long long now = (long long)time(NULL);
	int c;

	qsort(j->v, j->n, sizeof *j->v, cmp_id);
	qsort(j->si, j->nsi, sizeof *j->si, cmp_ssm);
	while (a < j->n && b < j->nsi) {
		c = strcmp(j->v[a].id, j->si[b].id);
		if (c < 0) {
			a++;
		} else if (c > 0) {
			b++;	/* managed by SSM but not an EC2 instance */
		} else {
			struct fleet_instance *f = &j->v[a];
			struct ssm_instance *s = &j->si[b];

			free(f->ping);
			f->ping = take(&s->ping_status);
			free(f->agent_version);
			f->agent_version = take(&s->agent_version);
			if (s->platform_name != NULL &&
			    *s->platform_name != '\0') {
				free(f->platform_name);
				f->platform_name = take(&s->platform_name);
			}
			free(f->platform_version);
			f->platform_version = take(&s->platform_version);
			f->last_ping = s->last_ping;
			set_platform(f, s->platform_type);
			a++;
			b++;
		}
	}
	for (a = 0; a < j->n; a++) {
		j->v[a].fetched_at = now;
		if (j->v[a].account[0] == '\0' && j->account_id != NULL) {
			free(j->v[a].account);
			j->v[a].account = xstrdup(j->account_id);
		}
	}
}

static void
job_end(struct job *j)
{
	struct sync *s = j->s;
	char *err = NULL, *msg;
	long long now = (long long)time(NULL);

	j->ended = 1;
	if (j->err.code == NULL) {
		merge(j);
		if (cache_replace_target(s->o.cache, j->name,
		    j->account_id != NULL ? j->account_id : "", j->region,
		    j->v, j->n, now, &err) != 0) {
			awserr_set(&j->err, 0, "CacheError", err, NULL);
			j->failed_op = "cache";
			free(err);
			err = NULL;
		}
	}
	if (j->err.code == NULL) {
		s->ok++;
		s->instances += j->n;
		if (s->o.progress != NULL)
			s->o.progress(s->o.arg, SYNC_DONE, j->name, j->n, NULL,
			    NULL);
	} else {
		s->failed++;
		msg = xasprintf("%s: %s", j->failed_op, j->err.message);
		cache_target_failed(s->o.cache, j->name, j->err.code, msg, now,
		    &err);
		free(err);
		if (s->o.progress != NULL)
			s->o.progress(s->o.arg, SYNC_FAILED, j->name, 0,
			    j->err.code, msg);
		free(msg);
	}
	/* What was fetched is in the cache now; the memory can go. */
	{
		size_t i;

		for (i = 0; i < j->n; i++)
			fleet_instance_done(&j->v[i]);
		free(j->v);
		j->v = NULL;
		j->n = j->cap = 0;
		ssm_instances_free(j->si, j->nsi);
		j->si = NULL;
		j->nsi = 0;
	}
	if (--s->running == 0) {
		s->finished = 1;
		if (s->o.done != NULL)
			s->o.done(s->o.arg, s->ok, s->failed, s->instances);
	}
}

/* The job of slot sl: its three clients, made by the fanout. */
static int
setup_job(struct sync *s, struct job *j, struct fanout_slot *sl, char **err)
{
	j->s = s;
	j->name = sl->name;
	j->region = sl->region;
	awserr_init(&j->err);
	if ((j->ec2 = fanout_client(sl, "EC2", err)) == NULL ||
	    (j->ssm = fanout_client(sl, "SSM", err)) == NULL ||
	    (j->sts = fanout_client(sl, "STS", err)) == NULL)
		return -1;
	return 0;
}

struct sync *
sync_start(struct net *net, const struct sync_opts *o, char **err)
{
	struct sync *s = xcalloc(1, sizeof *s);
	size_t i, total;

	s->net = net;
	s->o = *o;
	s->fo = fanout_open(net, o->cfg, o->profile, o->region, err);
	if (s->fo == NULL)
		goto fail;
	total = fanout_count(s->fo);
	s->jobs = xcalloc(total ? total : 1, sizeof *s->jobs);
	for (i = 0; i < total; i++) {
		if (setup_job(s, &s->jobs[s->njobs++], fanout_slot(s->fo, i),
		    err) != 0)
			goto fail;
	}
	s->running = s->njobs;
	for (i = 0; i < s->njobs; i++) {
		struct job *j = &s->jobs[i];

		j->pending = 3;
		if (o->progress != NULL)
			o->progress(o->arg, SYNC_STARTED, j->name, 0, NULL,
			    NULL);
		ec2_describe_instances(j->ec2, NULL, 0, NULL, 0, on_ec2_page,
		    on_ec2_end, j);
		ssm_describe_instance_information(j->ssm, NULL, 0,
		    on_ssm_page, on_ssm_end, j);
		sts_get_caller_identity(j->sts, on_identity, j);
	}
	if (s->njobs == 0) {
		*err = xstrdup("no targets to sync");
		goto fail;
	}
	return s;
fail:
	sync_free(s);
	return NULL;
}
