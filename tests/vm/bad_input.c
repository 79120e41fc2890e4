// SPDX-License-Identifier: GPL-2.0
/*
 * The bad-input catalogue: every class of wrong argument mapper.ko can be
 * given, and the errno it answers with (mapper(4), ERRORS). One test per
 * class, named after the behaviour it proves; each case is logged as
 * "input -> errno" so that the TAP output is the catalogue itself.
 *
 * Runs as root inside the test VM with mapper loaded as "devices=2" (1 MiB
 * buffers), after mapper_test; leaves it loaded that way. Cases the kernel's
 * mm core or VFS answers before mapper sees them are here too: user space
 * cannot tell who refused, only what the answer is.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vm_util.h"
#include "mapper.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE	0x03
#endif
#ifndef MAP_SYNC
#define MAP_SYNC		0x80000
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP	4
#endif

#define SIZE		(1024L * 1024)	/* the module's default size= */
#define DEFAULT_PARAMS	"devices=2"

static long pg;
static void *volatile nullp;		/* NULL, hidden from the compiler's checks */

static int open_dev(int n, int flags)
{
	char path[32];

	snprintf(path, sizeof(path), "/dev/mapper%d", n);
	return open(path, flags | O_CLOEXEC);
}

static const char *ename(int e)
{
	const char *s = e ? strerrorname_np(e) : "success";

	return s ? s : "E?";
}

/* errno of an mmap() of mapper0, 0 if it mapped (and is unmapped again). */
static int try_mmap(int fd, void *addr, size_t len, int prot, int flags, off_t off)
{
	void *p = mmap(addr, len, prot, flags, fd, off);

	if (p == MAP_FAILED)
		return errno;
	munmap(p, len);
	return 0;
}

static long sysfs_maps(int n)
{
	char path[64], text[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/mapper/mapper%d/maps", n);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(text, sizeof(text), f))
		text[0] = '\0';
	fclose(f);
	return strtol(text, NULL, 10);
}

/* ---- module parameters --------------------------------------------------- */

/*
 * Each parameter string must fail with @err, register nothing and explain
 * itself in one kernel log line; mapper is loaded with the defaults again
 * afterwards.
 */
static void params_fail(struct __test_metadata *_metadata, const char *const *bad, size_t n,
			int err, const char *log_needle)
{
	int kmsg = kmsg_open();

	ASSERT_EQ(0, unload());
	for (size_t i = 0; i < n; i++) {
		char line[512] = "";
		int ret = load(bad[i]);
		int lines = kmsg_lines(kmsg, "mapper", line, sizeof(line));

		TH_LOG("insmod mapper.ko %-32s -> %s: %s", bad[i], ename(-ret), line);
		EXPECT_EQ(-err, ret);
		EXPECT_FALSE(loaded());
		EXPECT_NE(0, access("/sys/class/mapper", F_OK));
		EXPECT_NE(0, access("/dev/mapper0", F_OK));
		EXPECT_EQ(1, lines);
		if (log_needle)
			EXPECT_NE(NULL, strstr(line, log_needle)) {
				TH_LOG("expected the log line to say \"%s\"", log_needle);
			}
		if (loaded())
			unload();
	}
	close(kmsg);
	ASSERT_EQ(0, load(DEFAULT_PARAMS));
}

#define PARAMS_FAIL(err, needle, ...) do { \
	static const char *const bad[] = { __VA_ARGS__ }; \
	params_fail(_metadata, bad, sizeof(bad) / sizeof(bad[0]), err, needle); \
} while (0)

TEST(size_zero_is_einval)
{
	PARAMS_FAIL(EINVAL, "size=0", "size=0", "size=0K", "size=0x0");
}

TEST(size_unparsable_is_einval)
{
	PARAMS_FAIL(EINVAL, NULL, "size=abc", "size=", "size=1K2", "size=1KK", "size=1T",
		    "size=0x", "size=-1", "size=--1", "size=1.5M");
}

TEST(size_overflowing_is_einval)
{
	PARAMS_FAIL(EINVAL, NULL, "size=99999999999999999999", "size=17179869184G",
		    "size=0x10000000000000000");
}

/* Near 2^64 bytes: rounding up to pages must not wrap around to 0 pages. */
TEST(size_near_the_largest_number_is_refused_as_too_big)
{
	PARAMS_FAIL(EINVAL, "RAM", "size=18446744073709551615", "size=18446744073709550000",
		    "size=0xfffffffffffff001");
}

TEST(buffers_larger_than_the_ram_limit_are_einval)
{
	PARAMS_FAIL(EINVAL, "RAM", "size=100G", "size=1G", "devices=256 size=64M",
		    "devices=2 size=200M");
}

/* More than the 2^20 minors, or than 3/4 of RAM at the default 1 MiB each. */
TEST(devices_beyond_the_minors_or_the_ram_is_einval)
{
	PARAMS_FAIL(EINVAL, "devices", "devices=1048577", "devices=4294967295", "devices=1000");
}

TEST(devices_unparsable_is_einval)
{
	PARAMS_FAIL(EINVAL, NULL, "devices=x", "devices=-1", "devices=1.5", "devices=",
		    "devices=2x");
}

TEST(devices_overflowing_is_einval)
{
	PARAMS_FAIL(EINVAL, NULL, "devices=4294967296", "devices=99999999999",
		    "devices=0x100000001");
}

