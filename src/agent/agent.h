/*
 * ingot-agent's private header: the settings, and what each of its files
 * offers the others.  main.c parses the flags into conf; client.c talks to
 * ingotd (lookup, heartbeats); server.c serves the command API;
 * commands.c runs the IPA commands; logs.c keeps the agent's log.
 */
#ifndef INGOT_AGENT_H
#define INGOT_AGENT_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#define AGENT_VERSION	"ingot-agent 0.1.0"
#define AGENT_MAXMACS	16

/* Flags, then the kernel command line; each module checks its own part. */
struct agent_conf {
	char		*api_url;
	char		*listen_addr;
	int		 listen_port;
	char		*advertise_host;
	int		 advertise_port;
	char		*disk;			/* test disk file */
	const char	*macs[AGENT_MAXMACS];
	int		 nmacs;
	bool		 insecure;
	char		*ca_file;		/* CA(s) to verify https URLs with */
	bool		 no_power;		/* never power off / reboot the machine */
	bool		 ramdisk;		/* booted as a deploy ramdisk */
	double		 heartbeat_interval;	/* 0: from the lookup's heartbeat_timeout */
	size_t		 qcow2_buffer_max;
	bool		 direct_io;		/* image writes with O_DIRECT */
	char		*inspection_url;	/* post the inventory here first */
	bool		 collect_lldp;		/* listen for LLDP before posting */
	double		 lldp_timeout;		/* seconds */
	char		 boot_mac[18];		/* the NIC that booted (BOOTIF=) */
	char		*shadow_file;		/* tests: the rescue user's shadow file */
};

/* main.c */
extern struct agent_conf conf;
extern volatile sig_atomic_t agent_quit;	/* SIGTERM, SIGINT */

/* logs.c: stderr and a ring kept for log.collect_system_logs */
void	 alog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* main.c: random bytes without waiting for the kernel's pool (ids, seeds) */
void	 agent_random_early(void *buf, size_t n);
json_t	*logs_collect(void);

/* client.c: lookup and heartbeats to ingotd */
int	 client_conf(void);
int	 client_macs(void);
void	 client_lookup(void);
void	 client_start(void);
void	 client_stop(void);
void	 client_free(void);
void	 client_heartbeat_now(void);
void	 client_status(const char *msg);
json_t	*client_node(void);
/* POST without an API version header; the HTTP status (0: no answer). */
long	 client_post_plain(const char *url, json_t *body, json_t **out);

/* rescue.c: rescue.finalize_rescue (the rescue user's password) */
json_t	*rescue_finalize(json_t *params, json_t **error);

/* inspection.c: in-band inspection (inventory and LLDP to the callback URL) */
void	 inspect_run(void);
bool	 client_token_ok(const char *token);

/* spawn.c: runs argv without a shell; 0 if it exited 0, else -1 and why
 * (its output, or the missing program and its package) in err. */
int	 agent_run(char *const argv[], bool quiet, char *err, size_t len);

/* bootloader.c: image.install_bootloader's work; GRUB's embedded
 * configuration (the root filesystem by UUID, or by its grub.cfg) */
int	 bootloader_install(const char *disk, const char *root_uuid,
	    const char *esp_uuid, const char *mode, const char *disk_id, char *msg,
	    size_t mlen, char *err, size_t len);
int	 bootloader_early_cfg(const char *path, const char *fsuuid, char *err,
	    size_t len);

/* biosboot.c: GRUB's boot.img and core.img for BIOS boot (struct pt is
 * parttable.h's) */
struct pt;
int	 biosboot_install(const char *disk, const struct pt *t, const char *fsuuid,
	    char *msg, size_t mlen, char *err, size_t len);

/* server.c: the command API */
int	 server_listen_opt(char *addr_port);
int	 server_conf(void);
int	 server_start(void);
void	 server_stop(void);

/* commands.c: the IPA commands and their records */
void	 cmd_init(void);
void	 cmd_free(void);
int	 cmd_run(json_t *body, bool wait, json_t **out);
json_t	*cmd_list(void);
json_t	*cmd_get(const char *id);
json_t	*ipa_error(const char *type, int code, const char *message,
	    const char *details);
json_t	*ipa_fault(json_t *err);

#endif
