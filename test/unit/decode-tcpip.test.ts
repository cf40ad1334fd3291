/**
 * IPv4/IPv6/TCP parsing into PacketData, rule by rule from p0f's parse_packet(), and an
 * oracle test: ~600 crafted SYNs whose raw_sig p0f 3.09b printed (test/fixtures/decode).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bpfFilter } from '../../src/capture/bpf.ts';
import { defaultFilter } from '../../src/capture/filter.ts';
import { LinkDecoder } from '../../src/decode/link.ts';
import {
  PacketData, QUIRK_DF, QUIRK_ECN, QUIRK_FLOW, QUIRK_NZ_ACK, QUIRK_NZ_ID, QUIRK_NZ_MBZ, QUIRK_NZ_URG, QUIRK_OPT_BAD,
  QUIRK_OPT_EOL_NZ, QUIRK_OPT_EXWS, QUIRK_OPT_NZ_TS2, QUIRK_OPT_ZERO_TS1, QUIRK_PUSH, QUIRK_URG, QUIRK_ZERO_ACK,
  QUIRK_ZERO_ID, QUIRK_ZERO_SEQ, TCP_ACK, TCP_SYN,
} from '../../src/decode/packet.ts';
import { PARSE_DROP, PARSE_NOT_IP, PARSE_OK, parseIpTcp } from '../../src/decode/tcpip.ts';
import { ACK, cat, CWR, ECE, FIN, ip4, ip6, parseAll, PSH, RST, SYN, tcpSeg, type TcpOpts, URG } from './capture-build.ts';

const pk = new PacketData();

/** Parse raw IP bytes (p0f's packet_len = all of them unless `len` says otherwise). */
function parse(bytes: Uint8Array, len = bytes.length): number {
  // Put the packet at an offset inside a larger buffer to catch absolute-offset mistakes.
  const buf = new Uint8Array(bytes.length + 10).fill(0xee);
  buf.set(bytes, 7);
  return parseIpTcp(buf, 7, len, pk);
}

function quirksOf(bytes: Uint8Array): number {
  assert.equal(parse(bytes), PARSE_OK);
  return pk.quirks;
}

const syn4 = (t: TcpOpts = {}, ip: Parameters<typeof ip4>[1] = {}) => ip4(tcpSeg({ flags: SYN, ...t }), ip);
const syn6 = (t: TcpOpts = {}, ip: Parameters<typeof ip6>[1] = {}) => ip6(tcpSeg({ flags: SYN, ...t }), ip);

describe('decode: IPv4 bail-outs', () => {
  it('needs 40 bytes', () => {
    assert.equal(parse(syn4().subarray(0, 39)), PARSE_DROP);
    assert.equal(parse(syn4(), 39), PARSE_DROP);
    assert.equal(parse(syn4(), -5), PARSE_DROP);
    assert.equal(parse(syn4()), PARSE_OK);
  });
  it('honours a shorter IP total length (Ethernet padding) and drops a longer one', () => {
    const p = cat(syn4({ payload: [1, 2, 3] }), Buffer.alloc(10, 0x77));
    assert.equal(parse(p), PARSE_OK);
    assert.equal(pk.payLen, 3);
    assert.equal(parse(syn4({}, { totLen: 39 })), PARSE_DROP);
    assert.equal(parse(syn4({}, { totLen: 41 })), PARSE_DROP);
    assert.equal(parse(syn4({ payload: [1] }, { totLen: 40 })), PARSE_OK);
    assert.equal(pk.payLen, 0);
  });
  it('drops header lengths below 20 and headers that leave no room for TCP', () => {
    assert.equal(parse(syn4({}, { ihl: 4 })), PARSE_DROP);
    assert.equal(parse(syn4({}, { ihl: 15 })), PARSE_DROP);
    assert.equal(parse(syn4({}, { ipOpts: [1, 1, 1, 0] })), PARSE_OK);
    assert.equal(parse(syn4({}, { ihl: 7, ipOpts: [1, 1, 1, 0] })), PARSE_DROP); // doff read from the wrong place
  });
  it('drops non-TCP and fragments, keeps DF and the reserved bit', () => {
    assert.equal(parse(syn4({}, { proto: 17 })), PARSE_DROP);
    assert.equal(parse(syn4({}, { flagsOff: 0x2000 })), PARSE_DROP);
    assert.equal(parse(syn4({}, { flagsOff: 0x0001 })), PARSE_DROP);
    assert.equal(parse(syn4({}, { flagsOff: 0x4000 | 0x1fff })), PARSE_DROP);
    assert.equal(parse(syn4({}, { flagsOff: 0xc000 })), PARSE_OK);
  });
  it('reports a non-IP version', () => {
    for (const v of [0, 5, 7, 15]) {
      const p = syn4();
      p[0] = (v << 4) | 5;
      assert.equal(parse(p), PARSE_NOT_IP);
    }
  });
});

