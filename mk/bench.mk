# SPDX-License-Identifier: GPL-2.0
#
# Performance: a mapper buffer against anonymous memory and a tmpfs file.
#
#   make bench [BENCH_SIZE=1G] [BENCH_MEM=3G] [BENCH_ARGS="--reps,5"]
#
# Boots the VM (KVM where the host has a working one, TCG otherwise: see
# tests/vm/run) with one BENCH_SIZE buffer, runs tests/bench/mapper_bench and
# prints the table; the growth curve goes to build/bench/growth.png (gnuplot).
# Not part of "make check": nothing here fails because a machine is slow.

BENCH_SIZE ?= 1G
BENCH_MEM  ?= 3G
BENCH_ARGS ?=

.PHONY: bench bench-deps

bench-deps:
	@command -v gnuplot >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends gnuplot-nox; \
		else \
			echo "bench: gnuplot missing (sudo apt-get install gnuplot-nox): no plot" >&2; \
		fi; }

$(OUT)/vm/mapper_bench: $(TOP)/tests/bench/mapper_bench.c $(TOP)/tests/vm/vm_util.h \
		$(TOP)/src/uapi/mapper.h
	@mkdir -p $(@D)
	$(TEST_CC) -static -O2 -Wall -Wextra -Werror -I$(TOP)/tests/vm -I$(TOP)/src/uapi -o $@ $<

bench: vm-deps bench-deps vm-module $(OUT)/vm/mapper_bench
	@rm -rf $(OUT)/bench && mkdir -p $(OUT)/bench
	$(TOP)/tests/vm/run --mode bench --kernel $(VMLINUZ) --ko $(OUT)/mod/$(KVER)/mapper.ko \
		--bin $(OUT)/vm/mapper_bench --mem $(BENCH_MEM) --timeout 3600 \
		--out $(OUT)/bench/vm \
		--append "mvbenchsize=$(BENCH_SIZE) $(if $(BENCH_ARGS),mvbenchargs=$(BENCH_ARGS)) $(VM_ARGS)"
	@$(TOP)/tests/bench/report $(OUT)/bench

# A 1 GiB buffer in a 2 GiB VM: maps (huge where the kernel allows), keeps its
# data through read(), fork and splits, unloads cleanly. Not in "make check"
# (it takes a minute under TCG).
.PHONY: check-big
check-big: vm-deps vm-module vm-tests
	$(TOP)/tests/vm/run --mode big --kernel $(VMLINUZ) --ko $(OUT)/mod/$(KVER)/mapper.ko \
		--bin $(OUT)/vm/mapper_test --mem 2G --timeout 1200 --out $(OUT)/vm/big \
		--append "$(VM_DEBUG_ARGS) $(VM_ARGS)"
	@! grep -E '^not ok' $(OUT)/vm/big/result.log
	@grep -q '^ok .*whole_buffer_maps_and_keeps_its_data' $(OUT)/vm/big/result.log
	@echo "check-big: a 1 GiB buffer in a 2 GiB VM: PASS"
