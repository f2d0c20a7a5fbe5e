/*
 * rec.c - the rec codec (format in cache.h): one instance as a record of
 * our own, a target's instances as one blob of them.  Pure: no SQLite, so
 * the fuzzers and the tests reach it without a database.
 */
#include "cache/cache_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

/*
 * Each instance is one record of our own, rec (format in cache.h), and a
 * target's instances are one blob of them, recs, in the console's default
 * order (name, id, region).  Loading is then one blob read per target
 * into memory the instances point into: no copy per string, no
 * allocation per instance, and no sort before the first frame (figures
 * in cache.h).  The strings end in a NUL inside the rec for that reason.  The columns SQL filters
 * on (state, ping, the window and owner tags, ...) are copies in the
 * instances table, indexed.  Lengths instead of delimiters: nothing is
 * escaped, every byte is kept, and decoding is one bounds-checked walk.
 */
static void
cache_put_u32(struct buf *b, uint32_t v)
{
	unsigned char p[4];

	p[0] = (unsigned char)(v & 0xff);
	p[1] = (unsigned char)((v >> 8) & 0xff);
	p[2] = (unsigned char)((v >> 16) & 0xff);
	p[3] = (unsigned char)(v >> 24);
	buf_append(b, p, 4);
}

uint32_t
cache_get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static void
cache_put_i64(struct buf *b, long long v)
{
	uint64_t u = (uint64_t)v;
	unsigned char p[8];
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)((u >> (8 * i)) & 0xff);
	buf_append(b, p, 8);
}

static long long
cache_get_i64(const unsigned char *p)
{
	uint64_t u = 0;
	int i;

	for (i = 7; i >= 0; i--)
		u = u << 8 | p[i];
	return (long long)u;
}

/* u32 len, the bytes, a NUL. */
static void
cache_put_str(struct buf *b, const char *s, size_t len)
{
	cache_put_u32(b, (uint32_t)len);
	buf_append(b, s, len);
	buf_putc(b, '\0');
}

/* The string fields of in, in the order of the rec (cache.h). */
#define REC_FIELDS(in) { \
	&(in)->id, &(in)->account, &(in)->region, &(in)->name, \
	&(in)->state, &(in)->type, &(in)->platform, &(in)->platform_name, \
	&(in)->platform_version, &(in)->private_ip, &(in)->public_ip, \
	&(in)->az, &(in)->launch_time, &(in)->ping, &(in)->agent_version }

static int
cache_store_refused(const struct fleet_instance *in, const char *what,
    char **err)
{
	free(*err);
	*err = xasprintf("cannot store instance %s: %s",
	    in->id != NULL ? in->id : "", what);
	return -1;
}

/*
 * Appends in as one framed rec (u32 length, then the rec; format in
 * cache.h) to b, fetched_at being the value stored.  Refuses, with *err,
 * what the decoder would refuse: a string over CACHE_FIELD_MAX_LEN, more
 * than CACHE_TAGS_MAX tags, a key or value over CACHE_TAG_MAX_LEN (EC2
 * allows 50 of 128/256 bytes, so only a bug upstream gets there; better an
 * error than data lost silently).
 */
int
cache_rec_encode(struct buf *b, const struct fleet_instance *in,
    long long fetched_at, char **err)
{
	char *const *const field[REC_NSTR] = REC_FIELDS(in);
	const char *s, *key, *value;
	size_t i, len, klen, vlen, start;
	uint32_t reclen;

	start = b->len;
	cache_put_u32(b, 0);		/* the frame, filled in below */
	for (i = 0; i < REC_NSTR; i++) {
		s = *field[i] != NULL ? *field[i] : "";
		len = strlen(s);
		if (len > CACHE_FIELD_MAX_LEN)
			return cache_store_refused(in, "a field longer "
			    "than " CACHE_STR(CACHE_FIELD_MAX_LEN) " bytes",
			    err);
		cache_put_str(b, s, len);
	}
	cache_put_i64(b, in->last_ping);
	cache_put_i64(b, fetched_at);
	if (in->ntags > CACHE_TAGS_MAX) {
		char what[64];

		snprintf(what, sizeof what, "%zu tags, more than %d",
		    in->ntags, CACHE_TAGS_MAX);
		return cache_store_refused(in, what, err);
	}
	cache_put_u32(b, (uint32_t)in->ntags);
	for (i = 0; i < in->ntags; i++) {
		key = in->tags[i].key != NULL ? in->tags[i].key : "";
		value = in->tags[i].value != NULL ? in->tags[i].value : "";
		klen = strlen(key);
		vlen = strlen(value);
		if (klen > CACHE_TAG_MAX_LEN || vlen > CACHE_TAG_MAX_LEN)
			return cache_store_refused(in, "a tag key or value "
			    "longer than " CACHE_STR(CACHE_TAG_MAX_LEN)
			    " bytes", err);
		cache_put_str(b, key, klen);
		cache_put_str(b, value, vlen);
	}
	reclen = (uint32_t)(b->len - start - 4);
	b->data[start] = (char)(reclen & 0xff);
	b->data[start + 1] = (char)((reclen >> 8) & 0xff);
	b->data[start + 2] = (char)((reclen >> 16) & 0xff);
	b->data[start + 3] = (char)(reclen >> 24);
	return 0;
}