describe('decode: IPv6 bail-outs', () => {
  it('needs 60 bytes, a sane payload length and TCP right after the header', () => {
    assert.equal(parse(syn6(), 59), PARSE_DROP);
    assert.equal(parse(syn6()), PARSE_OK);
    assert.equal(parse(syn6({}, { plen: 21 })), PARSE_DROP);
    assert.equal(parse(syn6({}, { plen: 19 })), PARSE_DROP);
    assert.equal(parse(syn6({ payload: [1, 2] }, { plen: 20 })), PARSE_OK);
    assert.equal(pk.payLen, 0);
    assert.equal(parse(cat(syn6({ payload: [9] }), Buffer.alloc(4))), PARSE_OK);
    assert.equal(pk.payLen, 1);
    assert.equal(parse(ip6(cat(Uint8Array.of(6, 0, 0, 0, 0, 0, 0, 0), tcpSeg()), { nxt: 44 })), PARSE_DROP);
    assert.equal(parse(syn6({}, { nxt: 17 })), PARSE_DROP);
  });
});

describe('decode: TCP bail-outs', () => {
  it('data offset below 5 or past the packet', () => {
    assert.equal(parse(syn4({ doff: 4 })), PARSE_DROP);
    assert.equal(parse(syn4({ doff: 6 })), PARSE_DROP);
    assert.equal(parse(syn4({ doff: 6, payload: [1, 2, 3, 4] })), PARSE_OK);
    assert.equal(pk.payLen, 0);
  });
  it('nonsense flag combinations', () => {
    for (const f of [SYN | FIN, SYN | RST, FIN | RST, FIN | RST | ACK, SYN | FIN | ACK, 0, PSH, URG | ECE | CWR]) {
      assert.equal(parse(syn4({ flags: f })), PARSE_DROP, `flags 0x${f.toString(16)}`);
    }
    for (const f of [SYN, SYN | ACK, ACK, FIN, FIN | ACK, RST, RST | ACK, SYN | PSH | URG]) {
      assert.equal(parse(syn4({ flags: f })), PARSE_OK, `flags 0x${f.toString(16)}`);
      assert.equal(pk.tcpType, f & (SYN | ACK | FIN | RST));
    }
  });
});

