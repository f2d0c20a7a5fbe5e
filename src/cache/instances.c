/*
 * instances.c - the instance rows (see cache.h): the instances, fleet and
 * fleet_windows tables, written per target, loaded whole (on one thread
 * or two, or on a thread of its own: cache_load_instances_apart) or by
 * its head for the console's first frame.  The recs blobs are encoded and
 * decoded by rec.c.
 */
#include "cache/cache_int.h"

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"

/* The instances table's SQL columns and indexes since version 2 (text a
 * shipped step used, so it does not change). */
#define INSTANCES_COLUMNS \
	"  row INTEGER PRIMARY KEY," \
	"  target TEXT NOT NULL REFERENCES targets(name) ON DELETE CASCADE," \
	"  account TEXT NOT NULL DEFAULT ''," \
	"  region TEXT NOT NULL DEFAULT ''," \
	"  id TEXT NOT NULL DEFAULT ''," \
	"  name TEXT NOT NULL DEFAULT ''," \
	"  state TEXT NOT NULL DEFAULT ''," \
	"  ping TEXT NOT NULL DEFAULT ''," \
	"  window_tag TEXT NOT NULL DEFAULT ''," \
	"  owner_tag TEXT NOT NULL DEFAULT ''," \
	"  fetched_at INTEGER NOT NULL DEFAULT 0,"
#define INSTANCES_INDEXES \
	"CREATE INDEX instances_target ON instances(target);" \
	"CREATE INDEX instances_state ON instances(state);" \
	"CREATE INDEX instances_ping ON instances(ping);" \
	"CREATE INDEX instances_window ON instances(window_tag);" \
	"CREATE INDEX instances_owner ON instances(owner_tag);"

/*
 * The schema steps of the instance rows.  Version 1 had a column per
 * field; a cache, so each change since drops the rows (the next sync
 * refills them) rather than converting them.
 */
static const struct cache_step steps[] = {
	{ 1,
	"CREATE TABLE instances ("
	"  row INTEGER PRIMARY KEY,"
	"  target TEXT NOT NULL REFERENCES targets(name) ON DELETE CASCADE,"
	"  account TEXT NOT NULL DEFAULT '',"
	"  region TEXT NOT NULL DEFAULT '',"
	"  id TEXT NOT NULL DEFAULT '',"
	"  name TEXT NOT NULL DEFAULT '',"
	"  state TEXT NOT NULL DEFAULT '',"
	"  type TEXT NOT NULL DEFAULT '',"
	"  platform TEXT NOT NULL DEFAULT '',"
	"  platform_name TEXT NOT NULL DEFAULT '',"
	"  platform_version TEXT NOT NULL DEFAULT '',"
	"  private_ip TEXT NOT NULL DEFAULT '',"
	"  public_ip TEXT NOT NULL DEFAULT '',"
	"  az TEXT NOT NULL DEFAULT '',"
	"  launch_time TEXT NOT NULL DEFAULT '',"
	"  ping TEXT NOT NULL DEFAULT '',"
	"  agent_version TEXT NOT NULL DEFAULT '',"
	"  last_ping INTEGER NOT NULL DEFAULT 0,"
	"  fetched_at INTEGER NOT NULL DEFAULT 0,"
	"  tags BLOB NOT NULL DEFAULT x'00000000',"
	"  window_tag TEXT NOT NULL DEFAULT '',"
	"  owner_tag TEXT NOT NULL DEFAULT '',"
	"  UNIQUE (id, account, region, target)"
	");"
	INSTANCES_INDEXES },
	/* 1 -> 2: each instance as one record blob (rec, format in cache.h)
	 * beside the columns SQL needs.  A cache: dropped, not converted;
	 * last_ok 0 shows the targets as never synced until the next sync
	 * refills them. */
	{ 2,
	"DROP TABLE instances;"
	"CREATE TABLE instances ("
	INSTANCES_COLUMNS
	"  rec BLOB NOT NULL,"
	"  UNIQUE (id, account, region, target)"
	");"
	INSTANCES_INDEXES
	"UPDATE targets SET last_ok = 0;" },
	/* 2 -> 3: the recs leave the rows for one blob per target (fleet),
	 * read in one piece at start-up; instances keeps the SQL columns.
	 * Dropped, not converted, as in 1 -> 2. */
	{ 3,
	"DROP TABLE instances;"
	"CREATE TABLE instances ("
	INSTANCES_COLUMNS
	"  UNIQUE (id, account, region, target)"
	");"
	INSTANCES_INDEXES
	"CREATE TABLE fleet ("
	"  target TEXT PRIMARY KEY"
	"    REFERENCES targets(name) ON DELETE CASCADE,"
	"  count INTEGER NOT NULL DEFAULT 0,"
	"  recs BLOB NOT NULL DEFAULT x''"
	");"
	"UPDATE targets SET last_ok = 0;" },
	/* 3 -> 4: how many instances of each target carry each window tag,
	 * so the console's first frame has the windows column without
	 * reading the fleet.  Filled from the rows already there: nothing
	 * is dropped. */
	{ 4,
	"CREATE TABLE fleet_windows ("
	"  target TEXT NOT NULL"
	"    REFERENCES targets(name) ON DELETE CASCADE,"
	"  window_tag TEXT NOT NULL DEFAULT '',"
	"  count INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (target, window_tag)"
	") WITHOUT ROWID;"
	"INSERT INTO fleet_windows (target, window_tag, count)"
	"  SELECT target, window_tag, count(*) FROM instances"
	"  GROUP BY target, window_tag;" },
};

