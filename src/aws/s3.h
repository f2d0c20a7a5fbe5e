/*
 * s3.h - the S3 calls patchdeck makes (REST-XML).  Path-style addressing
 * when the endpoint is custom (AWS_ENDPOINT_URL...), virtual-hosted
 * otherwise; x-amz-content-sha256 is always sent and signed.
 */
#ifndef PATCHDECK_S3_H
#define PATCHDECK_S3_H

#include <stddef.h>

#include "aws/pager.h"

struct aws_client;
struct aws_error;

struct s3_object {
	const char *key;
	long long size;
	const char *last_modified;
	const char *etag;
};

/* One page of keys (borrowed); 0 to go on. */
typedef int (*s3_objects_fn)(void *arg, const struct s3_object *v, size_t n);

/* ListObjectsV2 under prefix, every page (continuation-token). */
void s3_list_objects(struct aws_client *c, const char *bucket,
    const char *prefix, s3_objects_fn page, aws_end_fn end, void *arg);

/* GetObject: fn gets the body (borrowed) or err (NoSuchKey...). */
typedef void (*s3_body_fn)(void *arg, const char *body, size_t len,
    const struct aws_error *err);
void s3_get_object(struct aws_client *c, const char *bucket, const char *key,
    s3_body_fn fn, void *arg);

/* PutObject; body copied. */
void s3_put_object(struct aws_client *c, const char *bucket, const char *key,
    const void *body, size_t len, const char *content_type, aws_end_fn end,
    void *arg);

#endif
