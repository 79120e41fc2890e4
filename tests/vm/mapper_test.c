// SPDX-License-Identifier: GPL-2.0
/*
 * The in-VM suite: every behaviour of mapper.ko that user space can see, one
 * test each, named after what it proves. Runs as root inside the test VM with
 * mapper loaded as "devices=2" (default size, 1 MiB), and leaves it loaded
 * that way. Output is TAP, from the kernel's kselftest harness.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vm_util.h"
#include "mapper.h"
#include "mapper_sample.h"

#define MIB		(1024UL * 1024)
#define DEFAULT_SIZE	MIB		/* the module's default size= */
#define DEFAULT_PARAMS	"devices=2"

static long page;
#define ROUND_UP(x, to)	(((x) + (to) - 1) / (to) * (to))

/* ---- helpers ------------------------------------------------------------ */

static int open_dev(int n, int flags)
{
	char path[32];

	snprintf(path, sizeof(path), "/dev/mapper%d", n);
	return open(path, flags | O_CLOEXEC);
}

static int get_info(int fd, struct mapper_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	return ioctl(fd, MAPPER_IOC_INFO, info);
}

static long sysfs_long(int n, const char *attr)
{
	char path[64], text[32] = "";
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/mapper/mapper%d/%s", n, attr);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(text, sizeof(text), f))
		v = strtol(text, NULL, 10);
	fclose(f);
	return v;
}

/* The pattern of @seed at offset @base on: fill() and check() start at 0. */
static void fill_at(unsigned char *p, size_t len, unsigned int seed, size_t base)
{
	for (size_t i = base; i < base + len; i++)
		p[i - base] = (unsigned char)((i * 131 + seed * 7 + (i >> 12)) ^ seed);
}

static int check_at(const unsigned char *p, size_t len, unsigned int seed, size_t base)
{
	for (size_t i = base; i < base + len; i++)
		if (p[i - base] != (unsigned char)((i * 131 + seed * 7 + (i >> 12)) ^ seed))
			return 0;
	return 1;
}

static void fill(unsigned char *p, size_t len, unsigned int seed)
{
	fill_at(p, len, seed, 0);
}

static int check(const unsigned char *p, size_t len, unsigned int seed)
{
	return check_at(p, len, seed, 0);
}

static int wait_child(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- the buffer --------------------------------------------------------- */

TEST(buffer_starts_zeroed)
{
	for (int n = 0; n < 2; n++) {
		int fd = open_dev(n, O_RDWR);
		unsigned char *p, *q;

		ASSERT_LE(0, fd);
		p = mmap(NULL, DEFAULT_SIZE, PROT_READ, MAP_SHARED, fd, 0);
		ASSERT_NE(MAP_FAILED, p);
		q = malloc(DEFAULT_SIZE);
		ASSERT_NE(NULL, q);
		memset(q, 0xa5, DEFAULT_SIZE);
		ASSERT_EQ((ssize_t)DEFAULT_SIZE, pread(fd, q, DEFAULT_SIZE, 0));
		for (size_t i = 0; i < DEFAULT_SIZE; i++) {
			ASSERT_EQ(0, p[i]);
			ASSERT_EQ(0, q[i]);
		}
		munmap(p, DEFAULT_SIZE);
		free(q);
		close(fd);
	}
}

TEST(nodes_and_sysfs_exist)
{
	struct stat st;

	for (int n = 0; n < 2; n++) {
		char path[64];

		snprintf(path, sizeof(path), "/dev/mapper%d", n);
		ASSERT_EQ(0, stat(path, &st));
		ASSERT_TRUE(S_ISCHR(st.st_mode));
		snprintf(path, sizeof(path), "/sys/class/mapper/mapper%d/dev", n);
		ASSERT_EQ(0, access(path, R_OK));
		ASSERT_EQ((long)DEFAULT_SIZE, sysfs_long(n, "size"));
		ASSERT_EQ(0, sysfs_long(n, "maps"));
	}
	ASSERT_NE(0, access("/dev/mapper2", F_OK));
	/* device-mapper's directory is not ours */
	ASSERT_NE(0, access("/dev/mapper/mapper0", F_OK));
}

/* ---- ioctl -------------------------------------------------------------- */

TEST(info_reports_size_page_size_index_and_maps)
{
	struct mapper_info info;
	int fd = open_dev(1, O_RDWR);
	void *p, *q;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, get_info(fd, &info));
	EXPECT_EQ(sizeof(info), info.argsz);
	EXPECT_EQ(MAPPER_INFO_VERSION, info.version);
	EXPECT_EQ(DEFAULT_SIZE, info.buf_size);
	EXPECT_EQ(page, info.page_size);
	EXPECT_EQ(1, info.index);
	EXPECT_EQ(0, info.maps);

	p = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	q = mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd, page);
	ASSERT_NE(MAP_FAILED, q);
	ASSERT_EQ(0, get_info(fd, &info));
	EXPECT_EQ(2, info.maps);
	EXPECT_EQ(2, sysfs_long(1, "maps"));
	munmap(p, page);
	munmap(q, page);
	ASSERT_EQ(0, get_info(fd, &info));
	EXPECT_EQ(0, info.maps);
	EXPECT_EQ(0, sysfs_long(1, "maps"));
	close(fd);
}

TEST(info_with_old_short_struct_writes_no_further)
{
	unsigned char raw[sizeof(struct mapper_info) + 16];
	struct mapper_info *info = (void *)raw;
	int fd = open_dev(0, O_RDONLY);

	ASSERT_LE(0, fd);
	memset(raw, 0xee, sizeof(raw));
	info->argsz = MAPPER_INFO_SIZE_V1;
	ASSERT_EQ(0, ioctl(fd, MAPPER_IOC_INFO, raw));
	EXPECT_EQ(sizeof(struct mapper_info), info->argsz);
	EXPECT_EQ(DEFAULT_SIZE, info->buf_size);
	for (size_t i = MAPPER_INFO_SIZE_V1; i < sizeof(raw); i++)
		ASSERT_EQ(0xee, raw[i]);
	close(fd);
}

/* The number is frozen: 0.1.0's, whatever size the structure grows to. */
TEST(info_command_number_is_frozen)
{
	EXPECT_EQ(80, _IOC_SIZE(MAPPER_IOC_INFO));
	EXPECT_EQ(_IOC_READ | _IOC_WRITE, _IOC_DIR(MAPPER_IOC_INFO));
	EXPECT_EQ(MAPPER_IOC_MAGIC, _IOC_TYPE(MAPPER_IOC_INFO));
	EXPECT_EQ(0, _IOC_NR(MAPPER_IOC_INFO));
	EXPECT_EQ(0xc050d700, MAPPER_IOC_INFO);
}

/* A binary built against 0.1.0's header: its number encoded 80 bytes. */
TEST(info_of_a_0_1_binary_still_works)
{
	/* struct mapper_info as 0.1.0 defined it, and its command number */
	struct {
		__u32 argsz, version;
		__u64 buf_size;
		__u32 page_size, index;
		__u64 maps, events, flags, reserved[4];
	} old = { .argsz = 80 };
	const unsigned long cmd_0_1 = _IOWR(MAPPER_IOC_MAGIC, 0x00, typeof(old));
	int fd = open_dev(1, O_RDONLY);

	ASSERT_EQ(80, sizeof(old));
	ASSERT_EQ(MAPPER_IOC_INFO, cmd_0_1);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, cmd_0_1, &old));
	EXPECT_EQ(sizeof(struct mapper_info), old.argsz);
	EXPECT_EQ(DEFAULT_SIZE, old.buf_size);
	EXPECT_EQ(page, old.page_size);
	EXPECT_EQ(1, old.index);
	/*
	 * 0.1.0 knew NOTIFY; capability bits only ever add: SYNC since 0.4.0,
	 * and DMABUF where the kernel has dma-buf (dmabuf_test checks it).
	 */
	EXPECT_EQ(MAPPER_INFO_F_NOTIFY | MAPPER_INFO_F_SYNC, old.flags & ~MAPPER_INFO_F_DMABUF);
	close(fd);
}

/* A caller built against a future, larger structure: served what is known. */
TEST(info_with_larger_future_struct_fills_what_the_module_knows)
{
	unsigned char raw[4096];
	struct mapper_info *info = (void *)raw;
	int fd = open_dev(1, O_RDONLY);

	ASSERT_LE(0, fd);
	memset(raw, 0xee, sizeof(raw));
	info->argsz = sizeof(raw);
	ASSERT_EQ(0, ioctl(fd, MAPPER_IOC_INFO, raw));
	EXPECT_EQ(sizeof(struct mapper_info), info->argsz);
	EXPECT_EQ(MAPPER_INFO_VERSION, info->version);
	EXPECT_EQ(DEFAULT_SIZE, info->buf_size);
	EXPECT_EQ(1, info->index);
	/* what the module does not know, it leaves alone */
	for (size_t i = sizeof(struct mapper_info); i < sizeof(raw); i++)
		ASSERT_EQ(0xee, raw[i]);
	close(fd);
}

TEST(info_with_too_small_argsz_is_einval)
{
	struct mapper_info info = { .argsz = MAPPER_INFO_SIZE_V1 - 1 };
	int fd = open_dev(0, O_RDONLY);

	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, ioctl(fd, MAPPER_IOC_INFO, &info));
	ASSERT_EQ(EINVAL, errno);
	close(fd);
}

