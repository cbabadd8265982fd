/* ingot-agent internals shared between its files. */
#ifndef INGOT_AGENT_H
#define INGOT_AGENT_H

void	alog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
