// SPDX-License-Identifier: GPL-2.0
/*
 * mapper_bench: a mapper buffer against anonymous memory (and a tmpfs file)
 * of the same size, measured in one run, printed as ratios.
 *
 *   mapper_bench [--dev /dev/mapper0] [--size 256M] [--max 1G] [--reps 3]
 *                [--growth-data FILE]
 *
 * Run inside the VM by tests/vm/bench.sh ("make bench"). Benchmarks, not
 * tests: the exit status is 0 whatever the numbers, non-zero only when
 * something could not be measured at all.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "mapper.h"
#include "vm_util.h"

#define KIB	1024UL
#define MIB	(1024 * KIB)
#define GIB	(1024 * MIB)

static const char *dev = "/dev/mapper0";
static const char *tmpfs_file = "/tmp/mapper-bench.file";
static size_t size = 256 * MIB;
static size_t growth_max = GIB;
static int reps = 3;
static const char *growth_data;
static int fd = -1;
static long page;
/* A PMD's size, what THP maps at once: 2 MiB with 4 KiB pages, 32 MiB with 16 KiB. */
static size_t huge = 2 * MIB;
static volatile uint64_t sink;

static void die(const char *what)
{
	fprintf(stderr, "mapper_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'k': case 'K': v *= KIB; end++; break;
	case 'm': case 'M': v *= MIB; end++; break;
	case 'g': case 'G': v *= GIB; end++; break;
	}
	if (*end || !v)
		return -1;
	*out = v;
	return 0;
}

/* ---- the kinds of memory compared -------------------------------------- */

enum kind { MAPPER, MAPPER_PRIVATE, ANON, ANON_THP, ANON_POPULATE };

/* A mapping of @len bytes; *@base/@maplen is what to munmap afterwards. */
static char *map(enum kind k, size_t len, void **base, size_t *maplen)
{
	char *p;

	*maplen = len;
	switch (k) {
	case MAPPER:
	case MAPPER_PRIVATE:
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 k == MAPPER ? MAP_SHARED : MAP_PRIVATE, fd, 0);
		break;
	case ANON_THP:
		/* As a THP user does: a PMD-aligned range, MADV_HUGEPAGE. */
		*maplen = len + huge;
		p = mmap(NULL, *maplen, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			break;
		*base = p;
		p = (char *)(((uintptr_t)p + huge - 1) & ~(huge - 1));
		madvise(p, len, MADV_HUGEPAGE);
		return p;
	case ANON_POPULATE:
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		break;
	default:
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		break;
	}
	if (p == MAP_FAILED)
		die("mmap");
	*base = p;
	return p;
}

static void touch(char *p, size_t len)
{
	for (size_t off = 0; off < len; off += page)
		p[off] = 1;
}

/* mmap + a write to every page, seconds; the munmap is not timed. */
static double map_touch(enum kind k, size_t len)
{
	void *base;
	size_t maplen;
	double t0, t;
	char *p;

	t0 = now();
	p = map(k, len, &base, &maplen);
	touch(p, len);
	t = now() - t0;
	munmap(base, maplen);
	return t;
}

static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/* The page faults (minor) of one mmap + touch of every page. */
static long map_touch_faults(enum kind k, size_t len)
{
	long f = minflt();

	map_touch(k, len);
	return minflt() - f;
}

/*
 * Fault-around: a read of every page of a shared mapping of @f (@len bytes),
 * the page faults it takes and its time. The mm core maps up to
 * fault_around_bytes around a read fault for files with ->map_pages (tmpfs);
 * mapper has none, so a read faults once a page (or once a PMD, huge).
 */
static long read_faults(int f, size_t len, double *t)
{
	long before = minflt();
	double t0 = now();
	char *p = mmap(NULL, len, PROT_READ, MAP_SHARED, f, 0);
	uint64_t sum = 0;

	if (p == MAP_FAILED)
		die("mmap");
	for (size_t off = 0; off < len; off += page)
		sum += p[off];
	sink = sum;
	*t = now() - t0;
	munmap(p, len);
	return minflt() - before;
}

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* ---- kernels of the measurements --------------------------------------- */

