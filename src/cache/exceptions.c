/*
 * exceptions.c - the exceptions table (see cache.h): DynamoDB exception
 * records, replaced one source at a time.
 */
#include "cache/cache_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/util.h"

static const struct cache_step steps[] = {
	{ 1,
	"CREATE TABLE exceptions ("
	"  source TEXT NOT NULL,"
	"  instance_id TEXT NOT NULL,"
	"  exception_id TEXT NOT NULL,"
	"  starts TEXT NOT NULL DEFAULT '',"
	"  ends TEXT NOT NULL DEFAULT '',"
	"  reason TEXT NOT NULL DEFAULT '',"
	"  ticket TEXT NOT NULL DEFAULT '',"
	"  requested_by TEXT NOT NULL DEFAULT '',"
	"  requested_at TEXT NOT NULL DEFAULT '',"
	"  status TEXT NOT NULL DEFAULT '',"
	"  decided_by TEXT NOT NULL DEFAULT '',"
	"  decided_at TEXT NOT NULL DEFAULT '',"
	"  fetched_at INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (source, instance_id, exception_id)"
	");"
	"CREATE INDEX exceptions_instance ON exceptions(instance_id);" },
};

enum {
	ST_DEL_EXCEPTIONS,
	ST_INS_EXCEPTION,
	ST_LOAD_EXCEPTIONS,
	ST_LOAD_EXCEPTIONS_ALL,
	ST__COUNT
};

#define EXCEPTION_COLS \
	"source, instance_id, exception_id, starts, ends, reason, ticket," \
	" requested_by, requested_at, status, decided_by, decided_at," \
	" fetched_at"

static const struct cache_sql sql[ST__COUNT] = {
	[ST_DEL_EXCEPTIONS] = {
	    "DELETE FROM exceptions WHERE source = ?1", 0 },
	[ST_INS_EXCEPTION] = {
	    "INSERT INTO exceptions (" EXCEPTION_COLS ") VALUES"
	    " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)", 0 },
	[ST_LOAD_EXCEPTIONS] = {
	    "SELECT " EXCEPTION_COLS " FROM exceptions WHERE source = ?1"
	    " ORDER BY source, instance_id, exception_id", 0 },
	[ST_LOAD_EXCEPTIONS_ALL] = {
	    "SELECT " EXCEPTION_COLS " FROM exceptions"
	    " ORDER BY source, instance_id, exception_id", 0 },
};

const struct cache_area cache_area_exceptions = {
	"exceptions", steps, CACHE_NELEM(steps), sql, ST__COUNT
};

#define ST(c, i) CACHE_ST(c, CACHE_AREA_EXCEPTIONS, i)


int
cache_replace_exceptions(struct cache *c, const char *source,
    const struct cache_exception *v, size_t n, long long fetched_at,
    char **err)
{
	sqlite3_stmt *st;
	const struct cache_exception *e;
	char *key;
	char *val;
	size_t i;
	int rc;

	if (cache_usable(c, err) == -1)
		return -1;
	st = ST(c, ST_INS_EXCEPTION);
	if (cache_begin(c, err) == -1)
		goto fail;
	cache_bind_str(ST(c, ST_DEL_EXCEPTIONS), 1, source);
	if (cache_step_done(c, ST(c, ST_DEL_EXCEPTIONS),
	    "cannot delete exceptions", err) == -1)
		goto fail;
	for (i = 0; i < n; i++) {
		e = &v[i];
		cache_bind_str(st, 1, source);
		cache_bind_str(st, 2, e->instance_id);
		cache_bind_str(st, 3, e->exception_id);
		cache_bind_str(st, 4, e->starts);
		cache_bind_str(st, 5, e->ends);
		cache_bind_str(st, 6, e->reason);
		cache_bind_str(st, 7, e->ticket);
		cache_bind_str(st, 8, e->requested_by);
		cache_bind_str(st, 9, e->requested_at);
		cache_bind_str(st, 10, e->status);
		cache_bind_str(st, 11, e->decided_by);
		cache_bind_str(st, 12, e->decided_at);
		sqlite3_bind_int64(st, 13,
		    e->fetched_at != 0 ? e->fetched_at : fetched_at);
		if (cache_step_done(c, st, "cannot store an exception",
		    err) == -1)
			goto fail;
	}
	key = xasprintf("exceptions:%s", source);
	val = xasprintf("%lld", fetched_at);
	rc = cache_meta_put(c, key, val, err);
	free(key);
	free(val);
	if (rc == -1 || cache_commit(c, err) == -1)
		goto fail;
	return 0;

fail:
	cache_rollback(c);
	cache_recover(c, err);
	return -1;
}

void
cache_exceptions_free(struct cache_exception *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].source);
		free(v[i].instance_id);
		free(v[i].exception_id);
		free(v[i].starts);
		free(v[i].ends);
		free(v[i].reason);
		free(v[i].ticket);
		free(v[i].requested_by);
		free(v[i].requested_at);
		free(v[i].status);
		free(v[i].decided_by);
		free(v[i].decided_at);
	}
	free(v);
}

int
cache_load_exceptions(struct cache *c, const char *source,
    struct cache_exception **vp, size_t *np, char **err)
{
	sqlite3_stmt *st;
	struct cache_exception *v = NULL;
	struct cache_exception *e;
	size_t n = 0, cap = 0;
	int rc;

	*vp = NULL;
	*np = 0;
	if (cache_usable(c, err) == -1)
		return -1;
	if (source != NULL) {
		st = ST(c, ST_LOAD_EXCEPTIONS);
		cache_bind_str(st, 1, source);
	} else
		st = ST(c, ST_LOAD_EXCEPTIONS_ALL);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			v = xreallocarray(v, cap, sizeof *v);
		}
		e = &v[n++];
		e->source = cache_col_str(c, st, 0);
		e->instance_id = cache_col_str(c, st, 1);
		e->exception_id = cache_col_str(c, st, 2);
		e->starts = cache_col_str(c, st, 3);
		e->ends = cache_col_str(c, st, 4);
		e->reason = cache_col_str(c, st, 5);
		e->ticket = cache_col_str(c, st, 6);
		e->requested_by = cache_col_str(c, st, 7);
		e->requested_at = cache_col_str(c, st, 8);
		e->status = cache_col_str(c, st, 9);
		e->decided_by = cache_col_str(c, st, 10);
		e->decided_at = cache_col_str(c, st, 11);
		e->fetched_at = sqlite3_column_int64(st, 12);
	}
	if (rc != SQLITE_DONE) {
		cache_oom_check(c);
		cache_seterr(c, err, "cannot read exceptions");
		sqlite3_reset(st);
		cache_exceptions_free(v, n);
		cache_recover(c, err);
		return -1;
	}
	sqlite3_reset(st);
	*vp = v;
	*np = n;
	return 0;
}
