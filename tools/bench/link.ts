// npm run bench:link [-- --json]: the host <-> board link, measured against freshly started
// emulated boards over real pseudo-terminals through serialport.
//   1. unpaced: ping round trip p50/p99 (small payload, one at a time)
//   2. unpaced: frames per second with max_in_flight pings pipelined
//   3. paced at --baud 921600: goodput of 4 KiB ping payloads with the pipe kept full,
//      against the wire limit of 92,160 B/s (10 bits per byte)
// Prints a table; with --json it ends with one JSON line of the numbers.
// With --transport ble: boards over BLE instead (tools/bench/link-ble.ts).

import { BoardSession } from '../../host/board/session.js';
import { summarizeRtt } from '../../host/board/rtt.js';
import { startEmulator, type EmulatedBoard } from '../../host/link/emulator.js';
import { SerialLink } from '../../host/link/serial.js';
import { json, log, opt, runBench } from './bench-args.js';
import { benchBleLink } from './link-ble.js';

const RTT_PINGS = 2000;
const RTT_PAYLOAD = 16;
const PIPELINE_SECONDS = 2;
const PACED_BAUD = 921600;
const PACED_PAYLOAD = 4096;
const PACED_SECONDS = 5;

const started: EmulatedBoard[] = [];
const sessions: BoardSession[] = [];

async function board(baud?: number): Promise<BoardSession> {
  const emu = await startEmulator(baud !== undefined ? { id: `bench-${baud}`, baud } : { id: 'bench-unpaced' });
  started.push(emu);
  const session = await BoardSession.open(await SerialLink.open(emu.path));
  sessions.push(session);
  return session;
}

/** Keeps `depth` pings of `payload` bytes outstanding for `seconds`; counts completions. */
async function pipeline(session: BoardSession, payload: number, seconds: number, depth: number) {
  const bytes = new Uint8Array(payload).map((_, i) => (i * 31 + 7) & 0xff);
  let firstAt = 0;
  let lastAt = 0;
  let completed = 0;
  let afterFirst = 0;
  let bytesInAtFirst = 0;
  let bytesInAtLast = 0;
  const end = performance.now() + seconds * 1000;
  const lane = async (): Promise<void> => {
    while (performance.now() < end) {
      await session.ping(bytes);
      const now = performance.now();
      if (completed === 0) {
        firstAt = now;
        bytesInAtFirst = session.hostStats.bytesIn;
      } else afterFirst++;
      completed++;
      lastAt = now;
      bytesInAtLast = session.hostStats.bytesIn;
    }
  };
  await Promise.all(Array.from({ length: depth }, lane));
  // Steady state: from the first answer (the pipe is full) to the last.
  const spanS = (lastAt - firstAt) / 1000;
  return {
    completed,
    perSecond: afterFirst / spanS,
    payloadBytesPerSecond: (afterFirst * payload) / spanS,
    /** every byte the board sent, framing included: what its pacing limits */
    wireBytesPerSecond: (bytesInAtLast - bytesInAtFirst) / spanS,
  };
}

async function main(): Promise<void> {
  log('link benchmark: emulated boards over pseudo-terminals, serialport, BoardSession');

  const unpaced = await board();
  for (let i = 0; i < 200; i++) await unpaced.ping(RTT_PAYLOAD); // warm-up
  const rtts: number[] = [];
  for (let i = 0; i < RTT_PINGS; i++) rtts.push((await unpaced.ping(RTT_PAYLOAD)).rttMs);
  const rtt = summarizeRtt(rtts);
  const depth = unpaced.hello.maxInFlight;
  const pipe = await pipeline(unpaced, RTT_PAYLOAD, PIPELINE_SECONDS, depth);

  const paced = await board(PACED_BAUD);
  if (paced.hello.linkBaud !== PACED_BAUD) {
    throw new Error(`the paced board reports link_baud ${paced.hello.linkBaud}, not ${PACED_BAUD}`);
  }
  const wireLimit = PACED_BAUD / 10;
  const goodput = await pipeline(paced, PACED_PAYLOAD, PACED_SECONDS, paced.hello.maxInFlight);
  const ratio = goodput.payloadBytesPerSecond / wireLimit;
  const wireRatio = goodput.wireBytesPerSecond / wireLimit;

  const f = (v: number, d = 3): string => v.toFixed(d);
  const rows: Array<[string, string, string]> = [
    [`unpaced ping RTT p50 (${RTT_PAYLOAD} B, ${RTT_PINGS} pings)`, `${f(rtt.p50Ms)} ms`, '<= 1 ms'],
    ['unpaced ping RTT p99', `${f(rtt.p99Ms)} ms`, ''],
    ['unpaced ping RTT min / max', `${f(rtt.minMs)} / ${f(rtt.maxMs)} ms`, ''],
    [`unpaced frames/s, ${depth} in flight (per direction)`, f(pipe.perSecond, 0), ''],
    [`paced ${PACED_BAUD} baud: goodput of ${PACED_PAYLOAD} B pings`, `${f(goodput.payloadBytesPerSecond, 0)} B/s`, ''],
    ['  ... as a share of the wire limit 92,160 B/s', f(ratio), '>= 0.95'],
    ['  all bytes from the board (framing included), share', f(wireRatio), '~1 (pacing; +-1% timing noise)'],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  log(`${'metric'.padEnd(w0)}  ${'measured'.padEnd(w1)}  target`);
  for (const [a, b, c] of rows) log(`${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`.trimEnd());
  const ok = rtt.p50Ms <= 1 && ratio >= 0.95;
  log(ok ? 'targets met' : 'TARGETS NOT MET');
  if (wireRatio > 1.01) {
    log(`note: the board sent ${f(wireRatio)} of what ${PACED_BAUD} baud allows: its pacing is looser than the wire it models`);
  }

  if (json) {
    process.stdout.write(
      JSON.stringify({
        rtt_p50_ms: Number(f(rtt.p50Ms, 4)),
        rtt_p99_ms: Number(f(rtt.p99Ms, 4)),
        rtt_min_ms: Number(f(rtt.minMs, 4)),
        rtt_max_ms: Number(f(rtt.maxMs, 4)),
        rtt_pings: RTT_PINGS,
        rtt_payload_bytes: RTT_PAYLOAD,
        frames_per_s: Math.round(pipe.perSecond),
        max_in_flight: depth,
        goodput_bytes_per_s_921600: Math.round(goodput.payloadBytesPerSecond),
        goodput_ratio_921600: Number(f(ratio, 4)),
        wire_ratio_921600: Number(f(wireRatio, 4)),
        goodput_payload_bytes: PACED_PAYLOAD,
        targets_met: ok,
      }) + '\n',
    );
  }
}

const transport = opt('transport') ?? 'serial';
await runBench('link', { sessions, boards: started }, async () => {
  if (transport === 'ble') await benchBleLink();
  else if (transport === 'serial') await main();
  else throw new Error(`--transport ${transport}: not serial or ble`);
});
