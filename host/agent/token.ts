// The agent's shared secret: read from a file (never from argv, where `ps` shows it), compared
// in constant time, never logged.

import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** Fewer characters than this is no secret worth the name. */
export const MIN_TOKEN_CHARS = 16;

export class TokenFileError extends Error {
  override readonly name = 'TokenFileError';
}

/** The token in `path` (surrounding whitespace dropped); the error names the file, never its content. */
export function readTokenFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new TokenFileError(`token file ${path}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const token = text.trim();
  if (token.length < MIN_TOKEN_CHARS) throw new TokenFileError(`token file ${path}: the token must be at least ${MIN_TOKEN_CHARS} characters`);
  if (/\s/.test(token)) throw new TokenFileError(`token file ${path}: the token must be one line without spaces`);
  return token;
}

/**
 * Whether `given` is the token: both are hashed first so the compared buffers have equal length
 * whatever was sent, and timingSafeEqual takes the same time for every mismatch.
 */
export function tokenMatches(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer ...` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m ? m[1]! : null;
}
