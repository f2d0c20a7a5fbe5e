/*
 * jsonutil.c - see jsonutil.h.
 */
#include "aws/jsonutil.h"

#include <cjson/cJSON.h>
#include <limits.h>
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

/*
 * Whether d may be converted to long long: converting a double outside
 * the type's range (1e300, NaN, infinity: all valid cJSON numbers) is
 * undefined behaviour, so every conversion here asks first.  2^63 itself
 * is out: the largest double below it is the largest that fits.
 */
static int
fits_ll(double d)
{
	return isfinite(d) && d > -9223372036854775808.0 &&
	    d < 9223372036854775808.0;
}

char *
json_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	double d;

	if (cJSON_IsString(v) && v->valuestring != NULL)
		return xstrdup(v->valuestring);
	if (cJSON_IsNumber(v)) {
		d = v->valuedouble;
		if (fits_ll(d) && d == (double)(long long)d)
			return xasprintf("%lld", (long long)d);
		/* A fraction as AWS sends times; anything huge in short. */
		if (fits_ll(d))
			return xasprintf("%.3f", d);
		return xasprintf("%g", d);
	}
	if (cJSON_IsBool(v))
		return xstrdup(cJSON_IsTrue(v) ? "true" : "false");
	return xstrdup("");
}

int
json_integer(const cJSON *obj, const char *key, long long min,
    long long max, int truncate, long long *out, char **err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	double d, whole;

	if (v == NULL || cJSON_IsNull(v))
		return 1;
	if (!cJSON_IsNumber(v)) {
		util_seterr(err, "%s is not a number", key);
		return -1;
	}
	d = v->valuedouble;
	/* Range first, on the double, so the conversion below is defined;
	 * truncating toward zero first keeps max itself in. */
	whole = isfinite(d) ? trunc(d) : d;
	if (!fits_ll(whole) || whole < (double)min || whole > (double)max ||
	    (long long)whole < min || (long long)whole > max) {
		util_seterr(err, "%s %g is not a number from %lld to %lld",
		    key, d, min, max);
		return -1;
	}
	if (!truncate && whole != d) {
		util_seterr(err, "%s %g is not a whole number", key,
		    v->valuedouble);
		return -1;
	}
	*out = (long long)whole;
	return 0;
}

int
json_time(const cJSON *obj, const char *key, long long *out, char **err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	int rc;

	rc = json_integer(obj, key, 0, JSON_TIME_MAX, 1, out, NULL);
	if (rc == -1 && cJSON_IsNumber(v))
		util_seterr(err, "%s %g is not a time from 1970 to 9999 (epoch "
		    "seconds)", key, v->valuedouble);
	else if (rc == -1)
		util_seterr(err, "%s is not a time (epoch seconds)", key);
	return rc;
}

long
json_long(const cJSON *obj, const char *key, long dflt)
{
	long long v;

	if (json_integer(obj, key, -9000000000000000LL, 9000000000000000LL,
	    1, &v, NULL) != 0 || v < LONG_MIN || v > LONG_MAX)
		return dflt;
	return (long)v;
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
