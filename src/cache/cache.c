/*
 * cache.c - see cache.h.
 */
#include "cache/cache.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "util/util.h"

#define CACHE_STR_(x) #x
#define CACHE_STR(x) CACHE_STR_(x)

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
 * Migrations: step i takes the schema from user_version i to i + 1.  Never
 * edit a step that has shipped; append one.  Every TEXT column is NOT NULL
 * DEFAULT '' so readers never meet NULL from our own writes.
 */
static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE meta ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL DEFAULT ''"
	") WITHOUT ROWID;"
	"CREATE TABLE targets ("
	"  name TEXT PRIMARY KEY,"
	"  account TEXT NOT NULL DEFAULT '',"
	"  region TEXT NOT NULL DEFAULT '',"
	"  last_ok INTEGER NOT NULL DEFAULT 0,"
	"  last_attempt INTEGER NOT NULL DEFAULT 0,"
	"  error_code TEXT NOT NULL DEFAULT '',"
	"  error_message TEXT NOT NULL DEFAULT ''"
	");"
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
	INSTANCES_INDEXES
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
	"CREATE INDEX exceptions_instance ON exceptions(instance_id);"
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
	"CREATE INDEX results_instance ON results(instance_id, ended_at);",
	/* 1 -> 2: each instance as one record blob (rec, format in cache.h)
	 * beside the columns SQL needs.  A cache: dropped, not converted;
	 * last_ok 0 shows the targets as never synced until the next sync
	 * refills them. */
	"DROP TABLE instances;"
	"CREATE TABLE instances ("
	INSTANCES_COLUMNS
	"  rec BLOB NOT NULL,"
	"  UNIQUE (id, account, region, target)"
	");"
	INSTANCES_INDEXES
	"UPDATE targets SET last_ok = 0;",
	/* 2 -> 3: the recs leave the rows for one blob per target (fleet),
	 * read in one piece at start-up; instances keeps the SQL columns.
	 * Dropped, not converted, as in 1 -> 2. */
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
	"UPDATE targets SET last_ok = 0;",
	/* 3 -> 4: how many instances of each target carry each window tag,
	 * so the console's first frame has the windows column without
	 * reading the fleet.  Filled from the rows already there: nothing
	 * is dropped. */
	"CREATE TABLE fleet_windows ("
	"  target TEXT NOT NULL"
	"    REFERENCES targets(name) ON DELETE CASCADE,"
	"  window_tag TEXT NOT NULL DEFAULT '',"
	"  count INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (target, window_tag)"
	") WITHOUT ROWID;"
	"INSERT INTO fleet_windows (target, window_tag, count)"
	"  SELECT target, window_tag, count(*) FROM instances"
	"  GROUP BY target, window_tag;",
};

/* SQLite page cache, in KiB (negative: size, not pages).  Reading the
 * fleet is one sequential scan, which a large cache does not speed up; a
 * replace updates four indexes and does want one.  At 100,000 instances
 * the difference is 45 MB of the console's peak memory. */
#define CACHE_READ_PAGES "-8192"
/* The page size of a new file (see cache_open_once). */
#define CACHE_PAGE_SIZE "65536"
#define CACHE_WRITE_PAGES "-65536"

#define NMIGRATIONS (sizeof migrations / sizeof migrations[0])

_Static_assert(NMIGRATIONS == CACHE_SCHEMA_VERSION,
    "one migration step per schema version");

/*
 * Every statement the cache runs, prepared once at open.  Preparing them
 * all is also the schema check: a missing table or column fails here.  The
 * CHECK_ ones exist only for that (runs and results are written by later
 * code, which will prepare its own).
 */
enum {
	ST_TARGET_OK,
	ST_TARGET_FAILED,
	ST_TARGET_DROP,
	ST_DEL_INSTANCES,
	ST_INS_INSTANCE,
	ST_PUT_FLEET,
	ST_LOAD_FLEET,
	ST_DEL_WINDOWS,
	ST_PUT_WINDOWS,
	ST_LOAD_WINDOWS,
	ST_FLEET_OLDEST,
	ST_TARGETS,
	ST_DEL_EXCEPTIONS,
	ST_INS_EXCEPTION,
	ST_LOAD_EXCEPTIONS,
	ST_LOAD_EXCEPTIONS_ALL,
	ST_META_SET,
	ST_META_GET,
	ST_CHECK_RUNS,
	ST_CHECK_RESULTS,
	ST__COUNT
};

#define EXCEPTION_COLS \
	"source, instance_id, exception_id, starts, ends, reason, ticket," \
	" requested_by, requested_at, status, decided_by, decided_at," \
	" fetched_at"

static const char *const statements[ST__COUNT] = {
	[ST_TARGET_OK] =
	    "INSERT INTO targets (name, account, region, last_ok,"
	    " last_attempt, error_code, error_message)"
	    " VALUES (?1, ?2, ?3, ?4, ?4, '', '')"
	    " ON CONFLICT (name) DO UPDATE SET account = excluded.account,"
	    " region = excluded.region, last_ok = excluded.last_ok,"
	    " last_attempt = excluded.last_attempt, error_code = '',"
	    " error_message = ''",
	[ST_TARGET_FAILED] =
	    "INSERT INTO targets (name, last_attempt, error_code,"
	    " error_message) VALUES (?1, ?2, ?3, ?4)"
	    " ON CONFLICT (name) DO UPDATE SET"
	    " last_attempt = excluded.last_attempt,"
	    " error_code = excluded.error_code,"
	    " error_message = excluded.error_message",
	[ST_TARGET_DROP] =
	    "DELETE FROM targets WHERE name = ?1",
	[ST_DEL_INSTANCES] =
	    "DELETE FROM instances WHERE target = ?1",
	[ST_INS_INSTANCE] =
	    "INSERT INTO instances (target, account, region, id, name, state,"
	    " ping, window_tag, owner_tag, fetched_at) VALUES (?1, ?2,"
	    " ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[ST_PUT_FLEET] =
	    "INSERT INTO fleet (target, count, recs) VALUES (?1, ?2, ?3)"
	    " ON CONFLICT (target) DO UPDATE SET count = excluded.count,"
	    " recs = excluded.recs",
	[ST_LOAD_FLEET] =
	    "SELECT rowid, count, length(recs) FROM fleet ORDER BY target",
	[ST_DEL_WINDOWS] =
	    "DELETE FROM fleet_windows WHERE target = ?1",
	[ST_PUT_WINDOWS] =
	    "INSERT INTO fleet_windows (target, window_tag, count)"
	    " SELECT target, window_tag, count(*) FROM instances"
	    " WHERE target = ?1 GROUP BY window_tag",
	[ST_LOAD_WINDOWS] =
	    "SELECT window_tag, sum(count) FROM fleet_windows"
	    " GROUP BY window_tag ORDER BY window_tag",
	[ST_FLEET_OLDEST] =
	    "SELECT min(targets.last_ok) FROM targets JOIN fleet"
	    " ON fleet.target = targets.name"
	    " WHERE fleet.count > 0 AND targets.last_ok > 0",
	[ST_TARGETS] =
	    "SELECT name, account, region, last_ok, last_attempt, error_code,"
	    " error_message, (SELECT count(*) FROM instances"
	    " WHERE instances.target = targets.name)"
	    " FROM targets ORDER BY name",
	[ST_DEL_EXCEPTIONS] =
	    "DELETE FROM exceptions WHERE source = ?1",
	[ST_INS_EXCEPTION] =
	    "INSERT INTO exceptions (" EXCEPTION_COLS ") VALUES"
	    " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
	[ST_LOAD_EXCEPTIONS] =
	    "SELECT " EXCEPTION_COLS " FROM exceptions WHERE source = ?1"
	    " ORDER BY source, instance_id, exception_id",
	[ST_LOAD_EXCEPTIONS_ALL] =
	    "SELECT " EXCEPTION_COLS " FROM exceptions"
	    " ORDER BY source, instance_id, exception_id",
	[ST_META_SET] =
	    "INSERT INTO meta (key, value) VALUES (?1, ?2)"
	    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	[ST_META_GET] =
	    "SELECT value FROM meta WHERE key = ?1",
	[ST_CHECK_RUNS] =
	    "SELECT run_id, window_id, window_date, state, started_by,"
	    " started_at, ended_at, command_ids, started_instances, counts,"
	    " fetched_at FROM runs LIMIT 0",
	[ST_CHECK_RESULTS] =
	    "SELECT run_id, instance_id, account, region, name, platform,"
	    " window_id, status, os, kernel_before, kernel_after, pkgs_before,"
	    " pkgs_updated, pkgs_available_after, reboot, error, started_at,"
	    " ended_at, fetched_at FROM results LIMIT 0",
};

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
	sqlite3_stmt *st[ST__COUNT];
};

