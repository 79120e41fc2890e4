/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What mapper-dump and mapperctl share: the size syntax, and reading the
 * module's sysfs tree.
 *
 * Every /sys, /dev and /etc path goes through sys_path(), which puts the
 * environment's MAPPER_SYSROOT in front of it in the test builds
 * (-DMAPPER_TEST_HOOKS): the host tests run the tools against a fake tree
 * there.  Other builds ignore it.  Messages show the path without it.
 */
#ifndef MAPPER_UTILS_COMMON_H
#define MAPPER_UTILS_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAPPER_CLASS	"/sys/class/mapper"
#define MAPPER_MODULE	"/sys/module/mapper"

/* --- sizes ----------------------------------------------------------------- */

enum size_err { SIZE_OK, SIZE_BAD, SIZE_NEGATIVE, SIZE_BIG };

/* How a size is written, for the messages of SIZE_BAD. */
#define SIZE_SYNTAX "give a decimal or 0x hex number with an optional " \
	"K, M, G, KiB, MiB or GiB suffix, e.g. 4096, 0x1000 or 4K"

/*
 * Decimal or 0x hex, then nothing or one of K M G KiB MiB GiB (powers of
 * 1024).  Anything else is refused: "1K" is never read as 1, and neither
 * blanks, a sign nor a second 0x are taken.
 */
enum size_err size_parse(const char *s, uint64_t *v);

/* "64 MiB", "1.5 GiB", "512 bytes" into @buf. */
const char *size_human(uint64_t n, char *buf, size_t len);

/* The same in one word, for tables: "64M", "1.5G", "512B". */
const char *size_short(uint64_t n, char *buf, size_t len);

/* --- the sysfs tree -------------------------------------------------------- */

/*
 * MAPPER_SYSROOT and the formatted path, in @buf (PATH_MAX bytes); a path
 * too long for it is returned empty, which no open() finds.
 */
__attribute__((format(printf, 2, 3)))
const char *sys_path(char *buf, const char *fmt, ...);

/* MAPPER_SYSROOT, "" when unset (always, without MAPPER_TEST_HOOKS). */
const char *sys_root(void);

bool sys_module_loaded(void);

/*
 * The first line of the attribute file @path (already through sys_path()),
 * without its newline.  0, or an errno; EINVAL for an empty file, a line
 * too long for @buf or a NUL byte.
 */
int sys_read_line(const char *path, char *buf, size_t len);

/* /sys/class/mapper/mapper@n/@attr as a number or a string; false if absent. */
bool sys_attr_u64(unsigned int n, const char *attr, uint64_t *v);
bool sys_attr_i64(unsigned int n, const char *attr, int64_t *v);
bool sys_attr_str(unsigned int n, const char *attr, char *buf, size_t len);

/*
 * The indexes N of the entries mapperN (canonical decimal) in the directory
 * @dir (a path as the user sees it), sorted; *out is malloc()ed, NULL when
 * there are none.  Returns how many, or (size_t)-1 when memory ran out.
 */
size_t sys_indexes(const char *dir, unsigned int **out);

#endif
