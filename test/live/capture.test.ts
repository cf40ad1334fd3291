/**
 * LiveCapture for real: packet sockets on lo, on a veth pair into a network namespace, and
 * on 'any', with real TCP and HTTP traffic (Node sockets, curl). Needs root.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { CaptureError, LiveCapture } from '../../src/capture/live.ts';
import { P0fFatalError } from '../../src/errors.ts';
import { createTestNet, liveSkipReason, type TestNet, waitFor } from './netns.ts';

const skip = liveSkipReason(['curl']);

interface Seen {
  syn: number;
  synAck: number;
  frames: number;
  batches: number;
  payload: string;
  linktypes: Set<number>;
}

function seen(): Seen {
  return { syn: 0, synAck: 0, frames: 0, batches: 0, payload: '', linktypes: new Set() };
}

/** Link header length for the link types these tests meet. */
function linkLen(lt: number): number {
  if (lt === 1) return 14;
  if (lt === 113) return 16;
  throw new Error(`unexpected link type ${lt}`);
}

/** A sink that decodes just enough IPv4/TCP to count handshakes and collect payload. */
function counter(s: Seen) {
  return (lt: number, _sec: number, _usec: number, buf: Uint8Array, off: number, caplen: number, wirelen: number) => {
    s.frames++;
    s.linktypes.add(lt);
    assert.ok(caplen <= wirelen);
    const ip = off + linkLen(lt);
    if (buf[ip]! >> 4 !== 4 || buf[ip + 9] !== 6) return;
    const tcp = ip + (buf[ip]! & 15) * 4;
    const flags = buf[tcp + 13]!;
    if ((flags & 0x12) === 0x02) s.syn++;
    if ((flags & 0x12) === 0x12) s.synAck++;
    const data = tcp + (buf[tcp + 12]! >> 4) * 4;
    if (data < off + caplen) s.payload += Buffer.from(buf.buffer, buf.byteOffset + data, off + caplen - data).toString('latin1');
  };
}

async function connectN(port: number, host: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await new Promise<void>((resolve, reject) => {
      const c = net.connect(port, host);
      c.on('error', reject);
      c.on('data', () => {});
      c.on('close', () => resolve());
    });
  }
}

function listen(host: string): Promise<net.Server & { port: number }> {
  return new Promise((resolve) => {
    const srv = net.createServer((s) => s.end('hello\n'));
    srv.listen(0, host, () => resolve(Object.assign(srv, { port: (srv.address() as net.AddressInfo).port })));
  });
}

describe('live capture on lo', { skip }, () => {
  test('handshakes arrive in batches; the filter leaves other ports out', async () => {
    const a = await listen('127.0.0.1');
    const b = await listen('127.0.0.1');
    const cap = LiveCapture.open({ iface: 'lo' });
    try {
      assert.equal(cap.linktype, 1);
      assert.equal(cap.setFilter(`tcp and (port ${a.port})`), null);
      const s = seen();
      cap.start(counter(s), (e) => assert.fail(e), () => { s.batches++; });
      await connectN(a.port, '127.0.0.1', 20);
      await connectN(b.port, '127.0.0.1', 5);
      await waitFor(() => s.synAck >= 20 && s.payload.length >= 20 * 6, 3000, 'handshakes');
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(s.syn, 20);
      assert.equal(s.synAck, 20);
      assert.equal(s.payload, 'hello\n'.repeat(20));
      // Several frames per JavaScript callback: the addon batches.
      assert.ok(s.batches < s.frames, `${s.batches} batches for ${s.frames} frames`);
      const st = cap.stats()!;
      assert.equal(st.drop, 0);
      assert.ok(st.recv >= s.frames);
    } finally {
      cap.close();
      a.close();
      b.close();
    }
    // Counters survive close(); a second close is harmless.
    assert.ok(cap.stats()!.recv > 0);
    cap.close();
    assert.equal(cap.closed, true);
  });

  test('readAvailable drains without waiting; close() inside the sink stops delivery', async () => {
    const a = await listen('127.0.0.1');
    const cap = LiveCapture.open({ iface: 'lo', timeoutMs: 1 });
    try {
      assert.equal(cap.setFilter(`tcp port ${a.port}`), null);
      assert.equal(cap.readAvailable(() => assert.fail('nothing yet')), 0);
      await connectN(a.port, '127.0.0.1', 10);
      let n = 0;
      await waitFor(() => { n += cap.readAvailable(() => {}); return n >= 60; }, 3000, 'frames');
      await connectN(a.port, '127.0.0.1', 10);
      let calls = 0;
      await new Promise<void>((resolve) => {
        cap.start(() => {
          calls++;
          cap.close();
          resolve();
        }, (e) => assert.fail(e));
      });
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(calls, 1);
    } finally {
      cap.close();
      a.close();
    }
  });

  test('a bad rule is libpcap\'s compile error', () => {
    const cap = LiveCapture.open({ iface: 'lo' });
    try {
      assert.equal(cap.setFilter('tcp port ('), "can't parse filter expression: syntax error");
      assert.equal(cap.setFilter('port 99999'), 'illegal port number 99999 > 65535');
    } finally {
      cap.close();
    }
  });

  test("an unknown interface is p0f's pcap_open_live FATAL", () => {
    assert.throws(() => LiveCapture.open({ iface: 'p0f-nosuch0' }), (e: unknown) => {
      assert.ok(e instanceof P0fFatalError);
      assert.equal(e.message, 'pcap_open_live: p0f-nosuch0: No such device exists (No such device exists)');
      assert.equal(e.location, 'prepare_pcap(), p0f.c:526');
      return true;
    });
    // The same text as the real p0f, when it is installed.
    const real = spawnSync('p0f', ['-i', 'p0f-nosuch0'], { encoding: 'utf8' });
    if (real.status !== null && real.stderr) assert.match(real.stderr, /pcap_open_live: p0f-nosuch0: No such device exists \(No such device exists\)/);
  });
});

