/*
 * audit.h - the audit log (DESIGN.md section 8): one JSON object per line,
 * appended to $XDG_STATE_HOME/patchdeck/audit.log (~/.local/state/...
 * when XDG_STATE_HOME is unset, empty or relative), for every action that
 * changes AWS state.  An action writes an "intent" entry before it acts
 * and a "result" entry after, both carrying the same action id; each line
 * is written with one write(2) on an O_APPEND descriptor (so two patchdeck
 * processes never interleave within a line) and fsynced before the call
 * returns.  The folder is made 0700 (tightened when wider), the file 0600.
 *
 * There is no switch to move or turn off the log: tests point
 * XDG_STATE_HOME elsewhere.  The entries hold what the caller puts in them;
 * callers never put a secret there.
 */
#ifndef PATCHDECK_AUDIT_H
#define PATCHDECK_AUDIT_H

struct audit;
struct cJSON;

/*
 * The log's path, creating its folders as needed (patchdeck/ with mode
 * 0700).  Returns a string the caller frees, or NULL with *err.
 */
char *audit_default_path(char **err);

/*
 * Opens the default log for appending (created 0600; a wider mode is
 * tightened; anything but a regular file is refused).  Returns 0 with *out
 * (free with audit_close), or -1 with *err naming the path and the reason.
 */
int audit_open(struct audit **out, char **err);
/* As audit_open(), for a given path (tests). */
int audit_open_path(const char *path, struct audit **out, char **err);
void audit_close(struct audit *a);
/* The path being written; valid while a is open. */
const char *audit_path(const struct audit *a);

/*
 * Appends entry (not taken) as one line after setting its "time" member
 * to now in ISO 8601 UTC with milliseconds, then fsyncs.  Returns 0, or -1
 * with *err: the entry must then be treated as not written.
 */
int audit_write(struct audit *a, struct cJSON *entry, char **err);

/* Adds "local_user" (the login running patchdeck, "" if unknown) and
 * "host" to entry: who acted, beside the AWS caller. */
void audit_add_local_user(struct cJSON *entry);

/* A new action id: 32 random hex digits.  Caller frees. */
char *audit_new_id(void);

#endif
