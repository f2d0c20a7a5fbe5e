/*
 * test_ini.c - the shared config file parser: sections, keys, sub-sections,
 * comments, line ends, errors with FILE:LINE, secrets kept out of errors.
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

#include "aws/ini.h"
#include "util/util.h"

static struct ini *
parse(const char *text)
{
	char *err = NULL;
	struct ini *ini = ini_parse("cfg", text, strlen(text), &err);

	if (ini == NULL)
		fail_msg("unexpected error: %s", err);
	return ini;
}

/* Parses text that must fail; returns the message (caller frees). */
static char *
parse_err(const char *text, size_t len)
{
	char *err = NULL;
	struct ini *ini = ini_parse("cfg", text, len, &err);

	assert_null(ini);
	assert_non_null(err);
	return err;
}

static void
test_sections_and_keys(void **state)
{
	struct ini *ini;
	int line = 0;

	(void)state;
	ini = parse("[default]\nregion = eu-west-1\n\n[profile  dev ]\n"
	    "  region=us-east-1  \nOutput = json\nempty =\n"
	    "url = http://h/a=b\n");
	assert_int_equal(ini->nsections, 2);
	assert_string_equal(ini_get(ini, "default", "region", &line),
	    "eu-west-1");
	assert_int_equal(line, 2);
	/* Section names trimmed, inner spacing kept as written. */
	assert_string_equal(ini_get(ini, "profile  dev", "region", &line),
	    "us-east-1");
	assert_int_equal(line, 5);
	/* Keys keep their case. */
	assert_string_equal(ini_get(ini, "profile  dev", "Output", NULL),
	    "json");
	assert_null(ini_get(ini, "profile  dev", "output", NULL));
	assert_string_equal(ini_get(ini, "profile  dev", "empty", NULL), "");
	/* Only the first '=' splits. */
	assert_string_equal(ini_get(ini, "profile  dev", "url", NULL),
	    "http://h/a=b");
	assert_string_equal(ini_key(ini_section(ini, "default"),
	    "region")->where, "cfg:2");
	assert_null(ini_get(ini, "nosuch", "region", NULL));
	ini_free(ini);
}

static void
test_duplicates_merge(void **state)
{
	struct ini *ini;
	int line;

	(void)state;
	ini = parse("[a]\nx = 1\ny = 2\n[b]\nz = 0\n[a]\nx = 3\n");
	assert_int_equal(ini->nsections, 2);
	assert_string_equal(ini_get(ini, "a", "x", &line), "3");
	assert_int_equal(line, 7);
	assert_string_equal(ini_get(ini, "a", "y", NULL), "2");
	ini_free(ini);
}

static void
test_subsections(void **state)
{
	struct ini *ini;
	int line;

	(void)state;
	ini = parse("[profile p]\ns3 =\n  addressing_style = path\n"
	    "\n  # a comment inside\n\tmax_concurrent_requests=20\n"
	    "region = r1\n[services x]\nec2 =\n  endpoint_url = http://e\n");
	assert_string_equal(ini_get(ini, "profile p", "s3.addressing_style",
	    &line), "path");
	assert_int_equal(line, 3);
	assert_string_equal(ini_get(ini, "profile p",
	    "s3.max_concurrent_requests", &line), "20");
	assert_int_equal(line, 6);
	assert_string_equal(ini_get(ini, "profile p", "s3", NULL), "");
	assert_string_equal(ini_get(ini, "profile p", "region", NULL), "r1");
	assert_string_equal(ini_get(ini, "services x", "ec2.endpoint_url",
	    NULL), "http://e");
	ini_free(ini);
}

static void
test_continuation(void **state)
{
	struct ini *ini;

	(void)state;
	ini = parse("[a]\nk = one\n  two\n\tthree\n");
	assert_string_equal(ini_get(ini, "a", "k", NULL), "one\ntwo\nthree");
	ini_free(ini);
	/* Indented key straight after a header is a plain key. */
	ini = parse("[a]\n  k = v\n");
	assert_string_equal(ini_get(ini, "a", "k", NULL), "v");
	ini_free(ini);
}

static void
test_comments(void **state)
{
	struct ini *ini;

	(void)state;
	ini = parse("# top\n; also\n[a] # header comment\n"
	    "k = v # inline\nl = v ; inline\nm = p#ss;word\n"
	    "   # indented comment\nn = #all comment\n");
	assert_string_equal(ini_get(ini, "a", "k", NULL), "v");
	assert_string_equal(ini_get(ini, "a", "l", NULL), "v");
	/* No whitespace before '#' or ';': part of the value. */
	assert_string_equal(ini_get(ini, "a", "m", NULL), "p#ss;word");
	assert_string_equal(ini_get(ini, "a", "n", NULL), "");
	ini_free(ini);
}

static void
test_crlf_bom(void **state)
{
	struct ini *ini;
	int line;

	(void)state;
	ini = parse("\xef\xbb\xbf[a]\r\nk = v\r\n\r\ns =\r\n  x = y\r\n");
	assert_string_equal(ini_get(ini, "a", "k", &line), "v");
	assert_int_equal(line, 2);
	assert_string_equal(ini_get(ini, "a", "s.x", NULL), "y");
	ini_free(ini);
	ini = parse("");
	assert_int_equal(ini->nsections, 0);
	ini_free(ini);
}

