/* tgtadm operations (see tgt.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tgt.h"

extern char **environ;

/* Fixed by tgt_configure before any operation; read-only afterwards. */
static struct {
	char	tgtadm[256];
	char	port[16];
} tc = { "tgtadm", "" };

void
tgt_configure(const struct tgt_conf *c)
{
	snprintf(tc.tgtadm, sizeof(tc.tgtadm), "%s", c->tgtadm && c->tgtadm[0] ?
	    c->tgtadm : "tgtadm");
	if (c->control_port > 0)
		snprintf(tc.port, sizeof(tc.port), "%d", c->control_port);
	else
		tc.port[0] = '\0';
}

static bool
chars_ok(const char *s, const char *extra, size_t min, size_t max)
{
	size_t n = 0;

	if (s == NULL)
		return false;
	for (; s[n] != '\0'; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
		    (s[n] >= '0' && s[n] <= '9') || strchr(extra, s[n]) != NULL))
			return false;
	return n >= min && n <= max;
}

bool
tgt_iqn_ok(const char *iqn)
{
	return iqn != NULL && strncmp(iqn, "iqn.", 4) == 0 &&
	    chars_ok(iqn, ".-:", 8, 223);
}

bool
tgt_chap_user_ok(const char *u)
{
	return chars_ok(u, "._-", 1, 64);
}

bool
tgt_chap_secret_ok(const char *s)
{
	return chars_ok(s, "._-", 12, 64);
}

/* Runs tgtadm with args (after --lld iscsi [-C N]); its exit status, or -1. */
static int
tgtadm(const char *const args[])
{
	const char *argv[24];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none;
	pid_t pid;
	int n = 0, st, rc;

	argv[n++] = tc.tgtadm;
	if (tc.port[0] != '\0') {
		argv[n++] = "-C";
		argv[n++] = tc.port;
	}
	argv[n++] = "--lld";
	argv[n++] = "iscsi";
	for (int i = 0; args[i] != NULL && n < 23; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	sigemptyset(&none);
	posix_spawnattr_init(&at);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
	posix_spawn_file_actions_init(&fa);
	for (int fd = 0; fd < 3; fd++)
		posix_spawn_file_actions_addopen(&fa, fd, "/dev/null", O_RDWR, 0);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	rc = posix_spawnp(&pid, argv[0], &fa, &at, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (rc != 0)
		return -1;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int
step(const char *what, const char *const args[], char *err, size_t len)
{
	int rc = tgtadm(args);

	if (rc == 0)
		return 0;
	snprintf(err, len, "tgtadm could not %s (%s %d)", what, rc < 0 ?
	    "not run," : "exit", rc);
	return -1;
}

int
tgt_export(int tid, const char *iqn, const char *file, const char *initiator,
    const char *user, const char *secret, char *err, size_t len)
{
	char t[16];

	if (tid <= 0 || !tgt_iqn_ok(iqn) || !tgt_iqn_ok(initiator) ||
	    !tgt_chap_user_ok(user) || !tgt_chap_secret_ok(secret) || file == NULL ||
	    file[0] != '/') {
		snprintf(err, len, "refusing a malformed iSCSI export");
		return -1;
	}
	snprintf(t, sizeof(t), "%d", tid);
	if (step("create the target", (const char *[]){ "--op", "new", "--mode",
	    "target", "--tid", t, "--targetname", iqn, NULL }, err, len) != 0)
		return -1;
	if (step("add the volume", (const char *[]){ "--op", "new", "--mode",
	    "logicalunit", "--tid", t, "--lun", "1", "--backing-store", file, NULL },
	    err, len) == 0 &&
	    step("create the CHAP account", (const char *[]){ "--op", "new", "--mode",
	    "account", "--user", user, "--password", secret, NULL }, err, len) == 0) {
		if (step("bind the CHAP account", (const char *[]){ "--op", "bind",
		    "--mode", "account", "--tid", t, "--user", user, NULL }, err, len) == 0 &&
		    step("bind the initiator", (const char *[]){ "--op", "bind", "--mode",
		    "target", "--tid", t, "--initiator-name", initiator, NULL }, err,
		    len) == 0)
			return 0;
	}
	tgt_unexport(tid, user, t, sizeof(t));
	return -1;
}

int
tgt_unexport(int tid, const char *user, char *err, size_t len)
{
	char t[16];
	int rc = 0;

	snprintf(t, sizeof(t), "%d", tid);
	if (tid > 0 && tgt_target_exists(tid) != 0)
		rc = step("delete the target", (const char *[]){ "--op", "delete",
		    "--force", "--mode", "target", "--tid", t, NULL }, err, len);
	if (tgt_chap_user_ok(user))
		/* absent already when a previous attempt got this far */
		(void)tgtadm((const char *[]){ "--op", "delete", "--mode", "account",
		    "--user", user, NULL });
	return rc;
}

int
tgt_target_exists(int tid)
{
	char t[16];
	int rc;

	snprintf(t, sizeof(t), "%d", tid);
	rc = tgtadm((const char *[]){ "--op", "show", "--mode", "target", "--tid", t,
	    NULL });
	return rc == 0 ? 1 : rc < 0 ? -1 : 0;
}
