/*
 * term.c - see term.h.
 *
 * A fatal signal (SIGSEGV, SIGABRT, ...) cannot call endwin(): curses is
 * not async-signal-safe.  The handler restores the saved termios with
 * tcsetattr() and writes the few escape sequences that leave the alternate
 * screen and show the cursor with write(), both async-signal-safe, then
 * re-raises the signal with the default action so the exit status and any
 * core dump stay true.
 */
#define NCURSES_WIDECHAR 1

#include "term.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "util/escape.h"
#include "util/util.h"

volatile sig_atomic_t term_resized;
volatile sig_atomic_t term_quit;

static volatile sig_atomic_t active;
static struct termios saved_tio;
static int have_tio;
static int saved_stderr = -1;
static char stderr_path[64];
static int wake[2] = { -1, -1 };

/* rmcup (leave the alternate screen), cnorm (show the cursor), sgr0. */
static const char reset_seq[] = "\033[?1049l\033[?25h\033[0m\r\n";

static void
poke(void)
{
	int saved = errno;
	ssize_t rc;

	if (wake[1] >= 0) {
		rc = write(wake[1], "", 1);	/* full pipe: already poked */
		(void)rc;
	}
	errno = saved;
}

static void
on_resize(int sig)
{
	(void)sig;
	term_resized = 1;
	poke();
}

static void
on_quit(int sig)
{
	(void)sig;
	term_quit = 1;
	poke();
}

int
term_wake_fd(void)
{
	return wake[0];
}

void
term_drain_wake(void)
{
	char b[64];

	while (wake[0] >= 0 && read(wake[0], b, sizeof b) > 0)
		;
}

static void
on_fatal(int sig)
{
	ssize_t rc;

	if (active) {
		if (have_tio)
			tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
		rc = write(STDOUT_FILENO, reset_seq, sizeof reset_seq - 1);
		(void)rc;
		if (saved_stderr >= 0)
			dup2(saved_stderr, STDERR_FILENO);
		active = 0;
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
handle(int sig, void (*fn)(int), int restart)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	/* SIGWINCH and the quit signals must interrupt the poll in the loop,
	 * so they do not restart it. */
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigaction(sig, &sa, NULL);
}

/* Replays what was written to stderr while curses had the screen. */
static void
replay_stderr(void)
{
	struct buf in, out;

	if (stderr_path[0] == '\0')
		return;
	buf_init(&in);
	buf_init(&out);
	if (util_read_file(stderr_path, 1 << 20, &in) == 0 && in.len > 0) {
		esc_append(&out, in.data, in.len, esc_locale_utf8(), 1);
		fwrite(out.data, 1, out.len, stderr);
	}
	unlink(stderr_path);
	stderr_path[0] = '\0';
	buf_free(&in);
	buf_free(&out);
}

void
term_restore(void)
{
	if (active) {
		active = 0;
		endwin();
		if (have_tio)
			tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
	}
	if (saved_stderr >= 0) {
		fflush(stderr);
		dup2(saved_stderr, STDERR_FILENO);
		close(saved_stderr);
		saved_stderr = -1;
	}
	replay_stderr();
}

int
term_active(void)
{
	return active;
}

/*
 * Home and End arrive in several spellings: the terminal's own (terminfo),
 * but also those of tmux, screen and the Linux console ("\e[1~", "\e[4~"),
 * rxvt ("\e[7~", "\e[8~") and xterm outside keypad mode ("\e[H", "\e[F"),
 * whenever TERM does not quite match the terminal, as over ssh and tmux.
 * Each becomes the key where the terminfo entry leaves it unbound, rather
 * than an ESC and three characters taken as keys of their own.
 */
static void
alt_keys(void)
{
	static const struct {
		const char *seq;
		int key;
	} alt[] = {
		{ "\033[1~", KEY_HOME }, { "\033[4~", KEY_END },
		{ "\033[7~", KEY_HOME }, { "\033[8~", KEY_END },
		{ "\033[H", KEY_HOME }, { "\033[F", KEY_END },
		{ "\033OH", KEY_HOME }, { "\033OF", KEY_END },
	};
	size_t i;

	for (i = 0; i < sizeof alt / sizeof alt[0]; i++)
		if (key_defined(alt[i].seq) == 0)
			define_key(alt[i].seq, alt[i].key);
}

/* "the terminal type TERM=... <why>; ...", TERM escaped: it is outside
 * text like any other. */
static char *
no_term(const char *why)
{
	const char *t = getenv("TERM");
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "the terminal type TERM=");
	if (t == NULL || *t == '\0')
		buf_puts(&b, "(unset)");
	else
		esc_append(&b, t, strnlen(t, 64), esc_locale_utf8(), 0);
	buf_printf(&b, " %s; set TERM to match the terminal (xterm-256color, "
	    "screen-256color, tmux-256color, ...), or use the subcommands "
	    "(patchdeck --help)", why);
	return buf_steal(&b);
}

