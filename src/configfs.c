// SPDX-License-Identifier: GPL-2.0
/*
 * Buffers created at run time, the kernel's way for user-made objects with
 * attributes (as USB gadgets and NVMe targets are):
 *
 *	# mkdir /sys/kernel/config/mapper/frames
 *	# echo 1G > /sys/kernel/config/mapper/frames/size
 *	# echo 0 > /sys/kernel/config/mapper/frames/node
 *	# echo 1 > /sys/kernel/config/mapper/frames/enable
 *	# cat /sys/kernel/config/mapper/frames/index		(/dev/mapper3)
 *	3
 *	# echo 0 > /sys/kernel/config/mapper/frames/enable	(EBUSY while used)
 *	# rmdir /sys/kernel/config/mapper/frames
 *
 * The directory's name is the buffer's. Writing 1 to "detach" instead
 * removes it lazily: the node goes at once, the memory with the last close,
 * munmap or mapper_put(). An enabled buffer depends on its item, so configfs
 * itself refuses its rmdir (EBUSY): rmdir cannot fail any other way, and a
 * buffer must never vanish under its users. Each item pins the module.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/configfs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/numa.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "internal.h"

/* A buffer as described, and its device while enabled. */
struct mapper_cfg {
	struct config_item item;
	struct mutex lock;		/* the fields below */
	unsigned long long size;
	int node;
	bool fallback;
	enum mapper_cache cache;
	bool contiguous;
	char dma_device[MAPPER_DMA_DEVICE_MAX + 1];	/* empty for none */
	struct mapper_dev *md;		/* with a reference, while enabled */
};

static struct configfs_subsystem mapper_subsys;
/* mkdir waits for the end of a load that may still fail (core.c). */
static bool mapper_cfg_ready;

static struct mapper_cfg *to_mapper_cfg(struct config_item *item)
{
	return container_of(item, struct mapper_cfg, item);
}

/* Everything here changes kernel memory: never for a mere owner of the files. */
static int mapper_cfg_allowed(void)
{
	return capable(CAP_SYS_ADMIN) ? 0 : -EPERM;
}

static ssize_t mapper_cfg_size_show(struct config_item *item, char *page)
{
	return sprintf(page, "%llu\n", to_mapper_cfg(item)->size);
}

/* Describing attributes: fixed once the buffer exists. */
static ssize_t mapper_cfg_set(struct config_item *item, const char *page,
			      size_t count, int (*set)(struct mapper_cfg *, const char *))
{
	struct mapper_cfg *cfg = to_mapper_cfg(item);
	int ret = mapper_cfg_allowed();

	if (ret)
		return ret;
	mutex_lock(&cfg->lock);
	if (cfg->md) {
		pr_info("%s: disable the buffer (enable = 0) to change it\n",
			config_item_name(item));
		ret = -EBUSY;
	} else {
		ret = set(cfg, page);
	}
	mutex_unlock(&cfg->lock);
	return ret ? ret : count;
}

static int mapper_cfg_set_size(struct mapper_cfg *cfg, const char *page)
{
	return mapper_parse_size(page, &cfg->size);
}

static ssize_t mapper_cfg_size_store(struct config_item *item, const char *page,
				     size_t count)
{
	return mapper_cfg_set(item, page, count, mapper_cfg_set_size);
}

static ssize_t mapper_cfg_node_show(struct config_item *item, char *page)
{
	return sprintf(page, "%d\n", to_mapper_cfg(item)->node);
}

/* Checked here for an early answer; again at enable, as nodes come and go. */
static int mapper_cfg_set_node(struct mapper_cfg *cfg, const char *page)
{
	int node;
	int ret = kstrtoint(page, 0, &node) ? -EINVAL : 0;

	if (ret)
		return ret;
	ret = mapper_node_check(config_item_name(&cfg->item), node);
	if (!ret)
		cfg->node = node;
	return ret;
}

static ssize_t mapper_cfg_node_store(struct config_item *item, const char *page,
				     size_t count)
{
	return mapper_cfg_set(item, page, count, mapper_cfg_set_node);
}

