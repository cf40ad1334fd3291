/**
 * Classic pcap reading: every header variant, libpcap's open errors (each message checked
 * against p0f 3.09b on crafted files), record errors and truncation, chunking.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { CaptureParser } from '../../src/capture/parser.ts';
import { readCaptureFileSync, readCaptureStream } from '../../src/capture/read.ts';
import { P0fFatalError } from '../../src/errors.ts';
import { cat, openFailure, parseAll, pcapFile, pcapHeader, pcapRecord } from './capture-build.ts';

const data = (n: number, seed = 1) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff));

describe('pcap: open errors (libpcap messages, as p0f prints them)', () => {
  const cases: [string, Uint8Array, string][] = [
    ['empty file', new Uint8Array(0), 'truncated dump file; tried to read 4 file header bytes, only got 0'],
    ['2 bytes', Uint8Array.of(0xd4, 0xc3), 'truncated dump file; tried to read 4 file header bytes, only got 2'],
    ['header cut after 10 bytes', pcapHeader().subarray(0, 10), 'truncated dump file; tried to read 24 file header bytes, only got 6'],
    ['header cut after 4 bytes', pcapHeader().subarray(0, 4), 'truncated dump file; tried to read 24 file header bytes, only got 0'],
    ['big-endian header cut', pcapHeader({ be: true }).subarray(0, 23), 'truncated dump file; tried to read 24 file header bytes, only got 19'],
    ['text', Buffer.from('hello world this is not pcap'), 'unknown file format'],
    ['FMESQUITA magic', pcapHeader({ magic: 0xa1b234cd }), 'unknown file format'],
    ['NAVTEL magic', pcapHeader({ magic: 0xa12b3c4d }), 'unknown file format'],
    ['version 1.0', pcapHeader({ major: 1, minor: 0 }), 'archaic pcap savefile format'],
    ['version 0.9 big-endian', pcapHeader({ major: 0, minor: 9, be: true }), 'archaic pcap savefile format'],
    ['version 2.5', pcapHeader({ minor: 5 }), 'unsupported pcap savefile version 2.5'],
    ['version 3.0', pcapHeader({ major: 3, minor: 0 }), 'unsupported pcap savefile version 3.0'],
    ['version 543.1', pcapHeader({ major: 543, minor: 1 }), 'unsupported pcap savefile version 543.1'],
  ];
  for (const [name, file, msg] of cases) {
    it(name, () => {
      for (const chunk of [0, 1, 3]) {
        assert.equal(openFailure(file, chunk), `pcap_open_offline: ${msg}`, `chunk ${chunk}`);
      }
    });
  }

  it('is a P0fFatalError located at prepare_pcap(), p0f.c:476, formatted as p0f prints it', () => {
    const p = new CaptureParser(() => {});
    assert.throws(() => p.push(pcapHeader({ major: 1 })), (e: unknown) => {
      assert.ok(e instanceof P0fFatalError);
      assert.equal(e.location, 'prepare_pcap(), p0f.c:476');
      assert.equal(e.format(), '[-] PROGRAM ABORT : pcap_open_offline: archaic pcap savefile format\n' +
        '         Location : prepare_pcap(), p0f.c:476\n\n');
      return true;
    });
  });

  it('reports a short file from end(), not from push()', () => {
    const p = new CaptureParser(() => {});
    p.push(Uint8Array.of(0xd4, 0xc3, 0xb2));
    assert.throws(() => p.end(), /only got 3$/);
  });
});

describe('pcap: headers and records', () => {
  it('reads a little-endian microsecond file', () => {
    const r = parseAll(pcapFile({ linktype: 1 }, [
      { sec: 1700000000, frac: 123456, data: data(60) },
      { sec: 1700000001, frac: 999999, data: data(70, 2), len: 1514 },
    ]));
    assert.deepEqual(r.info, {
      format: 'pcap', linktype: 1, snaplen: 65535, swapped: false, versionMajor: 2, versionMinor: 4,
      nanosecond: false, modified: false,
    });
    assert.equal(r.packets.length, 2);
    assert.deepEqual(r.packets.map((p) => [p.linktype, p.sec, p.usec, p.caplen, p.wirelen]),
      [[1, 1700000000, 123456, 60, 60], [1, 1700000001, 999999, 70, 1514]]);
    assert.deepEqual(r.packets[1]!.data, data(70, 2));
    assert.deepEqual(r.end, { packets: 2, error: null, truncated: false });
  });

  it('reads a big-endian file identically', () => {
    const recs = [{ sec: 1700000000, frac: 5, data: data(54) }, { sec: 3, frac: 7, data: data(99, 3), len: 200 }];
    const le = parseAll(pcapFile({}, recs));
    const be = parseAll(pcapFile({ be: true }, recs));
    assert.equal(be.info!.swapped, true);
    assert.deepEqual(be.packets, le.packets);
  });

  it('scales nanosecond timestamps down to microseconds (both byte orders)', () => {
    for (const be of [false, true]) {
      const r = parseAll(pcapFile({ magic: 0xa1b23c4d, be }, [
        { sec: 10, frac: 123456789, data: data(40) },
        { sec: 11, frac: 999, data: data(40) },
        { sec: 12, frac: 999999999, data: data(40) },
      ]));
      assert.equal(r.info!.nanosecond, true);
      assert.deepEqual(r.packets.map((p) => [p.sec, p.usec]), [[10, 123456], [11, 0], [12, 999999]]);
    }
  });

  it('keeps the 32-bit fields signed as libpcap reads them', () => {
    const r = parseAll(pcapFile({ magic: 0xa1b23c4d }, [{ sec: 0xffffffff, frac: 0xfffff830 /* -2000 */, data: data(40) }]));
    assert.deepEqual([r.packets[0]!.sec, r.packets[0]!.usec], [-1, -2]);
  });

  it('reads the modified (Kuznetzov) format with 24-byte record headers', () => {
    const r = parseAll(pcapFile({ magic: 0xa1b2cd34, linktype: 0 }, [{ data: data(44) }, { data: data(45, 9) }]));
    assert.equal(r.info!.modified, true);
    assert.equal(r.info!.snaplen, 65535);
    assert.deepEqual(r.packets.map((p) => p.data), [data(44), data(45, 9)]);
    // On Ethernet libpcap adds 14 to the snapshot length (cooked-mode captures).
    const e = parseAll(pcapFile({ magic: 0xa1b2cd34, linktype: 1, snaplen: 100 }, [{ data: data(110) }]));
    assert.equal(e.info!.snaplen, 114);
    assert.equal(e.packets[0]!.caplen, 110);
  });

  it('swaps caplen and len for versions before 2.3 and for 543.0', () => {
    for (const [major, minor] of [[2, 0], [2, 2], [543, 0]] as const) {
      const r = parseAll(pcapFile({ major, minor }, [{ data: data(40), caplen: 1500, len: 40 }]));
      assert.deepEqual([r.packets[0]!.caplen, r.packets[0]!.wirelen], [40, 1500], `${major}.${minor}`);
    }
  });

  it('swaps them in 2.3 files only when caplen > len', () => {
    const r = parseAll(pcapFile({ minor: 3 }, [
      { data: data(40), caplen: 1500, len: 40 },
      { data: data(50), caplen: 50, len: 1500 },
    ]));
    assert.deepEqual(r.packets.map((p) => [p.caplen, p.wirelen]), [[40, 1500], [50, 1500]]);
  });

  it('maps LINKTYPE_ to DLT_ values and drops the FCS bits', () => {
    const cases: [number, number][] = [[101, 12], [100, 11], [102, 15], [103, 16], [106, 19], [12, 12], [1, 1],
      [113, 113], [276, 276], [228, 228], [0x14000001, 1], [0x04000000 | 101, 12], [50, 50], [9, 9], [5000, 5000]];
    for (const [lt, dlt] of cases) {
      const r = parseAll(pcapFile({ linktype: lt }, [{ data: data(40) }]));
      assert.equal(r.info!.linktype, dlt, `linktype ${lt}`);
      assert.equal(r.packets[0]!.linktype, dlt);
    }
  });

  it('cuts records longer than the file snaplen to it and skips the rest', () => {
    const r = parseAll(pcapFile({ snaplen: 60 }, [{ data: data(100) }, { data: data(50, 5) }]));
    assert.deepEqual(r.packets.map((p) => [p.caplen, p.wirelen]), [[60, 100], [50, 50]]);
    assert.deepEqual(r.packets[0]!.data, data(100).subarray(0, 60));
    assert.deepEqual(r.packets[1]!.data, data(50, 5));
  });

  it('treats snaplen 0 (and > INT_MAX) as the maximum', () => {
    assert.equal(parseAll(pcapFile({ snaplen: 0 }, [])).info!.snaplen, 262144);
    assert.equal(parseAll(pcapFile({ snaplen: 0x80000000 }, [])).info!.snaplen, 262144);
    assert.equal(parseAll(pcapFile({ snaplen: 0, linktype: 231 }, [])).info!.snaplen, 128 * 1024 * 1024);
    assert.equal(parseAll(pcapFile({ snaplen: 0x7fffffff }, [])).info!.snaplen, 0x7fffffff);
  });

  it('stops at a record larger than libpcap allows', () => {
    const big = pcapRecord({ data: new Uint8Array(0), caplen: 300000, len: 300000 });
    let r = parseAll(cat(pcapHeader(), pcapRecord({ data: data(40) }), big, pcapRecord({ data: data(40) })));
    assert.equal(r.packets.length, 1);
    assert.deepEqual(r.end, { packets: 1, error: 'invalid packet capture length 300000, bigger than snaplen of 65535', truncated: false });
    r = parseAll(cat(pcapHeader({ snaplen: 1000000 }), big));
    assert.equal(r.end.error, 'invalid packet capture length 300000, bigger than maximum of 262144');
    // D-Bus captures may hold much larger records.
    r = parseAll(pcapFile({ linktype: 231, snaplen: 0 }, [{ data: new Uint8Array(300000) }]));
    assert.equal(r.packets[0]!.caplen, 300000);
  });

  it('an empty capture (header only) reads cleanly', () => {
    const r = parseAll(pcapHeader());
    assert.deepEqual(r.end, { packets: 0, error: null, truncated: false });
  });
});

