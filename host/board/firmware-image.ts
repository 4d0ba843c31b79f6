// A firmware image file as the host reads it: the bytes a board runs, and their build id, the
// same one the board reports in hello (PROTOCOL.md 4.1, key 19): the first 8 bytes of the
// SHA-256 of the image as flashed, as 16 lowercase hex digits.
//
// "As flashed" is what `objcopy -O binary` writes: every loadable byte from the lowest load
// address to the highest, gaps filled with zeros. A .bin is exactly that; an .elf gives it through
// its program headers (PT_LOAD segments with file bytes, at their physical = load addresses); an
// Intel .hex through its data records. The bare-metal ports hash the same range in flash at boot
// (firmware/port/cortex-m/mcu_facts.h).

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';

export type ImageFormat = 'bin' | 'elf' | 'hex';

export interface FirmwareImage {
  path: string;
  format: ImageFormat;
  /** load address of the first byte (unknown for a .bin: null) */
  base: number | null;
  /** the image as flashed */
  bytes: Uint8Array;
  buildId: string;
}

export class FirmwareImageError extends Error {
  override readonly name = 'FirmwareImageError';
}

/** hello's build_id of an image's bytes. */
export function buildIdOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

/** The largest image a board may hold: MAX78000 flash (512 KiB); the QEMU board's code memory is 4 MiB. */
const MAX_IMAGE = 4 * 1024 * 1024;

interface Piece {
  address: number;
  bytes: Uint8Array;
}

function layOut(pieces: Piece[], what: string): { base: number; bytes: Uint8Array } {
  const used = pieces.filter((p) => p.bytes.length > 0).sort((a, b) => a.address - b.address);
  if (used.length === 0) throw new FirmwareImageError(`${what}: no loadable bytes`);
  const base = used[0]!.address;
  const end = Math.max(...used.map((p) => p.address + p.bytes.length));
  if (end - base > MAX_IMAGE) throw new FirmwareImageError(`${what}: loadable bytes span ${end - base} bytes from 0x${base.toString(16)}, more than any board holds (${MAX_IMAGE})`);
  const out = new Uint8Array(end - base);
  for (const p of used) out.set(p.bytes, p.address - base);
  return { base, bytes: out };
}

/** An ELF's memory use: bytes its loadable segments put in flash, and bytes they take in a RAM. */
export function elfMemoryUse(file: Uint8Array, ram: { start: number; end: number }, what: string): { flash: number; ramStatic: number } {
  let flash = 0;
  let ramStatic = 0;
  for (const seg of elfLoadSegments(file, what)) {
    flash += seg.filesz;
    if (seg.vaddr >= ram.start && seg.vaddr < ram.end) ramStatic += seg.memsz;
  }
  return { flash, ramStatic };
}

interface LoadSegment {
  offset: number;
  vaddr: number;
  paddr: number;
  filesz: number;
  memsz: number;
}

function elfLoadSegments(file: Uint8Array, what: string): LoadSegment[] {
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (file.length < 52 || v.getUint32(0, false) !== 0x7f454c46) throw new FirmwareImageError(`${what}: not an ELF file`);
  if (file[4] !== 1 || file[5] !== 1) throw new FirmwareImageError(`${what}: not a 32-bit little-endian ELF (a Cortex-M image is)`);
  const phoff = v.getUint32(0x1c, true);
  const phentsize = v.getUint16(0x2a, true);
  const phnum = v.getUint16(0x2c, true);
  if (phentsize < 32 || phoff + phnum * phentsize > file.length) throw new FirmwareImageError(`${what}: program headers run past the end of the file`);
  const out: LoadSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (v.getUint32(at, true) !== 1) continue; // PT_LOAD only
    const seg = { offset: v.getUint32(at + 4, true), vaddr: v.getUint32(at + 8, true), paddr: v.getUint32(at + 12, true), filesz: v.getUint32(at + 16, true), memsz: v.getUint32(at + 20, true) };
    if (seg.offset + seg.filesz > file.length) throw new FirmwareImageError(`${what}: segment ${i} runs past the end of the file`);
    out.push(seg);
  }
  return out;
}

