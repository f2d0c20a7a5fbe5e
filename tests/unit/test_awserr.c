/*
 * test_awserr.c - error replies of every protocol, as AWS and moto send
 * them, and the bodies nobody designed: empty, HTML from a proxy, cut off,
 * huge, binary.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "aws/awserr.h"
#include "util/util.h"

static void
from_text(struct aws_error *e, long status, const char *body,
    const char *rid)
{
	awserr_init(e);
	awserr_from_reply(e, status, body, strlen(body), rid);
}

static void
assert_no_control(const char *s)
{
	for (; *s != '\0'; s++)
		assert_false((unsigned char)*s < 0x20 || *s == 0x7f);
}

static void
test_ec2(void **state)
{
	static const char body[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code>"
	    "<Message>The instance ID 'i-1234567890abcdef0' does not exist"
	    "</Message></Error></Errors>"
	    "<RequestID>ea966190-f9aa-478e-9ede-example</RequestID></Response>";
	struct aws_error e;

	(void)state;
	from_text(&e, 400, body, NULL);
	assert_int_equal(e.http_status, 400);
	assert_string_equal(e.code, "InvalidInstanceID.NotFound");
	assert_string_equal(e.message,
	    "The instance ID 'i-1234567890abcdef0' does not exist");
	assert_string_equal(e.request_id, "ea966190-f9aa-478e-9ede-example");
	awserr_free(&e);
}

static void
test_moto_ec2(void **state)
{
	/* moto's ERROR_RESPONSE template: ErrorResponse/Errors/Error, the
	 * message in CDATA, indented. */
	static const char body[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<ErrorResponse>\n"
	    "    <Errors>\n"
	    "        <Error>\n"
	    "            <Code>InvalidParameterValue</Code>\n"
	    "            <Message><![CDATA[Value (t9.huge) for parameter "
	    "instanceType is invalid. <b>not a tag</b>]]></Message>\n"
	    "            \n"
	    "        </Error>\n"
	    "    </Errors>\n"
	    "  <RequestID>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestID>\n"
	    "</ErrorResponse>";
	struct aws_error e;

	(void)state;
	from_text(&e, 400, body, "header-id-loses");
	assert_string_equal(e.code, "InvalidParameterValue");
	assert_string_equal(e.message, "Value (t9.huge) for parameter "
	    "instanceType is invalid. <b>not a tag</b>");
	assert_string_equal(e.request_id,
	    "7a62c49f-347e-4fc4-9331-6e8eEXAMPLE");
	awserr_free(&e);
}

static void
test_query(void **state)
{
	static const char body[] =
	    "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
	    "\n  <Error>\n    <Type>Sender</Type>\n"
	    "    <Code>AccessDenied</Code>\n"
	    "    <Message>User: arn:aws:iam::123456789012:user/ops is not "
	    "authorized to perform: sts:AssumeRole on resource: "
	    "arn:aws:iam::123456789012:role/patch</Message>\n"
	    "  </Error>\n"
	    "  <RequestId>4d5d6b6c-1b1f-4c8e-9c8e-1a2b3c4d5e6f</RequestId>\n"
	    "</ErrorResponse>\n";
	struct aws_error e;

	(void)state;
	from_text(&e, 403, body, NULL);
	assert_string_equal(e.code, "AccessDenied");
	assert_string_equal(e.message, "User: arn:aws:iam::123456789012:user/"
	    "ops is not authorized to perform: sts:AssumeRole on resource: "
	    "arn:aws:iam::123456789012:role/patch");
	assert_string_equal(e.request_id,
	    "4d5d6b6c-1b1f-4c8e-9c8e-1a2b3c4d5e6f");
	awserr_free(&e);
}

