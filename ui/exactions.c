/*
 * exactions.c - the console's exception actions (DESIGN.md sections 1 and
 * 5), the same steps as `patchdeck exceptions ...` (ops/exaction.h) run on
 * the console's loop, so DynamoDB never keeps a key waiting:
 *
 *   request   a form: instance (prefilled from the instance or record
 *             under the cursor), from, to, reason, ticket.  Enter checks
 *             it with exceptions_validate, the same rules as the CLI; a
 *             problem is shown in the form, on the field it is about.  A
 *             confirmation names what will be written, then the PutItem.
 *   approve, reject, revoke
 *             the record under the cursor: a reason (required to reject),
 *             a confirmation naming the record and the status change, then
 *             the conditional UpdateItem.  The requester cannot approve
 *             their own: the steps ask STS who is calling and refuse.
 *   sync      in exsyncui.c.
 *
 * Their keys are UI_KEY_CHANGES_AWS: the console's dispatch refuses them
 * in read-only mode (--read-only, read_only = true).  --dry-run
 * shows what would be sent and sends nothing.  Every change is written to
 * the audit log before and after (exaction.h); the log is opened first,
 * and nothing is sent when it cannot be.  One action at a time; when it
 * ends, the table is read again so the view shows the outcome.
 */
#include "views.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "field.h"
#include "ops/audit.h"
#include "ops/exaction.h"
#include "util/util.h"

struct exjob {
	struct ui *ui;
	struct app *a;
	struct exaction_opts o;
	struct exceptions_request req;
	char *instance, *from, *to, *reason, *ticket, *id;
	char *requester;	/* a decision: who asked, for the question */
	char rnd[8];
	struct audit *log;
	struct exaction *act;
};


static void
job_free(struct exjob *j)
{
	if (j == NULL)
		return;
	exaction_free(j->act);
	if (j->log != NULL)
		audit_close(j->log);
	free(j->instance);
	free(j->from);
	free(j->to);
	free(j->reason);
	free(j->ticket);
	free(j->id);
	free(j->requester);
	free(j);
}

/* The action confirmed or running (one at a time) is a->exjob; it goes
 * here when it ends, is answered no, or the console quits (views.h). */
void
exactions_job_free(struct app *a)
{
	job_free(a->exjob);
	a->exjob = NULL;
}

/* One change at a time: the outcome of the first must be seen. */
static int
refused(struct ui *ui, const struct app *a)
{
	if (a->exjob != NULL && a->exjob->act != NULL) {
		ui_message(ui, 1, "an exception change is still being made; "
		    "wait for its outcome");
		return 1;
	}
	return 0;
}

static const char *
name_of(const struct app *a, const char *id)
{
	size_t i;

	for (i = 0; id != NULL && i < a->inv.n; i++)
		if (strcmp(a->inv.rows[i].in->id, id) == 0)
			return a->inv.rows[i].in->name;
	return NULL;
}

/* --- running ---------------------------------------------------------- */

static void
on_done(void *arg, struct exaction *act)
{
	struct exjob *j = arg;
	struct ui *ui = j->ui;
	const char *verb = j->o.request ? "request" :
	    exceptions_action_name(j->o.action);

	switch (act->outcome) {
	case EXA_DRY_RUN:
		ui_message(ui, 0, "DRY RUN, nothing was changed; would call: "
		    "%s %s", act->dry_op, act->dry_body);
		break;
	case EXA_DONE:
		if (j->o.request)
			ui_message(ui, act->audit_err != NULL, "requested %s for "
			    "%s %s..%s: PENDING; someone else approves it "
			    "(audited)%s%s", act->rec.exception_id,
			    act->rec.instance_id, act->rec.starts,
			    act->rec.ends, act->audit_err ? "; " : "",
			    act->audit_err ? act->audit_err : "");
		else
			ui_message(ui, act->audit_err != NULL, "%s %s: %s "
			    "(audited)%s%s", act->rec.exception_id,
			    act->rec.instance_id, exceptions_action_to(
			    j->o.action), act->audit_err ? "; " : "",
			    act->audit_err ? act->audit_err : "");
		break;
	case EXA_REFUSED:
	case EXA_FAILED:
	case EXA_ERROR:
		ui_message(ui, 1, "%s: %s%s%s", verb, act->message,
		    act->audit_err ? "; " : "", act->audit_err ?
		    act->audit_err : "");
		break;
	}
	if (act->outcome != EXA_DRY_RUN)
		app_refresh_exceptions(j->a, ui);
	/* done runs from a timer of its own: the handle may go now. */
	if (j->a->exjob == j)
		j->a->exjob = NULL;
	job_free(j);
}

