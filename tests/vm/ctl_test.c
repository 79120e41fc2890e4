// SPDX-License-Identifier: GPL-2.0
/*
 * Buffers on demand (0.3, issue #14), inside the test VM: buffers made and
 * removed at run time through configfs (/sys/kernel/config/mapper) and
 * through mapperctl, every attribute honoured, sysfs and /dev following,
 * every kind of holder refusing a strict removal, lazy removal freeing the
 * memory at the last unmap, index reuse, bad input leaving nothing behind,
 * privileges, the per-buffer module parameter lists, the guard on the total
 * and memory cgroup charging.
 *
 * Runs as root with mapper loaded as "devices=2" (two 1 MiB buffers) and
 * configfs mounted (check.sh), and leaves it that way: every test starts
 * and ends with no configfs item. Each test proves its behaviour by trying
 * it; the NUMA placement of pages is numa_test.c's (a VM with two nodes).
 * No udev runs in the VM: /dev/mapperN comes from devtmpfs.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ctl_util.h"
#include "mapper.h"

#define DEFAULT_PARAMS	"devices=2"
#define MAX_TOTAL	"/sys/module/mapper/parameters/max_total"

static long page;
/* @bytes rounded up to whole pages, as the module rounds a buffer's size. */
#define PAGES(bytes)	(((bytes) + page - 1) / page * page)

/*
 * wc and uc exist on x86 (PAT) and arm64 (cache maintenance): mapper(4),
 * cache.
 */
static int cache_modes_supported(void)
{
	struct utsname u;

	return !uname(&u) && (!strcmp(u.machine, "x86_64") || !strcmp(u.machine, "i686") ||
			      !strcmp(u.machine, "aarch64"));
}

static int unload_sample(void)
{
	return syscall(SYS_delete_module, "mapper_sample", O_NONBLOCK) ? -errno : 0;
}

static int get_info(int fd, struct mapper_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	return ioctl(fd, MAPPER_IOC_INFO, info);
}

/* Sum of the size of every registered buffer. */
static long long sum_of_sizes(void)
{
	long long sum = 0;
	int seen = 0, n;

	for (n = 0; seen < dir_count(CLASS, "mapper") && n < 4096; n++)
		if (dev_present(n)) {
			sum += dev_ll(n, "size");
			seen++;
		}
	return sum;
}

static void reload(struct __test_metadata *_metadata, const char *params)
{
	cfs_cleanup();
	if (loaded())
		ASSERT_EQ(0, unload());
	ASSERT_EQ(0, load(params)) {
		TH_LOG("insmod mapper.ko %s", params);
	}
}

FIXTURE(ctl) {
	struct snap base;	/* what exists at the start: nothing made at run time */
	int reloads;		/* the test loads mapper with other parameters */
};

FIXTURE_SETUP(ctl)
{
	page = sysconf(_SC_PAGESIZE);
	unload_sample();
	if (!loaded())
		ASSERT_EQ(0, load(DEFAULT_PARAMS));
	ASSERT_EQ(0, configfs_mount()) {
		TH_LOG("no %s: configfs (CONFIG_CONFIGFS_FS) not there or mapper registered nothing", CFS);
	}
	cfs_cleanup();	/* what a test killed on its timeout may have left */
	self->base = snap_take();
	ASSERT_EQ(0, self->base.dirs);
}

FIXTURE_TEARDOWN(ctl)
{
	configfs_mount();
	unload_sample();
	cfs_cleanup();
	if (loaded())
		write_file(MAX_TOTAL, "0");
	if (self->reloads || !loaded()) {
		if (loaded())
			unload();
		load(DEFAULT_PARAMS);
	}
}

/* Nothing made, nothing left since snapshot @s. */
#define ASSERT_SAME_AS(s, what) do { \
	struct snap __now = snap_take(), __then = (s); \
	EXPECT_TRUE(snap_same(__then, __now)) { \
		TH_LOG("%s: " SNAP_FMT " now, " SNAP_FMT " before", what, SNAP_ARGS(__now), \
		       SNAP_ARGS(__then)); \
	} \
} while (0)

/* Nothing made, nothing left: the state of the start, within this test. */
#define ASSERT_NOTHING_MADE(self, what) ASSERT_SAME_AS((self)->base, what)

/* ---- configfs: making, using and removing a buffer --------------------- */

TEST_F(ctl, a_new_item_is_a_description_with_defaults_and_no_memory)
{
	char text[64];

	ASSERT_EQ(0, cfs_mkdir("frames"));
	EXPECT_EQ(0, cfs_ll("frames", "size"));
	EXPECT_EQ(-1, cfs_ll("frames", "node"));
	EXPECT_EQ(0, cfs_ll("frames", "node_fallback"));
	ASSERT_EQ(0, cfs_read("frames", "cache", text, sizeof(text)));
	EXPECT_STREQ("cached", text);
	EXPECT_EQ(0, cfs_ll("frames", "enable"));
	EXPECT_EQ(-1, cfs_ll("frames", "index"));
	/* no device and no memory yet */
	EXPECT_EQ(self->base.devs, dir_count(CLASS, "mapper"));
	EXPECT_EQ(self->base.total, total_bytes());
	EXPECT_EQ(-1, index_of("frames"));
	/* detach is write-only */
	EXPECT_NE(0, cfs_read("frames", "detach", text, sizeof(text)));
	ASSERT_EQ(0, cfs_rmdir("frames"));
	ASSERT_NOTHING_MADE(self, "after rmdir");
}

TEST_F(ctl, create_use_remove_honours_every_attribute)
{
	const size_t size = 3 * MIB;
	char path[64], text[64];
	struct mapper_info info;
	struct stat st;
	unsigned char *p, *q;
	unsigned int maj, min;
	int n, fd, want = lowest_free_index();

	ASSERT_EQ(0, cfs_mkdir("frames"));
	ASSERT_EQ(0, cfs_write("frames", "size", "3M"));
	EXPECT_EQ((long long)size, cfs_ll("frames", "size"));
	ASSERT_EQ(0, cfs_write("frames", "node", "0"));
	EXPECT_EQ(0, cfs_ll("frames", "node"));
	ASSERT_EQ(0, cfs_write("frames", "cache", "cached"));
	ASSERT_EQ(0, cfs_write("frames", "enable", "1"));
	EXPECT_EQ(1, cfs_ll("frames", "enable"));
	n = (int)cfs_ll("frames", "index");
	ASSERT_EQ(want, n);		/* the lowest free index */

	/* sysfs */
	ASSERT_TRUE(dev_present(n));
	EXPECT_EQ((long long)size, dev_ll(n, "size"));
	EXPECT_TRUE(dev_is(n, "name", "frames"));
	EXPECT_EQ(0, dev_ll(n, "node"));
	EXPECT_TRUE(dev_is(n, "cache", "cached"));
	EXPECT_EQ(0, dev_ll(n, "opens"));
	EXPECT_EQ(0, dev_ll(n, "holders"));
	EXPECT_EQ(0, dev_ll(n, "maps"));
	EXPECT_EQ(n, index_of("frames"));
	EXPECT_EQ(self->base.total + (long long)size, total_bytes());
	EXPECT_EQ(self->base.devs + 1, dir_count(CLASS, "mapper"));

	/* /dev/mapperN from devtmpfs, the device number sysfs gives */
	snprintf(path, sizeof(path), "/dev/mapper%d", n);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	ASSERT_EQ(0, dev_str(n, "dev", text, sizeof(text)));
	ASSERT_EQ(2, sscanf(text, "%u:%u", &maj, &min));
	EXPECT_EQ(maj, major(st.st_rdev));
	EXPECT_EQ(min, minor(st.st_rdev));

	/* use: a zeroed buffer of that size, shared by mmap and read */
	fd = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(1, dev_ll(n, "opens"));
	EXPECT_EQ(1, dev_ll(n, "holders"));
	ASSERT_EQ(0, get_info(fd, &info));
	EXPECT_EQ(size, info.buf_size);
	EXPECT_EQ(n, info.index);
	EXPECT_EQ((off_t)size, lseek(fd, 0, SEEK_END));
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(1, dev_ll(n, "maps"));
	EXPECT_TRUE(all_zero(p, size));
	pat_fill(p, size, 3);
	q = malloc(size);
	ASSERT_NE(NULL, q);
	ASSERT_EQ((ssize_t)size, pread(fd, q, size, 0));
	EXPECT_TRUE(pat_check(q, size, 3));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, size + page, PROT_READ, MAP_SHARED, fd, 0));
	munmap(p, size);
	close(fd);
	EXPECT_EQ(0, dev_ll(n, "opens"));
	EXPECT_EQ(0, dev_ll(n, "maps"));

	/* remove: node, sysfs directory and memory go, the description stays */
	ASSERT_EQ(0, cfs_write("frames", "enable", "0"));
	EXPECT_EQ(0, cfs_ll("frames", "enable"));
	EXPECT_EQ(-1, cfs_ll("frames", "index"));
	EXPECT_FALSE(node_present(n));
	EXPECT_FALSE(dev_present(n));
	EXPECT_EQ(self->base.total, total_bytes());
	EXPECT_EQ((long long)size, cfs_ll("frames", "size"));

	/* enabled again: a fresh, zeroed buffer */
	ASSERT_EQ(0, cfs_write("frames", "enable", "1"));
	n = (int)cfs_ll("frames", "index");
	ASSERT_LE(0, n);
	fd = open_index(n, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)size, pread(fd, q, size, 0));
	EXPECT_TRUE(all_zero(q, size));
	close(fd);
	free(q);
	ASSERT_EQ(0, cfs_write("frames", "enable", "0"));
	ASSERT_EQ(0, cfs_rmdir("frames"));
	EXPECT_FALSE(cfs_exists("frames"));
	ASSERT_NOTHING_MADE(self, "after removal");
}

TEST_F(ctl, size_takes_suffixes_and_rounds_up_to_whole_pages)
{
	static const struct {
		const char *text;
		long long bytes;	/* what the attribute reads */
	} sizes[] = {
		{ "4096", 4096 }, { "4K", 4096 }, { "64k", 65536 }, { "2M", 2 * MIB },
		{ "1G", 1024 * MIB }, { "0x3000", 0x3000 }, { "12288\n", 12288 },
	};
	int n;

	ASSERT_EQ(0, cfs_mkdir("sz"));
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		ASSERT_EQ(0, cfs_write("sz", "size", sizes[i].text)) {
			TH_LOG("size %s", sizes[i].text);
		}
		EXPECT_EQ(sizes[i].bytes, cfs_ll("sz", "size")) {
			TH_LOG("size %s", sizes[i].text);
		}
	}
	EXPECT_EQ(self->base.total, total_bytes());	/* writing size allocates nothing */
	/* 5000 bytes: a buffer of whole pages (two of 4 KiB, one of 16 KiB) */
	ASSERT_EQ(0, cfs_write("sz", "size", "5000"));
	ASSERT_EQ(0, cfs_write("sz", "enable", "1"));
	n = (int)cfs_ll("sz", "index");
	ASSERT_LE(0, n);
	EXPECT_EQ(PAGES(5000), dev_ll(n, "size"));
	EXPECT_EQ(self->base.total + PAGES(5000), total_bytes());
	ASSERT_EQ(0, cfs_remove("sz"));
	ASSERT_NOTHING_MADE(self, "after removal");
}

