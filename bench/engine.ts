/**
 * `npm run bench`: offline throughput of this package against p0f 3.09b on the same
 * synthetic capture, both writing the -o log; bytes per tracked host; database load time.
 *
 *   npm run bench [-- FLOWS [HOSTS]]     (default 150000 flows = 1.05M packets, 20000 hosts)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDatabase } from '../src/db/readfp.ts';
import { Tracker } from '../src/state/tracker.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(REPO, 'bench/out');
const GEN = resolve(REPO, '../shared/bench/gen_bench_pcap.py');
const flows = Number(process.argv[2] ?? 150000);
const hosts = Number(process.argv[3] ?? 20000);

mkdirSync(OUT, { recursive: true });
const pcap = join(OUT, `bench-${flows}-${hosts}.pcap`);
if (!existsSync(pcap)) {
  if (!existsSync(GEN)) throw new Error(`generator not found: ${GEN}`);
  console.log(`generating ${pcap} ...`);
  execFileSync('python3', [GEN, pcap, String(flows), String(hosts)], { stdio: 'inherit' });
}
const packets = flows * 7;
console.log(`capture: ${pcap} (${packets} packets, ${(statSync(pcap).size / 1e6).toFixed(1)} MB)`);

function timeRun(cmd: string, args: string[]): { seconds: number; out: string } {
  const log = join(OUT, 'bench.log');
  rmSync(log, { force: true });
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, [...args, '-o', log], { encoding: 'latin1', env: { ...process.env, TZ: 'UTC' }, maxBuffer: 1 << 30, stdio: ['ignore', 'ignore', 'pipe'] });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  const lines = execFileSync('wc', ['-l', log], { encoding: 'utf8' }).trim().split(' ')[0];
  rmSync(log, { force: true });
  return { seconds, out: `${lines} log lines` };
}

const fp = existsSync('/etc/p0f/p0f.fp') ? '/etc/p0f/p0f.fp' : join(REPO, 'data/p0f.fp');
// Console report suppressed on both sides (stdout to /dev/null) so the log is what is measured.
const ours = timeRun(process.execPath, [join(REPO, 'bin/p0f.js'), '-f', fp, '-r', pcap]);
const oursPps = packets / ours.seconds;
console.log(`this package: ${ours.seconds.toFixed(2)} s, ${Math.round(oursPps).toLocaleString()} packets/s (${ours.out})`);
if (existsSync('/usr/sbin/p0f')) {
  const real = timeRun('/usr/sbin/p0f', ['-f', fp, '-r', pcap]);
  const realPps = packets / real.seconds;
  console.log(`p0f 3.09b:    ${real.seconds.toFixed(2)} s, ${Math.round(realPps).toLocaleString()} packets/s (${real.out})`);
  console.log(`ratio: ${(oursPps / realPps).toFixed(2)}x p0f`);
} else {
  console.log('p0f 3.09b not installed: no ratio (apt-get install p0f)');
}

// Database load time (median of 21 loads, after one warm-up).
const loads: number[] = [];
for (let i = 0; i < 22; i++) {
  const t0 = process.hrtime.bigint();
  readDatabase(join(REPO, 'data/p0f.fp'));
  if (i) loads.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
loads.sort((a, b) => a - b);
console.log(`database load: ${loads[10]!.toFixed(2)} ms median (first load in a process includes JIT warm-up)`);

// Memory per tracked host at 500k hosts.
const N = 500_000;
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const before = process.memoryUsage().heapUsed;
const tr = new Tracker({ maxConn: 1000, maxHosts: N + 1, connMaxAge: 30, hostIdleLimit: 120 }, true);
const a = new Uint8Array(16);
const b = new Uint8Array(16);
b[0] = 10;
for (let i = 0; i < N; i++) {
  a[0] = 100; a[1] = (i >> 16) & 0xff; a[2] = (i >> 8) & 0xff; a[3] = i & 0xff;
  const f = tr.createFlowFromSyn(a, b, 4, 1024 + (i % 60000), 80, i, 1700000000);
  tr.destroyFlow(f);
}
gc?.();
const after = process.memoryUsage().heapUsed;
const tracked = tr.hostCount; // keeps the table alive across the measurement
console.log(`memory: ${((after - before) / tracked).toFixed(0)} bytes per tracked host at ${tracked.toLocaleString()} hosts` +
  (gc ? '' : ' (run with --expose-gc for an exact figure)'));
