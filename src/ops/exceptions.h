/*
 * exceptions.h - patch exception records (DESIGN.md sections 1 and 5):
 * request, approve, reject, revoke, list, and `setup`'s tables.
 *
 * Where the records live: the table named by exceptions_table in the
 * configuration (default patchdeck-exceptions) in the account and region
 * of the DEFAULT session (--profile / --region, else the AWS precedence),
 * i.e. the operator's home account, not one per configured target: an
 * exception is a decision about the fleet, made in one place.
 *
 * Pure parts (tested with plain values): validation of a request, the
 * DynamoDB item <-> struct fleet_exception mapping, the requests the
 * actions send (so --dry-run prints exactly what would be sent), the
 * category of a record at a date, and the message for a lost race.
 *
 * I/O parts run on the session's loop and wait (the CLI).  Every status
 * change is a conditional UpdateItem from the expected status only, so of
 * two people deciding at once exactly one wins; the other is told who
 * did.  Approve and reject are refused to the requester, compared as
 * persons (fleet/principal.h: any session of one role is one person), and
 * for a record that fails fleet_exception_check(); the update's condition
 * pins the requester and dates that were checked.
 */
#ifndef PATCHDECK_OPS_EXCEPTIONS_H
#define PATCHDECK_OPS_EXCEPTIONS_H

#include <stddef.h>

#include "aws/awserr.h"
#include "fleet/date.h"
#include "fleet/exception.h"
#include "ops/session.h"

struct cJSON;
struct audit;
struct net;

enum exceptions_action { EXC_APPROVE, EXC_REJECT, EXC_REVOKE };

/* The longest reason or ticket accepted (bytes). */
#define EXCEPTIONS_MAX_TEXT 1024

/* What a person asks for; strings borrowed. */
struct exceptions_request {
	const char *instance_id;
	const char *starts;	/* YYYY-MM-DD */
	const char *ends;	/* YYYY-MM-DD, inclusive */
	const char *reason;
	const char *ticket;	/* NULL or "": none */
};

/*
 * Checks r as of today (UTC): real ISO dates, ends not before starts, at
 * most max_days days long (both ends counted), no start in the past, a
 * reason, an instance id shaped like one that is in the cache (known) or
 * forced.  Returns 0, or -1 with *err (caller frees) saying what is wrong
 * and how to fix it.
 */
int exceptions_validate(const struct exceptions_request *r,
    struct fleet_date today, int max_days, int known, int force, char **err);
/* The field a request is wrong in, for a form to point at. */
enum exceptions_field { EXF_INSTANCE, EXF_FROM, EXF_TO, EXF_REASON };
/* exceptions_validate(), and on -1 *field: which one is wrong. */
int exceptions_validate_field(const struct exceptions_request *r,
    struct fleet_date today, int max_days, int known, int force,
    int *field, char **err);

/*
 * The reason of a decision: required to reject (not just blanks), at most
 * EXCEPTIONS_MAX_TEXT bytes.  0, or -1 with *err (caller frees).
 */
int exceptions_check_reason(enum exceptions_action a, const char *reason,
    char **err);

/* "ex-" + UTC yyyymmddHHMMSS + "-" + 6 hex of rnd: sorts by time.  buf of
 * at least EXCEPTIONS_ID_LEN + 1 bytes. */
#define EXCEPTIONS_ID_LEN 24
void exceptions_make_id(long long now, const char *rnd_hex, char *buf,
    size_t size);

/* The item of e, every non-empty field as {"S": ...}.  Caller deletes. */
struct cJSON *exceptions_to_item(const struct fleet_exception *e);
/* e from an item (absent fields NULL).  -1 with *err when the key
 * attributes are missing; e is then left empty. */
int exceptions_from_item(const struct cJSON *item, struct fleet_exception *e,
    char **err);

enum exceptions_category {
	EXC_LIVE,		/* APPROVED, starts <= today <= ends */
	EXC_UPCOMING,		/* APPROVED, starts later */
	EXC_PENDING,		/* PENDING, not yet over */
	EXC_EXPIRED,		/* APPROVED or PENDING, ends before today */
	EXC_REJECTED,
	EXC_REVOKED,
	EXC_INVALID		/* fails fleet_exception_check() */
};

