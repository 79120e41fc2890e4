// SPDX-License-Identifier: GPL-2.0
/*
 * dma-buf export (issue #16, MAPPER_IOC_EXPORT_DMABUF) with importers
 * nobody here wrote: Debian's own vgem (DRM: PRIME import, implicit fences)
 * and vivid (V4L2: capture into V4L2_MEMORY_DMABUF buffers, with its vmalloc
 * and its dma-contig allocator), besides the dma-buf's own mmap and
 * DMA_BUF_IOCTL_SYNC, in this process and in another that received the fd
 * over a Unix socket (SCM_RIGHTS). Bad input, every errno of the ioctl;
 * O_CLOEXEC; the lifetimes: an export holds the buffer (strict removal
 * EBUSY, lazy removal leaves it working), its cache mode and the module;
 * sysfs exports, dma_maps and maps, debugfs dma_buf/bufinfo.
 *
 * Runs as root in a VM with vgem and vivid loaded (dmabuf.sh: make
 * check-dmabuf and the matrix's VMs, mk/dmabuf.mk), vivid with one video
 * capture node (DMABUF_VIVID, its module options, default
 * "n_devs=1 node_types=0x1"); mapper loaded (devices=0), configfs and
 * debugfs mounted. Each test starts and ends with no configfs item. An
 * importer's tests fail where it is missing and DMABUF_IMPORTERS names it
 * (those VMs load it), and say SKIP elsewhere (check.sh runs dmabuf.sh
 * wherever it finds either).
 *
 * vivid's test pattern is static here (a fixed pattern, no on-screen text,
 * no movement), so every frame it delivers is the same: the frames captured
 * into its own V4L2_MEMORY_MMAP buffers are the reference for those it
 * writes into mapper's dma-bufs.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/videodev2.h>
#include <drm/drm.h>
#include <drm/drm_mode.h>
#include <drm/vgem_drm.h>

#include "kselftest_harness.h"
#include "ctl_util.h"
#include "maint_util.h"
#include "mapper.h"

#define DEBUGFS		"/sys/kernel/debug"
#define BUFINFO		DEBUGFS "/dma_buf/bufinfo"
#define DMA_MAPS	DEBUGFS "/mapper/dma_maps"
#define MAPPER_DUMP	"/bin/mapper-dump"
#define VIVID_KO	"/lib/modules/vivid.ko"
#define VIVID_DEFAULT	"n_devs=1 node_types=0x1"

/* The capture: vivid's webcam input in a fixed format. */
#define CAP_W		640
#define CAP_H		360
#define CAP_BUFS	4	/* v4l2 buffers: one export each */
#define CAP_MMAP_FRAMES	6
#define CAP_DMA_FRAMES	(2 * CAP_BUFS)	/* each dma-buf filled twice */

static long page;

/* ---- exports ----------------------------------------------------------- */

/* MAPPER_IOC_EXPORT_DMABUF: the new fd, or -errno. */
static int export(int fd, unsigned int flags, uint64_t off, uint64_t len)
{
	struct mapper_export_dmabuf e = {
		.argsz = sizeof(e), .flags = flags, .offset = off, .length = len, .fd = -1,
	};

	if (ioctl(fd, MAPPER_IOC_EXPORT_DMABUF, &e))
		return -errno;
	return e.fd;
}

/* Whole-buffer read-write export with @argsz and the bytes past 32 as given. */
static int export_argsz(int fd, uint32_t argsz, size_t nonzero_at)
{
	/* Two of the largest pages (64 KiB): argsz goes up to a page and past. */
	static unsigned char arg[2 * 65536] __attribute__((aligned(8)));
	struct mapper_export_dmabuf *e = (void *)arg;
	int ret;

	memset(arg, 0, sizeof(arg));
	e->argsz = argsz;
	e->flags = O_RDWR;
	e->fd = -1;
	if (nonzero_at)
		arg[nonzero_at] = 1;
	ret = ioctl(fd, MAPPER_IOC_EXPORT_DMABUF, arg) ? -errno : e->fd;
	return ret;
}

static int dsync(int fd, uint64_t flags)
{
	struct dma_buf_sync s = { .flags = flags };
	int ret;

	do
		ret = ioctl(fd, DMA_BUF_IOCTL_SYNC, &s);
	while (ret && (errno == EINTR || errno == EAGAIN));
	return ret ? -errno : 0;
}

static int fd_count(void)
{
	return dir_count("/proc/self/fd", "");
}

static ino_t ino_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

/*
 * debugfs dma_buf/bufinfo's line of the dma-buf with inode @ino: its size
 * and exporter name; 1 if there is one. Its columns: size, flags, mode,
 * count, exp_name, ino, name (5.10 to 7.x).
 */
static int bufinfo(ino_t ino, unsigned long long *size, char *exp, size_t explen)
{
	char line[512];
	FILE *f = fopen(BUFINFO, "r");
	int found = 0;

	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f)) {
		char *col[8], *save = NULL, *t;
		int n = 0;

		for (t = strtok_r(line, "\t\n", &save); t && n < 8; t = strtok_r(NULL, "\t\n", &save))
			col[n++] = t;
		if (n < 6 || !isdigit((unsigned char)col[0][0]))
			continue;
		if (strtoull(col[5], NULL, 10) != (unsigned long long)ino)
			continue;
		*size = strtoull(col[0], NULL, 10);
		snprintf(exp, explen, "%s", col[4]);
		found = 1;
	}
	fclose(f);
	return found;
}

/*
 * How many devices bufinfo lists as attached to the dma-buf with inode
 * @ino (its "Total N devices attached" line); -1 if it has no such dma-buf.
 */
static int bufinfo_attached(ino_t ino)
{
	char line[512];
	FILE *f = fopen(BUFINFO, "r");
	int in = 0, n = -1;

	if (!f)
		return -1;
	while (n < 0 && fgets(line, sizeof(line), f)) {
		char *col[8], *save = NULL, *t;
		int k = 0;

		if (in && sscanf(line, "Total %d devices attached", &n) == 1)
			break;
		for (t = strtok_r(line, "\t\n", &save); t && k < 8; t = strtok_r(NULL, "\t\n", &save))
			col[k++] = t;
		if (k >= 6 && isdigit((unsigned char)col[0][0]))
			in = strtoull(col[5], NULL, 10) == (unsigned long long)ino;
	}
	fclose(f);
	return n;
}

/* The value of "@key:" in /proc/self/fdinfo/@fd, "" if none. */
static void fdinfo(int fd, const char *key, char *out, size_t len)
{
	char path[64], line[256];
	size_t n = strlen(key);
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':') {
			char *v = line + n + 1;

			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = '\0';
			snprintf(out, len, "%s", v);
			break;
		}
	fclose(f);
}

/* debugfs mapper/dma_maps lines of buffer @name: how many, the last in @out. */
static int dma_maps_lines(const char *name, char *out, size_t len)
{
	char line[512];
	size_t n = strlen(name);
	FILE *f = fopen(DMA_MAPS, "r");
	int count = 0;

	out[0] = '\0';
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, n) && line[n] == ' ') {
			line[strcspn(line, "\n")] = '\0';
			snprintf(out, len, "%s", line);
			count++;
		}
	fclose(f);
	return count;
}

/* ---- buffers ----------------------------------------------------------- */

/* tbuf_make() in ctl_util.h, with a cache mode */
static int mbuf_make(struct tbuf *b, const char *name, size_t size, int contiguous,
		     const char *cache)
{
	return tbuf_make(b, name, size, contiguous, "cache", cache);
}

/* Whether this kernel and architecture have the wc/uc modes: a page tried. */
static int cache_modes_supported(void)
{
	struct tbuf b;

	if (mbuf_make(&b, "modeprobe", 4096, 0, "wc"))
		return 0;
	tbuf_free(&b);
	return 1;
}

static long long maps_of(struct tbuf *b)
{
	return dev_ll(b->index, "maps");
}

/* Bytes of @p equal to pat(@base + i, @seed): 1 if all are. */
static int pat_at(const unsigned char *p, size_t len, size_t base, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != pat(base + i, seed))
			return 0;
	return 1;
}

static void pat_fill_at(unsigned char *p, size_t len, size_t base, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = pat(base + i, seed);
}

/* ---- passing a file descriptor ------------------------------------------ */

static int send_fd(int sock, int fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	char c = 'F';
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;

	memset(&u, 0, sizeof(u));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

static int recv_fd(int sock)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* ---- vgem (DRM) ----------------------------------------------------------- */

static int drm_ioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do
		ret = ioctl(fd, req, arg);
	while (ret && (errno == EINTR || errno == EAGAIN));
	return ret ? -errno : 0;
}

