/*
 * test_config.c - patchdeck's own config file: every key of every section
 * read back, the defaults when there is no file, and an error that names
 * FILE:LINE and the key for every kind of mistake, including hostile time
 * zone names.  Files are written into a mkdtemp folder; zones come from
 * $TZDIR (Debian's tzdata).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleet/date.h"
#include "fleet/tz.h"
#include "fleet/window.h"
#include "ops/config.h"
#include "util/util.h"

static char *tmpdir;

/* Removes dir and everything below it (the tests make at most two
 * levels). */
static void
rm_tree(const char *dir)
{
	struct dirent *de;
	struct stat sb;
	DIR *d;
	char *p;

	d = opendir(dir);
	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			p = xasprintf("%s/%s", dir, de->d_name);
			if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
				rm_tree(p);
			else
				unlink(p);
			free(p);
		}
		closedir(d);
	}
	rmdir(dir);
}

static int
setup_dir(void **state)
{
	char tmpl[] = "/tmp/test_config.XXXXXX";

	(void)state;
	if (mkdtemp(tmpl) == NULL)
		return -1;
	tmpdir = xstrdup(tmpl);
	if (getenv("TZDIR") == NULL)
		setenv("TZDIR", "/usr/share/zoneinfo", 1);
	return 0;
}

static int
teardown_dir(void **state)
{
	(void)state;
	rm_tree(tmpdir);
	free(tmpdir);
	tmpdir = NULL;
	return 0;
}

/* Writes text to tmpdir/name; returns the path (caller frees). */
static char *
write_file(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	return path;
}

static long long
utc(int y, int m, int d, int h, int mi)
{
	return fleet_date_days_from_civil(y, m, d) * 86400 + h * 3600 +
	    mi * 60;
}

/* ---- a full file -------------------------------------------------- */

static const char full_file[] =
    "# every key of every section\n"
    "[general]\n"
    "read_only = true\n"
    "refresh = 2m\n"
    "stale_days = 40\n"
    "exception_max_days = 60\n"
    "expiring_days = 10\n"
    "confirm_count_above = 200\n"
    "sns_topic = arn:aws:sns:us-east-1:111122223333:patch-alerts\n"
    "exceptions_table = my-exceptions\n"
    "runs_table = my-runs\n"
    "\n"
    "[target prod]\n"
    "profile = prod-admin\n"
    "role_arn = arn:aws:iam::111122223333:role/patchdeck\n"
    "external_id = ext-123\n"
    "regions = us-east-1, eu-west-1,ap-southeast-2 ,  sa-east-1\n"
    "\n"
    "[target dev]\n"
    "profile = dev\n"
    "regions = eu-central-1\n"
    "\n"
    "[window sun-0200]\n"
    "schedule = sun 02:00\n"
    "duration = 3h\n"
    "timezone = Europe/Berlin\n"
    "lead = 30m\n"
    "\n"
    "[window patch-tue]\n"
    "schedule = 2nd tue +3d 01:00\n"
    "duration = 1h30m\n"
    "timezone = America/New_York\n"
    "lead = 0\n"
    "\n"
    "[window daily]\n"
    "schedule = daily 23:15\n"
    "duration = 45m\n"
    "\n"
    "[tags]\n"
    "window = MaintWindow\n"
    "exception = MaintException\n"
    "patch_now = patch-now\n"
    "last_patched = PatchedAt\n"
    "owner = Team\n"
    "started_for = pd:started\n";

