// A board's transcript: one line per chunk of link bytes (in = to the board, out = from it) and
// per lease event, each with its time. Bounded: past maxBytes the file moves to NAME.1 (the one
// before is dropped) and a new file starts, so a board that runs for days keeps two files at most.

import { createWriteStream, renameSync, type WriteStream } from 'node:fs';

export const TRANSCRIPT_MAX_BYTES = 4 * 1024 * 1024;
/** Bytes of one chunk written as hex; the rest is counted, not written. */
const CHUNK_HEX_BYTES = 256;

export class Transcript {
  private stream: WriteStream;
  private written = 0;

  constructor(
    readonly file: string,
    private readonly maxBytes = TRANSCRIPT_MAX_BYTES,
  ) {
    this.stream = createWriteStream(file, { flags: 'a' });
  }

  bytes(direction: 'in' | 'out', chunk: Uint8Array): void {
    const shown = Buffer.from(chunk.buffer, chunk.byteOffset, Math.min(chunk.byteLength, CHUNK_HEX_BYTES)).toString('hex');
    const more = chunk.byteLength > CHUNK_HEX_BYTES ? ` (+${chunk.byteLength - CHUNK_HEX_BYTES} bytes)` : '';
    this.line(`${direction} ${chunk.byteLength} ${shown}${more}`);
  }

  note(text: string): void {
    this.line(`note ${text}`);
  }

  private line(text: string): void {
    const line = `${new Date().toISOString()} ${text}\n`;
    if (this.written + line.length > this.maxBytes && this.written > 0) this.rotate();
    this.written += line.length;
    this.stream.write(line);
  }

  private rotate(): void {
    // The old stream's pending writes follow its file descriptor into NAME.1.
    this.stream.end();
    renameSync(this.file, `${this.file}.1`);
    this.stream = createWriteStream(this.file, { flags: 'w' });
    this.written = 0;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(() => resolve()));
  }
}