/* The card of the DRM driver "vgem" (DRM_IOCTL_VERSION), open; -ENOENT if none. */
static int vgem_open(char *path, size_t len)
{
	for (int i = 0; i < 64; i++) {
		struct drm_version v;
		char name[64] = "";
		int fd;

		snprintf(path, len, "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(&v, 0, sizeof(v));
		v.name = name;
		v.name_len = sizeof(name) - 1;
		if (!drm_ioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(name, "vgem"))
			return fd;
		close(fd);
	}
	return -ENOENT;
}

/*
 * Whether this kernel's vgem maps a dma-buf for its device when it imports
 * it (drm_gem_shmem_prime_import_sg_table: Debian's 5.10 to 6.12), or only
 * attaches it (drm_gem_shmem_prime_import_no_map: Debian's 7.2 and 7.3, seen
 * in nm -u of their vgem.ko), never to map it: vgem has no hardware to use
 * it. Where it does not map, mapper's rules for device mappings are not
 * asked; vivid's dma-contig capture asks them on every kernel.
 */
static int vgem_maps_at_import(void)
{
	struct utsname u;
	int major = 0;

	return !uname(&u) && sscanf(u.release, "%d", &major) == 1 && major < 7;
}

static int prime_import(int card, int dmabuf, uint32_t *handle)
{
	struct drm_prime_handle p = { .fd = dmabuf };
	int ret = drm_ioctl(card, DRM_IOCTL_PRIME_FD_TO_HANDLE, &p);

	*handle = ret ? 0 : p.handle;
	return ret;
}

static int prime_export(int card, uint32_t handle)
{
	struct drm_prime_handle p = { .handle = handle, .flags = DRM_CLOEXEC | DRM_RDWR, .fd = -1 };
	int ret = drm_ioctl(card, DRM_IOCTL_PRIME_HANDLE_TO_FD, &p);

	return ret ? ret : p.fd;
}

static int gem_close(int card, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	return drm_ioctl(card, DRM_IOCTL_GEM_CLOSE, &c);
}

/* ---- vivid (V4L2) --------------------------------------------------------- */

static int vivid_open(char *path, size_t len);

static int v4l2(int fd, unsigned long req, void *arg)
{
	int ret;

	do
		ret = ioctl(fd, req, arg);
	while (ret && errno == EINTR);
	return ret ? -errno : 0;
}

/* The video capture node of the driver "vivid" (VIDIOC_QUERYCAP), open. */
static int vivid_open(char *path, size_t len)
{
	for (int i = 0; i < 64; i++) {
		struct v4l2_capability cap;
		int fd;

		snprintf(path, len, "/dev/video%d", i);
		fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(&cap, 0, sizeof(cap));
		if (!v4l2(fd, VIDIOC_QUERYCAP, &cap) && !strcmp((char *)cap.driver, "vivid") &&
		    (cap.device_caps & V4L2_CAP_VIDEO_CAPTURE))
			return fd;
		close(fd);
	}
	return -ENOENT;
}

static const char *vivid_params(void)
{
	const char *p = getenv("DMABUF_VIVID");

	return p && *p ? p : VIVID_DEFAULT;
}

/* vivid reloaded with its VM options and @more (e.g. "allocators=1"). */
static int vivid_reload(const char *more)
{
	char params[256];
	int ret;

	snprintf(params, sizeof(params), "%s %s", vivid_params(), more);
	if (exists("/sys/module/vivid") &&
	    syscall(SYS_delete_module, "vivid", O_NONBLOCK))
		return -errno;
	ret = load_ko(VIVID_KO, params);
	return ret;
}

/* A control found by its name (VIDIOC_QUERYCTRL, V4L2_CTRL_FLAG_NEXT_CTRL). */
static int ctrl_find(int fd, const char *name, struct v4l2_queryctrl *q)
{
	memset(q, 0, sizeof(*q));
	q->id = V4L2_CTRL_FLAG_NEXT_CTRL;
	while (!v4l2(fd, VIDIOC_QUERYCTRL, q)) {
		if (!strcmp((char *)q->name, name))
			return 0;
		q->id |= V4L2_CTRL_FLAG_NEXT_CTRL;
	}
	return -ENOENT;
}

/*
 * Sets control @name to menu item @item (or to @value if @item is NULL),
 * read back: 0, -ENOENT if there is no such control or item, or -errno.
 */
static int ctrl_set(int fd, const char *name, const char *item, int value)
{
	struct v4l2_queryctrl q;
	struct v4l2_control c;
	int ret = ctrl_find(fd, name, &q);

	if (ret)
		return ret;
	if (item) {
		int found = 0;

		for (int i = q.minimum; i <= q.maximum && !found; i++) {
			struct v4l2_querymenu m = { .id = q.id, .index = i };

			if (!v4l2(fd, VIDIOC_QUERYMENU, &m) && !strcmp((char *)m.name, item)) {
				value = i;
				found = 1;
			}
		}
		if (!found)
			return -ENOENT;
	}
	c.id = q.id;
	c.value = value;
	ret = v4l2(fd, VIDIOC_S_CTRL, &c);
	if (ret)
		return ret;
	c.value = !value;
	ret = v4l2(fd, VIDIOC_G_CTRL, &c);
	return ret ? ret : c.value == value ? 0 : -EIO;
}

/* A control that may not exist on this kernel's vivid, set where it does. */
#define OPT_CTRL(fd, name, item, value) do { \
	int __r = ctrl_set((fd), (name), (item), (value)); \
	EXPECT_TRUE(!__r || __r == -ENOENT) { \
		TH_LOG("vivid control '%s': %s", (name), strerror(-__r)); \
	} \
} while (0)

struct cap {
	int fd;
	char path[32];
	struct v4l2_pix_format pix;
};

/*
 * vivid's node found and set up: webcam input 0, CAP_W x CAP_H YUYV
 * progressive, a static test pattern without text or movement.
 */
static void cap_setup(struct __test_metadata *_metadata, struct cap *c)
{
	struct v4l2_format f = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	int input = 0;

	c->fd = vivid_open(c->path, sizeof(c->path));
	ASSERT_LE(0, c->fd) {
		TH_LOG("no video capture node of vivid (load vivid %s)", vivid_params());
	}
	ASSERT_EQ(0, v4l2(c->fd, VIDIOC_S_INPUT, &input));
	f.fmt.pix.width = CAP_W;
	f.fmt.pix.height = CAP_H;
	f.fmt.pix.pixelformat = V4L2_PIX_FMT_YUYV;
	f.fmt.pix.field = V4L2_FIELD_NONE;
	ASSERT_EQ(0, v4l2(c->fd, VIDIOC_S_FMT, &f));
	ASSERT_EQ(CAP_W, f.fmt.pix.width);
	ASSERT_EQ(CAP_H, f.fmt.pix.height);
	ASSERT_EQ(V4L2_PIX_FMT_YUYV, f.fmt.pix.pixelformat);
	ASSERT_EQ(V4L2_FIELD_NONE, f.fmt.pix.field);
	ASSERT_LE(CAP_W * 2 * CAP_H, f.fmt.pix.sizeimage);
	c->pix = f.fmt.pix;
	/* These two make the frames static; the rest are defaults, made sure of. */
	ASSERT_EQ(0, ctrl_set(c->fd, "OSD Text Mode", "None", 0));
	ASSERT_EQ(0, ctrl_set(c->fd, "Test Pattern", "100% Color Squares", 0));
	OPT_CTRL(c->fd, "Horizontal Movement", "No Movement", 0);
	OPT_CTRL(c->fd, "Vertical Movement", "No Movement", 0);
	OPT_CTRL(c->fd, "Show Border", NULL, 0);
	OPT_CTRL(c->fd, "Show Square", NULL, 0);
	OPT_CTRL(c->fd, "Insert SAV Code in Image", NULL, 0);
	OPT_CTRL(c->fd, "Insert EAV Code in Image", NULL, 0);
	OPT_CTRL(c->fd, "Fill Percentage of Frame", NULL, 100);
	OPT_CTRL(c->fd, "Percentage of Dropped Buffers", NULL, 0);
}

static int reqbufs(int fd, unsigned int memory, unsigned int count, uint32_t *caps)
{
	struct v4l2_requestbuffers rb = {
		.count = count, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = memory,
	};
	int ret = v4l2(fd, VIDIOC_REQBUFS, &rb);

	if (caps)
		*caps = rb.capabilities;
	return ret ? ret : (int)rb.count;
}

/* Buffer @index queued with the dma-buf @fd of @len bytes: 0 or -errno. */
static int qbuf_dmabuf(int fd, unsigned int index, int dmabuf, size_t len)
{
	struct v4l2_buffer vb = {
		.index = index, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_DMABUF,
		.length = len,
	};

	vb.m.fd = dmabuf;
	return v4l2(fd, VIDIOC_QBUF, &vb);
}

/* The next filled buffer (up to 20 s): 0 or -errno; -ETIMEDOUT. */
static int dqbuf(int fd, unsigned int memory, struct v4l2_buffer *b)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	memset(b, 0, sizeof(*b));
	b->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	b->memory = memory;
	if (poll(&p, 1, 20000) != 1)
		return -ETIMEDOUT;
	return v4l2(fd, VIDIOC_DQBUF, b);
}

static int stream(int fd, int on)
{
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;

	return v4l2(fd, on ? VIDIOC_STREAMON : VIDIOC_STREAMOFF, &type);
}

/*
 * CAP_MMAP_FRAMES frames into vivid's own buffers (V4L2_MEMORY_MMAP): the
 * first in @ref (pix.sizeimage bytes); every other frame must be the same.
 */
static void capture_mmap(struct __test_metadata *_metadata, struct cap *c, unsigned char *ref)
{
	void *map[CAP_BUFS];
	size_t maplen[CAP_BUFS];
	int n, differ = 0;

	n = reqbufs(c->fd, V4L2_MEMORY_MMAP, CAP_BUFS, NULL);
	ASSERT_EQ(CAP_BUFS, n);
	for (int i = 0; i < n; i++) {
		struct v4l2_buffer b = {
			.index = i, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP,
		};

		ASSERT_EQ(0, v4l2(c->fd, VIDIOC_QUERYBUF, &b));
		ASSERT_LE(c->pix.sizeimage, b.length);
		maplen[i] = b.length;
		map[i] = mmap(NULL, b.length, PROT_READ, MAP_SHARED, c->fd, b.m.offset);
		ASSERT_NE(MAP_FAILED, map[i]);
		ASSERT_EQ(0, v4l2(c->fd, VIDIOC_QBUF, &b));
	}
	ASSERT_EQ(0, stream(c->fd, 1));
	for (int f = 0; f < CAP_MMAP_FRAMES; f++) {
		struct v4l2_buffer b;

		ASSERT_EQ(0, dqbuf(c->fd, V4L2_MEMORY_MMAP, &b));
		ASSERT_EQ(c->pix.sizeimage, b.bytesused);
		ASSERT_FALSE(b.flags & V4L2_BUF_FLAG_ERROR);
		if (!f)
			memcpy(ref, map[b.index], c->pix.sizeimage);
		else if (memcmp(ref, map[b.index], c->pix.sizeimage))
			differ++;
		ASSERT_EQ(0, v4l2(c->fd, VIDIOC_QBUF, &b));
	}
	EXPECT_EQ(0, differ) {
		TH_LOG("%d of %d frames differ from the first: the pattern is not static",
		       differ, CAP_MMAP_FRAMES - 1);
	}
	ASSERT_EQ(0, stream(c->fd, 0));
	for (int i = 0; i < n; i++)
		munmap(map[i], maplen[i]);
	ASSERT_EQ(0, reqbufs(c->fd, V4L2_MEMORY_MMAP, 0, NULL));
	/* Not all one colour: a frame to tell from another. */
	EXPECT_NE(0, memcmp(ref, ref + c->pix.sizeimage / 2, c->pix.sizeimage / 4));
}

