// SPDX-License-Identifier: GPL-2.0
/*
 * dma-buf export (MAPPER_IOC_EXPORT_DMABUF): a buffer, or a page-aligned
 * range of it, as a dma-buf file descriptor that V4L2, DRM and every other
 * importer takes.
 *
 * An export holds its buffer (through the device, as an open file does),
 * counts in the buffer's exports (a strict removal is refused, the cache
 * mode stays) and, through the dma-buf core, this module. Importers' devices
 * map it through mapper_dma_map() (dma.c), so every such mapping is one
 * MAPPER_IOC_SYNC and debugfs see; begin/end_cpu_access sync the mappings
 * of this export's own attachments. The dma-buf's mmap is the buffer's:
 * the same pages and rules as /dev/mapperN's (mmap.c), counted in maps.
 *
 * A read-only export (from a read-only open, or asked so) lets no device
 * write: its attachments map DMA_TO_DEVICE only, and it has no kernel
 * mapping (vmap), which importers write through as often as they read.
 * Importers' mappings may overlap one another's (see __mapper_dma_map()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <linux/mapper.h>

#include "compat.h"
#include "internal.h"
#include "uapi/mapper.h"

/* Since 5.16 the dma-buf core's symbols are in namespace DMA_BUF. */
MODULE_INFO(import_ns, "DMA_BUF");

struct mapper_export {
	struct mapper_buf *buf;		/* held through buf->md */
	size_t offset;			/* the range, in the buffer */
	size_t len;
	bool writable;
	struct mutex lock;		/* maps */
	struct list_head maps;		/* struct mapper_export_map */
};

/* One importer's mapping, for begin/end_cpu_access. */
struct mapper_export_map {
	struct list_head node;
	struct sg_table *sgt;
	struct dma_buf_attachment *attach;
	enum dma_data_direction dir;
};

static struct sg_table *mapper_dmabuf_map(struct dma_buf_attachment *attach,
					  enum dma_data_direction dir)
{
	struct mapper_export *e = attach->dmabuf->priv;
	struct mapper_export_map *m;
	struct sg_table *sgt;

	if (!e->writable && dir != DMA_TO_DEVICE) {
		pr_err("%s: a read-only dma-buf: %s may only read it (DMA_TO_DEVICE)\n",
		       e->buf->md->name, dev_name(attach->dev));
		return ERR_PTR(-EACCES);
	}
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return ERR_PTR(-ENOMEM);
	sgt = __mapper_dma_map(e->buf, attach->dev, e->offset, e->len, dir, true);
	if (IS_ERR(sgt)) {
		kfree(m);
		return sgt;
	}
	m->sgt = sgt;
	m->attach = attach;
	m->dir = dir;
	mutex_lock(&e->lock);
	list_add(&m->node, &e->maps);
	mutex_unlock(&e->lock);
	return sgt;
}

static void mapper_dmabuf_unmap(struct dma_buf_attachment *attach,
				struct sg_table *sgt, enum dma_data_direction dir)
{
	struct mapper_export *e = attach->dmabuf->priv;
	struct mapper_export_map *m, *found = NULL;

	mutex_lock(&e->lock);
	list_for_each_entry(m, &e->maps, node)
		if (m->sgt == sgt) {
			list_del(&m->node);
			found = m;
			break;
		}
	mutex_unlock(&e->lock);
	kfree(found);
	mapper_dma_unmap(e->buf, sgt, dir);
}

/* Every mapping of this export's importers, for the CPU or for their devices. */
static int mapper_dmabuf_sync(struct dma_buf *dmabuf, enum dma_data_direction dir,
			      bool for_cpu)
{
	struct mapper_export *e = dmabuf->priv;
	struct mapper_export_map *m;

	mutex_lock(&e->lock);
	list_for_each_entry(m, &e->maps, node) {
		/* A one-way mapping is synced its way only (DMA API). */
		if (m->dir != DMA_BIDIRECTIONAL && dir != DMA_BIDIRECTIONAL && dir != m->dir)
			continue;
		if (for_cpu)
			mapper_dma_sync_for_cpu(e->buf, m->sgt, e->offset, e->len,
						m->dir == DMA_BIDIRECTIONAL ? dir : m->dir);
		else
			mapper_dma_sync_for_device(e->buf, m->sgt, e->offset, e->len,
						   m->dir == DMA_BIDIRECTIONAL ? dir : m->dir);
	}
	mutex_unlock(&e->lock);
	return 0;
}

