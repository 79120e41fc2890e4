/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MAPPER_INTERNAL_H
#define MAPPER_INTERNAL_H

#include <linux/atomic.h>
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/wait.h>

/*
 * A buffer: zeroed order-0 pages, allocated in chunks as large as memory
 * allows and split so that each page has its own reference count (user page
 * tables and get_user_pages() take and drop references page by page).
 *
 * The buffer is reference counted: the device holds one reference and every
 * VMA another, so its pages stay valid for as long as anything maps them.
 */
struct mapper_buf {
	struct kref ref;
	size_t size;			/* bytes, a whole number of pages */
	unsigned long nr_pages;
	struct page **pages;		/* nr_pages entries, fixed for life */
	atomic_long_t maps;		/* live VMAs, in every process */

	/* Change notification from kernel producers (api.c). */
	atomic64_t events;		/* mapper_notify() calls so far */
	wait_queue_head_t wait;		/* poll()ers of every open file */

	struct mutex vmap_lock;		/* serialises creating vaddr */
	void *vaddr;			/* kernel alias, made on first request */
};

struct mapper_buf *mapper_buf_alloc(size_t size);
void mapper_buf_get(struct mapper_buf *buf);
void mapper_buf_put(struct mapper_buf *buf);

/* One /dev/mapperN: the device core's view of a buffer. */
struct mapper_dev {
	struct device dev;
	struct cdev cdev;
	unsigned int index;
	struct mapper_buf *buf;
};

/* What an open file of /dev/mapperN remembers. */
struct mapper_file {
	struct mapper_dev *md;
	u64 seen;			/* events acknowledged by MAPPER_IOC_INFO */
};

struct mapper_dev *mapper_dev_lookup(unsigned int index);

static inline struct mapper_dev *to_mapper_dev(struct device *dev)
{
	return container_of(dev, struct mapper_dev, dev);
}

extern const struct file_operations mapper_fops;
extern const struct attribute_group *mapper_groups[];

int mapper_mmap(struct file *file, struct vm_area_struct *vma);

static inline struct mapper_dev *mapper_file_dev(struct file *file)
{
	return ((struct mapper_file *)file->private_data)->md;
}

#endif /* MAPPER_INTERNAL_H */
