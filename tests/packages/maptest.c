// SPDX-License-Identifier: GPL-2.0
/*
 * maptest DEVICE write|eacces: run inside the booted package root.
 *   write   open DEVICE read/write, MAPPER_IOC_INFO, map it MAP_SHARED,
 *           write a pattern through the mapping and read it back with pread()
 *   eacces  opening DEVICE read/write must fail with EACCES
 * Built there against the installed <mapper.h> (mapper-dev).
 */
#include <errno.h>
#include <fcntl.h>
#include <mapper.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct mapper_info info = { .argsz = sizeof(info) };
	char buf[64], msg[64];
	unsigned char *p;
	int fd;

	if (argc != 3)
		return 2;
	fd = open(argv[1], O_RDWR);
	if (strcmp(argv[2], "eacces") == 0) {
		if (fd < 0 && errno == EACCES) {
			printf("open %s: EACCES as expected\n", argv[1]);
			return 0;
		}
		printf("open %s: expected EACCES, got %s\n", argv[1],
		       fd < 0 ? strerror(errno) : "success");
		return 1;
	}
	if (fd < 0) {
		printf("open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (ioctl(fd, MAPPER_IOC_INFO, &info) < 0 || info.buf_size == 0) {
		printf("MAPPER_IOC_INFO: %s\n", strerror(errno));
		return 1;
	}
	p = mmap(NULL, info.buf_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		printf("mmap: %s\n", strerror(errno));
		return 1;
	}
	snprintf(msg, sizeof(msg), "written through a mapping by uid %d", (int)getuid());
	memcpy(p + 4096, msg, strlen(msg) + 1);
	if (pread(fd, buf, strlen(msg) + 1, 4096) != (ssize_t)strlen(msg) + 1 ||
	    strcmp(buf, msg) != 0) {
		printf("read() does not see the mapping's write\n");
		return 1;
	}
	printf("%s: %llu bytes mapped, write seen by read(): \"%s\"\n", argv[1],
	       (unsigned long long)info.buf_size, buf);
	munmap(p, info.buf_size);
	close(fd);
	return 0;
}
