/*
 * calls.c - every AWS call of the foundation issue's point 5, driven
 * through src/aws against tests/sim, with checks that would fail if a reply
 * were misparsed.
 *
 * test_aws_calls.sh starts the simulator with faults on (so calls go
 * through retries), prepares what our layer cannot make (bucket, SNS topic,
 * IAM role, the assume-role profile) and runs this with the simulator's
 * environment.  Each check prints "ok NAME" or "FAIL NAME: why"; the last
 * line is "calls: N passed, N failed" and the exit status is 1 on any
 * failure.  Lines starting with '#' carry facts for the script (the SNS
 * message id).  No secret is ever printed: errors go through
 * awserr_format(), which holds none, and credentials are only compared.
 *
 * The service layer is asynchronous; a test reads best as a sequence, so
 * each step starts its calls and runs the loop until its own flag is set
 * (net_run with a stop flag).  Bulk writes keep a window of calls in flight
 * so 1,500 requests with 25% faults take seconds, not minutes.
 */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <openssl/sha.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws/athena.h"
#include "aws/awserr.h"
#include "aws/client.h"
#include "aws/ddb.h"
#include "aws/ec2.h"
#include "aws/net.h"
#include "aws/s3.h"
#include "aws/sns.h"
#include "aws/ssm.h"
#include "aws/sts.h"
#include "ops/session.h"
#include "util/util.h"

/* Requests in flight during bulk writes: enough to overlap backoff waits,
 * few enough that one client's retry quota (500) is never the limit. */
#define WINDOW 24
#define N_S3_RESULTS 1200
#define N_DDB_BIG 300
#define N_DDB_SMALL 5
#define DDB_REASON_LEN 4000
#define TAG_VALUE_LEN 3000
#define DDB_TABLE "patchdeck-exceptions"
#define DDB_HASH_BIG "i-0ddb0000000000big"
#define SIM_ROUNDS 240		/* clock advances while waiting for SSM */
#define SIM_STEP_S 60

struct opts {
	long expect_instances;
	const char *bucket;
	const char *topic_arn;
	const char *role_arn;
	const char *assume_profile;
	const char *doc_file;
	const char *results_sql;
	const char *run_id;
};

static int npass, nfail;

static void check(const char *name, int ok, const char *fmt, ...)
    UTIL_PRINTF(3, 4);

/* One line per check; why is only formatted for failures. */
static void
check(const char *name, int ok, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		npass++;
		printf("ok %s\n", name);
	} else {
		nfail++;
		printf("FAIL %s: ", name);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		putchar('\n');
	}
	fflush(stdout);
}

/* The outcome of one asynchronous step. */
struct call {
	volatile int done;
	int failed;
	char *why;		/* awserr_format() text, when failed */
	char *code;
};

static void
call_reset(struct call *c)
{
	free(c->why);
	free(c->code);
	memset(c, 0, sizeof *c);
}

static void
call_fail(struct call *c, const struct aws_error *err)
{
	c->failed = 1;
	free(c->why);
	free(c->code);
	c->why = awserr_format(err);
	c->code = xstrdup(err->code != NULL ? err->code : "");
}

static void
call_end(void *arg, const struct aws_error *err)
{
	struct call *c = arg;

	if (err != NULL)
		call_fail(c, err);
	c->done = 1;
}

/* Runs the loop until c is done; a loop that empties first is a callback
 * that never came, which is a failure of its own. */
static void
wait_call(struct session *s, struct call *c)
{
	net_run(s->net, &c->done);
	if (!c->done) {
		c->failed = 1;
		free(c->why);
		c->why = xstrdup("the callback never ran");
		c->done = 1;
	}
}

static const char *
why(const struct call *c)
{
	return c->why != NULL ? c->why : "(no error)";
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Index of the first repeated string in v (sorted in place), or -1. */
static long
first_repeat(char **v, size_t n)
{
	size_t i;

	qsort(v, n, sizeof *v, cmp_str);
	for (i = 1; i < n; i++) {
		if (strcmp(v[i - 1], v[i]) == 0)
			return (long)i;
	}
	return -1;
}

static size_t
discard_reply(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/*
 * Advances the simulator's clock.  A blocking easy handle is fine here:
 * nothing else is in flight between phases, and the control API is not
 * AWS (no signature, no retries).
 */
static int
sim_advance(long seconds)
{
	const char *port = getenv("PATCHDECK_SIM_PORT");
	char url[128], body[64];
	CURL *h;
	CURLcode rc;
	long status = 0;

	if (port == NULL)
		return -1;
	snprintf(url, sizeof url, "http://127.0.0.1:%s/_sim/clock", port);
	snprintf(body, sizeof body, "{\"advance_s\":%ld}", seconds);
	h = curl_easy_init();
	if (h == NULL)
		return -1;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
	/* The reply is a small JSON we do not need; keep it off stdout. */
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_reply);
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	return rc == CURLE_OK && status == 200 ? 0 : -1;
}

/* ---- bulk writes: a window of calls in flight -------------------------- */

struct bulk {
	size_t total, next, inflight, finished, failed;
	volatile int done;
	char *first_err;
	struct session *s;
	void (*start)(struct bulk *b, size_t i);
	void *ctx;
};

static void bulk_fill(struct bulk *b);

static void
bulk_end(void *arg, const struct aws_error *err)
{
	struct bulk *b = arg;

	b->inflight--;
	b->finished++;
	if (err != NULL) {
		b->failed++;
		if (b->first_err == NULL)
			b->first_err = awserr_format(err);
	}
	bulk_fill(b);
}

static void
bulk_json_end(void *arg, const cJSON *reply, const struct aws_error *err)
{
	(void)reply;
	bulk_end(arg, err);
}

static void
bulk_fill(struct bulk *b)
{
	while (b->inflight < WINDOW && b->next < b->total) {
		b->inflight++;
		b->start(b, b->next++);
	}
	if (b->finished == b->total)
		b->done = 1;
}

/* Runs start(b, i) for i in [0, total); returns the failures. */
static size_t
bulk_run(struct session *s, size_t total, void (*start)(struct bulk *, size_t),
    void *ctx, char **first_err)
{
	struct bulk b;

	memset(&b, 0, sizeof b);
	b.total = total;
	b.s = s;
	b.start = start;
	b.ctx = ctx;
	bulk_fill(&b);
	net_run(s->net, &b.done);
	if (!b.done && b.first_err == NULL)
		b.first_err = xstrdup("the loop ran dry before every call "
		    "ended");
	if (!b.done)
		b.failed += b.total - b.finished;
	*first_err = b.first_err;
	return b.failed;
}

/* ---- EC2 --------------------------------------------------------------- */

struct inst_list {
	struct call c;
	struct ec2_instance *v;
	size_t n, pages;
};

static int
inst_page(void *arg, struct ec2_instance *v, size_t n)
{
	struct inst_list *l = arg;

	l->pages++;
	if (n > 0) {
		/* Move the structs; the strings now belong to l. */
		l->v = xreallocarray(l->v, l->n + n, sizeof *l->v);
		memcpy(l->v + l->n, v, n * sizeof *v);
		l->n += n;
	}
	free(v);
	return 0;
}

static void
inst_list_done(struct inst_list *l)
{
	ec2_instances_free(l->v, l->n);
	call_reset(&l->c);
	memset(l, 0, sizeof *l);
}

static void
describe(struct session *s, struct aws_client *ec2,
    const struct ec2_filter *f, size_t nf, const char *const *ids,
    size_t nids, struct inst_list *l)
{
	memset(l, 0, sizeof *l);
	ec2_describe_instances(ec2, f, nf, ids, nids, inst_page, call_end, l);
	wait_call(s, &l->c);
}

static const struct ec2_instance *
find_instance(const struct inst_list *l, const char *id)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (strcmp(l->v[i].id, id) == 0)
			return &l->v[i];
	}
	return NULL;
}

/* A value EC2 must hand back untouched: bidi override, a C1 control (legal
 * in XML 1.0), every XML metacharacter, multi-byte UTF-8 cut nowhere. */
static char *
hostile_value(void)
{
	static const char unit[] = "\xe2\x80\xae" "\xc2\x9b" "<&>\"'" " x";
	struct buf b;

	buf_init(&b);
	while (b.len + sizeof unit - 1 <= TAG_VALUE_LEN)
		buf_puts(&b, unit);
	while (b.len < TAG_VALUE_LEN)
		buf_putc(&b, 'z');
	return buf_steal(&b);
}

struct states {
	struct call c;
	int n;
	char id[64], prev[32], cur[32];
};

static void
on_state(void *arg, const char *id, const char *prev, const char *cur)
{
	struct states *st = arg;

	st->n++;
	snprintf(st->id, sizeof st->id, "%s", id);
	snprintf(st->prev, sizeof st->prev, "%s", prev);
	snprintf(st->cur, sizeof st->cur, "%s", cur);
}

/* Picked by the EC2 phase for the SSM phase. */
struct picks {
	char *stopped_ids[64];
	size_t nstopped;
	char *flipped;		/* stopped and started again */
};

static void
test_ec2(struct session *s, struct aws_client *ec2, const struct opts *o,
    struct picks *pk)
{
	struct inst_list all, l;
	struct ec2_filter f;
	struct states st;
	struct call c;
	char **ids, *value;
	const char *tagged[5], *state_vals[1], *vals[1], *one[1];
	struct ec2_tag tag;
	size_t i, k, ntagged = 0, nstopped = 0, good;
	long rep;

