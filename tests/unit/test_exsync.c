/*
 * test_exsync.c - the exception sync plan (exsync_plan_build): live,
 * upcoming, expired, unapproved, rejected and revoked records, several
 * records per instance, malformed tags, grouping by value, idempotence
 * (planning on the result of a plan gives an empty plan), the alert text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/exsync.h"
#include "util/util.h"

#define KEY "PatchException"
#define MAXI 16
#define MAXR 16

static const struct fleet_date today = { 2026, 11, 26 };

struct world {
	struct fleet_instance inst[MAXI];
	const struct fleet_instance *ptr[MAXI];
	const char *tgt[MAXI];
	size_t n;
	struct fleet_exception rec[MAXR];
	size_t nrec;
};

static void
w_init(struct world *w)
{
	memset(w, 0, sizeof *w);
}

/* An instance with tags "K=V" (NULL-terminated list). */
static struct fleet_instance *
w_inst(struct world *w, const char *id, const char *region, ...)
{
	struct fleet_instance *in = &w->inst[w->n];
	va_list ap;
	const char *kv;

	memset(in, 0, sizeof *in);
	in->id = xstrdup(id);
	in->account = xstrdup("111122223333");
	in->region = xstrdup(region);
	in->name = xasprintf("name-%s", id);
	in->state = xstrdup("running");
	va_start(ap, region);
	while ((kv = va_arg(ap, const char *)) != NULL) {
		const char *eq = strchr(kv, '=');

		in->tags = xreallocarray(in->tags, in->ntags + 1,
		    sizeof *in->tags);
		in->tags[in->ntags].key = xstrndup(kv, (size_t)(eq - kv));
		in->tags[in->ntags].value = xstrdup(eq + 1);
		in->ntags++;
	}
	va_end(ap);
	w->ptr[w->n] = in;
	w->tgt[w->n] = "prod";
	w->n++;
	return in;
}

static void
w_rec(struct world *w, const char *id, const char *xid, const char *starts,
    const char *ends, const char *status)
{
	struct fleet_exception *e = &w->rec[w->nrec++];

	memset(e, 0, sizeof *e);
	e->instance_id = xstrdup(id);
	e->exception_id = xstrdup(xid);
	e->starts = xstrdup(starts);
	e->ends = xstrdup(ends);
	e->status = xstrdup(status);
	e->requested_by = xstrdup("arn:aws:iam::111122223333:user/alice");
	if (strcmp(status, "PENDING") != 0)
		e->decided_by = xstrdup("arn:aws:iam::111122223333:user/bob");
}

/* The last record's requester and decider (NULL: absent). */
static void
w_by(struct world *w, const char *requested_by, const char *decided_by)
{
	struct fleet_exception *e = &w->rec[w->nrec - 1];

	free(e->requested_by);
	free(e->decided_by);
	e->requested_by = requested_by ? xstrdup(requested_by) : NULL;
	e->decided_by = decided_by ? xstrdup(decided_by) : NULL;
}

static void
w_free(struct world *w)
{
	size_t k;

	for (k = 0; k < w->n; k++) {
		/* Plain allocations (no block): done frees them. */
		fleet_instance_done(&w->inst[k]);
	}
	for (k = 0; k < w->nrec; k++)
		fleet_exception_done(&w->rec[k]);
}

static void
plan(struct world *w, struct exsync_plan *p, size_t max_ids)
{
	exsync_plan_build(w->rec, w->nrec, w->ptr, w->tgt, w->n, today, 90,
	    KEY, max_ids, p);
}

static const struct exsync_change *
change_of(const struct exsync_plan *p, const char *id)
{
	size_t k;

	for (k = 0; k < p->nchanges; k++)
		if (strcmp(p->changes[k].inst->id, id) == 0)
			return &p->changes[k];
	return NULL;
}

