/*
 * sigv4.c - see sigv4.h.
 *
 * Follows the AWS SigV4 documentation and, where the documentation is
 * vague, the behaviour pinned down by the public test suite
 * (awslabs/aws-c-auth tests/aws-signing-test-suite/v4) and botocore's
 * auth.py: path normalisation and double encoding for every service but S3,
 * the query decoded and re-encoded, header values trimmed and folded.
 */
#include "aws/sigv4.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "util/util.h"

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"

/* One canonical header: a lower-case name and its values joined by ','. */
struct canon_header {
	char *name;
	struct buf value;
};

/* One query parameter, both halves already in canonical encoding. */
struct canon_param {
	char *key;
	char *value;
};

static int
is_empty(const char *s)
{
	return s == NULL || *s == '\0';
}

static int
is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	    c == '~';
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes %XX escapes of s[0..n) into b.  '+' stays '+': AWS clients send
 * a space as %20, and botocore/aws-c-auth treat '+' literally too.  A '%'
 * that starts no valid escape is kept, so it is re-encoded as %25. */
static void
uri_decode(struct buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int hi, lo;

		if (s[i] == '%' && i + 2 < n &&
		    (hi = hex_value(s[i + 1])) >= 0 &&
		    (lo = hex_value(s[i + 2])) >= 0) {
			buf_putc(b, (char)(hi << 4 | lo));
			i += 2;
		} else {
			buf_putc(b, s[i]);
		}
	}
}

/*
 * The canonical URI for services that normalise (all but S3): drop empty,
 * "." and ".." segments, then encode every segment.  The path arrives
 * already encoded as on the wire, so encoding it again is the double
 * encoding AWS specifies for these services ("%20" becomes "%2520").
 */
static void
canonical_path_normalized(struct buf *out, const char *path)
{
	const char **seg;
	size_t *seglen;
	size_t nseg = 0, cap, i, plen = strlen(path);
	const char *p = path, *end = path + plen;

	/* A kept segment takes a byte and a '/', so at most plen/2 + 1. */
	cap = plen / 2 + 2;
	seg = xreallocarray(NULL, cap, sizeof *seg);
	seglen = xreallocarray(NULL, cap, sizeof *seglen);
	while (p < end) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		size_t n = slash != NULL ? (size_t)(slash - p) : (size_t)(end - p);

		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* "//" and "/./" add nothing */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (nseg > 0)
				nseg--;
		} else {
			seg[nseg] = p;
			seglen[nseg] = n;
			nseg++;
		}
		if (slash == NULL)
			break;
		p = slash + 1;
	}
	buf_putc(out, '/');
	for (i = 0; i < nseg; i++) {
		if (i > 0)
			buf_putc(out, '/');
		util_uri_encode(out, seg[i], seglen[i], 0);
	}
	/* A trailing slash names a different resource ("/a/" is not "/a"). */
	if (nseg > 0 && plen > 0 && path[plen - 1] == '/')
		buf_putc(out, '/');
	free(seg);
	free(seglen);
}

/*
 * The canonical URI for S3: the key encoded exactly once.  The path is
 * already encoded by the caller, so an escape is kept (hex upper-cased, or
 * decoded when it stands for an unreserved byte, which is how S3 itself
 * re-encodes) and only bytes that are still raw get encoded.  Segments are
 * left alone: "a//b" and "a/./b" are distinct S3 keys.
 */
static void
canonical_path_s3(struct buf *out, const char *path)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t i, n = strlen(path);

	if (n == 0) {
		buf_putc(out, '/');
		return;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)path[i];
		int hi, lo;

		if (c == '%' && i + 2 < n &&
		    (hi = hex_value(path[i + 1])) >= 0 &&
		    (lo = hex_value(path[i + 2])) >= 0) {
			unsigned char d = (unsigned char)(hi << 4 | lo);

			if (is_unreserved(d)) {
				buf_putc(out, (char)d);
			} else {
				char e[3] = { '%', digits[d >> 4], digits[d & 15] };

				buf_append(out, e, 3);
			}
			i += 2;
		} else if (c == '/') {
			buf_putc(out, '/');
		} else {
			util_uri_encode(out, (const char *)&c, 1, 0);
		}
	}
}

