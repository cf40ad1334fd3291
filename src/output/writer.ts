/**
 * A buffered writer over a file descriptor. Text arrives as latin1 strings (one char per
 * byte) and is copied straight into one reusable byte buffer, which is written with
 * writeSync when full: no joins, no per-write allocations. Output order is exactly the
 * order of calls (p0f interleaves stdout and stderr line by line; callers flush one
 * before writing the other).
 */
import { writeSync } from 'node:fs';

const SIZE = 256 * 1024;

export class FdWriter {
  readonly fd: number;
  private readonly buf = Buffer.allocUnsafe(SIZE);
  private len = 0;

  constructor(fd: number) {
    this.fd = fd;
  }

  write(s: string): void {
    if (this.len + s.length > SIZE) {
      this.flush();
      if (s.length > SIZE) {
        writeAll(this.fd, Buffer.from(s, 'latin1'));
        return;
      }
    }
    this.len += this.buf.write(s, this.len, 'latin1');
  }

  flush(): void {
    if (!this.len) return;
    writeAll(this.fd, this.buf.subarray(0, this.len));
    this.len = 0;
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
