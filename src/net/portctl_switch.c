/* portctl over the configured switches (src/net/switch). */
#include <stdio.h>
#include <string.h>

#include "portctl.h"
#include "switch.h"

_Static_assert(PORTCTL_MAX_VLANS == SWITCH_MAX_VLANS, "portctl and switch VLAN bounds differ");

int
portctl_set(const char *switch_id, const char *switch_info, const char *port_id,
    int native_vlan, const int *trunks, int ntrunks, char *err, size_t errlen)
{
	struct switch_port_state want = { .native = native_vlan };
	const char *id = switch_find(switch_id) ? switch_id : switch_info;

	if (ntrunks > SWITCH_MAX_VLANS)
		ntrunks = SWITCH_MAX_VLANS;
	for (int i = 0; i < ntrunks; i++)
		want.trunks[want.ntrunks++] = trunks[i];
	if (id == NULL || switch_find(id) == NULL) {
		snprintf(err, errlen, "switch %s (%s) is not configured", switch_id,
		    switch_info ? switch_info : "no switch_info");
		return -1;
	}
	return switch_port_set(id, port_id, &want, err, errlen);
}

int
portctl_get(const char *switch_id, const char *switch_info, const char *port_id,
    int *native_vlan, int *trunks, int *ntrunks, char *err, size_t errlen)
{
	struct switch_port_state got;
	const char *id = switch_find(switch_id) ? switch_id : switch_info;

	if (id == NULL || switch_find(id) == NULL) {
		snprintf(err, errlen, "switch %s is not configured", switch_id);
		return -1;
	}
	if (switch_port_get(id, port_id, &got, err, errlen) != 0)
		return -1;
	*native_vlan = got.native;
	*ntrunks = got.ntrunks;
	for (int i = 0; i < got.ntrunks; i++)
		trunks[i] = got.trunks[i];
	return 0;
}

bool
portctl_available(void)
{
	return switch_count() > 0;
}

int
portctl_check(const char *switch_id, const char *switch_info, const char *port_id,
    char *err, size_t errlen)
{
	const char *id = portctl_switch_name(switch_id, switch_info);

	if (id == NULL) {
		snprintf(err, errlen, "switch %s is not configured",
		    switch_id ? switch_id : switch_info ? switch_info : "(none)");
		return -1;
	}
	return switch_port_check(id, port_id, err, errlen);
}

const char *
portctl_switch_name(const char *switch_id, const char *switch_info)
{
	const struct switch_conf *s = switch_id ? switch_find(switch_id) : NULL;

	if (s == NULL && switch_info != NULL)
		s = switch_find(switch_info);
	return s ? s->name : NULL;
}
