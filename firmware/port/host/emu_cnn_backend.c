/* The emulated board's CNN backend (cnn_backend.h): the driver's accesses land in the register
 * model (accel/reg/reg_model.h). A chip port provides the same five functions as volatile
 * accesses and a timer. */
#include "cnn_backend.h"

#include "reg/reg_model.h"

bool syn_cnn_backend_reset(const syn_chip *chip, cnn_error *err)
{
    return syn_reg_model_reset(chip, err);
}

bool syn_cnn_backend_store32(uint32_t addr, uint32_t value, cnn_error *err)
{
    return syn_reg_model_store32(addr, value, err);
}

bool syn_cnn_backend_store8(uint32_t addr, uint8_t value, cnn_error *err)
{
    return syn_reg_model_store8(addr, value, err);
}

bool syn_cnn_backend_load32(uint32_t addr, uint32_t *value, cnn_error *err)
{
    return syn_reg_model_load32(addr, value, err);
}

bool syn_cnn_backend_cycles(uint64_t *cycles, cnn_error *err)
{
    return syn_reg_model_cycles(cycles, err);
}
