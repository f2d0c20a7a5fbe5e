/*
 * test_awsconf.c - profile, region, endpoint, CA bundle and attempts
 * precedence, and errors that name where the bad value came from.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/awsconf.h"
#include "aws/ini.h"
#include "util/util.h"

static char dir[64];
static char *cfg_path, *cred_path;

static const char *const vars[] = {
	"AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_CA_BUNDLE",
	"AWS_MAX_ATTEMPTS", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_EC2",
	"AWS_ENDPOINT_URL_SSM", "AWS_ENDPOINT_URL_DYNAMODB",
	"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_ATHENA",
	"AWS_ENDPOINT_URL_SNS", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_IAM",
	"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
};

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int
setup(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof vars / sizeof vars[0]; i++)
		unsetenv(vars[i]);
	strcpy(dir, "/tmp/test_awsconf.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	cfg_path = xasprintf("%s/config", dir);
	cred_path = xasprintf("%s/credentials", dir);
	setenv("AWS_CONFIG_FILE", cfg_path, 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", cred_path, 1);
	return 0;
}

static int
teardown(void **state)
{
	char *p;

	(void)state;
	unlink(cfg_path);
	unlink(cred_path);
	p = xasprintf("%s/ca.pem", dir);
	unlink(p);
	free(p);
	rmdir(dir);
	free(cfg_path);
	free(cred_path);
	return 0;
}

/* Loads and expects success. */
static void
load_ok(struct aws_config *c, const char *profile, const char *region)
{
	char *err = NULL;

	if (awsconf_load(c, profile, region, &err) != 0)
		fail_msg("awsconf_load: %s", err);
}

/* Loads and expects failure; returns the message (caller frees). */
static char *
load_err(const char *profile, const char *region)
{
	struct aws_config c;
	char *err = NULL;

	assert_int_equal(awsconf_load(&c, profile, region, &err), -1);
	assert_non_null(err);
	return err;
}

static void
test_no_files(void **state)
{
	struct aws_config c;

	(void)state;
	load_ok(&c, NULL, NULL);
	assert_string_equal(c.profile, "default");
	assert_string_equal(c.profile_source, "default");
	assert_null(c.config);
	assert_null(c.credentials);
	assert_null(c.region);
	assert_null(c.ca_bundle);
	assert_int_equal(c.max_attempts, 3);
	assert_string_equal(c.config_path, cfg_path);
	awsconf_free(&c);
}

static void
test_paths_default_home(void **state)
{
	struct aws_config c;
	char *old = getenv("HOME") ? xstrdup(getenv("HOME")) : NULL;
	char *want;

	(void)state;
	unsetenv("AWS_CONFIG_FILE");
	setenv("AWS_SHARED_CREDENTIALS_FILE", "~/creds", 1);
	setenv("HOME", dir, 1);
	load_ok(&c, NULL, NULL);
	want = xasprintf("%s/.aws/config", dir);
	assert_string_equal(c.config_path, want);
	free(want);
	want = xasprintf("%s/creds", dir);
	assert_string_equal(c.credentials_path, want);
	free(want);
	awsconf_free(&c);
	if (old != NULL) {
		setenv("HOME", old, 1);
		free(old);
	} else
		unsetenv("HOME");
}

static void
test_profile_precedence(void **state)
{
	struct aws_config c;
	char *e;

	(void)state;
	write_file(cfg_path, "[profile env]\nregion = r-env\n"
	    "[profile opt]\nregion = r-opt\n");
	write_file(cred_path, "[credonly]\nregion = r-cred\n");
	setenv("AWS_PROFILE", "env", 1);
	load_ok(&c, "opt", NULL);
	assert_string_equal(c.profile, "opt");
	assert_string_equal(c.profile_source, "--profile");
	assert_string_equal(c.region, "r-opt");
	assert_string_equal(c.region_source, "profile opt");
	awsconf_free(&c);

	load_ok(&c, NULL, NULL);
	assert_string_equal(c.profile, "env");
	assert_string_equal(c.profile_source, "AWS_PROFILE");
	awsconf_free(&c);

	/* A profile only in the credentials file is a profile. */
	load_ok(&c, "credonly", NULL);
	assert_string_equal(c.region, "r-cred");
	assert_true(awsconf_has_profile(&c, "credonly"));
	assert_false(awsconf_has_profile(&c, "nosuch"));
	awsconf_free(&c);

	e = load_err("nosuch", NULL);
	assert_non_null(strstr(e, "profile 'nosuch' (from --profile)"));
	assert_non_null(strstr(e, cfg_path));
	assert_non_null(strstr(e, cred_path));
	free(e);
	unsetenv("AWS_PROFILE");
}

