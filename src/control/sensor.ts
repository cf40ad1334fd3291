/**
 * The sensor: p0f's start-up sequence and main loop as a library object.
 *
 * This is the one configuration path of the package: the `p0f` command, the p0fmod port
 * and the in-process middleware all build a `Sensor` from a `P0fSettings`. Start-up runs
 * p0f's steps in p0f's order (validate, load the database, open the capture, install the
 * filter, open the log, open the API socket, drop privileges), reporting p0f's status lines
 * through `hooks.status`; observations are emitted as they are made.
 */
import { EventEmitter } from 'node:events';
import { accessSync, closeSync, constants as fsc } from 'node:fs';
import { isIP } from 'node:net';
import { ApiServer } from '../api/server.ts';
import { requireAddon } from '../capture/addon.ts';
import { CaptureError, DEFAULT_RING_BYTES, LiveCapture, type LiveCaptureOptions } from '../capture/live.ts';
import { locateDatabase } from '../db/locate.ts';
import { readDatabase } from '../db/readfp.ts';
import type { Database } from '../db/types.ts';
import { Engine } from '../engine/engine.ts';
import { filterCompiler, readOffline } from '../engine/offline.ts';
import { bpfFilter, type BpfProgram } from '../capture/bpf.ts';
import { chooseP0fRule, compileFilterWithTcpdump, prepareP0fFilter } from '../capture/filter.ts';
import { P0fFatalError, strerror } from '../errors.ts';
import type { Observation } from '../observation.ts';
import { openLogFile } from '../output/log-file.ts';
import { formatLogLine } from '../output/log.ts';
import { FdWriter } from '../output/writer.ts';
import type { HostData } from '../state/types.ts';
import { installLogLock, logLockWarning } from '../output/log-lock.ts';
import { dropPrivs } from './privs.ts';
import { DEFAULTS, type P0fSettings } from './settings.ts';
import { checkCombination, checkOfflineCapture, checkRanges } from './validate.ts';

export interface SensorHooks {
  /** p0f's status lines ("[+] ...", "[!] Consider ..."), each ending in a newline. */
  status?: (line: string) => void;
  /** p0f's warnings, without the "[!] WARNING: " prefix. */
  warning?: (msg: string) => void;
  /** Diagnostic text p0f prints on stderr before a fatal error (e.g. "[-] pcap_compile: ..."). */
  error?: (text: string) => void;
  /** Called after privileges are dropped, right before the main loop (daemon detach). */
  beforeLoop?: () => void;
  /** Live capture: called after each batch of packets (the CLI flushes its console then). */
  afterBatch?: () => void;
  /** Live capture tuning (tests, benchmarks). */
  capture?: Partial<Omit<LiveCaptureOptions, 'iface' | 'promisc'>>;
}

/** One captured frame, for feeding a sensor from any source (`SensorOptions.packets`). */
export interface CapturedPacket {
  /** DLT_ link type of `data` (1 = Ethernet, 12 = raw IP, 113 = Linux SLL, ...). */
  linktype: number;
  /** Capture time: unix seconds and microseconds. */
  tsSec: number;
  tsUsec: number;
  /** The frame's captured bytes. */
  data: Uint8Array;
  /** Length on the wire (default: data.length). */
  wirelen?: number;
}

export interface SensorOptions extends P0fSettings {
  /**
   * Packets from any source (instead of -r / -i): an iterable or async iterable of frames.
   * They go through p0f's filter for their link type, like a capture file's.
   */
  packets?: Iterable<CapturedPacket> | AsyncIterable<CapturedPacket>;
  /** A database already loaded (skips -f / the packaged file). */
  db?: Database;
  /** File reading: yield to the event loop between chunks (default true; the CLI reads flat out). */
  cooperative?: boolean;
}

export interface SensorResult {
  /** Packets that passed the filter and reached the engine (p0f's "Processed N packets"). */
  packets: number;
  /** The capture file ended early: libpcap's words for why, else null. */
  truncated: string | null;
  /** Stopped by stop() (p0f's "User-initiated shutdown"). */
  stopped: boolean;
}

