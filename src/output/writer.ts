/**
 * A buffered writer over a file descriptor. Text arrives as latin1 strings (one char per
 * byte). Output order is exactly the order of calls (p0f interleaves stdout and stderr
 * line by line; callers flush one before writing the other).
 *
 * Why two stages: the formatters hand over concatenated (rope) strings; copying each one
 * into bytes on its own means one native call and one flattening per line, which costs
 * more than formatting it. Small writes are therefore joined into one pending string
 * first (a cheap rope append) and copied into the byte buffer some 16 KB at a time; the
 * byte buffer is written with writeSync when full. No per-write allocation survives.
 */
import { writeSync } from 'node:fs';

const SIZE = 256 * 1024;
/** Pending text is moved into the byte buffer once it is this long. */
const BATCH = 16 * 1024;

/** Buffer's own latin1 encoder (what buf.write(s, off, 'latin1') ends up calling). */
type Latin1Buffer = Buffer & { latin1Write(s: string, off: number, len: number): number };

export class FdWriter {
  readonly fd: number;
  private readonly buf = Buffer.allocUnsafe(SIZE) as Latin1Buffer;
  private len = 0;
  private pending = '';

  constructor(fd: number) {
    this.fd = fd;
  }

  write(s: string): void {
    const p = this.pending + s;
    if (p.length < BATCH) {
      this.pending = p;
      return;
    }
    this.pending = '';
    this.put(p);
  }

  flush(): void {
    if (this.pending.length) {
      const p = this.pending;
      this.pending = '';
      this.put(p);
    }
    if (!this.len) return;
    writeAll(this.fd, this.buf.subarray(0, this.len));
    this.len = 0;
  }

  /** Copy text into the byte buffer (writing the buffer out first if it would not fit). */
  private put(s: string): void {
    if (this.len + s.length > SIZE) {
      if (this.len) {
        writeAll(this.fd, this.buf.subarray(0, this.len));
        this.len = 0;
      }
      if (s.length > SIZE) {
        writeAll(this.fd, Buffer.from(s, 'latin1'));
        return;
      }
    }
    this.len += this.buf.latin1Write(s, this.len, SIZE - this.len);
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