/* Applies the plan's calls to the world's tags, as EC2 would. */
static void
apply(struct world *w, const struct exsync_plan *p)
{
	size_t c, j, k, t;

	for (c = 0; c < p->calls.ncalls; c++) {
		const struct tagging_call *call = &p->calls.calls[c];

		for (j = 0; j < call->nids; j++) {
			for (k = 0; k < w->n; k++) {
				struct fleet_instance *in = &w->inst[k];
				int found = 0;

				/* id NULL: a slot holding a repeated
				 * pointer (grouped_by_value). */
				if (in->id == NULL ||
				    strcmp(in->id, call->ids[j]) != 0)
					continue;
				for (t = 0; t < in->ntags; t++) {
					if (strcmp(in->tags[t].key, KEY) != 0)
						continue;
					found = 1;
					if (call->op == TAGGING_CREATE) {
						free(in->tags[t].value);
						in->tags[t].value =
						    xstrdup(call->value);
					} else {
						free(in->tags[t].key);
						free(in->tags[t].value);
						in->tags[t] =
						    in->tags[--in->ntags];
					}
					break;
				}
				if (!found && call->op == TAGGING_CREATE) {
					in->tags = xreallocarray(in->tags,
					    in->ntags + 1, sizeof *in->tags);
					in->tags[in->ntags].key = xstrdup(KEY);
					in->tags[in->ntags].value =
					    xstrdup(call->value);
					in->ntags++;
				}
			}
		}
	}
}

static void
assert_idempotent(struct world *w, struct exsync_plan *p)
{
	struct exsync_plan q;

	apply(w, p);
	plan(w, &q, 0);
	assert_int_equal(q.nchanges, 0);
	assert_int_equal(q.calls.ncalls, 0);
	assert_int_equal(q.nunapproved, 0);
	exsync_plan_free(&q);
}

static void
live_set_and_kept(void **state)
{
	struct world w;
	struct exsync_plan p;
	const struct exsync_change *c;

	(void)state;
	w_init(&w);
	w_inst(&w, "i-1", "us-east-1", NULL);
	w_inst(&w, "i-2", "us-east-1", KEY "=2026-11-01..2026-11-30", NULL);
	w_rec(&w, "i-1", "x1", "2026-11-20", "2026-12-05", "APPROVED");
	w_rec(&w, "i-2", "x2", "2026-11-01", "2026-11-30", "APPROVED");
	plan(&w, &p, 0);
	assert_int_equal(p.nlive, 2);
	assert_int_equal(p.nchanges, 1);
	assert_int_equal(p.nset, 1);
	c = change_of(&p, "i-1");
	assert_non_null(c);
	assert_int_equal(c->kind, EXSYNC_SET);
	assert_string_equal(c->value, "2026-11-20..2026-12-05");
	assert_null(c->old_value);
	assert_int_equal(c->unapproved, 0);
	assert_int_equal(p.calls.ncalls, 1);
	assert_int_equal(p.calls.calls[0].op, TAGGING_CREATE);
	assert_string_equal(p.calls.calls[0].key, KEY);
	assert_string_equal(p.calls.calls[0].value, "2026-11-20..2026-12-05");
	assert_idempotent(&w, &p);
	exsync_plan_free(&p);
	w_free(&w);
}

static void
upcoming_and_expired_removed_quietly(void **state)
{
	struct world w;
	struct exsync_plan p;
	const struct exsync_change *c;

	(void)state;
	w_init(&w);
	/* Expired approval, tag still on: removed, no alert. */
	w_inst(&w, "i-exp", "us-east-1", KEY "=2026-10-01..2026-10-31", NULL);
	w_rec(&w, "i-exp", "x1", "2026-10-01", "2026-10-31", "APPROVED");
	/* Upcoming approval: no tag yet, none set. */
	w_inst(&w, "i-up", "us-east-1", NULL);
	w_rec(&w, "i-up", "x2", "2026-12-01", "2026-12-10", "APPROVED");
	/* Upcoming approval, tag put early by hand (covered): removed, no
	 * alert. */
	w_inst(&w, "i-up2", "us-east-1", KEY "=2026-12-02..2026-12-03", NULL);
	w_rec(&w, "i-up2", "x3", "2026-12-01", "2026-12-10", "APPROVED");
	plan(&w, &p, 0);
	assert_int_equal(p.nlive, 0);
	assert_int_equal(p.nchanges, 2);
	assert_int_equal(p.nremove, 2);
	assert_int_equal(p.nunapproved, 0);
	c = change_of(&p, "i-exp");
	assert_int_equal(c->kind, EXSYNC_REMOVE);
	assert_string_equal(c->value, "");
	assert_null(change_of(&p, "i-up"));
	assert_int_equal(p.calls.ncalls, 1);
	assert_int_equal(p.calls.calls[0].op, TAGGING_DELETE);
	assert_int_equal(p.calls.calls[0].nids, 2);
	assert_idempotent(&w, &p);
	exsync_plan_free(&p);
	w_free(&w);
}

