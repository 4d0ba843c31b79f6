// npm run bench:link -- --transport ble [--json]: boards over BLE through node-ble and the BlueZ
// stand-in (a private dbus-daemon; emulated boards paced by the BLE link model), at the two
// settings of host/link/ble-model.ts, with 1% of notifications duplicated and 0.1% lost:
//   1. round trips of 16-byte pings, each sent at a random phase of the connection interval
//      (as requests of a run arrive; back-to-back pings lock to the event grid, also reported)
//   2. board to host: goodput of tensor.get answers (notifications) with the pipe kept full,
//      every byte checked against what was put
//   3. host to board: goodput of tensor.put chunks (write commands), a slot filled per round
// against the model's one-way limit, payload per packet x packets per event / interval.
// Requests whose answer a lost notification broke are retried (pings, gets) or confirmed by a
// later answer or the slot being complete (puts); frames_lost counts those never answered.

import { summarizeRtt } from '../../host/board/rtt.js';
import { BoardSession } from '../../host/board/session.js';
import { startBlueZStandin, type BlueZStandin } from '../../host/bluez-standin/standin.js';
import { BleLink } from '../../host/link/ble-link.js';
import {
  BLE_SETTINGS,
  describeBle,
  roundTripMs,
  throughputBytesPerSecond,
  type BleLinkParams,
  type BleSettingName,
} from '../../host/link/ble-model.js';
import { TENSOR_GET, TENSOR_PUT } from '../../host/proto/index.js';
import { json, log } from './bench-args.js';
import { SteadyRate } from './steady-rate.js';

const DUPLICATE_RATE = 0.01;
const LOSS_RATE = 0.001;
const RETRIES = 5;
const TARGET_RATIO = 0.85;

interface Plan {
  rttPings: number;
  backToBackPings: number;
  /** tensor.get chunk and tensor.put chunk, bytes */
  chunk: number;
  /** bytes of the slot tensor.get reads (put first, unmeasured) */
  source: number;
  /** requests kept in flight: enough to cover the link's bandwidth-delay product (at the fast
   *  setting a 4 KiB put waits behind the others' packets, then for its answer's event: six in
   *  flight left the air idle a fifth of the time) */
  depth: number;
  getSeconds: number;
  /** bytes per put round (a slot filled) and rounds */
  putRound: number;
  putRounds: number;
}

const PLANS: Record<BleSettingName, Plan> = {
  fast: { rttPings: 300, backToBackPings: 100, chunk: 4096, source: 64 * 1024, depth: 12, getSeconds: 5, putRound: 256 * 1024, putRounds: 3 },
  slow: { rttPings: 60, backToBackPings: 30, chunk: 1024, source: 8 * 1024, depth: 3, getSeconds: 8, putRound: 12 * 1024, putRounds: 2 },
};

interface Accounting {
  /** requests sent again after their answer timed out or came broken */
  retries: number;
  /** puts whose answer was lost but whose bytes a later answer showed arrived */
  confirmedLater: number;
  framesLost: number;
}

const standins: BlueZStandin[] = [];
const sessions: BoardSession[] = [];

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * A request's deadline: what is in flight ahead of it at the model's rate, twice, and some
 * events, but at least 2 s (the session's default base), so a busy machine does not time out
 * answers that are merely late.
 */
function deadlineMs(p: BleLinkParams, bytesAhead: number): number {
  return Math.max(2000, Math.ceil((2 * 1000 * bytesAhead) / throughputBytesPerSecond(p) + 6 * p.intervalMs + 250));
}

/** `attempt` until it resolves, at most RETRIES more times; a request never answered is a lost frame. */
async function retrying<T>(acc: Accounting, attempt: () => Promise<T>): Promise<T | undefined> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (e) {
      if (i >= RETRIES) {
        acc.framesLost++;
        log(`  a request failed ${RETRIES + 1} times: ${(e as Error).message}`);
        return undefined;
      }
      acc.retries++;
    }
  }
}

