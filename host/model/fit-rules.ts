// The synthesis tool's accept/reject rules other than memory allocation, in its order
// (FIT-RULES.md sections 1, 2, 5, 6.2, 7): the YAML parse, the network trace, the back-end checks
// and the register-generation checks. Each phase walks the union of the segments; each segment
// is its own program, so its first layer gets the first-layer rules and its quadrants are its own.

import { FIT, type FitChip } from './fit-chip.js';
import { ffs, fmt, popcount, quadrantBits, type FitLayer } from './fit-layer.js';
import { FitStop, stop } from './fit-stop.js';

const OP_NAME = { conv1d: 'conv1d', conv2d: 'conv2d', convtranspose2d: 'convtranspose2d', linear: 'linear', passthrough: 'passthrough' } as const;
const ACT_NAME = { relu: 'ReLU', abs: 'Abs' } as const;

const yamlAt = (u: number): string => ` (found in layer sequence ${u} in YAML configuration).`;
const pooling = (f: FitLayer): boolean => f.layer.pool.size[0] > 1 || f.layer.pool.size[1] > 1;

/** Kernel bytes at 8 bits per kernel on the hardware (FIT-RULES.md 3.2), and the output pad of dilated Conv1d. */
export interface HwKernel {
  ksize: number;
  outPad: number;
}

/** Phase 1, the YAML parse: layer count, kernel sizes, strides, and the pool_first rule. */
export function checkParse(union: readonly FitLayer[], chip: FitChip): void {
  for (const f of union) {
    const l = f.layer;
    if (f.u >= chip.maxLayers) {
      throw new FitStop('layers', null, `This device supports up to ${chip.maxLayers} layers${yamlAt(f.u)}`,
        { layers: union.length, max: chip.maxLayers });
    }
    const [kh, kw] = l.kernel;
    const ks = { kh, kw };
    if (l.op === 'conv2d' && !((kh === 1 && kw === 1) || (kh === 3 && kw === 3))) {
      throw new FitStop('kernel_size', f, `Unsupported value \`${kh}x${kw}\` for \`kernel_size\`${yamlAt(f.u)}`, ks, null, false);
    }
    if (l.op === 'convtranspose2d' && !(kh === 3 && kw === 3)) {
      throw new FitStop('kernel_size', f, `Unsupported value \`${kh}x${kw}\` for \`kernel_size\`${yamlAt(f.u)}`, ks, null, false);
    }
    if (l.op === 'conv1d' && (kh < 1 || kh > 9)) {
      throw new FitStop('kernel_size', f, `Unsupported value \`${kh}\` for \`kernel_size\`${yamlAt(f.u)}`, ks, null, false);
    }
    if (l.op === 'linear' && (kh !== 1 || kw !== 1)) {
      throw new FitStop('kernel_size', f, `Cannot configure \`kernel_size\` for fully connected layers${yamlAt(f.u)}`, ks, null, false);
    }
    const [sh, sw] = l.stride;
    const st = { stride_h: sh, stride_w: sw };
    if (l.op !== 'conv1d' && sh !== sw) {
      throw new FitStop('stride', f, `\`stride\` values must be equal in both dimensions${yamlAt(f.u)}`, st, null, false);
    }
    if (l.pool.type !== null && sh !== 1 && l.op !== 'convtranspose2d') {
      throw new FitStop('stride', f, `Cannot set \`stride\` to non-default value when pooling${yamlAt(f.u)}`, st, null, false);
    }
    if (l.op === 'convtranspose2d' && sh !== 1 && sh !== 2) {
      throw new FitStop('stride', f, `Cannot set \`stride\` to non-default value for ConvTranspose2D${yamlAt(f.u)}`, st, null, false);
    }
    if (f.passthrough && (l.dilation[0] > 1 || l.dilation[1] > 1)) {
      throw new FitStop('dilation', f, `\`dilation\` requires a convolution operator${yamlAt(f.u)}`,
        { dilation: l.dilation[0] }, null, false);
    }
  }
  for (const f of union) {
    const l = f.layer;
    if (!l.poolFirst && (l.operands === 1 || (l.pool.size[0] === 1 && l.pool.size[1] === 1))) {
      throw new FitStop('pooling', f, `\`pool_first: False\` requires both pooling and element-wise operations${yamlAt(f.u)}`,
        { operands: l.operands, pool_h: l.pool.size[0], pool_w: l.pool.size[1] }, null, false);
    }
  }
}

