/**
 * `sig = ...` lines of [tcp:request] / [tcp:response] (p0f's tcp_register_sig, fp_tcp.c).
 *
 *   ver:ittl:olen:mss:wsize,scale:olayout:quirks:pclass
 *
 * Parsed with p0f's cursor logic, quirks included: `N-:` (random TTL) skips one character
 * too many, so the first digit of the IP option length is ignored; numbers go through
 * atol() into 32-bit ints; the signature is matched against the ones already loaded and
 * refused if one of them covers it exactly.
 */
import { DatabaseError } from '../errors.ts';
import { atolS32, ch, skipDigits } from './cstr.ts';
import { layoutHash, tcpFindMatch } from './tcp-match.ts';
import {
  WIN_TYPE_ANY, WIN_TYPE_MOD, WIN_TYPE_MSS, WIN_TYPE_MTU, WIN_TYPE_NORMAL,
  type TcpSig, type TcpSigRecord,
} from './types.ts';

const MAX_TCP_OPT = 24;

// Option kinds (TCPOPT_*) and quirk bits (QUIRK_*), as p0f numbers them.
const TCPOPT_EOL = 0, TCPOPT_NOP = 1, TCPOPT_MAXSEG = 2, TCPOPT_WSCALE = 3, TCPOPT_SACKOK = 4,
  TCPOPT_SACK = 5, TCPOPT_TSTAMP = 8;

/** Quirk tokens in the order p0f tries them (prefix matches: order matters). */
const QUIRK_TOKENS: ReadonlyArray<readonly [token: string, bit: number, notFor: number, fatalLine: number]> = [
  ['df', 0x00000002, 6, 557],
  ['id+', 0x00000004, 6, 565],
  ['id-', 0x00000008, 6, 573],
  ['ecn', 0x00000001, 0, 0],
  ['0+', 0x00000010, 6, 586],
  ['flow', 0x00000020, 4, 594],
  ['seq-', 0x00001000, 0, 0],
  ['ack+', 0x00002000, 0, 0],
  ['ack-', 0x00004000, 0, 0],
  ['uptr+', 0x00008000, 0, 0],
  ['urgf+', 0x00010000, 0, 0],
  ['pushf+', 0x00020000, 0, 0],
  ['ts1-', 0x01000000, 0, 0],
  ['ts2+', 0x02000000, 0, 0],
  ['opt+', 0x04000000, 0, 0],
  ['exws', 0x08000000, 0, 0],
  ['bad', 0x10000000, 0, 0],
];

/** Simple option tokens after `eol` (checked in p0f's order: `sok` before `sack`). */
const OPT_TOKENS: ReadonlyArray<readonly [string, number]> = [
  ['nop', TCPOPT_NOP],
  ['mss', TCPOPT_MAXSEG],
  ['ws', TCPOPT_WSCALE],
  ['sok', TCPOPT_SACKOK],
  ['sack', TCPOPT_SACK],
  ['ts', TCPOPT_TSTAMP],
];

/** A TCP signature table being built: layout hash -> records in file order. */
export type MutableTcpSigTable = Map<number, TcpSigRecord[]>;

/**
 * Shares one Uint8Array among all signatures (and packets) with the same option layout,
 * which lets the matcher compare a layout once per run of records.
 */
export class LayoutInterner {
  private readonly byHash = new Map<number, Uint8Array[]>();

  intern(layout: Uint8Array, cnt: number, hash: number): Uint8Array {
    let list = this.byHash.get(hash);
    if (!list) this.byHash.set(hash, list = []);
    outer: for (const l of list) {
      if (l.length !== cnt) continue;
      for (let i = 0; i < cnt; i++) if (l[i] !== layout[i]) continue outer;
      return l;
    }
    const copy = layout.slice(0, cnt);
    list.push(copy);
    return copy;
  }
}