/* No cap at 256 minors since 0.3; devices=0 loads with no buffer at all. */
TEST(devices_limits_load)
{
	int fd;

	ASSERT_EQ(0, unload());
	EXPECT_EQ(0, load("devices=300 size=4K"));
	EXPECT_EQ(0, access("/dev/mapper299", F_OK));
	EXPECT_NE(0, access("/dev/mapper300", F_OK));
	fd = open_dev(299, O_RDWR);
	EXPECT_LE(0, fd);
	EXPECT_EQ(3, pwrite(fd, "299", 3, 0));
	close(fd);
	EXPECT_EQ(0, unload());
	EXPECT_EQ(0, load("devices=0"));
	EXPECT_NE(0, access("/dev/mapper0", F_OK));
	EXPECT_EQ(0, access("/sys/class/mapper", F_OK));
	EXPECT_EQ(0, unload());
	EXPECT_EQ(0, load("devices=1 size=1"));
	EXPECT_NE(0, access("/dev/mapper1", F_OK));
	EXPECT_EQ(0, unload());
	ASSERT_EQ(0, load(DEFAULT_PARAMS));
}

/* The module loader, not mapper, decides this one: it warns and goes on. */
TEST(unknown_parameter_is_ignored_with_a_warning)
{
	int kmsg = kmsg_open();
	char line[512] = "";
	int ret;

	ASSERT_EQ(0, unload());
	ret = load("devices=2 colour=blue");
	TH_LOG("insmod mapper.ko devices=2 colour=blue -> %s", ename(-ret));
	EXPECT_EQ(0, ret);
	EXPECT_LE(1, kmsg_lines(kmsg, "colour", line, sizeof(line)));
	TH_LOG("%s", line);
	close(kmsg);
	if (!loaded())
		ASSERT_EQ(0, load(DEFAULT_PARAMS));
}

TEST(a_second_load_is_eexist)
{
	int ret = load(DEFAULT_PARAMS);

	TH_LOG("insmod mapper.ko while loaded -> %s", ename(-ret));
	EXPECT_EQ(-EEXIST, ret);
	EXPECT_TRUE(loaded());
}

TEST(rmmod_while_open_or_mapped_is_eagain)
{
	int fd = open_dev(1, O_RDWR);
	void *p;

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EAGAIN, unload());
	p = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	close(fd);
	EXPECT_EQ(-EAGAIN, unload());
	TH_LOG("rmmod while open or mapped -> %s", ename(EAGAIN));
	munmap(p, pg);
	EXPECT_TRUE(loaded());
}

/* ---- device nodes ----------------------------------------------------------- */

TEST(a_node_for_a_minor_without_a_device_is_enxio)
{
	struct stat st;
	int fd;

	ASSERT_EQ(0, stat("/dev/mapper0", &st));
	unlink("/tmp/mapper7");
	ASSERT_EQ(0, mknod("/tmp/mapper7", S_IFCHR | 0600, makedev(major(st.st_rdev), 7)));
	fd = open("/tmp/mapper7", O_RDWR);
	TH_LOG("open of minor 7 with devices=2 -> %s", ename(fd < 0 ? errno : 0));
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(ENXIO, errno);
	unlink("/tmp/mapper7");
	EXPECT_EQ(-1, open("/dev/mapper2", O_RDWR));
	EXPECT_EQ(ENOENT, errno);
}

/* ---- mmap: offsets ------------------------------------------------------------ */

struct mcase {
	const char *what;
	size_t len;
	off_t off;
	int prot, flags;
	int err, err2;		/* err2: a second acceptable answer, or 0 */
};

static void mmap_cases(struct __test_metadata *_metadata, int fd, const struct mcase *c,
		       size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int prot = c[i].prot ? c[i].prot : PROT_READ;
		int flags = c[i].flags ? c[i].flags : MAP_SHARED;
		int err = try_mmap(fd, NULL, c[i].len, prot, flags, c[i].off);

		TH_LOG("mmap %-44s -> %s", c[i].what, ename(err));
		if (c[i].err2 && err == c[i].err2)
			continue;
		EXPECT_EQ(c[i].err, err) {
			TH_LOG("expected %s", ename(c[i].err));
		}
	}
	EXPECT_EQ(0, sysfs_maps(0));
}

#define MMAP_CASES(fd, ...) do { \
	const struct mcase c[] = { __VA_ARGS__ }; \
	mmap_cases(_metadata, fd, c, sizeof(c) / sizeof(c[0])); \
} while (0)

TEST(mmap_unaligned_offset_is_einval)
{
	int fd = open_dev(0, O_RDWR);

	ASSERT_LE(0, fd);
	MMAP_CASES(fd,
		{ "offset 1", pg, 1, 0, 0, EINVAL, 0 },
		{ "offset page-1", pg, pg - 1, 0, 0, EINVAL, 0 },
		{ "offset page+1", pg, pg + 1, 0, 0, EINVAL, 0 },
		{ "offset size-1", pg, SIZE - 1, 0, 0, EINVAL, 0 },
		{ "offset 1, private", pg, 1, 0, MAP_PRIVATE, EINVAL, 0 },
	);
	close(fd);
}

