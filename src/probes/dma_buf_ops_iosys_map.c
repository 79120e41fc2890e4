// SPDX-License-Identifier: GPL-2.0
/* 5.18: dma-buf's vmap takes a struct iosys_map (5.10: returns the address). */
#include <linux/dma-buf.h>

static int mapper_probe_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	return 0;
}

const struct dma_buf_ops mapper_probe_ops = {
	.vmap = mapper_probe_vmap,
};
