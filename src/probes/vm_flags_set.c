// SPDX-License-Identifier: GPL-2.0
/* vma->vm_flags became read-only in 6.3: writers use vm_flags_set()/clear(). */
#include <linux/mm.h>

void mapper_probe(struct vm_area_struct *vma)
{
	vm_flags_set(vma, VM_DONTDUMP);
	vm_flags_clear(vma, VM_MAYEXEC);
}
