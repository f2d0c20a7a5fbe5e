/*
 * awsconf.h - the AWS shared configuration, as the SDKs read it.
 *
 *   profile:   --profile > AWS_PROFILE > "default"
 *   files:     AWS_CONFIG_FILE (~/.aws/config, sections [profile NAME] and
 *              [default]) and AWS_SHARED_CREDENTIALS_FILE
 *              (~/.aws/credentials, sections [NAME]).  Indented lines under
 *              a key form a sub-section (s3 =\n  addressing_style = path).
 *   region:    --region > AWS_REGION > AWS_DEFAULT_REGION > profile region
 *   endpoints: AWS_ENDPOINT_URL_<SERVICE> > AWS_ENDPOINT_URL >
 *              profile endpoint_url > https://<svc>.<region>.amazonaws.com
 *   CA:        AWS_CA_BUNDLE > profile ca_bundle
 *   attempts:  AWS_MAX_ATTEMPTS > profile max_attempts > 3
 *
 * Errors name the file, the line and the key.
 */
#ifndef PATCHDECK_AWSCONF_H
#define PATCHDECK_AWSCONF_H

struct ini;

struct aws_config {
	char *profile;		/* chosen profile name */
	/* "--profile", "AWS_PROFILE" or "default": credentials from the
	 * environment are skipped when --profile names a profile, as the
	 * AWS CLI does, so stray keys cannot win over an explicit choice. */
	const char *profile_source;
	char *config_path;	/* resolved paths, even if the file is absent */
	char *credentials_path;
	struct ini *config;	/* NULL when the file does not exist */
	struct ini *credentials;
	char *region;		/* NULL when none is configured */
	char *region_source;	/* "--region", "AWS_REGION", "profile dev", ... */
	char *ca_bundle;	/* NULL: system store */
	int max_attempts;
};

/*
 * Loads the files and resolves profile, region, CA bundle and attempts.
 * profile_opt and region_opt are the command-line values (NULL if not
 * given).  Returns 0, or -1 with *err (caller frees) naming file, line and
 * key.  A missing file is not an error; a named profile found in neither
 * file is, unless it is "default".
 */
int awsconf_load(struct aws_config *c, const char *profile_opt,
    const char *region_opt, char **err);
void awsconf_free(struct aws_config *c);

/*
 * A key of a profile: the credentials file's [NAME] first, then the config
 * file's [profile NAME] (or [default]).  NULL if absent.  If where is not
 * NULL it receives "FILE:LINE" (owned by c) for error messages.
 */
const char *awsconf_get(const struct aws_config *c, const char *profile,
    const char *key, const char **where);

/* Non-zero if the profile exists in either file. */
int awsconf_has_profile(const struct aws_config *c, const char *profile);

/*
 * The endpoint URL for a service (id as in AWS_ENDPOINT_URL_<ID>: "EC2",
 * "SSM", "DYNAMODB", "S3", "ATHENA", "SNS", "STS"), without a trailing '/'.
 * *custom is set non-zero when it came from the environment or the profile
 * (S3 then uses path-style addressing).  source (may be NULL) receives a
 * static description of where it came from.  Caller frees the result.
 */
char *awsconf_endpoint(const struct aws_config *c, const char *service_id,
    int *custom, const char **source);

/*
 * Same, for region instead of c's region (a client for another region of
 * the same profile).  NULL when no endpoint is configured and region is
 * NULL.  Caller frees the result.
 */
char *awsconf_endpoint_region(const struct aws_config *c,
    const char *service_id, const char *region, int *custom,
    const char **source);

#endif
