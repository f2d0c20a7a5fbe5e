/*
 * cache.h - the local cache (DESIGN.md section 8): what the last syncs
 * fetched, kept in SQLite so the console and the subcommands read it at
 * once.  The only module that includes sqlite3.h; nothing here exposes it.
 *
 * The file: mode 0600 (created so, and fixed on open if it is wider; its
 * -wal and -shm get the same mode from SQLite), WAL, synchronous=NORMAL
 * (a commit survives a killed process; a power cut may lose the last
 * commits but never mixes them), busy timeout 5 s, foreign_keys=ON.
 *
 * Opening: the schema is migrated by PRAGMA user_version inside BEGIN
 * IMMEDIATE, so two processes opening together migrate once.  A file from
 * a newer patchdeck (user_version above CACHE_SCHEMA_VERSION) is an error
 * and is left as it is.  A file that is not a usable cache - not an SQLite
 * database, a table or column missing, or tables that are not ours in a
 * file with user_version 0 - is renamed to PATH.corrupt-<unixtime> (with
 * its -wal and -shm, never deleted) and a fresh cache is created; the
 * caller gets a notice saying so.  Other failures (permissions, disk full,
 * locked for more than 5 s) are errors and the file is not touched.
 *
 * Opening checks only what is cheap (header, user_version, schema): no
 * PRAGMA quick_check, which reads every page (45-110 ms for 100k
 * instances).  Damage further in shows when a statement meets it: any call
 * below that gets SQLITE_CORRUPT or SQLITE_NOTADB fails (-1, *err), and
 * before it returns the file is moved aside as at open and a new empty
 * cache takes its place in the same struct cache, so the next call works
 * on it; *err ends with "moved it to PATH.corrupt-... and started an empty
 * cache", and cache_take_notice() hands the notice out.  cache_check()
 * runs the full check on demand (patchdeck doctor).
 *
 * Values: strings are stored as TEXT of exactly their bytes (bound with
 * their length, read back with sqlite3_column_blob/bytes), so escape
 * sequences, invalid UTF-8 and control characters round-trip byte for byte
 * and SQL comparisons (window_tag = 'sun-0200') work.  A C string ends at
 * its first NUL, so a NUL cannot be stored through this API; a value
 * holding a NUL written by something else (a TEXT column or the rec) reads
 * back cut at that NUL.  Every row keeps the time it was fetched (Unix
 * seconds).
 *
 * Schema, version 5 (every TEXT column is NOT NULL DEFAULT ''):
 *
 *   meta(key TEXT PRIMARY KEY, value TEXT)            WITHOUT ROWID
 *   targets(name TEXT PRIMARY KEY, account, region,
 *       last_ok INTEGER       fetched_at of the rows held (0: never synced)
 *       last_attempt INTEGER  time of the last sync attempt, ok or not
 *       error_code, error_message  of the last attempt; '' after a success)
 *   fleet(target TEXT PRIMARY KEY REFERENCES targets(name)
 *           ON DELETE CASCADE,
 *       count INTEGER       how many recs recs holds,
 *       recs BLOB           every instance of the target, framed recs
 *                           (format below) in name order: name, then id,
 *                           then region, byte-wise (the console's
 *                           default sort, fleet_instance_cmp_name))
 *     What cache_load_instances() reads: one blob read per target into
 *     memory the instances then point into (no copy per string, no
 *     allocation per instance), and rows that need no sorting for the
 *     first frame.  50,000 instances in six targets, warm, on a 2-core
 *     VM: ~95 ms with a rec per row (version 2) against ~35 ms, half the
 *     targets being read by a helper thread on a connection of its own.
 *   fleet_windows(target REFERENCES targets(name) ON DELETE CASCADE,
 *       window_tag   a window tag value ('' for none), as in instances,
 *       count INTEGER  how many of the target's instances carry it,
 *       PRIMARY KEY(target, window_tag))  WITHOUT ROWID
 *     Written with the target's rows.  With fleet.count and the head of
 *     each recs blob, what the console's first frame draws without
 *     reading the fleet (cache_load_head): at 1,000,000 instances a
 *     whole load takes seconds, the first frame must not.
 *   instances(row INTEGER PRIMARY KEY,
 *       target REFERENCES targets(name) ON DELETE CASCADE,
 *       account, region, id, name, state, ping,
 *       window_tag  copy of the window tag's value ('' if none),
 *       owner_tag   copy of the owner tag's value,
 *       fetched_at INTEGER,
 *       UNIQUE(id, account, region, target))
 *     index instances_target(target), instances_state(state),
 *       instances_ping(ping), instances_window(window_tag),
 *       instances_owner(owner_tag); the UNIQUE one serves lookups by id.
 *     The fields SQL filters, counts and looks up by, one row per
 *     instance, written in the same transaction as the target's recs.
 *
 *     recs: a sequence of frames, each u32 len then a rec of len bytes.
 *     rec: our own length-prefixed record (not JSON, nothing escaped),
 *     u32 and i64 little-endian:
 *
 *         15 times, the string fields of struct fleet_instance in this
 *         order: id, account, region, name, state, type, platform,
 *         platform_name, platform_version, private_ip, public_ip, az,
 *         launch_time, ping, agent_version:
 *           u32 len, bytes[len], NUL     len <= CACHE_FIELD_MAX_LEN
 *         i64 last_ping
 *         i64 fetched_at
 *         tags:
 *           u32 count                number of tags, <= CACHE_TAGS_MAX
 *           count times, in AWS's order:
 *             u32 klen, key[klen], NUL    klen <= CACHE_TAG_MAX_LEN
 *             u32 vlen, value[vlen], NUL  vlen <= CACHE_TAG_MAX_LEN
 *
 *     and nothing after the last value.  Strings are their exact bytes
 *     followed by a NUL (not counted in len), so a loaded instance points
 *     into the blob; duplicate tag keys are kept, in order.  The file is
 *     untrusted: a rec that breaks any of these rules (a length past the
 *     end or past a limit, a missing NUL, cut short, bytes left over) is
 *     skipped by cache_load_instances(), which leaves a notice for
 *     cache_take_notice() ("N cached rows were unreadable and skipped;
 *     run patchdeck sync"); a frame longer than what is left ends the
 *     target's walk, the rest (by its stored count, at least one) counted
 *     the same way.  The next sync of the target rewrites it.  Writing
 *     more tags, or a longer string, key or value than the limits is an
 *     error (EC2 allows 50 tags of 128/256).  SQL reaches the two tags
 *     the console filters on through the indexed copies window_tag/
 *     owner_tag, which follow the tag names set by cache_set_tag_keys()
 *     at the time each row was written.  Not a row per tag: 1.1M rows per
 *     100k instances made a replace ~14 s.
 *     Version 1 had a column per field; version 2 a rec per instances
 *     row.  Migrating to 2 and to 3 drops the instances (a cache: the
 *     next sync refills them) and sets every target's last_ok to 0, so
 *     they show as missing, not fresh.  Migrating to 4 adds
 *     fleet_windows, counted from the instances already there.
 *   exceptions(source, instance_id, exception_id, starts, ends, reason,
 *       ticket, requested_by, requested_at, status, decided_by, decided_at,
 *       fetched_at INTEGER, PRIMARY KEY(source, instance_id, exception_id))
 *     index exceptions_instance(instance_id).  source names the DynamoDB
 *     table the records came from (e.g. "123456789012/eu-west-1/
 *     patchdeck-exceptions"); a sync replaces one source at a time.
 *   runs(run_id TEXT PRIMARY KEY, window_id, window_date, state, started_by,
 *       started_at INTEGER, ended_at INTEGER, command_ids (JSON array),
 *       started_instances (JSON array), counts (JSON object),
 *       fetched_at INTEGER)
 *   results(run_id, instance_id, account, region, name, platform,
 *       window_id, status, os, kernel_before, kernel_after,
 *       pkgs_before INTEGER, pkgs_updated INTEGER,
 *       pkgs_available_after INTEGER, reboot, error, started_at INTEGER,
 *       ended_at INTEGER, fetched_at INTEGER,
 *       PRIMARY KEY(run_id, instance_id))
 *     index results_instance(instance_id, ended_at).  No foreign key to
 *     runs: results may arrive (from S3/Athena) before the run record.
 *   prechecks(target, instance_id, checked_at INTEGER, failed INTEGER,
 *       kinds INTEGER, reason, detail_json, output_tail,
 *       PRIMARY KEY(target, instance_id))  WITHOUT ROWID
 *     The latest pre-check verdict per instance (cache/prechecks.h).
 *     Migrating to 5 adds it, empty.
 *   ("window" is an SQL keyword, hence window_id.)
 *
 * One connection per struct cache, one thread (a load may start a helper
 * thread with a connection of its own, joined before it returns).  Pages
 * are 64 KB in a file created (or migrated from version 1 or 2) by this
 * version: the recs blobs are read a page at a time.  Errors are
 * returned as -1 with *err set to a message the caller frees ("cache
 * PATH: what: why").

 *
 * The code: one file per kind of row (targets.c, instances.c with rec.c,
 * exceptions.c, runs.c), around cache.c, which opens and migrates;
 * cache_int.h lists them and says how to add a table.
 */
