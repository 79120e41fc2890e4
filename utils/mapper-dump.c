// SPDX-License-Identifier: GPL-2.0
/*
 * mapper-dump: show a mapper buffer, or any file, as hexdump -C or xxd would.
 *
 * Devices are read through mmap() with the size from MAPPER_IOC_INFO (a
 * character device's st_size is 0), regular files through mmap(), pipes,
 * other streams and files of st_size 0 (procfs) through read().  Mapped
 * inputs are mapped MAP_WINDOW bytes at a time, so that memory stays constant
 * and any size fits a 32-bit address space; a window mmap() refuses (past
 * 16 TiB on 32-bit systems, sysfs) is read with pread() instead.  The output
 * formats live in dump-format.c.
 */
static const char usage_text[] =
"Usage: mapper-dump [OPTIONS] [DEVICE|FILE|-]\n"
"Show a mapper buffer (default /dev/mapper0), a file or standard input (-)\n"
"in hex.\n"
"\n"
"Formats (one of):\n"
"  -C, --canonical      hex and ASCII, byte for byte as 'hexdump -C' (default)\n"
"  -X, --xxd            as 'xxd', with its -c and -g\n"
"  -p, --plain          plain hex, as 'xxd -p'\n"
"  -i, --include        a C array, as 'xxd -i'\n"
"  -R, --raw            the bytes themselves\n"
"\n"
"Format options:\n"
"  -c, --cols N         bytes per line, 1-256 (xxd 16, plain 30, include 12)\n"
"  -g, --group N        bytes per group in --xxd (2; 0 for none)\n"
"      --name NAME      C variable name for --include (default: from FILE)\n"
"  -v, --no-squeezing   print repeated lines instead of '*' (canonical)\n"
"\n"
"Range (N is decimal or 0x hex, with an optional K, M, G, KiB, MiB or GiB):\n"
"  -s, --skip N         start N bytes into the input\n"
"  -n, --length N       dump N bytes; a range past the end is an error\n"
"\n"
"Devices:\n"
"      --info           name, size, node, live mappings, open files, holders,\n"
"                       DMA attributes, dma-buf exports and others of DEVICE\n"
"      --list           every mapper device with its name, size, node,\n"
"                       mappings, open files, holders, DMA attributes and\n"
"                       dma-buf exports\n"
"      --json           --info or --list as JSON\n"
"      --watch[=SECS]   dump, then every SECS (1) seconds print the lines\n"
"                       that changed, changed bytes highlighted\n"
"      --count N        stop --watch after N rounds, the first dump included\n"
"      --color[=WHEN]   highlight changes: auto (on a terminal, the default;\n"
"                       off when NO_COLOR is set), always or never\n"
"\n"
"  -h, --help           show this help and exit\n"
"  -V, --version        show the version and exit\n"
"\n"
"Exit status: 0 success, 1 runtime error, 2 usage error.\n";

#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64	/* files past 2 GiB on 32-bit systems too */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdarg.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "uapi/mapper.h"
#include "version.h"
#include "dump-format.h"
#include "common.h"

#define DEFAULT_DEVICE	"/dev/mapper0"
#define WATCH_MAX	(1ull << 30)	/* --watch keeps two copies of the range */
#define MAP_WINDOW	(8u << 20)	/* mapped at a time: far more than a page and a chunk */
#define PAGE_MAX	(64u << 10)	/* the largest page size Linux has */

/* src_at() maps from the page of an offset on: a chunk must fit after it. */
_Static_assert(PAGE_MAX + DUMP_CHUNK <= MAP_WINDOW, "MAP_WINDOW cannot hold a page and a chunk");

enum { OPT_NAME = 256, OPT_INFO, OPT_LIST, OPT_JSON, OPT_WATCH, OPT_COUNT, OPT_COLOR };

