// SPDX-License-Identifier: GPL-2.0
/*
 * mapper_edu: a PCI driver that moves data between a mapper buffer and a
 * device with mapper's DMA API (mapper_dma_map() and friends).
 *
 * The device is QEMU's "edu" (-device edu, PCI 1234:11e8; QEMU's
 * docs/specs/edu.rst): a DMA engine that copies between RAM, at a DMA
 * address, and a 4 KiB buffer of its own, reaching 28 bits of DMA address.
 * Everything is driven from sysfs, on the PCI device:
 *
 *	# cd /sys/bus/pci/drivers/mapper_edu/0000:00:02.0
 *	# echo "frames 0 1M to_device" > buffer	(map buffer "frames" for the device)
 *	# cat buffer
 *	frames 0 1048576 to_device 1
 *	# echo "4096 512" > to_device		(buffer[4096, +512) -> the device)
 *	# echo "8192 512" > from_device		(the device's first 512 bytes -> buffer[8192...])
 *	# echo > buffer				(unmap)
 *
 * buffer: "NAME [OFFSET [LENGTH [DIR]]]" maps the buffer called NAME, or the
 * page-aligned range from OFFSET (LENGTH 0 or none: to its end), DIR one of
 * bidirectional (the default), to_device, from_device; EBUSY while one is
 * mapped; errors of mapper_get_by_name() and mapper_dma_map() as they come.
 * An empty line unmaps it. Read: "NAME OFFSET LENGTH DIR SEGMENTS", where
 * SEGMENTS counts the mapping's DMA segments (one behind an IOMMU), or an
 * empty line.
 *
 * to_device, from_device: "OFFSET LENGTH", OFFSET in bytes of the buffer,
 * LENGTH 1 to 4096: a DMA between buffer[OFFSET, +LENGTH) and the device's
 * buffer [0, LENGTH). The range lies inside the mapping and inside one of
 * its DMA segments, in a direction the mapping allows (EINVAL otherwise);
 * ENXIO with nothing mapped, ETIMEDOUT if the device does not finish. The
 * write returns once the transfer is done (the driver polls the device).
 *
 * With sync=1 (the default) the driver syncs the range for the device
 * before each transfer and for the CPU after it, as a driver must. With
 * sync=0 it leaves that to user space (MAPPER_IOC_SYNC on /dev/mapperN,
 * mapper(4)): the tests prove that ioctl that way.
 *
 * Built and installed with mapper (DKMS too, as mapper_sample): it shows how
 * a driver uses the DMA API, the in-VM tests (tests/vm/dma_test.c) use it,
 * and it binds only to QEMU's edu device (PCI 1234:11e8), so on a machine
 * without one it is never loaded.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/iopoll.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/scatterlist.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include <linux/mapper.h>

/* The device (QEMU's hw/misc/edu.c): BAR 0 registers. */
#define EDU_REG_IDENT		0x00	/* 0xRRrr00ed: major, minor, 0x00ed */
#define EDU_IDENT_MAGIC		0x00ed
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_COUNT	0x90
#define EDU_REG_DMA_CMD		0x98
#define EDU_CMD_START		BIT(0)	/* set to start; clear when done */
#define EDU_CMD_TO_RAM		BIT(1)	/* device -> RAM; clear: RAM -> device */

/* Its buffer, at this address of the DMA engine's own. */
#define EDU_BUF_ADDR		0x40000
#define EDU_BUF_SIZE		4096
#define EDU_DMA_BITS		28

/* The device finishes a transfer 100 ms after its start (QEMU's timer). */
#define EDU_POLL_US		1000
#define EDU_TIMEOUT_US		(5 * USEC_PER_SEC)

static bool edu_sync = true;
module_param_named(sync, edu_sync, bool, 0644);
MODULE_PARM_DESC(sync, "sync the range for the device and the CPU around each transfer (default Y; N: user space does, with MAPPER_IOC_SYNC)");

static const char *const edu_dir_names[] = {
	[DMA_BIDIRECTIONAL] = "bidirectional",
	[DMA_TO_DEVICE] = "to_device",
	[DMA_FROM_DEVICE] = "from_device",
};

