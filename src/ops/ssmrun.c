/*
 * ssmrun.c - one SSM Run Command, sent and followed to its end; see
 * ssmrun.h.
 *
 * Phases, each a set of calls in flight counted by `pending`: the sends;
 * then rounds of ListCommandInvocations (every command's pages), each
 * followed by GetCommandInvocation for final outputs that were cut, and,
 * when everything listed is final but the count is not known to be
 * complete, ListCommands.  Between rounds a timer.  finish() hands the end
 * to a zero-delay timer so done runs after the AWS callback returned.
 */
#include "ops/ssmrun.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awserr.h"
#include "aws/net.h"
#include "aws/ssm.h"
#include "util/util.h"

#define BAD_ROUNDS_MAX 5

struct run_cmd {
	struct ssmrun *r;
	char *id;		/* NULL until SendCommand answered */
	size_t first, n;	/* ids[first..first+n) when sent by ids */
	int ended;		/* ListCommands says the command is over */
};

struct ssmrun {
	struct net *net;
	struct aws_client *ssm;
	struct ssmrun_opts o;
	char **own;		/* the copied option strings */
	size_t nown;
	cJSON *params;
	ssmrun_progress_fn progress;
	ssmrun_done_fn done;
	void *arg;

	struct run_cmd *cmds;
	size_t ncmds;
	char **cmd_ids;		/* for ssmrun_command_ids */
	size_t ncmd_ids;

	struct ssmrun_result *res;
	size_t nres, capres;
	unsigned char *fetched;	/* res[i] was read whole (Get) */
	size_t *ht;		/* open addressing: index + 1, 0 empty */
	size_t htcap;
	size_t nexpected;

	struct ssmrun_progress prog;
	size_t pending;
	int round_failed;
	int bad_rounds;
	char *round_err;
	char *send_err;
	long long start_ms;
	struct net_timer *timer;
	char *err;
	int finished;
};

static const char *const final_states[] = {
	"Success", "Failed", "TimedOut", "Cancelled", "Undeliverable",
	"Terminated", "DeliveryTimedOut", "ExecutionTimedOut",
	"InvalidPlatform", "AccessDenied", NULL
};

int
ssmrun_status_final(const char *status)
{
	size_t i;

	for (i = 0; status != NULL && final_states[i] != NULL; i++)
		if (strcmp(status, final_states[i]) == 0)
			return 1;
	return 0;
}

static const char *
keep(struct ssmrun *r, const char *s)
{
	if (s == NULL)
		return NULL;
	r->own = xreallocarray(r->own, r->nown + 1, sizeof *r->own);
	return r->own[r->nown++] = xstrdup(s);
}

/* ---- results by instance id ---- */

static size_t
hash(const char *s)
{
	size_t h = 14695981039346656037u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211u;
	return h;
}

static void
ht_put(struct ssmrun *r, size_t idx)
{
	size_t i = hash(r->res[idx].instance_id) & (r->htcap - 1);

	while (r->ht[i] != 0)
		i = (i + 1) & (r->htcap - 1);
	r->ht[i] = idx + 1;
}

static struct ssmrun_result *
find_or_add(struct ssmrun *r, const char *id)
{
	size_t i, k;

	if (r->htcap > 0) {
		for (i = hash(id) & (r->htcap - 1); r->ht[i] != 0;
		    i = (i + 1) & (r->htcap - 1))
			if (strcmp(r->res[r->ht[i] - 1].instance_id, id) == 0)
				return &r->res[r->ht[i] - 1];
	}
	if (r->nres == r->capres) {
		r->capres = r->capres ? r->capres * 2 : 64;
		r->res = xreallocarray(r->res, r->capres, sizeof *r->res);
		r->fetched = xrealloc(r->fetched, r->capres);
	}
	if ((r->nres + 1) * 2 > r->htcap) {
		free(r->ht);
		r->htcap = r->htcap ? r->htcap * 2 : 128;
		while (r->htcap < (r->nres + 1) * 2)
			r->htcap *= 2;
		r->ht = xcalloc(r->htcap, sizeof *r->ht);
		for (k = 0; k < r->nres; k++)
			ht_put(r, k);
	}
	k = r->nres++;
	memset(&r->res[k], 0, sizeof r->res[k]);
	r->fetched[k] = 0;
	r->res[k].instance_id = xstrdup(id);
	r->res[k].command_id = xstrdup("");
	r->res[k].status = xstrdup("");
	r->res[k].status_details = xstrdup("");
	r->res[k].output = xstrdup("");
	r->res[k].response_code = -1;
	ht_put(r, k);
	return &r->res[k];
}

