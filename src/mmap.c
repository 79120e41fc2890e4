// SPDX-License-Identifier: GPL-2.0
/*
 * Mapping a buffer into user space.
 *
 * Mappings are page-backed (not VM_PFNMAP): the fault handler hands the
 * buffer's own struct pages to the mm core, which takes a reference per
 * mapped page. That keeps everything built on struct page working on these
 * mappings: get_user_pages() (O_DIRECT, process_vm_readv, ptrace),
 * copy-on-write for MAP_PRIVATE, fork, and partial munmap/mprotect.
 *
 * Huge mappings: PMD-sized chunks of the buffer are compound pages (see
 * buffer.c). When ->fault returns a subpage of one and the PMD is still
 * empty, the mm core (finish_fault -> do_set_pmd, the path of the page
 * cache's large folios) maps the whole folio with one PMD entry, provided
 * the user address and the file offset agree modulo 2 MiB and the VMA covers
 * the whole range; otherwise it maps the one page. A huge entry is split by
 * the mm core whenever page granularity is needed (partial munmap, mprotect,
 * a MAP_PRIVATE write, which then copies a single page). No VM_MIXEDMAP or
 * VM_PFNMAP here: those would make the mm core treat huge entries as special
 * and skip the folio's reference and mapcount on unmap.
 * Kernels that have vmf_insert_folio_pmd() (6.15 and later) were seen not to
 * take that path for mapper's folios; there mapper_fault_pmd() maps them
 * itself, except in copy-on-write mappings (writable MAP_PRIVATE ones), which
 * then use page entries.
 * mapper_get_unmapped_area() offers suitably aligned addresses, as THP does.
 *
 * Each VMA also holds a reference on the buffer, and its vm_file pins the
 * file and so the module, which is why rmmod is refused while anything is
 * mapped, even after the last close().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched.h>

#include "compat.h"
#include "internal.h"

/* MAP_PRIVATE and writable (now or after mprotect): copy-on-write. */
static bool mapper_vma_is_cow(struct vm_area_struct *vma)
{
	return (vma->vm_flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE;
}

static void mapper_vm_open(struct vm_area_struct *vma)
{
	struct mapper_buf *buf = vma->vm_private_data;
	struct mapper_file *mf = vma->vm_file->private_data;

	/* Called for fork, VMA splits and mremap moves: one count per VMA. */
	mapper_buf_get(buf);
	atomic_long_inc(&buf->maps);
	/* Each VMA holds its vm_file: see mapper_dev_fds(). */
	atomic_inc(&mf->vmas);
}

static void mapper_vm_close(struct vm_area_struct *vma)
{
	struct mapper_buf *buf = vma->vm_private_data;
	struct mapper_file *mf = vma->vm_file->private_data;

	atomic_dec(&mf->vmas);
	atomic_long_dec(&buf->maps);
	mapper_buf_put(buf);
}

#if defined(CONFIG_TRANSPARENT_HUGEPAGE) && defined(MAPPER_HAVE_VMF_INSERT_FOLIO_PMD)
/*
 * One PMD for the folio holding the 2 MiB around the fault, when the VMA
 * covers all of it at a suitably aligned address and no page table is there
 * yet; VM_FAULT_FALLBACK for a page entry otherwise. vmf_insert_folio_pmd()
 * takes the mapping's folio reference and mapcount itself.
 *
 * From ->fault, not ->huge_fault: the mm core never calls ->huge_fault for
 * VM_DONTEXPAND VMAs (VM_SPECIAL), and mapper keeps mappings from growing.
 * Every fault in the same 2 MiB of a VMA makes the same choice, so no page
 * table can appear under a huge entry (which vmf_insert_folio_pmd() warns
 * about): page tables come only from faults that fell back for the range.
 */
static vm_fault_t mapper_fault_pmd(struct vm_fault *vmf, struct mapper_buf *buf)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long haddr = vmf->address & PMD_MASK;
	unsigned int order = PMD_SHIFT - PAGE_SHIFT;
	unsigned long pgoff;
	struct folio *folio;

	if (mapper_vma_is_cow(vma) || (vma->vm_flags & VM_NOHUGEPAGE))
		return VM_FAULT_FALLBACK;
	if (haddr < vma->vm_start || vma->vm_end - haddr < PMD_SIZE)
		return VM_FAULT_FALLBACK;
	pgoff = vma->vm_pgoff + ((haddr - vma->vm_start) >> PAGE_SHIFT);
	if (!IS_ALIGNED(pgoff, 1UL << order) || pgoff >= buf->nr_pages ||
	    buf->nr_pages - pgoff < (1UL << order))
		return VM_FAULT_FALLBACK;
	folio = page_folio(buf->pages[pgoff]);
	if (folio_order(folio) != order || &folio->page != buf->pages[pgoff])
		return VM_FAULT_FALLBACK;
	if (!pmd_none(*vmf->pmd))
		return VM_FAULT_FALLBACK;
	return vmf_insert_folio_pmd(vmf, folio, vmf->flags & FAULT_FLAG_WRITE);
}
#else
static vm_fault_t mapper_fault_pmd(struct vm_fault *vmf, struct mapper_buf *buf)
{
	return VM_FAULT_FALLBACK;
}
#endif

