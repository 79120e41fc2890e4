/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mapper-dump output formats: hexdump -C, xxd, xxd -p, xxd -i and raw.
 *
 * Formatters write into one large output buffer that is flushed with big
 * write() calls.  They never flush by themselves: the caller feeds at most
 * DUMP_CHUNK input bytes at a time and calls out_maybe_flush() in between.
 * out_init() sizes the buffer from the format in use: OUT_FLUSH_AT plus the
 * most one chunk can produce at any offset (fmt_out_max()), and fmt_feed()
 * checks that much is free before it writes.
 */
#ifndef MAPPER_DUMP_FORMAT_H
#define MAPPER_DUMP_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DUMP_CHUNK	(32u << 10)	/* input bytes per fmt_feed() at most */
#define OUT_FLUSH_AT	(256u << 10)	/* flush once this much is buffered */
#define FMT_LINE_MAX	(16u << 10)	/* one fmt_line() at most */
#define MAX_COLS	256

struct out {
	int fd;
	size_t len;
	size_t cap;		/* size of buf */
	char *buf;
};

enum dump_mode { MODE_CANONICAL, MODE_XXD, MODE_PLAIN, MODE_INCLUDE, MODE_RAW };

struct fmt {
	enum dump_mode mode;
	unsigned int cols;	/* bytes per line (16 in canonical mode) */
	unsigned int group;	/* xxd: bytes per group */
	bool squeeze;		/* canonical: '*' for repeated blocks */
	const char *name;	/* include: C variable name, or NULL */
	uint64_t offset;	/* display offset of the next input byte */
	uint64_t total;		/* bytes formatted so far */
	/* canonical squeezing, carried across chunks */
	unsigned char prev[16];
	bool have_prev;
	bool starred;
};

/* A buffer for the output of @f, whose mode, cols and group are final. */
void out_init(struct out *o, int fd, const struct fmt *f);
void out_flush(struct out *o);
static inline void out_maybe_flush(struct out *o)
{
	if (o->len >= OUT_FLUSH_AT)
		out_flush(o);
}

/*
 * Picks the SSSE3 canonical formatter where the CPU has it, else the scalar
 * one; @limit "0" or "scalar" forces the scalar one (for tests).  (An AVX2
 * two-lines-per-step variant measured slower than SSSE3 on AMD EPYC.)
 */
void fmt_select_cpu(const char *limit);
const char *fmt_cpu_path(void);

/* Bytes per line: each fmt_feed() but the last must be a multiple of it. */
unsigned int fmt_width(const struct fmt *f);
/* The most one fmt_feed() of @n bytes writes, whatever the offset and data. */
size_t fmt_out_max(const struct fmt *f, size_t n);
void fmt_begin(struct fmt *f, struct out *o);
void fmt_feed(struct fmt *f, struct out *o, const unsigned char *p, size_t n);
void fmt_end(struct fmt *f, struct out *o);

/*
 * One canonical or xxd line for --watch: bytes that differ from @old are
 * wrapped in the colour escapes @on/@off (both NULL: no highlighting).
 * Returns the end of what was written: at most FMT_LINE_MAX while @on and
 * @off have 24 bytes between them at most.
 */
char *fmt_line(const struct fmt *f, char *d, uint64_t off,
	       const unsigned char *p, size_t n, const unsigned char *old,
	       const char *on, const char *off_esc);

#endif