/* hexdump -C (and mapper-dump's canonical format) of @n bytes at offset @start. */
static void hexdump_c(char *out, size_t len, const unsigned char *p, size_t n,
		      unsigned long long start)
{
	size_t o = 0;
	int star = 0;

	for (size_t i = 0; i < n; i += 16) {
		size_t m = n - i < 16 ? n - i : 16;

		if (i && m == 16 && !memcmp(p + i, p + i - 16, 16)) {
			if (!star)
				o += snprintf(out + o, len - o, "*\n");
			star = 1;
			continue;
		}
		star = 0;
		o += snprintf(out + o, len - o, "%08llx  ", start + i);
		for (size_t k = 0; k < 16; k++) {
			if (k < m)
				o += snprintf(out + o, len - o, "%02x ", p[i + k]);
			else
				o += snprintf(out + o, len - o, "   ");
			if (k == 7)
				o += snprintf(out + o, len - o, " ");
		}
		o += snprintf(out + o, len - o, " |");
		for (size_t k = 0; k < m; k++)
			o += snprintf(out + o, len - o, "%c", isprint(p[i + k]) ? p[i + k] : '.');
		o += snprintf(out + o, len - o, "|\n");
	}
	snprintf(out + o, len - o, "%08llx\n", start + n);
}

/* mapper-dump -s @off -n 64 of /dev/mapperN prints @want's 64 bytes there. */
static void dump_shows(struct __test_metadata *_metadata, struct tbuf *b, size_t off,
		       const unsigned char *want)
{
	char dev[32], skip[32], expect[1024];
	struct run r;

	snprintf(dev, sizeof(dev), "/dev/mapper%d", b->index);
	snprintf(skip, sizeof(skip), "%zu", off);
	hexdump_c(expect, sizeof(expect), want, 64, off);
	ASSERT_EQ(0, run_argv(&r, NULL, 0, (const char *const[]){ MAPPER_DUMP, "-s", skip, "-n", "64",
								  dev, NULL }));
	EXPECT_EQ(0, r.status) {
		TH_LOG("mapper-dump: %s", r.err);
	}
	EXPECT_STREQ(expect, r.out);
}

/*
 * CAP_DMA_FRAMES frames into exports of one mapper buffer (@b), one per v4l2
 * buffer at @off[i]: each frame lands there, equal to @ref, and nothing of
 * the buffer around the frames changes (it was filled with 0xaa); then the
 * same in mapper-dump's output. @dma_maps: the device mappings expected
 * while all are queued (-1: not checked). Closes the exports.
 */
static void capture_dmabuf(struct __test_metadata *_metadata, struct cap *c, struct tbuf *b,
			   const size_t *off, size_t len, const unsigned char *ref, int dma_maps)
{
	int efd[CAP_BUFS], filled[CAP_BUFS] = { 0 };
	const size_t size = c->pix.sizeimage;
	uint32_t caps = 0;
	char line[512];

	memset(b->p, 0xaa, b->size);
	for (int i = 0; i < CAP_BUFS; i++) {
		efd[i] = export(b->fd, O_RDWR | O_CLOEXEC, off[i], len);
		ASSERT_LE(0, efd[i]);
	}
	ASSERT_EQ(CAP_BUFS, dev_ll(b->index, "exports"));
	ASSERT_EQ(CAP_BUFS, reqbufs(c->fd, V4L2_MEMORY_DMABUF, CAP_BUFS, &caps));
	EXPECT_TRUE(caps & V4L2_BUF_CAP_SUPPORTS_DMABUF);
	for (int i = 0; i < CAP_BUFS; i++) {
		struct v4l2_buffer vb = {
			.index = i, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_DMABUF,
			.length = len,
		};

		vb.m.fd = efd[i];
		ASSERT_EQ(0, v4l2(c->fd, VIDIOC_QBUF, &vb));
	}
	if (dma_maps >= 0) {
		EXPECT_EQ(dma_maps, dev_ll(b->index, "dma_maps"));
		EXPECT_EQ(dma_maps, dma_maps_lines(b->name, line, sizeof(line)));
		TH_LOG("queued: %s", line);
	}
	ASSERT_EQ(0, stream(c->fd, 1));
	for (int f = 0; f < CAP_DMA_FRAMES; f++) {
		struct v4l2_buffer vb;
		int i;

		ASSERT_EQ(0, dqbuf(c->fd, V4L2_MEMORY_DMABUF, &vb));
		i = vb.index;
		ASSERT_LT(i, CAP_BUFS);
		ASSERT_EQ(efd[i], vb.m.fd);
		ASSERT_EQ(size, vb.bytesused);
		ASSERT_FALSE(vb.flags & V4L2_BUF_FLAG_ERROR);
		/* The frame, in /dev/mapperN's own mapping at the export's offset. */
		EXPECT_EQ(0, memcmp(b->p + off[i], ref, size)) {
			size_t k = 0;

			while (k < size && b->p[off[i] + k] == ref[k])
				k++;
			TH_LOG("frame %d (buffer %d at %#zx): byte %zu is %#x, vivid's MMAP frame has %#x",
			       f, i, off[i], k, b->p[off[i] + k], ref[k]);
		}
		filled[i]++;
		vb.length = len;
		vb.m.fd = efd[i];
		ASSERT_EQ(0, v4l2(c->fd, VIDIOC_QBUF, &vb));
	}
	ASSERT_EQ(0, stream(c->fd, 0));
	for (int i = 0; i < CAP_BUFS; i++)
		EXPECT_LE(1, filled[i]);

	/* Outside the frames: the filler, untouched. */
	for (size_t at = 0, i = 0; at < b->size; at++) {
		if (i < CAP_BUFS && at == off[i]) {
			at += size - 1;
			i++;
			continue;
		}
		if (b->p[at] != 0xaa) {
			EXPECT_EQ(0xaa, b->p[at]) {
				TH_LOG("byte %#zx outside the frames changed", at);
			}
			break;
		}
	}
	/* read() and mapper-dump see the frames too. */
	for (int i = 0; i < CAP_BUFS; i++) {
		unsigned char got[4096];

		ASSERT_EQ(sizeof(got), pread(b->fd, got, sizeof(got), off[i] + size / 2));
		EXPECT_EQ(0, memcmp(got, ref + size / 2, sizeof(got)));
	}
	dump_shows(_metadata, b, off[0], ref);
	dump_shows(_metadata, b, off[CAP_BUFS - 1] + size / 2 / 16 * 16, ref + size / 2 / 16 * 16);

	/* vb2 holds the dma-bufs until its buffers go. */
	for (int i = 0; i < CAP_BUFS; i++)
		close(efd[i]);
	EXPECT_EQ(CAP_BUFS, dev_ll(b->index, "exports"));
	ASSERT_EQ(0, reqbufs(c->fd, V4L2_MEMORY_DMABUF, 0, NULL));
	EXPECT_EQ(0, dev_ll(b->index, "exports"));
	EXPECT_EQ(0, dev_ll(b->index, "dma_maps"));
}

/* ---- importers this VM has ---------------------------------------------- */

/* Whether DMABUF_IMPORTERS (words) names @name: this VM must have it. */
static int required(const char *name)
{
	const char *r = getenv("DMABUF_IMPORTERS");
	size_t n = strlen(name);

	while (r && *r) {
		r += strspn(r, " ");
		if (!strncmp(r, name, n) && (r[n] == ' ' || !r[n]))
			return 1;
		r += strcspn(r, " ");
	}
	return 0;
}