#ifndef PATCHDECK_CACHE_H
#define PATCHDECK_CACHE_H

#include <stdatomic.h>
#include <stddef.h>

#include "fleet/instance.h"

#define CACHE_SCHEMA_VERSION 5
#define CACHE_BUSY_TIMEOUT_MS 5000
/* Default tags copied to indexed columns (DESIGN.md section 4). */
#define CACHE_WINDOW_TAG "PatchWindow"
#define CACHE_OWNER_TAG "Owner"
/* Limits of the rec blob (format above). */
#define CACHE_TAGS_MAX 1000
#define CACHE_TAG_MAX_LEN 65536
#define CACHE_FIELD_MAX_LEN 65536

struct cache;

/* One row of targets, as cache_targets() lists it.  Strings owned, never
 * NULL. */
struct cache_target {
	char *name;
	char *account;
	char *region;
	long long last_ok;	/* fetched_at of the rows held; 0 never */
	long long last_attempt;	/* last sync attempt, ok or failed; 0 never */
	char *error_code;	/* of the last attempt; "" if it succeeded */
	char *error_message;
	size_t ninstances;	/* rows held */
	long long age;		/* now - last_ok, or -1 if never synced */
};

/* One DynamoDB exception record (DESIGN.md section 5), raw.  Strings owned,
 * never NULL ("" when absent). */
