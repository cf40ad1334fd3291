/**
 * HTTP signatures: the known-header table, `sig` lines of [http:request] / [http:response],
 * `ua_os`, and the matcher shared by the loader (duplicate detection) and by
 * fingerprint/http (p0f's fp_http.c: lookup_hdr, http_init, http_register_sig,
 * http_parse_ua, http_find_match).
 *
 * Header names are case-sensitive everywhere, as in p0f (memcmp).
 *
 * Header ids: p0f keeps one global name -> id table, seeded by http_init() and grown by
 * every header name a signature mentions; a header from the wire is "known" (gets an id)
 * only if that table has it. We keep the global registry for stable ids, and derive the
 * set a given database knows (built-in names + names its signatures mention) so a second
 * database loaded in the same process does not change what the first one treats as known.
 */
import { DatabaseError } from '../errors.ts';
import type { HttpHdr, HttpSig, HttpSigRecord, UaMapRecord } from './types.ts';

/** Limits from p0f's config.h. */
export const HTTP_MAX_HDRS = 32;

// ---------------------------------------------------------------------------------------
// Header registry (lookup_hdr)
// ---------------------------------------------------------------------------------------

const hdrNames: string[] = [];
/** Same names as char-code arrays, for comparing against packet bytes. */
const hdrCodes: Uint8Array[] = [];
/** hdrHash() of each name. */
const hdrHashes: number[] = [];
const hdrByName = new Map<string, number>();
/**
 * Open-addressed table of ids by name hash, for lookups straight from a Buffer (no string
 * made): slot = hash & mask, linear probing, -1 = empty. Kept at most half full.
 */
let hdrSlots = new Int32Array(256).fill(-1);

/** FNV-1a over a header name's bytes; HDR_HASH_SEED then hdrHashStep() per byte. */
export const HDR_HASH_SEED = 0x811c9dc5 | 0;
export function hdrHashStep(h: number, c: number): number {
  return Math.imul(h ^ c, 0x01000193);
}

function hashBytes(buf: Uint8Array, start: number, len: number): number {
  let h = HDR_HASH_SEED;
  for (let i = 0; i < len; i++) h = hdrHashStep(h, buf[start + i]!);
  return h;
}

function slotInsert(slots: Int32Array, id: number): void {
  const mask = slots.length - 1;
  let i = hdrHashes[id]! & mask;
  while (slots[i] !== -1) i = (i + 1) & mask;
  slots[i] = id;
}

function registerHdr(name: string): number {
  const known = hdrByName.get(name);
  if (known !== undefined) return known;
  const id = hdrNames.length;
  const codes = new Uint8Array(name.length);
  for (let i = 0; i < name.length; i++) codes[i] = name.charCodeAt(i) & 0xff;
  hdrNames.push(name);
  hdrCodes.push(codes);
  hdrHashes.push(hashBytes(codes, 0, codes.length));
  hdrByName.set(name, id);
  if ((id + 1) * 2 > hdrSlots.length) {
    const bigger = new Int32Array(hdrSlots.length * 2).fill(-1);
    for (let k = 0; k <= id; k++) slotInsert(bigger, k);
    hdrSlots = bigger;
  } else {
    slotInsert(hdrSlots, id);
  }
  return id;
}

/** Number of header names registered so far (ids are 0 .. hdrCount() - 1). */
export function hdrCount(): number {
  return hdrNames.length;
}

/** Id of header `name` in the global registry, -1 if never registered. */
export function lookupHdr(name: string): number {
  return hdrByName.get(name) ?? -1;
}

/**
 * Id of the header whose name is `buf[start, start + len)` and whose hashBytes() value is
 * `hash` (computed by the caller while scanning the name), -1 if never registered.
 */
export function lookupHdrHashed(hash: number, buf: Uint8Array, start: number, len: number): number {
  const slots = hdrSlots;
  const mask = slots.length - 1;
  let i = hash & mask;
  for (;;) {
    const id = slots[i]!;
    if (id < 0) return -1;
    if (hdrHashes[id] === hash) {
      const codes = hdrCodes[id]!;
      if (codes.length === len) {
        let k = 0;
        while (k < len && codes[k] === buf[start + k]) k++;
        if (k === len) return id;
      }
    }
    i = (i + 1) & mask;
  }
}

