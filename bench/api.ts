/**
 * npm run bench:api — API queries per second and latency, our daemon against p0f 3.09b.
 *
 * Both daemons run as the user would run them (`p0f -i lo -S 100 -s SOCK 'tcp port P'`,
 * ours through bin/p0f.js with the same arguments), side by side, with a host record for
 * 127.0.0.1 made by a few real connections. A small C load generator (bench/api-load.c,
 * compiled here) keeps 1, 20 or 100 clients each with one query outstanding (closed loop)
 * for a few seconds; rounds alternate between the daemons and the median is reported:
 * queries/s, p50/p99 latency, and the daemon's CPU time per query (from /proc), which is
 * the steadiest figure on a shared machine.
 *
 * Needs root (capture on lo), the real p0f (apt-get install p0f) and a C compiler.
 * BENCH_SECONDS (default 3) and BENCH_ROUNDS (default 3) tune the run; BENCH_JSON=path
 * writes the results as JSON too.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeQuery, decodeResponse, P0F_STATUS_OK, RESPONSE_SIZE } from '../src/api/protocol.ts';
import { connect } from 'node:net';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const REAL = '/usr/sbin/p0f';
const FP = '/etc/p0f/p0f.fp';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LEVELS = [1, 20, 100];
/**
 * With two or more CPUs and taskset, each daemon runs on CPU 0 and the load generator on
 * CPU 1, so neither daemon gains or loses from where the scheduler happens to put things.
 */
const PIN = availableParallelism() >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0 && process.env.BENCH_PIN !== '0';
const pinned = (cpu: number, cmd: string, args: string[]): [string, string[]] =>
  (PIN ? ['taskset', ['-c', String(cpu), cmd, ...args]] : [cmd, args]);

function fail(msg: string): never {
  process.stderr.write(`bench:api: ${msg}\n`);
  process.exit(1);
}

if (process.getuid?.() !== 0) fail('needs root (both daemons capture on lo)');
if (!existsSync(REAL) || !existsSync(FP)) fail('the real p0f 3.09b is not installed (apt-get install p0f)');

const dir = mkdtempSync(join(tmpdir(), 'p0f-bench-api-'));
const loadBin = join(dir, 'api-load');
const cc = spawnSync('cc', ['-O2', '-o', loadBin, join(ROOT, 'bench', 'api-load.c')], { encoding: 'utf8' });
if (cc.status !== 0) fail(`cannot build the load generator: ${cc.error?.message ?? cc.stderr}`);

interface Daemon { name: string; sock: string; child: ChildProcess; out: string }

function startDaemon(name: string, cmd0: string, args0: string[]): Daemon {
  const [cmd, args] = pinned(0, cmd0, args0);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TZ: 'UTC' } });
  const d: Daemon = { name, sock: args[args.indexOf('-s') + 1]!, child, out: '' };
  child.stdout!.on('data', (b) => { d.out += b; });
  child.stderr!.on('data', (b) => { d.out += b; });
  return d;
}

