/*
 * prepare_run.c - see prepare.h: the audited run (intent, tag, start,
 * untag what did not start, wait for SSM; or stop and untag; result).
 */
#include "ops/prepare.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awserr.h"
#include "aws/ec2.h"
#include "aws/net.h"
#include "aws/ssm.h"
#include "aws/sts.h"
#include "ops/audit.h"
#include "ops/config.h"
#include "ops/fanout.h"
#include "ops/prepare_int.h"
#include "util/util.h"

/* SSM polls: the first soon after the starts, then slower, at most this
 * far apart (an instance boots in tens of seconds to minutes). */
#define POLL_FIRST_MS 2000
#define POLL_MAX_MS 15000

enum op { OP_TAG, OP_START, OP_STOP, OP_UNTAG, OP_POLL };

static const char *const op_names[] = {
	[OP_TAG] = "CreateTags", [OP_START] = "StartInstances",
	[OP_STOP] = "StopInstances", [OP_UNTAG] = "DeleteTags",
	[OP_POLL] = "DescribeInstanceInformation",
};

/* One call in flight: its members (borrowed pointers into p->m). */
struct call {
	struct prepare *p;
	enum op op;
	struct fanout_slot *slot;
	struct prepare_member **m;
	const char **ids;
	size_t n;
};

static void
set_error(struct prepare_member *m, enum op op, const struct aws_error *e)
{
	char *f = awserr_format(e);

	free(m->error);
	m->error = xasprintf("%s: %s", op_names[op], f);
	free(f);
}

/* --- the audit log ------------------------------------------------ */

static cJSON *
entry_new(const struct prepare *p, const char *phase)
{
	cJSON *e = cJSON_CreateObject();

	if (e == NULL)
		util_fatal("out of memory (JSON)");
	cJSON_AddStringToObject(e, "action_id", p->action_id);
	cJSON_AddStringToObject(e, "phase", phase);
	cJSON_AddStringToObject(e, "action", p->undo ? "prepare.undo" :
	    "prepare");
	cJSON_AddStringToObject(e, "window", p->window);
	cJSON_AddStringToObject(e, "date", p->date);
	cJSON_AddStringToObject(e, "tag", prepare_tag(p));
	cJSON_AddFalseToObject(e, "dry_run");
	audit_add_local_user(e);
	if (p->callers != NULL) {
		/* who we are in each account and region acted in */
		cJSON *c = cJSON_AddObjectToObject(e, "callers");
		size_t i;

		for (i = 0; i < fanout_count(p->fan); i++) {
			const char *name = fanout_slot(p->fan, i)->name;

			if (p->callers[i] != NULL)
				cJSON_AddStringToObject(c, name,
				    p->callers[i]);
			else
				cJSON_AddNullToObject(c, name);
		}
	}
	return e;
}

static void
add_member_json(cJSON *arr, const struct prepare_member *m, int result)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		util_fatal("out of memory (JSON)");
	cJSON_AddStringToObject(o, "instance_id", m->id);
	cJSON_AddStringToObject(o, "target", m->slot);
	cJSON_AddStringToObject(o, "action", fleet_wake_action_name(m->action));
	if (result) {
		cJSON_AddBoolToObject(o, "acted", m->acted);
		cJSON_AddBoolToObject(o, "tagged", m->tagged);
		cJSON_AddBoolToObject(o, "untagged", m->untagged);
		if (m->was_running)
			cJSON_AddTrueToObject(o, "was_running");
		if ((m->action == FLEET_WAKE_START && m->acted) ||
		    m->action == FLEET_WAKE_WAIT)
			cJSON_AddBoolToObject(o, "came_online", m->online);
		if (m->error != NULL)
			cJSON_AddStringToObject(o, "error", m->error);
	}
	cJSON_AddItemToArray(arr, o);
}