TEST(info_with_bad_pointer_is_efault)
{
	int fd = open_dev(0, O_RDONLY);
	struct mapper_info *ro;

	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, ioctl(fd, MAPPER_IOC_INFO, NULL));
	ASSERT_EQ(EFAULT, errno);
	ASSERT_EQ(-1, ioctl(fd, MAPPER_IOC_INFO, (void *)-4096L));
	ASSERT_EQ(EFAULT, errno);
	/* a valid argsz that cannot be written back */
	ro = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	ro->argsz = sizeof(*ro);
	ASSERT_EQ(0, mprotect(ro, page, PROT_READ));
	ASSERT_EQ(-1, ioctl(fd, MAPPER_IOC_INFO, ro));
	ASSERT_EQ(EFAULT, errno);
	munmap(ro, page);
	close(fd);
}

TEST(unknown_ioctl_is_enotty)
{
	int fd = open_dev(0, O_RDWR);
	struct mapper_info info = { .argsz = sizeof(info) };

	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, ioctl(fd, _IOWR(MAPPER_IOC_MAGIC, 0x7f, struct mapper_info), &info));
	ASSERT_EQ(ENOTTY, errno);
	ASSERT_EQ(-1, ioctl(fd, _IOR(MAPPER_IOC_MAGIC, 0x00, __u32), &info));
	ASSERT_EQ(ENOTTY, errno);
	/* the frozen number only: no other size or direction */
	ASSERT_EQ(-1, ioctl(fd, _IOWR(MAPPER_IOC_MAGIC, 0x00, __u64[12]), &info));
	ASSERT_EQ(ENOTTY, errno);
	ASSERT_EQ(-1, ioctl(fd, _IO(MAPPER_IOC_MAGIC, 0x00), &info));
	ASSERT_EQ(ENOTTY, errno);
	ASSERT_EQ(-1, ioctl(fd, _IOW(MAPPER_IOC_MAGIC, 0x00, struct mapper_info), &info));
	ASSERT_EQ(ENOTTY, errno);
	ASSERT_EQ(-1, ioctl(fd, _IO(MAPPER_IOC_MAGIC, 0x01), &info));
	ASSERT_EQ(ENOTTY, errno);
	ASSERT_EQ(-1, ioctl(fd, 0xdeadbeef, (void *)1));
	ASSERT_EQ(ENOTTY, errno);
	close(fd);
}

/* ---- read, write, llseek ------------------------------------------------ */

TEST(read_write_use_file_offsets)
{
	unsigned char in[3 * 4096], out[3 * 4096];
	int fd = open_dev(0, O_RDWR);

	ASSERT_LE(0, fd);
	fill(out, sizeof(out), 1);
	ASSERT_EQ(100, lseek(fd, 100, SEEK_SET));
	ASSERT_EQ((ssize_t)sizeof(out), write(fd, out, sizeof(out)));
	ASSERT_EQ(100 + (off_t)sizeof(out), lseek(fd, 0, SEEK_CUR));
	ASSERT_EQ((ssize_t)sizeof(in), pread(fd, in, sizeof(in), 100));
	ASSERT_EQ(0, memcmp(in, out, sizeof(in)));
	close(fd);
}

TEST(read_at_or_past_end_returns_zero)
{
	char c[16];
	int fd = open_dev(0, O_RDWR);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pread(fd, c, sizeof(c), DEFAULT_SIZE));
	ASSERT_EQ(0, pread(fd, c, sizeof(c), DEFAULT_SIZE + 12345));
	ASSERT_EQ(4, pread(fd, c, sizeof(c), DEFAULT_SIZE - 4));
	ASSERT_EQ((off_t)DEFAULT_SIZE, lseek(fd, 0, SEEK_END));
	ASSERT_EQ(0, read(fd, c, sizeof(c)));
	close(fd);
}

TEST(write_crossing_end_is_short_and_at_end_is_enospc)
{
	char c[16] = "0123456789abcdef";
	int fd = open_dev(0, O_RDWR);

	ASSERT_LE(0, fd);
	ASSERT_EQ(6, pwrite(fd, c, sizeof(c), DEFAULT_SIZE - 6));
	ASSERT_EQ(-1, pwrite(fd, c, sizeof(c), DEFAULT_SIZE));
	ASSERT_EQ(ENOSPC, errno);
	ASSERT_EQ(-1, pwrite(fd, c, sizeof(c), DEFAULT_SIZE + 4096));
	ASSERT_EQ(ENOSPC, errno);
	ASSERT_EQ(0, pwrite(fd, c, 0, DEFAULT_SIZE));
	close(fd);
}

TEST(readv_writev_scatter_and_gather)
{
	char a[10], b[4000], c[200], x[10], y[4000], z[200];
	struct iovec out[] = { { a, sizeof(a) }, { b, sizeof(b) }, { c, sizeof(c) } };
	struct iovec in[] = { { x, sizeof(x) }, { y, sizeof(y) }, { z, sizeof(z) } };
	int fd = open_dev(0, O_RDWR);

	ASSERT_LE(0, fd);
	fill((void *)a, sizeof(a), 3);
	fill((void *)b, sizeof(b), 4);
	fill((void *)c, sizeof(c), 5);
	ASSERT_EQ(4210, pwritev(fd, out, 3, 4090));
	ASSERT_EQ(4210, preadv(fd, in, 3, 4090));
	ASSERT_EQ(0, memcmp(a, x, sizeof(a)));
	ASSERT_EQ(0, memcmp(b, y, sizeof(b)));
	ASSERT_EQ(0, memcmp(c, z, sizeof(c)));
	close(fd);
}

TEST(read_write_with_bad_pointer_is_efault)
{
	int fd = open_dev(0, O_RDWR);
	char *volatile null = NULL;	/* hidden from the compiler's checks */

	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, pread(fd, null, 16, 0));
	ASSERT_EQ(EFAULT, errno);
	ASSERT_EQ(-1, pwrite(fd, (void *)-4096L, 16, 0));
	ASSERT_EQ(EFAULT, errno);
	close(fd);
}

TEST(llseek_stays_within_buffer)
{
	int fd = open_dev(0, O_RDONLY);
	off_t sz = DEFAULT_SIZE;

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, lseek(fd, 0, SEEK_SET));
	EXPECT_EQ(sz, lseek(fd, sz, SEEK_SET));
	EXPECT_EQ(-1, lseek(fd, sz + 1, SEEK_SET));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, lseek(fd, -1, SEEK_SET));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(10, lseek(fd, 10, SEEK_SET));
	EXPECT_EQ(15, lseek(fd, 5, SEEK_CUR));
	EXPECT_EQ(-1, lseek(fd, -16, SEEK_CUR));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(sz, lseek(fd, 0, SEEK_END));
	EXPECT_EQ(0, lseek(fd, -sz, SEEK_END));
	EXPECT_EQ(-1, lseek(fd, 1, SEEK_END));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, lseek(fd, 0, SEEK_DATA));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, lseek(fd, 0, 42));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

/*
 * The buffer is the storage: fsync(), fdatasync() and msync(MS_SYNC) succeed
 * (numpy's memmap.flush(), Python's mmap.flush() and fio's --fsync call them),
 * on read-only and write-only descriptors too, and lose nothing.
 */
