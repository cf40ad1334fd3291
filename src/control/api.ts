/**
 * The control API: configure p0f from code, start it inside this process, watch what it
 * sees and ask it about hosts.
 *
 * Everything here is a thin layer over `Sensor` (control/sensor.ts), the one start-up path
 * the `p0f` command also runs, and over p0f's own checks (control/validate.ts): an options
 * object or a `P0fConfig` builder is validated with p0f's rules and words, then handed to
 * a Sensor. The p0fmod port (control/p0fmod.ts) and the in-process middleware
 * (middleware/inprocess.ts) are built on these functions.
 */
import { EventEmitter } from 'node:events';
import { SocketAddress } from 'node:net';
import { decodeResponse, encodeResponse, parseAddress } from '../api/protocol.ts';
import { type P0fHostInfo, parseHostInfo } from '../api/result.ts';
import { requireAddon } from '../capture/addon.ts';
import { spawnDaemon } from '../cli/daemon.ts';
import { type CliIo, processIo } from '../cli/io.ts';
import type { Database } from '../db/types.ts';
import type { Engine } from '../engine/engine.ts';
import { P0fFatalError } from '../errors.ts';
import type { Observation } from '../observation.ts';
import type { HostData } from '../state/types.ts';
import {
  apiUnsupported, apiUnsupportedOn, badAddress, controlError, invalidOption, type LimitOption, outlandishValue,
  type P0fControlWarning, settingsWarnings,
} from './errors.ts';
import { Sensor, type SensorHooks, type SensorOptions, type SensorResult } from './sensor.ts';
import type { P0fSettings } from './settings.ts';
import { checkCombination, checkOfflineCapture, checkRanges, inRange, type LimitName } from './validate.ts';

// ---------------------------------------------------------------------------------------
// Options and validation
// ---------------------------------------------------------------------------------------

/**
 * Settings of an in-process sensor: p0f's command-line settings (same names as
 * `P0fSettings`, same defaults and limits) minus the two that only make sense for the
 * command (`daemon`: see `startDaemon`; `json`: listen to 'observation' instead), plus a
 * database already in memory.
 */
export type SensorConfig = Omit<SensorOptions, 'daemon' | 'json'>;

const STRING_KEYS = ['fpFile', 'iface', 'readFile', 'logFile', 'apiSock', 'switchUser', 'filterRule'] as const;
const BOOL_KEYS = ['daemon', 'promisc', 'json', 'cooperative'] as const;
const NUMBER_KEYS = ['apiMaxConn', 'maxConn', 'maxHosts', 'connMaxAge', 'hostIdleLimit'] as const;

/** The p0f option each numeric setting belongs to (named in the "Outlandish value" message). */
const LIMIT_OPTION: Record<LimitName, LimitOption> = {
  apiMaxConn: 'S', maxConn: 'm', maxHosts: 'm', connMaxAge: 't', hostIdleLimit: 't',
};

function checkTypes(s: Record<string, unknown>): void {
  for (const k of STRING_KEYS) {
    if (s[k] !== undefined && typeof s[k] !== 'string') invalid(k, 'a string', s[k]);
  }
  for (const k of BOOL_KEYS) {
    if (s[k] !== undefined && typeof s[k] !== 'boolean') invalid(k, 'a boolean', s[k]);
  }
  for (const k of NUMBER_KEYS) {
    if (s[k] !== undefined && typeof s[k] !== 'number') invalid(k, 'a number', s[k]);
  }
}

function invalid(key: string, what: string, v: unknown): never {
  throw invalidOption(`${key} must be ${what}, got ${typeof v === 'string' ? JSON.stringify(v) : String(v)}.`);
}

export interface ValidateOptions {
  /** Platform whose rules apply (default: this process's). */
  platform?: NodeJS.Platform;
  /**
   * Also run the checks p0f makes when it opens a capture file (-p or -i with -r). p0f
   * makes them after loading the database; the control API makes them up front (default true).
   */
  captureChecks?: boolean;
}

