/*
 * cache_int.h - inside the cache module: struct cache and the helpers its
 * files share.  Only the files of src/cache include it; everyone else
 * uses cache.h.
 *
 * The files, one per kind of row (what a file stores is its "area"):
 *
 *   cache.c        opening, pragmas, migrations, damage and recovery,
 *                  cache_check, the meta table; the helpers below
 *   targets.c      targets (what each target's last sync did)
 *   instances.c    instances, fleet, fleet_windows (writing and loading
 *                  a target's rows, the head of the fleet)
 *   rec.c          the rec codec of the recs blobs (pure, no SQLite)
 *   exceptions.c   exceptions
 *   runs.c         runs, results (tables only, so far)
 *
 * An area is a `const struct cache_area`: the schema steps that create or
 * change its tables, and the statements it runs, which cache.c prepares
 * at open (preparing them is also the schema check: a missing table or
 * column makes the file unusable, moved aside, as cache.h says).  The
 * area's code reaches its statements as CACHE_ST(c, AREA, i), i being an
 * index into its own .sql table.
 *
 * Migrating a file from user_version v to CACHE_SCHEMA_VERSION runs, for
 * each version v+1, v+2, ..., every area's steps with that .to, areas in
 * the order of enum cache_area_id, all in one transaction.  A step that
 * has shipped never changes: append one.
 *
 * How to add a table (say precheck_results, as schema version 5):
 *
 *   1. src/cache/prechecks.c:
 *
 *        #include "cache/cache_int.h"
 *
 *        static const struct cache_step steps[] = {
 *            { 5, "CREATE TABLE precheck_results ("
 *                 "  instance_id TEXT NOT NULL,"
 *                 "  ..."
 *                 "  fetched_at INTEGER NOT NULL DEFAULT 0,"
 *                 "  PRIMARY KEY (instance_id)"
 *                 ");" },
 *        };
 *        enum { PC_PUT, PC_LOAD, PC__COUNT };
 *        static const struct cache_sql sql[PC__COUNT] = {
 *            [PC_PUT] = { "INSERT INTO precheck_results ...", 5 },
 *            [PC_LOAD] = { "SELECT ... FROM precheck_results", 5 },
 *        };
 *        const struct cache_area cache_area_prechecks = {
 *            "prechecks", steps, CACHE_NELEM(steps), sql, PC__COUNT
 *        };
 *
 *      and its functions, written like cache_load_exceptions() in
 *      exceptions.c: cache_usable() first, CACHE_ST(c,
 *      CACHE_AREA_PRECHECKS, PC_LOAD), cache_seterr() and cache_recover()
 *      on the way out of a failure, cache_begin()/cache_commit()/
 *      cache_rollback() around a write of several rows.
 *   2. here: CACHE_AREA_PRECHECKS before CACHE_NAREAS in enum
 *      cache_area_id, and `extern const struct cache_area
 *      cache_area_prechecks;` below.
 *   3. cache.c: `[CACHE_AREA_PRECHECKS] = &cache_area_prechecks,` in
 *      cache_areas[].
 *   4. cache.h: CACHE_SCHEMA_VERSION 5, the table in the schema comment,
 *      and the public functions (or a header of the area's own,
 *      cache/prechecks.h, including cache.h).
 *   5. tests/unit/test_cache.c: a version-4 file opens and migrates.
 *
 * A statement's .since is the first schema version it works with: a file
 * older than CACHE_SCHEMA_VERSION is checked, before it is migrated, with
 * the statements its version already supports.  open fails loudly (a
 * bug) when a step's .to or a statement's .since is past
 * CACHE_SCHEMA_VERSION, when a version has no step, or when an area has
 * more than CACHE_AREA_MAX_SQL statements.
 */
#ifndef PATCHDECK_CACHE_INT_H
#define PATCHDECK_CACHE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "cache/cache.h"

#define CACHE_STR_(x) #x
#define CACHE_STR(x) CACHE_STR_(x)
#define CACHE_NELEM(a) (sizeof (a) / sizeof (a)[0])

/* SQLite page cache, in KiB (negative: size, not pages).  Reading the
 * fleet is one sequential scan, which a large cache does not speed up; a
 * replace updates four indexes and does want one.  At 100,000 instances
 * the difference is 45 MB of the console's peak memory. */
#define CACHE_READ_PAGES "-8192"
#define CACHE_WRITE_PAGES "-65536"

/* One schema step: sql takes the area's tables to schema version to. */
struct cache_step {
	int to;
	const char *sql;
};

/* One statement an area runs, prepared at open; since as above (0 or 1:
 * every version). */
struct cache_sql {
	const char *sql;
	int since;
};

struct cache_area {
	const char *name;
	const struct cache_step *steps;
	size_t nsteps;
	const struct cache_sql *sql;	/* sql[i] is CACHE_ST(c, area, i) */
	size_t nsql;
};

