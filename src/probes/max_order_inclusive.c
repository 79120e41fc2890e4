// SPDX-License-Identifier: GPL-2.0
/* 6.4 to 6.7: MAX_ORDER is the largest order itself, not one past it. */
#include <linux/mmzone.h>

#ifdef MAX_PAGE_ORDER
#error "MAX_PAGE_ORDER says it"
#endif
static_assert(MAX_ORDER_NR_PAGES == 1UL << MAX_ORDER);