struct edu {
	struct pci_dev *pdev;
	void __iomem *regs;
	struct mutex lock;		/* everything below, and the device's engine */
	struct mapper_buf *buf;		/* held while mapped */
	struct sg_table *sgt;
	char name[32];
	size_t offset, len;		/* the mapped range, in buffer bytes */
	enum dma_data_direction dir;
};

/* ---- the device ------------------------------------------------------- */

/* Registers are 64 bits wide; 32 are written as the DMA mask keeps below. */
static void edu_write_addr(struct edu *edu, unsigned int reg, dma_addr_t addr)
{
	BUILD_BUG_ON(EDU_DMA_BITS > 32);
	writel(lower_32_bits(addr), edu->regs + reg);
}

static int edu_wait_idle(struct edu *edu)
{
	u32 cmd;

	return readl_poll_timeout(edu->regs + EDU_REG_DMA_CMD, cmd,
				  !(cmd & EDU_CMD_START), EDU_POLL_US,
				  EDU_TIMEOUT_US);
}

/* One transfer between @addr and the device's buffer; waits for its end. */
static int edu_dma(struct edu *edu, dma_addr_t addr, size_t len, bool to_ram)
{
	int ret;

	/* A transfer that timed out may still run: the engine ignores writes. */
	if (readl(edu->regs + EDU_REG_DMA_CMD) & EDU_CMD_START)
		return -EBUSY;
	if (to_ram) {
		edu_write_addr(edu, EDU_REG_DMA_SRC, EDU_BUF_ADDR);
		edu_write_addr(edu, EDU_REG_DMA_DST, addr);
	} else {
		edu_write_addr(edu, EDU_REG_DMA_SRC, addr);
		edu_write_addr(edu, EDU_REG_DMA_DST, EDU_BUF_ADDR);
	}
	writel(len, edu->regs + EDU_REG_DMA_COUNT);
	writel(EDU_CMD_START | (to_ram ? EDU_CMD_TO_RAM : 0),
	       edu->regs + EDU_REG_DMA_CMD);
	ret = edu_wait_idle(edu);
	if (ret)
		dev_err(&edu->pdev->dev, "DMA of %zu bytes at %pad did not finish\n",
			len, &addr);
	return ret;
}

/* ---- the mapping ------------------------------------------------------ */

/* Splits @line at blanks into at most @max words: how many, or -EINVAL. */
static int edu_words(char *line, char **words, int max)
{
	char *word;
	int n = 0;

	while ((word = strsep(&line, " \t\n"))) {
		if (!*word)
			continue;
		if (n == max)
			return -EINVAL;
		words[n++] = word;
	}
	return n;
}

/* A sysfs write as words, in @text (NUL-terminated): their number or -errno. */
static int edu_parse(const char *buf, size_t count, char *text, size_t size,
		     char **words, int max)
{
	if (count >= size)
		return -EINVAL;
	memcpy(text, buf, count);
	text[count] = '\0';
	return edu_words(text, words, max);
}

static void edu_unmap(struct edu *edu)
{
	if (edu_wait_idle(edu))
		dev_warn(&edu->pdev->dev, "unmapping %s under a running DMA\n",
			 edu->name);
	mapper_dma_unmap(edu->buf, edu->sgt, edu->dir);
	mapper_put(edu->buf);
	edu->buf = NULL;
	edu->sgt = NULL;
}

static int edu_map(struct edu *edu, char **words, int n)
{
	enum dma_data_direction dir = DMA_BIDIRECTIONAL;
	unsigned long offset = 0, len = 0;
	struct mapper_buf *buf;
	struct sg_table *sgt;
	int ret;

	if (strlen(words[0]) >= sizeof(edu->name))
		return -EINVAL;
	if (n > 1 && kstrtoul(words[1], 0, &offset))
		return -EINVAL;
	if (n > 2 && kstrtoul(words[2], 0, &len))
		return -EINVAL;
	if (n > 3) {
		ret = match_string(edu_dir_names, ARRAY_SIZE(edu_dir_names), words[3]);
		if (ret < 0)
			return -EINVAL;
		dir = ret;
	}
	if (edu->buf)
		return -EBUSY;

	buf = mapper_get_by_name(words[0]);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	sgt = mapper_dma_map(buf, &edu->pdev->dev, offset, len, dir);
	if (IS_ERR(sgt)) {
		mapper_put(buf);
		return PTR_ERR(sgt);
	}
	edu->buf = buf;
	edu->sgt = sgt;
	edu->dir = dir;
	edu->offset = offset;
	edu->len = len ? len : mapper_size(buf) - offset;
	strscpy(edu->name, words[0], sizeof(edu->name));
	return 0;
}