enum {
	ST_DEL_INSTANCES,
	ST_INS_INSTANCE,
	ST_PUT_FLEET,
	ST_LOAD_FLEET,
	ST_DEL_WINDOWS,
	ST_PUT_WINDOWS,
	ST_LOAD_WINDOWS,
	ST_FLEET_OLDEST,
	ST__COUNT
};

/* .since: the schema version each first works with as written. */
static const struct cache_sql sql[ST__COUNT] = {
	[ST_DEL_INSTANCES] = {
	    "DELETE FROM instances WHERE target = ?1", 0 },
	[ST_INS_INSTANCE] = {
	    "INSERT INTO instances (target, account, region, id, name, state,"
	    " ping, window_tag, owner_tag, fetched_at) VALUES (?1, ?2,"
	    " ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", 2 },
	[ST_PUT_FLEET] = {
	    "INSERT INTO fleet (target, count, recs) VALUES (?1, ?2, ?3)"
	    " ON CONFLICT (target) DO UPDATE SET count = excluded.count,"
	    " recs = excluded.recs", 3 },
	[ST_LOAD_FLEET] = {
	    "SELECT rowid, count, length(recs) FROM fleet ORDER BY target",
	    3 },
	[ST_DEL_WINDOWS] = {
	    "DELETE FROM fleet_windows WHERE target = ?1", 4 },
	[ST_PUT_WINDOWS] = {
	    "INSERT INTO fleet_windows (target, window_tag, count)"
	    " SELECT target, window_tag, count(*) FROM instances"
	    " WHERE target = ?1 GROUP BY window_tag", 4 },
	[ST_LOAD_WINDOWS] = {
	    "SELECT window_tag, sum(count) FROM fleet_windows"
	    " GROUP BY window_tag ORDER BY window_tag", 4 },
	[ST_FLEET_OLDEST] = {
	    "SELECT min(targets.last_ok) FROM targets JOIN fleet"
	    " ON fleet.target = targets.name"
	    " WHERE fleet.count > 0 AND targets.last_ok > 0", 3 },
};

const struct cache_area cache_area_instances = {
	"instances", steps, CACHE_NELEM(steps), sql, ST__COUNT
};

#define ST(c, i) CACHE_ST(c, CACHE_AREA_INSTANCES, i)

/* fleet_instance_tag() that survives NULL keys (a bug upstream). */
static const char *
cache_tag(const struct fleet_instance *in, const char *key)
{
	size_t k;

	for (k = 0; k < in->ntags; k++) {
		if (in->tags[k].key != NULL && strcmp(in->tags[k].key, key) == 0)
			return in->tags[k].value;
	}
	return NULL;
}

