// SPDX-License-Identifier: GPL-2.0
/*
 * mapperctl: create, remove and list mapper buffers, and apply
 * /etc/mapper.conf, as losetup and zramctl do for theirs; export one as a
 * dma-buf to a command.
 *
 * A buffer made at run time is a directory of the module's configfs
 * subsystem, /sys/kernel/config/mapper/NAME: mkdir, write its attributes,
 * write 1 to "enable".  Any failure on the way removes the directory again,
 * so that nothing is left half-created.  What exists is read from
 * /sys/class/mapper/mapperN/ (which also has the buffers made at module load).
 */
static const char usage_text[] =
"Usage: mapperctl COMMAND [OPTIONS]\n"
"Create, remove, list and export mapper buffers (/dev/mapperN).\n"
"\n"
"Commands:\n"
"  create --size SIZE [--node N] [--node-fallback] [--cache MODE] [--name NAME]\n"
"         [--contiguous] [--dma-device DEVICE]\n"
"                      make a buffer and print its device, /dev/mapperN\n"
"      --size SIZE     its size in bytes; K, M and G suffixes (powers of 1024)\n"
"      --node N        take its pages from NUMA node N only (default: any)\n"
"      --node-fallback prefer node N, take pages from other nodes when it has\n"
"                      none left\n"
"      --cache MODE    cached (default), wc (write-combining) or uc (uncached)\n"
"      --name NAME     1 to 31 of a-z 0-9 _ - (default: mapperN, the lowest\n"
"                      free N); /dev/mapper-by-name/NAME links to the device\n"
"      --contiguous    one physically contiguous block of memory\n"
"      --dma-device DEVICE\n"
"                      a device of /sys/bus/*/devices (e.g. 0000:00:04.0)\n"
"                      that drivers map it for: pages it reaches, its node\n"
"  remove [--lazy] NAME|DEVICE\n"
"                      remove a buffer made by create or apply; DEVICE is\n"
"                      /dev/mapperN or /dev/mapper-by-name/NAME\n"
"  -l, --lazy          detach it now, free its memory when the last user\n"
"                      closes or unmaps it (as umount -l)\n"
"  list [--json] [--bytes] [--dma]\n"
"                      every buffer: NAME DEVICE SIZE NODE CACHE MAPS HOLDERS\n"
"  -J, --json          as a JSON array of objects\n"
"  -b, --bytes         sizes in bytes\n"
"  -d, --dma           the columns CONTIG DMA-DEVICE DMA-MAPS EXPORTS too\n"

"  apply [FILE]        create the buffers of FILE (- for standard input;\n"
"                      default /etc/mapper.conf and /etc/mapper.d/*.conf)\n"
"                      that do not exist yet; see mapper.conf(5)\n"
"  export NAME|DEVICE [--offset O] [--length L] [--read-only]\n"
"         -- COMMAND [ARG...]\n"
"                      run COMMAND with a dma-buf of the buffer open, its file\n"
"                      descriptor in MAPPER_DMABUF_FD, its bytes in\n"
"                      MAPPER_DMABUF_SIZE; exit with COMMAND's status\n"
"      --offset O      from byte O of the buffer, whole pages (default 0)\n"
"      --length L      L bytes, whole pages (default: to the end)\n"
"  -r, --read-only     a read-only dma-buf, from a read-only open: devices\n"
"                      may only read it\n"
"\n"
"  -h, --help          show this help and exit\n"
"  -V, --version       show the version and exit\n"
"\n"
"create, remove and apply need root; export, the buffer's device.\n"
"Exit status: 0 success, 1 runtime error, 2 usage error; export: COMMAND's,\n"
"126 or 127 when it cannot be run.\n";

#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <json-c/json.h>

#include "uapi/mapper.h"
#include "version.h"
#include "common.h"

#define CONFIGFS	"/sys/kernel/config"
#define CFG		CONFIGFS "/mapper"
#define CONFIGFS_MAGIC	0x62656570
#define NAME_MAX_LEN	31
#define DIR_LEN		(sizeof(CFG "/") + 64)	/* CFG/NAME, a name as sysfs may say it */
#define CONF_FILE	"/etc/mapper.conf"
#define CONF_DIR	"/etc/mapper.d"
#define LINE_MAX_LEN	4096	/* a configuration line, its newline excluded */
#define MAX_ERRORS	10	/* configuration errors shown, the rest counted */

static const char *cmd = "";	/* the command, for messages */

/* --- messages ------------------------------------------------------------- */

static void vmsg(const char *where, const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "mapperctl: %s%s", cmd, *cmd ? ": " : "");
	if (where)
		fprintf(stderr, "%s: ", where);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

/* An error of @where (a "FILE:LINE" of the configuration, or NULL). */
__attribute__((format(printf, 2, 3)))
static void error_at(const char *where, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(where, fmt, ap);
	va_end(ap);
}

/* Exit @code: 1 runtime error, 2 usage error (pointing to --help). */
__attribute__((noreturn, format(printf, 2, 3)))
static void die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(NULL, fmt, ap);
	va_end(ap);
	if (code == 2)
		fputs("Try 'mapperctl --help' for more information.\n", stderr);
	exit(code);
}

/*
 * @s quoted for a message: non-printable bytes as \xHH, at most 40 of its
 * characters.  Four results live at a time.
 */
static const char *q(const char *s)
{
	static char ring[4][40 * 4 + 8];
	static int next;
	char *buf = ring[next++ % 4], *d = buf;
	size_t n = 0;

	*d++ = '\'';
	for (; *s && n < 40; s++, n++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f || c == '\'' || c == '\\')
			d += sprintf(d, "\\x%02x", c);
		else
			*d++ = (char)c;
	}
	*d++ = '\'';
	if (*s)
		d += sprintf(d, "...");
	*d = 0;
	return buf;
}

/*
 * @s for a message as it is, but non-printable bytes as \xHH (a path or
 * an argument: terminal escapes and newlines never reach the terminal).
 * Cut at @len - 1 bytes.
 */
static const char *esc(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	for (; *s && n + 5 <= len; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f || c == '\\')
			n += (size_t)snprintf(buf + n, len - n, "\\x%02x", c);
		else
			buf[n++] = (char)c;
	}
	buf[n] = 0;
	return buf;
}

/* @fmt appended at *@n of @buf (@len bytes), cut when full; *@n stays < @len. */
__attribute__((format(printf, 4, 5)))
static void append(char *buf, size_t len, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*n >= len - 1)
		return;
	va_start(ap, fmt);
	k = vsnprintf(buf + *n, len - *n, fmt, ap);
	va_end(ap);
	if (k > 0)
		*n += (size_t)k < len - 1 - *n ? (size_t)k : len - 1 - *n;
}

__attribute__((noreturn))
static void oom(void)
{
	die(1, "out of memory");
}

/* --- values ------------------------------------------------------------------ */

#define MAPPER_MINORS	(1u << 20)	/* device numbers: /dev/mapper0 .. 2^20 - 1 */

/*
 * Whether @name is mapper<digits>, which the module reserves for an index
 * (src/device.c); *@n is that index, or -1 when the digits cannot be one
 * (a leading zero, 2^20 or more).
 */
static bool reserved_index(const char *name, long *n)
{
	const char *d = name + 6;
	unsigned long v;

	if (strncmp(name, "mapper", 6) || !*d || strspn(d, "0123456789") != strlen(d))
		return false;
	*n = -1;
	if ((*d == '0' && d[1]) || strlen(d) > 7)
		return true;
	v = strtoul(d, NULL, 10);
	if (v < MAPPER_MINORS)
		*n = (long)v;
	return true;
}

/* Why @name cannot name a buffer, or NULL when it can. */
static const char *name_problem(const char *name)
{
	long n;

	if (!*name)
		return "empty";
	if (strlen(name) > NAME_MAX_LEN)
		return "longer than 31 characters";
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			return "only a-z, 0-9, _ and - may be used";
	/* mapper<digits> is /dev/mapper<digits>: one spelling for each. */
	if (reserved_index(name, &n) && n < 0)
		return name[6] == '0' ? "names mapperN are the devices /dev/mapperN and have no "
					"leading zeros" :
			"names mapperN are the devices /dev/mapperN, and N is below 1048576 (2^20)";
	return NULL;
}

#define NAME_RULE "a name is 1 to 31 characters of a-z, 0-9, _ and -"

/* Why @s is not a buffer size, or NULL with *v set. */
static const char *size_problem(const char *s, uint64_t *v)
{
	switch (size_parse(s, v)) {
	case SIZE_OK:
		return *v ? NULL : "a buffer needs at least one byte";
	case SIZE_NEGATIVE:
		return "a size is not negative";
	case SIZE_BIG:
		return "too large: more than 16 EiB";
	case SIZE_BAD:
		break;
	}
	return "not a size; " SIZE_SYNTAX;
}

/* -1 (any) or a node number. */
static const char *node_problem(const char *s, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 10);
	if (!(isdigit((unsigned char)*s) || (s[0] == '-' && s[1] == '1' && !s[2])) || *end ||
	    errno || *v > INT_MAX)
		return "give a NUMA node number (ls /sys/devices/system/node), or -1 for any";
	return NULL;
}

static const char *cache_problem(const char *s)
{
	if (!strcmp(s, "cached") || !strcmp(s, "wc") || !strcmp(s, "uc"))
		return NULL;
	return "use cached, wc or uc";
}

