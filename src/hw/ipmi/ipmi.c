/*
 * Hardware type "ipmi": power and management over IPMI 2.0 LAN (RMCP+)
 * through FreeIPMI's library.  One session at a time per BMC (a mutex per
 * address:port), bounded timeouts, retries with backoff, every power
 * change confirmed by reading the state back.  driver_info uses the names
 * of Ironic's ipmitool interfaces.
 */
#include "jsonutil.h"
#include "ipmi.h"
#include "ipmi_dl.h"

#include <sys/stat.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "keylock.h"
#include "log.h"
#include "util.h"

static int timeout_ms = 2000;		/* whole session / command timeout */
static int retrans_ms = 250;
static int retries = 2;
static int backoff_ms = 200;

void
ipmi_set_defaults(int t_ms, int r, int b_ms)
{
	if (t_ms > 0)
		timeout_ms = t_ms;
	if (r >= 0)
		retries = r;
	if (b_ms >= 0)
		backoff_ms = b_ms;
	retrans_ms = timeout_ms / 4 > 100 ? timeout_ms / 4 : 100;
}

/* --- per-BMC locks ------------------------------------------------------ */

/* flags: BMC_NEEDS_WORKAROUND once a BMC refused a plain open-session. */
#define BMC_NEEDS_WORKAROUND 1
static struct keylock_set bmc_locks = KEYLOCK_SET_INIT;

/* --- driver_info ------------------------------------------------------- */

static const char *const known_keys[] = {
	"ipmi_address", "ipmi_port", "ipmi_username", "ipmi_password",
	"ipmi_priv_level", "ipmi_cipher_suite", "ipmi_terminal_port",
	"ipmi_protocol_version", "ipmi_force_boot_device", "ipmi_bridging",
	"ipmi_local_address", "ipmi_transit_channel", "ipmi_transit_address",
	"ipmi_target_channel", "ipmi_target_address", "ipmi_hex_kg_key",
	"ipmi_disable_boot_timeout", NULL,
};

/* Integer from a JSON number or a numeric string. */
static bool
jint(json_t *v, long min, long max, long *out)
{
	if (json_is_integer(v)) {
		*out = (long)json_integer_value(v);
		return *out >= min && *out <= max;
	}
	return json_is_string(v) && util_parse_int(json_string_value(v), min, max, out);
}

