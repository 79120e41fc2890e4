// SPDX-License-Identifier: GPL-2.0
/*
 * File operations of /dev/mapperN: read/write with file-offset semantics,
 * llseek within the buffer, mmap (mmap.c), fsync, the INFO ioctl and poll.
 *
 * poll() reports EPOLLPRI while a kernel producer has called mapper_notify()
 * more often than this open file has acknowledged with MAPPER_IOC_INFO; the
 * data itself is always readable and writable (EPOLLIN | EPOLLOUT), as for a
 * regular file.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "internal.h"
#include "uapi/mapper.h"

static int mapper_open(struct inode *inode, struct file *file)
{
	struct mapper_file *mf;
	struct mapper_dev *md;

	mf = kzalloc(sizeof(*mf), GFP_KERNEL);
	if (!mf)
		return -ENOMEM;
	/* Removed, or never there: every minor of the region reaches here. */
	mf->file = file;
	atomic_set(&mf->vmas, 0);
	md = mapper_dev_open(iminor(inode), mf);
	if (!md) {
		kfree(mf);
		return -ENXIO;
	}
	mf->seen = atomic64_read(&md->buf->events);
	file->private_data = mf;
	/* The buffer's own inode behind every mapping: see inode.c. */
	file->f_mapping = md->buf->inode->i_mapping;
	return 0;
}

static int mapper_release(struct inode *inode, struct file *file)
{
	struct mapper_file *mf = file->private_data;

	mapper_dev_close(mf);
	kfree(mf);
	return 0;
}

/* Copy between the buffer at @pos and @iter, page by page; returns bytes. */
static size_t mapper_copy(struct mapper_buf *buf, loff_t pos,
			  struct iov_iter *iter, bool to_user)
{
	size_t done = 0;

	while (iov_iter_count(iter) && pos < buf->size) {
		struct page *page = buf->pages[pos >> PAGE_SHIFT];
		size_t off = offset_in_page(pos);
		size_t len = min_t(size_t, PAGE_SIZE - off, iov_iter_count(iter));
		size_t n;

		if (to_user) {
			mapper_buf_cpu_sync(buf, page, off, len, false);
			n = copy_page_to_iter(page, off, len, iter);
		} else {
			n = copy_page_from_iter(page, off, len, iter);
			mapper_buf_cpu_sync(buf, page, off, n, true);
		}
		done += n;
		pos += n;
		if (n < len)
			break;
	}
	return done;
}

static ssize_t mapper_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct mapper_dev *md = mapper_file_dev(iocb->ki_filp);
	struct mapper_buf *buf = md->buf;
	size_t want;
	size_t done;
	bool excl;

	if (iocb->ki_pos >= buf->size || !iov_iter_count(to))
		return 0;
	want = min_t(u64, iov_iter_count(to), buf->size - iocb->ki_pos);
	iov_iter_truncate(to, want);
	if (mapper_buf_copy_begin(buf, &excl))
		return -EINTR;
	done = mapper_copy(buf, iocb->ki_pos, to, true);
	mapper_buf_copy_end(buf, excl);
	if (!done)
		return -EFAULT;
	iocb->ki_pos += done;
	return done;
}

static ssize_t mapper_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct mapper_dev *md = mapper_file_dev(iocb->ki_filp);
	struct mapper_buf *buf = md->buf;
	size_t want;
	size_t done;
	bool excl;

	if (!iov_iter_count(from))
		return 0;
	/* A full device, as for block devices: writes at the end fail. */
	if (iocb->ki_pos >= buf->size)
		return -ENOSPC;
	want = min_t(u64, iov_iter_count(from), buf->size - iocb->ki_pos);
	iov_iter_truncate(from, want);
	if (mapper_buf_copy_begin(buf, &excl))
		return -EINTR;
	done = mapper_copy(buf, iocb->ki_pos, from, false);
	mapper_buf_copy_end(buf, excl);
	if (!done)
		return -EFAULT;
	iocb->ki_pos += done;
	return done;
}

static loff_t mapper_llseek(struct file *file, loff_t offset, int whence)
{
	struct mapper_dev *md = mapper_file_dev(file);

	return fixed_size_llseek(file, offset, whence, md->buf->size);
}

/*
 * The buffer is the storage: nothing is written back, and fsync(),
 * fdatasync() and msync(MS_SYNC) succeed at once (numpy's memmap.flush() and
 * fio's --fsync call them). What a sync still does: it orders the caller's
 * earlier stores (write-combining buffers drained, for cache=wc/uc), and on
 * architectures with aliasing data caches it drops the kernel alias's
 * (mapper_vaddr()) stale lines for the range, as mapper_begin_cpu_read()
 * does. Free on x86 and arm64 but for the fence.
 */
static int mapper_fsync(struct file *file, loff_t start, loff_t end, int datasync)
{
	struct mapper_buf *buf = mapper_file_dev(file)->buf;
	void *vaddr = READ_ONCE(buf->vaddr);

	wmb();	/* the caller's stores, write-combined ones too, before the return */
	if (vaddr && start < buf->size) {
		/* @end is inclusive, LLONG_MAX for "to the end". */
		loff_t last = min_t(loff_t, end, buf->size - 1);

		if (last >= start)
			invalidate_kernel_vmap_range(vaddr + start, last - start + 1);
	}
	return 0;
}

