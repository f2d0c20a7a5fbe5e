/*
 * sigv4.h - AWS Signature Version 4, header form, over OpenSSL.
 *
 * Our own signer rather than CURLOPT_AWS_SIGV4: the curl 7.88 in Debian 12
 * signs unsorted queries, valueless parameters and S3 payloads wrongly.
 * Verified against every case of the public AWS SigV4 test suite
 * (tests/unit/test_sigv4.c, vectors in ../shared/testdata/sigv4).
 */
#ifndef PATCHDECK_SIGV4_H
#define PATCHDECK_SIGV4_H

#include <stddef.h>

struct sigv4_header {
	const char *name;
	const char *value;
};

struct sigv4_input {
	const char *method;	/* "GET", "POST", ... */
	const char *path;	/* as on the request line, without the query */
	const char *query;	/* after '?', as on the wire; NULL or "" if none */
	/* Every header that will be sent and signed, "host" among them.  Names
	 * in any case; values are trimmed and inner runs of spaces folded. */
	const struct sigv4_header *headers;
	size_t nheaders;
	const void *body;
	size_t body_len;
	/* Hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"; NULL: computed. */
	const char *payload_hash;
	const char *access_key;
	const char *secret_key;
	const char *session_token;	/* NULL or "" when none */
	const char *region;
	const char *service;		/* signing name: "ec2", "s3", ... */
	const char *amz_date;		/* "YYYYMMDDTHHMMSSZ" */
	int normalize_path;		/* 1 for every service but S3 */
	int sign_content_sha256;	/* add and sign x-amz-content-sha256 (S3) */
	int omit_session_token;		/* token sent but not signed */
};

#define SIGV4_MAX_ADDED 3

/*
 * The result.  added[] lists the headers the signer added and that must be
 * sent with the request beside Authorization: x-amz-date, then
 * x-amz-security-token when a token is given, then x-amz-content-sha256 when
 * asked for.  All strings are owned by the output; sigv4_output_free()
 * releases them.
 */
struct sigv4_output {
	char *canonical_request;
	char *string_to_sign;
	char signature[65];
	char *authorization;	/* value of the Authorization header */
	struct {
		char *name;
		char *value;
	} added[SIGV4_MAX_ADDED];
	size_t nadded;
};

/* Returns 0, or -1 if the input is unusable (missing method, path, keys,
 * region, service or date).  On success out must be freed. */
int sigv4_sign(const struct sigv4_input *in, struct sigv4_output *out);
void sigv4_output_free(struct sigv4_output *out);

/* Hex SHA-256 of data into out (65 bytes). */
void sigv4_sha256_hex(const void *data, size_t len, char out[65]);

/* "YYYYMMDDTHHMMSSZ" for t (UTC) into out (17 bytes). */
void sigv4_amz_date(long long t, char out[17]);

#endif
