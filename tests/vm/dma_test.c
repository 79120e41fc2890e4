// SPDX-License-Identifier: GPL-2.0
/*
 * Buffers for devices (issue #15) with a real DMA engine: QEMU's edu device
 * driven by samples/mapper_edu.ko through mapper's DMA API. Data goes from
 * user space through /dev/mapperN's mapping to the device and back to
 * another offset; contiguous buffers and their root-only physical address;
 * a buffer allocated for the device's 28-bit mask needs no bouncing, a plain
 * one bounces through swiotlb and then needs MAPPER_IOC_SYNC; behind an
 * IOMMU a scattered buffer is one DMA segment; a mapping holds the buffer
 * (removal, cache mode, rmmod); bad input is refused.
 *
 * Runs as root in a VM with -device edu (dma.sh, make check-dma): without
 * an IOMMU on a pc machine with swiotlb available (iommu=soft, its pool
 * below 256 MiB, more RAM above), or on q35 with an Intel IOMMU; DMA_MODE
 * (soft or iommu) says which, and the test checks that the VM is that one.
 * mapper is loaded and configfs and debugfs mounted; each test starts and
 * ends with no configfs item and nothing mapped by the sample.
 *
 * One transfer takes QEMU's edu 100 ms. QEMU up to 7.2 aborts on a transfer
 * of the device's whole 4096 bytes (an off-by-one in its range check), so
 * transfers here stay below that.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ctl_util.h"
#include "maint_util.h"
#include "mapper.h"

#define EDU_KO		"/lib/modules/mapper_edu.ko"
#define EDU_SYNC	"/sys/module/mapper_edu/parameters/sync"
#define PCI_DEVICES	"/sys/bus/pci/devices"
#define DEBUGFS		"/sys/kernel/debug"
#define SWIOTLB_USED	DEBUGFS "/swiotlb/io_tlb_used"
#define DMA_MAPS	DEBUGFS "/mapper/dma_maps"
#define EDU_REACH	(256 * MIB)	/* its 28-bit DMA mask */
#define XFER_MAX	4095		/* see the top */

static long page;
static char edu[32];		/* its PCI name, 0000:00:02.0: the first edu */
static char edu_dir[128];	/* its sysfs directory */
static char edu2[32];		/* a second edu device, "" if there is none */
static char edu2_dir[128];

static int find_edu(void)
{
	DIR *d = opendir(PCI_DEVICES);
	struct dirent *e;

	edu[0] = edu2[0] = '\0';
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char p[300], v[32], dev[32];

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), PCI_DEVICES "/%s/vendor", e->d_name);
		if (read_line(p, v, sizeof(v)))
			continue;
		snprintf(p, sizeof(p), PCI_DEVICES "/%s/device", e->d_name);
		if (read_line(p, dev, sizeof(dev)))
			continue;
		if (strcmp(v, "0x1234") || strcmp(dev, "0x11e8"))
			continue;
		/* the lowest name first */
		if (!edu[0] || strcmp(e->d_name, edu) < 0) {
			snprintf(edu2, sizeof(edu2), "%s", edu);
			snprintf(edu, sizeof(edu), "%s", e->d_name);
		} else if (!edu2[0] || strcmp(e->d_name, edu2) < 0) {
			snprintf(edu2, sizeof(edu2), "%s", e->d_name);
		}
	}
	closedir(d);
	snprintf(edu_dir, sizeof(edu_dir), PCI_DEVICES "/%s", edu);
	snprintf(edu2_dir, sizeof(edu2_dir), PCI_DEVICES "/%s", edu2);
	return edu[0] ? 0 : -1;
}

static int edu_loaded(void)
{
	return exists("/sys/module/mapper_edu");
}

static int unload_edu(void)
{
	return syscall(SYS_delete_module, "mapper_edu", O_NONBLOCK) ? -errno : 0;
}

static int edu_vwrite(const char *dir, const char *attr, const char *fmt, va_list ap)
{
	char path[192], text[256];

	vsnprintf(text, sizeof(text), fmt, ap);
	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	return write_file(path, text);
}

/* Writes printf(@fmt) to the first device's attribute @attr: 0 or -errno. */
static int __attribute__((format(printf, 2, 3))) edu_write(const char *attr, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = edu_vwrite(edu_dir, attr, fmt, ap);
	va_end(ap);
	return ret;
}

/* The same on the second device. */
static int __attribute__((format(printf, 2, 3))) edu2_write(const char *attr, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = edu_vwrite(edu2_dir, attr, fmt, ap);
	va_end(ap);
	return ret;
}

static int edu_unmap(void)
{
	return edu_write("buffer", "\n");
}

static int to_dev(size_t off, size_t len)
{
	return edu_write("to_device", "%zu %zu", off, len);
}

static int from_dev(size_t off, size_t len)
{
	return edu_write("from_device", "%zu %zu", off, len);
}

static int set_sync(int on)
{
	return write_file(EDU_SYNC, on ? "1" : "0");
}

/* The sample's "buffer" line; its SEGMENTS, or -1 if nothing is mapped. */
static int edu_segments(char *line, size_t len)
{
	char path[192], name[64], dir[32];
	size_t off, mlen;
	unsigned int segs;

	snprintf(path, sizeof(path), "%s/buffer", edu_dir);
	if (read_line(path, line, len) ||
	    sscanf(line, "%63s %zu %zu %31s %u", name, &off, &mlen, dir, &segs) != 5)
		return -1;
	return (int)segs;
}

static int iommu_present(void)
{
	char p[192];

	snprintf(p, sizeof(p), "%s/iommu_group", edu_dir);
	return exists(p);
}

static long long swiotlb_used(void)
{
	return read_ll(SWIOTLB_USED, -1);
}

/* The debugfs line of @name's mapping ("" if none): 1 if there is one. */
static int dma_maps_line(const char *name, char *out, size_t len)
{
	char line[512];
	size_t n = strlen(name);
	FILE *f = fopen(DMA_MAPS, "r");
	int found = 0;

	out[0] = '\0';
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, n) && line[n] == ' ') {
			line[strcspn(line, "\n")] = '\0';
			snprintf(out, len, "%s", line);
			found = 1;
		}
	fclose(f);
	return found;
}

/* How many debugfs lines are mappings of @name. */
static int dma_maps_count(const char *name)
{
	char line[512];
	size_t n = strlen(name);
	FILE *f = fopen(DMA_MAPS, "r");
	int count = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		count += !strncmp(line, name, n) && line[n] == ' ';
	fclose(f);
	return count;
}

/* Every record of the kernel log so far with @needle: the last in @out. */
static int kmsg_history(const char *needle, char *out, size_t len)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	int n;

	if (fd < 0)
		return -1;
	n = kmsg_lines(fd, needle, out, len);
	close(fd);
	return n;
}

/* ---- buffers ------------------------------------------------------------ */

/* tbuf_make() in ctl_util.h, for a device */
static int dbuf_make(struct tbuf *b, const char *name, size_t size, int contiguous,
		     const char *dma_device)
{
	return tbuf_make(b, name, size, contiguous, "dma_device", dma_device);
}

static int edu_map(struct tbuf *b, size_t off, size_t len, const char *dir)
{
	return edu_write("buffer", "%s %zu %zu %s", b->name, off, len, dir);
}