export declare interface Sensor {
  on(event: 'observation', fn: (obs: Observation) => void): this;
  on(event: 'warning', fn: (msg: string) => void): this;
  on(event: 'end', fn: (r: SensorResult) => void): this;
  on(event: 'error', fn: (e: Error) => void): this;
}

export class Sensor extends EventEmitter {
  readonly settings: Readonly<SensorOptions>;
  private readonly hooks: SensorHooks;
  private engineRef: Engine | null = null;
  private dbRef: Database | null = null;
  private capture: LiveCapture | null = null;
  private api: ApiServer | null = null;
  private log: FdWriter | null = null;
  private logFd = -1;
  private stopRequested = false;
  private started = false;
  private wakeLive: ((e: Error | null) => void) | null = null;
  private finishedPromise: Promise<SensorResult> | null = null;
  /**
   * Observations made before start() has resolved to the caller (a file's first chunk is
   * processed in the same turn as its header): held and delivered on the next turn, so a
   * listener or iterator attached right after `await start()` sees every observation.
   */
  private held: Observation[] | null = null;

  constructor(options: SensorOptions, hooks: SensorHooks = {}) {
    super();
    this.settings = { ...options };
    this.hooks = hooks;
    // Refuse bad settings at once, with p0f's words.
    checkRanges(this.settings);
    checkCombination(this.settings);
  }

  /** The engine (host table, counters); null before start(). */
  get engine(): Engine | null {
    return this.engineRef;
  }

  get db(): Database | null {
    return this.dbRef;
  }

  /** Resolves when the capture ends or the sensor is stopped. */
  get finished(): Promise<SensorResult> {
    if (!this.finishedPromise) throw new Error('Sensor.finished before start()');
    return this.finishedPromise;
  }

  /** Everything known about an address (IPv4 or IPv6 text), or null. */
  lookup(ip: string): HostData | null {
    const e = this.engineRef;
    if (!e) return null;
    const v = isIP(ip);
    if (v === 4) return e.lookupHost(4, Uint8Array.from(ip.split('.').map(Number)));
    if (v === 6) return e.lookupHost(6, ipv6Bytes(ip));
    return null;
  }

  /**
   * p0f's start-up. Resolves once packets are flowing (for a file, once its header is
   * read); rejects with P0fFatalError on what p0f would abort on, leaving nothing open.
   */
  start(): Promise<void> {
    if (this.started) return Promise.reject(new Error('Sensor already started'));
    this.started = true;
    const s = this.settings;
    const status = (l: string) => this.hooks.status?.(l);
    try {
      const db = s.db ?? this.loadDatabase(status);
      this.dbRef = db;
      const engine = new Engine({
        db,
        offline: s.readFile !== undefined,
        onWarning: (m) => this.warn(m),
        limits: { maxConn: s.maxConn, maxHosts: s.maxHosts, connMaxAge: s.connMaxAge, hostIdleLimit: s.hostIdleLimit },
      });
      this.engineRef = engine;
      engine.onObservation((o) => {
        if (this.held) this.held.push(o);
        else this.emit('observation', o);
      });
    } catch (e) {
      return Promise.reject(e);
    }
    if (s.packets !== undefined) return this.startPackets(s.packets);
    return s.readFile !== undefined ? this.startOffline() : this.startLive();
  }

  /** Deliver held observations (in order) and stop holding. */
  private release(): void {
    const held = this.held;
    this.held = null;
    if (held) for (const o of held) this.emit('observation', o);
  }

  /** Hold observations until the caller's continuation after start() has run. */
  private holdUntilNextTurn(): void {
    this.held = [];
  }

  private releaseNextTurn(): void {
    setImmediate(() => this.release());
  }

