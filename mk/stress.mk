# SPDX-License-Identifier: GPL-2.0
#
# Reliability: random operations under module reloads, and bad input.
#
#   make stress [STRESS_SECONDS=600] [SEED=n]   mapper_stress in the VM (stock 6.1 kernel,
#                                               debug allocator options), default 120 s
#        [STRESS_PARAMS="devices=2 size=4M"]   module parameters
#        [STRESS_CREATORS=2]                   processes making and removing buffers
#                                              through configfs meanwhile (default 1)
#   make check-stress                           the same for CHECK_STRESS_SECONDS (150 s),
#                                               after a short ASan+UBSan run on memfds
#
# The VM mode is tests/vm/stress.sh (its parameters STRESS_SECONDS,
# STRESS_SEED, STRESS_PARAMS, STRESS_CREATORS); tests/vm/bad_input.t runs the bad-input
# catalogue in check mode.

STRESS_SECONDS       ?= 120
CHECK_STRESS_SECONDS ?= 150
SEED                 ?=
STRESS_PARAMS        ?=
STRESS_CREATORS      ?=
STRESS_SAN           := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

.PHONY: stress check-stress check-stress-host

$(OUT)/vm/mapper_stress: $(TOP)/tests/stress/mapper_stress.c $(TOP)/src/uapi/mapper.h
	@mkdir -p $(@D)
	$(TEST_CC) -static -O2 -g -Wall -Wextra -Werror -pthread -I$(TOP)/src/uapi -o $@ $<

$(OUT)/test/mapper_stress: $(TOP)/tests/stress/mapper_stress.c $(TOP)/src/uapi/mapper.h
	@mkdir -p $(@D)
	$(TEST_CC) -O1 -g -Wall -Wextra -Werror -pthread $(STRESS_SAN) -I$(TOP)/src/uapi -o $@ $<

# The kselftest header as mk/vm.mk uses it for mapper_test.
$(OUT)/vm/bad_input: $(TOP)/tests/vm/bad_input.c $(TOP)/tests/vm/vm_util.h $(TOP)/src/uapi/mapper.h
	@mkdir -p $(@D)
	$(TEST_CC) -static -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -Wno-sign-compare \
		-I$$($(TOP)/tests/lib/linux-source)/tools/testing/selftests \
		-I$(TOP)/src/uapi -o $@ $<

VM_BINS += $(OUT)/vm/mapper_stress $(OUT)/vm/bad_input

# The tool's own logic under ASan+UBSan, on two sealed memfds (no module).
check-stress-host: $(OUT)/test/mapper_stress
	ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
		$(OUT)/test/mapper_stress --memfd 1M --seconds 20 $(if $(SEED),--seed $(SEED))

# stress-vm SECONDS: boot the kernel in stress mode for that long.
define stress-vm
	@$(call vm-module,$(OUT)/stress)
	@$(call vm-run,stress,$(OUT)/stress,$(OUT)/stress/vm,stress,--timeout $$(($(1) + 300)) \
		--param STRESS_SECONDS=$(1) $(if $(SEED),--param STRESS_SEED=$(SEED)) \
		$(if $(STRESS_PARAMS),--param "STRESS_PARAMS=$(STRESS_PARAMS)") \
		$(if $(STRESS_CREATORS),--param "STRESS_CREATORS=$(STRESS_CREATORS)") \
		--append "$(VM_DEBUG_ARGS) $(VM_ARGS)")
endef

stress: vm-deps vm-tests $(KENV)
	$(call stress-vm,$(STRESS_SECONDS))

check-stress: vm-deps vm-tests $(KENV) check-stress-host
	$(call stress-vm,$(CHECK_STRESS_SECONDS))

CHECK_TARGETS += check-stress