static int
cache_insert_instance(struct cache *c, const char *target,
    const struct fleet_instance *in, long long when, char **err)
{
	sqlite3_stmt *st = ST(c, ST_INS_INSTANCE);

	cache_bind_str(st, 1, target);
	cache_bind_str(st, 2, in->account);
	cache_bind_str(st, 3, in->region);
	cache_bind_str(st, 4, in->id);
	cache_bind_str(st, 5, in->name);
	cache_bind_str(st, 6, in->state);
	cache_bind_str(st, 7, in->ping);
	cache_bind_str(st, 8, cache_tag(in, c->window_key));
	cache_bind_str(st, 9, cache_tag(in, c->owner_key));
	sqlite3_bind_int64(st, 10, when);
	return cache_step_done(c, st, "cannot store an instance", err);
}

int
cache_delete_rows(struct cache *c, const char *target, char **err)
{
	cache_bind_str(ST(c, ST_DEL_INSTANCES), 1, target);
	if (cache_step_done(c, ST(c, ST_DEL_INSTANCES),
	    "cannot delete instances", err) == -1)
		return -1;
	cache_bind_str(ST(c, ST_DEL_WINDOWS), 1, target);
	return cache_step_done(c, ST(c, ST_DEL_WINDOWS),
	    "cannot delete window counts", err);
}

/* Sorts instance pointers as fleet_instance_cmp_name (qsort's way). */
static int
cache_cmp_name(const void *a, const void *b)
{
	return fleet_instance_cmp_name(*(const struct fleet_instance *const *)
	    a, *(const struct fleet_instance *const *)b);
}

/* Writes the rows and the recs blob of target's n instances, by name;
 * inside a transaction. */
static int
cache_write_instances(struct cache *c, const char *target,
    const struct fleet_instance *v, size_t n, long long fetched_at,
    char **err)
{
	const struct fleet_instance **sorted;
	sqlite3_stmt *st = ST(c, ST_PUT_FLEET);
	struct buf recs;
	long long when;
	size_t i;
	int rc = -1;

	sorted = xcalloc(n ? n : 1, sizeof *sorted);
	for (i = 0; i < n; i++)
		sorted[i] = &v[i];
	qsort(sorted, n, sizeof *sorted, cache_cmp_name);
	buf_init(&recs);
	for (i = 0; i < n; i++) {
		when = sorted[i]->fetched_at != 0 ? sorted[i]->fetched_at :
		    fetched_at;
		if (cache_rec_encode(&recs, sorted[i], when, err) == -1) {
			char *why = *err;

			*err = xasprintf("cache %s: %s", c->path, why);
			free(why);
			goto out;
		}
		if (cache_insert_instance(c, target, sorted[i], when,
		    err) == -1)
			goto out;
	}
	if (recs.len > INT_MAX) {
		free(*err);
		*err = xasprintf("cache %s: target %s: %zu instances take "
		    "%zu bytes, more than one blob holds", c->path, target, n,
		    recs.len);
		goto out;
	}
	cache_bind_str(st, 1, target);
	sqlite3_bind_int64(st, 2, (long long)n);
	sqlite3_bind_blob(st, 3, recs.len > 0 ? recs.data : "",
	    (int)recs.len, SQLITE_STATIC);
	rc = cache_step_done(c, st, "cannot store the instances", err);
	sqlite3_clear_bindings(st);
	if (rc == 0) {
		cache_bind_str(ST(c, ST_PUT_WINDOWS), 1, target);
		rc = cache_step_done(c, ST(c, ST_PUT_WINDOWS),
		    "cannot count the windows", err);
	}
out:
	buf_free(&recs);
	free(sorted);
	return rc;
}

