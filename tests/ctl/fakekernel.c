// SPDX-License-Identifier: GPL-2.0
/*
 * The mapper module's side of configfs and sysfs, played on plain
 * directories for mapperctl's host tests. LD_PRELOADed into a mapperctl run
 * with MAPPER_SYSROOT=ROOT, it stands in for the kernel where mapperctl
 * meets it, as mapper(4) describes the module:
 *
 *   mkdir ROOT/sys/kernel/config/mapper/NAME   EINVAL for a bad NAME, EEXIST
 *                                              for a live buffer's; else the
 *                                              directory with its attributes
 *   write NAME/size, node, node_fallback,      checked and stored as the
 *     cache, contiguous, dma_device            module does (EBUSY once enabled)
 *   write NAME/enable 1                        ROOT/sys/class/mapper/mapperN/
 *                                              (with contiguous, dma_device,
 *                                              dma_maps, exports, and phys_addr
 *                                              0400 for a contiguous buffer),
 *                                              ROOT/dev/mapperN and udev's
 *                                              ROOT/dev/mapper-by-name/NAME;
 *                                              EINVAL (size 0, no such node,
 *                                              wc/uc with FAKE_NO_WC=1), ENODEV
 *                                              (dma_device not in ROOT/sys/bus/
 *                                              {pci,platform,amba}/devices),
 *                                              ENOMEM (over limit_bytes, or
 *                                              contiguous over FAKE_CONTIG_MAX
 *                                              bytes, 4 MiB unless set), EBUSY
 *                                              (the index of a name mapperN taken)
 *   write NAME/enable 0                        all that removed; EBUSY while the
 *                                              buffer's maps, opens, holders,
 *                                              dma_maps or exports (the test
 *                                              writes them) are not 0
 *   write NAME/detach 1                        removed at once, busy or not
 *   rmdir NAME                                 EBUSY while enabled
 *   ioctl MAPPER_IOC_EXPORT_DMABUF on a file   checked as src/dmabuf.c does it
 *     ROOT/dev/mapperN (opened by the test's   (argsz, flags, EACCES for O_RDWR
 *     load_time() or by enable)                on a read-only open, the range in
 *                                              whole 4 KiB pages inside sysfs's
 *                                              size), then a memfd of the range's
 *                                              length as the "dma-buf": named
 *                                              "fake-dmabuf:mapperN:OFFSET+LENGTH:
 *                                              ro|rw", reopened read-only for
 *                                              O_RDONLY, close-on-exec only with
 *                                              O_CLOEXEC.  sysfs exports is not
 *                                              counted (the test writes it).
 *
 * FAKE_FAIL=WHAT:ERRNO makes "mkdir" or the write of attribute WHAT fail
 * with that errno number, to test what a failure at each step leaves;
 * WHAT=VALUE (e.g. enable=0) fails only the writes of that value.
 * FAKE_INDEX=TEXT: what "index" reads after an enable. FAKE_RAISE=WHAT:SIG
 * raises signal SIG once "mkdir" or the write of WHAT has succeeded.
 * FAKE_COUNT=FILE appends a line "opendir" to FILE for every opendir() of
 * ROOT/sys/class/mapper.  FAKE_LOG=FILE appends "NAME/ATTR=VALUE" to FILE for
 * every write of an attribute, refused or not, in order.  FAKE_NO_DMA=1 is a
 * module before the DMA options: no contiguous and dma_device in configfs,
 * none of the DMA files in sysfs (and no exports).  FAKE_NO_DMABUF=1 is a
 * module without dma-buf export: no sysfs exports, and the ioctl ENOTTY.
 * FAKE_FAIL=export:ERRNO fails the ioctl, after its checks.  FAKE_LOG also
 * gets "mapperN/export argsz=A flags=0xF offset=O length=L open=rdonly|rdwr"
 * for every MAPPER_IOC_EXPORT_DMABUF asked, refused or not.  Every other call
 * passes through untouched.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "uapi/mapper.h"

static const char *const attrs[] = {
	"size", "node", "node_fallback", "cache", "enable", "detach", "index",
	"contiguous", "dma_device",
};
static const char *const defaults[] = { "0", "-1", "0", "cached", "0", "", "-1", "0", "" };
#define NATTRS (sizeof(attrs) / sizeof(attrs[0]))
#define NATTRS_OLD 7	/* a module before the DMA options: the first 7 */

