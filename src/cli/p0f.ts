/**
 * The `p0f` command: p0f 3.09b's main() over the engine. Messages, their order and exit
 * codes are p0f's; only the banner names this package.
 */
import { accessSync, constants as fsc } from 'node:fs';
import { readDatabase } from '../db/readfp.ts';
import { locateDatabase } from '../db/locate.ts';
import { P0fFatalError, strerror } from '../errors.ts';
import type { P0fSettings } from '../control/settings.ts';
import { checkCombination, checkOfflineCapture, combinationNotes } from '../control/validate.ts';
import { Engine } from '../engine/engine.ts';
import { readOffline } from '../engine/offline.ts';
import type { Database } from '../db/types.ts';
import { formatConsole } from '../output/console.ts';
import { formatJsonLine } from '../output/json.ts';
import { formatLogLine } from '../output/log.ts';
import { openLogFile } from '../output/log-file.ts';
import { FdWriter } from '../output/writer.ts';
import { parseArgs } from './args.ts';
import { isDaemonChild, spawnDaemon } from './daemon.ts';
import { type CliIo, processIo } from './io.ts';
import { usageText } from './usage.ts';
import { VERSION } from '../version.ts';

export const BANNER = `--- p0f ${VERSION.p0f} (p0f for Node.js ${VERSION.package}) by Michal Zalewski <lcamtuf@coredump.cx> ---\n\n`;

/** Run the p0f command; resolves to the exit code. Never throws for user errors. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  // -d: this process only starts the daemon (the same command, in a new session) and
  // relays its start-up output; the daemon itself prints the banner and runs main() again.
  if (!isDaemonChild() && wantsDaemon(argv)) return spawnDaemon(argv, io);
  io.out(BANNER);
  try {
    return await run(argv, io);
  } catch (e) {
    if (e instanceof P0fFatalError) {
      io.err(e.format());
      io.flush();
      return 1;
    }
    throw e;
  } finally {
    io.flush();
  }
}

function wantsDaemon(argv: readonly string[]): boolean {
  try {
    const a = parseArgs(argv);
    return a.kind === 'run' && a.settings.daemon === true;
  } catch {
    return false;
  }
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const action = parseArgs(argv);
  switch (action.kind) {
    case 'usage':
      io.err(`${action.error}\n${usageText()}`);
      return 1;
    case 'help':
      io.out(usageText());
      return 0;
    case 'version':
      io.out(`p0f for Node.js ${VERSION.package} (p0f ${VERSION.p0f} compatible)\n`);
      return 0;
    case 'list': {
      const { listInterfaces } = await import('./live-interfaces.ts');
      listInterfaces(io);
      return 0;
    }
    case 'run':
      break;
  }
  const s = action.settings;
  checkCombination(s);
  for (const note of combinationNotes(s)) io.out(note + '\n');

  const dbPath = locateDatabase(s.fpFile);
  const db = readDatabase(dbPath);
  if (db.sigCount) io.out(`[+] Loaded ${db.sigCount} signature${db.sigCount === 1 ? '' : 's'} from '${dbPath}'.\n`);
  else io.out(`[!] No signatures found in '${dbPath}'.\n`);

  if (s.readFile === undefined) {
    const { runLive } = await import('./live-loop.ts');
    return runLive(s, db, io);
  }
  return runOffline(s, db, io);
}

/** -r: read a capture file (or standard input for '-') to its end. */
async function runOffline(s: P0fSettings, db: Database, io: CliIo): Promise<number> {
  const file = s.readFile!;
  checkOfflineCapture(s);
  if (file !== '-') {
    try {
      accessSync(file, fsc.R_OK);
    } catch (e) {
      throw new P0fFatalError(`Can't access file '${file}'.`, 'prepare_pcap(), p0f.c:472', strerror(e));
    }
  }
  const warn = (msg: string) => io.err(`[!] WARNING: ${msg}\n`);
  const engine = new Engine({
    db,
    offline: true,
    onWarning: warn,
    limits: { maxConn: s.maxConn, maxHosts: s.maxHosts, connMaxAge: s.connMaxAge, hostIdleLimit: s.hostIdleLimit },
  });

  let log: FdWriter | null = null;
  let stop = false;
  const onSignal = () => {
    if (stop) process.exit(1);
    stop = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await readOffline(file, {
      filterRule: s.filterRule ?? null,
      // Everything p0f does between opening the capture and its first packet.
      onOpen: (_info, filter) => {
        io.out(`[+] Will read pcap data from file '${file}'.\n`);
        io.out(filter.banner);
        if (s.logFile !== undefined) {
          log = new FdWriter(openLogFile(s.logFile));
          io.out(`[+] Log file '${s.logFile}' opened for writing.\n`);
        }
        attachOutputs(engine, s, io, log);
        if (!s.daemon) io.out('[+] Processing capture data.\n\n');
      },
      onFrame: (lt, sec, usec, buf, off, caplen, wirelen) => engine.processFrame(lt, sec, usec, buf, off, caplen, wirelen),
      shouldStop: () => stop,
    });
    (log as FdWriter | null)?.flush();
    if (result.stopped) warn('User-initiated shutdown.');
    else if (result.error !== null) warn(`Capture file '${file}' is truncated: ${result.error}`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    (log as FdWriter | null)?.flush();
  }
  if (!s.daemon) io.out(`\nAll done. Processed ${engine.packetCount} packets.\n`);
  return 0;
}

/** Console report (or NDJSON with --json) and the -o log, fed by the engine. */
export function attachOutputs(engine: Engine, s: P0fSettings, io: CliIo, log: FdWriter | null): void {
  if (s.json) engine.onObservation((o) => io.out(formatJsonLine(o)));
  else if (!s.daemon) engine.onObservation((o) => io.out(formatConsole(o)));
  if (log) {
    const w = log;
    engine.onObservation((o) => w.write(formatLogLine(o)));
  }
}