TEST(mmap_offset_at_or_past_end_is_einval)
{
	int fd = open_dev(0, O_RDWR);

	ASSERT_LE(0, fd);
	MMAP_CASES(fd,
		{ "offset size (the end)", pg, SIZE, 0, 0, EINVAL, 0 },
		{ "offset size+page", pg, SIZE + pg, 0, 0, EINVAL, 0 },
		{ "offset 1 TiB", pg, 1LL << 40, 0, 0, EINVAL, 0 },
		{ "offset 2^62", pg, 1LL << 62, 0, 0, EINVAL, 0 },
		{ "offset size, private", pg, SIZE, 0, MAP_PRIVATE, EINVAL, 0 },
	);
	close(fd);
}

TEST(mmap_range_crossing_end_is_einval)
{
	int fd = open_dev(0, O_RDWR);

	ASSERT_LE(0, fd);
	MMAP_CASES(fd,
		{ "2 pages at the last page", 2 * pg, SIZE - pg, 0, 0, EINVAL, 0 },
		{ "size at page 1", SIZE, pg, 0, 0, EINVAL, 0 },
		{ "size+1 at 0 (rounds up past the end)", SIZE + 1, 0, 0, 0, EINVAL, 0 },
		{ "2*size at 0", 2 * SIZE, 0, 0, 0, EINVAL, 0 },
		{ "2 pages at the last page, private", 2 * pg, SIZE - pg, 0, MAP_PRIVATE, EINVAL, 0 },
	);
	close(fd);
}

/* The mm core refuses offset + length wrapping around 2^64 (EOVERFLOW). */
TEST(mmap_offset_plus_length_overflowing_is_eoverflow)
{
	int fd = open_dev(0, O_RDWR);

	ASSERT_LE(0, fd);
	MMAP_CASES(fd,
		{ "4 pages at offset -page", 4 * pg, -pg, 0, 0, EOVERFLOW, 0 },
		{ "1 page at offset -page", pg, -pg, 0, 0, EOVERFLOW, 0 },
		{ "size at offset -size", SIZE, -SIZE, 0, 0, EOVERFLOW, 0 },
		{ "1 page at offset 2^63 (mapper: past end)", pg, (off_t)(1ULL << 63), 0, 0, EINVAL, 0 },
	);
	close(fd);
}

/* Naive drivers remap_pfn_range() the offset: mapper treats it as a buffer offset. */
TEST(mmap_physical_address_as_offset_is_einval_or_a_buffer_offset)
{
	int fd = open_dev(0, O_RDWR), pm;
	unsigned char *p, *q, c;
	uint64_t ent = 0;

	ASSERT_LE(0, fd);
	MMAP_CASES(fd,
		{ "offset 0xfee00000 (local APIC)", pg, 0xfee00000, 0, 0, EINVAL, 0 },
		{ "offset 0xfed00000 (HPET)", pg, 0xfed00000, 0, 0, EINVAL, 0 },
		{ "offset 0x100000000 (RAM above 4G)", pg, 0x100000000LL, 0, 0, EINVAL, 0 },
		{ "offset 0xfd000000 (framebuffer)", pg, 0xfd000000, 0, 0, EINVAL, 0 },
	);
	/* The physical address of one of the buffer's own pages. */
	p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 0x5c;
	pm = open("/proc/self/pagemap", O_RDONLY);
	ASSERT_LE(0, pm);
	ASSERT_EQ(8, pread(pm, &ent, 8, (uintptr_t)p / pg * 8));
	close(pm);
	ASSERT_TRUE(ent >> 63);				/* present */
	ent &= (1ULL << 55) - 1;			/* the PFN */
	ASSERT_NE(0, ent);
	errno = 0;
	EXPECT_EQ(MAP_FAILED, mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, (off_t)(ent * pg)));
	TH_LOG("mmap at the buffer page's own physical address %#llx -> %s",
	       (unsigned long long)(ent * pg), ename(errno));
	EXPECT_EQ(EINVAL, errno);
	/* 0xb8000 (VGA text) is inside a 1 MiB buffer: its page 0xb8, not VGA memory. */
	q = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0xb8000);
	ASSERT_NE(MAP_FAILED, q);
	c = 0xa7;
	ASSERT_EQ(1, pwrite(fd, &c, 1, 0xb8000 + 17));
	EXPECT_EQ(0xa7, q[17]);
	TH_LOG("mmap at 0xb8000 -> success, page 0xb8 of the buffer");
	munmap(q, pg);
	munmap(p, pg);
	close(fd);
}

/* ---- mmap: lengths ------------------------------------------------------------ */

TEST(mmap_zero_length_is_einval)
{
	int fd = open_dev(0, O_RDWR);

	ASSERT_LE(0, fd);
	MMAP_CASES(fd,
		{ "length 0", 0, 0, 0, 0, EINVAL, 0 },
		{ "length 0 at the end", 0, SIZE, 0, 0, EINVAL, 0 },
		{ "length 0, private", 0, 0, 0, MAP_PRIVATE, EINVAL, 0 },
	);
	close(fd);
}

/*
 * A length beyond user space's mmap window: 2^47 on x86-64; 2^48 on arm64,
 * whose 48-bit and 52-bit VA kernels both map below 2^48 by default.
 */
#ifdef __aarch64__
#define USER_WINDOW_BITS	48
#else
#define USER_WINDOW_BITS	47
#endif
#define STR_(x)	#x
#define STR(x)	STR_(x)

