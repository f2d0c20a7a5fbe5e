/*
 * test_net_drop.c - what is in flight when the loop is freed (the console
 * quitting mid-refresh): no callback runs, and every owner's drop does, so
 * nothing is lost.  Timers with and without a drop; a transfer to a local
 * socket that accepts and never answers; a paged call through the client
 * and the pager (client call, pager state), waiting in its first-attempt
 * timer, on the wire, and for credentials (IMDS that never answers: the
 * provider's own transfer must not be cancelled again on a freed loop),
 * and for a role's AssumeRole call, whichever of loop and provider goes
 * first.
 *
 * LeakSanitizer (make SANITIZE=address) checks that the frees happened;
 * the counters check that each drop ran once and no callback ran.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "aws/awsconf.h"
#include "aws/client.h"
#include "aws/creds.h"
#include "aws/net.h"
#include "aws/pager.h"
#include "util/util.h"

static int fired, dropped, done_calls, ended;

static void
on_fire(void *arg)
{
	(void)arg;
	fired++;
}

static void
on_drop(void *arg)
{
	(void)arg;
	dropped++;
}

static void
on_done(void *arg, const struct net_reply *r)
{
	(void)arg;
	(void)r;
	done_calls++;
}

static void
reset(void)
{
	fired = dropped = done_calls = ended = 0;
}

/* A listening socket on 127.0.0.1 that is never read from: a request to
 * it stays in flight.  Returns the fd, *port its port. */
