/**
 * raw_sig of SYN / SYN+ACK packets (dump_sig) assembled from remembered parts, against a
 * field-by-field reference spelling, on random packets: IPv4/IPv6, IP options, every TTL,
 * MSS-multiple and MTU-multiple windows, the sendsyn MSS, EOL padding, unknown options,
 * every quirk, payload or not.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectWinMulti, guessDist, layoutHash, MAX_DIST, winMultiUseMtu } from '../../src/db/tcp-match.ts';
import { WIN_TYPE_NORMAL, type TcpSig } from '../../src/db/types.ts';
import { PacketData, TCP_ACK, TCP_SYN } from '../../src/decode/packet.ts';
import { dumpSig, SPECIAL_MSS } from '../../src/fingerprint/tcp.ts';

const QUIRKS: Array<[number, string]> = [
  [0x02, 'df'], [0x04, 'id+'], [0x08, 'id-'], [0x01, 'ecn'], [0x10, '0+'], [0x20, 'flow'],
  [0x1000, 'seq-'], [0x2000, 'ack+'], [0x4000, 'ack-'], [0x8000, 'uptr+'], [0x10000, 'urgf+'],
  [0x20000, 'pushf+'], [0x01000000, 'ts1-'], [0x02000000, 'ts2+'], [0x04000000, 'opt+'],
  [0x08000000, 'exws'], [0x10000000, 'bad'],
];
const OPT_NAMES: Record<number, string> = { 1: 'nop', 2: 'mss', 3: 'ws', 4: 'sok', 5: 'sack', 8: 'ts' };

function refSig(pk: PacketData, ts: TcpSig, synMss: number): string {
  const dist = guessDist(pk.ttl);
  let ret = `${pk.ipVer}:${pk.ttl}+${dist > MAX_DIST ? '?' : dist}:${pk.ipOptLen}:`;
  ret += pk.mss === SPECIAL_MSS && pk.tcpType === (TCP_SYN | TCP_ACK) ? '*:' : `${pk.mss}:`;
  const winM = detectWinMulti(ts, synMss);
  ret += winM > 0 ? `${winMultiUseMtu ? 'mtu' : 'mss'}*${winM}` : String(pk.win);
  ret += `,${pk.wscale}:`;
  const opts: string[] = [];
  for (let i = 0; i < pk.optCnt; i++) {
    const k = pk.optLayout[i]!;
    opts.push(k === 0 ? `eol+${pk.optEolPad}` : OPT_NAMES[k] ?? `?${k}`);
  }
  ret += opts.join(',') + ':';
  ret += QUIRKS.filter(([bit]) => pk.quirks & bit).map(([, n]) => n).join(',');
  return ret + (pk.payLen ? ':+' : ':0');
}

test('raw_sig from cached parts = field-by-field spelling (random packets)', () => {
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const layouts = [[2, 4, 8, 1, 3], [2, 1, 3, 1, 1, 4], [2, 1, 3, 1, 1, 8, 4, 0], [], [0], [2], [9, 2, 254], [1, 1, 5, 0]];
  for (let i = 0; i < 30000; i++) {
    const pk = new PacketData();
    pk.ipVer = rnd(4) ? 4 : 6;
    pk.tcpType = rnd(2) ? TCP_SYN : TCP_SYN | TCP_ACK;
    pk.ttl = rnd(256);
    pk.ipOptLen = rnd(5) ? 0 : 4 * rnd(10);
    pk.mss = [0, 1460, 1440, 536, SPECIAL_MSS, 99, 100, rnd(65536)][rnd(8)]!;
    pk.wscale = rnd(8) ? rnd(15) : rnd(256);
    const mult = 1 + rnd(60);
    pk.win = [0, 65535, 64240, 8192, (pk.mss * mult) & 0xffff, ((pk.mss + 40) * mult) & 0xffff, 1460 * mult & 0xffff, rnd(65536)][rnd(8)]!;
    const lay = layouts[rnd(layouts.length)]!;
    pk.optCnt = lay.length;
    pk.optLayout.set(lay);
    pk.optEolPad = lay.includes(0) ? rnd(40) : 0;
    pk.quirks = 0;
    for (const [bit] of QUIRKS) if (rnd(6) === 0) pk.quirks |= bit;
    pk.payLen = rnd(4) ? 0 : 1 + rnd(100);
    pk.ts1 = rnd(2) ? 0 : 1 + rnd(1000000);
    pk.totHdr = (pk.ipVer === 4 ? 20 : 40) + pk.ipOptLen + 20 + 4 * rnd(10);
    const ts = {
      optHash: layoutHash(pk.optLayout, pk.optCnt), optLayout: pk.optLayout.slice(0, pk.optCnt), quirks: pk.quirks,
      optEolPad: pk.optEolPad, ipOptLen: pk.ipOptLen, ipVer: pk.ipVer, ttl: pk.ttl, mss: pk.mss, win: pk.win,
      winType: WIN_TYPE_NORMAL, wscale: pk.wscale, payClass: pk.payLen ? 1 : 0, totHdr: pk.totHdr, ts1: pk.ts1,
      recvMs: 0, matched: null, fuzzy: false, dist: 0,
    } satisfies TcpSig;
    const synMss = [0, 1460, 12, 5, rnd(2000)][rnd(5)]!;
    assert.equal(dumpSig(pk, ts, synMss), refSig(pk, ts, synMss), `packet ${i}`);
  }
});
