/**
 * One scenario run against each framework: a real server on loopback (dual-stack, so IPv4
 * peers arrive as ::ffff:127.0.0.1), real HTTP requests, and an API daemon (our ApiServer
 * over a hand-made host table) that is up, then down, then back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import http from 'node:http';
import { createServer as netServer, type Server } from 'node:net';
import { rmSync } from 'node:fs';
import { ApiServer } from '../../src/api/server.ts';
import type { AppFactory, AppUnderTest } from './apps.ts';
import { HostTable, makeHost, sleep, tempDir } from '../api/helpers.ts';

/** GET over loopback with a fresh connection; resolves with status, parsed body and time taken. */
export function get(port: number, host: '127.0.0.1' | '::1'): Promise<{ status: number; body: unknown; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: '/who', agent: false }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { data += d; });
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(data), ms: performance.now() - t0 }));
    });
    req.on('error', reject);
  });
}

async function startApi(path: string, table: HostTable): Promise<ApiServer> {
  const s = new ApiServer({ path, maxConn: 20, lookupHost: table.lookup, db: { names: ['Linux', 'Windows', 'curl'] } });
  await s.listen();
  return s;
}

export function middlewareSuite(name: string, factory: AppFactory): void {
  describe(`${name} middleware over loopback`, () => {
    const tmp = tempDir(`p0f-mw-${name}-`);
    const sock = tmp.path('p0f.sock');
    const table = new HostTable();
    table.set('127.0.0.1', makeHost({ totalConn: 7, lastNameId: 0, lastFlavor: '3.11 and newer', distance: 0, language: 'English' }));
    table.set('::1', makeHost({ totalConn: 9, lastNameId: 1, lastFlavor: '7 or 8', httpNameId: 2, httpFlavor: '7.x' }));
    let api: ApiServer | null = null;
    const logs: string[] = [];
    let app: AppUnderTest;

    before(async () => {
      api = await startApi(sock, table);
      app = await factory({ socketPath: sock, timeout: 200, retryAfterMs: 300, log: (m) => logs.push(m) });
    });
    after(async () => {
      await app?.close();
      await api?.close();
      tmp.remove();
    });

    test('daemon up: the visitor\'s data (IPv4 arriving as IPv4-mapped, and IPv6)', async () => {
      const v4 = await get(app.port, '127.0.0.1');
      assert.equal(v4.status, 200);
      const b4 = v4.body as Record<string, unknown>;
      assert.equal(b4.totalConn, 7);
      assert.equal(b4.osName, 'Linux');
      assert.equal(b4.osFlavor, '3.11 and newer');
      assert.equal(b4.distance, 0);
      assert.equal(b4.language, 'English');
      assert.equal(b4.firstSeen, new Date(1700000000000).toISOString());
      const v6 = (await get(app.port, '::1')).body as Record<string, unknown>;
      assert.equal(v6.totalConn, 9);
      assert.equal(v6.osName, 'Windows');
      assert.equal(v6.httpName, 'curl');
      assert.equal(v6.distance, null);
    });

    test('no data for the host: null', async () => {
      const saved = table.get('127.0.0.1')!;
      table.remove('127.0.0.1');
      try {
        assert.equal((await get(app.port, '127.0.0.1')).body, null);
      } finally {
        table.set('127.0.0.1', saved);
      }
    });

    test('daemon down: null at once, logged once; restarted: data again', async () => {
      await api!.close();
      api = null;
      const times: number[] = [];
      for (let i = 0; i < 25; i++) {
        const r = await get(app.port, i % 2 ? '::1' : '127.0.0.1');
        assert.equal(r.status, 200);
        assert.equal(r.body, null);
        times.push(r.ms);
      }
      const down = logs.filter((l) => l.includes('cannot query p0f'));
      assert.equal(down.length, 1, `one log line for the outage: ${JSON.stringify(logs)}`);
      times.sort((a, b) => a - b);
      assert.ok(times[12]! < 50, `median request with p0f down: ${times[12]!.toFixed(1)} ms`);
      api = await startApi(sock, table);
      await sleep(350);
      // the first request after the pause probes p0f again and gets its answer
      let body: unknown = null;
      for (let i = 0; i < 10 && body === null; i++) {
        body = (await get(app.port, '127.0.0.1')).body;
        if (body === null) await sleep(100);
      }
      assert.equal((body as Record<string, unknown>).totalConn, 7);
      assert.equal(logs.filter((l) => l.includes('answers again')).length, 1);
    });

    test('daemon hung: a request waits at most the timeout, the next ones not at all', async () => {
      await api!.close();
      api = null;
      rmSync(sock, { force: true });
      const silent: Server = netServer((s) => {
        s.on('error', () => {});
        s.resume(); // reads (and drops) queries, so it sees the client leave
      });
      await new Promise<void>((r) => silent.listen(sock, r));
      try {
        await sleep(350);
        const first = await get(app.port, '127.0.0.1');
        assert.equal(first.body, null);
        assert.ok(first.ms < 1000, `first request ${first.ms.toFixed(0)} ms`);
        const rest: number[] = [];
        for (let i = 0; i < 10; i++) rest.push((await get(app.port, '127.0.0.1')).ms);
        rest.sort((a, b) => a - b);
        assert.ok(rest[5]! < 50, `median while hung: ${rest[5]!.toFixed(1)} ms`);
      } finally {
        await new Promise<void>((r) => silent.close(() => r()));
        rmSync(sock, { force: true });
        api = await startApi(sock, table);
      }
    });

    test('enabled: false attaches null and never connects', async () => {
      const before = table.lookups;
      const off = await factory({ enabled: false });
      try {
        const r = await get(off.port, '127.0.0.1');
        assert.equal(r.status, 200);
        assert.equal(r.body, null);
        assert.equal(table.lookups, before);
      } finally {
        await off.close();
      }
    });
  });
}
