/* The conductor's settings ([conductor], [deploy], [dhcp] ...). */
#ifndef INGOT_COND_CONF_H
#define INGOT_COND_CONF_H

#include <stdbool.h>

#include "boot_ipxe.h"
#include "cinder_api.h"
#include "dhcp.h"
#include "images.h"
#include "discovery.h"
#include "inspect_data.h"
#include "volpool.h"

/* Recovery from server failure ([recovery], docs/recovery.md). */
struct recovery_conf {
	const char	*policy;		/* automatic, manual, off */
	int		 bmc_failures;		/* failed power-sync reads in a row */
	int		 power_off_grace;	/* seconds an unasked power-off may last */
	const char	*spare_trait;		/* "": every fitting node is a spare */
	int		 max_per_pass;		/* recoveries started per power-sync pass */
	int		 sensor_failures;	/* critical sensor reads in a row; 0: off */
	int		 auto_retries;		/* retries of "no spare" waits; 0: off */
};

struct cond_conf {
	const char	*host;			/* this conductor's name */
	const char	*group;			/* conductor_group */
	const char	*role;			/* all, api, conductor */
	int		 workers;		/* worker threads */
	bool		 automated_clean;	/* default for nodes */
	int		 power_timeout;		/* seconds to confirm a power change */
	int		 heartbeat_interval;	/* seconds */
	int		 dead_after;		/* seconds without heartbeat: dead */
	const char	*api_url;		/* where other conductors forward to */
	int		 sync_power_interval;	/* seconds; 0 disables */
	int		 sync_power_workers;	/* concurrent BMC reads */
	int		 power_failure_max;	/* failures before maintenance */
	bool		 force_power_state;	/* re-apply recorded state (Ironic's default) */
	int		 callback_timeout;	/* seconds an agent may stay silent */
	int		 heartbeat_timeout;	/* told to agents */
	bool		 erase_devices;		/* full disk erase in cleaning */
	int		 switch_reconcile_interval;	/* seconds; 0: off */
	int		 lock_retry_attempts;	/* a briefly held node lock: tries */
	int		 lock_retry_interval;	/* ... and milliseconds between them */
	struct images_conf images;		/* image cache and downloads */
	struct dhcp_conf dhcp;
	struct ipxe_conf ipxe;
	struct storage_conf storage;		/* the volume pool and tgt */
	struct cinder_conf cinder;		/* the cinder storage interface */
	struct recovery_conf recovery;
	struct inspect_limits inspection;	/* what an agent's inventory may hold */
	struct discovery_conf discovery;	/* enrolling unknown machines */
};

#endif