static void
set_str(char **dst, const char *v)
{
	if (strcmp(*dst, v != NULL ? v : "") == 0)
		return;
	free(*dst);
	*dst = xstrdup(v != NULL ? v : "");
}

static void
count_final(struct ssmrun *r)
{
	size_t i, listed = 0, fin = 0;

	for (i = 0; i < r->nres; i++) {
		if (*r->res[i].status != '\0')
			listed++;
		if (r->res[i].final)
			fin++;
	}
	r->prog.listed = listed;
	r->prog.final = fin;
	r->prog.expected = r->nexpected;
}

static void
report(struct ssmrun *r)
{
	count_final(r);
	if (r->progress != NULL)
		r->progress(r->arg, &r->prog);
}

/* ---- the end ---- */

static void
finish_timer(void *arg)
{
	struct ssmrun *r = arg;

	r->timer = NULL;
	r->finished = 1;
	count_final(r);
	r->done(r->arg, r->err != NULL ? -1 : 0, r->err);
}

static void
finish(struct ssmrun *r, const char *err)
{
	if (err != NULL && r->err == NULL)
		r->err = xstrdup(err);
	else if (r->err == NULL && r->send_err != NULL)
		r->err = xstrdup(r->send_err);
	r->timer = net_timer_add(r->net, 0, finish_timer, r);
}

/* ---- rounds ---- */

static void round_start(void *arg);
static void check_done(struct ssmrun *r);

static void
next_round(struct ssmrun *r)
{
	r->timer = net_timer_add(r->net, r->o.poll_ms, round_start, r);
}

static int
not_yet(const struct aws_error *err)
{
	return err->code != NULL && (strcmp(err->code, "InvalidCommandId") ==
	    0 || strcmp(err->code, "InvocationDoesNotExist") == 0);
}

static int
lci_page(void *arg, const struct ssm_invocation *v, size_t n)
{
	struct ssmrun *r = arg;
	struct ssmrun_result *x;
	size_t i;

	r->prog.list_pages++;
	for (i = 0; i < n; i++) {
		if (v[i].instance_id == NULL || *v[i].instance_id == '\0')
			continue;
		x = find_or_add(r, v[i].instance_id);
		if (x->final)
			continue;	/* a final status does not change */
		set_str(&x->command_id, v[i].command_id);
		set_str(&x->status, v[i].status);
		set_str(&x->status_details, v[i].status_details);
		set_str(&x->output, v[i].output);
		x->response_code = v[i].response_code;
		x->final = ssmrun_status_final(v[i].status) ||
		    ssmrun_status_final(v[i].status_details);
		if (x->final)
			x->seen_ms = util_now_ms();
	}
	report(r);
	return 0;
}

static void
call_ended(struct ssmrun *r, const struct aws_error *err)
{
	if (err != NULL && !not_yet(err)) {
		r->round_failed = 1;
		free(r->round_err);
		r->round_err = awserr_format(err);
	}
}

static void get_phase(struct ssmrun *r);

static void
lci_end(void *arg, const struct aws_error *err)
{
	struct ssmrun *r = arg;

	call_ended(r, err);
	if (--r->pending > 0)
		return;
	r->prog.rounds++;
	if (r->round_failed) {
		if (++r->bad_rounds >= BAD_ROUNDS_MAX) {
			char *m = xasprintf("ListCommandInvocations failed %d "
			    "times in a row: %s", BAD_ROUNDS_MAX, r->round_err);

			finish(r, m);
			free(m);
			return;
		}
	} else
		r->bad_rounds = 0;
	report(r);
	get_phase(r);
}

