// synergy boards: every board this machine reaches (real by USB, emulated from the registry),
// each asked hello: id, chip, port, firmware, limits.

import { discoverBoards, type BoardLocation } from '../../board/discovery.js';
import { openBoard } from '../../board/open.js';
import type { HelloInfo } from '../../proto/index.js';
import { EXIT, type Command } from '../command.js';
import { table, toJsonShape } from '../output.js';

export interface BoardRow {
  location: BoardLocation;
  hello?: HelloInfo;
  error?: string;
}

/** Says hello to every board found, concurrently. */
export async function probeBoards(locations: BoardLocation[]): Promise<BoardRow[]> {
  return Promise.all(
    locations.map(async (location): Promise<BoardRow> => {
      try {
        const session = await openBoard(location, { helloTimeoutMs: 2000, helloAttempts: 1 });
        const hello = session.hello;
        await session.close();
        return { location, hello };
      } catch (e) {
        return { location, error: (e as Error).message };
      }
    }),
  );
}

export function boardsTable(rows: BoardRow[]): string {
  return table(
    ['ID', 'CHIP', 'PORT', 'FIRMWARE', 'LIMITS (frame/payload/in-flight)', 'BAUD', 'KIND'],
    rows.map(({ location: l, hello: h, error }) =>
      h
        ? [h.boardId, h.chip, l.path, h.firmware, `${h.maxFrame}/${h.maxPayload}/${h.maxInFlight}`, h.linkBaud ? String(h.linkBaud) : 'unpaced', l.transport]
        : [l.id, l.chip ?? '?', l.path, '-', `unreachable: ${error ?? 'no answer'}`, '-', l.transport],
    ),
  );
}

export function boardsJson(rows: BoardRow[]): unknown {
  return {
    boards: rows.map(({ location: l, hello: h, error }) => ({
      id: h?.boardId ?? l.id,
      transport: l.transport,
      port: l.path,
      ...(l.pid !== undefined ? { pid: l.pid } : {}),
      ...(h ? (toJsonShape(h) as object) : { chip: l.chip ?? null, error }),
    })),
  };
}

export const boardsCommand: Command = {
  name: 'boards',
  summary: 'list the boards this machine reaches, real (USB) and emulated, with their limits',
  description:
    'Real boards are DAPLink USB serial ports (0d28:0204), named by serial number; emulated\n' +
    'boards are those a running "synergy emu" registered. Each is asked hello.',
  positionals: [],
  options: [],
  async run({ json, io }) {
    const rows = await probeBoards(await discoverBoards());
    if (json) {
      io.out(JSON.stringify(boardsJson(rows)));
    } else if (rows.length === 0) {
      io.out('no boards found (plug one in, or start emulated ones with "synergy emu")');
    } else {
      io.out(boardsTable(rows));
    }
    return rows.some((r) => r.error !== undefined) ? EXIT.failure : EXIT.ok;
  },
};