void
prepare_write_result(struct prepare *p, const char *outcome)
{
	cJSON *e, *arr;
	char *err = NULL;
	size_t i;

	if (p->action_id == NULL || p->result_written)
		return;		/* nothing changed: nothing audited */
	e = entry_new(p, "result");
	cJSON_AddStringToObject(e, "outcome", outcome);
	arr = cJSON_AddArrayToObject(e, "instances");
	for (i = 0; i < p->n; i++)
		if (fleet_wake_action_changes(p->m[i].action) ||
		    p->m[i].action == FLEET_WAKE_WAIT)
			add_member_json(arr, &p->m[i], 1);
	p->result_written = 1;
	if (audit_write(p->log, e, &err) != 0) {
		if (p->err == NULL)
			p->err = xasprintf("the audit result could not be "
			    "written (action id %s): %s", p->action_id, err);
		free(err);
	}
	cJSON_Delete(e);
}

/* --- the calls ---------------------------------------------------- */

static void stage_next(struct prepare *p);
static int on_ssm_page(void *arg, struct ssm_instance *v, size_t n);
static void on_ssm_end(void *arg, const struct aws_error *err);
static void send_call(struct prepare *p, enum op op, struct fanout_slot *s,
    struct prepare_member **m, size_t n);

static struct prepare_member *
call_member(struct call *c, const char *id)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->m[i]->id, id) == 0)
			return c->m[i];
	return NULL;
}

static void
on_state(void *arg, const char *id, const char *previous,
    const char *current)
{
	struct call *c = arg;
	struct prepare_member *m = call_member(c, id);

	(void)current;
	if (m == NULL)
		return;
	/* Started by someone else between the listing and this call (the
	 * question may have waited minutes): not ours to stop later, so it
	 * is not counted as started, and loses the tag again. */
	if (c->op == OP_START && previous != NULL &&
	    strcmp(previous, "stopped") != 0) {
		m->was_running = 1;
		return;
	}
	m->acted = 1;
}

static void
on_call_end(void *arg, const struct aws_error *err)
{
	struct call *c = arg;
	struct prepare *p = c->p;
	size_t i;

	if (err != NULL && c->n > 1) {
		/* One bad id fails the batch: each on its own, so every
		 * instance gets its own outcome. */
		prepare_say(p, "%s: %s failed for %zu instance(s) in %s; "
		    "sending one instance per call", prepare_cmd(p),
		    op_names[c->op], c->n, c->slot->name);
		for (i = 0; i < c->n; i++)
			send_call(p, c->op, c->slot, &c->m[i], 1);
	} else {
		for (i = 0; i < c->n; i++) {
			struct prepare_member *m = c->m[i];

			if (err != NULL) {
				set_error(m, c->op, err);
				p->failed = 1;
				continue;
			}
			if (c->op == OP_TAG)
				m->tagged = 1;
			else if (c->op == OP_UNTAG)
				m->untagged = 1;
			else if (c->op == OP_STOP)
				m->acted = 1;
			/* OP_START: on_state decided, from each instance's
			 * previous state in the reply. */
		}
	}
	free(c->m);
	free(c->ids);
	free(c);
	if (--p->pending == 0)
		stage_next(p);
}

static void
send_call(struct prepare *p, enum op op, struct fanout_slot *s,
    struct prepare_member **m, size_t n)
{
	struct call *c = xcalloc(1, sizeof *c);
	struct aws_client *ec2 = fanout_client(s, "EC2", NULL);
	struct ec2_tag tag;
	size_t i;

	c->p = p;
	c->op = op;
	c->slot = s;
	c->n = n;
	c->m = xcalloc(n, sizeof *c->m);
	c->ids = xcalloc(n, sizeof *c->ids);
	for (i = 0; i < n; i++) {
		c->m[i] = m[i];
		c->ids[i] = m[i]->id;
	}
	p->pending++;
	tag.key = (char *)p->cfg->tags.started_for;
	tag.value = op == OP_TAG ? p->tag : NULL;
	switch (op) {
	case OP_TAG:
		ec2_create_tags(ec2, c->ids, n, &tag, 1, on_call_end, c);
		break;
	case OP_UNTAG:
		ec2_delete_tags(ec2, c->ids, n, &tag, 1, on_call_end, c);
		break;
	case OP_START:
		ec2_start_instances(ec2, c->ids, n, on_state, on_call_end, c);
		break;
	case OP_STOP:
		ec2_stop_instances(ec2, c->ids, n, on_state, on_call_end, c);
		break;
	case OP_POLL:
		ssm_describe_instance_information(fanout_client(s, "SSM",
		    NULL), c->ids, n, on_ssm_page, on_ssm_end, c);
		break;
	}
}

