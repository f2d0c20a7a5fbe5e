/*
 * test_cache.c - the local cache: file mode, migrations, refusal of newer
 * files, corrupt files moved aside, byte-exact round trips of hostile
 * values, one target replaced without touching another, failures and
 * rollbacks that keep the previous rows, exceptions and meta.
 *
 * The test crafts broken and foreign databases with SQLite directly, so it
 * includes sqlite3.h; the code under test is still the only one in src/.
 *
 * PATCHDECK_CACHE_BENCH=1 runs the timing test at full size (replace of
 * 100,000 instances with 10 tags each, loads of 100,000 and 50,000, and
 * the peak RSS of a fresh process loading 100,000) and prints the
 * figures; by default it runs at a tenth of that and checks correctness.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cache/cache.h"
#include "fleet/instance.h"
#include "util/util.h"

static char *tmpdir;

/* Helpers. */

static int
setup_dir(void **state)
{
	char tmpl[] = "/tmp/test_cache.XXXXXX";

	(void)state;
	if (mkdtemp(tmpl) == NULL)
		return -1;
	tmpdir = xstrdup(tmpl);
	return 0;
}

/* Removes tmpdir and what it holds (the tests create no sub-folders
 * except through cache_default_path, which is cleaned by its test). */
static int
teardown_dir(void **state)
{
	DIR *d;
	struct dirent *de;
	char *p;

	(void)state;
	d = opendir(tmpdir);
	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			p = xasprintf("%s/%s", tmpdir, de->d_name);
			unlink(p);
			free(p);
		}
		closedir(d);
	}
	rmdir(tmpdir);
	free(tmpdir);
	tmpdir = NULL;
	return 0;
}

/* A fresh path in tmpdir (caller frees); nothing exists there yet. */
static char *
tmp_path(const char *name)
{
	static int seq;

	return xasprintf("%s/%d-%s", tmpdir, ++seq, name);
}

/* Number of entries in tmpdir whose name starts with prefix's basename. */
static int
count_files(const char *prefix)
{
	const char *base = strrchr(prefix, '/') + 1;
	DIR *d = opendir(tmpdir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, base, strlen(base)) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* The name of the one PATH.corrupt-* file (caller frees), or NULL. */
static char *
corrupt_file(const char *path)
{
	const char *base = strrchr(path, '/') + 1;
	char *want = xasprintf("%s.corrupt-", base);
	DIR *d = opendir(tmpdir);
	struct dirent *de;
	char *found = NULL;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, want, strlen(want)) == 0 &&
		    strstr(de->d_name + strlen(want), "-wal") == NULL &&
		    strstr(de->d_name + strlen(want), "-shm") == NULL) {
			assert_null(found);
			found = xasprintf("%s/%s", tmpdir, de->d_name);
		}
	}
	closedir(d);
	free(want);
	return found;
}

static void
write_file(const char *path, const void *p, size_t n, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static size_t
read_whole(const char *path, char **out)
{
	struct buf b;

	buf_init(&b);
	assert_int_equal(util_read_file(path, 1 << 30, &b), 0);
	*out = b.data;
	return b.len;
}

static mode_t
file_mode(const char *path)
{
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	return sb.st_mode & 07777;
}

static struct cache *
open_ok(const char *path)
{
	struct cache *c = NULL;
	char *notice = NULL;
	char *err = NULL;

	if (cache_open(path, &c, &notice, &err) == -1)
		fail_msg("cache_open: %s", err);
	if (notice != NULL)
		fail_msg("unexpected notice: %s", notice);
	assert_non_null(c);
	return c;
}

static struct cache *
open_mem(void)
{
	struct cache *c = NULL;
	char *err = NULL;

	if (cache_open_memory(&c, &err) == -1)
		fail_msg("cache_open_memory: %s", err);
	return c;
}

/* Runs sql on path with SQLite directly. */
static void
raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	sqlite3_close(db);
}

static long long
raw_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long v;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* An instance with every field distinct: tag 0 is gen=GEN. */
static void
make_instance(struct fleet_instance *in, const char *account, int i,
    int gen, size_t ntags)
{
	size_t k;

	memset(in, 0, sizeof *in);
	in->id = xasprintf("i-%017x", (unsigned)i);
	in->account = xstrdup(account);
	in->region = xstrdup("eu-west-1");
	in->name = xasprintf("web-%06d", i);	/* name order = i */
	in->state = xstrdup(i % 7 == 0 ? "stopped" : "running");
	in->type = xstrdup("t3.micro");
	in->platform = xstrdup(i % 5 == 0 ? "windows" : "linux");
	in->platform_name = xstrdup("Amazon Linux");
	in->platform_version = xstrdup("2023");
	in->private_ip = xasprintf("10.0.%d.%d", (i >> 8) & 255, i & 255);
	in->public_ip = xstrdup(i % 3 == 0 ? "" : "203.0.113.9");
	in->az = xstrdup("eu-west-1a");
	in->launch_time = xstrdup("2024-05-01T12:00:00.000Z");
	in->ping = xstrdup(i % 11 == 0 ? "ConnectionLost" : "Online");
	in->agent_version = xstrdup("3.3.40.0");
	in->last_ping = 1700000000LL + i;
	in->fetched_at = 0;
	in->ntags = ntags;
	in->tags = ntags ? xcalloc(ntags, sizeof *in->tags) : NULL;
	for (k = 0; k < ntags; k++) {
		if (k == 0) {
			in->tags[k].key = xstrdup("gen");
			in->tags[k].value = xasprintf("%d", gen);
		} else if (k == 1) {
			in->tags[k].key = xstrdup("PatchWindow");
			in->tags[k].value = xasprintf("sun-%02d00", i % 4);
		} else {
			in->tags[k].key = xasprintf("key-%zu", k);
			in->tags[k].value = xasprintf("value-%d-%zu", i, k);
		}
	}
}

static struct fleet_instance *
make_fleet(const char *account, size_t n, int gen, size_t ntags)
{
	struct fleet_instance *v = xcalloc(n ? n : 1, sizeof *v);
	size_t i;

	for (i = 0; i < n; i++)
		make_instance(&v[i], account, (int)i, gen, ntags);
	return v;
}

static void
assert_same_instance(const struct fleet_instance *a,
    const struct fleet_instance *b)
{
	size_t k;

#define SAME(f) do {							\
	assert_int_equal(strlen(a->f), strlen(b->f));			\
	assert_memory_equal(a->f, b->f, strlen(a->f));			\
} while (0)
	SAME(id);
	SAME(account);
	SAME(region);
	SAME(name);
	SAME(state);
	SAME(type);
	SAME(platform);
	SAME(platform_name);
	SAME(platform_version);
	SAME(private_ip);
	SAME(public_ip);
	SAME(az);
	SAME(launch_time);
	SAME(ping);
	SAME(agent_version);
	assert_int_equal(a->last_ping, b->last_ping);
	assert_int_equal(a->ntags, b->ntags);
	for (k = 0; k < a->ntags; k++) {
		SAME(tags[k].key);
		SAME(tags[k].value);
	}
#undef SAME
}

static void
replace_ok(struct cache *c, const char *target, const char *account,
    const struct fleet_instance *v, size_t n, long long when)
{
	char *err = NULL;

	if (cache_replace_target(c, target, account, "eu-west-1", v, n, when,
	    &err) == -1)
		fail_msg("cache_replace_target: %s", err);
}

static void
load_ok(struct cache *c, struct fleet_instance **v, size_t *n)
{
	char *err = NULL;

	if (cache_load_instances(c, v, n, &err) == -1)
		fail_msg("cache_load_instances: %s", err);
}

/* Instances of v whose account is account, counted. */
static size_t
count_account(const struct fleet_instance *v, size_t n, const char *account)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += strcmp(v[i].account, account) == 0;
	return k;
}

/*
 * Recs (format in cache.h), written here from the format, not by the code
 * under test: rec_str() appends a string (u32 length, bytes, NUL),
 * rec_build() one whole framed rec, rec_frame() frames what follows.
 */
static void
rec_u32(struct buf *b, size_t v)
{
	unsigned char p[4] = { (unsigned char)(v & 0xff),
	    (unsigned char)(v >> 8 & 0xff), (unsigned char)(v >> 16 & 0xff),
	    (unsigned char)(v >> 24 & 0xff) };

	buf_append(b, p, 4);
}

static void
rec_i64(struct buf *b, long long v)
{
	unsigned long long u = (unsigned long long)v;
	unsigned char p[8];
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(u >> (8 * i) & 0xff);
	buf_append(b, p, 8);
}

static void
rec_str(struct buf *b, const char *s, size_t len)
{
	rec_u32(b, len);
	buf_append(b, s, len);
	buf_putc(b, '\0');
}

/* Appends the rec of in, unframed. */
static void
rec_body(struct buf *b, const struct fleet_instance *in)
{
	const char *const f[15] = {
		in->id, in->account, in->region, in->name, in->state,
		in->type, in->platform, in->platform_name,
		in->platform_version, in->private_ip, in->public_ip, in->az,
		in->launch_time, in->ping, in->agent_version,
	};
	size_t i;

	for (i = 0; i < 15; i++)
		rec_str(b, f[i], strlen(f[i]));
	rec_i64(b, in->last_ping);
	rec_i64(b, in->fetched_at);
	rec_u32(b, in->ntags);
	for (i = 0; i < in->ntags; i++) {
		rec_str(b, in->tags[i].key, strlen(in->tags[i].key));
		rec_str(b, in->tags[i].value, strlen(in->tags[i].value));
	}
}

/* Appends p[0..len) framed as one rec. */
static void
rec_frame(struct buf *b, const void *p, size_t len)
{
	rec_u32(b, len);
	buf_append(b, p, len);
}

/* b = the framed rec of in (reset first). */
static void
rec_build(struct buf *b, const struct fleet_instance *in)
{
	struct buf body;

	buf_init(&body);
	rec_body(&body, in);
	buf_reset(b);
	rec_frame(b, body.data, body.len);
	buf_free(&body);
}

/* Sets target's recs blob to p[0..len) and its stored count, with SQLite
 * directly. */
