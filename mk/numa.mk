# SPDX-License-Identifier: GPL-2.0
#
# NUMA placement of buffers, in a VM with three NUMA nodes.
#
#   make check-numa     the default kernel (KENV) booted with nodes 0 and 1 of
#                       256 MiB each and node 2 with a CPU but no memory;
#                       tests/vm/numa.sh runs numa_test there: a buffer on a
#                       node maps pages of that node only (numa_maps), a node
#                       without memory is EINVAL, node_fallback spills over
#
# The nodes are QEMU's (-numa), passed through tests/lib/vm --qemu-arg.

# One socket per node: CPUs of one socket share a cache, and a kernel that
# finds them on different nodes warns (topology_sane), which fails the VM.
NUMA_MEM  := 512M
NUMA_QEMU := --smp 3,sockets=3,cores=1,threads=1 --mem $(NUMA_MEM) \
	--qemu-arg -object --qemu-arg memory-backend-ram,id=numa0,size=256M \
	--qemu-arg -object --qemu-arg memory-backend-ram,id=numa1,size=256M \
	--qemu-arg -numa --qemu-arg node,nodeid=0,cpus=0,memdev=numa0 \
	--qemu-arg -numa --qemu-arg node,nodeid=1,cpus=1,memdev=numa1 \
	--qemu-arg -numa --qemu-arg node,nodeid=2,cpus=2

.PHONY: check-numa fresh-check-numa

check-numa: vm-deps vm-tests $(KENV)
	@$(call vm-module,$(OUT)/numa)
	@$(call vm-run,numa,$(OUT)/numa,$(OUT)/numa/vm,numa,$(NUMA_QEMU) \
		--append "$(VM_DEBUG_ARGS) $(VM_ARGS)")

# check-fresh's subject (mk/fresh.mk): the prerequisites; the VM run is demo's.
fresh-check-numa: vm-deps vm-tests $(KENV)
	$(call vm-module,$(OUT)/numa)

CHECK_TARGETS += check-numa
