/**
 * HTTP fingerprinting (p0f's fp_http.c process_http / parse_pairs): watch the first bytes
 * of each direction of a flow, recognise a GET/HEAD request and the response that
 * follows, collect their header layout and hand the complete signature to
 * fingerprintHttp().
 *
 * The parser works in place on the flow's buffers (flow.request / flow.response, with
 * reqLen / respLen valid bytes) and resumes at flow.httpPos on every new segment, exactly
 * where p0f does; strings are only made for header values (latin1), as p0f copies them.
 *
 * Kept from p0f on purpose:
 * - header names are case-sensitive; a name runs over [A-Za-z0-9_-], at most 32 chars,
 *   and must be followed by ':'; one blank after ':' is skipped; values up to 1024 bytes;
 *   lines end in LF, a CR before it is dropped; at most 32 headers;
 * - values are C strings to p0f: a NUL byte ends them for every later use;
 * - p0f never sets http_gotresp1, so when response headers arrive in several segments the
 *   status-line scan runs again from where header parsing stopped (using absolute
 *   offsets for its limits) and the line it scans over is lost as a header.
 */
import { HDR_AL, HDR_DAT, HDR_HASH_SEED, HDR_SRV, HDR_UA, HDR_VIA, HDR_XFF, HTTP_MAX_HDRS, bloomAdd,
  hdrCount, hdrHashStep, knownHttpHeaders, lookupHdrHashed, newHttpSig } from '../db/http-sig.ts';
import type { HttpSig } from '../db/types.ts';
import type { Flow } from '../state/types.ts';
import type { FpContext } from './context.ts';
import { parseHttpDateBytes } from './http-date.ts';
import { fingerprintHttp } from './http-fp.ts';

/** p0f's MAX_FLOW_DATA: bytes kept per direction (more may never come once reached). */
export const MAX_FLOW_DATA = 8192;
/** Longest request / status line considered (HTTP_MAX_URL). */
export const HTTP_MAX_URL = 1024;
export const HTTP_MAX_HDR_NAME = 32;
export const HTTP_MAX_HDR_VAL = 1024;

const CR = 13;
const LF = 10;

/** 1 for the bytes of a header name: isalnum() || '-' || '_'. */
const HDR_CHAR = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 95) HDR_CHAR[c] = 1;
}

/** `buf` holds `lit` (ASCII) at `off`. */
function hasAt(buf: Uint8Array, off: number, lit: string): boolean {
  for (let i = 0; i < lit.length; i++) if (buf[off + i] !== lit.charCodeAt(i)) return false;
  return true;
}

function tmpSig(f: Flow): HttpSig {
  let t = f.httpTmp;
  if (!t) {
    t = newHttpSig();
    f.httpTmp = t;
  }
  return t;
}

/** Clear the collected signature for the next message (p0f's memset of http_tmp). */
function resetSig(t: HttpSig): void {
  t.httpVer = 0;
  t.hdr = [];
  t.hdrBloomLo = 0;
  t.hdrBloomHi = 0;
  t.miss = [];
  t.sw = null;
  t.lang = null;
  t.via = null;
  t.date = 0;
  t.recvDate = 0;
  t.matched = null;
  t.dishonest = false;
}

// Header lines found by the current parsePairs() call and not yet added to the signature.
// They are turned into records in one go (flushPending): one string is cut from the flow
// buffer for all of them and names / values are taken from it, instead of one native
// Buffer-to-string call per value.
const pNameOff = new Int32Array(HTTP_MAX_HDRS);
const pNameLen = new Int32Array(HTTP_MAX_HDRS);
const pHid = new Int32Array(HTTP_MAX_HDRS);
const pValOff = new Int32Array(HTTP_MAX_HDRS);
/** End of the value (cut at a NUL), or -1 when the line has no value (p0f's NULL). */
const pValEnd = new Int32Array(HTTP_MAX_HDRS);
let pCount = 0;

type Latin1Buffer = Buffer & { latin1Slice(start: number, end: number): string };

