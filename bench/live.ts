/**
 * `npm run bench:live`: live capture + fingerprinting under load, against p0f 3.09b.
 *
 * A synthetic capture (full HTTP exchanges from thousands of hosts, the generator the
 * offline benchmark uses) is replayed with tcpreplay onto one end of a veth pair, inside a
 * network namespace made for the run (so nothing can leave it); the sensor listens on the
 * other end with `-o LOG`, either as a daemon (-d, no console report) or in the foreground
 * (console report written to /dev/null). For each rate the sensor is started fresh, the
 * replay runs for a few seconds, then the sensor is stopped with SIGINT and reports
 * libpcap's own counters (pcap_stats) and how many packets reached fingerprinting. For
 * p0f those figures come from a small LD_PRELOAD shim (bench/p0f-stats-shim.c) built at
 * run time; p0f itself is unchanged. A rate passes when ps_drop and ps_ifdrop are 0 and
 * every packet sent was processed. Needs root, tcpreplay, a C compiler and the addon.
 *
 *   npm run bench:live [-- --rates 100000,200000,0 --seconds 5 --variants daemon,console
 *                          --flows 150000 --hosts 20000 --only ours|p0f --ring-mib 2]
 *
 * Rate 0 is tcpreplay --topspeed. tcpreplay shares the machine's two cores with the sensor,
 * so the replayed rate (reported next to the target) is the real test rate.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAddon } from '../src/capture/addon.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(REPO, 'bench/out');
const GEN = resolve(REPO, '../shared/bench/gen_bench_pcap.py');
const REAL = '/usr/sbin/p0f';
const FP = existsSync('/etc/p0f/p0f.fp') ? '/etc/p0f/p0f.fp' : join(REPO, 'data/p0f.fp');

function opt(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : dflt;
}
const rates = opt('rates', '50000,100000,150000,200000,250000,300000,400000,0').split(',').map(Number);
const seconds = Number(opt('seconds', '5'));
const flows = Number(opt('flows', '150000'));
const hosts = Number(opt('hosts', '20000'));
const only = opt('only', '');
/** Kernel ring for this package's sensor, MiB (0: its default, 32 MiB; p0f uses libpcap's 2 MiB). */
const ringMib = Number(opt('ring-mib', '0'));

function fail(msg: string): never {
  console.error(`bench:live: ${msg}`);
  process.exit(1);
}

if (process.getuid?.() !== 0) fail('needs root (packet sockets, network namespaces)');
if (spawnSync('tcpreplay', ['--version'], { stdio: 'ignore' }).status !== 0) fail('tcpreplay not installed (apt-get install tcpreplay)');
if (!loadAddon()) fail('native addon not built (apt-get install libpcap-dev; npm run build:native)');

mkdirSync(OUT, { recursive: true });
const pcap = join(OUT, `bench-${flows}-${hosts}.pcap`);
if (!existsSync(pcap)) {
  if (!existsSync(GEN)) fail(`capture generator not found: ${GEN}`);
  console.log(`generating ${pcap} ...`);
  execFileSync('python3', [GEN, pcap, String(flows), String(hosts)], { stdio: 'inherit' });
}
const filePackets = flows * 7;
console.log(`capture: ${pcap} (${filePackets} packets, ${(statSync(pcap).size / 1e6).toFixed(1)} MB)`);

// The namespace and veth pair: tcpreplay writes into vb0, the sensor reads vb1.
const NS = `p0fbench-${process.pid}`;
const ip = (...a: string[]) => execFileSync('ip', a, { stdio: 'ignore' });
const cleanup = () => spawnSync('ip', ['netns', 'del', NS], { stdio: 'ignore' });
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));
ip('netns', 'add', NS);
ip('netns', 'exec', NS, 'ip', 'link', 'add', 'vb0', 'type', 'veth', 'peer', 'name', 'vb1');
ip('netns', 'exec', NS, 'ip', 'link', 'set', 'vb0', 'up');
ip('netns', 'exec', NS, 'ip', 'link', 'set', 'vb1', 'up');

interface Replay { sent: number; pps: number; seconds: number }

