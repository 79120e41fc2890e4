// SPDX-License-Identifier: GPL-2.0
/*
 * mapper_stress: random operations on /dev/mapper0 and /dev/mapper1 from
 * several processes and threads, while the module is unloaded and loaded
 * again underneath them.
 *
 *	mapper_stress [--seconds N] [--seed N] [--workers P] [--threads T]
 *		      [--reload-every S] [--no-reload] [--module KO]
 *		      [--params "devices=2"] [--creators C] [--memfd SIZE] [--pressure]
 *		      [--verbose]
 *
 * Every worker (a thread; P processes of T threads) owns disjoint pages of
 * each buffer and keeps a model of their contents: what it wrote last, by
 * which path, with a sequence number in every page. It writes through one
 * path (write(), a MAP_SHARED mapping, read() into a mapping, a forked
 * child's mapping) and checks through another (read(), another mapping),
 * so any lost, stale or misdirected page is found. MAP_PRIVATE mappings are
 * modelled page by page (copy-on-write or still the buffer's page). Pages of
 * other workers are mapped and faulted too, but never written through a
 * shared path. The last page of each buffer is scratch, for writes that
 * cross the end.
 *
 * Every call's result is compared with what mapper(4) documents for those
 * arguments; invalid arguments (offsets, lengths, flags, prot, pointers,
 * argsz, commands) are generated on purpose.
 *
 * Meanwhile the main process tries delete_module("mapper") while holding a
 * file or a mapping itself (must fail with EAGAIN or EBUSY), and without
 * holding anything (may succeed: the devices vanish and come back), and
 * every --reload-every seconds asks all workers to let go of everything:
 * then the unload must succeed, no mapping may be counted any more, and the
 * reloaded buffers must be zeroed. A worker that lets go of everything and
 * comes back expects its pages unchanged, or zeroed if an unload happened in
 * between, which it can tell exactly.
 *
 * Meanwhile C creator processes (--creators, default 1 where configfs has
 * /sys/kernel/config/mapper; 0 turns them off) make and remove buffers at
 * run time through configfs: each fills its new buffer with a known
 * content (a header naming it, then tagged pages) before it publishes the
 * buffer's index; workers open, map and read published buffers and check
 * the content, holding them for a while. A creator removes a buffer strictly
 * (EBUSY when a worker holds it, then lazily), or lazily while it holds the
 * buffer itself: then the node and the sysfs directory must be gone at
 * once, the held file and mapping keep reading the content, and the index
 * must not come back while they are open; a strict removal under its own
 * mapping must be EBUSY. A worker holding a buffer checks that no buffer
 * made since it opened has its index. At each quiesce the creators remove
 * everything, and total_bytes must be the sum of the buffers that remain.
 *
 * Per-worker seeds derive from --seed: each worker's sequence of operations
 * is reproducible (the interleaving is not). --memfd runs the same workers
 * on two sealed memfds instead, without the module (for ASan/UBSan builds on
 * a host that cannot load modules).
 *
 * Output: the seed first, then one line per failure (the first 40), the
 * count of each operation with its results, one TAP line per check class
 * ("ok - stress: CHECK ..."), and last "stress: N passed, N failed". Exit status 1 if anything failed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/dma-buf.h>

#include "mapper.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE	0x03
#endif
#ifndef MAP_SYNC
#define MAP_SYNC		0x80000
#endif
#ifndef MADV_FREE
#define MADV_FREE		8
#endif

#define MAXDEV		2
#define MAXW		64	/* workers */
#define MAXC		4	/* creators */
#define CSLOTS		8	/* buffers per creator */
#define NDYN		2	/* created buffers a worker holds */
#define NST		(MAXW + 1 + MAXC)	/* stats: workers, reloader, creators */
#define CFS		"/sys/kernel/config/mapper"
#define DYN_MAGIC	0x7964726570706d61ULL	/* "ampperdy" */
#define NFD		4	/* open files per worker */
#define NMAP		6	/* mappings per worker */
#define MAXMP		1024	/* pages per mapping: a whole 4 MiB buffer */
#define SMALLMP		64	/* pages of most mappings */
#define MAXOWN		64	/* own pages per worker and device */
#define SLOTP		8	/* pages per arena slot */
#define NSLOT		4
#define NERR		134	/* errno buckets; 0 is success */
#define MAX_REPORTS	40

/* ---- operations and checks --------------------------------------------- */

enum op {
	OP_OPEN, OP_CLOSE, OP_MMAP, OP_MMAP_BAD, OP_MUNMAP, OP_MUNMAP_PART,
	OP_MREMAP, OP_MPROTECT, OP_MADVISE, OP_TOUCH, OP_FORK, OP_READ,
	OP_WRITE, OP_LSEEK, OP_IOCTL, OP_POLL, OP_DYN, OP_RMMOD, OP_INSMOD,
	OP_CREATE, OP_REMOVE, OP_DETACH, OP_RMDIR, OP_EXPORT, OP_NR
};

static const char *const op_name[OP_NR] = {
	"open", "close", "mmap", "mmap(bad)", "munmap", "munmap(part)",
	"mremap", "mprotect", "madvise", "touch", "fork", "read",
	"write", "lseek", "ioctl", "poll", "open(created)", "rmmod", "insmod",
	"create", "remove", "detach", "rmdir", "export",
};

/* Relative frequency of each operation a worker picks (OP_DYN: with creators). */
static unsigned int op_weight[OP_NR] = {
	[OP_OPEN] = 6, [OP_CLOSE] = 5, [OP_MMAP] = 10, [OP_MMAP_BAD] = 6,
	[OP_MUNMAP] = 5, [OP_MUNMAP_PART] = 3, [OP_MREMAP] = 4,
	[OP_MPROTECT] = 5, [OP_MADVISE] = 3, [OP_TOUCH] = 14, [OP_FORK] = 1,
	[OP_READ] = 12, [OP_WRITE] = 12, [OP_LSEEK] = 4, [OP_IOCTL] = 6,
	[OP_POLL] = 2, [OP_DYN] = 6, [OP_EXPORT] = 3,
};

enum check {
	CK_MMAP_TO_READ, CK_WRITE_TO_MMAP, CK_MMAP_TO_MMAP, CK_WRITE_TO_READ,
	CK_PRIVATE, CK_FORK, CK_PERSIST, CK_ERRNO, CK_INFO, CK_RMMOD_BUSY,
	CK_RMMOD_IDLE, CK_RELOAD_ZERO, CK_WORKERS, CK_DYN_LIFE, CK_DYN_CONTENT,
	CK_DYN_REUSE, CK_DYN_TOTAL, CK_NR
};

static const char *const ck_name[CK_NR] = {
	"writes through a shared mapping are seen by read()",
	"write() is seen through shared mappings",
	"shared mappings of one page agree",
	"read() returns what write() wrote",
	"MAP_PRIVATE copy-on-write stays private both ways",
	"fork children see and make shared writes",
	"contents persist while loaded, zeroed across an unload",
	"every call returns what mapper(4) documents",
	"MAPPER_IOC_INFO and poll() describe the device",
	"rmmod is refused while a file is open or mapped",
	"rmmod succeeds once idle, with no mapping counted",
	"a reload gives zeroed buffers",
	"every worker ran to the end",
	"created buffers appear in /dev and sysfs and go at removal, EBUSY while held",
	"created buffers read what their creator wrote, also once removed lazily",
	"an index is not reused while a removed buffer is still open or mapped",
	"total_bytes is the sum of the buffers once created ones are gone",
};

struct stats {
	unsigned long ops[OP_NR][NERR];
	unsigned long pass[CK_NR];
	unsigned long fail[CK_NR];
};

/* Shared by every process: control, and the stats of each worker. */
struct shared {
	int stop;
	int phase;			/* 1: quiesce, let go of everything */
	unsigned long qgen;		/* quiesce generation */
	unsigned long reloads;		/* successful unloads so far */
	unsigned long ack[MAXW + MAXC];	/* qgen each worker (then creator) has let go for */
	unsigned long reports;
	uint64_t dyngen;		/* generations of created buffers so far */
	uint64_t dyn[MAXC][CSLOTS];	/* published buffers: dyn_word(), 0 for none */
	struct stats st[NST];		/* [MAXW]: the reloader, then the creators */
};

static struct shared *shm;
static pid_t wpid[MAXW];		/* worker processes */
static int wstatus[MAXW], wdone[MAXW];
static pid_t cpid[MAXC];		/* creator processes */
static int cstatus[MAXC], cdone[MAXC];

/* ---- configuration ------------------------------------------------------ */

static unsigned int seconds = 60;
static uint64_t seed;
static int nproc = 3, nthr = 3, nworkers;
static double reload_every = 5;
static int reload = 1;
static int pressure;		/* memory runs short: creations may be ENOMEM */
static const char *module_path = "/lib/modules/mapper.ko";
static const char *module_params = "devices=2";
static unsigned long memfd_size;
static int verbose;
static int ncreators = -1;		/* -1: one where configfs has mapper */

static int mapper_mode = 1;		/* device semantics, or a plain file */
static int ndev = MAXDEV;
static char devpath[MAXDEV][64];
static size_t bufsize;
static long pg;
static unsigned long npages, per_worker;

/* ---- small helpers ------------------------------------------------------ */

