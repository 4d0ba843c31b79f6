// Max-min admission (fair-gate.ts): a pipeline runs at most `lead` frames ahead of the one
// furthest behind, where "behind" is what it started, capped at what it finished plus its hold,
// and a pipeline whose board may hang is not waited for;
// and the transfer lane that passes a link's turn on once a turn's chunks are sent.

import { describe, expect, it } from 'vitest';
import { FairGate, holdFor } from '../../host/runtime/fair-gate.js';
import { TransferLane } from '../../host/runtime/semaphore.js';

/** Starts admissions of `p` until one blocks; returns how many got through and the blocked one. */
async function admitUntilBlocked(gate: FairGate, p: string, max = 50): Promise<{ admitted: number; blocked: Promise<void> }> {
  for (let n = 0; n < max; n++) {
    let through = false;
    const a = gate.admit(p).then(() => {
      through = true;
    });
    await new Promise((r) => setImmediate(r));
    if (!through) return { admitted: n, blocked: a };
  }
  throw new Error(`${p} was never held back`);
}

const settled = async (p: Promise<void>): Promise<boolean> => {
  let done = false;
  void p.then(() => {
    done = true;
  });
  await new Promise((r) => setImmediate(r));
  return done;
};

describe('the max-min admission gate', () => {
  it('holds a pipeline `lead` starts ahead of the slowest, in units of its weight', async () => {
    const gate = new FairGate(new Map([['fast', { weight: 2, hold: 100 }], ['slow', { weight: 1, hold: 100 }]]), 3);
    // slow has started nothing: fast (weight 2) may start 2 x 3 frames.
    const first = await admitUntilBlocked(gate, 'fast');
    expect(first.admitted).toBe(6);
    await gate.admit('slow');
    // slow at 1: fast may stand at 1 + 3 = 4 units, 8 frames.
    expect(await settled(first.blocked)).toBe(true);
    const more = await admitUntilBlocked(gate, 'fast');
    expect(more.admitted).toBe(1);
  });

  it('counts a pipeline as behind once it holds its hold unfinished', async () => {
    const gate = new FairGate(new Map([['quick', { weight: 1, hold: 100 }], ['deep', { weight: 1, hold: 2 }]]), 1);
    const deep = await admitUntilBlocked(gate, 'deep');
    expect(deep.admitted).toBe(1);
    await gate.admit('quick'); // quick at 1 lets deep's 2nd start
    expect(await settled(deep.blocked)).toBe(true);
    // deep stands at min(2 started, 0 finished + hold 2) = 2: quick may start up to 3.
    const quick = await admitUntilBlocked(gate, 'quick');
    expect(quick.admitted).toBe(2);
    // Started, deep would be ahead; it stays at 2 (none finished), and itself stops at hold + lead.
    const deep2 = await admitUntilBlocked(gate, 'deep');
    expect(deep2.admitted).toBe(1);
    expect(await settled(quick.blocked)).toBe(false);
    gate.finished('deep'); // deep stands at 3: both move on
    expect(await settled(quick.blocked)).toBe(true);
    expect(await settled(deep2.blocked)).toBe(true);
  });

  it('lets the others go when the slowest is released or the gate closes', async () => {
    const gate = new FairGate(new Map([['a', { weight: 1, hold: 2 }], ['b', { weight: 1, hold: 2 }]]), 1);
    const a = await admitUntilBlocked(gate, 'a');
    expect(a.admitted).toBe(1);
    gate.release('b');
    expect(await settled(a.blocked)).toBe(true);
    const again = await admitUntilBlocked(gate, 'a');
    expect(again.admitted).toBe(1); // a alone: hold 2 + lead 1 in flight
    gate.close();
    expect(await settled(again.blocked)).toBe(true);
  });

  it('stops waiting for a suspended pipeline (a board that may hang), and resumes it level with the others', async () => {
    const gate = new FairGate(new Map([['a', { weight: 1, hold: 100 }], ['b', { weight: 1, hold: 100 }]]), 2);
    const held = await admitUntilBlocked(gate, 'a');
    expect(held.admitted).toBe(2);
    gate.suspend('b'); // b's board is silent with an answer overdue
    expect(await settled(held.blocked)).toBe(true);
    const free = await admitUntilBlocked(gate, 'a', 20).catch(() => null);
    expect(free, 'a runs on while b is suspended').toBeNull();
    // b answers again: it rejoins level with a (20 or so frames ahead), not 20 frames behind
    // (which would hold a until b caught up): a may go on, `lead` ahead of b again.
    gate.resume('b');
    await gate.admit('b');
    const again = await admitUntilBlocked(gate, 'a');
    expect(again.admitted).toBeGreaterThanOrEqual(1);
    expect(again.admitted).toBeLessThanOrEqual(3);
  });

  it('sizes a hold by Little\'s law with margin: rate x (1.5 x mean route latency + 0.5 s), at least 2', () => {
    // UNet on the heavy mix: 1.29 frames/s over routes of 3 and 9.4 s.
    expect(holdFor(1.29, [{ share: 0.8, latencyS: 3 }, { share: 0.2, latencyS: 9.4 }])).toBe(Math.ceil(1.29 * (1.5 * (0.8 * 3 + 0.2 * 9.4) + 0.5)));
    expect(holdFor(5, [{ share: 1, latencyS: 0.002 }])).toBe(3);
    expect(holdFor(0.1, [{ share: 1, latencyS: 0.5 }])).toBe(2);
    // A fast pipeline's hold is mostly the slack: never a handful of frames.
    expect(holdFor(560, [{ share: 1, latencyS: 0.003 }])).toBeGreaterThan(280);
  });
});

describe('the transfer lane', () => {
  it('bounds the chunks in flight by its window and closes both its parts', async () => {
    const lane = new TransferLane(2);
    await lane.window.acquire();
    await lane.window.acquire();
    const third = lane.window.acquire();
    expect(await settled(third.catch(() => undefined))).toBe(false);
    lane.window.release();
    await third;
    await lane.turns.acquire(1);
    const next = lane.turns.acquire(1);
    lane.close(new Error('board x lost'));
    await expect(next).rejects.toThrow('board x lost');
    await expect(lane.window.acquire()).rejects.toThrow('board x lost');
  });
});