#define DEVICE_HINT	"see lspci -D or ls /sys/bus/*/devices"

/* Why @s cannot be a name of /sys/bus/ * /devices (a DMA device), or NULL. */
static const char *dma_device_problem(const char *s)
{
	if (!*s || !strcmp(s, ".") || !strcmp(s, "..") || strlen(s) > NAME_MAX)
		return "not a device name; give one of /sys/bus/*/devices, e.g. 0000:00:04.0 "
		       "(" DEVICE_HINT ")";
	for (const char *p = s; *p; p++)
		if (*p == '/' || (unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return "not a device name: no /, blanks or control characters; give one "
			       "of /sys/bus/*/devices, e.g. 0000:00:04.0 (" DEVICE_HINT ")";
	return NULL;
}

/*
 * The bus that has the device @dev (/sys/bus/BUS/devices/@dev) into @bus:
 * pci, platform and amba first, where the module looks; false when none has.
 */
static bool dma_device_bus(const char *dev, char *bus, size_t len)
{
	static const char *const first[] = { "pci", "platform", "amba" };
	char p[PATH_MAX];
	struct dirent *e;
	bool found = false;
	DIR *d;

	for (size_t i = 0; i < sizeof(first) / sizeof(first[0]); i++) {
		if (!access(sys_path(p, "/sys/bus/%s/devices/%s", first[i], dev), F_OK)) {
			snprintf(bus, len, "%s", first[i]);
			return true;
		}
	}
	d = opendir(sys_path(p, "/sys/bus"));
	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		if (e->d_name[0] == '.' ||
		    access(sys_path(p, "/sys/bus/%s/devices/%s", e->d_name, dev), F_OK))
			continue;
		snprintf(bus, len, "%s", e->d_name);
		found = true;
	}
	closedir(d);
	return found;
}

#define NO_DEVICE	"no such device in /sys/bus/*/devices (" DEVICE_HINT ")"

/* --- attributes -------------------------------------------------------------- */

/*
 * @val written to the attribute @path (as the user sees it) in one write(),
 * as sysfs and configfs want it.  0, or the errno.
 */
static int attr_write(const char *path, const char *val)
{
	char p[PATH_MAX];
	size_t n = strlen(val);
	ssize_t r;
	int fd = open(sys_path(p, "%s", path), O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return errno;
	do
		r = write(fd, val, n);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		err = errno;
	else if ((size_t)r != n)
		err = EIO;
	if (close(fd) && !err)
		err = errno;
	return err;
}

static int attr_read(const char *path, char *buf, size_t len)
{
	char p[PATH_MAX];

	return sys_read_line(sys_path(p, "%s", path), buf, len);
}

static bool exists(const char *path)
{
	char p[PATH_MAX];

	return access(sys_path(p, "%s", path), F_OK) == 0;
}

/* --- the buffers there are ------------------------------------------------------- */

struct buf {
	unsigned int index;
	char name[64];		/* "mapperN" from a module without the attribute, */
	bool has_name;		/* false and "?" when it is not a name */
	char cache[16];		/* "?" when unknown */
	bool has_size, has_maps, has_holders, has_node;
	uint64_t size, maps, holders;
	int64_t node;		/* -1: any (also from a module without the attribute) */
	/*
	 * contiguous, dma_device, dma_maps: *_attr when sysfs has the file (a
	 * module with DMA options), has_* when it says a value.
	 */
	bool contig_attr, dma_dev_attr, dma_maps_attr;
	bool has_contig, has_dma_dev, has_dma_maps;
	bool contig;
	char dma_dev[NAME_MAX + 1];	/* "" for none */
	uint64_t dma_maps;
	/* exports (live dma-bufs): the same, from a module with dma-buf export. */
	bool exports_attr, has_exports;
	uint64_t exports;
};

/*
 * The name of buffer @n: what sysfs says, "mapperN" from a module without
 * the attribute (before 0.3), false and "?" for what is no buffer name.
 */
static bool buf_name(unsigned int n, char *name, size_t len)
{
	char p[PATH_MAX];
	int err = sys_read_line(sys_path(p, MAPPER_CLASS "/mapper%u/name", n), name, len);

	if (err == ENOENT) {
		snprintf(name, len, "mapper%u", n);
		return true;
	}
	if (err || name_problem(name)) {
		snprintf(name, len, "?");
		return false;
	}
	return true;
}

static void buf_read(unsigned int n, struct buf *b)
{
	char p[PATH_MAX], state[8];

	memset(b, 0, sizeof(*b));
	b->index = n;
	b->has_name = buf_name(n, b->name, sizeof(b->name));
	if (!sys_attr_str(n, "cache", b->cache, sizeof(b->cache)))
		strcpy(b->cache, "?");
	b->has_size = sys_attr_u64(n, "size", &b->size);
	b->has_maps = sys_attr_u64(n, "maps", &b->maps);
	b->has_holders = sys_attr_u64(n, "holders", &b->holders);
	/* No attribute: a module before 0.3, which knew no nodes: any. */
	b->has_node = sys_attr_i64(n, "node", &b->node);
	if (!b->has_node && access(sys_path(p, MAPPER_CLASS "/mapper%u/node", n), F_OK)) {
		b->has_node = true;
		b->node = -1;
	}
	b->contig_attr = !access(sys_path(p, MAPPER_CLASS "/mapper%u/contiguous", n), F_OK);
	b->dma_dev_attr = !access(sys_path(p, MAPPER_CLASS "/mapper%u/dma_device", n), F_OK);
	b->dma_maps_attr = !access(sys_path(p, MAPPER_CLASS "/mapper%u/dma_maps", n), F_OK);
	if (b->contig_attr && sys_attr_str(n, "contiguous", state, sizeof(state)) &&
	    (!strcmp(state, "0") || !strcmp(state, "1"))) {
		b->has_contig = true;
		b->contig = state[0] == '1';
	}
	/* Shown and compared: only what a device name can be. */
	b->has_dma_dev = b->dma_dev_attr && sys_attr_str(n, "dma_device", b->dma_dev,
							 sizeof(b->dma_dev)) &&
			 (!b->dma_dev[0] || !dma_device_problem(b->dma_dev));
	if (!b->has_dma_dev)
		b->dma_dev[0] = 0;
	b->has_dma_maps = b->dma_maps_attr && sys_attr_u64(n, "dma_maps", &b->dma_maps);
	b->exports_attr = !access(sys_path(p, MAPPER_CLASS "/mapper%u/exports", n), F_OK);
	b->has_exports = b->exports_attr && sys_attr_u64(n, "exports", &b->exports);
}

/* Every buffer of /sys/class/mapper, by index. */
static size_t bufs_read(struct buf **out)
{
	unsigned int *idx;
	size_t n = sys_indexes(MAPPER_CLASS, &idx);
	struct buf *v;

	if (n == (size_t)-1)
		oom();
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		oom();
	for (size_t i = 0; i < n; i++)
		buf_read(idx[i], &v[i]);
	free(idx);
	*out = v;
	return n;
}

/*
 * The live buffer named @name into *b; false when there is none.  Only the
 * names are read, and the whole of the one that matches.
 */
static bool buf_by_name(const char *name, struct buf *b)
{
	unsigned int *idx;
	size_t n = sys_indexes(MAPPER_CLASS, &idx);
	char got[sizeof(b->name)];
	bool found = false;

	if (n == (size_t)-1)
		oom();
	for (size_t i = 0; i < n && !found; i++) {
		if (buf_name(idx[i], got, sizeof(got)) && !strcmp(got, name)) {
			buf_read(idx[i], b);
			found = true;
		}
	}
	free(idx);
	return found;
}

static int cmp_buf_name(const void *a, const void *b)
{
	return strcmp(((const struct buf *)a)->name, ((const struct buf *)b)->name);
}

/* --- preconditions ----------------------------------------------------------------- */

static void need_module(void)
{
	if (!sys_module_loaded())
		die(1, "mapper is not loaded (modprobe mapper)");
}

/*
 * The module loaded and its configfs directory there: configfs is mounted
 * on /sys/kernel/config first when it is not (as systemd does at boot).
 * Under MAPPER_SYSROOT (the host tests) nothing is mounted.
 */
static void need_configfs(void)
{
	char p[PATH_MAX];
	struct statfs sf;

	need_module();
	if (exists(CFG))
		return;
	sys_path(p, CONFIGFS);
	if (access(p, F_OK))
		die(1, "%s: %s: this kernel has no configfs (CONFIG_CONFIGFS_FS), which "
		    "buffers made at run time need; use the module parameters instead "
		    "(mapper(4))", CONFIGFS, strerror(errno));
	if (statfs(p, &sf) || sf.f_type != CONFIGFS_MAGIC) {
		if (*sys_root())
			die(1, "%s: configfs is not mounted there (MAPPER_SYSROOT is set: "
			    "not mounting it)", CONFIGFS);
		if (mount("configfs", p, "configfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
			die(1, "%s: mounting configfs there failed: %s%s", CONFIGFS,
			    strerror(errno), errno == EPERM ? ": this needs root; run "
			    "mapperctl as root (sudo)" : "; mount it with "
			    "'mount -t configfs configfs " CONFIGFS "'");
		if (exists(CFG))
			return;
	}
	die(1, "%s: no such directory: the loaded mapper module makes no buffers at "
	    "run time (older than 0.3?); 'modinfo -F version mapper' says which it is, "
	    "update mapper-dkms and reload it", CFG);
}

/* EACCES, EPERM: root's. */
static const char *root_hint(int err)
{
	if (err == EACCES || err == EPERM)
		return ": only root (CAP_SYS_ADMIN) creates and removes buffers; run it as root, "
		       "e.g. with sudo";
	return "";
}

/* --- create --------------------------------------------------------------------------- */

struct spec {
	const char *where;	/* "FILE:LINE" of the configuration, or NULL */
	const char *name;	/* NULL: the lowest free mapperN */
	uint64_t size;
	long node;		/* -1: any */
	bool fallback;
	const char *cache;	/* NULL: the default */
	bool contiguous;
	const char *dma_device;	/* NULL: none */
};

enum { DONE, FAILED, RETRY };

/* Automatic names tried that turned out taken, before giving up. */
#define RETRIES		64

static const int fatal_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

/*
 * Fatal signals wait while a buffer is half made, so that it is either
 * finished (and its device printed) or undone.
 */
static void block_signals(bool on)
{
	sigset_t s;

	sigemptyset(&s);
	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++)
		sigaddset(&s, fatal_signals[i]);
	sigprocmask(on ? SIG_BLOCK : SIG_UNBLOCK, &s, NULL);
}

/* The first blocked fatal signal waiting to be delivered, or 0. */
static int signal_waiting(void)
{
	sigset_t s;

	if (sigpending(&s))
		return 0;
	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++)
		if (sigismember(&s, fatal_signals[i]) == 1)
			return fatal_signals[i];
	return 0;
}

/* The directory @dir of a failed create of @name removed again, or said what to do. */
static void undo(const struct spec *s, const char *dir, const char *name)
{
	char path[DIR_LEN + 16], p[PATH_MAX];
	char state[8];
	int off = 0, err;

	snprintf(path, sizeof(path), "%s/enable", dir);
	if (!attr_read(path, state, sizeof(state)) && !strcmp(state, "1"))
		off = attr_write(path, "0");
	if (!rmdir(sys_path(p, "%s", dir)))
		return;
	err = errno;
	if (off)
		error_at(s->where, "%s: could not remove it again: disabling it failed: %s: the "
			 "buffer is still enabled (in use already?); remove it with 'mapperctl "
			 "remove %s', or 'mapperctl remove --lazy %s' while it is in use", path,
			 strerror(off), name, name);
	else
		error_at(s->where, "%s: could not remove it again: %s; remove it with "
			 "'rmdir %s'", dir, strerror(err), dir);
}

/* Why the enable of @s failed with @err, as much as can be told. */
static void explain_enable(const struct spec *s, const char *path, int err)
{
	char h1[32], h2[32], h3[32];
	uint64_t limit = 0, total = 0;
	char p[PATH_MAX], line[32];
	bool has_limit = !sys_read_line(sys_path(p, MAPPER_CLASS "/limit_bytes"), line, sizeof(line)) &&
			 size_parse(line, &limit) == SIZE_OK;
	bool has_total = !sys_read_line(sys_path(p, MAPPER_CLASS "/total_bytes"), line, sizeof(line)) &&
			 size_parse(line, &total) == SIZE_OK;

	switch (err) {
	case ENOMEM:
		if (s->contiguous) {
			error_at(s->where, "%s: %s: no physically contiguous block of %s to be "
				 "had (without CMA, the page allocator's largest is 4 MiB on "
				 "x86-64), or not enough free memory, or over the limit of %s "
				 "(%s/limit_bytes, %s held now) or the memory cgroup's; 'dmesg | "
				 "tail' says which; try a smaller %s, or leave out %s", path,
				 strerror(err), size_human(s->size, h2, sizeof(h2)),
				 has_limit ? size_human(limit, h1, sizeof(h1)) : "?", MAPPER_CLASS,
				 has_total ? size_human(total, h3, sizeof(h3)) : "?",
				 s->where ? "size" : "--size",
				 s->where ? "contiguous" : "--contiguous");
			return;
		}
		error_at(s->where, "%s: %s: not enough free memory, or over the limit of %s "
			 "(%s/limit_bytes, %s held now) or over the memory cgroup's; try a "
			 "smaller %s", path, strerror(err),
			 has_limit ? size_human(limit, h1, sizeof(h1)) : "?", MAPPER_CLASS,
			 has_total ? size_human(total, h2, sizeof(h2)) : "?",
			 s->where ? "size" : "--size");
		return;
	case EINVAL:
		if (has_limit && s->size > limit) {
			error_at(s->where, "%s: %s: %s is more than the limit of %s on all buffers "
				 "together (%s/limit_bytes: 3/4 of RAM, or the module parameter "
				 "max_total); try a smaller %s", path, strerror(err),
				 size_human(s->size, h2, sizeof(h2)), size_human(limit, h1, sizeof(h1)),
				 MAPPER_CLASS, s->where ? "size" : "--size");
			return;
		}
		if (s->node >= 0 && !exists((snprintf(p, sizeof(p), "/sys/devices/system/node/node%ld",
						       s->node), p))) {
			error_at(s->where, "%s: %s: this machine has no NUMA node %ld (its nodes: "
				 "/sys/devices/system/node/online); choose another node, or "
				 "none", path, strerror(err), s->node);
			return;
		}
		if (s->node >= 0 || (s->cache && strcmp(s->cache, "cached"))) {
			error_at(s->where, "%s: %s: the module refused the buffer: %s%s%s; "
				 "'dmesg | tail' says which", path, strerror(err),
				 s->node >= 0 ? "a node without memory" : "",
				 s->node >= 0 && s->cache && strcmp(s->cache, "cached") ? ", or " : "",
				 s->cache && strcmp(s->cache, "cached") ?
				 "a cache mode this machine does not support" : "");
			return;
		}
		error_at(s->where, "%s: %s: the module refused the buffer; 'dmesg | tail' "
			 "says why", path, strerror(err));
		return;
	case EBUSY: {
		long n;

		if (s->name && reserved_index(s->name, &n) && n >= 0 &&
		    exists((snprintf(p, sizeof(p), MAPPER_CLASS "/mapper%ld", n), p))) {
			struct buf b;

			buf_read((unsigned int)n, &b);
			error_at(s->where, "%s: %s: /dev/mapper%ld is buffer %s already, and "
				 "a buffer named mapperN is always /dev/mapperN; choose "
				 "another name", path, strerror(err), n, q(b.name));
			return;
		}
		error_at(s->where, "%s: %s: the device number is in use; try again", path,
			 strerror(err));
		return;
	}
	case ENODEV: {
		char bus[NAME_MAX + 1], where[NAME_MAX + 64] = "";

		if (!s->dma_device)
			break;
		if (!dma_device_bus(s->dma_device, bus, sizeof(bus)))
			snprintf(where, sizeof(where), " (it is not in /sys/bus/*/devices now)");
		else if (strcmp(bus, "pci") && strcmp(bus, "platform") && strcmp(bus, "amba"))
			snprintf(where, sizeof(where), " (it is on the %s bus, where the module "
				 "does not look)", bus);
		error_at(s->where, "%s: %s: the module found no device %s on the pci, platform "
			 "or amba bus%s; 'dmesg | tail' says why; choose another %s (" DEVICE_HINT
			 ")", path, strerror(err), q(s->dma_device), where,
			 s->where ? "dma-device" : "--dma-device");
		return;
	}
	}
	error_at(s->where, "%s: %s%s", path, strerror(err), root_hint(err));
}

/* Why mkdir of the configfs directory @dir for @name failed with @err. */
static void explain_mkdir(const struct spec *s, const char *dir, const char *name, int err)
{
	struct buf b;

	if (err == EEXIST && buf_by_name(name, &b))
		error_at(s->where, "%s: %s: buffer %s is /dev/mapper%u already; choose another "
			 "name, or remove it first (mapperctl remove %s)", dir, strerror(err),
			 q(name), b.index, name);
	else if (err == EEXIST)
		error_at(s->where, "%s: %s: a buffer %s is described there but not enabled "
			 "(left over?); remove it with 'mapperctl remove %s'", dir,
			 strerror(err), q(name), name);
	else if (err == EINVAL)
		error_at(s->where, "%s: %s: the module refuses the name %s; 'dmesg | tail' says "
			 "why", dir, strerror(err), q(name));
	else
		error_at(s->where, "%s: %s%s", dir, strerror(err), root_hint(err));
}

/* An attribute of @s refused with @err. */
static void explain_attr(const struct spec *s, const char *path, const char *val, int err)
{
	if (err == EINVAL && strstr(path, "/node"))
		error_at(s->where, "%s: %s: the module refuses node %s; its nodes are in "
			 "/sys/devices/system/node/online", path, strerror(err), val);
	else if ((err == EINVAL || err == EOPNOTSUPP) && strstr(path, "/cache"))
		error_at(s->where, "%s: %s: cache mode %s is not supported here; use cached",
			 path, strerror(err), val);
	else if (err == EINVAL)
		error_at(s->where, "%s: %s: the module refuses %s; 'dmesg | tail' says why",
			 path, strerror(err), val);
	else if (err == ENOENT)
		error_at(s->where, "%s: %s: the loaded module does not have this attribute; "
			 "update mapper-dkms and reload it", path, strerror(err));
	else
		error_at(s->where, "%s: %s%s", path, strerror(err), root_hint(err));
}

/*
 * One try at making @s as @name: DONE with *index set and its line printed
 * (@label: "LABEL: /dev/mapperN: created", else "/dev/mapperN"), FAILED
 * (said why and undone), or RETRY when @auto_name and @name turned out to
 * be taken.  A fatal signal while it is made undoes it, and is then
 * delivered; so does a device line that does not reach standard output.
 */
static int create_as(const struct spec *s, const char *name, bool auto_name, const char *label,
		     long *index)
{
	char dir[DIR_LEN], path[DIR_LEN + 16], p[PATH_MAX], val[32], node[24];
	struct { const char *attr; const char *val; } attrs[6];
	size_t na = 0;
	int err, sig;

	snprintf(dir, sizeof(dir), CFG "/%s", name);
	snprintf(val, sizeof(val), "%llu", (unsigned long long)s->size);
	attrs[na].attr = "size";
	attrs[na++].val = val;
	if (s->node >= 0) {
		snprintf(node, sizeof(node), "%ld", s->node);
		attrs[na].attr = "node";
		attrs[na++].val = node;
		if (s->fallback) {
			attrs[na].attr = "node_fallback";
			attrs[na++].val = "1";
		}
	}
	if (s->cache) {
		attrs[na].attr = "cache";
		attrs[na++].val = s->cache;
	}
	if (s->contiguous) {
		attrs[na].attr = "contiguous";
		attrs[na++].val = "1";
	}
	if (s->dma_device) {
		attrs[na].attr = "dma_device";
		attrs[na++].val = s->dma_device;
	}

	block_signals(true);
	if (mkdir(sys_path(p, "%s", dir), 0755)) {
		err = errno;
		block_signals(false);
		if (err == EEXIST && auto_name)
			return RETRY;
		explain_mkdir(s, dir, name, err);
		return FAILED;
	}
	for (size_t i = 0; i < na; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, attrs[i].attr);
		err = attr_write(path, attrs[i].val);
		if (err) {
			explain_attr(s, path, attrs[i].val, err);
			goto fail;
		}
	}
	snprintf(path, sizeof(path), "%s/enable", dir);
	err = attr_write(path, "1");
	if (err == EBUSY && auto_name) {
		undo(s, dir, name);
		block_signals(false);
		return RETRY;
	}
	if (err) {
		explain_enable(s, path, err);
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/index", dir);
	err = attr_read(path, val, sizeof(val));
	*index = err ? -1 : strtol(val, NULL, 10);
	if (*index < 0) {
		error_at(s->where, "%s: %s: enabled, but the module names no device; "
			 "removing it again", path, err ? strerror(err) : q(val));
		goto fail;
	}
	/* Whole: its device is said before a signal may end mapperctl. */
	sig = signal_waiting();
	if (sig) {
		error_at(s->where, "%s: %s while it was made: removed it again", dir, strsignal(sig));
		goto fail;
	}
	errno = 0;
	if (label)
		printf("%s: /dev/mapper%ld: created\n", label, *index);
	else
		printf("/dev/mapper%ld\n", *index);
	if (fflush(stdout) || ferror(stdout)) {
		err = errno ? errno : EIO;
		/* Said once, here: nothing left for the check at exit. */
		__fpurge(stdout);
		clearerr(stdout);
		undo(s, dir, name);
		block_signals(false);
		die(1, "standard output: %s: /dev/mapper%ld not shown, so removed again",
		    strerror(err), *index);
	}
	block_signals(false);
	return DONE;
fail:
	undo(s, dir, name);
	block_signals(false);
	return FAILED;
}

/*
 * Makes @s and prints its line (create_as()): the device's index, or -1
 * when it failed (and said why).
 */
static long create_one(const struct spec *s, const char *label)
{
	char name[NAME_MAX_LEN + 1], p[PATH_MAX];
	long index = -1;
	unsigned int taken = 0, first = 0;

	if (s->name)
		return create_as(s, s->name, false, label, &index) == DONE ? index : -1;
	/* The lowest mapperN that neither the module nor configfs has. */
	for (unsigned int n = 0; n < MAPPER_MINORS; n++) {
		snprintf(name, sizeof(name), "mapper%u", n);
		if (exists((snprintf(p, sizeof(p), MAPPER_CLASS "/%s", name), p)) ||
		    exists((snprintf(p, sizeof(p), CFG "/%s", name), p)))
			continue;
		switch (create_as(s, name, true, label, &index)) {
		case DONE:
			return index;
		case FAILED:
			return -1;
		}
		/* Taken meanwhile: by another creator, or held by a buffer removed lazily. */
		if (!taken++)
			first = n;
		if (taken == RETRIES) {
			error_at(s->where, "no device number: the %u free ones tried (mapper%u to "
				 "mapper%u) were all refused as in use (EBUSY, EEXIST): buffers "
				 "removed lazily keep their numbers until their last user closes "
				 "or unmaps them, or another program is making buffers too; try "
				 "again later, and 'dmesg | tail'", taken, first, n);
			return -1;
		}
	}
	error_at(s->where, "no free device number: every /dev/mapperN below 2^20 is taken");
	return -1;
}

/* --- options ------------------------------------------------------------------------- */

/*
 * getopt_long over a command's arguments; its own messages start
 * "mapperctl COMMAND: ".
 */
static int next_opt(int argc, char **argv, const char *shorts, const struct option *longs)
{
	int c = getopt_long(argc, argv, shorts, longs, NULL);

	if (c == '?') {
		/* getopt_long has named the option already. */
		fputs("Try 'mapperctl --help' for more information.\n", stderr);
		exit(2);
	}
	return c;
}

static int cmd_create(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "size",          required_argument, NULL, 's' },
		{ "node",          required_argument, NULL, 'n' },
		{ "node-fallback", no_argument,       NULL, 'f' },
		{ "cache",         required_argument, NULL, 'c' },
		{ "name",          required_argument, NULL, 'N' },
		{ "contiguous",    no_argument,       NULL, 'C' },
		{ "dma-device",    required_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 }
	};
	struct spec s = { .node = -1 };
	char bus[NAME_MAX + 1];
	const char *size = NULL, *why;
	long index;
	int c;

	while ((c = next_opt(argc, argv, "", longs)) != -1) {
		switch (c) {
		case 's':
			size = optarg;
			break;
		case 'n':
			if ((why = node_problem(optarg, &s.node)))
				die(2, "--node %s: %s", q(optarg), why);
			break;
		case 'f':
			s.fallback = true;
			break;
		case 'c':
			if ((why = cache_problem(optarg)))
				die(2, "--cache %s: %s", q(optarg), why);
			s.cache = optarg;
			break;
		case 'N':
			if ((why = name_problem(optarg)))
				die(2, "--name %s: %s; " NAME_RULE, q(optarg), why);
			s.name = optarg;
			break;
		case 'C':
			s.contiguous = true;
			break;
		case 'D':
			if ((why = dma_device_problem(optarg)))
				die(2, "--dma-device %s: %s", q(optarg), why);
			s.dma_device = optarg;
			break;
		}
	}
	if (optind < argc)
		die(2, "%s: create takes options only", q(argv[optind]));
	if (!size)
		die(2, "--size is missing: how large is the buffer to be? e.g. --size 4M");
	if ((why = size_problem(size, &s.size)))
		die(2, "--size %s: %s", q(size), why);
	if (s.fallback && s.node < 0)
		die(2, "--node-fallback goes with --node N: the node to prefer");
	/* Before the module is asked, which would only say ENODEV. */
	if (s.dma_device && !dma_device_bus(s.dma_device, bus, sizeof(bus)))
		die(2, "--dma-device %s: " NO_DEVICE, q(s.dma_device));
	need_configfs();
	/* A closed pipe is EPIPE, and the buffer whose device it lost is undone. */
	signal(SIGPIPE, SIG_IGN);
	index = create_one(&s, NULL);
	return index < 0;
}