TEST_F(ctl, cache_mode_is_honoured_where_supported)
{
	char text[32];
	void *p;
	int n, fd;

	ASSERT_EQ(0, cfs_mkdir("staging"));
	ASSERT_EQ(0, cfs_write("staging", "size", "64K"));
	EXPECT_EQ(-EINVAL, cfs_write("staging", "cache", "writeback"));
	EXPECT_EQ(-EINVAL, cfs_write("staging", "cache", "\n"));
	if (!cache_modes_supported()) {
		/* Refused at the write or at enable, never silently cached. */
		int ret = cfs_write("staging", "cache", "wc");

		if (!ret)
			ret = cfs_write("staging", "enable", "1");
		EXPECT_EQ(-EINVAL, ret);
		EXPECT_EQ(0, cfs_ll("staging", "enable"));
		ASSERT_EQ(0, cfs_rmdir("staging"));
		ASSERT_NOTHING_MADE(self, "after wc refused");
		return;
	}
	ASSERT_EQ(0, cfs_write("staging", "cache", "wc"));
	ASSERT_EQ(0, cfs_read("staging", "cache", text, sizeof(text)));
	EXPECT_STREQ("wc", text);
	ASSERT_EQ(0, cfs_write("staging", "enable", "1"));
	n = (int)cfs_ll("staging", "index");
	ASSERT_LE(0, n);
	EXPECT_TRUE(dev_is(n, "cache", "wc"));
	fd = open_index(n, O_RDWR);
	ASSERT_LE(0, fd);
	/* write-combined: no copy-on-write mappings */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0));
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, 64 * KIB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0x5a, 64 * KIB);
	/* the live buffer's mode, through configfs: EBUSY while mapped */
	EXPECT_EQ(-EBUSY, cfs_write("staging", "cache", "uc"));
	EXPECT_TRUE(dev_is(n, "cache", "wc"));
	munmap(p, 64 * KIB);
	EXPECT_EQ(0, cfs_write("staging", "cache", "uc"));
	EXPECT_TRUE(dev_is(n, "cache", "uc"));
	EXPECT_EQ(0, cfs_write("staging", "cache", "cached"));
	EXPECT_TRUE(dev_is(n, "cache", "cached"));
	p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	EXPECT_NE(MAP_FAILED, p);
	if (p != MAP_FAILED)
		munmap(p, page);
	close(fd);
	ASSERT_EQ(0, cfs_remove("staging"));

	/* uc from the start */
	n = cfs_create("uncached", "8K", NULL, "uc");
	ASSERT_LE(0, n);
	EXPECT_TRUE(dev_is(n, "cache", "uc"));
	ASSERT_EQ(0, cfs_remove("uncached"));
	ASSERT_NOTHING_MADE(self, "after removal");
}

/* ---- sysfs ------------------------------------------------------------- */

TEST_F(ctl, load_time_buffers_have_name_node_opens_and_holders)
{
	for (int n = 0; n < 2; n++) {
		char name[16];

		snprintf(name, sizeof(name), "mapper%d", n);
		EXPECT_TRUE(dev_is(n, "name", name));
		EXPECT_EQ(-1, dev_ll(n, "node"));
		EXPECT_EQ(0, dev_ll(n, "opens"));
		EXPECT_EQ(0, dev_ll(n, "holders"));
		EXPECT_EQ(MIB, dev_ll(n, "size"));
	}
	/* not in configfs: they go with the module */
	EXPECT_FALSE(cfs_exists("mapper0"));
}

TEST_F(ctl, opens_count_open_files_and_holders_add_kernel_holders)
{
	int fd1, fd2, dup1, n = cfs_create("cnt", "64K", NULL, NULL);
	char params[64];
	pid_t pid;
	void *p;

	ASSERT_LE(0, n);
	fd1 = open_index(n, O_RDWR);
	fd2 = open_index(n, O_RDONLY);
	ASSERT_LE(0, fd1);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(2, dev_ll(n, "opens"));
	EXPECT_EQ(2, dev_ll(n, "holders"));
	/* a descriptor is not an open file: dup and fork add none */
	dup1 = dup(fd1);
	ASSERT_LE(0, dup1);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	EXPECT_EQ(2, dev_ll(n, "opens"));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(dup1);
	close(fd2);
	EXPECT_EQ(1, dev_ll(n, "opens"));
	/* a mapping is neither */
	p = mmap(NULL, page, PROT_READ, MAP_SHARED, fd1, 0);
	ASSERT_NE(MAP_FAILED, p);
	close(fd1);
	EXPECT_EQ(0, dev_ll(n, "opens"));
	EXPECT_EQ(0, dev_ll(n, "holders"));
	EXPECT_EQ(1, dev_ll(n, "maps"));
	/* a kernel holder: the sample producer */
	snprintf(params, sizeof(params), "index=%d period_ms=1000", n);
	ASSERT_EQ(0, load_ko(SAMPLE_KO, params));
	EXPECT_EQ(0, dev_ll(n, "opens"));
	EXPECT_EQ(1, dev_ll(n, "holders"));
	ASSERT_EQ(0, unload_sample());
	EXPECT_EQ(0, dev_ll(n, "holders"));
	munmap(p, page);
	EXPECT_EQ(0, dev_ll(n, "maps"));
	ASSERT_EQ(0, cfs_remove("cnt"));
}

TEST_F(ctl, total_bytes_sums_every_buffer_and_limit_is_three_quarters_of_ram)
{
	long long ram = meminfo_kb("/proc/meminfo", "MemTotal") * KIB;
	long long limit = limit_bytes();
	int a, b;

	EXPECT_EQ(sum_of_sizes(), total_bytes());
	EXPECT_EQ(2 * MIB, total_bytes());		/* devices=2, 1 MiB each */
	EXPECT_GE(4 * page, llabs(limit - ram / 4 * 3)) {
		TH_LOG("limit_bytes %lld, 3/4 of MemTotal %lld", limit, ram / 4 * 3);
	}
	a = cfs_create("ta", "1M", NULL, NULL);
	b = cfs_create("tb", "256K", NULL, NULL);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	EXPECT_EQ(2 * MIB + MIB + 256 * KIB, total_bytes());
	EXPECT_EQ(sum_of_sizes(), total_bytes());
	EXPECT_EQ(limit, limit_bytes());		/* the limit does not move */
	ASSERT_EQ(0, cfs_remove("ta"));
	EXPECT_EQ(2 * MIB + 256 * KIB, total_bytes());
	ASSERT_EQ(0, cfs_remove("tb"));
	ASSERT_NOTHING_MADE(self, "after removal");
}

/* ---- names ------------------------------------------------------------- */

TEST_F(ctl, a_mapperN_name_takes_index_N)
{
	int n;

	ASSERT_EQ(0, cfs_mkdir("mapper7"));
	ASSERT_EQ(0, cfs_write("mapper7", "size", "4K"));
	ASSERT_EQ(0, cfs_write("mapper7", "enable", "1"));
	EXPECT_EQ(7, cfs_ll("mapper7", "index"));
	EXPECT_TRUE(dev_is(7, "name", "mapper7"));
	EXPECT_TRUE(node_present(7));
	/* the others still take the lowest free index */
	n = cfs_create("other", "4K", NULL, NULL);
	EXPECT_EQ(2, n);
	ASSERT_EQ(0, cfs_remove("other"));
	ASSERT_EQ(0, cfs_remove("mapper7"));
	EXPECT_FALSE(node_present(7));
	ASSERT_NOTHING_MADE(self, "after removal");
}

TEST_F(ctl, names_of_31_characters_work)
{
	const char *name = "abcdefghijklmnopqrstuvwxyz_0-9z";	/* 31 */
	int n;

	ASSERT_EQ(31, strlen(name));
	n = cfs_create(name, "4K", NULL, NULL);
	ASSERT_LE(0, n);
	EXPECT_TRUE(dev_is(n, "name", name));
	EXPECT_EQ(n, index_of(name));
	ASSERT_EQ(0, cfs_remove(name));
	n = cfs_create("-", "4K", NULL, NULL);		/* one character */
	ASSERT_LE(0, n);
	ASSERT_EQ(0, cfs_remove("-"));
	ASSERT_NOTHING_MADE(self, "after removal");
}

TEST_F(ctl, invalid_names_are_einval_and_make_nothing)
{
	static const char *const bad[] = {
		"abcdefghijklmnopqrstuvwxyz_0-9zz",	/* 32 characters */
		"abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz",
		"Frames", "FRAMES", "a.b", "a b", "a:b", "a,b", "a+b", "a\\b", "a\tb",
		"caf\xc3\xa9", "a*", "a=b",
		"mapper07", "mapper00",			/* not mapperN's canonical form */
		"mapper1048576", "mapper4294967296", "mapper99999999999999999999",	/* no such index */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-EINVAL, cfs_mkdir(bad[i])) {
			TH_LOG("mkdir '%s'", bad[i]);
		}
		if (cfs_exists(bad[i]))
			cfs_rmdir(bad[i]);
	}
	ASSERT_NOTHING_MADE(self, "after the bad names");
}

TEST_F(ctl, names_in_use_are_eexist)
{
	struct snap s;

	/* a load-time buffer's name */
	EXPECT_EQ(-EEXIST, cfs_mkdir("mapper0"));
	EXPECT_EQ(-EEXIST, cfs_mkdir("mapper1"));
	ASSERT_NOTHING_MADE(self, "after mapper0 and mapper1");
	/* another item's */
	ASSERT_LE(0, cfs_create("dup", "4K", NULL, NULL));
	s = snap_take();
	EXPECT_EQ(-EEXIST, cfs_mkdir("dup"));
	EXPECT_TRUE(snap_same(s, snap_take()));
	ASSERT_EQ(0, cfs_remove("dup"));
	/* a name given at load (name=) */
	self->reloads = 1;
	reload(_metadata, "devices=2 name=ring");
	EXPECT_TRUE(dev_is(0, "name", "ring"));
	EXPECT_EQ(-EEXIST, cfs_mkdir("ring"));
	EXPECT_FALSE(cfs_exists("ring"));
}

/* mapper0 is free as a name once buffer 0 is called otherwise, not as an index. */
TEST_F(ctl, a_mapperN_name_whose_index_is_taken_is_ebusy)
{
	struct snap s;

	self->reloads = 1;
	reload(_metadata, "devices=2 name=ring");
	s = snap_take();
	ASSERT_EQ(0, cfs_mkdir("mapper0"));
	ASSERT_EQ(0, cfs_write("mapper0", "size", "4K"));
	EXPECT_EQ(-EBUSY, cfs_write("mapper0", "enable", "1"));
	EXPECT_EQ(0, cfs_ll("mapper0", "enable"));
	EXPECT_EQ(-1, cfs_ll("mapper0", "index"));
	EXPECT_TRUE(dev_is(0, "name", "ring"));
	ASSERT_EQ(0, cfs_rmdir("mapper0"));
	EXPECT_TRUE(snap_same(s, snap_take()));
}

/* ---- nodes ------------------------------------------------------------- */

/* The first node number that is not online (node 0 always is, NUMA or not). */
static int absent_node(void)
{
	char p[64];
	int n = 1;

	for (;; n++) {
		snprintf(p, sizeof(p), "/sys/devices/system/node/node%d", n);
		if (!exists(p))
			return n;
	}
}

TEST_F(ctl, node_zero_and_any_are_honoured)
{
	int n;

	n = cfs_create("n0", "64K", "0", NULL);
	ASSERT_LE(0, n);
	EXPECT_EQ(0, dev_ll(n, "node"));
	EXPECT_EQ(0, cfs_ll("n0", "node"));
	ASSERT_EQ(0, cfs_remove("n0"));
	n = cfs_create("nany", "64K", "-1", NULL);
	ASSERT_LE(0, n);
	EXPECT_EQ(-1, dev_ll(n, "node"));
	ASSERT_EQ(0, cfs_remove("nany"));
	/* node_fallback is a 0/1 setting */
	ASSERT_EQ(0, cfs_mkdir("fb"));
	ASSERT_EQ(0, cfs_write("fb", "node_fallback", "1"));
	EXPECT_EQ(1, cfs_ll("fb", "node_fallback"));
	ASSERT_EQ(0, cfs_write("fb", "node_fallback", "0"));
	EXPECT_EQ(0, cfs_ll("fb", "node_fallback"));
	EXPECT_EQ(-EINVAL, cfs_write("fb", "node_fallback", "2"));
	EXPECT_EQ(-EINVAL, cfs_write("fb", "node_fallback", "x"));
	ASSERT_EQ(0, cfs_rmdir("fb"));
	ASSERT_NOTHING_MADE(self, "after removal");
}

