/*
 * creds.h - where credentials come from, in the SDK's order:
 *
 *   1. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN)
 *   2. the profile: static keys; role_arn + source_profile (or
 *      credential_source = Environment / Ec2InstanceMetadata) through STS
 *      AssumeRole; credential_process (JSON, Version 1)
 *   3. IMDSv2 (PUT /latest/api/token with a TTL header, then GET the role's
 *      credentials with the token; 1 s timeout; off when
 *      AWS_EC2_METADATA_DISABLED=true; AWS_EC2_METADATA_SERVICE_ENDPOINT
 *      moves it)
 *
 * Temporary credentials are cached and refreshed 15 minutes before they
 * expire.  Secrets never leave this module except to the signer: sources
 * are described without them.
 */
#ifndef PATCHDECK_CREDS_H
#define PATCHDECK_CREDS_H

struct net;
struct aws_config;
struct aws_error;

#define CREDS_REFRESH_BEFORE_S (15 * 60)

struct aws_creds {
	char *access_key;
	char *secret_key;
	char *session_token;	/* NULL when none */
	long long expires;	/* Unix seconds; 0: never */
	char *source;		/* "environment", "profile dev (~/.aws/credentials)",
				 * "assume-role arn:... from profile base",
				 * "credential_process (profile x)", "IMDSv2" */
};

struct creds_provider;

/*
 * Builds the provider for cfg's profile (or for profile, if not NULL).  The
 * configuration is checked now: a role without a usable source, an unknown
 * source_profile or a source loop gives NULL with *err naming
 * file, line and key.  net and cfg must outlive the provider.
 * Environment keys are looked at only when profile is NULL and cfg's
 * profile did not come from --profile: a profile named on purpose is not
 * overridden by stray AWS_ACCESS_KEY_ID (the AWS CLI does the same).
 */
struct creds_provider *creds_new(struct net *net, const struct aws_config *cfg,
    const char *profile, char **err);
void creds_free(struct creds_provider *p);

/*
 * A provider that assumes role_arn (with external_id, may be NULL) using
 * source's credentials, through STS in cfg's region: for patchdeck targets
 * that name a role beside a profile.  Takes source over, even on failure.
 */
struct creds_provider *creds_new_role(struct net *net,
    const struct aws_config *cfg, struct creds_provider *source,
    const char *role_arn, const char *external_id, char **err);

/*
 * Delivers credentials to fn: at once (before creds_get returns) when the
 * cached ones are good for more than CREDS_REFRESH_BEFORE_S, else after a
 * refresh from a later net_poll().  On failure creds is NULL and err says
 * why (code "NoCredentials" or the STS/IMDS error).  Both pointers are
 * valid only during the call.
 */
typedef void (*creds_fn)(void *arg, const struct aws_creds *creds,
    const struct aws_error *err);
void creds_get(struct creds_provider *p, creds_fn fn, void *arg);
/* The same, with drop(arg) called instead of fn if the provider is freed
 * while fn waits for a refresh. */
void creds_get_owned(struct creds_provider *p, creds_fn fn,
    void (*drop)(void *arg), void *arg);

/* Forgets cached credentials (after an ExpiredToken reply). */
void creds_invalidate(struct creds_provider *p);

/*
 * Error codes besides "NoCredentials" and those of STS and IMDS:
 * "CredentialProcessError" when a credential_process fails, times out or
 * prints anything but Version 1 JSON (the message names the profile, the
 * file and line, and what is wrong; never the command or its output).
 */

/* For tests: the credential_process timeout (default 30 s); <= 0 resets. */
void creds_set_process_timeout_ms(long ms);

void aws_creds_free(struct aws_creds *c);
void aws_creds_copy(struct aws_creds *dst, const struct aws_creds *src);

#endif