static void
raw_set_recs(sqlite3 *db, const char *target, const void *p, size_t len,
    long long count)
{
	sqlite3_stmt *st = NULL;

	assert_int_equal(sqlite3_prepare_v2(db, "UPDATE fleet SET recs = ?1,"
	    " count = ?3 WHERE target = ?2", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_blob(st, 1, len ? p : "", (int)len, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, target, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, count);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	assert_int_equal(sqlite3_changes(db), 1);
	sqlite3_finalize(st);
}

/* Loads c expecting nskipped rows skipped (and the notice that says so,
 * or none). */
static void
load_skipping(struct cache *c, struct fleet_instance **v, size_t *n,
    size_t nskipped)
{
	char *notice;
	char *want;

	load_ok(c, v, n);
	notice = cache_take_notice(c);
	if (nskipped == 0) {
		if (notice != NULL)
			fail_msg("unexpected notice: %s", notice);
		return;
	}
	assert_non_null(notice);
	want = xasprintf(" %zu cached row%s unreadable and skipped; run "
	    "patchdeck sync", nskipped, nskipped == 1 ? " was" : "s were");
	if (strstr(notice, want) == NULL)
		fail_msg("notice %s: wanted %s", notice, want);
	free(want);
	free(notice);
	assert_null(cache_take_notice(c));
}

/* Tests. */

static void
test_memory_empty(void **state)
{
	struct cache *c = open_mem();
	struct fleet_instance *v;
	struct cache_target *t;
	size_t n;
	char *err = NULL;

	(void)state;
	load_ok(c, &v, &n);
	assert_int_equal(n, 0);
	cache_instances_free(v, n);
	assert_int_equal(cache_targets(c, 0, &t, &n, &err), 0);
	assert_int_equal(n, 0);
	cache_targets_free(t, n);
	cache_close(c);
	cache_close(NULL);
}

static void
test_migrate_and_reopen(void **state)
{
	char *path = tmp_path("cache.db");
	struct fleet_instance *v, *got;
	struct cache *c;
	size_t n;

	(void)state;
	c = open_ok(path);
	cache_close(c);
	assert_int_equal(raw_int(path, "PRAGMA user_version"),
	    CACHE_SCHEMA_VERSION);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM sqlite_master"
	    " WHERE type = 'table'"), 9);
	assert_int_equal(raw_int(path, "PRAGMA page_size"), 65536);
	{
		sqlite3 *db = NULL;
		sqlite3_stmt *st = NULL;

		assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(db,
		    "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_string_equal(sqlite3_column_text(st, 0), "wal");
		sqlite3_finalize(st);
		sqlite3_close(db);
	}

	/* Re-open: no migration, data kept, no notice. */
	c = open_ok(path);
	v = make_fleet("111111111111", 3, 1, 2);
	replace_ok(c, "prod", "111111111111", v, 3, 1000);
	cache_close(c);
	raw_exec(path, "CREATE TABLE canary (x)");
	c = open_ok(path);
	load_ok(c, &got, &n);
	assert_int_equal(n, 3);
	cache_instances_free(got, n);
	cache_close(c);
	/* Nothing was migrated or rebuilt: the extra table is still there. */
	assert_int_equal(raw_int(path, "SELECT count(*) FROM canary"), 0);
	assert_int_equal(raw_int(path, "PRAGMA user_version"),
	    CACHE_SCHEMA_VERSION);
	assert_int_equal(count_files(path), 1);
	cache_instances_free(v, 3);
	free(path);
}

static void
test_newer_version_refused(void **state)
{
	char *path = tmp_path("newer.db");
	struct cache *c = (struct cache *)1;
	char *notice = (char *)1;
	char *err = NULL;
	char *before, *after;
	size_t nb, na;

	(void)state;
	raw_exec(path, "CREATE TABLE future (x); INSERT INTO future VALUES (42);"
	    " PRAGMA user_version = 99");
	nb = read_whole(path, &before);
	assert_int_equal(cache_open(path, &c, &notice, &err), -1);
	assert_null(c);
	assert_null(notice);
	assert_non_null(err);
	assert_non_null(strstr(err, "newer"));
	assert_non_null(strstr(err, "99"));
	assert_non_null(strstr(err, path));
	free(err);
	/* Untouched: same bytes, nothing moved aside. */
	na = read_whole(path, &after);
	assert_int_equal(na, nb);
	assert_memory_equal(before, after, nb);
	assert_null(corrupt_file(path));
	assert_int_equal(raw_int(path, "SELECT x FROM future"), 42);
	free(before);
	free(after);
	free(path);
}

static void
test_file_mode(void **state)
{
	char *path = tmp_path("mode.db");
	char *wal;
	struct cache *c;
	struct fleet_instance *v;
	mode_t old;

	(void)state;
	/* A permissive umask must not matter. */
	old = umask(0);
	c = open_ok(path);
	v = make_fleet("111111111111", 2, 1, 1);
	replace_ok(c, "t", "111111111111", v, 2, 1);
	wal = xasprintf("%s-wal", path);
	assert_int_equal(file_mode(path), 0600);
	assert_int_equal(file_mode(wal), 0600);
	cache_close(c);
	umask(old);

	/* A 0644 cache is fixed. */
	assert_int_equal(chmod(path, 0644), 0);
	c = open_ok(path);
	assert_int_equal(file_mode(path), 0600);
	cache_close(c);

	/* So is a 0644 file from before the cache existed (empty file). */
	free(path);
	path = tmp_path("mode2.db");
	write_file(path, "", 0, 0644);
	c = open_ok(path);
	assert_int_equal(file_mode(path), 0600);
	cache_close(c);
	cache_instances_free(v, 2);
	free(wal);
	free(path);
}

static void
test_roundtrip_hostile(void **state)
{
	struct cache *c = open_mem();
	struct fleet_instance v[3], *got;
	char *big;
	size_t n, i;

	(void)state;
	make_instance(&v[0], "111111111111", 1, 1, 3);
	make_instance(&v[1], "111111111111", 2, 1, 0);
	make_instance(&v[2], "111111111111", 3, 1, 4);
	/* ESC sequences, bidi override, invalid UTF-8, controls. */
	free(v[0].name);
	v[0].name = xstrdup("\x1b]0;pwned\x07\x1b[2J\x1b[31mred");
	free(v[0].tags[1].value);
	v[0].tags[1].value = xstrdup("abc\xe2\x80\xae" "fdp.exe");
	free(v[0].tags[2].key);
	v[0].tags[2].key = xstrdup("\xff\xfe\xc3\x28\xa0\xa1");
	free(v[0].tags[2].value);
	v[0].tags[2].value = xstrdup("\x01\x02\r\n\t\x7f\xc2\x9b" "1m");
	free(v[0].platform_name);
	v[0].platform_name = xstrdup("'); DROP TABLE instances; --");
	free(v[0].public_ip);
	v[0].public_ip = xstrdup("");
	/* 10 KB values, key and value. */
	big = xmalloc(10241);
	for (i = 0; i < 10240; i++)
		big[i] = (char)(1 + (i * 7) % 255);
	big[10240] = '\0';
	free(v[2].tags[3].value);
	v[2].tags[3].value = xstrdup(big);
	free(v[2].tags[3].key);
	v[2].tags[3].key = big;
	/* Duplicate tag keys are stored as given, in order. */
	free(v[2].tags[2].key);
	v[2].tags[2].key = xstrdup("key-1");
	v[1].fetched_at = 777;
	v[2].last_ping = -5;

	replace_ok(c, "prod", "111111111111", v, 3, 1234);
	load_ok(c, &got, &n);
	assert_int_equal(n, 3);
	for (i = 0; i < 3; i++)
		assert_same_instance(&got[i], &v[i]);
	/* fetched_at: the row's own when set, else the replace's. */
	assert_int_equal(got[0].fetched_at, 1234);
	assert_int_equal(got[1].fetched_at, 777);
	assert_int_equal(got[2].fetched_at, 1234);
	assert_null(got[1].tags);
	cache_instances_free(got, n);
	for (i = 0; i < 3; i++)
		fleet_instance_done(&v[i]);
	cache_close(c);
}

/* NULL strings in the input are stored as "" (instance.h says never
 * NULL, but a bug upstream must not crash the cache). */
static void
test_null_fields(void **state)
{
	struct cache *c = open_mem();
	struct fleet_instance in, *got;
	struct fleet_tag tag = { NULL, NULL };
	size_t n;

	(void)state;
	memset(&in, 0, sizeof in);
	in.tags = &tag;
	in.ntags = 1;
	replace_ok(c, "t", NULL, &in, 1, 5);
	load_ok(c, &got, &n);
	assert_int_equal(n, 1);
	assert_string_equal(got[0].id, "");
	assert_string_equal(got[0].agent_version, "");
	assert_int_equal(got[0].ntags, 1);
	assert_string_equal(got[0].tags[0].key, "");
	cache_instances_free(got, n);
	cache_close(c);
}

/* An empty rec (every string "", no tags), unframed, into b. */
static void
rec_empty(struct buf *b)
{
	size_t i;

	for (i = 0; i < 15; i++)
		rec_str(b, "", 0);
	rec_i64(b, 0);
	rec_i64(b, 0);
	rec_u32(b, 0);
}

/*
 * Sets target t's recs to the rec p[0..len) framed, then v1's rec; loads
 * and checks that the first is skipped (and counted) or not, and that v1
 * loads either way.
 */
static void
check_rec(const char *path, const void *p, size_t len,
    const struct fleet_instance *v1, int valid)
{
	struct fleet_instance *got;
	struct buf blob, one;
	struct cache *c;
	sqlite3 *db = NULL;
	size_t n;

	buf_init(&blob);
	buf_init(&one);
	rec_frame(&blob, p, len);
	rec_build(&one, v1);
	buf_append(&blob, one.data, one.len);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	raw_set_recs(db, "t", blob.data, blob.len, 2);
	sqlite3_close(db);
	c = open_ok(path);
	load_skipping(c, &got, &n, valid ? 0 : 1);
	assert_int_equal(n, valid ? 2 : 1);
	assert_same_instance(&got[n - 1], v1);
	cache_instances_free(got, n);
	cache_close(c);
	buf_free(&blob);
	buf_free(&one);
}

/* A value holding a NUL (written by something else) reads back cut at
 * the NUL; a rec that breaks the format is skipped and counted, the next
 * one loads; nothing crashes. */
static void
test_nul_in_stored_value(void **state)
{
	char *path = tmp_path("nul.db");
	struct cache *c;
	struct fleet_instance *v, *got;
	struct buf rec, want;
	sqlite3 *db = NULL;
	size_t n, i;

	(void)state;
	c = open_ok(path);
	v = make_fleet("111111111111", 2, 1, 2);
	replace_ok(c, "t", "111111111111", v, 2, 1);
	cache_close(c);
	/* The recs we write are the ones the cache wrote. */
	buf_init(&rec);
	buf_init(&want);
	for (i = 0; i < 2; i++) {
		v[i].fetched_at = 1;
		rec_build(&rec, &v[i]);
		buf_append(&want, rec.data, rec.len);
		v[i].fetched_at = 0;
	}
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	{
		sqlite3_stmt *st = NULL;

		assert_int_equal(sqlite3_prepare_v2(db, "SELECT recs, count"
		    " FROM fleet WHERE target = 't'", -1, &st, NULL),
		    SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_int_equal(sqlite3_column_bytes(st, 0), (int)want.len);
		assert_memory_equal(sqlite3_column_blob(st, 0), want.data,
		    want.len);
		assert_int_equal(sqlite3_column_int64(st, 1), 2);
		sqlite3_finalize(st);
	}

	/* name = "A\0B", tag k = "a\0b", k2 = U+1F600 "\n". */
	buf_reset(&rec);
	{
		const char *const f[15] = { v[0].id, v[0].account,
		    v[0].region, "A\0B", "running", "", "", "", "", "", "", "",
		    "", "", "3.0" };

		for (i = 0; i < 15; i++)
			rec_str(&rec, f[i], i == 3 ? 3 : strlen(f[i]));
	}
	rec_i64(&rec, -7);
	rec_i64(&rec, 99);
	rec_u32(&rec, 2);
	rec_str(&rec, "k", 1);
	rec_str(&rec, "a\0b", 3);
	rec_str(&rec, "k2", 2);
	rec_str(&rec, "\xf0\x9f\x98\x80\n", 5);
	buf_reset(&want);
	rec_frame(&want, rec.data, rec.len);
	rec_build(&rec, &v[1]);
	buf_append(&want, rec.data, rec.len);
	raw_set_recs(db, "t", want.data, want.len, 2);
	sqlite3_close(db);
	c = open_ok(path);
	load_skipping(c, &got, &n, 0);
	assert_int_equal(n, 2);
	assert_int_equal(got[0].ntags, 2);
	assert_string_equal(got[0].tags[0].key, "k");
	assert_string_equal(got[0].tags[0].value, "a");
	assert_string_equal(got[0].tags[1].key, "k2");
	assert_string_equal(got[0].tags[1].value, "\xf0\x9f\x98\x80\n");
	assert_string_equal(got[0].name, "A");
	assert_string_equal(got[0].agent_version, "3.0");
	assert_string_equal(got[0].type, "");
	assert_int_equal(got[0].last_ping, -7);
	assert_int_equal(got[0].fetched_at, 99);
	assert_same_instance(&got[1], &v[1]);
	cache_instances_free(got, n);
	cache_close(c);

	/* Sanity: an empty rec is a valid empty instance, and a 65536-byte
	 * id is within the limit. */
	buf_reset(&rec);
	rec_empty(&rec);
	check_rec(path, rec.data, rec.len, &v[1], 1);
	{
		char *id = xcalloc(1, 65537);

		memset(id, 'i', 65536);
		buf_reset(&rec);
		rec_str(&rec, id, 65536);
		for (i = 1; i < 15; i++)
			rec_str(&rec, "", 0);
		rec_i64(&rec, 0);
		rec_i64(&rec, 0);
		rec_u32(&rec, 0);
		check_rec(path, rec.data, rec.len, &v[1], 1);

		/* One byte more is over it. */
		buf_reset(&rec);
		id = xrealloc(id, 65538);
		id[65536] = 'i';
		id[65537] = '\0';
		rec_str(&rec, id, 65537);
		for (i = 1; i < 15; i++)
			rec_str(&rec, "", 0);
		rec_i64(&rec, 0);
		rec_i64(&rec, 0);
		rec_u32(&rec, 0);
		check_rec(path, rec.data, rec.len, &v[1], 0);
		free(id);
	}

	/* Not a rec of ours: old JSON text, empty, cut short, bytes left
	 * over, a length past the end or a limit, a string without its
	 * NUL.  Each is skipped and counted; the next rec loads. */
	check_rec(path, "{\"a\":\"1\",\"b\":\"2\"}", 17, &v[1], 0);
	check_rec(path, "", 0, &v[1], 0);
	check_rec(path, "\x02\x00\x00", 3, &v[1], 0);
	buf_reset(&rec);
	rec_empty(&rec);
	check_rec(path, rec.data, rec.len - 4, &v[1], 0);	/* no count */
	buf_putc(&rec, 'x');
	check_rec(path, rec.data, rec.len, &v[1], 0);		/* left over */
	buf_reset(&rec);
	rec_empty(&rec);
	rec.data[rec.len - 4] = (char)0xe9;			/* 1001 tags */
	rec.data[rec.len - 3] = 0x03;
	check_rec(path, rec.data, rec.len, &v[1], 0);
	rec.data[rec.len - 4] = 1;				/* 1 tag, */
	rec.data[rec.len - 3] = 0;
	rec_u32(&rec, 0xffffffff);				/* key too long */
	check_rec(path, rec.data, rec.len, &v[1], 0);
	rec.len -= 4;
	rec_str(&rec, "k", 1);
	rec_u32(&rec, 2);					/* value cut */
	buf_append(&rec, "a", 1);
	check_rec(path, rec.data, rec.len, &v[1], 0);
	buf_reset(&rec);
	rec_u32(&rec, 0xffffffff);				/* id length */
	check_rec(path, rec.data, rec.len, &v[1], 0);
	buf_reset(&rec);
	rec_empty(&rec);
	rec.data[4] = 'x';					/* id's NUL */
	check_rec(path, rec.data, rec.len, &v[1], 0);

	buf_free(&rec);
	buf_free(&want);
	cache_instances_free(v, 2);
	free(path);
}

/*
 * The frames around the recs: a blob cut anywhere loads the whole recs
 * before the cut, and counts the rest as unreadable (from the stored
 * count, at least one); a frame longer than the blob ends the walk the
 * same way.
 */
static void
test_recs_cut(void **state)
{
	char *path = tmp_path("cut.db");
	struct fleet_instance *v, *got;
	struct buf blob, one;
	size_t ends[4], n, cut, whole, k;
	struct cache *c;
	sqlite3 *db = NULL;

	(void)state;
	c = open_ok(path);
	v = make_fleet("111111111111", 3, 1, 2);
	replace_ok(c, "t", "111111111111", v, 3, 1);
	cache_close(c);
	buf_init(&blob);
	buf_init(&one);
	ends[0] = 0;
	for (k = 0; k < 3; k++) {
		rec_build(&one, &v[k]);
		buf_append(&blob, one.data, one.len);
		ends[k + 1] = blob.len;
	}
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	for (cut = 0; cut <= blob.len; cut++) {
		raw_set_recs(db, "t", blob.data, cut, 3);
		for (whole = 0; whole < 3 && ends[whole + 1] <= cut; whole++)
			;
		c = open_ok(path);
		load_skipping(c, &got, &n, cut == ends[whole] ? 0 :
		    3 - whole);
		assert_int_equal(n, whole);
		for (k = 0; k < n; k++)
			assert_same_instance(&got[k], &v[k]);
		cache_instances_free(got, n);
		cache_close(c);
	}
	/* A lying count: at least one is said to be lost. */
	raw_set_recs(db, "t", blob.data, ends[1] + 5, 0);
	c = open_ok(path);
	load_skipping(c, &got, &n, 1);
	assert_int_equal(n, 1);
	cache_instances_free(got, n);
	cache_close(c);
	/* The second frame says more than the blob holds. */
	memset(blob.data + ends[1], 0x7f, 4);
	raw_set_recs(db, "t", blob.data, blob.len, 3);
	c = open_ok(path);
	load_skipping(c, &got, &n, 2);
	assert_int_equal(n, 1);
	assert_same_instance(&got[0], &v[0]);
	cache_instances_free(got, n);
	cache_close(c);
	sqlite3_close(db);
	buf_free(&blob);
	buf_free(&one);
	cache_instances_free(v, 3);
	free(path);
}

/*
 * The 103-byte blob: one smallest rec (99 bytes framed) and an empty
 * frame after it.  The blob has room for one instance; the damaged frame
 * is a counted, skipped row, never a write past that one (ASan: a heap
 * overflow; the release build aborted in malloc).  Many such frames, and
 * the same through cache_recs_parse(), likewise.
 */
static void
test_recs_tail_frames(void **state)
{
	char *path = tmp_path("tail.db");
	struct fleet_instance *got, in;
	struct buf blob, rec;
	struct cache *c;
	sqlite3 *db = NULL;
	size_t n, skipped, k;

	(void)state;
	c = open_ok(path);
	memset(&in, 0, sizeof in);
	in.id = "i-1";
	replace_ok(c, "t", "111111111111", &in, 1, 1);
	cache_close(c);
	buf_init(&blob);
	buf_init(&rec);
	rec_empty(&rec);
	rec_frame(&blob, rec.data, rec.len);
	rec_u32(&blob, 0);
	assert_int_equal(blob.len, 103);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	raw_set_recs(db, "t", blob.data, blob.len, 2);
	c = open_ok(path);
	load_skipping(c, &got, &n, 1);
	assert_int_equal(n, 1);
	assert_string_equal(got[0].id, "");
	cache_instances_free(got, n);
	cache_close(c);

	skipped = 0;
	cache_recs_parse(blob.data, blob.len, 2, &got, &n, &skipped);
	assert_int_equal(n, 1);
	assert_int_equal(skipped, 1);
	cache_instances_free(got, n);

	/* Thirty empty frames behind it: thirty skipped. */
	for (k = 0; k < 29; k++)
		rec_u32(&blob, 0);
	raw_set_recs(db, "t", blob.data, blob.len, 31);
	c = open_ok(path);
	load_skipping(c, &got, &n, 30);
	assert_int_equal(n, 1);
	cache_instances_free(got, n);
	cache_close(c);
	skipped = 0;
	cache_recs_parse(blob.data, blob.len, 31, &got, &n, &skipped);
	assert_int_equal(n, 1);
	assert_int_equal(skipped, 30);
	cache_instances_free(got, n);
	/* Nothing at all, and frames only. */
	skipped = 0;
	cache_recs_parse("", 0, 0, &got, &n, &skipped);
	assert_null(got);
	assert_int_equal(n + skipped, 0);
	cache_recs_parse(blob.data + 103, blob.len - 103, 29, &got, &n,
	    &skipped);
	assert_null(got);
	assert_int_equal(skipped, 29);

	sqlite3_close(db);
	buf_free(&blob);
	buf_free(&rec);
	free(path);
}

/* cache_rec_encode() and cache_recs_parse() agree: a round trip. */
static void
test_rec_codec_round_trip(void **state)
{
	struct fleet_tag tags[2] = { { "Name", "web" }, { "k", "" } };
	struct fleet_instance in, *got;
	struct buf b;
	char *err = NULL;
	size_t n, skipped = 0;

	(void)state;
	memset(&in, 0, sizeof in);
	in.id = "i-2";
	in.region = "eu-west-1";
	in.last_ping = -5;
	in.tags = tags;
	in.ntags = 2;
	buf_init(&b);
	assert_int_equal(cache_rec_encode(&b, &in, 1234, &err), 0);
	assert_int_equal(cache_rec_encode(&b, &in, 99, &err), 0);
	cache_recs_parse(b.data, b.len, 2, &got, &n, &skipped);
	assert_int_equal(n, 2);
	assert_int_equal(skipped, 0);
	assert_string_equal(got[1].id, "i-2");
	assert_string_equal(got[1].region, "eu-west-1");
	assert_int_equal(got[0].fetched_at, 1234);
	assert_int_equal(got[1].last_ping, -5);
	assert_int_equal(got[1].ntags, 2);
	assert_string_equal(got[1].tags[0].value, "web");
	cache_instances_free(got, n);
	in.ntags = CACHE_TAGS_MAX + 1;
	assert_int_equal(cache_rec_encode(&b, &in, 1, &err), -1);
	assert_non_null(strstr(err, "i-2"));
	free(err);
	buf_free(&b);
}

/* Every cut and many single-byte changes of a valid rec: each row loads
 * as a valid rec or is skipped (and counted), never reading past the
 * column (ASan). */
static void
test_rec_mutations(void **state)
{
	static const unsigned char vals[] = { 0, 1, 3, 0x7f, 0x80, 0xff };
	char *path = tmp_path("mut.db");
	struct cache *c;
	struct fleet_instance *v, *got, in;
	struct fleet_tag tags[3] = {
		{ "a", "xy" }, { "", "" }, { "kk", "\xff" },
	};
	struct buf good, recs;
	unsigned char *blob;
	sqlite3 *db = NULL;
	size_t n, i, j, row, nrows, total, len, ok;
	char *notice;

	(void)state;
	memset(&in, 0, sizeof in);
	in.id = "i-1";
	in.account = "1";
	in.region = "r";
	in.name = "nm";
	in.state = in.type = in.platform = in.platform_name = "";
	in.platform_version = in.private_ip = in.public_ip = in.az = "";
	in.launch_time = in.ping = in.agent_version = "";
	in.state = "s";
	in.az = "z";
	in.last_ping = 0x0102030405060708LL;
	in.fetched_at = -2;
	in.tags = tags;
	in.ntags = 3;
	buf_init(&good);
	buf_init(&recs);
	rec_body(&good, &in);
	total = good.len;		/* every string byte is counted here */
	blob = xmalloc(good.len + 1);

	/* Recs, each in a frame of its own length: every cut (0 .. len -
	 * 1), the whole rec, the rec with a byte more, then each byte set
	 * to each of vals. */
	nrows = good.len + 2 + good.len * sizeof vals;
	c = open_ok(path);
	v = make_fleet("111111111111", 1, 1, 1);
	replace_ok(c, "t", "111111111111", v, 1, 1);
	cache_close(c);
	row = 0;
	for (i = 0; i < good.len; i++, row++)
		rec_frame(&recs, good.data, i);
	rec_frame(&recs, good.data, good.len);
	row++;
	memcpy(blob, good.data, good.len);
	blob[good.len] = 0;
	rec_frame(&recs, blob, good.len + 1);
	row++;
	for (i = 0; i < good.len; i++) {
		for (j = 0; j < sizeof vals; j++, row++) {
			memcpy(blob, good.data, good.len);
			blob[i] = vals[j];
			rec_frame(&recs, blob, good.len);
		}
	}
	assert_int_equal(row, nrows);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	raw_set_recs(db, "t", recs.data, recs.len, (long long)nrows);
	sqlite3_close(db);
	buf_free(&recs);

	c = open_ok(path);
	load_ok(c, &got, &n);
	/* The cuts and the longer one are all skipped; the whole one is
	 * the first row loaded. */
	assert_true(n >= 1 && n <= nrows - good.len - 1);
	notice = cache_take_notice(c);
	assert_non_null(notice);
	{
		char *want = xasprintf(" %zu cached rows were unreadable",
		    nrows - n);

		if (strstr(notice, want) == NULL)
			fail_msg("notice %s: wanted %s", notice, want);
		free(want);
	}
	free(notice);
	assert_string_equal(got[0].id, "i-1");
	assert_string_equal(got[0].name, "nm");
	assert_string_equal(got[0].state, "s");
	assert_string_equal(got[0].az, "z");
	assert_string_equal(got[0].type, "");
	assert_int_equal(got[0].last_ping, 0x0102030405060708LL);
	assert_int_equal(got[0].fetched_at, -2);
	assert_int_equal(got[0].ntags, 3);
	assert_string_equal(got[0].tags[0].key, "a");
	assert_string_equal(got[0].tags[0].value, "xy");
	assert_string_equal(got[0].tags[1].key, "");
	assert_string_equal(got[0].tags[1].value, "");
	assert_string_equal(got[0].tags[2].key, "kk");
	assert_string_equal(got[0].tags[2].value, "\xff");
	/* What loads stays inside the rec. */
	ok = 0;
	for (i = 0; i < n; i++) {
		const char *const f[15] = { got[i].id, got[i].account,
		    got[i].region, got[i].name, got[i].state, got[i].type,
		    got[i].platform, got[i].platform_name,
		    got[i].platform_version, got[i].private_ip,
		    got[i].public_ip, got[i].az, got[i].launch_time,
		    got[i].ping, got[i].agent_version };

		len = 0;
		for (j = 0; j < 15; j++)
			len += strlen(f[j]);
		assert_true(got[i].ntags <= 3);
		for (j = 0; j < got[i].ntags; j++)
			len += strlen(got[i].tags[j].key) +
			    strlen(got[i].tags[j].value);
		assert_true(len < total);
		ok += got[i].ntags == 3 && strcmp(got[i].name, "nm") == 0;
	}
	/* Changing a string's content or an i64 keeps the rec valid. */
	assert_true(ok > 1);
	cache_instances_free(got, n);
	cache_close(c);
	cache_instances_free(v, 1);
	buf_free(&good);
	free(blob);
	free(path);
}

/*
 * A file of an older version, made by turning a new one back with
 * old_sql (which sets user_version) and giving it 4 KB pages: its
 * instances are dropped, the targets kept with last_ok 0 (shown as never
 * synced), inside the migration transaction; it is rewritten with large
 * pages, in WAL again, and the next sync refills it.
 */
static void
check_migration(const char *name, const char *old_sql)
{
	char *path = tmp_path(name);
	struct cache *c;
	struct cache_target *t;
	struct fleet_instance *v, *got;
	size_t n, nt;
	char *err = NULL;

	c = open_ok(path);
	v = make_fleet("111111111111", 3, 1, 2);
	replace_ok(c, "prod", "111111111111", v, 3, 1000);
	cache_close(c);
	raw_exec(path, old_sql);
	raw_exec(path, "PRAGMA journal_mode = DELETE; PRAGMA page_size = 4096;"
	    " VACUUM; PRAGMA journal_mode = WAL");
	assert_int_equal(raw_int(path, "PRAGMA page_size"), 4096);
	c = open_ok(path);
	assert_int_equal(raw_int(path, "PRAGMA user_version"),
	    CACHE_SCHEMA_VERSION);
	load_skipping(c, &got, &n, 0);
	assert_int_equal(n, 0);
	cache_instances_free(got, n);
	assert_int_equal(cache_targets(c, 5000, &t, &nt, &err), 0);
	assert_int_equal(nt, 1);
	assert_string_equal(t[0].name, "prod");
	assert_int_equal(t[0].last_ok, 0);
	assert_int_equal(t[0].last_attempt, 1000);
	assert_int_equal(t[0].age, -1);
	assert_int_equal(t[0].ninstances, 0);
	cache_targets_free(t, nt);
	replace_ok(c, "prod", "111111111111", v, 3, 2000);
	load_skipping(c, &got, &n, 0);
	assert_int_equal(n, 3);
	assert_same_instance(&got[2], &v[2]);
	cache_instances_free(got, n);
	cache_close(c);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM pragma_table_info"
	    "('instances') WHERE name IN ('tags', 'type', 'az', 'rec')"), 0);
	assert_int_equal(raw_int(path, "PRAGMA page_size"), 65536);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM"
	    " pragma_journal_mode WHERE journal_mode = 'wal'"), 1);
	cache_instances_free(v, 3);
	free(path);
}

