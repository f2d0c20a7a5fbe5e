/*
 * console.h - the full-screen console: the loop that waits in one place
 * (net_poll_fds over the network, stdin and the signal pipe), dispatches
 * keys, and redraws once per turn when something changed.
 */
#ifndef PATCHDECK_CONSOLE_H
#define PATCHDECK_CONSOLE_H

#include "ui.h"
#include "util/util.h"

struct desk;

/* Fills the status line: left and right parts, plain text (escaped when
 * drawn).  Called on every redraw. */
typedef void (*console_status_fn)(struct ui *ui, void *arg, struct buf *left,
    struct buf *right);
/* Called about once a second (data age, automatic refresh). */
typedef void (*console_tick_fn)(struct ui *ui, void *arg);

struct console_opts {
	struct desk *desk;		/* the loop waited on (ops/desk.h) */
	const char *title;		/* left of the title bar */
	const struct view *base;	/* the bottom view, and its state */
	void *base_self;
	console_status_fn status;
	console_tick_fn tick;
	void *arg;
	int no_color;
	int utf8;
	int max_frames;		/* > 0: exit after drawing this many frames,
				 * once busy says the work is over */
	size_t confirm_count_above;	/* see ui_confirm(); 0: never */
	int hints;		/* the key hint bar shows at the start */
	/* Called after each frame is drawn: work that must not delay the
	 * first one starts here.  May be NULL. */
	console_tick_fn drawn;
	/* A descriptor the loop waits on as well, asked every turn (-1:
	 * none), and what runs when it is readable (it must be read or
	 * closed there).  wait_fd may be NULL. */
	int (*wait_fd)(void *arg);
	console_tick_fn woken;
	/* Non-zero while background work is under way.  May be NULL. */
	int (*busy)(void *arg);
	/* Read-only mode: config_read_only_why()'s answer (NULL: changes
	 * allowed).  Keys marked UI_KEY_CHANGES_AWS are refused while it is
	 * set, unless dry_run and the key is UI_KEY_DRY_RUN_READS. */
	const char *read_only_why;
	int dry_run;
};

/* Runs until the operator quits (q, :q, SIGINT/SIGTERM/SIGHUP).  Returns
 * 0, or -1 with *err when the terminal cannot be used.  The terminal is
 * given back on every path. */
int console_run(const struct console_opts *o, char **err);

/* Global keys, shown in the help screen after the view's own. */
extern const struct ui_key console_keys[];
extern const size_t console_nkeys;

#endif