static ssize_t buffer_show(struct device *dev, struct device_attribute *attr,
			   char *page)
{
	struct edu *edu = dev_get_drvdata(dev);
	ssize_t ret;

	mutex_lock(&edu->lock);
	if (edu->buf)
		ret = sysfs_emit(page, "%s %zu %zu %s %u\n", edu->name, edu->offset,
				 edu->len, edu_dir_names[edu->dir], edu->sgt->nents);
	else
		ret = sysfs_emit(page, "\n");
	mutex_unlock(&edu->lock);
	return ret;
}

static ssize_t buffer_store(struct device *dev, struct device_attribute *attr,
			    const char *buf, size_t count)
{
	struct edu *edu = dev_get_drvdata(dev);
	char text[96], *words[4];
	int n, ret = 0;

	n = edu_parse(buf, count, text, sizeof(text), words, ARRAY_SIZE(words));
	if (n < 0)
		return n;
	mutex_lock(&edu->lock);
	if (n)
		ret = edu_map(edu, words, n);
	else if (edu->buf)
		edu_unmap(edu);
	mutex_unlock(&edu->lock);
	return ret ? ret : count;
}
static DEVICE_ATTR_RW(buffer);

/* ---- transfers -------------------------------------------------------- */

/* The DMA address of buffer bytes [@offset, +@len), inside one segment. */
static int edu_dma_addr(struct edu *edu, size_t offset, size_t len,
			dma_addr_t *addr)
{
	struct scatterlist *sg;
	size_t pos;
	int i;

	if (offset < edu->offset || offset - edu->offset > edu->len ||
	    len > edu->len - (offset - edu->offset))
		return -EINVAL;
	pos = offset - edu->offset;
	for_each_sgtable_dma_sg(edu->sgt, sg, i) {
		size_t seg = sg_dma_len(sg);

		if (pos < seg) {
			if (len > seg - pos)
				return -EINVAL;	/* crosses into the next segment */
			*addr = sg_dma_address(sg) + pos;
			return 0;
		}
		pos -= seg;
	}
	return -EINVAL;
}

static ssize_t edu_transfer(struct device *dev, const char *buf, size_t count,
			    bool to_ram)
{
	enum dma_data_direction dir = to_ram ? DMA_FROM_DEVICE : DMA_TO_DEVICE;
	struct edu *edu = dev_get_drvdata(dev);
	unsigned long offset, len;
	char text[64], *words[2];
	dma_addr_t addr;
	int ret;

	ret = edu_parse(buf, count, text, sizeof(text), words, ARRAY_SIZE(words));
	if (ret < 0)
		return ret;
	if (ret != 2 || kstrtoul(words[0], 0, &offset) ||
	    kstrtoul(words[1], 0, &len) || !len || len > EDU_BUF_SIZE)
		return -EINVAL;

	mutex_lock(&edu->lock);
	ret = -ENXIO;
	if (!edu->buf)
		goto out;
	ret = -EINVAL;
	if (edu->dir != DMA_BIDIRECTIONAL && edu->dir != dir)
		goto out;
	ret = edu_dma_addr(edu, offset, len, &addr);
	if (ret)
		goto out;
	if (edu_sync)
		mapper_dma_sync_for_device(edu->buf, edu->sgt, offset, len, dir);
	ret = edu_dma(edu, addr, len, to_ram);
	if (edu_sync)
		mapper_dma_sync_for_cpu(edu->buf, edu->sgt, offset, len, dir);
out:
	mutex_unlock(&edu->lock);
	return ret ? ret : count;
}

