# The MAX78000FTHR firmware (firmware/port/max78000): the portable core and the shared Cortex-M
# parts built for the board with Debian's arm-none-eabi-gcc (no vendor SDK). Included by the top
# Makefile after firmware.mk; `make firmware` builds it.
#
#   firmware/build/max78000/synergy.elf, .bin, .hex, .map   the image, once it links
#
# The core is compiled here with the board's own protocol limits (hello reports them): frames of
# 2 KiB and 4 requests in flight keep the UART rings and the core's buffers within 128 KiB.
#
# The accelerator binding: the core reaches the CNN through accel.h, whose register engine
# (accel/reg/reg_engine.c) drives it through the CNN driver; one file of this port,
# firmware/port/max78000/accel_max78000.c, binds the driver to the silicon (cnn_backend.h's five
# functions: volatile 32-bit and 8-bit stores, 32-bit loads, the reset, the cycles of the last run).
# Until that file exists the image cannot link, and no image is made: instead a size-measuring link
# (firmware/build/max78000/unbound/synergy-unbound.elf, the backend's functions left unresolved,
# never an image) reports what everything else takes. With the binding, the image links and the
# build fails if flash or static SRAM use passes 90 %.

comma := ,
FW_FTHR_DIR     := $(FW_DIR)/port/max78000
FW_FTHR_BUILD   := $(FW_BUILD)/max78000
FW_FTHR_ELF     := $(FW_FTHR_BUILD)/synergy.elf
FW_FTHR_UNBOUND := $(FW_FTHR_BUILD)/unbound/synergy-unbound.elf
FW_FTHR_BINDING := $(wildcard $(FW_FTHR_DIR)/accel_max78000.c)

FTHR_UART_BAUD ?= 115200
FW_FTHR_LIMITS := -DSYN_MAX_FRAME=2048 -DSYN_MAX_PAYLOAD=1920 -DSYN_MAX_IN_FLIGHT=4 -DSYN_MAX_WAITING=2 -DSYN_SENSE_QUEUE=2 -DSYN_TENSOR_SLOTS=16
# A MAX78000 and nothing larger: the fit rules' storage, the engine's per-layer figures and the
# upload's bias map sized for its 768 kernel columns, 32 layers and 512 bias bytes per quadrant.
FW_FTHR_LIMITS += -DSYN_MAX_COLUMNS=768 -DSYN_MAX_LAYERS=32 -DSYN_REG_UPLOAD_MAX_BIAS=512u
# The core's regions: header_max bounds a segment's header (layer descriptions, ~250 B each, and
# 8 B per register write); the program pool holds it while it arrives and the resident programs
# (272 B of registers per layer plus init, start and layouts), 10 KiB more, so a chip's worth of
# resident layers and one more header fit; the tensor arena holds 8 KiB of tensors.
FW_FTHR_LIMITS += -DSYN_HEADER_MAX='(16u * 1024u)' -DSYN_PROGRAM_BYTES='(26u * 1024u)' \
                  -DSYN_TENSOR_ARENA_BYTES='(8u * 1024u)'

