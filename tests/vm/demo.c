// SPDX-License-Identifier: GPL-2.0
/*
 * mapper-demo: the small programs behind "make demo".
 *
 *   mapper-demo hold TEXT      map /dev/mapper0 shared, write TEXT, stay mapped
 *   mapper-demo show           map it in another process and print what is there
 *   mapper-demo private TEXT   write TEXT into a MAP_PRIVATE (copy-on-write) map
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define DEV "/dev/mapper0"
#define LEN 4096

static char *map(int flags)
{
	int fd = open(DEV, O_RDWR);
	char *p;

	if (fd < 0) {
		perror(DEV);
		return NULL;
	}
	p = mmap(NULL, LEN, PROT_READ | PROT_WRITE, flags, fd, 0);
	close(fd);	/* the mapping keeps the buffer */
	if (p == MAP_FAILED) {
		perror("mmap");
		return NULL;
	}
	return p;
}

int main(int argc, char **argv)
{
	char *p;

	if (argc == 3 && !strcmp(argv[1], "hold")) {
		p = map(MAP_SHARED);
		if (!p)
			return 1;
		strncpy(p, argv[2], LEN - 1);
		printf("[pid %d] wrote \"%s\" through a MAP_SHARED mapping; holding it\n",
		       getpid(), p);
		fflush(stdout);
		pause();
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "show")) {
		p = map(MAP_SHARED);
		if (!p)
			return 1;
		printf("[pid %d] my own mapping reads \"%s\"\n", getpid(), p);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "private")) {
		p = map(MAP_PRIVATE);
		if (!p)
			return 1;
		strncpy(p, argv[2], LEN - 1);
		printf("[pid %d] wrote \"%s\" through a MAP_PRIVATE mapping (my copy only)\n",
		       getpid(), p);
		return 0;
	}
	fprintf(stderr, "usage: mapper-demo hold TEXT | show | private TEXT\n");
	return 2;
}
