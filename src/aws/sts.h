/*
 * sts.h - the two STS calls patchdeck makes, over the query protocol
 * (Version 2011-06-15, XML replies):
 *
 *   GetCallerIdentity  who the credentials belong to (doctor, the console's
 *                      title line)
 *   AssumeRole         temporary credentials for a role (creds.c, for
 *                      profiles with role_arn)
 *
 * Both are asynchronous: the callback runs once, from a later net_poll(),
 * with the result or an error value.  The reply parsers are public so they
 * can be tested on plain text.
 */
#ifndef PATCHDECK_STS_H
#define PATCHDECK_STS_H

#include <stddef.h>

struct aws_client;
struct aws_error;

struct sts_identity {
	char *arn;
	char *account;
	char *user_id;
};

/* identity and err valid only during the call; exactly one is NULL. */
typedef void (*sts_identity_fn)(void *arg, const struct sts_identity *id,
    const struct aws_error *err);

void sts_get_caller_identity(struct aws_client *c, sts_identity_fn fn,
    void *arg);

struct sts_assume_params {
	const char *role_arn;
	const char *session_name;	/* 2-64 of [A-Za-z0-9+=,.@_-] */
	const char *external_id;	/* NULL: none */
	int duration_s;			/* 0: left to STS (3600) */
};

struct sts_credentials {
	char *access_key;
	char *secret_key;
	char *session_token;
	long long expires;		/* Unix seconds */
	char *assumed_arn;		/* AssumedRoleUser/Arn, or NULL */
};

/* creds and err valid only during the call; exactly one is NULL. */
typedef void (*sts_assume_fn)(void *arg, const struct sts_credentials *cr,
    const struct aws_error *err);

/* drop (may be NULL) lets go of arg if the loop is freed first, when fn
 * never runs. */
void sts_assume_role(struct aws_client *c, const struct sts_assume_params *p,
    sts_assume_fn fn, void (*drop)(void *arg), void *arg);

/*
 * Parsers for the replies' bodies.  Return 0, or -1 with *err (caller
 * frees) saying what is missing; never a secret in the message.
 * sts_credentials_free() wipes the secrets before releasing them.
 */
int sts_parse_identity(const char *body, size_t len, struct sts_identity *id,
    char **err);
void sts_identity_free(struct sts_identity *id);
int sts_parse_assume_role(const char *body, size_t len,
    struct sts_credentials *cr, char **err);
void sts_credentials_free(struct sts_credentials *cr);

/*
 * An ISO 8601 time as STS, IMDS and credential processes write it
 * ("2024-05-01T12:00:00Z", with optional fraction and a Z or +hh:mm
 * offset) into Unix seconds.  Returns 0, or -1 if s is not one.
 */
int sts_parse_time(const char *s, long long *out);

#endif