/*
 * The first page boundary at or after @from whose pages are adjacent in
 * RAM and that no DMA segment limit falls on (not a multiple of 64 KiB):
 * without an IOMMU a transfer across it stays inside one segment. 0: none.
 */
static size_t inner_boundary(struct tbuf *b, size_t from)
{
	size_t k;

	for (k = (from + page - 1) / page * page; k + page <= b->size; k += page)
		if (k % (64 * KIB) && adjacent(b, k - page))
			return k;
	return 0;
}

static int sync_ioctl(int fd, unsigned int argsz, unsigned int flags, uint64_t off, uint64_t len)
{
	struct {
		struct mapper_sync s;
		char pad[8];
	} arg;

	memset(&arg, 0, sizeof(arg));
	arg.s.argsz = argsz;
	arg.s.flags = flags;
	arg.s.offset = off;
	arg.s.length = len;
	return ioctl(fd, MAPPER_IOC_SYNC, &arg) ? -errno : 0;
}

/*
 * One round trip: buffer[@src, +@len) to the device, the device back to
 * buffer[@dst...]; then buffer[@dst, +@len) holds what [@src...] held, seen
 * by the mapping and by read(), and the bytes around it are untouched.
 * 0, or a negative step that failed (-1 to_device, -2 from_device, -3 the
 * mapping's bytes, -4 read(), -5 the neighbours), *err the errno.
 */
static int round_trip(struct tbuf *b, size_t src, size_t dst, size_t len, int *err)
{
	unsigned char want[XFER_MAX], got[XFER_MAX], before = 0, after = 0;

	*err = 0;
	memcpy(want, b->p + src, len);
	if (dst)
		before = b->p[dst - 1];
	if (dst + len < b->size)
		after = b->p[dst + len];
	*err = to_dev(src, len);
	if (*err)
		return -1;
	*err = from_dev(dst, len);
	if (*err)
		return -2;
	if (memcmp(b->p + dst, want, len))
		return -3;
	if (pread(b->fd, got, len, dst) != (ssize_t)len || memcmp(got, want, len))
		return -4;
	if ((dst && b->p[dst - 1] != before) || (dst + len < b->size && b->p[dst + len] != after))
		return -5;
	return 0;
}

#define ROUND_TRIP(b, src, dst, len) do { \
	int __err, __r = round_trip((b), (src), (dst), (len), &__err); \
	EXPECT_EQ(0, __r) { \
		TH_LOG("round trip %zu -> %zu, %zu bytes: step %d failed (%s)", (size_t)(src), \
		       (size_t)(dst), (size_t)(len), __r, __err ? strerror(-__err) : "data differ"); \
	} \
} while (0)

/* ---- the fixture --------------------------------------------------------- */

FIXTURE(dma) {
	int iommu;		/* the edu device is behind an IOMMU */
	const char *mode;	/* DMA_MODE: soft or iommu */
};

FIXTURE_SETUP(dma)
{
	page = sysconf(_SC_PAGESIZE);
	if (!loaded())
		ASSERT_EQ(0, load("devices=0"));
	ASSERT_EQ(0, configfs_mount());
	if (!exists(DEBUGFS "/mapper"))
		mount("none", DEBUGFS, "debugfs", 0, NULL);
	ASSERT_TRUE(exists(DMA_MAPS)) {
		TH_LOG("no %s: debugfs not mounted, or mapper made nothing there", DMA_MAPS);
	}
	ASSERT_EQ(0, find_edu()) {
		TH_LOG("no PCI device 1234:11e8: boot the VM with -device edu");
	}
	if (!edu_loaded())
		ASSERT_EQ(0, load_ko(EDU_KO, ""));
	edu_unmap();
	if (edu2[0])
		edu2_write("buffer", "\n");
	ASSERT_EQ(0, set_sync(1));
	cfs_cleanup();
	self->iommu = iommu_present();
	self->mode = getenv("DMA_MODE") ? getenv("DMA_MODE") : "";
	if (!strcmp(self->mode, "iommu"))
		ASSERT_TRUE(self->iommu) {
			TH_LOG("DMA_MODE=iommu, but %s is in no IOMMU group", edu);
		}
	if (!strcmp(self->mode, "soft")) {
		ASSERT_FALSE(self->iommu) {
			TH_LOG("DMA_MODE=soft, but %s is behind an IOMMU", edu);
		}
		ASSERT_LE(0, swiotlb_used()) {
			TH_LOG("DMA_MODE=soft and no %s: boot with iommu=soft", SWIOTLB_USED);
		}
	}
}

FIXTURE_TEARDOWN(dma)
{
	/* a cache maintenance test that failed half-way: its probes off */
	if (exists(TRACING "/events/" PROBES))
		maint_probes(0);
	if (edu_loaded()) {
		edu_unmap();
		if (edu2[0])
			edu2_write("buffer", "\n");
		set_sync(1);
	}
	cfs_cleanup();
	if (!edu_loaded())
		load_ko(EDU_KO, "");
}

/* ---- the sample ------------------------------------------------------------ */

TEST_F(dma, the_sample_binds_to_the_device_with_its_attributes)
{
	char path[192], text[128];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/driver", edu_dir);
	n = readlink(path, text, sizeof(text) - 1);
	ASSERT_LT(0, n);
	text[n] = '\0';
	EXPECT_NE(NULL, strstr(text, "/mapper_edu")) {
		TH_LOG("%s bound to %s", edu, text);
	}
	EXPECT_EQ(-1, edu_segments(text, sizeof(text)));
	EXPECT_STREQ("", text);
	snprintf(path, sizeof(path), "%s/to_device", edu_dir);
	EXPECT_TRUE(exists(path));
	snprintf(path, sizeof(path), "%s/from_device", edu_dir);
	EXPECT_TRUE(exists(path));
	ASSERT_EQ(0, read_line(EDU_SYNC, text, sizeof(text)));
	EXPECT_STREQ("Y", text);
	snprintf(path, sizeof(path), "%s/dma_mask_bits", edu_dir);
	EXPECT_EQ(28, read_ll(path, -1));
	TH_LOG("edu at %s, %s", edu, self->iommu ? "behind an IOMMU" : "no IOMMU");
}

