/**
 * SYN and SYN+ACK fingerprinting (p0f's fingerprint_tcp, fp_tcp.c): turn the packet into a
 * signature, find it in p0f.fp, report the "syn" / "syn+ack" observation, then weigh it
 * against what the host looked like before (NAT / OS change scoring).
 */
import { detectWinMulti, guessDist, layoutHash, MAX_DIST, tcpFindMatch, winMultiUseMtu } from '../db/tcp-match.ts';
import { WIN_TYPE_NORMAL, type TcpSig } from '../db/types.ts';
import {
  QUIRK_DF, QUIRK_ECN, QUIRK_FLOW, QUIRK_NZ_ACK, QUIRK_NZ_ID, QUIRK_NZ_MBZ, QUIRK_NZ_URG, QUIRK_OPT_BAD,
  QUIRK_OPT_EOL_NZ, QUIRK_OPT_EXWS, QUIRK_OPT_NZ_TS2, QUIRK_OPT_ZERO_TS1, QUIRK_PUSH, QUIRK_URG,
  QUIRK_ZERO_ACK, QUIRK_ZERO_ID, QUIRK_ZERO_SEQ,
  TCP_ACK, TCP_SYN,
  TCPOPT_EOL, TCPOPT_MAXSEG, TCPOPT_NOP, TCPOPT_SACK, TCPOPT_SACKOK, TCPOPT_TSTAMP, TCPOPT_WSCALE,
  type PacketData,
} from '../decode/packet.ts';
import type { ObservationKind } from '../observation.ts';
import {
  NAT_FUZZY, NAT_MSS, NAT_OS_SIG, NAT_PORT, NAT_TO_UNK, NAT_TS, NAT_TTL, NAT_UNK_DIFF,
  P0F_MATCH_FUZZY, P0F_MATCH_GENERIC,
  type Flow, type HostData,
} from '../state/types.ts';
import type { FpContext } from './context.ts';
import { addNatScore, verifyToolClass } from './nat.ts';

/** p0f-sendsyn's probe: a SYN with this window and MSS (config.h SPECIAL_WIN / SPECIAL_MSS). */
export const SPECIAL_WIN = 1337;
export const SPECIAL_MSS = 1331;

// NAT scoring thresholds (config.h).
const NEAR_TTL_LIMIT = 9;
const LOCAL_TTL_LIMIT = 5;
const SMALL_TTL_CHG = 2;
const MIN_PORT_DROP = 64;
const MAX_NAT_TS = 1000 * 60 * 60 * 24;
const TSTAMP_GRACE = 100;
const MAX_TSCALE = 1500;

/** Quirks and their raw_sig spelling, in p0f's print order. */
const QUIRK_NAMES: ReadonlyArray<readonly [number, string]> = [
  [QUIRK_DF, 'df'],
  [QUIRK_NZ_ID, 'id+'],
  [QUIRK_ZERO_ID, 'id-'],
  [QUIRK_ECN, 'ecn'],
  [QUIRK_NZ_MBZ, '0+'],
  [QUIRK_FLOW, 'flow'],
  [QUIRK_ZERO_SEQ, 'seq-'],
  [QUIRK_NZ_ACK, 'ack+'],
  [QUIRK_ZERO_ACK, 'ack-'],
  [QUIRK_NZ_URG, 'uptr+'],
  [QUIRK_URG, 'urgf+'],
  [QUIRK_PUSH, 'pushf+'],
  [QUIRK_OPT_ZERO_TS1, 'ts1-'],
  [QUIRK_OPT_NZ_TS2, 'ts2+'],
  [QUIRK_OPT_EOL_NZ, 'opt+'],
  [QUIRK_OPT_EXWS, 'exws'],
  [QUIRK_OPT_BAD, 'bad'],
];

/** The signature of a packet (p0f's packet_to_sig). */
function packetToSig(ctx: FpContext, pk: PacketData): TcpSig {
  return {
    optHash: layoutHash(pk.optLayout, pk.optCnt),
    // Replaced by the database's shared copy when the layout is known (see fingerprintTcp).
    optLayout: EMPTY_LAYOUT,
    quirks: pk.quirks,
    optEolPad: pk.optEolPad,
    ipOptLen: pk.ipOptLen,
    ipVer: pk.ipVer,
    ttl: pk.ttl,
    mss: pk.mss,
    win: pk.win,
    winType: WIN_TYPE_NORMAL,
    wscale: pk.wscale,
    payClass: pk.payLen ? 1 : 0,
    totHdr: pk.totHdr,
    ts1: pk.ts1,
    recvMs: ctx.nowMs,
    matched: null,
    fuzzy: false,
    dist: 0,
  };
}

