// SPDX-License-Identifier: GPL-2.0
/*
 * mapper_fault: the in-VM helper of `make check-debug` (tests/vm/faults.sh and
 * tests/vm/cycles.sh), for what busybox sh cannot do.
 *
 *   mapper_fault insmod KO [PARAMS]   finit_module(); prints "ok" or the errno
 *                                     name (EINVAL, ...); exit 0 only on success
 *   mapper_fault rmmod NAME           delete_module(); same output
 *   mapper_fault inject OP [KO]       fail-nth over one operation, see below
 *   mapper_fault wb-check FILE        the pages whose frame numbers FILE lists
 *                                     (inject cache wrote it) are write-back
 *                                     in the kernel's direct map
 *
 * inject makes allocation number 1, 2, 3, ... inside OP fail, through
 * /proc/thread-self/fail-nth (failslab and fail_page_alloc must be set up to
 * honour it: faults.sh does that), until OP runs with no failure left to
 * inject. OP is done by this very thread between writing fail-nth and reading
 * it back, since fail-nth counts per thread. Each attempt must either succeed
 * or fail with an errno; after each one the kernel log (/dev/kmsg) must have
 * no new splat, nothing may stay registered after a failed load, and the
 * buffer's live mapping count must come back to 0 (a reference left behind
 * on an error path shows there). Prints one TAP line per OP:
 *
 *   ok - inject mmap: 37 faults injected, every attempt clean (ENOMEM x30, ok x7)
 *
 * and "# injected N" for faults.sh to add up. OPs: load (mapper.ko, KO is its
 * path; each successful load is unloaded again), load-sample (mapper_sample.ko
 * with mapper loaded), open, mmap (MAP_SHARED, every page written), private
 * (MAP_PRIVATE, every page written: copy-on-write), split (mprotect of a
 * middle page splits the VMA), fork (a child inherits a mapping), read and
 * write (the whole buffer, to or from anonymous memory not faulted in yet, so
 * a failure can land inside the copy: a short count is a clean result), ioctl
 * (MAPPER_IOC_INFO and poll), load-open (load, while another process keeps
 * trying to open and map /dev/mapper0: it must never succeed during a load
 * that then fails, since the module is freed under that file), and cache
 * (sysfs cache wc, uc, cached: after every attempt the mode the attribute
 * reports must be the mode of every page in the kernel's direct map, read
 * from debugfs page_tables, and the data must be intact), enable (writing 1
 * to the enable attribute of a configfs item, /sys/kernel/config/mapper;
 * enable-contig the same for a contiguous buffer, enable-dma for one
 * allocated for a device, the first PCI device there is), dma-map (the
 * sample driver mapper_edu.ko maps mapper1 for QEMU's edu device: after a
 * failure no DMA mapping or holder is left, after a success exactly one),
 * export (MAPPER_IOC_EXPORT_DMABUF, the dma-buf mapped and closed) and
 * import (vgem takes the dma-buf: attach and DMA mapping), after each of
 * which no dma-buf, DMA mapping or descriptor is left),
 * create (a buffer's whole life through configfs: mkdir, size, node,
 * enable, open and read it, detach while open, close, rmdir) and
 * export-detach (a configfs buffer exported, its node closed, detached
 * while only the dma-buf holds it, the dma-buf mapped, written and taken by
 * vgem where there is one, closed, rmdir: freed with the dma-buf). After each
 * configfs attempt nothing may be half-made: a failed enable leaves enable
 * 0 and index -1, and (once a successful one is undone) the devices in
 * /sys/class/mapper, /dev/mapper*, total_bytes and the configfs items are
 * what they were before. Successes with a
 * fault injected are normal: the
 * failure may hit an allocation that has a fallback (a smaller chunk, a page
 * fault retried).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <regex.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mapper.h"

#define MAX_ATTEMPTS	20000	/* far above any path here: a runaway loop is a failure */
#define SHORT		254	/* not an errno: a read or write that copied less */

/*
 * What a kernel report looks like: the harness's one list (tests/lib/splats,
 * which the VM has as /etc/splats), one extended regex a line.
 */
#define SPLATS		"/etc/splats"
#define MAX_SPLATS	64
static regex_t splat_re[MAX_SPLATS];
static int nsplat;

static int kmsg_fd = -1;
static char *leftover;		/* a mapping whose munmap() failed under injection */
static int nth_fd = -1;
static long page;

static const char *errname(int e)
{
	switch (e) {
	case 0: return "ok";
	case SHORT: return "short";
	case ENOMEM: return "ENOMEM";
	case EINVAL: return "EINVAL";
	case EFAULT: return "EFAULT";
	case EAGAIN: return "EAGAIN";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENOENT: return "ENOENT";
	case ENODEV: return "ENODEV";
	case ENXIO: return "ENXIO";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ENOSPC: return "ENOSPC";
	case EINTR: return "EINTR";
	case ENOTTY: return "ENOTTY";
	case EFBIG: return "EFBIG";
	case ENOEXEC: return "ENOEXEC";
	default: {
		static char buf[32];

		snprintf(buf, sizeof(buf), "errno%d", e);
		return buf;
	}
	}
}

/* ---- the kernel log: every new record since the last call --------------- */

static void splats_load(void)
{
	char line[256];
	FILE *f = fopen(SPLATS, "r");

	if (!f) {
		perror(SPLATS);
		exit(2);
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!line[0])
			continue;
		if (nsplat == MAX_SPLATS || regcomp(&splat_re[nsplat], line, REG_EXTENDED | REG_NOSUB)) {
			fprintf(stderr, "%s: cannot use pattern '%s'\n", SPLATS, line);
			exit(2);
		}
		nsplat++;
	}
	fclose(f);
}

