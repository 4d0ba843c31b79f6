// A ByteLink over a child process's stdin and stdout: the emulated board with --stdio, for
// machines or containers without pseudo-terminals. The session neither knows nor cares.

import type { ChildProcess } from 'node:child_process';
import { ByteLinkBase, type ByteLink } from './byte-link.js';

export class ChildStdioLink extends ByteLinkBase implements ByteLink {
  readonly description: string;
  private closing = false;

  constructor(private readonly child: ChildProcess) {
    super();
    if (!child.stdin || !child.stdout) throw new Error('child process needs piped stdin and stdout for a stdio link');
    this.description = `stdio of pid ${child.pid}`;
    child.stdout.on('data', (chunk: Buffer) => this.emit('data', chunk));
    child.stdout.once('close', () =>
      this.reportClose(this.closing ? { reason: 'closed by the host', disconnected: false } : { reason: `${this.description} ended`, disconnected: true }),
    );
    child.stdin.on('error', (err: Error) => this.reportClose({ reason: `${this.description}: ${err.message}`, disconnected: true, error: err }));
  }

  get isOpen(): boolean {
    return this.closeInfo === undefined && this.child.stdin?.writable === true;
  }

  write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.isOpen) {
        reject(new Error(`${this.description} is closed`));
        return;
      }
      this.child.stdin!.write(bytes, (err) => (err ? reject(new Error(`write to ${this.description} failed: ${err.message}`)) : resolve()));
    });
  }

  /** Ends the child's stdin; the board sees end of input. The process is its owner's to stop. */
  close(): Promise<void> {
    if (this.closeInfo !== undefined) return Promise.resolve();
    this.closing = true;
    this.child.stdin?.end();
    this.child.stdout?.destroy();
    this.reportClose({ reason: 'closed by the host', disconnected: false });
    return Promise.resolve();
  }
}
