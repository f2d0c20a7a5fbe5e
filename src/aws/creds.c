/*
 * creds.c - see creds.h.
 *
 * One provider per source.  creds_new() walks the chain once and keeps the
 * first source that applies, so a broken configuration is reported before
 * anything is sent and the chain is not walked again on every call.  A
 * role's source (source_profile or credential_source) is a provider of its
 * own, owned by the role's provider and handed to its STS client.
 *
 * Refreshes: the first creds_get() that finds the cache stale starts one;
 * later callers queue behind it, and all of them get its outcome.
 */
#include "aws/creds.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aws/awsconf.h"
#include "aws/awserr.h"
#include "aws/client.h"
#include "aws/net.h"
#include "aws/sts.h"
#include "util/util.h"

#define PROCESS_MAX_OUT (64 * 1024)
#define PROCESS_MAX_ERR 4096
#define PROCESS_TIMEOUT_MS 30000L
#define IMDS_BASE "http://169.254.169.254"
#define IMDS_TIMEOUT_MS 1000L
#define IMDS_TTL_HEADER "X-aws-ec2-metadata-token-ttl-seconds: 21600"
#define IMDS_MAX_BODY (64 * 1024)
#define MAX_CHAIN 16
/* A failed refresh still hands out cached credentials with this much
 * life left, as the SDKs do in their advisory refresh window. */
#define STALE_GRACE_S 60

enum kind {
	K_ENV,
	K_STATIC,
	K_ASSUME,
	K_PROCESS,
	K_IMDS,
	K_NONE
};

struct waiter {
	creds_fn fn;
	void (*drop)(void *arg);	/* if the provider goes first */
	void *arg;
	struct waiter *next;
};

struct assume_call;

struct creds_provider {
	enum kind kind;
	struct net *net;
	const struct aws_config *cfg;
	char *profile;

	struct aws_creds cur;
	int have;
	int refreshing;
	struct waiter *head, **tail;
	int delivering;		/* callbacks running: free later */
	int dead;		/* creds_free() came while delivering */
	struct net_timer *timer;

	/* K_ASSUME */
	struct creds_provider *source;
	struct aws_client *sts;
	char *role_arn;
	char *external_id;
	char *session_name;	/* role_session_name, or NULL */
	int duration_s;
	char *source_desc;	/* "profile base", "environment", ... */
	struct assume_call *call;

	/* K_PROCESS */
	char *command;
	char *where;		/* FILE:LINE of credential_process */

	/* K_IMDS */
	char *imds_base;
	int imds_fallback;	/* last link of the chain */
	struct net_xfer *xfer;
	char *imds_token;
	char *imds_role;

	/* K_NONE, and K_IMDS as a fallback: what was tried */
	char *tried;
};

/*
 * An STS call in flight.  If the provider is freed first, the call keeps
 * the client and its source alive until the reply, since client.c has no
 * way to cancel a call.
 */
struct assume_call {
	struct creds_provider *p;	/* NULL once orphaned */
	struct aws_client *sts;
	struct creds_provider *source;
};

static long process_timeout_ms = PROCESS_TIMEOUT_MS;

static void start_refresh(struct creds_provider *p);

void
creds_set_process_timeout_ms(long ms)
{
	process_timeout_ms = ms > 0 ? ms : PROCESS_TIMEOUT_MS;
}

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

static void
free_secret(char *s)
{
	util_free_secret_str(s);
}

void
aws_creds_free(struct aws_creds *c)
{
	free(c->access_key);
	free_secret(c->secret_key);
	free_secret(c->session_token);
	free(c->source);
	memset(c, 0, sizeof *c);
}

void
aws_creds_copy(struct aws_creds *dst, const struct aws_creds *src)
{
	dst->access_key = src->access_key ? xstrdup(src->access_key) : NULL;
	dst->secret_key = src->secret_key ? xstrdup(src->secret_key) : NULL;
	dst->session_token = src->session_token ?
	    xstrdup(src->session_token) : NULL;
	dst->expires = src->expires;
	dst->source = src->source ? xstrdup(src->source) : NULL;
}

/* The file part of "FILE:LINE". */
static char *
file_of(const char *where)
{
	const char *colon = strrchr(where, ':');

	return colon != NULL ? xstrndup(where, (size_t)(colon - where)) :
	    xstrdup(where);
}

/* Appends s for a message: control and non-ASCII bytes become '?'. */
static void
put_clean(struct buf *b, const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i < max; i++) {
		unsigned char c = (unsigned char)s[i];

		buf_putc(b, c < 0x20 || c >= 0x7f ? '?' : (char)c);
	}
	if (s[i] != '\0')
		buf_puts(b, "...");
}

static struct creds_provider *
provider_new(enum kind kind, struct net *net, const struct aws_config *cfg,
    const char *profile)
{
	struct creds_provider *p = xcalloc(1, sizeof *p);

	/* Every provider starts here, before any secret is read: no core
	 * file or same-user ptrace may copy the keys out from now on.  A
	 * failure is not fatal (a sandbox may refuse prctl). */
	(void)util_no_core_dumps();
	p->kind = kind;
	p->net = net;
	p->cfg = cfg;
	p->profile = xstrdup(profile);
	p->tail = &p->head;
	return p;
}

static int
fresh(const struct creds_provider *p)
{
	if (!p->have)
		return 0;
	return p->cur.expires == 0 ||
	    p->cur.expires - (long long)time(NULL) > CREDS_REFRESH_BEFORE_S;
}