	/* Paging: every instance once, as many as the fleet has. */
	describe(s, ec2, NULL, 0, NULL, 0, &all);
	if (all.c.failed) {
		check("ec2_describe_paging", 0, "%s", why(&all.c));
		inst_list_done(&all);
		return;
	}
	ids = xcalloc(all.n + 1, sizeof *ids);
	for (i = 0; i < all.n; i++)
		ids[i] = all.v[i].id;
	rep = first_repeat(ids, all.n);
	check("ec2_describe_paging", (long)all.n == o->expect_instances &&
	    rep < 0 && (o->expect_instances <= EC2_MAX_RESULTS ||
	    all.pages > 1), "%zu instances in %zu pages (expected %ld), %s",
	    all.n, all.pages, o->expect_instances,
	    rep >= 0 ? "an id repeats" : "no repeat");
	free(ids);
	good = 0;
	for (i = 0; i < all.n; i++) {
		if (strncmp(all.v[i].id, "i-", 2) == 0 &&
		    all.v[i].state[0] != '\0' && all.v[i].type[0] != '\0' &&
		    all.v[i].private_ip[0] != '\0' &&
		    ec2_instance_tag(&all.v[i], "Name") != NULL)
			good++;
		if (strcmp(all.v[i].state, "stopped") == 0) {
			if (nstopped < sizeof pk->stopped_ids /
			    sizeof pk->stopped_ids[0])
				pk->stopped_ids[pk->nstopped++] =
				    xstrdup(all.v[i].id);
			nstopped++;
		}
	}
	check("ec2_describe_fields", good == all.n && all.n > 0,
	    "%zu of %zu instances have id, state, type, private IP and a "
	    "Name tag", good, all.n);

	/* A filter: the stopped ones, exactly. */
	state_vals[0] = "stopped";
	f.name = "instance-state-name";
	f.values = state_vals;
	f.nvalues = 1;
	describe(s, ec2, &f, 1, NULL, 0, &l);
	good = 0;
	for (i = 0; i < l.n; i++) {
		const struct ec2_instance *x = find_instance(&all, l.v[i].id);

		if (x != NULL && strcmp(x->state, "stopped") == 0 &&
		    strcmp(l.v[i].state, "stopped") == 0)
			good++;
	}
	check("ec2_describe_filter_state", !l.c.failed && l.n == nstopped &&
	    good == nstopped && nstopped > 0,
	    "%s; %zu returned, %zu stopped in the full listing, %zu agree",
	    l.c.failed ? why(&l.c) : "ok", l.n, nstopped, good);
	inst_list_done(&l);

	/* CreateTags with a hostile value on 5 running instances, then a
	 * tag:KEY filter must return exactly them, value byte for byte. */
	for (i = 0; i < all.n && ntagged < 5; i++) {
		if (strcmp(all.v[i].state, "running") == 0)
			tagged[ntagged++] = all.v[i].id;
	}
	value = hostile_value();
	tag.key = "patchdeck:calls-hostile";
	tag.value = value;
	memset(&c, 0, sizeof c);
	ec2_create_tags(ec2, tagged, ntagged, &tag, 1, call_end, &c);
	wait_call(s, &c);
	check("ec2_create_tags", !c.failed && ntagged == 5, "%s", why(&c));
	call_reset(&c);

	vals[0] = value;
	f.name = "tag:patchdeck:calls-hostile";
	f.values = vals;
	f.nvalues = 1;
	describe(s, ec2, &f, 1, NULL, 0, &l);
	good = 0;
	for (i = 0; i < l.n; i++) {
		const char *v = ec2_instance_tag(&l.v[i],
		    "patchdeck:calls-hostile");
		int mine = 0;

		for (k = 0; k < ntagged; k++)
			mine |= strcmp(tagged[k], l.v[i].id) == 0;
		if (mine && v != NULL && strlen(v) == TAG_VALUE_LEN &&
		    memcmp(v, value, TAG_VALUE_LEN) == 0)
			good++;
	}
	check("ec2_describe_filter_tag_hostile", !l.c.failed &&
	    l.n == ntagged && good == ntagged,
	    "%s; %zu returned, %zu expected, %zu with the value intact",
	    l.c.failed ? why(&l.c) : "ok", l.n, ntagged, good);
	inst_list_done(&l);

	/* DeleteTags (value NULL: whatever the value): the filter then finds
	 * nothing, and the instances still exist. */
	tag.value = NULL;
	memset(&c, 0, sizeof c);
	ec2_delete_tags(ec2, tagged, ntagged, &tag, 1, call_end, &c);
	wait_call(s, &c);
	check("ec2_delete_tags", !c.failed, "%s", why(&c));
	call_reset(&c);
	describe(s, ec2, &f, 1, NULL, 0, &l);
	check("ec2_delete_tags_effect", !l.c.failed && l.n == 0,
	    "%s; %zu instances still carry the tag",
	    l.c.failed ? why(&l.c) : "ok", l.n);
	inst_list_done(&l);
	describe(s, ec2, NULL, 0, tagged, ntagged, &l);
	good = 0;
	for (i = 0; i < l.n; i++)
		good += ec2_instance_tag(&l.v[i], "patchdeck:calls-hostile") ==
		    NULL && ec2_instance_tag(&l.v[i], "Name") != NULL;
	check("ec2_describe_ids", !l.c.failed && l.n == ntagged &&
	    good == ntagged, "%s; %zu of %zu by id, %zu without the tag but "
	    "with Name", l.c.failed ? why(&l.c) : "ok", l.n, ntagged, good);
	inst_list_done(&l);
	free(value);

	/* Stop then start the last running instance (not one SSM uses). */
	for (i = all.n; i-- > 0;) {
		if (strcmp(all.v[i].state, "running") == 0)
			break;
	}
	if (i < all.n) {
		pk->flipped = xstrdup(all.v[i].id);
		one[0] = pk->flipped;
		memset(&st, 0, sizeof st);
		ec2_stop_instances(ec2, one, 1, on_state, call_end, &st);
		wait_call(s, &st.c);
		check("ec2_stop_instances", !st.c.failed && st.n == 1 &&
		    strcmp(st.id, one[0]) == 0 &&
		    strcmp(st.prev, "running") == 0 &&
		    (strcmp(st.cur, "stopping") == 0 ||
		    strcmp(st.cur, "stopped") == 0),
		    "%s; %d changes, %s: %s -> %s", why(&st.c), st.n, st.id,
		    st.prev, st.cur);
		call_reset(&st.c);
		describe(s, ec2, NULL, 0, one, 1, &l);
		check("ec2_stop_state", !l.c.failed && l.n == 1 &&
		    (strcmp(l.v[0].state, "stopped") == 0 ||
		    strcmp(l.v[0].state, "stopping") == 0),
		    "%s; state %s", why(&l.c), l.n ? l.v[0].state : "(none)");
		inst_list_done(&l);

		memset(&st, 0, sizeof st);
		ec2_start_instances(ec2, one, 1, on_state, call_end, &st);
		wait_call(s, &st.c);
		check("ec2_start_instances", !st.c.failed && st.n == 1 &&
		    strcmp(st.id, one[0]) == 0 &&
		    strcmp(st.prev, "stopped") == 0 &&
		    (strcmp(st.cur, "pending") == 0 ||
		    strcmp(st.cur, "running") == 0),
		    "%s; %d changes, %s: %s -> %s", why(&st.c), st.n, st.id,
		    st.prev, st.cur);
		call_reset(&st.c);
		describe(s, ec2, NULL, 0, one, 1, &l);
		check("ec2_start_state", !l.c.failed && l.n == 1 &&
		    (strcmp(l.v[0].state, "running") == 0 ||
		    strcmp(l.v[0].state, "pending") == 0),
		    "%s; state %s", why(&l.c), l.n ? l.v[0].state : "(none)");
		inst_list_done(&l);
	} else {
		check("ec2_stop_instances", 0, "no running instance");
	}
	inst_list_done(&all);
}

/* ---- SSM --------------------------------------------------------------- */

struct ssm_list {
	struct call c;
	struct ssm_instance *v;
	size_t n, pages;
};

static int
ssm_page(void *arg, struct ssm_instance *v, size_t n)
{
	struct ssm_list *l = arg;

	l->pages++;
	if (n > 0) {
		l->v = xreallocarray(l->v, l->n + n, sizeof *l->v);
		memcpy(l->v + l->n, v, n * sizeof *v);
		l->n += n;
	}
	free(v);
	return 0;
}

struct docres {
	struct call c;
	char *name, *status, *version, *latest, *dflt, *hash, *type;
};

static void
on_doc(void *arg, const struct ssm_document *d, const struct aws_error *err)
{
	struct docres *r = arg;

	if (d == NULL) {
		call_fail(&r->c, err);
	} else {
		r->name = xstrdup(d->name);
		r->status = xstrdup(d->status);
		r->version = xstrdup(d->document_version);
		r->latest = xstrdup(d->latest_version);
		r->dflt = xstrdup(d->default_version);
		r->hash = xstrdup(d->hash);
		r->type = xstrdup(d->document_type);
	}
	r->c.done = 1;
}

static void
docres_done(struct docres *r)
{
	free(r->name);
	free(r->status);
	free(r->version);
	free(r->latest);
	free(r->dflt);
	free(r->hash);
	free(r->type);
	call_reset(&r->c);
	memset(r, 0, sizeof *r);
}

static const char *
nz(const char *s)
{
	return s != NULL ? s : "(null)";
}

static void
sha256_hex(const char *s, char out[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)s, strlen(s), md);
	util_hex(md, sizeof md, out);
	out[64] = '\0';
}

struct cmdres {
	struct call c;
	char *id, *status, *document, *comment;
	long targets, completed;
};

static void
on_command(void *arg, const struct ssm_command *cmd,
    const struct aws_error *err)
{
	struct cmdres *r = arg;

	if (cmd == NULL) {
		call_fail(&r->c, err);
	} else {
		r->id = xstrdup(cmd->id);
		r->status = xstrdup(cmd->status);
		r->document = xstrdup(cmd->document);
		r->comment = xstrdup(cmd->comment);
		r->targets = cmd->target_count;
		r->completed = cmd->completed_count;
	}
	r->c.done = 1;
}

