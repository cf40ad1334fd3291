/**
 * pcapng reading with libpcap 1.10.3's rules: byte orders, sections, interfaces and their
 * timestamp resolution, the three packet block types, unknown blocks, and every error.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cat, ngBlock, ngEpb, ngIdb, ngOpt, ngPb, ngShb, ngSpb, openFailure, parseAll } from './capture-build.ts';

const data = (n: number, seed = 1) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 13 + seed) & 0xff));
const T = 1700000000n;

describe('pcapng: sections, interfaces, packet blocks', () => {
  it('reads EPB, SPB and PB in both byte orders', () => {
    for (const be of [false, true]) {
      const file = cat(ngShb(be), ngIdb({ be, linktype: 1 }),
        ngEpb(0, T * 1000000n + 250000n, data(60), be, 60, 1514),
        ngSpb(data(70, 2), be),
        ngPb(0, T * 1000000n + 7n, data(80, 3), be));
      const r = parseAll(file);
      assert.equal(r.info!.format, 'pcapng');
      assert.equal(r.info!.swapped, be);
      assert.equal(r.info!.linktype, 1);
      assert.deepEqual(r.packets.map((p) => [p.linktype, p.sec, p.usec, p.caplen, p.wirelen]), [
        [1, 1700000000, 250000, 60, 1514],
        [1, 0, 0, 70, 70], // Simple Packet Blocks have no timestamp
        [1, 1700000000, 7, 80, 80],
      ]);
      assert.deepEqual(r.packets[1]!.data, data(70, 2));
      assert.deepEqual(r.end, { packets: 3, error: null, truncated: false });
    }
  });

  it('accepts section version 1.2, skips unknown blocks and section headers before the first interface', () => {
    const file = cat(ngShb(false, 1, 2), ngBlock(0x0bad, data(13)), ngShb(), ngIdb(), ngBlock(5, data(8)),
      ngEpb(0, 1n, data(40)), ngBlock(0x80000001, new Uint8Array(0)), ngEpb(0, 2n, data(41)));
    const r = parseAll(file);
    assert.deepEqual(r.packets.map((p) => p.caplen), [40, 41]);
    assert.equal(r.info!.versionMinor, 2);
  });

  it('starts a new interface list at each section', () => {
    const file = cat(ngShb(), ngIdb(), ngIdb(), ngEpb(1, 1n, data(40)), ngShb(), ngIdb(), ngEpb(0, 2n, data(41)),
      ngEpb(1, 3n, data(42)), ngEpb(0, 4n, data(43)));
    const r = parseAll(file);
    assert.deepEqual(r.packets.map((p) => p.caplen), [40, 41]);
    assert.equal(r.end.error, 'a packet arrived on interface 1, but there\'s no Interface Description Block for that interface');
    const r2 = parseAll(cat(ngShb(), ngIdb(), ngShb(), ngSpb(data(40))));
    assert.equal(r2.end.error, 'a packet arrived on interface 0, but there\'s no Interface Description Block for that interface');
  });

  it('converts if_tsresol and if_tsoffset timestamps as libpcap does', () => {
    const cases: [number | undefined, bigint | undefined, bigint, number, number][] = [
      [undefined, undefined, T * 1000000n + 999999n, 1700000000, 999999],
      [6, undefined, T * 1000000n + 1n, 1700000000, 1],
      [9, undefined, T * 1000000000n + 123456789n, 1700000000, 123456],
      [3, undefined, T * 1000n + 5n, 1700000000, 5000],
      [0, undefined, T, 1700000000, 0],
      [1, undefined, T * 10n + 3n, 1700000000, 300000],
      [12, undefined, 1000000n * 1000000000000n + 999999999999n, 1000000, 999999],
      [19, undefined, 18446744073709551615n, 1, 844674],
      [0x80 | 10, undefined, (T << 10n) + 1023n, 1700000000, 999023],
      [0x80 | 20, undefined, (T << 20n) + 524288n, 1700000000, 500000],
      [0x80 | 0, undefined, T, 1700000000, 0],
      [0x80 | 63, undefined, (1n << 63n) + (1n << 62n), 1, 0],
      [undefined, 100n, 5000000n + 7n, 105, 7],
      [3, 1000n, 5007n, 1005, 7000],
      [undefined, -10n, 20000000n, 10, 0],
      [9, undefined, 0xffffffffffffffffn, 18446744073, 709551],
    ];
    for (const [tsresol, tsoffset, ticks, sec, usec] of cases) {
      for (const be of [false, true]) {
        const r = parseAll(cat(ngShb(be), ngIdb({ tsresol, tsoffset, be }), ngEpb(0, ticks, data(40), be)));
        assert.deepEqual([r.packets[0]!.sec, r.packets[0]!.usec], [sec, usec], `tsresol ${tsresol} offset ${tsoffset} ticks ${ticks}`);
      }
    }
  });

  it('keeps a resolution per interface', () => {
    const r = parseAll(cat(ngShb(), ngIdb({ tsresol: 9 }), ngIdb({ tsresol: 3 }), ngIdb(),
      ngEpb(0, 1500000000n, data(40)), ngEpb(1, 1500n, data(40)), ngEpb(2, 1500000n, data(40))));
    assert.deepEqual(r.packets.map((p) => [p.sec, p.usec]), [[1, 500000], [1, 500000], [1, 500000]]);
  });

  it('maps the interface link type to a DLT and uses its snaplen', () => {
    let r = parseAll(cat(ngShb(), ngIdb({ linktype: 101, snaplen: 0 }), ngEpb(0, 1n, data(40))));
    assert.deepEqual([r.info!.linktype, r.info!.snaplen, r.packets[0]!.linktype], [12, 262144, 12]);
    r = parseAll(cat(ngShb(), ngIdb({ snaplen: 50 }), ngSpb(data(80)), ngEpb(0, 1n, data(60))));
    assert.deepEqual(r.packets.map((p) => [p.caplen, p.wirelen]), [[50, 80]]);
    assert.equal(r.end.error, 'invalid packet capture length 60, bigger than snaplen of 50');
  });
});

describe('pcapng: interfaces libpcap refuses (and p0f with it)', () => {
  it('stops at an interface with another link type', () => {
    const file = cat(ngShb(), ngIdb({ linktype: 1 }), ngEpb(0, 1n, data(40)), ngIdb({ linktype: 228 }),
      ngEpb(1, 2n, data(41)), ngEpb(0, 3n, data(42)));
    const r = parseAll(file);
    assert.deepEqual(r.packets.map((p) => p.caplen), [40]);
    assert.deepEqual(r.end, { packets: 1, error: 'an interface has a type 228 different from the type of the first interface', truncated: false });
  });

  it('stops even at a second LINKTYPE_RAW interface (libpcap compares DLT 12 with 101)', () => {
    const r = parseAll(cat(ngShb(), ngIdb({ linktype: 101 }), ngEpb(0, 1n, data(40)), ngIdb({ linktype: 101 }), ngEpb(1, 2n, data(41))));
    assert.equal(r.packets.length, 1);
    assert.equal(r.end.error, 'an interface has a type 101 different from the type of the first interface');
    // ... while two Ethernet interfaces are fine.
    assert.equal(parseAll(cat(ngShb(), ngIdb(), ngIdb(), ngEpb(1, 1n, data(40)))).packets.length, 1);
  });

  it('stops at an interface with another snaplen', () => {
    const r = parseAll(cat(ngShb(), ngIdb({ snaplen: 65535 }), ngIdb({ snaplen: 1500 }), ngEpb(0, 1n, data(40))));
    assert.equal(r.end.error, 'an interface has a snapshot length 1500 different from the snapshot length of the first interface');
    // 0 and 262144 are the same after libpcap's adjustment.
    assert.equal(parseAll(cat(ngShb(), ngIdb({ snaplen: 0 }), ngIdb({ snaplen: 262144 }), ngEpb(1, 1n, data(40)))).packets.length, 1);
  });

  it('with multipleLinktypes, reads every interface with its own link type and snaplen', () => {
    const file = cat(ngShb(), ngIdb({ linktype: 1 }), ngEpb(0, 1n, data(40)), ngIdb({ linktype: 101, snaplen: 44 }),
      ngEpb(1, 2n, data(41)), ngEpb(0, 3n, data(42)), ngEpb(1, 4n, data(45)));
    const r = parseAll(file, 0, { multipleLinktypes: true });
    assert.deepEqual(r.packets.map((p) => [p.linktype, p.caplen]), [[1, 40], [12, 41], [1, 42]]);
    assert.equal(r.end.error, 'invalid packet capture length 45, bigger than snaplen of 44');
  });
});

describe('pcapng: open errors', () => {
  const le = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
  const shbMagic = Uint8Array.of(0x0a, 0x0d, 0x0d, 0x0a);
  const cases: [string, Uint8Array, string][] = [
    ['magic only', shbMagic, 'unknown file format'],
    ['no byte-order magic', cat(shbMagic, le(28)), 'unknown file format'],
    ['wrong byte-order magic', cat(shbMagic, le(28), le(0x12345678), Buffer.alloc(16)), 'unknown file format'],
    ['section header too short', cat(shbMagic, le(8), le(0x1a2b3c4d), Buffer.alloc(16)),
      'Section Header Block in pcapng dump file has invalid length 28 < _8_ < 1048576 (BT_SHB_INSANE_MAX)'],
    ['section header too long', cat(shbMagic, le(0x200000), le(0x1a2b3c4d)),
      'Section Header Block in pcapng dump file has invalid length 28 < _2097152_ < 1048576 (BT_SHB_INSANE_MAX)'],
    ['section header cut', ngShb().subarray(0, 24), 'truncated pcapng dump file; tried to read 16 bytes, only got 12'],
    ['version 2.0', ngShb(false, 2, 0), 'unsupported pcapng savefile version 2.0'],
    ['version 1.1', ngShb(true, 1, 1), 'unsupported pcapng savefile version 1.1'],
    ['no interface', ngShb(), 'the capture file has no Interface Description Blocks'],
    ['only unknown blocks', cat(ngShb(), ngBlock(0x99, data(4))), 'the capture file has no Interface Description Blocks'],
    ['packet before interface', cat(ngShb(), ngEpb(0, 1n, data(40))),
      'the capture file has a packet block before any Interface Description Blocks'],
    ['simple packet before interface', cat(ngShb(), ngSpb(data(40))),
      'the capture file has a packet block before any Interface Description Blocks'],
    ['block header cut', cat(ngShb(), ngIdb().subarray(0, 5)), 'truncated pcapng dump file; tried to read 8 bytes, only got 5'],
    ['block body cut', cat(ngShb(), ngIdb().subarray(0, 15)), 'truncated pcapng dump file; tried to read 12 bytes, only got 7'],
    ['block length < 12', cat(ngShb(), ngBlock(1, data(8), false, 8)), 'block in pcapng dump file has a length of 8 < 12'],
    ['block length not a multiple of 4', cat(ngShb(), ngBlock(1, data(8), false, 30)),
      'block in pcapng dump file has a length of 30 that is not a multiple of 4'],
    ['block too large', cat(ngShb(), ngBlock(1, data(8), false, 16 * 1024 * 1024 + 4)), 'pcapng block size 16777220 > maximum 16777216'],
    ['trailer mismatch', cat(ngShb(), ngBlock(1, data(8), false, undefined, 24)), 'block total length in header and trailer don\'t match'],
    ['interface block too short', cat(ngShb(), ngBlock(1, data(4))), 'block of type 1 in pcapng dump file is too short'],
    ['option value cut', cat(ngShb(), ngIdb({ extra: Uint8Array.of(2, 0, 9, 0, 0x41, 0x41, 0x41, 0x41) })), 'block of type 1 in pcapng dump file is too short'],
    ['opt_endofopt with a length', cat(ngShb(), ngIdb({ extra: ngOpt(0, data(4)) })),
      'Interface Description Block has opt_endofopt option with length 4 != 0'],
    ['if_tsresol length 2', cat(ngShb(), ngIdb({ extra: ngOpt(9, data(2)) })),
      'Interface Description Block has if_tsresol option with length 2 != 1'],
    ['two if_tsresol', cat(ngShb(), ngIdb({ extra: cat(ngOpt(9, Uint8Array.of(6)), ngOpt(9, Uint8Array.of(6))) })),
      'Interface Description Block has more than one if_tsresol option'],
    ['if_tsresol 10^-20', cat(ngShb(), ngIdb({ tsresol: 20 })), 'Interface Description Block if_tsresol option resolution 10^-20 is too high'],
    ['if_tsresol 2^-64', cat(ngShb(), ngIdb({ tsresol: 0x80 | 64 })), 'Interface Description Block if_tsresol option resolution 2^-64 is too high'],
    ['if_tsoffset length 4', cat(ngShb(), ngIdb({ extra: ngOpt(14, data(4)) })),
      'Interface Description Block has if_tsoffset option with length 4 != 8'],
    ['two if_tsoffset', cat(ngShb(), ngIdb({ extra: cat(ngOpt(14, data(8)), ngOpt(14, data(8))) })),
      'Interface Description Block has more than one if_tsoffset option'],
  ];
  for (const [name, file, msg] of cases) {
    it(name, () => {
      for (const chunk of [0, 1, 5]) assert.equal(openFailure(file, chunk), `pcap_open_offline: ${msg}`, `chunk ${chunk}`);
    });
  }

  it('ignores options after opt_endofopt and unknown options', () => {
    const r = parseAll(cat(ngShb(), ngIdb({ extra: cat(ngOpt(2, Buffer.from('eth0')), ngOpt(0, new Uint8Array(0)), ngOpt(9, data(3))) }),
      ngEpb(0, 1n, data(40))));
    assert.equal(r.packets.length, 1);
  });
});

describe('pcapng: errors after the first interface stop the reading', () => {
  const head = cat(ngShb(), ngIdb(), ngEpb(0, 1n, data(40)));
  const cases: [string, Uint8Array, string, boolean][] = [
    ['cut block header', ngEpb(0, 2n, data(40)).subarray(0, 3), 'truncated pcapng dump file; tried to read 8 bytes, only got 3', true],
    ['cut block', ngEpb(0, 2n, data(40)).subarray(0, 30), 'truncated pcapng dump file; tried to read 64 bytes, only got 22', true],
    ['EPB too short', ngBlock(6, data(16)), 'block of type 6 in pcapng dump file is too short', false],
    ['PB too short', ngBlock(2, data(16)), 'block of type 2 in pcapng dump file is too short', false],
    ['SPB too short', ngBlock(3, new Uint8Array(0)), 'block of type 3 in pcapng dump file is too short', false],
    ['EPB data beyond the block', ngEpb(0, 2n, data(40), false, 48), 'block of type 6 in pcapng dump file is too short', false],
    ['SPB data beyond the block', ngSpb(data(40), false, 44), 'block of type 3 in pcapng dump file is too short', false],
    ['unknown interface', ngEpb(3, 2n, data(40)), 'a packet arrived on interface 3, but there\'s no Interface Description Block for that interface', false],
    ['PB unknown interface', ngPb(1, 2n, data(40)), 'a packet arrived on interface 1, but there\'s no Interface Description Block for that interface', false],
    ['caplen > snaplen', ngEpb(0, 2n, data(40), false, 70000, 70000), 'invalid packet capture length 70000, bigger than snaplen of 65535', false],
    ['section in the other byte order', ngShb(true), 'pcapng block size 469762048 > maximum 16777216', false],
    ['section header too short', ngBlock(0x0a0d0d0a, data(12)), 'block of type 168627466 in pcapng dump file is too short', false],
    ['section with swapped byte-order magic', ngBlock(0x0a0d0d0a, cat(Uint8Array.of(0x1a, 0x2b, 0x3c, 0x4d), Buffer.alloc(12))),
      'the file has sections with different byte orders', false],
    ['section with a bad byte-order magic', ngBlock(0x0a0d0d0a, Buffer.alloc(16)), 'the file has a section with a bad byte order magic field', false],
    ['section version 2', ngShb(false, 2, 0), 'unknown pcapng savefile major version number 2', false],
    ['bad interface options', ngIdb({ tsresol: 99 }), 'Interface Description Block if_tsresol option resolution 10^-99 is too high', false],
    ['trailer mismatch', ngBlock(6, data(24), false, undefined, 12), 'block total length in header and trailer don\'t match', false],
  ];
  for (const [name, tail, msg, truncated] of cases) {
    it(name, () => {
      for (const chunk of [0, 1, 7]) {
        // A cut block must end the file; otherwise more data follows the bad block.
        const r = parseAll(truncated ? cat(head, tail) : cat(head, tail, ngEpb(0, 9n, data(50))), chunk);
        assert.equal(r.packets.length, 1, `chunk ${chunk}`);
        assert.deepEqual(r.end, { packets: 1, error: msg, truncated });
      }
    });
  }
});
