// SPDX-License-Identifier: GPL-2.0
/*
 * Buffer allocation and lifetime.
 *
 * Memory comes from the page allocator in chunks of up to a PMD (2 MiB with
 * 4 KiB pages, 32 MiB with arm64's 16 KiB ones; 2 MiB without THP or where
 * the page allocator has no order that large), falling back to smaller
 * orders down to single pages, so any size works without physically
 * contiguous memory.
 *
 * A chunk of exactly PMD size that starts at a PMD-aligned offset in the
 * buffer stays one compound page (a PMD-sized folio, as the page cache's
 * large folios are): the fault handler hands out its subpages, and the mm
 * core maps the whole folio with one PMD entry wherever the user address is
 * suitably aligned (see mmap.c), or page by page otherwise. Every other chunk
 * is split into order-0 pages, each with its own reference count.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cma.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "compat.h"
#include "internal.h"

#define MAPPER_MAX_ORDER	min_t(unsigned int, get_order(SZ_2M), 9)

/* The order the mm core can map with one PMD entry; never, without THP. */
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
#define MAPPER_PMD_ORDER	(PMD_SHIFT - PAGE_SHIFT)
#else
#define MAPPER_PMD_ORDER	UINT_MAX
#endif

static bool mapper_chunk_is_folio(unsigned int order)
{
	return order == MAPPER_PMD_ORDER;
}

/*
 * The largest chunk of a buffer: a PMD where the mm core maps one and the
 * page allocator has that order (2 MiB with 4 KiB pages, 32 MiB with arm64's
 * 16 KiB pages, whose 2 MiB chunks could never be mapped huge), 2 MiB
 * otherwise.
 */
static unsigned int mapper_chunk_order(void)
{
	unsigned int pmd = MAPPER_PMD_ORDER;

	return pmd <= MAPPER_MAX_PAGE_ORDER ? pmd : MAPPER_MAX_ORDER;
}

/*
 * Zeroed so that no stale kernel data ever reaches user space. No warnings,
 * and never the OOM killer: the large orders give up at once (a failure
 * there only means a smaller chunk), single pages after reclaim has tried
 * hard, and the caller reports a real failure in one line. A buffer on a
 * node takes its pages from there alone unless @gfp lets it fall back.
 */
static struct page *mapper_alloc_chunk(gfp_t gfp, int node, unsigned int *order)
{
	struct page *page;

	for (;; (*order)--) {
		gfp_t g = gfp | (*order ? __GFP_NORETRY : __GFP_RETRY_MAYFAIL);

		if (mapper_chunk_is_folio(*order))
			g |= __GFP_COMP;
		page = node == NUMA_NO_NODE ? alloc_pages(g, *order) :
		       alloc_pages_node(node, g, *order);
		if (page || !*order)
			return page;
	}
}

/*
 * One reference per order-0 page, one per compound page (held by its head):
 * references taken by page tables and get_user_pages() keep a page or folio
 * alive past this put. Subpages are skipped by count, never by looking at
 * them: once the head's put frees a folio, its tail pages look like any
 * free page.
 */
static void mapper_buf_free_pages(struct mapper_buf *buf, unsigned long count)
{
	unsigned long i = 0;

	while (i < count) {
		struct page *page = buf->pages[i];
		unsigned long nr = PageHead(page) ? compound_nr(page) : 1;

		put_page(page);
		i += nr;
	}
}

/* Pages held by every buffer there is, and the guard on that total. */
static atomic_long_t mapper_total = ATOMIC_LONG_INIT(0);
unsigned long long mapper_max_total;	/* max_total=, 0 for 3/4 of RAM */

unsigned long mapper_total_pages(void)
{
	return atomic_long_read(&mapper_total);
}

/* Three quarters of RAM, or less with max_total=: the system keeps the rest. */
unsigned long mapper_limit_pages(void)
{
	unsigned long ram = totalram_pages() / 4 * 3;
	unsigned long long max = READ_ONCE(mapper_max_total) >> PAGE_SHIFT;

	return max && max < ram ? max : ram;
}

/*
 * Counts @pages into the total, or says in one line why not (ENOMEM): more
 * than the limit alone or with what others hold, or more than the memory
 * available now (free memory plus what reclaim can give back without
 * swapping, so that a creation on a busy machine fails instead of pushing it
 * into the OOM killer).
 */