describe('live capture on a veth into a network namespace', { skip }, () => {
  let tn: TestNet;
  let server: http.Server;
  let port = 0;
  before(async () => {
    tn = createTestNet();
    server = http.createServer((req, res) => res.end('ok\n'));
    await new Promise<void>((r) => server.listen(0, tn.hostAddr, () => r()));
    port = (server.address() as net.AddressInfo).port;
  });
  after(() => {
    server?.close();
    tn?.destroy();
  });

  test('curl from the namespace: SYN, SYN+ACK and the HTTP request are captured', async () => {
    const cap = LiveCapture.open({ iface: tn.hostIf });
    try {
      assert.equal(cap.setFilter(`(tcp and (port ${port})) or (vlan and tcp and (port ${port}))`), null);
      const s = seen();
      cap.start(counter(s), (e) => assert.fail(e));
      const r = await tn.run('curl', ['-s', '-A', 'p0f-live-test/1.0', `http://${tn.hostAddr}:${port}/x`]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'ok\n');
      await waitFor(() => s.payload.includes('ok\n'), 3000, 'the response');
      assert.equal(s.syn, 1);
      assert.equal(s.synAck, 1);
      assert.match(s.payload, /^GET \/x HTTP\/1\.1\r\nHost: [\d.:]+\r\nUser-Agent: p0f-live-test\/1\.0\r\n/);
      assert.deepEqual([...s.linktypes], [1]);
    } finally {
      cap.close();
    }
  });

  test("'any' gives Linux cooked frames", async () => {
    const cap = LiveCapture.open({ iface: 'any' });
    try {
      assert.equal(cap.linktype, 113);
      assert.equal(cap.setFilter(`tcp and (port ${port})`), null);
      const s = seen();
      cap.start(counter(s), (e) => assert.fail(e));
      const r = await tn.run('curl', ['-s', `http://${tn.hostAddr}:${port}/`]);
      assert.equal(r.code, 0, r.stderr);
      await waitFor(() => s.synAck >= 1 && s.payload.includes('ok\n'), 3000, 'the exchange');
      assert.deepEqual([...s.linktypes], [113]);
    } finally {
      cap.close();
    }
  });

  test('the interface disappearing is reported once, as a CaptureError', async () => {
    const other = createTestNet();
    const cap = LiveCapture.open({ iface: other.hostIf });
    try {
      const errors: Error[] = [];
      cap.start(() => {}, (e) => errors.push(e));
      other.destroy();
      await waitFor(() => errors.length > 0, 3000, 'the capture error');
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(errors.length, 1);
      assert.ok(errors[0] instanceof CaptureError, String(errors[0]));
    } finally {
      cap.close();
      other.destroy();
    }
  });
});
