/*
 * targets.c - the targets table (see cache.h): what each target's last
 * sync did.  Its rows are written by instances.c with the target's rows
 * (cache_target_ok) and read here.
 */
#include "cache/cache_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/util.h"

static const struct cache_step steps[] = {
	{ 1,
	"CREATE TABLE targets ("
	"  name TEXT PRIMARY KEY,"
	"  account TEXT NOT NULL DEFAULT '',"
	"  region TEXT NOT NULL DEFAULT '',"
	"  last_ok INTEGER NOT NULL DEFAULT 0,"
	"  last_attempt INTEGER NOT NULL DEFAULT 0,"
	"  error_code TEXT NOT NULL DEFAULT '',"
	"  error_message TEXT NOT NULL DEFAULT ''"
	");" },
};

enum {
	ST_TARGET_OK,
	ST_TARGET_FAILED,
	ST_TARGET_DROP,
	ST_TARGETS,
	ST__COUNT
};

static const struct cache_sql sql[ST__COUNT] = {
	[ST_TARGET_OK] = {
	    "INSERT INTO targets (name, account, region, last_ok,"
	    " last_attempt, error_code, error_message)"
	    " VALUES (?1, ?2, ?3, ?4, ?4, '', '')"
	    " ON CONFLICT (name) DO UPDATE SET account = excluded.account,"
	    " region = excluded.region, last_ok = excluded.last_ok,"
	    " last_attempt = excluded.last_attempt, error_code = '',"
	    " error_message = ''", 0 },
	[ST_TARGET_FAILED] = {
	    "INSERT INTO targets (name, last_attempt, error_code,"
	    " error_message) VALUES (?1, ?2, ?3, ?4)"
	    " ON CONFLICT (name) DO UPDATE SET"
	    " last_attempt = excluded.last_attempt,"
	    " error_code = excluded.error_code,"
	    " error_message = excluded.error_message", 0 },
	[ST_TARGET_DROP] = {
	    "DELETE FROM targets WHERE name = ?1", 0 },
	[ST_TARGETS] = {
	    "SELECT name, account, region, last_ok, last_attempt, error_code,"
	    " error_message, (SELECT count(*) FROM instances"
	    " WHERE instances.target = targets.name)"
	    " FROM targets ORDER BY name", 0 },
};

const struct cache_area cache_area_targets = {
	"targets", steps, CACHE_NELEM(steps), sql, ST__COUNT
};

#define ST(c, i) CACHE_ST(c, CACHE_AREA_TARGETS, i)

int
cache_target_ok(struct cache *c, const char *target, const char *account,
    const char *region, long long when, char **err)
{
	sqlite3_stmt *st = ST(c, ST_TARGET_OK);

	cache_bind_str(st, 1, target);
	cache_bind_str(st, 2, account);
	cache_bind_str(st, 3, region);
	sqlite3_bind_int64(st, 4, when);
	return cache_step_done(c, st, "cannot record the target", err);
}

int
cache_target_failed(struct cache *c, const char *target, const char *code,
    const char *message, long long when, char **err)
{
	sqlite3_stmt *st;

	if (cache_usable(c, err) == -1)
		return -1;
	st = ST(c, ST_TARGET_FAILED);
	cache_bind_str(st, 1, target);
	sqlite3_bind_int64(st, 2, when);
	cache_bind_str(st, 3, code);
	cache_bind_str(st, 4, message);
	if (cache_step_done(c, st, "cannot record a failed sync", err) == -1) {
		cache_recover(c, err);
		return -1;
	}
	return 0;
}

int
cache_drop_target(struct cache *c, const char *target, char **err)
{
	if (cache_usable(c, err) == -1)
		return -1;
	if (cache_begin(c, err) == -1)
		goto fail;
	if (cache_delete_rows(c, target, err) == -1)
		goto fail;
	cache_bind_str(ST(c, ST_TARGET_DROP), 1, target);
	if (cache_step_done(c, ST(c, ST_TARGET_DROP),
	    "cannot delete the target", err) == -1 ||
	    cache_commit(c, err) == -1)
		goto fail;
	return 0;

fail:
	cache_rollback(c);
	cache_recover(c, err);
	return -1;
}

void
cache_targets_free(struct cache_target *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].account);
		free(v[i].region);
		free(v[i].error_code);
		free(v[i].error_message);
	}
	free(v);
}

int
cache_targets(struct cache *c, long long now, struct cache_target **vp,
    size_t *np, char **err)
{
	sqlite3_stmt *st;
	struct cache_target *v = NULL;
	struct cache_target *t;
	size_t n = 0, cap = 0;
	int rc;

	*vp = NULL;
	*np = 0;
	if (cache_usable(c, err) == -1)
		return -1;
	st = ST(c, ST_TARGETS);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			v = xreallocarray(v, cap, sizeof *v);
		}
		t = &v[n++];
		t->name = cache_col_str(c, st, 0);
		t->account = cache_col_str(c, st, 1);
		t->region = cache_col_str(c, st, 2);
		t->last_ok = sqlite3_column_int64(st, 3);
		t->last_attempt = sqlite3_column_int64(st, 4);
		t->error_code = cache_col_str(c, st, 5);
		t->error_message = cache_col_str(c, st, 6);
		t->ninstances = (size_t)sqlite3_column_int64(st, 7);
		t->age = t->last_ok != 0 ? now - t->last_ok : -1;
	}
	if (rc != SQLITE_DONE) {
		cache_oom_check(c);
		cache_seterr(c, err, "cannot read targets");
		sqlite3_reset(st);
		cache_targets_free(v, n);
		cache_recover(c, err);
		return -1;
	}
	sqlite3_reset(st);
	*vp = v;
	*np = n;
	return 0;
}
