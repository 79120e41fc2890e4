// SPDX-License-Identifier: GPL-2.0
/*
 * Attributes of /sys/class/mapper/mapperN (cache is the one writable), and
 * of /sys/class/mapper itself: the memory of all buffers and its limit.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/device.h>
#include <linux/io.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "compat.h"
#include "internal.h"

static ssize_t size_show(struct device *dev, struct device_attribute *attr,
			 char *page)
{
	return sysfs_emit(page, "%zu\n", to_mapper_dev(dev)->buf->size);
}
static DEVICE_ATTR_RO(size);

static ssize_t maps_show(struct device *dev, struct device_attribute *attr,
			 char *page)
{
	return sysfs_emit(page, "%ld\n",
			  atomic_long_read(&to_mapper_dev(dev)->buf->maps));
}
static DEVICE_ATTR_RO(maps);

static ssize_t name_show(struct device *dev, struct device_attribute *attr,
			 char *page)
{
	return sysfs_emit(page, "%s\n", to_mapper_dev(dev)->name);
}
static DEVICE_ATTR_RO(name);

static ssize_t node_show(struct device *dev, struct device_attribute *attr,
			 char *page)
{
	return sysfs_emit(page, "%d\n", to_mapper_dev(dev)->buf->node);
}
static DEVICE_ATTR_RO(node);

static ssize_t opens_show(struct device *dev, struct device_attribute *attr,
			  char *page)
{
	return sysfs_emit(page, "%u\n", mapper_dev_fds(to_mapper_dev(dev)));
}
static DEVICE_ATTR_RO(opens);

/* What keeps a buffer from a strict removal, but for its mappings. */
static ssize_t holders_show(struct device *dev, struct device_attribute *attr,
			    char *page)
{
	struct mapper_dev *md = to_mapper_dev(dev);
	unsigned int n;

	n = mapper_dev_fds(md) + READ_ONCE(md->buf->holders);
	return sysfs_emit(page, "%u\n", n);
}
static DEVICE_ATTR_RO(holders);

/* "unknown" after a change and the return to write-back both failed. */
static ssize_t cache_show(struct device *dev, struct device_attribute *attr,
			  char *page)
{
	struct mapper_buf *buf = to_mapper_dev(dev)->buf;
	const char *name;

	mutex_lock(&buf->vmap_lock);
	name = buf->cache_unknown ? "unknown" : mapper_cache_names[buf->cache];
	mutex_unlock(&buf->vmap_lock);
	return sysfs_emit(page, "%s\n", name);
}

/* EBUSY while anything maps the buffer: see mapper_buf_set_cache(). */
static ssize_t cache_store(struct device *dev, struct device_attribute *attr,
			   const char *page, size_t count)
{
	struct mapper_buf *buf = to_mapper_dev(dev)->buf;
	int mode = __sysfs_match_string(mapper_cache_names, -1, page);
	int ret;

	if (mode < 0)
		return -EINVAL;
	if (mode != MAPPER_CACHE_CACHED && !mapper_cache_supported())
		return -EOPNOTSUPP;
	down_write(&buf->copy_sem);
	mutex_lock(&buf->vmap_lock);
	ret = mapper_buf_set_cache(buf, mode);
	mutex_unlock(&buf->vmap_lock);
	up_write(&buf->copy_sem);
	return ret ? ret : count;
}
static DEVICE_ATTR_RW(cache);

static ssize_t contiguous_show(struct device *dev, struct device_attribute *attr,
			       char *page)
{
	return sysfs_emit(page, "%d\n", to_mapper_dev(dev)->buf->contiguous);
}
static DEVICE_ATTR_RO(contiguous);

static ssize_t dma_device_show(struct device *dev, struct device_attribute *attr,
			       char *page)
{
	const char *name = to_mapper_dev(dev)->buf->dma_device;

	return sysfs_emit(page, "%s\n", name ? name : "");
}
static DEVICE_ATTR_RO(dma_device);

