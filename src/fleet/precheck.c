/*
 * precheck.c - judging one instance's pre-check; see precheck.h for the
 * rules.
 */
#include "fleet/precheck.h"

#include <stdlib.h>
#include <string.h>

#include "util/util.h"

static const char *const kind_names[FLEET_PK_COUNT] = {
	"disk", "repo_unreachable", "repo_url", "pkg_lock", "reboot_pending",
	"agent_offline", "status_check", "no_result"
};

static const char *const kind_labels[FLEET_PK_COUNT] = {
	"disk space", "repository unreachable", "repository URL not allowed",
	"package lock held", "reboot pending", "agent offline",
	"status check failing", "no result"
};

const char *
fleet_precheck_kind_name(enum fleet_precheck_kind k)
{
	return (unsigned)k < FLEET_PK_COUNT ? kind_names[k] : NULL;
}

const char *
fleet_precheck_kind_label(enum fleet_precheck_kind k)
{
	return (unsigned)k < FLEET_PK_COUNT ? kind_labels[k] : NULL;
}

int
fleet_precheck_kind_parse(const char *name, enum fleet_precheck_kind *k)
{
	int i;

	for (i = 0; name != NULL && i < FLEET_PK_COUNT; i++)
		if (strcmp(name, kind_names[i]) == 0) {
			*k = (enum fleet_precheck_kind)i;
			return 0;
		}
	return -1;
}

static void
add(struct fleet_precheck_verdict *v, enum fleet_precheck_kind k,
    char *detail)
{
	v->failures = xreallocarray(v->failures, v->nfailures + 1,
	    sizeof *v->failures);
	v->failures[v->nfailures].kind = k;
	v->failures[v->nfailures].detail = detail;
	v->nfailures++;
	v->kinds |= 1u << k;
}

static int
eq(const char *a, const char *b)
{
	return a != NULL && strcmp(a, b) == 0;
}

/* Why an invocation that printed no readable line gave none. */
static char *
no_result_why(const struct fleet_precheck_input *in, const char *parse_err)
{
	const char *d = in->status_details != NULL && *in->status_details ?
	    in->status_details : in->status;

	if (!in->final)
		return xstrdup("no final status (the command did not end in "
		    "time)");
	if (d == NULL)
		d = "";
	if (strstr(d, "TimedOut") != NULL)
		return xasprintf("timed out (%s)", d);
	if (eq(d, "Undeliverable"))
		return xstrdup("undeliverable (the agent did not take the "
		    "command)");
	if (eq(d, "Cancelled") || eq(d, "Terminated"))
		return xasprintf("cancelled (%s)", d);
	if (eq(d, "InvalidPlatform") || eq(d, "AccessDenied"))
		return xasprintf("not run (%s)", d);
	if (!eq(in->status, "Success") && in->response_code >= 0)
		return xasprintf("failed (exit %ld): parse error: %s",
		    in->response_code, parse_err);
	return xasprintf("parse error: %s", parse_err);
}

static int
mount_checked(const struct fleet_precheck_limits *lim, const char *mount)
{
	size_t i;

	if (lim->nmounts == 0)
		return 1;
	for (i = 0; i < lim->nmounts; i++)
		if (strcmp(lim->mounts[i], mount) == 0)
			return 1;
	return 0;
}

static int
url_allowed(const struct fleet_precheck_limits *lim, const char *url)
{
	size_t i;

	if (lim->nrepo_url_prefixes == 0)
		return 1;
	for (i = 0; i < lim->nrepo_url_prefixes; i++)
		if (strncmp(url, lim->repo_url_prefixes[i],
		    strlen(lim->repo_url_prefixes[i])) == 0)
			return 1;
	return 0;
}

static void
judge_line(const struct fleet_precheck_limits *lim,
    struct fleet_precheck_verdict *v)
{
	const struct fleet_precheck *p = &v->p;
	struct buf b;
	size_t i, bad = 0;
	const char *first = NULL;

