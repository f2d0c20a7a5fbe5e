/*
 * ui.h - the console's shared state and the view interface.
 *
 * A view is a const table of functions (tmux's window modes, htop's
 * classes).  Views sit on a stack: the instances table at the bottom, a
 * drill-down or the help screen above it.  Keys go to the top view through
 * its key table; what no view takes goes to the global table.  Drawing
 * happens once per loop turn, only when something marked the screen dirty.
 */
#ifndef PATCHDECK_UI_H
#define PATCHDECK_UI_H

#include <stddef.h>

#include "draw.h"

struct ui;
struct net;

/* What a key handler did; flags, combined with |. */
#define UI_IGNORED 0
#define UI_HANDLED 0x01
#define UI_REDRAW 0x02
#define UI_QUIT 0x04
#define UI_REFRESH 0x08	/* start a background refresh */
#define UI_POP 0x10	/* close this view */

#define UI_ACTION_RAW (-1)
#define UI_ACTION_REFRESH (-2)
/* A typed character whose number is also a curses key code (U+0101 and
 * up: 'Ă' is KEY_DOWN's number): never bound, only text. */
#define UI_ACTION_TEXT (-3)

/* What a binding does beyond its view (struct ui_key's flags). */
/* The key changes AWS state (tags, records, commands): help marks it
 * with '!', and in read-only mode the dispatcher refuses it before the
 * view sees it, in the words of cli_refuse_read_only().  Put it on every
 * alias of the action too: the entry the key matched is the one read. */
#define UI_KEY_CHANGES_AWS 0x01u
/* With UI_KEY_CHANGES_AWS: under --dry-run the action only reads and
 * shows what it would do, so read-only mode lets it through. */
#define UI_KEY_DRY_RUN_READS 0x02u

/*
 * One binding: the same table drives dispatch and the help screen.
 * Write all six fields (-Wmissing-field-initializers):
 *   { 'w', A_ASSIGN, "w", "set the patch window", "window",
 *       UI_KEY_CHANGES_AWS },
 *   { KEY_DOWN, A_DOWN, NULL, NULL, NULL, 0 },
 */
struct ui_key {
	int key;		/* curses key code or character */
	int action;		/* the view's own action number */
	const char *keyname;	/* "j, Down"; NULL: shown with the previous */
	const char *help;
	/* A word or two for the hint bar (H); NULL: not on it. */
	const char *hint;
	unsigned flags;		/* UI_KEY_*; 0: only moves or reads */
};

struct view {
	const char *name;
	/* Draws into the rectangle y, x, h, w of stdscr. */
	void (*draw)(struct ui *ui, void *self, int y, int x, int h, int w);
	/* action is the bound action; UI_ACTION_RAW with the raw key in ch
	 * for a key no binding names; UI_ACTION_TEXT with a character that
	 * only text input wants; UI_ACTION_REFRESH (to the base view only)
	 * when a refresh was asked for from any screen. */
	int (*key)(struct ui *ui, void *self, int action, int ch);
	void (*resize)(struct ui *ui, void *self, int h, int w);
	void (*free)(void *self);
	/* Optional: the cursor's row (from 1) of how many, for the status
	 * line's "row n of m"; 0, or -1 when there is no list. */
	int (*position)(void *self, size_t *row, size_t *of);
	const struct ui_key *keys;
	size_t nkeys;
};

/* Pushes a view (self is owned by the stack from now on). */
void ui_push(struct ui *ui, const struct view *v, void *self);
/* Closes the top view (not the base one); for a form closed from its
 * confirmation. */
void ui_pop(struct ui *ui);
/* Ends the loop after this turn. */
void ui_quit(struct ui *ui);
/* Marks the screen for a redraw at the end of this loop turn. */
void ui_dirty(struct ui *ui);
/* A message on the status line until the next key (printf-like). */
void ui_message(struct ui *ui, int error, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/*
 * The prompt on the bottom line ("/" filter, ":" command).  on_change runs
 * after every edit (filter as you type); on_done with the final text, or
 * NULL when cancelled with ESC.
 */
typedef void (*ui_prompt_fn)(struct ui *ui, void *arg, const char *text);
void ui_prompt(struct ui *ui, const char *label, const char *initial,
    ui_prompt_fn on_change, ui_prompt_fn on_done, void *arg);

/*
 * A modal question: lines of text (outside text is escaped when drawn,
 * Down/Up and PgDn/PgUp scroll them) and y/n.  on_yes runs on 'y';
 * anything else cancels.  count is how many instances the change
 * touches (0: none or not instances): above the configured
 * confirm_count_above, the operator must type that number and Enter
 * instead of 'y'.  lines are copied.
 */
typedef void (*ui_confirm_fn)(struct ui *ui, void *arg);
void ui_confirm(struct ui *ui, const char *title, const char *const *lines,
    size_t nlines, size_t count, ui_confirm_fn on_yes, void *arg);

/* The confirmation box is at most 76 columns with a margin of 2. */
#define UI_WRAP 70
/* Appends text to *lines (grown), broken at spaces into lines of at most
 * UI_WRAP bytes; the lines are the caller's to free. */
void ui_wrap(char ***lines, size_t *n, const char *text);
/* ui_confirm() with each of texts[0..n) wrapped (NULL ones skipped). */
void ui_confirm_texts(struct ui *ui, const char *title,
    const char *const *texts, size_t n, size_t count, ui_confirm_fn on_yes,
    void *arg);

/*
 * A cursor over a list of n rows, of which rows are on the screen from
 * top: what the instances and exceptions views share.  ui_list_move()
 * moves and keeps both in range; ui_list_clamp() after n or rows changed
 * (top is left alone while rows is not known yet).
 */
struct ui_list {
	size_t cursor, top;
	int rows;		/* rows on the screen, set when drawn */
};

enum ui_list_move {
	UI_LIST_DOWN, UI_LIST_UP, UI_LIST_PGDN, UI_LIST_PGUP, UI_LIST_HOME,
	UI_LIST_END
};

void ui_list_move(struct ui_list *l, size_t n, enum ui_list_move m);
void ui_list_clamp(struct ui_list *l, size_t n);

/* The column after (step 1) or before (-1) cur among cols[0..n), the
 * columns shown, round; the first when cur is not shown; -1 when none
 * is.  For `>` and `<`. */
int ui_sort_step(const int *cols, int n, int cur, int step);

/* The loop, for views that start background work. */
struct net *ui_net(struct ui *ui);
/* Screen size. */
int ui_rows(const struct ui *ui);
int ui_cols(const struct ui *ui);

#endif