  /** Ask for a clean stop (p0f's first SIGINT): flush and close everything. */
  async stop(): Promise<SensorResult> {
    this.stopRequested = true;
    this.capture?.stop();
    this.wakeLive?.(null);
    if (!this.finishedPromise) return { packets: 0, truncated: null, stopped: true };
    const result = await this.finishedPromise;
    if (this.settings.packets !== undefined && this.api) {
      await this.api.close();
      this.api = null;
    }
    return result;
  }

  private warn(msg: string): void {
    this.hooks.warning?.(msg);
    if (this.listenerCount('warning')) this.emit('warning', msg);
  }

  private loadDatabase(status: (l: string) => void): Database {
    const path = locateDatabase(this.settings.fpFile);
    const db = readDatabase(path);
    if (db.sigCount) status(`[+] Loaded ${db.sigCount} signature${db.sigCount === 1 ? '' : 's'} from '${path}'.\n`);
    else status(`[!] No signatures found in '${path}'.\n`);
    return db;
  }

  /** open_log(): with the flock lock when the addon provides it. */
  private openLog(): void {
    const path = this.settings.logFile;
    if (path === undefined) return;
    if (!installLogLock()) this.warn(logLockWarning(path));
    this.logFd = openLogFile(path);
    const w = new FdWriter(this.logFd);
    this.log = w;
    this.engineRef!.onObservation((o) => w.write(formatLogLine(o)));
    this.hooks.status?.(`[+] Log file '${path}' opened for writing.\n`);
  }

  private closeOutputs(): void {
    this.log?.flush();
    if (this.logFd >= 0) {
      closeSync(this.logFd);
      this.logFd = -1;
    }
    this.log = null;
  }

  /** Flush the log (p0f flushes on its idle poll). */
  flush(): void {
    this.log?.flush();
  }

  // ------------------------------------------------------------------ offline (-r)

  private startOffline(): Promise<void> {
    const s = this.settings;
    const file = s.readFile!;
    const engine = this.engineRef!;
    let opened!: () => void;
    let failed!: (e: unknown) => void;
    const ready = new Promise<void>((res, rej) => { opened = res; failed = rej; });
    try {
      checkOfflineCapture(s);
      if (file !== '-') {
        try {
          accessSync(file, fsc.R_OK);
        } catch (e) {
          throw new P0fFatalError(`Can't access file '${file}'.`, 'prepare_pcap(), p0f.c:472', strerror(e));
        }
      }
    } catch (e) {
      return Promise.reject(e);
    }
    if (s.cooperative ?? true) this.holdUntilNextTurn();
    let isOpen = false;
    this.finishedPromise = readOffline(file, {
      filterRule: s.filterRule ?? null,
      yieldEvery: s.cooperative ?? true,
      // Everything p0f does between opening the capture and its first packet.
      onOpen: () => this.hooks.status?.(`[+] Will read pcap data from file '${file}'.\n`),
      onFilter: (filter) => {
        this.hooks.status?.(filter.banner);
        this.openLog();
        if (!s.daemon) this.hooks.status?.('[+] Processing capture data.\n\n');
        isOpen = true;
        opened();
        if (this.held) this.releaseNextTurn();
      },
      onFrame: (lt, sec, usec, buf, off, caplen, wirelen) => engine.processFrame(lt, sec, usec, buf, off, caplen, wirelen),
      shouldStop: () => this.stopRequested,
    }).then((r) => {
      this.closeOutputs();
      const result: SensorResult = { packets: engine.packetCount, truncated: r.error, stopped: r.stopped };
      if (!isOpen) opened();
      this.release();
      this.emit('end', result);
      return result;
    }, (e: unknown) => {
      this.closeOutputs();
      if (!isOpen) failed(e);
      throw e;
    });
    // A failure after opening surfaces through `finished`; before it, through start().
    this.finishedPromise.catch(() => {});
    return ready;
  }

