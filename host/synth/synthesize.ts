// synthesize(): a model, or a segment of it (optionally with segments already resident on the
// chip before it), as a hardware image: the register writes, kernel and bias memory contents
// and data-memory layouts Analog Devices' synthesis tool would generate (docs/registers.md).
//
// Allocation is fit()'s: the segment's layers, after the resident segments, are one network for
// the kernel and bias allocators, so a segment's kernels and biases land where the union puts
// them. Its layers run in hardware slots 0..count-1 with the model's own processors and
// data-memory offsets; its inputs are placed where their producers write them and its outputs
// read where it writes them. For a whole model alone the image is the tool's.

import { segmentTensors } from '../model/boundary.js';
import { chipSpec, type ChipName, type ChipSpec } from '../model/chips.js';
import { fit, type FitOk, type FitRefusal } from '../model/fit.js';
import { kernelNeed } from '../model/fit-kernel.js';
import { ffs, unionOf, type FitLayer } from '../model/fit-layer.js';
import { checkBackend, checkTrace, groupsUsed } from '../model/fit-rules.js';
import type { FitSegment } from '../model/fit-types.js';
import type { Layer, Model } from '../model/layer.js';
import { biasRecords, type BiasBlock } from './bias.js';
import { registerMap, type RegisterMap } from './chip-map.js';
import { initWrites, startWrites } from './control.js';
import { HW_IMAGE_FORMAT, type HwImage, type RegisterWrite, type UnloadRecord, type TensorLayout } from './image.js';
import { kernelRecords, packLayerKernels, type ProcessorKernels } from './kernels.js';
import { layerWrites } from './layer-regs.js';
import { sourceLayout, visitWords } from './layout.js';
import { SynthError } from './synth-error.js';

export interface SynthOptions {
  chip: ChipName;
  /** First and last model layer of the segment (default: the whole model). */
  first?: number;
  last?: number;
  /** Segments already resident on the chip, in load order (build them with residentSegment). */
  resident?: readonly FitSegment[];
}

/**
 * The layers as the hardware sees them: a bias of all zeros is no bias (the tool ignores it and
 * gives it no bias memory). Resident segments passed to synthesize() must be built this way too,
 * or their allocation differs from the one their own images used.
 */
export function hardwareLayers(model: Model): Layer[] {
  return model.layers.map((l, i) => {
    const bias = model.params?.[i]?.bias;
    return l.biasPresent && bias && bias.every((b) => b === 0) ? { ...l, biasPresent: false } : l;
  });
}

/** Model layers first..first+count-1 as fit() and synthesize() see them when resident. */
export function residentSegment(model: Model, first: number, count: number): FitSegment {
  return { model: model.name, layers: hardwareLayers(model).slice(first, first + count) };
}

function coveredMap(chip: ChipName): RegisterMap {
  const map = registerMap(chip);
  if (!map) {
    throw new SynthError('chip_not_covered', null, `the register generator covers max78000 only; ${chip}'s register and memory map `
      + '(per-layer register layout, kernel and data memory instances) is not covered');
  }
  return map;
}

function layerRange(model: Model, opts: SynthOptions): { first: number; last: number } {
  const n = model.layers.length;
  const first = opts.first ?? 0;
  const last = opts.last ?? n - 1;
  if (!Number.isInteger(first) || !Number.isInteger(last) || first < 0 || last < first || last >= n) {
    throw new SynthError('layer_range', null, `${model.name}: layers ${first}..${last} are not a range of its layers 0..${n - 1}`);
  }
  return { first, last };
}

/** Records of consecutive 32-bit reads, in the order the words are read. */
function unloadRecords(layouts: readonly TensorLayout[], chip: ChipName): UnloadRecord[] {
  const records: UnloadRecord[] = [];
  for (const layout of layouts) {
    visitWords(layout, chip, (addr) => {
      const last = records[records.length - 1];
      if (last && last.addr + 4 * last.words === addr) last.words++;
      else records.push({ addr, words: 1 });
    });
  }
  return records;
}