static ssize_t mapper_cfg_node_fallback_show(struct config_item *item, char *page)
{
	return sprintf(page, "%d\n", to_mapper_cfg(item)->fallback);
}

static int mapper_cfg_set_fallback(struct mapper_cfg *cfg, const char *page)
{
	return kstrtobool(page, &cfg->fallback);
}

static ssize_t mapper_cfg_node_fallback_store(struct config_item *item,
					      const char *page, size_t count)
{
	return mapper_cfg_set(item, page, count, mapper_cfg_set_fallback);
}

static ssize_t mapper_cfg_cache_show(struct config_item *item, char *page)
{
	struct mapper_cfg *cfg = to_mapper_cfg(item);
	const char *name = mapper_cache_names[cfg->cache];

	mutex_lock(&cfg->lock);
	if (cfg->md) {
		struct mapper_buf *buf = cfg->md->buf;

		/* As sysfs shows it, which can change it too. */
		mutex_lock(&buf->vmap_lock);
		name = buf->cache_unknown ? "unknown" : mapper_cache_names[buf->cache];
		mutex_unlock(&buf->vmap_lock);
	}
	mutex_unlock(&cfg->lock);
	return sprintf(page, "%s\n", name);
}

/* Before enable, the mode to create; after, a change as sysfs "cache" makes. */
static ssize_t mapper_cfg_cache_store(struct config_item *item, const char *page,
				      size_t count)
{
	struct mapper_cfg *cfg = to_mapper_cfg(item);
	int mode = __sysfs_match_string(mapper_cache_names, -1, page);
	int ret = mapper_cfg_allowed();

	if (ret)
		return ret;
	if (mode < 0)
		return -EINVAL;
	if (mode != MAPPER_CACHE_CACHED && !mapper_cache_supported()) {
		pr_info("%s: cache=%s: only cached on this kernel\n",
			config_item_name(item), mapper_cache_names[mode]);
		return -EOPNOTSUPP;
	}
	mutex_lock(&cfg->lock);
	if (cfg->md) {
		struct mapper_buf *buf = cfg->md->buf;

		down_write(&buf->copy_sem);
		mutex_lock(&buf->vmap_lock);
		ret = mapper_buf_set_cache(buf, mode);
		mutex_unlock(&buf->vmap_lock);
		up_write(&buf->copy_sem);
	}
	if (!ret)
		cfg->cache = mode;
	mutex_unlock(&cfg->lock);
	return ret ? ret : count;
}

static ssize_t mapper_cfg_contiguous_show(struct config_item *item, char *page)
{
	return sprintf(page, "%d\n", to_mapper_cfg(item)->contiguous);
}

static int mapper_cfg_set_contiguous(struct mapper_cfg *cfg, const char *page)
{
	return kstrtobool(page, &cfg->contiguous);
}

static ssize_t mapper_cfg_contiguous_store(struct config_item *item, const char *page,
					   size_t count)
{
	return mapper_cfg_set(item, page, count, mapper_cfg_set_contiguous);
}

static ssize_t mapper_cfg_dma_device_show(struct config_item *item, char *page)
{
	struct mapper_cfg *cfg = to_mapper_cfg(item);
	ssize_t n;

	mutex_lock(&cfg->lock);
	n = sprintf(page, "%s\n", cfg->dma_device);
	mutex_unlock(&cfg->lock);
	return n;
}

/* A name as in /sys/bus/BUS/devices; looked up at enable, as devices come and go. */
static int mapper_cfg_set_dma_device(struct mapper_cfg *cfg, const char *page)
{
	size_t len = strcspn(page, "\n");

	if (len > MAPPER_DMA_DEVICE_MAX || memchr(page, '/', len)) {
		pr_err("%s: dma_device: a device name as in /sys/bus/*/devices, up to %d characters\n",
		       config_item_name(&cfg->item), MAPPER_DMA_DEVICE_MAX);
		return -EINVAL;
	}
	memcpy(cfg->dma_device, page, len);
	cfg->dma_device[len] = '\0';
	return 0;
}