TEST(fsync_fdatasync_and_msync_succeed_and_keep_the_data)
{
	int fd = open_dev(0, O_RDWR), ro = open_dev(0, O_RDONLY), wo = open_dev(0, O_WRONLY);
	unsigned char *p, back[4096];

	ASSERT_LE(0, fd);
	ASSERT_LE(0, ro);
	ASSERT_LE(0, wo);
	p = mmap(NULL, DEFAULT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill(p, DEFAULT_SIZE, 21);
	EXPECT_EQ(0, msync(p, DEFAULT_SIZE, MS_SYNC));
	EXPECT_EQ(0, msync(p + page, page, MS_SYNC | MS_INVALIDATE));
	EXPECT_EQ(0, msync(p, DEFAULT_SIZE, MS_ASYNC));
	EXPECT_EQ(0, fsync(fd));
	EXPECT_EQ(0, fdatasync(fd));
	EXPECT_EQ(0, fsync(ro));
	EXPECT_EQ(0, fdatasync(wo));
	ASSERT_EQ(sizeof(back), pread(ro, back, sizeof(back), DEFAULT_SIZE - sizeof(back)));
	EXPECT_EQ(0, memcmp(back, p + DEFAULT_SIZE - sizeof(back), sizeof(back)));
	EXPECT_TRUE(check(p, DEFAULT_SIZE, 21));
	munmap(p, DEFAULT_SIZE);
	/* a private mapping's msync is the mm's business: it must not fail either */
	p = mmap(NULL, DEFAULT_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	p[0] ^= 1;
	EXPECT_EQ(0, msync(p, DEFAULT_SIZE, MS_SYNC));
	munmap(p, DEFAULT_SIZE);
	close(wo);
	close(ro);
	close(fd);
}

/* How a user gets the size without the ioctl: lseek(SEEK_END), or sysfs. */
TEST(size_is_found_with_lseek_and_sysfs)
{
	int fd = open_dev(1, O_RDONLY);
	struct stat st;

	ASSERT_LE(0, fd);
	EXPECT_EQ(DEFAULT_SIZE, lseek(fd, 0, SEEK_END));
	EXPECT_EQ(DEFAULT_SIZE, sysfs_long(1, "size"));
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	close(fd);
}

/* ---- mmap --------------------------------------------------------------- */

TEST(shared_mapping_is_coherent_with_read_and_write)
{
	unsigned char buf[8192];
	int fd = open_dev(0, O_RDWR);
	unsigned char *p;

	ASSERT_LE(0, fd);
	p = mmap(NULL, DEFAULT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill(p + 5000, sizeof(buf), 7);
	ASSERT_EQ((ssize_t)sizeof(buf), pread(fd, buf, sizeof(buf), 5000));
	ASSERT_TRUE(check(buf, sizeof(buf), 7));
	fill(buf, sizeof(buf), 8);
	ASSERT_EQ((ssize_t)sizeof(buf), pwrite(fd, buf, sizeof(buf), DEFAULT_SIZE - sizeof(buf)));
	ASSERT_TRUE(check(p + DEFAULT_SIZE - sizeof(buf), sizeof(buf), 8));
	munmap(p, DEFAULT_SIZE);
	close(fd);
}

TEST(two_processes_share_one_buffer)
{
	int fd = open_dev(0, O_RDWR), go[2], done[2];
	volatile unsigned char *p;
	pid_t pid;
	char c;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(done));
	p = mmap(NULL, DEFAULT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	p[3 * page] = 0;
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* an independent open and mapping, not the inherited one */
		int cfd = open_dev(0, O_RDWR);
		volatile unsigned char *q = mmap(NULL, DEFAULT_SIZE, PROT_READ | PROT_WRITE,
						 MAP_SHARED, cfd, 0);

		if (cfd < 0 || q == MAP_FAILED)
			_exit(1);
		q[3 * page] = 0x5a;
		if (write(done[1], "x", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(2);
		_exit(q[3 * page + 1] == 0xa5 ? 0 : 3);
	}
	ASSERT_EQ(1, read(done[0], &c, 1));
	ASSERT_EQ(0x5a, p[3 * page]);
	p[3 * page + 1] = 0xa5;
	ASSERT_EQ(1, write(go[1], "x", 1));
	ASSERT_EQ(0, wait_child(pid));
	munmap((void *)p, DEFAULT_SIZE);
	close(fd);
}

TEST(private_mapping_is_copy_on_write)
{
	int fd = open_dev(0, O_RDWR);
	unsigned char *shared, *priv, c;

	ASSERT_LE(0, fd);
	shared = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	priv = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ASSERT_NE(MAP_FAILED, shared);
	ASSERT_NE(MAP_FAILED, priv);

	shared[0] = 'S';
	ASSERT_EQ('S', priv[0]);	/* reads see the buffer */
	priv[0] = 'P';			/* the write copies the page */
	ASSERT_EQ('S', shared[0]);
	ASSERT_EQ(1, pread(fd, &c, 1, 0));
	ASSERT_EQ('S', c);
	ASSERT_EQ('P', priv[0]);
	shared[0] = 'T';		/* the private copy no longer follows */
	ASSERT_EQ('P', priv[0]);
	shared[page] = 'U';		/* an untouched page still does */
	ASSERT_EQ('U', priv[page]);
	munmap(shared, 4 * page);
	munmap(priv, 4 * page);
	close(fd);
}

TEST(private_mapping_of_read_only_fd_is_writable_copy)
{
	int fd = open_dev(0, O_RDONLY);
	unsigned char *priv, c;

	ASSERT_LE(0, fd);
	ASSERT_EQ(MAP_FAILED, mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
	ASSERT_EQ(EACCES, errno);
	priv = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ASSERT_NE(MAP_FAILED, priv);
	ASSERT_EQ(1, pread(fd, &c, 1, 1));
	priv[1] = c + 1;
	ASSERT_EQ(1, pread(fd, &c, 1, 1));
	ASSERT_NE(c, priv[1]);
	munmap(priv, page);
	close(fd);
}

TEST(mmap_offset_selects_starting_page)
{
	int fd = open_dev(0, O_RDWR);
	unsigned char *p, *whole;

	ASSERT_LE(0, fd);
	whole = mmap(NULL, DEFAULT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, whole);
	for (long i = 0; i < (long)(DEFAULT_SIZE / page); i++)
		whole[i * page] = (unsigned char)i;
	p = mmap(NULL, 2 * page, PROT_READ, MAP_SHARED, fd, 17 * page);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(17, p[0]);
	ASSERT_EQ(18, p[page]);
	munmap(p, 2 * page);
	/* the very last page */
	p = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, DEFAULT_SIZE - page);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ((unsigned char)(DEFAULT_SIZE / page - 1), p[0]);
	munmap(p, page);
	munmap(whole, DEFAULT_SIZE);
	close(fd);
}

TEST(mmap_reaching_past_end_is_einval)
{
	int fd = open_dev(0, O_RDWR), kmsg = kmsg_open();
	char line[512] = "";
	struct {
		size_t len;
		off_t off;
	} bad[] = {
		{ DEFAULT_SIZE + page, 0 },		/* longer than the buffer */
		{ 2 * page, DEFAULT_SIZE - page },	/* starts inside, ends outside */
		{ page, DEFAULT_SIZE },			/* starts at the end */
		{ page, (off_t)1 << 50 },		/* far away */
		{ page, (off_t)1 << 62 },		/* near the largest offset */
	};

	ASSERT_LE(0, fd);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		EXPECT_EQ(MAP_FAILED, mmap(NULL, bad[i].len, PROT_READ, MAP_SHARED, fd, bad[i].off)) {
			TH_LOG("case %zu mapped", i);
		}
		EXPECT_EQ(EINVAL, errno) {
			TH_LOG("case %zu: errno %d", i, errno);
		}
		EXPECT_EQ(MAP_FAILED, mmap(NULL, bad[i].len, PROT_READ, MAP_PRIVATE, fd, bad[i].off));
	}
	/* The refusal is explained in the kernel log. */
	ASSERT_LE(1, kmsg_lines(kmsg, "outside the", line, sizeof(line)));
	TH_LOG("dmesg: %s", line);
	ASSERT_EQ(0, sysfs_long(0, "maps"));
	close(kmsg);
	close(fd);
}

TEST(mmap_offset_overflow_is_refused)
{
	int fd = open_dev(0, O_RDWR);

	ASSERT_LE(0, fd);
	/* offset + length wraps around: the mm core refuses it before mapper */
	ASSERT_EQ(MAP_FAILED, mmap(NULL, 4 * page, PROT_READ, MAP_SHARED, fd, -page));
	ASSERT_TRUE(errno == EOVERFLOW || errno == EINVAL);
	ASSERT_EQ(MAP_FAILED, mmap(NULL, 0, PROT_READ, MAP_SHARED, fd, 0));
	ASSERT_EQ(EINVAL, errno);
	close(fd);
}

TEST(mremap_cannot_grow_a_mapping)
{
	int fd = open_dev(0, O_RDWR);
	unsigned char *p, *q;

	ASSERT_LE(0, fd);
	p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(MAP_FAILED, mremap(p, 2 * page, 4 * page, 0));
	ASSERT_EQ(MAP_FAILED, mremap(p, 2 * page, 4 * page, MREMAP_MAYMOVE));
	ASSERT_EQ(EFAULT, errno);
	/* moving and shrinking are fine, and the data moves along */
	p[page] = 0x77;
	q = mremap(p, 2 * page, 2 * page, MREMAP_MAYMOVE | MREMAP_FIXED,
		   mmap(NULL, 2 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	ASSERT_NE(MAP_FAILED, q);
	ASSERT_EQ(0x77, q[page]);
	ASSERT_EQ(1, sysfs_long(0, "maps"));
	ASSERT_EQ(q, mremap(q, 2 * page, page, 0));
	munmap(q, page);
	ASSERT_EQ(0, sysfs_long(0, "maps"));
	close(fd);
}

TEST(prot_exec_is_refused_and_cannot_be_added)
{
	int fd = open_dev(0, O_RDWR);
	void *p;

	ASSERT_LE(0, fd);
	ASSERT_EQ(MAP_FAILED, mmap(NULL, page, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0));
	ASSERT_EQ(EPERM, errno);
	ASSERT_EQ(MAP_FAILED, mmap(NULL, page, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0));
	ASSERT_EQ(EPERM, errno);
	p = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(-1, mprotect(p, page, PROT_READ | PROT_EXEC));
	ASSERT_EQ(EACCES, errno);
	munmap(p, page);
	ASSERT_EQ(0, sysfs_long(0, "maps"));
	close(fd);
}

/* The VmFlags line of this mapping in /proc/self/smaps, and its maps line. */
static int find_mapping(void *addr, char *maps_line, size_t mlen, char *flags, size_t flen)
{
	char line[512], start[32];
	int found = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return 0;
	snprintf(start, sizeof(start), "%lx-", (unsigned long)addr);
	while (fgets(line, sizeof(line), f)) {
		if (!found && !strncmp(line, start, strlen(start))) {
			found = 1;
			snprintf(maps_line, mlen, "%s", line);
		} else if (found && !strncmp(line, "VmFlags:", 8)) {
			snprintf(flags, flen, "%s", line);
			break;
		}
	}
	fclose(f);
	return found;
}

TEST(mapping_is_shown_as_device_and_kept_out_of_core_dumps)
{
	int fd = open_dev(0, O_RDWR);
	char maps[512] = "", flags[512] = "", want[32];
	void *p;

	ASSERT_LE(0, fd);
	p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, page);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_TRUE(find_mapping(p, maps, sizeof(maps), flags, sizeof(flags)));
	TH_LOG("%s%s", maps, flags);
	snprintf(want, sizeof(want), " rw-s %08lx ", page);	/* the offset */
	ASSERT_NE(NULL, strstr(maps, want));
	ASSERT_NE(NULL, strstr(maps, "/dev/mapper0"));
	ASSERT_NE(NULL, strstr(flags, " dd"));	/* VM_DONTDUMP */
	ASSERT_NE(NULL, strstr(flags, " de"));	/* VM_DONTEXPAND */
	ASSERT_EQ(NULL, strstr(flags, " ex"));
	ASSERT_EQ(NULL, strstr(flags, " pf"));	/* page-backed, not PFNMAP */
	ASSERT_EQ(NULL, strstr(flags, " io"));
	munmap(p, 2 * page);
	close(fd);
}

/* ---- lifetime ----------------------------------------------------------- */

TEST(mapping_stays_valid_after_close)
{
	int fd = open_dev(0, O_RDWR);
	unsigned char *p, c;

	ASSERT_LE(0, fd);
	p = mmap(NULL, DEFAULT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, close(fd));
	fill(p, DEFAULT_SIZE, 11);
	ASSERT_EQ(1, sysfs_long(0, "maps"));
	fd = open_dev(0, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, pread(fd, &c, 1, 12345));
	ASSERT_EQ(p[12345], c);
	ASSERT_TRUE(check(p, DEFAULT_SIZE, 11));
	munmap(p, DEFAULT_SIZE);
	ASSERT_EQ(0, sysfs_long(0, "maps"));
	close(fd);
}

TEST(forked_child_inherits_mapping)
{
	int fd = open_dev(0, O_RDWR);
	volatile unsigned char *p;
	pid_t pid;

	ASSERT_LE(0, fd);
	p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	close(fd);
	p[0] = 1;
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int ok = p[0] == 1 && sysfs_long(0, "maps") == 2;

		p[page + 5] = 0x42;
		_exit(ok ? 0 : 1);
	}
	ASSERT_EQ(0, wait_child(pid));
	ASSERT_EQ(0x42, p[page + 5]);
	ASSERT_EQ(1, sysfs_long(0, "maps"));
	munmap((void *)p, 2 * page);
}

TEST(partial_munmap_and_mprotect_split_cleanly)
{
	int fd = open_dev(0, O_RDWR);
	unsigned char *p, c;

	ASSERT_LE(0, fd);
	p = mmap(NULL, 8 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	close(fd);
	for (int i = 0; i < 8; i++)
		p[i * page] = (unsigned char)(0x30 + i);
	ASSERT_EQ(0, munmap(p + 2 * page, page));		/* [0,1] [3..7] */
	ASSERT_EQ(2, sysfs_long(0, "maps"));
	ASSERT_EQ(0, mprotect(p + 5 * page, page, PROT_READ));	/* [0,1] [3,4] [5] [6,7] */
	ASSERT_EQ(4, sysfs_long(0, "maps"));
	for (int i = 0; i < 8; i++)
		if (i != 2)
			ASSERT_EQ(0x30 + i, p[i * page]);
	p[7 * page] = 0x99;
	ASSERT_EQ(0, munmap(p, 2 * page));
	ASSERT_EQ(0, munmap(p + 3 * page, 5 * page));
	ASSERT_EQ(0, sysfs_long(0, "maps"));
	fd = open_dev(0, O_RDONLY);
	ASSERT_EQ(1, pread(fd, &c, 1, 7 * page));
	ASSERT_EQ(0x99, c);
	close(fd);
}

/* ---- page-backed: get_user_pages() works -------------------------------- */

TEST(process_vm_readv_and_writev_reach_the_buffer)
{
	int fd = open_dev(0, O_RDWR), sync[2];
	unsigned char *p, out[64], in[64];
	pid_t pid;
	char c;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pipe(sync));
	p = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill(p + page, sizeof(out), 21);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		(void)!read(sync[0], &c, 1);	/* the parent works on our memory */
		_exit(0);
	}
	struct iovec local = { in, sizeof(in) }, remote = { p + page, sizeof(in) };

	ASSERT_EQ((ssize_t)sizeof(in), process_vm_readv(pid, &local, 1, &remote, 1, 0));
	ASSERT_TRUE(check(in, sizeof(in), 21));
	fill(out, sizeof(out), 22);
	local.iov_base = out;
	remote.iov_base = p + 2 * page;
	ASSERT_EQ((ssize_t)sizeof(out), process_vm_writev(pid, &local, 1, &remote, 1, 0));
	ASSERT_TRUE(check(p + 2 * page, sizeof(out), 22));
	ASSERT_EQ(1, write(sync[1], "x", 1));
	ASSERT_EQ(0, wait_child(pid));
	munmap(p, 4 * page);
	close(fd);
}

TEST(ptrace_peeks_and_pokes_the_buffer)
{
	int fd = open_dev(0, O_RDWR);
	long *p, word;
	pid_t pid;

	ASSERT_LE(0, fd);
	p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	p[3] = 0x1122334455667788L;
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		raise(SIGSTOP);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
	errno = 0;
	word = ptrace(PTRACE_PEEKDATA, pid, &p[3], NULL);
	ASSERT_EQ(0, errno);
	ASSERT_EQ(0x1122334455667788L, word);
	ASSERT_EQ(0, ptrace(PTRACE_POKEDATA, pid, &p[4], (void *)0x0abcdefL));
	ASSERT_EQ(0x0abcdefL, p[4]);	/* the child's page is ours */
	ASSERT_EQ(0, ptrace(PTRACE_CONT, pid, NULL, NULL));
	ASSERT_EQ(0, wait_child(pid));
	munmap(p, page);
	close(fd);
}

TEST(vmsplice_pins_the_buffer_pages_zero_copy)
{
	int fd = open_dev(0, O_RDWR), pfd[2];
	unsigned char *p, out[256];
	struct iovec iov;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pipe(pfd));
	p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill(p, sizeof(out), 31);
	iov.iov_base = p;
	iov.iov_len = sizeof(out);
	ASSERT_EQ((ssize_t)sizeof(out), vmsplice(pfd[1], &iov, 1, 0));
	/* the pipe holds the buffer's page itself, so later writes show */
	fill(p, sizeof(out), 32);
	munmap(p, page);
	close(fd);
	ASSERT_EQ((ssize_t)sizeof(out), read(pfd[0], out, sizeof(out)));
	ASSERT_TRUE(check(out, sizeof(out), 32));
	close(pfd[0]);
	close(pfd[1]);
}

TEST(o_direct_io_into_and_out_of_a_mapping)
{
	int fd = open_dev(0, O_RDWR), blk;
	unsigned char *p, *tmp;
	const size_t len = 16 * 4096;

	ASSERT_LE(0, fd);
	blk = open("/dev/ram0", O_RDWR | O_DIRECT);
	if (blk < 0)
		SKIP(return, "no /dev/ram0 (brd) in this VM for O_DIRECT");
	p = mmap(NULL, 2 * len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, posix_memalign((void **)&tmp, 4096, len));
	fill(p, len, 41);
	ASSERT_EQ((ssize_t)len, pwrite(blk, p, len, 0));	/* out of the mapping */
	ASSERT_EQ((ssize_t)len, pread(blk, tmp, len, 0));
	ASSERT_TRUE(check(tmp, len, 41));
	fill(tmp, len, 42);
	ASSERT_EQ((ssize_t)len, pwrite(blk, tmp, len, len));
	ASSERT_EQ((ssize_t)len, pread(blk, p + len, len, len));	/* into it */
	munmap(p, 2 * len);
	memset(tmp, 0, len);
	ASSERT_EQ((ssize_t)len, pread(fd, tmp, len, len));
	ASSERT_TRUE(check(tmp, len, 42));
	free(tmp);
	close(blk);
	close(fd);
}

/* ---- huge (PMD) mappings ----------------------------------------------- */

/*
 * A PMD: 2 MiB with 4 KiB pages, 32 MiB with 16 KiB ones (a page table
 * holds page / 8 entries). The tests of huge mappings take a buffer of four
 * (8 MiB, 128 MiB) and place what they do in units of half a PMD, HM (1 MiB
 * with 4 KiB pages), so that each 4 KiB test is the same there.
 */
static size_t huge_sz;
#define HUGE_SZ		huge_sz
#define HM		(huge_sz / 2)
/*
 * What those tests copy or map privately at once: all of the buffer with 4
 * KiB pages; 8 MiB pieces of the 128 MiB one with 16 KiB pages, which twice
 * over would not fit beside it in the debug VM's 512 MiB.
 */
#define COPY_MAX	(8 * MIB)

/*
 * Every kernel of the matrix maps mapper's folios huge, whichever path it
 * takes (finish_fault before 7.x, vmf_insert_folio_pmd from 6.15): a kernel
 * that stops doing so fails here, loudly.
 */
static int huge_setup(void)
{
	char params[64];

	if (unload())
		return -1;
	snprintf(params, sizeof(params), "devices=1 size=%zuK", 4 * HUGE_SZ >> 10);
	return load(params);
}

static void huge_teardown(void)
{
	unload();
	load(DEFAULT_PARAMS);
}

TEST(shared_mapping_is_offered_aligned_and_mapped_huge)
{
	size_t len = 8 * HM;
	unsigned char *p, in[64], out[64];
	int fd, sync[2];
	char c;
	pid_t pid;

	ASSERT_EQ(0, huge_setup());
	fd = open_dev(0, O_RDWR);
	ASSERT_LE(0, fd);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, (uintptr_t)p % HUGE_SZ) {
		TH_LOG("mmap returned %p, not aligned to a PMD (%zu KiB)", p, HUGE_SZ >> 10);
	}
	EXPECT_EQ(0, smaps_kb(p, "FilePmdMapped"));
	fill(p, len, 41);		/* one write fault per PMD */
	EXPECT_EQ((long)(len >> 10), smaps_kb(p, "FilePmdMapped")) {
		TH_LOG("this kernel mapped the buffer with page entries, not huge ones");
	}
	EXPECT_EQ((long)(len >> 10), smaps_kb(p, "Rss"));

	/* read() sees it; write() is seen through the huge entries. */
	unsigned char *copy = malloc(COPY_MAX);

	ASSERT_NE(NULL, copy);
	for (size_t off = 0, n; off < len; off += n) {
		n = len - off < COPY_MAX ? len - off : COPY_MAX;
		ASSERT_EQ((ssize_t)n, pread(fd, copy, n, off));
		EXPECT_TRUE(check_at(copy, n, 41, off));
		fill_at(copy, n, 42, off);
		ASSERT_EQ((ssize_t)n, pwrite(fd, copy, n, off));
	}
	EXPECT_TRUE(check(p, len, 42));
	free(copy);

	/* get_user_pages() on a huge entry, from another process. */
	ASSERT_EQ(0, pipe(sync));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* The child refaults its inherited mapping huge, then waits. */
		_exit(check(p + 3 * HM, page, 42) && read(sync[0], &c, 1) == 1 ? 0 : 1);
	}
	struct iovec local = { in, sizeof(in) }, remote = { p + 5 * HM + 100, sizeof(in) };

	fill(out, sizeof(out), 43);
	memcpy(p + 5 * HM + 100, out, sizeof(out));
	ASSERT_EQ((ssize_t)sizeof(in), process_vm_readv(pid, &local, 1, &remote, 1, 0));
	EXPECT_EQ(0, memcmp(in, out, sizeof(in)));
	fill(out, sizeof(out), 44);
	local.iov_base = out;
	remote.iov_base = p + 7 * HM;
	ASSERT_EQ((ssize_t)sizeof(out), process_vm_writev(pid, &local, 1, &remote, 1, 0));
	EXPECT_TRUE(check(p + 7 * HM, sizeof(out), 44));
	ASSERT_EQ(1, write(sync[1], "x", 1));
	EXPECT_EQ(0, wait_child(pid));
	close(sync[0]);
	close(sync[1]);

	/* mremap() moves the huge entries (or splits them), data stays. */
	unsigned char *moved = mremap(p, len, len, MREMAP_MAYMOVE);

	ASSERT_NE(MAP_FAILED, moved);
	p = moved;
	EXPECT_TRUE(check(p + 7 * HM, sizeof(out), 44));
	EXPECT_TRUE(check(p, page, 42));

	/* Reclaim hints and a partial zap on huge entries: nothing is lost. */
	EXPECT_EQ(0, madvise(p, 2 * HM, MADV_COLD));
	EXPECT_EQ(0, madvise(p + 2 * HM + page, page, MADV_PAGEOUT));
	EXPECT_EQ(0, madvise(p + 2 * HM, 2 * HM, MADV_PAGEOUT));
	EXPECT_EQ(0, madvise(p + HM, page, MADV_DONTNEED));
	EXPECT_TRUE(check(p, 4 * HM, 42));

	/* Page granularity where asked: the huge entry is split, data stays. */
	fill(p, len, 45);
	ASSERT_EQ(0, munmap(p + 3 * HM, page));
	ASSERT_EQ(0, mprotect(p + 6 * HM, page, PROT_READ));
	EXPECT_TRUE(check(p, 3 * HM, 45));
	EXPECT_GT((long)(len >> 10), smaps_kb(p, "FilePmdMapped"));
	unsigned char *q = malloc(COPY_MAX);

	ASSERT_NE(NULL, q);
	for (size_t off = 0, n, from; off < len; off += n) {
		n = len - off < COPY_MAX ? len - off : COPY_MAX;
		ASSERT_EQ((ssize_t)n, pread(fd, q, n, off));
		EXPECT_TRUE(check_at(q, n, 45, off));
		/* what the mapping has past the page unmapped at 3 HM */
		from = off > 3 * HM + page ? off : 3 * HM + page;
		if (from < off + n)
			EXPECT_TRUE(memcmp(q + from - off, p + from, off + n - from) == 0);
	}
	free(q);
	munmap(p, len);
	close(fd);
	huge_teardown();
}

