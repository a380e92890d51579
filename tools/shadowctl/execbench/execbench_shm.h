/* SPDX-License-Identifier: GPL-2.0 */
/*
 * execbench_shm.h - the counters `shadowctl execbench` shares with its exec
 * loop program (execbench-loop.c).  C and C++ both include it.
 *
 * shadowctl creates an anonymous memfd (no name in /dev/shm, so nothing can
 * be left behind), lays out a header and one slot per worker, and passes the
 * fd number and the slot index in argv.  Every image of the loop maps the
 * memfd up to its slot, adds 1 to its slot and execs itself again.  One slot
 * has one writer at a time (a worker's images run one after the other), so
 * a relaxed atomic add is enough; shadowctl reads the slots with relaxed
 * atomic loads.  Slots are a cache line each, so workers do not share lines.
 */
#ifndef SHADOWSLAB_EXECBENCH_SHM_H
#define SHADOWSLAB_EXECBENCH_SHM_H

#include <stdint.h>

#define EXECBENCH_MAGIC 0x6578656362656e63ULL /* "execbenc" */
#define EXECBENCH_VERSION 1u
#define EXECBENCH_SLOT_SIZE 64u

/* argv of every image: PATH EXECBENCH_ARG FD SLOT */
#define EXECBENCH_ARG "--execbench-loop"

/* Exit statuses of the loop program, so shadowctl can say what went wrong. */
#define EXECBENCH_EXIT_STOPPED 0  /* the header's stop flag was set */
#define EXECBENCH_EXIT_USAGE 2    /* run by hand, or bad arguments */
#define EXECBENCH_EXIT_MAP 3      /* could not map the counters */
#define EXECBENCH_EXIT_BAD_SHM 4  /* not shadowctl's counters (magic, version, slot) */
#define EXECBENCH_EXIT_EXEC 5     /* execve() failed: errno in the slot */

struct execbench_header {
	uint64_t magic;    /* EXECBENCH_MAGIC */
	uint32_t version;  /* EXECBENCH_VERSION */
	uint32_t nr_slots;
	uint32_t stop;     /* set by shadowctl: the next image exits 0 */
	uint32_t reserved[11];
};

struct execbench_slot {
	uint64_t execs;    /* images started by this worker */
	int32_t exec_errno; /* errno of a failed execve(), else 0 */
	uint32_t reserved[13];
};

#ifdef __cplusplus
static_assert(sizeof(struct execbench_header) == 64, "header is one cache line");
static_assert(sizeof(struct execbench_slot) == EXECBENCH_SLOT_SIZE, "a slot is one cache line");
#else
_Static_assert(sizeof(struct execbench_header) == 64, "header is one cache line");
_Static_assert(sizeof(struct execbench_slot) == EXECBENCH_SLOT_SIZE, "a slot is one cache line");
#endif

/* Byte size of a mapping that holds the header and slots 0..slot. */
#define EXECBENCH_MAP_SIZE(slot) \
	(sizeof(struct execbench_header) + ((uint64_t)(slot) + 1) * EXECBENCH_SLOT_SIZE)

static inline struct execbench_slot *execbench_slot_at(struct execbench_header *header, uint32_t slot)
{
	return (struct execbench_slot *)((char *)header + sizeof(*header)) + slot;
}

#endif /* SHADOWSLAB_EXECBENCH_SHM_H */