static const struct option long_options[] = {
	{ "canonical",    no_argument,       NULL, 'C' },
	{ "xxd",          no_argument,       NULL, 'X' },
	{ "plain",        no_argument,       NULL, 'p' },
	{ "include",      no_argument,       NULL, 'i' },
	{ "raw",          no_argument,       NULL, 'R' },
	{ "cols",         required_argument, NULL, 'c' },
	{ "group",        required_argument, NULL, 'g' },
	{ "name",         required_argument, NULL, OPT_NAME },
	{ "no-squeezing", no_argument,       NULL, 'v' },
	{ "skip",         required_argument, NULL, 's' },
	{ "length",       required_argument, NULL, 'n' },
	{ "info",         no_argument,       NULL, OPT_INFO },
	{ "list",         no_argument,       NULL, OPT_LIST },
	{ "json",         no_argument,       NULL, OPT_JSON },
	{ "watch",        optional_argument, NULL, OPT_WATCH },
	{ "count",        required_argument, NULL, OPT_COUNT },
	{ "color",        optional_argument, NULL, OPT_COLOR },
	{ "help",         no_argument,       NULL, 'h' },
	{ "version",      no_argument,       NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

struct opts {
	struct fmt fmt;
	int modes;		/* format options given */
	const char *cols, *group, *name;
	bool no_squeeze;
	bool has_skip, has_len;
	uint64_t skip, len;
	bool info, list, json;
	bool watch;
	double interval;
	long count;
	enum { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER } color;
	const char *path;
	bool path_given;
};

struct src {
	const char *path;	/* as given, for messages */
	int fd;
	bool stream;		/* read() it: pipe, terminal, other device */
	bool mapper;
	bool regular;
	uint64_t base;		/* file offset of the input's byte 0 (stdin's position) */
	uint64_t size;		/* when !stream */
	unsigned char *map;	/* window [map_off, map_off + map_len), or NULL */
	uint64_t map_off;	/* a file offset */
	size_t map_len;
	unsigned char *buf;	/* the window read with pread(), once mmap() refused */
};

/* --- errors ------------------------------------------------------------- */

static struct out *pending;	/* what die() writes out first: the lines formatted so far */

__attribute__((noreturn, format(printf, 2, 3)))
static void die(int code, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	if (pending)
		out_flush(pending);
	fputs("mapper-dump: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (code == 2)
		fputs("\nTry 'mapper-dump --help' for more information.", stderr);
	fputc('\n', stderr);
	exit(code);
}

static bool is_mapper_path(const char *path)
{
	return !strncmp(path, "/dev/mapper", 11) && path[11] >= '0' && path[11] <= '9';
}

/* An open() or stat() failure, with what to do about it. */
__attribute__((noreturn))
static void die_open(const char *path, int err, bool chardev)
{
	if (err == ENOENT && is_mapper_path(path)) {
		if (!sys_module_loaded())
			die(1, "%s: no such device: the mapper module is not loaded; "
			    "load it with 'sudo modprobe mapper'", path);
		die(1, "%s: no such device, though the mapper module is loaded; "
		    "'mapper-dump --list' shows the devices there are", path);
	}
	if ((err == EACCES || err == EPERM) && (chardev || is_mapper_path(path)))
		die(1, "%s: permission denied: mapper devices belong to the group "
		    "'mapper'; add yourself with 'sudo usermod -aG mapper $USER' and "
		    "log in again, or run as root", path);
	if (err == EACCES || err == EPERM)
		die(1, "%s: permission denied; check the file's permissions (ls -l)", path);
	if (err == ENOENT)
		die(1, "%s: no such file or directory; check the name", path);
	die(1, "%s: cannot open: %s", path, strerror(err));
}

/* --- numbers ------------------------------------------------------------ */

/* A size option (common.h: size_parse()), or a usage error that says why. */
static uint64_t parse_size(const char *opt, const char *s)
{
	uint64_t v = 0;

	switch (size_parse(s, &v)) {
	case SIZE_OK:
		return v;
	case SIZE_NEGATIVE:
		die(2, "%s '%s': a negative size; %s counts bytes from the start", opt, s, opt);
	case SIZE_BIG:
		die(2, "%s '%s': too large", opt, s);
	case SIZE_BAD:
		break;
	}
	die(2, "%s '%s': not a size; " SIZE_SYNTAX, opt, s);
}

static long parse_count(const char *opt, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!isdigit((unsigned char)*s) || *end || errno || v < min || v > max)
		die(2, "%s '%s': give a whole number from %ld to %ld", opt, s, min, max);
	return v;
}

/* --- input -------------------------------------------------------------- */

static void src_open(struct src *s, const char *path)
{
	struct mapper_info info = { .argsz = sizeof(info) };
	struct stat st;

	memset(s, 0, sizeof(*s));
	s->path = path;
	if (!strcmp(path, "-")) {
		s->path = "standard input";
		s->fd = 0;
	} else {
		s->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (s->fd < 0) {
			int err = errno;

			die_open(path, err, !stat(path, &st) && S_ISCHR(st.st_mode));
		}
	}
	if (fstat(s->fd, &st))
		die(1, "%s: cannot stat: %s", s->path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		die(1, "%s: is a directory; name a device or a file", s->path);
	s->regular = S_ISREG(st.st_mode);
	if (s->regular && st.st_size) {
		/* From stdin's position on, as read() would; 0 for a file opened here. */
		off_t pos = lseek(s->fd, 0, SEEK_CUR);

		s->base = pos > 0 ? (uint64_t)pos : 0;
		s->size = s->base < (uint64_t)st.st_size ? (uint64_t)st.st_size - s->base : 0;
	} else if (S_ISCHR(st.st_mode) && !ioctl(s->fd, MAPPER_IOC_INFO, &info)) {
		s->mapper = true;
		s->size = info.buf_size;
	} else if (S_ISCHR(st.st_mode) && errno != ENOTTY && errno != EINVAL) {
		die(1, "%s: MAPPER_IOC_INFO failed: %s", s->path, strerror(errno));
	} else {
		s->stream = true;
	}
}

/* The file is smaller than the bytes asked for: say how small it is now. */
__attribute__((noreturn))
static void die_shrank(const struct src *s)
{
	struct stat st = { 0 };

	(void)fstat(s->fd, &st);
	die(1, "%s: the file shrank to %llu (0x%llx) bytes while being read; dump it again",
	    s->path, (unsigned long long)st.st_size, (unsigned long long)st.st_size);
}

/*
 * The window read with pread(), for files mmap() refuses: an offset past
 * 16 TiB, which a 32-bit mmap() cannot pass, or a file system that maps
 * nothing (sysfs).  Reading less than asked means the file shrank, or is a
 * pseudo file holding less than its st_size (sysfs says 4096): then the input
 * ends there, s->size says where.
 */
static unsigned char *src_read(struct src *s)
{
	struct stat st;
	size_t got = 0;

	if (!s->buf && !(s->buf = malloc(MAP_WINDOW)))
		die(1, "out of memory");
	while (got < s->map_len) {
		ssize_t r = pread(s->fd, s->buf + got, s->map_len - got,
				  (off_t)(s->map_off + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die(1, "%s: read failed: %s", s->path, strerror(errno));
		if (!r)
			break;
		got += (size_t)r;
	}
	if (got < s->map_len) {
		if (s->regular && (fstat(s->fd, &st) ||
				   (uint64_t)st.st_size < s->map_off + s->map_len))
			die_shrank(s);
		s->size = s->map_off + got > s->base ? s->map_off + got - s->base : 0;
		s->map_len = got;
	}
	return s->buf;
}

/*
 * [off, off + n) of a mapped input, n at most DUMP_CHUNK and inside the
 * input.  Maps a new window, from the page of @off on, when the current one
 * does not hold it all.  When the input turns out to end earlier (src_read()),
 * s->size is lowered: the caller checks it.
 */
static const unsigned char *src_at(struct src *s, uint64_t off, size_t n)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), end;
	void *p = MAP_FAILED;

	off += s->base;
	if (!s->map || off < s->map_off || off + n > s->map_off + s->map_len) {
		if (s->map && !s->buf)
			munmap(s->map, s->map_len);
		s->map = NULL;
		s->map_off = off & ~(page - 1);
		end = s->base + s->size - s->map_off < MAP_WINDOW ? s->base + s->size :
		      s->map_off + MAP_WINDOW;
		s->map_len = (size_t)(end - s->map_off);
		if (!s->buf)
			p = mmap(NULL, s->map_len, PROT_READ, MAP_SHARED, s->fd,
				 (off_t)s->map_off);
		if (p == MAP_FAILED && (s->buf || errno == EINVAL || errno == EOVERFLOW ||
					errno == ENODEV))
			p = src_read(s);
		if (p == MAP_FAILED) {
			if (s->mapper && (errno == EACCES || errno == EPERM))
				die(1, "%s: mmap: permission denied; the device must allow "
				    "read-only mappings for its group 'mapper'", s->path);
			die(1, "%s: mmap of %zu bytes at offset %llu failed: %s", s->path,
			    s->map_len, (unsigned long long)s->map_off, strerror(errno));
		}
		s->map = p;
		if (s->regular && !s->buf)
			madvise(p, s->map_len, MADV_SEQUENTIAL);
	}
	return s->map + (off - s->map_off);
}

/* The range must lie inside the input: say so precisely when it does not. */
static void check_range(const struct opts *o, const char *what, uint64_t size)
{
	if (o->skip > size)
		die(2, "%s: --skip %llu (0x%llx) is past the end: the %s is %llu bytes",
		    what, (unsigned long long)o->skip, (unsigned long long)o->skip,
		    what[0] == '/' && is_mapper_path(what) ? "buffer" : "input",
		    (unsigned long long)size);
	if (o->has_len && o->len > size - o->skip)
		die(2, "%s: --skip %llu plus --length %llu goes past the end at %llu; "
		    "at most --length %llu fits", what, (unsigned long long)o->skip,
		    (unsigned long long)o->len, (unsigned long long)size,
		    (unsigned long long)(size - o->skip));
}

static sigjmp_buf bus_env;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(bus_env, 1);
}

/*
 * A mapped device or file, fed in chunks.  A file that shrank faults (SIGBUS)
 * past its last page, and reads as zeros up to it: fstat() after each chunk
 * keeps those zeros out.  Either way the chunk is dropped.
 */
static void dump_mapped(struct src *s, struct fmt *f, struct out *o,
			uint64_t skip, uint64_t len)
{
	size_t chunk = DUMP_CHUNK / fmt_width(f) * fmt_width(f);
	volatile uint64_t done = 0;
	volatile size_t saved = o->len;
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	struct stat st;

	if (sigsetjmp(bus_env, 1)) {
		o->len = saved;
		die_shrank(s);
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old);
	while (done < len) {
		size_t n = len - done < chunk ? (size_t)(len - done) : chunk;
		const unsigned char *p = src_at(s, skip + done, n);

		if (skip + done + n > s->size) {	/* a pseudo file ended early */
			if (skip + done >= s->size)
				break;
			n = (size_t)(s->size - skip - done);
		}
		out_maybe_flush(o);
		saved = o->len;
		fmt_feed(f, o, p, n);
		if (s->regular && !s->buf && (fstat(s->fd, &st) ||
		    (uint64_t)st.st_size < s->base + skip + done + n)) {
			o->len = saved;
			die_shrank(s);
		}
		done += n;
	}
	sigaction(SIGBUS, &old, NULL);
}

/* Pipes, terminals and devices other than mapper: read() into one buffer. */
static void dump_stream(struct src *s, const struct opts *opt, struct fmt *f,
			struct out *o)
{
	size_t chunk = DUMP_CHUNK / fmt_width(f) * fmt_width(f);
	unsigned char *buf = malloc(DUMP_CHUNK);
	uint64_t skipped = 0, done = 0;
	bool eof = false;

	if (!buf)
		die(1, "out of memory");
	/* A block device seeks; pipes do not (ESPIPE), some devices only seem to. */
	if (opt->skip && !s->regular) {
		off_t cur = lseek(s->fd, 0, SEEK_CUR);

		if (cur >= 0 && opt->skip <= (uint64_t)(INT64_MAX - cur) &&
		    lseek(s->fd, cur + (off_t)opt->skip, SEEK_SET) == cur + (off_t)opt->skip)
			skipped = opt->skip;
	}
	while (skipped < opt->skip && !eof) {
		size_t want = opt->skip - skipped < DUMP_CHUNK ?
			      (size_t)(opt->skip - skipped) : DUMP_CHUNK;
		ssize_t r = read(s->fd, buf, want);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die(1, "%s: read failed: %s", s->path, strerror(errno));
		eof = r == 0;
		skipped += (uint64_t)r;
	}
	if (skipped < opt->skip)
		die(2, "%s: --skip %llu is past the end: the input ended after %llu bytes",
		    s->path, (unsigned long long)opt->skip, (unsigned long long)skipped);
	fmt_begin(f, o);
	while (!eof && !(opt->has_len && done == opt->len)) {
		size_t want = chunk, got = 0;

		if (opt->has_len && opt->len - done < want)
			want = (size_t)(opt->len - done);
		while (got < want) {
			ssize_t r = read(s->fd, buf + got, want - got);

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				die(1, "%s: read failed: %s", s->path, strerror(errno));
			if (!r) {
				eof = true;
				break;
			}
			got += (size_t)r;
		}
		if (got) {
			out_maybe_flush(o);
			fmt_feed(f, o, buf, got);
			done += got;
		}
	}
	free(buf);
	fmt_end(f, o);
	out_flush(o);
	if (opt->has_len && done < opt->len)
		die(2, "%s: --length %llu goes past the end: the input ended %llu bytes "
		    "after --skip", s->path, (unsigned long long)opt->len,
		    (unsigned long long)done);
}

/* --- device views ------------------------------------------------------- */

/*
 * What sysfs says of mapperN besides its size and mappings: attributes that
 * modules before 0.3 do not have (shown as unknown, left out of JSON), and
 * the DMA ones and exports (live dma-bufs), which older modules do not
 * have (then left out of all views); *_attr: the file is there, has_*: it
 * says a value.
 */
struct extra {
	bool has_name, has_node, has_opens, has_holders;
	char name[64];
	int64_t node;
	uint64_t opens, holders;
	bool contig_attr, dma_dev_attr, dma_maps_attr, exports_attr;
	bool has_contig, has_dma_dev, has_dma_maps, has_exports;
	bool contig;
	char dma_dev[256];	/* "" for none */
	uint64_t dma_maps, exports;
};

/* Whether mapperN's sysfs directory has the file @attr. */
static bool sys_attr_there(unsigned int n, const char *attr)
{
	char p[PATH_MAX];

	return !access(sys_path(p, MAPPER_CLASS "/mapper%u/%s", n, attr), F_OK);
}

/* A device name as sysfs has them: printable, one word, no /. */
static bool device_name_ok(const char *s)
{
	for (; *s; s++)
		if (*s == '/' || (unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

static void read_extra(unsigned int n, struct extra *x)
{
	char state[8];

	x->has_name = sys_attr_str(n, "name", x->name, sizeof(x->name));
	x->has_node = sys_attr_i64(n, "node", &x->node);
	x->has_opens = sys_attr_u64(n, "opens", &x->opens);
	x->has_holders = sys_attr_u64(n, "holders", &x->holders);
	x->contig_attr = sys_attr_there(n, "contiguous");
	x->dma_dev_attr = sys_attr_there(n, "dma_device");
	x->dma_maps_attr = sys_attr_there(n, "dma_maps");
	x->has_contig = x->contig_attr && sys_attr_str(n, "contiguous", state, sizeof(state)) &&
			(!strcmp(state, "0") || !strcmp(state, "1"));
	x->contig = x->has_contig && state[0] == '1';
	x->has_dma_dev = x->dma_dev_attr && sys_attr_str(n, "dma_device", x->dma_dev,
							 sizeof(x->dma_dev)) &&
			 device_name_ok(x->dma_dev);
	x->has_dma_maps = x->dma_maps_attr && sys_attr_u64(n, "dma_maps", &x->dma_maps);
	x->exports_attr = sys_attr_there(n, "exports");
	x->has_exports = x->exports_attr && sys_attr_u64(n, "exports", &x->exports);
}

/*
 * phys_addr, root's alone (0400, CAP_SYS_RAWIO) and only of a contiguous
 * buffer: false when absent or not readable, which is no error.
 */
static bool read_phys_addr(unsigned int n, uint64_t *addr)
{
	char line[32], *end;

	if (!sys_attr_str(n, "phys_addr", line, sizeof(line)))
		return false;
	if (!strcmp(line, "0")) {
		*addr = 0;
		return true;
	}
	if (strncmp(line, "0x", 2) || !isxdigit((unsigned char)line[2]))
		return false;
	errno = 0;
	*addr = strtoull(line + 2, &end, 16);
	return !*end && !errno;
}

static void json_extra(struct json_object *o, const struct extra *x)
{
	if (x->has_name)
		json_object_object_add(o, "name", json_object_new_string(x->name));
	if (x->has_node)
		json_object_object_add(o, "node", json_object_new_int64(x->node));
	if (x->has_opens)
		json_object_object_add(o, "opens", json_object_new_uint64(x->opens));
	if (x->has_holders)
		json_object_object_add(o, "holders", json_object_new_uint64(x->holders));
	if (x->has_contig)
		json_object_object_add(o, "contiguous", json_object_new_boolean(x->contig));
	if (x->has_dma_dev)
		json_object_object_add(o, "dma_device", json_object_new_string(x->dma_dev));
	if (x->has_dma_maps)
		json_object_object_add(o, "dma_maps", json_object_new_uint64(x->dma_maps));
	if (x->has_exports)
		json_object_object_add(o, "exports", json_object_new_uint64(x->exports));
}

static void json_print(struct json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_SPACED |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/* A number of the table, or "?" when this module does not say it. */
static const char *num(bool known, uint64_t v, char *buf, size_t len)
{
	if (!known)
		return "?";
	snprintf(buf, len, "%llu", (unsigned long long)v);
	return buf;
}

static const char *node_str(const struct extra *x, char *buf, size_t len)
{
	if (!x->has_node)
		return "?";
	if (x->node < 0)
		return "-";
	snprintf(buf, len, "%lld", (long long)x->node);
	return buf;
}

static int do_info(const char *path, bool json)
{
	struct mapper_info info = { .argsz = sizeof(info) };
	struct extra x;
	struct stat st;
	bool has_events, has_flags, has_phys;
	uint64_t phys = 0;
	char h[32];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		int err = errno;

		die_open(path, err, !stat(path, &st) && S_ISCHR(st.st_mode));
	}
	if (fstat(fd, &st))
		die(1, "%s: cannot stat: %s", path, strerror(errno));
	if (!S_ISCHR(st.st_mode) || ioctl(fd, MAPPER_IOC_INFO, &info)) {
		if (S_ISCHR(st.st_mode) && errno != ENOTTY && errno != EINVAL)
			die(1, "%s: MAPPER_IOC_INFO failed: %s", path, strerror(errno));
		die(1, "%s: not a mapper device; --info works on /dev/mapperN, and "
		    "'mapper-dump --list' shows them (to dump this, drop --info)", path);
	}
	close(fd);
	/* argsz now says how much of the structure this module filled in. */
	has_events = info.argsz >= offsetof(struct mapper_info, events) + sizeof(info.events);
	has_flags = info.argsz >= offsetof(struct mapper_info, flags) + sizeof(info.flags);
	/* Counted now, so without this open. */
	read_extra(info.index, &x);
	has_phys = read_phys_addr(info.index, &phys);

	if (json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "device", json_object_new_string(path));
		json_object_object_add(o, "index", json_object_new_int64(info.index));
		json_object_object_add(o, "size", json_object_new_uint64(info.buf_size));
		json_object_object_add(o, "page_size", json_object_new_int64(info.page_size));
		json_object_object_add(o, "maps", json_object_new_uint64(info.maps));
		json_object_object_add(o, "events", has_events ?
				       json_object_new_uint64(info.events) : NULL);
		json_object_object_add(o, "flags", has_flags ?
				       json_object_new_uint64(info.flags) : NULL);
		json_object_object_add(o, "info_version", json_object_new_int64(info.version));
		json_extra(o, &x);
		if (has_phys)
			json_object_object_add(o, "phys_addr", json_object_new_uint64(phys));
		json_print(o);
	} else {
		printf("device:     %s\n", path);
		printf("index:      %u\n", info.index);
		printf("name:       %s\n", x.has_name ? x.name : "unknown");
		printf("size:       %llu (%s)\n", (unsigned long long)info.buf_size,
		       size_human(info.buf_size, h, sizeof(h)));
		printf("node:       %s\n", !x.has_node ? "unknown" : x.node < 0 ? "any" :
		       node_str(&x, h, sizeof(h)));
		printf("page size:  %u\n", info.page_size);
		printf("mappings:   %llu\n", (unsigned long long)info.maps);
		printf("opens:      %s\n", x.has_opens ? num(true, x.opens, h, sizeof(h)) : "unknown");
		printf("holders:    %s\n", x.has_holders ? num(true, x.holders, h, sizeof(h)) :
		       "unknown");
		/* Modules without the DMA options: no lines. */
		if (x.contig_attr)
			printf("contiguous: %s\n", !x.has_contig ? "unknown" : x.contig ? "yes" : "no");
		if (x.dma_dev_attr)
			printf("dma device: %s\n", !x.has_dma_dev ? "unknown" :
			       x.dma_dev[0] ? x.dma_dev : "none");
		if (x.dma_maps_attr)
			printf("dma maps:   %s\n", x.has_dma_maps ?
			       num(true, x.dma_maps, h, sizeof(h)) : "unknown");
		/* Modules without dma-buf export: no line. */
		if (x.exports_attr)
			printf("exports:    %s\n", x.has_exports ?
			       num(true, x.exports, h, sizeof(h)) : "unknown");
		if (has_phys)
			printf("phys addr:  0x%llx\n", (unsigned long long)phys);
		if (has_events)
			printf("events:     %llu\n", (unsigned long long)info.events);
		if (has_flags)
			printf("flags:      0x%llx\n", (unsigned long long)info.flags);
		printf("info:       version %u, %u bytes\n", info.version, info.argsz);
	}
	return 0;
}

/* One line of --list. */
struct entry {
	char path[32];
	bool known;
	uint64_t size, maps;
	struct extra x;
};

static int do_list(bool json)
{
	unsigned int *idx = NULL;
	size_t n = sys_indexes(MAPPER_CLASS, &idx);
	struct entry *v;
	int denied = 0, wname = 4, wdev = 10;
	bool dma = false, exports = false;

	if (n == (size_t)-1)
		die(1, "out of memory");
	if (!n)
		n = sys_indexes("/dev", &idx);
	if (n == (size_t)-1)
		die(1, "out of memory");
	if (!n) {
		if (!sys_module_loaded())
			die(1, "no mapper devices: the mapper module is not loaded; "
			    "load it with 'sudo modprobe mapper'");
		die(1, "no mapper devices, though the mapper module is loaded; "
		    "check that udev created /dev/mapperN (ls /sys/class/mapper)");
	}
	v = calloc(n, sizeof(*v));
	if (!v)
		die(1, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct entry *e = &v[i];

		snprintf(e->path, sizeof(e->path), "/dev/mapper%u", idx[i]);
		e->known = sys_attr_u64(idx[i], "size", &e->size) &&
			   sys_attr_u64(idx[i], "maps", &e->maps);
		read_extra(idx[i], &e->x);
		if (!e->known) {
			struct mapper_info info = { .argsz = sizeof(info) };
			char p[PATH_MAX];
			int fd = open(sys_path(p, "%s", e->path), O_RDONLY | O_CLOEXEC);

			if (fd < 0 && (errno == EACCES || errno == EPERM))
				denied++;
			if (fd >= 0 && !ioctl(fd, MAPPER_IOC_INFO, &info)) {
				e->known = true;
				e->size = info.buf_size;
				e->maps = info.maps;
			}
			if (fd >= 0)
				close(fd);
		}
		if (e->x.has_name && (int)strlen(e->x.name) > wname)
			wname = (int)strlen(e->x.name);
		if (e->x.has_dma_dev && (int)strlen(e->x.dma_dev) > wdev)
			wdev = (int)strlen(e->x.dma_dev);
		/* The DMA columns where the module has them. */
		dma = dma || e->x.contig_attr || e->x.dma_dev_attr || e->x.dma_maps_attr;
		exports = exports || e->x.exports_attr;
	}
	if (json) {
		struct json_object *arr = json_object_new_array();

		for (size_t i = 0; i < n; i++) {
			struct json_object *o = json_object_new_object();
			struct entry *e = &v[i];

			/* The keys of 0.2 first, in their order. */
			json_object_object_add(o, "device", json_object_new_string(e->path));
			json_object_object_add(o, "index", json_object_new_int64(idx[i]));
			json_object_object_add(o, "size", e->known ? json_object_new_uint64(e->size) : NULL);
			json_object_object_add(o, "maps", e->known ? json_object_new_uint64(e->maps) : NULL);
			json_extra(o, &e->x);
			json_object_array_add(arr, o);
		}
		json_print(arr);
	} else {
		printf("%-16s %-*s %12s %4s %6s %6s %7s", "DEVICE", wname, "NAME", "SIZE",
		       "NODE", "MAPS", "OPENS", "HOLDERS");
		if (dma)
			printf(" %-6s %-*s %8s", "CONTIG", wdev, "DMA-DEVICE", "DMA-MAPS");
		if (exports)
			printf(" %7s", "EXPORTS");
		putchar('\n');
		for (size_t i = 0; i < n; i++) {
			struct entry *e = &v[i];
			char b[7][24];

			printf("%-16s %-*s %12s %4s %6s %6s %7s", e->path, wname,
			       e->x.has_name ? e->x.name : "?",
			       num(e->known, e->size, b[0], sizeof(b[0])),
			       node_str(&e->x, b[1], sizeof(b[1])),
			       num(e->known, e->maps, b[2], sizeof(b[2])),
			       num(e->x.has_opens, e->x.opens, b[3], sizeof(b[3])),
			       num(e->x.has_holders, e->x.holders, b[4], sizeof(b[4])));
			if (dma)
				printf(" %-6s %-*s %8s", !e->x.has_contig ? "?" : e->x.contig ? "yes" : "no",
				       wdev, !e->x.has_dma_dev ? "?" : e->x.dma_dev[0] ? e->x.dma_dev : "-",
				       num(e->x.has_dma_maps, e->x.dma_maps, b[5], sizeof(b[5])));
			if (exports)
				printf(" %7s", num(e->x.has_exports, e->x.exports, b[6], sizeof(b[6])));
			putchar('\n');
		}
	}
	free(v);
	free(idx);
	if (denied)
		die(1, "permission denied on %d device(s): mapper devices belong to the "
		    "group 'mapper'; add yourself with 'sudo usermod -aG mapper $USER' "
		    "and log in again, or run as root", denied);
	return 0;
}

/* --- watching ----------------------------------------------------------- */

static void snapshot(struct src *s, unsigned char *buf, uint64_t skip, uint64_t len)
{
	uint64_t got = 0;
	size_t n;

	if (s->mapper) {
		for (; got < len; got += n) {
			n = len - got < DUMP_CHUNK ? (size_t)(len - got) : DUMP_CHUNK;
			memcpy(buf + got, src_at(s, skip + got, n), n);
		}
		return;
	}
	while (got < len) {
		ssize_t r = pread(s->fd, buf + got, len - got, (off_t)(s->base + skip + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die(1, "%s: read failed: %s", s->path, strerror(errno));
		if (!r)
			die(1, "%s: the file shrank to %llu bytes while watched; watch a "
			    "smaller range with -s/-n", s->path,
			    (unsigned long long)(skip + got));
		got += (uint64_t)r;
	}
}

static void pause_for(double secs)
{
	struct timespec t = { .tv_sec = (time_t)secs };

	t.tv_nsec = (long)((secs - (double)t.tv_sec) * 1e9);
	while (nanosleep(&t, &t) && errno == EINTR)
		;
}

/*
 * Between rounds. When the module notifies (MAPPER_INFO_F_NOTIFY), a kernel
 * producer's mapper_notify() ends the wait at once; changes nobody announces
 * (writes from user space) still show after the interval.
 */
static void wait_round(struct src *s, double secs)
{
	struct mapper_info info = { .argsz = sizeof(info) };
	struct pollfd p = { .fd = s->fd, .events = POLLPRI };

	if (!s->mapper || ioctl(s->fd, MAPPER_IOC_INFO, &info) ||
	    !(info.flags & MAPPER_INFO_F_NOTIFY)) {
		pause_for(secs);
		return;
	}
	/* The INFO call above acknowledged what came before this round. */
	if (poll(&p, 1, (int)(secs * 1000)) > 0)
		(void)ioctl(s->fd, MAPPER_IOC_INFO, &info);
}

static void do_watch(struct src *s, const struct opts *opt, struct fmt *f,
		     struct out *o, uint64_t len, bool color)
{
	unsigned char *cur = malloc(len ? len : 1), *prev = malloc(len ? len : 1), *t;
	unsigned int w = fmt_width(f);
	const char *on = color ? "\033[1;31m" : NULL, *off = color ? "\033[0m" : NULL;

	if (!cur || !prev)
		die(1, "out of memory for two copies of %llu bytes; watch a smaller "
		    "range with -s/-n", (unsigned long long)len);
	snapshot(s, prev, opt->skip, len);
	fmt_begin(f, o);
	for (uint64_t i = 0; i < len; i += DUMP_CHUNK / w * w) {
		uint64_t n = len - i < DUMP_CHUNK / w * w ? len - i : DUMP_CHUNK / w * w;

		out_maybe_flush(o);
		fmt_feed(f, o, prev + i, (size_t)n);
	}
	fmt_end(f, o);
	out_flush(o);
	for (long round = 2; !opt->count || round <= opt->count; round++) {
		wait_round(s, opt->interval);
		snapshot(s, cur, opt->skip, len);
		for (uint64_t i = 0; i < len; i += w) {
			size_t n = len - i < w ? (size_t)(len - i) : w;

			if (!memcmp(cur + i, prev + i, n))
				continue;
			out_maybe_flush(o);
			o->len = (size_t)(fmt_line(f, o->buf + o->len, opt->skip + i,
						   cur + i, n, prev + i, on, off) - o->buf);
		}
		out_flush(o);
		t = prev;
		prev = cur;
		cur = t;
	}
	free(cur);
	free(prev);
}

/* --- options and main --------------------------------------------------- */

static void parse_args(struct opts *o, int argc, char **argv)
{
	int c;
	char *end;

	memset(o, 0, sizeof(*o));
	o->fmt.mode = MODE_CANONICAL;
	o->interval = 1;
	while ((c = getopt_long(argc, argv, "CXpiRc:g:vs:n:hV", long_options, NULL)) != -1) {
		switch (c) {
		case 'C': o->fmt.mode = MODE_CANONICAL; o->modes++; break;
		case 'X': o->fmt.mode = MODE_XXD; o->modes++; break;
		case 'p': o->fmt.mode = MODE_PLAIN; o->modes++; break;
		case 'i': o->fmt.mode = MODE_INCLUDE; o->modes++; break;
		case 'R': o->fmt.mode = MODE_RAW; o->modes++; break;
		case 'c': o->cols = optarg; break;
		case 'g': o->group = optarg; break;
		case OPT_NAME: o->name = optarg; break;
		case 'v': o->no_squeeze = true; break;
		case 's': o->skip = parse_size("--skip", optarg); o->has_skip = true; break;
		case 'n': o->len = parse_size("--length", optarg); o->has_len = true; break;
		case OPT_INFO: o->info = true; break;
		case OPT_LIST: o->list = true; break;
		case OPT_JSON: o->json = true; break;
		case OPT_WATCH:
			o->watch = true;
			if (optarg) {
				errno = 0;
				o->interval = strtod(optarg, &end);
				if (end == optarg || *end || errno || !isfinite(o->interval) ||
				    o->interval < 0.01 || o->interval > 86400)
					die(2, "--watch=%s: give the seconds between rounds, "
					    "e.g. --watch=0.5 (at least 0.01, at most 86400)", optarg);
			}
			break;
		case OPT_COUNT:
			o->count = parse_count("--count", optarg, 1, LONG_MAX);
			break;
		case OPT_COLOR:
			if (!optarg || !strcmp(optarg, "always"))
				o->color = COLOR_ALWAYS;
			else if (!strcmp(optarg, "auto"))
				o->color = COLOR_AUTO;
			else if (!strcmp(optarg, "never"))
				o->color = COLOR_NEVER;
			else
				die(2, "--color=%s: use auto, always or never", optarg);
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case 'V':
			printf("mapper-dump (mapper) %s\n", MAPPER_VERSION);
			exit(0);
		default:
			/* getopt_long has named the option already. */
			fputs("Try 'mapper-dump --help' for more information.\n", stderr);
			exit(2);
		}
	}
	if (argc - optind > 1)
		die(2, "one input at a time: got '%s' and '%s'", argv[optind], argv[optind + 1]);
	o->path_given = optind < argc;
	o->path = o->path_given ? argv[optind] : DEFAULT_DEVICE;
}

/* Combinations that would be silently ignored are refused instead. */
static void check_args(struct opts *o)
{
	struct fmt *f = &o->fmt;
	bool dumping = !o->info && !o->list;

	if (o->info && o->list)
		die(2, "--info and --list: choose one");
	if (!dumping && (o->modes || o->cols || o->group || o->name || o->no_squeeze ||
			 o->has_skip || o->has_len || o->watch))
		die(2, "--%s shows a device's attributes and takes no dump options",
		    o->info ? "info" : "list");
	if (o->list && o->path_given)
		die(2, "--list takes no DEVICE: it lists them all");
	if (o->json && dumping)
		die(2, "--json goes with --info or --list");
	if (o->modes > 1)
		die(2, "choose one format: -C, -X, -p, -i or -R");
	if (o->cols && (f->mode == MODE_CANONICAL || f->mode == MODE_RAW))
		die(2, "-c/--cols applies to --xxd, --plain and --include; "
		    "canonical lines are always 16 bytes");
	if (o->group && f->mode != MODE_XXD)
		die(2, "-g/--group applies to --xxd only");
	if (o->name && f->mode != MODE_INCLUDE)
		die(2, "--name applies to --include only");
	if (o->no_squeeze && f->mode != MODE_CANONICAL)
		die(2, "-v/--no-squeezing applies to the canonical format only");
	if (o->count && !o->watch)
		die(2, "--count goes with --watch");
	if (o->watch && f->mode != MODE_CANONICAL && f->mode != MODE_XXD)
		die(2, "--watch shows changed lines of the canonical or --xxd format only");

	f->cols = f->mode == MODE_PLAIN ? 30 : f->mode == MODE_INCLUDE ? 12 : 16;
	if (o->cols)
		f->cols = (unsigned int)parse_count("-c/--cols", o->cols, 1, MAX_COLS);
	f->group = 2;
	if (o->group)
		f->group = (unsigned int)parse_count("-g/--group", o->group, 0, MAX_COLS);
	f->squeeze = !o->no_squeeze;
}

/* xxd's rule: non-alphanumerics become '_', a leading digit gets "__". */
static char *c_name(const char *s)
{
	size_t n = strlen(s);
	char *v = malloc(n + 3), *d = v;

	if (!v)
		die(1, "out of memory");
	if (isdigit((unsigned char)*s)) {
		*d++ = '_';
		*d++ = '_';
	}
	for (; *s; s++)
		*d++ = isalnum((unsigned char)*s) && !((unsigned char)*s & 0x80) ? *s : '_';
	*d = 0;
	return v;
}

static bool want_color(int setting)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	if (setting != COLOR_AUTO)
		return setting == COLOR_ALWAYS;
	return isatty(1) && !(nc && *nc) && !(term && !strcmp(term, "dumb"));
}

int main(int argc, char **argv)
{
	struct opts opt;
	struct src s;
	struct out o;
	struct stat st;
	uint64_t len;

	parse_args(&opt, argc, argv);
	check_args(&opt);
	fmt_select_cpu(getenv("MAPPER_DUMP_SIMD"));
	if (opt.list)
		return do_list(opt.json);
	if (opt.info)
		return do_info(opt.path, opt.json);

	src_open(&s, opt.path);
	if (opt.watch && s.stream)
		die(2, "%s: --watch re-reads its input, so it needs a mapper device or "
		    "a regular file, not a stream", s.path);
	if (opt.fmt.mode == MODE_INCLUDE)
		opt.fmt.name = opt.name ? c_name(opt.name) :
			       strcmp(opt.path, "-") ? c_name(opt.path) : NULL;
	/* hexdump -C -n 0 prints nothing, not even the offset it ends at. */
	opt.fmt.offset = opt.has_len && !opt.len ? 0 : opt.skip;

	out_init(&o, 1, &opt.fmt);
	pending = &o;
	/* A pipe's default 64 KiB caps throughput; 1 MiB lets big writes through. */
	if (!fstat(1, &st) && S_ISFIFO(st.st_mode))
		fcntl(1, F_SETPIPE_SZ, 1 << 20);

	if (s.stream) {
		dump_stream(&s, &opt, &opt.fmt, &o);
		return 0;
	}
	check_range(&opt, s.path, s.size);
	len = opt.has_len ? opt.len : s.size - opt.skip;
	if (opt.watch) {
		if (len > WATCH_MAX)
			die(2, "%s: --watch keeps two copies of the range; limit it to "
			    "1 GiB with -s/-n", s.path);
		do_watch(&s, &opt, &opt.fmt, &o, len, want_color(opt.color));
		return 0;
	}
	fmt_begin(&opt.fmt, &o);
	dump_mapped(&s, &opt.fmt, &o, opt.skip, len);
	fmt_end(&opt.fmt, &o);
	out_flush(&o);
	check_range(&opt, s.path, s.size);	/* a pseudo file may hold less */
	return 0;
}
