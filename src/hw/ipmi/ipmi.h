/* IPMI 2.0 over LAN (RMCP+) through FreeIPMI's library. */
#ifndef INGOT_IPMI_H
#define INGOT_IPMI_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "hw.h"

struct ipmi_target {
	char	address[256];
	int	port;
	char	username[64];
	char	password[64];
	int	priv;		/* FreeIPMI privilege level */
	int	cipher_suite;
};

/* Session timeout (ms), retries after a timeout, first backoff (ms). */
void	ipmi_set_defaults(int timeout_ms, int retries, int backoff_ms);
/* Validates driver_info (unknown ipmi_* keys too) into a target. */
int	ipmi_target_from(json_t *node, struct ipmi_target *t, char *err, size_t len);
int	ipmi_power_status(const struct ipmi_target *t, enum hw_power *st, char *err,
	    size_t len);
int	ipmi_chassis_control(const struct ipmi_target *t, int control, char *err,
	    size_t len);
/* Power action confirmed by reading the state back within timeout_s. */
int	ipmi_set_power(const struct ipmi_target *t, enum hw_power_action act,
	    int timeout_s, char *err, size_t len);
int	ipmi_set_boot_device(const struct ipmi_target *t, const char *dev,
	    bool persistent, bool uefi, char *err, size_t len);
/* Sensor readings (SDR cached in the directory given): a JSON list of
 * {name, record_id, sensor_type, reading, units, state}. */
void	ipmi_set_sdr_cache(const char *dir);
json_t	*ipmi_get_sensors(const struct ipmi_target *t, char *err, size_t len);
int	ipmi_get_boot_device(const struct ipmi_target *t, char *dev, size_t devlen,
	    int *persistent, char *err, size_t len);

#endif
