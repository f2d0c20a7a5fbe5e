/*
 * sns.h - SNS Publish (query protocol, XML reply).
 */
#ifndef PATCHDECK_SNS_H
#define PATCHDECK_SNS_H

struct aws_client;
struct aws_error;

#define SNS_API_VERSION "2010-03-31"

/* fn gets the MessageId, or err. */
typedef void (*sns_published_fn)(void *arg, const char *message_id,
    const struct aws_error *err);
/* subject may be NULL; SNS limits it to 100 printable ASCII characters, so
 * the caller passes one that fits. */
void sns_publish(struct aws_client *c, const char *topic_arn,
    const char *subject, const char *message, sns_published_fn fn,
    void *arg);

#endif
