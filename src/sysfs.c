// SPDX-License-Identifier: GPL-2.0
/* Attributes of /sys/class/mapper/mapperN; cache is the one writable. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/string.h>
#include <linux/sysfs.h>

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
	mutex_lock(&buf->vmap_lock);
	ret = mapper_buf_set_cache(buf, mode);
	mutex_unlock(&buf->vmap_lock);
	return ret ? ret : count;
}
static DEVICE_ATTR_RW(cache);

static struct attribute *mapper_attrs[] = {
	&dev_attr_size.attr,
	&dev_attr_maps.attr,
	&dev_attr_cache.attr,
	NULL,
};

static const struct attribute_group mapper_group = {
	.attrs = mapper_attrs,
};

const struct attribute_group *mapper_groups[] = {
	&mapper_group,
	NULL,
};