static int mapper_reserve(const char *who, unsigned long pages)
{
	unsigned long limit = mapper_limit_pages();
	unsigned long total, avail;

	if (pages > limit) {
		pr_err("%s: %lu MiB is more than the limit of %lu MiB (3/4 of RAM, or max_total=)\n",
		       who, pages >> (20 - PAGE_SHIFT), limit >> (20 - PAGE_SHIFT));
		return -ENOMEM;
	}
	total = atomic_long_add_return(pages, &mapper_total);
	if (total > limit) {
		pr_err("%s: %lu MiB more would make %lu MiB in all buffers, over the limit of %lu MiB\n",
		       who, pages >> (20 - PAGE_SHIFT), total >> (20 - PAGE_SHIFT),
		       limit >> (20 - PAGE_SHIFT));
		goto nomem;
	}
	avail = si_mem_available();
	/* 1/256 more: the page array, and page tables of a cache mode change. */
	if (pages + (pages >> 8) > avail) {
		pr_err("%s: %lu MiB wanted, only %lu MiB available\n", who,
		       pages >> (20 - PAGE_SHIFT), avail >> (20 - PAGE_SHIFT));
		goto nomem;
	}
	return 0;

nomem:
	atomic_long_sub(pages, &mapper_total);
	return -ENOMEM;
}

/* NUMA_NO_NODE, or a node that has memory. */
int mapper_node_check(const char *who, int node)
{
	if (node == NUMA_NO_NODE)
		return 0;
	if (node < 0 || node >= MAX_NUMNODES || !node_state(node, N_MEMORY)) {
		pr_err("%s: node %d has no memory (nodes with memory: %*pbl; -1 for any)\n",
		       who, node, nodemask_pr_args(&node_states[N_MEMORY]));
		return -EINVAL;
	}
	return 0;
}

/*
 * Whether a chunk of 2^@order pages at @page lies below @limit, the highest
 * physical address the device the buffer is for reaches (0: any).
 */
static bool mapper_chunk_reachable(struct page *page, unsigned int order,
				   phys_addr_t limit)
{
	return !limit || page_to_phys(page) + (PAGE_SIZE << order) - 1 <= limit;
}

/*
 * The next zone down for pages a device must reach, as the DMA layer's own
 * allocator goes: (highmem to normal,) DMA32, DMA. False when there is none.
 */
static bool mapper_lower_zone(gfp_t *gfp)
{
	if (IS_ENABLED(CONFIG_HIGHMEM) && (*gfp & __GFP_HIGHMEM)) {
		*gfp &= ~__GFP_HIGHMEM;
		return true;
	}
	if (IS_ENABLED(CONFIG_ZONE_DMA32) && !(*gfp & (__GFP_DMA32 | __GFP_DMA))) {
		*gfp = (*gfp & ~__GFP_HIGHMEM) | __GFP_DMA32;
		return true;
	}
	if (IS_ENABLED(CONFIG_ZONE_DMA) && !(*gfp & __GFP_DMA)) {
		*gfp = (*gfp & ~(__GFP_HIGHMEM | __GFP_DMA32)) | __GFP_DMA;
		return true;
	}
	return false;
}

/*
 * Chunks a device cannot reach, held aside while the search goes on in
 * their zone (freed, they would come straight back): up to this much, then
 * the next zone down. A zone that has memory the device reaches is tried
 * before a smaller one, and a failed search holds at most this much longer.
 */
#define MAPPER_UNREACHABLE_MAX	(SZ_16M >> PAGE_SHIFT)

struct mapper_unreachable {
	struct list_head chunks;	/* page->lru of each chunk's first page */
	unsigned long pages;
};

static void mapper_unreachable_free(struct mapper_unreachable *u)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, &u->chunks, lru) {
		unsigned int order = page_private(page);

		list_del(&page->lru);
		set_page_private(page, 0);
		__free_pages(page, order);
	}
	u->pages = 0;
}

/*
 * A chunk the device reaches, in the zone *gfp names or the next ones down
 * (*gfp keeps the zone for later chunks).
 */
