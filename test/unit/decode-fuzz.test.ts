/**
 * Fuzzing the decoder: random and mutated frames on many link types, in both modes. It must
 * never throw, and must never look outside the frame: the outcome must be the same whatever
 * bytes surround the frame in its buffer.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LinkDecoder } from '../../src/decode/link.ts';
import { PacketData } from '../../src/decode/packet.ts';
import { cat, eth, int, ip4, ip6, rng, type Rnd, SYN, tcpSeg } from './capture-build.ts';


const DLTS = [0, 1, 9, 10, 12, 50, 51, 104, 105, 108, 109, 113, 117, 127, 129, 228, 229, 240, 276, 192];

function frame(r: Rnd): Buffer {
  const opts = Buffer.from(Array.from({ length: int(r, 44) }, () => (r() < 0.5 ? [0, 1, 2, 3, 4, 5, 8][int(r, 7)]! : int(r, 256))));
  const seg = tcpSeg({ flags: int(r, 256) | (r() < 0.7 ? SYN : 0), opts: opts.subarray(0, opts.length & ~3), ns: r() < 0.1,
    payload: Buffer.alloc(int(r, 30), 0x41), urg: int(r, 3), ack: int(r, 2 ** 32) });
  const ip = r() < 0.7
    ? ip4(seg, { ihl: r() < 0.1 ? int(r, 16) : undefined, totLen: r() < 0.1 ? int(r, 200) : undefined, flagsOff: r() < 0.8 ? 0x4000 : int(r, 65536), tos: int(r, 256), proto: r() < 0.9 ? 6 : int(r, 256) })
    : ip6(seg, { plen: r() < 0.1 ? int(r, 200) : undefined, flow: int(r, 0x100000), tc: int(r, 256), nxt: r() < 0.9 ? 6 : int(r, 256) });
  const k = r();
  let f: Buffer;
  if (k < 0.4) f = eth(ip, 0x0800, r() < 0.3 ? Array.from({ length: 1 + int(r, 3) }, () => [[0x8100, 0x88a8, 0x9100][int(r, 3)]!, int(r, 65536)] as [number, number]) : []);
  else if (k < 0.8) f = cat(Buffer.from(Array.from({ length: int(r, 48) }, () => int(r, 256))), ip);
  else f = Buffer.from(Array.from({ length: int(r, 120) }, () => int(r, 256)));
  // Mutations and truncation.
  for (let i = int(r, 4); i > 0 && f.length > 0; i--) f[int(r, f.length)] = int(r, 256);
  if (r() < 0.3) f = f.subarray(0, int(r, f.length + 1));
  return f;
}

function snapshot(pk: PacketData): string {
  return JSON.stringify({
    v: pk.ipVer, t: pk.tcpType, s: [...pk.src], d: [...pk.dst], sp: pk.sport, dp: pk.dport, ttl: pk.ttl, tos: pk.tos,
    mss: pk.mss, win: pk.win, ws: pk.wscale, th: pk.totHdr, ol: [...pk.optLayout.subarray(0, pk.optCnt)], eol: pk.optEolPad,
    ts1: pk.ts1, q: pk.quirks, io: pk.ipOptLen, seq: pk.seq, pay: pk.payLen, payload: [...pk.payload.subarray(pk.payOff, pk.payOff + pk.payLen)],
  });
}

describe('decode fuzz', () => {
  it('never throws, never reads outside the frame, allocates no state per packet', () => {
    const r = rng(7);
    for (const compat of [false, true]) {
      for (let round = 0; round < 40; round++) {
        const dlt = DLTS[int(r, DLTS.length)]!;
        // Two decoders fed the same frames, placed in buffers with different surroundings.
        const w1: string[] = [];
        const w2: string[] = [];
        const a = new LinkDecoder((m) => w1.push(m), { p0fCompat: compat });
        const b = new LinkDecoder((m) => w2.push(m), { p0fCompat: compat });
        const pa = new PacketData();
        const pb = new PacketData();
        for (let i = 0; i < 250; i++) {
          const f = frame(r);
          const pre = int(r, 16);
          const bufA = new Uint8Array(pre + f.length + 64).fill(0x00);
          const bufB = new Uint8Array(pre + f.length + 64).fill(0x46);
          bufA.set(f, pre);
          bufB.set(f, pre);
          const caplen = f.length;
          const wirelen = r() < 0.8 ? caplen : int(r, 70000);
          const ra = a.decode(dlt, bufA, pre, caplen, wirelen, pa);
          const rb = b.decode(dlt, bufB, pre, caplen, wirelen, pb);
          assert.equal(ra, rb, `DLT ${dlt} frame ${f.toString('hex')}`);
          if (ra) assert.equal(snapshot(pa), snapshot(pb), `DLT ${dlt} frame ${f.toString('hex')}`);
        }
        assert.deepEqual(w1, w2);
        assert.ok(w1.length <= 2, 'each warning at most once');
      }
    }
  });
});