/*
 * The index N of the buffer /dev/mapperN that the path @arg leads to
 * (/dev/mapperN, /dev/mapper-by-name/NAME or a link to one of them): exit 2
 * when it is no mapper device, 1 when there is no such buffer.
 */
static unsigned int resolve_device(const char *arg)
{
	char p[PATH_MAX], *real, dev[PATH_MAX], shown[PATH_MAX];
	const char *base;
	unsigned int n;
	size_t l;

	/* The node a path or link leads to, in /dev. */
	esc(arg, shown, sizeof(shown));
	real = realpath(strncmp(arg, "/dev/", 5) ? arg : sys_path(p, "%s", arg), NULL);
	if (!real)
		die(1, "%s: %s; 'mapperctl list' shows the buffers there are", shown,
		    strerror(errno));
	sys_path(dev, "/dev/");
	l = strlen(dev);
	base = strncmp(real, dev, l) ? NULL : real + l;
	if (!base || strncmp(base, "mapper", 6) ||
	    !isdigit((unsigned char)base[6]) || (base[6] == '0' && base[7]) ||
	    strspn(base + 6, "0123456789") != strlen(base + 6) || strlen(base + 6) > 7)
		die(2, "%s: not a mapper device; give NAME, /dev/mapperN or "
		    "/dev/mapper-by-name/NAME", shown);
	n = (unsigned int)strtoul(base + 6, NULL, 10);
	free(real);
	if (!exists((snprintf(p, sizeof(p), MAPPER_CLASS "/mapper%u", n), p)))
		die(1, "%s: no such buffer in %s; 'mapperctl list' shows them", shown, MAPPER_CLASS);
	return n;
}

