/*
 * test_desk.c - the console's desk (ops/desk.h): one open gives the
 * configuration, a cache file, a loop and the target/region pairs (a
 * target without regions named with its profile's region, "?" without
 * one; --region over every target); read-only mode named from the flag or
 * the file; the loop waits on extra descriptors; every failure (no file,
 * a broken file, a cache that cannot be made) leaves nothing open and
 * says why; close twice is safe.  Files in a mkdtemp folder; the AWS
 * files are our own, so nothing of the user's is read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ops/desk.h"
#include "util/util.h"

static char *tmpdir;

static char *
write_file(const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", tmpdir, name);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	return p;
}

static void
unlink_in(const char *name)
{
	char *p = xasprintf("%s/%s", tmpdir, name);

	unlink(p);
	free(p);
}

static int
setup_dir(void **state)
{
	char tmpl[] = "/tmp/test_desk.XXXXXX";
	char *p;

	(void)state;
	if (mkdtemp(tmpl) == NULL)
		return -1;
	tmpdir = xstrdup(tmpl);
	if (getenv("TZDIR") == NULL)
		setenv("TZDIR", "/usr/share/zoneinfo", 1);
	/* Only our AWS files, and no region from the environment. */
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_DEFAULT_PROFILE");
	unsetenv("AWS_REGION");
	unsetenv("AWS_DEFAULT_REGION");
	p = write_file("aws-config", "[profile dev]\nregion = ap-south-1\n\n"
	    "[default]\n");
	setenv("AWS_CONFIG_FILE", p, 1);
	free(p);
	p = write_file("aws-credentials", "");
	setenv("AWS_SHARED_CREDENTIALS_FILE", p, 1);
	free(p);
	return 0;
}

static int
teardown_dir(void **state)
{
	(void)state;
	unlink_in("aws-config");
	unlink_in("aws-credentials");
	rmdir(tmpdir);
	free(tmpdir);
	tmpdir = NULL;
	return 0;
}

static const char three_targets[] =
    "[target prod]\nprofile = prod\nregions = us-east-1, eu-west-1\n\n"
    "[target dev]\nprofile = dev\n\n"
    "[target lab]\nprofile = default\n\n"
    "[window sun-0200]\nschedule = sun 02:00\nduration = 3h\n";

/* Removes the cache file and what SQLite keeps beside it. */
static void
unlink_cache(const char *path)
{
	char *p;

	unlink(path);
	p = xasprintf("%s-wal", path);
	unlink(p);
	free(p);
	p = xasprintf("%s-shm", path);
	unlink(p);
	free(p);
}

/* A desk opened on a config file of text, with its cache in tmpdir. */
struct fixture {
	char *cfgpath, *cachepath;
	struct desk_opts o;
	struct config cfg;
	struct desk d;
};

static void
fixture_open(struct fixture *f, const char *text, const char *region,
    int read_only)
{
	char *notice = NULL, *err = NULL;

	memset(f, 0, sizeof *f);
	f->cfgpath = write_file("config", text);
	f->cachepath = xasprintf("%s/cache.db", tmpdir);
	f->o.config = f->cfgpath;
	f->o.cache = f->cachepath;
	f->o.region = region;
	f->o.read_only = read_only;
	assert_int_equal(desk_open(&f->d, &f->cfg, &f->o, &notice, &err), 0);
	assert_null(err);
	assert_null(notice);
}

static void
fixture_done(struct fixture *f)
{
	desk_close(&f->d);
	unlink_cache(f->cachepath);
	unlink(f->cfgpath);
	free(f->cachepath);
	free(f->cfgpath);
}

