// SPDX-License-Identifier: GPL-2.0
/* Read-only attributes of /sys/class/mapper/mapperN. */
#include <linux/device.h>
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

static struct attribute *mapper_attrs[] = {
	&dev_attr_size.attr,
	&dev_attr_maps.attr,
	NULL,
};

static const struct attribute_group mapper_group = {
	.attrs = mapper_attrs,
};

const struct attribute_group *mapper_groups[] = {
	&mapper_group,
	NULL,
};
