/*
 * net.c - see net.h.  One CURLM for the whole process, so connections are
 * reused across calls; transfers and timers are plain linked lists, since a
 * patch night has tens of requests in flight, not thousands.
 */
#include "aws/net.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NET_DEFAULT_CONNECT_MS 10000L
#define NET_DEFAULT_TIMEOUT_MS 60000L
#define NET_DEFAULT_MAX_BODY ((size_t)256 << 20)

struct net_xfer {
	struct net *net;
	CURL *easy;
	struct curl_slist *headers;
	char *body;		/* curl reads the request body from here */
	struct buf reply;
	size_t max_body;
	int too_big;
	char request_id[128];
	char error_type[256];	/* x-amzn-ErrorType, or "" */
	char errbuf[CURL_ERROR_SIZE];
	net_done_fn done;
	net_drop_fn drop;
	void *arg;
	struct net_xfer *prev, *next;
};

struct net_timer {
	long long due_ms;
	net_timer_fn fn;
	net_drop_fn drop;
	void *arg;
	struct net_timer *next;
};

struct net {
	CURLM *multi;
	struct net_xfer *xfers;
	size_t nxfers;
	struct net_timer *timers;	/* sorted by due_ms */
	size_t ntimers;
};

static int curl_ready;

struct net *
net_new(void)
{
	struct net *n;

	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			util_fatal("curl_global_init failed");
		curl_ready = 1;
	}
	n = xcalloc(1, sizeof *n);
	n->multi = curl_multi_init();
	if (n->multi == NULL)
		util_fatal("curl_multi_init failed");
	/* Several calls to one endpoint share a connection when they can. */
	curl_multi_setopt(n->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 16L);
	return n;
}

static void
xfer_free(struct net_xfer *x)
{
	struct net *n = x->net;
	struct curl_slist *h;

	if (x->prev != NULL)
		x->prev->next = x->next;
	else
		n->xfers = x->next;
	if (x->next != NULL)
		x->next->prev = x->prev;
	n->nxfers--;
	curl_multi_remove_handle(n->multi, x->easy);
	curl_easy_cleanup(x->easy);
	/* The copies of Authorization and X-Amz-Security-Token (and of the
	 * IMDS token) are wiped before the list goes back. */
	for (h = x->headers; h != NULL; h = h->next) {
		if (h->data != NULL)
			explicit_bzero(h->data, strlen(h->data));
	}
	curl_slist_free_all(x->headers);
	free(x->body);
	buf_free(&x->reply);
	free(x);
}

void
net_free(struct net *n)
{
	struct net_timer *t;
	struct net_xfer *x;

	if (n == NULL)
		return;
	while ((x = n->xfers) != NULL) {
		net_drop_fn drop = x->drop;
		void *arg = x->arg;

		xfer_free(x);
		if (drop != NULL)
			drop(arg);
	}
	while ((t = n->timers) != NULL) {
		n->timers = t->next;
		if (t->drop != NULL)
			t->drop(t->arg);
		free(t);
	}
	curl_multi_cleanup(n->multi);
	free(n);
}

static size_t
on_write(char *p, size_t size, size_t nmemb, void *arg)
{
	struct net_xfer *x = arg;
	size_t n = size * nmemb;

	if (x->reply.len + n > x->max_body) {
		x->too_big = 1;
		return 0;	/* curl aborts the transfer */
	}
	buf_append(&x->reply, p, n);
	return n;
}

/* Keeps the request id for error values; nothing else of the headers is
 * needed, so nothing else is stored. */
/* Copies a header's value p[0..n) into dst (size bytes), trimmed, with
 * anything but printable ASCII as '?': it ends up in messages. */
static void
header_value(char *dst, size_t size, const char *p, size_t n)
{
	size_t k;

	while (n > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == '\n' ||
	    p[n - 1] == ' '))
		n--;
	for (k = 0; k < n && k < size - 1; k++) {
		unsigned char c = (unsigned char)p[k];

		dst[k] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
	}
	dst[k] = '\0';
}

