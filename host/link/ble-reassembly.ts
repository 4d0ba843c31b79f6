// Notifications back into frames. A BLE board's bytes arrive as notifications of at most MTU - 3
// bytes that cut frames anywhere; some BlueZ versions deliver one notification twice. This
// reassembler splits the notification stream at the frame delimiter (0x00) and hands the session
// whole runs only, after taking out what a duplicated notification did:
//
// - a duplicate holding a whole frame gives that frame twice: the second copy (same kind, id and
//   type - the header's sequence field - and the same bytes as a frame delivered just before)
//   is dropped. Frames with id 0 (errors about unreadable frames) are never dropped: they carry
//   no sequence, so two of them may be distinct answers with the same bytes;
// - a duplicate holding a delimiter joins the tail of the first copy to the head of the second:
//   that run, when it fails its checks, is dropped (the frames around it are whole);
// - a duplicate inside a frame (no delimiter in it) breaks the frame's CRC: the copies are
//   taken out, fewest first, until the CRC and the length field agree. A frame that checks as
//   received is never changed, so identical notifications that are not duplicates (a tensor of
//   zeros) pass untouched.
//
// A run that cannot be repaired (a lost notification) goes to the session as it is: the session
// counts it, and fails the request its header names at once (PROTOCOL.md 2.2).

import { CRC_SIZE, HEADER_SIZE } from '../proto/constants.js';
import { ProtocolError } from '../proto/errors.js';
import { decodeRun, maxRunLength, type FrameHeader } from '../proto/frame.js';

/** The largest raw frame a 16-bit length field allows; the session applies the board's limit. */
const LARGEST_RAW_FRAME = HEADER_SIZE + 0xffff + CRC_SIZE;
/** Largest notification payload (ATT MTU 517 - 3). */
const LARGEST_NOTIFICATION = 514;
/** Room for a few duplicated notifications inside the largest frame. */
const RUN_CAP = maxRunLength(LARGEST_RAW_FRAME) + 16 * LARGEST_NOTIFICATION;
/** Frames remembered for dropping whole-frame duplicates (a duplicate follows its original at once). */
const RECENT_FRAMES = 16;
/** Copies taken out of one frame at most, and candidate repairs tried at most. */
const MAX_REMOVALS = 4;
const MAX_REPAIR_TRIES = 256;

export interface ReassemblyStats {
  notifications: number;
  /** frames handed to the session */
  frames: number;
  /** whole frames received twice, the copy dropped */
  duplicateFrames: number;
  /** runs made of a duplicated notification's tail and head, dropped */
  duplicateJoins: number;
  /** frames whose CRC held once duplicated notifications were taken out */
  repairedFrames: number;
  /** notifications taken out of repaired frames */
  removedNotifications: number;
  /** runs that failed their checks and could not be repaired, handed on as they are */
  brokenRuns: number;
  /** repeated notifications inside those runs (duplicates that fell in a frame a loss broke) */
  repeatsInBrokenRuns: number;
  /** runs longer than any frame, handed on as they are (the session reports them) */
  oversizeRuns: number;
}

export function emptyReassemblyStats(): ReassemblyStats {
  return {
    notifications: 0,
    frames: 0,
    duplicateFrames: 0,
    duplicateJoins: 0,
    repairedFrames: 0,
    removedNotifications: 0,
    brokenRuns: 0,
    repeatsInBrokenRuns: 0,
    oversizeRuns: 0,
  };
}

interface Piece {
  bytes: Uint8Array;
  /** the piece is a whole notification (no delimiter in it) */
  whole: boolean;
}

