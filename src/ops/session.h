/*
 * session.h - what every operation needs to talk to AWS: the loop, the
 * shared configuration, the credentials, and one client per service,
 * made when first asked for.
 */
#ifndef PATCHDECK_SESSION_H
#define PATCHDECK_SESSION_H

#include "aws/awsconf.h"

struct net;
struct creds_provider;
struct aws_client;

/* The services patchdeck talks to, as AWS_ENDPOINT_URL_<ID> names them. */
#define SESSION_SERVICES { "STS", "EC2", "SSM", "DYNAMODB", "S3", "ATHENA", \
	"SNS" }
#define SESSION_NSERVICES 7

struct session {
	struct net *net;
	struct aws_config cfg;
	struct creds_provider *creds;
	struct aws_client *clients[SESSION_NSERVICES];
	int cfg_loaded;
	int net_borrowed;	/* session_open_on: the net is the caller's */
};

/*
 * Loads the AWS configuration for profile/region (NULL: the usual
 * precedence) and builds the credential chain.  Returns 0, or -1 with *err
 * (caller frees) naming what is wrong; s must be closed either way.
 */
int session_open(struct session *s, const char *profile, const char *region,
    char **err);
void session_close(struct session *s);
/* The same on the caller's loop (the console's), which must outlive the
 * session; session_close() leaves it alone.  Close the session only when
 * none of its calls is in flight. */
int session_open_on(struct session *s, struct net *net, const char *profile,
    const char *region, char **err);

/* The client for a service id ("EC2", ...), made on first use.  NULL with
 * *err when it cannot be made (no region). */
struct aws_client *session_client(struct session *s, const char *service_id,
    char **err);

/*
 * What one configured target (one account) needs to talk to AWS: the AWS
 * configuration of its profile (the target's own, else profile) and its
 * credentials, through the target's role_arn when it names one.  Every
 * operation that acts per target (sync, tagging, ...) opens it the same
 * way, so a target means the same account everywhere.
 */
struct config_target;

struct target_access {
	struct aws_config cfg;
	int cfg_loaded;
	struct creds_provider *creds;
};

/* Returns 0, or -1 with *err naming the target.  The access must be
 * closed either way; net must outlive it. */
int target_access_open(struct target_access *a, struct net *net,
    const struct config_target *t, const char *profile, const char *region,
    char **err);
/* After the loop that used it is freed (its transfers point at it). */
void target_access_close(struct target_access *a);

#endif
