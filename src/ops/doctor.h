/*
 * doctor.h - can patchdeck reach AWS with what it was given?  Identity,
 * region, where the credentials came from, and one harmless read per
 * service, all at once through the loop.
 */
#ifndef PATCHDECK_DOCTOR_H
#define PATCHDECK_DOCTOR_H

#include <stddef.h>

#include "ops/session.h"

struct doctor_check {
	const char *service;	/* "EC2", ... */
	const char *op;		/* the read made */
	char *endpoint;
	const char *endpoint_source;
	int ok;
	char *code;		/* AWS error code when !ok */
	char *message;
	int attempts;
	long ms;
};

struct doctor_report {
	char *arn;		/* NULL when GetCallerIdentity failed */
	char *account;
	char *user_id;
	const char *region;
	const char *region_source;
	char *creds_source;	/* never a secret */
	char *creds_error;	/* set when no credentials were found */
	struct doctor_check checks[SESSION_NSERVICES];
	size_t nchecks;
	int passed;		/* checks that passed */
};

/* Runs every check to its end (retries included).  Returns 0 if all
 * passed, else -1.  The report is filled either way; free it with
 * doctor_report_free(). */
int doctor_run(struct session *s, struct doctor_report *r);
void doctor_report_free(struct doctor_report *r);

#endif