static void
round_start(void *arg)
{
	struct ssmrun *r = arg;
	size_t i, left = 0;

	r->timer = NULL;
	r->round_failed = 0;
	/* Few left: ask for each of them (one call each) rather than page
	 * through every invocation again.  Only when the instances are the
	 * ones expected, each with its command known. */
	for (i = 0; i < r->nexpected; i++)
		if (!r->res[i].final)
			left++;
	if (r->nexpected > 0 && r->nres == r->nexpected && r->prog.rounds > 0 &&
	    left < (r->nres + SSM_MAX_IDS_PER_COMMAND - 1) /
	    SSM_MAX_IDS_PER_COMMAND) {
		for (i = 0; i < r->nexpected; i++) {
			if (r->res[i].final || *r->res[i].command_id == '\0')
				continue;
			r->pending++;
			ssm_list_command_invocations(r->ssm,
			    r->res[i].command_id, r->res[i].instance_id, 1,
			    lci_page, lci_end, r);
		}
		if (r->pending > 0)
			return;
	}
	for (i = 0; i < r->ncmds; i++) {
		if (r->cmds[i].id == NULL)
			continue;
		r->pending++;
		ssm_list_command_invocations(r->ssm, r->cmds[i].id, NULL, 1,
		    lci_page, lci_end, r);
	}
	if (r->pending == 0)
		finish(r, r->send_err != NULL ? r->send_err :
		    "no command was sent");
}

/* GetCommandInvocation for final outputs the list cut short. */
static void
gci_done(void *arg, const struct ssm_invocation *v,
    const struct aws_error *err)
{
	struct ssmrun *r = arg;
	struct ssmrun_result *x;

	if (v != NULL && v->instance_id != NULL) {
		x = find_or_add(r, v->instance_id);
		if (v->output != NULL && strlen(v->output) > strlen(x->output))
			set_str(&x->output, v->output);
	}
	(void)err;	/* the listed, cut output stays */
	if (--r->pending == 0)
		check_done(r);
}

static void
get_phase(struct ssmrun *r)
{
	size_t i;

	for (i = 0; i < r->nres; i++) {
		struct ssmrun_result *x = &r->res[i];

		if (!x->final || r->fetched[i] ||
		    strlen(x->output) < SSMRUN_LISTED_OUTPUT_LIMIT)
			continue;
		r->fetched[i] = 1;
		r->pending++;
		r->prog.get_calls++;
		ssm_get_command_invocation(r->ssm, x->command_id,
		    x->instance_id, NULL, gci_done, r);
	}
	if (r->pending == 0)
		check_done(r);
}

static int
command_over(const char *status)
{
	return status != NULL && (strcmp(status, "Success") == 0 ||
	    strcmp(status, "Failed") == 0 || strcmp(status, "TimedOut") == 0 ||
	    strcmp(status, "Cancelled") == 0);
}

static int
lc_page(void *arg, const struct ssm_command *v, size_t n)
{
	struct ssmrun *r = arg;
	size_t i, k;

	for (i = 0; i < n; i++)
		for (k = 0; k < r->ncmds; k++)
			if (r->cmds[k].id != NULL && v[i].id != NULL &&
			    strcmp(r->cmds[k].id, v[i].id) == 0 &&
			    command_over(v[i].status))
				r->cmds[k].ended = 1;
	return 0;
}

/* Every command has ended: what was expected and never listed was not
 * targeted. */
static void
all_ended(struct ssmrun *r)
{
	size_t i;

	for (i = 0; i < r->nres; i++)
		if (!r->res[i].final && *r->res[i].status == '\0')
			set_str(&r->res[i].status_details, "NotTargeted");
	finish(r, NULL);
}

static void
lc_end(void *arg, const struct aws_error *err)
{
	struct ssmrun *r = arg;
	size_t i;

	call_ended(r, err);
	if (--r->pending > 0)
		return;
	for (i = 0; i < r->ncmds; i++)
		if (r->cmds[i].id != NULL && !r->cmds[i].ended) {
			next_round(r);
			return;
		}
	all_ended(r);
}