async function measure(name: BleSettingName) {
  const params = BLE_SETTINGS[name];
  const plan = PLANS[name];
  const standin = await startBlueZStandin({
    boards: [{ id: `bench-ble-${name}` }],
    link: params,
    faults: { duplicateRate: DUPLICATE_RATE, lossRate: LOSS_RATE, seed: name === 'fast' ? 1 : 2 },
  });
  standins.push(standin);
  const address = standin.boards[0]!.address;
  const link = await BleLink.open(address, { busAddress: standin.busAddress });
  const session = await BoardSession.open(link, { helloAttempts: 4 });
  sessions.push(session);
  const acc: Accounting = { retries: 0, confirmedLater: 0, framesLost: 0 };
  const limit = throughputBytesPerSecond(params);

  // 1. Round trips.
  const pingMs = deadlineMs(params, 64);
  const rtts: number[] = [];
  for (let i = 0; i < plan.rttPings; i++) {
    await sleep(Math.random() * params.intervalMs);
    const r = await retrying(acc, () => session.ping(16, { timeoutMs: pingMs }));
    if (r) rtts.push(r.rttMs);
  }
  const backToBack: number[] = [];
  for (let i = 0; i < plan.backToBackPings; i++) {
    const r = await retrying(acc, () => session.ping(16, { timeoutMs: pingMs }));
    if (r) backToBack.push(r.rttMs);
  }

  // 2. Board to host: tensor.get of a slot filled with known bytes.
  const source = new Uint8Array(plan.source).map((_, i) => (i * 131 + (i >> 8)) & 0xff);
  for (let at = 0; at < source.length; at += plan.chunk) {
    const data = source.subarray(at, at + plan.chunk);
    await retrying(acc, () => session.request(TENSOR_PUT, { slot: 0, offset: at, total: source.length, data }, { timeoutMs: deadlineMs(params, plan.chunk * 2) }));
  }
  const getMs = deadlineMs(params, plan.depth * (plan.chunk + 64));
  const gets = new SteadyRate();
  let mismatches = 0;
  let next = 0;
  const end = performance.now() + plan.getSeconds * 1000;
  const getLane = async (): Promise<void> => {
    while (performance.now() < end) {
      const offset = (next++ * plan.chunk) % source.length;
      const answer = await retrying(acc, () =>
        session.request(TENSOR_GET, { slot: 0, offset, max: plan.chunk }, { timeoutMs: getMs, expectBytes: plan.chunk + 64 }),
      );
      if (answer === undefined) continue;
      if (Buffer.compare(Buffer.from(answer.data), Buffer.from(source.subarray(offset, offset + plan.chunk))) !== 0) mismatches++;
      gets.add(answer.data.length);
    }
  };
  await Promise.all(Array.from({ length: plan.depth }, getLane));
  const notifyGoodput = gets.perSecond;

  // 3. Host to board: rounds of tensor.put filling slot 1; a put whose answer was lost is
  // confirmed by a later put's answer or by the slot being complete at the end of the round.
  const putMs = deadlineMs(params, plan.depth * (plan.chunk + 64));
  const payload = new Uint8Array(plan.chunk).map((_, i) => (i * 7 + 3) & 0xff);
  let putStart = 0;
  let putBytes = 0;
  for (let round = 0; round < plan.putRounds; round++) {
    let offset = 0;
    const unconfirmed: number[] = [];
    let highestAcked = -1;
    const size = (at: number): number => Math.min(plan.chunk, plan.putRound - at);
    const putLane = async (): Promise<void> => {
      while (offset < plan.putRound) {
        const at = offset;
        offset += plan.chunk;
        const data = payload.subarray(0, size(at));
        try {
          await session.request(TENSOR_PUT, { slot: 1, offset: at, total: plan.putRound, data }, { timeoutMs: putMs });
          highestAcked = Math.max(highestAcked, at);
          if (putStart === 0) putStart = performance.now();
          else putBytes += data.length;
        } catch {
          unconfirmed.push(at);
        }
      }
    };
    await Promise.all(Array.from({ length: plan.depth }, putLane));
    let confirmed = unconfirmed.filter((at) => at < highestAcked);
    const late = unconfirmed.filter((at) => at > highestAcked);
    if (late.length > 0) {
      // The last puts' answers were lost: the slot is complete exactly when every put arrived.
      const done = await retrying(acc, () => session.request(TENSOR_GET, { slot: 1, offset: plan.putRound - 1, max: 1 }, { timeoutMs: pingMs }));
      if (done === undefined) acc.framesLost += late.length;
      else confirmed = unconfirmed;
    }
    acc.confirmedLater += confirmed.length;
    for (const at of confirmed) putBytes += size(at);
  }
  const writeGoodput = putBytes / ((performance.now() - putStart) / 1000);

  const air = standin.airStats(address)!;
  const stats = link.stats;
  const host = session.hostStats;
  await session.close();
  await standin.stop();
  return {
    name,
    params,
    limit,
    rtt: summarizeRtt(rtts),
    backToBack: summarizeRtt(backToBack),
    modelRttMs: roundTripMs(params, 30, 30),
    notifyGoodput,
    writeGoodput,
    mismatches,
    acc,
    air,
    stats,
    host,
  };
}

