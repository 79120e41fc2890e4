// SPDX-License-Identifier: GPL-2.0
/*
 * Each buffer's inode, on a small internal file system of mapper's own.
 *
 * Every open file of /dev/mapperN points its f_mapping at its buffer's inode
 * (as DRM does with its anonymous inode), so that the mm core sees a file of
 * the buffer's size behind each mapping: since 6.12 (and in stable kernels
 * that took the change) finish_fault() maps no large folio across i_size,
 * and a character device's own inode has size 0. The mapping's i_mmap tree
 * also lists every VMA of the buffer, whichever node it was opened through.
 * No page of the buffer is in the page cache: the inode has no pages.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>

#include "internal.h"

#define MAPPER_FS_MAGIC		0x6d617072	/* "mapr" */

static struct vfsmount *mapper_mnt;

static int mapper_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, MAPPER_FS_MAGIC) ? 0 : -ENOMEM;
}

/* No owner: the internal mount must not pin the module it belongs to. */
static struct file_system_type mapper_fs_type = {
	.name = "mapper",
	.init_fs_context = mapper_fs_init_fs_context,
	.kill_sb = kill_anon_super,
};

int mapper_inode_init(void)
{
	mapper_mnt = kern_mount(&mapper_fs_type);
	return PTR_ERR_OR_ZERO(mapper_mnt);
}

void mapper_inode_exit(void)
{
	kern_unmount(mapper_mnt);
}

/* An inode of @size bytes; iput() frees it. */
struct inode *mapper_inode_new(loff_t size)
{
	struct inode *inode = alloc_anon_inode(mapper_mnt->mnt_sb);

	if (!IS_ERR(inode))
		i_size_write(inode, size);
	return inode;
}