/* The loop was freed with the provider's transfer or timer pending: it
 * is gone, and must not be cancelled again when the provider is freed. */
static void
xfer_dropped(void *arg)
{
	((struct creds_provider *)arg)->xfer = NULL;
}

static void
timer_dropped(void *arg)
{
	((struct creds_provider *)arg)->timer = NULL;
}

static void
provider_destroy(struct creds_provider *p)
{
	struct waiter *w;

	if (p->timer != NULL)
		net_timer_cancel(p->net, p->timer);
	if (p->xfer != NULL)
		net_cancel(p->net, p->xfer);
	if (p->call != NULL) {
		/* The reply frees the client and the source. */
		p->call->p = NULL;
		p->call->sts = p->sts;
		p->call->source = p->source;
	} else {
		aws_client_free(p->sts);
		creds_free(p->source);
	}
	while ((w = p->head) != NULL) {
		p->head = w->next;
		if (w->drop != NULL)
			w->drop(w->arg);
		free(w);
	}
	aws_creds_free(&p->cur);
	free(p->profile);
	free(p->role_arn);
	free(p->external_id);
	free(p->session_name);
	free(p->source_desc);
	free(p->command);
	free(p->where);
	free(p->imds_base);
	free_secret(p->imds_token);
	free(p->imds_role);
	free(p->tried);
	free(p);
}

void
creds_free(struct creds_provider *p)
{
	if (p == NULL)
		return;
	if (p->delivering > 0) {
		p->dead = 1;
		return;
	}
	provider_destroy(p);
}

void
creds_invalidate(struct creds_provider *p)
{
	/* Long-term keys do not change by asking again. */
	if (p->kind == K_ENV || p->kind == K_STATIC)
		return;
	p->have = 0;
	if (p->source != NULL)
		creds_invalidate(p->source);
}

/*
 * Ends a refresh: stores cr (if not NULL) and hands the outcome to every
 * waiter.  p may be freed on return.
 */
static void
finish(struct creds_provider *p, const struct aws_creds *cr,
    const struct aws_error *err)
{
	struct waiter *list, *w;
	struct aws_creds snap;
	int ok;

	p->refreshing = 0;
	if (cr != NULL) {
		aws_creds_free(&p->cur);
		aws_creds_copy(&p->cur, cr);
		p->have = 1;
	}
	ok = cr != NULL || (p->have &&
	    p->cur.expires - (long long)time(NULL) > STALE_GRACE_S);
	/* A copy, since a callback may invalidate or replace p->cur. */
	memset(&snap, 0, sizeof snap);
	if (ok)
		aws_creds_copy(&snap, &p->cur);
	list = p->head;
	p->head = NULL;
	p->tail = &p->head;
	p->delivering++;
	while ((w = list) != NULL) {
		list = w->next;
		if (!p->dead)
			w->fn(w->arg, ok ? &snap : NULL, ok ? NULL : err);
		free(w);
	}
	p->delivering--;
	aws_creds_free(&snap);
	if (p->dead && p->delivering == 0)
		provider_destroy(p);
}

static void
finish_error(struct creds_provider *p, const char *code, const char *msg)
{
	struct aws_error e;

	awserr_init(&e);
	awserr_set(&e, 0, code, msg, NULL);
	finish(p, NULL, &e);
	awserr_free(&e);
}

void
creds_get(struct creds_provider *p, creds_fn fn, void *arg)
{
	creds_get_owned(p, fn, NULL, arg);
}

void
creds_get_owned(struct creds_provider *p, creds_fn fn, void (*drop)(void *),
    void *arg)
{
	struct waiter *w;

	if (fresh(p)) {
		struct aws_creds snap;

		aws_creds_copy(&snap, &p->cur);
		p->delivering++;
		fn(arg, &snap, NULL);
		p->delivering--;
		aws_creds_free(&snap);
		if (p->dead && p->delivering == 0)
			provider_destroy(p);
		return;
	}
	w = xcalloc(1, sizeof *w);
	w->fn = fn;
	w->drop = drop;
	w->arg = arg;
	*p->tail = w;
	p->tail = &w->next;
	if (!p->refreshing)
		start_refresh(p);
}

/* ---- credential_process ---- */

/*
 * Runs cmd through /bin/sh with stdout and stderr captured.  Returns 0 with
 * the exit status in *status, or -1 with *why (timeout, output too large,
 * could not start).  The child gets its own process group so that a
 * timeout kills what the shell started too.
 */
static int
run_command(const char *cmd, long timeout_ms, struct buf *out,
    struct buf *errout, int *status, char **why)
{
	int op[2], ep[2], i, st = 0, open_fds = 2;
	long long deadline = util_now_ms() + timeout_ms;
	pid_t pid;
	struct pollfd pfd[2];
	char chunk[4096];

	if (pipe(op) < 0)
		goto fail_start;
	if (pipe(ep) < 0) {
		close(op[0]);
		close(op[1]);
		goto fail_start;
	}
	for (i = 0; i < 2; i++) {
		fcntl(op[i], F_SETFD, FD_CLOEXEC);
		fcntl(ep[i], F_SETFD, FD_CLOEXEC);
	}
	pid = fork();
	if (pid < 0) {
		close(op[0]);
		close(op[1]);
		close(ep[0]);
		close(ep[1]);
		goto fail_start;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);
		sigset_t none;

