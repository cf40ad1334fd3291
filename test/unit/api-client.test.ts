/**
 * P0fClient against our ApiServer and against scripted fake daemons (split answers,
 * silence, bad bytes, restarts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { rmSync } from 'node:fs';
import { P0fClient } from '../../src/api/client.ts';
import { ApiServer } from '../../src/api/server.ts';
import {
  P0fApiError, P0fBadQueryError, P0fConnectionError, P0fInvalidAddressError, P0fNoMatchError, P0fProtocolError,
  P0fTimeoutError,
} from '../../src/api/errors.ts';
import { decodeQuery, encodeResponse, encodeStatusResponse, NATIVE_LE, QUERY_SIZE, RESPONSE_SIZE, RESP } from '../../src/api/protocol.ts';
import { HostTable, makeHost, sleep, tempDir } from '../api/helpers.ts';

const tmp = tempDir('p0f-api-cli-');
let n = 0;
const sockPath = () => tmp.path(`c${n++}.sock`);

async function ourServer(path = sockPath()) {
  const table = new HostTable();
  table.set('10.1.1.1', makeHost({ totalConn: 11, lastNameId: 0, lastFlavor: '3.x', distance: 4, lastUpMin: 90, upModDays: 24 }));
  table.set('2001:db8::5', makeHost({ totalConn: 5, lastNameId: 1 }));
  table.set('10.9.9.9', makeHost({ totalConn: 9 }));
  const server = new ApiServer({ path, maxConn: 20, lookupHost: table.lookup, db: { names: ['Linux', 'Windows'] } });
  await server.listen();
  return { server, table, path };
}

/** A fake daemon: `onQuery` decides what goes back for each whole query. */
async function fakeDaemon(path: string, onQuery: (q: Buffer, sock: Socket, index: number) => void): Promise<Server & { conns: number }> {
  rmSync(path, { force: true });
  let index = 0;
  const srv = createServer((s) => {
    (srv as Server & { conns: number }).conns++;
    let buf = Buffer.alloc(0);
    s.on('error', () => {});
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= QUERY_SIZE) {
        const q = buf.subarray(0, QUERY_SIZE);
        buf = buf.subarray(QUERY_SIZE);
        onQuery(Buffer.from(q), s, index++);
      }
    });
  }) as Server & { conns: number };
  srv.conns = 0;
  await new Promise<void>((r) => srv.listen(path, r));
  return srv;
}

const closeServer = (s: Server) => new Promise<void>((r) => s.close(() => r()));

test('getInfo parses an answer; raw mode leaves it untouched; IPv6 and IPv4-mapped', async () => {
  const { server, path } = await ourServer();
  const c = new P0fClient(path);
  const info = await c.getInfo('10.1.1.1');
  assert.equal(info.totalConn, 11);
  assert.equal(info.osName, 'Linux');
  assert.equal(info.osFlavor, '3.x');
  assert.equal(info.distance, 4);
  assert.equal(info.uptimeMinutes, 90);
  assert.equal(info.uptime!.hours, 1);
  assert.equal(info.upModDays!.days, 24);
  assert.deepEqual(info.firstSeen, new Date(1700000000000));
  assert.equal(info.httpName, null);
  const mapped = await c.getInfo('::ffff:10.1.1.1');
  assert.equal(mapped.totalConn, 11);
  const v6 = await c.getInfo('2001:db8:0::5');
  assert.equal(v6.osName, 'Windows');
  const raw = await c.getInfo('10.9.9.9', { raw: true });
  assert.equal(raw.distance, 255);
  assert.equal(raw.osName, '');
  assert.equal(raw.status, 0x10);
  const parsed = await c.getInfo('10.9.9.9');
  assert.equal(parsed.distance, null);
  assert.equal(parsed.osName, null);
  await c.close();
  await server.close();
});

test('typed errors: no match, invalid address (nothing sent), bad query from the daemon', async () => {
  const { server, path, table } = await ourServer();
  const c = new P0fClient(path);
  await assert.rejects(c.getInfo('192.0.2.1'), (e: unknown) => e instanceof P0fNoMatchError && e.code === 'P0F_NO_MATCH' && e.address === '192.0.2.1');
  const before = table.lookups;
  await assert.rejects(c.getInfo('not-an-ip'), (e: unknown) => e instanceof P0fInvalidAddressError && e instanceof P0fBadQueryError && e.code === 'P0F_BAD_QUERY');
  await assert.rejects(c.getInfo(undefined as unknown as string), P0fInvalidAddressError);
  assert.equal(table.lookups, before);
  await c.close();
  await server.close();

  const path2 = sockPath();
  const fake = await fakeDaemon(path2, (_q, s) => s.write(encodeStatusResponse(0)));
  const c2 = new P0fClient(path2);
  await assert.rejects(c2.getInfo('10.0.0.1'), (e: unknown) => e instanceof P0fBadQueryError && !(e instanceof P0fInvalidAddressError));
  await c2.close();
  await closeServer(fake);
});

