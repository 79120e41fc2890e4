// SPDX-License-Identifier: GPL-2.0
/* 6.4 made the class and attribute of a class attribute's show() const. */
#include <linux/device.h>

static ssize_t probe_show(const struct class *class,
			  const struct class_attribute *attr, char *buf)
{
	return 0;
}

struct class_attribute mapper_probe_attr = __ATTR(probe, 0444, probe_show, NULL);