/* Why @arg cannot be a NAME (exit 2), or nothing. */
static void check_name_arg(const char *arg)
{
	const char *why = name_problem(arg);

	if (why)
		die(2, "%s: not a buffer name: %s; give NAME, /dev/mapperN or "
		    "/dev/mapper-by-name/NAME", q(arg), why);
}

/*
 * The name of the buffer that @arg names: NAME, /dev/mapperN or
 * /dev/mapper-by-name/NAME (or a link to one of them).
 */
static void resolve(const char *arg, char *name, size_t len)
{
	char shown[PATH_MAX];
	unsigned int n;
	struct buf b;

	if (!strchr(arg, '/')) {
		check_name_arg(arg);
		snprintf(name, len, "%s", arg);
		return;
	}
	n = resolve_device(arg);
	esc(arg, shown, sizeof(shown));
	buf_read(n, &b);
	/* A name from sysfs goes into a configfs path: only what a name can be. */
	if (!b.has_name)
		die(1, "%s: /dev/mapper%u: %s/mapper%u/name is not a buffer name; 'dmesg | tail'",
		    shown, n, MAPPER_CLASS, n);
	snprintf(name, len, "%s", b.name);
}

/* Why the strict removal of the buffer @b refused with EBUSY. */
static void explain_busy(const char *path, const struct buf *b)
{
	char h[256] = "";
	uint64_t opens = 0;
	size_t n = 0;
	bool has_opens = sys_attr_u64(b->index, "opens", &opens);

	if (has_opens && opens)
		append(h, sizeof(h), &n, "%llu open file%s, ", (unsigned long long)opens,
		       opens == 1 ? "" : "s");
	if (b->has_maps && b->maps)
		append(h, sizeof(h), &n, "%llu mapping%s, ", (unsigned long long)b->maps,
		       b->maps == 1 ? "" : "s");
	if (has_opens && b->has_holders && b->holders > opens)
		append(h, sizeof(h), &n, "%llu kernel holder%s, ",
		       (unsigned long long)(b->holders - opens), b->holders - opens == 1 ? "" : "s");
	/* Drivers' DMA mappings: held apart from the holders. */
	if (b->has_dma_maps && b->dma_maps)
		append(h, sizeof(h), &n, "%llu DMA mapping%s, ", (unsigned long long)b->dma_maps,
		       b->dma_maps == 1 ? "" : "s");
	/* dma-bufs, wherever their descriptors went: held apart too. */
	if (b->has_exports && b->exports)
		append(h, sizeof(h), &n, "%llu dma-buf%s, ", (unsigned long long)b->exports,
		       b->exports == 1 ? "" : "s");
	/* The last ", " off. */
	if (n >= 2 && !strcmp(h + n - 2, ", "))
		h[n -= 2] = 0;
	die(1, "%s: %s: %s (/dev/mapper%u) is in use%s%s (dmesg names the holders, "
	    "'fuser -v /dev/mapper%u' the processes); end them, or remove it lazily: "
	    "mapperctl remove --lazy %s", path, strerror(EBUSY), q(b->name), b->index,
	    n ? ": " : "", h, b->index, b->name);
}

