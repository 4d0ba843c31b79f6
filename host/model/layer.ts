// The layer IR: one hardware layer of a MAX78000/MAX78002 network, as Analog Devices' synthesis
// tool lays it out. Everything else in host/model (fit, cycle model, reference executor,
// segment encoding) reads these types; the C twin is firmware/accel/layer.h.

export type LayerOp = 'conv1d' | 'conv2d' | 'convtranspose2d' | 'linear' | 'passthrough';
export type EltwiseOp = 'add' | 'sub' | 'or' | 'xor';
export type Activation = 'relu' | 'abs';
export type PoolType = 'max' | 'avg';
export type WeightBits = 1 | 2 | 4 | 8;
export type DataFormat = 'HWC' | 'CHW';

/** [channels, height, width]; 1-D data is [C, L, 1]. */
export type Shape3 = readonly [number, number, number];

export interface Pool {
  type: PoolType | null;
  /** [rows, cols]; 1-D layers use [k, 1]. */
  size: readonly [number, number];
  stride: readonly [number, number];
}

/** Where the synthesis tool put the layer: processor masks and data-memory offsets. */
export interface HwLayout {
  /** Input processors, bit p = processor p (p >> 4 is the quadrant). */
  processors: bigint;
  /** Output processors; the fit rules and the cycle model use this mask. */
  outputProcessors: bigint;
  /** Byte offset of the input in each data-memory instance. */
  inOffset: number;
  outOffset: number;
  dataFormat: DataFormat;
  writeGap: number;
}

export interface Layer {
  /** Position in its model (hardware layer number in the unsplit network). */
  index: number;
  name: string;
  op: LayerOp;
  eltwise: EltwiseOp | null;
  /** Element-wise operand count (1 when no element-wise operation). */
  operands: number;
  /** Pool each operand before the element-wise operation (the default), or after. */
  poolFirst: boolean;
  /** [kh, kw]; conv1d is [k, 1]; passthrough and linear are [1, 1]. */
  kernel: readonly [number, number];
  pad: readonly [number, number];
  stride: readonly [number, number];
  dilation: readonly [number, number];
  /** Transposed convolution's output padding (1 on the hardware), else 0. */
  outputPad: number;
  groups: number;
  depthwise: boolean;
  activation: Activation | null;
  pool: Pool;
  flatten: boolean;
  outputWidth: 8 | 32;
  /** Earlier layers whose outputs are concatenated (channels) to form the input; -1 = network input. */
  inputSources: readonly number[];
  /** The concatenated input, before splitting into operands. */
  inputShape: Shape3;
  /** One element-wise operand (equals inputShape when operands is 1). */
  operandShape: Shape3;
  pooledShape: Shape3;
  outputShape: Shape3;
  weightBits: WeightBits | null;
  /** [out, in/groups, kh, kw], [out, in, k] for conv1d, [out, in_features] for linear. */
  weightsShape: readonly number[] | null;
  biasPresent: boolean;
  /** The checkpoint's output shift; the hardware applies outputShift + 8 - weightBits. */
  outputShift: number;
  streaming: boolean;
  hw: HwLayout;
}

/** A layer's parameters: hardware int8 values (weights within their bit range). */
export interface LayerParams {
  weights: Int8Array | null;
  bias: Int8Array | null;
}

export interface Model {
  /** Zoo name or file stem, e.g. "kws20_v3". */
  name: string;
  /** The paper's name (KWS, ConvNet5, ...), when known. */
  paperName: string | null;
  inputShape: Shape3;
  inputIs1d: boolean;
  layers: readonly Layer[];
  /** One entry per layer when weights are known (imported or generated), else null. */
  params: readonly LayerParams[] | null;
  /** Where the table came from, for error messages. */
  source: string;
}

/** Elements of a shape. */
export function elements(shape: Shape3): number {
  return shape[0] * shape[1] * shape[2];
}

/** Bytes of a layer's output tensor in memory (32-bit outputs take 4 bytes per value). */
export function outputBytes(layer: Layer): number {
  return elements(layer.outputShape) * (layer.outputWidth === 32 ? 4 : 1);
}

/** Weight count of a layer (0 for layers without weights). */
export function weightCount(layer: Layer): number {
  return layer.weightsShape ? layer.weightsShape.reduce((a, b) => a * b, 1) : 0;
}

/** Weight bytes as the synthesis tool counts them: elements x bits / 8, rounded down. */
export function weightBytes(layer: Layer): number {
  return layer.weightBits ? Math.floor((weightCount(layer) * layer.weightBits) / 8) : 0;
}