static int vgem_here(void)
{
	char path[32];
	int fd = vgem_open(path, sizeof(path));

	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

static int vivid_here(void)
{
	char path[32];
	int fd = vivid_open(path, sizeof(path));

	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

/* The test needs @importer (@here): it fails where required, SKIPs elsewhere. */
#define NEED(importer, here) do { \
	if (!(here)) { \
		ASSERT_FALSE(required(importer)) { \
			TH_LOG("no %s in this VM, which DMABUF_IMPORTERS says it has", importer); \
		} \
		SKIP(return, "no %s in this VM", importer); \
	} \
} while (0)

/* ---- the fixture --------------------------------------------------------- */

FIXTURE(dmabuf) {
	int video;		/* vivid's node, closed before vivid is reloaded */
	int reloaded;		/* vivid reloaded with other options */
};

FIXTURE_SETUP(dmabuf)
{
	page = sysconf(_SC_PAGESIZE);
	self->video = -1;
	if (!loaded())
		ASSERT_EQ(0, load("devices=0"));
	ASSERT_EQ(0, configfs_mount());
	if (!exists(DEBUGFS "/dma_buf"))
		mount("none", DEBUGFS, "debugfs", 0, NULL);
	ASSERT_TRUE(exists(BUFINFO)) {
		TH_LOG("no %s: debugfs not mounted", BUFINFO);
	}
	cfs_cleanup();
}

FIXTURE_TEARDOWN(dmabuf)
{
	/* a cache maintenance test that failed half-way: its probes off */
	if (exists(TRACING "/events/" PROBES))
		maint_probes(0);
	if (self->video >= 0)
		close(self->video);
	if (self->reloaded)
		vivid_reload("");
	cfs_cleanup();
	if (!loaded())
		load("devices=0");
}

/* ---- 1. export basics and bad input ---------------------------------------- */

TEST_F(dmabuf, bad_flags_ranges_and_sizes_are_refused_and_make_nothing)
{
	struct mapper_export_dmabuf e, *at;
	const uint64_t pmask = ~(uint64_t)(page - 1);
	char line[256];
	struct tbuf b;
	int fds, ro, fd, kmsg = kmsg_open();
	unsigned char *two;

	ASSERT_LE(0, kmsg);
	ASSERT_EQ(0, mbuf_make(&b, "bad", 4 * MIB, 0, NULL));
	fds = fd_count();

	/* flags: O_RDONLY or O_RDWR, and O_CLOEXEC; nothing else */
	EXPECT_EQ(-EINVAL, export(b.fd, O_WRONLY, 0, 0));
	EXPECT_EQ(-EINVAL, export(b.fd, O_ACCMODE, 0, 0));
	EXPECT_EQ(-EINVAL, export(b.fd, O_WRONLY | O_CLOEXEC, 0, 0));
	EXPECT_EQ(-EINVAL, export(b.fd, O_RDWR | O_NONBLOCK, 0, 0));
	EXPECT_EQ(-EINVAL, export(b.fd, O_RDWR | O_APPEND, 0, 0));
	EXPECT_EQ(-EINVAL, export(b.fd, O_RDONLY | O_SYNC, 0, 0));
	EXPECT_EQ(-EINVAL, export(b.fd, O_RDWR | 0x80000000u, 0, 0));
	EXPECT_LE(1, kmsg_lines(kmsg, "MAPPER_IOC_EXPORT_DMABUF flags 0x1: O_RDONLY or O_RDWR, and O_CLOEXEC",
				line, sizeof(line)));

	/* ranges: whole pages inside the buffer */
	EXPECT_EQ(-EINVAL, export(b.fd, O_RDWR, 1, 0));
	EXPECT_EQ(-EINVAL, export(b.fd, O_RDWR, page / 2, page));
	EXPECT_EQ(-EINVAL, export(b.fd, O_RDWR, 0, 100));
	EXPECT_EQ(-EINVAL, export(b.fd, O_RDWR, 0, page + 1));
	EXPECT_EQ(-EINVAL, export(b.fd, O_RDWR, b.size, 0));
	EXPECT_EQ(-EINVAL, export(b.fd, O_RDWR, b.size, page));
	EXPECT_EQ(-EINVAL, export(b.fd, O_RDWR, b.size + page, 0));
	EXPECT_EQ(-EINVAL, export(b.fd, O_RDWR, 0, b.size + page));
	EXPECT_EQ(-EINVAL, export(b.fd, O_RDWR, page, b.size));
	EXPECT_EQ(-EINVAL, export(b.fd, O_RDWR, b.size - page, 2 * page));
	EXPECT_EQ(-EINVAL, export(b.fd, O_RDWR, page, UINT64_MAX & pmask));
	EXPECT_EQ(-EINVAL, export(b.fd, O_RDWR, UINT64_MAX & pmask, 2 * page));
	EXPECT_LE(1, kmsg_lines(kmsg, "bad: MAPPER_IOC_EXPORT_DMABUF of 0x0+0x64: not whole pages inside the buffer's 0x400000 bytes",
				line, sizeof(line)));

	/* argsz: at least 32, at most a page; bytes past 32 zero */
	EXPECT_EQ(-EINVAL, export_argsz(b.fd, 0, 0));
	EXPECT_EQ(-EINVAL, export_argsz(b.fd, 16, 0));
	EXPECT_EQ(-EINVAL, export_argsz(b.fd, 31, 0));
	EXPECT_EQ(-E2BIG, export_argsz(b.fd, page + 1, 0));
	EXPECT_EQ(-E2BIG, export_argsz(b.fd, UINT32_MAX, 0));
	EXPECT_EQ(-E2BIG, export_argsz(b.fd, 40, 32));
	EXPECT_EQ(-E2BIG, export_argsz(b.fd, page, page - 1));

	/* bad addresses: none, and a structure whose argsz runs into a hole */
	EXPECT_EQ(-1, ioctl(b.fd, MAPPER_IOC_EXPORT_DMABUF, NULL));
	EXPECT_EQ(EFAULT, errno);
	two = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, two);
	ASSERT_EQ(0, mprotect(two + page, page, PROT_NONE));
	at = (void *)(two + page - sizeof(*at));
	memset(at, 0, sizeof(*at));
	at->argsz = 64;
	at->flags = O_RDWR;
	EXPECT_EQ(-1, ioctl(b.fd, MAPPER_IOC_EXPORT_DMABUF, at));
	EXPECT_EQ(EFAULT, errno);
	munmap(two, 2 * page);

	/* a read-only open exports read-only only */
	ro = open_index(b.index, O_RDONLY);
	ASSERT_LE(0, ro);
	EXPECT_EQ(-EACCES, export(ro, O_RDWR, 0, 0));
	EXPECT_EQ(-EACCES, export(ro, O_RDWR | O_CLOEXEC, page, page));
	EXPECT_EQ(2, kmsg_lines(kmsg, "bad: a read-only open exports read-only dma-bufs only",
				line, sizeof(line)));

	/* a failed call writes no fd back and leaves nothing */
	memset(&e, 0, sizeof(e));
	e.argsz = sizeof(e);
	e.flags = O_WRONLY;
	e.fd = -7;
	EXPECT_EQ(-1, ioctl(b.fd, MAPPER_IOC_EXPORT_DMABUF, &e));
	EXPECT_EQ(-7, e.fd);
	EXPECT_EQ(fds + 1, fd_count());		/* ro */
	EXPECT_EQ(0, dev_ll(b.index, "exports"));

	/* what does work: larger zero-padded structures, read-only from ro */
	fd = export_argsz(b.fd, 40, 0);
	EXPECT_LE(0, fd);
	close(fd);
	fd = export_argsz(b.fd, page, 0);
	EXPECT_LE(0, fd);
	/* the dma-buf is no mapper device: its ioctl is the dma-buf core's */
	EXPECT_EQ(-ENOTTY, export(fd, O_RDWR, 0, 0));
	close(fd);
	fd = export(ro, O_RDONLY, page, page);
	EXPECT_LE(0, fd);
	close(fd);
	close(ro);
	EXPECT_EQ(fds, fd_count());
	EXPECT_EQ(0, dev_ll(b.index, "exports"));
	EXPECT_EQ(0, tbuf_free(&b));
	close(kmsg);
}

