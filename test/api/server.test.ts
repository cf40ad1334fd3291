/**
 * ApiServer over a hand-made host table: p0f's wire behaviour (framing, pipelining, bad
 * queries), its start-up checks, and the abuse p0f itself does not survive.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { ApiServer } from '../../src/api/server.ts';
import {
  decodeResponse, encodeQuery, P0F_STATUS_BADQUERY, P0F_STATUS_NOMATCH, P0F_STATUS_OK, QUERY_SIZE, RESPONSE_SIZE,
} from '../../src/api/protocol.ts';
import { P0fFatalError } from '../../src/errors.ts';
import { apiAddonLoadError, loadApiAddon } from '../../src/api/native-io.ts';
import { HostTable, makeHost, RawClient, sleep, tempDir, until } from './helpers.ts';

const tmp = tempDir('p0f-api-srv-');
let n = 0;
const sockPath = () => tmp.path(`s${n++}.sock`);

/** The suite runs twice: with the native I/O core (when built) and with Node sockets only. */
let NATIVE = false;

function setup(opts: Partial<ConstructorParameters<typeof ApiServer>[0]> = {}) {
  const table = new HostTable();
  const names = ['Linux', 'Windows', 'Firefox'];
  for (let i = 0; i < 256; i++) table.set(`10.0.0.${i}`, makeHost({ totalConn: i, lastNameId: i % 2 }));
  table.set('2001:db8::1', makeHost({ totalConn: 6, lastNameId: 0, lastFlavor: 'v6' }));
  const warnings: string[] = [];
  const server = new ApiServer({
    path: sockPath(), maxConn: 20, lookupHost: table.lookup, db: { names },
    onWarning: (m) => warnings.push(m), nativeIo: NATIVE, ...opts,
  });
  return { server, table, warnings };
}

const q = (ip: string) => encodeQuery(ip);

