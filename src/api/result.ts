/**
 * The parsed form of a p0f answer, with the conventions of the Python API client
 * (p0f3-api-py's format_data): times as Dates, durations, "unknown" as null, constants
 * validated.
 */
import { P0fProtocolError } from './errors.ts';
import type { P0fRawResponse } from './protocol.ts';

/** A length of time, kept in whole seconds (p0f measures uptime in minutes, modulo in days). */
export class P0fDuration {
  readonly totalSeconds: number;
  constructor(totalSeconds: number) {
    this.totalSeconds = totalSeconds;
  }
  static ofMinutes(m: number): P0fDuration {
    return new P0fDuration(m * 60);
  }
  static ofDays(d: number): P0fDuration {
    return new P0fDuration(d * 86400);
  }
  get milliseconds(): number {
    return this.totalSeconds * 1000;
  }
  get totalMinutes(): number {
    return Math.floor(this.totalSeconds / 60);
  }
  /** Whole days. */
  get days(): number {
    return Math.floor(this.totalSeconds / 86400);
  }
  /** Hours past the whole days (0..23). */
  get hours(): number {
    return Math.floor(this.totalSeconds / 3600) % 24;
  }
  /** Minutes past the whole hours (0..59). */
  get minutes(): number {
    return Math.floor(this.totalSeconds / 60) % 60;
  }
  get seconds(): number {
    return this.totalSeconds % 60;
  }
  /** ISO 8601, e.g. "P3DT4H5M" ("PT0S" for zero). */
  toISOString(): string {
    const d = this.days, h = this.hours, m = this.minutes, s = this.seconds;
    let t = '';
    if (h) t += `${h}H`;
    if (m) t += `${m}M`;
    if (s) t += `${s}S`;
    if (!d && !t) return 'PT0S';
    return `P${d ? `${d}D` : ''}${t ? `T${t}` : ''}`;
  }
  toJSON(): string {
    return this.toISOString();
  }
  toString(): string {
    return this.toISOString();
  }
  valueOf(): number {
    return this.milliseconds;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `P0fDuration(${this.toISOString()})`;
  }
}

/** bad_sw: how far the User-Agent / Server string is to be believed. */
export const BAD_SW_NONE = 0;
/** The software string's OS does not match the OS seen in TCP (p0f-client: "OS mismatch"). */
export const BAD_SW_OS_MISMATCH = 1;
/** The software string is fake (p0f-client: "is fake"). */
export const BAD_SW_FAKE = 2;

/** os_match_q values: bit 0 fuzzy (TTL or quirks off), bit 1 generic signature. */
export const OS_MATCH_NORMAL = 0;
export const OS_MATCH_FUZZY = 1;
export const OS_MATCH_GENERIC = 2;
export const OS_MATCH_FUZZY_GENERIC = 3;

/** Everything p0f knows about one host, parsed. */
export interface P0fHostInfo {
  /** First packet seen from the host. */
  firstSeen: Date;
  /** Most recent packet. */
  lastSeen: Date;
  /** Connections seen (p0f's total_conn). */
  totalConn: number;
  /** Last measured uptime; null when p0f has none. */
  uptime: P0fDuration | null;
  /** The same in minutes, as p0f sends it; null when unknown. */
  uptimeMinutes: number | null;
  /** The same in seconds; null when unknown. */
  uptimeSeconds: number | null;
  /** Period after which the uptime counter wraps; null when unknown (0 on the wire). */
  upModDays: P0fDuration | null;
  /** Last time IP sharing (NAT / load balancing) was suspected; null if never. */
  lastNat: Date | null;
  /** Last time an OS change was detected; null if never. */
  lastChange: Date | null;
  /** Network distance in hops; null when unknown (p0f sends 255, documents -1). */
  distance: number | null;
  /** 0 none, 1 OS mismatch, 2 fake (BAD_SW_*). */
  badSw: 0 | 1 | 2;
  /** 0 normal, 1 fuzzy, 2 generic, 3 both (OS_MATCH_*). */
  osMatchQ: 0 | 1 | 2 | 3;
  osName: string | null;
  osFlavor: string | null;
  httpName: string | null;
  httpFlavor: string | null;
  linkType: string | null;
  language: string | null;
}

function dateOrNull(t: number): Date | null {
  return t === 0 ? null : new Date(t * 1000);
}

function strOrNull(s: string): string | null {
  return s.length === 0 ? null : s;
}

/**
 * Parse the fields of an OK answer. Throws P0fProtocolError when bad_sw or os_match_q
 * is outside what p0f can send.
 */
export function parseHostInfo(r: P0fRawResponse): P0fHostInfo {
  if (r.badSw > 2) throw new P0fProtocolError(`p0f sent an invalid bad_sw value: ${r.badSw}`);
  if (r.osMatchQ > 3) throw new P0fProtocolError(`p0f sent an invalid os_match_q value: ${r.osMatchQ}`);
  const up = r.uptimeMin === 0 ? null : r.uptimeMin;
  return {
    firstSeen: new Date(r.firstSeen * 1000),
    lastSeen: new Date(r.lastSeen * 1000),
    totalConn: r.totalConn,
    uptime: up === null ? null : P0fDuration.ofMinutes(up),
    uptimeMinutes: up,
    uptimeSeconds: up === null ? null : up * 60,
    upModDays: r.upModDays === 0 ? null : P0fDuration.ofDays(r.upModDays),
    lastNat: dateOrNull(r.lastNat),
    lastChange: dateOrNull(r.lastChg),
    // p0f keeps the distance in a u8 whose "unknown" (-1) arrives as 255.
    distance: r.distance < 0 || r.distance === 255 ? null : r.distance,
    badSw: r.badSw as 0 | 1 | 2,
    osMatchQ: r.osMatchQ as 0 | 1 | 2 | 3,
    osName: strOrNull(r.osName),
    osFlavor: strOrNull(r.osFlavor),
    httpName: strOrNull(r.httpName),
    httpFlavor: strOrNull(r.httpFlavor),
    linkType: strOrNull(r.linkType),
    language: strOrNull(r.language),
  };
}