/** Id of the header whose name is `buf[start, start + len)`, -1 if never registered. */
export function lookupHdrBytes(buf: Uint8Array, start: number, len: number): number {
  return lookupHdrHashed(hashBytes(buf, start, len), buf, start, len);
}

/** Registered name of header `id`. */
export function hdrName(id: number): string {
  return hdrNames[id]!;
}

// p0f's http_init(): the first six ids are fixed, the code relies on them.
export const HDR_UA = registerHdr('User-Agent');
export const HDR_SRV = registerHdr('Server');
export const HDR_AL = registerHdr('Accept-Language');
export const HDR_VIA = registerHdr('Via');
export const HDR_XFF = registerHdr('X-Forwarded-For');
export const HDR_DAT = registerHdr('Date');

/** A header list from config.h, with ids resolved (p0f's struct http_id arrays). */
export interface HttpId {
  readonly name: string;
  readonly id: number;
}

function idList(names: string[]): readonly HttpId[] {
  return names.map((name) => ({ name, id: registerHdr(name) }));
}

/** Headers shown as optional (`?Name`, no value) in request signatures we print. */
export const REQ_OPTIONAL = idList(['Cookie', 'Referer', 'Origin', 'Range', 'If-Modified-Since',
  'If-None-Match', 'Via', 'X-Forwarded-For', 'Authorization', 'Proxy-Authorization', 'Cache-Control']);
/** Same for responses. */
export const RESP_OPTIONAL = idList(['Set-Cookie', 'Last-Modified', 'ETag', 'Content-Length',
  'Content-Disposition', 'Cache-Control', 'Expires', 'Pragma', 'Location', 'Refresh', 'Content-Range',
  'Vary']);
/** Headers whose values vary per request and are left out of printed signatures. */
export const REQ_SKIPVAL = idList(['Host', 'User-Agent']);
export const RESP_SKIPVAL = idList(['Date', 'Content-Type', 'Server']);
/** Headers expected in every message; printed in the "absent" part when missing. */
export const REQ_COMMON = idList(['Host', 'User-Agent', 'Connection', 'Accept', 'Accept-Encoding',
  'Accept-Language', 'Accept-Charset', 'Keep-Alive']);
export const RESP_COMMON = idList(['Content-Type', 'Connection', 'Keep-Alive', 'Accept-Ranges', 'Date']);

/** Number of ids registered by http_init(); every database knows these. */
const BUILTIN_HDRS = hdrNames.length;

const knownCache = new WeakMap<object, { n0: number; n1: number; known: Uint8Array }>();

/**
 * Flags by header id: 1 if the database whose HTTP tables are `http` knows the header
 * (p0f would have it in its lookup table after loading that database).
 */
export function knownHttpHeaders(http: readonly [readonly HttpSigRecord[], readonly HttpSigRecord[]]): Uint8Array {
  const hit = knownCache.get(http);
  if (hit && hit.n0 === http[0].length && hit.n1 === http[1].length && hit.known.length === hdrNames.length) {
    return hit.known;
  }
  const known = new Uint8Array(hdrNames.length);
  known.fill(1, 0, BUILTIN_HDRS);
  for (const table of http) {
    for (const rec of table) {
      for (const h of rec.sig.hdr) if (h.id >= 0) known[h.id] = 1;
      for (const id of rec.sig.miss) known[id] = 1;
    }
  }
  knownCache.set(http, { n0: http[0].length, n1: http[1].length, known });
  return known;
}

// ---------------------------------------------------------------------------------------
// Signatures
// ---------------------------------------------------------------------------------------

/** An empty signature (p0f's zeroed struct http_sig). */
export function newHttpSig(): HttpSig {
  return {
    httpVer: 0, hdr: [], hdrBloomLo: 0, hdrBloomHi: 0, miss: [], sw: null, lang: null, via: null,
    date: 0, recvDate: 0, matched: null, dishonest: false,
  };
}

/**
 * Add header `id` to the signature's presence filter. p0f uses a seeded 4-of-64 Bloom
 * filter; one bit per id (mod 64) keeps the same guarantee (no false negatives) and is
 * deterministic. It only ever short-cuts checks that are then made exactly.
 */
export function bloomAdd(sig: HttpSig, id: number): void {
  const bit = id & 63;
  if (bit < 32) sig.hdrBloomLo |= 1 << bit;
  else sig.hdrBloomHi |= 1 << (bit - 32);
}