export function registerTcpSig(table: MutableTcpSigTable, interner: LayoutInterner, toSrv: boolean,
                               generic: boolean, classId: number, nameId: number, flavor: string | null,
                               labelId: number, sys: readonly number[], val: string, lineNo: number,
                               file: string): void {
  void toSrv;
  const fatal = (msg: string, srcLine: number): never => {
    throw new DatabaseError(msg, `tcp_register_sig(), fp_tcp.c:${srcLine}`, file, lineNo);
  };
  const malformed = (srcLine: number): never => fatal(`Malformed signature in line ${lineNo}.`, srcLine);

  let p = 0;
  let nxt: number;

  // IP version.
  let ver: number;
  switch (ch(val, 0)) {
    case 52 /* 4 */: ver = 4; break;
    case 54 /* 6 */: ver = 6; break;
    case 42 /* * */: ver = -1; break;
    default: return fatal(`Unrecognized IP version in line ${lineNo}.`, 301);
  }
  if (ch(val, 1) !== 58 /* : */) malformed(304);
  p = 2;

  // Initial TTL: N, N+D or N- (random).
  let badTtl = false;
  nxt = skipDigits(val, p);
  const term = ch(val, nxt);
  if (term !== 58 && term !== 43 /* + */ && term !== 45 /* - */) malformed(314);
  let ittl = atolS32(val, p);
  if (ittl < 1 || ittl > 255) fatal(`Bogus initial TTL in line ${lineNo}.`, 317);
  p = nxt + 1;

  if (term === 45 && ch(val, nxt + 1) === 58) {
    badTtl = true;
    // p0f steps over the ':' and one more character here.
    p += 2;
  } else if (term === 43) {
    nxt = skipDigits(val, nxt + 1);
    if (ch(val, nxt) !== 58) malformed(331);
    const add = atolS32(val, p);
    const sum = (ittl + add) | 0;
    if (add < 0 || sum > 255) fatal(`Bogus initial TTL in line ${lineNo}.`, 336);
    ittl = sum;
    p = nxt + 1;
  }

  // Length of IP options.
  nxt = skipDigits(val, p);
  if (ch(val, nxt) !== 58) malformed(347);
  const olen = atolS32(val, p);
  if (olen < 0 || olen > 255) fatal(`Bogus IP option length in line ${lineNo}.`, 351);
  p = nxt + 1;

  // MSS.
  let mss: number;
  if (ch(val, p) === 42 && ch(val, p + 1) === 58) {
    mss = -1;
    p += 2;
  } else {
    nxt = skipDigits(val, p);
    if (ch(val, nxt) !== 58) malformed(366);
    mss = atolS32(val, p);
    if (mss < 0 || mss > 65535) fatal(`Bogus MSS in line ${lineNo}.`, 369);
    p = nxt + 1;
  }

  // Window size, then a comma.
  let winType: number;
  let win: number;
  if (ch(val, p) === 42 && ch(val, p + 1) === 44 /* , */) {
    winType = WIN_TYPE_ANY;
    win = 0;
    p += 2;
  } else if (ch(val, p) === 37 /* % */) {
    winType = WIN_TYPE_MOD;
    p++;
    nxt = skipDigits(val, p);
    if (ch(val, nxt) !== 44) malformed(390);
    win = atolS32(val, p);
    if (win < 2 || win > 65535) fatal(`Bogus '%' value in line ${lineNo}.`, 393);
    p = nxt + 1;
  } else if (val.startsWith('mss*', p) || val.startsWith('mtu*', p)) {
    winType = ch(val, p + 1) === 115 /* s */ ? WIN_TYPE_MSS : WIN_TYPE_MTU;
    p += 4;
    nxt = skipDigits(val, p);
    if (ch(val, nxt) !== 44) malformed(405);
    win = atolS32(val, p);
    if (win < 1 || win > 1000) fatal(`Bogus MSS/MTU multiplier in line ${lineNo}.`, 409);
    p = nxt + 1;
  } else {
    winType = WIN_TYPE_NORMAL;
    nxt = skipDigits(val, p);
    if (ch(val, nxt) !== 44) malformed(419);
    win = atolS32(val, p);
    if (win < 0 || win > 65535) fatal(`Bogus window size in line ${lineNo}.`, 422);
    p = nxt + 1;
  }

  // Window scale.
  let scale: number;
  if (ch(val, p) === 42 && ch(val, p + 1) === 58) {
    scale = -1;
    p += 2;
  } else {
    nxt = skipDigits(val, p);
    if (ch(val, nxt) !== 58) malformed(438);
    scale = atolS32(val, p);
    if (scale < 0 || scale > 255) fatal(`Bogus window scale in line ${lineNo}.`, 442);
    p = nxt + 1;
  }

  // Option layout.
  const layout = new Uint8Array(MAX_TCP_OPT);
  let optCnt = 0;
  let optEolPad = 0;

  while (ch(val, p) !== 58) {
    if (optCnt >= MAX_TCP_OPT) fatal(`Too many TCP options in line ${lineNo}.`, 455);

    if (val.startsWith('eol', p)) {
      layout[optCnt++] = TCPOPT_EOL;
      p += 3;
      if (ch(val, p) !== 43) fatal(`Malformed EOL option in line ${lineNo}.`, 463);
      p++;
      nxt = skipDigits(val, p);
      if (!ch(val, nxt)) fatal(`Truncated options in line ${lineNo}.`, 469);
      if (ch(val, nxt) !== 58) fatal(`EOL must be the last option in line ${lineNo}.`, 472);
      optEolPad = atolS32(val, p);
      if (optEolPad < 0 || optEolPad > 255) fatal(`Bogus EOL padding in line ${lineNo}.`, 477);
      p = nxt;
    } else {
      let kind = -1;
      for (const [tok, k] of OPT_TOKENS) {
        if (val.startsWith(tok, p)) {
          kind = k;
          p += tok.length;
          break;
        }
      }
      if (kind < 0) {
        if (ch(val, p) !== 63 /* ? */) fatal(`Unrecognized TCP option in line ${lineNo}.`, 533);
        p++;
        nxt = skipDigits(val, p);
        if (ch(val, nxt) !== 58 && ch(val, nxt) !== 44) fatal(`Malformed '?' option in line ${lineNo}.`, 520);
        kind = atolS32(val, p);
        if (kind < 0 || kind > 255) fatal(`Bogus '?' option in line ${lineNo}.`, 525);
        p = nxt;
      }
      layout[optCnt++] = kind;
    }

    if (ch(val, p) === 58) break;
    if (ch(val, p) !== 44) fatal(`Malformed TCP options in line ${lineNo}.`, 540);
    p++;
  }
  p++;

  const optHash = layoutHash(layout, optCnt);

  // Quirks.
  let quirks = 0;
  while (ch(val, p) !== 58) {
    let found = false;
    for (const [tok, bit, notFor, srcLine] of QUIRK_TOKENS) {
      if (!val.startsWith(tok, p)) continue;
      if (notFor !== 0 && ver === notFor) {
        fatal(`'${tok}' is not valid for IPv${notFor} in line ${lineNo}.`, srcLine);
      }
      quirks |= bit;
      p += tok.length;
      found = true;
      break;
    }
    if (!found) fatal(`Unrecognized quirk in line ${lineNo}.`, 656);

    if (ch(val, p) === 58) break;
    if (ch(val, p) !== 44) fatal(`Malformed quirks in line ${lineNo}.`, 663);
    p++;
  }
  p++;

  // Payload class: the rest of the line, exactly.
  const rest = val.slice(p);
  let payClass: number;
  if (rest === '*') payClass = -1;
  else if (rest === '0') payClass = 0;
  else if (rest === '+') payClass = 1;
  else return fatal(`Malformed payload class in line ${lineNo}.`, 676);

  const sig: TcpSig = {
    optHash,
    optLayout: interner.intern(layout, optCnt, optHash),
    quirks,
    optEolPad: optEolPad & 0xff,
    ipOptLen: olen & 0xff,
    ipVer: ver,
    ttl: ittl & 0xff,
    mss,
    win: win & 0xffff,
    winType,
    wscale: scale,
    payClass,
    totHdr: 0,
    ts1: 0,
    recvMs: 0,
    matched: null,
    fuzzy: false,
    dist: 0,
  };

  tcpFindMatch(table, sig, sig.optLayout, optCnt, true, 0);
  if (sig.matched) {
    fatal(`Signature in line ${lineNo} is already covered by line ${sig.matched.lineNo}.`, 702);
  }

  const rec: TcpSigRecord = {
    generic, classId, nameId, flavor, labelId, sys, lineNo, badTtl, sig,
  };
  let bucket = table.get(optHash);
  if (!bucket) table.set(optHash, bucket = []);
  bucket.push(rec);
}