/** The tool's kernel count (kc plus the columns skipped before the first output processor). */
function kernelCount(f: FitLayer, kc: number, s: number, flattenBytes: number): number {
  return kc + s * f.outExpand * (f.layer.flatten ? flattenBytes : f.inExpand);
}

/** One segment of a union: layers first..last of a model. */
export interface UnionPart {
  model: Model;
  first: number;
  last: number;
}

/** Checks a part and gives its hardware segment. */
function partSegment(part: UnionPart): FitSegment {
  const { model, first, last } = part;
  if (!model.params) throw new SynthError('no_weights', null, `${model.name}: no weights or biases to program (a layer table without parameters)`);
  const layers = hardwareLayers(model);
  for (let j = first; j <= last; j++) {
    const l = layers[j]!;
    const p = model.params[j];
    const need = l.weightsShape ? l.weightsShape.reduce((a, b) => a * b, 1) : 0;
    if (l.op !== 'passthrough' && (!p?.weights || p.weights.length !== need)) {
      throw new SynthError('no_weights', j, `layer ${j} (${l.name}): ${p?.weights ? `${p.weights.length} weights, ${need} expected` : 'no weights'}`);
    }
    if (l.biasPresent && (!p?.bias || p.bias.length !== l.outputShape[0])) {
      throw new SynthError('no_weights', j, `layer ${j} (${l.name}): ${p?.bias ? `${p.bias.length} biases, ${l.outputShape[0]} expected` : 'no biases'}`);
    }
    if (l.operands > 1 && l.inputSources.includes(-1)) {
      throw new SynthError('network_input_operands', j, `layer ${j} (${l.name}): an element-wise operand is the network input, which the input loader does not interleave`);
    }
  }
  return { model: model.name, layers: layers.slice(first, last + 1) };
}

function refusal(verdict: FitRefusal, segments: readonly FitSegment[], position: number, what: string): SynthError {
  const ours = verdict.segment === position;
  const at = ours && verdict.modelLayer !== null ? verdict.modelLayer : null;
  const whose = verdict.segment === null || ours ? '' : ` (segment ${verdict.segment}, ${segments[verdict.segment]!.model})`;
  return new SynthError(verdict.limit, at, `${what} do not fit ${verdict.chip}: ${verdict.limit}: ${verdict.message}${whose}`);
}

/** The image of part `position` of a union that fits, with the union's allocation. */
function partImage(map: RegisterMap, chip: ChipSpec, part: UnionPart, segments: readonly FitSegment[], position: number, verdict: FitOk): HwImage {
  const { model, first, last } = part;
  const union = unionOf(chip, segments);
  const hwKernels = checkBackend(union, chip, checkTrace(union, chip));
  const own = union.filter((f) => f.segment === position);
  const groupBits = groupsUsed(chip, union, own[0]!.u);
  const groups = [0, 1, 2, 3].filter((q) => groupBits & (1 << q));

  const configure: RegisterWrite[] = [];
  const placedKernels: { start: number; kernels: Map<number, ProcessorKernels> }[] = [];
  const biasBlocks: BiasBlock[] = [];
  own.forEach((f, slot) => {
    const place = verdict.perLayer[f.u]!;
    const j = f.layer.index;
    let count = 0;
    if (f.weighted) {
      const need = kernelNeed(chip, f, hwKernels[f.u]!);
      count = kernelCount(f, need.kc, need.s, need.flattenBytes);
      placedKernels.push({ start: place.kernelStart, kernels: packLayerKernels(chip, f, need, hwKernels[f.u]!, model.params![j]!.weights!) });
    }
    if (place.biasQuadrant >= 0) {
      biasBlocks.push({
        quadrant: place.biasQuadrant, offset: place.biasOffset,
        lead: (ffs(f.layer.hw.outputProcessors) % chip.processorsPerInstance) * f.outExpand,
        values: model.params![j]!.bias!,
      });
    }
    configure.push(...layerWrites(chip, map, {
      f, slot, kernelStart: place.kernelStart, kernelCount: count,
      biasQuadrant: place.biasQuadrant, biasOffset: place.biasOffset, hw: hwKernels[f.u]!,
    }, groups));
  });

  const crossing = segmentTensors(model, first, last - first + 1);
  const read = new Set(model.layers.slice(first, last + 1).flatMap((l) => l.inputSources.filter((src) => src < first)));
  const inputs = crossing.inputs.filter((t) => read.has(t.source)).map((t) => sourceLayout(model, t.source));
  const outputs = crossing.outputs.filter((t) => t.source >= first).map((t) => sourceLayout(model, t.source));
  return {
    format: HW_IMAGE_FORMAT,
    init: initWrites(map, groups, own.length - 1),
    configure,
    start: startWrites(map, groups),
    kernels: kernelRecords(map, placedKernels),
    bias: biasRecords(map, biasBlocks),
    unload: unloadRecords(outputs, chip.name),
    chip: chip.name,
    model: model.name,
    first,
    count: last - first + 1,
    inputs,
    outputs,
  };
}

