#include "hw.h"
#include "hw_console.h"
#include "util.h"

#include <string.h>

const char *const hw_iface_names[HW_IF_COUNT] = {
	"bios", "boot", "console", "deploy", "firmware", "inspect", "management",
	"network", "power", "raid", "rescue", "storage", "vendor",
};

extern const struct hw_type hw_type_fake;
extern const struct hw_power_ops hw_power_fake;
extern const struct hw_mgmt_ops hw_mgmt_fake;
extern const struct hw_generic_ops hw_generic_fake, hw_generic_noop;
extern const struct hw_generic_ops hw_bios_fake, hw_raid_fake;
extern const struct hw_console_ops hw_console_fake;
#ifdef INGOT_HAVE_IPMICONSOLE
extern const struct hw_console_ops hw_console_ipmi_socat;
#endif
#ifdef INGOT_HAVE_IPMI
extern const struct hw_type hw_type_ipmi;
extern const struct hw_power_ops hw_power_ipmitool;
extern const struct hw_mgmt_ops hw_mgmt_ipmitool;
#endif
extern const struct hw_type hw_type_redfish;
extern const struct hw_power_ops hw_power_redfish;
extern const struct hw_mgmt_ops hw_mgmt_redfish;
extern const struct hw_generic_ops hw_inspect_redfish;

static const struct hw_type *const types[] = {
	&hw_type_fake,
	&hw_type_redfish,
#ifdef INGOT_HAVE_IPMI
	&hw_type_ipmi,
#endif
	NULL,
};

#define MAX_DRIVERS 64

/* The built-in rows, then those registered at start. */
static struct hw_driver drivers[MAX_DRIVERS] = {
	{ HW_IF_POWER, "fake", &hw_power_fake },
	{ HW_IF_MANAGEMENT, "fake", &hw_mgmt_fake },
	{ HW_IF_BOOT, "fake", &hw_generic_fake },
	{ HW_IF_DEPLOY, "fake", &hw_generic_fake },
	{ HW_IF_INSPECT, "fake", &hw_generic_fake },
	{ HW_IF_RESCUE, "fake", &hw_generic_fake },
	{ HW_IF_CONSOLE, "fake", &hw_console_fake },
	{ HW_IF_BIOS, "fake", &hw_bios_fake },
	{ HW_IF_RAID, "fake", &hw_raid_fake },
	{ HW_IF_VENDOR, "fake", &hw_generic_fake },
	{ HW_IF_NETWORK, "fake", &hw_generic_fake },
	{ HW_IF_STORAGE, "fake", &hw_generic_fake },
	{ HW_IF_FIRMWARE, "fake", &hw_generic_fake },
	{ HW_IF_POWER, "redfish", &hw_power_redfish },
	{ HW_IF_MANAGEMENT, "redfish", &hw_mgmt_redfish },
	{ HW_IF_INSPECT, "redfish", &hw_inspect_redfish },
#ifdef INGOT_HAVE_IPMI
	{ HW_IF_POWER, "ipmitool", &hw_power_ipmitool },
	{ HW_IF_MANAGEMENT, "ipmitool", &hw_mgmt_ipmitool },
#endif
#ifdef INGOT_HAVE_IPMICONSOLE
	{ HW_IF_CONSOLE, "ipmitool-socat", &hw_console_ipmi_socat },
#endif
};
static int ndrivers = -1;

static int
count_rows(void)
{
	if (ndrivers < 0)
		for (ndrivers = 0; ndrivers < MAX_DRIVERS && drivers[ndrivers].name; ndrivers++)
			;
	return ndrivers;
}

int
hw_register(enum hw_iface iface, const void *ops)
{
	/* every ops struct starts with its name */
	const char *name = *(const char *const *)ops;
	int n = count_rows();

	for (int i = 0; i < n; i++)
		if (drivers[i].iface == iface && strcmp(drivers[i].name, name) == 0) {
			drivers[i].ops = ops;
			return 0;
		}
	if (n == MAX_DRIVERS)
		return -1;
	drivers[ndrivers++] = (struct hw_driver){ iface, name, ops };
	return 0;
}