/*
 * One string of a rec at p[*off..len): its length within max and the
 * bytes left, and its NUL in place.  Returns the string (inside p), or
 * NULL when malformed.
 */
static char *
cache_rec_str(unsigned char *p, size_t len, size_t *off, size_t max)
{
	size_t l;
	char *s;

	if (len - *off < 4)
		return NULL;
	l = cache_get_u32(p + *off);
	*off += 4;
	if (l > max || l >= len - *off || p[*off + l] != '\0')
		return NULL;
	s = (char *)p + *off;
	*off += l + 1;
	return s;
}

/*
 * Walks the rec p[0..len), which is untrusted: every length against the
 * bytes left and the limits, every NUL where the format puts it, nothing
 * left over.  With in, points in's strings into p and its tags array at
 * tags (room for the count this returns).  Returns the tag count, or -1
 * when the rec is malformed (in then partly set: not to be used).
 */
static long
cache_rec_walk(unsigned char *p, size_t len, struct fleet_instance *in,
    struct fleet_tag *tags)
{
	struct fleet_instance dummy;
	char **const field[REC_NSTR] = REC_FIELDS(in != NULL ? in : &dummy);
	size_t off = 0, ntags, k;
	char *key, *value;

	for (k = 0; k < REC_NSTR; k++) {
		if ((*field[k] = cache_rec_str(p, len, &off,
		    CACHE_FIELD_MAX_LEN)) == NULL)
			return -1;
	}
	if (len - off < 20)
		return -1;
	ntags = cache_get_u32(p + off + 16);
	if (ntags > CACHE_TAGS_MAX)
		return -1;
	if (in != NULL) {
		in->last_ping = cache_get_i64(p + off);
		in->fetched_at = cache_get_i64(p + off + 8);
		in->tags = ntags > 0 ? tags : NULL;
		in->ntags = ntags;
	}
	off += 20;
	for (k = 0; k < ntags; k++) {
		if ((key = cache_rec_str(p, len, &off,
		    CACHE_TAG_MAX_LEN)) == NULL ||
		    (value = cache_rec_str(p, len, &off,
		    CACHE_TAG_MAX_LEN)) == NULL)
			return -1;
		if (in != NULL) {
			tags[k].key = key;
			tags[k].value = value;
		}
	}
	return off == len ? (long)ntags : -1;
}

void
cache_instances_free(struct fleet_instance *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fleet_instance_done(&v[i]);
	free(v);
}

/*
 * Decodes the framed recs in blk->data[0..len), which is untrusted, and
 * appends the instances to v[*n..], pointing into blk; v has room for
 * RECS_ROOM(len) more, and never more than that is written however the
 * frames lie.  One walk: the tags arrays go into one allocation sized
 * for the most tags len can hold, whose untouched pages cost no memory,
 * trimmed after.  A malformed rec is decoded into a scratch instance and
 * skipped (counted); a frame that runs past the end ends the walk, the
 * rest being unreadable (counted from the stored count, at least one).
 */
void
cache_recs_decode(struct fleet_block *blk, size_t len, long long count,
    struct fleet_instance *v, size_t *n, size_t *skipped)
{
	size_t off, flen, ntags = 0, seen = 0, refs = 0, room, k;
	unsigned char *p = blk->data;
	struct fleet_instance in;
	struct fleet_tag *tags;
	long nt;