		setpgid(0, 0);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(op[1], 1);
		dup2(ep[1], 2);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(op[1]);
	close(ep[1]);
	pfd[0].fd = op[0];
	pfd[1].fd = ep[0];
	pfd[0].events = pfd[1].events = POLLIN;
	while (open_fds > 0) {
		long long left = deadline - util_now_ms();
		int n;

		if (left <= 0) {
			*why = xasprintf("timed out after %ld ms", timeout_ms);
			goto kill_child;
		}
		n = poll(pfd, 2, (int)left);
		if (n < 0 && errno != EINTR) {
			*why = xasprintf("poll: %s", strerror(errno));
			goto kill_child;
		}
		for (i = 0; n > 0 && i < 2; i++) {
			ssize_t r;

			if (pfd[i].fd < 0 || pfd[i].revents == 0)
				continue;
			r = read(pfd[i].fd, chunk, sizeof chunk);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
				open_fds--;
				continue;
			}
			if (i == 0) {
				if (out->len + (size_t)r > PROCESS_MAX_OUT) {
					*why = xasprintf("its output is larger "
					    "than %d bytes", PROCESS_MAX_OUT);
					goto kill_child;
				}
				buf_append(out, chunk, (size_t)r);
			} else if (errout->len < PROCESS_MAX_ERR) {
				buf_append(errout, chunk, (size_t)r);
			}
		}
	}
	/* Both pipes are closed; the process may still linger. */
	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			st = 0;
			break;
		}
		if (util_now_ms() >= deadline) {
			*why = xasprintf("timed out after %ld ms", timeout_ms);
			goto kill_child;
		}
		poll(NULL, 0, 10);
	}
	*status = st;
	explicit_bzero(chunk, sizeof chunk);
	return 0;

kill_child:
	explicit_bzero(chunk, sizeof chunk);
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	for (i = 0; i < 2; i++) {
		if (pfd[i].fd >= 0)
			close(pfd[i].fd);
	}
	return -1;

fail_start:
	*why = xasprintf("could not start /bin/sh: %s", strerror(errno));
	return -1;
}

/* The first non-empty line of a process's stderr, cleaned, for a message. */
static void
put_first_line(struct buf *b, const struct buf *err)
{
	const char *s = err->data != NULL ? err->data : "";
	size_t n;
	char *line;

	while (*s == '\n' || *s == '\r' || *s == ' ' || *s == '\t')
		s++;
	n = strcspn(s, "\r\n");
	if (n == 0)
		return;
	line = xstrndup(s, n);
	buf_puts(b, ": ");
	put_clean(b, line, 200);
	free(line);
}

/* A string member that must be there and not empty; *bad names it if not. */
static const char *
json_string(const cJSON *o, const char *name, int required, const char **bad,
    const char **what)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	if (v == NULL || cJSON_IsNull(v)) {
		if (required && *bad == NULL) {
			*bad = name;
			*what = "is missing";
		}
		return NULL;
	}
	if (!cJSON_IsString(v) || v->valuestring == NULL ||
	    (required && v->valuestring[0] == '\0')) {
		if (*bad == NULL) {
			*bad = name;
			*what = cJSON_IsString(v) ? "is empty" :
			    "is not a string";
		}
		return NULL;
	}
	return v->valuestring;
}

/* Wipes the secrets inside a parsed reply before cJSON frees it. */
static void
json_wipe(cJSON *o)
{
	static const char *const names[] = { "SecretAccessKey",
	    "SessionToken", "Token" };
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		cJSON *v = cJSON_GetObjectItemCaseSensitive(o, names[i]);

		if (cJSON_IsString(v) && v->valuestring != NULL)
			explicit_bzero(v->valuestring, strlen(v->valuestring));
	}
}

/*
 * Reads the JSON a credential process prints (Version 1).  Returns 0 with
 * cr filled, or -1 with what is wrong in b; never a value in the message
 * (the output is all secrets).
 */
static int
parse_process_json(const struct buf *out, struct aws_creds *cr,
    struct buf *b)
{
	cJSON *o = cJSON_ParseWithLength(out->data ? out->data : "", out->len);
	const cJSON *ver;
	const char *bad = NULL, *what = NULL, *ak, *sk, *tok, *exp;
	long long t = 0;
	int rc = -1;

	if (!cJSON_IsObject(o)) {
		buf_puts(b, "its output is not a JSON object");
		goto out;
	}
	ver = cJSON_GetObjectItemCaseSensitive(o, "Version");
	if (ver == NULL) {
		buf_puts(b, "its output has no Version (must be 1)");
		goto out;
	}
	if (!cJSON_IsNumber(ver) || ver->valuedouble != 1) {
		if (cJSON_IsNumber(ver))
			buf_printf(b, "its output has Version %g; only 1 "
			    "is supported", ver->valuedouble);
		else
			buf_puts(b, "its output's Version is not the number 1");
		goto out;
	}
	ak = json_string(o, "AccessKeyId", 1, &bad, &what);
	sk = json_string(o, "SecretAccessKey", 1, &bad, &what);
	tok = json_string(o, "SessionToken", 0, &bad, &what);
	exp = json_string(o, "Expiration", 0, &bad, &what);
	if (bad != NULL) {
		buf_printf(b, "its output's %s %s", bad, what);
		goto out;
	}
	if (exp != NULL && sts_parse_time(exp, &t) < 0) {
		buf_puts(b, "its output's Expiration is not an ISO 8601 time");
		goto out;
	}
	memset(cr, 0, sizeof *cr);
	cr->access_key = xstrdup(ak);
	cr->secret_key = xstrdup(sk);
	cr->session_token = tok != NULL && *tok != '\0' ? xstrdup(tok) : NULL;
	cr->expires = t;
	rc = 0;
out:
	if (o != NULL) {
		json_wipe(o);
		cJSON_Delete(o);
	}
	return rc;
}

