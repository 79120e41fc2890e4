// SPDX-License-Identifier: GPL-2.0
/*
 * vivid_bench: V4L2 capture from Debian's vivid into mapper dma-bufs
 * (V4L2_MEMORY_DMABUF, MAPPER_IOC_EXPORT_DMABUF) against vivid's own
 * buffers (V4L2_MEMORY_MMAP), frames per second; make bench-dmabuf
 * (mk/dmabuf.mk) runs it in a VM through tests/vm/bench-dmabuf.sh.
 *
 * vivid's webcam input at 640x360 YUYV and the shortest frame interval it
 * offers there, with a static test pattern (no on-screen text, no movement,
 * as tests/vm/dmabuf_test.c sets it up). Each round captures --frames frames
 * with 4 MMAP buffers and as many with 4 exports of one mapper buffer (the
 * --device, e.g. the load-time buffer of insmod size=2M), the order of the
 * two swapped every round so that noise hits both alike. Every frame of
 * either mode is compared with the first MMAP frame, so both read each
 * frame once. Prints each round's fps, the medians and the ratio
 * dmabuf/mmap. Fails only on errors or a frame that differs, never on speed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/videodev2.h>

#include "mapper.h"

#define CAP_W	640
#define CAP_H	360
#define NBUFS	4

static const char *prog = "vivid_bench";

#define die(...) do { \
	fprintf(stderr, "%s: ", prog); \
	fprintf(stderr, __VA_ARGS__); \
	fputc('\n', stderr); \
	exit(1); \
} while (0)

static int v4l2(int fd, unsigned long req, void *arg)
{
	int ret;

	do
		ret = ioctl(fd, req, arg);
	while (ret && errno == EINTR);
	return ret ? -errno : 0;
}

#define V4L2(fd, req, arg) do { \
	int __r = v4l2((fd), (req), (arg)); \
	if (__r) \
		die("%s: %s", #req, strerror(-__r)); \
} while (0)

/* The video capture node of the driver "vivid", open. */
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
	die("no video capture node of vivid (modprobe vivid n_devs=1 node_types=0x1)");
}

/*
 * Control @name set to menu item @item (or to @value if @item is NULL):
 * 0, or -ENOENT where this kernel's vivid has no such control or item.
 */
static int ctrl_set(int fd, const char *name, const char *item, int value)
{
	struct v4l2_queryctrl q = { .id = V4L2_CTRL_FLAG_NEXT_CTRL };
	struct v4l2_control c;

	for (;;) {
		if (v4l2(fd, VIDIOC_QUERYCTRL, &q))
			return -ENOENT;
		if (!strcmp((char *)q.name, name))
			break;
		q.id |= V4L2_CTRL_FLAG_NEXT_CTRL;
	}
	if (item) {
		value = -1;
		for (int i = q.minimum; i <= q.maximum && value < 0; i++) {
			struct v4l2_querymenu m = { .id = q.id, .index = i };

			if (!v4l2(fd, VIDIOC_QUERYMENU, &m) && !strcmp((char *)m.name, item))
				value = i;
		}
		if (value < 0)
			return -ENOENT;
	}
	c.id = q.id;
	c.value = value;
	V4L2(fd, VIDIOC_S_CTRL, &c);
	return 0;
}

/* Webcam input, CAP_W x CAP_H YUYV, the fastest frame rate, a static pattern. */
static void cap_setup(int fd, struct v4l2_pix_format *pix, struct v4l2_fract *tpf)
{
	struct v4l2_format f = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	struct v4l2_streamparm parm = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
	int input = 0;

	V4L2(fd, VIDIOC_S_INPUT, &input);
	f.fmt.pix.width = CAP_W;
	f.fmt.pix.height = CAP_H;
	f.fmt.pix.pixelformat = V4L2_PIX_FMT_YUYV;
	f.fmt.pix.field = V4L2_FIELD_NONE;
	V4L2(fd, VIDIOC_S_FMT, &f);
	if (f.fmt.pix.width != CAP_W || f.fmt.pix.height != CAP_H ||
	    f.fmt.pix.pixelformat != V4L2_PIX_FMT_YUYV)
		die("vivid gives %ux%u %.4s, not %ux%u YUYV", f.fmt.pix.width, f.fmt.pix.height,
		    (char *)&f.fmt.pix.pixelformat, CAP_W, CAP_H);
	*pix = f.fmt.pix;
	/* vivid picks the shortest interval of its list that is not below this */
	parm.parm.capture.timeperframe = (struct v4l2_fract){ 1, 1000 };
	V4L2(fd, VIDIOC_S_PARM, &parm);
	*tpf = parm.parm.capture.timeperframe;
	if (ctrl_set(fd, "OSD Text Mode", "None", 0) ||
	    ctrl_set(fd, "Test Pattern", "100% Color Squares", 0))
		die("vivid has no 'OSD Text Mode' None or 'Test Pattern' 100%% Color Squares");
	ctrl_set(fd, "Horizontal Movement", "No Movement", 0);
	ctrl_set(fd, "Vertical Movement", "No Movement", 0);
	ctrl_set(fd, "Show Border", NULL, 0);
	ctrl_set(fd, "Show Square", NULL, 0);
	ctrl_set(fd, "Insert SAV Code in Image", NULL, 0);
	ctrl_set(fd, "Insert EAV Code in Image", NULL, 0);
	ctrl_set(fd, "Fill Percentage of Frame", NULL, 100);
	ctrl_set(fd, "Percentage of Dropped Buffers", NULL, 0);
}

