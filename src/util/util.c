/*
 * util.c - see util.h.
 */
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void (*fatal_hook)(void);

void
util_set_fatal_hook(void (*hook)(void))
{
	fatal_hook = hook;
}

void
util_fatal(const char *fmt, ...)
{
	va_list ap;

	if (fatal_hook != NULL)
		fatal_hook();
	fputs("patchdeck: fatal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(70);
}

void
util_seterr(char **err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	*err = xvasprintf(fmt, ap);
	va_end(ap);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		util_fatal("out of memory (%zu bytes)", n);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		util_fatal("out of memory (%zu x %zu bytes)", nmemb, size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		util_fatal("out of memory (%zu bytes)", n);
	return q;
}

void *
xreallocarray(void *p, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size)
		util_fatal("allocation overflow (%zu x %zu)", nmemb, size);
	return xrealloc(p, nmemb * size);
}

void
util_prefault(void *p, size_t n)
{
#ifdef MADV_POPULATE_WRITE
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), a, b;

	/* Whole pages inside the buffer: madvise wants an aligned start,
	 * and the partial pages at the ends fault as usual. */
	if (p == NULL || page == 0 || (page & (page - 1)) != 0)
		return;
	a = ((uintptr_t)p + page - 1) & ~(page - 1);
	b = ((uintptr_t)p + n) & ~(page - 1);
	if (b > a)
		(void)madvise((void *)a, b - a, MADV_POPULATE_WRITE);
#else
	(void)p;
	(void)n;
#endif
}

struct parallel_half {
	void (*fn)(void *arg, size_t begin, size_t end);
	void *arg;
	size_t begin, end;
};

static void *
parallel_run(void *p)
{
	struct parallel_half *h = p;

	h->fn(h->arg, h->begin, h->end);
	return NULL;
}

void
util_parallel(size_t n, size_t min,
    void (*fn)(void *arg, size_t begin, size_t end), void *arg)
{
	struct parallel_half h = { fn, arg, n / 2, n };
	pthread_t t;

	if (n < min || n < 2 || sysconf(_SC_NPROCESSORS_ONLN) < 2 ||
	    pthread_create(&t, NULL, parallel_run, &h) != 0) {
		fn(arg, 0, n);
		return;
	}
	fn(arg, 0, n / 2);
	pthread_join(t, NULL);
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	va_list ap2;
	int n;
	char *p;

	if (fmt == NULL)
		util_fatal("NULL format string");
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		util_fatal("bad format string");
	p = xmalloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

void
buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->secret = 0;
}

void
buf_init_secret(struct buf *b)
{
	buf_init(b);
	b->secret = 1;
}

void
buf_free(struct buf *b)
{
	int secret = b->secret;

	if (secret)
		util_free_secret(b->data, b->cap);
	else
		free(b->data);
	buf_init(b);
	b->secret = secret;
}