static size_t
on_header(char *p, size_t size, size_t nmemb, void *arg)
{
	static const char *const ids[] = {
		"x-amzn-requestid:", "x-amz-request-id:", "x-amzn-request-id:"
	};
	static const char type[] = "x-amzn-errortype:";
	struct net_xfer *x = arg;
	size_t n = size * nmemb, i, len;

	for (i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		len = strlen(ids[i]);
		if (n > len && strncasecmp(p, ids[i], len) == 0) {
			header_value(x->request_id, sizeof x->request_id,
			    p + len, n - len);
			return size * nmemb;
		}
	}
	len = sizeof type - 1;
	if (n > len && strncasecmp(p, type, len) == 0)
		header_value(x->error_type, sizeof x->error_type, p + len,
		    n - len);
	return size * nmemb;
}

struct net_xfer *
net_submit(struct net *n, const struct net_opts *o, net_done_fn done,
    void *arg)
{
	struct net_xfer *x = xcalloc(1, sizeof *x);
	const char *const *h;
	CURL *e;

	x->net = n;
	x->done = done;
	x->drop = o->drop;
	x->arg = arg;
	x->max_body = o->max_body ? o->max_body : NET_DEFAULT_MAX_BODY;
	/* The transport cannot tell which replies hold credentials (STS,
	 * IMDS, SSO): every reply is wiped as it grows and when freed. */
	buf_init_secret(&x->reply);
	e = x->easy = curl_easy_init();
	if (e == NULL)
		util_fatal("curl_easy_init failed");

	curl_easy_setopt(e, CURLOPT_URL, o->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
	    o->connect_timeout_ms ? o->connect_timeout_ms : NET_DEFAULT_CONNECT_MS);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
	    o->timeout_ms ? o->timeout_ms : NET_DEFAULT_TIMEOUT_MS);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	/* AWS endpoints only: no redirects to follow, no other schemes. */
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(e, CURLOPT_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS);
#endif
	if (o->ca_bundle != NULL && *o->ca_bundle != '\0')
		curl_easy_setopt(e, CURLOPT_CAINFO, o->ca_bundle);

	for (h = o->headers; h != NULL && *h != NULL; h++)
		x->headers = curl_slist_append(x->headers, *h);
	/* A 100-continue round trip per POST costs a second on some servers;
	 * and curl must not add a Content-Type we did not sign or choose. */
	x->headers = curl_slist_append(x->headers, "Expect:");
	if (x->headers == NULL)
		util_fatal("out of memory (curl headers)");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);

	if (strcmp(o->method, "GET") == 0) {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	} else if (strcmp(o->method, "HEAD") == 0) {
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	} else {
		x->body = xmalloc(o->body_len + 1);
		if (o->body_len > 0)
			memcpy(x->body, o->body, o->body_len);
		x->body[o->body_len] = '\0';
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)o->body_len);
		if (strcmp(o->method, "POST") != 0)
			curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, o->method);
	}

	x->next = n->xfers;
	if (n->xfers != NULL)
		n->xfers->prev = x;
	n->xfers = x;
	n->nxfers++;
	if (curl_multi_add_handle(n->multi, e) != CURLM_OK)
		util_fatal("curl_multi_add_handle failed");
	return x;
}

void
net_cancel(struct net *n, struct net_xfer *x)
{
	(void)n;
	if (x != NULL)
		xfer_free(x);
}

struct net_timer *
net_timer_add(struct net *n, long delay_ms, net_timer_fn fn, void *arg)
{
	return net_timer_add_drop(n, delay_ms, fn, NULL, arg);
}

struct net_timer *
net_timer_add_drop(struct net *n, long delay_ms, net_timer_fn fn,
    net_drop_fn drop, void *arg)
{
	struct net_timer *t = xcalloc(1, sizeof *t), **pp;

	t->due_ms = util_now_ms() + (delay_ms > 0 ? delay_ms : 0);
	t->fn = fn;
	t->drop = drop;
	t->arg = arg;
	for (pp = &n->timers; *pp != NULL && (*pp)->due_ms <= t->due_ms;
	    pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	n->ntimers++;
	return t;
}

void
net_timer_cancel(struct net *n, struct net_timer *t)
{
	struct net_timer **pp;

	for (pp = &n->timers; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			n->ntimers--;
			free(t);
			return;
		}
	}
}

