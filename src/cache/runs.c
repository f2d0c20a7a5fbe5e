/*
 * runs.c - the runs and results tables (see cache.h): patch runs and the
 * result of each instance in them.  Nothing writes them yet; their
 * statements below only check, at open, that the tables are whole.  The
 * code that writes them adds its statements here (cache_int.h says how).
 */
#include "cache/cache_int.h"

static const struct cache_step steps[] = {
	{ 1,
	"CREATE TABLE runs ("
	"  run_id TEXT PRIMARY KEY,"
	"  window_id TEXT NOT NULL DEFAULT '',"
	"  window_date TEXT NOT NULL DEFAULT '',"
	"  state TEXT NOT NULL DEFAULT '',"
	"  started_by TEXT NOT NULL DEFAULT '',"
	"  started_at INTEGER NOT NULL DEFAULT 0,"
	"  ended_at INTEGER NOT NULL DEFAULT 0,"
	"  command_ids TEXT NOT NULL DEFAULT '',"
	"  started_instances TEXT NOT NULL DEFAULT '',"
	"  counts TEXT NOT NULL DEFAULT '',"
	"  fetched_at INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE TABLE results ("
	"  run_id TEXT NOT NULL,"
	"  instance_id TEXT NOT NULL,"
	"  account TEXT NOT NULL DEFAULT '',"
	"  region TEXT NOT NULL DEFAULT '',"
	"  name TEXT NOT NULL DEFAULT '',"
	"  platform TEXT NOT NULL DEFAULT '',"
	"  window_id TEXT NOT NULL DEFAULT '',"
	"  status TEXT NOT NULL DEFAULT '',"
	"  os TEXT NOT NULL DEFAULT '',"
	"  kernel_before TEXT NOT NULL DEFAULT '',"
	"  kernel_after TEXT NOT NULL DEFAULT '',"
	"  pkgs_before INTEGER NOT NULL DEFAULT 0,"
	"  pkgs_updated INTEGER NOT NULL DEFAULT 0,"
	"  pkgs_available_after INTEGER NOT NULL DEFAULT 0,"
	"  reboot TEXT NOT NULL DEFAULT '',"
	"  error TEXT NOT NULL DEFAULT '',"
	"  started_at INTEGER NOT NULL DEFAULT 0,"
	"  ended_at INTEGER NOT NULL DEFAULT 0,"
	"  fetched_at INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (run_id, instance_id)"
	");"
	"CREATE INDEX results_instance ON results(instance_id, ended_at);" },
};

enum { ST_CHECK_RUNS, ST_CHECK_RESULTS, ST__COUNT };

static const struct cache_sql sql[ST__COUNT] = {
	[ST_CHECK_RUNS] = {
	    "SELECT run_id, window_id, window_date, state, started_by,"
	    " started_at, ended_at, command_ids, started_instances, counts,"
	    " fetched_at FROM runs LIMIT 0", 0 },
	[ST_CHECK_RESULTS] = {
	    "SELECT run_id, instance_id, account, region, name, platform,"
	    " window_id, status, os, kernel_before, kernel_after, pkgs_before,"
	    " pkgs_updated, pkgs_available_after, reboot, error, started_at,"
	    " ended_at, fetched_at FROM results LIMIT 0", 0 },
};

const struct cache_area cache_area_runs = {
	"runs", steps, CACHE_NELEM(steps), sql, ST__COUNT
};
