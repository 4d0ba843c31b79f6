/* The firmware's limits, each defined once, with why it has the value it has. The headers that
 * use a limit include this one. A port with little RAM builds the core with smaller ones by -D
 * (firmware/max78000.mk, firmware/qemu.mk): every limit a port may change is #ifndef-guarded. The
 * host never assumes these: a board tells its protocol limits in hello (PROTOCOL.md section 5).
 * test/unit/proto-constants.test.ts reads the protocol's defaults here (one #define a line). */
#ifndef SYNERGY_SYN_CONFIG_H
#define SYNERGY_SYN_CONFIG_H

/* ---- Protocol (PROTOCOL.md sections 2 and 5): the protocol's largest, which the emulator takes. */

/* Bytes of a raw frame (header + body + CRC); hello's max_frame. */
#ifndef SYN_MAX_FRAME
#define SYN_MAX_FRAME 8192
#endif
/* Bytes of a byte string in a body (hello's max_payload): room is left for the header, the
 * other fields and the CRC. */
#ifndef SYN_MAX_PAYLOAD
#define SYN_MAX_PAYLOAD 8064
#endif
/* Requests in flight at once (the host's credits). A waiting request holds its place for its
 * whole round trip: over BLE (a connection interval or two each way, 15-25 ms) a board running
 * three pipelines at 200 frames/s keeps about thirty waiting. The FTHR builds the core with
 * fewer (firmware/max78000.mk). */
#ifndef SYN_MAX_IN_FLIGHT
#define SYN_MAX_IN_FLIGHT 48
#endif
/* Requests that wait for their answer (sense, infer, profile) at most at once: the other credits
 * of max_in_flight always come back at once, so hello, ping, stats and reset get through. */
#ifndef SYN_MAX_WAITING
#define SYN_MAX_WAITING 46
#endif
/* Senses waiting for their frame at most at once, all sensors together (section 10): half the
 * waiting places, so infers always keep the other half. */
#ifndef SYN_SENSE_QUEUE
#define SYN_SENSE_QUEUE 24
#endif
/* Bytes of an error message: a text string of the CBOR subset (synergy.cddl). */
#define SYN_ERR_MSG_MAX 64

/* ---- The CBOR subset (PROTOCOL.md section 3): what a reader can check with a fixed stack. */

#define SYN_CBOR_MAX_DEPTH 8       /* nesting accepted by syn_cbor_skip and the validator */
#define SYN_CBOR_MAX_TEXT 64       /* bytes in one text string */
#define SYN_CBOR_MAX_ITEMS 1024    /* entries in one array or map */

/* ---- The board's description (hello). */

#define SYN_BOARD_ID_MAX 64        /* bytes of board_id: a text string of the subset */
#define SYN_SENSOR_KIND_MAX 32     /* bytes of a sensor or output kind, short names like "camera" */
#define SYN_MAX_SENSORS 8          /* sensors of one board */
#define SYN_MAX_OUTPUTS 8          /* outputs of one board */
#define SYN_BUILD_ID_MAX 16        /* hex digits of hello's build_id: 64 bits of the image's hash */

/* ---- Requests. */

/* Runs and warm-up runs of one profile request: a bound on how long one request holds the board
 * (the CLI refuses more at parse time). */
#define SYN_PROFILE_MAX_RUNS 1000u
#define SYN_PROFILE_MAX_WARMUP 1000u
/* Tensor slots of the arena (PROTOCOL.md section 9): the slot numbers a request may name, and
 * hello's tensor_slots. Every frame in flight on a board holds two or more slots (its input and
 * its output) for the whole of its stage, so the count bounds how many frames a board overlaps:
 * two pipelines at 200 frames/s on one board over BLE (85 ms a frame there under load) hold
 * about seventy. A slot itself is a few words (tensors.h); the arena's bytes are
 * SYN_TENSOR_ARENA_BYTES. */
#ifndef SYN_TENSOR_SLOTS
#define SYN_TENSOR_SLOTS 96
#endif

/* ---- Segments (PROTOCOL.md sections 7 and 8). */

#define SYN_MAX_RESIDENT 8         /* segments loaded at once */
/* Bytes of a segment id: 1..64, each printable ASCII without space (segstore.h). */
#define SYN_SEGMENT_ID_MAX 64
#define SYN_NAME_MAX 65            /* a model or chip name: a protocol text string and its NUL */
#define SYN_MAX_CUT_TENSORS 16     /* tensors crossing one cut (a segment's inputs or outputs) */
#define SYN_MAX_SOURCES 8          /* input_sources of one layer (a concatenation) */
/* Bytes of a segment's header a board takes while it arrives (hello's header_max): layer
 * descriptions, ~250 B each, and 8 B per register write. */
