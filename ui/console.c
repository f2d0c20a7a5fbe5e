/*
 * console.c - see console.h.
 */
#include "console.h"

#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "aws/net.h"
#include "term.h"
#include "util/escape.h"

/* Below this, a message instead of a broken layout. */
#define MIN_COLS 40
#define MIN_ROWS 10
#define MAX_DEPTH 8
#define TICK_MS 1000

enum { G_HELP = 1000, G_QUIT, G_REFRESH, G_REDRAW };

const struct ui_key console_keys[] = {
	{ '?', G_HELP, "?, F1", "help for this screen" },
	{ KEY_F(1), G_HELP, NULL, NULL },
	{ 'r', G_REFRESH, "r", "refresh from AWS in the background" },
	{ 12, G_REDRAW, "Ctrl-L", "redraw the screen" },
	{ 'q', G_QUIT, "q", "close this screen; quit from the main one" },
};
const size_t console_nkeys = sizeof console_keys / sizeof console_keys[0];

struct frame {
	const struct view *v;
	void *self;
};

struct ui {
	const struct console_opts *o;
	struct frame stack[MAX_DEPTH];
	int depth;
	int dirty;
	int quit;
	int rows, cols;
	char msg[512];
	int msg_error;

	int prompting;
	char label[32];
	wchar_t input[256];
	size_t ninput;
	ui_prompt_fn on_change, on_done;
	void *prompt_arg;

	int confirming;
	char *ctitle;
	char **clines;
	size_t nclines;
	ui_confirm_fn on_yes;
	void *confirm_arg;
};

static void help_push(struct ui *ui);

void
ui_push(struct ui *ui, const struct view *v, void *self)
{
	if (ui->depth == MAX_DEPTH) {
		if (v->free != NULL)
			v->free(self);
		return;
	}
	ui->stack[ui->depth].v = v;
	ui->stack[ui->depth].self = self;
	ui->depth++;
	if (v->resize != NULL)
		v->resize(ui, self, ui->rows - 3, ui->cols);
	ui->dirty = 1;
}

static void
pop(struct ui *ui)
{
	struct frame *f;

	if (ui->depth <= 1)
		return;
	f = &ui->stack[--ui->depth];
	if (f->v->free != NULL)
		f->v->free(f->self);
	ui->dirty = 1;
}

void
ui_pop(struct ui *ui)
{
	pop(ui);
}

void
ui_quit(struct ui *ui)
{
	ui->quit = 1;
}

void
ui_dirty(struct ui *ui)
{
	ui->dirty = 1;
}

void
ui_message(struct ui *ui, int error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ui->msg, sizeof ui->msg, fmt, ap);
	va_end(ap);
	ui->msg_error = error;
	ui->dirty = 1;
}

struct net *
ui_net(struct ui *ui)
{
	return ui->o->net;
}

int
ui_rows(const struct ui *ui)
{
	return ui->rows;
}

int
ui_cols(const struct ui *ui)
{
	return ui->cols;
}

/* The prompt's text as UTF-8 (or bytes), into a static buffer. */
static const char *
prompt_text(struct ui *ui)
{
	static char out[1024];
	mbstate_t st;
	size_t i, used = 0, k;
	char mb[MB_LEN_MAX];

	memset(&st, 0, sizeof st);
	for (i = 0; i < ui->ninput; i++) {
		k = wcrtomb(mb, ui->input[i], &st);
		if (k == (size_t)-1 || used + k >= sizeof out)
			break;
		memcpy(out + used, mb, k);
		used += k;
	}
	out[used] = '\0';
	return out;
}

void
ui_prompt(struct ui *ui, const char *label, const char *initial,
    ui_prompt_fn on_change, ui_prompt_fn on_done, void *arg)
{
	mbstate_t st;
	const char *p = initial != NULL ? initial : "";
	size_t k;
	wchar_t wc;

	ui->prompting = 1;
	snprintf(ui->label, sizeof ui->label, "%s", label);
	ui->ninput = 0;
	memset(&st, 0, sizeof st);
	while (*p != '\0' && ui->ninput < 255) {
		k = mbrtowc(&wc, p, strlen(p), &st);
		if (k == 0 || k == (size_t)-1 || k == (size_t)-2)
			break;
		ui->input[ui->ninput++] = wc;
		p += k;
	}
	ui->on_change = on_change;
	ui->on_done = on_done;
	ui->prompt_arg = arg;
	ui->dirty = 1;
}

