/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the in-VM tests of buffers on demand share (ctl_test.c, numa_test.c):
 * configfs items of /sys/kernel/config/mapper and their attributes, the
 * sysfs view of every buffer (/sys/class/mapper), a snapshot of what exists
 * (to prove that a failure created nothing), mapperctl run as a child with
 * its output captured, and privileges dropped in a child.
 */
#ifndef MAPPER_CTL_UTIL_H
#define MAPPER_CTL_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vm_util.h"

#define CFS		"/sys/kernel/config/mapper"
#define CLASS		"/sys/class/mapper"
#define MAPPERCTL	"/bin/mapperctl"
#define SAMPLE_KO	"/lib/modules/mapper_sample.ko"
#define KIB		1024LL
#define MIB		(1024LL * 1024)

/* ---- files ------------------------------------------------------------ */

/* write_file(): vm_util.h. */

/* The first line of @path without its newline: 0 or -errno. */
static inline int read_line(const char *path, char *out, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	out[0] = '\0';
	if (fd < 0)
		return -errno;
	n = read(fd, out, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
	return 0;
}

/* A number read from @path; @fallback if it cannot be read. */
static inline long long read_ll(const char *path, long long fallback)
{
	char text[64], *end;
	long long v;

	if (read_line(path, text, sizeof(text)) || !text[0])
		return fallback;
	v = strtoll(text, &end, 0);
	return *end ? fallback : v;
}

static inline int exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* ---- configfs --------------------------------------------------------- */

static inline void cfs_path(char *out, size_t len, const char *name, const char *attr)
{
	if (attr)
		snprintf(out, len, CFS "/%s/%s", name, attr);
	else
		snprintf(out, len, CFS "/%s", name);
}

static inline int cfs_mkdir(const char *name)
{
	char p[256];

	cfs_path(p, sizeof(p), name, NULL);
	return mkdir(p, 0755) ? -errno : 0;
}

static inline int cfs_rmdir(const char *name)
{
	char p[256];

	cfs_path(p, sizeof(p), name, NULL);
	return rmdir(p) ? -errno : 0;
}

static inline int cfs_exists(const char *name)
{
	char p[256];

	cfs_path(p, sizeof(p), name, NULL);
	return exists(p);
}

static inline int cfs_write(const char *name, const char *attr, const char *text)
{
	char p[256];

	cfs_path(p, sizeof(p), name, attr);
	return write_file(p, text);
}

static inline int cfs_read(const char *name, const char *attr, char *out, size_t len)
{
	char p[256];

	cfs_path(p, sizeof(p), name, attr);
	return read_line(p, out, len);
}

/* An attribute as a number; -999999 if it cannot be read. */
static inline long long cfs_ll(const char *name, const char *attr)
{
	char p[256];

	cfs_path(p, sizeof(p), name, attr);
	return read_ll(p, -999999);
}

/* Mounts configfs where the kernel has it, unless it is mounted there. */
static inline int configfs_mount(void)
{
	if (exists(CFS))
		return 0;
	if (mount("none", "/sys/kernel/config", "configfs", 0, NULL) && errno != EBUSY)
		return -errno;
	return exists(CFS) ? 0 : -ENOENT;
}

/* How many entries a directory has, of those starting with @prefix. */
static inline int dir_count(const char *dir, const char *prefix)
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

/* ---- sysfs ------------------------------------------------------------ */

static inline long long dev_ll(int index, const char *attr)
{
	char p[96];

	snprintf(p, sizeof(p), CLASS "/mapper%d/%s", index, attr);
	return read_ll(p, -999999);
}

static inline int dev_str(int index, const char *attr, char *out, size_t len)
{
	char p[96];

	snprintf(p, sizeof(p), CLASS "/mapper%d/%s", index, attr);
	return read_line(p, out, len);
}

static inline int dev_is(int index, const char *attr, const char *want)
{
	char text[128];

	return !dev_str(index, attr, text, sizeof(text)) && !strcmp(text, want);
}

static inline int dev_present(int index)
{
	char p[64];

	snprintf(p, sizeof(p), CLASS "/mapper%d", index);
	return exists(p);
}

static inline int node_present(int index)
{
	char p[64];

	snprintf(p, sizeof(p), "/dev/mapper%d", index);
	return exists(p);
}

static inline long long total_bytes(void)
{
	return read_ll(CLASS "/total_bytes", -1);
}

static inline long long limit_bytes(void)
{
	return read_ll(CLASS "/limit_bytes", -1);
}

/* The index of the live buffer called @name, or -1. */
static inline int index_of(const char *name)
{
	DIR *d = opendir(CLASS);
	struct dirent *e;
	int found = -1;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char text[64];
		int n;

		if (sscanf(e->d_name, "mapper%d", &n) != 1)
			continue;
		if (!dev_str(n, "name", text, sizeof(text)) && !strcmp(text, name))
			found = n;
	}
	closedir(d);
	return found;
}