TEST_F(ctl, invalid_nodes_are_einval_and_make_nothing)
{
	char absent[16], big[16];
	const char *bad[] = { absent, big, "-2", "99999", "2147483648", "abc", "\n", "0x", "1.5" };

	snprintf(absent, sizeof(absent), "%d", absent_node());
	snprintf(big, sizeof(big), "%d", 1 << 20);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret;

		ASSERT_EQ(0, cfs_mkdir("badnode"));
		ASSERT_EQ(0, cfs_write("badnode", "size", "64K"));
		/* refused when written, or when enabled */
		ret = cfs_write("badnode", "node", bad[i]);
		if (!ret)
			ret = cfs_write("badnode", "enable", "1");
		EXPECT_EQ(-EINVAL, ret) {
			TH_LOG("node '%s'", bad[i]);
		}
		EXPECT_EQ(0, cfs_ll("badnode", "enable"));
		if (cfs_ll("badnode", "enable") == 1)
			cfs_write("badnode", "enable", "0");
		ASSERT_EQ(0, cfs_rmdir("badnode"));
		ASSERT_NOTHING_MADE(self, bad[i]);
	}
}

/* ---- strict removal and its holders ------------------------------------ */

/*
 * enable=0 is refused with EBUSY and one log line
 * "NAME (mapperN): busy: WHAT: not removed"; the buffer stays, whole.
 */
static void busy_check(struct __test_metadata *_metadata, const char *name, int n,
		       const char *what)
{
	char want[160], line[512] = "";
	int kmsg = kmsg_open();

	ASSERT_LE(0, kmsg);
	EXPECT_EQ(-EBUSY, cfs_write(name, "enable", "0"));
	snprintf(want, sizeof(want), "%s (mapper%d): busy: %s: not removed", name, n, what);
	EXPECT_EQ(1, kmsg_lines(kmsg, "busy", line, sizeof(line)));
	EXPECT_NE(NULL, strstr(line, want)) {
		TH_LOG("log line '%s', expected '%s'", line, want);
	}
	close(kmsg);
	EXPECT_EQ(1, cfs_ll(name, "enable"));
	EXPECT_EQ(n, cfs_ll(name, "index"));
	EXPECT_TRUE(dev_present(n));
	EXPECT_TRUE(node_present(n));
	/* rmdir of an enabled item is EBUSY as well */
	EXPECT_EQ(-EBUSY, cfs_rmdir(name));
	EXPECT_TRUE(cfs_exists(name));
}

TEST_F(ctl, strict_removal_is_ebusy_while_open)
{
	int n = cfs_create("held", "64K", NULL, NULL), fd;
	char buf[8];

	ASSERT_LE(0, n);
	fd = open_index(n, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(7, pwrite(fd, "intact", 7, 100));
	busy_check(_metadata, "held", n, "1 open file");
	ASSERT_EQ(7, pread(fd, buf, 7, 100));
	EXPECT_STREQ("intact", buf);
	close(fd);
	ASSERT_EQ(0, cfs_remove("held"));
	ASSERT_NOTHING_MADE(self, "after the close and removal");
}

TEST_F(ctl, strict_removal_is_ebusy_while_mapped_after_close)
{
	int n = cfs_create("held", "64K", NULL, NULL), fd;
	unsigned char *p;

	ASSERT_LE(0, n);
	fd = open_index(n, O_RDWR);
	ASSERT_LE(0, fd);
	p = mmap(NULL, 64 * KIB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	close(fd);
	pat_fill(p, 64 * KIB, 14);
	busy_check(_metadata, "held", n, "1 mapping");
	EXPECT_TRUE(pat_check(p, 64 * KIB, 14));
	munmap(p, 64 * KIB);
	ASSERT_EQ(0, cfs_remove("held"));
	ASSERT_NOTHING_MADE(self, "after the munmap and removal");
}

TEST_F(ctl, strict_removal_names_every_holder)
{
	int n = cfs_create("frames", "64K", NULL, NULL), fd;
	void *p, *q;

	ASSERT_LE(0, n);
	fd = open_index(n, O_RDWR);
	ASSERT_LE(0, fd);
	p = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);
	q = mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd, page);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_NE(MAP_FAILED, q);
	busy_check(_metadata, "frames", n, "1 open file, 2 mappings");
	munmap(p, page);
	munmap(q, page);
	close(fd);
	ASSERT_EQ(0, cfs_remove("frames"));
}

TEST_F(ctl, strict_removal_is_ebusy_while_a_kernel_producer_holds_it)
{
	int n = cfs_create("produced", "64K", NULL, NULL);
	char params[64];

	ASSERT_LE(0, n);
	/* found by its name (mapper_get_by_name()) */
	EXPECT_EQ(-ENODEV, load_ko(SAMPLE_KO, "name=nosuch"));
	snprintf(params, sizeof(params), "name=produced period_ms=1000");
	ASSERT_EQ(0, load_ko(SAMPLE_KO, params));
	EXPECT_EQ(1, dev_ll(n, "holders"));
	busy_check(_metadata, "produced", n, "1 kernel holder");
	/* mapper itself stays loaded while its buffer is held */
	EXPECT_EQ(-EWOULDBLOCK, unload());
	ASSERT_EQ(0, unload_sample());
	ASSERT_EQ(0, cfs_remove("produced"));
	ASSERT_NOTHING_MADE(self, "after the producer went");
}

TEST_F(ctl, lazy_removal_with_a_kernel_holder_frees_at_its_put)
{
	int n = cfs_create("produced", "1M", NULL, NULL);
	char params[64];

	ASSERT_LE(0, n);
	snprintf(params, sizeof(params), "index=%d period_ms=5", n);
	ASSERT_EQ(0, load_ko(SAMPLE_KO, params));
	ASSERT_EQ(0, cfs_write("produced", "detach", "1"));
	EXPECT_FALSE(node_present(n));
	EXPECT_FALSE(dev_present(n));
	EXPECT_EQ(0, cfs_ll("produced", "enable"));
	ASSERT_EQ(0, cfs_rmdir("produced"));
	/* the producer still writes into it; the memory is still held */
	usleep(50 * 1000);
	EXPECT_EQ(self->base.total + MIB, total_bytes());
	ASSERT_EQ(0, unload_sample());
	EXPECT_EQ(self->base.total, total_bytes());
	ASSERT_NOTHING_MADE(self, "after the producer's put");
}

/*
 * A producer's private buffer (mapper_create(), the sample's history=): no
 * device, no name, but counted in total_bytes and the guard, and it keeps
 * mapper loaded until its mapper_put().
 */
TEST_F(ctl, a_private_buffer_counts_in_the_total_and_pins_mapper)
{
	char params[64];

	ASSERT_EQ(0, load_ko(SAMPLE_KO, "history=1048576 period_ms=1000"));
	EXPECT_EQ(self->base.total + MIB, total_bytes());
	EXPECT_EQ(self->base.devs, dir_count(CLASS, "mapper"));
	EXPECT_EQ(self->base.nodes, dir_count("/dev", "mapper"));
	EXPECT_EQ(-EWOULDBLOCK, unload());
	ASSERT_EQ(0, unload_sample());
	ASSERT_NOTHING_MADE(self, "after the producer's mapper_put()");
	/* less than one record; more than the guard */
	EXPECT_EQ(-EINVAL, load_ko(SAMPLE_KO, "history=1"));
	if (limit_bytes() + page <= 0xffffffffLL) {
		snprintf(params, sizeof(params), "history=%lld", limit_bytes() + page);
		EXPECT_EQ(-ENOMEM, load_ko(SAMPLE_KO, params));
	}
	EXPECT_NE(0, access("/sys/module/mapper_sample", F_OK));
	unload_sample();
	ASSERT_NOTHING_MADE(self, "after the refused histories");
}

/* ---- lazy removal ------------------------------------------------------ */

TEST_F(ctl, lazy_removal_frees_the_memory_only_at_the_last_munmap)
{
	const size_t size = 32 * MIB;
	long free0, free1, free2, free3;
	unsigned char *p;
	int n, fd;

	free0 = free_kb();
	n = cfs_create("lazy", "32M", NULL, NULL);
	ASSERT_LE(0, n);
	fd = open_index(n, O_RDWR);
	ASSERT_LE(0, fd);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	close(fd);
	pat_fill(p, size, 18);
	free1 = free_kb();
	EXPECT_LE(free1, free0 - 30 * 1024) {
		TH_LOG("free %ld KiB before, %ld KiB with the buffer", free0, free1);
	}

	ASSERT_EQ(0, cfs_write("lazy", "detach", "1"));
	/* the node, the sysfs directory and the name go at once */
	EXPECT_FALSE(node_present(n));
	EXPECT_FALSE(dev_present(n));
	EXPECT_EQ(-1, index_of("lazy"));
	EXPECT_EQ(0, cfs_ll("lazy", "enable"));
	EXPECT_EQ(-1, cfs_ll("lazy", "index"));
	ASSERT_EQ(0, cfs_rmdir("lazy"));
	EXPECT_FALSE(cfs_exists("lazy"));
	/* the name can be used again at once */
	ASSERT_LE(0, cfs_create("lazy", "4K", NULL, NULL));
	ASSERT_EQ(0, cfs_remove("lazy"));

	/* the memory stays while mapped, and the mapping works */
	EXPECT_EQ(self->base.total + (long long)size, total_bytes());
	free2 = free_kb();
	EXPECT_LE(free2, free0 - 30 * 1024) {
		TH_LOG("free %ld KiB before, %ld KiB after detach, still mapped", free0, free2);
	}
	EXPECT_TRUE(pat_check(p, size, 18));
	pat_fill(p, size, 19);
	EXPECT_TRUE(pat_check(p, size, 19));
	/* the mapping still keeps mapper loaded */
	EXPECT_EQ(-EWOULDBLOCK, unload());

	munmap(p, size);
	EXPECT_EQ(self->base.total, total_bytes());
	free3 = free_kb();
	EXPECT_GE(free3, free0 - 4 * 1024) {
		TH_LOG("free %ld KiB before, %ld KiB after the last munmap", free0, free3);
	}
	EXPECT_GE(free3, free2 + 28 * 1024);
	ASSERT_NOTHING_MADE(self, "after the last munmap");
}

TEST_F(ctl, an_open_file_of_a_detached_buffer_keeps_working)
{
	const size_t size = 256 * KIB;
	struct mapper_info info;
	unsigned char *p, *q = malloc(size);
	int n = cfs_create("gone", "256K", NULL, NULL), fd;

	ASSERT_LE(0, n);
	ASSERT_NE(NULL, q);
	fd = open_index(n, O_RDWR);
	ASSERT_LE(0, fd);
	pat_fill(q, size, 20);
	ASSERT_EQ((ssize_t)size, pwrite(fd, q, size, 0));
	ASSERT_EQ(0, cfs_write("gone", "detach", "1"));
	ASSERT_EQ(0, cfs_rmdir("gone"));
	EXPECT_FALSE(node_present(n));
	/* read, write, ioctl and mmap through the file still work */
	memset(q, 0, size);
	ASSERT_EQ((ssize_t)size, pread(fd, q, size, 0));
	EXPECT_TRUE(pat_check(q, size, 20));
	ASSERT_EQ(0, get_info(fd, &info));
	EXPECT_EQ(size, info.buf_size);
	EXPECT_EQ(n, info.index);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(pat_check(p, size, 20));
	pat_fill(p, size, 21);
	ASSERT_EQ((ssize_t)size, pread(fd, q, size, 0));
	EXPECT_TRUE(pat_check(q, size, 21));
	munmap(p, size);
	EXPECT_EQ(self->base.total + (long long)size, total_bytes());
	close(fd);
	free(q);
	EXPECT_EQ(self->base.total, total_bytes());
	ASSERT_NOTHING_MADE(self, "after the close");
}