static void
confirm_clear(struct ui *ui)
{
	size_t i;

	for (i = 0; i < ui->nclines; i++)
		free(ui->clines[i]);
	free(ui->clines);
	free(ui->ctitle);
	ui->clines = NULL;
	ui->ctitle = NULL;
	ui->nclines = 0;
	ui->confirming = 0;
}

void
ui_confirm(struct ui *ui, const char *title, const char *const *lines,
    size_t nlines, ui_confirm_fn on_yes, void *arg)
{
	size_t i;

	confirm_clear(ui);
	ui->confirming = 1;
	ui->ctitle = xstrdup(title);
	ui->clines = xcalloc(nlines ? nlines : 1, sizeof *ui->clines);
	for (i = 0; i < nlines; i++)
		ui->clines[i] = xstrdup(lines[i]);
	ui->nclines = nlines;
	ui->on_yes = on_yes;
	ui->confirm_arg = arg;
	ui->dirty = 1;
}

/* How many bytes of p make its next line of at most width bytes: up to
 * the last space that fits, or width when a word is longer. */
static size_t
wrap_cut(const char *p, size_t width)
{
	size_t len = strlen(p), cut;

	if (len <= width)
		return len;
	for (cut = width; cut > 0 && p[cut] != ' '; cut--)
		;
	return cut > 0 ? cut : width;
}

/* The first byte of the line after a cut: past the spaces. */
static const char *
wrap_next(const char *p, size_t cut)
{
	p += cut;
	while (*p == ' ')
		p++;
	return p;
}

void
ui_wrap(char ***lines, size_t *n, const char *text)
{
	const char *p = text;

	do {
		size_t cut = wrap_cut(p, UI_WRAP);

		*lines = xreallocarray(*lines, *n + 1, sizeof **lines);
		(*lines)[(*n)++] = xstrndup(p, cut);
		p = wrap_next(p, cut);
	} while (*p != '\0');
}

void
ui_list_clamp(struct ui_list *l, size_t n)
{
	size_t rows;

	if (n == 0) {
		l->cursor = l->top = 0;
		return;
	}
	if (l->cursor >= n)
		l->cursor = n - 1;
	if (l->rows <= 0)
		return;
	rows = (size_t)l->rows;
	if (l->cursor < l->top)
		l->top = l->cursor;
	if (l->cursor >= l->top + rows)
		l->top = l->cursor - rows + 1;
	if (l->top + rows > n)
		l->top = n > rows ? n - rows : 0;
}

void
ui_list_move(struct ui_list *l, size_t n, enum ui_list_move m)
{
	/* A page keeps one row of the last in sight. */
	size_t page = l->rows > 1 ? (size_t)l->rows - 1 : 1;

	switch (m) {
	case UI_LIST_DOWN:
		if (l->cursor + 1 < n)
			l->cursor++;
		break;
	case UI_LIST_UP:
		if (l->cursor > 0)
			l->cursor--;
		break;
	case UI_LIST_PGDN:
		l->cursor += page;
		l->top += page;
		break;
	case UI_LIST_PGUP:
		l->cursor = l->cursor > page ? l->cursor - page : 0;
		l->top = l->top > page ? l->top - page : 0;
		break;
	case UI_LIST_HOME:
		l->cursor = 0;
		break;
	case UI_LIST_END:
		l->cursor = n > 0 ? n - 1 : 0;
		break;
	}
	ui_list_clamp(l, n);
}

void
ui_confirm_texts(struct ui *ui, const char *title, const char *const *texts,
    size_t n, ui_confirm_fn on_yes, void *arg)
{
	char **lines = NULL;
	size_t nlines = 0, i;

	for (i = 0; i < n; i++)
		if (texts[i] != NULL)
			ui_wrap(&lines, &nlines, texts[i]);
	ui_confirm(ui, title, (const char *const *)lines, nlines, on_yes,
	    arg);
	for (i = 0; i < nlines; i++)
		free(lines[i]);
	free(lines);
}

