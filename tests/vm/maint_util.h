/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which bytes of RAM the DMA layer cleaned and invalidated from the caches
 * for a device that does not snoop them, seen by kprobes: the DMA tests
 * (dma_test.c, edu behind an SMMUv3) and the dma-buf tests (dmabuf_test.c,
 * vgem's import) on arm64. Also: physical addresses from pagemap, and a
 * buffer whose chunks are apart in RAM. Include after ctl_util.h.
 */
#ifndef MAPPER_MAINT_UTIL_H
#define MAPPER_MAINT_UTIL_H

#include <stdint.h>
#include <stdlib.h>

/* The physical address of the page at @addr (mapped, present), 0 if none. */
static inline uint64_t phys_of(const void *addr)
{
	static int fd = -1;
	uint64_t entry = 0;
	long page = sysconf(_SC_PAGESIZE);
	off_t at = (off_t)((uintptr_t)addr / page) * 8;

	if (fd < 0)
		fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	(void)*(volatile const unsigned char *)addr;
	if (pread(fd, &entry, 8, at) != 8 || !(entry & (1ULL << 63)))
		return 0;
	return (entry & ((1ULL << 55) - 1)) * (uint64_t)page;
}

/* Whether the pages at buffer offsets @a and @a + one page are adjacent in RAM. */
static inline int adjacent(struct tbuf *b, size_t a)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t x = phys_of(b->p + a), y = phys_of(b->p + a + page);

	return x && y && y == x + (uint64_t)page;
}

/*
 * A buffer of @size whose chunks are apart in RAM: holes in free memory
 * first (of eight 4 MiB buffers every other one goes again), and its 4 MiB
 * chunks come from those holes (freed last, used first). Where memory is
 * fresh, as after a long run, a buffer is otherwise often one block.
 * 0 or -errno, no wedge left behind.
 */
static inline int scattered_make(struct tbuf *b, const char *name, size_t size)
{
	char wedge[16];
	int i, ret = 0;

	for (i = 0; i < 8 && !ret; i++) {
		snprintf(wedge, sizeof(wedge), "wedge%d", i);
		ret = cfs_create(wedge, "4M", NULL, NULL);
		ret = ret < 0 ? ret : 0;
	}
	for (i = 1; i < 8; i += 2) {
		snprintf(wedge, sizeof(wedge), "wedge%d", i);
		cfs_remove(wedge);
	}
	if (!ret)
		ret = tbuf_make(b, name, size, 0, NULL, NULL);
	for (i = 0; i < 8; i += 2) {
		snprintf(wedge, sizeof(wedge), "wedge%d", i);
		cfs_remove(wedge);
	}
	return ret;
}

/*
 * arm64's cache maintenance for DMA: arch_sync_dma_for_device() cleans
 * [paddr, +size) to the point of coherency, arch_sync_dma_for_cpu()
 * invalidates it (but for DMA_TO_DEVICE, where it does nothing). The DMA
 * layer calls them only for a device that is not cache-coherent, with a
 * physical address it finds from the DMA address mapper gives it: kprobes
 * on the two show which bytes of RAM a mapping, a sync or an unmap
 * maintained. On a non-coherent device a wrong one means stale data read
 * or, worse, someone else's memory invalidated.
 */
#define TRACING		"/sys/kernel/tracing"
#define PROBES		"mapper_dma"
#define MAX_EXTENTS	4096

struct extent {
	uint64_t phys, len;
};

struct extents {
	int n;
	struct extent e[MAX_EXTENTS];
};

/* What the probes saw since maint_clear(): merged, in RAM order. */
struct maint {
	int calls_dev, calls_cpu;	/* this process's calls */
	int to_device_cpu;		/* ..._for_cpu(DMA_TO_DEVICE): nothing to do */
	int others;			/* calls of other tasks */
	long long lost;			/* entries the trace buffer dropped */
	struct extents dev, cpu;
};

static inline int trunc_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* The two probes on (or, @on 0, every kprobe event gone): 0 or -errno. */
static inline int maint_probes(int on)
{
	int ret;

	if (!exists(TRACING "/kprobe_events") && mount("nodev", TRACING, "tracefs", 0, NULL))
		return -errno;
	write_file(TRACING "/events/" PROBES "/enable", "0");
	ret = trunc_file(TRACING "/kprobe_events");
	if (ret || !on)
		return ret;
	ret = write_file(TRACING "/kprobe_events", "p:" PROBES "/for_device arch_sync_dma_for_device "
			 "paddr=%x0:x64 size=%x1:u64\n");
	if (!ret)
		ret = write_file(TRACING "/kprobe_events", "p:" PROBES "/for_cpu arch_sync_dma_for_cpu "
				 "paddr=%x0:x64 size=%x1:u64 dir=%x2:s32\n");
	if (!ret)
		ret = write_file(TRACING "/buffer_size_kb", "4096");
	if (!ret)
		ret = write_file(TRACING "/events/" PROBES "/enable", "1");
	return ret;
}

static inline int maint_clear(void)
{
	return trunc_file(TRACING "/trace");
}

static inline int extent_cmp(const void *a, const void *b)
{
	const struct extent *x = a, *y = b;

	return x->phys < y->phys ? -1 : x->phys > y->phys;
}

/* Sorted by address, touching or overlapping extents merged. */
static inline void extents_merge(struct extents *x)
{
	int i, n = 0;

	qsort(x->e, x->n, sizeof(x->e[0]), extent_cmp);
	for (i = 0; i < x->n; i++) {
		struct extent *last = n ? &x->e[n - 1] : NULL;

		if (last && x->e[i].phys <= last->phys + last->len) {
			uint64_t end = x->e[i].phys + x->e[i].len;

			if (end > last->phys + last->len)
				last->len = end - last->phys;
		} else {
			x->e[n++] = x->e[i];
		}
	}
	x->n = n;
}