void
buf_reset(struct buf *b)
{
	if (b->secret && b->data != NULL)
		explicit_bzero(b->data, b->len);
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

static void
buf_grow(struct buf *b, size_t extra)
{
	size_t need, old;
	char *p;

	if (extra > SIZE_MAX - b->len - 1)
		util_fatal("buffer overflow");
	need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	old = b->cap;
	if (b->cap == 0)
		b->cap = 64;
	while (b->cap < need)
		b->cap = b->cap > SIZE_MAX / 2 ? need : b->cap * 2;
	if (!b->secret) {
		b->data = xrealloc(b->data, b->cap);
		return;
	}
	/* realloc may leave the old bytes in freed memory: move by hand. */
	p = xmalloc(b->cap);
	if (b->data != NULL) {
		memcpy(p, b->data, b->len + 1);
		util_free_secret(b->data, old);
	}
	b->data = p;
}

void
buf_append(struct buf *b, const void *p, size_t n)
{
	buf_grow(b, n);
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void
buf_putc(struct buf *b, char c)
{
	buf_append(b, &c, 1);
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (fmt == NULL)
		util_fatal("NULL format string");
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		util_fatal("bad format string");
	buf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *
buf_steal(struct buf *b)
{
	int secret = b->secret;
	char *p;

	if (b->data == NULL)
		return xstrdup("");
	p = b->data;
	buf_init(b);
	b->secret = secret;
	return p;
}

void
util_free_secret(void *p, size_t n)
{
	if (p == NULL)
		return;
	explicit_bzero(p, n);
	free(p);
}

void
util_free_secret_str(char *s)
{
	if (s != NULL)
		util_free_secret(s, strlen(s) + 1);
}

/* "name (uid N)", or "uid N" for a uid without a name. */
static char *
user_desc(uid_t uid)
{
	struct passwd *pw = getpwuid(uid);

	if (pw != NULL && pw->pw_name != NULL)
		return xasprintf("%s (uid %lu)", pw->pw_name,
		    (unsigned long)uid);
	return xasprintf("uid %lu", (unsigned long)uid);
}

int
util_check_dir(const char *dir, const char *what, char **err)
{
	struct stat sb;
	char *owner, *me;
	uid_t uid = geteuid();

	if (stat(dir, &sb) == -1) {
		util_seterr(err, "%s %s: %s", what, dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(sb.st_mode)) {
		util_seterr(err, "%s %s is not a folder", what, dir);
		return -1;
	}
	if (sb.st_uid != uid && sb.st_uid != 0) {
		owner = user_desc(sb.st_uid);
		me = user_desc(uid);
		util_seterr(err, "%s %s is owned by %s, not by you (%s); "
		    "refused: its owner could replace the files in it", what,
		    dir, owner, me);
		free(owner);
		free(me);
		return -1;
	}
	if ((sb.st_mode & S_IWOTH) != 0 && (sb.st_mode & S_ISVTX) == 0) {
		util_seterr(err, "%s %s is writable by every user (mode %03o, "
		    "not sticky); refused: anyone could replace the files in "
		    "it", what, dir, (unsigned)(sb.st_mode & 0777));
		return -1;
	}
	return 0;
}

int
util_no_core_dumps(void)
{
	struct rlimit rl = { 0, 0 };
	int rc = 0;

	if (setrlimit(RLIMIT_CORE, &rl) == -1)
		rc = -1;
#if !UTIL_SANITIZED
	/* Not under the sanitizers: LeakSanitizer's tracer is another
	 * process that must ptrace this one, which not dumpable refuses
	 * (to anyone but root).  The core limit above still holds. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		rc = -1;
#endif
	return rc;
}

void
util_hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

void
util_uri_encode(struct buf *b, const char *s, size_t n, int keep_slash)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~' || (keep_slash && c == '/')) {
			buf_putc(b, (char)c);
		} else {
			char e[3] = { '%', digits[c >> 4], digits[c & 15] };
			buf_append(b, e, 3);
		}
	}
}

int
util_read_file(const char *path, size_t max, struct buf *out)
{
	char chunk[8192];
	ssize_t n;
	int fd;

	buf_reset(out);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	for (;;) {
		n = read(fd, chunk, sizeof chunk);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		if (out->len + (size_t)n > max) {
			errno = EFBIG;
			goto fail;
		}
		buf_append(out, chunk, (size_t)n);
	}
	close(fd);
	if (out->data == NULL)
		buf_append(out, "", 0);
	return 0;
fail:
	{
		int saved = errno;

		close(fd);
		errno = saved;
	}
	return -1;
}

long long
util_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

size_t
util_prefix_pick(const char *const *names, size_t n, const char *s,
    size_t len, size_t *hit)
{
	size_t i, count = 0;

	for (i = 0; i < n; i++) {
		if (strlen(names[i]) == len &&
		    strncasecmp(names[i], s, len) == 0) {
			*hit = i;
			return 1;
		}
	}
	for (i = 0; i < n && len > 0; i++) {
		if (strncasecmp(names[i], s, len) == 0) {
			if (count == 0)
				*hit = i;
			count++;
		}
	}
	return count;
}