static void
draw_confirm(struct ui *ui)
{
	int w = ui->cols - 8, h = (int)ui->nclines + 4, y, x, i;
	attr_t a = ui_attr(C_DIALOG);

	if (w > 76)
		w = 76;
	if (h > ui->rows - 2)
		h = ui->rows - 2;
	y = (ui->rows - h) / 2;
	x = (ui->cols - w) / 2;
	for (i = 0; i < h; i++)
		ui_text(stdscr, y + i, x, w, "", 0, a, 1);
	ui_text(stdscr, y, x + 2, w - 4, ui->ctitle, (size_t)-1,
	    a | A_BOLD, 0);
	for (i = 0; i < (int)ui->nclines && i < h - 4; i++)
		ui_text(stdscr, y + 2 + i, x + 2, w - 4, ui->clines[i],
		    (size_t)-1, a, 0);
	ui_text(stdscr, y + h - 1, x + 2, w - 4,
	    "y: yes, do it    any other key: no", (size_t)-1, a | A_BOLD, 0);
}

static void
draw_title(struct ui *ui)
{
	char right[64];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(right, sizeof right, "%Y-%m-%d %H:%M:%S UTC", &tm);
	ui_text(stdscr, 0, 0, ui->cols, "", 0, ui_attr(C_TITLE), 1);
	ui_text(stdscr, 0, 1, ui->cols - (int)strlen(right) - 3,
	    ui->o->title, (size_t)-1, ui_attr(C_TITLE), 0);
	if ((int)strlen(right) + 2 < ui->cols)
		ui_text(stdscr, 0, ui->cols - (int)strlen(right) - 1,
		    (int)strlen(right), right, (size_t)-1, ui_attr(C_TITLE), 0);
}

static void
draw_bottom(struct ui *ui)
{
	struct buf left, right;
	int rw, y = ui->rows - 1;

	buf_init(&left);
	buf_init(&right);
	if (ui->o->status != NULL)
		ui->o->status(ui, ui->o->arg, &left, &right);
	if (ui->prompting) {
		const char *t = prompt_text(ui);
		int lw = ui_text_width(ui->label, strlen(ui->label));

		/* The label, room to type (at least 12 columns), and the
		 * counts in sight while the filter is typed if there is room
		 * for them too. */
		if (lw > ui->cols - 12)
			lw = ui->cols > 24 ? ui->cols - 12 : ui->cols / 2;
		rw = ui_text_width(left.data, left.len);
		if (rw > ui->cols / 2)
			rw = ui->cols / 2;
		if (rw > ui->cols - lw - 14)
			rw = ui->cols - lw - 14;
		if (rw < 8)
			rw = 0;
		ui_text(stdscr, y, 0, ui->cols, "", 0, ui_attr(C_NORMAL), 1);
		ui_text(stdscr, y, 0, lw, ui->label, (size_t)-1,
		    ui_attr(C_PROMPT), 0);
		ui_text_tail(stdscr, y, lw, ui->cols - lw - (rw > 0 ? rw + 2 :
		    1), t, (size_t)-1, ui_attr(C_NORMAL), 0);
		if (rw > 0)
			ui_text(stdscr, y, ui->cols - rw - 1, rw, left.data,
			    left.len, ui_attr(C_DIM), 0);
		buf_free(&left);
		buf_free(&right);
		return;
	}
	ui_text(stdscr, y, 0, ui->cols, "", 0, ui_attr(C_STATUS), 1);
	if (ui->msg[0] != '\0') {
		/* The message first; the data's age beside it when there is
		 * room for a useful part of it. */
		int mw = ui_text_width(ui->msg, strlen(ui->msg));

		rw = ui_text_width(right.data, right.len);
		if (rw > ui->cols - mw - 4)
			rw = ui->cols - mw - 4;
		if (rw < 16)
			rw = 0;
		ui_text(stdscr, y, 1, ui->cols - 2 - (rw > 0 ? rw + 2 : 0),
		    ui->msg, (size_t)-1,
		    ui_attr(ui->msg_error ? C_FAILED : C_STATUS) |
		    (ui->msg_error ? A_REVERSE : 0), 0);
		if (rw > 0)
			ui_text(stdscr, y, ui->cols - rw - 1, rw, right.data,
			    right.len, ui_attr(C_STATUS), 0);
	} else {
		rw = ui_text_width(right.data, right.len);
		if (rw > ui->cols / 2)
			rw = ui->cols / 2;
		ui_text(stdscr, y, 1, ui->cols - rw - 3, left.data, left.len,
		    ui_attr(C_STATUS), 0);
		ui_text(stdscr, y, ui->cols - rw - 1, rw, right.data,
		    right.len, ui_attr(C_STATUS), 0);
	}
	buf_free(&left);
	buf_free(&right);
}

