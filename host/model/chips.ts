// Chip specs for MAX78000 and MAX78002: MAX78000.md section 1 and FIT-RULES.md section 0 (the
// synthesis tool's constants), in one TypeScript place. The C twin is firmware/core/chip.c;
// test/unit/chips.test.ts compares the two field by field through the accel tool.

export type ChipName = 'max78000' | 'max78002';
export const CHIP_NAMES: readonly ChipName[] = ['max78000', 'max78002'];

export interface ChipSpec {
  name: ChipName;
  /** Default CNN clock, Hz. */
  cnnClockHz: number;
  /** Kernel (weight) memory, bytes. */
  weightMem: number;
  /** Bias memory, bytes. */
  biasMem: number;
  /** Data memory, bytes. */
  dataMem: number;
  /** Hardware layers. */
  maxLayers: number;
  /** CNN processors (quadrants x processors per quadrant). */
  processors: number;
  quadrants: number;
  processorsPerQuadrant: number;
  /** Processors sharing one data-memory instance (P_SHARED). */
  processorsPerInstance: number;
  dataInstances: number;
  /** --start-layer maximum (0: the option is refused). */
  maxStartLayer: number;
  /** Channels per layer, in and out (the synthesis tool's MAX_CHANNELS; MAX78002's README says 2048). */
  maxChannels: number;
  /** in_expand / out_expand maximum. */
  maxPasses: number;
  /** A row or column count above this is refused (README: one less). */
  maxRowCol: number;
  /** 72-bit kernel words per processor... */
  kernelWords: number;
  /** ...and for processors 0, 16, 32, 48. */
  kernelWordsLarge: number;
  kernelWordBytes: number;
  /** A layer's kernel start column is a multiple of this. */
  kernelStartAlign: number;
  /** Bias bytes per quadrant (BIAS_SIZE). */
  biasPerQuadrant: number;
  /** One data-memory instance, bytes. */
  instanceBytes: number;
  /** HWC pixels per channel in one pass. */
  hwcPixels: number;
  /** CHW pixels per channel (first layer only). */
  chwPixels: number;
  /** The customary ping-pong offset: half an instance. */
  pingpongOffset: number;
  /** out_offset must be below this. */
  outOffsetLimit: number;
  /** H * W * in_expand must be below this. */
  frameLimit: number;
  maxStreamingLayers: number;
  /** Passes allowed for pooling in a passthrough layer (MAX_POOL_PASSES). */
  maxPoolPasses: number;
  maxDilation1d: number;
  /** Pooled H * W of a flatten layer. */
  flattenMaxPixels: number;
  /** Depthwise conv, binary weights, next_sequence, read-ahead, calcx4. */
  depthwise: boolean;
  /** The bias allocator places flatten layers first. */
  flattenBiasFirst: boolean;
  /** Words of one physical kernel-memory instance in the first kernelWords columns, and in the
   * extra columns of the large processors (depthwise kernels must stay inside one instance). */
  kernelInstanceWords: number;
  kernelInstanceWordsLarge: number;
  /** Depthwise kernels must stay inside one kernel-memory instance (REQUIRE_WEIGHT_MASK). */
  depthwiseKernelInOneInstance: boolean;
  /** Multi-pass element-wise layers may neither pool nor convolve unless 2 operands x 2 passes (EMULATE_ELTWISE_MP). */
  eltwiseMultipassLimit: boolean;
  /** Padded Conv1d with more than one input pass (SUPPORT_MULTIPASS_PADDED_CONV1D). */
  paddedConv1dMultipass: boolean;
  /** An average-pooling layer right after a multi-operand layer costs a hidden reset layer. */
  avgPoolResetLayer: boolean;
  /** A convolution with bias may share its layer with an element-wise operation (SUPPORT_MULTIPASS_ELTWISE_CONV_BIAS). */
  eltwiseConvBias: boolean;
  /** The cycle estimator is Analog Devices' own for this chip (else an assumption until calibrated). */
  cyclesCalibrated: boolean;
  /** The pool-after-eltwise pre-read term depending on the kernel start column applies. */
  cyclesPrereadTerm: boolean;
  /** Passthrough pooling with out_expand > 1 counts 2m - 1 passes. */
  cyclesPassthroughPoolExtraPasses: boolean;
  /** The board's Cortex-M4 clock, Hz (MAX78000FTHR 100 MHz, MAX78002 EV kit 120 MHz). */
  cpuClockHz: number;
  /**
   * CPU side of the modelled time (PROTOCOL.md 9), ns per byte; the emulated board spends the
   * same (firmware/core/chip.h gives the reasoning). Estimates of the MSDK's way of moving data,
   * to be calibrated on a board:
   * load: an infer's inputs, CHW int8 from a tensor slot into CNN data memory (HWC, 4 channels
   * per word): ~16 cycles per 4 bytes, 4 cycles per byte;
   * unload: the outputs back, ~14 cycles per 4 bytes, 3.5 cycles per byte;
   * sense: converting DMA'd camera/microphone samples to int8, ~2 cycles per byte.
   */
  cpuLoadNsPerByte: number;
  cpuUnloadNsPerByte: number;
  cpuSenseNsPerByte: number;
}