static void
cmdres_done(struct cmdres *r)
{
	free(r->id);
	free(r->status);
	free(r->document);
	free(r->comment);
	call_reset(&r->c);
	memset(r, 0, sizeof *r);
}

/* ListCommands: what it says of one command id, and how many it listed. */
struct lcres {
	struct call c;
	const char *want;
	int found;
	size_t listed;
	char *status, *document;
	long targets, completed;
};

static int
on_commands(void *arg, const struct ssm_command *v, size_t n)
{
	struct lcres *r = arg;
	size_t i;

	r->listed += n;
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].id, r->want) != 0)
			continue;
		r->found++;
		free(r->status);
		free(r->document);
		r->status = xstrdup(v[i].status);
		r->document = xstrdup(v[i].document);
		r->targets = v[i].target_count;
		r->completed = v[i].completed_count;
	}
	return 0;
}

static void
list_commands(struct session *s, struct aws_client *ssm, const char *filter,
    const char *want, struct lcres *r)
{
	memset(r, 0, sizeof *r);
	r->want = want;
	ssm_list_commands(ssm, filter, on_commands, call_end, r);
	wait_call(s, &r->c);
}

static void
lcres_done(struct lcres *r)
{
	free(r->status);
	free(r->document);
	call_reset(&r->c);
}

struct gcires {
	struct call c;
	char *instance, *status, *output;
	long rc;
};

static void
on_invocation(void *arg, const struct ssm_invocation *v,
    const struct aws_error *err)
{
	struct gcires *r = arg;

	if (v == NULL) {
		call_fail(&r->c, err);
	} else {
		r->instance = xstrdup(v->instance_id);
		r->status = xstrdup(v->status);
		r->output = xstrdup(v->output);
		r->rc = v->response_code;
	}
	r->c.done = 1;
}

static void
gcires_done(struct gcires *r)
{
	free(r->instance);
	free(r->status);
	free(r->output);
	call_reset(&r->c);
	memset(r, 0, sizeof *r);
}

struct lcires {
	struct call c;
	char *ids[8], *status[8], *cmd[8];
	size_t n, extra;
};

static int
on_invocations(void *arg, const struct ssm_invocation *v, size_t n)
{
	struct lcires *r = arg;
	size_t i;

	for (i = 0; i < n; i++) {
		if (r->n == 8) {
			r->extra++;
			continue;
		}
		r->ids[r->n] = xstrdup(v[i].instance_id);
		r->status[r->n] = xstrdup(v[i].status);
		r->cmd[r->n] = xstrdup(v[i].command_id);
		r->n++;
	}
	return 0;
}

static void
lcires_done(struct lcires *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->ids[i]);
		free(r->status[i]);
		free(r->cmd[i]);
	}
	call_reset(&r->c);
	memset(r, 0, sizeof *r);
}

static int
terminal(const char *st)
{
	static const char *const t[] = { "Success", "Failed", "TimedOut",
	    "Cancelled", "Undeliverable", "Terminated", "DeliveryTimedOut",
	    "ExecutionTimedOut", "Incomplete", "RateExceeded",
	    "AccessDenied", "NoInstancesInTag", "LimitExceeded" };
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		if (strcmp(st, t[i]) == 0)
			return 1;
	}
	return 0;
}

/* The first "PATCHDECK_RESULT {...}" line parses with "v": 1. */
static int
result_line_ok(const char *out, char *why_buf, size_t n)
{
	const char *p = strstr(out, "PATCHDECK_RESULT {"), *end;
	cJSON *j, *v;
	int ok;

	if (p == NULL) {
		snprintf(why_buf, n, "no PATCHDECK_RESULT line in %zu bytes",
		    strlen(out));
		return 0;
	}
	p += strlen("PATCHDECK_RESULT ");
	end = strchr(p, '\n');
	if (end == NULL)
		end = p + strlen(p);
	j = cJSON_ParseWithLength(p, (size_t)(end - p));
	v = cJSON_GetObjectItemCaseSensitive(j, "v");
	ok = cJSON_IsNumber(v) && v->valuedouble == 1;
	snprintf(why_buf, n, "%s", j == NULL ? "the JSON does not parse" :
	    "no \"v\": 1");
	cJSON_Delete(j);
	return ok;
}

static char *
read_doc(const struct opts *o, int *from_file)
{
	struct buf b;

	buf_init(&b);
	if (o->doc_file != NULL && util_read_file(o->doc_file, 1 << 20,
	    &b) == 0) {
		*from_file = 1;
		return buf_steal(&b);
	}
	buf_free(&b);
	*from_file = 0;
	return xstrdup("{\"schemaVersion\":\"2.2\",\"description\":"
	    "\"patchdeck calls test\",\"mainSteps\":[{\"action\":"
	    "\"aws:runShellScript\",\"name\":\"patch\",\"inputs\":"
	    "{\"runCommand\":[\"echo PATCHDECK_RESULT {}\"]}}]}");
}

static int
is_stopped_pick(const struct picks *pk, const char *id)
{
	size_t i;

	for (i = 0; i < pk->nstopped; i++) {
		if (strcmp(pk->stopped_ids[i], id) == 0)
			return 1;
	}
	return 0;
}

