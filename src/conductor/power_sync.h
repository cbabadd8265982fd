#ifndef INGOT_POWER_SYNC_H
#define INGOT_POWER_SYNC_H

#include <stdbool.h>

struct power_sync_conf {
	int	workers;	/* BMC reads at once */
	int	failure_max;	/* failed reads in a row before "power failure" */
	bool	force;		/* re-apply the recorded state on a mismatch */
};

struct power_sync_stats {
	int	nodes;		/* nodes read in the last cycle */
	int	failed;		/* reads that failed in the last cycle */
	double	seconds;	/* duration of the last cycle */
	long	cycles;
};

void	power_sync_configure(const struct power_sync_conf *conf);
/* One full cycle; blocks until every eligible node was read or timed out. */
int	power_sync_run(struct power_sync_stats *out);
void	power_sync_stats(struct power_sync_stats *out);

#endif
