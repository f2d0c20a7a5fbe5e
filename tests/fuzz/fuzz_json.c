/*
 * fuzz_json.c - JSON replies: SSM's instance pages and the field readers
 * every JSON service uses.
 * Invariants: numbers come out only in range (json_time within 1970-9999,
 * json_integer within its bounds); every instance has an id.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/jsonutil.h"
#include "aws/ssm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fields(const cJSON *o)
{
	static const char *const keys[] = {
		"a", "LastPingDateTime", "NextToken", "Count", "n", "t"
	};
	long long v;
	size_t k;
	char *s;

	for (k = 0; k < sizeof keys / sizeof keys[0]; k++) {
		s = json_str(o, keys[k]);
		free(s);
		(void)json_long(o, keys[k], 0);
		(void)json_peek(o, keys[k]);
		(void)json_array(o, keys[k]);
		if (json_time(o, keys[k], &v, NULL) == 0 &&
		    (v < 0 || v > JSON_TIME_MAX))
			abort();
		if (json_integer(o, keys[k], -5, 5, k & 1, &v, NULL) == 0 &&
		    (v < -5 || v > 5))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *j = cJSON_ParseWithLength((const char *)data, size);
	const cJSON *it;
	struct ssm_instance *v;
	size_t n, i;

	if (j == NULL)
		return 0;
	fields(j);
	cJSON_ArrayForEach(it, j)
		fields(it);
	n = ssm_parse_instances(j, &v);
	for (i = 0; i < n; i++) {
		if (v[i].id == NULL || v[i].last_ping < 0 ||
		    v[i].last_ping > JSON_TIME_MAX)
			abort();
	}
	ssm_instances_free(v, n);
	cJSON_Delete(j);
	return 0;
}
