/*
 * fuzz_cache_recs.c - the cache's recs blobs (cache.h's format), as read
 * from a file anyone may have damaged.  The first 4 bytes are the stored
 * count, the rest the blob.
 * Invariants: every instance decoded has its strings and at most
 * CACHE_TAGS_MAX tags; decoded + skipped covers the recs seen; what
 * decodes, encoded again, decodes to the same and encodes to the same
 * bytes (the codec is a pair).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache/cache.h"
#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const struct fleet_instance *in)
{
	size_t k;

	if (in->id == NULL || in->account == NULL || in->region == NULL ||
	    in->name == NULL || in->state == NULL || in->type == NULL ||
	    in->platform == NULL || in->platform_name == NULL ||
	    in->platform_version == NULL || in->private_ip == NULL ||
	    in->public_ip == NULL || in->az == NULL ||
	    in->launch_time == NULL || in->ping == NULL ||
	    in->agent_version == NULL || in->ntags > CACHE_TAGS_MAX ||
	    (in->ntags > 0 && in->tags == NULL))
		abort();
	for (k = 0; k < in->ntags; k++)
		if (in->tags[k].key == NULL || in->tags[k].value == NULL)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fleet_instance *v, *w;
	struct buf a, b;
	size_t n, m, i, skipped = 0, sk2 = 0;
	long long count = 0;
	char *err = NULL;

	if (size >= 4) {
		count = (long long)(data[0] | data[1] << 8 | data[2] << 16);
		data += 4;
		size -= 4;
	}
	cache_recs_parse(data, size, count, &v, &n, &skipped);
	if ((n == 0) != (v == NULL))
		abort();
	buf_init(&a);
	for (i = 0; i < n; i++) {
		check(&v[i]);
		if (cache_rec_encode(&a, &v[i], v[i].fetched_at, &err) != 0)
			abort();	/* the decoder took what the encoder refuses */
	}
	cache_recs_parse(a.data, a.len, (long long)n, &w, &m, &sk2);
	if (m != n || sk2 != 0)
		abort();
	buf_init(&b);
	for (i = 0; i < m; i++) {
		if (strcmp(w[i].id, v[i].id) != 0 ||
		    w[i].last_ping != v[i].last_ping ||
		    w[i].ntags != v[i].ntags)
			abort();
		if (cache_rec_encode(&b, &w[i], w[i].fetched_at, &err) != 0)
			abort();
	}
	if (a.len != b.len || (a.len > 0 && memcmp(a.data, b.data, a.len)))
		abort();
	buf_free(&a);
	buf_free(&b);
	cache_instances_free(v, n);
	cache_instances_free(w, m);
	return 0;
}
