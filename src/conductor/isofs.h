/*
 * libisofs, initialised once for the process (config drives and the
 * virtual-media ISOs share it).
 */
#ifndef INGOT_ISOFS_H
#define INGOT_ISOFS_H

#include <stdbool.h>

/* Whether libisofs is ready (initialised on the first call). */
bool	isofs_ready(void);

#endif
