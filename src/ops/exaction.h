/*
 * exaction.h - the exception actions of ops/exceptions.h (request,
 * approve, reject, revoke) and the Scan of the table, as steps on a loop
 * with a completion callback: the console runs them on its own loop, so a
 * key is never kept waiting for DynamoDB; the CLI runs the same steps on
 * its session's loop and waits (exaction_run).  One code path decides
 * what is sent, what is refused and what is audited, for both.
 *
 * A request:  STS GetCallerIdentity (requested_by), audit intent, PutItem
 *             (attribute_not_exists), audit result.  With dry_run no AWS
 *             call at all: the PutItem body is handed back.
 * A decision: GetCallerIdentity, Scan for the id, refused at once when
 *             exceptions_check_action() says no (status, an invalid
 *             record, the requester's own person); with dry_run the UpdateItem
 *             body is handed back here; else audit intent, the conditional
 *             UpdateItem, and when the condition fails a consistent GetItem
 *             to say who decided; audit result.
 *
 * Nothing is changed without an intent entry; a result entry that cannot
 * be written is reported (audit_err) but the change stands.
 */
#ifndef PATCHDECK_EXACTION_H
#define PATCHDECK_EXACTION_H

#include <stddef.h>

#include "aws/awserr.h"
#include "fleet/exception.h"
#include "ops/exceptions.h"

struct audit;

enum exaction_outcome {
	EXA_DONE,	/* the record was written */
	EXA_DRY_RUN,	/* dry_op / dry_body say what would have been */
	EXA_REFUSED,	/* the record's state or the caller said no */
	EXA_FAILED,	/* the write was sent and AWS said no (ae) */
	EXA_ERROR	/* stopped before writing: STS, Scan, audit */
};

struct exaction_opts {
	int request;			/* 1: a request, else action */
	enum exceptions_action action;
	/* A request, validated by the caller (exceptions_validate). */
	const struct exceptions_request *req;
	/* A decision: the exception id and the optional reason. */
	const char *id;
	const char *reason;
	int dry_run;
	struct audit *log;		/* borrowed; NULL only with dry_run */
	long long now;			/* Unix seconds */
	const char *rnd_hex;		/* the new id's 6 hex digits */
	int max_days;			/* exception_max_days: a decision
					 * refuses a record that fails
					 * fleet_exception_check() */
};

/* What happened; read it in done, or after exaction_run.  Owned by the
 * handle (the steps' own state is exaction.c's). */
struct exaction {
	enum exaction_outcome outcome;
	/* EXA_ERROR / EXA_REFUSED / EXA_FAILED: one line without a command
	 * prefix ("refused: already APPROVED by ... at ...", "PutItem
	 * TABLE: Code: message", "who am I (STS GetCallerIdentity): ..."). */
	char *message;
	char *audit_err;		/* the result entry was not written */
	const char *dry_op;		/* "PutItem" / "UpdateItem" */
	char *dry_body;			/* the JSON that would be sent */
	struct fleet_exception rec;	/* the new record, or the one read */
	char *caller;
	struct aws_error ae;
};

typedef void (*exaction_done_fn)(void *arg, struct exaction *a);

/*
 * Starts o on x's loop (x opened with exceptions_open or _on, borrowed;
 * o copied).  done runs once, from a timer of its own after every AWS
 * callback returned, so it may free the handle.  Never NULL.
 */
struct exaction *exaction_start(struct exceptions_ctx *x,
    const struct exaction_opts *o, exaction_done_fn done, void *arg);
/* Waits on x's loop until it ends (the CLI).  Free with exaction_free. */
struct exaction *exaction_run(struct exceptions_ctx *x,
    const struct exaction_opts *o);
/* The PENDING record a request writes, without requested_by (pure; the
 * CLI's dry run prints its PutItem without asking STS anything). */
void exaction_new_request(const struct exceptions_request *r, long long now,
    const char *rnd_hex, struct fleet_exception *out);
/* Cancels nothing: free only after done ran, or after the loop is freed. */
void exaction_free(struct exaction *a);

/* Every record of the table, every page, on x's loop.  done gets the
 * records (taken: free with exceptions_free) or err (the handle's: valid
 * until exaction_scan_free). */
typedef void (*exaction_scan_fn)(void *arg, struct fleet_exception *v,
    size_t n, const char *err);
struct exaction_scan;
struct exaction_scan *exaction_scan_start(struct exceptions_ctx *x,
    exaction_scan_fn done, void *arg);
void exaction_scan_free(struct exaction_scan *s);

#endif