typedef int (*pick_fn)(const struct prepare_member *m);

/* One call per slot and batch of the members picked (EC2_MAX_IDS_PER_CALL
 * ids; 50 for DescribeInstanceInformation's filter); the count sent. */
static size_t
send_stage(struct prepare *p, enum op op, pick_fn pick)
{
	struct prepare_member **batch;
	size_t i, nb = 0, total = 0;
	size_t max = op == OP_POLL ? SSM_MAX_IDS_PER_COMMAND :
	    EC2_MAX_IDS_PER_CALL;
	struct fanout_slot *s = NULL;

	batch = xcalloc(p->n ? p->n : 1, sizeof *batch);
	/* members are sorted by slot: a batch ends where the slot does */
	for (i = 0; i <= p->n; i++) {
		struct fanout_slot *ms = NULL;

		if (i < p->n && pick(&p->m[i]))
			ms = fanout_find(p->fan, p->m[i].slot);
		if (nb > 0 && (i == p->n || (ms != NULL && ms != s) ||
		    nb == max)) {
			if (op != OP_POLL)
				prepare_say(p, "%s: %s on %zu instance(s) "
				    "in %s", prepare_cmd(p), op_names[op], nb,
				    s->name);
			send_call(p, op, s, batch, nb);
			total += nb;
			nb = 0;
		}
		if (ms != NULL) {
			s = ms;
			batch[nb++] = &p->m[i];
		}
	}
	free(batch);
	return total;
}

static int
pick_start(const struct prepare_member *m)
{
	return m->action == FLEET_WAKE_START;
}

static int
pick_tagged(const struct prepare_member *m)
{
	return m->action == FLEET_WAKE_START && m->tagged;
}

static int
pick_start_failed(const struct prepare_member *m)
{
	return m->action == FLEET_WAKE_START && m->tagged && !m->acted;
}

static int
pick_stop(const struct prepare_member *m)
{
	return m->action == FLEET_WAKE_STOP;
}

static int
pick_untag(const struct prepare_member *m)
{
	return (m->action == FLEET_WAKE_STOP && m->acted) ||
	    m->action == FLEET_WAKE_UNTAG;
}

static int
awaited(const struct prepare_member *m)
{
	return ((m->action == FLEET_WAKE_START && m->acted) ||
	    m->action == FLEET_WAKE_WAIT) && !m->online;
}

/* --- waiting for SSM ---------------------------------------------- */

static void poll_round(struct prepare *p);

static void
on_poll_timer(void *arg)
{
	struct prepare *p = arg;

	p->timer = NULL;
	poll_round(p);
}

static int
on_ssm_page(void *arg, struct ssm_instance *v, size_t n)
{
	struct call *c = arg;
	size_t i;

	for (i = 0; i < n; i++) {
		struct prepare_member *m = call_member(c, v[i].id);

		if (m == NULL)
			continue;
		free(m->ping);
		m->ping = xstrdup(v[i].ping_status != NULL ?
		    v[i].ping_status : "");
		if (strcmp(m->ping, "Online") == 0)
			m->online = 1;
	}
	ssm_instances_free(v, n);
	return 0;
}

static void
on_ssm_end(void *arg, const struct aws_error *err)
{
	struct call *c = arg;
	struct prepare *p = c->p;
	size_t i, left = 0, online = 0, total = 0;
	long long now;

	if (err != NULL) {
		/* A failed poll is not the instance's fault: say so and
		 * poll again, until the deadline. */
		char *f = awserr_format(err);

		prepare_say(p, "%s: DescribeInstanceInformation %s: %s",
		    prepare_cmd(p), c->slot->name, f);
		free(f);
	}
	free(c->m);
	free(c->ids);
	free(c);
	if (--p->pending > 0)
		return;
	for (i = 0; i < p->n; i++) {
		const struct prepare_member *m = &p->m[i];

		if ((m->action == FLEET_WAKE_START && m->acted) ||
		    m->action == FLEET_WAKE_WAIT) {
			total++;
			if (m->online)
				online++;
			else
				left++;
		}
	}
	now = util_now_ms();
	p->waited_s = (long)((now - p->wait_start_ms) / 1000);
	prepare_say(p, "%s: %zu of %zu instance(s) Online after %ld s",
	    prepare_cmd(p), online, total, p->waited_s);
	if (left == 0 || now >= p->deadline_ms || p->cancelled) {
		stage_next(p);
		return;
	}
	{
		long delay = p->poll_ms;

		if (now + delay > p->deadline_ms)
			delay = (long)(p->deadline_ms - now);
		p->poll_ms = p->poll_ms * 2 > POLL_MAX_MS ? POLL_MAX_MS :
		    p->poll_ms * 2;
		p->timer = net_timer_add(p->net, delay, on_poll_timer, p);
	}
}

