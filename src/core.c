// SPDX-License-Identifier: GPL-2.0
/*
 * mapper: zeroed kernel buffers that user space maps, reads and writes
 * through /dev/mapper0, /dev/mapper1, ...
 *
 *	# modprobe mapper devices=2 size=64M
 *	$ ls -l /dev/mapper0 /dev/mapper1
 *	$ cat /sys/class/mapper/mapper0/size
 *	67108864
 *
 *	int fd = open("/dev/mapper0", O_RDWR);
 *	char *p = mmap(NULL, 64 << 20, PROT_READ | PROT_WRITE,
 *		       MAP_SHARED, fd, 0);
 *
 * Every MAP_SHARED mapping, read() and write() see the same bytes at once;
 * MAP_PRIVATE mappings are copy-on-write. See mapper(4).
 *
 * This file holds the module's parameters and the device core: the class,
 * the character device region and one struct mapper_dev per buffer.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "compat.h"
#include "internal.h"
#include "version.h"

#define MAPPER_MAX_DEVICES	256

static unsigned int devices = 1;

/* EINVAL for an overflowing number too (kstrtouint says ERANGE), as for size=. */
static int mapper_devices_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint(val, kp) ? -EINVAL : 0;
}

static const struct kernel_param_ops mapper_devices_ops = {
	.set = mapper_devices_set,
	.get = param_get_uint,
};
module_param_cb(devices, &mapper_devices_ops, &devices, 0444);
__MODULE_PARM_TYPE(devices, "uint");
MODULE_PARM_DESC(devices, "number of buffers, /dev/mapper0 and up (1-256, default 1)");

static unsigned long long size = SZ_1M;

/* Bytes with an optional K, M or G suffix; "0x" hex too. Strict: "1K" is 1024. */
static int mapper_size_set(const char *val, const struct kernel_param *kp)
{
	char num[32];
	unsigned int shift = 0;
	unsigned long long v;
	size_t len;

	len = strscpy(num, val, sizeof(num)) < 0 ? 0 : strlen(num);
	if (len && num[len - 1] == '\n')
		num[--len] = '\0';
	if (!len)
		return -EINVAL;
	switch (num[len - 1]) {
	case 'k': case 'K':
		shift = 10;
		break;
	case 'm': case 'M':
		shift = 20;
		break;
	case 'g': case 'G':
		shift = 30;
		break;
	}
	if (shift)
		num[--len] = '\0';
	/* EINVAL for overflow too: one answer for every unusable value. */
	if (kstrtoull(num, 0, &v) || v > (ULLONG_MAX >> shift))
		return -EINVAL;
	*(unsigned long long *)kp->arg = v << shift;
	return 0;
}

static const struct kernel_param_ops mapper_size_ops = {
	.set = mapper_size_set,
	.get = param_get_ullong,
};
module_param_cb(size, &mapper_size_ops, &size, 0444);
MODULE_PARM_DESC(size, "bytes per buffer, K/M/G suffixes, rounded up to pages (default 1M)");

/* The cache mode every device starts in; sysfs "cache" changes one device. */
static int cache_mode = MAPPER_CACHE_CACHED;

static int mapper_cache_set(const char *val, const struct kernel_param *kp)
{
	int mode = __sysfs_match_string(mapper_cache_names, -1, val);

	if (mode < 0)
		return -EINVAL;
	*(int *)kp->arg = mode;
	return 0;
}

static int mapper_cache_get(char *buffer, const struct kernel_param *kp)
{
	return scnprintf(buffer, PAGE_SIZE, "%s\n", mapper_cache_names[*(int *)kp->arg]);
}

static const struct kernel_param_ops mapper_cache_ops = {
	.set = mapper_cache_set,
	.get = mapper_cache_get,
};
module_param_cb(cache, &mapper_cache_ops, &cache_mode, 0444);
MODULE_PARM_DESC(cache, "cached (default), wc (write-combined) or uc (uncached); x86 only for wc/uc");

static dev_t mapper_devt;
static struct cdev *mapper_cdev;
static struct class *mapper_class;
static struct mapper_dev **mapper_devs;

