/**
 * Byte builders for the capture/decode tests: classic pcap and pcapng files and IPv4/IPv6/TCP
 * packets, every field settable (including wrong values).
 */
import { CaptureParser } from '../../src/capture/parser.ts';
import type { CaptureEnd, CaptureInfo, CaptureParserOptions } from '../../src/capture/types.ts';

export function cat(...parts: (Uint8Array | number[])[]): Buffer {
  return Buffer.concat(parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p))));
}

function w32(v: number, be: boolean): Buffer {
  const b = Buffer.alloc(4);
  if (be) b.writeUInt32BE(v >>> 0);
  else b.writeUInt32LE(v >>> 0);
  return b;
}

function w16(v: number, be: boolean): Buffer {
  const b = Buffer.alloc(2);
  if (be) b.writeUInt16BE(v & 0xffff);
  else b.writeUInt16LE(v & 0xffff);
  return b;
}

// --- classic pcap -----------------------------------------------------------

export interface PcapHeaderOpts {
  magic?: number;
  be?: boolean;
  major?: number;
  minor?: number;
  snaplen?: number;
  linktype?: number;
}

export function pcapHeader(o: PcapHeaderOpts = {}): Buffer {
  const be = o.be ?? false;
  return cat(w32(o.magic ?? 0xa1b2c3d4, be), w16(o.major ?? 2, be), w16(o.minor ?? 4, be), w32(0, be), w32(0, be),
    w32(o.snaplen ?? 65535, be), w32(o.linktype ?? 1, be));
}

export interface PcapRecord {
  sec?: number;
  frac?: number;
  data: Uint8Array;
  caplen?: number;
  len?: number;
  /** Kuznetzov format: 8 extra header bytes. */
  patched?: boolean;
}

export function pcapRecord(r: PcapRecord, be = false): Buffer {
  const parts = [w32(r.sec ?? 1700000000, be), w32(r.frac ?? 0, be), w32(r.caplen ?? r.data.length, be),
    w32(r.len ?? r.data.length, be)];
  if (r.patched) parts.push(Buffer.alloc(8));
  return cat(...parts, r.data);
}

export function pcapFile(h: PcapHeaderOpts, records: PcapRecord[]): Buffer {
  const patched = h.magic === 0xa1b2cd34;
  return cat(pcapHeader(h), ...records.map((r) => pcapRecord({ patched, ...r }, h.be ?? false)));
}

// --- pcapng -------------------------------------------------------------------

export function ngBlock(type: number, body: Uint8Array, be = false, totalOverride?: number, trailerOverride?: number): Buffer {
  const pad = (4 - (body.length % 4)) % 4;
  const total = 12 + body.length + pad;
  return cat(w32(type, be), w32(totalOverride ?? total, be), body, Buffer.alloc(pad), w32(trailerOverride ?? total, be));
}

export function ngOpt(code: number, value: Uint8Array, be = false): Buffer {
  const pad = (4 - (value.length % 4)) % 4;
  return cat(w16(code, be), w16(value.length, be), value, Buffer.alloc(pad));
}

export function ngShb(be = false, major = 1, minor = 0): Buffer {
  const body = cat(w32(0x1a2b3c4d, be), w16(major, be), w16(minor, be), Buffer.alloc(8, 0xff));
  return ngBlock(0x0a0d0d0a, body, be);
}

export interface IdbOpts {
  linktype?: number;
  snaplen?: number;
  tsresol?: number;
  tsoffset?: bigint;
  /** Raw option bytes appended after the known ones. */
  extra?: Uint8Array;
  be?: boolean;
}

export function ngIdb(o: IdbOpts = {}): Buffer {
  const be = o.be ?? false;
  const opts: Buffer[] = [];
  if (o.tsresol !== undefined) opts.push(ngOpt(9, Uint8Array.of(o.tsresol), be));
  if (o.tsoffset !== undefined) {
    const v = Buffer.alloc(8);
    if (be) v.writeBigUInt64BE(BigInt.asUintN(64, o.tsoffset));
    else v.writeBigUInt64LE(BigInt.asUintN(64, o.tsoffset));
    opts.push(ngOpt(14, v, be));
  }
  if (o.extra) opts.push(Buffer.from(o.extra));
  if (opts.length > 0 && o.extra === undefined) opts.push(ngOpt(0, new Uint8Array(0), be));
  return ngBlock(1, cat(w16(o.linktype ?? 1, be), w16(0, be), w32(o.snaplen ?? 65535, be), ...opts), be);
}

export function ngEpb(iface: number, ticks: bigint, data: Uint8Array, be = false, caplen?: number, len?: number): Buffer {
  return ngBlock(6, cat(w32(iface, be), w32(Number(ticks >> 32n), be), w32(Number(ticks & 0xffffffffn), be),
    w32(caplen ?? data.length, be), w32(len ?? data.length, be), data), be);
}

export function ngSpb(data: Uint8Array, be = false, len?: number): Buffer {
  return ngBlock(3, cat(w32(len ?? data.length, be), data), be);
}

export function ngPb(iface: number, ticks: bigint, data: Uint8Array, be = false): Buffer {
  return ngBlock(2, cat(w16(iface, be), w16(0, be), w32(Number(ticks >> 32n), be), w32(Number(ticks & 0xffffffffn), be),
    w32(data.length, be), w32(data.length, be), data), be);
}

// --- packets ----------------------------------------------------------------------