/* DescribeInstanceInformation for every member not Online yet, 50 ids a
 * call (the filter's page size). */
static void
poll_round(struct prepare *p)
{
	/* Replies come from a later net_poll(), never from inside
	 * send_stage; nothing sent (none awaited): the wait is over. */
	if (send_stage(p, OP_POLL, awaited) == 0)
		stage_next(p);
}

/* --- the steps, in order ------------------------------------------ */

static void
run_done(struct prepare *p)
{
	size_t i, late = 0;
	const char *outcome;

	for (i = 0; i < p->n; i++)
		if (awaited(&p->m[i]))
			late++;
	outcome = p->failed ? "partial" : late > 0 ? "not_ready" : "ok";
	prepare_write_result(p, outcome);
	p->stage = ST_DONE;
	if (p->err != NULL) {
		char *e = p->err;

		p->err = NULL;
		prepare_finish_step(p, -1, e);
	} else if (p->failed) {
		prepare_finish_step(p, -1, xasprintf("%s: some calls failed; "
		    "see each instance", prepare_cmd(p)));
	} else if (late > 0) {
		prepare_finish_step(p, PREPARE_NOT_READY, p->cancelled ?
		    xasprintf("%s: %zu instance(s) not Online when the wait "
		    "was cancelled", prepare_cmd(p), late) :
		    xasprintf("%s: %zu instance(s) did not come Online within "
		    "%d s", prepare_cmd(p), late, p->timeout_s));
	} else {
		prepare_finish_step(p, 0, NULL);
	}
}

/* Called when the stage's last call ended: the next stage, skipping empty
 * ones. */
static void
stage_next(struct prepare *p)
{
	for (;;) {
		switch (p->stage) {
		case ST_TAG:
			p->stage = ST_START;
			if (send_stage(p, OP_START, pick_tagged) > 0)
				return;
			continue;
		case ST_START:
			p->stage = ST_RETAG;
			if (send_stage(p, OP_UNTAG, pick_start_failed) > 0)
				return;
			continue;
		case ST_RETAG:
			p->stage = ST_WAIT;
			p->wait_start_ms = util_now_ms();
			p->deadline_ms = p->wait_start_ms +
			    (long long)p->timeout_s * 1000;
			p->poll_ms = POLL_FIRST_MS;
			{
				size_t i, k = 0;

				for (i = 0; i < p->n; i++)
					if (awaited(&p->m[i]))
						k++;
				if (k == 0 || p->cancelled)
					continue;
				prepare_say(p, "%s: waiting for %zu "
				    "instance(s) to come Online (timeout %d s)",
				    prepare_cmd(p), k, p->timeout_s);
			}
			poll_round(p);
			return;
		case ST_STOP:
			p->stage = ST_UNTAG;
			if (send_stage(p, OP_UNTAG, pick_untag) > 0)
				return;
			continue;
		case ST_WAIT:
		case ST_UNTAG:
			run_done(p);
			return;
		default:
			return;
		}
	}
}

/* The first stage of the run, after the intent entry (or none). */
static void
run_first_stage(struct prepare *p)
{
	if (p->undo) {
		p->stage = ST_STOP;
		if (send_stage(p, OP_STOP, pick_stop) == 0)
			stage_next(p);
	} else {
		p->stage = ST_TAG;
		if (send_stage(p, OP_TAG, pick_start) == 0)
			stage_next(p);
	}
}

