/**
 * The p0f v3 API wire format (api.h): a 21-byte query, a 232-byte response, both packed
 * and in the host's native byte order (p0f copies C structs straight onto the socket).
 *
 * Everything here works on caller-supplied buffers so the server can answer a whole batch
 * of pipelined queries into one output buffer without allocating per query.
 */
import { endianness } from 'node:os';
import { isIPv4, isIPv6 } from 'node:net';
import type { HostData } from '../state/types.ts';

export const P0F_QUERY_MAGIC = 0x50304601;
export const P0F_RESP_MAGIC = 0x50304602;

export const P0F_STATUS_BADQUERY = 0x00;
export const P0F_STATUS_OK = 0x10;
export const P0F_STATUS_NOMATCH = 0x20;

export const P0F_ADDR_IPV4 = 0x04;
export const P0F_ADDR_IPV6 = 0x06;

/** Longest string p0f means to send; the field is one byte longer (see STR_FIELD). */
export const P0F_STR_MAX = 31;
const STR_FIELD = P0F_STR_MAX + 1;

export const P0F_MATCH_FUZZY = 0x01;
export const P0F_MATCH_GENERIC = 0x02;

export const QUERY_SIZE = 21;
export const RESPONSE_SIZE = 232;

/** Field offsets in the response (struct p0f_api_response, packed). */
export const RESP = {
  magic: 0,
  status: 4,
  firstSeen: 8,
  lastSeen: 12,
  totalConn: 16,
  uptimeMin: 20,
  upModDays: 24,
  lastNat: 28,
  lastChg: 32,
  distance: 36,
  badSw: 38,
  osMatchQ: 39,
  osName: 40,
  osFlavor: 72,
  httpName: 104,
  httpFlavor: 136,
  linkType: 168,
  language: 200,
} as const;

/** True when this machine is little-endian: p0f's structs go out in host order. */
export const NATIVE_LE = endianness() === 'LE';

function wU32(b: Uint8Array, off: number, v: number, le: boolean): void {
  v >>>= 0;
  if (le) {
    b[off] = v; b[off + 1] = v >>> 8; b[off + 2] = v >>> 16; b[off + 3] = v >>> 24;
  } else {
    b[off] = v >>> 24; b[off + 1] = v >>> 16; b[off + 2] = v >>> 8; b[off + 3] = v;
  }
}