TEST(mmap_length_beyond_the_address_space_is_enomem)
{
	int fd = open_dev(0, O_RDWR);

	ASSERT_LE(0, fd);
	MMAP_CASES(fd,
		{ "length SIZE_MAX", SIZE_MAX, 0, 0, 0, ENOMEM, 0 },
		{ "length SIZE_MAX-page+2 (page rounding wraps)", SIZE_MAX - pg + 2, 0, 0, 0, ENOMEM, 0 },
		{ "length 2^" STR(USER_WINDOW_BITS), 1UL << USER_WINDOW_BITS, 0, 0, 0, ENOMEM, 0 },
		{ "length 2^62", 1UL << 62, 0, 0, 0, ENOMEM, 0 },
	);
	close(fd);
}

TEST(mmap_unaligned_length_rounds_up_to_pages)
{
	int fd = open_dev(0, O_RDWR);

	ASSERT_LE(0, fd);
	MMAP_CASES(fd,
		{ "length 1", 1, 0, 0, 0, 0, 0 },
		{ "length page+1 at page 1", pg + 1, pg, 0, 0, 0, 0 },
		{ "length size-1", SIZE - 1, 0, 0, 0, 0, 0 },
		{ "length 1 at the last page", 1, SIZE - pg, 0, 0, 0, 0 },
		{ "length 2 at the last page + 1 page", pg + 2, SIZE - pg, 0, 0, EINVAL, 0 },
	);
	close(fd);
}

/* ---- mmap: flags and prot -------------------------------------------------------- */

TEST(prot_exec_is_eperm)
{
	int fd = open_dev(0, O_RDWR), ro = open_dev(0, O_RDONLY);

	ASSERT_LE(0, fd);
	ASSERT_LE(0, ro);
	MMAP_CASES(fd,
		{ "PROT_EXEC, shared", pg, 0, PROT_EXEC, 0, EPERM, 0 },
		{ "PROT_READ|PROT_EXEC, shared", pg, 0, PROT_READ | PROT_EXEC, 0, EPERM, 0 },
		{ "PROT_READ|PROT_WRITE|PROT_EXEC, private", pg, 0,
		  PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE, EPERM, 0 },
	);
	MMAP_CASES(ro,
		{ "PROT_READ|PROT_EXEC, private, O_RDONLY fd", pg, 0, PROT_READ | PROT_EXEC,
		  MAP_PRIVATE, EPERM, 0 },
	);
	close(ro);
	close(fd);
}

