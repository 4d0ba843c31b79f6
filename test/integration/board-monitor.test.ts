// The board monitor (runtime/boards.ts) on real emulated boards: a board that hangs (its process
// stopped, its link open, nothing answered) is suspect once an answer is overdue by the cost
// model and lost when it stays silent, whether a request of the run or the monitor's own
// heartbeat was pending, and whether the host knows its process or not (a real board); a live
// idle board is never taken for a hung one.

import { afterAll, describe, expect, it } from 'vitest';
import { BoardMonitor } from '../../host/runtime/boards.js';
import { processActivityMs, processStopped } from '../../host/runtime/host-cpu.js';
import { startBoard, stopAll, type Rig } from './helpers.js';

afterAll(stopAll);

const monitors: BoardMonitor[] = [];
afterAll(async () => {
  await Promise.allSettled(monitors.map((m) => m.stop()));
});

/** A monitor of one board; `knowsProcess`: the run started its emulator (as for an emulated desk). */
function watch(rig: Rig, device: string, knowsProcess: boolean): { monitor: BoardMonitor; events: string[]; lost: Promise<{ reason: string; at: number; lastHeard: number }> } {
  const monitor = new BoardMonitor([device], null, (d) => (knowsProcess && d === device ? rig.emulator : undefined));
  monitors.push(monitor);
  monitor.add(device, rig.session);
  const events: string[] = [];
  monitor.on('suspect', (d) => events.push(`suspect ${d}`));
  const lost = new Promise<{ reason: string; at: number; lastHeard: number }>((resolve) => {
    monitor.on('lost', (d, reason, at, lastHeard) => {
      events.push(`lost ${d}`);
      resolve({ reason, at, lastHeard });
    });
  });
  monitor.start();
  return { monitor, events, lost };
}

describe('a hung board', () => {
  it('with a request pending: suspect, then lost, "its emulator is stopped"', async () => {
    const rig = await startBoard({ id: 'it-hang-busy', baud: 921600 });
    const { events, lost } = watch(rig, 'board', true);
    await rig.session.ping(16);
    const stoppedAt = performance.now();
    rig.emulator.process.kill('SIGSTOP');
    const pending = rig.session.ping(1000).catch((e: Error) => e);
    const l = await lost;
    expect(l.reason).toMatch(/^no answer: ping request id \d+ was due \d+ ms ago by the cost model, and nothing was heard for \d+ ms, and its emulator is stopped/);
    expect(l.lastHeard).toBeLessThanOrEqual(stoppedAt);
    expect(events).toEqual(['suspect board', 'lost board']);
    expect(await pending).toBeInstanceOf(Error); // the lost board's session is closed: what was pending fails
    rig.emulator.process.kill('SIGCONT');
  });

  it('idle: the heartbeat ping is due and not answered, lost', async () => {
    const rig = await startBoard({ id: 'it-hang-idle', baud: 921600 });
    const { lost } = watch(rig, 'board', true);
    rig.emulator.process.kill('SIGSTOP');
    expect((await lost).reason).toMatch(/^no answer: ping request id \d+ was due .*its emulator is stopped/);
    rig.emulator.process.kill('SIGCONT');
  });

  it('whose process the host does not know (a real board): lost by its deadlines and silence alone', async () => {
    const rig = await startBoard({ id: 'it-hang-real', baud: 921600 });
    const { lost } = watch(rig, 'board', false);
    rig.emulator.process.kill('SIGSTOP');
    const pending = rig.session.ping(100).catch((e: Error) => e);
    const l = await lost;
    expect(l.reason).toMatch(/^no answer: ping request id \d+ was due \d+ ms ago by the cost model, and nothing was heard for \d+ ms \(host stalls not counted\)$/);
    expect(await pending).toBeInstanceOf(Error);
    rig.emulator.process.kill('SIGCONT');
  }, 30_000); // on a loaded machine it is given more time (boards.ts loadDelayMs)
});

describe('a live board', () => {
  it('idle and answering its heartbeats is never lost nor suspect', async () => {
    const rig = await startBoard({ id: 'it-live', baud: 921600 });
    const { events } = watch(rig, 'board', true);
    await new Promise((r) => setTimeout(r, 2000));
    for (let i = 0; i < 20; i++) await rig.session.ping(2000);
    await new Promise((r) => setTimeout(r, 500));
    expect(events).toEqual([]);
  }, 30_000);
});

describe('the join poll', () => {
  it('asks the finder only for boards that are absent, never for a present one', async () => {
    const rig = await startBoard({ id: 'it-present' });
    const asked: string[] = [];
    const monitor = new BoardMonitor(['here', 'away'], async (d) => {
      asked.push(d);
      return undefined;
    });
    monitors.push(monitor);
    monitor.add('here', rig.session);
    monitor.start();
    await new Promise((r) => setTimeout(r, 1300)); // two polls at least (JOIN_POLL_MS)
    expect(asked.length).toBeGreaterThanOrEqual(2);
    expect(new Set(asked)).toEqual(new Set(['away']));
  });
});

describe('a board whose process is reported, not seen (a board an agent runs)', () => {
  it('is judged by the reported activity: stopped, it is lost as "its emulator is stopped"', async () => {
    const rig = await startBoard({ id: 'it-reported', baud: 921600 });
    const pid = rig.emulator.pid;
    // What an agent reports through the link; the host gets no pid it could read itself.
    const reported = { pid: -1, exited: new Promise<never>(() => undefined), activityMs: () => processActivityMs(pid), stopped: () => processStopped(pid) };
    const monitor = new BoardMonitor(['board'], null, (d) => (d === 'board' ? reported : undefined));
    monitors.push(monitor);
    monitor.add('board', rig.session);
    const lost = new Promise<string>((resolve) => monitor.on('lost', (_d, reason) => resolve(reason)));
    monitor.start();
    await rig.session.ping(16);
    rig.emulator.process.kill('SIGSTOP');
    const pending = rig.session.ping(1000).catch((e: Error) => e);
    expect(await lost).toMatch(/^no answer: ping request id \d+ was due .*, and its emulator is stopped/);
    expect(await pending).toBeInstanceOf(Error);
    rig.emulator.process.kill('SIGCONT');
  });
});