static void kmsg_open(void)
{
	splats_load();
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg_fd < 0) {
		perror("/dev/kmsg");
		exit(2);
	}
	lseek(kmsg_fd, 0, SEEK_END);
}

/* Returns 1 and prints the records if a splat was logged since the last call. */
static int kmsg_splat(void)
{
	char rec[8192];
	int found = 0;
	ssize_t n;

	for (;;) {
		n = read(kmsg_fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)	/* overwritten records: read on */
			continue;
		if (n <= 0)
			break;
		rec[n] = '\0';
		for (int i = 0; i < nsplat; i++) {
			if (!regexec(&splat_re[i], rec, 0, NULL, 0)) {
				char *msg = strchr(rec, ';');

				printf("# kernel: %s", msg ? msg + 1 : rec);
				found = 1;
				break;
			}
		}
	}
	return found;
}

/* ---- fail-nth of this thread -------------------------------------------- */

static void nth_set(unsigned int n)
{
	char s[16];
	int len = snprintf(s, sizeof(s), "%u", n);

	if (pwrite(nth_fd, s, len, 0) != len) {
		perror("fail-nth write");
		exit(2);
	}
}

/* 1 if the failure set up by nth_set() was injected; fail-nth is reset. */
static int nth_injected(void)
{
	char s[16] = "";
	ssize_t n = pread(nth_fd, s, sizeof(s) - 1, 0);
	int injected;

	if (n <= 0) {
		perror("fail-nth read");
		exit(2);
	}
	injected = atoi(s) == 0;
	nth_set(0);
	return injected;
}

/* ---- module load and unload --------------------------------------------- */

static int load(const char *ko, const char *params)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return errno;
	ret = syscall(SYS_finit_module, fd, params, 0) ? errno : 0;
	close(fd);
	return ret;
}

static int unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? errno : 0;
}

static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Nothing of mapper is registered: the state a failed load must leave. */
static int mapper_gone(void)
{
	int gone = 1;

	if (exists("/sys/module/mapper")) {
		printf("# /sys/module/mapper is still there\n");
		gone = 0;
	}
	if (exists("/sys/class/mapper")) {
		printf("# /sys/class/mapper is still there\n");
		gone = 0;
	}
	if (exists("/dev/mapper0")) {
		printf("# /dev/mapper0 is still there\n");
		gone = 0;
	}
	return gone;
}

/* ---- load-open: a process that opens the device whenever it can -------- */

struct opener {
	int armed;		/* parent: open while set */
	unsigned int gen;	/* parent: bumped to ask for an acknowledgement */
	unsigned int ack;	/* child: gen seen while idle, holding nothing */
	unsigned int attempt;	/* parent: the load attempt under way */
	unsigned int opened;	/* child: the attempt in which an open worked */
};

static struct opener *opener;
static pid_t opener_pid;

static void opener_loop(void)
{
	for (;;) {
		int fd;

		if (!__atomic_load_n(&opener->armed, __ATOMIC_SEQ_CST)) {
			__atomic_store_n(&opener->ack, __atomic_load_n(&opener->gen, __ATOMIC_SEQ_CST),
					 __ATOMIC_SEQ_CST);
			usleep(200);
			continue;
		}
		fd = open("/dev/mapper0", O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			char *p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

			__atomic_store_n(&opener->opened, opener->attempt, __ATOMIC_SEQ_CST);
			if (p != MAP_FAILED) {
				p[0] = 1;
				usleep(2000);	/* hold it across the rest of the load */
				munmap(p, page);
			}
			close(fd);
		}
	}
}

static int opener_start(void)
{
	opener = mmap(NULL, sizeof(*opener), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (opener == MAP_FAILED)
		return -1;
	memset(opener, 0, sizeof(*opener));
	opener_pid = fork();
	if (opener_pid < 0)
		return -1;
	if (opener_pid == 0)
		opener_loop();
	return 0;
}

static void opener_arm(unsigned int attempt)
{
	__atomic_store_n(&opener->attempt, attempt, __ATOMIC_SEQ_CST);
	__atomic_store_n(&opener->armed, 1, __ATOMIC_SEQ_CST);
}

/* Stops the opener and waits until it holds no file of the device. */
static void opener_disarm(void)
{
	unsigned int gen;

	__atomic_store_n(&opener->armed, 0, __ATOMIC_SEQ_CST);
	gen = __atomic_add_fetch(&opener->gen, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&opener->ack, __ATOMIC_SEQ_CST) != gen)
		usleep(100);
}

static void opener_stop(void)
{
	if (opener_pid > 0) {
		kill(opener_pid, SIGKILL);
		waitpid(opener_pid, NULL, 0);
	}
}

/* ---- cache: the direct map's attributes of the buffer's pages ----------- */

#define MAX_PFNS	64

static uint64_t pfns[MAX_PFNS];
static size_t nr_pfns;

