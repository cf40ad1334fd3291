/**
 * p0f's rules for combining settings, with its messages and source locations. Used by the
 * CLI, the p0fmod port and the sensor API alike, so every entry point refuses the same
 * things in the same words.
 */
import { P0fFatalError } from '../errors.ts';
import type { P0fSettings } from './settings.ts';
import { DEFAULTS } from './settings.ts';

/** Limits p0f enforces on -S, -m and -t. */
export const LIMITS = {
  apiMaxConn: { min: 1, max: 100 },
  maxConn: { min: 1, max: 100000 },
  maxHosts: { min: 1, max: 500000 },
  connMaxAge: { min: 1, max: 1000000 },
  hostIdleLimit: { min: 1, max: 1000000 },
} as const;

export type LimitName = keyof typeof LIMITS;

export function inRange(name: LimitName, v: number): boolean {
  return Number.isInteger(v) && v >= LIMITS[name].min && v <= LIMITS[name].max;
}

const fatal = (msg: string, line: number) => new P0fFatalError(msg, `main(), p0f.c:${line}`);

/** Checks main() makes after reading options (before anything is opened). */
export function checkCombination(s: P0fSettings): void {
  if (s.readFile !== undefined && s.apiSock !== undefined) {
    throw fatal('API mode looks down on ofline captures.', 1171);
  }
  if (s.apiSock === undefined && s.apiMaxConn !== undefined && s.apiMaxConn !== DEFAULTS.apiMaxConn) {
    throw fatal('Option -S makes sense only with -s.', 1174);
  }
  if (s.daemon) {
    if (s.readFile !== undefined) throw fatal("Daemon mode and offline captures don't mix.", 1179);
    if (s.logFile === undefined && s.apiSock === undefined) throw fatal('Daemon mode requires -o or -s.', 1182);
  }
}

/** Notes p0f prints (not fatal) after the combination checks. */
export function combinationNotes(s: P0fSettings): string[] {
  return s.daemon && !s.switchUser ? ['[!] Consider specifying -u in daemon mode (see README).'] : [];
}

/** Checks prepare_pcap() makes for offline reading. */
export function checkOfflineCapture(s: P0fSettings): void {
  if (s.promisc) {
    throw new P0fFatalError('Dude, how am I supposed to make a file promiscuous?', 'prepare_pcap(), p0f.c:466');
  }
  if (s.iface !== undefined) {
    throw new P0fFatalError('Options -i and -r are mutually exclusive.', 'prepare_pcap(), p0f.c:469');
  }
}

/** Range checks for the numeric settings, with p0f's words. */
export function checkRanges(s: P0fSettings): void {
  if (s.apiMaxConn !== undefined && !inRange('apiMaxConn', s.apiMaxConn)) {
    throw fatal('Outlandish value specified for -S.', 1051);
  }
  if ((s.maxConn !== undefined && !inRange('maxConn', s.maxConn)) ||
      (s.maxHosts !== undefined && !inRange('maxHosts', s.maxHosts))) {
    throw fatal('Outlandish value specified for -m.', 1091);
  }
  if ((s.connMaxAge !== undefined && !inRange('connMaxAge', s.connMaxAge)) ||
      (s.hostIdleLimit !== undefined && !inRange('hostIdleLimit', s.hostIdleLimit))) {
    throw fatal('Outlandish value specified for -t.', 1146);
  }
}