TEST(mprotect_adding_exec_is_eacces)
{
	int fd = open_dev(0, O_RDWR);
	unsigned char *p, *q;

	ASSERT_LE(0, fd);
	p = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	q = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_EQ(-1, mprotect(p, 4 * pg, PROT_READ | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, mprotect(p + pg, pg, PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, mprotect(q, 4 * pg, PROT_READ | PROT_WRITE | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
	TH_LOG("mprotect adding PROT_EXEC (shared, private, part) -> EACCES");
	EXPECT_EQ(2, sysfs_maps(0));	/* no split left behind */
	munmap(p, 4 * pg);
	munmap(q, 4 * pg);
	close(fd);
}

TEST(mprotect_unknown_prot_bits_are_einval)
{
	int fd = open_dev(0, O_RDWR);
	void *p;

	ASSERT_LE(0, fd);
	p = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, mprotect(p, pg, PROT_READ | 0x40));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mprotect(p, pg, PROT_READ | PROT_GROWSDOWN));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mprotect((char *)p + 1, pg, PROT_READ));
	EXPECT_EQ(EINVAL, errno);
	TH_LOG("mprotect with prot 0x40, PROT_GROWSDOWN, or an unaligned address -> EINVAL");
	munmap(p, pg);
	close(fd);
}

/* What the file was opened for limits what may be mapped. */
TEST(mapping_beyond_the_open_mode_is_eacces)
{
	int ro = open_dev(0, O_RDONLY), wo = open_dev(0, O_WRONLY);
	void *p;

	ASSERT_LE(0, ro);
	ASSERT_LE(0, wo);
	MMAP_CASES(ro,
		{ "shared PROT_WRITE of an O_RDONLY fd", pg, 0, PROT_READ | PROT_WRITE, 0, EACCES, 0 },
		{ "private PROT_WRITE of an O_RDONLY fd (a copy)", pg, 0, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE, 0, 0 },
	);
	MMAP_CASES(wo,
		{ "shared PROT_WRITE of an O_WRONLY fd", pg, 0, PROT_WRITE, 0, EACCES, 0 },
		{ "private PROT_READ of an O_WRONLY fd", pg, 0, PROT_READ, MAP_PRIVATE, EACCES, 0 },
		{ "PROT_EXEC, O_WRONLY fd (the mode comes first)", pg, 0, PROT_EXEC, 0, EACCES, 0 },
		{ "past the end, O_WRONLY fd (the mode comes first)", pg, SIZE, 0, 0, EACCES, 0 },
	);
	p = mmap(NULL, pg, PROT_READ, MAP_SHARED, ro, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, mprotect(p, pg, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	TH_LOG("mprotect adding PROT_WRITE to a shared mapping of an O_RDONLY fd -> EACCES");
	munmap(p, pg);
	close(ro);
	close(wo);
}

TEST(mmap_flags_the_device_does_not_support_are_refused)
{
	int fd = open_dev(0, O_RDWR);

	ASSERT_LE(0, fd);
	MMAP_CASES(fd,
		{ "neither MAP_SHARED nor MAP_PRIVATE", pg, 0, 0, 0x20000 /* MAP_NONBLOCK */, EINVAL, 0 },
		{ "mapping type 0x0f", pg, 0, 0, 0x0f, EINVAL, 0 },
		{ "MAP_SHARED_VALIDATE|MAP_SYNC", pg, 0, PROT_READ | PROT_WRITE,
		  MAP_SHARED_VALIDATE | MAP_SYNC, EOPNOTSUPP, 0 },
		{ "MAP_SHARED|MAP_HUGETLB", pg, 0, 0, MAP_SHARED | MAP_HUGETLB, EINVAL, 0 },
		{ "MAP_PRIVATE|MAP_HUGETLB", pg, 0, 0, MAP_PRIVATE | MAP_HUGETLB, EINVAL, 0 },
		{ "MAP_SHARED_VALIDATE (plain)", pg, 0, 0, MAP_SHARED_VALIDATE, 0, 0 },
		{ "MAP_SHARED|MAP_SYNC (ignored without VALIDATE)", pg, 0, 0, MAP_SHARED | MAP_SYNC, 0, 0 },
	);
	close(fd);
}

TEST(map_fixed_oddities)
{
	int fd = open_dev(0, O_RDWR);
	unsigned char *area, *p;

	ASSERT_LE(0, fd);
	area = mmap(NULL, 8 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, area);

	errno = 0;
	EXPECT_EQ(MAP_FAILED, mmap(area + 1, pg, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0));
	TH_LOG("MAP_FIXED at an unaligned address -> %s", ename(errno));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap((void *)0xffff880000000000UL, pg, PROT_READ,
				   MAP_SHARED | MAP_FIXED, fd, 0));
	TH_LOG("MAP_FIXED at a kernel address -> %s", ename(errno));
	EXPECT_EQ(ENOMEM, errno);

	/* Replacing part of a live mapping splits it; the count follows. */
	p = mmap(area, 4 * pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
	ASSERT_EQ(area, p);
	EXPECT_EQ(1, sysfs_maps(0));
	EXPECT_EQ(MAP_FAILED, mmap(area + pg, pg, PROT_READ, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0));
	TH_LOG("MAP_FIXED_NOREPLACE over a live mapping -> %s", ename(errno));
	EXPECT_EQ(EEXIST, errno);
	p = mmap(area + pg, pg, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 10 * pg);
	ASSERT_EQ(area + pg, p);
	EXPECT_EQ(3, sysfs_maps(0));
	/* MAP_FIXED that fails inside mapper: the range may be gone, never half-mapped */
	EXPECT_EQ(MAP_FAILED, mmap(area + 2 * pg, pg, PROT_READ, MAP_SHARED | MAP_FIXED, fd, SIZE));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_LE(sysfs_maps(0), 4);
	/* MAP_ANONYMOUS ignores the fd: not the buffer */
	p = mmap(NULL, pg, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	TH_LOG("MAP_ANONYMOUS with a mapper fd -> anonymous memory, maps %ld", sysfs_maps(0));
	munmap(p, pg);
	munmap(area, 8 * pg);
	EXPECT_EQ(0, sysfs_maps(0));
	close(fd);
}

/* ---- mremap and madvise ------------------------------------------------------- */

TEST(mremap_growing_is_efault)
{
	int fd = open_dev(0, O_RDWR);
	void *p;

	ASSERT_LE(0, fd);
	p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(MAP_FAILED, mremap(p, 2 * pg, 4 * pg, 0));
	TH_LOG("mremap growing in place -> %s", ename(errno));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(MAP_FAILED, mremap(p, 2 * pg, 4 * pg, MREMAP_MAYMOVE));
	TH_LOG("mremap growing, MREMAP_MAYMOVE -> %s", ename(errno));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(MAP_FAILED, mremap(p, 2 * pg, SIZE + pg, MREMAP_MAYMOVE));
	TH_LOG("mremap growing past the buffer's end -> %s", ename(errno));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(MAP_FAILED, mremap(p, 0, 2 * pg, MREMAP_MAYMOVE));
	TH_LOG("mremap with old_size 0 (duplicate) -> %s", ename(errno));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(MAP_FAILED, mremap(p, 2 * pg, 2 * pg, MREMAP_MAYMOVE | MREMAP_DONTUNMAP));
	TH_LOG("mremap MREMAP_DONTUNMAP -> %s", ename(errno));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1, sysfs_maps(0));
	munmap(p, 2 * pg);
	close(fd);
}

TEST(madvise_free_is_einval)
{
	int fd = open_dev(0, O_RDWR);
	void *p;

	ASSERT_LE(0, fd);
	p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, madvise(p, pg, MADV_FREE));
	TH_LOG("madvise MADV_FREE -> %s", ename(errno));
	EXPECT_EQ(EINVAL, errno);
	munmap(p, pg);
	close(fd);
}

/* ---- read, write, lseek ------------------------------------------------------- */

struct rwcase {
	const char *what;
	off_t off;
	size_t len;
	long want;		/* bytes, or -errno */
};

static void rw_cases(struct __test_metadata *_metadata, int fd, int wr, const struct rwcase *c,
		     size_t n)
{
	static char buf[3 * 4096];

	for (size_t i = 0; i < n; i++) {
		long got = wr ? pwrite(fd, buf, c[i].len, c[i].off) : pread(fd, buf, c[i].len, c[i].off);

		if (got < 0)
			got = -errno;
		TH_LOG("%s %-40s -> %ld%s%s", wr ? "pwrite" : "pread", c[i].what,
		       got < 0 ? -1 : got, got < 0 ? " " : "", got < 0 ? ename(-got) : "");
		EXPECT_EQ(c[i].want, got);
	}
}

#define RW_CASES(fd, wr, ...) do { \
	static const struct rwcase c[] = { __VA_ARGS__ }; \
	rw_cases(_metadata, fd, wr, c, sizeof(c) / sizeof(c[0])); \
} while (0)

TEST(read_at_end_past_end_and_negative)
{
	int fd = open_dev(0, O_RDWR);

	ASSERT_LE(0, fd);
	RW_CASES(fd, 0,
		{ "16 at the end", SIZE, 16, 0 },
		{ "16 past the end", SIZE + 1, 16, 0 },
		{ "16 at 2^62", 1LL << 62, 16, 0 },
		{ "16 crossing the end", SIZE - 5, 16, 5 },
		{ "0 at the end", SIZE, 0, 0 },
		{ "16 at -1", -1, 16, -EINVAL },
		{ "16 at LLONG_MIN", LLONG_MIN, 16, -EINVAL },
		{ "16 at LLONG_MAX-8 (end overflows)", LLONG_MAX - 8, 16, -EINVAL },
	);
	close(fd);
}

TEST(write_at_end_past_end_and_negative)
{
	int fd = open_dev(0, O_RDWR);

	ASSERT_LE(0, fd);
	RW_CASES(fd, 1,
		{ "16 at the end", SIZE, 16, -ENOSPC },
		{ "16 past the end", SIZE + 1, 16, -ENOSPC },
		{ "16 at 2^62", 1LL << 62, 16, -ENOSPC },
		{ "16 crossing the end", SIZE - 5, 16, 5 },
		{ "0 at the end", SIZE, 0, 0 },
		{ "0 past the end", SIZE + 4096, 0, 0 },
		{ "16 at -1", -1, 16, -EINVAL },
		{ "16 at LLONG_MIN", LLONG_MIN, 16, -EINVAL },
		{ "16 at LLONG_MAX-8 (end overflows)", LLONG_MAX - 8, 16, -EINVAL },
	);
	close(fd);
}

TEST(read_and_write_beyond_the_open_mode_are_ebadf)
{
	int ro = open_dev(0, O_RDONLY), wo = open_dev(0, O_WRONLY);
	char c = 0;

	ASSERT_LE(0, ro);
	ASSERT_LE(0, wo);
	EXPECT_EQ(-1, pwrite(ro, &c, 1, 0));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, pread(wo, &c, 1, 0));
	EXPECT_EQ(EBADF, errno);
	TH_LOG("write on O_RDONLY, read on O_WRONLY -> EBADF");
	close(ro);
	close(wo);
}

