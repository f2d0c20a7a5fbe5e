/*
 * test_escape.c - the terminal escaper (util/escape.h), class by class:
 * C0, DEL, C1, bidi and zero-width, invalid UTF-8, TAB and LF, without a
 * UTF-8 locale; then the writers built on it: esc_printf() (the format
 * raw, every %s escaped), esc_append_strict() (CSV cells) and
 * esc_json_text() (every JSON output).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/escape.h"
#include "util/util.h"

/* Printable text is judged by wcwidth(), which needs a UTF-8 locale. */
static int have_utf8;

/* esc_append() of s for one line (utf8: decode UTF-8), as a new string. */
static char *
line(const char *s, int utf8)
{
	struct buf b;

	buf_init(&b);
	esc_append(&b, s, strlen(s), utf8, 0);
	return buf_steal(&b);
}

static void
expect_line(const char *in, int utf8, const char *want)
{
	char *got = line(in, utf8);

	assert_string_equal(got, want);
	free(got);
}

static void
plain_text_unchanged(void **state)
{
	(void)state;
	if (!have_utf8)
		skip();
	expect_line("web-01 prod", 1, "web-01 prod");
	expect_line("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac", 1,
	    "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac");
	/* A backslash is text: only the things below are escaped. */
	expect_line("C:\\x", 1, "C:\\x");
	expect_line("", 1, "");
}

static void
c0_controls(void **state)
{
	char s[2] = { 0, 0 }, want[8];
	int c;

	(void)state;
	expect_line("a\x1b]52;c;UFdO\x07z", 1, "a\\x1b]52;c;UFdO\\x07z");
	expect_line("\x1b[2J", 1, "\\x1b[2J");
	expect_line("cr\rover", 1, "cr\\x0dover");
	expect_line("\x01\x1f", 1, "\\x01\\x1f");
	/* Every C0 control but TAB and LF (below). */
	for (c = 1; c < 0x20; c++) {
		if (c == '\t' || c == '\n')
			continue;
		s[0] = (char)c;
		snprintf(want, sizeof want, "\\x%02x", c);
		expect_line(s, 1, want);
		expect_line(s, 0, want);
	}
}

static void
del(void **state)
{
	(void)state;
	expect_line("a\x7f" "b", 1, "a\\x7fb");
	expect_line("\x7f", 0, "\\x7f");
}

static void
c1_controls(void **state)
{
	char s[3] = { (char)0xc2, 0, 0 }, want[8];
	int c;

	(void)state;
	/* CSI, NEL, OSC, ST as UTF-8 code points. */
	expect_line("x\xc2\x9b" "31m", 1, "x\\u009b31m");
	expect_line("\xc2\x85\xc2\x9d\xc2\x9c", 1, "\\u0085\\u009d\\u009c");
	for (c = 0x80; c <= 0x9f; c++) {
		s[1] = (char)c;
		snprintf(want, sizeof want, "\\u%04x", c);
		expect_line(s, 1, want);
	}
	/* U+00A0 and on are text. */
	if (have_utf8)
		expect_line("\xc2\xa0", 1, "\xc2\xa0");
}

static void
bidi_and_zero_width(void **state)
{
	(void)state;
	/* Overrides and embeddings. */
	expect_line("own\xe2\x80\xaegpj.exe", 1, "own\\u202egpj.exe");
	expect_line("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad", 1,
	    "\\u202a\\u202b\\u202c\\u202d");
	/* Isolates, marks. */
	expect_line("\xe2\x81\xa6" "a\xe2\x81\xa9", 1, "\\u2066a\\u2069");
	expect_line("\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c", 1,
	    "\\u200e\\u200f\\u061c");
	/* Zero-width space, joiners, word joiner, BOM, soft hyphen. */
	expect_line("a\xe2\x80\x8b" "b\xe2\x80\x8c" "c\xe2\x80\x8d" "d", 1,
	    "a\\u200bb\\u200cc\\u200dd");
	expect_line("\xe2\x81\xa0\xef\xbb\xbf\xc2\xad", 1,
	    "\\u2060\\ufeff\\u00ad");
	/* Line and paragraph separators, a tag character. */
	expect_line("\xe2\x80\xa8\xe2\x80\xa9", 1, "\\u2028\\u2029");
	expect_line("\xf3\xa0\x80\x81", 1, "\\U000e0001");
}