test('one connection, pipelined: 2000 concurrent queries', async () => {
  const path = sockPath();
  const seen: string[] = [];
  const fake = await fakeDaemon(path, (q, s) => {
    const d = decodeQuery(q);
    seen.push(`${d.addr[3]}`);
    s.write(encodeResponse(makeHost({ totalConn: d.addr[3]! }), []));
  });
  const c = new P0fClient(path);
  const ips = Array.from({ length: 2000 }, (_, i) => `10.0.${i >> 8}.${i & 0xff}`);
  const got = await Promise.all(ips.map((ip) => c.getInfo(ip)));
  assert.deepEqual(got.map((g) => g.totalConn), ips.map((_, i) => i & 0xff));
  assert.equal(fake.conns, 1);
  assert.equal(c.pending, 0);
  await c.close();
  await closeServer(fake);
});

test('answers split at every byte, or several in one read, are reassembled', async () => {
  const path = sockPath();
  // Answers go out one after the other; even-numbered ones in 7-byte pieces, a tick apart.
  let chain = Promise.resolve();
  const fake = await fakeDaemon(path, (q, s, i) => {
    const r = encodeResponse(makeHost({ totalConn: decodeQuery(q).addr[3]! }), []);
    chain = chain.then(async () => {
      if (i % 2 === 0) {
        for (let k = 0; k < RESPONSE_SIZE; k += 7) {
          s.write(r.subarray(k, Math.min(k + 7, RESPONSE_SIZE)));
          await sleep(0);
        }
      } else s.write(r);
    });
  });
  const c = new P0fClient(path);
  for (let i = 0; i < 6; i++) assert.equal((await c.getInfo(`10.0.0.${i}`)).totalConn, i);
  const many = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((i) => c.getInfo(`10.0.0.${i}`)));
  assert.deepEqual(many.map((m) => m.totalConn), [1, 2, 3, 4, 5, 6, 7, 8]);
  await c.close();
  await closeServer(fake);
});

test('timeout: a silent daemon gives P0fTimeoutError; the client recovers when it answers again', async () => {
  const path = sockPath();
  let silent = true;
  const fake = await fakeDaemon(path, (q, s) => {
    if (!silent) s.write(encodeResponse(makeHost({ totalConn: 1 }), []));
  });
  const c = new P0fClient(path, { timeout: 100 });
  const t0 = performance.now();
  await assert.rejects(c.getInfo('10.0.0.1'), (e: unknown) => e instanceof P0fTimeoutError && e.timeoutMs === 100 && e.code === 'P0F_TIMEOUT');
  const ms = performance.now() - t0;
  assert.ok(ms >= 95 && ms < 1000, `timed out after ${ms.toFixed(0)} ms`);
  // per-call timeout
  await assert.rejects(c.getInfo('10.0.0.1', { timeout: 30 }), P0fTimeoutError);
  silent = false;
  assert.equal((await c.getInfo('10.0.0.2')).totalConn, 1);
  await c.close();
  await closeServer(fake);
});

test('a late answer to a timed-out query is not given to the next one', async () => {
  const path = sockPath();
  const fake = await fakeDaemon(path, (q, s, i) => {
    const r = encodeResponse(makeHost({ totalConn: decodeQuery(q).addr[3]! }), []);
    if (i === 0) setTimeout(() => s.write(r), 150);
    else setTimeout(() => s.write(r), 160);
  });
  const c = new P0fClient(path, { timeout: 1000 });
  const slow = c.getInfo('10.0.0.1', { timeout: 2000 });
  const fast = c.getInfo('10.0.0.2', { timeout: 50 });
  await assert.rejects(fast, P0fTimeoutError);
  assert.equal((await slow).totalConn, 1);
  const next = await c.getInfo('10.0.0.3');
  assert.equal(next.totalConn, 3, 'the answer meant for the timed-out query was skipped');
  await c.close();
  await closeServer(fake);
});

