/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between kernel versions that mapper cares about, decided
 * by the build-time probes in probes/ (see probe.sh), never by version
 * numbers: distributions backport interfaces, so only a test compile tells.
 */
#ifndef MAPPER_COMPAT_H
#define MAPPER_COMPAT_H

#include <linux/device.h>
#include <linux/mm.h>

#include "features.h"

/* 6.3 made vma->vm_flags read-only outside the mm core. */
#ifndef MAPPER_HAVE_VM_FLAGS_SET
static inline void vm_flags_set(struct vm_area_struct *vma, unsigned long flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma, unsigned long flags)
{
	vma->vm_flags &= ~flags;
}
#endif

/* A page's (or folio's) index in the buffer, which the mm core reads. */
static inline void mapper_set_index(struct page *page, pgoff_t index)
{
#ifdef MAPPER_HAVE_FOLIO_INDEX
	page_folio(page)->index = index;
#else
	page->index = index;
#endif
}

/* 6.4 dropped the owner argument: the driver core pins the module itself. */
#ifdef MAPPER_HAVE_CLASS_CREATE_NO_OWNER
#define mapper_class_create(name)	class_create(name)
#else
#define mapper_class_create(name)	class_create(THIS_MODULE, name)
#endif

/* 6.4 made the class and attribute passed to a class attribute's show() const. */
#ifdef MAPPER_HAVE_CLASS_ATTR_CONST
#define MAPPER_CLASS_CONST	const
#else
#define MAPPER_CLASS_CONST
#endif

/*
 * Pages charged to a memory cgroup (__GFP_ACCOUNT) may be mapped into user
 * space only since 5.11: before, their mark was a page type, which lives in
 * the word that counts a page's mappings. Older kernels charge a buffer's
 * page array and bookkeeping, not its pages.
 */
#ifdef MAPPER_HAVE_MEMCG_DATA_KMEM
#define MAPPER_GFP_ACCOUNT_PAGES	__GFP_ACCOUNT
#else
#define MAPPER_GFP_ACCOUNT_PAGES	0
#endif

/*
 * The cache modes (buffer.c), where the kernel's own mapping of the pages
 * can be kept coherent with a write-combined or uncached one:
 *
 * x86: set_pages_array_wc()/_uc()/_wb() change the direct map too, but not
 * with highmem, whose pages they skip and kmap_local_page() maps write-back.
 *
 * arm64: the linear map stays cacheable (the architecture allows the
 * mismatch); the buffer's lines are cleaned and invalidated to the point of
 * coherency instead, by the only such operations arm64 exports to modules:
 * arch_wb_cache_pmem() (DC CVAP, clean to the point of persistence, which
 * for RAM is the point of coherency; DC CVAC where CVAP is missing) and
 * arch_invalidate_pmem() (DC IVAC to the point of coherency). Without
 * ARCH_HAS_PMEM_API they are empty inlines: no cache modes then.
 * caches_clean_inval_pou(), exported too, only reaches the point of
 * unification, short of a system cache a non-cacheable access bypasses.
 */
#if defined(MAPPER_HAVE_SET_PAGES_ARRAY_WC) && !defined(CONFIG_HIGHMEM)
#define MAPPER_HAVE_CACHE_MODES 1
#define MAPPER_CACHE_SET_PAGES 1
#include <asm/set_memory.h>
#elif defined(CONFIG_ARM64) && defined(CONFIG_ARCH_HAS_PMEM_API)
#define MAPPER_HAVE_CACHE_MODES 1
#define MAPPER_CACHE_MAINT 1
#include <linux/libnvdimm.h>
#endif

/*
 * Whether @buf's pages have a cacheable kernel alias that does not match
 * its mode (arm64's linear map under wc/uc): a device must not be given
 * them (dma.c), since a coherent one may be served stale lines from it and
 * swiotlb bounces through it.
 */
#ifdef MAPPER_CACHE_MAINT
#define mapper_cache_alias(buf)	(READ_ONCE((buf)->cache) != MAPPER_CACHE_CACHED)
#else
#define mapper_cache_alias(buf)	false
#endif

/*
 * The protection of cache=uc: x86's UC-; on arm64 Normal Non-cacheable (as
 * cache=wc), the kernel's own type for uncached RAM (pgprot_dmacoherent(),
 * /dev/mem with O_SYNC): pgprot_noncached() is Device memory there, for
 * registers, on which unaligned accesses and DC ZVA (memset) fault.
 */
#ifdef CONFIG_ARM64
#define mapper_pgprot_uc(prot)	pgprot_writecombine(prot)
#else
#define mapper_pgprot_uc(prot)	pgprot_noncached(prot)
#endif

/*
 * The page allocator's largest order: MAX_PAGE_ORDER since 6.8; MAX_ORDER
 * before, which counted one past it until 6.4.
 */
#if defined(MAX_PAGE_ORDER)
#define MAPPER_MAX_PAGE_ORDER	MAX_PAGE_ORDER
#elif defined(MAPPER_HAVE_MAX_ORDER_INCLUSIVE)
#define MAPPER_MAX_PAGE_ORDER	MAX_ORDER
#else
#define MAPPER_MAX_PAGE_ORDER	(MAX_ORDER - 1)
#endif

/*
 * CMA for modules: cma_alloc() and an area to take it from are exported
 * only by kernels that also export dma_contiguous_get_area_by_idx().
 */
#if defined(MAPPER_HAVE_CMA_AREA_BY_IDX) && IS_ENABLED(CONFIG_DMA_CMA)
#define MAPPER_HAVE_CMA 1
#endif

#endif /* MAPPER_COMPAT_H */