/* Version 1: a column per field, tags in a blob. */
static void
test_migrate_from_v1(void **state)
{
	(void)state;
	check_migration("v1.db",
	    "DROP TABLE instances; DROP TABLE fleet; DROP TABLE fleet_windows;"
	    "DROP TABLE prechecks;"
	    "CREATE TABLE instances ("
	    "  row INTEGER PRIMARY KEY,"
	    "  target TEXT NOT NULL REFERENCES targets(name) ON DELETE CASCADE,"
	    "  account TEXT NOT NULL DEFAULT '', region TEXT NOT NULL DEFAULT '',"
	    "  id TEXT NOT NULL DEFAULT '', name TEXT NOT NULL DEFAULT '',"
	    "  state TEXT NOT NULL DEFAULT '', type TEXT NOT NULL DEFAULT '',"
	    "  platform TEXT NOT NULL DEFAULT '',"
	    "  platform_name TEXT NOT NULL DEFAULT '',"
	    "  platform_version TEXT NOT NULL DEFAULT '',"
	    "  private_ip TEXT NOT NULL DEFAULT '',"
	    "  public_ip TEXT NOT NULL DEFAULT '', az TEXT NOT NULL DEFAULT '',"
	    "  launch_time TEXT NOT NULL DEFAULT '',"
	    "  ping TEXT NOT NULL DEFAULT '',"
	    "  agent_version TEXT NOT NULL DEFAULT '',"
	    "  last_ping INTEGER NOT NULL DEFAULT 0,"
	    "  fetched_at INTEGER NOT NULL DEFAULT 0,"
	    "  tags BLOB NOT NULL DEFAULT x'00000000',"
	    "  window_tag TEXT NOT NULL DEFAULT '',"
	    "  owner_tag TEXT NOT NULL DEFAULT '',"
	    "  UNIQUE (id, account, region, target));"
	    "CREATE INDEX instances_target ON instances(target);"
	    "CREATE INDEX instances_state ON instances(state);"
	    "CREATE INDEX instances_ping ON instances(ping);"
	    "CREATE INDEX instances_window ON instances(window_tag);"
	    "CREATE INDEX instances_owner ON instances(owner_tag);"
	    "INSERT INTO instances (target, id) VALUES ('prod', 'i-old');"
	    "PRAGMA user_version = 1");
}

