// SPDX-License-Identifier: GPL-2.0
/* 5.15: the sg_table builder with a segment limit returns an int. */
#include <linux/scatterlist.h>

int mapper_probe(struct sg_table *sgt, struct page **pages)
{
	return sg_alloc_table_from_pages_segment(sgt, pages, 1, 0, PAGE_SIZE,
						 PAGE_SIZE, GFP_KERNEL);
}
