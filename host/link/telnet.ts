// The telnet layer RFC 2217 rides on (RFC 854/855): IAC escaping of data both ways, option
// negotiation (DO/DONT/WILL/WONT) and subnegotiations (IAC SB ... IAC SE). A byte-at-a-time
// decoder keeps its state across chunks, so a command split between two TCP reads is whole.

/** The telnet commands used here (RFC 854): IAC starts each, SB...SE bracket a subnegotiation. */
export const [SE, SB, WILL, WONT, DO, DONT, IAC] = [240, 250, 251, 252, 253, 254, 255] as const;

/** Subnegotiations longer than this are refused (the decoder's buffer is bounded). */
export const MAX_SUBNEGOTIATION = 256;

export interface TelnetHandlers {
  data(bytes: Uint8Array): void;
  /** DO/DONT/WILL/WONT with its option */
  negotiate(command: number, option: number): void;
  /** a subnegotiation's bytes after SB, unescaped, option first */
  subnegotiation(bytes: Uint8Array): void;
  /** a malformed stream (an overlong subnegotiation) */
  error(why: string): void;
}

type State = 'data' | 'iac' | 'option' | 'sb' | 'sb-iac';

export class TelnetDecoder {
  private state: State = 'data';
  private command = 0;
  private readonly sb = new Uint8Array(MAX_SUBNEGOTIATION);
  private sbLength = 0;

  constructor(private readonly on: TelnetHandlers) {}

  push(chunk: Uint8Array): void {
    const out = new Uint8Array(chunk.length);
    let n = 0;
    const flush = (): void => {
      if (n > 0) this.on.data(out.slice(0, n));
      n = 0;
    };
    for (const b of chunk) {
      switch (this.state) {
        case 'data':
          if (b === IAC) this.state = 'iac';
          else out[n++] = b;
          break;
        case 'iac':
          if (b === IAC) {
            out[n++] = IAC;
            this.state = 'data';
          } else if (b === DO || b === DONT || b === WILL || b === WONT) {
            this.command = b;
            this.state = 'option';
          } else if (b === SB) {
            this.sbLength = 0;
            this.state = 'sb';
          } else {
            this.state = 'data'; // NOP, GA, and the other two-byte commands carry nothing for us
          }
          break;
        case 'option':
          flush();
          this.on.negotiate(this.command, b);
          this.state = 'data';
          break;
        case 'sb':
          if (b === IAC) this.state = 'sb-iac';
          else this.sbByte(b);
          break;
        case 'sb-iac':
          if (b === SE) {
            flush();
            this.on.subnegotiation(this.sb.slice(0, this.sbLength));
            this.state = 'data';
          } else {
            this.sbByte(b); // IAC IAC inside SB is one 255
            this.state = 'sb';
          }
          break;
      }
    }
    flush();
  }

  private sbByte(b: number): void {
    if (this.sbLength === MAX_SUBNEGOTIATION) {
      this.on.error(`a telnet subnegotiation longer than ${MAX_SUBNEGOTIATION} bytes`);
      this.state = 'data';
      this.sbLength = 0;
      return;
    }
    this.sb[this.sbLength++] = b;
  }
}

/** Data with every 255 doubled. */
export function escapeIac(bytes: Uint8Array): Uint8Array {
  let extra = 0;
  for (const b of bytes) if (b === IAC) extra++;
  if (extra === 0) return bytes;
  const out = new Uint8Array(bytes.length + extra);
  let n = 0;
  for (const b of bytes) {
    out[n++] = b;
    if (b === IAC) out[n++] = IAC;
  }
  return out;
}

/** IAC SB option payload... IAC SE, with 255s in the payload doubled. */
export function subnegotiation(option: number, payload: Uint8Array): Uint8Array {
  const body = escapeIac(Uint8Array.of(option, ...payload));
  return Uint8Array.of(IAC, SB, ...body, IAC, SE);
}