/* Version 2: a rec per row. */
static void
test_migrate_from_v2(void **state)
{
	(void)state;
	check_migration("v2.db",
	    "DROP TABLE instances; DROP TABLE fleet; DROP TABLE fleet_windows;"
	    "DROP TABLE prechecks;"
	    "CREATE TABLE instances ("
	    "  row INTEGER PRIMARY KEY,"
	    "  target TEXT NOT NULL REFERENCES targets(name) ON DELETE CASCADE,"
	    "  account TEXT NOT NULL DEFAULT '', region TEXT NOT NULL DEFAULT '',"
	    "  id TEXT NOT NULL DEFAULT '', name TEXT NOT NULL DEFAULT '',"
	    "  state TEXT NOT NULL DEFAULT '', ping TEXT NOT NULL DEFAULT '',"
	    "  window_tag TEXT NOT NULL DEFAULT '',"
	    "  owner_tag TEXT NOT NULL DEFAULT '',"
	    "  fetched_at INTEGER NOT NULL DEFAULT 0,"
	    "  rec BLOB NOT NULL,"
	    "  UNIQUE (id, account, region, target));"
	    "CREATE INDEX instances_target ON instances(target);"
	    "CREATE INDEX instances_state ON instances(state);"
	    "CREATE INDEX instances_ping ON instances(ping);"
	    "CREATE INDEX instances_window ON instances(window_tag);"
	    "CREATE INDEX instances_owner ON instances(owner_tag);"
	    "INSERT INTO instances (target, id, rec) VALUES ('prod', 'i-old',"
	    " x'00');"
	    "PRAGMA user_version = 2");
}

static int
cmp_instance(const void *a, const void *b)
{
	return fleet_instance_cmp_name(a, b);
}

/*
 * Three targets whose names interleave (instance i in target i % 3),
 * nper each, with ntags tags (tag 1 the window: i % 4 of four windows,
 * and none for i % 5 == 0); *all gets them all in name order.
 */
static void
fill_three(struct cache *c, size_t nper, size_t ntags,
    struct fleet_instance **all)
{
	static const char *const accounts[] = { "111111111111",
	    "222222222222", "333333333333" };
	struct fleet_instance *v, *out;
	size_t t, k, i;
	char name[16];

	out = xcalloc(3 * nper, sizeof *out);
	for (t = 0; t < 3; t++) {
		v = xcalloc(nper ? nper : 1, sizeof *v);
		for (k = 0; k < nper; k++) {
			i = 3 * k + t;
			make_instance(&v[k], accounts[t], (int)i, 1, ntags);
			if (i % 5 == 0 && ntags > 1) {
				free(v[k].tags[1].key);
				v[k].tags[1].key = xstrdup("NotTheWindow");
			}
			fleet_instance_copy(&out[i], &v[k]);
		}
		snprintf(name, sizeof name, "t%zu", t);
		replace_ok(c, name, accounts[t], v, nper, 100 + (long long)t);
		cache_instances_free(v, nper);
	}
	*all = out;
}

