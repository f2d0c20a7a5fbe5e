/*
 * test_awsxml.c - XML from outside: the one parser refuses a DOCTYPE (the
 * billion-laughs reply fails at once, with a message naming it), text is
 * read from text nodes only (an entity reference is not followed), and a
 * reply larger than its service's limit is cut off by the transport with
 * a clear error, sent once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "aws/awsconf.h"
#include "aws/awserr.h"
#include "aws/awsxml.h"
#include "aws/client.h"
#include "aws/creds.h"
#include "aws/net.h"
#include "aws/sts.h"
#include "util/util.h"

/* Ten levels of ten: 10^9 "lol"s once expanded (3 GB), 1 KB on the wire. */
static const char laughs[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE lolz [\n"
    " <!ENTITY lol \"lol\">\n"
    " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
    " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
    " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
    " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
    " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
    " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
    " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
    " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
    " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
    "]>\n"
    "<DescribeInstancesResponse><reservationSet><item><instancesSet><item>"
    "<instanceId>&lol9;</instanceId></item></instancesSet></item>"
    "</reservationSet></DescribeInstancesResponse>\n";

static void
test_billion_laughs_refused(void **state)
{
	char *err = NULL;
	xmlDoc *doc;

	(void)state;
	doc = awsxml_parse(laughs, sizeof laughs - 1, &err);
	assert_null(doc);
	assert_non_null(err);
	assert_non_null(strstr(err, "DOCTYPE"));
	free(err);
}

/* A DOCTYPE with nothing in it is refused as well: AWS never sends one. */
static void
test_doctype_refused(void **state)
{
	static const char plain[] = "<!DOCTYPE x><x>1</x>";
	static const char system[] =
	    "<!DOCTYPE x SYSTEM \"file:///etc/passwd\"><x>1</x>";
	char *err = NULL;

	(void)state;
	assert_null(awsxml_parse(plain, sizeof plain - 1, &err));
	assert_non_null(strstr(err, "DOCTYPE"));
	free(err);
	err = NULL;
	assert_null(awsxml_parse(system, sizeof system - 1, &err));
	assert_non_null(strstr(err, "DOCTYPE"));
	free(err);
	/* err may be NULL for a caller that needs no reason. */
	assert_null(awsxml_parse(plain, sizeof plain - 1, NULL));
}

static void
test_not_xml_named(void **state)
{
	char *err = NULL;

	(void)state;
	assert_null(awsxml_parse("<a><b></a>", 10, &err));
	assert_non_null(strstr(err, "not well-formed"));
	free(err);
	err = NULL;
	assert_null(awsxml_parse("", 0, &err));
	assert_non_null(strstr(err, "empty"));
	free(err);
}

static void
test_plain_reply_read(void **state)
{
	static const char r[] = "<?xml version=\"1.0\"?>"
	    "<R xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
	    "<a>x &amp; y &#65;<![CDATA[<z>]]></a><b><c>deep</c></b></R>";
	char *err = NULL, *t;
	xmlDoc *doc;

	(void)state;
	doc = awsxml_parse(r, sizeof r - 1, &err);
	assert_non_null(doc);
	assert_null(err);
	t = awsxml_text(xmlDocGetRootElement(doc), "a");
	assert_string_equal(t, "x & y A<z>");
	free(t);
	/* A child element's text is not its parent's. */
	t = awsxml_text(xmlDocGetRootElement(doc), "b");
	assert_string_equal(t, "");
	free(t);
	xmlFreeDoc(doc);
}

/* The text getter on a tree that holds an entity reference (parsed here
 * with libxml2 directly, as awsxml_parse never would): the reference's
 * content is not read. */
static void
test_text_skips_entity_refs(void **state)
{
	static const char r[] = "<!DOCTYPE R [<!ENTITY e \"FORGED\">]>"
	    "<R><a>i-1&e;</a></R>";
	xmlDoc *doc;
	char *t;

	(void)state;
	doc = xmlReadMemory(r, sizeof r - 1, "t.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	assert_non_null(doc);
	t = awsxml_text(xmlDocGetRootElement(doc), "a");
	assert_string_equal(t, "i-1");
	free(t);
	xmlFreeDoc(doc);
}

/* A service's reply parser reports the refusal by name. */
static void
test_sts_reply_with_doctype(void **state)
{
	static const char r[] = "<!DOCTYPE x [<!ENTITY a \"arn:aws:iam::1:"
	    "user/forged\">]><GetCallerIdentityResponse>"
	    "<GetCallerIdentityResult><Arn>&a;</Arn><Account>1</Account>"
	    "<UserId>U</UserId></GetCallerIdentityResult>"
	    "</GetCallerIdentityResponse>";
	struct sts_identity id;
	char *err = NULL;

	(void)state;
	assert_int_equal(sts_parse_identity(r, sizeof r - 1, &id, &err), -1);
	assert_non_null(strstr(err, "GetCallerIdentity"));
	assert_non_null(strstr(err, "DOCTYPE"));
	free(err);
}

/* An error body with a DOCTYPE is not read as XML: its forged code is not
 * taken; the body is quoted instead. */
static void
test_error_body_with_doctype(void **state)
{
	static const char r[] = "<!DOCTYPE x [<!ENTITY c \"Forged\">]>"
	    "<Response><Errors><Error><Code>Throttling</Code>"
	    "<Message>m</Message></Error></Errors></Response>";
	struct aws_error e;

	(void)state;
	awserr_init(&e);
	awserr_from_reply(&e, 400, r, sizeof r - 1, NULL);
	assert_string_equal(e.code, "HttpError");
	awserr_free(&e);
}

/* --- the transport's limit --- */

/* A server on 127.0.0.1 (a child process) that answers every connection
 * with a 200 whose body is bytes long, then closes; it writes one byte to
 * the pipe per connection accepted.  Returns the child's pid. */
static pid_t
big_server(size_t bytes, int *port, int *count_fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), p[2], c;
	char chunk[65536], head[128];
	size_t left;
	ssize_t w;
	pid_t pid;

	assert_true(fd >= 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid > 0) {
		close(fd);
		close(p[1]);
		*count_fd = p[0];
		return pid;
	}
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	memset(chunk, 'x', sizeof chunk);
	for (;;) {
		if ((c = accept(fd, NULL, NULL)) < 0)
			_exit(1);
		(void)!write(p[1], "c", 1);
		snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\n"
		    "Content-Type: text/xml\r\nContent-Length: %zu\r\n"
		    "Connection: close\r\n\r\n", bytes);
		(void)!write(c, head, strlen(head));
		for (left = bytes; left > 0; left -= (size_t)w) {
			w = write(c, chunk, left < sizeof chunk ? left :
			    sizeof chunk);
			if (w <= 0)
				break;
		}
		/* Closing with the request unread would reset the
		 * connection: drain it until the client closes. */
		shutdown(c, SHUT_WR);
		while (read(c, chunk, sizeof chunk) > 0)
			;
		close(c);
	}
}

struct got {
	int done;
	int attempts;
	char *code;
	char *message;
};

static void
on_result(void *arg, const struct aws_result *res)
{
	struct got *g = arg;

	g->done = 1;
	g->attempts = res->attempts;
	if (!res->ok) {
		g->code = xstrdup(res->err.code != NULL ? res->err.code : "");
		g->message = xstrdup(res->err.message != NULL ?
		    res->err.message : "");
	}
}

static double
no_jitter(void)
{
	return 0;
}

/* A 17 MiB DescribeInstances reply: past EC2's 16 MiB, refused with a
 * message naming the limit, and not asked for again. */
static void
test_reply_over_service_limit(void **state)
{
	struct aws_config cfg;
	struct creds_provider *cp;
	struct aws_client *c;
	struct aws_request r;
	struct net *n;
	struct got g;
	char *err = NULL, url[64], buf[16];
	int port, count_fd, i;
	ssize_t k;
	pid_t pid;

	(void)state;
	pid = big_server((size_t)17 << 20, &port, &count_fd);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
	setenv("AWS_ENDPOINT_URL", url, 1);
	setenv("AWS_ACCESS_KEY_ID", "AKIDBIG", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "bigsecret", 1);
	setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_SESSION_TOKEN");
	if (awsconf_load(&cfg, NULL, "us-east-1", &err) != 0)
		fail_msg("awsconf_load: %s", err);
	n = net_new();
	cp = creds_new(n, &cfg, NULL, &err);
	assert_non_null(cp);
	c = aws_client_new(n, &cfg, cp, "EC2", NULL, &err);
	assert_non_null(c);
	c->rand01 = no_jitter;	/* a retry would come at once */
	memset(&g, 0, sizeof g);
	aws_form_init(&r, "DescribeInstances", "2016-11-15");
	aws_send(c, &r, on_result, &g);
	for (i = 0; i < 2000 && !g.done; i++)
		net_poll(n, -1, 50);
	assert_true(g.done);
	assert_string_equal(g.code, "ReplyTooLarge");
	assert_non_null(strstr(g.message, "16 MiB"));
	assert_non_null(strstr(g.message, "DescribeInstances"));
	assert_int_equal(g.attempts, 1);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	k = read(count_fd, buf, sizeof buf);
	assert_int_equal(k, 1);
	close(count_fd);
	free(g.code);
	free(g.message);
	aws_client_free(c);
	creds_free(cp);
	net_free(n);
	awsconf_free(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_billion_laughs_refused),
		cmocka_unit_test(test_doctype_refused),
		cmocka_unit_test(test_not_xml_named),
		cmocka_unit_test(test_plain_reply_read),
		cmocka_unit_test(test_text_skips_entity_refs),
		cmocka_unit_test(test_sts_reply_with_doctype),
		cmocka_unit_test(test_error_body_with_doctype),
		cmocka_unit_test(test_reply_over_service_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
