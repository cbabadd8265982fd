/*
 * BMC operations beyond power and boot device, through the node's
 * management interface when it offers them (redfish does; others answer
 * "not supported"): BIOS settings, NMI, boot mode, secure boot.  Reads go
 * to the BMC without the node lock (as sensors do); changes take it.
 */
#include <stdio.h>
#include <string.h>

#include "conductor.h"
#include "drivers.h"
#include "node.h"

/* The node's management ops when has (they offer the operation), else
 * NULL with e set. */
static const struct hw_mgmt_ops *
mgmt_or_err(json_t *node, bool has, const char *what, struct ierr *e)
{
	if (!has) {
		ierr_set(e, IG_EUNSUPPORTED, "The management interface of node %s "
		    "does not support %s.", node_uuid(node), what);
		return NULL;
	}
	return drv_mgmt(node);
}

/* The BMC's failure in e, scrubbed of the BMC's address and user as
 * last_error is: projects that own the node read it. */
static void
bmc_failed(json_t *node, struct ierr *e, const char *what, const char *err)
{
	char clean[512];

	hw_scrub_bmc(node_driver_info(node), err, clean, sizeof(clean));
	ierr_set(e, IG_EBMC, "Failed to %s: %s", what, clean);
}

#define MGMT_WITH(node, field, what, e)	mgmt_or_err(node, drv_mgmt(node) != NULL && \
	drv_mgmt(node)->field != NULL, what, e)

json_t *
cond_bios_get(json_t *node, struct ierr *e)
{
	const struct hw_mgmt_ops *m = MGMT_WITH(node, get_bios, "BIOS settings", e);
	char err[512] = "";
	json_t *s;

	if (m == NULL)
		return NULL;
	if ((s = m->get_bios(node, err, sizeof(err))) == NULL)
		bmc_failed(node, e, "read BIOS settings", err);
	return s;
}

/* Runs fn on the locked node; 0 or -1 with e. */
typedef int (*locked_fn)(const struct hw_mgmt_ops *m, json_t *node, const void *arg,
    char *err, size_t len);

static int
with_lock(json_t *in, const struct hw_mgmt_ops *m, locked_fn fn, const void *arg,
    const char *what, struct ierr *e)
{
	const char *uuid = node_uuid(in);
	char err[512] = "";
	json_t *node;
	int rc = -1;

	if ((node = node_lock_reload(uuid, e)) == NULL)
		return -1;
	if (fn(m, node, arg, err, sizeof(err)) != 0)
		bmc_failed(node, e, what, err);
	else
		rc = node_save(node, e);
	node_unlock(uuid);
	json_decref(node);
	return rc;
}

static int
do_nmi(const struct hw_mgmt_ops *m, json_t *node, const void *arg, char *err, size_t len)
{
	(void)arg;
	return m->inject_nmi(node, err, len);
}

int
cond_inject_nmi(json_t *node, struct ierr *e)
{
	const struct hw_mgmt_ops *m = MGMT_WITH(node, inject_nmi, "inject_nmi", e);

	return m == NULL ? -1 : with_lock(node, m, do_nmi, NULL, "inject NMI", e);
}

static int
do_boot_mode(const struct hw_mgmt_ops *m, json_t *node, const void *arg, char *err,
    size_t len)
{
	if (m->set_boot_mode(node, arg, err, len) != 0)
		return -1;
	json_object_set_new(node, "boot_mode", json_string(arg));
	return 0;
}

int
cond_boot_mode_set(json_t *node, const char *mode, struct ierr *e)
{
	const struct hw_mgmt_ops *m = MGMT_WITH(node, set_boot_mode, "boot mode changes", e);

	if (m == NULL)
		return -1;
	if (strcmp(mode, "uefi") != 0 && strcmp(mode, "bios") != 0) {
		ierr_set(e, IG_EINVAL, "Invalid boot mode %s: uefi or bios.", mode);
		return -1;
	}
	return with_lock(node, m, do_boot_mode, mode, "set the boot mode", e);
}

static int
do_secure_boot(const struct hw_mgmt_ops *m, json_t *node, const void *arg, char *err,
    size_t len)
{
	bool on = *(const bool *)arg;

	if (m->set_secure_boot(node, on, err, len) != 0)
		return -1;
	json_object_set_new(node, "secure_boot", json_boolean(on));
	return 0;
}

int
cond_secure_boot_set(json_t *node, bool on, struct ierr *e)
{
	const struct hw_mgmt_ops *m = MGMT_WITH(node, set_secure_boot,
	    "secure boot changes", e);

	return m == NULL ? -1 : with_lock(node, m, do_secure_boot, &on,
	    "set secure boot", e);
}

static int
do_bios_apply(const struct hw_mgmt_ops *m, json_t *node, const void *arg, char *err,
    size_t len)
{
	return m->set_bios(node, (json_t *)arg, err, len);
}

int
cond_bios_apply(json_t *node, json_t *settings, struct ierr *e)
{
	const struct hw_mgmt_ops *m = MGMT_WITH(node, set_bios, "BIOS settings", e);

	return m == NULL ? -1 : with_lock(node, m, do_bios_apply, settings,
	    "apply BIOS settings", e);
}