TEST_F(ctl, an_index_is_reused_only_once_the_old_buffer_is_gone)
{
	char name[32];
	int n, m, fd;
	unsigned char b;

	n = lowest_free_index();
	ASSERT_EQ(n, cfs_create("old", "64K", NULL, NULL));
	fd = open_index(n, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, pwrite(fd, "o", 1, 0));
	ASSERT_EQ(0, cfs_write("old", "detach", "1"));
	ASSERT_EQ(0, cfs_rmdir("old"));
	ASSERT_FALSE(dev_present(n));
	ASSERT_EQ(n, lowest_free_index());	/* no sysfs directory, but not free */

	/* a new buffer gets another index while the old one is open */
	m = cfs_create("new", "64K", NULL, NULL);
	ASSERT_LE(0, m);
	EXPECT_NE(n, m);
	/* and its reserved name cannot have it either */
	snprintf(name, sizeof(name), "mapper%d", n);
	ASSERT_EQ(0, cfs_mkdir(name));
	ASSERT_EQ(0, cfs_write(name, "size", "4K"));
	EXPECT_EQ(-EBUSY, cfs_write(name, "enable", "1"));
	EXPECT_EQ(-1, cfs_ll(name, "index"));
	EXPECT_FALSE(node_present(n));
	/* the old one is still the one behind the file */
	ASSERT_EQ(1, pread(fd, &b, 1, 0));
	EXPECT_EQ('o', b);
	close(fd);

	/* gone: the index is free again */
	ASSERT_EQ(0, cfs_write(name, "enable", "1"));
	EXPECT_EQ(n, cfs_ll(name, "index"));
	fd = open_index(n, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, pread(fd, &b, 1, 0));
	EXPECT_EQ(0, b);		/* a new, zeroed buffer */
	close(fd);
	ASSERT_EQ(0, cfs_remove(name));
	ASSERT_EQ(0, cfs_remove("new"));
	EXPECT_EQ(n, cfs_create("again", "4K", NULL, NULL));	/* lowest free once more */
	ASSERT_EQ(0, cfs_remove("again"));
	ASSERT_NOTHING_MADE(self, "after removal");
}

/* ---- bad input: clear errors, nothing half-made ------------------------ */

TEST_F(ctl, detach_is_einval_unless_enabled)
{
	ASSERT_EQ(0, cfs_mkdir("idle"));
	EXPECT_EQ(-EINVAL, cfs_write("idle", "detach", "1"));
	ASSERT_EQ(0, cfs_write("idle", "size", "4K"));
	ASSERT_EQ(0, cfs_write("idle", "enable", "1"));
	ASSERT_EQ(0, cfs_write("idle", "detach", "1"));
	EXPECT_EQ(-EINVAL, cfs_write("idle", "detach", "1"));	/* twice */
	ASSERT_EQ(0, cfs_rmdir("idle"));
	ASSERT_NOTHING_MADE(self, "after removal");
}

TEST_F(ctl, bad_sizes_are_refused_and_make_nothing)
{
	static const char *const unparsable[] = {
		"abc", "\n", "1K2", "1KK", "-1", "--1", "1.5M", "0x", "1T",
		"99999999999999999999", "17179869184G", "0x10000000000000000",
	};
	struct snap s;
	char text[32];

	ASSERT_EQ(0, cfs_mkdir("bad"));
	ASSERT_EQ(0, cfs_write("bad", "size", "8K"));
	s = snap_take();
	for (size_t i = 0; i < sizeof(unparsable) / sizeof(unparsable[0]); i++) {
		EXPECT_EQ(-EINVAL, cfs_write("bad", "size", unparsable[i])) {
			TH_LOG("size '%s'", unparsable[i]);
		}
		EXPECT_EQ(8192, cfs_ll("bad", "size"));	/* unchanged */
	}
	/* size 0 (the default), then sizes beyond the guard: at enable */
	ASSERT_EQ(0, cfs_write("bad", "size", "0"));
	EXPECT_EQ(-EINVAL, cfs_write("bad", "enable", "1"));
	EXPECT_EQ(0, cfs_ll("bad", "enable"));
	ASSERT_SAME_AS(s, "size 0");
	/* larger than limit_bytes alone, or with what the others hold: ENOMEM */
	snprintf(text, sizeof(text), "%lld", limit_bytes() + page);
	ASSERT_EQ(0, cfs_write("bad", "size", text));
	EXPECT_EQ(-ENOMEM, cfs_write("bad", "enable", "1"));
	ASSERT_SAME_AS(s, "over limit_bytes");
	ASSERT_EQ(0, cfs_write("bad", "size", "64G"));
	EXPECT_EQ(-ENOMEM, cfs_write("bad", "enable", "1"));
	ASSERT_SAME_AS(s, "64G");
	/* fits alone, not with what mapper0 and mapper1 hold */
	snprintf(text, sizeof(text), "%lld", limit_bytes() - total_bytes() + page);
	ASSERT_EQ(0, cfs_write("bad", "size", text));
	EXPECT_EQ(-ENOMEM, cfs_write("bad", "enable", "1"));
	ASSERT_SAME_AS(s, "over limit_bytes with the others");
	/* near 2^64: no wrap-around to a small size when rounded to pages */
	if (!cfs_write("bad", "size", "18446744073709551615")) {
		int ret = cfs_write("bad", "enable", "1");

		EXPECT_TRUE(ret == -ENOMEM || ret == -EINVAL) {
			TH_LOG("size 2^64-1: enable gave %d", ret);
		}
	}
	EXPECT_EQ(0, cfs_ll("bad", "enable"));
	ASSERT_SAME_AS(s, "2^64-1");
	/* the item still works afterwards */
	ASSERT_EQ(0, cfs_write("bad", "size", "4K"));
	ASSERT_EQ(0, cfs_write("bad", "enable", "1"));
	ASSERT_EQ(0, cfs_remove("bad"));
	ASSERT_NOTHING_MADE(self, "after removal");
}

TEST_F(ctl, settings_are_ebusy_while_enabled)
{
	struct snap s;
	char text[32];
	int n = cfs_create("fixed", "64K", NULL, NULL);

	ASSERT_LE(0, n);
	s = snap_take();
	EXPECT_EQ(-EBUSY, cfs_write("fixed", "size", "128K"));
	EXPECT_EQ(65536, cfs_ll("fixed", "size"));
	EXPECT_EQ(65536, dev_ll(n, "size"));
	EXPECT_EQ(-EBUSY, cfs_write("fixed", "node", "0"));
	EXPECT_EQ(-1, cfs_ll("fixed", "node"));
	EXPECT_EQ(-EBUSY, cfs_write("fixed", "node_fallback", "1"));
	EXPECT_EQ(0, cfs_ll("fixed", "node_fallback"));
	/* enable twice */
	EXPECT_EQ(-EBUSY, cfs_write("fixed", "enable", "1"));
	EXPECT_EQ(n, cfs_ll("fixed", "index"));
	/* rmdir while enabled */
	EXPECT_EQ(-EBUSY, cfs_rmdir("fixed"));
	EXPECT_TRUE(cfs_exists("fixed"));
	EXPECT_TRUE(snap_same(s, snap_take()));
	ASSERT_EQ(0, cfs_read("fixed", "cache", text, sizeof(text)));
	EXPECT_STREQ("cached", text);
	ASSERT_EQ(0, cfs_remove("fixed"));
	ASSERT_NOTHING_MADE(self, "after removal");
}

TEST_F(ctl, enable_takes_only_0_and_1)
{
	static const char *const bad[] = { "2", "-1", "x", "\n", "?" };
	struct snap s;

	ASSERT_EQ(0, cfs_mkdir("onoff"));
	ASSERT_EQ(0, cfs_write("onoff", "size", "4K"));
	s = snap_take();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-EINVAL, cfs_write("onoff", "enable", bad[i])) {
			TH_LOG("enable '%s'", bad[i]);
		}
		EXPECT_EQ(0, cfs_ll("onoff", "enable"));
		if (cfs_ll("onoff", "enable") == 1)
			cfs_write("onoff", "enable", "0");
	}
	ASSERT_SAME_AS(s, "after the bad values");
	ASSERT_EQ(0, cfs_write("onoff", "enable", "1\n"));
	ASSERT_EQ(0, cfs_write("onoff", "enable", "0\n"));
	ASSERT_EQ(0, cfs_rmdir("onoff"));
}

TEST_F(ctl, removing_what_does_not_exist_fails_cleanly)
{
	int ret;

	EXPECT_EQ(-ENOENT, cfs_rmdir("nosuch"));
	EXPECT_EQ(-ENOENT, cfs_write("nosuch", "enable", "0"));
	/* an item never enabled: disabling it succeeds and changes nothing */
	ASSERT_EQ(0, cfs_mkdir("never"));
	ret = cfs_write("never", "enable", "0");
	EXPECT_EQ(0, ret);
	EXPECT_EQ(0, cfs_ll("never", "enable"));
	ASSERT_EQ(0, cfs_rmdir("never"));
	EXPECT_EQ(-ENOENT, cfs_rmdir("never"));
	ASSERT_NOTHING_MADE(self, "after the attempts");
}

TEST_F(ctl, an_item_holds_nothing_but_its_attributes)
{
	char p[128];
	int fd;

	ASSERT_EQ(0, cfs_mkdir("flat"));
	snprintf(p, sizeof(p), CFS "/flat/sub");
	EXPECT_NE(0, mkdir(p, 0755));
	EXPECT_FALSE(exists(p));
	snprintf(p, sizeof(p), CFS "/flat/junk");
	fd = open(p, O_WRONLY | O_CREAT, 0644);
	EXPECT_GT(0, fd);
	if (fd >= 0)
		close(fd);
	/* index is read-only */
	EXPECT_NE(0, cfs_write("flat", "index", "5"));
	EXPECT_EQ(-1, cfs_ll("flat", "index"));
	ASSERT_EQ(0, cfs_rmdir("flat"));
	ASSERT_NOTHING_MADE(self, "after the attempts");
}

/* ---- privileges -------------------------------------------------------- */

/* Runs the configfs operations of the test below in a child as @how. */
static int child_errnos(int how, int out[8])
{
	int pipefd[2], status;
	pid_t pid;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int r[8];

		close(pipefd[0]);
		if (drop_privileges(how))
			_exit(3);
		r[0] = cfs_mkdir("intruder");
		r[1] = cfs_write("victim", "size", "8K");
		r[2] = cfs_write("victim", "enable", "1");
		r[3] = cfs_write("live", "enable", "0");
		r[4] = cfs_write("live", "detach", "1");
		r[5] = cfs_write("live", "cache", "uc");
		r[6] = cfs_write("victim", "node", "0");
		r[7] = cfs_write("victim", "node_fallback", "1");
		_exit(write(pipefd[1], r, sizeof(r)) == sizeof(r) ? 0 : 4);
	}
	close(pipefd[1]);
	if (read(pipefd[0], out, 8 * sizeof(int)) != 8 * (ssize_t)sizeof(int))
		out[0] = 1;
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(ctl, root_without_cap_sys_admin_can_neither_create_nor_remove)
{
	static const char *const what[8] = {
		"mkdir", "write size", "write enable=1", "write enable=0", "write detach",
		"write cache", "write node", "write node_fallback",
	};
	struct snap s;
	int r[8], n;

	ASSERT_EQ(0, cfs_mkdir("victim"));
	ASSERT_EQ(0, cfs_write("victim", "size", "4K"));
	n = cfs_create("live", "4K", NULL, NULL);
	ASSERT_LE(0, n);
	s = snap_take();
	ASSERT_EQ(0, child_errnos(1, r));
	for (int i = 0; i < 8; i++) {
		EXPECT_EQ(-EPERM, r[i]) {
			TH_LOG("uid 0 without CAP_SYS_ADMIN: %s gave %d", what[i], r[i]);
		}
	}
	EXPECT_TRUE(snap_same(s, snap_take()));
	EXPECT_FALSE(cfs_exists("intruder"));
	EXPECT_EQ(4096, cfs_ll("victim", "size"));
	EXPECT_EQ(-1, cfs_ll("victim", "node"));
	EXPECT_EQ(0, cfs_ll("victim", "enable"));
	EXPECT_TRUE(dev_present(n));
	EXPECT_TRUE(dev_is(n, "cache", "cached"));
	ASSERT_EQ(0, cfs_rmdir("victim"));
	ASSERT_EQ(0, cfs_remove("live"));
	ASSERT_NOTHING_MADE(self, "after removal");
}