/**
 * p0f's checks on a set of settings, in p0f's order: types, the API on this platform,
 * ranges (-S, -m, -t), combinations (main()), then the capture-file checks.
 * Throws the first P0fControlError; returns p0f's notes (P0fControlWarning) otherwise.
 */
export function validateSettings(s: P0fSettings & { cooperative?: boolean }, opts: ValidateOptions = {}): P0fControlWarning[] {
  if (s === null || typeof s !== 'object') throw invalidOption('settings must be an object.');
  checkTypes(s as Record<string, unknown>);
  const platform = opts.platform ?? process.platform;
  if (apiUnsupportedOn(platform)) {
    if (s.apiMaxConn !== undefined) throw apiUnsupported('apiMaxConn');
    if (s.apiSock !== undefined) throw apiUnsupported('apiSock');
  }
  checkRanges(s);
  checkCombination(s);
  if (s.readFile !== undefined && (opts.captureChecks ?? true)) checkOfflineCapture(s);
  return settingsWarnings(s, platform);
}

// ---------------------------------------------------------------------------------------
// Builder: settings one at a time, with p0f's "given twice" refusals
// ---------------------------------------------------------------------------------------

/**
 * Settings made one call at a time, the way p0f reads its command line: each setter
 * refuses a second value for the same setting, and a number outside p0f's range, with
 * p0f's message (a thrown P0fControlError whose `returnCode` is p0fmod's integer).
 * A refused call leaves the settings as they were.
 *
 * "Given twice" means the setter already succeeded once (p0f compares with the default
 * value instead, so `-S 20 -S 30` passes there).
 */
export class P0fConfig {
  private readonly s: P0fSettings = {};
  private readonly platform: () => NodeJS.Platform;

  constructor(opts: { platform?: NodeJS.Platform } = {}) {
    this.platform = () => opts.platform ?? process.platform;
  }

  /** A copy of the settings made so far. */
  get settings(): P0fSettings {
    return { ...this.s };
  }

  /** -f: the fingerprint database. */
  fpFile(path: string): this {
    return this.setString('fpFile', path, 'MULTIPLE_FP_FILE');
  }
  /** -i: the interface to listen on ('any' for all). */
  iface(name: string): this {
    return this.setString('iface', name, 'MULTIPLE_IFACE');
  }
  /** -r: a capture file to read instead of an interface ('-' = standard input). */
  readFile(path: string): this {
    return this.setString('readFile', path, 'MULTIPLE_READ_FILE');
  }
  /** -o: the log file. */
  logFile(path: string): this {
    return this.setString('logFile', path, 'MULTIPLE_LOG_FILE');
  }
  /** -s: the API socket. */
  apiSock(path: string): this {
    if (apiUnsupportedOn(this.platform())) throw apiUnsupported('apiSock');
    return this.setString('apiSock', path, 'MULTIPLE_API_SOCK');
  }
  /** -u: the user to switch to (and chroot to its home) after start-up. */
  switchUser(user: string): this {
    return this.setString('switchUser', user, 'SWITCH_USER_ALREADY_SET');
  }
  /** The tcpdump-syntax filter rule. */
  filter(rule: string): this {
    return this.setString('filterRule', rule, 'MULTIPLE_FILTER');
  }
  /** -d: run as a daemon (see startDaemon). */
  daemon(): this {
    if (this.s.daemon) throw controlError('DAEMON_ALREADY_ON');
    this.s.daemon = true;
    return this;
  }
  /** -p: promiscuous mode. */
  promisc(): this {
    if (this.s.promisc) throw controlError('PROMISC_ALREADY_ON');
    this.s.promisc = true;
    return this;
  }
  /** -S: simultaneous API clients, 1..100 (default 20). */
  apiMaxConn(n: number): this {
    if (apiUnsupportedOn(this.platform())) throw apiUnsupported('apiMaxConn');
    return this.setLimit('apiMaxConn', n, 'MULTIPLE_API_MAX_CONN');
  }
  /** -m c,_: connections tracked, 1..100000 (default 1000). */
  maxConn(n: number): this {
    return this.setLimit('maxConn', n, 'MULTIPLE_TABLE_LIMITS');
  }
  /** -m _,h: hosts tracked, 1..500000 (default 10000). */
  maxHosts(n: number): this {
    return this.setLimit('maxHosts', n, 'MULTIPLE_TABLE_LIMITS');
  }
  /** -t c,_: connection max age in seconds, 1..1000000 (default 30). */
  connMaxAge(seconds: number): this {
    return this.setLimit('connMaxAge', seconds, 'MULTIPLE_AGE_LIMITS');
  }
  /** -t _,h: host idle limit in minutes, 1..1000000 (default 120). */
  hostIdleLimit(minutes: number): this {
    return this.setLimit('hostIdleLimit', minutes, 'MULTIPLE_AGE_LIMITS');
  }