static double seq_read(const char *p, size_t len)
{
	const uint64_t *w = (const uint64_t *)p;
	uint64_t a = 0, b = 0, c = 0, d = 0;
	size_t n = len / 8;
	double t0 = now();

	for (size_t i = 0; i < n; i += 4) {
		a += w[i];
		b += w[i + 1];
		c += w[i + 2];
		d += w[i + 3];
	}
	sink = a + b + c + d;
	return now() - t0;
}

static double seq_write(char *p, size_t len)
{
	uint64_t *w = (uint64_t *)p;
	size_t n = len / 8;
	double t0 = now();

	for (size_t i = 0; i < n; i++)
		w[i] = i;
	__asm__ volatile("" : : "r"(w) : "memory");
	return now() - t0;
}

#define RANDOM_READS	(4UL << 20)

static double random_read(const char *p, size_t len)
{
	const uint64_t *w = (const uint64_t *)p;
	uint64_t x = 88172645463325252ULL, sum = 0;
	size_t n = len / 8;
	double t0 = now();

	for (unsigned long i = 0; i < RANDOM_READS; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		sum += w[x % n];
	}
	sink = sum;
	return now() - t0;
}

static double best(double a, double b)
{
	return a < b ? a : b;
}

static long huge_mib_mapper = -1, huge_mib_anon = -1;

/*
 * Best of @reps on a mapper mapping and on anonymous memory, both touched
 * beforehand, measured alternately so that drift in the machine (a busy
 * host, an emulator's caches) hits both alike.
 */
static void on_memory(double (*fn)(char *, size_t), double *tm, double *ta)
{
	void *bm, *ba;
	size_t lm, la;
	char *m = map(MAPPER, size, &bm, &lm);
	char *a = map(ANON, size, &ba, &la);

	touch(m, size);
	touch(a, size);
	huge_mib_mapper = smaps_kb(m, "FilePmdMapped") >> 10;
	huge_mib_anon = smaps_kb(a, "AnonHugePages") >> 10;
	*tm = *ta = 1e30;
	for (int r = 0; r < reps; r++) {
		*tm = best(*tm, fn(m, size));
		*ta = best(*ta, fn(a, size));
	}
	munmap(bm, lm);
	munmap(ba, la);
}

static double do_seq_read(char *p, size_t len) { return seq_read(p, len); }
static double do_seq_write(char *p, size_t len) { return seq_write(p, len); }
static double do_random(char *p, size_t len) { return random_read(p, len); }

/* pread()/pwrite() of @len bytes in 1 MiB calls; best of @reps. */
static double io(int f, size_t len, int write)
{
	static char *ubuf;
	double t = 1e30;

	if (!ubuf) {
		ubuf = aligned_alloc(page, MIB);
		if (!ubuf)
			die("aligned_alloc");
		memset(ubuf, 0x5a, MIB);
	}
	for (int r = 0; r < reps; r++) {
		double t0 = now();

		for (size_t off = 0; off < len; off += MIB) {
			ssize_t n = write ? pwrite(f, ubuf, MIB, off) : pread(f, ubuf, MIB, off);

			if (n != (ssize_t)MIB)
				die(write ? "pwrite" : "pread");
		}
		t = best(t, now() - t0);
	}
	return t;
}

/* ---- output ------------------------------------------------------------ */

