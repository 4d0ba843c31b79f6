// The host's cost in a window: CPU per frame and per message from two snapshots, and when the
// host is the bottleneck (busy, or waiting for a core) and when it is not.

import { describe, expect, it } from 'vitest';
import { hostCost, HOST_SATURATED, HOST_WAITING, type HostWork } from '../../host/runtime/host-cost.js';

const at = (ms: number, cpuMs: number, activityMs: number | null, frames: number, messages: number): HostWork =>
  ({ at: ms, cpuMs, activityMs, frames, messages, wireBytes: 0 });

describe('host cost of a window', () => {
  it('divides the CPU by the frames and the messages, and is not bound with room to spare', () => {
    const c = hostCost(at(0, 100, 0, 10, 70), at(1000, 400, 350, 510, 3570));
    expect(c.cpuUsPerFrame).toBeCloseTo(600);
    expect(c.cpuUsPerMessage).toBeCloseTo(300_000 / 3500);
    expect(c.messagesPerFrame).toBeCloseTo(7);
    expect(c.coreFraction).toBeCloseTo(0.3);
    expect(c.runnableFraction).toBeCloseTo(0.35);
    expect(c.framesPerSec).toBeCloseTo(500);
    expect(c.framesPerSecPerCore).toBeCloseTo(1e6 / 600);
    expect(c.bound).toBeNull();
  });

  it('is bound when the host used nearly a core, and says how much', () => {
    const c = hostCost(at(0, 0, 0, 0, 0), at(1000, 1000 * HOST_SATURATED + 10, 1000, 1000, 7000));
    expect(c.bound).toMatch(/event loop ran 8\d% of the time \(\d+ µs of CPU per frame\)/);
  });

  it('is bound when the host waited for a core a fifth of the window or more, not when it waited less', () => {
    const waited = hostCost(at(0, 0, 0, 0, 0), at(1000, 300, 300 + 1000 * HOST_WAITING + 10, 300, 2100));
    expect(waited.bound).toMatch(/waited for a core/);
    const barely = hostCost(at(0, 0, 0, 0, 0), at(1000, 300, 300 + 1000 * HOST_WAITING - 10, 300, 2100));
    expect(barely.bound).toBeNull();
  });

  it('gives no per-frame figure without frames, and no runnable share where the system does not say', () => {
    const c = hostCost(at(0, 0, null, 5, 0), at(1000, 50, null, 5, 0));
    expect(c.cpuUsPerFrame).toBeNull();
    expect(c.cpuUsPerMessage).toBeNull();
    expect(c.runnableFraction).toBeNull();
    expect(c.bound).toBeNull();
  });
});