static struct page *mapper_alloc_reachable(gfp_t *gfp, int node, unsigned int *order,
					   phys_addr_t limit, struct mapper_unreachable *u)
{
	for (;;) {
		unsigned int o = *order;
		struct page *page = mapper_alloc_chunk(*gfp, node, &o);

		if (page && mapper_chunk_reachable(page, o, limit)) {
			*order = o;
			return page;
		}
		if (page && u->pages + (1UL << o) <= MAPPER_UNREACHABLE_MAX) {
			set_page_private(page, o);
			list_add(&page->lru, &u->chunks);
			u->pages += 1UL << o;
			continue;
		}
		if (page)
			__free_pages(page, o);
		mapper_unreachable_free(u);
		if (!limit || !mapper_lower_zone(gfp))
			return NULL;
	}
}

#ifdef MAPPER_HAVE_CMA
bool mapper_cma_usable(void)
{
	return dev_get_cma_area(NULL);
}

/* From the device's CMA area, or the kernel's default one: NULL if none fits. */
static struct page *mapper_alloc_cma(struct mapper_buf *buf, struct device *dev,
				     phys_addr_t limit)
{
	struct cma *cma = dev_get_cma_area(dev);
	unsigned int align = min_t(unsigned int, get_order(buf->size), MAPPER_MAX_ORDER);
	struct page *page;

	if (!cma)
		return NULL;
	page = cma_alloc(cma, buf->nr_pages, align, true);
	if (!page)
		return NULL;
	if (limit && page_to_phys(page) + buf->size - 1 > limit) {
		cma_release(cma, page, buf->nr_pages);
		return NULL;
	}
	buf->cma = cma;
	return page;
}

/*
 * Back to the area, run by run of pages nobody else holds; a page still
 * pinned by get_user_pages() (a long-term pin outliving every mapping) goes
 * to the page allocator with its last reference instead, and the area is a
 * page smaller until the next boot.
 */
static bool mapper_release_cma(struct mapper_buf *buf)
{
	unsigned long i = 0, pinned = 0;

	if (!buf->cma)
		return false;
	while (i < buf->nr_pages) {
		unsigned long j = i;

		while (j < buf->nr_pages && page_count(buf->pages[j]) == 1)
			j++;
		if (j > i && !cma_release(buf->cma, buf->pages[i], j - i))
			for (; i < j; i++)
				put_page(buf->pages[i]);
		for (i = j; i < buf->nr_pages && page_count(buf->pages[i]) != 1; i++, pinned++)
			put_page(buf->pages[i]);
	}
	if (pinned)
		pr_warn("%lu pages still pinned at release: freed to the page allocator, not to CMA\n",
			pinned);
	return true;
}
#else
bool mapper_cma_usable(void)
{
	return false;
}

static struct page *mapper_alloc_cma(struct mapper_buf *buf, struct device *dev,
				     phys_addr_t limit)
{
	return NULL;
}

static bool mapper_release_cma(struct mapper_buf *buf)
{
	return false;
}
#endif

/*
 * One physically contiguous block: from CMA where the kernel lets a module
 * use it, else from the page allocator up to its largest order, trying hard
 * (reclaim and compaction) but never the OOM killer. Exactly a PMD's worth
 * stays one folio (mapped huge); any other block is split into order-0
 * pages, the tail beyond the size freed at once.
 */
