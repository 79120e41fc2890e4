/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MAPPER_INTERNAL_H
#define MAPPER_INTERNAL_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/device.h>
#include <linux/dma-direction.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/wait.h>

/* How user mappings and the kernel see a buffer's memory (see mapper(4)). */
enum mapper_cache {
	MAPPER_CACHE_CACHED,		/* write-back, the default */
	MAPPER_CACHE_WC,		/* write-combined */
	MAPPER_CACHE_UC,		/* uncached (UC-) */
};

extern const char *const mapper_cache_names[];

/*
 * A buffer: zeroed pages, allocated in chunks as large as memory allows;
 * PMD-sized, PMD-aligned chunks stay compound pages (mapped huge where the
 * user address allows), all others are split so that each page has its own
 * reference count. pages[] lists every page, subpages of compound ones too.
 *
 * The buffer is reference counted: the device holds one reference and every
 * VMA another, so its pages stay valid for as long as anything maps them.
 */
struct mapper_buf {
	struct kref ref;
	size_t size;			/* bytes, a whole number of pages */
	unsigned long nr_pages;
	struct page **pages;		/* nr_pages entries, fixed for life */
	atomic_long_t maps;		/* live VMAs, in every process */
	struct mapper_dev *md;		/* its device; NULL for a private buffer */
	unsigned int holders;		/* kernel holders (api.c), under mapper_lock */
	int node;			/* NUMA node asked for, NUMA_NO_NODE for any */

	/* Change notification from kernel producers (api.c). */
	atomic64_t events;		/* mapper_notify() calls so far */
	wait_queue_head_t wait;		/* poll()ers of every open file */

	/*
	 * Serialises creating vaddr, mmap() and cache mode changes: the mode
	 * changes only while nothing maps the memory (maps == 0, no vaddr).
	 */
	struct mutex vmap_lock;
	/*
	 * Taken before vmap_lock by a cache mode change (sysfs, configfs):
	 * where read() and write() maintain the lines they copy (arm64's
	 * wc/uc, buffer.c), they hold it, one at a time in those modes.
	 */
	struct rw_semaphore copy_sem;
	void *vaddr;			/* kernel alias, made on first request */
	enum mapper_cache cache;
	bool cache_unknown;		/* a failed change left modes unknown (buffer.c) */
	/* Mappings for devices (dma.c): the list under dma_lock, the count under vmap_lock. */
	struct mutex dma_lock;
	struct list_head dma_maps;
	unsigned int dma_count;		/* the cache mode stays while any */
	unsigned int exports;		/* live dma-bufs (dmabuf.c), under vmap_lock */

	bool contiguous;		/* one physical block, pages[0] first */
	struct cma *cma;		/* the area it came from, or NULL */
	const char *dma_device;		/* allocated for this device, or NULL */

	struct inode *inode;		/* the mappings' file: i_size, i_mmap (inode.c) */
};

/* mapper_buf_alloc() flags */
#define MAPPER_BUF_ACCOUNT	BIT(0)	/* charge the caller's memory cgroup */
#define MAPPER_BUF_FALLBACK	BIT(1)	/* other nodes when @node runs out */
#define MAPPER_BUF_CONTIG	BIT(2)	/* one physically contiguous block */

struct mapper_buf *mapper_buf_alloc(const char *who, size_t size, int node,
				    unsigned int flags, struct device *dev);
int mapper_node_check(const char *who, int node);
unsigned long mapper_total_pages(void);
unsigned long mapper_limit_pages(void);
extern unsigned long long mapper_max_total;
void mapper_buf_get(struct mapper_buf *buf);
void mapper_buf_put(struct mapper_buf *buf);
bool mapper_cache_supported(void);
bool mapper_cma_usable(void);
int mapper_buf_set_cache(struct mapper_buf *buf, enum mapper_cache mode);
pgprot_t mapper_cache_pgprot(enum mapper_cache mode, pgprot_t prot);
void mapper_buf_cpu_sync(struct mapper_buf *buf, struct page *page, size_t off,
			 size_t len, bool written);
int mapper_buf_copy_begin(struct mapper_buf *buf, bool *excl);
void mapper_buf_copy_end(struct mapper_buf *buf, bool excl);

#define MAPPER_NAME_MAX		31
#define MAPPER_DMA_DEVICE_MAX	63	/* bus device names: 0000:00:04.0, fe200000.dma */
#define MAPPER_MINORS		(MINORMASK + 1)

