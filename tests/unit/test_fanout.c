/*
 * test_fanout.c - the slots of a fanout (one per target and region, named
 * as the cache names targets), the region rules, the errors, and clients
 * made on first use without the network: credentials come from the
 * environment and every endpoint is a closed local port, and nothing is
 * submitted to the loop.
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

#include "aws/client.h"
#include "aws/net.h"
#include "ops/config.h"
#include "ops/fanout.h"
#include "util/util.h"

static char dir[64];
static char *cfg_path, *cred_path;

static const char *const vars[] = {
	"AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_CA_BUNDLE",
	"AWS_MAX_ATTEMPTS", "AWS_ENDPOINT_URL_EC2", "AWS_ENDPOINT_URL_SSM",
	"AWS_ENDPOINT_URL_STS", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN",
	"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
	"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
};

static int
setup(void **state)
{
	FILE *f;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof vars / sizeof vars[0]; i++)
		unsetenv(vars[i]);
	strcpy(dir, "/tmp/test_fanout.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	cfg_path = xasprintf("%s/config", dir);
	cred_path = xasprintf("%s/credentials", dir);
	/* Empty files: no region and no profile come from them. */
	if ((f = fopen(cfg_path, "w")) == NULL)
		return -1;
	fclose(f);
	if ((f = fopen(cred_path, "w")) == NULL)
		return -1;
	fclose(f);
	setenv("AWS_CONFIG_FILE", cfg_path, 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", cred_path, 1);
	setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
	    1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	/* Were anything sent, it would go nowhere. */
	setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9", 1);
	*state = net_new();
	return 0;
}

static int
teardown(void **state)
{
	net_free(*state);
	unlink(cfg_path);
	unlink(cred_path);
	rmdir(dir);
	free(cfg_path);
	free(cred_path);
	unsetenv("AWS_REGION");
	return 0;
}

static char *prod_regions[] = { "us-east-1", "eu-west-1" };
static char *dev_regions[] = { "us-west-2" };

/* prod (two regions), dev (one), solo (none), "team/a" (a '/' in it). */
static struct config_target targets[] = {
	{ "prod", NULL, NULL, NULL, prod_regions, 2 },
	{ "dev", NULL, "arn:aws:iam::111122223333:role/patchdeck", NULL,
	    dev_regions, 1 },
	{ "solo", NULL, NULL, NULL, NULL, 0 },
	{ "team/a", NULL, NULL, NULL, dev_regions, 1 },
};

/* fanout_open over targets[first..first+n), which must succeed. */
static struct fanout *
open_all(struct net *net, size_t first, size_t n, const char *region_opt)
{
	struct config c;
	struct fanout *f;
	char *err = NULL;

	memset(&c, 0, sizeof c);
	c.targets = &targets[first];
	c.ntargets = n;
	f = fanout_open(net, &c, NULL, region_opt, &err);
	assert_null(err);
	assert_non_null(f);
	return f;
}

/* The slots' names are names[0..n), in that order. */
static void
assert_names(struct fanout *f, const char *const *names, size_t n)
{
	size_t i;

	assert_int_equal(fanout_count(f), n);
	for (i = 0; i < n; i++)
		assert_string_equal(fanout_slot(f, i)->name, names[i]);
}

static void
slots_per_target_and_region(void **state)
{
	static const char *const names[] = {
		"prod/us-east-1", "prod/eu-west-1", "dev/us-west-2",
	};
	struct fanout *f = open_all(*state, 0, 2, NULL);

	assert_names(f, names, 3);
	assert_string_equal(fanout_slot(f, 0)->region, "us-east-1");
	assert_ptr_equal(fanout_slot(f, 0)->target, &targets[0]);
	assert_ptr_equal(fanout_slot(f, 2)->target, &targets[1]);
	/* One access per target, shared by its regions. */
	assert_ptr_equal(fanout_slot(f, 0)->access, fanout_slot(f, 1)->access);
	assert_ptr_not_equal(fanout_slot(f, 0)->access,
	    fanout_slot(f, 2)->access);
	assert_ptr_equal(fanout_find(f, "prod/eu-west-1"), fanout_slot(f, 1));
	assert_null(fanout_find(f, "prod/us-west-2"));
	assert_null(fanout_find(f, "prod"));
	assert_ptr_equal(fanout_find_target(f, "dev", "us-west-2"),
	    fanout_slot(f, 2));
	assert_null(fanout_find_target(f, "de", "v/us-west-2"));
	fanout_free(f);
}

static void
target_without_regions_uses_the_profile_region(void **state)
{
	static const char *const names[] = {
		"dev/us-west-2", "solo/eu-central-1",
	};
	struct fanout *f;

	setenv("AWS_REGION", "eu-central-1", 1);
	f = open_all(*state, 1, 2, NULL);
	assert_names(f, names, 2);
	assert_string_equal(fanout_slot(f, 1)->region, "eu-central-1");
	fanout_free(f);
}

