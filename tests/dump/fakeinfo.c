// SPDX-License-Identifier: GPL-2.0
/*
 * MAPPER_IOC_INFO without the module, for mapper-dump's host tests of
 * --info: LD_PRELOADed with FAKE_INFO=INDEX:SIZE set, the ioctl on any
 * character device (/dev/null) answers as /dev/mapperINDEX of SIZE bytes
 * would, so that the rest of --info is read from the fake sysfs tree of
 * MAPPER_SYSROOT (the test build's hook). Every other call passes through.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "uapi/mapper.h"

int ioctl(int fd, unsigned long request, ...)
{
	static int (*real)(int, unsigned long, ...);
	const char *fake = getenv("FAKE_INFO");
	struct mapper_info *info;
	unsigned long long size;
	unsigned int index;
	struct stat st;
	va_list ap;
	void *arg;
	__u32 argsz;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!real)
		real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	if (request != MAPPER_IOC_INFO || !fake || fstat(fd, &st) || !S_ISCHR(st.st_mode))
		return real(fd, request, arg);
	if (sscanf(fake, "%u:%llu", &index, &size) != 2) {
		errno = EINVAL;
		return -1;
	}
	info = arg;
	argsz = info->argsz < sizeof(*info) ? info->argsz : sizeof(*info);
	memset(info, 0, argsz);
	info->argsz = argsz;
	info->version = MAPPER_INFO_VERSION;
	info->buf_size = size;
	info->page_size = 4096;
	info->index = index;
	info->flags = MAPPER_INFO_F_NOTIFY;
	return 0;
}
