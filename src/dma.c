// SPDX-License-Identifier: GPL-2.0
/*
 * Buffers for devices (include/linux/mapper.h): a buffer, or a page-aligned
 * range of it, mapped for a driver's device as one sg_table, and its caches
 * synced for the device or the CPU.
 *
 * Every mapping is tracked on its buffer (debugfs mapper/dma_maps lists
 * them) and holds the buffer, its device node and this module: a buffer
 * stays, and keeps its cache mode, until its last mapping is gone, and
 * MAPPER_IOC_SYNC reaches every device that maps it. buf->dma_lock guards
 * the buffer's list of mappings; the count of them, which keeps the cache
 * mode, changes under vmap_lock as the mode does, but neither lock is ever
 * held inside the other, so a long sync never stalls mmap().
 *
 * A range of a mapping is synced piece by piece, each piece both one
 * physically contiguous run of pages and inside one DMA segment: with an
 * IOMMU one DMA segment spans pages that are not contiguous in memory, and
 * the DMA layer's single-range sync assumes they are.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/export.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/platform_device.h>
#include <linux/sched/signal.h>
#include <linux/scatterlist.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#ifdef CONFIG_ARM_AMBA
#include <linux/amba/bus.h>
#endif

#include <linux/mapper.h>

#include "compat.h"
#include "internal.h"
#include "uapi/mapper.h"

#define MAPPER_SYNC_SLICE	SZ_2M

struct mapper_dma {
	struct sg_table sgt;		/* what the caller holds */
	struct list_head node;		/* in buf->dma_maps */
	struct list_head all;		/* in mapper_dma_all */
	struct mapper_buf *buf;
	struct device *dev;		/* held */
	size_t offset;			/* the range, in the buffer */
	size_t len;
	enum dma_data_direction dir;
	bool shared;			/* a dma-buf importer's */
	bool cpu_owned;			/* last synced for the CPU, as a whole */
};

/* Every mapping, for debugfs; nested inside a buffer's dma_lock. */
static DEFINE_MUTEX(mapper_dma_lock);
static LIST_HEAD(mapper_dma_all);

/*
 * A device by its name in /sys/bus/BUS/devices, held; ERR_PTR(-ENODEV).
 * The buses whose devices do DMA themselves, in this order.
 */
struct device *mapper_find_device(const char *who, const char *name)
{
	struct device *dev = NULL;

#ifdef CONFIG_PCI
	dev = bus_find_device_by_name(&pci_bus_type, NULL, name);
#endif
	if (!dev)
		dev = bus_find_device_by_name(&platform_bus_type, NULL, name);
#ifdef CONFIG_ARM_AMBA
	if (!dev)
		dev = bus_find_device_by_name(&amba_bustype, NULL, name);
#endif
	if (dev)
		return dev;
	pr_err("%s: no device %s on the pci, platform or amba bus (see /sys/bus/*/devices)\n",
	       who, name);
	return ERR_PTR(-ENODEV);
}

/*
 * The highest physical address @dev reaches without bouncing, 0 for any: its
 * DMA mask and the bus's limit, unless an IOMMU translates for it. Physical
 * and bus addresses are taken to be the same; where they are not, the DMA
 * layer still bounces correctly, only not for free.
 */
phys_addr_t mapper_dma_limit(struct device *dev)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(dev);
	u64 mask = dma_get_mask(dev);

	if (domain && domain->type != IOMMU_DOMAIN_IDENTITY)
		return 0;
	if (dev->bus_dma_limit)
		mask = min(mask, dev->bus_dma_limit);
	return mask >= (u64)PHYS_ADDR_MAX ? 0 : (phys_addr_t)mask;
}

static const char *const mapper_dir_names[] = {
	[DMA_BIDIRECTIONAL] = "bidirectional",
	[DMA_TO_DEVICE] = "to_device",
	[DMA_FROM_DEVICE] = "from_device",
	[DMA_NONE] = "none",
};