static void
test_ssm(struct session *s, struct aws_client *ssm, struct aws_client *ec2,
    const struct opts *o, const struct picks *pk)
{
	static const char docname[] = "patchdeck-linux-patch-calls";
	struct ssm_list il;
	struct docres d;
	struct cmdres cmd, cmd2;
	struct lcres lc;
	struct lcres lc2;
	struct gcires g[3];
	struct lcires li;
	struct call c;
	struct ec2_tag tag;
	struct ssm_send send;
	char **ids, hash1[65], hash2[65], wb[160];
	char *doc, *doc2, *p;
	const char *targets[3], *target2[1];
	size_t i, k, ntargets = 0, online = 0, badping = 0, stopped_lost = 0;
	int from_file, round, all_terminal = 0, matched;
	long rep;

	/* DescribeInstanceInformation: every instance, pages of 50. */
	memset(&il, 0, sizeof il);
	ssm_describe_instance_information(ssm, NULL, 0, ssm_page, call_end,
	    &il);
	wait_call(s, &il.c);
	ids = xcalloc(il.n + 1, sizeof *ids);
	for (i = 0; i < il.n; i++) {
		ids[i] = il.v[i].id;
		if (strcmp(il.v[i].ping_status, "Online") == 0)
			online++;
		else if (strcmp(il.v[i].ping_status, "ConnectionLost") != 0 &&
		    strcmp(il.v[i].ping_status, "Inactive") != 0)
			badping++;
		if (is_stopped_pick(pk, il.v[i].id) &&
		    strcmp(il.v[i].ping_status, "ConnectionLost") == 0)
			stopped_lost++;
	}
	rep = first_repeat(ids, il.n);
	free(ids);
	check("ssm_describe_instance_information", !il.c.failed &&
	    (long)il.n == o->expect_instances && rep < 0 &&
	    il.pages >= (il.n + 49) / 50,
	    "%s; %zu instances in %zu pages (expected %ld), %s",
	    il.c.failed ? why(&il.c) : "ok", il.n, il.pages,
	    o->expect_instances, rep >= 0 ? "an id repeats" : "no repeat");
	check("ssm_ping_status", online > 0 && badping == 0 &&
	    stopped_lost == pk->nstopped,
	    "%zu Online, %zu with an unknown PingStatus, %zu of %zu stopped "
	    "instances ConnectionLost", online, badping, stopped_lost,
	    pk->nstopped);

	/* Targets: Online Linux instances, not the one EC2 flipped. */
	for (i = 0; i < il.n && ntargets < 4; i++) {
		if (strcmp(il.v[i].ping_status, "Online") != 0 ||
		    strcmp(il.v[i].platform_type, "Linux") != 0 ||
		    (pk->flipped != NULL && strcmp(il.v[i].id,
		    pk->flipped) == 0))
			continue;
		if (ntargets < 3)
			targets[ntargets] = il.v[i].id;
		else
			target2[0] = il.v[i].id;
		ntargets++;
	}

	/* Documents: create, update, describe; the hash is the content's. */
	doc = read_doc(o, &from_file);
	if (!from_file)
		printf("# %s absent: an inline document is used\n",
		    nz(o->doc_file));
	memset(&d, 0, sizeof d);
	ssm_create_document(ssm, docname, doc, "JSON", on_doc, &d);
	wait_call(s, &d.c);
	sha256_hex(doc, hash1);
	check("ssm_create_document", !d.c.failed && d.name != NULL &&
	    strcmp(d.name, docname) == 0 && strcmp(d.hash, hash1) == 0 &&
	    strcmp(d.version, "1") == 0 && strcmp(d.type, "Command") == 0,
	    "%s; name %s version %s type %s hash %s", why(&d.c), nz(d.name),
	    nz(d.version), nz(d.type), d.hash != NULL &&
	    strcmp(d.hash, hash1) == 0 ? "matches" : "differs");
	docres_done(&d);

	/* Version 2 differs by its description only. */
	p = strstr(doc, "\"description\"");
	if (p != NULL) {
		p = strchr(p + 13, '"');
		doc2 = xasprintf("%.*s\"(calls v2) %s", (int)(p - doc), doc,
		    p + 1);
	} else {
		doc2 = xasprintf("%s ", doc);
	}
	memset(&d, 0, sizeof d);
	ssm_update_document(ssm, docname, doc2, "JSON", on_doc, &d);
	wait_call(s, &d.c);
	sha256_hex(doc2, hash2);
	check("ssm_update_document", !d.c.failed && d.version != NULL &&
	    strcmp(d.version, "2") == 0 && strcmp(d.latest, "2") == 0 &&
	    strcmp(d.hash, hash2) == 0,
	    "%s; version %s latest %s hash %s", why(&d.c), nz(d.version),
	    nz(d.latest), d.hash != NULL && strcmp(d.hash, hash2) == 0 ?
	    "matches" : "differs");
	docres_done(&d);

	memset(&d, 0, sizeof d);
	ssm_describe_document(ssm, docname, on_doc, &d);
	wait_call(s, &d.c);
	/* Without a version, DescribeDocument describes the default: the
	 * update did not make version 2 the default. */
	check("ssm_describe_document", !d.c.failed && d.name != NULL &&
	    strcmp(d.name, docname) == 0 && strcmp(d.latest, "2") == 0 &&
	    strcmp(d.dflt, "1") == 0 && strcmp(d.version, "1") == 0 &&
	    strcmp(d.hash, hash1) == 0 && strcmp(d.status, "Active") == 0,
	    "%s; version %s latest %s default %s status %s hash %s",
	    why(&d.c), nz(d.version), nz(d.latest), nz(d.dflt), nz(d.status),
	    d.hash != NULL && strcmp(d.hash, hash1) == 0 ? "matches v1" :
	    "differs from v1");
	docres_done(&d);
	free(doc);
	free(doc2);

	if (ntargets < 4) {
		check("ssm_send_command", 0, "only %zu Online Linux instances",
		    ntargets);
		ssm_instances_free(il.v, il.n);
		return;
	}

	/* sim:fail=none asks the simulator for clean runs on our targets:
	 * the test is about parsing, not about the failure model. */
	tag.key = "sim:fail";
	tag.value = "none";
	memset(&c, 0, sizeof c);
	ec2_create_tags(ec2, targets, 3, &tag, 1, call_end, &c);
	wait_call(s, &c);
	check("ec2_create_tags_sim_fail_none", !c.failed, "%s", why(&c));
	call_reset(&c);

	memset(&send, 0, sizeof send);
	send.document = docname;
	send.ids = targets;
	send.nids = 3;
	send.comment = "patchdeck calls test";
	send.timeout_seconds = 3600;
	send.max_concurrency = "3";
	send.max_errors = "1";
	memset(&cmd, 0, sizeof cmd);
	ssm_send_command(ssm, &send, on_command, &cmd);
	wait_call(s, &cmd.c);
	check("ssm_send_command", !cmd.c.failed && cmd.id != NULL &&
	    strlen(cmd.id) == 36 && strcmp(cmd.document, docname) == 0 &&
	    strcmp(cmd.comment, send.comment) == 0 && cmd.targets == 3 &&
	    (strcmp(cmd.status, "Pending") == 0 ||
	    strcmp(cmd.status, "InProgress") == 0),
	    "%s; id %s document %s status %s targets %ld", why(&cmd.c),
	    nz(cmd.id), nz(cmd.document), nz(cmd.status), cmd.targets);
	if (cmd.c.failed) {
		cmdres_done(&cmd);
		ssm_instances_free(il.v, il.n);
		return;
	}

	/* A second command, cancelled at once. */
	send.ids = target2;
	send.nids = 1;
	send.comment = "patchdeck calls test: to cancel";
	memset(&cmd2, 0, sizeof cmd2);
	ssm_send_command(ssm, &send, on_command, &cmd2);
	wait_call(s, &cmd2.c);
	memset(&c, 0, sizeof c);
	if (!cmd2.c.failed) {
		ssm_cancel_command(ssm, cmd2.id, NULL, 0, call_end, &c);
		wait_call(s, &c);
	}
	check("ssm_cancel_command", !cmd2.c.failed && !c.failed,
	    "%s", cmd2.c.failed ? why(&cmd2.c) : why(&c));
	call_reset(&c);
	if (!cmd2.c.failed) {
		list_commands(s, ssm, cmd2.id, cmd2.id, &lc2);
		check("ssm_cancel_effect", !lc2.c.failed && lc2.found == 1 &&
		    (strcmp(lc2.status, "Cancelled") == 0 ||
		    strcmp(lc2.status, "Cancelling") == 0),
		    "%s; found %d, status %s", why(&lc2.c), lc2.found,
		    nz(lc2.status));
		lcres_done(&lc2);
	}

	/* Advance simulated time until every invocation is terminal. */
	memset(g, 0, sizeof g);
	for (round = 0; round < SIM_ROUNDS && !all_terminal; round++) {
		if (round > 0 && sim_advance(SIM_STEP_S) != 0) {
			check("sim_clock", 0, "POST /_sim/clock failed");
			break;
		}
		all_terminal = 1;
		for (k = 0; k < 3; k++) {
			gcires_done(&g[k]);
			ssm_get_command_invocation(ssm, cmd.id, targets[k],
			    NULL, on_invocation, &g[k]);
			wait_call(s, &g[k].c);
			/* Right after SendCommand AWS may not know the
			 * invocation yet: InvocationDoesNotExist is "wait". */
			if (g[k].c.failed || !terminal(g[k].status))
				all_terminal = 0;
		}
	}
	for (k = 0; k < 3; k++) {
		int ok = !g[k].c.failed && g[k].status != NULL &&
		    strcmp(g[k].status, "Success") == 0 && g[k].rc == 0 &&
		    strcmp(g[k].instance, targets[k]) == 0;

		snprintf(wb, sizeof wb, "ssm_get_command_invocation_%zu", k);
		check(wb, ok, "%s; after %d rounds: %s status %s rc %ld",
		    why(&g[k].c), round, targets[k], nz(g[k].status), g[k].rc);
		snprintf(wb, sizeof wb, "ssm_result_line_%zu", k);
		if (g[k].output != NULL) {
			char rb[96];

			check(wb, result_line_ok(g[k].output, rb, sizeof rb),
			    "%s", rb);
		} else {
			check(wb, 0, "no output");
		}
	}

	memset(&li, 0, sizeof li);
	ssm_list_command_invocations(ssm, cmd.id, NULL, 1, on_invocations,
	    call_end, &li);
	wait_call(s, &li.c);
	matched = 0;
	for (i = 0; i < li.n; i++) {
		for (k = 0; k < 3; k++) {
			if (strcmp(li.ids[i], targets[k]) == 0 &&
			    strcmp(li.cmd[i], cmd.id) == 0 &&
			    g[k].status != NULL &&
			    strcmp(li.status[i], g[k].status) == 0)
				matched++;
		}
	}
	check("ssm_list_command_invocations", !li.c.failed && li.n == 3 &&
	    li.extra == 0 && matched == 3,
	    "%s; %zu invocations, %d agree with GetCommandInvocation",
	    why(&li.c), li.n + li.extra, matched);
	lcires_done(&li);
	for (k = 0; k < 3; k++)
		gcires_done(&g[k]);

	/* ListCommands: all commands, then by id. */
	list_commands(s, ssm, NULL, cmd.id, &lc);
	check("ssm_list_commands", !lc.c.failed && lc.found == 1 &&
	    lc.listed >= 2 && strcmp(lc.document, docname) == 0 &&
	    lc.targets == 3 && lc.completed == 3 &&
	    strcmp(lc.status, "Success") == 0,
	    "%s; found %d among %zu, document %s status %s targets %ld "
	    "completed %ld", why(&lc.c), lc.found, lc.listed,
	    nz(lc.document), nz(lc.status), lc.targets, lc.completed);
	lcres_done(&lc);
	list_commands(s, ssm, cmd.id, cmd.id, &lc);
	check("ssm_list_commands_by_id", !lc.c.failed && lc.found == 1 &&
	    lc.listed == 1, "%s; found %d among %zu", why(&lc.c), lc.found,
	    lc.listed);
	lcres_done(&lc);

	cmdres_done(&cmd);
	cmdres_done(&cmd2);
	ssm_instances_free(il.v, il.n);
}

/* ---- DynamoDB ---------------------------------------------------------- */

struct jres {
	struct call c;
	cJSON *reply;		/* a copy */
};

static void
on_json(void *arg, const cJSON *reply, const struct aws_error *err)
{
	struct jres *r = arg;

	if (reply == NULL)
		call_fail(&r->c, err);
	else
		r->reply = cJSON_Duplicate(reply, 1);
	r->c.done = 1;
}

static void
jres_done(struct jres *r)
{
	cJSON_Delete(r->reply);
	call_reset(&r->c);
	memset(r, 0, sizeof *r);
}

static const char *
jstr(const cJSON *o, const char *path)
{
	char key[64];
	const char *dot;

	while ((dot = strchr(path, '.')) != NULL) {
		snprintf(key, sizeof key, "%.*s", (int)(dot - path), path);
		o = cJSON_GetObjectItemCaseSensitive(o, key);
		path = dot + 1;
	}
	o = cJSON_GetObjectItemCaseSensitive(o, path);
	return cJSON_IsString(o) ? o->valuestring : NULL;
}

/* Item i's reason: 4,000 bytes that differ from every other item's. */
static char *
ddb_reason(size_t i)
{
	char *r = xmalloc(DDB_REASON_LEN + 1);
	size_t k;

	for (k = 0; k < DDB_REASON_LEN; k++)
		r[k] = (char)('a' + (i * 7 + k) % 26);
	snprintf(r, 32, "item %04zu \xc3\xbc <&> ", i);
	r[strlen(r)] = ' ';
	r[DDB_REASON_LEN] = '\0';
	return r;
}

static void
ddb_key(size_t i, char *hash, size_t nh, char *range, size_t nr)
{
	if (i < N_DDB_BIG)
		snprintf(hash, nh, "%s", DDB_HASH_BIG);
	else
		snprintf(hash, nh, "i-0ddb00000000small%zu", i - N_DDB_BIG);
	snprintf(range, nr, "ex-%04zu", i);
}