/* The count of instances with window value w in v (w "" : none). */
static size_t
count_window(const struct fleet_instance *v, size_t n, const char *w)
{
	size_t i, k = 0;
	const char *got;

	for (i = 0; i < n; i++) {
		got = fleet_instance_tag(&v[i], "PatchWindow");
		if (strcmp(got != NULL ? got : "", w) == 0)
			k++;
	}
	return k;
}

static void
check_head(struct cache *c, const struct fleet_instance *all, size_t n,
    size_t max)
{
	struct cache_head h;
	char *err = NULL;
	size_t i, sum = 0;

	if (cache_load_head(c, max, &h, &err) == -1)
		fail_msg("cache_load_head: %s", err);
	assert_int_equal(h.total, n);
	assert_int_equal(h.n, max < n ? max : n);
	for (i = 0; i < h.n; i++)
		assert_same_instance(&h.v[i], &all[i]);
	for (i = 0; i < h.nwindows; i++) {
		assert_int_equal(h.windows[i].count, count_window(all, n,
		    h.windows[i].window_tag));
		sum += h.windows[i].count;
	}
	assert_int_equal(sum, n);
	assert_int_equal(h.oldest, n > 0 ? 100 : 0);
	cache_head_done(&h);
}

/*
 * The first frame's read: the first rows of the whole fleet in name
 * order across targets (a merge, read a chunk at a time: 400 instances
 * a target are several chunks), the total and the instances per window,
 * each equal to what the whole load gives; after a replace and a drop
 * too.
 */
static void
test_head(void **state)
{
	char *path = tmp_path("head.db");
	static const size_t maxes[] = { 0, 1, 2, 7, 100, 399, 1200, 1201,
	    5000 };
	struct fleet_instance *all, *got, *v;
	struct cache *c;
	size_t i, n;
	char *err = NULL;

	(void)state;
	c = open_ok(path);
	check_head(c, NULL, 0, 10);
	fill_three(c, 400, 6, &all);
	load_ok(c, &got, &n);
	assert_int_equal(n, 1200);
	cache_instances_free(got, n);
	for (i = 0; i < sizeof maxes / sizeof maxes[0]; i++)
		check_head(c, all, 1200, maxes[i]);
	cache_instances_free(all, 1200);

	/* t1 replaced by fewer rows, all in one window; t2 dropped. */
	v = make_fleet("222222222222", 5, 2, 2);
	for (i = 0; i < 5; i++) {
		free(v[i].tags[1].value);
		v[i].tags[1].value = xstrdup("only");
	}
	replace_ok(c, "t1", "222222222222", v, 5, 100);
	assert_int_equal(cache_drop_target(c, "t2", &err), 0);
	load_ok(c, &got, &n);
	assert_int_equal(n, 405);
	qsort(got, n, sizeof *got, cmp_instance);
	check_head(c, got, n, 50);
	check_head(c, got, n, 405);
	cache_instances_free(got, n);
	cache_instances_free(v, 5);
	cache_close(c);
	free(path);
}

/* A damaged blob costs the head its rows, never a crash or a wrong
 * row: every row it gives is one of the fleet's, in order. */
static void
test_head_damaged(void **state)
{
	char *path = tmp_path("headdmg.db");
	struct fleet_instance *all;
	struct cache_head h;
	struct cache *c;
	sqlite3 *db = NULL;
	char *err = NULL;
	size_t i, k;
	static const char junk[] = "\xff\xff\xff\x7f" "garbage";

	(void)state;
	c = open_ok(path);
	fill_three(c, 50, 3, &all);
	cache_close(c);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	raw_set_recs(db, "t1", junk, sizeof junk - 1, 50);
	sqlite3_close(db);
	c = open_ok(path);
	assert_int_equal(cache_load_head(c, 60, &h, &err), 0);
	assert_int_equal(h.total, 150);
	assert_int_equal(h.n, 60);
	for (i = 0, k = 0; i < h.n; i++, k++) {
		while (k < 150 && strcmp(all[k].id, h.v[i].id) != 0)
			k++;
		assert_true(k < 150);
		assert_same_instance(&h.v[i], &all[k]);
		assert_string_not_equal(h.v[i].account, "222222222222");
	}
	cache_head_done(&h);
	cache_close(c);
	cache_instances_free(all, 150);
	free(path);
}

/* A loaded fleet keeps a string its neighbour (by name) has once: the
 * account, region and tag keys of a target are shared, and every
 * value still reads back as stored. */
static void
test_load_shares_strings(void **state)
{
	struct cache *c = open_mem();
	struct fleet_instance *v, *got;
	size_t n, i, k;

	(void)state;
	v = make_fleet("111111111111", 50, 1, 4);
	replace_ok(c, "t", "111111111111", v, 50, 1);
	load_ok(c, &got, &n);
	assert_int_equal(n, 50);
	for (i = 0; i < n; i++) {
		assert_same_instance(&got[i], &v[i]);
		if (i == 0)
			continue;
		assert_ptr_equal(got[i].account, got[0].account);
		assert_ptr_equal(got[i].region, got[0].region);
		for (k = 0; k < got[i].ntags; k++)
			assert_ptr_equal(got[i].tags[k].key,
			    got[0].tags[k].key);
		assert_ptr_not_equal(got[i].id, got[i - 1].id);
	}
	cache_instances_free(got, n);
	cache_instances_free(v, 50);
	cache_close(c);
}

/* Version 3 had no fleet_windows: the migration counts the rows there. */
/* A version-4 file (no prechecks table) opens, migrates, keeps its
 * instances and gets an empty prechecks table. */
static void
test_migrate_from_v4(void **state)
{
	char *path = tmp_path("v4.db");
	struct fleet_instance *all;
	struct cache *c;

	(void)state;
	c = open_ok(path);
	fill_three(c, 10, 3, &all);
	cache_close(c);
	raw_exec(path, "DROP TABLE prechecks; PRAGMA user_version = 4");
	c = open_ok(path);
	assert_int_equal(raw_int(path, "PRAGMA user_version"), 5);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM prechecks"), 0);
	check_head(c, all, 30, 10);
	cache_close(c);
	cache_instances_free(all, 30);
	free(path);
}

static void
test_migrate_from_v3(void **state)
{
	char *path = tmp_path("v3.db");
	struct fleet_instance *all;
	struct cache *c;

	(void)state;
	c = open_ok(path);
	fill_three(c, 40, 3, &all);
	cache_close(c);
	raw_exec(path, "DROP TABLE fleet_windows; DROP TABLE prechecks;"
	    " PRAGMA user_version = 3");
	c = open_ok(path);
	assert_int_equal(raw_int(path, "PRAGMA user_version"),
	    CACHE_SCHEMA_VERSION);
	check_head(c, all, 120, 10);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM fleet_windows"),
	    3 * 5);
	cache_close(c);
	cache_instances_free(all, 120);
	free(path);
}

/* The load for another thread gives what cache_load_instances gives;
 * stopped, or without a file, it fails and loads nothing; a cache in
 * memory has no file to give it. */
static void
test_load_apart(void **state)
{
	char *path = tmp_path("apart.db");
	struct fleet_instance *all, *got, *mine;
	struct cache_progress pr;
	atomic_size_t done;
	atomic_int stop;
	struct cache *c;
	size_t n, n2, skipped, i;
	char *err = NULL;

	(void)state;
	c = open_ok(path);
	fill_three(c, 300, 4, &all);
	atomic_init(&done, 0);
	atomic_init(&stop, 0);
	pr.done = &done;
	pr.stop = &stop;
	assert_string_equal(cache_file(c), path);
	assert_int_equal(cache_load_instances_apart(path, &got, &n, &skipped,
	    &pr, &err), 0);
	assert_int_equal(n, 900);
	assert_int_equal(skipped, 0);
	assert_int_equal(atomic_load(&done), 900);
	load_ok(c, &mine, &n2);
	assert_int_equal(n2, n);
	qsort(got, n, sizeof *got, cmp_instance);
	qsort(mine, n, sizeof *mine, cmp_instance);
	for (i = 0; i < n; i++) {
		assert_same_instance(&got[i], &mine[i]);
		assert_same_instance(&got[i], &all[i]);
	}
	cache_instances_free(got, n);
	cache_instances_free(mine, n2);

	atomic_store(&stop, 1);
	assert_int_equal(cache_load_instances_apart(path, &got, &n, &skipped,
	    &pr, &err), -1);
	assert_null(got);
	assert_int_equal(n, 0);
	assert_non_null(strstr(err, "stopped"));
	free(err);
	err = NULL;
	cache_close(c);
	c = open_mem();
	assert_null(cache_file(c));
	cache_close(c);
	/* No file there: an error, nothing loaded. */
	unlink(path);
	assert_int_equal(cache_load_instances_apart(path, &got, &n, &skipped,
	    NULL, &err), -1);
	assert_null(got);
	free(err);
	cache_instances_free(all, 900);
	free(path);
}

/* The limits: 1000 tags and 64 KiB values are stored; more is an error
 * and the previous rows stay. */
static void
test_tags_limits(void **state)
{
	struct cache *c = open_mem();
	struct fleet_instance *v, *got;
	char *err = NULL;
	char *big;
	size_t n, k;

	(void)state;
	v = make_fleet("111111111111", 2, 1, CACHE_TAGS_MAX);
	big = xmalloc(CACHE_TAG_MAX_LEN + 2);
	memset(big, 'v', CACHE_TAG_MAX_LEN);
	big[CACHE_TAG_MAX_LEN] = '\0';
	free(v[1].tags[5].value);
	v[1].tags[5].value = xstrdup(big);
	replace_ok(c, "t", "111111111111", v, 2, 1);
	load_ok(c, &got, &n);
	assert_int_equal(n, 2);
	assert_same_instance(&got[0], &v[0]);
	assert_same_instance(&got[1], &v[1]);
	cache_instances_free(got, n);

	/* One byte too long. */
	big[CACHE_TAG_MAX_LEN] = 'v';
	big[CACHE_TAG_MAX_LEN + 1] = '\0';
	free(v[1].tags[5].key);
	v[1].tags[5].key = big;
	assert_int_equal(cache_replace_target(c, "t", "111111111111",
	    "eu-west-1", v, 2, 2, &err), -1);
	assert_non_null(strstr(err, v[1].id));
	free(err);
	err = NULL;
	/* One tag too many. */
	v[1].tags[5].key = xstrdup("k");
	free(big);
	v[0].tags = xreallocarray(v[0].tags, CACHE_TAGS_MAX + 1,
	    sizeof *v[0].tags);
	v[0].tags[CACHE_TAGS_MAX].key = xstrdup("one");
	v[0].tags[CACHE_TAGS_MAX].value = xstrdup("more");
	v[0].ntags++;
	assert_int_equal(cache_replace_target(c, "t", "111111111111",
	    "eu-west-1", v, 2, 2, &err), -1);
	assert_non_null(strstr(err, "1001 tags"));
	free(err);
	err = NULL;
	v[0].ntags--;
	/* A string field: 64 KiB is stored, one byte more is an error. */
	big = xmalloc(CACHE_FIELD_MAX_LEN + 2);
	memset(big, 'n', CACHE_FIELD_MAX_LEN + 1);
	big[CACHE_FIELD_MAX_LEN + 1] = '\0';
	free(v[1].platform_name);
	v[1].platform_name = xstrdup(big + 1);
	replace_ok(c, "t", "111111111111", v, 2, 1);
	load_ok(c, &got, &n);
	assert_int_equal(n, 2);
	assert_same_instance(&got[1], &v[1]);
	cache_instances_free(got, n);
	free(v[1].platform_name);
	v[1].platform_name = big;
	v[0].ntags++;
	assert_int_equal(cache_replace_target(c, "t", "111111111111",
	    "eu-west-1", v + 1, 1, 2, &err), -1);
	assert_non_null(strstr(err, "longer than 65536 bytes"));
	free(err);
	load_ok(c, &got, &n);
	assert_int_equal(n, 2);
	assert_int_equal(got[0].ntags, CACHE_TAGS_MAX);
	assert_int_equal(got[0].fetched_at, 1);
	for (k = 0; k < got[0].ntags; k++)
		assert_string_equal(got[0].tags[k].key, v[0].tags[k].key);
	cache_instances_free(got, n);
	cache_instances_free(v, 2);
	cache_close(c);
}

