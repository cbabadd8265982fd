/*
 * tgt (the Linux SCSI target framework's daemon, tgtd) driven through its
 * control program, tgtadm: one fixed command line per operation, started
 * with posix_spawn (no shell), every argument checked first.  Root work
 * in the sense of docs/architecture.md's privilege separation: these are
 * the operations the privileged parent is to run for the conductor.
 */
#ifndef INGOT_TGT_H
#define INGOT_TGT_H

#include <stdbool.h>
#include <stddef.h>

struct tgt_conf {
	const char	*tgtadm;	/* program (path or name) */
	int		 control_port;	/* tgtd -C N; 0: tgtd's default */
};

void	tgt_configure(const struct tgt_conf *c);
/* IQN-shaped names (iqn.YYYY-MM.reverse.domain[:anything]), at most 223. */
bool	tgt_iqn_ok(const char *iqn);
/* CHAP user names and secrets: [A-Za-z0-9._-], 1..64 / 12..64. */
bool	tgt_chap_user_ok(const char *u);
bool	tgt_chap_secret_ok(const char *s);

/*
 * Exports file as LUN 1 of a new target tid named iqn, reachable only by
 * the initiator named initiator with CHAP user/secret (the account is new
 * and bound to this target alone).  On failure what was made is undone.
 */
int	tgt_export(int tid, const char *iqn, const char *file, const char *initiator,
	    const char *user, const char *secret, char *err, size_t len);
/* Removes target tid (its sessions ended) and account user; absent ones
 * are not an error. */
int	tgt_unexport(int tid, const char *user, char *err, size_t len);
/* Is target tid present? 1, 0, or -1 when tgtd does not answer. */
int	tgt_target_exists(int tid);

#endif