/* The frame number of every page of /dev/mapper0, from /proc/self/pagemap. */
static int read_pfns(int fd, size_t size)
{
	int pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	char *p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	int ret = -1;

	nr_pfns = size / page;
	if (pm >= 0 && p != MAP_FAILED && nr_pfns <= MAX_PFNS) {
		ret = 0;
		for (size_t i = 0; i < nr_pfns; i++) {
			uint64_t e;

			(void)*(volatile char *)(p + i * page);
			if (pread(pm, &e, sizeof(e), ((uintptr_t)p / page + i) * 8) != sizeof(e) ||
			    !(e >> 63) || !(e & ((1ULL << 55) - 1))) {
				ret = -1;
				break;
			}
			pfns[i] = e & ((1ULL << 55) - 1);
		}
	}
	if (p != MAP_FAILED)
		munmap(p, size);
	if (pm >= 0)
		close(pm);
	return ret;
}

/*
 * The cache mode each page of pfns[] has in the direct map (x86 PAT as Linux
 * programs it: PWT alone is write-combined, PCD alone uncached-minus),
 * written as "cached", "wc", "uc" or "?" into mode[]. 0, or -1 without
 * debugfs page_tables.
 */
static int direct_map_modes(const char *mode[])
{
	FILE *f = fopen("/sys/kernel/debug/page_tables/kernel", "r");
	unsigned long long base = 0;
	char line[256];
	int in_low = 0;

	/* Without PAT (no pat_memtype_list) wc is UC- and the modes mean little. */
	if (!f || !exists("/sys/kernel/debug/x86/pat_memtype_list")) {
		printf("# no page_tables or no PAT in this kernel\n");
		if (f)
			fclose(f);
		return -1;
	}
	for (size_t i = 0; i < nr_pfns; i++)
		mode[i] = "?";
	while (fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi;

		if (strstr(line, "---[")) {
			in_low = strstr(line, "Low Kernel Mapping") != NULL;
			base = 0;
			continue;
		}
		if (!in_low || sscanf(line, "0x%llx-0x%llx", &lo, &hi) != 2)
			continue;
		if (!base)
			base = lo;	/* the section starts at the direct map's base */
		for (size_t i = 0; i < nr_pfns; i++) {
			unsigned long long va = base + pfns[i] * page;
			int pwt = strstr(line, " PWT ") != NULL, pcd = strstr(line, " PCD ") != NULL;

			if (va < lo || va >= hi)
				continue;
			mode[i] = !pwt && !pcd ? "cached" : pwt && !pcd ? "wc" :
				  !pwt && pcd ? "uc" : "?";
		}
	}
	fclose(f);
	return 0;
}

static int sysfs_cache(char *out, size_t len)
{
	FILE *f = fopen("/sys/class/mapper/mapper0/cache", "r");
	int ok = f && fgets(out, len, f);

	if (f)
		fclose(f);
	if (ok)
		out[strcspn(out, "\n")] = '\0';
	return ok ? 0 : -1;
}

