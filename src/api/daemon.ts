/**
 * An API daemon as a library object: a Sensor (the package's one start-up path) fed with
 * capture files on demand, its API socket answering from the host table meanwhile.
 *
 * p0f itself refuses -s with -r ("API mode looks down on ofline captures."), and the
 * command does too. A program (or a test) can still replay captures into a running daemon
 * with feed(): frames are handed over with the event loop free between chunks, so API
 * queries are answered while a capture is being processed, as during a live capture.
 */
import { createReadStream } from 'node:fs';
import { readCaptureStream } from '../capture/read.ts';
import { type CapturedPacket, Sensor } from '../control/sensor.ts';
import type { Database } from '../db/types.ts';
import type { Engine } from '../engine/engine.ts';
import type { TrackerLimits } from '../state/tracker.ts';
import type { ApiServer } from './server.ts';

export interface ApiDaemonOptions {
  /** API socket path (-s). */
  path: string;
  /** Simultaneous clients (-S, default 20). */
  maxConn?: number;
  /** A loaded database; otherwise `fpFile` (or the packaged p0f.fp) is read. */
  db?: Database;
  fpFile?: string;
  /** Host and flow table limits (-m, -t). */
  limits?: Partial<TrackerLimits>;
  /** Filter rule applied to everything fed (tcpdump syntax, wrapped as p0f wraps it). */
  filterRule?: string;
  /** p0f's warnings (engine and API), without the "[!] WARNING: " prefix. */
  onWarning?: (msg: string) => void;
}

export interface FeedResult {
  /** Frames of this file that passed p0f's filter and reached the engine. */
  packets: number;
  /** libpcap's words when the file ended early, else null. */
  truncated: string | null;
}

/** An endless packet source that feed() pushes into (the Sensor pulls from it). */
class PacketQueue implements AsyncIterable<CapturedPacket> {
  private items: CapturedPacket[] = [];
  private wake: (() => void) | null = null;
  private closed = false;
  /** Resolves when the sensor has taken everything pushed so far. */
  private drained: (() => void)[] = [];

  push(p: CapturedPacket): void {
    this.items.push(p);
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  whenDrained(): Promise<void> {
    if (!this.items.length) return Promise.resolve();
    return new Promise((r) => this.drained.push(r));
  }

  async *[Symbol.asyncIterator](): AsyncIterator<CapturedPacket> {
    for (;;) {
      const p = this.items.shift();
      if (p) {
        yield p;
        continue;
      }
      for (const r of this.drained.splice(0)) r();
      if (this.closed) return;
      await new Promise<void>((r) => { this.wake = r; });
      this.wake = null;
    }
  }
}

export class ApiDaemon {
  readonly sensor: Sensor;
  private readonly queue: PacketQueue;

  private constructor(sensor: Sensor, queue: PacketQueue) {
    this.sensor = sensor;
    this.queue = queue;
  }

  /** The engine whose host table the socket answers from. */
  get engine(): Engine {
    return this.sensor.engine!;
  }

  get server(): ApiServer {
    return this.sensor.apiServer!;
  }

  /** Build the sensor and open the socket (p0f's open_api checks and messages). */
  static async start(opts: ApiDaemonOptions): Promise<ApiDaemon> {
    const queue = new PacketQueue();
    const sensor = new Sensor({
      packets: queue,
      apiSock: opts.path,
      apiMaxConn: opts.maxConn,
      db: opts.db,
      fpFile: opts.fpFile,
      filterRule: opts.filterRule,
      maxConn: opts.limits?.maxConn,
      maxHosts: opts.limits?.maxHosts,
      connMaxAge: opts.limits?.connMaxAge,
      hostIdleLimit: opts.limits?.hostIdleLimit,
    }, { warning: opts.onWarning });
    await sensor.start();
    return new ApiDaemon(sensor, queue);
  }

  /**
   * Process a capture file (pcap or pcapng) through p0f's filter while the server keeps
   * answering. Resolves when every frame of the file has been processed.
   */
  async feed(file: string): Promise<FeedResult> {
    const before = this.engine.packetCount;
    const r = await readCaptureStream(createReadStream(file, { highWaterMark: 1 << 20 }),
      (linktype, tsSec, tsUsec, buf, off, caplen, wirelen) => {
        this.queue.push({ linktype, tsSec, tsUsec, data: buf.slice(off, off + caplen), wirelen });
      });
    await this.queue.whenDrained();
    return { packets: this.engine.packetCount - before, truncated: r.error };
  }

  /** Close the socket (removing its file) and drop the clients. */
  async close(): Promise<void> {
    this.queue.close();
    await this.sensor.stop();
  }
}
