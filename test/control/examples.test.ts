/**
 * examples/run.ts and examples/client.ts, run the way the docs tell a user to run them
 * (node --import tsx examples/..., from the package directory), as separate processes:
 * run.ts fingerprints lo and serves the API socket, curl makes real traffic, client.ts asks
 * about 127.0.0.1, and Ctrl-C (SIGINT) stops run.ts cleanly. client.ts is also pointed at
 * the real p0f 3.09b when it is installed. Needs root and the native addon.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { curl, haveRealP0f, httpServer, loSkipReason, REAL_P0F, REPO, tempDir, waitFor } from './helpers.ts';

const skip = loSkipReason();

interface Proc {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<number | null>;
}

/** Started with a time limit: a process still there after `limitMs` is killed (a test never hangs). */
function run(cmd: string, args: string[], limitMs = 60000): Proc {
  const child = spawn(cmd, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  const limit = setTimeout(() => child.kill('SIGKILL'), limitMs);
  child.on('exit', () => clearTimeout(limit));
  const p: Proc = { child, stdout: '', stderr: '', exited: null as unknown as Promise<number | null> };
  child.stdout!.on('data', (d: Buffer) => { p.stdout += d.toString('latin1'); });
  child.stderr!.on('data', (d: Buffer) => { p.stderr += d.toString('latin1'); });
  p.exited = new Promise((r) => child.on('close', (code) => r(code)));
  return p;
}

/** examples/client.ts as a user runs it. */
async function client(sock: string, ip: string): Promise<Proc & { code: number | null }> {
  const p = run(process.execPath, ['--import', 'tsx', 'examples/client.ts', sock, ip], 20000);
  const code = await p.exited;
  return { ...p, code };
}

describe('examples', { skip, timeout: 120000 }, () => {
  const t = tempDir('p0f-examples-');
  const procs: Proc[] = [];
  let port = 0;
  let close: () => void = () => {};
  before(async () => {
    const s = await httpServer();
    port = s.port;
    close = () => s.server.close();
  });
  after(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    close();
    t.remove();
  });

  test('run.ts on lo + client.ts after real traffic; Ctrl-C stops run.ts and removes the socket', async () => {
    const sock = t.path('p0f.sock');
    const p = run(process.execPath, ['--import', 'tsx', 'examples/run.ts', 'lo', sock]);
    procs.push(p);
    await waitFor(() => p.stdout.includes('[+] Entered main event loop.\n\n') || p.child.exitCode !== null, 20000, 'run.ts');
    assert.match(p.stdout, /^--- p0f 3\.09b .*---\n\n\[\+\] Loaded \d+ signatures from '.*p0f\.fp'\.\n\[\+\] Intercepting traffic on interface 'lo'\.\n/);
    assert.ok(p.stdout.includes(`[+] Listening on API socket '${sock}' (max 20 clients).\n`));
    assert.ok(existsSync(sock));

    const r = await curl(`http://127.0.0.1:${port}/example`);
    assert.equal(r.stdout, 'ok\n');
    await waitFor(() => p.stdout.includes('(http response) ]-'), 10000, 'the report');

    const known = await client(sock, '127.0.0.1');
    assert.equal(known.code, 0, known.stderr);
    assert.match(known.stdout, /^First seen {4}= \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\nLast update {3}= /);
    assert.match(known.stdout, /\nDetected OS {3}= Linux /);
    assert.match(known.stdout, /\nLanguage {6}= English\n/);
    assert.match(known.stdout, /\nDistance {6}= 0\n/);

    const unknown = await client(sock, '192.0.2.99');
    assert.equal(unknown.code, 0);
    assert.equal(unknown.stdout, "No matching host in p0f cache. That's all we know.\n");

    p.child.kill('SIGINT');
    assert.equal(await p.exited, 0, p.stderr);
    assert.match(p.stderr, /\[!\] WARNING: User-initiated shutdown\.\n/);
    assert.match(p.stdout, /\nAll done\. Processed \d+ packets\.\n$/);
    assert.equal(existsSync(sock), false);
  });

  test('client.ts: no socket -> the OS error and status 1; a bad address -> p0f-client\'s refusal', async () => {
    const none = await client(t.path('nobody-here.sock'), '127.0.0.1');
    assert.equal(none.code, 1);
    assert.match(none.stderr, /ENOENT/);
    const bad = await client(t.path('nobody-here.sock'), '1.2.3');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Malformed IPv4 address\./);
    const usage = run(process.execPath, ['--import', 'tsx', 'examples/client.ts', t.path('x')]);
    assert.equal(await usage.exited, 1);
    assert.match(usage.stderr, /^Usage: client\.ts \/path\/to\/socket host_ip\n/);
  });

  test('run.ts on an interface that does not exist: p0f\'s error, status 1', async () => {
    const p = run(process.execPath, ['--import', 'tsx', 'examples/run.ts', 'p0fnosuch0', t.path('x.sock')]);
    procs.push(p);
    assert.equal(await p.exited, 1);
    assert.match(p.stderr, /\[-\] (PROGRAM ABORT|SYSTEM ERROR) : /);
    assert.equal(existsSync(t.path('x.sock')), false);
  });

  test('client.ts asks p0f 3.09b itself', { skip: !haveRealP0f() && 'p0f 3.09b not installed' }, async () => {
    const sock = t.path('real.sock');
    const p = run(REAL_P0F, ['-i', 'lo', '-s', sock, `tcp port ${port}`]);
    procs.push(p);
    try {
      await waitFor(() => p.stdout.includes('Entered main event loop') || p.child.exitCode !== null, 10000, 'p0f');
      assert.ok(existsSync(sock), p.stderr);
      await curl(`http://127.0.0.1:${port}/real`);
      await waitFor(() => p.stdout.includes('(http request) ]-'), 10000, 'p0f\'s report');
      const r = await client(sock, '127.0.0.1');
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /\nDetected OS {3}= Linux /);
    } finally {
      p.child.kill('SIGINT');
      await p.exited;
    }
  });
});
