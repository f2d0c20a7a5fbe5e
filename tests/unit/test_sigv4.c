/*
 * test_sigv4.c - the signer against every case of the AWS SigV4 test suite
 * (kept in tests/data/sigv4; each argument names one more folder of cases,
 * every one of which must hold at least one), plus S3 known answers from
 * the S3 SigV4 documentation and the edge cases the suite does not cover.
 *
 * Every vector folder becomes its own cmocka test, so a failure names the
 * case; the canonical request, string to sign, signature and Authorization
 * value are all compared, since a right signature from a wrong canonical
 * request would only be luck.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <cJSON.h>

#include "aws/sigv4.h"
#include "util/util.h"

#define DEFAULT_VECTORS "tests/data/sigv4"
#define MAX_FILE (1024 * 1024)

struct vector {
	char *name;
	char *dir;
};

/* A request parsed from request.txt; every string points into text. */
struct raw_request {
	struct buf text;
	const char *method;
	const char *path;
	const char *query;
	struct sigv4_header *headers;
	size_t nheaders;
	const char *body;
	size_t body_len;
};

static int
read_text(const char *dir, const char *file, struct buf *out)
{
	char *path = xasprintf("%s/%s", dir, file);
	int r;

	buf_init(out);
	r = util_read_file(path, MAX_FILE, out);
	free(path);
	return r;
}

/* The expected files end without a newline; tolerate one added by an
 * editor so that only a real difference fails. */
static void
chomp(struct buf *b)
{
	while (b->len > 0 &&
	    (b->data[b->len - 1] == '\n' || b->data[b->len - 1] == '\r'))
		b->data[--b->len] = '\0';
}

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm), so
 * the test does not depend on timegm() or the TZ variable. */
static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
iso_to_amz_date(const char *iso, char out[17])
{
	int y, mo, d, h, mi, s;
	long long t;

	if (iso == NULL || sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mo, &d,
	    &h, &mi, &s) != 6)
		return -1;
	t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	    h * 3600 + mi * 60 + s;
	sigv4_amz_date(t, out);
	return 0;
}

static void
raw_request_free(struct raw_request *r)
{
	buf_free(&r->text);
	free(r->headers);
	memset(r, 0, sizeof *r);
}

/*
 * Parses "METHOD target HTTP/1.1", then "Name:value" lines up to a blank
 * line, then the body.  The target may hold spaces (get-space-*), so the
 * version is cut at the last space.  A line starting with a blank
 * continues the previous header (obsolete folding), joined by one space.
 */
static int
parse_request(const char *dir, struct raw_request *r)
{
	char *p, *eol, *sp1, *sp2, *q;
	size_t cap = 0;

	memset(r, 0, sizeof *r);
	if (read_text(dir, "request.txt", &r->text) != 0)
		return -1;
	p = r->text.data;
	eol = strchr(p, '\n');
	if (eol == NULL)
		eol = p + strlen(p);
	if (eol > p && eol[-1] == '\r')
		eol[-1] = '\0';
	r->body = "";
	if (*eol == '\n') {
		*eol = '\0';
		eol++;
	}
	sp1 = strchr(p, ' ');
	sp2 = strrchr(p, ' ');
	if (sp1 == NULL || sp2 == sp1)
		return -1;
	*sp1 = '\0';
	*sp2 = '\0';
	r->method = p;
	r->path = sp1 + 1;
	q = strchr(sp1 + 1, '?');
	if (q != NULL) {
		*q = '\0';
		r->query = q + 1;
	}

	p = eol;
	while (*p != '\0') {
		char *colon, *line = p;

		eol = strchr(p, '\n');
		if (eol != NULL) {
			*eol = '\0';
			p = eol + 1;
		} else {
			p += strlen(p);
		}
		if (*line != '\0' && line[strlen(line) - 1] == '\r')
			line[strlen(line) - 1] = '\0';
		if (*line == '\0') {
			r->body = p;
			r->body_len = strlen(p);
			break;
		}
		if ((*line == ' ' || *line == '\t') && r->nheaders > 0) {
			/* Folded continuation: the value is rebuilt in
			 * place, since this line follows it in text. */
			struct sigv4_header *h = &r->headers[r->nheaders - 1];
			char *v = (char *)h->value, *end = v + strlen(v);

			while (*line == ' ' || *line == '\t')
				line++;
			*end = ' ';
			memmove(end + 1, line, strlen(line) + 1);
			continue;
		}
		colon = strchr(line, ':');
		if (colon == NULL)
			return -1;
		*colon = '\0';
		if (r->nheaders == cap) {
			cap = cap ? cap * 2 : 8;
			r->headers = xreallocarray(r->headers, cap,
			    sizeof *r->headers);
		}
		r->headers[r->nheaders].name = line;
		r->headers[r->nheaders].value = colon + 1;
		r->nheaders++;
	}
	return 0;
}