/** Phase 3, the network trace: per segment, its final layer's output width, then each layer's dims and padding. Returns the hidden layers. */
export function checkTrace(union: readonly FitLayer[], chip: FitChip): number {
  let hidden = 0;
  for (let i = 0; i < union.length; i++) {
    const f = union[i]!;
    const l = f.layer;
    const op = OP_NAME[l.op];
    if (f.r === 0) {
      let last = i;
      while (last + 1 < union.length && union[last + 1]!.segment === f.segment) last++;
      const fin = union[last]!.layer;
      // The tool names the start layer here, not the final one.
      if (fin.outputWidth !== 8 && fin.activation !== null) {
        stop('output_width', f, '`output_width` must be 8 when activation is used.', { output_width: fin.outputWidth, layer: last });
      }
    }
    const prev = f.r > 0 ? union[i - 1]! : null;
    if (prev && l.streaming && !prev.layer.streaming) {
      throw new FitStop('streaming', f, `Layer ${f.u} is a streaming layer, but the previous layer ${prev.u} is non-streaming. This is not supported.`,
        { layer: f.u }, null, false);
    }
    if (f.r > 0 && l.hw.dataFormat === 'CHW') {
      stop('data_format', f, '`data_format` CHW can only be configured for the first layer.', { layer: f.u });
    }
    const [ph, pw] = f.pooledDim;
    if (l.op !== 'conv1d') {
      if (l.pool.stride[0] !== l.pool.stride[1]) {
        stop('pooling', f, `${op} does not support non-square pooling stride (currently set to ${l.pool.stride[0]}x${l.pool.stride[1]}).`,
          { pool_stride_h: l.pool.stride[0], pool_stride_w: l.pool.stride[1] });
      }
      // The tool forces stride 2 on a transposed convolution; the IR may say 1 (its default).
      const [sh, sw] = l.op === 'convtranspose2d' ? [2, 2] : l.stride;
      if (sh !== sw) {
        stop('stride', f, `${op} does not support non-square stride (currently set to ${sh}x${sw}).`, { stride_h: sh, stride_w: sw });
      }
      if (l.op !== 'convtranspose2d' && sh !== 1) {
        stop('stride', f, `${op} does not support stride other than 1 (currently set to ${sh}x${sw}).`, { stride_h: sh, stride_w: sw });
      }
      if (l.flatten && ph * pw > chip.flattenMaxPixels) {
        stop('flatten', f, `\`flatten\` exceeds supported input dimensions (${ph} * ${pw} > ${chip.flattenMaxPixels})).`,
          { pixels: ph * pw, max: chip.flattenMaxPixels });
      }
      if (l.pad[0] >= FIT.maxPadExclusive) {
        stop('padding', f, `${op} does not support \`pad\` >= 3 (currently set to ${l.pad[0]}).`, { pad: l.pad[0], max: FIT.maxPadExclusive - 1 });
      }
    } else {
      if (l.pad[0] >= FIT.maxPadExclusive) {
        stop('padding', f, `${op} does not support \`pad\` >= 3 (currently set to ${l.pad[0]}).`, { pad: l.pad[0], max: FIT.maxPadExclusive - 1 });
      }
      if (l.stride[0] !== 1) {
        stop('stride', f, `${op} does not support stride other than 1 (currently set to ${l.stride[0]}).`, { stride_h: l.stride[0], stride_w: 1 });
      }
    }
    if (f.passthrough && (l.pad[0] > 0 || l.pad[1] > 0)) {
      stop('padding', f, `Padding (${fmt.list(l.pad)}) can only be used with a convolution operation.`, { pad_h: l.pad[0], pad_w: l.pad[1] });
    }
    if (l.pad[0] >= l.kernel[0] || l.pad[1] >= l.kernel[1]) {
      stop('padding', f, `Pad size (${fmt.list(l.pad)}) is greater than or equal to kernel size (${fmt.list(l.kernel)}).`,
        { pad_h: l.pad[0], pad_w: l.pad[1], kernel_h: l.kernel[0], kernel_w: l.kernel[1] });
    }
    if (f.inDim[0] > chip.maxRowCol || f.inDim[1] > chip.maxRowCol) {
      stop('dimensions', f, `Input dimension ${fmt.list(f.inDim)} exceeds system maximum of ${chip.maxRowCol}.`,
        { rows: f.inDim[0], cols: f.inDim[1], max: chip.maxRowCol });
    }
    if (f.outDim[0] > chip.maxRowCol || f.outDim[1] > chip.maxRowCol) {
      stop('dimensions', f, `Output dimension ${fmt.list(f.outDim)} exceeds system maximum of ${chip.maxRowCol}.`,
        { rows: f.outDim[0], cols: f.outDim[1], max: chip.maxRowCol });
    }
    if (l.activation !== null && f.passthrough) {
      stop('activation', f, `Activation ${ACT_NAME[l.activation]} cannot be used in a passthrough layer.`, { layer: f.u });
    }
    if (chip.avgPoolResetLayer && prev && prev.layer.operands > 1 && l.pool.type === 'avg') hidden++;
  }
  return hidden;
}

