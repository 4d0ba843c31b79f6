#!/usr/bin/env node
// The `synergy` command. The TypeScript is built to dist/ by `npx tsc -p tsconfig.json`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/host/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('synergy: the host is not built (dist/host/cli/main.js missing): run npx tsc -p tsconfig.json or make build\n');
  process.exit(1);
}
await import(main.href);