TEST_F(ctl, other_users_can_neither_create_nor_remove)
{
	struct snap s;
	int r[8], n;

	ASSERT_EQ(0, cfs_mkdir("victim"));
	ASSERT_EQ(0, cfs_write("victim", "size", "4K"));
	n = cfs_create("live", "4K", NULL, NULL);
	ASSERT_LE(0, n);
	s = snap_take();
	ASSERT_EQ(0, child_errnos(2, r));
	for (int i = 0; i < 8; i++) {
		EXPECT_TRUE(r[i] == -EACCES || r[i] == -EPERM) {
			TH_LOG("uid 65534: operation %d gave %d", i, r[i]);
		}
	}
	EXPECT_TRUE(snap_same(s, snap_take()));
	EXPECT_EQ(0, cfs_ll("victim", "enable"));
	EXPECT_TRUE(dev_present(n));
	ASSERT_EQ(0, cfs_rmdir("victim"));
	ASSERT_EQ(0, cfs_remove("live"));
}

/* ---- module parameters ------------------------------------------------- */

/* Each buffer's size, name, node and cache after a load of @params. */
struct want_dev {
	long long size;
	const char *name;
	int node;
	const char *cache;
};

static void load_and_check(struct __test_metadata *_metadata, const char *params,
			   const struct want_dev *want, int n)
{
	long long sum = 0;

	reload(_metadata, params);
	EXPECT_EQ(n, dir_count(CLASS, "mapper")) {
		TH_LOG("%s", params);
	}
	for (int i = 0; i < n; i++) {
		EXPECT_EQ(want[i].size, dev_ll(i, "size")) {
			TH_LOG("%s: mapper%d", params, i);
		}
		EXPECT_TRUE(dev_is(i, "name", want[i].name)) {
			TH_LOG("%s: mapper%d not called %s", params, i, want[i].name);
		}
		EXPECT_EQ(want[i].node, dev_ll(i, "node")) {
			TH_LOG("%s: mapper%d", params, i);
		}
		EXPECT_TRUE(dev_is(i, "cache", want[i].cache)) {
			TH_LOG("%s: mapper%d not %s", params, i, want[i].cache);
		}
		EXPECT_TRUE(node_present(i));
		sum += want[i].size;
	}
	EXPECT_FALSE(dev_present(n));
	EXPECT_EQ(sum, total_bytes());
}

#define LOAD_CHECK(params, ...) do { \
	const struct want_dev __w[] = { __VA_ARGS__ }; \
	load_and_check(_metadata, params, __w, sizeof(__w) / sizeof(__w[0])); \
} while (0)

TEST_F(ctl, size_lists_give_each_buffer_its_size)
{
	self->reloads = 1;
	LOAD_CHECK("size=4M,64M",
		   { 4 * MIB, "mapper0", -1, "cached" }, { 64 * MIB, "mapper1", -1, "cached" });
	LOAD_CHECK("devices=3 size=4K,1M",
		   { PAGES(4096), "mapper0", -1, "cached" }, { MIB, "mapper1", -1, "cached" },
		   { MIB, "mapper2", -1, "cached" });
	LOAD_CHECK("devices=4 size=8K",
		   { PAGES(8192), "mapper0", -1, "cached" }, { PAGES(8192), "mapper1", -1, "cached" },
		   { PAGES(8192), "mapper2", -1, "cached" }, { PAGES(8192), "mapper3", -1, "cached" });
	LOAD_CHECK("size=4K,8K,5000",
		   { PAGES(4096), "mapper0", -1, "cached" }, { PAGES(8192), "mapper1", -1, "cached" },
		   { PAGES(8192), "mapper2", -1, "cached" });
	LOAD_CHECK("", { MIB, "mapper0", -1, "cached" });
}

TEST_F(ctl, name_node_and_cache_lists_and_their_defaults)
{
	self->reloads = 1;
	/* names do not repeat: the rest are mapperN */
	LOAD_CHECK("devices=3 name=ring,frames size=64K",
		   { PAGES(65536), "ring", -1, "cached" }, { PAGES(65536), "frames", -1, "cached" },
		   { PAGES(65536), "mapper2", -1, "cached" });
	LOAD_CHECK("devices=2 name=mapper0,tail size=4K",
		   { PAGES(4096), "mapper0", -1, "cached" }, { PAGES(4096), "tail", -1, "cached" });
	/* nodes repeat their last entry */
	LOAD_CHECK("devices=3 node=0,-1 size=4K",
		   { PAGES(4096), "mapper0", 0, "cached" }, { PAGES(4096), "mapper1", -1, "cached" },
		   { PAGES(4096), "mapper2", -1, "cached" });
	LOAD_CHECK("devices=2 node=0 size=4K",
		   { PAGES(4096), "mapper0", 0, "cached" }, { PAGES(4096), "mapper1", 0, "cached" });
	if (cache_modes_supported()) {
		LOAD_CHECK("devices=3 cache=wc,cached size=4K",
			   { PAGES(4096), "mapper0", -1, "wc" }, { PAGES(4096), "mapper1", -1, "cached" },
			   { PAGES(4096), "mapper2", -1, "cached" });
		LOAD_CHECK("devices=2 cache=uc size=4K",
			   { PAGES(4096), "mapper0", -1, "uc" }, { PAGES(4096), "mapper1", -1, "uc" });
	}
	/* devices defaults to the longest list */
	LOAD_CHECK("name=a,b,c size=4K",
		   { PAGES(4096), "a", -1, "cached" }, { PAGES(4096), "b", -1, "cached" },
		   { PAGES(4096), "c", -1, "cached" });
	LOAD_CHECK("node=0,0 size=4K",
		   { PAGES(4096), "mapper0", 0, "cached" }, { PAGES(4096), "mapper1", 0, "cached" });
}

TEST_F(ctl, devices_0_loads_with_no_buffer_and_configfs_fills_index_0)
{
	int n;

	self->reloads = 1;
	reload(_metadata, "devices=0");
	EXPECT_TRUE(exists(CLASS));
	EXPECT_EQ(0, dir_count(CLASS, "mapper"));
	EXPECT_FALSE(node_present(0));
	EXPECT_EQ(0, total_bytes());
	ASSERT_EQ(0, configfs_mount());
	n = cfs_create("solo", "64K", NULL, NULL);
	EXPECT_EQ(0, n);
	EXPECT_TRUE(dev_is(0, "name", "solo"));
	EXPECT_EQ(65536, total_bytes());
	ASSERT_EQ(0, cfs_remove("solo"));
	EXPECT_EQ(0, total_bytes());
}

TEST_F(ctl, bad_lists_are_einval_with_one_log_line)
{
	static const char *const bad[] = {
		"devices=1 size=4K,8K",			/* longer than devices= */
		"devices=2 cache=cached,cached,cached",
		"devices=1 name=a,b",
		"devices=1 node=0,0",
		"devices=0 size=4K",
		"size=4K,0", "size=4K,abc", "size=4K,,8K",
		"name=ring,ring",			/* duplicate */
		"devices=2 name=mapper1",		/* mapper1 is kept for index 1 */
		"devices=2 name=x,mapper0",
		"name=Ring", "name=a.b", "name=abcdefghijklmnopqrstuvwxyz_0-9zz",
		"node=99", "node=0,abc", "node=-2", "node=2147483648",
		"cache=cached,bogus",
		"devices=2 size=1M,200M,1M",
	};
	char many[600] = "size=";
	int kmsg = kmsg_open();

	self->reloads = 1;
	ASSERT_LE(0, kmsg);
	cfs_cleanup();
	ASSERT_EQ(0, unload());
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char line[512] = "";
		int ret = load(bad[i]);
		int lines = kmsg_lines(kmsg, "mapper", line, sizeof(line));

		TH_LOG("insmod mapper.ko %-40s -> %d: %s", bad[i], ret, line);
		EXPECT_EQ(-EINVAL, ret) {
			TH_LOG("%s", bad[i]);
		}
		EXPECT_FALSE(loaded());
		EXPECT_FALSE(exists(CLASS));
		EXPECT_FALSE(node_present(0));
		EXPECT_EQ(1, lines) {
			TH_LOG("%s: %d log lines", bad[i], lines);
		}
		if (loaded())
			unload();
	}
	/* more than 64 entries (the loader may say it, not mapper) */
	for (int i = 0; i < 65; i++)
		strcat(many, i ? ",4K" : "4K");
	EXPECT_EQ(-EINVAL, load(many));
	EXPECT_FALSE(loaded());
	if (loaded())
		unload();
	close(kmsg);
	ASSERT_EQ(0, load(DEFAULT_PARAMS));
}

/* ---- the guard on the total -------------------------------------------- */

TEST_F(ctl, max_total_lowers_the_guard)
{
	long long dflt = limit_bytes();
	char text[32];
	int a;

	ASSERT_LT(16 * MIB, dflt);
	ASSERT_EQ(0, write_file(MAX_TOTAL, "4M"));
	EXPECT_EQ(4 * MIB, limit_bytes());
	/* 2 MiB held by mapper0 and mapper1: 2 MiB more fit, not a page beyond */
	a = cfs_create("fits", "2M", NULL, NULL);
	ASSERT_LE(0, a);
	EXPECT_EQ(4 * MIB, total_bytes());
	EXPECT_EQ(-ENOMEM, cfs_create("over", "4K", NULL, NULL));
	EXPECT_FALSE(cfs_exists("over"));
	EXPECT_EQ(4 * MIB, total_bytes());
	ASSERT_EQ(0, cfs_remove("fits"));
	EXPECT_EQ(-ENOMEM, cfs_create("over", "3M", NULL, NULL));
	ASSERT_NOTHING_MADE(self, "after the refusals");
	a = cfs_create("fits", "1M", NULL, NULL);
	ASSERT_LE(0, a);
	ASSERT_EQ(0, cfs_remove("fits"));
	/* above 3/4 of RAM, or not a size: refused, the limit unchanged */
	snprintf(text, sizeof(text), "%lld", dflt + 64 * MIB);
	EXPECT_EQ(-EINVAL, write_file(MAX_TOTAL, text));
	EXPECT_EQ(-EINVAL, write_file(MAX_TOTAL, "abc"));
	EXPECT_EQ(4 * MIB, limit_bytes());
	/* 0: the default again */
	ASSERT_EQ(0, write_file(MAX_TOTAL, "0"));
	EXPECT_EQ(dflt, limit_bytes());
	a = cfs_create("fits", "3M", NULL, NULL);
	ASSERT_LE(0, a);
	ASSERT_EQ(0, cfs_remove("fits"));

	/* as a load parameter */
	self->reloads = 1;
	reload(_metadata, "devices=2 max_total=3M");
	EXPECT_EQ(3 * MIB, limit_bytes());
	EXPECT_EQ(-ENOMEM, cfs_create("over", "2M", NULL, NULL));
	EXPECT_LE(0, cfs_create("fits", "1M", NULL, NULL));
	ASSERT_EQ(0, cfs_remove("fits"));
	cfs_cleanup();
	ASSERT_EQ(0, unload());
	a = load("devices=2 max_total=1M");
	EXPECT_TRUE(a == -EINVAL || a == -ENOMEM) {
		TH_LOG("2 MiB of buffers with max_total=1M: %d", a);
	}
	EXPECT_FALSE(loaded());
	if (loaded())
		unload();
	ASSERT_EQ(0, load(DEFAULT_PARAMS));
}

/* ---- the module's lifetime --------------------------------------------- */