/* The window and owner tags land in indexed columns; every tag, hostile
 * bytes included, comes back through the API. */
static void
test_tag_columns(void **state)
{
	char *path = tmp_path("tagcols.db");
	struct cache *c;
	struct fleet_instance *v, *got;
	size_t n, i, hits;

	(void)state;
	c = open_ok(path);
	v = make_fleet("111111111111", 8, 1, 3);
	free(v[0].tags[2].value);
	v[0].tags[2].value = xstrdup("x\x1b[31m\xff\"\\");
	free(v[1].tags[2].key);
	v[1].tags[2].key = xstrdup("Owner");
	replace_ok(c, "a", "111111111111", v, 8, 1);
	cache_set_tag_keys(c, "key-2", "gen");
	replace_ok(c, "b", "222222222222", v, 8, 1);
	load_ok(c, &got, &n);
	assert_int_equal(n, 16);
	hits = 0;
	for (i = 0; i < n; i++) {
		assert_same_instance(&got[i], &v[i % 8]);
		hits += strcmp(fleet_instance_tag(&got[i], "PatchWindow"),
		    "sun-0200") == 0;
	}
	assert_int_equal(hits, 4);
	assert_string_equal(fleet_instance_tag(&got[8], "key-2"),
	    "x\x1b[31m\xff\"\\");
	cache_instances_free(got, n);
	cache_close(c);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM instances WHERE"
	    " target = 'a' AND window_tag = 'sun-0100'"), 2);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM instances WHERE"
	    " target = 'a' AND owner_tag = 'value-1-2'"), 1);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM instances WHERE"
	    " target = 'b' AND owner_tag = '1' AND window_tag LIKE 'value-%'"),
	    6);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM instances WHERE"
	    " target = 'b' AND window_tag = CAST(x'781b5b33316dff225c' AS"
	    " TEXT)"), 1);
	/* Not JSON: recs of our own, the first starting (after its frame)
	 * with the id's length. */
	assert_int_equal(raw_int(path, "SELECT count(*) FROM fleet WHERE"
	    " typeof(recs) = 'blob' AND substr(recs, 5, 6) = x'13000000692d'"
	    " AND count = 8"), 2);
	cache_instances_free(v, 8);
	free(path);
}