describe('decode: fields', () => {
  it('IPv4', () => {
    assert.equal(parse(ip4(tcpSeg({ sport: 4321, dport: 443, seq: 0xfedcba98, flags: SYN | ACK, win: 29200, payload: [1, 2, 3] }),
      { src: [1, 2, 3, 4], dst: [5, 6, 7, 8], ttl: 57, tos: 0xb9, ipOpts: [1, 1, 1, 0] })), PARSE_OK);
    assert.deepEqual([pk.ipVer, pk.sport, pk.dport, pk.seq, pk.win, pk.ttl, pk.tos, pk.ipOptLen, pk.totHdr, pk.payLen],
      [4, 4321, 443, 0xfedcba98, 29200, 57, 0xb9 >> 2, 4, 44, 3]);
    assert.deepEqual([...pk.src], [1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual([...pk.dst.subarray(0, 4)], [5, 6, 7, 8]);
    assert.deepEqual([...pk.payload.subarray(pk.payOff, pk.payOff + pk.payLen)], [1, 2, 3]);
    assert.equal(pk.tcpType, TCP_SYN | TCP_ACK);
  });
  it('IPv6', () => {
    const src = Array.from({ length: 16 }, (_, i) => i + 1);
    assert.equal(parse(ip6(tcpSeg({ flags: SYN, opts: [2, 4, 5, 0xa0] }), { src, hlim: 3, tc: 0xb9 })), PARSE_OK);
    assert.deepEqual([pk.ipVer, pk.ttl, pk.tos, pk.ipOptLen, pk.totHdr, pk.mss], [6, 3, 0xb9 >> 2, 0, 64, 1440]);
    assert.deepEqual([...pk.src], src);
  });
  it('clears IPv4 address tails left by an earlier IPv6 packet', () => {
    parse(syn6());
    parse(syn4());
    assert.deepEqual([...pk.src.subarray(4)], new Array(12).fill(0));
  });
});

describe('decode: quirks', () => {
  it('IPv4: df, id+, id-, 0+, ecn', () => {
    assert.equal(quirksOf(syn4({}, { flagsOff: 0x4000, id: 1 })), QUIRK_DF | QUIRK_NZ_ID);
    assert.equal(quirksOf(syn4({}, { flagsOff: 0x4000, id: 0 })), QUIRK_DF);
    assert.equal(quirksOf(syn4({}, { flagsOff: 0, id: 0 })), QUIRK_ZERO_ID);
    assert.equal(quirksOf(syn4({}, { flagsOff: 0, id: 5 })), 0);
    assert.equal(quirksOf(syn4({}, { flagsOff: 0x8000, id: 5 })), QUIRK_NZ_MBZ);
    for (const tos of [1, 2, 3]) assert.equal(quirksOf(syn4({}, { flagsOff: 0, id: 5, tos })), QUIRK_ECN);
    assert.equal(quirksOf(syn4({}, { flagsOff: 0, id: 5, tos: 0xfc })), 0);
  });
  it('IPv6: flow, ecn (never df/id)', () => {
    assert.equal(quirksOf(syn6({}, { flow: 1 })), QUIRK_FLOW);
    assert.equal(quirksOf(syn6({}, { flow: 0xfffff })), QUIRK_FLOW);
    assert.equal(quirksOf(syn6({}, { tc: 1 })), QUIRK_ECN);
    assert.equal(quirksOf(syn6({}, { tc: 2 })), QUIRK_ECN);
    assert.equal(quirksOf(syn6({}, { tc: 0xfc })), 0);
  });
  const t = (o: TcpOpts) => quirksOf(syn4(o, { flagsOff: 0, id: 5 }));
  it('TCP: ecn from ECE, CWR and NS', () => {
    assert.equal(t({ flags: SYN | ECE }), QUIRK_ECN);
    assert.equal(t({ flags: SYN | CWR }), QUIRK_ECN);
    assert.equal(t({ ns: true }), QUIRK_ECN);
  });
  it('seq-, ack- and the ack+ bug (only bit 24 of the ACK number counts, never on RST)', () => {
    assert.equal(t({ seq: 0 }), QUIRK_ZERO_SEQ);
    assert.equal(t({ flags: SYN | ACK, ack: 0 }), QUIRK_ZERO_ACK);
    assert.equal(t({ flags: ACK, ack: 1 }), 0);
    assert.equal(t({ ack: 0x01000000 }), QUIRK_NZ_ACK);
    assert.equal(t({ ack: 0x03ffffff }), QUIRK_NZ_ACK);
    assert.equal(t({ ack: 0x02000000 }), 0);
    assert.equal(t({ ack: 0x00ffffff }), 0);
    assert.equal(t({ ack: 1 }), 0);
    assert.equal(t({ flags: RST, ack: 0x01000000 }), 0);
    assert.equal(t({ flags: FIN, ack: 0x01000000 }), QUIRK_NZ_ACK);
  });
  it('urgf+, uptr+, pushf+', () => {
    assert.equal(t({ flags: SYN | URG, urg: 0 }), QUIRK_URG);
    assert.equal(t({ flags: SYN | URG, urg: 9 }), QUIRK_URG);
    assert.equal(t({ urg: 9 }), QUIRK_NZ_URG);
    assert.equal(t({ urg: 0x0100 }), QUIRK_NZ_URG);
    assert.equal(t({ flags: SYN | PSH }), QUIRK_PUSH);
  });
});

/** The option part of p0f's raw_sig for the last parsed packet. */
function olayout(): string {
  const names: Record<number, string> = { 1: 'nop', 2: 'mss', 3: 'ws', 4: 'sok', 5: 'sack', 8: 'ts' };
  const out: string[] = [];
  for (let i = 0; i < pk.optCnt; i++) {
    const k = pk.optLayout[i]!;
    out.push(k === 0 ? `eol+${pk.optEolPad}` : names[k] ?? `?${k}`);
  }
  return out.join(',');
}

describe('decode: TCP options', () => {
  const o = (opts: number[], flags = SYN) => {
    assert.equal(parse(syn4({ opts, flags, doff: undefined }, { flagsOff: 0, id: 5 })), PARSE_OK);
    return [olayout(), pk.quirks];
  };
  it('a typical Linux SYN', () => {
    assert.deepEqual(o([2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 1, 0, 0, 0, 0, 0, 1, 3, 3, 7]), ['mss,sok,ts,nop,ws', 0]);
    assert.deepEqual([pk.mss, pk.wscale, pk.ts1, pk.optEolPad], [1460, 7, 256, 0]);
  });
  it('EOL stops parsing and counts the padding; non-zero padding is opt+ except in the last byte', () => {
    assert.deepEqual(o([2, 4, 5, 0xb4, 0, 0, 0, 0]), ['mss,eol+3', 0]);
    assert.deepEqual(o([0, 0, 0, 0]), ['eol+3', 0]);
    assert.deepEqual(o([2, 4, 5, 0xb4, 0, 1, 0, 0]), ['mss,eol+3', QUIRK_OPT_EOL_NZ]);
    assert.deepEqual(o([2, 4, 5, 0xb4, 0, 0, 0, 1]), ['mss,eol+3', 0]);
    assert.deepEqual(o([2, 4, 5, 0xb4, 0, 0, 1, 0]), ['mss,eol+3', QUIRK_OPT_EOL_NZ]);
    assert.deepEqual(o([2, 4, 5, 0xb4, 1, 1, 1, 0]), ['mss,nop,nop,nop,eol+0', 0]);
  });
  it('wrong lengths of known options are "bad" but still read', () => {
    assert.deepEqual(o([2, 5, 5, 0xb4, 1, 1, 1, 1]), ['mss,nop,nop,nop,nop', QUIRK_OPT_BAD]);
    assert.equal(pk.mss, 1460);
    assert.deepEqual(o([3, 4, 9, 1]), ['ws,nop', QUIRK_OPT_BAD]);
    assert.equal(pk.wscale, 9);
    assert.deepEqual(o([4, 3, 1, 1]), ['sok,nop,nop', QUIRK_OPT_BAD]);
    assert.deepEqual(o([8, 8, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1]), ['ts,nop,nop', QUIRK_OPT_BAD]);
  });
  it('exws, ts1-, ts2+ only on a pure SYN', () => {
    assert.deepEqual(o([3, 3, 15, 1]), ['ws,nop', QUIRK_OPT_EXWS]);
    assert.deepEqual(o([3, 3, 14, 1]), ['ws,nop', 0]);
    assert.deepEqual(o([8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]), ['ts,nop,nop', QUIRK_OPT_ZERO_TS1]);
    assert.deepEqual(o([8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1]), ['ts,nop,nop', QUIRK_OPT_NZ_TS2]);
    assert.deepEqual(o([8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1], SYN | ACK), ['ts,nop,nop', QUIRK_ZERO_ACK]);
    assert.deepEqual(o([8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1], SYN | PSH)[1], QUIRK_PUSH | QUIRK_OPT_NZ_TS2);
  });
  it('options cut short abort parsing as "bad"', () => {
    assert.deepEqual(o([1, 1, 1, 2]), ['nop,nop,nop,mss', QUIRK_OPT_BAD]);
    assert.deepEqual(o([1, 1, 2, 4]), ['nop,nop,mss', QUIRK_OPT_BAD]);
    assert.deepEqual(o([1, 1, 1, 3]), ['nop,nop,nop,ws', QUIRK_OPT_BAD]);
    assert.deepEqual(o([1, 1, 1, 4]), ['nop,nop,nop,sok', QUIRK_OPT_BAD]);
    assert.deepEqual(o([8, 10, 0, 0, 0, 1, 0, 0]), ['ts', QUIRK_OPT_BAD]);
    assert.deepEqual(o([1, 1, 1, 5]), ['nop,nop,nop,sack', QUIRK_OPT_BAD]);
    assert.deepEqual(o([1, 1, 1, 99]), ['nop,nop,nop,?99', QUIRK_OPT_BAD]);
  });
  it('SACK and unknown options trust a sane length byte', () => {
    assert.deepEqual(o([5, 10, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]), ['sack,nop,nop', 0]);
    assert.deepEqual(o([5, 9, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1]), ['sack', QUIRK_OPT_BAD]);
    assert.deepEqual(o([5, 35, 0, 0]), ['sack', QUIRK_OPT_BAD]);
    assert.deepEqual(o([5, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), ['sack', 0]); // exactly fits
    assert.deepEqual(o([5, 14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), ['sack', QUIRK_OPT_BAD]);
    assert.deepEqual(o([30, 2, 1, 1]), ['?30,nop,nop', 0]);
    assert.deepEqual(o([30, 4, 9, 9]), ['?30', 0]);
    assert.deepEqual(o([30, 1, 1, 1]), ['?30', QUIRK_OPT_BAD]);
    assert.deepEqual(o([30, 41, 1, 1]), ['?30', QUIRK_OPT_BAD]);
    assert.deepEqual(o([30, 8, 1, 1]), ['?30', QUIRK_OPT_BAD]);
  });
  it('stops after 24 options; bytes left over are "bad"', () => {
    assert.deepEqual(o(new Array(24).fill(1)), [new Array(24).fill('nop').join(','), 0]);
    assert.deepEqual(o(new Array(28).fill(1)), [new Array(24).fill('nop').join(','), QUIRK_OPT_BAD]);
    assert.equal(pk.optCnt, 24);
  });
  it('resets option results between packets', () => {
    o([2, 4, 5, 0xb4, 3, 3, 7, 0, 8, 10, 0, 0, 0, 9, 0, 0, 0, 0]);
    o([]);
    assert.deepEqual([pk.mss, pk.wscale, pk.ts1, pk.optCnt, pk.optEolPad], [0, 0, 0, 0, 0]);
  });
});

/** The quirk list of raw_sig, in p0f's order. */
const QUIRK_NAMES: [number, string][] = [
  [QUIRK_DF, 'df'], [QUIRK_NZ_ID, 'id+'], [QUIRK_ZERO_ID, 'id-'], [QUIRK_ECN, 'ecn'], [QUIRK_NZ_MBZ, '0+'],
  [QUIRK_FLOW, 'flow'], [QUIRK_ZERO_SEQ, 'seq-'], [QUIRK_NZ_ACK, 'ack+'], [QUIRK_ZERO_ACK, 'ack-'],
  [QUIRK_NZ_URG, 'uptr+'], [QUIRK_URG, 'urgf+'], [QUIRK_PUSH, 'pushf+'], [QUIRK_OPT_ZERO_TS1, 'ts1-'],
  [QUIRK_OPT_NZ_TS2, 'ts2+'], [QUIRK_OPT_EOL_NZ, 'opt+'], [QUIRK_OPT_EXWS, 'exws'], [QUIRK_OPT_BAD, 'bad'],
];

describe('decode: oracle (raw_sig printed by p0f 3.09b for crafted SYNs)', () => {
  const dir = fileURLToPath(new URL('../fixtures/decode/', import.meta.url));
  const log = readFileSync(dir + 'tcpip-oracle.pcap.p0f.log', 'latin1');
  const sigByPort = new Map<number, string>();
  for (const line of log.split('\n')) {
    const m = /mod=syn\|cli=[^|]*\/(\d+)\|.*raw_sig=([^|]*)$/.exec(line);
    if (m) sigByPort.set(Number(m[1]), m[2]!);
  }

  it('our decode agrees on every field p0f prints, and on which packets it dispatches', () => {
    assert.ok(sigByPort.size > 500);
    const { packets, info } = parseAll(readFileSync(dir + 'tcpip-oracle.pcap'));
    const filter = defaultFilter(info!.linktype)!;
    const dec = new LinkDecoder(() => {});
    let compared = 0;
    for (const p of packets) {
      if (bpfFilter(filter, p.data, 0, p.caplen, p.wirelen) === 0) continue;
      const ok = dec.decode(p.linktype, p.data, 0, p.caplen, p.wirelen, pk);
      const at = 14 + ((p.data[14]! >> 4) === 6 ? 40 : (p.data[14]! & 15) * 4);
      if (at + 2 > p.caplen) {
        assert.ok(!ok, 'a packet too short for its TCP ports cannot decode');
        continue;
      }
      const port = p.data.readUInt16BE(at);
      const sig = sigByPort.get(port);
      if (sig === undefined) {
        assert.ok(!ok || pk.tcpType !== TCP_SYN, `port ${port}: p0f saw no SYN, we decoded one`);
        continue;
      }
      assert.ok(ok, `port ${port}: p0f printed ${sig}, we dropped the packet`);
      const [ver, ttl, olen, mss, winScale, layout, quirks, pclass] = sig.split(':');
      const [win, scale] = winScale!.split(',');
      const ourQuirks = QUIRK_NAMES.filter(([q]) => pk.quirks & q).map(([, n]) => n).join(',');
      assert.equal(Number(ver), pk.ipVer, `port ${port} ver`);
      assert.equal(Number(ttl!.split('+')[0]), pk.ttl, `port ${port} ttl`);
      assert.equal(Number(olen), pk.ipOptLen, `port ${port} olen`);
      assert.equal(Number(mss), pk.mss, `port ${port} mss`);
      if (!win!.includes('*')) assert.equal(Number(win), pk.win, `port ${port} win`);
      assert.equal(Number(scale), pk.wscale, `port ${port} scale`);
      assert.equal(layout, olayout(), `port ${port} olayout`);
      assert.equal(quirks, ourQuirks, `port ${port} quirks`);
      assert.equal(pclass, pk.payLen > 0 ? '+' : '0', `port ${port} pclass`);
      compared++;
    }
    assert.equal(compared, sigByPort.size);
  });
});
