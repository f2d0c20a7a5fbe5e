/*
 * test_cli_output.c - the subcommands' writers (cli/cli.h, "the output
 * rule"): CSV cells (controls escaped, the formula guard), JSON through
 * cli_json_put() (valid UTF-8, C1 and format characters as \u escapes),
 * lines through cli_fprintf() (no value starts a line of its own), and
 * ISO 8601 times.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/util.h"

static char *
csv(const char *v)
{
	struct buf b;

	buf_init(&b);
	cli_csv_field(&b, v);
	return buf_steal(&b);
}

static void
expect_csv(const char *in, const char *want)
{
	char *got = csv(in);

	assert_string_equal(got, want);
	free(got);
}

static void
csv_plain_and_quoted(void **state)
{
	(void)state;
	expect_csv("web-01", "web-01");
	expect_csv("a,b", "\"a,b\"");
	expect_csv("say \"hi\"", "\"say \"\"hi\"\"\"");
	expect_csv("caf\xc3\xa9", "caf\xc3\xa9");
	expect_csv("", "");
}

static void
csv_controls_escaped(void **state)
{
	(void)state;
	/* A cell stays on its line and holds no control. */
	expect_csv("a\nFORGED,row", "\"a\\x0aFORGED,row\"");
	expect_csv("x\r\ny", "x\\x0d\\x0ay");
	expect_csv("t\x1b]52;c;UFdO\x07", "t\\x1b]52;c;UFdO\\x07");
	expect_csv("c1\xc2\x9b" "31m", "c1\\u009b31m");
	expect_csv("d\x7f", "d\\x7f");
	expect_csv("bidi\xe2\x80\xae" "txt.exe", "bidi\\u202etxt.exe");
	expect_csv("bad\xff", "bad\\xff");
}

static void
csv_formula_guard(void **state)
{
	(void)state;
	expect_csv("=1+1", "'=1+1");
	expect_csv("+1", "'+1");
	expect_csv("-1", "'-1");
	expect_csv("@SUM(A1)", "'@SUM(A1)");
	/* Blanks and line breaks first: a spreadsheet may skip them. */
	expect_csv(" =1+1", "' =1+1");
	expect_csv("  x", "'  x");
	expect_csv("\t=1", "'\\x09=1");
	expect_csv("\r=1", "'\\x0d=1");
	expect_csv("\n=1", "'\\x0a=1");
	expect_csv("\xc2\xa0=1", "'\xc2\xa0=1");
	expect_csv("\xe3\x80\x80=1", "'\xe3\x80\x80=1");
	/* Full-width = + - @. */
	expect_csv("\xef\xbc\x9d" "1+1", "'\xef\xbc\x9d" "1+1");
	expect_csv("\xef\xbc\x8b" "1", "'\xef\xbc\x8b" "1");
	expect_csv("\xef\xbc\x8d" "1", "'\xef\xbc\x8d" "1");
	expect_csv("\xef\xbc\xa0" "x", "'\xef\xbc\xa0" "x");
	/* Guarded and quoted: the ' inside the quotes. */
	expect_csv("=HYPERLINK(\"x\",\"y\")",
	    "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"");
	/* Not at the start: no guard. */
	expect_csv("a=1", "a=1");
}

/* What f got, as a string; f is closed. */
static char *
contents(FILE *f)
{
	struct buf b;
	char chunk[256];
	size_t n;

	rewind(f);
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	return buf_steal(&b);
}

static void
json_put_safe_and_raw(void **state)
{
	const char *raw = "own\xe2\x80\xae" "gpj.exe\xc2\x9b\xe2\x80\x8b"
	    "\xe2\x80\xa8";
	cJSON *o = cJSON_CreateObject(), *back;
	FILE *f = tmpfile();
	const unsigned char *u;
	char *text;
	int pretty;

	(void)state;
	assert_non_null(f);
	cJSON_AddStringToObject(o, "owner", raw);
	cJSON_AddStringToObject(o, "bad", "x\xff");
	cJSON_AddStringToObject(o, "k\xc2\x85", "v");
	for (pretty = 0; pretty <= 1; pretty++) {
		f = tmpfile();
		assert_non_null(f);
		cli_json_put(f, o, pretty);
		text = contents(f);
		for (u = (const unsigned char *)text; *u != '\0'; u++) {
			assert_false(u[0] == 0xc2 && u[1] >= 0x80 &&
			    u[1] <= 0x9f);
			assert_false(u[0] == 0xe2 && u[1] == 0x80 &&
			    (u[2] == 0xae || u[2] == 0x8b || u[2] == 0xa8));
			assert_true(*u != 0xff);
		}
		assert_non_null(strstr(text, "\\u202e"));
		back = cJSON_Parse(text);
		assert_non_null(back);
		assert_string_equal(cJSON_GetObjectItem(back, "owner")->
		    valuestring, raw);
		assert_string_equal(cJSON_GetObjectItem(back, "bad")->
		    valuestring, "x\xef\xbf\xbd");
		assert_non_null(cJSON_GetObjectItem(back, "k\xc2\x85"));
		cJSON_Delete(back);
		free(text);
	}
	cJSON_Delete(o);
}

static void
lines_cannot_be_forged(void **state)
{
	FILE *f = tmpfile();
	char *text;

	(void)state;
	assert_non_null(f);
	cli_fprintf(f, "%s (%s %s..%s): %s\n", "exc-1", "i-1",
	    "2026-12-01\x1b]52;c;UFdORUQ=\x07", "2026-12-02\nFORGED: ok",
	    "approved");
	text = contents(f);
	assert_string_equal(text, "exc-1 (i-1 2026-12-01\\x1b]52;c;UFdORUQ="
	    "\\x07..2026-12-02\\x0aFORGED: ok): approved\n");
	free(text);
}

static void
iso_times(void **state)
{
	char buf[32];

	(void)state;
	cli_iso_utc(0, buf, sizeof buf);
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	cli_iso_utc(1795568400LL, buf, sizeof buf);
	assert_string_equal(buf, "2026-11-25T01:00:00Z");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(csv_plain_and_quoted),
		cmocka_unit_test(csv_controls_escaped),
		cmocka_unit_test(csv_formula_guard),
		cmocka_unit_test(json_put_safe_and_raw),
		cmocka_unit_test(lines_cannot_be_forged),
		cmocka_unit_test(iso_times),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
