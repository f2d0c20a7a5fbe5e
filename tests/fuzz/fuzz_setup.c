/*
 * fuzz_setup.c - what setup reads from AWS: S3's GetBucketPolicyStatus
 * and GetPublicAccessBlock bodies, Athena's TableMetadata (its columns
 * compared with a statement's), and a statement's own column list.
 * Invariants: parsers answer 0 or -1 and set a flag to 0 or 1 only; the
 * column strings compare with themselves as equal ("another order" is
 * the diff of two equal lists); nothing crashes or leaks.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/s3.h"
#include "ops/setupresults.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct s3_public_block b;
	char *text = malloc(size + 1), *have, *want, *d;
	cJSON *j;
	int pub = 7;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (s3_parse_policy_status(text, size, &pub) == 0 && pub != 0 &&
	    pub != 1)
		abort();
	if (s3_parse_public_block(text, size, &b) == 0 &&
	    (unsigned)(b.block_public_acls | b.ignore_public_acls |
	    b.block_public_policy | b.restrict_public_buckets) > 1)
		abort();
	want = setupresults_ddl_columns(text);
	if ((j = cJSON_Parse(text)) != NULL) {
		have = setupresults_meta_columns(j);
		(void)setupresults_meta_serde(j);
		d = setupresults_columns_diff(have, want != NULL ? want :
		    "a int|");
		free(d);
		d = setupresults_columns_diff(have, have);
		if (strcmp(d, "its columns are in another order") != 0)
			abort();
		free(d);
		free(have);
		cJSON_Delete(j);
	}
	free(want);
	free(text);
	return 0;
}
