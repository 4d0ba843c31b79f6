// What `synergy infer` and `synergy profile` share: load the model with weights, pick the chip
// of emulated boards, open the boards (starting as many emulated ones as the model needs, or the
// QEMU boards --qemu N asks for) and deploy the model on them with a progress bar.

import { ENGINES, type Engine } from '../synth/engine.js';
import { deployModel, boardsNeeded, SplitError, type Deployment } from '../board/deploy-model.js';
import { chipSpec, CHIP_NAMES, type ChipName } from '../model/chips.js';
import { ModelError } from '../model/model-error.js';
import { loadModel, type LoadedModel } from '../model/zoo.js';
import { EMULATOR_MAX_BAUD, EMULATOR_MIN_BAUD } from '../link/emulator.js';
import { baudValue, choiceValue, intValue, type OptionSpec, type ParsedArgs } from './args.js';
import { CommandFailure } from './command.js';
import { acquireBoards, parseBoardRequests, type Boards } from './desk-arg.js';
import { progressBar, type Progress } from './progress.js';

export const DEFAULT_EMULATED_BAUD = 921_600;

export const ENGINE_HELP = 'how emulated and QEMU boards drive their accelerator: register (the register program, as the silicon is '
  + 'driven; MAX78000 boards, MAX78002 ones compute from layer descriptions) or layer (the layer-level simulator, the reference); '
  + 'default: each board\'s own (synergy-emu: register where it covers the chip; the QEMU board: layer)';

export const EMULATED_OPTIONS: OptionSpec[] = [
  { name: 'chip', value: 'CHIP', parse: choiceValue(...CHIP_NAMES), description: 'chip of emulated boards (default max78000 when the model runs on it, else max78002)' },
  {
    name: 'baud', value: 'N', parse: baudValue(EMULATOR_MIN_BAUD, EMULATOR_MAX_BAUD, true),
    description: `pace emulated boards at N baud (${EMULATOR_MIN_BAUD}..${EMULATOR_MAX_BAUD}), 0 = unpaced (default ${DEFAULT_EMULATED_BAUD})`,
  },
  { name: 'qemu', value: 'N', parse: intValue(1, 64), description: 'start N QEMU boards (the firmware on a Cortex-M4 under qemu-system-arm), as --board qemu:N' },
  { name: 'engine', value: 'NAME', parse: choiceValue(...ENGINES), description: ENGINE_HELP },
];

export function loadModelArg(arg: string): LoadedModel {
  try {
    return loadModel(arg);
  } catch (e) {
    if (e instanceof ModelError) throw new CommandFailure(e.message);
    throw e;
  }
}

export function emulatedChip(args: ParsedArgs, loaded: LoadedModel): ChipName {
  const asked = args.string('chip') as ChipName | undefined;
  const chip = asked ?? (loaded.chips.includes('max78000') ? 'max78000' : 'max78002');
  if (!loaded.chips.includes(chip)) {
    throw new CommandFailure(`${loaded.model.name} runs on ${loaded.chips.join(' or ')} only (${chip} lacks an operator it uses)`);
  }
  return chip;
}

export interface Deployed {
  boards: Boards;
  deployment: Deployment;
  progress: Progress;
}

/**
 * Opens the boards of `values` (or emulated ones as needed) and loads the model; the caller
 * releases. A stop (`signal`) releases the boards at once: what waits on them fails, and the
 * command ends.
 */
export async function deployOnBoards(command: string, values: readonly string[], args: ParsedArgs, loaded: LoadedModel, signal: AbortSignal): Promise<Deployed> {
  const requests = parseBoardRequests([...values, ...(args.has('qemu') ? [`qemu:${args.number('qemu')!}`] : [])], command);
  const model = loaded.model;
  const chip = emulatedChip(args, loaded);
  let needed = 1;
  try {
    needed = requests.length === 0 ? boardsNeeded(model, chipSpec(chip)) : 1;
  } catch (e) {
    if (e instanceof SplitError) throw new CommandFailure(e.message);
    throw e;
  }
  const progress = progressBar();
  progress.update(0, `starting ${requests.length === 0 ? `${needed} emulated board${needed === 1 ? '' : 's'}` : 'boards'}`);
  const boards = await acquireBoards(requests, {
    chip, defaultEmulated: needed, baud: args.number('baud') ?? DEFAULT_EMULATED_BAUD, ...(args.has('engine') ? { engine: args.string('engine') as Engine } : {}),
  });
  if (signal.aborted) void boards.release();
  else signal.addEventListener('abort', () => void boards.release(), { once: true });
  try {
    const deployment = await deployModel(boards.sessions, model, {
      onProgress: (p) =>
        progress.update(p.total ? p.acked / p.total : 1, `loading ${model.name}, ${p.segmentsDone} of ${p.segments} segments done: ${Math.round(p.acked / 1024)} of ${Math.round(p.total / 1024)} KiB`),
    });
    return { boards, deployment, progress };
  } catch (e) {
    progress.done();
    await boards.release();
    throw asFailure(e);
  }
}

/**
 * Loads the model on boards (deployOnBoards), runs `use` on the deployment and always releases
 * the boards, first: nothing after it may keep an emulator alive.
 */
export async function withDeployment(
  command: string, values: readonly string[], args: ParsedArgs, loaded: LoadedModel, signal: AbortSignal,
  use: (d: Deployed) => Promise<number>,
): Promise<number> {
  const deployed = await deployOnBoards(command, values, args, loaded, signal);
  try {
    return await use(deployed);
  } catch (e) {
    throw asFailure(e);
  } finally {
    await deployed.boards.release();
    deployed.progress.done();
  }
}

/** Errors a user can act on become one-line failures; anything else stays a bug with a stack. */
export function asFailure(e: unknown): unknown {
  if (e instanceof CommandFailure || !(e instanceof Error)) return e;
  const known = ['SplitError', 'ProtocolError', 'SessionError', 'FitMismatchError', 'TensorShapeError', 'UploadAbortedError', 'ModelError', 'ExecError', 'EmulatorNotBuiltError', 'EmulatorExitedError', 'QemuMissingError', 'UnsupportedMessageError', 'BoardNotFoundError'];
  return known.includes(e.name) ? new CommandFailure(e.message) : e;
}
