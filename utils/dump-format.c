// SPDX-License-Identifier: GPL-2.0
/*
 * mapper-dump output formats.
 *
 * Canonical mode (hexdump -C) is the hot path: a full 16-byte line is built
 * either by 256-entry lookup tables or, where the CPU has SSSE3, by nibble
 * shuffles that place the hex digits, separators and ASCII column of a whole
 * line with five 16-byte stores.  The shuffle masks are derived at start-up
 * from the same line layout the scalar code writes, and both paths are
 * checked byte for byte against hexdump -C by the tests.
 */
#include "dump-format.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HAVE_X86_SIMD 1
#endif

static const char hexdig[16] = "0123456789abcdef";
static char hexpair[256][2];
static char printable[256];	/* the byte itself, or '.' */

/*
 * A canonical line after its offset:
 * "  xx xx xx xx xx xx xx xx  xx xx xx xx xx xx xx xx  |................|\n"
 */
#define CANON_BODY	71
#define CANON_HEX(i)	((i) < 8 ? 2 + 3 * (i) : 3 + 3 * (i))
#define CANON_BAR	52
#define CANON_ASCII	53
#define CANON_STORE	80	/* bytes line16_ssse3() stores */
static char canon_tmpl[CANON_STORE];

/* --- output buffer ------------------------------------------------------ */

void out_init(struct out *o, int fd, const struct fmt *f)
{
	size_t most = fmt_out_max(f, DUMP_CHUNK);

	o->fd = fd;
	o->len = 0;
	/* Filled below OUT_FLUSH_AT, then one feed or one fmt_line(). */
	o->cap = OUT_FLUSH_AT + (most > FMT_LINE_MAX ? most : FMT_LINE_MAX);
	o->buf = malloc(o->cap);
	if (!o->buf) {
		fprintf(stderr, "mapper-dump: out of memory for a %zu KiB output buffer\n",
			o->cap >> 10);
		exit(1);
	}
}

void out_flush(struct out *o)
{
	size_t done = 0;

	while (done < o->len) {
		ssize_t w = write(o->fd, o->buf + done, o->len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			fprintf(stderr, "mapper-dump: writing the output failed: %s%s\n",
				strerror(errno), errno == ENOSPC ?
				"; free some space on the output's file system" : "");
			exit(1);
		}
		done += (size_t)w;
	}
	o->len = 0;
}