static unsigned int reqbufs(int fd, unsigned int memory, unsigned int count)
{
	struct v4l2_requestbuffers rb = {
		.count = count, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = memory,
	};

	V4L2(fd, VIDIOC_REQBUFS, &rb);
	if (rb.count != count)
		die("VIDIOC_REQBUFS of %u buffers gave %u", count, rb.count);
	return rb.count;
}

static void stream(int fd, int on)
{
	int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;

	V4L2(fd, on ? VIDIOC_STREAMON : VIDIOC_STREAMOFF, &type);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct run {
	double fps;
	unsigned int dropped;	/* sequence numbers vivid skipped */
	unsigned int differ;	/* frames not byte-equal to the reference */
};

/*
 * One warm-up frame, then @frames timed ones from buffers of @memory, each
 * compared with @ref (the first frame goes there where @have_ref is 0) and
 * requeued; @view[i] is buffer i's bytes, @dmabuf[i] its fd for DMABUF.
 */
static struct run capture(int fd, unsigned int memory, unsigned char *const *view,
			  const int *dmabuf, size_t len, size_t size, unsigned char *ref,
			  int *have_ref, unsigned int frames)
{
	struct run r = { 0 };
	uint32_t seq0 = 0;
	double t0 = 0;

	for (int i = 0; i < NBUFS; i++) {
		struct v4l2_buffer b = {
			.index = i, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = memory,
		};

		if (memory == V4L2_MEMORY_DMABUF) {
			b.m.fd = dmabuf[i];
			b.length = len;
		}
		V4L2(fd, VIDIOC_QBUF, &b);
	}
	stream(fd, 1);
	for (unsigned int f = 0; f <= frames; f++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct v4l2_buffer b = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = memory };

		if (poll(&p, 1, 60000) != 1)
			die("no frame from vivid within 60 s");
		V4L2(fd, VIDIOC_DQBUF, &b);
		if (b.index >= NBUFS || (b.flags & V4L2_BUF_FLAG_ERROR) || b.bytesused != size)
			die("frame %u: buffer %u, flags %#x, %u bytes", f, b.index, b.flags, b.bytesused);
		if (!f) {
			t0 = now();
			seq0 = b.sequence;
		} else {
			r.dropped = b.sequence - seq0 - f;
		}
		if (!*have_ref) {
			memcpy(ref, view[b.index], size);
			*have_ref = 1;
		} else if (memcmp(ref, view[b.index], size)) {
			r.differ += f > 0;
		}
		if (memory == V4L2_MEMORY_DMABUF) {
			b.m.fd = dmabuf[b.index];
			b.length = len;
		}
		V4L2(fd, VIDIOC_QBUF, &b);
	}
	r.fps = frames / (now() - t0);
	stream(fd, 0);
	return r;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: %s [--frames N] [--rounds R] [--device /dev/mapperN] [--video /dev/videoN]\n"
		"  vivid capture into N frames of its own MMAP buffers and into 4 dma-bufs\n"
		"  of the mapper buffer, alternating over R rounds (defaults: 300, 3,\n"
		"  /dev/mapper0, vivid's first capture node)\n", prog);
	exit(status);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "frames", required_argument, NULL, 'n' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "device", required_argument, NULL, 'd' },
		{ "video", required_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *device = "/dev/mapper0";
	char video[64] = "";
	unsigned int frames = 300, rounds = 3, differ[2] = { 0 };
	unsigned char *mview[NBUFS], *dview[NBUFS], *ref, *buf;
	size_t mlen[NBUFS], len, page = sysconf(_SC_PAGESIZE);
	int vfd, mfd, efd[NBUFS], have_ref = 0, c;
	double *fps[2];
	struct v4l2_pix_format pix;
	struct v4l2_fract tpf;
	off_t bufsize;

	while ((c = getopt_long(argc, argv, "n:r:d:v:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': frames = strtoul(optarg, NULL, 0); break;
		case 'r': rounds = strtoul(optarg, NULL, 0); break;
		case 'd': device = optarg; break;
		case 'v': snprintf(video, sizeof(video), "%s", optarg); break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (optind < argc || !frames || !rounds || rounds > 1000)
		usage(2);

	if (*video) {
		vfd = open(video, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (vfd < 0)
			die("%s: %s", video, strerror(errno));
	} else {
		vfd = vivid_open(video, sizeof(video));
	}
	cap_setup(vfd, &pix, &tpf);
	len = (pix.sizeimage + page - 1) / page * page;

	/* the dma-bufs: NBUFS exports of one mapper buffer, back to back */
	mfd = open(device, O_RDWR | O_CLOEXEC);
	if (mfd < 0)
		die("%s: %s", device, strerror(errno));
	bufsize = lseek(mfd, 0, SEEK_END);
	if (bufsize < (off_t)(NBUFS * len))
		die("%s has %lld bytes, %zu needed (insmod mapper.ko size=2M)", device,
		    (long long)bufsize, NBUFS * len);
	buf = mmap(NULL, NBUFS * len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, mfd, 0);
	if (buf == MAP_FAILED)
		die("mmap of %s: %s", device, strerror(errno));
	memset(buf, 0xaa, NBUFS * len);
	for (int i = 0; i < NBUFS; i++) {
		struct mapper_export_dmabuf e = {
			.argsz = sizeof(e), .flags = O_RDWR | O_CLOEXEC,
			.offset = i * len, .length = len, .fd = -1,
		};

		if (ioctl(mfd, MAPPER_IOC_EXPORT_DMABUF, &e))
			die("MAPPER_IOC_EXPORT_DMABUF of %#zx+%#zx: %s", i * len, len, strerror(errno));
		efd[i] = e.fd;
		dview[i] = buf + i * len;
	}
	ref = malloc(pix.sizeimage);
	fps[0] = calloc(rounds, sizeof(double));
	fps[1] = calloc(rounds, sizeof(double));
	if (!ref || !fps[0] || !fps[1])
		die("out of memory");

	printf("%s: vivid %s, %ux%u YUYV, %u bytes a frame, %u/%u s a frame (%.0f fps), %d buffers\n",
	       prog, video, pix.width, pix.height, pix.sizeimage, tpf.numerator, tpf.denominator,
	       (double)tpf.denominator / tpf.numerator, NBUFS);
	printf("%s: dmabuf: %d exports of %s (%lld bytes) of %zu bytes each; %u frames a mode, %u rounds\n",
	       prog, NBUFS, device, (long long)bufsize, len, frames, rounds);
	fflush(stdout);

	for (unsigned int r = 0; r < rounds; r++) {
		struct run run[2];

		/* the first round starts with MMAP: its first frame is the reference */
		for (int k = 0; k < 2; k++) {
			int dma = k ^ (r & 1);

			if (!dma) {
				reqbufs(vfd, V4L2_MEMORY_MMAP, NBUFS);
				for (int i = 0; i < NBUFS; i++) {
					struct v4l2_buffer b = {
						.index = i, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
						.memory = V4L2_MEMORY_MMAP,
					};

					V4L2(vfd, VIDIOC_QUERYBUF, &b);
					mlen[i] = b.length;
					mview[i] = mmap(NULL, b.length, PROT_READ, MAP_SHARED, vfd, b.m.offset);
					if (mview[i] == MAP_FAILED)
						die("mmap of vivid's buffer %d: %s", i, strerror(errno));
				}
				run[0] = capture(vfd, V4L2_MEMORY_MMAP, mview, NULL, 0, pix.sizeimage,
						 ref, &have_ref, frames);
				for (int i = 0; i < NBUFS; i++)
					munmap(mview[i], mlen[i]);
			} else {
				reqbufs(vfd, V4L2_MEMORY_DMABUF, NBUFS);
				run[1] = capture(vfd, V4L2_MEMORY_DMABUF, dview, efd, len, pix.sizeimage,
						 ref, &have_ref, frames);
			}
			reqbufs(vfd, dma ? V4L2_MEMORY_DMABUF : V4L2_MEMORY_MMAP, 0);
		}
		for (int k = 0; k < 2; k++) {
			fps[k][r] = run[k].fps;
			differ[k] += run[k].differ;
		}
		printf("round %u: mmap %.2f fps (%u dropped), dmabuf %.2f fps (%u dropped)%s\n",
		       r + 1, run[0].fps, run[0].dropped, run[1].fps, run[1].dropped,
		       r & 1 ? " (dmabuf first)" : "");
		fflush(stdout);
	}

	{
		double m = median(fps[0], rounds), d = median(fps[1], rounds);

		printf("median of %u rounds: mmap %.2f fps, dmabuf %.2f fps\n", rounds, m, d);
		printf("ratio dmabuf/mmap: %.3f (goal >= 0.95)\n", d / m);
	}
	printf("sanity: dmabuf frames byte-equal to vivid's MMAP frame: %s (%u of %u differ; mmap frames: %u differ)\n",
	       differ[1] ? "NO" : "yes", differ[1], frames * rounds, differ[0]);
	for (int i = 0; i < NBUFS; i++)
		close(efd[i]);
	munmap(buf, NBUFS * len);
	close(mfd);
	close(vfd);
	return differ[0] || differ[1];
}
