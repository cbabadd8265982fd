/*
 * Hardware interfaces, as in Ironic: a hardware type (driver) names, for
 * each concern, the interface implementations it allows and its default.
 * Each implementation is a table of function pointers.
 *
 * Every call gets the node record (a jansson object with driver_info,
 * properties, instance_info, driver_internal_info, ...).  Calls run in a
 * conductor worker thread while the node's lock is held; they may block
 * for the duration of one BMC or switch operation, never longer than their
 * configured timeouts.  On failure they return -1 and write a one-line
 * message to err (never containing a secret).
 */
#ifndef INGOT_HW_H
#define INGOT_HW_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum hw_power {
	HW_POWER_OFF,
	HW_POWER_ON,
	HW_POWER_UNKNOWN,
};

enum hw_power_action {
	HW_ACT_POWER_ON,
	HW_ACT_POWER_OFF,	/* hard */
	HW_ACT_SOFT_POWER_OFF,	/* ACPI, then hard after the timeout */
	HW_ACT_REBOOT,
	HW_ACT_SOFT_REBOOT,
};

/* Result of a step that may have to wait for the node (agent, reboot). */
enum hw_step {
	HW_STEP_FAIL = -1,
	HW_STEP_DONE = 0,
	HW_STEP_WAIT = 1,
};

struct hw_power_ops {
	const char *name;
	int (*validate)(json_t *node, char *err, size_t errlen);
	int (*get_state)(json_t *node, enum hw_power *st, char *err, size_t errlen);
	int (*set_state)(json_t *node, enum hw_power_action act, int timeout_s,
	    char *err, size_t errlen);
};

struct hw_mgmt_ops {
	const char *name;
	int (*validate)(json_t *node, char *err, size_t errlen);
	/* dev is one of "pxe", "disk", "cdrom", "bios", "safe", "wanboot". */
	int (*set_boot_device)(json_t *node, const char *dev, bool persistent,
	    char *err, size_t errlen);
	int (*get_boot_device)(json_t *node, char *dev, size_t devlen,
	    int *persistent /* 1, 0 or -1 for unknown */, char *err, size_t errlen);
	const char *const *supported_boot_devices;	/* NULL-terminated */
	/* Optional: sensor readings as a JSON list; NULL with err on failure. */
	json_t *(*get_sensors)(json_t *node, char *err, size_t errlen);
	/* Optional (NULL: not supported): a diagnostic interrupt; BIOS
	 * settings as {name: value} (new reference, NULL with err); settings
	 * staged for the next boot; boot mode "uefi"/"bios"; secure boot. */
	int (*inject_nmi)(json_t *node, char *err, size_t errlen);
	json_t *(*get_bios)(json_t *node, char *err, size_t errlen);
	int (*set_bios)(json_t *node, json_t *settings, char *err, size_t errlen);
	int (*set_boot_mode)(json_t *node, const char *mode, char *err, size_t errlen);
	int (*set_secure_boot)(json_t *node, bool on, char *err, size_t errlen);
	/* Optional virtual media: insert the image at url (http/https,
	 * fetched by the BMC) into the device ("cdrom", "floppy", "usb"),
	 * ejecting what was there; eject (nothing inserted is no error); the
	 * devices as [{device_type, image_url, inserted}] (new reference). */
	int (*insert_media)(json_t *node, const char *device, const char *url,
	    char *err, size_t errlen);
	int (*eject_media)(json_t *node, const char *device, char *err, size_t errlen);
	json_t *(*get_media)(json_t *node, char *err, size_t errlen);
};