/* Appends any amount, flushing as needed (for headers and names). */
static void out_write(struct out *o, const char *s, size_t n)
{
	while (n) {
		size_t room = o->cap - o->len, k = n < room ? n : room;

		memcpy(o->buf + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
		if (n)
			out_flush(o);
	}
}

/* --- pieces shared by all line layouts ---------------------------------- */

/* "%08llx": 8 hex digits, more from 4 GiB on, OFF_MAX at most. */
#define OFF_MAX		16
static inline char *put_off(char *d, uint64_t off)
{
	if (!(off >> 32)) {
		memcpy(d, hexpair[off >> 24], 2);
		memcpy(d + 2, hexpair[(off >> 16) & 0xff], 2);
		memcpy(d + 4, hexpair[(off >> 8) & 0xff], 2);
		memcpy(d + 6, hexpair[off & 0xff], 2);
		return d + 8;
	}
	int digits = (64 - __builtin_clzll(off) + 3) / 4;

	for (int i = digits - 1; i >= 0; i--, off >>= 4)
		d[i] = hexdig[off & 15];
	return d + digits;
}

static inline char *put_str(char *d, const char *s)
{
	size_t n = strlen(s);

	memcpy(d, s, n);
	return d + n;
}

/* A byte's text @t of length @n, highlighted when it differs from @old. */
static inline char *put_hl(char *d, const char *t, size_t n, bool hl,
			   const char *on, const char *off)
{
	if (hl)
		d = put_str(d, on);
	memcpy(d, t, n);
	d += n;
	if (hl)
		d = put_str(d, off);
	return d;
}

/* --- canonical: hexdump -C ---------------------------------------------- */

static char *canon_line(char *d, uint64_t off, const unsigned char *p, size_t n,
			const unsigned char *old, const char *on, const char *offe)
{
	d = put_off(d, off);
	*d++ = ' ';
	for (size_t i = 0; i < 16; i++) {
		if (i == 8)
			*d++ = ' ';
		*d++ = ' ';
		if (i < n) {
			d = put_hl(d, hexpair[p[i]], 2, old && on && p[i] != old[i], on, offe);
		} else {
			*d++ = ' ';
			*d++ = ' ';
		}
	}
	*d++ = ' ';
	*d++ = ' ';
	*d++ = '|';
	for (size_t i = 0; i < n; i++)
		d = put_hl(d, &printable[p[i]], 1, old && on && p[i] != old[i], on, offe);
	*d++ = '|';
	*d++ = '\n';
	return d;
}

static inline char *line16_scalar(char *d, const unsigned char *p)
{
	memcpy(d, canon_tmpl, CANON_BODY);
	for (int i = 0; i < 16; i++) {
		memcpy(d + CANON_HEX(i), hexpair[p[i]], 2);
		d[CANON_ASCII + i] = printable[p[i]];
	}
	return d + CANON_BODY;
}

#ifdef HAVE_X86_SIMD
/*
 * For each of the five 16-byte stores that make up a line body: where each
 * output byte comes from.  Shuffle indexes into the hex digits of bytes 0-7
 * (a), of bytes 8-15 (b) and into the ASCII column (c); 0x80 selects zero,
 * and k holds the fixed spaces, bars and newline.
 */
static unsigned char mask_a[CANON_STORE] __attribute__((aligned(16)));
static unsigned char mask_b[CANON_STORE] __attribute__((aligned(16)));
static unsigned char mask_c[CANON_STORE] __attribute__((aligned(16)));
static unsigned char mask_k[CANON_STORE] __attribute__((aligned(16)));

static void simd_masks_init(void)
{
	memset(mask_a, 0x80, sizeof(mask_a));
	memset(mask_b, 0x80, sizeof(mask_b));
	memset(mask_c, 0x80, sizeof(mask_c));
	memcpy(mask_k, canon_tmpl, sizeof(mask_k));
	for (int i = 0; i < 16; i++) {
		unsigned char *m = i < 8 ? mask_a : mask_b;
		int j = CANON_HEX(i);

		m[j] = (unsigned char)(2 * (i & 7));
		m[j + 1] = (unsigned char)(2 * (i & 7) + 1);
		mask_k[j] = mask_k[j + 1] = 0;
		mask_c[CANON_ASCII + i] = (unsigned char)i;
		mask_k[CANON_ASCII + i] = 0;
	}
	/* The stores below use only the sources a chunk needs: check it. */
	for (int j = 0; j < CANON_STORE; j++) {
		int chunk = j / 16;

		if ((mask_a[j] != 0x80 && chunk > 1) ||
		    (mask_b[j] != 0x80 && (chunk < 1 || chunk > 3)) ||
		    (mask_c[j] != 0x80 && chunk < 3))
			abort();
	}
}

#define LD(m, k)	_mm_load_si128((const __m128i *)((m) + 16 * (k)))

__attribute__((target("ssse3"), always_inline))
static inline char *line16_ssse3(char *d, const unsigned char *p)
{
	const __m128i v = _mm_loadu_si128((const __m128i *)p);
	const __m128i lut = _mm_loadu_si128((const __m128i *)hexdig);
	const __m128i nib = _mm_set1_epi8(0x0f);
	__m128i hi = _mm_shuffle_epi8(lut, _mm_and_si128(_mm_srli_epi16(v, 4), nib));
	__m128i lo = _mm_shuffle_epi8(lut, _mm_and_si128(v, nib));
	__m128i a = _mm_unpacklo_epi8(hi, lo);
	__m128i b = _mm_unpackhi_epi8(hi, lo);
	/* printable: 0x20 <= byte < 0x7f; as signed bytes, > 0x1f and != 0x7f */
	__m128i ok = _mm_andnot_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)),
				      _mm_cmpgt_epi8(v, _mm_set1_epi8(0x1f)));
	__m128i c = _mm_or_si128(_mm_and_si128(ok, v),
				 _mm_andnot_si128(ok, _mm_set1_epi8('.')));

	_mm_storeu_si128((__m128i *)d,
			 _mm_or_si128(_mm_shuffle_epi8(a, LD(mask_a, 0)), LD(mask_k, 0)));
	_mm_storeu_si128((__m128i *)(d + 16),
			 _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(a, LD(mask_a, 1)),
						   _mm_shuffle_epi8(b, LD(mask_b, 1))),
				      LD(mask_k, 1)));
	_mm_storeu_si128((__m128i *)(d + 32),
			 _mm_or_si128(_mm_shuffle_epi8(b, LD(mask_b, 2)), LD(mask_k, 2)));
	_mm_storeu_si128((__m128i *)(d + 48),
			 _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(b, LD(mask_b, 3)),
						   _mm_shuffle_epi8(c, LD(mask_c, 3))),
				      LD(mask_k, 3)));
	_mm_storeu_si128((__m128i *)(d + 64),
			 _mm_or_si128(_mm_shuffle_epi8(c, LD(mask_c, 4)), LD(mask_k, 4)));
	return d + CANON_BODY;
}

#endif

/*
 * Full 16-byte lines with squeezing.  Squeezing compares raw blocks: a block
 * equal to the one before it is not printed, the first of a run prints '*'.
 * The SIMD path stores CANON_STORE bytes for a line of CANON_BODY: its last
 * line writes CANON_STORE - CANON_BODY bytes past the end (fmt_out_max()).
 */
