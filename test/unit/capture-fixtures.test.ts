/**
 * The crafted capture-format fixtures (test/fixtures/decode/fmt-*) read end to end (parser,
 * default filter, decoder) and compared with what p0f 3.09b printed for them: packets
 * processed, and the time and client of every SYN it reported.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bpfFilter, type BpfProgram } from '../../src/capture/bpf.ts';
import { defaultFilter } from '../../src/capture/filter.ts';
import { readCaptureFileSync } from '../../src/capture/read.ts';
import { LinkDecoder } from '../../src/decode/link.ts';
import { PacketData, TCP_SYN } from '../../src/decode/packet.ts';

const dir = fileURLToPath(new URL('../fixtures/decode/', import.meta.url));

function logTime(sec: number): string {
  const d = new Date(sec * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

function ours(file: string) {
  const pk = new PacketData();
  const dec = new LinkDecoder(() => {});
  let filter: BpfProgram | null = null;
  let processed = 0;
  const syns: string[] = [];
  const usecs: number[] = [];
  const end = readCaptureFileSync(dir + file, (lt, sec, usec, buf, off, caplen, wirelen) => {
    if (bpfFilter(filter!, buf, off, caplen, wirelen) === 0) return;
    processed++;
    if (dec.decode(lt, buf, off, caplen, wirelen, pk) && pk.tcpType === TCP_SYN) {
      syns.push(`[${logTime(sec)}] ${pk.src.subarray(0, 4).join('.')}/${pk.sport}`);
      usecs.push(usec);
    }
  }, { onOpen: (i) => { filter = defaultFilter(i.linktype, i.swapped); } });
  return { processed, syns, usecs, end };
}

function truth(file: string) {
  const log = readFileSync(dir + file + '.p0f.log', 'latin1');
  const out = readFileSync(dir + file + '.p0f.out', 'latin1');
  return {
    processed: Number(/Processed (\d+) packets/.exec(out)![1]),
    syns: [...log.matchAll(/^(\[[^\]]+\]) mod=syn\|cli=([^|]+)\|/gm)].map((m) => `${m[1]} ${m[2]}`),
  };
}

describe('capture fixtures against p0f', () => {
  const files = readdirSync(dir).filter((f) => /^fmt-.*\.pcap(ng)?$/.test(f));

  it('every format variant: same packets processed, same SYNs at the same times', () => {
    assert.ok(files.length >= 15);
    for (const f of files) {
      const o = ours(f);
      assert.deepEqual({ processed: o.processed, syns: o.syns }, truth(f), f);
    }
  });

  it('sub-second parts: nanosecond pcap and pcapng resolutions become microseconds', () => {
    assert.deepEqual(ours('fmt-nsec.pcap').usecs, [123456, 999999]);
    assert.deepEqual(ours('fmt-nsec-be.pcap').usecs, [500000]);
    assert.deepEqual(ours('fmt-ng.pcapng').usecs, [250000, 250000]);
    assert.deepEqual(ours('fmt-ng-tsresol.pcapng').usecs, [123456, 999023, 7000]);
  });

  it('libpcap\'s stops: truncated file, second link type, second LINKTYPE_RAW interface', () => {
    const t = ours('fmt-truncated.pcap').end;
    assert.equal(t.truncated, true);
    assert.match(t.error!, /^truncated dump file; tried to read \d+ captured bytes, only got \d+$/);
    assert.equal(ours('fmt-ng-multi-lt.pcapng').end.error, 'an interface has a type 228 different from the type of the first interface');
    assert.equal(ours('fmt-ng-raw2.pcapng').end.error, 'an interface has a type 101 different from the type of the first interface');
  });
});