static ssize_t mapper_cfg_dma_device_store(struct config_item *item, const char *page,
					   size_t count)
{
	return mapper_cfg_set(item, page, count, mapper_cfg_set_dma_device);
}

static ssize_t mapper_cfg_enable_show(struct config_item *item, char *page)
{
	return sprintf(page, "%d\n", !!READ_ONCE(to_mapper_cfg(item)->md));
}

static int mapper_cfg_enable(struct mapper_cfg *cfg)
{
	const char *name = config_item_name(&cfg->item);
	struct mapper_spec spec = {
		.name = name,
		.index = -1,
		.size = cfg->size,
		.node = cfg->node,
		.cache = cfg->cache,
		.flags = MAPPER_BUF_ACCOUNT | (cfg->fallback ? MAPPER_BUF_FALLBACK : 0) |
			 (cfg->contiguous ? MAPPER_BUF_CONTIG : 0),
		.dma_device = cfg->dma_device[0] ? cfg->dma_device : NULL,
	};
	struct mapper_dev *md;
	int ret;

	if (!cfg->size || cfg->size > SIZE_MAX - PAGE_SIZE) {
		pr_err("%s: size %llu: set a size (bytes, K, M or G) first\n",
		       name, cfg->size);
		return -EINVAL;
	}
	/* rmdir is refused from here on: see the top of this file. */
	ret = configfs_depend_item_unlocked(&mapper_subsys, &cfg->item);
	if (ret)
		return ret;
	md = mapper_dev_create(&spec);
	if (IS_ERR(md)) {
		configfs_undepend_item(&cfg->item);
		return PTR_ERR(md);
	}
	cfg->md = md;
	return 0;
}

static int mapper_cfg_remove(struct mapper_cfg *cfg, bool lazy)
{
	struct mapper_buf *buf = cfg->md->buf;
	int ret;

	/* The mode it had, sysfs changes included, for the next enable. */
	mutex_lock(&buf->vmap_lock);
	if (!buf->cache_unknown)
		cfg->cache = buf->cache;
	mutex_unlock(&buf->vmap_lock);
	ret = mapper_dev_remove(cfg->md, lazy);
	if (ret)
		return ret;
	put_device(&cfg->md->dev);
	cfg->md = NULL;
	configfs_undepend_item(&cfg->item);
	return 0;
}

static ssize_t mapper_cfg_enable_store(struct config_item *item, const char *page,
				       size_t count)
{
	struct mapper_cfg *cfg = to_mapper_cfg(item);
	bool enable;
	int ret = mapper_cfg_allowed();

	if (ret)
		return ret;
	ret = kstrtobool(page, &enable);
	if (ret)
		return ret;
	mutex_lock(&cfg->lock);
	if (enable)
		ret = cfg->md ? -EBUSY : mapper_cfg_enable(cfg);
	else if (cfg->md)
		ret = mapper_cfg_remove(cfg, false);
	mutex_unlock(&cfg->lock);
	return ret ? ret : count;
}

static ssize_t mapper_cfg_detach_store(struct config_item *item, const char *page,
				       size_t count)
{
	struct mapper_cfg *cfg = to_mapper_cfg(item);
	bool detach;
	int ret = mapper_cfg_allowed();

	if (ret)
		return ret;
	ret = kstrtobool(page, &detach);
	if (ret || !detach)
		return ret ? ret : -EINVAL;
	mutex_lock(&cfg->lock);
	ret = cfg->md ? mapper_cfg_remove(cfg, true) : -EINVAL;
	mutex_unlock(&cfg->lock);
	return ret ? ret : count;
}

static ssize_t mapper_cfg_index_show(struct config_item *item, char *page)
{
	struct mapper_cfg *cfg = to_mapper_cfg(item);
	int index;

	mutex_lock(&cfg->lock);
	index = cfg->md ? (int)cfg->md->index : -1;
	mutex_unlock(&cfg->lock);
	return sprintf(page, "%d\n", index);
}

