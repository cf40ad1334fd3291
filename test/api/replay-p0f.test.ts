/**
 * The project's crafted captures (test/fixtures/captures), replayed with tcpreplay into the
 * real p0f 3.09b listening with -s, against the same files fed into an ApiDaemon: every
 * host's answer must be the same bytes, apart from the times (the replay happens now, the
 * capture happened then) and the uptime fields (which p0f derives from the replay's own
 * timing). These captures hold what live traffic here cannot: OS and browser signatures of
 * other systems, including the 40-character flavor p0f sends without a terminating NUL.
 *
 * The replay runs between two network namespaces of the test's own (tcpreplay in one, p0f
 * in the other), so the crafted packets never reach this machine's own stack.
 * Needs root, iproute2, tcpreplay and the real p0f.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { ApiDaemon } from '../../src/api/daemon.ts';
import { encodeQuery, NATIVE_LE, RESP, RESPONSE_SIZE, decodeResponse, P0F_STATUS_OK } from '../../src/api/protocol.ts';
import { isRoot } from '../live/netns.ts';
import { haveRealP0f, REAL_FP, REAL_P0F, type Proc } from '../live/p0f-proc.ts';
import { RawClient, sleep, tempDir } from './helpers.ts';

const CAPTURES = ['crafted-tcp-sigs.pcap', 'crafted-http-sigs.pcap'].map(
  (f) => new URL(`../fixtures/captures/${f}`, import.meta.url).pathname);
const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const skip = (!isRoot() && 'needs root (network namespaces, capture)') || (!haveRealP0f() && 'the real p0f 3.09b is not installed') ||
  (!have('tcpreplay') && 'tcpreplay not installed') || (!have('ip') && 'iproute2 not installed') ||
  (!NATIVE_LE && 'little-endian machines only') || (!CAPTURES.every((c) => existsSync(c)) && 'fixture captures missing');

/** Time and uptime fields zeroed, everything else as sent. */
function comparable(b: Buffer): string {
  const c = Buffer.from(b);
  for (const off of [RESP.firstSeen, RESP.lastSeen, RESP.lastNat, RESP.lastChg, RESP.uptimeMin, RESP.upModDays]) {
    // keep whether the field was set: a NAT time present in one and not the other is a difference
    const set = c.readUInt32LE(off) !== 0;
    c.writeUInt32LE(set ? 1 : 0, off);
  }
  for (const off of [RESP.uptimeMin, RESP.upModDays]) c.writeUInt32LE(0, off);
  return c.toString('hex');
}

async function answers(sock: string, queries: Buffer[]): Promise<Buffer[]> {
  const c = new RawClient(sock);
  try {
    c.write(Buffer.concat(queries));
    const all = await c.read(queries.length * RESPONSE_SIZE, 15000);
    return queries.map((_, i) => all.subarray(i * RESPONSE_SIZE, (i + 1) * RESPONSE_SIZE));
  } finally {
    c.destroy();
  }
}

describe('crafted captures: real p0f (tcpreplay, -s) vs ApiDaemon.feed', { skip }, () => {
  const tmp = tempDir('p0f-api-replay-');
  const id = `${process.pid % 100000}`;
  const nsA = `p0fra-${id}`;
  const nsB = `p0frb-${id}`;
  const ifA = `p0ra${id}`.slice(0, 15);
  const ifB = `p0rb${id}`.slice(0, 15);
  const ip = (...a: string[]) => {
    const r = spawnSync('ip', a, { encoding: 'utf8' });
    assert.equal(r.status, 0, `ip ${a.join(' ')}: ${r.stderr}`);
  };
  const procs: Proc['child'][] = [];

  before(() => {
    ip('netns', 'add', nsA);
    ip('netns', 'add', nsB);
    ip('link', 'add', ifA, 'type', 'veth', 'peer', 'name', ifB);
    ip('link', 'set', ifA, 'netns', nsA);
    ip('link', 'set', ifB, 'netns', nsB);
    ip('netns', 'exec', nsA, 'ip', 'link', 'set', ifA, 'up');
    ip('netns', 'exec', nsB, 'ip', 'link', 'set', ifB, 'up');
  });
  after(async () => {
    for (const c of procs) if (c.exitCode === null) c.kill('SIGINT');
    await sleep(300);
    spawnSync('ip', ['netns', 'del', nsA]);
    spawnSync('ip', ['netns', 'del', nsB]);
    tmp.remove();
  });

  for (const capture of CAPTURES) {
    const name = capture.split('/').at(-1)!;
    test(name, async () => {
      const realSock = tmp.path(`${name}.real.sock`);
      const feedSock = tmp.path(`${name}.feed.sock`);
      // The real p0f listens in namespace B, promiscuous (the frames carry the capture's MACs).
      // Its console report goes nowhere: a pipe we do not drain at once would stall it.
      const child = spawn('ip', ['netns', 'exec', nsB, REAL_P0F, '-f', REAL_FP, '-i', ifB, '-p', '-s', realSock],
        { stdio: ['ignore', 'ignore', 'pipe'] });
      procs.push(child);
      let err = '';
      child.stderr.on('data', (d) => { err += d; });
      for (let i = 0; i < 500 && !existsSync(realSock); i++) await sleep(20);
      assert.ok(existsSync(realSock), `p0f did not start: ${err}`);
      await sleep(200);

      const replay = await new Promise<{ code: number | null; err: string }>((resolve) => {
        const r = spawn('ip', ['netns', 'exec', nsA, 'tcpreplay', '-q', '-i', ifA, capture], { stdio: ['ignore', 'ignore', 'pipe'] });
        let e = '';
        r.stderr.on('data', (d) => { e += d; });
        r.on('close', (code) => resolve({ code, err: e }));
      });
      assert.equal(replay.code, 0, replay.err);
      await sleep(500);

      const d = await ApiDaemon.start({ path: feedSock, fpFile: REAL_FP });
      try {
        await d.feed(capture);
        const hosts = [...d.engine.tracker.hosts()].map((h) => h.addr);
        assert.ok(hosts.length >= 10, `${hosts.length} hosts`);
        const queries = [...hosts, '192.0.2.250'].map((h) => encodeQuery(h));
        const real = await answers(realSock, queries);
        const ours = await answers(feedSock, queries);
        let ok = 0;
        let unterminated = 0;
        if (process.env.P0F_API_DEBUG) {
          const miss = hosts.filter((_, i) => decodeResponse(real[i]!).status !== P0F_STATUS_OK);
          console.error(name, 'hosts', hosts.length, 'unknown to p0f', miss.length, miss.slice(0, 10), hosts.slice(0, 5));
        }
        for (let i = 0; i < queries.length; i++) {
          const host = hosts[i] ?? '192.0.2.250';
          assert.equal(comparable(ours[i]!), comparable(real[i]!), `${name}: ${host}\nours ${JSON.stringify(decodeResponse(ours[i]!))}\n` +
            `p0f  ${JSON.stringify(decodeResponse(real[i]!))}`);
          if (decodeResponse(real[i]!).status === P0F_STATUS_OK) ok++;
          for (let f = RESP.osName; f < RESPONSE_SIZE; f += 32) if (real[i]![f + 31] !== 0) unterminated++;
        }
        assert.equal(ok, hosts.length, 'p0f knows every host the capture shows');
        if (name === 'crafted-tcp-sigs.pcap') assert.ok(unterminated > 0, 'a 32-byte string without NUL was compared');
      } finally {
        await d.close();
        child.kill('SIGINT');
      }
    });
  }
});