#define CANON_FULL(NAME, LINE, ATTR)						\
ATTR static char *NAME(struct fmt *f, char *d, const unsigned char *p,		\
		       size_t full)						\
{										\
	const unsigned char *prev = f->have_prev ? f->prev : NULL;		\
	uint64_t off = f->offset;						\
										\
	for (size_t i = 0; i < full; i += 16, off += 16) {			\
		const unsigned char *q = p + i;					\
										\
		if (f->squeeze && prev && !memcmp(q, prev, 16)) {		\
			if (!f->starred) {					\
				*d++ = '*';					\
				*d++ = '\n';					\
				f->starred = true;				\
			}							\
		} else {							\
			f->starred = false;					\
			d = put_off(d, off);					\
			d = LINE(d, q);						\
		}								\
		prev = q;							\
	}									\
	if (full) {								\
		memcpy(f->prev, p + full - 16, 16);				\
		f->have_prev = true;						\
	}									\
	return d;								\
}

CANON_FULL(canon_full_scalar, line16_scalar, )
#ifdef HAVE_X86_SIMD
CANON_FULL(canon_full_ssse3, line16_ssse3, __attribute__((target("ssse3"))))
#endif

static char *(*canon_full)(struct fmt *, char *, const unsigned char *, size_t) =
	canon_full_scalar;
static const char *cpu_path = "scalar";

static void canon_feed(struct fmt *f, struct out *o, const unsigned char *p, size_t n)
{
	size_t full = n & ~(size_t)15;
	char *d = canon_full(f, o->buf + o->len, p, full);

	if (n > full) {
		/* A partial block is only ever last, and never squeezed. */
		d = canon_line(d, f->offset + full, p + full, n - full, NULL, NULL, NULL);
		f->starred = false;
	}
	o->len = (size_t)(d - o->buf);
}

/* --- xxd ---------------------------------------------------------------- */

static char *xxd_line(const struct fmt *f, char *d, uint64_t off,
		      const unsigned char *p, size_t n, const unsigned char *old,
		      const char *on, const char *offe)
{
	unsigned int g = f->group ? f->group : f->cols;

	d = put_off(d, off);
	*d++ = ':';
	*d++ = ' ';
	for (size_t i = 0; i < f->cols; i++) {
		if (i < n) {
			d = put_hl(d, hexpair[p[i]], 2, old && on && p[i] != old[i], on, offe);
		} else {
			*d++ = ' ';
			*d++ = ' ';
		}
		if ((i + 1) % g == 0 || i + 1 == f->cols)
			*d++ = ' ';
	}
	*d++ = ' ';
	for (size_t i = 0; i < n; i++)
		d = put_hl(d, &printable[p[i]], 1, old && on && p[i] != old[i], on, offe);
	*d++ = '\n';
	return d;
}

static void xxd_feed(struct fmt *f, struct out *o, const unsigned char *p, size_t n)
{
	char *d = o->buf + o->len;
	uint64_t off = f->offset;

	for (size_t i = 0; i < n; i += f->cols, off += f->cols) {
		size_t k = n - i < f->cols ? n - i : f->cols;

		d = xxd_line(f, d, off, p + i, k, NULL, NULL, NULL);
	}
	o->len = (size_t)(d - o->buf);
}

/* --- xxd -p ------------------------------------------------------------- */

static void plain_feed(struct fmt *f, struct out *o, const unsigned char *p, size_t n)
{
	char *d = o->buf + o->len;

	for (size_t i = 0; i < n; i++) {
		memcpy(d, hexpair[p[i]], 2);
		d += 2;
		if ((i + 1) % f->cols == 0 || i + 1 == n)
			*d++ = '\n';
	}
	o->len = (size_t)(d - o->buf);
}

/* --- xxd -i ------------------------------------------------------------- */

static void include_feed(struct fmt *f, struct out *o, const unsigned char *p, size_t n)
{
	char *d = o->buf + o->len;
	uint64_t t = f->total;

	for (size_t i = 0; i < n; i++, t++) {
		if (!t) {
			memcpy(d, "  0x", 4);
		} else if (t % f->cols == 0) {
			memcpy(d, ",\n  0x", 6);
			d += 2;
		} else {
			memcpy(d, ", 0x", 4);
		}
		memcpy(d + 4, hexpair[p[i]], 2);
		d += 6;
	}
	o->len = (size_t)(d - o->buf);
}

/* --- the interface ------------------------------------------------------ */

