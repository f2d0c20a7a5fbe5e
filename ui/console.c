/*
 * console.c - see console.h.
 */
#include "console.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "field.h"
#include "ops/desk.h"
#include "term.h"

/* Below this, a message instead of a broken layout. */
#define MIN_COLS 40
#define MIN_ROWS 10
#define MAX_DEPTH 8
#define TICK_MS 1000

enum { G_HELP = 1000, G_QUIT, G_REFRESH, G_REDRAW, G_HINTS };

const struct ui_key console_keys[] = {
	{ '?', G_HELP, "?, F1", "help for this screen", "help", 0 },
	{ KEY_F(1), G_HELP, NULL, NULL, NULL, 0 },
	{ 'r', G_REFRESH, "r", "refresh from AWS in the background",
	    "refresh", 0 },
	{ 'H', G_HINTS, "H", "show or hide the key hint bar", NULL, 0 },
	{ 12, G_REDRAW, "Ctrl-L", "redraw the screen", NULL, 0 },
	{ 'q', G_QUIT, "q", "close this screen; quit from the main one",
	    "back/quit", 0 },
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

	int hints;		/* the key hint bar is shown */
	int ignored;		/* keys dropped while the screen was small */

	int prompting;
	char label[80];		/* the prompt's, cut to fit */
	struct ui_field input;
	ui_prompt_fn on_change, on_done;
	void *prompt_arg;

	int confirming;
	char *ctitle;
	char **clines;
	size_t nclines;
	size_t ctop;		/* the first line shown: it scrolls */
	int crows;		/* lines shown, set when drawn */
	size_t ccount;		/* > 0: the count to type instead of y */
	struct ui_field ctyped;
	ui_confirm_fn on_yes;
	void *confirm_arg;
};

/* Whether the screen is too small to show what a key would do: then no
 * key is acted on (a confirmation answered blind applied a change). */
static int
too_small(const struct ui *ui)
{
	return ui->cols < MIN_COLS || ui->rows < MIN_ROWS;
}

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
		v->resize(ui, self, ui->rows - 2 - (ui->hints ? 1 : 0),
		    ui->cols);
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
	return ui->o->desk->net;
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

void
ui_prompt(struct ui *ui, const char *label, const char *initial,
    ui_prompt_fn on_change, ui_prompt_fn on_done, void *arg)
{
	ui->prompting = 1;
	snprintf(ui->label, sizeof ui->label, "%s", label);
	ui->input.max = 1000;
	ui_field_set(&ui->input, initial);
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
	ui->ctop = 0;
	ui->ccount = 0;
	ui_field_free(&ui->ctyped);
	ui->confirming = 0;
}

