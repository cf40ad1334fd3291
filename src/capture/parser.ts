/**
 * A push-style reader for capture files (classic pcap and pcapng), with libpcap's
 * behaviour: `push(chunk)` as bytes arrive, `end()` when they stop.
 *
 * Packets are handed to a synchronous sink as views into the chunk being pushed; only a
 * record that straddles two chunks is copied (into a carry buffer reused across records).
 * Errors that make `pcap_open_offline()` fail are thrown as p0f's fatal error; errors met
 * later stop the reading and are reported by `end()`, as p0f stops silently there.
 */
import { u32 } from './bytes.ts';
import { isPcapMagic, PcapReader } from './pcap.ts';
import { BT_SHB, PcapngReader } from './pcapng.ts';
import { type FormatReader, openError, type ReaderHost } from './reader-base.ts';
import type { CaptureEnd, CaptureInfo, CaptureParserOptions, PacketSink } from './types.ts';

const MIN_CARRY = 64 * 1024;

export class CaptureParser implements ReaderHost {
  readonly sink: PacketSink;
  /** Set once the file header has been read. */
  info: CaptureInfo | null = null;
  /** Packets delivered so far. */
  packets = 0;

  private readonly onOpen: ((info: CaptureInfo) => void) | undefined;
  private readonly multi: boolean;
  private reader: FormatReader | null = null;
  private carry = new Uint8Array(MIN_CARRY);
  private carryLen = 0;
  private stopped = false;
  private ended = false;
  private error: string | null = null;
  private truncated = false;

  constructor(sink: PacketSink, opts: CaptureParserOptions = {}) {
    this.onOpen = opts.onOpen;
    this.multi = opts.multipleLinktypes ?? false;
    const user = sink;
    // Count deliveries without asking every format reader to.
    this.sink = (lt, sec, usec, buf, off, caplen, wirelen) => {
      this.packets++;
      user(lt, sec, usec, buf, off, caplen, wirelen);
    };
  }

  /** Reading has stopped at an error (see `end()`); further pushes are ignored. */
  get done(): boolean {
    return this.stopped;
  }

  /** Feed the next bytes of the file. Throws p0f's fatal error if the file cannot be opened. */
  push(chunk: Uint8Array): void {
    if (this.stopped || this.ended) return;
    const end = chunk.length;
    let off = 0;
    if (this.carryLen > 0) {
      for (;;) {
        const want = this.need() - this.carryLen;
        if (want > 0) {
          const take = want < end - off ? want : end - off;
          this.ensureCarry(this.carryLen + take);
          this.carry.set(chunk.subarray(off, off + take), this.carryLen);
          this.carryLen += take;
          off += take;
          if (this.carryLen < this.need()) return;
        }
        const used = this.step(this.carry, 0, this.carryLen);
        if (this.stopped) {
          this.carryLen = 0;
          return;
        }
        if (used === this.carryLen) {
          this.carryLen = 0;
          break;
        }
        if (used > 0) {
          this.carry.copyWithin(0, used, this.carryLen);
          this.carryLen -= used;
        }
      }
    }
    off = this.step(chunk, off, end);
    if (this.stopped) return;
    if (off < end) {
      this.ensureCarry(end - off);
      this.carry.set(chunk.subarray(off, end), 0);
      this.carryLen = end - off;
    }
  }

  /**
   * No more data. Throws p0f's fatal error when the file ended before libpcap could open
   * it; otherwise says how reading ended.
   */
  end(): CaptureEnd {
    if (!this.ended) {
      this.ended = true;
      if (!this.stopped) {
        if (this.reader === null) {
          // pcap_fopen_offline(): could not read the 4-byte magic number.
          throw openError(`truncated dump file; tried to read 4 file header bytes, only got ${this.carryLen}`);
        }
        this.reader.eof(this.carry, 0, this.carryLen);
        this.carryLen = 0;
      }
    }
    return { packets: this.packets, error: this.error, truncated: this.truncated };
  }

  /** Give up reading with an I/O error (e.g. a failed read(2)), in libpcap's words. */
  abort(message: string): void {
    if (this.stopped || this.ended) return;
    if (this.info === null) throw openError(message);
    this.fail(message, false);
  }

  // ReaderHost
  opened(info: CaptureInfo): void {
    this.info = info;
    this.onOpen?.(info);
  }

  fail(message: string, truncated: boolean): void {
    this.stopped = true;
    this.error = message;
    this.truncated = truncated;
  }

  private need(): number {
    return this.reader === null ? 4 : this.reader.need;
  }

  /** Let the readers consume what they can of buf[off, end); returns the new offset. */
  private step(buf: Uint8Array, off: number, end: number): number {
    if (this.reader === null) {
      if (end - off < 4) return off;
      const magic = u32(buf, off, false);
      if (isPcapMagic(magic)) this.reader = new PcapReader(this);
      else if (magic === BT_SHB) this.reader = new PcapngReader(this, this.multi);
      else throw openError('unknown file format');
    }
    return this.reader.run(buf, off, end);
  }

  private ensureCarry(n: number): void {
    if (this.carry.length >= n) return;
    let size = this.carry.length * 2;
    while (size < n) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(this.carry.subarray(0, this.carryLen));
    this.carry = bigger;
  }
}