static void
ddb_put_one(struct bulk *b, size_t i)
{
	struct aws_client *ddb = b->ctx;
	cJSON *req = cJSON_CreateObject(), *item;
	char hash[64], range[32], *reason;

	ddb_key(i, hash, sizeof hash, range, sizeof range);
	reason = i < N_DDB_BIG ? ddb_reason(i) : xstrdup("small");
	cJSON_AddStringToObject(req, "TableName", DDB_TABLE);
	item = cJSON_AddObjectToObject(req, "Item");
	cJSON_AddItemToObject(item, "instance_id", ddb_s(hash));
	cJSON_AddItemToObject(item, "exception_id", ddb_s(range));
	cJSON_AddItemToObject(item, "reason", ddb_s(reason));
	cJSON_AddItemToObject(item, "status", ddb_s("active"));
	free(reason);
	ddb_put_item(ddb, req, bulk_json_end, b);
}

struct seen {
	struct call c;
	unsigned char *count;	/* per item index */
	size_t n, pages, unknown, bad_reason;
};

static int
on_items(void *arg, const cJSON *items)
{
	struct seen *sn = arg;
	const cJSON *it;
	const char *r, *h, *reason;
	unsigned long idx;
	char *want;

	sn->pages++;
	cJSON_ArrayForEach(it, items) {
		h = ddb_item_s(it, "instance_id");
		r = ddb_item_s(it, "exception_id");
		reason = ddb_item_s(it, "reason");
		if (h == NULL || r == NULL || strncmp(r, "ex-", 3) != 0 ||
		    (idx = strtoul(r + 3, NULL, 10)) >= sn->n) {
			sn->unknown++;
			continue;
		}
		sn->count[idx]++;
		want = idx < N_DDB_BIG ? ddb_reason(idx) : xstrdup("small");
		if (reason == NULL || strcmp(reason, want) != 0)
			sn->bad_reason++;
		free(want);
	}
	return 0;
}

static void
seen_check(const char *name, struct seen *sn, size_t from, size_t to)
{
	size_t i, once = 0, other = 0;

	for (i = 0; i < sn->n; i++) {
		if (i >= from && i < to)
			once += sn->count[i] == 1;
		else
			other += sn->count[i];
	}
	check(name, !sn->c.failed && once == to - from && other == 0 &&
	    sn->unknown == 0 && sn->bad_reason == 0 && sn->pages > 1,
	    "%s; %zu of %zu items once, %zu others, %zu unknown, %zu with a "
	    "wrong reason, %zu pages", why(&sn->c), once, to - from, other,
	    sn->unknown, sn->bad_reason, sn->pages);
}

static cJSON *
ddb_update_req(const char *expect, const char *set)
{
	cJSON *req = cJSON_CreateObject(), *o;

	cJSON_AddStringToObject(req, "TableName", DDB_TABLE);
	o = cJSON_AddObjectToObject(req, "Key");
	cJSON_AddItemToObject(o, "instance_id", ddb_s(DDB_HASH_BIG));
	cJSON_AddItemToObject(o, "exception_id", ddb_s("ex-0001"));
	cJSON_AddStringToObject(req, "UpdateExpression", "SET #st = :new");
	cJSON_AddStringToObject(req, "ConditionExpression",
	    "attribute_exists(instance_id) AND #st = :old");
	o = cJSON_AddObjectToObject(req, "ExpressionAttributeNames");
	cJSON_AddStringToObject(o, "#st", "status");
	o = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
	cJSON_AddItemToObject(o, ":new", ddb_s(set));
	cJSON_AddItemToObject(o, ":old", ddb_s(expect));
	cJSON_AddStringToObject(req, "ReturnValues", "ALL_NEW");
	return req;
}

static void
test_ddb(struct session *s, struct aws_client *ddb)
{
	struct jres r;
	struct seen sn;
	cJSON *req, *o, *a;
	const char *st = NULL;
	char *err = NULL;
	size_t failed;
	int tries;

	req = cJSON_Parse("{\"TableName\":\"" DDB_TABLE "\","
	    "\"AttributeDefinitions\":["
	    "{\"AttributeName\":\"instance_id\",\"AttributeType\":\"S\"},"
	    "{\"AttributeName\":\"exception_id\",\"AttributeType\":\"S\"}],"
	    "\"KeySchema\":["
	    "{\"AttributeName\":\"instance_id\",\"KeyType\":\"HASH\"},"
	    "{\"AttributeName\":\"exception_id\",\"KeyType\":\"RANGE\"}],"
	    "\"BillingMode\":\"PAY_PER_REQUEST\"}");
	memset(&r, 0, sizeof r);
	ddb_create_table(ddb, req, on_json, &r);
	wait_call(s, &r.c);
	check("ddb_create_table", !r.c.failed &&
	    nz(jstr(r.reply, "TableName"))[0] != '\0' &&
	    strcmp(nz(jstr(r.reply, "TableName")), DDB_TABLE) == 0,
	    "%s; TableName %s", why(&r.c), nz(jstr(r.reply, "TableName")));
	jres_done(&r);

	for (tries = 0; tries < 60; tries++) {
		memset(&r, 0, sizeof r);
		ddb_describe_table(ddb, DDB_TABLE, on_json, &r);
		wait_call(s, &r.c);
		st = jstr(r.reply, "TableStatus");
		if (r.c.failed || (st != NULL && strcmp(st, "ACTIVE") == 0))
			break;
		jres_done(&r);
		sleep_ms(500);
	}
	a = cJSON_GetObjectItemCaseSensitive(r.reply, "KeySchema");
	o = cJSON_GetArrayItem(a, 0);
	check("ddb_describe_table", !r.c.failed && st != NULL &&
	    strcmp(st, "ACTIVE") == 0 && cJSON_GetArraySize(a) == 2 &&
	    strcmp(nz(jstr(o, "AttributeName")), "instance_id") == 0 &&
	    strcmp(nz(jstr(o, "KeyType")), "HASH") == 0 &&
	    strcmp(nz(jstr(cJSON_GetArrayItem(a, 1), "KeyType")),
	    "RANGE") == 0 &&
	    strcmp(nz(jstr(r.reply, "BillingModeSummary.BillingMode")),
	    "PAY_PER_REQUEST") == 0,
	    "%s; status %s, %d keys, billing %s", why(&r.c), nz(st),
	    cJSON_GetArraySize(a),
	    nz(jstr(r.reply, "BillingModeSummary.BillingMode")));
	jres_done(&r);

	failed = bulk_run(s, N_DDB_BIG + N_DDB_SMALL, ddb_put_one, ddb, &err);
	check("ddb_put_item", failed == 0, "%zu of %d failed, first: %s",
	    failed, N_DDB_BIG + N_DDB_SMALL, nz(err));
	free(err);

	memset(&sn, 0, sizeof sn);
	sn.n = N_DDB_BIG + N_DDB_SMALL;
	sn.count = xcalloc(sn.n, 1);
	ddb_scan(ddb, cJSON_Parse("{\"TableName\":\"" DDB_TABLE "\"}"),
	    on_items, call_end, &sn);
	wait_call(s, &sn.c);
	seen_check("ddb_scan_pages", &sn, 0, N_DDB_BIG + N_DDB_SMALL);
	call_reset(&sn.c);
	memset(sn.count, 0, sn.n);
	sn.pages = sn.unknown = sn.bad_reason = 0;
	req = cJSON_Parse("{\"TableName\":\"" DDB_TABLE "\","
	    "\"KeyConditionExpression\":\"instance_id = :i\","
	    "\"ExpressionAttributeValues\":{\":i\":{\"S\":\"" DDB_HASH_BIG
	    "\"}}}");
	ddb_query(ddb, req, on_items, call_end, &sn);
	wait_call(s, &sn.c);
	seen_check("ddb_query_pages", &sn, 0, N_DDB_BIG);
	call_reset(&sn.c);
	free(sn.count);

	/* PutItem with a condition that fails on an existing item. */
	req = cJSON_Parse("{\"TableName\":\"" DDB_TABLE "\",\"Item\":{"
	    "\"instance_id\":{\"S\":\"" DDB_HASH_BIG "\"},"
	    "\"exception_id\":{\"S\":\"ex-0000\"},"
	    "\"status\":{\"S\":\"overwritten\"}},"
	    "\"ConditionExpression\":\"attribute_not_exists(instance_id)\"}");
	memset(&r, 0, sizeof r);
	ddb_put_item(ddb, req, on_json, &r);
	wait_call(s, &r.c);
	check("ddb_put_item_condition_fails", r.c.failed &&
	    strcmp(nz(r.c.code), "ConditionalCheckFailedException") == 0,
	    "%s", r.c.failed ? why(&r.c) : "the put succeeded");
	jres_done(&r);

	/* UpdateItem: the condition holds, then (the value changed) not. */
	memset(&r, 0, sizeof r);
	ddb_update_item(ddb, ddb_update_req("active", "revoked"), on_json, &r);
	wait_call(s, &r.c);
	o = cJSON_GetObjectItemCaseSensitive(r.reply, "Attributes");
	check("ddb_update_item_condition_passes", !r.c.failed &&
	    strcmp(nz(ddb_item_s(o, "status")), "revoked") == 0 &&
	    strcmp(nz(ddb_item_s(o, "exception_id")), "ex-0001") == 0,
	    "%s; Attributes.status %s", why(&r.c),
	    nz(ddb_item_s(o, "status")));
	jres_done(&r);
	memset(&r, 0, sizeof r);
	ddb_update_item(ddb, ddb_update_req("active", "again"), on_json, &r);
	wait_call(s, &r.c);
	check("ddb_update_item_condition_fails", r.c.failed &&
	    strcmp(nz(r.c.code), "ConditionalCheckFailedException") == 0,
	    "%s", r.c.failed ? why(&r.c) : "the update succeeded");
	jres_done(&r);
}

/* ---- S3 and Athena ----------------------------------------------------- */

