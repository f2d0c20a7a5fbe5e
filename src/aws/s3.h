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

/* HeadBucket: end gets NULL when the bucket exists and may be used, else
 * err (status 404: no such bucket; 403: it exists, not for us). */
void s3_head_bucket(struct aws_client *c, const char *bucket, aws_end_fn end,
    void *arg);

/* GetBucketPolicyStatus: fn gets is_public (PolicyStatus/IsPublic) or
 * err; a bucket without a policy is err NoSuchBucketPolicy. */
typedef void (*s3_policy_status_fn)(void *arg, int is_public,
    const struct aws_error *err);
void s3_get_bucket_policy_status(struct aws_client *c, const char *bucket,
    s3_policy_status_fn fn, void *arg);

/* GetPublicAccessBlock: the four settings, each 1 when "true"; a bucket
 * without one is err NoSuchPublicAccessBlockConfiguration. */
struct s3_public_block {
	int block_public_acls, ignore_public_acls;
	int block_public_policy, restrict_public_buckets;
};
typedef void (*s3_public_block_fn)(void *arg, const struct s3_public_block *b,
    const struct aws_error *err);
void s3_get_public_access_block(struct aws_client *c, const char *bucket,
    s3_public_block_fn fn, void *arg);
/* The same from a reply body: 0, or -1 when it is not such a reply.
 * Pure (the unit tests and the fuzzers call them). */
int s3_parse_policy_status(const char *body, size_t len, int *is_public);
int s3_parse_public_block(const char *body, size_t len,
    struct s3_public_block *b);

#endif