#ifndef SYN_HEADER_MAX
#define SYN_HEADER_MAX (64u * 1024u)
#endif
/* Bytes of the program pool: a header while it arrives and the resident programs. */
#ifndef SYN_PROGRAM_BYTES
#define SYN_PROGRAM_BYTES (256u * 1024u)
#endif
/* Bytes of the tensor arena: the inputs and outputs of the resident segments. */
#ifndef SYN_TENSOR_ARENA_BYTES
#define SYN_TENSOR_ARENA_BYTES (2u * 1024u * 1024u)
#endif

/* ---- The fit rules (fit.h): sized for the largest chip. A board that is only ever a MAX78000
 * builds with -DSYN_MAX_LAYERS=32 -DSYN_MAX_COLUMNS=768 (the working storage shrinks from ~64 KB
 * to ~13 KB); a chip with more is then refused by syn_fit_run. */

/* Layers of a resident union: the largest chip's hardware layers (MAX78002 128, MAX78000 32). */
#ifndef SYN_MAX_LAYERS
#define SYN_MAX_LAYERS 128
#endif
/* Kernel columns per processor the occupancy map holds: MAX78002 5120, MAX78000 768. */
#ifndef SYN_MAX_COLUMNS
#define SYN_MAX_COLUMNS 5120
#endif

/* ---- Error texts: a buffer each that the longest message of its module fits, NUL included. */

#define SYN_ACCEL_ERR_MAX 160      /* the accelerator's and the segment decoder's */
#define SYN_CNN_ERR_MAX 200        /* the CNN driver's: names a register and its chip */
#define SYN_LAYOUT_ERR_MAX 160     /* the tensor layouts' */
#define SYN_FIT_MESSAGE_MAX 400    /* a fit refusal: the rule, the layer and up to six numbers */

/* ---- The register model (accel/reg/reg_internal.h): sized for a MAX78002. A port that is only
 * ever a MAX78000 (the QEMU board, firmware/qemu.mk) gives the MAX78000's 32, 768, 512, 8192. */

#ifndef SYN_REG_MAX_LAYERS
#define SYN_REG_MAX_LAYERS 128u            /* hardware layers */
#endif
#ifndef SYN_REG_MAX_KERNEL_WORDS
#define SYN_REG_MAX_KERNEL_WORDS 5120u     /* kernel words of processors 0, 16, 32, 48 */
#endif
#ifndef SYN_REG_MAX_BIAS
#define SYN_REG_MAX_BIAS 2048u             /* bias bytes per quadrant */
#endif
#ifndef SYN_REG_MAX_INSTANCE_WORDS
#define SYN_REG_MAX_INSTANCE_WORDS 20480u  /* words of one data-memory instance */
#endif
/* Bias bytes per quadrant the upload's map covers (MAX78002 2048; a MAX78000-only port gives 512). */
#ifndef SYN_REG_UPLOAD_MAX_BIAS
#define SYN_REG_UPLOAD_MAX_BIAS 2048u
#endif

/* ---- The software CNN (accel/sim/). */

/* Bytes of the layer engine's arena: two MAX78002 data memories (1280 KiB each), in and out. */
#ifndef SYN_SIM_ARENA_BYTES
#define SYN_SIM_ARENA_BYTES (2u * 1310720u)
#endif
#define SYN_SIM_MAX_LAYERS 128u                /* MAX78002's hardware layers; MAX78000 has 32 */
/* Weights of one output channel unpacked at a time: 2048 channels x 3x3 (MAX78002) and 16,384
 * features (MAX78000's flatten limit) both fit. */
#define SYN_SIM_MAX_WEIGHTS_PER_OUTPUT 32768u

/* ---- The emulated board (port/host/). */

/* All sensor files together; the QEMU board gives 4 MiB (its machine is smaller). */
#ifndef SYN_EMU_SENSOR_FILE_BYTES
#define SYN_EMU_SENSOR_FILE_BYTES (32u * 1024u * 1024u)
#endif
#define SYN_EMU_MEMO_MIB_MAX 16384u        /* --memo-mib: 16 GiB, more than any host gives one board */
#define SYN_EMU_SENSOR_CYCLE_MAX 1000000u  /* --sensor-cycle: frames made once, kept in memory */

#endif
