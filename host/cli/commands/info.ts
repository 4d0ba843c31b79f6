// synergy info <board>: everything hello says, the board's counters and the host's.

import { BOARD_ARG, openBoardArg } from '../board-arg.js';
import { EXIT, type Command } from '../command.js';
import { toJsonShape } from '../output.js';

function keyValues(title: string, obj: Record<string, unknown>): string {
  const entries = Object.entries(toJsonShape(obj) as Record<string, unknown>);
  const width = Math.max(...entries.map(([k]) => k.length));
  return [title, ...entries.map(([k, v]) => `  ${k.padEnd(width)}  ${typeof v === 'string' ? v : JSON.stringify(v)}`)].join('\n');
}

export const infoCommand: Command = {
  name: 'info',
  summary: "show a board's hello (identity, memories, limits, sensors) and its link counters",
  positionals: [BOARD_ARG],
  options: [],
  async run({ args, json, io }) {
    const { location, session } = await openBoardArg(args.positionals[0]!);
    try {
      const hello = session.hello;
      const boardStats = await session.boardStats();
      const hostStats = session.hostStats;
      if (json) {
        io.out(
          JSON.stringify({
            port: location.path,
            transport: location.transport,
            hello: toJsonShape(hello),
            board_stats: toJsonShape(boardStats),
            host_stats: toJsonShape(hostStats),
          }),
        );
      } else {
        io.out(
          [
            `${hello.boardId} on ${location.path} (${location.transport})`,
            keyValues('hello:', { ...hello }),
            keyValues('board stats:', { ...boardStats }),
            keyValues('host stats (this connection):', { ...hostStats }),
          ].join('\n'),
        );
      }
      return EXIT.ok;
    } finally {
      await session.close();
    }
  },
};