function bloomHas(sig: HttpSig, id: number): boolean {
  const bit = id & 63;
  return bit < 32 ? (sig.hdrBloomLo & (1 << bit)) !== 0 : (sig.hdrBloomHi & (1 << (bit - 32))) !== 0;
}

/** True if `id` is among the non-optional headers of `sig` (what p0f's Bloom filter holds). */
function hasRequired(sig: HttpSig, id: number): boolean {
  for (const h of sig.hdr) if (!h.optional && h.id === id) return true;
  return false;
}

/**
 * p0f's http_find_match(): sets `ts.matched` (and `ts.dishonest`) from `table`, searched in
 * file order; the first specific match wins, else the first generic one.
 *
 * With `dupeDet` (loading), `ts` is a database signature being added: generic entries
 * never count, and an entry only covers `ts` if it bans no header `ts` does not ban. In
 * that mode p0f's Bloom test compares against `ts`'s required headers only (its optional
 * ones are not in the filter); that is done here exactly, i.e. as p0f behaves whenever
 * its randomly seeded filter has no collision.
 */
export function httpFindMatch(table: readonly HttpSigRecord[], ts: HttpSig, dupeDet: boolean): void {
  if (!dupeDet) httpFindMatchWire(table, ts);
  else httpFindMatchRecords(table, ts, true);
}

/** The matching walk over the records themselves (loading, and over-long wire signatures). */
function httpFindMatchRecords(table: readonly HttpSigRecord[], ts: HttpSig, dupeDet: boolean): void {
  let gmatch: HttpSigRecord | null = null;
  const th = ts.hdr;
  const tcnt = th.length;

  next_sig:
  for (let r = 0; r < table.length; r++) {
    const ref = table[r]!;
    const rs = ref.sig;

    if (rs.httpVer !== -1 && rs.httpVer !== ts.httpVer) continue;

    // Every required header of the reference must be present.
    if ((ts.hdrBloomLo & rs.hdrBloomLo) !== rs.hdrBloomLo ||
        (ts.hdrBloomHi & rs.hdrBloomHi) !== rs.hdrBloomHi) continue;
    if (dupeDet) {
      for (const h of rs.hdr) if (!h.optional && !hasRequired(ts, h.id)) continue next_sig;
    }

    // Order and values: reference headers must appear in this order, others may be
    // interleaved; an optional one may be missing but then must not appear anywhere.
    let ti = 0;
    let ri = 0;
    const rh = rs.hdr;
    while (ri < rh.length) {
      const want = rh[ri]!;
      const origTs = ti;
      while (ti < tcnt && want.id !== th[ti]!.id) ti++;

      if (ti === tcnt) {
        if (!want.optional) continue next_sig;
        for (let k = 0; k < tcnt; k++) if (want.id === th[k]!.id) continue next_sig;
        ti = origTs;
        ri++;
        continue;
      }

      if (want.value !== null) {
        const v = th[ti]!.value;
        if (v === null || !v.includes(want.value)) continue next_sig;
      }
      ti++;
      ri++;
    }

    // Banned headers must not appear.
    for (const id of rs.miss) {
      if (dupeDet) {
        if (hasRequired(ts, id)) continue next_sig;
      } else if (bloomHas(ts, id)) {
        for (let k = 0; k < tcnt; k++) if (th[k]!.id === id) continue next_sig;
      }
    }

    // Loading: a reference that bans more (or other) headers than `ts` does not cover it.
    if (dupeDet) {
      if (rs.miss.length > ts.miss.length) continue;
      for (const id of rs.miss) if (!ts.miss.includes(id)) continue next_sig;
    }

    if (!ref.generic) {
      ts.matched = ref;
      if (rs.sw !== null && ts.sw !== null && !ts.sw.includes(rs.sw)) ts.dishonest = true;
      return;
    }
    if (!gmatch) gmatch = ref;
  }

  if (!dupeDet && gmatch) {
    ts.matched = gmatch;
    if (gmatch.sig.sw !== null && ts.sw !== null && !ts.sw.includes(gmatch.sig.sw)) ts.dishonest = true;
  }
}

/**
 * A table's records flattened into typed arrays, so that the scan over a table reads
 * numbers from a few arrays instead of following record -> sig -> hdr[] -> header objects:
 * version and required-header filter per record, then each record's header list (id,
 * optional flag, value) and banned ids, located by per-record start offsets.
 */
