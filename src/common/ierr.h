/* An error on its way to an HTTP answer: status and a one-line message. */
#ifndef INGOT_IERR_H
#define INGOT_IERR_H

#include <stdio.h>

struct ierr {
	int	status;
	char	msg[768];
};

#define ierr_set(e, st, ...) do {					\
	(e)->status = (st);						\
	snprintf((e)->msg, sizeof((e)->msg), __VA_ARGS__);		\
} while (0)

#endif
