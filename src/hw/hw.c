#include "hw.h"
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
#ifdef INGOT_HAVE_IPMI
extern const struct hw_type hw_type_ipmi;
extern const struct hw_power_ops hw_power_ipmitool;
extern const struct hw_mgmt_ops hw_mgmt_ipmitool;
#endif

static const struct hw_type *const types[] = {
	&hw_type_fake,
#ifdef INGOT_HAVE_IPMI
	&hw_type_ipmi,
#endif
	NULL,
};

static const struct hw_power_ops *const powers[] = {
	&hw_power_fake,
#ifdef INGOT_HAVE_IPMI
	&hw_power_ipmitool,
#endif
	NULL,
};

static const struct hw_mgmt_ops *const mgmts[] = {
	&hw_mgmt_fake,
#ifdef INGOT_HAVE_IPMI
	&hw_mgmt_ipmitool,
#endif
	NULL,
};

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
	for (size_t i = 0; impl != NULL && powers[i] != NULL; i++)
		if (strcmp(powers[i]->name, impl) == 0)
			return powers[i];
	return NULL;
}

const struct hw_mgmt_ops *
hw_mgmt_find(const char *impl)
{
	for (size_t i = 0; impl != NULL && mgmts[i] != NULL; i++)
		if (strcmp(mgmts[i]->name, impl) == 0)
			return mgmts[i];
	return NULL;
}

const struct hw_generic_ops *
hw_generic_find(enum hw_iface iface, const char *impl)
{
	(void)iface;
	if (impl == NULL)
		return NULL;
	if (strcmp(impl, "fake") == 0)
		return &hw_generic_fake;
	/* "noop", "no-console", "no-raid", "flat", "agent", ... without an
	 * implementation of their own behave as no-ops for now. */
	return &hw_generic_noop;
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
