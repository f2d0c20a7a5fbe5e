/*
 * inventory.c - see inventory.h.
 */
/* gettid() (the loader's nice value, Linux only): glibc declares it
 * only for _GNU_SOURCE. */
#define _GNU_SOURCE
#include "ops/inventory.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cache/cache.h"
#include "fleet/date.h"
#include "fleet/window.h"
#include "ops/config.h"
#include "util/util.h"

const struct inv_column inv_columns[COL_COUNT] = {
	[COL_NAME] = { "name", 24 },
	[COL_ID] = { "id", 19 },
	[COL_ACCOUNT] = { "account", 12 },
	[COL_REGION] = { "region", 12 },
	[COL_STATE] = { "state", 9 },
	[COL_PLATFORM] = { "platform", 8 },
	[COL_PING] = { "ping", 14 },
	[COL_WINDOW] = { "window", 14 },
	[COL_TAGSTATE] = { "tag state", 20 },
	[COL_EXCEPTION] = { "exception", 22 },
	[COL_LAST_PATCHED] = { "last patched", 12 },
	[COL_OWNER] = { "owner", 24 },
};

static void trail_clear(struct inventory *inv);

static void
lower_append(struct buf *b, const char *s)
{
	size_t n = strlen(s), i;
	char *p;

	buf_append(b, s, n);
	p = b->data + b->len - n;
	for (i = 0; i < n; i++)
		p[i] = (char)tolower((unsigned char)p[i]);
	buf_putc(b, '\x1f');	/* no match runs across two fields */
}

/* Every row's search text, in one allocation, made when a filter is
 * first typed: the first frame does not wait for it.  Row i's text is
 * hay_arena[hay_off[i] .. hay_off[i + 1] - 1), NUL-terminated; the
 * texts lie in row order, so one search runs over all of them. */
static void
build_hay(struct inventory *inv)
{
	struct buf arena;
	size_t i, *off;

	if (inv->hay_arena != NULL)
		return;
	off = xcalloc(inv->n + 1, sizeof *off);
	buf_init(&arena);
	for (i = 0; i < inv->n; i++) {
		const struct inv_row *r = &inv->rows[i];
		const struct fleet_instance *in = r->in;

		off[i] = arena.len;
		lower_append(&arena, in->name);
		lower_append(&arena, in->id);
		lower_append(&arena, in->account);
		lower_append(&arena, in->region);
		lower_append(&arena, in->state);
		lower_append(&arena, in->platform);
		lower_append(&arena, in->platform_name);
		lower_append(&arena, in->ping);
		lower_append(&arena, in->private_ip);
		lower_append(&arena, r->st.window_id != NULL ?
		    r->st.window_id : "");
		lower_append(&arena, r->st.owner != NULL ? r->st.owner : "");
		lower_append(&arena, fleet_tag_state_name(r->st.state));
		buf_putc(&arena, '\0');
	}
	off[inv->n] = arena.len;
	inv->hay_arena = arena.data != NULL ? buf_steal(&arena) : xstrdup("");
	inv->hay_off = off;
	memset(inv->hay_freq, 0, sizeof inv->hay_freq);
	for (i = 0; i < arena.len; i++)
		inv->hay_freq[(unsigned char)inv->hay_arena[i]]++;
}

/* Below this many rows a second thread costs more than it saves. */
#define PARALLEL_MIN_ROWS 4096

/* The per-row work of a load, on rows [begin, end): tag state, the
 * windows column's counts, the oldest fetched_at.  Pure per row, so two
 * halves run at once. */
struct state_job {
	struct inventory *inv;
	const struct fleet_tag_ctx *ctx;
	long long oldest[2];	/* per half; 0 none */
	size_t (*counts[2])[TS_STALE + 1];	/* per half */
};

static void
state_rows(void *arg, size_t begin, size_t end)
{
	struct state_job *job = arg;
	struct inventory *inv = job->inv;
	size_t nw = inv->cfg->nwindows, i;
	size_t (*counts)[TS_STALE + 1] = xcalloc(nw + 1, sizeof *counts);
	long long oldest = 0;
	long w;

	/* This half's pages in one call, on this thread. */
	util_prefault(inv->rows + begin, (end - begin) * sizeof *inv->rows);
	for (i = begin; i < end; i++) {
		struct inv_row *r = &inv->rows[i];

		r->in = &inv->v[i];
		fleet_tag_state_eval(job->ctx, r->in, &r->st);
		if (r->in->fetched_at > 0 && (oldest == 0 ||
		    r->in->fetched_at < oldest))
			oldest = r->in->fetched_at;
		w = r->st.window;
		if (w < 0 || (size_t)w >= nw)
			w = (long)nw;
		counts[w][r->st.state]++;
	}
	job->oldest[begin == 0 ? 0 : 1] = oldest;
	job->counts[begin == 0 ? 0 : 1] = counts;
}

/* Every row's tag state at inv->now, the windows column's counts and the
 * oldest row.  The records are sorted by instance (the cache's order), so
 * tagstate.c finds each row's own by binary search: 100,000 rows times
 * every record would not do. */
