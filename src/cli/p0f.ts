/**
 * The `p0f` command: p0f 3.09b's main() over the engine. Messages, their order and exit
 * codes are p0f's; only the banner names this package.
 */
import { readDatabase } from '../db/readfp.ts';
import { locateDatabase } from '../db/locate.ts';
import { P0fFatalError } from '../errors.ts';
import type { P0fSettings } from '../control/settings.ts';
import { checkCombination, combinationNotes } from '../control/validate.ts';
import { Engine } from '../engine/engine.ts';
import { Sensor } from '../control/sensor.ts';
import type { Database } from '../db/types.ts';
import { formatConsole } from '../output/console.ts';
import { formatJsonLine } from '../output/json.ts';
import { formatLogLine } from '../output/log.ts';
import { FdWriter } from '../output/writer.ts';
import { parseArgs } from './args.ts';
import { isDaemonChild, spawnDaemon } from './daemon.ts';
import { type CliIo, jsonIo, processIo } from './io.ts';
import { usageText } from './usage.ts';
import { VERSION } from '../version.ts';

export const BANNER = `--- p0f ${VERSION.p0f} (p0f for Node.js ${VERSION.package}) by Michal Zalewski <lcamtuf@coredump.cx> ---\n\n`;

/** Run the p0f command; resolves to the exit code. Never throws for user errors. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  // -d: this process only starts the daemon (the same command, in a new session) and
  // relays its start-up output; the daemon itself prints the banner and runs main() again.
  if (!isDaemonChild() && wantsDaemon(argv)) return spawnDaemon(argv, io);
  if (argv.includes('--json')) io = jsonIo(io);
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

/** -r: read a capture file (or standard input for '-') to its end, through the Sensor. */
async function runOffline(s: P0fSettings, db: Database, io: CliIo): Promise<number> {
  const warn = (msg: string) => io.err(`[!] WARNING: ${msg}\n`);
  const sensor = new Sensor({ ...s, db, cooperative: false }, {
    status: (l) => io.out(l),
    warning: warn,
    error: (t) => io.err(t),
  });
  // Console or NDJSON report (the log is the sensor's own output).
  attachOutputs(sensor, s, io);
  let stop = false;
  const onSignal = () => {
    if (stop) process.exit(1);
    stop = true;
    void sensor.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await sensor.start();
    const result = await sensor.finished;
    if (result.stopped) warn('User-initiated shutdown.');
    else if (result.truncated !== null) warn(`Capture file '${s.readFile}' is truncated: ${result.truncated}`);
    if (!s.daemon) io.out(`\nAll done. Processed ${result.packets} packets.\n`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return 0;
}

/** Console report (or NDJSON with --json) and the -o log, fed by an engine directly. */
export function attachEngineOutputs(engine: Engine, s: P0fSettings, io: CliIo, log: FdWriter | null): void {
  if (s.json) engine.onObservation((o) => (io.data ?? io.out)(formatJsonLine(o)));
  else if (!s.daemon) engine.onObservation((o) => io.out(formatConsole(o)));
  if (log) {
    const w = log;
    engine.onObservation((o) => w.write(formatLogLine(o)));
  }
}

/** Console report (or NDJSON with --json), fed by the sensor's observations. */
export function attachOutputs(sensor: Sensor, s: P0fSettings, io: CliIo): void {
  if (s.json) sensor.on('observation', (o) => (io.data ?? io.out)(formatJsonLine(o)));
  else if (!s.daemon) sensor.on('observation', (o) => io.out(formatConsole(o)));
}
