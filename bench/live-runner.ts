/**
 * The p0f command's live mode for bench/live.ts, which also needs libpcap's own counters
 * at the end: same arguments as `p0f`, and on exit writes
 * {"recv","drop","ifdrop","processed"} as JSON to the file named by BENCH_STATS.
 * BENCH_RING_BYTES overrides the kernel ring size (libpcap's default is 2 MiB, ours 32 MiB).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from '../src/cli/args.ts';
import { processIo } from '../src/cli/io.ts';
import { type LiveRun, runLive } from '../src/cli/live-loop.ts';
import { BANNER } from '../src/cli/p0f.ts';
import { locateDatabase } from '../src/db/locate.ts';
import { readDatabase } from '../src/db/readfp.ts';
import { P0fFatalError } from '../src/errors.ts';

const io = processIo();
io.out(BANNER);
const action = parseArgs(process.argv.slice(2));
if (action.kind !== 'run') throw new Error('bench runner: give p0f run options');
const s = action.settings;
let run: LiveRun | undefined;
try {
  const db = readDatabase(locateDatabase(s.fpFile));
  const ring = Number(process.env.BENCH_RING_BYTES ?? 0);
  process.exitCode = await runLive(s, db, io, {
    onRunning: (r) => { run = r; },
    ...(ring > 0 ? { capture: { bufferSize: ring } } : {}),
  });
} catch (e) {
  if (!(e instanceof P0fFatalError)) throw e;
  io.err(e.format());
  process.exitCode = 1;
}
io.flush();
if (run && process.env.BENCH_STATS) {
  writeFileSync(process.env.BENCH_STATS, JSON.stringify({ ...run.capture.stats(), processed: run.engine.packetCount }));
}
