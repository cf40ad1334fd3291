/**
 * p0fmod for Node.js: the calls of p0fmod, the Python module that configured p0f from code
 * and started it (vivekchand/p0fPythonWrapper, p0f 3.06b), with their names, arguments and
 * integer results, over this package's one start-up path (control/api.ts -> Sensor).
 *
 *   import * as p0fmod from 'p0f/p0fmod';
 *   p0fmod.set_iface('eth0');
 *   p0fmod.set_api_sock('/tmp/sock');
 *   p0fmod.start_p0f();              // 0: started; the event loop stays free
 *   ...
 *   await p0fmod.stop_p0f();
 *
 * What each call returns and prints is in docs/p0fmod.md. In short: a refusal returns
 * p0fmod's negative integer and prints p0f's own error text on stderr; start_p0f() never
 * blocks: it returns 0 (or the -5/-6 note codes) once the settings are accepted, and what
 * goes wrong later (a bad database, a missing interface) is printed as p0f prints it, kept
 * in last_error(), and reported by wait_p0f() / stop_p0f() as exit status 1.
 *
 * The module-level functions work on one shared instance, as the Python module's globals
 * did; createP0fmod() makes an independent one.
 */
import {
  encodeQuery, NATIVE_LE, P0F_RESP_MAGIC, P0F_STATUS_BADQUERY, P0F_STATUS_NOMATCH, RESPONSE_SIZE, responseHead,
} from '../api/protocol.ts';
import type { CliIo } from '../cli/io.ts';
import { listInterfaces as printInterfaces } from '../cli/live-interfaces.ts';
import { BANNER, attachOutputs } from '../cli/p0f.ts';
import { clientAddress, formatAnswer } from '../cli/p0f-client.ts';
import { P0fFatalError } from '../errors.ts';
import { type DaemonHandle, defaultIo, P0fConfig, startDaemon } from './api.ts';
import { badAddress, controlError, invalidOption, P0fControlError, settingsWarnings } from './errors.ts';
import { Sensor } from './sensor.ts';
import type { P0fSettings } from './settings.ts';
import { checkCombination } from './validate.ts';

export interface P0fmodOptions {
  /** Where p0f's text goes (default: this process's stdout and stderr). */
  io?: CliIo;
  /**
   * Install p0f's signal handling while a sensor runs in this process (default true):
   * the first SIGINT / SIGTERM / SIGHUP stops it cleanly, a second one exits with status 1.
   */
  signals?: boolean;
  /** Platform whose rules apply (default: this process's; 'win32' has no API socket). */
  platform?: NodeJS.Platform;
}

/** A start_p0f() run: a sensor in this process, or a daemon started for it. */
interface Run {
  /** Ask it to stop. */
  stop(): Promise<void>;
  /** Resolves with p0f's exit status once it is over: 0, or 1 after a fatal error. */
  done: Promise<number>;
  /** Still running (a daemon is checked for). */
  active(): boolean;
}

/** Adapts a throwing setter to p0fmod's integer result. */
type Setter<A extends unknown[]> = (...args: A) => number;

/**
 * One p0fmod: its settings, the run started from them, and the last error. Every method is
 * a bound function property, so `const { start_p0f } = createP0fmod()` works.
 */
export class P0fmod {
  private config: P0fConfig;
  private readonly io: CliIo;
  private readonly signals: boolean;
  private readonly platform: NodeJS.Platform | undefined;
  private run: Run | null = null;
  private lastError: P0fFatalError | null = null;

  constructor(opts: P0fmodOptions = {}) {
    this.io = opts.io ?? defaultIo();
    this.signals = opts.signals ?? true;
    this.platform = opts.platform;
    this.config = new P0fConfig({ platform: opts.platform });
  }

  // ----------------------------------------------------------------------- settings