static int
param_cmp(const void *a, const void *b)
{
	const struct canon_param *pa = a, *pb = b;
	int r = strcmp(pa->key, pb->key);

	return r != 0 ? r : strcmp(pa->value, pb->value);
}

/* Encodes s[0..n) canonically: decoded first so that "%7E" and "~", or a
 * raw and an escaped space, give the same text. */
static char *
canonical_component(const char *s, size_t n)
{
	struct buf raw, enc;

	buf_init(&raw);
	buf_init(&enc);
	uri_decode(&raw, s, n);
	util_uri_encode(&enc, raw.data != NULL ? raw.data : "", raw.len, 0);
	buf_free(&raw);
	return buf_steal(&enc);
}

static void
canonical_query(struct buf *out, const char *query)
{
	struct canon_param *params = NULL;
	size_t n = 0, cap = 0, i;
	const char *p, *end;

	if (is_empty(query))
		return;
	p = query;
	end = query + strlen(query);
	for (;;) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp != NULL ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));

		if (stop > p) {
			if (n == cap) {
				cap = cap ? cap * 2 : 8;
				params = xreallocarray(params, cap, sizeof *params);
			}
			if (eq != NULL) {
				params[n].key = canonical_component(p,
				    (size_t)(eq - p));
				params[n].value = canonical_component(eq + 1,
				    (size_t)(stop - eq - 1));
			} else {
				params[n].key = canonical_component(p,
				    (size_t)(stop - p));
				params[n].value = xstrdup("");
			}
			n++;
		}
		if (stop == end)
			break;
		p = stop + 1;
	}
	if (n > 1)
		qsort(params, n, sizeof *params, param_cmp);
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(out, '&');
		buf_puts(out, params[i].key);
		buf_putc(out, '=');
		buf_puts(out, params[i].value);
		free(params[i].key);
		free(params[i].value);
	}
	free(params);
}

/* Appends v trimmed, with inner runs of blanks folded to one space. */
static void
append_trimmed(struct buf *b, const char *v)
{
	int pending = 0, any = 0;

	for (; *v != '\0'; v++) {
		if (*v == ' ' || *v == '\t') {
			pending = any;
			continue;
		}
		if (pending)
			buf_putc(b, ' ');
		pending = 0;
		any = 1;
		buf_putc(b, *v);
	}
	if (b->data == NULL)
		buf_append(b, "", 0);
}

static char *
lower_dup(const char *s)
{
	char *d = xstrdup(s), *p;

	for (p = d; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return d;
}

static int
header_cmp(const void *a, const void *b)
{
	const struct canon_header *ha = a, *hb = b;

	return strcmp(ha->name, hb->name);
}

static int
has_line_break(const char *s)
{
	return strpbrk(s, "\r\n") != NULL;
}

/* Adds one header, joining a repeated name's values with ',' in the order
 * they were given, as the canonical form requires. */
static void
headers_add(struct canon_header **hs, size_t *n, size_t *cap,
    const char *name, const char *value)
{
	char *lname = lower_dup(name);
	size_t i;

	for (i = 0; i < *n; i++) {
		if (strcmp((*hs)[i].name, lname) == 0) {
			free(lname);
			buf_putc(&(*hs)[i].value, ',');
			append_trimmed(&(*hs)[i].value, value);
			return;
		}
	}
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		*hs = xreallocarray(*hs, *cap, sizeof **hs);
	}
	(*hs)[*n].name = lname;
	buf_init(&(*hs)[*n].value);
	append_trimmed(&(*hs)[*n].value, value);
	(*n)++;
}

