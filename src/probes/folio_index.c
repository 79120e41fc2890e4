// SPDX-License-Identifier: GPL-2.0
/*
 * struct folio (5.16) carries the file index; 7.x removed struct page's
 * own index field, so the index is set through the folio where one exists.
 */
#include <linux/mm.h>

void mapper_probe(struct page *page)
{
	page_folio(page)->index = 0;
}