static long mapper_ioctl_info(struct mapper_file *mf, void __user *arg)
{
	struct mapper_dev *md = mf->md;
	struct mapper_info info = {
		.argsz = sizeof(info),
		.version = MAPPER_INFO_VERSION,
		.buf_size = md->buf->size,
		.page_size = PAGE_SIZE,
		.index = md->index,
		.maps = atomic_long_read(&md->buf->maps),
		.events = atomic64_read(&md->buf->events),
		.flags = MAPPER_INFO_F_NOTIFY | MAPPER_INFO_F_SYNC |
			 (IS_ENABLED(CONFIG_DMA_SHARED_BUFFER) ? MAPPER_INFO_F_DMABUF : 0) |
			 (md->buf->contiguous ? MAPPER_INFO_F_CONTIGUOUS : 0),
	};
	u32 argsz;

	/* Pairs with mapper_notify(): the data before the count that announced it. */
	smp_rmb();

	if (get_user(argsz, (u32 __user *)arg))
		return -EFAULT;
	if (argsz < MAPPER_INFO_SIZE_V1)
		return -EINVAL;
	/* Never write past what the caller says it has. */
	if (copy_to_user(arg, &info, min_t(size_t, argsz, sizeof(info))))
		return -EFAULT;
	/* Only a caller that received @events has seen them. */
	if (argsz >= offsetofend(struct mapper_info, events))
		WRITE_ONCE(mf->seen, info.events);
	return 0;
}

/*
 * An ioctl's structure of @size bytes from @arg, by its argsz (at least
 * @min): bytes past what the module knows must be zero, and no caller makes
 * it scan megabytes for them (E2BIG over a page, as openat2() and clone3()).
 */
int mapper_copy_arg(void *dst, size_t size, const void __user *arg, size_t min)
{
	u32 argsz;

	if (get_user(argsz, (const u32 __user *)arg))
		return -EFAULT;
	if (argsz < min)
		return -EINVAL;
	if (argsz > PAGE_SIZE)
		return -E2BIG;
	return copy_struct_from_user(dst, size, arg, argsz);
}

/* Caches and bounce buffers of every device that maps the range: see dma.c. */
static long mapper_ioctl_sync(struct mapper_file *mf, void __user *arg)
{
	struct mapper_buf *buf = mf->md->buf;
	struct mapper_sync sync;
	unsigned int when, way;
	int ret;

	ret = mapper_copy_arg(&sync, sizeof(sync), arg, MAPPER_SYNC_SIZE_V1);
	if (ret)
		return ret;
	when = sync.flags & (MAPPER_SYNC_FOR_DEVICE | MAPPER_SYNC_FOR_CPU);
	way = sync.flags & (MAPPER_SYNC_TO_DEVICE | MAPPER_SYNC_FROM_DEVICE);
	if (sync.flags & ~(when | way) || !way ||
	    (when != MAPPER_SYNC_FOR_DEVICE && when != MAPPER_SYNC_FOR_CPU)) {
		pr_info_ratelimited("%s: MAPPER_IOC_SYNC flags %#x: one of FOR_DEVICE and FOR_CPU, and TO_DEVICE, FROM_DEVICE or both\n",
				    mf->md->name, sync.flags);
		return -EINVAL;
	}
	if (!sync.length && sync.offset < buf->size)
		sync.length = buf->size - sync.offset;
	if (sync.offset >= buf->size || !sync.length ||
	    sync.length > buf->size - sync.offset) {
		pr_info_ratelimited("%s: MAPPER_IOC_SYNC of %#llx+%#llx: outside the buffer's %#zx bytes\n",
				    mf->md->name, sync.offset, sync.length, buf->size);
		return -EINVAL;
	}
	return mapper_dma_sync_all(buf, sync.offset, sync.length, sync.flags);
}

static __poll_t mapper_poll(struct file *file, poll_table *wait)
{
	struct mapper_file *mf = file->private_data;
	struct mapper_buf *buf = mf->md->buf;
	__poll_t mask = EPOLLIN | EPOLLRDNORM | EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &buf->wait, wait);
	if (atomic64_read(&buf->events) != READ_ONCE(mf->seen))
		mask |= EPOLLPRI;
	smp_rmb();	/* pairs with mapper_notify(), as in MAPPER_IOC_INFO */
	return mask;
}

/* Frozen command numbers; each one's argsz says how much the caller has. */
static long mapper_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case MAPPER_IOC_INFO:
		return mapper_ioctl_info(file->private_data, (void __user *)arg);
	case MAPPER_IOC_SYNC:
		return mapper_ioctl_sync(file->private_data, (void __user *)arg);
	case MAPPER_IOC_EXPORT_DMABUF:
		return mapper_ioctl_export(file, (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

const struct file_operations mapper_fops = {
	.owner = THIS_MODULE,
	.open = mapper_open,
	.release = mapper_release,
	.read_iter = mapper_read_iter,
	.write_iter = mapper_write_iter,
	.llseek = mapper_llseek,
	.mmap = mapper_mmap,
	.fsync = mapper_fsync,
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	.get_unmapped_area = mapper_get_unmapped_area,
#endif
	.poll = mapper_poll,
	.unlocked_ioctl = mapper_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};
