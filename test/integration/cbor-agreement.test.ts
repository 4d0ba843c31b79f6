// One truth for the CBOR subset: the host's validator and the board's (the C core, inside the
// emulated board) judge the same bodies, and must agree on each: accepted, or refused with the
// same code.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoardSession } from '../../host/board/session.js';
import { decodeBody, fromHex, MSG, pingBody, ProtocolError } from '../../host/proto/index.js';
import { startBoard, stopAll } from './helpers.js';

afterAll(stopAll);

let session: BoardSession;
beforeAll(async () => {
  ({ session } = await startBoard({ id: 'it-cbor' }));
});

/** A ping body {0: h'', 1: item}: the board must look at the unknown key's value too. */
const withItem = (item: string): string => 'a2' + '0040' + '01' + item;

const cases: Array<[string, string]> = [
  ['plain ping', 'a10043010203'],
  ['unknown key with a nested value', withItem('a201820102026178')],
  ['nesting of 8 containers', withItem('81'.repeat(6) + '80')],
  ['nesting of 9 containers', withItem('81'.repeat(7) + '80')],
  ['64-byte text', withItem('7840' + '61'.repeat(64))],
  ['65-byte text', withItem('7841' + '61'.repeat(65))],
  ['1024-entry array', withItem('990400' + '00'.repeat(1024))],
  ['1025-entry array', withItem('990401' + '00'.repeat(1025))],
  ['half float', withItem('f93c00')],
  ['double float', withItem('fb3ff8000000000000')],
  ['tag', withItem('c24101')],
  ['indefinite array', withItem('9f01ff')],
  ['undefined', withItem('f7')],
  ['simple value 16', withItem('f0')],
  ['true, false, null', withItem('83f5f4f6')],
  ['non-shortest integer', withItem('1817')],
  ['non-shortest length', withItem('5801' + 'ff')],
  ['64-bit integer', withItem('1b0000000100000000')],
  ['negative 64-bit integer', withItem('3b0000000100000000')],
  ['keys out of order', 'a2' + '0140' + '0040'],
  ['duplicate keys', 'a2' + '0040' + '0040'],
  ['text key', 'a2' + '0040' + '6161' + '00'],
  ['bad UTF-8', withItem('62c328')],
  ['truncated map', 'a2004001'],
  ['trailing bytes', 'a1004000'],
  ['body not a map', '8100'],
  ['payload of the wrong type', 'a10001'],
  ['payload missing', 'a10140'],
  ['payload of max_payload bytes', 'a100591f80' + '00'.repeat(8064)],
  ['payload of max_payload + 1 bytes', 'a100591f81' + '00'.repeat(8065)],
  ['unknown key holding bytes over max_payload', 'a2004001591f81' + '00'.repeat(8065)],
];

function hostVerdict(body: Uint8Array): string {
  try {
    decodeBody(pingBody, body, 'ping request');
    return 'ok';
  } catch (e) {
    if (e instanceof ProtocolError) return e.code;
    throw e;
  }
}

async function boardVerdict(body: Uint8Array): Promise<string> {
  try {
    const answer = await session.requestRaw(MSG.ping, body);
    expect(answer.length).toBeGreaterThan(0);
    return 'ok';
  } catch (e) {
    if (e instanceof ProtocolError && e.origin === 'board') return e.code;
    throw e;
  }
}

describe('host and board judge the same bodies alike', () => {
  for (const [name, hex] of cases) {
    it(name, async () => {
      const body = fromHex(hex);
      expect(await boardVerdict(body)).toBe(hostVerdict(body));
    });
  }

  it('the cases include refusals and acceptances', () => {
    const verdicts = new Set(cases.map(([, hex]) => hostVerdict(fromHex(hex))));
    expect(verdicts).toEqual(new Set(['ok', 'bad_body', 'too_large']));
  });
});
