/*
 * term.h - owning the terminal: curses set-up, the one function that gives
 * the terminal back on every exit path, signals as flags, and stderr kept
 * off the screen while curses owns it (replayed, escaped, afterwards).
 */
#ifndef PATCHDECK_TERM_H
#define PATCHDECK_TERM_H

#include <signal.h>

/* Set by the signal handlers; the loop acts on them. */
extern volatile sig_atomic_t term_resized;
extern volatile sig_atomic_t term_quit;

/*
 * Takes the terminal: redirects stderr to a temporary file, starts curses
 * (cbreak, noecho, keypad, no delay on ESC beyond 25 ms, hidden cursor),
 * installs the handlers for SIGWINCH, SIGINT, SIGTERM, SIGHUP and the fatal
 * signals, and registers term_restore() with atexit() and util_fatal().
 * Returns 0, or -1 with *err when stdin/stdout is not a terminal or curses
 * cannot start.
 */
int term_start(char **err);

/*
 * Gives the terminal back: endwin(), the saved termios, the cursor, and
 * stderr with whatever was written to it replayed (escaped).  Idempotent;
 * safe to call on any exit path.
 */
void term_restore(void);

/* The read end of the self-pipe the signal handlers write a byte to, so
 * a signal wakes the loop's poll whatever the poll does with EINTR.  The
 * loop waits on it beside stdin and calls term_drain_wake() when it fires. */
int term_wake_fd(void);
void term_drain_wake(void);

/* Non-zero once term_start() succeeded and term_restore() has not run. */
int term_active(void);

#endif
