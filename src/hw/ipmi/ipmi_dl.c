/* FreeIPMI's libraries loaded at first use (see ipmi_dl.h). */
#define IPMI_DL_NO_REDIRECT
#include "ipmi_dl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

/* The sonames the build was linked against (meson passes them). */
#ifndef INGOT_FREEIPMI_SONAME
#define INGOT_FREEIPMI_SONAME "libfreeipmi.so.17"
#endif
#ifndef INGOT_IPMIMONITORING_SONAME
#define INGOT_IPMIMONITORING_SONAME "libipmimonitoring.so.6"
#endif
#ifndef INGOT_IPMICONSOLE_SONAME
#define INGOT_IPMICONSOLE_SONAME "libipmiconsole.so.2"
#endif

struct ipmi_dl ipmi_dl;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static char why[512];

/* Opens lib (kept for the life of the process) and resolves every name of
 * its list into ipmi_dl; the first failure is kept in why. */
#define IPMI_DL_RESOLVE(f) \
	if (*why == '\0' && (ipmi_dl.f = (__typeof__(ipmi_dl.f))dlsym(h, #f)) == NULL) \
		snprintf(why, sizeof(why), "%s has no symbol %s", lib, #f);

static void *
open_lib(const char *lib)
{
	void *h;

	if (*why != '\0')
		return NULL;
	if ((h = dlopen(lib, RTLD_NOW | RTLD_LOCAL)) == NULL)
		snprintf(why, sizeof(why), "cannot load %s: %s", lib, dlerror());
	return h;
}

static void
load(void)
{
	const char *lib;
	void *h;

	lib = INGOT_FREEIPMI_SONAME;
	if ((h = open_lib(lib)) != NULL) {
		IPMI_DL_FREEIPMI(IPMI_DL_RESOLVE)
	}
	lib = INGOT_IPMIMONITORING_SONAME;
	if ((h = open_lib(lib)) != NULL) {
		IPMI_DL_MONITORING(IPMI_DL_RESOLVE)
	}
#ifdef INGOT_HAVE_IPMICONSOLE
	lib = INGOT_IPMICONSOLE_SONAME;
	if ((h = open_lib(lib)) != NULL) {
		IPMI_DL_CONSOLE(IPMI_DL_RESOLVE)
	}
#endif
}

int
ipmi_dl_load(char *err, size_t len)
{
	pthread_once(&once, load);
	if (*why == '\0')
		return 0;
	if (err != NULL)
		snprintf(err, len, "IPMI: %s", why);
	return -1;
}
