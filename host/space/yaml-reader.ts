// Typed access to a parsed YAML document that remembers where every value came from, so a
// bad desk or app spec is refused with its file, line and reason (the spec "schema" is the
// set of checks in desk-spec.ts and app-spec.ts, made through this reader).

import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { KIND_PATTERN, KIND_RULE } from './device.js';
import { SpecError } from './spec-error.js';

/** A value in the document, with its place. */
export interface YNode {
  readonly node: Node | null;
  readonly line: number;
  /** Dotted path for messages, e.g. devices[2].link.rate_bps. */
  readonly path: string;
}

export class YamlReader {
  private readonly lines = new LineCounter();
  readonly root: YNode;

  constructor(readonly file: string, text: string) {
    const doc = parseDocument(text, { lineCounter: this.lines, uniqueKeys: true, prettyErrors: false });
    const err = doc.errors[0];
    if (err) {
      const line = err.linePos?.[0]?.line ?? this.lineOf(err.pos[0]);
      throw new SpecError(file, line, `not valid YAML: ${err.message.split('\n')[0]}`);
    }
    if (!doc.contents) throw new SpecError(file, 0, 'the file is empty');
    this.root = { node: doc.contents as Node, line: this.lineAt(doc.contents as Node), path: '' };
  }

  fail(at: YNode, reason: string): never {
    throw new SpecError(this.file, at.line, at.path ? `${at.path}: ${reason}` : reason);
  }

  /** The keys of a mapping, each with its value; refuses keys outside `allowed`. */
  map(at: YNode, allowed: readonly string[]): Map<string, YNode> {
    if (!isMap(at.node)) this.fail(at, 'must be a mapping (key: value)');
    const out = new Map<string, YNode>();
    for (const pair of at.node.items) {
      const keyNode = pair.key as Node | null;
      const key = isScalar(keyNode) ? String(keyNode.value) : null;
      const keyAt: YNode = { node: keyNode, line: keyNode ? this.lineAt(keyNode) : at.line, path: at.path };
      if (key === null) this.fail(keyAt, 'keys must be plain words');
      const path = at.path ? `${at.path}.${key}` : key;
      if (!allowed.includes(key)) {
        this.fail({ ...keyAt, path }, `unknown key (expected one of: ${allowed.join(', ')})`);
      }
      const value = pair.value as Node | null;
      out.set(key, { node: value, line: value ? this.lineAt(value) : keyAt.line, path });
    }
    return out;
  }

  required(m: Map<string, YNode>, key: string, parent: YNode): YNode {
    const v = m.get(key);
    if (!v || v.node === null) this.fail(parent, `missing "${key}"`);
    return v;
  }

  seq(at: YNode): YNode[] {
    if (!isSeq(at.node)) this.fail(at, 'must be a list');
    return at.node.items.map((item, i) => {
      const n = item as Node | null;
      return { node: n, line: n ? this.lineAt(n) : at.line, path: `${at.path}[${i}]` };
    });
  }

  isSeq(at: YNode): boolean {
    return isSeq(at.node);
  }

  isMap(at: YNode): boolean {
    return isMap(at.node);
  }

  string(at: YNode): string {
    if (!isScalar(at.node) || typeof at.node.value !== 'string' || at.node.value === '') this.fail(at, `must be a non-empty string, not ${this.shown(at)}`);
    return at.node.value;
  }

  /** How a value was written, for messages: a scalar as given, else what it is. */
  private shown(at: YNode): string {
    if (isScalar(at.node)) return at.node.value === null ? 'empty' : typeof at.node.value === 'string' ? `"${at.node.value}"` : String(at.node.value);
    return isSeq(at.node) ? 'a list' : isMap(at.node) ? 'a mapping' : 'empty';
  }

  /** A name used as an id: letters, digits, - and _. */
  name(at: YNode): string {
    const s = this.string(at);
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(s)) this.fail(at, `"${s}" is not a valid name (letters, digits, '.', '-', '_')`);
    return s;
  }

  /** A sensor or output kind, as a board names it (device.ts KIND_PATTERN). */
  kind(at: YNode): string {
    const s = this.string(at);
    if (!KIND_PATTERN.test(s)) this.fail(at, `"${s}" is not a kind: ${KIND_RULE}`);
    return s;
  }

  number(at: YNode, min: number, max = Number.POSITIVE_INFINITY, minExclusive = false): number {
    if (!isScalar(at.node) || typeof at.node.value !== 'number' || !Number.isFinite(at.node.value)) this.fail(at, `must be a number, not ${this.shown(at)}`);
    const v = at.node.value;
    if (minExclusive ? v <= min : v < min) this.fail(at, `${v} is too small (must be ${minExclusive ? '>' : '>='} ${min})`);
    if (v > max) this.fail(at, `${v} is too large (must be <= ${max})`);
    return v;
  }

  integer(at: YNode, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.number(at, min, max);
    if (!Number.isInteger(v)) this.fail(at, `${v} must be a whole number`);
    return v;
  }

  oneOf<T extends string>(at: YNode, allowed: readonly T[]): T {
    const s = this.string(at);
    if (!allowed.includes(s as T)) this.fail(at, `"${s}" is not one of: ${allowed.join(', ')}`);
    return s as T;
  }

  private lineAt(node: Node): number {
    return node.range ? this.lineOf(node.range[0]) : 0;
  }

  private lineOf(offset: number): number {
    return this.lines.linePos(offset).line;
  }
}
