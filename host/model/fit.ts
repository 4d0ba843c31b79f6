// fit(chip, segments): does a set of layer ranges fit one MAX78000/MAX78002, and with what
// resources? The verdict is the one Analog Devices' synthesis tool (ai8x-synthesis, "izer")
// gives, as ../shared/docs/FIT-RULES.md restates it; the C twin (firmware/accel/fit.c) gives
// identical answers, checked by test/unit/fit-cross.test.ts.
//
// How several segments on one chip are read: they are one network, their union, in the order
// given. The layer limit counts all their layers; kernel and bias memory are allocated segment
// by segment in load order, each segment by the tool's rule (layers on all 64 processors first)
// in what the earlier ones left, so a later segment never moves an earlier one (a board writes a
// new segment's kernels to their final columns as they arrive); the data-memory size checks are
// per layer. Each segment is still its own program for
// the tool: its first layer gets the first-layer rules (its inputs, and any tensor from outside
// the segment, are loaded by the CPU), it must use quadrant 0, and its layers' biases may go to
// the quadrants it uses only. With one segment every answer is the tool's own.
//
// The tool's order of evaluation (FIT-RULES.md section 1) decides which limit is reported:
// YAML parse, network trace, back-end checks (data memory, operators, processor maps), kernel
// allocation, bias allocation, register generation. Not modelled: weight de-duplication (no two
// layers are assumed to share weights), all-zero bias vectors (a present bias is counted) and the
// word-exact data-overwrite simulation (FIT-RULES.md 6.3) — the size checks of 6.2 are done.

import type { FitChip } from './fit-chip.js';
import { allocateBias } from './fit-bias.js';
import { allocateKernels } from './fit-kernel.js';
import { unionOf, type FitLayer } from './fit-layer.js';
import { checkBackend, checkParse, checkRegisters, checkTrace } from './fit-rules.js';
import { FitStop } from './fit-stop.js';
import type { FitLayerPlacement, FitOk, FitResult, FitSegment } from './fit-types.js';
import { weightBytes } from './layer.js';

export type { FitChip } from './fit-chip.js';
export * from './fit-types.js';

/** Data-memory bytes of a layer's input (all operands and passes) and output, as section 6.2 counts them. */
function dataBytes(f: FitLayer, outPad: number): { input: number; output: number } {
  const l = f.layer;
  return {
    input: f.inDim[0] * f.inDim[1] * f.inExpand * l.operands * (l.hw.dataFormat === 'CHW' ? 1 : 4),
    output: (f.outDim[0] * f.outDim[1] + outPad) * f.outExpand * 4 * (l.outputWidth / 8),
  };
}

export function fit(chip: FitChip, segments: readonly FitSegment[]): FitResult {
  const union = unionOf(chip, segments);
  try {
    if (union.length === 0) throw new FitStop('layers', null, 'No layers to fit.', { layers: 0, max: chip.maxLayers });
    segments.forEach((seg, s) => {
      if (seg.layers.length === 0) throw new FitStop('layers', null, `Segment ${s} has no layers.`, { segment: s }, s);
    });
    checkParse(union, chip);
    const hidden = checkTrace(union, chip);
    const hw = checkBackend(union, chip, hidden);
    const kernels = allocateKernels(union, chip, hw);
    const bias = allocateBias(union, chip);
    checkRegisters(union, chip, bias.quadrant);

    const perLayer: FitLayerPlacement[] = union.map((f) => {
      const data = dataBytes(f, hw[f.u]!.outPad);
      return {
        segment: f.segment,
        modelLayer: f.layer.index,
        kernelStart: kernels.start[f.u]!,
        kernelLength: kernels.length[f.u]!,
        biasQuadrant: bias.quadrant[f.u]!,
        biasOffset: bias.offset[f.u]!,
        inExpand: f.inExpand,
        outExpand: f.outExpand,
        inputBytes: data.input,
        outputBytes: data.output,
      };
    });
    const cols = kernels.columnsPerProcessor;
    let busiest = 0;
    for (let p = 1; p < chip.processors; p++) if (cols[p]! > cols[busiest]!) busiest = p;
    const words = cols.reduce((a, b) => a + b, 0);
    const ok: FitOk = {
      ok: true,
      chip: chip.name,
      layers: union.length,
      hardwareLayers: union.length + hidden,
      kernel: { columnsPerProcessor: cols, maxColumns: cols[busiest]!, busiestProcessor: busiest, words, bytes: words * chip.kernelWordBytes },
      bias: { perQuadrant: bias.perQuadrant, bytes: bias.perQuadrant.reduce((a, b) => a + b, 0) },
      dataMemory: {
        instanceBytes: chip.instanceBytes,
        maxInputEnd: Math.max(...union.map((f, i) => perLayer[i]!.inputBytes + f.layer.hw.inOffset)),
        maxOutputEnd: Math.max(...union.map((f, i) => perLayer[i]!.outputBytes + f.layer.hw.outOffset)),
      },
      weightBytes: union.reduce((a, f) => a + (f.weighted ? weightBytes(f.layer) : 0), 0),
      perLayer,
    };
    return ok;
  } catch (err) {
    if (!(err instanceof FitStop)) throw err;
    return {
      ok: false,
      chip: chip.name,
      limit: err.limit,
      layer: err.at ? err.at.u : null,
      segment: err.at ? err.at.segment : err.segment,
      modelLayer: err.at ? err.at.layer.index : null,
      message: err.fullMessage,
      numbers: err.numbers,
    };
  }
}

/** One line for people: "fits" with the fullest resources, or the refusal. */
export function describeFit(r: FitResult): string {
  if (!r.ok) return `does not fit ${r.chip}: ${r.limit}: ${r.message}`;
  return `fits ${r.chip}: ${r.layers} layers, kernel columns ${r.kernel.maxColumns} on the fullest processor, `
    + `bias ${r.bias.bytes} B, weights ${r.weightBytes} B`;
}
