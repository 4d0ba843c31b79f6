// What a desk asks an agent before it runs on its boards: the board list (names, chips, hello
// facts) and the round trip to the agent, measured with ping messages on the list connection.

import { connectAgent } from './ws-link.js';
import { agentToken } from './agent-tokens.js';
import { parseAgentMessage, type AgentBoardFacts } from './agent-wire.js';

export interface AgentListing {
  /** ws://host:port as given (no path) */
  url: string;
  boards: AgentBoardFacts[];
  /** median round trip of RTT_SAMPLES pings, ms */
  rttMs: number;
}

export const RTT_SAMPLES = 5;

/** The agent's origin from a URL the user gave (a trailing `/` or board path is dropped). */
export function agentOrigin(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`"${url}" is not a URL (expected ws://HOST:PORT)`);
  }
  if (u.protocol !== 'ws:') throw new Error(`"${url}": an agent URL starts with ws://`);
  return `ws://${u.host}`;
}

/** Lists an agent's boards and measures the round trip to it. */
export async function listAgent(url: string, token = agentToken(url), timeoutMs = 5000): Promise<AgentListing> {
  const origin = agentOrigin(url);
  const { socket, first } = await connectAgent(`${origin}/`, token, timeoutMs);
  try {
    if (first.type !== 'boards') throw new Error(`agent ${origin}: answered ${first.type} where the board list was expected`);
    const rtts: number[] = [];
    for (let i = 0; i < RTT_SAMPLES; i++) {
      const t = performance.now();
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`agent ${origin}: no pong within ${timeoutMs} ms`)), timeoutMs);
        const onMessage = (data: Buffer, isBinary: boolean): void => {
          const msg = isBinary ? null : parseAgentMessage(data.toString());
          if (msg?.type !== 'pong' || msg.t !== i) return;
          clearTimeout(timer);
          socket.off('message', onMessage);
          resolve();
        };
        socket.on('message', onMessage);
        socket.send(JSON.stringify({ type: 'ping', t: i }));
      });
      rtts.push(performance.now() - t);
    }
    rtts.sort((a, b) => a - b);
    return { url: origin, boards: first.boards, rttMs: rtts[Math.floor(rtts.length / 2)]! };
  } finally {
    socket.close(1000, 'listed');
  }
}