  /** Observations as an async iterator (ends when the sensor ends). */
  observations(): AsyncIterableIterator<Observation> {
    const queue: Observation[] = [];
    let wake: (() => void) | null = null;
    let done = false;
    const onObs = (o: Observation) => {
      queue.push(o);
      wake?.();
    };
    const onEnd = () => {
      done = true;
      wake?.();
    };
    this.on('observation', onObs);
    this.once('end', onEnd);
    const detach = () => {
      this.off('observation', onObs);
      this.off('end', onEnd);
    };
    const it: AsyncIterableIterator<Observation> = {
      [Symbol.asyncIterator]: () => it,
      next: async () => {
        for (;;) {
          if (queue.length) return { value: queue.shift()!, done: false };
          if (done) {
            detach();
            return { value: undefined, done: true };
          }
          await new Promise<void>((r) => { wake = r; });
          wake = null;
        }
      },
      return: async () => {
        detach();
        return { value: undefined, done: true };
      },
    };
    return it;
  }

  /** open_api(): the -s socket over the engine's host table. */
  private async openApi(): Promise<ApiServer | null> {
    const s = this.settings;
    const engine = this.engineRef!;
    if (s.apiSock === undefined) return null;
    const api = new ApiServer({
      path: s.apiSock,
      maxConn: s.apiMaxConn ?? DEFAULTS.apiMaxConn,
      lookupHost: (v, a) => engine.lookupHost(v, a),
      db: engine.db,
      onWarning: (m) => this.warn(m),
    });
    await api.listen();
    this.api = api;
    this.hooks.status?.(ApiServer.listeningLine(s.apiSock, api.maxConn));
    return api;
  }

  // ------------------------------------------------------------------ packets from code

  private startPackets(source: Iterable<CapturedPacket> | AsyncIterable<CapturedPacket>): Promise<void> {
    const s = this.settings;
    const engine = this.engineRef!;
    const filters = new Map<number, BpfProgram>();
    const compiler = s.filterRule === undefined ? compileFilterWithTcpdump : filterCompiler();
    this.holdUntilNextTurn();
    try {
      this.openLog();
    } catch (e) {
      return Promise.reject(e);
    }
    // The API answers from the host table while the packets are being processed.
    const apiReady = this.openApi().catch((e: unknown) => {
      this.closeOutputs();
      throw e;
    });
    const feed = (p: CapturedPacket) => {
      let prog = filters.get(p.linktype);
      if (!prog) {
        const f = prepareP0fFilter(s.filterRule ?? null, p.linktype, 65535, compiler);
        prog = f.program;
        filters.set(p.linktype, prog);
      }
      const wirelen = p.wirelen ?? p.data.length;
      if (bpfFilter(prog, p.data, 0, p.data.length, wirelen) !== 0) {
        engine.processFrame(p.linktype, p.tsSec, p.tsUsec, p.data, 0, p.data.length, wirelen);
      }
    };
    this.finishedPromise = (async () => {
      await apiReady;
      try {
        let n = 0;
        for await (const p of source as AsyncIterable<CapturedPacket>) {
          if (this.stopRequested) break;
          feed(p);
          // Let API clients and timers run during long synchronous sources.
          if ((++n & 4095) === 0) await new Promise<void>((r) => setImmediate(r));
        }
      } finally {
        // The API socket stays up after the last packet, answering from the final host
        // table, until stop().
        this.closeOutputs();
      }
      const result: SensorResult = { packets: engine.packetCount, truncated: null, stopped: this.stopRequested };
      this.release();
      this.emit('end', result);
      return result;
    })();
    this.finishedPromise.catch(() => {});
    return apiReady.then(() => this.releaseNextTurn());
  }

  // ------------------------------------------------------------------ live (-i)