vm_fault_t mapper_vm_fault(struct vm_fault *vmf)
{
	struct mapper_buf *buf = vmf->vma->vm_private_data;
	struct page *page;
	vm_fault_t ret;

	/* vmf->pgoff is the page's index in the buffer; mmap checked the range. */
	if (unlikely(vmf->pgoff >= buf->nr_pages))
		return VM_FAULT_SIGBUS;

	ret = mapper_fault_pmd(vmf, buf);
	if (ret != VM_FAULT_FALLBACK)
		return ret;

	page = buf->pages[vmf->pgoff];
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct mapper_vm_ops = {
	.open = mapper_vm_open,
	.close = mapper_vm_close,
	.fault = mapper_vm_fault,
};

#ifdef CONFIG_TRANSPARENT_HUGEPAGE
/*
 * An address where offset @pgoff of the buffer lands on a PMD boundary, so
 * that the buffer's folios can be mapped huge; what the mm would choose
 * otherwise (a hint it can honour included) when that cannot help.
 */
unsigned long mapper_get_unmapped_area(struct file *file, unsigned long addr,
				       unsigned long len, unsigned long pgoff,
				       unsigned long flags)
{
#ifdef MAPPER_HAVE_MM_GET_UNMAPPED_AREA_MEMBER
	/* thp_get_unmapped_area() only aligns for DAX files before 5.18. */
	unsigned long off = pgoff << PAGE_SHIFT;
	unsigned long ret;

	if ((flags & MAP_FIXED) || len < PMD_SIZE || len + PMD_SIZE < len ||
	    in_compat_syscall())
		return current->mm->get_unmapped_area(file, addr, len, pgoff, flags);
	ret = current->mm->get_unmapped_area(file, addr, len + PMD_SIZE, pgoff, flags);
	if (IS_ERR_VALUE(ret))
		return current->mm->get_unmapped_area(file, addr, len, pgoff, flags);
	if (ret == addr)
		return addr;
	return ret + ((off - ret) & (PMD_SIZE - 1));
#else
	return thp_get_unmapped_area(file, addr, len, pgoff, flags);
#endif
}
#endif

/*
 * The checks and flags every mapping of @buf gets, by whatever file
 * (/dev/mapperN, or a dma-buf, dmabuf.c); @vma->vm_pgoff is the index in the
 * buffer, @pages its length. With vmap_lock held and @ops in place on
 * success: the caller's open() counts the mapping before the lock goes.
 */
int mapper_mmap_buf(struct mapper_buf *buf, struct vm_area_struct *vma,
		    struct device *dev, const char *who)
{
	/*
	 * Data, never code: refuse PROT_EXEC now and drop VM_MAYEXEC so that
	 * mprotect() cannot add it later.
	 */
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	vm_flags_clear(vma, VM_MAYEXEC);

	/*
	 * The buffer cannot grow, so neither can the mapping (mremap); and
	 * core dumps of a process must not copy out a shared kernel buffer.
	 */
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);

	lockdep_assert_held(&buf->vmap_lock);
	if (buf->cache_unknown) {
		dev_info_ratelimited(dev,
				     "%s refused: a failed cache mode change left the pages in unknown modes (write \"cached\" to the cache attribute)\n",
				     who);
		return -EIO;
	}
	if (buf->cache != MAPPER_CACHE_CACHED) {
		/*
		 * Copy-on-write would map anonymous (write-back) pages with
		 * this mapping's attributes: an alias PAT forbids.
		 */
		if (mapper_vma_is_cow(vma)) {
			dev_info_ratelimited(dev,
					     "MAP_PRIVATE needs cache=cached (the buffer is %s)\n",
					     mapper_cache_names[buf->cache]);
			return -EINVAL;
		}
		vma->vm_page_prot = mapper_cache_pgprot(buf->cache, vma->vm_page_prot);
		/*
		 * Where the kernel keeps a cacheable alias of the pages
		 * (arm64), no get_user_pages(): O_DIRECT, vmsplice(),
		 * process_vm_writev() and ptrace would copy through it, and
		 * its lines would hide or undo this mapping's stores.
		 */
		if (mapper_cache_alias(buf))
			vm_flags_set(vma, VM_IO);
	}
	vma->vm_private_data = buf;
	return 0;
}

int mapper_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mapper_dev *md = mapper_file_dev(file);
	struct mapper_buf *buf = md->buf;
	unsigned long pages = vma_pages(vma);
	int ret;

	/* Written so that no sum can overflow, whatever user space passes. */
	if (vma->vm_pgoff >= buf->nr_pages ||
	    pages > buf->nr_pages - vma->vm_pgoff) {
		dev_info_ratelimited(&md->dev,
				     "mmap of %lu pages at page %lu is outside the %lu-page buffer\n",
				     pages, vma->vm_pgoff, buf->nr_pages);
		return -EINVAL;
	}

	/*
	 * The cache mode cannot change while this mapping exists: it counts
	 * in maps from here on, under the lock that mode changes take.
	 */
	mutex_lock(&buf->vmap_lock);
	ret = mapper_mmap_buf(buf, vma, &md->dev, "mmap");
	if (!ret) {
		vma->vm_ops = &mapper_vm_ops;
		mapper_vm_open(vma);
	}
	mutex_unlock(&buf->vmap_lock);
	return ret;
}