  /** -f: 0; -1 multiple fingerprint files. */
  readonly set_fp_file: Setter<[fname: string]> = (f) => this.set(() => this.config.fpFile(f));
  /** -i: 0; -1 multiple interfaces (try 'any'). */
  readonly set_iface: Setter<[iface: string]> = (i) => this.set(() => this.config.iface(i));
  /** -r: 0; -1 multiple read files. */
  readonly set_read_file: Setter<[fname: string]> = (f) => this.set(() => this.config.readFile(f));
  /** -o: 0; -1 multiple log files. */
  readonly set_log_file: Setter<[fname: string]> = (f) => this.set(() => this.config.logFile(f));
  /** -s: 0; -1 multiple API sockets; -2 API mode not supported on this platform. */
  readonly set_api_sock: Setter<[fname: string]> = (f) => this.set(() => this.config.apiSock(f));
  /** -d: 0; -1 daemon mode already on. */
  readonly en_daemon_mode: Setter<[]> = () => this.set(() => this.config.daemon());
  /** -u: 0; -1 already set. */
  readonly switch_user: Setter<[user: string]> = (u) => this.set(() => this.config.switchUser(u));
  /** -p: 0; -1 already on. */
  readonly en_promisc_mode: Setter<[]> = () => this.set(() => this.config.promisc());
  /** -S: 0; -1 already set; -2 outlandish value (1..100); -3 API mode not supported on this platform. */
  readonly set_api_max_conn: Setter<[num: number]> = (n) => this.set(() => this.config.apiMaxConn(n));
  /** -m c,_: 0; -1 already set; -2 outlandish value (1..100000). */
  readonly set_max_conn: Setter<[c: number]> = (n) => this.set(() => this.config.maxConn(n));
  /** -m _,h: 0; -1 already set; -2 outlandish value (1..500000). */
  readonly set_max_hosts: Setter<[h: number]> = (n) => this.set(() => this.config.maxHosts(n));
  /** -t c,_ (seconds): 0; -1 already set; -2 outlandish value (1..1000000). */
  readonly set_conn_max_age: Setter<[c: number]> = (n) => this.set(() => this.config.connMaxAge(n));
  /** -t _,h (minutes): 0; -1 already set; -2 outlandish value (1..1000000). */
  readonly set_host_idle_limit: Setter<[h: number]> = (n) => this.set(() => this.config.hostIdleLimit(n));
  /** Beyond p0fmod: the filter rule (tcpdump syntax). 0; -1 already set. */
  readonly set_filter: Setter<[rule: string]> = (r) => this.set(() => this.config.filter(r));

  /** -L: prints the interface list as p0f -L does. 0; -1 (with p0f's error text) when libpcap cannot list them. */
  readonly list_interfaces = (): number => {
    try {
      printInterfaces(this.io);
      this.io.flush();
      return 0;
    } catch (e) {
      this.fail(e);
      return -1;
    }
  };

  // ----------------------------------------------------------------------- running

  /**
   * Start p0f with the settings made so far, without blocking. Returns at once:
   *   0        started (a sensor in this process, or a daemon being started in daemon mode);
   *   -1 .. -4 refused (API with a capture file; -S without -s; daemon mode with a capture
   *            file; daemon mode without a log or API socket); nothing is started;
   *   -5, -6   p0f's notes about -u in daemon mode (-5 on Windows only); printed, and
   *            p0f is started all the same, as p0f itself continues after them;
   *   -7       already running (beyond p0fmod).
   * Failures after this point are printed as p0f prints them and kept in last_error().
   */
  readonly start_p0f = (): number => {
    if (this.run?.active()) return this.refuse(controlError('ALREADY_RUNNING'));
    const s = this.config.settings;
    try {
      checkCombination(s);
    } catch (e) {
      if (e instanceof P0fControlError) return this.refuse(e);
      throw e;
    }
    const warnings = settingsWarnings(s, this.platform ?? process.platform);
    this.lastError = null;
    if (s.daemon) {
      // The daemon is the p0f command: it prints the banner and the notes itself.
      this.run = this.startDaemonRun(s);
    } else {
      this.io.out(BANNER);
      for (const w of warnings) this.io.out(`${w.message}\n`);
      this.run = this.startLocalRun(s);
    }
    return warnings[0]?.returnCode ?? 0;
  };

  /**
   * Beyond p0fmod: stop what start_p0f() started (p0f's clean stop: capture closed, log
   * flushed and closed, API socket removed; a daemon gets SIGTERM). Resolves with p0f's
   * exit status (0, or 1 if it had failed), or -1 when nothing was running.
   */
  readonly stop_p0f = async (): Promise<number> => {
    const r = this.run;
    if (!r) return -1;
    await r.stop();
    return r.done;
  };