static char root[PATH_MAX];

/* ROOT + the formatted path. */
__attribute__((format(printf, 2, 3)))
static char *at(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(buf, PATH_MAX, "%s", root);

	va_start(ap, fmt);
	vsnprintf(buf + n, PATH_MAX - (size_t)n, fmt, ap);
	va_end(ap);
	return buf;
}

/* The file @path holds @fmt and a newline, written through stdio (not write()). */
__attribute__((format(printf, 2, 3)))
static void put(const char *path, const char *fmt, ...)
{
	FILE *f = fopen(path, "w");
	va_list ap;

	if (!f)
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

static bool get(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = 0;
	return ok;
}

static long long get_num(const char *path)
{
	char b[64];

	return get(path, b, sizeof(b)) ? strtoll(b, NULL, 10) : 0;
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* FAKE_NO_DMA=1: a module before the DMA options. */
static bool no_dma(void)
{
	const char *v = getenv("FAKE_NO_DMA");

	return v && *v == '1';
}

/* FAKE_NO_DMABUF=1: a module without dma-buf export. */
static bool no_dmabuf(void)
{
	const char *v = getenv("FAKE_NO_DMABUF");

	return no_dma() || (v && *v == '1');
}

/* The attribute path's buffer name and attribute: ROOT/sys/kernel/config/mapper/NAME[/ATTR]. */
static bool in_cfg(const char *path, char *name, char *attr)
{
	char base[PATH_MAX];
	const char *p, *slash;
	size_t n;

	if (!root[0])
		return false;
	at(base, "/sys/kernel/config/mapper/");
	n = strlen(base);
	if (strncmp(path, base, n))
		return false;
	p = path + n;
	slash = strchr(p, '/');
	if (!slash && !attr) {
		snprintf(name, 64, "%s", p);
		return *p != 0;
	}
	if (!slash || !attr || strchr(slash + 1, '/') || slash - p >= 64)
		return false;
	snprintf(name, 64, "%.*s", (int)(slash - p), p);
	snprintf(attr, 64, "%s", slash + 1);
	return true;
}

/* FAKE_FAIL=WHAT:ERRNO: the errno for @what, or 0. */
static int fail_for(const char *what)
{
	const char *f = getenv("FAKE_FAIL");
	size_t n = strlen(what);

	if (f && !strncmp(f, what, n) && f[n] == ':')
		return atoi(f + n + 1);
	return 0;
}

/* FAKE_RAISE=WHAT:SIG: that signal, once @what has succeeded. */
static void raise_for(const char *what)
{
	const char *f = getenv("FAKE_RAISE");
	size_t n = strlen(what);

	if (f && !strncmp(f, what, n) && f[n] == ':')
		raise(atoi(f + n + 1));
}

static bool name_ok(const char *name)
{
	size_t n = strlen(name);

	if (!n || n > 31)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || isdigit((unsigned char)*p) || *p == '_' || *p == '-'))
			return false;
	return true;
}

/* The index a name mapperN reserves, or -1. */
static long reserved(const char *name)
{
	const char *d = name + 6;

	if (strncmp(name, "mapper", 6) || !isdigit((unsigned char)*d) || (*d == '0' && d[1]) ||
	    strspn(d, "0123456789") != strlen(d))
		return -1;
	return strtol(d, NULL, 10);
}

/* The index of the live buffer named @name, or -1. */
static long live(const char *name)
{
	char p[PATH_MAX], b[64];
	DIR *d = opendir(at(p, "/sys/class/mapper"));
	struct dirent *e;
	long found = -1;

	if (!d)
		return -1;
	while ((e = readdir(d)) && found < 0) {
		if (strncmp(e->d_name, "mapper", 6) || !isdigit((unsigned char)e->d_name[6]))
			continue;
		if (get(at(p, "/sys/class/mapper/%s/name", e->d_name), b, sizeof(b)) &&
		    !strcmp(b, name))
			found = strtol(e->d_name + 6, NULL, 10);
	}
	closedir(d);
	return found;
}

