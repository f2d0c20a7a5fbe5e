/*
 * views.h - the console's views and the actions they share.
 */
#ifndef PATCHDECK_VIEWS_H
#define PATCHDECK_VIEWS_H

#include "ops/exceptions.h"
#include "ui.h"

struct app;

/* The instances table; *self is owned by the caller (the base view). */
const struct view *view_instances_new(struct app *a, void **self);
/* The id under the cursor (borrowed), or NULL; and the reverse. */
const char *view_instances_current(void *self);
void view_instances_select(void *self, const char *id);

/* Pushes the drill-down of one instance. */
void view_detail_push(struct ui *ui, struct app *a, const char *id,
    const char *region);

/* Pushes the plan pane of window index w of the configuration: its
 * members on the current or next occurrence, trouble first. */
void view_plan_push(struct ui *ui, struct app *a, size_t w);

/*
 * The plan pane's p (undo 0) and U (undo 1): prepare or undo window on
 * date ("YYYY-MM-DD") through ops/prepare.h, confirmed, on the loop
 * (planprep.c).  The job is a->planprep, freed after the loop (and the
 * loop's calls) with planprep_job_free().
 */
struct planprep;
void planprep_start(struct ui *ui, struct app *a, const char *window,
    const char *date, int undo);
void planprep_job_free(struct app *a);
/* Stops the wait of a prepare under way (prepare_cancel): 1, or 0 when
 * none waits. */
int planprep_cancel(struct app *a);
/* The outcome of the last p or U ("prepare W@D: 3 started, 3 Online
 * (audited)"), with *failed, or NULL; borrowed until the next p or U. */
const char *planprep_outcome(const struct app *a, int *failed);

/* Pushes the exceptions view (tabs by category, actions). */
void view_exceptions_push(struct ui *ui, struct app *a);

/*
 * The exception actions (exactions.c); their keys are UI_KEY_CHANGES_AWS
 * (refused in read-only mode by the console's dispatch):
 * request opens a form (instance_id prefilled when not NULL); approve,
 * reject and revoke act on e (borrowed for the call) after asking for the
 * reason and confirming; sync shows the differences, then applies them.
 */
void exactions_request(struct ui *ui, struct app *a, const char *instance_id);
void exactions_decide(struct ui *ui, struct app *a, enum exceptions_action act,
    const struct fleet_exception *e);
void exactions_sync(struct ui *ui, struct app *a);

/*
 * Self-service tags on the marked instances, or on under (borrowed for the
 * call; NULL: none) when nothing is marked: set asks for the value,
 * confirms, acts; clear confirms and removes the tag.
 */
enum selfservice_tag { SS_WINDOW, SS_OWNER };
struct fleet_instance;
void selfservice_set(struct ui *ui, struct app *a, enum selfservice_tag kind,
    const struct fleet_instance *under);
void selfservice_clear(struct ui *ui, struct app *a, enum selfservice_tag kind,
    const struct fleet_instance *under);

/*
 * The pre-check pane (view_precheck.c): runs the pre-check of window's
 * members on date ("YYYY-MM-DD", the occurrence's local date; NULL: the
 * one in progress or the next) on the console's loop, shows its
 * progress, then the members failed first.  Refused in read-only mode
 * (it sends a command and writes a tag) and while the fleet loads.
 * Strings borrowed for the call.  _ids: exactly the instances named.
 */
void view_precheck_push(struct ui *ui, struct app *a, const char *window,
    const char *date);
void view_precheck_push_ids(struct ui *ui, struct app *a,
    const char *const *ids, size_t n);

/*
 * The jobs those files keep in struct app, freed with what they hold
 * (idempotent); app_run() calls them after the loop and net_free(), so
 * no callback can come in afterwards.  A view that starts background
 * work keeps it in struct app the same way.
 */
void exactions_job_free(struct app *a);
void exsyncui_job_free(struct app *a);
void selfservice_job_free(struct app *a);
void precheck_job_free(struct app *a);

/*
 * F on the pre-check pane (fixui.c): fix rows[0..n) (copied; failures as
 * their verdicts say), asking for the kind when they fail in several
 * fixable kinds (and, for pkg_lock, whether a running package manager may
 * be stopped), confirming with the count and the first instances, then
 * running the fix and the pre-check after it on the console's loop
 * (ops/fixjob.h).  done(ui, arg, job) runs when that has ended; the job is
 * the handle's (fixjob_after's rows may be taken).  Returns a handle the
 * caller frees with fixui_free (never while fixui_busy: the job's calls
 * point at it); with nothing to fix it says why and starts nothing.
 */
struct fix_member;
struct fixjob;
struct fixui;
typedef void (*fixui_done_fn)(struct ui *ui, void *arg, struct fixjob *job);
struct fixui *fixui_start(struct ui *ui, struct app *a,
    const struct fix_member *rows, size_t n, const char *window,
    const char *date, fixui_done_fn done, void *arg);
/* The fix or its re-check runs. */
int fixui_busy(const struct fixui *f);
/* While busy: what runs ("fix", "re-check: wait", ...), done of total. */
int fixui_progress(const struct fixui *f, const char **phase, size_t *done,
    size_t *total);
void fixui_free(struct fixui *f);

#endif
