// Which processes hold a serial port: a port another process holds (another synergy, a terminal
// program) cannot be locked, and the user needs to know which process that is. Linux says it
// through /proc/locks (the process holding the port's lock) and /proc/PID/fd (every process with
// it open: an emulator keeps its own pseudo-terminal open, so the lock's holder comes first);
// elsewhere, or for processes this user may not look into, it stays unsaid.

import { readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';

export interface PortHolder {
  pid: number;
  /** its command line, as /proc/PID/cmdline gives it */
  command: string;
}

/** The processes holding `path`: its lock's holders, else those that have it open (empty where the system does not say). */
export function portHolders(path: string): PortHolder[] {
  const locking = lockHolders(path);
  return locking.length > 0 ? locking : openHolders(path);
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0+$/, '').replace(/\0/g, ' ');
  } catch {
    return ''; // gone meanwhile
  }
}

/** The processes /proc/locks says hold a lock on `path` (lines "N: FLOCK ADVISORY WRITE PID MAJ:MIN:INODE ..."). */
function lockHolders(path: string): PortHolder[] {
  let ino: number;
  let dev: number;
  let text: string;
  try {
    ({ ino, dev } = statSync(path));
    text = readFileSync('/proc/locks', 'utf8');
  } catch {
    return [];
  }
  const major = (dev >> 8) & 0xfff;
  const minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
  const pids = new Set<number>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[1] === '->') continue; // a process waiting for the lock, not holding it
    const where = f[5]?.split(':');
    if (!where || where.length !== 3) continue;
    if (parseInt(where[0]!, 16) === major && parseInt(where[1]!, 16) === minor && Number(where[2]) === ino && Number(f[4]) !== process.pid) pids.add(Number(f[4]));
  }
  return [...pids].map((pid) => ({ pid, command: commandOf(pid) }));
}

/** The processes other than this one that have `path` open. */
function openHolders(path: string): PortHolder[] {
  let target: string;
  let pids: string[];
  try {
    target = realpathSync(path);
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return [];
  }
  return pids.filter((pid) => Number(pid) !== process.pid && holdsOpen(pid, target)).map((pid) => ({ pid: Number(pid), command: commandOf(Number(pid)) }));
}

/** Whether process `pid` ('self' for this one) has the file `target` (a real path) open. */
function holdsOpen(pid: string, target: string): boolean {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false; // gone, or not ours to look into
  }
  return fds.some((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`) === target;
    } catch {
      return false;
    }
  });
}

/** Whether this process itself has `path` open (a link of its own still closing). */
export function heldHere(path: string): boolean {
  try {
    return holdsOpen('self', realpathSync(path));
  } catch {
    return false;
  }
}

/** "pid 123 (node synergy.js ping emu-1)" for each holder, or what to do when none is known. */
export function holdersText(holders: readonly PortHolder[]): string {
  if (holders.length === 0) return 'the system does not say which process holds it';
  const shorten = (c: string): string => (c.length > 120 ? `${c.slice(0, 117)}...` : c);
  return `held by ${holders.map((h) => `pid ${h.pid}${h.command ? ` (${shorten(h.command)})` : ''}`).join(', ')}`;
}