/* out may be key: each step of the key chain overwrites its input. */
static void
hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
    unsigned char out[32])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (keylen > 0x7fffffff)
		util_fatal("HMAC key too long");
	/* HMAC() is the one-shot API OpenSSL 3 keeps undeprecated. */
	if (HMAC(EVP_sha256(), key, (int)keylen, data, len, md,
	    &mdlen) == NULL || mdlen != 32)
		util_fatal("HMAC-SHA256 failed");
	memcpy(out, md, 32);
	OPENSSL_cleanse(md, sizeof md);
}

void
sigv4_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_Digest(data != NULL ? data : "", len, md, &mdlen,
	    EVP_sha256(), NULL) != 1 || mdlen != 32)
		util_fatal("SHA-256 failed");
	util_hex(md, 32, out);
}

void
sigv4_amz_date(long long t, char out[17])
{
	time_t tt = (time_t)t;
	struct tm tm;

	/* An unrepresentable time gives "", which sigv4_sign() refuses,
	 * rather than a plausible wrong date. */
	out[0] = '\0';
	if ((long long)tt != t || gmtime_r(&tt, &tm) == NULL)
		return;
	if (strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) != 16)
		out[0] = '\0';
}

static int
valid_amz_date(const char *d)
{
	size_t i;

	if (d == NULL || strlen(d) != 16 || d[8] != 'T' || d[15] != 'Z')
		return 0;
	for (i = 0; i < 15; i++)
		if (i != 8 && (d[i] < '0' || d[i] > '9'))
			return 0;
	return 1;
}

/* Whether the caller's header is one the signer adds itself this time:
 * the signer's copy wins, so it is neither signed twice nor sent twice. */
static int
signer_owns(const struct sigv4_input *in, const char *name, int has_token)
{
	if (strcasecmp(name, "x-amz-date") == 0 ||
	    strcasecmp(name, "authorization") == 0)
		return 1;
	if (has_token && strcasecmp(name, "x-amz-security-token") == 0)
		return 1;
	if (in->sign_content_sha256 &&
	    strcasecmp(name, "x-amz-content-sha256") == 0)
		return 1;
	return 0;
}

static int
input_valid(const struct sigv4_input *in)
{
	size_t i;

	if (in == NULL || is_empty(in->method) || in->path == NULL ||
	    is_empty(in->access_key) || is_empty(in->secret_key) ||
	    is_empty(in->region) || is_empty(in->service) ||
	    !valid_amz_date(in->amz_date))
		return 0;
	if (in->nheaders > 0 && in->headers == NULL)
		return 0;
	if (in->body == NULL && in->body_len > 0)
		return 0;
	/* A line break would let a value forge canonical request lines. */
	if (has_line_break(in->method) || has_line_break(in->path) ||
	    (in->query != NULL && has_line_break(in->query)) ||
	    (in->session_token != NULL && has_line_break(in->session_token)) ||
	    (in->payload_hash != NULL && has_line_break(in->payload_hash)))
		return 0;
	for (i = 0; i < in->nheaders; i++) {
		const char *name = in->headers[i].name;
		const char *value = in->headers[i].value;

		if (is_empty(name) || value == NULL || has_line_break(name) ||
		    has_line_break(value) || strchr(name, ':') != NULL)
			return 0;
	}
	return 1;
}

static void
add_output_header(struct sigv4_output *out, const char *name,
    const char *value)
{
	out->added[out->nadded].name = xstrdup(name);
	out->added[out->nadded].value = xstrdup(value);
	out->nadded++;
}