/*
 * One /dev/mapperN: the device core's view of a buffer. Open files and kernel
 * holders hold a reference on dev (and so on the buffer and the index); the
 * creator (the module's own table or a configfs item) holds one more until
 * it removes the device. The index is free again only once the last
 * reference is gone.
 */
struct mapper_dev {
	struct device dev;
	unsigned int index;
	char name[MAPPER_NAME_MAX + 1];
	struct mapper_buf *buf;
	/* Under mapper_lock (device.c). */
	unsigned int opens;		/* open files, those kept by a mapping too */
	struct list_head files;		/* their struct mapper_file */
	bool live;			/* registered: open() and lookups find it */
};

/* What mapper_dev_create() makes. */
struct mapper_spec {
	const char *name;		/* NULL: mapperN */
	int index;			/* -1: the lowest free one */
	size_t size;			/* bytes, rounded up to pages */
	int node;			/* NUMA_NO_NODE for any */
	enum mapper_cache cache;
	unsigned int flags;		/* MAPPER_BUF_* */
	const char *dma_device;		/* pages for this device (dma.c), or NULL */
	bool quiet;			/* no uevent until mapper_dev_announce() */
};

/* What an open file of /dev/mapperN remembers. */
struct mapper_file {
	struct mapper_dev *md;
	struct file *file;
	struct list_head node;		/* in md->files, under mapper_lock */
	atomic_t vmas;			/* mappings made through it (their vm_file) */
	u64 seen;			/* events acknowledged by MAPPER_IOC_INFO */
};

extern struct mutex mapper_lock;
extern struct class *mapper_class;
extern dev_t mapper_devt;

int mapper_name_check(const char *name, int *index);
struct mapper_dev *mapper_dev_create(const struct mapper_spec *spec);
void mapper_dev_announce(struct mapper_dev *md);
int mapper_dev_remove(struct mapper_dev *md, bool lazy);
void mapper_dev_destroy(struct mapper_dev *md);
bool mapper_name_live(const char *name);
struct mapper_dev *mapper_dev_open(unsigned int index, struct mapper_file *mf);
void mapper_dev_close(struct mapper_file *mf);
unsigned int mapper_dev_fds(struct mapper_dev *md);
struct mapper_dev *mapper_dev_hold(unsigned int index, const char *name);
void mapper_dev_exit(void);

#if IS_ENABLED(CONFIG_CONFIGFS_FS)
int mapper_configfs_init(void);
void mapper_configfs_ready(void);
void mapper_configfs_exit(void);
#else
static inline int mapper_configfs_init(void) { return 0; }
static inline void mapper_configfs_ready(void) { }
static inline void mapper_configfs_exit(void) { }
#endif

/* dma.c */
struct sg_table *__mapper_dma_map(struct mapper_buf *buf, struct device *dev,
				  size_t offset, size_t len, enum dma_data_direction dir,
				  bool shared);
struct device *mapper_find_device(const char *who, const char *name);
phys_addr_t mapper_dma_limit(struct device *dev);
int mapper_dma_sync_all(struct mapper_buf *buf, size_t offset, size_t len,
			unsigned int flags);
void mapper_debugfs_init(void);
void mapper_debugfs_exit(void);

int mapper_copy_arg(void *dst, size_t size, const void __user *arg, size_t min);
int mapper_parse_size(const char *val, unsigned long long *size);

int mapper_inode_init(void);
void mapper_inode_exit(void);
struct inode *mapper_inode_new(loff_t size);

static inline struct mapper_dev *to_mapper_dev(struct device *dev)
{
	return container_of(dev, struct mapper_dev, dev);
}

extern const struct file_operations mapper_fops;
extern const struct attribute_group *mapper_groups[];
int mapper_class_files_create(void);
void mapper_class_files_remove(void);

int mapper_mmap(struct file *file, struct vm_area_struct *vma);
int mapper_mmap_buf(struct mapper_buf *buf, struct vm_area_struct *vma,
		    struct device *dev, const char *who);
vm_fault_t mapper_vm_fault(struct vm_fault *vmf);

#if IS_ENABLED(CONFIG_DMA_SHARED_BUFFER)
long mapper_ioctl_export(struct file *file, void __user *arg);
#else
static inline long mapper_ioctl_export(struct file *file, void __user *arg)
{
	return -EOPNOTSUPP;
}
#endif
unsigned long mapper_get_unmapped_area(struct file *file, unsigned long addr,
				       unsigned long len, unsigned long pgoff,
				       unsigned long flags);

static inline struct mapper_dev *mapper_file_dev(struct file *file)
{
	return ((struct mapper_file *)file->private_data)->md;
}

#endif /* MAPPER_INTERNAL_H */
