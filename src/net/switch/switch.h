/*
 * Switches Ingot manages, declared as [switch:NAME] sections of ingotd's
 * configuration, and their drivers.  A driver puts a switch port on an
 * access VLAN or a trunk, isolates it, and reads it back.
 */
#ifndef INGOT_SWITCH_H
#define INGOT_SWITCH_H

#include <stdbool.h>
#include <stddef.h>

#define SWITCH_MAX_PORTS 256
#define SWITCH_MAX_VLANS 1024	/* = PORTCTL_MAX_VLANS (an uplink's trunk) */
#define SWITCH_MAX_PENDING 32

struct switch_driver;
struct strbuf;

struct switch_conf {
	char	 name[64];
	char	 driver[16];		/* "ovsdb" or "ssh" */
	const struct switch_driver *drv;	/* the row of switch_drivers[] */
	char	 address[256];		/* ovsdb: unix:/path or tcp:host:port;
					   ssh: host or host:port */
	char	 switch_id[32];		/* the MAC LLDP reports; matched to ports */
	char	 bridge[64];
	char	*ports[SWITCH_MAX_PORTS];	/* ports Ingot may change; none: all */
	int	 nports;
	int	 timeout_ms;
	int	 retries;
	int	 isolation_vlan;	/* tag for "isolated" (default 4095) */
	/* ssh driver */
	char	 device_type[32];	/* template name: etc/switches/NAME.conf */
	char	 template_path[512];	/* or an explicit file */
	char	 templates_dir[512];
	char	 username[64];
	char	*password;		/* never logged nor listed */
	char	 key_file[512];
	char	 known_hosts[512];
	bool	 save_config;
	char	*var_name[16];		/* var.NAME = value: template variables */
	char	*var_value[16];
	int	 nvars;
	void	*priv;			/* the driver's state (ssh: session) */
	/* the driver's options read before "driver =" (replayed to it) */
	char	*pending_key[SWITCH_MAX_PENDING];
	char	*pending_value[SWITCH_MAX_PENDING];
	int	 npending;
};

/*
 * What a port carries: an access VLAN (native, no trunks), a trunk with
 * a native VLAN (native and trunks), a tagged-only trunk (native 0 and
 * trunks: an uplink to a hypervisor or router), or nothing (isolated).
 */
struct switch_port_state {
	int	 native;		/* 0: isolated/none */
	int	 trunks[SWITCH_MAX_VLANS];
	int	 ntrunks;
};

/*
 * A switch driver: one file and one row of switch_drivers[] (switch.c).
 * Options every switch has (address, switch_id, bridge, ports, timeout_ms,
 * retries, isolation_vlan) are parsed by switch.c; the driver parses its
 * own.  Optional members may be NULL.
 */
struct switch_driver {
	const char *name;		/* [switch:NAME] driver = name */
	/* Its own option: 0 taken, 1 not its option, -1 a bad value (err). */
	int (*conf_set)(struct switch_conf *sw, const char *key, const char *value,
	    char *err, size_t len);
	/* At start, once every option is read: checks and loads what it needs. */
	int (*prepare)(struct switch_conf *sw, char *err, size_t len);
	void (*release)(struct switch_conf *sw);
	/* Extra members of GET /v1/switches (",\"key\":value..."), no secrets. */
	void (*describe)(const struct switch_conf *sw, struct strbuf *b);
	int (*set)(const struct switch_conf *sw, const char *port,
	    const struct switch_port_state *want, char *err, size_t len);
	int (*get)(const struct switch_conf *sw, const char *port,
	    struct switch_port_state *got, char *err, size_t len);
};

/* The drivers built in (NULL-terminated). */
extern const struct switch_driver *const switch_drivers[];

/* Configuration hooks for [switch:NAME] sections. */
int	switch_conf_set(const char *name, const char *key, const char *value,
	    char *err, size_t len);
int	switch_conf_finish(char *err, size_t len);
/*
 * SIGHUP: switch_reload_begin, then every [switch:NAME] option through
 * switch_stage_set, then switch_reload_commit: the same switches (names,
 * drivers, switch_ids, bridges) get their new settings at once (address,
 * credentials, template, ports, timeouts, variables), a driver's session
 * is reopened with them; what changed (names only) into what.  -1: the
 * old settings stay, err says why.
 */
void	switch_reload_begin(void);
int	switch_stage_set(const char *name, const char *key, const char *value,
	    char *err, size_t len);
int	switch_reload_commit(char *what, size_t wlen, char *err, size_t len);
int	switch_count(void);
const struct switch_conf *switch_find(const char *name_or_id);
/* Lists switches (no secrets) as JSON text into buf; for the API. */
void	switch_list_json(struct strbuf *b);

/* Sets a port (serialised per port, retried, verified by reading back). */
int	switch_port_set(const char *switch_name_or_id, const char *port,
	    const struct switch_port_state *want, char *err, size_t len);
/* The switch is configured and the port one Ingot may manage. */
int	switch_port_check(const char *switch_name_or_id, const char *port,
	    char *err, size_t len);
int	switch_port_get(const char *switch_name_or_id, const char *port,
	    struct switch_port_state *got, char *err, size_t len);

extern const struct switch_driver switch_driver_ovsdb;
extern const struct switch_driver switch_driver_ssh;

/* Number of SSH sessions opened to the switch so far (tests, bench). */
unsigned long switch_ssh_connects(const struct switch_conf *sw);
/* VLAN creation/deletion through the template (when it has them). */
int	switch_ssh_vlan(const struct switch_conf *sw, bool add, int vlan,
	    char *err, size_t len);
const struct switch_driver *switch_driver_of(const struct switch_conf *sw);

#endif