for (const native of [true, false]) {
  const why = native && !loadApiAddon() && `native API core not built (${apiAddonLoadError()})`;
  describe(native ? 'native I/O core' : 'Node sockets', { skip: why }, () => {
  before(() => { NATIVE = native; });

  test('the chosen I/O path is in use', async () => {
    const { server } = setup();
    await server.listen();
    assert.equal(server.native, native);
    await server.close();
  });

  test('listen: a socket file with p0f\'s mode 0666; close removes it', async () => {
    const { server } = setup();
    await server.listen();
    const st = lstatSync(server.path);
    assert.ok(st.isSocket());
    assert.equal(st.mode & 0o777, 0o666);
    assert.equal(ApiServer.listeningLine(server.path, 20), `[+] Listening on API socket '${server.path}' (max 20 clients).\n`);
    await server.close();
    assert.equal(existsSync(server.path), false);
  });

  test('listen: refuses a non-socket in the way (and leaves it alone), p0f\'s message', async () => {
    const path = sockPath();
    writeFileSync(path, 'precious');
    const server = new ApiServer({ path, maxConn: 20, lookupHost: () => null, db: { names: [] } });
    await assert.rejects(server.listen(), (e: unknown) => {
      assert.ok(e instanceof P0fFatalError);
      assert.equal(e.message, `'${path}' exists but is not a socket.`);
      assert.equal(e.location, 'open_api(), p0f.c:280');
      return true;
    });
    assert.equal(readFileSync(path, 'utf8'), 'precious');
  });

  test('listen: a path too long for sockaddr_un, p0f\'s message', async () => {
    const server = new ApiServer({ path: `/tmp/${'x'.repeat(103)}`, maxConn: 1, lookupHost: () => null, db: { names: [] } });
    await assert.rejects(server.listen(), (e: unknown) => e instanceof P0fFatalError &&
      e.message === 'API socket filename is too long for sockaddr_un (blame Unix).' && e.location === 'open_api(), p0f.c:272');
  });

  test('listen: a stale socket file (dead daemon) is replaced', async () => {
    const path = sockPath();
    const old = createServer();
    await new Promise<void>((r) => old.listen(path, r));
    // Simulate a daemon that died without cleaning up: close the handle but keep the file.
    const { server } = setup({ path });
    await server.listen();
    const c = new RawClient(path);
    c.write(q('10.0.0.5'));
    assert.equal(decodeResponse(await c.read(RESPONSE_SIZE)).totalConn, 5);
    c.destroy();
    old.close();
    await server.close();
  });

  test('answers: ok, no match, IPv6, order kept across pipelined queries', async () => {
    const { server } = setup();
    await server.listen();
    const c = new RawClient(server.path);
    const ips: string[] = [];
    for (let i = 0; i < 500; i++) ips.push(i % 7 === 0 ? `192.0.2.${i % 250}` : `10.0.0.${i % 256}`);
    ips.push('2001:db8::1', '2001:db8::2');
    c.write(Buffer.concat(ips.map(q)));
    const all = await c.read(ips.length * RESPONSE_SIZE);
    for (let i = 0; i < ips.length; i++) {
      const r = decodeResponse(all, i * RESPONSE_SIZE);
      if (ips[i]!.startsWith('192.0.2.') || ips[i] === '2001:db8::2') {
        assert.equal(r.status, P0F_STATUS_NOMATCH, ips[i]);
      } else if (ips[i] === '2001:db8::1') {
        assert.equal(r.status, P0F_STATUS_OK);
        assert.equal(r.osFlavor, 'v6');
      } else {
        assert.equal(r.status, P0F_STATUS_OK);
        assert.equal(r.totalConn, i % 256, `answer ${i} in order`);
        assert.equal(r.osName, i % 2 ? 'Windows' : 'Linux');
      }
    }
    c.destroy();
    await server.close();
  });

  test('framing: a query split byte by byte, and queries straddling reads', async () => {
    const { server } = setup();
    await server.listen();
    const c = new RawClient(server.path);
    await c.ready;
    c.sock.setNoDelay?.(true);
    const one = q('10.0.0.9');
    for (let i = 0; i < QUERY_SIZE; i++) {
      c.write(one.subarray(i, i + 1));
      await sleep(2);
      if (i < QUERY_SIZE - 1) assert.equal(c.buffered, 0, 'no answer before the query is whole');
    }
    assert.equal(decodeResponse(await c.read(RESPONSE_SIZE)).totalConn, 9);
    // three queries cut at odd places
    const three = Buffer.concat([q('10.0.0.1'), q('10.0.0.2'), q('10.0.0.3')]);
    for (const [a, b] of [[0, 5], [5, 30], [30, 41], [41, 63]] as const) {
      c.write(three.subarray(a, b));
      await sleep(5);
    }
    const r = await c.read(3 * RESPONSE_SIZE);
    assert.deepEqual([0, 1, 2].map((i) => decodeResponse(r, i * RESPONSE_SIZE).totalConn), [1, 2, 3]);
    c.destroy();
    await server.close();
  });

  test('garbage gets bad-query answers, the connection stays usable, warnings are p0f\'s and bounded', async () => {
    const { server, warnings } = setup({ warningsPerSecond: 5 });
    await server.listen();
    const c = new RawClient(server.path);
    const junk = Buffer.alloc(QUERY_SIZE * 40);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 131 + 7) & 0xff;
    const badType = Buffer.from(q('10.0.0.1'));
    badType[4] = 9;
    c.write(junk);
    c.write(badType);
    c.write(q('10.0.0.7'));
    const r = await c.read(42 * RESPONSE_SIZE);
    for (let i = 0; i < 41; i++) assert.equal(decodeResponse(r, i * RESPONSE_SIZE).status, P0F_STATUS_BADQUERY);
    assert.equal(decodeResponse(r, 41 * RESPONSE_SIZE).totalConn, 7);
    assert.match(warnings[0]!, /^Query with bad magic \(0x[0-9a-f]+\)\.$/);
    assert.equal(warnings.length, 5, 'at most 5 a second passed on');
    await server.close();
    assert.equal(warnings.at(-1), '36 more API warnings suppressed.');
    c.destroy();
  });

  test('half-closed client: pending answers are sent, then the connection closes', async () => {
    const { server } = setup();
    await server.listen();
    const c = new RawClient(server.path);
    c.write(Buffer.concat([q('10.0.0.1'), q('10.0.0.2'), q('10.0.0.3')]));
    c.sock.end();
    const r = await c.read(3 * RESPONSE_SIZE);
    assert.equal(decodeResponse(r, 2 * RESPONSE_SIZE).totalConn, 3);
    await until(() => c.closed, 2000, 'server closing the half-closed connection');
    await until(() => server.connections.active === 0, 2000, 'slot freed');
    await server.close();
  });

  test('answers follow the table as it changes', async () => {
    const { server, table } = setup();
    await server.listen();
    const c = new RawClient(server.path);
    c.write(q('198.51.100.1'));
    assert.equal(decodeResponse(await c.read(RESPONSE_SIZE)).status, P0F_STATUS_NOMATCH);
    table.set('198.51.100.1', makeHost({ totalConn: 42 }));
    c.write(q('198.51.100.1'));
    assert.equal(decodeResponse(await c.read(RESPONSE_SIZE)).totalConn, 42);
    c.destroy();
    await server.close();
  });

  test('200 clients at once with -S 20: every one is answered, one p0f warning', async () => {
    const { server, warnings } = setup({ maxConn: 20 });
    await server.listen();
    let maxActive = 0;
    let maxWaiting = 0;
    const clients = Array.from({ length: 200 }, (_, i) => new RawClient(server.path));
    const watch = setInterval(() => {
      maxActive = Math.max(maxActive, server.connections.active);
      maxWaiting = Math.max(maxWaiting, server.connections.waiting);
    }, 1);
    // All 200 are connected before any asks: the daemon has 200 connections at once.
    await Promise.all(clients.map((c) => c.ready));
    await until(() => server.connections.active + server.connections.waiting === 200, 5000, 'all accepted');
    const results = await Promise.all(clients.map(async (c, i) => {
      c.write(q(`10.0.0.${i % 256}`));
      const r = decodeResponse(await c.read(RESPONSE_SIZE, 10000));
      c.destroy();
      return r.totalConn === i % 256;
    }));
    clearInterval(watch);
    assert.equal(results.filter(Boolean).length, 200);
    assert.ok(maxActive <= 20, `at most 20 served at once (saw ${maxActive})`);
    assert.ok(maxWaiting >= 100, `the rest waited for a slot (saw ${maxWaiting})`);
    assert.equal(warnings.filter((w) => w === 'Too many API connections (use -S to adjust).\n').length, 1);
    await server.close();
  });

  test('clients that vanish mid-answer do not disturb the daemon or a well-behaved client', async () => {
    const { server } = setup({ maxConn: 100 });
    await server.listen();
    const good = new RawClient(server.path);
    await good.ready;
    const burst = Buffer.concat(Array.from({ length: 2000 }, (_, i) => q(`10.0.0.${i % 256}`)));
    for (let round = 0; round < 30; round++) {
      const bad = Array.from({ length: 10 }, () => new RawClient(server.path));
      for (const b of bad) {
        b.write(burst);
        // gone before (or while) the answers are written
        setTimeout(() => b.destroy(), round % 3);
      }
      good.write(q(`10.0.0.${round}`));
      const r = decodeResponse(await good.read(RESPONSE_SIZE));
      assert.equal(r.totalConn, round);
    }
    await until(() => server.connections.active === 1, 5000, 'vanished clients released');
    good.destroy();
    await server.close();
  });

  test('clients that never read: nobody else waits on them', async () => {
    const { server } = setup({ maxConn: 100 });
    await server.listen();
    const burst = Buffer.concat(Array.from({ length: 3000 }, () => q('10.0.0.1')));
    const hogs = Array.from({ length: 10 }, () => new RawClient(server.path, { read: false }));
    for (const h of hogs) for (let i = 0; i < 20; i++) h.write(burst);
    await sleep(200);
    const good = new RawClient(server.path);
    const t0 = performance.now();
    for (let i = 0; i < 200; i++) {
      good.write(q('10.0.0.3'));
      assert.equal(decodeResponse(await good.read(RESPONSE_SIZE)).totalConn, 3);
    }
    const ms = performance.now() - t0;
    assert.ok(ms < 2000, `200 round trips beside 10 hogs took ${ms.toFixed(0)} ms`);
    for (const h of hogs) h.destroy();
    good.destroy();
    await server.close();
  });

  test('all slots held by clients that never read or sit idle: a newcomer still gets answers', async () => {
    const { server } = setup({ maxConn: 4, yieldAfterMs: 200 });
    await server.listen();
    const burst = Buffer.concat(Array.from({ length: 3000 }, () => q('10.0.0.1')));
    const hogs = [0, 1].map(() => new RawClient(server.path, { read: false }));
    for (const h of hogs) for (let i = 0; i < 20; i++) h.write(burst);
    const idlers = [0, 1].map(() => new RawClient(server.path));
    await Promise.all(idlers.map((c) => c.ready));
    await until(() => server.connections.active === 4, 2000, 'slots full');
    const t0 = performance.now();
    const late = new RawClient(server.path);
    late.write(q('10.0.0.8'));
    assert.equal(decodeResponse(await late.read(RESPONSE_SIZE, 5000)).totalConn, 8);
    const ms = performance.now() - t0;
    assert.ok(ms < 2000, `served after ${ms.toFixed(0)} ms`);
    late.destroy();
    for (const c of [...hogs, ...idlers]) c.destroy();
    await server.close();
  });

  test('close() with clients connected: they are dropped, the file removed, listen can start again', async () => {
    const { server } = setup();
    await server.listen();
    const cs = [0, 1, 2].map(() => new RawClient(server.path));
    await Promise.all(cs.map((c) => c.ready));
    await server.close();
    await until(() => cs.every((c) => c.closed), 2000, 'clients closed');
    assert.equal(existsSync(server.path), false);
    const again = setup({ path: server.path }).server;
    await again.listen();
    const c = new RawClient(again.path);
    c.write(q('10.0.0.4'));
    assert.equal(decodeResponse(await c.read(RESPONSE_SIZE)).totalConn, 4);
    c.destroy();
    await again.close();
  });
  });
}

test.after(() => tmp.remove());
