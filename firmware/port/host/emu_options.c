/* Command-line parsing for synergy-emu and the QEMU board; see emu_options.h. Portable: what
 * needs the system (the default id, reading sensor files) is the port's (emu_options.h). */
#include "emu_options.h"

#include "emu_memory.h"
#include "emu_sensors.h"

#include <stdio.h>
#include <string.h>

/* A kind names a sensor or output: 1..32 of [a-z0-9_-]. */
static bool valid_kind(const char *s, size_t n)
{
    if (n == 0 || n > SYN_SENSOR_KIND_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    }
    return true;
}

static bool parse_u32(const char *s, const char **end, uint32_t *out)
{
    if (*s < '0' || *s > '9')
        return false;
    uint64_t v = 0;
    while (*s >= '0' && *s <= '9') {
        v = v * 10u + (uint64_t)(*s++ - '0');
        if (v > UINT32_MAX)
            return false;
    }
    *end = s;
    *out = (uint32_t)v;
    return true;
}

/* "29.97" -> 29970 millihertz; at most 3 decimals. */
static bool parse_millihertz(const char *s, uint32_t *out)
{
    const char *p;
    uint32_t whole;
    if (!parse_u32(s, &p, &whole) || whole > UINT32_MAX / 1000u)
        return false;
    uint32_t frac = 0;
    if (*p == '.') {
        p++;
        int digits = 0;
        while (*p >= '0' && *p <= '9') {
            if (++digits > 3)
                return false;
            frac = frac * 10u + (uint32_t)(*p++ - '0');
        }
        if (digits == 0)
            return false;
        while (digits++ < 3)
            frac *= 10u;
    }
    if (*p != '\0')
        return false;
    uint64_t mhz = (uint64_t)whole * 1000u + frac;
    if (mhz == 0 || mhz > UINT32_MAX)
        return false;
    *out = (uint32_t)mhz;
    return true;
}

static bool parse_sensor(const char *arg, board_sensor *s)
{
    const char *colon = strchr(arg, ':');
    if (colon == NULL || !valid_kind(arg, (size_t)(colon - arg)))
        return false;
    memset(s, 0, sizeof *s);
    memcpy(s->kind, arg, (size_t)(colon - arg));
    const char *p = colon + 1;
    for (int i = 0; i < 3; i++) {
        if (!parse_u32(p, &p, &s->shape[i]) || s->shape[i] == 0)
            return false;
        if (*p != (i < 2 ? 'x' : '@'))
            return false;
        p++;
    }
    return parse_millihertz(p, &s->rate_mhz);
}

static void known_chips(char *out, size_t cap)
{
    out[0] = '\0';
    for (size_t i = 0; syn_chip_at(i) != NULL; i++) {
        size_t len = strlen(out);
        syn_format(out + len, cap - len, "%s%s", i > 0 ? ", " : "", syn_chip_at(i)->name);
    }
}

static void known_engines(char *out, size_t cap)
{
    out[0] = '\0';
    for (size_t i = 0; i < syn_emu_engine_count; i++) {
        size_t len = strlen(out);
        syn_format(out + len, cap - len, "%s%s", i > 0 ? ", " : "", syn_accel_engine_name(syn_emu_engines[i]));
    }
}

static const accel_engine *find_engine(const char *name)
{
    for (size_t i = 0; i < syn_emu_engine_count; i++)
        if (strcmp(syn_accel_engine_name(syn_emu_engines[i]), name) == 0)
            return syn_emu_engines[i];
    return NULL;
}