void fmt_select_cpu(const char *limit)
{
	for (int i = 0; i < 256; i++) {
		hexpair[i][0] = hexdig[i >> 4];
		hexpair[i][1] = hexdig[i & 15];
		printable[i] = i >= 0x20 && i < 0x7f ? (char)i : '.';
	}
	memset(canon_tmpl, ' ', sizeof(canon_tmpl));
	canon_tmpl[CANON_BAR] = '|';
	canon_tmpl[CANON_ASCII + 16] = '|';
	canon_tmpl[CANON_ASCII + 17] = '\n';
	memset(canon_tmpl + CANON_BODY, 0, sizeof(canon_tmpl) - CANON_BODY);

	canon_full = canon_full_scalar;
	cpu_path = "scalar";
#ifdef HAVE_X86_SIMD
	simd_masks_init();
	__builtin_cpu_init();
	bool scalar = limit && (!strcmp(limit, "0") || !strcmp(limit, "scalar"));

	if (!scalar && __builtin_cpu_supports("ssse3")) {
		canon_full = canon_full_ssse3;
		cpu_path = "ssse3";
	}
#else
	(void)limit;
#endif
}

const char *fmt_cpu_path(void)
{
	return cpu_path;
}

unsigned int fmt_width(const struct fmt *f)
{
	switch (f->mode) {
	case MODE_CANONICAL:
		return 16;
	case MODE_RAW:
		return 1;
	default:
		return f->cols;
	}
}

/* The longest line of @f, including what is written past its end. */
static size_t line_max(const struct fmt *f)
{
	unsigned int g = f->group ? f->group : f->cols;

	switch (f->mode) {
	case MODE_CANONICAL:
		/* The offset, then what the SIMD path stores; a '*' line is 2. */
		return OFF_MAX + CANON_STORE;
	case MODE_XXD:
		/* "offset: ", 2 hex digits and 1 ASCII a byte, a space a group, ' ', '\n' */
		return OFF_MAX + 2 + 3 * f->cols + (f->cols + g - 1) / g + 2;
	case MODE_PLAIN:
		return 2 * f->cols + 1;
	case MODE_INCLUDE:
		/* ",\n  0xNN" then ", 0xNN" for the others */
		return 6 * f->cols + 2;
	case MODE_RAW:
		break;
	}
	return 1;
}

size_t fmt_out_max(const struct fmt *f, size_t n)
{
	unsigned int w = fmt_width(f);

	return (n / w + (n % w != 0)) * line_max(f);
}

void fmt_begin(struct fmt *f, struct out *o)
{
	f->total = 0;
	f->have_prev = false;
	f->starred = false;
	if (f->mode == MODE_INCLUDE && f->name) {
		out_write(o, "unsigned char ", 14);
		out_write(o, f->name, strlen(f->name));
		out_write(o, "[] = {\n", 7);
	}
}

void fmt_feed(struct fmt *f, struct out *o, const unsigned char *p, size_t n)
{
	size_t most = fmt_out_max(f, n), start = o->len;

	/* Never past the buffer, whatever a caller does: it must flush first. */
	if (most > o->cap - o->len)
		abort();
	switch (f->mode) {
	case MODE_CANONICAL:
		canon_feed(f, o, p, n);
		break;
	case MODE_XXD:
		xxd_feed(f, o, p, n);
		break;
	case MODE_PLAIN:
		plain_feed(f, o, p, n);
		break;
	case MODE_INCLUDE:
		include_feed(f, o, p, n);
		break;
	case MODE_RAW:
		memcpy(o->buf + o->len, p, n);
		o->len += n;
		break;
	}
	/* fmt_out_max() is an upper bound: the tests run it at the extremes. */
	if (o->len - start > most)
		abort();
	f->offset += n;
	f->total += n;
}

void fmt_end(struct fmt *f, struct out *o)
{
	char line[64];
	int k;

	switch (f->mode) {
	case MODE_CANONICAL:
		/* The end offset, also after a '*'; nothing at all at offset 0. */
		if (f->offset) {
			k = snprintf(line, sizeof(line), "%08llx\n",
				     (unsigned long long)f->offset);
			out_write(o, line, (size_t)k);
		}
		break;
	case MODE_INCLUDE:
		if (f->total)
			out_write(o, "\n", 1);
		if (f->name) {
			out_write(o, "};\nunsigned int ", 16);
			out_write(o, f->name, strlen(f->name));
			k = snprintf(line, sizeof(line), "_len = %llu;\n",
				     (unsigned long long)f->total);
			out_write(o, line, (size_t)k);
		}
		break;
	default:
		break;
	}
}

char *fmt_line(const struct fmt *f, char *d, uint64_t off,
	       const unsigned char *p, size_t n, const unsigned char *old,
	       const char *on, const char *off_esc)
{
	if (f->mode == MODE_XXD)
		return xxd_line(f, d, off, p, n, old, on, off_esc);
	return canon_line(d, off, p, n, old, on, off_esc);
}
