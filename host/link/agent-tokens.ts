// Tokens of the agents this process talks to, by origin (ws://host:port): given once where the
// desk is assembled (--token-file) and used by every ws:// link to that agent, so locations stay
// plain URLs and no token is ever part of one (URLs end up in logs and reports).

const tokens = new Map<string, string>();

function originOf(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}`;
}

export function rememberAgentToken(url: string, token: string): void {
  tokens.set(originOf(url), token);
}

/** The token remembered for the agent serving `url`, or null. */
export function agentToken(url: string): string | null {
  try {
    return tokens.get(originOf(url)) ?? null;
  } catch {
    return null;
  }
}