TEST_F(ctl, rmmod_is_refused_while_a_configfs_item_exists)
{
	unsigned char *p;
	int n, fd;

	self->reloads = 1;
	/* a description alone pins the module */
	ASSERT_EQ(0, cfs_mkdir("pin"));
	EXPECT_EQ(-EWOULDBLOCK, unload());
	ASSERT_EQ(0, cfs_write("pin", "size", "64K"));
	ASSERT_EQ(0, cfs_write("pin", "enable", "1"));
	EXPECT_EQ(-EWOULDBLOCK, unload());
	ASSERT_EQ(0, cfs_remove("pin"));
	ASSERT_EQ(0, unload());
	EXPECT_FALSE(exists(CFS));
	ASSERT_EQ(0, load(DEFAULT_PARAMS));
	ASSERT_EQ(0, configfs_mount());

	/* detached and rmdir'ed, but mapped: still pinned */
	n = cfs_create("pin", "64K", NULL, NULL);
	ASSERT_LE(0, n);
	fd = open_index(n, O_RDWR);
	ASSERT_LE(0, fd);
	p = mmap(NULL, 64 * KIB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	close(fd);
	ASSERT_EQ(0, cfs_write("pin", "detach", "1"));
	ASSERT_EQ(0, cfs_rmdir("pin"));
	EXPECT_EQ(-EWOULDBLOCK, unload());
	p[0] = 1;
	munmap(p, 64 * KIB);
	ASSERT_EQ(0, unload());
	EXPECT_FALSE(exists(CLASS));
	ASSERT_EQ(0, load(DEFAULT_PARAMS));
}

/* ---- memory cgroups ---------------------------------------------------- */

#define CG_ROOT		"/sys/fs/cgroup"
#define CG		CG_ROOT "/mapper-test"

/* cgroup2 with the memory controller for a child group; 0 or a SKIP reason. */
static const char *cgroup_setup(void)
{
	char text[256];

	if (!exists(CG_ROOT "/cgroup.controllers")) {
		mkdir(CG_ROOT, 0755);
		if (mount("none", CG_ROOT, "cgroup2", 0, NULL))
			return "cgroup2 cannot be mounted (no CONFIG_CGROUPS?)";
	}
	if (read_line(CG_ROOT "/cgroup.controllers", text, sizeof(text)) ||
	    !strstr(text, "memory"))
		return "no memory controller (CONFIG_MEMCG)";
	if (write_file(CG_ROOT "/cgroup.subtree_control", "+memory"))
		return "cannot enable the memory controller";
	rmdir(CG);
	if (mkdir(CG, 0755))
		return "cannot make a cgroup";
	return NULL;
}

static long long cg_ll(const char *file)
{
	char p[128];

	snprintf(p, sizeof(p), CG "/%s", file);
	return read_ll(p, -1);
}

/* A field of CG/memory.events. */
static long long cg_event(const char *field)
{
	char line[128];
	long long v = -1;
	FILE *f = fopen(CG "/memory.events", "r");
	size_t len = strlen(field);

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, len) && line[len] == ' ')
			v = strtoll(line + len + 1, NULL, 10);
	fclose(f);
	return v;
}

/*
 * Pages are charged from 5.11 on: before, a charged page could not be
 * mapped into user space (compat.h MAPPER_GFP_ACCOUNT_PAGES), and only the
 * page array and bookkeeping are charged (mapper(4)).
 */
static int pages_charged(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return 1;
	return major > 5 || (major == 5 && minor >= 11);
}

/* The child of the memcg test: joins the group, then one step per byte read. */
static void memcg_child(int res, int go)
{
	char me[16], c;
	int r;

	snprintf(me, sizeof(me), "%d", getpid());
	r = write_file(CG "/cgroup.procs", me);
	if (write(res, &r, sizeof(r)) != sizeof(r) || r)
		_exit(3);
	if (read(go, &c, 1) != 1)
		_exit(4);
	r = cfs_write("big", "enable", "1");
	if (write(res, &r, sizeof(r)) != sizeof(r) || read(go, &c, 1) != 1)
		_exit(4);
	r = cfs_write("small", "enable", "1");
	if (write(res, &r, sizeof(r)) != sizeof(r) || read(go, &c, 1) != 1)
		_exit(4);
	_exit(0);
}

/*
 * A child in a group with memory.max 16M writes enable of "big" (32 MiB)
 * and "small" (4 MiB); the parent, outside the group, looks at the group
 * between the steps and removes the buffers.
 */
TEST_F(ctl, memcg_charges_the_creator_and_refuses_over_its_limit_without_oom)
{
	long long cur0, cur1, cur2, cur3;
	const char *why = cgroup_setup();
	int res[2], go[2], r, status, n;
	int charged = pages_charged();
	struct snap s;
	pid_t pid;
	char c = 0;

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, write_file(CG "/memory.max", "16M"));
	ASSERT_EQ(0, cfs_mkdir("big"));
	ASSERT_EQ(0, cfs_write("big", "size", "32M"));
	ASSERT_EQ(0, cfs_mkdir("small"));
	ASSERT_EQ(0, cfs_write("small", "size", "4M"));
	s = snap_take();
	ASSERT_EQ(0, pipe(res));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		memcg_child(res[1], go[0]);
	ASSERT_EQ(sizeof(r), read(res[0], &r, sizeof(r)));
	ASSERT_EQ(0, r);		/* in the group */
	cur0 = cg_ll("memory.current");

	ASSERT_EQ(1, write(go[1], &c, 1));
	ASSERT_EQ(sizeof(r), read(res[0], &r, sizeof(r)));
	cur1 = cg_ll("memory.current");
	TH_LOG("32 MiB in a group of memory.max 16M (pages %scharged on this kernel): %d; "
	       "memory.current %lld -> %lld; events max %lld oom %lld oom_kill %lld",
	       charged ? "" : "not ", r, cur0, cur1, cg_event("max"), cg_event("oom"),
	       cg_event("oom_kill"));
	if (charged) {
		EXPECT_EQ(-ENOMEM, r);
		EXPECT_EQ(0, cfs_ll("big", "enable"));
		EXPECT_EQ(-1, index_of("big"));
		ASSERT_SAME_AS(s, "after the refused 32 MiB");
	} else {
		/* 5.10: only the bookkeeping is charged, far below the buffer */
		EXPECT_EQ(0, r);
		EXPECT_LT(cur1 - cur0, 4 * MIB);
		EXPECT_EQ(0, cfs_remove("big"));
	}
	EXPECT_EQ(0, cg_event("oom_kill"));

	cur1 = cg_ll("memory.current");
	ASSERT_EQ(1, write(go[1], &c, 1));
	ASSERT_EQ(sizeof(r), read(res[0], &r, sizeof(r)));
	ASSERT_EQ(0, r);
	n = (int)cfs_ll("small", "index");
	EXPECT_LE(0, n);
	cur2 = cg_ll("memory.current");
	if (charged) {
		EXPECT_GE(cur2 - cur1, 4 * MIB) {
			TH_LOG("memory.current %lld before, %lld after a 4 MiB buffer", cur1, cur2);
		}
	} else {
		EXPECT_LT(cur2 - cur1, MIB);
	}
	/* removed by a process outside the group: uncharged from it */
	ASSERT_EQ(0, cfs_remove("small"));
	cur3 = cg_ll("memory.current");
	if (charged) {
		EXPECT_GE(cur2 - cur3, 4 * MIB) {
			TH_LOG("memory.current %lld with the buffer, %lld after removal", cur2, cur3);
		}
	}
	ASSERT_EQ(1, write(go[1], &c, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		TH_LOG("the child in the group: status %#x (killed?)", status);
	}
	EXPECT_EQ(0, cg_event("oom_kill"));
	cfs_cleanup();
	rmdir(CG);
	ASSERT_NOTHING_MADE(self, "at the end");
}

/* ---- mapperctl --------------------------------------------------------- */

static void need_mapperctl(struct __test_metadata *_metadata)
{
	ASSERT_EQ(0, access(MAPPERCTL, X_OK)) {
		TH_LOG("no %s in the VM (mk/ctl.mk adds it to VM_BINS)", MAPPERCTL);
	}
}

#define EXPECT_ERROR_MESSAGE(r) do { \
	EXPECT_EQ(0, strncmp((r).err, "mapperctl: ", 11)) { \
		TH_LOG("stderr: '%s'", (r).err); \
	} \
	EXPECT_STREQ("", (r).out); \
} while (0)

TEST_F(ctl, mapperctl_create_prints_the_device_and_honours_every_option)
{
	struct run r;
	char name[32];
	int n, want = lowest_free_index();

	need_mapperctl(_metadata);
	ASSERT_EQ(0, CTL(&r, "create", "--size", "2M"));
	ASSERT_EQ(0, r.status) {
		TH_LOG("stderr: %s", r.err);
	}
	n = printed_index(r.out);
	ASSERT_EQ(want, n) {
		TH_LOG("stdout: '%s'", r.out);
	}
	EXPECT_STREQ("", r.err);
	EXPECT_EQ(2 * MIB, dev_ll(n, "size"));
	snprintf(name, sizeof(name), "mapper%d", n);
	EXPECT_TRUE(dev_is(n, "name", name));
	EXPECT_TRUE(cfs_exists(name));
	EXPECT_TRUE(node_present(n));

	ASSERT_EQ(0, CTL(&r, "create", "--size", "64K", "--name", "ring", "--node", "0",
			 "--cache", cache_modes_supported() ? "wc" : "cached"));
	ASSERT_EQ(0, r.status) {
		TH_LOG("stderr: %s", r.err);
	}
	n = printed_index(r.out);
	ASSERT_LE(0, n);
	EXPECT_EQ(n, index_of("ring"));
	EXPECT_EQ(65536, dev_ll(n, "size"));
	EXPECT_EQ(0, dev_ll(n, "node"));
	EXPECT_TRUE(dev_is(n, "cache", cache_modes_supported() ? "wc" : "cached"));
	EXPECT_EQ(0, cfs_ll("ring", "node_fallback"));

	ASSERT_EQ(0, CTL(&r, "create", "--size", "64K", "--name", "soft", "--node", "0",
			 "--node-fallback"));
	ASSERT_EQ(0, r.status);
	EXPECT_EQ(1, cfs_ll("soft", "node_fallback"));
	EXPECT_EQ(index_of("soft"), printed_index(r.out));

	/* the same name again: refused, the first one untouched */
	ASSERT_EQ(0, CTL(&r, "create", "--size", "4K", "--name", "ring"));
	EXPECT_EQ(1, r.status);
	EXPECT_ERROR_MESSAGE(r);
	EXPECT_EQ(65536, dev_ll(index_of("ring"), "size"));
	cfs_cleanup();
	ASSERT_NOTHING_MADE(self, "after removal");
}

/* The first PCI device's name (the host bridge, say): a device to allocate for. */
static int first_pci_device(char *out, size_t len)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *e;
	int ret = -1;

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' && strlen(e->d_name) < len) {
			memcpy(out, e->d_name, strlen(e->d_name) + 1);
			ret = 0;
			break;
		}
	if (d)
		closedir(d);
	return ret;
}

