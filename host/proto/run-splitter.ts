// Splits a byte stream at 0x00 into COBS runs, with a cap. serialport's DelimiterParser keeps
// everything until a delimiter comes, without limit; this subclass stores at most `maxRun`
// bytes of a run. A longer run is thrown away as it arrives (keeping its first bytes, which
// name the request) and reported as oversize when its 0x00 finally comes (PROTOCOL.md 2.2,
// check 2). Empty runs are dropped (check 1).

import { DelimiterParser } from '@serialport/parser-delimiter';
import type { TransformCallback } from 'node:stream';
import { MAX_FRAME } from './constants.js';
import { maxRunLength } from './frame.js';

export type SplitRun =
  | { oversize: false; run: Uint8Array }
  /** a run longer than the cap; `prefix` holds its first bytes (for id and type) */
  | { oversize: true; length: number; prefix: Uint8Array };

const PREFIX_BYTES = 16;

export class RunSplitter extends DelimiterParser {
  private maxRunBytes: number;
  private parts: Buffer[] = [];
  private stored = 0;
  /** bytes of the current run seen so far while it is over the cap, -1 when under */
  private overLength = -1;
  private overPrefix: Uint8Array = new Uint8Array(0);

  constructor(maxFrame = MAX_FRAME) {
    super({ delimiter: [0], readableObjectMode: true });
    this.maxRunBytes = maxRunLength(maxFrame);
  }

  /** Longest run stored, bytes (the COBS encoding of a `maxFrame` frame). */
  get maxRun(): number {
    return this.maxRunBytes;
  }

  /** Changes the cap, e.g. once a board's hello told its max_frame. */
  setMaxFrame(maxFrame: number): void {
    this.maxRunBytes = maxRunLength(maxFrame);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, cb: TransformCallback): void {
    this.feed(chunk, (item) => this.push(item));
    cb();
  }

  /**
   * Splits `chunk` at once, handing each finished run to `onRun`: the same as writing it to the
   * stream, without the stream's buffering and events (a board session's read path, where they
   * cost more than the splitting).
   */
  feed(chunk: Uint8Array, onRun: (item: SplitRun) => void): void {
    let start = 0;
    while (start < chunk.length) {
      const zero = chunk.indexOf(0, start);
      const end = zero === -1 ? chunk.length : zero;
      this.storePiece(chunk.subarray(start, end));
      if (zero === -1) break;
      const item = this.finishRun();
      if (item) onRun(item);
      start = zero + 1;
    }
  }

  override _flush(cb: TransformCallback): void {
    // A run without its 0x00 at the end of the stream is incomplete: drop it.
    this.parts = [];
    this.stored = 0;
    this.overLength = -1;
    cb();
  }

  private storePiece(piece: Uint8Array): void {
    if (piece.length === 0) return;
    if (this.overLength >= 0) {
      this.overLength += piece.length;
      return;
    }
    if (this.stored + piece.length > this.maxRunBytes) {
      const head = Buffer.concat([...this.parts, Buffer.from(piece.subarray(0, PREFIX_BYTES))]);
      this.overPrefix = new Uint8Array(head.subarray(0, PREFIX_BYTES));
      this.overLength = this.stored + piece.length;
      this.parts = [];
      this.stored = 0;
      return;
    }
    // The chunk may be reused by the link; keep a copy only of what is stored.
    this.parts.push(Buffer.from(piece));
    this.stored += piece.length;
  }

  private finishRun(): SplitRun | null {
    if (this.overLength >= 0) {
      const item: SplitRun = { oversize: true, length: this.overLength, prefix: this.overPrefix };
      this.overLength = -1;
      return item;
    }
    if (this.stored === 0) return null; // empty run: dropped, counted nowhere
    const run = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.stored);
    this.parts = [];
    this.stored = 0;
    return { oversize: false, run: new Uint8Array(run.buffer, run.byteOffset, run.byteLength) };
  }
}