const EMPTY_LAYOUT = new Uint8Array(0);

/**
 * Fingerprint a SYN (`toSrv`) or SYN+ACK. Returns the packet's signature for the host
 * record (host.lastSyn / lastSynack), or null for tool signatures and p0f-sendsyn flows.
 */
export function fingerprintTcp(ctx: FpContext, toSrv: boolean, pk: PacketData, flow: Flow): TcpSig | null {
  const sig = packetToSig(ctx, pk);

  if (pk.tcpType === TCP_SYN && pk.win === SPECIAL_WIN && pk.mss === SPECIAL_MSS) flow.sendsyn = true;

  const kind: ObservationKind = toSrv
    ? (flow.sendsyn ? 'sendsyn probe' : 'syn')
    : (flow.sendsyn ? 'sendsyn response' : 'syn+ack');

  const table = ctx.db.tcp[toSrv ? 1 : 0];
  tcpFindMatch(table, sig, pk.optLayout, pk.optCnt, false, flow.synMss);
  sig.optLayout = sharedLayout(table, sig.optHash, pk) ?? pk.optLayout.slice(0, pk.optCnt);

  const m = sig.matched;
  let label: readonly [string, string | null];
  if (m) {
    const name = ctx.db.names[m.nameId]!;
    label = [m.classId === -1 || flow.sendsyn ? 'app' : 'os', m.flavor !== null ? `${name} ${m.flavor}` : name];
  } else {
    label = ['os', null];
  }

  let dist: string;
  if (m && m.badTtl) {
    dist = `<= ${sig.dist}`;
  } else {
    if (toSrv) flow.client.distance = sig.dist;
    else flow.server.distance = sig.dist;
    dist = String(sig.dist);
  }

  ctx.observe(kind, toSrv, flow, [
    label,
    ['dist', dist],
    ['params', dumpFlags(pk, sig)],
    ['raw_sig', dumpSig(pk, sig, flow.synMss)],
  ]);

  if (pk.tcpType === TCP_SYN) flow.synMss = pk.mss;

  // Tools and sendsyn exchanges say nothing about the host's OS.
  if (m && m.classId === -1) {
    verifyToolClass(ctx, toSrv, flow, m.sys);
    return null;
  }
  if (flow.sendsyn) return null;

  scoreNat(ctx, toSrv, sig, flow);
  return sig;
}

/** The database's copy of the packet's option layout, if any signature has it. */
function sharedLayout(table: ReadonlyMap<number, readonly { sig: TcpSig }[]>, hash: number,
                      pk: PacketData): Uint8Array | null {
  const bucket = table.get(hash);
  if (!bucket) return null;
  outer: for (let i = 0; i < bucket.length; i++) {
    const l = bucket[i]!.sig.optLayout;
    if (l.length !== pk.optCnt) continue;
    for (let j = 0; j < l.length; j++) if (l[j] !== pk.optLayout[j]) continue outer;
    return l;
  }
  return null;
}

/** `params`: how the match was made (p0f's dump_flags). */
export function dumpFlags(pk: PacketData, ts: TcpSig): string {
  let ret = '';
  const m = ts.matched;
  if (m) {
    if (m.generic) ret += ' generic';
    if (ts.fuzzy) ret += ' fuzzy';
    if (m.badTtl) ret += ' random_ttl';
  }
  if (ts.dist > MAX_DIST) ret += ' excess_dist';
  if (pk.tos) ret += ' tos:0x' + hex2(pk.tos);
  return ret ? ret.slice(1) : 'none';
}

function hex2(v: number): string {
  return v < 16 ? '0' + v.toString(16) : v.toString(16);
}

// raw_sig is assembled from a few remembered parts (each a pure function of the packet
// fields named): the output writers pay per piece of a concatenated string, and a
// signature spelled out field by field is some twenty pieces.
const PART_CACHE_MAX = 4096;

/** `ver:ttl+dist:olen:` for IP-option-less packets, by (ipVer === 6) * 256 + ttl. */
const headParts: (string | undefined)[] = new Array<string | undefined>(512).fill(undefined);
/** `mss:` by MSS value. */
const mssParts: (string | undefined)[] = new Array<string | undefined>(65536).fill(undefined);
/** `win,wscale:` by window spelling and scale. */
const winParts = new Map<number, string>();
/** Option layout text (`mss,sok,ts,nop,ws`), by layout hash; exact layout checked. */
const optParts = new Map<number, { layout: Uint8Array; eolPad: number; text: string }[]>();
let optPartCount = 0;
/** `:quirks:0` / `:quirks:+` by quirk bits. */
const quirkParts0 = new Map<number, string>();
const quirkPartsPay = new Map<number, string>();

