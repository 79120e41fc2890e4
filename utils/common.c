// SPDX-License-Identifier: GPL-2.0
/*
 * What mapper-dump and mapperctl share: sizes and the sysfs tree (common.h).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

enum size_err size_parse(const char *s, uint64_t *v)
{
	static const struct { const char *suffix; unsigned int shift; } units[] = {
		{ "", 0 }, { "K", 10 }, { "KiB", 10 }, { "M", 20 }, { "MiB", 20 },
		{ "G", 30 }, { "GiB", 30 },
	};
	const char *p = s;
	unsigned long long n;
	char *end;
	size_t digits;
	int base = 10;

	if (*p == '-')
		return SIZE_NEGATIVE;
	if (*p == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	/*
	 * Digits only up to the suffix: strtoull() would also take blanks, a
	 * sign and a second 0x ("0x0x10").
	 */
	digits = strspn(p, base == 16 ? "0123456789abcdefABCDEF" : "0123456789");
	if (!digits)
		return SIZE_BAD;
	errno = 0;
	n = strtoull(p, &end, base);
	if (end != p + digits)
		return SIZE_BAD;
	if (errno == ERANGE)
		return SIZE_BIG;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix))
			continue;
		if (units[i].shift && n > (ULLONG_MAX >> units[i].shift))
			return SIZE_BIG;
		*v = (uint64_t)n << units[i].shift;
		return SIZE_OK;
	}
	return SIZE_BAD;
}

/* @n in the largest of @unit (powers of 1024) it reaches, @sep between. */
static const char *size_fmt(uint64_t n, char *buf, size_t len, const char *const unit[7],
			    const char *sep)
{
	unsigned int u = 0;

	while (u < 6 && n >> (10 * (u + 1)))
		u++;
	/* 1 GiB - 4 KiB is "1.0G", not "1024.0M": rounding may reach the next unit. */
	if (u < 6 && (double)n / (double)(1ull << (10 * u)) >= 1023.95)
		u++;
	/* Whole units only when exact: 2^64 - 1 bytes is "16.0 EiB", not "16 EiB". */
	if (!(n & ((1ull << (10 * u)) - 1)))
		snprintf(buf, len, "%llu%s%s", (unsigned long long)(n >> (10 * u)), sep, unit[u]);
	else
		snprintf(buf, len, "%.1f%s%s", (double)n / (double)(1ull << (10 * u)), sep, unit[u]);
	return buf;
}

const char *size_human(uint64_t n, char *buf, size_t len)
{
	static const char *const unit[7] = { "bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };

	return size_fmt(n, buf, len, unit, " ");
}

const char *size_short(uint64_t n, char *buf, size_t len)
{
	static const char *const unit[7] = { "B", "K", "M", "G", "T", "P", "E" };

	return size_fmt(n, buf, len, unit, "");
}

/*
 * Only the test builds (-DMAPPER_TEST_HOOKS, mk/ctl.mk and mk/dump.mk) read
 * MAPPER_SYSROOT: an installed mapperctl runs as root, and whoever sets its
 * environment must not steer its mkdir, writes and rmdir elsewhere.
 */
const char *sys_root(void)
{
#ifdef MAPPER_TEST_HOOKS
	const char *r = getenv("MAPPER_SYSROOT");

	return r ? r : "";
#else
	return "";
#endif
}

const char *sys_path(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(buf, PATH_MAX, "%s", sys_root()), m;

	if (n < 0 || n >= PATH_MAX) {
		buf[0] = 0;
		return buf;
	}
	va_start(ap, fmt);
	m = vsnprintf(buf + n, PATH_MAX - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0 || m >= PATH_MAX - n)
		buf[0] = 0;
	return buf;
}

bool sys_module_loaded(void)
{
	char p[PATH_MAX];

	return access(sys_path(p, MAPPER_MODULE), F_OK) == 0;
}

int sys_read_line(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;
	ssize_t r;
	char *nl;

	if (fd < 0)
		return errno;
	do
		r = read(fd, buf, len);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		err = errno;
	close(fd);
	if (err)
		return err;
	if (r == 0 || (size_t)r == len || memchr(buf, 0, (size_t)r))
		return EINVAL;
	buf[r] = 0;
	nl = strchr(buf, '\n');
	if (nl)
		*nl = 0;
	return 0;
}

bool sys_attr_str(unsigned int n, const char *attr, char *buf, size_t len)
{
	char p[PATH_MAX];

	return !sys_read_line(sys_path(p, MAPPER_CLASS "/mapper%u/%s", n, attr), buf, len);
}

bool sys_attr_u64(unsigned int n, const char *attr, uint64_t *v)
{
	char line[32], *end;

	if (!sys_attr_str(n, attr, line, sizeof(line)) || !isdigit((unsigned char)line[0]))
		return false;
	errno = 0;
	*v = strtoull(line, &end, 10);
	return !*end && !errno;
}

bool sys_attr_i64(unsigned int n, const char *attr, int64_t *v)
{
	char line[32], *end;

	if (!sys_attr_str(n, attr, line, sizeof(line)) ||
	    !(isdigit((unsigned char)line[0]) || (line[0] == '-' && isdigit((unsigned char)line[1]))))
		return false;
	errno = 0;
	*v = strtoll(line, &end, 10);
	return !*end && !errno;
}

static int cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return (x > y) - (x < y);
}

size_t sys_indexes(const char *dir, unsigned int **out)
{
	char p[PATH_MAX];
	DIR *d = opendir(sys_path(p, "%s", dir));
	struct dirent *e;
	size_t n = 0, cap = 0;
	unsigned int *v = NULL, *nv;

	*out = NULL;
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		const char *s = e->d_name + 6;
		char *end;
		unsigned long i;

		/* mapperN only: no sign, no leading zero, nothing after. */
		if (strncmp(e->d_name, "mapper", 6) || !isdigit((unsigned char)*s) ||
		    (*s == '0' && s[1]))
			continue;
		errno = 0;
		i = strtoul(s, &end, 10);
		if (*end || errno || i > UINT_MAX)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				closedir(d);
				return (size_t)-1;
			}
			v = nv;
		}
		v[n++] = (unsigned int)i;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_uint);
	*out = v;
	return n;
}