describe('pcap: truncated files', () => {
  const full = pcapFile({}, [{ data: data(60) }, { data: data(60, 2) }]);
  it('in a record header', () => {
    const r = parseAll(full.subarray(0, 24 + 16 + 60 + 5));
    assert.equal(r.packets.length, 1);
    assert.deepEqual(r.end, { packets: 1, error: 'truncated dump file; tried to read 16 header bytes, only got 5', truncated: true });
  });
  it('in packet data', () => {
    const r = parseAll(full.subarray(0, full.length - 50));
    assert.deepEqual(r.end, { packets: 1, error: 'truncated dump file; tried to read 60 captured bytes, only got 10', truncated: true });
  });
  it('in a modified-format record header', () => {
    const f = pcapFile({ magic: 0xa1b2cd34 }, [{ data: data(60) }]);
    const r = parseAll(f.subarray(0, 24 + 20));
    assert.equal(r.end.error, 'truncated dump file; tried to read 24 header bytes, only got 20');
  });
  it('in an over-long record, before and after the snapshot length', () => {
    const f = pcapFile({ snaplen: 60 }, [{ data: data(100) }]);
    assert.equal(parseAll(f.subarray(0, 24 + 16 + 30)).end.error, 'truncated dump file; tried to read 60 captured bytes, only got 30');
    assert.equal(parseAll(f.subarray(0, 24 + 16 + 80)).end.error, 'truncated dump file; tried to read 100 captured bytes, only got 80');
  });
  it('exactly at a record boundary is a clean end', () => {
    assert.deepEqual(parseAll(full.subarray(0, 24 + 76)).end, { packets: 1, error: null, truncated: false });
  });
});