TEST(read_and_write_with_bad_pointers)
{
	int fd = open_dev(0, O_RDWR);
	unsigned char *two, *ro;
	long got;

	ASSERT_LE(0, fd);
	/* [read-write page][PROT_NONE page], and a read-only page */
	two = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro = mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, two);
	ASSERT_NE(MAP_FAILED, ro);
	ASSERT_EQ(0, mprotect(two + pg, pg, PROT_NONE));

	EXPECT_EQ(-1, pread(fd, nullp, 16, 0));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, pwrite(fd, nullp, 16, 0));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, pread(fd, (void *)-4096L, 16, 0));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, pread(fd, (void *)0xffff888000000000UL, 16, 0));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, pread(fd, ro, 16, 0));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, pwrite(fd, two + pg, 16, 0));
	EXPECT_EQ(EFAULT, errno);
	TH_LOG("read/write with NULL, kernel, read-only or PROT_NONE buffers -> EFAULT");
	/* a buffer that turns bad halfway: the good part is done, a short count */
	got = pread(fd, two, 2 * pg, 0);
	TH_LOG("read of 2 pages into [good page][PROT_NONE] -> %ld", got);
	EXPECT_EQ(pg, got);
	got = pwrite(fd, two + pg - 100, 200, 0);
	TH_LOG("write of 200 bytes from 100 good ones -> %ld", got);
	EXPECT_LT(0, got);
	EXPECT_GE(100, got);
	/* a bad pointer where nothing is to be copied is not looked at */
	EXPECT_EQ(0, pread(fd, nullp, 16, SIZE));
	EXPECT_EQ(-1, pwrite(fd, nullp, 16, SIZE));
	EXPECT_EQ(ENOSPC, errno);
	munmap(two, 2 * pg);
	munmap(ro, pg);
	close(fd);
}

