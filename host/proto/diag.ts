// CBOR diagnostic notation in the canonical spelling of PROTOCOL.md 6: decimal integers,
// h'..' lower-case byte strings, JSON-escaped text, `[a, b]`, `{0: a, 1: b}`.

import { parseSubset, type CborNode, type SubsetLimits } from './cbor-subset.js';
import { toHex } from './hex.js';

export function diagNode(node: CborNode): string {
  switch (node.kind) {
    case 'int':
      return node.value.toString();
    case 'bytes':
      return `h'${toHex(node.value)}'`;
    case 'text':
      return JSON.stringify(node.value);
    case 'array':
      return '[' + node.items.map(diagNode).join(', ') + ']';
    case 'map':
      return '{' + node.entries.map(([k, v]) => `${diagNode(k)}: ${diagNode(v)}`).join(', ') + '}';
    case 'simple':
      return node.value === null ? 'null' : String(node.value);
  }
}

/** The canonical diagnostic notation of a body (which must be of the subset). */
export function diag(body: Uint8Array, limits: SubsetLimits = {}): string {
  return diagNode(parseSubset(body, limits));
}
