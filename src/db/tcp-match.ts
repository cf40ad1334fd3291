/**
 * TCP signature matching (p0f's tcp_find_match and detect_win_multi, fp_tcp.c).
 *
 * It lives with the database because the loader runs it too: p0f rejects a signature
 * that an earlier one already matches exactly (duplicate detection), by matching the new
 * signature against the table as if it were a packet.
 */
import {
  WIN_TYPE_MOD, WIN_TYPE_MSS, WIN_TYPE_MTU, WIN_TYPE_NORMAL,
  type TcpSig, type TcpSigRecord, type TcpSigTable,
} from './types.ts';

// Quirk bits used here (same values as src/decode/packet.ts, p0f's QUIRK_*).
const QUIRK_ECN = 0x01;
const QUIRK_DF = 0x02;
const QUIRK_NZ_ID = 0x04;
const QUIRK_ZERO_ID = 0x08;
const QUIRK_FLOW = 0x20;

/** p0f's MAX_DIST: a sig TTL more than this above the packet's makes the match fuzzy. */
export const MAX_DIST = 35;

/** IPv4 / IPv6 header + TCP header without options (p0f's MIN_TCP4 / MIN_TCP6). */
export const MIN_TCP4 = 40;
export const MIN_TCP6 = 60;

/**
 * Hash of an option layout: signatures and packets with the same option kinds in the same
 * order land in the same bucket. p0f seeds its hash randomly per run; any hash will do as
 * long as the bucket is then checked for the exact layout, which we do.
 */
export function layoutHash(layout: Uint8Array, cnt: number): number {
  let h = (0x811c9dc5 ^ cnt) >>> 0;
  for (let i = 0; i < cnt; i++) h = Math.imul(h ^ layout[i]!, 0x01000193);
  return h >>> 0;
}

function sameLayout(ref: Uint8Array, layout: Uint8Array, cnt: number): boolean {
  if (ref.length !== cnt) return false;
  for (let i = 0; i < cnt; i++) if (ref[i] !== layout[i]) return false;
  return true;
}

/** Second result of detectWinMulti(): whether the divisor was an MTU rather than an MSS. */
export let winMultiUseMtu = false;

/**
 * If the window is a multiple of the MSS or the MTU (in p0f's order of guesses), the
 * multiplier; -1 otherwise. Sets `winMultiUseMtu`. Returns a 16-bit signed value, as p0f
 * (a tiny peer MSS can make it wrap).
 */
export function detectWinMulti(ts: TcpSig, synMss: number): number {
  const win = ts.win;
  const mss = ts.mss;
  winMultiUseMtu = false;

  if (!win || mss < 100 || ts.winType !== WIN_TYPE_NORMAL) return -1;

  let div: number;
  let useMtu = false;

  // Guesses in p0f's order; the first divisor that divides the window wins.
  if (win % mss === 0) div = mss;
  else if (ts.ts1 && win % (mss - 12) === 0) div = mss - 12;
  else if (win % 1460 === 0) div = 1460;
  else if (win % 1448 === 0) div = 1448;
  else if (ts.ipVer === 6 && win % 1440 === 0) div = 1440;
  else if (ts.ipVer === 6 && win % 1428 === 0) div = 1428;
  else {
    useMtu = true;
    if (win % (mss + MIN_TCP4) === 0) div = mss + MIN_TCP4;
    else if (mss + ts.totHdr !== 0 && win % (mss + ts.totHdr) === 0) div = mss + ts.totHdr;
    else if (ts.ipVer === 6 && win % (mss + MIN_TCP6) === 0) div = mss + MIN_TCP6;
    else if (win % 1500 === 0) div = 1500;
    else {
      useMtu = false;
      // On a SYN+ACK, some stacks size the window after the peer's MSS. syn_mss - 12 may
      // be zero (skipped) or negative (C's % and / truncate toward zero, as JS does).
      if (synMss && win % synMss === 0) div = synMss;
      else if (synMss && synMss !== 12 && win % (synMss - 12) === 0) div = synMss - 12;
      else return -1;
    }
  }

  winMultiUseMtu = useMtu;
  return (Math.trunc(win / div) << 16) >> 16;
}

function guessDist(ttl: number): number {
  if (ttl <= 32) return 32 - ttl;
  if (ttl <= 64) return 64 - ttl;
  if (ttl <= 128) return 128 - ttl;
  return 255 - ttl;
}
export { guessDist };

/**
 * Find the p0f.fp signature matching `ts` (whose option layout is `layout[0..cnt)`),
 * setting ts.matched / ts.fuzzy / ts.dist. With `dupeDet`, only an exact, non-generic
 * match is recorded (that is what the loader calls a duplicate).
 *
 * Order of preference: first exact specific match; else first exact generic (`g:`);
 * else first fuzzy one, unless it is an application signature.
 */
