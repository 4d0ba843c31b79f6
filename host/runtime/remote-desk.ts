// The boards of a desk that are served by agents: every board of each `--remote` agent, and the
// `ws://` devices of a desk file. Each agent is asked once for its board list and its round
// trip; a device's link is its agent's board's (kind and baud), its rate lowered by the round
// trip so the cost model pays for the distance (the planner's link model has no latency term:
// see remoteRate).

import { EMULATED_DEFAULT_BAUD } from '../space/emulated-desk.js';
import type { DeviceSpec } from '../space/device.js';
import { HOST_OUTPUT } from '../space/device.js';
import { agentOrigin, listAgent, type AgentListing } from '../link/agent-client.js';
import type { AgentBoardFacts } from '../link/agent-wire.js';

/** The message a remote link is priced by: a 3x32x32 camera frame, the examples' typical transfer. */
export const REFERENCE_MESSAGE_BYTES = 3072;

export interface RemoteBoards {
  devices: DeviceSpec[];
  /** device name -> ws://host:port/<board> */
  urls: Map<string, string>;
  /** agent origin -> measured round trip, ms */
  rttMs: Map<string, number>;
}

/**
 * A link's rate with the agent's round trip folded in: a reference message takes its wire time
 * plus half a round trip, so the rate is the message over that time (bits at 10 per byte, as
 * the serial kinds count them). An unpaced board's link is limited by the round trip alone.
 */
export function remoteRate(linkBaud: number, rttMs: number): number {
  const wireS = linkBaud > 0 ? (REFERENCE_MESSAGE_BYTES * 10) / linkBaud : 0;
  const s = wireS + rttMs / 2000;
  if (s <= 0) return linkBaud > 0 ? linkBaud : EMULATED_DEFAULT_BAUD;
  return Math.max(1, Math.round((REFERENCE_MESSAGE_BYTES * 10) / s));
}

function deviceOf(f: AgentBoardFacts, listing: AgentListing, name: string): DeviceSpec {
  if (f.chip !== 'max78000' && f.chip !== 'max78002') throw new Error(`agent ${listing.url}: board ${f.name} has unknown chip "${f.chip}"`);
  return {
    name, role: 'board', chip: f.chip, cnnClockHz: f.cnn_clock_hz > 0 ? f.cnn_clock_hz : null,
    sensors: f.sensors.map((s) => ({ kind: s.kind, shape: [...s.shape], rateHz: s.rate_mhz > 0 ? s.rate_mhz / 1000 : null })),
    outputs: f.outputs.filter((o) => o !== HOST_OUTPUT),
    link: { kind: f.transport, rateBps: remoteRate(f.link_baud, listing.rttMs), location: `${listing.url}/${f.name}` },
  };
}

/**
 * Asks each agent for its boards: all boards of `agents`, and the desk file's ws devices
 * (`named`, device name -> URL) with the facts of the board each URL names. Device names must
 * be unique with `taken` (the desk's local devices).
 */
export async function remoteBoards(agents: readonly string[], named: ReadonlyMap<string, string>, taken: ReadonlySet<string>): Promise<RemoteBoards> {
  const origins = [...new Set([...agents.map(agentOrigin), ...[...named.values()].map(agentOrigin)])];
  const listings = new Map<string, AgentListing>();
  await Promise.all(origins.map(async (o) => listings.set(o, await listAgent(o))));
  const out: RemoteBoards = { devices: [], urls: new Map(), rttMs: new Map([...listings].map(([o, l]) => [o, l.rttMs])) };
  const add = (d: DeviceSpec): void => {
    if (taken.has(d.name) || out.urls.has(d.name)) throw new Error(`device ${d.name} (${d.link.location}) has the name of another device on the desk`);
    out.devices.push(d);
    out.urls.set(d.name, d.link.location!);
  };
  for (const [name, url] of named) {
    const listing = listings.get(agentOrigin(url))!;
    const board = decodeURIComponent(new URL(url).pathname.slice(1));
    const f = listing.boards.find((b) => b.name === board);
    if (!f) throw new Error(`device ${name}: agent ${listing.url} has no board ${board} (boards: ${listing.boards.map((b) => b.name).join(', ')})`);
    add(deviceOf(f, listing, name));
  }
  for (const a of agents) {
    const listing = listings.get(agentOrigin(a))!;
    for (const f of listing.boards) if (![...out.urls.values()].includes(`${listing.url}/${f.name}`)) add(deviceOf(f, listing, f.name));
  }
  return out;
}