void
ui_confirm(struct ui *ui, const char *title, const char *const *lines,
    size_t nlines, size_t count, ui_confirm_fn on_yes, void *arg)
{
	size_t i;

	confirm_clear(ui);
	ui->confirming = 1;
	ui->ctitle = xstrdup(title);
	ui->clines = xcalloc(nlines ? nlines : 1, sizeof *ui->clines);
	for (i = 0; i < nlines; i++)
		ui->clines[i] = xstrdup(lines[i]);
	ui->nclines = nlines;
	/* Above the threshold, y is too easy to give by reflex (or by a
	 * key meant for the screen below): the number must be typed. */
	if (ui->o->confirm_count_above > 0 &&
	    count > ui->o->confirm_count_above)
		ui->ccount = count;
	ui->ctyped.max = 20;
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

int
ui_sort_step(const int *cols, int n, int cur, int step)
{
	int i;

	if (n <= 0)
		return -1;
	for (i = 0; i < n; i++)
		if (cols[i] == cur)
			return cols[(i + n + step) % n];
	return cols[0];
}

void
ui_confirm_texts(struct ui *ui, const char *title, const char *const *texts,
    size_t n, size_t count, ui_confirm_fn on_yes, void *arg)
{
	char **lines = NULL;
	size_t nlines = 0, i;

	for (i = 0; i < n; i++)
		if (texts[i] != NULL)
			ui_wrap(&lines, &nlines, texts[i]);
	ui_confirm(ui, title, (const char *const *)lines, nlines, count,
	    on_yes, arg);
	for (i = 0; i < nlines; i++)
		free(lines[i]);
	free(lines);
}

static void
draw_confirm(struct ui *ui)
{
	int w = ui->cols - 8, h = (int)ui->nclines + 4, y, x, i, body;
	attr_t a = ui_attr(C_DIALOG);
	char foot[128];

	if (ui->ccount > 0)
		h += 2;
	if (w > 76)
		w = 76;
	if (h > ui->rows - 2)
		h = ui->rows - 2;
	body = h - 4 - (ui->ccount > 0 ? 2 : 0);
	if (body < 1)
		body = 1;
	ui->crows = body;
	if (ui->ctop + (size_t)body > ui->nclines)
		ui->ctop = ui->nclines > (size_t)body ? ui->nclines -
		    (size_t)body : 0;
	y = (ui->rows - h) / 2;
	x = (ui->cols - w) / 2;
	for (i = 0; i < h; i++)
		ui_text(stdscr, y + i, x, w, "", 0, a, 1);
	ui_text(stdscr, y, x + 2, w - 4, ui->ctitle, (size_t)-1,
	    a | A_BOLD, 0);
	if (ui->nclines > (size_t)body) {
		/* Where in the text the box is, and that it scrolls. */
		snprintf(foot, sizeof foot, "lines %zu-%zu of %zu, Down/Up "
		    "scroll", ui->ctop + 1, ui->ctop + (size_t)body,
		    ui->nclines);
		ui_text(stdscr, y + 1, x + 2, w - 4, foot, (size_t)-1,
		    a | A_DIM, 0);
	}
	for (i = 0; i < body && ui->ctop + (size_t)i < ui->nclines; i++)
		ui_text(stdscr, y + 2 + i, x + 2, w - 4,
		    ui->clines[ui->ctop + (size_t)i], (size_t)-1, a, 0);
	if (ui->ccount > 0) {
		snprintf(foot, sizeof foot, "type %zu, then Enter: yes, do it "
		    "to %zu instances    anything else: no", ui->ccount,
		    ui->ccount);
		ui_text(stdscr, y + h - 3, x + 2, w - 4, foot, (size_t)-1,
		    a | A_BOLD, 0);
		ui_text(stdscr, y + h - 2, x + 2, 2, "> ", 2, a | A_BOLD, 0);
		ui_field_draw(&ui->ctyped, stdscr, y + h - 2, x + 4, 22, a, 1);
		return;
	}
	ui_text(stdscr, y + h - 1, x + 2, w - 4,
	    "y: yes, do it    any other key: no", (size_t)-1, a | A_BOLD, 0);
}

/* The hint bar: the keys of the screen in sight, short, then the ones
 * that work everywhere; as many whole hints as fit, none cut. */
static void
hint_add(struct buf *b, int cols, const char *key, size_t keylen,
    const char *hint)
{
	size_t before = b->len;

	buf_printf(b, "%s%.*s %s", before > 0 ? "  " : "", (int)keylen, key,
	    hint);
	if (ui_text_width(b->data, b->len) > cols - 2) {
		b->len = before;
		b->data[b->len] = '\0';
	}
}

static void
draw_hints(struct ui *ui, int y)
{
	const struct view *v = ui->stack[ui->depth - 1].v;
	struct buf b;
	size_t i;

	buf_init(&b);
	buf_puts(&b, "");
	hint_add(&b, ui->cols, "?", 1, "help");
	hint_add(&b, ui->cols, "H", 1, "hide");
	for (i = 0; i < v->nkeys; i++)
		if (v->keys[i].hint != NULL && v->keys[i].keyname != NULL)
			hint_add(&b, ui->cols, v->keys[i].keyname,
			    strcspn(v->keys[i].keyname, ","),
			    v->keys[i].hint);
	for (i = 0; i < console_nkeys; i++)
		if (console_keys[i].hint != NULL &&
		    console_keys[i].action != G_HELP)
			hint_add(&b, ui->cols, console_keys[i].keyname,
			    strcspn(console_keys[i].keyname, ","),
			    console_keys[i].hint);
	ui_text(stdscr, y, 1, ui->cols - 1, b.data, b.len, ui_attr(C_DIM), 1);
	buf_free(&b);
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
	{
		const struct frame *top = &ui->stack[ui->depth - 1];
		size_t row, of;

		if (top->v->position != NULL &&
		    top->v->position(top->self, &row, &of) == 0 && of > 0)
			buf_printf(&left, "%srow %zu of %zu", left.len > 0 ?
			    "  " : "", row, of);
	}
	if (ui->prompting) {
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
		ui_field_draw(&ui->input, stdscr, y, lw, ui->cols - lw -
		    (rw > 0 ? rw + 2 : 1), ui_attr(C_NORMAL), 1);
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
		/* What is open (a confirmation, a prompt) waits, unseen
		 * and unanswered, for a larger screen. */
		ui_text(stdscr, ui->rows / 2 + 1, 0, ui->cols, ui->ignored ?
		    "keys ignored; Ctrl-C quits" : "keys wait; Ctrl-C quits",
		    (size_t)-1, ui_attr(C_DIM), 0);
		refresh();
		return;
	}
	draw_title(ui);
	top->v->draw(ui, top->self, 1, 0, ui->rows - 2 - (ui->hints ? 1 : 0),
	    ui->cols);
	if (ui->hints)
		draw_hints(ui, ui->rows - 2);
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
			    ui->rows - 2 - (ui->hints ? 1 : 0), ui->cols);
	}
	clearok(curscr, TRUE);
	ui->dirty = 1;
}