static const char *mapper_buf_name(struct mapper_buf *buf)
{
	return buf->md ? buf->md->name : "private buffer";
}

/* Holds on everything a mapping needs: see the top of this file. */
static void mapper_dma_hold(struct mapper_buf *buf)
{
	__module_get(THIS_MODULE);
	if (buf->md)
		get_device(&buf->md->dev);
	else
		mapper_buf_get(buf);
}

static void mapper_dma_release(struct mapper_buf *buf)
{
	if (buf->md)
		put_device(&buf->md->dev);
	else
		mapper_buf_put(buf);
	module_put(THIS_MODULE);
}

/*
 * Physically contiguous runs of @pages, each at most @max bytes and inside
 * one @boundary-aligned window: into @sg if it is not NULL; their number.
 */
static unsigned int mapper_dma_runs(struct page **pages, unsigned long n, size_t max,
				    unsigned long boundary, struct scatterlist *sg)
{
	unsigned int runs = 0;
	unsigned long i = 0;

	while (i < n) {
		phys_addr_t start = page_to_phys(pages[i]);
		size_t len = PAGE_SIZE;
		unsigned long j = i + 1;

		while (j < n && page_to_phys(pages[j]) == start + len &&
		       len + PAGE_SIZE <= max &&
		       !((start ^ (start + len + PAGE_SIZE - 1)) & ~(phys_addr_t)boundary)) {
			len += PAGE_SIZE;
			j++;
		}
		if (sg) {
			sg_set_page(sg, pages[i], len, 0);
			sg = sg_next(sg);
		}
		runs++;
		i = j;
	}
	return runs;
}

/*
 * The sg_table of a range as the device takes it: no entry longer than its
 * maximum segment or than swiotlb bounces at once (256 KiB), none across
 * its segment boundary (4 GiB for PCI), as the DMA layer leaves entries
 * that dma-direct passes through untouched.
 */
static int mapper_dma_sg(struct sg_table *sgt, struct page **pages, unsigned long n,
			 struct device *dev)
{
	size_t max = min_t(size_t, dma_get_max_seg_size(dev), dma_max_mapping_size(dev));
	unsigned long boundary = dma_get_seg_boundary(dev);
	unsigned int runs;
	int ret;

	max = clamp_t(size_t, rounddown(max, PAGE_SIZE), PAGE_SIZE,
		      rounddown(UINT_MAX, PAGE_SIZE));
	runs = mapper_dma_runs(pages, n, max, boundary, NULL);
	ret = sg_alloc_table(sgt, runs, GFP_KERNEL);
	if (ret)
		return ret;
	mapper_dma_runs(pages, n, max, boundary, sgt->sgl);
	return 0;
}

/*
 * Under dma_lock: a device-writable mapping of @m's range already there,
 * other than @m (importers' ones left out if @skip_shared). Two of them
 * would have two devices' writes and caches on the same lines (the DMA API
 * does not support it: DMA_API_DEBUG reports it); read-only ones
 * (DMA_TO_DEVICE) may overlap anything.
 */
static struct mapper_dma *mapper_dma_overlap(struct mapper_buf *buf, struct mapper_dma *m,
					     bool skip_shared)
{
	struct mapper_dma *o;

	if (m->dir == DMA_TO_DEVICE)
		return NULL;
	list_for_each_entry(o, &buf->dma_maps, node)
		if (o != m && o->dir != DMA_TO_DEVICE && !(skip_shared && o->shared) &&
		    o->offset < m->offset + m->len && m->offset < o->offset + o->len)
			return o;
	return NULL;
}

/* The buffer's count of mappings, which keeps its cache mode: see buffer.c. */
static void mapper_dma_count(struct mapper_buf *buf, int n)
{
	mutex_lock(&buf->vmap_lock);
	WRITE_ONCE(buf->dma_count, buf->dma_count + n);
	mutex_unlock(&buf->vmap_lock);
}