static int cmd_remove(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "lazy", no_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 }
	};
	char name[sizeof(((struct buf *)0)->name)], dir[DIR_LEN], path[DIR_LEN + 16];
	char p[PATH_MAX], state[8];
	bool lazy = false, live;
	struct buf b;
	int c, err;

	while ((c = next_opt(argc, argv, "l", longs)) != -1)
		lazy = lazy || c == 'l';
	if (optind == argc)
		die(2, "which buffer? give NAME, /dev/mapperN or /dev/mapper-by-name/NAME");
	if (argc - optind > 1)
		die(2, "one buffer at a time: got %s and %s", q(argv[optind]), q(argv[optind + 1]));
	/* A NAME that cannot be one is a usage error, before anything is looked at. */
	if (!strchr(argv[optind], '/'))
		resolve(argv[optind], name, sizeof(name));
	need_configfs();
	if (strchr(argv[optind], '/'))
		resolve(argv[optind], name, sizeof(name));
	live = buf_by_name(name, &b);
	snprintf(dir, sizeof(dir), CFG "/%s", name);
	if (!exists(dir)) {
		if (live)
			die(1, "%s (/dev/mapper%u) was made when the module was loaded (its "
			    "parameters), not by mapperctl: it goes with the module (rmmod "
			    "mapper); /etc/modprobe.d/mapper.conf sets them", q(name), b.index);
		die(1, "%s: no such buffer; 'mapperctl list' shows them", q(name));
	}
	snprintf(path, sizeof(path), "%s/enable", dir);
	err = attr_read(path, state, sizeof(state));
	if (err)
		die(1, "%s: %s", path, strerror(err));
	if (!strcmp(state, "1")) {
		if (lazy)
			snprintf(path, sizeof(path), "%s/detach", dir);
		err = attr_write(path, lazy ? "1" : "0");
		if (err == EBUSY && !lazy)
			explain_busy(path, live ? &b : &(struct buf){ .name = "?" });
		if (err)
			die(1, "%s: %s%s", path, strerror(err), root_hint(err));
	}
	if (rmdir(sys_path(p, "%s", dir))) {
		err = errno;
		die(1, "%s: %s%s", dir, strerror(err), err == EBUSY ?
		    ": enabled again meanwhile; remove it again" : root_hint(err));
	}
	return 0;
}

/* A column of the table: its header, right-aligned or not. */
struct col {
	const char *head;
	bool right;
	int width;
};

/* The cells of a table: a device name is the longest. */
#define CELL		(NAME_MAX + 1)

/* The DMA keys of @b's JSON object, those sysfs has (none from older modules). */
static void json_dma(struct json_object *o, const struct buf *b)
{
	if (b->contig_attr)
		json_object_object_add(o, "contiguous", b->has_contig ?
				       json_object_new_boolean(b->contig) : NULL);
	if (b->dma_dev_attr)
		json_object_object_add(o, "dma_device", b->has_dma_dev ?
				       json_object_new_string(b->dma_dev) : NULL);
	if (b->dma_maps_attr)
		json_object_object_add(o, "dma_maps", b->has_dma_maps ?
				       json_object_new_uint64(b->dma_maps) : NULL);
	if (b->exports_attr)
		json_object_object_add(o, "exports", b->has_exports ?
				       json_object_new_uint64(b->exports) : NULL);
}