/* The lowest N with no /sys/class/mapper/mapperN. */
static inline int lowest_free_index(void)
{
	int n = 0;

	while (dev_present(n))
		n++;
	return n;
}

static inline int open_index(int index, int flags)
{
	char path[32];

	snprintf(path, sizeof(path), "/dev/mapper%d", index);
	return open(path, flags | O_CLOEXEC);
}

/* ---- buffers made and unmade ------------------------------------------ */

/*
 * A buffer through configfs: mkdir, size, then node and cache when given,
 * enable. Returns its index, or -errno of the first step that failed, the
 * directory removed again (so the test itself leaves nothing behind).
 */
static inline int cfs_create(const char *name, const char *size, const char *node,
			     const char *cache)
{
	int ret = cfs_mkdir(name);

	if (ret)
		return ret;
	ret = cfs_write(name, "size", size);
	if (!ret && node)
		ret = cfs_write(name, "node", node);
	if (!ret && cache)
		ret = cfs_write(name, "cache", cache);
	if (!ret)
		ret = cfs_write(name, "enable", "1");
	if (ret) {
		cfs_rmdir(name);
		return ret;
	}
	return (int)cfs_ll(name, "index");
}

/* Strict removal and rmdir: 0 or -errno of the step that failed. */
static inline int cfs_remove(const char *name)
{
	int ret = 0;

	if (cfs_ll(name, "enable") == 1)
		ret = cfs_write(name, "enable", "0");
	return ret ? ret : cfs_rmdir(name);
}

/* Every configfs item gone, detached where still busy. */
static inline void cfs_cleanup(void)
{
	DIR *d = opendir(CFS);
	struct dirent *e;
	char names[256][64];
	int n = 0;

	if (!d)
		return;
	while ((e = readdir(d)) && n < 256)
		if (e->d_name[0] != '.')
			snprintf(names[n++], sizeof(names[0]), "%s", e->d_name);
	closedir(d);
	for (int i = 0; i < n; i++) {
		if (cfs_ll(names[i], "enable") == 1 && cfs_write(names[i], "enable", "0"))
			cfs_write(names[i], "detach", "1");
		cfs_rmdir(names[i]);
	}
}

/* What exists: configfs items, devices, their memory. */
struct snap {
	int dirs, devs, nodes;
	long long total;
};

static inline struct snap snap_take(void)
{
	struct snap s = {
		.dirs = dir_count(CFS, ""),
		.devs = dir_count(CLASS, "mapper"),
		.nodes = dir_count("/dev", "mapper"),
		.total = total_bytes(),
	};

	return s;
}

static inline int snap_same(struct snap a, struct snap b)
{
	return a.dirs == b.dirs && a.devs == b.devs && a.nodes == b.nodes && a.total == b.total;
}

#define SNAP_FMT	"%d configfs items, %d devices, %d nodes, %lld bytes"
#define SNAP_ARGS(s)	(s).dirs, (s).devs, (s).nodes, (s).total

/* ---- privileges ------------------------------------------------------- */

/*
 * This process (a child) keeps uid 0 and every capability but
 * CAP_SYS_ADMIN, also across exec (dropped from the bounding set).
 */
static inline int drop_sys_admin(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	unsigned int w = CAP_SYS_ADMIN / 32, bit = 1U << (CAP_SYS_ADMIN % 32);

	if (prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0))
		return -1;
	if (syscall(SYS_capget, &h, d))
		return -1;
	d[w].effective &= ~bit;
	d[w].permitted &= ~bit;
	d[w].inheritable &= ~bit;
	return syscall(SYS_capset, &h, d) ? -1 : 0;
}

/* 0 none, 1 uid 0 without CAP_SYS_ADMIN, 2 uid and gid 65534 (nobody). */
static inline int drop_privileges(int how)
{
	if (how == 1)
		return drop_sys_admin();
	if (how == 2)
		return setgroups(0, NULL) || setgid(65534) || setuid(65534) ? -1 : 0;
	return 0;
}

/* ---- running mapperctl ------------------------------------------------ */

struct run {
	int status;		/* exit status; 128 + signal; -1 not run */
	char out[16384];
	char err[8192];
};

static inline void slurp(const char *path, char *out, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = 0, r;

	out[0] = '\0';
	if (fd < 0)
		return;
	while ((size_t)n < len - 1 && (r = read(fd, out + n, len - 1 - n)) > 0)
		n += r;
	out[n] = '\0';
	close(fd);
	unlink(path);
}

/*
 * Runs argv (argv[0] a path) with @in on its standard input (NULL: none),
 * privileges dropped as drop_privileges(@how); fills @r. 0 if it ran.
 */