/* The kernel's memparse(): a number, then K, M or G (either case), a newline. */
static bool parse_size(const char *s, unsigned long long *v)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno)
		return false;
	switch (*end) {
	case 'G': case 'g': *v <<= 10; /* fall through */
	case 'M': case 'm': *v <<= 10; /* fall through */
	case 'K': case 'k': *v <<= 10; end++;
	}
	return !*end || !strcmp(end, "\n");
}

/* The value written, without its newline, in @buf. */
static void value(const void *data, size_t n, char *buf, size_t len)
{
	snprintf(buf, len, "%.*s", (int)n, (const char *)data);
	buf[strcspn(buf, "\n")] = 0;
}

static void unregister(const char *name, long index)
{
	char p[PATH_MAX];
	long long size = get_num(at(p, "/sys/class/mapper/mapper%ld/size", index));

	static const char *const cls[] = {
		"size", "maps", "cache", "name", "node", "opens", "holders", "dev",
		"contiguous", "dma_device", "dma_maps", "exports", "phys_addr",
	};

	for (size_t i = 0; i < sizeof(cls) / sizeof(cls[0]); i++)
		unlink(at(p, "/sys/class/mapper/mapper%ld/%s", index, cls[i]));
	rmdir(at(p, "/sys/class/mapper/mapper%ld", index));
	unlink(at(p, "/dev/mapper%ld", index));
	unlink(at(p, "/dev/mapper-by-name/%s", name));
	put(at(p, "/sys/class/mapper/total_bytes"), "%lld",
	    get_num(at(p, "/sys/class/mapper/total_bytes")) - size);
	put(at(p, "/sys/kernel/config/mapper/%s/enable", name), "0");
	put(at(p, "/sys/kernel/config/mapper/%s/index", name), "-1");
}

static int enable(const char *name)
{
	char p[PATH_MAX], cache[16], link[64], dev[128] = "";
	long long size = get_num(at(p, "/sys/kernel/config/mapper/%s/size", name));
	long long node = get_num(at(p, "/sys/kernel/config/mapper/%s/node", name));
	long long contig = get_num(at(p, "/sys/kernel/config/mapper/%s/contiguous", name));
	const char *max = getenv("FAKE_CONTIG_MAX");
	long long total = get_num(at(p, "/sys/class/mapper/total_bytes"));
	long long limit = get_num(at(p, "/sys/class/mapper/limit_bytes"));
	long index = reserved(name);
	const char *nowc = getenv("FAKE_NO_WC");

	get(at(p, "/sys/kernel/config/mapper/%s/cache", name), cache, sizeof(cache));
	get(at(p, "/sys/kernel/config/mapper/%s/dma_device", name), dev, sizeof(dev));
	if (get_num(at(p, "/sys/kernel/config/mapper/%s/enable", name)))
		return EBUSY;
	if (!size || (node >= 0 && !exists(at(p, "/sys/devices/system/node/node%lld", node))) ||
	    (nowc && *nowc == '1' && strcmp(cache, "cached")))
		return EINVAL;
	/* The buses the module looks on. */
	if (dev[0] && !exists(at(p, "/sys/bus/pci/devices/%s", dev)) &&
	    !exists(at(p, "/sys/bus/platform/devices/%s", dev)) &&
	    !exists(at(p, "/sys/bus/amba/devices/%s", dev)))
		return ENODEV;
	if (size > limit - total || (contig && size > (max ? atoll(max) : 4 << 20)))
		return ENOMEM;
	if (index >= 0 && exists(at(p, "/sys/class/mapper/mapper%ld", index)))
		return EBUSY;
	if (index < 0)
		for (index = 0; exists(at(p, "/sys/class/mapper/mapper%ld", index)); index++)
			;
	mkdir(at(p, "/sys/class/mapper/mapper%ld", index), 0755);
	put(at(p, "/sys/class/mapper/mapper%ld/size", index), "%lld", size);
	put(at(p, "/sys/class/mapper/mapper%ld/name", index), "%s", name);
	put(at(p, "/sys/class/mapper/mapper%ld/node", index), "%lld", node);
	put(at(p, "/sys/class/mapper/mapper%ld/cache", index), "%s", cache);
	put(at(p, "/sys/class/mapper/mapper%ld/dev", index), "250:%ld", index);
	put(at(p, "/sys/class/mapper/mapper%ld/maps", index), "0");
	put(at(p, "/sys/class/mapper/mapper%ld/opens", index), "0");
	put(at(p, "/sys/class/mapper/mapper%ld/holders", index), "0");
	if (!no_dma()) {
		put(at(p, "/sys/class/mapper/mapper%ld/contiguous", index), "%lld", contig);
		put(at(p, "/sys/class/mapper/mapper%ld/dma_device", index), "%s", dev);
		put(at(p, "/sys/class/mapper/mapper%ld/dma_maps", index), "0");
	}
	if (!no_dmabuf())
		put(at(p, "/sys/class/mapper/mapper%ld/exports", index), "0");
	if (!no_dma() && contig) {
		at(p, "/sys/class/mapper/mapper%ld/phys_addr", index);
		put(p, "%#llx", 0x100000000ull + ((unsigned long long)index << 24));
		chmod(p, 0400);
	}
	put(at(p, "/dev/mapper%ld", index), "fake device");
	mkdir(at(p, "/dev/mapper-by-name"), 0755);
	snprintf(link, sizeof(link), "../mapper%ld", index);
	symlink(link, at(p, "/dev/mapper-by-name/%s", name));
	put(at(p, "/sys/class/mapper/total_bytes"), "%lld", total + size);
	put(at(p, "/sys/kernel/config/mapper/%s/enable", name), "1");
	if (getenv("FAKE_INDEX"))
		put(at(p, "/sys/kernel/config/mapper/%s/index", name), "%s", getenv("FAKE_INDEX"));
	else
		put(at(p, "/sys/kernel/config/mapper/%s/index", name), "%ld", index);
	return 0;
}

