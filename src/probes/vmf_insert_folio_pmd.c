// SPDX-License-Identifier: GPL-2.0
/*
 * 6.15 added vmf_insert_folio_pmd(): a fault handler maps a PMD-sized folio
 * with its reference and mapcount, as a normal (not special) entry.
 * Where it exists, finish_fault() was seen not to map mapper's folios with a
 * PMD any more (Debian's 7.2), so mapper maps them itself.
 */
#include <linux/mm.h>

vm_fault_t mapper_probe(struct vm_fault *vmf)
{
	return vmf_insert_folio_pmd(vmf, page_folio(vmf->page), true);
}