static int mapper_dmabuf_begin_cpu(struct dma_buf *dmabuf, enum dma_data_direction dir)
{
	return mapper_dmabuf_sync(dmabuf, dir, true);
}

static int mapper_dmabuf_end_cpu(struct dma_buf *dmabuf, enum dma_data_direction dir)
{
	return mapper_dmabuf_sync(dmabuf, dir, false);
}

/* The dma-buf's own mappings: counted as the device's are, without its file. */
static void mapper_dmabuf_vm_open(struct vm_area_struct *vma)
{
	struct mapper_buf *buf = vma->vm_private_data;

	mapper_buf_get(buf);
	atomic_long_inc(&buf->maps);
}

static void mapper_dmabuf_vm_close(struct vm_area_struct *vma)
{
	struct mapper_buf *buf = vma->vm_private_data;

	atomic_long_dec(&buf->maps);
	mapper_buf_put(buf);
}

static const struct vm_operations_struct mapper_dmabuf_vm_ops = {
	.open = mapper_dmabuf_vm_open,
	.close = mapper_dmabuf_vm_close,
	.fault = mapper_vm_fault,
};

/* The core checked the range against the dma-buf's size. */
static int mapper_dmabuf_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct mapper_export *e = dmabuf->priv;
	struct mapper_buf *buf = e->buf;
	int ret;

	/* Pages of the buffer from here on: the fault handler indexes it. */
	vma->vm_pgoff += e->offset >> PAGE_SHIFT;
	mutex_lock(&buf->vmap_lock);
	ret = mapper_mmap_buf(buf, vma, &buf->md->dev, "dma-buf mmap");
	if (!ret) {
		vma->vm_ops = &mapper_dmabuf_vm_ops;
		mapper_dmabuf_vm_open(vma);
	}
	mutex_unlock(&buf->vmap_lock);
	return ret;
}

/*
 * The buffer's kernel alias (mapper_vaddr(), kept until the buffer goes),
 * in its cache mode: vunmap leaves it. Read-only exports have no vmap at all
 * (mapper_dmabuf_ro_ops): the core refuses it then (EINVAL) without the
 * warning a failing exporter's vmap gets.
 */
static void *mapper_dmabuf_vaddr(struct dma_buf *dmabuf)
{
	struct mapper_export *e = dmabuf->priv;
	void *vaddr;

	vaddr = mapper_vaddr(e->buf);
	return vaddr ? vaddr + e->offset : ERR_PTR(-ENOMEM);
}

#ifdef MAPPER_HAVE_DMA_BUF_OPS_IOSYS_MAP
static int mapper_dmabuf_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	void *vaddr = mapper_dmabuf_vaddr(dmabuf);

	if (IS_ERR(vaddr))
		return PTR_ERR(vaddr);
	iosys_map_set_vaddr(map, vaddr);
	return 0;
}

static void mapper_dmabuf_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
}
#else
static void *mapper_dmabuf_vmap(struct dma_buf *dmabuf)
{
	void *vaddr = mapper_dmabuf_vaddr(dmabuf);

	return IS_ERR(vaddr) ? NULL : vaddr;
}

static void mapper_dmabuf_vunmap(struct dma_buf *dmabuf, void *vaddr)
{
}
#endif

static void mapper_dmabuf_release(struct dma_buf *dmabuf)
{
	struct mapper_export *e = dmabuf->priv;
	struct mapper_buf *buf = e->buf;

	mutex_lock(&buf->vmap_lock);
	buf->exports--;
	mutex_unlock(&buf->vmap_lock);
	mutex_destroy(&e->lock);
	kfree(e);
	put_device(&buf->md->dev);
}

static const struct dma_buf_ops mapper_dmabuf_ops = {
	.map_dma_buf = mapper_dmabuf_map,
	.unmap_dma_buf = mapper_dmabuf_unmap,
	.release = mapper_dmabuf_release,
	.mmap = mapper_dmabuf_mmap,
	.begin_cpu_access = mapper_dmabuf_begin_cpu,
	.end_cpu_access = mapper_dmabuf_end_cpu,
	.vmap = mapper_dmabuf_vmap,
	.vunmap = mapper_dmabuf_vunmap,
};

static const struct dma_buf_ops mapper_dmabuf_ro_ops = {
	.map_dma_buf = mapper_dmabuf_map,
	.unmap_dma_buf = mapper_dmabuf_unmap,
	.release = mapper_dmabuf_release,
	.mmap = mapper_dmabuf_mmap,
	.begin_cpu_access = mapper_dmabuf_begin_cpu,
	.end_cpu_access = mapper_dmabuf_end_cpu,
};