#define RESULTS_PREFIX "patchdeck"
/* Spaces, non-ASCII, and the characters a query string or a form would
 * change: the key must survive path encoding and signing untouched. */
#define ODD_KEY "odd/patch night \xc3\xbc \xe2\x98\x83 \xe6\x96\x87" \
	"+a&b=c (1).txt"

struct s3ctx {
	struct aws_client *s3;
	const char *bucket;
	const char *run_id;
	char dt[16];
};

static void
result_id(size_t i, char *out, size_t n)
{
	snprintf(out, n, "i-0%016zx", i + 1);
}

static const char *
result_status(size_t i)
{
	return i % 7 == 0 ? "failed" : "success";
}

/* The object for result i: the PATCHDECK_RESULT fields and the run's. */
static char *
result_json(const struct s3ctx *x, size_t i)
{
	cJSON *o = cJSON_CreateObject();
	char id[32], name[64], kernel[32];
	char *s;

	result_id(i, id, sizeof id);
	snprintf(name, sizeof name, "web-%zu \"\xc3\xbc\" <&>", i);
	snprintf(kernel, sizeof kernel, "6.1.%zu-pd", i % 97);
	cJSON_AddStringToObject(o, "run_id", x->run_id);
	cJSON_AddStringToObject(o, "window", "calls");
	cJSON_AddStringToObject(o, "account", "123456789012");
	cJSON_AddStringToObject(o, "region", "us-east-1");
	cJSON_AddStringToObject(o, "instance_id", id);
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "platform", "Linux");
	cJSON_AddStringToObject(o, "status", result_status(i));
	cJSON_AddStringToObject(o, "started_at", "2026-01-01T00:00:00Z");
	cJSON_AddStringToObject(o, "ended_at", "2026-01-01T00:10:00Z");
	cJSON_AddStringToObject(o, "os", "Amazon Linux 2023");
	cJSON_AddStringToObject(o, "kernel_before", "6.1.0-pd");
	cJSON_AddStringToObject(o, "kernel_after", kernel);
	cJSON_AddNumberToObject(o, "pkgs_before", 400);
	cJSON_AddNumberToObject(o, "pkgs_updated", (double)(i % 50));
	cJSON_AddNumberToObject(o, "pkgs_available_after", 0);
	cJSON_AddStringToObject(o, "reboot", "no");
	cJSON_AddStringToObject(o, "error", "");
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

static char *
result_key(const struct s3ctx *x, size_t i)
{
	char id[32];

	result_id(i, id, sizeof id);
	return xasprintf(RESULTS_PREFIX "/results/dt=%s/run=%s/%s.json",
	    x->dt, x->run_id, id);
}

static void
s3_put_one(struct bulk *b, size_t i)
{
	struct s3ctx *x = b->ctx;
	char *key = result_key(x, i), *body = result_json(x, i);

	s3_put_object(x->s3, x->bucket, key, body, strlen(body),
	    "application/json", bulk_end, b);
	free(key);
	free(body);
}

struct keys {
	struct call c;
	char **v;
	size_t n, pages, bad_size;
	const struct s3ctx *x;
};

static int
on_objects(void *arg, const struct s3_object *v, size_t n)
{
	struct keys *k = arg;
	size_t i;

	k->pages++;
	k->v = xreallocarray(k->v, k->n + n + 1, sizeof *k->v);
	for (i = 0; i < n; i++) {
		k->v[k->n++] = xstrdup(v[i].key);
		if (v[i].size <= 0 || v[i].etag[0] == '\0' ||
		    v[i].last_modified[0] == '\0')
			k->bad_size++;
	}
	return 0;
}

static void
keys_done(struct keys *k)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		free(k->v[i]);
	free(k->v);
	call_reset(&k->c);
	memset(k, 0, sizeof *k);
}

struct body {
	struct call c;
	char *data;
	size_t len;
};

static void
on_body(void *arg, const char *data, size_t len, const struct aws_error *err)
{
	struct body *b = arg;

	if (err != NULL) {
		call_fail(&b->c, err);
	} else {
		b->data = xmalloc(len + 1);
		memcpy(b->data, data, len);
		b->data[len] = '\0';
		b->len = len;
	}
	b->c.done = 1;
}

static void
test_s3(struct session *s, struct s3ctx *x)
{
	struct keys k;
	struct body b;
	struct call c;
	char odd[4096 + 1], *err = NULL, *key, *want;
	size_t failed, i, good;
	long rep;

	failed = bulk_run(s, N_S3_RESULTS, s3_put_one, x, &err);
	check("s3_put_object", failed == 0, "%zu of %d failed, first: %s",
	    failed, N_S3_RESULTS, nz(err));
	free(err);

	/* Every byte value, NUL included: the body is bytes, not text. */
	for (i = 0; i < sizeof odd - 1; i++)
		odd[i] = (char)(i * 31 % 256);
	odd[sizeof odd - 1] = '\0';
	memset(&c, 0, sizeof c);
	s3_put_object(x->s3, x->bucket, ODD_KEY, odd, sizeof odd - 1, NULL,
	    call_end, &c);
	wait_call(s, &c);
	check("s3_put_object_odd_key", !c.failed, "%s", why(&c));
	call_reset(&c);

	memset(&k, 0, sizeof k);
	s3_list_objects(x->s3, x->bucket, RESULTS_PREFIX "/results/",
	    on_objects, call_end, &k);
	wait_call(s, &k.c);
	rep = first_repeat(k.v, k.n);
	good = 0;
	for (i = 0; i < N_S3_RESULTS; i++) {
		key = result_key(x, i);
		good += bsearch(&key, k.v, k.n, sizeof *k.v, cmp_str) != NULL;
		free(key);
	}
	check("s3_list_objects_pages", !k.c.failed && k.n == N_S3_RESULTS &&
	    rep < 0 && good == N_S3_RESULTS && k.pages >= 2 &&
	    k.bad_size == 0,
	    "%s; %zu keys in %zu pages, %zu of %d expected found, %s, %zu "
	    "without size/etag/date", why(&k.c), k.n, k.pages, good,
	    N_S3_RESULTS, rep >= 0 ? "a key repeats" : "no repeat",
	    k.bad_size);
	keys_done(&k);

	memset(&k, 0, sizeof k);
	s3_list_objects(x->s3, x->bucket, "odd/", on_objects, call_end, &k);
	wait_call(s, &k.c);
	check("s3_list_objects_odd_key", !k.c.failed && k.n == 1 &&
	    strcmp(k.v[0], ODD_KEY) == 0, "%s; %zu keys%s", why(&k.c), k.n,
	    k.n == 1 ? ", the key differs" : "");
	keys_done(&k);

	memset(&b, 0, sizeof b);
	s3_get_object(x->s3, x->bucket, ODD_KEY, on_body, &b);
	wait_call(s, &b.c);
	check("s3_get_object_odd_key", !b.c.failed && b.len == sizeof odd - 1 &&
	    memcmp(b.data, odd, b.len) == 0, "%s; %zu bytes, %s", why(&b.c),
	    b.len, b.data != NULL && b.len == sizeof odd - 1 &&
	    memcmp(b.data, odd, b.len) == 0 ? "same" : "different");
	free(b.data);
	call_reset(&b.c);

	key = result_key(x, 42);
	want = result_json(x, 42);
	memset(&b, 0, sizeof b);
	s3_get_object(x->s3, x->bucket, key, on_body, &b);
	wait_call(s, &b.c);
	check("s3_get_object", !b.c.failed && b.len == strlen(want) &&
	    memcmp(b.data, want, b.len) == 0, "%s; %zu bytes", why(&b.c),
	    b.len);
	free(b.data);
	call_reset(&b.c);
	free(key);
	free(want);

	memset(&b, 0, sizeof b);
	s3_get_object(x->s3, x->bucket, "odd/absent", on_body, &b);
	wait_call(s, &b.c);
	check("s3_get_object_absent", b.c.failed &&
	    strcmp(nz(b.c.code), "NoSuchKey") == 0, "%s",
	    b.c.failed ? why(&b.c) : "it was found");
	call_reset(&b.c);
}

struct qx {
	struct call c;
	char *id, *state, *reason;
};

static void
on_qid(void *arg, const char *id, const struct aws_error *err)
{
	struct qx *q = arg;

	if (id == NULL)
		call_fail(&q->c, err);
	else
		q->id = xstrdup(id);
	q->c.done = 1;
}

static void
on_qexec(void *arg, const struct athena_execution *x,
    const struct aws_error *err)
{
	struct qx *q = arg;

	if (x == NULL) {
		call_fail(&q->c, err);
	} else {
		free(q->state);
		free(q->reason);
		q->state = xstrdup(x->state);
		q->reason = xstrdup(x->reason);
		if (q->id != NULL && strcmp(x->id, q->id) != 0) {
			q->c.failed = 1;
			q->c.why = xasprintf("QueryExecutionId %s, not %s",
			    x->id, q->id);
		}
	}
	q->c.done = 1;
}

/* Starts query and polls it to a final state; returns the final state
 * in q (caller frees with qx_done). */
static void
athena_run(struct session *s, struct aws_client *ath, const char *query,
    const char *out, struct qx *q)
{
	struct athena_start st;
	int tries;

	memset(q, 0, sizeof *q);
	memset(&st, 0, sizeof st);
	st.query = query;
	st.database = "default";
	st.output_location = out;
	athena_start_query(ath, &st, on_qid, q);
	wait_call(s, &q->c);
	if (q->c.failed)
		return;
	for (tries = 0; tries < 120; tries++) {
		q->c.done = 0;
		athena_get_query_execution(ath, q->id, on_qexec, q);
		wait_call(s, &q->c);
		if (q->c.failed || strcmp(q->state, "SUCCEEDED") == 0 ||
		    strcmp(q->state, "FAILED") == 0 ||
		    strcmp(q->state, "CANCELLED") == 0)
			return;
		sleep_ms(250);
	}
}

