/**
 * Throughput of the packet input side: capture parsing, the BPF filter and link/IP/TCP
 * decoding, on a big synthetic capture (no fingerprinting, no state).
 *
 *   node --import tsx bench/decode.ts [FLOWS] [--pcapng]     (default 200000 flows = 1.4M packets)
 *
 * Each stage is measured on its own (parse only; parse + filter; parse + filter + decode),
 * best of three runs, from a file read in 1 MiB chunks (the `p0f -r` path) and from memory.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bpfFilter, type BpfProgram } from '../src/capture/bpf.ts';
import { defaultFilter } from '../src/capture/filter.ts';
import { CaptureParser } from '../src/capture/parser.ts';
import { readCaptureFileSync } from '../src/capture/read.ts';
import type { PacketSink } from '../src/capture/types.ts';
import { LinkDecoder } from '../src/decode/link.ts';
import { PacketData } from '../src/decode/packet.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(REPO, 'bench/out');
const GEN = resolve(REPO, '../shared/bench/gen_bench_pcap.py');
const args = process.argv.slice(2);
const flows = Number(args.find((a) => /^\d+$/.test(a)) ?? 200000);
const asPcapng = args.includes('--pcapng');

mkdirSync(OUT, { recursive: true });
const pcap = join(OUT, `bench-decode-${flows}.pcap`);
if (!existsSync(pcap)) {
  if (!existsSync(GEN)) throw new Error(`generator not found: ${GEN}`);
  console.log(`generating ${pcap} ...`);
  execFileSync('python3', [GEN, pcap, String(flows)], { stdio: 'inherit' });
}

/** The same packets as a pcapng file (one EPB each), for the pcapng reader. */
function toPcapng(src: string): string {
  const dst = src.replace(/\.pcap$/, '.pcapng');
  if (existsSync(dst)) return dst;
  const chunks: Buffer[] = [];
  const block = (type: number, body: Buffer): Buffer => {
    const pad = (4 - (body.length % 4)) % 4;
    const total = 12 + body.length + pad;
    const b = Buffer.alloc(total);
    b.writeUInt32LE(type, 0);
    b.writeUInt32LE(total, 4);
    body.copy(b, 8);
    b.writeUInt32LE(total, total - 4);
    return b;
  };
  const shb = Buffer.alloc(16);
  shb.writeUInt32LE(0x1a2b3c4d, 0);
  shb.writeUInt16LE(1, 4);
  shb.writeBigInt64LE(-1n, 8);
  chunks.push(block(0x0a0d0d0a, shb));
  const idb = Buffer.alloc(8);
  idb.writeUInt16LE(1, 0);
  idb.writeUInt32LE(65535, 4);
  chunks.push(block(1, idb));
  const parser = new CaptureParser((_lt, sec, usec, buf, off, caplen, wirelen) => {
    const body = Buffer.alloc(20 + caplen);
    const t = BigInt(sec) * 1000000n + BigInt(usec);
    body.writeUInt32LE(Number(t >> 32n), 4);
    body.writeUInt32LE(Number(t & 0xffffffffn), 8);
    body.writeUInt32LE(caplen, 12);
    body.writeUInt32LE(wirelen, 16);
    body.set(buf.subarray(off, off + caplen), 20);
    chunks.push(block(6, body));
  });
  parser.push(readFileSync(src));
  parser.end();
  writeFileSync(dst, Buffer.concat(chunks));
  return dst;
}

const file = asPcapng ? toPcapng(pcap) : pcap;
const bytes = statSync(file).size;
const whole = readFileSync(file);

let prog: BpfProgram | null = null;
const pk = new PacketData();
const decoder = new LinkDecoder(() => {});
let passed = 0;
let decoded = 0;

const sinks: Record<string, PacketSink> = {
  'parse': () => {},
  'parse+filter': (_lt, _s, _u, buf, off, caplen, wirelen) => {
    if (bpfFilter(prog!, buf, off, caplen, wirelen) !== 0) passed++;
  },
  'parse+filter+decode': (lt, _s, _u, buf, off, caplen, wirelen) => {
    if (bpfFilter(prog!, buf, off, caplen, wirelen) === 0) return;
    passed++;
    if (decoder.decode(lt, buf, off, caplen, wirelen, pk)) decoded++;
  },
};

function onOpen(info: { linktype: number; swapped: boolean }): void {
  prog = defaultFilter(info.linktype, info.swapped);
}

function best(fn: () => number): { seconds: number; packets: number } {
  let bestS = Infinity;
  let packets = 0;
  for (let i = 0; i < 3; i++) {
    const t0 = process.hrtime.bigint();
    packets = fn();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (s < bestS) bestS = s;
  }
  return { seconds: bestS, packets };
}

console.log(`capture: ${file} (${(bytes / 1e6).toFixed(1)} MB)`);
for (const [name, sink] of Object.entries(sinks)) {
  for (const source of ['file', 'memory'] as const) {
    passed = 0;
    decoded = 0;
    const r = best(() => {
      if (source === 'file') return readCaptureFileSync(file, sink, { onOpen }).packets;
      const p = new CaptureParser(sink, { onOpen });
      p.push(whole);
      return p.end().packets;
    });
    const mpps = r.packets / r.seconds / 1e6;
    console.log(`${name.padEnd(20)} ${source.padEnd(6)} ${r.packets} packets in ${r.seconds.toFixed(3)} s: ` +
      `${mpps.toFixed(2)} Mpkt/s, ${(bytes / r.seconds / 1e9).toFixed(2)} GB/s` +
      (name !== 'parse' ? ` (passed ${passed / 3 | 0}${name.endsWith('decode') ? `, decoded ${decoded / 3 | 0}` : ''})` : ''));
  }
}