static int sysfs_cache_set(const char *mode)
{
	int fd = open("/sys/class/mapper/mapper0/cache", O_WRONLY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return errno;
	if (write(fd, mode, strlen(mode)) < 0)
		ret = errno;
	close(fd);
	return ret;
}

/*
 * After an attempt: the reported mode is every page's mode; "unknown" only
 * until a write of "cached" succeeds. Leaves the device cached.
 */
static int cache_consistent(const char *op, unsigned int n, int fd, size_t size)
{
	const char *mode[MAX_PFNS];
	char want[32], *back;
	int bad = 0, e;

	if (sysfs_cache(want, sizeof(want))) {
		printf("# %s: attempt %u: cannot read the cache attribute\n", op, n);
		return 1;
	}
	if (!strcmp(want, "unknown")) {
		printf("# %s: attempt %u left the modes unknown; write-back again\n", op, n);
		e = sysfs_cache_set("cached");
		if (e) {
			printf("# %s: attempt %u: cached after unknown: %s\n", op, n, errname(e));
			return 1;
		}
		snprintf(want, sizeof(want), "cached");
	}
	if (direct_map_modes(mode)) {
		return 1;
	}
	for (size_t i = 0; i < nr_pfns; i++) {
		if (strcmp(mode[i], want)) {
			printf("# %s: attempt %u: the device says %s, page %zu (pfn %#llx) is %s\n",
			       op, n, want, i, (unsigned long long)pfns[i], mode[i]);
			bad = 1;
			break;
		}
	}
	back = malloc(size);
	if (!back || pread(fd, back, size, 0) != (ssize_t)size) {
		printf("# %s: attempt %u: cannot read the buffer back\n", op, n);
		bad = 1;
	} else {
		for (size_t i = 0; i < size; i++) {
			if (back[i] != (char)(i * 7 + 1)) {
				printf("# %s: attempt %u: byte %zu changed\n", op, n, i);
				bad = 1;
				break;
			}
		}
	}
	free(back);
	e = sysfs_cache_set("cached");
	if (e) {
		printf("# %s: attempt %u: back to cached: %s\n", op, n, errname(e));
		bad = 1;
	}
	return bad;
}

/* wb-check: after rmmod, the freed pages are write-back in the direct map. */
static int wb_check(const char *file)
{
	const char *mode[MAX_PFNS];
	FILE *f = fopen(file, "r");
	unsigned long long v;
	int bad = 0;

	nr_pfns = 0;
	while (f && nr_pfns < MAX_PFNS && fscanf(f, "%llx", &v) == 1)
		pfns[nr_pfns++] = v;
	if (f)
		fclose(f);
	if (!nr_pfns || direct_map_modes(mode)) {
		printf("not ok - freed buffer pages are write-back (no frame list or no page_tables)\n");
		return 1;
	}
	for (size_t i = 0; i < nr_pfns; i++) {
		if (strcmp(mode[i], "cached")) {
			printf("# pfn %#llx is %s in the direct map\n", (unsigned long long)pfns[i],
			       mode[i]);
			bad = 1;
		}
	}
	printf("%s - the %zu freed buffer pages are write-back in the direct map\n",
	       bad ? "not ok" : "ok", nr_pfns);
	return bad;
}

/* ---- configfs: buffers made at run time ---------------------------------- */

#define CFS		"/sys/kernel/config/mapper"
#define CFS_ITEM	"fault"

static int write_path(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return errno;
	if (write(fd, text, strlen(text)) < 0)
		ret = errno;
	close(fd);
	return ret;
}

static int cfs_write(const char *attr, const char *text)
{
	char path[128];

	snprintf(path, sizeof(path), CFS "/" CFS_ITEM "/%s", attr);
	return write_path(path, text);
}

/* An attribute of the item as a number; -999 if it cannot be read. */
static long cfs_long(const char *attr)
{
	char path[128], text[32] = "";
	FILE *f;
	long v = -999;

	snprintf(path, sizeof(path), CFS "/" CFS_ITEM "/%s", attr);
	f = fopen(path, "r");
	if (f && fgets(text, sizeof(text), f))
		v = strtol(text, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

static int count_entries(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && !strncmp(e->d_name, prefix, strlen(prefix)))
			n++;
	closedir(d);
	return n;
}

/* What a configfs attempt may not leave behind. */
struct cstate {
	int items, devs, nodes;
	long long total;
};

static struct cstate cstate(void)
{
	struct cstate c = {
		.items = count_entries(CFS, ""),
		.devs = count_entries("/sys/class/mapper", "mapper"),
		.nodes = count_entries("/dev", "mapper"),
		.total = -1,
	};
	FILE *f = fopen("/sys/class/mapper/total_bytes", "r");

	if (f && fscanf(f, "%lld", &c.total) != 1)
		c.total = -1;
	if (f)
		fclose(f);
	return c;
}

static int cstate_differs(const char *op, unsigned int n, int ret, struct cstate want)
{
	struct cstate now;

	/* A buffer held by a dma-buf goes with its last fput, perhaps deferred. */
	for (int i = 0; i < 50; i++) {
		now = cstate();
		if (now.items == want.items && now.devs == want.devs &&
		    now.nodes == want.nodes && now.total == want.total)
			return 0;
		usleep(10000);
	}
	printf("# %s: attempt %u (%s) left %d items, %d devices, %d nodes, %lld bytes; "
	       "%d, %d, %d, %lld before\n", op, n, errname(ret), now.items, now.devs,
	       now.nodes, now.total, want.items, want.devs, want.nodes, want.total);
	return 1;
}

static struct cstate cfs_base;

/* enable, enable-contig, enable-dma: writing 1 to enable of a prepared item. */
static int cfs_enable_op(const char *op)
{
	return !strncmp(op, "enable", 6);
}

/* The first PCI device's name into @name, for dma_device. */
static int first_pci_device(char *name, size_t size)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *e;
	int ret = ENOENT;

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' && strlen(e->d_name) < size) {
			memcpy(name, e->d_name, strlen(e->d_name) + 1);
			ret = 0;
			break;
		}
	if (d)
		closedir(d);
	return ret;
}

/* The item of an enable op: a size, and what the variant adds. */
static int cfs_prepare(const char *op)
{
	char dev[64];
	int ret;

	if (mkdir(CFS "/" CFS_ITEM, 0755))
		return errno;
	ret = cfs_write("size", "64K");
	if (!ret && !strcmp(op, "enable-contig"))
		ret = cfs_write("contiguous", "1");
	if (!ret && !strcmp(op, "enable-dma")) {
		ret = first_pci_device(dev, sizeof(dev));
		if (!ret)
			ret = cfs_write("dma_device", dev);
	}
	return ret;
}

/* Before the attempts: the item "enable" works on, or none for "create". */
static int cfs_setup(const char *op)
{
	if (access(CFS, F_OK)) {
		printf("not ok - inject %s: no %s (configfs not mounted?)\n", op, CFS);
		return 1;
	}
	if (cfs_enable_op(op)) {
		int e = cfs_prepare(op);

		if (e) {
			printf("not ok - inject %s: cannot make the item %s (%s)\n", op, CFS_ITEM,
			       errname(e));
			return 1;
		}
	}
	cfs_base = cstate();
	return 0;
}

/* The buffer just enabled is a zeroed /dev/mapperN: 0, or 1 with why. */
static int cfs_enabled_ok(const char *op, unsigned int n)
{
	char path[32], c = 1;
	long index = cfs_long("index");
	int fd;

	snprintf(path, sizeof(path), "/dev/mapper%ld", index);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (cfs_long("enable") != 1 || index < 0 || fd < 0 || pread(fd, &c, 1, 0) != 1 || c) {
		printf("# %s: attempt %u enabled, but enable %ld, index %ld, %s %s\n", op, n,
		       cfs_long("enable"), index, path, fd < 0 ? "cannot be opened" : "is not zeroed");
		if (fd >= 0)
			close(fd);
		return 1;
	}
	close(fd);
	return 0;
}

/*
 * After an attempt (fail-nth off again): the state it left, then undone,
 * back to the state before the attempts.
 */
