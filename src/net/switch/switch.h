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
#define SWITCH_MAX_VLANS 64

struct switch_conf {
	char	 name[64];
	char	 driver[16];		/* "ovsdb" */
	char	 address[256];		/* ovsdb: unix:/path or tcp:host:port */
	char	 switch_id[32];		/* the MAC LLDP reports; matched to ports */
	char	 bridge[64];
	char	*ports[SWITCH_MAX_PORTS];	/* ports Ingot may change; none: all */
	int	 nports;
	int	 timeout_ms;
	int	 retries;
	int	 isolation_vlan;	/* tag for "isolated" (default 4095) */
};

struct switch_port_state {
	int	 native;		/* 0: isolated/none */
	int	 trunks[SWITCH_MAX_VLANS];
	int	 ntrunks;
};

struct switch_driver {
	const char *name;
	int (*set)(const struct switch_conf *sw, const char *port,
	    const struct switch_port_state *want, char *err, size_t len);
	int (*get)(const struct switch_conf *sw, const char *port,
	    struct switch_port_state *got, char *err, size_t len);
};

/* Configuration hooks for [switch:NAME] sections. */
int	switch_conf_set(const char *name, const char *key, const char *value,
	    char *err, size_t len);
int	switch_conf_finish(char *err, size_t len);
int	switch_count(void);
const struct switch_conf *switch_find(const char *name_or_id);
/* Lists switches (no secrets) as JSON text into buf; for the API. */
struct strbuf;
void	switch_list_json(struct strbuf *b);

/* Sets a port (serialised per port, retried, verified by reading back). */
int	switch_port_set(const char *switch_name_or_id, const char *port,
	    const struct switch_port_state *want, char *err, size_t len);
int	switch_port_get(const char *switch_name_or_id, const char *port,
	    struct switch_port_state *got, char *err, size_t len);

extern const struct switch_driver switch_driver_ovsdb;

#endif
