// Emulated and QEMU boards started by one `synergy` process (e.g. `synergy emu` in one terminal)
// are found by others (`synergy boards` in another) through a small registry: one JSON file per
// board in the runtime directory. Entries whose process is gone are ignored and removed.

import { linkSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

export interface EmulatorEntry {
  /** the board id (the emulator's --id) */
  id: string;
  chip: string;
  /** the pseudo-terminal the board serves */
  path: string;
  /** the emulator process */
  pid: number;
  /** the process that started it and will remove the entry */
  ownerPid: number;
  /** the wire rate it is paced at, absent when unpaced */
  baud?: number;
  /** ISO time */
  startedAt: string;
  /** what the process is: absent for synergy-emu, "qemu" for a QEMU board */
  kind?: 'qemu';
  /** a board behind the BlueZ stand-in (path ble:ADDRESS): the D-Bus address of its bus */
  bus?: string;
}

/** `${SYNERGY_RUNTIME_DIR:-${XDG_RUNTIME_DIR:-/tmp}/synergy-$UID}` */
export function runtimeDir(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env['SYNERGY_RUNTIME_DIR'];
  if (explicit) return explicit;
  const base = env['XDG_RUNTIME_DIR'] || tmpdir();
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  return join(base, `synergy-${uid}`);
}

/** True while process `pid` exists (and, where /proc tells, is still an emulator). */
export function processAlive(pid: number, expectCommand?: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (expectCommand !== undefined && existsSync('/proc/self/stat')) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // A zombie has exited; only its parent has not collected it yet.
      if (/^\d+ \(.*\) Z /.test(stat)) return false;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      // The pid was reused by another program: the entry is stale.
      if (!cmdline.includes(expectCommand)) return false;
    } catch {
      return false;
    }
  }
  return true;
}

function isEntry(v: unknown): v is EmulatorEntry {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  return (
    typeof e['id'] === 'string' &&
    typeof e['chip'] === 'string' &&
    typeof e['path'] === 'string' &&
    typeof e['pid'] === 'number' &&
    typeof e['ownerPid'] === 'number'
  );
}

/** What an entry's process runs (a pid reused by another program makes the entry stale). */
function entryCommand(e: EmulatorEntry): string {
  return e.kind === 'qemu' ? 'qemu-system' : 'synergy-emu';
}

export class EmulatorRegistry {
  constructor(readonly dir: string = runtimeDir()) {}

  private file(id: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(id)) throw new Error(`board id ${JSON.stringify(id)} is not usable as a registry name (letters, digits, . _ - only)`);
    return join(this.dir, `emu-${id}.json`);
  }

  /**
   * Adds an entry; fails if a live board already has that id. The file appears whole
   * (written aside, then hard-linked into place, which fails if the name exists).
   */
  register(entry: EmulatorEntry): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const target = this.file(entry.id);
    const temp = join(this.dir, `.tmp-${process.pid}-${entry.id}`);
    writeFileSync(temp, JSON.stringify(entry, null, 2) + '\n', { mode: 0o600 });
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          linkSync(temp, target);
          return;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw e;
          const existing = this.read(target);
          if (existing !== undefined && this.live(existing)) {
            throw new Error(`an emulated board with id ${entry.id} is already running (pid ${existing.pid}, ${existing.path})`);
          }
          rmSync(target, { force: true });
        }
      }
    } finally {
      rmSync(temp, { force: true });
    }
  }

  /** Removes the entry of `id` if it is ours (or stale). */
  unregister(id: string): void {
    rmSync(this.file(id), { force: true });
  }

  private read(file: string): EmulatorEntry | undefined {
    try {
      const v: unknown = JSON.parse(readFileSync(file, 'utf8'));
      return isEntry(v) ? v : undefined;
    } catch {
      return undefined;
    }
  }

  private live(e: EmulatorEntry): boolean {
    // A board behind another link (ble:ADDRESS) has no device file to look for.
    return processAlive(e.pid, entryCommand(e)) && (!e.path.startsWith('/') || existsSync(e.path));
  }

  /** Live entries, sorted by id; stale ones are removed on the way. */
  list(): EmulatorEntry[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    const out: EmulatorEntry[] = [];
    for (const name of names) {
      if (!/^emu-.+\.json$/.test(name)) continue;
      const file = join(this.dir, name);
      const entry = this.read(file);
      if (entry === undefined) continue; // unreadable: not ours to judge
      if (this.live(entry)) out.push(entry);
      else rmSync(file, { force: true });
    }
    return out.sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
  }
}
