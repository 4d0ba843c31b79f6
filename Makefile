# Synergy: the two commands a fresh machine needs are `make demo` and `make test`.
# Each installs what it needs (tools/setup.sh), builds the firmware and the host, then runs.

.PHONY: all setup build ts test test-c test-ts demo bench clean help

all: build

help:
	@echo "make demo   run the main job on an emulated desk (installs and builds first)"
	@echo "make test   run every test: C unit tests, Cortex-M4 build, the tests type-checked, vitest"
	@echo "make build  build the firmware (emulator + Cortex-M4 core) and the host"
	@echo "make clean  remove build outputs"

setup:
	@bash tools/setup.sh

ts: setup
	npx tsc -p tsconfig.json

# Firmware rules (emulated board, Cortex-M4 core build, C tests) live beside the firmware.
include firmware/firmware.mk
# The accelerator tool for cross-language tests (synergy-accel), built by `make firmware`.
include firmware/accel_tool.mk
# The QEMU board (Cortex-M4 under qemu-system-arm) and the MAX78000FTHR, built by `make firmware`.
include firmware/qemu.mk
include firmware/max78000.mk

build: setup firmware ts

test: build test-c test-ts

# The tests are type-checked (tsconfig.test.json, no output) before vitest runs them.
test-ts: build
	npx tsc -p tsconfig.test.json
	npx vitest run

demo: build
	node dist/tools/demo.js

clean: firmware-clean
	rm -rf dist
