/*
 * awserr.h - one error value for every AWS protocol.
 *
 * The body shapes understood:
 *   EC2        <Response><Errors><Error><Code/><Message/></Error></Errors>
 *              <RequestID/></Response>   (moto: <ErrorResponse><Errors>...)
 *   query      <ErrorResponse><Error><Type/><Code/><Message/></Error>
 *              <RequestId/></ErrorResponse>   (SNS, STS)
 *   S3         <Error><Code/><Message/><RequestId/></Error>
 *   JSON 1.0/1.1  {"__type":"ns#Code","message":"..."}  (or "Message";
 *              code after the last '#', and before any ':' as some
 *              services append a URL)
 * The Error element is found wherever it sits.  Request ids also come from
 * the x-amzn-RequestId / x-amz-request-id headers.
 */
#ifndef PATCHDECK_AWSERR_H
#define PATCHDECK_AWSERR_H

#include <stddef.h>

/* Bounds on what is kept from a reply: AWS messages are short, and a
 * hostile or broken endpoint must not fill the log or the screen.  Text is
 * cut on a UTF-8 boundary.  Messages are otherwise stored raw; control
 * bytes are the drawing code's business. */
#define AWSERR_MAX_MESSAGE 4096
#define AWSERR_MAX_CODE 256
#define AWSERR_MAX_REQUEST_ID 256
/* How much of a body that names no error is quoted, control bytes as '?'. */
#define AWSERR_MAX_SNIPPET 200

struct aws_error {
	long http_status;	/* 0 when no reply arrived */
	char *code;		/* AWS code, or a local one (see below) */
	char *message;		/* never NULL once set by awserr_* */
	char *request_id;	/* NULL if unknown */
};

/*
 * Local codes, used when the failure is ours or the network's:
 *   "NetworkError"   connection refused, reset, DNS, TLS (message: curl's)
 *   "Timeout"        connect or total timeout
 *   "HttpError"      an error status with a body that names no code
 *   "MalformedReply" a success status whose body does not parse
 *   "NoCredentials"  no credentials could be found
 */

void awserr_init(struct aws_error *e);
void awserr_free(struct aws_error *e);	/* leaves e empty and reusable */
void awserr_set(struct aws_error *e, long status, const char *code,
    const char *message, const char *request_id);
void awserr_copy(struct aws_error *dst, const struct aws_error *src);

/*
 * Fills e from an error reply.  body may be anything (empty, HTML, a
 * truncated document): e always ends with a code and a message.
 * header_request_id may be NULL.
 */
void awserr_from_reply(struct aws_error *e, long http_status,
    const char *body, size_t len, const char *header_request_id);

/*
 * As awserr_from_reply(), with the x-amzn-ErrorType header of the JSON
 * protocols ("Code" or "Code:http://..."), which names the error when the
 * body does not (a proxy's page, an empty body).  NULL or "" means no such
 * header.  The body's code comes first: botocore's parser for the
 * awsJson protocols (DynamoDB, SSM, Athena) reads only the body, and
 * AWS sends both alike; only its restJson parser prefers the header.
 */
void awserr_from_reply_typed(struct aws_error *e, long http_status,
    const char *body, size_t len, const char *header_request_id,
    const char *header_error_type);

/* "Code: message (HTTP 400, request id X)" for the operator; caller frees. */
char *awserr_format(const struct aws_error *e);

#endif