/*
 * @shared: a dma-buf importer's (dmabuf.c), which may overlap other
 * importers': the importers of one dma-buf order their devices' access
 * through its fences, as the dma-buf contract has it, and mapper cannot
 * know those. (Not a kernel API mapping's: that driver knows no fences.)
 * An overlapping one is mapped as the DMA API documents for a buffer
 * shared by several devices (dma-attributes.rst): DMA_ATTR_SKIP_CPU_SYNC,
 * which also tells DMA_API_DEBUG that the overlap is meant; then synced
 * for the device as a plain map would be, since swiotlb may have given
 * this device a bounce buffer of its own that nothing has filled yet.
 */
struct sg_table *__mapper_dma_map(struct mapper_buf *buf, struct device *dev,
				  size_t offset, size_t len, enum dma_data_direction dir,
				  bool shared)
{
	struct mapper_dma *m, *o;
	unsigned long attrs = 0;
	int ret;

	if (!buf || !dev || !valid_dma_direction(dir)) {
		pr_err("%s: %s\n", __func__, !buf ? "no buffer" : !dev ? "no device" :
		       "direction is not one of DMA_BIDIRECTIONAL, _TO_DEVICE, _FROM_DEVICE");
		return ERR_PTR(-EINVAL);
	}
	if (!len && offset < buf->size)
		len = buf->size - offset;
	if (!PAGE_ALIGNED(offset) || !PAGE_ALIGNED(len) || !len ||
	    offset >= buf->size || len > buf->size - offset) {
		pr_err("%s: DMA map of %#zx+%#zx for %s: not whole pages inside its %#zx bytes\n",
		       mapper_buf_name(buf), offset, len, dev_name(dev), buf->size);
		return ERR_PTR(-EINVAL);
	}
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return ERR_PTR(-ENOMEM);
	m->buf = buf;
	m->offset = offset;
	m->len = len;
	m->dir = dir;
	m->shared = shared;
	ret = mapper_dma_sg(&m->sgt, buf->pages + (offset >> PAGE_SHIFT), len >> PAGE_SHIFT,
			    dev);
	if (ret)
		goto free;

	/* Counted first: from here on the cache mode stays. */
	mutex_lock(&buf->vmap_lock);
	if (buf->cache_unknown) {
		mutex_unlock(&buf->vmap_lock);
		pr_err("%s: DMA map for %s: the cache mode of its pages is unknown\n",
		       mapper_buf_name(buf), dev_name(dev));
		ret = -EIO;
		goto free_sg;
	}
	if (mapper_cache_alias(buf)) {
		mutex_unlock(&buf->vmap_lock);
		pr_err("%s: DMA map for %s: a %s buffer keeps cacheable kernel aliases on this architecture, which the device could be given; map a cached one (the DMA API keeps it coherent)\n",
		       mapper_buf_name(buf), dev_name(dev), mapper_cache_names[buf->cache]);
		ret = -EINVAL;
		goto free_sg;
	}
	WRITE_ONCE(buf->dma_count, buf->dma_count + 1);
	mutex_unlock(&buf->vmap_lock);

	mutex_lock(&buf->dma_lock);
	o = mapper_dma_overlap(buf, m, shared);
	if (o) {
		pr_err("%s: DMA map of %#zx+%#zx for %s: overlaps the device-writable mapping %#zx+%#zx for %s\n",
		       mapper_buf_name(buf), offset, len, dev_name(dev), o->offset, o->len,
		       dev_name(o->dev));
		ret = -EBUSY;
		goto uncount;
	}
	if (mapper_dma_overlap(buf, m, false))
		attrs = DMA_ATTR_SKIP_CPU_SYNC;
	ret = dma_map_sgtable(dev, &m->sgt, dir, attrs);
	if (ret) {
		pr_err("%s: DMA map of %#zx+%#zx for %s failed: %d\n",
		       mapper_buf_name(buf), offset, len, dev_name(dev), ret);
		goto uncount;
	}
	if (attrs & DMA_ATTR_SKIP_CPU_SYNC)
		dma_sync_sgtable_for_device(dev, &m->sgt, dir);
	m->dev = get_device(dev);
	mapper_dma_hold(buf);
	list_add_tail(&m->node, &buf->dma_maps);
	mutex_lock(&mapper_dma_lock);
	list_add_tail(&m->all, &mapper_dma_all);
	mutex_unlock(&mapper_dma_lock);
	mutex_unlock(&buf->dma_lock);
	return &m->sgt;

uncount:
	mutex_unlock(&buf->dma_lock);
	mapper_dma_count(buf, -1);
free_sg:
	sg_free_table(&m->sgt);
free:
	kfree(m);
	return ERR_PTR(ret);
}

