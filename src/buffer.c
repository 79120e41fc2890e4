// SPDX-License-Identifier: GPL-2.0
/*
 * Buffer allocation and lifetime.
 *
 * Memory comes from the page allocator in chunks of up to 2 MiB (a PMD on
 * x86-64, and below MAX_ORDER on every architecture), falling back to smaller
 * orders down to single pages, so any size works without physically
 * contiguous memory. Each chunk is split into order-0 pages: the fault handler
 * hands out individual pages, and a tail page of an unsplit high-order
 * allocation has no reference count of its own.
 */
#include <linux/gfp.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "internal.h"

#define MAPPER_MAX_ORDER	min_t(unsigned int, get_order(SZ_2M), 9)

/*
 * Zeroed so that no stale kernel data ever reaches user space. No warnings
 * and no retries for the large orders: a failure there only means a smaller
 * chunk, and the caller reports a real failure in one line.
 */
static struct page *mapper_alloc_chunk(unsigned int *order)
{
	gfp_t gfp = GFP_HIGHUSER | __GFP_ZERO | __GFP_NOWARN;
	struct page *page;

	for (;; (*order)--) {
		page = alloc_pages(*order ? gfp | __GFP_NORETRY : gfp, *order);
		if (page || !*order)
			return page;
	}
}

static void mapper_buf_free_pages(struct mapper_buf *buf, unsigned long count)
{
	unsigned long i;

	for (i = 0; i < count; i++)
		__free_page(buf->pages[i]);
}

struct mapper_buf *mapper_buf_alloc(size_t size)
{
	struct mapper_buf *buf;
	unsigned long i = 0;

	if (!size || !PAGE_ALIGNED(size))
		return ERR_PTR(-EINVAL);

	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	kref_init(&buf->ref);
	atomic_long_set(&buf->maps, 0);
	atomic64_set(&buf->events, 0);
	init_waitqueue_head(&buf->wait);
	mutex_init(&buf->vmap_lock);
	buf->size = size;
	buf->nr_pages = size >> PAGE_SHIFT;
	buf->pages = kvcalloc(buf->nr_pages, sizeof(*buf->pages), GFP_KERNEL);
	if (!buf->pages)
		goto fail;

	while (i < buf->nr_pages) {
		unsigned int order = min_t(unsigned int, MAPPER_MAX_ORDER,
					   ilog2(buf->nr_pages - i));
		struct page *page = mapper_alloc_chunk(&order);
		unsigned long j;

		if (!page)
			goto fail;
		split_page(page, order);
		for (j = 0; j < (1UL << order); j++)
			buf->pages[i++] = page + j;
		cond_resched();
	}
	return buf;

fail:
	if (buf->pages)
		mapper_buf_free_pages(buf, i);
	kvfree(buf->pages);
	kfree(buf);
	return ERR_PTR(-ENOMEM);
}

void mapper_buf_get(struct mapper_buf *buf)
{
	kref_get(&buf->ref);
}

static void mapper_buf_release(struct kref *ref)
{
	struct mapper_buf *buf = container_of(ref, struct mapper_buf, ref);

	/*
	 * Pages still pinned by get_user_pages() (O_DIRECT in flight, say)
	 * hold references of their own and outlive this put.
	 */
	if (buf->vaddr)
		vunmap(buf->vaddr);
	mapper_buf_free_pages(buf, buf->nr_pages);
	kvfree(buf->pages);
	mutex_destroy(&buf->vmap_lock);
	kfree(buf);
}

void mapper_buf_put(struct mapper_buf *buf)
{
	kref_put(&buf->ref, mapper_buf_release);
}