int
term_start(char **err)
{
	static int registered;
	const char *tmp = getenv("TMPDIR");
	char *cup;
	int fd;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		*err = xstrdup("the console needs a terminal; for scripts use "
		    "the subcommands (patchdeck --help)");
		return -1;
	}
	if (tcgetattr(STDIN_FILENO, &saved_tio) == 0)
		have_tio = 1;
	if (wake[0] < 0 && pipe(wake) == 0) {
		fcntl(wake[0], F_SETFL, O_NONBLOCK);
		fcntl(wake[1], F_SETFL, O_NONBLOCK);
		fcntl(wake[0], F_SETFD, FD_CLOEXEC);
		fcntl(wake[1], F_SETFD, FD_CLOEXEC);
	}

	snprintf(stderr_path, sizeof stderr_path, "%s/patchdeck-err.XXXXXX",
	    tmp != NULL && strlen(tmp) < 32 ? tmp : "/tmp");
	fd = mkstemp(stderr_path);
	if (fd >= 0) {
		fflush(stderr);
		saved_stderr = dup(STDERR_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
	} else {
		stderr_path[0] = '\0';
	}

	/* ESC alone should not wait a second to be told from an escape
	 * sequence; 25 ms is plenty even over a slow link's bursts. */
	if (getenv("ESCDELAY") == NULL)
		set_escdelay(25);
	/* newterm(), not initscr(): initscr() exits on an unknown TERM,
	 * with its message gone to the redirected stderr. */
	if (newterm(NULL, stdout, stdin) == NULL) {
		term_restore();
		*err = no_term("is not known to this machine's terminfo");
		return -1;
	}
	active = 1;
	/* A full-screen console needs to move the cursor (not TERM=dumb). */
	cup = tigetstr("cup");
	if (cup == NULL || cup == (char *)-1) {
		term_restore();
		*err = no_term("cannot move the cursor");
		return -1;
	}
	/* ncurses flushes its output at every cursor movement until the
	 * screen has once come back from endwin() (its _endwin stays
	 * "initial"): some 270 write()s, and as many packets over ssh, per
	 * full frame.  One endwin() and refresh() here, before anything is
	 * drawn, make a frame one write. */
	endwin();
	refresh();
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	alt_keys();
	nodelay(stdscr, TRUE);
	curs_set(0);

	handle(SIGWINCH, on_resize, 0);
	handle(SIGINT, on_quit, 0);
	handle(SIGTERM, on_quit, 0);
	handle(SIGHUP, on_quit, 0);
	handle(SIGSEGV, on_fatal, 1);
	handle(SIGBUS, on_fatal, 1);
	handle(SIGFPE, on_fatal, 1);
	handle(SIGILL, on_fatal, 1);
	handle(SIGABRT, on_fatal, 1);
	signal(SIGPIPE, SIG_IGN);
	if (!registered) {
		atexit(term_restore);
		util_set_fatal_hook(term_restore);
		registered = 1;
	}
	return 0;
}
