// SPDX-License-Identifier: GPL-2.0
/*
 * x86 changes the kernel's own (direct map) attributes of RAM pages with
 * set_pages_array_wc()/_uc()/_wb(), so that a write-combined or uncached user
 * mapping never aliases a write-back one (PAT forbids that). Elsewhere mapper
 * offers the cached mode only.
 */
#include <linux/mm.h>
#include <asm/set_memory.h>

int mapper_probe(struct page **pages, int n)
{
	return set_pages_array_wc(pages, n) ?: set_pages_array_uc(pages, n) ?:
	       set_pages_array_wb(pages, n);
}