static void
prompt_key(struct ui *ui, wint_t ch, int is_key)
{
	char *text;
	int op;

	ui->dirty = 1;
	if ((!is_key && (ch == L'\r' || ch == L'\n')) ||
	    (is_key && ch == KEY_ENTER)) {
		ui->prompting = 0;
		text = xstrdup(ui_field_text(&ui->input));
		if (ui->on_done != NULL)
			ui->on_done(ui, ui->prompt_arg, text);
		free(text);
		return;
	}
	op = ui_field_key_op((int)ch, is_key);
	if ((!is_key && ch == 27) || (op == UI_FIELD_ERASE &&
	    ui->input.text.len == 0)) {
		/* Esc, or erasing past the start, as in vi and less. */
		ui->prompting = 0;
		if (ui->on_done != NULL)
			ui->on_done(ui, ui->prompt_arg, NULL);
		return;
	}
	if (op >= 0 ? ui_field_edit(&ui->input, (enum ui_field_op)op) :
	    !is_key && ui_field_insert(&ui->input, (int)ch)) {
		if (ui->on_change != NULL)
			ui->on_change(ui, ui->prompt_arg,
			    ui_field_text(&ui->input));
	}
}

/* A key while a confirmation is open: y (or the count typed, then Enter)
 * says yes; the scroll keys scroll; anything else says no. */
static void
confirm_key(struct ui *ui, wint_t ch, int is_key)
{
	ui_confirm_fn fn = ui->on_yes;
	void *arg = ui->confirm_arg;
	size_t page = ui->crows > 1 ? (size_t)ui->crows - 1 : 1;
	int yes, op;

	ui->dirty = 1;
	if (is_key && (ch == KEY_DOWN || ch == KEY_NPAGE)) {
		ui->ctop += ch == KEY_DOWN ? 1 : page;	/* drawn clamped */
		return;
	}
	if (is_key && (ch == KEY_UP || ch == KEY_PPAGE)) {
		size_t by = ch == KEY_UP ? 1 : page;

		ui->ctop = ui->ctop > by ? ui->ctop - by : 0;
		return;
	}
	if (ui->ccount > 0) {
		char want[24];

		op = ui_field_key_op((int)ch, is_key);
		if (!is_key && ch >= L'0' && ch <= L'9') {
			ui_field_insert(&ui->ctyped, (int)ch);
			return;
		}
		if (op >= 0 && op != UI_FIELD_CLEAR &&
		    (op != UI_FIELD_ERASE || ui->ctyped.text.len > 0)) {
			ui_field_edit(&ui->ctyped, (enum ui_field_op)op);
			return;
		}
		snprintf(want, sizeof want, "%zu", ui->ccount);
		yes = ((!is_key && (ch == L'\r' || ch == L'\n')) ||
		    (is_key && ch == KEY_ENTER)) &&
		    strcmp(ui_field_text(&ui->ctyped), want) == 0;
	} else
		yes = !is_key && (ch == L'y' || ch == L'Y');
	confirm_clear(ui);
	if (yes && fn != NULL)
		fn(ui, arg);
	else
		ui_message(ui, 0, "cancelled; nothing was changed");
}

/* Whether read-only mode refuses k: the one place it is decided for
 * every key of every view (cli_refuse_read_only's words). */
static int
read_only_refuses(struct ui *ui, const struct ui_key *k)
{
	const struct console_opts *o = ui->o;

	if (!(k->flags & UI_KEY_CHANGES_AWS) || o->read_only_why == NULL)
		return 0;
	if (o->dry_run && (k->flags & UI_KEY_DRY_RUN_READS))
		return 0;
	ui_message(ui, 1, "refused: patchdeck is in read-only mode (%s); no "
	    "change was made", o->read_only_why);
	return 1;
}