/*
 * For open() and the in-kernel API. mapper_devs[] is complete before the
 * character device can be opened and stays so until it is gone: open() only
 * works between cdev_add() at the end of a successful load and cdev_del() at
 * unload, and kernel holders pin the module.
 */
struct mapper_dev *mapper_dev_lookup(unsigned int index)
{
	return index < devices ? mapper_devs[index] : NULL;
}

static void mapper_dev_release(struct device *dev)
{
	struct mapper_dev *md = to_mapper_dev(dev);

	if (md->buf)
		mapper_buf_put(md->buf);
	kfree(md);
}

/* A buffer and its device, prepared but not registered: nothing is visible yet. */
static struct mapper_dev *mapper_dev_prepare(unsigned int index, size_t bytes)
{
	struct mapper_dev *md;
	int ret;

	md = kzalloc(sizeof(*md), GFP_KERNEL);
	if (!md)
		return ERR_PTR(-ENOMEM);
	md->index = index;
	device_initialize(&md->dev);
	md->dev.devt = MKDEV(MAJOR(mapper_devt), index);
	md->dev.class = mapper_class;
	md->dev.groups = mapper_groups;
	md->dev.release = mapper_dev_release;
	/* From here on put_device() frees md and its buffer. */
	ret = dev_set_name(&md->dev, "mapper%u", index);
	if (ret)
		goto err;

	md->buf = mapper_buf_alloc(bytes);
	if (IS_ERR(md->buf)) {
		ret = PTR_ERR(md->buf);
		md->buf = NULL;
		goto err;
	}
	if (cache_mode != MAPPER_CACHE_CACHED) {
		mutex_lock(&md->buf->vmap_lock);
		ret = mapper_buf_set_cache(md->buf, cache_mode);
		mutex_unlock(&md->buf->vmap_lock);
		if (ret)
			goto err;
	}
	/* udev hears of the device only once it can be opened (mapper_init). */
	dev_set_uevent_suppress(&md->dev, true);
	return md;

err:
	put_device(&md->dev);
	return ERR_PTR(ret);
}

/*
 * Undoes mapper_init() for the @added first devices and frees all of them.
 * No file is open (the load failed, or the module is going away), so each
 * buffer goes now, whenever the last device reference may go: its inode
 * must be gone before the internal mount is.
 */
static void mapper_destroy_all(unsigned int added)
{
	unsigned int i;

	for (i = 0; i < devices && mapper_devs[i]; i++) {
		struct mapper_dev *md = mapper_devs[i];

		if (i < added)
			device_del(&md->dev);
		if (md->buf)
			mapper_buf_put(md->buf);
		md->buf = NULL;
		put_device(&md->dev);
	}
	kfree(mapper_devs);
}

/* Refuse what cannot work before anything is allocated. */
static int mapper_check_params(size_t *bytes)
{
	/* Not DIV_ROUND_UP_ULL(): size + PAGE_SIZE - 1 wraps to 0 pages near 2^64. */
	unsigned long long pages = (size >> PAGE_SHIFT) + !!(size & (PAGE_SIZE - 1));
	unsigned long long total;
	unsigned long avail;

	if (!devices || devices > MAPPER_MAX_DEVICES) {
		pr_err("devices=%u: must be 1 to %u\n", devices, MAPPER_MAX_DEVICES);
		return -EINVAL;
	}
	if (!size) {
		pr_err("size=0: a buffer needs at least one byte\n");
		return -EINVAL;
	}
	/*
	 * Three quarters of RAM at most, for all buffers together: a 1 GiB
	 * buffer fits in a machine with 2 GiB, and the system keeps the rest.
	 */
	if (check_mul_overflow(pages, (unsigned long long)devices, &total) ||
	    total > totalram_pages() / 4 * 3) {
		pr_err("devices=%u size=%llu: more than 3/4 of the %lu MiB of RAM\n",
		       devices, size, totalram_pages() >> (20 - PAGE_SHIFT));
		return -EINVAL;
	}
	/*
	 * And no more than the memory available now (MemAvailable: free
	 * memory plus what reclaim can give back without swapping), so that a
	 * load on a busy machine fails instead of pushing it into the OOM
	 * killer. The allocation itself never calls the OOM killer either
	 * (buffer.c): memory taken by others meanwhile makes it fail too.
	 */
	avail = si_mem_available();
	/* 1/256 more: the page array, and page tables of a cache mode change. */
	if (total + (total >> 8) > avail) {
		pr_err("devices=%u size=%llu: %llu MiB wanted, only %lu MiB available\n",
		       devices, size, total >> (20 - PAGE_SHIFT), avail >> (20 - PAGE_SHIFT));
		return -ENOMEM;
	}
	if (cache_mode != MAPPER_CACHE_CACHED && !mapper_cache_supported()) {
		pr_err("cache=%s: only cache=cached on this kernel\n",
		       mapper_cache_names[cache_mode]);
		return -EINVAL;
	}
	*bytes = pages << PAGE_SHIFT;
	return 0;
}