TEST_F(dma, data_goes_through_the_device_to_another_offset)
{
	const size_t size = 8 * MIB;
	char line[256], want[256];
	struct tbuf b;
	int segs;

	ASSERT_EQ(0, dbuf_make(&b, "roundtrip", size, 0, NULL));
	ASSERT_EQ(0, edu_map(&b, 0, 0, "bidirectional"));
	segs = edu_segments(line, sizeof(line));
	ASSERT_LE(1, segs) {
		TH_LOG("buffer reads '%s'", line);
	}
	snprintf(want, sizeof(want), "roundtrip 0 %zu bidirectional %d", size, segs);
	EXPECT_STREQ(want, line);
	EXPECT_EQ(1, dev_ll(b.index, "dma_maps"));
	/* debugfs: who maps what */
	ASSERT_TRUE(dma_maps_line("roundtrip", line, sizeof(line)));
	snprintf(want, sizeof(want),
		 "roundtrip mapper%d %s mapper_edu offset=0x0 length=%#zx dir=bidirectional segments=%d",
		 b.index, edu, size, segs);
	EXPECT_EQ(0, strncmp(line, want, strlen(want))) {
		TH_LOG("debugfs: '%s', want '%s...'", line, want);
	}

	/* written through the mapping after the mapping was made */
	pat_fill(b.p, size, 1);
	ROUND_TRIP(&b, 0, MIB, XFER_MAX);
	ROUND_TRIP(&b, 3 * MIB + 17, 5 * page + 100, 1000);
	ROUND_TRIP(&b, size - XFER_MAX, 7 * page, XFER_MAX);	/* the last byte */
	ROUND_TRIP(&b, 12345, size - 1, 1);
	ROUND_TRIP(&b, 2 * MIB, 6 * MIB + 3, 512);

	ASSERT_EQ(0, edu_unmap());
	EXPECT_EQ(-1, edu_segments(line, sizeof(line)));
	EXPECT_EQ(0, dev_ll(b.index, "dma_maps"));
	EXPECT_FALSE(dma_maps_line("roundtrip", line, sizeof(line)));
	EXPECT_EQ(0, tbuf_free(&b));
}

TEST_F(dma, a_transfer_crosses_a_page_boundary)
{
	struct tbuf b;
	size_t k1, k2;

	ASSERT_EQ(0, dbuf_make(&b, "crossing", 4 * MIB, 0, NULL));
	pat_fill(b.p, b.size, 2);
	ASSERT_EQ(0, edu_map(&b, 0, 0, "bidirectional"));
	k1 = inner_boundary(&b, 5 * page);
	k2 = inner_boundary(&b, 2 * MIB + 3 * page);
	ASSERT_NE(0, k1);
	ASSERT_NE(0, k2);
	ROUND_TRIP(&b, k1 - 100, k2 - 2000, 300);	/* both cross */
	ROUND_TRIP(&b, k2 - 2000, k1 - 1, XFER_MAX);
	EXPECT_EQ(0, edu_unmap());
	EXPECT_EQ(0, tbuf_free(&b));
}

/* ---- contiguous buffers ------------------------------------------------------ */

/* Reads @path in a child with privileges dropped: 0 or the errno of open or read. */
static int read_as(const char *path, int how)
{
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		char text[64];
		int fd;

		if (how == 3) {
			/* uid 0, without CAP_SYS_RAWIO */
			struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
			struct __user_cap_data_struct d[2];
			unsigned int w = CAP_SYS_RAWIO / 32, bit = 1U << (CAP_SYS_RAWIO % 32);

			if (prctl(PR_CAPBSET_DROP, CAP_SYS_RAWIO, 0, 0, 0) || syscall(SYS_capget, &h, d))
				_exit(200);
			d[w].effective &= ~bit;
			d[w].permitted &= ~bit;
			d[w].inheritable &= ~bit;
			if (syscall(SYS_capset, &h, d))
				_exit(200);
		} else if (drop_privileges(how)) {
			_exit(200);
		}
		fd = open(path, O_RDONLY);
		if (fd < 0)
			_exit(errno);
		if (read(fd, text, sizeof(text)) < 0)
			_exit(errno);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TEST_F(dma, a_contiguous_buffer_is_one_block_with_a_root_only_address)
{
	const size_t size = 2 * MIB;
	struct mapper_info info;
	char path[96], text[64];
	unsigned long long phys;
	struct tbuf b, plain;
	size_t i;

	ASSERT_EQ(0, dbuf_make(&b, "block", size, 1, NULL));
	EXPECT_EQ(1, cfs_ll("block", "contiguous"));
	EXPECT_EQ(1, dev_ll(b.index, "contiguous"));
	memset(&info, 0, sizeof(info));
	info.argsz = sizeof(info);
	ASSERT_EQ(0, ioctl(b.fd, MAPPER_IOC_INFO, &info));
	EXPECT_TRUE(info.flags & MAPPER_INFO_F_CONTIGUOUS);
	EXPECT_TRUE(all_zero(b.p, size));

	/* phys_addr: root's, and where the pages are */
	snprintf(path, sizeof(path), CLASS "/mapper%d/phys_addr", b.index);
	ASSERT_EQ(0, read_line(path, text, sizeof(text)));
	ASSERT_EQ(0, strncmp(text, "0x", 2)) {
		TH_LOG("phys_addr reads '%s'", text);
	}
	phys = strtoull(text, NULL, 16);
	for (i = 0; i < size; i += page)
		if (phys_of(b.p + i) != phys + i)
			break;
	EXPECT_EQ(size, i) {
		TH_LOG("page %zu at %#llx, not %#llx", i / page,
		       (unsigned long long)phys_of(b.p + i), phys + i);
	}
	EXPECT_EQ(EACCES, read_as(path, 2));	/* nobody: mode 0400 */
	EXPECT_EQ(EPERM, read_as(path, 3));	/* root without CAP_SYS_RAWIO */
	EXPECT_EQ(0, read_as(path, 0));

	/* a plain buffer has no phys_addr */
	ASSERT_EQ(0, dbuf_make(&plain, "scattered", size, 0, NULL));
	EXPECT_EQ(0, dev_ll(plain.index, "contiguous"));
	snprintf(path, sizeof(path), CLASS "/mapper%d/phys_addr", plain.index);
	EXPECT_FALSE(exists(path));
	EXPECT_EQ(0, tbuf_free(&plain));

	/* DMA through it, across page boundaries */
	pat_fill(b.p, size, 3);
	ASSERT_EQ(0, edu_map(&b, 0, 0, "bidirectional"));
	ROUND_TRIP(&b, 3 * page - 100, MIB + 5 * page - 2000, XFER_MAX);
	ROUND_TRIP(&b, 17 * page - 1, size - 2 * page - 10, 20);
	EXPECT_EQ(0, edu_unmap());
	EXPECT_EQ(0, tbuf_free(&b));

	/* the page allocator's largest block, 4 MiB on x86-64 */
	ASSERT_EQ(0, dbuf_make(&b, "largest", 4 * MIB, 1, NULL));
	EXPECT_EQ(1, dev_ll(b.index, "contiguous"));
	EXPECT_EQ(0, tbuf_free(&b));
}

TEST_F(dma, a_contiguous_buffer_beyond_what_can_be_had_is_enomem)
{
	struct snap before = snap_take();
	char line[256];
	struct tbuf b;
	int kmsg = kmsg_open();

	ASSERT_LE(0, kmsg);
	if (dir_count("/sys/kernel/mm/cma", "") > 0)
		TH_LOG("the kernel has CMA areas: 64 MiB may come from one of them");
	EXPECT_EQ(-ENOMEM, dbuf_make(&b, "toobig", 64 * MIB, 1, NULL));
	EXPECT_EQ(1, kmsg_lines(kmsg, "toobig: no contiguous block of 65536 KiB", line, sizeof(line)));
	TH_LOG("%s", line);
	EXPECT_TRUE(snap_same(before, snap_take()));
	close(kmsg);
}

/* The sum of a counter over every CMA area (/sys/kernel/mm/cma/AREA/NAME), -1 if none. */
static long long cma_counter(const char *name)
{
	DIR *d = opendir("/sys/kernel/mm/cma");
	long long sum = -1;
	struct dirent *e;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char p[300];
		long long v;

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/sys/kernel/mm/cma/%s/%s", e->d_name, name);
		v = read_ll(p, -1);
		if (v >= 0)
			sum = (sum < 0 ? 0 : sum) + v;
	}
	closedir(d);
	return sum;
}