TEST(lseek_outside_the_buffer_or_unknown_whence_is_einval)
{
	int fd = open_dev(0, O_RDONLY);
	struct {
		const char *what;
		off_t off;
		int whence;
		off_t want;
	} c[] = {
		{ "SEEK_SET size", SIZE, SEEK_SET, SIZE },
		{ "SEEK_SET size+1", SIZE + 1, SEEK_SET, -EINVAL },
		{ "SEEK_SET -1", -1, SEEK_SET, -EINVAL },
		{ "SEEK_SET LLONG_MAX", LLONG_MAX, SEEK_SET, -EINVAL },
		{ "SEEK_END 0", 0, SEEK_END, SIZE },
		{ "SEEK_END 1", 1, SEEK_END, -EINVAL },
		{ "SEEK_END -size-1", -SIZE - 1, SEEK_END, -EINVAL },
		{ "SEEK_CUR LLONG_MAX (from size)", LLONG_MAX, SEEK_CUR, -EINVAL },
		{ "SEEK_CUR LLONG_MIN", LLONG_MIN, SEEK_CUR, -EINVAL },
		{ "SEEK_DATA 0", 0, SEEK_DATA, -EINVAL },
		{ "SEEK_HOLE 0", 0, SEEK_HOLE, -EINVAL },
		{ "whence 5", 0, 5, -EINVAL },
		{ "whence -1", 0, -1, -EINVAL },
	};

	ASSERT_LE(0, fd);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		off_t got;

		ASSERT_EQ(SIZE, lseek(fd, SIZE, SEEK_SET));
		got = lseek(fd, c[i].off, c[i].whence);
		if (got < 0)
			got = -errno;
		TH_LOG("lseek %-32s -> %lld%s%s", c[i].what, (long long)(got < 0 ? -1 : got),
		       got < 0 ? " " : "", got < 0 ? ename(-got) : "");
		EXPECT_EQ(c[i].want, got);
		/* a refused seek leaves the position alone */
		if (got < 0)
			EXPECT_EQ(SIZE, lseek(fd, 0, SEEK_CUR));
	}
	close(fd);
}

/* ---- ioctl ----------------------------------------------------------------------- */

TEST(ioctl_unknown_commands_are_enotty)
{
	int fd = open_dev(0, O_RDWR);
	struct mapper_info info = { .argsz = sizeof(info) };
	const struct {
		const char *what;
		unsigned long cmd;
	} c[] = {
		{ "mapper's magic, nr 1", _IOWR(MAPPER_IOC_MAGIC, 1, struct mapper_info) },
		{ "INFO's nr with _IOR", _IOR(MAPPER_IOC_MAGIC, 0, struct mapper_info) },
		{ "INFO's nr with _IOW", _IOW(MAPPER_IOC_MAGIC, 0, struct mapper_info) },
		{ "INFO's nr with _IO", _IO(MAPPER_IOC_MAGIC, 0) },
		{ "nr 255 with _IO", _IO(MAPPER_IOC_MAGIC, 255) },
		{ "INFO with another size", _IOWR(MAPPER_IOC_MAGIC, 0, __u64) },
		{ "INFO with the V1 size", _IOWR(MAPPER_IOC_MAGIC, 0, char[MAPPER_INFO_SIZE_V1]) },
		{ "another magic", _IOWR(0xd6, 0, struct mapper_info) },
		{ "0", 0 },
		{ "0xffffffff", 0xffffffffUL },
		{ "TCGETS (a tty's)", 0x5401 },
		{ "FIONREAD (a regular file's)", 0x541b },
	};

	ASSERT_LE(0, fd);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		int ret = ioctl(fd, c[i].cmd, &info);

		TH_LOG("ioctl %-28s (%#lx) -> %s", c[i].what, c[i].cmd, ename(ret ? errno : 0));
		EXPECT_EQ(-1, ret);
		EXPECT_EQ(ENOTTY, errno);
	}
	close(fd);
}

TEST(ioctl_info_argsz_below_v1_is_einval_and_writes_nothing)
{
	int fd = open_dev(0, O_RDONLY);
	unsigned char raw[sizeof(struct mapper_info)];
	uint32_t sizes[] = { 0, 1, 4, 8, MAPPER_INFO_SIZE_V1 - 1 };

	ASSERT_LE(0, fd);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int ret;

		memset(raw, 0xee, sizeof(raw));
		memcpy(raw, &sizes[i], 4);
		ret = ioctl(fd, MAPPER_IOC_INFO, raw);
		TH_LOG("MAPPER_IOC_INFO argsz %u -> %s", sizes[i], ename(ret ? errno : 0));
		EXPECT_EQ(-1, ret);
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(0, memcmp(raw, &sizes[i], 4));
		for (size_t j = 4; j < sizeof(raw); j++)
			ASSERT_EQ(0xee, raw[j]);
	}
	close(fd);
}

TEST(ioctl_info_large_argsz_writes_only_the_structure)
{
	int fd = open_dev(1, O_WRONLY);		/* any open mode will do */
	unsigned char raw[sizeof(struct mapper_info) + 64];
	struct mapper_info *info = (void *)raw;
	uint32_t sizes[] = { MAPPER_INFO_SIZE_V1, sizeof(struct mapper_info) + 1, 4096,
			     0xffffffffU };

	ASSERT_LE(0, fd);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t wrote = sizes[i] < sizeof(*info) ? sizes[i] : sizeof(*info);
		int ret;

		memset(raw, 0xee, sizeof(raw));
		info->argsz = sizes[i];
		ret = ioctl(fd, MAPPER_IOC_INFO, raw);
		TH_LOG("MAPPER_IOC_INFO argsz %u (O_WRONLY fd) -> %s, argsz now %u", sizes[i],
		       ename(ret ? errno : 0), info->argsz);
		EXPECT_EQ(0, ret);
		EXPECT_EQ(sizeof(*info), info->argsz);
		EXPECT_EQ(1, info->index);
		for (size_t j = wrote; j < sizeof(raw); j++)
			ASSERT_EQ(0xee, raw[j]);
	}
	close(fd);
}

