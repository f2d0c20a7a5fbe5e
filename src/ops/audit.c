/*
 * audit.c - see audit.h.
 */
#include "ops/audit.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/escape.h"
#include "util/util.h"

struct audit {
	char *path;
	int fd;
};

/* mkdir -p for the parents of leaf, then leaf itself with 0700. */
static int
audit_mkdirs(const char *dir, char **err)
{
	char *p = xstrdup(dir), *s;
	struct stat st;

	for (s = p + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST) {
			*err = xasprintf("cannot create %s: %s", p,
			    strerror(errno));
			free(p);
			return -1;
		}
		*s = '/';
	}
	if (mkdir(p, 0700) != 0 && errno != EEXIST) {
		*err = xasprintf("cannot create %s: %s", p, strerror(errno));
		free(p);
		return -1;
	}
	if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
		*err = xasprintf("%s is not a folder", p);
		free(p);
		return -1;
	}
	/* Other users must not read who changed what, nor add lines: a
	 * folder of another user's is refused (not made ours), ours made
	 * private. */
	if (st.st_uid == geteuid() && (st.st_mode & 077) != 0 &&
	    chmod(p, 0700) != 0) {
		*err = xasprintf("cannot make %s private (mode 0700): %s", p,
		    strerror(errno));
		free(p);
		return -1;
	}
	if (util_check_dir(p, "state folder", err) != 0) {
		free(p);
		return -1;
	}
	free(p);
	return 0;
}

char *
audit_default_path(char **err)
{
	const char *x = getenv("XDG_STATE_HOME"), *home;
	char *dir, *path;

	if (x != NULL && x[0] == '/') {
		dir = xasprintf("%s/patchdeck", x);
	} else {
		home = getenv("HOME");
		if (home == NULL || home[0] != '/') {
			*err = xstrdup("audit log: neither XDG_STATE_HOME nor "
			    "HOME is set to an absolute path");
			return NULL;
		}
		dir = xasprintf("%s/.local/state/patchdeck", home);
	}
	if (audit_mkdirs(dir, err) != 0) {
		char *e = *err;

		*err = xasprintf("audit log: %s", e);
		free(e);
		free(dir);
		return NULL;
	}
	path = xasprintf("%s/audit.log", dir);
	free(dir);
	return path;
}

int
audit_open_path(const char *path, struct audit **out, char **err)
{
	struct audit *a;
	struct stat st;
	int fd;

	*out = NULL;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd < 0) {
		*err = xasprintf("audit log %s: cannot open for appending: %s",
		    path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		*err = xasprintf("audit log %s: not a regular file", path);
		close(fd);
		return -1;
	}
	if ((st.st_mode & 077) != 0 && fchmod(fd, 0600) != 0) {
		*err = xasprintf("audit log %s: cannot make it private "
		    "(mode 0600): %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	a = xcalloc(1, sizeof *a);
	a->path = xstrdup(path);
	a->fd = fd;
	*out = a;
	return 0;
}

int
audit_open(struct audit **out, char **err)
{
	char *path = audit_default_path(err);
	int rc;

	*out = NULL;
	if (path == NULL)
		return -1;
	rc = audit_open_path(path, out, err);
	free(path);
	return rc;
}

void
audit_close(struct audit *a)
{
	if (a == NULL)
		return;
	if (a->fd >= 0)
		close(a->fd);
	free(a->path);
	free(a);
}

const char *
audit_path(const struct audit *a)
{
	return a->path;
}

static void
audit_now(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	char day[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%03ldZ", day, ts.tv_nsec / 1000000L);
}

int
audit_write(struct audit *a, cJSON *entry, char **err)
{
	char when[48], *text, *safe, *line;
	cJSON *out, *c;
	size_t len, off = 0;
	ssize_t w;

	audit_now(when, sizeof when);
	/* "time" first, so a person reading the file sees it at once; the
	 * entry's members are referenced, not moved. */
	out = cJSON_CreateObject();
	if (out == NULL || cJSON_AddStringToObject(out, "time", when) == NULL)
		util_fatal("out of memory (JSON)");
	for (c = entry->child; c != NULL; c = c->next) {
		if (c->string != NULL && strcmp(c->string, "time") == 0)
			continue;
		if (!cJSON_AddItemReferenceToObject(out, c->string, c))
			util_fatal("out of memory (JSON)");
	}
	text = cJSON_PrintUnformatted(out);
	cJSON_Delete(out);
	if (text == NULL)
		util_fatal("out of memory (JSON)");
	/* Raw values, as JSON text must carry them: valid UTF-8, and C1 and
	 * format characters escaped so `less` or `tail` of the log shows them
	 * (cli.h, "the output rule"). */
	safe = esc_json_text(text);
	line = xasprintf("%s\n", safe);
	free(safe);
	free(text);
	len = strlen(line);
	/* One write: O_APPEND keeps a line whole against other writers. */
	while (off < len) {
		w = write(a->fd, line + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			*err = xasprintf("audit log %s: cannot write: %s",
			    a->path, w < 0 ? strerror(errno) : "short write");
			free(line);
			return -1;
		}
		off += (size_t)w;
	}
	free(line);
	if (fsync(a->fd) != 0) {
		*err = xasprintf("audit log %s: cannot fsync: %s", a->path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

char *
audit_new_id(void)
{
	unsigned char raw[16];
	char hex[33];
	size_t got = 0;
	int fd;

	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t r;

		while (got < sizeof raw) {
			r = read(fd, raw + got, sizeof raw - got);
			if (r <= 0)
				break;
			got += (size_t)r;
		}
		close(fd);
	}
	if (got < sizeof raw) {
		/* Unique enough to link two lines of one process. */
		struct timespec ts;
		unsigned long long v;
		size_t i;

		clock_gettime(CLOCK_REALTIME, &ts);
		v = (unsigned long long)ts.tv_sec * 1000000007ULL ^
		    (unsigned long long)ts.tv_nsec ^
		    ((unsigned long long)getpid() << 32);
		for (i = 0; i < sizeof raw; i++) {
			v = v * 6364136223846793005ULL + 1442695040888963407ULL;
			raw[i] = (unsigned char)(v >> 56);
		}
	}
	util_hex(raw, sizeof raw, hex);
	return xstrdup(hex);
}

void
audit_add_local_user(cJSON *o)
{
	struct passwd *pw = getpwuid(getuid());
	char host[256];

	cJSON_AddStringToObject(o, "local_user",
	    pw != NULL && pw->pw_name != NULL ? pw->pw_name : "");
	if (gethostname(host, sizeof host) != 0)
		host[0] = '\0';
	host[sizeof host - 1] = '\0';
	cJSON_AddStringToObject(o, "host", host);
}
