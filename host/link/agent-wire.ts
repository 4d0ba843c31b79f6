// What the agent and its clients say besides link bytes (docs/remote.md): binary WebSocket
// messages carry raw link bytes; text messages carry one JSON object each, a `type` and its
// fields. Close codes name why the agent ended a connection.

/** The largest WebSocket message either side accepts; a bigger one closes the connection (1009). */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/**
 * A lease ends this long after the last heartbeat (or message). Generous: a client that dies
 * closes its TCP connection and frees its boards at once; expiry is for clients that hang, and
 * a busy host (a planner's long synchronous search) may miss a few heartbeats.
 */
export const DEFAULT_LEASE_MS = 15_000;
/** How often a client renews its lease (well inside DEFAULT_LEASE_MS). */
export const HEARTBEAT_MS = 500;
/**
 * How often a lease holder hears how its board's process is doing (the host's board monitor gives
 * a computing board more time, as it does for the emulators it runs itself).
 */
export const ACTIVITY_MS = 200;
/** A client without an Authorization header must send its auth message within this. */
export const AUTH_TIMEOUT_MS = 2000;

/** WebSocket close codes (4000-4999: the application's), each sent with a reason in words. */
export const CLOSE = {
  unauthorized: 4001, noSuchBoard: 4004, leaseExpired: 4008, leased: 4009,
  boardGone: 4010, cannotOpen: 4011, badMessage: 4012, agentStopping: 4013, notReading: 4014,
} as const;

/** What the agent tells about one board: its name and the facts of its hello. */
export interface AgentBoardFacts {
  name: string;
  chip: string;
  cnn_clock_hz: number;
  link_baud: number;
  /** how the agent reaches it: `emulated` (a pseudo-terminal to an emulated board) or `usb-serial` */
  transport: 'emulated' | 'usb-serial';
  firmware: string;
  sensors: { kind: string; shape: number[]; rate_mhz: number }[];
  outputs: string[];
}

export type ClientMessage =
  | { type: 'auth'; token: string }
  | { type: 'heartbeat' }
  | { type: 'ping'; t: number };

export type AgentMessage =
  | { type: 'boards'; boards: AgentBoardFacts[] }
  /** while leased, every ACTIVITY_MS: the board's process, ms it ran or waited to run (null: unknown) and whether it is stopped */
  | { type: 'activity'; active_ms: number | null; stopped: boolean | null }
  | { type: 'leased'; board: string; lease_ms: number }
  | { type: 'pong'; t: number }
  | { type: 'error'; message: string };

/** A text message's JSON object, or null when it is not one. */
function jsonObject(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Parses a client's text message; null when it is not one. */
export function parseClientMessage(text: string): ClientMessage | null {
  const o = jsonObject(text);
  if (o === null) return null;
  if (o['type'] === 'auth' && typeof o['token'] === 'string') return { type: 'auth', token: o['token'] };
  if (o['type'] === 'heartbeat') return { type: 'heartbeat' };
  if (o['type'] === 'ping' && typeof o['t'] === 'number') return { type: 'ping', t: o['t'] };
  return null;
}

/** Parses an agent's text message; null when it is not one. */
export function parseAgentMessage(text: string): AgentMessage | null {
  const o = jsonObject(text);
  if (o === null) return null;
  if (o['type'] === 'boards' && Array.isArray(o['boards'])) return { type: 'boards', boards: o['boards'] as AgentBoardFacts[] };
  if (o['type'] === 'leased' && typeof o['board'] === 'string' && typeof o['lease_ms'] === 'number') return { type: 'leased', board: o['board'], lease_ms: o['lease_ms'] };
  if (o['type'] === 'pong' && typeof o['t'] === 'number') return { type: 'pong', t: o['t'] };
  if (o['type'] === 'error' && typeof o['message'] === 'string') return { type: 'error', message: o['message'] };
  if (o['type'] === 'activity') {
    const ms = o['active_ms'];
    const stopped = o['stopped'];
    return { type: 'activity', active_ms: typeof ms === 'number' ? ms : null, stopped: typeof stopped === 'boolean' ? stopped : null };
  }
  return null;
}

/** A board name as it may appear in a URL path: what board ids are (letters, digits, `_`, `-`, `.`). */
export const BOARD_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