static void
finish(CURL *e, CURLcode rc)
{
	struct net_xfer *x = NULL;
	struct net_reply r;
	double total = 0;

	curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&x);
	if (x == NULL)
		return;
	memset(&r, 0, sizeof r);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r.status);
	curl_easy_getinfo(e, CURLINFO_TOTAL_TIME, &total);
	r.elapsed_s = total;
	r.body = x->reply;
	if (r.body.data == NULL)
		buf_append(&r.body, "", 0);
	x->reply = r.body;	/* freed with the transfer */
	r.request_id = x->request_id[0] != '\0' ? x->request_id : NULL;
	r.error_type = x->error_type[0] != '\0' ? x->error_type : NULL;
	if (x->too_big) {
		r.failed = 1;
		r.too_big = 1;
		r.status = 0;
		r.curl_error = "reply larger than the limit for this call";
	} else if (rc != CURLE_OK) {
		r.failed = 1;
		r.status = 0;
		r.timed_out = rc == CURLE_OPERATION_TIMEDOUT;
		r.curl_error = x->errbuf[0] != '\0' ? x->errbuf :
		    curl_easy_strerror(rc);
	} else {
		r.curl_error = "";
	}
	x->done(x->arg, &r);
	xfer_free(x);
}

static void
run_timers(struct net *n)
{
	long long now = util_now_ms();
	struct net_timer *due = NULL, **tail = &due, *t;

	/* Detach what is due first: a timer that a callback adds, even with no
	 * delay, waits for the next turn, so a retry loop cannot starve the
	 * network. */
	while ((t = n->timers) != NULL && t->due_ms <= now) {
		n->timers = t->next;
		n->ntimers--;
		t->next = NULL;
		*tail = t;
		tail = &t->next;
	}
	while ((t = due) != NULL) {
		due = t->next;
		t->fn(t->arg);
		free(t);
	}
}

static void
drain(struct net *n)
{
	CURLMsg *m;
	int running = 0, left;

	curl_multi_perform(n->multi, &running);
	while ((m = curl_multi_info_read(n->multi, &left)) != NULL) {
		if (m->msg == CURLMSG_DONE)
			finish(m->easy_handle, m->data.result);
	}
	run_timers(n);
}

unsigned
net_poll_fds(struct net *n, const int *fds, size_t nfds, long timeout_ms)
{
	struct curl_waitfd wfd[8];
	long curl_timeout = -1, wait;
	unsigned ready = 0;
	int got = 0;
	size_t i;

	if (nfds > 8)
		nfds = 8;
	drain(n);
	/* The drain may have run the last timer or finished the last
	 * transfer: with nothing left to wait for, waiting would be forever. */
	if (nfds == 0 && net_pending(n) == 0)
		return 0;

	wait = timeout_ms;
	if (n->timers != NULL) {
		long long d = n->timers->due_ms - util_now_ms();

		if (d < 0)
			d = 0;
		if (wait < 0 || d < wait)
			wait = (long)d;
	}
	if (n->nxfers > 0) {
		curl_multi_timeout(n->multi, &curl_timeout);
		if (curl_timeout >= 0 && (wait < 0 || curl_timeout < wait))
			wait = curl_timeout;
	}
	if (wait < 0 || wait > 0x7fffffff)
		wait = 0x7fffffff;	/* poll has to be given a bound */

	memset(wfd, 0, sizeof wfd);
	for (i = 0; i < nfds; i++) {
		wfd[i].fd = fds[i];
		wfd[i].events = CURL_WAIT_POLLIN;
	}
	if (wait > 0)
		curl_multi_poll(n->multi, nfds > 0 ? wfd : NULL,
		    (unsigned)nfds, (int)wait, &got);
	for (i = 0; i < nfds; i++) {
		if (wfd[i].revents & CURL_WAIT_POLLIN)
			ready |= 1u << i;
	}
	drain(n);
	return ready;
}

int
net_poll(struct net *n, int extra_fd, long timeout_ms)
{
	if (extra_fd < 0)
		return (int)(net_poll_fds(n, NULL, 0, timeout_ms) & 1);
	return (int)(net_poll_fds(n, &extra_fd, 1, timeout_ms) & 1);
}

size_t
net_pending(const struct net *n)
{
	return n->nxfers + n->ntimers;
}

void
net_run(struct net *n, const volatile int *stop)
{
	while (net_pending(n) > 0 && (stop == NULL || !*stop))
		net_poll(n, -1, -1);
}