FW_FTHR_PORT_SRC := $(filter-out $(FW_FTHR_BINDING),$(wildcard $(FW_FTHR_DIR)/*.c)) \
                    $(wildcard $(FW_DIR)/port/cortex-m/*.c) $(FW_DIR)/port/host/emu_pace.c
FW_FTHR_SRC := $(FW_PORTABLE_SRC) $(FW_FTHR_PORT_SRC)
FW_FTHR_OBJ := $(patsubst %.c,$(FW_FTHR_BUILD)/obj/%.o,$(FW_FTHR_SRC))
FW_FTHR_BINDING_OBJ := $(patsubst %.c,$(FW_FTHR_BUILD)/obj/%.o,$(FW_FTHR_BINDING))

FW_FTHR_CFLAGS  := $(FW_ARM_CFLAGS) $(FW_FTHR_LIMITS) -DFTHR_UART_BAUD=$(FTHR_UART_BAUD)u \
                   -I$(FW_FTHR_DIR) -I$(FW_DIR)/port/cortex-m -I$(FW_DIR)/port/host
FW_FTHR_LDFLAGS := -mcpu=cortex-m4 -mthumb -mfloat-abi=softfp -mfpu=fpv4-sp-d16 -nostartfiles \
                   --specs=nano.specs -T $(FW_FTHR_DIR)/link.ld -Wl,--gc-sections -Wl,--fatal-warnings

# Flash = code, constants and .data's initial values; static SRAM = .data + .bss (the stack is
# measured on a QEMU board: npm run bench:firmware). Fails above 90 % of either when $(2) is "check".
define fthr_size_report
	@arm-none-eabi-size -A -d $(1) | awk -v what="$(3)" -v check="$(2)" ' \
	  $$1 == ".text" || $$1 == ".ARM.exidx" { flash += $$2 } \
	  $$1 == ".data" { flash += $$2; sram += $$2 } \
	  $$1 == ".bss" { sram += $$2 } \
	  END { fp = 100 * flash / 524288; sp = 100 * sram / 131072; \
	        printf "%s: flash %d of 524288 bytes (%.1f%%), static SRAM %d of 131072 bytes (%.1f%%)\n", what, flash, fp, sram, sp; \
	        if (fp > 90 || sp > 90) { \
	          printf "%s: above the 90%% budget of %s\n", what, (fp > 90 ? "flash" : "static SRAM"); \
	          if (check == "check") exit 1 } }'
endef

.PHONY: firmware-max78000
firmware: firmware-max78000

ifeq ($(FW_FTHR_BINDING),)
firmware-max78000: $(FW_FTHR_UNBOUND)
	@echo "max78000: no image: the accelerator binding $(FW_FTHR_DIR)/accel_max78000.c is not in this tree yet"
	$(call fthr_size_report,$(FW_FTHR_UNBOUND),report,max78000 without the accelerator binding (not an image))
else
firmware-max78000: $(FW_FTHR_ELF) $(FW_FTHR_BUILD)/synergy.bin $(FW_FTHR_BUILD)/synergy.hex
	$(call fthr_size_report,$(FW_FTHR_ELF),check,max78000 $(FW_FTHR_ELF))
endif

$(FW_FTHR_ELF): $(FW_FTHR_OBJ) $(FW_FTHR_BINDING_OBJ) $(FW_FTHR_DIR)/link.ld
	$(FW_ARM_CC) $(FW_FTHR_LDFLAGS) -Wl,-Map=$(FW_FTHR_BUILD)/synergy.map -o $@ $(FW_FTHR_OBJ) $(FW_FTHR_BINDING_OBJ)

$(FW_FTHR_BUILD)/synergy.bin: $(FW_FTHR_ELF)
	arm-none-eabi-objcopy -O binary $< $@

$(FW_FTHR_BUILD)/synergy.hex: $(FW_FTHR_ELF)
	arm-none-eabi-objcopy -O ihex $< $@

# Sizes only: accel.h's functions unresolved (they would be the binding's), SRAM room lent.
$(FW_FTHR_UNBOUND): $(FW_FTHR_OBJ) $(FW_FTHR_DIR)/link.ld
	@mkdir -p $(@D)
	$(FW_ARM_CC) $(filter-out -Wl$(comma)--fatal-warnings,$(FW_FTHR_LDFLAGS)) -Wl,--defsym=__size_check_only=1 \
	  -Wl,--unresolved-symbols=ignore-in-object-files -Wl,-Map=$(@D)/synergy-unbound.map -o $@ $(FW_FTHR_OBJ)

# The port's limits change what every object holds: a change of this file rebuilds them.
$(FW_FTHR_BUILD)/obj/%.o: %.c $(FW_DIR)/max78000.mk
	@mkdir -p $(@D)
	$(FW_ARM_CC) $(FW_FTHR_CFLAGS) $(FW_DEPFLAGS) -c $< -o $@

-include $(FW_FTHR_OBJ:.o=.d) $(FW_FTHR_BINDING_OBJ:.o=.d)

# Included last: it reads the object lists of every firmware makefile.
include $(FW_DIR)/names.mk
