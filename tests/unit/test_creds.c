/*
 * test_creds.c - the credential chain: environment, static profile keys,
 * role configuration errors (half pairs, unknown source_profile, loops),
 * credential_process (good, bad JSON, exit status, timeout), refresh timing
 * and joined refreshes, NoCredentials, STS reply parsing, and IMDSv2 and
 * AssumeRole end to end against the stand-in in tests/sim/imds.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aws/awsconf.h"
#include "aws/awserr.h"
#include "aws/creds.h"
#include "aws/net.h"
#include "aws/sts.h"
#include "util/util.h"

static char dir[64];
static char *cfg_path, *cred_path, *count_path;
static struct net *net;
static struct aws_config cfg;
static int cfg_loaded;

static const char *const vars[] = {
	"AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_CA_BUNDLE",
	"AWS_MAX_ATTEMPTS", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS",
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"AWS_EC2_METADATA_SERVICE_ENDPOINT",
};

/* What a creds_get callback saw. */
struct got {
	int calls;
	char *access_key;
	char *secret_key;
	char *token;
	char *source;
	long long expires;
	char *code;
	char *message;
};

static void
got_free(struct got *g)
{
	free(g->access_key);
	free(g->secret_key);
	free(g->token);
	free(g->source);
	free(g->code);
	free(g->message);
	memset(g, 0, sizeof *g);
}

static void
on_creds(void *arg, const struct aws_creds *c, const struct aws_error *e)
{
	struct got *g = arg;

	got_free(g);
	g->calls = 1;
	if (c != NULL) {
		assert_null(e);
		g->access_key = xstrdup(c->access_key);
		g->secret_key = xstrdup(c->secret_key);
		g->token = c->session_token ? xstrdup(c->session_token) : NULL;
		g->source = xstrdup(c->source);
		g->expires = c->expires;
	} else {
		assert_non_null(e);
		g->code = xstrdup(e->code);
		g->message = xstrdup(e->message);
	}
}

/* Counts calls without keeping anything, for joined refreshes. */
static void
on_count(void *arg, const struct aws_creds *c, const struct aws_error *e)
{
	int *n = arg;

	(void)e;
	assert_non_null(c);
	(*n)++;
}

/*
 * net_run() with a bounded wait: a timer that runs in the drain before the
 * wait would otherwise leave net_poll(-1) waiting for nothing.
 */
static void
run_loop(void)
{
	while (net_pending(net) > 0)
		net_poll(net, -1, 100);
}

static void
write_file(const char *path, const char *text, int mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, (mode_t)mode);
}