int
cache_replace_target(struct cache *c, const char *target,
    const char *account, const char *region,
    const struct fleet_instance *v, size_t n, long long fetched_at,
    char **err)
{
	if (cache_usable(c, err) == -1)
		return -1;
	/* A big page cache while the indexes churn; back to the small one
	 * after, so the console does not keep 64 MB it no longer needs. */
	sqlite3_exec(c->db, "PRAGMA cache_size = " CACHE_WRITE_PAGES, NULL,
	    NULL, NULL);
	if (cache_begin(c, err) == -1)
		goto fail;
	if (cache_target_ok(c, target, account, region, fetched_at,
	    err) == -1 ||
	    cache_delete_rows(c, target, err) == -1 ||
	    cache_write_instances(c, target, v, n, fetched_at, err) == -1 ||
	    cache_commit(c, err) == -1)
		goto fail;
	sqlite3_exec(c->db, "PRAGMA cache_size = " CACHE_READ_PAGES, NULL,
	    NULL, NULL);
	return 0;

fail:
	cache_rollback(c);
	if (c->db != NULL)
		sqlite3_exec(c->db, "PRAGMA cache_size = " CACHE_READ_PAGES,
		    NULL, NULL, NULL);
	cache_recover(c, err);
	return -1;
}

/* One target's recs blob, as the fleet table lists it. */
struct cache_recs {
	long long rowid;
	long long count;	/* stored beside it: untrusted */
	size_t len;
};

/* The rows of the fleet table st lists (ST_LOAD_FLEET's query) into
 * *out; returns SQLITE_DONE, or the failing step's code (*out NULL). */
static int
cache_list_recs_on(sqlite3_stmt *st, struct cache_recs **out, size_t *nout)
{
	struct cache_recs *r = NULL;
	size_t n = 0, cap = 0;
	long long len;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			r = xreallocarray(r, cap, sizeof *r);
		}
		r[n].rowid = sqlite3_column_int64(st, 0);
		r[n].count = sqlite3_column_int64(st, 1);
		len = sqlite3_column_int64(st, 2);
		r[n++].len = len > 0 ? (size_t)len : 0;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(r);
		r = NULL;
		n = 0;
	}
	*out = r;
	*nout = n;
	return rc;
}

/* The fleet table's rows, in target order.  Inside the read transaction. */
static int
cache_list_recs(struct cache *c, struct cache_recs **out, size_t *nout,
    char **err)
{
	struct cache_recs *r = NULL;
	size_t n = 0;
	int rc;

	rc = cache_list_recs_on(ST(c, ST_LOAD_FLEET), &r, &n);
	if (rc != SQLITE_DONE) {
		cache_oom_check(c);
		cache_seterr(c, err, "cannot read instances");
		return -1;
	}
	*out = r;
	*nout = n;
	return 0;
}

/*
 * Reads the recs blob at rowid into a new block (refs 0, tags NULL), *len
 * its size.  Returns an SQLite result code (*out NULL unless SQLITE_OK).
 */
static int
cache_recs_read(sqlite3 *db, long long rowid, struct fleet_block **out,
    size_t *len)
{
	struct fleet_block *blk;
	sqlite3_blob *blob = NULL;
	int rc, bytes;

	*out = NULL;
	*len = 0;
	rc = sqlite3_blob_open(db, "main", "fleet", "recs", rowid, 0, &blob);
	if (rc != SQLITE_OK) {
		sqlite3_blob_close(blob);
		return rc;
	}
	bytes = sqlite3_blob_bytes(blob);
	blk = xmalloc(sizeof *blk + (size_t)bytes + 1);
	util_prefault(blk, sizeof *blk + (size_t)bytes);
	blk->refs = 0;
	blk->tags = NULL;
	rc = sqlite3_blob_read(blob, blk->data, bytes, 0);
	sqlite3_blob_close(blob);
	if (rc != SQLITE_OK) {
		free(blk);
		return rc;
	}
	*out = blk;
	*len = (size_t)bytes;
	return SQLITE_OK;
}

/*
 * Reads and decodes the recs blobs r[0..nr) on db, appending to v[*n..]
 * (room for all of them, see cache_recs_room).  Returns an SQLite result
 * code; on failure what was appended stays (the caller frees it).
 */
static int
cache_recs_load(sqlite3 *db, const struct cache_recs *r, size_t nr,
    struct fleet_instance *v, size_t *n, size_t *skipped,
    struct cache_progress *pr)
{
	struct fleet_block *blk;
	size_t i, len, before;
	int rc;

