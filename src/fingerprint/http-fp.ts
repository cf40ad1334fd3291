/**
 * What happens once a request's or response's headers are complete (p0f's
 * fingerprint_http and the HTTP half of NAT scoring, score_nat in fp_http.c).
 */
import { httpFindMatch } from '../db/http-sig.ts';
import type { HttpSig, HttpSigRecord } from '../db/types.ts';
import type { ObservationField } from '../observation.ts';
import {
  NAT_APP_DATE, NAT_APP_LB, NAT_APP_UA, NAT_APP_VIA, NAT_OS_SIG, NAT_TO_UNK, P0F_MATCH_GENERIC,
  type Flow, type HostData,
} from '../state/types.ts';
import type { FpContext } from './context.ts';
import { dumpHttpFlags, dumpHttpSig } from './http-dump.ts';
import { lookupLanguage } from './languages.ts';
import { addNatScore, verifyToolClass } from './nat.ts';

/** p0f's HTTP_MAX_DATE_DIFF: Date jitter (seconds) to overlook. */
export const HTTP_MAX_DATE_DIFF = 10;

function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** Byte `i` of a C string (0 at and past the end). */
function at(s: string, i: number): number {
  return i < s.length ? s.charCodeAt(i) : 0;
}

/**
 * The `lang` field for an Accept-Language value: `none` unless it starts with exactly two
 * letters, then the language name, or null (printed ???) for a code not in the table.
 * `name` is the language name when one was found (what the host record keeps).
 */
export function httpLangField(lang: string | null): { field: string | null; name: string | null } {
  const name = langName(lang);
  return name === undefined ? { field: 'none', name: null } : { field: name, name };
}

/**
 * The language of an Accept-Language value: undefined when it does not start with exactly
 * two letters (field `none`), else the name from the table or null (field ???).
 */
function langName(lang: string | null): string | null | undefined {
  if (lang !== null && isAlpha(at(lang, 0)) && isAlpha(at(lang, 1)) && !isAlpha(at(lang, 2))) {
    return lookupLanguage(at(lang, 0), at(lang, 1));
  }
  return undefined;
}

/** The part of a signature a host keeps for later comparisons (p0f zeroes the rest). */
function keepSig(s: HttpSig): HttpSig {
  // Same fields, in the same order, as newHttpSig() makes.
  return {
    httpVer: s.httpVer, hdr: [], hdrBloomLo: s.hdrBloomLo, hdrBloomHi: s.hdrBloomHi, miss: s.miss, sw: null,
    lang: null, via: null, date: s.date, recvDate: s.recvDate, matched: s.matched, dishonest: s.dishonest,
  };
}