/*
 * Everything that can fail comes before anything can be opened: buffers,
 * devices and sysfs first, the character device last. A load that fails
 * therefore never leaves an open file behind on a module that is going away.
 */
static int __init mapper_init(void)
{
	unsigned int i, added = 0;
	size_t bytes;
	int ret;

	ret = mapper_check_params(&bytes);
	if (ret)
		return ret;

	ret = alloc_chrdev_region(&mapper_devt, 0, devices, "mapper");
	if (ret) {
		pr_err("cannot allocate device numbers: %d\n", ret);
		return ret;
	}
	ret = mapper_inode_init();
	if (ret) {
		pr_err("cannot mount the buffers' inode file system: %d\n", ret);
		goto err_region;
	}
	mapper_class = mapper_class_create("mapper");
	if (IS_ERR(mapper_class)) {
		ret = PTR_ERR(mapper_class);
		pr_err("cannot create class mapper: %d\n", ret);
		goto err_inode;
	}
	mapper_cdev = cdev_alloc();
	mapper_devs = kcalloc(devices, sizeof(*mapper_devs), GFP_KERNEL);
	if (!mapper_cdev || !mapper_devs) {
		ret = -ENOMEM;
		goto err_devs;
	}
	mapper_cdev->owner = THIS_MODULE;
	mapper_cdev->ops = &mapper_fops;

	for (i = 0; i < devices; i++) {
		struct mapper_dev *md = mapper_dev_prepare(i, bytes);

		if (IS_ERR(md)) {
			ret = PTR_ERR(md);
			pr_err("cannot create mapper%u (%zu bytes): %d\n", i, bytes, ret);
			goto err_devs;
		}
		mapper_devs[i] = md;
	}
	/* Visible in sysfs and devtmpfs from here, but not yet openable (ENXIO). */
	for (; added < devices; added++) {
		ret = device_add(&mapper_devs[added]->dev);
		if (ret) {
			pr_err("cannot add mapper%u: %d\n", added, ret);
			goto err_devs;
		}
	}
	ret = cdev_add(mapper_cdev, mapper_devt, devices);
	if (ret) {
		pr_err("cannot add the character device: %d\n", ret);
		goto err_devs;
	}

	for (i = 0; i < devices; i++) {
		struct device *dev = &mapper_devs[i]->dev;

		dev_set_uevent_suppress(dev, false);
		if (kobject_uevent(&dev->kobj, KOBJ_ADD))
			dev_warn(dev, "udev was not told of the device: its node keeps the default owner and mode\n");
	}
	pr_info("%u device%s of %zu bytes\n", devices, devices == 1 ? "" : "s", bytes);
	return 0;

err_devs:
	if (mapper_devs)
		mapper_destroy_all(added);
	if (mapper_cdev)
		kobject_put(&mapper_cdev->kobj);
	class_destroy(mapper_class);
err_inode:
	mapper_inode_exit();
err_region:
	unregister_chrdev_region(mapper_devt, devices);
	return ret;
}

static void __exit mapper_exit(void)
{
	cdev_del(mapper_cdev);
	mapper_destroy_all(devices);
	class_destroy(mapper_class);
	mapper_inode_exit();
	unregister_chrdev_region(mapper_devt, devices);
}

module_init(mapper_init);
module_exit(mapper_exit);

MODULE_DESCRIPTION("Zero-copy kernel buffers for user space through mmap()");
MODULE_AUTHOR("The mapper developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(MAPPER_VERSION);