static int mapper_alloc_contig(const char *who, struct mapper_buf *buf, gfp_t gfp,
			       int node, struct device *dev, phys_addr_t limit)
{
	unsigned int order = get_order(buf->size);
	bool folio = mapper_chunk_is_folio(order) && buf->size == PAGE_SIZE << order;
	struct page *page;
	unsigned long i;

	page = mapper_alloc_cma(buf, dev, limit);
	if (page) {
		/* CMA hands out referenced order-0 pages, not zeroed. */
		for (i = 0; i < buf->nr_pages; i++) {
			buf->pages[i] = page + i;
			clear_highpage(page + i);
			mapper_set_index(page + i, i);
			if (!(i % 512))
				cond_resched();
		}
		return 0;
	}
	if (order > MAPPER_MAX_PAGE_ORDER) {
		pr_err("%s: no contiguous block of %zu KiB: the page allocator's largest is %lu KiB, and %s\n",
		       who, buf->size >> 10, (PAGE_SIZE << MAPPER_MAX_PAGE_ORDER) >> 10,
		       mapper_cma_usable() ?
		       "the CMA area has none free (CmaFree in /proc/meminfo; cma= sizes it)" :
		       "this kernel gives modules no CMA");
		return -ENOMEM;
	}
	gfp |= __GFP_RETRY_MAYFAIL | (folio ? __GFP_COMP : 0);
	for (;;) {
		page = node == NUMA_NO_NODE ? alloc_pages(gfp, order) :
		       alloc_pages_node(node, gfp, order);
		if (!page || mapper_chunk_reachable(page, order, limit))
			break;
		__free_pages(page, order);
		page = NULL;
		if (!mapper_lower_zone(&gfp))
			break;
	}
	if (!page) {
		pr_err("%s: no contiguous block of %zu KiB free%s\n", who, buf->size >> 10,
		       limit ? " below the device's DMA limit" : "");
		return -ENOMEM;
	}
	if (folio) {
		for (i = 0; i < buf->nr_pages; i++)
			buf->pages[i] = page + i;
		mapper_set_index(page, 0);
		return 0;
	}
	split_page(page, order);
	for (i = 0; i < (1UL << order); i++) {
		if (i < buf->nr_pages) {
			buf->pages[i] = page + i;
			mapper_set_index(page + i, i);
		} else {
			__free_page(page + i);
		}
	}
	return 0;
}

/*
 * A zeroed buffer of @size bytes (whole pages) on @node. With
 * MAPPER_BUF_ACCOUNT its memory is charged to the calling process's memory
 * cgroup, as a tmpfs file's is: over the group's limit it fails (ENOMEM),
 * without calling the group's OOM killer either (__GFP_RETRY_MAYFAIL).
 * With @dev, the pages are ones that device reaches without bouncing (its
 * DMA mask, unless an IOMMU translates for it), on its node if @node is
 * NUMA_NO_NODE.
 */
