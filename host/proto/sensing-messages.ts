// Sensing and delivery (PROTOCOL.md 10, synergy.cddl): capture a sensor frame into a slot,
// hand a slot to an output, and read what the outputs received.

import { defineRequest, emptyBody } from './messages.js';
import { arrayOf, field, struct, text, uint, type Infer } from './schema.js';
import { slot } from './tensor-messages.js';

export const senseRequest = struct({
  /** position in hello's sensors */
  sensor: field(0, uint),
  slot: field(1, slot),
});
export type SenseRequest = Infer<typeof senseRequest>;
export const senseResponse = struct({
  frame: field(0, uint),
  /** when the frame exists: boot + frame / rate, microseconds */
  tUs: field(1, uint),
  /** [C, H, W] */
  shape: field(2, arrayOf(uint, 3)),
});
export type SensedFrame = Infer<typeof senseResponse>;

export const deliverRequest = struct({
  /** position in hello's outputs */
  output: field(0, uint),
  slot: field(1, slot),
});
export type DeliverRequest = Infer<typeof deliverRequest>;
export const deliverResponse = struct({ count: field(0, uint) });

export const outputRecord = struct({
  kind: field(0, text()),
  count: field(1, uint),
  lastCrc32: field(2, uint),
  lastBytes: field(3, uint),
});
export type OutputRecord = Infer<typeof outputRecord>;
export const outputsResponse = struct({ outputs: field(0, arrayOf(outputRecord)) });

export const SENSE = defineRequest('sense', senseRequest, senseResponse);
export const DELIVER = defineRequest('deliver', deliverRequest, deliverResponse);
export const OUTPUTS = defineRequest('outputs', emptyBody, outputsResponse);
