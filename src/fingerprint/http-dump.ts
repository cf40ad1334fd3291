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
  /** The ":missing common headers:" text by bit mask of the common headers present. */
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

/** `:` + the comma-separated common headers whose bit is not in `present` + `:`. */
function missingCommon(t: DumpTables, present: number): string {
  let s = t.missing[present];
  if (s === undefined) {
    let names = '';
    for (let i = 0; i < t.common.length; i++) {
      if (present & (1 << i)) continue;
      names += (names ? ',' : '') + t.common[i]!.name;
    }
    s = ':' + names + ':';
    t.missing[present] = s;
  }
  return s;
}

// The header-name pieces of raw_sig, each with its punctuation, made once per header id:
// [variant][id] with variants NAME / ',NAME', '?NAME' / ',?NAME', 'NAME=[' / ',NAME=['.
// Fewer, longer pieces make the signature (and the lines that carry it) cheaper to write.
const P_PLAIN = 0;
const P_OPTIONAL = 2;
const P_VALUE = 4;
const namePieces: (string | undefined)[][] = [[], [], [], [], [], []];

function namePiece(variant: number, id: number): string {
  const tab = namePieces[variant]!;
  let s = tab[id];
  if (s === undefined) {
    const name = hdrName(id);
    const comma = (variant & 1) === 1 ? ',' : '';
    s = variant >= P_VALUE ? comma + name + '=[' : variant >= P_OPTIONAL ? comma + '?' + name : comma + name;
    while (tab.length <= id) tab.push(undefined);
    tab[id] = s;
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
    const comma = i ? 1 : 0;
    if (id >= 0) {
      let fl = 0;
      if (id < flags.length) {
        fl = flags[id]!;
        const cp = commonPos[id]!;
        if (cp >= 0) present |= 1 << cp;
      }
      if (fl & F_OPTIONAL) {
        ret += namePiece(P_OPTIONAL + comma, id);
        continue;
      }
      if (h.value !== null && !(fl & F_SKIPVAL)) {
        const shown = showValue(h.value, true);
        if (shown.length) {
          ret += namePiece(P_VALUE + comma, id) + shown + ']';
          continue;
        }
      }
      ret += namePiece(P_PLAIN + comma, id);
    } else {
      ret += comma ? ',' + h.name! : h.name!;
      if (h.value === null) continue;
      const shown = showValue(h.value, false);
      if (shown.length) ret += '=[' + shown + ']';
    }
  }

  ret += missingCommon(t, present);
  if (hsig.sw !== null) ret += showValue(hsig.sw, false);
  // One flat string: it is written twice (console and log), and it must not keep the
  // flow's header text alive through substrings.
  return flatten(ret);
}

/** Reading a character makes V8 flatten a concatenated string in place; kept observable. */
let flatSink = 0;
function flatten(s: string): string {
  flatSink = (flatSink + s.charCodeAt(0)) | 0;
  return s;
}

/** p0f's dump_flags(): `dishonest`, `anonymous`, `generic`, or `none`. */
export function dumpHttpFlags(hsig: HttpSig, m: HttpSigRecord | null): string {
  let ret = '';
  if (hsig.dishonest) ret += ' dishonest';
  if (hsig.sw === null) ret += ' anonymous';
  if (m && m.generic) ret += ' generic';
  return ret ? ret.slice(1) : 'none';
}