/**
 * Resident segments keep the kernel columns and bias offsets their own images used (the union of
 * the segments up to them). fit()'s union is not prefix-stable (layers on all 64 processors are
 * placed first, biases largest first), so a new segment can move them: then it cannot join
 * without reloading them (synthesizeUnion).
 */
function checkResidentKept(chip: ChipSpec, resident: readonly FitSegment[], verdict: FitOk): void {
  for (let i = 0; i < resident.length; i++) {
    const before = fit(chip, resident.slice(0, i + 1));
    if (!before.ok) throw refusal(before, resident, -1, `resident segments 0..${i}`);
    const then = before.perLayer.filter((p) => p.segment === i);
    const now = verdict.perLayer.filter((p) => p.segment === i);
    then.forEach((a, k) => {
      const b = now[k]!;
      if (a.kernelStart !== b.kernelStart || a.biasQuadrant !== b.biasQuadrant || a.biasOffset !== b.biasOffset) {
        throw new SynthError('resident_moved', null, `with this segment, fit() places resident segment ${i} (${resident[i]!.model}) layer ${a.modelLayer} `
          + `at kernel column ${b.kernelStart}, bias ${b.biasQuadrant}:${b.biasOffset} instead of ${a.kernelStart}, ${a.biasQuadrant}:${a.biasOffset} `
          + 'where it was loaded; load the segments together (synthesizeUnion)');
      }
    });
  }
}

/**
 * The image of a model, or of its layers first..last, on a chip. With `resident` segments (in
 * load order, built with residentSegment), the union allocates kernels and biases, and the
 * resident segments must keep the places their images used.
 */
export function synthesize(model: Model, opts: SynthOptions): HwImage {
  const map = coveredMap(opts.chip);
  const chip: ChipSpec = chipSpec(opts.chip);
  const { first, last } = layerRange(model, opts);
  const resident = opts.resident ?? [];
  const segment = partSegment({ model, first, last });
  const segments = [...resident, segment];
  const verdict = fit(chip, segments);
  if (!verdict.ok) throw refusal(verdict, segments, resident.length, `${model.name} layers ${first}..${last}${resident.length ? ' with the resident segments' : ''}`);
  checkResidentKept(chip, resident, verdict);
  return partImage(map, chip, { model, first, last }, segments, resident.length, verdict);
}

/** The images of segments loaded onto one chip together: all from one allocation of their union. */
export function synthesizeUnion(chipName: ChipName, parts: readonly UnionPart[]): HwImage[] {
  const map = coveredMap(chipName);
  const chip = chipSpec(chipName);
  if (parts.length === 0) throw new SynthError('layer_range', null, 'no segments to synthesize');
  for (const p of parts) layerRange(p.model, { chip: chipName, first: p.first, last: p.last });
  const segments = parts.map(partSegment);
  const verdict = fit(chip, segments);
  if (!verdict.ok) throw refusal(verdict, segments, -1, `the ${parts.length} segments`);
  return parts.map((p, i) => partImage(map, chip, p, segments, i, verdict));
}
