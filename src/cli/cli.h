/*
 * cli.h - what the subcommands share: the global options, exit codes, and
 * output helpers that keep outside text off the terminal raw.
 */
#ifndef PATCHDECK_CLI_H
#define PATCHDECK_CLI_H

#include <stdio.h>

/* Exit codes, the same for every subcommand (README "Exit codes"). */
#define EXIT_OK 0		/* done, every check passed */
#define EXIT_FAIL 1		/* a check or an AWS call failed */
#define EXIT_USAGE 2		/* bad arguments */
#define EXIT_CONFIG 3		/* configuration or credentials unusable */
#define EXIT_INTERNAL 70	/* a bug */

enum cli_format { FORMAT_TABLE, FORMAT_JSON, FORMAT_CSV };

struct cli {
	const char *profile;
	const char *region;
	const char *config;
	const char *cache;
	int read_only;
	int dry_run;
	enum cli_format format;
	int utf8;		/* the locale is UTF-8 */
	int no_color;
};

/* Writes s to f with every unsafe character escaped (escape.h). */
void cli_put(FILE *f, const char *s);
/* "patchdeck: " and the formatted message on stderr, escaped as a whole,
 * so outside text inside it (an AWS message, a file's line) is safe. */
void cli_err(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

struct config;
struct cache;
struct buf;
struct tagging_call;

/* Non-zero if --help or -h stands among argv[1..argc). */
int cli_wants_help(int argc, char **argv);
/* "--opt VALUE" or "--opt=VALUE" at argv[*i]: 1 taken (and *i moved past
 * the value), 0 not this option, -1 the value is missing. */
int cli_opt_value(int argc, char **argv, int *i, const char *opt,
    const char **out);
/* One planned tag call, "PREFIXCreateTags target/region Key=V on N
 * instance(s): ids" (outside text escaped), and its outcome line. */
void cli_print_tagging_call(const struct tagging_call *c, const char *prefix);
void cli_print_tagging_outcome(const struct tagging_call *c);

/* For a command that takes no arguments of its own: -1 when there are
 * none (go on), else the exit code after printing the usage (--help) or
 * naming the unknown argument. */
int cli_no_args(const char *cmd, const char *usage, int argc, char **argv);

/* One CSV field, RFC 4180: quoted when it holds a comma, a quote, CR or
 * LF.  A value starting with = + - @ TAB or CR gets a leading ' (inside
 * the quotes) so a spreadsheet does not run it as a formula. */
void cli_csv_field(struct buf *b, const char *v);
/* "2026-11-29T01:00:00Z" for machine output. */
void cli_iso_utc(long long t, char *buf, size_t size);

/* The patchdeck configuration (--config or the default), or -1 after
 * saying what is wrong. */
int cli_load_config(const struct cli *g, struct config *c);
/* The cache (--cache or the default), saying on stderr when a corrupt one
 * was moved aside; -1 after saying why it cannot be opened. */
int cli_open_cache(const struct cli *g, struct cache **out);
/* --refresh: `patchdeck sync` first, quiet but for targets that fail
 * (named, with cmd in front).  Returns 0, or -1 if any target failed. */
int cli_refresh(const struct cli *g, const struct config *cfg,
    struct cache *cache, const char *cmd);
/* Says on stderr what the cache noticed since (rows it had to skip, a
 * corrupt file moved aside), if anything. */
void cli_cache_notice(struct cache *c);

int cli_doctor(struct cli *g, int argc, char **argv);
int cli_sync(struct cli *g, int argc, char **argv);
int cli_instances(struct cli *g, int argc, char **argv);
int cli_windows(struct cli *g, int argc, char **argv);
int cli_window(struct cli *g, int argc, char **argv);
int cli_owner(struct cli *g, int argc, char **argv);
int cli_setup(struct cli *g, int argc, char **argv);
int cli_exceptions(struct cli *g, int argc, char **argv);
/* `exceptions sync`, in cli_exsync.c. */
int cli_exceptions_sync(struct cli *g, int argc, char **argv);

#endif