struct mapper_buf *mapper_buf_alloc(const char *who, size_t size, int node,
				    unsigned int flags, struct device *dev)
{
	gfp_t gfp = GFP_HIGHUSER | __GFP_ZERO | __GFP_NOWARN;
	gfp_t kgfp = GFP_KERNEL | __GFP_RETRY_MAYFAIL | __GFP_NOWARN;
	phys_addr_t limit = dev ? mapper_dma_limit(dev) : 0;
	struct mapper_unreachable unreachable = {
		.chunks = LIST_HEAD_INIT(unreachable.chunks),
	};
	struct mapper_buf *buf;
	unsigned long i = 0;
	int ret;

	if (!size || !PAGE_ALIGNED(size))
		return ERR_PTR(-EINVAL);
	ret = mapper_node_check(who, node);
	if (ret)
		return ERR_PTR(ret);
	if (dev && node == NUMA_NO_NODE && dev_to_node(dev) != NUMA_NO_NODE &&
	    node_state(dev_to_node(dev), N_MEMORY)) {
		/* Near the device, where there is room. */
		node = dev_to_node(dev);
		flags |= MAPPER_BUF_FALLBACK;
	}
	if (flags & MAPPER_BUF_ACCOUNT) {
		gfp |= MAPPER_GFP_ACCOUNT_PAGES;
		kgfp |= __GFP_ACCOUNT;
	}
	if (node != NUMA_NO_NODE && !(flags & MAPPER_BUF_FALLBACK))
		gfp |= __GFP_THISNODE;
	/* Where the DMA layer would look first (dma-direct does the same). */
	if (limit && limit <= DMA_BIT_MASK(32))
		while (!(gfp & (__GFP_DMA32 | __GFP_DMA)) && mapper_lower_zone(&gfp))
			;
	ret = mapper_reserve(who, size >> PAGE_SHIFT);
	if (ret)
		return ERR_PTR(ret);

	ret = -ENOMEM;
	buf = kzalloc(sizeof(*buf), kgfp);
	if (!buf)
		goto unreserve;
	kref_init(&buf->ref);
	atomic_long_set(&buf->maps, 0);
	atomic64_set(&buf->events, 0);
	init_waitqueue_head(&buf->wait);
	mutex_init(&buf->vmap_lock);
	mutex_init(&buf->dma_lock);
	init_rwsem(&buf->copy_sem);
	INIT_LIST_HEAD(&buf->dma_maps);
	buf->size = size;
	buf->nr_pages = size >> PAGE_SHIFT;
	buf->node = node;
	buf->inode = mapper_inode_new(size);
	if (IS_ERR(buf->inode)) {
		ret = PTR_ERR(buf->inode);
		buf->inode = NULL;
		goto fail;
	}
	/* 2 MiB per GiB, on the buffer's node; array_size() saturates. */
	buf->pages = kvzalloc_node(array_size(buf->nr_pages, sizeof(*buf->pages)),
				   kgfp, node);
	if (!buf->pages)
		goto fail;

	if (flags & MAPPER_BUF_CONTIG) {
		ret = mapper_alloc_contig(who, buf, gfp, node, dev, limit);
		if (ret)
			goto fail;
		buf->contiguous = true;
		return buf;
	}
	while (i < buf->nr_pages) {
		/* Naturally aligned in the buffer, so that folios sit at PMD offsets. */
		unsigned int order = min3(mapper_chunk_order(),
					  (unsigned int)ilog2(buf->nr_pages - i),
					  i ? (unsigned int)__ffs(i) : mapper_chunk_order());
		struct page *page;
		unsigned long j;

		/* A large buffer takes a while: let a killed caller go. */
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto fail;
		}
		page = mapper_alloc_reachable(&gfp, node, &order, limit, &unreachable);
		if (!page) {
			pr_err("%s: out of memory%s%s%s after %lu of %lu MiB\n", who,
			       node == NUMA_NO_NODE ? "" : " on the node",
			       limit ? " below the device's DMA limit" : "",
			       flags & MAPPER_BUF_ACCOUNT ?
			       " (or over the memory cgroup's memory.max)" : "",
			       i >> (20 - PAGE_SHIFT), buf->nr_pages >> (20 - PAGE_SHIFT));
			goto fail;
		}
		if (!mapper_chunk_is_folio(order))
			split_page(page, order);
		/*
		 * The index of each page (of each folio's head) in the buffer,
		 * as in the page cache: the mm core compares it with i_size.
		 */
		for (j = 0; j < (1UL << order); j++, i++) {
			buf->pages[i] = page + j;
			if (!j || !mapper_chunk_is_folio(order))
				mapper_set_index(buf->pages[i], i);
		}
		cond_resched();
	}
	mapper_unreachable_free(&unreachable);
	return buf;

fail:
	mapper_unreachable_free(&unreachable);
	if (buf->pages)
		mapper_buf_free_pages(buf, i);
	kvfree(buf->pages);
	if (buf->inode)
		iput(buf->inode);
	kfree(buf);
unreserve:
	atomic_long_sub(size >> PAGE_SHIFT, &mapper_total);
	return ERR_PTR(ret);
}

const char *const mapper_cache_names[] = {
	[MAPPER_CACHE_CACHED] = "cached",
	[MAPPER_CACHE_WC] = "wc",
	[MAPPER_CACHE_UC] = "uc",
	NULL
};

/*
 * Only where the kernel's own mapping of every page can be kept coherent
 * with the mode (compat.h): x86 without highmem (set_pages_array_*() skip
 * highmem pages, and a kmap of one would be a write-back alias), and arm64
 * by cache maintenance.
 */
bool mapper_cache_supported(void)
{
#ifdef MAPPER_HAVE_CACHE_MODES
	return true;
#else
	return false;
#endif
}

/* The protection for user mappings and the vmap of a buffer in @mode. */
pgprot_t mapper_cache_pgprot(enum mapper_cache mode, pgprot_t prot)
{
	switch (mode) {
	case MAPPER_CACHE_WC:
		return pgprot_writecombine(prot);
	case MAPPER_CACHE_UC:
		return mapper_pgprot_uc(prot);
	default:
		return prot;
	}
}

#if defined(MAPPER_CACHE_SET_PAGES)
/* set_pages_array_*() count in int: whole buffers, batch by batch. */
#define MAPPER_CPA_BATCH	SZ_1M

