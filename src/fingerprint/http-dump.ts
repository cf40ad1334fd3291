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

/** Per-direction lookup tables by header id, built once from the config.h lists. */
interface DumpTables {
  /** 1 = on the optional list, 2 = on the skip-value list. */
  readonly flags: Uint8Array;
  /** Position on the common list, -1 if not on it. */
  readonly commonPos: Int8Array;
  readonly common: readonly HttpId[];
  /** The "missing common headers" text by bit mask of the common headers present. */
  readonly missing: (string | undefined)[];
}

const F_OPTIONAL = 1;
const F_SKIPVAL = 2;

function dumpTables(optional: readonly HttpId[], skipval: readonly HttpId[], common: readonly HttpId[]): DumpTables {
  let n = 0;
  for (const l of [optional, skipval, common]) for (const h of l) if (h.id >= n) n = h.id + 1;
  const flags = new Uint8Array(n);
  const commonPos = new Int8Array(n).fill(-1);
  for (const h of optional) flags[h.id]! |= F_OPTIONAL;
  for (const h of skipval) flags[h.id]! |= F_SKIPVAL;
  common.forEach((h, i) => { commonPos[h.id] = i; });
  return { flags, commonPos, common, missing: new Array<string | undefined>(1 << common.length).fill(undefined) };
}

const REQ_TABLES = dumpTables(REQ_OPTIONAL, REQ_SKIPVAL, REQ_COMMON);
const RESP_TABLES = dumpTables(RESP_OPTIONAL, RESP_SKIPVAL, RESP_COMMON);

/** The comma-separated names of the common headers whose bit is not in `present`. */
function missingCommon(t: DumpTables, present: number): string {
  let s = t.missing[present];
  if (s === undefined) {
    s = '';
    for (let i = 0; i < t.common.length; i++) {
      if (present & (1 << i)) continue;
      s += (s ? ',' : '') + t.common[i]!.name;
    }
    t.missing[present] = s;
  }
  return s;
}

/** p0f's dump_sig() for a request (`toSrv`) or response signature. */
export function dumpHttpSig(toSrv: boolean, hsig: HttpSig): string {
  const t = toSrv ? REQ_TABLES : RESP_TABLES;
  const flags = t.flags;
  const commonPos = t.commonPos;
  let ret = hsig.httpVer === 1 ? '1:' : hsig.httpVer === 0 ? '0:' : hsig.httpVer + ':';
  let present = 0;
  const hdr = hsig.hdr;

  for (let i = 0; i < hdr.length; i++) {
    const h = hdr[i]!;
    const id = h.id;
    if (i) ret += ',';
    if (id >= 0) {
      let fl = 0;
      if (id < flags.length) {
        fl = flags[id]!;
        const cp = commonPos[id]!;
        if (cp >= 0) present |= 1 << cp;
      }
      if (fl & F_OPTIONAL) {
        ret += '?' + hdrName(id);
        continue;
      }
      ret += hdrName(id);
      if (h.value === null || (fl & F_SKIPVAL)) continue;
      const shown = showValue(h.value, true);
      if (shown.length) ret += '=[' + shown + ']';
    } else {
      ret += h.name!;
      if (h.value === null) continue;
      const shown = showValue(h.value, false);
      if (shown.length) ret += '=[' + shown + ']';
    }
  }

  ret += ':' + missingCommon(t, present) + ':';
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