struct cache_exception {
	char *source;		/* set by cache_load_exceptions() */
	char *instance_id;
	char *exception_id;
	char *starts;		/* YYYY-MM-DD, inclusive */
	char *ends;
	char *reason;
	char *ticket;
	char *requested_by;
	char *requested_at;
	char *status;		/* PENDING, APPROVED, REJECTED, REVOKED */
	char *decided_by;
	char *decided_at;
	long long fetched_at;
};

/*
 * $XDG_CACHE_HOME/patchdeck/cache.db, or ~/.cache/patchdeck/cache.db when
 * XDG_CACHE_HOME is unset, empty or relative (XDG spec).  Creates the
 * folders as needed, patchdeck/ with mode 0700 (tightened if it is wider).
 * Returns a path the caller frees, or NULL with *err.
 */
char *cache_default_path(char **err);

/*
 * Opens (creating and migrating as needed) the cache at path; see the top
 * of this file for what happens to corrupt and newer files.  On success
 * returns 0 with *out (free with cache_close) and *notice NULL, or set to
 * a message (caller frees) when the old file was moved aside.  On failure
 * returns -1 with *err; *out and *notice are NULL.  notice may be NULL if
 * the caller does not want it.
 */
int cache_open(const char *path, struct cache **out, char **notice,
    char **err);