static int
setup(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof vars / sizeof vars[0]; i++)
		unsetenv(vars[i]);
	/* Never reach for a real metadata service from a test. */
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	strcpy(dir, "/tmp/test_creds.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	cfg_path = xasprintf("%s/config", dir);
	cred_path = xasprintf("%s/credentials", dir);
	count_path = xasprintf("%s/count", dir);
	setenv("AWS_CONFIG_FILE", cfg_path, 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", cred_path, 1);
	net = net_new();
	cfg_loaded = 0;
	creds_set_process_timeout_ms(0);
	return 0;
}

static int
teardown(void **state)
{
	char *cmd;

	(void)state;
	if (cfg_loaded)
		awsconf_free(&cfg);
	net_free(net);
	cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(cmd);
	free(cfg_path);
	free(cred_path);
	free(count_path);
	return 0;
}

static void
load(const char *profile)
{
	char *err = NULL;

	if (awsconf_load(&cfg, profile, NULL, &err) != 0)
		fail_msg("awsconf_load: %s", err);
	cfg_loaded = 1;
}

/* creds_new that must succeed. */
static struct creds_provider *
provider(const char *profile)
{
	char *err = NULL;
	struct creds_provider *p = creds_new(net, &cfg, profile, &err);

	if (p == NULL)
		fail_msg("creds_new: %s", err);
	return p;
}

/* creds_new that must fail; returns the message (caller frees). */
static char *
provider_err(const char *profile)
{
	char *err = NULL;
	struct creds_provider *p = creds_new(net, &cfg, profile, &err);

	assert_null(p);
	assert_non_null(err);
	return err;
}

static int
count_runs(void)
{
	FILE *f = fopen(count_path, "r");
	int n = 0, ch;

	if (f == NULL)
		return 0;
	while ((ch = fgetc(f)) != EOF)
		n += ch == '\n';
	fclose(f);
	return n;
}

/* A credential_process script that counts its runs and prints body. */
static char *
write_script(const char *name, const char *body)
{
	char *path = xasprintf("%s/%s", dir, name);
	char *text = xasprintf("#!/bin/sh\necho run >> '%s'\n%s\n",
	    count_path, body);

	write_file(path, text, 0755);
	free(text);
	return path;
}

static void
iso_time(long long t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Config with one profile p whose credential_process prints json. */
static void
process_profile(const char *json)
{
	char *body = xasprintf("cat <<'EOF'\n%s\nEOF", json);
	char *script = write_script("proc.sh", body);
	char *conf = xasprintf("[profile p]\nregion = eu-west-1\n"
	    "credential_process = %s --flag\n", script);

	write_file(cfg_path, conf, 0644);
	free(conf);
	free(script);
	free(body);
	load("p");
}

/* ---- environment and static keys ---- */

static void
test_env_keys(void **state)
{
	struct creds_provider *p;
	struct got g = { 0 };

	(void)state;
	write_file(cred_path, "[default]\naws_access_key_id = AKIAFILE\n"
	    "aws_secret_access_key = filesecret\n", 0600);
	setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
	setenv("AWS_SESSION_TOKEN", "envtoken", 1);
	load(NULL);
	p = provider(NULL);
	creds_get(p, on_creds, &g);
	/* Long-term keys: delivered at once. */
	assert_int_equal(g.calls, 1);
	assert_string_equal(g.access_key, "AKIAENV");
	assert_string_equal(g.secret_key, "envsecret");
	assert_string_equal(g.token, "envtoken");
	assert_string_equal(g.source, "environment");
	assert_int_equal(g.expires, 0);
	got_free(&g);
	creds_free(p);
}

static void
test_env_half_pair(void **state)
{
	char *e;

	(void)state;
	setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
	load(NULL);
	e = provider_err(NULL);
	assert_string_equal(e, "AWS_ACCESS_KEY_ID is set but "
	    "AWS_SECRET_ACCESS_KEY is not: set both or neither");
	free(e);
	unsetenv("AWS_ACCESS_KEY_ID");
	setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
	e = provider_err(NULL);
	assert_null(strstr(e, "envsecret"));
	assert_non_null(strstr(e, "AWS_SECRET_ACCESS_KEY is set but "
	    "AWS_ACCESS_KEY_ID is not"));
	free(e);
}

static void
test_static_profile(void **state)
{
	struct creds_provider *p;
	struct got g = { 0 };
	char *want;

	(void)state;
	write_file(cred_path, "[dev]\naws_access_key_id = AKIADEV\n"
	    "aws_secret_access_key = devsecret\n", 0600);
	write_file(cfg_path, "[profile dev]\nregion = eu-west-1\n", 0644);
	/* --profile beats stray environment keys. */
	setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
	load("dev");
	p = provider(NULL);
	creds_get(p, on_creds, &g);
	assert_int_equal(g.calls, 1);
	assert_string_equal(g.access_key, "AKIADEV");
	assert_null(g.token);
	want = xasprintf("profile dev (%s)", cred_path);
	assert_string_equal(g.source, want);
	free(want);
	got_free(&g);
	/* Invalidating long-term keys keeps them. */
	creds_invalidate(p);
	creds_get(p, on_creds, &g);
	assert_string_equal(g.access_key, "AKIADEV");
	got_free(&g);
	creds_free(p);
}

static void
test_static_half_pair(void **state)
{
	char *e, *want;

	(void)state;
	write_file(cred_path, "[dev]\n# keys\naws_access_key_id = AKIADEV\n",
	    0600);
	load("dev");
	e = provider_err(NULL);
	want = xasprintf("%s:3: aws_access_key_id is set but "
	    "aws_secret_access_key is not (profile dev)", cred_path);
	assert_string_equal(e, want);
	free(want);
	free(e);
	awsconf_free(&cfg);

	write_file(cred_path, "[dev]\naws_secret_access_key = devsecret\n",
	    0600);
	load("dev");
	e = provider_err(NULL);
	assert_null(strstr(e, "devsecret"));
	want = xasprintf("%s:2: aws_secret_access_key is set but "
	    "aws_access_key_id is not", cred_path);
	assert_non_null(strstr(e, want));
	free(want);
	free(e);
}

/* ---- roles ---- */

static void
test_unknown_source_profile(void **state)
{
	char *e, *want;

	(void)state;
	write_file(cfg_path, "[profile r]\nregion = eu-west-1\n"
	    "role_arn = arn:aws:iam::123456789012:role/patch\n"
	    "source_profile = nosuch\n", 0644);
	load("r");
	e = provider_err(NULL);
	want = xasprintf("%s:4: source_profile: profile 'nosuch' is in "
	    "neither", cfg_path);
	assert_non_null(strstr(e, want));
	free(want);
	free(e);
}

static void
test_source_loop(void **state)
{
	char *e, *want;

	(void)state;
	write_file(cfg_path, "[profile a]\nregion = eu-west-1\n"
	    "role_arn = arn:aws:iam::1:role/a\nsource_profile = b\n"
	    "[profile b]\nrole_arn = arn:aws:iam::1:role/b\n"
	    "source_profile = c\n"
	    "[profile c]\nrole_arn = arn:aws:iam::1:role/c\n"
	    "source_profile = a\n", 0644);
	load("a");
	e = provider_err(NULL);
	want = xasprintf("%s:10: source_profile loop: a -> b -> c -> a",
	    cfg_path);
	assert_string_equal(e, want);
	free(want);
	free(e);
	awsconf_free(&cfg);

	/* A role that names itself without keys of its own is a loop. */
	write_file(cfg_path, "[profile s]\nregion = eu-west-1\n"
	    "role_arn = arn:aws:iam::1:role/s\nsource_profile = s\n", 0644);
	load("s");
	e = provider_err(NULL);
	want = xasprintf("%s:4: source_profile loop: s -> s", cfg_path);
	assert_string_equal(e, want);
	free(want);
	free(e);
}

static void
test_role_configs(void **state)
{
	char *e, *want;

	(void)state;
	write_file(cred_path, "[base]\naws_access_key_id = AKIABASE\n"
	    "aws_secret_access_key = basesecret\n"
	    "[self]\naws_access_key_id = AKIASELF\n"
	    "aws_secret_access_key = selfsecret\n", 0600);
	write_file(cfg_path, "[profile r]\nregion = eu-west-1\n"
	    "role_arn = arn:aws:iam::1:role/r\nsource_profile = base\n"
	    "external_id = ext\nduration_seconds = 900\n"
	    "[profile chained]\nrole_arn = arn:aws:iam::1:role/c\n"
	    "source_profile = r\n"
	    "[profile self]\nrole_arn = arn:aws:iam::1:role/self\n"
	    "source_profile = self\n"
	    "[profile env]\nrole_arn = arn:aws:iam::1:role/e\n"
	    "credential_source = Environment\n"
	    "[profile nosrc]\nrole_arn = arn:aws:iam::1:role/n\n"
	    "[profile both]\nrole_arn = arn:aws:iam::1:role/b\n"
	    "source_profile = base\ncredential_source = Environment\n"
	    "[profile badsrc]\nrole_arn = arn:aws:iam::1:role/x\n"
	    "credential_source = EcsContainer\n"
	    "[profile baddur]\nrole_arn = arn:aws:iam::1:role/d\n"
	    "source_profile = base\nduration_seconds = 60\n"
	    "[profile empty]\noutput = json\n"
	    "[profile hollow]\nrole_arn = arn:aws:iam::1:role/h\n"
	    "source_profile = empty\n", 0644);
	load("r");
	creds_free(provider("r"));
	creds_free(provider("chained"));
	creds_free(provider("self"));

	e = provider_err("env");
	want = xasprintf("%s:15: credential_source = Environment but "
	    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set",
	    cfg_path);
	assert_string_equal(e, want);
	free(want);
	free(e);
	setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
	creds_free(provider("env"));

	e = provider_err("nosrc");
	want = xasprintf("%s:17: role_arn needs source_profile or "
	    "credential_source (profile nosrc)", cfg_path);
	assert_string_equal(e, want);
	free(want);
	free(e);

	e = provider_err("both");
	assert_non_null(strstr(e, "has both source_profile and "
	    "credential_source"));
	free(e);

	e = provider_err("badsrc");
	want = xasprintf("%s:24: credential_source: 'EcsContainer' is not "
	    "supported", cfg_path);
	assert_non_null(strstr(e, want));
	free(want);
	free(e);

	e = provider_err("baddur");
	want = xasprintf("%s:28: duration_seconds: '60'", cfg_path);
	assert_non_null(strstr(e, want));
	free(want);
	free(e);

	e = provider_err("hollow");
	want = xasprintf("%s:33: source_profile: profile empty has no "
	    "credentials", cfg_path);
	assert_non_null(strstr(e, want));
	free(want);
	free(e);

	e = provider_err("nosuch");
	assert_non_null(strstr(e, "profile nosuch is in neither"));
	free(e);
}

static void
test_role_no_region(void **state)
{
	char *e;

	(void)state;
	write_file(cred_path, "[base]\naws_access_key_id = AKIABASE\n"
	    "aws_secret_access_key = basesecret\n", 0600);
	write_file(cfg_path, "[profile nr]\n"
	    "role_arn = arn:aws:iam::1:role/nr\nsource_profile = base\n",
	    0644);
	load("nr");
	e = provider_err(NULL);
	assert_non_null(strstr(e, "profile nr: no AWS region"));
	free(e);
}

/* ---- credential_process ---- */

static void
test_process_good(void **state)
{
	struct creds_provider *p;
	struct got g = { 0 };
	char exp[32], *json;
	long long t = (long long)time(NULL) + 3600;

	(void)state;
	iso_time(t, exp);
	json = xasprintf("{\"Version\": 1, \"AccessKeyId\": \"AKIAPROC\", "
	    "\"SecretAccessKey\": \"procsecret\", \"SessionToken\": "
	    "\"proctoken\", \"Expiration\": \"%s\"}", exp);
	process_profile(json);
	free(json);
	p = provider(NULL);
	creds_get(p, on_creds, &g);
	/* Not from inside creds_get: from the loop. */
	assert_int_equal(g.calls, 0);
	run_loop();
	assert_int_equal(g.calls, 1);
	assert_null(g.code);
	assert_string_equal(g.access_key, "AKIAPROC");
	assert_string_equal(g.secret_key, "procsecret");
	assert_string_equal(g.token, "proctoken");
	assert_int_equal(g.expires, t);
	assert_string_equal(g.source, "credential_process (profile p)");
	got_free(&g);
	/* An hour left: cached. */
	creds_get(p, on_creds, &g);
	assert_int_equal(g.calls, 1);
	assert_int_equal(count_runs(), 1);
	got_free(&g);
	/* After an ExpiredToken reply: asked again. */
	creds_invalidate(p);
	creds_get(p, on_creds, &g);
	assert_int_equal(g.calls, 0);
	run_loop();
	assert_int_equal(g.calls, 1);
	assert_int_equal(count_runs(), 2);
	got_free(&g);
	creds_free(p);
}

/* Runs one credential_process that must fail; returns the message. */
static char *
process_fails(void)
{
	struct creds_provider *p = provider(NULL);
	struct got g = { 0 };
	char *msg;

	creds_get(p, on_creds, &g);
	run_loop();
	assert_int_equal(g.calls, 1);
	assert_null(g.access_key);
	assert_string_equal(g.code, "CredentialProcessError");
	msg = xstrdup(g.message);
	got_free(&g);
	creds_free(p);
	return msg;
}

static void
test_process_bad_json(void **state)
{
	char *m, *want;

	(void)state;
	process_profile("{\"Version\": 2, \"AccessKeyId\": \"AKIAPROC\", "
	    "\"SecretAccessKey\": \"procsecret\"}");
	m = process_fails();
	want = xasprintf("credential_process of profile p (%s:3): its output "
	    "has Version 2; only 1 is supported", cfg_path);
	assert_string_equal(m, want);
	free(want);
	free(m);
	awsconf_free(&cfg);

	process_profile("{\"Version\": 1, \"AccessKeyId\": \"AKIAPROC\"}");
	m = process_fails();
	assert_non_null(strstr(m, "its output's SecretAccessKey is missing"));
	free(m);
	awsconf_free(&cfg);

	process_profile("{\"Version\": 1, \"AccessKeyId\": \"AKIAPROC\", "
	    "\"SecretAccessKey\": \"procsecret\", \"SessionToken\": 5}");
	m = process_fails();
	assert_non_null(strstr(m, "its output's SessionToken is not a "
	    "string"));
	assert_null(strstr(m, "procsecret"));
	free(m);
	awsconf_free(&cfg);

	process_profile("{\"Version\": 1, \"AccessKeyId\": \"AKIAPROC\", "
	    "\"SecretAccessKey\": \"procsecret\", \"Expiration\": \"soon\"}");
	m = process_fails();
	assert_non_null(strstr(m, "Expiration is not an ISO 8601 time"));
	free(m);
	awsconf_free(&cfg);

	process_profile("AccessKeyId=AKIA secret=procsecret");
	m = process_fails();
	assert_non_null(strstr(m, "its output is not a JSON object"));
	assert_null(strstr(m, "procsecret"));
	free(m);
	awsconf_free(&cfg);

	process_profile("{\"Version\": 1, \"AccessKeyId\": \"AKIAPROC\", "
	    "\"SecretAccessKey\": \"procsecret\", \"Expiration\": "
	    "\"2001-01-01T00:00:00Z\"}");
	m = process_fails();
	assert_non_null(strstr(m, "already expired"));
	free(m);
}

static void
test_process_exit_status(void **state)
{
	char *script, *conf, *m, *want;

	(void)state;
	script = write_script("fail.sh", "echo '{\"Version\": 1}'\n"
	    "printf '\\n  token expired: run sso login\\nmore\\n' >&2\n"
	    "exit 3");
	conf = xasprintf("[default]\ncredential_process = %s\n", script);
	write_file(cfg_path, conf, 0644);
	load(NULL);
	m = process_fails();
	want = xasprintf("credential_process of profile default (%s:2): "
	    "exited with status 3: token expired: run sso login", cfg_path);
	assert_string_equal(m, want);
	/* The command line is not shown: it may carry a secret. */
	assert_null(strstr(m, script));
	free(want);
	free(m);
	free(conf);
	free(script);
}

static void
test_process_timeout(void **state)
{
	char *script, *conf, *m;
	long long t0;

	(void)state;
	script = write_script("slow.sh", "sleep 30\necho '{}'");
	conf = xasprintf("[default]\ncredential_process = %s\n", script);
	write_file(cfg_path, conf, 0644);
	load(NULL);
	creds_set_process_timeout_ms(300);
	t0 = util_now_ms();
	m = process_fails();
	assert_true(util_now_ms() - t0 < 5000);
	assert_non_null(strstr(m, "timed out after 300 ms"));
	free(m);
	free(conf);
	free(script);
}

/* Expiring in `left` seconds: is a second creds_get served from cache? */
static int
runs_for_expiry(long long left)
{
	struct creds_provider *p;
	struct got g = { 0 };
	char exp[32], *json;
	int runs;

	iso_time((long long)time(NULL) + left, exp);
	json = xasprintf("{\"Version\": 1, \"AccessKeyId\": \"AKIAPROC\", "
	    "\"SecretAccessKey\": \"s\", \"Expiration\": \"%s\"}", exp);
	process_profile(json);
	free(json);
	p = provider(NULL);
	creds_get(p, on_creds, &g);
	run_loop();
	assert_int_equal(g.calls, 1);
	assert_non_null(g.access_key);
	got_free(&g);
	creds_get(p, on_creds, &g);
	run_loop();
	assert_int_equal(g.calls, 1);
	assert_non_null(g.access_key);
	got_free(&g);
	creds_free(p);
	runs = count_runs();
	unlink(count_path);
	awsconf_free(&cfg);
	cfg_loaded = 0;
	return runs;
}

static void
test_refresh_timing(void **state)
{
	(void)state;
	/* Ten minutes left is inside the 15-minute window: refreshed. */
	assert_int_equal(runs_for_expiry(10 * 60), 2);
	/* Twenty minutes left: cached. */
	assert_int_equal(runs_for_expiry(20 * 60), 1);
}

static void
test_joined_refresh(void **state)
{
	struct creds_provider *p;
	int n = 0;

	(void)state;
	process_profile("{\"Version\": 1, \"AccessKeyId\": \"AKIAPROC\", "
	    "\"SecretAccessKey\": \"s\"}");
	p = provider(NULL);
	creds_get(p, on_count, &n);
	creds_get(p, on_count, &n);
	creds_get(p, on_count, &n);
	assert_int_equal(n, 0);
	run_loop();
	assert_int_equal(n, 3);
	assert_int_equal(count_runs(), 1);
	creds_free(p);
}

static void
test_free_during_refresh(void **state)
{
	struct creds_provider *p;
	struct got g = { 0 };

	(void)state;
	process_profile("{\"Version\": 1, \"AccessKeyId\": \"A\", "
	    "\"SecretAccessKey\": \"s\"}");
	p = provider(NULL);
	creds_get(p, on_creds, &g);
	creds_free(p);
	run_loop();
	assert_int_equal(g.calls, 0);
	assert_int_equal(count_runs(), 0);
}

static void
test_no_credentials(void **state)
{
	struct creds_provider *p;
	struct got g = { 0 };

	(void)state;
	write_file(cfg_path, "[default]\nregion = eu-west-1\n", 0644);
	load(NULL);
	p = provider(NULL);
	creds_get(p, on_creds, &g);
	run_loop();
	assert_int_equal(g.calls, 1);
	assert_string_equal(g.code, "NoCredentials");
	assert_non_null(strstr(g.message, "environment (AWS_ACCESS_KEY_ID "
	    "not set)"));
	assert_non_null(strstr(g.message, "profile default (no "
	    "aws_access_key_id, role_arn or credential_process in"));
	assert_non_null(strstr(g.message, "IMDSv2 (off"));
	got_free(&g);
	creds_free(p);
}

/* ---- STS replies ---- */

static void
test_sts_parse(void **state)
{
	static const char ok[] =
	    "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/"
	    "2011-06-15/\">\n<AssumeRoleResult>\n<AssumedRoleUser>\n"
	    "<Arn>arn:aws:sts::123456789012:assumed-role/demo/s</Arn>\n"
	    "<AssumedRoleId>ARO123EXAMPLE123:s</AssumedRoleId>\n"
	    "</AssumedRoleUser>\n<Credentials>\n"
	    "<AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>\n"
	    "<SecretAccessKey>wJalrXUtnFEMI/K7MDENG</SecretAccessKey>\n"
	    "<SessionToken>AQoDYXdzEPT//////////wEXAMPLE</SessionToken>\n"
	    "<Expiration>2019-11-09T13:34:41Z</Expiration>\n"
	    "</Credentials>\n<PackedPolicySize>6</PackedPolicySize>\n"
	    "</AssumeRoleResult>\n<ResponseMetadata><RequestId>c6104cbe"
	    "</RequestId></ResponseMetadata>\n</AssumeRoleResponse>\n";
	static const char id[] =
	    "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/"
	    "doc/2011-06-15/\"><GetCallerIdentityResult>"
	    "<Arn>arn:aws:iam::123456789012:user/Alice</Arn>"
	    "<UserId>AKIAI44QH8DHBEXAMPLE</UserId>"
	    "<Account>123456789012</Account></GetCallerIdentityResult>"
	    "</GetCallerIdentityResponse>";
	static const char partial[] = "<AssumeRoleResponse>"
	    "<AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
	    "<SecretAccessKey>hidden</SecretAccessKey></Credentials>"
	    "</AssumeRoleResult></AssumeRoleResponse>";
	struct sts_credentials cr;
	struct sts_identity who;
	char *err = NULL;
	long long t;

	(void)state;
	assert_int_equal(sts_parse_assume_role(ok, sizeof ok - 1, &cr, &err),
	    0);
	assert_string_equal(cr.access_key, "ASIAIOSFODNN7EXAMPLE");
	assert_string_equal(cr.secret_key, "wJalrXUtnFEMI/K7MDENG");
	assert_string_equal(cr.session_token,
	    "AQoDYXdzEPT//////////wEXAMPLE");
	assert_int_equal(cr.expires, 1573306481LL);
	assert_string_equal(cr.assumed_arn,
	    "arn:aws:sts::123456789012:assumed-role/demo/s");
	sts_credentials_free(&cr);

	assert_int_equal(sts_parse_assume_role(partial, sizeof partial - 1,
	    &cr, &err), -1);
	assert_non_null(strstr(err, "SessionToken"));
	assert_null(strstr(err, "hidden"));
	free(err);
	assert_int_equal(sts_parse_assume_role("not xml", 7, &cr, &err), -1);
	free(err);

	assert_int_equal(sts_parse_identity(id, sizeof id - 1, &who, &err),
	    0);
	assert_string_equal(who.arn, "arn:aws:iam::123456789012:user/Alice");
	assert_string_equal(who.account, "123456789012");
	assert_string_equal(who.user_id, "AKIAI44QH8DHBEXAMPLE");
	sts_identity_free(&who);

	assert_int_equal(sts_parse_time("1970-01-01T00:00:00Z", &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(sts_parse_time("2019-11-09T13:34:41.123Z", &t), 0);
	assert_int_equal(t, 1573306481LL);
	assert_int_equal(sts_parse_time("2019-11-09T15:34:41+02:00", &t), 0);
	assert_int_equal(t, 1573306481LL);
	assert_int_equal(sts_parse_time("2019-11-09T13:34:41", &t), -1);
	assert_int_equal(sts_parse_time("2019-13-09T13:34:41Z", &t), -1);
	assert_int_equal(sts_parse_time("2019-11-09T13:34:41Zjunk", &t), -1);
}

/* ---- IMDSv2 against tests/sim/imds.py ---- */

struct imds_sim {
	pid_t pid;
	int in_fd;		/* its stdin: closing it stops it */
	char url[128];
};

static int
imds_start(struct imds_sim *s, const char *extra)
{
	static char py[512];
	FILE *f;
	char *cmd;
	int in[2], out[2];
	ssize_t n;
	size_t len = 0;

	if (access("tests/sim/imds.py", R_OK) != 0)
		return -1;
	/* Found once: find-python.sh imports moto, which takes seconds. */
	if (py[0] == '\0') {
		f = popen("sh tests/sim/find-python.sh 2>/dev/null || "
		    "command -v python3", "r");
		if (f == NULL)
			return -1;
		if (fgets(py, sizeof py, f) == NULL)
			py[0] = '\0';
		pclose(f);
		py[strcspn(py, "\n")] = '\0';
	}
	if (py[0] == '\0' || pipe(in) < 0)
		return -1;
	if (pipe(out) < 0)
		return -1;
	s->pid = fork();
	if (s->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		cmd = xasprintf("exec '%s' tests/sim/imds.py %s", py, extra);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	s->in_fd = in[1];
	/* The first line is the URL. */
	while (len < sizeof s->url - 1) {
		n = read(out[0], s->url + len, 1);
		if (n <= 0 || s->url[len] == '\n')
			break;
		len++;
	}
	s->url[len] = '\0';
	close(out[0]);
	return strncmp(s->url, "http://", 7) == 0 ? 0 : -1;
}

static void
imds_stop(struct imds_sim *s)
{
	int st;

	close(s->in_fd);
	kill(s->pid, SIGTERM);
	waitpid(s->pid, &st, 0);
}

struct reply {
	long status;
	char *body;
};

static void
on_reply(void *arg, const struct net_reply *r)
{
	struct reply *rp = arg;

	rp->status = r->status;
	rp->body = xstrdup(r->body.data);
}

static struct reply
fetch(const char *method, const char *url, const char *header)
{
	const char *hdrs[2] = { header, NULL };
	struct net_opts o;
	struct reply r = { 0, NULL };

	memset(&o, 0, sizeof o);
	o.method = method;
	o.url = url;
	o.headers = hdrs;
	net_submit(net, &o, on_reply, &r);
	run_loop();
	return r;
}

static void
test_imds(void **state)
{
	struct imds_sim s;
	struct creds_provider *p;
	struct got g = { 0 };
	struct reply r;
	char *u;
	long long left;

	(void)state;
	if (imds_start(&s, "") < 0) {
		fprintf(stderr, "no python3 for tests/sim/imds.py: skipped\n");
		skip();
	}
	/* The stand-in is as strict as IMDSv2 with tokens required. */
	u = xasprintf("%s/latest/meta-data/iam/security-credentials/", s.url);
	r = fetch("GET", u, NULL);
	assert_int_equal(r.status, 401);
	free(r.body);
	free(u);
	u = xasprintf("%s/latest/api/token", s.url);
	r = fetch("PUT", u, NULL);
	assert_int_equal(r.status, 400);
	free(r.body);
	free(u);

	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", s.url, 1);
	unsetenv("AWS_EC2_METADATA_DISABLED");
	write_file(cfg_path, "[default]\nregion = eu-west-1\n", 0644);
	load(NULL);
	p = provider(NULL);
	creds_get(p, on_creds, &g);
	run_loop();
	assert_int_equal(g.calls, 1);
	if (g.code != NULL)
		fail_msg("%s: %s", g.code, g.message);
	assert_string_equal(g.source, "IMDSv2");
	assert_string_equal(g.access_key, "ASIAIMDSTESTKEY00001");
	assert_string_equal(g.token, "imds-session-token");
	left = g.expires - (long long)time(NULL);
	assert_true(left > 5 * 3600 && left <= 6 * 3600);
	got_free(&g);
	/* Six hours left: the second call is served from the cache. */
	creds_get(p, on_creds, &g);
	assert_int_equal(g.calls, 1);
	got_free(&g);
	creds_free(p);

	/* One PUT for the token, two GETs with it, nothing refused beyond
	 * the two probes above. */
	u = xasprintf("%s/_count", s.url);
	r = fetch("GET", u, NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{\"put\": 1, \"get\": 2, "
	    "\"refused\": 2, \"sts\": 0}");
	free(r.body);
	free(u);
	imds_stop(&s);
}

static void
test_imds_no_role(void **state)
{
	struct imds_sim s;
	struct creds_provider *p;
	struct got g = { 0 };

	(void)state;
	if (imds_start(&s, "--no-role") < 0)
		skip();
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", s.url, 1);
	unsetenv("AWS_EC2_METADATA_DISABLED");
	load(NULL);
	p = provider(NULL);
	creds_get(p, on_creds, &g);
	run_loop();
	assert_string_equal(g.code, "NoCredentials");
	assert_non_null(strstr(g.message, "IMDSv2 (no IAM role is attached "
	    "to this instance)"));
	got_free(&g);
	creds_free(p);
	imds_stop(&s);
}

static void
test_imds_unreachable(void **state)
{
	struct creds_provider *p;
	struct got g = { 0 };
	long long t0;

	(void)state;
	/* A closed port: refused at once, well within the 1 s budget. */
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1/",
	    1);
	unsetenv("AWS_EC2_METADATA_DISABLED");
	write_file(cfg_path, "[profile i]\nregion = eu-west-1\n"
	    "role_arn = arn:aws:iam::1:role/i\n"
	    "credential_source = Ec2InstanceMetadata\n", 0644);
	load(NULL);
	p = provider(NULL);
	t0 = util_now_ms();
	creds_get(p, on_creds, &g);
	run_loop();
	assert_true(util_now_ms() - t0 < 3000);
	assert_string_equal(g.code, "NoCredentials");
	assert_non_null(strstr(g.message, "IMDSv2 (token:"));
	got_free(&g);
	creds_free(p);
	awsconf_free(&cfg);

	/* As a role's explicit source the IMDS error itself comes back. */
	load("i");
	p = provider(NULL);
	creds_get(p, on_creds, &g);
	run_loop();
	assert_string_equal(g.code, "NetworkError");
	assert_non_null(strstr(g.message, "IMDSv2: token:"));
	got_free(&g);
	creds_free(p);
}

static void
test_assume_role(void **state)
{
	struct imds_sim s;
	struct creds_provider *p;
	struct got g = { 0 };
	struct reply r;
	char *u;
	long long left;
	int n = 0;

	(void)state;
	if (imds_start(&s, "") < 0)
		skip();
	setenv("AWS_ENDPOINT_URL_STS", s.url, 1);
	write_file(cred_path, "[base]\naws_access_key_id = AKIABASE\n"
	    "aws_secret_access_key = basesecret\n", 0600);
	write_file(cfg_path, "[profile r]\nregion = eu-west-1\n"
	    "role_arn = arn:aws:iam::123456789012:role/r\n"
	    "source_profile = base\nexternal_id = ext-1\n"
	    "duration_seconds = 1800\n", 0644);
	load("r");
	p = provider(NULL);
	creds_get(p, on_creds, &g);
	assert_int_equal(g.calls, 0);
	run_loop();
	assert_int_equal(g.calls, 1);
	if (g.code != NULL)
		fail_msg("%s: %s", g.code, g.message);
	assert_string_equal(g.access_key, "ASIASTSTESTKEY000001");
	assert_string_equal(g.token, "sts-session-token");
	assert_string_equal(g.source, "assume-role "
	    "arn:aws:iam::123456789012:role/r from profile base");
	left = g.expires - (long long)time(NULL);
	assert_true(left > 1700 && left <= 1800);
	got_free(&g);

	/* 30 minutes left: cached; after invalidation, callers that come
	 * during the refresh share one AssumeRole. */
	creds_get(p, on_creds, &g);
	assert_int_equal(g.calls, 1);
	got_free(&g);
	creds_invalidate(p);
	creds_get(p, on_count, &n);
	creds_get(p, on_count, &n);
	run_loop();
	assert_int_equal(n, 2);

	u = xasprintf("%s/_sts", s.url);
	r = fetch("GET", u, NULL);
	assert_non_null(strstr(r.body, "\"Action\": \"AssumeRole\""));
	assert_non_null(strstr(r.body, "\"Version\": \"2011-06-15\""));
	assert_non_null(strstr(r.body, "\"RoleArn\": "
	    "\"arn:aws:iam::123456789012:role/r\""));
	assert_non_null(strstr(r.body, "\"RoleSessionName\": \"patchdeck-"));
	assert_non_null(strstr(r.body, "\"DurationSeconds\": \"1800\""));
	assert_non_null(strstr(r.body, "\"ExternalId\": \"ext-1\""));
	/* Signed with the source profile's keys, for the profile's region. */
	assert_non_null(strstr(r.body, "\"SignedWith\": \"AKIABASE\""));
	assert_non_null(strstr(r.body, "\"Region\": \"eu-west-1\""));
	free(r.body);
	free(u);
	u = xasprintf("%s/_count", s.url);
	r = fetch("GET", u, NULL);
	assert_non_null(strstr(r.body, "\"sts\": 2"));
	free(r.body);
	free(u);
	creds_free(p);
	imds_stop(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_env_keys),
		T(test_env_half_pair),
		T(test_static_profile),
		T(test_static_half_pair),
		T(test_unknown_source_profile),
		T(test_source_loop),
		T(test_role_configs),
		T(test_role_no_region),
		T(test_process_good),
		T(test_process_bad_json),
		T(test_process_exit_status),
		T(test_process_timeout),
		T(test_refresh_timing),
		T(test_joined_refresh),
		T(test_free_during_refresh),
		T(test_no_credentials),
		T(test_sts_parse),
		T(test_imds),
		T(test_imds_no_role),
		T(test_imds_unreachable),
		T(test_assume_role),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
