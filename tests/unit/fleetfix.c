/*
 * fleetfix.c - see fleetfix.h.
 */
#include "fleetfix.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ops/config.h"
#include "util/util.h"

void
fleetfix_zone(const char *name, struct fleet_tz *tz)
{
	char *path = xasprintf("/usr/share/zoneinfo/%s", name);
	struct buf b;
	char *err = NULL;

	buf_init(&b);
	if (util_read_file(path, 1 << 20, &b) != 0)
		fail_msg("cannot read %s (is tzdata installed?)", path);
	if (fleet_tz_parse(name, b.data, b.len, tz, &err) != 0)
		fail_msg("%s: %s", name, err);
	buf_free(&b);
	free(path);
}

int
fleetfix_config(const char *text, struct config *cfg)
{
	char tmpl[] = "/tmp/patchdeck-test.XXXXXX", *path, *err = NULL;
	FILE *f;
	int rc;

	if (getenv("TZDIR") == NULL)
		setenv("TZDIR", "/usr/share/zoneinfo", 1);
	if (mkdtemp(tmpl) == NULL)
		return -1;
	path = xasprintf("%s/config", tmpl);
	if ((f = fopen(path, "w")) == NULL) {
		free(path);
		return -1;
	}
	fputs(text, f);
	fclose(f);
	rc = config_load(path, "us-east-1", cfg, &err);
	if (rc != 0) {
		fprintf(stderr, "config: %s\n", err);
		free(err);
	}
	unlink(path);
	rmdir(tmpl);
	free(path);
	return rc;
}

void
fleetfix_instance(struct fleet_instance *i, const char *id, const char *name,
    const char *state, const char *ping, const char *platform,
    const char *window, const char *exc_tag)
{
	size_t n = 0;

	memset(i, 0, sizeof *i);
	i->id = xstrdup(id);
	i->account = xstrdup("111111111111");
	i->region = xstrdup("eu-west-1");
	i->name = xstrdup(name);
	i->state = xstrdup(state);
	i->type = xstrdup("t3.micro");
	i->platform = xstrdup(platform);
	i->platform_name = xstrdup("");
	i->platform_version = xstrdup("");
	i->private_ip = xstrdup("");
	i->public_ip = xstrdup("");
	i->az = xstrdup("");
	i->launch_time = xstrdup("");
	i->ping = xstrdup(ping);
	i->agent_version = xstrdup("");
	i->tags = xcalloc(2, sizeof *i->tags);
	if (window != NULL) {
		i->tags[n].key = xstrdup("PatchWindow");
		i->tags[n++].value = xstrdup(window);
	}
	if (exc_tag != NULL) {
		i->tags[n].key = xstrdup("PatchException");
		i->tags[n++].value = xstrdup(exc_tag);
	}
	i->ntags = n;
}

void
fleetfix_exception(struct fleet_exception *e, const char *iid,
    const char *eid, const char *starts, const char *ends,
    const char *status)
{
	memset(e, 0, sizeof *e);
	e->instance_id = xstrdup(iid);
	e->exception_id = xstrdup(eid);
	e->starts = xstrdup(starts);
	e->ends = xstrdup(ends);
	e->reason = xstrdup("audit");
	e->ticket = xstrdup("CHG-1");
	e->requested_by = xstrdup("arn:aws:iam::111111111111:user/alice");
	e->requested_at = xstrdup("2026-11-01T10:00:00Z");
	e->status = xstrdup(status);
	e->decided_by = xstrdup(strcmp(status, "PENDING") == 0 ? "" :
	    "arn:aws:iam::111111111111:user/bob");
	e->decided_at = xstrdup("2026-11-02T10:00:00Z");
	e->decision_reason = xstrdup("");
}
