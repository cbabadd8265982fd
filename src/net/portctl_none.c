/* portctl without switch drivers: every operation fails clearly. */
#include <stdio.h>

#include "portctl.h"

int
portctl_set(const char *switch_id, const char *switch_info, const char *port_id,
    int native_vlan, const int *trunks, int ntrunks, char *err, size_t errlen)
{
	(void)switch_info; (void)native_vlan; (void)trunks; (void)ntrunks;
	snprintf(err, errlen, "switch %s port %s: this ingotd has no switch drivers",
	    switch_id, port_id);
	return -1;
}

int
portctl_get(const char *switch_id, const char *switch_info, const char *port_id,
    int *native_vlan, int *trunks, int *ntrunks, char *err, size_t errlen)
{
	(void)switch_info; (void)native_vlan; (void)trunks; (void)ntrunks;
	snprintf(err, errlen, "switch %s port %s: this ingotd has no switch drivers",
	    switch_id, port_id);
	return -1;
}

bool
portctl_available(void)
{
	return false;
}