TEST_F(dma, a_contiguous_buffer_comes_from_cma_where_there_is_cma)
{
	const size_t size = 16 * MIB;
	long long cma = read_ll(CLASS "/cma", -1), got0, got1, back0;
	char path[96], text[64];
	struct tbuf b;
	size_t i;

	ASSERT_NE(-1, cma) {
		TH_LOG("no %s", CLASS "/cma");
	}
	if (!cma) {
		/*
		 * Beyond the page allocator's largest block (4 MiB with 4 KiB
		 * pages, 32 MiB with 16 KiB), and no CMA: 16 MiB, or twice the
		 * largest block where that is more.
		 */
		long long largest = buddy_largest();
		size_t beyond = size;

		ASSERT_LT(0, largest);
		if ((size_t)largest * 2 > beyond)
			beyond = largest * 2;
		EXPECT_EQ(-ENOMEM, dbuf_make(&b, "cma16", beyond, 1, NULL));
		TH_LOG("no CMA for modules here: %zu MiB contiguous is ENOMEM (largest block %lld MiB)",
		       (size_t)(beyond / MIB), largest / (long long)MIB);
		return;
	}
	got0 = cma_counter("alloc_pages_success");
	back0 = cma_counter("release_pages_success");
	ASSERT_EQ(0, dbuf_make(&b, "cma16", size, 1, NULL));
	EXPECT_EQ(1, dev_ll(b.index, "contiguous"));
	snprintf(path, sizeof(path), CLASS "/mapper%d/phys_addr", b.index);
	ASSERT_EQ(0, read_line(path, text, sizeof(text)));
	for (i = 0; i < size; i += page)
		if (phys_of(b.p + i) != strtoull(text, NULL, 16) + i)
			break;
	EXPECT_EQ(size, i);
	EXPECT_TRUE(all_zero(b.p, size));
	got1 = cma_counter("alloc_pages_success");
	if (got0 < 0) {
		TH_LOG("no CMA counters (CONFIG_CMA_SYSFS): only the block itself checked");
	} else {
		EXPECT_EQ(got0 + (long long)(size / page), got1);
	}
	/* DMA through it */
	pat_fill(b.p, size, 9);
	ASSERT_EQ(0, edu_map(&b, 0, 0, "bidirectional"));
	ROUND_TRIP(&b, 9 * MIB + 5 * page - 50, 3 * page - 70, XFER_MAX);	/* not at a 256 KiB segment limit */
	EXPECT_EQ(0, edu_unmap());
	EXPECT_EQ(0, tbuf_free(&b));
	if (back0 >= 0)
		EXPECT_EQ(back0 + (long long)(size / page), cma_counter("release_pages_success")) {
			TH_LOG("the block did not go back to the CMA area");
		}
}

/* ---- a buffer for the device ---------------------------------------------------- */

TEST_F(dma, a_buffer_for_the_device_needs_no_bouncing)
{
	const size_t size = 8 * MIB;
	long long used0, used1;
	char text[64];
	struct tbuf b;
	size_t i, high = 0;

	ASSERT_EQ(0, dbuf_make(&b, "fordev", size, 0, edu));
	ASSERT_EQ(0, cfs_read("fordev", "dma_device", text, sizeof(text)));
	EXPECT_STREQ(edu, text);
	ASSERT_EQ(0, dev_str(b.index, "dma_device", text, sizeof(text)));
	EXPECT_STREQ(edu, text);
	for (i = 0; i < size; i += page)
		if (phys_of(b.p + i) + page > EDU_REACH)
			high++;
	if (self->iommu)
		TH_LOG("behind an IOMMU the device reaches every page: %zu of %zu above 256 MiB",
		       high, size / page);
	else
		EXPECT_EQ(0, high) {
			TH_LOG("%zu of %zu pages above the device's 256 MiB", high, size / page);
		}

	used0 = swiotlb_used();
	pat_fill(b.p, size, 4);
	ASSERT_EQ(0, edu_map(&b, 0, 0, "bidirectional"));
	used1 = swiotlb_used();
	EXPECT_EQ(used0, used1) {
		TH_LOG("swiotlb slots in use: %lld before the mapping, %lld with it", used0, used1);
	}
	ROUND_TRIP(&b, 100, 5 * MIB + 100, 2000);
	ROUND_TRIP(&b, size - 3000, 3000, 3000);
	EXPECT_EQ(0, edu_unmap());
	EXPECT_EQ(0, tbuf_free(&b));
}

/* The kernel's "software IO TLB: mapped [mem A-B]": the pool's end, 0 if unknown. */
static unsigned long long swiotlb_end(void)
{
	unsigned long long a, b;
	char line[512];
	const char *p;

	if (kmsg_history("software IO TLB: mapped [mem ", line, sizeof(line)) < 1)
		return 0;
	p = strstr(line, "[mem ");
	if (!p || sscanf(p, "[mem %llx-%llx]", &a, &b) != 2 || b <= a)
		return 0;
	/* the last byte on some kernels, the end on others: the pool is whole pages */
	return (b + 1 - a) % page ? b : b + 1;
}

