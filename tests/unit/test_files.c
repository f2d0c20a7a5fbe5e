/*
 * test_files.c - files and secrets: the cache is not opened through a
 * symbolic link; a cache or state folder owned by another user (or
 * writable by all, not sticky) is refused with a message naming it and
 * its owner; core dumps are off once credentials are set up; a secret
 * buffer stays one.  The owner cases need root (to give a folder to
 * nobody) and are skipped, saying so, otherwise.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/awsconf.h"
#include "aws/creds.h"
#include "aws/net.h"
#include "cache/cache.h"
#include "ops/audit.h"
#include "util/util.h"

static char dir[] = "/tmp/pd-files-XXXXXX";

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	(void)state;
	(void)!system(cmd);
	free(cmd);
	return 0;
}

static void
test_cache_symlink_refused(void **state)
{
	char *real = xasprintf("%s/real.db", dir);
	char *link = xasprintf("%s/link.db", dir);
	struct cache *c = NULL;
	char *err = NULL;
	struct stat sb;
	FILE *f;

	(void)state;
	f = fopen(real, "w");
	assert_non_null(f);
	fputs("not touched", f);
	fclose(f);
	assert_int_equal(symlink(real, link), 0);
	assert_int_equal(cache_open(link, &c, NULL, &err), -1);
	assert_null(c);
	assert_non_null(strstr(err, "symbolic link"));
	assert_non_null(strstr(err, link));
	free(err);
	/* The file it points to is as it was: not opened, not moved. */
	assert_int_equal(stat(real, &sb), 0);
	assert_int_equal(sb.st_size, 11);
	free(real);
	free(link);
}

/* A folder given to nobody; skips when that cannot be done. */
static char *
foreign_dir(const char *name)
{
	struct passwd *pw = getpwnam("nobody");
	char *d = xasprintf("%s/%s", dir, name);

	assert_int_equal(mkdir(d, 0700), 0);
	if (geteuid() != 0 || pw == NULL || chown(d, pw->pw_uid,
	    pw->pw_gid) != 0) {
		free(d);
		skip();
	}
	return d;
}

static void
test_cache_foreign_folder_refused(void **state)
{
	char *d = foreign_dir("nobodys"), *path;
	struct cache *c = NULL;
	char *err = NULL;

	(void)state;
	path = xasprintf("%s/cache.db", d);
	assert_int_equal(cache_open(path, &c, NULL, &err), -1);
	assert_non_null(strstr(err, "cache folder"));
	assert_non_null(strstr(err, d));
	assert_non_null(strstr(err, "nobody"));
	free(err);
	assert_int_equal(access(path, F_OK), -1);	/* nothing created */
	/* The default place, under XDG_CACHE_HOME, the same. */
	setenv("XDG_CACHE_HOME", dir, 1);
	free(path);
	err = NULL;
	{
		char *p = xasprintf("%s/patchdeck", dir);

		assert_int_equal(rename(d, p), 0);
		free(d);
		d = p;
	}
	path = cache_default_path(&err);
	assert_non_null(path);
	assert_int_equal(cache_open(path, &c, NULL, &err), -1);
	assert_non_null(strstr(err, "nobody"));
	free(err);
	free(path);
	free(d);
}

static void
test_cache_world_writable_folder_refused(void **state)
{
	char *d = xasprintf("%s/open", dir), *path;
	struct cache *c = NULL;
	char *err = NULL;

	(void)state;
	assert_int_equal(mkdir(d, 0700), 0);
	assert_int_equal(chmod(d, 0777), 0);
	path = xasprintf("%s/open/cache.db", dir);
	assert_int_equal(cache_open(path, &c, NULL, &err), -1);
	assert_non_null(strstr(err, "writable by every user"));
	free(err);
	err = NULL;
	/* Sticky, as /tmp: accepted. */
	assert_int_equal(chmod(d, 01777), 0);
	if (cache_open(path, &c, NULL, &err) == -1)
		fail_msg("cache_open: %s", err);
	cache_close(c);
	free(path);
	free(d);
}

static void
test_state_foreign_folder_refused(void **state)
{
	char *d = foreign_dir("state"), *p, *err = NULL;

	(void)state;
	p = xasprintf("%s/patchdeck", d);
	/* The state folder itself another user's. */
	setenv("XDG_STATE_HOME", dir, 1);
	{
		char *s = xasprintf("%s/patchdeck", dir);

		assert_int_equal(rename(d, s), 0);
		free(d);
		d = s;
	}
	assert_null(audit_default_path(&err));
	assert_non_null(strstr(err, "state folder"));
	assert_non_null(strstr(err, d));
	assert_non_null(strstr(err, "nobody"));
	free(err);
	free(p);
	free(d);
}

static void
test_core_dumps_off_with_credentials(void **state)
{
	struct aws_config cfg;
	struct creds_provider *cp;
	struct rlimit rl;
	struct net *n;
	char *err = NULL;

	(void)state;
	setenv("AWS_ACCESS_KEY_ID", "AKIDCORE", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "coresecret", 1);
	setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	unsetenv("AWS_PROFILE");
	rl.rlim_cur = rl.rlim_max = RLIM_INFINITY;
	(void)setrlimit(RLIMIT_CORE, &rl);
	(void)prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	if (awsconf_load(&cfg, NULL, "us-east-1", &err) != 0)
		fail_msg("awsconf_load: %s", err);
	n = net_new();
	cp = creds_new(n, &cfg, NULL, &err);
	assert_non_null(cp);
	assert_int_equal(getrlimit(RLIMIT_CORE, &rl), 0);
	assert_int_equal(rl.rlim_cur, 0);
#if !UTIL_SANITIZED
	assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
#endif
	creds_free(cp);
	net_free(n);
	awsconf_free(&cfg);
}

static void
test_secret_buf(void **state)
{
	struct buf b;
	char *s;
	int i;

	(void)state;
	buf_init_secret(&b);
	for (i = 0; i < 1000; i++)
		buf_puts(&b, "secret");
	assert_int_equal(b.len, 6000);
	assert_memory_equal(b.data + 5994, "secret", 7);
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	buf_free(&b);
	assert_true(b.secret);
	buf_puts(&b, "again");
	s = buf_steal(&b);
	assert_string_equal(s, "again");
	assert_true(b.secret);
	util_free_secret_str(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cache_symlink_refused),
		cmocka_unit_test(test_cache_foreign_folder_refused),
		cmocka_unit_test(test_cache_world_writable_folder_refused),
		cmocka_unit_test(test_state_foreign_folder_refused),
		cmocka_unit_test(test_core_dumps_off_with_credentials),
		cmocka_unit_test(test_secret_buf),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