  /** Everything p0f checks before starting (see validateSettings); returns its notes. */
  validate(opts: ValidateOptions = {}): P0fControlWarning[] {
    return validateSettings(this.s, { platform: this.platform(), ...opts });
  }

  private setString(key: (typeof STRING_KEYS)[number], v: string,
                    dup: Parameters<typeof controlError>[0]): this {
    if (typeof v !== 'string') invalid(key, 'a string', v);
    if (this.s[key] !== undefined) throw controlError(dup);
    this.s[key] = v;
    return this;
  }

  private setLimit(key: LimitName, v: number, dup: Parameters<typeof controlError>[0]): this {
    if (typeof v !== 'number') invalid(key, 'a number', v);
    if (this.s[key] !== undefined) throw controlError(dup);
    if (!inRange(key, v)) throw outlandishValue(LIMIT_OPTION[key]);
    this.s[key] = v;
    return this;
  }
}

// ---------------------------------------------------------------------------------------
// In-process sensor
// ---------------------------------------------------------------------------------------

/** What p0f knows about a host, in the API client's parsed form (dates as Date, null for unknown). */
export type HostInfo = P0fHostInfo;

/**
 * A host record as the API socket would report it: the record is encoded into p0f's
 * 232-byte answer and parsed back, so an in-process lookup and an API query give the same
 * result (strings cut at 31 bytes as on the wire, distance 255 read as unknown, ...).
 */
export function hostInfoOf(host: HostData, db: Pick<Database, 'names'>): HostInfo {
  return parseHostInfo(decodeResponse(encodeResponse(host, db.names)));
}

export declare interface SensorHandle {
  on(event: 'observation', fn: (obs: Observation) => void): this;
  on(event: 'warning', fn: (msg: string) => void): this;
  on(event: 'end', fn: (r: SensorResult) => void): this;
  on(event: 'error', fn: (e: Error) => void): this;
  once(event: 'observation', fn: (obs: Observation) => void): this;
  once(event: 'warning', fn: (msg: string) => void): this;
  once(event: 'end', fn: (r: SensorResult) => void): this;
  once(event: 'error', fn: (e: Error) => void): this;
}

/**
 * A p0f sensor running in this process. Events: 'observation' (every p0f observation, as
 * the console report would show it), 'warning' (p0f's "[!] WARNING" texts), 'end' (the
 * capture ended or stop() was called) and 'error' (a fatal error after start-up, e.g. the
 * interface went down; `finished` rejects with it as well).
 */
export class SensorHandle extends EventEmitter {
  /** The Sensor doing the work (the same object the `p0f` command runs). */
  readonly sensor: Sensor;
  private startPromise: Promise<this> | null = null;
  private ended = false;

  constructor(sensor: Sensor) {
    super();
    this.sensor = sensor;
    sensor.on('observation', (o) => this.emit('observation', o));
    sensor.on('warning', (m) => this.emit('warning', m));
    sensor.on('end', (r) => {
      this.ended = true;
      this.emit('end', r);
    });
  }