static void
on_yes(struct ui *ui, void *arg)
{
	struct exjob *j = arg;
	struct exceptions_ctx *x;
	char *err = NULL;

	if (j != j->a->exjob)
		return;		/* cannot happen: one confirmation at a time */
	if (!j->o.dry_run && audit_open(&j->log, &err) != 0) {
		ui_message(ui, 1, "refused: %s; no change is made without an "
		    "audit record", err);
		free(err);
		exactions_job_free(j->a);
		return;
	}
	if (app_exceptions(j->a, &x, &err) != 0) {
		ui_message(ui, 1, "exceptions table: %s", err);
		free(err);
		exactions_job_free(j->a);
		return;
	}
	j->o.log = j->log;
	j->o.now = (long long)time(NULL);
	if (j->o.request) {
		char *rnd = audit_new_id();

		snprintf(j->rnd, sizeof j->rnd, "%.6s", rnd);
		free(rnd);
		j->o.rnd_hex = j->rnd;
		j->o.req = &j->req;
	}
	j->act = exaction_start(x, &j->o, on_done, j);
	/* A request was confirmed from its form: the form is done. */
	if (j->o.request)
		ui_pop(ui);
	ui_message(ui, 0, "working: %s%s%s in %s...", j->o.request ?
	    "request for " : exceptions_action_name(j->o.action),
	    j->o.request ? "" : " ", j->o.request ? j->instance : j->id,
	    x->table);
}

static struct exjob *
job_new(struct ui *ui, struct app *a)
{
	struct exjob *j;

	exactions_job_free(a);	/* a confirmation that was answered no */
	j = xcalloc(1, sizeof *j);
	j->ui = ui;
	j->a = a;
	j->o.dry_run = a->desk.dry_run;
	j->o.max_days = a->cfg.exception_max_days;
	a->exjob = j;
	return j;
}

/* --- the request form ------------------------------------------------- */

/* The first four in exceptions_validate_field()'s order. */
enum { F_INSTANCE = EXF_INSTANCE, F_FROM = EXF_FROM, F_TO = EXF_TO,
	F_REASON = EXF_REASON, F_TICKET, F_COUNT };

static const struct {
	const char *label;
	const char *hint;
} fields[F_COUNT] = {
	[F_INSTANCE] = { "instance", "i- and 8 or 17 hex digits" },
	[F_FROM] = { "from", "YYYY-MM-DD, UTC, not in the past" },
	[F_TO] = { "to", "YYYY-MM-DD, included" },
	[F_REASON] = { "reason", "required: why it must not be patched" },
	[F_TICKET] = { "ticket", "optional" },
};

#define FIELD_MAX EXCEPTIONS_MAX_TEXT

struct form {
	struct app *a;
	struct ui_field val[F_COUNT];
	int field;
	char *error;		/* what the last Enter found wrong */
	int error_field;
};

enum { K_NEXT, K_PREV, K_SUBMIT, K_CANCEL, K_EDIT };