static int mapper_pages_set_cache(struct page **pages, unsigned long n,
				  enum mapper_cache mode)
{
	while (n) {
		int batch = min_t(unsigned long, n, MAPPER_CPA_BATCH);
		int ret;

		if (mode == MAPPER_CACHE_WC)
			ret = set_pages_array_wc(pages, batch);
		else if (mode == MAPPER_CACHE_UC)
			ret = set_pages_array_uc(pages, batch);
		else
			ret = set_pages_array_wb(pages, batch);
		if (ret)
			return ret;
		pages += batch;
		n -= batch;
		cond_resched();
	}
	return 0;
}

/*
 * The kernel's direct map of the pages takes the mode too: x86 PAT forbids a
 * write-combined or uncached user mapping of RAM that the kernel maps
 * write-back. Every change goes through write-back (PAT refuses WC -> UC).
 *
 * A conversion that fails half-way leaves some pages changed: the buffer is
 * then brought back to write-back as a whole. Should that fail too, nobody
 * knows the mode of each page any more: cache_unknown keeps the buffer from
 * being mapped and its pages from going back to the page allocator, until
 * a later return to write-back succeeds.
 */
static int mapper_buf_apply_cache(struct mapper_buf *buf, enum mapper_cache mode)
{
	int ret;

	if (buf->cache != MAPPER_CACHE_CACHED || buf->cache_unknown) {
		ret = mapper_pages_set_cache(buf->pages, buf->nr_pages,
					     MAPPER_CACHE_CACHED);
		if (ret) {
			buf->cache_unknown = true;
			pr_err("cannot make a %s buffer write-back again: %d\n",
			       mapper_cache_names[buf->cache], ret);
			return ret;
		}
		buf->cache = MAPPER_CACHE_CACHED;
		buf->cache_unknown = false;
	}
	if (mode == MAPPER_CACHE_CACHED)
		return 0;

	ret = mapper_pages_set_cache(buf->pages, buf->nr_pages, mode);
	if (!ret) {
		buf->cache = mode;
		return 0;
	}
	buf->cache = mode;
	buf->cache_unknown = true;
	if (!mapper_pages_set_cache(buf->pages, buf->nr_pages, MAPPER_CACHE_CACHED)) {
		buf->cache = MAPPER_CACHE_CACHED;
		buf->cache_unknown = false;
	} else {
		pr_err("cannot make a buffer write-back again after a failed change to %s\n",
		       mapper_cache_names[mode]);
	}
	return ret;
}
#elif defined(MAPPER_CACHE_MAINT)
/*
 * Clean and invalidate @len bytes at @vaddr of the linear map to the point
 * of coherency: what the kernel wrote there reaches memory, and no line is
 * left to be written back over, or read instead of, what a non-cacheable
 * mapping stores later. The clean first: a plain invalidate would drop data
 * the kernel wrote (a write(), the zeroing of new pages).
 */
static void mapper_clean_inval(void *vaddr, size_t len)
{
	arch_wb_cache_pmem(vaddr, len);
	arch_invalidate_pmem(vaddr, len);
}

/*
 * arm64: the linear map keeps its cacheable mapping of the pages, which the
 * CPU may fill lines from at any time (speculation): the lines must be gone
 * whenever a write-combined or uncached mapping has been used, and no dirty
 * line may be there while it is. A change of mode, either way, cleans and
 * invalidates the whole buffer: to wc/uc, so that the zeroing of the pages
 * and earlier write()s are in memory and no line is left; back to cached
 * (and before the pages are freed), so that no line filled while the mapping
 * was in use hides what it stored. Cannot fail. read() and write() do the
 * same for what they copy (mapper_buf_cpu_sync()).
 *
 * The mode is published before the maintenance: a write() that copies
 * through the linear map meanwhile either sees the new mode afterwards and
 * cleans its lines itself, or wrote before the store and its lines are
 * among those cleaned here (smp_mb() on both sides).
 */
static int mapper_buf_apply_cache(struct mapper_buf *buf, enum mapper_cache mode)
{
	unsigned long i;

	/* Cached before and after (a buffer freed in its first mode): nothing. */
	if (buf->cache == MAPPER_CACHE_CACHED && mode == MAPPER_CACHE_CACHED)
		return 0;
	WRITE_ONCE(buf->cache, mode);
	smp_mb();	/* pairs with mapper_buf_cpu_sync() */
	for (i = 0; i < buf->nr_pages; i++) {
		mapper_clean_inval(page_address(buf->pages[i]), PAGE_SIZE);
		if (!(i % 512))
			cond_resched();
	}
	return 0;
}

