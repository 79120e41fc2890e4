// SPDX-License-Identifier: GPL-2.0
/*
 * mapper_sample: a kernel producer built on mapper's in-kernel API.
 *
 * Every period_ms it writes a record (a sequence number, a timestamp, a
 * greeting and whatever user space left in the command area) into the ring
 * of /dev/mapper<index>, then notifies: poll() on the device wakes up with
 * POLLPRI. The layout and the reader's side of the sequence-counter protocol
 * are in uapi/mapper_sample.h.
 *
 *	# modprobe mapper && insmod mapper_sample.ko period_ms=100
 *	$ mapper-dump -n 256 /dev/mapper0
 *
 * With history=BYTES it also keeps a copy of every record in a private buffer
 * of its own (mapper_create(): no device node, counted in
 * /sys/class/mapper/total_bytes), as a driver keeps a trace of its own.
 *
 * Never loaded automatically: it only shows how a driver uses the API.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/numa.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include <linux/mapper.h>
#include "uapi/mapper_sample.h"

static unsigned int index;
module_param(index, uint, 0444);
MODULE_PARM_DESC(index, "buffer to write: /dev/mapper<index> (default 0)");

static char *name;
module_param(name, charp, 0444);
MODULE_PARM_DESC(name, "buffer to write by its name, instead of index");

static unsigned int period_ms = 100;
module_param(period_ms, uint, 0444);
MODULE_PARM_DESC(period_ms, "milliseconds between records (1-60000, default 100)");

static unsigned int history;
module_param(history, uint, 0444);
MODULE_PARM_DESC(history, "bytes of a private buffer keeping a copy of every record (default 0: none)");

static struct mapper_buf *buf;
static struct mapper_buf *hist;
static struct mapper_sample_record *hist_ring;
static unsigned int hist_slots;
static struct mapper_sample_header *hdr;
static char *cmd;
static u64 written;
static u32 seqs[MAPPER_SAMPLE_SLOTS];
static struct delayed_work work;

static void mapper_sample_write(struct work_struct *unused)
{
	unsigned int slot = written % MAPPER_SAMPLE_SLOTS;
	struct mapper_sample_record *rec = &hdr->ring[slot];
	/* Kept here, not read back: user space can write the buffer. */
	u32 seq = seqs[slot];
	u64 now = ktime_get_ns();

	/*
	 * wmb(), not smp_wmb(): with the device in cache=wc the buffer's
	 * kernel mapping is write-combined, and only a real store fence
	 * (sfence on x86) orders stores to such memory.
	 */
	WRITE_ONCE(rec->seq, seq + 1);
	wmb();			/* odd seq before any field */

	rec->number = written;
	rec->time_ns = now;
	rec->check = written * 0x9e3779b97f4a7c15ULL ^ now;
	scnprintf(rec->text, sizeof(rec->text), "hello from mapper_sample #%llu",
		  written);
	/* User space owns the command area: copy it, trust nothing in it. */
	mapper_begin_cpu_read(buf, MAPPER_SAMPLE_CMD_OFF, MAPPER_SAMPLE_CMD_LEN);
	memcpy(rec->echo, cmd, sizeof(rec->echo));
	rec->echo[sizeof(rec->echo) - 1] = '\0';

	wmb();			/* every field before the even seq */
	WRITE_ONCE(rec->seq, seq + 2);
	seqs[slot] = seq + 2;
	wmb();			/* the record before head counts it */
	WRITE_ONCE(hdr->head, ++written);

	if (hist_ring)
		hist_ring[(written - 1) % hist_slots] = *rec;
	mapper_notify(buf);
	schedule_delayed_work(&work, msecs_to_jiffies(period_ms));
}

static int __init mapper_sample_init(void)
{
	void *base;
	int ret;

	if (!period_ms || period_ms > 60000) {
		pr_err("period_ms=%u: must be 1 to 60000\n", period_ms);
		return -EINVAL;
	}
	if (name) {
		buf = mapper_get_by_name(name);
		if (IS_ERR(buf)) {
			pr_err("no buffer named %s (mapperctl list shows them)\n", name);
			return PTR_ERR(buf);
		}
	} else {
		buf = mapper_get(index);
		if (IS_ERR(buf)) {
			pr_err("no /dev/mapper%u: load mapper with devices=%u or more\n",
			       index, index + 1);
			return PTR_ERR(buf);
		}
	}
	ret = -EINVAL;
	if (mapper_size(buf) < MAPPER_SAMPLE_CMD_OFF + MAPPER_SAMPLE_CMD_LEN) {
		pr_err("the buffer has %zu bytes; the sample needs %u\n",
		       mapper_size(buf), MAPPER_SAMPLE_CMD_OFF + MAPPER_SAMPLE_CMD_LEN);
		goto err_buf;
	}
	ret = -ENOMEM;
	base = mapper_vaddr(buf);
	if (!base)
		goto err_buf;
	if (history) {
		hist_slots = history / sizeof(*hist_ring);
		if (!hist_slots) {
			pr_err("history=%u: less than one record (%zu bytes)\n", history,
			       sizeof(*hist_ring));
			ret = -EINVAL;
			goto err_buf;
		}
		hist = mapper_create(history, NUMA_NO_NODE);
		if (IS_ERR(hist)) {
			ret = PTR_ERR(hist);
			hist = NULL;
			goto err_buf;
		}
		hist_ring = mapper_vaddr(hist);
		if (!hist_ring)
			goto err_hist;
	}
	hdr = base;
	cmd = base + MAPPER_SAMPLE_CMD_OFF;
	memset(hdr, 0, sizeof(*hdr));
	hdr->slots = MAPPER_SAMPLE_SLOTS;
	hdr->record_size = sizeof(struct mapper_sample_record);
	wmb();			/* a reader that sees the magic sees the header */
	WRITE_ONCE(hdr->magic, MAPPER_SAMPLE_MAGIC);

	INIT_DELAYED_WORK(&work, mapper_sample_write);
	schedule_delayed_work(&work, 0);
	if (name)
		pr_info("writing a record to buffer %s every %u ms\n", name, period_ms);
	else
		pr_info("writing a record to /dev/mapper%u every %u ms\n", index, period_ms);
	return 0;

err_hist:
	mapper_put(hist);
	hist = NULL;
err_buf:
	mapper_put(buf);
	return ret;
}

static void __exit mapper_sample_exit(void)
{
	cancel_delayed_work_sync(&work);
	if (hist)
		mapper_put(hist);
	mapper_put(buf);
}

module_init(mapper_sample_init);
module_exit(mapper_sample_exit);

MODULE_DESCRIPTION("Sample producer for mapper's in-kernel API");
MODULE_AUTHOR("The mapper developers");
MODULE_LICENSE("GPL");
