/**
 * Live capture over the native addon. libpcap fills one Buffer with a batch of records
 * and JavaScript walks it, handing each frame to a synchronous sink as a view (buffer,
 * offset, length): no per-packet allocation and no per-packet call across the addon
 * boundary. Waiting for packets happens on Node's own loop, so everything else the
 * process does (API socket, log flushing, timers) keeps running between batches.
 */
import { P0fFatalError } from '../errors.ts';
import { type NativeCapture, requireAddon } from './addon.ts';
import type { PacketSink } from './types.ts';

/** The file readers' sink, so the engine takes frames from either source. */
export type FrameSink = PacketSink;

/** p0f's SNAPLEN. */
export const SNAPLEN = 65535;

/** Size of a record header in the batch buffer: tsSec, tsUsec, caplen, wirelen (u32 each). */
const REC_HDR = 16;

/** The capture itself failed (libpcap read error, or the interface went away). */
export class CaptureError extends Error {
  override readonly name = 'CaptureError';
}

export interface LiveCaptureOptions {
  /** Interface name; 'any' captures on all of them (DLT_LINUX_SLL). */
  iface: string;
  promisc?: boolean;
  snaplen?: number;
  /**
   * libpcap's read timeout. p0f uses 5 ms and polls the descriptor; with TPACKET_V3 it is
   * also how long the kernel holds a partly filled block before handing it over.
   */
  timeoutMs?: number;
  /** Kernel ring size in bytes (pcap_set_buffer_size); libpcap's default is 2 MiB. */
  bufferSize?: number;
  /** Deliver each packet as soon as it arrives (pcap_set_immediate_mode). */
  immediate?: boolean;
  /** Size of the batch buffer shared with the addon. */
  batchBytes?: number;
  /** Cap on records per batch (0: only the buffer size limits it). */
  maxPackets?: number;
}

export interface CaptureStats {
  /** ps_recv: packets that passed the filter (Linux counts them before the ring). */
  recv: number;
  /** ps_drop: dropped because the ring was full. */
  drop: number;
  /** ps_ifdrop: dropped by the interface/driver. */
  ifdrop: number;
}

/** Default kernel ring: larger than libpcap's 2 MiB so bursts at 200k packets/s fit. */
export const DEFAULT_RING_BYTES = 32 * 1024 * 1024;
const DEFAULT_BATCH_BYTES = 2 * 1024 * 1024;

export class LiveCapture {
  readonly iface: string;
  readonly linktype: number;
  readonly snaplen: number;
  /** libpcap's activation warning, if any (e.g. promiscuous mode not supported). */
  readonly warning: string | undefined;

  private handle: NativeCapture | null;
  private readonly buf: Buffer;
  private readonly words: Uint32Array;
  private readonly maxPackets: number;
  private sink: FrameSink | null = null;
  private onError: ((err: Error) => void) | null = null;
  private onBatch: ((count: number) => void) | null = null;
  private finalStats: CaptureStats | null = null;

  private constructor(iface: string, handle: NativeCapture, opts: LiveCaptureOptions, snaplen: number) {
    this.iface = iface;
    this.handle = handle;
    this.snaplen = snaplen;
    this.linktype = handle.datalink();
    this.warning = handle.warning;
    // A fresh ArrayBuffer (offset 0) so the record headers can be read as aligned u32s.
    const size = Math.max(opts.batchBytes ?? DEFAULT_BATCH_BYTES, REC_HDR + snaplen + 4);
    this.buf = Buffer.allocUnsafeSlow(size);
    this.words = new Uint32Array(this.buf.buffer, this.buf.byteOffset, this.buf.length >>> 2);
    this.maxPackets = opts.maxPackets ?? 0;
  }

  /**
   * Opens the interface as p0f's prepare_pcap does (pcap_open_live semantics). A failure
   * is p0f's FATAL "pcap_open_live: <libpcap's text>".
   */
  static open(opts: LiveCaptureOptions): LiveCapture {
    const addon = requireAddon('Live capture');
    const snaplen = opts.snaplen ?? SNAPLEN;
    let h: NativeCapture;
    try {
      h = addon.openLive(opts.iface, snaplen, opts.promisc ?? false, opts.timeoutMs ?? 5,
        opts.bufferSize ?? DEFAULT_RING_BYTES, opts.immediate ?? false);
    } catch (e) {
      throw new P0fFatalError(`pcap_open_live: ${(e as Error).message}`, 'prepare_pcap(), p0f.c:526');
    }
    return new LiveCapture(opts.iface, h, opts, snaplen);
  }