static int cmd_list(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "json",  no_argument, NULL, 'J' },
		{ "bytes", no_argument, NULL, 'b' },
		{ "dma",   no_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	struct col cols[] = {
		{ "NAME", false, 0 }, { "DEVICE", false, 0 }, { "SIZE", true, 0 },
		{ "NODE", true, 0 }, { "CACHE", false, 0 }, { "MAPS", true, 0 },
		{ "HOLDERS", true, 0 },
		/* --dma only */
		{ "CONTIG", false, 0 }, { "DMA-DEVICE", false, 0 }, { "DMA-MAPS", true, 0 },
		{ "EXPORTS", true, 0 },
	};
	enum { NCOLS = sizeof(cols) / sizeof(cols[0]) };
	bool json = false, bytes = false, dma = false;
	struct buf *v;
	char (*cell)[NCOLS][CELL];
	size_t n;
	int c, ncols;

	while ((c = next_opt(argc, argv, "Jbd", longs)) != -1) {
		json = json || c == 'J';
		bytes = bytes || c == 'b';
		dma = dma || c == 'd';
	}
	if (optind < argc)
		die(2, "%s: list takes no arguments: it lists every buffer", q(argv[optind]));
	if (json && bytes)
		die(2, "--bytes goes with the table: --json gives sizes in bytes always");
	if (json && dma)
		die(2, "--dma goes with the table: --json has the DMA keys always (where the "
		    "module has them)");
	ncols = dma ? NCOLS : NCOLS - 4;
	need_module();
	n = bufs_read(&v);
	if (json) {
		struct json_object *arr = json_object_new_array();
		char dev[32];

		for (size_t i = 0; i < n; i++) {
			struct json_object *o = json_object_new_object();

			snprintf(dev, sizeof(dev), "/dev/mapper%u", v[i].index);
			json_object_object_add(o, "name", json_object_new_string(v[i].name));
			json_object_object_add(o, "device", json_object_new_string(dev));
			json_object_object_add(o, "size", v[i].has_size ?
					       json_object_new_uint64(v[i].size) : NULL);
			json_object_object_add(o, "node", v[i].has_node ?
					       json_object_new_int64(v[i].node) : NULL);
			json_object_object_add(o, "cache", strcmp(v[i].cache, "?") ?
					       json_object_new_string(v[i].cache) : NULL);
			json_object_object_add(o, "maps", v[i].has_maps ?
					       json_object_new_uint64(v[i].maps) : NULL);
			json_object_object_add(o, "holders", v[i].has_holders ?
					       json_object_new_uint64(v[i].holders) : NULL);
			json_dma(o, &v[i]);
			json_object_array_add(arr, o);
		}
		puts(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_SPACED |
						    JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(arr);
		free(v);
		return 0;
	}
	cell = calloc(n ? n : 1, sizeof(*cell));
	if (!cell)
		oom();
	for (int k = 0; k < ncols; k++)
		cols[k].width = (int)strlen(cols[k].head);
	for (size_t i = 0; i < n; i++) {
		struct buf *b = &v[i];
		char (*r)[CELL] = cell[i];

		snprintf(r[0], CELL, "%s", b->name);
		snprintf(r[1], CELL, "/dev/mapper%u", b->index);
		if (!b->has_size)
			strcpy(r[2], "?");
		else if (bytes)
			snprintf(r[2], CELL, "%llu", (unsigned long long)b->size);
		else
			size_short(b->size, r[2], CELL);
		if (!b->has_node)
			strcpy(r[3], "?");
		else if (b->node < 0)
			strcpy(r[3], "-");
		else
			snprintf(r[3], CELL, "%lld", (long long)b->node);
		snprintf(r[4], CELL, "%s", b->cache);
		snprintf(r[5], CELL, b->has_maps ? "%llu" : "?", (unsigned long long)b->maps);
		snprintf(r[6], CELL, b->has_holders ? "%llu" : "?", (unsigned long long)b->holders);
		/* One word each, for awk: - for no device, ? where the module does not say. */
		snprintf(r[7], CELL, "%s", !b->has_contig ? "?" : b->contig ? "yes" : "no");
		snprintf(r[8], CELL, "%s", !b->has_dma_dev ? "?" : b->dma_dev[0] ? b->dma_dev : "-");
		snprintf(r[9], CELL, b->has_dma_maps ? "%llu" : "?", (unsigned long long)b->dma_maps);
		snprintf(r[10], CELL, b->has_exports ? "%llu" : "?", (unsigned long long)b->exports);
		for (int k = 0; k < ncols; k++)
			if ((int)strlen(r[k]) > cols[k].width)
				cols[k].width = (int)strlen(r[k]);
	}
	for (size_t i = 0; i <= n; i++) {
		for (int k = 0; k < ncols; k++) {
			const char *t = i ? cell[i - 1][k] : cols[k].head;

			printf(k == ncols - 1 ? "%*s\n" : "%*s ", cols[k].right || k == ncols - 1 ?
			       cols[k].width : -cols[k].width, t);
		}
	}
	free(cell);
	free(v);
	return 0;
}

/* --- export ------------------------------------------------------------------------- */

#define EXPORT_SYNTAX	"mapperctl export NAME|DEVICE [--offset O] [--length L] [--read-only] " \
	"-- COMMAND [ARG...]"

/* Why @s is not an offset or length of a dma-buf, or NULL with *v set. */
static const char *range_problem(const char *s, uint64_t *v, bool length, uint64_t page)
{
	switch (size_parse(s, v)) {
	case SIZE_OK:
		break;
	case SIZE_NEGATIVE:
		return length ? "a length is not negative" : "an offset is not negative";
	case SIZE_BIG:
		return "too large: more than 16 EiB";
	case SIZE_BAD:
		return "not a size; " SIZE_SYNTAX;
	}
	if (length && !*v)
		return "a dma-buf has at least one page; leave --length out for the rest of the "
		       "buffer";
	if (*v % page) {
		static char why[128];

		snprintf(why, sizeof(why), "not a whole number of pages (%llu bytes): a dma-buf "
			 "is whole pages", (unsigned long long)page);
		return why;
	}
	return NULL;
}

/* Why the open of @dev (as the user sees it, @path through sys_path()) failed with @err. */
__attribute__((noreturn))
static void explain_export_open(const char *dev, const char *path, int err, bool ro)
{
	if ((err == EACCES || err == EPERM) && !ro && !access(path, R_OK))
		die(1, "%s: %s: you may read it but not write it: export it with --read-only "
		    "(a dma-buf that devices may only read), or as a member of its group",
		    dev, strerror(err));
	if (err == EACCES || err == EPERM)
		die(1, "%s: %s: mapper devices belong to the group 'mapper'; add yourself with "
		    "'sudo usermod -aG mapper $USER' and log in again, or run as root", dev,
		    strerror(err));
	if (err == ENOENT)
		die(1, "%s: %s: the buffer is there (%s) but its device is not: udev has not "
		    "made it (yet?); 'udevadm settle', or see 'ls -l /dev/mapper*'", dev,
		    strerror(err), MAPPER_CLASS);
	if (err == ENXIO || err == ENODEV)
		die(1, "%s: %s: the buffer was removed meanwhile; 'mapperctl list' shows the "
		    "buffers there are", dev, strerror(err));
	die(1, "%s: %s", dev, strerror(err));
}

/* Why MAPPER_IOC_EXPORT_DMABUF on @dev failed with @err. */
__attribute__((noreturn))
static void explain_export(const char *dev, int err, uint64_t offset, uint64_t len,
			   const struct buf *b)
{
	char h1[32], h2[32], h3[32];

	switch (err) {
	case ENOTTY:
	case EOPNOTSUPP:
		die(1, "%s: MAPPER_IOC_EXPORT_DMABUF: %s: this mapper module cannot export "
		    "dma-bufs (0.4.0 or later, a kernel with CONFIG_DMA_SHARED_BUFFER): %s",
		    dev, strerror(err), err == ENOTTY ? "it does not know the request, so it is "
		    "older ('modinfo -F version mapper'); update mapper-dkms and reload it" :
		    "it was built for a kernel without the dma-buf core");
	case EACCES:
		die(1, "%s: MAPPER_IOC_EXPORT_DMABUF: %s: the device is open read-only, and a "
		    "read-only open exports read-only dma-bufs only: add --read-only", dev,
		    strerror(err));
	case EINVAL:
		die(1, "%s: MAPPER_IOC_EXPORT_DMABUF: %s: the module refused the range (offset "
		    "%s, length %s) of the buffer's %s: a dma-buf is whole pages inside the "
		    "buffer; 'dmesg | tail' says why", dev, strerror(err),
		    size_human(offset, h1, sizeof(h1)),
		    len ? size_human(len, h2, sizeof(h2)) : "to the end",
		    b->has_size ? size_human(b->size, h3, sizeof(h3)) : "? bytes");
	case EIO:
		die(1, "%s: MAPPER_IOC_EXPORT_DMABUF: %s: the module cannot tell the cache mode "
		    "of the buffer's pages; 'dmesg | tail' says more", dev, strerror(err));
	case EMFILE:
		die(1, "%s: MAPPER_IOC_EXPORT_DMABUF: %s: no file descriptor free for the "
		    "dma-buf; raise the limit (ulimit -n) or close some", dev, strerror(err));
	case ENFILE:
	case ENOMEM:
		die(1, "%s: MAPPER_IOC_EXPORT_DMABUF: %s: the kernel is out of %s; try again "
		    "later", dev, strerror(err), err == ENFILE ? "open files" : "memory");
	}
	die(1, "%s: MAPPER_IOC_EXPORT_DMABUF: %s; 'dmesg | tail' may say why", dev,
	    strerror(err));
}

/*
 * mapperctl export: a dma-buf of the buffer, inherited by COMMAND, which
 * replaces mapperctl (exec): its descriptor number in MAPPER_DMABUF_FD, its
 * bytes in MAPPER_DMABUF_SIZE. The device itself is closed first, so that
 * the dma-buf is all COMMAND holds of the buffer.
 */
static int cmd_export(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "offset",    required_argument, NULL, 'o' },
		{ "length",    required_argument, NULL, 'L' },
		{ "read-only", no_argument,       NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), offset = 0, len = 0, size;
	const char *ostr = NULL, *lstr = NULL, *why, *arg;
	char dev[32], p[PATH_MAX], num[24], h1[32], h2[32], h3[32], what[64 * 4 + 96];
	struct mapper_export_dmabuf exp;
	bool ro = false;
	struct buf b;
	int dd, c, fd, err;
	off_t end;

	/* Options and the buffer before --, the command after it. */
	for (dd = 1; dd < argc && strcmp(argv[dd], "--"); dd++)
		;
	while ((c = next_opt(dd, argv, "r", longs)) != -1) {
		switch (c) {
		case 'o':
			ostr = optarg;
			break;
		case 'L':
			lstr = optarg;
			break;
		case 'r':
			ro = true;
			break;
		}
	}
	if (optind == dd)
		die(2, "which buffer? give NAME, /dev/mapperN or /dev/mapper-by-name/NAME: "
		    EXPORT_SYNTAX);
	if (dd - optind > 1)
		die(2, "one buffer at a time: got %s and %s; the command goes after --: "
		    EXPORT_SYNTAX, q(argv[optind]), q(argv[optind + 1]));
	arg = argv[optind];
	if (dd == argc)
		die(2, "no --: the command to run goes after it: " EXPORT_SYNTAX);
	if (dd + 1 == argc)
		die(2, "no command after --: what is to run with the dma-buf? " EXPORT_SYNTAX);
	if (ostr && (why = range_problem(ostr, &offset, false, page)))
		die(2, "--offset %s: %s", q(ostr), why);
	if (lstr && (why = range_problem(lstr, &len, true, page)))
		die(2, "--length %s: %s", q(lstr), why);
	/* A NAME that cannot be one is a usage error, before anything is looked at. */
	if (!strchr(arg, '/'))
		check_name_arg(arg);
	need_module();
	if (strchr(arg, '/')) {
		buf_read(resolve_device(arg), &b);
	} else if (!buf_by_name(arg, &b)) {
		die(1, "%s: no such buffer; 'mapperctl list' shows them", q(arg));
	}
	snprintf(dev, sizeof(dev), "/dev/mapper%u", b.index);
	/* The range inside the buffer, as the module will check it. */
	if (b.has_size) {
		snprintf(what, sizeof(what), "%s%s%s, %s)", b.has_name ? q(b.name) : "",
			 b.has_name ? " (" : "(", dev, size_human(b.size, h1, sizeof(h1)));
		if (offset >= b.size)
			die(2, "--offset %s: at or past the end of %s", ostr ? q(ostr) : "0", what);
		if (lstr && len > b.size - offset && offset)
			die(2, "--length %s: past the end of %s: at most %s from offset %s; leave "
			    "--length out for the rest", q(lstr), what,
			    size_human(b.size - offset, h2, sizeof(h2)),
			    size_human(offset, h3, sizeof(h3)));
		if (lstr && len > b.size - offset)
			die(2, "--length %s: past the end of %s; leave --length out for all of it",
			    q(lstr), what);
	}

	fd = open(sys_path(p, "%s", dev), (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (fd < 0)
		explain_export_open(dev, p, errno, ro);
	/* Without O_CLOEXEC: COMMAND inherits it. */
	exp = (struct mapper_export_dmabuf){
		.argsz = sizeof(exp),
		.flags = ro ? O_RDONLY : O_RDWR,
		.offset = offset,
		.length = len,
	};
	if (ioctl(fd, MAPPER_IOC_EXPORT_DMABUF, &exp)) {
		err = errno;
		close(fd);
		explain_export(dev, err, offset, len, &b);
	}
	close(fd);
	fd = exp.fd;
	/*
	 * Not one of 0, 1 and 2, which were closed when mapperctl started: they
	 * stay closed for COMMAND, and its output never goes to the dma-buf.
	 */
	if (fd >= 0 && fd <= 2) {
		int high = fcntl(fd, F_DUPFD, 3);

		err = errno;
		close(fd);
		if (high < 0)
			die(1, "%s: the dma-buf's descriptor: %s", dev, strerror(err));
		fd = high;
	}
	/* Its size as the dma-buf says it (lseek to its end), or as asked. */
	end = lseek(fd, 0, SEEK_END);
	if (end > 0 && lseek(fd, 0, SEEK_SET) == 0)
		size = (uint64_t)end;
	else if (lstr)
		size = len;
	else if (b.has_size)
		size = b.size - offset;
	else
		die(1, "%s: the dma-buf's size: %s; neither the dma-buf nor %s/mapper%u/size "
		    "tells it", dev, strerror(end < 0 ? errno : EIO), MAPPER_CLASS, b.index);
	snprintf(num, sizeof(num), "%d", fd);
	if (setenv("MAPPER_DMABUF_FD", num, 1))
		oom();
	snprintf(num, sizeof(num), "%llu", (unsigned long long)size);
	if (setenv("MAPPER_DMABUF_SIZE", num, 1))
		oom();
	/* What was printed so far (nothing) is out before COMMAND writes. */
	fflush(stdout);
	execvp(argv[dd + 1], argv + dd + 1);
	err = errno;
	error_at(NULL, "%s: cannot run it: %s%s", esc(argv[dd + 1], p, sizeof(p)), strerror(err),
		 err == ENOENT && !strchr(argv[dd + 1], '/') ? " (not in PATH)" : "");
	exit(err == ENOENT ? 127 : 126);
}

/* --- apply ---------------------------------------------------------------------------- */

struct conf {
	struct spec *v;
	size_t n, cap;
	unsigned int errors;
};

__attribute__((format(printf, 3, 4)))
static void conf_error(struct conf *c, const char *where, const char *fmt, ...)
{
	va_list ap;

	if (++c->errors > MAX_ERRORS)
		return;
	va_start(ap, fmt);
	vmsg(where, fmt, ap);
	va_end(ap);
}

#define CONF_SYNTAX "write NAME SIZE [node=N] [node-fallback] [cache=MODE] [contiguous] " \
	"[dma-device=DEVICE]"

/* One line of a configuration, @where its "FILE:LINE". */
static void conf_line(struct conf *c, char *line, const char *where)
{
	char *w[8], *save, *t, *hash = strchr(line, '#');
	const char *why;
	struct spec s = { .node = -1 };
	bool has_node = false;
	size_t n = 0;

	if (hash)
		*hash = 0;
	for (t = strtok_r(line, " \t\r\f\v", &save); t; t = strtok_r(NULL, " \t\r\f\v", &save)) {
		if (n == 8) {
			conf_error(c, where, "%s: too many words; " CONF_SYNTAX, q(t));
			return;
		}
		w[n++] = t;
	}
	if (!n)
		return;
	if ((why = name_problem(w[0]))) {
		conf_error(c, where, "name %s: %s; " NAME_RULE, q(w[0]), why);
		return;
	}
	s.name = w[0];
	if (n < 2) {
		conf_error(c, where, "%s: no size; " CONF_SYNTAX, w[0]);
		return;
	}
	if ((why = size_problem(w[1], &s.size))) {
		conf_error(c, where, "size %s: %s", q(w[1]), why);
		return;
	}
	for (size_t i = 2; i < n; i++) {
		if (!strncmp(w[i], "node=", 5) && !has_node) {
			if ((why = node_problem(w[i] + 5, &s.node))) {
				conf_error(c, where, "node %s: %s", q(w[i] + 5), why);
				return;
			}
			has_node = true;
		} else if (!strcmp(w[i], "node-fallback") && !s.fallback) {
			s.fallback = true;
		} else if (!strncmp(w[i], "cache=", 6) && !s.cache) {
			if ((why = cache_problem(w[i] + 6))) {
				conf_error(c, where, "cache %s: %s", q(w[i] + 6), why);
				return;
			}
			s.cache = w[i] + 6;
		} else if (!strcmp(w[i], "contiguous") && !s.contiguous) {
			s.contiguous = true;
		} else if (!strncmp(w[i], "dma-device=", 11) && !s.dma_device) {
			/* Whether it is there is asked when the buffer is made. */
			if ((why = dma_device_problem(w[i] + 11))) {
				conf_error(c, where, "dma-device %s: %s", q(w[i] + 11), why);
				return;
			}
			s.dma_device = w[i] + 11;
		} else if (!strncmp(w[i], "node=", 5) || !strcmp(w[i], "node-fallback") ||
			   !strncmp(w[i], "cache=", 6) || !strcmp(w[i], "contiguous") ||
			   !strncmp(w[i], "dma-device=", 11)) {
			conf_error(c, where, "%s: given twice", q(w[i]));
			return;
		} else {
			conf_error(c, where, "%s: not an option; use node=N, node-fallback, "
				   "cache=cached|wc|uc, contiguous or dma-device=DEVICE", q(w[i]));
			return;
		}
	}
	if (s.fallback && s.node < 0) {
		conf_error(c, where, "node-fallback goes with node=N: the node to prefer");
		return;
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		c->v = realloc(c->v, c->cap * sizeof(*c->v));
		if (!c->v)
			oom();
	}
	if (!(s.name = strdup(s.name)) || !(s.where = strdup(where)) ||
	    (s.cache && !(s.cache = strdup(s.cache))) ||
	    (s.dma_device && !(s.dma_device = strdup(s.dma_device))))
		oom();
	c->v[c->n++] = s;
}

/*
 * The next line of @f into @line (LINE_MAX_LEN + 2 bytes), without its
 * newline and one \r before it: its length; -1 at the end of the file (or
 * an error: ferror()); -2 for a line longer than LINE_MAX_LEN, which is
 * read to its end but not kept; -3 at a NUL byte, after which the file is
 * not read further (it is no text, and /dev/zero would never end).
 */
static ssize_t conf_getline(FILE *f, char *line)
{
	size_t n = 0;
	bool any = false, over = false;
	int ch;

	while ((ch = getc(f)) != EOF) {
		any = true;
		if (ch == '\n')
			break;
		if (!ch)
			return -3;
		if (n < LINE_MAX_LEN + 1)
			line[n++] = (char)ch;
		else
			over = true;
	}
	if (!any)
		return -1;
	if (!over && n && line[n - 1] == '\r')
		n--;
	if (over || n > LINE_MAX_LEN)
		return -2;
	line[n] = 0;
	return (ssize_t)n;
}

/*
 * Reads the configuration @path ("-": standard input) into @c; @real is
 * where it is (the system's under MAPPER_SYSROOT).  A missing file is an
 * error unless @optional.
 */
static void conf_read(struct conf *c, const char *path, const char *real, bool optional)
{
	char where[PATH_MAX + 32], line[LINE_MAX_LEN + 2], shown[PATH_MAX];
	ssize_t len;
	FILE *f = strcmp(path, "-") ? fopen(real, "re") : stdin;
	struct stat st;
	unsigned long lineno = 0;
	int err = errno;

	esc(strcmp(path, "-") ? path : "standard input", shown, sizeof(shown));
	if (!f) {
		if (err == ENOENT && optional)
			return;
		conf_error(c, NULL, "%s: %s", shown, strerror(err));
		return;
	}
	if (!fstat(fileno(f), &st) && S_ISDIR(st.st_mode)) {
		conf_error(c, NULL, "%s: is a directory; give a configuration file (mapper.conf(5))",
			   shown);
		fclose(f);
		return;
	}
	while (errno = 0, (len = conf_getline(f, line)) != -1) {
		lineno++;
		snprintf(where, sizeof(where), "%s:%lu", shown, lineno);
		if (len == -3) {
			conf_error(c, where, "a NUL byte: not a text file (mapper.conf(5))");
			break;
		}
		if (len == -2)
			conf_error(c, where, "longer than %d characters", LINE_MAX_LEN);
		else
			conf_line(c, line, where);
	}
	if (ferror(f))
		conf_error(c, NULL, "%s: read failed: %s", shown, strerror(errno ? errno : EIO));
	if (f != stdin)
		fclose(f);
}

static void conf_free(struct conf *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free((char *)c->v[i].name);
		free((char *)c->v[i].cache);
		free((char *)c->v[i].dma_device);
		free((char *)c->v[i].where);
	}
	free(c->v);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* /etc/mapper.conf, then /etc/mapper.d/ *.conf in C-locale order. */
static void conf_read_default(struct conf *c)
{
	char p[PATH_MAX], path[PATH_MAX];
	DIR *d;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0, l;

	conf_read(c, CONF_FILE, sys_path(p, CONF_FILE), true);
	d = opendir(sys_path(p, CONF_DIR));
	if (!d) {
		if (errno != ENOENT)
			conf_error(c, NULL, "%s: %s", CONF_DIR, strerror(errno));
		return;
	}
	while ((e = readdir(d))) {
		l = strlen(e->d_name);
		if (e->d_name[0] == '.' || l < 6 || strcmp(e->d_name + l - 5, ".conf"))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			names = realloc(names, cap * sizeof(*names));
			if (!names)
				oom();
		}
		if (!(names[n++] = strdup(e->d_name)))
			oom();
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), CONF_DIR "/%s", names[i]);
		conf_read(c, path, sys_path(p, "%s", path), false);
		free(names[i]);
	}
	free(names);
}