/*
 * Runs the profile's credential_process.  This blocks the loop on purpose,
 * as every SDK does: it is a local process that answers in milliseconds
 * (or prompts the operator for a token on the terminal), and a pipe in the
 * curl loop would buy nothing but code.  The timeout bounds the stall.
 */
static void
process_refresh(void *arg)
{
	struct creds_provider *p = arg;
	struct buf out, errout, msg;
	struct aws_creds cr;
	char *why = NULL;
	int status = 0, rc;

	p->timer = NULL;
	/* The process's output is all secrets; as it grows, the copies it
	 * leaves are wiped too. */
	buf_init_secret(&out);
	buf_init(&errout);
	buf_init(&msg);
	buf_printf(&msg, "credential_process of profile %s (%s): ", p->profile,
	    p->where);
	rc = run_command(p->command, process_timeout_ms, &out, &errout,
	    &status, &why);
	if (rc < 0) {
		buf_puts(&msg, why);
		put_first_line(&msg, &errout);
	} else if (WIFSIGNALED(status)) {
		buf_printf(&msg, "killed by signal %d", WTERMSIG(status));
		put_first_line(&msg, &errout);
		rc = -1;
	} else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
		buf_printf(&msg, "exited with status %d", WEXITSTATUS(status));
		put_first_line(&msg, &errout);
		rc = -1;
	} else if (parse_process_json(&out, &cr, &msg) < 0) {
		rc = -1;
	} else if (cr.expires != 0 && cr.expires <= (long long)time(NULL)) {
		buf_puts(&msg, "it returned credentials that have already "
		    "expired");
		aws_creds_free(&cr);
		rc = -1;
	}
	free(why);
	buf_free(&out);
	buf_free(&errout);
	if (rc < 0) {
		finish_error(p, "CredentialProcessError", msg.data);
	} else {
		cr.source = xasprintf("credential_process (profile %s)",
		    p->profile);
		finish(p, &cr, NULL);
		aws_creds_free(&cr);
	}
	buf_free(&msg);
}

/* ---- AssumeRole ---- */

/* patchdeck-<user>-<time>, in the characters STS allows, at most 64. */
static char *
session_name(void)
{
	struct passwd *pw = getpwuid(getuid());
	const char *user = env("USER");
	struct buf b;
	size_t i;

	if (pw != NULL && pw->pw_name != NULL)
		user = pw->pw_name;
	if (user == NULL)
		user = "unknown";
	buf_init(&b);
	buf_puts(&b, "patchdeck-");
	for (i = 0; user[i] != '\0' && i < 32; i++) {
		char c = user[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("+=,.@_-", c) != NULL)
			buf_putc(&b, c);
		else
			buf_putc(&b, '_');
	}
	buf_printf(&b, "-%lld", (long long)time(NULL));
	if (b.len > 64)
		b.data[64] = '\0';
	return buf_steal(&b);
}

/* The loop was freed with AssumeRole in flight.  Alive, the provider
 * frees its client and source itself; freed, it left them to the call. */
static void
assume_dropped(void *arg)
{
	struct assume_call *k = arg;

	if (k->p != NULL) {
		k->p->call = NULL;
	} else {
		aws_client_free(k->sts);
		creds_free(k->source);
	}
	free(k);
}

static void
on_assumed(void *arg, const struct sts_credentials *sc,
    const struct aws_error *err)
{
	struct assume_call *k = arg;
	struct creds_provider *p = k->p;
	struct aws_creds cr;

	if (p == NULL) {
		aws_client_free(k->sts);
		creds_free(k->source);
		free(k);
		return;
	}
	p->call = NULL;
	free(k);
	if (sc == NULL) {
		struct aws_error e;
		char *msg;

		/* Name the role: the bare STS message does not. */
		awserr_init(&e);
		msg = xasprintf("assume-role %s (profile %s): %s", p->role_arn,
		    p->profile, err->message ? err->message : "failed");
		awserr_set(&e, err->http_status, err->code, msg,
		    err->request_id);
		free(msg);
		finish(p, NULL, &e);
		awserr_free(&e);
		return;
	}
	memset(&cr, 0, sizeof cr);
	cr.access_key = sc->access_key;
	cr.secret_key = sc->secret_key;
	cr.session_token = sc->session_token;
	cr.expires = sc->expires;
	cr.source = xasprintf("assume-role %s from %s", p->role_arn,
	    p->source_desc);
	finish(p, &cr, NULL);
	free(cr.source);
}

static void
assume_refresh(struct creds_provider *p)
{
	struct sts_assume_params ap;
	char *name = p->session_name != NULL ? xstrdup(p->session_name) :
	    session_name();

	p->call = xcalloc(1, sizeof *p->call);
	p->call->p = p;
	memset(&ap, 0, sizeof ap);
	ap.role_arn = p->role_arn;
	ap.session_name = name;
	ap.external_id = p->external_id;
	ap.duration_s = p->duration_s;
	sts_assume_role(p->sts, &ap, on_assumed, assume_dropped, p->call);
	free(name);
}

