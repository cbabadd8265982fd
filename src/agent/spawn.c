/*
 * Programs the agent runs (GRUB's grub-mkimage, mtools, mkfs): no shell,
 * their output kept for the error, and a missing one named with the
 * Debian package that has it.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"

extern char **environ;

static const char *
package(const char *prog)
{
	static const char *const pk[][2] = {
		{ "grub-mkimage", "grub-common" }, { "mdir", "mtools" },
		{ "mmd", "mtools" }, { "mcopy", "mtools" }, { "mkfs.fat", "dosfstools" },
		{ "mke2fs", "e2fsprogs" },
	};

	for (size_t i = 0; i < sizeof(pk) / sizeof(pk[0]); i++)
		if (strcmp(pk[i][0], prog) == 0)
			return pk[i][1];
	return NULL;
}

/* Runs argv (no shell); its output (the first 2 KiB) goes into err and the
 * agent's log if it fails.  0: it exited 0.  (MTOOLS_SKIP_CHECK is set at
 * start-up: mtools would refuse an image whose geometry it cannot guess.) */
int
agent_run(char *const argv[], bool quiet, char *err, size_t len)
{
	posix_spawn_file_actions_t fa;
	char out[2048], sink[4096];
	int p[2], st = -1, rc;
	ssize_t n;
	size_t got = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) != 0)
		return snprintf(err, len, "pipe: %s", strerror(errno)), -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	while (rc == 0 && (n = read(p[0], sink, sizeof(sink))) > 0) {
		size_t k = (size_t)n < sizeof(out) - 1 - got ? (size_t)n : sizeof(out) - 1 - got;
		memcpy(out + got, sink, k);
		got += k;
	}
	out[got] = '\0';
	close(p[0]);
	if (rc != 0) {
		if (rc == ENOENT)
			snprintf(err, len, "%s is not installed%s%s%s", argv[0],
			    package(argv[0]) ? " (Debian package " : "",
			    package(argv[0]) ? package(argv[0]) : "",
			    package(argv[0]) ? "; add it to the ramdisk)" : "");
		else
			snprintf(err, len, "cannot run %s: %s", argv[0], strerror(rc));
		alog("%s", err);
		return -1;
	}
	if (waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	snprintf(err, len, "%s failed%s%.400s", argv[0], got ? ": " : "", out);
	if (!quiet)
		alog("%s", err);
	return -1;
}