TEST_F(ctl, mapperctl_makes_contiguous_buffers_and_buffers_for_a_device)
{
	char pci[64], s[128];
	unsigned long long phys;
	long long cma = read_ll(CLASS "/cma", -1);
	long long largest = buddy_largest(), beyond = 16 * MIB;
	struct run r;
	int n;

	need_mapperctl(_metadata);
	ASSERT_TRUE(cma == 0 || cma == 1) {
		TH_LOG("%s/cma reads %lld", CLASS, cma);
	}

	ASSERT_EQ(0, CTL(&r, "create", "--size", "1M", "--name", "block", "--contiguous"));
	ASSERT_EQ(0, r.status) {
		TH_LOG("stderr: %s", r.err);
	}
	n = printed_index(r.out);
	ASSERT_LE(0, n);
	EXPECT_EQ(1, dev_ll(n, "contiguous"));
	EXPECT_EQ(1, cfs_ll("block", "contiguous"));
	ASSERT_EQ(0, dev_str(n, "phys_addr", s, sizeof(s)));
	phys = strtoull(s, NULL, 16);
	EXPECT_EQ(0, strncmp(s, "0x", 2));
	EXPECT_NE(0, phys);
	EXPECT_EQ(0, phys % page);
	/* fixed once enabled, as every describing attribute */
	EXPECT_EQ(-EBUSY, cfs_write("block", "contiguous", "0"));
	EXPECT_EQ(-EBUSY, cfs_write("block", "dma_device", "x"));

	ASSERT_EQ(0, first_pci_device(pci, sizeof(pci)));
	ASSERT_EQ(0, CTL(&r, "create", "--size", "256K", "--name", "near", "--dma-device", pci));
	ASSERT_EQ(0, r.status) {
		TH_LOG("stderr: %s", r.err);
	}
	n = printed_index(r.out);
	ASSERT_LE(0, n);
	EXPECT_TRUE(dev_is(n, "dma_device", pci));
	EXPECT_EQ(0, dev_ll(n, "contiguous"));
	EXPECT_EQ(0, dev_ll(n, "dma_maps"));
	/* one block to point at, or no phys_addr at all */
	snprintf(s, sizeof(s), CLASS "/mapper%d/phys_addr", n);
	EXPECT_FALSE(exists(s));

	ASSERT_EQ(0, CTL(&r, "list", "--dma"));
	ASSERT_EQ(0, r.status);
	EXPECT_NE(NULL, strstr(r.out, pci)) {
		TH_LOG("list --dma: %s", r.out);
	}

	/* no such device: the tool says so before the kernel is asked */
	ASSERT_EQ(0, CTL(&r, "create", "--size", "64K", "--name", "nodev", "--dma-device",
			 "0000:ff:1f.7"));
	EXPECT_EQ(2, r.status);
	EXPECT_ERROR_MESSAGE(r);
	EXPECT_FALSE(cfs_exists("nodev"));
	/* and the kernel's own answer to the same */
	ASSERT_EQ(0, cfs_mkdir("nodev"));
	ASSERT_EQ(0, cfs_write("nodev", "size", "64K"));
	ASSERT_EQ(0, cfs_write("nodev", "dma_device", "0000:ff:1f.7"));
	EXPECT_EQ(-ENODEV, cfs_write("nodev", "enable", "1"));
	EXPECT_EQ(-EINVAL, cfs_write("nodev", "dma_device", "../../devices"));
	EXPECT_EQ(0, cfs_rmdir("nodev"));

	/*
	 * Beyond the page allocator's largest block (4 MiB with 4 KiB pages):
	 * only CMA may have it. 16 MiB, or with no CMA twice the largest block
	 * where that is more (32 MiB with 16 KiB pages).
	 */
	ASSERT_LT(0, largest);
	if (!cma && largest * 2 > beyond)
		beyond = largest * 2;
	snprintf(s, sizeof(s), "%lldM", beyond / MIB);
	ASSERT_EQ(0, CTL(&r, "create", "--size", s, "--name", "huge", "--contiguous"));
	if (cma) {
		EXPECT_EQ(0, r.status);
	} else {
		EXPECT_EQ(1, r.status);
		EXPECT_ERROR_MESSAGE(r);
		EXPECT_FALSE(cfs_exists("huge"));
	}
	cfs_cleanup();
	ASSERT_NOTHING_MADE(self, "after removal");
}

TEST_F(ctl, mapperctl_create_picks_the_lowest_free_mapperN)
{
	struct run r;
	int n, fd;

	need_mapperctl(_metadata);
	/* a configfs item mapper2 (not enabled) keeps 2 from being picked */
	ASSERT_EQ(2, lowest_free_index());
	ASSERT_EQ(0, cfs_mkdir("mapper2"));
	ASSERT_EQ(0, CTL(&r, "create", "--size", "4K"));
	ASSERT_EQ(0, r.status);
	EXPECT_EQ(3, printed_index(r.out));
	EXPECT_TRUE(dev_is(3, "name", "mapper3"));
	ASSERT_EQ(0, cfs_rmdir("mapper2"));
	/* a buffer of another name holding index 2 */
	ASSERT_EQ(2, cfs_create("other", "4K", NULL, NULL));
	ASSERT_EQ(0, CTL(&r, "create", "--size", "4K"));
	ASSERT_EQ(0, r.status);
	EXPECT_EQ(4, printed_index(r.out));
	cfs_cleanup();

	/*
	 * Index 2 detached but open: no sysfs directory, no configfs item,
	 * yet enable of mapper2 is EBUSY; mapperctl goes on to the next and
	 * leaves no mapper2 item behind.
	 */
	ASSERT_EQ(2, cfs_create("old", "4K", NULL, NULL));
	fd = open_index(2, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, cfs_write("old", "detach", "1"));
	ASSERT_EQ(0, cfs_rmdir("old"));
	ASSERT_EQ(0, CTL(&r, "create", "--size", "4K"));
	ASSERT_EQ(0, r.status) {
		TH_LOG("stderr: %s", r.err);
	}
	n = printed_index(r.out);
	EXPECT_EQ(3, n);
	EXPECT_FALSE(cfs_exists("mapper2"));
	EXPECT_EQ(1, dir_count(CFS, ""));
	close(fd);
	cfs_cleanup();
	ASSERT_NOTHING_MADE(self, "after removal");
}

/* The whitespace-separated fields of the line of `list` whose first is @name. */
static int list_row(const char *out, const char *name, char fields[8][64])
{
	const char *line = out;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		char copy[512];
		int n;

		snprintf(copy, sizeof(copy), "%.*s", end ? (int)(end - line) : (int)strlen(line), line);
		n = sscanf(copy, "%63s %63s %63s %63s %63s %63s %63s %63s", fields[0], fields[1],
			   fields[2], fields[3], fields[4], fields[5], fields[6], fields[7]);
		if (n >= 1 && !strcmp(fields[0], name))
			return n;
		line = end ? end + 1 : NULL;
	}
	return 0;
}

/* JSON without whitespace outside strings, for simple matching. */
static void json_squeeze(const char *in, char *out, size_t len)
{
	int str = 0;
	size_t o = 0;

	for (const char *start = in; *in && o < len - 1; in++) {
		if (*in == '"' && (in == start || in[-1] != '\\'))
			str = !str;
		if (!str && isspace((unsigned char)*in))
			continue;
		out[o++] = *in;
	}
	out[o] = '\0';
}

/* The object of a squeezed JSON array that has "name":"@name", or NULL. */
static const char *json_object(const char *json, const char *name, char *obj, size_t len)
{
	char key[96];
	const char *p;

	snprintf(key, sizeof(key), "\"name\":\"%s\"", name);
	p = strstr(json, key);
	if (!p)
		return NULL;
	while (p > json && *p != '{')
		p--;
	snprintf(obj, len, "%.*s", (int)(strchr(p, '}') ? strchr(p, '}') - p + 1 : 0), p);
	return obj;
}

static int has(const char *obj, const char *member)
{
	size_t len = strlen(member);
	const char *p = obj;

	/* a whole member: followed by ',' or '}' */
	while ((p = strstr(p, member))) {
		if (p[len] == ',' || p[len] == '}')
			return 1;
		p++;
	}
	return 0;
}

TEST_F(ctl, mapperctl_list_shows_every_buffer_as_table_and_json)
{
	char f[8][64], json[16384], obj[1024], want[96];
	struct run r;
	void *p;
	int ring, fd;

	need_mapperctl(_metadata);
	ring = cfs_create("ring", "1M", "0", NULL);
	ASSERT_LE(0, ring);
	fd = open_index(ring, O_RDWR);
	ASSERT_LE(0, fd);
	p = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);

	ASSERT_EQ(0, CTL(&r, "list", "--bytes"));
	ASSERT_EQ(0, r.status);
	ASSERT_EQ(7, sscanf(r.out, "%63s %63s %63s %63s %63s %63s %63s", f[0], f[1], f[2], f[3],
			    f[4], f[5], f[6]));
	EXPECT_STREQ("NAME", f[0]);
	EXPECT_STREQ("DEVICE", f[1]);
	EXPECT_STREQ("SIZE", f[2]);
	EXPECT_STREQ("NODE", f[3]);
	EXPECT_STREQ("CACHE", f[4]);
	EXPECT_STREQ("MAPS", f[5]);
	EXPECT_STREQ("HOLDERS", f[6]);
	ASSERT_EQ(7, list_row(r.out, "ring", f));
	snprintf(want, sizeof(want), "/dev/mapper%d", ring);
	EXPECT_STREQ(want, f[1]);
	EXPECT_STREQ("1048576", f[2]);
	EXPECT_STREQ("0", f[3]);
	EXPECT_STREQ("cached", f[4]);
	EXPECT_STREQ("1", f[5]);
	EXPECT_STREQ("1", f[6]);
	ASSERT_EQ(7, list_row(r.out, "mapper0", f));	/* load-time buffers too */
	EXPECT_STREQ("/dev/mapper0", f[1]);
	EXPECT_STREQ("-", f[3]);
	EXPECT_STREQ("0", f[6]);
	/* without --bytes the size is for people ("1.0 MiB"), the rest the same */
	ASSERT_EQ(0, CTL(&r, "list"));
	ASSERT_EQ(0, r.status);
	ASSERT_LE(7, list_row(r.out, "ring", f)) {
		TH_LOG("%s", r.out);
	}
	EXPECT_STREQ(want, f[1]);
	EXPECT_STRNE("1048576", f[2]);

	ASSERT_EQ(0, CTL(&r, "list", "--json"));
	ASSERT_EQ(0, r.status);
	json_squeeze(r.out, json, sizeof(json));
	EXPECT_EQ('[', json[0]) {
		TH_LOG("json: %s", json);
	}
	EXPECT_EQ(']', json[strlen(json) - 1]);
	ASSERT_NE(NULL, json_object(json, "ring", obj, sizeof(obj))) {
		TH_LOG("json: %s", json);
	}
	snprintf(want, sizeof(want), "\"device\":\"/dev/mapper%d\"", ring);
	EXPECT_TRUE(has(obj, want)) {
		TH_LOG("%s", obj);
	}
	EXPECT_TRUE(has(obj, "\"size\":1048576"));
	EXPECT_TRUE(has(obj, "\"node\":0"));
	EXPECT_TRUE(has(obj, "\"cache\":\"cached\""));
	EXPECT_TRUE(has(obj, "\"maps\":1"));
	EXPECT_TRUE(has(obj, "\"holders\":1"));
	ASSERT_NE(NULL, json_object(json, "mapper1", obj, sizeof(obj)));
	EXPECT_TRUE(has(obj, "\"node\":-1")) {
		TH_LOG("%s", obj);
	}
	EXPECT_TRUE(has(obj, "\"device\":\"/dev/mapper1\""));
	munmap(p, page);
	close(fd);
	ASSERT_EQ(0, cfs_remove("ring"));
}

TEST_F(ctl, mapperctl_remove_strict_lazy_and_its_errors)
{
	char path[64];
	struct run r;
	unsigned char *p;
	int n, fd;

	need_mapperctl(_metadata);
	/* strict, by name: refused while open, the buffer intact */
	n = cfs_create("ring", "64K", NULL, NULL);
	ASSERT_LE(0, n);
	fd = open_index(n, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, CTL(&r, "remove", "ring"));
	EXPECT_EQ(1, r.status);
	EXPECT_ERROR_MESSAGE(r);
	EXPECT_NE(NULL, strstr(r.err, "busy")) {
		TH_LOG("stderr: %s", r.err);
	}
	EXPECT_TRUE(dev_present(n));
	EXPECT_TRUE(cfs_exists("ring"));
	close(fd);
	/* by device path */
	snprintf(path, sizeof(path), "/dev/mapper%d", n);
	ASSERT_EQ(0, CTL(&r, "remove", path));
	EXPECT_EQ(0, r.status) {
		TH_LOG("stderr: %s", r.err);
	}
	EXPECT_FALSE(dev_present(n));
	EXPECT_FALSE(cfs_exists("ring"));
	ASSERT_NOTHING_MADE(self, "after remove");

	/* lazy, while mapped */
	n = cfs_create("ring", "1M", NULL, NULL);
	ASSERT_LE(0, n);
	fd = open_index(n, O_RDWR);
	ASSERT_LE(0, fd);
	p = mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	close(fd);
	pat_fill(p, MIB, 40);
	ASSERT_EQ(0, CTL(&r, "remove", "--lazy", "ring"));
	EXPECT_EQ(0, r.status) {
		TH_LOG("stderr: %s", r.err);
	}
	EXPECT_FALSE(dev_present(n));
	EXPECT_FALSE(node_present(n));
	EXPECT_FALSE(cfs_exists("ring"));
	EXPECT_TRUE(pat_check(p, MIB, 40));
	EXPECT_EQ(self->base.total + MIB, total_bytes());
	munmap(p, MIB);
	ASSERT_NOTHING_MADE(self, "after remove --lazy and munmap");

	/* a /dev/mapper-by-name/ path, as udev makes it */
	n = cfs_create("named", "4K", NULL, NULL);
	ASSERT_LE(0, n);
	mkdir("/dev/mapper-by-name", 0755);
	snprintf(path, sizeof(path), "../mapper%d", n);
	ASSERT_EQ(0, symlink(path, "/dev/mapper-by-name/named"));
	ASSERT_EQ(0, CTL(&r, "remove", "/dev/mapper-by-name/named"));
	EXPECT_EQ(0, r.status) {
		TH_LOG("stderr: %s", r.err);
	}
	EXPECT_FALSE(cfs_exists("named"));
	unlink("/dev/mapper-by-name/named");
	rmdir("/dev/mapper-by-name");

	/* a load-time buffer goes with the module */
	ASSERT_EQ(0, CTL(&r, "remove", "mapper0"));
	EXPECT_EQ(1, r.status);
	EXPECT_ERROR_MESSAGE(r);
	EXPECT_NE(NULL, strstr(r.err, "module")) {
		TH_LOG("stderr: %s", r.err);
	}
	ASSERT_EQ(0, CTL(&r, "remove", "/dev/mapper1"));
	EXPECT_EQ(1, r.status);
	EXPECT_TRUE(dev_present(0));
	EXPECT_TRUE(dev_present(1));
	/* what does not exist */
	ASSERT_EQ(0, CTL(&r, "remove", "nosuch"));
	EXPECT_EQ(1, r.status);
	EXPECT_ERROR_MESSAGE(r);
	ASSERT_EQ(0, CTL(&r, "remove", "--lazy", "/dev/mapper99"));
	EXPECT_EQ(1, r.status);
	ASSERT_NOTHING_MADE(self, "after the failed removals");
}