export const FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10, URG = 0x20, ECE = 0x40, CWR = 0x80;

export interface TcpOpts {
  sport?: number;
  dport?: number;
  seq?: number;
  ack?: number;
  flags?: number;
  win?: number;
  urg?: number;
  opts?: number[] | Uint8Array;
  payload?: number[] | Uint8Array;
  ns?: boolean;
  /** Data offset in 32-bit words (default: from the options, padded with zeros). */
  doff?: number;
}

export function tcpSeg(t: TcpOpts = {}): Buffer {
  let opts: Buffer = Buffer.from(t.opts ?? []);
  if (t.doff === undefined && opts.length % 4 !== 0) opts = cat(opts, Buffer.alloc(4 - (opts.length % 4)));
  const doff = t.doff ?? (20 + opts.length) / 4;
  const h = Buffer.alloc(20);
  h.writeUInt16BE(t.sport ?? 1234, 0);
  h.writeUInt16BE(t.dport ?? 80, 2);
  h.writeUInt32BE((t.seq ?? 1) >>> 0, 4);
  h.writeUInt32BE((t.ack ?? 0) >>> 0, 8);
  h[12] = (doff << 4) | (t.ns ? 1 : 0);
  h[13] = t.flags ?? SYN;
  h.writeUInt16BE(t.win ?? 8192, 14);
  h.writeUInt16BE(t.urg ?? 0, 18);
  return cat(h, opts, Buffer.from(t.payload ?? []));
}

export interface Ip4Opts {
  src?: number[];
  dst?: number[];
  ttl?: number;
  tos?: number;
  id?: number;
  /** The 16-bit flags/fragment-offset field (default DF). */
  flagsOff?: number;
  proto?: number;
  ihl?: number;
  totLen?: number;
  ipOpts?: number[];
}

export function ip4(seg: Uint8Array, o: Ip4Opts = {}): Buffer {
  const ipOpts = Buffer.from(o.ipOpts ?? []);
  const h = Buffer.alloc(20);
  h[0] = 0x40 | (o.ihl ?? 5 + ipOpts.length / 4);
  h[1] = o.tos ?? 0;
  h.writeUInt16BE(o.totLen ?? 20 + ipOpts.length + seg.length, 2);
  h.writeUInt16BE(o.id ?? 0x1234, 4);
  h.writeUInt16BE(o.flagsOff ?? 0x4000, 6);
  h[8] = o.ttl ?? 64;
  h[9] = o.proto ?? 6;
  Buffer.from(o.src ?? [10, 0, 0, 1]).copy(h, 12);
  Buffer.from(o.dst ?? [10, 0, 0, 2]).copy(h, 16);
  return cat(h, ipOpts, seg);
}

export interface Ip6Opts {
  src?: number[];
  dst?: number[];
  hlim?: number;
  tc?: number;
  flow?: number;
  nxt?: number;
  plen?: number;
}

export function ip6(seg: Uint8Array, o: Ip6Opts = {}): Buffer {
  const h = Buffer.alloc(40);
  h.writeUInt32BE(((6 << 28) | ((o.tc ?? 0) << 20) | (o.flow ?? 0)) >>> 0, 0);
  h.writeUInt16BE(o.plen ?? seg.length, 4);
  h[6] = o.nxt ?? 6;
  h[7] = o.hlim ?? 64;
  Buffer.from(o.src ?? [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]).copy(h, 8);
  Buffer.from(o.dst ?? [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]).copy(h, 24);
  return cat(h, seg);
}

export function eth(payload: Uint8Array, etype = 0x0800, vlans: [number, number][] = []): Buffer {
  const parts: Buffer[] = [Buffer.from([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1])];
  for (const [tpid, tci] of vlans) {
    const t = Buffer.alloc(4);
    t.writeUInt16BE(tpid, 0);
    t.writeUInt16BE(tci, 2);
    parts.push(t);
  }
  const e = Buffer.alloc(2);
  e.writeUInt16BE(etype);
  return cat(...parts, e, payload);
}

// --- running the parser ---------------------------------------------------------------

export interface Got {
  linktype: number;
  sec: number;
  usec: number;
  data: Buffer;
  caplen: number;
  wirelen: number;
}

export interface ParseResult {
  packets: Got[];
  end: CaptureEnd;
  info: CaptureInfo | null;
}

/** Parse `file` pushed in pieces of `chunk` bytes (default: all at once). */
export function parseAll(file: Uint8Array, chunk = 0, opts: CaptureParserOptions = {}): ParseResult {
  const packets: Got[] = [];
  let info: CaptureInfo | null = null;
  const p = new CaptureParser((linktype, sec, usec, buf, off, caplen, wirelen) => {
    packets.push({ linktype, sec, usec, data: Buffer.from(buf.subarray(off, off + caplen)), caplen, wirelen });
  }, { ...opts, onOpen: (i) => { info = i; opts.onOpen?.(i); } });
  if (chunk <= 0) p.push(file);
  else for (let i = 0; i < file.length; i += chunk) p.push(file.subarray(i, Math.min(i + chunk, file.length)));
  const end = p.end();
  return { packets, end, info };
}

/** The fatal error message parsing throws, or null. */
export function openFailure(file: Uint8Array, chunk = 0): string | null {
  try {
    parseAll(file, chunk);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rnd = () => number;
export const int = (r: Rnd, n: number) => Math.floor(r() * n);
