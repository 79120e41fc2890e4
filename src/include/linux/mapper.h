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
 *
 * For a device (DMA): mapper_dma_map() maps the buffer, or a page-aligned
 * range of it (@len 0: to the end), for @dev as one sg_table, through the
 * DMA API (dma_map_sgtable(): behind an IOMMU the range is one contiguous
 * IOVA range; program the device from its DMA segments,
 * for_each_sgtable_dma_sg()). It returns an ERR_PTR: -EINVAL for a bad
 * range, device or direction, -EIO if the buffer's cache state is unknown,
 * -EBUSY if the range overlaps another device-writable mapping (only
 * DMA_TO_DEVICE mappings may overlap), -ENOMEM, or the DMA layer's error.
 * While mapped, the buffer holds its pages, cache mode and this module, and
 * cannot be removed strictly; unmap
 * with the same direction before mapper_put(). Ownership follows the DMA
 * API: after the CPU wrote a range, mapper_dma_sync_for_device() before the
 * device reads it; after the device wrote, mapper_dma_sync_for_cpu() before
 * the CPU reads (offsets in the buffer, @len 0: to the end of the mapping).
 * Both are free for a coherent device that needs no bounce buffer, and may
 * be called from any context; map and unmap may sleep. User space syncs the
 * same mappings with MAPPER_IOC_SYNC (see mapper(4)).
 */
#ifndef _LINUX_MAPPER_H
#define _LINUX_MAPPER_H

#include <linux/dma-direction.h>
#include <linux/types.h>

struct device;
struct mapper_buf;
struct sg_table;

struct mapper_buf *mapper_get(unsigned int index);
struct mapper_buf *mapper_get_by_name(const char *name);
struct mapper_buf *mapper_create(size_t size, int node);
void mapper_put(struct mapper_buf *buf);
size_t mapper_size(const struct mapper_buf *buf);
void *mapper_vaddr(struct mapper_buf *buf);
void mapper_notify(struct mapper_buf *buf);
void mapper_begin_cpu_read(struct mapper_buf *buf, size_t offset, size_t len);
void mapper_end_cpu_write(struct mapper_buf *buf, size_t offset, size_t len);

struct sg_table *mapper_dma_map(struct mapper_buf *buf, struct device *dev,
				size_t offset, size_t len, enum dma_data_direction dir);
void mapper_dma_unmap(struct mapper_buf *buf, struct sg_table *sgt,
		      enum dma_data_direction dir);
void mapper_dma_sync_for_device(struct mapper_buf *buf, struct sg_table *sgt,
				size_t offset, size_t len, enum dma_data_direction dir);
void mapper_dma_sync_for_cpu(struct mapper_buf *buf, struct sg_table *sgt,
			     size_t offset, size_t len, enum dma_data_direction dir);

#endif /* _LINUX_MAPPER_H */
