// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel API (include/linux/mapper.h): other drivers share a
 * /dev/mapperN buffer with user space through mapper's own mmap code.
 *
 * A holder keeps both the buffer (kref) and this module (module reference)
 * alive: rmmod mapper is refused until every mapper_put().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/export.h>
#include <linux/highmem.h>
#include <linux/module.h>
#include <linux/numa.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>

#include <linux/mapper.h>

#include "internal.h"

static struct mapper_buf *mapper_hold(unsigned int index, const char *name)
{
	struct mapper_dev *md;

	if (!try_module_get(THIS_MODULE))
		return ERR_PTR(-ENODEV);
	md = mapper_dev_hold(index, name);
	if (!md) {
		module_put(THIS_MODULE);
		return ERR_PTR(-ENODEV);
	}
	return md->buf;
}

struct mapper_buf *mapper_get(unsigned int index)
{
	return mapper_hold(index, NULL);
}
EXPORT_SYMBOL_GPL(mapper_get);

struct mapper_buf *mapper_get_by_name(const char *name)
{
	return name ? mapper_hold(0, name) : ERR_PTR(-EINVAL);
}
EXPORT_SYMBOL_GPL(mapper_get_by_name);

/*
 * A private buffer: no node, no name, counted in total_bytes and the guard.
 * Only its creator holds it.
 */
struct mapper_buf *mapper_create(size_t size, int node)
{
	struct mapper_buf *buf;

	if (!size || size > SIZE_MAX - PAGE_SIZE)
		return ERR_PTR(-EINVAL);
	if (!try_module_get(THIS_MODULE))
		return ERR_PTR(-ENODEV);
	buf = mapper_buf_alloc("private buffer", PAGE_ALIGN(size), node, 0, NULL);
	if (IS_ERR(buf)) {
		module_put(THIS_MODULE);
		return buf;
	}
	buf->holders = 1;
	return buf;
}
EXPORT_SYMBOL_GPL(mapper_create);

void mapper_put(struct mapper_buf *buf)
{
	struct mapper_dev *md = buf->md;

	mutex_lock(&mapper_lock);
	buf->holders--;
	mutex_unlock(&mapper_lock);
	/* A device's buffer goes with the device, a private one now. */
	if (md)
		put_device(&md->dev);
	else
		mapper_buf_put(buf);
	module_put(THIS_MODULE);
}
EXPORT_SYMBOL_GPL(mapper_put);

size_t mapper_size(const struct mapper_buf *buf)
{
	return buf->size;
}
EXPORT_SYMBOL_GPL(mapper_size);

/*
 * One contiguous kernel alias of the whole buffer, made on first use and kept
 * until the buffer is freed, in the buffer's cache mode (which can no longer
 * change from then on). NULL if vmalloc space runs out, or if a failed cache
 * mode change left the pages in unknown modes.
 */
void *mapper_vaddr(struct mapper_buf *buf)
{
	void *vaddr;

	mutex_lock(&buf->vmap_lock);
	if (!buf->vaddr && !buf->cache_unknown)
		buf->vaddr = vmap(buf->pages, buf->nr_pages, VM_MAP,
				  mapper_cache_pgprot(buf->cache, PAGE_KERNEL));
	vaddr = buf->vaddr;
	mutex_unlock(&buf->vmap_lock);
	return vaddr;
}
EXPORT_SYMBOL_GPL(mapper_vaddr);

static bool mapper_range_ok(struct mapper_buf *buf, size_t offset, size_t len)
{
	return buf->vaddr && offset <= buf->size && len <= buf->size - offset;
}

/* Before the kernel reads through vaddr what user space wrote. */
void mapper_begin_cpu_read(struct mapper_buf *buf, size_t offset, size_t len)
{
	if (mapper_range_ok(buf, offset, len))
		invalidate_kernel_vmap_range(buf->vaddr + offset, len);
}
EXPORT_SYMBOL_GPL(mapper_begin_cpu_read);

/* After the kernel wrote through vaddr, before user space reads it. */
void mapper_end_cpu_write(struct mapper_buf *buf, size_t offset, size_t len)
{
	if (mapper_range_ok(buf, offset, len))
		flush_kernel_vmap_range(buf->vaddr + offset, len);
}
EXPORT_SYMBOL_GPL(mapper_end_cpu_write);

/* Safe from any context but NMI: wakes every poll() on the device. */
void mapper_notify(struct mapper_buf *buf)
{
	mapper_end_cpu_write(buf, 0, buf->size);
	/* The producer's stores before the count (unordered on arm64). */
	smp_mb__before_atomic();
	atomic64_inc(&buf->events);
	wake_up_interruptible_all(&buf->wait);
}
EXPORT_SYMBOL_GPL(mapper_notify);
