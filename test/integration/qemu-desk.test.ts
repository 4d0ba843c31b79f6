// A QEMU board stands in for any emulated desk device: a desk file's devices started as QEMU
// boards get the same options as synergy-emu would (id, chip, sensor streams with golden or
// cycled frames, outputs, memo, link rate), and their hello says so; the desk handed to the
// runtime has the links the boards keep up with.

import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getTensor } from '../../host/board/tensors.js';
import { QEMU_LINK_BAUD, qemuBaud } from '../../host/link/qemu.js';
import { repoRoot } from '../../host/repo-root.js';
import { SENSE } from '../../host/proto/index.js';
import { goldenInput, startDeskEmulators, type DeskEmulators } from '../../host/runtime/desk-emulators.js';
import { readApp } from '../../host/space/app-spec.js';
import { readDesk } from '../../host/space/desk-spec.js';
import { openSession, stopAll } from './helpers.js';

const fixtures = join(repoRoot(), 'test/fixtures/runtime');
let emus: DeskEmulators | undefined;

afterAll(async () => {
  await stopAll();
  await emus?.stop();
});

describe('a desk file on QEMU boards', () => {
  it('each device\'s QEMU board reports the device\'s sensors, outputs and link; golden frames play through semihosting', async () => {
    const desk = readDesk(join(fixtures, 'desk-three.yaml'));
    if ('discovered' in desk) throw new Error('fixture desks list their devices');
    const app = readApp(join(fixtures, 'app-digits-keywords.yaml'));
    emus = await startDeskEmulators(desk, app, { kind: 'qemu' });
    expect([...emus.boards.keys()].sort()).toEqual(['cam', 'ear', 'watch']);
    for (const d of emus.desk.devices) expect(d.link).toEqual({ kind: 'emulated', rateBps: qemuBaud(921_600) });
    for (const device of desk.devices) {
      const session = await openSession(emus.boards.get(device.name)!.path);
      const h = session.hello;
      expect(h.boardId).toBe(device.name);
      expect(h.outputs).toEqual([...device.outputs]);
      expect(h.linkBaud).toBe(QEMU_LINK_BAUD);
      const streams = emus.streams.filter((s) => s.device === device.name);
      expect(h.sensors.map((s) => [s.kind, s.shape])).toEqual(streams.map((s) => [s.kind, [...s.shape]]));
      for (const s of streams.filter((x) => x.golden)) {
        const model = app.pipelines.find((p) => p.name === s.pipeline)!.model;
        const sensed = await session.request(SENSE, { sensor: s.index, slot: 3 });
        expect(sensed.frame).toBeGreaterThanOrEqual(0);
        expect(Buffer.from(await getTensor(session, 3)).equals(Buffer.from(goldenInput(model)!.bytes))).toBe(true);
      }
    }
    expect(emus.streams.some((s) => s.golden)).toBe(true);
  });
});