static void
test_full_file(void **state)
{
	static const char *const prod_regions[] = {
		"us-east-1", "eu-west-1", "ap-southeast-2", "sa-east-1"
	};
	struct config c;
	char *path = write_file("full.ini", full_file), *err = NULL;
	char buf[64];
	size_t i;
	int isdst = -1;

	(void)state;
	assert_int_equal(config_load(path, "us-west-2", &c, &err), 0);
	assert_null(err);
	assert_string_equal(c.path, path);

	assert_int_equal(c.read_only, 1);
	assert_int_equal(c.refresh_s, 120);
	assert_int_equal(c.stale_days, 40);
	assert_int_equal(c.exception_max_days, 60);
	assert_int_equal(c.expiring_days, 10);
	assert_int_equal(c.confirm_count_above, 200);
	assert_string_equal(c.sns_topic,
	    "arn:aws:sns:us-east-1:111122223333:patch-alerts");
	assert_string_equal(c.exceptions_table, "my-exceptions");
	assert_string_equal(c.runs_table, "my-runs");

	assert_int_equal(c.ntargets, 2);
	assert_string_equal(c.targets[0].name, "prod");
	assert_string_equal(c.targets[0].profile, "prod-admin");
	assert_string_equal(c.targets[0].role_arn,
	    "arn:aws:iam::111122223333:role/patchdeck");
	assert_string_equal(c.targets[0].external_id, "ext-123");
	assert_int_equal(c.targets[0].nregions, 4);
	for (i = 0; i < 4; i++)
		assert_string_equal(c.targets[0].regions[i], prod_regions[i]);
	assert_string_equal(c.targets[1].name, "dev");
	assert_string_equal(c.targets[1].profile, "dev");
	assert_null(c.targets[1].role_arn);
	assert_null(c.targets[1].external_id);
	assert_int_equal(c.targets[1].nregions, 1);
	assert_string_equal(c.targets[1].regions[0], "eu-central-1");

	assert_int_equal(c.nwindows, 3);
	assert_string_equal(c.windows[0].id, "sun-0200");
	assert_string_equal(fleet_schedule_format(&c.windows[0].sched, buf,
	    sizeof buf), "sun 02:00");
	assert_int_equal(c.windows[0].sched.kind, FLEET_SCHED_WEEKLY);
	assert_int_equal(c.windows[0].sched.weekdays, 1);
	assert_int_equal(c.windows[0].duration_min, 180);
	assert_string_equal(c.windows[0].tz_name, "Europe/Berlin");
	assert_int_equal(c.windows[0].lead_min, 30);

	assert_string_equal(c.windows[1].id, "patch-tue");
	assert_int_equal(c.windows[1].sched.kind, FLEET_SCHED_MONTHLY);
	assert_int_equal(c.windows[1].sched.nth, 2);
	assert_int_equal(c.windows[1].sched.weekday, 2);
	assert_int_equal(c.windows[1].sched.offset_days, 3);
	assert_int_equal(c.windows[1].sched.hour, 1);
	assert_int_equal(c.windows[1].duration_min, 90);
	assert_string_equal(c.windows[1].tz_name, "America/New_York");
	assert_int_equal(c.windows[1].lead_min, 0);

	assert_string_equal(c.windows[2].id, "daily");
	assert_string_equal(fleet_schedule_format(&c.windows[2].sched, buf,
	    sizeof buf), "daily 23:15");
	assert_int_equal(c.windows[2].duration_min, 45);
	assert_string_equal(c.windows[2].tz_name, "UTC");
	assert_int_equal(c.windows[2].lead_min, FLEET_WINDOW_LEAD_DEFAULT);

	/* The zones are loaded, and zone_ptrs point at them. */
	assert_non_null(c.zone_ptrs);
	for (i = 0; i < 3; i++)
		assert_ptr_equal(c.zone_ptrs[i], &c.zones[i]);
	assert_int_equal(fleet_tz_offset(&c.zones[0], utc(2026, 1, 15, 12, 0),
	    &isdst), 3600);
	assert_int_equal(isdst, 0);
	assert_int_equal(fleet_tz_offset(&c.zones[0], utc(2026, 7, 15, 12, 0),
	    &isdst), 7200);
	assert_int_equal(isdst, 1);
	assert_int_equal(fleet_tz_offset(&c.zones[1], utc(2026, 1, 15, 12, 0),
	    NULL), -5 * 3600);
	assert_int_equal(fleet_tz_offset(&c.zones[2], utc(2026, 7, 15, 12, 0),
	    NULL), 0);
	/* The next Sunday 02:00 Berlin after Thu 2026-01-15 is 01:00 UTC on
	 * the 18th: the window is computed in its zone. */
	{
		long long s, e;

		assert_int_equal(fleet_window_next_start(&c.windows[0],
		    c.zone_ptrs[0], utc(2026, 1, 15, 12, 0), &s, &e, NULL), 0);
		assert_int_equal(s, utc(2026, 1, 18, 1, 0));
		assert_int_equal(e, s + 3 * 3600);
	}

	assert_string_equal(c.tags.window, "MaintWindow");
	assert_string_equal(c.tags.exception, "MaintException");
	assert_string_equal(c.tags.patch_now, "patch-now");
	assert_string_equal(c.tags.last_patched, "PatchedAt");
	assert_string_equal(c.tags.owner, "Team");
	assert_string_equal(c.tags.started_for, "pd:started");

	config_free(&c);
	assert_int_equal(c.ntargets, 0);
	assert_null(c.targets);
	free(path);
}