static void
draw(struct ui *ui)
{
	struct frame *top = &ui->stack[ui->depth - 1];
	char msg[96];

	erase();
	if (ui->cols < MIN_COLS || ui->rows < MIN_ROWS) {
		/* Two short lines: one long line was cut to "...too small:
		 * 40" at 30 columns. */
		snprintf(msg, sizeof msg, "terminal %dx%d", ui->cols,
		    ui->rows);
		ui_text(stdscr, ui->rows / 2 - 1, 0, ui->cols, msg,
		    (size_t)-1, ui_attr(C_NORMAL) | A_BOLD, 0);
		snprintf(msg, sizeof msg, "too small: %dx%d at least",
		    MIN_COLS, MIN_ROWS);
		ui_text(stdscr, ui->rows / 2, 0, ui->cols, msg, (size_t)-1,
		    ui_attr(C_NORMAL) | A_BOLD, 0);
		refresh();
		return;
	}
	draw_title(ui);
	top->v->draw(ui, top->self, 1, 0, ui->rows - 2, ui->cols);
	draw_bottom(ui);
	if (ui->confirming)
		draw_confirm(ui);
	refresh();
}

static void
resize(struct ui *ui)
{
	struct winsize ws;
	int i;

	/* resize_term(), not resizeterm(): the latter also pushes a
	 * KEY_RESIZE into curses' input queue, where it sits unseen (the
	 * loop polls the descriptor, not the queue) until the next key, and
	 * reading it back then made get_wch() return KEY_RESIZE forever. */
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0 && is_term_resized(ws.ws_row, ws.ws_col))
		resize_term(ws.ws_row, ws.ws_col);
	getmaxyx(stdscr, ui->rows, ui->cols);
	for (i = 0; i < ui->depth; i++) {
		if (ui->stack[i].v->resize != NULL)
			ui->stack[i].v->resize(ui, ui->stack[i].self,
			    ui->rows - 2, ui->cols);
	}
	clearok(curscr, TRUE);
	ui->dirty = 1;
}

static void
prompt_key(struct ui *ui, wint_t ch, int is_key)
{
	char *text;

	if ((!is_key && (ch == L'\r' || ch == L'\n')) ||
	    (is_key && ch == KEY_ENTER)) {
		ui->prompting = 0;
		text = xstrdup(prompt_text(ui));
		if (ui->on_done != NULL)
			ui->on_done(ui, ui->prompt_arg, text);
		free(text);
	} else if (!is_key && ch == 27) {
		ui->prompting = 0;
		if (ui->on_done != NULL)
			ui->on_done(ui, ui->prompt_arg, NULL);
	} else if ((is_key && ch == KEY_BACKSPACE) ||
	    (!is_key && (ch == 127 || ch == 8))) {
		if (ui->ninput > 0)
			ui->ninput--;
		else {
			ui->prompting = 0;
			if (ui->on_done != NULL)
				ui->on_done(ui, ui->prompt_arg, NULL);
			ui->dirty = 1;
			return;
		}
		if (ui->on_change != NULL)
			ui->on_change(ui, ui->prompt_arg, prompt_text(ui));
	} else if (!is_key && ch == 21) {	/* Ctrl-U */
		ui->ninput = 0;
		if (ui->on_change != NULL)
			ui->on_change(ui, ui->prompt_arg, prompt_text(ui));
	} else if (!is_key && ch >= 0x20 && ch != 0x7f &&
	    !esc_codepoint_unsafe((unsigned long)ch) && ui->ninput < 255) {
		ui->input[ui->ninput++] = (wchar_t)ch;
		if (ui->on_change != NULL)
			ui->on_change(ui, ui->prompt_arg, prompt_text(ui));
	}
	ui->dirty = 1;
}

static int
dispatch(struct ui *ui, int ch)
{
	struct frame *top = &ui->stack[ui->depth - 1];
	size_t i;
	int r = UI_IGNORED;

	for (i = 0; i < top->v->nkeys; i++) {
		if (top->v->keys[i].key == ch) {
			r = top->v->key(ui, top->self, top->v->keys[i].action,
			    ch);
			break;
		}
	}
	if (r == UI_IGNORED && i == top->v->nkeys)
		r = top->v->key(ui, top->self, UI_ACTION_RAW, ch);
	if (r != UI_IGNORED)
		return r;
	for (i = 0; i < console_nkeys; i++) {
		if (console_keys[i].key != ch)
			continue;
		switch (console_keys[i].action) {
		case G_HELP:
			help_push(ui);
			return UI_REDRAW;
		case G_QUIT:
			if (ui->depth > 1)
				return UI_POP;
			return UI_QUIT;
		case G_REFRESH:
			return UI_REFRESH;
		case G_REDRAW:
			clearok(curscr, TRUE);
			return UI_REDRAW;
		}
	}
	return UI_IGNORED;
}