int
ipmi_target_from(json_t *node, struct ipmi_target *t, char *err, size_t len)
{
	json_t *di = json_object_get(node, "driver_info"), *v;
	const char *k, *priv;
	long n;

	memset(t, 0, sizeof(*t));
	json_object_foreach(di, k, v) {
		bool ok = false;
		if (strncmp(k, "ipmi_", 5) != 0)
			continue;
		for (size_t i = 0; known_keys[i] != NULL; i++)
			if (strcmp(known_keys[i], k) == 0)
				ok = true;
		if (!ok) {
			snprintf(err, len, "driver_info: unknown IPMI field %s", k);
			return -1;
		}
	}
	if (jstr(di, "ipmi_address") == NULL || jstr(di, "ipmi_address")[0] == '\0') {
		snprintf(err, len, "driver_info: missing ipmi_address");
		return -1;
	}
	snprintf(t->address, sizeof(t->address), "%s", jstr(di, "ipmi_address"));
	t->port = 623;
	if ((v = json_object_get(di, "ipmi_port")) != NULL) {
		if (!jint(v, 1, 65535, &n)) {
			snprintf(err, len, "driver_info: ipmi_port must be a port number");
			return -1;
		}
		t->port = (int)n;
	}
	snprintf(t->username, sizeof(t->username), "%s",
	    jstr(di, "ipmi_username") ? jstr(di, "ipmi_username") : "");
	snprintf(t->password, sizeof(t->password), "%s",
	    jstr(di, "ipmi_password") ? jstr(di, "ipmi_password") : "");
	priv = jstr(di, "ipmi_priv_level") ? jstr(di, "ipmi_priv_level") : "ADMINISTRATOR";
	if (strcmp(priv, "ADMINISTRATOR") == 0)
		t->priv = IPMI_PRIVILEGE_LEVEL_ADMIN;
	else if (strcmp(priv, "OPERATOR") == 0)
		t->priv = IPMI_PRIVILEGE_LEVEL_OPERATOR;
	else if (strcmp(priv, "USER") == 0)
		t->priv = IPMI_PRIVILEGE_LEVEL_USER;
	else if (strcmp(priv, "CALLBACK") == 0)
		t->priv = IPMI_PRIVILEGE_LEVEL_CALLBACK;
	else {
		snprintf(err, len, "driver_info: ipmi_priv_level must be ADMINISTRATOR, "
		    "OPERATOR, USER or CALLBACK");
		return -1;
	}
	t->cipher_suite = 3;
	if ((v = json_object_get(di, "ipmi_cipher_suite")) != NULL) {
		if (!jint(v, 0, 17, &n) || !(n == 3 || n == 17 || n == 1 || n == 2 ||
		    n == 8 || n == 12)) {
			snprintf(err, len, "driver_info: ipmi_cipher_suite must be 3 or 17 "
			    "(1, 2, 8, 12 also accepted)");
			return -1;
		}
		t->cipher_suite = (int)n;
	}
	if ((v = json_object_get(di, "ipmi_terminal_port")) != NULL && !jint(v, 1, 65535, &n)) {
		snprintf(err, len, "driver_info: ipmi_terminal_port must be a port number");
		return -1;
	}
	if ((v = json_object_get(di, "ipmi_protocol_version")) != NULL &&
	    (!json_is_string(v) || strcmp(json_string_value(v), "2.0") != 0)) {
		snprintf(err, len, "driver_info: ipmi_protocol_version must be 2.0");
		return -1;
	}
	return 0;
}

/* --- sessions ------------------------------------------------------------ */

static void
describe(const struct ipmi_target *t, int errnum, char *err, size_t len)
{
	switch (errnum) {
	case IPMI_ERR_USERNAME_INVALID:
	case IPMI_ERR_PASSWORD_INVALID:
	case IPMI_ERR_K_G_INVALID:
	case IPMI_ERR_PASSWORD_VERIFICATION_TIMEOUT:
		snprintf(err, len, "authentication failed for the BMC (user '%s')",
		    t->username);
		break;
	case IPMI_ERR_PRIVILEGE_LEVEL_INSUFFICIENT:
	case IPMI_ERR_PRIVILEGE_LEVEL_CANNOT_BE_OBTAINED:
		snprintf(err, len, "the BMC refused the requested privilege level for "
		    "user '%s'", t->username);
		break;
	case IPMI_ERR_CIPHER_SUITE_ID_UNAVAILABLE:
		snprintf(err, len, "the BMC does not offer cipher suite %d",
		    t->cipher_suite);
		break;
	case IPMI_ERR_CONNECTION_TIMEOUT:
	case IPMI_ERR_SESSION_TIMEOUT:
	case IPMI_ERR_MESSAGE_TIMEOUT:
		snprintf(err, len, "the BMC did not answer");
		break;
	default:
		snprintf(err, len, "IPMI error from the BMC: %s",
		    ipmi_ctx_strerror(errnum));
	}
}