static void
test_replace_one_target(void **state)
{
	struct cache *c = open_mem();
	struct fleet_instance *a1, *a2, *b, *got;
	struct cache_target *t;
	size_t n, i;
	char *err = NULL;

	(void)state;
	a1 = make_fleet("111111111111", 50, 1, 3);
	a2 = make_fleet("111111111111", 20, 2, 3);
	b = make_fleet("222222222222", 30, 1, 3);
	replace_ok(c, "a", "111111111111", a1, 50, 100);
	replace_ok(c, "b", "222222222222", b, 30, 200);
	replace_ok(c, "a", "111111111111", a2, 20, 300);
	load_ok(c, &got, &n);
	assert_int_equal(n, 50);
	assert_int_equal(count_account(got, n, "111111111111"), 20);
	assert_int_equal(count_account(got, n, "222222222222"), 30);
	for (i = 0; i < n; i++) {
		if (strcmp(got[i].account, "111111111111") == 0) {
			assert_string_equal(got[i].tags[0].value, "2");
			assert_int_equal(got[i].fetched_at, 300);
		} else {
			assert_string_equal(got[i].tags[0].value, "1");
			assert_int_equal(got[i].fetched_at, 200);
		}
	}
	cache_instances_free(got, n);

	assert_int_equal(cache_targets(c, 1000, &t, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(t[0].name, "a");
	assert_string_equal(t[0].account, "111111111111");
	assert_string_equal(t[0].region, "eu-west-1");
	assert_int_equal(t[0].ninstances, 20);
	assert_int_equal(t[0].last_ok, 300);
	assert_int_equal(t[0].age, 700);
	assert_string_equal(t[1].name, "b");
	assert_int_equal(t[1].ninstances, 30);
	assert_int_equal(t[1].age, 800);
	cache_targets_free(t, n);

	/* An empty sync is a sync: the target holds no rows now. */
	replace_ok(c, "a", "111111111111", NULL, 0, 400);
	load_ok(c, &got, &n);
	assert_int_equal(n, 30);
	cache_instances_free(got, n);

	/* Dropping b leaves a. */
	assert_int_equal(cache_drop_target(c, "b", &err), 0);
	load_ok(c, &got, &n);
	assert_int_equal(n, 0);
	cache_instances_free(got, n);
	assert_int_equal(cache_targets(c, 1000, &t, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(t[0].name, "a");
	cache_targets_free(t, n);

	cache_instances_free(a1, 50);
	cache_instances_free(a2, 20);
	cache_instances_free(b, 30);
	cache_close(c);
}

static void
test_failure_keeps_rows(void **state)
{
	struct cache *c = open_mem();
	struct fleet_instance *v, *got;
	struct cache_target *t;
	size_t n;
	char *err = NULL;

	(void)state;
	v = make_fleet("111111111111", 10, 1, 2);
	replace_ok(c, "a", "111111111111", v, 10, 100);
	assert_int_equal(cache_target_failed(c, "a", "UnauthorizedOperation",
	    "You are not authorized \x1b[31m", 150, &err), 0);
	/* Never synced target: recorded with no rows. */
	assert_int_equal(cache_target_failed(c, "new", "RequestExpired", NULL,
	    160, &err), 0);
	load_ok(c, &got, &n);
	assert_int_equal(n, 10);
	cache_instances_free(got, n);

	assert_int_equal(cache_targets(c, 200, &t, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(t[0].name, "a");
	assert_int_equal(t[0].last_ok, 100);
	assert_int_equal(t[0].last_attempt, 150);
	assert_int_equal(t[0].age, 100);
	assert_int_equal(t[0].ninstances, 10);
	assert_string_equal(t[0].error_code, "UnauthorizedOperation");
	assert_string_equal(t[0].error_message,
	    "You are not authorized \x1b[31m");
	assert_string_equal(t[1].name, "new");
	assert_int_equal(t[1].last_ok, 0);
	assert_int_equal(t[1].age, -1);
	assert_int_equal(t[1].ninstances, 0);
	assert_string_equal(t[1].error_message, "");
	cache_targets_free(t, n);

	/* A later success clears the error. */
	replace_ok(c, "a", "111111111111", v, 10, 300);
	assert_int_equal(cache_targets(c, 300, &t, &n, &err), 0);
	assert_int_equal(t[0].last_ok, 300);
	assert_int_equal(t[0].last_attempt, 300);
	assert_string_equal(t[0].error_code, "");
	assert_string_equal(t[0].error_message, "");
	cache_targets_free(t, n);
	cache_instances_free(v, 10);
	cache_close(c);
}

static void
test_failed_replace_rolls_back(void **state)
{
	struct cache *c = open_mem();
	struct fleet_instance *v1, *v2, *got;
	struct cache_target *t;
	size_t n, i;
	char *err = NULL;

	(void)state;
	v1 = make_fleet("111111111111", 10, 1, 2);
	replace_ok(c, "a", "111111111111", v1, 10, 100);
	/* Generation 2 holds the same (account, region, id) twice, at the
	 * end: rows were deleted and 99 inserted before it fails. */
	v2 = make_fleet("111111111111", 100, 2, 2);
	free(v2[99].id);
	v2[99].id = xstrdup(v2[98].id);
	assert_int_equal(cache_replace_target(c, "a", "999999999999",
	    "us-east-1", v2, 100, 200, &err), -1);
	assert_non_null(err);
	assert_non_null(strstr(err, "UNIQUE"));
	free(err);
	err = NULL;

	load_ok(c, &got, &n);
	assert_int_equal(n, 10);
	for (i = 0; i < n; i++)
		assert_same_instance(&got[i], &v1[i]);
	cache_instances_free(got, n);
	assert_int_equal(cache_targets(c, 300, &t, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(t[0].last_ok, 100);
	assert_string_equal(t[0].account, "111111111111");
	cache_targets_free(t, n);

	/* The statements are usable again after the failure. */
	replace_ok(c, "a", "111111111111", v2, 99, 400);
	load_ok(c, &got, &n);
	assert_int_equal(n, 99);
	cache_instances_free(got, n);
	cache_instances_free(v1, 10);
	cache_instances_free(v2, 100);
	cache_close(c);
}

/* A second connection holding the write lock: replace fails after the
 * busy timeout... too slow for a unit test, so instead the writer is
 * closed under a reader, which must keep seeing the old snapshot. */
static void
test_reader_sees_whole_generation(void **state)
{
	char *path = tmp_path("snap.db");
	struct cache *w, *r;
	struct fleet_instance *v1, *v2, *got;
	size_t n;

	(void)state;
	w = open_ok(path);
	r = open_ok(path);
	v1 = make_fleet("111111111111", 40, 1, 2);
	v2 = make_fleet("111111111111", 60, 2, 2);
	replace_ok(w, "a", "111111111111", v1, 40, 1);
	load_ok(r, &got, &n);
	assert_int_equal(n, 40);
	cache_instances_free(got, n);
	replace_ok(w, "a", "111111111111", v2, 60, 2);
	load_ok(r, &got, &n);
	assert_int_equal(n, 60);
	assert_string_equal(got[59].tags[0].value, "2");
	cache_instances_free(got, n);
	cache_close(w);
	cache_close(r);
	cache_instances_free(v1, 40);
	cache_instances_free(v2, 60);
	free(path);
}

/*
 * Opens a bad file at path: it must be moved aside with a notice, keeping
 * its bytes, and the fresh cache must work.  Opening checks only the
 * header and the schema, so damage further in may show only when a
 * statement reads it: the first load, or the replace that rewrites the
 * rows (a smashed index page is not read by a load).  Either way the file
 * is moved aside at once and the call says so.
 */
static void
check_moved_aside(const char *path, const char *why)
{
	struct cache *c = NULL;
	struct fleet_instance *v, *got;
	char *notice = NULL;
	char *err = NULL;
	char *before, *after, *moved;
	size_t nb, na, n;

	nb = read_whole(path, &before);
	v = make_fleet("111111111111", 5, 1, 2);
	if (cache_open(path, &c, &notice, &err) == -1)
		fail_msg("cache_open: %s", err);
	assert_non_null(c);
	if (notice == NULL) {
		if (cache_load_instances(c, &got, &n, &err) == 0) {
			cache_instances_free(got, n);
			assert_int_equal(cache_replace_target(c, "a",
			    "111111111111", "eu-west-1", v, 5, 1, &err), -1);
		}
		assert_non_null(err);
		assert_non_null(strstr(err, "started an empty cache"));
		free(err);
		err = NULL;
		notice = cache_take_notice(c);
		assert_null(cache_take_notice(c));
	}
	if (notice == NULL)
		fail_msg("no notice for %s", why);
	assert_non_null(strstr(notice, path));
	assert_non_null(strstr(notice, ".corrupt-"));
	moved = corrupt_file(path);
	assert_non_null(moved);
	assert_non_null(strstr(notice, moved));
	na = read_whole(moved, &after);
	assert_int_equal(na, nb);
	assert_memory_equal(before, after, nb);
	assert_int_equal(file_mode(path), 0600);

	/* The same struct cache now holds a fresh, empty file. */
	load_ok(c, &got, &n);
	assert_int_equal(n, 0);
	cache_instances_free(got, n);
	replace_ok(c, "a", "111111111111", v, 5, 1);
	load_ok(c, &got, &n);
	assert_int_equal(n, 5);
	cache_instances_free(got, n);
	assert_int_equal(cache_check(c, &err), 0);
	cache_close(c);
	/* And it opens quietly afterwards, with the rows. */
	c = open_ok(path);
	load_ok(c, &got, &n);
	assert_int_equal(n, 5);
	assert_same_instance(&got[4], &v[4]);
	cache_instances_free(got, n);
	cache_close(c);
	cache_instances_free(v, 5);
	free(notice);
	free(before);
	free(after);
	free(moved);
}

static void
test_corrupt_random_bytes(void **state)
{
	char *path = tmp_path("random.db");
	unsigned char junk[8192];
	size_t i;
	unsigned x = 12345;

	(void)state;
	for (i = 0; i < sizeof junk; i++) {
		x = x * 1103515245u + 12345u;
		junk[i] = (unsigned char)(x >> 16);
	}
	write_file(path, junk, sizeof junk, 0600);
	check_moved_aside(path, "random bytes");
	free(path);

	/* Short junk too (shorter than an SQLite header). */
	path = tmp_path("short.db");
	write_file(path, "hello\n", 6, 0600);
	check_moved_aside(path, "short text");
	free(path);
}

/* Builds a real cache big enough to span many pages, closed cleanly. */
static void
fill_real_cache(const char *path, size_t n)
{
	struct cache *c = open_ok(path);
	struct fleet_instance *v = make_fleet("111111111111", n, 1, 10);

	replace_ok(c, "a", "111111111111", v, n, 1);
	cache_close(c);
	cache_instances_free(v, n);
}

static void
test_corrupt_truncated(void **state)
{
	char *path = tmp_path("trunc.db");
	off_t size;
	struct stat sb;

	(void)state;
	fill_real_cache(path, 2000);
	assert_int_equal(stat(path, &sb), 0);
	size = sb.st_size;
	assert_true(size > 100 * 4096);
	assert_int_equal(truncate(path, size / 2), 0);
	check_moved_aside(path, "truncated at half");
	free(path);

	/* Cut inside the first page. */
	path = tmp_path("trunc2.db");
	fill_real_cache(path, 200);
	assert_int_equal(truncate(path, 1000), 0);
	check_moved_aside(path, "truncated in page 1");
	free(path);

	/* Garbage written over the middle, size kept: whole pages (64 KB),
	 * headers and all.  (Garbage inside the recs of a blob, with the
	 * pages' structure whole, is not SQLite's to see: those recs are
	 * skipped and counted, test_rec_mutations.) */
	path = tmp_path("smashed.db");
	fill_real_cache(path, 2000);
	{
		static char junk[65536 * 2];
		int fd = open(path, O_WRONLY);

		memset(junk, 0xa5, sizeof junk);
		assert_true(fd >= 0);
		assert_int_equal(pwrite(fd, junk, sizeof junk, 65536),
		    (ssize_t)sizeof junk);
		close(fd);
	}
	check_moved_aside(path, "pages overwritten");
	free(path);
}

/* Overwrites every page of path from page 33 on with junk, size kept:
 * the schema and every table's root page (created first, on the first
 * pages) stay whole, so the file opens; the rows are gone. */
static void
smash_data_pages(const char *path)
{
	char junk[4096];
	struct stat sb;
	off_t off;
	int fd;

	memset(junk, 0x5a, sizeof junk);
	assert_int_equal(stat(path, &sb), 0);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_true(sb.st_size > 64 * 4096);
	for (off = 32 * 4096; off < sb.st_size; off += 4096)
		assert_int_equal(pwrite(fd, junk, sizeof junk, off),
		    (ssize_t)sizeof junk);
	close(fd);
}

/*
 * A file damaged in its data pages after a clean open: the open itself
 * was quiet (no quick_check), the next load meets the damage, fails with
 * the notice, and the cache is already a fresh one.  cache_check() sees
 * the damage too, without moving anything.
 */
static void
test_corrupt_found_by_load(void **state)
{
	char *path = tmp_path("late.db");
	struct cache *c, *d;
	struct fleet_instance *v, *got;
	char *err = NULL;
	char *notice;
	char *moved;
	size_t n;

	(void)state;
	fill_real_cache(path, 500);
	d = open_ok(path);
	assert_int_equal(cache_check(d, &err), 0);
	cache_close(d);
	/* Opened before the damage, and has read no row yet (a connection
	 * that has keeps the pages it read in its own page cache). */
	c = open_ok(path);
	smash_data_pages(path);

	/* doctor's view: reported, not moved. */
	d = open_ok(path);
	assert_int_equal(cache_check(d, &err), -1);
	assert_non_null(strstr(err, "integrity check failed"));
	free(err);
	err = NULL;
	assert_null(cache_take_notice(d));
	cache_close(d);
	assert_null(corrupt_file(path));

	assert_int_equal(cache_load_instances(c, &got, &n, &err), -1);
	assert_null(got);
	assert_int_equal(n, 0);
	assert_non_null(strstr(err, "cannot read instances"));
	assert_non_null(strstr(err, "started an empty cache"));
	free(err);
	err = NULL;
	notice = cache_take_notice(c);
	assert_non_null(notice);
	assert_non_null(strstr(notice, path));
	moved = corrupt_file(path);
	assert_non_null(moved);
	assert_non_null(strstr(notice, moved));
	free(notice);
	free(moved);

	/* Loading again: the new, empty cache; then it works as usual. */
	load_ok(c, &got, &n);
	assert_int_equal(n, 0);
	cache_instances_free(got, n);
	v = make_fleet("111111111111", 20, 3, 4);
	replace_ok(c, "a", "111111111111", v, 20, 9);
	load_ok(c, &got, &n);
	assert_int_equal(n, 20);
	assert_same_instance(&got[7], &v[7]);
	cache_instances_free(got, n);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM instances WHERE"
	    " window_tag = 'sun-0300'"), 5);
	cache_close(c);
	c = open_ok(path);
	cache_close(c);
	cache_instances_free(v, 20);
	free(path);
}

static void
test_corrupt_wrong_schema(void **state)
{
	char *path;

	(void)state;
	/* Someone else's database at our path. */
	path = tmp_path("foreign.db");
	raw_exec(path, "CREATE TABLE photos (id INTEGER, jpeg BLOB);"
	    " INSERT INTO photos VALUES (1, x'ffd8')");
	check_moved_aside(path, "foreign tables");
	free(path);

	/* Our version number, but a table missing. */
	path = tmp_path("missing.db");
	fill_real_cache(path, 3);
	raw_exec(path, "DROP TABLE exceptions");
	check_moved_aside(path, "missing table");
	free(path);

	/* Our version number, a column missing. */
	path = tmp_path("column.db");
	raw_exec(path, "CREATE TABLE instances (row INTEGER PRIMARY KEY,"
	    " target TEXT); PRAGMA user_version = 1");
	check_moved_aside(path, "missing column");
	free(path);
	path = tmp_path("column2.db");
	fill_real_cache(path, 3);
	raw_exec(path, "DROP INDEX instances_ping;"
	    " ALTER TABLE instances DROP COLUMN ping");
	check_moved_aside(path, "missing column");
	free(path);
}

/* A corrupt file whose name is taken already: the next name is used. */
static void
test_corrupt_twice(void **state)
{
	char *path = tmp_path("twice.db");
	struct cache *c = NULL;
	char *notice = NULL;
	char *err = NULL;

	(void)state;
	write_file(path, "not a database at all, really not", 33, 0600);
	assert_int_equal(cache_open(path, &c, &notice, &err), 0);
	assert_non_null(notice);
	cache_close(c);
	free(notice);
	notice = NULL;
	write_file(path, "not a database at all, again.....", 33, 0600);
	assert_int_equal(cache_open(path, &c, &notice, &err), 0);
	assert_non_null(notice);
	cache_close(c);
	free(notice);
	/* path, two moved-aside files (and no -wal/-shm left behind once
	 * closed). */
	assert_true(count_files(path) >= 3);
	free(path);
}

static void
test_open_errors(void **state)
{
	struct cache *c = NULL;
	char *notice = NULL;
	char *err = NULL;
	char *path;

	(void)state;
	/* A folder that does not exist: an error, nothing created. */
	path = xasprintf("%s/no/such/dir/cache.db", tmpdir);
	assert_int_equal(cache_open(path, &c, &notice, &err), -1);
	assert_null(c);
	assert_null(notice);
	assert_non_null(strstr(err, path));
	free(err);
	err = NULL;
	free(path);

	/* A directory at the path: an error, not moved aside. */
	path = tmp_path("dir.db");
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(cache_open(path, &c, &notice, &err), -1);
	assert_non_null(err);
	free(err);
	assert_null(corrupt_file(path));
	rmdir(path);
	free(path);
}

static void
test_default_path(void **state)
{
	char *err = NULL;
	char *path, *want, *dir, *old_xdg, *old_home;
	const char *e;

	(void)state;
	e = getenv("XDG_CACHE_HOME");
	old_xdg = e != NULL ? xstrdup(e) : NULL;
	e = getenv("HOME");
	old_home = e != NULL ? xstrdup(e) : NULL;

	dir = xasprintf("%s/xdg", tmpdir);
	setenv("XDG_CACHE_HOME", dir, 1);
	path = cache_default_path(&err);
	if (path == NULL)
		fail_msg("%s", err);
	want = xasprintf("%s/patchdeck/cache.db", dir);
	assert_string_equal(path, want);
	free(want);
	want = xasprintf("%s/patchdeck", dir);
	assert_int_equal(file_mode(want), 0700);
	/* A wider folder is tightened. */
	assert_int_equal(chmod(want, 0755), 0);
	free(path);
	path = cache_default_path(&err);
	assert_int_equal(file_mode(want), 0700);
	rmdir(want);
	rmdir(dir);
	free(want);
	free(path);

	/* Relative XDG_CACHE_HOME is ignored (XDG spec): HOME/.cache. */
	setenv("XDG_CACHE_HOME", "relative/dir", 1);
	setenv("HOME", dir, 1);
	path = cache_default_path(&err);
	if (path == NULL)
		fail_msg("%s", err);
	want = xasprintf("%s/.cache/patchdeck/cache.db", dir);
	assert_string_equal(path, want);
	free(want);
	free(path);
	want = xasprintf("%s/.cache/patchdeck", dir);
	rmdir(want);
	free(want);
	want = xasprintf("%s/.cache", dir);
	rmdir(want);
	free(want);
	rmdir(dir);

	/* Neither usable: an error. */
	unsetenv("XDG_CACHE_HOME");
	unsetenv("HOME");
	assert_null(cache_default_path(&err));
	assert_non_null(err);
	free(err);

	if (old_xdg != NULL)
		setenv("XDG_CACHE_HOME", old_xdg, 1);
	if (old_home != NULL)
		setenv("HOME", old_home, 1);
	free(old_xdg);
	free(old_home);
	free(dir);
}

static void
set_exception(struct cache_exception *e, const char *inst, const char *id,
    const char *status)
{
	memset(e, 0, sizeof *e);
	e->instance_id = xstrdup(inst);
	e->exception_id = xstrdup(id);
	e->starts = xstrdup("2024-06-01");
	e->ends = xstrdup("2024-06-30");
	e->reason = xstrdup("audit \x1b[5mblink\xe2\x80\xae");
	e->ticket = xstrdup("CHG-1234");
	e->requested_by = xstrdup("alice@example.com");
	e->requested_at = xstrdup("2024-05-20T10:00:00Z");
	e->status = xstrdup(status);
	e->decided_by = xstrdup("bob@example.com");
	e->decided_at = xstrdup("2024-05-21T10:00:00Z");
}

static void
free_exceptions_in(struct cache_exception *v, size_t n)
{
	struct cache_exception *copy = xcalloc(n, sizeof *copy);

	memcpy(copy, v, n * sizeof *copy);
	cache_exceptions_free(copy, n);
}

static void
test_exceptions(void **state)
{
	struct cache *c = open_mem();
	struct cache_exception in[3], *got;
	size_t n;
	char *err = NULL;
	char *val = NULL;

	(void)state;
	set_exception(&in[0], "i-0002", "ex-b", "APPROVED");
	set_exception(&in[1], "i-0001", "ex-a", "PENDING");
	set_exception(&in[2], "i-0001", "ex-a", "PENDING");
	in[1].fetched_at = 55;

	assert_int_equal(cache_replace_exceptions(c, "acct1/eu-west-1/t",
	    in, 2, 100, &err), 0);
	assert_int_equal(cache_replace_exceptions(c, "acct2/us-east-1/t",
	    in, 1, 200, &err), 0);
	assert_int_equal(cache_load_exceptions(c, "acct1/eu-west-1/t", &got,
	    &n, &err), 0);
	assert_int_equal(n, 2);
	/* Ordered by instance_id. */
	assert_string_equal(got[0].instance_id, "i-0001");
	assert_string_equal(got[0].status, "PENDING");
	assert_int_equal(got[0].fetched_at, 55);
	assert_string_equal(got[1].instance_id, "i-0002");
	assert_string_equal(got[1].exception_id, "ex-b");
	assert_string_equal(got[1].starts, "2024-06-01");
	assert_string_equal(got[1].ends, "2024-06-30");
	assert_string_equal(got[1].reason, in[0].reason);
	assert_string_equal(got[1].ticket, "CHG-1234");
	assert_string_equal(got[1].requested_by, "alice@example.com");
	assert_string_equal(got[1].requested_at, "2024-05-20T10:00:00Z");
	assert_string_equal(got[1].decided_by, "bob@example.com");
	assert_string_equal(got[1].decided_at, "2024-05-21T10:00:00Z");
	assert_string_equal(got[1].source, "acct1/eu-west-1/t");
	assert_int_equal(got[1].fetched_at, 100);
	cache_exceptions_free(got, n);

	/* Replace one source with nothing; the other stays. */
	assert_int_equal(cache_replace_exceptions(c, "acct1/eu-west-1/t",
	    NULL, 0, 300, &err), 0);
	assert_int_equal(cache_load_exceptions(c, NULL, &got, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(got[0].source, "acct2/us-east-1/t");
	cache_exceptions_free(got, n);
	assert_int_equal(cache_meta_get(c, "exceptions:acct1/eu-west-1/t",
	    &val, &err), 0);
	assert_string_equal(val, "300");
	free(val);

	/* A duplicate key rolls the whole replace back. */
	assert_int_equal(cache_replace_exceptions(c, "acct2/us-east-1/t",
	    in + 1, 2, 400, &err), -1);
	assert_non_null(err);
	free(err);
	err = NULL;
	assert_int_equal(cache_load_exceptions(c, "acct2/us-east-1/t", &got,
	    &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(got[0].instance_id, "i-0002");
	cache_exceptions_free(got, n);
	assert_int_equal(cache_meta_get(c, "exceptions:acct2/us-east-1/t",
	    &val, &err), 0);
	assert_string_equal(val, "200");
	free(val);

	free_exceptions_in(in, 3);
	cache_close(c);
}

static void
test_meta(void **state)
{
	struct cache *c = open_mem();
	char *err = NULL;
	char *val = (char *)1;

	(void)state;
	assert_int_equal(cache_meta_get(c, "nope", &val, &err), 0);
	assert_null(val);
	assert_int_equal(cache_meta_set(c, "k", "v1", &err), 0);
	assert_int_equal(cache_meta_set(c, "k", "\xff\x1b" "v2", &err), 0);
	assert_int_equal(cache_meta_get(c, "k", &val, &err), 0);
	assert_string_equal(val, "\xff\x1b" "v2");
	free(val);
	cache_close(c);
}

/*
 * Timing: replace of N instances with 10 tags (into an empty target, then
 * over itself), open, load of N and of N/2.  The peak RSS of a load of N
 * is measured in a fresh process (this binary run again with
 * PATCHDECK_CACHE_BENCH_CHILD=PATH, see main): in this one the input fleet
 * and the replaces have raised ru_maxrss already.
 */
static void
bench_child_run(const char *path, long long *ms, long *rss_kb)
{
	char *out = tmp_path("bench.out");
	char *cmd;
	FILE *f;
	int rc;

	cmd = xasprintf("PATCHDECK_CACHE_BENCH_CHILD='%s' /proc/%ld/exe > '%s'",
	    path, (long)getpid(), out);
	rc = system(cmd);
	assert_int_equal(rc, 0);
	f = fopen(out, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%lld %ld", ms, rss_kb), 2);
	fclose(f);
	unlink(out);
	free(out);
	free(cmd);
}

/* The child: opens path, loads everything, prints "MS RSS_KB". */
static int
bench_child(const char *path)
{
	struct fleet_instance *v;
	struct cache *c = NULL;
	struct rusage ru;
	char *notice = NULL, *err = NULL;
	long long t0, t;
	size_t n;

	if (cache_open(path, &c, &notice, &err) == -1 || notice != NULL) {
		fprintf(stderr, "bench child: %s\n", err != NULL ? err : notice);
		return 1;
	}
	t0 = util_now_ms();
	if (cache_load_instances(c, &v, &n, &err) == -1) {
		fprintf(stderr, "bench child: %s\n", err);
		return 1;
	}
	t = util_now_ms() - t0;
	getrusage(RUSAGE_SELF, &ru);
	printf("%lld %ld\n", t, ru.ru_maxrss);
	cache_instances_free(v, n);
	cache_close(c);
	return 0;
}

static void
test_bench(void **state)
{
	int full = getenv("PATCHDECK_CACHE_BENCH") != NULL;
	size_t nbig = full ? 100000 : 10000;
	size_t nload = nbig / 2;
	char *path = tmp_path("bench.db");
	struct fleet_instance *v, *got;
	struct cache *c;
	long long t0, t_replace, t_replace2, t_load, t_loadbig, t_open;
	long long t_child;
	long rss_kb;
	size_t n, i;

	(void)state;
	v = make_fleet("111111111111", nbig, 1, 10);
	c = open_ok(path);
	t0 = util_now_ms();
	replace_ok(c, "big", "111111111111", v, nbig, 1);
	t_replace = util_now_ms() - t0;
	/* Again, so the delete of the previous rows is in the figure. */
	t0 = util_now_ms();
	replace_ok(c, "big", "111111111111", v, nbig, 2);
	t_replace2 = util_now_ms() - t0;
	cache_close(c);

	t0 = util_now_ms();
	c = open_ok(path);
	t_open = util_now_ms() - t0;
	load_ok(c, &got, &n);	/* warm the page cache */
	cache_instances_free(got, n);
	t0 = util_now_ms();
	load_ok(c, &got, &n);
	t_loadbig = util_now_ms() - t0;
	assert_int_equal(n, nbig);
	cache_instances_free(got, n);
	cache_close(c);
	bench_child_run(path, &t_child, &rss_kb);

	c = open_ok(path);
	replace_ok(c, "big", "111111111111", v, nload, 3);
	load_ok(c, &got, &n);	/* warm */
	cache_instances_free(got, n);
	t0 = util_now_ms();
	load_ok(c, &got, &n);
	t_load = util_now_ms() - t0;
	assert_int_equal(n, nload);
	for (i = 0; i < n; i += 997)
		assert_same_instance(&got[i], &v[i]);
	assert_same_instance(&got[n - 1], &v[n - 1]);
	cache_instances_free(got, n);
	cache_close(c);
	printf("bench: replace %zu instances x 10 tags: %lld ms (into an "
	    "empty target), %lld ms (replacing %zu); open: %lld ms; "
	    "load %zu: %lld ms; load %zu: %lld ms; a fresh process loading "
	    "%zu: %lld ms, peak RSS %.1f MB\n", nbig, t_replace, t_replace2,
	    nbig, t_open, nload, t_load, nbig, t_loadbig, nbig, t_child,
	    rss_kb / 1024.0);
	cache_instances_free(v, nbig);
	free(path);
}

int
main(void)
{
	const char *child = getenv("PATCHDECK_CACHE_BENCH_CHILD");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory_empty),
		cmocka_unit_test(test_migrate_and_reopen),
		cmocka_unit_test(test_newer_version_refused),
		cmocka_unit_test(test_file_mode),
		cmocka_unit_test(test_roundtrip_hostile),
		cmocka_unit_test(test_null_fields),
		cmocka_unit_test(test_nul_in_stored_value),
		cmocka_unit_test(test_rec_mutations),
		cmocka_unit_test(test_recs_tail_frames),
		cmocka_unit_test(test_rec_codec_round_trip),
		cmocka_unit_test(test_recs_cut),
		cmocka_unit_test(test_migrate_from_v1),
		cmocka_unit_test(test_migrate_from_v2),
		cmocka_unit_test(test_migrate_from_v3),
		cmocka_unit_test(test_migrate_from_v4),
		cmocka_unit_test(test_head),
		cmocka_unit_test(test_head_damaged),
		cmocka_unit_test(test_load_apart),
		cmocka_unit_test(test_load_shares_strings),
		cmocka_unit_test(test_tags_limits),
		cmocka_unit_test(test_tag_columns),
		cmocka_unit_test(test_replace_one_target),
		cmocka_unit_test(test_failure_keeps_rows),
		cmocka_unit_test(test_failed_replace_rolls_back),
		cmocka_unit_test(test_reader_sees_whole_generation),
		cmocka_unit_test(test_corrupt_random_bytes),
		cmocka_unit_test(test_corrupt_truncated),
		cmocka_unit_test(test_corrupt_found_by_load),
		cmocka_unit_test(test_corrupt_wrong_schema),
		cmocka_unit_test(test_corrupt_twice),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_default_path),
		cmocka_unit_test(test_exceptions),
		cmocka_unit_test(test_meta),
		cmocka_unit_test(test_bench),
	};

	if (child != NULL)
		return bench_child(child);
	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
