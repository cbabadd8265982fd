/*
 * fake-hardware's console ("fake"): a stream that greets with one line
 * and echoes every byte it is sent, as a serial console whose getty
 * echoes.  Tests reach the console server through it without a BMC.
 */
#include "hw_console.h"
#include "jsonutil.h"
#include "fake.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct echo {
	int	 fd;		/* the "serial port" end */
	int	 peer;		/* the end handed to the console server */
};

static void *
echo_run(void *arg)
{
	struct echo *e = arg;
	char buf[4096];
	ssize_t n;

	while ((n = read(e->fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0 && write(e->fd, buf, (size_t)n) != n)
			break;
	close(e->fd);
	free(e);
	return NULL;
}

static int
fake_console_open(json_t *node, int *fd, void **h, char *err, size_t len)
{
	int sv[2];
	struct echo *e;
	pthread_t t;
	char hello[128];
	int n;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0 ||
	    (e = calloc(1, sizeof(*e))) == NULL) {
		snprintf(err, len, "fake console: %s", strerror(errno));
		return -1;
	}
	e->fd = sv[0];
	e->peer = sv[1];
	n = snprintf(hello, sizeof(hello), "fake console of %s\r\n", jstr(node, "uuid"));
	if (write(e->fd, hello, (size_t)n) != n ||
	    pthread_create(&t, NULL, echo_run, e) != 0) {
		snprintf(err, len, "fake console: cannot start");
		close(sv[0]);
		close(sv[1]);
		free(e);
		return -1;
	}
	pthread_detach(t);
	*fd = sv[1];
	*h = (void *)(long)sv[1];
	return 0;
}

static void
fake_console_close(void *h)
{
	int fd = (int)(long)h;

	shutdown(fd, SHUT_RDWR);	/* the echo thread sees EOF and ends */
	close(fd);
}

const struct hw_console_ops hw_console_fake = {
	.base = { .name = "fake", .validate = fake_validate },
	.type = "socat",
	.open = fake_console_open,
	.close = fake_console_close,
};
