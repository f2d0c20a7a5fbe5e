/*
 * result.h - what the SSM documents print (DESIGN.md section 6), read
 * back from a command's output: the PATCHDECK_RESULT line of the Linux
 * patch document (one pass, or two around a reboot), the PATCHDECK_PRECHECK
 * line of the pre-check document, the PATCHDECK_FIX line of the fix
 * document (fix.h), and the count of updates that
 * AWS-InstallWindowsUpdates says it installed.
 *
 * Output is untrusted: anything missing, malformed, of the wrong type or
 * out of range is a parse error with a message naming what was wrong
 * (quoting at most 40 bytes of the output, raw: escape it to show it),
 * never a guess.  Pure functions over the text; no I/O.
 */
#ifndef PATCHDECK_FLEET_RESULT_H
#define PATCHDECK_FLEET_RESULT_H

#include <stddef.h>

#include "fleet/fix.h"

/* A line is tagged when it starts with the tag followed by a space or its
 * end: "PATCHDECK_RESULTS {...}" is not a result line. */
#define FLEET_RESULT_TAG "PATCHDECK_RESULT"
#define FLEET_PRECHECK_TAG "PATCHDECK_PRECHECK"
#define FLEET_FIX_TAG "PATCHDECK_FIX"

enum fleet_reboot {
	FLEET_REBOOT_NONE,	/* "none" */
	FLEET_REBOOT_REQUIRED,	/* "required": not rebooted (not allowed) */
	FLEET_REBOOT_DONE	/* "done": rebooted, second pass */
};

struct fleet_result {
	char *os;
	char *kernel_before;
	char *kernel_after;	/* after a reboot: the kernel then running */
	long long pkgs_before;
	long long pkgs_updated;
	long long pkgs_available_after;
	enum fleet_reboot reboot;
	int ok;			/* "status":"ok"; 0 for "failed" */
	char *error;		/* "" when there is none */
	int passes;		/* result lines read: 1, or 2 around a reboot */
};

/*
 * Reads the result from a patch command's output (len bytes, NUL bytes
 * allowed).  A result line is one tagged FLEET_RESULT_TAG.  One
 * line; or two, the first "reboot":"required" and the second "done", in
 * which case the second is the result.  Returns 0, or -1 with *err (caller
 * frees) and r zeroed.  Output cut short after the first of two passes
 * reads as one pass that asked for a reboot: give it the whole output (S3)
 * when GetCommandInvocation's 24,000 characters were not all of it.
 */
int fleet_result_parse(const char *out, size_t len, struct fleet_result *r,
    char **err);
void fleet_result_done(struct fleet_result *r);
/* "none", "required", "done". */
const char *fleet_reboot_name(enum fleet_reboot b);

struct fleet_disk {
	char *mount;
	long long free_mb;
	int free_pct;		/* 0..100 */
};

struct fleet_precheck {
	struct fleet_disk *disk;	/* "/" always first */
	size_t ndisk;
	char *repo;		/* "ok", or the package manager's error */
	char **repo_urls;
	size_t nrepo_urls;
	int pkg_lock;
	long long uptime_s;
	double load1;
	int reboot_pending;
};

/*
 * Reads the one PATCHDECK_PRECHECK line of a pre-check command's output.
 * Returns 0, or -1 with *err (caller frees) and p zeroed.
 */
int fleet_precheck_parse(const char *out, size_t len,
    struct fleet_precheck *p, char **err);
void fleet_precheck_done(struct fleet_precheck *p);

enum fleet_fix_status {
	FLEET_FIX_OK,		/* "ok": done (maybe nothing was left to do) */
	FLEET_FIX_FAILED,	/* "failed": error says why */
	FLEET_FIX_SKIPPED	/* "skipped": not attempted, error says why
				 * (a running package manager without
				 * Force, no repository map) */
};

struct fleet_fix_result {
	enum fleet_fix_kind kind;
	enum fleet_fix_status status;
	long long freed_mb;	/* disk: space gained on / and /var */
	char **changed;		/* what was done, in order */
	size_t nchanged;
	char *error;		/* "" when there is none */
};

/*
 * Reads the one PATCHDECK_FIX line of a fix command's output:
 *   PATCHDECK_FIX {"v":1,"kind":"disk|repo|pkg_lock",
 *     "status":"ok|failed|skipped","freed_mb":N,"changed":["..."],
 *     "error":"..."}
 * Returns 0, or -1 with *err (caller frees) and f zeroed.
 */
int fleet_fix_parse(const char *out, size_t len, struct fleet_fix_result *f,
    char **err);
void fleet_fix_result_done(struct fleet_fix_result *f);
/* "ok", "failed", "skipped". */
const char *fleet_fix_status_name(enum fleet_fix_status s);

/*
 * The updates AWS-InstallWindowsUpdates installed, from its last line of
 * "Installed N updates." or "No updates to install." (then 0).  Returns 0
 * with *n, or -1 with *err (caller frees) when neither line is there.
 */
int fleet_windows_updates(const char *out, size_t len, long long *n,
    char **err);

#endif
