# The QEMU board (firmware/port/qemu-an386): the firmware core on QEMU's mps2-an386 Cortex-M4,
# with the software accelerator (accel/sim/) and the emulated board's portable parts (its
# options, sensor files, memory regions and pacing, from port/host/) compiled for the M4.
# Included by the top Makefile after firmware.mk; `make firmware` builds it.
#
#   firmware/build/qemu-an386/synergy.elf   what qemu-system-arm -kernel runs (and .bin, .map)

FW_QEMU_DIR   := $(FW_DIR)/port/qemu-an386
FW_CM_DIR     := $(FW_DIR)/port/cortex-m
FW_QEMU_BUILD := $(FW_BUILD)/qemu-an386
FW_QEMU_ELF   := $(FW_QEMU_BUILD)/synergy.elf
FW_QEMU_BIN   := $(FW_QEMU_BUILD)/synergy.bin

FW_QEMU_SHARED_SRC := $(addprefix $(FW_DIR)/port/host/,emu_options.c emu_sensors.c emu_memory.c emu_pace.c emu_cnn_backend.c)
# accel/reg/ is compiled here (not taken from the Cortex-M4 library) with the register model sized
# for a MAX78000 (below); objects given before the library win over its members.
FW_QEMU_SRC := $(wildcard $(FW_QEMU_DIR)/*.c) $(wildcard $(FW_CM_DIR)/*.c) $(FW_QEMU_SHARED_SRC) $(FW_ACCEL_SIM_SRC) \
               $(wildcard $(FW_DIR)/accel/reg/*.c)
FW_QEMU_OBJ := $(patsubst %.c,$(FW_QEMU_BUILD)/obj/%.o,$(FW_QEMU_SRC))

# Sensor files get 4 MiB here (the emulator's 32 MiB do not fit the machine; link.ld).
FW_QEMU_CFLAGS  := $(FW_ARM_CFLAGS) -I$(FW_QEMU_DIR) -I$(FW_CM_DIR) -I$(FW_DIR)/port/host \
                   -DSYN_EMU_SENSOR_FILE_BYTES='(4u * 1024u * 1024u)' \
                   -DSYN_REG_MAX_LAYERS=32u -DSYN_REG_MAX_KERNEL_WORDS=768u -DSYN_REG_MAX_BIAS=512u \
                   -DSYN_REG_MAX_INSTANCE_WORDS=8192u
# The register model's memories are sized for a MAX78000 (reg_internal.h): a MAX78002 QEMU board
# runs the layer engine.
FW_QEMU_LDFLAGS := -mcpu=cortex-m4 -mthumb -mfloat-abi=softfp -mfpu=fpv4-sp-d16 -nostartfiles \
                   --specs=nano.specs -T $(FW_QEMU_DIR)/link.ld -Wl,--gc-sections \
                   -Wl,--fatal-warnings -Wl,-Map=$(FW_QEMU_BUILD)/synergy.map

.PHONY: firmware-qemu
firmware: firmware-qemu
firmware-qemu: $(FW_QEMU_ELF) $(FW_QEMU_BIN)

$(FW_QEMU_ELF): $(FW_QEMU_OBJ) $(FW_ARM_LIB) $(FW_QEMU_DIR)/link.ld
	$(FW_ARM_CC) $(FW_QEMU_LDFLAGS) -o $@ $(FW_QEMU_OBJ) $(FW_ARM_LIB)
	@$(FW_ARM_SIZE) $@

$(FW_QEMU_BIN): $(FW_QEMU_ELF)
	arm-none-eabi-objcopy -O binary $< $@

$(FW_QEMU_BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FW_ARM_CC) $(FW_QEMU_CFLAGS) $(FW_DEPFLAGS) -c $< -o $@

-include $(FW_QEMU_OBJ:.o=.d)