/*
 * A new dma-buf of [@offset, +@len) of @md's buffer, installed as a file
 * descriptor only once user space has its number (written to @ufd): no
 * descriptor appears for a call that fails.
 */
static int mapper_dmabuf_export(struct mapper_dev *md, size_t offset, size_t len,
				unsigned int flags, s32 __user *ufd)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct mapper_buf *buf = md->buf;
	struct mapper_export *e;
	struct dma_buf *dmabuf;
	int fd, ret;

	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	e->buf = buf;
	e->offset = offset;
	e->len = len;
	e->writable = (flags & O_ACCMODE) == O_RDWR;
	mutex_init(&e->lock);
	INIT_LIST_HEAD(&e->maps);

	/* Counted first: from here on the cache mode stays. */
	mutex_lock(&buf->vmap_lock);
	if (buf->cache_unknown) {
		mutex_unlock(&buf->vmap_lock);
		pr_err("%s: no dma-buf: the cache mode of its pages is unknown\n", md->name);
		ret = -EIO;
		goto free;
	}
	buf->exports++;
	mutex_unlock(&buf->vmap_lock);
	get_device(&md->dev);

	info.ops = e->writable ? &mapper_dmabuf_ops : &mapper_dmabuf_ro_ops;
	info.size = len;
	info.flags = flags & (O_ACCMODE | O_CLOEXEC);
	info.priv = e;
	dmabuf = dma_buf_export(&info);
	if (IS_ERR(dmabuf)) {
		ret = PTR_ERR(dmabuf);
		pr_err("%s: dma-buf export failed: %d\n", md->name, ret);
		goto uncount;
	}
	/* From here on release() undoes the above, with the last dma_buf_put(). */
	fd = get_unused_fd_flags(flags & O_CLOEXEC);
	if (fd < 0) {
		dma_buf_put(dmabuf);
		return fd;
	}
	if (put_user(fd, ufd)) {
		put_unused_fd(fd);
		dma_buf_put(dmabuf);
		return -EFAULT;
	}
	fd_install(fd, dmabuf->file);
	return 0;

uncount:
	put_device(&md->dev);
	mutex_lock(&buf->vmap_lock);
	buf->exports--;
	mutex_unlock(&buf->vmap_lock);
free:
	mutex_destroy(&e->lock);
	kfree(e);
	return ret;
}

long mapper_ioctl_export(struct file *file, void __user *arg)
{
	struct mapper_export_dmabuf __user *uexp = arg;
	struct mapper_file *mf = file->private_data;
	struct mapper_buf *buf = mf->md->buf;
	struct mapper_export_dmabuf exp;
	int ret;

	ret = mapper_copy_arg(&exp, sizeof(exp), arg, MAPPER_EXPORT_DMABUF_SIZE_V1);
	if (ret)
		return ret;
	if (exp.flags & ~(O_CLOEXEC | O_ACCMODE) ||
	    ((exp.flags & O_ACCMODE) != O_RDONLY && (exp.flags & O_ACCMODE) != O_RDWR)) {
		pr_info_ratelimited("%s: MAPPER_IOC_EXPORT_DMABUF flags %#x: O_RDONLY or O_RDWR, and O_CLOEXEC\n",
				    mf->md->name, exp.flags);
		return -EINVAL;
	}
	if ((exp.flags & O_ACCMODE) == O_RDWR && !(file->f_mode & FMODE_WRITE)) {
		pr_info_ratelimited("%s: a read-only open exports read-only dma-bufs only\n",
				    mf->md->name);
		return -EACCES;
	}
	if (!exp.length && exp.offset < buf->size)
		exp.length = buf->size - exp.offset;
	if (!PAGE_ALIGNED(exp.offset) || !PAGE_ALIGNED(exp.length) || !exp.length ||
	    exp.offset >= buf->size || exp.length > buf->size - exp.offset) {
		pr_info_ratelimited("%s: MAPPER_IOC_EXPORT_DMABUF of %#llx+%#llx: not whole pages inside the buffer's %#zx bytes\n",
				    mf->md->name, exp.offset, exp.length, buf->size);
		return -EINVAL;
	}
	return mapper_dmabuf_export(mf->md, exp.offset, exp.length, exp.flags, &uexp->fd);
}