static void
check_done(struct ssmrun *r)
{
	size_t i, listed = 0;
	int all_final = 1, expected_final = 1;

	count_final(r);
	if (r->o.deadline_ms > 0 &&
	    util_now_ms() - r->start_ms >= r->o.deadline_ms) {
		finish(r, NULL);
		return;
	}
	for (i = 0; i < r->nres; i++) {
		const struct ssmrun_result *x = &r->res[i];

		if (*x->status != '\0')
			listed++;
		if (*x->status != '\0' && !x->final)
			all_final = 0;
		if (i < r->nexpected && !x->final)
			expected_final = 0;
	}
	if (!all_final) {
		next_round(r);
		return;
	}
	if (r->nexpected > 0 && expected_final) {
		finish(r, NULL);
		return;
	}
	/* Everything listed is final, yet some expected are not listed (or
	 * nothing says how many to expect): has the command ended?  Not in
	 * the first round: SSM may not list anything yet. */
	if (listed == 0 && r->prog.rounds < 2) {
		next_round(r);
		return;
	}
	for (i = 0; i < r->ncmds; i++) {
		if (r->cmds[i].id == NULL || r->cmds[i].ended)
			continue;
		r->pending++;
		r->prog.status_calls++;
		ssm_list_commands(r->ssm, r->cmds[i].id, lc_page, lc_end, r);
	}
	if (r->pending == 0)
		all_ended(r);
}

/* ---- sending ---- */

static void
sent(void *arg, const struct ssm_command *cmd, const struct aws_error *err)
{
	struct run_cmd *c = arg;
	struct ssmrun *r = c->r;
	size_t i;

	r->prog.send_calls++;
	if (cmd != NULL && cmd->id != NULL && *cmd->id) {
		c->id = xstrdup(cmd->id);
		r->cmd_ids = xreallocarray(r->cmd_ids, r->ncmd_ids + 1,
		    sizeof *r->cmd_ids);
		r->cmd_ids[r->ncmd_ids++] = c->id;
		/* Each expected instance's command, for asking after it
		 * alone (round_start). */
		if (r->o.target_key != NULL)
			for (i = 0; i < r->nexpected; i++)
				set_str(&r->res[i].command_id, c->id);
		else
			for (i = c->first; i < c->first + c->n; i++)
				set_str(&find_or_add(r,
				    r->o.ids[i])->command_id, c->id);
	} else {
		char *m = err != NULL ? awserr_format(err) :
		    xstrdup("no command id in the reply");

		for (i = c->first; i < c->first + c->n; i++)
			set_str(&find_or_add(r, r->o.ids[i])->status_details,
			    "NotSent");
		if (r->send_err == NULL)
			r->send_err = xasprintf("SendCommand %s: %s",
			    r->o.document, m);
		free(m);
	}
	if (--r->pending > 0)
		return;
	report(r);
	if (r->ncmd_ids == 0) {
		finish(r, r->send_err);
		return;
	}
	r->timer = net_timer_add(r->net, r->o.first_poll_ms, round_start, r);
}