test('connection failures: no daemon, then the daemon starts, then restarts mid-query', async () => {
  const path = sockPath();
  const c = new P0fClient(path, { timeout: 2000 });
  await assert.rejects(c.getInfo('10.1.1.1'), (e: unknown) => e instanceof P0fConnectionError && e.errno === 'ENOENT' && e.code === 'P0F_CONNECTION');
  let s1 = await ourServer(path);
  assert.equal((await c.getInfo('10.1.1.1')).totalConn, 11);
  // restart between queries
  await s1.server.close();
  s1 = await ourServer(path);
  assert.equal((await c.getInfo('10.1.1.1')).totalConn, 11);
  await s1.server.close();
  // a daemon that dies holding the query: the query is sent again on a new connection
  const dying = await fakeDaemon(path, (_q, s) => s.destroy());
  const inflight = c.getInfo('10.1.1.1').then((v) => v, (e: unknown) => e);
  await sleep(50);
  await closeServer(dying);
  const s2 = await ourServer(path);
  // the resend may race the restart: either it reached the new daemon or failed cleanly
  const r = await inflight;
  if (r instanceof Error) assert.ok(r instanceof P0fConnectionError, String(r));
  else assert.equal((r as { totalConn: number }).totalConn, 11);
  assert.equal((await c.getInfo('10.1.1.1')).totalConn, 11);
  await c.close();
  await s2.server.close();
});

test('a query in flight when the daemon restarts is answered by the new daemon', async () => {
  const path = sockPath();
  let first = true;
  let restarted: Promise<unknown> | null = null;
  const fake = await fakeDaemon(path, (_q, s) => {
    if (first) {
      first = false;
      // restart: drop this connection, come back as a real server
      restarted = closeServer(fake).then(() => ourServer(path));
      fake.close();
      s.destroy();
    }
  });
  const c = new P0fClient(path, { timeout: 3000 });
  // the client resends once; the new daemon may need a moment, so retry the connect too
  const p = c.getInfo('10.1.1.1').catch(async (e) => {
    assert.ok(e instanceof P0fConnectionError);
    await restarted;
    return c.getInfo('10.1.1.1');
  });
  const info = await p;
  assert.equal(info.totalConn, 11);
  await c.close();
  const s = (await restarted) as unknown as { server: ApiServer };
  await s.server.close();
});

test('protocol errors: bad magic, unknown status, out-of-range constants', async () => {
  const path = sockPath();
  let mode = 'magic';
  const fake = await fakeDaemon(path, (_q, s) => {
    const r = encodeResponse(makeHost(), []);
    if (mode === 'magic') r.writeUInt32LE(0xdeadbeef, 0);
    if (mode === 'status') (NATIVE_LE ? r.writeUInt32LE(0x30, 4) : r.writeUInt32BE(0x30, 4));
    if (mode === 'badsw') r[RESP.badSw] = 3;
    if (mode === 'matchq') r[RESP.osMatchQ] = 9;
    s.write(r);
  });
  const c = new P0fClient(path);
  const isProto = (e: unknown) => e instanceof P0fProtocolError && e.code === 'P0F_PROTOCOL' && e instanceof P0fApiError;
  await assert.rejects(c.getInfo('10.0.0.1'), isProto);
  for (const m of ['status', 'badsw', 'matchq']) {
    mode = m;
    await assert.rejects(c.getInfo('10.0.0.1'), isProto, m);
  }
  // raw mode does not validate constants
  assert.equal((await c.getInfo('10.0.0.1', { raw: true })).osMatchQ, 9);
  mode = 'ok';
  assert.equal((await c.getInfo('10.0.0.1')).totalConn, 1);
  await c.close();
  await closeServer(fake);
});

test('close(): pending queries fail, later ones too; the socket is released', async () => {
  const path = sockPath();
  const fake = await fakeDaemon(path, () => {});
  const c = new P0fClient(path, { timeout: 0 });
  const p = assert.rejects(c.getInfo('10.0.0.1'), P0fConnectionError);
  await sleep(20);
  await c.close();
  await p;
  await assert.rejects(c.getInfo('10.0.0.1'), P0fConnectionError);
  assert.equal(c.connected, false);
  await closeServer(fake);
});

test('an idle client does not keep the process alive', async () => {
  const { server, path } = await ourServer();
  const script = `
    import { P0fClient } from ${JSON.stringify(new URL('../../src/api/client.ts', import.meta.url).pathname)};
    const c = new P0fClient(${JSON.stringify(path)});
    const r = await c.getInfo('10.1.1.1');
    console.log(r.totalConn);`;
  // the server lives in this process: the child must finish on its own without close()
  const child = new Promise<{ code: number | null; out: string }>((resolve) => {
    import('node:child_process').then(({ spawn }) => {
      const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd() });
      let out = '';
      p.stdout.on('data', (d) => out += d);
      const t = setTimeout(() => p.kill('SIGKILL'), 10000);
      p.on('close', (code) => { clearTimeout(t); resolve({ code, out }); });
    });
  });
  const r = await child;
  assert.equal(r.code, 0, 'exited by itself');
  assert.equal(r.out.trim(), '11');
  await server.close();
});

test.after(() => tmp.remove());
