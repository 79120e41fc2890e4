/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the in-VM test programs share: mapper loaded and unloaded through the
 * module system calls (as insmod and rmmod do, with their errno), the kernel
 * log lines a test caused, read from /dev/kmsg, a mapping's smaps fields and
 * writes to a device's sysfs attributes.
 */
#ifndef MAPPER_VM_UTIL_H
#define MAPPER_VM_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The module the VM's /init loaded; MAPPER_KO names another copy. */
static inline const char *module_path(void)
{
	const char *p = getenv("MAPPER_KO");

	return p ? p : "/lib/modules/mapper.ko";
}

/* insmod through finit_module(2): returns 0 or -errno. */
static inline int load_ko(const char *path, const char *params)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0) ? -errno : 0;
	close(fd);
	return ret;
}

static inline int load(const char *params)
{
	return load_ko(module_path(), params);
}

/* rmmod: O_NONBLOCK, so a module in use gives -EWOULDBLOCK at once. */
static inline int unload(void)
{
	return syscall(SYS_delete_module, "mapper", O_NONBLOCK) ? -errno : 0;
}

static inline int loaded(void)
{
	return access("/sys/module/mapper", F_OK) == 0;
}

/* A reader of the kernel log records appended from now on. */
static inline int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* How many new records contain @needle; the text of the last one in @last. */
static inline int kmsg_lines(int fd, const char *needle, char *last, size_t lastsz)
{
	char rec[1024];
	int count = 0;
	ssize_t n;

	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0) {
		char *msg;

		rec[n] = '\0';
		rec[strcspn(rec, "\n")] = '\0';	/* drop the SUBSYSTEM= lines */
		msg = strchr(rec, ';');
		if (msg && strstr(msg, needle)) {
			count++;
			snprintf(last, lastsz, "%s", msg + 1);
		}
	}
	return count;
}

/* A "Field:   N kB" line of /proc/self/smaps, for the VMA holding @addr. */
static inline long smaps_kb(const void *addr, const char *field)
{
	char line[512];
	int in = 0;
	long kb = -1;
	size_t flen = strlen(field);
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			in = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
			continue;
		}
		if (in && !strncmp(line, field, flen) && line[flen] == ':') {
			kb = strtol(line + flen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

/*
 * The page allocator's largest block in bytes (4 MiB with 4 KiB pages, 32 MiB
 * with arm64's 16 KiB ones): /proc/buddyinfo has a column per order. -1 if
 * it cannot be read.
 */
static inline long long buddy_largest(void)
{
	char line[512];
	int orders = -4;	/* "Node 0, zone NAME" precede the orders */
	FILE *f = fopen("/proc/buddyinfo", "r");

	if (!f)
		return -1;
	if (fgets(line, sizeof(line), f))
		for (char *t = strtok(line, " \t\n"); t; t = strtok(NULL, " \t\n"))
			orders++;
	fclose(f);
	if (orders < 1)
		return -1;
	return (long long)sysconf(_SC_PAGESIZE) << (orders - 1);
}

/* Writes @text to @path in one write(): 0 or -errno. */
static inline int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Writes @text to /sys/class/mapper/mapper@n/@attr: 0 or -errno. */
static inline int sysfs_write(int n, const char *attr, const char *text)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/class/mapper/mapper%d/%s", n, attr);
	return write_file(path, text);
}

#endif /* MAPPER_VM_UTIL_H */
