// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_util: the small programs of the fuzz and pressure modes of the test VM
 * (tests/vm/fuzz.sh, tests/vm/pressure.sh), one per subcommand.
 *
 *   fuzz_util dmabuf-reopen DEV
 *	exports a dma-buf of DEV and opens /proc/self/fd/N of it: prints the
 *	errno that open gets and succeeds if it failed (a dma-buf cannot be
 *	reopened by path, so trinity cannot have one as a victim file); prints
 *	"no dma-buf" and exits 2 where the module cannot export.
 *   fuzz_util hog [DEV...]
 *	maps every DEV shared (every page touched) and privately (every page
 *	written: copy-on-write copies), exports and maps a dma-buf of each
 *	where it can, then allocates anonymous memory 4 MiB at a time
 *	(MAP_POPULATE) for ever: until the OOM killer kills it. Prints one
 *	line when its mappings are in place ("hog: holding N mappings") and
 *	then every 64 MiB.
 *   fuzz_util hold MIB
 *	allocates and touches MIB MiB of anonymous memory, prints "held", and
 *	sleeps until killed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <mapper.h>

static int export_dmabuf(int fd, int *out)
{
	struct mapper_export_dmabuf x = {
		.argsz = sizeof(x),
		.flags = O_RDWR | O_CLOEXEC,
	};

	if (ioctl(fd, MAPPER_IOC_EXPORT_DMABUF, &x))
		return -errno;
	*out = x.fd;
	return 0;
}

static int dmabuf_reopen(const char *dev)
{
	char path[64];
	int fd, dfd = -1, ret, r;

	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("open %s: %s\n", dev, strerror(errno));
		return 1;
	}
	ret = export_dmabuf(fd, &dfd);
	if (ret == -ENOTTY || ret == -EOPNOTSUPP) {
		printf("no dma-buf in this kernel (%s)\n", strerror(-ret));
		return 2;
	}
	if (ret) {
		printf("MAPPER_IOC_EXPORT_DMABUF: %s\n", strerror(-ret));
		return 1;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", dfd);
	r = open(path, O_RDWR | O_CLOEXEC);
	if (r >= 0) {
		printf("%s opened as fd %d\n", path, r);
		return 1;
	}
	printf("open(%s) is %s", path, strerror(errno));
	r = open(path, O_RDONLY | O_CLOEXEC);
	printf(", read-only %s\n", r >= 0 ? "opened" : strerror(errno));
	return r >= 0;
}

static __attribute__((noreturn)) void hog(int argc, char **argv)
{
	long pg = sysconf(_SC_PAGESIZE);
	unsigned long mib = 0;
	int held = 0;

	for (int i = 0; i < argc; i++) {
		struct mapper_info info = { .argsz = sizeof(info) };
		int fd = open(argv[i], O_RDWR | O_CLOEXEC), dfd = -1;
		volatile char *p;
		char *q;

		if (fd < 0 || ioctl(fd, MAPPER_IOC_INFO, &info)) {
			printf("hog: %s: %s\n", argv[i], strerror(errno));
			continue;
		}
		p = mmap(NULL, info.buf_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p != MAP_FAILED) {
			for (size_t o = 0; o < info.buf_size; o += pg)
				(void)p[o];
			held++;
		}
		q = mmap(NULL, info.buf_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
		if (q != MAP_FAILED) {
			for (size_t o = 0; o < info.buf_size; o += pg)
				q[o] = 1;
			held++;
		}
		if (export_dmabuf(fd, &dfd) == 0) {
			p = mmap(NULL, info.buf_size, PROT_READ | PROT_WRITE, MAP_SHARED, dfd, 0);
			if (p != MAP_FAILED) {
				for (size_t o = 0; o < info.buf_size; o += pg)
					(void)p[o];
				held++;
			}
		}
		/* The file stays open: the hog holds the buffer until it dies. */
	}
	printf("hog: holding %d mappings\n", held);
	fflush(stdout);
	/* 4 MiB at a time, populated by the kernel: far fewer faults to
	 * emulate than touching each page (the debug kernel under TCG).
	 */
	for (;;) {
		char *a = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

		if (a == MAP_FAILED) {
			usleep(10000);
			continue;
		}
		mib += 4;
		if (mib % 64 == 0) {
			printf("hog: %lu MiB\n", mib);
			fflush(stdout);
		}
	}
}

static int hold(unsigned long mib)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *a = mmap(NULL, mib << 20, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (a == MAP_FAILED) {
		printf("hold: %lu MiB: %s\n", mib, strerror(errno));
		return 1;
	}
	for (unsigned long o = 0; o < mib << 20; o += pg)
		a[o] = 1;
	printf("held\n");
	fflush(stdout);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "dmabuf-reopen"))
		return dmabuf_reopen(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "hold"))
		return hold(strtoul(argv[2], NULL, 0));
	if (argc >= 2 && !strcmp(argv[1], "hog"))
		hog(argc - 2, argv + 2);
	fprintf(stderr, "usage: fuzz_util dmabuf-reopen DEV | hog [DEV...] | hold MIB\n");
	return 2;
}
