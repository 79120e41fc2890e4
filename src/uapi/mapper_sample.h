/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The layout mapper_sample.ko publishes in its buffer (see mapper(4)).
 *
 * Offset 0 holds a header, followed by a ring of MAPPER_SAMPLE_SLOTS records;
 * record n lives in slot n % MAPPER_SAMPLE_SLOTS. Offset MAPPER_SAMPLE_CMD_OFF
 * is the command area: user space writes a NUL-terminated string there and
 * the next record echoes it.
 *
 * Each record is published under a sequence counter, so a reader never uses
 * a torn record:
 *
 *	do {
 *		s = __atomic_load_n(&rec->seq, __ATOMIC_ACQUIRE);
 *		copy = *rec;
 *		__atomic_thread_fence(__ATOMIC_ACQUIRE);
 *	} while ((s & 1) || s != __atomic_load_n(&rec->seq, __ATOMIC_RELAXED));
 *
 * The writer makes seq odd, writes the fields, then makes it even again.
 * With the device in cache=wc, loads from the mapping are weakly ordered:
 * there the acquire loads and fence need a real load fence (mfence on x86,
 * as tests/vm/mapper_test.c's reader uses), and the writer fences its
 * write-combined stores with wmb().
 * head (the number of records written) is updated after the record, so
 * records below head are complete unless the writer has lapped the ring.
 */
#ifndef _UAPI_MAPPER_SAMPLE_H
#define _UAPI_MAPPER_SAMPLE_H

#include <linux/types.h>

#define MAPPER_SAMPLE_MAGIC	0x4d41505052534d50ULL	/* "PMSRPPAM" */
#define MAPPER_SAMPLE_SLOTS	64
#define MAPPER_SAMPLE_CMD_OFF	16384
#define MAPPER_SAMPLE_CMD_LEN	64

struct mapper_sample_record {
	__u32 seq;		/* odd while being written */
	__u32 reserved;
	__u64 number;		/* 0, 1, 2, ... */
	__u64 time_ns;		/* CLOCK_MONOTONIC when written */
	__u64 check;		/* number * 0x9e3779b97f4a7c15 ^ time_ns */
	char text[32];		/* "hello from mapper_sample #<number>" */
	char echo[MAPPER_SAMPLE_CMD_LEN];	/* the command area, when written */
};

struct mapper_sample_header {
	__u64 magic;
	__u64 head;		/* records written so far */
	__u32 slots;
	__u32 record_size;
	__u64 reserved[5];
	struct mapper_sample_record ring[MAPPER_SAMPLE_SLOTS];
};

#endif /* _UAPI_MAPPER_SAMPLE_H */