/* [tags] renames only what it names; a target without regions gets the
 * default region; a refresh of 0 turns it off; bools in every spelling. */
static void
test_partial_file(void **state)
{
	static const char *const yes[] = { "true", "TRUE", "yes", "Yes", "1" };
	static const char *const no[] = { "false", "False", "no", "NO", "0" };
	struct config c;
	char *path, *text, *err = NULL;
	size_t i;

	(void)state;
	path = write_file("part.ini",
	    "[general]\nrefresh = 0\n[tags]\nowner = Team\n"
	    "[target solo]\nprofile = solo\n");
	assert_int_equal(config_load(path, "eu-north-1", &c, &err), 0);
	assert_int_equal(c.refresh_s, 0);
	assert_int_equal(c.read_only, 0);
	assert_string_equal(c.tags.owner, "Team");
	assert_string_equal(c.tags.window, "PatchWindow");
	assert_string_equal(c.tags.last_patched, "LastPatched");
	assert_string_equal(c.tags.started_for, "patchdeck:started-for");
	assert_int_equal(c.ntargets, 1);
	assert_string_equal(c.targets[0].name, "solo");
	assert_int_equal(c.targets[0].nregions, 1);
	assert_string_equal(c.targets[0].regions[0], "eu-north-1");
	assert_int_equal(c.nwindows, 0);
	config_free(&c);
	free(path);

	/* [general] and [tags] may be split; a target and a window of the
	 * same name are different things; an indented "[window w]" after a
	 * key continues its value and is not a second header. */
	path = write_file("split.ini",
	    "\xef\xbb\xbf[general]\r\nread_only = yes\r\n[tags]\r\n"
	    "owner = T\r\n[general]\r\nstale_days = 9\r\n"
	    "[target w]\r\nregions = us-east-1\r\n"
	    "[window w]\r\nschedule = sun 02:00\r\nduration = 3h\r\n"
	    "[target x]\r\nexternal_id = a\r\n  [window w]\r\n");
	assert_int_equal(config_load(path, NULL, &c, &err), 0);
	assert_int_equal(c.read_only, 1);
	assert_int_equal(c.stale_days, 9);
	assert_int_equal(c.ntargets, 2);
	assert_int_equal(c.nwindows, 1);
	assert_string_equal(c.targets[1].external_id, "a\n[window w]");
	config_free(&c);
	free(path);

	for (i = 0; i < 5; i++) {
		text = xasprintf("[general]\nread_only = %s\n", yes[i]);
		path = write_file("bool.ini", text);
		assert_int_equal(config_load(path, NULL, &c, &err), 0);
		assert_int_equal(c.read_only, 1);
		config_free(&c);
		free(path);
		free(text);
		text = xasprintf("[general]\nread_only = %s\n", no[i]);
		path = write_file("bool.ini", text);
		assert_int_equal(config_load(path, NULL, &c, &err), 0);
		assert_int_equal(c.read_only, 0);
		config_free(&c);
		free(path);
		free(text);
	}
}

/* Where read-only mode comes from, as every refusal names it: the flag
 * wins over the file; neither: changes are allowed (NULL). */
static void
test_read_only_why(void **state)
{
	struct config c;
	char *path, *err = NULL;

	(void)state;
	path = write_file("ro.ini", "[general]\nread_only = false\n");
	assert_int_equal(config_load(path, NULL, &c, &err), 0);
	assert_null(config_read_only_why(&c, 0));
	assert_string_equal(config_read_only_why(&c, 1), "--read-only");
	config_free(&c);
	free(path);

	path = write_file("ro.ini", "[general]\nread_only = true\n");
	assert_int_equal(config_load(path, NULL, &c, &err), 0);
	assert_string_equal(config_read_only_why(&c, 0),
	    "read_only = true in the configuration");
	assert_string_equal(config_read_only_why(&c, 1), "--read-only");
	config_free(&c);
	free(path);
}

/* ---- no file ------------------------------------------------------- */