/*
 * read() and write() copy through the linear map (copy_page_*_iter()): in a
 * wc/uc buffer the bytes they touch are cleaned and invalidated before a
 * read(), so that it sees memory, and after a write(), so that memory has
 * it. Only the call's own bytes: their lines also hold bytes next to them,
 * which a store through a mapping racing with the write() may lose.
 */
void mapper_buf_cpu_sync(struct mapper_buf *buf, struct page *page, size_t off,
			 size_t len, bool written)
{
	if (written)
		smp_mb();	/* the copy before the mode: see mapper_buf_apply_cache() */
	if (READ_ONCE(buf->cache) != MAPPER_CACHE_CACHED && len)
		mapper_clean_inval(page_address(page) + off, len);
}
#else
static int mapper_buf_apply_cache(struct mapper_buf *buf, enum mapper_cache mode)
{
	return mode == MAPPER_CACHE_CACHED ? 0 : -EOPNOTSUPP;
}
#endif

#ifdef MAPPER_CACHE_MAINT
/*
 * A read() or write() of the buffer: mapper_buf_cpu_sync()'s clean, then
 * invalidate, of a line would drop another CPU's store to it in between,
 * so in wc/uc they run one at a time (@excl), and never during a mode
 * change, which maintains every line and whose mode they must see; in the
 * cached mode side by side. 0, or -EINTR when the caller is killed.
 */
int mapper_buf_copy_begin(struct mapper_buf *buf, bool *excl)
{
	*excl = false;
	if (down_read_killable(&buf->copy_sem))
		return -EINTR;
	if (buf->cache == MAPPER_CACHE_CACHED)
		return 0;
	up_read(&buf->copy_sem);
	if (down_write_killable(&buf->copy_sem))
		return -EINTR;
	*excl = true;
	return 0;
}

void mapper_buf_copy_end(struct mapper_buf *buf, bool excl)
{
	if (excl)
		up_write(&buf->copy_sem);
	else
		up_read(&buf->copy_sem);
}
#else
/* The kernel's own mapping is in the buffer's mode (x86), or all is cached. */
void mapper_buf_cpu_sync(struct mapper_buf *buf, struct page *page, size_t off,
			 size_t len, bool written)
{
}

int mapper_buf_copy_begin(struct mapper_buf *buf, bool *excl)
{
	*excl = false;
	return 0;
}

void mapper_buf_copy_end(struct mapper_buf *buf, bool excl)
{
}
#endif

/*
 * Caller holds vmap_lock and has checked that nothing maps the buffer: no
 * user mapping (maps == 0) and no kernel vmap.
 */
int mapper_buf_set_cache(struct mapper_buf *buf, enum mapper_cache mode)
{
	lockdep_assert_held(&buf->vmap_lock);
	if (mode == buf->cache && !buf->cache_unknown)
		return 0;
	if (atomic_long_read(&buf->maps) || buf->vaddr || buf->dma_count || buf->exports)
		return -EBUSY;
	return mapper_buf_apply_cache(buf, mode);
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
	/*
	 * Write-back again before the pages go back to the page allocator;
	 * should that ever fail, leaking them is the safe choice.
	 */
	if (!mapper_buf_apply_cache(buf, MAPPER_CACHE_CACHED)) {
		if (!mapper_release_cma(buf))
			mapper_buf_free_pages(buf, buf->nr_pages);
		atomic_long_sub(buf->nr_pages, &mapper_total);
	} else {
		/* Still held, by nobody: they count on in total_bytes. */
		pr_err("%zu bytes not write-back again: leaked\n", buf->size);
	}
	iput(buf->inode);
	kvfree(buf->pages);
	kfree(buf->dma_device);
	mutex_destroy(&buf->dma_lock);
	mutex_destroy(&buf->vmap_lock);
	kfree(buf);
}

void mapper_buf_put(struct mapper_buf *buf)
{
	kref_put(&buf->ref, mapper_buf_release);
}
