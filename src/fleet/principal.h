/*
 * principal.h - "the same person" for four-eyes: the caller ARN that STS
 * GetCallerIdentity answers (or that a record's requested_by / decided_by
 * holds) mapped to the person behind it, so a requester and an approver
 * are compared without the parts a caller chooses freely.  Pure.
 *
 * The rule (README, "Who is the same person"):
 *
 *   arn:P:iam::ACCT:root                         itself
 *   arn:P:iam::ACCT:user[/PATH]/NAME             arn:P:iam::ACCT:user/NAME
 *   arn:P:iam::ACCT:role[/PATH]/NAME             arn:P:iam::ACCT:role/NAME
 *   arn:P:sts::ACCT:assumed-role/ROLE/SESSION    arn:P:iam::ACCT:role/ROLE:
 *       the role is the person, whatever SESSION is: the session name is
 *       chosen by whoever calls AssumeRole (patchdeck's own include the
 *       time), so two sessions of one role are one person.  STS's
 *       SourceIdentity is not used: GetCallerIdentity does not return it,
 *       so it could not be checked.
 *   arn:P:sts::ACCT:assumed-role/AWSReservedSSO_SET_HEX/USER
 *       becomes "arn:P:sts::ACCT:assumed-role/AWSReservedSSO_" "*" "/USER"
 *       (one string; a star for the permission set): IAM Identity Center
 *       names the session after the signed-in user (the user cannot
 *       choose it), so there the session IS the person, whichever
 *       permission set (role) the user came through.
 *   arn:P:sts::ACCT:federated-user/NAME
 *       becomes "arn:P:sts::ACCT:federated-user/" "*": NAME is chosen by
 *       whoever calls GetFederationToken, so all the account's federated
 *       users count as one person.
 *
 * Names are compared without case: IAM refuses two users or roles whose
 * names differ only in case, and Identity Center user names are the same.
 * Anything else (other services, groups, empty or extra parts, bytes
 * outside IAM's name characters, an account that is not 12 digits) is not
 * a person: -1.
 */
#ifndef PATCHDECK_FLEET_PRINCIPAL_H
#define PATCHDECK_FLEET_PRINCIPAL_H

#include <stddef.h>

/* Room for any person fleet_principal() writes (IAM caps ARNs at 2048). */
#define FLEET_PRINCIPAL_MAX 2048

/*
 * Writes the person of arn into buf (size bytes, at least
 * FLEET_PRINCIPAL_MAX + 1 for any ARN).  Returns 0, or -1 with *why (may
 * be NULL; a static text) saying what is wrong, buf then "".
 */
int fleet_principal(const char *arn, char *buf, size_t size,
    const char **why);

/* 1 when a and b are ARNs of the same person, 0 when of two different
 * people, -1 when either is not a person's ARN. */
int fleet_principal_same(const char *a, const char *b);

#endif