static int cfs_after(const char *op, unsigned int n, int ret)
{
	int bad = 0, e;

	if (cfs_enable_op(op)) {
		if (ret) {
			if (cfs_long("enable") != 0 || cfs_long("index") != -1) {
				printf("# %s: attempt %u failed (%s) but enable reads %ld, index %ld\n",
				       op, n, errname(ret), cfs_long("enable"), cfs_long("index"));
				bad = 1;
			}
			return bad | cstate_differs(op, n, ret, cfs_base);
		}
		bad = cfs_enabled_ok(op, n);
		e = cfs_write("enable", "0");
		if (e) {
			printf("# %s: attempt %u: enable=0 afterwards: %s\n", op, n, errname(e));
			return 1;
		}
		return bad | cstate_differs(op, n, ret, cfs_base);
	}
	/* create: whatever the sequence got to, undone */
	if (!access(CFS "/" CFS_ITEM, F_OK)) {
		if (cfs_long("enable") == 1) {
			e = cfs_write("enable", "0");
			if (e) {
				printf("# %s: attempt %u: enable=0 afterwards: %s\n", op, n,
				       errname(e));
				bad = 1;
			}
		}
		if (rmdir(CFS "/" CFS_ITEM)) {
			printf("# %s: attempt %u: rmdir afterwards: %s\n", op, n, errname(errno));
			bad = 1;
		}
	}
	return bad | cstate_differs(op, n, ret, cfs_base);
}

static void cfs_teardown(const char *op)
{
	if (cfs_enable_op(op)) {
		if (cfs_long("enable") == 1)
			cfs_write("enable", "0");
		rmdir(CFS "/" CFS_ITEM);
	}
}

/* The whole life of a buffer through configfs; the first errno, or 0. */
static int cfs_create(void)
{
	char path[32], c;
	long index;
	int fd, ret;

	if (mkdir(CFS "/" CFS_ITEM, 0755))
		return errno;
	ret = cfs_write("size", "64K");
	if (!ret)
		ret = cfs_write("node", "0");
	if (!ret)
		ret = cfs_write("enable", "1");
	if (ret)
		return ret;
	index = cfs_long("index");
	snprintf(path, sizeof(path), "/dev/mapper%ld", index);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (pread(fd, &c, 1, 0) != 1)
		ret = errno ? errno : SHORT;
	if (!ret)
		ret = cfs_write("detach", "1");
	/* detached: the file still reads the buffer, freed at its close */
	if (!ret && pread(fd, &c, 1, 0) != 1)
		ret = errno ? errno : SHORT;
	close(fd);
	if (!ret && rmdir(CFS "/" CFS_ITEM))
		ret = errno;
	return ret;
}

/* ---- the operations ------------------------------------------------------ */

static sigjmp_buf on_signal;

static void caught(int sig)
{
	siglongjmp(on_signal, sig);
}

/* Writes every page of a mapping, so that each one takes the fault path. */
static int touch(char *p, size_t len)
{
	int sig;

	sig = sigsetjmp(on_signal, 1);
	if (sig)
		return -sig;
	for (size_t off = 0; off < len; off += page)
		p[off] = (char)(off / page + 1);
	return 0;
}

static size_t dev_size(void)
{
	char text[32] = "";
	FILE *f = fopen("/sys/class/mapper/mapper0/size", "r");

	if (!f || !fgets(text, sizeof(text), f)) {
		printf("# cannot read /sys/class/mapper/mapper0/size\n");
		exit(2);
	}
	fclose(f);
	return strtoul(text, NULL, 0);
}

/*
 * dma-map: the sample driver of QEMU's edu device (mapper_edu.ko) maps
 * mapper1 for its device, mapper_dma_map() under fail-nth.
 */
#define EDU_DRIVER	"/sys/bus/pci/drivers/mapper_edu"
static char edu_buffer[320];	/* its "buffer" attribute */

static long read_long(const char *path)
{
	char s[64] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, s, sizeof(s) - 1);

	if (fd >= 0)
		close(fd);
	return n > 0 ? strtol(s, NULL, 10) : -1;
}

static int edu_setup(const char *op)
{
	DIR *d = opendir(EDU_DRIVER);
	struct dirent *e;

	edu_buffer[0] = '\0';
	while (d && (e = readdir(d)))
		if (!strncmp(e->d_name, "0000:", 5) && strlen(e->d_name) < 64) {
			snprintf(edu_buffer, sizeof(edu_buffer), EDU_DRIVER "/%s/buffer", e->d_name);
			break;
		}
	if (d)
		closedir(d);
	if (!edu_buffer[0] || access(edu_buffer, W_OK)) {
		printf("not ok - inject %s: no device bound to mapper_edu (%s)\n", op, EDU_DRIVER);
		return 1;
	}
	return 0;
}

/* After an attempt: mapped and counted once, or nothing at all; then unmapped. */
static int edu_after(const char *op, unsigned int n, int ret)
{
	const char *maps = "/sys/class/mapper/mapper1/dma_maps";
	const char *holders = "/sys/class/mapper/mapper1/holders";
	int bad = 0, e;

	if (read_long(maps) != (ret ? 0 : 1)) {
		printf("# %s: attempt %u (%s): dma_maps reads %ld\n", op, n, errname(ret),
		       read_long(maps));
		bad = 1;
	}
	if (!ret) {
		e = write_path(edu_buffer, "\n");
		if (e) {
			printf("# %s: attempt %u: unmapping afterwards: %s\n", op, n, errname(e));
			return 1;
		}
	}
	if (read_long(maps) != 0 || read_long(holders) != 0) {
		printf("# %s: attempt %u (%s): %ld DMA mappings and %ld holders left\n", op, n,
		       errname(ret), read_long(maps), read_long(holders));
		bad = 1;
	}
	return bad;
}

