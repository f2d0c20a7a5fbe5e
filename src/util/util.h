/*
 * util.h - allocation that never returns NULL, growable buffers, small
 * string helpers.  Out of memory is a bug-class event: util_fatal() restores
 * whatever registered a restore hook (the terminal) and exits.
 */
#ifndef PATCHDECK_UTIL_H
#define PATCHDECK_UTIL_H

#include <stdarg.h>
#include <stddef.h>

/* 1 in a build under AddressSanitizer (gcc defines the first, clang
 * answers the second). */
#if defined(__SANITIZE_ADDRESS__)
#define UTIL_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UTIL_SANITIZED 1
#endif
#endif
#ifndef UTIL_SANITIZED
#define UTIL_SANITIZED 0
#endif

#if defined(__GNUC__)
#define UTIL_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define UTIL_NORETURN __attribute__((noreturn))
#else
#define UTIL_PRINTF(a, b)
#define UTIL_NORETURN
#endif

/* Called by util_fatal() before it prints and exits; set by the console so the
 * terminal is restored first.  Must be idempotent. */
void util_set_fatal_hook(void (*hook)(void));

void util_fatal(const char *fmt, ...) UTIL_PRINTF(1, 2) UTIL_NORETURN;

/* *err = the formatted message (caller frees), unless err is NULL. */
void util_seterr(char **err, const char *fmt, ...) UTIL_PRINTF(2, 3);

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* xreallocarray: like xrealloc(p, nmemb*size) but dies on overflow. */
void *xreallocarray(void *p, size_t nmemb, size_t size);
/*
 * Asks the kernel to map p[0..n) now, in one call, rather than one page
 * fault per 4 KB page at first touch: for large buffers about to be
 * filled (a 26 MB read is ~6,500 faults, a third of the time it takes on
 * some machines).  A hint: does nothing where it is not supported.
 */
void util_prefault(void *p, size_t n);
/*
 * Calls fn(arg, begin, end) over [0, n) split in two, one half on a
 * helper thread, when n is at least min and there are two CPUs; else
 * fn(arg, 0, n) here.  fn must be safe to run on disjoint ranges at once.
 */
void util_parallel(size_t n, size_t min,
    void (*fn)(void *arg, size_t begin, size_t end), void *arg);
char *xstrdup(const char *s);
/* Overwrites p[0..n) (a write the compiler keeps), then frees p; p may be
 * NULL.  For copies of secrets, never plain free(). */
void util_free_secret(void *p, size_t n);
/* util_free_secret() of a string, NUL included. */
void util_free_secret_str(char *s);
/*
 * Core dumps off for the rest of the process (RLIMIT_CORE 0, and not
 * dumpable: no core, no ptrace by another process of the same user, no
 * /proc/PID/mem), called before credentials are first read.  Returns 0,
 * or -1 when a setting could not be made (errno).
 */
int util_no_core_dumps(void);
/*
 * Checks a folder patchdeck keeps private files in (what names it in the
 * message: "cache folder", "state folder"): refused when it is owned by
 * another user (root aside, who owns /tmp and can read anything anyway),
 * or writable by others without the sticky bit: either could swap or
 * read our files.  Returns 0, or -1 with *err naming the folder and its
 * owner (caller frees).
 */
int util_check_dir(const char *dir, const char *what, char **err);
char *xstrndup(const char *s, size_t n);
/* Returns a newly allocated formatted string; the caller frees it. */
char *xasprintf(const char *fmt, ...) UTIL_PRINTF(1, 2);
char *xvasprintf(const char *fmt, va_list ap) UTIL_PRINTF(1, 0);

/*
 * A growable byte buffer, always NUL-terminated after len bytes so that text
 * can be used as a C string.  buf_init() gives an empty buffer that owns no
 * memory; buf_free() releases it and leaves it empty and reusable.
 * buf_init_secret() gives one for secrets (credentials, replies that may
 * hold them): every copy it leaves behind is wiped, when it grows (moved,
 * not realloc'd in place) and when it is freed or reset; it stays a
 * secret buffer after buf_free().  What buf_steal() hands out is the
 * caller's to wipe (util_free_secret).
 */
struct buf {
	char *data;
	size_t len;
	size_t cap;
	int secret;
};

void buf_init(struct buf *b);
void buf_init_secret(struct buf *b);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) UTIL_PRINTF(2, 3);
/* Hands the contents to the caller (never NULL) and leaves b empty. */
char *buf_steal(struct buf *b);

/* Lower-case hex of n bytes into out (2n+1 bytes, NUL-terminated). */
void util_hex(const unsigned char *in, size_t n, char *out);

/*
 * Percent-encodes s as RFC 3986 "unreserved" (A-Z a-z 0-9 - _ . ~ pass
 * through).  With keep_slash, '/' passes through too (for URI paths).
 * Appends to b.
 */
void util_uri_encode(struct buf *b, const char *s, size_t n, int keep_slash);

/* Reads a whole file into a NUL-terminated buffer.  Returns 0, or -1 with
 * errno set.  Refuses files larger than max bytes (errno EFBIG). */
int util_read_file(const char *path, size_t max, struct buf *out);

/* Monotonic clock in milliseconds. */
long long util_now_ms(void);

/*
 * Which of names[0..n) the len bytes of s name: the one equal to them (in
 * any case), else the ones they begin (any case).  Returns how many it
 * could be: 0 none, 1 with *hit set, more when ambiguous (*hit the
 * first).  An abbreviation is taken only when it is unique, as git and
 * tmux take command names.
 */
size_t util_prefix_pick(const char *const *names, size_t n, const char *s,
    size_t len, size_t *hit);

#endif