TEST_F(ctl, mapperctl_usage_errors_exit_2_and_make_nothing)
{
	static const char *const cases[][6] = {
		{ NULL }, { "bogus" }, { "create" }, { "create", "--size" },
		{ "create", "--size", "abc" }, { "create", "--size", "1M", "--cache", "bogus" },
		{ "create", "--size", "1M", "--node", "abc" }, { "create", "--size", "1M", "extra" },
		{ "create", "--bogus" }, { "remove" }, { "remove", "a", "b" }, { "list", "--bogus" },
		{ "list", "extra" },
	};
	struct run r;

	need_mapperctl(_metadata);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *argv[8] = { MAPPERCTL };
		char what[128] = "";

		for (int k = 0; k < 6 && cases[i][k]; k++) {
			argv[k + 1] = cases[i][k];
			strcat(what, " ");
			strcat(what, cases[i][k]);
		}
		ASSERT_EQ(0, run_argv(&r, NULL, 0, argv));
		EXPECT_EQ(2, r.status) {
			TH_LOG("mapperctl%s: exit %d, stderr %s", what, r.status, r.err);
		}
		EXPECT_NE(0, strlen(r.err));
		EXPECT_STREQ("", r.out);
		ASSERT_NOTHING_MADE(self, what);
	}
}

TEST_F(ctl, mapperctl_failures_name_the_cause_and_leave_nothing)
{
	static const char *const bad[][8] = {
		{ "create", "--size", "0" },
		{ "create", "--size", "64G" },		/* beyond limit_bytes */
		{ "create", "--size", "1M", "--name", "Bad.Name" },
		{ "create", "--size", "1M", "--name", "abcdefghijklmnopqrstuvwxyz_0-9zz" },
		{ "create", "--size", "1M", "--name", "mapper0" },	/* a load-time name */
		{ "create", "--size", "1M", "--node", "99" },
	};
	struct run r;

	need_mapperctl(_metadata);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *argv[10] = { MAPPERCTL };

		for (int k = 0; k < 8 && bad[i][k]; k++)
			argv[k + 1] = bad[i][k];
		ASSERT_EQ(0, run_argv(&r, NULL, 0, argv));
		EXPECT_TRUE(r.status == 1 || r.status == 2) {
			TH_LOG("case %zu: exit %d", i, r.status);
		}
		EXPECT_ERROR_MESSAGE(r);
		TH_LOG("mapperctl %s %s %s %s %s -> %d: %s", bad[i][0], bad[i][1], bad[i][2],
		       bad[i][3] ? bad[i][3] : "", bad[i][4] ? bad[i][4] : "", r.status, r.err);
		ASSERT_NOTHING_MADE(self, "after a failed create");
	}
	/* over the guard: a runtime error */
	ASSERT_EQ(0, CTL(&r, "create", "--size", "64G"));
	EXPECT_EQ(1, r.status);
	/* not root, or root without CAP_SYS_ADMIN */
	for (int how = 1; how <= 2; how++) {
		ASSERT_EQ(0, CTL_AS(&r, how, "create", "--size", "1M"));
		EXPECT_EQ(1, r.status) {
			TH_LOG("privileges dropped (%d): exit %d, %s", how, r.status, r.err);
		}
		EXPECT_ERROR_MESSAGE(r);
		ASSERT_NOTHING_MADE(self, "after an unprivileged create");
	}
	ASSERT_LE(0, cfs_create("keep", "4K", NULL, NULL));
	ASSERT_EQ(0, CTL_AS(&r, 2, "remove", "keep"));
	EXPECT_EQ(1, r.status);
	EXPECT_TRUE(cfs_exists("keep"));
	EXPECT_LE(0, index_of("keep"));
	ASSERT_EQ(0, cfs_remove("keep"));
}

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int ok;

	if (fd < 0)
		return -1;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok ? 0 : -1;
}

TEST_F(ctl, mapperctl_apply_creates_what_is_missing_and_is_idempotent)
{
	const char *conf = "/tmp/mapper-apply.conf";
	struct snap s;
	struct run r;
	char text[32];
	int ring, frames, staging;

	need_mapperctl(_metadata);
	ASSERT_EQ(0, write_text(conf,
		"# buffers of the test\n"
		"\n"
		"ring 1M\n"
		"frames   2M node=0   # a comment\n"
		"staging 64K node=0 node-fallback cache=cached\n"));
	ASSERT_EQ(0, CTL(&r, "apply", conf));
	ASSERT_EQ(0, r.status) {
		TH_LOG("stderr: %s", r.err);
	}
	ring = index_of("ring");
	frames = index_of("frames");
	staging = index_of("staging");
	ASSERT_LE(0, ring);
	ASSERT_LE(0, frames);
	ASSERT_LE(0, staging);
	EXPECT_EQ(MIB, dev_ll(ring, "size"));
	EXPECT_EQ(-1, dev_ll(ring, "node"));
	EXPECT_EQ(2 * MIB, dev_ll(frames, "size"));
	EXPECT_EQ(0, dev_ll(frames, "node"));
	EXPECT_EQ(65536, dev_ll(staging, "size"));
	EXPECT_EQ(1, cfs_ll("staging", "node_fallback"));
	ASSERT_EQ(0, cfs_read("staging", "cache", text, sizeof(text)));
	EXPECT_STREQ("cached", text);

	/* again: nothing new, nothing changed */
	s = snap_take();
	ASSERT_EQ(0, CTL(&r, "apply", conf));
	EXPECT_EQ(0, r.status) {
		TH_LOG("stderr: %s", r.err);
	}
	EXPECT_TRUE(snap_same(s, snap_take()));
	EXPECT_EQ(ring, index_of("ring"));

	/* a buffer that differs is reported and left alone; the rest applies */
	ASSERT_EQ(0, write_text(conf, "ring 2M\nextra 4K\n"));
	ASSERT_EQ(0, CTL(&r, "apply", conf));
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, "ring")) {
		TH_LOG("stderr: %s", r.err);
	}
	EXPECT_EQ(MIB, dev_ll(index_of("ring"), "size"));
	EXPECT_LE(0, index_of("extra"));

	/* from standard input */
	ASSERT_EQ(0, CTL_IN(&r, "piped 8K\n", "apply", "-"));
	EXPECT_EQ(0, r.status);
	EXPECT_EQ(PAGES(8192), dev_ll(index_of("piped"), "size"));

	/* a line that is not a buffer: an error, nothing made of it */
	s = snap_take();
	ASSERT_EQ(0, CTL_IN(&r, "lonely\n", "apply", "-"));
	EXPECT_NE(0, r.status);
	EXPECT_NE(0, strlen(r.err));
	EXPECT_TRUE(snap_same(s, snap_take()));
	unlink(conf);
	cfs_cleanup();
	ASSERT_NOTHING_MADE(self, "after removal");
}

TEST_F(ctl, mapperctl_apply_reads_etc_mapper_conf_then_mapper_d_in_order)
{
	struct run r;
	int a, b, c;

	need_mapperctl(_metadata);
	mkdir("/etc", 0755);
	mkdir("/etc/mapper.d", 0755);
	ASSERT_EQ(0, write_text("/etc/mapper.conf", "first 4K\n"));
	ASSERT_EQ(0, write_text("/etc/mapper.d/20-b.conf", "third 4K\n"));
	ASSERT_EQ(0, write_text("/etc/mapper.d/10-a.conf", "second 4K\n"));
	ASSERT_EQ(0, write_text("/etc/mapper.d/30-c.conf.off", "ignored 4K\n"));
	ASSERT_EQ(0, CTL(&r, "apply"));
	EXPECT_EQ(0, r.status) {
		TH_LOG("stderr: %s", r.err);
	}
	a = index_of("first");
	b = index_of("second");
	c = index_of("third");
	EXPECT_LE(0, a);
	EXPECT_LT(a, b);	/* created in that order: each the lowest free index */
	EXPECT_LT(b, c);
	EXPECT_EQ(-1, index_of("ignored"));
	unlink("/etc/mapper.conf");
	unlink("/etc/mapper.d/20-b.conf");
	unlink("/etc/mapper.d/10-a.conf");
	unlink("/etc/mapper.d/30-c.conf.off");
	rmdir("/etc/mapper.d");
	cfs_cleanup();
	ASSERT_NOTHING_MADE(self, "after removal");
}

TEST_F(ctl, mapperctl_mounts_configfs_when_it_is_not)
{
	struct run r;
	int n;

	need_mapperctl(_metadata);
	ASSERT_EQ(0, umount("/sys/kernel/config"));
	ASSERT_FALSE(exists(CFS));
	ASSERT_EQ(0, CTL(&r, "create", "--size", "4K", "--name", "mounted"));
	EXPECT_EQ(0, r.status) {
		TH_LOG("stderr: %s", r.err);
	}
	EXPECT_TRUE(exists(CFS));
	n = index_of("mounted");
	EXPECT_LE(0, n);
	ASSERT_EQ(0, configfs_mount());
	ASSERT_EQ(0, umount("/sys/kernel/config"));
	ASSERT_EQ(0, CTL(&r, "remove", "mounted"));
	EXPECT_EQ(0, r.status) {
		TH_LOG("stderr: %s", r.err);
	}
	EXPECT_EQ(-1, index_of("mounted"));
	ASSERT_EQ(0, configfs_mount());
	ASSERT_NOTHING_MADE(self, "after removal");
}

TEST_F(ctl, mapperctl_says_how_to_load_mapper_when_it_is_not)
{
	static const char *const cmds[][4] = {
		{ "create", "--size", "4K" }, { "list" }, { "remove", "x" }, { "apply", "-" },
	};
	struct run r;

	need_mapperctl(_metadata);
	self->reloads = 1;
	cfs_cleanup();
	ASSERT_EQ(0, unload());
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		const char *argv[6] = { MAPPERCTL };

		for (int k = 0; k < 4 && cmds[i][k]; k++)
			argv[k + 1] = cmds[i][k];
		ASSERT_EQ(0, run_argv(&r, "x 4K\n", 0, argv));
		EXPECT_EQ(1, r.status) {
			TH_LOG("mapperctl %s: exit %d", cmds[i][0], r.status);
		}
		EXPECT_NE(NULL, strstr(r.err, "mapper is not loaded (modprobe mapper)")) {
			TH_LOG("mapperctl %s: stderr %s", cmds[i][0], r.err);
		}
		EXPECT_FALSE(loaded());
	}
	ASSERT_EQ(0, load(DEFAULT_PARAMS));
}

TEST_HARNESS_MAIN