/** The loadable bytes of a 32-bit little-endian ARM ELF file. */
export function elfImage(file: Uint8Array, what: string): { base: number; bytes: Uint8Array } {
  const pieces = elfLoadSegments(file, what)
    .filter((seg) => seg.filesz > 0) // PT_LOAD with bytes in the file
    .map((seg) => ({ address: seg.paddr, bytes: file.subarray(seg.offset, seg.offset + seg.filesz) }));
  return layOut(pieces, what);
}

/** The data of an Intel HEX file (record types 00, 01, 02, 04, 05). */
export function hexImage(text: string, what: string): { base: number; bytes: Uint8Array } {
  const pieces: Piece[] = [];
  let upper = 0;
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (line === '') continue;
    const where = `${what} line ${n + 1}`;
    if (!/^:([0-9A-Fa-f]{2})+$/.test(line)) throw new FirmwareImageError(`${where}: not an Intel HEX record`);
    const rec = Buffer.from(line.slice(1), 'hex');
    const len = rec[0]!;
    if (rec.length !== len + 5) throw new FirmwareImageError(`${where}: length ${len} disagrees with the record`);
    if (rec.reduce((a, b) => (a + b) & 0xff, 0) !== 0) throw new FirmwareImageError(`${where}: bad checksum`);
    const offset = (rec[1]! << 8) | rec[2]!;
    const type = rec[3]!;
    const data = new Uint8Array(rec.subarray(4, 4 + len));
    if (type === 0) pieces.push({ address: upper + offset, bytes: data });
    else if (type === 1) break;
    else if (type === 2) upper = ((data[0]! << 8) | data[1]!) * 16;
    else if (type === 4) upper = ((data[0]! << 8) | data[1]!) * 65536;
    else if (type !== 3 && type !== 5) throw new FirmwareImageError(`${where}: unknown record type ${type}`);
  }
  return layOut(pieces, what);
}

/** Reads a .bin, .elf or .hex firmware file; errors name the file and what is wrong. */
export function readFirmwareImage(path: string): FirmwareImage {
  let file: Buffer;
  try {
    file = readFileSync(path);
  } catch (e) {
    throw new FirmwareImageError(`cannot read firmware ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const ext = extname(path).toLowerCase();
  const what = `firmware ${path}`;
  let format: ImageFormat;
  let base: number | null;
  let bytes: Uint8Array;
  if (ext === '.bin') {
    if (file.length === 0 || file.length > MAX_IMAGE) throw new FirmwareImageError(`${what}: ${file.length} bytes (expected 1..${MAX_IMAGE})`);
    format = 'bin';
    base = null;
    bytes = new Uint8Array(file);
  } else if (ext === '.elf' || (file.length >= 4 && file.readUInt32BE(0) === 0x7f454c46)) {
    format = 'elf';
    ({ base, bytes } = elfImage(file, what));
  } else if (ext === '.hex') {
    format = 'hex';
    ({ base, bytes } = hexImage(file.toString('latin1'), what));
  } else {
    throw new FirmwareImageError(`${what}: expected a .bin, .elf or .hex file`);
  }
  return { path, format, base, bytes, buildId: buildIdOf(bytes) };
}

/**
 * Checks the first vector-table words of a Cortex-M image: an initial stack pointer inside the
 * given RAM and a Thumb reset address inside the image's own range. Returns the reason when not.
 */
export function vectorTableProblem(bytes: Uint8Array, base: number, ram: { start: number; end: number }): string | null {
  if (bytes.length < 8) return `${bytes.length} bytes: too short for a vector table`;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sp = v.getUint32(0, true);
  const reset = v.getUint32(4, true);
  if (sp < ram.start || sp > ram.end || sp % 4 !== 0) return `initial stack pointer 0x${sp.toString(16)} is not a word address in RAM 0x${ram.start.toString(16)}..0x${ram.end.toString(16)}`;
  if ((reset & 1) !== 1) return `reset address 0x${reset.toString(16)} is not a Thumb address (bit 0 clear)`;
  const entry = reset & ~1;
  if (entry < base || entry >= base + bytes.length) return `reset address 0x${reset.toString(16)} lies outside the image 0x${base.toString(16)}..0x${(base + bytes.length).toString(16)}`;
  return null;
}