TEST_F(dmabuf, an_export_is_a_dma_buf_fd_counted_in_sysfs_and_bufinfo)
{
	struct mapper_info info = { .argsz = sizeof(info) };
	unsigned long long size;
	char text[128], cmd[128];
	int e1, e2, e3, status;
	ino_t ino1, ino3;
	struct tbuf b;
	pid_t pid;
	ssize_t n;

	ASSERT_EQ(0, mbuf_make(&b, "basics", 2 * MIB, 0, NULL));
	ASSERT_EQ(0, ioctl(b.fd, MAPPER_IOC_INFO, &info));
	EXPECT_TRUE(info.flags & MAPPER_INFO_F_DMABUF);
	EXPECT_EQ(0, dev_ll(b.index, "exports"));

	e1 = export(b.fd, O_RDWR | O_CLOEXEC, 0, 0);
	ASSERT_LE(0, e1);
	EXPECT_EQ(1, dev_ll(b.index, "exports"));
	e2 = export(b.fd, O_RDONLY, 0, 0);
	ASSERT_LE(0, e2);
	e3 = export(b.fd, O_RDWR, MIB, page);
	ASSERT_LE(0, e3);
	EXPECT_EQ(3, dev_ll(b.index, "exports"));

	/* O_CLOEXEC as asked, and the access mode */
	EXPECT_EQ(FD_CLOEXEC, fcntl(e1, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(0, fcntl(e2, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(0, fcntl(e3, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(O_RDWR, fcntl(e1, F_GETFL) & O_ACCMODE);
	EXPECT_EQ(O_RDONLY, fcntl(e2, F_GETFL) & O_ACCMODE);
	/* ... across exec: e1 is gone in the new program, e2 is there */
	snprintf(cmd, sizeof(cmd), "[ ! -e /proc/self/fd/%d ] && [ -e /proc/self/fd/%d ]", e1, e2);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		TH_LOG("sh -c '%s': status %#x", cmd, status);
	}

	/* a dma-buf of the range's size, exporter "mapper" */
	snprintf(text, sizeof(text), "/proc/self/fd/%d", e1);
	n = readlink(text, cmd, sizeof(cmd) - 1);
	ASSERT_LT(0, n);
	cmd[n] = '\0';
	EXPECT_NE(NULL, strstr(cmd, "dmabuf")) {
		TH_LOG("%s -> %s", text, cmd);
	}
	EXPECT_EQ(2 * MIB, lseek(e1, 0, SEEK_END));
	EXPECT_EQ(page, lseek(e3, 0, SEEK_END));
	fdinfo(e1, "exp_name", text, sizeof(text));
	EXPECT_STREQ("mapper", text);
	fdinfo(e3, "size", text, sizeof(text));
	EXPECT_EQ(page, strtoll(text, NULL, 10));
	ino1 = ino_of(e1);
	ino3 = ino_of(e3);
	ASSERT_EQ(1, bufinfo(ino1, &size, text, sizeof(text))) {
		TH_LOG("%s has no line of inode %lu", BUFINFO, (unsigned long)ino1);
	}
	EXPECT_STREQ("mapper", text);
	EXPECT_EQ(2 * MIB, size);
	ASSERT_EQ(1, bufinfo(ino3, &size, text, sizeof(text)));
	EXPECT_STREQ("mapper", text);
	EXPECT_EQ(page, size);

	/* the exports live on without the device's file; each close counts */
	tbuf_close(&b);
	EXPECT_EQ(3, dev_ll(b.index, "exports"));
	EXPECT_EQ(0, dev_ll(b.index, "opens"));
	close(e1);
	EXPECT_EQ(2, dev_ll(b.index, "exports"));
	EXPECT_EQ(0, bufinfo(ino1, &size, text, sizeof(text)));
	close(e2);
	close(e3);
	EXPECT_EQ(0, dev_ll(b.index, "exports"));
	EXPECT_EQ(0, bufinfo(ino3, &size, text, sizeof(text)));
	EXPECT_EQ(0, cfs_remove(b.name));
}

TEST_F(dmabuf, rmmod_is_refused_while_a_dma_buf_lives)
{
	long long total = total_bytes();
	unsigned char *m;
	struct tbuf b;
	int e;

	ASSERT_EQ(0, mbuf_make(&b, "pinned", MIB, 0, NULL));
	pat_fill(b.p, b.size, 11);
	e = export(b.fd, O_RDWR | O_CLOEXEC, 0, 0);
	ASSERT_LE(0, e);
	tbuf_close(&b);
	/* Only the dma-buf holds the buffer now, and no configfs item the module. */
	ASSERT_EQ(0, cfs_write(b.name, "detach", "1"));
	ASSERT_EQ(0, cfs_rmdir(b.name));
	EXPECT_EQ(-EWOULDBLOCK, unload());
	EXPECT_TRUE(loaded());
	m = mmap(NULL, MIB, PROT_READ, MAP_SHARED, e, 0);
	ASSERT_NE(MAP_FAILED, m);
	EXPECT_TRUE(pat_check(m, MIB, 11));
	munmap(m, MIB);
	close(e);
	EXPECT_EQ(total, total_bytes());
	EXPECT_EQ(0, unload());
	EXPECT_FALSE(loaded());
	ASSERT_EQ(0, load("devices=0"));
	ASSERT_EQ(0, configfs_mount());
}

TEST_F(dmabuf, strict_removal_is_busy_lazy_removal_leaves_the_dma_buf_working)
{
	long long total = total_bytes();
	char line[256], want[128];
	unsigned char *m, *m2;
	struct tbuf b;
	int e, kmsg = kmsg_open();

	ASSERT_LE(0, kmsg);
	ASSERT_EQ(0, mbuf_make(&b, "strict", 2 * MIB, 0, NULL));
	pat_fill(b.p, b.size, 12);
	e = export(b.fd, O_RDWR | O_CLOEXEC, MIB, 0);
	ASSERT_LE(0, e);
	tbuf_close(&b);

	EXPECT_EQ(-EBUSY, cfs_write(b.name, "enable", "0"));
	snprintf(want, sizeof(want), "strict (mapper%d): busy: 1 dma-buf: not removed", b.index);
	EXPECT_EQ(1, kmsg_lines(kmsg, want, line, sizeof(line))) {
		TH_LOG("want '%s', last: '%s'", want, line);
	}
	EXPECT_TRUE(dev_present(b.index));
	EXPECT_TRUE(node_present(b.index));

	/* lazy: the device goes now, the dma-buf keeps the memory */
	ASSERT_EQ(0, cfs_write(b.name, "detach", "1"));
	EXPECT_FALSE(dev_present(b.index));
	EXPECT_FALSE(node_present(b.index));
	ASSERT_EQ(0, cfs_rmdir(b.name));
	m = mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_SHARED, e, 0);
	ASSERT_NE(MAP_FAILED, m);
	EXPECT_EQ(0, dsync(e, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
	EXPECT_TRUE(pat_at(m, MIB, MIB, 12));
	pat_fill(m, MIB, 13);
	EXPECT_EQ(0, dsync(e, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
	m2 = mmap(NULL, MIB, PROT_READ, MAP_SHARED, e, 0);
	ASSERT_NE(MAP_FAILED, m2);
	EXPECT_TRUE(pat_check(m2, MIB, 13));
	munmap(m, MIB);
	munmap(m2, MIB);
	close(e);
	EXPECT_EQ(total, total_bytes());
	close(kmsg);
}

TEST_F(dmabuf, the_cache_mode_stays_while_exported)
{
	unsigned char *m;
	struct tbuf b;
	int e;

	if (!cache_modes_supported())
		SKIP(return, "no wc and uc buffers on this kernel or architecture");
	ASSERT_EQ(0, mbuf_make(&b, "modes", MIB, 0, NULL));
	munmap(b.p, b.size);
	b.p = NULL;
	e = export(b.fd, O_RDWR | O_CLOEXEC, 0, 0);
	ASSERT_LE(0, e);
	EXPECT_EQ(-EBUSY, sysfs_write(b.index, "cache", "wc"));
	EXPECT_EQ(-EBUSY, sysfs_write(b.index, "cache", "uc"));
	EXPECT_EQ(-EBUSY, cfs_write(b.name, "cache", "wc"));
	EXPECT_TRUE(dev_is(b.index, "cache", "cached"));
	close(e);
	EXPECT_EQ(0, sysfs_write(b.index, "cache", "wc"));
	EXPECT_TRUE(dev_is(b.index, "cache", "wc"));

	/* a wc buffer exports too; its dma-buf maps shared only */
	e = export(b.fd, O_RDWR | O_CLOEXEC, 0, 0);
	ASSERT_LE(0, e);
	EXPECT_EQ(-EBUSY, sysfs_write(b.index, "cache", "cached"));
	m = mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_SHARED, e, 0);
	ASSERT_NE(MAP_FAILED, m);
	memset(m, 0x3c, MIB);
	EXPECT_EQ(0x3c, m[MIB - 1]);
	munmap(m, MIB);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, MIB, PROT_READ, MAP_PRIVATE, e, 0));
	EXPECT_EQ(EINVAL, errno);
	close(e);
	EXPECT_EQ(0, sysfs_write(b.index, "cache", "cached"));
	EXPECT_EQ(0, tbuf_free(&b));
}

/* ---- 2. the dma-buf's own mmap, DMA_BUF_IOCTL_SYNC --------------------------- */

TEST_F(dmabuf, the_dma_bufs_mmap_is_the_buffer_at_the_export_offset)
{
	const size_t off = MIB, len = 2 * MIB;
	unsigned char *m, *m2, *r, got[4096];
	struct tbuf b;
	int e, ro;

	ASSERT_EQ(0, mbuf_make(&b, "view", 4 * MIB, 0, NULL));
	pat_fill(b.p, b.size, 3);
	e = export(b.fd, O_RDWR | O_CLOEXEC, off, len);
	ASSERT_LE(0, e);
	EXPECT_EQ(1, maps_of(&b));
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, e, 0);
	ASSERT_NE(MAP_FAILED, m);
	EXPECT_EQ(2, maps_of(&b));
	EXPECT_EQ(0, memcmp(m, b.p + off, len));
	ASSERT_EQ(sizeof(got), pread(b.fd, got, sizeof(got), off + 5 * page));
	EXPECT_EQ(0, memcmp(m + 5 * page, got, sizeof(got)));

	/* writes go both ways */
	m[3 * page + 7] = 0x5a;
	EXPECT_EQ(0x5a, b.p[off + 3 * page + 7]);
	ASSERT_EQ(1, pread(b.fd, got, 1, off + 3 * page + 7));
	EXPECT_EQ(0x5a, got[0]);
	b.p[off + len - 1] = 0xa5;
	EXPECT_EQ(0xa5, m[len - 1]);

	/* at a page offset into the dma-buf */
	m2 = mmap(NULL, 3 * page, PROT_READ, MAP_SHARED, e, 5 * page);
	ASSERT_NE(MAP_FAILED, m2);
	EXPECT_EQ(0, memcmp(m2, b.p + off + 5 * page, 3 * page));
	EXPECT_EQ(3, maps_of(&b));
	munmap(m2, 3 * page);

	/* no exec, no growth, nothing past its end */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, len, PROT_READ | PROT_EXEC, MAP_SHARED, e, 0));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, mprotect(m, page, PROT_READ | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, len + page, PROT_READ, MAP_SHARED, e, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, page, PROT_READ, MAP_SHARED, e, len));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 2 * page, PROT_READ, MAP_SHARED, e, len - page));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mremap(m, len, len + page, MREMAP_MAYMOVE));
	EXPECT_EQ(EFAULT, errno);

	/* MAP_PRIVATE of a cached buffer: copy-on-write, the buffer unchanged */
	m2 = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE, e, 0);
	ASSERT_NE(MAP_FAILED, m2);
	EXPECT_EQ(m[0], m2[0]);
	m2[0] = m[0] ^ 0xff;
	EXPECT_NE(m2[0], b.p[off]);
	munmap(m2, page);

	/* a read-only export maps read-only only */
	ro = export(b.fd, O_RDONLY | O_CLOEXEC, off, len);
	ASSERT_LE(0, ro);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0));
	EXPECT_EQ(EACCES, errno);
	r = mmap(NULL, len, PROT_READ, MAP_SHARED, ro, 0);
	ASSERT_NE(MAP_FAILED, r);
	EXPECT_EQ(0, memcmp(r, b.p + off, len));
	EXPECT_EQ(-1, mprotect(r, page, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	munmap(r, len);
	close(ro);

	munmap(m, len);
	EXPECT_EQ(1, maps_of(&b));
	close(e);
	EXPECT_EQ(0, tbuf_free(&b));
}

TEST_F(dmabuf, dma_buf_ioctl_sync_brackets_cpu_access)
{
	const uint64_t flags[] = { DMA_BUF_SYNC_READ, DMA_BUF_SYNC_WRITE, DMA_BUF_SYNC_RW };
	struct pollfd p;
	unsigned char *m;
	struct tbuf b;
	int e, ro;

	ASSERT_EQ(0, mbuf_make(&b, "sync", MIB, 0, NULL));
	e = export(b.fd, O_RDWR | O_CLOEXEC, 0, 0);
	ASSERT_LE(0, e);
	m = mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_SHARED, e, 0);
	ASSERT_NE(MAP_FAILED, m);
	for (int i = 0; i < 3; i++) {
		EXPECT_EQ(0, dsync(e, DMA_BUF_SYNC_START | flags[i]));
		if (flags[i] & DMA_BUF_SYNC_WRITE)
			pat_fill(m, MIB, 20 + i);
		EXPECT_EQ(0, dsync(e, DMA_BUF_SYNC_END | flags[i]));
		if (flags[i] & DMA_BUF_SYNC_WRITE)
			EXPECT_TRUE(pat_check(b.p, MIB, 20 + i));
	}
	/* the dma-buf core's own checks */
	EXPECT_EQ(-EINVAL, dsync(e, DMA_BUF_SYNC_START));
	EXPECT_EQ(-EINVAL, dsync(e, DMA_BUF_SYNC_END));
	EXPECT_EQ(-EINVAL, dsync(e, DMA_BUF_SYNC_RW | 0x8));
	/* no fence on it: readable and writable now */
	p.fd = e;
	p.events = POLLIN | POLLOUT;
	p.revents = 0;
	EXPECT_EQ(1, poll(&p, 1, 0));
	EXPECT_EQ(POLLIN | POLLOUT, p.revents & (POLLIN | POLLOUT));

	ro = export(b.fd, O_RDONLY | O_CLOEXEC, 0, 0);
	ASSERT_LE(0, ro);
	EXPECT_EQ(0, dsync(ro, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	EXPECT_EQ(0, dsync(ro, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
	close(ro);
	munmap(m, MIB);
	close(e);
	EXPECT_EQ(0, tbuf_free(&b));
}

/* ---- 3. SCM_RIGHTS ---------------------------------------------------------- */

/*
 * The child: receives the dma-buf, waits for the go, maps it, checks
 * pat(@off + i, 5) in its @len bytes and writes pat(@off + i, 6). Its exit
 * status says which step failed.
 */
static int child_uses(int sock, size_t off, size_t len)
{
	unsigned char *m, *m2;
	char go;
	int fd;

	fd = recv_fd(sock);
	if (fd < 0)
		return 2;
	if (read(sock, &go, 1) != 1)
		return 3;
	if (lseek(fd, 0, SEEK_END) != (off_t)len)
		return 4;
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return 5;
	if (dsync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW))
		return 6;
	if (!pat_at(m, len, off, 5))
		return 7;
	pat_fill_at(m, len, off, 6);
	if (dsync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW))
		return 8;
	/* a second mapping sees what the first wrote */
	m2 = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (m2 == MAP_FAILED || !pat_at(m2, len, off, 6))
		return 9;
	munmap(m, len);
	munmap(m2, len);
	close(fd);
	return 0;
}

/* The parent's side; @lazy: the buffer removed lazily before the child maps. */
static void pass_over_a_socket(struct __test_metadata *_metadata, int lazy)
{
	const size_t off = page, len = MIB;
	long long total = total_bytes();
	int sv[2], e, status;
	struct tbuf b;
	pid_t pid;

	/* The child first: it inherits nothing of the buffer's. */
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(sv[0]);
		_exit(child_uses(sv[1], off, len));
	}
	close(sv[1]);
	ASSERT_EQ(0, mbuf_make(&b, lazy ? "passed-lazy" : "passed", 2 * MIB, 0, NULL));
	pat_fill(b.p, b.size, 5);
	e = export(b.fd, O_RDWR | O_CLOEXEC, off, len);
	ASSERT_LE(0, e);
	ASSERT_EQ(0, send_fd(sv[0], e));
	/* The exporter lets go of everything: the dma-buf is in flight only. */
	close(e);
	tbuf_close(&b);
	EXPECT_EQ(1, dev_ll(b.index, "exports"));
	EXPECT_EQ(0, dev_ll(b.index, "opens"));
	EXPECT_EQ(0, maps_of(&b));
	if (lazy) {
		EXPECT_EQ(-EBUSY, cfs_write(b.name, "enable", "0"));
		ASSERT_EQ(0, cfs_write(b.name, "detach", "1"));
		ASSERT_EQ(0, cfs_rmdir(b.name));
		EXPECT_FALSE(dev_present(b.index));
	}
	ASSERT_EQ(1, write(sv[0], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		TH_LOG("the child failed at step %d (status %#x)",
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1, status);
	}
	close(sv[0]);
	if (lazy) {
		/* the last holder gone: the memory with it */
		EXPECT_EQ(total, total_bytes());
		return;
	}
	/* the child's bytes, in /dev/mapperN; the rest as the parent left it */
	EXPECT_EQ(0, dev_ll(b.index, "exports"));
	b.fd = open_index(b.index, O_RDWR);
	ASSERT_LE(0, b.fd);
	b.p = mmap(NULL, b.size, PROT_READ, MAP_SHARED, b.fd, 0);
	ASSERT_NE(MAP_FAILED, b.p);
	EXPECT_TRUE(pat_at(b.p, off, 0, 5));
	EXPECT_TRUE(pat_at(b.p + off, len, off, 6));
	EXPECT_TRUE(pat_at(b.p + off + len, b.size - off - len, off + len, 5));
	EXPECT_EQ(0, tbuf_free(&b));
}

TEST_F(dmabuf, a_dma_buf_passed_over_a_socket_outlives_the_exporters_files)
{
	pass_over_a_socket(_metadata, 0);
}

TEST_F(dmabuf, a_dma_buf_passed_over_a_socket_outlives_a_lazy_removal)
{
	pass_over_a_socket(_metadata, 1);
}

/* ---- 4. vgem (DRM) ---------------------------------------------------------- */

TEST_F(dmabuf, vgem_imports_by_prime_and_maps_through_mapper)
{
	const size_t off = MIB, len = MIB;
	char card_path[32], line[512], want[128];
	struct drm_vgem_fence_attach fa;
	struct drm_vgem_fence_signal fs;
	struct drm_mode_map_dumb md;
	uint32_t h, h2;
	struct pollfd p;
	unsigned char *m;
	struct tbuf b;
	int card, e, back, ret, maps = vgem_maps_at_import();
	ino_t ino;

	NEED("vgem", vgem_here());
	card = vgem_open(card_path, sizeof(card_path));
	ASSERT_LE(0, card);
	ASSERT_EQ(0, mbuf_make(&b, "gem", 4 * MIB, 0, NULL));
	pat_fill(b.p, b.size, 7);
	e = export(b.fd, O_RDWR | O_CLOEXEC, off, len);
	ASSERT_LE(0, e);
	ino = ino_of(e);

	/*
	 * The import: vgem's device attached and, where vgem maps at import,
	 * one device mapping of the export's range, both ways.
	 */
	EXPECT_EQ(0, bufinfo_attached(ino));
	ASSERT_EQ(0, prime_import(card, e, &h));
	EXPECT_NE(0, h);
	EXPECT_EQ(1, bufinfo_attached(ino));
	EXPECT_EQ(maps, dev_ll(b.index, "dma_maps"));
	EXPECT_EQ(maps, dma_maps_lines(b.name, line, sizeof(line)));
	if (maps) {
		snprintf(want, sizeof(want), "offset=%#zx length=%#zx dir=bidirectional", off, len);
		EXPECT_NE(NULL, strstr(line, want)) {
			TH_LOG("debugfs: '%s', want '...%s...'", line, want);
		}
		TH_LOG("%s: %s", card_path, line);
	} else {
		TH_LOG("%s: vgem attached, no device mapping (it imports without one here)", card_path);
	}
	/* the same dma-buf again: the same handle, no new mapping */
	ASSERT_EQ(0, prime_import(card, e, &h2));
	EXPECT_EQ(h, h2);
	EXPECT_EQ(1, bufinfo_attached(ino));
	EXPECT_EQ(maps, dev_ll(b.index, "dma_maps"));

	/* vgem holds the dma-buf: our fd may go */
	close(e);
	EXPECT_EQ(1, dev_ll(b.index, "exports"));
	EXPECT_EQ(maps, dev_ll(b.index, "dma_maps"));

	/* exported back, it is mapper's dma-buf itself, with the buffer's bytes */
	back = prime_export(card, h);
	ASSERT_LE(0, back);
	EXPECT_EQ(ino, ino_of(back));
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, back, 0);
	ASSERT_NE(MAP_FAILED, m);
	EXPECT_EQ(0, memcmp(m, b.p + off, len));
	munmap(m, len);

	/*
	 * vgem's own mapping of the GEM object, where it gives one: the DRM
	 * core refuses a fake offset for imported objects (6.1 on,
	 * drm_gem_dumb_map_offset(): "Don't allow imported objects to be
	 * mapped"), and so does 5.10's vgem (an import has no shmem file).
	 */
	memset(&md, 0, sizeof(md));
	md.handle = h;
	ret = drm_ioctl(card, DRM_IOCTL_MODE_MAP_DUMB, &md);
	if (!ret) {
		m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, card, md.offset);
		ASSERT_NE(MAP_FAILED, m) {
			TH_LOG("mmap of %s at the fake offset %#llx: %s", card_path,
			       (unsigned long long)md.offset, strerror(errno));
		}
		EXPECT_EQ(0, memcmp(m, b.p + off, len));
		m[17] = 0x77;
		EXPECT_EQ(0x77, b.p[off + 17]);
		b.p[off + len - 3] = 0x99;
		EXPECT_EQ(0x99, m[len - 3]);
		munmap(m, len);
		TH_LOG("vgem maps the imported object itself: its bytes are the buffer's");
	} else {
		EXPECT_EQ(-EINVAL, ret);
		TH_LOG("DRM_IOCTL_MODE_MAP_DUMB of the imported object: %s (the DRM core maps no imported object)",
		       strerror(-ret));
	}

	/* vgem's fences are the dma-buf's: poll() sees a write in flight */
	memset(&fa, 0, sizeof(fa));
	fa.handle = h;
	fa.flags = VGEM_FENCE_WRITE;
	ASSERT_EQ(0, drm_ioctl(card, DRM_IOCTL_VGEM_FENCE_ATTACH, &fa));
	p.fd = back;
	p.events = POLLIN;
	p.revents = 0;
	EXPECT_EQ(0, poll(&p, 1, 0));
	memset(&fs, 0, sizeof(fs));
	fs.fence = fa.out_fence;
	ASSERT_EQ(0, drm_ioctl(card, DRM_IOCTL_VGEM_FENCE_SIGNAL, &fs));
	p.revents = 0;
	EXPECT_EQ(1, poll(&p, 1, 0));
	EXPECT_TRUE(p.revents & POLLIN);
	EXPECT_EQ(0, dsync(back, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	EXPECT_EQ(0, dsync(back, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));

	/* the handle's end is the import's: the mapping and the attachment go */
	ASSERT_EQ(0, gem_close(card, h));
	EXPECT_EQ(0, bufinfo_attached(ino));
	EXPECT_EQ(0, dev_ll(b.index, "dma_maps"));
	EXPECT_EQ(0, dma_maps_lines(b.name, line, sizeof(line)));
	EXPECT_EQ(1, dev_ll(b.index, "exports"));
	close(back);
	EXPECT_EQ(0, dev_ll(b.index, "exports"));
	close(card);
	EXPECT_EQ(0, tbuf_free(&b));
}

TEST_F(dmabuf, vgem_imports_follow_the_rules_of_device_mappings)
{
	char card_path[32], line[512];
	int card, card2, ro, a, c, d, maps = vgem_maps_at_import();
	uint32_t ha, hc, hd, h;
	struct tbuf b;
	int kmsg = kmsg_open();

	ASSERT_LE(0, kmsg);
	NEED("vgem", vgem_here());
	card = vgem_open(card_path, sizeof(card_path));
	ASSERT_LE(0, card);
	ASSERT_EQ(0, mbuf_make(&b, "gemrules", 4 * MIB, 0, NULL));
	ro = export(b.fd, O_RDONLY | O_CLOEXEC, 0, 0);
	a = export(b.fd, O_RDWR | O_CLOEXEC, 0, 2 * MIB);
	c = export(b.fd, O_RDWR | O_CLOEXEC, MIB, 2 * MIB);
	d = export(b.fd, O_RDWR | O_CLOEXEC, 2 * MIB, 2 * MIB);
	ASSERT_LE(0, ro);
	ASSERT_LE(0, a);
	ASSERT_LE(0, c);
	ASSERT_LE(0, d);

	if (!maps) {
		/* attached only: nothing is mapped, so nothing is refused */
		ASSERT_EQ(0, prime_import(card, ro, &h));
		ASSERT_EQ(0, prime_import(card, a, &ha));
		ASSERT_EQ(0, prime_import(card, c, &hc));
		EXPECT_EQ(0, dev_ll(b.index, "dma_maps"));
		EXPECT_EQ(0, kmsg_lines(kmsg, "gemrules: ", line, sizeof(line))) {
			TH_LOG("%s", line);
		}
		EXPECT_EQ(0, gem_close(card, h));
		EXPECT_EQ(0, gem_close(card, ha));
		EXPECT_EQ(0, gem_close(card, hc));
		TH_LOG("vgem attaches without mapping here: vivid's dma-contig test asks the rules");
		goto out;
	}

	/* vgem maps both ways: a read-only dma-buf allows the device no write */
	EXPECT_EQ(-EACCES, prime_import(card, ro, &h));
	EXPECT_EQ(1, kmsg_lines(kmsg, "gemrules: a read-only dma-buf: ", line, sizeof(line)));
	EXPECT_NE(NULL, strstr(line, "may only read it (DMA_TO_DEVICE)")) {
		TH_LOG("%s", line);
	}
	EXPECT_EQ(0, dev_ll(b.index, "dma_maps"));

	/*
	 * Importers' device-writable mappings may overlap (the dma-buf's
	 * fences order their devices): three imports of overlapping ranges,
	 * and another DRM file importing the same dma-buf anew.
	 */
	ASSERT_EQ(0, prime_import(card, a, &ha));
	ASSERT_EQ(0, prime_import(card, c, &hc));
	ASSERT_EQ(0, prime_import(card, d, &hd));
	EXPECT_EQ(3, dev_ll(b.index, "dma_maps"));
	EXPECT_EQ(0, kmsg_lines(kmsg, "overlaps the device-writable mapping", line, sizeof(line)));
	card2 = open(card_path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, card2);
	ASSERT_EQ(0, prime_import(card2, a, &h));
	EXPECT_EQ(4, dev_ll(b.index, "dma_maps"));
	close(card2);
	EXPECT_EQ(3, dev_ll(b.index, "dma_maps"));
	ASSERT_EQ(0, gem_close(card, ha));
	ASSERT_EQ(0, gem_close(card, hc));
	ASSERT_EQ(0, gem_close(card, hd));
out:
	EXPECT_EQ(0, dev_ll(b.index, "dma_maps"));
	close(ro);
	close(a);
	close(c);
	close(d);
	EXPECT_EQ(0, dev_ll(b.index, "exports"));
	close(card);
	EXPECT_EQ(0, tbuf_free(&b));
	close(kmsg);
}

/*
 * The other way round: a driver's mapping through the kernel API (the edu
 * sample's, where the VM has QEMU's edu: the matrix's and the debug
 * kernel's VMs) may not overlap an importer's device-writable one; a
 * reading one may, and once the importer is gone the writing one is made.
 */
#define EDU_KO		"/lib/modules/mapper_edu.ko"
#define EDU_DRIVER	"/sys/bus/pci/drivers/mapper_edu"

static int edu_buffer_attr(char *path, size_t len)
{
	DIR *d = opendir(EDU_DRIVER);
	struct dirent *e;
	int ret = -ENOENT;

	if (!d)
		return -ENOENT;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "0000:", 5)) {
			snprintf(path, len, EDU_DRIVER "/%s/buffer", e->d_name);
			ret = 0;
			break;
		}
	closedir(d);
	return ret;
}