bool syn_emu_parse_options(int argc, char **argv, emu_options *opts, char *why, size_t cap)
{
    memset(opts, 0, sizeof *opts);
    /* --sensor-file may come before its --sensor: read the files once every sensor is known. */
    unsigned file_index[SYN_MAX_SENSORS];
    const char *file_path[SYN_MAX_SENSORS];
    size_t n_files = 0;
    opts->board.chip = syn_chip_find("max78000");
    const char *engine_name = NULL;
    syn_emu_default_board_id(opts->board.board_id, sizeof opts->board.board_id);
    for (int i = 1; i < argc; i++) {
        const char *name = argv[i];
        const char *value = NULL;
        char flag[32];
        /* --name=value or --name value */
        const char *eq = strchr(name, '=');
        if (strncmp(name, "--", 2) == 0 && eq != NULL && (size_t)(eq - name) < sizeof flag) {
            memcpy(flag, name, (size_t)(eq - name));
            flag[eq - name] = '\0';
            name = flag;
            value = eq + 1;
        }
        bool takes_value = strcmp(name, "--chip") == 0 || strcmp(name, "--engine") == 0 || strcmp(name, "--id") == 0 || strcmp(name, "--sensor") == 0 ||
                           strcmp(name, "--output") == 0 || strcmp(name, "--baud") == 0 ||
                           strcmp(name, "--link-name") == 0 || strcmp(name, "--sensor-file") == 0 ||
                           strcmp(name, "--memo-mib") == 0 || strcmp(name, "--sensor-cycle") == 0;
        if (takes_value && value == NULL) {
            if (i + 1 >= argc) {
                syn_format(why, cap, "%s needs a value", name);
                return false;
            }
            value = argv[++i];
        } else if (!takes_value && value != NULL) {
            syn_format(why, cap, "%s takes no value", name);
            return false;
        }
        if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
            opts->help = true;
        } else if (strcmp(name, "--stdio") == 0) {
            opts->stdio = true;
        } else if (strcmp(name, "--chip") == 0) {
            opts->board.chip = syn_chip_find(value);
            if (opts->board.chip == NULL) {
                char list[128];
                known_chips(list, sizeof list);
                syn_format(why, cap, "--chip '%s': unknown chip (known: %s)", value, list);
                return false;
            }
        } else if (strcmp(name, "--engine") == 0) {
            if (find_engine(value) == NULL) {
                char list[64];
                known_engines(list, sizeof list);
                syn_format(why, cap, "--engine '%s': unknown engine (this build has: %s)", value, list);
                return false;
            }
            engine_name = value;
        } else if (strcmp(name, "--id") == 0) {
            size_t n = strlen(value);
            bool printable = n > 0 && n <= SYN_BOARD_ID_MAX;
            for (size_t k = 0; k < n && printable; k++)
                printable = value[k] > 0x20 && value[k] < 0x7F;
            if (!printable) {
                syn_format(why, cap, "--id '%s': must be 1..%u printable ASCII characters without spaces", value,
                         (unsigned)SYN_BOARD_ID_MAX);
                return false;
            }
            memcpy(opts->board.board_id, value, n + 1);
        } else if (strcmp(name, "--sensor") == 0) {
            if (opts->board.n_sensors == SYN_MAX_SENSORS) {
                syn_format(why, cap, "--sensor '%s': at most %u sensors", value, (unsigned)SYN_MAX_SENSORS);
                return false;
            }
            if (!parse_sensor(value, &opts->board.sensors[opts->board.n_sensors])) {
                syn_format(why, cap,
                         "--sensor '%s': expected KIND:CxHxW@HZ, KIND of [a-z0-9_-] (at most %u), C, H, W > 0, "
                         "HZ > 0 with at most 3 decimals, e.g. microphone:1x16000x1@1",
                         value, (unsigned)SYN_SENSOR_KIND_MAX);
                return false;
            }
            opts->board.n_sensors++;
        } else if (strcmp(name, "--output") == 0) {
            if (opts->board.n_outputs == SYN_MAX_OUTPUTS) {
                syn_format(why, cap, "--output '%s': at most %u outputs", value, (unsigned)SYN_MAX_OUTPUTS);
                return false;
            }
            if (!valid_kind(value, strlen(value))) {
                syn_format(why, cap, "--output '%s': expected a kind of [a-z0-9_-], at most %u characters", value,
                         (unsigned)SYN_SENSOR_KIND_MAX);
                return false;
            }
            memcpy(opts->board.outputs[opts->board.n_outputs++], value, strlen(value) + 1);
        } else if (strcmp(name, "--baud") == 0) {
            const char *end;
            uint32_t baud;
            if (!parse_u32(value, &end, &baud) || *end != '\0' || baud > 100000000u) {
                syn_format(why, cap, "--baud '%s': expected an integer from 0 (unpaced) to 100000000", value);
                return false;
            }
            if (baud != 0 && baud < 300) {
                syn_format(why, cap, "--baud %s: below 300 baud a single frame would take minutes", value);
                return false;
            }
            opts->board.link_baud = baud;
        } else if (strcmp(name, "--sensor-file") == 0) {
            const char *colon = strchr(value, ':'), *end;
            uint32_t index;
            if (colon == NULL || !parse_u32(value, &end, &index) || end != colon || colon[1] == '\0') {
                syn_format(why, cap, "--sensor-file '%s': expected INDEX:PATH, e.g. 0:frames.bin", value);
                return false;
            }
            for (size_t k = 0; k < n_files; k++) {
                if (file_index[k] == index) {
                    syn_format(why, cap, "--sensor-file %u: given twice", (unsigned)index);
                    return false;
                }
            }
            if (n_files == SYN_MAX_SENSORS || index >= SYN_MAX_SENSORS) {
                syn_format(why, cap, "--sensor-file '%s': sensor %u, at most %u sensors", value, (unsigned)index,
                         (unsigned)SYN_MAX_SENSORS);
                return false;
            }
            file_index[n_files] = index;
            file_path[n_files++] = colon + 1;
        } else if (strcmp(name, "--memo-mib") == 0) {
            const char *end;
            uint32_t mib;
            if (!parse_u32(value, &end, &mib) || *end != '\0' || mib > SYN_EMU_MEMO_MIB_MAX) {
                syn_format(why, cap, "--memo-mib '%s': expected a whole number of MiB from 0 (off) to %u", value,
                         SYN_EMU_MEMO_MIB_MAX);
                return false;
            }
            opts->memo_mib = mib;
        } else if (strcmp(name, "--sensor-cycle") == 0) {
            const char *end;
            uint32_t n;
            if (!parse_u32(value, &end, &n) || *end != '\0' || n > SYN_EMU_SENSOR_CYCLE_MAX) {
                syn_format(why, cap, "--sensor-cycle '%s': expected a whole number of frames from 0 (no cycle) to %u",
                         value, SYN_EMU_SENSOR_CYCLE_MAX);
                return false;
            }
            opts->sensor_cycle = n;
        } else if (strcmp(name, "--link-name") == 0) {
            if (value[0] == '\0') {
                syn_format(why, cap, "--link-name needs a path");
                return false;
            }
            opts->link_name = value;
        } else {
            syn_format(why, cap, "unknown option '%s' (see --help)", argv[i]);
            return false;
        }
    }
    if (opts->stdio && opts->link_name != NULL) {
        syn_format(why, cap, "--link-name makes no sense with --stdio (there is no pty to link to)");
        return false;
    }
    syn_emu_sensor_files_reset();
    for (size_t k = 0; k < n_files; k++) {
        if (file_index[k] >= opts->board.n_sensors) {
            syn_format(why, cap, "--sensor-file %u:%s: there is no sensor %u (%lu given with --sensor)", file_index[k],
                     file_path[k], file_index[k], (unsigned long)opts->board.n_sensors);
            return false;
        }
        if (!syn_emu_sensor_file_load(&opts->board.sensors[file_index[k]], file_index[k], file_path[k], why, cap))
            return false;
    }
    /* Frames are made with the board id, so the cycle's frames are made once the id is known. */
    if (opts->sensor_cycle > 0) {
        for (size_t k = 0; k < opts->board.n_sensors; k++) {
            board_sensor *s = &opts->board.sensors[k];
            if (s->data == NULL && !syn_emu_sensor_cycle_make(s, (unsigned)k, opts->board.board_id, opts->sensor_cycle, why, cap))
                return false;
        }
    }
    /* The engine: the one asked for, else the first of this build's (in its order of preference)
     * that can be this chip — the register engine where it covers the chip. */
    accel_error aerr;
    opts->board.engine = engine_name != NULL ? find_engine(engine_name) : NULL;
    for (size_t i = 0; opts->board.engine == NULL && i < syn_emu_engine_count; i++)
        if (syn_accel_open(syn_emu_engines[i], opts->board.chip, &aerr) != NULL)
            opts->board.engine = syn_emu_engines[i];
    if (opts->board.engine == NULL)
        opts->board.engine = syn_emu_engines[0];
    if (syn_accel_open(opts->board.engine, opts->board.chip, &aerr) == NULL) {
        syn_format(why, cap, "--engine %s --chip %s: %s", syn_accel_engine_name(opts->board.engine), opts->board.chip->name,
                   aerr.msg);
        return false;
    }
    /* The chip's and engine's memory regions (emu_memory.h). */
    if (!syn_emu_memory_for(opts->board.chip, opts->board.engine, &opts->board.mem)) {
        syn_format(why, cap, "no memory sizes for chip %s", opts->board.chip->name);
        return false;
    }
    char reason[96];
    if (!syn_board_config_check(&opts->board, reason, sizeof reason)) {
        syn_format(why, cap, "bad board configuration: %s", reason);
        return false;
    }
    return true;
}