describe('pcap: chunked input', () => {
  const file = pcapFile({ snaplen: 80 }, [
    { sec: 1, frac: 2, data: data(60) }, { sec: 3, frac: 4, data: data(100, 3) }, { sec: 5, frac: 6, data: data(1, 4) },
    { sec: 7, frac: 8, data: data(0) }, { sec: 9, frac: 10, data: data(79, 6) },
  ]);
  const whole = parseAll(file);

  it('gives the same packets whatever the chunk sizes', () => {
    for (let chunk = 1; chunk <= file.length; chunk++) {
      const r = parseAll(file, chunk);
      assert.deepEqual(r.packets, whole.packets, `chunk ${chunk}`);
      assert.deepEqual(r.end, whole.end);
    }
  });

  it('hands out views into the pushed chunk (no copy) unless a record spans chunks', () => {
    const chunk = Uint8Array.from(file);
    const seen: Uint8Array[] = [];
    const p = new CaptureParser((_lt, _s, _u, buf) => seen.push(buf));
    p.push(chunk);
    p.end();
    assert.equal(seen.length, 5);
    assert.ok(seen.every((b) => b === chunk));
    const split: Uint8Array[] = [];
    const q = new CaptureParser((_lt, _s, _u, buf) => split.push(buf));
    const a = chunk.subarray(0, 24 + 16 + 30);
    const b = chunk.subarray(24 + 16 + 30);
    q.push(a);
    q.push(b);
    q.end();
    assert.equal(split.length, 5);
    assert.notEqual(split[0], a);
    assert.notEqual(split[0], b);
  });

  it('calls onOpen once, before the first packet; its exception propagates', () => {
    const events: string[] = [];
    const p = new CaptureParser(() => events.push('pkt'), { onOpen: (i) => events.push(`open ${i.linktype}`) });
    p.push(file);
    p.end();
    assert.deepEqual(events, ['open 1', 'pkt', 'pkt', 'pkt', 'pkt', 'pkt']);
    const q = new CaptureParser(() => assert.fail('no packet expected'), { onOpen: () => { throw new Error('no filter'); } });
    assert.throws(() => q.push(file), /no filter/);
  });

  it('ignores pushes after a read error; end() can be called twice', () => {
    const bad = cat(pcapHeader(), pcapRecord({ data: new Uint8Array(0), caplen: 999999 }));
    const p = new CaptureParser(() => assert.fail('no packet expected'));
    p.push(bad);
    assert.equal(p.done, true);
    p.push(pcapRecord({ data: data(40) }));
    const e1 = p.end();
    assert.deepEqual(p.end(), e1);
  });
});

