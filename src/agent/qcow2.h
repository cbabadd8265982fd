/*
 * Streaming qcow2 -> raw conversion: the image is fed as it arrives and
 * written, at guest offsets, to a sink (sink.h).
 */
#ifndef INGOT_AGENT_QCOW2_H
#define INGOT_AGENT_QCOW2_H

#include <stddef.h>
#include <stdint.h>

#include "sink.h"

struct q2;

/* The sink is copied; buffer_max bounds clusters held back (0: 256 MiB). */
struct q2 *q2_new(const struct sink *out, size_t buffer_max);
int	q2_feed(struct q2 *q, const uint8_t *p, size_t n, char *err, size_t len);
int	q2_finish(struct q2 *q, char *err, size_t len);
uint64_t q2_virtual_size(const struct q2 *q);
void	q2_free(struct q2 *q);

#endif