/** Runs tcpreplay without blocking this process's loop (it keeps reading the sensor's pipes). */
function replay(rate: number, count: number): Promise<Replay> {
  const speed = rate > 0 ? [`--pps=${rate}`] : ['--topspeed'];
  return new Promise((resolve) => {
    const c = spawn('ip', ['netns', 'exec', NS, 'tcpreplay', '-i', 'vb0', '--preload-pcap', `--limit=${count}`, ...speed, pcap],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (b) => { out += b; });
    c.stderr.on('data', (b) => { out += b; });
    c.on('close', () => {
      const m = /Actual: (\d+) packets .* sent in ([\d.]+) seconds/.exec(out);
      const p = /Rated: [\d.]+ Bps, [\d.]+ Mbps, ([\d.]+) pps/.exec(out);
      if (!m || !p) fail(`tcpreplay failed: ${out}`);
      resolve({ sent: Number(m[1]), seconds: Number(m[2]), pps: Number(p[1]) });
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Trial {
  rate: number;
  achieved: number;
  sent: number;
  processed: number;
  psRecv: number;
  psDrop: number;
  psIfdrop: number;
}

type Impl = 'ours' | 'p0f';
type Variant = 'console' | 'daemon';

/** Builds the LD_PRELOAD shim that reports p0f's libpcap counters (bench/p0f-stats-shim.c). */
function buildShim(): string {
  const so = join(OUT, 'p0f-stats-shim.so');
  const r = spawnSync('cc', ['-O2', '-shared', '-fPIC', '-o', so, join(REPO, 'bench/p0f-stats-shim.c'), '-ldl', '-lpcap'], { encoding: 'utf8' });
  if (r.status !== 0) fail(`cannot build the p0f stats shim: ${r.stderr}`);
  return so;
}

/**
 * One run: a fresh sensor in the namespace listening on vb1 with -o LOG; 'console' runs it
 * in the foreground (console report formatted and written to /dev/null), 'daemon' with -d
 * (no console report). Both end with SIGINT and report libpcap's counters and the number
 * of packets handed to the fingerprinting code.
 */
async function trial(impl: Impl, variant: Variant, rate: number, shim: string): Promise<Trial> {
  const log = join(OUT, `live-${impl}.log`);
  const stats = join(OUT, `live-${impl}.stats.json`);
  for (const f of [log, stats]) rmSync(f, { force: true });
  const argv = [...(variant === 'daemon' ? ['-d'] : []), '-f', FP, '-i', 'vb1', '-o', log];
  // The machine's own time zone for both: p0f's localtime() per log line is much slower
  // with TZ set in the environment (glibc re-checks the zone file each call).
  const env: NodeJS.ProcessEnv = { ...process.env, BENCH_STATS: stats };
  if (ringMib > 0) env.BENCH_RING_BYTES = String(ringMib * 1024 * 1024);
  let cmd: string[];
  // Output goes to a file: a pipe nobody drains fast enough would stall the sensor.
  const outFile = join(OUT, `live-${impl}.out`);
  rmSync(outFile, { force: true });
  const outFd = openSync(outFile, 'w');
  let stdio: ('ignore' | 'pipe' | number)[];
  if (impl === 'ours') {
    cmd = [process.execPath, '--import', 'tsx', join(REPO, 'bench/live-runner.ts'), ...argv];
    // With -d the runner is the daemon child itself: fd 3 is the ready pipe, fd 4 the
    // user's stderr (see src/cli/daemon.ts).
    stdio = variant === 'daemon' ? ['ignore', outFd, outFd, 'pipe', outFd] : ['ignore', 'ignore', outFd];
    if (variant === 'daemon') env.P0F_DAEMON_CHILD = 'file';
  } else {
    cmd = ['env', `LD_PRELOAD=${shim}`, REAL, ...argv];
    stdio = variant === 'daemon' ? ['ignore', outFd, outFd] : ['ignore', 'ignore', outFd];
  }
  const sensor: ChildProcess = spawn('ip', ['netns', 'exec', NS, ...cmd], { stdio, env, cwd: REPO });
  closeSync(outFd);
  const text = () => readFileSync(outFile, 'latin1');
  const exited = new Promise<number | null>((r) => sensor.on('exit', (c) => r(c)));
  // Ready once the log is open (the last start-up step before the loop).
  const t0 = Date.now();
  while (!existsSync(log)) {
    if (sensor.exitCode !== null && sensor.exitCode !== 0) fail(`${impl} did not start: ${text()}`);
    if (Date.now() - t0 > 30000) fail(`${impl} did not start: ${text()}`);
    await sleep(50);
  }
  await sleep(500);
  const count = Math.min(filePackets, rate > 0 ? Math.round(rate * seconds) : filePackets);
  const r = await replay(rate, count);
  // Let the sensor work through what is queued, then stop it the way a user would.
  await sleep(2000);
  if (impl === 'p0f' && variant === 'daemon') {
    const m = /Daemon process created, PID (\d+)/.exec(text());
    if (!m) fail(`p0f -d printed no PID: ${text()}`);
    process.kill(Number(m[1]), 'SIGINT');
  } else {
    sensor.kill('SIGINT');
    const code = await exited;
    if (code !== 0) fail(`${impl} exited with ${code}: ${text()}`);
  }
  const t1 = Date.now();
  while (!existsSync(stats) || statSync(stats).size === 0) {
    if (Date.now() - t1 > 30000) fail(`${impl}: no end-of-run figures: ${text()}`);
    await sleep(50);
  }
  await sleep(50);
  const st = JSON.parse(readFileSync(stats, 'utf8')) as { recv: number; drop: number; ifdrop: number; processed: number };
  for (const f of [log, stats, outFile]) rmSync(f, { force: true });
  return { rate, achieved: Math.round(r.pps), sent: r.sent, processed: st.processed, psRecv: st.recv, psDrop: st.drop, psIfdrop: st.ifdrop };
}

function lossless(t: Trial): boolean {
  return t.processed === t.sent && t.psDrop === 0 && t.psIfdrop === 0;
}

const impls: Impl[] = [];
if (only !== 'p0f') impls.push('ours');
if (only !== 'ours') {
  if (existsSync(REAL)) impls.push('p0f');
  else console.log('p0f 3.09b not installed (apt-get install p0f): measuring this package only');
}
const variants: Variant[] = opt('variants', 'daemon,console').split(',') as Variant[];
const shim = impls.includes('p0f') ? buildShim() : '';

const name = (impl: Impl) => (impl === 'ours' ? 'this package' : 'p0f 3.09b   ');
const results = new Map<string, Trial[]>();
for (const variant of variants) {
  console.log(`\n== ${variant === 'daemon' ? 'p0f -d -i IF -o LOG (no console report)' : 'p0f -i IF -o LOG (console report to /dev/null)'}`);
  for (const impl of impls) {
    const list: Trial[] = [];
    results.set(`${impl}/${variant}`, list);
    for (const rate of rates) {
      const t = await trial(impl, variant, rate, shim);
      list.push(t);
      console.log(`${name(impl)} target ${rate ? rate.toLocaleString().padStart(9) : ' topspeed'} pps, replayed ${t.achieved.toLocaleString().padStart(9)} pps: ` +
        `sent ${t.sent}, processed ${t.processed}, ps_recv ${t.psRecv}, ps_drop ${t.psDrop}, ps_ifdrop ${t.psIfdrop}` +
        (lossless(t) ? '  OK' : `  LOST ${t.sent - t.processed}`));
    }
  }
}

console.log('\nhighest replayed rate with no loss (libpcap ps_drop = 0 and every packet sent processed):');
for (const variant of variants) {
  for (const impl of impls) {
    const list = results.get(`${impl}/${variant}`)!;
    const ok = list.filter(lossless);
    const best = ok.length ? Math.max(...ok.map((t) => t.achieved)) : 0;
    const firstLoss = list.filter((t) => !lossless(t)).sort((a, b) => a.achieved - b.achieved)[0];
    console.log(`  ${variant.padEnd(7)} ${name(impl)}: ${best.toLocaleString()} packets/s` +
      (firstLoss ? ` (first loss at ${firstLoss.achieved.toLocaleString()} packets/s)` : ' (no loss at any rate tried)'));
  }
}