static void
test_default_sections(void **state)
{
	struct aws_config c;
	const char *where;

	(void)state;
	write_file(cfg_path, "[default]\nregion = r-default\noutput = x\n");
	load_ok(&c, NULL, NULL);
	assert_string_equal(c.region, "r-default");
	awsconf_free(&c);

	/* [profile default] wins over [default]. */
	write_file(cfg_path, "[default]\nregion = r-default\n"
	    "[profile default]\nregion = r-pd\n");
	load_ok(&c, NULL, NULL);
	assert_string_equal(c.region, "r-pd");
	awsconf_free(&c);

	/* Credentials file first, then config; where names file:line. */
	write_file(cfg_path, "[profile dev]\nregion = r1\nk = from-config\n");
	write_file(cred_path, "[dev]\n\nk = from-creds\n");
	load_ok(&c, "dev", NULL);
	assert_string_equal(awsconf_get(&c, "dev", "k", &where),
	    "from-creds");
	{
		char *w = xasprintf("%s:3", cred_path);

		assert_string_equal(where, w);
		free(w);
	}
	assert_string_equal(awsconf_get(&c, "dev", "region", &where), "r1");
	assert_null(awsconf_get(&c, "dev", "nothing", NULL));
	/* [profile dev] in the credentials file is not "dev". */
	awsconf_free(&c);
}

static void
test_region_precedence(void **state)
{
	struct aws_config c;

	(void)state;
	write_file(cfg_path, "[default]\nregion = r-profile\n");
	setenv("AWS_REGION", "r-region", 1);
	setenv("AWS_DEFAULT_REGION", "r-default-region", 1);
	load_ok(&c, NULL, "r-opt");
	assert_string_equal(c.region, "r-opt");
	assert_string_equal(c.region_source, "--region");
	awsconf_free(&c);

	load_ok(&c, NULL, NULL);
	assert_string_equal(c.region, "r-region");
	assert_string_equal(c.region_source, "AWS_REGION");
	awsconf_free(&c);

	unsetenv("AWS_REGION");
	load_ok(&c, NULL, NULL);
	assert_string_equal(c.region, "r-default-region");
	assert_string_equal(c.region_source, "AWS_DEFAULT_REGION");
	awsconf_free(&c);

	/* An empty variable counts as unset. */
	setenv("AWS_DEFAULT_REGION", "", 1);
	load_ok(&c, NULL, NULL);
	assert_string_equal(c.region, "r-profile");
	assert_string_equal(c.region_source, "profile default");
	awsconf_free(&c);
	unsetenv("AWS_DEFAULT_REGION");
}

static void
test_region_invalid(void **state)
{
	char *e, *want;

	(void)state;
	setenv("AWS_REGION", "us-east-1.evil.com/", 1);
	e = load_err(NULL, NULL);
	assert_string_equal(e, "AWS_REGION: 'us-east-1.evil.com/' is not a "
	    "region name");
	free(e);
	unsetenv("AWS_REGION");
	write_file(cfg_path, "[default]\n\nregion = eu west\n");
	e = load_err(NULL, NULL);
	want = xasprintf("%s:3: region: 'eu west' is not a region name",
	    cfg_path);
	assert_string_equal(e, want);
	free(want);
	free(e);
}