static void
test_default_path_missing(void **state)
{
	struct config c;
	char *empty = xasprintf("%s/xdg-empty", tmpdir), *old, *p;
	char *err = NULL;

	(void)state;
	assert_int_equal(mkdir(empty, 0700), 0);
	old = getenv("XDG_CONFIG_HOME") ? xstrdup(getenv("XDG_CONFIG_HOME")) :
	    NULL;
	setenv("XDG_CONFIG_HOME", empty, 1);

	p = config_default_path();
	{
		char *want = xasprintf("%s/patchdeck/config", empty);

		assert_string_equal(p, want);
		free(want);
	}
	free(p);

	assert_int_equal(config_load(NULL, "ca-central-1", &c, &err), 0);
	assert_null(err);
	assert_null(c.path);
	assert_int_equal(c.read_only, 0);
	assert_int_equal(c.refresh_s, 300);
	assert_int_equal(c.stale_days, FLEET_STALE_DAYS_DEFAULT);
	assert_int_equal(c.exception_max_days, 90);
	assert_int_equal(c.expiring_days, 7);
	assert_int_equal(c.confirm_count_above, 50);
	assert_null(c.sns_topic);
	assert_string_equal(c.exceptions_table, "patchdeck-exceptions");
	assert_string_equal(c.runs_table, "patchdeck-runs");
	assert_int_equal(c.nwindows, 0);
	assert_int_equal(c.ntargets, 1);
	assert_string_equal(c.targets[0].name, "default");
	assert_null(c.targets[0].profile);
	assert_null(c.targets[0].role_arn);
	assert_int_equal(c.targets[0].nregions, 1);
	assert_string_equal(c.targets[0].regions[0], "ca-central-1");
	assert_string_equal(c.tags.window, "PatchWindow");
	assert_string_equal(c.tags.exception, "PatchException");
	assert_string_equal(c.tags.patch_now, "ssm-patch-now");
	assert_string_equal(c.tags.owner, "Owner");
	config_free(&c);

	/* No default region: the default target has none (the AWS region
	 * precedence applies later). */
	assert_int_equal(config_load(NULL, NULL, &c, &err), 0);
	assert_int_equal(c.ntargets, 1);
	assert_string_equal(c.targets[0].name, "default");
	assert_int_equal(c.targets[0].nregions, 0);
	config_free(&c);

	if (old != NULL) {
		setenv("XDG_CONFIG_HOME", old, 1);
		free(old);
	} else
		unsetenv("XDG_CONFIG_HOME");
	free(empty);
}

static void
test_missing_config_arg(void **state)
{
	struct config c;
	char *path = xasprintf("%s/does-not-exist.ini", tmpdir);
	char *err = NULL;

	(void)state;
	assert_int_equal(config_load(path, "us-east-1", &c, &err), -1);
	assert_non_null(err);
	assert_non_null(strstr(err, path));
	free(err);
	config_free(&c);
	free(path);
}

/* ---- errors -------------------------------------------------------- */

struct bad_case {
	const char *text;
	int line;		/* the line the message must name */
	const char *needle;	/* the key (or section) it must name */
};

#define WIN "[window w]\nschedule = sun 02:00\nduration = 3h\n"