async function waitFor(d: Daemon, text: string): Promise<void> {
  const end = Date.now() + 20000;
  while (!d.out.includes(text)) {
    if (d.child.exitCode !== null || Date.now() > end) fail(`${d.name} did not start:\n${d.out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** CPU time (user + system) of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / 100;
}

async function ask(sock: string, ip: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = connect(sock, () => s.write(encodeQuery(ip)));
    let buf = Buffer.alloc(0);
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= RESPONSE_SIZE) {
        s.destroy();
        resolve(decodeResponse(buf).status);
      }
    });
    s.on('error', reject);
  });
}

interface Run { qps: number; p50: number; p99: number; cpuUsPerQuery: number; errors: number }

function runLoad(d: Daemon, clients: number, queries: string[]): Run {
  const pid = d.child.pid!;
  const c0 = cpuSeconds(pid);
  const [cmd, args] = pinned(1, loadBin, [d.sock, String(clients), String(SECONDS), ...queries]);
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: (SECONDS + 30) * 1000 });
  const c1 = cpuSeconds(pid);
  if (r.status !== 0) fail(`load generator against ${d.name}: ${r.stderr || r.error?.message}`);
  const j = JSON.parse(r.stdout) as { queries: number; seconds: number; p50_us: number; p99_us: number; errors: number };
  return {
    qps: j.queries / j.seconds,
    p50: j.p50_us,
    p99: j.p99_us,
    cpuUsPerQuery: j.queries ? ((c1 - c0) * 1e6) / j.queries : NaN,
    errors: j.errors,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function main(): Promise<void> {
  // A port for the filter and a server for the connections that make the host record.
  const srv = createServer((s) => { s.on('error', () => {}); s.end('ok\n'); });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  const rule = `tcp port ${port}`;
  const daemons = [
    startDaemon('ours', process.execPath, [join(ROOT, 'bin', 'p0f.js'), '-f', FP, '-i', 'lo', '-S', '100', '-s', join(dir, 'ours.sock'), rule]),
    startDaemon('p0f 3.09b', REAL, ['-f', FP, '-i', 'lo', '-S', '100', '-s', join(dir, 'real.sock'), rule]),
  ];
  const stop = () => {
    for (const d of daemons) if (d.child.exitCode === null) d.child.kill('SIGINT');
  };
  process.on('exit', stop);
  try {
    for (const d of daemons) await waitFor(d, 'Entered main event loop');
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve) => {
        const s = connect(port, '127.0.0.1');
        s.on('data', () => {});
        s.on('close', () => resolve());
        s.on('error', () => resolve());
      });
    }
    await new Promise((r) => setTimeout(r, 500));
    for (const d of daemons) {
      const st = await ask(d.sock, '127.0.0.1');
      if (st !== P0F_STATUS_OK) fail(`${d.name} has no record for 127.0.0.1 (status ${st})`);
    }
    // Mostly hosts it knows, some it does not.
    const queries = ['127.0.0.1', '127.0.0.1', '127.0.0.1', '192.0.2.1'].map((ip) => encodeQuery(ip).toString('hex'));

    const results: Record<string, Record<number, Run[]>> = {};
    for (const d of daemons) results[d.name] = {};
    for (const level of LEVELS) {
      for (let round = 0; round < ROUNDS; round++) {
        // alternate who goes first, so drift in the machine's load hits both alike
        const order = round % 2 ? [...daemons].reverse() : daemons;
        for (const d of order) (results[d.name]![level] ??= []).push(runLoad(d, level, queries));
      }
    }

    const rows: string[] = [];
    const summary: Record<string, unknown>[] = [];
    rows.push('clients  daemon       queries/s   p50 us   p99 us   cpu us/query');
    for (const level of LEVELS) {
      for (const d of daemons) {
        const runs = results[d.name]![level]!;
        const s = {
          clients: level,
          daemon: d.name,
          qps: Math.round(median(runs.map((r) => r.qps))),
          p50_us: median(runs.map((r) => r.p50)),
          p99_us: median(runs.map((r) => r.p99)),
          cpu_us_per_query: Number(median(runs.map((r) => r.cpuUsPerQuery)).toFixed(2)),
          errors: runs.reduce((a, r) => a + r.errors, 0),
          rounds: runs.map((r) => Math.round(r.qps)),
        };
        summary.push(s);
        rows.push(`${String(level).padStart(7)}  ${d.name.padEnd(11)} ${String(s.qps).padStart(10)} ${String(s.p50_us).padStart(8)} ` +
          `${String(s.p99_us).padStart(8)} ${s.cpu_us_per_query.toFixed(2).padStart(14)}`);
      }
      const [ours, real] = summary.slice(-2) as { qps: number }[];
      rows.push(`         ours / p0f: ${(ours!.qps / real!.qps).toFixed(2)}x`);
    }
    const native = spawnSync(process.execPath, ['--import', 'tsx', '-e',
      "import('./src/api/native-io.ts').then((m) => console.log(m.loadApiAddon() ? 'native I/O core' : 'Node sockets (' + m.apiAddonLoadError() + ')'))"],
    { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
    process.stdout.write(`API benchmark: ${SECONDS}s x ${ROUNDS} rounds per point, median; our server: ${native}` +
      `${PIN ? '; daemons on CPU 0, load on CPU 1' : ''}\n`);
    process.stdout.write(`${rows.join('\n')}\n`);
    if (process.env.BENCH_JSON) {
      writeFileSync(process.env.BENCH_JSON, `${JSON.stringify({ seconds: SECONDS, rounds: ROUNDS, io: native, pinned: PIN, results: summary }, null, 1)}\n`);
    }
  } finally {
    stop();
    await Promise.all(daemons.map((d) => (d.child.exitCode === null ? new Promise((r) => d.child.once('exit', r)) : null)));
    srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
