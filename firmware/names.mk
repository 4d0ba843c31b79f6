# The one-prefix rule for firmware globals: every external symbol the firmware's objects define
# starts with syn_ (firmware/test/check_names.sh lists the fixed exceptions). `make firmware` runs
# it over every build's objects. Included at the end of max78000.mk, the last firmware makefile,
# because it reads the object lists of all of them.
#
# The rule checks itself first: an object defining a name without the prefix must be refused.

FW_NAMES_CHECK := $(FW_DIR)/test/check_names.sh
FW_NAMES_ARM   := $(FW_ARM_OBJ) $(FW_QEMU_OBJ) $(FW_FTHR_OBJ) $(FW_FTHR_BINDING_OBJ)
FW_NAMES_HOST  := $(FW_EMU_OBJ) $(FW_ACCEL_TOOL_OBJ)
FW_NAMES_PROBE := $(FW_BUILD)/names/unprefixed.o

.PHONY: firmware-names
firmware: firmware-names

firmware-names: $(FW_NAMES_ARM) $(FW_NAMES_HOST) $(FW_NAMES_PROBE) $(FW_NAMES_CHECK)
	@if sh $(FW_NAMES_CHECK) nm $(FW_NAMES_PROBE) 2>/dev/null; then \
	  echo "firmware-names: $(FW_NAMES_CHECK) accepted an unprefixed symbol"; exit 1; fi
	@sh $(FW_NAMES_CHECK) arm-none-eabi-nm $(FW_NAMES_ARM)
	@sh $(FW_NAMES_CHECK) nm $(FW_NAMES_HOST)
	@echo "firmware-names: every external symbol of the firmware's objects starts with syn_"

$(FW_NAMES_PROBE):
	@mkdir -p $(@D)
	printf 'int syn_prefixed(void) { return 1; }\nint unprefixed(void) { return 0; }\n' | \
	  $(FW_HOST_CC) -x c -c - -o $@