static void
qx_done(struct qx *q)
{
	free(q->id);
	free(q->state);
	free(q->reason);
	call_reset(&q->c);
	memset(q, 0, sizeof *q);
}

#define ATHENA_COLS "instance_id, name, status, pkgs_updated, kernel_after"

struct rows {
	struct call c;
	const struct s3ctx *x;
	size_t pages, rows, good, header_ok, header_pages, ncols_bad;
	char first_bad[160];
};

static int
on_rows(void *arg, const char *const *names, size_t ncols,
    const char *const *cells, size_t nrows, int header)
{
	static const char *const want_names[] = { "instance_id", "name",
	    "status", "pkgs_updated", "kernel_after" };
	struct rows *r = arg;
	size_t i = 0, k, idx;
	char *want, num[16], id[32], name[64], kernel[32];
	cJSON *j;

	r->pages++;
	if (ncols != 5) {
		r->ncols_bad++;
		return 0;
	}
	if (header) {
		r->header_pages++;
		r->header_ok = nrows > 0;
		for (k = 0; k < 5; k++)
			r->header_ok &= cells[k] != NULL &&
			    strcmp(cells[k], want_names[k]) == 0 &&
			    strcmp(names[k], want_names[k]) == 0;
		i = 1;
	}
	for (; i < nrows; i++) {
		const char *const *row = cells + i * ncols;

		r->rows++;
		if (row[0] == NULL || strncmp(row[0], "i-0", 3) != 0)
			goto bad;
		idx = strtoul(row[0] + 3, NULL, 16) - 1;
		if (idx >= N_S3_RESULTS)
			goto bad;
		/* Ordered by instance_id: row n is result n. */
		if (idx != r->rows - 1)
			goto bad;
		want = result_json(r->x, idx);
		j = cJSON_Parse(want);
		free(want);
		result_id(idx, id, sizeof id);
		snprintf(name, sizeof name, "%s", jstr(j, "name"));
		snprintf(kernel, sizeof kernel, "%s", jstr(j, "kernel_after"));
		cJSON_Delete(j);
		snprintf(num, sizeof num, "%zu", idx % 50);
		if (strcmp(row[0], id) == 0 && row[1] != NULL &&
		    strcmp(row[1], name) == 0 && row[2] != NULL &&
		    strcmp(row[2], result_status(idx)) == 0 &&
		    row[3] != NULL && strcmp(row[3], num) == 0 &&
		    row[4] != NULL && strcmp(row[4], kernel) == 0) {
			r->good++;
			continue;
		}
bad:
		if (r->first_bad[0] == '\0')
			snprintf(r->first_bad, sizeof r->first_bad,
			    "row %zu: %s | %s | %s | %s", r->rows,
			    nz(row[0]), nz(row[2]), nz(row[3]), nz(row[4]));
	}
	return 0;
}

static void
test_athena(struct session *s, struct aws_client *ath, struct s3ctx *x,
    const struct opts *o)
{
	struct buf sql, ddl;
	struct qx q;
	struct rows r;
	char *out, *select, *line, *next, *table;
	const char *p;
	int body_started = 0;

	buf_init(&sql);
	if (util_read_file(o->results_sql, 1 << 20, &sql) != 0) {
		check("athena_ddl", 0, "cannot read %s", o->results_sql);
		return;
	}
	/* The statement without its leading comment lines, the three
	 * placeholders substituted; ${dt} is Athena's and stays. */
	buf_init(&ddl);
	table = xstrdup("default.patchdeck_results");
	for (line = sql.data; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (!body_started && strncmp(line, "--", 2) == 0)
			continue;
		body_started = 1;
		for (p = line; *p != '\0';) {
			if (strncmp(p, "${table}", 8) == 0) {
				buf_puts(&ddl, table);
				p += 8;
			} else if (strncmp(p, "${bucket}", 9) == 0) {
				buf_puts(&ddl, x->bucket);
				p += 9;
			} else if (strncmp(p, "${prefix}", 9) == 0) {
				buf_puts(&ddl, RESULTS_PREFIX);
				p += 9;
			} else {
				buf_putc(&ddl, *p++);
			}
		}
		buf_putc(&ddl, '\n');
	}
	buf_free(&sql);
	out = xasprintf("s3://%s/athena-out/", x->bucket);

	athena_run(s, ath, ddl.data, out, &q);
	check("athena_ddl", !q.c.failed && q.state != NULL &&
	    strcmp(q.state, "SUCCEEDED") == 0, "%s; state %s %s", why(&q.c),
	    nz(q.state), nz(q.reason));
	qx_done(&q);

	select = xasprintf("SELECT " ATHENA_COLS " FROM %s WHERE run_id = "
	    "'%s' AND dt = '%s' ORDER BY instance_id", table, x->run_id,
	    x->dt);
	athena_run(s, ath, select, out, &q);
	check("athena_select_state", !q.c.failed && q.state != NULL &&
	    strcmp(q.state, "SUCCEEDED") == 0, "%s; state %s %s", why(&q.c),
	    nz(q.state), nz(q.reason));
	memset(&r, 0, sizeof r);
	r.x = x;
	if (q.id != NULL) {
		athena_get_query_results(ath, q.id, on_rows, call_end, &r);
		wait_call(s, &r.c);
	} else {
		r.c.failed = 1;
		r.c.why = xstrdup("no query");
	}
	check("athena_results_header", !r.c.failed && r.header_pages == 1 &&
	    r.header_ok && r.ncols_bad == 0, "%s; %zu header pages, header "
	    "%s, %zu pages with the wrong column count", why(&r.c),
	    r.header_pages, r.header_ok ? "right" : "wrong", r.ncols_bad);
	check("athena_results_values", !r.c.failed && r.rows == N_S3_RESULTS &&
	    r.good == N_S3_RESULTS && r.pages >= 2,
	    "%s; %zu rows in %zu pages, %zu as put (expected %d); %s",
	    why(&r.c), r.rows, r.pages, r.good, N_S3_RESULTS,
	    r.first_bad[0] ? r.first_bad : "");
	call_reset(&r.c);
	qx_done(&q);
	free(select);
	free(out);
	free(table);
	buf_free(&ddl);
}

/* ---- SNS and STS ------------------------------------------------------- */

struct pubres {
	struct call c;
	char *id;
};

static void
on_published(void *arg, const char *id, const struct aws_error *err)
{
	struct pubres *p = arg;

	if (id == NULL)
		call_fail(&p->c, err);
	else
		p->id = xstrdup(id);
	p->c.done = 1;
}

static void
test_sns(struct session *s, struct aws_client *sns, const struct opts *o)
{
	struct pubres p;
	char *msg, *subject;

	if (o->topic_arn == NULL) {
		check("sns_publish", 0, "no --topic-arn");
		return;
	}
	/* test_aws_calls.sh looks for exactly this text in GET /_sim/sns. */
	msg = xasprintf("patchdeck calls %s: \xe2\x9c\x93 <&> \"q\" 'a' +=%%",
	    o->run_id);
	subject = xasprintf("patchdeck calls %s", o->run_id);
	memset(&p, 0, sizeof p);
	sns_publish(sns, o->topic_arn, subject, msg, on_published, &p);
	wait_call(s, &p.c);
	check("sns_publish", !p.c.failed && p.id != NULL && p.id[0] != '\0',
	    "%s", why(&p.c));
	if (p.id != NULL)
		printf("# sns message-id %s\n", p.id);
	free(p.id);
	call_reset(&p.c);
	free(msg);
	free(subject);
}

struct idres {
	struct call c;
	char *arn, *account, *user_id;
};

static void
on_identity(void *arg, const struct sts_identity *id,
    const struct aws_error *err)
{
	struct idres *r = arg;

	if (id == NULL) {
		call_fail(&r->c, err);
	} else {
		r->arn = xstrdup(id->arn);
		r->account = xstrdup(id->account);
		r->user_id = xstrdup(id->user_id != NULL ? id->user_id : "");
	}
	r->c.done = 1;
}

static void
idres_done(struct idres *r)
{
	free(r->arn);
	free(r->account);
	free(r->user_id);
	call_reset(&r->c);
	memset(r, 0, sizeof *r);
}

/* Facts about the credentials, never the credentials. */
struct assumed {
	struct call c;
	int key_ok, secret_ok, token_ok;
	long long expires;
	char *arn;
};

static void
on_assumed(void *arg, const struct sts_credentials *cr,
    const struct aws_error *err)
{
	struct assumed *a = arg;

	if (cr == NULL) {
		call_fail(&a->c, err);
	} else {
		a->key_ok = cr->access_key != NULL &&
		    strlen(cr->access_key) >= 16;
		a->secret_ok = cr->secret_key != NULL &&
		    strlen(cr->secret_key) >= 16;
		a->token_ok = cr->session_token != NULL &&
		    cr->session_token[0] != '\0';
		a->expires = cr->expires;
		a->arn = xstrdup(cr->assumed_arn != NULL ? cr->assumed_arn :
		    "");
	}
	a->c.done = 1;
}