static void row(const char *what, const char *unit, double mine, double theirs,
		const char *vs, double ratio, const char *target)
{
	printf("| %-40s | %10.1f %-5s | %10.1f %-5s | %-18s | %6.3f | %-8s |\n",
	       what, mine, unit, theirs, unit, vs, ratio, target);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: mapper_bench [--dev DEV] [--size BYTES] [--max BYTES] [--reps N]\n"
		   "                    [--growth-data FILE]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "size", required_argument, NULL, 's' },
		{ "max", required_argument, NULL, 'm' },
		{ "reps", required_argument, NULL, 'r' },
		{ "growth-data", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mapper_info info = { .argsz = sizeof(info) };
	struct utsname uts;
	double m, a, mb;
	int c, tf;

	while ((c = getopt_long(argc, argv, "d:s:m:r:g:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dev = optarg; break;
		case 's':
			if (parse_size(optarg, &size))
				goto bad;
			break;
		case 'm':
			if (parse_size(optarg, &growth_max))
				goto bad;
			break;
		case 'r':
			reps = atoi(optarg);
			if (reps < 1)
				goto bad;
			break;
		case 'g': growth_data = optarg; break;
		case 'h': usage(stdout); return 0;
		default:
bad:
			usage(stderr);
			return 2;
		}
	}
	page = sysconf(_SC_PAGESIZE);
	{
		long h = read_long("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size");

		if (h > 0)
			huge = h;
	}
	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die(dev);
	if (ioctl(fd, MAPPER_IOC_INFO, &info))
		die("MAPPER_IOC_INFO");
	if (size > info.buf_size)
		size = info.buf_size;
	if (growth_max > info.buf_size)
		growth_max = info.buf_size;
	size &= ~(size_t)(MIB - 1);
	if (!size) {
		fprintf(stderr, "mapper_bench: %s is smaller than 1 MiB\n", dev);
		return 1;
	}
	uname(&uts);
	mb = size / (double)MIB;
	printf("mapper_bench: kernel %s (%s, %ld KiB pages, PMD %zu MiB), %s of %llu MiB, %zu MiB per measurement, best of %d\n\n",
	       uts.release, uts.machine, page / 1024, huge / MIB, dev,
	       (unsigned long long)info.buf_size / MIB, size / MIB, reps);
	printf("| %-40s | %16s | %16s | %-18s | %6s | %-8s |\n",
	       "measurement", "mapper", "reference", "reference is", "ratio", "target");
	printf("| %.40s | %.16s | %.16s | %.18s | %.6s | %.8s |\n",
	       "----------------------------------------", "----------------",
	       "----------------", "------------------", "------", "--------");

	on_memory(do_seq_read, &m, &a);
	row("sequential read", "MB/s", mb / m, mb / a, "anonymous", a / m, ">= 0.97");
	on_memory(do_seq_write, &m, &a);
	row("sequential write", "MB/s", mb / m, mb / a, "anonymous", a / m, ">= 0.97");
	on_memory(do_random, &m, &a);
	row("random 8-byte reads", "M/s", RANDOM_READS / m / 1e6,
	    RANDOM_READS / a / 1e6, "anonymous", a / m, ">= 1.0");

	printf("\nhuge entries during these: mapper %ld MiB (FilePmdMapped), anonymous %ld MiB (AnonHugePages) of %zu MiB\n\n",
	       huge_mib_mapper, huge_mib_anon, size / MIB);

	/* Time ratios from here on: below 1 means mapper is faster. */
	{
		double best_m = 1e30, best_p = 1e30, best_a = 1e30, best_t = 1e30, best_pop = 1e30;

		for (int r = 0; r < reps; r++) {
			best_m = best(best_m, map_touch(MAPPER, size));
			best_p = best(best_p, map_touch(MAPPER_PRIVATE, size));
			best_a = best(best_a, map_touch(ANON, size));
			best_t = best(best_t, map_touch(ANON_THP, size));
			best_pop = best(best_pop, map_touch(ANON_POPULATE, size));
		}
		row("mmap + touch every page (time)", "ms", best_m * 1e3, best_a * 1e3,
		    "anonymous", best_m / best_a, "<= 0.5");
		row("mmap + touch every page (time)", "ms", best_m * 1e3, best_t * 1e3,
		    "anonymous+THP", best_m / best_t, "");
		row("mmap + touch every page (time)", "ms", best_m * 1e3, best_pop * 1e3,
		    "anon MAP_POPULATE", best_m / best_pop, "");
		row("MAP_PRIVATE mmap + touch (time)", "ms", best_p * 1e3, best_a * 1e3,
		    "anonymous", best_p / best_a, "");
	}

	tf = open(tmpfs_file, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (tf < 0)
		die(tmpfs_file);
	io(tf, size, 1);	/* allocates the tmpfs pages */
	m = io(fd, size, 0);
	a = io(tf, size, 0);
	row("read() in 1 MiB calls", "MB/s", mb / m, mb / a, "tmpfs file", a / m, ">= 0.9");
	m = io(fd, size, 1);
	a = io(tf, size, 1);
	row("write() in 1 MiB calls", "MB/s", mb / m, mb / a, "tmpfs file", a / m, "");

	/* Fault-around: read faults of a shared mapping, mapper against tmpfs. */
	{
		long fm = -1, ft = -1;
		double tm = 1e30, tt = 1e30, t;

		for (int r = 0; r < reps; r++) {
			fm = read_faults(fd, size, &t);
			tm = best(tm, t);
			ft = read_faults(tf, size, &t);
			tt = best(tt, t);
		}
		row("mmap + read every page (time)", "ms", tm * 1e3, tt * 1e3,
		    "tmpfs MAP_SHARED", tm / tt, "");
		printf("\nfault-around (fault_around_bytes %ld): a read of every page of %zu MiB took %ld page faults on mapper, %ld on the tmpfs file",
		       read_long("/sys/kernel/debug/fault_around_bytes"), size / MIB, fm, ft);
		/* Below a PMD, where mapper maps page by page. */
		fm = read_faults(fd, huge / 2, &t);
		ft = read_faults(tf, huge / 2, &t);
		printf("; of %zu KiB (half a PMD) %ld and %ld\n", huge / 2 / KIB, fm, ft);
	}
	close(tf);
	unlink(tmpfs_file);

	/* Growth of mmap + touch with size: enough repetitions for 50 ms. */
	{
		FILE *g = growth_data ? fopen(growth_data, "w") : NULL;

		if (growth_data && !g)
			die(growth_data);
		printf("\nmmap + touch every page, microseconds per mapping (and time ratio to anonymous), page faults per mapping:\n\n");
		printf("| %10s | %12s | %12s | %6s | %12s | %6s | %8s | %8s | %8s |\n", "size",
		       "mapper", "anonymous", "ratio", "anon+THP", "ratio", "faults", "anon", "anon+THP");
		printf("| ---------- | ------------ | ------------ | ------ | ------------ | ------ | -------- | -------- | -------- |\n");
		if (g)
			fprintf(g, "# bytes mapper_us anonymous_us anonymous_thp_us\n");
		for (size_t len = page; len <= growth_max; len *= 4) {
			double t[3];
			long flt[3];
			enum kind ks[3] = { MAPPER, ANON, ANON_THP };
			char label[16];

			for (int k = 0; k < 3; k++) {
				double sum = 0;
				int n = 0;

				flt[k] = map_touch_faults(ks[k], len);
				t[k] = 1e30;
				for (int r = 0; r < reps; r++) {
					double t0 = now();

					n = 0;
					do {
						map_touch(ks[k], len);
						n++;
					} while (now() - t0 < 0.05 && n < 100000);
					sum = now() - t0;
					t[k] = best(t[k], sum / n);
				}
			}
			if (len >= GIB)
				snprintf(label, sizeof(label), "%zu GiB", len / GIB);
			else if (len >= MIB)
				snprintf(label, sizeof(label), "%zu MiB", len / MIB);
			else
				snprintf(label, sizeof(label), "%zu KiB", len / KIB);
			printf("| %10s | %12.1f | %12.1f | %6.3f | %12.1f | %6.3f | %8ld | %8ld | %8ld |\n",
			       label, t[0] * 1e6, t[1] * 1e6, t[0] / t[1], t[2] * 1e6, t[0] / t[2],
			       flt[0], flt[1], flt[2]);
			fflush(stdout);
			if (g)
				fprintf(g, "%zu %.3f %.3f %.3f\n", len, t[0] * 1e6, t[1] * 1e6,
					t[2] * 1e6);
		}
		if (g)
			fclose(g);
	}
	close(fd);
	return 0;
}