static bool
retryable(int errnum)
{
	return errnum == IPMI_ERR_CONNECTION_TIMEOUT || errnum == IPMI_ERR_SESSION_TIMEOUT ||
	    errnum == IPMI_ERR_MESSAGE_TIMEOUT || errnum == IPMI_ERR_BMC_BUSY;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

typedef int (*ipmi_op)(ipmi_ctx_t ctx, void *arg);

/* Opens a session (under the BMC's lock), runs op, closes.  Returns 0, or
 * -1 with err set; retries timeouts with backoff. */
static int
with_session(const struct ipmi_target *t, ipmi_op op, void *arg, char *err, size_t len)
{
	char host[300];
	struct keylock *l;
	int rc = -1, errnum = 0;

	if (ipmi_dl_load(err, len) != 0)
		return -1;
	snprintf(host, sizeof(host), "%s:%d", t->address, t->port);
	l = keylock_get(&bmc_locks, host);
	pthread_mutex_lock(&l->mtx);
	for (int attempt = 0; attempt <= retries; attempt++) {
		ipmi_ctx_t ctx = ipmi_ctx_create();
		unsigned int wa = (l->flags & BMC_NEEDS_WORKAROUND) ?
		    IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_OPEN_SESSION_PRIVILEGE : 0;

		if (ctx == NULL) {
			snprintf(err, len, "out of memory");
			break;
		}
		if (attempt > 0)
			sleep_ms(backoff_ms * (1 << (attempt - 1)));
		if (ipmi_ctx_open_outofband_2_0(ctx, host, t->username, t->password,
		    NULL, 0, (uint8_t)t->priv, (uint8_t)t->cipher_suite,
		    (unsigned)timeout_ms, (unsigned)retrans_ms, wa, 0) < 0) {
			errnum = ipmi_ctx_errnum(ctx);
			ipmi_ctx_destroy(ctx);
			/* Some BMCs (ipmi_sim among them) need the privilege level
			 * in the open-session request: learn it once per BMC. */
			if (errnum == IPMI_ERR_PRIVILEGE_LEVEL_CANNOT_BE_OBTAINED &&
			    !(l->flags & BMC_NEEDS_WORKAROUND)) {
				l->flags |= BMC_NEEDS_WORKAROUND;
				attempt--;
				continue;
			}
			if (retryable(errnum))
				continue;
			break;
		}
		rc = op(ctx, arg);
		errnum = rc == 0 ? 0 : ipmi_ctx_errnum(ctx);
		ipmi_ctx_close(ctx);
		ipmi_ctx_destroy(ctx);
		if (rc == 0 || !retryable(errnum))
			break;
	}
	pthread_mutex_unlock(&l->mtx);
	if (rc != 0) {
		if (errnum == IPMI_ERR_BAD_COMPLETION_CODE ||
		    errnum == IPMI_ERR_COMMAND_INVALID_OR_UNSUPPORTED)
			snprintf(err, len, "the BMC refused the command (%s)",
			    ipmi_ctx_strerror(errnum));
		else
			describe(t, errnum, err, len);
		/* The address is for the operator's log, not for last_error. */
		log_warn("IPMI %s:%d: %s", t->address, t->port, err);
	}
	return rc;
}

static int
op_status(ipmi_ctx_t ctx, void *arg)
{
	fiid_obj_t o = fiid_obj_create(tmpl_cmd_get_chassis_status_rs);
	uint64_t v = 0;
	int rc = -1;

	if (o != NULL && ipmi_cmd_get_chassis_status(ctx, o) >= 0 &&
	    FIID_OBJ_GET(o, "current_power_state.power_is_on", &v) >= 0) {
		*(enum hw_power *)arg = v ? HW_POWER_ON : HW_POWER_OFF;
		rc = 0;
	}
	fiid_obj_destroy(o);
	return rc;
}

int
ipmi_power_status(const struct ipmi_target *t, enum hw_power *st, char *err, size_t len)
{
	*st = HW_POWER_UNKNOWN;
	return with_session(t, op_status, st, err, len);
}

static int
op_control(ipmi_ctx_t ctx, void *arg)
{
	fiid_obj_t o = fiid_obj_create(tmpl_cmd_chassis_control_rs);
	int rc = -1;

	if (o != NULL && ipmi_cmd_chassis_control(ctx, *(uint8_t *)arg, o) >= 0)
		rc = 0;
	fiid_obj_destroy(o);
	return rc;
}

int
ipmi_chassis_control(const struct ipmi_target *t, int control, char *err, size_t len)
{
	uint8_t c = (uint8_t)control;

	return with_session(t, op_control, &c, err, len);
}

/* Polls until the BMC reports want or timeout_s passes. */
static int
wait_power(const struct ipmi_target *t, enum hw_power want, int timeout_s, char *err,
    size_t len)
{
	double end = util_mono_now() + (timeout_s > 0 ? timeout_s : 30);
	enum hw_power st;

	for (;;) {
		if (ipmi_power_status(t, &st, err, len) != 0)
			return -1;
		if (st == want)
			return 0;
		if (util_mono_now() >= end)
			break;
		sleep_ms(250);
	}
	snprintf(err, len, "the BMC still reports power %s after %d s",
	    st == HW_POWER_ON ? "on" : "off", timeout_s);
	return -1;
}

static int
power_off_hard(const struct ipmi_target *t, int timeout_s, char *err, size_t len)
{
	if (ipmi_chassis_control(t, IPMI_CHASSIS_CONTROL_POWER_DOWN, err, len) != 0)
		return -1;
	return wait_power(t, HW_POWER_OFF, timeout_s, err, len);
}

static int
power_on(const struct ipmi_target *t, int timeout_s, char *err, size_t len)
{
	if (ipmi_chassis_control(t, IPMI_CHASSIS_CONTROL_POWER_UP, err, len) != 0)
		return -1;
	return wait_power(t, HW_POWER_ON, timeout_s, err, len);
}

/* ACPI soft shutdown; hard off when the OS does not stop in time. */
static int
power_off_soft(const struct ipmi_target *t, int timeout_s, char *err, size_t len)
{
	enum hw_power st;

	if (ipmi_power_status(t, &st, err, len) != 0)
		return -1;
	if (st == HW_POWER_OFF)
		return 0;
	if (ipmi_chassis_control(t, IPMI_CHASSIS_CONTROL_INITIATE_SOFT_SHUTDOWN, err,
	    len) == 0 && wait_power(t, HW_POWER_OFF, timeout_s, err, len) == 0)
		return 0;
	log_warn("soft power off did not complete (%s): powering off hard", err);
	return power_off_hard(t, timeout_s, err, len);
}

int
ipmi_set_power(const struct ipmi_target *t, enum hw_power_action act, int timeout_s,
    char *err, size_t len)
{
	switch (act) {
	case HW_ACT_POWER_ON:
		return power_on(t, timeout_s, err, len);
	case HW_ACT_POWER_OFF:
		return power_off_hard(t, timeout_s, err, len);
	case HW_ACT_SOFT_POWER_OFF:
		return power_off_soft(t, timeout_s, err, len);
	case HW_ACT_REBOOT:
		if (power_off_hard(t, timeout_s, err, len) != 0)
			return -1;
		return power_on(t, timeout_s, err, len);
	case HW_ACT_SOFT_REBOOT:
		if (power_off_soft(t, timeout_s, err, len) != 0)
			return -1;
		return power_on(t, timeout_s, err, len);
	}
	return -1;
}

/* --- boot device ----------------------------------------------------------- */

static const struct { const char *name; uint8_t dev; } boot_map[] = {
	{ "pxe", IPMI_SYSTEM_BOOT_OPTION_BOOT_FLAG_BOOT_DEVICE_FORCE_PXE },
	{ "disk", IPMI_SYSTEM_BOOT_OPTION_BOOT_FLAG_BOOT_DEVICE_FORCE_HARD_DRIVE },
	{ "cdrom", IPMI_SYSTEM_BOOT_OPTION_BOOT_FLAG_BOOT_DEVICE_FORCE_CD_DVD },
	{ "bios", IPMI_SYSTEM_BOOT_OPTION_BOOT_FLAG_BOOT_DEVICE_FORCE_BIOS_SETUP },
	{ "safe", IPMI_SYSTEM_BOOT_OPTION_BOOT_FLAG_BOOT_DEVICE_FORCE_HARD_DRIVE_SAFE_MODE },
	{ NULL, 0 },
};

struct bootdev_arg {
	uint8_t	dev;
	bool	persistent;
	bool	uefi;
	int	got_persistent;
};

static int
op_set_boot(ipmi_ctx_t ctx, void *arg)
{
	struct bootdev_arg *a = arg;
	fiid_obj_t o = fiid_obj_create(tmpl_cmd_set_system_boot_options_rs);
	int rc = -1;

	if (o != NULL && ipmi_cmd_set_system_boot_options_boot_flags(ctx,
	    IPMI_SYSTEM_BOOT_OPTIONS_PARAMETER_VALID_UNLOCKED,
	    a->uefi ? IPMI_SYSTEM_BOOT_OPTION_BOOT_FLAG_BOOT_TYPE_EFI :
	    IPMI_SYSTEM_BOOT_OPTION_BOOT_FLAG_BOOT_TYPE_PC_COMPATIBLE,
	    a->persistent ? IPMI_SYSTEM_BOOT_OPTION_BOOT_FLAG_VALID_PERSISTENTLY :
	    IPMI_SYSTEM_BOOT_OPTION_BOOT_FLAG_VALID_FOR_NEXT_BOOT,
	    IPMI_SYSTEM_BOOT_OPTION_BOOT_FLAG_VALID, 0, 0, a->dev, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, o) >= 0)
		rc = 0;
	fiid_obj_destroy(o);
	return rc;
}

static int
op_get_boot(ipmi_ctx_t ctx, void *arg)
{
	struct bootdev_arg *a = arg;
	fiid_obj_t o = fiid_obj_create(tmpl_cmd_get_system_boot_options_boot_flags_rs);
	uint64_t dev = 0, pers = 0;
	int rc = -1;

	if (o != NULL && ipmi_cmd_get_system_boot_options_boot_flags(ctx, 0, 0, o) >= 0 &&
	    FIID_OBJ_GET(o, "boot_device", &dev) >= 0 &&
	    FIID_OBJ_GET(o, "boot_flags_persistent", &pers) >= 0) {
		a->dev = (uint8_t)dev;
		a->got_persistent = (int)pers;
		rc = 0;
	}
	fiid_obj_destroy(o);
	return rc;
}

int
ipmi_set_boot_device(const struct ipmi_target *t, const char *dev, bool persistent,
    bool uefi, char *err, size_t len)
{
	struct bootdev_arg a = { .persistent = persistent, .uefi = uefi };
	bool found = false;

	for (size_t i = 0; boot_map[i].name != NULL; i++) {
		if (strcmp(boot_map[i].name, dev) == 0) {
			a.dev = boot_map[i].dev;
			found = true;
		}
	}
	if (!found) {
		snprintf(err, len, "boot device %s is not supported by ipmitool management",
		    dev);
		return -1;
	}
	return with_session(t, op_set_boot, &a, err, len);
}

int
ipmi_get_boot_device(const struct ipmi_target *t, char *dev, size_t devlen,
    int *persistent, char *err, size_t len)
{
	struct bootdev_arg a = { 0 };

	if (with_session(t, op_get_boot, &a, err, len) != 0)
		return -1;
	dev[0] = '\0';
	for (size_t i = 0; boot_map[i].name != NULL; i++)
		if (boot_map[i].dev == a.dev)
			snprintf(dev, devlen, "%s", boot_map[i].name);
	*persistent = a.got_persistent;
	return 0;
}

/* --- the hardware interfaces ------------------------------------------------- */

static bool
uefi_mode(json_t *node)
{
	json_t *caps = json_object_get(json_object_get(node, "properties"), "capabilities");
	const char *bm = jstr(node, "boot_mode");

	if (bm != NULL)
		return strcmp(bm, "uefi") == 0;
	if (json_is_string(caps))
		return strstr(json_string_value(caps), "boot_mode:uefi") != NULL;
	if (json_is_object(caps))
		return jstr(caps, "boot_mode") && strcmp(jstr(caps, "boot_mode"), "uefi") == 0;
	return false;
}

static int
iface_validate(json_t *node, char *err, size_t len)
{
	struct ipmi_target t;
	enum hw_power st;

	/* Valid only once the BMC accepted an authenticated session. */
	if (ipmi_target_from(node, &t, err, len) != 0)
		return -1;
	return ipmi_power_status(&t, &st, err, len);
}

static int
iface_get_power(json_t *node, enum hw_power *st, char *err, size_t len)
{
	struct ipmi_target t;

	if (ipmi_target_from(node, &t, err, len) != 0)
		return -1;
	return ipmi_power_status(&t, st, err, len);
}

static int
iface_set_power(json_t *node, enum hw_power_action act, int timeout_s, char *err,
    size_t len)
{
	struct ipmi_target t;

	if (ipmi_target_from(node, &t, err, len) != 0)
		return -1;
	return ipmi_set_power(&t, act, timeout_s, err, len);
}

static int
iface_set_boot(json_t *node, const char *dev, bool persistent, char *err, size_t len)
{
	struct ipmi_target t;

	if (ipmi_target_from(node, &t, err, len) != 0)
		return -1;
	return ipmi_set_boot_device(&t, dev, persistent, uefi_mode(node), err, len);
}

static int
iface_get_boot(json_t *node, char *dev, size_t devlen, int *persistent, char *err,
    size_t len)
{
	struct ipmi_target t;

	if (ipmi_target_from(node, &t, err, len) != 0)
		return -1;
	return ipmi_get_boot_device(&t, dev, devlen, persistent, err, len);
}

static json_t *iface_get_sensors(json_t *node, char *err, size_t len);

static const char *const ipmi_boot_devices[] = { "pxe", "disk", "cdrom", "bios",
    "safe", NULL };

const struct hw_power_ops hw_power_ipmitool = {
	.name = "ipmitool",
	.validate = iface_validate,
	.get_state = iface_get_power,
	.set_state = iface_set_power,
};

const struct hw_mgmt_ops hw_mgmt_ipmitool = {
	.name = "ipmitool",
	.validate = iface_validate,
	.set_boot_device = iface_set_boot,
	.get_boot_device = iface_get_boot,
	.supported_boot_devices = ipmi_boot_devices,
	.get_sensors = iface_get_sensors,
};

static const char *const ipmi_props[][2] = {
	{ "ipmi_address", "IP address or hostname of the node's BMC. Required." },
	{ "ipmi_port", "UDP port of the BMC; default 623. Optional." },
	{ "ipmi_username", "BMC user name; default: the anonymous user. Optional." },
	{ "ipmi_password", "BMC password. Optional." },
	{ "ipmi_priv_level", "Privilege level: ADMINISTRATOR (default), OPERATOR, "
	  "USER or CALLBACK. Optional." },
	{ "ipmi_cipher_suite", "IPMI 2.0 cipher suite, 3 (default) or 17. Optional." },
	{ "ipmi_terminal_port", "Port of the serial console proxy. Optional." },
	{ "ipmi_protocol_version", "IPMI protocol version; only 2.0. Optional." },
	{ "deploy_kernel", "Deploy kernel (path or file:// URL). Optional." },
	{ "deploy_ramdisk", "Deploy ramdisk (path or file:// URL). Optional." },
	{ NULL, NULL },
};

const struct hw_type hw_type_ipmi = {
	.name = "ipmi",
	.enabled = {
		[HW_IF_BIOS] = { "no-bios" },
		[HW_IF_BOOT] = { "ipxe", "fake" },
		[HW_IF_CONSOLE] = { "no-console",
#ifdef INGOT_HAVE_IPMICONSOLE
		    "ipmitool-socat",
#endif
		},
		[HW_IF_DEPLOY] = { "direct", "fake" },
		[HW_IF_FIRMWARE] = { "no-firmware" },
		[HW_IF_INSPECT] = { "no-inspect", "agent" },
		[HW_IF_MANAGEMENT] = { "ipmitool" },
		[HW_IF_NETWORK] = { "vlan", "flat", "noop" },
		[HW_IF_POWER] = { "ipmitool" },
		[HW_IF_RAID] = { "no-raid" },
		[HW_IF_RESCUE] = { "no-rescue", "agent" },
		[HW_IF_STORAGE] = { "noop", "iscsi", "cinder" },
		[HW_IF_VENDOR] = { "no-vendor" },
	},
	.properties = ipmi_props,
};

/* --- sensors (libipmimonitoring: SDR cache + readings) -------------------- */

static char sdr_cache_dir[512] = "/var/tmp/ingot-sdr-cache";
static pthread_once_t monitoring_once = PTHREAD_ONCE_INIT;
static int monitoring_ok;

void
ipmi_set_sdr_cache(const char *dir)
{
	if (dir != NULL && *dir != '\0')
		snprintf(sdr_cache_dir, sizeof(sdr_cache_dir), "%s", dir);
}

static void
monitoring_init(void)
{
	int errnum;

	monitoring_ok = ipmi_dl_load(NULL, 0) == 0 && ipmi_monitoring_init(0, &errnum) == 0;
	mkdir(sdr_cache_dir, 0700);
}

static const char *
units_name(int u)
{
	switch (u) {
	case IPMI_MONITORING_SENSOR_UNITS_CELSIUS: return "C";
	case IPMI_MONITORING_SENSOR_UNITS_FAHRENHEIT: return "F";
	case IPMI_MONITORING_SENSOR_UNITS_VOLTS: return "V";
	case IPMI_MONITORING_SENSOR_UNITS_AMPS: return "A";
	case IPMI_MONITORING_SENSOR_UNITS_RPM: return "RPM";
	case IPMI_MONITORING_SENSOR_UNITS_WATTS: return "W";
	case IPMI_MONITORING_SENSOR_UNITS_PERCENT: return "%";
	default: return NULL;
	}
}

static const char *
state_name(int s)
{
	switch (s) {
	case IPMI_MONITORING_STATE_NOMINAL: return "Nominal";
	case IPMI_MONITORING_STATE_WARNING: return "Warning";
	case IPMI_MONITORING_STATE_CRITICAL: return "Critical";
	default: return "Unknown";
	}
}

json_t *
ipmi_get_sensors(const struct ipmi_target *t, char *err, size_t len)
{
	struct ipmi_monitoring_ipmi_config c = { 0 };
	ipmi_monitoring_ctx_t ctx;
	char host[300];
	struct keylock *l;
	json_t *out = NULL;
	int n;

	pthread_once(&monitoring_once, monitoring_init);
	if (!monitoring_ok) {
		if (ipmi_dl_load(err, len) == 0)
			snprintf(err, len, "cannot initialise the IPMI monitoring library");
		return NULL;
	}
	snprintf(host, sizeof(host), "%s:%d", t->address, t->port);
	c.protocol_version = IPMI_MONITORING_PROTOCOL_VERSION_2_0;
	c.username = (char *)t->username;
	c.password = (char *)t->password;
	c.privilege_level = t->priv == IPMI_PRIVILEGE_LEVEL_OPERATOR ?
	    IPMI_MONITORING_PRIVILEGE_LEVEL_OPERATOR : t->priv == IPMI_PRIVILEGE_LEVEL_USER ?
	    IPMI_MONITORING_PRIVILEGE_LEVEL_USER : IPMI_MONITORING_PRIVILEGE_LEVEL_ADMIN;
	c.cipher_suite_id = t->cipher_suite;
	c.session_timeout_len = timeout_ms;
	c.retransmission_timeout_len = retrans_ms;
	c.authentication_type = -1;
	l = keylock_get(&bmc_locks, host);
	pthread_mutex_lock(&l->mtx);
	if (l->flags & BMC_NEEDS_WORKAROUND)
		c.workaround_flags = IPMI_MONITORING_WORKAROUND_FLAGS_PROTOCOL_VERSION_2_0_OPEN_SESSION_PRIVILEGE;
	if ((ctx = ipmi_monitoring_ctx_create()) == NULL) {
		pthread_mutex_unlock(&l->mtx);
		snprintf(err, len, "out of memory");
		return NULL;
	}
	ipmi_monitoring_ctx_sdr_cache_directory(ctx, sdr_cache_dir);
	/* No REREAD_SDR_CACHE flag: libipmimonitoring 1.6.10 leaks an SDR
	 * context on each cache flush it does for it (~66 KB a read, too much
	 * for recovery's periodic sensor trigger).  The cached SDR is checked
	 * against the BMC's repository timestamps and fetched again when out
	 * of date. */
	n = ipmi_monitoring_sensor_readings_by_record_id(ctx, host, &c,
	    0, NULL, 0, NULL, NULL);
	if (n < 0 && !(l->flags & BMC_NEEDS_WORKAROUND)) {
		/* As for sessions: some BMCs want the privilege in the open. */
		l->flags |= BMC_NEEDS_WORKAROUND;
		c.workaround_flags = IPMI_MONITORING_WORKAROUND_FLAGS_PROTOCOL_VERSION_2_0_OPEN_SESSION_PRIVILEGE;
		n = ipmi_monitoring_sensor_readings_by_record_id(ctx, host, &c,
		    0, NULL, 0, NULL, NULL);
	}
	if (n < 0) {
		snprintf(err, len, "cannot read the BMC's sensors: %s",
		    ipmi_monitoring_ctx_errormsg(ctx));
	} else {
		out = json_array();
		for (int i = 0; i < n; i++, ipmi_monitoring_sensor_iterator_next(ctx)) {
			int rt = ipmi_monitoring_sensor_read_sensor_reading_type(ctx);
			void *r = ipmi_monitoring_sensor_read_sensor_reading(ctx);
			const char *name = ipmi_monitoring_sensor_read_sensor_name(ctx);
			const char *u = units_name(ipmi_monitoring_sensor_read_sensor_units(ctx));
			json_t *val = json_null();

			if (r != NULL && rt == IPMI_MONITORING_SENSOR_READING_TYPE_DOUBLE)
				val = json_real(*(double *)r);
			else if (r != NULL && rt == IPMI_MONITORING_SENSOR_READING_TYPE_UNSIGNED_INTEGER32)
				val = json_integer(*(uint32_t *)r);
			else if (r != NULL && rt == IPMI_MONITORING_SENSOR_READING_TYPE_UNSIGNED_INTEGER8_BOOL)
				val = json_boolean(*(uint8_t *)r);
			json_array_append_new(out, json_pack("{s:s, s:i, s:i, s:o, s:s?, s:s}",
			    "name", name ? name : "", "record_id",
			    ipmi_monitoring_sensor_read_record_id(ctx), "sensor_type",
			    ipmi_monitoring_sensor_read_sensor_type(ctx), "reading", val,
			    "units", u, "state",
			    state_name(ipmi_monitoring_sensor_read_sensor_state(ctx))));
		}
	}
	ipmi_monitoring_ctx_destroy(ctx);
	pthread_mutex_unlock(&l->mtx);
	return out;
}

static json_t *
iface_get_sensors(json_t *node, char *err, size_t len)
{
	struct ipmi_target t;

	if (ipmi_target_from(node, &t, err, len) != 0)
		return NULL;
	return ipmi_get_sensors(&t, err, len);
}
