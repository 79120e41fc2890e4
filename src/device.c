// SPDX-License-Identifier: GPL-2.0
/*
 * The device core: one struct mapper_dev per buffer that has a node,
 * whoever created it (the module parameters at load, configfs at run time).
 *
 * mapper_lock guards which devices are live (registered: open(), the
 * in-kernel API and names find them) and their open and holder counts, so
 * that a removal sees every holder or none can appear: a strict removal
 * checks that nothing opens, maps or holds the buffer and takes it out of
 * the table in one step. Mappings need an open file to begin, and a VMA is
 * only ever copied from another (fork, split), so with no open file and no
 * mapping none can appear either.
 *
 * The lock is never held across device_add() or device_del(): sysfs readers
 * of the device, which device_del() waits for, may take it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/device.h>
#include <linux/idr.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/xarray.h>

#include "internal.h"

/* The live devices, their opens and holders: see above. */
DEFINE_MUTEX(mapper_lock);
static DEFINE_XARRAY(mapper_devs);	/* index -> live device */
static DEFINE_IDA(mapper_ida);		/* indexes in use, until the last put */

/*
 * [a-z0-9_-], 1 to 31 characters. "mapper" and decimal digits name the
 * buffer of that index (*index), so that /dev/mapper7 is always the buffer
 * called mapper7; -1 in *index for every other name.
 */
int mapper_name_check(const char *name, int *index)
{
	size_t len = strlen(name), i;
	unsigned int n;

	*index = -1;
	if (!len || len > MAPPER_NAME_MAX)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!islower(name[i]) && !isdigit(name[i]) &&
		    name[i] != '_' && name[i] != '-')
			return -EINVAL;
	if (strncmp(name, "mapper", 6) || !name[6] ||
	    strspn(name + 6, "0123456789") != len - 6)
		return 0;
	/* Digits only: canonical (no leading zero) and a possible index. */
	if ((name[6] == '0' && name[7]) || kstrtouint(name + 6, 10, &n) ||
	    n >= MAPPER_MINORS)
		return -EINVAL;
	*index = n;
	return 0;
}

/* Under mapper_lock. */
static struct mapper_dev *mapper_find_name(const char *name)
{
	struct mapper_dev *md;
	unsigned long i;

	xa_for_each(&mapper_devs, i, md)
		if (!strcmp(md->name, name))
			return md;
	return NULL;
}

bool mapper_name_live(const char *name)
{
	bool live;

	mutex_lock(&mapper_lock);
	live = mapper_find_name(name);
	mutex_unlock(&mapper_lock);
	return live;
}

/* The last reference: no file, mapping or holder is left. See also below. */
static void mapper_dev_release(struct device *dev)
{
	struct mapper_dev *md = to_mapper_dev(dev);

	if (md->buf) {
		mapper_buf_put(md->buf);
		ida_free(&mapper_ida, md->index);
	}
	kfree(md);
}

/*
 * A buffer and its device, registered: visible in sysfs and devtmpfs, and
 * openable from then on, the caller holding one reference. With spec->quiet
 * udev hears of it only from mapper_dev_announce() (at the end of a load).
 * Every failure says why in one line (or the allocator's warning does).
 */
struct mapper_dev *mapper_dev_create(const struct mapper_spec *spec)
{
	char who[MAPPER_NAME_MAX + 1];
	struct mapper_buf *buf;
	struct mapper_dev *md;
	int index = spec->index, ret;

	if (spec->name) {
		int named;

		if (mapper_name_check(spec->name, &named)) {
			pr_err("name '%s': use 1 to %d of a-z, 0-9, _ and -, and mapperN only for /dev/mapperN\n",
			       spec->name, MAPPER_NAME_MAX);
			return ERR_PTR(-EINVAL);
		}
		if (named >= 0 && index >= 0 && named != index) {
			pr_err("name %s is kept for /dev/%s: this buffer is mapper%d\n",
			       spec->name, spec->name, index);
			return ERR_PTR(-EINVAL);
		}
		if (named >= 0)
			index = named;
	}

	if (spec->name)
		strscpy(who, spec->name, sizeof(who));
	else
		snprintf(who, sizeof(who), "mapper%d", index);
	if (spec->dma_device) {
		const char *dma_name = kstrdup(spec->dma_device, GFP_KERNEL);
		struct device *dev;

		if (!dma_name)
			return ERR_PTR(-ENOMEM);
		dev = mapper_find_device(who, spec->dma_device);
		if (IS_ERR(dev)) {
			kfree(dma_name);
			return ERR_CAST(dev);
		}
		/* Its constraints, read now: the buffer does not hold it. */
		buf = mapper_buf_alloc(who, PAGE_ALIGN(spec->size), spec->node,
				       spec->flags, dev);
		put_device(dev);
		if (IS_ERR(buf)) {
			kfree(dma_name);
			return ERR_CAST(buf);
		}
		buf->dma_device = dma_name;
	} else {
		buf = mapper_buf_alloc(who, PAGE_ALIGN(spec->size), spec->node,
				       spec->flags, NULL);
		if (IS_ERR(buf))
			return ERR_CAST(buf);
	}

