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
 * This file holds the module's parameters, the class and the character
 * device (one cdev for every minor); device.c makes the devices, configfs.c
 * the buffers made at run time.
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
#include <linux/numa.h>
#include <linux/overflow.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "compat.h"
#include "internal.h"
#include "version.h"

/* Per-buffer lists of the parameters: longer setups belong in mapper.conf(5). */
#define MAPPER_PARAM_MAX	64

/* -1 until set: then the length of the longest list, or 1. */
static int devices = -1;

/* EINVAL for an overflowing number too (kstrtouint says ERANGE), as for size=. */
static int mapper_devices_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;

	if (kstrtouint(val, 0, &n) || n > MAPPER_MINORS)
		return -EINVAL;
	*(int *)kp->arg = n;
	return 0;
}

static const struct kernel_param_ops mapper_devices_ops = {
	.set = mapper_devices_set,
	.get = param_get_int,
};
module_param_cb(devices, &mapper_devices_ops, &devices, 0444);
__MODULE_PARM_TYPE(devices, "uint");
MODULE_PARM_DESC(devices, "number of buffers made at load, /dev/mapper0 and up (default 1, or as many as a list below names; 0 for none)");

/* Bytes with an optional K, M or G suffix; "0x" hex too. Strict: "1K" is 1024. */
int mapper_parse_size(const char *val, unsigned long long *size)
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
	*size = v << shift;
	return 0;
}

static int mapper_size_set(const char *val, const struct kernel_param *kp)
{
	return mapper_parse_size(val, kp->arg);
}

static const struct kernel_param_ops param_ops_mapper_size = {
	.set = mapper_size_set,
	.get = param_get_ullong,
};

#define param_check_mapper_size(name, p)	__param_check(name, p, unsigned long long)

static unsigned long long sizes[MAPPER_PARAM_MAX] = { SZ_1M };
static unsigned int nr_sizes;
module_param_array_named(size, sizes, mapper_size, &nr_sizes, 0444);
MODULE_PARM_DESC(size, "bytes per buffer, K/M/G suffixes, rounded up to pages (default 1M); a list (4M,1G) gives each its own, the last one the rest");

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

static const struct kernel_param_ops param_ops_mapper_cache = {
	.set = mapper_cache_set,
	.get = mapper_cache_get,
};

#define param_check_mapper_cache(name, p)	__param_check(name, p, int)

/* The mode each device starts in; sysfs "cache" changes one device. */
static int caches[MAPPER_PARAM_MAX];
static unsigned int nr_caches;
module_param_array_named(cache, caches, mapper_cache, &nr_caches, 0444);
MODULE_PARM_DESC(cache, "cached (default), wc (write-combined) or uc (uncached), a list as for size; x86 only for wc/uc");

static char *names[MAPPER_PARAM_MAX];
static unsigned int nr_names;
module_param_array_named(name, names, charp, &nr_names, 0444);
MODULE_PARM_DESC(name, "names of the buffers, a list (default mapperN); a-z, 0-9, _ and -, up to 31 characters");

/* EINVAL for an overflowing number too, as for devices=. */
static int mapper_node_set(const char *val, const struct kernel_param *kp)
{
	return kstrtoint(val, 0, kp->arg) ? -EINVAL : 0;
}

static const struct kernel_param_ops param_ops_mapper_node = {
	.set = mapper_node_set,
	.get = param_get_int,
};

#define param_check_mapper_node(name, p)	__param_check(name, p, int)

static int nodes[MAPPER_PARAM_MAX] = { NUMA_NO_NODE };
static unsigned int nr_nodes;
module_param_array_named(node, nodes, mapper_node, &nr_nodes, 0444);
MODULE_PARM_DESC(node, "NUMA node of each buffer's memory, a list as for size (default -1: any)");

/* Only ever lower than the built-in 3/4 of RAM. */
static int mapper_max_total_set(const char *val, const struct kernel_param *kp)
{
	unsigned long long v;

	if (mapper_parse_size(val, &v))
		return -EINVAL;
	if (v && v < PAGE_SIZE) {
		pr_err("max_total=%llu: less than a page (0 for the default)\n", v);
		return -EINVAL;
	}
	if (v > ((unsigned long long)totalram_pages() / 4 * 3) << PAGE_SHIFT) {
		pr_err("max_total=%llu: more than 3/4 of RAM, which is the limit already\n", v);
		return -EINVAL;
	}
	WRITE_ONCE(*(unsigned long long *)kp->arg, v);
	return 0;
}

static const struct kernel_param_ops mapper_max_total_ops = {
	.set = mapper_max_total_set,
	.get = param_get_ullong,
};
module_param_cb(max_total, &mapper_max_total_ops, &mapper_max_total, 0644);
MODULE_PARM_DESC(max_total, "bytes all buffers may hold together, K/M/G suffixes (default 0: 3/4 of RAM)");

dev_t mapper_devt;
struct class *mapper_class;
static struct cdev *mapper_cdev;
static struct mapper_dev **mapper_devs;	/* those made at load, devices of them */

/*
 * The entry of a list of @n for buffer @i: the last one repeats, and entry 0
 * holds the default while the list is not given.
 */
static unsigned int mapper_entry(unsigned int i, unsigned int n)
{
	return n ? min(i, n - 1) : 0;
}

