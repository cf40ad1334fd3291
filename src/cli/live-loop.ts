/**
 * Live mode of the p0f command: p0f's main() from prepare_pcap() on, for a live
 * interface, in p0f's order: open the capture, install the filter, open the log and the
 * API socket, drop privileges, detach (-d), then run until a signal.
 *
 * Signals follow p0f's abort_handler: the first SIGINT/SIGTERM (and SIGHUP unless -d)
 * asks for a clean stop (the capture is closed, the log flushed and closed, the API
 * socket closed and removed); a second one exits at once with status 1.
 */
import { closeSync } from 'node:fs';
import { CaptureError, DEFAULT_RING_BYTES, LiveCapture, type LiveCaptureOptions } from '../capture/live.ts';
import { requireAddon } from '../capture/addon.ts';
import type { P0fSettings } from '../control/settings.ts';
import type { Database } from '../db/types.ts';
import { Engine } from '../engine/engine.ts';
import { P0fFatalError } from '../errors.ts';
import { openLogFile } from '../output/log-file.ts';
import { FdWriter } from '../output/writer.ts';
import { daemonDetach, openNullFd } from './daemon.ts';
import type { CliIo } from './io.ts';
import { prepareBpf } from './live-filter.ts';
import { installLogLock, logLockWarning } from './live-log-lock.ts';
import { attachEngineOutputs } from './p0f.ts';
import { dropPrivs } from './privs.ts';

/** A running API server, as the live loop needs it. */
export interface ApiHandle {
  /** Stop accepting, drop clients, and remove the socket file. */
  close(): void | Promise<void>;
}

/**
 * Opens the -s API socket over the engine's host table and prints p0f's "[+] Listening on
 * API socket ..." line through `say`. Throws P0fFatalError with p0f's open_api messages.
 */
export type ApiOpener = (path: string, maxConn: number, engine: Engine, say: (s: string) => void) =>
  ApiHandle | Promise<ApiHandle>;

export interface LiveDeps {
  openApi?: ApiOpener;
  /** Capture tuning (ring size, batch size, timeout); p0f's choices otherwise. */
  capture?: Partial<Omit<LiveCaptureOptions, 'iface' | 'promisc'>>;
  /** Called once the loop runs (tests and benchmarks look at the capture and engine). */
  onRunning?: (run: LiveRun) => void;
}

export interface LiveRun {
  capture: LiveCapture;
  engine: Engine;
  /** Ask for the same clean stop as a first SIGINT. */
  stop(): void;
}

/** The interface p0f uses without -i: pcap_lookupdev(). */
function defaultInterface(): string {
  const a = requireAddon('Live capture');
  const r = a.lookupDev();
  if (r.name === undefined) {
    throw new P0fFatalError('libpcap is out of ideas; use -i to specify interface.', 'prepare_pcap(), p0f.c:491');
  }
  return r.name;
}

export async function runLive(s: P0fSettings, db: Database, io: CliIo, deps: LiveDeps = {}): Promise<number> {
  requireAddon('Live capture');
  const undo: (() => void | Promise<void>)[] = [];
  const cleanup = async () => {
    while (undo.length) {
      try {
        await undo.pop()!();
      } catch { /* best effort while already failing or stopping */ }
    }
  };
  const warn = (msg: string) => io.err(`[!] WARNING: ${msg}\n`);
  const signals: [NodeJS.Signals, () => void][] = [];
  try {
    // prepare_pcap(), live branch. The line is printed before the open is checked.
    const iface = s.iface ?? defaultInterface();
    let capture: LiveCapture | null = null;
    let openError: unknown;
    try {
      capture = LiveCapture.open({
        ...deps.capture,
        iface,
        promisc: s.promisc ?? false,
        bufferSize: deps.capture?.bufferSize ?? DEFAULT_RING_BYTES,
      });
    } catch (e) {
      openError = e;
    }
    io.out(s.iface === undefined
      ? `[+] Intercepting traffic on default interface '${iface}'.\n`
      : `[+] Intercepting traffic on interface '${iface}'.\n`);
    if (!capture) throw openError;
    const cap = capture;
    undo.push(() => cap.close());

    // prepare_bpf()
    const bpf = prepareBpf(s.filterRule, cap.linktype, (rule) => cap.setFilter(rule), (t) => io.err(t));
    io.out(bpf.message);

    const engine = new Engine({
      db,
      offline: false,
      onWarning: warn,
      limits: { maxConn: s.maxConn, maxHosts: s.maxHosts, connMaxAge: s.connMaxAge, hostIdleLimit: s.hostIdleLimit },
    });

    // open_log()
    let log: FdWriter | null = null;
    if (s.logFile !== undefined) {
      if (!installLogLock()) warn(logLockWarning(s.logFile));
      const fd = openLogFile(s.logFile);
      const w = new FdWriter(fd);
      log = w;
      undo.push(() => {
        w.flush();
        closeSync(fd);
      });
      io.out(`[+] Log file '${s.logFile}' opened for writing.\n`);
    }

    // open_api()
    if (s.apiSock !== undefined) {
      if (!deps.openApi) throw new P0fFatalError('API server is not available in this build.', 'open_api(), p0f.c:256');
      const api = await deps.openApi(s.apiSock, s.apiMaxConn ?? 20, engine, (t) => io.out(t));
      undo.push(() => api.close());
    }

    const nullFd = s.daemon ? openNullFd() : -1;
    if (s.switchUser !== undefined) dropPrivs(s.switchUser, (t) => io.out(t));
    if (s.daemon) {
      io.flush();
      daemonDetach(nullFd);
    }

    attachEngineOutputs(engine, s, io, log);

    // abort_handler(): first signal stops cleanly, the second exits at once.
    let stopping = false;
    let wake: (why: Error | null) => void = () => {};
    const stopped = new Promise<Error | null>((r) => { wake = r; });
    const requestStop = () => {
      if (stopping) process.exit(1);
      stopping = true;
      cap.stop();
      wake(null);
    };
    const on = (sig: NodeJS.Signals, fn: () => void) => {
      process.on(sig, fn);
      signals.push([sig, fn]);
    };
    on('SIGINT', requestStop);
    on('SIGTERM', requestStop);
    on('SIGHUP', s.daemon ? () => {} : requestStop);

    if (!s.daemon) io.out('[+] Entered main event loop.\n\n');
    io.flush();

    const flush = () => {
      io.flush();
      log?.flush();
    };
    cap.start(
      (lt, sec, usec, buf, off, caplen, wirelen) => engine.processFrame(lt, sec, usec, buf, off, caplen, wirelen),
      (err) => wake(err),
      flush,
    );
    deps.onRunning?.({ capture: cap, engine, stop: requestStop });

    const failure = await stopped;
    flush();
    await cleanup();
    if (failure) {
      if (failure instanceof CaptureError) {
        throw new P0fFatalError('Packet capture interface is down.', 'live_event_loop(), p0f.c:893');
      }
      throw failure;
    }
    warn('User-initiated shutdown.');
    if (!s.daemon) io.out(`\nAll done. Processed ${engine.packetCount} packets.\n`);
    return 0;
  } catch (e) {
    await cleanup();
    throw e;
  } finally {
    for (const [sig, fn] of signals) process.off(sig, fn);
  }
}