	buf_init(&b);
	for (i = 0; i < p->ndisk; i++) {
		const struct fleet_disk *d = &p->disk[i];

		if (!mount_checked(lim, d->mount) ||
		    (d->free_mb >= lim->min_free_mb &&
		    d->free_pct >= lim->min_free_pct))
			continue;
		buf_printf(&b, "%s%s: %lld MB free (%d%%)", b.len ? ", " : "",
		    d->mount, d->free_mb, d->free_pct);
	}
	if (b.len > 0) {
		buf_printf(&b, "; needs %lld MB and %d%%", lim->min_free_mb,
		    lim->min_free_pct);
		add(v, FLEET_PK_DISK, buf_steal(&b));
	}
	buf_free(&b);
	if (!eq(p->repo, "ok") && !(p->pkg_lock &&
	    strncmp(p->repo, "not checked", 11) == 0))
		add(v, FLEET_PK_REPO_UNREACHABLE, xstrdup(p->repo));
	for (i = 0; i < p->nrepo_urls; i++)
		if (!url_allowed(lim, p->repo_urls[i])) {
			if (first == NULL)
				first = p->repo_urls[i];
			bad++;
		}
	if (bad == 1)
		add(v, FLEET_PK_REPO_URL, xasprintf("not an allowed "
		    "repository: %s", first));
	else if (bad > 1)
		add(v, FLEET_PK_REPO_URL, xasprintf("%zu repositories not "
		    "allowed, first %s", bad, first));
	if (p->pkg_lock)
		add(v, FLEET_PK_PKG_LOCK, xstrdup(strncmp(p->repo,
		    "not checked: ", 13) == 0 ? p->repo + 13 :
		    "package lock held"));
	if (p->reboot_pending)
		add(v, FLEET_PK_REBOOT_PENDING, xstrdup("a reboot is pending "
		    "(newer kernel installed or reboot requested)"));
}

void
fleet_precheck_judge(const struct fleet_precheck_limits *lim,
    const struct fleet_precheck_input *in, struct fleet_precheck_verdict *v)
{
	char *err = NULL;
	struct buf b;
	size_t i;

	memset(v, 0, sizeof *v);
	if (in->state != NULL && *in->state && !eq(in->state, "running"))
		add(v, FLEET_PK_AGENT_OFFLINE, xasprintf("instance %s",
		    in->state));
	else if (!eq(in->ping, "Online"))
		add(v, FLEET_PK_AGENT_OFFLINE, xasprintf("SSM agent %s",
		    in->ping != NULL && *in->ping ? in->ping :
		    "not registered"));
	else if (in->windows)
		;	/* nothing was sent: see precheck.h */
	else if (in->sent) {
		if (fleet_precheck_parse(in->output, in->output != NULL ?
		    in->output_len : 0, &v->p, &err) == 0)
			v->parsed = 1;
		if (v->parsed && in->final)
			judge_line(lim, v);
		else
			add(v, FLEET_PK_NO_RESULT, no_result_why(in,
			    err != NULL ? err : "no output"));
		free(err);
	} else
		add(v, FLEET_PK_NO_RESULT, xasprintf("not sent%s%s",
		    in->not_sent_why != NULL ? ": " : "",
		    in->not_sent_why != NULL ? in->not_sent_why : ""));

	if (eq(in->instance_status, "impaired") ||
	    eq(in->system_status, "impaired"))
		add(v, FLEET_PK_STATUS_CHECK, xasprintf("EC2 status checks: "
		    "instance %s, system %s", in->instance_status != NULL ?
		    in->instance_status : "unknown", in->system_status != NULL ?
		    in->system_status : "unknown"));
	else if (v->parsed && lim->max_load1 > 0 &&
	    v->p.load1 > lim->max_load1)
		add(v, FLEET_PK_STATUS_CHECK, xasprintf("load %.2f above %.2f",
		    v->p.load1, lim->max_load1));

	buf_init(&b);
	for (i = 0; i < v->nfailures; i++)
		buf_printf(&b, "%s%s: %s", i ? "; " : "",
		    kind_names[v->failures[i].kind], v->failures[i].detail);
	v->reason = buf_steal(&b);
}

void
fleet_precheck_verdict_done(struct fleet_precheck_verdict *v)
{
	size_t i;

	for (i = 0; i < v->nfailures; i++)
		free(v->failures[i].detail);
	free(v->failures);
	free(v->reason);
	fleet_precheck_done(&v->p);
	memset(v, 0, sizeof *v);
}
