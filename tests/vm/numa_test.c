// SPDX-License-Identifier: GPL-2.0
/*
 * NUMA placement of buffers (make check-numa): in a VM with three nodes,
 * 0 and 1 with memory and 2 with a CPU but no memory (mk/numa.mk), a buffer
 * on node N takes every page from node N, as a process mapping it sees in
 * /proc/PID/numa_maps; a node without memory or not there at all is EINVAL;
 * a buffer larger than its node's free memory is ENOMEM unless
 * node_fallback lets it spill over to the other node. Through configfs,
 * the node= parameter list and mapperctl.
 *
 * Runs as root with mapper loaded as "devices=2" and configfs mounted
 * (tests/vm/numa.sh); leaves it that way.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ctl_util.h"

#define DEFAULT_PARAMS	"devices=2"
#define MAXNODE		8
#define NODES		"/sys/devices/system/node"

static long page;

/* Node @n is in the list file @path ("0-1,3" form). */
static int in_list(const char *path, int n)
{
	char text[256], *p = text;

	if (read_line(path, text, sizeof(text)))
		return 0;
	while (*p) {
		char *end;
		long lo = strtol(p, &end, 10), hi = lo;

		if (end == p)
			return 0;
		if (*end == '-')
			hi = strtol(end + 1, &end, 10);
		if (n >= lo && n <= hi)
			return 1;
		p = *end == ',' ? end + 1 : end;
	}
	return 0;
}

/* MemFree of node @n in bytes. */
static long long node_free(int n)
{
	char path[96];

	snprintf(path, sizeof(path), NODES "/node%d/meminfo", n);
	return meminfo_kb(path, "MemFree") * KIB;
}

/*
 * Pages of the mapping at @addr per node, from /proc/self/numa_maps
 * ("N1=4096" fields of its line); the number of nodes seen, -1 without
 * the line.
 */
static int numa_pages(void *addr, long pages[MAXNODE], char *line_out, size_t len)
{
	char line[1024];
	FILE *f = fopen("/proc/self/numa_maps", "r");
	int found = -1;

	memset(pages, 0, MAXNODE * sizeof(pages[0]));
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *tok, *save;

		if (strtoull(line, NULL, 16) != (uintptr_t)addr)
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(line_out, len, "%s", line);
		found = 0;
		for (tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
			int n;
			long v;

			if (sscanf(tok, "N%d=%ld", &n, &v) == 2 && n >= 0 && n < MAXNODE) {
				pages[n] += v;
				found++;
			}
		}
	}
	fclose(f);
	return found;
}

/*
 * Maps all of /dev/mapper@index, touches every page, and checks where the
 * pages are: all on @node, or (@node < 0) on more than one node.
 */
static void check_placement(struct __test_metadata *_metadata, int index, size_t size, int node)
{
	long pages[MAXNODE], want = size / page, sum = 0;
	char line[1024] = "";
	unsigned char *p;
	int fd = open_index(index, O_RDWR), nodes;

	ASSERT_LE(0, fd);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	close(fd);
	for (size_t off = 0; off < size; off += page)
		p[off] = 1;
	nodes = numa_pages(p, pages, line, sizeof(line));
	TH_LOG("mapper%d: %s", index, line);
	ASSERT_LE(1, nodes) {
		TH_LOG("no N<node>= counts for the mapping in numa_maps");
	}
	for (int n = 0; n < MAXNODE; n++)
		sum += pages[n];
	EXPECT_EQ(want, sum);
	if (node >= 0) {
		EXPECT_EQ(want, pages[node]);
		EXPECT_EQ(1, nodes);
	} else {
		EXPECT_LT(0, pages[0]);
		EXPECT_LT(0, pages[1]);
	}
	munmap(p, size);
}

FIXTURE(numa) {
	struct snap base;
	int reloads;
};

FIXTURE_SETUP(numa)
{
	page = sysconf(_SC_PAGESIZE);
	if (!loaded())
		ASSERT_EQ(0, load(DEFAULT_PARAMS));
	ASSERT_EQ(0, configfs_mount());
	cfs_cleanup();
	self->base = snap_take();
}

