/**
 * Fuzzing the capture readers: random, truncated and mutated pcap/pcapng files. Nothing may
 * throw but p0f's open error; every packet view must lie inside its buffer; and the result
 * must not depend on how the bytes were split into chunks.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CaptureParser } from '../../src/capture/parser.ts';
import { P0fFatalError } from '../../src/errors.ts';
import {
  cat, eth, int, ip4, ngBlock, ngEpb, ngIdb, ngPb, ngShb, ngSpb, pcapFile, rng, type Rnd, SYN, tcpSeg,
} from './capture-build.ts';


function randomFile(r: Rnd): Buffer {
  const pkt = () => eth(ip4(tcpSeg({ sport: int(r, 65536), flags: SYN, payload: Buffer.alloc(int(r, 100), int(r, 256)) })));
  const n = int(r, 8);
  if (r() < 0.5) {
    const magic = [0xa1b2c3d4, 0xa1b23c4d, 0xa1b2cd34][int(r, 3)]!;
    return pcapFile({ magic, be: r() < 0.5, minor: [4, 3, 2][int(r, 3)], snaplen: r() < 0.2 ? 50 : 65535, linktype: [1, 101, 0, 276][int(r, 4)] },
      Array.from({ length: n }, () => ({ sec: int(r, 2 ** 32), frac: int(r, 2 ** 32), data: pkt() })));
  }
  const be = r() < 0.5;
  const blocks: Buffer[] = [ngShb(be), ngIdb({ be, tsresol: r() < 0.3 ? int(r, 256) : undefined, snaplen: r() < 0.2 ? 60 : 65535 })];
  for (let i = 0; i < n; i++) {
    const k = r();
    const ticks = BigInt(int(r, 2 ** 32)) << 20n;
    if (k < 0.5) blocks.push(ngEpb(0, ticks, pkt(), be));
    else if (k < 0.65) blocks.push(ngSpb(pkt(), be));
    else if (k < 0.75) blocks.push(ngPb(0, ticks, pkt(), be));
    else if (k < 0.85) blocks.push(ngIdb({ be, linktype: r() < 0.7 ? 1 : 228 }));
    else if (k < 0.92) blocks.push(ngShb(be));
    else blocks.push(ngBlock(int(r, 2 ** 32), Buffer.alloc(int(r, 20)), be));
  }
  return cat(...blocks);
}

function mutate(r: Rnd, f: Buffer): Buffer {
  const b = Buffer.from(f);
  const k = r();
  if (k < 0.3 && b.length > 0) return b.subarray(0, int(r, b.length));
  const flips = 1 + int(r, 6);
  for (let i = 0; i < flips && b.length > 0; i++) {
    const at = int(r, b.length);
    b[at] = r() < 0.3 ? [0, 0xff, 0x7f, 0x80][int(r, 4)]! : int(r, 256);
  }
  return b;
}

interface Run {
  packets: string[];
  end: string;
}

/** Parse with the given chunk sizes; returns a comparable summary or the fatal message. */
function parse(file: Uint8Array, chunks: () => number, multipleLinktypes: boolean): Run | string {
  const packets: string[] = [];
  const p = new CaptureParser((lt, sec, usec, buf, off, caplen, wirelen) => {
    assert.ok(Number.isInteger(off) && off >= 0 && caplen >= 0 && off + caplen <= buf.length, 'packet view inside its buffer');
    assert.ok(Number.isFinite(sec) && Number.isFinite(usec) && Number.isInteger(lt));
    packets.push(`${lt} ${sec} ${usec} ${caplen} ${wirelen} ${Buffer.from(buf.subarray(off, off + caplen)).toString('hex')}`);
  }, { multipleLinktypes });
  try {
    for (let i = 0; i < file.length;) {
      const n = Math.max(1, chunks());
      p.push(file.subarray(i, i + n));
      i += n;
    }
    const e = p.end();
    assert.equal(e.packets, packets.length);
    return { packets, end: JSON.stringify(e) };
  } catch (e) {
    if (e instanceof P0fFatalError) {
      assert.match(e.message, /^pcap_open_offline: /);
      return e.message;
    }
    throw e;
  }
}

describe('capture fuzz', () => {
  it('random, truncated and mutated files: no throw but the open error, chunking-independent', () => {
    const r = rng(0x5eed);
    for (let i = 0; i < 3000; i++) {
      const base = randomFile(r);
      const file = i % 10 === 0 ? base : mutate(r, base);
      const multi = r() < 0.3;
      const whole = parse(file, () => file.length, multi);
      const small = int(r, 40) + 1;
      assert.deepEqual(parse(file, () => 1 + int(r, small), multi), whole, `case ${i}`);
    }
  });

  it('pure noise (with a plausible magic now and then)', () => {
    const r = rng(42);
    const magics = [[0xd4, 0xc3, 0xb2, 0xa1], [0xa1, 0xb2, 0xc3, 0xd4], [0x0a, 0x0d, 0x0d, 0x0a], [0x4d, 0x3c, 0xb2, 0xa1]];
    for (let i = 0; i < 3000; i++) {
      const noise = Buffer.from(Array.from({ length: int(r, 200) }, () => int(r, 256)));
      const file = r() < 0.7 ? cat(magics[int(r, magics.length)]!, noise) : noise;
      const whole = parse(file, () => file.length, false);
      assert.deepEqual(parse(file, () => 1 + int(r, 7), false), whole, `case ${i}`);
    }
  });
});