static int cmp_spec_name(const void *a, const void *b)
{
	const struct spec *x = *(const struct spec *const *)a, *y = *(const struct spec *const *)b;
	int r = strcmp(x->name, y->name);

	/* Equal names in the order they were read: the first one is kept. */
	return r ? r : (x > y) - (x < y);
}

/* A name configured twice is an error at its second place. */
static void conf_check_names(struct conf *c)
{
	const struct spec **v = malloc((c->n ? c->n : 1) * sizeof(*v));

	if (!v)
		oom();
	for (size_t i = 0; i < c->n; i++)
		v[i] = &c->v[i];
	qsort(v, c->n, sizeof(*v), cmp_spec_name);
	for (size_t i = 1; i < c->n; i++)
		if (!strcmp(v[i]->name, v[i - 1]->name))
			conf_error(c, v[i]->where, "%s is configured already at %s", v[i]->name,
				   v[i - 1]->where);
	free(v);
}

/*
 * The differences of the live buffer @b from @s, as "size 4 MiB (configured
 * 8 MiB), ..." in @out; empty when there are none.  A size rounded up to
 * whole pages is the same size.  A module without the DMA attributes makes
 * no contiguous buffers and none for a device.
 */
static void differences(const struct spec *s, const struct buf *b, char *out, size_t len)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t rounded = s->size + (page - s->size % page) % page;
	char h1[32], h2[32], p[PATH_MAX], fb[8];
	const char *want = s->cache ? s->cache : "cached";
	const char *want_dev = s->dma_device ? s->dma_device : "";
	size_t n = 0;

	*out = 0;
	if (b->has_size && b->size != s->size && (rounded < s->size || b->size != rounded))
		append(out, len, &n, ", size %s (configured %s)", size_human(b->size, h1, sizeof(h1)),
		       size_human(s->size, h2, sizeof(h2)));
	if (!b->has_node)
		append(out, len, &n, ", node ? (configured %ld)", s->node);
	else if (b->node != s->node)
		append(out, len, &n, ", node %lld (configured %ld)", (long long)b->node, s->node);
	if (strcmp(b->cache, want))
		append(out, len, &n, ", cache %s (configured %s)", b->cache, want);
	/* b->name is a name (buf_name()), so the path is one of configfs's. */
	if (b->has_name && s->node >= 0 &&
	    !attr_read((snprintf(p, sizeof(p), CFG "/%s/node_fallback", b->name), p), fb, sizeof(fb)) &&
	    strcmp(fb, s->fallback ? "1" : "0"))
		append(out, len, &n, ", node fallback %s (configured %s)",
		       s->fallback ? "off" : "on", s->fallback ? "on" : "off");
	if (b->contig_attr && !b->has_contig)
		append(out, len, &n, ", contiguous ? (configured %s)", s->contiguous ? "on" : "off");
	else if ((b->contig_attr && b->contig) != s->contiguous)
		append(out, len, &n, ", contiguous %s (configured %s)",
		       s->contiguous ? "off" : "on", s->contiguous ? "on" : "off");
	if (b->dma_dev_attr && !b->has_dma_dev)
		append(out, len, &n, ", DMA device ? (configured %s)", *want_dev ? want_dev : "none");
	else if (strcmp(b->dma_dev_attr ? b->dma_dev : "", want_dev))
		append(out, len, &n, ", DMA device %s (configured %s)",
		       b->dma_dev_attr && b->dma_dev[0] ? b->dma_dev : "none",
		       *want_dev ? want_dev : "none");
}

