// The cost model: what one frame of a pipeline costs each resource (busy seconds) and how long
// it takes end to end, built from four kinds of step: sensing on the source, a segment run on
// an accelerator, a host-relayed transfer between two devices, and delivery to the target.
// Every policy and the exact optimum use these same functions (the MILP per edge, the search
// per route), so they agree on every number. The host's own CPU (host.cpu) is charged per
// message it relays and per frame (docs/host-cost.md).

import { HOST_LOOP_USABLE, messageCount, wireBytes } from './calibration.js';
import { HOST_TARGET, type PlanDevice, type PlanPipeline, type PlanProblem } from './problem.js';

/** Receives (resource index, busy seconds) pairs. */
export type Charge = (resource: number, seconds: number) => void;

const US = 1e-6;

/**
 * The host's CPU for `messages` protocol messages with device `dev` (each request and each answer
 * is one), plus a frame's own when `frame`: busy time of its event loop, of which a share
 * HOST_LOOP_USABLE is what a second gives.
 */
function chargeHost(pr: PlanProblem, dev: PlanDevice, messages: number, frame: boolean, charge: Charge): void {
  charge(pr.hostResource, ((messages * dev.hostMessageUs + (frame ? pr.calib.hostFrameUs : 0)) * US) / HOST_LOOP_USABLE);
}

/** Sensing one frame on the source device. Returns its latency. */
export function chargeSense(pr: PlanProblem, p: PlanPipeline, sourceDevice: number, charge: Charge): number {
  const src = p.sources.find((s) => s.device === sourceDevice);
  if (!src) throw new Error(`pipeline ${p.spec.name}: device ${sourceDevice} is not one of its sources`);
  const bytes = src.sensor.shape.reduce((a, b) => a * b, 1);
  const dev = pr.devices[sourceDevice]!;
  const cpu = pr.calib.senseFixedUs * US + bytes * dev.cpuSenseNsPerByte * 1e-9;
  charge(dev.cpu, cpu);
  if (src.sensor.rateHz !== null) charge(p.sensorResource, 1 / src.sensor.rateHz);
  // The sense request and its answer (calibration.ts).
  charge(dev.rx, wireSeconds(dev, pr.calib.senseRequestBytes));
  charge(dev.tx, wireSeconds(dev, pr.calib.senseAnswerBytes));
  chargeHost(pr, dev, 2, true, charge);
  return cpu;
}

/** Running layers [from, to) of variant v on device d: load input, run, unload output. */
export function chargeSegment(pr: PlanProblem, p: PlanPipeline, v: number, from: number, to: number, d: number, charge: Charge): number {
  const dev = pr.devices[d]!;
  const prefix = p.cnnPrefix[v]![d];
  if (!prefix) throw new Error(`pipeline ${p.spec.name}: ${dev.spec.name} cannot run ${p.variants[v]!.key}`);
  const prof = p.variants[v]!;
  const cnn = prefix[to]! - prefix[from]! + 1 / dev.cnnClockHz;
  const cpu = pr.calib.cnnStartUs * US + (prof.crossBytes[from]! * dev.cpuLoadNsPerByte + prof.crossBytes[to]! * dev.cpuUnloadNsPerByte) * 1e-9;
  charge(dev.cnn, cnn);
  charge(dev.cpu, cpu);
  // The infer request and its answer, which lists every layer's cycles (calibration.ts).
  charge(dev.rx, wireSeconds(dev, pr.calib.inferRequestBytes));
  charge(dev.tx, wireSeconds(dev, pr.calib.inferAnswerBytes + (to - from) * pr.calib.inferAnswerBytesPerLayer));
  chargeHost(pr, dev, 2, false, charge);
  return cnn + cpu;
}

function wireSeconds(dev: PlanDevice, wire: number): number {
  return Number.isFinite(dev.wireBytesPerSec) ? wire / dev.wireBytesPerSec : 0;
}

function messageCpu(pr: PlanProblem, bytes: number): number {
  return (messageCount(bytes, pr.calib) * pr.calib.msgCpuUs + wireBytes(bytes, pr.calib) * pr.calib.msgCpuUsPerByte) * US;
}

/**
 * One hop of a payload between a device and the host: the device's CPU handles its messages, the
 * payload takes `data` (its tx going up, its rx coming down) and the replies take the other
 * direction `ack`. Returns the hop's latency (CPU and wire).
 */
function chargeHop(pr: PlanProblem, bytes: number, dev: PlanDevice, data: number, ack: number, charge: Charge): number {
  const cpu = messageCpu(pr, bytes);
  const link = wireSeconds(dev, wireBytes(bytes, pr.calib));
  charge(dev.cpu, cpu);
  charge(data, link);
  charge(ack, wireSeconds(dev, messageCount(bytes, pr.calib) * pr.calib.ackBytes));
  // The host sends or receives each message and its acknowledgement.
  chargeHost(pr, dev, 2 * messageCount(bytes, pr.calib), false, charge);
  return cpu + link;
}

/** A payload sent from device a up to the host (no second hop); the host's requests come in. */
export function chargeUplink(pr: PlanProblem, bytes: number, a: number, charge: Charge): number {
  const dev = pr.devices[a]!;
  return chargeHop(pr, bytes, dev, dev.tx, dev.rx, charge);
}

/** A payload the host forwards down to device b (the second hop of a relayed transfer). */
export function chargeDownlink(pr: PlanProblem, bytes: number, b: number, charge: Charge): number {
  const dev = pr.devices[b]!;
  return chargeHop(pr, bytes, dev, dev.rx, dev.tx, charge) + messageCount(bytes, pr.calib) * pr.calib.hostRelayUs * US;
}

/**
 * A payload relayed by the host from device a to device b: a's send, then b's receive. The two
 * hops cost different devices' resources independently, which the exact optimum exploits.
 */
export function chargeTransfer(pr: PlanProblem, bytes: number, a: number, b: number, charge: Charge): number {
  return chargeUplink(pr, bytes, a, charge) + chargeDownlink(pr, bytes, b, charge);
}

/** The model output leaving the last segment's device `d` for the target. */
export function chargeDelivery(pr: PlanProblem, bytes: number, d: number, target: number, charge: Charge): number {
  if (target === HOST_TARGET) return chargeUplink(pr, bytes, d, charge);
  let t = 0;
  if (target !== d) t += chargeTransfer(pr, bytes, d, target, charge);
  const deliver = pr.calib.deliverUs * US;
  const dev = pr.devices[target]!;
  charge(dev.cpu, deliver);
  // The deliver request and its answer (calibration.ts).
  charge(dev.rx, wireSeconds(dev, pr.calib.deliverRequestBytes));
  charge(dev.tx, wireSeconds(dev, pr.calib.deliverAnswerBytes));
  chargeHost(pr, dev, 2, false, charge);
  return t + deliver;
}