/** Add the pending header lines of `pay` to `tmp` (see above). */
function flushPending(toSrv: boolean, tmp: HttpSig, pay: Buffer): void {
  const n = pCount;
  if (!n) return;
  pCount = 0;
  const base = pNameOff[0]!;
  let end = base;
  for (let i = 0; i < n; i++) {
    const e = pValEnd[i]! >= 0 ? pValEnd[i]! : pNameOff[i]! + pNameLen[i]!;
    if (e > end) end = e;
  }
  const text = (pay as Latin1Buffer).latin1Slice(base, end);
  const hdr = tmp.hdr;
  for (let i = 0; i < n; i++) {
    const hid = pHid[i]!;
    const vEnd = pValEnd[i]!;
    let value: string | null = null;
    if (vEnd >= 0) {
      value = text.substring(pValOff[i]! - base, vEnd - base);
      if (toSrv) {
        if (hid === HDR_UA) tmp.sw = value;
        else if (hid === HDR_AL) tmp.lang = value;
        else if (hid === HDR_VIA || hid === HDR_XFF) tmp.via = value;
      } else {
        if (hid === HDR_SRV) tmp.sw = value;
        else if (hid === HDR_DAT) tmp.date = parseHttpDateBytes(pay, pValOff[i]!, vEnd);
        else if (hid === HDR_VIA || hid === HDR_XFF) tmp.via = value;
      }
    }
    let name: string | null = null;
    if (hid < 0) {
      const o = pNameOff[i]! - base;
      name = text.substring(o, o + pNameLen[i]!);
    }
    hdr.push({ id: hid, name, value, optional: false });
  }
}

/** The known-header flags of `ctx.db`, remembered for the last database seen. */
let knownFor: object | null = null;
let knownFlags: Uint8Array = new Uint8Array(0);
let knownN0 = -1;
let knownN1 = -1;

function knownHeaders(ctx: FpContext): Uint8Array {
  const http = ctx.db.http;
  // knownHttpHeaders() checks that its answer is still current; only the common case of
  // the same, unchanged database is short-cut here.
  if (http !== knownFor || knownFlags.length !== hdrCount() || http[0].length !== knownN0 ||
      http[1].length !== knownN1) {
    knownFlags = knownHttpHeaders(http);
    knownFor = http;
    knownN0 = http[0].length;
    knownN1 = http[1].length;
  }
  return knownFlags;
}

/**
 * p0f's parse_pairs(): read `Name: value` lines from flow.httpPos on; on the empty line
 * fingerprint the message. Returns "need more data".
 */
function parsePairs(ctx: FpContext, toSrv: boolean, f: Flow, canGetMore: boolean): boolean {
  const plen = toSrv ? f.reqLen : f.respLen;
  const pay = (toSrv ? f.request : f.response)!;
  const tmp = tmpSig(f);
  let off: number;
  pCount = 0;

  while ((off = f.httpPos) < plen) {
    const first = pay[off]!;

    // Blank line: headers complete.
    if (first === CR || first === LF) {
      flushPending(toSrv, tmp, pay);
      tmp.recvDate = ctx.nowSec;
      fingerprintHttp(ctx, toSrv, f, tmp);
      if (toSrv) {
        f.httpReqDone = true;
        f.httpPos = 0;
        resetSig(tmp);
        return true;
      }
      f.inHttp = -1;
      return false;
    }

    if (tmp.hdr.length + pCount >= HTTP_MAX_HDRS) {
      flushPending(toSrv, tmp, pay);
      f.inHttp = -1;
      return false;
    }

    // Header name, hashed on the way for the known-header lookup.
    const nameStart = off;
    let h = HDR_HASH_SEED;
    let c = first;
    while (off < plen && HDR_CHAR[c = pay[off]!] === 1 && off - nameStart <= HTTP_MAX_HDR_NAME) {
      h = hdrHashStep(h, c);
      off++;
    }
    const nlen = off - nameStart;
    if (off === plen) {
      flushPending(toSrv, tmp, pay);
      if (!canGetMore) f.inHttp = -1;
      return canGetMore;
    }
    if (!nlen || c !== 58 /* : */ || nlen > HTTP_MAX_HDR_NAME) {
      flushPending(toSrv, tmp, pay);
      f.inHttp = -1;
      return false;
    }

    off++;
    if (off < plen && (pay[off] === 32 || pay[off] === 9)) off++;

    // Value, up to LF; remember where a NUL would end p0f's copy of it.
    const vstart = off;
    const vlim = vstart + HTTP_MAX_HDR_VAL + 1;
    const stop = plen < vlim ? plen : vlim;
    let nul = -1;
    while (off < stop) {
      const b = pay[off]!;
      if (b === LF) break;
      if (b === 0 && nul < 0) nul = off;
      off++;
    }
    let vlen = off - vstart;
    if (vlen > HTTP_MAX_HDR_VAL) {
      // p0f returns -1 from a u8 function here: "need more", though the flow is dropped.
      flushPending(toSrv, tmp, pay);
      f.inHttp = -1;
      return true;
    }
    if (off === plen) {
      flushPending(toSrv, tmp, pay);
      if (!canGetMore) f.inHttp = -1;
      return canGetMore;
    }
    if (pay[off - 1] === CR) vlen--;

    let hid = lookupHdrHashed(h, pay, nameStart, nlen);
    if (hid >= 0) {
      const known = knownHeaders(ctx);
      if (hid >= known.length || !known[hid]) hid = -1;
    }

    const k = pCount++;
    pNameOff[k] = nameStart;
    pNameLen[k] = nlen;
    pHid[k] = hid;
    pValOff[k] = vstart;
    if (vlen) {
      let vend = vstart + vlen;
      if (nul >= 0 && nul < vend) vend = nul;
      pValEnd[k] = vend;
    } else {
      pValEnd[k] = -1;
    }
    if (hid >= 0) bloomAdd(tmp, hid);

    f.httpPos = off + 1;
  }

  flushPending(toSrv, tmp, pay);
  if (!canGetMore) f.inHttp = -1;
  return canGetMore;
}

