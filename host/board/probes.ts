// Flashing through a debug probe instead of the DAPLink drive: OpenOCD (Analog Devices' build
// in the MSDK has the max78000 target: $MAXIM_PATH/Tools/OpenOCD) or pyOCD (with the MAX78000
// pack installed), either talking CMSIS-DAP to the board's DAPLink by its serial number
// (MAX78000.md section 4).

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import { findOnPath } from '../link/find-on-path.js';

export type ProbeTool = 'openocd' | 'pyocd';
export const PROBE_TOOLS: readonly ProbeTool[] = ['openocd', 'pyocd'];

/** Where a .bin goes: the MAX78000's flash (a .elf or .hex says it itself). */
export const MAX78000_FLASH_BASE = 0x10000000;

export interface ProbeCommand {
  tool: ProbeTool;
  command: string;
  args: string[];
}

/** The tools on PATH. */
export function availableProbes(): ProbeTool[] {
  return PROBE_TOOLS.filter((t) => findOnPath(t) !== undefined);
}

export function probeCommand(tool: ProbeTool, file: string, serial: string, env: NodeJS.ProcessEnv = process.env): ProbeCommand {
  const bin = extname(file).toLowerCase() === '.bin';
  if (tool === 'openocd') {
    const scripts = env['MAXIM_PATH'] ? join(env['MAXIM_PATH'], 'Tools/OpenOCD/scripts') : undefined;
    return {
      tool,
      command: 'openocd',
      args: [
        ...(scripts !== undefined && existsSync(scripts) ? ['-s', scripts] : []),
        '-f', 'interface/cmsis-dap.cfg', '-f', 'target/max78000.cfg',
        '-c', `adapter serial ${serial}`,
        '-c', `program ${file}${bin ? ` 0x${MAX78000_FLASH_BASE.toString(16)}` : ''} verify reset exit`,
      ],
    };
  }
  return {
    tool,
    command: 'pyocd',
    args: ['flash', '-u', serial, '-t', 'max78000', ...(bin ? ['-a', `0x${MAX78000_FLASH_BASE.toString(16)}`] : []), file],
  };
}

export class ProbeError extends Error {
  override readonly name = 'ProbeError';
}

/** Runs the probe tool; rejects with its last output lines when it fails or takes too long. */
export function runProbe(cmd: ProbeCommand, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd.command, cmd.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const keep = (d: Buffer): void => {
      tail = (tail + d.toString()).slice(-2000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new ProbeError(`cannot run ${cmd.command}: ${e.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      const how = signal ? `was stopped (${signal}) after ${Math.round(timeoutMs / 1000)} s` : `exited with ${code}`;
      reject(new ProbeError(`${cmd.command} ${how}: ${tail.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}
