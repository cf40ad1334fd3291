/**
 * NDJSON form of an observation (beyond p0f: for log pipelines): the typed view
 * (output/typed.ts) with the packet time as an ISO timestamp.
 */
import type { Observation } from '../observation.ts';
import { toTyped } from './typed.ts';

export function toJson(obs: Observation): Record<string, unknown> {
  const { time, ...rest } = toTyped(obs);
  return { timestamp: time.toISOString(), ...rest };
}

export function formatJsonLine(obs: Observation): string {
  // Emitted through a latin1 writer: encode the UTF-8 bytes as latin1 chars.
  return Buffer.from(JSON.stringify(toJson(obs)) + '\n', 'utf8').toString('latin1');
}