/* What one attempt at opening found. */
enum open_result {
	OPEN_OK,
	OPEN_FAILED,		/* *err set; the file is left alone */
	OPEN_CORRUPT		/* *why set; the file should be moved aside */
};

static int
cache_is_corrupt_rc(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB;
}

/* Sets *err to "cache PATH: what: sqlite's message". */
static void
cache_seterr(struct cache *c, char **err, const char *what)
{
	if (c->db != NULL && c->corrupt_why == NULL &&
	    cache_is_corrupt_rc(sqlite3_extended_errcode(c->db)))
		c->corrupt_why = xstrdup(sqlite3_errmsg(c->db));
	if (err == NULL)
		return;
	free(*err);
	*err = xasprintf("cache %s: %s: %s", c->path, what,
	    c->db != NULL ? sqlite3_errmsg(c->db) : "out of memory");
}

static void
cache_oom_check(struct cache *c)
{
	if (sqlite3_errcode(c->db) == SQLITE_NOMEM)
		util_fatal("out of memory (sqlite)");
}

/* Runs sql that returns no rows we need. */
static int
cache_exec(struct cache *c, const char *sql, const char *what, char **err)
{
	int rc;

	rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		cache_oom_check(c);
		cache_seterr(c, err, what);
		return -1;
	}
	return 0;
}

static int
cache_begin(struct cache *c, char **err)
{
	return cache_exec(c, "BEGIN IMMEDIATE", "cannot start a transaction",
	    err);
}

static int
cache_commit(struct cache *c, char **err)
{
	if (cache_exec(c, "COMMIT", "cannot commit", err) == -1) {
		/* A failed COMMIT may leave the transaction open. */
		if (!sqlite3_get_autocommit(c->db))
			(void)sqlite3_exec(c->db, "ROLLBACK", NULL, NULL,
			    NULL);
		return -1;
	}
	return 0;
}