/* ---- IMDSv2 ---- */

static void imds_step(struct creds_provider *p, int step);

static void
imds_fail(struct creds_provider *p, const char *code, const char *what)
{
	free_secret(p->imds_token);
	p->imds_token = NULL;
	if (p->imds_fallback) {
		/* Off EC2 this is the usual end of the chain: say what was
		 * looked at, not only that a link-local address is silent. */
		char *msg = xasprintf("no AWS credentials found; tried %s, "
		    "IMDSv2 (%s)", p->tried, what);

		finish_error(p, "NoCredentials", msg);
		free(msg);
	} else {
		char *msg = xasprintf("IMDSv2: %s", what);

		finish_error(p, code, msg);
		free(msg);
	}
}

static void
imds_reply_fail(struct creds_provider *p, const struct net_reply *r,
    const char *step)
{
	char *what;

	if (r->failed) {
		what = xasprintf("%s: %s", step, r->curl_error);
		imds_fail(p, r->timed_out ? "Timeout" : "NetworkError", what);
	} else if (r->status == 404 && strcmp(step, "role name") == 0) {
		what = xstrdup("no IAM role is attached to this instance");
		imds_fail(p, "HttpError", what);
	} else {
		what = xasprintf("%s: HTTP %ld", step, r->status);
		imds_fail(p, "HttpError", what);
	}
	free(what);
}

static void
imds_creds(struct creds_provider *p, const struct net_reply *r)
{
	cJSON *o = cJSON_ParseWithLength(r->body.data, r->body.len);
	const char *bad = NULL, *what = NULL, *ak, *sk, *tok, *exp, *code;
	struct aws_creds cr;
	char *msg;

	free_secret(p->imds_token);
	p->imds_token = NULL;
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		imds_fail(p, "MalformedReply", "the role's credentials are not "
		    "a JSON object");
		return;
	}
	code = json_string(o, "Code", 0, &bad, &what);
	ak = json_string(o, "AccessKeyId", 1, &bad, &what);
	sk = json_string(o, "SecretAccessKey", 1, &bad, &what);
	tok = json_string(o, "Token", 0, &bad, &what);
	exp = json_string(o, "Expiration", 1, &bad, &what);
	memset(&cr, 0, sizeof cr);
	if (code != NULL && strcmp(code, "Success") != 0) {
		msg = xasprintf("the role's credentials have Code %.40s",
		    code);
	} else if (bad != NULL) {
		msg = xasprintf("the role's credentials: %s %s", bad, what);
	} else if (sts_parse_time(exp, &cr.expires) < 0) {
		msg = xstrdup("the role's credentials: Expiration is not an "
		    "ISO 8601 time");
	} else {
		msg = NULL;
		cr.access_key = xstrdup(ak);
		cr.secret_key = xstrdup(sk);
		cr.session_token = tok != NULL && *tok != '\0' ?
		    xstrdup(tok) : NULL;
		cr.source = xstrdup("IMDSv2");
	}
	json_wipe(o);
	cJSON_Delete(o);
	if (msg != NULL) {
		imds_fail(p, "MalformedReply", msg);
		free(msg);
		return;
	}
	finish(p, &cr, NULL);
	aws_creds_free(&cr);
}

static void
on_imds_token(void *arg, const struct net_reply *r)
{
	struct creds_provider *p = arg;
	size_t n;

	p->xfer = NULL;
	if (r->failed || r->status != 200) {
		imds_reply_fail(p, r, "token");
		return;
	}
	n = strcspn(r->body.data, "\r\n");
	if (n == 0) {
		imds_fail(p, "MalformedReply", "token: empty reply");
		return;
	}
	free_secret(p->imds_token);
	p->imds_token = xstrndup(r->body.data, n);
	imds_step(p, 1);
}

static void
on_imds_role(void *arg, const struct net_reply *r)
{
	struct creds_provider *p = arg;
	const char *s;
	size_t n, i;

	p->xfer = NULL;
	if (r->failed || r->status != 200) {
		imds_reply_fail(p, r, "role name");
		return;
	}
	s = r->body.data;
	while (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t')
		s++;
	n = strcspn(s, " \t\r\n");
	/* IAM role names: letters, digits and +=,.@_- only. */
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("+=,.@_-", c) != NULL))
			break;
	}
	if (n == 0 || i < n || n > 64) {
		imds_fail(p, "MalformedReply", "role name: not an IAM role "
		    "name");
		return;
	}
	free(p->imds_role);
	p->imds_role = xstrndup(s, n);
	imds_step(p, 2);
}

static void
on_imds_creds(void *arg, const struct net_reply *r)
{
	struct creds_provider *p = arg;

	p->xfer = NULL;
	if (r->failed || r->status != 200) {
		imds_reply_fail(p, r, "role credentials");
		return;
	}
	imds_creds(p, r);
}

/*
 * One step of the IMDSv2 flow: 0 PUT the token, 1 GET the role name, 2 GET
 * the role's credentials.  A fresh token each refresh: refreshes are hours
 * apart, and a token that is never kept cannot leak.
 */
