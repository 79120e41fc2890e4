/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mapper's in-kernel API: share a /dev/mapperN buffer with user space
 * without writing mmap code of your own.
 *
 *	struct mapper_buf *buf = mapper_get(0);
 *	void *p;
 *
 *	if (IS_ERR(buf))
 *		return PTR_ERR(buf);
 *	p = mapper_vaddr(buf);		(all mapper_size(buf) bytes, contiguous)
 *	...write into p...
 *	mapper_notify(buf);		(wakes poll() on /dev/mapper0)
 *	...
 *	mapper_put(buf);
 *
 * mapper_get_by_name("frames") finds a buffer by its name instead (see
 * mapperctl(8)); mapper_create(size, NUMA_NO_NODE) makes a private buffer
 * of the caller's own, with no node, which only its mapper_put() frees.
 *
 * Build against mapper's Module.symvers (KBUILD_EXTRA_SYMBOLS) with
 * -I<mapper source>/include. A buffer held with mapper_get() is neither freed
 * nor resized, and mapper cannot be unloaded, until mapper_put().
 *
 * Memory written by user space through a mapping is read through another
 * virtual alias here: on architectures with aliasing data caches call
 * mapper_begin_cpu_read() before reading what user space wrote, and
 * mapper_end_cpu_write() after writing (mapper_notify() does the latter for
 * the whole buffer). Both are free on x86 and arm64.
 */
#ifndef _LINUX_MAPPER_H
#define _LINUX_MAPPER_H

#include <linux/types.h>

struct mapper_buf;

struct mapper_buf *mapper_get(unsigned int index);
struct mapper_buf *mapper_get_by_name(const char *name);
struct mapper_buf *mapper_create(size_t size, int node);
void mapper_put(struct mapper_buf *buf);
size_t mapper_size(const struct mapper_buf *buf);
void *mapper_vaddr(struct mapper_buf *buf);
void mapper_notify(struct mapper_buf *buf);
void mapper_begin_cpu_read(struct mapper_buf *buf, size_t offset, size_t len);
void mapper_end_cpu_write(struct mapper_buf *buf, size_t offset, size_t len);

#endif /* _LINUX_MAPPER_H */