/*
 * export: MAPPER_IOC_EXPORT_DMABUF of /dev/mapper0, the new dma-buf mapped
 * and closed again; import: the same dma-buf taken by vgem (PRIME), the
 * attach and the DMA mapping under fail-nth. After each: no dma-buf, DMA
 * mapping or descriptor left.
 */
/* The few DRM ioctls used, as <drm/drm.h> defines them (libdrm-dev is not needed). */
struct drm_version_arg {
	int major, minor, patch;
	size_t name_len;
	char *name;
	size_t date_len;
	char *date;
	size_t desc_len;
	char *desc;
};
struct drm_prime_arg {
	unsigned int handle, flags;
	int fd;
};
struct drm_gem_close_arg {
	unsigned int handle, pad;
};
#define DRM_VERSION_IOC		_IOWR('d', 0x00, struct drm_version_arg)
#define DRM_PRIME_FD_TO_HANDLE	_IOWR('d', 0x2e, struct drm_prime_arg)
#define DRM_GEM_CLOSE		_IOW('d', 0x09, struct drm_gem_close_arg)

static int vgem_fd = -1;

/* The vgem card's descriptor, or -1 (no vgem: the import op is not run). */
static int vgem_open(void)
{
	char path[32], name[16];

	for (int i = 0; i < 8; i++) {
		struct drm_version_arg v = { .name_len = sizeof(name) - 1, .name = name };
		int fd;

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(name, 0, sizeof(name));
		if (!ioctl(fd, DRM_VERSION_IOC, &v) && !strcmp(name, "vgem"))
			return fd;
		close(fd);
	}
	return -1;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

static int export_op(int fd, int import)
{
	struct mapper_export_dmabuf e = {
		.argsz = sizeof(e), .flags = O_RDWR | O_CLOEXEC, .length = 0,
	};
	int ret = 0;

	if (ioctl(fd, MAPPER_IOC_EXPORT_DMABUF, &e))
		return errno;
	if (import) {
		struct drm_prime_arg h = { .fd = e.fd };

		if (ioctl(vgem_fd, DRM_PRIME_FD_TO_HANDLE, &h)) {
			ret = errno;
		} else {
			struct drm_gem_close_arg c = { h.handle, 0 };

			ioctl(vgem_fd, DRM_GEM_CLOSE, &c);
		}
	} else {
		void *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, e.fd, 0);

		if (p == MAP_FAILED) {
			ret = errno;
		} else if (munmap(p, 4096)) {
			/* ENOMEM under injection (maple tree nodes): fail-nth is spent now */
			ret = errno;
			munmap(p, 4096);
		}
	}
	close(e.fd);
	return ret;
}

/*
 * export-detach: a configfs buffer exported, its node closed and the buffer
 * detached while only the dma-buf holds it; the dma-buf then mapped and
 * written (and taken by vgem where there is one), closed, and the item
 * removed. The memory goes with the dma-buf's last reference.
 */
static int cfs_export_detach(void)
{
	struct mapper_export_dmabuf e = {
		.argsz = sizeof(e), .flags = O_RDWR | O_CLOEXEC, .length = 0,
	};
	char path[32];
	int fd, ret;

	if (mkdir(CFS "/" CFS_ITEM, 0755))
		return errno;
	ret = cfs_write("size", "64K");
	if (!ret)
		ret = cfs_write("enable", "1");
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/dev/mapper%ld", cfs_long("index"));
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return errno;
	ret = ioctl(fd, MAPPER_IOC_EXPORT_DMABUF, &e) ? errno : 0;
	close(fd);
	if (ret)
		return ret;
	ret = cfs_write("detach", "1");
	if (!ret) {
		char *p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, e.fd, 0);

		if (p == MAP_FAILED) {
			ret = errno;
		} else {
			ret = touch(p, page);
			if (munmap(p, page)) {
				ret = ret ? ret : errno;
				munmap(p, page);	/* fail-nth is spent now */
			}
		}
	}
	if (!ret && vgem_fd >= 0) {
		struct drm_prime_arg h = { .fd = e.fd };

		if (ioctl(vgem_fd, DRM_PRIME_FD_TO_HANDLE, &h)) {
			ret = errno;
		} else {
			struct drm_gem_close_arg c = { h.handle, 0 };

			ioctl(vgem_fd, DRM_GEM_CLOSE, &c);
		}
	}
	close(e.fd);
	if (!ret && rmdir(CFS "/" CFS_ITEM))
		ret = errno;
	return ret;
}

/* After an attempt: the dma-buf and everything it held are gone. */
static int export_after(const char *op, unsigned int n, int ret, int fds)
{
	long exports = -1, dma_maps = -1;

	/* A dma-buf goes with its last fput, which may be deferred a little. */
	for (int i = 0; i < 50; i++) {
		exports = read_long("/sys/class/mapper/mapper0/exports");
		dma_maps = read_long("/sys/class/mapper/mapper0/dma_maps");
		if (!exports && !dma_maps)
			break;
		usleep(10000);
	}
	if (exports || dma_maps || count_fds() != fds) {
		printf("# %s: attempt %u (%s): %ld exports, %ld DMA mappings, %d descriptors (%d before)\n",
		       op, n, errname(ret), exports, dma_maps, count_fds(), fds);
		return 1;
	}
	return 0;
}

static long live_maps(int fd)
{
	struct mapper_info info = { .argsz = sizeof(info) };

	if (ioctl(fd, MAPPER_IOC_INFO, &info))
		return -1;
	return info.maps;
}