static ssize_t to_device_store(struct device *dev, struct device_attribute *attr,
			       const char *buf, size_t count)
{
	return edu_transfer(dev, buf, count, false);
}
static DEVICE_ATTR_WO(to_device);

static ssize_t from_device_store(struct device *dev,
				 struct device_attribute *attr,
				 const char *buf, size_t count)
{
	return edu_transfer(dev, buf, count, true);
}
static DEVICE_ATTR_WO(from_device);

static struct attribute *edu_attrs[] = {
	&dev_attr_buffer.attr,
	&dev_attr_to_device.attr,
	&dev_attr_from_device.attr,
	NULL,
};

static const struct attribute_group edu_group = {
	.attrs = edu_attrs,
};

/* ---- the driver ------------------------------------------------------- */

static int edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct edu *edu;
	u32 ident;
	int ret;

	edu = devm_kzalloc(&pdev->dev, sizeof(*edu), GFP_KERNEL);
	if (!edu)
		return -ENOMEM;
	edu->pdev = pdev;
	pci_set_drvdata(pdev, edu);

	ret = pci_enable_device(pdev);
	if (ret)
		return ret;
	ret = pci_request_region(pdev, 0, KBUILD_MODNAME);
	if (ret)
		goto err_disable;
	edu->regs = pci_iomap(pdev, 0, 0);
	if (!edu->regs) {
		ret = -ENOMEM;
		goto err_release;
	}
	ident = readl(edu->regs + EDU_REG_IDENT);
	if ((ident & 0xffff) != EDU_IDENT_MAGIC) {
		dev_err(&pdev->dev, "identification 0x%08x: not an edu device\n", ident);
		ret = -ENODEV;
		goto err_unmap;
	}
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(EDU_DMA_BITS));
	if (ret) {
		dev_err(&pdev->dev, "no %d-bit DMA on this machine\n", EDU_DMA_BITS);
		goto err_unmap;
	}
	/*
	 * Any address and length suit the engine (one transfer is at most its
	 * buffer, inside one segment): behind an IOMMU a mapping is then one
	 * segment, however scattered its pages.
	 */
	dma_set_max_seg_size(&pdev->dev, UINT_MAX);
	pci_set_master(pdev);
	mutex_init(&edu->lock);
	/*
	 * Not the driver's dev_groups: struct pci_driver has its own since
	 * 5.x, which replaces its struct device_driver's at registration.
	 */
	ret = device_add_group(&pdev->dev, &edu_group);
	if (ret)
		goto err_master;
	dev_info(&pdev->dev, "edu %u.%u, %d-bit DMA, sync=%d\n", ident >> 24,
		 (ident >> 16) & 0xff, EDU_DMA_BITS, edu_sync);
	return 0;

err_master:
	mutex_destroy(&edu->lock);
	pci_clear_master(pdev);
err_unmap:
	pci_iounmap(pdev, edu->regs);
err_release:
	pci_release_region(pdev, 0);
err_disable:
	pci_disable_device(pdev);
	return ret;
}

static void edu_remove(struct pci_dev *pdev)
{
	struct edu *edu = pci_get_drvdata(pdev);

	/* No sysfs write runs once the group is gone. */
	device_remove_group(&pdev->dev, &edu_group);
	mutex_lock(&edu->lock);
	if (edu->buf)
		edu_unmap(edu);
	mutex_unlock(&edu->lock);
	pci_clear_master(pdev);
	pci_iounmap(pdev, edu->regs);
	pci_release_region(pdev, 0);
	pci_disable_device(pdev);
	mutex_destroy(&edu->lock);
}

static const struct pci_device_id edu_ids[] = {
	{ PCI_DEVICE(0x1234, 0x11e8) },
	{ }
};
MODULE_DEVICE_TABLE(pci, edu_ids);

static struct pci_driver edu_driver = {
	.name = KBUILD_MODNAME,
	.id_table = edu_ids,
	.probe = edu_probe,
	.remove = edu_remove,
};
module_pci_driver(edu_driver);

MODULE_DESCRIPTION("Sample DMA driver for mapper's in-kernel API: QEMU's edu device");
MODULE_AUTHOR("The mapper developers");
MODULE_LICENSE("GPL");
