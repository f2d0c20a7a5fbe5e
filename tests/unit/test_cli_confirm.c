/*
 * test_cli_confirm.c - the question a change asks before it touches AWS
 * (cli/cli.h cli_confirm()): its text names the count and the first ids,
 * shortening a long list; what reads as yes; --yes answers it; without a
 * terminal it refuses with exit 2.
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

#include "cli/cli.h"

static const char *const ids[] = {
	"i-01", "i-02", "i-03", "i-04", "i-05", "i-06", "i-07",
};

static void
expect_question(size_t n, const char *want)
{
	char *got = cli_confirm_question("prepare", "start", ids, n);

	assert_string_equal(got, want);
	free(got);
}

static void
question_names_count_and_ids(void **state)
{
	(void)state;
	expect_question(1, "prepare: start 1 instance(s): i-01?");
	expect_question(3, "prepare: start 3 instance(s): i-01, i-02, i-03?");
	expect_question(CLI_CONFIRM_IDS,
	    "prepare: start 5 instance(s): i-01, i-02, i-03, i-04, i-05?");
}

static void
question_shortens_long_list(void **state)
{
	(void)state;
	expect_question(6, "prepare: start 6 instance(s): i-01, i-02, i-03, "
	    "i-04, i-05, ... (+1 more)?");
	expect_question(7, "prepare: start 7 instance(s): i-01, i-02, i-03, "
	    "i-04, i-05, ... (+2 more)?");
}

static void
yes_answers(void **state)
{
	(void)state;
	assert_true(cli_confirm_yes("y\n"));
	assert_true(cli_confirm_yes("Y"));
	assert_true(cli_confirm_yes("yes\n"));
	assert_true(cli_confirm_yes("  YES \r\n"));
	assert_false(cli_confirm_yes(NULL));
	assert_false(cli_confirm_yes(""));
	assert_false(cli_confirm_yes("\n"));
	assert_false(cli_confirm_yes("n\n"));
	assert_false(cli_confirm_yes("yess\n"));
	assert_false(cli_confirm_yes("ye\n"));
	assert_false(cli_confirm_yes("y y\n"));
	assert_false(cli_confirm_yes("no\n"));
}

static void
flag_yes_answers(void **state)
{
	struct cli g;

	(void)state;
	memset(&g, 0, sizeof g);
	g.yes = 1;
	assert_int_equal(cli_confirm(&g, "prepare", "start", ids, 7), 0);
}

static void
no_terminal_refuses(void **state)
{
	struct cli g;

	(void)state;
	/* run-unit.sh sends stderr to a file; run by hand on a terminal,
	 * the prompt would wait for an answer. */
	if (isatty(STDIN_FILENO) && isatty(STDERR_FILENO))
		skip();
	memset(&g, 0, sizeof g);
	assert_int_equal(cli_confirm(&g, "prepare", "start", ids, 7),
	    EXIT_USAGE);
	/* Nothing to change asks nothing. */
	assert_int_equal(cli_confirm(&g, "prepare", "start", ids, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(question_names_count_and_ids),
		cmocka_unit_test(question_shortens_long_list),
		cmocka_unit_test(yes_answers),
		cmocka_unit_test(flag_yes_answers),
		cmocka_unit_test(no_terminal_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