  get closed(): boolean {
    return this.handle === null;
  }

  private live(): NativeCapture {
    if (!this.handle) throw new Error('capture is closed');
    return this.handle;
  }

  /**
   * Compiles `rule` for this handle (optimised, netmask 0, as p0f does) and installs it.
   * Returns null on success or libpcap's compile error text; a failure to install a
   * compiled program is p0f's FATAL.
   */
  setFilter(rule: string): string | null {
    const r = this.live().setFilter(rule, 1, 0);
    if (r === null) return null;
    if (r.stage === 'setfilter') {
      throw new P0fFatalError("pcap_setfilter() didn't work, strange.", 'prepare_bpf(), p0f.c:600');
    }
    return r.error;
  }

  /**
   * Starts delivering frames to `sink` from Node's event loop. `onError` is called once if
   * the capture fails (a CaptureError) or the sink or onBatch threw (that error); the
   * capture is then stopped.
   * `onBatch` runs after each batch (a good moment to flush buffered output).
   */
  start(sink: FrameSink, onError: (err: Error) => void, onBatch?: (count: number) => void): void {
    const h = this.live();
    this.sink = sink;
    this.onError = onError;
    this.onBatch = onBatch ?? null;
    h.start(this.buf, this.maxPackets, (count, error) => this.batch(count, error));
  }

  /** Stops waiting for packets (the handle stays open; start() may be called again). */
  stop(): void {
    this.handle?.stop();
    this.sink = null;
  }

  /** Keep (or stop keeping) the process alive while the capture is waiting. */
  ref(): void { this.handle?.ref(); }
  unref(): void { this.handle?.unref(); }

  /**
   * Reads whatever is ready without waiting (non-blocking), feeding `sink`. Returns the
   * number of frames. For tests and for callers running their own loop.
   */
  readAvailable(sink: FrameSink): number {
    const h = this.live();
    h.setNonblock(true);
    let total = 0;
    for (;;) {
      const n = h.readBatch(this.buf, this.maxPackets);
      if (n <= 0) return total;
      this.walk(n, sink);
      total += n;
    }
  }

  /** libpcap's counters since the capture was opened (kept after close()). */
  stats(): CaptureStats | null {
    if (!this.handle) return this.finalStats;
    const s = this.handle.stats();
    return s ? { recv: s[0], drop: s[1], ifdrop: s[2] } : null;
  }

  /** The selectable descriptor (for callers that poll it themselves). */
  fd(): number {
    return this.live().fd();
  }

  /** Stops and closes the handle. Safe to call twice, and from inside the sink. */
  close(): void {
    const h = this.handle;
    if (!h) return;
    this.finalStats = this.stats();
    this.handle = null;
    this.sink = null;
    h.close();
  }

  private batch(count: number, error?: string): void {
    if (count < 0) {
      this.fail(new CaptureError(error ?? 'capture error'));
      return;
    }
    const sink = this.sink;
    if (!sink) return;
    try {
      this.walk(count, sink);
      this.onBatch?.(count);
    } catch (e) {
      this.fail(e as Error);
    }
  }

  private fail(err: Error): void {
    const cb = this.onError;
    this.stop();
    this.onError = null;
    cb?.(err);
  }

  /** Hands `n` records of the batch buffer to the sink, in capture order. */
  private walk(n: number, sink: FrameSink): void {
    const w = this.words;
    const buf = this.buf;
    const lt = this.linktype;
    let off = 0;
    for (let i = 0; i < n; i++) {
      const k = off >>> 2;
      const caplen = w[k + 2]!;
      sink(lt, w[k]!, w[k + 1]!, buf, off + REC_HDR, caplen, w[k + 3]!);
      off += (REC_HDR + caplen + 3) & ~3;
      // A sink may close the capture (a stop request); the rest of the batch is dropped.
      if (this.handle === null) return;
    }
  }
}