static void
test_open_close(void **state)
{
	struct fixture f;
	struct desk *d = &f.d;
	struct stat sb;
	char *err = NULL;
	struct cache_target *ts = NULL;
	size_t nts = 99;
	int p[2];

	(void)state;
	fixture_open(&f, three_targets, NULL, 0);
	/* The configuration is loaded into the caller's storage. */
	assert_ptr_equal(d->cfg, &f.cfg);
	assert_int_equal(f.cfg.ntargets, 3);
	assert_int_equal(f.cfg.nwindows, 1);
	assert_string_equal(f.cfg.windows[0].id, "sun-0200");
	/* A cache file, private. */
	assert_non_null(d->cache);
	assert_int_equal(stat(f.cachepath, &sb), 0);
	assert_int_equal(sb.st_mode & 077, 0);
	assert_non_null(d->net);
	assert_null(d->read_only_why);
	/* prod's two regions, dev's profile region, lab's profile has none. */
	assert_string_equal(d->targets, "prod/us-east-1, prod/eu-west-1, "
	    "dev/ap-south-1, lab/?");
	assert_string_equal(d->targets_short, "prod/us-east-1 +3 more");
	assert_int_equal(d->ntargets, 4);
	/* Nothing synced yet: no targets in the cache, nothing noticed. */
	assert_int_equal(desk_targets(d, &ts, &nts, &err), 0);
	assert_int_equal(nts, 0);
	desk_targets_free(ts, nts);
	assert_null(desk_take_notice(d));

	/* The one wait: an idle descriptor is not reported, a written one
	 * is, beside the loop's own. */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(desk_poll(d, &p[0], 1, 0), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(desk_poll(d, &p[0], 1, 1000), 1);
	close(p[0]);
	close(p[1]);

	desk_close(d);
	assert_null(d->cfg);
	assert_null(d->cache);
	assert_null(d->net);
	assert_null(d->targets);
	fixture_done(&f);	/* closes again: twice is fine */
}

static void
test_region_and_read_only(void **state)
{
	static const char text[] = "[general]\nread_only = true\n\n"
	    "[target prod]\nprofile = prod\nregions = us-east-1\n\n"
	    "[target dev]\nprofile = dev\n";
	struct fixture f;

	(void)state;
	fixture_open(&f, text, "eu-central-1", 0);
	/* --region is every target's region. */
	assert_string_equal(f.d.targets, "prod/eu-central-1, "
	    "dev/eu-central-1");
	assert_int_equal(f.d.ntargets, 2);
	assert_string_equal(f.d.region, "eu-central-1");
	/* Read-only from the file, named as the refusals name it. */
	assert_non_null(f.d.read_only_why);
	assert_string_equal(f.d.read_only_why,
	    config_read_only_why(&f.cfg, 0));
	fixture_done(&f);

	/* The flag wins, and says so. */
	fixture_open(&f, text, NULL, 1);
	assert_string_equal(f.d.read_only_why, "--read-only");
	/* Without --region: each target's own again. */
	assert_string_equal(f.d.targets, "prod/us-east-1, dev/ap-south-1");
	assert_string_equal(f.d.targets_short, "prod/us-east-1 +1 more");
	fixture_done(&f);
}

/* No [target]: the one default target, and no "+N more". */
static void
test_default_target(void **state)
{
	struct fixture f;

	(void)state;
	fixture_open(&f, "[general]\nrefresh = 0\n", "us-west-2", 0);
	assert_string_equal(f.d.targets, "default/us-west-2");
	assert_string_equal(f.d.targets_short, "default/us-west-2");
	assert_int_equal(f.d.ntargets, 1);
	fixture_done(&f);
}

static void
test_failures(void **state)
{
	char *bad = write_file("bad", "[general]\nrefresh = soon\n");
	char *good = write_file("config", three_targets);
	char *missing = xasprintf("%s/no-such-file", tmpdir);
	char *cachepath = xasprintf("%s/no-such-dir/x/cache.db", tmpdir);
	struct desk_opts o = { .config = missing };
	struct config cfg;
	struct desk d;
	char *notice = NULL, *err = NULL;

	(void)state;
	/* A --config that is not there. */
	o.cache = ":memory:";
	assert_int_equal(desk_open(&d, &cfg, &o, &notice, &err), -1);
	assert_non_null(err);
	assert_non_null(strstr(err, "no-such-file"));
	assert_null(d.cache);
	assert_null(d.net);
	assert_null(d.cfg);
	free(err);
	err = NULL;
	desk_close(&d);		/* nothing to close: still safe */

	/* A mistake in the file: named with its file. */
	o.config = bad;
	assert_int_equal(desk_open(&d, &cfg, &o, &notice, &err), -1);
	assert_non_null(err);
	assert_non_null(strstr(err, "bad"));
	assert_non_null(strstr(err, "refresh"));
	assert_null(d.net);
	free(err);
	err = NULL;

	/* A cache that cannot be made: the configuration is let go too. */
	o.config = good;
	free(write_file("no-such-dir", "a file, not a folder\n"));
	free(cachepath);
	cachepath = xasprintf("%s/no-such-dir/cache.db", tmpdir);
	o.cache = cachepath;
	assert_int_equal(desk_open(&d, &cfg, &o, &notice, &err), -1);
	assert_non_null(err);
	assert_null(d.cache);
	assert_null(d.net);
	assert_null(d.cfg);
	assert_null(d.targets);
	free(err);

	unlink_in("no-such-dir");
	unlink(bad);
	unlink(good);
	free(bad);
	free(good);
	free(missing);
	free(cachepath);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_close),
		cmocka_unit_test(test_region_and_read_only),
		cmocka_unit_test(test_default_target),
		cmocka_unit_test(test_failures),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