static inline int extents_add(struct extents *x, uint64_t phys, uint64_t len)
{
	if (x->n == MAX_EXTENTS)
		return -1;
	x->e[x->n].phys = phys;
	x->e[x->n].len = len;
	x->n++;
	return 0;
}

/* The bytes of RAM behind buffer[@off, +@len): 0, -1 if too many. */
static inline int extents_of(struct tbuf *b, size_t off, size_t len, struct extents *x)
{
	size_t at = off, end = off + len, page = sysconf(_SC_PAGESIZE);

	x->n = 0;
	while (at < end) {
		size_t pg = at / page * page, step = (end < pg + page ? end : pg + page) - at;

		uint64_t phys = phys_of(b->p + pg) + (at - pg);
		struct extent *last = x->n ? &x->e[x->n - 1] : NULL;

		if (last && last->phys + last->len == phys)
			last->len += step;
		else if (extents_add(x, phys, step))
			return -1;
		at += step;
	}
	extents_merge(x);
	return 0;
}

/* The probes' entries of this process since maint_clear(): 0 or -errno. */
static inline int maint_read(struct maint *m)
{
	FILE *f = fopen(TRACING "/trace", "r");
	long long in_buffer, written;
	char line[512];
	int ret = 0;

	memset(m, 0, sizeof(*m));
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long paddr, size;
		char *task, *at, *dash;
		int dir = -1, dev;
		long pid;

		if (line[0] == '#') {
			at = strstr(line, "entries-in-buffer/entries-written: ");
			if (at && sscanf(at + 35, "%lld/%lld", &in_buffer, &written) == 2)
				m->lost += written - in_buffer;
			continue;
		}
		dev = !!strstr(line, " for_device: ");
		if (!dev && !strstr(line, " for_cpu: "))
			continue;
		at = strstr(line, " paddr=0x");
		if (!at || sscanf(at, " paddr=0x%llx size=%llu dir=%d", &paddr, &size, &dir) < 2) {
			ret = -EPROTO;
			break;
		}
		/* "  COMM-PID  [CPU] ...": COMM may hold '-' and spaces, PID not */
		task = strstr(line, " [");
		if (!task)
			continue;
		*task = '\0';
		dash = strrchr(line, '-');
		pid = dash ? strtol(dash + 1, NULL, 10) : -1;
		if (pid != getpid()) {
			m->others++;
			continue;
		}
		if (dev) {
			m->calls_dev++;
			if (extents_add(&m->dev, paddr, size))
				ret = -E2BIG;
		} else if (dir == 1) {
			m->to_device_cpu++;
		} else {
			m->calls_cpu++;
			if (extents_add(&m->cpu, paddr, size))
				ret = -E2BIG;
		}
	}
	fclose(f);
	extents_merge(&m->dev);
	extents_merge(&m->cpu);
	return ret;
}

/* Whether @got is @want; if not, a line on the first difference. */
static inline int extents_same(const char *what, const struct extents *got, const struct extents *want)
{
	int i;

	for (i = 0; i < got->n && i < want->n; i++)
		if (got->e[i].phys != want->e[i].phys || got->e[i].len != want->e[i].len)
			break;
	if (i == got->n && i == want->n)
		return 1;
	fprintf(stderr, "# %s: %d extents maintained, %d wanted; first difference at %d: ", what,
		got->n, want->n, i);
	if (i < got->n)
		fprintf(stderr, "%#llx+%#llx", (unsigned long long)got->e[i].phys,
			(unsigned long long)got->e[i].len);
	else
		fprintf(stderr, "nothing");
	fprintf(stderr, " against ");
	if (i < want->n)
		fprintf(stderr, "%#llx+%#llx\n", (unsigned long long)want->e[i].phys,
			(unsigned long long)want->e[i].len);
	else
		fprintf(stderr, "nothing\n");
	return 0;
}

/*
 * One step checked and the trace cleared for the next: what the probes saw
 * since maint_clear() is exactly buffer[@dev_off, +@dev_len) cleaned and
 * [@cpu_off, +@cpu_len) invalidated, by this process, nothing lost; for a
 * @coherent device, no maintenance at all. 1 if so, 0 (and a line on what
 * differs) if not, -errno if the trace could not be read.
 */
static inline int maint_step(struct maint *m, struct extents *want, struct tbuf *b,
			     const char *what, int coherent, size_t dev_off, size_t dev_len,
			     size_t cpu_off, size_t cpu_len)
{
	char label[128];
	int ret = maint_read(m), ok = 1;

	if (ret)
		return ret;
	if (m->lost || m->others) {
		fprintf(stderr, "# %s: %lld trace entries lost, %d calls by other tasks\n", what,
			m->lost, m->others);
		ok = 0;
	}
	if (coherent) {
		if (m->calls_dev + m->calls_cpu + m->to_device_cpu) {
			fprintf(stderr, "# %s: cache maintenance for a coherent device\n", what);
			ok = 0;
		}
	} else {
		snprintf(label, sizeof(label), "%s, cleaned", what);
		if (extents_of(b, dev_off, dev_len, want))
			return -E2BIG;
		ok &= extents_same(label, &m->dev, want);
		snprintf(label, sizeof(label), "%s, invalidated", what);
		if (extents_of(b, cpu_off, cpu_len, want))
			return -E2BIG;
		ok &= extents_same(label, &m->cpu, want);
		if (ok)
			fprintf(stderr, "# %s: %d cleans, %d invalidations, exactly its bytes\n", what,
				m->calls_dev, m->calls_cpu);
	}
	ret = maint_clear();
	return ret ? ret : ok;
}

#endif /* MAPPER_MAINT_UTIL_H */
