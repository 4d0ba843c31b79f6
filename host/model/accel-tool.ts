// Runs the C accelerator tool (firmware/build/host/synergy-accel, built by `make firmware`) on a
// batch of requests, so tests can run the C segment decoder, cycle model, fit rules and
// simulator on the same cases as the TypeScript code in one process. The request and answer
// formats are described in firmware/port/host/accel_tool.h.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { encodeCbor, type CborValue } from '../proto/cbor.js';
import { repoRoot } from '../repo-root.js';

export interface AccelRequest {
  chip: string;
  /** Encoded segment descriptions (segment-codec.ts encodeSegment). */
  segments?: Uint8Array[];
  /** The command's arguments (key 2), any CBOR value of the subset. */
  args?: CborValue;
}

/** One answer per request: the command's JSON, or `{ error }` for a refused request. */
export type AccelAnswer = Record<string, unknown> & { error?: string };

export function accelToolPath(): string {
  return join(repoRoot(), 'firmware', 'build', 'host', 'synergy-accel');
}

export function accelToolBuilt(): boolean {
  return existsSync(accelToolPath());
}

/** One request as a CBOR item. */
export function encodeAccelRequest(r: AccelRequest): Uint8Array {
  const m = new Map<number, CborValue>([[0, r.chip]]);
  if (r.segments) m.set(1, r.segments);
  if (r.args !== undefined) m.set(2, r.args);
  return encodeCbor(m, { maxPayload: Number.MAX_SAFE_INTEGER });
}

/** Encodes requests as one CBOR sequence (the tool's stdin). */
export function encodeAccelRequests(requests: readonly AccelRequest[]): Uint8Array {
  return Buffer.concat(requests.map(encodeAccelRequest));
}

/** stdin bytes per tool process: larger batches are split over several processes, in order. */
export const ACCEL_BATCH_BYTES = 64 * 1024 * 1024;

/** Runs `synergy-accel <command>` on raw stdin bytes; returns the parsed answer lines. */
export function runAccelToolRaw(command: string, stdin: Uint8Array): AccelAnswer[] {
  const path = accelToolPath();
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`make firmware\` first`);
  const res = spawnSync(path, [command], { input: stdin, maxBuffer: 1 << 30, encoding: 'utf8' });
  if (res.error) throw res.error;
  if (res.status !== 0 && res.status !== 1) {
    throw new Error(`synergy-accel ${command} exited with ${res.status ?? res.signal}: ${res.stderr.trim()}`);
  }
  return res.stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as AccelAnswer);
}

/**
 * Runs `synergy-accel <command>` on requests; one answer per request, in order. Requests are
 * encoded one at a time and sent in batches of at most ACCEL_BATCH_BYTES (one process each;
 * a single larger request gets a process of its own), so memory stays bounded however many
 * cases a test runs.
 */
export function runAccelTool(command: string, requests: readonly AccelRequest[]): AccelAnswer[] {
  const answers: AccelAnswer[] = [];
  let batch: Uint8Array[] = [];
  let bytes = 0;
  const flush = (): void => {
    if (batch.length === 0) return;
    const got = runAccelToolRaw(command, Buffer.concat(batch));
    if (got.length !== batch.length) {
      throw new Error(`synergy-accel ${command}: ${got.length} answers for ${batch.length} requests: ${JSON.stringify(got.at(-1))}`);
    }
    answers.push(...got);
    batch = [];
    bytes = 0;
  };
  for (const r of requests) {
    const item = encodeAccelRequest(r);
    if (bytes + item.length > ACCEL_BATCH_BYTES) flush();
    batch.push(item);
    bytes += item.length;
  }
  flush();
  return answers;
}