	md = kzalloc(sizeof(*md), GFP_KERNEL);
	if (!md) {
		mapper_buf_put(buf);
		return ERR_PTR(-ENOMEM);
	}
	ret = index >= 0 ? ida_alloc_range(&mapper_ida, index, index, GFP_KERNEL) :
	      ida_alloc_max(&mapper_ida, MAPPER_MINORS - 1, GFP_KERNEL);
	if (ret < 0) {
		kfree(md);
		mapper_buf_put(buf);
		if (ret == -ENOSPC && index >= 0) {
			pr_err("%s: /dev/mapper%d is in use (or still open after its removal)\n",
			       who, index);
			return ERR_PTR(-EBUSY);
		}
		return ERR_PTR(ret);
	}
	md->index = ret;
	INIT_LIST_HEAD(&md->files);
	md->buf = buf;
	buf->md = md;
	if (spec->name)
		strscpy(md->name, spec->name, sizeof(md->name));
	else
		snprintf(md->name, sizeof(md->name), "mapper%u", md->index);

	device_initialize(&md->dev);
	md->dev.devt = MKDEV(MAJOR(mapper_devt), md->index);
	md->dev.class = mapper_class;
	md->dev.groups = mapper_groups;
	md->dev.release = mapper_dev_release;
	/* From here on put_device() frees md, its buffer and its index. */
	ret = dev_set_name(&md->dev, "mapper%u", md->index);
	if (ret)
		goto put;

	if (spec->cache != MAPPER_CACHE_CACHED) {
		mutex_lock(&buf->vmap_lock);
		ret = mapper_buf_set_cache(buf, spec->cache);
		mutex_unlock(&buf->vmap_lock);
		if (ret) {
			pr_err("%s: cannot make the buffer %s: %d\n", md->name,
			       mapper_cache_names[spec->cache], ret);
			goto put;
		}
	}
	/* udev hears of it once it can be opened: below, or at the end of a load. */
	dev_set_uevent_suppress(&md->dev, true);
	/* Checked first so that no sysfs directory flashes up; for sure below. */
	if (mapper_name_live(md->name)) {
		ret = -EEXIST;
		goto taken;
	}
	ret = device_add(&md->dev);
	if (ret) {
		pr_err("%s: cannot add /dev/mapper%u: %d\n", md->name, md->index, ret);
		goto put;
	}
	/* Published only now: open(), the API and names find a whole device. */
	mutex_lock(&mapper_lock);
	ret = mapper_find_name(md->name) ? -EEXIST :
	      xa_insert(&mapper_devs, md->index, md, GFP_KERNEL);
	if (!ret)
		md->live = true;
	mutex_unlock(&mapper_lock);
	if (ret) {
		device_del(&md->dev);
		goto taken;
	}
	if (!spec->quiet)
		mapper_dev_announce(md);
	return md;

taken:
	if (ret == -EEXIST)
		pr_err("name %s is taken by another buffer\n", md->name);
	else
		pr_err("%s: cannot publish /dev/mapper%u: %d\n", md->name, md->index, ret);
put:
	put_device(&md->dev);
	return ERR_PTR(ret);
}

/* Tells udev of a device made quiet, once it can be opened. */
void mapper_dev_announce(struct mapper_dev *md)
{
	dev_set_uevent_suppress(&md->dev, false);
	if (kobject_uevent(&md->dev.kobj, KOBJ_ADD))
		dev_warn(&md->dev, "udev was not told of the device: its node keeps the default owner and mode\n");
}

/*
 * Open files that a descriptor (or a call in flight) holds: those only the
 * mappings made through them keep open, each mapping holding its file, are
 * counted as mappings. For users to read; removal goes by opens.
 */
static unsigned int __mapper_dev_fds(struct mapper_dev *md)
{
	struct mapper_file *mf;
	unsigned int n = 0;

	lockdep_assert_held(&mapper_lock);
	list_for_each_entry(mf, &md->files, node)
		if (file_count(mf->file) > atomic_read(&mf->vmas))
			n++;
	return n;
}