static void
test_errors(void **state)
{
	char *e;

	(void)state;
	e = parse_err("[a]\nk = v\njust words\n", 21);
	assert_string_equal(e, "cfg:3: expected [section] or \"name = value\"");
	free(e);
	e = parse_err("region = x\n[a]\n", 16);
	assert_string_equal(e, "cfg:1: key outside any [section]: \"region\"");
	free(e);
	e = parse_err("[a]\n = v\n", 9);
	assert_string_equal(e, "cfg:2: empty key name before '='");
	free(e);
	e = parse_err("[a\n", 3);
	assert_non_null(strstr(e, "cfg:1: section header without ']'"));
	free(e);
	e = parse_err("[ ]\n", 4);
	assert_non_null(strstr(e, "cfg:1: empty section name"));
	free(e);
	e = parse_err("[a] x\n", 6);
	assert_non_null(strstr(e, "cfg:1: text after a section header"));
	free(e);
	e = parse_err("[a]\ns3 =\n  nonsense\n", 20);
	assert_non_null(strstr(e, "cfg:3: expected \"name = value\" in a "
	    "sub-section"));
	free(e);
	e = parse_err("[a]\nk = v\nx = a\0b\n", 18);
	assert_string_equal(e, "cfg:3: NUL byte: not a text file");
	free(e);
}

static void
test_error_sanitised(void **state)
{
	char *e;

	(void)state;
	/* An escape sequence in a key's name must not reach the terminal. */
	e = parse_err("\x1b[2Jboom\x07 = 1\n", 14);
	assert_string_equal(e, "cfg:1: key outside any [section]: "
	    "\"?[2Jboom?\"");
	free(e);
}

static void
test_error_redacts_secrets(void **state)
{
	char *e;

	(void)state;
	e = parse_err("aws_secret_access_key = wJalrXUtnFEMI\n[a]\n", 41);
	assert_null(strstr(e, "wJalr"));
	assert_string_equal(e, "cfg:1: key outside any [section]: "
	    "\"aws_secret_access_key\"");
	free(e);
	/* No line is quoted, whatever the key before it: a secret pasted
	 * alone on a line, or after a section header, or under a key whose
	 * name says nothing of secrets. */
	e = parse_err("[a]\naws_access_key_id = AKIA\nwJalrXUtnFEMI\n", 43);
	assert_null(strstr(e, "wJalr"));
	assert_string_equal(e, "cfg:3: expected [section] or \"name = "
	    "value\"");
	free(e);
	e = parse_err("[a] wJalrXUtnFEMI\n", 18);
	assert_null(strstr(e, "wJalr"));
	free(e);
	e = parse_err("[wJalrXUtnFEMI\n", 15);
	assert_null(strstr(e, "wJalr"));
	free(e);
	e = parse_err("[a]\ns3 =\n  wJalrXUtnFEMI\n", 25);
	assert_null(strstr(e, "wJalr"));
	free(e);
	e = parse_err("password = wJalrXUtnFEMI\n", 25);
	assert_null(strstr(e, "wJalr"));
	free(e);
	e = parse_err("AWS_SESSION_TOKEN = FwoGZX\n", 27);
	assert_null(strstr(e, "FwoGZX"));
	free(e);
	/* "= value" with no key: the value could be a pasted secret. */
	e = parse_err("[a]\n= wJalrXUtnFEMI\n", 20);
	assert_null(strstr(e, "wJalr"));
	free(e);
	/* A line after a secret key might be its broken-off tail. */
	e = parse_err("[a]\naws_session_token = AAA\nBBBBsecretpart\n", 43);
	assert_null(strstr(e, "BBBB"));
	assert_non_null(strstr(e, "cfg:3:"));
	free(e);
}

static void
test_load_files(void **state)
{
	char dir[] = "/tmp/test_ini.XXXXXX";
	char *path, *err = NULL;
	struct ini *ini = NULL;
	FILE *f;
	long i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/config", dir);
	/* Absent: not an error. */
	assert_int_equal(ini_load(path, NULL, &ini, &err), 0);
	assert_null(ini);

	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[a]\nk = v\nbad line\n", f);
	fclose(f);
	assert_int_equal(ini_load(path, "~/.aws/config", &ini, &err), -1);
	assert_string_equal(err, "~/.aws/config:3: expected [section] or "
	    "\"name = value\"");
	free(err);
	err = NULL;

	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[a]\nk = v\n", f);
	fclose(f);
	assert_int_equal(ini_load(path, NULL, &ini, &err), 0);
	assert_string_equal(ini_get(ini, "a", "k", NULL), "v");
	ini_free(ini);

	/* Over 1 MiB: refused. */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[a]\n", f);
	for (i = 0; i < INI_MAX_SIZE / 16 + 1; i++)
		fputs("# padding......\n", f);
	fclose(f);
	assert_int_equal(ini_load(path, NULL, &ini, &err), -1);
	assert_non_null(strstr(err, "larger than"));
	assert_non_null(strstr(err, path));
	free(err);

	unlink(path);
	free(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sections_and_keys),
		cmocka_unit_test(test_duplicates_merge),
		cmocka_unit_test(test_subsections),
		cmocka_unit_test(test_continuation),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_crlf_bom),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_error_sanitised),
		cmocka_unit_test(test_error_redacts_secrets),
		cmocka_unit_test(test_load_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
