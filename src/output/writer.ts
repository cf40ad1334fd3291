/**
 * A buffered writer over a file descriptor. Text is gathered as latin1 strings and
 * written in large chunks with writeSync, so output order is exactly the order of calls
 * (p0f interleaves stdout and stderr line by line; callers flush one before the other).
 */
import { writeSync } from 'node:fs';

const FLUSH_AT = 64 * 1024;

export class FdWriter {
  readonly fd: number;
  private parts: string[] = [];
  private size = 0;

  constructor(fd: number) {
    this.fd = fd;
  }

  write(s: string): void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= FLUSH_AT) this.flush();
  }

  flush(): void {
    if (!this.size) return;
    const buf = Buffer.from(this.parts.length === 1 ? this.parts[0]! : this.parts.join(''), 'latin1');
    this.parts = [];
    this.size = 0;
    writeAll(this.fd, buf);
  }
}

/** writeSync until done, riding out EAGAIN on non-blocking pipes. */
export function writeAll(fd: number, buf: Uint8Array): void {
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off, buf.length - off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
        continue;
      }
      throw e;
    }
  }
}