TEST(o_direct_io_into_and_out_of_huge_entries)
{
	const size_t len = 8 * HM, io = 512 * 1024;
	unsigned char *p, *tmp;
	int fd, blk;

	blk = open("/dev/ram0", O_RDWR | O_DIRECT);
	if (blk < 0)
		SKIP(return, "no /dev/ram0 (brd) in this VM for O_DIRECT");
	ASSERT_EQ(0, huge_setup());
	fd = open_dev(0, O_RDWR);
	ASSERT_LE(0, fd);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill(p, len, 81);
	EXPECT_EQ((long)(len >> 10), smaps_kb(p, "FilePmdMapped"));
	ASSERT_EQ((ssize_t)io, pwrite(blk, p + 2 * HM + page, io, 0));	/* out of it */
	ASSERT_EQ((ssize_t)io, pread(blk, p + 5 * HM, io, 0));		/* into it */
	munmap(p, len);
	tmp = malloc(io);
	ASSERT_NE(NULL, tmp);
	fill_at(tmp, io, 81, 2 * HM + page);	/* what the buffer held there */
	p = malloc(io);
	ASSERT_NE(NULL, p);
	ASSERT_EQ((ssize_t)io, pread(fd, p, io, 5 * HM));
	EXPECT_EQ(0, memcmp(p, tmp, io));
	free(p);
	free(tmp);
	close(blk);
	close(fd);
	huge_teardown();
}