struct sg_table *mapper_dma_map(struct mapper_buf *buf, struct device *dev,
				size_t offset, size_t len, enum dma_data_direction dir)
{
	return __mapper_dma_map(buf, dev, offset, len, dir, false);
}
EXPORT_SYMBOL_GPL(mapper_dma_map);

/* Under dma_lock: @sgt's mapping of @buf, or NULL if it is none of them. */
static struct mapper_dma *mapper_dma_find(struct mapper_buf *buf, struct sg_table *sgt)
{
	struct mapper_dma *m;

	list_for_each_entry(m, &buf->dma_maps, node)
		if (&m->sgt == sgt)
			return m;
	return NULL;
}

void mapper_dma_unmap(struct mapper_buf *buf, struct sg_table *sgt,
		      enum dma_data_direction dir)
{
	struct mapper_dma *m;

	if (!buf || IS_ERR_OR_NULL(sgt))
		return;
	mutex_lock(&buf->dma_lock);
	m = mapper_dma_find(buf, sgt);
	if (WARN(!m, "%s: not a mapping of %s\n", __func__, mapper_buf_name(buf))) {
		mutex_unlock(&buf->dma_lock);
		return;
	}
	if (dir != m->dir)
		pr_warn_once("%s: unmapped for %s as %s, mapped %s\n", mapper_buf_name(buf),
			     dev_name(m->dev), mapper_dir_names[dir & 3],
			     mapper_dir_names[m->dir]);
	/*
	 * Already synced for the CPU (DMA_BUF_IOCTL_SYNC's start, say): the
	 * CPU owns the pages and may have written them since, which a second
	 * sync would undo (a cache invalidation, or swiotlb copying its
	 * bounce buffer back). Still on the list meanwhile, under dma_lock:
	 * no mapping that this one's would overlap is made while it syncs.
	 */
	dma_unmap_sgtable(m->dev, &m->sgt, m->dir,
			  READ_ONCE(m->cpu_owned) ? DMA_ATTR_SKIP_CPU_SYNC : 0);
	list_del(&m->node);
	mutex_lock(&mapper_dma_lock);
	list_del(&m->all);
	mutex_unlock(&mapper_dma_lock);
	mutex_unlock(&buf->dma_lock);
	/* Only once the device is done: the cache mode may change again. */
	mapper_dma_count(buf, -1);
	sg_free_table(&m->sgt);
	put_device(m->dev);
	kfree(m);
	mapper_dma_release(buf);
}
EXPORT_SYMBOL_GPL(mapper_dma_unmap);

/*
 * Syncs [@off, @off + @len) of @m (offsets in the mapping) in pieces that
 * are physically contiguous (one CPU entry) and in one DMA segment.
 */
static void mapper_dma_sync_range(struct mapper_dma *m, size_t off, size_t len,
				  enum dma_data_direction dir, bool for_cpu)
{
	struct scatterlist *cpu = m->sgt.sgl, *seg = m->sgt.sgl;
	unsigned int ncpu = m->sgt.orig_nents, nseg = m->sgt.nents;
	size_t cpu_pos = 0, seg_pos = 0, end = off + len;

