/**
 * Text forms of an HTTP signature seen on the wire: `raw_sig` (p0f's dump_sig) and
 * `params` (dump_flags).
 *
 * raw_sig = `ver:headers:missing-common:software`, where known headers on the
 * "optional" list print as `?Name` without value, values of skip-listed headers are
 * dropped, and shown values are cut at 200 characters or at the first byte outside
 * 0x20-0x7f or `]` (and `|` for known headers).
 */
import {
  REQ_COMMON, REQ_OPTIONAL, REQ_SKIPVAL, RESP_COMMON, RESP_OPTIONAL, RESP_SKIPVAL,
  hdrName, type HttpId,
} from '../db/http-sig.ts';
import type { HttpSig, HttpSigRecord } from '../db/types.ts';

/** p0f's HTTP_MAX_SHOW. */
export const HTTP_MAX_SHOW = 200;

function inList(list: readonly HttpId[], id: number): boolean {
  for (let i = 0; i < list.length; i++) if (list[i]!.id === id) return true;
  return false;
}

/**
 * The printable prefix of `val`: at most HTTP_MAX_SHOW chars, stopping at a control or
 * non-ASCII byte, at `]`, and (when `stopPipe`) at `|`.
 */
export function showValue(val: string, stopPipe: boolean): string {
  const lim = val.length < HTTP_MAX_SHOW ? val.length : HTTP_MAX_SHOW;
  let n = 0;
  while (n < lim) {
    const c = val.charCodeAt(n);
    if (c < 0x20 || c >= 0x80 || c === 93 /* ] */ || (stopPipe && c === 124 /* | */)) break;
    n++;
  }
  return n === val.length ? val : val.slice(0, n);
}

/** p0f's dump_sig() for a request (`toSrv`) or response signature. */
export function dumpHttpSig(toSrv: boolean, hsig: HttpSig): string {
  const optional = toSrv ? REQ_OPTIONAL : RESP_OPTIONAL;
  const skipval = toSrv ? REQ_SKIPVAL : RESP_SKIPVAL;
  const common = toSrv ? REQ_COMMON : RESP_COMMON;
  let ret = `${hsig.httpVer}:`;
  let hadPrev = false;

  for (const h of hsig.hdr) {
    if (h.id >= 0) {
      const opt = inList(optional, h.id);
      ret += (hadPrev ? ',' : '') + (opt ? '?' : '') + hdrName(h.id);
      hadPrev = true;
      if (h.value === null || opt || inList(skipval, h.id)) continue;
      const shown = showValue(h.value, true);
      if (shown.length) ret += `=[${shown}]`;
    } else {
      ret += (hadPrev ? ',' : '') + h.name!;
      hadPrev = true;
      if (h.value === null) continue;
      const shown = showValue(h.value, false);
      if (shown.length) ret += `=[${shown}]`;
    }
  }

  ret += ':';
  hadPrev = false;
  for (const c of common) {
    let present = false;
    for (const h of hsig.hdr) {
      if (h.id === c.id) {
        present = true;
        break;
      }
    }
    if (!present) {
      ret += (hadPrev ? ',' : '') + c.name;
      hadPrev = true;
    }
  }

  ret += ':';
  if (hsig.sw !== null) ret += showValue(hsig.sw, false);
  return ret;
}

/** p0f's dump_flags(): `dishonest`, `anonymous`, `generic`, or `none`. */
export function dumpHttpFlags(hsig: HttpSig, m: HttpSigRecord | null): string {
  let ret = '';
  if (hsig.dishonest) ret += ' dishonest';
  if (hsig.sw === null) ret += ' anonymous';
  if (m && m.generic) ret += ' generic';
  return ret ? ret.slice(1) : 'none';
}