/*
 * One attempt of @op. Returns 0 or a positive errno; a negative value is a
 * signal, which never counts as a clean failure.
 */
static int do_op(const char *op, int fd, size_t size, char *ubuf, const char *ko)
{
	int ret = 0;

	errno = 0;
	if (!strcmp(op, "load"))
		return load(ko, "devices=2 size=64K");
	if (!strcmp(op, "load-open")) {
		/* The opener races the load; this thread's fail-nth is not its. */
		opener_arm(opener->attempt + 1);
		ret = load(ko, "devices=2 size=64K");
		opener_disarm();
		return ret;
	}
	if (!strcmp(op, "cache")) {
		static const char *const modes[] = { "wc", "uc", "cached" };

		for (size_t i = 0; i < sizeof(modes) / sizeof(*modes) && !ret; i++)
			ret = sysfs_cache_set(modes[i]);
		return ret;
	}
	if (!strcmp(op, "load-sample"))
		return load(ko, "");
	if (cfs_enable_op(op))
		return cfs_write("enable", "1");
	if (!strcmp(op, "create"))
		return cfs_create();
	if (!strcmp(op, "export-detach"))
		return cfs_export_detach();
	if (!strcmp(op, "dma-map"))
		return write_path(edu_buffer, "mapper1\n");
	if (!strcmp(op, "export") || !strcmp(op, "import"))
		return export_op(fd, !strcmp(op, "import"));
	if (!strcmp(op, "open")) {
		int f = open("/dev/mapper0", O_RDWR | O_CLOEXEC);

		if (f < 0)
			return errno;
		close(f);
		return 0;
	}
	if (!strcmp(op, "mmap") || !strcmp(op, "private") || !strcmp(op, "split") ||
	    !strcmp(op, "fork")) {
		int flags = strcmp(op, "private") ? MAP_SHARED : MAP_PRIVATE;
		char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, fd, 0);

		if (p == MAP_FAILED)
			return errno;
		ret = touch(p, size);
		if (!ret && !strcmp(op, "split") &&
		    mprotect(p + page, page, PROT_READ))
			ret = errno;
		if (!ret && !strcmp(op, "fork")) {
			pid_t pid = fork();
			int status;

			if (pid < 0) {
				ret = errno;
			} else if (pid == 0) {
				_exit(p[0] == 1 ? 0 : 1);
			} else if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
				   WEXITSTATUS(status)) {
				printf("# fork: the child did not see the mapping\n");
				ret = -1;
			}
		}
		/*
		 * munmap() allocates too (maple tree nodes) and may fail with
		 * ENOMEM under injection; then the mapping is still there and
		 * inject() unmaps it once fail-nth is off again.
		 */
		if (munmap(p, size)) {
			ret = ret ? ret : errno;
			leftover = p;
		}
		return ret;
	}
	/*
	 * read/write copy to and from memory not faulted in yet, so that an
	 * injected failure can land inside the copy (a user page that cannot
	 * be allocated), and a short copy takes mapper's partial-copy path.
	 */
	if (!strcmp(op, "read")) {
		ssize_t n = pread(fd, ubuf, size, 0);

		return n == (ssize_t)size ? 0 : n >= 0 ? SHORT : errno;
	}
	if (!strcmp(op, "write")) {
		ssize_t n = pwrite(fd, ubuf, size, 0);

		return n == (ssize_t)size ? 0 : n >= 0 ? SHORT : errno;
	}
	if (!strcmp(op, "ioctl")) {
		struct mapper_info info = { .argsz = sizeof(info) };
		struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLPRI };

		if (ioctl(fd, MAPPER_IOC_INFO, &info))
			return errno;
		if (poll(&pfd, 1, 0) < 0)
			return errno;
		return 0;
	}
	fprintf(stderr, "mapper_fault: unknown operation %s\n", op);
	exit(2);
}