static const struct ui_key form_keys[] = {
	{ '\t', K_NEXT, "Tab, Down", "next field", "next field", 0 },
	{ KEY_DOWN, K_NEXT, NULL, NULL, NULL, 0 },
	{ KEY_BTAB, K_PREV, "Shift-Tab, Up", "previous field", NULL, 0 },
	{ KEY_UP, K_PREV, NULL, NULL, NULL, 0 },
	{ '\r', K_SUBMIT, "Enter", "check the request, then confirm it",
	    "check", UI_KEY_CHANGES_AWS },
	{ '\n', K_SUBMIT, NULL, NULL, NULL, UI_KEY_CHANGES_AWS },
	{ KEY_ENTER, K_SUBMIT, NULL, NULL, NULL, UI_KEY_CHANGES_AWS },
	{ 27, K_CANCEL, "Esc", "cancel: nothing is sent", "cancel", 0 },
	{ KEY_LEFT, K_EDIT, "Left, Right", "move in the field (Ctrl-B, "
	    "Ctrl-F)", NULL, 0 },
	{ KEY_RIGHT, K_EDIT, NULL, NULL, NULL, 0 },
	{ KEY_HOME, K_EDIT, "Home, End", "start / end of the field (Ctrl-A, "
	    "Ctrl-E)", NULL, 0 },
	{ KEY_END, K_EDIT, NULL, NULL, NULL, 0 },
	{ 1, K_EDIT, NULL, NULL, NULL, 0 },
	{ 5, K_EDIT, NULL, NULL, NULL, 0 },
	{ 2, K_EDIT, NULL, NULL, NULL, 0 },
	{ 6, K_EDIT, NULL, NULL, NULL, 0 },
	{ KEY_BACKSPACE, K_EDIT, "Backspace, Del", "erase before / under the "
	    "cursor", NULL, 0 },
	{ 127, K_EDIT, NULL, NULL, NULL, 0 },
	{ 8, K_EDIT, NULL, NULL, NULL, 0 },
	{ KEY_DC, K_EDIT, NULL, NULL, NULL, 0 },
	{ 23, K_EDIT, "Ctrl-W", "erase the word before the cursor", NULL, 0 },
	{ 21, K_EDIT, "Ctrl-U", "clear the field", NULL, 0 },
};

static void
form_draw(struct ui *ui, void *self, int y, int x, int h, int w)
{
	struct form *f = self;
	int i, row = y + 1, lw = 10;

	(void)ui;
	(void)h;
	ui_text(stdscr, row, x + 2, w - 4, f->a->desk.dry_run ?
	    "Request a patch exception (DRY RUN: nothing will be sent)" :
	    "Request a patch exception", (size_t)-1,
	    ui_attr(C_HEADER) | A_BOLD, 0);
	row += 2;
	for (i = 0; i < F_COUNT; i++, row += 2) {
		attr_t box = i == f->field ? ui_attr(C_CURSOR) :
		    ui_attr(C_DIALOG);
		int vw = w - lw - 6;

		ui_text(stdscr, row, x + 2, lw, fields[i].label, (size_t)-1,
		    ui_attr(i == f->field ? C_PROMPT : C_NORMAL), 0);
		if (vw > 60)
			vw = 60;
		/* The value is typed by the operator, or prefilled from
		 * outside: drawn escaped like any other text; the field
		 * being typed in shows its cursor. */
		ui_field_draw(&f->val[i], stdscr, row, x + 2 + lw, vw, box,
		    i == f->field);
		ui_text(stdscr, row + 1, x + 2 + lw, w - lw - 4,
		    fields[i].hint, (size_t)-1, ui_attr(C_DIM), 0);
	}
	if (f->error != NULL)
		ui_text(stdscr, row, x + 2, w - 4, f->error, (size_t)-1,
		    ui_attr(C_FAILED), 0);
	ui_text(stdscr, row + 2, x + 2, w - 4, "Tab/Down: next field   "
	    "Enter: check and confirm   Esc: cancel", (size_t)-1,
	    ui_attr(C_DIM), 0);
}

static const char *
val(const struct form *f, int i)
{
	return ui_field_text(&f->val[i]);
}

static int
known(const struct app *a, const char *id)
{
	return name_of(a, id) != NULL;
}