static void
unapproved_rejected_revoked(void **state)
{
	struct world w;
	struct exsync_plan p;
	char *subject = NULL, *body = NULL;

	(void)state;
	w_init(&w);
	/* No record at all. */
	w_inst(&w, "i-none", "us-east-1", KEY "=2026-11-01..2026-12-31",
	    "Owner=team-a", NULL);
	/* Only a rejected (and a pending) record for that range. */
	w_inst(&w, "i-rej", "us-east-1", KEY "=2026-11-01..2026-12-31", NULL);
	w_rec(&w, "i-rej", "x1", "2026-11-01", "2026-12-31", "REJECTED");
	w_rec(&w, "i-rej", "x2", "2026-11-01", "2026-12-31", "PENDING");
	/* Revoked: removed, no alert (an approver took it back). */
	w_inst(&w, "i-rev", "us-east-1", KEY "=2026-11-01..2026-12-31", NULL);
	w_rec(&w, "i-rev", "x3", "2026-11-01", "2026-12-31", "REVOKED");
	/* Approved for another instance only: still unapproved here. */
	w_inst(&w, "i-other", "us-east-1", KEY "=2026-11-01..2026-11-30",
	    NULL);
	w_rec(&w, "i-someone", "x4", "2026-11-01", "2026-11-30", "APPROVED");
	/* Lower-case status is not APPROVED. */
	w_inst(&w, "i-lc", "us-east-1", KEY "=2026-11-01..2026-11-30", NULL);
	w_rec(&w, "i-lc", "x5", "2026-11-01", "2026-11-30", "approved");
	plan(&w, &p, 0);
	assert_int_equal(p.nremove, 5);
	assert_int_equal(p.nunapproved, 4);
	assert_int_equal(change_of(&p, "i-none")->unapproved, 1);
	assert_int_equal(change_of(&p, "i-rej")->unapproved, 1);
	assert_int_equal(change_of(&p, "i-rev")->unapproved, 0);
	assert_int_equal(change_of(&p, "i-other")->unapproved, 1);
	assert_int_equal(change_of(&p, "i-lc")->unapproved, 1);
	assert_int_equal(p.norphan_records, 1);
	/* One DeleteTags for the five. */
	assert_int_equal(p.calls.ncalls, 1);
	assert_int_equal(p.calls.calls[0].nids, 5);

	assert_int_equal(exsync_alert_text(&p, KEY, "Owner", &subject, &body),
	    0);
	/* The lower-case status is an invalid record, said too. */
	assert_int_equal(p.ninvalid, 1);
	assert_string_equal(subject, "patchdeck: 4 unapproved patch exception "
	    "tags, 1 invalid record");
	assert_true(strlen(subject) < 100);
	assert_non_null(strstr(body, "i-none  name=name-i-none  "
	    "account=111122223333  region=us-east-1  "
	    KEY "=2026-11-01..2026-12-31  Owner=team-a  -> removed\n"));
	assert_non_null(strstr(body, "i-rej  "));
	assert_null(strstr(body, "i-rev  "));
	assert_non_null(strstr(body, "Owner=(none)"));
	free(subject);
	free(body);
	assert_idempotent(&w, &p);
	exsync_plan_free(&p);
	w_free(&w);
}