static const struct bad_case bad_cases[] = {
	/* Unknown section, unknown key in each kind of section. */
	{ "[general]\nread_only = no\n\n[bogus]\nx = 1\n", 4, "bogus" },
	{ "[profile dev]\nregion = x\n", 1, "profile dev" },
	{ "[target]\nregions = us-east-1\n", 1, "target" },
	{ "[general]\ncolour = red\n", 2, "colour" },
	{ "[target prod]\nregions = us-east-1\nprofle = prod\n", 3,
	    "profle" },
	{ WIN "zone = UTC\n", 4, "zone" },
	{ "[tags]\nwindow = PW\nlastpatched = X\n", 3, "lastpatched" },
	/* Values. */
	{ "[general]\nread_only = maybe\n", 2, "read_only" },
	{ "[general]\nread_only =\n", 2, "read_only" },
	{ "[general]\nstale_days = 0\n", 2, "stale_days" },
	{ "[general]\nstale_days = 3651\n", 2, "stale_days" },
	{ "[general]\nstale_days = 30d\n", 2, "stale_days" },
	{ "[general]\nstale_days = 99999999999999999999\n", 2,
	    "stale_days" },
	{ "[general]\nexception_max_days = -5\n", 2, "exception_max_days" },
	{ "[general]\n\nexpiring_days = 366\n", 3, "expiring_days" },
	{ "[general]\nconfirm_count_above = 0\n", 2, "confirm_count_above" },
	{ "[general]\nconfirm_count_above = many\n", 2,
	    "confirm_count_above" },
	{ "[general]\nrefresh = soon\n", 2, "refresh" },
	{ "[window w]\nschedule = xyz 25:00\nduration = 3h\n", 2,
	    "schedule" },
	{ "[window w]\nschedule = sun 02:00 extra\nduration = 3h\n", 2,
	    "schedule" },
	{ "\n[window w]\nduration = 3h\n", 2, "schedule" },
	{ "[window w]\nschedule = sun 02:00\n", 1, "duration" },
	{ "[window w]\nschedule = sun 02:00\nduration = 3 hours\n", 3,
	    "duration" },
	{ "[window w]\nschedule = sun 02:00\nduration = 8d\n", 3,
	    "duration" },
	{ "[window w]\nschedule = sun 02:00\nduration = 0\n", 3,
	    "duration" },
	{ WIN "lead = later\n", 4, "lead" },
	{ WIN "timezone = Mars/Olympus_Mons\n", 4, "timezone" },
	{ WIN "timezone = ../../etc/passwd\n", 4, "timezone" },
	{ WIN "timezone = /etc/passwd\n", 4, "timezone" },
	{ WIN "timezone = Europe/../../../etc/passwd\n", 4, "timezone" },
	{ WIN "timezone = Europe/Berlin\\0\n", 4, "timezone" },
	{ WIN "timezone = Europe Berlin\n", 4, "timezone" },
	/* A file under TZDIR that is not a TZif file. */
	{ WIN "timezone = zone1970.tab\n", 4, "timezone" },
	{ "[tags]\nwindow = aws:PatchWindow\n", 2, "window" },
	{ "[tags]\nowner = AWS:Owner\n", 2, "owner" },
	{ "[tags]\n\nexception =\n", 3, "exception" },
	{ "[target prod]\nregions = us-east-1, US EAST\n", 2, "regions" },
	{ "[target prod]\nregions = eu_west_1\n", 2, "regions" },
	{ "[target prod]\nregions = , ,\n", 2, "regions" },
	{ "[target prod]\nrole_arn = role/patchdeck\n", 2, "role_arn" },
	{ "[target prod]\nrole_arn = iam::1:role/x\n", 2, "role_arn" },
	{ "[general]\nprepare_timeout = 0\n", 2, "prepare_timeout" },
	{ "[general]\nprepare_timeout = soon\n", 2, "prepare_timeout" },
	{ "[results]\nbucket = My_Bucket\n", 2, "bucket" },
	{ "[results]\nbucket = ab\n", 2, "bucket" },
	{ "[results]\nbucket = -bucket\n", 2, "bucket" },
	{ "[results]\nprefix = /x\n", 2, "prefix" },
	{ "[results]\nprefix = a b\n", 2, "prefix" },
	{ "[results]\nathena_database = db;drop\n", 2,
	    "athena_database" },
	{ "[results]\nathena_database = my-db\n", 2, "athena_database" },
	{ "[results]\nathena_workgroup = a b\n", 2, "athena_workgroup" },
	{ "[results]\nathena_output = https://x\n", 2, "athena_output" },
	{ "[results]\nbucket = b-1\nregion = x\n", 3, "region" },
	{ "[precheck]\nmin_free_mb = -1\n", 2, "min_free_mb" },
	{ "[precheck]\nmin_free_pct = 100\n", 2, "min_free_pct" },
	{ "[precheck]\nmounts = /, var\n", 2, "mounts" },
	{ "[precheck]\nmounts = ,\n", 2, "mounts" },
	{ "[precheck]\nrepo_url_prefixes = mirror.example\n", 2,
	    "repo_url_prefixes" },
	{ "[precheck]\nmax_load1 = high\n", 2, "max_load1" },
	{ "[precheck]\nmax_load1 = -1\n", 2, "max_load1" },
	{ "[precheck]\nmax_load1 = nan\n", 2, "max_load1" },
	{ "[precheck]\nrepo_map = http://a/\n", 2, "repo_map" },
	{ "[precheck]\nrepo_map = http://a/ => http://b/\n", 2,
	    "repo_map" },
	{ "[precheck]\nrepo_map = http://a/ -> b\n", 2, "repo_map" },
	{ "[precheck]\nrepo_map = http://a/ -> http://b/'\n", 2,
	    "repo_map" },
	{ "[precheck]\nmin_free = 5\n", 2, "min_free" },
	/* Given twice: the second one is named. */
	{ WIN "\n[window w]\nschedule = mon 03:00\nduration = 1h\n", 5,
	    "w" },
	{ "[target prod]\nregions = us-east-1\n[target prod]\n"
	    "regions = eu-west-1\n", 3, "prod" },
};

