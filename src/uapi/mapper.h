/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mapper: zero-copy access to kernel buffers through /dev/mapperN.
 *
 * Installed as <mapper.h>; shared by the module and by user programs.
 *
 *	struct mapper_info info = { .argsz = sizeof(info) };
 *	int fd = open("/dev/mapper0", O_RDWR);
 *
 *	ioctl(fd, MAPPER_IOC_INFO, &info);
 *	p = mmap(NULL, info.buf_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
 */
#ifndef _UAPI_MAPPER_H
#define _UAPI_MAPPER_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

/* Unassigned in the kernel's Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define MAPPER_IOC_MAGIC	0xD7

/*
 * Command numbers are frozen: each encodes its direction and the size its
 * structure had when the command was introduced, and never changes, so that
 * strace and valgrind can decode it and every binary keeps working. The size
 * that counts is argsz, the first field of every structure: the bytes the
 * caller provides. The module reads and writes no further than that and
 * tells in argsz how many bytes it knows, so structures grow without new
 * numbers, and callers built against newer headers work with older modules
 * (from 0.2.0 on) and the other way round. Structures the module reads
 * follow copy_struct_from_user(): bytes past what the module knows must be
 * zero (E2BIG otherwise), so a newer caller's unset fields mean "default".
 */

/**
 * struct mapper_info - MAPPER_IOC_INFO result
 * @argsz:	in: bytes of this structure the caller provides (at least
 *		MAPPER_INFO_SIZE_V1); out: bytes the module knows, so a
 *		newer caller on an older module can tell which fields are set.
 *		The module never writes past the caller's @argsz.
 * @version:	out: version of this structure's layout (MAPPER_INFO_VERSION).
 * @buf_size:	out: buffer size in bytes (a whole number of pages).
 * @page_size:	out: the kernel's page size.
 * @index:	out: N of /dev/mapperN.
 * @maps:	out: live mappings (VMAs) of this buffer, in all processes.
 * @events:	out: notifications sent by kernel producers so far. Receiving
 *		it acknowledges them for this open file: poll() reports
 *		POLLPRI again only after the next notification.
 * @flags:	out: MAPPER_INFO_F_* capabilities of this device.
 * @reserved:	zero.
 */
struct mapper_info {
	__u32 argsz;
	__u32 version;
	__u64 buf_size;
	__u32 page_size;
	__u32 index;
	__u64 maps;
	__u64 events;
	__u64 flags;
	__u64 reserved[4];
};

#define MAPPER_INFO_VERSION	1
#define MAPPER_INFO_F_NOTIFY	_BITULL(0)	/* poll() reports POLLPRI on notify */
#define MAPPER_INFO_F_SYNC	_BITULL(1)	/* MAPPER_IOC_SYNC exists */
#define MAPPER_INFO_F_CONTIGUOUS _BITULL(2)	/* the buffer is one physical block */
#define MAPPER_INFO_F_DMABUF	_BITULL(3)	/* MAPPER_IOC_EXPORT_DMABUF exists */
#define MAPPER_INFO_SIZE_V1	32	/* up to and including @maps */

/* 80: the structure's size in 0.1.0, frozen in the number whatever it grows to. */
#define MAPPER_IOC_INFO		_IOC(_IOC_READ | _IOC_WRITE, MAPPER_IOC_MAGIC, 0x00, 80)

/**
 * struct mapper_sync - MAPPER_IOC_SYNC argument
 * @argsz:	bytes of this structure the caller provides (at least
 *		MAPPER_SYNC_SIZE_V1).
 * @flags:	exactly one of MAPPER_SYNC_FOR_DEVICE (the CPU is done with the
 *		range: devices may read it) and MAPPER_SYNC_FOR_CPU (devices
 *		are done: the CPU may read what they wrote), and at least one
 *		of MAPPER_SYNC_TO_DEVICE and MAPPER_SYNC_FROM_DEVICE, the way
 *		the data goes.
 * @offset:	first byte of the range, in the buffer.
 * @length:	bytes of the range; 0 for the rest of the buffer.
 *
 * Syncs the range on every DMA mapping a driver holds of the buffer
 * (mapper_dma_map(): caches of a non-coherent device, bounce buffers),
 * each mapping in the directions it has. Nothing to do, and success, for
 * coherent devices and a buffer nobody maps for a device.
 */
struct mapper_sync {
	__u32 argsz;
	__u32 flags;
	__u64 offset;
	__u64 length;
};

#define MAPPER_SYNC_FOR_DEVICE	_BITUL(0)
#define MAPPER_SYNC_FOR_CPU	_BITUL(1)
#define MAPPER_SYNC_TO_DEVICE	_BITUL(2)
#define MAPPER_SYNC_FROM_DEVICE	_BITUL(3)
#define MAPPER_SYNC_SIZE_V1	24

#define MAPPER_IOC_SYNC		_IOC(_IOC_WRITE, MAPPER_IOC_MAGIC, 0x01, 24)

/**
 * struct mapper_export_dmabuf - MAPPER_IOC_EXPORT_DMABUF argument
 * @argsz:	bytes of this structure the caller provides (at least
 *		MAPPER_EXPORT_DMABUF_SIZE_V1).
 * @flags:	O_RDONLY or O_RDWR (what the dma-buf allows: a read-only one
 *		lets no device write and has no kernel mapping; a read-only
 *		open of the device exports read-only only), and O_CLOEXEC.
 * @offset:	first byte of the range, in the buffer: whole pages.
 * @length:	bytes of the range, whole pages; 0 for the rest of the buffer.
 * @fd:		out: the new dma-buf's file descriptor.
 * @reserved:	zero.
 *
 * A new dma-buf of the range, which importers (V4L2, DRM, ...) take by its
 * file descriptor. It holds the buffer until its last reference goes: the
 * buffer cannot be removed strictly, nor change its cache mode, and the
 * module cannot be unloaded, meanwhile.
 */
struct mapper_export_dmabuf {
	__u32 argsz;
	__u32 flags;
	__u64 offset;
	__u64 length;
	__s32 fd;
	__u32 reserved;
};

#define MAPPER_EXPORT_DMABUF_SIZE_V1	32

#define MAPPER_IOC_EXPORT_DMABUF _IOC(_IOC_READ | _IOC_WRITE, MAPPER_IOC_MAGIC, 0x02, 32)

#endif /* _UAPI_MAPPER_H */
