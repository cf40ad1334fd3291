/**
 * Fuzzing the whole engine: mutated and random frames of every link type, through decode,
 * flow tracking and every fingerprint module, must never throw out of processFrame, and
 * the host table must stay within its limits.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readCaptureFileSync } from '../../src/capture/read.ts';
import { readDatabase } from '../../src/db/readfp.ts';
import { Engine } from '../../src/engine/engine.ts';
import { REPO } from '../diff/harness.ts';

/** Deterministic PRNG (xorshift32) so a failure can be replayed from its seed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x;
  };
}

const db = readDatabase(join(REPO, 'data/p0f.fp'));
const DIR = join(REPO, 'test/fixtures/captures');

interface Frame { lt: number; sec: number; usec: number; data: Uint8Array; wirelen: number }

function frames(): Frame[] {
  const out: Frame[] = [];
  for (const f of readdirSync(DIR).filter((n) => /\.pcap(ng)?$/.test(n) && !n.startsWith('malformed'))) {
    try {
      readCaptureFileSync(join(DIR, f), (lt, sec, usec, buf, off, caplen, wirelen) => {
        out.push({ lt, sec, usec, data: buf.slice(off, off + caplen), wirelen });
      });
    } catch { /* not every fixture opens */ }
  }
  return out;
}

test('mutated, truncated and random frames never throw out of the engine', () => {
  const base = frames();
  assert.ok(base.length > 1000, 'enough seed frames');
  const next = rng(0x5eed);
  const engine = new Engine({ db, offline: true, limits: { maxConn: 50, maxHosts: 100 } });
  let observed = 0;
  engine.onObservation(() => observed++);
  const LINKTYPES = [0, 1, 9, 12, 101, 108, 113, 117, 228, 229, 276, 105, 50, 104];
  for (let round = 0; round < 200000; round++) {
    const f = base[next() % base.length]!;
    let data = f.data.slice();
    const mode = next() % 6;
    if (mode === 0) data = data.subarray(0, next() % (data.length + 1));
    else if (mode === 1) for (let k = next() % 8; k >= 0; k--) data[next() % data.length] = next() & 0xff;
    else if (mode === 2) data = Uint8Array.from({ length: next() % 200 }, () => next() & 0xff);
    else if (mode === 3) data[next() % data.length] ^= 1 << (next() % 8);
    const lt = mode === 4 ? LINKTYPES[next() % LINKTYPES.length]! : f.lt;
    const wirelen = mode === 5 ? next() % 70000 : Math.max(f.wirelen, data.length);
    engine.processFrame(lt, f.sec + (round >> 6), f.usec, data, 0, data.length, wirelen);
  }
  assert.ok(observed > 0, 'the mutated traffic still produced observations');
  assert.ok(engine.tracker.hostCount <= 100 + 2, 'host limit kept');
  assert.ok(engine.tracker.flowCount <= 50 + 2, 'flow limit kept');
});