/** p0f's score_nat() for HTTP: compare with what the host showed before. */
function scoreNat(ctx: FpContext, toSrv: boolean, f: Flow, tmp: HttpSig): void {
  const m = tmp.matched;
  let hd: HostData;
  let ref: HttpSig | null;
  let score = 0;
  let reason = 0;
  let diffAlready = false;

  if (toSrv) {
    hd = f.client;
    ref = hd.httpReqOs;
  } else {
    hd = f.server;
    ref = hd.httpResp;
    // A signature from another port of the same server says little.
    if (hd.httpRespPort !== f.srvPort) ref = null;
  }

  if (!m) {
    // Unknown software: only a server going from known to unknown is worth a point.
    if (!toSrv && ref && ref.matched) {
      score += 4;
      reason |= NAT_TO_UNK;
    }
  } else {
    if (m.classId === -1) {
      verifyToolClass(ctx, toSrv, f, m.sys);
      if (!toSrv && ref && ref.matched) {
        if (ref.matched.nameId !== m.nameId) {
          score += 8;
          reason |= NAT_APP_LB;
        } else if (ref.matched.labelId !== m.labelId) {
          score += 2;
          reason |= NAT_APP_LB;
        }
      }
    } else {
      if (ref && ref.matched) {
        if (ref.matched.nameId !== m.nameId) {
          score += 8;
          reason |= NAT_OS_SIG;
          diffAlready = true;
        } else if (ref.matched.nameId !== m.labelId) {
          // p0f compares the old name id with the new label id here (sic).
          score += 2;
          reason |= NAT_OS_SIG;
        }
      } else if (ref) {
        score += 4;
        reason |= NAT_TO_UNK;
      }
      if (!diffAlready && hd.lastNameId !== m.nameId) {
        score += 4;
        reason |= NAT_OS_SIG;
      }
    }

    // A plausible User-Agent naming another OS than the one on file.
    if (toSrv && m.classId === -1 && tmp.sw !== null && !tmp.dishonest) {
      const map = ctx.db.uaMap;
      let i = 0;
      for (; i < map.length; i++) {
        const u = map[i]!;
        const needle = u.name ?? ctx.db.names[u.id]!;
        if (tmp.sw.includes(needle)) break;
      }
      if (i !== map.length) {
        if (map[i]!.id !== hd.lastNameId) {
          score += 4;
          reason |= NAT_APP_UA;
          if (!hd.badSw) hd.badSw = 1;
        } else {
          hd.badSw = 0;
        }
      }
    }
  }

  if (tmp.via !== null) {
    score += 8;
    reason |= NAT_APP_VIA;
  }

  // Server clock going backwards, or faster than ours.
  if (ref && !toSrv && ref.date && tmp.date) {
    const recvDiff = tmp.recvDate - ref.recvDate;
    const hdrDiff = tmp.date - ref.date;
    if (hdrDiff < -HTTP_MAX_DATE_DIFF || hdrDiff > recvDiff + HTTP_MAX_DATE_DIFF) {
      score += 4;
      reason |= NAT_APP_DATE;
    }
  }

  addNatScore(ctx, toSrv, f, reason, score);
}

/**
 * p0f's fingerprint_http(): match `tmp` against the database, report the observation,
 * score NAT signals and update the host record.
 */
export function fingerprintHttp(ctx: FpContext, toSrv: boolean, f: Flow, tmp: HttpSig): void {
  httpFindMatch(ctx.db.http[toSrv ? 1 : 0], tmp, false);
  const m: HttpSigRecord | null = tmp.matched;

  const lang = langName(tmp.lang);
  const fields: ObservationField[] = [
    m ? [m.classId < 0 ? 'app' : 'os', m.flavor ? ctx.db.names[m.nameId]! + ' ' + m.flavor : ctx.db.names[m.nameId]!]
      : ['app', null],
    ['lang', lang === undefined ? 'none' : lang],
    ['params', dumpHttpFlags(tmp, m)],
    ['raw_sig', dumpHttpSig(toSrv, tmp)],
  ];
  ctx.observe(toSrv ? 'http request' : 'http response', toSrv, f, fields);

  scoreNat(ctx, toSrv, f, tmp);

  if (!toSrv) {
    const srv = f.server;
    // A server's last response is always kept, known or not.
    srv.httpResp = keepSig(tmp);
    srv.httpRespPort = f.srvPort;
    if (lang !== undefined && lang !== null) srv.language = lang;
    if (m) {
      if (m.classId !== -1) {
        srv.lastClassId = m.classId;
        srv.lastNameId = m.nameId;
        srv.lastFlavor = m.flavor;
        srv.lastQuality = m.generic ? P0F_MATCH_GENERIC : 0;
      } else {
        srv.httpNameId = m.nameId;
        srv.httpFlavor = m.flavor;
        if (tmp.dishonest) srv.badSw = 2;
      }
    }
  } else {
    const cli = f.client;
    if (lang !== undefined && lang !== null) cli.language = lang;
    if (m) {
      if (m.classId !== -1) {
        // Of a client request only an OS match is kept for comparison.
        cli.httpReqOs = keepSig(tmp);
        cli.lastClassId = m.classId;
        cli.lastNameId = m.nameId;
        cli.lastFlavor = m.flavor;
        cli.lastQuality = m.generic ? P0F_MATCH_GENERIC : 0;
      } else {
        cli.httpNameId = m.nameId;
        cli.httpFlavor = m.flavor;
        if (tmp.dishonest) cli.badSw = 2;
      }
    }
  }
}