/* Refuse what cannot work before anything is allocated. */
static int mapper_check_params(void)
{
	unsigned int longest = max3(nr_sizes, nr_caches, max(nr_names, nr_nodes));
	unsigned long long total = 0;
	unsigned int i;

	if (devices < 0)
		devices = longest ? longest : 1;
	if (longest > devices) {
		pr_err("devices=%d: fewer than the %u buffers a list of size=, cache=, name= or node= describes\n",
		       devices, longest);
		return -EINVAL;
	}
	for (i = 0; i < devices; i++) {
		unsigned long long size = sizes[mapper_entry(i, nr_sizes)];
		int cache = caches[mapper_entry(i, nr_caches)];
		/* Not DIV_ROUND_UP_ULL(): size + PAGE_SIZE - 1 wraps to 0 pages near 2^64. */
		unsigned long long pages = (size >> PAGE_SHIFT) + !!(size & (PAGE_SIZE - 1));

		if (!size) {
			pr_err("size=0: a buffer needs at least one byte\n");
			return -EINVAL;
		}
		if (cache != MAPPER_CACHE_CACHED && !mapper_cache_supported()) {
			pr_err("cache=%s: only cache=cached on this kernel\n",
			       mapper_cache_names[cache]);
			return -EINVAL;
		}
		/* 3/4 of RAM for all together; mapper_buf_alloc() checks again. */
		if (check_add_overflow(total, pages, &total) ||
		    total > mapper_limit_pages()) {
			pr_err("devices=%d size=%llu: more than 3/4 of the %lu MiB of RAM (or max_total=)\n",
			       devices, size, totalram_pages() >> (20 - PAGE_SHIFT));
			return -EINVAL;
		}
		/* On 32 bits RAM can exceed the address space (PAE, LPAE). */
		if (size > SIZE_MAX - PAGE_SIZE + 1) {
			pr_err("size=%llu: more than this kernel can map\n", size);
			return -EINVAL;
		}
	}
	return 0;
}

/* Undoes the @n first devices of a load; nothing can hold them any more. */
static void mapper_destroy_all(unsigned int n)
{
	while (n--)
		mapper_dev_destroy(mapper_devs[n]);
	kvfree(mapper_devs);
}

/*
 * Everything that can fail comes before anything can be opened: buffers,
 * devices and sysfs first, the character device (all minors, one cdev) last.
 * A load that fails therefore never leaves an open file behind on a module
 * that is going away.
 */
static int __init mapper_init(void)
{
	unsigned int i, made = 0;
	int ret;

	ret = mapper_check_params();
	if (ret)
		return ret;

	ret = alloc_chrdev_region(&mapper_devt, 0, MAPPER_MINORS, "mapper");
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
	ret = mapper_class_files_create();
	if (ret) {
		pr_err("cannot create the attributes of class mapper: %d\n", ret);
		goto err_class;
	}
	mapper_cdev = cdev_alloc();
	mapper_devs = kvcalloc(devices, sizeof(*mapper_devs), GFP_KERNEL);
	if (!mapper_cdev || (devices && !mapper_devs)) {
		ret = -ENOMEM;
		goto err_devs;
	}
	mapper_cdev->owner = THIS_MODULE;
	mapper_cdev->ops = &mapper_fops;

	for (; made < devices; made++) {
		struct mapper_spec spec = {
			.name = made < nr_names ? names[made] : NULL,
			.index = made,
			.size = sizes[mapper_entry(made, nr_sizes)],
			.node = nodes[mapper_entry(made, nr_nodes)],
			.cache = caches[mapper_entry(made, nr_caches)],
			.quiet = true,
		};
		struct mapper_dev *md = mapper_dev_create(&spec);

		/* Its one log line says why; a name given twice is a bad parameter. */
		if (IS_ERR(md)) {
			ret = PTR_ERR(md) == -EEXIST ? -EINVAL : PTR_ERR(md);
			goto err_devs;
		}
		mapper_devs[made] = md;
	}
	/* configfs answers mkdir only once the load cannot fail (below). */
	ret = mapper_configfs_init();
	if (ret) {
		pr_err("cannot register in configfs (/sys/kernel/config/mapper): %d\n", ret);
		goto err_devs;
	}
	/* Openable from here on: the last step that can fail. */
	ret = cdev_add(mapper_cdev, mapper_devt, MAPPER_MINORS);
	if (ret) {
		pr_err("cannot add the character device: %d\n", ret);
		goto err_configfs;
	}
	mapper_configfs_ready();
	mapper_debugfs_init();

	for (i = 0; i < devices; i++)
		mapper_dev_announce(mapper_devs[i]);
	pr_info("%d device%s of %llu bytes%s\n", devices, devices == 1 ? "" : "s",
		(u64)mapper_total_pages() << PAGE_SHIFT, devices > 1 ? " in all" : "");
	return 0;

err_configfs:
	mapper_configfs_exit();
err_devs:
	if (mapper_devs)
		mapper_destroy_all(made);
	if (mapper_cdev)
		kobject_put(&mapper_cdev->kobj);
	mapper_class_files_remove();
err_class:
	class_destroy(mapper_class);
err_inode:
	mapper_inode_exit();
err_region:
	unregister_chrdev_region(mapper_devt, MAPPER_MINORS);
	return ret;
}

/* Buffers made at run time pin the module: only the load's remain. */
static void __exit mapper_exit(void)
{
	mapper_debugfs_exit();
	mapper_configfs_exit();
	cdev_del(mapper_cdev);
	mapper_destroy_all(devices);
	mapper_dev_exit();
	mapper_class_files_remove();
	class_destroy(mapper_class);
	mapper_inode_exit();
	unregister_chrdev_region(mapper_devt, MAPPER_MINORS);
}

module_init(mapper_init);
module_exit(mapper_exit);

MODULE_DESCRIPTION("Zero-copy kernel buffers for user space through mmap()");
MODULE_AUTHOR("The mapper developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(MAPPER_VERSION);