static void
invalid_utf8(void **state)
{
	(void)state;
	expect_line("a\xff" "b", 1, "a\\xffb");
	/* Overlong '/', a lone continuation byte, a truncated sequence. */
	expect_line("\xc0\xaf", 1, "\\xc0\\xaf");
	expect_line("\x80", 1, "\\x80");
	expect_line("\xe2\x80", 1, "\\xe2\\x80");
	/* A surrogate, and beyond U+10FFFF. */
	expect_line("\xed\xa0\x80", 1, "\\xed\\xa0\\x80");
	expect_line("\xf4\x90\x80\x80", 1, "\\xf4\\x90\\x80\\x80");
}

static void
tab_and_newline(void **state)
{
	struct buf b;

	(void)state;
	/* One line: TAB is one space, LF shown, so no value starts a line. */
	expect_line("a\tb", 1, "a b");
	expect_line("ok\nFORGED line", 1, "ok\\x0aFORGED line");
	buf_init(&b);
	esc_append(&b, "a\nb\x1b", 4, 1, 1);
	assert_string_equal(b.data, "a\nb\\x1b");
	buf_free(&b);
	/* esc_next() hands TAB and LF back as pieces of their own. */
	{
		struct esc_piece p;

		assert_int_equal(esc_next("\tx", 2, 1, &p), 1);
		assert_true(p.tab);
		assert_false(p.escaped);
		assert_int_equal(esc_next("\nx", 2, 1, &p), 1);
		assert_true(p.newline);
		assert_int_equal(esc_next("\x1bx", 2, 1, &p), 1);
		assert_true(p.escaped);
		assert_int_equal(p.width, 4);
	}
}

static void
without_utf8_locale(void **state)
{
	(void)state;
	/* Every byte >= 0x80 escaped, valid UTF-8 or not. */
	expect_line("caf\xc3\xa9", 0, "caf\\xc3\\xa9");
	expect_line("\xc2\x9b", 0, "\\xc2\\x9b");
	expect_line("\xe2\x80\xae", 0, "\\xe2\\x80\\xae");
}

static void
printf_escapes_arguments_only(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	/* The format's own LF stays; the argument's is shown. */
	esc_printf(&b, 1, "%s: %s\n", "approve",
	    "2026-12-01\x1b]52;c;UFdO\x07\nFORGED");
	assert_string_equal(b.data, "approve: 2026-12-01\\x1b]52;c;UFdO\\x07"
	    "\\x0aFORGED\n");
	buf_reset(&b);
	esc_printf(&b, 1, "[%-6s|%4s|%.2s]", "ab", "c", "xyz");
	assert_string_equal(b.data, "[ab    |   c|xy]");
	buf_reset(&b);
	/* Width and precision from arguments; numbers of every size. */
	esc_printf(&b, 1, "%*s|%-*d|%.*s|%zu %ld %lld %u %x %5.1f %%", 3, "a",
	    4, 7, 1, "yz", (size_t)42, -5L, 1LL << 40, 3u, 255u, 2.25);
	assert_string_equal(b.data,
	    "  a|7   |y|42 -5 1099511627776 3 ff   2.2 %");
	buf_reset(&b);
	esc_printf(&b, 1, "%c%c", 'x', '\x1b');
	assert_string_equal(b.data, "x\\x1b");
	buf_reset(&b);
	esc_printf(&b, 1, "%s", "\xe2\x80\xae\xc2\x9b\xff");
	assert_string_equal(b.data, "\\u202e\\u009b\\xff");
	buf_free(&b);
}