/* A write of @v to attribute @attr of buffer @name: 0 or the errno. */
static int store(const char *name, const char *attr, const char *v)
{
	char p[PATH_MAX], a[PATH_MAX];
	bool on = get_num(at(p, "/sys/kernel/config/mapper/%s/enable", name)) != 0;
	long index = on ? (long)get_num(at(p, "/sys/kernel/config/mapper/%s/index", name)) : -1;
	unsigned long long size;
	char *end, with[192];
	long n;
	int err = fail_for(attr);

	snprintf(with, sizeof(with), "%s=%s", attr, v);
	if (!err)
		err = fail_for(with);
	if (err)
		return err;
	at(a, "/sys/kernel/config/mapper/%s/%s", name, attr);
	if (!strcmp(attr, "size")) {
		if (on)
			return EBUSY;
		if (!parse_size(v, &size))
			return EINVAL;
		put(a, "%llu", size);
	} else if (!strcmp(attr, "node") || !strcmp(attr, "node_fallback")) {
		bool flag = !strcmp(attr, "node_fallback");

		if (on)
			return EBUSY;
		n = strtol(v, &end, 10);
		if (end == v || *end || n < (flag ? 0 : -1) || (flag && n > 1))
			return EINVAL;
		put(a, "%ld", n);
	} else if (!strcmp(attr, "cache")) {
		if (strcmp(v, "cached") && strcmp(v, "wc") && strcmp(v, "uc"))
			return EINVAL;
		if (on && (get_num(at(p, "/sys/class/mapper/mapper%ld/maps", index)) ||
			   get_num(at(p, "/sys/class/mapper/mapper%ld/exports", index))))
			return EBUSY;
		put(a, "%s", v);
		if (on)
			put(at(p, "/sys/class/mapper/mapper%ld/cache", index), "%s", v);
	} else if (!strcmp(attr, "contiguous")) {
		if (on)
			return EBUSY;
		if (strcmp(v, "0") && strcmp(v, "1"))
			return EINVAL;
		put(a, "%s", v);
	} else if (!strcmp(attr, "dma_device")) {
		/* Up to 63 characters, no /: looked up at enable. */
		if (on)
			return EBUSY;
		if (strlen(v) > 63 || strchr(v, '/'))
			return EINVAL;
		put(a, "%s", v);
	} else if (!strcmp(attr, "enable")) {
		if (!strcmp(v, "1"))
			return enable(name);
		if (strcmp(v, "0"))
			return EINVAL;
		if (!on)
			return 0;
		if (get_num(at(p, "/sys/class/mapper/mapper%ld/maps", index)) ||
		    get_num(at(p, "/sys/class/mapper/mapper%ld/opens", index)) ||
		    get_num(at(p, "/sys/class/mapper/mapper%ld/holders", index)) ||
		    get_num(at(p, "/sys/class/mapper/mapper%ld/dma_maps", index)) ||
		    get_num(at(p, "/sys/class/mapper/mapper%ld/exports", index)))
			return EBUSY;
		unregister(name, index);
	} else if (!strcmp(attr, "detach")) {
		if (strcmp(v, "1") || !on)
			return EINVAL;
		unregister(name, index);
	} else {
		return EACCES;	/* index: read-only */
	}
	return 0;
}