CONFIGFS_ATTR(mapper_cfg_, size);
CONFIGFS_ATTR(mapper_cfg_, node);
CONFIGFS_ATTR(mapper_cfg_, node_fallback);
CONFIGFS_ATTR(mapper_cfg_, cache);
CONFIGFS_ATTR(mapper_cfg_, contiguous);
CONFIGFS_ATTR(mapper_cfg_, dma_device);
CONFIGFS_ATTR(mapper_cfg_, enable);
CONFIGFS_ATTR_WO(mapper_cfg_, detach);
CONFIGFS_ATTR_RO(mapper_cfg_, index);

static struct configfs_attribute *mapper_cfg_attrs[] = {
	&mapper_cfg_attr_size,
	&mapper_cfg_attr_node,
	&mapper_cfg_attr_node_fallback,
	&mapper_cfg_attr_cache,
	&mapper_cfg_attr_contiguous,
	&mapper_cfg_attr_dma_device,
	&mapper_cfg_attr_enable,
	&mapper_cfg_attr_detach,
	&mapper_cfg_attr_index,
	NULL,
};

/* The item's last reference: rmdir succeeded, so nothing is enabled. */
static void mapper_cfg_release(struct config_item *item)
{
	struct mapper_cfg *cfg = to_mapper_cfg(item);

	mutex_destroy(&cfg->lock);
	kfree(cfg);
}

static struct configfs_item_operations mapper_cfg_ops = {
	.release = mapper_cfg_release,
};

static const struct config_item_type mapper_cfg_type = {
	.ct_item_ops = &mapper_cfg_ops,
	.ct_attrs = mapper_cfg_attrs,
	.ct_owner = THIS_MODULE,
};

static struct config_item *mapper_cfg_make(struct config_group *group,
					   const char *name)
{
	struct mapper_cfg *cfg;
	int index, ret = mapper_cfg_allowed();

	if (ret)
		return ERR_PTR(ret);
	/* Pairs with mapper_configfs_ready(): a finished load. */
	if (!smp_load_acquire(&mapper_cfg_ready))
		return ERR_PTR(-EAGAIN);
	if (mapper_name_check(name, &index)) {
		pr_err("mkdir %s: a name is 1 to %d of a-z, 0-9, _ and -, and mapperN only for /dev/mapperN\n",
		       name, MAPPER_NAME_MAX);
		return ERR_PTR(-EINVAL);
	}
	if (mapper_name_live(name)) {
		pr_err("mkdir %s: a buffer of that name exists (made when mapper was loaded)\n",
		       name);
		return ERR_PTR(-EEXIST);
	}
	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		return ERR_PTR(-ENOMEM);
	mutex_init(&cfg->lock);
	cfg->node = NUMA_NO_NODE;
	cfg->cache = MAPPER_CACHE_CACHED;
	config_item_init_type_name(&cfg->item, name, &mapper_cfg_type);
	return &cfg->item;
}

static struct configfs_group_operations mapper_root_ops = {
	.make_item = mapper_cfg_make,
};

static const struct config_item_type mapper_root_type = {
	.ct_group_ops = &mapper_root_ops,
	.ct_owner = THIS_MODULE,
};

static struct configfs_subsystem mapper_subsys = {
	.su_group = {
		.cg_item = {
			.ci_namebuf = "mapper",
			.ci_type = &mapper_root_type,
		},
	},
};

int mapper_configfs_init(void)
{
	config_group_init(&mapper_subsys.su_group);
	mutex_init(&mapper_subsys.su_mutex);
	return configfs_register_subsystem(&mapper_subsys);
}

void mapper_configfs_ready(void)
{
	/* Everything the load made, before the first mkdir sees it done. */
	smp_store_release(&mapper_cfg_ready, true);
}

void mapper_configfs_exit(void)
{
	configfs_unregister_subsystem(&mapper_subsys);
}