  /**
   * Run p0f's start-up (database, capture, filter, log, API socket, -u). Resolves once
   * packets flow; rejects with P0fFatalError (P0fControlError for refused settings) and
   * leaves nothing open. Calling it again returns the same promise.
   */
  start(): Promise<this> {
    if (this.startPromise) return this.startPromise;
    this.startPromise = this.sensor.start().then(() => {
      this.sensor.finished.catch((e: Error) => {
        this.ended = true;
        if (this.listenerCount('error')) this.emit('error', e);
      });
      return this;
    }, (e) => {
      this.ended = true;
      throw e;
    });
    return this.startPromise;
  }

  /** True between a successful start() and the end of the capture (or stop()). */
  get running(): boolean {
    return this.startPromise !== null && this.sensor.engine !== null && !this.ended;
  }

  /** Resolves when the capture ends or stop() has closed everything; rejects on a fatal error. */
  get finished(): Promise<SensorResult> {
    return this.sensor.finished;
  }

  /** The engine (host table and counters); null before start(). */
  get engine(): Engine | null {
    return this.sensor.engine;
  }

  /**
   * Observations as an async iterator, ending when the sensor ends (call before start()
   * to miss none): `for await (const o of handle.observations()) ...`.
   */
  observations(): AsyncIterableIterator<Observation> {
    return this.sensor.observations();
  }

  /** Packets that reached the engine so far. */
  get packets(): number {
    return this.sensor.engine?.packetCount ?? 0;
  }

  /**
   * What the sensor knows about `ip` (IPv4 or IPv6 text; IPv4-mapped IPv6 is looked up as
   * IPv4), or null when it has not seen the host (or is not started). Throws a
   * P0fControlError 'BAD_ADDRESS' for text that is not an address.
   */
  lookup(ip: string): HostInfo | null {
    const a = typeof ip === 'string' ? parseAddress(ip) : null;
    if (!a) throw badAddress(`not an IPv4 or IPv6 address: ${JSON.stringify(ip)}`, 'SensorHandle.lookup()');
    const engine = this.sensor.engine;
    if (!engine) return null;
    const host = engine.lookupHost(a.ipVer, a.addr);
    return host ? hostInfoOf(host, engine.db) : null;
  }

  /**
   * Live capture: hand the engine every packet the kernel has captured and not yet
   * delivered (a non-blocking read), so that a lookup made now reflects the traffic up to
   * now. With immediate delivery (hooks.capture.immediate) that includes the packets of a
   * request being served at this moment. Returns the number of packets; 0 for files.
   */
  drain(): number {
    const cap = this.sensor.liveCapture;
    const engine = this.sensor.engine;
    if (!cap || cap.closed || !engine || !this.running) return 0;
    return cap.readAvailable((lt, sec, usec, buf, off, caplen, wirelen) =>
      engine.processFrame(lt, sec, usec, buf, off, caplen, wirelen));
  }

  /** Stop as p0f stops on its first SIGINT: close the capture, flush and close the log and the API socket. */
  async stop(): Promise<SensorResult> {
    // A live capture can only be stopped once it is open: let a start in progress finish.
    if (this.startPromise) await this.startPromise.catch(() => {});
    return this.sensor.stop();
  }
}

/** Sensor hooks plus an observation listener attached before anything is read. */
export interface StartHooks extends SensorHooks {
  /**
   * Receives every observation. Give it here (or use createSensor, then on(), then start())
   * when reading a file: a small file can be read completely before start() resolves.
   */
  observation?: (obs: Observation) => void;
}

/**
 * A sensor with these settings, validated (throws P0fControlError with p0f's message) but
 * not started. `hooks` receive p0f's status lines and diagnostics if wanted.
 */