	while (off < end && ncpu && nseg) {
		size_t cpu_end = cpu_pos + cpu->length;
		size_t seg_end = seg_pos + sg_dma_len(seg);
		dma_addr_t addr;
		size_t n;

		if (off >= cpu_end) {
			cpu_pos = cpu_end;
			cpu = sg_next(cpu);
			ncpu--;
			continue;
		}
		if (off >= seg_end) {
			seg_pos = seg_end;
			seg = sg_next(seg);
			nseg--;
			continue;
		}
		n = min3(end, cpu_end, seg_end) - off;
		addr = sg_dma_address(seg) + (off - seg_pos);
		if (for_cpu)
			dma_sync_single_for_cpu(m->dev, addr, n, dir);
		else
			dma_sync_single_for_device(m->dev, addr, n, dir);
		off += n;
	}
}

/*
 * The direction to sync @m in when asked for @dir: a one-way mapping only
 * ever in its own (the DMA API's rule), NONE when @dir is the other way.
 */
static enum dma_data_direction mapper_dma_sync_dir(struct mapper_dma *m,
						   enum dma_data_direction dir)
{
	if (m->dir == DMA_BIDIRECTIONAL)
		return dir;
	return dir == DMA_BIDIRECTIONAL || dir == m->dir ? m->dir : DMA_NONE;
}

/* Buffer offsets to the mapping's own; false (and a line) if outside it. */
static bool mapper_dma_clip(struct mapper_dma *m, size_t *offset, size_t *len)
{
	size_t end = m->offset + m->len;

	if (!*len && *offset < end)
		*len = end - *offset;
	if (*offset < m->offset || *offset >= end || *len > end - *offset) {
		pr_warn_ratelimited("%s: DMA sync of %#zx+%#zx for %s: outside its mapping %#zx+%#zx\n",
				    mapper_buf_name(m->buf), *offset, *len, dev_name(m->dev),
				    m->offset, m->len);
		return false;
	}
	*offset -= m->offset;
	return true;
}

static void mapper_dma_sync(struct mapper_buf *buf, struct sg_table *sgt,
			    size_t offset, size_t len, enum dma_data_direction dir,
			    bool for_cpu)
{
	struct mapper_dma *m;
	enum dma_data_direction d;

	if (!buf || IS_ERR_OR_NULL(sgt))
		return;
	m = container_of(sgt, struct mapper_dma, sgt);
	if (WARN_ONCE(m->buf != buf, "mapper: DMA sync of a mapping of another buffer\n"))
		return;
	if (!valid_dma_direction(dir)) {
		pr_warn_once("%s: DMA sync for %s in no direction\n", mapper_buf_name(buf),
			     dev_name(m->dev));
		return;
	}
	if (!mapper_dma_clip(m, &offset, &len))
		return;
	d = mapper_dma_sync_dir(m, dir);
	if (d == DMA_NONE) {
		pr_warn_once("%s: DMA sync %s for %s, mapped %s only: not synced\n",
			     mapper_buf_name(buf), mapper_dir_names[dir], dev_name(m->dev),
			     mapper_dir_names[m->dir]);
		return;
	}
	mapper_dma_sync_range(m, offset, len, d, for_cpu);
	/* Who owns it now, for the unmap: the CPU only if all of it is synced. */
	WRITE_ONCE(m->cpu_owned, for_cpu && !offset && len >= m->len);
}

/* Any context: the caller owns @sgt until it unmaps it. */
void mapper_dma_sync_for_device(struct mapper_buf *buf, struct sg_table *sgt,
				size_t offset, size_t len, enum dma_data_direction dir)
{
	mapper_dma_sync(buf, sgt, offset, len, dir, false);
}
EXPORT_SYMBOL_GPL(mapper_dma_sync_for_device);

