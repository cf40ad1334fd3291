/**
 * NAT / host-change scoring shared by the TCP and HTTP modules (p0f's add_nat_score and
 * verify_tool_class in process.c).
 *
 * Each host keeps two 32-slot scoreboards (as client, as server). Every scored event
 * shifts its score in; enough high scores in the window means several systems share the
 * address ("ip sharing"), a single notable score means the system changed ("host change").
 */
import { SYS_CLASS_FLAG } from '../db/types.ts';
import type { ObservationField } from '../observation.ts';
import {
  NAT_APP_DATE, NAT_APP_LB, NAT_APP_SIG, NAT_APP_UA, NAT_APP_VIA, NAT_FUZZY, NAT_MSS, NAT_OS_SIG,
  NAT_PORT, NAT_SCORES, NAT_TO_UNK, NAT_TS, NAT_TTL, NAT_UNK_DIFF,
  type Flow,
} from '../state/types.ts';
import type { FpContext } from './context.ts';

/** Reason bits in the order p0f prints them, with p0f's (not its README's) names. */
const REASON_NAMES: ReadonlyArray<readonly [number, string]> = [
  [NAT_APP_SIG, 'app_vs_os'],
  [NAT_OS_SIG, 'os_diff'],
  [NAT_UNK_DIFF, 'sig_diff'],
  [NAT_TO_UNK, 'x_known'],
  [NAT_TS, 'tstamp'],
  [NAT_TTL, 'ttl'],
  [NAT_PORT, 'port'],
  [NAT_MSS, 'mtu'],
  [NAT_FUZZY, 'fuzzy'],
  [NAT_APP_VIA, 'via'],
  [NAT_APP_DATE, 'date'],
  [NAT_APP_LB, 'srv_sig_lb'],
  [NAT_APP_UA, 'ua_vs_os'],
];

export function natReasonText(reason: number): string | null {
  let out = '';
  for (const [bit, name] of REASON_NAMES) {
    if (reason & bit) out += out ? ' ' + name : name;
  }
  return out || null;
}

/** Record a NAT score for the subject of `toSrv` (true = the client) and report if due. */
export function addNatScore(ctx: FpContext, toSrv: boolean, f: Flow, reason: number, score: number): void {
  const hd = toSrv ? f.client : f.server;
  let scores = toSrv ? hd.cliScores : hd.srvScores;

  // An all-zero board shifted by a zero stays all-zero: only materialise it when needed.
  if (!scores) {
    if (score === 0) {
      hd.natReasons |= reason;
      return;
    }
    scores = new Uint8Array(NAT_SCORES);
    if (toSrv) hd.cliScores = scores; else hd.srvScores = scores;
  }

  scores.copyWithin(0, 1);
  scores[NAT_SCORES - 1] = score & 0xff;
  hd.natReasons = (hd.natReasons | reason) & 0xffff;

  if (!score) return;

  let over5 = 0, over2 = 0, over1 = 0, over0 = 0;
  for (let i = 0; i < NAT_SCORES; i++) {
    const s = scores[i]!;
    // p0f's switch with fallthrough: a 6 counts in all four tallies, a 3 in three, ...
    if (s >= 6) over5++;
    if (s >= 3) over2++;
    if (s >= 2) over1++;
    if (s >= 1) over0++;
  }

  let kind: 'ip sharing' | 'host change';
  if (over5 > 2 || over2 > 4 || over1 > 6 || over0 > 8) {
    kind = 'ip sharing';
    reason = hd.natReasons;
    hd.lastNat = ctx.nowSec;
    scores.fill(0);
    hd.natReasons = 0;
  } else {
    // A lone weak signal is not worth reporting.
    if (score === 1) return;
    kind = 'host change';
    hd.lastChg = ctx.nowSec;
  }

  const fields: ObservationField[] = [
    ['reason', natReasonText(reason)],
    ['raw_hits', `${over5},${over2},${over1},${over0}`],
  ];
  ctx.observe(kind, toSrv, f, fields);
}

/** An application signature was seen: check it may run on the host's known OS. */
export function verifyToolClass(ctx: FpContext, toSrv: boolean, f: Flow, sys: readonly number[]): void {
  const hd = toSrv ? f.client : f.server;

  // Nothing known about the OS yet: nothing to contradict.
  if (hd.lastClassId === -1) return;

  let supported = false;
  for (const entry of sys) {
    const id = (entry & ~SYS_CLASS_FLAG) >>> 0;
    if ((entry & SYS_CLASS_FLAG) !== 0 ? id === hd.lastClassId : id === hd.lastNameId) {
      supported = true;
      break;
    }
  }

  if (supported) addNatScore(ctx, toSrv, f, 0, 0);
  else addNatScore(ctx, toSrv, f, NAT_APP_SIG, 4);
}