	for (i = 0; i < nr; i++) {
		if (pr != NULL && pr->stop != NULL && atomic_load(pr->stop))
			return SQLITE_INTERRUPT;
		rc = cache_recs_read(db, r[i].rowid, &blk, &len);
		if (rc != SQLITE_OK)
			return rc;
		/* Another connection's snapshot may hold a newer blob than
		 * the one listed: never more recs than its own length. */
		if (len > r[i].len) {
			free(blk);
			return SQLITE_CORRUPT;
		}
		before = *n;
		cache_recs_decode(blk, len, r[i].count, v, n, skipped);
		if (*n == before) {
			free(blk->tags);
			free(blk);
		} else
			(void)cache_block_pack(blk, v + before, *n - before);
		if (pr != NULL && pr->done != NULL)
			atomic_fetch_add(pr->done, *n - before);
	}
	return SQLITE_OK;
}

/* How many instances blobs of len bytes can hold at most. */
static size_t
cache_recs_room(const struct cache_recs *r, size_t nr)
{
	size_t i, room = 0;

	for (i = 0; i < nr; i++)
		room += RECS_ROOM(r[i].len);
	return room;
}

/*
 * Loading in two threads.  Half the bytes of the fleet (whole targets)
 * are read by a helper thread on a connection of its own, which is how
 * SQLite allows two threads; 50,000 instances in six targets load in
 * ~25 ms instead of ~45 on two cores.  The helper's snapshot may be a
 * later commit than the caller's: each target is still whole (one
 * transaction each, DESIGN.md section 8).  Whatever goes wrong in the
 * helper (its open, a busy file, damage) is not reported from there: the
 * caller loads those targets again itself, where errors and damage are
 * handled as usual.
 */
#define CACHE_PARALLEL_MIN_BYTES (4 * 1024 * 1024)

struct cache_part {
	const char *path;
	const struct cache_recs *r;	/* its targets */
	size_t nr;
	struct fleet_instance *v;	/* out: cache_recs_room(r, nr) */
	size_t n, skipped;
	struct cache_progress *pr;
	int rc;				/* SQLITE_OK: v[0..n) loaded */
};

/* A read-only connection of this thread's own, in a read transaction
 * (ended by closing it).  Returns an SQLite result code. */
static int
cache_open_reader(const char *path, sqlite3 **db)
{
	int rc;

	rc = sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_extended_result_codes(*db, 1);
		sqlite3_busy_timeout(*db, CACHE_BUSY_TIMEOUT_MS);
		/* The blobs are read once, front to back: a page cache
		 * would only hold pages never read again. */
		rc = sqlite3_exec(*db, "PRAGMA cache_size = -256; BEGIN",
		    NULL, NULL, NULL);
	}
	return rc;
}

static void *
cache_part_run(void *arg)
{
	struct cache_part *p = arg;
	sqlite3 *db = NULL;

	p->rc = cache_open_reader(p->path, &db);
	if (p->rc == SQLITE_OK)
		p->rc = cache_recs_load(db, p->r, p->nr, p->v, &p->n,
		    &p->skipped, p->pr);
	sqlite3_close(db);	/* ends the read transaction */
	return NULL;
}

static int
cache_cmp_recs_len(const void *a, const void *b)
{
	const struct cache_recs *x = a, *y = b;

	return x->len < y->len ? 1 : x->len > y->len ? -1 : 0;
}

/*
 * Moves the largest targets that add up to about half the bytes of r to
 * the end of r (r is reordered), returning how many stay at the front for
 * the caller; the rest go to the helper.  Returns nr when a split is not
 * worth a thread (or path is NULL: a cache in memory has no second
 * connection).
 */
static size_t
cache_recs_split(const char *path, struct cache_recs *r, size_t nr)
{
	size_t total = 0, mine = 0, theirs = 0, i, k;
	struct cache_recs t;
	long cpus;

	for (i = 0; i < nr; i++)
		total += r[i].len;
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (path == NULL || nr < 2 || total < CACHE_PARALLEL_MIN_BYTES ||
	    cpus < 2)
		return nr;
	/* Largest first, each to the lighter side: mine at the front,
	 * theirs collected at the back. */
	qsort(r, nr, sizeof *r, cache_cmp_recs_len);
	for (i = 0, k = nr; i < k;) {
		if (mine <= theirs) {
			mine += r[i++].len;
		} else {
			theirs += r[i].len;
			t = r[--k];
			r[k] = r[i];
			r[i] = t;
		}
	}
	return k;
}

