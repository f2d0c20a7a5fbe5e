/*
 * prechecks.c - the prechecks table (cache/prechecks.h): the latest
 * pre-check verdict of each instance, per target.
 */
#include "cache/cache_int.h"
#include "cache/prechecks.h"

#include <stdlib.h>
#include <string.h>

#include "util/util.h"

static const struct cache_step steps[] = {
	{ 5,
	"CREATE TABLE prechecks ("
	"  target TEXT NOT NULL,"
	"  instance_id TEXT NOT NULL,"
	"  checked_at INTEGER NOT NULL DEFAULT 0,"
	"  failed INTEGER NOT NULL DEFAULT 0,"
	"  kinds INTEGER NOT NULL DEFAULT 0,"
	"  reason TEXT NOT NULL DEFAULT '',"
	"  detail_json TEXT NOT NULL DEFAULT '',"
	"  output_tail TEXT NOT NULL DEFAULT '',"
	"  PRIMARY KEY (target, instance_id)"
	") WITHOUT ROWID;" },
};

enum { ST_PUT, ST_LOAD, ST__COUNT };

#define PRECHECK_COLS \
	"target, instance_id, checked_at, failed, kinds, reason," \
	" detail_json, output_tail"

static const struct cache_sql sql[ST__COUNT] = {
	/* A row only gives way to one not older than itself. */
	[ST_PUT] = {
	    "INSERT INTO prechecks (" PRECHECK_COLS ") VALUES"
	    " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
	    " ON CONFLICT (target, instance_id) DO UPDATE SET"
	    " checked_at = excluded.checked_at, failed = excluded.failed,"
	    " kinds = excluded.kinds, reason = excluded.reason,"
	    " detail_json = excluded.detail_json,"
	    " output_tail = excluded.output_tail"
	    " WHERE excluded.checked_at >= prechecks.checked_at", 5 },
	[ST_LOAD] = {
	    "SELECT " PRECHECK_COLS " FROM prechecks"
	    " ORDER BY target, instance_id", 5 },
};

const struct cache_area cache_area_prechecks = {
	"prechecks", steps, CACHE_NELEM(steps), sql, ST__COUNT
};

#define ST(c, i) CACHE_ST(c, CACHE_AREA_PRECHECKS, i)

int
cache_prechecks_put(struct cache *c, const struct cache_precheck *v,
    size_t n, char **err)
{
	sqlite3_stmt *st;
	size_t i;

	if (cache_usable(c, err) == -1)
		return -1;
	st = ST(c, ST_PUT);
	if (cache_begin(c, err) == -1)
		goto fail;
	for (i = 0; i < n; i++) {
		cache_bind_str(st, 1, v[i].target);
		cache_bind_str(st, 2, v[i].instance_id);
		sqlite3_bind_int64(st, 3, v[i].checked_at);
		sqlite3_bind_int(st, 4, v[i].failed ? 1 : 0);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)v[i].kinds);
		cache_bind_str(st, 6, v[i].reason);
		cache_bind_str(st, 7, v[i].detail_json);
		cache_bind_str(st, 8, v[i].output_tail);
		if (cache_step_done(c, st, "cannot store a pre-check",
		    err) == -1)
			goto fail;
	}
	if (cache_commit(c, err) == -1)
		goto fail;
	return 0;

fail:
	cache_rollback(c);
	cache_recover(c, err);
	return -1;
}

void
cache_prechecks_free(struct cache_precheck *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].target);
		free(v[i].instance_id);
		free(v[i].reason);
		free(v[i].detail_json);
		free(v[i].output_tail);
	}
	free(v);
}

int
cache_prechecks_latest(struct cache *c, struct cache_precheck **out,
    size_t *np, char **err)
{
	sqlite3_stmt *st;
	struct cache_precheck *v = NULL, *e;
	size_t n = 0, cap = 0;
	int rc;

	*out = NULL;
	*np = 0;
	if (cache_usable(c, err) == -1)
		return -1;
	st = ST(c, ST_LOAD);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			v = xreallocarray(v, cap, sizeof *v);
		}
		e = &v[n++];
		e->target = cache_col_str(c, st, 0);
		e->instance_id = cache_col_str(c, st, 1);
		e->checked_at = sqlite3_column_int64(st, 2);
		e->failed = sqlite3_column_int(st, 3) != 0;
		e->kinds = (unsigned)sqlite3_column_int64(st, 4);
		e->reason = cache_col_str(c, st, 5);
		e->detail_json = cache_col_str(c, st, 6);
		e->output_tail = cache_col_str(c, st, 7);
	}
	if (rc != SQLITE_DONE) {
		cache_oom_check(c);
		cache_seterr(c, err, "cannot read pre-checks");
		sqlite3_reset(st);
		cache_prechecks_free(v, n);
		cache_recover(c, err);
		return -1;
	}
	sqlite3_reset(st);
	*out = v;
	*np = n;
	return 0;
}
