# Firmware build rules, included by the top Makefile (paths are relative to the repo root).
#
#   make firmware        emulated board (firmware/build/host/synergy-emu) + Cortex-M4 core, sizes
#   make firmware-arm    the portable core for Cortex-M4 -> firmware/build/arm/libsynergy_core.a
#   make test-c          C unit tests with AddressSanitizer and UBSan
#   make fuzz            libFuzzer targets (needs clang with libFuzzer)
#   make firmware-clean
#
# Sources are picked by directory: a .c file dropped into one of these folders joins the builds
# that list the folder. Portable code (core/, accel/, accel/reg/ the register model) goes into the
# emulator, the tests and the Cortex-M4 library; accel/sim/ (the software CNN) into the emulator
# and the tests; the emulator's own port/host/ files (main.c, emu_*.c) only into the emulator and
# the tests (emu_cnn_backend.c binds the CNN driver to the register model; a chip port provides
# its own backend).

FW_DIR   := firmware
FW_BUILD := $(FW_DIR)/build

FW_CORE_SRC      := $(wildcard $(FW_DIR)/core/*.c)
FW_ACCEL_SRC     := $(wildcard $(FW_DIR)/accel/*.c)
FW_ACCEL_REG_SRC := $(wildcard $(FW_DIR)/accel/reg/*.c)
FW_ACCEL_SIM_SRC := $(wildcard $(FW_DIR)/accel/sim/*.c)
# The emulator is main.c plus emu_*.c: other host programs may share port/host/.
FW_PORT_HOST_SRC := $(FW_DIR)/port/host/main.c $(wildcard $(FW_DIR)/port/host/emu_*.c)
FW_TEST_SRC      := $(filter-out $(FW_DIR)/test/fuzz_%.c,$(wildcard $(FW_DIR)/test/*.c))
FW_FUZZ_SRC      := $(wildcard $(FW_DIR)/test/fuzz_*.c)

FW_PORTABLE_SRC := $(FW_CORE_SRC) $(FW_ACCEL_SRC) $(FW_ACCEL_REG_SRC)
FW_ARM_SRC      := $(FW_PORTABLE_SRC)
FW_EMU_SRC      := $(FW_PORTABLE_SRC) $(FW_ACCEL_SIM_SRC) $(FW_PORT_HOST_SRC)
FW_TESTBIN_SRC  := $(FW_PORTABLE_SRC) $(FW_ACCEL_SIM_SRC) $(FW_TEST_SRC) \
                   $(filter-out $(FW_DIR)/port/host/main.c,$(FW_PORT_HOST_SRC))

FW_INCLUDES := -I$(FW_DIR)/core -I$(FW_DIR)/accel
FW_TEST_INCLUDES := -I$(FW_DIR)/port/host
FW_WARN     := -std=c11 -Wall -Wextra -Werror
FW_DEPFLAGS  = -MMD -MP

FW_HOST_CC     ?= gcc
FW_HOST_CFLAGS := $(FW_WARN) -O2 $(FW_INCLUDES)
FW_TEST_CFLAGS := $(FW_WARN) -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
                  -fno-sanitize-recover=all $(FW_INCLUDES) $(FW_TEST_INCLUDES)

FW_ARM_CC     := arm-none-eabi-gcc
FW_ARM_AR     := arm-none-eabi-ar
FW_ARM_SIZE   := arm-none-eabi-size
FW_ARM_CFLAGS := -mcpu=cortex-m4 -mthumb -mfloat-abi=softfp -mfpu=fpv4-sp-d16 -Os \
                 -ffunction-sections -fdata-sections $(FW_WARN) $(FW_INCLUDES)

FW_EMU     := $(FW_BUILD)/host/synergy-emu
FW_ARM_LIB := $(FW_BUILD)/arm/libsynergy_core.a
FW_TESTBIN := $(FW_BUILD)/test/synergy-c-tests

FW_EMU_OBJ     := $(patsubst %.c,$(FW_BUILD)/host/obj/%.o,$(FW_EMU_SRC))
FW_ARM_OBJ     := $(patsubst %.c,$(FW_BUILD)/arm/obj/%.o,$(FW_ARM_SRC))
FW_TESTBIN_OBJ := $(patsubst %.c,$(FW_BUILD)/test/obj/%.o,$(FW_TESTBIN_SRC))

.PHONY: firmware firmware-emu firmware-arm test-c fuzz firmware-clean bench-regmodel bench-regmodel-zoo

firmware: firmware-emu firmware-arm
	@echo "Cortex-M4 core, bytes per object and (TOTALS) for $(FW_ARM_LIB):"
	@$(FW_ARM_SIZE) -t $(FW_ARM_LIB)

firmware-emu: $(FW_EMU)

firmware-arm: $(FW_ARM_LIB)

$(FW_EMU): $(FW_EMU_OBJ)
	$(FW_HOST_CC) $(FW_HOST_CFLAGS) -o $@ $^

$(FW_ARM_LIB): $(FW_ARM_OBJ)
	@rm -f $@
	$(FW_ARM_AR) rcs $@ $^

$(FW_TESTBIN): $(FW_TESTBIN_OBJ)
	$(FW_HOST_CC) $(FW_TEST_CFLAGS) -o $@ $^

$(FW_BUILD)/host/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FW_HOST_CC) $(FW_HOST_CFLAGS) $(FW_DEPFLAGS) -c $< -o $@

$(FW_BUILD)/test/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FW_HOST_CC) $(FW_TEST_CFLAGS) $(FW_DEPFLAGS) -c $< -o $@

$(FW_BUILD)/arm/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FW_ARM_CC) $(FW_ARM_CFLAGS) $(FW_DEPFLAGS) -c $< -o $@

# The tests read proto/vectors/ (the golden frames) from the repo root and run the emulator.
test-c: $(FW_TESTBIN) $(FW_EMU)
	$(FW_TESTBIN) proto/vectors $(FW_EMU)

# The register model's host CPU per inference beside the layer-level simulator, on the golden
# networks with a hardware image (firmware/port/host/regbench.c; needs ../shared/golden).
FW_REGBENCH     := $(FW_BUILD)/host/synergy-regbench
FW_REGBENCH_SRC := $(FW_DIR)/port/host/regbench.c $(FW_DIR)/port/host/emu_cnn_backend.c \
                   $(FW_DIR)/test/golden.c $(FW_DIR)/test/json.c

$(FW_REGBENCH): $(FW_REGBENCH_SRC) $(FW_PORTABLE_SRC) $(FW_ACCEL_SIM_SRC)
	@mkdir -p $(@D)
	$(FW_HOST_CC) $(FW_HOST_CFLAGS) -I$(FW_DIR)/test -o $@ $^ -lm

bench-regmodel: $(FW_REGBENCH)
	$(FW_REGBENCH)

# The same over every zoo model that fits one MAX78000 (needs the host built: `make build`): the
# register generator's images beside format 1 segments of the same weights, outputs compared.
FW_REGBENCH_ZOO := $(FW_BUILD)/regbench-zoo
bench-regmodel-zoo: $(FW_REGBENCH)
	node dist/tools/bench/regbench-zoo.js $(FW_REGBENCH_ZOO)
	$(FW_REGBENCH) --zoo $(FW_REGBENCH_ZOO)

# libFuzzer targets: frame receiver + dispatcher, and the CBOR reader. FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 60
FW_FUZZ_CFLAGS := -std=c11 -Wall -Wextra -Werror -O1 -g -fsanitize=fuzzer,address,undefined $(FW_INCLUDES)
FW_FUZZ_BINS   := $(patsubst $(FW_DIR)/test/%.c,$(FW_BUILD)/fuzz/%,$(FW_FUZZ_SRC))

fuzz:
	@if ! command -v clang >/dev/null 2>&1 || ! echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }' \
	    | clang -x c -fsanitize=fuzzer -o /dev/null - >/dev/null 2>&1; then \
	  echo "fuzz: needs clang with libFuzzer; install clang and its runtime libraries, e.g. on Debian 12: apt-get install clang libclang-rt-14-dev"; exit 1; fi
	@$(MAKE) --no-print-directory $(FW_FUZZ_BINS)
	@for f in $(FW_FUZZ_BINS); do \
	  echo "fuzz: $$f for $(FUZZ_SECONDS) s"; mkdir -p $$f.corpus; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -max_len=9000 $$f.corpus || exit 1; done

$(FW_BUILD)/fuzz/%: $(FW_DIR)/test/%.c $(FW_PORTABLE_SRC) $(FW_ACCEL_SIM_SRC) $(FW_DIR)/port/host/emu_cnn_backend.c
	@mkdir -p $(@D)
	clang $(FW_FUZZ_CFLAGS) -o $@ $^

firmware-clean:
	rm -rf $(FW_BUILD)

-include $(FW_EMU_OBJ:.o=.d) $(FW_ARM_OBJ:.o=.d) $(FW_TESTBIN_OBJ:.o=.d)