static void
test_s3(void **state)
{
	static const char body[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<Error><Code>NoSuchKey</Code>"
	    "<Message>The specified key does not exist.</Message>"
	    "<Key>runs/2024-06-01/i-0abc/stdout</Key>"
	    "<RequestId>4442587FB7D0A2F9</RequestId>"
	    "<HostId>eftixk72aD6Ap51TnqcoF8eFidJG9Z/2mkiDFu8yU9AS1ed4OpIszj7"
	    "UDNEHGran</HostId></Error>";
	struct aws_error e;

	(void)state;
	from_text(&e, 404, body, "4442587FB7D0A2F9");
	assert_string_equal(e.code, "NoSuchKey");
	assert_string_equal(e.message, "The specified key does not exist.");
	assert_string_equal(e.request_id, "4442587FB7D0A2F9");
	awserr_free(&e);
}

static void
test_s3_slowdown(void **state)
{
	static const char body[] =
	    "<Error><Code>SlowDown</Code><Message>Please reduce your request "
	    "rate.</Message></Error>";
	struct aws_error e;

	(void)state;
	/* No RequestId in the body: the header's is used. */
	from_text(&e, 503, body, "TX123");
	assert_string_equal(e.code, "SlowDown");
	assert_string_equal(e.request_id, "TX123");
	awserr_free(&e);
}

static void
test_json_dynamodb(void **state)
{
	static const char body[] =
	    "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
	    "ConditionalCheckFailedException\","
	    "\"message\":\"The conditional request failed\"}";
	struct aws_error e;

	(void)state;
	from_text(&e, 400, body, "KQ5OBTQ4CL5O6Q7N9O8P2JEAKVVV4KQNSO5AEMVJF66Q9ASUAAJG");
	assert_string_equal(e.code, "ConditionalCheckFailedException");
	assert_string_equal(e.message, "The conditional request failed");
	assert_string_equal(e.request_id,
	    "KQ5OBTQ4CL5O6Q7N9O8P2JEAKVVV4KQNSO5AEMVJF66Q9ASUAAJG");
	awserr_free(&e);
}

static void
test_json_ssm(void **state)
{
	/* JSON 1.1 with a bare type and "Message" capitalised. */
	static const char body[] =
	    "{\"__type\":\"InvalidInstanceId\",\"Message\":\"Instances "
	    "[[i-0abc]] not in a valid state for account 123456789012\"}";
	struct aws_error e;

	(void)state;
	from_text(&e, 400, body, NULL);
	assert_string_equal(e.code, "InvalidInstanceId");
	assert_string_equal(e.message, "Instances [[i-0abc]] not in a valid "
	    "state for account 123456789012");
	assert_null(e.request_id);
	awserr_free(&e);
}

static void
test_json_type_with_url(void **state)
{
	static const char body[] =
	    "{\"__type\":\"com.amazon.coral.validate#ValidationException:"
	    "http://internal.amazon.com/coral/com.amazon.coral.validate/\","
	    "\"message\":\"1 validation error detected\"}";
	struct aws_error e;

	(void)state;
	from_text(&e, 400, body, NULL);
	assert_string_equal(e.code, "ValidationException");
	awserr_free(&e);
}

static void
test_json_no_type(void **state)
{
	struct aws_error e;

	(void)state;
	from_text(&e, 403, "{\"message\":\"Missing Authentication Token\"}",
	    NULL);
	assert_string_equal(e.code, "HttpError");
	assert_string_equal(e.message, "Missing Authentication Token");
	awserr_free(&e);

	/* The "code"/"Code" convention of some JSON services. */
	from_text(&e, 400, "{\"Code\":\"InvalidRequest\",\"Message\":\"m\"}",
	    NULL);
	assert_string_equal(e.code, "InvalidRequest");
	assert_string_equal(e.message, "m");
	awserr_free(&e);

	/* A code and no message: the status says where it came from. */
	from_text(&e, 400, "{\"code\":\"ThrottlingException\"}", NULL);
	assert_string_equal(e.code, "ThrottlingException");
	assert_string_equal(e.message, "HTTP 400 Bad Request");
	awserr_free(&e);

	/* An object that names nothing is quoted like garbage. */
	from_text(&e, 500, "{\"ok\":false}", NULL);
	assert_string_equal(e.code, "HttpError");
	assert_string_equal(e.message,
	    "HTTP 500 Internal Server Error: {\"ok\":false}");
	awserr_free(&e);

	/* Wrong types are ignored, not crashed on. */
	from_text(&e, 400, "{\"__type\":7,\"message\":[1]}", NULL);
	assert_string_equal(e.code, "HttpError");
	awserr_free(&e);
}

static void
test_error_type_header(void **state)
{
	static const char body[] = "{\"message\":\"1 validation error\"}";
	struct aws_error e;

	(void)state;
	awserr_init(&e);
	awserr_from_reply_typed(&e, 400, body, strlen(body), "rid-1",
	    "ValidationException:http://internal.amazon.com/coral/"
	    "com.amazon.coral.validate/");
	assert_string_equal(e.code, "ValidationException");
	assert_string_equal(e.message, "1 validation error");
	assert_string_equal(e.request_id, "rid-1");
	/* The body's code comes first (botocore's awsJson parser reads only
	 * the body); the header names what a body does not: none, or not
	 * AWS's. */
	awserr_from_reply_typed(&e, 400, "{\"__type\":\"A\"}", 14, NULL, "B");
	assert_string_equal(e.code, "A");
	awserr_from_reply_typed(&e, 400, "{\"message\":\"slow\"}", 18, NULL,
	    "ThrottlingException:http://internal.amazon.com/coral/x/");
	assert_string_equal(e.code, "ThrottlingException");
	assert_string_equal(e.message, "slow");
	awserr_from_reply_typed(&e, 502, "<html>Bad Gateway</html>", 24, NULL,
	    "ServiceUnavailableException");
	assert_string_equal(e.code, "ServiceUnavailableException");
	awserr_from_reply_typed(&e, 429, NULL, 0, NULL,
	    "TooManyRequestsException");
	assert_string_equal(e.code, "TooManyRequestsException");
	assert_string_equal(e.message, "HTTP 429 Too Many Requests");
	/* "" means no header. */
	awserr_from_reply_typed(&e, 400, "{\"__type\":\"A\"}", 14, NULL, "");
	assert_string_equal(e.code, "A");
	awserr_free(&e);
}

static void
test_empty_body(void **state)
{
	struct aws_error e;

	(void)state;
	from_text(&e, 503, "", "req-9");
	assert_string_equal(e.code, "HttpError");
	assert_string_equal(e.message,
	    "HTTP 503 Service Unavailable with an empty body");
	assert_string_equal(e.request_id, "req-9");
	awserr_free(&e);

	awserr_from_reply(&e, 404, NULL, 0, NULL);	/* S3 HEAD */
	assert_string_equal(e.code, "HttpError");
	assert_string_equal(e.message, "HTTP 404 Not Found with an empty body");
	assert_null(e.request_id);
	awserr_free(&e);

	from_text(&e, 500, " \r\n\t", "");
	assert_string_equal(e.message,
	    "HTTP 500 Internal Server Error with an empty body");
	assert_null(e.request_id);
	awserr_free(&e);
}

static void
test_html_body(void **state)
{
	static const char body[] =
	    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n"
	    "<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n"
	    "</body>\r\n</html>\r\n";
	struct aws_error e;

	(void)state;
	from_text(&e, 502, body, NULL);
	assert_string_equal(e.code, "HttpError");
	/* Line breaks fold to one space; the trailing one goes. */
	assert_string_equal(e.message, "HTTP 502 Bad Gateway: <html> <head>"
	    "<title>502 Bad Gateway</title></head> <body> <center><h1>502 "
	    "Bad Gateway</h1></center> </body> </html>");
	assert_no_control(e.message);
	awserr_free(&e);
}

static void
test_truncated_xml(void **state)
{
	static const char body[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors>"
	    "<Error><Code>Unavailab";
	struct aws_error e;

	(void)state;
	from_text(&e, 503, body, NULL);
	assert_string_equal(e.code, "HttpError");
	assert_non_null(strstr(e.message, "HTTP 503 Service Unavailable: "
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?> <Response>"));
	assert_no_control(e.message);
	awserr_free(&e);
}

static void
test_garbage(void **state)
{
	struct aws_error e;
	char big[1000];

	(void)state;
	from_text(&e, 400, "not xml, not json", NULL);
	assert_string_equal(e.code, "HttpError");
	assert_string_equal(e.message, "HTTP 400 Bad Request: not xml, not json");
	awserr_free(&e);

	/* Well-formed XML without an Error element. */
	from_text(&e, 418, "<Teapot/>", NULL);
	assert_string_equal(e.code, "HttpError");
	assert_string_equal(e.message, "HTTP 418: <Teapot/>");
	awserr_free(&e);

	/* The quote is cut at 200 bytes and says so. */
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	from_text(&e, 500, big, NULL);
	assert_int_equal(strlen(e.message),
	    strlen("HTTP 500 Internal Server Error: ") + 200 + 3);
	assert_string_equal(e.message + strlen(e.message) - 3, "...");
	awserr_free(&e);
}

static void
test_huge_message(void **state)
{
	const size_t n = 10 * 1024 * 1024;
	static const char head[] = "{\"__type\":\"ValidationException\","
	    "\"message\":\"";
	struct buf b;
	struct aws_error e;
	size_t i;

	(void)state;
	buf_init(&b);
	buf_puts(&b, head);
	/* Three-byte characters, so the 4 KiB cut must avoid splitting one. */
	for (i = 0; i < n / 3; i++)
		buf_puts(&b, "\xe2\x9c\x93");
	buf_puts(&b, "\"}");
	awserr_init(&e);
	awserr_from_reply(&e, 400, b.data, b.len, NULL);
	assert_string_equal(e.code, "ValidationException");
	assert_int_equal(strlen(e.message), 4095);	/* 1365 x 3 bytes */
	assert_memory_equal(e.message + 4092, "\xe2\x9c\x93", 3);
	awserr_free(&e);

	/* The same size in XML: whatever libxml2 makes of it, the result is
	 * bounded and has a code. */
	buf_reset(&b);
	buf_puts(&b, "<Error><Code>InternalError</Code><Message>");
	for (i = 0; i < n; i++)
		buf_putc(&b, 'm');
	buf_puts(&b, "</Message></Error>");
	awserr_from_reply(&e, 500, b.data, b.len, NULL);
	assert_non_null(e.code);
	assert_true(strlen(e.message) <= AWSERR_MAX_MESSAGE);
	awserr_free(&e);

	/* A 1 MB message in XML is parsed and cut. */
	buf_reset(&b);
	buf_puts(&b, "<Error><Code>InternalError</Code><Message>");
	for (i = 0; i < 1024 * 1024; i++)
		buf_putc(&b, 'm');
	buf_puts(&b, "</Message></Error>");
	awserr_from_reply(&e, 500, b.data, b.len, NULL);
	assert_string_equal(e.code, "InternalError");
	assert_int_equal(strlen(e.message), AWSERR_MAX_MESSAGE);
	awserr_free(&e);
	buf_free(&b);
}

static void
test_control_bytes(void **state)
{
	static const char body[] = "\0\x01garbage\x1b[31mred\x7f\n\xc3\xa9";
	struct aws_error e;

	(void)state;
	awserr_init(&e);
	awserr_from_reply(&e, 500, body, sizeof body - 1, NULL);
	assert_string_equal(e.code, "HttpError");
	assert_string_equal(e.message,
	    "HTTP 500 Internal Server Error: ?\?garbage?[31mred? \xc3\xa9");
	assert_no_control(e.message);
	awserr_free(&e);

	/* AWS's own message is stored raw (the screen sanitises), here with
	 * a tab and a newline escaped in JSON. */
	from_text(&e, 400, "{\"__type\":\"X\",\"message\":\"a\\tb\\nc\"}",
	    NULL);
	assert_string_equal(e.message, "a\tb\nc");
	awserr_free(&e);

	/* A NUL inside JSON text cuts nothing it should not. */
	from_text(&e, 400, "{\"__type\":\"X\",\"message\":\"a\\u0000b\"}",
	    NULL);
	assert_string_equal(e.code, "X");
	assert_non_null(e.message);
	awserr_free(&e);
}

static void
test_entities_not_expanded(void **state)
{
	static const char body[] =
	    "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE Error [\n"
	    "<!ENTITY x \"EXPANDED\">\n"
	    "<!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n"
	    "]>\n"
	    "<Error><Code>C</Code><Message>a&x;b&xxe;c</Message></Error>";
	struct aws_error e;

	(void)state;
	/* A body with a DOCTYPE is not read as XML at all (awsxml.h): its
	 * code is not taken, and the body is quoted, not expanded. */
	from_text(&e, 400, body, NULL);
	assert_string_equal(e.code, "HttpError");
	assert_null(strstr(e.message, "aEXPANDEDb"));
	assert_null(strstr(e.message, "root:"));
	awserr_free(&e);
}

/* libxml2 must print nothing: stderr is the console's while curses runs. */
static void
test_libxml_silent(void **state)
{
	char path[] = "/tmp/test_awserr.XXXXXX";
	struct aws_error e;
	int fd, saved;
	off_t size;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, 2), 2);
	from_text(&e, 400, "<Response><Errors><Error><Code>x</Cod", NULL);
	awserr_free(&e);
	from_text(&e, 400, "<a><b></a>&bogus;<<<", NULL);
	awserr_free(&e);
	from_text(&e, 400, "<?xml version=\"9.9\"?><Error/>", NULL);
	awserr_free(&e);
	fflush(stderr);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	size = lseek(fd, 0, SEEK_END);
	close(fd);
	assert_int_equal(size, 0);
}

static void
test_set_copy_free(void **state)
{
	struct aws_error a, b;

	(void)state;
	awserr_init(&a);
	awserr_init(&b);
	awserr_set(&a, 0, "NetworkError", NULL, NULL);
	assert_string_equal(a.code, "NetworkError");
	assert_string_equal(a.message, "");	/* never NULL once set */
	assert_null(a.request_id);
	awserr_set(&a, 0, NULL, "refused", "");
	assert_string_equal(a.code, "NetworkError");
	assert_null(a.request_id);
	awserr_set(&a, 400, NULL, "m", "r");
	assert_string_equal(a.code, "HttpError");

	/* Arguments may point into the value being set. */
	awserr_set(&a, a.http_status, a.code, a.message, a.request_id);
	assert_string_equal(a.code, "HttpError");
	assert_string_equal(a.message, "m");
	assert_string_equal(a.request_id, "r");

	awserr_copy(&b, &a);
	assert_int_equal(b.http_status, 400);
	assert_string_equal(b.message, "m");
	assert_true(b.message != a.message);
	awserr_copy(&b, &b);
	assert_string_equal(b.code, "HttpError");
	awserr_free(&a);
	assert_null(a.code);
	awserr_copy(&b, &a);	/* copying an empty value empties */
	assert_null(b.code);
	assert_null(b.message);
	awserr_free(&a);	/* twice is fine */
	awserr_free(&b);
}

static void
test_format(void **state)
{
	struct aws_error e;
	char *s;

	(void)state;
	awserr_init(&e);
	awserr_set(&e, 400, "ValidationException", "1 validation error",
	    "abc-123");
	s = awserr_format(&e);
	assert_string_equal(s, "ValidationException: 1 validation error "
	    "(HTTP 400, request id abc-123)");
	free(s);

	awserr_set(&e, 503, "SlowDown", "Please reduce your request rate.",
	    NULL);
	s = awserr_format(&e);
	assert_string_equal(s,
	    "SlowDown: Please reduce your request rate. (HTTP 503)");
	free(s);

	awserr_set(&e, 0, "Timeout", "Connection timed out after 10001 ms",
	    NULL);
	s = awserr_format(&e);
	assert_string_equal(s, "Timeout: Connection timed out after 10001 ms");
	free(s);

	awserr_set(&e, 0, "NetworkError", "", NULL);
	s = awserr_format(&e);
	assert_string_equal(s, "NetworkError");
	free(s);

	awserr_free(&e);
	from_text(&e, 502, "", "r-1");
	s = awserr_format(&e);
	assert_string_equal(s, "HttpError: HTTP 502 Bad Gateway with an empty "
	    "body (HTTP 502, request id r-1)");
	free(s);
	awserr_free(&e);

	s = awserr_format(&e);	/* an empty value still formats */
	assert_string_equal(s, "Error");
	free(s);
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ec2),
		cmocka_unit_test(test_moto_ec2),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_s3),
		cmocka_unit_test(test_s3_slowdown),
		cmocka_unit_test(test_json_dynamodb),
		cmocka_unit_test(test_json_ssm),
		cmocka_unit_test(test_json_type_with_url),
		cmocka_unit_test(test_json_no_type),
		cmocka_unit_test(test_error_type_header),
		cmocka_unit_test(test_empty_body),
		cmocka_unit_test(test_html_body),
		cmocka_unit_test(test_truncated_xml),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_huge_message),
		cmocka_unit_test(test_control_bytes),
		cmocka_unit_test(test_entities_not_expanded),
		cmocka_unit_test(test_libxml_silent),
		cmocka_unit_test(test_set_copy_free),
		cmocka_unit_test(test_format),
	};
	int r;

	r = cmocka_run_group_tests_name("awserr", tests, NULL, NULL);
	/* Leaves nothing for the leak checker to report. */
	xmlCleanupParser();
	return r;
}