/** The hardware kernel size and output pad (dilated Conv1d changes both); checks the dilation rules. */
function dilationRules(f: FitLayer, chip: FitChip): HwKernel {
  const l = f.layer;
  const ksize = l.kernel[0] * l.kernel[1];
  const d = l.dilation[0];
  if (d <= 1) return { ksize, outPad: 0 };
  const k = l.kernel[0];
  const nums = { dilation: d, kernel: k };
  if (l.op !== 'conv1d') stop('dilation', f, '`dilation` > 1 is supported for Conv1d only.', nums);
  if (k === 1) stop('dilation', f, 'Kernel length must be greater than 1 to use `dilation` > 1.', nums);
  if ((k - 1) * d < 9) return { ksize: (k - 1) * d + 1, outPad: 0 };
  if (k > FIT.maxDilation1dKernel) {
    stop('dilation', f, `Kernel length must be ${FIT.maxDilation1dKernel} or smaller to use \`dilation\` of ${d}.`, nums);
  }
  if (l.pool.size[0] !== 1) stop('dilation', f, 'Pooling must be 1 to use `dilation` > 4.', nums);
  if (l.pad[0] > 0) stop('dilation', f, 'Padding must be 0 or smaller to use `dilation` > 4.', nums);
  if (l.operands !== 1) stop('dilation', f, 'Operands must be 1 to use `dilation` > 4.', nums);
  if (l.flatten || l.streaming) stop('dilation', f, '`bypass`, `flatten`, `rd_ahead`, `streaming` must be False to use `dilation` > 4.', nums);
  if (d > chip.maxDilation1d) {
    stop('dilation', f, `\`dilation\` must be ${chip.maxDilation1d} or smaller for Conv1d operations.`, { ...nums, max: chip.maxDilation1d });
  }
  // Runs on 3x3 hardware over the input folded into ceil(L / d) rows of d columns.
  const rows = Math.ceil(f.inDim[0] / d);
  const outPad = rows * d - f.outDim[0];
  if (k === 3) {
    const ignore = 4 * d * f.outExpand;
    if (l.hw.outOffset < ignore) {
      stop('dilation', f, `\`out_offset\` used with dilation of ${d} must be at least ${fmt.hex4(ignore)}.`, { ...nums, out_offset: l.hw.outOffset, min: ignore });
    }
  }
  return { ksize: 9, outPad };
}

/** Where an element-wise operand comes from: an earlier layer of the segment, or the CPU (loaded where the layer reads it). */
function operandMap(union: readonly FitLayer[], f: FitLayer, source: number): bigint {
  const first = union[f.segmentStart]!.layer;
  const producer = source >= first.index && source < f.layer.index ? union[f.segmentStart + (source - first.index)]! : null;
  if (producer) return producer.layer.hw.outputProcessors;
  // The tool loads the network input for the first layer's processors; other tensors from outside
  // the segment are loaded by the CPU where this layer reads them.
  return source === -1 && first.index === 0 ? first.hw.processors : f.layer.hw.processors;
}

/** Union index of a source as the tool would print it in `in_sequences` (-1 for anything loaded by the CPU). */
function sourceLabel(union: readonly FitLayer[], f: FitLayer, source: number): number {
  const first = union[f.segmentStart]!.layer;
  return source >= first.index && source < f.layer.index ? f.segmentStart + (source - first.index) : -1;
}