ssize_t write(int fd, const void *data, size_t n)
{
	static ssize_t (*real)(int, const void *, size_t);
	char link[64], path[PATH_MAX], name[64], attr[64], v[128];
	ssize_t l;
	int err;

	if (!real)
		real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	l = fd > 2 ? readlink(link, path, sizeof(path) - 1) : -1;
	if (l <= 0)
		return real(fd, data, n);
	path[l] = 0;
	if (!in_cfg(path, name, attr))
		return real(fd, data, n);
	value(data, n, v, sizeof(v));
	if (getenv("FAKE_LOG")) {
		FILE *f = fopen(getenv("FAKE_LOG"), "a");

		if (f) {
			fprintf(f, "%s/%s=%s\n", name, attr, v);
			fclose(f);
		}
	}
	err = store(name, attr, v);
	if (err) {
		errno = err;
		return -1;
	}
	raise_for(attr);
	return (ssize_t)n;
}

/* The index N of @fd when it is a file ROOT/dev/mapperN, else -1. */
static long mapper_fd(int fd)
{
	char link[64], path[PATH_MAX], dev[PATH_MAX];
	ssize_t l;
	size_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	l = root[0] ? readlink(link, path, sizeof(path) - 1) : -1;
	if (l <= 0)
		return -1;
	path[l] = 0;
	at(dev, "/dev/mapper");
	n = strlen(dev);
	if (strncmp(path, dev, n) || !isdigit((unsigned char)path[n]) ||
	    strspn(path + n, "0123456789") != strlen(path + n))
		return -1;
	return strtol(path + n, NULL, 10);
}

/* MAPPER_IOC_EXPORT_DMABUF of buffer @index through @fd: 0 or the errno. */
static int export(int fd, long index, struct mapper_export_dmabuf *uexp)
{
	char p[PATH_MAX], name[96];
	struct mapper_export_dmabuf exp;
	unsigned long long size;
	int mode = fcntl(fd, F_GETFL) & O_ACCMODE, err, mfd, dfd;
	const char *log = getenv("FAKE_LOG");
	__u32 argsz = uexp->argsz;

	if (log) {
		FILE *f = fopen(log, "a");

		if (f) {
			fprintf(f, "mapper%ld/export argsz=%u flags=%#x offset=%llu length=%llu open=%s\n",
				index, argsz, argsz >= 8 ? uexp->flags : 0,
				argsz >= 16 ? (unsigned long long)uexp->offset : 0,
				argsz >= 24 ? (unsigned long long)uexp->length : 0,
				mode == O_RDONLY ? "rdonly" : mode == O_RDWR ? "rdwr" : "wronly");
			fclose(f);
		}
	}
	if (no_dmabuf())
		return ENOTTY;
	if (argsz < MAPPER_EXPORT_DMABUF_SIZE_V1)
		return EINVAL;
	if (argsz > 4096)
		return E2BIG;
	/* copy_struct_from_user(): what is past the structure is zero. */
	for (size_t i = sizeof(exp); i < argsz; i++)
		if (((const unsigned char *)uexp)[i])
			return E2BIG;
	memcpy(&exp, uexp, sizeof(exp));
	if (exp.flags & ~(unsigned int)(O_CLOEXEC | O_ACCMODE) ||
	    ((exp.flags & O_ACCMODE) != O_RDONLY && (exp.flags & O_ACCMODE) != O_RDWR))
		return EINVAL;
	if ((exp.flags & O_ACCMODE) == O_RDWR && mode == O_RDONLY)
		return EACCES;
	size = (unsigned long long)get_num(at(p, "/sys/class/mapper/mapper%ld/size", index));
	if (!exp.length && exp.offset < size)
		exp.length = size - exp.offset;
	if (exp.offset % 4096 || exp.length % 4096 || !exp.length || exp.offset >= size ||
	    exp.length > size - exp.offset)
		return EINVAL;
	err = fail_for("export");
	if (err)
		return err;
	snprintf(name, sizeof(name), "fake-dmabuf:mapper%ld:%llu+%llu:%s", index,
		 (unsigned long long)exp.offset, (unsigned long long)exp.length,
		 (exp.flags & O_ACCMODE) == O_RDONLY ? "ro" : "rw");
	mfd = memfd_create(name, MFD_CLOEXEC);
	if (mfd < 0)
		return errno;
	if (ftruncate(mfd, (off_t)exp.length)) {
		err = errno;
		close(mfd);
		return err;
	}
	/*
	 * The descriptor the caller gets: its access mode and close-on-exec as
	 * asked, the lowest free number, as get_unused_fd_flags() gives.
	 */
	snprintf(p, sizeof(p), "/proc/self/fd/%d", mfd);
	dfd = open(p, (exp.flags & O_ACCMODE) | O_CLOEXEC);
	err = errno;
	close(mfd);
	if (dfd < 0)
		return err;
	mfd = fcntl(dfd, exp.flags & O_CLOEXEC ? F_DUPFD_CLOEXEC : F_DUPFD, 0);
	err = errno;
	close(dfd);
	if (mfd < 0)
		return err;
	uexp->fd = mfd;
	return 0;
}

