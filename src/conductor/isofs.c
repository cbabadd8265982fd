/* libisofs initialised once, its messages kept off stderr (isofs.h). */
#include <pthread.h>
#include <stdint.h>

#define LIBISOFS_WITHOUT_LIBBURN 1
#include <libisofs/libisofs.h>

#include "isofs.h"

static pthread_once_t iso_once = PTHREAD_ONCE_INIT;
static bool iso_ok;

static void
iso_start(void)
{
	iso_ok = iso_init_with_flag(1) >= 0;
	if (iso_ok)
		iso_set_msgs_severities("NEVER", "FATAL", "libisofs");
}

bool
isofs_ready(void)
{
	pthread_once(&iso_once, iso_start);
	return iso_ok;
}