static void
eval_states(struct inventory *inv)
{
	const struct config *cfg = inv->cfg;
	struct state_job job;
	struct fleet_tag_ctx ctx;
	struct fleet_occurrence *next;
	unsigned char *has_next;
	size_t i, k;

	memset(&ctx, 0, sizeof ctx);
	ctx.names = &cfg->tags;
	ctx.windows = cfg->windows;
	ctx.zones = cfg->zone_ptrs;
	ctx.nwindows = cfg->nwindows;
	ctx.now = inv->now;
	ctx.stale_days = cfg->stale_days;
	ctx.exception_max_days = cfg->exception_max_days;
	ctx.exceptions_known = inv->exc.fetched_at > 0;
	ctx.exceptions = ctx.exceptions_known ? inv->exc.v : NULL;
	ctx.nexceptions = ctx.exceptions_known ? inv->exc.n : 0;
	next = xcalloc(cfg->nwindows ? cfg->nwindows : 1, sizeof *next);
	has_next = xcalloc(cfg->nwindows ? cfg->nwindows : 1, 1);
	fleet_tag_ctx_prepare(&ctx, next, has_next);
	memset(&job, 0, sizeof job);
	job.inv = inv;
	job.ctx = &ctx;
	util_parallel(inv->n, PARALLEL_MIN_ROWS, state_rows, &job);
	free(inv->counts);
	inv->counts = job.counts[0];
	inv->oldest = 0;
	for (i = 0; i < 2; i++) {
		if (job.oldest[i] > 0 && (inv->oldest == 0 ||
		    job.oldest[i] < inv->oldest))
			inv->oldest = job.oldest[i];
	}
	if (job.counts[1] != NULL) {
		for (i = 0; i <= cfg->nwindows; i++)
			for (k = 0; k <= TS_STALE; k++)
				inv->counts[i][k] += job.counts[1][i][k];
		free(job.counts[1]);
	}
	free(next);
	free(has_next);
}

/* inventory_take() with the records (taken; NULL: none), so the states
 * are computed once at load. */
static void
take(struct inventory *inv, struct fleet_instance *v, size_t n,
    const struct config *cfg, long long now, struct excache *x)
{
	memset(inv, 0, sizeof *inv);
	inv->cfg = cfg;
	inv->v = v;
	inv->n = n;
	inv->total = n;
	inv->now = now;
	if (x != NULL) {
		inv->exc = *x;
		memset(x, 0, sizeof *x);
	}
	inv->rows = xcalloc(n ? n : 1, sizeof *inv->rows);
	inv->order = xcalloc(n ? n : 1, sizeof *inv->order);
	inv->vis = xcalloc(n ? n : 1, sizeof *inv->vis);
	eval_states(inv);
	inventory_sort(inv, COL_NAME, 0);
}

void
inventory_take(struct inventory *inv, struct fleet_instance *v, size_t n,
    const struct config *cfg, long long now)
{
	take(inv, v, n, cfg, now, NULL);
}

void
inventory_set_exceptions(struct inventory *inv, struct excache *x)
{
	excache_done(&inv->exc);
	inv->exc = *x;
	memset(x, 0, sizeof *x);
	eval_states(inv);
	/* The tag state column and the search text follow the new states. */
	free(inv->hay_arena);
	free(inv->hay_off);
	inv->hay_arena = NULL;
	inv->hay_off = NULL;
	if (inv->filter != NULL)
		build_hay(inv);
	inventory_sort(inv, inv->sort, inv->desc);
}

int
inventory_load(struct inventory *inv, struct cache *c,
    const struct config *cfg, long long now, char **err)
{
	struct fleet_instance *v = NULL;
	struct excache x;
	size_t n = 0;

	if (cache_load_instances(c, &v, &n, err) != 0) {
		memset(inv, 0, sizeof *inv);
		return -1;
	}
	if (excache_load(c, cfg->exceptions_table, &x, err) != 0) {
		cache_instances_free(v, n);
		memset(inv, 0, sizeof *inv);
		return -1;
	}
	take(inv, v, n, cfg, now, &x);
	return 0;
}

int
inventory_load_head(struct inventory *inv, struct cache *c,
    const struct config *cfg, long long now, size_t max, char **err)
{
	struct cache_head h;
	struct excache x;
	size_t nw = cfg->nwindows, i;
	long w;

	if (cache_load_head(c, max, &h, err) != 0) {
		memset(inv, 0, sizeof *inv);
		return -1;
	}
	if (excache_load(c, cfg->exceptions_table, &x, err) != 0) {
		cache_head_done(&h);
		memset(inv, 0, sizeof *inv);
		return -1;
	}
	take(inv, h.v, h.n, cfg, now, &x);
	h.v = NULL;
	h.n = 0;
	/* A full head may hide more rows than the stored counts say (they
	 * are the file's word): the whole load decides. */
	inv->partial = h.total > inv->n || (max > 0 && inv->n >= max);
	if (inv->partial) {
		inv->total = h.total > inv->n ? h.total : inv->n;
		inv->wtotals = xcalloc(nw + 1, sizeof *inv->wtotals);
		for (i = 0; i < h.nwindows; i++) {
			w = fleet_window_find(cfg->windows, nw,
			    h.windows[i].window_tag);
			inv->wtotals[w < 0 ? nw : (size_t)w] +=
			    h.windows[i].count;
		}
		if (h.oldest > 0 && (inv->oldest == 0 ||
		    h.oldest < inv->oldest))
			inv->oldest = h.oldest;
	}
	cache_head_done(&h);
	return 0;
}