/*
 * The blobs r[0..nr) read and decoded on db (inside its read
 * transaction), half of them by a helper thread on a connection of its
 * own to path (NULL: no helper).  Returns an SQLite result code, with
 * *vp, *np and *skipped set either way (the caller frees *vp).
 */
static int
cache_load_on(sqlite3 *db, const char *path, struct cache_recs *r,
    size_t nr, struct fleet_instance **vp, size_t *np, size_t *skipped,
    struct cache_progress *pr)
{
	struct fleet_instance *v;
	struct cache_part part;
	pthread_t helper;
	size_t n = 0, cap, mine, room_mine, k;
	int rc, threaded = 0;

	mine = cache_recs_split(path, r, nr);
	/* Room for as many recs as the blobs can hold: one allocation,
	 * whose untouched pages cost nothing.  The helper decodes into the
	 * part of it after the caller's room, so nothing is copied from
	 * one array to another (which held both at once). */
	cap = cache_recs_room(r, nr);
	room_mine = cache_recs_room(r, mine);
	v = xcalloc(cap ? cap : 1, sizeof *v);
	memset(&part, 0, sizeof part);
	if (mine < nr) {
		part.path = path;
		part.r = r + mine;
		part.nr = nr - mine;
		part.v = v + room_mine;
		part.pr = pr;
		threaded = pthread_create(&helper, NULL, cache_part_run,
		    &part) == 0;
		if (!threaded)
			mine = nr;
	}
	rc = cache_recs_load(db, r, mine, v, &n, skipped, pr);
	if (threaded) {
		pthread_join(helper, NULL);
		if (rc == SQLITE_OK && part.rc == SQLITE_OK) {
			memmove(v + n, part.v, part.n * sizeof *v);
			n += part.n;
			*skipped += part.skipped;
		} else {
			for (k = 0; k < part.n; k++)
				fleet_instance_done(&part.v[k]);
			if (pr != NULL && pr->done != NULL)
				atomic_fetch_sub(pr->done, part.n);
			if (rc == SQLITE_OK)
				rc = cache_recs_load(db, r + mine,
				    nr - mine, v, &n, skipped, pr);
		}
	}
	if (n == 0) {
		free(v);
		v = NULL;
	} else if (n < cap / 2) {
		v = xreallocarray(v, n, sizeof *v);
	}
	*vp = v;
	*np = n;
	return rc;
}

/* Leaves the notice for skipped unreadable rows (see cache.h). */
static void
cache_note_skipped(struct cache *c, size_t skipped)
{
	char *msg;

	if (skipped == 0)
		return;
	msg = xasprintf("cache %s: %zu cached row%s unreadable and "
	    "skipped; run patchdeck sync", c->path, skipped,
	    skipped == 1 ? " was" : "s were");
	if (c->notice != NULL) {
		char *both = xasprintf("%s; %s", c->notice, msg);

		free(msg);
		msg = both;
	}
	free(c->notice);
	c->notice = msg;
}

int
cache_load_instances(struct cache *c, struct fleet_instance **vp,
    size_t *np, char **err)
{
	struct fleet_instance *v = NULL;
	struct cache_recs *r = NULL;
	size_t n = 0, nr = 0, skipped = 0;
	int rc;

	*vp = NULL;
	*np = 0;
	if (cache_usable(c, err) == -1)
		return -1;
	/* One read transaction: every target as of the same commit. */
	if (cache_exec(c, "BEGIN", "cannot start a transaction", err) == -1 ||
	    cache_list_recs(c, &r, &nr, err) == -1)
		goto fail;
	rc = cache_load_on(c->db, c->memory ? NULL : c->path, r, nr, &v, &n,
	    &skipped, NULL);
	if (rc != SQLITE_OK) {
		cache_oom_check(c);
		cache_seterr(c, err, "cannot read instances");
		goto fail;
	}
	free(r);
	cache_exec(c, "COMMIT", "cannot end a transaction", NULL);
	cache_note_skipped(c, skipped);
	*vp = v;
	*np = n;
	return 0;

fail:
	free(r);
	cache_instances_free(v, n);
	if (c->db != NULL && !sqlite3_get_autocommit(c->db))
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	cache_recover(c, err);
	return -1;
}

