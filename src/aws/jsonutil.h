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
/* A number field, or dflt. */
long json_long(const struct cJSON *obj, const char *key, long dflt);
/* An array field, or NULL. */
const struct cJSON *json_array(const struct cJSON *obj, const char *key);
/* Adds an array of strings to obj under key. */
void json_add_strings(struct cJSON *obj, const char *key,
    const char *const *v, size_t n);

#endif
