// SPDX-License-Identifier: GPL-2.0
/*
 * 5.11 moved the mark of a page charged to a memory cgroup from a page type,
 * which shares its word with the count of user mappings, to memcg_data.
 */
#include <linux/memcontrol.h>

unsigned long mapper_probe(void)
{
	return MEMCG_DATA_KMEM;
}
