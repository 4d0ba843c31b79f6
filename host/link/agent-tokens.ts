// Tokens of the agents this process talks to, by origin (ws://host:port): given once where the
// desk is assembled (--token-file) and used by every ws:// link to that agent, so locations stay
// plain URLs and no token is ever part of one (URLs end up in logs and reports).

const tokens = new Map<string, string>();
/** the token of `--token-file`, for every agent without one of its own */
let fallback: string | null = null;

function originOf(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}`;
}

export function rememberAgentToken(url: string, token: string): void {
  tokens.set(originOf(url), token);
}

/** The token every agent gets unless one was remembered for it. */
export function setDefaultAgentToken(token: string | null): void {
  fallback = token;
}

/** The token remembered for the agent serving `url`, else the default one, else null. */
export function agentToken(url: string): string | null {
  try {
    return tokens.get(originOf(url)) ?? fallback;
  } catch {
    return fallback;
  }
}
