// Shared by the integration suites: real emulated boards on real pseudo-terminals, opened
// through serialport, and stopped after the suite.

import { BoardSession, type SessionOptions } from '../../host/board/session.js';
import { startEmulator, type EmulatedBoard, type EmulatorOptions } from '../../host/link/emulator.js';
import { SerialLink } from '../../host/link/serial.js';
import { ProtocolError } from '../../host/proto/index.js';

export interface Rig {
  emulator: EmulatedBoard;
  session: BoardSession;
}

const emulators: EmulatedBoard[] = [];
const sessions: BoardSession[] = [];

export async function startBoard(opts: EmulatorOptions = {}, sessionOpts: SessionOptions = {}): Promise<Rig> {
  const emulator = await startEmulator(opts);
  emulators.push(emulator);
  const session = await BoardSession.open(await SerialLink.open(emulator.path), sessionOpts);
  sessions.push(session);
  return { emulator, session };
}

export async function openSession(path: string, sessionOpts: SessionOptions = {}): Promise<BoardSession> {
  const session = await BoardSession.open(await SerialLink.open(path), sessionOpts);
  sessions.push(session);
  return session;
}

/** Closes every session and stops every emulator this file started. */
export async function stopAll(): Promise<void> {
  await Promise.allSettled(sessions.splice(0).map((s) => s.close()));
  await Promise.allSettled(emulators.splice(0).map((e) => e.stop()));
}

/** The next error frame from the board with request id `id` that no request took. */
export function nextBoardError(session: BoardSession, id: number, timeoutMs = 5000): Promise<ProtocolError> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      session.off('board-error', on);
      reject(new Error(`no error frame with id ${id} from the board within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (e: ProtocolError): void => {
      if (e.id !== id) return;
      clearTimeout(timer);
      session.off('board-error', on);
      resolve(e);
    };
    session.on('board-error', on);
  });
}

export { seededBytes } from '../../host/model/prng.js';

/** The board's refusal of request `p` (a ProtocolError); any other failure, or an answer, fails the test. */
export async function refusal(p: Promise<unknown>): Promise<ProtocolError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ProtocolError) return e;
    throw e;
  }
  throw new Error('expected the board to refuse');
}
