// What the host counts about one board link (the board keeps its own; see the stats message).

export interface HostStats {
  /** bytes received from the link, delimiters included */
  bytesIn: number;
  /** bytes written to the link */
  bytesOut: number;
  /** well-formed frames received (framing, CRC, length and version all good) */
  framesIn: number;
  /** frames sent */
  framesOut: number;
  /** frames with a bad CRC */
  crcErrors: number;
  /** runs that were not valid COBS, shorter than a frame, or whose length field lied */
  framingErrors: number;
  /** runs longer than the maximum frame */
  oversize: number;
  /** well-formed frames refused: version, kind, unknown event type, malformed body */
  rejected: number;
  /** responses and errors whose id matched no request in flight (late, or never asked) */
  unmatched: number;
  /** error frames received from the board (matched or not) */
  boardErrors: number;
  /** requests that timed out */
  timeouts: number;
  /** resets of the board this session saw */
  resets: number;
}

export function emptyHostStats(): HostStats {
  return {
    bytesIn: 0,
    bytesOut: 0,
    framesIn: 0,
    framesOut: 0,
    crcErrors: 0,
    framingErrors: 0,
    oversize: 0,
    rejected: 0,
    unmatched: 0,
    boardErrors: 0,
    timeouts: 0,
    resets: 0,
  };
}