int
sigv4_sign(const struct sigv4_input *in, struct sigv4_output *out)
{
	struct canon_header *hs = NULL;
	size_t nh = 0, caph = 0, i;
	struct buf creq, sts, signed_names, key0;
	char payload[65], creq_hash[65], date8[9], *scope;
	const char *payload_hash;
	unsigned char k[32], sig[32];
	int has_token;

	memset(out, 0, sizeof *out);
	if (!input_valid(in))
		return -1;
	has_token = !is_empty(in->session_token);

	if (in->payload_hash != NULL) {
		payload_hash = in->payload_hash;
	} else {
		sigv4_sha256_hex(in->body, in->body_len, payload);
		payload_hash = payload;
	}

	for (i = 0; i < in->nheaders; i++)
		if (!signer_owns(in, in->headers[i].name, has_token))
			headers_add(&hs, &nh, &caph, in->headers[i].name,
			    in->headers[i].value);
	headers_add(&hs, &nh, &caph, "x-amz-date", in->amz_date);
	if (has_token && !in->omit_session_token)
		headers_add(&hs, &nh, &caph, "x-amz-security-token",
		    in->session_token);
	if (in->sign_content_sha256)
		headers_add(&hs, &nh, &caph, "x-amz-content-sha256",
		    payload_hash);
	qsort(hs, nh, sizeof *hs, header_cmp);

	buf_init(&creq);
	buf_init(&signed_names);
	buf_printf(&creq, "%s\n", in->method);
	if (in->normalize_path)
		canonical_path_normalized(&creq, in->path);
	else
		canonical_path_s3(&creq, in->path);
	buf_putc(&creq, '\n');
	canonical_query(&creq, in->query);
	buf_putc(&creq, '\n');
	for (i = 0; i < nh; i++) {
		buf_printf(&creq, "%s:%s\n", hs[i].name, hs[i].value.data);
		if (i > 0)
			buf_putc(&signed_names, ';');
		buf_puts(&signed_names, hs[i].name);
		free(hs[i].name);
		buf_free(&hs[i].value);
	}
	free(hs);
	buf_printf(&creq, "\n%s\n%s", signed_names.data, payload_hash);

	memcpy(date8, in->amz_date, 8);
	date8[8] = '\0';
	scope = xasprintf("%s/%s/%s/aws4_request", date8, in->region,
	    in->service);
	sigv4_sha256_hex(creq.data, creq.len, creq_hash);
	buf_init(&sts);
	buf_printf(&sts, SIGV4_ALGORITHM "\n%s\n%s\n%s", in->amz_date, scope,
	    creq_hash);

	buf_init(&key0);
	buf_printf(&key0, "AWS4%s", in->secret_key);
	hmac_sha256(key0.data, key0.len, date8, 8, k);
	OPENSSL_cleanse(key0.data, key0.len);
	buf_free(&key0);
	hmac_sha256(k, 32, in->region, strlen(in->region), k);
	hmac_sha256(k, 32, in->service, strlen(in->service), k);
	hmac_sha256(k, 32, "aws4_request", 12, k);
	hmac_sha256(k, 32, sts.data, sts.len, sig);
	OPENSSL_cleanse(k, sizeof k);
	util_hex(sig, 32, out->signature);

	out->authorization = xasprintf(SIGV4_ALGORITHM
	    " Credential=%s/%s, SignedHeaders=%s, Signature=%s",
	    in->access_key, scope, signed_names.data, out->signature);
	out->canonical_request = buf_steal(&creq);
	out->string_to_sign = buf_steal(&sts);
	buf_free(&signed_names);
	free(scope);

	add_output_header(out, "x-amz-date", in->amz_date);
	/* Sent even when not signed: omit_session_token exists for services
	 * that want the token outside the signature, not without it. */
	if (has_token)
		add_output_header(out, "x-amz-security-token",
		    in->session_token);
	if (in->sign_content_sha256)
		add_output_header(out, "x-amz-content-sha256", payload_hash);
	return 0;
}

void
sigv4_output_free(struct sigv4_output *out)
{
	size_t i;

	free(out->canonical_request);
	free(out->string_to_sign);
	/* The signature, and X-Amz-Security-Token among the added. */
	util_free_secret_str(out->authorization);
	for (i = 0; i < out->nadded; i++) {
		free(out->added[i].name);
		util_free_secret_str(out->added[i].value);
	}
	memset(out, 0, sizeof *out);
}