static void
test_endpoint_precedence(void **state)
{
	struct aws_config c;
	const char *src;
	char *u;
	int custom;

	(void)state;
	write_file(cfg_path, "[default]\nregion = eu-west-1\n"
	    "endpoint_url = http://profile:1/\n");
	setenv("AWS_ENDPOINT_URL", "http://global:2", 1);
	setenv("AWS_ENDPOINT_URL_SSM", "https://svc:3/base/", 1);
	load_ok(&c, NULL, NULL);

	u = awsconf_endpoint(&c, "SSM", &custom, &src);
	assert_string_equal(u, "https://svc:3/base");
	assert_true(custom);
	assert_string_equal(src, "AWS_ENDPOINT_URL_SSM");
	free(u);
	u = awsconf_endpoint(&c, "EC2", &custom, &src);
	assert_string_equal(u, "http://global:2");
	assert_string_equal(src, "AWS_ENDPOINT_URL");
	free(u);
	awsconf_free(&c);

	unsetenv("AWS_ENDPOINT_URL");
	unsetenv("AWS_ENDPOINT_URL_SSM");
	load_ok(&c, NULL, NULL);
	u = awsconf_endpoint(&c, "EC2", &custom, &src);
	assert_string_equal(u, "http://profile:1");
	assert_true(custom);
	assert_string_equal(src, "profile endpoint_url");
	free(u);
	awsconf_free(&c);

	write_file(cfg_path, "[default]\nregion = eu-west-1\n");
	load_ok(&c, NULL, NULL);
	u = awsconf_endpoint(&c, "EC2", &custom, &src);
	assert_string_equal(u, "https://ec2.eu-west-1.amazonaws.com");
	assert_false(custom);
	assert_string_equal(src, "default");
	free(u);
	u = awsconf_endpoint(&c, "STS", &custom, NULL);
	assert_string_equal(u, "https://sts.eu-west-1.amazonaws.com");
	free(u);
	u = awsconf_endpoint(&c, "S3", &custom, NULL);
	assert_string_equal(u, "https://s3.eu-west-1.amazonaws.com");
	free(u);
	u = awsconf_endpoint(&c, "DYNAMODB", &custom, NULL);
	assert_string_equal(u, "https://dynamodb.eu-west-1.amazonaws.com");
	free(u);
	u = awsconf_endpoint(&c, "IAM", &custom, NULL);
	assert_string_equal(u, "https://iam.amazonaws.com");
	free(u);
	u = awsconf_endpoint_region(&c, "ATHENA", "cn-north-1", &custom,
	    NULL);
	assert_string_equal(u, "https://athena.cn-north-1.amazonaws.com.cn");
	free(u);
	awsconf_free(&c);

	/* No region and nothing configured: no endpoint. */
	write_file(cfg_path, "");
	load_ok(&c, NULL, NULL);
	assert_null(awsconf_endpoint(&c, "EC2", &custom, &src));
	awsconf_free(&c);
}

static void
test_endpoint_services_section(void **state)
{
	struct aws_config c;
	const char *src;
	char *u, *e, *want;
	int custom;

	(void)state;
	write_file(cfg_path, "[profile p]\nregion = r1\nservices = local\n"
	    "endpoint_url = http://profile\n"
	    "[services local]\nsns =\n  endpoint_url = http://sns-local:9\n");
	load_ok(&c, "p", NULL);
	u = awsconf_endpoint(&c, "SNS", &custom, &src);
	assert_string_equal(u, "http://sns-local:9");
	assert_string_equal(src, "profile services section");
	free(u);
	u = awsconf_endpoint(&c, "EC2", &custom, &src);
	assert_string_equal(u, "http://profile");
	free(u);
	awsconf_free(&c);

	write_file(cfg_path, "[profile p]\nservices = nosuch\n");
	e = load_err("p", NULL);
	want = xasprintf("%s:2: services: 'nosuch' names no [services ...] "
	    "section in the config file", cfg_path);
	assert_string_equal(e, want);
	free(want);
	free(e);

	write_file(cfg_path, "[profile p]\nservices = s\n[services s]\n"
	    "ec2 =\n  endpoint_url = ftp://x\n");
	e = load_err("p", NULL);
	want = xasprintf("%s:5: ec2.endpoint_url: 'ftp://x' is not an "
	    "http:// or https:// URL", cfg_path);
	assert_string_equal(e, want);
	free(want);
	free(e);
}