const struct hw_driver *
hw_driver_find(enum hw_iface iface, const char *impl)
{
	int n = count_rows();

	for (int i = 0; impl != NULL && i < n; i++)
		if (drivers[i].iface == iface && strcmp(drivers[i].name, impl) == 0)
			return &drivers[i];
	return NULL;
}

const struct hw_type *
hw_type_find(const char *name)
{
	for (size_t i = 0; name != NULL && types[i] != NULL; i++)
		if (strcmp(types[i]->name, name) == 0)
			return types[i];
	return NULL;
}

const struct hw_type *const *
hw_types(void)
{
	return types;
}

const struct hw_power_ops *
hw_power_find(const char *impl)
{
	const struct hw_driver *d = hw_driver_find(HW_IF_POWER, impl);

	return d != NULL ? d->ops : NULL;
}

const struct hw_mgmt_ops *
hw_mgmt_find(const char *impl)
{
	const struct hw_driver *d = hw_driver_find(HW_IF_MANAGEMENT, impl);

	return d != NULL ? d->ops : NULL;
}

const struct hw_generic_ops *
hw_generic_find(enum hw_iface iface, const char *impl)
{
	const struct hw_driver *d = hw_driver_find(iface, impl);

	if (impl == NULL)
		return NULL;
	return d != NULL ? d->ops : &hw_generic_noop;
}

/* Every console row is a hw_console_ops (hw_console.h). */
const struct hw_console_ops *
hw_console_find(const char *impl)
{
	const struct hw_driver *d = hw_driver_find(HW_IF_CONSOLE, impl);

	return d != NULL ? d->ops : NULL;
}

void
hw_console_quiesce(unsigned ms)
{
	int n = count_rows();

	for (int i = 0; i < n; i++) {
		const struct hw_console_ops *c = drivers[i].ops;

		if (drivers[i].iface == HW_IF_CONSOLE && c->quiesce != NULL)
			c->quiesce(ms);
	}
}

bool
hw_iface_allowed(const struct hw_type *t, enum hw_iface iface, const char *impl)
{
	for (size_t i = 0; i < HW_MAX_IMPLS && t->enabled[iface][i] != NULL; i++)
		if (strcmp(t->enabled[iface][i], impl) == 0)
			return true;
	return false;
}


/* out = s with every occurrence of what replaced by with. */
static void
replace_all(char *out, size_t len, const char *what, const char *with)
{
	char tmp[4096];
	size_t n = 0, wl = strlen(what);
	const char *p = out, *hit;

	if (wl == 0)
		return;
	tmp[0] = '\0';
	while ((hit = strstr(p, what)) != NULL && n < sizeof(tmp)) {
		n += (size_t)snprintf(tmp + n, sizeof(tmp) - n, "%.*s%s", (int)(hit - p), p, with);
		p = hit + wl;
	}
	if (n >= sizeof(tmp))
		return;
	snprintf(tmp + n, sizeof(tmp) - n, "%s", p);
	snprintf(out, len, "%s", tmp);
}

void
hw_scrub_bmc(json_t *driver_info, const char *msg, char *out, size_t len)
{
	const char *k;
	json_t *v;

	snprintf(out, len, "%s", msg);
	if (!json_is_object(driver_info))
		return;
	json_object_foreach(driver_info, k, v) {
		const char *s = json_string_value(v);
		if (s == NULL || strlen(s) < 3)
			continue;
		if (strcasestr(k, "address") || strcasestr(k, "host") || strcasestr(k, "_url"))
			replace_all(out, len, s, "[BMC address]");
		else if (strcasestr(k, "username"))
			replace_all(out, len, s, "(user)");
	}
}

json_t *
hw_mask_secrets(json_t *driver_info)
{
	return util_mask_secrets(driver_info);
}