static void
write_intent(struct prepare *p)
{
	cJSON *e, *arr;
	char *ae = NULL;
	size_t i;

	p->action_id = audit_new_id();
	e = entry_new(p, "intent");
	if (!p->undo)
		cJSON_AddNumberToObject(e, "timeout_s", p->timeout_s);
	arr = cJSON_AddArrayToObject(e, "instances");
	for (i = 0; i < p->n; i++)
		if (fleet_wake_action_changes(p->m[i].action) ||
		    p->m[i].action == FLEET_WAKE_WAIT)
			add_member_json(arr, &p->m[i], 0);
	if (audit_write(p->log, e, &ae) != 0) {
		cJSON_Delete(e);
		free(p->action_id);
		p->action_id = NULL;
		p->stage = ST_DONE;
		prepare_finish_step(p, -1, xasprintf("%s: refused: %s; no "
		    "change is made without an audit record", prepare_cmd(p),
		    ae));
		free(ae);
		return;
	}
	cJSON_Delete(e);
	run_first_stage(p);
}

struct who {
	struct prepare *p;
	size_t slot;
};

static void
on_identity(void *arg, const struct sts_identity *id,
    const struct aws_error *err)
{
	struct who *w = arg;
	struct prepare *p = w->p;

	/* Unknown (STS failed): the audit says null; the EC2 calls of that
	 * account will most likely fail too, and say why. */
	(void)err;
	if (id != NULL && id->arn != NULL)
		p->callers[w->slot] = xstrdup(id->arn);
	free(w);
	if (--p->pending == 0)
		write_intent(p);
}

int
prepare_run(struct prepare *p, prepare_done_fn done, void *arg, char **err)
{
	char *ae = NULL;
	size_t i, k, ns;

	if (p->fan == NULL || p->stage != ST_NONE) {
		util_seterr(err, "%s: list before running", prepare_cmd(p));
		return -1;
	}
	p->done = done;
	p->arg = arg;
	p->failed = 0;
	if (p->nchange == 0) {
		/* Only waiting for instances an earlier prepare started:
		 * no change, no audit entry. */
		run_first_stage(p);
		return 0;
	}
	if (audit_open(&p->log, &ae) != 0) {
		util_seterr(err, "%s: refused: %s; no change is made without "
		    "an audit record", prepare_cmd(p), ae);
		free(ae);
		return -1;
	}
	/* Who we are where we act, for the audit entries. */
	ns = fanout_count(p->fan);
	p->callers = xcalloc(ns ? ns : 1, sizeof *p->callers);
	p->stage = ST_WHO;
	p->pending = 1;		/* held while sending */
	for (i = 0; i < ns; i++) {
		struct fanout_slot *s = fanout_slot(p->fan, i);
		struct aws_client *sts;
		struct who *w;

		for (k = 0; k < p->n; k++)
			if (fleet_wake_action_changes(p->m[k].action) &&
			    strcmp(p->m[k].slot, s->name) == 0)
				break;
		if (k == p->n)
			continue;
		if ((sts = fanout_client(s, "STS", &ae)) == NULL) {
			free(ae);	/* the caller stays unknown (null) */
			ae = NULL;
			continue;
		}
		w = xcalloc(1, sizeof *w);
		w->p = p;
		w->slot = i;
		p->pending++;
		sts_get_caller_identity(sts, on_identity, w);
	}
	if (--p->pending == 0)
		write_intent(p);
	return 0;
}

void
prepare_cancel(struct prepare *p)
{
	if (p->stage == ST_NONE || p->stage == ST_LIST ||
	    p->stage == ST_DONE || p->cancelled)
		return;
	p->cancelled = 1;
	prepare_say(p, "%s: no more waiting (cancelled)", prepare_cmd(p));
	/* Between two polls: end the wait now.  A poll in flight ends it
	 * when it returns; an earlier stage, when it reaches the wait. */
	if (p->stage == ST_WAIT && p->timer != NULL && p->pending == 0) {
		net_timer_cancel(p->net, p->timer);
		p->timer = NULL;
		stage_next(p);
	}
}

int
prepare_cancelled(const struct prepare *p)
{
	return p->cancelled;
}
