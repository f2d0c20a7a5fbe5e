/*
 * jsonutil.h - reading fields out of untrusted JSON replies: a field of the
 * wrong type reads as absent, never as a crash.
 */
#ifndef PATCHDECK_JSONUTIL_H
#define PATCHDECK_JSONUTIL_H

#include <stddef.h>

struct cJSON;

/* A string field, newly allocated; numbers are printed; "" when absent or
 * of another type. */
char *json_str(const struct cJSON *obj, const char *key);
/* A string field, borrowed; NULL when absent or not a string. */
const char *json_peek(const struct cJSON *obj, const char *key);
/* A number field (fraction dropped), or dflt when absent, of another type
 * or past +-9e15. */
long json_long(const struct cJSON *obj, const char *key, long dflt);
/*
 * The checked way from a JSON number to an integer (json_long and
 * json_time use it; use it or them, never a cast of valuedouble): the
 * number field key must be finite and within [min, max], and whole
 * unless truncate is set (then the fraction is dropped first), all
 * checked on the double before it is converted: 1e300 is valid JSON, and
 * converting it is undefined behaviour.  Returns 0 with *out; 1 when the
 * field is absent or null (*out untouched); -1 with *err naming the key
 * and the value (err may be NULL).
 */
int json_integer(const struct cJSON *obj, const char *key, long long min,
    long long max, int truncate, long long *out, char **err);
/* 9999-12-31T23:59:59Z: the last second a time field may hold. */
#define JSON_TIME_MAX 253402300799LL
/* An AWS timestamp (epoch seconds, maybe with a fraction, which is
 * dropped) from 1970 through JSON_TIME_MAX.  Returns as json_integer(). */
int json_time(const struct cJSON *obj, const char *key, long long *out,
    char **err);
/* An array field, or NULL. */
const struct cJSON *json_array(const struct cJSON *obj, const char *key);
/* Adds an array of strings to obj under key. */
void json_add_strings(struct cJSON *obj, const char *key,
    const char *const *v, size_t n);

#endif
