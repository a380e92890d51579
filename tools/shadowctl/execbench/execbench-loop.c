// SPDX-License-Identifier: GPL-2.0
/*
 * execbench-loop - the program `shadowctl execbench` exec()s in a loop, as
 * the RFC's doexec.c did: every image counts itself in shared memory and
 * execs itself again, so each worker is exec -> exec -> exec ... on one CPU
 * (shadowctl pins it before the first exec; affinity survives exec).
 *
 *   execbench-loop --execbench-loop FD SLOT
 *
 * FD is the memfd shadowctl shares (see execbench_shm.h), SLOT this worker's
 * counter.  argv[0] must be the program's own path: it is what the next
 * image execs.  The environment is left empty.  It is linked statically, so
 * an exec costs the kernel's exec and no dynamic loader.
 *
 * It stops when the header's stop flag is set, or on SIGTERM/SIGKILL from
 * shadowctl (and the parent-death signal shadowctl sets).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "execbench_shm.h"

static int parse_u32(const char *text, uint32_t *value)
{
	char *end;
	unsigned long parsed;

	if (*text < '0' || *text > '9')
		return -1;
	errno = 0;
	parsed = strtoul(text, &end, 10);
	if (errno || *end || parsed > UINT32_MAX)
		return -1;
	*value = (uint32_t)parsed;
	return 0;
}

int main(int argc, char **argv)
{
	static char *const empty_env[] = { NULL };
	struct execbench_header *header;
	struct execbench_slot *slot;
	uint32_t fd, index;

	if (argc != 4 || strcmp(argv[1], EXECBENCH_ARG) != 0 || parse_u32(argv[2], &fd) ||
	    parse_u32(argv[3], &index) || argv[0][0] != '/') {
		fprintf(stderr,
			"execbench-loop: the exec loop of `shadowctl execbench`; not meant to be run by hand\n"
			"usage: /ABSOLUTE/PATH/execbench-loop %s FD SLOT\n", EXECBENCH_ARG);
		return EXECBENCH_EXIT_USAGE;
	}
	header = mmap(NULL, EXECBENCH_MAP_SIZE(index), PROT_READ | PROT_WRITE, MAP_SHARED, (int)fd, 0);
	if (header == MAP_FAILED)
		return EXECBENCH_EXIT_MAP;
	if (header->magic != EXECBENCH_MAGIC || header->version != EXECBENCH_VERSION ||
	    index >= header->nr_slots)
		return EXECBENCH_EXIT_BAD_SHM;
	slot = execbench_slot_at(header, index);
	__atomic_fetch_add(&slot->execs, 1, __ATOMIC_RELAXED);
	if (__atomic_load_n(&header->stop, __ATOMIC_RELAXED))
		return EXECBENCH_EXIT_STOPPED;

	execve(argv[0], argv, empty_env);
	__atomic_store_n(&slot->exec_errno, errno, __ATOMIC_RELAXED);
	return EXECBENCH_EXIT_EXEC;
}