/*
 * The background load: the cache read on connections of the thread's
 * own, then the tag states and the sort, all on that thread; the loop's
 * thread learns of the end from the pipe and takes the result.
 */
struct inventory_loader {
	pthread_t thread;
	int fds[2];		/* the thread writes a byte to fds[1] */
	char *path;		/* the cache's file */
	const struct config *cfg;
	long long now;
	struct excache x;	/* taken by the result */
	atomic_size_t done;
	atomic_int stop;
	/* Out, read after the join. */
	struct inventory inv;
	size_t skipped;
	char *err;
	int rc;
};

static void *
loader_run(void *arg)
{
	struct inventory_loader *l = arg;
	struct cache_progress pr;
	struct fleet_instance *v = NULL;
	size_t n = 0;
	ssize_t w;

#ifdef __linux__
	/* Background work: the loop's thread (keys, drawing) goes first.
	 * On Linux a nice value is the thread's own, and the threads this
	 * one starts inherit it; elsewhere it would be the process's. */
	(void)setpriority(PRIO_PROCESS, (id_t)gettid(), 10);
#endif
	pr.done = &l->done;
	pr.stop = &l->stop;
	l->rc = cache_load_instances_apart(l->path, &v, &n, &l->skipped,
	    &pr, &l->err);
	if (l->rc == 0 && !atomic_load(&l->stop))
		take(&l->inv, v, n, l->cfg, l->now, &l->x);
	else if (l->rc == 0) {
		cache_instances_free(v, n);
		l->rc = -1;
		l->err = xstrdup("stopped");
	}
	do
		w = write(l->fds[1], "", 1);
	while (w < 0 && errno == EINTR);
	return NULL;
}

struct inventory_loader *
inventory_loader_start(struct cache *c, const struct config *cfg,
    long long now, char **err)
{
	struct inventory_loader *l = xcalloc(1, sizeof *l);

	if (cache_file(c) == NULL) {
		*err = xstrdup("a cache in memory loads on its own thread");
		free(l);
		return NULL;
	}
	l->path = xstrdup(cache_file(c));
	l->cfg = cfg;
	l->now = now;
	l->fds[0] = l->fds[1] = -1;
	atomic_init(&l->done, 0);
	atomic_init(&l->stop, 0);
	if (excache_load(c, cfg->exceptions_table, &l->x, err) != 0) {
		free(l->path);
		free(l);
		return NULL;
	}
	if (pipe(l->fds) != 0) {
		*err = xasprintf("cannot make a pipe: %s", strerror(errno));
		goto fail;
	}
	(void)fcntl(l->fds[0], F_SETFD, FD_CLOEXEC);
	(void)fcntl(l->fds[1], F_SETFD, FD_CLOEXEC);
	if (pthread_create(&l->thread, NULL, loader_run, l) != 0) {
		*err = xstrdup("cannot start a thread");
		goto fail;
	}
	return l;

fail:
	excache_done(&l->x);
	free(l->path);
	if (l->fds[0] >= 0)
		close(l->fds[0]);
	if (l->fds[1] >= 0)
		close(l->fds[1]);
	free(l);
	return NULL;
}

int
inventory_loader_fd(const struct inventory_loader *l)
{
	return l->fds[0];
}

size_t
inventory_loader_progress(const struct inventory_loader *l)
{
	return atomic_load(&((struct inventory_loader *)l)->done);
}

int
inventory_loader_finish(struct inventory_loader *l, struct cache *c,
    struct inventory *inv, char **err)
{
	int rc;

	pthread_join(l->thread, NULL);
	rc = l->rc;
	if (rc == 0) {
		*inv = l->inv;
		memset(&l->inv, 0, sizeof l->inv);
		if (c != NULL)
			cache_instances_skipped(c, l->skipped);
	} else {
		*err = l->err;
		l->err = NULL;
		memset(inv, 0, sizeof *inv);
	}
	excache_done(&l->x);
	close(l->fds[0]);
	close(l->fds[1]);
	free(l->err);
	free(l->path);
	free(l);
	return rc;
}

void
inventory_loader_stop(struct inventory_loader *l)
{
	atomic_store(&l->stop, 1);
}

void
inventory_loader_free(struct inventory_loader *l)
{
	struct inventory inv;
	char *err = NULL;

	if (l == NULL)
		return;
	atomic_store(&l->stop, 1);
	if (inventory_loader_finish(l, NULL, &inv, &err) == 0)
		inventory_free(&inv);
	free(err);
}