static void
cache_rollback(struct cache *c)
{
	size_t i;

	for (i = 0; i < ST__COUNT; i++) {
		if (c->st[i] != NULL)
			sqlite3_reset(c->st[i]);
	}
	if (!sqlite3_get_autocommit(c->db))
		(void)sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Binds s (NULL: "") as TEXT of exactly strlen(s) bytes, not copied: s
 * must live until the statement is stepped. */
static int
cache_bind_str(sqlite3_stmt *st, int idx, const char *s)
{
	if (s == NULL)
		s = "";
	return sqlite3_bind_text(st, idx, s, (int)strlen(s), SQLITE_STATIC);
}

/* A copy of column idx, never NULL: exactly column_bytes bytes (a NUL
 * inside ends the C string early, harmlessly). */
static char *
cache_col_str(struct cache *c, sqlite3_stmt *st, int idx)
{
	const unsigned char *p;
	int len;
	char *s;

	p = sqlite3_column_text(st, idx);
	len = sqlite3_column_bytes(st, idx);
	if (p == NULL) {
		cache_oom_check(c);
		return xstrdup("");
	}
	s = xmalloc((size_t)len + 1);
	memcpy(s, p, (size_t)len);
	s[len] = '\0';
	return s;
}

/* Steps a statement that returns no rows and resets it. */
static int
cache_step_done(struct cache *c, sqlite3_stmt *st, const char *what,
    char **err)
{
	int rc;

	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		cache_oom_check(c);
		cache_seterr(c, err, what);
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	return 0;
}

/* Path helpers. */

/* mkdir that accepts an existing directory. */
static int
cache_mkdir(const char *path, mode_t mode)
{
	struct stat sb;

	if (mkdir(path, mode) == 0)
		return 0;
	if (errno == EEXIST && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		return 0;
	if (errno == EEXIST)
		errno = ENOTDIR;
	return -1;
}

/* mkdir -p of every parent of path's last component, then path itself
 * with mode. */
static int
cache_mkdirs(const char *path, mode_t mode)
{
	char *p = xstrdup(path);
	char *s;
	int rc;

	for (s = p + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (cache_mkdir(p, 0700) == -1) {
			free(p);
			return -1;
		}
		*s = '/';
	}
	rc = cache_mkdir(p, mode);
	free(p);
	return rc;
}

char *
cache_default_path(char **err)
{
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	char *dir;
	char *path;
	struct stat sb;

	if (xdg != NULL && xdg[0] == '/')
		dir = xasprintf("%s/patchdeck", xdg);
	else if (home != NULL && home[0] == '/')
		dir = xasprintf("%s/.cache/patchdeck", home);
	else {
		*err = xstrdup("cache: neither XDG_CACHE_HOME nor HOME is an "
		    "absolute path; give the cache file with --cache");
		return NULL;
	}
	if (cache_mkdirs(dir, 0700) == -1) {
		*err = xasprintf("cache: cannot create %s: %s", dir,
		    strerror(errno));
		free(dir);
		return NULL;
	}
	/* Tighten a folder someone created wider; ours holds the fleet. */
	if (stat(dir, &sb) == 0 && (sb.st_mode & 077) != 0 &&
	    sb.st_uid == geteuid())
		(void)chmod(dir, 0700);
	path = xasprintf("%s/cache.db", dir);
	free(dir);
	return path;
}

/* Makes an existing file at path mode 0600 if it is wider. */
static int
cache_fix_mode(const char *path, char **err)
{
	struct stat sb;

	if (lstat(path, &sb) == -1)
		return errno == ENOENT ? 0 : -1;
	if (S_ISLNK(sb.st_mode)) {
		*err = xasprintf("cache %s: is a symbolic link; refused",
		    path);
		return -1;
	}
	if ((sb.st_mode & 077) == 0)
		return 0;
	if (chmod(path, sb.st_mode & 0700) == -1) {
		*err = xasprintf("cache %s: mode %03o is readable by others "
		    "and cannot be changed: %s", path,
		    (unsigned)(sb.st_mode & 0777), strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Creates path 0600 if missing (SQLite would use 0644 less the umask, and
 * gives -wal and -shm the main file's mode), and fixes a file, -wal or
 * -shm readable by others.
 */
static int
cache_prepare_file(const char *path, char **err)
{
	struct stat sb;
	char *side, *dir, *slash, *why = NULL;
	int fd;
	int rc = 0;

	/* The folder first: in one another user owns, the file could be
	 * swapped under us whatever we check of it. */
	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) == NULL) {
		free(dir);
		dir = xstrdup(".");
	} else {
		slash[slash == dir ? 1 : 0] = '\0';
	}
	if (util_check_dir(dir, "cache folder", &why) == -1) {
		*err = xasprintf("cache %s: %s", path, why);
		free(why);
		free(dir);
		return -1;
	}
	free(dir);
	/* A symbolic link is not followed (it could point at any file we
	 * may write); SQLite is told the same (SQLITE_OPEN_NOFOLLOW). */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1 && errno == ELOOP) {
		*err = xasprintf("cache %s: is a symbolic link; refused (give "
		    "the file it points to with --cache)", path);
		return -1;
	}
	if (fd == -1) {
		*err = xasprintf("cache %s: cannot open: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1) {
		*err = xasprintf("cache %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		*err = xasprintf("cache %s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (sb.st_uid != geteuid()) {
		*err = xasprintf("cache %s: owned by uid %lu, not by you "
		    "(uid %lu); refused", path, (unsigned long)sb.st_uid,
		    (unsigned long)geteuid());
		close(fd);
		return -1;
	}
	if ((sb.st_mode & 077) != 0 && fchmod(fd, 0600) == -1) {
		*err = xasprintf("cache %s: mode %03o is readable by others "
		    "and cannot be changed: %s", path,
		    (unsigned)(sb.st_mode & 0777), strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	side = xasprintf("%s-wal", path);
	rc = cache_fix_mode(side, err);
	free(side);
	if (rc == 0) {
		side = xasprintf("%s-shm", path);
		rc = cache_fix_mode(side, err);
		free(side);
	}
	return rc;
}

/*
 * Renames path (and its -wal, -shm) to path.corrupt-<now>, adding -2, -3,
 * ... if that name is taken.  Returns the new name (caller frees), or NULL
 * with *err.
 */
static char *
cache_move_aside(const char *path, char **err)
{
	static const char *const sides[] = { "-wal", "-shm" };
	long long now = (long long)time(NULL);
	struct stat sb;
	char *dest = NULL;
	char *from;
	char *to;
	size_t i;
	int k;

	for (k = 1; k < 1000; k++) {
		free(dest);
		if (k == 1)
			dest = xasprintf("%s.corrupt-%lld", path, now);
		else
			dest = xasprintf("%s.corrupt-%lld-%d", path, now, k);
		if (lstat(dest, &sb) == -1 && errno == ENOENT)
			break;
	}
	if (rename(path, dest) == -1) {
		*err = xasprintf("cannot rename %s to %s: %s", path, dest,
		    strerror(errno));
		free(dest);
		return NULL;
	}
	for (i = 0; i < sizeof sides / sizeof sides[0]; i++) {
		from = xasprintf("%s%s", path, sides[i]);
		to = xasprintf("%s%s", dest, sides[i]);
		/* A -wal left next to a new file would be replayed into it:
		 * if it cannot follow the main file, give up. */
		if (rename(from, to) == -1 && errno != ENOENT) {
			*err = xasprintf("cannot rename %s to %s: %s", from,
			    to, strerror(errno));
			free(from);
			free(to);
			free(dest);
			return NULL;
		}
		free(from);
		free(to);
	}
	return dest;
}

/* Opening. */

static void
cache_free(struct cache *c, int checkpoint)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < ST__COUNT; i++)
		sqlite3_finalize(c->st[i]);
	if (c->db != NULL) {
		/* A suspect file is moved aside as it is: no checkpoint of
		 * its WAL into it on the way out. */
		if (!checkpoint)
			(void)sqlite3_db_config(c->db,
			    SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
		sqlite3_close(c->db);
	}
	free(c->path);
	free(c->window_key);
	free(c->owner_key);
	free(c->corrupt_why);
	free(c->notice);
	free(c->dead);
	free(c);
}

void
cache_close(struct cache *c)
{
	cache_free(c, 1);
}

/* Reads one integer pragma.  Returns an SQLite result code. */
static int
cache_pragma_int(struct cache *c, const char *sql, long long *out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_finalize(st);
	return rc;
}

/* Applies the migrations the file lacks.  Returns as cache_open_once. */
static enum open_result
cache_migrate(struct cache *c, char **why, char **err)
{
	long long version = 0;
	long long nobjects = 0;
	char *sql;
	size_t i;
	int rc;

	if (cache_begin(c, err) == -1)
		goto failed;
	/* Read again under the write lock: another process may have
	 * migrated since. */
	rc = cache_pragma_int(c, "PRAGMA user_version", &version);
	if (rc == SQLITE_OK && version == 0)
		rc = cache_pragma_int(c, "SELECT count(*) FROM sqlite_master",
		    &nobjects);
	if (rc != SQLITE_OK) {
		if (cache_is_corrupt_rc(rc)) {
			*why = xasprintf("%s", sqlite3_errmsg(c->db));
			cache_rollback(c);
			return OPEN_CORRUPT;
		}
		cache_seterr(c, err, "cannot read the schema version");
		goto failed;
	}
	if (version > CACHE_SCHEMA_VERSION) {
		cache_rollback(c);
		*err = xasprintf("cache %s: schema version %lld is newer than "
		    "this patchdeck knows (%d); use a newer patchdeck or "
		    "another --cache", c->path, version, CACHE_SCHEMA_VERSION);
		return OPEN_FAILED;
	}
	if (version == 0 && nobjects > 0) {
		cache_rollback(c);
		*why = xstrdup("it holds tables that are not patchdeck's");
		return OPEN_CORRUPT;
	}
	if (version == CACHE_SCHEMA_VERSION) {
		cache_rollback(c);
		return OPEN_OK;
	}
	for (i = (size_t)version; i < NMIGRATIONS; i++) {
		rc = sqlite3_exec(c->db, migrations[i], NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			cache_oom_check(c);
			if (cache_is_corrupt_rc(rc) || (rc & 0xff) ==
			    SQLITE_ERROR) {
				/* SQLITE_ERROR: a table of that name exists
				 * already, so the schema is not what its
				 * version says. */
				*why = xasprintf("migration to version %zu "
				    "failed: %s", i + 1,
				    sqlite3_errmsg(c->db));
				cache_rollback(c);
				return OPEN_CORRUPT;
			}
			cache_seterr(c, err, "cannot migrate the schema");
			goto failed;
		}
	}
	sql = xasprintf("PRAGMA user_version = %d", CACHE_SCHEMA_VERSION);
	rc = cache_exec(c, sql, "cannot set the schema version", err);
	free(sql);
	if (rc == -1 || cache_commit(c, err) == -1)
		goto failed;
	return OPEN_OK;

failed:
	cache_rollback(c);
	return OPEN_FAILED;
}

/* Finalizes every prepared statement. */
static void
cache_finalize_all(struct cache *c)
{
	size_t i;

	for (i = 0; i < ST__COUNT; i++) {
		sqlite3_finalize(c->st[i]);
		c->st[i] = NULL;
	}
}

/*
 * The schema version each statement first works with as written; older
 * files are checked with the statements they already support.
 */
static const int statement_since[ST__COUNT] = {
	[ST_INS_INSTANCE] = 2,
	[ST_PUT_FLEET] = 3,
	[ST_LOAD_FLEET] = 3,
	[ST_DEL_WINDOWS] = 4,
	[ST_PUT_WINDOWS] = 4,
	[ST_LOAD_WINDOWS] = 4,
	[ST_FLEET_OLDEST] = 3,
};

/*
 * Prepares every statement a file at schema version `version` supports
 * (0: all).  A table or column missing or unreadable makes the file
 * OPEN_CORRUPT.  Before a migration this is the check of the old schema,
 * run before anything writes.
 */
static enum open_result
cache_prepare_all(struct cache *c, int version, char **why, char **err)
{
	size_t i;
	int rc;

	for (i = 0; i < ST__COUNT; i++) {
		if (version != 0 && statement_since[i] > version)
			continue;
		rc = sqlite3_prepare_v3(c->db, statements[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &c->st[i], NULL);
		if (rc == SQLITE_OK)
			continue;
		cache_oom_check(c);
		if ((rc & 0xff) == SQLITE_ERROR || cache_is_corrupt_rc(rc)) {
			*why = xasprintf("its schema is not the expected one: "
			    "%s", sqlite3_errmsg(c->db));
			return OPEN_CORRUPT;
		}
		cache_seterr(c, err, "cannot prepare a statement");
		return OPEN_FAILED;
	}
	return OPEN_OK;
}

/*
 * A file from before version 3 has 4 KB pages.  Its migration just
 * dropped the instances, so rewriting it with large pages is cheap: out
 * of WAL (the page size cannot change in it), VACUUM, back.  Best effort:
 * with another process on the file it is left as it is, and works.
 */
static void
cache_grow_pages(struct cache *c)
{
	long long size = 0;

	if (c->memory || cache_pragma_int(c, "PRAGMA page_size", &size) !=
	    SQLITE_OK || size >= atoll(CACHE_PAGE_SIZE))
		return;
	if (sqlite3_exec(c->db, "PRAGMA journal_mode = DELETE", NULL, NULL,
	    NULL) == SQLITE_OK)
		(void)sqlite3_exec(c->db, "PRAGMA page_size = " CACHE_PAGE_SIZE
		    "; VACUUM", NULL, NULL, NULL);
	(void)sqlite3_exec(c->db, "PRAGMA journal_mode = WAL", NULL, NULL,
	    NULL);
}

/*
 * One attempt at opening path (NULL: in memory).  Everything that can
 * find the file unusable reads only, and runs before anything writes
 * (the switch to WAL rewrites the header), so a file moved aside or
 * refused keeps its bytes.
 */
static enum open_result
cache_open_once(const char *path, struct cache **out, char **why,
    char **err)
{
	struct cache *c;
	long long version = 0;
	long long nobjects = 0;
	enum open_result res;
	const char *what;
	int rc;

	*out = NULL;
	if (path != NULL && cache_prepare_file(path, err) == -1)
		return OPEN_FAILED;
	c = xcalloc(1, sizeof *c);
	c->path = xstrdup(path != NULL ? path : ":memory:");
	c->memory = path == NULL;
	c->window_key = xstrdup(CACHE_WINDOW_TAG);
	c->owner_key = xstrdup(CACHE_OWNER_TAG);
	rc = sqlite3_open_v2(path != NULL ? path : ":memory:", &c->db,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
	    SQLITE_OPEN_NOFOLLOW, NULL);
	if (rc != SQLITE_OK) {
		cache_oom_check(c);
		cache_seterr(c, err, "cannot open");
		goto failed;
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_timeout(c->db, CACHE_BUSY_TIMEOUT_MS);

	/* First read: a file that is not a database shows here. */
	what = "cannot read the schema version";
	rc = cache_pragma_int(c, "PRAGMA user_version", &version);
	if (rc == SQLITE_OK && version == 0)
		rc = cache_pragma_int(c, "SELECT count(*) FROM sqlite_master",
		    &nobjects);
	if (rc != SQLITE_OK)
		goto sqlerr;
	if (version > CACHE_SCHEMA_VERSION) {
		*err = xasprintf("cache %s: schema version %lld is newer than "
		    "this patchdeck knows (%d); use a newer patchdeck or "
		    "another --cache", c->path, version, CACHE_SCHEMA_VERSION);
		goto failed;
	}
	if (version == 0 && nobjects > 0) {
		*why = xstrdup("it holds tables that are not patchdeck's");
		goto corrupt;
	}
	/* No PRAGMA quick_check here: it reads every page (~45-110 ms for
	 * 100k instances, on the console's start-up path).  Damage beyond
	 * the header and the schema shows as SQLITE_CORRUPT from the
	 * statement that meets it, which then moves the file aside
	 * (cache_recover); cache_check() runs the full check on demand. */
	/* An older file is checked the same way, with the statements its
	 * version supports, before anything writes. */
	if (version >= 1) {
		res = cache_prepare_all(c, (int)version, why, err);
		if (version < CACHE_SCHEMA_VERSION)
			cache_finalize_all(c);
		if (res == OPEN_CORRUPT)
			goto corrupt;
		if (res == OPEN_FAILED)
			goto failed;
	}

	/* A new file gets large pages; it can only be set before the first
	 * table and outside WAL.  The recs blobs are read through their
	 * overflow pages one at a time: 26 MB of them in 400 reads instead
	 * of 6,400 (~30 ms against ~50 ms), without mapping the file, which
	 * would put every page read into the process's resident size. */
	if (version == 0 && nobjects == 0)
		(void)sqlite3_exec(c->db, "PRAGMA page_size = " CACHE_PAGE_SIZE,
		    NULL, NULL, NULL);
	/* journal_mode answers "memory" for :memory:, which is fine. */
	rc = sqlite3_exec(c->db, "PRAGMA journal_mode = WAL", NULL, NULL,
	    NULL);
	if (rc != SQLITE_OK) {
		what = "cannot switch to WAL";
		goto sqlerr;
	}
	/* journal_size_limit: a 100k-instance replace grows the WAL to
	 * ~100 MB; give the space back after the checkpoint. */
	if (cache_exec(c, "PRAGMA synchronous = NORMAL;"
	    "PRAGMA foreign_keys = ON;"
	    "PRAGMA journal_size_limit = 16777216;"
	    "PRAGMA cache_size = " CACHE_READ_PAGES, "cannot set pragmas",
	    err) == -1)
		goto failed;

	if (version < CACHE_SCHEMA_VERSION) {
		res = cache_migrate(c, why, err);
		if (res == OPEN_OK && version >= 1)
			cache_grow_pages(c);
		if (res == OPEN_OK && c->st[0] == NULL)
			res = cache_prepare_all(c, 0, why, err);
		if (res == OPEN_CORRUPT)
			goto corrupt;
		if (res == OPEN_FAILED)
			goto failed;
	}
	*out = c;
	return OPEN_OK;

sqlerr:
	cache_oom_check(c);
	if (cache_is_corrupt_rc(rc)) {
		*why = xasprintf("%s", sqlite3_errmsg(c->db));
		goto corrupt;
	}
	cache_seterr(c, err, what);
failed:
	cache_free(c, 1);
	return OPEN_FAILED;
corrupt:
	cache_free(c, 0);
	return OPEN_CORRUPT;
}

int
cache_open(const char *path, struct cache **out, char **notice, char **err)
{
	enum open_result res;
	char *why = NULL;
	char *why2 = NULL;
	char *dest;

	*out = NULL;
	if (notice != NULL)
		*notice = NULL;
	res = cache_open_once(path, out, &why, err);
	if (res == OPEN_OK)
		return 0;
	if (res == OPEN_FAILED)
		return -1;
	dest = cache_move_aside(path, err);
	if (dest == NULL) {
		char *e = *err;

		*err = xasprintf("cache %s is unusable (%s) and could not be "
		    "moved aside: %s", path, why, e);
		free(e);
		free(why);
		return -1;
	}
	res = cache_open_once(path, out, &why2, err);
	if (res == OPEN_CORRUPT) {
		/* A fresh file that fails is not the old file's fault. */
		*err = xasprintf("cache %s: a new cache is unusable too: %s",
		    path, why2);
		free(why2);
	}
	if (res == OPEN_OK) {
		if (notice != NULL)
			*notice = xasprintf("cache %s was unusable (%s); "
			    "moved it to %s and started an empty cache",
			    path, why, dest);
	} else if (*err != NULL) {
		char *e = *err;

		*err = xasprintf("%s (the unusable cache was moved to %s)", e,
		    dest);
		free(e);
	}
	free(why);
	free(dest);
	return res == OPEN_OK ? 0 : -1;
}

int
cache_open_memory(struct cache **out, char **err)
{
	char *why = NULL;

	switch (cache_open_once(NULL, out, &why, err)) {
	case OPEN_OK:
		return 0;
	case OPEN_CORRUPT:
		/* Cannot happen to a fresh memory database. */
		*err = xasprintf("cache :memory:: %s", why);
		free(why);
		return -1;
	default:
		return -1;
	}
}

/* Damage found after opening. */

/* 0, or -1 with *err when an earlier recovery left c without a file. */
static int
cache_usable(struct cache *c, char **err)
{
	if (c->db != NULL)
		return 0;
	if (err != NULL) {
		free(*err);
		*err = xasprintf("cache %s: unusable: %s", c->path, c->dead);
	}
	return -1;
}

/* Appends "; more" to *err. */
static void
cache_err_append(char **err, const char *more)
{
	char *e;

	if (err == NULL)
		return;
	e = *err;
	*err = xasprintf("%s; %s", e != NULL ? e : "cache", more);
	free(e);
}

/*
 * Called by a public function on its way out after a failure: if SQLite
 * found the file damaged (c->corrupt_why), does what cache_open does with
 * such a file: closes it without a checkpoint, moves it aside, opens a new
 * empty cache in its place (the same struct cache, the tag keys kept) and
 * leaves a notice for cache_take_notice(); *err says so too.  When the
 * file cannot be moved it is opened again as it is; when no new file can
 * be opened, c is left unusable (every call fails, cache_close works).
 */
static void
cache_recover(struct cache *c, char **err)
{
	struct cache *fresh = NULL;
	char *why = c->corrupt_why;
	char *why2 = NULL;
	char *e = NULL;
	char *dest;
	char *msg;
	size_t i;

	if (why == NULL)
		return;
	c->corrupt_why = NULL;
	if (c->memory) {
		free(why);
		return;
	}
	for (i = 0; i < ST__COUNT; i++) {
		sqlite3_finalize(c->st[i]);
		c->st[i] = NULL;
	}
	(void)sqlite3_db_config(c->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1,
	    NULL);
	sqlite3_close(c->db);
	c->db = NULL;

	dest = cache_move_aside(c->path, &e);
	if (dest == NULL) {
		msg = xasprintf("it could not be moved aside: %s", e);
		cache_err_append(err, msg);
		free(msg);
		free(e);
		e = NULL;
	}
	if (cache_open_once(c->path, &fresh, &why2, &e) != OPEN_OK) {
		c->dead = xasprintf("%s%s", why2 != NULL ? why2 : "",
		    e != NULL ? e : "");
		msg = xasprintf("no cache could be opened in its place: %s",
		    c->dead);
		cache_err_append(err, msg);
		free(msg);
	} else {
		c->db = fresh->db;
		fresh->db = NULL;
		memcpy(c->st, fresh->st, sizeof c->st);
		memset(fresh->st, 0, sizeof fresh->st);
		if (dest != NULL) {
			free(c->notice);
			c->notice = xasprintf("cache %s was unusable (%s); "
			    "moved it to %s and started an empty cache",
			    c->path, why, dest);
			msg = xasprintf("moved it to %s and started an empty "
			    "cache", dest);
			cache_err_append(err, msg);
			free(msg);
		}
	}
	cache_free(fresh, 1);
	free(why2);
	free(e);
	free(dest);
	free(why);
}

char *
cache_take_notice(struct cache *c)
{
	char *notice = c->notice;

	c->notice = NULL;
	return notice;
}

int
cache_check(struct cache *c, char **err)
{
	sqlite3_stmt *st = NULL;
	const char *text;
	int rc;

	if (cache_usable(c, err) == -1)
		return -1;
	rc = sqlite3_prepare_v2(c->db, "PRAGMA quick_check(1)", -1, &st,
	    NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		text = (const char *)sqlite3_column_text(st, 0);
		if (text != NULL && strcmp(text, "ok") == 0) {
			sqlite3_finalize(st);
			return 0;
		}
		free(*err);
		*err = xasprintf("cache %s: integrity check failed: %s",
		    c->path, text != NULL ? text : "no answer");
		sqlite3_finalize(st);
		return -1;
	}
	cache_oom_check(c);
	free(*err);
	*err = xasprintf("cache %s: %s: %s", c->path,
	    cache_is_corrupt_rc(rc) ? "integrity check failed" :
	    "cannot check integrity", sqlite3_errmsg(c->db));
	sqlite3_finalize(st);
	return -1;
}

/* Instances. */

/*
 * Each instance is one record of our own, rec (format in cache.h), and a
 * target's instances are one blob of them, recs, in the console's default
 * order (name, id, region).  Loading is then one blob read per target
 * into memory the instances point into: no copy per string, no
 * allocation per instance, and no sort before the first frame (figures
 * in cache.h).  The strings end in a NUL inside the rec for that reason.  The columns SQL filters
 * on (state, ping, the window and owner tags, ...) are copies in the
 * instances table, indexed.  Lengths instead of delimiters: nothing is
 * escaped, every byte is kept, and decoding is one bounds-checked walk.
 */
static void
cache_put_u32(struct buf *b, uint32_t v)
{
	unsigned char p[4];

	p[0] = (unsigned char)(v & 0xff);
	p[1] = (unsigned char)((v >> 8) & 0xff);
	p[2] = (unsigned char)((v >> 16) & 0xff);
	p[3] = (unsigned char)(v >> 24);
	buf_append(b, p, 4);
}

static uint32_t
cache_get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static void
cache_put_i64(struct buf *b, long long v)
{
	uint64_t u = (uint64_t)v;
	unsigned char p[8];
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)((u >> (8 * i)) & 0xff);
	buf_append(b, p, 8);
}

static long long
cache_get_i64(const unsigned char *p)
{
	uint64_t u = 0;
	int i;

	for (i = 7; i >= 0; i--)
		u = u << 8 | p[i];
	return (long long)u;
}

/* u32 len, the bytes, a NUL. */
static void
cache_put_str(struct buf *b, const char *s, size_t len)
{
	cache_put_u32(b, (uint32_t)len);
	buf_append(b, s, len);
	buf_putc(b, '\0');
}

/* The string fields of in, in the order of the rec (cache.h). */
#define REC_NSTR 15
#define REC_FIELDS(in) { \
	&(in)->id, &(in)->account, &(in)->region, &(in)->name, \
	&(in)->state, &(in)->type, &(in)->platform, &(in)->platform_name, \
	&(in)->platform_version, &(in)->private_ip, &(in)->public_ip, \
	&(in)->az, &(in)->launch_time, &(in)->ping, &(in)->agent_version }

static int
cache_store_refused(const struct fleet_instance *in, const char *what,
    char **err)
{
	free(*err);
	*err = xasprintf("cannot store instance %s: %s",
	    in->id != NULL ? in->id : "", what);
	return -1;
}

/*
 * Appends in as one framed rec (u32 length, then the rec; format in
 * cache.h) to b, fetched_at being the value stored.  Refuses, with *err,
 * what the decoder would refuse: a string over CACHE_FIELD_MAX_LEN, more
 * than CACHE_TAGS_MAX tags, a key or value over CACHE_TAG_MAX_LEN (EC2
 * allows 50 of 128/256 bytes, so only a bug upstream gets there; better an
 * error than data lost silently).
 */
int
cache_rec_encode(struct buf *b, const struct fleet_instance *in,
    long long fetched_at, char **err)
{
	char *const *const field[REC_NSTR] = REC_FIELDS(in);
	const char *s, *key, *value;
	size_t i, len, klen, vlen, start;
	uint32_t reclen;

	start = b->len;
	cache_put_u32(b, 0);		/* the frame, filled in below */
	for (i = 0; i < REC_NSTR; i++) {
		s = *field[i] != NULL ? *field[i] : "";
		len = strlen(s);
		if (len > CACHE_FIELD_MAX_LEN)
			return cache_store_refused(in, "a field longer "
			    "than " CACHE_STR(CACHE_FIELD_MAX_LEN) " bytes",
			    err);
		cache_put_str(b, s, len);
	}
	cache_put_i64(b, in->last_ping);
	cache_put_i64(b, fetched_at);
	if (in->ntags > CACHE_TAGS_MAX) {
		char what[64];

		snprintf(what, sizeof what, "%zu tags, more than %d",
		    in->ntags, CACHE_TAGS_MAX);
		return cache_store_refused(in, what, err);
	}
	cache_put_u32(b, (uint32_t)in->ntags);
	for (i = 0; i < in->ntags; i++) {
		key = in->tags[i].key != NULL ? in->tags[i].key : "";
		value = in->tags[i].value != NULL ? in->tags[i].value : "";
		klen = strlen(key);
		vlen = strlen(value);
		if (klen > CACHE_TAG_MAX_LEN || vlen > CACHE_TAG_MAX_LEN)
			return cache_store_refused(in, "a tag key or value "
			    "longer than " CACHE_STR(CACHE_TAG_MAX_LEN)
			    " bytes", err);
		cache_put_str(b, key, klen);
		cache_put_str(b, value, vlen);
	}
	reclen = (uint32_t)(b->len - start - 4);
	b->data[start] = (char)(reclen & 0xff);
	b->data[start + 1] = (char)((reclen >> 8) & 0xff);
	b->data[start + 2] = (char)((reclen >> 16) & 0xff);
	b->data[start + 3] = (char)(reclen >> 24);
	return 0;
}

/*
 * One string of a rec at p[*off..len): its length within max and the
 * bytes left, and its NUL in place.  Returns the string (inside p), or
 * NULL when malformed.
 */
static char *
cache_rec_str(unsigned char *p, size_t len, size_t *off, size_t max)
{
	size_t l;
	char *s;

	if (len - *off < 4)
		return NULL;
	l = cache_get_u32(p + *off);
	*off += 4;
	if (l > max || l >= len - *off || p[*off + l] != '\0')
		return NULL;
	s = (char *)p + *off;
	*off += l + 1;
	return s;
}

/*
 * Walks the rec p[0..len), which is untrusted: every length against the
 * bytes left and the limits, every NUL where the format puts it, nothing
 * left over.  With in, points in's strings into p and its tags array at
 * tags (room for the count this returns).  Returns the tag count, or -1
 * when the rec is malformed (in then partly set: not to be used).
 */
static long
cache_rec_walk(unsigned char *p, size_t len, struct fleet_instance *in,
    struct fleet_tag *tags)
{
	struct fleet_instance dummy;
	char **const field[REC_NSTR] = REC_FIELDS(in != NULL ? in : &dummy);
	size_t off = 0, ntags, k;
	char *key, *value;

	for (k = 0; k < REC_NSTR; k++) {
		if ((*field[k] = cache_rec_str(p, len, &off,
		    CACHE_FIELD_MAX_LEN)) == NULL)
			return -1;
	}
	if (len - off < 20)
		return -1;
	ntags = cache_get_u32(p + off + 16);
	if (ntags > CACHE_TAGS_MAX)
		return -1;
	if (in != NULL) {
		in->last_ping = cache_get_i64(p + off);
		in->fetched_at = cache_get_i64(p + off + 8);
		in->tags = ntags > 0 ? tags : NULL;
		in->ntags = ntags;
	}
	off += 20;
	for (k = 0; k < ntags; k++) {
		if ((key = cache_rec_str(p, len, &off,
		    CACHE_TAG_MAX_LEN)) == NULL ||
		    (value = cache_rec_str(p, len, &off,
		    CACHE_TAG_MAX_LEN)) == NULL)
			return -1;
		if (in != NULL) {
			tags[k].key = key;
			tags[k].value = value;
		}
	}
	return off == len ? (long)ntags : -1;
}

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
	sqlite3_stmt *st = c->st[ST_INS_INSTANCE];

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

/* Deletes target's instances; inside a transaction. */
static int
cache_delete_rows(struct cache *c, const char *target, char **err)
{
	cache_bind_str(c->st[ST_DEL_INSTANCES], 1, target);
	if (cache_step_done(c, c->st[ST_DEL_INSTANCES],
	    "cannot delete instances", err) == -1)
		return -1;
	cache_bind_str(c->st[ST_DEL_WINDOWS], 1, target);
	return cache_step_done(c, c->st[ST_DEL_WINDOWS],
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
	sqlite3_stmt *st = c->st[ST_PUT_FLEET];
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
		cache_bind_str(c->st[ST_PUT_WINDOWS], 1, target);
		rc = cache_step_done(c, c->st[ST_PUT_WINDOWS],
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
	sqlite3_stmt *st;

	if (cache_usable(c, err) == -1)
		return -1;
	st = c->st[ST_TARGET_OK];
	/* A big page cache while the indexes churn; back to the small one
	 * after, so the console does not keep 64 MB it no longer needs. */
	sqlite3_exec(c->db, "PRAGMA cache_size = " CACHE_WRITE_PAGES, NULL,
	    NULL, NULL);
	if (cache_begin(c, err) == -1)
		goto fail;
	cache_bind_str(st, 1, target);
	cache_bind_str(st, 2, account);
	cache_bind_str(st, 3, region);
	sqlite3_bind_int64(st, 4, fetched_at);
	if (cache_step_done(c, st, "cannot record the target", err) == -1 ||
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

int
cache_target_failed(struct cache *c, const char *target, const char *code,
    const char *message, long long when, char **err)
{
	sqlite3_stmt *st;

	if (cache_usable(c, err) == -1)
		return -1;
	st = c->st[ST_TARGET_FAILED];
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
	cache_bind_str(c->st[ST_TARGET_DROP], 1, target);
	if (cache_step_done(c, c->st[ST_TARGET_DROP],
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
cache_instances_free(struct fleet_instance *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fleet_instance_done(&v[i]);
	free(v);
}

/* One target's recs blob, as the fleet table lists it. */
struct cache_recs {
	long long rowid;
	long long count;	/* stored beside it: untrusted */
	size_t len;
};

/* The smallest rec: 15 empty strings, two i64, a tag count. */
#define REC_MIN (REC_NSTR * 5 + 20)
/* The smallest tag: two empty strings. */
#define TAG_MIN 10

/* How many recs a blob of len bytes can hold at most. */
#define RECS_ROOM(len) ((len) / (4 + REC_MIN))

/*
 * Decodes the framed recs in blk->data[0..len), which is untrusted, and
 * appends the instances to v[*n..], pointing into blk; v has room for
 * RECS_ROOM(len) more, and never more than that is written however the
 * frames lie.  One walk: the tags arrays go into one allocation sized
 * for the most tags len can hold, whose untouched pages cost no memory,
 * trimmed after.  A malformed rec is decoded into a scratch instance and
 * skipped (counted); a frame that runs past the end ends the walk, the
 * rest being unreadable (counted from the stored count, at least one).
 */
static void
cache_recs_decode(struct fleet_block *blk, size_t len, long long count,
    struct fleet_instance *v, size_t *n, size_t *skipped)
{
	size_t off, flen, ntags = 0, seen = 0, refs = 0, room, k;
	unsigned char *p = blk->data;
	struct fleet_instance in;
	struct fleet_tag *tags;
	long nt;

	room = RECS_ROOM(len);
	tags = xmalloc((len / TAG_MIN + 1) * sizeof *tags);
	for (off = 0; off < len; off += flen) {
		if (len - off < 4 || (flen = cache_get_u32(p + off)) >
		    len - off - 4) {
			*skipped += count > (long long)seen ?
			    (size_t)(count - (long long)seen) : 1;
			break;
		}
		off += 4;
		seen++;
		memset(&in, 0, sizeof in);
		nt = cache_rec_walk(p + off, flen, &in, tags + ntags);
		/* A well-formed rec is at least REC_MIN bytes, so room is
		 * never short; the check keeps that a proof, not a hope. */
		if (nt < 0 || refs == room) {
			(*skipped)++;
			continue;
		}
		in.block = blk;
		v[(*n)++] = in;
		ntags += (size_t)nt;
		refs++;
	}
	if (ntags == 0) {
		free(tags);
		tags = NULL;
	} else {
		/* Trimming may move it: the instances point at offsets. */
		struct fleet_tag *was = tags;

		tags = xreallocarray(tags, ntags, sizeof *tags);
		if (tags != was) {
			for (k = *n - refs; k < *n; k++)
				if (v[k].tags != NULL)
					v[k].tags = tags + (v[k].tags - was);
		}
	}
	blk->tags = tags;
	blk->refs = refs;
}

void
cache_recs_parse(const void *data, size_t len, long long count,
    struct fleet_instance **vp, size_t *np, size_t *skipped)
{
	struct fleet_block *blk;
	struct fleet_instance *v;
	size_t n = 0;

	blk = xmalloc(sizeof *blk + len + 1);
	blk->refs = 0;
	blk->tags = NULL;
	if (len > 0)
		memcpy(blk->data, data, len);
	v = xcalloc(RECS_ROOM(len) + 1, sizeof *v);
	cache_recs_decode(blk, len, count, v, &n, skipped);
	if (n == 0) {
		free(blk->tags);
		free(blk);
		free(v);
		v = NULL;
	}
	*vp = v;
	*np = n;
}

/*
 * Packs the strings of a decoded block: each moved down over the length
 * prefixes the rec keeps before it, and one equal to the previous
 * instance's same field (or same tag key or value) shared, not kept
 * twice: a fleet sorted by name repeats its account, region, state,
 * type, platform, tag keys and many values from row to row.  At 100,000
 * instances the blocks went from 53 MB to about half.  v[0..n) are the
 * instances decoded from blk, in its order (their strings lie in it in
 * the order of the rec); a string is only ever moved down, over bytes
 * already read, so none is overwritten before it is moved.  Returns the
 * block, trimmed (it may have moved: the instances follow).
 */
static struct fleet_block *
cache_block_pack(struct fleet_block *blk, struct fleet_instance *v,
    size_t n)
{
	struct fleet_block *was = blk, *now;
	struct fleet_instance *in, *prev;
	unsigned char *w = blk->data;
	uintptr_t base;
	size_t k, f, t, l;
	char **p, *q;

	for (k = 0; k < n; k++) {
		char **field[REC_NSTR] = REC_FIELDS(&v[k]);

		in = &v[k];
		prev = k > 0 ? &v[k - 1] : NULL;
		for (f = 0; f < REC_NSTR + 2 * in->ntags; f++) {
			if (f < REC_NSTR) {
				p = field[f];
				q = NULL;
				if (prev != NULL) {
					char **pf[REC_NSTR] = REC_FIELDS(prev);

					q = *pf[f];
				}
			} else {
				t = (f - REC_NSTR) / 2;
				p = (f - REC_NSTR) % 2 == 0 ? &in->tags[t].key :
				    &in->tags[t].value;
				q = prev == NULL || t >= prev->ntags ? NULL :
				    (f - REC_NSTR) % 2 == 0 ?
				    prev->tags[t].key : prev->tags[t].value;
			}
			if (q != NULL && strcmp(q, *p) == 0) {
				*p = q;
				continue;
			}
			l = strlen(*p) + 1;
			memmove(w, *p, l);
			*p = (char *)w;
			w += l;
		}
	}
	base = (uintptr_t)blk->data;
	now = realloc(blk, sizeof *blk + (size_t)(w - blk->data) + 1);
	if (now == NULL || now == was)
		return blk;
	for (k = 0; k < n; k++) {
		char **field[REC_NSTR] = REC_FIELDS(&v[k]);

		v[k].block = now;
		for (f = 0; f < REC_NSTR; f++)
			*field[f] = (char *)now->data +
			    ((uintptr_t)*field[f] - base);
		for (t = 0; t < v[k].ntags; t++) {
			v[k].tags[t].key = (char *)now->data +
			    ((uintptr_t)v[k].tags[t].key - base);
			v[k].tags[t].value = (char *)now->data +
			    ((uintptr_t)v[k].tags[t].value - base);
		}
	}
	return now;
}

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

	rc = cache_list_recs_on(c->st[ST_LOAD_FLEET], &r, &n);
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
		rc = sqlite3_prepare_v2(db, statements[ST_LOAD_FLEET], -1,
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

	st = c->st[ST_LOAD_WINDOWS];
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		h->windows = xreallocarray(h->windows, h->nwindows + 1,
		    sizeof *h->windows);
		h->windows[h->nwindows].window_tag = cache_col_str(c, st, 0);
		h->windows[h->nwindows++].count = (size_t)(sqlite3_column_int64(
		    st, 1) > 0 ? sqlite3_column_int64(st, 1) : 0);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE) {
		st = c->st[ST_FLEET_OLDEST];
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
	st = c->st[ST_TARGETS];
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

/* Sets meta key to value; no recovery (callers inside a transaction). */
static int
cache_meta_put(struct cache *c, const char *key, const char *value,
    char **err)
{
	sqlite3_stmt *st = c->st[ST_META_SET];

	cache_bind_str(st, 1, key);
	cache_bind_str(st, 2, value);
	return cache_step_done(c, st, "cannot store a setting", err);
}

/* Exceptions. */

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
	st = c->st[ST_INS_EXCEPTION];
	if (cache_begin(c, err) == -1)
		goto fail;
	cache_bind_str(c->st[ST_DEL_EXCEPTIONS], 1, source);
	if (cache_step_done(c, c->st[ST_DEL_EXCEPTIONS],
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
		st = c->st[ST_LOAD_EXCEPTIONS];
		cache_bind_str(st, 1, source);
	} else
		st = c->st[ST_LOAD_EXCEPTIONS_ALL];
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

void
cache_set_tag_keys(struct cache *c, const char *window_key,
    const char *owner_key)
{
	free(c->window_key);
	free(c->owner_key);
	c->window_key = xstrdup(window_key);
	c->owner_key = xstrdup(owner_key);
}

/* Meta. */

int
cache_meta_set(struct cache *c, const char *key, const char *value,
    char **err)
{
	if (cache_usable(c, err) == -1)
		return -1;
	if (cache_meta_put(c, key, value, err) == -1) {
		cache_recover(c, err);
		return -1;
	}
	return 0;
}

int
cache_meta_get(struct cache *c, const char *key, char **value, char **err)
{
	sqlite3_stmt *st;
	int rc;

	*value = NULL;
	if (cache_usable(c, err) == -1)
		return -1;
	st = c->st[ST_META_GET];
	cache_bind_str(st, 1, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*value = cache_col_str(c, st, 0);
	else if (rc != SQLITE_DONE) {
		cache_oom_check(c);
		cache_seterr(c, err, "cannot read a setting");
		sqlite3_reset(st);
		cache_recover(c, err);
		return -1;
	}
	sqlite3_reset(st);
	return 0;
}
