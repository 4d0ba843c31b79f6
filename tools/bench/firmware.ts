// npm run bench:firmware [-- --json]: what the MAX78000FTHR firmware takes of the board.
//   1. flash_bytes, sram_static_bytes: the MAX78000 image's loadable bytes and its SRAM segments
//      (.data + .bss) from firmware/build/max78000/synergy.elf; while that image cannot link yet
//      (no accelerator binding, firmware/max78000.mk) the size-measuring link's figures, marked
//      so ("image": "unbound");
//   2. stack_peak_bytes: the high-water mark of the painted stack (stats' stack_peak) of a QEMU
//      board (the same core and Cortex-M code, compiled for the M4) after it ran every golden
//      network of ../shared/golden, each checked against its expected output.
// Budgets of issue 13: flash at most 90 % of 512 KiB; static SRAM plus peak stack at most 90 % of
// 128 KiB. With --json it ends with one JSON line of the figures.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deployModel } from '../../host/board/deploy-model.js';
import { elfMemoryUse } from '../../host/board/firmware-image.js';
import { openBoard } from '../../host/board/open.js';
import { readTensorFile } from '../../host/cli/tensor-file.js';
import { startQemuBoard } from '../../host/link/qemu.js';
import { repoRoot } from '../../host/repo-root.js';
import { goldenSets } from '../../host/model/shared-dir.js';
import { loadModel } from '../../host/model/zoo.js';
import { json, log } from './bench-args.js';

const FLASH = 512 * 1024;
const SRAM = 128 * 1024;
const SRAM_RANGE = { start: 0x20000000, end: 0x21000000 };

function fail(msg: string): never {
  process.stderr.write(`bench:firmware: ${msg}\n`);
  process.exit(1);
}

const root = repoRoot();
const image = join(root, 'firmware/build/max78000/synergy.elf');
const unbound = join(root, 'firmware/build/max78000/unbound/synergy-unbound.elf');
const which = existsSync(image) ? { file: image, kind: 'image' } : existsSync(unbound) ? { file: unbound, kind: 'unbound' } : null;
if (which === null) fail('no MAX78000 build: run `make firmware` first');
const use = elfMemoryUse(readFileSync(which.file), SRAM_RANGE, which.file);
log(`MAX78000 ${which.kind === 'image' ? 'image' : 'without its accelerator binding (size-measuring link, not an image)'}: ${which.file}`);
log(`  flash        ${use.flash.toLocaleString('en-US').padStart(9)} B of ${FLASH.toLocaleString('en-US')} (${((100 * use.flash) / FLASH).toFixed(1)} %)`);
log(`  static SRAM  ${use.ramStatic.toLocaleString('en-US').padStart(9)} B of ${SRAM.toLocaleString('en-US')} (${((100 * use.ramStatic) / SRAM).toFixed(1)} %)`);

const { dir: golden, names: sets } = ((): { dir: string; names: string[] } => {
  try {
    return goldenSets('the firmware benchmark runs every golden network on a QEMU board');
  } catch (e) {
    return fail((e as Error).message);
  }
})();
if (sets.length === 0) fail(`no golden networks under ${golden}`);

const board = await startQemuBoard({ id: 'bench-firmware' });
const perSet: { set: string; stack_peak_bytes: number }[] = [];
let stackPeak = 0;
try {
  // Generous timeouts: on a loaded host QEMU moves fewer bytes than the link rate it reports.
  const session = await openBoard(board.path, { timeoutFactor: 10 });
  try {
    for (const set of sets) {
      const loaded = loadModel(join(golden, set, 'model.json'));
      const input = readTensorFile(join(golden, set, 'input.json'));
      const expected = JSON.parse(readFileSync(join(golden, set, 'expected_output.json'), 'utf8')) as { data: number[] };
      const deployment = await deployModel([session], loaded.model);
      const run = await deployment.run(input);
      if (Array.from(run.output.data as ArrayLike<number>).join(',') !== expected.data.join(',')) fail(`${set}: the QEMU board's output differs from expected_output.json`);
      await deployment.unload();
      const peak = (await session.boardStats()).stackPeak;
      if (peak === undefined) fail('the QEMU board reports no stack_peak in stats');
      stackPeak = Math.max(stackPeak, peak);
      perSet.push({ set, stack_peak_bytes: peak });
      log(`  ${set.padEnd(30)} bit-exact; stack high-water mark so far ${peak.toLocaleString('en-US')} B`);
    }
  } finally {
    await session.close();
  }
} finally {
  await board.stop();
}

const flashOk = use.flash <= 0.9 * FLASH;
const sramOk = use.ramStatic + stackPeak <= 0.9 * SRAM;
log(`stack peak (QEMU board, golden inferences): ${stackPeak.toLocaleString('en-US')} B`);
log(`budgets: flash ${flashOk ? 'within' : 'ABOVE'} 90 %; static SRAM + peak stack ${(use.ramStatic + stackPeak).toLocaleString('en-US')} B ${sramOk ? 'within' : 'ABOVE'} 90 % of 128 KiB`);
if (json) {
  process.stdout.write(
    JSON.stringify({
      bench: 'firmware',
      image: which.kind,
      flash_bytes: use.flash,
      sram_static_bytes: use.ramStatic,
      stack_peak_bytes: stackPeak,
      flash_within_90pct: flashOk,
      sram_with_stack_within_90pct: sramOk,
      stack_by_set: perSet,
    }) + '\n',
  );
}
