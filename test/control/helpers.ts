/** Shared helpers for the control API tests: real p0f runs, temp dirs, HTTP servers, curl. */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAddon } from '../../src/capture/addon.ts';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES = join(REPO, 'test/fixtures/captures');
export const REAL_P0F = '/usr/sbin/p0f';
export const REAL_FP = '/etc/p0f/p0f.fp';
/** The database p0f's recorded truths were made with (the bundled copy otherwise). */
export const FP = existsSync(REAL_FP) ? REAL_FP : join(REPO, 'data/p0f.fp');

export function haveRealP0f(): boolean {
  return existsSync(REAL_P0F);
}

/** The real p0f 3.09b with these arguments: its exit code and stderr (it exits at once on a refusal). */
export function realP0f(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(REAL_P0F, args, { encoding: 'latin1', timeout: 10000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Why tests that capture on lo cannot run (false when they can). */
export function loSkipReason(): string | false {
  if (process.platform !== 'linux') return 'live capture needs Linux';
  if (process.getuid?.() !== 0) return 'live capture on lo needs root';
  if (!loadAddon()) return 'native addon not built (apt-get install libpcap-dev; npm run build:native)';
  if (spawnSync('sh', ['-c', 'command -v curl'], { stdio: 'ignore' }).status !== 0) return 'curl not installed';
  return false;
}

export function tempDir(prefix: string): { dir: string; path: (n: string) => string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, path: (n) => join(dir, n), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** An HTTP server on 127.0.0.1 answering "ok\n" with a Server header; resolves with it and its port. */
export async function httpServer(handler?: http.RequestListener): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer(handler ?? ((_req, res) => {
    res.setHeader('Server', 'p0f-control-test/1.0');
    res.end('ok\n');
  }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as net.AddressInfo).port };
}

/** A real curl request (a separate process, so a separate TCP stack user). */
export function curl(url: string, extra: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile('curl', ['-s', '--max-time', '10', '-H', 'Accept-Language: en-US,en;q=0.5',
      '-A', 'Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0', ...extra, url],
    { encoding: 'latin1' }, (err, stdout, stderr) => {
      res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** Poll until `cond` holds (or fail after `ms`). */
export async function waitFor(cond: () => boolean, ms = 10000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function splitLines(s: string): string[] {
  const l = s.split('\n');
  if (l.length && l[l.length - 1] === '') l.pop();
  return l;
}
