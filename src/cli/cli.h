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
#define EXIT_USAGE 2		/* bad arguments, or a change needs --yes */
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
	int yes;		/* --yes: changes are confirmed already */
	enum cli_format format;
	int utf8;		/* the locale is UTF-8 */
	int no_color;
};

/*
 * The output rule, one for every byte patchdeck writes to stdout or
 * stderr (DESIGN.md section 9): the SINK escapes.  Error values and
 * messages (aws_error, char **err) carry outside text raw, as it came;
 * the writers below are the only way a subcommand writes, and each one
 * makes outside text safe on its way out:
 *   - lines for people (tables, messages, errors, --debug): cli_printf(),
 *     cli_fprintf(), cli_put(), cli_err(): the format is patchdeck's own,
 *     every %s is outside text, shown escaped on one line (escape.h: C0,
 *     DEL, C1, invalid UTF-8, bidi and zero-width as \x1b, \u202e; TAB as
 *     a space; LF as \x0a, so no value starts a line of its own);
 *   - CSV: cli_csv_field(); JSON: cli_json_put().
 * Static text (usage) may go out with fputs().
 */

struct cJSON;

/* Writes s to f with every unsafe character escaped (escape.h), LF too. */
void cli_put(FILE *f, const char *s);
/* printf() to stdout / f, every %s and %c argument escaped (esc_printf()). */
void cli_printf(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
void cli_fprintf(FILE *f, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* "patchdeck: " and the formatted message on stderr, every %s argument
 * escaped, so outside text inside it (an AWS message, a file's name) can
 * neither reach the terminal raw nor start a forged line. */
void cli_err(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* The JSON text of o (indented if pretty), without a final newline, made
 * safe as esc_json_text() says: valid UTF-8, C1 and format characters as
 * \u escapes.  Every --format json goes out through here. */
void cli_json_put(FILE *f, const struct cJSON *o, int pretty);

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

/*
 * One CSV field, RFC 4180, as UTF-8 whatever the locale: controls (C0 with
 * TAB, CR and LF, DEL, C1), invalid UTF-8 and format characters shown as
 * visible escapes (\x1b, \u202e) so a cell stays on its line; quoted when
 * it holds a comma or a quote.  A value starting with = + - @ (or their
 * full-width forms), or with a blank (space, TAB, CR, LF, no-break or
 * ideographic space) gets a leading ' (inside the quotes) so a spreadsheet
 * does not run it as a formula (OWASP, CSV injection).
 */
void cli_csv_field(struct buf *b, const char *v);
/* Appends raw to out escaped (escape.h) and cut to at most maxw display
 * columns, ending with an ellipsis when cut; returns the columns used.
 * For aligned tables (utf8: the locale's, esc_locale_utf8()). */
int cli_fit(struct buf *out, const char *raw, int maxw, int utf8);
/* "2026-11-29T01:00:00Z" for machine output. */
void cli_iso_utc(long long t, char *buf, size_t size);

/* The patchdeck configuration (--config or the default), or -1 after
 * saying what is wrong. */
int cli_load_config(const struct cli *g, struct config *c);
/* The cache (--cache or the default), saying on stderr when a corrupt one
 * was moved aside; -1 after saying why it cannot be opened. */
int cli_open_cache(const struct cli *g, struct cache **out);
/* Before any change to AWS state: in read-only mode (--read-only, or
 * read_only = true: config_read_only_why) prints "CMD: refused: patchdeck
 * is in read-only mode (WHY); no change was made" and returns 1 (exit
 * with EXIT_FAIL); else 0.  The one refusal every subcommand makes. */
int cli_refuse_read_only(const struct cli *g, const struct config *cfg,
    const char *cmd);
/* --refresh: `patchdeck sync` first, quiet but for targets that fail
 * (named, with cmd in front).  Returns 0, or -1 if any target failed. */
int cli_refresh(const struct cli *g, const struct config *cfg,
    struct cache *cache, const char *cmd);
/*
 * Before a change to AWS state (never under --dry-run, which changes
 * nothing).  --yes: 0.  On a terminal (stdin and stderr both ttys):
 * prints cli_confirm_question() and " [y/N] " on stderr and reads a line:
 * 0 for y/yes (cli_confirm_yes()), else prints "CMD: nothing was
 * changed" and returns EXIT_FAIL.  No terminal and no --yes: prints
 * "CMD: refused: ACTION N instance(s) needs --yes without a terminal" and
 * returns EXIT_USAGE, so a script that forgot --yes fails loudly rather
 * than hanging on a prompt nobody reads.  n = 0 asks nothing: 0.
 * ids are borrowed.  Returns 0 or the exit code to use.
 */
int cli_confirm(const struct cli *g, const char *cmd, const char *action,
    const char *const *ids, size_t n);
/* How many ids the question names before "... (+K more)". */
#define CLI_CONFIRM_IDS 5
/* The question, raw (outside text unescaped; cli_confirm() escapes it on
 * the way out): "CMD: ACTION N instance(s): i-1, i-2, ... (+K more)?".
 * Caller frees. */
char *cli_confirm_question(const char *cmd, const char *action,
    const char *const *ids, size_t n);
/* 1 if the line read is "y" or "yes" (any case, blanks and the line
 * break around it ignored); anything else, EOF (NULL) too, is no. */
int cli_confirm_yes(const char *line);

/* Says on stderr what the cache noticed since (rows it had to skip, a
 * corrupt file moved aside), if anything. */
void cli_cache_notice(struct cache *c);

int cli_doctor(struct cli *g, int argc, char **argv);
int cli_sync(struct cli *g, int argc, char **argv);
int cli_instances(struct cli *g, int argc, char **argv);
int cli_windows(struct cli *g, int argc, char **argv);
int cli_window(struct cli *g, int argc, char **argv);
int cli_plan(struct cli *g, int argc, char **argv);
int cli_owner(struct cli *g, int argc, char **argv);
int cli_setup(struct cli *g, int argc, char **argv);
int cli_precheck(struct cli *g, int argc, char **argv);
/* `prepare WINDOW [--date D] [--undo]`, in cli_prepare.c. */
int cli_prepare(struct cli *g, int argc, char **argv);
int cli_exceptions(struct cli *g, int argc, char **argv);
/* `exceptions sync`, in cli_exsync.c. */
int cli_exceptions_sync(struct cli *g, int argc, char **argv);

#endif