const char *
cache_file(const struct cache *c)
{
	return c->memory || c->db == NULL ? NULL : c->path;
}

int
cache_load_instances_apart(const char *path, struct fleet_instance **vp,
    size_t *np, size_t *skipped, struct cache_progress *pr, char **err)
{
	struct cache_recs *r = NULL;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	size_t nr = 0;
	int rc;

	*vp = NULL;
	*np = 0;
	*skipped = 0;
	rc = cache_open_reader(path, &db);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, sql[ST_LOAD_FLEET].sql, -1,
		    &st, NULL);
	if (rc == SQLITE_OK) {
		rc = cache_list_recs_on(st, &r, &nr);
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_OK)
		rc = cache_load_on(db, path, r, nr, vp, np, skipped, pr);
	free(r);
	if (rc != SQLITE_OK) {
		*err = xasprintf("cache %s: cannot read instances: %s",
		    path, rc == SQLITE_INTERRUPT ? "stopped" : db != NULL ?
		    sqlite3_errstr(rc) : "out of memory");
		cache_instances_free(*vp, *np);
		*vp = NULL;
		*np = 0;
	}
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

void
cache_instances_skipped(struct cache *c, size_t skipped)
{
	cache_note_skipped(c, skipped);
}

/*
 * One target's blob as cache_load_head() merges it: read a chunk at a
 * time from its start, so that the fleet's first rows cost about their
 * own bytes, not a screenful from every target.
 */
struct cache_head_src {
	sqlite3_blob *blob;
	size_t bytes;		/* the blob's length */
	size_t pos;		/* where the next chunk starts */
	struct fleet_instance *v;	/* the current chunk's, decoded */
	size_t n, next;		/* v[next..n) not taken yet */
};

/* The first chunk of a target; larger ones follow when a target turns
 * out to hold many of the first rows. */
#define CACHE_HEAD_CHUNK (16 * 1024)

/*
 * The next chunk of src: whole frames from src->pos, at least one (the
 * read grows for a long one), decoded into a block of its own.  Leaves
 * src->n == src->next when the blob is over (or what is left of it is no
 * frame).  Returns an SQLite result code.
 */
static int
cache_head_refill(struct cache_head_src *s, size_t chunk)
{
	struct fleet_block *blk;
	size_t want, off, flen, k, skipped = 0;
	unsigned char len4[4];
	int rc;

	s->n = s->next = 0;
	free(s->v);
	s->v = NULL;
	if (s->bytes - s->pos < 4)
		return SQLITE_OK;
	rc = sqlite3_blob_read(s->blob, len4, 4, (int)s->pos);
	if (rc != SQLITE_OK)
		return rc;
	flen = cache_get_u32(len4);
	if (flen > s->bytes - s->pos - 4)
		return SQLITE_OK;	/* damage: the whole load counts it */
	want = chunk > 4 + flen ? chunk : 4 + flen;
	if (want > s->bytes - s->pos)
		want = s->bytes - s->pos;
	blk = xmalloc(sizeof *blk + want + 1);
	blk->refs = 0;
	blk->tags = NULL;
	rc = sqlite3_blob_read(s->blob, blk->data, (int)want, (int)s->pos);
	if (rc != SQLITE_OK) {
		free(blk);
		return rc;
	}
	for (off = 0, k = 0; want - off >= 4; k++) {
		flen = cache_get_u32(blk->data + off);
		if (flen > want - off - 4)
			break;
		off += 4 + flen;
	}
	s->pos += off;
	s->v = xcalloc(k + 1, sizeof *s->v);
	cache_recs_decode(blk, off, (long long)k, s->v, &s->n, &skipped);
	if (s->n == 0) {
		free(blk->tags);
		free(blk);
		/* A chunk of malformed recs only: on to the next. */
		if (off > 0)
			return cache_head_refill(s, chunk);
	}
	return SQLITE_OK;
}