/** Phase 4, the back-end checks. Returns each layer's hardware kernel size and output pad. */
export function checkBackend(union: readonly FitLayer[], chip: FitChip, hidden: number): HwKernel[] {
  for (const f of union) {
    if (f.r === 0 && f.layer.streaming) {
      throw new FitStop('streaming', null, 'Streaming in the first layer requires use of a FIFO.', { layer: f.u }, f.segment);
    }
  }
  const finalIndex = union.length - 1;
  if (finalIndex + hidden > chip.maxLayers) {
    throw new FitStop('layers', null, `The adjusted layer count (${finalIndex + hidden}) exceeds the device maximum (${chip.maxLayers}).`,
      { adjusted: finalIndex + hidden, max: chip.maxLayers });
  }
  const hw: HwKernel[] = [];
  for (const f of union) hw.push(backendLayer(union, f, chip));
  for (const f of union) processorRules(f, chip);
  for (let i = 0; i < union.length; i++) {
    if (union[i]!.r !== 0) continue;
    if (!(groupsUsed(chip, union, i) & 1)) {
      throw new FitStop('quadrant_0', null, 'Quadrant 0 is not used, this is currently unsupported.', { quadrants: groupsUsed(chip, union, i) }, union[i]!.segment);
    }
  }
  return hw;
}

/** Quadrants used by the segment starting at union index `start`: its layers' input processors and its final output map (bit g = quadrant g). */
export function groupsUsed(chip: FitChip, union: readonly FitLayer[], start: number): number {
  let mask = 0n;
  let i = start;
  for (; i < union.length && union[i]!.segment === union[start]!.segment; i++) mask |= union[i]!.layer.hw.processors;
  mask |= union[i - 1]!.layer.hw.outputProcessors;
  let groups = 0;
  for (let g = 0; g < chip.quadrants; g++) if (quadrantBits(mask, g)) groups |= 1 << g;
  return groups;
}