export function createSensor(config: SensorConfig, hooks: StartHooks = {}): SensorHandle {
  const c: SensorOptions = { ...config };
  if (c.daemon !== undefined) {
    throw invalidOption('daemon mode cannot run inside this process: use startDaemon().');
  }
  if (c.json !== undefined) throw invalidOption("json is an output of the p0f command: listen to 'observation'.");
  validateSettings(c);
  const handle = new SensorHandle(new Sensor(c, hooks));
  if (hooks.observation) handle.on('observation', hooks.observation);
  return handle;
}

/** createSensor() and start(): resolves with the running sensor. */
export function startSensor(config: SensorConfig, hooks: StartHooks = {}): Promise<SensorHandle> {
  try {
    return createSensor(config, hooks).start();
  } catch (e) {
    return Promise.reject(e);
  }
}

// ---------------------------------------------------------------------------------------
// Interfaces
// ---------------------------------------------------------------------------------------

/** libpcap's PCAP_IF_* flags. */
const PCAP_IF_LOOPBACK = 0x1;
const PCAP_IF_UP = 0x2;
const PCAP_IF_RUNNING = 0x4;
const PCAP_IF_WIRELESS = 0x8;

export interface InterfaceAddress {
  family: 4 | 6;
  /** Usual text form ("192.0.2.1", "fe80::1"). */
  address: string;
}

export interface InterfaceInfo {
  /** The name to give as `iface`. */
  name: string;
  description: string | null;
  /** IPv4 and IPv6 addresses, in libpcap's order (p0f -L shows the first). */
  addresses: InterfaceAddress[];
  loopback: boolean;
  up: boolean;
  running: boolean;
  wireless: boolean;
  /** libpcap's PCAP_IF_* bits as reported. */
  flags: number;
}

/**
 * The interfaces libpcap can capture on (what p0f -L lists), as data. Throws
 * P0fFatalError when the native addon is not built or libpcap fails.
 */
export function listInterfaces(): InterfaceInfo[] {
  const r = requireAddon('Listing interfaces').findAllDevs();
  if (r.error !== undefined) throw new P0fFatalError(`pcap_findalldevs: ${r.error}`, 'list_interfaces(), p0f.c:390');
  return r.devs.map((d) => ({
    name: d.name,
    description: d.description,
    addresses: d.addrs.flatMap((a) => {
      if ((a.family !== 4 && a.family !== 6) || !a.addr) return [];
      const family = a.family;
      const address = family === 4
        ? Array.from(a.addr.subarray(0, 4)).join('.')
        : new SocketAddress({ address: ipv6Text(a.addr), family: 'ipv6' }).address;
      return [{ family, address }];
    }),
    loopback: (d.flags & PCAP_IF_LOOPBACK) !== 0,
    up: (d.flags & PCAP_IF_UP) !== 0,
    running: (d.flags & PCAP_IF_RUNNING) !== 0,
    wireless: (d.flags & PCAP_IF_WIRELESS) !== 0,
    flags: d.flags,
  }));
}

function ipv6Text(b: Uint8Array): string {
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  return g.join(':');
}

// ---------------------------------------------------------------------------------------
// Daemon mode
// ---------------------------------------------------------------------------------------

/** The `p0f` command-line arguments for these settings (what `p0f` itself would be given). */
export function settingsToArgv(s: P0fSettings): string[] {
  const a: string[] = [];
  if (s.fpFile !== undefined) a.push('-f', s.fpFile);
  if (s.iface !== undefined) a.push('-i', s.iface);
  if (s.readFile !== undefined) a.push('-r', s.readFile);
  if (s.logFile !== undefined) a.push('-o', s.logFile);
  if (s.apiSock !== undefined) a.push('-s', s.apiSock);
  if (s.apiMaxConn !== undefined) a.push('-S', String(s.apiMaxConn));
  if (s.maxConn !== undefined || s.maxHosts !== undefined) {
    a.push('-m', `${s.maxConn ?? 1000},${s.maxHosts ?? 10000}`);
  }
  if (s.connMaxAge !== undefined || s.hostIdleLimit !== undefined) {
    a.push('-t', `${s.connMaxAge ?? 30},${s.hostIdleLimit ?? 120}`);
  }
  if (s.switchUser !== undefined) a.push('-u', s.switchUser);
  if (s.promisc) a.push('-p');
  if (s.daemon) a.push('-d');
  if (s.json) a.push('--json');
  if (s.filterRule !== undefined) a.push('--', s.filterRule);
  return a;
}