static int
dispatch(struct ui *ui, int ch)
{
	struct frame *top = &ui->stack[ui->depth - 1];
	size_t i;
	int r = UI_IGNORED;

	for (i = 0; i < top->v->nkeys; i++) {
		if (top->v->keys[i].key == ch) {
			if (read_only_refuses(ui, &top->v->keys[i]))
				return UI_REDRAW;
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
		case G_HINTS:
			ui->hints = !ui->hints;
			resize(ui);
			return UI_REDRAW;
		}
	}
	/* Bound nowhere: said, so a key that did nothing is not taken for
	 * one that did something unseen. */
	if (ch == 27)
		return UI_IGNORED;
	ui_message(ui, 1, "unknown key: ? for help");
	return UI_REDRAW;
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
	if (too_small(ui)) {
		/* One rule for every key, every view and every prompt: what
		 * cannot be seen is not acted on.  Ctrl-C still quits (a
		 * signal, not a key). */
		ui->ignored = 1;
		ui->dirty = 1;
		return;
	}
	ui->ignored = 0;
	ui->msg[0] = '\0';
	if (ui->confirming) {
		confirm_key(ui, ch, is_key);
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
	int h;		/* lines on the screen, set when drawn */
};

enum { H_DOWN, H_UP, H_PGDN, H_PGUP, H_HOME, H_END, H_CLOSE };

static const struct ui_key help_keys[] = {
	{ 'j', H_DOWN, "j, Down", "scroll", "scroll", 0 },
	{ KEY_DOWN, H_DOWN, NULL, NULL, NULL, 0 },
	{ 'k', H_UP, NULL, NULL, NULL, 0 },
	{ KEY_UP, H_UP, NULL, NULL, NULL, 0 },
	{ KEY_NPAGE, H_PGDN, NULL, NULL, NULL, 0 },
	{ ' ', H_PGDN, NULL, NULL, NULL, 0 },
	{ KEY_PPAGE, H_PGUP, NULL, NULL, NULL, 0 },
	{ 'g', H_HOME, "g, Home", "the top", "top", 0 },
	{ KEY_HOME, H_HOME, NULL, NULL, NULL, 0 },
	{ 'G', H_END, "G, End", "the end", NULL, 0 },
	{ KEY_END, H_END, NULL, NULL, NULL, 0 },
	{ 27, H_CLOSE, "Esc, q", "close the help", "close", 0 },
	{ '?', H_CLOSE, NULL, NULL, NULL, 0 },
};

/* The legend of help's '!' column. */
#define HELP_LEGEND "! changes AWS state; refused in read-only mode"

/* One key of the help, its text wrapped to the width there is; returns
 * the row after it.  A key that changes AWS state gets '!' in front,
 * and is dimmed when read-only mode refuses it (htop's roInactive). */
static int
help_line(struct ui *ui, int y, int x, int w, const struct ui_key *k,
    int row, int top, int h)
{
	const char *p = k->help;
	size_t tw = w > 34 ? (size_t)(w - 24) : 10;
	int off = (k->flags & UI_KEY_CHANGES_AWS) &&
	    ui->o->read_only_why != NULL && !(ui->o->dry_run &&
	    (k->flags & UI_KEY_DRY_RUN_READS));

	if (k->keyname == NULL)
		return row;
	if (row >= top && row - top < h) {
		if (k->flags & UI_KEY_CHANGES_AWS)
			ui_text(stdscr, y + row - top, x, 1, "!", 1,
			    ui_attr(C_FAILED) | A_BOLD, 0);
		ui_text(stdscr, y + row - top, x + 2, 18, k->keyname,
		    (size_t)-1, ui_attr(off ? C_DIM : C_HEADER), 0);
	}
	do {
		size_t cut = wrap_cut(p, tw);

		if (row >= top && row - top < h)
			ui_text(stdscr, y + row - top, x + 22, (int)tw, p, cut,
			    ui_attr(off ? C_DIM : C_NORMAL), 0);
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

	ui_text(stdscr, y, x + 1, w - 2, hp->of->name, (size_t)-1,
	    ui_attr(C_HEADER) | A_BOLD, 0);
	for (i = 0; i < hp->of->nkeys; i++)
		if (hp->of->keys[i].flags & UI_KEY_CHANGES_AWS)
			break;
	if (i < hp->of->nkeys)
		ui_text(stdscr, y + 1, x, w - 1, HELP_LEGEND, (size_t)-1,
		    ui_attr(C_DIM), 0);
	y += 2;
	h -= 2;
	hp->h = h;
	for (i = 0; i < hp->of->nkeys; i++)
		row = help_line(ui, y, x, w, &hp->of->keys[i], row, hp->top,
		    h);
	row++;
	if (row - 1 >= hp->top && row - 1 - hp->top < h)
		ui_text(stdscr, y + row - 1 - hp->top, x + 1, w - 2,
		    "everywhere", (size_t)-1, ui_attr(C_HEADER) | A_BOLD, 0);
	row++;
	for (i = 0; i < console_nkeys; i++)
		row = help_line(ui, y, x, w, &console_keys[i], row, hp->top,
		    h);
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
	case H_HOME:
		hp->top = 0;
		return UI_REDRAW;
	case H_END:
		/* The last page: its last line on the screen's last row. */
		hp->top = hp->lines > hp->h ? hp->lines - hp->h : 0;
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
	ui.hints = o->hints;
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
		ready = desk_poll(o->desk, fds, nfds,
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
	ui_field_free(&ui.input);
	term_restore();
	/* The base view belongs to the caller. */
	return 0;
}