static void
where_free(struct inv_where *w)
{
	free(w->window);
	free(w->state);
	free(w->ping);
	free(w->owner);
	free(w->account);
	free(w->region);
	free(w->tagstate);
	memset(w, 0, sizeof *w);
}

void
inventory_free(struct inventory *inv)
{

	trail_clear(inv);
	free(inv->hay_arena);
	free(inv->hay_off);
	free(inv->counts);
	free(inv->wtotals);
	free(inv->rows);
	free(inv->order);
	free(inv->vis);
	free(inv->filter);
	where_free(&inv->where);
	cache_instances_free(inv->v, inv->n);
	excache_done(&inv->exc);
	memset(inv, 0, sizeof *inv);
}

static int
ci_contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay != '\0'; hay++) {
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	}
	return n == 0;
}

static int
eq(const char *cond, const char *value)
{
	return cond == NULL || strcmp(cond, value != NULL ? value : "") == 0;
}

static int
row_matches_where(const struct inventory *inv, const struct inv_row *r)
{
	const struct inv_where *w = &inv->where;

	/* No condition: do not touch the instance (a cache miss per row). */
	if (w->window == NULL && w->state == NULL && w->account == NULL &&
	    w->region == NULL && w->ping == NULL && w->owner == NULL &&
	    w->tagstate == NULL)
		return 1;
	if (!eq(w->window, r->st.window_id) || !eq(w->state, r->in->state) ||
	    !eq(w->account, r->in->account) || !eq(w->region, r->in->region))
		return 0;
	/* ":ping lost" finds ConnectionLost: any part of the status. */
	if (w->ping != NULL && !ci_contains(r->in->ping, w->ping))
		return 0;
	if (w->owner != NULL && !ci_contains(r->st.owner != NULL ?
	    r->st.owner : "", w->owner))
		return 0;
	if (w->tagstate != NULL && strcmp(w->tagstate,
	    fleet_tag_state_name(r->st.state)) != 0)
		return 0;
	return 1;
}

/*
 * The `/` text in the search texts: memchr (the C library's vectorised
 * loop) for the needle's byte that is rarest in the texts, each hit
 * checked with memcmp.  glibc's memmem, byte by byte, was two thirds of
 * a keystroke at 100,000 rows.
 */
struct finder {
	const char *pat;
	size_t m;		/* strlen(pat), > 0 */
	size_t k;		/* the rarest byte's index in pat */
};

static void
finder_init(struct finder *f, const struct inventory *inv, const char *pat)
{
	size_t i;

	f->pat = pat;
	f->m = strlen(pat);
	f->k = 0;
	for (i = 1; i < f->m; i++) {
		if (inv->hay_freq[(unsigned char)pat[i]] <
		    inv->hay_freq[(unsigned char)pat[f->k]])
			f->k = i;
	}
}

/* The first match in [p, end), or NULL. */
static const char *
finder_next(const struct finder *f, const char *p, const char *end)
{
	const char *h;
	int rare = (unsigned char)f->pat[f->k];

	if ((size_t)(end - p) < f->m)
		return NULL;
	/* Where the rare byte of a match lies. */
	end -= f->m - 1 - f->k;
	p += f->k;
	while (p < end && (h = memchr(p, rare, (size_t)(end - p))) != NULL) {
		/* Most false hits end at the ends, without a call. */
		if (h[-(ptrdiff_t)f->k] == f->pat[0] &&
		    h[f->m - 1 - f->k] == f->pat[f->m - 1] &&
		    memcmp(h - f->k, f->pat, f->m) == 0)
			return h - f->k;
		p = h + 1;
	}
	return NULL;
}

/*
 * Which rows' search texts hold pat: one search over the whole arena
 * instead of one per row, each hit mapped to its row by walking hay_off
 * forward, the search going on from the next row's text.  Only rows with
 * cand[i] (NULL: every row) are set in keep; rows not set are left as
 * they were.  When few rows are candidates, only their texts are
 * searched.  pat holds no NUL, so no hit spans two rows.
 */
static void
find_rows(const struct inventory *inv, const char *pat,
    const unsigned char *cand, size_t ncand, unsigned char *keep)
{
	const char *arena = inv->hay_arena, *end, *p, *hit;
	const size_t *off = inv->hay_off;
	struct finder f;
	size_t i, r = 0;

	finder_init(&f, inv, pat);
	if (cand != NULL && ncand < inv->n / 8) {
		for (i = 0; i < inv->n; i++) {
			if (cand[i] && finder_next(&f, arena + off[i],
			    arena + off[i + 1] - 1) != NULL)
				keep[i] = 1;
		}
		return;
	}
	p = arena;
	end = arena + off[inv->n];
	while (p < end && (hit = finder_next(&f, p, end)) != NULL) {
		while (off[r + 1] <= (size_t)(hit - arena))
			r++;
		if (cand == NULL || cand[r])
			keep[r] = 1;
		p = arena + off[r + 1];
	}
}

