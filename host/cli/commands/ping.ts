// synergy ping <board>: round trips with a payload checked on return; min/p50/p99/max. A board
// that resets meanwhile ends the command with what happened (its boot reason, the pings answered
// before): the round trips measured across a reset would not be the board's.

import { summarizeRtt } from '../../board/rtt.js';
import type { ResetInfo } from '../../board/session.js';
import { MAX_PAYLOAD } from '../../proto/index.js';
import { intValue } from '../args.js';
import { BOARD_ARG, openBoardArg } from '../board-arg.js';
import { CommandFailure, EXIT, type Command } from '../command.js';
import { ms, round } from '../output.js';

export const pingCommand: Command = {
  name: 'ping',
  summary: 'measure round trips to a board (payload echoed and checked)',
  positionals: [BOARD_ARG],
  options: [
    { name: 'count', short: 'n', value: 'N', parse: intValue(1, 1_000_000), description: 'pings to send, one after another (default 10)' },
    { name: 'size', value: 'B', parse: intValue(0, MAX_PAYLOAD), description: `payload bytes, 0..max_payload (default 32)` },
  ],
  async run({ args, json, io, signal }) {
    const count = args.number('count') ?? 10;
    const size = args.number('size') ?? 32;
    const { location, session } = await openBoardArg(args.positionals[0]!);
    try {
      if (size > session.hello.maxPayload) {
        throw new CommandFailure(`--size ${size} exceeds board ${session.boardId}'s max_payload ${session.hello.maxPayload}`);
      }
      const rtts: number[] = [];
      let reset: ResetInfo | null = null;
      session.on('reset', (info) => (reset ??= info));
      const resetText = (r: ResetInfo): string =>
        `board ${session.boardId} reset during the pings (${r.boot?.reason ?? 'a new session in hello'}: session ${r.previousSession} -> ${r.session ?? 'unknown'}) ` +
        `after ${rtts.length} of ${count} answered; its round trips are not measured across a reset`;
      for (let i = 0; i < count && !signal.aborted; i++) {
        try {
          rtts.push((await session.ping(size)).rttMs);
        } catch (e) {
          if (reset) throw new CommandFailure(resetText(reset));
          throw e;
        }
        if (reset) throw new CommandFailure(resetText(reset));
      }
      if (rtts.length === 0) return EXIT.failure; // stopped before the first answer (main.ts exits 128 + N)
      const s = summarizeRtt(rtts);
      if (json) {
        io.out(
          JSON.stringify({
            board: session.boardId,
            port: location.path,
            count: rtts.length,
            size,
            min_ms: round(s.minMs),
            p50_ms: round(s.p50Ms),
            p99_ms: round(s.p99Ms),
            max_ms: round(s.maxMs),
          }),
        );
      } else {
        io.out(
          `${session.boardId} (${location.path}): ${rtts.length} pings of ${size} bytes, all echoed intact\n` +
            `round trip ms: min ${ms(s.minMs)}  p50 ${ms(s.p50Ms)}  p99 ${ms(s.p99Ms)}  max ${ms(s.maxMs)}`,
        );
      }
      return EXIT.ok;
    } finally {
      await session.close();
    }
  },
};
