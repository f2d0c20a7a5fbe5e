/*
 * cache.c - see cache.h: opening (pragmas, migrations, the schema check),
 * damage and recovery, cache_check, the meta table, and the helpers the
 * other files of the cache share (cache_int.h).  The tables live with
 * the code that reads and writes them: targets.c, instances.c (rec.c for
 * the blobs), exceptions.c, runs.c.
 */
#include "cache/cache_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "util/util.h"

/* The page size of a new file (see cache_open_once). */
#define CACHE_PAGE_SIZE "65536"

/*
 * The meta table: settings and ages (exceptions:SOURCE) as key and
 * value.  Every TEXT column of every area is NOT NULL DEFAULT '' so
 * readers never meet NULL from our own writes.
 */
static const struct cache_step meta_steps[] = {
	{ 1,
	"CREATE TABLE meta ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL DEFAULT ''"
	") WITHOUT ROWID;" },
};

enum { META_SET, META_GET, META__COUNT };

static const struct cache_sql meta_sql[META__COUNT] = {
	[META_SET] = {
	    "INSERT INTO meta (key, value) VALUES (?1, ?2)"
	    " ON CONFLICT (key) DO UPDATE SET value = excluded.value", 0 },
	[META_GET] = {
	    "SELECT value FROM meta WHERE key = ?1", 0 },
};

const struct cache_area cache_area_meta = {
	"meta", meta_steps, CACHE_NELEM(meta_steps), meta_sql, META__COUNT
};