/**
 * p0f's process_http(): look at the flow's data after a new segment in direction `toSrv`
 * (true = client to server). Returns true while the HTTP module wants more data from the
 * flow; false means it is done with it (the caller may drop the flow if nothing else needs
 * it).
 */
export function processHttp(ctx: FpContext, toSrv: boolean, f: Flow): boolean {
  if (f.inHttp < 0) return false;

  if (toSrv) {
    const pay = f.request;
    const len = f.reqLen;
    const canGetMore = len < MAX_FLOW_DATA;

    // Request seen in full; waiting for the response.
    if (f.httpReqDone) return true;

    if (!f.inHttp) {
      if (len < 15 || !pay) return canGetMore;

      let off = f.httpPos;
      if (!off && !hasAt(pay, 0, 'GET /') && !hasAt(pay, 0, 'HEAD /')) {
        f.inHttp = -1;
        return false;
      }

      // Request line: printable ASCII (or CR) up to LF.
      let chr: number;
      while (off < len && off < HTTP_MAX_URL && (chr = pay[off]!) !== LF) {
        if (chr !== CR && (chr < 0x20 || chr > 0x7f)) {
          f.inHttp = -1;
          return false;
        }
        off++;
      }

      if (off === HTTP_MAX_URL || off < 14) {
        f.inHttp = -1;
        return false;
      }

      if (off === len) {
        f.httpPos = off;
        if (!canGetMore) f.inHttp = -1;
        return canGetMore;
      }

      let sigAt = off - 8;
      if (pay[off - 1] === CR) sigAt--;
      if (!hasAt(pay, sigAt, 'HTTP/1.')) {
        f.inHttp = -1;
        return false;
      }

      tmpSig(f).httpVer = pay[sigAt + 7] === 49 /* 1 */ ? 1 : 0;
      f.inHttp = 1;
      f.httpPos = off + 1;
    }

    return parsePairs(ctx, true, f, canGetMore);
  }

  const pay = f.response;
  const len = f.respLen;
  const canGetMore = len < MAX_FLOW_DATA;

  // A response before (the end of) a request: not for us.
  if (!f.inHttp || !f.httpReqDone) {
    f.inHttp = -1;
    return false;
  }

  // p0f never sets httpGotresp1 (see the file comment); this runs for every segment.
  if (!f.httpGotresp1) {
    if (len < 13 || !pay) return canGetMore;

    let off = f.httpPos;
    let chr: number;
    while (off < len && off < HTTP_MAX_URL && (chr = pay[off]!) !== LF) {
      if (chr !== CR && (chr < 0x20 || chr > 0x7f)) {
        f.inHttp = -1;
        return false;
      }
      off++;
    }

    if (off === HTTP_MAX_URL || off < 13) {
      f.inHttp = -1;
      return false;
    }

    if (off === len) {
      f.httpPos = off;
      if (!canGetMore) f.inHttp = -1;
      return canGetMore;
    }

    if (!hasAt(pay, 0, 'HTTP/1.')) {
      f.inHttp = -1;
      return false;
    }

    tmpSig(f).httpVer = pay[7] === 49 ? 1 : 0;
    f.httpPos = off + 1;
  }

  return parsePairs(ctx, false, f, canGetMore);
}