static void
several_records_ending_last_wins(void **state)
{
	struct world w;
	struct exsync_plan p;
	const struct exsync_change *c;

	(void)state;
	w_init(&w);
	/* Tag of an older live record: covered (no alert), changed to the
	 * record ending last. */
	w_inst(&w, "i-1", "us-east-1", KEY "=2026-11-01..2026-11-28", NULL);
	w_rec(&w, "i-1", "x1", "2026-11-01", "2026-11-28", "APPROVED");
	w_rec(&w, "i-1", "x2", "2026-11-20", "2026-12-15", "APPROVED");
	w_rec(&w, "i-1", "x3", "2026-11-25", "2027-01-15", "REJECTED");
	w_rec(&w, "i-1", "x4", "2026-11-26", "2026-11-26", "APPROVED");
	/* Equal ends: the one starting first. */
	w_inst(&w, "i-2", "us-east-1", NULL);
	w_rec(&w, "i-2", "y2", "2026-11-20", "2026-12-01", "APPROVED");
	w_rec(&w, "i-2", "y1", "2026-11-10", "2026-12-01", "APPROVED");
	/* A widened tag on an instance with a live record: unapproved,
	 * changed to the approved range. */
	w_inst(&w, "i-3", "us-east-1", KEY "=2026-11-01..2027-12-31", NULL);
	w_rec(&w, "i-3", "z1", "2026-11-01", "2026-11-30", "APPROVED");
	plan(&w, &p, 0);
	c = change_of(&p, "i-1");
	assert_int_equal(c->kind, EXSYNC_CHANGE);
	assert_string_equal(c->value, "2026-11-20..2026-12-15");
	assert_string_equal(c->record->exception_id, "x2");
	assert_int_equal(c->unapproved, 0);
	c = change_of(&p, "i-2");
	assert_string_equal(c->value, "2026-11-10..2026-12-01");
	c = change_of(&p, "i-3");
	assert_int_equal(c->kind, EXSYNC_CHANGE);
	assert_int_equal(c->unapproved, 1);
	assert_string_equal(c->value, "2026-11-01..2026-11-30");
	assert_int_equal(p.nset, 1);
	assert_int_equal(p.nchange, 2);
	assert_idempotent(&w, &p);
	exsync_plan_free(&p);
	w_free(&w);
}

static void
malformed_tags_and_records(void **state)
{
	struct world w;
	struct exsync_plan p;
	const struct exsync_change *c;

	(void)state;
	w_init(&w);
	w_inst(&w, "i-forever", "us-east-1", KEY "=forever", NULL);
	w_inst(&w, "i-empty", "us-east-1", KEY "=", NULL);
	w_inst(&w, "i-feb30", "us-east-1", KEY "=2026-02-30..2026-12-01",
	    NULL);
	/* A malformed tag on an instance with a live record: replaced. */
	w_inst(&w, "i-live", "us-east-1", KEY "=2026-11-01..2026-11-30 ",
	    NULL);
	w_rec(&w, "i-live", "x1", "2026-11-01", "2026-11-30", "APPROVED");
	/* A record with bad dates is never live. */
	w_inst(&w, "i-bad", "us-east-1", NULL);
	w_rec(&w, "i-bad", "x2", "2026-12-01", "2026-11-01", "APPROVED");
	w_rec(&w, "i-bad", "x3", "yesterday", "2026-12-01", "APPROVED");
	plan(&w, &p, 0);
	assert_int_equal(change_of(&p, "i-forever")->unapproved, 1);
	assert_int_equal(change_of(&p, "i-empty")->unapproved, 1);
	assert_int_equal(change_of(&p, "i-feb30")->unapproved, 1);
	c = change_of(&p, "i-live");
	assert_int_equal(c->kind, EXSYNC_CHANGE);
	assert_int_equal(c->unapproved, 1);
	assert_string_equal(c->value, "2026-11-01..2026-11-30");
	assert_null(change_of(&p, "i-bad"));
	assert_int_equal(p.nunapproved, 4);
	assert_idempotent(&w, &p);
	exsync_plan_free(&p);
	w_free(&w);
}