TEST_F(dma, a_plain_buffer_bounces_and_needs_the_sync_ioctl)
{
	const size_t win = 64 * KIB, n = 2000;
	unsigned char x[2000], y[2000], ee[2000];
	size_t w, i, P, Q, S, Q2;
	long long used0, used1;
	unsigned long long end;
	char line[256];
	struct tbuf b;
	size_t size;

	if (self->iommu)
		SKIP(return, "behind an IOMMU nothing bounces");
	end = swiotlb_end();
	ASSERT_NE(0, end) {
		TH_LOG("no \"software IO TLB: mapped\" line in the kernel log");
	}
	ASSERT_LE(end, EDU_REACH) {
		TH_LOG("the swiotlb pool ends at %#llx, beyond the device's reach: bouncing cannot work", end);
	}
	/*
	 * A window of 16 pages the device cannot reach. Some kernels hand out
	 * low memory first: a bigger buffer then has to reach above 256 MiB.
	 */
	for (size = 64 * MIB; size <= 192 * MIB; size += 64 * MIB) {
		ASSERT_EQ(0, dbuf_make(&b, "far", size, 0, NULL));
		for (w = 0; w < size; w += win) {
			for (i = 0; i < win; i += page)
				if (phys_of(b.p + w + i) < EDU_REACH)
					break;
			if (i == win)
				break;
		}
		if (w < size)
			break;
		ASSERT_EQ(0, tbuf_free(&b));
	}
	ASSERT_LE(size, 192 * MIB) {
		TH_LOG("no 64 KiB of a 192 MiB buffer above 256 MiB: give the VM more RAM");
	}
	P = w, Q = w + page, S = w + 2 * page, Q2 = w + 3 * page;
	pat_fill(x, n, 5);
	pat_fill(y, n, 6);
	memset(ee, 0xee, n);
	memset(b.p + Q, 0xee, n);
	memcpy(b.p + S, y, n);
	memset(b.p + Q2, 0xee, n);

	used0 = swiotlb_used();
	ASSERT_EQ(0, edu_map(&b, w, win, "bidirectional"));
	used1 = swiotlb_used();
	EXPECT_LE(used0 + (long long)(win / 2048), used1) {
		TH_LOG("swiotlb slots in use: %lld before, %lld with 64 KiB mapped", used0, used1);
	}
	TH_LOG("window at %#zx (RAM %#llx), swiotlb slots %lld -> %lld, %d segments", w,
	       (unsigned long long)phys_of(b.p + w), used0, used1, edu_segments(line, sizeof(line)));

	/* the CPU wrote after the mapping: the device sees it only after a sync */
	memcpy(b.p + P, x, n);
	ASSERT_EQ(0, set_sync(0));
	ASSERT_EQ(0, to_dev(P, n));
	ASSERT_EQ(0, set_sync(1));
	ASSERT_EQ(0, from_dev(Q, n));
	EXPECT_TRUE(all_zero(b.p + Q, n)) {
		TH_LOG("the device read the new data without MAPPER_IOC_SYNC: nothing bounced?");
	}
	ASSERT_EQ(0, sync_ioctl(b.fd, sizeof(struct mapper_sync),
				MAPPER_SYNC_FOR_DEVICE | MAPPER_SYNC_TO_DEVICE, P, n));
	ASSERT_EQ(0, set_sync(0));
	ASSERT_EQ(0, to_dev(P, n));
	ASSERT_EQ(0, set_sync(1));
	ASSERT_EQ(0, from_dev(Q, n));
	EXPECT_EQ(0, memcmp(b.p + Q, x, n)) {
		TH_LOG("after MAPPER_IOC_SYNC(FOR_DEVICE | TO_DEVICE) the device still read old data");
	}

	/* the device wrote: the CPU sees it only after a sync */
	ASSERT_EQ(0, to_dev(S, n));
	ASSERT_EQ(0, set_sync(0));
	ASSERT_EQ(0, from_dev(Q2, n));
	EXPECT_EQ(0, memcmp(b.p + Q2, ee, n)) {
		TH_LOG("the device's data reached the mapping without MAPPER_IOC_SYNC");
	}
	ASSERT_EQ(0, sync_ioctl(b.fd, sizeof(struct mapper_sync),
				MAPPER_SYNC_FOR_CPU | MAPPER_SYNC_FROM_DEVICE, Q2, n));
	EXPECT_EQ(0, memcmp(b.p + Q2, y, n));
	ASSERT_EQ((ssize_t)n, pread(b.fd, x, n, Q2));
	EXPECT_EQ(0, memcmp(x, y, n));
	ASSERT_EQ(0, set_sync(1));

	ASSERT_EQ(0, edu_unmap());
	EXPECT_EQ(used0, swiotlb_used());
	EXPECT_EQ(0, tbuf_free(&b));
}

/* ---- behind an IOMMU ---------------------------------------------------------- */

/* Whether the running kernel is @major.@minor or later. */
static int kernel_at_least(int major, int minor)
{
	struct utsname u;
	int a, b;

	if (uname(&u) || sscanf(u.release, "%d.%d", &a, &b) != 2)
		return 1;
	return a > major || (a == major && b >= minor);
}

TEST_F(dma, behind_an_iommu_a_scattered_buffer_is_one_segment)
{
	const size_t size = 12 * MIB;
	size_t k, cuts[4];
	int ncuts = 0, runs = 1, segs;
	char line[256];
	struct tbuf b;

	if (!self->iommu)
		SKIP(return, "no IOMMU: the segments are the buffer's physical runs");
	ASSERT_EQ(0, scattered_make(&b, "scatter", size));
	pat_fill(b.p, size, 7);
	/* where the pages are not adjacent in RAM */
	for (k = page; k < size; k += page)
		if (!adjacent(&b, k - page)) {
			runs++;
			if (ncuts < 4 && (!ncuts || k > cuts[ncuts - 1] + 8 * page))
				cuts[ncuts++] = k;
		}
	ASSERT_LE(2, runs) {
		TH_LOG("the 12 MiB buffer is one block of RAM: nothing to prove");
	}
	ASSERT_EQ(0, edu_map(&b, 0, 0, "bidirectional"));
	segs = edu_segments(line, sizeof(line));
	ASSERT_TRUE(dma_maps_line("scatter", line, sizeof(line)));
	/* one IOVA range: each segment where the one before ends */
	EXPECT_NE(NULL, strstr(line, " one_range=1")) {
		TH_LOG("debugfs: '%s'", line);
	}
	if (kernel_at_least(5, 11)) {
		/* dma-iommu merges what the device allows (its max segment size) */
		EXPECT_EQ(1, segs) {
			TH_LOG("%d runs of pages, %d DMA segments", runs, segs);
		}
		EXPECT_NE(NULL, strstr(line, " segments=1 ")) {
			TH_LOG("debugfs: '%s'", line);
		}
	} else {
		/* 5.10's intel-iommu maps the entries apart, into one IOVA range */
		EXPECT_LE(1, segs);
		for (int i = 0; i < ncuts; i++) {
			cuts[i] = inner_boundary(&b, cuts[i]);
			ASSERT_NE(0, cuts[i]);
		}
	}
	TH_LOG("%d runs of pages, %d DMA segments, one IOVA range", runs, segs);
	/* across page boundaries (between pages apart in RAM), at several offsets */
	for (int i = 0; i < ncuts; i++)
		ROUND_TRIP(&b, cuts[i] - 1000, cuts[(i + 1) % ncuts] - 3000, XFER_MAX);
	if (segs == 1)
		ROUND_TRIP(&b, page - 1, size - page - 7, 9);
	EXPECT_EQ(0, edu_unmap());
	EXPECT_EQ(0, tbuf_free(&b));
}

/* ---- a device that does not snoop the caches ------------------------------------ */

/*
 * Whether the device tree says the first edu is dma-coherent, as the kernel
 * reads it (of_dma_is_coherent()): the nearest node of the device or a
 * parent of it in sysfs (its host bridge's), or a parent of that node.
 * 1 or 0; -1 without a device tree node above it.
 */
static int edu_coherent(void)
{
	char dir[PATH_MAX], node[PATH_MAX], p[PATH_MAX + 32], *slash;

	if (!realpath(edu_dir, dir))
		return -1;
	while ((slash = strrchr(dir, '/')) && slash != dir) {
		snprintf(p, sizeof(p), "%s/of_node", dir);
		if (realpath(p, node))
			break;
		*slash = '\0';
	}
	if (!slash || slash == dir)
		return -1;
	/* up to /sys/firmware/devicetree/base itself */
	while (strlen(node) >= strlen("/sys/firmware/devicetree/base")) {
		snprintf(p, sizeof(p), "%s/dma-coherent", node);
		if (exists(p))
			return 1;
		slash = strrchr(node, '/');
		if (!slash)
			break;
		*slash = '\0';
	}
	return 0;
}

/* One step's maintenance: cleaned @dev_off+@dev_len, invalidated @cpu_off+@cpu_len. */
#define MAINT_IS(what, dev_off, dev_len, cpu_off, cpu_len) \
	ASSERT_EQ(1, maint_step(m, want, &b, what, coherent, dev_off, dev_len, cpu_off, cpu_len))