static void
strict_escapes_tab_and_newline(void **state)
{
	struct buf b;
	const char *s = "a\tb\nc\rd\x1b\xc2\x85\xe2\x80\xae\xff";

	(void)state;
	buf_init(&b);
	esc_append_strict(&b, s, strlen(s), 1);
	assert_string_equal(b.data,
	    "a\\x09b\\x0ac\\x0dd\\x1b\\u0085\\u202e\\xff");
	buf_free(&b);
}

/* s through esc_json_text() as a JSON string, parsed back. */
static char *
json_roundtrip(const char *s, char **text)
{
	cJSON *o = cJSON_CreateString(s), *back;
	char *raw = cJSON_PrintUnformatted(o), *v;

	*text = esc_json_text(raw);
	back = cJSON_Parse(*text);
	assert_non_null(back);
	assert_true(cJSON_IsString(back));
	v = xstrdup(back->valuestring);
	cJSON_Delete(back);
	cJSON_Delete(o);
	free(raw);
	return v;
}

static void
json_text(void **state)
{
	const char *raw = "n\xc2\x9b" "a\xe2\x80\xae" "b\xe2\x80\xa8" "c\x7f"
	    "d\xf3\xa0\x80\x81" "e\xe2\x80\x8b" "caf\xc3\xa9";
	char *text, *v;
	const unsigned char *u;

	(void)state;
	v = json_roundtrip(raw, &text);
	/* The value is kept (the machine reads it raw) ... */
	assert_string_equal(v, raw);
	/* ... and the text holds no C1, DEL or format character raw. */
	assert_string_equal(text, "\"n\\u009ba\\u202eb\\u2028c\\u007f"
	    "d\\udb40\\udc01e\\u200bcaf\xc3\xa9\"");
	for (u = (const unsigned char *)text; *u != '\0'; u++)
		assert_true(*u >= 0x20 && *u != 0x7f && !(u[0] == 0xc2 &&
		    u[1] >= 0x80 && u[1] <= 0x9f));
	free(text);
	free(v);
	/* Invalid UTF-8 becomes U+FFFD, once per bad byte. */
	v = json_roundtrip("a\xff" "b\xc0\xaf", &text);
	assert_string_equal(v, "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd");
	free(text);
	free(v);
	/* C0 stays as cJSON writes it. */
	v = json_roundtrip("\x1b\n", &text);
	assert_string_equal(text, "\"\\u001b\\n\"");
	free(text);
	free(v);
	/* Formatted JSON keeps its layout. */
	text = esc_json_text("{\n\t\"a\":\t\"\xc2\x85\"\n}");
	assert_string_equal(text, "{\n\t\"a\":\t\"\\u0085\"\n}");
	free(text);
}

static void
utf8_repair(void **state)
{
	char *s;

	(void)state;
	s = esc_utf8_repair("ok\xff\xc3\xa9\xe2\x80");
	assert_string_equal(s, "ok\xef\xbf\xbd\xc3\xa9\xef\xbf\xbd"
	    "\xef\xbf\xbd");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_text_unchanged),
		cmocka_unit_test(c0_controls),
		cmocka_unit_test(del),
		cmocka_unit_test(c1_controls),
		cmocka_unit_test(bidi_and_zero_width),
		cmocka_unit_test(invalid_utf8),
		cmocka_unit_test(tab_and_newline),
		cmocka_unit_test(without_utf8_locale),
		cmocka_unit_test(printf_escapes_arguments_only),
		cmocka_unit_test(strict_escapes_tab_and_newline),
		cmocka_unit_test(json_text),
		cmocka_unit_test(utf8_repair),
	};

	have_utf8 = setlocale(LC_CTYPE, "C.UTF-8") != NULL ||
	    setlocale(LC_CTYPE, "en_US.UTF-8") != NULL;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