/*
 * The rows are tested in storage order, where rows, instances and search
 * texts lie one after another in memory, and keep[] (a byte per row) is
 * then read in sort order.  Testing them in sort order jumped across the
 * heap, several cache misses per row: 25 ms a keystroke at 100,000 rows.
 */
static void
collect(struct inventory *inv, const unsigned char *keep)
{
	size_t i;

	inv->nvis = 0;
	for (i = 0; i < inv->n; i++) {
		if (keep[inv->order[i]])
			inv->vis[inv->nvis++] = inv->order[i];
	}
}

#define TRAIL_MAX 64

static void
trail_clear(struct inventory *inv)
{
	size_t i;

	for (i = 0; i < inv->ntrail; i++) {
		free(inv->trail[i].filter);
		free(inv->trail[i].vis);
	}
	free(inv->trail);
	inv->trail = NULL;
	inv->ntrail = 0;
}

static void
trail_push(struct inventory *inv)
{
	struct inv_trail *t;

	if (inv->ntrail == TRAIL_MAX)
		return;
	inv->trail = xreallocarray(inv->trail, inv->ntrail + 1,
	    sizeof *inv->trail);
	t = &inv->trail[inv->ntrail++];
	t->filter = inv->filter != NULL ? xstrdup(inv->filter) : NULL;
	t->nvis = inv->nvis;
	t->vis = xreallocarray(NULL, inv->nvis ? inv->nvis : 1,
	    sizeof *t->vis);
	memcpy(t->vis, inv->vis, inv->nvis * sizeof *t->vis);
}