interface TableIndex {
  readonly n: number;
  readonly ver: Int8Array;
  readonly bloomLo: Int32Array;
  readonly bloomHi: Int32Array;
  /** Record r's headers are [hdrStart[r], hdrStart[r + 1]) of hdrId / hdrOpt / hdrVal. */
  readonly hdrStart: Int32Array;
  readonly hdrId: Int32Array;
  readonly hdrOpt: Uint8Array;
  readonly hdrVal: (string | null)[];
  /** Record r's banned ids are [missStart[r], missStart[r + 1]) of missId. */
  readonly missStart: Int32Array;
  readonly missId: Int32Array;
}

const tableIndexes = new WeakMap<readonly HttpSigRecord[], TableIndex>();
let lastTable: readonly HttpSigRecord[] | null = null;
let lastIndex: TableIndex | null = null;
let prevTable: readonly HttpSigRecord[] | null = null;
let prevIndex: TableIndex | null = null;

function buildIndex(table: readonly HttpSigRecord[]): TableIndex {
  const n = table.length;
  const ver = new Int8Array(n);
  const bloomLo = new Int32Array(n);
  const bloomHi = new Int32Array(n);
  const hdrStart = new Int32Array(n + 1);
  const missStart = new Int32Array(n + 1);
  let nh = 0;
  let nm = 0;
  for (const rec of table) {
    nh += rec.sig.hdr.length;
    nm += rec.sig.miss.length;
  }
  const hdrId = new Int32Array(nh);
  const hdrOpt = new Uint8Array(nh);
  const hdrVal = new Array<string | null>(nh).fill(null);
  const missId = new Int32Array(nm);
  nh = 0;
  nm = 0;
  for (let r = 0; r < n; r++) {
    const rs = table[r]!.sig;
    ver[r] = rs.httpVer;
    bloomLo[r] = rs.hdrBloomLo;
    bloomHi[r] = rs.hdrBloomHi;
    hdrStart[r] = nh;
    for (const h of rs.hdr) {
      hdrId[nh] = h.id;
      hdrOpt[nh] = h.optional ? 1 : 0;
      hdrVal[nh] = h.value;
      nh++;
    }
    missStart[r] = nm;
    for (const id of rs.miss) missId[nm++] = id;
  }
  hdrStart[n] = nh;
  missStart[n] = nm;
  return { n, ver, bloomLo, bloomHi, hdrStart, hdrId, hdrOpt, hdrVal, missStart, missId };
}

/** The index of `table`; rebuilt if the table grew (records are only ever appended). */
function indexOf(table: readonly HttpSigRecord[]): TableIndex {
  // Requests and responses alternate: the last two tables are kept at hand.
  if (table === lastTable && lastIndex!.n === table.length) return lastIndex!;
  let idx: TableIndex | undefined;
  if (table === prevTable && prevIndex!.n === table.length) {
    idx = prevIndex!;
  } else {
    idx = tableIndexes.get(table);
    if (!idx || idx.n !== table.length) {
      idx = buildIndex(table);
      tableIndexes.set(table, idx);
    }
  }
  prevTable = lastTable;
  prevIndex = lastIndex;
  lastTable = table;
  lastIndex = idx;
  return idx;
}

/** Header ids of the signature being matched (at most HTTP_MAX_HDRS). */
const wireIds = new Int32Array(HTTP_MAX_HDRS);

