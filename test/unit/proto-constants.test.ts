// One truth per fact: the protocol constants in firmware/core/proto.h (and the limits, the CBOR
// subset's and the profile's among them, in firmware/core/syn_config.h) must be the ones the
// TypeScript codec uses.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CBOR_MAX_DEPTH,
  CBOR_MAX_ITEMS,
  CBOR_MAX_TEXT,
  CRC_SIZE,
  ERR,
  HEADER_SIZE,
  KIND,
  MAX_FRAME,
  MAX_IN_FLIGHT,
  MAX_PAYLOAD,
  MAX_WAITING,
  SENSE_QUEUE,
  maxRunLength,
  MSG,
  PROFILE_MAX_RUNS,
  PROFILE_MAX_WARMUP,
  PROTO_VERSION,
} from '../../host/proto/index.js';

const CORE = join(import.meta.dirname, '../../firmware/core');

/** `#define NAME value` lines whose value is a plain decimal or hex integer, of each file. */
function defines(...files: string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const file of files) {
    if (!existsSync(join(CORE, file))) {
      throw new Error(`firmware/core/${file} is missing: the C constants cannot be cross-checked with the TypeScript ones`);
    }
    for (const line of readFileSync(join(CORE, file), 'utf8').split('\n')) {
      const m = /^#define\s+(\w+)\s+(0x[0-9a-fA-F]+|\d+)u?\s*(\/\*.*\*\/)?\s*$/.exec(line);
      if (m) out.set(m[1]!, Number(m[2]!));
    }
  }
  return out;
}

/** The C names with a prefix, as lower-case protocol names -> values. */
function family(defs: Map<string, number>, prefix: string, except: string[] = []): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, value] of defs) {
    if (name.startsWith(prefix) && !except.includes(name)) out[name.slice(prefix.length).toLowerCase()] = value;
  }
  return out;
}

describe('protocol constants agree with firmware/core/proto.h and its limits in syn_config.h', () => {
  const c = defines('proto.h', 'syn_config.h');

  it('has the constants at all', () => {
    expect(c.size).toBeGreaterThan(20);
  });

  it('version and limits', () => {
    expect(c.get('SYN_PROTO_VERSION')).toBe(PROTO_VERSION);
    expect(c.get('SYN_MAX_FRAME')).toBe(MAX_FRAME);
    expect(c.get('SYN_MAX_PAYLOAD')).toBe(MAX_PAYLOAD);
    expect(c.get('SYN_MAX_IN_FLIGHT')).toBe(MAX_IN_FLIGHT);
    expect(c.get('SYN_MAX_WAITING')).toBe(MAX_WAITING);
    expect(c.get('SYN_SENSE_QUEUE')).toBe(SENSE_QUEUE);
    expect(c.get('SYN_HEADER_SIZE')).toBe(HEADER_SIZE);
    expect(c.get('SYN_CRC_SIZE')).toBe(CRC_SIZE);
    expect(c.get('SYN_ERR_MSG_MAX')).toBe(CBOR_MAX_TEXT);
    // SYN_MAX_WIRE is derived in C: the longest COBS run plus its delimiter.
    expect(MAX_FRAME + Math.floor(MAX_FRAME / 254) + 1 + 1).toBe(maxRunLength() + 1);
  });

  it('frame kinds, both ways', () => {
    expect(family(c, 'SYN_KIND_')).toEqual({ ...KIND });
  });

  it('message types, both ways', () => {
    expect(family(c, 'SYN_MSG_')).toEqual({ ...MSG });
  });

  it('error codes, both ways', () => {
    expect(family(c, 'SYN_ERR_', ['SYN_ERR_MSG_MAX'])).toEqual({ ...ERR });
  });
});

describe('CBOR subset limits agree with firmware/core/syn_config.h', () => {
  it('depth, text and entry limits', () => {
    const c = defines('syn_config.h');
    expect(c.get('SYN_CBOR_MAX_DEPTH')).toBe(CBOR_MAX_DEPTH);
    expect(c.get('SYN_CBOR_MAX_TEXT')).toBe(CBOR_MAX_TEXT);
    expect(c.get('SYN_CBOR_MAX_ITEMS')).toBe(CBOR_MAX_ITEMS);
  });
});

describe('profile limits agree with firmware/core/syn_config.h', () => {
  it('runs and warm-up runs (the CLI refuses more at parse time)', () => {
    const c = defines('syn_config.h');
    expect(c.get('SYN_PROFILE_MAX_RUNS')).toBe(PROFILE_MAX_RUNS);
    expect(c.get('SYN_PROFILE_MAX_WARMUP')).toBe(PROFILE_MAX_WARMUP);
  });
});