/* ---- [results], [precheck], prepare_timeout ----------------------- */

static void
test_results_precheck(void **state)
{
	struct config c;
	char *err = NULL, *path;

	(void)state;
	/* Defaults. */
	path = write_file("rp.ini", "[general]\nread_only = no\n");
	assert_int_equal(config_load(path, "us-east-1", &c, &err), 0);
	assert_null(c.results.bucket);
	assert_string_equal(c.results.prefix, "patchdeck");
	assert_string_equal(c.results.athena_database, "patchdeck");
	assert_string_equal(c.results.athena_workgroup, "primary");
	assert_null(c.results.athena_output);
	assert_int_equal(c.precheck.min_free_mb, 1024);
	assert_int_equal(c.precheck.min_free_pct, 10);
	assert_int_equal(c.precheck.nmounts, 2);
	assert_string_equal(c.precheck.mounts[0], "/");
	assert_string_equal(c.precheck.mounts[1], "/var");
	assert_int_equal(c.precheck.nrepo_url_prefixes, 0);
	assert_true(c.precheck.max_load1 == 0);
	assert_int_equal(c.precheck.nrepo_map, 0);
	assert_int_equal(c.prepare_timeout_s, 600);
	config_free(&c);
	free(path);

	/* Every key. */
	path = write_file("rp.ini",
	    "[general]\nprepare_timeout = 25m\n"
	    "[results]\nbucket = patch-results.example-1\n"
	    "prefix = fleet/patch\nathena_database = patch_db\n"
	    "athena_workgroup = ops-wg\n"
	    "athena_output = s3://athena-out/q/\n"
	    "[precheck]\nmin_free_mb = 2048\nmin_free_pct = 5\n"
	    "mounts = /, /var, /opt\n"
	    "repo_url_prefixes = https://mirror.example.com/, "
	    "http://deb.debian.org/\n"
	    "max_load1 = 12.5\n"
	    "repo_map = http://old.example/repo/ -> "
	    "https://mirror.example.com/repo/, http://x/ -> http://y/\n");
	assert_int_equal(config_load(path, "us-east-1", &c, &err), 0);
	assert_string_equal(c.results.bucket, "patch-results.example-1");
	assert_string_equal(c.results.prefix, "fleet/patch");
	assert_string_equal(c.results.athena_database, "patch_db");
	assert_string_equal(c.results.athena_workgroup, "ops-wg");
	assert_string_equal(c.results.athena_output, "s3://athena-out/q/");
	assert_int_equal(c.precheck.min_free_mb, 2048);
	assert_int_equal(c.precheck.min_free_pct, 5);
	assert_int_equal(c.precheck.nmounts, 3);
	assert_string_equal(c.precheck.mounts[2], "/opt");
	assert_int_equal(c.precheck.nrepo_url_prefixes, 2);
	assert_string_equal(c.precheck.repo_url_prefixes[1],
	    "http://deb.debian.org/");
	assert_true(c.precheck.max_load1 == 12.5);
	assert_int_equal(c.precheck.nrepo_map, 2);
	assert_string_equal(c.precheck.repo_map[0].from,
	    "http://old.example/repo/");
	assert_string_equal(c.precheck.repo_map[0].to,
	    "https://mirror.example.com/repo/");
	assert_string_equal(c.precheck.repo_map[1].to, "http://y/");
	assert_int_equal(c.prepare_timeout_s, 25 * 60);
	config_free(&c);
	free(path);
}