/*
 * Real-time programs lock all their memory (mlockall) before they map
 * anything. mapper's mappings are VM_DONTEXPAND, which the mm treats as
 * special: they are never marked VM_LOCKED, and mlock(), MAP_LOCKED and
 * MAP_POPULATE on them must still succeed and fault everything in, huge
 * entries included.
 */
TEST(locked_and_populated_mappings_work)
{
	size_t len = 8 * HM, plen;
	unsigned char *p, *q;
	int fd;

	ASSERT_EQ(0, huge_setup());
	fd = open_dev(0, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mlockall(MCL_CURRENT | MCL_FUTURE));
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ((long)(len >> 10), smaps_kb(p, "Rss"));
	EXPECT_EQ((long)(len >> 10), smaps_kb(p, "FilePmdMapped")) {
		TH_LOG("this kernel mapped the buffer with page entries, not huge ones");
	}
	fill(p, len, 53);
	/* Locked and writable, it is populated by copies (up to COPY_MAX). */
	plen = len < COPY_MAX ? len : COPY_MAX;
	q = mmap(NULL, plen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_LOCKED, fd, 0);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_TRUE(check(q, plen, 53));
	memset(q + 3 * page, 0x5a, page);	/* copy-on-write under mlockall */
	EXPECT_EQ(0x5a, q[3 * page + 7]);
	EXPECT_TRUE(check(p, len, 53));
	EXPECT_EQ(0, mlock(p + page, 2 * page));
	EXPECT_EQ(0, munlock(p + page, 2 * page));
	EXPECT_EQ(0, munlockall());
	EXPECT_EQ(0, munmap(q, plen));
	EXPECT_EQ(0, munmap(p, len));
	EXPECT_EQ(0, sysfs_long(0, "maps"));
	close(fd);
	huge_teardown();
}