	room = RECS_ROOM(len);
	tags = xmalloc((len / TAG_MIN + 1) * sizeof *tags);
	for (off = 0; off < len; off += flen) {
		if (len - off < 4 || (flen = cache_get_u32(p + off)) >
		    len - off - 4) {
			*skipped += count > (long long)seen ?
			    (size_t)(count - (long long)seen) : 1;
			break;
		}
		off += 4;
		seen++;
		memset(&in, 0, sizeof in);
		nt = cache_rec_walk(p + off, flen, &in, tags + ntags);
		/* A well-formed rec is at least REC_MIN bytes, so room is
		 * never short; the check keeps that a proof, not a hope. */
		if (nt < 0 || refs == room) {
			(*skipped)++;
			continue;
		}
		in.block = blk;
		v[(*n)++] = in;
		ntags += (size_t)nt;
		refs++;
	}
	if (ntags == 0) {
		free(tags);
		tags = NULL;
	} else {
		/* Trimming may move it: the instances point at offsets. */
		struct fleet_tag *was = tags;

		tags = xreallocarray(tags, ntags, sizeof *tags);
		if (tags != was) {
			for (k = *n - refs; k < *n; k++)
				if (v[k].tags != NULL)
					v[k].tags = tags + (v[k].tags - was);
		}
	}
	blk->tags = tags;
	blk->refs = refs;
}

void
cache_recs_parse(const void *data, size_t len, long long count,
    struct fleet_instance **vp, size_t *np, size_t *skipped)
{
	struct fleet_block *blk;
	struct fleet_instance *v;
	size_t n = 0;

	blk = xmalloc(sizeof *blk + len + 1);
	blk->refs = 0;
	blk->tags = NULL;
	if (len > 0)
		memcpy(blk->data, data, len);
	v = xcalloc(RECS_ROOM(len) + 1, sizeof *v);
	cache_recs_decode(blk, len, count, v, &n, skipped);
	if (n == 0) {
		free(blk->tags);
		free(blk);
		free(v);
		v = NULL;
	}
	*vp = v;
	*np = n;
}

/*
 * Packs the strings of a decoded block: each moved down over the length
 * prefixes the rec keeps before it, and one equal to the previous
 * instance's same field (or same tag key or value) shared, not kept
 * twice: a fleet sorted by name repeats its account, region, state,
 * type, platform, tag keys and many values from row to row.  At 100,000
 * instances the blocks went from 53 MB to about half.  v[0..n) are the
 * instances decoded from blk, in its order (their strings lie in it in
 * the order of the rec); a string is only ever moved down, over bytes
 * already read, so none is overwritten before it is moved.  Returns the
 * block, trimmed (it may have moved: the instances follow).
 */
struct fleet_block *
cache_block_pack(struct fleet_block *blk, struct fleet_instance *v,
    size_t n)
{
	struct fleet_block *was = blk, *now;
	struct fleet_instance *in, *prev;
	unsigned char *w = blk->data;
	uintptr_t base;
	size_t k, f, t, l;
	char **p, *q;

	for (k = 0; k < n; k++) {
		char **field[REC_NSTR] = REC_FIELDS(&v[k]);

		in = &v[k];
		prev = k > 0 ? &v[k - 1] : NULL;
		for (f = 0; f < REC_NSTR + 2 * in->ntags; f++) {
			if (f < REC_NSTR) {
				p = field[f];
				q = NULL;
				if (prev != NULL) {
					char **pf[REC_NSTR] = REC_FIELDS(prev);

					q = *pf[f];
				}
			} else {
				t = (f - REC_NSTR) / 2;
				p = (f - REC_NSTR) % 2 == 0 ? &in->tags[t].key :
				    &in->tags[t].value;
				q = prev == NULL || t >= prev->ntags ? NULL :
				    (f - REC_NSTR) % 2 == 0 ?
				    prev->tags[t].key : prev->tags[t].value;
			}
			if (q != NULL && strcmp(q, *p) == 0) {
				*p = q;
				continue;
			}
			l = strlen(*p) + 1;
			memmove(w, *p, l);
			*p = (char *)w;
			w += l;
		}
	}
	base = (uintptr_t)blk->data;
	now = realloc(blk, sizeof *blk + (size_t)(w - blk->data) + 1);
	if (now == NULL || now == was)
		return blk;
	for (k = 0; k < n; k++) {
		char **field[REC_NSTR] = REC_FIELDS(&v[k]);

		v[k].block = now;
		for (f = 0; f < REC_NSTR; f++)
			*field[f] = (char *)now->data +
			    ((uintptr_t)*field[f] - base);
		for (t = 0; t < v[k].ntags; t++) {
			v[k].tags[t].key = (char *)now->data +
			    ((uintptr_t)v[k].tags[t].key - base);
			v[k].tags[t].value = (char *)now->data +
			    ((uintptr_t)v[k].tags[t].value - base);
		}
	}
	return now;
}

