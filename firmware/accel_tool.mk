# synergy-accel (firmware/build/host/synergy-accel): the accelerator code (segment decoder, cycle
# model, fit rules, simulator) run in batch on the host for the TypeScript cross-language tests.
# Sources: firmware/port/host/accel_tool*.c (see accel_tool.h); included by the top Makefile
# after firmware.mk, whose variables it uses. The portable and simulator objects are linked from
# an archive so that only what the tool calls is pulled in.

FW_ACCEL_TOOL     := $(FW_BUILD)/host/synergy-accel
FW_ACCEL_TOOL_SRC := $(wildcard $(FW_DIR)/port/host/accel_tool*.c)
FW_ACCEL_TOOL_OBJ := $(patsubst %.c,$(FW_BUILD)/host/obj/%.o,$(FW_ACCEL_TOOL_SRC))
FW_HOST_LIB       := $(FW_BUILD)/host/libsynergy_host.a
FW_HOST_LIB_OBJ   := $(patsubst %.c,$(FW_BUILD)/host/obj/%.o,$(FW_PORTABLE_SRC) $(FW_ACCEL_SIM_SRC))

.PHONY: firmware-accel-tool
firmware: firmware-accel-tool
firmware-accel-tool: $(FW_ACCEL_TOOL)

$(FW_HOST_LIB): $(FW_HOST_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(FW_ACCEL_TOOL): $(FW_ACCEL_TOOL_OBJ) $(FW_HOST_LIB)
	$(FW_HOST_CC) $(FW_HOST_CFLAGS) -o $@ $(FW_ACCEL_TOOL_OBJ) $(FW_HOST_LIB)

-include $(FW_ACCEL_TOOL_OBJ:.o=.d)