/*
 * vgem's device has no firmware node: on arm64 it is not cache-coherent,
 * as most boards' importers are not, and the DMA layer (dma-direct, no
 * IOMMU) cleans and invalidates what mapper maps and syncs for it. Kprobes
 * (maint_util.h) show that exactly the export's bytes of RAM are, across a
 * break between chunks apart in RAM: cleaned at the import and at
 * DMA_BUF_IOCTL_SYNC's end, invalidated at its start and at the unmap,
 * but not at an unmap while the CPU owns the mapping (a second
 * invalidation would drop what the CPU wrote since).
 */
#define IMPORT_MAINT(what, cleaned, invalidated) \
	ASSERT_EQ(1, maint_step(m, want, &b, what, 0, off, (cleaned) ? len : 0, off, \
				(invalidated) ? len : 0))

TEST_F(dmabuf, a_non_coherent_importer_gets_exactly_the_exported_bytes_maintained)
{
	const size_t size = 12 * MIB, len = MIB;
	char card_path[32];
	struct extents *want;
	struct maint *m;
	struct utsname u;
	size_t k, off = 0;
	struct tbuf b;
	int card, e, found = 0;
	uint32_t h;

	ASSERT_EQ(0, uname(&u));
	if (strcmp(u.machine, "aarch64"))
		SKIP(return, "%s: DMA is cache-coherent, the DMA layer has no caches to maintain",
		     u.machine);
	NEED("vgem", vgem_here());
	if (!vgem_maps_at_import())
		SKIP(return, "this kernel's vgem attaches a dma-buf but never maps it");
	m = calloc(1, sizeof(*m));
	want = calloc(1, sizeof(*want));
	ASSERT_TRUE(m && want);
	card = vgem_open(card_path, sizeof(card_path));
	ASSERT_LE(0, card);
	ASSERT_EQ(0, scattered_make(&b, "ncimport", size));
	pat_fill(b.p, size, 11);
	/* an export across a break in RAM */
	for (k = 4 * page; k + len < size && !found; k += page) {
		if (!adjacent(&b, k - page)) {
			off = k - 4 * page;
			found = 1;
		}
	}
	ASSERT_TRUE(found) {
		TH_LOG("the 12 MiB buffer is one block of RAM: nothing to prove");
	}
	e = export(b.fd, O_RDWR | O_CLOEXEC, off, len);
	ASSERT_LE(0, e);
	ASSERT_EQ(0, maint_probes(1));
	ASSERT_EQ(0, maint_clear());

	ASSERT_EQ(0, prime_import(card, e, &h));
	IMPORT_MAINT("import", 1, 0);
	EXPECT_EQ(0, dsync(e, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW));
	IMPORT_MAINT("DMA_BUF_IOCTL_SYNC start", 0, 1);
	EXPECT_EQ(0, dsync(e, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW));
	IMPORT_MAINT("DMA_BUF_IOCTL_SYNC end", 1, 0);
	EXPECT_EQ(0, gem_close(card, h));
	IMPORT_MAINT("unmap", 0, 1);

	/* unmapped while the CPU owns it: no second invalidation */
	ASSERT_EQ(0, prime_import(card, e, &h));
	IMPORT_MAINT("import again", 1, 0);
	EXPECT_EQ(0, dsync(e, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	IMPORT_MAINT("DMA_BUF_IOCTL_SYNC start (read)", 0, 1);
	EXPECT_EQ(0, gem_close(card, h));
	IMPORT_MAINT("unmap while the CPU owns it", 0, 0);
	EXPECT_EQ(0, dsync(e, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));

	EXPECT_EQ(0, maint_probes(0));
	close(e);
	close(card);
	EXPECT_EQ(0, tbuf_free(&b));
	free(m);
	free(want);
}

TEST_F(dmabuf, a_kernel_mapping_may_not_overlap_an_importers_writable_one)
{
	char edu[128], card_path[32], line[512], map[160];
	int card, a, loaded_here = 0, kmsg = kmsg_open();
	struct tbuf b;
	uint32_t h;

	ASSERT_LE(0, kmsg);
	NEED("vgem", vgem_here());
	if (!vgem_maps_at_import())
		SKIP(return, "vgem attaches without mapping on this kernel");
	if (!exists(EDU_KO))
		SKIP(return, "no mapper_edu.ko in this VM");
	if (!exists("/sys/module/mapper_edu")) {
		ASSERT_EQ(0, load_ko(EDU_KO, ""));
		loaded_here = 1;
	}
	if (edu_buffer_attr(edu, sizeof(edu))) {
		if (loaded_here)
			syscall(SYS_delete_module, "mapper_edu", O_NONBLOCK);
		SKIP(return, "no QEMU edu device in this VM");
	}
	card = vgem_open(card_path, sizeof(card_path));
	ASSERT_LE(0, card);
	ASSERT_EQ(0, mbuf_make(&b, "gemedu", MIB, 0, NULL));
	a = export(b.fd, O_RDWR | O_CLOEXEC, 0, 0);
	ASSERT_LE(0, a);
	ASSERT_EQ(0, prime_import(card, a, &h));
	EXPECT_EQ(1, dev_ll(b.index, "dma_maps"));

	snprintf(map, sizeof(map), "%s 0 65536 bidirectional", b.name);
	EXPECT_EQ(-EBUSY, write_file(edu, map));
	EXPECT_EQ(1, kmsg_lines(kmsg, "overlaps the device-writable mapping", line, sizeof(line)));
	EXPECT_NE(NULL, strstr(line, "vgem")) {
		TH_LOG("%s", line);
	}
	EXPECT_EQ(1, dev_ll(b.index, "dma_maps"));
	snprintf(map, sizeof(map), "%s 0 65536 to_device", b.name);
	EXPECT_EQ(0, write_file(edu, map));
	EXPECT_EQ(2, dev_ll(b.index, "dma_maps"));
	EXPECT_EQ(0, write_file(edu, "\n"));

	EXPECT_EQ(0, gem_close(card, h));
	EXPECT_EQ(0, dev_ll(b.index, "dma_maps"));
	snprintf(map, sizeof(map), "%s 0 65536 bidirectional", b.name);
	EXPECT_EQ(0, write_file(edu, map));
	EXPECT_EQ(1, dev_ll(b.index, "dma_maps"));
	/* and the importer after the driver: refused too */
	EXPECT_EQ(-EBUSY, prime_import(card, a, &h));
	EXPECT_EQ(1, kmsg_lines(kmsg, "overlaps the device-writable mapping", line, sizeof(line)));
	EXPECT_NE(NULL, strstr(line, "for vgem")) {
		TH_LOG("%s", line);
	}
	EXPECT_EQ(1, dev_ll(b.index, "dma_maps"));
	EXPECT_EQ(0, write_file(edu, "\n"));
	EXPECT_EQ(0, dev_ll(b.index, "dma_maps"));

	close(a);
	close(card);
	EXPECT_EQ(0, tbuf_free(&b));
	if (loaded_here)
		EXPECT_EQ(0, syscall(SYS_delete_module, "mapper_edu", O_NONBLOCK));
	close(kmsg);
}

/*
 * No device is given a write-combined buffer whose pages keep a cacheable
 * kernel alias (arm64's linear map): a coherent device could be served
 * stale lines from it. The import fails with EINVAL and a line naming the
 * mode there; where the kernel's own mapping follows the mode (x86), the
 * importer maps it.
 */
TEST_F(dmabuf, an_importer_maps_a_wc_buffer_only_without_a_cacheable_alias)
{
	int card, a, ret, arm64, kmsg = kmsg_open();
	char card_path[32], line[512];
	struct utsname u;
	struct tbuf b;
	uint32_t h;

	ASSERT_LE(0, kmsg);
	ASSERT_EQ(0, uname(&u));
	arm64 = !strcmp(u.machine, "aarch64");
	NEED("vgem", vgem_here());
	if (!vgem_maps_at_import())
		SKIP(return, "vgem attaches without mapping on this kernel");
	if (mbuf_make(&b, "gemwc", MIB, 0, "wc"))
		SKIP(return, "no write-combined buffers on this kernel");
	card = vgem_open(card_path, sizeof(card_path));
	ASSERT_LE(0, card);
	a = export(b.fd, O_RDWR | O_CLOEXEC, 0, 0);
	ASSERT_LE(0, a);
	ret = prime_import(card, a, &h);
	if (arm64) {
		EXPECT_EQ(-EINVAL, ret);
		EXPECT_EQ(1, kmsg_lines(kmsg, "gemwc: DMA map for ", line, sizeof(line)));
		EXPECT_NE(NULL, strstr(line, "a wc buffer keeps cacheable kernel aliases")) {
			TH_LOG("%s", line);
		}
		EXPECT_EQ(0, dev_ll(b.index, "dma_maps"));
	} else {
		EXPECT_EQ(0, ret);
		EXPECT_EQ(1, dev_ll(b.index, "dma_maps"));
		if (!ret)
			EXPECT_EQ(0, gem_close(card, h));
	}
	EXPECT_EQ(0, dev_ll(b.index, "dma_maps"));
	close(a);
	close(card);
	EXPECT_EQ(0, tbuf_free(&b));
	close(kmsg);
}

/* ---- 5. vivid (V4L2) ---------------------------------------------------------- */

/*
 * The capture into exports of @b: CAP_BUFS ranges one page apart, the
 * first at one page, each the frame rounded up to pages.
 */
static size_t cap_layout(struct cap *c, size_t *off, size_t *len)
{
	size_t stride;

	*len = (c->pix.sizeimage + page - 1) / page * page;
	stride = *len + page;
	for (int i = 0; i < CAP_BUFS; i++)
		off[i] = page + i * stride;
	return off[CAP_BUFS - 1] + stride;
}

TEST_F_TIMEOUT(dmabuf, vivid_captures_into_mapper_dma_bufs, 300)
{
	size_t off[CAP_BUFS], len, need;
	unsigned char *ref;
	struct cap c;
	struct tbuf b;

	NEED("vivid", vivid_here());
	cap_setup(_metadata, &c);
	self->video = c.fd;
	ref = malloc(c.pix.sizeimage);
	ASSERT_NE(NULL, ref);
	capture_mmap(_metadata, &c, ref);

	need = cap_layout(&c, off, &len);
	ASSERT_EQ(0, mbuf_make(&b, "vivid", (need + MIB - 1) / MIB * MIB, 0, NULL));
	/* vb2-vmalloc reads and writes through the dma-buf's vmap: no device mapping */
	capture_dmabuf(_metadata, &c, &b, off, len, ref, 0);
	free(ref);
	close(c.fd);
	self->video = -1;
	EXPECT_EQ(0, tbuf_free(&b));
}

TEST_F_TIMEOUT(dmabuf, vivid_dma_contig_captures_into_a_contiguous_buffer, 300)
{
	size_t off[CAP_BUFS], len, need;
	char text[256], line[512];
	unsigned char *ref;
	struct cap c;
	struct tbuf b;
	int ro, e, o, kmsg = kmsg_open();

	ASSERT_LE(0, kmsg);
	/* vivid's allocator is a module option (0444): vivid reloaded with it */
	NEED("vivid", vivid_here() && exists(VIVID_KO));
	ASSERT_EQ(0, vivid_reload("allocators=1")) {
		TH_LOG("vivid %s allocators=1: %s", vivid_params(), strerror(errno));
	}
	self->reloaded = 1;
	ASSERT_EQ(0, read_line("/sys/module/vivid/parameters/allocators", text, sizeof(text)));
	ASSERT_EQ('1', text[0]) {
		TH_LOG("allocators reads '%s'", text);
	}
	cap_setup(_metadata, &c);
	self->video = c.fd;
	ref = malloc(c.pix.sizeimage);
	ASSERT_NE(NULL, ref);
	capture_mmap(_metadata, &c, ref);

	need = cap_layout(&c, off, &len);
	ASSERT_EQ(0, mbuf_make(&b, "vividcontig", (need + MIB - 1) / MIB * MIB, 1, NULL));
	EXPECT_EQ(1, dev_ll(b.index, "contiguous"));
	/* vb2-dma-contig maps each export for vivid's device, one DMA range each */
	capture_dmabuf(_metadata, &c, &b, off, len, ref, CAP_BUFS);

	/*
	 * mapper's rules for device mappings, asked by vivid's (FROM_DEVICE):
	 * none of a read-only export; importers' overlapping ones may be.
	 */
	ro = export(b.fd, O_RDONLY | O_CLOEXEC, off[0], len);
	e = export(b.fd, O_RDWR | O_CLOEXEC, off[0], len);
	o = export(b.fd, O_RDWR | O_CLOEXEC, off[0] + page, len);
	ASSERT_LE(0, ro);
	ASSERT_LE(0, e);
	ASSERT_LE(0, o);
	ASSERT_LE(2, reqbufs(c.fd, V4L2_MEMORY_DMABUF, 2, NULL));
	EXPECT_GT(0, qbuf_dmabuf(c.fd, 0, ro, len));
	EXPECT_EQ(1, kmsg_lines(kmsg, "vividcontig: a read-only dma-buf: ", line, sizeof(line)));
	EXPECT_NE(NULL, strstr(line, "may only read it (DMA_TO_DEVICE)")) {
		TH_LOG("%s", line);
	}
	EXPECT_EQ(0, dev_ll(b.index, "dma_maps"));
	EXPECT_EQ(0, qbuf_dmabuf(c.fd, 0, e, len));
	EXPECT_EQ(1, dev_ll(b.index, "dma_maps"));
	EXPECT_EQ(0, qbuf_dmabuf(c.fd, 1, o, len));
	EXPECT_EQ(0, kmsg_lines(kmsg, "overlaps the device-writable mapping", line, sizeof(line)));
	EXPECT_EQ(2, dev_ll(b.index, "dma_maps"));
	ASSERT_EQ(0, reqbufs(c.fd, V4L2_MEMORY_DMABUF, 0, NULL));
	EXPECT_EQ(0, dev_ll(b.index, "dma_maps"));
	close(ro);
	close(e);
	close(o);
	EXPECT_EQ(0, dev_ll(b.index, "exports"));
	free(ref);
	close(c.fd);
	self->video = -1;
	EXPECT_EQ(0, tbuf_free(&b));
	close(kmsg);
}

/* ---- 6. afterwards ------------------------------------------------------------ */

TEST_F_TIMEOUT(dmabuf, every_importer_gives_everything_back, 120)
{
	size_t off[CAP_BUFS], len, need;
	struct v4l2_buffer vb;
	char card_path[32];
	unsigned char *m;
	int card, e, ev[2];
	struct cap c;
	struct tbuf b;
	uint32_t h;

	NEED("vgem", vgem_here());
	NEED("vivid", vivid_here());
	cap_setup(_metadata, &c);
	self->video = c.fd;
	need = cap_layout(&c, off, &len);
	ASSERT_EQ(0, mbuf_make(&b, "all", (need + MIB - 1) / MIB * MIB + 2 * MIB, 0, NULL));
	card = vgem_open(card_path, sizeof(card_path));
	ASSERT_LE(0, card);

	/* vgem, vivid, a mapping of the dma-buf: all at once on one buffer */
	e = export(b.fd, O_RDWR | O_CLOEXEC, b.size - 2 * MIB, 2 * MIB);
	ASSERT_LE(0, e);
	ASSERT_EQ(0, prime_import(card, e, &h));
	m = mmap(NULL, 2 * MIB, PROT_READ | PROT_WRITE, MAP_SHARED, e, 0);
	ASSERT_NE(MAP_FAILED, m);
	/* two v4l2 buffers: vivid starts with no fewer before 5.x's requests */
	ASSERT_LE(2, reqbufs(c.fd, V4L2_MEMORY_DMABUF, 2, NULL));
	for (int i = 0; i < 2; i++) {
		ev[i] = export(b.fd, O_RDWR | O_CLOEXEC, off[i], len);
		ASSERT_LE(0, ev[i]);
		memset(&vb, 0, sizeof(vb));
		vb.index = i;
		vb.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		vb.memory = V4L2_MEMORY_DMABUF;
		vb.length = len;
		vb.m.fd = ev[i];
		ASSERT_EQ(0, v4l2(c.fd, VIDIOC_QBUF, &vb));
	}
	ASSERT_EQ(0, stream(c.fd, 1));
	ASSERT_EQ(0, dqbuf(c.fd, V4L2_MEMORY_DMABUF, &vb));
	ASSERT_EQ(0, stream(c.fd, 0));
	EXPECT_EQ(3, dev_ll(b.index, "exports"));
	EXPECT_EQ(vgem_maps_at_import(), dev_ll(b.index, "dma_maps"));
	EXPECT_EQ(2, maps_of(&b));

	/* every fd closed: nothing left of any of it */
	munmap(m, 2 * MIB);
	close(e);
	close(ev[0]);
	close(ev[1]);
	close(card);
	close(c.fd);
	self->video = -1;
	tbuf_close(&b);
	EXPECT_EQ(0, dev_ll(b.index, "exports"));
	EXPECT_EQ(0, dev_ll(b.index, "dma_maps"));
	EXPECT_EQ(0, dev_ll(b.index, "maps"));
	EXPECT_EQ(0, dev_ll(b.index, "opens"));
	/* so a strict removal works, and so does rmmod */
	EXPECT_EQ(0, cfs_remove(b.name));
	EXPECT_EQ(0, unload());
	ASSERT_EQ(0, load("devices=0"));
	ASSERT_EQ(0, configfs_mount());
}

/*
 * Last: where this fails by a WARN of the dma-buf core (panic_on_warn ends
 * the VM), everything above has reported.
 */
TEST_F(dmabuf, vivid_cannot_capture_into_a_read_only_export)
{
	struct v4l2_buffer vb;
	char line[256];
	struct cap c;
	struct tbuf b;
	int ro, kmsg = kmsg_open();

	ASSERT_LE(0, kmsg);
	NEED("vivid", vivid_here());
	cap_setup(_metadata, &c);
	self->video = c.fd;
	ASSERT_EQ(0, mbuf_make(&b, "vividro", MIB, 0, NULL));
	/*
	 * vb2-vmalloc writes through the dma-buf's vmap, which a read-only
	 * one has not: the core refuses it (EINVAL), without a warning.
	 */
	ro = export(b.fd, O_RDONLY | O_CLOEXEC, 0, 0);
	ASSERT_LE(0, ro);
	ASSERT_LE(1, reqbufs(c.fd, V4L2_MEMORY_DMABUF, 1, NULL));
	memset(&vb, 0, sizeof(vb));
	vb.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	vb.memory = V4L2_MEMORY_DMABUF;
	vb.length = b.size;
	vb.m.fd = ro;
	EXPECT_GT(0, v4l2(c.fd, VIDIOC_QBUF, &vb));
	(void)line;
	ASSERT_EQ(0, reqbufs(c.fd, V4L2_MEMORY_DMABUF, 0, NULL));
	close(ro);
	EXPECT_EQ(0, dev_ll(b.index, "exports"));
	close(c.fd);
	self->video = -1;
	EXPECT_EQ(0, tbuf_free(&b));
	close(kmsg);
}

TEST_HARNESS_MAIN