  private async startLive(): Promise<void> {
    const s = this.settings;
    const engine = this.engineRef!;
    requireAddon('Live capture');
    const undo: (() => void | Promise<void>)[] = [];
    const cleanup = async () => {
      while (undo.length) {
        try {
          await undo.pop()!();
        } catch { /* best effort while already failing or stopping */ }
      }
    };
    try {
      // prepare_pcap(), live branch: the line is printed before the open is checked.
      const iface = s.iface ?? defaultInterface();
      let cap: LiveCapture | null = null;
      let openError: unknown;
      try {
        cap = LiveCapture.open({
          ...this.hooks.capture,
          iface,
          promisc: s.promisc ?? false,
          bufferSize: this.hooks.capture?.bufferSize ?? DEFAULT_RING_BYTES,
        });
      } catch (e) {
        openError = e;
      }
      this.hooks.status?.(s.iface === undefined
        ? `[+] Intercepting traffic on default interface '${iface}'.\n`
        : `[+] Intercepting traffic on interface '${iface}'.\n`);
      if (!cap) throw openError;
      const capture = cap;
      this.capture = capture;
      undo.push(() => capture.close());

      const bpf = chooseP0fRule(s.filterRule ?? null, capture.linktype, (rule) => capture.setFilter(rule));
      this.hooks.status?.(bpf.banner);

      this.openLog();
      undo.push(() => this.closeOutputs());

      const api = await this.openApi();
      if (api) undo.push(() => api.close());

      if (s.switchUser !== undefined) dropPrivs(s.switchUser, (t) => this.hooks.status?.(t));
      this.hooks.beforeLoop?.();
      if (!s.daemon) this.hooks.status?.('[+] Entered main event loop.\n\n');
    } catch (e) {
      await cleanup();
      throw e;
    }

    const capture = this.capture!;
    const stopped = new Promise<Error | null>((r) => { this.wakeLive = r; });
    capture.start(
      (lt, sec, usec, buf, off, caplen, wirelen) => engine.processFrame(lt, sec, usec, buf, off, caplen, wirelen),
      (err) => this.wakeLive?.(err),
      () => {
        this.flush();
        this.hooks.afterBatch?.();
      },
    );
    this.finishedPromise = stopped.then(async (failure) => {
      capture.stop();
      await cleanup();
      const result: SensorResult = { packets: engine.packetCount, truncated: null, stopped: failure === null };
      if (failure) {
        throw failure instanceof CaptureError
          ? new P0fFatalError('Packet capture interface is down.', 'live_event_loop(), p0f.c:893')
          : failure;
      }
      this.emit('end', result);
      return result;
    });
    this.finishedPromise.catch(() => {});
    // stop() called while starting up (before the loop could be woken): stop now.
    if (this.stopRequested) this.wakeLive?.(null);
  }

  /** The live capture (stats, fd); null for files. */
  get liveCapture(): LiveCapture | null {
    return this.capture;
  }

  /** The API server when -s is set. */
  get apiServer(): ApiServer | null {
    return this.api;
  }
}

/** The interface p0f uses without -i: pcap_lookupdev(). */
function defaultInterface(): string {
  const r = requireAddon('Live capture').lookupDev();
  if (r.name === undefined) {
    throw new P0fFatalError('libpcap is out of ideas; use -i to specify interface.', 'prepare_pcap(), p0f.c:491');
  }
  return r.name;
}

/** IPv6 text (incl. "::" and an embedded dotted quad) to 16 bytes. */
export function ipv6Bytes(ip: string): Uint8Array {
  const out = new Uint8Array(16);
  let text = ip;
  const dot = text.lastIndexOf(':');
  const tail = text.slice(dot + 1);
  let words: number[] = [];
  const v4: number[] = [];
  if (tail.includes('.')) {
    v4.push(...tail.split('.').map(Number));
    text = text.slice(0, dot + 1) + '0:0';
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const parse = (p: string) => (p ? p.split(':').map((x) => Number.parseInt(x, 16)) : []);
  if (rest === undefined) words = parse(head);
  else {
    const h = parse(head);
    const t = parse(rest);
    words = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  }
  words.forEach((w, i) => { out[i * 2] = w >> 8; out[i * 2 + 1] = w & 0xff; });
  if (v4.length === 4) out.set(v4, 12);
  return out;
}