export function tcpFindMatch(table: TcpSigTable, ts: TcpSig, layout: Uint8Array, cnt: number,
                             dupeDet: boolean, synMss: number): void {
  const bucket = table.get(ts.optHash);
  if (!bucket) return finish(ts, null, null, dupeDet);

  let fmatch: TcpSigRecord | null = null;
  let gmatch: TcpSigRecord | null = null;

  const winMulti = detectWinMulti(ts, synMss);
  const useMtu = winMultiUseMtu;

  // Records with the same layout share one Uint8Array, so one comparison covers a run.
  let okLayout: Uint8Array | null = null;

  for (let i = 0; i < bucket.length; i++) {
    const ref = bucket[i]!;
    const refs = ref.sig;
    let fuzzy = false;
    let refQuirks = refs.quirks;

    if (refs.optLayout !== okLayout) {
      if (!sameLayout(refs.optLayout, layout, cnt)) continue;
      okLayout = refs.optLayout;
    }

    // A version-less sig carries both IPv4-only and IPv6-only quirks; drop those of the
    // other family. (A sig being checked for duplicates has ipVer -1, i.e. "not IPv4".)
    if (refs.ipVer === -1) {
      refQuirks &= ts.ipVer === 4 ? ~QUIRK_FLOW : ~(QUIRK_DF | QUIRK_NZ_ID | QUIRK_ZERO_ID);
    }

    if (refQuirks !== ts.quirks) {
      const deleted = (refQuirks ^ ts.quirks) & refQuirks;
      const added = (refQuirks ^ ts.quirks) & ts.quirks;
      // Losing df / id+ or gaining id- / ecn is tolerated as fuzzy; only the first such
      // candidate is of interest, so later quirk mismatches are skipped outright.
      if (fmatch || (deleted & ~(QUIRK_DF | QUIRK_NZ_ID)) || (added & ~(QUIRK_ZERO_ID | QUIRK_ECN))) continue;
      fuzzy = true;
    }

    if (refs.optEolPad !== ts.optEolPad || refs.ipOptLen !== ts.ipOptLen) continue;

    if (ref.badTtl) {
      if (refs.ttl < ts.ttl) continue;
    } else if (refs.ttl < ts.ttl || refs.ttl - ts.ttl > MAX_DIST) {
      fuzzy = true;
    }

    if (refs.mss !== -1 && refs.mss !== ts.mss) continue;
    if (refs.wscale !== -1 && refs.wscale !== ts.wscale) continue;
    if (refs.payClass !== -1 && refs.payClass !== ts.payClass) continue;

    if (ts.winType !== WIN_TYPE_NORMAL) {
      // Two database sigs being compared (duplicate check).
      if (refs.winType !== ts.winType || refs.win !== ts.win) continue;
    } else {
      switch (refs.winType) {
        case WIN_TYPE_NORMAL:
          if (refs.win !== ts.win) continue;
          break;
        case WIN_TYPE_MOD:
          if (ts.win % refs.win) continue;
          break;
        case WIN_TYPE_MSS:
          if (useMtu || refs.win !== winMulti) continue;
          break;
        case WIN_TYPE_MTU:
          if (!useMtu || refs.win !== winMulti) continue;
          break;
        // WIN_TYPE_ANY: anything goes.
      }
    }

    if (!fuzzy) {
      if (!ref.generic) {
        ts.matched = ref;
        ts.fuzzy = false;
        ts.dist = (refs.ttl - ts.ttl) & 0xff;
        return;
      } else if (!gmatch) gmatch = ref;
    } else if (!fmatch) fmatch = ref;
  }

  finish(ts, gmatch, fmatch, dupeDet);
}

function finish(ts: TcpSig, gmatch: TcpSigRecord | null, fmatch: TcpSigRecord | null, dupeDet: boolean): void {
  if (dupeDet) return;

  if (gmatch) {
    ts.matched = gmatch;
    ts.fuzzy = false;
    ts.dist = (gmatch.sig.ttl - ts.ttl) & 0xff;
    return;
  }

  // Tools (class `!`) are only ever reported on an exact match.
  if (fmatch && fmatch.classId === -1) return;

  if (!fmatch || fmatch.sig.ttl < ts.ttl || (!fmatch.badTtl && fmatch.sig.ttl - ts.ttl > MAX_DIST)) {
    ts.dist = guessDist(ts.ttl);
  } else {
    ts.dist = (fmatch.sig.ttl - ts.ttl) & 0xff;
  }

  ts.matched = fmatch;
  if (fmatch) ts.fuzzy = true;
}