FIXTURE_TEARDOWN(numa)
{
	cfs_cleanup();
	if (self->reloads || !loaded()) {
		if (loaded())
			unload();
		load(DEFAULT_PARAMS);
	}
}

#define ASSERT_NOTHING_MADE(self, what) do { \
	struct snap __now = snap_take(); \
	EXPECT_TRUE(snap_same((self)->base, __now)) { \
		TH_LOG("%s: " SNAP_FMT " now, " SNAP_FMT " before", what, SNAP_ARGS(__now), \
		       SNAP_ARGS((self)->base)); \
	} \
} while (0)

TEST_F(numa, the_vm_has_nodes_0_and_1_with_memory_and_2_without)
{
	char online[64] = "", mem[64] = "";

	read_line(NODES "/online", online, sizeof(online));
	read_line(NODES "/has_memory", mem, sizeof(mem));
	TH_LOG("nodes online %s, with memory %s; free: node 0 %lld MiB, node 1 %lld MiB",
	       online, mem, node_free(0) / MIB, node_free(1) / MIB);
	ASSERT_TRUE(in_list(NODES "/has_memory", 0));
	ASSERT_TRUE(in_list(NODES "/has_memory", 1));
	ASSERT_TRUE(in_list(NODES "/online", 2));
	ASSERT_FALSE(in_list(NODES "/has_memory", 2));
	ASSERT_FALSE(in_list(NODES "/online", 3));
}

TEST_F(numa, a_buffer_on_node_1_maps_pages_of_node_1_only)
{
	int n = cfs_create("near", "64M", "1", NULL);

	ASSERT_LE(0, n);
	EXPECT_EQ(1, dev_ll(n, "node"));
	check_placement(_metadata, n, 64 * MIB, 1);
	ASSERT_EQ(0, cfs_remove("near"));
	ASSERT_NOTHING_MADE(self, "after removal");
}

TEST_F(numa, a_buffer_on_node_0_maps_pages_of_node_0_only)
{
	int n = cfs_create("far", "64M", "0", NULL);

	ASSERT_LE(0, n);
	EXPECT_EQ(0, dev_ll(n, "node"));
	check_placement(_metadata, n, 64 * MIB, 0);
	ASSERT_EQ(0, cfs_remove("far"));
}

/* A small buffer too, whose pages are not huge folios. */
TEST_F(numa, a_small_buffer_on_node_1_stays_there)
{
	int n = cfs_create("tiny", "20K", "1", NULL);

	ASSERT_LE(0, n);
	check_placement(_metadata, n, 20 * KIB, 1);
	ASSERT_EQ(0, cfs_remove("tiny"));
}

TEST_F(numa, a_node_without_memory_or_not_there_is_einval)
{
	static const char *const bad[] = { "2", "3", "7", "64" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (int fallback = 0; fallback <= 1; fallback++) {
			int ret;

			ASSERT_EQ(0, cfs_mkdir("nowhere"));
			ASSERT_EQ(0, cfs_write("nowhere", "size", "1M"));
			ASSERT_EQ(0, cfs_write("nowhere", "node_fallback", fallback ? "1" : "0"));
			ret = cfs_write("nowhere", "node", bad[i]);
			if (!ret)
				ret = cfs_write("nowhere", "enable", "1");
			EXPECT_EQ(-EINVAL, ret) {
				TH_LOG("node %s, node_fallback %d", bad[i], fallback);
			}
			EXPECT_EQ(0, cfs_ll("nowhere", "enable"));
			cfs_cleanup();
			ASSERT_NOTHING_MADE(self, bad[i]);
		}
	}
}

