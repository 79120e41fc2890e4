# SPDX-License-Identifier: GPL-2.0
#
# Reliability beyond what the project's own tests think of: a fuzzer nobody
# here wrote, and memory pressure up to the OOM killer.
#
#   make check-fuzz      Debian's trinity on the debug kernel (mk/debug.mk),
#                        as a member of group mapper and as an outsider, with
#                        mapper's device nodes, sysfs and configfs as its
#                        victim files: CHECK_FUZZ_OPS calls each, seed
#                        FUZZ_SEED; then counts 0, rmmod, kmemleak, no splat
#   make fuzz [FUZZ_SECONDS=600] [FUZZ_SEED=n] [FUZZ_OPS=n]
#                        runs of FUZZ_OPS calls, seeds n, n+1, ... for that
#                        long (default 600 s)
#   make check-pressure  the stress tool (tests/stress) under a memory hog
#                        that drives the stock kernel's VM into reclaim and
#                        then the OOM killer, hogs holding mappings killed;
#                        loads and creations too big for memory are ENOMEM
#                        without the OOM killer; memory and slab back to
#                        baseline, counts right, rmmod
#   make soak [SOAK_MINUTES=60] [FUZZ_SEED=n]
#                        stress, trinity and the hogs at once on the debug
#                        kernel, for that long
#
# The VM modes: tests/vm/fuzz.sh (its soak mode too: FUZZ_SOAK=1) and
# tests/vm/pressure.sh (parameters in their headers). trinity is a dynamic executable: it goes
# into the busybox guest with its ELF interpreter and libc.

FUZZ_SEED      ?= 1
FUZZ_OPS       ?= 20000
FUZZ_SECONDS   ?= 600
FUZZ_CHILDREN  ?= 2
CHECK_FUZZ_OPS ?= 2000
SOAK_MINUTES   ?= 60
FUZZ_WHO       ?=
FUZZ_TRINITY   := /usr/bin/trinity

.PHONY: fuzz-deps check-fuzz fuzz check-pressure soak fresh-check-fuzz fresh-check-pressure

# vm-deps first: check-fresh then starts check-fuzz's root from its cached layer.
fuzz-deps: vm-deps
	@$(TOP)/tests/lib/deps fuzz

$(OUT)/vm/fuzz_util: $(TOP)/tests/fuzz/fuzz_util.c $(TOP)/src/uapi/mapper.h
	@mkdir -p $(@D)
	$(TEST_CC) -static -O2 -g -Wall -Wextra -Werror -I$(TOP)/src/uapi -o $@ $<

VM_BINS += $(OUT)/vm/fuzz_util

# trinity and what it loads, at the same paths in the guest.
FUZZ_FILES = --file $(FUZZ_TRINITY):/bin/trinity \
	$$(ldd $(FUZZ_TRINITY) | grep -o '/[^ ]*' | while read -r f; do \
		echo --file $$(readlink -f $$f):$$f; done)

# $(call fuzz-vm,NAME,MODE,SECONDS-OF-TIMEOUT,tests/lib/vm options): the
# module built against the debug kernel, then that mode's VM.
define fuzz-vm
	@$(TOP)/tests/lib/build-module $(DEBUG_ENV) $(OUT)/$(1) --src $(DEBUG_SRC) --name $(1)
	@$(call vm-run,$(1),$(OUT)/$(1),$(OUT)/$(1)/vm,$(2),$(FUZZ_FILES) --smp 2 \
		--mem $(DEBUG_MEM) --timeout $(3) --append "$(DEBUG_KARGS) $(VM_ARGS)" \
		$(if $(FUZZ_WHO),--param "FUZZ_WHO=$(FUZZ_WHO)") $(4),$(DEBUG_ENV))
endef

check-fuzz: fuzz-deps debug-kernel vm-tests
	$(call fuzz-vm,fuzz,fuzz,1200,--param FUZZ_OPS=$(CHECK_FUZZ_OPS) --param FUZZ_SEED=$(FUZZ_SEED) \
		--param FUZZ_CHILDREN=$(FUZZ_CHILDREN))

fuzz: fuzz-deps debug-kernel vm-tests
	$(call fuzz-vm,fuzz-long,fuzz,$$(($(FUZZ_SECONDS) * 2 + 900)),--param FUZZ_OPS=$(FUZZ_OPS) \
		--param FUZZ_SEED=$(FUZZ_SEED) --param FUZZ_CHILDREN=$(FUZZ_CHILDREN) \
		--param FUZZ_SECONDS=$(FUZZ_SECONDS))

# The soak: fuzz.sh's soak mode, with the stress tool and the hogs.
soak: fuzz-deps debug-kernel vm-tests
	$(call fuzz-vm,soak,fuzz,$$(($(SOAK_MINUTES) * 90 + 900)),$(PRESSURE_VM) --param FUZZ_SOAK=1 \
		--param FUZZ_OPS=$(FUZZ_OPS) --param FUZZ_SEED=$(FUZZ_SEED) \
		--param FUZZ_CHILDREN=$(FUZZ_CHILDREN) --param FUZZ_SECONDS=$$(($(SOAK_MINUTES) * 60)))

# The pressure mode on Debian's stock 6.1 (KENV) with the debug allocator
# options: cheaper than the debug kernel, and the kernel users run.
PRESSURE_SECONDS ?= 60
PRESSURE_SEED    ?= 1
PRESSURE_MEM     ?= 256M
# A 64 MiB RAM disk whose reads fill the page cache (pressure.sh: fill_cache).
PRESSURE_VM      := --module 'brd rd_nr=1 rd_size=65536'
check-pressure: vm-deps vm-tests $(KENV)
	@$(call vm-module,$(OUT)/pressure)
	@$(call vm-run,pressure,$(OUT)/pressure,$(OUT)/pressure/vm,pressure,--timeout \
		$$(($(PRESSURE_SECONDS) + 600)) --param PRESSURE_SECONDS=$(PRESSURE_SECONDS) \
		--param PRESSURE_SEED=$(PRESSURE_SEED) --mem $(PRESSURE_MEM) $(PRESSURE_VM) \
		--append "$(VM_DEBUG_ARGS) $(VM_ARGS)")

# check-fresh's subjects (mk/fresh.mk): the dependency step and the builds.
# (The debug kernel's own first build is fresh-check-debug's.)
fresh-check-fuzz: fuzz-deps vm-tests
	ldd $(FUZZ_TRINITY)

fresh-check-pressure: vm-deps vm-tests $(KENV)
	$(call vm-module,$(OUT)/pressure)

CHECK_TARGETS += check-fuzz check-pressure