/* Boot, deploy, inspect, rescue, network, ... share one simple shape. */
struct hw_generic_ops {
	const char *name;
	int (*validate)(json_t *node, char *err, size_t errlen);
	/* Optional actions; NULL means "nothing to do". */
	enum hw_step (*deploy)(json_t *node, char *err, size_t errlen);
	enum hw_step (*tear_down)(json_t *node, char *err, size_t errlen);
	enum hw_step (*clean)(json_t *node, json_t *steps, char *err, size_t errlen);
	enum hw_step (*inspect)(json_t *node, char *err, size_t errlen);
	enum hw_step (*rescue)(json_t *node, char *err, size_t errlen);
	enum hw_step (*unrescue)(json_t *node, char *err, size_t errlen);
	enum hw_step (*adopt)(json_t *node, char *err, size_t errlen);
	/* Boot interfaces: make the node network-boot the deploy ramdisk,
	 * and undo it. */
	int (*prepare_ramdisk)(json_t *node, char *err, size_t errlen);
	int (*clean_up_ramdisk)(json_t *node, char *err, size_t errlen);
	/* The boot device the ramdisk boots from once ("cdrom" for virtual
	 * media); NULL: "pxe". */
	const char *ramdisk_boot_device;
	/* Optional deploy steps this implementation offers (bios, raid ...
	 * interfaces; Ironic's deploy templates and user deploy_steps):
	 * their names, NULL-terminated, and running one with its args, out
	 * of band, under the node's lock (DONE or FAIL with err). */
	const char *const *deploy_steps;
	enum hw_step (*run_step)(json_t *node, const char *step, json_t *args,
	    char *err, size_t errlen);
};

enum hw_iface {
	HW_IF_BIOS, HW_IF_BOOT, HW_IF_CONSOLE, HW_IF_DEPLOY, HW_IF_FIRMWARE,
	HW_IF_INSPECT, HW_IF_MANAGEMENT, HW_IF_NETWORK, HW_IF_POWER, HW_IF_RAID,
	HW_IF_RESCUE, HW_IF_STORAGE, HW_IF_VENDOR,
	HW_IF_COUNT
};

extern const char *const hw_iface_names[HW_IF_COUNT];	/* "bios", "boot", ... */

#define HW_MAX_IMPLS 6

struct hw_type {
	const char *name;		/* "fake-hardware", "ipmi", ... */
	/* enabled implementations per interface; [0] is the default */
	const char *enabled[HW_IF_COUNT][HW_MAX_IMPLS];
	/* driver_info keys: name -> description (as GET /drivers/X/properties) */
	const char *const (*properties)[2];	/* {key, description}, NULL-terminated */
};

/*
 * The driver registry (hw.c): every implementation of every interface is a
 * row of one table, found by interface and name.  Drivers of this layer
 * are built in; drivers that live higher up (the ipxe boot and direct
 * deploy interfaces, which need the conductor's images and agent) add
 * their row at start with hw_register.  An implementation without a row
 * ("noop", "flat", "no-console", ...) behaves as a no-op.
 */
struct hw_driver {
	enum hw_iface	 iface;
	const char	*name;		/* as in <iface>_interface */
	const void	*ops;		/* hw_power_ops, hw_mgmt_ops or hw_generic_ops */
};
/* Adds a row (ops must outlive the process); -1 when the table is full. */
int	hw_register(enum hw_iface iface, const void *ops);
const struct hw_driver *hw_driver_find(enum hw_iface iface, const char *impl);
const struct hw_type *hw_type_find(const char *name);
const struct hw_type *const *hw_types(void);	/* NULL-terminated */
const struct hw_power_ops *hw_power_find(const char *impl);
const struct hw_mgmt_ops *hw_mgmt_find(const char *impl);
const struct hw_generic_ops *hw_generic_find(enum hw_iface iface, const char *impl);
bool	hw_iface_allowed(const struct hw_type *t, enum hw_iface iface, const char *impl);

/* Masks secrets (keys containing "password", "secret", "token", "key")
 * of a driver_info copy for output; returns a new reference. */
json_t	*hw_mask_secrets(json_t *driver_info);
/* msg with every BMC address and user name of driver_info replaced by
 * "[BMC address]"/"(user)": messages tenants read (last_error, history) say
 * what failed, not where the BMC is. */
void	hw_scrub_bmc(json_t *driver_info, const char *msg, char *out, size_t len);

#endif
