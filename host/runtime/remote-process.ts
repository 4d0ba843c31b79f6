// A board an agent runs, seen as a process for the board monitor (runtime/boards.ts): the agent
// reports how much its process ran or waited to run and whether it is stopped (AgentMessage
// 'activity'), so a remote emulated board that computes slowly on a loaded host is given the time
// a local one is, and a stopped one is lost as quickly.

import type { ByteLink } from '../link/byte-link.js';
import { WsLink } from '../link/ws-link.js';
import type { BoardProcess } from './boards.js';

/** The agent's board as a BoardProcess, or undefined when the link is no agent's or the agent reports nothing. */
export function remoteBoardProcess(link: ByteLink | undefined): BoardProcess | undefined {
  if (!(link instanceof WsLink) || link.boardActivity?.activeMs == null) return undefined;
  return {
    pid: -1,
    // The link closing says the board went away; there is no process here to exit.
    exited: new Promise(() => undefined),
    activityMs: () => link.boardActivity?.activeMs ?? null,
    stopped: () => link.boardActivity?.stopped ?? null,
  };
}