static void
handle_key(struct ui *ui, wint_t ch, int is_key)
{
	int r;

	if (is_key && ch == KEY_RESIZE) {
		resize(ui);
		return;
	}
	/* Home and End as "\e[1~" and "\e[4~" (tmux, screen, the Linux
	 * console) are Find and Select in xterm's terminfo: a TERM that
	 * does not match the terminal, as over many ssh hops. */
	if (is_key && ch == KEY_FIND)
		ch = KEY_HOME;
	else if (is_key && ch == KEY_SELECT)
		ch = KEY_END;
	ui->msg[0] = '\0';
	if (ui->confirming) {
		ui_confirm_fn fn = ui->on_yes;
		void *arg = ui->confirm_arg;
		int yes = !is_key && (ch == L'y' || ch == L'Y');

		confirm_clear(ui);
		ui->dirty = 1;
		if (yes && fn != NULL)
			fn(ui, arg);
		else
			ui_message(ui, 0, "cancelled; nothing was changed");
		return;
	}
	if (ui->prompting) {
		prompt_key(ui, ch, is_key);
		return;
	}
	if (!is_key && ch >= KEY_MIN) {
		/* A character, not the key of the same number. */
		struct frame *top = &ui->stack[ui->depth - 1];

		r = top->v->key(ui, top->self, UI_ACTION_TEXT, (int)ch);
	} else {
		r = dispatch(ui, (int)ch);
	}
	if (r & UI_QUIT)
		ui->quit = 1;
	if (r & UI_POP)
		pop(ui);
	if (r & UI_REFRESH) {
		struct frame *base = &ui->stack[0];

		base->v->key(ui, base->self, UI_ACTION_REFRESH, 'r');
	}
	if (r != UI_IGNORED)
		ui->dirty = 1;
}

/* The help screen, made from the key tables of the view under it. */
struct help {
	const struct view *of;
	int top;
	int lines;
};

enum { H_DOWN, H_UP, H_PGDN, H_PGUP, H_CLOSE };

static const struct ui_key help_keys[] = {
	{ 'j', H_DOWN, "j, Down", "scroll" },
	{ KEY_DOWN, H_DOWN, NULL, NULL },
	{ 'k', H_UP, NULL, NULL },
	{ KEY_UP, H_UP, NULL, NULL },
	{ KEY_NPAGE, H_PGDN, NULL, NULL },
	{ ' ', H_PGDN, NULL, NULL },
	{ KEY_PPAGE, H_PGUP, NULL, NULL },
	{ 27, H_CLOSE, "Esc, q", "close the help" },
	{ '?', H_CLOSE, NULL, NULL },
};

/* One key of the help, its text wrapped to the width there is; returns
 * the row after it. */
static int
help_line(int y, int x, int w, const struct ui_key *k, int row, int top,
    int h)
{
	const char *p = k->help;
	size_t tw = w > 34 ? (size_t)(w - 24) : 10;

	if (k->keyname == NULL)
		return row;
	if (row >= top && row - top < h)
		ui_text(stdscr, y + row - top, x + 2, 18, k->keyname,
		    (size_t)-1, ui_attr(C_HEADER), 0);
	do {
		size_t cut = wrap_cut(p, tw);

		if (row >= top && row - top < h)
			ui_text(stdscr, y + row - top, x + 22, (int)tw, p, cut,
			    ui_attr(C_NORMAL), 0);
		row++;
		p = wrap_next(p, cut);
	} while (*p != '\0');
	return row;
}

