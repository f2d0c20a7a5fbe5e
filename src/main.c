/*
 * main.c - global options and subcommand dispatch.
 *
 * Global options may stand anywhere before "--", so that
 * `patchdeck doctor --region eu-west-1` and
 * `patchdeck --region eu-west-1 doctor` mean the same; each subcommand
 * parses what is left.
 */
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "aws/client.h"
#include "cli/cli.h"
#include "util/escape.h"
#include "util/util.h"

#ifndef PATCHDECK_VERSION
#define PATCHDECK_VERSION "0.0.0"
#endif


struct command {
	const char *name;
	int (*run)(struct cli *g, int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "doctor", cli_doctor,
	    "check identity, region, credentials and each service" },
	{ "sync", cli_sync,
	    "fetch the fleet inventory into the local cache" },
	{ "instances", cli_instances,
	    "list cached instances, filtered and sorted" },
	{ "windows", cli_windows,
	    "list the maintenance windows, next start and members" },
	{ "plan", cli_plan,
	    "what patch night will do to each member of a window" },
	{ "window", cli_window,
	    "assign or clear instances' maintenance window tag" },
	{ "owner", cli_owner,
	    "set or clear instances' owner tag" },
	{ "exceptions", cli_exceptions,
	    "request, approve, reject, revoke, list and sync patch "
	    "exceptions" },
	{ "precheck", cli_precheck,
	    "pre-patch checks of a window's members over SSM" },
	{ "prepare", cli_prepare,
	    "start a window's stopped members before it opens (--undo)" },
	{ "setup", cli_setup,
	    "create what patchdeck needs: tables, SSM documents, Athena" },
};

static void
usage(FILE *f)
{
	size_t i;

	fputs("usage: patchdeck [global options] [command [arguments]]\n"
	    "\n"
	    "Runs OS patch night on AWS fleets.  With no command, opens the\n"
	    "console: the fleet by window and tag state, from the local cache,\n"
	    "refreshed in the background (? there lists the keys).\n"
	    "\n"
	    "Commands:\n", f);
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		cli_fprintf(f, "  %-12s %s\n", commands[i].name,
		    commands[i].summary);
	fputs("\n"
	    "Global options:\n"
	    "  --profile NAME     AWS profile (else AWS_PROFILE, else default)\n"
	    "  --region REGION    AWS region (else AWS_REGION, AWS_DEFAULT_REGION,\n"
	    "                     the profile's region)\n"
	    "  --config FILE      patchdeck configuration file\n"
	    "  --cache FILE       local cache database\n"
	    "  --format FMT       table (default), json or csv, where offered\n"
	    "  --read-only        refuse every action that changes AWS state\n"
	    "  --dry-run          print the calls an action would make; make none\n"
	    "  --yes              answer yes to the question a change asks (needed\n"
	    "                     without a terminal)\n"
	    "  --debug[=FILE]     log every AWS attempt (never a secret) to\n"
	    "                     stderr or FILE\n"
	    "  --no-color         no colours in the console (also NO_COLOR)\n"
	    "  --frames N         console: exit after drawing N frames (tests)\n"
	    "  -h, --help         this help; COMMAND --help for a command's\n"
	    "  -V, --version      the version\n"
	    "\n"
	    "Exit status: 0 done, 1 a check or AWS call failed, 2 bad arguments\n"
	    "(or a change without a terminal and without --yes), 3 configuration\n"
	    "or credentials unusable, 4 done but some members will not make it\n"
	    "(precheck: a check failed; prepare: not Online in time).\n"
	    "AWS settings follow the AWS CLI: AWS_ENDPOINT_URL(_<SERVICE>),\n"
	    "AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, AWS_MAX_ATTEMPTS, ...\n",
	    f);
}

/* cli_opt_value(), but a missing value ends the program here: global
 * options come before anything else is set up. */
static int
take_value(int argc, char **argv, int *i, const char *opt, const char **out)
{
	int r = cli_opt_value(argc, argv, i, opt, out);

	if (r < 0) {
		cli_err("%s needs a value", opt);
		exit(EXIT_USAGE);
	}
	return r;
}

static void
open_debug(const char *file)
{
	int fd;

	if (file == NULL) {
		aws_set_debug(STDERR_FILENO);
		return;
	}
	fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		cli_err("--debug: cannot open %s", file);
		exit(EXIT_USAGE);
	}
	aws_set_debug(fd);
}

int
main(int argc, char **argv)
{
	struct cli g;
	const char *fmt = NULL, *debug = NULL, *frames_opt = NULL;
	int frames = 0;
	char **rest;
	int i, n = 0, debug_on = 0, passthrough = 0;
	size_t k;

	setlocale(LC_ALL, "");
	memset(&g, 0, sizeof g);
	g.utf8 = esc_locale_utf8();
	g.no_color = getenv("NO_COLOR") != NULL && *getenv("NO_COLOR") != '\0';

	rest = xcalloc((size_t)argc + 1, sizeof *rest);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (passthrough) {
			rest[n++] = argv[i];
		} else if (strcmp(a, "--") == 0) {
			passthrough = 1;
		} else if (take_value(argc, argv, &i, "--profile", &g.profile) ||
		    take_value(argc, argv, &i, "--region", &g.region) ||
		    take_value(argc, argv, &i, "--config", &g.config) ||
		    take_value(argc, argv, &i, "--cache", &g.cache) ||
		    take_value(argc, argv, &i, "--format", &fmt)) {
			continue;
		} else if (strcmp(a, "--read-only") == 0) {
			g.read_only = 1;
		} else if (strcmp(a, "--dry-run") == 0) {
			g.dry_run = 1;
		} else if (strcmp(a, "--yes") == 0) {
			g.yes = 1;
		} else if (n == 0 && take_value(argc, argv, &i, "--frames",
		    &frames_opt)) {
			frames = atoi(frames_opt);
		} else if (strcmp(a, "--no-color") == 0) {
			g.no_color = 1;
		} else if (strcmp(a, "--debug") == 0) {
			debug_on = 1;
		} else if (strncmp(a, "--debug=", 8) == 0) {
			debug_on = 1;
			debug = a + 8;
		} else if (n == 0 && (strcmp(a, "-V") == 0 ||
		    strcmp(a, "--version") == 0)) {
			cli_printf("patchdeck %s\n", PATCHDECK_VERSION);
			free(rest);
			return EXIT_OK;
		} else if (n == 0 && (strcmp(a, "-h") == 0 ||
		    strcmp(a, "--help") == 0 || strcmp(a, "help") == 0)) {
			usage(stdout);
			free(rest);
			return EXIT_OK;
		} else {
			rest[n++] = argv[i];
		}
	}
	if (fmt != NULL) {
		if (strcmp(fmt, "table") == 0)
			g.format = FORMAT_TABLE;
		else if (strcmp(fmt, "json") == 0)
			g.format = FORMAT_JSON;
		else if (strcmp(fmt, "csv") == 0)
			g.format = FORMAT_CSV;
		else {
			cli_err("--format must be table, json or csv, not '%s'",
			    fmt);
			free(rest);
			return EXIT_USAGE;
		}
	}
	if (debug_on)
		open_debug(debug);

	if (n == 0) {
		free(rest);
		return app_run(&g, frames);
	}
	for (k = 0; k < sizeof commands / sizeof commands[0]; k++) {
		if (strcmp(rest[0], commands[k].name) == 0) {
			int rc = commands[k].run(&g, n, rest);

			free(rest);
			return rc;
		}
	}
	cli_err("unknown command '%s'; see patchdeck --help", rest[0]);
	free(rest);
	return EXIT_USAGE;
}