static void
test_errors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		const struct bad_case *b = &bad_cases[i];
		struct config c;
		char *path = write_file("bad.ini", b->text), *err = NULL;
		char *where = xasprintf("%s:%d:", path, b->line);

		if (config_load(path, "us-east-1", &c, &err) != -1)
			fail_msg("case %zu loaded: %s", i, b->text);
		if (err == NULL)
			fail_msg("case %zu: no message", i);
		if (strstr(err, where) == NULL || strstr(err, b->needle) ==
		    NULL)
			fail_msg("case %zu: '%s' does not name %s and '%s'", i,
			    err, where, b->needle);
		free(err);
		/* A partly loaded config frees cleanly (ASan checks). */
		config_free(&c);
		free(where);
		free(path);
	}
}

/* Everything before the error was loaded; config_free releases it all,
 * zones included (the sanitizer build reports any leak). */
static void
test_partial_free(void **state)
{
	struct config c;
	char *path, *err = NULL;

	(void)state;
	path = write_file("late.ini",
	    "[general]\nsns_topic = arn:x\nexceptions_table = t1\n"
	    "[tags]\nwindow = W\nowner = O\n"
	    "[target a]\nprofile = a\nrole_arn = arn:aws:iam::1:role/r\n"
	    "external_id = e\nregions = us-east-1, eu-west-1\n"
	    "[window berlin]\nschedule = sun 02:00\nduration = 3h\n"
	    "timezone = Europe/Berlin\n"
	    "[window ny]\nschedule = sat 02:00\nduration = 3h\n"
	    "timezone = America/New_York\n"
	    "[window bad]\nschedule = sun 02:00\nduration = 3h\n"
	    "timezone = Europe/Atlantis\n");
	assert_int_equal(config_load(path, NULL, &c, &err), -1);
	assert_non_null(strstr(err, "Europe/Atlantis"));
	assert_int_equal(c.ntargets, 1);
	assert_int_equal(c.nwindows, 3);
	free(err);
	config_free(&c);
	assert_int_equal(c.nwindows, 0);
	free(path);

	/* An error in the middle of a regions list. */
	path = write_file("late2.ini",
	    "[target a]\nregions = us-east-1, eu-west-1, Bad!\n");
	err = NULL;
	assert_int_equal(config_load(path, NULL, &c, &err), -1);
	assert_non_null(strstr(err, "Bad!"));
	free(err);
	config_free(&c);
	free(path);
}

static void
test_load_zone(void **state)
{
	static const char *const hostile[] = {
		"", "/etc/passwd", "../../etc/passwd", "Europe/../../x", "..",
		"Europe/Berlin\n", "Europe/Berlin ", "$(id)", "a;b",
		"Europe\\Berlin", "\x1b[2J", "\xff\xfe",
	};
	struct fleet_tz tz;
	char *err = NULL, big[200];
	size_t i;

	(void)state;
	assert_int_equal(config_load_zone("UTC", &tz, &err), 0);
	assert_null(err);
	assert_int_equal(fleet_tz_offset(&tz, utc(2026, 7, 1, 0, 0), NULL),
	    0);
	fleet_tz_done(&tz);
	assert_int_equal(config_load_zone("Etc/UTC", &tz, &err), 0);
	fleet_tz_done(&tz);

	assert_int_equal(config_load_zone("Europe/Berlin", &tz, &err), 0);
	assert_int_equal(fleet_tz_offset(&tz, utc(2026, 1, 10, 0, 0), NULL),
	    3600);
	fleet_tz_done(&tz);
	assert_int_equal(config_load_zone("Asia/Kathmandu", &tz, &err), 0);
	assert_int_equal(fleet_tz_offset(&tz, utc(2026, 1, 10, 0, 0), NULL),
	    5 * 3600 + 45 * 60);
	fleet_tz_done(&tz);

	for (i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
		err = NULL;
		if (config_load_zone(hostile[i], &tz, &err) != -1)
			fail_msg("zone %zu accepted", i);
		assert_non_null(err);
		free(err);
	}
	memset(big, 'A', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	err = NULL;
	assert_int_equal(config_load_zone(big, &tz, &err), -1);
	free(err);
	/* A directory, not a file. */
	err = NULL;
	assert_int_equal(config_load_zone("Europe", &tz, &err), -1);
	assert_non_null(err);
	free(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_partial_file),
		cmocka_unit_test(test_read_only_why),
		cmocka_unit_test(test_default_path_missing),
		cmocka_unit_test(test_missing_config_arg),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_results_precheck),
		cmocka_unit_test(test_partial_free),
		cmocka_unit_test(test_load_zone),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
