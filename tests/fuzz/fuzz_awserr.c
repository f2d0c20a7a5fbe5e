/*
 * fuzz_awserr.c - error replies, XML and JSON (and anything else): the
 * first byte is the HTTP status's last two digits and picks a header
 * x-amzn-ErrorType or not, the rest is the body.
 * Invariants (awserr.h): a code and a message always, each within its
 * bound; a request id within its bound.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awserr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aws_error e;
	const char *type = NULL;
	long status = 400;

	if (size > 0) {
		status = 400 + data[0] % 200;
		if (data[0] & 0x80)
			type = "aws.ns#Header:http://x";
		data++;
		size--;
	}
	awserr_init(&e);
	awserr_from_reply_typed(&e, status, (const char *)data, size,
	    "hdr-rid", type);
	if (e.code == NULL || e.message == NULL)
		abort();
	/* The bounds, with room for "..." and a UTF-8 cut. */
	if (strlen(e.code) > AWSERR_MAX_CODE + 8 ||
	    strlen(e.message) > AWSERR_MAX_MESSAGE + 64 ||
	    (e.request_id != NULL &&
	    strlen(e.request_id) > AWSERR_MAX_REQUEST_ID + 8))
		abort();
	free(awserr_format(&e));
	awserr_free(&e);
	return 0;
}
