/*
 * timerun.c - runs a command once and prints its wall time in
 * milliseconds, measured with CLOCK_MONOTONIC from just before fork to
 * the child reaped.  Its stdout goes to /dev/null, its stderr to ERRFILE.
 *
 *   timerun ERRFILE CMD [ARGS...]
 *
 * Prints "ms=M rc=R"; exits with the command's status (126 if it was
 * killed), so the caller can tell a failed run from a slow one.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
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

int
main(int argc, char **argv)
{
	long long t0, t;
	int status, rc, fd;
	pid_t pid;

	if (argc < 3) {
		fprintf(stderr, "usage: timerun ERRFILE CMD [ARGS...]\n");
		return 2;
	}
	fflush(stdout);
	t0 = now_ns();
	pid = fork();
	if (pid < 0) {
		perror("timerun: fork");
		return 126;
	}
	if (pid == 0) {
		fd = open("/dev/null", O_WRONLY);
		if (fd >= 0)
			dup2(fd, STDOUT_FILENO);
		fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0)
			dup2(fd, STDERR_FILENO);
		execvp(argv[2], argv + 2);
		perror("timerun: exec");
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0) {
		perror("timerun: waitpid");
		return 126;
	}
	t = now_ns() - t0;
	rc = WIFEXITED(status) ? WEXITSTATUS(status) : 126;
	printf("ms=%.1f rc=%d\n", (double)t / 1e6, rc);
	return rc;
}
