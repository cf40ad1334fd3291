/**
 * p0f's rules for combining settings, with its messages and source locations. Used by the
 * CLI, the p0fmod port and the sensor API alike, so every entry point refuses the same
 * things in the same words. Refusals are P0fControlErrors (control/errors.ts): p0f's
 * message and location, plus a stable code and p0fmod's integer.
 */
import { controlError, outlandishValue, settingsWarnings } from './errors.ts';
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

/** Checks main() makes after reading options (before anything is opened). */
export function checkCombination(s: P0fSettings): void {
  if (s.readFile !== undefined && s.apiSock !== undefined) {
    throw controlError('API_WITH_OFFLINE');
  }
  if (s.apiSock === undefined && s.apiMaxConn !== undefined && s.apiMaxConn !== DEFAULTS.apiMaxConn) {
    throw controlError('API_MAX_CONN_WITHOUT_API');
  }
  if (s.daemon) {
    if (s.readFile !== undefined) throw controlError('DAEMON_WITH_OFFLINE');
    if (s.logFile === undefined && s.apiSock === undefined) throw controlError('DAEMON_WITHOUT_OUTPUT');
  }
}

/** Notes p0f prints (not fatal) after the combination checks. */
export function combinationNotes(s: P0fSettings): string[] {
  return settingsWarnings(s).map((w) => w.message);
}

/** Checks prepare_pcap() makes for offline reading. */
export function checkOfflineCapture(s: P0fSettings): void {
  if (s.promisc) {
    throw controlError('PROMISC_WITH_OFFLINE');
  }
  if (s.iface !== undefined) {
    throw controlError('IFACE_WITH_OFFLINE');
  }
}

/** Range checks for the numeric settings, with p0f's words. */
export function checkRanges(s: P0fSettings): void {
  if (s.apiMaxConn !== undefined && !inRange('apiMaxConn', s.apiMaxConn)) {
    throw outlandishValue('S');
  }
  if ((s.maxConn !== undefined && !inRange('maxConn', s.maxConn)) ||
      (s.maxHosts !== undefined && !inRange('maxHosts', s.maxHosts))) {
    throw outlandishValue('m');
  }
  if ((s.connMaxAge !== undefined && !inRange('connMaxAge', s.connMaxAge)) ||
      (s.hostIdleLimit !== undefined && !inRange('hostIdleLimit', s.hostIdleLimit))) {
    throw outlandishValue('t');
  }
}