static int inject(const char *op, const char *ko)
{
	int is_load = !strncmp(op, "load", 4);
	int is_cfs = cfs_enable_op(op) || !strcmp(op, "create") || !strcmp(op, "export-detach");
	int counts[256] = { 0 };	/* per errno; [0] successes */
	int signals = 0, injected = 0, bad = 0, fd = -1, opened_ok = 0;
	size_t size = 0;
	char *ubuf = NULL;
	unsigned int n;
	int base_fds;

	if (is_load && !ko) {
		fprintf(stderr, "mapper_fault: inject %s needs the module's path\n", op);
		return 2;
	}
	if (!is_load) {
		fd = open("/dev/mapper0", O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			printf("not ok - inject %s: cannot open /dev/mapper0 (%s)\n", op,
			       errname(errno));
			return 1;
		}
		size = dev_size();
		ubuf = MAP_FAILED;	/* mapped afresh for each attempt */
	}
	if (!strcmp(op, "cache")) {
		FILE *f = fopen("/tmp/mapper-pfns", "w");
		char *pattern = malloc(size);

		ubuf = NULL;
		for (size_t i = 0; pattern && i < size; i++)
			pattern[i] = (char)(i * 7 + 1);
		if (!pattern || pwrite(fd, pattern, size, 0) != (ssize_t)size ||
		    read_pfns(fd, size) || !f) {
			printf("not ok - inject %s: cannot set up the buffer and its frame numbers\n", op);
			return 1;
		}
		for (size_t i = 0; i < nr_pfns; i++)
			fprintf(f, "%#llx\n", (unsigned long long)pfns[i]);
		fclose(f);
		free(pattern);
	}
	if (is_cfs && cfs_setup(op))
		return 1;
	if (!strcmp(op, "dma-map") && edu_setup(op))
		return 1;
	if (!strcmp(op, "export-detach"))
		vgem_fd = vgem_open();	/* -1: the dma-buf is not imported */
	if (!strcmp(op, "import") && (vgem_fd = vgem_open()) < 0) {
		printf("not ok - inject %s: no vgem card in /dev/dri\n", op);
		return 1;
	}
	if (!strcmp(op, "load-open") && opener_start()) {
		printf("not ok - inject %s: cannot start the opener\n", op);
		return 1;
	}
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (nth_fd < 0) {
		printf("not ok - inject %s: no /proc/thread-self/fail-nth (%s)\n", op,
		       errname(errno));
		return 1;
	}
	kmsg_splat();	/* whatever came before is not this test's */
	base_fds = count_fds();	/* fail-nth's and kmsg's descriptors included */

	for (n = 1; n <= MAX_ATTEMPTS; n++) {
		int ret, hit;

		if (ubuf)	/* fresh, untouched user memory for read/write */
			ubuf = mmap(NULL, size, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		nth_set(n);
		ret = do_op(op, fd, size, ubuf, ko);
		hit = nth_injected();
		if (leftover && munmap(leftover, size) == 0)
			leftover = NULL;
		if (ubuf)
			munmap(ubuf, size);

		if (ret < 0)
			signals++;
		else
			counts[ret < 256 ? ret : 255]++;
		if (hit)
			injected++;
		if (ret < 0) {
			printf("# %s: attempt %u ended by signal %d\n", op, n, -ret);
			bad = 1;
		} else if (!hit && ret) {
			/* With nothing injected, the operation must work. */
			printf("# %s: attempt %u failed with %s and no fault injected\n",
			       op, n, errname(ret));
			bad = 1;
		}
		if (opener) {
			int during = __atomic_load_n(&opener->opened, __ATOMIC_SEQ_CST) ==
				     opener->attempt;

			if (during && ret) {
				printf("# %s: attempt %u: /dev/mapper0 was opened during a load that failed (%s)\n",
				       op, n, errname(ret));
				bad = 1;
			}
			opened_ok += during && !ret;
		}
		if (is_load) {
			const char *name = strcmp(op, "load-sample") ? "mapper" : "mapper_sample";

			if (!ret) {
				int u = unload(name);

				if (u) {
					printf("# %s: attempt %u: rmmod %s: %s\n", op, n, name,
					       errname(u));
					bad = 1;
				}
			}
			if (strcmp(op, "load-sample") && !mapper_gone()) {
				printf("# %s: attempt %u (%s) left mapper registered\n", op, n,
				       errname(ret));
				bad = 1;
			}
		} else {
			long maps = live_maps(fd);

			if (maps != 0) {
				printf("# %s: attempt %u (%s): %ld mappings live afterwards\n",
				       op, n, errname(ret), maps);
				bad = 1;
			}
			if (!strcmp(op, "cache"))
				bad |= cache_consistent(op, n, fd, size);
			if (is_cfs)
				bad |= cfs_after(op, n, ret);
			if (!strcmp(op, "dma-map"))
				bad |= edu_after(op, n, ret);
			if (!strcmp(op, "export") || !strcmp(op, "import") ||
			    !strcmp(op, "export-detach"))
				bad |= export_after(op, n, ret, base_fds);
		}
		if (kmsg_splat()) {
			printf("# %s: attempt %u (%s) logged a splat (above)\n", op, n,
			       errname(ret));
			bad = 1;
		}
		if (bad || !hit)
			break;
	}
	if (n > MAX_ATTEMPTS) {
		printf("# %s: still injecting after %d attempts\n", op, MAX_ATTEMPTS);
		bad = 1;
	}

	printf("%s - inject %s: %d faults injected, %s (", bad ? "not ok" : "ok", op,
	       injected, bad ? "stopped at the first bad attempt" : "every attempt clean");
	for (int e = 0, first = 1; e < 256; e++) {
		if (!counts[e])
			continue;
		printf("%s%s x%d", first ? "" : ", ", errname(e), counts[e]);
		first = 0;
	}
	if (signals)
		printf(", signal x%d", signals);
	if (opener)
		printf("; opened during %d successful loads%s", opened_ok,
		       bad ? "" : ", never during a failed one");
	printf(")\n# injected %d\n", injected);
	opener_stop();
	if (is_cfs)
		cfs_teardown(op);
	fflush(stdout);
	if (fd >= 0)
		close(fd);
	return bad;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = caught };
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	page = sysconf(_SC_PAGESIZE);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);

	if (argc >= 3 && !strcmp(argv[1], "insmod")) {
		ret = load(argv[2], argc > 3 ? argv[3] : "");
		printf("%s\n", errname(ret));
		return !!ret;
	}
	if (argc == 3 && !strcmp(argv[1], "rmmod")) {
		ret = unload(argv[2]);
		printf("%s\n", errname(ret));
		return !!ret;
	}
	if (argc == 3 && !strcmp(argv[1], "wb-check"))
		return wb_check(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "inject")) {
		kmsg_open();
		return inject(argv[2], argc > 3 ? argv[3] : NULL);
	}
	fprintf(stderr, "usage: mapper_fault insmod KO [PARAMS] | rmmod NAME | inject OP [KO] | wb-check FILE\n");
	return 2;
}