static inline unsigned long ld(unsigned long *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline int ldi(int *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd(uint64_t *s)
{
	return splitmix(s);
}

static unsigned long rn(uint64_t *s, unsigned long n)
{
	return n ? rnd(s) % n : 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void say(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	(void)!write(1, line, n);
}

/* ---- a worker ----------------------------------------------------------- */

/* Identity of a page's content: who wrote which page with which number. */
struct tag {
	uint32_t seq;			/* 0: all zeroes */
	uint16_t page;
	uint8_t dev;
	uint8_t w;
};

enum via { VIA_ZERO, VIA_WRITE, VIA_MMAP, VIA_CHILD };

struct fdrec {
	int fd;				/* -1: free */
	int dev;
	int acc;			/* O_RDONLY, O_WRONLY, O_RDWR */
	off_t pos;
};

struct maprec {
	unsigned char *addr;		/* NULL: free */
	int dev;
	int shared;
	int fdacc;
	int slot;			/* arena slot, or -1 */
	int split;			/* may be more than one VMA */
	unsigned long pgoff, n;
	unsigned char mapped[MAXMP];
	unsigned char prot[MAXMP];
	unsigned char cowed[MAXMP];
	struct tag ptag[MAXMP];		/* private content once cowed */
};

/* A buffer made by a creator, held by a worker: its file and a mapping. */
struct dynhold {
	int fd;				/* -1: none */
	unsigned char *map;
	unsigned long pages;
	uint32_t gen;
	int cid, index;
	uint64_t since;			/* shm->dyngen once it was open and checked */
};

struct worker {
	int id;
	uint64_t rng;
	struct stats *st;
	struct fdrec fds[NFD];
	struct maprec maps[NMAP];
	unsigned char *arena;		/* NSLOT * SLOTP reserved pages */
	int slot_used[NSLOT];
	unsigned char *ro;		/* a read-only page, argsz set */
	unsigned char *edge;		/* a page followed by PROT_NONE */
	struct tag exp[MAXDEV][MAXOWN];
	unsigned char via[MAXDEV][MAXOWN];
	uint32_t seq;
	int held;			/* open files + live mappings */
	int known;			/* exp is valid */
	unsigned long rc;		/* reloads when held dropped to 0 */
	unsigned char *tmp, *tmp2;
	enum op cur;
	struct dynhold dh[NDYN];
};

static __thread struct worker *self;
static void *volatile nullp;	/* NULL, hidden from the compiler's checks */

static const char *errname(int e)
{
	const char *s = e ? strerrorname_np(e) : "success";

	return s ? s : "E?";
}

static unsigned long own_base(const struct worker *w)
{
	return (unsigned long)w->id * per_worker;
}

static int own_index(const struct worker *w, unsigned long page)
{
	unsigned long b = own_base(w);

	return page >= b && page < b + per_worker ? (int)(page - b) : -1;
}

static void count(struct worker *w, enum op op, int err)
{
	w->st->ops[op][err >= 0 && err < NERR ? err : NERR - 1]++;
}

static void pass(struct worker *w, enum check ck)
{
	w->st->pass[ck]++;
}

static void failf(struct stats *st, int who, enum check ck, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	st->fail[ck]++;
	if (__atomic_fetch_add(&shm->reports, 1, __ATOMIC_RELAXED) >= MAX_REPORTS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (who == -1)
		say("FAIL [%s] reloader: %s", ck_name[ck], msg);
	else if (who < -1)
		say("FAIL [%s] creator %d: %s", ck_name[ck], -2 - who, msg);
	else
		say("FAIL [%s] worker %d: %s", ck_name[ck], who, msg);
}

#define fail(w, ck, ...) failf((w)->st, (w)->id, ck, __VA_ARGS__)

/* A call's errno must be one of the listed ones (0: success). */
static int expect(struct worker *w, enum op op, int got, const char *what,
		  int n, const int *allowed)
{
	char set[128] = "";
	size_t len = 0;

	count(w, op, got);
	for (int i = 0; i < n; i++)
		if (allowed[i] == got) {
			pass(w, CK_ERRNO);
			return 1;
		}
	for (int i = 0; i < n && len < sizeof(set) - 16; i++) {
		int dup = 0;

		for (int k = 0; k < i; k++)
			dup |= allowed[k] == allowed[i];
		if (!dup)
			len += snprintf(set + len, sizeof(set) - len, "%s%s", len ? "|" : "",
					errname(allowed[i]));
	}
	fail(w, CK_ERRNO, "%s %s: got %s, expected %s", op_name[op], what,
	     errname(got), set);
	return 0;
}

#define EXPECT(w, op, got, what, ...) \
	expect(w, op, got, what, sizeof((int[]){ __VA_ARGS__ }) / sizeof(int), \
	       (int[]){ __VA_ARGS__ })

/* The content of a page, from its tag. */
static void gen(unsigned char *p, struct tag t)
{
	uint64_t *q = (uint64_t *)p;
	uint64_t x;

	if (!t.seq) {
		memset(p, 0, pg);
		return;
	}
	x = ((uint64_t)t.seq << 32 | (uint64_t)t.page << 16 | t.dev << 8 | t.w) ^ seed;
	x = x * 0x9e3779b97f4a7c15ULL | 1;
	q[0] = 0x6d6170706572ULL;	/* "mapper" */
	q[1] = (uint64_t)t.seq << 32 | (uint64_t)t.page << 16 | t.dev << 8 | t.w;
	for (long i = 2; i < pg / 8; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		q[i] = x;
	}
}

static void describe(char *out, size_t len, const unsigned char *p)
{
	const uint64_t *q = (const uint64_t *)p;
	long nz = 0;

	for (long i = 0; i < pg; i++)
		nz += p[i] != 0;
	if (q[0] == 0x6d6170706572ULL)
		snprintf(out, len, "worker %u's page %u of dev %u, seq %u",
			 (unsigned int)(q[1] & 0xff), (unsigned int)(q[1] >> 16 & 0xffff),
			 (unsigned int)(q[1] >> 8 & 0xff), (unsigned int)(q[1] >> 32));
	else
		snprintf(out, len, "no tag, %ld non-zero bytes", nz);
}

/* Compare a page (or its first @len bytes) with what @t says. */
static int same(struct worker *w, const unsigned char *p, struct tag t, size_t len,
		enum check ck, const char *what)
{
	char want[96], got[96];

	gen(w->tmp2, t);
	if (!memcmp(p, w->tmp2, len)) {
		pass(w, ck);
		return 1;
	}
	describe(want, sizeof(want), w->tmp2);
	describe(got, sizeof(got), p);
	fail(w, ck, "%s: expected %s, found %s", what, want, got);
	return 0;
}

static enum check ck_for(int via, int by_read)
{
	switch (via) {
	case VIA_MMAP:
		return by_read ? CK_MMAP_TO_READ : CK_MMAP_TO_MMAP;
	case VIA_CHILD:
		return CK_FORK;
	case VIA_ZERO:
		return CK_PERSIST;
	default:
		return by_read ? CK_WRITE_TO_READ : CK_WRITE_TO_MMAP;
	}
}

static struct tag new_tag(struct worker *w, int dev, unsigned long page)
{
	return (struct tag){ .seq = ++w->seq, .page = page, .dev = dev, .w = w->id };
}

/* ---- holding files and mappings, and what an unload does to them -------- */

static void before_release(struct worker *w)
{
	if (w->held == 1)
		w->rc = ld(&shm->reloads);
}

static int verify_own(struct worker *w, int fd, int dev, enum check forced);

/* After a successful open: if this is the first hold, was there an unload? */
static void acquired(struct worker *w, int fd, int dev, int readable)
{
	if (w->held++ || !w->known)
		return;
	if (ld(&shm->reloads) != w->rc) {
		for (int d = 0; d < ndev; d++)
			for (unsigned long i = 0; i < per_worker; i++) {
				w->exp[d][i] = (struct tag){ 0 };
				w->via[d][i] = VIA_ZERO;
			}
	}
	if (readable)
		verify_own(w, fd, dev, CK_PERSIST);
}

static struct fdrec *pick_fd(struct worker *w, int want_read, int want_write, int dev)
{
	int start = rn(&w->rng, NFD);

	for (int i = 0; i < NFD; i++) {
		struct fdrec *f = &w->fds[(start + i) % NFD];

		if (f->fd < 0 || (dev >= 0 && f->dev != dev))
			continue;
		if (want_read && f->acc == O_WRONLY)
			continue;
		if (want_write && f->acc == O_RDONLY)
			continue;
		return f;
	}
	return NULL;
}

static struct maprec *pick_map(struct worker *w)
{
	int start = rn(&w->rng, NMAP);

	for (int i = 0; i < NMAP; i++)
		if (w->maps[(start + i) % NMAP].addr)
			return &w->maps[(start + i) % NMAP];
	return NULL;
}

static int map_live(const struct maprec *m)
{
	for (unsigned long i = 0; i < m->n; i++)
		if (m->mapped[i])
			return 1;
	return 0;
}

static int readable(int prot)
{
	return prot & (PROT_READ | PROT_WRITE);
}

/* Give back pages [i, j) of a mapping: munmap, or re-reserve arena pages. */
static int unmap_range(struct worker *w, struct maprec *m, unsigned long i, unsigned long j)
{
	unsigned char *a = m->addr + i * pg;
	size_t len = (j - i) * pg;

	(void)w;
	if (m->slot >= 0)
		return mmap(a, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
			    -1, 0) == a ? 0 : errno;
	return munmap(a, len) ? errno : 0;
}

static void forget_map(struct worker *w, struct maprec *m)
{
	if (m->slot >= 0)
		w->slot_used[m->slot] = 0;
	m->addr = NULL;
	w->held--;
}

static void dyn_release(struct worker *w, struct dynhold *h);

static void release_all(struct worker *w)
{
	for (int i = 0; i < NDYN; i++)
		if (w->dh[i].fd >= 0)
			dyn_release(w, &w->dh[i]);
	for (int i = 0; i < NFD; i++)
		if (w->fds[i].fd >= 0) {
			before_release(w);
			close(w->fds[i].fd);
			w->fds[i].fd = -1;
			w->held--;
		}
	for (int i = 0; i < NMAP; i++) {
		struct maprec *m = &w->maps[i];

		if (!m->addr)
			continue;
		before_release(w);
		for (unsigned long p = 0; p < m->n; p++) {
			unsigned long e = p;

			while (e < m->n && m->mapped[e])
				e++;
			if (e > p)
				unmap_range(w, m, p, e);
			p = e;
		}
		forget_map(w, m);
	}
}

/* ---- checks of the model ------------------------------------------------ */

/* Every own page of @dev, read through @fd, against the model. */
static int verify_own(struct worker *w, int fd, int dev, enum check forced)
{
	int ok = 1;

	for (unsigned long i = 0; i < per_worker; i++) {
		off_t off = (off_t)(own_base(w) + i) * pg;
		char what[96];
		ssize_t n = pread(fd, w->tmp, pg, off);

		if (n != pg) {
			fail(w, CK_ERRNO, "pread of own page %lu: %zd (%s)", own_base(w) + i,
			     n, n < 0 ? errname(errno) : "short");
			return 0;
		}
		snprintf(what, sizeof(what), "dev %d page %lu by read()", dev, own_base(w) + i);
		ok &= same(w, w->tmp, w->exp[dev][i], pg,
			   forced != CK_NR ? forced : ck_for(w->via[dev][i], 1), what);
	}
	return ok;
}

/* The expected content of page @i of mapping @m, as far as it is known. */
static int map_expect(struct worker *w, struct maprec *m, unsigned long i, struct tag *t,
		      enum check *ck)
{
	unsigned long page = m->pgoff + i;
	int o = own_index(w, page);

	if (!m->shared && m->cowed[i]) {
		*t = m->ptag[i];
		*ck = CK_PRIVATE;
		return 1;
	}
	if (o < 0)
		return 0;
	*t = w->exp[m->dev][o];
	*ck = m->shared ? ck_for(w->via[m->dev][o], 0) : CK_PRIVATE;
	return 1;
}

/* Check one page of a mapping, if readable and its content is known. */
static void check_map_page(struct worker *w, struct maprec *m, unsigned long i)
{
	struct tag t;
	enum check ck;
	char what[96];

	if (!m->mapped[i] || !readable(m->prot[i]))
		return;
	if (!map_expect(w, m, i, &t, &ck)) {
		volatile unsigned char c = m->addr[i * pg + rn(&w->rng, pg)];	/* fault it in */

		(void)c;
		return;
	}
	snprintf(what, sizeof(what), "dev %d page %lu through a %s mapping", m->dev,
		 m->pgoff + i, m->shared ? "shared" : "private");
	same(w, m->addr + i * pg, t, pg, ck, what);
}

/* After a shared write to own page @o of @dev: every other view must agree. */
static void check_other_maps(struct worker *w, int dev, int o, struct maprec *except)
{
	for (int k = 0; k < NMAP; k++) {
		struct maprec *m = &w->maps[k];
		unsigned long page = own_base(w) + o;

		if (!m->addr || m == except || m->dev != dev)
			continue;
		if (page < m->pgoff || page >= m->pgoff + m->n)
			continue;
		check_map_page(w, m, page - m->pgoff);
	}
}

/* ---- the operations ------------------------------------------------------ */

static void op_open(struct worker *w)
{
	static const int accs[] = { O_RDONLY, O_WRONLY, O_RDWR, O_RDWR, O_RDWR };
	struct fdrec *f = NULL;
	int dev = rn(&w->rng, ndev), acc = accs[rn(&w->rng, 5)], fd;

	for (int i = 0; i < NFD; i++)
		if (w->fds[i].fd < 0)
			f = &w->fds[i];
	if (!f)
		return;
	fd = open(devpath[dev], acc | O_CLOEXEC | (rn(&w->rng, 4) ? 0 : O_NONBLOCK));
	if (reload)
		EXPECT(w, OP_OPEN, fd < 0 ? errno : 0, devpath[dev], 0, ENOENT, ENXIO, ENODEV);
	else
		EXPECT(w, OP_OPEN, fd < 0 ? errno : 0, devpath[dev], 0);
	if (fd < 0)
		return;
	*f = (struct fdrec){ .fd = fd, .dev = dev, .acc = acc, .pos = 0 };
	acquired(w, fd, dev, acc != O_WRONLY);
}

static void op_close(struct worker *w)
{
	struct fdrec *f = pick_fd(w, 0, 0, -1);

	if (!f)
		return;
	before_release(w);
	EXPECT(w, OP_CLOSE, close(f->fd) ? errno : 0, devpath[f->dev], 0);
	f->fd = -1;
	w->held--;
}

static int mmap_errno(const struct fdrec *f, int shared, int prot)
{
	if (f->acc == O_WRONLY)
		return EACCES;
	if (shared && (prot & PROT_WRITE) && f->acc == O_RDONLY)
		return EACCES;
	return 0;
}

static void op_mmap(struct worker *w)
{
	static const int prots[] = { PROT_READ, PROT_READ | PROT_WRITE, PROT_NONE,
				     PROT_WRITE, PROT_READ | PROT_WRITE };
	struct fdrec *f = pick_fd(w, 0, 0, -1);
	struct maprec *m = NULL;
	int shared = rn(&w->rng, 3) != 0, prot = prots[rn(&w->rng, 5)], slot = -1;
	int flags = shared ? (rn(&w->rng, 4) ? MAP_SHARED : MAP_SHARED_VALIDATE) : MAP_PRIVATE;
	unsigned long pgoff, n;
	unsigned char *want = NULL, *p;
	char what[128];
	int err;

	for (int i = 0; i < NMAP; i++)
		if (!w->maps[i].addr)
			m = &w->maps[i];
	if (!f || !m)
		return;
	if (rn(&w->rng, 10) < 7) {		/* own pages */
		pgoff = own_base(w) + rn(&w->rng, per_worker);
		n = 1 + rn(&w->rng, own_base(w) + per_worker - pgoff);
	} else if (rn(&w->rng, 8) == 0 && npages <= MAXMP) {
		pgoff = 0;			/* the whole buffer: huge entries, where offered */
		n = npages;
	} else {				/* anywhere in the buffer */
		pgoff = rn(&w->rng, npages);
		n = 1 + rn(&w->rng, npages - pgoff < SMALLMP ? npages - pgoff : SMALLMP);
	}
	if (rn(&w->rng, 4) == 0) {
		if (n > SLOTP)
			n = SLOTP;
		for (int s = 0; s < NSLOT; s++)
			if (!w->slot_used[s])
				slot = s;
		if (slot >= 0) {
			want = w->arena + (size_t)slot * SLOTP * pg;
			flags |= MAP_FIXED;
		}
	}
	/* Populating a writable private mapping would copy every page now. */
	if (rn(&w->rng, 8) == 0 && (shared || !(prot & PROT_WRITE)))
		flags |= MAP_POPULATE;
	err = mmap_errno(f, shared, prot);
	p = mmap(want, n * pg, prot, flags, f->fd, (off_t)pgoff * pg);
	snprintf(what, sizeof(what), "%s of %lu pages at page %lu of %s, prot %d, fd %s",
		 shared ? "shared" : "private", n, pgoff, devpath[f->dev], prot,
		 f->acc == O_RDONLY ? "r" : f->acc == O_WRONLY ? "w" : "rw");
	EXPECT(w, OP_MMAP, p == MAP_FAILED ? errno : 0, what, err);
	if (p == MAP_FAILED) {
		if (slot >= 0)	/* a failed MAP_FIXED may leave a hole: reserve again */
			mmap(want, SLOTP * pg, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		return;
	}
	if (err) {		/* mapped although it must not be */
		munmap(p, n * pg);
		return;
	}
	memset(m, 0, sizeof(*m));
	m->addr = p;
	m->dev = f->dev;
	m->shared = shared;
	m->fdacc = f->acc;
	m->slot = slot;
	m->pgoff = pgoff;
	m->n = n;
	for (unsigned long i = 0; i < n; i++) {
		m->mapped[i] = 1;
		m->prot[i] = prot;
	}
	if (slot >= 0)
		w->slot_used[slot] = 1;
	w->held++;
	/* A fresh mapping shows what the model says, page by page. */
	for (unsigned long i = 0; i < n && i < 4; i++)
		check_map_page(w, m, rn(&w->rng, n));
}

/* Invalid mmap() calls, one kind of wrong argument each. */
static void op_mmap_bad(struct worker *w)
{
	struct fdrec *f = pick_fd(w, 0, 0, -1);
	struct maprec *live = pick_map(w);
	int kind = rn(&w->rng, 14), prot = PROT_READ, flags = MAP_SHARED;
	unsigned long len = pg;
	off_t off = 0;
	void *addr = NULL, *p;
	int allowed[3] = { EINVAL, EINVAL, EINVAL };
	char what[128];
	int err;

	if (!f)
		return;
	if (!mapper_mode && (kind <= 3 || kind == 8 || kind == 10))
		kind = 4;	/* a file has no end to map past and runs code */
	switch (kind) {
	case 0:		/* starts at or past the end */
		off = (off_t)(npages + rn(&w->rng, 1000)) * pg;
		snprintf(what, sizeof(what), "at page %lld (past the end)", (long long)(off / pg));
		break;
	case 1:		/* starts inside, ends outside */
		off = (off_t)(npages - 1 - rn(&w->rng, 4)) * pg;
		len = (npages - off / pg + 1 + rn(&w->rng, 8)) * pg;
		snprintf(what, sizeof(what), "of %lu pages at page %lld (crosses the end)",
			 len / pg, (long long)(off / pg));
		break;
	case 2:		/* longer than the buffer */
		len = bufsize + (1 + rn(&w->rng, 64)) * pg;
		snprintf(what, sizeof(what), "of %lu pages (longer than the buffer)", len / pg);
		break;
	case 3:		/* any page-aligned offset: past the end, or overflowing */
		off = (off_t)(rnd(&w->rng) & ~(uint64_t)(pg - 1));
		if ((unsigned long long)off < bufsize)
			off += bufsize;
		allowed[1] = EOVERFLOW;
		snprintf(what, sizeof(what), "at offset %#llx", (unsigned long long)off);
		break;
	case 4:		/* unaligned offset */
		off = 1 + rn(&w->rng, pg - 1);
		snprintf(what, sizeof(what), "at unaligned offset %lld", (long long)off);
		break;
	case 5:		/* zero length */
		len = 0;
		snprintf(what, sizeof(what), "of length 0");
		break;
	case 6:		/* longer than the address space */
		len = rn(&w->rng, 2) ? ~0UL - rn(&w->rng, 3 * pg) : 1UL << (47 + rn(&w->rng, 16));
		allowed[0] = allowed[1] = allowed[2] = ENOMEM;
		snprintf(what, sizeof(what), "of length %#lx", len);
		break;
	case 7:		/* neither shared nor private */
		flags = rn(&w->rng, 2) ? 0 : 0x0f;
		snprintf(what, sizeof(what), "with mapping type %#x", flags);
		break;
	case 8:		/* PROT_EXEC */
		prot |= PROT_EXEC;
		flags = rn(&w->rng, 2) ? MAP_SHARED : MAP_PRIVATE;
		allowed[0] = allowed[1] = allowed[2] = EPERM;
		snprintf(what, sizeof(what), "with PROT_EXEC");
		break;
	case 9:		/* MAP_SYNC, which no character device supports */
		flags = MAP_SHARED_VALIDATE | MAP_SYNC;
		allowed[0] = allowed[1] = allowed[2] = EOPNOTSUPP;
		snprintf(what, sizeof(what), "with MAP_SHARED_VALIDATE|MAP_SYNC");
		break;
	case 10:	/* a physical address, as naive drivers take one */
		off = rn(&w->rng, 2) ? 0xfee00000 : 0x100000000LL + rn(&w->rng, 1 << 16) * pg;
		if ((unsigned long long)off < bufsize)
			off = bufsize;
		snprintf(what, sizeof(what), "at physical address %#llx", (long long)off);
		break;
	case 11:	/* MAP_HUGETLB on a device */
		flags |= MAP_HUGETLB;
		snprintf(what, sizeof(what), "with MAP_HUGETLB");
		break;
	case 12:	/* MAP_FIXED_NOREPLACE over a live mapping of our own */
		if (!live)
			return;
		for (unsigned long i = 0; i < live->n && !addr; i++)
			if (live->mapped[i])
				addr = live->addr + i * pg;
		flags |= MAP_FIXED_NOREPLACE;
		allowed[0] = allowed[1] = EEXIST;
		/* which comes first varies between kernels */
		allowed[2] = f->acc == O_WRONLY ? EACCES : EEXIST;
		snprintf(what, sizeof(what), "with MAP_FIXED_NOREPLACE on a live mapping");
		break;
	case 13:	/* MAP_FIXED at a kernel address */
		addr = (void *)0xffff880000000000UL;
		flags |= MAP_FIXED;
		allowed[0] = allowed[1] = allowed[2] = ENOMEM;
		snprintf(what, sizeof(what), "with MAP_FIXED at a kernel address");
		break;
	}
	/* File access modes are checked first, whatever else is wrong. */
	if (f->acc == O_WRONLY && (kind <= 3 || kind == 8 || kind == 10)) {
		allowed[0] = allowed[2] = EACCES;	/* offsets that overflow come earlier */
		allowed[1] = kind == 3 ? EOVERFLOW : EACCES;
	}
	p = mmap(addr, len, prot, flags, f->fd, off);
	err = p == MAP_FAILED ? errno : 0;
	expect(w, OP_MMAP_BAD, err, what, 3, allowed);
	if (p != MAP_FAILED)
		munmap(p, len);
}

static void op_munmap(struct worker *w)
{
	struct maprec *m = pick_map(w);
	unsigned long i;

	if (!m)
		return;
	for (i = 0; i < 16; i++)
		check_map_page(w, m, rn(&w->rng, m->n));
	before_release(w);
	/* Run by run: the holes may be another thread's mappings by now. */
	for (i = 0; i < m->n; i++) {
		unsigned long j = i;

		if (!m->mapped[i])
			continue;
		while (j < m->n && m->mapped[j])
			j++;
		EXPECT(w, OP_MUNMAP, unmap_range(w, m, i, j), "a mapping", 0);
		i = j;
	}
	forget_map(w, m);
}

static void op_munmap_part(struct worker *w)
{
	struct maprec *m = pick_map(w);
	unsigned long i, j, k, left = 0;

	if (!m || m->n < 2)
		return;
	i = rn(&w->rng, m->n);
	j = i + 1 + rn(&w->rng, m->n - i);
	if (i == 0 && j == m->n)
		j--;
	for (k = 0; k < m->n; k++)
		left += m->mapped[k] && (k < i || k >= j);
	if (!left)
		before_release(w);
	/* Only our own pages: a hole may be another thread's mapping by now. */
	for (k = i; k < j; k++) {
		unsigned long e = k;

		if (!m->mapped[k])
			continue;
		while (e < j && m->mapped[e])
			e++;
		EXPECT(w, OP_MUNMAP_PART, unmap_range(w, m, k, e), "part of a mapping", 0);
		while (k < e)
			m->mapped[k++] = 0;
	}
	m->split = 1;
	if (!map_live(m))
		forget_map(w, m);
}

static int intact(const struct maprec *m)
{
	if (m->split)
		return 0;
	for (unsigned long i = 0; i < m->n; i++)
		if (!m->mapped[i] || m->prot[i] != m->prot[0])
			return 0;
	return 1;
}

static void op_mremap(struct worker *w)
{
	struct maprec *m = pick_map(w);
	size_t len;
	void *p;
	int kind = rn(&w->rng, 3), slot = -1;

	if (!m || !intact(m))
		return;
	len = m->n * pg;
	if (kind == 0 && mapper_mode) {		/* grow: refused */
		size_t more = (1 + rn(&w->rng, 8)) * pg;

		p = mremap(m->addr, len, len + more, rn(&w->rng, 2) ? MREMAP_MAYMOVE : 0);
		EXPECT(w, OP_MREMAP, p == MAP_FAILED ? errno : 0, "growing", EFAULT);
		if (p != MAP_FAILED)
			m->addr = p;	/* keep the books right, the failure is reported */
		return;
	}
	if (kind <= 1 && m->n > 1 && m->slot < 0) {	/* shrink in place */
		unsigned long n = 1 + rn(&w->rng, m->n - 1);

		p = mremap(m->addr, len, n * pg, 0);
		EXPECT(w, OP_MREMAP, p == MAP_FAILED ? errno : 0, "shrinking", 0);
		if (p != MAP_FAILED) {
			for (unsigned long i = n; i < m->n; i++)
				m->mapped[i] = 0;
			m->n = n;
		}
		return;
	}
	if (m->slot >= 0 || m->n > SLOTP)
		return;
	for (int s = 0; s < NSLOT; s++)		/* move into a free arena slot */
		if (!w->slot_used[s])
			slot = s;
	if (slot < 0)
		return;
	p = mremap(m->addr, len, len, MREMAP_MAYMOVE | MREMAP_FIXED,
		   w->arena + (size_t)slot * SLOTP * pg);
	EXPECT(w, OP_MREMAP, p == MAP_FAILED ? errno : 0, "moving", 0);
	if (p == MAP_FAILED) {	/* the target may be unmapped already: reserve it again */
		mmap(w->arena + (size_t)slot * SLOTP * pg, SLOTP * pg, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		return;
	}
	m->addr = p;
	m->slot = slot;
	w->slot_used[slot] = 1;
	for (unsigned long i = 0; i < m->n && i < 2; i++)
		check_map_page(w, m, rn(&w->rng, m->n));
}

/* A run [i, j) of mapped pages of @m; 0 if there is none. */
static int pick_run(struct worker *w, struct maprec *m, unsigned long *i, unsigned long *j)
{
	unsigned long a = rn(&w->rng, m->n), b;

	while (a < m->n && !m->mapped[a])
		a++;
	if (a >= m->n)
		return 0;
	b = a + 1;
	while (b < m->n && m->mapped[b] && rn(&w->rng, 4))
		b++;
	*i = a;
	*j = b;
	return 1;
}

static void op_mprotect(struct worker *w)
{
	static const int prots[] = { PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE,
				     PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC,
				     PROT_READ | PROT_WRITE | PROT_EXEC, 0x40 };
	struct maprec *m = pick_map(w);
	int prot = prots[rn(&w->rng, 7)], err = 0;
	unsigned long i, j;
	char what[96];

	if (!m || !pick_run(w, m, &i, &j))
		return;
	if (!mapper_mode && (prot & PROT_EXEC))
		prot = PROT_READ;
	if (prot == 0x40)
		err = EINVAL;
	else if (prot & PROT_EXEC)
		err = EACCES;
	else if ((prot & PROT_WRITE) && m->shared && m->fdacc == O_RDONLY)
		err = EACCES;
	snprintf(what, sizeof(what), "pages %lu-%lu of a %s mapping to %#x", i, j - 1,
		 m->shared ? "shared" : "private", prot);
	if (!EXPECT(w, OP_MPROTECT, mprotect(m->addr + i * pg, (j - i) * pg, prot) ? errno : 0,
		    what, err) || err)
		return;
	for (unsigned long k = i; k < j; k++)
		m->prot[k] = prot;
	if (i > 0 || j < m->n)
		m->split = 1;
	check_map_page(w, m, i);
}

static void op_madvise(struct worker *w)
{
	struct maprec *m = pick_map(w);
	unsigned long i, j;
	int kind = rn(&w->rng, 4), advice, err = 0;

	if (!m || !pick_run(w, m, &i, &j))
		return;
	advice = kind == 0 ? MADV_DONTNEED : kind == 1 ? MADV_WILLNEED :
		 kind == 2 ? MADV_RANDOM : MADV_FREE;
	if (advice == MADV_FREE)
		err = EINVAL;		/* anonymous memory only */
	if (!EXPECT(w, OP_MADVISE, madvise(m->addr + i * pg, (j - i) * pg, advice) ? errno : 0,
		    advice == MADV_DONTNEED ? "MADV_DONTNEED" : advice == MADV_WILLNEED ?
		    "MADV_WILLNEED" : advice == MADV_RANDOM ? "MADV_RANDOM" : "MADV_FREE", err))
		return;
	if (advice == MADV_RANDOM && (i > 0 || j < m->n))
		m->split = 1;	/* a vm_flags change: the VMA is split */
	if (advice == MADV_DONTNEED) {
		/* Private copies are dropped: the buffer's page shows again. */
		for (unsigned long k = i; k < j; k++)
			m->cowed[k] = 0;
		for (unsigned long k = i; k < j && k < i + 2; k++)
			check_map_page(w, m, k);
	}
}

/* Read or write a page through a mapping, and check every other view. */
static void op_touch(struct worker *w)
{
	struct maprec *m = pick_map(w);
	unsigned long i;
	int o;

	if (!m)
		return;
	i = rn(&w->rng, m->n);
	if (!m->mapped[i])
		return;
	check_map_page(w, m, i);
	count(w, OP_TOUCH, 0);
	if (!(m->prot[i] & PROT_WRITE) || rn(&w->rng, 3) == 0)
		return;
	o = own_index(w, m->pgoff + i);
	if (m->shared) {
		struct fdrec *f;
		struct tag t;

		if (o < 0)
			return;	/* never write another worker's pages */
		t = new_tag(w, m->dev, m->pgoff + i);
		gen(m->addr + i * pg, t);
		w->exp[m->dev][o] = t;
		w->via[m->dev][o] = VIA_MMAP;
		f = pick_fd(w, 1, 0, m->dev);
		if (f) {
			char what[64];
			ssize_t n = pread(f->fd, w->tmp, pg, (off_t)(m->pgoff + i) * pg);

			snprintf(what, sizeof(what), "dev %d page %lu by read()", m->dev, m->pgoff + i);
			if (n == pg)
				same(w, w->tmp, t, pg, CK_MMAP_TO_READ, what);
			else
				fail(w, CK_MMAP_TO_READ, "pread: %zd", n);
		}
		check_other_maps(w, m->dev, o, m);
	} else {
		/* Copy-on-write: the buffer, and every other view, keep theirs. */
		struct tag t = new_tag(w, m->dev, m->pgoff + i);
		struct fdrec *f = o >= 0 ? pick_fd(w, 1, 0, m->dev) : NULL;

		t.w |= 0x80;	/* marks private content */
		gen(m->addr + i * pg, t);
		m->cowed[i] = 1;
		m->ptag[i] = t;
		if (f) {
			char what[96];
			ssize_t n = pread(f->fd, w->tmp, pg, (off_t)(m->pgoff + i) * pg);

			snprintf(what, sizeof(what),
				 "dev %d page %lu by read() after a private write", m->dev,
				 m->pgoff + i);
			if (n == pg)
				same(w, w->tmp, w->exp[m->dev][o], pg, CK_PRIVATE, what);
		}
		if (o >= 0)
			check_other_maps(w, m->dev, o, m);
	}
}

static void op_fork(struct worker *w)
{
	struct maprec *sm = NULL, *pm = NULL;
	unsigned long si = 0, pi = 0;
	struct tag ct = { 0 }, pt = { 0 };
	int status, so = -1;
	pid_t pid;

	/* The child writes one own page through a shared mapping, and one private page. */
	for (int k = 0; k < NMAP; k++) {
		struct maprec *m = &w->maps[k];

		if (!m->addr)
			continue;
		for (unsigned long i = 0; i < m->n; i++) {
			if (!m->mapped[i] || !(m->prot[i] & PROT_WRITE))
				continue;
			if (m->shared && !sm && own_index(w, m->pgoff + i) >= 0)
				sm = m, si = i, so = own_index(w, m->pgoff + i);
			if (!m->shared && !pm)
				pm = m, pi = i;
		}
	}
	if (sm)
		ct = new_tag(w, sm->dev, sm->pgoff + si);
	if (pm) {
		pt = new_tag(w, pm->dev, pm->pgoff + pi);
		pt.w |= 0x80;
	}
	pid = fork();
	if (pid < 0) {
		count(w, OP_FORK, errno);
		fail(w, CK_ERRNO, "fork: %s", errname(errno));
		return;
	}
	if (pid == 0) {
		int bad = 0;

		/* The child sees what the parent's views say, then writes. */
		for (int k = 0; k < NMAP; k++) {
			struct maprec *m = &w->maps[k];

			if (!m->addr)
				continue;
			for (unsigned long i = 0; i < m->n && i < 8; i++) {
				struct tag t;
				enum check ck;

				if (!m->mapped[i] || !readable(m->prot[i]) ||
				    !map_expect(w, m, i, &t, &ck))
					continue;
				gen(w->tmp2, t);
				if (memcmp(m->addr + i * pg, w->tmp2, pg))
					bad = 1;
			}
		}
		if (sm)
			gen(sm->addr + si * pg, ct);
		if (pm)
			gen(pm->addr + pi * pg, pt);
		_exit(bad);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
		count(w, OP_FORK, EINTR);
		fail(w, CK_FORK, "child %s", WIFSIGNALED(status) ?
		     strsignal(WTERMSIG(status)) : "lost");
		return;
	}
	count(w, OP_FORK, 0);
	if (WEXITSTATUS(status))
		fail(w, CK_FORK, "the child saw other contents than the parent's mappings");
	else
		pass(w, CK_FORK);
	if (sm) {
		w->exp[sm->dev][so] = ct;
		w->via[sm->dev][so] = VIA_CHILD;
		check_map_page(w, sm, si);
		check_other_maps(w, sm->dev, so, sm);
	}
	if (pm) {	/* the child's private write is the child's alone */
		struct tag t;
		enum check ck;

		if (map_expect(w, pm, pi, &t, &ck))
			same(w, pm->addr + pi * pg, t, pg, CK_PRIVATE,
			     "a private page after the child wrote its copy");
	}
}

/* Expected result of a read/write of @count bytes at @pos: bytes, or -errno. */
static long rw_result(struct worker *w, int wr, const struct fdrec *f, off_t pos,
		      size_t cnt, int badptr)
{
	(void)w;
	if (pos < 0)
		return -EINVAL;
	if (wr ? f->acc == O_RDONLY : f->acc == O_WRONLY)
		return -EBADF;
	if (badptr == 2)		/* not a user address at all */
		return -EFAULT;
	if ((long long)(pos + (off_t)cnt) < 0)
		return -EINVAL;
	if (!cnt)
		return 0;
	if ((size_t)pos >= bufsize)
		return wr ? -ENOSPC : 0;
	if (badptr)
		return -EFAULT;
	return cnt < bufsize - pos ? (long)cnt : (long)(bufsize - pos);
}

static void check_rw(struct worker *w, enum op op, long got, long want, const char *what)
{
	if (want < 0) {
		EXPECT(w, op, got < 0 ? errno : 0, what, (int)-want);
		return;
	}
	count(w, op, got < 0 ? errno : 0);
	if (got == want) {
		pass(w, CK_ERRNO);
		return;
	}
	fail(w, CK_ERRNO, "%s %s: returned %ld (%s), expected %ld", op_name[op], what, got,
	     got < 0 ? errname(errno) : "bytes", want);
}

static void op_read(struct worker *w)
{
	struct fdrec *f = pick_fd(w, 0, 0, -1);
	int kind = rn(&w->rng, 10);
	char what[128];

	if (!f)
		return;
	if (kind <= 3 && f->acc != O_WRONLY) {	/* check own pages against the model */
		unsigned long i = rn(&w->rng, per_worker);
		off_t off = (off_t)(own_base(w) + i) * pg;
		ssize_t n;

		if (kind == 0) {	/* readv, in two pieces */
			size_t cut = rn(&w->rng, pg);
			struct iovec iov[2] = { { w->tmp, cut }, { w->tmp + cut, pg - cut } };

			n = preadv(f->fd, iov, 2, off);
		} else if (kind == 1 && lseek(f->fd, off, SEEK_SET) == off) {
			n = read(f->fd, w->tmp, pg);
			f->pos = off + (n > 0 ? n : 0);
		} else {
			n = pread(f->fd, w->tmp, pg, off);
		}
		snprintf(what, sizeof(what), "own page %lu of dev %d", own_base(w) + i, f->dev);
		check_rw(w, OP_READ, n, pg, what);
		if (n == pg)
			same(w, w->tmp, w->exp[f->dev][i], pg, ck_for(w->via[f->dev][i], 1), what);
		return;
	}
	if (kind == 4) {	/* read() into one of our own mappings */
		struct maprec *m = pick_map(w);
		unsigned long i, src = rn(&w->rng, per_worker);
		long want;
		int o;

		if (!m)
			return;
		i = rn(&w->rng, m->n);
		o = own_index(w, m->pgoff + i);
		if (!m->mapped[i] || !(m->prot[i] & PROT_WRITE) || (m->shared && o < 0) ||
		    (m->shared && m->dev == f->dev && o == (int)src))
			return;
		want = rw_result(w, 0, f, (off_t)(own_base(w) + src) * pg, pg, 0);
		snprintf(what, sizeof(what), "of own page %lu into a %s mapping",
			 own_base(w) + src, m->shared ? "shared" : "private");
		check_rw(w, OP_READ, pread(f->fd, m->addr + i * pg, pg,
					   (off_t)(own_base(w) + src) * pg), want, what);
		if (want != pg)
			return;
		if (m->shared) {
			w->exp[m->dev][o] = w->exp[f->dev][src];
			w->via[m->dev][o] = VIA_MMAP;
			check_other_maps(w, m->dev, o, m);
		} else {
			m->cowed[i] = 1;
			m->ptag[i] = w->exp[f->dev][src];
		}
		check_map_page(w, m, i);
		return;
	}
	/* Edges and wrong arguments. */
	{
		off_t pos;
		size_t cnt = 1 + rn(&w->rng, 2 * pg);
		void *buf = w->tmp;
		int badptr = 0, use_read = 0;
		long want, got;

		switch (kind) {
		case 5:	/* at or past the end */
			pos = bufsize + rn(&w->rng, 2) * rn(&w->rng, 1UL << 40);
			break;
		case 6:	/* crossing the end */
			pos = bufsize - 1 - rn(&w->rng, pg);
			break;
		case 7:	/* negative offset */
			pos = -1 - (off_t)rn(&w->rng, 1UL << 40);
			break;
		case 8:	/* bad pointers */
			pos = (off_t)rn(&w->rng, npages) * pg;
			badptr = rn(&w->rng, 2) ? 1 : 2;
			buf = badptr == 1 ? nullp : (void *)-4096L;
			break;
		default:	/* read() at the file position */
			pos = f->pos;
			use_read = 1;
			break;
		}
		if (cnt > 2 * (size_t)pg)
			cnt = 2 * pg;
		want = rw_result(w, 0, f, pos, cnt, badptr);
		got = use_read ? read(f->fd, buf, cnt) : pread(f->fd, buf, cnt, pos);
		snprintf(what, sizeof(what), "%s of %zu at %lld%s, fd %s",
			 use_read ? "read" : "pread", cnt, (long long)pos,
			 badptr ? " to a bad pointer" : "",
			 f->acc == O_RDONLY ? "r" : f->acc == O_WRONLY ? "w" : "rw");
		check_rw(w, OP_READ, got, want, what);
		if (use_read && got > 0)
			f->pos += got;
	}
}

static void op_write(struct worker *w)
{
	struct fdrec *f = pick_fd(w, 0, 0, -1);
	int kind = rn(&w->rng, 10);
	char what[128];

	if (!f)
		return;
	if (kind <= 4 && f->acc != O_RDONLY) {	/* a new version of an own page */
		unsigned long i = rn(&w->rng, per_worker);
		off_t off = (off_t)(own_base(w) + i) * pg;
		struct tag t = new_tag(w, f->dev, own_base(w) + i);
		struct maprec *src = NULL;
		unsigned long si = 0;
		ssize_t n;

		gen(w->tmp, t);
		if (kind == 4) {	/* from an own shared mapping's page */
			struct maprec *m = pick_map(w);

			if (m) {
				si = rn(&w->rng, m->n);
				if (m->mapped[si] && readable(m->prot[si]) &&
				    !(m->shared && m->dev == f->dev && m->pgoff + si == own_base(w) + i) &&
				    map_expect(w, m, si, &t, &(enum check){ 0 }))
					src = m;
			}
		}
		if (src) {
			n = pwrite(f->fd, src->addr + si * pg, pg, off);
		} else if (kind == 0) {
			size_t cut = rn(&w->rng, pg);
			struct iovec iov[2] = { { w->tmp, cut }, { w->tmp + cut, pg - cut } };

			n = pwritev(f->fd, iov, 2, off);
		} else if (kind == 1 && lseek(f->fd, off, SEEK_SET) == off) {
			n = write(f->fd, w->tmp, pg);
			f->pos = off + (n > 0 ? n : 0);
		} else {
			n = pwrite(f->fd, w->tmp, pg, off);
		}
		snprintf(what, sizeof(what), "own page %lu of dev %d%s", own_base(w) + i, f->dev,
			 src ? " from a mapping" : "");
		check_rw(w, OP_WRITE, n, pg, what);
		if (n != pg)
			return;
		w->exp[f->dev][i] = t;
		w->via[f->dev][i] = VIA_WRITE;
		check_other_maps(w, f->dev, i, NULL);
		return;
	}
	{
		off_t pos;
		size_t cnt = 1 + rn(&w->rng, 2 * pg);
		void *buf = w->tmp;
		int badptr = 0, use_write = 0;
		long want, got;

		memset(w->tmp, 0x5a, 2 * pg);
		switch (kind) {
		case 5:	/* at or past the end */
			pos = bufsize + rn(&w->rng, 2) * rn(&w->rng, 1UL << 40);
			break;
		case 6:	/* crossing the end: into the scratch page only */
			pos = bufsize - 1 - rn(&w->rng, pg);
			break;
		case 7:
			pos = -1 - (off_t)rn(&w->rng, 1UL << 40);
			break;
		case 8:	/* bad pointers, at own pages: nothing may be written */
			pos = (off_t)(own_base(w) + rn(&w->rng, per_worker)) * pg;
			badptr = rn(&w->rng, 2) ? 1 : 2;
			buf = badptr == 1 ? nullp : (void *)-4096L;
			if (cnt > (size_t)pg)
				cnt = pg;
			break;
		default:	/* write() at the file position, when that is past our pages */
			pos = f->pos;
			use_write = 1;
			if ((size_t)pos < bufsize - pg) {
				if (f->acc == O_RDONLY)
					break;
				return;
			}
			break;
		}
		if (!mapper_mode && (kind == 5 || kind == 6 || use_write))
			return;	/* files grow or refuse differently */
		want = rw_result(w, 1, f, pos, cnt, badptr);
		got = use_write ? write(f->fd, buf, cnt) : pwrite(f->fd, buf, cnt, pos);
		snprintf(what, sizeof(what), "%s of %zu at %lld%s, fd %s",
			 use_write ? "write" : "pwrite", cnt, (long long)pos,
			 badptr ? " from a bad pointer" : "",
			 f->acc == O_RDONLY ? "r" : f->acc == O_WRONLY ? "w" : "rw");
		check_rw(w, OP_WRITE, got, want, what);
		if (use_write && got > 0)
			f->pos += got;
	}
}

static void op_lseek(struct worker *w)
{
	struct fdrec *f = pick_fd(w, 0, 0, -1);
	int kind = rn(&w->rng, 6), whence = SEEK_SET;
	off_t off = 0, want;
	char what[96];

	if (!f)
		return;
	switch (kind) {
	case 0:
		off = rn(&w->rng, bufsize + 1);
		whence = SEEK_SET;
		break;
	case 1:
		off = (off_t)rn(&w->rng, 2 * bufsize) - (off_t)bufsize;
		whence = SEEK_CUR;
		break;
	case 2:
		off = -(off_t)rn(&w->rng, bufsize + 2);
		whence = SEEK_END;
		break;
	case 3:
		off = rn(&w->rng, 2) ? -1 - (off_t)rn(&w->rng, 1 << 20) :
		      (off_t)bufsize + 1 + (off_t)rn(&w->rng, 1UL << 40);
		whence = rn(&w->rng, 3);
		break;
	case 4:	/* SEEK_DATA, SEEK_HOLE and nonsense */
		whence = rn(&w->rng, 2) ? 3 + rn(&w->rng, 2) : 5 + rn(&w->rng, 100);
		off = rn(&w->rng, bufsize);
		if (!mapper_mode && whence <= 4)
			whence = 42;
		break;
	default:
		off = 0;
		whence = SEEK_CUR;
		break;
	}
	want = whence == SEEK_SET ? off : whence == SEEK_CUR ? f->pos + off :
	       whence == SEEK_END ? (off_t)bufsize + off : -1;
	if (whence > SEEK_END || want < 0 || (mapper_mode && want > (off_t)bufsize))
		want = -1;
	if (!mapper_mode && want > (off_t)bufsize)
		return;
	snprintf(what, sizeof(what), "%lld whence %d from %lld", (long long)off, whence,
		 (long long)f->pos);
	{
		off_t got = lseek(f->fd, off, whence);

		if (want < 0) {
			EXPECT(w, OP_LSEEK, got < 0 ? errno : 0, what, EINVAL);
			return;
		}
		count(w, OP_LSEEK, got < 0 ? errno : 0);
		if (got == want) {
			pass(w, CK_ERRNO);
			f->pos = got;
		} else {
			fail(w, CK_ERRNO, "lseek %s: got %lld (%s), expected %lld", what,
			     (long long)got, got < 0 ? errname(errno) : "offset",
			     (long long)want);
			if (got >= 0)
				f->pos = got;
		}
	}
}

static int live_maps_of(struct worker *w, int dev)
{
	int n = 0;

	for (int k = 0; k < NMAP; k++)
		n += w->maps[k].addr && w->maps[k].dev == dev;
	return n;
}

/* A received descriptor, or -1. */
static int pass_fd(int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, byte = 0;
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	int sv[2], got = -1;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -1;
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(sv[0], &msg, 0) == 1 && recvmsg(sv[1], &msg, MSG_CMSG_CLOEXEC) == 1 &&
	    (c = CMSG_FIRSTHDR(&msg)) && c->cmsg_type == SCM_RIGHTS)
		memcpy(&got, CMSG_DATA(c), sizeof(int));
	close(sv[0]);
	close(sv[1]);
	return got;
}

/*
 * A dma-buf of a random range (a bad one now and then), passed over a Unix
 * socket, mapped, synced and closed: it must show the device's bytes.
 */
static void op_export(struct worker *w)
{
	struct fdrec *f = pick_fd(w, 0, 0, -1);
	struct mapper_export_dmabuf e = { .argsz = sizeof(e), .flags = O_CLOEXEC };
	unsigned long pages = bufsize / pg, off, len;
	int kind = rn(&w->rng, 6), want = 0, ret, fd;
	char what[96];

	if (!f || !mapper_mode)
		return;
	off = rn(&w->rng, pages);
	len = 1 + rn(&w->rng, pages - off);
	e.offset = (uint64_t)off * pg;
	e.length = kind == 1 ? 0 : (uint64_t)len * pg;
	e.flags |= f->acc == O_RDONLY || rn(&w->rng, 4) == 0 ? O_RDONLY : O_RDWR;
	if (kind == 4) {		/* unaligned */
		e.offset += 1 + rn(&w->rng, pg - 1);
		want = EINVAL;
	} else if (kind == 5) {		/* past the end */
		e.offset = bufsize + (uint64_t)rn(&w->rng, 64) * pg;
		want = EINVAL;
	}
	ret = ioctl(f->fd, MAPPER_IOC_EXPORT_DMABUF, &e) ? errno : 0;
	snprintf(what, sizeof(what), "MAPPER_IOC_EXPORT_DMABUF %#llx+%#llx",
		 (unsigned long long)e.offset, (unsigned long long)e.length);
	if (!EXPECT(w, OP_EXPORT, ret, what, want) || ret)
		return;
	if (!e.length)
		len = pages - off;
	fd = pass_fd(e.fd);
	close(e.fd);
	if (!EXPECT(w, OP_EXPORT, fd < 0 ? EBADF : 0, "passing a dma-buf", 0))
		return;
	{
		unsigned char *p = mmap(NULL, len * pg, PROT_READ, MAP_SHARED, fd, 0);
		struct dma_buf_sync sync = { DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ };

		if (EXPECT(w, OP_EXPORT, p == MAP_FAILED ? errno : 0, "mmap of a dma-buf", 0)) {
			EXPECT(w, OP_EXPORT, ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync) ? errno : 0,
			       "DMA_BUF_IOCTL_SYNC", 0);
			/* Its last page faults in (a SIGBUS would end the worker). */
			(void)*(volatile unsigned char *)(p + (len - 1) * pg);
			sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ;
			ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
			munmap(p, len * pg);
		}
	}
	close(fd);
}

static void op_ioctl(struct worker *w)
{
	struct fdrec *f = pick_fd(w, 0, 0, -1);
	unsigned char raw[sizeof(struct mapper_info) + 64];
	struct mapper_info *info = (void *)raw;
	int kind = rn(&w->rng, 9), ret, err;
	uint32_t argsz = sizeof(*info);
	char what[96];

	if (!f)
		return;
	memset(raw, 0xee, sizeof(raw));
	switch (kind) {
	case 0: case 1: case 2:	/* good, short (V1 and up) and oversized argsz */
		argsz = kind == 0 ? sizeof(*info) :
			kind == 1 ? MAPPER_INFO_SIZE_V1 + rn(&w->rng, sizeof(*info) - MAPPER_INFO_SIZE_V1) :
			sizeof(*info) + 1 + rn(&w->rng, 1U << 31);
		info->argsz = argsz;
		ret = ioctl(f->fd, MAPPER_IOC_INFO, raw);
		snprintf(what, sizeof(what), "MAPPER_IOC_INFO argsz %u", argsz);
		if (!EXPECT(w, OP_IOCTL, ret ? errno : 0, what, mapper_mode ? 0 : ENOTTY) ||
		    !mapper_mode)
			return;
		{
			size_t wrote = argsz < sizeof(*info) ? argsz : sizeof(*info);
			long mine = live_maps_of(w, f->dev);
			int bad = info->argsz != sizeof(*info) || info->version != MAPPER_INFO_VERSION ||
				  info->buf_size != bufsize || info->page_size != (uint32_t)pg ||
				  info->index != (uint32_t)f->dev || info->maps < (uint64_t)mine;

			for (size_t i = wrote; i < sizeof(raw); i++)
				bad |= raw[i] != 0xee;
			if (wrote >= offsetof(struct mapper_info, flags) + 8)
				bad |= !(info->flags & MAPPER_INFO_F_NOTIFY);
			if (bad)
				fail(w, CK_INFO, "%s: argsz %u version %u size %llu page %u index %u "
				     "maps %llu (own %ld), or wrote past argsz", what, info->argsz,
				     info->version, (unsigned long long)info->buf_size,
				     info->page_size, info->index,
				     (unsigned long long)info->maps, mine);
			else
				pass(w, CK_INFO);
		}
		return;
	case 3:	/* argsz too small: nothing written */
		argsz = rn(&w->rng, MAPPER_INFO_SIZE_V1);
		info->argsz = argsz;
		ret = ioctl(f->fd, MAPPER_IOC_INFO, raw);
		snprintf(what, sizeof(what), "MAPPER_IOC_INFO argsz %u", argsz);
		EXPECT(w, OP_IOCTL, ret ? errno : 0, what, mapper_mode ? EINVAL : ENOTTY);
		for (size_t i = 4; i < sizeof(raw); i++)
			if (raw[i] != 0xee) {
				fail(w, CK_INFO, "%s wrote to the structure", what);
				return;
			}
		pass(w, CK_INFO);
		return;
	case 4: {	/* pointers it cannot use */
		static const uintptr_t bad[] = { 0, 1, (uintptr_t)-4096L, 0xffff888000000000UL };
		int which = rn(&w->rng, 6);
		void *p;

		if (which < 4) {
			p = (void *)bad[which];
		} else if (which == 4) {	/* read-only memory */
			p = w->ro;
		} else {			/* the structure runs into PROT_NONE */
			p = w->edge + pg - 40;
			*(uint32_t *)p = sizeof(*info);
		}
		ret = ioctl(f->fd, MAPPER_IOC_INFO, p);
		snprintf(what, sizeof(what), "MAPPER_IOC_INFO at %p", p);
		EXPECT(w, OP_IOCTL, ret ? errno : 0, what, mapper_mode ? EFAULT : ENOTTY);
		return;
	}
	default: {	/* commands that are not ours, or ours with another size/direction */
		static const unsigned int types[] = { MAPPER_IOC_MAGIC, MAPPER_IOC_MAGIC,
						      0xd6, 0xee, 0x01, 0xff };
		unsigned int cmd;

		do {
			cmd = (unsigned int)rnd(&w->rng);
			cmd = (cmd & ~0xff00U) | types[rn(&w->rng, 6)] << 8;
		} while (cmd == MAPPER_IOC_INFO);
		info->argsz = argsz;
		err = ENOTTY;
		ret = ioctl(f->fd, cmd, rn(&w->rng, 2) ? (void *)raw : (void *)rnd(&w->rng));
		snprintf(what, sizeof(what), "command %#x", cmd);
		EXPECT(w, OP_IOCTL, ret ? errno : 0, what, err);
		return;
	}
	}
}

static void op_poll(struct worker *w)
{
	struct fdrec *f = pick_fd(w, 0, 0, -1);
	struct pollfd p;
	int ret;

	if (!f)
		return;
	p = (struct pollfd){ .fd = f->fd, .events = POLLIN | POLLOUT | POLLPRI };
	ret = poll(&p, 1, 0);
	EXPECT(w, OP_POLL, ret < 0 ? errno : 0, "POLLIN|POLLOUT|POLLPRI", 0);
	if (ret != 1 || p.revents != (POLLIN | POLLOUT))
		fail(w, CK_INFO, "poll: %d, revents %#x, expected POLLIN|POLLOUT", ret, p.revents);
	else
		pass(w, CK_INFO);
}

/* ---- buffers made at run time (the creators') ---------------------------- */

/* A published buffer: generation, index and pages in one word (0: none). */
static uint64_t dyn_word(uint32_t g, unsigned int index, unsigned long pages)
{
	return (uint64_t)g << 32 | (uint64_t)(index & 0xfffff) << 12 | (pages & 0xfff);
}

static uint32_t dyn_gen(uint64_t word) { return word >> 32; }
static int dyn_index(uint64_t word) { return (int)(word >> 12 & 0xfffff); }
static unsigned long dyn_pages(uint64_t word) { return word & 0xfff; }

/* Page @i of buffer @g of creator @cid: a header first, then tagged pages. */
static void dyn_page(unsigned char *p, uint32_t g, int cid, unsigned long i,
		     unsigned long pages, int index)
{
	uint64_t *q = (uint64_t *)p;

	if (i) {
		gen(p, (struct tag){ .seq = g, .page = i, .dev = 0x80 | cid, .w = 0xfe });
		return;
	}
	memset(p, 0, pg);
	q[0] = DYN_MAGIC;
	q[1] = g;
	q[2] = cid;
	q[3] = pages;
	q[4] = index;
}

/* Page @i as read through @p is what its creator wrote. */
static int dyn_same(struct worker *w, const unsigned char *p, uint32_t g, int cid,
		    unsigned long i, unsigned long pages, int index, const char *how)
{
	dyn_page(w->tmp2, g, cid, i, pages, index);
	if (!memcmp(p, w->tmp2, pg)) {
		pass(w, CK_DYN_CONTENT);
		return 1;
	}
	fail(w, CK_DYN_CONTENT, "buffer %u of creator %d (/dev/mapper%d): page %lu %s differs",
	     g, cid, index, i, how);
	return 0;
}

/* A held buffer's page @i, through the mapping and through pread(). */
static void dyn_check_page(struct worker *w, struct dynhold *h, unsigned long i)
{
	ssize_t n;

	dyn_same(w, h->map + i * pg, h->gen, h->cid, i, h->pages, h->index, "through a mapping");
	n = pread(h->fd, w->tmp, pg, (off_t)i * pg);
	if (n != pg) {
		fail(w, CK_DYN_CONTENT, "pread of page %lu of /dev/mapper%d (buffer %u): %zd (%s)",
		     i, h->index, h->gen, n, n < 0 ? errname(errno) : "short");
		return;
	}
	dyn_same(w, w->tmp, h->gen, h->cid, i, h->pages, h->index, "by read()");
}

/* No buffer made since @h was opened has its index (the old one is held). */
static void dyn_check_reuse(struct worker *w, struct dynhold *h)
{
	for (int c = 0; c < ncreators; c++)
		for (int k = 0; k < CSLOTS; k++) {
			uint64_t word = __atomic_load_n(&shm->dyn[c][k], __ATOMIC_ACQUIRE);

			if (word && dyn_index(word) == h->index && dyn_gen(word) > h->since) {
				fail(w, CK_DYN_REUSE, "/dev/mapper%d is buffer %u of creator %d, "
				     "made while buffer %u, removed or not, is still open here",
				     h->index, dyn_gen(word), c, h->gen);
				return;
			}
		}
	pass(w, CK_DYN_REUSE);
}

static void dyn_release(struct worker *w, struct dynhold *h)
{
	before_release(w);
	munmap(h->map, h->pages * pg);
	close(h->fd);
	h->fd = -1;
	w->held--;
}

/*
 * Open, check and hold a published buffer; or check one held (its content
 * and that its index was not given to another) and maybe let it go.
 */
static void op_dyn(struct worker *w)
{
	struct dynhold *h = &w->dh[rn(&w->rng, NDYN)];
	struct mapper_info info = { .argsz = sizeof(info) };
	int c = rn(&w->rng, ncreators), fd, index;
	unsigned long pages;
	uint64_t word, *hdr;
	char path[32];
	uint32_t g;
	ssize_t n;

	if (h->fd >= 0) {
		for (int i = 0; i < 2; i++)
			dyn_check_page(w, h, rn(&w->rng, h->pages));
		dyn_check_reuse(w, h);
		count(w, OP_DYN, 0);
		if (rn(&w->rng, 3) == 0)
			dyn_release(w, h);
		return;
	}
	word = __atomic_load_n(&shm->dyn[c][rn(&w->rng, CSLOTS)], __ATOMIC_ACQUIRE);
	if (!word)
		return;
	g = dyn_gen(word);
	index = dyn_index(word);
	pages = dyn_pages(word);
	snprintf(path, sizeof(path), "/dev/mapper%d", index);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	/* It may be gone by now, or being removed. */
	EXPECT(w, OP_DYN, fd < 0 ? errno : 0, path, 0, ENOENT, ENXIO, ENODEV);
	if (fd < 0)
		return;
	acquired(w, fd, 0, 0);
	n = pread(fd, w->tmp, pg, 0);
	hdr = (uint64_t *)w->tmp;
	if (n != pg || hdr[0] != DYN_MAGIC || hdr[1] != g || hdr[2] != (uint64_t)c) {
		/* Another buffer has the index by now: the next one's to check. */
		if (n != pg)
			fail(w, CK_DYN_CONTENT, "pread of %s: %zd (%s)", path, n,
			     n < 0 ? errname(errno) : "short");
		before_release(w);
		close(fd);
		w->held--;
		return;
	}
	if (hdr[3] != pages || hdr[4] != (uint64_t)index || ioctl(fd, MAPPER_IOC_INFO, &info) ||
	    info.buf_size != pages * pg || info.index != (uint32_t)index)
		fail(w, CK_DYN_CONTENT, "%s (buffer %u of creator %d): header says %llu pages at "
		     "index %llu, MAPPER_IOC_INFO %llu bytes at %u; published %lu pages", path, g, c,
		     (unsigned long long)hdr[3], (unsigned long long)hdr[4],
		     (unsigned long long)info.buf_size, info.index, pages);
	else
		pass(w, CK_DYN_CONTENT);
	*h = (struct dynhold){ .fd = fd, .pages = pages, .gen = g, .cid = c, .index = index,
			       .since = __atomic_load_n(&shm->dyngen, __ATOMIC_ACQUIRE) };
	h->map = mmap(NULL, pages * pg, PROT_READ, MAP_SHARED, fd, 0);
	EXPECT(w, OP_DYN, h->map == MAP_FAILED ? errno : 0, "mmap of a created buffer", 0);
	if (h->map == MAP_FAILED) {
		before_release(w);
		close(fd);
		h->fd = -1;
		w->held--;
		return;
	}
	dyn_check_page(w, h, rn(&w->rng, pages));
}

/* ---- the worker's life --------------------------------------------------- */

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	char line[160];
	int n;

	(void)uc;
	n = snprintf(line, sizeof(line), "FAIL worker %d: %s at %p during %s\n",
		     self ? self->id : -1, strsignal(sig), si->si_addr,
		     self ? op_name[self->cur] : "?");
	(void)!write(1, line, n);
	_exit(128 + sig);
}

static void worker_init(struct worker *w, int id)
{
	uint64_t s = seed ^ (0x1000193ULL * (id + 1));

	memset(w, 0, sizeof(*w));
	w->id = id;
	w->rng = splitmix(&s);
	w->st = &shm->st[id];
	for (int i = 0; i < NFD; i++)
		w->fds[i].fd = -1;
	for (int i = 0; i < NDYN; i++)
		w->dh[i].fd = -1;
	w->arena = mmap(NULL, NSLOT * SLOTP * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	w->ro = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	w->edge = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	w->tmp = malloc(2 * pg);
	w->tmp2 = malloc(pg);
	if (w->arena == MAP_FAILED || w->ro == MAP_FAILED || w->edge == MAP_FAILED ||
	    !w->tmp || !w->tmp2) {
		say("mapper_stress: worker %d: out of memory", id);
		exit(2);
	}
	*(uint32_t *)w->ro = sizeof(struct mapper_info);
	mprotect(w->ro, pg, PROT_READ);
	mprotect(w->edge + pg, pg, PROT_NONE);
}

/* First contact: own pages get a known version, through write(). */
static int worker_start(struct worker *w)
{
	for (int d = 0; d < ndev; d++) {
		int fd;

		while ((fd = open(devpath[d], O_RDWR | O_CLOEXEC)) < 0) {
			if (ldi(&shm->stop))
				return 0;
			usleep(1000);
		}
		w->fds[d] = (struct fdrec){ .fd = fd, .dev = d, .acc = O_RDWR };
		w->held++;
		for (unsigned long i = 0; i < per_worker; i++) {
			struct tag t = new_tag(w, d, own_base(w) + i);

			gen(w->tmp, t);
			if (pwrite(fd, w->tmp, pg, (off_t)(own_base(w) + i) * pg) != pg) {
				fail(w, CK_ERRNO, "initial pwrite: %s", errname(errno));
				return 0;
			}
			w->exp[d][i] = t;
			w->via[d][i] = VIA_WRITE;
		}
	}
	w->known = 1;
	return 1;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned int total = 0;

	self = w;
	for (int i = 0; i < OP_NR; i++)
		total += op_weight[i];
	if (!worker_start(w)) {
		release_all(w);
		return NULL;
	}
	while (!ldi(&shm->stop)) {
		unsigned int r;
		int op = 0;

		if (ldi(&shm->phase)) {		/* let go of everything for an unload */
			release_all(w);
			while (ldi(&shm->phase) && !ldi(&shm->stop)) {
				__atomic_store_n(&shm->ack[w->id], ld(&shm->qgen), __ATOMIC_RELEASE);
				usleep(2000);
			}
			continue;
		}
		r = rn(&w->rng, total);
		while (r >= op_weight[op])
			r -= op_weight[op++];
		w->cur = op;
		switch (op) {
		case OP_OPEN: op_open(w); break;
		case OP_CLOSE: op_close(w); break;
		case OP_MMAP: op_mmap(w); break;
		case OP_MMAP_BAD: op_mmap_bad(w); break;
		case OP_MUNMAP: op_munmap(w); break;
		case OP_MUNMAP_PART: op_munmap_part(w); break;
		case OP_MREMAP: op_mremap(w); break;
		case OP_MPROTECT: op_mprotect(w); break;
		case OP_MADVISE: op_madvise(w); break;
		case OP_TOUCH: op_touch(w); break;
		case OP_FORK: op_fork(w); break;
		case OP_READ: op_read(w); break;
		case OP_WRITE: op_write(w); break;
		case OP_LSEEK: op_lseek(w); break;
		case OP_IOCTL: op_ioctl(w); break;
		case OP_EXPORT: op_export(w); break;
		case OP_POLL: op_poll(w); break;
		case OP_DYN: op_dyn(w); break;
		}
		/* Now and then let go of everything, so an unload can win a race. */
		if (rn(&w->rng, 400) == 0)
			release_all(w);
	}
	release_all(w);
	pass(w, CK_WORKERS);
	return NULL;
}

static int worker_process(int first)
{
	pthread_t tid[MAXW];
	struct worker *ws = calloc(nthr, sizeof(*ws));
	struct sigaction sa = { .sa_sigaction = on_signal, .sa_flags = SA_SIGINFO };

	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	if (!ws)
		return 2;
	for (int t = 0; t < nthr; t++) {
		worker_init(&ws[t], first + t);
		if (pthread_create(&tid[t], NULL, worker_main, &ws[t])) {
			say("mapper_stress: pthread_create failed");
			return 2;
		}
	}
	for (int t = 0; t < nthr; t++)
		pthread_join(tid[t], NULL);
	return 0;
}

/* ---- the reloader --------------------------------------------------------- */

struct reloader {
	struct worker w;	/* for its stats, rng and buffers */
	double next_quiesce;
};

static int unload(void)
{
	return syscall(SYS_delete_module, "mapper", O_NONBLOCK) ? errno : 0;
}

static int load(void)
{
	int fd = open(module_path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0)
		return errno;
	err = syscall(SYS_finit_module, fd, module_params, 0) ? errno : 0;
	close(fd);
	return err;
}

static long sysfs_maps(int dev)
{
	char path[64], text[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/mapper/mapper%d/maps", dev);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(text, sizeof(text), f))
		text[0] = '\0';
	fclose(f);
	return strtol(text, NULL, 10);
}

static void reload_now(struct reloader *r)
{
	struct worker *w = &r->w;
	int err;

	__atomic_add_fetch(&shm->reloads, 1, __ATOMIC_RELEASE);
	usleep(rn(&w->rng, 20000));
	err = load();
	EXPECT(w, OP_INSMOD, err, module_params, 0);
}

/*
 * Everything let go of: total_bytes is the sum of the sizes of the buffers
 * there are, which are the load's (created ones are gone, detached ones freed).
 */
static void check_total(struct worker *w)
{
	long long total = -1, sum = 0;
	FILE *f = fopen("/sys/class/mapper/total_bytes", "r");
	int found = 0;

	if (f && fscanf(f, "%lld", &total) != 1)
		total = -1;
	if (f)
		fclose(f);
	for (int n = 0; n < 4096 && found < 64; n++) {
		char path[64];
		long long size = -1;

		snprintf(path, sizeof(path), "/sys/class/mapper/mapper%d/size", n);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%lld", &size) == 1)
			sum += size;
		fclose(f);
		found++;
	}
	if (total != sum)
		fail(w, CK_DYN_TOTAL, "total_bytes %lld with %d buffers of %lld bytes in all left",
		     total, found, sum);
	else
		pass(w, CK_DYN_TOTAL);
}

/* Ask every worker to let go, then unload (must work), reload, check zeroes. */
static void quiesce(struct reloader *r)
{
	struct worker *w = &r->w;
	unsigned long gen = __atomic_add_fetch(&shm->qgen, 1, __ATOMIC_ACQ_REL);
	double deadline = now() + 30;
	int err = 0, all;

	__atomic_store_n(&shm->phase, 1, __ATOMIC_RELEASE);
	do {
		all = 1;
		for (int p = 0; p < nproc; p++)	/* a dead process cannot answer */
			if (!wdone[p] && waitpid(wpid[p], &wstatus[p], WNOHANG) == wpid[p])
				wdone[p] = 1;
		for (int i = 0; i < nworkers; i++)
			all &= ld(&shm->ack[i]) == gen || wdone[i / nthr];
		for (int c = 0; c < ncreators; c++) {
			if (!cdone[c] && waitpid(cpid[c], &cstatus[c], WNOHANG) == cpid[c])
				cdone[c] = 1;
			all &= ld(&shm->ack[nworkers + c]) == gen || cdone[c];
		}
		if (!all)
			usleep(2000);
	} while (!all && now() < deadline);
	if (!all) {
		fail(w, CK_WORKERS, "workers did not let go within 30 s");
		goto out;
	}
	for (int d = 0; d < ndev; d++) {
		long maps = sysfs_maps(d);

		if (maps != 0)
			fail(w, CK_RMMOD_IDLE, "mapper%d: maps is %ld with nothing mapped", d, maps);
	}
	check_total(w);
	for (int tries = 0; tries < 300; tries++) {	/* 3 s for slow debug kernels */
		err = unload();
		count(w, OP_RMMOD, err);
		if (err != EAGAIN && err != EBUSY)
			break;
		usleep(10000);
	}
	if (err) {
		fail(w, CK_RMMOD_IDLE, "rmmod with nothing open or mapped: %s", errname(err));
		goto out;
	}
	if (access(devpath[0], F_OK) == 0 || access("/sys/class/mapper", F_OK) == 0)
		fail(w, CK_RMMOD_IDLE, "%s or /sys/class/mapper still there after rmmod", devpath[0]);
	else
		pass(w, CK_RMMOD_IDLE);
	if (rn(&w->rng, 2)) {
		/*
		 * Half of the time the workers run on while the devices are
		 * gone (their opens fail) and come back under them; each
		 * worker then finds its own pages zeroed.
		 */
		__atomic_add_fetch(&shm->reloads, 1, __ATOMIC_RELEASE);
		__atomic_store_n(&shm->phase, 0, __ATOMIC_RELEASE);
		usleep(20000 + rn(&w->rng, 180000));
		EXPECT(w, OP_INSMOD, load(), module_params, 0);
		return;
	}
	reload_now(r);
	for (int d = 0; d < ndev; d++) {
		int fd = open(devpath[d], O_RDONLY | O_CLOEXEC);
		unsigned char *buf = malloc(bufsize);
		size_t nz = 0;

		if (fd < 0 || !buf || pread(fd, buf, bufsize, 0) != (ssize_t)bufsize) {
			fail(w, CK_RELOAD_ZERO, "cannot read %s after the reload: %s", devpath[d],
			     errname(errno));
		} else {
			for (size_t i = 0; i < bufsize; i++)
				nz += buf[i] != 0;
			if (nz)
				fail(w, CK_RELOAD_ZERO, "%s: %zu non-zero bytes after the reload",
				     devpath[d], nz);
			else
				pass(w, CK_RELOAD_ZERO);
		}
		free(buf);
		if (fd >= 0)
			close(fd);
	}
out:
	__atomic_store_n(&shm->phase, 0, __ATOMIC_RELEASE);
}

/* One try at rmmod: while holding a file or a mapping (refused), or not. */
static void reloader_step(struct reloader *r)
{
	struct worker *w = &r->w;
	int kind = rn(&w->rng, 3), fd = -1, err;
	unsigned char *p = NULL;

	if (kind < 2) {
		fd = open(devpath[rn(&w->rng, ndev)], O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			fail(w, CK_ERRNO, "open while loaded: %s", errname(errno));
			return;
		}
		if (kind == 1) {	/* a mapping of the scratch page, the file closed */
			p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, bufsize - pg);
			close(fd);
			fd = -1;
			if (p == MAP_FAILED) {
				fail(w, CK_ERRNO, "mmap of the scratch page: %s", errname(errno));
				return;
			}
			p[rn(&w->rng, pg)]++;
		}
	}
	err = unload();
	if (kind < 2) {
		if (EXPECT(w, OP_RMMOD, err, kind ? "while mapped" : "while open", EAGAIN, EBUSY))
			pass(w, CK_RMMOD_BUSY);
		else
			failf(w->st, -1, CK_RMMOD_BUSY, "rmmod %s: %s", kind ? "while mapped" :
			      "while open", err ? errname(err) : "succeeded");
		if (p)
			p[rn(&w->rng, pg)]++;	/* still there */
		if (p)
			munmap(p, pg);
		if (fd >= 0)
			close(fd);
		if (!err)
			reload_now(r);
		return;
	}
	EXPECT(w, OP_RMMOD, err, "while workers run", 0, EAGAIN, EBUSY);
	if (!err)
		reload_now(r);
}

static void reloader_main(double end)
{
	struct reloader r;

	memset(&r, 0, sizeof(r));
	r.w.id = -1;
	r.w.rng = seed ^ 0x7265;
	r.w.st = &shm->st[MAXW];
	r.next_quiesce = now() + reload_every;
	while (now() < end) {
		usleep(20000 + rn(&r.w.rng, 130000));
		if (!reload)
			continue;
		if (now() >= r.next_quiesce) {
			quiesce(&r);
			r.next_quiesce = now() + reload_every;
		} else {
			reloader_step(&r);
		}
	}
}

/* ---- the creators ---------------------------------------------------------- */

enum { CS_FREE, CS_LIVE, CS_ZOMBIE };

/* One buffer of a creator: live (enabled, published) or a zombie (detached, held). */
struct cslot {
	int state;
	char name[32];
	uint32_t gen;
	int index;
	unsigned long pages;
	int fd;				/* the creator's own file, or -1 */
	unsigned char *map;		/* the creator's own mapping of it all, or NULL */
};

struct creator {
	struct worker w;		/* stats, rng and buffers; id -2 - cid */
	int cid;
	struct cslot s[CSLOTS];
};

static int cfs_set(const char *name, const char *attr, const char *text)
{
	char path[128];
	int fd, err = 0;

	snprintf(path, sizeof(path), CFS "/%s/%s", name, attr);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (write(fd, text, strlen(text)) < 0)
		err = errno;
	close(fd);
	return err;
}

static long cfs_get(const char *name, const char *attr)
{
	char path[128], text[32] = "";
	long v = -999;
	FILE *f;

	snprintf(path, sizeof(path), CFS "/%s/%s", name, attr);
	f = fopen(path, "r");
	if (f && fgets(text, sizeof(text), f))
		v = strtol(text, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

static int sysfs_name_is(int index, const char *name)
{
	char path[64], text[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/mapper/mapper%d/name", index);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(text, sizeof(text), f))
		text[0] = '\0';
	fclose(f);
	text[strcspn(text, "\n")] = '\0';
	return !strcmp(text, name);
}

static int index_present(int index)
{
	char dev[32], sys[64];

	snprintf(dev, sizeof(dev), "/dev/mapper%d", index);
	snprintf(sys, sizeof(sys), "/sys/class/mapper/mapper%d", index);
	return !access(dev, F_OK) || !access(sys, F_OK);
}

static void cr_unpublish(struct creator *cr, int k)
{
	__atomic_store_n(&shm->dyn[cr->cid][k], 0, __ATOMIC_RELEASE);
}

static void cr_drop_own(struct cslot *sl)
{
	if (sl->map)
		munmap(sl->map, sl->pages * pg);
	if (sl->fd >= 0)
		close(sl->fd);
	sl->map = NULL;
	sl->fd = -1;
}

/* mkdir, size, node, enable; then the content, then published. */
static void cr_create(struct creator *cr, int k)
{
	struct worker *w = &cr->w;
	struct cslot *sl = &cr->s[k];
	char path[128], text[32];
	int err, fd;

	sl->gen = (uint32_t)__atomic_add_fetch(&shm->dyngen, 1, __ATOMIC_ACQ_REL);
	sl->pages = 1 + rn(&w->rng, 64);
	snprintf(sl->name, sizeof(sl->name), "s%d-%u", cr->cid, sl->gen);
	snprintf(path, sizeof(path), CFS "/%s", sl->name);
	err = mkdir(path, 0755) ? errno : 0;
	/* With unloads, the module may be gone, coming or going. */
	if (reload)
		EXPECT(w, OP_CREATE, err, "mkdir", 0, ENOENT, EINVAL, EAGAIN, ENODEV);
	else
		EXPECT(w, OP_CREATE, err, "mkdir", 0);
	if (err == ENOENT)
		usleep(20000);	/* unloaded: wait for the reload rather than spin */
	if (err)
		return;
	snprintf(text, sizeof(text), "%lu", sl->pages * pg);
	err = cfs_set(sl->name, "size", text);
	if (!err && rn(&w->rng, 2))
		err = cfs_set(sl->name, "node", rn(&w->rng, 2) ? "0" : "-1");
	if (!err)
		err = cfs_set(sl->name, "enable", "1");
	/* Under pressure, mapper(4): an enable that MemAvailable cannot hold is ENOMEM. */
	if (pressure)
		EXPECT(w, OP_CREATE, err, "size, node and enable", 0, ENOMEM);
	else
		EXPECT(w, OP_CREATE, err, "size, node and enable", 0);
	if (err) {
		rmdir(path);
		return;
	}
	sl->index = (int)cfs_get(sl->name, "index");
	snprintf(text, sizeof(text), "/dev/mapper%d", sl->index);
	fd = open(text, O_RDWR | O_CLOEXEC);
	if (sl->index < 0 || fd < 0 || !sysfs_name_is(sl->index, sl->name) ||
	    sysfs_maps(sl->index) != 0) {
		fail(w, CK_DYN_LIFE, "%s enabled: index %d, %s %s, sysfs name %s", sl->name,
		     sl->index, text, fd < 0 ? errname(errno) : "opened",
		     sysfs_name_is(sl->index, sl->name) ? "right" : "wrong or missing");
		if (fd >= 0)
			close(fd);
		cfs_set(sl->name, "enable", "0");
		rmdir(path);
		return;
	}
	pass(w, CK_DYN_LIFE);
	for (unsigned long i = 0; i < sl->pages; i++) {
		dyn_page(w->tmp, sl->gen, cr->cid, i, sl->pages, sl->index);
		if (pwrite(fd, w->tmp, pg, (off_t)i * pg) != pg) {
			fail(w, CK_ERRNO, "pwrite of page %lu of %s: %s", i, text, errname(errno));
			break;
		}
	}
	sl->fd = fd;
	sl->map = NULL;
	sl->state = CS_LIVE;
	if (rn(&w->rng, 2))
		cr_drop_own(sl);
	__atomic_store_n(&shm->dyn[cr->cid][k], dyn_word(sl->gen, sl->index, sl->pages),
			 __ATOMIC_RELEASE);
}

/* After a removal: enable 0, index -1, and the name gone from sysfs. */
static void cr_check_gone(struct creator *cr, struct cslot *sl)
{
	struct worker *w = &cr->w;

	if (cfs_get(sl->name, "enable") != 0 || cfs_get(sl->name, "index") != -1 ||
	    sysfs_name_is(sl->index, sl->name))
		fail(w, CK_DYN_LIFE, "%s removed: enable %ld, index %ld, sysfs name %s", sl->name,
		     cfs_get(sl->name, "enable"), cfs_get(sl->name, "index"),
		     sysfs_name_is(sl->index, sl->name) ? "still there" : "gone");
	else
		pass(w, CK_DYN_LIFE);
}

static void cr_rmdir(struct creator *cr, struct cslot *sl)
{
	char path[128];

	snprintf(path, sizeof(path), CFS "/%s", sl->name);
	EXPECT(&cr->w, OP_RMDIR, rmdir(path) ? errno : 0, path, 0);
}

/* Strict removal: EBUSY while a worker holds it, then lazily. */
static void cr_remove(struct creator *cr, int k)
{
	struct worker *w = &cr->w;
	struct cslot *sl = &cr->s[k];
	int err;

	cr_unpublish(cr, k);
	cr_drop_own(sl);
	err = cfs_set(sl->name, "enable", "0");
	EXPECT(w, OP_REMOVE, err, "enable=0", 0, EBUSY);
	if (err == EBUSY)
		EXPECT(w, OP_DETACH, cfs_set(sl->name, "detach", "1"), "detach=1", 0);
	cr_check_gone(cr, sl);
	cr_rmdir(cr, sl);
	sl->state = CS_FREE;
}

/* The index stays taken while the creator holds the removed buffer. */
static void cr_zombie_check(struct creator *cr, struct cslot *sl, int all)
{
	struct worker *w = &cr->w;

	if (index_present(sl->index))
		fail(w, CK_DYN_REUSE, "/dev/mapper%d or its sysfs directory is there while "
		     "buffer %s, removed, is still %s here", sl->index, sl->name,
		     sl->fd >= 0 ? "open" : "mapped");
	else
		pass(w, CK_DYN_REUSE);
	for (unsigned long i = 0; i < sl->pages; i++) {
		if (!all && i && rn(&w->rng, 4))
			continue;
		dyn_same(w, sl->map + i * pg, sl->gen, cr->cid, i, sl->pages, sl->index,
			 "through the creator's mapping after detach");
	}
}

/* Lazy removal while the creator holds a mapping (and maybe its file). */
static void cr_detach_held(struct creator *cr, int k)
{
	struct worker *w = &cr->w;
	struct cslot *sl = &cr->s[k];
	char path[32];

	cr_unpublish(cr, k);
	snprintf(path, sizeof(path), "/dev/mapper%d", sl->index);
	if (sl->fd < 0)
		sl->fd = open(path, O_RDWR | O_CLOEXEC);
	if (sl->fd < 0) {
		fail(w, CK_ERRNO, "open of %s (%s, live): %s", path, sl->name, errname(errno));
		cr_remove(cr, k);
		return;
	}
	if (!sl->map) {
		sl->map = mmap(NULL, sl->pages * pg, PROT_READ, MAP_SHARED, sl->fd, 0);
		if (sl->map == MAP_FAILED) {
			fail(w, CK_ERRNO, "mmap of %s: %s", path, errname(errno));
			sl->map = NULL;
			cr_remove(cr, k);
			return;
		}
	}
	if (rn(&w->rng, 2)) {	/* the mapping alone keeps it */
		close(sl->fd);
		sl->fd = -1;
	}
	EXPECT(w, OP_DETACH, cfs_set(sl->name, "detach", "1"), "detach=1 while held", 0);
	cr_check_gone(cr, sl);
	cr_rmdir(cr, sl);
	sl->state = CS_ZOMBIE;
	cr_zombie_check(cr, sl, 1);
}

/* A strict removal under the creator's own mapping, its file closed: EBUSY. */
static void cr_busy(struct creator *cr, int k)
{
	struct worker *w = &cr->w;
	struct cslot *sl = &cr->s[k];
	char path[32];
	void *p;
	int fd;

	snprintf(path, sizeof(path), "/dev/mapper%d", sl->index);
	fd = sl->fd >= 0 ? sl->fd : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fail(w, CK_ERRNO, "open of %s (%s, live): %s", path, sl->name, errname(errno));
		return;
	}
	p = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0);
	if (fd != sl->fd)
		close(fd);
	if (p == MAP_FAILED) {
		fail(w, CK_ERRNO, "mmap of %s: %s", path, errname(errno));
		return;
	}
	if (EXPECT(w, OP_REMOVE, cfs_set(sl->name, "enable", "0"), "enable=0 while mapped", EBUSY))
		pass(w, CK_DYN_LIFE);
	else
		sl->state = CS_FREE;	/* removed under a mapping: reported */
	dyn_same(w, p, sl->gen, cr->cid, 0, sl->pages, sl->index, "after a refused removal");
	munmap(p, pg);
	if (sl->state == CS_FREE) {
		cr_unpublish(cr, k);
		cr_drop_own(sl);
		cr_rmdir(cr, sl);
	}
}

/* Everything of this creator gone: for a quiesce, and at the end. */
static void cr_release_all(struct creator *cr)
{
	for (int k = 0; k < CSLOTS; k++) {
		struct cslot *sl = &cr->s[k];

		if (sl->state == CS_LIVE)
			cr_remove(cr, k);
		cr_drop_own(sl);
		sl->state = CS_FREE;
	}
}

static void creator_main(int cid)
{
	struct creator *cr = calloc(1, sizeof(*cr));
	struct worker *w;

	if (!cr)
		exit(2);
	w = &cr->w;
	cr->cid = cid;
	w->id = -2 - cid;
	w->rng = seed ^ (0xc4ea7e5ULL * (cid + 1));
	w->st = &shm->st[MAXW + 1 + cid];
	w->tmp = malloc(2 * pg);
	w->tmp2 = malloc(pg);
	if (!w->tmp || !w->tmp2)
		exit(2);
	for (int k = 0; k < CSLOTS; k++)
		cr->s[k].fd = -1;
	while (!ldi(&shm->stop)) {
		int k = rn(&w->rng, CSLOTS), a = rn(&w->rng, 10);
		struct cslot *sl = &cr->s[k];

		if (ldi(&shm->phase)) {		/* let go of everything for an unload */
			cr_release_all(cr);
			while (ldi(&shm->phase) && !ldi(&shm->stop)) {
				__atomic_store_n(&shm->ack[nworkers + cid], ld(&shm->qgen),
						 __ATOMIC_RELEASE);
				usleep(2000);
			}
			continue;
		}
		if (sl->state == CS_FREE) {
			cr_create(cr, k);
		} else if (sl->state == CS_ZOMBIE) {
			cr_zombie_check(cr, sl, 0);
			if (a < 4) {
				cr_drop_own(sl);
				sl->state = CS_FREE;
			}
		} else if (a < 3) {
			cr_remove(cr, k);
		} else if (a < 5) {
			cr_detach_held(cr, k);
		} else if (a < 6) {
			cr_busy(cr, k);
		} else if (a < 8) {	/* the content stays while live */
			int fd = sl->fd >= 0 ? sl->fd : -1;
			char path[32];
			unsigned long i = rn(&w->rng, sl->pages);

			snprintf(path, sizeof(path), "/dev/mapper%d", sl->index);
			if (fd < 0)
				fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0 || pread(fd, w->tmp, pg, (off_t)i * pg) != pg)
				fail(w, CK_ERRNO, "read of live %s (%s): %s", path, sl->name,
				     errname(errno));
			else
				dyn_same(w, w->tmp, sl->gen, cid, i, sl->pages, sl->index,
					 "read by its creator");
			if (fd >= 0 && fd != sl->fd)
				close(fd);
		}
		usleep(500 + rn(&w->rng, 3000));
	}
	cr_release_all(cr);
	pass(w, CK_WORKERS);
	exit(0);
}

/* ---- setup and report ----------------------------------------------------- */

static void usage(int status)
{
	printf("usage: mapper_stress [--seconds N] [--seed N] [--workers P] [--threads T]\n"
	       "                     [--reload-every S] [--no-reload] [--module KO]\n"
	       "                     [--params STRING] [--creators C] [--memfd SIZE] [--pressure]\n"
	       "                     [--verbose]\n");
	exit(status);
}

static int setup_target(void)
{
	if (memfd_size) {	/* two sealed memfds stand in for the devices */
		mapper_mode = 0;
		reload = 0;
		for (int d = 0; d < ndev; d++) {
			int fd = memfd_create("mapper_stress", MFD_ALLOW_SEALING);

			if (fd < 0 || ftruncate(fd, memfd_size) ||
			    fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK)) {
				perror("memfd");
				return -1;
			}
			snprintf(devpath[d], sizeof(devpath[d]), "/proc/self/fd/%d", fd);
		}
		bufsize = memfd_size;
		return 0;
	}
	for (int d = 0; d < ndev; d++)
		snprintf(devpath[d], sizeof(devpath[d]), "/dev/mapper%d", d);
	{
		struct mapper_info info = { .argsz = sizeof(info) };
		int fd = open(devpath[0], O_RDONLY | O_CLOEXEC);

		if (fd < 0 && reload && (errno == ENOENT || errno == ENXIO)) {
			int err = load();

			if (err) {
				fprintf(stderr, "mapper_stress: cannot load %s: %s\n", module_path,
					strerror(err));
				return -1;
			}
			fd = open(devpath[0], O_RDONLY | O_CLOEXEC);
		}
		if (fd < 0 || ioctl(fd, MAPPER_IOC_INFO, &info)) {
			fprintf(stderr, "mapper_stress: %s: %s\n", devpath[0], strerror(errno));
			return -1;
		}
		close(fd);
		bufsize = info.buf_size;
		/* No dma-buf in this kernel (CONFIG_DMA_SHARED_BUFFER): no export. */
		if (!(info.flags & MAPPER_INFO_F_DMABUF))
			op_weight[OP_EXPORT] = 0;
		if (access(devpath[1], F_OK))
			ndev = 1;
	}
	return 0;
}

static void report(double took)
{
	struct stats sum;
	unsigned long total = 0;
	int passed = 0, failed = 0, notrun = 0;

	memset(&sum, 0, sizeof(sum));
	for (int i = 0; i < NST; i++)
		for (int o = 0; o < OP_NR; o++)
			for (int e = 0; e < NERR; e++)
				sum.ops[o][e] += shm->st[i].ops[o][e];
	for (int i = 0; i < NST; i++)
		for (int c = 0; c < CK_NR; c++) {
			sum.pass[c] += shm->st[i].pass[c];
			sum.fail[c] += shm->st[i].fail[c];
		}
	say("operations (count: result count ...):");
	for (int o = 0; o < OP_NR; o++) {
		char line[512];
		unsigned long n = 0;
		size_t len;

		for (int e = 0; e < NERR; e++)
			n += sum.ops[o][e];
		total += n;
		len = snprintf(line, sizeof(line), "  %-13s %9lu:", op_name[o], n);
		for (int e = 0; e < NERR && len < sizeof(line) - 32; e++)
			if (sum.ops[o][e])
				len += snprintf(line + len, sizeof(line) - len, " %s %lu",
						e == 0 ? "ok" : e == NERR - 1 ? "other" :
						errname(e), sum.ops[o][e]);
		say("%s", line);
	}
	say("  %-13s %9lu in %.0f s (%.0f/s), %lu unloads", "total", total, took,
	    total / (took > 0 ? took : 1), ld(&shm->reloads));
	say("checks (data and errno checks made: passed/failed):");
	for (int c = 0; c < CK_NR; c++) {
		const char *state;

		if (sum.fail[c]) {
			state = "not ok";
			failed++;
		} else if (sum.pass[c]) {
			state = "ok";
			passed++;
		} else {
			state = "ok";
			notrun++;
		}
		/* TAP, one line per check class: the harness counts them. */
		say("%s - stress: %s (%lu passed, %lu failed)%s", state, ck_name[c],
		    sum.pass[c], sum.fail[c], sum.pass[c] || sum.fail[c] ? "" : " # SKIP not run");
	}
	if (notrun)
		say("stress: %d check%s not run (not applicable here or never reached)", notrun,
		    notrun == 1 ? "" : "s");
	say("stress: %d passed, %d failed", passed, failed);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "workers", required_argument, NULL, 'w' },
		{ "threads", required_argument, NULL, 't' },
		{ "reload-every", required_argument, NULL, 'r' },
		{ "no-reload", no_argument, NULL, 'n' },
		{ "module", required_argument, NULL, 'm' },
		{ "params", required_argument, NULL, 'p' },
		{ "memfd", required_argument, NULL, 'f' },
		{ "creators", required_argument, NULL, 'c' },
		{ "pressure", no_argument, NULL, 'P' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int have_seed = 0, c, status = 0;
	double start, end;
	char *endp;

	while ((c = getopt_long(argc, argv, "s:S:w:t:r:nm:p:f:c:Pvh", opts, NULL)) != -1) {
		switch (c) {
		case 's': seconds = strtoul(optarg, NULL, 0); break;
		case 'S':
			seed = strtoull(optarg, &endp, 0);
			if (*endp || !*optarg)
				usage(2);
			have_seed = 1;
			break;
		case 'w': nproc = atoi(optarg); break;
		case 't': nthr = atoi(optarg); break;
		case 'r': reload_every = atof(optarg); break;
		case 'n': reload = 0; break;
		case 'm': module_path = optarg; break;
		case 'p': module_params = optarg; break;
		case 'f':
			memfd_size = strtoul(optarg, &endp, 0);
			memfd_size <<= *endp == 'K' ? 10 : *endp == 'M' ? 20 : *endp == 'G' ? 30 : 0;
			if (!memfd_size || memfd_size % sysconf(_SC_PAGESIZE))
				usage(2);
			break;
		case 'c':
			ncreators = strtol(optarg, &endp, 0);
			if (*endp || !*optarg || ncreators < 0 || ncreators > MAXC)
				usage(2);
			break;
		case 'P': pressure = 1; break;
		case 'v': verbose = 1; break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (optind != argc || nproc < 1 || nthr < 1 || nproc * nthr > MAXW || reload_every <= 0)
		usage(2);
	if (!have_seed) {
		int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

		if (fd < 0 || read(fd, &seed, sizeof(seed)) != sizeof(seed))
			seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
		if (fd >= 0)
			close(fd);
	}
	say("stress: seed %" PRIu64 " (rerun with --seed %" PRIu64 ")", seed, seed);
	setvbuf(stdout, NULL, _IONBF, 0);
	nworkers = nproc * nthr;
	pg = sysconf(_SC_PAGESIZE);
	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED || setup_target())
		return 2;
	if (ncreators < 0)
		ncreators = mapper_mode && !access(CFS, F_OK);
	if (ncreators && (!mapper_mode || access(CFS, F_OK))) {
		fprintf(stderr, "mapper_stress: --creators needs mapper's configfs (%s)\n", CFS);
		return 2;
	}
	if (!ncreators)
		op_weight[OP_DYN] = 0;
	npages = bufsize / pg;
	/* The last page is scratch; the rest is shared out among the workers. */
	per_worker = (npages - 1) / nworkers;
	if (per_worker > MAXOWN)
		per_worker = MAXOWN;
	if (per_worker < 2) {
		fprintf(stderr, "mapper_stress: %lu pages are too few for %d workers\n", npages,
			nworkers);
		return 2;
	}
	say("stress: %u s, %d processes x %d threads, %d device%s of %zu bytes, %lu pages each "
	    "per worker, %d creator%s, %s", seconds, nproc, nthr, ndev, ndev == 1 ? "" : "s",
	    bufsize, per_worker, ncreators, ncreators == 1 ? "" : "s",
	    reload ? "with unloads" : mapper_mode ? "no unloads" : "on memfds");
	if (verbose)
		say("stress: targets %s %s", devpath[0], ndev > 1 ? devpath[1] : "");

	start = now();
	end = start + seconds;
	for (int p = 0; p < nproc; p++) {
		wpid[p] = fork();
		if (wpid[p] < 0) {
			perror("fork");
			return 2;
		}
		if (wpid[p] == 0)
			_exit(worker_process(p * nthr));
	}
	for (int c2 = 0; c2 < ncreators; c2++) {
		cpid[c2] = fork();
		if (cpid[c2] < 0) {
			perror("fork");
			return 2;
		}
		if (cpid[c2] == 0)
			creator_main(c2);
	}
	reloader_main(end);
	__atomic_store_n(&shm->stop, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&shm->phase, 0, __ATOMIC_RELEASE);
	for (int p = 0; p < nproc; p++) {
		int st = wstatus[p];

		if ((!wdone[p] && waitpid(wpid[p], &st, 0) != wpid[p]) || !WIFEXITED(st) ||
		    WEXITSTATUS(st)) {
			failf(&shm->st[MAXW], -1, CK_WORKERS, "worker process %d %s %d", p,
			      WIFSIGNALED(st) ? "killed by signal" : "exited with",
			      WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
		}
	}
	for (int c2 = 0; c2 < ncreators; c2++) {
		int st = cstatus[c2];

		if ((!cdone[c2] && waitpid(cpid[c2], &st, 0) != cpid[c2]) || !WIFEXITED(st) ||
		    WEXITSTATUS(st)) {
			failf(&shm->st[MAXW], -1, CK_WORKERS, "creator process %d %s %d", c2,
			      WIFSIGNALED(st) ? "killed by signal" : "exited with",
			      WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
		}
	}
	if (ncreators) {
		struct worker fin = { .id = -1, .st = &shm->st[MAXW] };

		check_total(&fin);
		if (access(CFS, F_OK) == 0 && access(CFS "/.", F_OK) == 0) {
			int left = 0;
			DIR *d = opendir(CFS);
			struct dirent *e;

			while (d && (e = readdir(d)))
				left += e->d_name[0] != '.';
			if (d)
				closedir(d);
			if (left)
				failf(&shm->st[MAXW], -1, CK_DYN_LIFE,
				      "%d configfs items left after every creator ended", left);
		}
	}
	if (mapper_mode)
		for (int d = 0; d < ndev; d++) {
			long maps = sysfs_maps(d);

			if (maps)
				failf(&shm->st[MAXW], -1, CK_RMMOD_IDLE,
				      "mapper%d: maps is %ld after every worker ended", d, maps);
		}
	report(now() - start);
	for (int c2 = 0; c2 < CK_NR; c2++)
		for (int i = 0; i < NST; i++)
			if (shm->st[i].fail[c2])
				status = 1;
	return status;
}