function backendLayer(union: readonly FitLayer[], f: FitLayer, chip: FitChip): HwKernel {
  const l = f.layer;
  const total = l.outputShift + (f.weighted ? 8 - f.bits : 0);
  if (total < -15 || total > 15) {
    const implicit = 8 - f.bits;
    stop('output_shift', f, `${f.bits}-bit weight quantization supports an output_shift range of [${-15 - implicit}, +${15 - implicit}]. `
      + `The specified value of output_shift is ${total - implicit} which exceeds the system limits.`, { output_shift: total - implicit, min: -15 - implicit, max: 15 - implicit });
  }
  const chw = l.hw.dataFormat === 'CHW';
  if (chw) {
    const procs = l.hw.processors;
    let p = procs >> BigInt(ffs(procs) & ~(chip.processorsPerInstance - 1));
    for (; p !== 0n; p >>= 4n) {
      if (popcount(p & 0xfn) > 1) {
        stop('processors', f, 'CHW input format, but multiple channels share the same memory instance. Modify the processor map.', { layer: f.u });
      }
    }
  }
  const [h, w] = f.inDim;
  if (h * w * f.inExpand >= chip.frameLimit) {
    stop('frame_size', f, `Input frame ${h}x${w} with ${f.inExpand} ${fmt.plural(f.inExpand, 'pass', 'es')} exceeds the frame limit of ${chip.frameLimit} pixels.`,
      { pixels: h * w * f.inExpand, max: chip.frameLimit });
  }
  const inSize = h * w * f.inExpand * l.operands * (chw ? 1 : 4);
  if (!l.streaming && inSize + l.hw.inOffset > chip.instanceBytes) {
    stop('data_memory_input', f, `${chw ? 1 : 4} channel${chw ? '' : 's'}/word ${h}x${w} input (size ${inSize}) with input offset 0x${fmt.hex4(l.hw.inOffset)} `
      + `and expansion ${f.inExpand}x exceeds data memory instance size of ${chip.instanceBytes}.`,
    { size: inSize, offset: l.hw.inOffset, expansion: f.inExpand, instance: chip.instanceBytes });
  }
  if (l.op === 'conv1d') {
    if (l.operands > 1) stop('eltwise', f, 'Element-wise operations cannot be combined with Conv1d.', { operands: l.operands });
    if (!chip.paddedConv1dMultipass && l.pad[0] > 0 && f.inExpand > 1) {
      stop('padding', f, 'This device does not support padded Conv1d with input expansion > 1.', { pad: l.pad[0], expansion: f.inExpand });
    }
  }
  if (!l.poolFirst && l.operands > FIT.poolLastOperands && pooling(f)) {
    throw new FitStop('eltwise', f, `"pool last" supports a maximum of ${FIT.poolLastOperands} element-wise operands on this device.`,
      { operands: l.operands, max: FIT.poolLastOperands }, null, false);
  }
  const hwk = dilationRules(f, chip);
  const [oh, ow] = f.outDim;
  const outSize = (oh * ow + hwk.outPad) * f.outExpand * 4 * (l.outputWidth / 8);
  if (!l.streaming && outSize + l.hw.outOffset > chip.instanceBytes) {
    stop('data_memory_output', f, `HWC (4 channels/word) ${l.outputWidth}-bit ${oh}x${ow} output (size ${outSize}) with output offset 0x${fmt.hex4(l.hw.outOffset)} `
      + `and expansion ${f.outExpand}x exceeds data memory instance size of ${chip.instanceBytes}.`,
    { size: outSize, offset: l.hw.outOffset, expansion: f.outExpand, instance: chip.instanceBytes });
  }
  if (f.passthrough) {
    if (l.outputShift !== 0) stop('output_shift', f, '`output_shift` must be zero for passthrough layers.', { output_shift: l.outputShift });
    if (pooling(f) && f.inExpand > chip.maxPoolPasses && (f.pooledDim[0] > 1 || f.pooledDim[1] > 1)) {
      stop('pooling', f, `pooling in passthrough layer uses ${f.inExpand} ${fmt.plural(f.inExpand, 'pass', 'es')}, which exceeds the maximum of ${chip.maxPoolPasses} on this device.`,
        { passes: f.inExpand, max: chip.maxPoolPasses });
    }
  } else if (l.op === 'convtranspose2d') {
    const hp = [2 - l.pad[0], 2 - l.pad[1]];
    if (hp.some((x) => x < 0 || x > 2)) {
      stop('padding', f, `The selected padding (${fmt.list(l.pad)}) for ConvTranspose2d is not supported on this device.`, { pad_h: l.pad[0], pad_w: l.pad[1] });
    }
    if (l.outputPad !== 1) {
      stop('padding', f, `The selected output padding (${fmt.list([l.outputPad, l.outputPad])}) for ConvTranspose2d is not supported on this device.`, { output_pad: l.outputPad });
    }
  }
  if (l.op !== 'convtranspose2d' && l.outputPad !== 0) stop('padding', f, 'Output padding must be 0 for this operator.', { output_pad: l.outputPad });
  const g = f.groups;
  if (f.cin % g !== 0 || f.cout % g !== 0) {
    stop('depthwise', f, `convolution groups (${g}) does not divide the input channels (${f.cin}) or output channels (${f.cout}).`, { groups: g, cin: f.cin, cout: f.cout });
  }
  if (l.flatten && f.passthrough) stop('flatten', f, '`flatten` is not compatible with passthrough layers.', { layer: f.u });
  if (l.flatten && pooling(f)) stop('flatten', f, '`flatten` is not compatible with pooling.', { pool_h: l.pool.size[0], pool_w: l.pool.size[1] });
  if (l.flatten && l.streaming) stop('flatten', f, '`flatten` is not compatible with streaming.', { layer: f.u });
  if (g > 1) {
    if (!chip.depthwise) stop('depthwise', f, `Convolution groups (${g}) > 1 are not  supported on this device.`, { groups: g });
    if (g !== f.cin || g !== f.cout) {
      stop('depthwise', f, `Convolution groups (${g}) must be equal to the number of input channels (${f.cin}), and output channels (${f.cout}) must be equal to input channels.`,
        { groups: g, cin: f.cin, cout: f.cout });
    }
    if (l.flatten) stop('depthwise', f, `Convolution groups (${g}) > 1 are not supported when flattening.`, { groups: g });
  }
  if (l.operands > 1) {
    let seen = 0n;
    for (const s of l.inputSources) {
      const emap = operandMap(union, f, s);
      if (seen !== 0n && seen !== emap) {
        const labels = l.inputSources.map((x) => sourceLabel(union, f, x));
        stop('processors', f, `In \`in_sequences\` ${fmt.list(labels)}, an earlier layer in the sequence uses a different output processor map (0x${fmt.hex16(seen)}) `
          + `than layer ${sourceLabel(union, f, s)} which uses 0x${fmt.hex16(emap)}.`, { source: sourceLabel(union, f, s) });
      }
      seen = emap;
    }
  }
  if (l.outputWidth !== 8 && f.passthrough) stop('output_width', f, 'The passthrough operator requires an output width of 8.', { output_width: l.outputWidth });
  return hwk;
}