static inline int run_argv(struct run *r, const char *in, int how, const char *const argv[])
{
	char opath[64], epath[64], ipath[64];
	pid_t pid;
	int status;

	r->status = -1;
	r->out[0] = r->err[0] = '\0';
	snprintf(opath, sizeof(opath), "/tmp/run.%d.out", getpid());
	snprintf(epath, sizeof(epath), "/tmp/run.%d.err", getpid());
	snprintf(ipath, sizeof(ipath), "/tmp/run.%d.in", getpid());
	if (in) {
		int fd = open(ipath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd < 0 || write(fd, in, strlen(in)) != (ssize_t)strlen(in))
			return -1;
		close(fd);
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int i = open(in ? ipath : "/dev/null", O_RDONLY);
		int o = open(opath, O_WRONLY | O_CREAT | O_TRUNC, 0666);
		int e = open(epath, O_WRONLY | O_CREAT | O_TRUNC, 0666);

		if (i < 0 || o < 0 || e < 0 || dup2(i, 0) < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(125);
		if (drop_privileges(how))
			_exit(126);
		unsetenv("MAPPER_SYSROOT");
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	slurp(opath, r->out, sizeof(r->out));
	slurp(epath, r->err, sizeof(r->err));
	if (in)
		unlink(ipath);
	return 0;
}

/* mapperctl ARG... (NULL-terminated), as root. */
#define CTL(r, ...) run_argv((r), NULL, 0, (const char *const[]){ MAPPERCTL, __VA_ARGS__, NULL })
#define CTL_IN(r, in, ...) run_argv((r), (in), 0, (const char *const[]){ MAPPERCTL, __VA_ARGS__, NULL })
#define CTL_AS(r, how, ...) run_argv((r), NULL, (how), (const char *const[]){ MAPPERCTL, __VA_ARGS__, NULL })

/* The index N of stdout "/dev/mapperN\n" exactly, or -1. */
static inline int printed_index(const char *out)
{
	int n, len = 0;

	if (sscanf(out, "/dev/mapper%d\n%n", &n, &len) != 1 || !len || out[len] ||
	    out[len - 1] != '\n')
		return -1;
	return n;
}

/* ---- memory ----------------------------------------------------------- */

static inline long meminfo_kb(const char *file, const char *field)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen(file, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, field);

		if (p && p[strlen(field)] == ':' && (p == line || p[-1] == ' '))
			kb = strtol(p + strlen(field) + 1, NULL, 10);
	}
	fclose(f);
	return kb;
}

/*
 * Free memory in KiB: MemFree plus the pages on the per-CPU free lists
 * (/proc/zoneinfo's "count:"), where freed pages often go first.
 */
static inline long free_kb(void)
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
	return meminfo_kb("/proc/meminfo", "MemFree") + pages * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Pattern helpers: byte i of a buffer filled with @seed. */
static inline unsigned char pat(size_t i, unsigned int seed)
{
	return (unsigned char)((i * 131 + seed * 7 + (i >> 12)) ^ seed);
}

static inline void pat_fill(unsigned char *p, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = pat(i, seed);
}

static inline int pat_check(const unsigned char *p, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != pat(i, seed))
			return 0;
	return 1;
}

static inline int all_zero(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

struct tbuf {
	char name[32];
	int index, fd;
	size_t size;
	unsigned char *p;
};

/*
 * A configfs buffer (contiguous, and @attr = @value, if asked), open
 * read-write and mapped: 0 or -errno of the step that failed, nothing left
 * behind. The DMA and dma-buf tests' buffers.
 */
static inline int tbuf_make(struct tbuf *b, const char *name, size_t size, int contiguous,
			    const char *attr, const char *value)
{
	char text[32];
	int ret;

	memset(b, 0, sizeof(*b));
	b->fd = -1;
	b->index = -1;
	snprintf(b->name, sizeof(b->name), "%s", name);
	b->size = size;
	ret = cfs_mkdir(name);
	if (ret)
		return ret;
	snprintf(text, sizeof(text), "%zu", size);
	ret = cfs_write(name, "size", text);
	if (!ret && contiguous)
		ret = cfs_write(name, "contiguous", "1");
	if (!ret && value)
		ret = cfs_write(name, attr, value);
	if (!ret)
		ret = cfs_write(name, "enable", "1");
	if (ret) {
		cfs_rmdir(name);
		return ret;
	}
	b->index = (int)cfs_ll(name, "index");
	b->fd = open_index(b->index, O_RDWR);
	if (b->fd < 0) {
		ret = -errno;
		cfs_remove(name);
		return ret;
	}
	b->p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, b->fd, 0);
	if (b->p == MAP_FAILED) {
		ret = -errno;
		b->p = NULL;
		close(b->fd);
		cfs_remove(name);
		return ret;
	}
	return 0;
}

/* Its mapping and file closed: only what else holds the buffer remains. */
static inline void tbuf_close(struct tbuf *b)
{
	if (b->p)
		munmap(b->p, b->size);
	if (b->fd >= 0)
		close(b->fd);
	b->p = NULL;
	b->fd = -1;
}

static inline int tbuf_free(struct tbuf *b)
{
	tbuf_close(b);
	return cfs_remove(b->name);
}

#endif /* MAPPER_CTL_UTIL_H */
