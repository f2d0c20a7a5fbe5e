/*
 * ptyrun.c - runs a command in a fresh pseudo-terminal, RUNS times, and
 * says how long each took and how much memory it peaked at.
 *
 *   ptyrun RUNS ROWS COLS CMD [ARGS...]
 *
 * Wall time is CLOCK_MONOTONIC from just before fork to the child reaped
 * (its output drained all along, as a terminal would); peak RSS is the
 * child's ru_maxrss from wait4().  Prints one line per run and a summary:
 *
 *   ptyrun: median_ms=M min_ms=A max_ms=B maxrss_kb=K fails=F bytes=N
 *
 * With PTYRUN_MARK=TEXT in the environment, also the time until TEXT first
 * appears in the output (mark_median_ms): for the console, a text of its
 * bottom line says the first full frame is on the terminal, whatever the
 * process does after it (freeing, restoring the terminal).  With
 * PTYRUN_AFTER=KEYS too, KEYS are typed into the terminal once TEXT is
 * seen ("q": the console quits after its first frame instead of waiting
 * for the whole fleet to load).
 *
 * Exits 1 if any run exited non-zero (its output is then shown).
 * Instead of script(1): no shell or script process inside the timing.
 */
#include <errno.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct winsize ws;
	struct rusage ru;
	long long *t, *tm, t0, maxrss = 0;
	const char *mark = getenv("PTYRUN_MARK");
	const char *after = getenv("PTYRUN_AFTER");
	char *seen = NULL;
	size_t nseen = 0;
	char out[65536], last[4096];
	size_t total = 0, lastlen = 0;
	int runs, i, fd, status, fails = 0;
	ssize_t r;
	pid_t pid;

	if (argc < 5) {
		fprintf(stderr, "usage: ptyrun RUNS ROWS COLS CMD [ARGS...]\n");
		return 2;
	}
	runs = atoi(argv[1]);
	if (runs < 1)
		runs = 1;
	memset(&ws, 0, sizeof ws);
	ws.ws_row = (unsigned short)atoi(argv[2]);
	ws.ws_col = (unsigned short)atoi(argv[3]);
	t = calloc((size_t)runs, sizeof *t);
	tm = calloc((size_t)runs, sizeof *tm);
	if (t == NULL || tm == NULL)
		return 1;
	for (i = 0; i < runs; i++) {
		t0 = now_ns();
		pid = forkpty(&fd, NULL, NULL, &ws);
		if (pid < 0) {
			perror("ptyrun: forkpty");
			return 1;
		}
		if (pid == 0) {
			execvp(argv[4], argv + 4);
			perror("ptyrun: exec");
			_exit(127);
		}
		lastlen = 0;
		nseen = 0;
		for (;;) {
			r = read(fd, out, sizeof out);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;	/* EIO: the child side is closed */
			total += (size_t)r;
			if (mark != NULL && tm[i] == 0) {
				char *grown = realloc(seen, nseen + (size_t)r + 1);

				if (grown == NULL)
					return 1;
				seen = grown;
				memcpy(seen + nseen, out, (size_t)r);
				nseen += (size_t)r;
				seen[nseen] = '\0';
				if (strstr(seen, mark) != NULL) {
					tm[i] = now_ns() - t0;
					if (after != NULL && write(fd, after,
					    strlen(after)) < 0)
						perror("ptyrun: write");
				}
			}
			/* Keep the tail for an error report. */
			if ((size_t)r >= sizeof last) {
				memcpy(last, out + r - sizeof last, sizeof last);
				lastlen = sizeof last;
			} else {
				if (lastlen + (size_t)r > sizeof last)
					lastlen = 0;
				memcpy(last + lastlen, out, (size_t)r);
				lastlen += (size_t)r;
			}
		}
		if (wait4(pid, &status, 0, &ru) < 0) {
			perror("ptyrun: wait4");
			return 1;
		}
		t[i] = now_ns() - t0;
		close(fd);
		if (ru.ru_maxrss > maxrss)
			maxrss = ru.ru_maxrss;
		printf("ptyrun: run %d: %.1f ms, maxrss %ld kB, exit %d\n",
		    i + 1, (double)t[i] / 1e6, ru.ru_maxrss,
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fails++;
			fprintf(stderr, "ptyrun: %s failed; its last output:\n"
			    "%.*s\n", argv[4], (int)lastlen, last);
		}
	}
	qsort(t, (size_t)runs, sizeof *t, cmp_ll);
	if (mark != NULL) {
		qsort(tm, (size_t)runs, sizeof *tm, cmp_ll);
		printf("ptyrun: mark_median_ms=%.1f mark_min_ms=%.1f\n",
		    (double)tm[runs / 2] / 1e6, (double)tm[0] / 1e6);
	}
	free(seen);
	free(tm);
	printf("ptyrun: median_ms=%.1f min_ms=%.1f max_ms=%.1f maxrss_kb=%lld "
	    "fails=%d bytes=%zu\n", (double)t[runs / 2] / 1e6,
	    (double)t[0] / 1e6, (double)t[runs - 1] / 1e6, maxrss, fails,
	    total);
	free(t);
	return fails > 0;
}