describe('pcap: file and stream helpers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capture-pcap-test-'));
  const path = join(dir, 'x.pcap');
  const file = pcapFile({}, Array.from({ length: 50 }, (_, i) => ({ sec: i, data: data(60 + i, i) })));
  writeFileSync(path, file);

  it('reads a file in chunks of any size', () => {
    for (const chunkSize of [1, 7, 100, 1 << 20]) {
      const got: number[] = [];
      const r = readCaptureFileSync(path, (_lt, sec) => got.push(sec), { chunkSize });
      assert.equal(r.packets, 50);
      assert.deepEqual(got, Array.from({ length: 50 }, (_, i) => i));
      assert.equal(r.stopped, false);
    }
  });

  it('stops when asked, without reporting truncation', () => {
    let n = 0;
    const r = readCaptureFileSync(path, () => n++, { chunkSize: 100, shouldStop: () => n >= 3 });
    assert.equal(r.stopped, true);
    assert.equal(r.error, null);
    assert.ok(n >= 3 && n < 50);
  });

  it('fails to open as p0f does', () => {
    assert.throws(() => readCaptureFileSync(join(dir, 'nope.pcap'), () => {}),
      { message: `pcap_open_offline: ${join(dir, 'nope.pcap')}: No such file or directory` });
    assert.throws(() => readCaptureFileSync(dir, () => {}),
      { message: 'pcap_open_offline: error reading dump file: Is a directory' });
  });

  it('reads a stream (standard input)', async () => {
    const pieces = [file.subarray(0, 10), file.subarray(10, 500), file.subarray(500)];
    const got: number[] = [];
    const r = await readCaptureStream(Readable.from(pieces), (_lt, sec) => got.push(sec));
    assert.equal(r.packets, 50);
    assert.equal(got[49], 49);
    await assert.rejects(readCaptureStream(Readable.from([Buffer.from('junk!')]), () => {}),
      { message: 'pcap_open_offline: unknown file format' });
    await assert.rejects(readCaptureStream(Readable.from([]), () => {}),
      { message: 'pcap_open_offline: truncated dump file; tried to read 4 file header bytes, only got 0' });
  });

  it('lets exceptions from the sink through; a failing stream is a read error', async () => {
    assert.throws(() => readCaptureFileSync(path, () => { throw new Error('engine bug'); }), /engine bug/);
    await assert.rejects(readCaptureStream(Readable.from([file]), () => { throw new Error('engine bug'); }), /engine bug/);
    const failing = new Readable({ read() {} });
    failing.push(file.subarray(0, 300));
    setImmediate(() => failing.destroy(Object.assign(new Error('EIO'), { code: 'EIO' })));
    const r = await readCaptureStream(failing, () => {});
    assert.ok(r.packets > 0 && r.packets < 50);
    assert.equal(r.error, 'error reading dump file: EIO');
  });

  it('cleans up', () => rmSync(dir, { recursive: true, force: true }));
});