static const char *
json_string(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int
json_bool(const cJSON *obj, const char *key)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

/* Finds "Name:" at the start of a line of a signed request, any case. */
static char *
signed_header_value(const char *text, const char *name)
{
	size_t n = strlen(name);
	const char *p = text;

	while (p != NULL && *p != '\0') {
		const char *eol = strchr(p, '\n');
		size_t len = eol != NULL ? (size_t)(eol - p) : strlen(p);

		if (len == 0)
			break;	/* the body starts */
		if (len > n && p[n] == ':' && strncasecmp(p, name, n) == 0)
			return xstrndup(p + n + 1, len - n - 1);
		p = eol != NULL ? eol + 1 : NULL;
	}
	return NULL;
}

static int
check_text(const char *vname, const char *what, const char *expected,
    const char *actual)
{
	if (strcmp(expected, actual) == 0)
		return 1;
	print_error("%s: %s differs\n--- expected\n%s\n--- actual\n%s\n---\n",
	    vname, what, expected, actual);
	return 0;
}

static void
test_vector(void **state)
{
	const struct vector *v = *state;
	struct buf ctx_text, want_creq, want_sts, want_sig, want_signed;
	struct raw_request req;
	struct sigv4_input in;
	struct sigv4_output out;
	cJSON *ctx = NULL;
	const cJSON *creds;
	char amz_date[17];
	int ok_creq = 0, ok_sts = 0, ok_sig = 0, ok_auth = 0, ok_added = 1;
	size_t i;

	assert_int_equal(read_text(v->dir, "context.json", &ctx_text), 0);
	assert_int_equal(read_text(v->dir, "header-canonical-request.txt",
	    &want_creq), 0);
	assert_int_equal(read_text(v->dir, "header-string-to-sign.txt",
	    &want_sts), 0);
	assert_int_equal(read_text(v->dir, "header-signature.txt",
	    &want_sig), 0);
	assert_int_equal(read_text(v->dir, "header-signed-request.txt",
	    &want_signed), 0);
	chomp(&want_creq);
	chomp(&want_sts);
	chomp(&want_sig);
	assert_int_equal(parse_request(v->dir, &req), 0);
	ctx = cJSON_ParseWithLength(ctx_text.data, ctx_text.len);
	assert_non_null(ctx);
	creds = cJSON_GetObjectItemCaseSensitive(ctx, "credentials");
	assert_true(cJSON_IsObject(creds));
	assert_int_equal(iso_to_amz_date(json_string(ctx, "timestamp"),
	    amz_date), 0);

	memset(&in, 0, sizeof in);
	in.method = req.method;
	in.path = req.path;
	in.query = req.query;
	in.headers = req.headers;
	in.nheaders = req.nheaders;
	in.body = req.body;
	in.body_len = req.body_len;
	in.payload_hash = NULL;	/* computed from the body */
	in.access_key = json_string(creds, "access_key_id");
	in.secret_key = json_string(creds, "secret_access_key");
	in.session_token = json_string(creds, "token");
	in.region = json_string(ctx, "region");
	in.service = json_string(ctx, "service");
	in.amz_date = amz_date;
	in.normalize_path = json_bool(ctx, "normalize");
	in.sign_content_sha256 = json_bool(ctx, "sign_body");
	in.omit_session_token = json_bool(ctx, "omit_session_token");

	assert_int_equal(sigv4_sign(&in, &out), 0);
	ok_creq = check_text(v->name, "canonical request", want_creq.data,
	    out.canonical_request);
	ok_sts = check_text(v->name, "string to sign", want_sts.data,
	    out.string_to_sign);
	ok_sig = check_text(v->name, "signature", want_sig.data,
	    out.signature);
	{
		char *auth = signed_header_value(want_signed.data,
		    "Authorization");

		ok_auth = auth != NULL && check_text(v->name,
		    "Authorization", auth, out.authorization);
		free(auth);
	}
	/* Every header the signer adds must be the one the signed request
	 * carries, the unsigned session token included. */
	for (i = 0; i < out.nadded; i++) {
		char *want = signed_header_value(want_signed.data,
		    out.added[i].name);

		if (want == NULL || !check_text(v->name, out.added[i].name,
		    want, out.added[i].value))
			ok_added = 0;
		free(want);
	}
	printf("vector %-40s canonical %s, string-to-sign %s, signature %s, "
	    "authorization %s, added headers %s\n", v->name,
	    ok_creq ? "ok" : "FAIL", ok_sts ? "ok" : "FAIL",
	    ok_sig ? "ok" : "FAIL", ok_auth ? "ok" : "FAIL",
	    ok_added ? "ok" : "FAIL");
	fflush(stdout);

	sigv4_output_free(&out);
	cJSON_Delete(ctx);
	raw_request_free(&req);
	buf_free(&ctx_text);
	buf_free(&want_creq);
	buf_free(&want_sts);
	buf_free(&want_sig);
	buf_free(&want_signed);
	if (!(ok_creq && ok_sts && ok_sig && ok_auth && ok_added))
		fail_msg("vector %s does not match", v->name);
}

/* --- S3 known answers: the examples of the S3 SigV4 documentation
 * ("Signature Calculations for the Authorization Header"). --- */

#define S3_DOC_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define EMPTY_SHA256 \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static void
s3_doc_input(struct sigv4_input *in, const char *path, const char *query,
    const struct sigv4_header *h, size_t nh)
{
	memset(in, 0, sizeof *in);
	in->method = "GET";
	in->path = path;
	in->query = query;
	in->headers = h;
	in->nheaders = nh;
	in->access_key = "AKIAIOSFODNN7EXAMPLE";
	in->secret_key = S3_DOC_SECRET;
	in->region = "us-east-1";
	in->service = "s3";
	in->amz_date = "20130524T000000Z";
	in->normalize_path = 0;
	in->sign_content_sha256 = 1;
}

static void
test_s3_doc_get_object(void **state)
{
	const struct sigv4_header h[] = {
		{ "Host", "examplebucket.s3.amazonaws.com" },
		{ "Range", "bytes=0-9" },
	};
	struct sigv4_input in;
	struct sigv4_output out;

	(void)state;
	s3_doc_input(&in, "/test.txt", NULL, h, 2);
	assert_int_equal(sigv4_sign(&in, &out), 0);
	assert_string_equal(out.canonical_request,
	    "GET\n/test.txt\n\n"
	    "host:examplebucket.s3.amazonaws.com\n"
	    "range:bytes=0-9\n"
	    "x-amz-content-sha256:" EMPTY_SHA256 "\n"
	    "x-amz-date:20130524T000000Z\n\n"
	    "host;range;x-amz-content-sha256;x-amz-date\n" EMPTY_SHA256);
	assert_string_equal(out.signature,
	    "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
	assert_string_equal(out.authorization,
	    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/"
	    "us-east-1/s3/aws4_request, SignedHeaders=host;range;"
	    "x-amz-content-sha256;x-amz-date, Signature="
	    "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
	sigv4_output_free(&out);
}

static void
test_s3_doc_valueless_query(void **state)
{
	const struct sigv4_header h[] = {
		{ "Host", "examplebucket.s3.amazonaws.com" },
	};
	struct sigv4_input in;
	struct sigv4_output out;

	(void)state;
	s3_doc_input(&in, "/", "lifecycle", h, 1);
	assert_int_equal(sigv4_sign(&in, &out), 0);
	assert_non_null(strstr(out.canonical_request, "\n/\nlifecycle=\n"));
	assert_string_equal(out.signature,
	    "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
	sigv4_output_free(&out);
}

static void
test_s3_doc_sorted_query(void **state)
{
	const struct sigv4_header h[] = {
		{ "Host", "examplebucket.s3.amazonaws.com" },
	};
	struct sigv4_input in;
	struct sigv4_output out;

	(void)state;
	/* Given unsorted, as curl 7.88 would sign it wrongly. */
	s3_doc_input(&in, "/", "prefix=J&max-keys=2", h, 1);
	assert_int_equal(sigv4_sign(&in, &out), 0);
	assert_non_null(strstr(out.canonical_request,
	    "\n/\nmax-keys=2&prefix=J\n"));
	assert_string_equal(out.signature,
	    "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
	sigv4_output_free(&out);
}

static void
test_s3_unsigned_payload(void **state)
{
	const struct sigv4_header h[] = {
		{ "Host", "bucket.s3.eu-west-1.amazonaws.com" },
	};
	const char body[] = "not hashed";
	struct sigv4_input in;
	struct sigv4_output out;
	const char *tail;

	(void)state;
	memset(&in, 0, sizeof in);
	in.method = "PUT";
	/* An S3 key may hold "//", "/./" and "/../": all distinct keys. */
	in.path = "/patchdeck//runs/./2024/../a%20b%2Fc+d";
	in.headers = h;
	in.nheaders = 1;
	in.body = body;
	in.body_len = sizeof body - 1;
	in.payload_hash = "UNSIGNED-PAYLOAD";
	in.access_key = "AKIDEXAMPLE";
	in.secret_key = "secret";
	in.session_token = "tok";
	in.region = "eu-west-1";
	in.service = "s3";
	in.amz_date = "20240102T030405Z";
	in.normalize_path = 0;
	in.sign_content_sha256 = 1;
	assert_int_equal(sigv4_sign(&in, &out), 0);
	assert_non_null(strstr(out.canonical_request,
	    "PUT\n/patchdeck//runs/./2024/../a%20b%2Fc%2Bd\n\n"));
	assert_non_null(strstr(out.canonical_request,
	    "\nx-amz-content-sha256:UNSIGNED-PAYLOAD\n"));
	assert_non_null(strstr(out.canonical_request,
	    "\nx-amz-security-token:tok\n"));
	tail = strrchr(out.canonical_request, '\n');
	assert_string_equal(tail, "\nUNSIGNED-PAYLOAD");
	assert_non_null(strstr(out.canonical_request,
	    "\nhost;x-amz-content-sha256;x-amz-date;x-amz-security-token\n"));
	assert_int_equal(out.nadded, 3);
	assert_string_equal(out.added[0].name, "x-amz-date");
	assert_string_equal(out.added[0].value, "20240102T030405Z");
	assert_string_equal(out.added[1].name, "x-amz-security-token");
	assert_string_equal(out.added[1].value, "tok");
	assert_string_equal(out.added[2].name, "x-amz-content-sha256");
	assert_string_equal(out.added[2].value, "UNSIGNED-PAYLOAD");
	assert_non_null(strstr(out.string_to_sign,
	    "\n20240102/eu-west-1/s3/aws4_request\n"));
	sigv4_output_free(&out);
}

static void
test_query_spaces_unicode(void **state)
{
	const struct sigv4_header h[] = {
		{ "Host", "ec2.us-east-1.amazonaws.com" },
	};
	struct sigv4_input in;
	struct sigv4_output out;

	(void)state;
	memset(&in, 0, sizeof in);
	in.method = "GET";
	in.path = "/a%20b/c d/";
	/* Escaped and raw spaces, escaped and raw UTF-8, '+' kept literal,
	 * "%7e" the same as "~", a repeated key sorted by value, a valueless
	 * key and an empty parameter. */
	in.query = "Tag%20Name=web%20tier&\xe2\x9c\x93=caf\xc3\xa9&"
	    "%E2%9C%93=%C3%A9t%C3%A9&sp ace=x y&a+b=1&t=%7e~&k=2&k=1&&v";
	in.headers = h;
	in.nheaders = 1;
	in.access_key = "AKIDEXAMPLE";
	in.secret_key = "secret";
	in.region = "us-east-1";
	in.service = "ec2";
	in.amz_date = "20240102T030405Z";
	in.normalize_path = 1;
	assert_int_equal(sigv4_sign(&in, &out), 0);
	/* Non-S3 paths are encoded again: "%20" becomes "%2520". */
	assert_non_null(strstr(out.canonical_request,
	    "GET\n/a%2520b/c%20d/\n"
	    "%E2%9C%93=%C3%A9t%C3%A9&%E2%9C%93=caf%C3%A9&Tag%20Name=web%20tier&"
	    "a%2Bb=1&k=1&k=2&sp%20ace=x%20y&t=~~&v=\n"));
	sigv4_output_free(&out);
}

static void
test_input_validation(void **state)
{
	const struct sigv4_header h[] = { { "Host", "example.com" } };
	const struct sigv4_header bad[] = {
		{ "Host", "example.com\r\nX-Evil: 1" },
	};
	struct sigv4_input in, base;
	struct sigv4_output out;

	(void)state;
	memset(&base, 0, sizeof base);
	base.method = "GET";
	base.path = "/";
	base.headers = h;
	base.nheaders = 1;
	base.access_key = "AKIDEXAMPLE";
	base.secret_key = "secret";
	base.region = "us-east-1";
	base.service = "sts";
	base.amz_date = "20240102T030405Z";
	base.normalize_path = 1;

	assert_int_equal(sigv4_sign(&base, &out), 0);
	sigv4_output_free(&out);

	in = base;
	in.secret_key = NULL;
	assert_int_equal(sigv4_sign(&in, &out), -1);
	assert_null(out.authorization);
	sigv4_output_free(&out);	/* safe on a refused input */
	in.secret_key = "";
	assert_int_equal(sigv4_sign(&in, &out), -1);
	in = base;
	in.access_key = "";
	assert_int_equal(sigv4_sign(&in, &out), -1);
	in = base;
	in.method = NULL;
	assert_int_equal(sigv4_sign(&in, &out), -1);
	in = base;
	in.path = NULL;
	assert_int_equal(sigv4_sign(&in, &out), -1);
	in = base;
	in.region = NULL;
	assert_int_equal(sigv4_sign(&in, &out), -1);
	in = base;
	in.service = "";
	assert_int_equal(sigv4_sign(&in, &out), -1);
	in = base;
	in.amz_date = "2024-01-02T03:04:05Z";
	assert_int_equal(sigv4_sign(&in, &out), -1);
	in = base;
	in.amz_date = NULL;
	assert_int_equal(sigv4_sign(&in, &out), -1);
	in = base;
	in.headers = bad;
	assert_int_equal(sigv4_sign(&in, &out), -1);
	in = base;
	in.body = NULL;
	in.body_len = 3;
	assert_int_equal(sigv4_sign(&in, &out), -1);
	assert_int_equal(sigv4_sign(NULL, &out), -1);
}

static void
test_caller_date_header_ignored(void **state)
{
	const struct sigv4_header h[] = {
		{ "Host", "example.com" },
		{ "X-Amz-Date", "19990101T000000Z" },
	};
	struct sigv4_input in;
	struct sigv4_output out;

	(void)state;
	memset(&in, 0, sizeof in);
	in.method = "POST";
	in.path = "/";
	in.headers = h;
	in.nheaders = 2;
	in.access_key = "AKIDEXAMPLE";
	in.secret_key = "secret";
	in.region = "us-east-1";
	in.service = "sts";
	in.amz_date = "20240102T030405Z";
	in.normalize_path = 1;
	assert_int_equal(sigv4_sign(&in, &out), 0);
	assert_null(strstr(out.canonical_request, "1999"));
	assert_non_null(strstr(out.canonical_request,
	    "\nx-amz-date:20240102T030405Z\n"));
	sigv4_output_free(&out);
}

static void
test_helpers(void **state)
{
	char hex[65], date[17];

	(void)state;
	sigv4_sha256_hex("", 0, hex);
	assert_string_equal(hex, EMPTY_SHA256);
	sigv4_sha256_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	sigv4_amz_date(0, date);
	assert_string_equal(date, "19700101T000000Z");
	sigv4_amz_date(1440938160LL, date);
	assert_string_equal(date, "20150830T123600Z");
	sigv4_amz_date(951782400LL, date);	/* a leap day */
	assert_string_equal(date, "20000229T000000Z");
}

static int
vector_cmp(const void *a, const void *b)
{
	const struct vector *va = a, *vb = b;

	return strcmp(va->name, vb->name);
}

/* Appends root's case folders to v[*n...]: a folder with a context.json is
 * a case, named prefix + its folder's name.  Returns the (moved) array. */
static struct vector *
list_vectors(const char *root, const char *prefix, struct vector *v,
    size_t *n, size_t *cap)
{
	struct dirent *de;
	size_t first = *n;
	DIR *d;

	d = opendir(root);
	if (d == NULL)
		return v;
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		char *dir, *ctx;

		if (de->d_name[0] == '.')
			continue;
		dir = xasprintf("%s/%s", root, de->d_name);
		ctx = xasprintf("%s/context.json", dir);
		if (stat(ctx, &st) != 0 || !S_ISREG(st.st_mode)) {
			free(dir);
			free(ctx);
			continue;
		}
		free(ctx);
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 32;
			v = xreallocarray(v, *cap, sizeof *v);
		}
		v[*n].name = xasprintf("%s%s", prefix, de->d_name);
		v[*n].dir = dir;
		(*n)++;
	}
	closedir(d);
	if (*n - first > 1)
		qsort(v + first, *n - first, sizeof *v, vector_cmp);
	return v;
}

int
main(int argc, char **argv)
{
	static const struct CMUnitTest extra[] = {
		cmocka_unit_test(test_s3_doc_get_object),
		cmocka_unit_test(test_s3_doc_valueless_query),
		cmocka_unit_test(test_s3_doc_sorted_query),
		cmocka_unit_test(test_s3_unsigned_payload),
		cmocka_unit_test(test_query_spaces_unicode),
		cmocka_unit_test(test_input_validation),
		cmocka_unit_test(test_caller_date_header_ignored),
		cmocka_unit_test(test_helpers),
	};
	const size_t nextra = sizeof extra / sizeof extra[0];
	struct CMUnitTest *tests;
	struct vector *v = NULL;
	size_t n = 0, cap = 0, i;
	int failed, a;

	/* The repository's own cases always; each argument adds a folder
	 * (../shared/testdata/sigv4 beside a developer's clone), its cases
	 * named after it.  A folder without a case is an error, never a
	 * silent pass over nothing. */
	for (a = 0; a < argc; a++) {
		const char *root = a == 0 ? DEFAULT_VECTORS : argv[a];
		char *prefix = a == 0 ? xstrdup("") : xasprintf("%s:", root);
		size_t before = n;

		v = list_vectors(root, prefix, v, &n, &cap);
		free(prefix);
		if (n == before) {
			fprintf(stderr, "test_sigv4: no SigV4 vector case in "
			    "%s\n", root);
			for (i = 0; i < n; i++) {
				free(v[i].name);
				free(v[i].dir);
			}
			free(v);
			return 1;
		}
		printf("test_sigv4: %zu vector cases in %s\n", n - before,
		    root);
	}
	tests = xcalloc(n + nextra, sizeof *tests);
	for (i = 0; i < n; i++) {
		tests[i].name = v[i].name;
		tests[i].test_func = test_vector;
		tests[i].initial_state = &v[i];
	}
	memcpy(tests + n, extra, sizeof extra);
	failed = _cmocka_run_group_tests("sigv4", tests, n + nextra, NULL,
	    NULL);
	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].dir);
	}
	free(v);
	free(tests);
	return failed;
}