static void
help_draw(struct ui *ui, void *self, int y, int x, int h, int w)
{
	struct help *hp = self;
	size_t i;
	int row = 0;

	(void)ui;
	ui_text(stdscr, y, x + 1, w - 2, hp->of->name, (size_t)-1,
	    ui_attr(C_HEADER) | A_BOLD, 0);
	y += 2;
	h -= 2;
	for (i = 0; i < hp->of->nkeys; i++)
		row = help_line(y, x, w, &hp->of->keys[i], row, hp->top, h);
	row++;
	if (row - 1 >= hp->top && row - 1 - hp->top < h)
		ui_text(stdscr, y + row - 1 - hp->top, x + 1, w - 2,
		    "everywhere", (size_t)-1, ui_attr(C_HEADER) | A_BOLD, 0);
	row++;
	for (i = 0; i < console_nkeys; i++)
		row = help_line(y, x, w, &console_keys[i], row, hp->top, h);
	hp->lines = row;
	/* Say that there is more, on the last row, over what it hides. */
	if (row - hp->top > h)
		ui_text(stdscr, y + h - 1, x + 1, w - 2,
		    "-- more: j, Space, PgDn --", (size_t)-1,
		    ui_attr(C_DIM) | A_BOLD, 1);
}

static int
help_key(struct ui *ui, void *self, int action, int ch)
{
	struct help *hp = self;
	int page = ui->rows - 6;

	(void)ch;
	switch (action) {
	case H_DOWN:
		if (hp->top + 1 < hp->lines)
			hp->top++;
		return UI_REDRAW;
	case H_UP:
		if (hp->top > 0)
			hp->top--;
		return UI_REDRAW;
	case H_PGDN:
		hp->top += page;
		if (hp->top >= hp->lines)
			hp->top = hp->lines > 0 ? hp->lines - 1 : 0;
		return UI_REDRAW;
	case H_PGUP:
		hp->top = hp->top > page ? hp->top - page : 0;
		return UI_REDRAW;
	case H_CLOSE:
		return UI_POP;
	}
	return UI_IGNORED;
}

static const struct view view_help = {
	.name = "help",
	.draw = help_draw,
	.key = help_key,
	.free = free,
	.keys = help_keys,
	.nkeys = sizeof help_keys / sizeof help_keys[0],
};

static void
help_push(struct ui *ui)
{
	struct help *hp = xcalloc(1, sizeof *hp);

	if (ui->stack[ui->depth - 1].v == &view_help) {
		free(hp);
		return;
	}
	hp->of = ui->stack[ui->depth - 1].v;
	ui_push(ui, &view_help, hp);
}

int
console_run(const struct console_opts *o, char **err)
{
	struct ui ui;
	int fds[3], frames = 0, rc, extra;
	long long last_tick = 0, now;
	unsigned ready;
	size_t nfds;
	wint_t ch;

	memset(&ui, 0, sizeof ui);
	ui.o = o;
	if (term_start(err) != 0)
		return -1;
	ui_set_utf8(o->utf8);
	ui_colors_init(o->no_color);
	getmaxyx(stdscr, ui.rows, ui.cols);
	ui_push(&ui, o->base, o->base_self);
	fds[0] = STDIN_FILENO;
	fds[1] = term_wake_fd();
	ui.dirty = 1;

	while (!ui.quit && !term_quit) {
		if (term_resized) {
			term_resized = 0;
			resize(&ui);
		}
		now = util_now_ms();
		if (now - last_tick >= TICK_MS) {
			last_tick = now;
			if (o->tick != NULL)
				o->tick(&ui, o->arg);
			ui.dirty = 1;	/* the clock and the data age move */
		}
		if (ui.dirty) {
			ui.dirty = 0;
			draw(&ui);
			if (o->drawn != NULL)
				o->drawn(&ui, o->arg);
			/* A frame-limited run still waits for the work under
			 * way (the fleet loading), so it ends on whole data. */
			if (o->max_frames > 0 && ++frames >= o->max_frames &&
			    (o->busy == NULL || !o->busy(o->arg)))
				break;
		}
		fds[1] = term_wake_fd();
		nfds = fds[1] >= 0 ? 2 : 1;
		extra = o->wait_fd != NULL ? o->wait_fd(o->arg) : -1;
		if (extra >= 0)
			fds[nfds++] = extra;
		ready = net_poll_fds(o->net, fds, nfds,
		    TICK_MS - (util_now_ms() - last_tick));
		if (nfds - (extra >= 0) == 2 && (ready & 2))
			term_drain_wake();
		if (ready & 1) {
			while ((rc = get_wch(&ch)) != ERR)
				handle_key(&ui, ch, rc == KEY_CODE_YES);
		}
		if (extra >= 0 && (ready & (1u << (nfds - 1))))
			o->woken(&ui, o->arg);
	}
	while (ui.depth > 1)
		pop(&ui);
	confirm_clear(&ui);
	term_restore();
	/* The base view belongs to the caller. */
	return 0;
}