static void
region_opt_overrides_every_list(void **state)
{
	static const char *const names[] = {
		"prod/ap-south-1", "dev/ap-south-1", "solo/ap-south-1",
	};
	struct fanout *f = open_all(*state, 0, 3, "ap-south-1");

	assert_names(f, names, 3);
	assert_string_equal(fanout_slot(f, 2)->region, "ap-south-1");
	fanout_free(f);
}

static void
no_region_anywhere_names_the_target(void **state)
{
	struct config c;
	char *err = NULL;

	memset(&c, 0, sizeof c);
	c.targets = targets;
	c.ntargets = 3;
	assert_null(fanout_open(*state, &c, NULL, NULL, &err));
	assert_non_null(err);
	assert_string_equal(err, "target solo: no region: give regions in the "
	    "configuration, --region or AWS_REGION");
	free(err);
}

static void
named_slots_once_in_order(void **state)
{
	static const char *const asked[] = {
		"dev/us-west-2", "prod/eu-west-1", "dev/us-west-2",
		"prod/sa-east-1", "team/a/us-west-2",
	};
	static const char *const names[] = {
		"dev/us-west-2", "prod/eu-west-1", "prod/sa-east-1",
		"team/a/us-west-2",
	};
	struct config c;
	struct fanout *f;
	char *err = NULL;

	memset(&c, 0, sizeof c);
	c.targets = targets;
	c.ntargets = 4;
	f = fanout_open_named(*state, &c, NULL, asked, 5, &err);
	assert_null(err);
	assert_non_null(f);
	assert_names(f, names, 4);
	/* A region the configuration does not list: a sync with --region
	 * named it so. */
	assert_string_equal(fanout_slot(f, 2)->region, "sa-east-1");
	assert_ptr_equal(fanout_slot(f, 1)->access, fanout_slot(f, 2)->access);
	assert_ptr_equal(fanout_slot(f, 3)->target, &targets[3]);
	assert_string_equal(fanout_slot(f, 3)->region, "us-west-2");
	assert_ptr_equal(fanout_find_target(f, "team/a", "us-west-2"),
	    fanout_slot(f, 3));
	fanout_free(f);

	f = fanout_open_named(*state, &c, NULL, NULL, 0, &err);
	assert_non_null(f);
	assert_int_equal(fanout_count(f), 0);
	fanout_free(f);
}

/* fanout_open_named of one name fails with want. */
static void
assert_named_fails(struct net *net, const char *name, const char *want)
{
	const char *const names[] = { "prod/us-east-1", name };
	struct config c;
	char *err = NULL;

	memset(&c, 0, sizeof c);
	c.targets = targets;
	c.ntargets = 2;
	assert_null(fanout_open_named(net, &c, NULL, names, 2, &err));
	assert_non_null(err);
	assert_string_equal(err, want);
	free(err);
}

static void
named_unknown_is_an_error_naming_it(void **state)
{
	assert_named_fails(*state, "gone/us-east-1", "target gone/us-east-1 "
	    "is not in the configuration (any more): run patchdeck sync");
	assert_named_fails(*state, "prod", "'prod' is not a target name "
	    "(TARGET/REGION)");
	assert_named_fails(*state, "prod/", "'prod/' is not a target name "
	    "(TARGET/REGION)");
	assert_named_fails(*state, "/us-east-1", "'/us-east-1' is not a "
	    "target name (TARGET/REGION)");
}

static void
clients_on_first_use_without_the_network(void **state)
{
	struct fanout *f = open_all(*state, 0, 2, NULL);
	struct fanout_slot *s = fanout_slot(f, 1);
	struct aws_client *ec2, *ssm, *sts;
	char *err = NULL;

	ec2 = fanout_client(s, "EC2", &err);
	assert_null(err);
	assert_non_null(ec2);
	assert_string_equal(ec2->region, "eu-west-1");
	assert_string_equal(ec2->service_id, "EC2");
	assert_ptr_equal(fanout_client(s, "EC2", &err), ec2);
	ssm = fanout_client(s, "SSM", &err);
	assert_non_null(ssm);
	assert_ptr_not_equal(ssm, ec2);
	/* Another region of the target: a client of its own. */
	assert_ptr_not_equal(fanout_client(fanout_slot(f, 0), "EC2", &err),
	    ec2);
	/* Through the role of dev: still nothing sent. */
	sts = fanout_client(fanout_slot(f, 2), "STS", &err);
	assert_non_null(sts);
	assert_string_equal(sts->region, "us-west-2");
	assert_int_equal(ec2->calls + ssm->calls + sts->calls, 0);
	assert_int_equal(net_pending(*state), 0);

	assert_null(fanout_client(s, "NOPE", &err));
	assert_string_equal(err, "target prod/eu-west-1: unknown service NOPE");
	free(err);
	fanout_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(slots_per_target_and_region,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    target_without_regions_uses_the_profile_region, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(region_opt_overrides_every_list,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    no_region_anywhere_names_the_target, setup, teardown),
		cmocka_unit_test_setup_teardown(named_slots_once_in_order,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    named_unknown_is_an_error_naming_it, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    clients_on_first_use_without_the_network, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
