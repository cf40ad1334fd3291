/**
 * The API against the real p0f 3.09b, for real traffic.
 *
 * A network namespace of this test's own holds the "visitors"; the real p0f and our p0f
 * command both listen (-s) on the veth end in this namespace, and tcpdump records the
 * same interface. The visitors make HTTP requests (curl, and hand-written requests that
 * match p0f's HTTP signatures) over IPv4 and IPv6 to servers here. Then:
 *  - our P0fClient's answers from the real p0f match what p0f itself logged for the hosts;
 *  - our daemon's answers are byte-for-byte the real p0f's (OK, no match, bad queries);
 *  - haraka-plugin-p0f's client and our p0f-client get the same from both daemons;
 *  - the capture fed into an ApiDaemon gives the same bytes again.
 * Needs root, iproute2, curl, tcpdump and the real p0f (apt-get install p0f).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { P0fClient } from '../../src/api/client.ts';
import { ApiDaemon } from '../../src/api/daemon.ts';
import { encodeQuery, decodeResponse, NATIVE_LE, RESPONSE_SIZE, P0F_STATUS_OK } from '../../src/api/protocol.ts';
import { createTestNet, liveSkipReason, type TestNet } from '../live/netns.ts';
import { haveRealP0f, REAL_FP, REPO, startOurs, startReal, type Proc } from '../live/p0f-proc.ts';
import { RawClient, sleep, tempDir } from './helpers.ts';

const require = createRequire(import.meta.url);
const skip = liveSkipReason(['curl', 'tcpdump']) || (!haveRealP0f() && 'the real p0f 3.09b is not installed') ||
  (!NATIVE_LE && 'little-endian machines only');

const HTTP_DATE = () => new Date().toUTCString();

/** An HTTP server answering like Apache 2.x does (p0f's http:response signature). */
function apacheLike(host: string, port = 0): Promise<{ server: Server; port: number }> {
  const server = createServer((s: Socket) => {
    s.on('error', () => {});
    let got = '';
    s.on('data', (d) => {
      got += d.toString('latin1');
      if (got.includes('\r\n\r\n')) {
        got = '';
        s.end(`HTTP/1.1 200 OK\r\nDate: ${HTTP_DATE()}\r\nServer: Apache/2.4.10 (Debian)\r\n` +
          'Last-Modified: Mon, 01 Jun 2015 10:00:00 GMT\r\nAccept-Ranges: bytes\r\nContent-Length: 3\r\n' +
          'Keep-Alive: timeout=5, max=100\r\nConnection: Keep-Alive\r\nContent-Type: text/html\r\n\r\nok\n');
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

/** The visitors' script, run inside the namespace: raw requests shaped like real browsers and tools. */
const VISITOR = `
import { connect } from 'node:net';
const [cfg] = process.argv.slice(2);
const { v4, v6, closed6, port } = JSON.parse(cfg);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function ask(host, text) {
  return new Promise((resolve) => {
    const s = connect({ host, port }, () => s.write(text.replaceAll('HOSTHDR', host.includes(':') ? '[' + host + ']:' + port : host + ':' + port)));
    let got = '';
    s.on('data', (d) => { got += d; });
    s.on('error', (e) => resolve('error ' + e.code));
    s.on('close', () => resolve(got.split('\\r\\n')[0]));
  });
}
function closedPort(host) {
  return new Promise((resolve) => {
    const s = connect({ host, port: 9 }, () => { s.destroy(); resolve('open?'); });
    s.on('error', (e) => resolve(e.code));
  });
}
const firefox = 'GET / HTTP/1.1\\r\\nHost: HOSTHDR\\r\\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:45.0) Gecko/20100101 Firefox/45.0\\r\\n' +
  'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\\r\\nAccept-Language: en-US,en;q=0.5\\r\\n' +
  'Accept-Encoding: gzip, deflate\\r\\nConnection: keep-alive\\r\\n\\r\\n';
const fakeMsie = firefox.replace(/User-Agent: [^\\r]*/, 'User-Agent: Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1)');
const wget = 'GET / HTTP/1.1\\r\\nUser-Agent: Wget/1.16 (linux-gnu)\\r\\nAccept: */*\\r\\nHost: HOSTHDR\\r\\nConnection: Keep-Alive\\r\\n\\r\\n';
const german = 'GET / HTTP/1.1\\r\\nHost: HOSTHDR\\r\\nUser-Agent: test\\r\\nAccept: */*\\r\\nAccept-Language: de-DE,de;q=0.9\\r\\n\\r\\n';
const out = [];
out.push(await ask(v4, firefox));
await sleep(300); // a second SYN from the same host, far enough for an uptime estimate
out.push(await ask(v4, fakeMsie));
out.push(await ask(v6, wget));
await sleep(300);
out.push(await ask(v6, german));
out.push(await closedPort(closed6));
console.log(JSON.stringify(out));
`;

interface LogRec { mod: string; subj: string; host: string; f: Record<string, string> }

/** p0f -o lines as records (the subject host resolved from cli/srv). */
function readLog(path: string): LogRec[] {
  const recs: LogRec[] = [];
  for (const line of readFileSync(path, 'latin1').split('\n')) {
    const m = /^\[[^\]]+\] (.*)$/.exec(line);
    if (!m) continue;
    const f: Record<string, string> = {};
    for (const kv of m[1]!.split('|')) {
      const i = kv.indexOf('=');
      f[kv.slice(0, i)] = kv.slice(i + 1);
    }
    const side = f.subj === 'cli' ? f.cli! : f.srv!;
    recs.push({ mod: f.mod!, subj: f.subj!, host: side.slice(0, side.lastIndexOf('/')), f });
  }
  return recs;
}

/** p0f prints IPv6 addresses as eight uncompressed groups. */
function p0fAddr(ip: string): string {
  if (!ip.includes(':')) return ip;
  const b = encodeQuery(ip).subarray(5);
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  return g.join(':');
}

/** All answers for a list of raw queries, as one byte string, from a daemon socket. */
async function rawAnswers(sock: string, queries: Buffer[]): Promise<Buffer> {
  const c = new RawClient(sock);
  try {
    c.write(Buffer.concat(queries));
    return await c.read(queries.length * RESPONSE_SIZE, 10000);
  } finally {
    c.destroy();
  }
}

describe('API against the real p0f 3.09b', { skip }, () => {
  const tmp = tempDir('p0f-api-real-');
  let tn: TestNet;
  let real: Proc;
  let ours: Proc;
  let dump: ChildProcess;
  const servers: Server[] = [];
  const realSock = tmp.path('real.sock');
  const ourSock = tmp.path('ours.sock');
  const realLog = tmp.path('real.log');
  const pcap = tmp.path('traffic.pcap');
  let host6 = '';
  let ns6 = '';
  let closed6 = '';
  let queryIps: string[] = [];

  before(async () => {
    chmodSync(tmp.dir, 0o755);
    tn = createTestNet({ nsMtu: 1492 });
    const id = (parseInt(tn.hostAddr.split('.')[2]!, 10) & 0xff).toString(16);
    host6 = `fd0f:${id}::1`;
    ns6 = `fd0f:${id}::2`;
    closed6 = `fd0f:${id}::5`;
    const ip = (...a: string[]) => spawnSync('ip', a, { stdio: 'ignore' }).status;
    assert.equal(ip('-6', 'addr', 'add', `${host6}/64`, 'dev', tn.hostIf, 'nodad'), 0);
    assert.equal(ip('-6', 'addr', 'add', `${closed6}/128`, 'dev', tn.hostIf, 'nodad'), 0);
    assert.equal(ip('netns', 'exec', tn.ns, 'ip', '-6', 'addr', 'add', `${ns6}/64`, 'dev', tn.nsIf, 'nodad'), 0);
    // TCP timestamps without the per-connection random offset, so p0f can estimate uptime.
    ip('netns', 'exec', tn.ns, 'sysctl', '-qw', 'net.ipv4.tcp_timestamps=2');

    dump = spawn('tcpdump', ['-i', tn.hostIf, '-w', pcap, '-U', '-s', '0', 'tcp'], { stdio: ['ignore', 'ignore', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      let err = '';
      dump.stderr!.on('data', (d) => { err += d; if (err.includes('listening on')) resolve(); });
      dump.on('exit', () => reject(new Error(`tcpdump: ${err}`)));
    });
    real = startReal(['-f', REAL_FP, '-i', tn.hostIf, '-s', realSock, '-o', realLog]);
    ours = startOurs(['-f', REAL_FP, '-i', tn.hostIf, '-s', ourSock]);
    await real.waitOut('Entered main event loop');
    await ours.waitOut('Entered main event loop');

    // Real HTTP clients first: curl over IPv4 and IPv6.
    const a4 = await apacheLike(tn.hostAddr);
    const a6 = await apacheLike(host6);
    servers.push(a4.server, a6.server);
    const curl4 = await tn.run('curl', ['-s', '-H', 'Accept-Language: fr', `http://${tn.hostAddr}:${a4.port}/`]);
    assert.equal(curl4.stdout, 'ok\n', curl4.stderr);
    const curl6 = await tn.run('curl', ['-s', '-g', `http://[${host6}]:${a6.port}/`]);
    assert.equal(curl6.stdout, 'ok\n', curl6.stderr);

    // Then requests shaped like a browser's and wget's, on one port served on both addresses.
    const v4 = await apacheLike(tn.hostAddr);
    const port = v4.port;
    const v6 = await apacheLike(host6, port);
    servers.push(v4.server, v6.server);
    const script = tmp.path('visitor.mjs');
    writeFileSync(script, VISITOR);
    const r = await tn.run(process.execPath, [script, JSON.stringify({ v4: tn.hostAddr, v6: host6, closed6, port })]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), ['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK', 'HTTP/1.1 200 OK', 'HTTP/1.1 200 OK', 'ECONNREFUSED']);
    await sleep(1500);
    queryIps = [tn.nsAddr, tn.hostAddr, ns6, host6, closed6];
  });

  after(async () => {
    for (const s of servers) s.close();
    real?.child.kill('SIGINT');
    ours?.child.kill('SIGINT');
    if (dump && dump.exitCode === null) dump.kill('SIGINT');
    await Promise.all([real?.exited, ours?.exited]);
    tn?.destroy();
    tmp.remove();
  });

  test('P0fClient reads the real p0f: the answers agree with what p0f logged', async () => {
    const recs = readLog(realLog);
    const client = new P0fClient(realSock, { timeout: 2000 });
    try {
      let withOs = 0;
      let withHttp = 0;
      let withUptime = 0;
      for (const ip of queryIps) {
        const info = await client.getInfo(ip);
        if (process.env.P0F_API_DEBUG) console.error(ip, JSON.stringify(info));
        const mine = recs.filter((r) => r.host === p0fAddr(ip));
        const peer = (r: LogRec) => r.f.cli!.startsWith(`${p0fAddr(ip)}/`) || r.f.srv!.startsWith(`${p0fAddr(ip)}/`);
        assert.ok(recs.some(peer), `p0f logged ${ip}`);
        const tcp = mine.filter((r) => r.mod === 'syn' || r.mod === 'syn+ack');
        const os = tcp.filter((r) => r.f.os && r.f.os !== '???').at(-1)?.f.os ?? null;
        const seenOs = info.osName === null ? null : `${info.osName}${info.osFlavor ? ` ${info.osFlavor}` : ''}`;
        assert.equal(seenOs, os, `${ip}: os`);
        if (os) withOs++;
        const dist = tcp.filter((r) => !r.f.dist!.startsWith('<=')).at(-1)?.f.dist;
        assert.equal(info.distance, dist === undefined ? null : Number(dist), `${ip}: distance`);
        const link = mine.filter((r) => r.mod === 'mtu' && r.f.link !== '???').at(-1)?.f.link ?? null;
        assert.equal(info.linkType, link, `${ip}: link`);
        const http = mine.filter((r) => r.mod.startsWith('http'));
        const app = http.filter((r) => r.f.app && r.f.app !== '???').at(-1)?.f.app ?? null;
        assert.equal(info.httpName === null ? null : `${info.httpName}${info.httpFlavor ? ` ${info.httpFlavor}` : ''}`, app, `${ip}: app`);
        if (app) withHttp++;
        const lang = http.filter((r) => r.f.lang && r.f.lang !== 'none' && r.f.lang !== '???').at(-1)?.f.lang ?? null;
        assert.equal(info.language, lang, `${ip}: language`);
        const up = mine.filter((r) => r.mod === 'uptime').at(-1)?.f.uptime;
        if (up) {
          const m = /^(\d+) days (\d+) hrs (\d+) min \(modulo (\d+) days\)$/.exec(up)!;
          assert.equal(info.uptimeMinutes, (+m[1]! * 24 + +m[2]!) * 60 + +m[3]!, `${ip}: uptime`);
          assert.equal(info.upModDays?.days, +m[4]!);
          withUptime++;
        }
        assert.equal(info.totalConn, recs.filter((r) => r.mod === 'syn' && peer(r)).length, `${ip}: flows`);
        // the IPv4-mapped spelling asks the same host
        if (!ip.includes(':')) assert.deepEqual(await client.getInfo(`::ffff:${ip}`), info);
      }
      assert.ok(withOs >= 1 && withHttp >= 2 && withUptime >= 1,
        `traffic exercised OS, HTTP and uptime fields (os ${withOs}, http ${withHttp}, uptime ${withUptime})`);
      // the closed port's host: known, distance unknown (p0f sends 255)
      const closed = await client.getInfo(closed6, { raw: true });
      assert.equal(closed.distance, 255);
      assert.equal((await client.getInfo(closed6)).distance, null);
      await assert.rejects(client.getInfo('192.0.2.77'), (e: Error) => e.name === 'P0fNoMatchError');
    } finally {
      await client.close();
    }
  });

  test('our daemon answers byte for byte what the real p0f answers', async () => {
    const queries = [...queryIps, '192.0.2.77', 'fd0f::99'].map((ip) => encodeQuery(ip));
    const badMagic = Buffer.from(encodeQuery(tn.nsAddr));
    badMagic.writeUInt32LE(0x50304600, 0);
    const badType = Buffer.from(encodeQuery(tn.nsAddr));
    badType[4] = 5;
    // an IPv4 query with junk after the address: p0f compares 4 bytes only
    const junkTail = Buffer.from(encodeQuery(tn.nsAddr));
    junkTail.fill(0xee, 9);
    queries.push(badMagic, badType, junkTail);
    const fromReal = await rawAnswers(realSock, queries);
    const fromOurs = await rawAnswers(ourSock, queries);
    for (let i = 0; i < queries.length; i++) {
      const a = fromReal.subarray(i * RESPONSE_SIZE, (i + 1) * RESPONSE_SIZE);
      const b = fromOurs.subarray(i * RESPONSE_SIZE, (i + 1) * RESPONSE_SIZE);
      assert.deepEqual(decodeResponse(b), decodeResponse(a), `query ${i}`);
      assert.equal(b.toString('hex'), a.toString('hex'), `query ${i} bytes`);
    }
    assert.equal(decodeResponse(fromReal).status, P0F_STATUS_OK);
  });

  test('haraka-plugin-p0f\'s client gets the same answers from both daemons', async () => {
    const { P0FClient } = require('haraka-plugin-p0f') as {
      P0FClient: new (path: string) => { query(ip: string, cb: (err: Error | null, r: unknown) => void): void; sock: Socket; connected: boolean; shutdown(): void };
    };
    const ask = async (sock: string) => {
      const c = new P0FClient(sock);
      try {
        for (let i = 0; i < 100 && !c.connected; i++) await sleep(10);
        const out: unknown[] = [];
        for (const ip of [...queryIps, '192.0.2.77']) {
          out.push(await new Promise((resolve) => c.query(ip, (err, r) => resolve(err ? `error: ${err.message}` : r))));
        }
        return out;
      } finally {
        c.shutdown();
        c.sock.destroy();
      }
    };
    const fromReal = await ask(realSock);
    const fromOurs = await ask(ourSock);
    assert.deepEqual(fromOurs, fromReal);
    assert.equal((fromReal[0] as { total_conn: number }).total_conn > 0, true);
    assert.equal(fromReal.at(-1), null, 'no match is null for haraka');
  });

  test('p0f-client prints the same for both daemons', () => {
    for (const ip of [...queryIps, '192.0.2.77']) {
      const run = (sock: string) => spawnSync(process.execPath, [`${REPO}/bin/p0f-client.js`, sock, ip],
        { encoding: 'latin1', env: { ...process.env, TZ: 'UTC' }, timeout: 10000 });
      const a = run(realSock);
      const b = run(ourSock);
      assert.equal(b.status, 0, b.stderr);
      assert.equal(b.stdout, a.stdout, ip);
    }
  });

  test('the recorded capture fed into an ApiDaemon gives the same bytes', async () => {
    dump.kill('SIGINT');
    await new Promise((r) => dump.once('exit', r));
    const feedSock = tmp.path('feed.sock');
    const d = await ApiDaemon.start({ path: feedSock, fpFile: REAL_FP });
    try {
      // queries are answered while the file is processed...
      const during = new P0fClient(feedSock);
      const feeding = d.feed(pcap);
      const early = await during.getInfo(tn.nsAddr, { raw: true }).catch((e: Error) => e.name);
      const res = await feeding;
      await during.close();
      assert.ok(res.packets > 20, `${res.packets} packets`);
      assert.ok(typeof early === 'string' || early.status === P0F_STATUS_OK);
      // ...and at the end the answers are the real p0f's
      const queries = queryIps.map((ip) => encodeQuery(ip));
      assert.equal((await rawAnswers(feedSock, queries)).toString('hex'), (await rawAnswers(realSock, queries)).toString('hex'));
    } finally {
      await d.close();
    }
  });
});