static int cmd_apply(int argc, char **argv)
{
	static const struct option longs[] = { { NULL, 0, NULL, 0 } };
	struct conf c = { 0 };
	char diff[1024], bus[NAME_MAX + 1];
	struct buf *live;
	size_t nlive;
	bool configfs = false;
	int rc = 0;

	while (next_opt(argc, argv, "", longs) != -1)
		;
	if (argc - optind > 1)
		die(2, "one configuration at a time: got %s and %s", q(argv[optind]),
		    q(argv[optind + 1]));
	if (optind < argc)
		conf_read(&c, argv[optind], argv[optind], false);
	else
		conf_read_default(&c);
	if (!c.errors)
		conf_check_names(&c);
	if (c.errors > MAX_ERRORS)
		error_at(NULL, "and %u more errors", c.errors - MAX_ERRORS);
	if (c.errors) {
		conf_free(&c);
		die(1, "nothing applied: correct the configuration first (mapper.conf(5))");
	}
	if (!c.n)
		return 0;
	/*
	 * configfs only once something is to be made: buffers of the module
	 * parameters alone are checked without it.  What exists is read once,
	 * and looked up by name.
	 */
	need_module();
	nlive = bufs_read(&live);
	qsort(live, nlive, sizeof(*live), cmp_buf_name);
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < c.n; i++) {
		const struct spec *s = &c.v[i];
		struct buf key, *b;

		snprintf(key.name, sizeof(key.name), "%s", s->name);
		b = bsearch(&key, live, nlive, sizeof(*live), cmp_buf_name);
		if (b) {
			differences(s, b, diff, sizeof(diff));
			if (!*diff) {
				printf("%s: /dev/mapper%u: exists as configured\n", s->name, b->index);
				continue;
			}
			error_at(s->where, "%s: /dev/mapper%u exists with%s: left alone; to apply "
				 "it, remove it (mapperctl remove %s) and apply again", s->name,
				 b->index, diff + 1, s->name);
			rc = 1;
			continue;
		}
		/* A device gone since the configuration was written: this buffer only. */
		if (s->dma_device && !dma_device_bus(s->dma_device, bus, sizeof(bus))) {
			error_at(s->where, "%s: dma-device %s: " NO_DEVICE, s->name, q(s->dma_device));
			rc = 1;
			continue;
		}
		if (!configfs) {
			need_configfs();
			configfs = true;
		}
		if (create_one(s, s->name) < 0)
			rc = 1;
	}
	free(live);
	conf_free(&c);
	return rc;
}

/* --- main ------------------------------------------------------------------------------ */

/*
 * At exit: what was printed must have arrived (a device path lost, --help
 * to a full disk): else exit 1, as coreutils' close_stdout() does.
 */
static void stdout_check(void)
{
	static bool once;

	if (once)
		return;
	once = true;
	errno = 0;
	if (fflush(stdout) || ferror(stdout)) {
		int err = errno ? errno : EIO;

		fprintf(stderr, "mapperctl: %s%sstandard output: %s\n", cmd, *cmd ? ": " : "",
			strerror(err));
		_exit(1);
	}
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "help",    no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static const struct { const char *name; int (*fn)(int, char **); } cmds[] = {
		{ "create", cmd_create }, { "remove", cmd_remove },
		{ "list", cmd_list }, { "apply", cmd_apply }, { "export", cmd_export },
	};
	char prog[32];
	int c;

	atexit(stdout_check);
	/* Options before the command: --help and --version only. */
	argv[0] = "mapperctl";
	while ((c = getopt_long(argc, argv, "+hV", longs, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			printf("mapperctl (mapper) %s\n", MAPPER_VERSION);
			return 0;
		default:
			fputs("Try 'mapperctl --help' for more information.\n", stderr);
			return 2;
		}
	}
	if (optind == argc)
		die(2, "no command: give create, remove, list, apply or export");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[optind], cmds[i].name))
			continue;
		cmd = cmds[i].name;
		/* The command's arguments, named "mapperctl COMMAND" in getopt's messages. */
		snprintf(prog, sizeof(prog), "mapperctl %s", cmd);
		argv += optind;
		argc -= optind;
		argv[0] = prog;
		/* --help anywhere among them shows the help. */
		for (int k = 1; k < argc && strcmp(argv[k], "--"); k++) {
			if (!strcmp(argv[k], "--help") || !strcmp(argv[k], "-h")) {
				fputs(usage_text, stdout);
				return 0;
			}
		}
		optind = 0;
		return cmds[i].fn(argc, argv);
	}
	die(2, "%s: no such command; give create, remove, list, apply or export", q(argv[optind]));
}
