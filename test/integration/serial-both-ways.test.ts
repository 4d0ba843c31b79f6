// A serial link busy in both directions at once: the host's write is blocked by a full port
// buffer (the board is not reading) while the board sends. The host must still read, or the
// two wait on each other for ever (serialport's poller drops the read's wait when a write
// blocks, unless guardPoller in host/link/serial.ts keeps it).
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { SerialLink } from '../../host/link/serial.js';

// The far end, on a real pseudo-terminal: announces the port, then sends a greeting while it
// reads nothing for a second, then reads everything and reports how many bytes it got.
const FAR_END = String.raw`
import os, pty, sys, time, tty, select
master, slave = pty.openpty()
tty.setraw(slave)
print(os.ttyname(slave), flush=True)
sys.stdin.readline()          # the host has opened the port and started its big write
time.sleep(0.3)
os.write(master, b"hello from the board\n")
time.sleep(1.0)
got = 0
want = int(sys.argv[1])
deadline = time.time() + 10
while got < want and time.time() < deadline:
    r, _, _ = select.select([master], [], [], 0.5)
    if r:
        got += len(os.read(master, 65536))
os.write(master, ("got %d\n" % got).encode())
time.sleep(0.5)
`;

let far: ChildProcess | null = null;
afterEach(() => {
  far?.kill();
  far = null;
});

describe('serial link, both directions busy', () => {
  it('reads what the board sends while a write waits for room', async () => {
    const size = 256 * 1024;
    far = spawn('python3', ['-c', FAR_END, String(size)], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: far.stdout! });
    const path = await new Promise<string>((resolve) => lines.once('line', resolve));
    const link = await SerialLink.open(path, { lock: false });
    let text = '';
    const seen = (needle: string, ms: number): Promise<boolean> =>
      new Promise((resolve) => {
        const t0 = Date.now();
        const check = (): void => {
          if (text.includes(needle)) resolve(true);
          else if (Date.now() - t0 > ms) resolve(false);
          else setTimeout(check, 20);
        };
        check();
      });
    link.on('data', (chunk: Uint8Array) => (text += Buffer.from(chunk).toString('latin1')));
    try {
      // Far more than the pseudo-terminal holds: the write blocks until the far end reads.
      const payload = new Uint8Array(size).fill(0x55);
      let written = false;
      const write = link.write(payload).then(() => (written = true));
      write.catch(() => undefined); // a failing test closes the link under it
      far.stdin!.write('go\n');
      // The greeting arrives while the write is still blocked.
      expect(await seen('hello from the board', 1200)).toBe(true);
      expect(written).toBe(false);
      await write;
      expect(await seen(`got ${size}`, 10_000)).toBe(true);
    } finally {
      await link.close();
    }
  }, 20_000);
});