static ssize_t dma_maps_show(struct device *dev, struct device_attribute *attr,
			     char *page)
{
	return sysfs_emit(page, "%u\n", READ_ONCE(to_mapper_dev(dev)->buf->dma_count));
}
static DEVICE_ATTR_RO(dma_maps);

static ssize_t exports_show(struct device *dev, struct device_attribute *attr,
			    char *page)
{
	return sysfs_emit(page, "%u\n", READ_ONCE(to_mapper_dev(dev)->buf->exports));
}
static DEVICE_ATTR_RO(exports);

/*
 * Where a contiguous buffer starts in physical memory, for a device that
 * user space programs itself. Root's alone (CAP_SYS_RAWIO, as /dev/mem):
 * physical addresses help attacks on the kernel, and mapper never takes
 * one from user space.
 */
static ssize_t phys_addr_show(struct device *dev, struct device_attribute *attr,
			      char *page)
{
	struct mapper_buf *buf = to_mapper_dev(dev)->buf;

	if (!capable(CAP_SYS_RAWIO))
		return -EPERM;
	return sysfs_emit(page, "%#llx\n", (u64)page_to_phys(buf->pages[0]));
}
static DEVICE_ATTR_ADMIN_RO(phys_addr);

static struct attribute *mapper_attrs[] = {
	&dev_attr_size.attr,
	&dev_attr_maps.attr,
	&dev_attr_cache.attr,
	&dev_attr_name.attr,
	&dev_attr_node.attr,
	&dev_attr_opens.attr,
	&dev_attr_holders.attr,
	&dev_attr_contiguous.attr,
	&dev_attr_dma_device.attr,
	&dev_attr_dma_maps.attr,
	&dev_attr_exports.attr,
	&dev_attr_phys_addr.attr,
	NULL,
};

/* phys_addr only where there is one block to point at. */
static umode_t mapper_attr_visible(struct kobject *kobj, struct attribute *attr, int n)
{
	struct mapper_dev *md = to_mapper_dev(kobj_to_dev(kobj));

	if (attr == &dev_attr_phys_addr.attr && !md->buf->contiguous)
		return 0;
	return attr->mode;
}

static const struct attribute_group mapper_group = {
	.attrs = mapper_attrs,
	.is_visible = mapper_attr_visible,
};

const struct attribute_group *mapper_groups[] = {
	&mapper_group,
	NULL,
};

static ssize_t total_bytes_show(MAPPER_CLASS_CONST struct class *class,
				MAPPER_CLASS_CONST struct class_attribute *attr, char *page)
{
	return sysfs_emit(page, "%llu\n", (u64)mapper_total_pages() << PAGE_SHIFT);
}

static ssize_t limit_bytes_show(MAPPER_CLASS_CONST struct class *class,
				MAPPER_CLASS_CONST struct class_attribute *attr, char *page)
{
	return sysfs_emit(page, "%llu\n", (u64)mapper_limit_pages() << PAGE_SHIFT);
}

/* 1 if contiguous buffers can come from the kernel's CMA area (buffer.c). */
static ssize_t cma_show(MAPPER_CLASS_CONST struct class *class,
			MAPPER_CLASS_CONST struct class_attribute *attr, char *page)
{
	return sysfs_emit(page, "%d\n", mapper_cma_usable());
}

static CLASS_ATTR_RO(total_bytes);
static CLASS_ATTR_RO(limit_bytes);
static CLASS_ATTR_RO(cma);

static const struct class_attribute *const mapper_class_attrs[] = {
	&class_attr_total_bytes,
	&class_attr_limit_bytes,
	&class_attr_cma,
};

int mapper_class_files_create(void)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < ARRAY_SIZE(mapper_class_attrs) && !ret; i++)
		ret = class_create_file(mapper_class, mapper_class_attrs[i]);
	if (ret)
		while (--i)
			class_remove_file(mapper_class, mapper_class_attrs[i - 1]);
	return ret;
}

void mapper_class_files_remove(void)
{
	unsigned int i = ARRAY_SIZE(mapper_class_attrs);

	while (i--)
		class_remove_file(mapper_class, mapper_class_attrs[i]);
}