static void
test_sts(struct session *s, struct aws_client *sts, const struct opts *o)
{
	const char *account = getenv("PATCHDECK_SIM_ACCOUNT_ID");
	struct sts_assume_params ap;
	struct session s2;
	struct aws_client *c2, *ec2;
	struct idres id;
	struct assumed a;
	struct inst_list l;
	char *err = NULL, *want_arn, *role;
	long long now = (long long)time(NULL);

	memset(&id, 0, sizeof id);
	sts_get_caller_identity(sts, on_identity, &id);
	wait_call(s, &id.c);
	want_arn = xasprintf("arn:aws:iam::%s:user/", nz(account));
	check("sts_get_caller_identity", !id.c.failed && account != NULL &&
	    strcmp(id.account, account) == 0 &&
	    strncmp(id.arn, want_arn, strlen(want_arn)) == 0 &&
	    id.user_id[0] != '\0',
	    "%s; arn %s account %s (expected %s...)", why(&id.c), nz(id.arn),
	    nz(id.account), want_arn);
	free(want_arn);
	idres_done(&id);

	if (o->role_arn == NULL) {
		check("sts_assume_role", 0, "no --role-arn");
		return;
	}
	memset(&ap, 0, sizeof ap);
	ap.role_arn = o->role_arn;
	ap.session_name = "patchdeck-calls";
	ap.duration_s = 900;
	memset(&a, 0, sizeof a);
	sts_assume_role(sts, &ap, on_assumed, NULL, &a);
	wait_call(s, &a.c);
	role = strrchr(o->role_arn, '/');
	want_arn = xasprintf("arn:aws:sts::%s:assumed-role/%s/patchdeck-calls",
	    nz(account), role != NULL ? role + 1 : "?");
	check("sts_assume_role", !a.c.failed && a.key_ok && a.secret_ok &&
	    a.token_ok && a.expires > now + 60 && a.expires <= now + 3700 &&
	    strcmp(a.arn, want_arn) == 0,
	    "%s; key %s secret %s token %s, expires in %lld s, arn %s "
	    "(expected %s)", why(&a.c), a.key_ok ? "ok" : "missing",
	    a.secret_ok ? "ok" : "missing", a.token_ok ? "ok" : "missing",
	    a.expires - now, nz(a.arn), want_arn);
	free(a.arn);
	call_reset(&a.c);

	/* The same role through our credential chain: a profile with
	 * role_arn + source_profile, named as --profile would name it. */
	if (o->assume_profile == NULL) {
		check("sts_profile_assume_role", 0, "no --assume-profile");
		free(want_arn);
		return;
	}
	if (session_open(&s2, o->assume_profile, NULL, &err) != 0) {
		check("sts_profile_assume_role", 0, "session: %s", nz(err));
		free(err);
		session_close(&s2);
		free(want_arn);
		return;
	}
	c2 = session_client(&s2, "STS", &err);
	ec2 = session_client(&s2, "EC2", &err);
	if (c2 == NULL || ec2 == NULL) {
		check("sts_profile_assume_role", 0, "client: %s", nz(err));
		free(err);
		session_close(&s2);
		free(want_arn);
		return;
	}
	memset(&id, 0, sizeof id);
	sts_get_caller_identity(c2, on_identity, &id);
	wait_call(&s2, &id.c);
	/* The session name is ours to choose (creds.c picks it); the role
	 * and account are not. */
	role = xasprintf("arn:aws:sts::%s:assumed-role/%s/", nz(account),
	    strrchr(o->role_arn, '/') != NULL ?
	    strrchr(o->role_arn, '/') + 1 : "?");
	check("sts_profile_assume_role", !id.c.failed &&
	    strncmp(nz(id.arn), role, strlen(role)) == 0 &&
	    strcmp(nz(id.account), nz(account)) == 0,
	    "%s; arn %s (expected %s...)", why(&id.c), nz(id.arn), role);
	free(role);
	idres_done(&id);
	describe(&s2, ec2, NULL, 0, NULL, 0, &l);
	check("ec2_describe_as_assumed_role", !l.c.failed &&
	    (long)l.n == o->expect_instances, "%s; %zu instances",
	    why(&l.c), l.n);
	inst_list_done(&l);
	session_close(&s2);
	free(want_arn);
}

/* ---- main -------------------------------------------------------------- */

static void
usage(void)
{
	fprintf(stderr, "usage: calls --expect-instances N --bucket B "
	    "--topic-arn ARN --role-arn ARN --assume-profile NAME "
	    "[--doc-file F] [--results-sql F] [--run-id ID]\n"
	    "       calls --retry-probe N\n");
	exit(2);
}

static struct aws_client *
client(struct session *s, const char *id)
{
	char *err = NULL;
	struct aws_client *c = session_client(s, id, &err);

	if (c == NULL) {
		fprintf(stderr, "calls: %s client: %s\n", id, nz(err));
		exit(1);
	}
	return c;
}

/* Batches of at most this many calls: net.c's connections per host, so
 * no retry waits for a connection behind another call's first attempt. */
#define PROBE_BATCH 16

struct probe {
	struct inst_list l;
	char value[32];
	int *left;
	int *stop;
};

static void
on_probe(void *arg, const struct aws_error *err)
{
	struct probe *p = arg;

	call_end(&p->l, err);
	if (--*p->left == 0)
		*p->stop = 1;
}

/*
 * calls --retry-probe N: N DescribeInstances calls through one client, up
 * to PROBE_BATCH at a time, for test_retry.sh, which queues faults for them
 * at the simulator and reads the attempts from its log.  Each call filters
 * on its own tag value (pid and number), so its attempts share a body no
 * other call sends, in this run or another, and the log tells the calls
 * apart.  Passes when every call ends in
 * success (the queued faults were retried away).
 */
static int
retry_probe(long n)
{
	struct session s;
	struct aws_client *ec2;
	struct probe *p;
	struct ec2_filter f;
	const char *values[1];
	char *err = NULL;
	long i, j, batch;
	int left, stop;

	if (session_open(&s, NULL, NULL, &err) != 0) {
		printf("FAIL session: %s\n", nz(err));
		free(err);
		session_close(&s);
		printf("calls: 0 passed, 1 failed\n");
		return 1;
	}
	ec2 = client(&s, "EC2");
	p = xcalloc((size_t)n, sizeof *p);
	f.name = "tag:PatchdeckProbe";
	f.values = values;
	f.nvalues = 1;
	for (i = 0; i < n; i += batch) {
		batch = n - i < PROBE_BATCH ? n - i : PROBE_BATCH;
		left = (int)batch;
		stop = 0;
		for (j = i; j < i + batch; j++) {
			snprintf(p[j].value, sizeof p[j].value, "probe-%ld-%ld",
			    (long)getpid(), j + 1);
			values[0] = p[j].value;
			p[j].left = &left;
			p[j].stop = &stop;
			/* The request is built here; values may change after. */
			ec2_describe_instances(ec2, &f, 1, NULL, 0, inst_page,
			    on_probe, &p[j]);
		}
		net_run(s.net, &stop);
	}
	for (i = 0; i < n; i++) {
		char name[64];

		snprintf(name, sizeof name, "retry_probe_%ld", i + 1);
		check(name, p[i].l.c.done && !p[i].l.c.failed && p[i].l.n == 0,
		    "%s", p[i].l.c.done ? nz(p[i].l.c.why) :
		    "the callback never ran");
		inst_list_done(&p[i].l);
	}
	free(p);
	session_close(&s);
	printf("calls: %d passed, %d failed\n", npass, nfail);
	return nfail == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct session s;
	struct picks pk;
	struct s3ctx x;
	char *err = NULL;
	struct tm tm;
	time_t now = time(NULL);
	int i;
	size_t k;

	memset(&o, 0, sizeof o);
	o.expect_instances = -1;
	o.doc_file = "data/ssm/patchdeck-linux-patch.json";
	o.results_sql = "data/athena/results.sql";
	o.run_id = "calls-run-1";
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (i + 1 >= argc)
			usage();
		if (strcmp(a, "--retry-probe") == 0) {
			long n = strtol(argv[++i], NULL, 10);

			if (n < 1 || n > 1000 || argc != 3)
				usage();
			return retry_probe(n);
		}
		if (strcmp(a, "--expect-instances") == 0)
			o.expect_instances = strtol(argv[++i], NULL, 10);
		else if (strcmp(a, "--bucket") == 0)
			o.bucket = argv[++i];
		else if (strcmp(a, "--topic-arn") == 0)
			o.topic_arn = argv[++i];
		else if (strcmp(a, "--role-arn") == 0)
			o.role_arn = argv[++i];
		else if (strcmp(a, "--assume-profile") == 0)
			o.assume_profile = argv[++i];
		else if (strcmp(a, "--doc-file") == 0)
			o.doc_file = argv[++i];
		else if (strcmp(a, "--results-sql") == 0)
			o.results_sql = argv[++i];
		else if (strcmp(a, "--run-id") == 0)
			o.run_id = argv[++i];
		else
			usage();
	}
	if (o.expect_instances < 0 || o.bucket == NULL)
		usage();

	if (session_open(&s, NULL, NULL, &err) != 0) {
		printf("FAIL session: %s\n", nz(err));
		free(err);
		session_close(&s);
		printf("calls: 0 passed, 1 failed\n");
		return 1;
	}
	memset(&pk, 0, sizeof pk);
	test_ec2(&s, client(&s, "EC2"), &o, &pk);
	test_ssm(&s, client(&s, "SSM"), client(&s, "EC2"), &o, &pk);
	test_ddb(&s, client(&s, "DYNAMODB"));
	memset(&x, 0, sizeof x);
	x.s3 = client(&s, "S3");
	x.bucket = o.bucket;
	x.run_id = o.run_id;
	/* Athena's partition projection reaches up to NOW in the
	 * simulator's real clock, so the partition is today's (UTC). */
	gmtime_r(&now, &tm);
	strftime(x.dt, sizeof x.dt, "%Y-%m-%d", &tm);
	test_s3(&s, &x);
	test_athena(&s, client(&s, "ATHENA"), &x, &o);
	test_sns(&s, client(&s, "SNS"), &o);
	test_sts(&s, client(&s, "STS"), &o);

	for (k = 0; k < pk.nstopped; k++)
		free(pk.stopped_ids[k]);
	free(pk.flipped);
	session_close(&s);
	printf("calls: %d passed, %d failed\n", npass, nfail);
	return nfail == 0 ? 0 : 1;
}
