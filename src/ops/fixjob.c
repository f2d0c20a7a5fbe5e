/*
 * fixjob.c - see fixjob.h.
 */
#include "ops/fixjob.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ops/precheck.h"
#include "util/util.h"

struct fixjob {
	struct net *net;
	const struct config *cfg;
	char *profile;
	char *window;
	char *date;
	const struct inventory *inv;
	struct cache *cache;
	long poll_ms;
	struct fix_run *fix;
	struct precheck *pc;
	struct precheck_report after;
	int after_done;
	const char **ids;		/* the fixed instances' ids (borrowed
					 * from the fix's outcomes) */
	size_t nids;
	fixjob_progress_fn progress;
	fixjob_done_fn done;
	void *arg;
	struct buf err;
	int finished;
};

static void
finish(struct fixjob *j)
{
	j->finished = 1;
	if (j->done != NULL)
		j->done(j->arg, j->err.len ? -1 : 0, j->err.len ? j->err.data :
		    NULL);
}

static void
add_err(struct fixjob *j, const char *what, const char *err)
{
	buf_printf(&j->err, "%s%s: %s", j->err.len ? "; " : "", what,
	    err != NULL ? err : "failed");
}

static void
on_pc_progress(void *arg, const char *phase, size_t done, size_t total)
{
	struct fixjob *j = arg;

	if (j->progress != NULL)
		j->progress(j->arg, phase, done, total);
}

static void
on_pc_done(void *arg, int rc, const char *err)
{
	struct fixjob *j = arg;

	if (rc != 0)
		add_err(j, "the pre-check after the fix", err);
	else
		precheck_save(&j->after, j->cfg, j->profile, j->cache);
	j->after_done = 1;
	finish(j);
}

static void
on_fix_progress(void *arg, size_t final, size_t total)
{
	struct fixjob *j = arg;

	if (j->progress != NULL)
		j->progress(j->arg, "fix", final, total);
}

/* The fix ended: the same instances pre-checked again. */
static void
on_fix_done(void *arg, int rc, const char *err)
{
	struct fixjob *j = arg;
	struct precheck_opts o;
	const struct fix_outcome *out;
	char *e = NULL;
	size_t i;

	if (rc != 0)
		add_err(j, "the fix", err);
	out = fix_outcomes(j->fix, &j->nids);
	j->ids = xcalloc(j->nids + 1, sizeof *j->ids);
	for (i = 0; i < j->nids; i++)
		j->ids[i] = out[i].instance_id;
	memset(&o, 0, sizeof o);
	o.cfg = j->cfg;
	o.profile = j->profile;
	o.window = j->window;
	o.date = j->date;
	o.ids = j->ids;
	o.nids = j->nids;
	o.now = (long long)time(NULL);
	o.poll_ms = j->poll_ms;
	o.progress = on_pc_progress;
	o.arg = j;
	if (precheck_members(&o, j->inv, j->cache, &j->after, &e) != 0 ||
	    (j->pc = precheck_start(j->net, &o, &j->after, on_pc_done, j,
	    &e)) == NULL) {
		add_err(j, "the pre-check after the fix", e);
		free(e);
		finish(j);
	}
}

struct fixjob *
fixjob_start(struct net *net, const struct fixjob_opts *o,
    fixjob_progress_fn progress, fixjob_done_fn done, void *arg, char **err)
{
	struct fixjob *j = xcalloc(1, sizeof *j);
	struct fix_opts fo;

	buf_init(&j->err);
	j->net = net;
	j->cfg = o->cfg;
	j->profile = o->profile != NULL ? xstrdup(o->profile) : NULL;
	j->window = o->window != NULL ? xstrdup(o->window) : NULL;
	j->date = o->date != NULL ? xstrdup(o->date) : NULL;
	j->inv = o->inv;
	j->cache = o->cache;
	j->poll_ms = o->poll_ms;
	j->progress = progress;
	j->done = done;
	j->arg = arg;
	memset(&fo, 0, sizeof fo);
	fo.cfg = o->cfg;
	fo.profile = o->profile;
	fo.kind = o->kind;
	fo.force = o->force;
	fo.window = o->window;
	fo.date = o->date;
	fo.members = o->members;
	fo.chosen = o->chosen;
	fo.nchosen = o->nchosen;
	fo.poll_ms = o->poll_ms;
	j->fix = fix_start(net, &fo, on_fix_progress, on_fix_done, j, err);
	if (j->fix == NULL) {
		fixjob_free(j);
		return NULL;
	}
	return j;
}

const struct fix_outcome *
fixjob_outcomes(const struct fixjob *j, size_t *n)
{
	return fix_outcomes(j->fix, n);
}

struct precheck_report *
fixjob_after(struct fixjob *j)
{
	return j->after_done ? &j->after : NULL;
}

int
fixjob_finished(const struct fixjob *j)
{
	return j->finished;
}

void
fixjob_free(struct fixjob *j)
{
	if (j == NULL)
		return;
	precheck_free(j->pc);
	fix_free(j->fix);
	precheck_report_done(&j->after);
	free(j->ids);
	buf_free(&j->err);
	free(j->profile);
	free(j->window);
	free(j->date);
	free(j);
}
