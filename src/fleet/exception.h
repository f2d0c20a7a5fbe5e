/*
 * exception.h - patch exceptions (DESIGN.md section 5): one record of the
 * patchdeck-exceptions table, the PatchException tag's range, live-ness.
 * Dates are UTC calendar dates, ranges inclusive at both ends.
 */
#ifndef PATCHDECK_FLEET_EXCEPTION_H
#define PATCHDECK_FLEET_EXCEPTION_H

#include <stddef.h>

#include "fleet/date.h"

/* Strings owned and raw, as DynamoDB holds them; NULL reads as "". */
struct fleet_exception {
	char *instance_id;
	char *exception_id;
	char *starts;		/* YYYY-MM-DD */
	char *ends;		/* YYYY-MM-DD, inclusive */
	char *reason;
	char *ticket;
	char *requested_by;
	char *requested_at;
	char *status;		/* PENDING, APPROVED, REJECTED, REVOKED */
	char *decided_by;
	char *decided_at;
	char *decision_reason;	/* the approver's or rejecter's words */
};

#define FLEET_EXCEPTION_RANGE_LEN 22	/* YYYY-MM-DD..YYYY-MM-DD */

/* Frees what e owns and zeroes it. */
void fleet_exception_done(struct fleet_exception *e);

/*
 * Strict "YYYY-MM-DD..YYYY-MM-DD": nothing before, between or after, real
 * dates, ends >= starts.  Returns 0, or -1 with *err set (caller frees; err
 * may be NULL) quoting at most the first 40 bytes of text.
 */
int fleet_exception_range_parse(const char *text, struct fleet_date *starts,
    struct fleet_date *ends, char **err);
/* Writes the tag value for a range (buf of at least 23 bytes). */
void fleet_exception_range_format(struct fleet_date starts,
    struct fleet_date ends, char *buf, size_t size);

/* The record's dates; -1 when either is not a real date or ends < starts. */
int fleet_exception_dates(const struct fleet_exception *e,
    struct fleet_date *starts, struct fleet_date *ends);
/*
 * Whether e can be trusted as what it says, whoever wrote it (the table
 * may be written by hand; README "Four-eyes"):
 *   - status is PENDING, APPROVED, REJECTED or REVOKED;
 *   - starts and ends are real YYYY-MM-DD dates, starts <= ends, and the
 *     range is at most max_days days long, both ends counted (max_days
 *     <= 0: FLEET_EXCEPTION_MAX_DAYS_DEFAULT);
 *   - requested_by is a person's ARN (fleet/principal.h);
 *   - a decided one (APPROVED, REJECTED, REVOKED) has a decided_by that
 *     is a person's ARN and not the same person as requested_by.
 * Returns 0, or -1 with why (size bytes, FLEET_EXCEPTION_WHY_LEN is
 * enough; may be NULL) saying what is wrong in words that quote nothing
 * of the record.
 */
#define FLEET_EXCEPTION_MAX_DAYS_DEFAULT 90
#define FLEET_EXCEPTION_WHY_LEN 128
int fleet_exception_check(const struct fleet_exception *e, int max_days,
    char *why, size_t size);
/* 1 when status is exactly "APPROVED" (DynamoDB values are upper-case)
 * and the record passes fleet_exception_check(): only such a record
 * keeps an instance out of the run or backs a tag. */
int fleet_exception_is_approved(const struct fleet_exception *e,
    int max_days);
/* Live <=> approved (as above) and starts <= today <= ends (UTC dates). */
int fleet_exception_is_live(const struct fleet_exception *e,
    struct fleet_date today, int max_days);
/* 1 when e is an approved record (as above) for instance_id whose range
 * contains starts..ends: such a tag is backed by an approval. */
int fleet_exception_covers(const struct fleet_exception *e,
    const char *instance_id, struct fleet_date starts,
    struct fleet_date ends, int max_days);
/* The records of instance_id in v[0..n), which is sorted by instance_id
 * (strcmp, NULL as ""), by binary search: [*first, *first + count). */
size_t fleet_exceptions_of(const struct fleet_exception *v, size_t n,
    const char *instance_id, size_t *first);

#endif
