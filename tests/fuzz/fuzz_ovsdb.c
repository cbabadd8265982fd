/*
 * The OVSDB JSON-RPC client (src/net/switch/ovsdb.c): everything it does
 * with the bytes an OVSDB server sends back.  A thread of this process
 * plays the server on a unix socket: it reads the client's request, sends
 * the input as the reply stream, and hangs up.  The client is the real
 * switch driver (its set and get operations), so the stream parsing
 * (concatenated JSON messages, echo requests, ids), the transaction result
 * checks and the reading of a port's row are all exercised.
 *
 * Input: byte 0 picks set (even) or get (odd); the rest is the reply stream.
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "switch.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct switch_conf sw;
static int lfd = -1;
static uint8_t *reply;
static size_t reply_len;
static sem_t go, served;

static void *
server(void *arg)
{
	char req[8192];

	(void)arg;
	for (;;) {
		sem_wait(&go);
		int c = accept(lfd, NULL, NULL);
		if (c < 0)
			abort();
		/* One request (the client sends it in one write). */
		if (read(c, req, sizeof(req)) < 0)
			abort();
		for (size_t off = 0; off < reply_len;) {
			ssize_t n = write(c, reply + off, reply_len - off);
			if (n <= 0)
				break;	/* the client hung up first */
			off += (size_t)n;
		}
		close(c);
		sem_post(&served);
	}
	return NULL;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	pthread_t t;

	log_init("/dev/null", LOG_LVL_DEBUG);
	signal(SIGPIPE, SIG_IGN);	/* as ingotd: a closed socket is an error, not a signal */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/tmp/ingot-fuzz-ovsdb.%d", (int)getpid());
	unlink(sa.sun_path);
	if ((lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(lfd, 4) != 0)
		abort();
	snprintf(sw.name, sizeof(sw.name), "s1");
	snprintf(sw.driver, sizeof(sw.driver), "ovsdb");
	snprintf(sw.address, sizeof(sw.address), "unix:%s", sa.sun_path);
	sw.timeout_ms = 2000;
	sw.isolation_vlan = 4095;
	sem_init(&go, 0, 0);
	sem_init(&served, 0, 0);
	if (pthread_create(&t, NULL, server, NULL) != 0)
		abort();
	pthread_detach(t);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct switch_port_state st = { 0 };
	char err[512];
	int rc;

	if (size < 1)
		return -1;
	reply = malloc(size - 1 + 1);
	memcpy(reply, data + 1, size - 1);
	reply_len = size - 1;
	sem_post(&go);
	err[0] = '\0';
	if (data[0] & 1) {
		rc = switch_driver_ovsdb.get(&sw, "tap-node1", &st, err, sizeof(err));
		if (rc == 0 && (st.ntrunks < 0 || st.ntrunks > SWITCH_MAX_VLANS))
			abort();
	} else {
		st.native = 101;
		st.trunks[0] = 200;
		st.trunks[1] = 201;
		st.ntrunks = data[0] & 2 ? 2 : 0;
		rc = switch_driver_ovsdb.set(&sw, "tap-node1", &st, err, sizeof(err));
	}
	if (rc != 0 && err[0] == '\0')
		abort();	/* a failure always says why */
	sem_wait(&served);
	free(reply);
	reply = NULL;
	return 0;
}