static void
grouped_by_value(void **state)
{
	struct world w;
	struct exsync_plan p;
	size_t k, creates = 0, deletes = 0;

	(void)state;
	w_init(&w);
	w_inst(&w, "i-a1", "us-east-1", NULL);
	w_inst(&w, "i-b1", "us-east-1", NULL);
	w_inst(&w, "i-a2", "us-east-1", KEY "=2020-01-01..2020-01-02", NULL);
	w_inst(&w, "i-a3", "eu-west-1", NULL);
	w_inst(&w, "i-a4", "us-east-1", NULL);
	w_inst(&w, "i-r1", "us-east-1", KEY "=2020-01-01..2020-01-02", NULL);
	w_inst(&w, "i-r2", "eu-west-1", KEY "=2020-01-01..2020-01-02", NULL);
	w_rec(&w, "i-a1", "1", "2026-11-01", "2026-11-30", "APPROVED");
	w_rec(&w, "i-a2", "1", "2026-11-01", "2026-11-30", "APPROVED");
	w_rec(&w, "i-a3", "1", "2026-11-01", "2026-11-30", "APPROVED");
	w_rec(&w, "i-a4", "1", "2026-11-01", "2026-11-30", "APPROVED");
	w_rec(&w, "i-b1", "1", "2026-11-02", "2026-11-30", "APPROVED");
	w_rec(&w, "i-r1", "1", "2020-01-01", "2020-01-02", "APPROVED");
	w_rec(&w, "i-r2", "1", "2020-01-01", "2020-01-02", "APPROVED");
	/* The same instance twice (synced under two targets): once. */
	w.ptr[w.n] = w.ptr[0];
	w.tgt[w.n] = "prod";
	w.n++;
	plan(&w, &p, 0);
	assert_int_equal(p.nchanges, 7);
	assert_int_equal(p.calls.ninstances, 7);
	for (k = 0; k < p.calls.ncalls; k++) {
		if (p.calls.calls[k].op == TAGGING_CREATE)
			creates++;
		else
			deletes++;
	}
	/* us-east-1 x 2 values, eu-west-1 x 1 value; one delete per region. */
	assert_int_equal(creates, 3);
	assert_int_equal(deletes, 2);
	/* Calls by target, region, then value, then the removal. */
	assert_string_equal(p.calls.calls[0].region, "eu-west-1");
	assert_int_equal(p.calls.calls[1].op, TAGGING_DELETE);
	assert_string_equal(p.calls.calls[2].region, "us-east-1");
	assert_string_equal(p.calls.calls[2].value, "2026-11-01..2026-11-30");
	assert_int_equal(p.calls.calls[2].nids, 3);
	assert_string_equal(p.calls.calls[2].ids[0], "i-a1");
	assert_string_equal(p.calls.calls[2].ids[2], "i-a4");
	assert_string_equal(p.calls.calls[3].value, "2026-11-02..2026-11-30");
	assert_int_equal(p.calls.calls[4].op, TAGGING_DELETE);
	exsync_plan_free(&p);
	/* Chunked at max_ids. */
	plan(&w, &p, 2);
	assert_int_equal(p.calls.ncalls, 6);
	assert_idempotent(&w, &p);
	exsync_plan_free(&p);
	w_free(&w);
}

static void
terminated_and_empty(void **state)
{
	struct world w;
	struct exsync_plan p;
	struct fleet_instance *in;
	char *s = NULL, *b = NULL;

	(void)state;
	w_init(&w);
	plan(&w, &p, 0);
	assert_int_equal(p.nchanges, 0);
	assert_int_equal(p.calls.ncalls, 0);
	assert_int_equal(exsync_alert_text(&p, KEY, "Owner", &s, &b), -1);
	assert_null(s);
	exsync_plan_free(&p);
	in = w_inst(&w, "i-t", "us-east-1", KEY "=forever", NULL);
	free(in->state);
	in->state = xstrdup("terminated");
	plan(&w, &p, 0);
	assert_int_equal(p.nchanges, 0);
	exsync_plan_free(&p);
	w_free(&w);
}

static void
alert_escapes(void **state)
{
	struct world w;
	struct exsync_plan p;
	char *s = NULL, *b = NULL;

	(void)state;
	w_init(&w);
	w_inst(&w, "i-evil", "us-east-1", KEY "=\033[31mforever",
	    "Owner=evil\xe2\x80\xaegpj.exe", NULL);
	plan(&w, &p, 0);
	assert_int_equal(exsync_alert_text(&p, KEY, "Owner", &s, &b), 0);
	assert_string_equal(s,
	    "patchdeck: 1 instance carries an unapproved patch exception");
	assert_null(strchr(b, '\033'));
	assert_non_null(strstr(b, "\\x1b[31mforever"));
	assert_non_null(strstr(b, "evil\\u202egpj.exe"));
	free(s);
	free(b);
	exsync_plan_free(&p);
	w_free(&w);
}

#define ROLE "arn:aws:sts::111122223333:assumed-role/ops/"

/* Records written by hand: approved by the requester's own role in
 * another session, with no decider, bad dates, a range past
 * exception_max_days, a REVOKED one nobody approved.  None is live, none
 * backs a tag or excuses its removal; each is listed with why, in the
 * alert too. */
