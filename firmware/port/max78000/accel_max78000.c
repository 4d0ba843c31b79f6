/* The CNN driver's backend on the MAX78000 (cnn_backend.h): every access the driver has checked
 * against the chip's whitelist becomes one volatile load or store on the silicon, and a run is
 * timed from the master quadrant's start (CTRL.cnn_en 0 -> 1 without ext_sync) to the first read
 * of a CTRL that shows cnn_irq (bit 12), as the image runner polls for done. The time is the Cortex-M4's
 * cycle counter (DWT_CYCCNT at the 100 MHz system clock) scaled to the CNN clock (PCLK, 50 MHz):
 * that is the per-layer latency a board measures by LCNT_MAX differencing. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cnn_backend.h"
#include "cnn_driver.h"
#include "fthr.h"
#include "max78000_regs.h"

/* A quadrant's CTRL is its base: 0x50100000 + q * 0x400000 (REGISTERS.md, UG7456 table 27-17). */
#define QUADRANT_CTRL_MASK 0xFF3FFFFFu
#define QUADRANT0_CTRL     0x50100000u
#define CTRL_CNN_EN        (1u << 0)
#define CTRL_EXT_SYNC      (7u << 9)
#define CTRL_CNN_IRQ       (1u << 12)

static uint32_t started_at;
static uint32_t run_cycles;
static bool running, timed;

bool syn_cnn_backend_reset(const syn_chip *chip, cnn_error *err)
{
    if (strcmp(chip->name, "max78000") != 0)
        return syn_cnn_fail(err, CNN_ERR_NOT_OPEN, 0, "this board's accelerator is a max78000, not a %s", chip->name);
    /* Power-cycling the quadrants puts every CNN register at its reset value. */
    syn_fthr_cnn_power_off();
    syn_fthr_cnn_power_on();
    DEMCR |= DEMCR_TRCENA;
    DWT_CTRL |= DWT_CTRL_CYCCNTENA;
    running = timed = false;
    return true;
}

bool syn_cnn_backend_store32(uint32_t addr, uint32_t value, cnn_error *err)
{
    (void)err;
    bool start = (addr & QUADRANT_CTRL_MASK) == QUADRANT0_CTRL && (value & CTRL_CNN_EN) && !(value & CTRL_EXT_SYNC);
    if (start)
        started_at = DWT_CYCCNT;
    *(volatile uint32_t *)(uintptr_t)addr = value;
    if (start)
        running = true;
    return true;
}

bool syn_cnn_backend_store8(uint32_t addr, uint8_t value, cnn_error *err)
{
    (void)err;
    *(volatile uint8_t *)(uintptr_t)addr = value;
    return true;
}

bool syn_cnn_backend_load32(uint32_t addr, uint32_t *value, cnn_error *err)
{
    (void)err;
    uint32_t v = *(volatile uint32_t *)(uintptr_t)addr;
    if (running && (addr & QUADRANT_CTRL_MASK) == QUADRANT0_CTRL && (v & CTRL_CNN_IRQ)) {
        uint32_t cpu = DWT_CYCCNT - started_at;   /* wraps at 2^32 cycles: 42 s, far past any run */
        run_cycles = cpu / (MAX78000_IPO_HZ / MAX78000_PCLK_HZ);
        running = false;
        timed = true;
    }
    *value = v;
    return true;
}

bool syn_cnn_backend_cycles(uint64_t *cycles, cnn_error *err)
{
    if (!timed)
        return syn_cnn_fail(err, CNN_ERR_STATE, 0, "no CNN run has completed since the accelerator was opened");
    *cycles = run_cycles;
    return true;
}
