/**
 * The library surface of issue 2: a Sensor fed from a file or from any (async) iterable of
 * packets, observations as events and as an async iterator, host look-ups, and the API
 * socket answering while packets are fed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { P0fClient } from '../../src/api/client.ts';
import { readCaptureFileSync } from '../../src/capture/read.ts';
import { type CapturedPacket, Sensor } from '../../src/control/sensor.ts';
import { formatLogLine } from '../../src/output/log.ts';
import type { Observation } from '../../src/observation.ts';
import { readLines, REPO } from '../diff/harness.ts';

const CAP = join(REPO, 'test/fixtures/captures/lo-http-ipv4.pcap');
const TRUTH = readLines(`${CAP}.p0f.log`);
const work = mkdtempSync(join(tmpdir(), 'p0f-sensor-'));

function packetsOf(path: string): CapturedPacket[] {
  const out: CapturedPacket[] = [];
  readCaptureFileSync(path, (linktype, tsSec, tsUsec, buf, off, caplen, wirelen) => {
    out.push({ linktype, tsSec, tsUsec, data: buf.slice(off, off + caplen), wirelen });
  });
  return out;
}

describe('Sensor (library API)', () => {
  after(() => rmSync(work, { recursive: true, force: true }));

  test('file: observations as events equal p0f log lines', async () => {
    const sensor = new Sensor({ readFile: CAP, fpFile: join(REPO, 'data/p0f.fp') });
    const lines: string[] = [];
    sensor.on('observation', (o: Observation) => lines.push(formatLogLine(o).trimEnd()));
    await sensor.start();
    const r = await sensor.finished;
    assert.equal(r.stopped, false);
    assert.deepEqual(lines, TRUTH);
  });

  test('async iterable of packets: observations through the async iterator', async () => {
    const pkts = packetsOf(CAP);
    async function* source() {
      for (const p of pkts) yield p;
    }
    const sensor = new Sensor({ packets: source(), fpFile: join(REPO, 'data/p0f.fp') });
    const it = sensor.observations();
    await sensor.start();
    const lines: string[] = [];
    for await (const o of it) lines.push(formatLogLine(o).trimEnd());
    assert.deepEqual(lines, TRUTH);
    const client = /cli=([0-9.]+)\//.exec(TRUTH[0]!)![1]!;
    const host = sensor.lookup(client);
    assert.ok(host, 'host known after the capture');
    assert.ok(host.totalConn > 0);
    assert.equal(sensor.lookup('192.0.2.99'), null);
  });

  test('the API socket answers while packets are fed, and until stop()', async () => {
    const sock = join(work, 'api.sock');
    const pkts = packetsOf(CAP);
    const half = Math.floor(pkts.length / 2);
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    async function* source() {
      for (const [i, p] of pkts.entries()) {
        if (i === half) await gate;
        yield p;
      }
    }
    const sensor = new Sensor({ packets: source(), apiSock: sock, fpFile: join(REPO, 'data/p0f.fp') });
    await sensor.start();
    const client = new P0fClient(sock);
    try {
      const ip = /cli=([0-9.]+)\//.exec(TRUTH[0]!)![1]!;
      const mid = await client.getInfo(ip);
      assert.ok(mid, 'answered mid-capture');
      release();
      await sensor.finished;
      const end = await client.getInfo(ip);
      assert.ok(end && end.totalConn >= mid.totalConn);
    } finally {
      client.close();
      await sensor.stop();
    }
  });
});

describe('Sensor: nothing is lost between start() and the first listener', () => {
  test('a small file whose packets all sit in the first chunk', async () => {
    const sample = join(REPO, 'examples/sample.pcap');
    const truth = readLines(`${sample}.p0f.log`);
    const t = new Sensor({ readFile: sample, fpFile: join(REPO, 'data/p0f.fp') });
    await t.start();
    // Attached only after start() resolved: must still see every observation.
    const lines: string[] = [];
    t.on('observation', (o: Observation) => lines.push(formatLogLine(o).trimEnd()));
    await t.finished;
    assert.ok(lines.length > 0);
    if (truth.length) assert.deepEqual(lines, truth);
  });
});