static void
form_submit(struct ui *ui, struct form *f)
{
	struct exceptions_request r;
	struct fleet_date today;
	struct exjob *j;
	struct buf what, where;
	char *err = NULL;
	const char *name;

	memset(&r, 0, sizeof r);
	r.instance_id = val(f, F_INSTANCE);
	r.starts = val(f, F_FROM);
	r.ends = val(f, F_TO);
	r.reason = *val(f, F_REASON) != '\0' ? val(f, F_REASON) : NULL;
	r.ticket = val(f, F_TICKET);
	free(f->error);
	f->error = NULL;
	today = fleet_date_of_utc((long long)time(NULL));
	if (exceptions_validate_field(&r, today, f->a->cfg.exception_max_days,
	    known(f->a, r.instance_id), 0, &f->error_field, &err) != 0) {
		f->field = f->error_field;
		/* The CLI's way past the cache check is --force; here it is
		 * a refresh (or the CLI). */
		if (exceptions_validate(&r, today, f->a->cfg.exception_max_days,
		    0, 1, NULL) == 0)
			f->error = xasprintf("instance: %s is not in the "
			    "inventory; r refreshes it (`patchdeck exceptions "
			    "request --force` takes one not synced yet)",
			    r.instance_id);
		else
			f->error = xasprintf("%s: %s",
			    fields[f->error_field].label, err);
		free(err);
		return;
	}
	if (refused(ui, f->a))
		return;
	j = job_new(ui, f->a);
	j->o.request = 1;
	j->instance = xstrdup(r.instance_id);
	j->from = xstrdup(r.starts);
	j->to = xstrdup(r.ends);
	j->reason = xstrdup(r.reason);
	j->ticket = xstrdup(r.ticket);
	j->req.instance_id = j->instance;
	j->req.starts = j->from;
	j->req.ends = j->to;
	j->req.reason = j->reason;
	j->req.ticket = *j->ticket != '\0' ? j->ticket : NULL;
	name = name_of(f->a, j->instance);
	buf_init(&what);
	buf_init(&where);
	buf_printf(&what, "Request an exception for %s%s%s%s from %s to %s "
	    "(UTC dates, both included).", j->instance, name && *name ?
	    " (" : "", name && *name ? name : "", name && *name ? ")" : "",
	    j->from, j->to);
	buf_printf(&where, "A PENDING record is written to %s; another "
	    "person approves it.  Ticket: %s.", f->a->cfg.exceptions_table,
	    j->req.ticket != NULL ? j->req.ticket : "none");
	{
		char *reason = xasprintf("Reason: %s", j->reason);
		const char *texts[] = { what.data, reason, where.data,
		    f->a->desk.dry_run ? "DRY RUN (--dry-run): the PutItem is "
		    "shown, nothing is sent, nothing is audited." :
		    "Written to the audit log before and after." };

		ui_confirm_texts(ui, f->a->desk.dry_run ?
		    "DRY RUN: request an exception, "
		    "nothing will change" : "Request a patch exception",
		    texts, 4, 0, on_yes, j);
		free(reason);
	}
	buf_free(&what);
	buf_free(&where);
}

static int
form_key(struct ui *ui, void *self, int action, int ch)
{
	struct form *f = self;
	int op;

	switch (action) {
	case K_NEXT:
		f->field = (f->field + 1) % F_COUNT;
		break;
	case K_PREV:
		f->field = (f->field + F_COUNT - 1) % F_COUNT;
		break;
	case K_SUBMIT:
		form_submit(ui, f);
		break;
	case K_CANCEL:
		ui_message(ui, 0, "cancelled; nothing was sent");
		return UI_POP;
	case K_EDIT:
		op = ui_field_key_op(ch, ch >= KEY_MIN);
		if (op >= 0)
			ui_field_edit(&f->val[f->field], (enum ui_field_op)op);
		break;
	case UI_ACTION_RAW:
		/* Printable text goes in the field; function keys (F1 help)
		 * go on to the global table. */
		if (ch >= KEY_MIN && ch <= KEY_MAX)
			return UI_IGNORED;
		ui_field_insert(&f->val[f->field], ch);
		break;
	case UI_ACTION_TEXT:
		ui_field_insert(&f->val[f->field], ch);
		break;
	case UI_ACTION_REFRESH:
		app_refresh(f->a, ui);
		break;
	default:
		return UI_IGNORED;
	}
	return UI_REDRAW;
}

static void
form_free(void *self)
{
	struct form *f = self;
	int i;

	for (i = 0; i < F_COUNT; i++)
		ui_field_free(&f->val[i]);
	free(f->error);
	free(f);
}

static const struct view view_form = {
	.name = "request an exception",
	.draw = form_draw,
	.key = form_key,
	.free = form_free,
	.keys = form_keys,
	.nkeys = sizeof form_keys / sizeof form_keys[0],
};