/** httpFindMatch() for a signature from the wire (dupeDet false). */
function httpFindMatchWire(table: readonly HttpSigRecord[], ts: HttpSig): void {
  const idx = indexOf(table);
  const ver = idx.ver;
  const bLo = idx.bloomLo;
  const bHi = idx.bloomHi;
  const hdrStart = idx.hdrStart;
  const hdrId = idx.hdrId;
  const hdrOpt = idx.hdrOpt;
  const hdrVal = idx.hdrVal;
  const missStart = idx.missStart;
  const missId = idx.missId;
  const tsVer = ts.httpVer;
  const tLo = ts.hdrBloomLo;
  const tHi = ts.hdrBloomHi;
  let gmatch: HttpSigRecord | null = null;
  const th = ts.hdr;
  const tcnt = th.length;
  // Wire signatures never hold more than HTTP_MAX_HDRS headers; others take the long way.
  if (tcnt > HTTP_MAX_HDRS) {
    httpFindMatchRecords(table, ts, false);
    return;
  }
  const tids = wireIds;
  for (let k = 0; k < tcnt; k++) tids[k] = th[k]!.id;

  next_sig:
  for (let r = 0; r < idx.n; r++) {
    const v = ver[r]!;
    if (v !== -1 && v !== tsVer) continue;
    const lo = bLo[r]!;
    const hi = bHi[r]!;
    if ((tLo & lo) !== lo || (tHi & hi) !== hi) continue;

    // Order and values: reference headers must appear in this order, others may be
    // interleaved; an optional one may be missing but then must not appear anywhere.
    let ti = 0;
    const hEnd = hdrStart[r + 1]!;
    for (let x = hdrStart[r]!; x < hEnd; x++) {
      const wid = hdrId[x]!;
      const origTs = ti;
      while (ti < tcnt && wid !== tids[ti]) ti++;

      if (ti === tcnt) {
        if (hdrOpt[x] === 0) continue next_sig;
        for (let k = 0; k < tcnt; k++) if (wid === tids[k]) continue next_sig;
        ti = origTs;
        continue;
      }

      const want = hdrVal[x]!;
      if (want !== null) {
        const val = th[ti]!.value;
        if (val === null || !val.includes(want)) continue next_sig;
      }
      ti++;
    }

    // Banned headers must not appear.
    const mEnd = missStart[r + 1]!;
    for (let m = missStart[r]!; m < mEnd; m++) {
      const id = missId[m]!;
      if (bloomHas(ts, id)) {
        for (let k = 0; k < tcnt; k++) if (tids[k] === id) continue next_sig;
      }
    }

    const ref = table[r]!;
    if (!ref.generic) {
      ts.matched = ref;
      const rsw = ref.sig.sw;
      if (rsw !== null && ts.sw !== null && !ts.sw.includes(rsw)) ts.dishonest = true;
      return;
    }
    if (!gmatch) gmatch = ref;
  }

  if (gmatch) {
    ts.matched = gmatch;
    if (gmatch.sig.sw !== null && ts.sw !== null && !ts.sw.includes(gmatch.sig.sw)) ts.dishonest = true;
  }
}


// ---------------------------------------------------------------------------------------
// p0f.fp parsing
// ---------------------------------------------------------------------------------------

/** Byte `i` of a C string (0 at and past the end). */
function at(s: string, i: number): number {
  return i < s.length ? s.charCodeAt(i) : 0;
}

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** isalnum() || '-' || '_': characters of a header name. */
function isHdrChar(c: number): boolean {
  return isAlnum(c) || c === 45 || c === 95;
}

/** isalnum() || one of p0f's NAME_CHARS " ./-_!?()". */
function isNameChar(c: number): boolean {
  return isAlnum(c) || c === 32 || c === 46 || c === 47 || c === 45 || c === 95 || c === 33 ||
    c === 63 || c === 40 || c === 41;
}