int ioctl(int fd, unsigned long request, ...)
{
	static int (*real)(int, unsigned long, ...);
	va_list ap;
	void *arg;
	long index;
	int err;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!real)
		real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	if (request != MAPPER_IOC_EXPORT_DMABUF || (index = mapper_fd(fd)) < 0)
		return real(fd, request, arg);
	err = export(fd, index, arg);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

int mkdir(const char *path, mode_t mode)
{
	static int (*real)(const char *, mode_t);
	char name[64], p[PATH_MAX];
	int err;

	if (!real)
		real = (int (*)(const char *, mode_t))dlsym(RTLD_NEXT, "mkdir");
	snprintf(root, sizeof(root), "%s", getenv("MAPPER_SYSROOT") ? getenv("MAPPER_SYSROOT") : "");
	if (!in_cfg(path, name, NULL))
		return real(path, mode);
	err = fail_for("mkdir");
	if (!err && !name_ok(name))
		err = EINVAL;
	if (!err && live(name) >= 0)
		err = EEXIST;
	if (err) {
		errno = err;
		return -1;
	}
	if (real(path, mode))
		return -1;
	for (size_t i = 0; i < (no_dma() ? NATTRS_OLD : NATTRS); i++)
		put(at(p, "/sys/kernel/config/mapper/%s/%s", name, attrs[i]), "%s", defaults[i]);
	raise_for("mkdir");
	return 0;
}

DIR *opendir(const char *path)
{
	static DIR *(*real)(const char *);
	char p[PATH_MAX];
	const char *count = getenv("FAKE_COUNT");

	if (!real)
		real = (DIR *(*)(const char *))dlsym(RTLD_NEXT, "opendir");
	if (count && root[0] && !strcmp(path, at(p, "/sys/class/mapper"))) {
		FILE *f = fopen(count, "a");

		if (f) {
			fputs("opendir\n", f);
			fclose(f);
		}
	}
	return real(path);
}

int rmdir(const char *path)
{
	static int (*real)(const char *);
	char name[64], p[PATH_MAX];

	if (!real)
		real = (int (*)(const char *))dlsym(RTLD_NEXT, "rmdir");
	snprintf(root, sizeof(root), "%s", getenv("MAPPER_SYSROOT") ? getenv("MAPPER_SYSROOT") : "");
	if (!in_cfg(path, name, NULL) || !exists(path))
		return real(path);
	if (get_num(at(p, "/sys/kernel/config/mapper/%s/enable", name))) {
		errno = EBUSY;
		return -1;
	}
	for (size_t i = 0; i < NATTRS; i++)
		unlink(at(p, "/sys/kernel/config/mapper/%s/%s", name, attrs[i]));
	return real(path);
}

__attribute__((constructor))
static void init(void)
{
	snprintf(root, sizeof(root), "%s", getenv("MAPPER_SYSROOT") ? getenv("MAPPER_SYSROOT") : "");
}