TEST(misaligned_mapping_falls_back_to_page_entries)
{
	size_t len = 4 * HM;
	unsigned char *area, *p;
	int fd;

	ASSERT_EQ(0, huge_setup());
	fd = open_dev(0, O_RDWR);
	ASSERT_LE(0, fd);
	/* A PMD-aligned address plus one page, for offset 0: never huge. */
	area = mmap(NULL, len + 2 * HUGE_SZ, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	p = (unsigned char *)(((uintptr_t)area + HUGE_SZ - 1) & ~(HUGE_SZ - 1)) + page;
	ASSERT_EQ(p, mmap(p, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0));
	fill(p, len, 51);
	EXPECT_EQ(0, smaps_kb(p, "FilePmdMapped"));
	EXPECT_EQ((long)(len >> 10), smaps_kb(p, "Rss"));
	unsigned char *q = malloc(len);

	ASSERT_NE(NULL, q);
	ASSERT_EQ((ssize_t)len, pread(fd, q, len, 0));
	EXPECT_TRUE(check(q, len, 51));
	free(q);
	munmap(area, len + 2 * HUGE_SZ);
	close(fd);
	huge_teardown();
}

TEST(private_mapping_of_huge_range_copies_single_pages)
{
	size_t len = 4 * HM;
	unsigned char *p, *q, byte;
	int fd;

	ASSERT_EQ(0, huge_setup());
	fd = open_dev(0, O_RDWR);
	ASSERT_LE(0, fd);
	q = malloc(len);
	ASSERT_NE(NULL, q);
	fill(q, len, 61);
	ASSERT_EQ((ssize_t)len, pwrite(fd, q, len, 0));
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(check(p, len, 61));	/* read faults: may map huge */
	TH_LOG("MAP_PRIVATE after reads: FilePmdMapped %ld kB",
	       smaps_kb(p, "FilePmdMapped"));
	p[HM + 5] ^= 0xff;		/* copy-on-write of one page */
	EXPECT_EQ((long)(page >> 10), smaps_kb(p, "Anonymous"));
	ASSERT_EQ(1, pread(fd, &byte, 1, HM + 5));
	EXPECT_EQ(q[HM + 5], byte);
	EXPECT_EQ((unsigned char)(q[HM + 5] ^ 0xff), p[HM + 5]);
	/* Pages not copied still show the buffer, later writes included. */
	byte = q[3 * HM] ^ 0x55;
	ASSERT_EQ(1, pwrite(fd, &byte, 1, 3 * HM));
	EXPECT_EQ(byte, p[3 * HM]);
	byte = q[HM + 6] ^ 0x55;
	ASSERT_EQ(1, pwrite(fd, &byte, 1, HM + 6));
	EXPECT_EQ((unsigned char)q[HM + 6], p[HM + 6]);	/* our private copy */
	free(q);
	munmap(p, len);
	close(fd);
	huge_teardown();
}

/*
 * The whole of /dev/mapper0, whatever its size: "make check-big" runs this
 * test alone on a 1 GiB buffer in a 2 GiB VM (tests/vm/big.sh); in the suite
 * it runs on the default 1 MiB. Words, not bytes, to stay quick under TCG.
 */
static uint64_t word_at(size_t i, uint64_t seed)
{
	return (i * 0x9e3779b97f4a7c15ULL) ^ seed;
}

TEST(whole_buffer_maps_and_keeps_its_data)
{
	struct mapper_info info;
	int fd = open_dev(0, O_RDWR);
	uint64_t *p, *chunk;
	size_t len, n, bad = 0;
	pid_t pid;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, get_info(fd, &info));
	len = info.buf_size;
	n = len / 8;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (size_t i = 0; i < n; i++)
		p[i] = word_at(i, 1);
	if (len % HUGE_SZ == 0)
		EXPECT_EQ((long)(len >> 10), smaps_kb(p, "FilePmdMapped"));
	TH_LOG("%zu MiB mapped, FilePmdMapped %ld kB", len >> 20, smaps_kb(p, "FilePmdMapped"));

	/* read() sees every word. */
	chunk = malloc(MIB);
	ASSERT_NE(NULL, chunk);
	for (size_t off = 0; off < len; off += MIB) {
		size_t want = len - off < MIB ? len - off : MIB;

		ASSERT_EQ((ssize_t)want, pread(fd, chunk, want, off));
		for (size_t i = 0; i < want / 8; i++)
			bad += chunk[i] != word_at(off / 8 + i, 1);
	}
	EXPECT_EQ(0, bad);

	/* A child sees the buffer and writes one word per page into it. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		size_t wrong = 0;

		for (size_t i = 0; i < n; i += page / 8) {
			wrong += p[i] != word_at(i, 1);
			p[i] = word_at(i, 2);
		}
		_exit(wrong ? 1 : 0);
	}
	EXPECT_EQ(0, wait_child(pid));
	for (size_t i = 0; i < n; i++)
		bad += p[i] != word_at(i, i % (page / 8) ? 1 : 2);
	EXPECT_EQ(0, bad);

	/* Splits: a page out of the middle; the rest keeps its data. */
	ASSERT_EQ(0, munmap((char *)p + len / 2, page));
	for (size_t i = 0; i < n; i += 97)
		if (i < len / 2 / 8 || i >= (len / 2 + page) / 8)
			bad += p[i] != word_at(i, i % (page / 8) ? 1 : 2);
	EXPECT_EQ(0, bad);
	munmap(p, len);
	free(chunk);
	EXPECT_EQ(0, get_info(fd, &info));
	EXPECT_EQ(0, info.maps);
	close(fd);
}

/* ---- cache modes -------------------------------------------------------- */

static int sysfs_is(int n, const char *attr, const char *want)
{
	char path[64], text[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/mapper/mapper%d/%s", n, attr);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(text, sizeof(text), f))
		text[0] = '\0';
	fclose(f);
	text[strcspn(text, "\n")] = '\0';
	return !strcmp(text, want);
}

TEST(cache_mode_changes_only_while_unmapped)
{
	const char *modes[] = { "wc", "uc", "cached" };
	int fd = open_dev(1, O_RDWR);
	unsigned char *p, *q, in[256];

	ASSERT_LE(0, fd);
	EXPECT_TRUE(sysfs_is(1, "cache", "cached"));
	EXPECT_EQ(-EINVAL, sysfs_write(1, "cache", "writeback"));
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		ASSERT_EQ(0, sysfs_write(1, "cache", modes[i])) {
			TH_LOG("cache=%s", modes[i]);
		}
		EXPECT_TRUE(sysfs_is(1, "cache", modes[i]));
		p = mmap(NULL, DEFAULT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		ASSERT_NE(MAP_FAILED, p);
		fill(p, DEFAULT_SIZE, 70 + i);
		ASSERT_EQ((ssize_t)sizeof(in), pread(fd, in, sizeof(in), 0));
		EXPECT_TRUE(check(in, sizeof(in), 70 + i));
		/* Mapped: every change is refused, the mode stays. */
		EXPECT_EQ(-EBUSY, sysfs_write(1, "cache", i ? "wc" : "uc"));
		EXPECT_EQ(-EBUSY, sysfs_write(1, "cache", i == 2 ? "uc" : "cached"));
		EXPECT_TRUE(sysfs_is(1, "cache", modes[i]));
		/* Copy-on-write would alias anonymous memory: cached only. */
		q = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
		if (i < 2) {
			EXPECT_EQ(MAP_FAILED, q);
			EXPECT_EQ(EINVAL, errno);
		} else {
			EXPECT_NE(MAP_FAILED, q);
			munmap(q, page);
		}
		munmap(p, DEFAULT_SIZE);
	}
	close(fd);
	EXPECT_TRUE(sysfs_is(1, "cache", "cached"));
}

/*
 * In every mode a mapping, read() and write() see the same bytes, and a
 * change of mode keeps them, either way: on arm64, whose kernel mapping of
 * the pages stays cacheable, that is the cache maintenance of each change
 * and of read() and write() (TCG has no caches: there, the data paths).
 * write() lands inside cache lines, its neighbours stay.
 */
TEST(cache_modes_keep_mappings_read_and_write_coherent)
{
	const char *modes[] = { "wc", "uc", "cached", "uc", "wc", "cached" };
	unsigned char *p, *in = malloc(page), *out = malloc(page), *want = malloc(page);
	unsigned int seed = 90;
	int fd = open_dev(1, O_RDWR);

	ASSERT_LE(0, fd);
	ASSERT_TRUE(in && out && want);
	fill(out, page, seed);
	ASSERT_EQ(page, pwrite(fd, out, page, 0));
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		ASSERT_EQ(0, sysfs_write(1, "cache", modes[i])) {
			TH_LOG("cache=%s", modes[i]);
		}
		p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		ASSERT_NE(MAP_FAILED, p);
		/* What the last mode stored, through the new mode's mapping. */
		EXPECT_TRUE(check(p, page, seed)) {
			TH_LOG("cache=%s: page 0 lost what came before the change", modes[i]);
		}
		/* write() -> mapping, 1000 bytes from byte 13 of page 1. */
		fill(p + page, page, 50 + i);
		fill(out, 1000, 100 + i);
		ASSERT_EQ(1000, pwrite(fd, out, 1000, page + 13));
		fill(want, page, 50 + i);
		memcpy(want + 13, out, 1000);
		EXPECT_EQ(0, memcmp(p + page, want, page)) {
			TH_LOG("cache=%s: write() and the mapping disagree", modes[i]);
		}
		/* mapping -> read() */
		seed = 91 + i;
		fill(p, page, seed);
		ASSERT_EQ(page, pread(fd, in, page, 0));
		EXPECT_TRUE(check(in, page, seed)) {
			TH_LOG("cache=%s: read() missed the mapping's stores", modes[i]);
		}
		/*
		 * get_user_pages() of the mapping (here process_vm_readv()):
		 * refused where the kernel keeps a cacheable alias of the
		 * pages, as arm64 does in wc/uc (it would copy through it).
		 */
		struct iovec gl = { in, 64 }, gr = { p, 64 };
		ssize_t got = process_vm_readv(getpid(), &gl, 1, &gr, 1, 0);

#ifdef __aarch64__
		if (strcmp(modes[i], "cached")) {
			EXPECT_EQ(-1, got);
			EXPECT_EQ(EFAULT, errno);
		} else
#endif
		{
			EXPECT_EQ(64, got) {
				TH_LOG("cache=%s: process_vm_readv: %s", modes[i], strerror(errno));
			}
		}
		munmap(p, 2 * page);
	}
	close(fd);
	free(in);
	free(out);
	free(want);
}