/** The C-string view of `s` (p0f's strings end at the first NUL). */
function cstr(s: string): string {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

/**
 * p0f's http_register_sig(): parse `ver:horder:habsent:expsw` and append it to `table`
 * (the request table when `toSrv`, i.e. p0f's sigs[1]; responses are sigs[0]).
 * Throws DatabaseError with p0f's FATAL text and location.
 */
export function registerHttpSig(table: HttpSigRecord[], toSrv: boolean, generic: boolean, classId: number,
                                nameId: number, flavor: string | null, labelId: number, sys: number[],
                                val: string, lineNo: number, file: string): void {
  void toSrv; // the caller picks `table` by direction; kept for p0f's signature
  const fatal = (msg: string, line: number): never => {
    throw new DatabaseError(msg, `http_register_sig(), fp_http.c:${line}`, file, lineNo);
  };

  val = cstr(val);
  const hsig = newHttpSig();
  let p = 0;

  if (at(val, 1) !== 58 /* : */) fatal(`Malformed signature in line ${lineNo}.`, 305);

  switch (at(val, 0)) {
    case 48 /* 0 */: break;
    case 49 /* 1 */: hsig.httpVer = 1; break;
    case 42 /* * */: hsig.httpVer = -1; break;
    default: fatal(`Bad HTTP version in line ${lineNo}.`, 313);
  }
  p += 2;

  // horder
  while (at(val, p) !== 58) {
    if (hsig.hdr.length >= HTTP_MAX_HDRS) fatal(`Too many headers listed in line ${lineNo}.`, 326);

    let optional = false;
    if (at(val, p) === 63 /* ? */) {
      optional = true;
      p++;
    }
    let nxt = p;
    while (isHdrChar(at(val, nxt))) nxt++;
    if (nxt === p) fatal(`Malformed header name in line ${lineNo}.`, 335);

    const id = registerHdr(val.slice(p, nxt));
    const hdr: HttpHdr = { id, name: null, value: null, optional };
    if (!optional) bloomAdd(hsig, id);
    p = nxt;

    if (at(val, p) === 61 /* = */) {
      if (at(val, p + 1) !== 91 /* [ */) fatal(`Missing '[' after '=' in line ${lineNo}.`, 349);
      p += 2;
      nxt = p;
      while (at(val, nxt) !== 0 && at(val, nxt) !== 93 /* ] */) nxt++;
      if (nxt === p || at(val, nxt) === 0) fatal(`Malformed signature in line ${lineNo}.`, 357);
      hdr.value = val.slice(p, nxt);
      p = nxt + 1;
    }

    hsig.hdr.push(hdr);

    if (at(val, p) === 44 /* , */) p++;
    else if (at(val, p) !== 58) fatal(`Malformed signature in line ${lineNo}.`, 368);
  }
  p++;

  // habsent
  while (at(val, p) !== 58) {
    if (hsig.miss.length >= HTTP_MAX_HDRS) fatal(`Too many headers listed in line ${lineNo}.`, 381);
    let nxt = p;
    while (isHdrChar(at(val, nxt))) nxt++;
    if (nxt === p) fatal(`Malformed header name in line ${lineNo}.`, 387);
    hsig.miss.push(registerHdr(val.slice(p, nxt)));
    p = nxt;
    if (at(val, p) === 44) p++;
    else if (at(val, p) !== 58) fatal(`Malformed signature in line ${lineNo}.`, 398);
  }
  p++;

  // expsw: the rest of the line, no ':' allowed.
  if (p < val.length) {
    const sw = val.slice(p);
    if (sw.includes(':')) fatal(`Malformed signature in line ${lineNo}.`, 409);
    hsig.sw = sw;
  }

  httpFindMatch(table, hsig, true);
  if (hsig.matched) {
    fatal(`Signature in line ${lineNo} is already covered by line ${hsig.matched.lineNo}.`, 418);
  }
  hsig.dishonest = false;

  table.push({ classId, nameId, flavor, labelId, sys, lineNo, generic, sig: hsig });
}

/**
 * p0f's http_parse_ua(): the `ua_os` list, `Name` or `Name=[U-A substring]`, comma-separated.
 * `lookupNameId` finds or creates an OS name (p0f's lookup_name_id). Entries without an
 * explicit substring search the User-Agent for the OS name as the database spells it,
 * which is resolved at match time (`name` null), as p0f stores fp_os_names[id].
 */
export function parseUaOs(val: string, lineNo: number, file: string,
                          lookupNameId: (name: string) => number): UaMapRecord[] {
  const fatal = (msg: string, line: number): never => {
    throw new DatabaseError(msg, `http_parse_ua(), fp_http.c:${line}`, file, lineNo);
  };
  val = cstr(val);
  const out: UaMapRecord[] = [];
  let p = 0;

  while (p < val.length) {
    let nxt = p;
    while (nxt < val.length && isNameChar(at(val, nxt))) nxt++;
    if (nxt === p) fatal(`Malformed system name in line ${lineNo}.`, 452);

    const id = lookupNameId(val.slice(p, nxt));
    let name: string | null = null;
    p = nxt;

    if (at(val, p) === 61 /* = */) {
      if (at(val, p + 1) !== 91 /* [ */) fatal(`Missing '[' after '=' in line ${lineNo}.`, 461);
      p += 2;
      nxt = p;
      while (at(val, nxt) !== 0 && at(val, nxt) !== 93 /* ] */) nxt++;
      if (nxt === p || at(val, nxt) === 0) fatal(`Malformed signature in line ${lineNo}.`, 469);
      name = val.slice(p, nxt);
      p = nxt + 1;
    }

    out.push({ name, id });
    if (at(val, p) === 44 /* , */) p++;
  }
  return out;
}