TEST_F(dma, the_caches_are_maintained_for_a_device_that_does_not_snoop_them)
{
	const size_t size = 12 * MIB, n = 3000;
	size_t k, cuts[2], src, dst, P, Q;
	const char *want_env = getenv("DMA_COHERENT");
	struct extents *want;
	int ncuts = 0, coherent, ret;
	struct utsname u;
	struct maint *m;
	struct tbuf b;

	ASSERT_EQ(0, uname(&u));
	if (strcmp(u.machine, "aarch64"))
		SKIP(return, "%s: DMA is cache-coherent, the DMA layer has no caches to maintain",
		     u.machine);
	coherent = edu_coherent();
	ASSERT_NE(-1, coherent) {
		TH_LOG("no device tree node above %s", edu_dir);
	}
	if (want_env)
		ASSERT_EQ(atoi(want_env), coherent) {
			TH_LOG("DMA_COHERENT=%s, but the device tree says %s", want_env,
			       coherent ? "dma-coherent" : "not dma-coherent");
		}
	TH_LOG("%s is %scache-coherent (device tree; DMA_COHERENT=%s)", edu, coherent ? "" : "not ",
	       want_env ? want_env : "unset");
	m = calloc(1, sizeof(*m));
	want = calloc(1, sizeof(*want));
	ASSERT_TRUE(m && want);
	ret = maint_probes(1);
	ASSERT_EQ(0, ret) {
		TH_LOG("kprobes on arch_sync_dma_for_device/_for_cpu: %s", strerror(-ret));
	}
	ASSERT_EQ(0, scattered_make(&b, "noncoherent", size));
	pat_fill(b.p, size, 10);
	/*
	 * Boundaries between pages apart in RAM: a sync across one is two
	 * extents. With 16 KiB pages (an 8 MiB and a 4 MiB chunk) the buffer
	 * has only one: the destination then stays on one side of it.
	 */
	for (k = 64 * KIB; k < size - 64 * KIB && ncuts < 2; k += page)
		if (!adjacent(&b, k - page) && (!ncuts || k > cuts[0] + 8 * page))
			cuts[ncuts++] = k;
	ASSERT_LE(1, ncuts) {
		TH_LOG("the 12 MiB buffer is one block of RAM: nothing to prove");
	}
	if (ncuts == 1)
		cuts[1] = cuts[0] + 4 * page;
	src = cuts[0] - 1000, dst = cuts[1] - 2000, P = cuts[0] - 10, Q = cuts[1] - 2999;
	if (ncuts == 1)
		Q = cuts[0] - 2999;	/* no data check there: it may share src's break */
	TH_LOG("transfers across %d break(s) in RAM, the first at %#zx", ncuts, cuts[0]);
	ASSERT_EQ(0, maint_clear());

	/* mapped: all of it cleaned, nothing invalidated yet */
	ASSERT_EQ(0, edu_map(&b, 0, 0, "bidirectional"));
	MAINT_IS("dma_map", 0, size, 0, 0);

	/* the sample syncs around a transfer: to the device, then back */
	ASSERT_EQ(0, to_dev(src, n));
	MAINT_IS("to the device", src, n, 0, 0);
	ASSERT_EQ(0, from_dev(dst, n));
	MAINT_IS("from the device", dst, n, dst, n);
	for (k = 0; k < n && b.p[dst + k] == b.p[src + k]; k++)
		;
	EXPECT_EQ(n, k) {
		TH_LOG("byte %zu of the transfer differs", k);
	}

	/* user space syncs (MAPPER_IOC_SYNC) where the sample does not */
	ASSERT_EQ(0, sync_ioctl(b.fd, sizeof(struct mapper_sync),
				MAPPER_SYNC_FOR_DEVICE | MAPPER_SYNC_TO_DEVICE, P, n));
	MAINT_IS("MAPPER_IOC_SYNC for the device", P, n, 0, 0);
	ASSERT_EQ(0, sync_ioctl(b.fd, sizeof(struct mapper_sync),
				MAPPER_SYNC_FOR_CPU | MAPPER_SYNC_FROM_DEVICE, Q, n));
	MAINT_IS("MAPPER_IOC_SYNC for the CPU", 0, 0, Q, n);

	/* unmapped: all of it invalidated, the device may have written anywhere */
	ASSERT_EQ(0, edu_unmap());
	MAINT_IS("dma_unmap", 0, 0, 0, size);

	/*
	 * Unless the CPU owns all of it: synced for the CPU whole (in slices:
	 * more than MAPPER_IOC_SYNC does at once), the unmap leaves the caches
	 * alone, or it would drop what the CPU wrote since.
	 */
	ASSERT_EQ(0, edu_map(&b, 0, 0, "bidirectional"));
	MAINT_IS("dma_map again", 0, size, 0, 0);
	ASSERT_EQ(0, sync_ioctl(b.fd, sizeof(struct mapper_sync),
				MAPPER_SYNC_FOR_CPU | MAPPER_SYNC_FROM_DEVICE, 0, size));
	MAINT_IS("MAPPER_IOC_SYNC for the CPU, all of it", 0, 0, 0, size);
	ASSERT_EQ(0, edu_unmap());
	MAINT_IS("dma_unmap while the CPU owns it", 0, 0, 0, 0);
	if (coherent)
		TH_LOG("coherent: no cache maintenance at any step (the probes see it in the non-coherent VMs)");
	EXPECT_EQ(0, maint_probes(0));
	EXPECT_EQ(0, tbuf_free(&b));
	free(m);
	free(want);
}

/* ---- two devices, one buffer ------------------------------------------------------ */

