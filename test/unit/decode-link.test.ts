/**
 * Link-layer handling: p0f's find_offset() (fixed offsets, first-packet guessing, retry,
 * warnings) in p0fCompat mode, our documented deviations in the default mode, both checked
 * against p0f 3.09b's output on the crafted link-*.pcap fixtures.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bpfFilter } from '../../src/capture/bpf.ts';
import { DEFAULT_BY_DLT, DEFAULT_PROGRAMS } from '../../src/capture/bpf-defaults.generated.ts';
import { defaultFilter } from '../../src/capture/filter.ts';
import { FIXED_LINK_OFFSETS, LinkDecoder, SNAPLEN } from '../../src/decode/link.ts';
import { PacketData, TCP_SYN } from '../../src/decode/packet.ts';
import { cat, eth, ip4, ip6, parseAll, SYN, tcpSeg } from './capture-build.ts';

const pk = new PacketData();
const syn4 = (sport = 1000) => ip4(tcpSeg({ sport, flags: SYN }));
const syn6 = (sport = 1000) => ip6(tcpSeg({ sport, flags: SYN }));

function decoder(compat: boolean) {
  const warnings: string[] = [];
  const d = new LinkDecoder((m) => warnings.push(m), { p0fCompat: compat });
  const dec = (dlt: number, frame: Uint8Array, caplen = frame.length, wirelen = frame.length) =>
    d.decode(dlt, frame, 0, caplen, wirelen, pk) ? pk.sport : -1;
  return { d, dec, warnings };
}

describe('link: p0f find_offset (p0fCompat)', () => {
  it('uses p0f\'s hard-coded offsets', () => {
    const cases: [number, number][] = [[12, 0], [0, 4], [9, 4], [108, 8], [50, 8], [51, 8], [1, 14], [113, 16], [117, 28], [105, 32]];
    for (const [dlt, off] of cases) {
      const { d, dec } = decoder(true);
      assert.equal(dec(dlt, cat(Buffer.alloc(off, 0x11), syn4(77))), 77, `DLT ${dlt}`);
      assert.equal(d.p0fLinkOffset(dlt), off);
    }
  });

  it('guesses from the first packet at even offsets below 40 and keeps the guess', () => {
    const { d, dec, warnings } = decoder(true);
    assert.equal(dec(240, cat(Buffer.alloc(18), syn4(1))), 1);
    assert.equal(d.p0fLinkOffset(240), 18);
    assert.equal(dec(240, cat(Buffer.alloc(20), syn4(2))), -1); // now read at 18
    assert.equal(dec(240, cat(Buffer.alloc(18), syn6(3))), 3);
    assert.deepEqual(warnings, ['Unknown packet type 0, link detection issue?']);
  });

  it('prefers IPv6 (needs 60 bytes), skips odd offsets, gives up after 38', () => {
    let t = decoder(true);
    assert.equal(t.dec(240, cat(Buffer.alloc(2), syn6(5))), 5);
    assert.equal(t.d.p0fLinkOffset(240), 2);
    t = decoder(true);
    assert.equal(t.dec(240, cat(Buffer.alloc(38), syn4(6))), 6);
    t = decoder(true);
    assert.equal(t.dec(240, cat(Buffer.alloc(40), syn4(7))), -1);
    assert.equal(t.d.p0fLinkOffset(240), -2);
    t = decoder(true);
    assert.equal(t.dec(240, cat(Buffer.alloc(21), syn4(8))), -1);
    assert.equal(t.d.p0fLinkOffset(240), -2);
    assert.deepEqual(t.warnings, ['Unable to find link-specific packet offset. This is bad.',
      'Unknown packet type 0, link detection issue?']);
  });

  it('steps back over what looks like an 802.1Q tag', () => {
    const { d, dec } = decoder(true);
    const frame = cat(Buffer.alloc(14), Buffer.from([0x81, 0x00, 0, 5]), syn4(9));
    assert.equal(dec(240, frame), -1);
    assert.equal(d.p0fLinkOffset(240), 14);
  });

  it('after a failed guess: parses at offset 0, warns once, retries on every packet until it finds one', () => {
    const { d, dec, warnings } = decoder(true);
    assert.equal(dec(228, syn4(1).subarray(0, 30)), -1);
    assert.equal(dec(228, Buffer.alloc(30)), -1);
    assert.equal(d.p0fLinkOffset(228), -2);
    assert.equal(dec(228, syn4(2)), 2);
    assert.equal(d.p0fLinkOffset(228), 0);
    assert.deepEqual(warnings, ['Unable to find link-specific packet offset. This is bad.']);
  });

  it('warns "Unknown packet type" once per run, with the version nibble', () => {
    const { dec, warnings } = decoder(true);
    const bad = cat(Buffer.alloc(14), Buffer.from([0x55]), Buffer.alloc(60));
    dec(1, bad);
    dec(1, bad);
    dec(12, Buffer.from([0x75, ...Buffer.alloc(59)]));
    assert.deepEqual(warnings, ['Unknown packet type 5, link detection issue?']);
  });

  it('drops 802.1Q frames on Ethernet (read at offset 14)', () => {
    const { dec, warnings } = decoder(true);
    assert.equal(dec(1, eth(syn4(3), 0x0800, [[0x8100, 0x0b05]])), -1);
    assert.deepEqual(warnings, ['Unknown packet type 0, link detection issue?']);
  });
});

describe('link: our offsets (default)', () => {
  it('skips 802.1Q, 802.1ad and 0x9100 tags, stacked or not', () => {
    const { dec, warnings } = decoder(false);
    for (const tags of [[[0x8100, 5]], [[0x88a8, 5]], [[0x9100, 5]], [[0x88a8, 5], [0x8100, 6]], [[0x9100, 1], [0x9100, 2], [0x8100, 3]]] as [number, number][][]) {
      assert.equal(dec(1, eth(syn4(11), 0x0800, tags)), 11);
      assert.equal(dec(1, eth(syn6(12), 0x86dd, tags)), 12);
    }
    assert.equal(dec(1, eth(syn4(13))), 13);
    // A frame cut inside the tags is simply too short.
    assert.equal(dec(1, eth(syn4(14), 0x0800, [[0x8100, 5]]).subarray(0, 17)), -1);
    assert.deepEqual(warnings, []);
  });

  it('uses the fixed header length of well-known link types', () => {
    for (const [dlt, off] of FIXED_LINK_OFFSETS) {
      const { dec, warnings } = decoder(false);
      assert.equal(dec(dlt, cat(Buffer.alloc(off, 0x45), syn4(21))), 21, `DLT ${dlt}`);
      assert.equal(dec(dlt, cat(Buffer.alloc(off, 0x45), syn6(22))), 22, `DLT ${dlt}`);
      assert.deepEqual(warnings, []);
    }
  });

  it('reads the pflog header length', () => {
    const { dec } = decoder(false);
    for (const hdrlen of [61, 64, 45, 48]) {
      const pad = (hdrlen + 3) & ~3;
      assert.equal(dec(117, cat(Buffer.from([hdrlen]), Buffer.alloc(pad - 1), syn4(hdrlen))), hdrlen);
    }
  });

  it('falls back to p0f\'s guess for other link types', () => {
    const { d, dec } = decoder(false);
    assert.equal(dec(127, cat(Buffer.alloc(26), syn4(31))), 31);
    assert.equal(d.p0fLinkOffset(127), 26);
    assert.equal(dec(105, cat(Buffer.alloc(32), syn4(32))), 32);
  });

  it('every fixed offset is where libpcap\'s own "tcp" filter reads the IP header', () => {
    for (const [dlt, off] of FIXED_LINK_OFFSETS) {
      const e = DEFAULT_BY_DLT[dlt];
      assert.notEqual(e, undefined, `DLT ${dlt} has a default filter`);
      const p = DEFAULT_PROGRAMS[typeof e === 'number' ? e : e![0]]!;
      // "ldb [k]; jeq #6" pairs: the IPv4 protocol (k = off + 9) or IPv6 next header (off + 6).
      const loads: number[] = [];
      for (let i = 0; i + 7 < p.length; i += 4) {
        if (p[i] === 0x30 && p[i + 4] === 0x15 && p[i + 7] === 6) loads.push(p[i + 3]!);
      }
      assert.ok(loads.length > 0 && loads.every((k) => k === off + 9 || k === off + 6 || k === off + 40),
        `DLT ${dlt}: offset ${off}, program loads ${loads}`);
    }
  });
});

describe('link: common parse_packet rules', () => {
  it('uses MIN(len, caplen) and caps it at SNAPLEN', () => {
    for (const compat of [false, true]) {
      const { dec } = decoder(compat);
      const frame = eth(syn4(41));
      assert.equal(dec(1, frame, frame.length, 40 + 14 - 1), -1);
      assert.equal(dec(1, frame, frame.length, 100000), 41);
      // A 65530-byte IP packet: fine raw, but over Ethernet the 65535 cap cuts it.
      const big = ip4(tcpSeg({ sport: 42, flags: SYN, payload: Buffer.alloc(65530 - 40) }));
      assert.equal(dec(12, big), 42);
      assert.equal(dec(1, eth(big)), -1);
      assert.equal(SNAPLEN, 65535);
    }
  });

  it('never reads outside the given bytes', () => {
    const { d } = decoder(false);
    const buf = new Uint8Array(200).fill(0x46);
    const frame = eth(syn4(43));
    buf.set(frame, 50);
    assert.equal(d.decode(1, buf, 50, frame.length, frame.length, pk), true);
    assert.equal(d.decode(1, buf, 50, 20, 20, pk), false);
  });
});

describe('link: fixtures against p0f 3.09b', () => {
  const dir = fileURLToPath(new URL('../fixtures/decode/', import.meta.url));
  const files = readdirSync(dir).filter((f) => /^link-.*\.pcap$/.test(f));

  function run(file: string, compat: boolean) {
    const { packets, info } = parseAll(readFileSync(dir + file));
    const filter = defaultFilter(info!.linktype, info!.swapped)!;
    const warnings: string[] = [];
    const d = new LinkDecoder((m) => warnings.push(`[!] WARNING: ${m}`), { p0fCompat: compat });
    const syns: number[] = [];
    let processed = 0;
    for (const p of packets) {
      if (bpfFilter(filter, p.data, 0, p.caplen, p.wirelen) === 0) continue;
      processed++;
      if (d.decode(p.linktype, p.data, 0, p.caplen, p.wirelen, pk) && pk.tcpType === TCP_SYN) syns.push(pk.sport);
    }
    return { syns, warnings, processed };
  }

  function truth(file: string) {
    const log = readFileSync(dir + file + '.p0f.log', 'latin1');
    const out = readFileSync(dir + file + '.p0f.out', 'latin1');
    return {
      syns: [...log.matchAll(/mod=syn\|cli=[^|]*\/(\d+)\|/g)].map((m) => Number(m[1])),
      warnings: out.split('\n').filter((l) => l.startsWith('[!] WARNING')),
      processed: Number(/Processed (\d+) packets/.exec(out)![1]),
    };
  }

  it('p0fCompat reproduces p0f exactly on every link fixture', () => {
    assert.ok(files.length >= 20);
    for (const f of files) assert.deepEqual(run(f, true), truth(f), f);
  });

  /** Where the default mode parts from p0f, and what it does instead. */
  const deviations: Record<string, { syns: number[]; warnings: string[] }> = {
    'link-loop.pcap': { syns: [2001, 2002], warnings: [] },
    'link-ppp-serial.pcap': { syns: [2007, 2008], warnings: [] },
    'link-pflog.pcap': { syns: [2027, 2028], warnings: [] },
    'link-fddi.pcap': { syns: [2025, 2026], warnings: [] },
    'link-sll2-guess.pcap': { syns: [2016], warnings: [] },
    'link-vlan.pcap': { syns: [2030, 2031, 2032, 2034, 2035], warnings: [] },
    'link-guess-retry.pcap': { syns: [2037], warnings: [] },
  };

  it('the default mode matches p0f except for the documented deviations', () => {
    for (const f of files) {
      const t = truth(f);
      const want = deviations[f] ? { ...deviations[f], processed: t.processed } : t;
      assert.deepEqual(run(f, false), want, f);
    }
  });
});