static void
test_endpoint_malformed(void **state)
{
	char *e, *want;

	(void)state;
	setenv("AWS_ENDPOINT_URL_DYNAMODB", "localhost:8000", 1);
	e = load_err(NULL, NULL);
	assert_string_equal(e, "AWS_ENDPOINT_URL_DYNAMODB: 'localhost:8000' "
	    "is not an http:// or https:// URL");
	free(e);
	unsetenv("AWS_ENDPOINT_URL_DYNAMODB");

	setenv("AWS_ENDPOINT_URL", "http://", 1);
	e = load_err(NULL, NULL);
	assert_non_null(strstr(e, "AWS_ENDPOINT_URL: "));
	free(e);
	unsetenv("AWS_ENDPOINT_URL");

	write_file(cfg_path, "[default]\n# x\nendpoint_url = htp://typo\n");
	e = load_err(NULL, NULL);
	want = xasprintf("%s:3: endpoint_url: 'htp://typo' is not an http:// "
	    "or https:// URL", cfg_path);
	assert_string_equal(e, want);
	free(want);
	free(e);
}

static void
test_ca_bundle(void **state)
{
	struct aws_config c;
	char *ca = xasprintf("%s/ca.pem", dir);
	char *e, *want;

	(void)state;
	write_file(ca, "-----BEGIN CERTIFICATE-----\n");
	write_file(cfg_path, "[default]\nca_bundle = /nonexistent/ca.pem\n");
	setenv("AWS_CA_BUNDLE", ca, 1);
	load_ok(&c, NULL, NULL);
	assert_string_equal(c.ca_bundle, ca);
	awsconf_free(&c);

	unsetenv("AWS_CA_BUNDLE");
	e = load_err(NULL, NULL);
	want = xasprintf("%s:2: ca_bundle: /nonexistent/ca.pem: ", cfg_path);
	assert_non_null(strstr(e, want));
	free(want);
	free(e);

	write_file(cfg_path, "[default]\nca_bundle = ~/ca.pem\n");
	{
		char *old = xstrdup(getenv("HOME") ? getenv("HOME") : "/");

		setenv("HOME", dir, 1);
		load_ok(&c, NULL, NULL);
		assert_string_equal(c.ca_bundle, ca);
		awsconf_free(&c);
		setenv("HOME", old, 1);
		free(old);
	}
	free(ca);
}

static void
test_max_attempts(void **state)
{
	struct aws_config c;
	char *e, *want;

	(void)state;
	write_file(cfg_path, "[default]\nmax_attempts = 7\n");
	load_ok(&c, NULL, NULL);
	assert_int_equal(c.max_attempts, 7);
	awsconf_free(&c);

	setenv("AWS_MAX_ATTEMPTS", "2", 1);
	load_ok(&c, NULL, NULL);
	assert_int_equal(c.max_attempts, 2);
	awsconf_free(&c);

	setenv("AWS_MAX_ATTEMPTS", "0", 1);
	e = load_err(NULL, NULL);
	assert_string_equal(e, "AWS_MAX_ATTEMPTS: '0' is not a whole number "
	    ">= 1");
	free(e);
	setenv("AWS_MAX_ATTEMPTS", "99999999999", 1);
	free(load_err(NULL, NULL));
	unsetenv("AWS_MAX_ATTEMPTS");

	write_file(cfg_path, "[default]\nmax_attempts = three\n");
	e = load_err(NULL, NULL);
	want = xasprintf("%s:2: max_attempts: 'three' is not a whole number "
	    ">= 1", cfg_path);
	assert_string_equal(e, want);
	free(want);
	free(e);
}

static void
test_parse_error_propagates(void **state)
{
	char *e, *want;

	(void)state;
	write_file(cred_path, "[default]\naws_access_key_id = AKIA\n"
	    "aws_secret_access_key wJalrXUtnFEMI\n");
	e = load_err(NULL, NULL);
	want = xasprintf("%s:3: ", cred_path);
	assert_non_null(strstr(e, want));
	free(want);
	free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_files, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_paths_default_home, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_profile_precedence, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_default_sections, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_region_precedence, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_region_invalid, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_endpoint_precedence,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_endpoint_services_section,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_endpoint_malformed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ca_bundle, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_max_attempts, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_parse_error_propagates,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