export async function benchBleLink(): Promise<void> {
  log('link benchmark over BLE: node-ble -> BlueZ stand-in (private dbus-daemon) -> emulated boards, paced by the BLE link model');
  log(`faults injected on notifications: ${DUPLICATE_RATE * 100}% duplicated, ${LOSS_RATE * 100}% lost`);
  const results = [];
  try {
    for (const name of ['fast', 'slow'] as const) {
      log(`${name}: ${describeBle(BLE_SETTINGS[name])}`);
      results.push(await measure(name));
    }
  } finally {
    await Promise.allSettled(sessions.map((s) => s.close()));
    await Promise.allSettled(standins.map((s) => s.stop()));
  }
  const f = (v: number, d = 3): string => v.toFixed(d);
  const rows: Array<[string, string, string]> = [];
  let framesLost = 0;
  let mismatches = 0;
  const figures: Record<string, number> = {};
  for (const r of results) {
    const notifyRatio = r.notifyGoodput / r.limit;
    const writeRatio = r.writeGoodput / r.limit;
    const ratio = Math.min(notifyRatio, writeRatio);
    framesLost += r.acc.framesLost;
    mismatches += r.mismatches;
    rows.push(
      [`${r.name}: ping RTT p50 / p99 (random phase, ${r.rtt.count})`, `${f(r.rtt.p50Ms, 2)} / ${f(r.rtt.p99Ms, 2)} ms`, `model ${f(r.modelRttMs, 2)} ms`],
      [`${r.name}: ping RTT p50, back to back`, `${f(r.backToBack.p50Ms, 2)} ms`, ''],
      [`${r.name}: board->host goodput (tensor.get)`, `${f(r.notifyGoodput, 0)} B/s`, `limit ${f(r.limit, 0)} B/s`],
      [`${r.name}:   as a share of the limit`, f(notifyRatio), `>= ${TARGET_RATIO}`],
      [`${r.name}: host->board goodput (tensor.put)`, `${f(r.writeGoodput, 0)} B/s`, `limit ${f(r.limit, 0)} B/s`],
      [`${r.name}:   as a share of the limit`, f(writeRatio), `>= ${TARGET_RATIO}`],
      [
        `${r.name}: notifications duplicated / lost`,
        `${r.air.duplicated} / ${r.air.lost} of ${r.air.notifications}`,
        `taken out ${r.stats.removedNotifications + r.stats.duplicateJoins + r.stats.duplicateFrames}, in broken runs ${r.stats.repeatsInBrokenRuns}; broken runs ${r.stats.brokenRuns}`,
      ],
      [`${r.name}: runs the session refused (CRC, framing) / answers unmatched`, `${r.host.crcErrors + r.host.framingErrors} / ${r.host.unmatched}`, 'one per loss at most / 0'],
      [`${r.name}: requests retried / confirmed later / frames lost`, `${r.acc.retries} / ${r.acc.confirmedLater} / ${r.acc.framesLost}`, 'lost 0'],
    );
    figures[`ble_goodput_ratio_${r.name}`] = Number(f(ratio, 4));
    figures[`ble_goodput_ratio_${r.name}_notify`] = Number(f(notifyRatio, 4));
    figures[`ble_goodput_ratio_${r.name}_write`] = Number(f(writeRatio, 4));
    figures[`ble_goodput_bytes_per_s_${r.name}_notify`] = Math.round(r.notifyGoodput);
    figures[`ble_goodput_bytes_per_s_${r.name}_write`] = Math.round(r.writeGoodput);
    figures[`ble_limit_bytes_per_s_${r.name}`] = Math.round(r.limit);
    figures[`ble_rtt_p50_ms_${r.name}`] = Number(f(r.rtt.p50Ms, 3));
    figures[`ble_rtt_p99_ms_${r.name}`] = Number(f(r.rtt.p99Ms, 3));
    figures[`ble_rtt_p50_ms_${r.name}_back_to_back`] = Number(f(r.backToBack.p50Ms, 3));
    figures[`ble_rtt_model_ms_${r.name}`] = Number(f(r.modelRttMs, 3));
    figures[`ble_notifications_${r.name}`] = r.air.notifications;
    figures[`ble_duplicated_${r.name}`] = r.air.duplicated;
    figures[`ble_lost_${r.name}`] = r.air.lost;
    figures[`ble_retries_${r.name}`] = r.acc.retries;
    figures[`ble_duplicates_taken_out_${r.name}`] = r.stats.removedNotifications + r.stats.duplicateJoins + r.stats.duplicateFrames;
    figures[`ble_unmatched_answers_${r.name}`] = r.host.unmatched;
    figures[`ble_confirmed_later_${r.name}`] = r.acc.confirmedLater;
  }
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  log(`${'metric'.padEnd(w0)}  ${'measured'.padEnd(w1)}  target`);
  for (const [a, b, c] of rows) log(`${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`.trimEnd());
  if (mismatches > 0) log(`ERROR: ${mismatches} tensor.get answers differed from the bytes put`);
  const ok =
    (figures['ble_goodput_ratio_fast'] ?? 0) >= TARGET_RATIO && (figures['ble_goodput_ratio_slow'] ?? 0) >= TARGET_RATIO && framesLost === 0 && mismatches === 0;
  log(ok ? 'targets met' : 'TARGETS NOT MET');
  if (json) {
    process.stdout.write(
      JSON.stringify({
        ...figures,
        frames_lost: framesLost,
        data_mismatches: mismatches,
        duplicate_rate: DUPLICATE_RATE,
        loss_rate: LOSS_RATE,
        targets_met: ok,
      }) + '\n',
    );
  }
}