static int
silent_server(int *port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static void
test_timers(void **state)
{
	struct net *n = net_new();

	(void)state;
	reset();
	net_timer_add_drop(n, 60000, on_fire, on_drop, NULL);
	net_timer_add_drop(n, 60000, on_fire, on_drop, NULL);
	net_timer_add(n, 60000, on_fire, NULL);
	/* A cancelled timer is not dropped: its owner cancelled it. */
	net_timer_cancel(n, net_timer_add_drop(n, 60000, on_fire, on_drop,
	    NULL));
	net_free(n);
	assert_int_equal(fired, 0);
	assert_int_equal(dropped, 2);
}

static void
test_transfer(void **state)
{
	struct net *n = net_new();
	struct net_opts o;
	char url[64];
	int port, fd = silent_server(&port), i;

	(void)state;
	reset();
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
	memset(&o, 0, sizeof o);
	o.method = "GET";
	o.url = url;
	o.drop = on_drop;
	net_submit(n, &o, on_done, NULL);
	o.drop = NULL;
	net_submit(n, &o, on_done, NULL);
	for (i = 0; i < 5; i++)
		net_poll(n, -1, 20);
	assert_int_equal(done_calls, 0);
	net_free(n);
	assert_int_equal(done_calls, 0);
	assert_int_equal(dropped, 1);
	close(fd);
}

static int
on_page(void *arg, const struct cJSON *page)
{
	(void)arg;
	(void)page;
	return 0;
}

static void
on_end(void *arg, const struct aws_error *err)
{
	(void)arg;
	(void)err;
	ended++;
}

/* A client of SSM on its own loop, with the environment as set. */
struct tc {
	struct aws_config cfg;
	struct creds_provider *cp;
	struct aws_client *c;
	struct net *n;
};

/* Opens tc and starts one paged call through it. */
static void
tc_start(struct tc *t)
{
	char *err = NULL;

	if (awsconf_load(&t->cfg, NULL, "us-east-1", &err) != 0)
		fail_msg("awsconf_load: %s", err);
	t->n = net_new();
	t->cp = creds_new(t->n, &t->cfg, NULL, &err);
	if (t->cp == NULL)
		fail_msg("creds_new: %s", err);
	t->c = aws_client_new(t->n, &t->cfg, t->cp, "SSM", NULL, &err);
	if (t->c == NULL)
		fail_msg("aws_client_new: %s", err);
	aws_json_pages(t->c, "AmazonSSM", "1.1",
	    "DescribeInstanceInformation", NULL, "NextToken", "NextToken",
	    on_page, on_end, NULL);
}

/* Frees the loop first, as the console does when it quits, then the
 * rest; nothing may have ended. */
static void
tc_quit(struct tc *t)
{
	net_free(t->n);
	creds_free(t->cp);
	assert_int_equal(ended, 0);
	aws_client_free(t->c);
	awsconf_free(&t->cfg);
}

/* A pager's call through the client: waiting for its first attempt
 * (polls = 0) or on the wire (polls > 0) when the loop goes. */
static void
paged_call_dropped(int polls)
{
	struct tc t;
	char url[64];
	int port, fd = silent_server(&port), i;

	reset();
	snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
	setenv("AWS_ENDPOINT_URL", url, 1);
	setenv("AWS_ACCESS_KEY_ID", "AKIDROP", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "dropsecret", 1);
	setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_SESSION_TOKEN");
	tc_start(&t);
	for (i = 0; i < polls; i++)
		net_poll(t.n, -1, 20);
	assert_int_equal(t.c->attempts, polls > 0 ? 1 : 0);
	tc_quit(&t);
	close(fd);
}

static void
test_paged_call_waiting(void **state)
{
	(void)state;
	paged_call_dropped(0);
}

static void
test_paged_call_on_the_wire(void **state)
{
	(void)state;
	paged_call_dropped(5);
}

/* A call waiting for credentials (from IMDS, which never answers here)
 * when the loop goes: the provider's transfer is dropped (not cancelled
 * again on a freed loop), and the waiting call is freed with the
 * provider. */
static void
test_call_waiting_for_credentials(void **state)
{
	struct tc t;
	char url[64];
	int port, fd = silent_server(&port), i;

	(void)state;
	reset();
	snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", url, 1);
	unsetenv("AWS_EC2_METADATA_DISABLED");
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
	setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9", 1);
	tc_start(&t);
	for (i = 0; i < 5; i++)
		net_poll(t.n, -1, 20);
	/* Still waiting for credentials: nothing sent, nothing ended. */
	assert_int_equal(t.c->attempts, 0);
	assert_int_equal(ended, 0);
	tc_quit(&t);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	close(fd);
}

/* A role profile whose AssumeRole call (to a server that never answers)
 * is on the wire when the loop goes; the call holds the STS client and
 * the source provider.  creds_first: the provider is freed before the
 * loop, and leaves them to the call to free when it is dropped. */
static void
assume_role_dropped(int creds_first)
{
	char dir[] = "/tmp/pd-drop-XXXXXX", conf[64], cred[64], url[64];
	struct tc t;
	FILE *f;
	int port, fd = silent_server(&port), i;

	reset();
	assert_non_null(mkdtemp(dir));
	snprintf(conf, sizeof conf, "%s/config", dir);
	snprintf(cred, sizeof cred, "%s/credentials", dir);
	f = fopen(conf, "w");
	assert_non_null(f);
	fputs("[profile r]\nrole_arn = arn:aws:iam::123456789012:role/x\n"
	    "source_profile = s\n", f);
	fclose(f);
	f = fopen(cred, "w");
	assert_non_null(f);
	fputs("[s]\naws_access_key_id = AKIDSRC\n"
	    "aws_secret_access_key = srcsecret\n", f);
	fclose(f);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
	setenv("AWS_ENDPOINT_URL", url, 1);
	setenv("AWS_CONFIG_FILE", conf, 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", cred, 1);
	setenv("AWS_PROFILE", "r", 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_SESSION_TOKEN");
	tc_start(&t);
	for (i = 0; i < 5; i++)
		net_poll(t.n, -1, 20);
	/* SSM's call still waits for the role's credentials. */
	assert_int_equal(t.c->attempts, 0);
	if (creds_first) {
		creds_free(t.cp);
		net_free(t.n);
		aws_client_free(t.c);
		awsconf_free(&t.cfg);
	} else {
		tc_quit(&t);
	}
	assert_int_equal(ended, 0);
	unsetenv("AWS_PROFILE");
	unlink(conf);
	unlink(cred);
	rmdir(dir);
	close(fd);
}

static void
test_assume_role_loop_first(void **state)
{
	(void)state;
	assume_role_dropped(0);
}

static void
test_assume_role_provider_first(void **state)
{
	(void)state;
	assume_role_dropped(1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timers),
		cmocka_unit_test(test_transfer),
		cmocka_unit_test(test_paged_call_waiting),
		cmocka_unit_test(test_paged_call_on_the_wire),
		cmocka_unit_test(test_call_waiting_for_credentials),
		cmocka_unit_test(test_assume_role_loop_first),
		cmocka_unit_test(test_assume_role_provider_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
