/**
 * An API daemon as a library object: an engine with its host table and an ApiServer
 * answering from it, in this process.
 *
 * p0f itself refuses -s with -r ("API mode looks down on ofline captures."), and the
 * command does too. A program (or a test) can still replay a capture into a running
 * daemon with feed(): frames are read in chunks with the event loop free between them, so
 * API queries are answered while the capture is being processed, as they are during a
 * live capture.
 */
import { locateDatabase } from '../db/locate.ts';
import { readDatabase } from '../db/readfp.ts';
import type { Database } from '../db/types.ts';
import { Engine } from '../engine/engine.ts';
import { readOffline } from '../engine/offline.ts';
import type { TrackerLimits } from '../state/tracker.ts';
import { API_MAX_CONN, ApiServer, type ApiServerOptions } from './server.ts';

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
  /** p0f's warnings (engine and API), without the "[!] WARNING: " prefix. */
  onWarning?: (msg: string) => void;
  /** Extra ApiServer tuning. */
  server?: Partial<Pick<ApiServerOptions, 'maxWaiting' | 'yieldAfterMs' | 'maxQueuedBytes' | 'warningsPerSecond'>>;
}

export interface FeedResult {
  /** Frames that passed the filter and reached the engine. */
  packets: number;
  /** libpcap's words when the file ended early, else null. */
  truncated: string | null;
}

export class ApiDaemon {
  readonly engine: Engine;
  readonly server: ApiServer;

  private constructor(engine: Engine, server: ApiServer) {
    this.engine = engine;
    this.server = server;
  }

  /** Build the engine, open the socket (p0f's open_api checks and messages). */
  static async start(opts: ApiDaemonOptions): Promise<ApiDaemon> {
    const db = opts.db ?? readDatabase(locateDatabase(opts.fpFile));
    const warn = opts.onWarning ?? (() => {});
    const engine = new Engine({ db, offline: false, onWarning: warn, limits: opts.limits });
    const server = new ApiServer({
      ...opts.server,
      path: opts.path,
      maxConn: opts.maxConn ?? API_MAX_CONN,
      lookupHost: (v, a) => engine.lookupHost(v, a),
      db,
      onWarning: warn,
    });
    await server.listen();
    return new ApiDaemon(engine, server);
  }

  /**
   * Process a capture file (pcap or pcapng) through p0f's filter (default, or `filterRule`)
   * while the server keeps answering. Resolves when the file is done.
   */
  async feed(file: string, opts: { filterRule?: string | null } = {}): Promise<FeedResult> {
    const engine = this.engine;
    const r = await readOffline(file, {
      filterRule: opts.filterRule ?? null,
      onOpen: () => {},
      onFilter: () => {},
      onFrame: (lt, sec, usec, buf, off, caplen, wirelen) => engine.processFrame(lt, sec, usec, buf, off, caplen, wirelen),
      yieldEvery: true,
    });
    return { packets: r.packets, truncated: r.error };
  }

  /** Close the socket (removing its file) and drop the clients. */
  close(): Promise<void> {
    return this.server.close();
  }
}