void mapper_dma_sync_for_cpu(struct mapper_buf *buf, struct sg_table *sgt,
			     size_t offset, size_t len, enum dma_data_direction dir)
{
	mapper_dma_sync(buf, sgt, offset, len, dir, true);
}
EXPORT_SYMBOL_GPL(mapper_dma_sync_for_cpu);

/*
 * MAPPER_IOC_SYNC: the range of the buffer on every mapping that covers
 * part of it, each in the directions asked for that it has.
 */
int mapper_dma_sync_all(struct mapper_buf *buf, size_t offset, size_t len,
			unsigned int flags)
{
	bool to = flags & MAPPER_SYNC_TO_DEVICE, from = flags & MAPPER_SYNC_FROM_DEVICE;
	enum dma_data_direction dir = to && from ? DMA_BIDIRECTIONAL :
				      to ? DMA_TO_DEVICE : DMA_FROM_DEVICE;
	bool for_cpu = flags & MAPPER_SYNC_FOR_CPU;
	size_t end = offset + len;
	struct mapper_dma *m;

	int ret = 0;

	mutex_lock(&buf->dma_lock);
	list_for_each_entry(m, &buf->dma_maps, node) {
		size_t start = max(offset, m->offset);
		size_t stop = min(end, m->offset + m->len);
		enum dma_data_direction d = mapper_dma_sync_dir(m, dir);
		bool whole = start == m->offset && stop == m->offset + m->len;

		if (d == DMA_NONE || start >= stop)
			continue;
		/* Slice by slice: cache maintenance of GiBs takes a while. */
		while (start < stop) {
			size_t n = min_t(size_t, stop - start, MAPPER_SYNC_SLICE);

			mapper_dma_sync_range(m, start - m->offset, n, d, for_cpu);
			start += n;
			cond_resched();
			if (fatal_signal_pending(current)) {
				WRITE_ONCE(m->cpu_owned, false);
				ret = -EINTR;
				goto out;
			}
		}
		/* As mapper_dma_sync(): the CPU owns it if all of it was synced for it. */
		WRITE_ONCE(m->cpu_owned, for_cpu && whole);
	}
out:
	mutex_unlock(&buf->dma_lock);
	return ret;
}

#ifdef CONFIG_DEBUG_FS
static struct dentry *mapper_debugfs;

/* Whether the DMA segments follow one another: one range for the device. */
static bool mapper_dma_one_range(struct sg_table *sgt)
{
	struct scatterlist *sg;
	dma_addr_t next = 0;
	unsigned int i;

	for_each_sgtable_dma_sg(sgt, sg, i) {
		if (i && sg_dma_address(sg) != next)
			return false;
		next = sg_dma_address(sg) + sg_dma_len(sg);
	}
	return true;
}

/* A mapping holds its buffer's device: name and index stay. */
static int mapper_dma_maps_show(struct seq_file *s, void *unused)
{
	struct mapper_dma *m;

	mutex_lock(&mapper_dma_lock);
	list_for_each_entry(m, &mapper_dma_all, all) {
		struct mapper_dev *md = m->buf->md;

		if (md)
			seq_printf(s, "%s mapper%u", md->name, md->index);
		else
			seq_puts(s, "- -");
		seq_printf(s, " %s %s offset=%#zx length=%#zx dir=%s segments=%u one_range=%d\n",
			   dev_name(m->dev), dev_driver_string(m->dev), m->offset, m->len,
			   mapper_dir_names[m->dir], m->sgt.nents,
			   mapper_dma_one_range(&m->sgt));
	}
	mutex_unlock(&mapper_dma_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mapper_dma_maps);

void mapper_debugfs_init(void)
{
	mapper_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("dma_maps", 0400, mapper_debugfs, NULL, &mapper_dma_maps_fops);
}

void mapper_debugfs_exit(void)
{
	debugfs_remove_recursive(mapper_debugfs);
}
#else
void mapper_debugfs_init(void)
{
}

void mapper_debugfs_exit(void)
{
}
#endif