/* The areas, in migration order. */
enum cache_area_id {
	CACHE_AREA_META,
	CACHE_AREA_TARGETS,
	CACHE_AREA_INSTANCES,
	CACHE_AREA_EXCEPTIONS,
	CACHE_AREA_RUNS,
	CACHE_AREA_PRECHECKS,
	CACHE_NAREAS
};

extern const struct cache_area cache_area_meta;	/* cache.c */
extern const struct cache_area cache_area_targets;
extern const struct cache_area cache_area_instances;
extern const struct cache_area cache_area_exceptions;
extern const struct cache_area cache_area_runs;
extern const struct cache_area cache_area_prechecks;	/* prechecks.c */

#define CACHE_AREA_MAX_SQL 16

struct cache {
	sqlite3 *db;
	char *path;		/* for messages */
	char *window_key;	/* tag copied to window_tag */
	char *owner_key;	/* tag copied to owner_tag */
	int memory;		/* ":memory:": nothing to move aside */
	/* Set by cache_seterr() when SQLite reported SQLITE_CORRUPT or
	 * SQLITE_NOTADB; the public function that failed then calls
	 * cache_recover() on its way out. */
	char *corrupt_why;
	char *notice;		/* for cache_take_notice() */
	/* Set (and db NULL) when a recovery could not open a new file:
	 * every call fails with it from then on. */
	char *dead;
	int prepared;		/* every area's statements are in st */
	sqlite3_stmt *st[CACHE_NAREAS][CACHE_AREA_MAX_SQL];
};

/* Statement i of area (an enum cache_area_id), prepared at open. */
#define CACHE_ST(c, area, i) ((c)->st[(area)][(i)])

/*
 * The shared helpers (cache.c).  Each public function starts with
 * cache_usable(); on a failure it sets *err through cache_seterr() (or a
 * helper that does), rolls back what it began, and calls cache_recover()
 * last, which moves a damaged file aside (cache.h).
 */

/* 0, or -1 with *err when an earlier recovery left c without a file. */
int cache_usable(struct cache *c, char **err);
/* Sets *err (err may be NULL) to "cache PATH: what: sqlite's message",
 * and notes damage for cache_recover(). */
void cache_seterr(struct cache *c, char **err, const char *what);
/* Dies cleanly when SQLite ran out of memory. */
void cache_oom_check(struct cache *c);
/* Runs sql that returns no rows we need. */
int cache_exec(struct cache *c, const char *sql, const char *what,
    char **err);
/* BEGIN IMMEDIATE; COMMIT (rolling back if the commit fails); resets
 * every statement and rolls back an open transaction. */
int cache_begin(struct cache *c, char **err);
int cache_commit(struct cache *c, char **err);
void cache_rollback(struct cache *c);
/* Binds s (NULL: "") as TEXT of exactly strlen(s) bytes, not copied: s
 * must live until the statement is stepped. */
int cache_bind_str(sqlite3_stmt *st, int idx, const char *s);
/* A copy of column idx (caller frees), never NULL: exactly column_bytes
 * bytes (a NUL inside ends the C string early, harmlessly). */
char *cache_col_str(struct cache *c, sqlite3_stmt *st, int idx);
/* Steps a statement that returns no rows and resets it. */
int cache_step_done(struct cache *c, sqlite3_stmt *st, const char *what,
    char **err);
/* After a failure: moves a damaged file aside (see cache.c). */
void cache_recover(struct cache *c, char **err);
/* Sets meta key to value; no recovery (callers inside a transaction). */
int cache_meta_put(struct cache *c, const char *key, const char *value,
    char **err);

/* targets.c: records a successful sync of target (last_ok = last_attempt
 * = when, error cleared); inside the caller's transaction. */
int cache_target_ok(struct cache *c, const char *target,
    const char *account, const char *region, long long when, char **err);

/* instances.c: deletes target's instances and window counts; inside the
 * caller's transaction. */
int cache_delete_rows(struct cache *c, const char *target, char **err);

/*
 * rec.c: the codec's inside, for the loaders.  A rec is at least REC_MIN
 * bytes (15 empty strings, two i64, a tag count), a tag TAG_MIN (two
 * empty strings); RECS_ROOM(len) is how many recs a blob of len bytes
 * can hold at most.
 */
#define REC_NSTR 15
#define REC_MIN (REC_NSTR * 5 + 20)
#define TAG_MIN 10
#define RECS_ROOM(len) ((len) / (4 + REC_MIN))

uint32_t cache_get_u32(const unsigned char *p);
/*
 * Decodes the framed recs in blk->data[0..len), which is untrusted, and
 * appends the instances to v[*n..], pointing into blk; v has room for
 * RECS_ROOM(len) more.  Malformed recs are counted in *skipped.
 */
void cache_recs_decode(struct fleet_block *blk, size_t len,
    long long count, struct fleet_instance *v, size_t *n,
    size_t *skipped);
/* Packs the strings of a decoded block (v[0..n) its instances); returns
 * the block, which may have moved (the instances follow). */
struct fleet_block *cache_block_pack(struct fleet_block *blk,
    struct fleet_instance *v, size_t n);

#endif
