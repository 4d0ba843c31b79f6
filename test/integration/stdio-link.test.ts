// The session on another ByteLink: the emulated board speaking on its stdin/stdout (--stdio).
// Same protocol, same session code; only the link differs.

import { afterAll, expect, it } from 'vitest';
import { BoardSession } from '../../host/board/session.js';
import { startEmulatorStdio, type StdioEmulatedBoard } from '../../host/link/emulator.js';
import { seededBytes } from './helpers.js';

let board: StdioEmulatedBoard | undefined;
let session: BoardSession | undefined;
afterAll(async () => {
  await session?.close();
  await board?.stop();
});

it('hello, 200 pings and stats over a stdio link', async () => {
  board = startEmulatorStdio({ id: 'it-stdio', chip: 'max78002' });
  session = await BoardSession.open(board.link);
  expect(session.hello.boardId).toBe('it-stdio');
  expect(session.hello.chip).toBe('max78002');
  const rnd = seededBytes(5);
  await Promise.all(
    Array.from({ length: 200 }, async (_, i) => {
      const payload = rnd((i * 97) % 8065);
      const { body } = await session!.ping(payload);
      expect(Buffer.from(body).equals(Buffer.from(payload))).toBe(true);
    }),
  );
  const stats = await session.boardStats();
  expect(stats.framesIn).toBeGreaterThanOrEqual(201);
  expect(stats.crcErrors + stats.framingErrors).toBe(0);
  await session.close();
  expect(board.link.isOpen).toBe(false);
});
