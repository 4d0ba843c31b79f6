import { defineConfig } from 'vitest/config';

// The QEMU boards' files (test/**/qemu*.test.ts) run after the rest, one file at a time: a QEMU
// board takes much of a core, and the runtime tests measure against the host's clock.
const QEMU_FILES = 'test/**/qemu*.test.ts';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Two cores on CI: integration tests start real emulator processes; keep the load sane.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'main', include: ['test/**/*.test.ts'], exclude: [QEMU_FILES], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'qemu', include: [QEMU_FILES], fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
