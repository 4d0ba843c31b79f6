// Link locations beyond serial port paths: a scheme (`ws`, `rfc2217`) maps to an opener that
// turns a location string into a ByteLink. Transports register themselves; openBoard asks here
// first, so a remote board is opened like any other.

import type { ByteLink } from './byte-link.js';

export type LinkOpener = (location: string) => Promise<ByteLink>;

const openers = new Map<string, LinkOpener>();

/** Registers the opener of `scheme://...` locations (scheme without the colon). */
export function registerLinkKind(scheme: string, opener: LinkOpener): void {
  openers.set(scheme.toLowerCase(), opener);
}

function schemeOf(location: string): string | null {
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(location);
  return m ? m[1]!.toLowerCase() : null;
}

/** Whether a registered kind opens this location. */
export function isLinkLocation(location: string): boolean {
  const s = schemeOf(location);
  return s !== null && openers.has(s);
}

/** Opens a location of a registered kind; an unknown scheme is an error naming the known ones. */
export async function openLinkLocation(location: string): Promise<ByteLink> {
  const s = schemeOf(location);
  const opener = s === null ? undefined : openers.get(s);
  if (!opener) throw new Error(`${location}: no link kind for "${s ?? location}" (known: ${[...openers.keys()].map((k) => `${k}://`).join(', ')})`);
  return opener(location);
}