/** A p0f daemon started by startDaemon(). */
export interface DaemonHandle {
  readonly pid: number;
  /** Whether the daemon process still exists. */
  alive(): boolean;
  /** Resolves when the daemon process has gone (polls; keeps this process alive meanwhile). */
  exited(): Promise<void>;
  /** SIGTERM (p0f's clean stop), then wait for it to go; SIGKILL after `timeoutMs` (5000). */
  stop(timeoutMs?: number): Promise<void>;
}

export interface DaemonOptions {
  /** Where the daemon's start-up output goes (default: this process's stdout / stderr). */
  io?: CliIo;
  /** Platform whose rules apply (default: this process's). */
  platform?: NodeJS.Platform;
}

/**
 * Daemon mode (-d) for a library: this process is not daemonized. The `p0f` command
 * (bin/p0f.js) is started with the equivalent arguments plus -d, detached in its own
 * session; its start-up output (p0f's text) is copied to `io`, and the promise resolves
 * once it runs on its own (p0f's "Daemon process created" point). It outlives this
 * process. Rejects with the daemon's fatal error (P0fFatalError) if its start-up fails.
 */
export async function startDaemon(settings: P0fSettings, opts: DaemonOptions = {}): Promise<DaemonHandle> {
  const s: P0fSettings = { ...settings, daemon: true };
  validateSettings(s, { platform: opts.platform, captureChecks: false });
  const io = opts.io ?? defaultIo();
  let pid = 0;
  let errText = '';
  const relay: CliIo = {
    out: (t) => {
      const m = /\[\+\] Daemon process created, PID (\d+)/.exec(t);
      if (m) pid = Number(m[1]);
      io.out(t);
    },
    err: (t) => {
      errText += t;
      io.err(t);
    },
    flush: () => io.flush(),
  };
  const code = await spawnDaemon(settingsToArgv(s), relay);
  if (code !== 0 || pid === 0) throw parseFatal(errText) ?? new P0fFatalError(`p0f daemon failed to start (exit status ${code}).`, 'startDaemon()');
  return daemonHandle(pid);
}

function daemonHandle(pid: number): DaemonHandle {
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  };
  const exited = () => new Promise<void>((resolve) => {
    const tick = () => (alive() ? setTimeout(tick, 50) : resolve());
    tick();
  });
  return {
    pid,
    alive,
    exited,
    async stop(timeoutMs = 5000) {
      if (!alive()) return;
      process.kill(pid, 'SIGTERM');
      const t = setTimeout(() => {
        try {
          process.kill(pid, 'SIGKILL');
        } catch { /* already gone */ }
      }, timeoutMs);
      await exited();
      clearTimeout(t);
    },
  };
}

/** The P0fFatalError behind p0f's "[-] PROGRAM ABORT" / "SYSTEM ERROR" text, if any. */
export function parseFatal(text: string): P0fFatalError | null {
  const m = /\[-\] (?:PROGRAM ABORT|SYSTEM ERROR) : ([^]*?)\n\s+Location : ([^\n]*)\n(?:\s+OS message : ([^\n]*)\n)?/.exec(text);
  return m ? new P0fFatalError(m[1]!, m[2]!, m[3]) : null;
}

/**
 * stdout / stderr of this process, each text written at once and in order (p0f's stdout
 * is line-buffered, its stderr unbuffered).
 */
export function defaultIo(): CliIo {
  const io = processIo();
  return {
    out: (t) => {
      io.out(t);
      io.flush();
    },
    err: (t) => io.err(t),
    flush: () => io.flush(),
  };
}