static void
imds_step(struct creds_provider *p, int step)
{
	struct net_opts o;
	const char *hdrs[2] = { NULL, NULL };
	char *url, *tokhdr = NULL;
	net_done_fn done;

	memset(&o, 0, sizeof o);
	o.connect_timeout_ms = IMDS_TIMEOUT_MS;
	o.timeout_ms = IMDS_TIMEOUT_MS;
	o.max_body = IMDS_MAX_BODY;
	o.headers = hdrs;
	if (step == 0) {
		o.method = "PUT";
		url = xasprintf("%s/latest/api/token", p->imds_base);
		hdrs[0] = IMDS_TTL_HEADER;
		done = on_imds_token;
	} else {
		o.method = "GET";
		tokhdr = xasprintf("X-aws-ec2-metadata-token: %s",
		    p->imds_token);
		hdrs[0] = tokhdr;
		if (step == 1) {
			url = xasprintf("%s/latest/meta-data/iam/"
			    "security-credentials/", p->imds_base);
			done = on_imds_role;
		} else {
			url = xasprintf("%s/latest/meta-data/iam/"
			    "security-credentials/%s", p->imds_base,
			    p->imds_role);
			done = on_imds_creds;
		}
	}
	o.url = url;
	o.drop = xfer_dropped;
	p->xfer = net_submit(p->net, &o, done, p);
	free(url);
	free_secret(tokhdr);
}

/* ---- refresh dispatch ---- */

static void
none_refresh(void *arg)
{
	struct creds_provider *p = arg;
	char *msg;

	p->timer = NULL;
	msg = xasprintf("no AWS credentials found; tried %s", p->tried);
	finish_error(p, "NoCredentials", msg);
	free(msg);
}

static void
start_refresh(struct creds_provider *p)
{
	p->refreshing = 1;
	switch (p->kind) {
	case K_ASSUME:
		assume_refresh(p);
		break;
	case K_IMDS:
		imds_step(p, 0);
		break;
	case K_PROCESS:
		/* From the loop, as creds.h promises, and so that callers
		 * arriving before it runs share one run. */
		p->timer = net_timer_add_drop(p->net, 0, process_refresh,
		    timer_dropped, p);
		break;
	case K_NONE:
	case K_ENV:
	case K_STATIC:
		/* ENV and STATIC are always cached; K_NONE fails. */
		p->timer = net_timer_add_drop(p->net, 0, none_refresh,
		    timer_dropped, p);
		break;
	}
}

/* ---- building the chain ---- */

static int
imds_disabled(void)
{
	const char *v = env("AWS_EC2_METADATA_DISABLED");

	return v != NULL && strcasecmp(v, "true") == 0;
}

static struct creds_provider *
imds_new(struct net *net, const struct aws_config *cfg, const char *profile,
    char **err)
{
	struct creds_provider *p;
	const char *base = env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	size_t n;

	if (base != NULL && strncmp(base, "http://", 7) != 0 &&
	    strncmp(base, "https://", 8) != 0) {
		struct buf b;

		buf_init(&b);
		buf_puts(&b, "AWS_EC2_METADATA_SERVICE_ENDPOINT: '");
		put_clean(&b, base, 80);
		buf_puts(&b, "' is not an http:// or https:// URL");
		*err = buf_steal(&b);
		return NULL;
	}
	if (base == NULL)
		base = IMDS_BASE;
	p = provider_new(K_IMDS, net, cfg, profile);
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	p->imds_base = xstrndup(base, n);
	return p;
}