TEST(cache_parameter_sets_every_device)
{
	int fd;
	unsigned char *p;

	ASSERT_EQ(0, unload());
	ASSERT_EQ(0, load("devices=2 size=4M cache=wc"));
	EXPECT_TRUE(sysfs_is(0, "cache", "wc"));
	EXPECT_TRUE(sysfs_is(1, "cache", "wc"));
	fd = open_dev(0, O_RDWR);
	ASSERT_LE(0, fd);
	p = mmap(NULL, 4 * MIB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill(p, 4 * MIB, 75);
	EXPECT_TRUE(check(p, 4 * MIB, 75));
	munmap(p, 4 * MIB);
	close(fd);
	ASSERT_EQ(0, unload());	/* pages go back write-back */
	ASSERT_EQ(0, load(DEFAULT_PARAMS));
}

/* ---- concurrency -------------------------------------------------------- */

#define STRESS_WORKERS	8	/* 6 threads here, 2 in child processes */
#define STRESS_ROUNDS	150

struct worker {
	int slot;
	int failed;
};

/*
 * A worker owns one slice of mapper0 and churns opens, mappings of random
 * windows (shared and private), reads, writes and closes in random order,
 * checking that every view agrees on its slice. Any lost or misdirected byte
 * fails; any kernel splat ends the VM.
 */
static void *stress_worker(void *arg)
{
	struct worker *w = arg;
	size_t slice = DEFAULT_SIZE / STRESS_WORKERS;
	off_t base = (off_t)w->slot * slice;
	unsigned int rnd = 1234u + w->slot;
	unsigned char *tmp = malloc(slice);

	for (int round = 0; round < STRESS_ROUNDS && !w->failed && tmp; round++) {
		int fd = open_dev(0, O_RDWR);
		int priv_fd = open_dev(1, O_RDWR);
		unsigned int seed = rand_r(&rnd);
		unsigned char *p, *q;
		struct mapper_info info;

		if (fd < 0 || priv_fd < 0) {
			w->failed = 1;
			break;
		}
		p = mmap(NULL, slice, PROT_READ | PROT_WRITE, MAP_SHARED, fd, base);
		q = mmap(NULL, DEFAULT_SIZE, PROT_READ | PROT_WRITE,
			 rand_r(&rnd) % 2 ? MAP_PRIVATE : MAP_SHARED, priv_fd, 0);
		if (p == MAP_FAILED || q == MAP_FAILED || get_info(fd, &info)) {
			w->failed = 2;
			break;
		}
		if (rand_r(&rnd) % 2)
			close(fd), fd = open_dev(0, O_RDWR);
		if (round % 2) {
			fill(p, slice, seed);
			if (pread(fd, tmp, slice, base) != (ssize_t)slice || !check(tmp, slice, seed))
				w->failed = 3;
		} else {
			fill(tmp, slice, seed);
			if (pwrite(fd, tmp, slice, base) != (ssize_t)slice || !check(p, slice, seed))
				w->failed = 4;
		}
		q[rand_r(&rnd) % DEFAULT_SIZE] ^= 1;	/* mapper1: noise only */
		munmap(q, DEFAULT_SIZE);
		munmap(p, slice);
		close(fd);
		close(priv_fd);
	}
	free(tmp);
	return NULL;
}

TEST(threads_and_processes_churn_concurrently)
{
	pthread_t tid[STRESS_WORKERS];
	struct worker w[STRESS_WORKERS];
	pid_t pid[2];

	for (int i = 0; i < 2; i++) {
		pid[i] = fork();
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0) {
			struct worker me = { .slot = STRESS_WORKERS - 1 - i };

			stress_worker(&me);
			_exit(me.failed);
		}
	}
	for (int i = 0; i < STRESS_WORKERS - 2; i++) {
		w[i] = (struct worker){ .slot = i };
		ASSERT_EQ(0, pthread_create(&tid[i], NULL, stress_worker, &w[i]));
	}
	for (int i = 0; i < STRESS_WORKERS - 2; i++) {
		pthread_join(tid[i], NULL);
		EXPECT_EQ(0, w[i].failed) {
			TH_LOG("thread %d failed at check %d", i, w[i].failed);
		}
	}
	for (int i = 0; i < 2; i++)
		EXPECT_EQ(0, wait_child(pid[i]));
	ASSERT_EQ(0, sysfs_long(0, "maps"));
	ASSERT_EQ(0, sysfs_long(1, "maps"));
}

/* ---- module lifetime and parameters ------------------------------------- */

TEST(rmmod_is_refused_while_open)
{
	int fd = open_dev(0, O_RDONLY);

	ASSERT_LE(0, fd);
	ASSERT_EQ(-EWOULDBLOCK, unload());
	ASSERT_TRUE(loaded());
	close(fd);
}

TEST(rmmod_is_refused_while_mapped_and_succeeds_after)
{
	int fd = open_dev(0, O_RDWR);
	unsigned char *p;

	ASSERT_LE(0, fd);
	p = mmap(NULL, DEFAULT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	close(fd);
	fill(p, DEFAULT_SIZE, 51);
	ASSERT_EQ(-EWOULDBLOCK, unload());
	ASSERT_TRUE(loaded());
	ASSERT_TRUE(check(p, DEFAULT_SIZE, 51));	/* untouched by the attempt */
	munmap(p, DEFAULT_SIZE);

	ASSERT_EQ(0, unload());
	ASSERT_FALSE(loaded());
	ASSERT_NE(0, access("/dev/mapper0", F_OK));
	ASSERT_NE(0, access("/sys/class/mapper", F_OK));

	/* a new load gives fresh, zeroed buffers */
	ASSERT_EQ(0, load(DEFAULT_PARAMS));
	fd = open_dev(0, O_RDWR);
	ASSERT_LE(0, fd);
	p = mmap(NULL, DEFAULT_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (size_t i = 0; i < DEFAULT_SIZE; i++)
		ASSERT_EQ(0, p[i]);
	munmap(p, DEFAULT_SIZE);
	close(fd);
}

TEST(size_parameter_takes_suffixes_and_rounds_up_to_pages)
{
	struct {
		const char *params;
		long size;
		int devices;
	} good[] = {
		{ "size=5000", ROUND_UP(5000, page), 1 },
		{ "size=2K devices=3", page, 3 },
		{ "size=0x3000", ROUND_UP(0x3000, page), 1 },
		{ "size=3m", 3 * MIB, 1 },
		{ "size=1", page, 1 },
	};

	ASSERT_EQ(0, unload());
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ASSERT_EQ(0, load(good[i].params)) {
			TH_LOG("%s", good[i].params);
		}
		for (int n = 0; n < good[i].devices; n++)
			EXPECT_EQ(good[i].size, sysfs_long(n, "size"));
		EXPECT_NE(0, access("/sys/class/mapper/mapper3", F_OK));
		ASSERT_EQ(0, unload());
	}
	ASSERT_EQ(0, load(DEFAULT_PARAMS));
}

TEST(bad_parameters_fail_cleanly_with_one_log_line)
{
	const char *bad[] = {
		"size=0", "size=abc", "size=1K2", "size=-1", "size=",
		"size=99999999999999999999", "size=17179869184G", "size=100G",
		"devices=1048577", "devices=1 size=4K,8K", "devices=x", "devices=-1",
		"devices=256 size=64M", "cache=bogus", "cache=",
	};
	int kmsg = kmsg_open();

	ASSERT_EQ(0, unload());
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char line[512] = "";

		EXPECT_EQ(-EINVAL, load(bad[i])) {
			TH_LOG("%s was accepted", bad[i]);
		}
		EXPECT_FALSE(loaded());
		EXPECT_NE(0, access("/sys/class/mapper", F_OK));
		EXPECT_NE(0, access("/dev/mapper0", F_OK));
		EXPECT_EQ(1, kmsg_lines(kmsg, "mapper", line, sizeof(line))) {
			TH_LOG("%s: expected one log line, last: %s", bad[i], line);
		}
		TH_LOG("%-28s -> %s", bad[i], line);
		if (loaded())
			unload();
	}
	close(kmsg);
	ASSERT_EQ(0, load(DEFAULT_PARAMS));
}

static long meminfo_kb(const char *field)
{
	char line[128];
	long kb = -1;
	size_t flen = strlen(field);
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, flen) && line[flen] == ':')
			kb = strtol(line + flen + 1, NULL, 10);
	fclose(f);
	return kb;
}

/*
 * MemAvailable plus the pages on the per-CPU free lists (/proc/zoneinfo's
 * "count:"), which MemFree leaves out: 6.12 keeps many pages there after a
 * large process exits.
 */
static long available_kb(void)
{
	char line[128];
	long pages = 0, n;
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " count: %ld", &n) == 1)
			pages += n;
	fclose(f);
	return meminfo_kb("MemAvailable") + pages * (page / 1024);
}

/*
 * A load that cannot fit in the memory available now fails with ENOMEM and
 * one log line, and never wakes the OOM killer: a process holding most of
 * the memory survives it, and nothing is left behind. (Before 0.2.0 mapper
 * only compared with 3/4 of all RAM and allocated until the OOM killer made
 * room, killing the holder.)
 */
