/* The emulated board's memory regions; see emu_memory.h. */
#include "emu_memory.h"

#include <string.h>

#define KIB 1024u
#define MIB (1024u * 1024u)

typedef struct {
    const char *chip;
    uint32_t staging, pool, tensors;
} emu_sizes;

static const emu_sizes sizes[] = {
    { "max78000", 512u * KIB, 512u * KIB, 2u * MIB },
    { "max78002", 2560u * KIB, 2560u * KIB, 2u * MIB },
};

/* The program pool, header_max and the tensor arena are syn_config.h's defaults (emu_memory.h
 * says why); staging and pool hold the largest chip's sizes of the table. */
#define MAX_STAGING (2560u * KIB)
#define MAX_POOL (2560u * KIB)

static _Alignas(8) uint8_t staging[MAX_STAGING];
static _Alignas(8) uint8_t pool[MAX_POOL];
static _Alignas(8) uint8_t tensor_arena[SYN_TENSOR_ARENA_BYTES];
static _Alignas(8) uint8_t program[SYN_PROGRAM_BYTES];
static accel_layer layers[EMU_LAYERS];
static accel_params params[EMU_LAYERS];
static fit_ctx fit_work;
static fit_result fit_out;

bool syn_emu_memory_for(const syn_chip *chip, const accel_engine *engine, board_memory *mem)
{
    memset(mem, 0, sizeof *mem);
    for (size_t i = 0; chip != NULL && i < sizeof sizes / sizeof sizes[0]; i++) {
        const emu_sizes *s = &sizes[i];
        if (strcmp(s->chip, chip->name) != 0)
            continue;
        _Static_assert(MAX_STAGING >= 2560u * KIB && MAX_POOL >= 2560u * KIB && SYN_TENSOR_ARENA_BYTES >= 2u * MIB,
                       "the static regions hold every chip's sizes");
        if (syn_accel_engine_format(engine) == 2)
            mem->segments = (segstore_memory){ NULL, 0, NULL, 0, layers, NULL, EMU_LAYERS, &fit_work, &fit_out,
                                               program, SYN_PROGRAM_BYTES, SYN_HEADER_MAX };
        else
            mem->segments = (segstore_memory){ staging, s->staging, pool, s->pool, layers, params, EMU_LAYERS,
                                               &fit_work, &fit_out, NULL, 0, 0 };
        mem->tensor_arena = tensor_arena;
        mem->tensor_bytes = s->tensors;
        return true;
    }
    return false;
}