static struct creds_provider *
env_new(struct net *net, const struct aws_config *cfg, const char *profile,
    char **err)
{
	const char *ak = env("AWS_ACCESS_KEY_ID");
	const char *sk = env("AWS_SECRET_ACCESS_KEY");
	const char *tok = env("AWS_SESSION_TOKEN");
	struct creds_provider *p;

	if (ak == NULL && sk == NULL)
		return NULL;
	if (ak == NULL || sk == NULL) {
		*err = xasprintf("%s is set but %s is not: set both or neither",
		    ak != NULL ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
		    ak != NULL ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
		return NULL;
	}
	p = provider_new(K_ENV, net, cfg, profile);
	p->cur.access_key = xstrdup(ak);
	p->cur.secret_key = xstrdup(sk);
	p->cur.session_token = tok != NULL ? xstrdup(tok) : NULL;
	p->cur.source = xstrdup("environment");
	p->have = 1;
	return p;
}

/* A profile key, with an empty value read as absent. */
static const char *
pget(const struct aws_config *cfg, const char *profile, const char *key,
    const char **where)
{
	const char *v = awsconf_get(cfg, profile, key, where);

	return v != NULL && *v != '\0' ? v : NULL;
}

/*
 * The profile's static keys: 1 and a provider, 0 if it has none, -1 with
 * *err if only one of the pair is there.
 */
static int
static_new(struct net *net, const struct aws_config *cfg, const char *name,
    struct creds_provider **out, char **err)
{
	const char *akw = NULL, *skw = NULL;
	const char *ak = pget(cfg, name, "aws_access_key_id", &akw);
	const char *sk = pget(cfg, name, "aws_secret_access_key", &skw);
	const char *tok = pget(cfg, name, "aws_session_token", NULL);
	struct creds_provider *p;
	char *file;

	*out = NULL;
	if (ak == NULL && sk == NULL)
		return 0;
	if (ak == NULL || sk == NULL) {
		*err = xasprintf("%s: %s is set but %s is not (profile %s)",
		    ak != NULL ? akw : skw,
		    ak != NULL ? "aws_access_key_id" : "aws_secret_access_key",
		    ak != NULL ? "aws_secret_access_key" : "aws_access_key_id",
		    name);
		return -1;
	}
	p = provider_new(K_STATIC, net, cfg, name);
	p->cur.access_key = xstrdup(ak);
	p->cur.secret_key = xstrdup(sk);
	p->cur.session_token = tok != NULL ? xstrdup(tok) : NULL;
	file = file_of(akw);
	p->cur.source = xasprintf("profile %s (%s)", name, file);
	free(file);
	p->have = 1;
	*out = p;
	return 1;
}

static struct creds_provider *profile_new(struct net *net,
    const struct aws_config *cfg, const char *name, const char **chain,
    int depth, int is_source, char **err);

static char *
loop_message(const char **chain, int depth, const char *name,
    const char *next, const char *where)
{
	struct buf b;
	int i;

	buf_init(&b);
	buf_printf(&b, "%s: source_profile loop: ", where);
	for (i = 0; i < depth; i++)
		buf_printf(&b, "%s -> ", chain[i]);
	buf_printf(&b, "%s -> %s", name, next);
	return buf_steal(&b);
}

/* The source of a role: another profile, or credential_source. */
static struct creds_provider *
role_source_new(struct net *net, const struct aws_config *cfg,
    const char *name, const char **chain, int depth, char **desc, char **err)
{
	const char *spw = NULL, *csw = NULL;
	const char *sp = pget(cfg, name, "source_profile", &spw);
	const char *cs = pget(cfg, name, "credential_source", &csw);
	struct creds_provider *src = NULL;
	int i;

	if (sp != NULL && cs != NULL) {
		*err = xasprintf("%s: profile %s has both source_profile and "
		    "credential_source; keep one", csw, name);
		return NULL;
	}
	if (cs != NULL) {
		if (strcmp(cs, "Environment") == 0) {
			src = env_new(net, cfg, name, err);
			if (src == NULL && *err == NULL)
				*err = xasprintf("%s: credential_source = "
				    "Environment but AWS_ACCESS_KEY_ID and "
				    "AWS_SECRET_ACCESS_KEY are not set", csw);
			*desc = xstrdup("environment");
		} else if (strcmp(cs, "Ec2InstanceMetadata") == 0) {
			if (imds_disabled()) {
				*err = xasprintf("%s: credential_source = "
				    "Ec2InstanceMetadata but "
				    "AWS_EC2_METADATA_DISABLED is true", csw);
				return NULL;
			}
			src = imds_new(net, cfg, name, err);
			*desc = xstrdup("IMDSv2");
		} else {
			struct buf b;

			buf_init(&b);
			buf_printf(&b, "%s: credential_source: '", csw);
			put_clean(&b, cs, 40);
			buf_puts(&b, "' is not supported (use Environment or "
			    "Ec2InstanceMetadata)");
			*err = buf_steal(&b);
			return NULL;
		}
		if (src == NULL) {
			free(*desc);
			*desc = NULL;
		}
		return src;
	}
	if (sp == NULL) {
		const char *rw = NULL;

		(void)pget(cfg, name, "role_arn", &rw);
		*err = xasprintf("%s: role_arn needs source_profile or "
		    "credential_source (profile %s)", rw, name);
		return NULL;
	}
	if (strcmp(sp, name) == 0) {
		/* A role whose own profile holds the keys, as botocore
		 * allows: not a loop. */
		if (static_new(net, cfg, name, &src, err) < 0)
			return NULL;
		if (src == NULL) {
			*err = loop_message(chain, depth, name, sp, spw);
			return NULL;
		}
		*desc = xasprintf("profile %s", sp);
		return src;
	}
	for (i = 0; i < depth; i++) {
		if (strcmp(chain[i], sp) == 0) {
			*err = loop_message(chain, depth, name, sp, spw);
			return NULL;
		}
	}
	if (depth + 1 >= MAX_CHAIN) {
		*err = xasprintf("%s: source_profile: more than %d roles "
		    "chained", spw, MAX_CHAIN);
		return NULL;
	}
	if (!awsconf_has_profile(cfg, sp)) {
		struct buf b;

		buf_init(&b);
		buf_printf(&b, "%s: source_profile: profile '", spw);
		put_clean(&b, sp, 64);
		buf_printf(&b, "' is in neither %s nor %s", cfg->config_path,
		    cfg->credentials_path);
		*err = buf_steal(&b);
		return NULL;
	}
	chain[depth] = name;
	src = profile_new(net, cfg, sp, chain, depth + 1, 1, err);
	if (src == NULL && *err == NULL)
		*err = xasprintf("%s: source_profile: profile %s has no "
		    "credentials (no aws_access_key_id, role_arn or "
		    "credential_process)", spw, sp);
	if (src != NULL)
		*desc = xasprintf("profile %s", sp);
	return src;
}

static struct creds_provider *
assume_new(struct net *net, const struct aws_config *cfg, const char *name,
    const char *role, const char **chain, int depth, char **err)
{
	struct creds_provider *p, *src;
	const char *v, *w = NULL;
	char *desc = NULL, *cerr = NULL;
	int dur = 3600;

	if ((v = pget(cfg, name, "mfa_serial", &w)) != NULL) {
		*err = xasprintf("%s: mfa_serial is not supported: patchdeck "
		    "runs unattended; use a role without MFA or "
		    "credential_process", w);
		return NULL;
	}
	if ((v = pget(cfg, name, "duration_seconds", &w)) != NULL) {
		char *end;
		long d;

		errno = 0;
		d = strtol(v, &end, 10);
		if (errno != 0 || *end != '\0' || d < 900 || d > 43200) {
			struct buf b;

			buf_init(&b);
			buf_printf(&b, "%s: duration_seconds: '", w);
			put_clean(&b, v, 20);
			buf_puts(&b, "' is not a number of seconds from 900 "
			    "to 43200");
			*err = buf_steal(&b);
			return NULL;
		}
		dur = (int)d;
	}
	src = role_source_new(net, cfg, name, chain, depth, &desc, err);
	if (src == NULL)
		return NULL;
	p = provider_new(K_ASSUME, net, cfg, name);
	p->source = src;
	p->source_desc = desc;
	p->role_arn = xstrdup(role);
	p->duration_s = dur;
	if ((v = pget(cfg, name, "external_id", NULL)) != NULL)
		p->external_id = xstrdup(v);
	if ((v = pget(cfg, name, "role_session_name", NULL)) != NULL)
		p->session_name = xstrdup(v);
	/* STS in the configured region.  botocore falls back to the global
	 * endpoint without one; patchdeck needs a region for everything else
	 * anyway, so it says so now instead. */
	p->sts = aws_client_new(net, cfg, src, "STS", NULL, &cerr);
	if (p->sts == NULL) {
		*err = xasprintf("profile %s: %s", name, cerr);
		free(cerr);
		creds_free(p);
		return NULL;
	}
	return p;
}

struct creds_provider *
creds_new_role(struct net *net, const struct aws_config *cfg,
    struct creds_provider *source, const char *role_arn,
    const char *external_id, char **err)
{
	struct creds_provider *p;
	char *cerr = NULL;

	p = provider_new(K_ASSUME, net, cfg, cfg->profile);
	p->source = source;
	p->source_desc = xasprintf("profile %s", cfg->profile);
	p->role_arn = xstrdup(role_arn);
	p->duration_s = 3600;
	if (external_id != NULL)
		p->external_id = xstrdup(external_id);
	p->sts = aws_client_new(net, cfg, source, "STS", NULL, &cerr);
	if (p->sts == NULL) {
		*err = xasprintf("role %s: %s", role_arn, cerr);
		free(cerr);
		creds_free(p);
		return NULL;
	}
	return p;
}

/*
 * The credentials a profile names, in botocore's order: role_arn, static
 * keys, credential_process.  For a source profile, static keys come first
 * (botocore does the same).  NULL with *err NULL: the profile names none.
 */
static struct creds_provider *
profile_new(struct net *net, const struct aws_config *cfg, const char *name,
    const char **chain, int depth, int is_source, char **err)
{
	struct creds_provider *st = NULL, *p;
	const char *role, *rw = NULL, *cmd, *cw = NULL;
	int rc;

	rc = static_new(net, cfg, name, &st, err);
	if (rc < 0)
		return NULL;
	role = pget(cfg, name, "role_arn", &rw);
	if (role != NULL && !(is_source && st != NULL)) {
		creds_free(st);
		return assume_new(net, cfg, name, role, chain, depth, err);
	}
	if (st != NULL)
		return st;
	cmd = pget(cfg, name, "credential_process", &cw);
	if (cmd != NULL) {
		p = provider_new(K_PROCESS, net, cfg, name);
		p->command = xstrdup(cmd);
		p->where = xstrdup(cw);
		return p;
	}
	return NULL;
}

struct creds_provider *
creds_new(struct net *net, const struct aws_config *cfg, const char *profile,
    char **err)
{
	const char *chain[MAX_CHAIN];
	const char *name = profile != NULL ? profile : cfg->profile;
	int explicit = profile != NULL || (cfg->profile_source != NULL &&
	    strcmp(cfg->profile_source, "--profile") == 0);
	struct creds_provider *p;
	struct buf tried;

	*err = NULL;
	buf_init(&tried);
	if (!explicit) {
		p = env_new(net, cfg, name, err);
		if (p != NULL || *err != NULL)
			return p;
		buf_puts(&tried, "environment (AWS_ACCESS_KEY_ID not set)");
	} else {
		buf_puts(&tried, "environment (skipped: a profile was named)");
	}
	if (strcmp(name, "default") != 0 && !awsconf_has_profile(cfg, name)) {
		*err = xasprintf("profile %s is in neither %s nor %s", name,
		    cfg->config_path, cfg->credentials_path);
		buf_free(&tried);
		return NULL;
	}
	p = profile_new(net, cfg, name, chain, 0, 0, err);
	if (p != NULL || *err != NULL) {
		buf_free(&tried);
		return p;
	}
	buf_printf(&tried, ", profile %s (no aws_access_key_id, role_arn or "
	    "credential_process in %s or %s)", name, cfg->config_path,
	    cfg->credentials_path);
	if (imds_disabled()) {
		buf_puts(&tried, ", IMDSv2 (off: AWS_EC2_METADATA_DISABLED)");
		p = provider_new(K_NONE, net, cfg, name);
	} else {
		p = imds_new(net, cfg, name, err);
		if (p == NULL) {
			buf_free(&tried);
			return NULL;
		}
		p->imds_fallback = 1;
	}
	p->tried = buf_steal(&tried);
	return p;
}