TEST(load_beyond_available_memory_fails_without_the_oom_killer)
{
	/* 224 MiB available: the debug kernel's 512 MiB VM has about 250 */
	const size_t want = 128 * MIB, spare = 96 * MIB;
	long total_kb = meminfo_kb("MemTotal"), avail_kb, after_kb;
	int kmsg = kmsg_open(), oom = kmsg_open(), ready[2];
	char line[512] = "", params[64];
	size_t hog;
	pid_t pid;

	ASSERT_LE(0, kmsg);
	ASSERT_LE(0, oom);
	/* Below 3/4 of RAM, so that only the available-memory check refuses it. */
	ASSERT_GT((size_t)total_kb / 4 * 3 * 1024, want);
	ASSERT_EQ(0, unload());
	avail_kb = available_kb();
	ASSERT_GT((size_t)avail_kb * 1024, want + spare);
	hog = (size_t)avail_kb * 1024 - spare;

	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char *p = mmap(NULL, hog, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

		if (p == MAP_FAILED)
			_exit(1);
		memset(p, 0x5a, hog);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], line, 1));
	close(ready[0]);

	snprintf(params, sizeof(params), "size=%zuM", want / MIB);
	EXPECT_EQ(-ENOMEM, load(params));
	EXPECT_FALSE(loaded());
	EXPECT_NE(0, access("/sys/class/mapper", F_OK));
	EXPECT_EQ(1, kmsg_lines(kmsg, "mapper", line, sizeof(line)));
	TH_LOG("%s with %zu MiB held elsewhere -> %s", params, hog / MIB, line);
	EXPECT_EQ(0, kmsg_lines(oom, "oom", line, sizeof(line))) {
		TH_LOG("the OOM killer ran: %s", line);
	}
	EXPECT_EQ(0, waitpid(pid, NULL, WNOHANG)) {
		TH_LOG("the process holding the memory is gone");
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	after_kb = available_kb();
	EXPECT_LE(avail_kb - 8192, after_kb) {
		TH_LOG("MemAvailable %ld kB before, %ld kB after", avail_kb, after_kb);
	}
	close(oom);
	close(kmsg);
	ASSERT_EQ(0, load(DEFAULT_PARAMS));
}

/* ---- kernel producers: notification and the in-kernel API --------------- */

TEST(poll_reports_nothing_without_notifications)
{
	int fd = open_dev(1, O_RDWR);
	struct pollfd pfd = { .fd = fd, .events = POLLPRI };
	struct mapper_info info;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, get_info(fd, &info));
	ASSERT_TRUE(info.flags & MAPPER_INFO_F_NOTIFY);
	ASSERT_EQ(0, info.events);
	ASSERT_EQ(0, poll(&pfd, 1, 100));
	pfd.events = POLLIN | POLLOUT;	/* the data is always there */
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	ASSERT_EQ(POLLIN | POLLOUT, pfd.revents);
	close(fd);
}

static const char *sample_path(void)
{
	const char *p = getenv("MAPPER_SAMPLE_KO");

	return p ? p : "/lib/modules/mapper_sample.ko";
}

static int load_sample(const char *params)
{
	return load_ko(sample_path(), params);
}

/*
 * Acquire ordering is free on x86 for write-back memory, but loads from a
 * write-combined mapping (cache=wc) are weakly ordered: mfence orders them
 * (see mapper_sample.h).
 */
static void read_fence(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ __volatile__("mfence" ::: "memory");
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

/* Copy record @n out of the ring under its sequence counter. */
static int read_record(struct mapper_sample_header *h, uint64_t n,
		       struct mapper_sample_record *out)
{
	struct mapper_sample_record *rec = &h->ring[n % MAPPER_SAMPLE_SLOTS];

	for (int tries = 0; tries < 1000000; tries++) {
		uint32_t s = __atomic_load_n(&rec->seq, __ATOMIC_ACQUIRE);

		read_fence();
		memcpy(out, (void *)rec, sizeof(*out));
		read_fence();
		if (!(s & 1) && s == __atomic_load_n(&rec->seq, __ATOMIC_RELAXED))
			return out->number == n;
	}
	return 0;
}

/*
 * The sample producer's records, read through a mapping in cache mode
 * @cache: in order, untorn, each notified, and the kernel reads what user
 * space writes.
 */
static void sample_protocol(struct __test_metadata *_metadata, const char *cache)
{
	const uint64_t want = 40;
	struct mapper_sample_header *h;
	struct mapper_sample_record rec;
	struct mapper_info info;
	uint64_t next = 0, wakeups = 0, last_time = 0, magic = 0;
	struct pollfd pfd;
	int fd, echoed = 0;
	char *cmd;

	ASSERT_EQ(0, sysfs_write(0, "cache", cache));
	ASSERT_EQ(0, load_sample("period_ms=5"));
	fd = open_dev(0, O_RDWR);
	ASSERT_LE(0, fd);
	h = mmap(NULL, DEFAULT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, h);
	cmd = (char *)h + MAPPER_SAMPLE_CMD_OFF;
	pfd = (struct pollfd){ .fd = fd, .events = POLLPRI };

	/* A buffer held through the API keeps mapper loaded. */
	ASSERT_EQ(-EWOULDBLOCK, unload());

	while (next < want || !echoed) {
		ASSERT_EQ(1, poll(&pfd, 1, 5000)) {
			TH_LOG("no notification within 5 s after record %llu",
			       (unsigned long long)next);
		}
		ASSERT_EQ(POLLPRI, pfd.revents & POLLPRI);
		ASSERT_EQ(0, get_info(fd, &info));	/* acknowledges */
		wakeups++;
		ASSERT_EQ(MAPPER_SAMPLE_MAGIC, h->magic);
		uint64_t head = __atomic_load_n(&h->head, __ATOMIC_ACQUIRE);

		ASSERT_LE(next, head);
		ASSERT_GE(MAPPER_SAMPLE_SLOTS, head - next) {
			TH_LOG("the reader fell a whole ring behind");
		}
		for (; next < head; next++) {
			char text[32];

			ASSERT_TRUE(read_record(h, next, &rec));
			ASSERT_EQ(rec.number * 0x9e3779b97f4a7c15ULL ^ rec.time_ns, rec.check);
			snprintf(text, sizeof(text), "hello from mapper_sample #%llu",
				 (unsigned long long)next);
			ASSERT_STREQ(text, rec.text);
			ASSERT_LE(last_time, rec.time_ns);
			last_time = rec.time_ns;
			if (!strcmp(rec.echo, "ping from user space"))
				echoed = 1;
		}
		/*
		 * The kernel reads what we write: through the mapping, or
		 * (cache=uc) with write(), the kernel's linear map.
		 */
		if (next >= want / 2 && !cmd[0]) {
			static const char ping[] = "ping from user space";

			if (strcmp(cache, "uc"))
				strcpy(cmd, ping);
			else
				ASSERT_EQ((ssize_t)sizeof(ping),
					  pwrite(fd, ping, sizeof(ping), MAPPER_SAMPLE_CMD_OFF));
		}
	}
	ASSERT_LE(want, info.events);
	/* The producer's stores through read() too. */
	ASSERT_EQ((ssize_t)sizeof(h->magic),
		  pread(fd, &magic, sizeof(magic), (char *)&h->magic - (char *)h));
	EXPECT_EQ(MAPPER_SAMPLE_MAGIC, magic);
	TH_LOG("cache=%s: %llu records in order, %llu wakeups, %llu notifications", cache,
	       (unsigned long long)next, (unsigned long long)wakeups,
	       (unsigned long long)info.events);
	munmap(h, DEFAULT_SIZE);
	close(fd);

	/* Unmapped, but the producer's mapper_vaddr() fixes the cache mode. */
	EXPECT_EQ(-EBUSY, sysfs_write(0, "cache", strcmp(cache, "uc") ? "uc" : "wc"));
	EXPECT_TRUE(sysfs_is(0, "cache", cache));
	EXPECT_EQ(0, sysfs_write(1, "cache", "wc"));	/* the other device is free */
	EXPECT_EQ(0, sysfs_write(1, "cache", "cached"));

	ASSERT_EQ(-EWOULDBLOCK, unload());
	ASSERT_EQ(0, syscall(SYS_delete_module, "mapper_sample", O_NONBLOCK));
	ASSERT_EQ(0, unload());
	ASSERT_EQ(0, load(DEFAULT_PARAMS));
}

TEST(sample_producer_records_arrive_in_order_and_untorn)
{
	sample_protocol(_metadata, "cached");
}

/* Write-combined stores are weakly ordered: the producer fences them. */
TEST(sample_producer_protocol_holds_write_combined)
{
	sample_protocol(_metadata, "wc");
}

TEST(sample_producer_protocol_holds_uncached)
{
	sample_protocol(_metadata, "uc");
}


TEST(sample_refuses_a_missing_buffer)
{
	ASSERT_EQ(-ENODEV, load_sample("index=5"));
	ASSERT_EQ(-EINVAL, load_sample("period_ms=0"));
}

/*
 * MAPPER_TEST_ONLY=NAME runs that one test (this harness has no option for
 * it): tests/vm/big.sh runs the whole-buffer test on a 1 GiB buffer.
 */
static void only_test(const char *name)
{
	for (struct __fixture_metadata *f = __fixture_list; f; f = f->next) {
		struct __test_metadata *t, *keep = NULL;

		for (t = f->tests; t; t = t->next)
			if (!strcmp(t->name, name))
				keep = t;
		f->tests = keep;
		if (keep) {
			keep->prev = keep;
			keep->next = NULL;
		}
	}
}

int main(int argc, char **argv)
{
	const char *only = getenv("MAPPER_TEST_ONLY");

	page = sysconf(_SC_PAGESIZE);
	huge_sz = (size_t)page * (page / 8);
	if (only)
		only_test(only);
	return test_harness_run(argc, argv);
}