/* The category at today; max_days is exception_max_days (the check's). */
enum exceptions_category exceptions_category(const struct fleet_exception *e,
    struct fleet_date today, int max_days);
const char *exceptions_category_name(enum exceptions_category c);
/* Live and ending within days days of today (today + days included). */
int exceptions_is_expiring(const struct fleet_exception *e,
    struct fleet_date today, int days, int max_days);


/* "approve", "reject", "revoke". */
const char *exceptions_action_name(enum exceptions_action a);
/* The status an action starts from and the one it sets. */
const char *exceptions_action_from(enum exceptions_action a);
const char *exceptions_action_to(enum exceptions_action a);

/* The PutItem body of a new request (condition: no such id yet). */
struct cJSON *exceptions_put_request(const char *table,
    const struct fleet_exception *e);
/* The UpdateItem body of action on cur by caller at now (ISO UTC), with
 * reason (NULL: none).  Approve and reject also require requested_by,
 * starts and ends to be cur's still, and requested_by <> caller. */
struct cJSON *exceptions_update_request(const char *table,
    const struct fleet_exception *cur, enum exceptions_action a,
    const char *caller, const char *now, const char *reason);

/*
 * Why caller may not take action on the record as it is now (NULL: no
 * record), or NULL when it may: the status is not the one the action
 * starts from; for approve and reject, the record fails
 * fleet_exception_check(now, max_days), or the caller is the requester's
 * person (fleet_principal_same).  Caller frees.
 */
char *exceptions_check_action(const struct fleet_exception *now,
    enum exceptions_action a, const char *caller, int max_days);
/* The same after a conditional update failed: never NULL ("the record
 * changed meanwhile" when nothing else explains it).  Caller frees. */
char *exceptions_refusal(const struct fleet_exception *now,
    enum exceptions_action a, const char *caller, int max_days);

/* --- I/O ------------------------------------------------------------ */

struct exceptions_ctx {
	struct session s;
	struct aws_client *ddb;
	struct aws_client *sts;
	char *table;
};

/* The default session's DynamoDB and STS clients.  Close either way. */
int exceptions_open(struct exceptions_ctx *x, const char *profile,
    const char *region, const char *table, char **err);
void exceptions_close(struct exceptions_ctx *x);
/* The same on the caller's loop (see session_open_on), for exaction.h. */
int exceptions_open_on(struct exceptions_ctx *x, struct net *net,
    const char *profile, const char *region, const char *table, char **err);

/* The caller ARN (STS GetCallerIdentity); caller frees. */
int exceptions_caller(struct exceptions_ctx *x, char **arn, char **err);

/* Every record (Scan, all pages), or only those whose exception_id is id
 * (a FilterExpression: a GSI-free Scan, fine at the sizes expected).
 * *v freed with exceptions_free. */
int exceptions_scan(struct exceptions_ctx *x, const char *id,
    struct fleet_exception **v, size_t *n, char **err);
void exceptions_free(struct fleet_exception *v, size_t n);
/* Appends the records of a page of Items to *v (grown as needed; *cap
 * its room); items that are not records are skipped. */
void exceptions_append_items(const struct cJSON *items,
    struct fleet_exception **v, size_t *n, size_t *cap);

/* GetItem of one record (consistent read): 0 with *found. */
int exceptions_get(struct exceptions_ctx *x, const char *instance_id,
    const char *exception_id, struct fleet_exception *e, int *found,
    char **err);

/* Sends body (consumed) as PutItem or UpdateItem; 0, or -1 with *ae. */
int exceptions_put(struct exceptions_ctx *x, struct cJSON *body,
    struct aws_error *ae);
int exceptions_update(struct exceptions_ctx *x, struct cJSON *body,
    struct aws_error *ae);

/*
 * One audit entry: action_id, phase ("intent" / "result"), action,
 * dry_run false, local user and host, caller, then details (taken; may be
 * NULL) merged in.  0, or -1 with *err.
 */
int exceptions_audit(struct audit *log, const char *action_id,
    const char *phase, const char *action, const char *caller,
    struct cJSON *details, char **err);

/* "YYYY-MM-DDTHH:MM:SSZ" of now. */
void exceptions_now_iso(long long now, char *buf, size_t size);

#endif
