/*
 * cli_fix.h - `patchdeck precheck WINDOW --fix KIND` (cli_fix.c), called
 * by cli_precheck.c once it has read the command line.
 */
#ifndef PATCHDECK_CLI_FIX_H
#define PATCHDECK_CLI_FIX_H

#include <stddef.h>

struct cli;

struct cli_fix_args {
	const char *window;
	const char *date;	/* NULL: the current or next occurrence */
	const char *kind;	/* as given: disk, repo, pkg_lock (or a
				 * failure kind a fix repairs) */
	int force;		/* --force */
	const char *const *ids;	/* --instances */
	size_t nids;
};

/*
 * Selects the members whose latest pre-check failed with a kind KIND
 * repairs, asks (cli_confirm), sends the fix (ops/fix.h), pre-checks the
 * same instances again and prints before -> after.  Honours --dry-run,
 * --read-only, --yes and --format.  Returns the exit code: 0 every fixed
 * instance passes now (or nothing to fix), 4 some still fail, 1 the fix
 * could not be sent, 2 bad KIND, window or ids, or no terminal and no
 * --yes, 3 config or cache unusable.
 */
int cli_precheck_fix(struct cli *g, const struct cli_fix_args *a);

#endif