static int
same_filter(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Back to what filter low showed, if the trail holds it; pops what was
 * typed after it.  Returns 1 when restored. */
static int
trail_restore(struct inventory *inv, const char *low)
{
	struct inv_trail *t;

	while (inv->ntrail > 0) {
		t = &inv->trail[inv->ntrail - 1];
		if (same_filter(t->filter, low)) {
			memcpy(inv->vis, t->vis, t->nvis * sizeof *t->vis);
			inv->nvis = t->nvis;
			free(t->filter);
			free(t->vis);
			inv->ntrail--;
			return 1;
		}
		free(t->filter);
		free(t->vis);
		inv->ntrail--;
	}
	return 0;
}

/* Every visible row again, from the full sort order.  What the trail
 * remembers no longer holds (the conditions or the order changed). */
static void
recompute(struct inventory *inv)
{
	unsigned char *keep, *where = NULL;
	size_t i, nwhere = 0;

	trail_clear(inv);
	keep = xcalloc(inv->n ? inv->n : 1, 1);
	if (inv->filter == NULL) {
		for (i = 0; i < inv->n; i++)
			keep[i] = (unsigned char)row_matches_where(inv,
			    &inv->rows[i]);
	} else {
		where = xmalloc(inv->n ? inv->n : 1);
		for (i = 0; i < inv->n; i++)
			nwhere += where[i] = (unsigned char)row_matches_where(
			    inv, &inv->rows[i]);
		find_rows(inv, inv->filter, nwhere == inv->n ? NULL : where,
		    nwhere, keep);
		free(where);
	}
	collect(inv, keep);
	free(keep);
}

void
inventory_set_filter(struct inventory *inv, const char *text)
{
	char *old = inv->filter, *low = NULL;
	unsigned char *keep, *cand;
	size_t i;
	int narrowing;

	if (text != NULL && *text != '\0') {
		build_hay(inv);
		low = xstrdup(text);
		for (i = 0; low[i] != '\0'; i++)
			low[i] = (char)tolower((unsigned char)low[i]);
	}
	/* Typing one more character can only hide rows: scan the visible
	 * ones, not the fleet.  Erasing one brings back what was shown. */
	narrowing = low != NULL && (old == NULL ||
	    strncmp(low, old, strlen(old)) == 0);
	if (narrowing && !same_filter(low, old))
		trail_push(inv);
	inv->filter = low;
	free(old);
	if (!narrowing) {
		if (trail_restore(inv, low))
			return;
		recompute(inv);
		return;
	}
	cand = xcalloc(inv->n ? inv->n : 1, 1);
	keep = xcalloc(inv->n ? inv->n : 1, 1);
	for (i = 0; i < inv->nvis; i++)
		cand[inv->vis[i]] = 1;
	find_rows(inv, low, inv->nvis == inv->n ? NULL : cand, inv->nvis,
	    keep);
	collect(inv, keep);
	free(cand);
	free(keep);
}

/* qsort has no context argument; one sort runs at a time per thread (a
 * background load sorts its inventory while the console sorts its own). */
static _Thread_local const struct inventory *sorting;

static long long
patched_key(const struct inv_row *r)
{
	return r->st.last_patched_known ? r->st.last_patched : -1;
}

/* Each row's key is taken once before sorting: comparing through
 * inventory_cell() re-derived both cells and chased row and instance
 * pointers at every comparison (120+ ms for 50,000 rows). */
struct sort_key {
	/* The cell's first bytes, NUL-padded: memcmp on them orders as
	 * strcmp does, and most comparisons end there without touching the
	 * rows (names are mostly shorter than this). */
	unsigned char pre[16];
	const char *s;		/* the cell, or NULL: compare k */
	long long k;
	size_t row;
	char *owned;		/* s when the cell was formatted */
};

static int
cmp_keys(const void *a, const void *b)
{
	const struct sort_key *x = a, *y = b;
	const struct fleet_instance *ix, *iy;
	int c;

	if (x->s != NULL) {
		c = memcmp(x->pre, y->pre, sizeof x->pre);
		/* Equal prefixes: the strings are equal if they ended inside
		 * it, else the rest decides. */
		if (c == 0 && memchr(x->pre, '\0', sizeof x->pre) == NULL)
			c = strcmp(x->s + sizeof x->pre, y->s + sizeof y->pre);
	} else
		c = x->k < y->k ? -1 : x->k > y->k;
	if (c != 0)
		return c;
	ix = sorting->rows[x->row].in;
	iy = sorting->rows[y->row].in;
	c = strcmp(ix->id, iy->id);
	if (c == 0)
		c = strcmp(ix->region, iy->region);
	return c;
}

/* Runs of sorted input merge_runs() takes on; more, and qsort is as good. */
#define MERGE_RUNS_MAX 64

/*
 * The cache hands each target's rows over by name, so loading 50,000
 * instances of 6 targets gives 6 sorted runs: merging them is ~n log 6
 * comparisons instead of qsort's n log n, and the first frame does not
 * pay for a sort.  keys[i] is row i's key; the merge moves row numbers
 * (8 bytes), not keys, and reads each run front to back.  Fills order
 * with the rows in key order and returns 1, or returns 0 (order
 * untouched) when there are more than MERGE_RUNS_MAX runs.
 */
/* Row a against row b for merge_runs(): by their sort keys, or, for the
 * name order a load comes in, by the instances themselves. */
struct merge_by {
	const struct sort_key *keys;	/* NULL: fleet_instance_cmp_name */
	const struct inventory *inv;
};

static int
merge_cmp(const struct merge_by *by, size_t a, size_t b)
{
	if (by->keys != NULL)
		return cmp_keys(&by->keys[a], &by->keys[b]);
	return fleet_instance_cmp_name(by->inv->rows[a].in,
	    by->inv->rows[b].in);
}

static int
merge_runs(const struct merge_by *by, size_t n, size_t *order)
{
	size_t start[MERGE_RUNS_MAX + 1], nruns = 0, i, r, a, b, ea, eb, k;
	size_t *tmp, *from, *to, *swap;

	for (i = 0; i < n; i++) {
		if (i == 0 || merge_cmp(by, i - 1, i) > 0) {
			if (nruns == MERGE_RUNS_MAX)
				return 0;
			start[nruns++] = i;
		}
		order[i] = i;
	}
	if (nruns <= 1)
		return 1;
	tmp = xmalloc(n * sizeof *tmp);
	from = order;
	to = tmp;
	while (nruns > 1) {
		start[nruns] = n;
		for (r = 0, k = 0; r < nruns; r += 2) {
			/* Run r is [start[r], start[r + 1]); an odd last one
			 * is copied over alone. */
			a = start[r];
			ea = start[r + 1];
			b = ea;
			eb = r + 1 < nruns ? start[r + 2] : ea;
			i = a;
			while (a < ea && b < eb)
				to[i++] = merge_cmp(by, from[a], from[b]) <=
				    0 ? from[a++] : from[b++];
			while (a < ea)
				to[i++] = from[a++];
			while (b < eb)
				to[i++] = from[b++];
			start[k++] = start[r];
		}
		nruns = k;
		swap = from;
		from = to;
		to = swap;
	}
	if (from != order)
		memcpy(order, from, n * sizeof *order);
	free(tmp);
	return 1;
}

struct key_job {
	const struct inventory *inv;
	struct sort_key *keys;
	enum inv_col col;
};

/* Takes the sort keys of rows [begin, end); two halves run at once. */
static void
key_rows(void *arg, size_t begin, size_t end)
{
	const struct key_job *job = arg;
	struct sort_key *key;
	char buf[128];
	size_t i;

	for (i = begin; i < end; i++) {
		const struct inv_row *r = &job->inv->rows[i];

		key = &job->keys[i];
		key->row = i;
		if (job->col == COL_TAGSTATE)
			key->k = (long long)r->st.state;
		else if (job->col == COL_LAST_PATCHED)
			key->k = patched_key(r);
		else {
			key->s = inventory_cell(job->inv, r, job->col, buf,
			    sizeof buf);
			if (key->s == buf)
				key->s = key->owned = xstrdup(buf);
			/* NUL-padded: the keys start zeroed. */
			memcpy(key->pre, key->s, strnlen(key->s,
			    sizeof key->pre));
		}
	}
}

void
inventory_sort(struct inventory *inv, enum inv_col col, int desc)
{
	struct sort_key *keys;
	struct merge_by by;
	struct key_job job;
	size_t i;

	inv->sort = col;
	inv->desc = desc;
	sorting = inv;
	by.keys = NULL;
	by.inv = inv;
	/* By name, the order loads come in: the runs merged by the
	 * instances themselves, without keys (4.8 MB of a 100,000-row
	 * load's peak memory). */
	if (col == COL_NAME && merge_runs(&by, inv->n, inv->order)) {
		sorting = NULL;
		goto sorted;
	}
	keys = xcalloc(inv->n ? inv->n : 1, sizeof *keys);
	util_prefault(keys, inv->n * sizeof *keys);
	job.inv = inv;
	job.keys = keys;
	job.col = col;
	util_parallel(inv->n, PARALLEL_MIN_ROWS, key_rows, &job);
	by.keys = keys;
	if (merge_runs(&by, inv->n, inv->order)) {
		for (i = 0; i < inv->n; i++)
			free(keys[i].owned);
	} else {
		qsort(keys, inv->n, sizeof *keys, cmp_keys);
		for (i = 0; i < inv->n; i++) {
			inv->order[i] = keys[i].row;
			free(keys[i].owned);
		}
	}
	sorting = NULL;
	free(keys);
sorted:
	if (desc) {
		for (i = 0; i < inv->n / 2; i++) {
			size_t t = inv->order[i];

			inv->order[i] = inv->order[inv->n - 1 - i];
			inv->order[inv->n - 1 - i] = t;
		}
	}
	recompute(inv);
}

int
inventory_column(const char *name)
{
	int i;

	for (i = 0; i < COL_COUNT; i++) {
		if (strcasecmp(inv_columns[i].name, name) == 0)
			return i;
	}
	/* "last_patched", "tag_state", "tagstate" as written in scripts. */
	if (strcasecmp(name, "last_patched") == 0 ||
	    strcasecmp(name, "lastpatched") == 0)
		return COL_LAST_PATCHED;
	if (strcasecmp(name, "tag_state") == 0 ||
	    strcasecmp(name, "tagstate") == 0)
		return COL_TAGSTATE;
	return -1;
}

static void
set_cond(char **slot, const char *value)
{
	free(*slot);
	*slot = value != NULL && *value != '\0' ? xstrdup(value) : NULL;
}

int
inventory_command(struct inventory *inv, const char *cmd, char **msg)
{
	char word[32];
	const char *arg;
	size_t n;
	int col;

	while (*cmd == ' ')
		cmd++;
	/* "state running " means running: a trailing blank is a slip. */
	n = strlen(cmd);
	if (n > 0 && cmd[n - 1] == ' ') {
		char *trimmed = xstrndup(cmd, n);
		int rc;

		while (n > 0 && trimmed[n - 1] == ' ')
			trimmed[--n] = '\0';
		rc = inventory_command(inv, trimmed, msg);
		free(trimmed);
		return rc;
	}
	n = strcspn(cmd, " ");
	if (n >= sizeof word) {
		*msg = xstrdup("unknown command (try :help)");
		return -1;
	}
	memcpy(word, cmd, n);
	word[n] = '\0';
	arg = cmd + n;
	while (*arg == ' ')
		arg++;

	if (strcmp(word, "q") == 0 || strcmp(word, "quit") == 0)
		return 1;
	if (strcmp(word, "clear") == 0) {
		where_free(&inv->where);
		free(inv->filter);
		inv->filter = NULL;
		recompute(inv);
		*msg = xstrdup("every condition and the filter cleared");
		return 0;
	}
	if (strcmp(word, "sort") == 0) {
		int desc = *arg == '-';

		col = inventory_column(desc ? arg + 1 : arg);
		if (col < 0) {
			*msg = xasprintf("no column '%s' to sort by", arg);
			return -1;
		}
		inventory_sort(inv, (enum inv_col)col, desc);
		*msg = xasprintf("sorted by %s%s", inv_columns[col].name,
		    desc ? ", descending" : "");
		return 0;
	}
	if (strcmp(word, "window") == 0 && *arg != '\0') {
		const char **ids = xcalloc(inv->cfg->nwindows + 1,
		    sizeof *ids);
		size_t i, hit = 0, nhit;
		struct buf b;

		/* A defined window, or a unique beginning of one: a typo
		 * is an error, not silently zero rows (an unknown tag value
		 * is `tag unknown window`). */
		for (i = 0; i < inv->cfg->nwindows; i++)
			ids[i] = inv->cfg->windows[i].id;
		nhit = util_prefix_pick(ids, inv->cfg->nwindows, arg, strlen(arg),
		    &hit);
		if (nhit != 1) {
			buf_init(&b);
			for (i = 0; i < inv->cfg->nwindows; i++)
				if (nhit == 0 || strncasecmp(ids[i], arg,
				    strlen(arg)) == 0)
					buf_printf(&b, "%s%s", b.len > 0 ?
					    ", " : "", ids[i]);
			*msg = xasprintf(nhit > 1 ? "window '%s' is ambiguous: %s"
			    : "unknown window '%s'; defined: %s", arg,
			    b.len > 0 ? b.data : "none");
			buf_free(&b);
			free(ids);
			return -1;
		}
		set_cond(&inv->where.window, ids[hit]);
		arg = ids[hit];
		free(ids);
	} else if (strcmp(word, "window") == 0)
		set_cond(&inv->where.window, arg);
	else if (strcmp(word, "state") == 0)
		set_cond(&inv->where.state, arg);
	else if (strcmp(word, "ping") == 0)
		set_cond(&inv->where.ping, arg);
	else if (strcmp(word, "owner") == 0)
		set_cond(&inv->where.owner, arg);
	else if (strcmp(word, "account") == 0)
		set_cond(&inv->where.account, arg);
	else if (strcmp(word, "region") == 0)
		set_cond(&inv->where.region, arg);
	else if (strcmp(word, "tag") == 0 && *arg != '\0') {
		enum fleet_tag_state ts;

		if (fleet_tag_state_from_prefix(arg, &ts, msg) != 0)
			return -1;
		arg = fleet_tag_state_name(ts);
		set_cond(&inv->where.tagstate, arg);
	} else if (strcmp(word, "tag") == 0)
		set_cond(&inv->where.tagstate, arg);
	else {
		*msg = xasprintf("unknown command '%s': window, state, ping, "
		    "owner, account, region, tag, sort, clear, q", word);
		return -1;
	}
	recompute(inv);
	if (*arg == '\0')
		*msg = xasprintf("%s: any", word);
	else
		*msg = xasprintf("%s: %s (%zu shown)", word, arg, inv->nvis);
	return 0;
}

void
inventory_toggle_mark(struct inventory *inv, size_t vis_index)
{
	struct inv_row *r;

	if (vis_index >= inv->nvis)
		return;
	r = &inv->rows[inv->vis[vis_index]];
	r->marked = !r->marked;
	if (r->marked)
		inv->nmarked++;
	else
		inv->nmarked--;
}

void
inventory_mark_visible(struct inventory *inv)
{
	size_t i;

	for (i = 0; i < inv->nvis; i++) {
		struct inv_row *r = &inv->rows[inv->vis[i]];

		if (!r->marked) {
			r->marked = 1;
			inv->nmarked++;
		}
	}
}

void
inventory_clear_marks(struct inventory *inv)
{
	size_t i;

	for (i = 0; i < inv->n; i++)
		inv->rows[i].marked = 0;
	inv->nmarked = 0;
}

static const char *
exception_cell(const struct inv_row *r, char *buf, size_t size)
{
	char a[16], b[16];
	const char *what;

	if (!r->st.exception_tagged && r->st.exception == 0)
		return "";
	if (r->st.exception_malformed)
		return "malformed tag";
	switch (r->st.exception) {
	case TS_EXCEPTED_LIVE:
		what = "live";
		break;
	case TS_EXCEPTED_UPCOMING:
		what = "upcoming";
		break;
	case TS_EXCEPTED_EXPIRED:
		what = "expired";
		break;
	case TS_EXCEPTED_UNAPPROVED:
		what = "unapproved";
		break;
	default:
		what = "tagged";
	}
	if (!r->st.has_exception_range)
		return what;
	fleet_date_format(r->st.exception_starts, a, sizeof a);
	fleet_date_format(r->st.exception_ends, b, sizeof b);
	snprintf(buf, size, "%s %s..%s", what, a + 5, b + 5);
	return buf;
}

const char *
inventory_cell(const struct inventory *inv, const struct inv_row *r,
    enum inv_col col, char *buf, size_t size)
{
	(void)inv;
	switch (col) {
	case COL_NAME:
		return r->in->name;
	case COL_ID:
		return r->in->id;
	case COL_ACCOUNT:
		return r->in->account;
	case COL_REGION:
		return r->in->region;
	case COL_STATE:
		return r->in->state;
	case COL_PLATFORM:
		return r->in->platform;
	case COL_PING:
		return r->in->ping[0] != '\0' ? r->in->ping : "-";
	case COL_WINDOW:
		return r->st.window_id != NULL ? r->st.window_id : "";
	case COL_TAGSTATE:
		return fleet_tag_state_name(r->st.state);
	case COL_EXCEPTION:
		return exception_cell(r, buf, size);
	case COL_LAST_PATCHED:
		if (r->st.last_patched_malformed)
			return "unreadable";
		if (!r->st.last_patched_known || r->st.days_since_patch < 0)
			return "never";
		snprintf(buf, size, "%ldd ago", r->st.days_since_patch);
		return buf;
	case COL_OWNER:
		return r->st.owner != NULL ? r->st.owner : "";
	case COL_COUNT:
		break;
	}
	return "";
}

size_t (*inventory_window_counts(const struct inventory *inv))[TS_STALE + 1]
{
	size_t nw = inv->cfg->nwindows;
	size_t (*c)[TS_STALE + 1] = xcalloc(nw + 1, sizeof *c);

	if (inv->counts != NULL)
		memcpy(c, inv->counts, (nw + 1) * sizeof *c);
	return c;
}