function rU32(b: Uint8Array, off: number, le: boolean): number {
  return le
    ? (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0
    : ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
}

function wS16(b: Uint8Array, off: number, v: number, le: boolean): void {
  v &= 0xffff;
  if (le) { b[off] = v; b[off + 1] = v >>> 8; } else { b[off] = v >>> 8; b[off + 1] = v; }
}

function rS16(b: Uint8Array, off: number, le: boolean): number {
  const v = le ? b[off]! | (b[off + 1]! << 8) : (b[off]! << 8) | b[off + 1]!;
  return (v << 16) >> 16;
}

// ---------------------------------------------------------------------------------------
// Addresses
// ---------------------------------------------------------------------------------------

export interface QueryAddress {
  ipVer: 4 | 6;
  /** 4 bytes for IPv4, 16 for IPv6 (network order). Longer input is cut, shorter padded. */
  addr: Uint8Array;
}

/**
 * Parse a textual IPv4 or IPv6 address into query form. IPv4-mapped IPv6 addresses
 * (::ffff:a.b.c.d, as Node reports IPv4 peers on dual-stack sockets) become IPv4, since
 * p0f keys IPv4 hosts by their 4-byte address. A zone suffix (%eth0) is ignored.
 * Returns null when the text is not an address.
 */
export function parseAddress(ip: string): QueryAddress | null {
  if (isIPv4(ip)) {
    const p = ip.split('.');
    return { ipVer: 4, addr: Uint8Array.of(+p[0]!, +p[1]!, +p[2]!, +p[3]!) };
  }
  let s = ip;
  if (s.length > 2 && s.charCodeAt(0) === 91 /* [ */ && s.endsWith(']')) s = s.slice(1, -1);
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  if (!isIPv6(s)) return null;
  const bytes = ipv6Bytes(s);
  if (isV4Mapped(bytes)) return { ipVer: 4, addr: bytes.slice(12, 16) };
  return { ipVer: 6, addr: bytes };
}

function isV4Mapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/** Bytes of an address already validated by net.isIPv6 (handles "::" and a dotted tail). */
function ipv6Bytes(s: string): Uint8Array {
  const dot = s.indexOf('.');
  if (dot >= 0) {
    // Rewrite a dotted IPv4 tail as two hex groups: "::ffff:1.2.3.4" -> "::ffff:102:304".
    const colon = s.lastIndexOf(':');
    const v = s.slice(colon + 1).split('.').map(Number);
    s = `${s.slice(0, colon + 1)}${((v[0]! << 8) | v[1]!).toString(16)}:${((v[2]! << 8) | v[3]!).toString(16)}`;
  }
  const groupsOf = (t: string): number[] => (t === '' ? [] : t.split(':').map((g) => parseInt(g, 16)));
  const dbl = s.indexOf('::');
  let groups: number[];
  if (dbl >= 0) {
    const head = groupsOf(s.slice(0, dbl));
    const rest = groupsOf(s.slice(dbl + 2));
    groups = [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest];
  } else {
    groups = groupsOf(s);
  }
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[i * 2] = groups[i]! >>> 8;
    out[i * 2 + 1] = groups[i]! & 0xff;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------------------

/**
 * Build a 21-byte query. Text is parsed with parseAddress (IPv4-mapped IPv6 is sent as
 * IPv4); throws TypeError for text that is not an IP address. An explicit {ipVer, addr}
 * is sent as given (addr left-aligned, zero-padded to 16 bytes).
 */
export function encodeQuery(ip: string | QueryAddress, out?: Uint8Array, off = 0, le = NATIVE_LE): Buffer {
  const a = typeof ip === 'string' ? parseAddress(ip) : ip;
  if (!a) throw new TypeError(`not an IP address: ${JSON.stringify(ip)}`);
  const b = out ?? Buffer.alloc(QUERY_SIZE);
  wU32(b, off, P0F_QUERY_MAGIC, le);
  b[off + 4] = a.ipVer;
  const n = Math.min(a.addr.length, 16);
  for (let i = 0; i < 16; i++) b[off + 5 + i] = i < n ? a.addr[i]! : 0;
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

export interface DecodedQuery {
  magic: number;
  /** The addr_type byte as sent (p0f accepts only 4 and 6). */
  addrType: number;
  /** All 16 address bytes as sent (a view, not a copy). */
  addr: Uint8Array;
  /** magic and addrType are what p0f accepts. */
  valid: boolean;
}

export function decodeQuery(buf: Uint8Array, off = 0, le = NATIVE_LE): DecodedQuery {
  if (buf.length - off < QUERY_SIZE) throw new RangeError(`a query is ${QUERY_SIZE} bytes, got ${buf.length - off}`);
  const magic = rU32(buf, off, le);
  const addrType = buf[off + 4]!;
  return {
    magic,
    addrType,
    addr: buf.subarray(off + 5, off + 21),
    valid: magic === P0F_QUERY_MAGIC && (addrType === P0F_ADDR_IPV4 || addrType === P0F_ADDR_IPV6),
  };
}

// ---------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------

/** What handle_query reads from a host record (HostData has all of it). */
export type ApiHost = Pick<HostData,
  'firstSeen' | 'lastSeen' | 'totalConn' | 'lastNameId' | 'lastFlavor' | 'httpNameId' | 'httpFlavor' |
  'linkType' | 'language' | 'badSw' | 'lastNat' | 'lastChg' | 'upModDays' | 'distance' | 'lastQuality' |
  'lastUpMin'>;

/**
 * strncpy(dst, src, 32) into a zeroed field: up to 32 bytes, stopping at a NUL; a string
 * of 32 bytes or more fills the field with no terminator, exactly as p0f sends it.
 */
function putStr(b: Uint8Array, off: number, s: string): void {
  const n = s.length < STR_FIELD ? s.length : STR_FIELD;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i) & 0xff;
    if (c === 0) return;
    b[off + i] = c;
  }
}

/**
 * Fill 232 bytes at out[off] with an answer about `host` (null = p0f's "no match"),
 * field for field as api.c handle_query() does. `names` is the database's name table
 * (Database.names), indexed by lastNameId / httpNameId.
 */
export function encodeResponse(host: ApiHost | null, names: readonly string[], out?: Uint8Array, off = 0,
                               le = NATIVE_LE): Buffer {
  const b = out ?? Buffer.alloc(RESPONSE_SIZE);
  if (out) b.fill(0, off, off + RESPONSE_SIZE);
  wU32(b, off, P0F_RESP_MAGIC, le);
  if (!host) {
    wU32(b, off + RESP.status, P0F_STATUS_NOMATCH, le);
    return asBuffer(b);
  }
  wU32(b, off + RESP.status, P0F_STATUS_OK, le);
  wU32(b, off + RESP.firstSeen, host.firstSeen, le);
  wU32(b, off + RESP.lastSeen, host.lastSeen, le);
  wU32(b, off + RESP.totalConn, host.totalConn, le);

  if (host.lastNameId !== -1) {
    putStr(b, off + RESP.osName, names[host.lastNameId] ?? '');
    if (host.lastFlavor) putStr(b, off + RESP.osFlavor, host.lastFlavor);
  }
  if (host.httpNameId !== -1) {
    putStr(b, off + RESP.httpName, names[host.httpNameId] ?? '');
    if (host.httpFlavor) putStr(b, off + RESP.httpFlavor, host.httpFlavor);
  }
  if (host.linkType) putStr(b, off + RESP.linkType, host.linkType);
  if (host.language) putStr(b, off + RESP.language, host.language);

  b[off + RESP.badSw] = host.badSw;
  wU32(b, off + RESP.lastNat, host.lastNat, le);
  wU32(b, off + RESP.lastChg, host.lastChg, le);
  wU32(b, off + RESP.upModDays, host.upModDays, le);
  // host_data.distance is a u8 in p0f (so "unknown" arrives as 255), widened to s16.
  wS16(b, off + RESP.distance, host.distance, le);
  b[off + RESP.osMatchQ] = host.lastQuality;
  if (host.lastUpMin !== -1) wU32(b, off + RESP.uptimeMin, host.lastUpMin, le);
  return asBuffer(b);
}

/** A response carrying only a status (bad query, or no match): the rest zeroed. */
export function encodeStatusResponse(status: number, out?: Uint8Array, off = 0, le = NATIVE_LE): Buffer {
  const b = out ?? Buffer.alloc(RESPONSE_SIZE);
  if (out) b.fill(0, off, off + RESPONSE_SIZE);
  wU32(b, off, P0F_RESP_MAGIC, le);
  wU32(b, off + RESP.status, status, le);
  return asBuffer(b);
}

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

export type HostLookup = (ipVer: 4 | 6, addr: Uint8Array) => ApiHost | null;

/**
 * api.c handle_query(): answer the query at q[qOff] into out[outOff]. `warn` receives
 * p0f's warning text for a bad magic or address type (the caller adds "[!] WARNING: ").
 * Returns the status written.
 */
export function handleQuery(q: Uint8Array, qOff: number, lookup: HostLookup, names: readonly string[],
                            out: Uint8Array, outOff: number, warn?: (msg: string) => void,
                            le = NATIVE_LE): number {
  const magic = rU32(q, qOff, le);
  if (magic !== P0F_QUERY_MAGIC) {
    warn?.(`Query with bad magic (0x${magic.toString(16)}).`);
    encodeStatusResponse(P0F_STATUS_BADQUERY, out, outOff, le);
    return P0F_STATUS_BADQUERY;
  }
  const t = q[qOff + 4]!;
  if (t !== P0F_ADDR_IPV4 && t !== P0F_ADDR_IPV6) {
    // p0f's format string ends in "\n" and WARN adds another: the blank line is p0f's.
    warn?.(`Query with unknown address type ${t}.\n`);
    encodeStatusResponse(P0F_STATUS_BADQUERY, out, outOff, le);
    return P0F_STATUS_BADQUERY;
  }
  const host = lookup(t, q.subarray(qOff + 5, qOff + 21));
  encodeResponse(host, names, out, outOff, le);
  return host ? P0F_STATUS_OK : P0F_STATUS_NOMATCH;
}

// ---------------------------------------------------------------------------------------
// Decoding a response
// ---------------------------------------------------------------------------------------

/** The response fields untouched: numbers as sent, strings up to their NUL (or 32 bytes). */
export interface P0fRawResponse {
  magic: number;
  status: number;
  firstSeen: number;
  lastSeen: number;
  totalConn: number;
  uptimeMin: number;
  upModDays: number;
  lastNat: number;
  lastChg: number;
  distance: number;
  badSw: number;
  osMatchQ: number;
  osName: string;
  osFlavor: string;
  httpName: string;
  httpFlavor: string;
  linkType: string;
  language: string;
}

/** A string field: latin1 bytes up to the first NUL, or all 32 when p0f left none. */
export function readStrField(b: Uint8Array, off: number): string {
  let end = off;
  const lim = off + STR_FIELD;
  while (end < lim && b[end] !== 0) end++;
  return Buffer.from(b.buffer, b.byteOffset + off, end - off).toString('latin1');
}

export function decodeResponse(buf: Uint8Array, off = 0, le = NATIVE_LE): P0fRawResponse {
  if (buf.length - off < RESPONSE_SIZE) {
    throw new RangeError(`a response is ${RESPONSE_SIZE} bytes, got ${buf.length - off}`);
  }
  return {
    magic: rU32(buf, off + RESP.magic, le),
    status: rU32(buf, off + RESP.status, le),
    firstSeen: rU32(buf, off + RESP.firstSeen, le),
    lastSeen: rU32(buf, off + RESP.lastSeen, le),
    totalConn: rU32(buf, off + RESP.totalConn, le),
    uptimeMin: rU32(buf, off + RESP.uptimeMin, le),
    upModDays: rU32(buf, off + RESP.upModDays, le),
    lastNat: rU32(buf, off + RESP.lastNat, le),
    lastChg: rU32(buf, off + RESP.lastChg, le),
    distance: rS16(buf, off + RESP.distance, le),
    badSw: buf[off + RESP.badSw]!,
    osMatchQ: buf[off + RESP.osMatchQ]!,
    osName: readStrField(buf, off + RESP.osName),
    osFlavor: readStrField(buf, off + RESP.osFlavor),
    httpName: readStrField(buf, off + RESP.httpName),
    httpFlavor: readStrField(buf, off + RESP.httpFlavor),
    linkType: readStrField(buf, off + RESP.linkType),
    language: readStrField(buf, off + RESP.language),
  };
}

/** Read the magic and status words only (framing checks without a full decode). */
export function responseHead(buf: Uint8Array, off = 0, le = NATIVE_LE): { magic: number; status: number } {
  return { magic: rU32(buf, off, le), status: rU32(buf, off + 4, le) };
}
