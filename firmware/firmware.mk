# Firmware build rules, included by the top Makefile (paths are relative to the repo root).
#
#   make firmware        emulated board (firmware/build/host/synergy-emu) + Cortex-M4 core, sizes
#   make firmware-arm    the portable core for Cortex-M4 -> firmware/build/arm/libsynergy_core.a
#   make test-c          C unit tests with AddressSanitizer and UBSan
#   make fuzz            libFuzzer targets, FUZZ_SECONDS each (installs clang if missing)
#   make fuzz-coverage   a fixed run of the structured target; prints line coverage of the handlers
#   make firmware-names  every external symbol of the objects starts with syn_ (names.mk)
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
# The structured fuzz target also runs in the C tests (test_fuzz_replay.c), under gcc's sanitizers.
FW_TEST_SRC      := $(filter-out $(FW_DIR)/test/fuzz_%.c,$(wildcard $(FW_DIR)/test/*.c)) $(FW_DIR)/test/fuzz_messages.c
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

# libFuzzer targets (test/fuzz_*.c): fuzz_messages, structured (CRC-valid frames with CBOR bodies
# for every handler of the table, real segment uploads, infers, senses; see its top comment), and
# the byte-level ones: frame receiver + dispatcher, CBOR reader, segment decoder. FUZZ_SECONDS per
# target; corpora grow in firmware/build/fuzz/<target>.corpus, seeded from test/fuzz-regressions/.
# test/fuzz_setup.sh finds clang with libFuzzer and compiler-rt, installing Debian's clang,
# libclang-rt-dev and llvm when missing, and passes the tools down as FW_FUZZ_CC etc.
FUZZ_SECONDS ?= 60
FUZZ_COVERAGE_RUNS ?= 50000
FW_FUZZ_SETUP  := $(FW_DIR)/test/fuzz_setup.sh
FW_FUZZ_CC     ?= clang
FW_FUZZ_FLAGS  := -std=c11 -Wall -Wextra -Werror -O1 -g $(FW_INCLUDES) $(FW_TEST_INCLUDES)
FW_FUZZ_CFLAGS := $(FW_FUZZ_FLAGS) -fsanitize=fuzzer,address,undefined
FW_FUZZ_BINS   := $(patsubst $(FW_DIR)/test/%.c,$(FW_BUILD)/fuzz/%,$(FW_FUZZ_SRC))
# Entropic scheduling spends most of each run updating feature counts once the sanitizers add
# their branches (6x fewer runs per second here); plain scheduling reaches the same coverage sooner.
FW_FUZZ_RUN_FLAGS := -max_len=9000 -entropic=0
FW_FUZZ_LIB    := $(FW_PORTABLE_SRC) $(FW_ACCEL_SIM_SRC) $(FW_DIR)/port/host/emu_cnn_backend.c
FW_FUZZ_HDRS   := $(wildcard $(FW_DIR)/core/*.h $(FW_DIR)/accel/*.h $(FW_DIR)/accel/sim/*.h $(FW_DIR)/accel/reg/*.h $(FW_DIR)/test/*.h \
                  $(FW_DIR)/port/host/emu_memory.h)
# The structured target loads zoo segments (zoo_segment.c) into the emulator's memory regions.
FW_FUZZ_MSG_EXTRA := $(FW_DIR)/test/zoo_segment.c $(FW_DIR)/test/json.c $(FW_DIR)/test/support.c \
                     $(FW_DIR)/port/host/emu_memory.c
# What fuzz-coverage reports: the dispatcher, the message handlers, the segment store.
FW_FUZZ_COV_FILES := $(FW_DIR)/core/board.c $(wildcard $(FW_DIR)/core/msg_*.c) $(FW_DIR)/core/segstore.c
FW_FUZZ_COV_DIR   := $(FW_BUILD)/fuzz-coverage

.PHONY: fuzz-run fuzz-coverage fuzz-coverage-run

fuzz:
	@tools=$$(bash $(FW_FUZZ_SETUP)) && set -- $$tools && \
	  $(MAKE) --no-print-directory FW_FUZZ_CC=$$1 fuzz-run

fuzz-run: $(FW_FUZZ_BINS)
	@for f in $(FW_FUZZ_BINS); do \
	  name=$$(basename $$f); seeds=$(FW_DIR)/test/fuzz-regressions/$$name; [ -d $$seeds ] || seeds=; \
	  echo "fuzz: $$name for $(FUZZ_SECONDS) s"; mkdir -p $$f.corpus; \
	  $$f -max_total_time=$(FUZZ_SECONDS) $(FW_FUZZ_RUN_FLAGS) -print_final_stats=1 $$f.corpus $$seeds || exit 1; done

$(FW_BUILD)/fuzz/fuzz_messages: $(FW_FUZZ_MSG_EXTRA)
$(FW_BUILD)/fuzz/fuzz_cbor: $(FW_DIR)/test/cbor_recode.c

$(FW_BUILD)/fuzz/%: $(FW_DIR)/test/%.c $(FW_FUZZ_LIB) $(FW_FUZZ_HDRS)
	@mkdir -p $(@D)
	$(FW_FUZZ_CC) $(FW_FUZZ_CFLAGS) -o $@ $(filter %.c,$^)

# A fixed run (seed 1, FUZZ_COVERAGE_RUNS inputs from an empty corpus) of fuzz_messages built with
# clang's source-based coverage; prints the line coverage of FW_FUZZ_COV_FILES.
fuzz-coverage:
	@tools=$$(bash $(FW_FUZZ_SETUP) --coverage) && set -- $$tools && \
	  $(MAKE) --no-print-directory FW_FUZZ_CC=$$1 FW_LLVM_PROFDATA=$$2 FW_LLVM_COV=$$3 fuzz-coverage-run

fuzz-coverage-run: $(FW_FUZZ_COV_DIR)/fuzz_messages
	@rm -rf $(FW_FUZZ_COV_DIR)/run && mkdir -p $(FW_FUZZ_COV_DIR)/run/corpus
	@echo "fuzz-coverage: fuzz_messages, -seed=1 -runs=$(FUZZ_COVERAGE_RUNS), empty corpus"
	@LLVM_PROFILE_FILE=$(FW_FUZZ_COV_DIR)/run/fuzz-%p.profraw $< -seed=1 -runs=$(FUZZ_COVERAGE_RUNS) $(FW_FUZZ_RUN_FLAGS) -len_control=0 \
	  -print_final_stats=1 $(FW_FUZZ_COV_DIR)/run/corpus 2>&1 | grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done)' || true
	@$(FW_LLVM_PROFDATA) merge -sparse $(FW_FUZZ_COV_DIR)/run/*.profraw -o $(FW_FUZZ_COV_DIR)/run/fuzz.profdata
	@$(FW_LLVM_COV) report $< -instr-profile=$(FW_FUZZ_COV_DIR)/run/fuzz.profdata $(FW_FUZZ_COV_FILES)
	@echo "fuzz-coverage: lines never run: $(FW_LLVM_COV) show $< -instr-profile=$(FW_FUZZ_COV_DIR)/run/fuzz.profdata FILE"

$(FW_FUZZ_COV_DIR)/fuzz_messages: $(FW_DIR)/test/fuzz_messages.c $(FW_FUZZ_MSG_EXTRA) $(FW_FUZZ_LIB) $(FW_FUZZ_HDRS)
	@mkdir -p $(@D)
	$(FW_FUZZ_CC) $(FW_FUZZ_CFLAGS) -fprofile-instr-generate -fcoverage-mapping -o $@ $(filter %.c,$^)

firmware-clean:
	rm -rf $(FW_BUILD)

-include $(FW_EMU_OBJ:.o=.d) $(FW_ARM_OBJ:.o=.d) $(FW_TESTBIN_OBJ:.o=.d)