  /**
   * Beyond p0fmod: wait for the run to end by itself (end of a capture file, a fatal error,
   * a signal, or a daemon that exits). Resolves with 0 or 1 as p0f's exit status, or -1
   * when nothing was started.
   */
  readonly wait_p0f = async (): Promise<number> => {
    const r = this.run;
    if (!r) return -1;
    return r.done;
  };

  /** Beyond p0fmod: the last error printed (a refusal, or a failure after start_p0f()), or null. */
  readonly last_error = (): P0fFatalError | null => this.lastError;

  /** Beyond p0fmod: whether a run started by start_p0f() is still going. */
  readonly is_running = (): boolean => this.run?.active() ?? false;

  /** Beyond p0fmod: forget every setting (a run in progress is not affected). */
  readonly reset_settings = (): void => {
    this.config = new P0fConfig({ platform: this.platform });
  };

  // ----------------------------------------------------------------------- API helpers

  /**
   * The 21-byte API query for an address, read as p0f-client reads it (dotted IPv4, or
   * IPv6). Throws P0fControlError 'BAD_ADDRESS' with p0f-client's message when it cannot.
   */
  readonly mk_query = (ip: string): Buffer => {
    if (typeof ip !== 'string') throw invalidOption(`mk_query() takes an address string, got ${String(ip)}.`);
    try {
      return encodeQuery(clientAddress(ip));
    } catch (e) {
      if (e instanceof P0fFatalError) throw badAddress(e.message, e.location);
      throw e;
    }
  };

  /**
   * Print an API answer as p0f-client prints it. 0: an answer about the host (printed);
   * -1 bad response magic; -2 p0f did not understand the query; -3 no matching host;
   * -4 (beyond p0fmod) fewer than 232 bytes. Errors go to stderr in p0f-client's words.
   */
  readonly ck_response = (buf: Uint8Array): number => {
    if (!(buf instanceof Uint8Array)) throw invalidOption('ck_response() takes a Buffer.');
    const r = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    if (r.length < RESPONSE_SIZE) {
      return this.clientFatal('Short read from API socket.', 'main(), p0f-client.c:134', -4);
    }
    const { magic, status } = responseHead(r, 0, NATIVE_LE);
    if (magic !== P0F_RESP_MAGIC) {
      return this.clientFatal(`Bad response magic (0x${magic.toString(16).padStart(8, '0')}).\n`,
        'main(), p0f-client.c:139', -1);
    }
    if (status === P0F_STATUS_BADQUERY) {
      return this.clientFatal('P0f did not understand the query.\n', 'main(), p0f-client.c:142', -2);
    }
    if (status === P0F_STATUS_NOMATCH) {
      this.io.out("No matching host in p0f cache. That's all we know.\n");
      this.io.flush();
      return -3;
    }
    this.io.out(formatAnswer(r.subarray(0, RESPONSE_SIZE)));
    this.io.flush();
    return 0;
  };

  // ----------------------------------------------------------------------- internals

  private set(fn: () => unknown): number {
    try {
      fn();
      return 0;
    } catch (e) {
      if (e instanceof P0fControlError && e.returnCode !== null) return this.refuse(e);
      throw e;
    }
  }

  /** Print p0f's text for a refusal and return p0fmod's integer for it. */
  private refuse(e: P0fControlError): number {
    this.lastError = e;
    this.io.err(e.format());
    this.io.flush();
    return e.returnCode ?? -1;
  }

  private fail(e: unknown): void {
    if (e instanceof P0fFatalError) {
      this.lastError = e;
      this.io.err(e.format());
    } else {
      const err = e instanceof Error ? e : new Error(String(e));
      this.lastError = new P0fFatalError(err.message, 'p0fmod');
      this.io.err(`[-] ${err.stack ?? err.message}\n`);
    }
    this.io.flush();
  }

  private clientFatal(message: string, location: string, code: number): number {
    const e = new P0fFatalError(message, location);
    this.lastError = e;
    this.io.err(e.format());
    this.io.flush();
    return code;
  }