unsigned int mapper_dev_fds(struct mapper_dev *md)
{
	unsigned int n;

	mutex_lock(&mapper_lock);
	n = __mapper_dev_fds(md);
	mutex_unlock(&mapper_lock);
	return n;
}

/* "1 open file, 2 mappings" into @s: what keeps @md from going. */
static bool mapper_dev_busy(struct mapper_dev *md, char *s, size_t size)
{
	unsigned long maps = atomic_long_read(&md->buf->maps);
	unsigned int holders = md->buf->holders;
	/* Only a holder maps for DMA, but it may put its hold first. */
	unsigned int dma = READ_ONCE(md->buf->dma_count);
	unsigned int exports = READ_ONCE(md->buf->exports);
	unsigned int fds = __mapper_dev_fds(md);
	int n = 0;

	lockdep_assert_held(&mapper_lock);
	s[0] = '\0';
	if (fds)
		n += scnprintf(s + n, size - n, "%u open file%s", fds, fds == 1 ? "" : "s");
	else if (md->opens && !maps)
		n += scnprintf(s + n, size - n, "a file in use");
	if (maps)
		n += scnprintf(s + n, size - n, "%s%lu mapping%s", n ? ", " : "",
			       maps, maps == 1 ? "" : "s");
	if (holders)
		n += scnprintf(s + n, size - n, "%s%u kernel holder%s", n ? ", " : "",
			       holders, holders == 1 ? "" : "s");
	if (dma)
		n += scnprintf(s + n, size - n, "%s%u DMA mapping%s", n ? ", " : "",
			       dma, dma == 1 ? "" : "s");
	if (exports)
		n += scnprintf(s + n, size - n, "%s%u dma-buf%s", n ? ", " : "",
			       exports, exports == 1 ? "" : "s");
	return md->opens || maps || holders || dma || exports;
}

/*
 * Takes @md out of use: its node, name and sysfs directory go now. A strict
 * removal (!@lazy) is refused with EBUSY while anything opens, maps or holds
 * the buffer; a lazy one leaves those working, and the memory goes with the
 * last of them. The caller still holds its reference and puts it after.
 */
int mapper_dev_remove(struct mapper_dev *md, bool lazy)
{
	char busy[160];

	mutex_lock(&mapper_lock);
	if (!md->live) {
		mutex_unlock(&mapper_lock);
		return -ENODEV;
	}
	if (!lazy && mapper_dev_busy(md, busy, sizeof(busy))) {
		mutex_unlock(&mapper_lock);
		pr_info("%s (mapper%u): busy: %s: not removed\n", md->name, md->index, busy);
		return -EBUSY;
	}
	md->live = false;
	xa_erase(&mapper_devs, md->index);
	mutex_unlock(&mapper_lock);
	device_del(&md->dev);
	return 0;
}

/*
 * A device made at load, at unload or a failed load: nothing can hold it
 * now, yet its last reference may go later (CONFIG_DEBUG_KOBJECT_RELEASE),
 * so the buffer (its inode lives on mapper's mount) and the index go here.
 */
void mapper_dev_destroy(struct mapper_dev *md)
{
	mapper_dev_remove(md, true);
	mapper_buf_put(md->buf);
	md->buf = NULL;
	ida_free(&mapper_ida, md->index);
	put_device(&md->dev);
}

/* open(): the live device of @index with @mf one more open file, or NULL. */
struct mapper_dev *mapper_dev_open(unsigned int index, struct mapper_file *mf)
{
	struct mapper_dev *md;

	mutex_lock(&mapper_lock);
	md = xa_load(&mapper_devs, index);
	if (md) {
		md->opens++;
		list_add(&mf->node, &md->files);
		mf->md = md;
		get_device(&md->dev);
	}
	mutex_unlock(&mapper_lock);
	return md;
}

void mapper_dev_close(struct mapper_file *mf)
{
	struct mapper_dev *md = mf->md;

	mutex_lock(&mapper_lock);
	md->opens--;
	list_del(&mf->node);
	mutex_unlock(&mapper_lock);
	put_device(&md->dev);
}

/* The in-kernel API: a live device by index or (if @name) by name, held. */
struct mapper_dev *mapper_dev_hold(unsigned int index, const char *name)
{
	struct mapper_dev *md;

	mutex_lock(&mapper_lock);
	md = name ? mapper_find_name(name) : xa_load(&mapper_devs, index);
	if (md) {
		md->buf->holders++;
		get_device(&md->dev);
	}
	mutex_unlock(&mapper_lock);
	return md;
}

void mapper_dev_exit(void)
{
	WARN_ON(!xa_empty(&mapper_devs));
	xa_destroy(&mapper_devs);
	ida_destroy(&mapper_ida);
}
