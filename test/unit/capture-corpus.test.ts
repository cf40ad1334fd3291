/**
 * The shared reference corpus (/work/shared/corpus, not in the repository): for every
 * capture, what the input side decides must match p0f 3.09b's console output: the
 * pcap_open_offline / pcap_compile aborts, the "Processed N packets" count (packets that
 * pass the filter) and the link-detection warnings.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { bpfFilter, type BpfProgram } from '../../src/capture/bpf.ts';
import { prepareP0fFilter } from '../../src/capture/filter.ts';
import { readCaptureFileSync } from '../../src/capture/read.ts';
import { LinkDecoder } from '../../src/decode/link.ts';
import { PacketData } from '../../src/decode/packet.ts';
import { P0fFatalError } from '../../src/errors.ts';

const CORPUS = process.env['P0F_CORPUS'] ?? '/work/shared/corpus';
const DIRS = [`${CORPUS}/pcaps`, `${CORPUS}/no_observation`];
const present = existsSync(`${CORPUS}/pcaps`);

interface Outcome {
  /** p0f's stderr/stdout lines for an abort, else null. */
  fatal: string | null;
  processed: number;
  warnings: string[];
}

function ours(path: string, compat: boolean): Outcome {
  const pk = new PacketData();
  const warnings: string[] = [];
  const dec = new LinkDecoder((m) => warnings.push(`[!] WARNING: ${m}`), { p0fCompat: compat });
  let filter: BpfProgram | null = null;
  let processed = 0;
  try {
    readCaptureFileSync(path, (lt, _s, _u, buf, off, caplen, wirelen) => {
      if (bpfFilter(filter!, buf, off, caplen, wirelen) === 0) return;
      processed++;
      dec.decode(lt, buf, off, caplen, wirelen, pk);
    }, { onOpen: (i) => { filter = prepareP0fFilter(null, i.linktype, i.snaplen, undefined, { swapped: i.swapped }).program; } });
  } catch (e) {
    if (!(e instanceof P0fFatalError)) throw e;
    return { fatal: e.format().trimEnd(), processed: 0, warnings };
  }
  return { fatal: null, processed, warnings };
}

function truth(out: string): Outcome {
  const lines = out.split('\n');
  const abort = lines.findIndex((l) => l.startsWith('[-] PROGRAM ABORT'));
  let fatal: string | null = null;
  if (abort >= 0) {
    const start = lines[abort - 1]?.startsWith('[-] pcap_compile') ? abort - 1 : abort;
    fatal = lines.slice(start, abort + 2).join('\n');
  }
  const m = /Processed (\d+) packets/.exec(out);
  return { fatal, processed: m ? Number(m[1]) : 0, warnings: lines.filter((l) => l.startsWith('[!] WARNING')) };
}

/** Captures where the default mode differs from p0f on purpose (docs/deviations-capture.md). */
const DEVIATIONS: Record<string, string[]> = {
  // 802.1Q frames are parsed instead of dropped with a warning.
  'arkime__pcap__bt-tcp.pcap': [],
  'ndpi__pcap__xiaomi.pcap': [],
  'zeek__mixed-vlan-mpls.pcap': [],
  'zeek__http-vlan-0.pcap': [],
  // FDDI: the header length is known (21), p0f can only guess even offsets.
  'zeek__dns-inverse-query.pcap': [],
};

describe('reference corpus', { skip: present ? false : `corpus not found at ${CORPUS}` }, () => {
  const files: [string, string][] = [];
  for (const d of DIRS) {
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d)) if (!/\.(out|log|tsv)$/.test(f)) files.push([d, f]);
  }

  it('p0fCompat: same aborts, packet counts and warnings as p0f on every capture', () => {
    assert.ok(files.length >= 120);
    for (const [d, f] of files) {
      assert.deepEqual(ours(`${d}/${f}`, true), truth(readFileSync(`${d}/${f}.p0f.out`, 'latin1')), f);
    }
  });

  it('default mode: the same, except the documented deviations', () => {
    for (const [d, f] of files) {
      const want = truth(readFileSync(`${d}/${f}.p0f.out`, 'latin1'));
      if (f in DEVIATIONS) want.warnings = DEVIATIONS[f]!;
      assert.deepEqual(ours(`${d}/${f}`, false), want, f);
    }
  });
});
