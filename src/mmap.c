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
 * Each VMA also holds a reference on the buffer, and its vm_file pins the
 * file and so the module, which is why rmmod is refused while anything is
 * mapped, even after the last close().
 */
#include <linux/fs.h>
#include <linux/mm.h>

#include "compat.h"
#include "internal.h"

static void mapper_vm_open(struct vm_area_struct *vma)
{
	struct mapper_buf *buf = vma->vm_private_data;

	/* Called for fork, VMA splits and mremap moves: one count per VMA. */
	mapper_buf_get(buf);
	atomic_long_inc(&buf->maps);
}

static void mapper_vm_close(struct vm_area_struct *vma)
{
	struct mapper_buf *buf = vma->vm_private_data;

	atomic_long_dec(&buf->maps);
	mapper_buf_put(buf);
}

static vm_fault_t mapper_vm_fault(struct vm_fault *vmf)
{
	struct mapper_buf *buf = vmf->vma->vm_private_data;
	struct page *page;

	/* vmf->pgoff is the page's index in the buffer; mmap checked the range. */
	if (unlikely(vmf->pgoff >= buf->nr_pages))
		return VM_FAULT_SIGBUS;

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

int mapper_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mapper_dev *md = mapper_file_dev(file);
	struct mapper_buf *buf = md->buf;
	unsigned long pages = vma_pages(vma);

	/* Written so that no sum can overflow, whatever user space passes. */
	if (vma->vm_pgoff >= buf->nr_pages ||
	    pages > buf->nr_pages - vma->vm_pgoff) {
		dev_info_ratelimited(&md->dev,
				     "mmap of %lu pages at page %lu is outside the %lu-page buffer\n",
				     pages, vma->vm_pgoff, buf->nr_pages);
		return -EINVAL;
	}

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

	vma->vm_ops = &mapper_vm_ops;
	vma->vm_private_data = buf;
	mapper_vm_open(vma);
	return 0;
}