function headPart(pk: PacketData): string {
  const dist = guessDist(pk.ttl);
  if (pk.ipOptLen !== 0) {
    return dist > MAX_DIST ? `${pk.ipVer}:${pk.ttl}+?:${pk.ipOptLen}:` : `${pk.ipVer}:${pk.ttl}+${dist}:${pk.ipOptLen}:`;
  }
  const k = (pk.ipVer === 6 ? 256 : 0) + pk.ttl;
  let t = headParts[k];
  if (t === undefined) {
    t = dist > MAX_DIST ? `${pk.ipVer}:${pk.ttl}+?:0:` : `${pk.ipVer}:${pk.ttl}+${dist}:0:`;
    headParts[k] = t;
  }
  return t;
}

function mssPart(mss: number): string {
  let t = mssParts[mss];
  if (t === undefined) {
    t = `${mss}:`;
    mssParts[mss] = t;
  }
  return t;
}

function winPart(ts: TcpSig, pk: PacketData, synMss: number): string {
  const winM = detectWinMulti(ts, synMss);
  const useMtu = winMultiUseMtu;
  // winM is a 16-bit signed value, win and wscale unsigned 16 and 8 bits.
  const key = winM > 0 ? ((useMtu ? 1 : 0) << 24) | (winM << 8) | pk.wscale : (1 << 25) | (pk.win << 8) | pk.wscale;
  let t = winParts.get(key);
  if (t === undefined) {
    t = (winM > 0 ? `${useMtu ? 'mtu' : 'mss'}*${winM}` : String(pk.win)) + `,${pk.wscale}:`;
    if (winParts.size >= PART_CACHE_MAX) winParts.clear();
    winParts.set(key, t);
  }
  return t;
}

function optText(pk: PacketData): string {
  let ret = '';
  for (let i = 0; i < pk.optCnt; i++) {
    if (i) ret += ',';
    const k = pk.optLayout[i]!;
    switch (k) {
      case TCPOPT_EOL: ret += `eol+${pk.optEolPad}`; break;
      case TCPOPT_NOP: ret += 'nop'; break;
      case TCPOPT_MAXSEG: ret += 'mss'; break;
      case TCPOPT_WSCALE: ret += 'ws'; break;
      case TCPOPT_SACKOK: ret += 'sok'; break;
      case TCPOPT_SACK: ret += 'sack'; break;
      case TCPOPT_TSTAMP: ret += 'ts'; break;
      default: ret += `?${k}`;
    }
  }
  return ret;
}

function optPart(pk: PacketData, hash: number): string {
  const cnt = pk.optCnt;
  const bucket = optParts.get(hash);
  if (bucket) {
    outer: for (let b = 0; b < bucket.length; b++) {
      const e = bucket[b]!;
      const l = e.layout;
      if (l.length !== cnt || e.eolPad !== pk.optEolPad) continue;
      for (let i = 0; i < cnt; i++) if (l[i] !== pk.optLayout[i]) continue outer;
      return e.text;
    }
  }
  const text = optText(pk);
  if (optPartCount >= PART_CACHE_MAX) {
    optParts.clear();
    optPartCount = 0;
  }
  const e = { layout: pk.optLayout.slice(0, cnt), eolPad: pk.optEolPad, text };
  const b = optParts.get(hash);
  if (b) b.push(e); else optParts.set(hash, [e]);
  optPartCount++;
  return text;
}

function quirkPart(quirks: number, pay: boolean): string {
  const cache = pay ? quirkPartsPay : quirkParts0;
  let t = cache.get(quirks);
  if (t === undefined) {
    t = ':';
    if (quirks) {
      let first = true;
      for (const [bit, name] of QUIRK_NAMES) {
        if (!(quirks & bit)) continue;
        t += first ? name : ',' + name;
        first = false;
      }
    }
    t += pay ? ':+' : ':0';
    if (cache.size >= PART_CACHE_MAX) cache.clear();
    cache.set(quirks, t);
  }
  return t;
}

/** `raw_sig`: the packet in p0f.fp syntax (p0f's dump_sig). */
export function dumpSig(pk: PacketData, ts: TcpSig, synMss: number): string {
  // A SYN+ACK echoing p0f-sendsyn's MSS: suggest a wildcard.
  const mss = pk.mss === SPECIAL_MSS && pk.tcpType === (TCP_SYN | TCP_ACK) ? '*:' : mssPart(pk.mss);
  return headPart(pk) + mss + winPart(ts, pk, synMss) + optPart(pk, ts.optHash) + quirkPart(pk.quirks, pk.payLen !== 0);
}