struct ssmrun *
ssmrun_start(struct net *net, struct aws_client *ssm,
    const struct ssmrun_opts *o, ssmrun_progress_fn progress,
    ssmrun_done_fn done, void *arg, char **err)
{
	struct ssmrun *r;
	struct ssm_send s;
	size_t i;
	const char **ids;

	if (o->document == NULL || *o->document == '\0') {
		util_seterr(err, "no SSM document to send");
		return NULL;
	}
	if (o->target_key == NULL && o->nids == 0) {
		util_seterr(err, "%s: no instances and no target",
		    o->document);
		return NULL;
	}
	r = xcalloc(1, sizeof *r);
	r->net = net;
	r->ssm = ssm;
	r->progress = progress;
	r->done = done;
	r->arg = arg;
	r->o = *o;
	r->o.document = keep(r, o->document);
	r->o.document_version = keep(r, o->document_version);
	r->o.target_key = keep(r, o->target_key);
	r->o.target_value = keep(r, o->target_value);
	r->o.max_concurrency = keep(r, o->max_concurrency != NULL ?
	    o->max_concurrency : "100%");
	r->o.max_errors = keep(r, o->max_errors != NULL ? o->max_errors :
	    "100%");
	r->o.comment = keep(r, o->comment);
	r->o.output_bucket = keep(r, o->output_bucket);
	r->o.output_prefix = keep(r, o->output_prefix);
	r->o.parameters = r->params = o->parameters != NULL ?
	    cJSON_Duplicate(o->parameters, 1) : NULL;
	if (r->o.first_poll_ms <= 0)
		r->o.first_poll_ms = 1000;
	if (r->o.poll_ms <= 0)
		r->o.poll_ms = 2000;
	ids = xcalloc(o->nids ? o->nids : 1, sizeof *ids);
	for (i = 0; i < o->nids; i++)
		ids[i] = find_or_add(r, o->ids[i])->instance_id;
	/* A repeated id is expected once. */
	r->nexpected = r->nres;
	r->o.ids = ids;
	r->o.nids = o->nids;
	r->start_ms = util_now_ms();

	r->ncmds = o->target_key != NULL ? 1 :
	    (o->nids + SSM_MAX_IDS_PER_COMMAND - 1) / SSM_MAX_IDS_PER_COMMAND;
	r->cmds = xcalloc(r->ncmds, sizeof *r->cmds);
	for (i = 0; i < r->ncmds; i++) {
		struct run_cmd *c = &r->cmds[i];

		c->r = r;
		memset(&s, 0, sizeof s);
		s.document = r->o.document;
		s.document_version = r->o.document_version;
		s.parameters = r->params;
		s.max_concurrency = r->o.max_concurrency;
		s.max_errors = r->o.max_errors;
		s.timeout_seconds = r->o.timeout_seconds;
		s.comment = r->o.comment;
		s.output_bucket = r->o.output_bucket;
		s.output_prefix = r->o.output_prefix;
		if (o->target_key != NULL) {
			s.target_key = r->o.target_key;
			s.target_values = &r->o.target_value;
			s.ntarget_values = 1;
		} else {
			c->first = i * SSM_MAX_IDS_PER_COMMAND;
			c->n = o->nids - c->first;
			if (c->n > SSM_MAX_IDS_PER_COMMAND)
				c->n = SSM_MAX_IDS_PER_COMMAND;
			s.ids = ids + c->first;
			s.nids = c->n;
		}
		r->pending++;
		ssm_send_command(ssm, &s, sent, c);
	}
	return r;
}

const struct ssmrun_result *
ssmrun_results(const struct ssmrun *r, size_t *n)
{
	*n = r->nres;
	return r->res;
}

const struct ssmrun_progress *
ssmrun_progress(const struct ssmrun *r)
{
	return &r->prog;
}

const char *const *
ssmrun_command_ids(const struct ssmrun *r, size_t *n)
{
	*n = r->ncmd_ids;
	return (const char *const *)r->cmd_ids;
}

int
ssmrun_finished(const struct ssmrun *r)
{
	return r->finished;
}

void
ssmrun_free(struct ssmrun *r)
{
	size_t i;

	if (r == NULL)
		return;
	/* No timer to cancel: after done there is none, and an abandoned
	 * run's net was freed first (ssmrun.h), which dropped it. */
	for (i = 0; i < r->nres; i++) {
		free(r->res[i].instance_id);
		free(r->res[i].command_id);
		free(r->res[i].status);
		free(r->res[i].status_details);
		free(r->res[i].output);
	}
	free(r->res);
	free(r->fetched);
	free(r->ht);
	for (i = 0; i < r->ncmds; i++)
		free(r->cmds[i].id);
	free(r->cmds);
	free(r->cmd_ids);
	for (i = 0; i < r->nown; i++)
		free(r->own[i]);
	free(r->own);
	free((void *)r->o.ids);
	cJSON_Delete(r->params);
	free(r->round_err);
	free(r->send_err);
	free(r->err);
	free(r);
}