void
cache_head_done(struct cache_head *h)
{
	size_t i;

	cache_instances_free(h->v, h->n);
	for (i = 0; i < h->nwindows; i++)
		free(h->windows[i].window_tag);
	free(h->windows);
	memset(h, 0, sizeof *h);
}

int
cache_load_head(struct cache *c, size_t max, struct cache_head *h,
    char **err)
{
	struct cache_recs *r = NULL;
	struct cache_head_src *src, *best;
	sqlite3_stmt *st;
	size_t nr = 0, i, k;
	int rc = SQLITE_OK;

	memset(h, 0, sizeof *h);
	if (cache_usable(c, err) == -1)
		return -1;
	if (cache_exec(c, "BEGIN", "cannot start a transaction", err) == -1 ||
	    cache_list_recs(c, &r, &nr, err) == -1)
		goto fail;
	for (i = 0; i < nr; i++) {
		if (r[i].count > 0)
			h->total += (size_t)r[i].count;
	}
	/* A merge of the targets, each in name order: the first max rows
	 * of the fleet, reading each target only as far as they reach. */
	src = xcalloc(nr ? nr : 1, sizeof *src);
	for (i = 0; i < nr && max > 0 && rc == SQLITE_OK; i++) {
		rc = sqlite3_blob_open(c->db, "main", "fleet", "recs",
		    r[i].rowid, 0, &src[i].blob);
		if (rc != SQLITE_OK)
			break;
		src[i].bytes = (size_t)sqlite3_blob_bytes(src[i].blob);
		rc = cache_head_refill(&src[i], CACHE_HEAD_CHUNK);
	}
	if (rc == SQLITE_OK && max > 0)
		h->v = xcalloc(max, sizeof *h->v);
	while (rc == SQLITE_OK && h->n < max) {
		best = NULL;
		for (i = 0; i < nr; i++) {
			if (src[i].next < src[i].n && (best == NULL ||
			    fleet_instance_cmp_name(&src[i].v[src[i].next],
			    &best->v[best->next]) < 0))
				best = &src[i];
		}
		if (best == NULL)
			break;
		h->v[h->n++] = best->v[best->next++];	/* the reference moves */
		if (best->next == best->n)
			rc = cache_head_refill(best, 4 * CACHE_HEAD_CHUNK);
	}
	for (i = 0; i < nr; i++) {
		for (k = src[i].next; k < src[i].n; k++)
			fleet_instance_done(&src[i].v[k]);
		free(src[i].v);
		sqlite3_blob_close(src[i].blob);
	}
	free(src);
	if (rc != SQLITE_OK) {
		cache_oom_check(c);
		cache_seterr(c, err, "cannot read instances");
		goto fail;
	}
	if (h->n == 0) {
		free(h->v);
		h->v = NULL;
	}

	st = ST(c, ST_LOAD_WINDOWS);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		h->windows = xreallocarray(h->windows, h->nwindows + 1,
		    sizeof *h->windows);
		h->windows[h->nwindows].window_tag = cache_col_str(c, st, 0);
		h->windows[h->nwindows++].count = (size_t)(sqlite3_column_int64(
		    st, 1) > 0 ? sqlite3_column_int64(st, 1) : 0);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE) {
		st = ST(c, ST_FLEET_OLDEST);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			h->oldest = sqlite3_column_int64(st, 0);
			rc = SQLITE_DONE;
		}
		sqlite3_reset(st);
	}
	if (rc != SQLITE_DONE) {
		cache_oom_check(c);
		cache_seterr(c, err, "cannot read the window counts");
		goto fail;
	}
	free(r);
	cache_exec(c, "COMMIT", "cannot end a transaction", NULL);
	return 0;

fail:
	free(r);
	cache_head_done(h);
	if (c->db != NULL && !sqlite3_get_autocommit(c->db))
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	cache_recover(c, err);
	return -1;
}


void
cache_set_tag_keys(struct cache *c, const char *window_key,
    const char *owner_key)
{
	free(c->window_key);
	free(c->owner_key);
	c->window_key = xstrdup(window_key);
	c->owner_key = xstrdup(owner_key);
}