TEST(ioctl_info_bad_pointers_are_efault)
{
	int fd = open_dev(0, O_RDWR);
	unsigned char *two, *ro;
	const struct {
		const char *what;
		uintptr_t p;
	} c[] = {
		{ "NULL", 0 },
		{ "1", 1 },
		{ "-4096", (uintptr_t)-4096L },
		{ "a kernel address", 0xffff888000000000UL },
	};

	ASSERT_LE(0, fd);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		int ret = ioctl(fd, MAPPER_IOC_INFO, (void *)c[i].p);

		TH_LOG("MAPPER_IOC_INFO at %-16s -> %s", c[i].what, ename(ret ? errno : 0));
		EXPECT_EQ(-1, ret);
		EXPECT_EQ(EFAULT, errno);
	}
	two = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, two);
	ASSERT_NE(MAP_FAILED, ro);
	*(uint32_t *)ro = sizeof(struct mapper_info);
	ASSERT_EQ(0, mprotect(ro, pg, PROT_READ));
	ASSERT_EQ(0, mprotect(two + pg, pg, PROT_NONE));
	EXPECT_EQ(-1, ioctl(fd, MAPPER_IOC_INFO, ro));
	EXPECT_EQ(EFAULT, errno);
	TH_LOG("MAPPER_IOC_INFO into read-only memory -> %s", ename(errno));
	/* argsz readable, the structure running into PROT_NONE */
	*(uint32_t *)(two + pg - 40) = sizeof(struct mapper_info);
	EXPECT_EQ(-1, ioctl(fd, MAPPER_IOC_INFO, two + pg - 40));
	EXPECT_EQ(EFAULT, errno);
	TH_LOG("MAPPER_IOC_INFO with 40 of its bytes writable -> %s", ename(errno));
	/* ... but an argsz that fits is fine */
	*(uint32_t *)(two + pg - 40) = MAPPER_INFO_SIZE_V1;
	EXPECT_EQ(0, ioctl(fd, MAPPER_IOC_INFO, two + pg - 40));
	/* argsz itself unreadable */
	EXPECT_EQ(-1, ioctl(fd, MAPPER_IOC_INFO, two + pg - 2));
	EXPECT_EQ(EFAULT, errno);
	TH_LOG("MAPPER_IOC_INFO with argsz across into PROT_NONE -> %s", ename(errno));
	munmap(two, 2 * pg);
	munmap(ro, pg);
	close(fd);
}

/* ---- cache modes and sysfs ------------------------------------------------------ */

TEST(cache_parameter_unparsable_is_einval)
{
	PARAMS_FAIL(EINVAL, "cache", "cache=bogus", "cache=", "cache=WC", "cache=wc,,uc",
		    "cache=writeback");
}

TEST(sysfs_writes_that_cannot_be_done_are_refused)
{
	int fd = open_dev(1, O_RDWR), ret;
	void *p;

	ASSERT_LE(0, fd);
	ret = sysfs_write(1, "cache", "writeback");
	TH_LOG("echo writeback > cache -> %s", ename(-ret));
	EXPECT_EQ(-EINVAL, ret);
	ret = sysfs_write(1, "cache", "\n");
	TH_LOG("echo > cache -> %s", ename(-ret));
	EXPECT_EQ(-EINVAL, ret);
	ret = sysfs_write(1, "size", "4096");
	TH_LOG("echo 4096 > size (read-only) -> %s", ename(-ret));
	EXPECT_EQ(-EACCES, ret);
	ret = sysfs_write(1, "maps", "0");
	TH_LOG("echo 0 > maps (read-only) -> %s", ename(-ret));
	EXPECT_EQ(-EACCES, ret);
	p = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ret = sysfs_write(1, "cache", "wc");
	TH_LOG("echo wc > cache while mapped -> %s", ename(-ret));
	EXPECT_EQ(-EBUSY, ret);
	munmap(p, pg);
	close(fd);
}

/*
 * Copy-on-write pages would be cached aliases of a write-combined buffer;
 * any MAP_PRIVATE mapping may become writable (mprotect), so all are refused.
 */
TEST(private_mapping_of_a_wc_buffer_is_einval)
{
	int fd = open_dev(1, O_RDWR), ro = open_dev(1, O_RDONLY), err;
	void *p;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, ro);
	if (sysfs_write(1, "cache", "wc"))
		SKIP(goto out, "cache=wc is not offered here");
	err = try_mmap(fd, NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
	TH_LOG("mmap MAP_PRIVATE PROT_WRITE of a cache=wc buffer -> %s", ename(err));
	EXPECT_EQ(EINVAL, err);
	err = try_mmap(ro, NULL, pg, PROT_READ, MAP_PRIVATE, 0);
	TH_LOG("mmap MAP_PRIVATE PROT_READ, O_RDONLY fd, cache=wc -> %s", ename(err));
	EXPECT_EQ(EINVAL, err);
	p = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, ((volatile char *)p)[0] * 0);
	munmap(p, pg);
out:
	EXPECT_EQ(0, sysfs_write(1, "cache", "cached"));
	close(ro);
	close(fd);
}

int main(int argc, char **argv)
{
	pg = sysconf(_SC_PAGESIZE);
	return test_harness_run(argc, argv);
}