TEST_F(dma, two_devices_share_a_buffer_but_not_writable_bytes)
{
	const size_t size = 4 * MIB, n = 3000;
	const size_t one = MIB, two = 2 * MIB;
	const size_t A = 100, B = one + 5000, C = 3 * one + 7000, D = two + 300;
	unsigned char want[3000];
	char line[256];
	struct tbuf b;
	int kmsg;

	if (!edu2[0])
		SKIP(return, "one edu device: boot the VM with -device edu twice");
	kmsg = kmsg_open();
	ASSERT_LE(0, kmsg);
	ASSERT_EQ(0, dbuf_make(&b, "shared", size, 0, NULL));
	pat_fill(b.p, size, 8);
	memcpy(want, b.p + A, n);

	/* bytes both devices may write: the second mapping is refused */
	ASSERT_EQ(0, edu_write("buffer", "shared 0 %zu bidirectional", two));
	EXPECT_EQ(-EBUSY, edu2_write("buffer", "shared %zu %zu bidirectional", one, two));
	EXPECT_EQ(1, kmsg_lines(kmsg, "overlaps the device-writable mapping", line, sizeof(line)));
	TH_LOG("%s", line);
	EXPECT_EQ(-EBUSY, edu2_write("buffer", "shared 0 %zu from_device", size));
	EXPECT_EQ(1, dma_maps_count("shared"));
	/* apart, both are fine */
	ASSERT_EQ(0, edu2_write("buffer", "shared %zu %zu bidirectional", two, two));
	EXPECT_EQ(2, dma_maps_count("shared"));
	EXPECT_EQ(2, dev_ll(b.index, "dma_maps"));

	/* what one device wrote, the other reads */
	ASSERT_EQ(0, edu_write("to_device", "%zu %zu", A, n));
	ASSERT_EQ(0, edu_write("from_device", "%zu %zu", B, n));
	EXPECT_EQ(0, memcmp(b.p + B, want, n));
	ASSERT_EQ(0, edu2_write("buffer", "\n"));
	/* reading devices may overlap anything */
	ASSERT_EQ(0, edu2_write("buffer", "shared 0 %zu to_device", size));
	ASSERT_EQ(0, edu2_write("to_device", "%zu %zu", B, n));
	ASSERT_EQ(0, edu2_write("buffer", "\n"));
	/* the device keeps its buffer across mappings: back into RAM elsewhere */
	ASSERT_EQ(0, edu2_write("buffer", "shared %zu %zu bidirectional", two, two));
	ASSERT_EQ(0, edu2_write("from_device", "%zu %zu", C, n));
	EXPECT_EQ(0, memcmp(b.p + C, want, n)) {
		TH_LOG("the second device did not pass on what the first wrote");
	}
	ASSERT_EQ(0, edu_unmap());
	ASSERT_EQ(0, edu2_write("buffer", "\n"));

	/* one device reads, the other writes the same bytes: both mapped */
	ASSERT_EQ(0, edu_write("buffer", "shared 0 %zu to_device", size));
	ASSERT_EQ(0, edu2_write("buffer", "shared 0 %zu from_device", size));
	EXPECT_EQ(2, dma_maps_count("shared"));
	ASSERT_EQ(0, edu_write("to_device", "%zu %d", C + 10, 100));
	ASSERT_EQ(0, edu2_write("from_device", "%zu %zu", D, n));
	EXPECT_EQ(0, memcmp(b.p + D, want, n));
	ASSERT_EQ(0, edu_unmap());
	ASSERT_EQ(0, edu2_write("buffer", "\n"));
	EXPECT_EQ(0, dma_maps_count("shared"));
	EXPECT_EQ(0, tbuf_free(&b));
	close(kmsg);
}

/* ---- a mapping holds the buffer ------------------------------------------------- */

static int cache_modes_supported(void)
{
	struct utsname u;

	return !uname(&u) && !strcmp(u.machine, "x86_64");
}

TEST_F(dma, removal_cache_changes_and_rmmod_wait_for_the_unmap)
{
	char line[256];
	struct tbuf b;
	int kmsg = kmsg_open();

	ASSERT_LE(0, kmsg);
	ASSERT_EQ(0, dbuf_make(&b, "held", MIB, 0, NULL));
	ASSERT_EQ(0, edu_map(&b, 0, 0, "to_device"));
	EXPECT_EQ(-EBUSY, cfs_write("held", "enable", "0"));
	EXPECT_EQ(1, kmsg_lines(kmsg, "1 DMA mapping", line, sizeof(line)));
	TH_LOG("%s", line);
	if (cache_modes_supported()) {
		/* without a user mapping: only the DMA mapping holds the mode */
		munmap(b.p, b.size);
		b.p = NULL;
		EXPECT_EQ(-EBUSY, sysfs_write(b.index, "cache", "wc"));
		EXPECT_EQ(-EBUSY, cfs_write("held", "cache", "uc"));
		EXPECT_TRUE(dev_is(b.index, "cache", "cached"));
	}
	EXPECT_EQ(-EWOULDBLOCK, unload());
	EXPECT_TRUE(loaded());

	ASSERT_EQ(0, edu_unmap());
	EXPECT_EQ(0, dev_ll(b.index, "dma_maps"));
	if (cache_modes_supported()) {
		EXPECT_EQ(0, sysfs_write(b.index, "cache", "wc"));
		EXPECT_TRUE(dev_is(b.index, "cache", "wc"));
		EXPECT_EQ(0, sysfs_write(b.index, "cache", "cached"));
	}
	EXPECT_EQ(0, tbuf_free(&b));
	EXPECT_FALSE(cfs_exists("held"));

	/* rmmod of the sample while it maps a buffer: its remove() unmaps */
	ASSERT_EQ(0, dbuf_make(&b, "dropped", MIB, 0, NULL));
	ASSERT_EQ(0, edu_map(&b, 0, 0, "bidirectional"));
	EXPECT_EQ(1, dev_ll(b.index, "dma_maps"));
	EXPECT_EQ(0, unload_edu());
	EXPECT_FALSE(edu_loaded());
	EXPECT_EQ(0, dev_ll(b.index, "dma_maps"));
	EXPECT_FALSE(dma_maps_line("dropped", line, sizeof(line)));
	EXPECT_EQ(0, tbuf_free(&b));
	EXPECT_EQ(0, load_ko(EDU_KO, ""));
	close(kmsg);
}

/* ---- bad input -------------------------------------------------------------------- */

TEST_F(dma, bad_mappings_and_transfers_are_refused)
{
	const size_t size = MIB;
	char line[256], longname[48];
	struct tbuf b;

	ASSERT_EQ(0, dbuf_make(&b, "bad", size, 0, NULL));
	/* nothing mapped */
	EXPECT_EQ(-ENXIO, to_dev(0, 100));
	EXPECT_EQ(-ENXIO, from_dev(0, 100));
	/* the API's errors, as the write's */
	EXPECT_EQ(-ENODEV, edu_write("buffer", "nosuch"));
	EXPECT_EQ(-EINVAL, edu_write("buffer", "bad 100"));			/* unaligned */
	EXPECT_EQ(-EINVAL, edu_write("buffer", "bad 4096 100"));
	EXPECT_EQ(-EINVAL, edu_write("buffer", "bad %zu", size));		/* at the end */
	EXPECT_EQ(-EINVAL, edu_write("buffer", "bad 0 %zu", size + page));	/* beyond */
	EXPECT_EQ(-EINVAL, edu_write("buffer", "bad %zu %zu", size - page, 2 * page));
	/* the sample's own parsing */
	EXPECT_EQ(-EINVAL, edu_write("buffer", "bad 0 0 sideways"));
	EXPECT_EQ(-EINVAL, edu_write("buffer", "bad 0 0 to_device more"));
	EXPECT_EQ(-EINVAL, edu_write("buffer", "bad zero"));
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	EXPECT_EQ(-EINVAL, edu_write("buffer", "%s", longname));
	EXPECT_EQ(-1, edu_segments(line, sizeof(line)));
	EXPECT_EQ(0, dev_ll(b.index, "dma_maps"));

	/* a range of the buffer, one way */
	ASSERT_EQ(0, edu_write("buffer", "bad 65536 131072 to_device"));
	edu_segments(line, sizeof(line));
	EXPECT_EQ(0, strncmp(line, "bad 65536 131072 to_device ", 27)) {
		TH_LOG("buffer reads '%s'", line);
	}
	ASSERT_TRUE(dma_maps_line("bad", line, sizeof(line)));
	EXPECT_NE(NULL, strstr(line, " offset=0x10000 length=0x20000 dir=to_device ")) {
		TH_LOG("debugfs: '%s'", line);
	}
	EXPECT_EQ(-EBUSY, edu_write("buffer", "bad"));
	EXPECT_EQ(-EINVAL, to_dev(0, 100));			/* before the range */
	EXPECT_EQ(-EINVAL, to_dev(65536 - 1, 2));
	EXPECT_EQ(-EINVAL, to_dev(196608 - 100, 101));		/* past its end */
	EXPECT_EQ(-EINVAL, to_dev(196608, 1));
	EXPECT_EQ(-EINVAL, to_dev(65536, 0));
	EXPECT_EQ(-EINVAL, to_dev(65536, 4097));		/* more than the device holds */
	EXPECT_EQ(-EINVAL, from_dev(65536, 100));		/* the other way */
	EXPECT_EQ(-EINVAL, edu_write("to_device", "65536"));
	EXPECT_EQ(-EINVAL, edu_write("to_device", "65536 100 7"));
	EXPECT_EQ(-EINVAL, edu_write("to_device", "x 100"));
	EXPECT_EQ(-EINVAL, edu_write("to_device", "-1 100"));
	EXPECT_EQ(0, to_dev(65536, 100));
	EXPECT_EQ(0, to_dev(196608 - 100, 100));
	EXPECT_EQ(0, edu_unmap());
	EXPECT_EQ(0, edu_unmap());				/* nothing to do */
	EXPECT_EQ(0, tbuf_free(&b));
}

