// SPDX-License-Identifier: GPL-2.0
/* mm->get_unmapped_area went away in 6.10 (mm_get_unmapped_area() instead). */
#include <linux/fs.h>
#include <linux/mm_types.h>
#include <linux/sched.h>

unsigned long mapper_probe(struct file *file)
{
	return current->mm->get_unmapped_area(file, 0, PAGE_SIZE, 0, 0);
}