static void
invalid_records(void **state)
{
	struct world w;
	struct exsync_plan p;
	const struct exsync_change *c;
	char *s = NULL, *b = NULL;

	(void)state;
	w_init(&w);
	w_inst(&w, "i-1", "us-east-1", NULL);
	w_inst(&w, "i-2", "us-east-1", KEY "=2026-11-20..2026-11-30", NULL);
	w_inst(&w, "i-3", "us-east-1", NULL);
	w_inst(&w, "i-4", "us-east-1", NULL);
	w_inst(&w, "i-5", "us-east-1", KEY "=2026-11-01..2026-11-30", NULL);
	w_inst(&w, "i-6", "us-east-1", NULL);
	w_rec(&w, "i-1", "x1", "2026-11-20", "2026-12-05", "APPROVED");
	w_by(&w, ROLE "patchdeck-1780000000", ROLE "patchdeck-1780000002");
	w_rec(&w, "i-2", "x2", "2026-11-20", "2026-11-30", "APPROVED");
	w_by(&w, "arn:aws:iam::111122223333:user/alice", NULL);
	w_rec(&w, "i-3", "x3", "2026-11-20", "2026-13-01", "APPROVED");
	w_rec(&w, "i-4", "x4", "2026-11-01", "2027-03-01", "APPROVED");
	w_rec(&w, "i-5", "x5", "2026-11-01", "2026-11-30", "REVOKED");
	w_by(&w, ROLE "a1", ROLE "a2");
	/* A whole one beside them: still applied. */
	w_rec(&w, "i-6", "x6", "2026-11-20", "2026-12-05", "APPROVED");
	plan(&w, &p, 0);
	assert_int_equal(p.nlive, 1);
	assert_non_null(c = change_of(&p, "i-6"));
	assert_int_equal(c->kind, EXSYNC_SET);
	assert_null(change_of(&p, "i-1"));
	assert_null(change_of(&p, "i-3"));
	assert_null(change_of(&p, "i-4"));
	assert_non_null(c = change_of(&p, "i-2"));
	assert_int_equal(c->kind, EXSYNC_REMOVE);
	assert_true(c->unapproved);
	assert_non_null(c = change_of(&p, "i-5"));
	assert_int_equal(c->kind, EXSYNC_REMOVE);
	assert_true(c->unapproved);
	assert_int_equal(p.nunapproved, 2);
	assert_int_equal(p.ninvalid, 5);
	assert_string_equal(p.invalid[0].record->exception_id, "x1");
	assert_string_equal(p.invalid[0].why,
	    "decided by the requester (the same person)");
	assert_string_equal(p.invalid[1].why, "APPROVED without decided_by");
	assert_string_equal(p.invalid[2].why, "ends is not a YYYY-MM-DD date");
	assert_string_equal(p.invalid[3].why,
	    "121 days long; exception_max_days is 90");
	assert_string_equal(p.invalid[4].why,
	    "decided by the requester (the same person)");
	assert_int_equal(exsync_alert_text(&p, KEY, "Owner", &s, &b), 0);
	assert_string_equal(s, "patchdeck: 2 unapproved patch exception tags, "
	    "5 invalid records");
	assert_non_null(strstr(b, "x1  instance=i-1  status=APPROVED  "
	    "requested_by=" ROLE "patchdeck-1780000000  decided_by=" ROLE
	    "patchdeck-1780000002  -> invalid: decided by the requester (the "
	    "same person)\n"));
	assert_non_null(strstr(b, "x4  instance=i-4  status=APPROVED"));
	assert_non_null(strstr(b, "-> invalid: 121 days long"));
	free(s);
	free(b);
	assert_idempotent(&w, &p);
	exsync_plan_free(&p);

	/* Invalid records alone still make an alert. */
	plan(&w, &p, 0);
	assert_int_equal(p.nunapproved, 0);
	assert_int_equal(exsync_alert_text(&p, KEY, "Owner", &s, &b), 0);
	assert_string_equal(s, "patchdeck: 5 invalid exception records");
	free(s);
	free(b);
	exsync_plan_free(&p);
	w_free(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(live_set_and_kept),
		cmocka_unit_test(upcoming_and_expired_removed_quietly),
		cmocka_unit_test(unapproved_rejected_revoked),
		cmocka_unit_test(several_records_ending_last_wins),
		cmocka_unit_test(malformed_tags_and_records),
		cmocka_unit_test(grouped_by_value),
		cmocka_unit_test(terminated_and_empty),
		cmocka_unit_test(alert_escapes),
		cmocka_unit_test(invalid_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