/* Every area (cache_int.h), in migration order. */
static const struct cache_area *const cache_areas[CACHE_NAREAS] = {
	[CACHE_AREA_META] = &cache_area_meta,
	[CACHE_AREA_TARGETS] = &cache_area_targets,
	[CACHE_AREA_INSTANCES] = &cache_area_instances,
	[CACHE_AREA_EXCEPTIONS] = &cache_area_exceptions,
	[CACHE_AREA_RUNS] = &cache_area_runs,
	[CACHE_AREA_PRECHECKS] = &cache_area_prechecks,
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
void
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

void
cache_oom_check(struct cache *c)
{
	if (sqlite3_errcode(c->db) == SQLITE_NOMEM)
		util_fatal("out of memory (sqlite)");
}

/* Runs sql that returns no rows we need. */
int
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

int
cache_begin(struct cache *c, char **err)
{
	return cache_exec(c, "BEGIN IMMEDIATE", "cannot start a transaction",
	    err);
}

int
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

void
cache_rollback(struct cache *c)
{
	size_t a, i;

	for (a = 0; a < CACHE_NAREAS; a++) {
		for (i = 0; i < cache_areas[a]->nsql; i++) {
			if (c->st[a][i] != NULL)
				sqlite3_reset(c->st[a][i]);
		}
	}
	if (!sqlite3_get_autocommit(c->db))
		(void)sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Binds s (NULL: "") as TEXT of exactly strlen(s) bytes, not copied: s
 * must live until the statement is stepped. */
int
cache_bind_str(sqlite3_stmt *st, int idx, const char *s)
{
	if (s == NULL)
		s = "";
	return sqlite3_bind_text(st, idx, s, (int)strlen(s), SQLITE_STATIC);
}

/* A copy of column idx, never NULL: exactly column_bytes bytes (a NUL
 * inside ends the C string early, harmlessly). */
char *
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
int
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

/* Finalizes every prepared statement. */
static void
cache_finalize_all(struct cache *c)
{
	size_t a, i;

	for (a = 0; a < CACHE_NAREAS; a++) {
		for (i = 0; i < CACHE_AREA_MAX_SQL; i++) {
			sqlite3_finalize(c->st[a][i]);
			c->st[a][i] = NULL;
		}
	}
	c->prepared = 0;
}

static void
cache_free(struct cache *c, int checkpoint)
{
	if (c == NULL)
		return;
	cache_finalize_all(c);
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

/*
 * The areas as cache_int.h requires them; a breach is a bug in this
 * build, caught at every open (every test opens a cache).  A few dozen
 * comparisons.
 */
static void
cache_areas_check(void)
{
	const struct cache_area *ar;
	int covered[CACHE_SCHEMA_VERSION + 1] = { 0 };
	size_t a, i;
	int v;

	for (a = 0; a < CACHE_NAREAS; a++) {
		ar = cache_areas[a];
		if (ar == NULL || ar->nsql > CACHE_AREA_MAX_SQL)
			util_fatal("cache: area %zu: missing, or more than "
			    "%d statements", a, CACHE_AREA_MAX_SQL);
		for (i = 0; i < ar->nsteps; i++) {
			if (ar->steps[i].to < 1 ||
			    ar->steps[i].to > CACHE_SCHEMA_VERSION)
				util_fatal("cache: area %s: a step to version "
				    "%d (CACHE_SCHEMA_VERSION is %d)",
				    ar->name, ar->steps[i].to,
				    CACHE_SCHEMA_VERSION);
			covered[ar->steps[i].to] = 1;
		}
		for (i = 0; i < ar->nsql; i++) {
			if (ar->sql[i].sql == NULL ||
			    ar->sql[i].since > CACHE_SCHEMA_VERSION)
				util_fatal("cache: area %s: statement %zu is "
				    "missing or since a version past %d",
				    ar->name, i, CACHE_SCHEMA_VERSION);
		}
	}
	for (v = 1; v <= CACHE_SCHEMA_VERSION; v++) {
		if (!covered[v])
			util_fatal("cache: no area has a step to version %d",
			    v);
	}
}

/* Runs every area's steps to version to, in area order.  Returns an
 * SQLite result code. */
static int
cache_migrate_to(struct cache *c, int to)
{
	const struct cache_area *ar;
	size_t a, i;
	int rc;

	for (a = 0; a < CACHE_NAREAS; a++) {
		ar = cache_areas[a];
		for (i = 0; i < ar->nsteps; i++) {
			if (ar->steps[i].to != to)
				continue;
			rc = sqlite3_exec(c->db, ar->steps[i].sql, NULL, NULL,
			    NULL);
			if (rc != SQLITE_OK)
				return rc;
		}
	}
	return SQLITE_OK;
}

/* Applies the migrations the file lacks.  Returns as cache_open_once. */
static enum open_result
cache_migrate(struct cache *c, char **why, char **err)
{
	long long version = 0;
	long long nobjects = 0;
	char *sql;
	int rc, to;

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
	for (to = (int)version + 1; to <= CACHE_SCHEMA_VERSION; to++) {
		rc = cache_migrate_to(c, to);
		if (rc != SQLITE_OK) {
			cache_oom_check(c);
			if (cache_is_corrupt_rc(rc) || (rc & 0xff) ==
			    SQLITE_ERROR) {
				/* SQLITE_ERROR: a table of that name exists
				 * already, so the schema is not what its
				 * version says. */
				*why = xasprintf("migration to version %d "
				    "failed: %s", to,
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

/*
 * Prepares every statement of every area that a file at schema version
 * `version` supports (0: all; older files are checked with the
 * statements they already support).  A table or column missing or
 * unreadable makes the file OPEN_CORRUPT.  Before a migration this is the
 * check of the old schema, run before anything writes.
 */
static enum open_result
cache_prepare_all(struct cache *c, int version, char **why, char **err)
{
	const struct cache_area *ar;
	size_t a, i;
	int rc;

	for (a = 0; a < CACHE_NAREAS; a++) {
		ar = cache_areas[a];
		for (i = 0; i < ar->nsql; i++) {
			if (version != 0 && ar->sql[i].since > version)
				continue;
			rc = sqlite3_prepare_v3(c->db, ar->sql[i].sql, -1,
			    SQLITE_PREPARE_PERSISTENT, &c->st[a][i], NULL);
			if (rc == SQLITE_OK)
				continue;
			cache_oom_check(c);
			if ((rc & 0xff) == SQLITE_ERROR ||
			    cache_is_corrupt_rc(rc)) {
				*why = xasprintf("its schema is not the "
				    "expected one: %s", sqlite3_errmsg(c->db));
				return OPEN_CORRUPT;
			}
			cache_seterr(c, err, "cannot prepare a statement");
			return OPEN_FAILED;
		}
	}
	c->prepared = version == 0 || version == CACHE_SCHEMA_VERSION;
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
	cache_areas_check();
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
		if (res == OPEN_OK && !c->prepared)
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
int
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
void
cache_recover(struct cache *c, char **err)
{
	struct cache *fresh = NULL;
	char *why = c->corrupt_why;
	char *why2 = NULL;
	char *e = NULL;
	char *dest;
	char *msg;

	if (why == NULL)
		return;
	c->corrupt_why = NULL;
	if (c->memory) {
		free(why);
		return;
	}
	cache_finalize_all(c);
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
		c->prepared = fresh->prepared;
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

/* Sets meta key to value; no recovery (callers inside a transaction). */
int
cache_meta_put(struct cache *c, const char *key, const char *value,
    char **err)
{
	sqlite3_stmt *st = CACHE_ST(c, CACHE_AREA_META, META_SET);

	cache_bind_str(st, 1, key);
	cache_bind_str(st, 2, value);
	return cache_step_done(c, st, "cannot store a setting", err);
}


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
	st = CACHE_ST(c, CACHE_AREA_META, META_GET);
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