/**
 * Compare this OS signature with the host's previous one of the same kind and score the
 * difference (p0f's score_nat); then remember the OS on the host. Only for OS sigs.
 */
function scoreNat(ctx: FpContext, toSrv: boolean, sig: TcpSig, f: Flow): void {
  const hd: HostData = toSrv ? f.client : f.server;
  const ref = toSrv ? hd.lastSyn : hd.lastSynack;
  let score = 0;
  let reason = 0;
  let diffAlready = false;
  const m = sig.matched;

  if (!ref) {
    // Nothing to compare with, but the OS may still differ from what other sigs said.
    if (m && hd.lastClassId !== -1 && hd.lastNameId !== m.nameId) {
      reason |= NAT_OS_SIG;
      score += 8;
    }
  } else {
    const rm = ref.matched;
    if (!m || !rm) {
      // At least one side unknown: only structural differences count, and weakly.
      if ((sig.quirks ^ ref.quirks) & ~(QUIRK_ECN | QUIRK_DF | QUIRK_NZ_ID | QUIRK_ZERO_ID)) {
        reason |= NAT_UNK_DIFF;
        score += 2;
      } else if (toSrv && sig.optHash !== ref.optHash) {
        // SYN+ACK layouts legitimately follow the SYN, so only SYNs are compared.
        reason |= NAT_UNK_DIFF;
        score += 1;
      }
      if (toSrv && m !== rm) {
        score += 1;
        reason |= NAT_TO_UNK;
      }
    } else if (rm.nameId !== m.nameId) {
      score += 8;
      reason |= NAT_OS_SIG;
      diffAlready = true;
    } else if (toSrv) {
      if (rm.labelId !== m.labelId) {
        score += 2;
        reason |= NAT_OS_SIG;
      } else if (rm.lineNo !== m.lineNo) {
        score += 1;
        reason |= NAT_OS_SIG;
      } else if (sig.fuzzy !== ref.fuzzy) {
        score += 1;
        reason |= NAT_FUZZY;
      }
    }

    if (!diffAlready && m && hd.lastClassId !== -1 && hd.lastNameId !== m.nameId) {
      score += 8;
      reason |= NAT_OS_SIG;
      diffAlready = true;
    }

    // A TTL change means little for random-TTL sigs, or by 1 for a distant host.
    const ttlDiff = sig.ttl - ref.ttl;
    if (!diffAlready && ttlDiff && (!m || !m.badTtl) && (!rm || !rm.badTtl) &&
        (sig.dist <= NEAR_TTL_LIMIT || ttlDiff > 1)) {
      if (sig.dist > LOCAL_TTL_LIMIT && Math.abs(ttlDiff) <= SMALL_TTL_CHG) score += 1;
      else score += 4;
      reason |= NAT_TTL;
    }

    // Source ports going backwards by a fair margin hint at several systems.
    if (toSrv && hd.lastPort && f.cliPort < hd.lastPort && hd.lastPort - f.cliPort >= MIN_PORT_DROP) {
      score += 1;
      reason |= NAT_PORT;
    }

    if (sig.mss !== ref.mss) {
      score += 1;
      reason |= NAT_MSS;
    }

    // Timestamps consistent with one clock halve the suspicion; ones running far too
    // fast for the elapsed time add to it.
    if (score && sig.ts1 && ref.ts1) {
      const msDiff = sig.recvMs - ref.recvMs;
      // p0f's u64 subtraction: going back in time wraps to a huge value.
      if (msDiff >= 0 && msDiff < MAX_NAT_TS) {
        const useMs = msDiff < TSTAMP_GRACE ? TSTAMP_GRACE : msDiff;
        const maxTs = Math.floor(useMs * MAX_TSCALE / 1000);
        const tsDiff = (sig.ts1 - ref.ts1) >>> 0;
        if (tsDiff > maxTs && (msDiff >= TSTAMP_GRACE || (~tsDiff >>> 0) > maxTs)) {
          score += 4;
          reason |= NAT_TS;
        } else {
          score = score >> 1;
        }
      }
    }
  }

  addNatScore(ctx, toSrv, f, reason, score);

  if (m) {
    hd.lastClassId = m.classId;
    hd.lastNameId = m.nameId;
    hd.lastFlavor = m.flavor;
    hd.lastQuality = (sig.fuzzy ? P0F_MATCH_FUZZY : 0) | (m.generic ? P0F_MATCH_GENERIC : 0);
  }
  hd.lastPort = f.cliPort;
}
