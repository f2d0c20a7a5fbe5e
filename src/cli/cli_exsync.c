/*
 * cli_exsync.c - placeholder for `patchdeck exceptions sync`, so that the
 * `exceptions` branch builds on its own.  The real command is written on
 * another branch in a file of this same name, which replaces this one
 * whole when the branches meet.
 */
#include "cli/cli.h"

int
cli_exceptions_sync(struct cli *g, int argc, char **argv)
{
	(void)g;
	(void)argc;
	(void)argv;
	cli_err("exceptions sync: not built yet");
	return EXIT_USAGE;
}
