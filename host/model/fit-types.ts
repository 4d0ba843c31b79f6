// What fit() answers: the resources a set of segments uses on one chip, or the first limit they
// break (in the synthesis tool's order), named, with the tool-like message and its numbers.
// The C twin is firmware/accel/fit.h; a cross-check test demands identical answers.

import type { Layer } from './layer.js';

/** Stable names of the limits, the same in C (syn_fit_limit_name). */
export const FIT_LIMITS = [
  'layers', 'kernel_size', 'stride', 'dilation', 'pooling', 'padding', 'flatten', 'streaming', 'data_format',
  'dimensions', 'activation', 'output_width', 'output_shift', 'processors', 'frame_size', 'data_memory_input',
  'data_memory_output', 'eltwise', 'depthwise', 'channels', 'quadrant_0', 'kernel_memory', 'bias_memory',
] as const;
export type FitLimit = (typeof FIT_LIMITS)[number];

/** A contiguous range of one model's layers; Layer.index is the position in the unsplit model. */
export interface FitSegment {
  /** Model name, for reports. */
  model: string;
  layers: readonly Layer[];
}

/** Where one layer of the union landed. */
export interface FitLayerPlacement {
  /** Which segment and which layer of its model. */
  segment: number;
  modelLayer: number;
  /** First kernel column (the same on every input processor); 0 for layers without weights. */
  kernelStart: number;
  /** Columns reserved per input processor, as the tool reports "Kernel length"; 0 without weights. */
  kernelLength: number;
  /** Quadrant holding the bias: -1 none, 0..3, or 4 for a depthwise layer's copy in every quadrant. */
  biasQuadrant: number;
  /** Byte offset of the bias in its quadrant (the first used quadrant for a depthwise layer). */
  biasOffset: number;
  /** Input and output passes. */
  inExpand: number;
  outExpand: number;
  /** Data-memory bytes of the input (all operands and passes) and the output, per instance. */
  inputBytes: number;
  outputBytes: number;
}

export interface FitOk {
  ok: true;
  chip: string;
  /** Layers of all segments together, and with the tool's hidden layers (MAX78002 avg-pool resets). */
  layers: number;
  hardwareLayers: number;
  kernel: {
    /** Kernel columns marked per processor (64 entries). */
    columnsPerProcessor: number[];
    /** The fullest processor and its columns. */
    maxColumns: number;
    busiestProcessor: number;
    /** Columns marked on all processors, and those words in bytes (9 per word). */
    words: number;
    bytes: number;
  };
  bias: {
    /** Bytes filled per quadrant, alignment pads included, and their sum (the tool's "Bias memory"). */
    perQuadrant: number[];
    bytes: number;
  };
  dataMemory: {
    /** Bytes of one data-memory instance. */
    instanceBytes: number;
    /** The highest end (offset + size) any layer's input and output reaches in its instances. */
    maxInputEnd: number;
    maxOutputEnd: number;
  };
  /** The tool's "Weight memory" statistic: elements x bits / 8 per layer, summed. */
  weightBytes: number;
  perLayer: FitLayerPlacement[];
}

export interface FitRefusal {
  ok: false;
  chip: string;
  limit: FitLimit;
  /** Index of the layer in the union of the segments (the tool's "Layer N"), null if network-wide. */
  layer: number | null;
  /** The segment and model layer of that layer, null if network-wide. */
  segment: number | null;
  modelLayer: number | null;
  message: string;
  numbers: Record<string, number>;
}

export type FitResult = FitOk | FitRefusal;