TEST_F(dma, bad_sync_requests_are_einval)
{
	const unsigned int dev_to = MAPPER_SYNC_FOR_DEVICE | MAPPER_SYNC_TO_DEVICE;
	static unsigned char big[2 * 65536];	/* past a page of up to 64 KiB */
	struct mapper_sync *big_sync = (struct mapper_sync *)big;
	const size_t size = MIB;
	struct mapper_info info;
	struct tbuf b;
	int ro;

	ASSERT_EQ(0, dbuf_make(&b, "syncs", size, 0, NULL));
	ro = open_index(b.index, O_RDONLY);
	ASSERT_LE(0, ro);
	memset(&info, 0, sizeof(info));
	info.argsz = sizeof(info);
	ASSERT_EQ(0, ioctl(ro, MAPPER_IOC_INFO, &info));
	EXPECT_TRUE(info.flags & MAPPER_INFO_F_SYNC);

	/* nothing maps it: nothing to do */
	EXPECT_EQ(0, sync_ioctl(ro, sizeof(struct mapper_sync), dev_to, 0, 0));
	ASSERT_EQ(0, edu_map(&b, 0, 0, "bidirectional"));
	EXPECT_EQ(0, sync_ioctl(ro, sizeof(struct mapper_sync), dev_to, 0, 0));
	EXPECT_EQ(0, sync_ioctl(ro, sizeof(struct mapper_sync),
				MAPPER_SYNC_FOR_CPU | MAPPER_SYNC_FROM_DEVICE, 3, 5));
	EXPECT_EQ(0, sync_ioctl(ro, sizeof(struct mapper_sync), MAPPER_SYNC_FOR_CPU |
				MAPPER_SYNC_TO_DEVICE | MAPPER_SYNC_FROM_DEVICE, size - 1, 1));
	EXPECT_EQ(0, sync_ioctl(ro, sizeof(struct mapper_sync) + 8, dev_to, 0, 0));

	/* flags */
	EXPECT_EQ(-EINVAL, sync_ioctl(ro, sizeof(struct mapper_sync), 0, 0, 0));
	EXPECT_EQ(-EINVAL, sync_ioctl(ro, sizeof(struct mapper_sync), MAPPER_SYNC_FOR_DEVICE, 0, 0));
	EXPECT_EQ(-EINVAL, sync_ioctl(ro, sizeof(struct mapper_sync), MAPPER_SYNC_TO_DEVICE, 0, 0));
	EXPECT_EQ(-EINVAL, sync_ioctl(ro, sizeof(struct mapper_sync),
				      dev_to | MAPPER_SYNC_FOR_CPU, 0, 0));
	EXPECT_EQ(-EINVAL, sync_ioctl(ro, sizeof(struct mapper_sync), dev_to | (1u << 4), 0, 0));
	EXPECT_EQ(-EINVAL, sync_ioctl(ro, sizeof(struct mapper_sync), dev_to | (1u << 31), 0, 0));
	/* ranges */
	EXPECT_EQ(-EINVAL, sync_ioctl(ro, sizeof(struct mapper_sync), dev_to, size, 0));
	EXPECT_EQ(-EINVAL, sync_ioctl(ro, sizeof(struct mapper_sync), dev_to, 0, size + 1));
	EXPECT_EQ(-EINVAL, sync_ioctl(ro, sizeof(struct mapper_sync), dev_to, page, size));
	EXPECT_EQ(-EINVAL, sync_ioctl(ro, sizeof(struct mapper_sync), dev_to, 1, UINT64_MAX));
	/* larger structures: bytes beyond the known ones must be zero, at most a page */
	memset(big, 0, sizeof(big));
	big_sync->argsz = 32;
	big_sync->flags = dev_to;
	EXPECT_EQ(0, ioctl(ro, MAPPER_IOC_SYNC, big) ? -errno : 0);
	big[27] = 1;
	EXPECT_EQ(-E2BIG, ioctl(ro, MAPPER_IOC_SYNC, big) ? -errno : 0);
	big[27] = 0;
	big_sync->argsz = page;
	EXPECT_EQ(0, ioctl(ro, MAPPER_IOC_SYNC, big) ? -errno : 0);
	big_sync->argsz = page + 1;
	EXPECT_EQ(-E2BIG, ioctl(ro, MAPPER_IOC_SYNC, big) ? -errno : 0);
	/* a structure shorter than the first version's */
	EXPECT_EQ(-EINVAL, sync_ioctl(ro, 16, dev_to, 0, 0));
	EXPECT_EQ(0, edu_unmap());
	close(ro);
	EXPECT_EQ(0, tbuf_free(&b));
}

TEST_F(dma, bad_device_attributes_are_refused)
{
	struct snap before = snap_take();
	char line[256];
	struct tbuf b;
	int kmsg = kmsg_open();

	ASSERT_LE(0, kmsg);
	EXPECT_EQ(-ENODEV, dbuf_make(&b, "nodev", MIB, 0, "0000:99:1f.7"));
	EXPECT_EQ(1, kmsg_lines(kmsg, "nodev: no device 0000:99:1f.7 on the pci, platform or amba bus",
				line, sizeof(line)));
	EXPECT_EQ(-ENODEV, dbuf_make(&b, "nodev", MIB, 1, "nosuchdevice"));
	EXPECT_TRUE(snap_same(before, snap_take()));

	/* fixed once the buffer exists */
	ASSERT_EQ(0, dbuf_make(&b, "fixed", MIB, 0, NULL));
	EXPECT_EQ(-EBUSY, cfs_write("fixed", "contiguous", "1"));
	EXPECT_EQ(-EBUSY, cfs_write("fixed", "dma_device", edu));
	EXPECT_EQ(0, cfs_ll("fixed", "contiguous"));
	EXPECT_EQ(0, tbuf_free(&b));
	close(kmsg);
}

TEST_HARNESS_MAIN