interface Recent {
  header: FrameHeader;
  run: Uint8Array;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function concat(parts: readonly Uint8Array[], extra = 0): Uint8Array {
  let n = extra;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export class NotificationReassembler {
  readonly stats: ReassemblyStats = emptyReassemblyStats();
  private pieces: Piece[] = [];
  private runBytes = 0;
  /** the current run passed the cap: its bytes go on as they come */
  private passing = false;
  private previous: Uint8Array | undefined;
  private readonly recent: Recent[] = [];

  /** `deliver` receives runs with their 0x00, in order; the bytes are the receiver's to keep. */
  constructor(private readonly deliver: (bytes: Uint8Array) => void) {}

  /** One notification's value, in arrival order. */
  push(notification: Uint8Array): void {
    this.stats.notifications++;
    const repeat = this.previous !== undefined && sameBytes(this.previous, notification);
    this.previous = notification;
    let start = 0;
    let firstDelimiter = true;
    for (;;) {
      const zero = notification.indexOf(0, start);
      const end = zero === -1 ? notification.length : zero;
      if (end > start) this.append({ bytes: notification.subarray(start, end), whole: start === 0 && zero === -1 });
      if (zero === -1) return;
      this.finishRun(repeat && firstDelimiter);
      firstDelimiter = false;
      start = zero + 1;
    }
  }

  /** Forgets a partial run (the link closed or reconnected). */
  reset(): void {
    this.pieces = [];
    this.runBytes = 0;
    this.passing = false;
    this.previous = undefined;
  }

  private append(piece: Piece): void {
    if (this.passing) {
      this.deliver(piece.bytes.slice());
      return;
    }
    if (this.runBytes + piece.bytes.length > RUN_CAP) {
      this.passing = true;
      this.stats.oversizeRuns++;
      this.deliver(concat([...this.pieces.map((p) => p.bytes), piece.bytes]));
      this.pieces = [];
      this.runBytes = 0;
      return;
    }
    this.pieces.push(piece);
    this.runBytes += piece.bytes.length;
  }

  /** A delimiter arrived; `joinOfRepeat`: it is the first one of a notification equal to the one before. */
  private finishRun(joinOfRepeat: boolean): void {
    const pieces = this.pieces;
    const passing = this.passing;
    this.pieces = [];
    this.runBytes = 0;
    this.passing = false;
    if (passing) {
      this.deliver(Uint8Array.of(0));
      return;
    }
    if (pieces.length === 0) {
      // An empty run is dropped, as the session would; right after a repeat it is the join of a
      // duplicated delimiter with the one before.
      if (joinOfRepeat) this.stats.duplicateJoins++;
      return;
    }
    const run = concat(pieces.map((p) => p.bytes));
    const header = this.check(run);
    if (header !== undefined) {
      this.deliverFrame(header, run);
      return;
    }
    if (joinOfRepeat) {
      // The run is the first copy's tail joined to the second copy's head.
      this.stats.duplicateJoins++;
      return;
    }
    const { repaired, repeats } = this.repair(pieces);
    if (repaired !== undefined) {
      this.stats.repairedFrames++;
      this.stats.removedNotifications += repaired.removed;
      this.deliverFrame(repaired.header, repaired.run);
      return;
    }
    this.stats.brokenRuns++;
    this.stats.repeatsInBrokenRuns += repeats;
    this.deliver(concat([run], 1));
  }

  /** The header when the run is a frame whose CRC and length hold, else undefined. */
  private check(run: Uint8Array): FrameHeader | undefined {
    try {
      return decodeRun(run, { maxFrame: LARGEST_RAW_FRAME }).header;
    } catch (e) {
      if (e instanceof ProtocolError) return undefined;
      throw e;
    }
  }

  private deliverFrame(header: FrameHeader, run: Uint8Array): void {
    if (header.id !== 0) {
      const twin = this.recent.find(
        (r) => r.header.kind === header.kind && r.header.id === header.id && r.header.type === header.type && sameBytes(r.run, run),
      );
      if (twin !== undefined) {
        this.stats.duplicateFrames++;
        return;
      }
    }
    this.recent.push({ header, run });
    if (this.recent.length > RECENT_FRAMES) this.recent.shift();
    this.stats.frames++;
    this.deliver(concat([run], 1));
  }

  /**
   * Takes duplicated notifications out of a run that failed its checks: runs of equal whole
   * notifications are the only candidates; fewest removals first, the first that checks wins.
   * `repeats` counts the candidates, repaired or not.
   */
  private repair(pieces: readonly Piece[]): { repaired?: { header: FrameHeader; run: Uint8Array; removed: number }; repeats: number } {
    // Groups of consecutive equal whole notifications: [first piece index, count].
    const groups: Array<[number, number]> = [];
    for (let i = 0; i < pieces.length; ) {
      let j = i + 1;
      if (pieces[i]!.whole) while (j < pieces.length && pieces[j]!.whole && sameBytes(pieces[j]!.bytes, pieces[i]!.bytes)) j++;
      if (j - i >= 2) groups.push([i, j - i]);
      i = j;
    }
    const repeats = groups.reduce((n, [, count]) => n + count - 1, 0);
    if (groups.length === 0) return { repeats };
    let tries = 0;
    const removals = new Array<number>(groups.length).fill(0);
    const attempt = (): { header: FrameHeader; run: Uint8Array } | undefined => {
      const kept: Uint8Array[] = [];
      let g = 0;
      for (let i = 0; i < pieces.length; i++) {
        while (g < groups.length && groups[g]![0] + groups[g]![1] <= i) g++;
        const group = groups[g];
        // Drop the last `removals[g]` copies of the group (the copies are equal, so which does not matter).
        if (group !== undefined && i >= group[0] + group[1] - removals[g]! && i < group[0] + group[1]) continue;
        kept.push(pieces[i]!.bytes);
      }
      const run = concat(kept);
      const header = this.check(run);
      return header === undefined ? undefined : { header, run };
    };
    // Every way of taking `left` copies out of groups g.., at most count - 1 from each group.
    const search = (g: number, left: number): { header: FrameHeader; run: Uint8Array } | undefined => {
      if (left === 0) {
        tries++;
        return attempt();
      }
      if (g >= groups.length || tries >= MAX_REPAIR_TRIES) return undefined;
      const most = Math.min(left, groups[g]![1] - 1);
      for (let take = most; take >= 0; take--) {
        removals[g] = take;
        const found = search(g + 1, left - take);
        if (found !== undefined) return found;
        if (tries >= MAX_REPAIR_TRIES) break;
      }
      removals[g] = 0;
      return undefined;
    };
    for (let total = 1; total <= MAX_REMOVALS; total++) {
      const found = search(0, total);
      if (found !== undefined) return { repaired: { ...found, removed: total }, repeats };
      if (tries >= MAX_REPAIR_TRIES) break;
    }
    return { repeats };
  }
}
