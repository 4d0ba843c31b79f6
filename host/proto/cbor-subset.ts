// The one reader of the protocol's CBOR subset (PROTOCOL.md 3): it walks the bytes itself and
// refuses anything outside the subset (floats, tags, indefinite lengths, keys out of order), and
// its items feed the body decoder (cbor.ts), the segment decoders and the diagnostic printer.

import { CBOR_MAX_DEPTH, CBOR_MAX_ITEMS, CBOR_MAX_TEXT, MAX_PAYLOAD } from './constants.js';
import { ProtocolError } from './errors.js';

export type CborNode =
  | { kind: 'int'; value: bigint }
  | { kind: 'bytes'; value: Uint8Array }
  | { kind: 'text'; value: string }
  | { kind: 'array'; items: CborNode[] }
  | { kind: 'map'; entries: Array<[CborNode, CborNode]> }
  | { kind: 'simple'; value: boolean | null };

export interface SubsetLimits {
  /** largest byte string, bytes (too_large beyond) */
  maxPayload?: number;
}

const MAJOR_NAMES = ['unsigned integer', 'negative integer', 'byte string', 'text string', 'array', 'map', 'tag', 'simple/float'];
const utf8 = new TextDecoder('utf-8', { fatal: true });

class SubsetReader {
  private pos = 0;
  constructor(
    private readonly buf: Uint8Array,
    private readonly maxPayload: number,
  ) {}

  private fail(at: number, reason: string): never {
    throw new ProtocolError('bad_body', `body byte ${at}: ${reason}`);
  }

  private need(at: number, n: number, what: string): void {
    if (this.pos + n > this.buf.length) {
      this.fail(at, `${what} needs ${n} more bytes, the body ends after ${this.buf.length - this.pos}`);
    }
  }

  /** Reads an item head: major type and argument, refusing what the subset excludes. */
  private head(): { at: number; major: number; arg: bigint; info: number } {
    const at = this.pos;
    this.need(at, 1, 'an item');
    const first = this.buf[this.pos++]!;
    const major = first >> 5;
    const info = first & 0x1f;
    if (major === 6) this.fail(at, 'tags are outside the CBOR subset');
    if (major === 7) {
      if (info === 20 || info === 21 || info === 22) return { at, major, arg: BigInt(info), info };
      if (info >= 25 && info <= 27) this.fail(at, `float (0x${first.toString(16)}) is outside the CBOR subset`);
      if (info === 31) this.fail(at, 'break (0xff) outside an indefinite item; indefinite lengths are outside the CBOR subset');
      this.fail(at, `simple value 0x${first.toString(16)} is outside the CBOR subset (only false, true, null)`);
    }
    if (info === 31) this.fail(at, `indefinite-length ${MAJOR_NAMES[major]} is outside the CBOR subset`);
    if (info >= 28) this.fail(at, `reserved additional information ${info}`);
    if (info < 24) return { at, major, arg: BigInt(info), info };
    const size = 1 << (info - 24);
    this.need(at, size, `a ${size}-byte argument`);
    let arg = 0n;
    for (let i = 0; i < size; i++) arg = (arg << 8n) | BigInt(this.buf[this.pos++]!);
    const floor = info === 24 ? 24n : 1n << BigInt(4 * size);
    if (arg < floor) this.fail(at, `${MAJOR_NAMES[major]} argument ${arg} not in shortest form`);
    return { at, major, arg, info };
  }

  item(depth: number): CborNode {
    const { at, major, arg } = this.head();
    switch (major) {
      case 0:
        return { kind: 'int', value: arg };
      case 1:
        return { kind: 'int', value: -1n - arg };
      case 2: {
        if (arg > BigInt(this.maxPayload)) {
          throw new ProtocolError('too_large', `body byte ${at}: byte string of ${arg} bytes exceeds max_payload ${this.maxPayload}`);
        }
        const n = Number(arg);
        this.need(at, n, 'a byte string');
        const value = this.buf.subarray(this.pos, this.pos + n);
        this.pos += n;
        return { kind: 'bytes', value };
      }
      case 3: {
        if (arg > BigInt(CBOR_MAX_TEXT)) this.fail(at, `text string of ${arg} bytes exceeds the limit ${CBOR_MAX_TEXT}`);
        const n = Number(arg);
        this.need(at, n, 'a text string');
        let value: string;
        try {
          value = utf8.decode(this.buf.subarray(this.pos, this.pos + n));
        } catch {
          this.fail(at, 'text string is not valid UTF-8');
        }
        this.pos += n;
        return { kind: 'text', value };
      }
      case 4:
      case 5: {
        const what = major === 4 ? 'array' : 'map';
        if (depth >= CBOR_MAX_DEPTH) this.fail(at, `${what} nested deeper than ${CBOR_MAX_DEPTH}`);
        if (arg > BigInt(CBOR_MAX_ITEMS)) this.fail(at, `${what} of ${arg} entries exceeds the limit ${CBOR_MAX_ITEMS}`);
        const n = Number(arg);
        if (major === 4) {
          const items: CborNode[] = [];
          for (let i = 0; i < n; i++) items.push(this.item(depth + 1));
          return { kind: 'array', items };
        }
        const entries: Array<[CborNode, CborNode]> = [];
        let last = -1n;
        for (let i = 0; i < n; i++) {
          const keyAt = this.pos;
          const key = this.item(depth + 1);
          if (key.kind !== 'int' || key.value < 0n) this.fail(keyAt, 'map key is not an unsigned integer');
          if (key.value <= last) this.fail(keyAt, `map key ${key.value} does not ascend (after ${last})`);
          last = key.value;
          entries.push([key, this.item(depth + 1)]);
        }
        return { kind: 'map', entries };
      }
      default: // major 7, already limited to false, true, null by head()
        return { kind: 'simple', value: arg === 20n ? false : arg === 21n ? true : null };
    }
  }

  atEnd(): boolean {
    return this.pos === this.buf.length;
  }

  get position(): number {
    return this.pos;
  }
}

/**
 * Parses a body and refuses anything outside the subset: it must be exactly one map with
 * ascending unsigned keys, within the depth, text and entry limits. Throws ProtocolError
 * `bad_body` (or `too_large` for a byte string over `maxPayload`).
 */
export function parseSubset(body: Uint8Array, limits: SubsetLimits = {}): CborNode {
  const reader = new SubsetReader(body, limits.maxPayload ?? MAX_PAYLOAD);
  if (body.length === 0) throw new ProtocolError('bad_body', 'body is empty; a body is one CBOR map');
  if (body[0]! >> 5 !== 5) throw new ProtocolError('bad_body', 'body byte 0: body is not a CBOR map');
  const node = reader.item(0);
  if (!reader.atEnd()) {
    throw new ProtocolError('bad_body', `body byte ${reader.position}: ${body.length - reader.position} bytes after the map`);
  }
  return node;
}

/** Throws unless `body` is a well-formed body of the subset. */
export function validateBody(body: Uint8Array, limits: SubsetLimits = {}): void {
  parseSubset(body, limits);
}