/** Channel counts and processor maps (FIT-RULES.md section 2), the tool's second per-layer loop. */
function processorRules(f: FitLayer, chip: FitChip): void {
  const l = f.layer;
  const fl = l.flatten ? ' (before flattening)' : '';
  if (f.cin > chip.maxChannels) {
    stop('channels', f, `Configured for ${f.cin} input channels${fl}, which exceeds the system maximum of ${chip.maxChannels}.`, { channels: f.cin, max: chip.maxChannels });
  }
  if (f.cout > chip.maxChannels) {
    stop('channels', f, `Configured for ${f.cout} output channels, which exceeds the system maximum of ${chip.maxChannels}.`, { channels: f.cout, max: chip.maxChannels });
  }
  const procs = l.hw.processors;
  const om = l.hw.outputProcessors;
  if (popcount(procs) !== f.inThresh) {
    stop('processors', f, `${f.cin} input ${fmt.plural(f.cin, 'channel')}${fl} using ${f.inExpand} ${fmt.plural(f.inExpand, 'pass', 'es')}, `
      + `and ${l.operands} ${fmt.plural(l.operands, 'operand')} (${f.inThresh} processors per pass), but the enabled processor map 0x${fmt.hex16(procs)} `
      + `has ${popcount(procs)} bits instead of the expected number of ${f.inThresh}.`, { bits: popcount(procs), expected: f.inThresh });
  }
  if (popcount(om) !== f.outThresh) {
    stop('processors', f, `${f.cout} output ${fmt.plural(f.cout, 'channel')} using ${f.outExpand} ${fmt.plural(f.outExpand, 'pass', 'es')} `
      + `(${f.outThresh} processors per pass), but the processor output map 0x${fmt.hex16(om)} has ${popcount(om)} bits instead of the expected number of ${f.outThresh}.`,
    { bits: popcount(om), expected: f.outThresh });
  }
  if (f.passthrough) {
    for (let g = 0; g < chip.quadrants; g++) {
      const inPro = 2 ** popcount(BigInt(quadrantBits(procs, g))) - 1;
      let outPro = quadrantBits(om, g);
      if (outPro !== 0) outPro >>>= ffs(BigInt(outPro));
      if (outPro !== inPro) {
        stop('processors', f, 'The output processors for a pass-through layer must be a packed version of the input processors for each x16. '
          + `Configured are: input ${fmt.hex16(procs)}, output ${fmt.hex16(om)}.`, { quadrant: g });
      }
    }
  }
  if (f.groups > 1) {
    if (ffs(om) % chip.processorsPerInstance !== 0) {
      stop('depthwise', f, `Output processors for depth-wise convolutions must be aligned to a multiple of 4. Configured for this layer: ${fmt.hex16(om)}.`, { first_output: ffs(om) });
    }
    if (ffs(procs) % chip.processorsPerInstance !== 0 && (procs >> BigInt(ffs(procs))) >> 16n > 0n) {
      stop('depthwise', f, `When spanning groups for depth-wise convolutions, processors must be aligned to a multiple of 4. Configured for this layer: ${fmt.hex16(procs)}.`,
        { first_input: ffs(procs) });
    }
  }
  const P = f.inExpand;
  if (chip.eltwiseMultipassLimit && l.operands > 1 && P > 1 && l.operands * P !== l.operands + P) {
    if (!f.passthrough || pooling(f) || l.pool.stride[0] > 1 || l.pool.stride[1] > 1) {
      stop('eltwise', f, 'The element-wise operation exceeds a multi-pass of 2 and therefore does not support pooling or convolution.', { operands: l.operands, passes: P });
    }
  }
}

/** Phase 6, register generation: the MAX78002 element-wise + bias rule and the flatten counter the tool forgets to check. */
export function checkRegisters(union: readonly FitLayer[], chip: FitChip, biasQuadrant: readonly number[]): void {
  for (const f of union) {
    const l = f.layer;
    if (!chip.eltwiseConvBias && biasQuadrant[f.u]! >= 0 && biasQuadrant[f.u]! < chip.quadrants && !f.passthrough && l.operands > 1) {
      stop('eltwise', f, 'On this device, multi-pass element-wise operations must be in a separate layer from convolutions with bias.', { operands: l.operands });
    }
    if (l.flatten) {
      const count = f.inExpand * f.pooledDim[0] * f.pooledDim[1];
      if (count > chip.flattenMaxPixels) {
        stop('flatten', f, `\`flatten\` of ${f.cin}x${f.pooledDim[0]}x${f.pooledDim[1]} needs ${f.inExpand} ${fmt.plural(f.inExpand, 'pass', 'es')} x ${f.pooledDim[0] * f.pooledDim[1]} pixels = ${count} `
          + `flatten steps, more than the ${chip.flattenMaxPixels} the hardware counter holds (C x H x W <= 16384; the synthesis tool does not check this).`,
        { steps: count, max: chip.flattenMaxPixels });
      }
    }
  }
}
