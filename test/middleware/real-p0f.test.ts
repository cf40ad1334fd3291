/**
 * The three middleware with the real p0f 3.09b as the daemon: p0f listens on lo (filtered
 * to the apps' ports), curl makes real HTTP requests over loopback, and each app must see
 * what p0f knows about 127.0.0.1; then p0f is stopped (requests go on, with null, without
 * delay) and started again (the data comes back). Needs root and the real p0f.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { P0fClient } from '../../src/api/client.ts';
import { haveRealP0f, REAL_FP, startReal, type Proc } from '../live/p0f-proc.ts';
import { isRoot } from '../live/netns.ts';
import { sleep, tempDir } from '../api/helpers.ts';
import { APPS, type AppUnderTest } from './apps.ts';

const execFileP = promisify(execFile);

const skip = (!isRoot() && 'needs root (p0f captures on lo)') || (!haveRealP0f() && 'the real p0f 3.09b is not installed') ||
  (spawnSync('sh', ['-c', 'command -v curl']).status !== 0 && 'curl not installed');

/** curl, run asynchronously: the apps live in this process and must keep serving. */
async function curl(port: number): Promise<{ ms: number; body: Record<string, unknown> | null }> {
  const t0 = performance.now();
  const { stdout } = await execFileP('curl', ['-s', '-H', 'Accept-Language: pl', `http://127.0.0.1:${port}/who`], { timeout: 10000 });
  return { ms: performance.now() - t0, body: JSON.parse(stdout) };
}

describe('middleware with the real p0f 3.09b on loopback', { skip }, () => {
  const tmp = tempDir('p0f-mw-real-');
  const sock = tmp.path('p0f.sock');
  const apps: [string, AppUnderTest][] = [];
  const logs: string[] = [];
  let p0f: Proc | null = null;
  let rule = '';

  const startP0f = async () => {
    p0f = startReal(['-f', REAL_FP, '-i', 'lo', '-s', sock, rule]);
    await p0f.waitOut('Entered main event loop');
  };
  const stopP0f = async () => {
    if (!p0f) return;
    p0f.child.kill('SIGINT');
    await p0f.exited;
    p0f = null;
  };

  before(async () => {
    for (const [name, factory] of APPS) {
      apps.push([name, await factory({ socketPath: sock, timeout: 300, retryAfterMs: 200, log: (m) => logs.push(m) }, '127.0.0.1')]);
    }
    rule = apps.map(([, a]) => `port ${a.port}`).join(' or ');
    await startP0f();
  });
  after(async () => {
    for (const [, a] of apps) await a.close();
    await stopP0f();
    tmp.remove();
  });

  /** Requests until p0f has seen a SYN of ours (the first request may beat its capture). */
  async function seen(port: number): Promise<Record<string, unknown>> {
    for (let i = 0; i < 20; i++) {
      const { body } = await curl(port);
      if (body && body.osName !== undefined && body.language !== null) return body;
      await sleep(100);
    }
    throw new Error('p0f data never reached the app');
  }

  test('daemon up: each app sees p0f\'s record for 127.0.0.1', async () => {
    const client = new P0fClient(sock);
    try {
      for (const [name, app] of apps) {
        const body = await seen(app.port);
        const truth = await client.getInfo('127.0.0.1');
        assert.equal(body.osName, truth.osName, name);
        assert.equal(body.osFlavor, truth.osFlavor, name);
        assert.equal(body.osMatchQ, truth.osMatchQ, name);
        assert.equal(body.distance, truth.distance, name);
        assert.equal(body.language, 'Polish', name);
        assert.equal(body.firstSeen, truth.firstSeen.toISOString(), name);
        assert.ok((body.totalConn as number) >= 1 && (body.totalConn as number) <= truth.totalConn, name);
      }
    } finally {
      await client.close();
    }
  });

  test('daemon stopped: null, without delay, one log line; restarted: data again', async () => {
    await stopP0f();
    for (const [name, app] of apps) {
      const times: number[] = [];
      for (let i = 0; i < 8; i++) {
        const r = await curl(app.port);
        assert.equal(r.body, null, name);
        times.push(r.ms);
      }
      times.sort((a, b) => a - b);
      // curl itself takes a few ms to start; a lookup that waited would add the 300 ms timeout
      assert.ok(times[4]! < 250, `${name}: median ${times[4]!.toFixed(0)} ms with p0f down`);
    }
    assert.equal(logs.filter((l) => l.includes('cannot query p0f')).length, APPS.length, logs.join('\n'));
    await startP0f();
    await sleep(250);
    for (const [name, app] of apps) {
      const body = await seen(app.port);
      assert.equal(body.language, 'Polish', name);
    }
    assert.equal(logs.filter((l) => l.includes('answers again')).length, APPS.length);
  });
});
