/*
 * net.h - the one event loop: libcurl multi, timers, and an optional extra
 * descriptor (stdin for the console), all waited on in curl_multi_poll().
 *
 * Single-threaded.  Completion callbacks and timer callbacks run from inside
 * net_poll(); they may submit new transfers and timers.
 */
#ifndef PATCHDECK_NET_H
#define PATCHDECK_NET_H

#include <stddef.h>

#include "util/util.h"

struct net;
struct net_xfer;
struct net_timer;

/* What a finished transfer delivers.  Valid only during the callback. */
struct net_reply {
	long status;		/* HTTP status; 0 when no reply arrived */
	int failed;		/* non-zero: no usable reply (see curl_error) */
	int timed_out;		/* the failure was a connect or total timeout */
	int too_big;		/* the failure was a reply past max_body */
	const char *curl_error;	/* "" on success */
	struct buf body;
	const char *request_id;	/* x-amzn-RequestId / x-amz-request-id, or NULL */
	const char *error_type;	/* x-amzn-ErrorType (JSON services), or NULL */
	const char *retry_after;	/* reserved; NULL */
	double elapsed_s;
};

typedef void (*net_done_fn)(void *arg, const struct net_reply *reply);
typedef void (*net_timer_fn)(void *arg);
/* Lets go of arg when its transfer or timer is never to complete: the
 * loop is freed first (a console quit mid-refresh). */
typedef void (*net_drop_fn)(void *arg);

struct net_opts {
	const char *method;
	const char *url;
	/* "Name: value" strings, NULL-terminated; copied. */
	const char *const *headers;
	const void *body;	/* copied */
	size_t body_len;
	long connect_timeout_ms;	/* 0: 10 s */
	long timeout_ms;		/* 0: 60 s */
	const char *ca_bundle;		/* NULL: system store */
	/* 0: 256 MiB.  A reply that grows past it is cut off and fails with
	 * too_big set; callers give each service its own, far lower. */
	size_t max_body;
	net_drop_fn drop;		/* NULL: nothing to let go of */
};

struct net *net_new(void);
/*
 * Cancels every transfer and timer without calling their callbacks, only
 * their drop functions (net_opts.drop, net_timer_add_drop), so whoever
 * owns their state frees it.  A drop must not add work to n.
 */
void net_free(struct net *n);

/*
 * Starts a transfer.  done is called exactly once, from a later net_poll()
 * (never from inside net_submit), unless the transfer is cancelled first.
 * The returned handle is valid until done returns or net_cancel().
 */
struct net_xfer *net_submit(struct net *n, const struct net_opts *o,
    net_done_fn done, void *arg);
void net_cancel(struct net *n, struct net_xfer *x);

/* A one-shot timer; fn runs from net_poll() after delay_ms.  The handle is
 * valid until fn runs or net_timer_cancel(). */
struct net_timer *net_timer_add(struct net *n, long delay_ms,
    net_timer_fn fn, void *arg);
/* The same, with drop called instead of fn if n is freed first. */
struct net_timer *net_timer_add_drop(struct net *n, long delay_ms,
    net_timer_fn fn, net_drop_fn drop, void *arg);
void net_timer_cancel(struct net *n, struct net_timer *t);

/*
 * Waits at most timeout_ms (-1: until something happens) for network
 * activity, a due timer, or extra_fd (if >= 0) becoming readable, and runs
 * the callbacks that are due.  Returns 1 if extra_fd is readable, else 0.
 * Returns early (0) when a signal interrupts the wait.
 */
int net_poll(struct net *n, int extra_fd, long timeout_ms);

/*
 * The same with several extra descriptors (the console waits on stdin and
 * on the self-pipe its signal handlers write to).  Returns a bit mask: bit
 * i set when fds[i] is readable.  nfds <= 8.
 */
unsigned net_poll_fds(struct net *n, const int *fds, size_t nfds,
    long timeout_ms);

/* Transfers plus timers still pending. */
size_t net_pending(const struct net *n);

/* Runs net_poll() until nothing is pending, or *stop becomes non-zero
 * (stop may be NULL). */
void net_run(struct net *n, const volatile int *stop);

#endif