TEST_F_TIMEOUT(numa, a_buffer_larger_than_its_node_is_enomem_unless_it_may_fall_back, 300)
{
	long long free1 = node_free(1), size = (free1 / MIB + 32) * MIB;
	char text[32], line[512] = "";
	int kmsg = kmsg_open(), n;

	ASSERT_LE(0, kmsg);
	ASSERT_LT(size, limit_bytes());
	ASSERT_LT(size + 32 * MIB, node_free(0) + free1);
	snprintf(text, sizeof(text), "%lld", size);
	TH_LOG("node 1 has %lld MiB free; a buffer of %lld MiB there", free1 / MIB, size / MIB);

	ASSERT_EQ(0, cfs_mkdir("spill"));
	ASSERT_EQ(0, cfs_write("spill", "size", text));
	ASSERT_EQ(0, cfs_write("spill", "node", "1"));
	EXPECT_EQ(-ENOMEM, cfs_write("spill", "enable", "1"));
	EXPECT_EQ(0, cfs_ll("spill", "enable"));
	EXPECT_EQ(self->base.total, total_bytes());
	EXPECT_EQ(self->base.devs, dir_count(CLASS, "mapper"));
	EXPECT_EQ(0, kmsg_lines(kmsg, "oom", line, sizeof(line))) {
		TH_LOG("the OOM killer ran: %s", line);
	}

	ASSERT_EQ(0, cfs_write("spill", "node_fallback", "1"));
	ASSERT_EQ(0, cfs_write("spill", "enable", "1"));
	n = (int)cfs_ll("spill", "index");
	ASSERT_LE(0, n);
	EXPECT_EQ(1, dev_ll(n, "node"));
	check_placement(_metadata, n, size, -1);
	ASSERT_EQ(0, cfs_remove("spill"));
	EXPECT_EQ(0, kmsg_lines(kmsg, "oom", line, sizeof(line)));
	close(kmsg);
	ASSERT_NOTHING_MADE(self, "after removal");
}

TEST_F(numa, the_node_parameter_places_each_load_time_buffer)
{
	static const char *const bad[] = { "devices=2 node=2", "devices=2 node=0,3", "node=1,2" };
	int kmsg;

	self->reloads = 1;
	cfs_cleanup();
	ASSERT_EQ(0, unload());
	ASSERT_EQ(0, load("devices=3 size=8M node=1,0"));
	EXPECT_EQ(1, dev_ll(0, "node"));
	EXPECT_EQ(0, dev_ll(1, "node"));
	EXPECT_EQ(0, dev_ll(2, "node"));	/* the last entry repeats */
	check_placement(_metadata, 0, 8 * MIB, 1);
	check_placement(_metadata, 1, 8 * MIB, 0);
	check_placement(_metadata, 2, 8 * MIB, 0);
	ASSERT_EQ(0, unload());

	kmsg = kmsg_open();
	ASSERT_LE(0, kmsg);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char line[512] = "";

		EXPECT_EQ(-EINVAL, load(bad[i])) {
			TH_LOG("%s", bad[i]);
		}
		EXPECT_FALSE(loaded());
		EXPECT_EQ(1, kmsg_lines(kmsg, "mapper", line, sizeof(line)));
		TH_LOG("insmod mapper.ko %s -> %s", bad[i], line);
		if (loaded())
			unload();
	}
	close(kmsg);
	ASSERT_EQ(0, load(DEFAULT_PARAMS));
}

TEST_F(numa, mapperctl_create_node_1_places_the_buffer_there)
{
	struct run r;
	int n;

	ASSERT_EQ(0, access(MAPPERCTL, X_OK));
	ASSERT_EQ(0, CTL(&r, "create", "--size", "16M", "--node", "1", "--name", "ctl1"));
	ASSERT_EQ(0, r.status) {
		TH_LOG("stderr: %s", r.err);
	}
	n = printed_index(r.out);
	ASSERT_LE(0, n);
	check_placement(_metadata, n, 16 * MIB, 1);
	ASSERT_EQ(0, CTL(&r, "create", "--size", "16M", "--node", "2", "--name", "ctl2"));
	EXPECT_EQ(1, r.status);
	EXPECT_FALSE(cfs_exists("ctl2"));
	ASSERT_EQ(0, CTL(&r, "remove", "ctl1"));
	EXPECT_EQ(0, r.status);
	ASSERT_NOTHING_MADE(self, "after removal");
}

TEST_HARNESS_MAIN