const MAX78000: ChipSpec = {
  name: 'max78000',
  cnnClockHz: 50_000_000,
  weightMem: 442_368, // 64 processors x 768 words x 9 bytes
  biasMem: 2_048, // 4 quadrants x 512 bytes
  dataMem: 524_288, // 16 instances x 32 KiB
  maxLayers: 32,
  processors: 64,
  quadrants: 4,
  processorsPerQuadrant: 16,
  processorsPerInstance: 4,
  dataInstances: 16,
  maxStartLayer: 0,
  maxChannels: 1024,
  maxPasses: 16,
  maxRowCol: 1024,
  kernelWords: 768,
  kernelWordsLarge: 768,
  kernelWordBytes: 9,
  kernelStartAlign: 4,
  biasPerQuadrant: 512,
  instanceBytes: 32_768,
  hwcPixels: 8_192,
  chwPixels: 32_768,
  pingpongOffset: 0x4000,
  outOffsetLimit: 0x20000,
  frameLimit: 2 ** 21,
  maxStreamingLayers: 8,
  maxPoolPasses: 1,
  maxDilation1d: 1023,
  flattenMaxPixels: 256,
  depthwise: false,
  flattenBiasFirst: true,
  kernelInstanceWords: 768,
  kernelInstanceWordsLarge: 768,
  depthwiseKernelInOneInstance: false,
  eltwiseMultipassLimit: true,
  paddedConv1dMultipass: true,
  avgPoolResetLayer: false,
  eltwiseConvBias: true,
  cyclesCalibrated: true,
  cyclesPrereadTerm: true,
  cyclesPassthroughPoolExtraPasses: true,
  cpuClockHz: 100_000_000,
  cpuLoadNsPerByte: 40,
  cpuUnloadNsPerByte: 35,
  cpuSenseNsPerByte: 20,
};

const MAX78002: ChipSpec = {
  name: 'max78002',
  cnnClockHz: 200_000_000,
  weightMem: 2_396_160, // (4 x 5120 + 60 x 4096) words x 9 bytes = 2340 KiB
  biasMem: 8_192,
  dataMem: 1_310_720, // 16 instances x 80 KiB
  maxLayers: 128,
  processors: 64,
  quadrants: 4,
  processorsPerQuadrant: 16,
  processorsPerInstance: 4,
  dataInstances: 16,
  maxStartLayer: 127,
  maxChannels: 1024,
  maxPasses: 16,
  maxRowCol: 2048,
  kernelWords: 4096,
  kernelWordsLarge: 5120,
  kernelWordBytes: 9,
  kernelStartAlign: 4,
  biasPerQuadrant: 2048,
  instanceBytes: 81_920,
  hwcPixels: 20_480,
  chwPixels: 81_920,
  pingpongOffset: 0xa000,
  outOffsetLimit: 0x50000,
  frameLimit: 2 ** 21,
  maxStreamingLayers: 8,
  maxPoolPasses: 65_536,
  maxDilation1d: 2047,
  flattenMaxPixels: 256,
  depthwise: true,
  flattenBiasFirst: false,
  kernelInstanceWords: 1024,
  kernelInstanceWordsLarge: 256,
  depthwiseKernelInOneInstance: true,
  eltwiseMultipassLimit: false,
  paddedConv1dMultipass: false,
  avgPoolResetLayer: true,
  eltwiseConvBias: false,
  // Analog Devices publishes the estimator for MAX78000 only: same formula at this chip's
  // clock, an assumption until calibrated on a board.
  cyclesCalibrated: false,
  cyclesPrereadTerm: false,
  cyclesPassthroughPoolExtraPasses: false,
  cpuClockHz: 120_000_000,
  cpuLoadNsPerByte: 33,
  cpuUnloadNsPerByte: 29,
  cpuSenseNsPerByte: 17,
};

export const CHIPS: Readonly<Record<ChipName, ChipSpec>> = { max78000: MAX78000, max78002: MAX78002 };

export function isChipName(name: string): name is ChipName {
  return (CHIP_NAMES as readonly string[]).includes(name);
}

/** The spec of a chip by name; an unknown name is refused with the known ones. */
export function chipSpec(name: string): ChipSpec {
  const key = name.toLowerCase();
  if (!isChipName(key)) throw new Error(`unknown chip "${name}" (known: ${CHIP_NAMES.join(', ')})`);
  return CHIPS[key];
}

/** Kernel words of processor p (0..63). */
export function kernelWordsOf(chip: ChipSpec, processor: number): number {
  return processor % chip.processorsPerQuadrant === 0 ? chip.kernelWordsLarge : chip.kernelWords;
}

/** The spec with snake_case keys, as the C table prints it (accel tool `chips`). */
export function chipSpecJson(chip: ChipSpec): Record<string, string | number | boolean> {
  return Object.fromEntries(
    Object.entries(chip).map(([k, v]) => [k.replace(/[A-Z]|[0-9]+/g, (c) => '_' + c.toLowerCase()), v as string | number | boolean]),
  );
}
