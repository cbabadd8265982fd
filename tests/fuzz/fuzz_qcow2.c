/*
 * The agent's streaming qcow2 reader (src/agent/qcow2.c): an image as it
 * arrives from the network, converted to raw onto a disk through the
 * disk output's sink (src/agent/diskout.c).  The disk is a 64 MiB memfd
 * standing in for a block device of that size.
 *
 * Input: the qcow2 file.  It is fed in pieces whose sizes come from the
 * input's length, so the piece boundaries move around between inputs.
 * The output (and its writer thread) is opened once and emptied between
 * inputs: opening it per input costs more than the conversion.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "diskout.h"
#include "qcow2.h"

#define DISK_SIZE (64ULL << 20)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int disk = -1;
static struct diskout out;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[64], err[512];

	if ((disk = memfd_create("fuzz-disk", 0)) < 0)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", disk);
	if (diskout_open(&out, path, err, sizeof(err)) != 0)
		abort();
	out.dev_size = DISK_SIZE;	/* as a block device would report */
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sink sink = diskout_sink(&out);
	struct q2 *q;
	char err[512];
	size_t piece = 1 + (size * 2654435761u) % 8191, off;
	int rc = 0;

	if ((q = q2_new(&sink, 1u << 20)) == NULL)
		abort();
	err[0] = '\0';
	for (off = 0; off < size && rc == 0; off += piece) {
		size_t n = size - off < piece ? size - off : piece;
		rc = q2_feed(q, data + off, n, err, sizeof(err));
	}
	if (rc == 0)
		rc = q2_finish(q, err, sizeof(err));
	if (rc != 0 && err[0] == '\0')
		abort();	/* a failure always says why */
	if (rc == 0 && q2_virtual_size(q) > DISK_SIZE)
		abort();	/* it said the image fits */
	q2_free(q);
	/* Empty the disk: hand over what is buffered, wait for the writer
	 * (zeroing a byte does both), then start again at offset 0. */
	if (diskout_flush(&out, err, sizeof(err)) != 0 ||
	    diskout_zero(&out, 0, 1, err, sizeof(err)) != 0 || ftruncate(disk, 0) != 0)
		abort();
	out.off = out.len = 0;
	out.written = out.end = 0;
	return 0;
}
