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
import { HDR_AL, HDR_DAT, HDR_SRV, HDR_UA, HDR_VIA, HDR_XFF, HTTP_MAX_HDRS, bloomAdd,
  knownHttpHeaders, lookupHdrBytes, newHttpSig } from '../db/http-sig.ts';
import type { HttpSig } from '../db/types.ts';
import type { Flow } from '../state/types.ts';
import type { FpContext } from './context.ts';
import { parseHttpDate } from './http-date.ts';
import { fingerprintHttp } from './http-fp.ts';

/** p0f's MAX_FLOW_DATA: bytes kept per direction (more may never come once reached). */
export const MAX_FLOW_DATA = 8192;
/** Longest request / status line considered (HTTP_MAX_URL). */
export const HTTP_MAX_URL = 1024;
export const HTTP_MAX_HDR_NAME = 32;
export const HTTP_MAX_HDR_VAL = 1024;

const CR = 13;
const LF = 10;

/** isalnum() || '-' || '_'. */
function isHdrChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 95;
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

/**
 * p0f's parse_pairs(): read `Name: value` lines from flow.httpPos on; on the empty line
 * fingerprint the message. Returns "need more data".
 */
function parsePairs(ctx: FpContext, toSrv: boolean, f: Flow, canGetMore: boolean): boolean {
  const plen = toSrv ? f.reqLen : f.respLen;
  const pay = (toSrv ? f.request : f.response)!;
  const tmp = tmpSig(f);
  let known: Uint8Array | null = null;
  let off: number;

  while ((off = f.httpPos) < plen) {
    const first = pay[off]!;

    // Blank line: headers complete.
    if (first === CR || first === LF) {
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

    const hcount = tmp.hdr.length;
    if (hcount >= HTTP_MAX_HDRS) {
      f.inHttp = -1;
      return false;
    }

    // Header name.
    let nlen = 0;
    while (off < plen && isHdrChar(pay[off]!) && nlen <= HTTP_MAX_HDR_NAME) {
      off++;
      nlen++;
    }
    if (off === plen) {
      if (!canGetMore) f.inHttp = -1;
      return canGetMore;
    }
    if (!nlen || pay[off] !== 58 /* : */ || nlen > HTTP_MAX_HDR_NAME) {
      f.inHttp = -1;
      return false;
    }

    off++;
    if (off < plen && (pay[off] === 32 || pay[off] === 9)) off++;

    // Value, up to LF; remember where a NUL would end p0f's copy of it.
    const vstart = off;
    let vlen = 0;
    let nul = -1;
    while (off < plen && vlen <= HTTP_MAX_HDR_VAL) {
      const c = pay[off]!;
      if (c === LF) break;
      if (c === 0 && nul < 0) nul = off;
      off++;
      vlen++;
    }
    if (vlen > HTTP_MAX_HDR_VAL) {
      // p0f returns -1 from a u8 function here: "need more", though the flow is dropped.
      f.inHttp = -1;
      return true;
    }
    if (off === plen) {
      if (!canGetMore) f.inHttp = -1;
      return canGetMore;
    }
    if (pay[off - 1] === CR) vlen--;

    const nameStart = f.httpPos;
    let hid = lookupHdrBytes(pay, nameStart, nlen);
    if (hid >= 0) {
      known ??= knownHttpHeaders(ctx.db.http);
      if (hid >= known.length || !known[hid]) hid = -1;
    }

    let value: string | null = null;
    if (vlen) {
      let vend = vstart + vlen;
      if (nul >= 0 && nul < vend) vend = nul;
      value = pay.toString('latin1', vstart, vend);
    }

    tmp.hdr.push({
      id: hid,
      name: hid < 0 ? pay.toString('latin1', nameStart, nameStart + nlen) : null,
      value,
      optional: false,
    });
    if (hid >= 0) bloomAdd(tmp, hid);

    if (value !== null) {
      if (toSrv) {
        if (hid === HDR_UA) tmp.sw = value;
        else if (hid === HDR_AL) tmp.lang = value;
        else if (hid === HDR_VIA || hid === HDR_XFF) tmp.via = value;
      } else {
        if (hid === HDR_SRV) tmp.sw = value;
        else if (hid === HDR_DAT) tmp.date = parseHttpDate(value);
        else if (hid === HDR_VIA || hid === HDR_XFF) tmp.via = value;
      }
    }

    f.httpPos = off + 1;
  }

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