  /** A sensor in this process, reporting as the p0f command does. */
  private startLocalRun(s: P0fSettings): Run {
    const io = this.io;
    const warn = (msg: string) => io.err(`[!] WARNING: ${msg}\n`);
    const sensor = new Sensor({ ...s }, {
      status: (l) => io.out(l),
      warning: warn,
      error: (t) => io.err(t),
      afterBatch: () => io.flush(),
    });
    attachOutputs(sensor, s, io);
    let over = false;
    const started = sensor.start();
    started.catch(() => {});
    // A stop asked for during start-up waits for it: the live capture is only stoppable
    // once it is open.
    const stop = async () => {
      await started.catch(() => {});
      await sensor.stop();
    };
    const removeSignals = this.signals ? installSignals(() => void stop()) : () => {};
    const done = (async () => {
      try {
        await started;
        const r = await sensor.finished;
        if (r.stopped) warn('User-initiated shutdown.');
        else if (r.truncated !== null) warn(`Capture file '${s.readFile}' is truncated: ${r.truncated}`);
        io.out(`\nAll done. Processed ${r.packets} packets.\n`);
        return 0;
      } catch (e) {
        this.fail(e);
        return 1;
      } finally {
        over = true;
        removeSignals();
        io.flush();
      }
    })();
    return {
      stop: async () => {
        await stop();
        await done;
      },
      done,
      active: () => !over,
    };
  }

  /** Daemon mode: the p0f command, detached (see startDaemon). */
  private startDaemonRun(s: P0fSettings): Run {
    let daemon: DaemonHandle | null = null;
    let spawning = true;
    const started = startDaemon(s, { io: this.io, platform: this.platform }).then((d) => {
      daemon = d;
      return d;
    }, (e: unknown) => {
      // The daemon printed its error already (relayed); keep it.
      this.lastError = e instanceof P0fFatalError ? e : new P0fFatalError(String(e), 'p0fmod');
      return null;
    }).finally(() => {
      spawning = false;
    });
    const done = started.then(async (d) => {
      if (!d) return 1;
      await d.exited();
      return 0;
    });
    return {
      stop: async () => {
        const d = await started;
        await d?.stop();
      },
      done,
      active: () => spawning || (daemon !== null && (daemon as DaemonHandle).alive()),
    };
  }
}

/** p0f's abort_handler: the first signal asks for a clean stop, a second exits with 1. */
function installSignals(stop: () => void): () => void {
  let stopping = false;
  const handler = () => {
    if (stopping) process.exit(1);
    stopping = true;
    stop();
  };
  const sigs: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const sig of sigs) process.on(sig, handler);
  return () => {
    for (const sig of sigs) process.off(sig, handler);
  };
}

/** An independent p0fmod (its own settings and run). */
export function createP0fmod(opts: P0fmodOptions = {}): P0fmod {
  return new P0fmod(opts);
}

// ---------------------------------------------------------------------------------------
// The module-level p0fmod: one shared instance, as the Python module's globals.
// ---------------------------------------------------------------------------------------

const shared = new P0fmod();

export const set_fp_file = shared.set_fp_file;
export const set_iface = shared.set_iface;
export const list_interfaces = shared.list_interfaces;
export const set_read_file = shared.set_read_file;
export const set_log_file = shared.set_log_file;
export const set_api_sock = shared.set_api_sock;
export const en_daemon_mode = shared.en_daemon_mode;
export const switch_user = shared.switch_user;
export const en_promisc_mode = shared.en_promisc_mode;
export const set_api_max_conn = shared.set_api_max_conn;
export const set_max_conn = shared.set_max_conn;
export const set_max_hosts = shared.set_max_hosts;
export const set_conn_max_age = shared.set_conn_max_age;
export const set_host_idle_limit = shared.set_host_idle_limit;
export const set_filter = shared.set_filter;
export const start_p0f = shared.start_p0f;
export const stop_p0f = shared.stop_p0f;
export const wait_p0f = shared.wait_p0f;
export const last_error = shared.last_error;
export const is_running = shared.is_running;
export const reset_settings = shared.reset_settings;
export const mk_query = shared.mk_query;
export const ck_response = shared.ck_response;