/* A fresh cache in memory (":memory:"), for tests.  As cache_open(). */
int cache_open_memory(struct cache **out, char **err);

/* Closes the cache and frees c (NULL is fine). */
void cache_close(struct cache *c);

/*
 * The notice left when a call found the file damaged and replaced it (see
 * the top of this file), or NULL; the caller frees it, and the next call
 * returns NULL until another replacement.  A caller that wants to carry on
 * after such a failure shows the notice and calls again, on the new empty
 * cache.
 */
char *cache_take_notice(struct cache *c);

/*
 * PRAGMA quick_check: reads every page, so it is for patchdeck doctor,
 * not for start-up.  0 when the file is whole; -1 with *err saying what
 * is wrong or why the check could not run.  Reports only: the file is
 * not moved aside.
 */
int cache_check(struct cache *c, char **err);

/*
 * The tag names whose values cache_replace_target() copies to the indexed
 * window_tag and owner_tag columns (defaults CACHE_WINDOW_TAG and
 * CACHE_OWNER_TAG); rows already stored keep theirs until their target's
 * next replace.  The strings are copied.
 */
void cache_set_tag_keys(struct cache *c, const char *window_key,
    const char *owner_key);

/*
 * Replaces every instance (and tag) of target with v[0..n) in one
 * transaction and records a successful sync: last_ok = last_attempt =
 * fetched_at, the error cleared, account and region updated.  A row keeps
 * its own fetched_at when non-zero, else gets fetched_at.  v is not
 * touched.  On failure (for instance two rows with the same account,
 * region and id) nothing changes: the previous rows stay whole.
 */
int cache_replace_target(struct cache *c, const char *target,
    const char *account, const char *region,
    const struct fleet_instance *v, size_t n, long long fetched_at,
    char **err);

/*
 * Records that a sync of target failed at when with code and message
 * (NULL taken as ""); its rows and last_ok stay as they were.  An unknown
 * target is added with empty account and region and no rows.
 */
int cache_target_failed(struct cache *c, const char *target,
    const char *code, const char *message, long long when, char **err);

/* Forgets target and its rows (a target no longer configured). */
int cache_drop_target(struct cache *c, const char *target, char **err);

/*
 * Every instance of every target: grouped by target, each target's in name
 * order (fleet_instance_cmp_name), tags in their stored order; the order
 * of the targets is not defined.  On success *v (free with
 * cache_instances_free) and *n; *v is NULL when *n is 0.  The instances
 * of a target share one block (fleet_instance.block): their fields must
 * not be replaced one by one; fleet_instance_copy() gives one that can
 * be.  A string equal to the previous instance's same field or tag is
 * the same memory (the block keeps it once).  Recs that are malformed are skipped, not an error: the call
 * succeeds without them and leaves a notice for cache_take_notice()
 * saying how many.
 */
int cache_load_instances(struct cache *c, struct fleet_instance **v,
    size_t *n, char **err);

/* Frees what cache_load_instances() returned (each instance with
 * fleet_instance_done, then v). */
void cache_instances_free(struct fleet_instance *v, size_t n);

/* Where a load running on another thread stands (both may be NULL). */
struct cache_progress {
	atomic_size_t *done;	/* instances decoded so far, added to */
	const atomic_int *stop;	/* non-zero: stop before the next target */
};

/* The file of c (borrowed, valid until c's next call), or NULL for a
 * cache in memory or one left unusable. */
const char *cache_file(const struct cache *c);

/*
 * cache_load_instances() for a thread other than the cache's: it reads
 * the cache file path (cache_file(), copied on the cache's thread) on
 * connections of its own, so the cache's thread keeps using its struct
 * cache meanwhile.  Nothing is recovered or noted here: on any failure
 * (damage included, or *stop) it returns -1 with *err and nothing
 * loaded, and the cache's thread then calls cache_load_instances(),
 * which handles damage as usual.  On success *skipped says how many
 * recs were malformed; cache_instances_skipped() on the cache's thread
 * leaves the notice cache_load_instances() would have left.
 */
