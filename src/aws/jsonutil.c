/*
 * jsonutil.c - see jsonutil.h.
 */
#include "aws/jsonutil.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>

#include "util/util.h"

const char *
json_peek(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) && v->valuestring != NULL ?
	    v->valuestring : NULL;
}

char *
json_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (cJSON_IsString(v) && v->valuestring != NULL)
		return xstrdup(v->valuestring);
	if (cJSON_IsNumber(v)) {
		if (isfinite(v->valuedouble) && v->valuedouble ==
		    (double)(long long)v->valuedouble)
			return xasprintf("%lld", (long long)v->valuedouble);
		return xasprintf("%.3f", v->valuedouble);
	}
	if (cJSON_IsBool(v))
		return xstrdup(cJSON_IsTrue(v) ? "true" : "false");
	return xstrdup("");
}

long
json_long(const cJSON *obj, const char *key, long dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
	    v->valuedouble > 9e15 || v->valuedouble < -9e15)
		return dflt;
	return (long)v->valuedouble;
}

const cJSON *
json_array(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsArray(v) ? v : NULL;
}

void
json_add_strings(cJSON *obj, const char *key, const char *const *v, size_t n)
{
	cJSON *a = cJSON_AddArrayToObject(obj, key);
	size_t i;

	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
}