void
exactions_request(struct ui *ui, struct app *a, const char *instance_id)
{
	struct form *f;
	struct fleet_date t = fleet_date_of_utc((long long)time(NULL));
	char d[16];
	int i;

	if (refused(ui, a))
		return;
	f = xcalloc(1, sizeof *f);
	f->a = a;
	for (i = 0; i < F_COUNT; i++)
		f->val[i].max = FIELD_MAX;
	ui_field_set(&f->val[F_INSTANCE], instance_id);
	fleet_date_format(t, d, sizeof d);
	ui_field_set(&f->val[F_FROM], d);
	/* A week, today included: a common ask; the operator edits it. */
	fleet_date_format(fleet_date_add_days(t, 6), d, sizeof d);
	ui_field_set(&f->val[F_TO], d);
	f->field = instance_id != NULL ? F_REASON : F_INSTANCE;
	ui_push(ui, &view_form, f);
}

/* --- approve, reject, revoke ------------------------------------------ */

static void
on_reason(struct ui *ui, void *arg, const char *text)
{
	struct exjob *j = arg;
	const char *act = exceptions_action_name(j->o.action);
	const char *name;
	char *err = NULL, *what, *change, *reason;

	if (j != j->a->exjob)
		return;
	if (text == NULL) {
		ui_message(ui, 0, "cancelled; nothing was changed");
		exactions_job_free(j->a);
		return;
	}
	while (*text == ' ')
		text++;
	if (exceptions_check_reason(j->o.action, *text != '\0' ? text : NULL,
	    &err) != 0) {
		ui_message(ui, 1, "%s refused: %s; nothing was changed", act,
		    err);
		free(err);
		exactions_job_free(j->a);
		return;
	}
	j->reason = *text != '\0' ? xstrdup(text) : NULL;
	j->o.reason = j->reason;
	j->o.id = j->id;
	name = name_of(j->a, j->instance);
	what = xasprintf("%c%s exception %s for %s%s%s%s, %s to %s, requested "
	    "by %s?", act[0] - 'a' + 'A', act + 1, j->id, j->instance,
	    name && *name ? " (" : "", name && *name ? name : "",
	    name && *name ? ")" : "", j->from, j->to,
	    j->requester != NULL ? j->requester : "(unknown)");
	change = xasprintf("Sets its status %s -> %s in %s, only if it is "
	    "still %s%s.", exceptions_action_from(j->o.action),
	    exceptions_action_to(j->o.action), j->a->cfg.exceptions_table,
	    exceptions_action_from(j->o.action), j->o.action == EXC_REVOKE ?
	    "" : " and not requested by you");
	reason = xasprintf("Reason: %s", j->reason != NULL ? j->reason :
	    "(none)");
	{
		const char *texts[] = { what, change, reason, j->o.dry_run ?
		    "DRY RUN (--dry-run): the record is read and the "
		    "UpdateItem shown; nothing is changed or audited." :
		    "Written to the audit log before and after." };
		char title[64];

		snprintf(title, sizeof title, "%s%s an exception",
		    j->o.dry_run ? "DRY RUN: " : "", act);
		ui_confirm_texts(ui, title, texts, 4, 0, on_yes, j);
	}
	free(what);
	free(change);
	free(reason);
}

void
exactions_decide(struct ui *ui, struct app *a, enum exceptions_action act,
    const struct fleet_exception *e)
{
	struct exjob *j;
	char label[32];

	if (refused(ui, a))
		return;
	if (e == NULL || e->exception_id == NULL) {
		ui_message(ui, 1, "no exception selected");
		return;
	}
	if (strcmp(e->status != NULL ? e->status : "",
	    exceptions_action_from(act)) != 0) {
		ui_message(ui, 1, "%s: %s is %s; only a %s one can be %sd",
		    exceptions_action_name(act), e->exception_id,
		    e->status != NULL ? e->status : "(no status)",
		    exceptions_action_from(act), exceptions_action_name(act));
		return;
	}
	j = job_new(ui, a);
	j->o.action = act;
	j->id = xstrdup(e->exception_id);
	j->instance = xstrdup(e->instance_id != NULL ? e->instance_id : "?");
	j->from = xstrdup(e->starts != NULL ? e->starts : "?");
	j->to = xstrdup(e->ends != NULL ? e->ends : "?");
	j->requester = e->requested_by != NULL ? xstrdup(e->requested_by) :
	    NULL;
	snprintf(label, sizeof label, "%s reason%s: ",
	    exceptions_action_name(act), act == EXC_REJECT ? "" :
	    " (optional)");
	ui_prompt(ui, label, NULL, NULL, on_reason, j);
}