int cache_load_instances_apart(const char *path, struct fleet_instance **v,
    size_t *n, size_t *skipped, struct cache_progress *pr, char **err);
void cache_instances_skipped(struct cache *c, size_t skipped);

/* One window tag value and how many instances carry it. */
struct cache_window_count {
	char *window_tag;	/* owned; "" for no tag */
	size_t count;
};

/* What the console's first frame draws, read without loading the
 * fleet.  Owned; free with cache_head_done. */
struct cache_head {
	/* The first rows of the whole fleet in name order
	 * (fleet_instance_cmp_name), as cache_load_instances() would
	 * give them after a sort; they share blocks as it does. */
	struct fleet_instance *v;
	size_t n;
	size_t total;		/* instances held, by the stored counts */
	struct cache_window_count *windows;	/* by window_tag */
	size_t nwindows;
	long long oldest;	/* oldest last_ok of targets with rows; 0 */
};

/*
 * The first max instances in name order over every target, the total
 * and the instances per window tag (fleet_windows), in one read
 * transaction.  Reads only the beginning of each target's recs blob:
 * the time does not grow with the fleet.  Malformed recs among the
 * first are left out without a notice (the whole load counts them).
 * Returns 0, or -1 with *err (damage handled as by every call).
 */
int cache_load_head(struct cache *c, size_t max, struct cache_head *h,
    char **err);
void cache_head_done(struct cache_head *h);

/*
 * The rec codec (format above), pure, for the tests and the fuzzers.
 * cache_rec_encode() appends in as one framed rec to b, fetched_at being
 * the value stored; -1 with *err (caller frees) for what the decoder
 * would refuse (a field, tag count, key or value past the limits).
 * cache_recs_parse() decodes a whole recs blob data[0..len) as
 * cache_load_instances() does, count being the stored count: every
 * well-formed rec into *vp and *np (a copy of data is their block; free with
 * cache_instances_free; *vp NULL when *np is 0), every damaged one added
 * to *skipped.  Nothing is read or written outside data and *vp, whatever
 * the bytes.
 */
struct buf;
int cache_rec_encode(struct buf *b, const struct fleet_instance *in,
    long long fetched_at, char **err);
void cache_recs_parse(const void *data, size_t len, long long count,
    struct fleet_instance **vp, size_t *np, size_t *skipped);

/*
 * Every target, by name, with its rows counted and age = now - last_ok.
 * *v freed with cache_targets_free.
 */
int cache_targets(struct cache *c, long long now, struct cache_target **v,
    size_t *n, char **err);

void cache_targets_free(struct cache_target *v, size_t n);

/*
 * Replaces every exception record of source with v[0..n) in one
 * transaction (v[i].source is ignored; a row keeps its own fetched_at when
 * non-zero, else gets fetched_at), and sets meta "exceptions:SOURCE" to
 * fetched_at so an empty table still has an age.  On failure nothing
 * changes.
 */
int cache_replace_exceptions(struct cache *c, const char *source,
    const struct cache_exception *v, size_t n, long long fetched_at,
    char **err);

/*
 * The exception records of source, or of every source when source is
 * NULL, ordered by source, instance_id, exception_id.  *v freed with
 * cache_exceptions_free.
 */
int cache_load_exceptions(struct cache *c, const char *source,
    struct cache_exception **v, size_t *n, char **err);

void cache_exceptions_free(struct cache_exception *v, size_t n);

/* Sets meta key to value (replacing it). */
int cache_meta_set(struct cache *c, const char *key, const char *value,
    char **err);

/*
 * The value of meta key: 0 with *value (caller frees), or 0 with *value
 * NULL when there is no such key, or -1 with *err.
 */
int cache_meta_get(struct cache *c, const char *key, char **value,
    char **err);

#endif
